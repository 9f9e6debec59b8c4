// Division operations for an officer: an area transferred between neighbours (the piece
// drawn with terra-draw), divisions merged (picked on the map), a division split by a
// line drawn across it; reason, approval and effective date. Each first runs the
// server's process with "dry_run": true and shows what it would write (the resulting
// polygons on the map, the new codes, the coverage check); Apply runs it for real, then
// the map and the history follow. A refusal (422) shows its reasons, on the map where
// the server says they lie.
import { ApiError, getJson, hasToken, request } from "./api.js";
import { t } from "./i18n.js";
import { reloadTiles } from "./main.js";
import { showHistory } from "./history.js";
import { clearReasons, featuresAt, giveBackMap, showReasons, startDraw, takeMap } from "./mapedit.js";

const $ = (id) => document.getElementById(id);
let map = null, step = 0, drawn = null, dryKey = null, names = {};
let shown = null; // the result listed, relabelled when the language changes

const op = () => $("dop-op").value;
const status = () => $("dop-status");
const say = (msg, state) => {
  status().textContent = msg;
  if (state) status().dataset.state = state;
  else delete status().dataset.state;
};
const codesOf = (text) => text.split(/[\s,，、]+/).filter(Boolean);
const today = () => new Date().toISOString().slice(0, 10);

// ------------------------------------------------------------------ what is picked

function fc(features) { return { type: "FeatureCollection", features }; }

// Each division of a preview its own colour (k: its place in the list).
const PALETTE = ["match", ["%", ["get", "k"], 4], 0, "#2b8cbe", 1, "#e6550d", 2, "#31a354", "#756bb1"];

