// The civgis web map: the base map from civgis's own "civgis" vector tileset, a layer
// list for every collection, feature details with the schema's Chinese titles, the
// gazetteer search, and the panels (coverage.js, sites.js, edit.js, history.js).
import { applyWords, pickTitle, t, toggleLanguage } from "./i18n.js";
import { getJson } from "./api.js";
import { initSearch } from "./search.js";
import { initCoverage } from "./coverage.js";
import { initSites } from "./sites.js";
import { initEdit } from "./edit.js";
import { initHistory, showHistory } from "./history.js";
import { initDivisionOps } from "./divops.js";
import { label, loadVocab } from "./vocab.js";
import { featuresAt } from "./mapedit.js";

const ORIGIN = location.origin;
const CJK_FONTS = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif";
export const KIND_COLORS = {
  mutual_aid_home: "#e6550d", community_elderly_centre: "#31a354", regional_elderly_centre: "#756bb1",
  township_elderly_home: "#3182bd", canteen: "#de2d26", funeral_service_centre: "#636363",
  funeral_home: "#252525", welfare_institute: "#d6616b", elderly_home: "#8c6d31", cemetery: "#7b4173",
  relief_station: "#e7ba52",
};

// What the page shares with its panels (and with the browser test, which reads
// civgis.timing and civgis.map).
const civgis = (window.civgis = { map: null, timing: {}, schemas: {}, collections: [], selected: null });

function toast(msg, ms = 4000) {
  const el = document.getElementById("toast");
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, ms);
}
civgis.toast = toast;

