// What the editing panels share: who has the map's clicks and the drawing tool (one
// panel at a time: taking them releases the other), what a click picks, terra-draw
// started and stopped, and a refusal's reasons shown in a list and on the map, each at the place the server names
// (its GeoJSON location: a point, with the bbox of the area it concerns).
import { t } from "./i18n.js";

let owner = null, release = null, draw = null, popups = [];

// The map's clicks go to handler (true: taken) until another panel takes them;
// onRelease runs then.
export function takeMap(who, handler, onRelease) {
  if (owner && owner !== who && release) release();
  owner = who;
  release = onRelease;
  window.civgis.clickHandler = handler;
}

export function giveBackMap(who) {
  if (owner !== who) return;
  stopDraw();
  owner = release = null;
  window.civgis.clickHandler = null;
}

// The features of layers (those the map has) under a click. Every save reloads the tiles,
// and MapLibre drops a source's tiles while it fetches them again: a click in that moment
// is answered from the redrawn map rather than finding nothing.
export async function featuresAt(map, point, layers) {
  const under = () => map.queryRenderedFeatures(point, { layers: layers.filter((l) => map.getLayer(l)) });
  let hits = under();
  if (!hits.length && (!map.loaded() || !map.areTilesLoaded())) {
    await map.once("idle");
    hits = under();
  }
  return hits;
}

export function startDraw(map, modes) {
  stopDraw();
  const { TerraDraw } = window.terraDraw;
  const { TerraDrawMapLibreGLAdapter } = window.terraDrawMaplibreGlAdapter;
  draw = new TerraDraw({ adapter: new TerraDrawMapLibreGLAdapter({ map }), modes });
  draw.start();
  return draw;
}

export function stopDraw() {
  if (draw) { draw.stop(); draw = null; }
}

// terra-draw keeps at most 9 decimals (about 0.1 mm): coordinates rounded to that, or it
// refuses the feature.
export function round9(coords) {
  if (typeof coords[0] === "number") return coords.map((v) => Math.round(v * 1e9) / 1e9);
  return coords.map(round9);
}

export function centreOf(geom) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); y0 = Math.min(y0, c[1]); x1 = Math.max(x1, c[0]); y1 = Math.max(y1, c[1]); } else c.forEach(walk);
  };
  walk(geom.coordinates);
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

// Where a reason applies: the location the server gives; else a "[lon lat]" its text
// names; else the fallback (the edited feature's place).
function reasonPlace(e, fallback) {
  if (e.location?.type === "Point") return e.location.coordinates;
  const m = /\[(-?\d+(?:\.\d+)?)[ ,]+(-?\d+(?:\.\d+)?)\]/.exec(e.description || "");
  return m ? [Number(m[1]), Number(m[2])] : fallback;
}

function boxPolygon(b) {
  return { type: "Polygon", coordinates: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]] };
}

// The located reasons as features: a point each, and the outline of each bbox.
function reasonFeatures(list) {
  const out = [];
  list.forEach((e, i) => {
    if (e.location?.type !== "Point") return;
    out.push({ type: "Feature", properties: { i }, geometry: { type: "Point", coordinates: e.location.coordinates } });
    if (e.location.bbox) out.push({ type: "Feature", properties: { i }, geometry: boxPolygon(e.location.bbox) });
  });
  return { type: "FeatureCollection", features: out };
}

function drawReasons(map, list) {
  const data = reasonFeatures(list);
  window.civgis.reasons = data;
  if (map.getSource("reasons")) { map.getSource("reasons").setData(data); return; }
  map.addSource("reasons", { type: "geojson", data });
  map.addLayer({ id: "reasons-area", type: "line", source: "reasons", filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "line-color": "#d7301f", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "reasons-point", type: "circle", source: "reasons", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-color": "#d7301f", "circle-radius": 7, "circle-opacity": 0.35, "circle-stroke-color": "#d7301f", "circle-stroke-width": 2 } });
}

export function clearReasons() {
  popups.forEach((p) => p.remove());
  popups = [];
  const map = window.civgis.map;
  if (map?.getSource("reasons")) map.getSource("reasons").setData({ type: "FeatureCollection", features: [] });
}

// Shows a refusal in el (the panel's status line) and on the map: each reason in a
// popup at its place, with a button that goes there.
export function showReasons(map, err, fallbackGeom, el) {
  clearReasons();
  const list = err.body.errors?.length ? err.body.errors : [{ description: err.body.description || err.message }];
  const fallback = fallbackGeom ? centreOf(fallbackGeom) : map.getCenter().toArray();
  const ul = document.createElement("ul");
  ul.className = "reasons";
  for (const e of list) {
    const li = document.createElement("li");
    li.textContent = (e.property ? e.property + ": " : "") + e.description;
    const at = reasonPlace(e, fallback);
    if (e.location) {
      li.dataset.located = "1";
      const go = document.createElement("button");
      go.type = "button";
      go.className = "locate";
      go.textContent = t("locate");
      go.addEventListener("click", () => {
        if (e.location.bbox) map.fitBounds(e.location.bbox, { padding: 80, maxZoom: 17, duration: 0 });
        else map.jumpTo({ center: at, zoom: Math.max(map.getZoom(), 13) });
      });
      li.append(" ", go);
    }
    ul.append(li);
    const div = document.createElement("div");
    div.className = "reason-popup";
    div.textContent = e.description;
    popups.push(new maplibregl.Popup({ closeOnClick: false }).setLngLat(at).setDOMContent(div).addTo(map));
  }
  drawReasons(map, list);
  window.civgis.reasonPlaces = list.map((e) => reasonPlace(e, fallback));
  const p = document.createElement("p");
  p.textContent = t("rejected");
  el.replaceChildren(p, ul);
  el.dataset.state = "rejected";
}