function setLayer(id, data, paint) {
  if (map.getSource(id)) { map.getSource(id).setData(data); return; }
  map.addSource(id, { type: "geojson", data });
  map.addLayer({ id: id + "-fill", type: "fill", source: id, filter: ["!=", ["geometry-type"], "Point"],
    paint: { "fill-color": paint.fill === "palette" ? ["coalesce", PALETTE, "#2b8cbe"] : paint.fill, "fill-opacity": paint.opacity } });
  if (paint.labels)
    map.addLayer({ id: id + "-label", type: "symbol", source: id, filter: ["!=", ["geometry-type"], "Point"],
      layout: { "text-field": ["concat", ["get", "name"], "\n", ["get", "code"]], "text-font": ["Noto Sans Regular"], "text-size": 13 },
      paint: { "text-color": "#0b2f4a", "text-halo-color": "#fff", "text-halo-width": 2 } });
  map.addLayer({ id: id + "-line", type: "line", source: id, filter: ["!=", ["geometry-type"], "Point"],
    paint: { "line-color": paint.line, "line-width": 2.5 } });
  map.addLayer({ id: id + "-point", type: "circle", source: id, filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-color": paint.line, "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
}

// The picked divisions outlined, as they are now.
async function showPicked() {
  const codes = op() === "transfer-area" ? [$("dop-from").value, $("dop-to").value]
    : op() === "merge-divisions" ? codesOf($("dop-codes").value) : [$("dop-code").value];
  const feats = [];
  for (const code of codes.map((c) => c.trim()).filter(Boolean)) {
    try {
      const f = await getJson(`/collections/divisions/items/${encodeURIComponent(code)}`);
      names[code] = f.properties.name;
      feats.push(f);
    } catch { /* an unknown code: the dry run says so */ }
  }
  setLayer("dop-picked", fc(feats), { fill: "#f5a623", opacity: 0.15, line: "#f5a623" });
  fillInto();
}

// merge: the division the others join (one of them) or a new one.
function fillInto() {
  const sel = $("dop-into"), cur = sel.value;
  const opts = codesOf($("dop-codes").value).map((c) => new Option(names[c] ? `${names[c]} (${c})` : c, c));
  opts.push(new Option(t("dopIntoNew"), "new"));
  sel.replaceChildren(...opts);
  // What the officer chose stays; else the first division picked keeps its code.
  if (sel.dataset.chosen && [...sel.options].some((o) => o.value === cur)) sel.value = cur;
  showNew();
}

function showNew() {
  $("dop-new").hidden = !(op() === "split-division" || (op() === "merge-divisions" && $("dop-into").value === "new"));
}

// The next free code beside code (the same parent, one more than the largest there):
// a suggestion; the server refuses one used before and says so.
async function suggestCode(code) {
  if (!/^\d{6}(\d{3})?$/.test(code) || $("dop-new-code").value) return;
  const parent = code.length === 9 ? code.slice(0, 6) : code.slice(0, 4) + "00";
  const sib = await getJson(`/collections/divisions/items?parent_code=${parent}&limit=1000`);
  const max = Math.max(...sib.features.map((f) => Number(f.properties.code)).filter((n) => String(n).length === code.length));
  if (Number.isFinite(max)) $("dop-new-code").value = String(max + 1);
}

function pickAt(e) {
  const layer = $("dop-level").value === "counties" ? "counties-fill" : "townships-fill";
  featuresAt(map, e.point, [layer]).then(([hit]) => {
    if (window.civgis.clickHandler !== pickAt) return; // picking ended meanwhile
    if (hit) picked(String(hit.properties.code));
    else if (map.getZoom() < (map.getLayer(layer).minzoom || 0)) say(t("zoomIn"));
  });
  return true;
}

// A division clicked: the step of the operation it fills in.
function picked(code) {
  if (op() === "transfer-area") {
    $(step === 0 ? "dop-from" : "dop-to").value = code;
    step = (step + 1) % 2;
    say(t(step ? "dopPickTo" : "dopDrawAreaHint"));
  } else if (op() === "merge-divisions") {
    const codes = codesOf($("dop-codes").value);
    const i = codes.indexOf(code);
    if (i >= 0) codes.splice(i, 1); else codes.push(code);
    $("dop-codes").value = codes.join(",");
  } else {
    $("dop-code").value = code;
    suggestCode(code).catch(() => {});
    say(t("dopDrawLineHint"));
  }
  changed();
  showPicked();
}

function beginPick() {
  step = 0;
  takeMap("divops", pickAt, () => reset(false));
  say(t(op() === "transfer-area" ? "dopPickFrom" : op() === "merge-divisions" ? "dopPickMerge" : "dopPickSplit"));
}

// The piece (transfer) or the line (split), drawn with terra-draw.
function beginDraw() {
  const { TerraDrawPolygonMode, TerraDrawLineStringMode } = window.terraDraw;
  const isLine = op() === "split-division";
  takeMap("divops", () => true, () => reset(false));
  drawn = null;
  const draw = startDraw(map, [isLine ? new TerraDrawLineStringMode() : new TerraDrawPolygonMode()]);
  draw.setMode(isLine ? "linestring" : "polygon");
  draw.on("finish", (id) => {
    const f = draw.getSnapshot().find((x) => x.id === id);
    if (!f) return;
    drawn = f.geometry;
    // Drawn once: terra-draw stops taking clicks (its static mode). The map's clicks stay
    // the operation's until it is applied or cancelled (the click that closed the piece
    // would otherwise open the details of what lies under it).
    try { draw.setMode("static"); } catch { /* an older terra-draw: the next click draws anew */ }
    changed();
  });
  say(t(isLine ? "dopDrawLineHint" : "dopDrawAreaHint"));
}

// ------------------------------------------------------------------ the process

// The process's inputs from the form; missing: what is still needed.
function inputs() {
  const v = (id) => $(id).value.trim();
  const missing = [];
  const need = (val, key) => { if (!val) missing.push(t(key)); return val; };
  const x = { reason: need(v("dop-reason"), "dopReason") };
  if (v("dop-approval")) x.approval = v("dop-approval");
  if (v("dop-date")) x.valid_from = v("dop-date");
  if (v("dop-tolerance")) x.tolerance = Number(v("dop-tolerance"));
  const newOne = () => ({ code: need(v("dop-new-code"), "dopNewCode"), name: need(v("dop-new-name"), "dopNewName") });
  if (op() === "transfer-area") {
    x.from = need(v("dop-from"), "dopFrom");
    x.to = need(v("dop-to"), "dopTo");
    x.area = need(drawn?.type === "Polygon" ? drawn : null, "dopDrawArea");
  } else if (op() === "merge-divisions") {
    x.codes = codesOf(v("dop-codes"));
    if (x.codes.length < 2) missing.push(t("dopCodes"));
    if (v("dop-into") === "new") x.new = newOne(); else x.into = need(v("dop-into"), "dopInto");
  } else {
    x.code = need(v("dop-code"), "dopCode");
    x.line = need(drawn?.type === "LineString" ? drawn : null, "dopDrawLine");
    const kept = { code: x.code, name: names[x.code] || "" }, added = newOne();
    if (!kept.name) missing.push(t("dopCode"));
    x.new = v("dop-keep") === "west" ? [kept, added] : [added, kept];
  }
  return { x, missing };
}

function km2(m2) { return (m2 / 1e6).toFixed(2); }

const ACTION = { changed: "actChanged", created: "actCreated", closed: "actClosed", moved: "actMoved" };

function showResult(r, isDry, refit = true) {
  shown = { r, isDry };
  const p = document.createElement("p");
  p.textContent = (isDry ? t("dopDryOk") : t("dopApplied", { id: r.audit_id })) + " " +
    t("dopChecks", { n: r.parents_checked, before: km2(r.area_before_m2), after: km2(r.area_after_m2) }) +
    (r.moved_area_m2 ? t("dopMoved", { m: km2(r.moved_area_m2) }) : "");
  status().replaceChildren(p);
  status().dataset.state = isDry ? "dry" : "applied";
  if (!isDry) status().dataset.audit = String(r.audit_id);
  $("dop-changes").replaceChildren(...r.changes.map((c) => {
    const li = document.createElement("li");
    li.dataset.code = c.code;
    li.dataset.action = c.action;
    li.textContent = `${c.code} ${t(ACTION[c.action] || c.action)} ${c.name || ""}` +
      (c.former_code ? ` (${t("formerCode", { c: c.former_code })})` : "");
    return li;
  }));
  // What would be written, drawn over the map: the new polygons and moved seats.
  const feats = r.changes.filter((c) => c.geometry).map((c, k) => ({ type: "Feature",
    properties: { code: c.code, action: c.action, name: c.name || "", k }, geometry: c.geometry }));
  setLayer("dop-preview", fc(isDry ? feats : []), { fill: "palette", opacity: 0.35, line: "#045a8d", labels: true });
  window.civgis.divops.preview = feats;
  const polys = feats.filter((f) => f.geometry.type !== "Point");
  if (isDry && polys.length && refit) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => { if (typeof c[0] === "number") { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk); };
    polys.forEach((f) => walk(f.geometry.coordinates));
    map.fitBounds(b, { padding: 40, duration: 0 });
  }
}

async function run(isDry) {
  const { x, missing } = inputs();
  if (missing.length) { say(t("dopMissing", { what: missing.join("、") }), "missing"); return; }
  clearReasons();
  say(t("dopRunning"));
  $("dop-dry").disabled = $("dop-apply").disabled = true;
  const key = JSON.stringify([op(), x]);
  try {
    const r = (await request(`/processes/${op()}/execution`, { method: "POST", body: { inputs: { ...x, dry_run: isDry } } })).json;
    showResult(r, isDry);
    dryKey = isDry ? key : null;
    if (!isDry) {
      reset(true);
      reloadTiles();
      // The history of a division the officer named (a neighbour given a vertex on the
      // new border is among the changes too, but is not what was operated on).
      const named = [x.from, x.to, x.into, x.code, ...(x.codes || []), ...[].concat(x.new || []).map((n) => n && n.code)].filter(Boolean);
      const first = r.changes.find((c) => c.action !== "moved" && named.includes(c.code)) || r.changes.find((c) => c.action !== "moved");
      if (first) showHistory("divisions", first.code);
    }
  } catch (err) {
    dryKey = null;
    if (err instanceof ApiError && err.status === 422) showReasons(map, err, drawn, status());
    else say(t(err.status === 401 || err.status === 403 ? "forbidden" : "error", { msg: err.message }), "error");
  } finally {
    setButtons();
  }
}

// Any change of the inputs after a dry run asks for a new one before Apply.
function changed() {
  if (dryKey && dryKey !== JSON.stringify([op(), inputs().x])) {
    dryKey = null;
    say(t("dopNeedDry"), "stale");
  }
  setButtons();
}

function setButtons() {
  const on = hasToken();
  $("dop-pick").disabled = $("dop-draw").disabled = $("dop-dry").disabled = !on;
  $("dop-draw").hidden = op() === "merge-divisions";
  $("dop-draw").textContent = t(op() === "split-division" ? "dopDrawLine" : "dopDrawArea");
  $("dop-apply").disabled = !on || !dryKey || dryKey !== JSON.stringify([op(), inputs().x]);
}

// Forgets what was drawn and picked (kept: the reason, approval and date typed).
function reset(keepResult) {
  giveBackMap("divops");
  drawn = null;
  dryKey = null;
  step = 0;
  if (map.getSource("dop-picked")) map.getSource("dop-picked").setData(fc([]));
  if (!keepResult) {
    shown = null;
    if (map.getSource("dop-preview")) map.getSource("dop-preview").setData(fc([]));
    $("dop-changes").replaceChildren();
  }
  setButtons();
}

export function initDivisionOps(m) {
  map = m;
  $("dop-date").max = today();
  const showOp = () => {
    for (const el of document.querySelectorAll("#dop [data-op]")) el.hidden = el.dataset.op !== op();
    reset(false);
    say("");
    fillInto();
  };
  $("dop-op").addEventListener("change", showOp);
  $("dop-into").addEventListener("change", () => { $("dop-into").dataset.chosen = "1"; showNew(); changed(); });
  $("dop-pick").addEventListener("click", beginPick);
  $("dop-draw").addEventListener("click", beginDraw);
  $("dop-dry").addEventListener("click", () => run(true));
  $("dop-apply").addEventListener("click", () => run(false));
  $("dop-cancel").addEventListener("click", () => {
    for (const id of ["dop-from", "dop-to", "dop-codes", "dop-code", "dop-new-code", "dop-new-name"]) $(id).value = "";
    delete $("dop-into").dataset.chosen;
    reset(false);
    fillInto();
    clearReasons();
    say("");
  });
  for (const id of ["dop-from", "dop-to", "dop-codes", "dop-code"])
    $(id).addEventListener("change", () => { showPicked(); if (id === "dop-code") suggestCode($(id).value).catch(() => {}); });
  $("dop").addEventListener("input", changed);
  $("dop").addEventListener("change", changed);
  document.addEventListener("civgis:signin", setButtons);
  document.addEventListener("civgis:lang", () => {
    fillInto();
    setButtons();
    if (shown && status().dataset.state === (shown.isDry ? "dry" : "applied")) showResult(shown.r, shown.isDry, false);
  });
  window.civgis.divops = { get drawn() { return drawn; }, preview: [] };
  showOp();
}