// The style layers of the base map, per collection of the tileset.
function baseLayers() {
  const kindColor = ["match", ["get", "kind"]];
  for (const [k, c] of Object.entries(KIND_COLORS)) kindColor.push(k, c);
  kindColor.push("#444");
  const label = (id, layer, minzoom, size) => ({
    id, type: "symbol", source: "civgis", "source-layer": layer, minzoom,
    layout: { "text-field": ["get", "name"], "text-font": ["Noto Sans Regular"], "text-size": size },
    paint: { "text-color": "#17415f", "text-halo-color": "#fff", "text-halo-width": 1.5 },
  });
  return [
    { id: "counties-fill", type: "fill", source: "civgis", "source-layer": "counties",
      paint: { "fill-color": "#e8efe1", "fill-opacity": 0.7 } },
    { id: "townships-fill", type: "fill", source: "civgis", "source-layer": "townships", minzoom: 8,
      paint: { "fill-color": "#ffffff", "fill-opacity": 0.01 } },
    { id: "townships-line", type: "line", source: "civgis", "source-layer": "townships", minzoom: 8,
      paint: { "line-color": "#8d9aa6", "line-width": 0.8, "line-dasharray": [3, 2] } },
    { id: "counties-line", type: "line", source: "civgis", "source-layer": "counties",
      paint: { "line-color": "#4f6272", "line-width": 1.6 } },
    { id: "villages-circle", type: "circle", source: "civgis", "source-layer": "villages", minzoom: 9,
      paint: { "circle-color": "#4477aa", "circle-radius": 2.5, "circle-opacity": 0.8 } },
    { id: "facilities-circle", type: "circle", source: "civgis", "source-layer": "facilities",
      paint: { "circle-color": kindColor, "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
    label("villages-label", "villages", 12, 11),
  ];
}

// The layer list: base map groups first, then every other collection as its own tile
// source, added the first time it is switched on.
const GROUPS = [
  { id: "counties", key: "lyrCounties", layers: ["counties-fill", "counties-line", "counties-label"], color: "#e8efe1", on: true },
  { id: "townships", key: "lyrTownships", layers: ["townships-fill", "townships-line", "townships-label"], color: "#8d9aa6", on: true },
  { id: "villages", key: "lyrVillages", layers: ["villages-circle", "villages-label"], color: "#4477aa", point: true, on: true },
  { id: "facilities", key: "lyrFacilities", layers: ["facilities-circle"], color: "#e6550d", point: true, on: true },
];

function collectionStyle(c) {
  const id = c.id, src = "col-" + id;
  if (id.startsWith("coverage-"))
    return [{ id: src, type: "circle", source: src, "source-layer": id,
      paint: { "circle-radius": 3.5, "circle-color": ["case", ["get", "covered"], "#2ca25f", "#d7301f"] } }];
  if (id.startsWith("scenario-"))
    return [{ id: src, type: "circle", source: src,
      paint: { "circle-radius": 6, "circle-color": "#ff7f00", "circle-stroke-color": "#7f2704", "circle-stroke-width": 1.5 } }];
  if (id === "places")
    return [{ id: src, type: "circle", source: src, "source-layer": id,
      paint: { "circle-radius": 4.5, "circle-color": "#6a3d9a", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
    { id: src + "-label", type: "symbol", source: src, "source-layer": id, minzoom: 11,
      layout: { "text-field": ["get", "name"], "text-font": ["Noto Sans Regular"], "text-size": 12, "text-offset": [0, 1.1] },
      paint: { "text-color": "#4a2a70", "text-halo-color": "#fff", "text-halo-width": 1.5 } }];
  if (id === "demand")
    return [{ id: src, type: "circle", source: src, "source-layer": id,
      paint: { "circle-radius": 3, "circle-color": "#6a3d9a", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } }];
  return [{ id: src, type: "line", source: src, "source-layer": id, paint: { "line-color": "#6a3d9a", "line-width": 1 } }];
}

export function collectionColor(id) {
  if (id.startsWith("coverage-")) return "#d7301f";
  if (id.startsWith("scenario-")) return "#ff7f00";
  return "#6a3d9a";
}

function ensureCollectionLayer(c) {
  const map = civgis.map, src = "col-" + c.id;
  if (map.getSource(src)) return;
  // A scenario's proposed sites are few: all of them at every zoom, as GeoJSON.
  if (c.id.startsWith("scenario-"))
    map.addSource(src, { type: "geojson", data: `${ORIGIN}/collections/${encodeURIComponent(c.id)}/items?limit=1000` });
  else map.addSource(src, { type: "vector", minzoom: 0, maxzoom: 16,
    tiles: [`${ORIGIN}/collections/${encodeURIComponent(c.id)}/tiles/WebMercatorQuad/{z}/{y}/{x}`] });
  for (const l of collectionStyle(c)) map.addLayer(l, "villages-label");
}

export function setCollectionVisible(id, on) {
  const c = civgis.collections.find((x) => x.id === id);
  const box = document.querySelector(`#layer-list input[data-id="${CSS.escape(id)}"]`);
  if (box) box.checked = on;
  const g = GROUPS.find((x) => x.id === id);
  if (g) {
    for (const l of g.layers) civgis.map.setLayoutProperty(l, "visibility", on ? "visible" : "none");
    return;
  }
  if (!c) return;
  if (on) ensureCollectionLayer(c);
  for (const l of collectionStyle(c))
    if (civgis.map.getLayer(l.id)) civgis.map.setLayoutProperty(l.id, "visibility", on ? "visible" : "none");
}

function layerRow(id, text, color, isPoint, on) {
  const li = document.createElement("li");
  const label = document.createElement("label");
  label.className = "check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = on;
  box.dataset.id = id;
  box.addEventListener("change", () => setCollectionVisible(id, box.checked));
  const sw = document.createElement("span");
  sw.className = "swatch" + (isPoint ? " point" : "");
  sw.style.background = color;
  const span = document.createElement("span");
  span.textContent = text;
  label.append(box, " ", sw, " ", span);
  li.append(label);
  return li;
}

// Results drawn by the panels (uncovered villages, proposed sites, divisions as of a
// date): listed with the collections once they exist, so they can be switched off.
const RESULTS = [
  { id: "uncovered", key: "lyrUncovered", color: "#d7301f", point: true },
  { id: "proposed", key: "lyrProposed", color: "#ff7f00", point: true },
  { id: "asof", key: "asOf", color: "#7a0177" },
];

function resultRows(ul) {
  for (const r of RESULTS) {
    if (!civgis.map.getLayer(r.id) || ul.querySelector(`input[data-id="${r.id}"]`)) continue;
    const li = layerRow(r.id, t(r.key), r.color, r.point, civgis.map.getLayoutProperty(r.id, "visibility") !== "none");
    li.querySelector("input").onchange = (e) => civgis.map.setLayoutProperty(r.id, "visibility", e.target.checked ? "visible" : "none");
    ul.prepend(li);
  }
}
export function showResultLayer() { resultRows(document.getElementById("layer-list")); }

export async function refreshLayerList() {
  const j = await getJson("/collections");
  civgis.collections = j.collections;
  const ul = document.getElementById("layer-list");
  ul.replaceChildren();
  for (const g of GROUPS) {
    const vis = civgis.map.getLayer(g.layers[0]) ? civgis.map.getLayoutProperty(g.layers[0], "visibility") !== "none" : g.on;
    ul.append(layerRow(g.id, t(g.key), g.color, g.point, vis));
  }
  for (const c of j.collections) {
    if (GROUPS.some((g) => g.id === c.id)) continue;
    const lyr = civgis.map.getLayer("col-" + c.id);
    const on = !!lyr && civgis.map.getLayoutProperty("col-" + c.id, "visibility") !== "none";
    ul.append(layerRow(c.id, collectionTitle(c), collectionColor(c.id), c.id !== "divisions", on));
  }
  resultRows(ul);
  document.dispatchEvent(new CustomEvent("civgis:collections", { detail: j.collections }));
}

// A collection's name in the language shown: the coverage layers by their kind's label;
// a scenario by its own title (its name).
const TITLES = { divisions: "lyrDivisions", places: "lyrPlaces", demand: "lyrDemand" };
function collectionTitle(c) {
  if (c.id.startsWith("coverage-")) return t("lyrCoverageOf", { kind: label("facilities", "kind", c.id.slice(9)) });
  if (TITLES[c.id]) return t(TITLES[c.id]);
  return c.title || c.id;
}

// The collection a rendered feature belongs to.
function collectionOf(f) {
  const id = f.layer.id;
  if (id === "proposed") return "sites";
  if (id === "uncovered") return "demand";
  if (id.startsWith("col-")) return id.slice(4);
  return f.sourceLayer;
}

export async function schemaOf(collection) {
  if (!civgis.schemas[collection]) {
    const base = collection.startsWith("scenario-") ? "facilities" : collection === "sites" ? "villages" : collection;
    civgis.schemas[collection] = getJson(`/collections/${encodeURIComponent(base)}/schema`).catch(() => ({ properties: {} }));
  }
  return civgis.schemas[collection];
}

export async function showInfo(collection, id, props) {
  const schema = await schemaOf(collection);
  const body = document.getElementById("info-body");
  const h = document.createElement("h2");
  h.textContent = props.name || id;
  const table = document.createElement("table");
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === "") continue;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = pickTitle(schema.properties?.[k]?.title) || k;
    th.dataset.field = k;
    const td = document.createElement("td");
    // A coded value by its label (the code in the tooltip).
    const shown = typeof v === "object" ? JSON.stringify(v) : label(collection, k, v);
    td.textContent = shown;
    if (shown !== String(v)) { td.title = String(v); td.dataset.code = String(v); }
    tr.append(th, td);
    table.append(tr);
  }
  const small = document.createElement("p");
  small.className = "note";
  small.textContent = `${collection} / ${id}`;
  body.replaceChildren(h, small, table);
  document.getElementById("info").hidden = false;
}

async function onMapClick(e) {
  if (civgis.clickHandler && civgis.clickHandler(e)) return;
  const layers = ["proposed", "uncovered", "facilities-circle", "villages-circle", "townships-fill", "counties-fill"];
  for (const c of civgis.collections) layers.unshift("col-" + c.id);
  const hits = await featuresAt(civgis.map, e.point, layers);
  if (!hits.length) return;
  const f = hits[0], collection = collectionOf(f);
  const id = f.properties.id ?? f.properties.code ?? f.id;
  civgis.selected = { collection, id: String(id), props: f.properties, lngLat: e.lngLat };
  showInfo(collection, id, f.properties);
  showHistory(collection, String(id));
  document.dispatchEvent(new CustomEvent("civgis:selected", { detail: civgis.selected }));
}

// The area-weighted centre of a polygon's outer ring (shoelace formula).
function ringCentre(ring) {
  let a = 0, x = 0, y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
  }
  return a ? [x / (3 * a), y / (3 * a)] : ring[0];
}

// One label per county (tiles would repeat it in every tile the county touches): the
// centre of its largest part, from the counties collection (small: 13 polygons).
async function addCountyLabels(map) {
  const fc = await getJson("/collections/counties/items?limit=100");
  const points = fc.features.map((f) => {
    const polys = f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : [f.geometry.coordinates];
    const big = polys.reduce((a, b) => (b[0].length > a[0].length ? b : a));
    return { type: "Feature", properties: { name: f.properties.name, code: f.properties.code },
      geometry: { type: "Point", coordinates: ringCentre(big[0]) } };
  });
  map.addSource("county-labels", { type: "geojson", data: { type: "FeatureCollection", features: points } });
  map.addLayer({ id: "counties-label", type: "symbol", source: "county-labels", maxzoom: 11,
    layout: { "text-field": ["get", "name"], "text-font": ["Noto Sans Regular"], "text-size": 15 },
    paint: { "text-color": "#17415f", "text-halo-color": "#fff", "text-halo-width": 1.5 } }, "villages-label");
}

// Township labels likewise, once from zoom 10: the townships in view, fetched as the
// map moves and kept.
function addTownshipLabels(map) {
  const seen = new Map();
  map.addSource("township-labels", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "townships-label", type: "symbol", source: "township-labels", minzoom: 10,
    layout: { "text-field": ["get", "name"], "text-font": ["Noto Sans Regular"], "text-size": 12 },
    paint: { "text-color": "#34526b", "text-halo-color": "#fff", "text-halo-width": 1.5 } }, "villages-label");
  let busy = false;
  const load = async () => {
    if (busy || map.getZoom() < 10) return;
    busy = true;
    try {
      const b = map.getBounds().toArray().flat().map((v) => v.toFixed(5)).join(",");
      const fc = await getJson(`/collections/townships/items?limit=200&bbox=${b}`);
      let added = false;
      for (const f of fc.features) {
        if (seen.has(f.id)) continue;
        const polys = f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : [f.geometry.coordinates];
        const big = polys.reduce((a, c) => (c[0].length > a[0].length ? c : a));
        seen.set(f.id, { type: "Feature", properties: { name: f.properties.name }, geometry: { type: "Point", coordinates: ringCentre(big[0]) } });
        added = true;
      }
      if (added) map.getSource("township-labels").setData({ type: "FeatureCollection", features: [...seen.values()] });
    } catch (e) {
      console.warn("township labels", e);
    } finally {
      busy = false;
    }
  };
  map.on("moveend", load);
  load();
}

