// The site-selection panel: an asynchronous job (Prefer: respond-async) polled at
// /jobs/{id} for its progress, cancelled with DELETE; the proposed sites on the map with
// the demand each serves; saving as a scenario (a planner's write); the scenarios
// (the bureau's plan, yanan-2024/*, among them) listed, shown and compared.
import { getJson, request } from "./api.js";
import { t } from "./i18n.js";
import { refreshLayerList, setCollectionVisible, showResultLayer } from "./main.js";
import { fillSelect } from "./vocab.js";
import { runCoverage } from "./coverage.js";

let job = null, lastInputs = null;

function formInputs() {
  const v = (id) => document.getElementById(id).value.trim();
  const inputs = { problem: v("site-problem"), kind: v("site-kind"), candidates: v("site-candidates") };
  if (inputs.problem !== "lscp" && v("site-p")) inputs.p = Number(v("site-p"));
  if (v("site-radius")) inputs.radius = Number(v("site-radius"));
  if (v("site-within")) inputs.within = v("site-within");
  if (v("site-pcmax")) inputs.per_county_max = Number(v("site-pcmax"));
  if (v("site-pcmin")) inputs.per_county_min = Number(v("site-pcmin"));
  if (v("site-exkind")) {
    inputs.exclude_kind = v("site-exkind");
    if (v("site-exdist")) inputs.exclude_distance = Number(v("site-exdist"));
  }
  if (document.getElementById("site-exact").checked) inputs.exact = true;
  if (v("site-time")) inputs.time_limit = Number(v("site-time"));
  return inputs;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a site selection as a job; onProgress(percent) while it runs. Resolves with the
// job's final status document and, when it succeeded, its results.
export async function runJob(inputs, onProgress) {
  const r = await request("/processes/site-selection/execution", { method: "POST",
    headers: { Prefer: "respond-async" }, body: { inputs, outputs: { sites: {} } } });
  const url = r.headers.get("Location") || r.json.links.find((l) => l.rel === "self").href;
  job = { url, cancelled: false };
  for (;;) {
    const st = await getJson(url);
    onProgress(st);
    if (["successful", "failed", "dismissed"].includes(st.status)) {
      job = null;
      if (st.status !== "successful") return { status: st };
      return { status: st, results: await getJson(url + "/results") };
    }
    await sleep(400);
  }
}

function showSites(map, fc) {
  if (map.getSource("proposed")) map.getSource("proposed").setData(fc);
  else {
    map.addSource("proposed", { type: "geojson", data: fc });
    map.addLayer({ id: "proposed", type: "circle", source: "proposed",
      paint: { "circle-color": "#ff7f00", "circle-radius": ["interpolate", ["linear"], ["get", "demand_served"], 0, 5, 20000, 14],
        "circle-opacity": 0.75, "circle-stroke-color": "#7f2704", "circle-stroke-width": 1.5 } });
  }
  showResultLayer();
  const ol = document.getElementById("site-results");
  ol.replaceChildren(...fc.features.map((f) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = f.properties.name;
    b.addEventListener("click", () => map.jumpTo({ center: f.geometry.coordinates, zoom: 12 }));
    li.append(b, " ", t("served", { d: f.properties.demand_served, n: f.properties.points_served }));
    return li;
  }));
}

async function refreshScenarios(cols) {
  const scen = cols.filter((c) => c.id.startsWith("scenario-"));
  const ul = document.getElementById("scenario-list");
  ul.replaceChildren(...scen.map((c) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = c.title;
    b.dataset.id = c.id;
    b.addEventListener("click", async () => {
      setCollectionVisible(c.id, true);
      const fc = await getJson(`/collections/${c.id}/items?limit=500`);
      if (fc.features.length) {
        const xs = fc.features.map((f) => f.geometry.coordinates[0]), ys = fc.features.map((f) => f.geometry.coordinates[1]);
        window.civgis.map.fitBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: 60, maxZoom: 12, duration: 0 });
      }
    });
    li.append(b);
    return li;
  }));
  for (const id of ["cmp-a", "cmp-b"]) {
    const s = document.getElementById(id), cur = s.value;
    s.replaceChildren(...scen.map((c) => new Option(c.title, c.id.slice(9))));
    if (cur) s.value = cur;
  }
  if (scen.length > 1 && !document.getElementById("cmp-b").dataset.touched) document.getElementById("cmp-b").selectedIndex = 1;
}

