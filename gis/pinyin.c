/*
 * Pinyin readings and place-name romanisation. Owns the lookups in the generated table
 * (pinyin_dict.h), the word segmentation (the cheapest path through the text by word
 * frequency, as a unigram language model does), the ICU fallback for characters the
 * table lacks, and the spelling rules: tone-mark placement, apostrophes, capitals,
 * specific and generic parts. Knows nothing of the store.
 */
#include "pinyin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "pinyin_dict.h"
#include "utf8.h"

#define MAX_WORD     8    /* longest dictionary word tried, in characters */
#define COST_UNKNOWN 3000 /* a character the table lacks: rarer than any it has */
#define COST_OTHER   0    /* a character that is not Han: taken as it is */

struct pinyin {
    UTransliterator *icu;
};

enum gis_status pinyin_new(struct pinyin **out, struct gis_error *err)
{
    static const UChar id[] = {'H', 'a', 'n', '-', 'L', 'a', 't', 'i', 'n', 0};
    UErrorCode status = U_ZERO_ERROR;
    struct pinyin *p = calloc(1, sizeof *p);

    if (!p)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    p->icu = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
    if (U_FAILURE(status)) {
        free(p);
        return gis_fail(err, GIS_ERR_INTERNAL, "ICU Han-Latin: %s", u_errorName(status));
    }
    *out = p;
    return GIS_OK;
}

void pinyin_free(struct pinyin *p)
{
    if (!p)
        return;
    utrans_close(p->icu);
    free(p);
}

size_t pinyin_table_entries(void)
{
    return PINYIN_DICT_N;
}

size_t pinyin_table_overrides(void)
{
    return PINYIN_DICT_OVERRIDES;
}

/* ---------------------------------------------------------------- the table */

static const char *line_at(size_t i)
{
    return PINYIN_DICT_TEXT + PINYIN_DICT_OFFSET[i];
}

/* Compares the key of a table line with the len bytes at s, as memcmp orders bytes. */
static int key_cmp(const char *line, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char a = (unsigned char)line[i], b = (unsigned char)s[i];
        if (a == '\t')
            return -1; /* the key is a proper prefix of s */
        if (a != b)
            return a < b ? -1 : 1;
    }
    return line[len] == '\t' ? 0 : 1;
}