// A raster basemap (e.g. Tianditu with its key) under everything, from the settings.
function setRaster(url) {
  const map = civgis.map;
  if (map.getLayer("raster")) map.removeLayer("raster");
  if (map.getSource("raster")) map.removeSource("raster");
  if (!url) { localStorage.removeItem("civgis.raster"); return; }
  localStorage.setItem("civgis.raster", url);
  map.addSource("raster", { type: "raster", tiles: [url], tileSize: 256 });
  map.addLayer({ id: "raster", type: "raster", source: "raster" }, "counties-fill");
  map.setPaintProperty("counties-fill", "fill-opacity", 0.25);
}

// Reloads the tiles after an edit (the server has invalidated its cache; the browser
// revalidates each tile with its ETag).
export function reloadTiles() {
  const map = civgis.map;
  map.getSource("civgis").setUrl(`${ORIGIN}/tiles/civgis.json`);
  for (const c of civgis.collections) {
    const src = map.getSource("col-" + c.id);
    if (src?.setTiles) src.setTiles(src.tiles);
    else if (src?.setData) src.setData(`${ORIGIN}/collections/${encodeURIComponent(c.id)}/items?limit=1000`);
  }
}

function initChrome() {
  const tabs = [...document.querySelectorAll("#side [role=tab]")];
  const select = (b) => {
    for (const x of tabs) {
      x.setAttribute("aria-selected", String(x === b));
      x.tabIndex = x === b ? 0 : -1;
      document.getElementById("tab-" + x.dataset.tab).hidden = x !== b;
    }
  };
  tabs.forEach((b, i) => {
    b.addEventListener("click", () => select(b));
    b.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!d) return;
      const n = tabs[(i + d + tabs.length) % tabs.length];
      select(n);
      n.focus();
    });
  });
  select(tabs[0]);
  const side = document.getElementById("side"), menu = document.getElementById("menu");
  if (matchMedia("(max-width: 700px)").matches) { side.classList.add("collapsed"); menu.setAttribute("aria-expanded", "false"); }
  menu.addEventListener("click", () => {
    const open = side.classList.toggle("collapsed") === false;
    menu.setAttribute("aria-expanded", String(open));
    civgis.map?.resize();
  });
  document.getElementById("info-close").addEventListener("click", () => { document.getElementById("info").hidden = true; });
  document.getElementById("lang").addEventListener("click", () => { toggleLanguage(); refreshLayerList(); });
  document.addEventListener("civgis:lang", () => {
    const s = civgis.selected;
    if (s && !document.getElementById("info").hidden) showInfo(s.collection, s.id, s.props);
  });
  const raster = document.getElementById("raster-url");
  raster.value = localStorage.getItem("civgis.raster") || "";
  document.getElementById("raster-apply").addEventListener("click", () => setRaster(raster.value.trim()));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") document.getElementById("info").hidden = true;
  });
}

