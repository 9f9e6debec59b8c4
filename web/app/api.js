// Talking to civgis: JSON in and out, the signed-in token (sessionStorage only: it goes
// when the tab closes), errors as {status, code, description, errors}.
let token = sessionStorage.getItem("civgis.token") || null;

export function setToken(t) {
  token = t;
  if (t) sessionStorage.setItem("civgis.token", t);
  else sessionStorage.removeItem("civgis.token");
}
export function hasToken() { return !!token; }

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.description || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function request(path, { method = "GET", body, headers = {}, type } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (token) h.Authorization = "Bearer " + token;
  if (body !== undefined) h["Content-Type"] = type || "application/json";
  // The token travels in our own Authorization header. (A 401 challenges Bearer only,
  // so the browser never puts up its own password dialog over the page.)
  const r = await fetch(path, { method, headers: h,
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) throw new ApiError(r.status, json);
  return { status: r.status, headers: r.headers, json };
}

export async function getJson(path) { return (await request(path)).json; }
