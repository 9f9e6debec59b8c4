// Editing (Part 4): sign in with a token; move, add, delete a facility or a place and
// edit its properties (a form made from the collection's schema, coded values as their
// labels); edit a division's boundary (terra-draw and its MapLibre adapter). A 422 shows
// the server's reasons on the map at the places it names; a 412 reloads the feature and
// says why.
import { ApiError, getJson, hasToken, request, setToken } from "./api.js";
import { t, pickTitle } from "./i18n.js";
import { reloadTiles, schemaOf, setCollectionVisible } from "./main.js";
import { showHistory } from "./history.js";
import { clearReasons, featuresAt, giveBackMap, round9, showReasons, startDraw, takeMap } from "./mapedit.js";
import { fillSelect, terms } from "./vocab.js";

let mode = null, target = null, pending = null, marker = null, draw = null;
// steps: counts editing steps begun (a pick answered late belongs to the one it began in);
// picking: the pick under way.
let steps = 0, picking = null;

const statusEl = () => document.getElementById("edit-status");
const say = (msg) => { statusEl().textContent = msg; };
const collection = () => document.getElementById("ed-target").value;
const what = () => t(collection() === "places" ? "whatPlace" : "whatFacility");

// The map layer a collection's features are picked from.
const LAYER = { facilities: "facilities-circle", places: "col-places" };

function stopDraw() {
  draw = null;
  if (marker) { marker.remove(); marker = null; }
}

function reset() {
  steps++;
  giveBackMap("edit");
  stopDraw();
  mode = target = pending = null;
  document.getElementById("ed-form").hidden = true;
  setButtons();
}

export function setButtons() {
  const on = hasToken();
  for (const id of ["ed-move", "ed-add", "ed-delete", "ed-props", "ed-boundary"]) document.getElementById(id).disabled = !on || !!mode;
  document.getElementById("ed-target").disabled = !!mode;
  document.getElementById("ed-save").disabled = !pending;
  document.getElementById("ed-cancel").disabled = !mode;
  document.getElementById("edit-who").textContent = on ? t("signedIn") : t("notSignedIn");
  document.getElementById("signin").textContent = on ? t("signOut") : t("signIn");
  document.dispatchEvent(new CustomEvent("civgis:signin", { detail: on }));
}

function begin(m) {
  steps++;
  mode = m;
  takeMap("edit", null, reset);
  setButtons();
}

// The geometry (or properties) to save (the browser test enters one here too).
function setPending(p) {
  pending = p;
  setButtons();
}

// The id of the feature under the click, or null.
async function pickFeature(map, e) {
  const [hit] = await featuresAt(map, e.point, [LAYER[collection()]]);
  if (!hit) { say(t("pickFeatureOf", { what: what() })); return null; }
  return String(hit.properties.id ?? hit.id);
}

// Picks for this editing step (find: a promise of the id under the click, or null) and
// hands the id to then(), unless the step ended (cancelled, or saved) meanwhile; a click
// while one is picked is ignored.
function pickThen(find, then) {
  if (picking) return;
  const step = steps;
  picking = find().then((id) => {
    picking = null;
    if (id && step === steps) then(id);
  });
}

// The feature as stored now, with its ETag: If-Match sends it back, so a change made
// meanwhile by someone else is a 412, never silently overwritten.
async function load(id) {
  const r = await request(`/collections/${collection()}/items/${encodeURIComponent(id)}`);
  return { collection: collection(), id, etag: r.headers.get("ETag"), feature: r.json };
}

function beginMove(map) {
  begin("move");
  say(t("pickFeatureOf", { what: what() }));
  window.civgis.clickHandler = (e) => {
    if (!target) {
      pickThen(() => pickFeature(map, e), (id) => {
        target = { collection: collection(), id };
        load(id).then((got) => {
          Object.assign(target, got);
          if (got.feature.geometry?.type !== "Point") { say(t("error", { msg: "Point" })); return; }
          marker = new maplibregl.Marker({ draggable: true, color: "#f5a623" }).setLngLat(got.feature.geometry.coordinates).addTo(map);
          marker.on("dragend", () => setPending({ geometry: { type: "Point", coordinates: marker.getLngLat().toArray() } }));
          say(t("pickTarget"));
        }).catch((err) => say(t("error", { msg: err.message })));
      });
    } else if (marker) {
      marker.setLngLat(e.lngLat);
      setPending({ geometry: { type: "Point", coordinates: [e.lngLat.lng, e.lngLat.lat] } });
    }
    return true;
  };
}

function beginAdd(map) {
  begin("add");
  target = { collection: collection(), id: null };
  say(t("pickNewAt", { what: what() }));
  const { TerraDrawPointMode } = window.terraDraw;
  draw = startDraw(map, [new TerraDrawPointMode()]);
  draw.setMode("point");
  draw.on("finish", (id) => {
    const f = draw.getSnapshot().find((x) => x.id === id);
    if (f) setPending({ geometry: f.geometry });
  });
  window.civgis.clickHandler = () => true;
}

// ------------------------------------------------------------------ properties form

