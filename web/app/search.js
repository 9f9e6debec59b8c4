// The search box: the gazetteer's /search as you type (Hanzi, pinyin, initials, codes),
// arrow keys and Enter to choose, Escape to close; choosing zooms to the feature.
import { getJson } from "./api.js";
import { showInfo } from "./main.js";
import { t } from "./i18n.js";

let active = -1, items = [], seq = 0;

function bboxOf(geom) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geom.coordinates);
  return b;
}

function highlight(map, feature) {
  const data = { type: "FeatureCollection", features: feature ? [feature] : [] };
  if (map.getSource("selected")) { map.getSource("selected").setData(data); return; }
  map.addSource("selected", { type: "geojson", data });
  map.addLayer({ id: "selected-line", type: "line", source: "selected", filter: ["!=", ["geometry-type"], "Point"],
    paint: { "line-color": "#f5a623", "line-width": 3 } });
  map.addLayer({ id: "selected-point", type: "circle", source: "selected", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-color": "#f5a623", "circle-radius": 8, "circle-opacity": 0.6 } });
}

export async function selectResult(map, f) {
  const p = f.properties;
  const [collection, id] = f.id.includes("/") ? f.id.split("/") : [p.collection, f.id];
  let full = null;
  try { full = await getJson(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`); } catch { full = null; }
  const geom = full?.geometry || f.geometry;
  if (geom && geom.type !== "Point") map.fitBounds(bboxOf(geom), { padding: 40, duration: 0 });
  else if (geom) map.jumpTo({ center: geom.coordinates, zoom: Math.max(map.getZoom(), 13) });
  highlight(map, full || f);
  window.civgis.selected = { collection, id, props: full?.properties || p };
  document.body.dataset.selected = `${collection}/${id}`;
  showInfo(collection, id, full?.properties || p);
  document.dispatchEvent(new CustomEvent("civgis:selected", { detail: window.civgis.selected }));
}

export function initSearch(map) {
  const input = document.getElementById("q"), list = document.getElementById("suggest");
  const box = input.parentElement;
  const close = () => { list.hidden = true; box.setAttribute("aria-expanded", "false"); active = -1; input.removeAttribute("aria-activedescendant"); };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
  };
  const choose = (i) => { if (items[i]) { input.value = items[i].properties.name; close(); selectResult(map, items[i]); } };
  const suggest = async () => {
    const q = input.value.trim(), mine = ++seq;
    if (!q) { close(); return; }
    let j;
    try { j = await getJson(`/search?q=${encodeURIComponent(q)}&limit=8`); } catch { return; }
    if (mine !== seq) return; // a later keystroke asked again
    items = j.features;
    list.replaceChildren(...items.map((f, i) => {
      const li = document.createElement("li");
      li.id = "sg-" + i;
      li.setAttribute("role", "option");
      li.textContent = f.properties.name;
      const small = document.createElement("small");
      const lvl = f.properties.level ? t("level" + f.properties.level) : (f.properties.category || "");
      small.textContent = [lvl, f.properties.code, f.properties.division].filter(Boolean).join(" · ");
      li.append(small);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = !items.length;
    box.setAttribute("aria-expanded", String(!!items.length));
    mark(items.length ? 0 : -1);
    document.body.dataset.suggestions = String(items.length);
  };
  let timer = null;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) { e.preventDefault(); mark((active + 1) % items.length); }
    else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); mark((active - 1 + items.length) % items.length); }
    else if (e.key === "Enter") { e.preventDefault(); if (!list.hidden) choose(active < 0 ? 0 : active); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}
