// Editing (Part 4): sign in with a token, move / add / delete a facility, edit a
// division's boundary (terra-draw and its MapLibre adapter). A 422 shows the server's
// reasons on the map where they apply; a 412 reloads the feature and says why.
import { ApiError, getJson, hasToken, request, setToken } from "./api.js";
import { t } from "./i18n.js";
import { KIND_COLORS, reloadTiles } from "./main.js";
import { showHistory } from "./history.js";

let mode = null, target = null, pending = null, marker = null, draw = null, popups = [];

const statusEl = () => document.getElementById("edit-status");
const say = (msg) => { statusEl().textContent = msg; };

function clearReasons() { popups.forEach((p) => p.remove()); popups = []; }

// Where a reason applies: a "[lon lat]" the server names (GEOS's location of a
// self-intersection, say), else the feature's own place.
function reasonPlace(text, fallback) {
  const m = /\[(-?\d+(?:\.\d+)?)[ ,]+(-?\d+(?:\.\d+)?)\]/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : fallback;
}

function centreOf(geom) {
  if (geom.type === "Point") return geom.coordinates;
  const ring = geom.type === "Polygon" ? geom.coordinates[0] : geom.coordinates[0][0];
  const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

function showReasons(map, err, geom) {
  clearReasons();
  const list = err.body.errors?.length ? err.body.errors : [{ description: err.body.description || err.message }];
  const ul = document.createElement("ul");
  ul.className = "reasons";
  for (const e of list) {
    const li = document.createElement("li");
    li.textContent = (e.property ? e.property + ": " : "") + e.description;
    ul.append(li);
    const div = document.createElement("div");
    div.className = "reason-popup";
    div.textContent = e.description;
    popups.push(new maplibregl.Popup({ closeOnClick: false }).setLngLat(reasonPlace(e.description, centreOf(geom))).setDOMContent(div).addTo(map));
  }
  const p = document.createElement("p");
  p.textContent = t("rejected");
  statusEl().replaceChildren(p, ul);
  statusEl().dataset.state = "rejected";
}

function stopDraw() {
  if (draw) { draw.stop(); draw = null; }
  if (marker) { marker.remove(); marker = null; }
  window.civgis.clickHandler = null;
}

function reset() {
  stopDraw();
  mode = target = pending = null;
  setButtons();
}

function setButtons() {
  const on = hasToken();
  for (const id of ["ed-move", "ed-add", "ed-delete", "ed-boundary"]) document.getElementById(id).disabled = !on || !!mode;
  document.getElementById("ed-save").disabled = !pending;
  document.getElementById("ed-cancel").disabled = !mode;
  document.getElementById("edit-who").textContent = on ? t("signedIn") : t("notSignedIn");
  document.getElementById("signin").textContent = on ? t("signOut") : t("signIn");
}

function startDraw(map, modes) {
  const { TerraDraw } = window.terraDraw;
  const { TerraDrawMapLibreGLAdapter } = window.terraDrawMaplibreGlAdapter;
  draw = new TerraDraw({ adapter: new TerraDrawMapLibreGLAdapter({ map }), modes });
  draw.start();
  return draw;
}

// The geometry to save, from the drawing (the browser test enters one here too).
function setPending(geom) {
  pending = geom;
  setButtons();
}

async function pickFacility(map, e) {
  const hit = map.queryRenderedFeatures(e.point, { layers: ["facilities-circle"] })[0];
  if (!hit) { say(t("pickFacility")); return null; }
  return String(hit.properties.id);
}

async function beginMove(map) {
  mode = "move";
  setButtons();
  say(t("pickFacility"));
  window.civgis.clickHandler = (e) => {
    if (!target) {
      pickFacility(map, e).then(async (id) => {
        if (!id) return;
        target = { collection: "facilities", id };
        // Its ETag as read now: If-Match sends it back, so a change made meanwhile by
        // someone else is a 412, never silently overwritten.
        const r = await request(`/collections/facilities/items/${encodeURIComponent(id)}`);
        const f = r.json;
        target.etag = r.headers.get("ETag");
        marker = new maplibregl.Marker({ draggable: true, color: "#f5a623" }).setLngLat(f.geometry.coordinates).addTo(map);
        marker.on("dragend", () => setPending({ type: "Point", coordinates: marker.getLngLat().toArray() }));
        say(t("pickTarget"));
      });
    } else {
      marker.setLngLat(e.lngLat);
      setPending({ type: "Point", coordinates: [e.lngLat.lng, e.lngLat.lat] });
    }
    return true;
  };
}

function beginAdd(map) {
  mode = "add";
  target = { collection: "facilities", id: null };
  setButtons();
  say(t("pickPlace"));
  const { TerraDrawPointMode } = window.terraDraw;
  startDraw(map, [new TerraDrawPointMode()]).setMode("point");
  draw.on("finish", (id) => {
    const f = draw.getSnapshot().find((x) => x.id === id);
    if (f) setPending(f.geometry);
  });
  window.civgis.clickHandler = () => true;
}

async function beginBoundary(map) {
  mode = "boundary";
  setButtons();
  say(t("pickDivision"));
  window.civgis.clickHandler = (e) => {
    if (target) return true;
    const hit = map.queryRenderedFeatures(e.point, { layers: ["townships-fill", "counties-fill"] })[0];
    if (!hit) return true;
    const code = String(hit.properties.code || hit.properties.id);
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
      startDraw(map, [new TerraDrawSelectMode({ flags: { polygon: { feature: { coordinates: { draggable: true } } } } }),
        new TerraDrawPolygonMode()]);
      draw.setMode("select");
      // terra-draw keeps at most 9 decimals (about 0.1 mm): rounded to that, or it refuses the feature.
      const rings = polys[big].map((r) => r.map((c) => [Math.round(c[0] * 1e9) / 1e9, Math.round(c[1] * 1e9) / 1e9]));
      const [res] = draw.addFeatures([{ type: "Feature", geometry: { type: "Polygon", coordinates: rings }, properties: { mode: "polygon" } }]);
      if (!res?.valid) say(t("error", { msg: res?.reason || "terra-draw" }));
      if (res?.id !== undefined) draw.selectFeature(res.id);
      draw.on("change", () => {
        const snap = draw.getSnapshot().find((x) => x.geometry.type === "Polygon");
        if (snap) setBoundaryRing(snap.geometry.coordinates);
      });
      say(t("dragVertices"));
    });
    return true;
  };
}