// The properties a person edits: what the schema lists, less the id, the version
// interval and the provenance flag (the write path keeps those).
const SKIP = new Set(["id", "geometry", "valid_from", "valid_to", "synthetic"]);

function field(name, p, value) {
  const label = document.createElement("label");
  const span = document.createElement("span");
  span.textContent = pickTitle(p.title) || name;
  label.append(span);
  const coded = p.oneOf || p.anyOf;
  let input;
  if (p.oneOf) {
    input = document.createElement("select");
    input.append(new Option("—", ""));
    for (const x of coded.filter((c) => "const" in c)) input.append(new Option(pickTitle(x.title), String(x.const)));
  } else {
    input = document.createElement("input");
    if (p.type === "integer" || p.type === "number") { input.type = "number"; input.step = p.type === "integer" ? "1" : "any"; }
    if (p.format === "date") input.type = "date";
    if (p.anyOf) {
      // An open list: its usual values offered, any other typed.
      const list = document.createElement("datalist");
      list.id = "dl-" + name;
      for (const x of coded.filter((c) => "const" in c)) list.append(new Option(pickTitle(x.title), String(x.const)));
      input.setAttribute("list", list.id);
      label.append(list);
    }
  }
  input.name = name;
  input.dataset.type = p.type;
  input.value = value === null || value === undefined ? "" : Array.isArray(value) ? value.join("、") : String(value);
  input.dataset.was = input.value;
  label.append(input);
  return label;
}

async function showForm(got) {
  const schema = await schemaOf(got.collection);
  const form = document.getElementById("ed-form");
  const props = got.feature.properties || {};
  form.replaceChildren(...Object.entries(schema.properties || {})
    .filter(([k, p]) => !SKIP.has(k) && !p.readOnly && p["x-ogc-role"] !== "id")
    .map(([k, p]) => field(k, p, props[k])));
  form.hidden = false;
  const changed = () => {
    const patch = {};
    for (const el of form.elements) {
      if (!el.name || el.value === el.dataset.was) continue;
      const v = el.value.trim();
      patch[el.name] = v === "" ? null : el.dataset.type === "integer" || el.dataset.type === "number" ? Number(v)
        : el.dataset.type === "array" ? v.split(/[、,，]\s*/).filter(Boolean) : v;
    }
    setPending(Object.keys(patch).length ? { properties: patch } : null);
  };
  form.oninput = changed;
  form.onchange = changed;
  form.onsubmit = (e) => e.preventDefault();
  say(t("propsHint"));
}

function beginProps(map) {
  begin("props");
  say(t("pickFeatureOf", { what: what() }));
  window.civgis.clickHandler = (e) => {
    if (target) return true;
    pickThen(() => pickFeature(map, e), (id) => {
      target = { collection: collection(), id };
      load(id).then((got) => { Object.assign(target, got); return showForm(got); })
        .catch((err) => say(t("error", { msg: err.message })));
    });
    return true;
  };
}

// ------------------------------------------------------------------ boundaries

function beginBoundary(map) {
  begin("boundary");
  say(t("pickDivision"));
  window.civgis.clickHandler = (e) => {
    if (target) return true;
    pickThen(() => featuresAt(map, e.point, ["townships-fill", "counties-fill"])
      .then(([hit]) => hit && String(hit.properties.code || hit.properties.id)), (code) => editBoundaryOf(map, code));
    return true;
  };
}

// Starts terra-draw on division code's outline.
function editBoundaryOf(map, code) {
  target = { collection: "divisions", id: code };
  request(`/collections/divisions/items/${code}`).then(({ json: f, headers }) => {
    target.etag = headers.get("ETag");
    target.original = f.geometry;
    const polys = f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : [f.geometry.coordinates];
    // The largest part is edited; the others are kept as they are.
    let big = 0;
    polys.forEach((p, i) => { if (p[0].length > polys[big][0].length) big = i; });
    target.parts = polys;
    target.big = big;
    const { TerraDrawSelectMode, TerraDrawPolygonMode } = window.terraDraw;
    draw = startDraw(map, [new TerraDrawSelectMode({ flags: { polygon: { feature: { coordinates: { draggable: true } } } } }),
      new TerraDrawPolygonMode()]);
    draw.setMode("select");
    const [res] = draw.addFeatures([{ type: "Feature", geometry: { type: "Polygon", coordinates: round9(polys[big]) }, properties: { mode: "polygon" } }]);
    if (!res?.valid) say(t("error", { msg: res?.reason || "terra-draw" }));
    if (res?.id !== undefined) draw.selectFeature(res.id);
    draw.on("change", () => {
      const snap = draw.getSnapshot().find((x) => x.geometry.type === "Polygon");
      if (snap) setBoundaryRing(snap.geometry.coordinates);
    });
    say(t("dragVertices"));
  }).catch((err) => say(t("error", { msg: err.message })));
}

// A new outline for the edited part: the division's MultiPolygon with it replaced.
function setBoundaryRing(rings) {
  const parts = target.parts.map((p, i) => (i === target.big ? rings : p));
  setPending({ geometry: { type: "MultiPolygon", coordinates: parts } });
}

// ------------------------------------------------------------------ saving

