// Generates the pinyin table civgis compiles in (gis/pinyin.c reads it) from the npm
// data packages pinned in package-lock.json beside this file, plus overrides.tsv:
//
//   node gen_dict.mjs NODE_MODULES_DIR OVERRIDES_TSV OUT_C
//
// Words (2..MAX_WORD characters) come from @pinyin-pro/data's complete.json with their
// frequencies; every reading of a single character from pinyin-pro's character table
// (the most frequent first). Readings are stored with tone numbers ("yan2 chang2"; v
// for u-umlaut, 5 for the neutral tone) and sorted by the key's UTF-8 bytes, so the C
// side binary-searches the text in place. Runs at build time; its output is never
// edited or committed.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const MAX_WORD = 8;
const [modules, overridesPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node gen_dict.mjs NODE_MODULES_DIR OVERRIDES_TSV OUT_C');
  process.exit(2);
}

const MARKS = {
  ā: 'a1', á: 'a2', ǎ: 'a3', à: 'a4', ē: 'e1', é: 'e2', ě: 'e3', è: 'e4',
  ī: 'i1', í: 'i2', ǐ: 'i3', ì: 'i4', ō: 'o1', ó: 'o2', ǒ: 'o3', ò: 'o4',
  ū: 'u1', ú: 'u2', ǔ: 'u3', ù: 'u4', ǖ: 'v1', ǘ: 'v2', ǚ: 'v3', ǜ: 'v4', ü: 'v0',
  ń: 'n2', ň: 'n3', ǹ: 'n4', ḿ: 'm2', m̀: 'm4', ê: 'e0',
};

// "cháng" -> "chang2"; a syllable without a mark is neutral ("ge5"). null when the
// text is not one pinyin syllable.
function numeric(syl) {
  let tone = 5, out = '';
  for (const ch of syl.normalize('NFC')) {
    const m = MARKS[ch];
    if (m) {
      out += m[0];
      if (m[1] !== '0') tone = Number(m[1]);
    } else if (/^[a-z]$/.test(ch)) {
      out += ch;
    } else {
      return null;
    }
  }
  return out.length ? out + tone : null;
}

const toneless = (s) => s.replace(/[0-9]$/, '');

// Every reading of a character, the most common first (pinyin-pro's order).
const dict1 = (await import(pathToFileURL(path.join(modules,
  'pinyin-pro/dist/esm/data/dict1.mjs')).href)).default;
const charReadings = new Map();
function addChar(ch, text) {
  const rs = text.split(' ').map(numeric).filter(Boolean);
  if (rs.length) charReadings.set(ch, rs);
}
dict1.NumberDICT.forEach((text, code) => {
  if (text) addChar(String.fromCharCode(code), text);
});
for (const [ch, text] of dict1.StringDICT) addChar(ch, text);

const complete = JSON.parse(fs.readFileSync(path.join(modules,
  '@pinyin-pro/data/json/complete.json'), 'utf8'));

// 一 and 不 are written with their own tone (GB/T 16159), not the sandhi the word list
// records ("yì sī"); everything else as the word list reads it.
function normalise(word, syls) {
  const chars = [...word];
  return syls.map((s, i) => {
    if (chars[i] === '一' && toneless(s) === 'yi') return 'yi1';
    if (chars[i] === '不' && toneless(s) === 'bu') return 'bu4';
    return s;
  });
}

// cost = -ln(p) * 100, capped to 16 bits; overrides cost 0 (always preferred).
const cost = (p) => Math.min(65535, Math.max(1, Math.round(-Math.log(p) * 100)));
const entries = new Map(); // key -> {reading, cost}
let skipped = 0;
for (const [word, [text, p]] of Object.entries(complete)) {
  const n = [...word].length;
  if (n < 2 || n > MAX_WORD) continue;
  const syls = text.split(' ').map(numeric);
  if (syls.length !== n || syls.some((s) => !s)) {
    skipped++;
    continue;
  }
  entries.set(word, { reading: normalise(word, syls).join(' '), cost: cost(p) });
}
const DEFAULT_CHAR_P = 1e-12;
for (const [ch, rs] of charReadings) {
  const single = complete[ch];
  let list = rs;
  const first = single ? numeric(single[0]) : null;
  if (first) list = [first, ...rs.filter((r) => r !== first)];
  entries.set(ch, { reading: list.join('|'), cost: cost(single ? single[1] : DEFAULT_CHAR_P) });
}

// The reviewed place-name readings: word TAB tone-marked syllables TAB why.
let nOverrides = 0;
for (const line of fs.readFileSync(overridesPath, 'utf8').split('\n')) {
  if (!line.trim() || line.startsWith('#')) continue;
  const [word, text] = line.split('\t');
  const syls = text.trim().split(/\s+/).map(numeric);
  if (syls.length !== [...word].length || syls.some((s) => !s)) {
    console.error(`${overridesPath}: bad entry '${line}'`);
    process.exit(1);
  }
  entries.set(word, { reading: syls.join(' '), cost: 0 });
  nOverrides++;
}

const keys = [...entries.keys()].map((k) => Buffer.from(k, 'utf8'));
keys.sort(Buffer.compare);

let text = '', offsets = [], costs = [], bytes = 0;
for (const kb of keys) {
  const k = kb.toString('utf8');
  const e = entries.get(k);
  const line = `${k}\t${e.reading}\n`;
  offsets.push(bytes);
  costs.push(e.cost);
  text += line;
  bytes += Buffer.byteLength(line, 'utf8');
}

const out = [];
out.push('/* Generated at build time by gis/pinyin/gen_dict.mjs from @pinyin-pro/data');
out.push(' * (complete.json, ISC), pinyin-pro (character readings, MIT) and');
out.push(' * gis/pinyin/overrides.tsv. Do not edit; change the generator or the overrides. */');
out.push('#include "pinyin_dict.h"');
out.push('');
out.push(`const size_t PINYIN_DICT_N = ${keys.length};`);
out.push(`const size_t PINYIN_DICT_OVERRIDES = ${nOverrides};`);
out.push('const char PINYIN_DICT_TEXT[] =');
const lines = text.split('\n');
for (let i = 0; i < lines.length - 1; i += 16) {
  const chunk = lines.slice(i, i + 16).map((l) => l + '\n').join('');
  out.push('    "' + chunk.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n') + '"');
}
out.push('    ;');
const arr = (name, type, xs) => {
  out.push(`const ${type} ${name}[] = {`);
  for (let i = 0; i < xs.length; i += 12) out.push('    ' + xs.slice(i, i + 12).join(', ') + ',');
  out.push('};');
};
arr('PINYIN_DICT_OFFSET', 'uint32_t', offsets);
arr('PINYIN_DICT_COST', 'uint16_t', costs);
fs.writeFileSync(outPath, out.join('\n') + '\n');
console.log(`pinyin table: ${keys.length} entries (${nOverrides} overrides, ${skipped} ` +
  `malformed words skipped), ${bytes} bytes of text`);
