// The coverage panel: POST /processes/coverage/execution with the kinds, statuses,
// scenario, reach and weight chosen; the uncovered villages on the map (the "demand"
// output), the covered share per county as a bar chart, a sortable table, CSV.
import { request } from "./api.js";
import { t } from "./i18n.js";
import { KIND_COLORS, showResultLayer } from "./main.js";
import { label } from "./vocab.js";

let rows = [], sortKey = "code", sortDir = 1, chart = null;

export function coverageInputs() {
  const kinds = [...document.querySelectorAll("#cov-kinds input:checked")].map((x) => x.value);
  const inputs = { kind: kinds.join(","), status: document.getElementById("cov-status").value,
    weight: document.getElementById("cov-weight").value };
  const radius = document.getElementById("cov-radius").value;
  if (radius) inputs.radius = Number(radius);
  const scen = document.getElementById("cov-scenario").value;
  if (scen) inputs.scenario = Number(scen);
  return inputs;
}

export async function runCoverage(inputs, outputs) {
  const body = { inputs };
  if (outputs) body.outputs = outputs;
  return (await request("/processes/coverage/execution", { method: "POST", body })).json;
}

function showUncovered(map, fc) {
  const data = { type: "FeatureCollection", features: fc.features.filter((f) => f.properties.covered === false) };
  if (map.getSource("uncovered")) map.getSource("uncovered").setData(data);
  else {
    map.addSource("uncovered", { type: "geojson", data });
    map.addLayer({ id: "uncovered", type: "circle", source: "uncovered",
      paint: { "circle-color": "#d7301f", "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
  }
  showResultLayer();
  return data.features.length;
}

function renderTable() {
  const tbody = document.querySelector("#cov-table tbody");
  const sorted = [...rows].sort((a, b) => (a[sortKey] > b[sortKey] ? 1 : a[sortKey] < b[sortKey] ? -1 : 0) * sortDir);
  tbody.replaceChildren(...sorted.map((r) => {
    const tr = document.createElement("tr");
    for (const v of [r.code, r.name, t("level" + r.level), r.points_covered, r.points_total, (r.share * 100).toFixed(1) + "%"]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
  for (const th of document.querySelectorAll("#cov-table th"))
    th.setAttribute("aria-sort", th.dataset.key === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
}

function renderChart(counties) {
  const data = { labels: counties.map((c) => c.name),
    datasets: [{ label: t("colShare"), data: counties.map((c) => +(c.share * 100).toFixed(1)), backgroundColor: "#3182bd" }] };
  if (chart) { chart.data = data; chart.update(); return; }
  chart = new Chart(document.getElementById("cov-chart"), {
    type: "bar", data,
    options: { animation: false, maintainAspectRatio: false, indexAxis: "y",
      scales: { x: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } }, plugins: { legend: { display: false } } },
  });
}

function csv() {
  const head = ["code", "name", "level", "points_covered", "points_total", "demand_covered", "demand_total", "share"];
  const esc = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const text = "\ufeff" + [head.join(","), ...rows.map((r) => head.map((k) => esc(r[k])).join(","))].join("\n") + "\n";
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  a.download = "coverage.csv";
  document.body.append(a);
  a.click();
  a.remove();
}

export function initCoverage(map) {
  const kinds = document.getElementById("cov-kinds");
  const fill = (cols) => {
    const have = new Set([...kinds.querySelectorAll("input")].map((x) => x.value));
    for (const c of cols.filter((c) => c.id.startsWith("coverage-"))) {
      const k = c.id.slice(9);
      if (have.has(k)) continue;
      const row = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = k;
      box.checked = k === "mutual_aid_home";
      const sw = document.createElement("span");
      sw.className = "swatch point";
      sw.style.background = KIND_COLORS[k] || "#444";
      const name = document.createElement("span");
      name.className = "kind-name";
      name.dataset.kind = k;
      name.textContent = label("facilities", "kind", k);
      row.append(box, " ", sw, " ", name);
      kinds.append(row);
    }
    const scen = document.getElementById("cov-scenario"), cur = scen.value;
    scen.replaceChildren(new Option("—", ""), ...cols.filter((c) => c.id.startsWith("scenario-"))
      .map((c) => new Option(c.title, c.id.slice(9))));
    scen.value = cur;
  };
  fill(window.civgis.collections);
  document.addEventListener("civgis:collections", (e) => fill(e.detail));
  document.addEventListener("civgis:lang", () => {
    for (const el of kinds.querySelectorAll(".kind-name")) el.textContent = label("facilities", "kind", el.dataset.kind);
    if (rows.length) renderTable();
  });
  document.getElementById("cov-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = document.getElementById("cov-summary");
    const inputs = coverageInputs();
    out.textContent = "…";
    try {
      const [sum, demand] = await Promise.all([runCoverage(inputs), runCoverage(inputs, { demand: {} })]);
      const uncovered = showUncovered(map, demand);
      rows = sum.by_division.filter((r) => r.level === 3 || r.level === 4);
      out.textContent = t("covSummary", { covered: sum.points_covered, total: sum.points_total,
        share: (sum.share * 100).toFixed(1) + "%", uncovered: sum.points_total - sum.points_covered });
      out.dataset.uncovered = String(uncovered);
      renderTable();
      renderChart(sum.by_division.filter((r) => r.level === 3));
      document.getElementById("cov-csv").disabled = false;
      window.civgis.coverage = { summary: sum, uncovered };
    } catch (err) {
      out.textContent = t("error", { msg: err.message });
    }
  });
  for (const th of document.querySelectorAll("#cov-table th")) {
    const sort = () => { sortDir = sortKey === th.dataset.key ? -sortDir : 1; sortKey = th.dataset.key; renderTable(); };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  }
  document.getElementById("cov-csv").addEventListener("click", csv);
}
