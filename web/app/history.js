// History: a feature's versions and audited changes (/items/{fid}/history), and a date
// slider that shows the counties as they were on a day (datetime=).
import { getJson } from "./api.js";
import { t } from "./i18n.js";
import { showResultLayer } from "./main.js";

const DAY = 86400000;
const FIRST = Date.UTC(2020, 0, 1);

export async function showHistory(collection, id) {
  const list = document.getElementById("hist-list"), head = document.getElementById("hist-target");
  if (!["facilities", "divisions", "places", "counties", "townships", "villages"].includes(collection)) return;
  const coll = ["counties", "townships", "villages"].includes(collection) ? "divisions" : collection;
  head.textContent = `${coll} / ${id}`;
  let h;
  try { h = await getJson(`/collections/${coll}/items/${encodeURIComponent(id)}/history`); } catch { list.replaceChildren(); return; }
  const items = [
    ...h.changes.map((c) => `${c.at} · ${c.user || "?"} · ${c.action}${c.reason ? " · " + c.reason : ""}`),
    ...h.versions.map((v) => `${t("version")} ${v.valid_from || ""} → ${v.valid_to || "…"}`),
  ];
  list.replaceChildren(...(items.length ? items : [t("noChanges")]).map((s) => {
    const li = document.createElement("li");
    li.textContent = s;
    return li;
  }));
  list.dataset.count = String(h.changes.length);
}

function dateOf(days) { return new Date(FIRST + days * DAY).toISOString().slice(0, 10); }

async function showAsOf(map, date, isToday) {
  // Counties for the whole city; townships (many more) within the view.
  const level = document.getElementById("hist-level").value;
  const b = map.getBounds().toArray().flat().map((v) => v.toFixed(5)).join(",");
  const where = level === "4" ? `&bbox=${b}` : "";
  // The slider's right end is now: the current state, edits made today included.
  const when = isToday ? "" : `&datetime=${date}`;
  const fc = await getJson(`/collections/divisions/items?level=${level}${when}&limit=1000${where}`);
  if (map.getSource("asof")) map.getSource("asof").setData(fc);
  else {
    map.addSource("asof", { type: "geojson", data: fc });
    map.addLayer({ id: "asof", type: "line", source: "asof", paint: { "line-color": "#7a0177", "line-width": 2.5, "line-dasharray": [2, 1] } });
  }
  showResultLayer();
  document.getElementById("hist-date-out").dataset.features = String(fc.features.length);
  window.civgis.asOf = fc;
}

export function initHistory(map) {
  const slider = document.getElementById("hist-date"), out = document.getElementById("hist-date-out");
  const show = document.getElementById("hist-show");
  const today = Math.floor((Date.now() - FIRST) / DAY);
  slider.max = String(today);
  slider.value = String(today);
  const update = () => {
    out.textContent = dateOf(Number(slider.value));
    if (show.checked) showAsOf(map, out.textContent, slider.value === slider.max).catch((e) => window.civgis.toast(e.message));
    else if (map.getLayer("asof")) map.setLayoutProperty("asof", "visibility", "none");
    if (show.checked && map.getLayer("asof")) map.setLayoutProperty("asof", "visibility", "visible");
  };
  slider.addEventListener("change", update);
  slider.addEventListener("input", () => { out.textContent = dateOf(Number(slider.value)); });
  show.addEventListener("change", update);
  document.getElementById("hist-level").addEventListener("change", update);
  update();
}
