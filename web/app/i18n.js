// The page's words in Chinese (the default) and English. Elements name their text with
// data-i18n (content), data-i18n-placeholder or data-i18n-title; code asks t(key).
const WORDS = {
  title: ["民政规划地图", "Civil-affairs planning map"],
  menu: ["面板", "Panels"], close: ["关闭", "Close"],
  searchPlaceholder: ["搜索地名、拼音、首字母或代码", "Search names, pinyin, initials or codes"],
  langToggle: ["English", "中文"], signIn: ["登录", "Sign in"], signOut: ["退出", "Sign out"],
  apiLinks: ["API", "API"],
  tabLayers: ["图层", "Layers"], tabCoverage: ["覆盖分析", "Coverage"], tabSites: ["选址", "Sites"],
  tabEdit: ["编辑", "Edit"], tabHistory: ["历史", "History"],
  settings: ["设置", "Settings"], rasterUrl: ["栅格底图地址（如天地图，含 {z}/{x}/{y}）", "Raster basemap URL (e.g. Tianditu, with {z}/{x}/{y})"],
  apply: ["应用", "Apply"], kinds: ["设施类型", "Facility kinds"], status: ["状态", "Status"],
  statusOperating: ["运营中", "Operating"], statusAll: ["运营及在建、规划", "Operating, approved, building, planned"],
  scenario: ["方案（可选）", "Scenario (optional)"], radius: ["服务半径（米，空为标准）", "Reach in metres (empty: the standard)"],
  weight: ["权重", "Weight"], wElderly: ["60岁以上老人", "People aged 60+"], wPopulation: ["人口", "Population"],
  wUnit: ["村/社区数", "Villages (one each)"], run: ["运行", "Run"], cancel: ["取消", "Cancel"],
  colCode: ["代码", "Code"], colName: ["名称", "Name"], colLevel: ["级别", "Level"], colCovered: ["覆盖点", "Covered"],
  colPoints: ["总点数", "Points"], colShare: ["覆盖率", "Share"], exportCsv: ["导出 CSV", "Export CSV"],
  problem: ["问题", "Problem"], kind: ["设施类型", "Facility kind"], p: ["新增数量 p", "New sites p"],
  candidates: ["候选点", "Candidates"], cVillages: ["村/社区", "Villages"], cRural: ["农村", "Rural villages"],
  cCommunities: ["社区", "Communities"], cTownships: ["乡镇驻地", "Township seats"],
  within: ["范围（区划代码，可选）", "Within (division code, optional)"], perCountyMax: ["每县最多（可选）", "At most per county (optional)"],
  perCountyMin: ["每县至少（可选）", "At least per county (optional)"],
  excludeKind: ["避开已有设施类型（可选）", "Keep away from facilities of (optional)"], excludeDistance: ["避开距离（米）", "Keep-away distance (m)"],
  exact: ["精确求解（GLPK，较慢）", "Exact (GLPK, slower)"], timeLimit: ["时间上限（秒）", "Time limit (s)"],
  scenarioName: ["方案名称", "Scenario name"], saveScenario: ["保存为方案", "Save as scenario"],
  scenarios: ["方案", "Scenarios"], compare: ["方案对比", "Compare scenarios"], compareRun: ["对比", "Compare"],
  notSignedIn: ["未登录：请先登录。", "Not signed in: sign in first."], signedIn: ["已登录（令牌仅保存在本会话）", "Signed in (token kept for this session only)"],
  moveFacility: ["移动设施", "Move facility"], addFacility: ["新增设施", "Add facility"], deleteFacility: ["删除设施", "Delete facility"],
  newKind: ["新设施类型", "New facility's kind"], newName: ["新设施名称", "New facility's name"],
  editBoundary: ["修改区划边界", "Edit boundary"], saveEdit: ["保存", "Save"],
  reason: ["变更理由（区划修改必填，如批准文号）", "Reason (required for divisions, e.g. the approval number)"],
  divOpsHook: ["区划调整操作（划转、合并、拆分）由服务器流程提供后在此启用。", "Division operations (transfer, merge, split) appear here once the server offers them as processes."],
  asOf: ["区划状态日期", "Divisions as of"], showAsOf: ["在地图上显示该日期的区划", "Show the divisions as of that date"],
  asOfLevel: ["显示级别", "Level shown"],
  featureHistory: ["要素历史", "Feature history"], pickFeature: ["点击地图上的要素查看其历史。", "Click a feature on the map for its history."],
  tokenNote: ["令牌只保存在本次会话中（关闭标签页即清除）。", "The token is kept for this session only (closing the tab forgets it)."],
  token: ["令牌", "Token"], badToken: ["令牌无效", "The token is not valid"],
  lyrCounties: ["县区", "Counties"], lyrTownships: ["乡镇街道", "Townships"], lyrVillages: ["村/社区", "Villages"],
  lyrFacilities: ["设施", "Facilities"], lyrUncovered: ["未覆盖村/社区", "Uncovered villages"], lyrProposed: ["拟选址点", "Proposed sites"],
  lyrRaster: ["栅格底图", "Raster basemap"],
  covSummary: ["覆盖 {covered}/{total} 个村/社区（{share}），未覆盖 {uncovered} 个", "{covered} of {total} villages covered ({share}); {uncovered} uncovered"],
  jobQueued: ["排队中…", "Queued…"], jobRunning: ["运行中 {p}%", "Running {p}%"], jobDone: ["完成：{n} 个选址", "Done: {n} sites"],
  jobCancelled: ["已取消", "Cancelled"], jobFailed: ["失败：{msg}", "Failed: {msg}"],
  served: ["服务需求 {d}（{n} 个点）", "serves {d} ({n} points)"], saved: ["已保存方案 {name}", "Saved scenario {name}"],
  pickFacility: ["请点击地图上的设施", "Click a facility on the map"], pickPlace: ["请点击地图放置新设施", "Click the map to place the facility"],
  pickTarget: ["点击新位置（或拖动标记），然后保存", "Click the new place (or drag the marker), then save"],
  pickDivision: ["请点击地图上的县区或乡镇", "Click a county or township on the map"], dragVertices: ["拖动顶点修改边界，然后保存", "Drag the vertices, then save"],
  editSaved: ["已保存", "Saved"], rejected: ["未保存，服务器指出：", "Not saved; the server says:"],
  stale: ["该要素已被他人修改（412）。已重新载入最新版本，请重新编辑。", "Someone changed this feature meanwhile (412). The current version was reloaded: edit again."],
  confirmDelete: ["确定删除该设施？", "Delete this facility?"], deleted: ["已删除", "Deleted"],
  before: ["现状", "Before"], noChanges: ["没有记录", "Nothing recorded"], version: ["版本", "Version"],
  level2: ["市", "city"], level3: ["县区", "county"], level4: ["乡镇", "township"], level5: ["村/社区", "village"],
  forbidden: ["没有权限：{msg}", "Not allowed: {msg}"], error: ["出错：{msg}", "Error: {msg}"],
};

let lang = sessionStorage.getItem("civgis.lang") === "en" ? 1 : 0;

export function t(key, vars) {
  const w = WORDS[key];
  let s = w ? w[lang] : key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function isEnglish() { return lang === 1; }

// "中文 (English)": the half of the language shown.
export function pickTitle(title) {
  const m = /^(.*?) \((.*)\)$/.exec(title || "");
  return m ? m[1 + lang] : title;
}

export function applyWords(root = document) {
  document.documentElement.lang = lang ? "en" : "zh-CN";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function toggleLanguage() {
  lang = 1 - lang;
  sessionStorage.setItem("civgis.lang", lang ? "en" : "zh");
  applyWords();
}