// Coverage before (operating facilities) and with each scenario's proposals, per county.
async function compare() {
  const a = document.getElementById("cmp-a").value, b = document.getElementById("cmp-b").value;
  const kindOf = async (id) => (await getJson(`/collections/scenario-${id}/items?limit=1`)).features[0]?.properties.kind;
  const [ka, kb] = await Promise.all([kindOf(a), kindOf(b)]);
  const kind = [...new Set([ka, kb].filter(Boolean))].join(",");
  const [base, ra, rb] = await Promise.all([runCoverage({ kind }), runCoverage({ kind, scenario: Number(a) }),
    runCoverage({ kind, scenario: Number(b) })]);
  const table = document.getElementById("cmp-table");
  const head = document.createElement("tr");
  for (const h of [t("colName"), t("before"), `#${a}`, `#${b}`]) { const th = document.createElement("th"); th.textContent = h; head.append(th); }
  table.tHead.replaceChildren(head);
  const pct = (r) => (r ? (r.share * 100).toFixed(1) + "%" : "");
  const find = (res, code) => res.by_division.find((r) => r.code === code);
  table.tBodies[0].replaceChildren(...base.by_division.filter((r) => r.level <= 3).map((r) => {
    const tr = document.createElement("tr");
    for (const v of [r.name, pct(r), pct(find(ra, r.code)), pct(find(rb, r.code))]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
    return tr;
  }));
}

export function initSites(map) {
  const kinds = () => {
    fillSelect(document.getElementById("site-kind"), "facilities", "kind");
    fillSelect(document.getElementById("site-exkind"), "facilities", "kind", ["", "—"]);
  };
  kinds();
  document.addEventListener("civgis:lang", kinds);
  const status = document.getElementById("site-status"), bar = document.getElementById("site-progress");
  const runBtn = document.querySelector("#site-form button[type=submit]"), cancel = document.getElementById("site-cancel");
  const progress = (st) => {
    bar.hidden = false;
    bar.value = st.progress || 0;
    status.textContent = st.status === "accepted" ? t("jobQueued") : t("jobRunning", { p: st.progress || 0 });
  };
  const run = async (inputs) => {
    runBtn.disabled = true;
    cancel.disabled = false;
    document.getElementById("site-save").hidden = true;
    try {
      const { status: st, results } = await runJob(inputs, progress);
      if (st.status === "dismissed") status.textContent = t("jobCancelled");
      else if (st.status === "failed") status.textContent = t("jobFailed", { msg: st.message });
      else {
        bar.value = 100;
        showSites(map, results);
        status.textContent = t("jobDone", { n: results.features.length });
        document.getElementById("site-save").hidden = false;
      }
      status.dataset.state = st.status;
      return results;
    } catch (err) {
      status.textContent = t("error", { msg: err.message });
      status.dataset.state = "error";
      return null;
    } finally {
      runBtn.disabled = false;
      cancel.disabled = true;
    }
  };
  document.getElementById("site-form").addEventListener("submit", (e) => {
    e.preventDefault();
    lastInputs = formInputs();
    run(lastInputs);
  });
  cancel.addEventListener("click", async () => {
    if (!job) return;
    try { await request(job.url, { method: "DELETE" }); } catch (err) { status.textContent = t("error", { msg: err.message }); }
  });
  document.getElementById("site-save-btn").addEventListener("click", async () => {
    const name = document.getElementById("site-save-name").value.trim();
    if (!name || !lastInputs) return;
    // The same inputs (and seed) again, this time stored: the server saves what it solves.
    const saved = await run({ ...lastInputs, save_scenario: name });
    if (!saved) return;
    await refreshLayerList();
    const col = window.civgis.collections.find((c) => c.title && c.title.endsWith(": " + name));
    if (col) setCollectionVisible(col.id, true);
    status.textContent = t("saved", { name });
    status.dataset.saved = col ? col.id : "";
  });
  document.getElementById("cmp-b").addEventListener("change", (e) => { e.target.dataset.touched = "1"; });
  document.getElementById("cmp-run").addEventListener("click", () => compare().catch((err) => window.civgis.toast(t("error", { msg: err.message }))));
  refreshScenarios(window.civgis.collections);
  document.addEventListener("civgis:collections", (e) => refreshScenarios(e.detail));
}