// A new outline for the edited part: the division's MultiPolygon with it replaced.
function setBoundaryRing(rings) {
  const parts = target.parts.map((p, i) => (i === target.big ? rings : p));
  setPending({ type: "MultiPolygon", coordinates: parts });
}

async function save(map) {
  if (!pending || !target) return;
  const base = `/collections/${target.collection}/items`;
  clearReasons();
  delete statusEl().dataset.state;
  try {
    if (mode === "add") {
      const name = document.getElementById("ed-name").value.trim() || "新设施";
      const r = await request(base, { method: "POST", type: "application/geo+json", body: { type: "Feature", geometry: pending,
        properties: { kind: document.getElementById("ed-kind").value, status: "planned", name } } });
      statusEl().dataset.created = r.json.id;
    } else {
      const url = `${base}/${encodeURIComponent(target.id)}`;
      const reason = document.getElementById("ed-reason").value.trim();
      const body = { geometry: pending };
      if (reason) body.properties = { change_reason: reason };
      await request(url, { method: "PATCH", type: "application/merge-patch+json", body,
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
    if (err.status === 422) showReasons(map, err, pending);
    else if (err.status === 412) {
      // Someone saved first: reload their version (and its ETag) to edit again from.
      const r = await request(`${base}/${encodeURIComponent(target.id)}`);
      say(t("stale"));
      statusEl().dataset.state = "stale";
      if (marker && r.json.geometry.type === "Point") marker.setLngLat(r.json.geometry.coordinates);
      target.etag = r.headers.get("ETag");
      pending = null;
      setButtons();
      reloadTiles();
    } else if (err.status === 401 || err.status === 403) say(t("forbidden", { msg: err.message }));
    else say(t("error", { msg: err.message }));
  }
}

async function remove(map) {
  mode = "delete";
  setButtons();
  say(t("pickFacility"));
  window.civgis.clickHandler = (e) => {
    pickFacility(map, e).then(async (id) => {
      if (!id) return;
      if (!confirm(t("confirmDelete"))) { reset(); return; }
      delete statusEl().dataset.state;
      const url = `/collections/facilities/items/${encodeURIComponent(id)}`;
      try {
        const head = await fetch(url, { method: "HEAD" });
        await request(url, { method: "DELETE", headers: { "If-Match": head.headers.get("ETag") } });
        say(t("deleted"));
        statusEl().dataset.state = "deleted";
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
      await request("/health"); // an unknown token is answered 401
      dlg.close();
      setButtons();
    } catch {
      setToken(null);
      document.getElementById("signin-error").textContent = t("badToken");
    }
  });
}

export function initEdit(map) {
  initSignIn();
  document.getElementById("ed-kind").replaceChildren(...Object.keys(KIND_COLORS).map((k) => new Option(k, k)));
  document.getElementById("ed-move").addEventListener("click", () => beginMove(map));
  document.getElementById("ed-add").addEventListener("click", () => beginAdd(map));
  document.getElementById("ed-delete").addEventListener("click", () => remove(map));
  document.getElementById("ed-boundary").addEventListener("click", () => beginBoundary(map));
  document.getElementById("ed-save").addEventListener("click", () => save(map));
  document.getElementById("ed-cancel").addEventListener("click", () => { reset(); say(""); clearReasons(); });
  window.civgis.edit = { setPending: (g) => setPending(g), get target() { return target; }, get mode() { return mode; } };
  setButtons();
}