/* Index of the entry for the len bytes at s, or -1. */
static long dict_find(const char *s, size_t len)
{
    size_t lo = 0, hi = PINYIN_DICT_N;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(line_at(mid), s, len);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const char *reading_at(size_t i)
{
    return strchr(line_at(i), '\t') + 1;
}

/* Copies the syllable at r (ending at ' ', '|' or '\n') into out; returns the end. */
static const char *syllable_copy(const char *r, char out[PINYIN_SYL_MAX])
{
    size_t n = strcspn(r, " |\n");

    if (n >= PINYIN_SYL_MAX)
        n = PINYIN_SYL_MAX - 1;
    memcpy(out, r, n);
    out[n] = '\0';
    r += strcspn(r, " |\n");
    return *r == ' ' || *r == '|' ? r + 1 : r;
}

size_t pinyin_char_readings(const char *s, size_t len, char (*out)[PINYIN_SYL_MAX], size_t max)
{
    long i = dict_find(s, len);
    const char *r;
    size_t n = 0;

    if (i < 0)
        return 0;
    for (r = reading_at((size_t)i); n < max && *r && *r != '\n'; n++)
        r = syllable_copy(r, out[n]);
    return n;
}

/* ---------------------------------------------------------------- characters */

static uint32_t codepoint(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = s[0] & lead_mask[len];
    size_t i;

    for (i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

static bool is_han(uint32_t cp)
{
    return cp == 0x3007 || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
           (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3134f);
}

bool pinyin_is_han(const char *s, size_t len)
{
    return len > 1 && len <= 4 && is_han(codepoint((const unsigned char *)s, len));
}

/* Splits text into characters. */
static enum gis_status
split_chars(const char *text, struct pinyin_reading *r, struct gis_error *err)
{
    size_t off = 0;

    r->n = 0;
    while (text[off]) {
        size_t len = utf8_char_len((const unsigned char *)text + off);
        if (len == 0)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "the text is not valid UTF-8");
        if (r->n == PINYIN_MAX_CHARS)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "the text is longer than %d characters",
                            PINYIN_MAX_CHARS);
        memset(&r->c[r->n], 0, sizeof r->c[r->n]);
        r->c[r->n].off = off;
        r->c[r->n].len = len;
        r->n++;
        off += len;
    }
    return GIS_OK;
}

/* ---------------------------------------------------------------- numeric <-> marked */

/* The tone-marked vowels: [vowel a e i o u v][tone 1..4] in UTF-8; index 0 unmarked. */
static const char *const MARKED[6][5] = {
    {"a", "ā", "á", "ǎ", "à"}, {"e", "ē", "é", "ě", "è"}, {"i", "ī", "í", "ǐ", "ì"},
    {"o", "ō", "ó", "ǒ", "ò"}, {"u", "ū", "ú", "ǔ", "ù"}, {"ü", "ǖ", "ǘ", "ǚ", "ǜ"},
};
static const char *const CAPITAL[3][5] = {
    {"A", "Ā", "Á", "Ǎ", "À"},
    {"E", "Ē", "É", "Ě", "È"},
    {"O", "Ō", "Ó", "Ǒ", "Ò"},
};
static const char VOWELS[] = "aeiouv";

/* Finds the vowel that carries the mark: a or e, the o of ou, else the last vowel. */
static size_t mark_position(const char *letters, size_t n)
{
    size_t i, last = n;

    for (i = 0; i < n; i++)
        if (letters[i] == 'a' || letters[i] == 'e')
            return i;
    for (i = 0; i + 1 < n; i++)
        if (letters[i] == 'o' && letters[i + 1] == 'u')
            return i;
    for (i = 0; i < n; i++)
        if (strchr(VOWELS, letters[i]))
            last = i;
    return last;
}

/* The UTF-8 text of letter c: with tone's mark when is_marked, capitalised when asked;
 * plain letters are written into tmp. */
static const char *letter_text(char c, int tone, bool is_marked, bool is_capital, char tmp[2])
{
    const char *v = c ? strchr(VOWELS, c) : NULL;
    int mark = is_marked ? tone : 0;

    if (v && is_capital && strchr("aeo", c))
        return CAPITAL[c == 'a' ? 0 : c == 'e' ? 1 : 2][mark];
    if (v && (mark || c == 'v'))
        return MARKED[v - VOWELS][mark];
    tmp[0] = is_capital ? (char)(c - 'a' + 'A') : c;
    tmp[1] = '\0';
    return tmp;
}

bool pinyin_mark(const char *syl, bool is_capital, char *out, size_t size)
{
    size_t n = strlen(syl), i, pos, used = 0;
    int tone = 0;
    char tmp[2];

    if (n < 2 || syl[n - 1] < '0' || syl[n - 1] > '5')
        return false;
    tone = syl[n - 1] - '0';
    tone = tone == 5 ? 0 : tone;
    n--;
    pos = mark_position(syl, n);
    for (i = 0; i < n; i++) {
        const char *t;
        size_t k;
        if (syl[i] < 'a' || syl[i] > 'z')
            return false;
        t = letter_text(syl[i], tone, i == pos && tone > 0, is_capital && i == 0, tmp);
        k = strlen(t);
        if (used + k + 1 > size)
            return false;
        memcpy(out + used, t, k);
        used += k;
    }
    out[used] = '\0';
    return used > 0;
}

/* The plain letter of a marked vowel at s (UTF-8), its tone in *tone; 0 when s is not
 * one. Upper case folds to lower. */
static char unmark(const char *s, size_t len, int *tone)
{
    size_t row, t;

    for (row = 0; row < 6; row++) {
        for (t = 0; t < 5; t++) {
            const char *m = MARKED[row][t];
            if (strlen(m) == len && !memcmp(m, s, len) && (len > 1 || row == 5)) {
                *tone = (int)t;
                return VOWELS[row];
            }
            if (row < 3 && strlen(CAPITAL[row][t]) == len && !memcmp(CAPITAL[row][t], s, len)) {
                *tone = (int)t;
                return "aeo"[row];
            }
        }
    }
    return 0;
}

/* Combining tone marks (a decomposed form): U+0304 U+0301 U+030C U+0300; 0 if not. */
static int combining_tone(uint32_t cp)
{
    return cp == 0x304 ? 1 : cp == 0x301 ? 2 : cp == 0x30c ? 3 : cp == 0x300 ? 4 : 0;
}

/* One character of typed pinyin: its plain letter (> 0), 0 for what folding drops
 * (separators, tone digits, combining marks), -1 for anything else. */
static int fold_one(const unsigned char *s, size_t len)
{
    int tone = 0;
    char c;
    uint32_t cp;

    if (len == 1 && *s >= 'A' && *s <= 'Z')
        return *s - 'A' + 'a';
    if (len == 1 && *s >= 'a' && *s <= 'z')
        return *s;
    if (len == 1)
        return strchr(" '-012345", *s) ? 0 : -1;
    c = unmark((const char *)s, len, &tone);
    if (c)
        return c;
    cp = codepoint(s, len);
    return combining_tone(cp) || cp == 0x2019 /* ’ */ || cp == 0x308 /* diaeresis */ ? 0 : -1;
}

bool pinyin_fold(const char *text, char *out, size_t size)
{
    size_t off = 0, used = 0;

    while (text[off]) {
        const unsigned char *s = (const unsigned char *)text + off;
        size_t len = utf8_char_len(s);
        int c = len ? fold_one(s, len) : -1;
        if (c < 0 || (c > 0 && used + 2 > size))
            return false;
        if (c > 0)
            out[used++] = (char)c;
        off += len;
    }
    if (size == 0)
        return false;
    out[used] = '\0';
    return true;
}

/* "xiǎn" (as ICU writes it) -> "xian3". False when it is not one syllable. */
/* One character of a marked syllable: its letter in *c (0 for a combining mark) and a
 * tone in *t (0 none). False when it is neither. */
static bool numeric_one(const unsigned char *s, size_t len, char *c, int *t)
{
    *t = 0;
    *c = len == 1 && *s >= 'a' && *s <= 'z' ? (char)*s : 0;
    if (*c)
        return true;
    *c = len ? unmark((const char *)s, len, t) : 0;
    if (*c)
        return true;
    *t = len ? combining_tone(codepoint(s, len)) : 0;
    return *t > 0;
}

static bool to_numeric(const char *marked, char out[PINYIN_SYL_MAX])
{
    size_t off = 0, used = 0;
    int tone = 5;

    while (marked[off]) {
        const unsigned char *s = (const unsigned char *)marked + off;
        size_t len = utf8_char_len(s);
        char c;
        int t;
        if (!numeric_one(s, len, &c, &t) || (c && used + 2 >= PINYIN_SYL_MAX))
            return false;
        tone = t > 0 ? t : tone;
        if (c)
            out[used++] = c;
        off += len;
    }
    if (used == 0)
        return false;
    out[used++] = (char)('0' + tone);
    out[used] = '\0';
    return true;
}

/* ICU's reading of the one character at s (len bytes). */
static bool icu_syllable(struct pinyin *p, const char *s, size_t len, char out[PINYIN_SYL_MAX])
{
    UChar buf[32];
    char u8[64];
    int32_t n = 0, limit, m = 0;
    UErrorCode status = U_ZERO_ERROR;
    char *start = u8, *end;

    u_strFromUTF8(buf, 31, &n, s, (int32_t)len, &status);
    limit = n;
    if (U_SUCCESS(status))
        utrans_transUChars(p->icu, buf, &n, 31, 0, &limit, &status);
    if (U_SUCCESS(status))
        u_strToUTF8(u8, (int32_t)sizeof u8 - 1, &m, buf, n, &status);
    if (U_FAILURE(status))
        return false;
    u8[m] = '\0';
    while (*start == ' ')
        start++;
    end = start + strlen(start);
    while (end > start && end[-1] == ' ')
        *--end = '\0';
    return to_numeric(start, out);
}

/* ---------------------------------------------------------------- segmentation */

struct path {
    uint32_t cost[PINYIN_MAX_CHARS + 1];
    uint8_t len[PINYIN_MAX_CHARS + 1]; /* the word ending at i: its length in characters */
    long entry[PINYIN_MAX_CHARS + 1];  /* and its table entry, -1: none */
};

/* The cheapest segmentation of r's text by word frequency (Viterbi over the words the
 * table has at each position). */
static void best_path(const char *text, const struct pinyin_reading *r, struct path *pa)
{
    size_t i, k;

    for (i = 0; i <= r->n; i++)
        pa->cost[i] = UINT32_MAX;
    pa->cost[0] = 0;
    for (i = 0; i < r->n; i++) {
        if (pa->cost[i] == UINT32_MAX)
            continue;
        for (k = 1; k <= MAX_WORD && i + k <= r->n; k++) {
            size_t bytes = r->c[i + k - 1].off + r->c[i + k - 1].len - r->c[i].off;
            long e = dict_find(text + r->c[i].off, bytes);
            uint32_t c;
            if (e < 0 && k > 1)
                continue;
            c = e >= 0 ? PINYIN_DICT_COST[e]
                : is_han(codepoint((const unsigned char *)text + r->c[i].off, r->c[i].len))
                    ? COST_UNKNOWN
                    : COST_OTHER;
            if (pa->cost[i] + c < pa->cost[i + k]) {
                pa->cost[i + k] = pa->cost[i] + c;
                pa->len[i + k] = (uint8_t)k;
                pa->entry[i + k] = e;
            }
        }
    }
}

/* True when entry e (a character) has more than one full-tone reading: a neutral-tone
 * variant (家 jia) is no real choice in a place name. */
static bool has_alternatives(size_t e)
{
    const char *r = reading_at(e), *end = r + strcspn(r, "\n");
    size_t n = 0;

    while (r < end) {
        size_t k = strcspn(r, "|\n");
        n += k > 0 && r[k - 1] != '5';
        r += k + (r[k] == '|');
    }
    return n > 1;
}

/* Gives the characters of one segment [i, i + k) their readings. */
static void
assign(struct pinyin *p, const char *text, struct pinyin_reading *r, size_t i, size_t k, long e)
{
    struct pinyin_char *c = &r->c[i];
    const char *rd;
    size_t j;

    if (e < 0) {
        bool is_hz = is_han(codepoint((const unsigned char *)text + c->off, c->len));
        c->origin =
            is_hz && icu_syllable(p, text + c->off, c->len, c->syl) ? PINYIN_ICU : PINYIN_NONE;
        if (c->origin == PINYIN_NONE)
            c->syl[0] = '\0';
        return;
    }
    rd = reading_at((size_t)e);
    for (j = 0; j < k; j++) {
        rd = syllable_copy(rd, r->c[i + j].syl);
        r->c[i + j].origin = PINYIN_DICT_COST[e] == 0 ? PINYIN_OVERRIDE : PINYIN_WORD;
    }
    if (k == 1)
        c->origin = has_alternatives((size_t)e) ? PINYIN_DEFAULT : PINYIN_ONLY;
}

enum gis_status
pinyin_read(struct pinyin *p, const char *text, struct pinyin_reading *out, struct gis_error *err)
{
    struct pinyin_reading r;
    struct path pa;
    enum gis_status rc;
    size_t end;

    if (!p || !text || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "pinyin_read: null argument");
    rc = split_chars(text, &r, err);
    if (rc != GIS_OK)
        return rc;
    best_path(text, &r, &pa);
    for (end = r.n; end > 0; end -= pa.len[end])
        assign(p, text, &r, end - pa.len[end], pa.len[end], pa.entry[end]);
    *out = r;
    return GIS_OK;
}

/* ---------------------------------------------------------------- place names */

/* Generic terms (通名) after GB/T 18521's categories, longest first where one ends
 * another, each with the words it is written as. */
static const struct {
    const char *suffix;
    const char *words[3];
} GENERICS[] = {
    {"社区居民委员会", {"社区", "居民", "委员会"}},
    {"社区居委会", {"社区", "居委会"}},
    {"居民委员会", {"居民", "委员会"}},
    {"村民委员会", {"村民", "委员会"}},
    {"街道办事处", {"街道", "办事处"}},
    {"村委会", {"村委会"}},
    {"居委会", {"居委会"}},
    {"自治县", {"自治县"}},
    {"自治州", {"自治州"}},
    {"自治旗", {"自治旗"}},
    {"街道", {"街道"}},
    {"社区", {"社区"}},
    {"地区", {"地区"}},
    {"新区", {"新区"}},
    {"林区", {"林区"}},
    {"苏木", {"苏木"}},
    {"嘎查", {"嘎查"}},
    {"大街", {"大街"}},
    {"大道", {"大道"}},
    {"胡同", {"胡同"}},
    {"大桥", {"大桥"}},
    {"公园", {"公园"}},
    {"广场", {"广场"}},
    {"水库", {"水库"}},
    {"机场", {"机场"}},
    {"码头", {"码头"}},
    {"小区", {"小区"}},
    {"隧道", {"隧道"}},
    {"火车站", {"火车站"}},
    {"敬老院", {"敬老院"}},
    {"幸福院", {"幸福院"}},
    {"纪念馆", {"纪念馆"}},
    {"省", {"省"}},
    {"市", {"市"}},
    {"县", {"县"}},
    {"区", {"区"}},
    {"镇", {"镇"}},
    {"乡", {"乡"}},
    {"旗", {"旗"}},
    {"盟", {"盟"}},
    {"村", {"村"}},
    {"街", {"街"}},
    {"路", {"路"}},
    {"巷", {"巷"}},
    {"桥", {"桥"}},
    {"河", {"河"}},
    {"江", {"江"}},
    {"湖", {"湖"}},
    {"山", {"山"}},
    {"岭", {"岭"}},
    {"站", {"站"}},
};

#define N_GENERICS (sizeof GENERICS / sizeof *GENERICS)

/* Index of name's generic term in GENERICS, or -1. The specific part must stay. */
static int generic_of(const char *name)
{
    size_t n = strlen(name), i;

    for (i = 0; i < N_GENERICS; i++) {
        size_t k = strlen(GENERICS[i].suffix);
        if (n > k && !memcmp(name + n - k, GENERICS[i].suffix, k))
            return (int)i;
    }
    return -1;
}

size_t pinyin_specific_len(const char *name)
{
    int g = generic_of(name);

    return strlen(name) - (g >= 0 ? strlen(GENERICS[g].suffix) : 0);
}

struct writer {
    char *out;
    size_t size, used;
    bool is_full;
};

static void put(struct writer *w, const char *s)
{
    size_t n = strlen(s);

    if (w->is_full || w->used + n + 1 > w->size) {
        w->is_full = true;
        return;
    }
    memcpy(w->out + w->used, s, n);
    w->used += n;
    w->out[w->used] = '\0';
}

/* Writes r's characters as words: Han syllables joined (an apostrophe before a, o, e
 * inside a word), each word capitalised; Latin letters and digits as they are, a word
 * of their own; anything else separates words. */
static void
write_words(struct writer *w, const char *text, const struct pinyin_reading *r, bool *is_guessed)
{
    enum {
        NONE,
        HAN,
        RAW
    } last = NONE;
    size_t i;

    for (i = 0; i < r->n; i++) {
        const struct pinyin_char *c = &r->c[i];
        unsigned char b = (unsigned char)text[c->off];
        char marked[24], raw[2] = {(char)b, 0};
        if (c->origin == PINYIN_DEFAULT || c->origin == PINYIN_ICU)
            *is_guessed = true;
        if (c->syl[0]) {
            if (last != HAN && w->used)
                put(w, " ");
            else if (last == HAN && strchr("aoe", c->syl[0]))
                put(w, "'");
            if (!pinyin_mark(c->syl, last != HAN, marked, sizeof marked))
                w->is_full = true;
            put(w, marked);
            last = HAN;
        } else if (c->len == 1 && (isalnum(b))) {
            if (last != RAW && w->used)
                put(w, " ");
            put(w, raw);
            last = RAW;
        } else {
            last = NONE;
        }
    }
}

static enum gis_status read_and_write(
    struct pinyin *p, struct writer *w, const char *text, bool *is_guessed, struct gis_error *err)
{
    struct pinyin_reading r;
    enum gis_status rc = pinyin_read(p, text, &r, err);

    if (rc == GIS_OK)
        write_words(w, text, &r, is_guessed);
    return rc;
}

enum gis_status pinyin_place_name(struct pinyin *p,
                                  const char *name,
                                  char *out,
                                  size_t size,
                                  bool *out_is_guessed,
                                  struct gis_error *err)
{
    char specific[PINYIN_MAX_CHARS * 4 + 1];
    struct writer w = {out, size, 0, size == 0};
    bool is_guessed = false, generic_guess = false;
    int g = name ? generic_of(name) : -1;
    size_t n = name ? pinyin_specific_len(name) : 0, i;
    enum gis_status rc;

    if (!p || !name || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "pinyin_place_name: null argument");
    if (n >= sizeof specific)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the name is longer than %d characters",
                        PINYIN_MAX_CHARS);
    memcpy(specific, name, n);
    specific[n] = '\0';
    if (size)
        out[0] = '\0';
    rc = read_and_write(p, &w, specific, &is_guessed, err);
    /* A generic term reads as the term it is (县 xiàn, not a guess between readings). */
    for (i = 0; rc == GIS_OK && g >= 0 && i < 3 && GENERICS[g].words[i]; i++)
        rc = read_and_write(p, &w, GENERICS[g].words[i], &generic_guess, err);
    if (rc != GIS_OK)
        return rc;
    if (w.is_full)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "the romanised name does not fit");
    if (out_is_guessed)
        *out_is_guessed = is_guessed;
    return GIS_OK;
}