function newProperties() {
  const name = document.getElementById("ed-name").value.trim();
  if (collection() === "places")
    return { name: name || "新地名", category: document.getElementById("ed-category").value || null };
  return { kind: document.getElementById("ed-kind").value, status: "planned", name: name || "新设施" };
}

async function stale(base) {
  // Someone saved first: reload their version (and its ETag) to edit again from.
  const r = await request(`${base}/${encodeURIComponent(target.id)}`);
  say(t("stale"));
  statusEl().dataset.state = "stale";
  if (marker && r.json.geometry.type === "Point") marker.setLngLat(r.json.geometry.coordinates);
  target.etag = r.headers.get("ETag");
  pending = null;
  setButtons();
  reloadTiles();
}

async function save(map) {
  if (!pending || !target) return;
  const base = `/collections/${target.collection}/items`;
  clearReasons();
  delete statusEl().dataset.state;
  try {
    if (mode === "add") {
      const r = await request(base, { method: "POST", type: "application/geo+json",
        body: { type: "Feature", geometry: pending.geometry, properties: newProperties() } });
      statusEl().dataset.created = r.json.id;
    } else {
      const reason = document.getElementById("ed-reason").value.trim();
      const body = { ...pending };
      if (reason) body.properties = { ...(body.properties || {}), change_reason: reason };
      await request(`${base}/${encodeURIComponent(target.id)}`, { method: "PATCH", type: "application/merge-patch+json", body,
        headers: { "If-Match": target.etag } });
    }
    say(t("editSaved"));
    statusEl().dataset.state = "saved";
    const done = target;
    reset();
    reloadTiles();
    if (done.id) showHistory(done.collection, done.id);
  } catch (err) {
    if (!(err instanceof ApiError)) { say(t("error", { msg: err.message })); return; }
    if (err.status === 422) showReasons(map, err, pending.geometry || target.feature?.geometry, statusEl());
    else if (err.status === 412) await stale(base);
    else if (err.status === 401 || err.status === 403) say(t("forbidden", { msg: err.message }));
    else say(t("error", { msg: err.message }));
  }
}

function remove(map) {
  begin("delete");
  say(t("pickFeatureOf", { what: what() }));
  window.civgis.clickHandler = (e) => {
    pickThen(() => pickFeature(map, e), async (id) => {
      if (!confirm(t("confirmDeleteOf", { what: what() }))) { reset(); return; }
      delete statusEl().dataset.state;
      const url = `/collections/${collection()}/items/${encodeURIComponent(id)}`;
      try {
        const head = await fetch(url, { method: "HEAD" });
        await request(url, { method: "DELETE", headers: { "If-Match": head.headers.get("ETag") } });
        say(t("deleted"));
        statusEl().dataset.state = "deleted";
        statusEl().dataset.deleted = id;
        reloadTiles();
      } catch (err) { say(t("error", { msg: err.message })); }
      reset();
    });
    return true;
  };
}

function initSignIn() {
  const dlg = document.getElementById("signin-dialog"), input = document.getElementById("token");
  document.getElementById("signin").addEventListener("click", () => {
    if (hasToken()) { setToken(null); reset(); return; }
    document.getElementById("signin-error").textContent = "";
    input.value = "";
    dlg.showModal();
  });
  document.getElementById("signin-form").addEventListener("submit", async (e) => {
    if (e.submitter?.value !== "ok") return;
    e.preventDefault();
    setToken(input.value.trim());
    try {
      await getJson("/health"); // an unknown token is answered 401
      dlg.close();
      setButtons();
    } catch {
      setToken(null);
      document.getElementById("signin-error").textContent = t("badToken");
    }
  });
}

// The new feature's fields follow the collection edited.
function targetChanged() {
  const places = collection() === "places";
  document.getElementById("ed-kind-row").hidden = places;
  document.getElementById("ed-category-row").hidden = !places;
  // Places are drawn from their own tiles: shown while they are edited.
  if (places) setCollectionVisible("places", true);
}

function labelSelects() {
  fillSelect(document.getElementById("ed-kind"), "facilities", "kind");
  fillSelect(document.getElementById("ed-category"), "places", "category", ["", "—"]);
}

export function initEdit(map) {
  initSignIn();
  labelSelects();
  document.addEventListener("civgis:lang", () => { labelSelects(); setButtons(); });
  document.getElementById("ed-target").addEventListener("change", targetChanged);
  document.getElementById("ed-move").addEventListener("click", () => beginMove(map));
  document.getElementById("ed-add").addEventListener("click", () => beginAdd(map));
  document.getElementById("ed-delete").addEventListener("click", () => remove(map));
  document.getElementById("ed-props").addEventListener("click", () => beginProps(map));
  document.getElementById("ed-boundary").addEventListener("click", () => beginBoundary(map));
  document.getElementById("ed-save").addEventListener("click", () => save(map));
  document.getElementById("ed-cancel").addEventListener("click", () => { reset(); say(""); clearReasons(); });
  window.civgis.edit = { setPending: (g) => setPending({ geometry: g }), get target() { return target; }, get mode() { return mode; },
    kinds: () => terms("facilities", "kind") };
  setButtons();
}
