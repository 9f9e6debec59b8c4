// Drives the civgis web map (web/) in headless Chromium like a person would: loads the
// page, searches, runs a coverage, runs and cancels a site-selection job, saves a
// scenario, signs in, moves a facility, makes a boundary edit the server rejects and one
// it accepts, reads the divisions of the day before with the history slider, adds, edits,
// moves and deletes a place, and runs the division operations (a transfer of a piece it
// draws, a merge refused and one applied, a split by a line it draws), each dry run shown
// before it is applied. Prints what the page showed as JSON (tests/integration/
// test_web.py asserts on it) and keeps a screenshot of each state in OUTDIR.
//   node web_app.mjs BASE_URL OUTDIR TOKEN WIDTH HEIGHT FACILITY_ID TOWNSHIP_CODE PLAN
// PLAN (JSON): where the division operations and the place edits happen (test_web.py
// picks them and checks that each passes its dry run first).
import { chromium } from "playwright-core";

const [base, outdir, token, width, height, facilityId, township, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const W = Number(width), H = Number(height), tag = `${W}x${H}`;
const out = { size: tag, console: [], errors: [], shots: [], steps: {} };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});

let diagnose = async () => null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const context = await browser.newContext({ viewport: { width: W, height: H }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") out.console.push(m.text()); });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("dialog", (d) => d.accept());
  // What a failure report shows: the requests seen to start and not to end, and the last
  // answers of the API.
  const inFlight = new Map(), answered = [];
  const isTile = (u) => /\/tiles\/|\.pbf|\/app\/|\/lib\//.test(u);
  page.on("request", (r) => inFlight.set(r, Date.now()));
  page.on("requestfailed", (r) => { inFlight.delete(r); answered.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`); });
  page.on("requestfinished", async (r) => {
    inFlight.delete(r);
    if (isTile(r.url())) return;
    const res = await r.response();
    answered.push(`${r.method()} ${r.url()} ${res?.status()}`);
    if (answered.length > 30) answered.shift();
  });
  diagnose = async () => ({
    editStatus: await page.evaluate(() => { const e = document.getElementById("edit-status"); return e && { text: e.textContent, ...e.dataset }; }).catch(String),
    editMode: await page.evaluate(() => window.civgis?.edit?.mode ?? null).catch(String),
    unfinished: [...inFlight].map(([r, t0]) => `${r.method()} ${r.url()} for ${Date.now() - t0} ms`),
    answered,
  });
  // The refusals the server sent (422 bodies), to hold what the page showed against.
  const refusals = [];
  page.on("response", (r) => { if (r.status() === 422) refusals.push(r.json().catch(() => null)); });
  const lastRefusal = async () => (refusals.length ? refusals[refusals.length - 1] : null);
  const isPhone = W < 700;

  const shot = async (name) => {
    const path = `${outdir}/${name}-${tag}.png`;
    await page.screenshot({ path });
    out.shots.push(path);
  };
  // The map has drawn every tile of the view and nothing moves.
  const idle = () => page.waitForFunction(() => {
    const m = window.civgis?.map;
    return m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
  }, null, { timeout: 60000 });
  const panel = async (tab) => {
    if (isPhone && (await page.locator("#side.collapsed").count())) await page.click("#menu");
    await page.click(`#side [data-tab=${tab}]`);
  };
  const hidePanel = async () => {
    if (isPhone && !(await page.locator("#side.collapsed").count())) await page.click("#menu");
  };
  // A click on the map at a place (lon, lat), offset by dx, dy pixels.
  const mapClick = async (lngLat, dx = 0, dy = 0) => {
    const box = await page.locator("#map").boundingBox();
    const p = await page.evaluate((ll) => window.civgis.map.project(ll), lngLat);
    await page.mouse.click(box.x + p.x + dx, box.y + p.y + dy);
  };
  const mapDrag = async (lngLat, dx, dy) => {
    const box = await page.locator("#map").boundingBox();
    const p = await page.evaluate((ll) => window.civgis.map.project(ll), lngLat);
    await page.mouse.move(box.x + p.x, box.y + p.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + p.x + (dx * i) / 10, box.y + p.y + (dy * i) / 10);
    await page.mouse.up();
  };

  // 1. The page and its base map.
  await page.goto(base + "/", { waitUntil: "load" });
  await page.waitForSelector("body[data-ready]", { timeout: 60000 });
  await idle();
  out.steps.load = await page.evaluate(() => {
    const m = window.civgis.map;
    const codes = new Set(m.queryRenderedFeatures({ layers: ["counties-fill"] }).map((f) => f.properties.code));
    return { timing: window.civgis.timing, counties: [...codes].sort(), zoom: m.getZoom(),
      layers: [...document.querySelectorAll("#layer-list input")].map((x) => x.dataset.id) };
  });
  await shot("map");

  // 2. Search: suggestions as you type, arrow keys, Enter.
  out.steps.search = {};
  for (const q of ["ycx", "宝塔"]) {
    await page.fill("#q", "");
    await page.focus("#q");
    await page.keyboard.type(q);
    await page.waitForSelector("#suggest li", { state: "visible" });
    const suggestions = await page.$$eval("#suggest li", (l) => l.map((x) => x.firstChild.textContent));
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    await page.evaluate(() => { delete document.body.dataset.selected; });
    await page.keyboard.press("Enter");
    await page.waitForSelector("body[data-selected]");
    await idle();
    out.steps.search[q] = { suggestions, selected: await page.evaluate(() => document.body.dataset.selected),
      info: await page.textContent("#info-body h2"),
      fieldLabels: await page.$$eval("#info-body th", (l) => l.map((x) => x.textContent)) };
    await shot("search-" + (q === "ycx" ? "ycx" : "baota"));
  }
  if (!isPhone) await page.click("#info-close");

  // 3. Coverage of the mutual-aid homes (the panel's default kind).
  await page.evaluate(() => window.civgis.home());
  await panel("coverage");
  await page.click("#cov-form button[type=submit]");
  await page.waitForSelector("#cov-summary[data-uncovered]", { timeout: 60000 });
  await page.click("#cov-table th[data-key=share]");
  const rowsAsc = await page.$$eval("#cov-table tbody tr", (l) => l.map((tr) => tr.lastChild.textContent));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#cov-csv")]);
  const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  out.steps.coverage = await page.evaluate(() => ({
    uncoveredOnMap: Number(document.getElementById("cov-summary").dataset.uncovered),
    summaryText: document.getElementById("cov-summary").textContent,
    counties: window.civgis.coverage.summary.by_division.filter((r) => r.level === 3)
      .map((r) => ({ code: r.code, share: r.share })),
    chartBars: Chart.getChart("cov-chart").data.datasets[0].data.length,
    uncoveredRendered: window.civgis.map.getSource("uncovered")._data.features.length,
  }));
  out.steps.coverage.sharesSortedAscending = rowsAsc;
  out.steps.coverage.csvLines = csv.trim().split("\n").length;
  await page.evaluate(() => { document.getElementById("side").scrollTop = 0; });
  await shot("coverage");
  await hidePanel();
  await idle();
  await shot("coverage-map");

  // 4. Sign in (an officer), then site selection as a job: progress, cancel; then a
  // short run, saved as a scenario.
  await page.click("#signin");
  await page.fill("#token", "not-a-token");
  await page.click("#signin-form button[value=ok]");
  await page.waitForSelector("#signin-error:not(:empty)");
  out.steps.badTokenMessage = await page.textContent("#signin-error");
  await page.fill("#token", token);
  await page.click("#signin-form button[value=ok]");
  await page.waitForFunction(() => !document.getElementById("signin-dialog").open);
  out.steps.tokenStorage = await page.evaluate(() => ({ session: sessionStorage.getItem("civgis.token") !== null,
    local: Object.keys(localStorage).filter((k) => localStorage.getItem(k)?.includes("token")).length }));

  await panel("sites");
  // A job that surely outlasts the click on cancel: p-center's exact radius search takes
  // about 20 s here (an exact MCLP with p = 60 is proven in half a second).
  await page.selectOption("#site-problem", "pcenter");
  await page.selectOption("#site-kind", "mutual_aid_home");
  await page.fill("#site-p", "60");
  await page.check("#site-exact");
  await page.fill("#site-time", "60");
  await page.click("#site-form button[type=submit]");
  await page.waitForFunction(() => { const b = document.getElementById("site-progress"); return !b.hidden && b.value > 0; },
    null, { timeout: 60000 });
  const progress = await page.$eval("#site-progress", (b) => b.value);
  await shot("site-progress");
  await page.click("#site-cancel");
  await page.waitForSelector("#site-status[data-state=dismissed]", { timeout: 30000 });
  out.steps.cancel = { progress, status: await page.textContent("#site-status") };
  await page.uncheck("#site-exact");
  await page.selectOption("#site-problem", "mclp");
  await page.fill("#site-p", "3");
  await page.fill("#site-time", "30");
  await page.click("#site-form button[type=submit]");
  await page.waitForSelector("#site-status[data-state=successful]", { timeout: 60000 });
  out.steps.sites = { results: await page.$$eval("#site-results li", (l) => l.map((x) => x.textContent)) };
  const name = `web-test-${W}-${Date.now()}`;
  await page.fill("#site-save-name", name);
  await page.click("#site-save-btn");
  await page.waitForSelector("#site-status[data-saved]", { timeout: 60000 });
  out.steps.sites.saved = await page.evaluate((name) => ({
    collection: document.getElementById("site-status").dataset.saved,
    listed: [...document.querySelectorAll("#scenario-list button")].some((b) => b.textContent.endsWith(": " + name)),
    scenarios: [...document.querySelectorAll("#scenario-list button")].map((b) => b.textContent),
    layerOn: [...document.querySelectorAll("#layer-list input")].some((x) => x.checked && x.parentElement.textContent.endsWith(": " + name)),
  }), name);
  await page.click("#cmp-run");
  await page.waitForSelector("#cmp-table tbody tr", { timeout: 60000 });
  out.steps.sites.compare = await page.$$eval("#cmp-table tr", (l) => l.map((tr) => [...tr.children].map((c) => c.textContent)));
  await hidePanel();
  await page.evaluate(() => window.civgis.home());
  await idle();
  out.steps.sites.scenarioRendered = await page.evaluate((id) => window.civgis.map.getLayer("col-" + id)
    ? window.civgis.map.queryRenderedFeatures({ layers: ["col-" + id] }).length : -1, out.steps.sites.saved.collection);
  await shot("sites");

  // 5. An officer moves a facility: pick it on the map, click its new place, save.
  const fac = await page.evaluate(async (id) => (await (await fetch(`/collections/facilities/items/${id}`)).json()).geometry.coordinates, facilityId);
  await page.evaluate((c) => window.civgis.map.jumpTo({ center: c, zoom: 13 }), fac);
  await idle();
  await panel("edit");
  await page.click("#ed-move");
  await hidePanel();
  await mapClick(fac);
  await page.waitForSelector(".maplibregl-marker");
  // Meanwhile another officer changes the facility: the save is refused (412), the page
  // says so and reloads it; placed again, it saves.
  out.steps.concurrent = await page.evaluate(async ([id, token]) => {
    const url = `/collections/facilities/items/${id}`;
    const r = await fetch(url);
    const w = await fetch(url, { method: "PATCH", headers: { Authorization: "Bearer " + token,
      "Content-Type": "application/merge-patch+json", "If-Match": r.headers.get("ETag") },
      body: JSON.stringify({ properties: { responsible_unit: "另一位工作人员" } }) });
    return w.status;
  }, [facilityId, token]);
  await mapClick(fac, 60, 30);
  await panel("edit");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=stale]", { timeout: 30000 });
  out.steps.stale = await page.textContent("#edit-status");
  await hidePanel();
  await mapClick(fac, 60, 30);
  await page.evaluate(() => { delete document.getElementById("hist-list").dataset.count; });
  await panel("edit");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  await panel("history");
  await page.waitForSelector("#hist-list[data-count]");
  out.steps.move = { history: await page.$$eval("#hist-list li", (l) => l.map((x) => x.textContent)) };
  await shot("history");
  await hidePanel();
  await sleep(300);
  await idle();
  out.steps.move.onMap = await page.evaluate((id) => window.civgis.map.queryRenderedFeatures({ layers: ["facilities-circle"] })
    .filter((f) => String(f.properties.id) === id).map((f) => f.geometry.coordinates), facilityId);
  await shot("moved");

  // A new facility where the officer clicks (terra-draw's point mode), then deleted.
  const addAt = await page.evaluate((c) => { const m = window.civgis.map, p = m.project(c);
    return m.unproject([p.x - 60, p.y - 40]).toArray(); }, fac);
  await panel("edit");
  await page.fill("#ed-name", "测试新设施");
  await page.click("#ed-add");
  await hidePanel();
  await mapClick(addAt);
  await page.waitForFunction(() => !document.getElementById("ed-save").disabled, null, { timeout: 10000 });
  await panel("edit");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  out.steps.added = await page.evaluate(() => document.getElementById("edit-status").dataset.created);
  await hidePanel();
  await sleep(500);
  await idle();
  out.steps.addedOnMap = await page.evaluate((id) => window.civgis.map.queryRenderedFeatures({ layers: ["facilities-circle"] })
    .some((f) => String(f.properties.id) === id), out.steps.added);
  await shot("added");
  await panel("edit");
  await page.click("#ed-delete");
  await hidePanel();
  await mapClick(addAt);
  await page.waitForSelector("#edit-status[data-state=deleted]", { state: "attached", timeout: 30000 });
  await sleep(500);
  await idle();
  out.steps.deletedOnMap = await page.evaluate((id) => window.civgis.map.queryRenderedFeatures({ layers: ["facilities-circle"] })
    .some((f) => String(f.properties.id) === id), out.steps.added);

  // 6. Boundary edits of a township, drawn with terra-draw: a vertex dragged far out (the
  // server refuses and says why, on the map), then one nudged in (accepted).
  const tw = await page.evaluate(async (code) => (await (await fetch(`/collections/divisions/items/${code}`)).json()).geometry, township);
  const ring = tw.coordinates[0][0];
  const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
  const centre = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
  await page.evaluate((b) => window.civgis.map.fitBounds(b, { padding: 80, duration: 0 }),
    [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
  await idle();
  const editBoundary = async (vertex, factor) => {
    await panel("edit");
    await page.fill("#ed-reason", "web test 2024-7");
    await page.click("#ed-boundary");
    await hidePanel();
    await mapClick(centre);
    await page.waitForFunction(() => window.civgis.edit.target?.parts, null, { timeout: 30000 });
    out.steps.boundaryTarget = await page.evaluate(() => window.civgis.edit.target.id);
    await sleep(300);
    const p = await page.evaluate(([v, c]) => {
      const m = window.civgis.map, a = m.project(v), b = m.project(c);
      return { dx: (b.x - a.x), dy: (b.y - a.y) };
    }, [vertex, centre]);
    await mapDrag(vertex, p.dx * factor, p.dy * factor);
    await page.waitForFunction(() => !document.getElementById("ed-save").disabled, null, { timeout: 10000 });
    await panel("edit");
    await page.click("#ed-save");
  };
  await editBoundary(ring[1], -1.5); // out, well past the neighbours
  await page.waitForSelector("#edit-status[data-state=rejected]", { timeout: 30000 });
  out.steps.rejected = { reasons: await page.$$eval("#edit-status li", (l) => l.map((x) => x.textContent)),
    located: await page.$$eval("#edit-status li[data-located]", (l) => l.length),
    popups: await page.$$eval(".reason-popup", (l) => l.map((x) => x.textContent)),
    places: await page.evaluate(() => window.civgis.reasonPlaces),
    server: await lastRefusal(),
    drawn: await page.evaluate(() => window.civgis.reasons.features.map((f) => f.geometry.type)) };
  await hidePanel();
  await shot("boundary-rejected");
  await panel("edit");
  await page.click("#ed-cancel");
  await editBoundary(ring[1], 0.05); // a little in
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  out.steps.accepted = await page.evaluate(async (code) => (await (await fetch(`/collections/divisions/items/${code}`)).json()).geometry, township);

  // 7. The history slider: the township as it was yesterday, and as it is today.
  await panel("history");
  await page.selectOption("#hist-level", "4");
  await page.check("#hist-show");
  const asOf = async () => page.evaluate((code) => window.civgis.asOf?.features.find((f) => f.id === code || f.properties.code === code)?.geometry, township);
  await page.waitForFunction(() => window.civgis.asOf, null, { timeout: 30000 });
  await sleep(300);
  const today = await asOf();
  await page.focus("#hist-date");
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction(() => document.getElementById("hist-date-out").textContent < new Date().toISOString().slice(0, 10));
  await sleep(800);
  out.steps.slider = { date: await page.textContent("#hist-date-out"), yesterday: await asOf(), today, original: tw };
  await hidePanel();
  await idle();
  await shot("history-slider");

  // 8. A place (the gazetteer's places collection): added where clicked, its properties
  // edited in the form (the category offered by its label), moved, deleted.
  await page.keyboard.press("Escape");
  await page.evaluate((c) => window.civgis.map.jumpTo({ center: c, zoom: 13 }), plan.place.at);
  await idle();
  await panel("edit");
  await page.selectOption("#ed-target", "places");
  out.steps.place = { categories: await page.$$eval("#ed-category option", (l) => l.map((o) => [o.value, o.textContent])) };
  await page.fill("#ed-name", "测试地名");
  await page.selectOption("#ed-category", "bridge");
  await page.click("#ed-add");
  await hidePanel();
  await mapClick(plan.place.at);
  await page.waitForFunction(() => !document.getElementById("ed-save").disabled, null, { timeout: 10000 });
  await panel("edit");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  const placeId = await page.evaluate(() => document.getElementById("edit-status").dataset.created);
  out.steps.place.id = placeId;
  const placeOnMap = async (id) => {
    await sleep(500);
    await idle();
    return page.evaluate((id) => window.civgis.map.queryRenderedFeatures({ layers: ["col-places"] })
      .filter((f) => String(f.properties.id) === id).map((f) => f.geometry.coordinates), id);
  };
  await hidePanel();
  out.steps.place.added = await placeOnMap(placeId);
  await shot("place-added");
  await panel("edit");
  await page.click("#ed-props");
  await hidePanel();
  await mapClick(plan.place.at);
  await page.waitForSelector("#ed-form:not([hidden]) input[name=name]", { state: "attached", timeout: 30000 });
  await panel("edit");
  out.steps.place.form = await page.$$eval("#ed-form [name]", (l) => l.map((x) => x.name));
  await page.fill("#ed-form input[name=name]", "测试地名二");
  await page.fill("#ed-form input[name=aliases]", "老桥、旧桥");
  await page.fill("#ed-form input[name=category]", "road");
  await page.$eval("#ed-form", (el) => el.scrollIntoView());
  await shot("place-props");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  // Every save redraws the map's tiles, which MapLibre drops while it fetches them again:
  // a click in that moment (made certain here by holding the places' tiles back) picks
  // the place once they are drawn.
  const placeTiles = "**/collections/places/tiles/**";
  await page.route(placeTiles, async (r) => { await sleep(1500); await r.continue(); });
  await page.evaluate(() => { const s = window.civgis.map.getSource("col-places"); s.setTiles(s.tiles); });
  await page.click("#ed-move");
  await hidePanel();
  out.steps.place.blankWhenClicked = await page.evaluate(() => !window.civgis.map.areTilesLoaded());
  await mapClick(plan.place.at);
  await page.waitForSelector(".maplibregl-marker", { timeout: 30000 });
  await page.unroute(placeTiles);
  await mapClick(plan.place.to);
  await panel("edit");
  await page.click("#ed-save");
  await page.waitForSelector("#edit-status[data-state=saved]", { timeout: 30000 });
  await hidePanel();
  out.steps.place.moved = await placeOnMap(placeId);
  out.steps.place.stored = await page.evaluate(async (id) => (await (await fetch(`/collections/places/items/${id}`)).json()), placeId);
  await panel("edit");
  await page.click("#ed-delete");
  await hidePanel();
  await mapClick(plan.place.to);
  await page.waitForSelector("#edit-status[data-state=deleted]", { state: "attached", timeout: 30000 });
  out.steps.place.deleted = await page.evaluate(() => document.getElementById("edit-status").dataset.deleted);
  out.steps.place.afterDelete = await placeOnMap(placeId);
  await panel("edit");
  await page.selectOption("#ed-target", "facilities");

  // 9. The division operations, as an officer: each dry run shown (the new polygons on
  // the map, the changes listed) before Apply; then the map and the history.
  // (Townships are drawn, and picked, from zoom 8: a phone's view keeps little padding.)
  const fit = async (b) => {
    await page.evaluate(([b, pad]) => window.civgis.map.fitBounds(b, { padding: pad, duration: 0 }), [b, isPhone ? 15 : 60]);
    await idle();
  };
  const dop = async (opName) => {
    await panel("edit");
    await page.click("#dop-cancel");
    await page.selectOption("#dop-op", opName);
    await page.fill("#dop-reason", `web test ${opName}`);
    await page.fill("#dop-approval", "延政函〔2024〕7号");
  };
  const pick = async (...points) => {
    await page.keyboard.press("Escape"); // no feature details over the map
    await panel("edit");
    await page.click("#dop-pick");
    await hidePanel();
    for (const p of points) { await mapClick(p); await sleep(200); }
  };
  const dryRun = async () => {
    await panel("edit");
    await page.evaluate(() => { delete document.getElementById("dop-status").dataset.state; });
    await page.click("#dop-dry");
    await page.waitForSelector("#dop-status[data-state=dry], #dop-status[data-state=rejected], #dop-status[data-state=error], #dop-status[data-state=missing]", { timeout: 60000 });
    await sleep(300);
    await idle(); // the preview drawn
    return page.evaluate(() => ({ state: document.getElementById("dop-status").dataset.state,
      text: document.getElementById("dop-status").textContent,
      changes: [...document.querySelectorAll("#dop-changes li")].map((li) => [li.dataset.code, li.dataset.action]),
      preview: window.civgis.divops.preview.length,
      previewRendered: window.civgis.map.queryRenderedFeatures({ layers: ["dop-preview-fill"] }).length,
      applyEnabled: !document.getElementById("dop-apply").disabled }));
  };
  // A screenshot of an operation's state: the map, and on a desktop the panel beside it
  // scrolled to the result.
  const dopShot = async (name) => {
    if (!isPhone) await page.$eval("#dop-status", (el) => el.scrollIntoView({ block: "center" }));
    else await hidePanel();
    await shot(name);
  };
  const apply = async () => {
    await panel("edit");
    await page.click("#dop-apply");
    await page.waitForSelector("#dop-status[data-state=applied], #dop-status[data-state=rejected], #dop-status[data-state=error]", { timeout: 60000 });
    await page.waitForFunction(() => document.getElementById("hist-list").dataset.count, null, { timeout: 30000 });
    return page.evaluate(() => ({ state: document.getElementById("dop-status").dataset.state,
      audit: document.getElementById("dop-status").dataset.audit,
      history: [...document.querySelectorAll("#hist-list li")].map((x) => x.textContent),
      historyOf: document.getElementById("hist-target").textContent }));
  };
  out.steps.divops = {};
  // A transfer: pick from and to, draw the piece vertex by vertex (closed at the first).
  const tr = plan.transfer;
  await dop("transfer-area");
  await fit(tr.bbox);
  await pick(tr.fromAt, tr.toAt);
  await panel("edit");
  out.steps.divops.picked = await page.evaluate(() => [document.getElementById("dop-from").value, document.getElementById("dop-to").value]);
  await page.click("#dop-draw");
  await hidePanel();
  await fit(tr.pieceBbox);
  for (const v of tr.piece) { await mapClick(v); await sleep(150); }
  await mapClick(tr.piece[0]);
  await page.waitForFunction(() => window.civgis.divops.drawn, null, { timeout: 10000 });
  out.steps.divops.drawnVertices = await page.evaluate(() => window.civgis.divops.drawn.coordinates[0].length);
  const trDry = await dryRun();
  await dopShot("divops-transfer-dry");
  await page.evaluate(() => { delete document.getElementById("hist-list").dataset.count; });
  const trApplied = await apply();
  out.steps.divops.transfer = { dry: trDry, applied: trApplied };
  await sleep(500);
  await idle();
  await dopShot("divops-transfer-applied");
  // A merge refused (the two do not touch: the reasons shown), then one of neighbours.
  const mg = plan.merge;
  await dop("merge-divisions");
  await fit(mg.bbox);
  await pick(mg.aAt, mg.farAt);
  await panel("edit");
  await page.selectOption("#dop-into", mg.a);
  const refused = await dryRun();
  refused.reasons = await page.$$eval("#dop-status li", (l) => l.map((x) => x.textContent));
  refused.server = await lastRefusal();
  out.steps.divops.mergeRefused = refused;
  await dopShot("divops-merge-refused");
  await dop("merge-divisions");
  await pick(mg.aAt, mg.bAt);
  await panel("edit");
  out.steps.divops.mergeCodes = await page.inputValue("#dop-codes");
  await page.selectOption("#dop-into", mg.a);
  const mgDry = await dryRun();
  await dopShot("divops-merge-dry");
  await page.evaluate(() => { delete document.getElementById("hist-list").dataset.count; });
  out.steps.divops.merge = { dry: mgDry, applied: await apply() };
  // A split by a line drawn across (its two ends clicked, the last one twice); the west
  // side keeps the code, the east one is new (its code suggested, its name typed).
  const sp = plan.split;
  await dop("split-division");
  await fit(sp.bbox);
  await pick(sp.at);
  await panel("edit");
  await page.waitForFunction(() => document.getElementById("dop-new-code").value, null, { timeout: 10000 });
  out.steps.divops.suggestedCode = await page.inputValue("#dop-new-code");
  await page.fill("#dop-new-name", sp.newName);
  await page.click("#dop-draw");
  await hidePanel();
  await mapClick(sp.line[0]);
  await sleep(150);
  await mapClick(sp.line[1]);
  await sleep(150);
  await mapClick(sp.line[1]);
  await page.waitForFunction(() => window.civgis.divops.drawn, null, { timeout: 10000 });
  const spDry = await dryRun();
  await dopShot("divops-split-dry");
  // Changing an input after the dry run asks for a new one before Apply.
  await panel("edit");
  await page.fill("#dop-approval", "延政函〔2024〕8号");
  spDry.applyAfterChange = await page.evaluate(() => !document.getElementById("dop-apply").disabled);
  const again = await dryRun();
  spDry.applyAfterRerun = again.applyEnabled;
  await page.evaluate(() => { delete document.getElementById("hist-list").dataset.count; });
  out.steps.divops.split = { dry: spDry, applied: await apply() };
  await hidePanel();
  await sleep(500);
  await idle();
  out.steps.divops.splitOnMap = await page.evaluate((code) => window.civgis.map.queryRenderedFeatures({ layers: ["townships-fill"] })
    .some((f) => String(f.properties.code) === code), out.steps.divops.suggestedCode);
  await shot("divops-split-applied");

  // 10. Coded values by their labels: a facility's kind in its details, in Chinese; then
  // the page in English.
  const movedTo = out.steps.move.onMap[0];
  await page.evaluate((c) => window.civgis.map.jumpTo({ center: c, zoom: 13 }), movedTo);
  await idle();
  await mapClick(movedTo);
  await page.waitForSelector("#info-body td[data-code]", { timeout: 30000 });
  const infoLabels = () => page.$$eval("#info-body td[data-code]", (l) => Object.fromEntries(l.map((x) => [x.dataset.code, x.textContent])));
  out.steps.labels = { zh: await infoLabels(),
    kindsZh: await page.$$eval("#cov-kinds .kind-name", (l) => l.map((x) => x.textContent)) };
  await shot("labels-zh");
  await page.click("#lang");
  await sleep(300);
  out.steps.labels.en = await infoLabels();
  out.steps.labels.kindsEn = await page.$$eval("#cov-kinds .kind-name", (l) => l.map((x) => x.textContent));
  out.steps.labels.layersEn = await page.$$eval("#layer-list li", (l) => l.map((x) => x.textContent.trim()));
  out.steps.english = await page.textContent("#side [data-tab=coverage]");
  await shot("english");
  await context.close();
} catch (e) {
  out.errors.push(String(e.stack || e));
  out.diagnosis = await diagnose();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