async function main() {
  civgis.timing.start = performance.now();
  applyWords();
  initChrome();
  const tj = await getJson("/tiles/civgis.json");
  const map = new maplibregl.Map({
    container: "map",
    style: {
      version: 8,
      glyphs: `${ORIGIN}/app/glyphs/{fontstack}/{range}.pbf`,
      sources: { civgis: { type: "vector", url: `${ORIGIN}/tiles/civgis.json` } },
      layers: [{ id: "background", type: "background", paint: { "background-color": "#f3f1ec" } }, ...baseLayers()],
    },
    bounds: tj.bounds, fitBoundsOptions: { padding: 20 },
    localIdeographFontFamily: CJK_FONTS, fadeDuration: 0, attributionControl: false,
  });
  civgis.map = map;
  civgis.home = () => map.fitBounds(tj.bounds, { padding: 20, duration: 0 });
  map.addControl(new maplibregl.NavigationControl(), "bottom-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  map.on("click", onMapClick);
  map.on("mousemove", (e) => {
    const l = ["facilities-circle", "villages-circle"].filter((x) => map.getLayer(x));
    map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers: l }).length ? "pointer" : "";
  });
  map.once("load", () => { civgis.timing.load = performance.now(); });
  const firstRender = new Promise((resolve) => map.once("idle", () => {
    // The base map drawn for the first time: every tile of the view loaded and rendered.
    civgis.timing.firstRender = performance.now();
    resolve();
  }));
  await new Promise((resolve) => map.once("load", resolve));
  await addCountyLabels(map);
  addTownshipLabels(map);
  const raster = localStorage.getItem("civgis.raster");
  if (raster) setRaster(raster);
  await loadVocab();
  await refreshLayerList();
  initSearch(map);
  initCoverage(map);
  initSites(map);
  initEdit(map);
  initDivisionOps(map);
  initHistory(map);
  // Ready for a person (and the browser test) once the base map is drawn and the panels
  // and layer list are built: on a slow server the first idle can come before the list.
  await firstRender;
  document.body.dataset.ready = "1";
}

main().catch((e) => {
  console.error(e);
  toast(t("error", { msg: e.message }), 10000);
});
