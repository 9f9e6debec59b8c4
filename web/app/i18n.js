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
  editFeatures: ["要素编辑", "Features"], editTarget: ["编辑对象", "Edit"],
  moveFeature: ["移动", "Move"], addFeature: ["新增", "Add"], deleteFeature: ["删除", "Delete"], editProps: ["编辑属性", "Edit properties"],
  newKind: ["新设施类型", "New facility's kind"], newCategory: ["新地名类别", "New place's category"], newName: ["新要素名称", "New feature's name"],
  lyrPlaces: ["地名", "Places"], lyrDivisions: ["全部区划", "All divisions"], lyrDemand: ["需求点", "Demand points"],
  lyrCoverageOf: ["覆盖：{kind}", "Coverage: {kind}"], locate: ["定位", "Show"],
  pickFeatureOf: ["请点击地图上的{what}", "Click a {what} on the map"], pickNewAt: ["请点击地图放置新{what}", "Click the map to place the new {what}"],
  whatFacility: ["设施", "facility"], whatPlace: ["地名", "place"], confirmDeleteOf: ["确定删除该{what}？", "Delete this {what}?"],
  propsHint: ["修改属性后保存", "Change the properties, then save"],
  divOps: ["区划调整", "Division changes"], dopOp: ["操作", "Operation"],
  dopTransfer: ["划转区域（绘制划转部分）", "Transfer an area (draw the piece)"], dopMerge: ["合并区划", "Merge divisions"],
  dopSplit: ["拆分区划（绘制分割线）", "Split a division (draw a line)"], dopLevel: ["区划级别", "Level"],
  dopPick: ["在地图上选择区划", "Pick divisions on the map"], dopDrawArea: ["绘制划转部分", "Draw the piece"], dopDrawLine: ["绘制分割线", "Draw the line"],
  dopFrom: ["划出区划代码", "From (code)"], dopTo: ["划入区划代码", "To (code)"], dopCodes: ["合并的区划代码（逗号分隔）", "Codes merged (comma-separated)"],
  dopInto: ["合并后", "Merged into"], dopIntoNew: ["新设区划", "A new division"], dopCode: ["拆分的区划代码", "Division split (code)"],
  dopKeep: ["保留原代码的一侧", "The side that keeps the code"], dopWest: ["西侧", "West"], dopEast: ["东侧", "East"],
  dopNewCode: ["新区划代码", "New division's code"], dopNewName: ["新区划名称", "New division's name"],
  dopReason: ["调整理由（必填）", "Reason (required)"], dopApproval: ["批准文号", "Approval document"], dopDate: ["生效日期", "Effective date"],
  dopTolerance: ["容差（米，空为 1）", "Tolerance in metres (empty: 1)"], dopDryRun: ["试运行（预览）", "Dry run (preview)"], dopApply: ["应用", "Apply"],
  dopPickFrom: ["请点击划出的区划", "Click the division giving the area"], dopPickTo: ["请点击划入的区划", "Click the division receiving it"],
  dopPickMerge: ["点击要合并的区划（再次点击取消）", "Click the divisions to merge (again to drop one)"], dopPickSplit: ["请点击要拆分的区划", "Click the division to split"],
  dopDrawAreaHint: ["逐点绘制划转部分，回到起点或按回车结束", "Draw the piece point by point; close it at the first point or press Enter"],
  dopDrawLineHint: ["绘制穿过区划的分割线，在终点再次点击或按回车结束", "Draw a line across the division; click its last point again or press Enter"],
  dopMissing: ["请先填写：{what}", "First fill in: {what}"], dopNeedDry: ["输入已改变，请重新试运行", "The inputs changed: run the dry run again"],
  dopDryOk: ["试运行通过（尚未写入）：", "The dry run passed (nothing written yet):"], dopApplied: ["已应用，审计编号 {id}：", "Applied, audit {id}:"],
  dopChecks: ["检查了 {n} 个上级区划的覆盖（无缝隙、无重叠）；面积 {before} → {after} km²", "{n} parent(s) checked for coverage (no gaps, no overlaps); area {before} → {after} km²"],
  dopMoved: ["；划转 {m} km²", "; {m} km² moved"], zoomIn: ["请放大地图后再选择", "Zoom in to pick"], dopRunning: ["运行中…", "Running…"],
  actChanged: ["变更", "changed"], actCreated: ["新设", "created"], actClosed: ["撤销", "closed"], actMoved: ["迁入", "moved"],
  formerCode: ["原代码 {c}", "formerly {c}"],
  editBoundary: ["修改区划边界", "Edit boundary"], saveEdit: ["保存", "Save"],
  reason: ["变更理由（区划修改必填，如批准文号）", "Reason (required for divisions, e.g. the approval number)"],
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
  pickTarget: ["点击新位置（或拖动标记），然后保存", "Click the new place (or drag the marker), then save"],
  pickDivision: ["请点击地图上的县区或乡镇", "Click a county or township on the map"], dragVertices: ["拖动顶点修改边界，然后保存", "Drag the vertices, then save"],
  editSaved: ["已保存", "Saved"], rejected: ["未保存，服务器指出：", "Not saved; the server says:"],
  stale: ["该要素已被他人修改（412）。已重新载入最新版本，请重新编辑。", "Someone changed this feature meanwhile (412). The current version was reloaded: edit again."],
  deleted: ["已删除", "Deleted"],
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
  // The panels relabel what they drew themselves (coded values, lists).
  document.dispatchEvent(new CustomEvent("civgis:lang"));
}
