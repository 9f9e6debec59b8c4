#!/usr/bin/env bash
# The write path's latency: p50/p99 of a facility PATCH (properties only, as QGIS sends
# one) and of a township boundary PUT (a whole Feature with its polygon: every division
# rule runs: inside the county, clear of the siblings, around the villages) through a
# live civgis serve on a fresh copy of the Yan'an demo data, one client on a keep-alive
# connection (writes run one at a time anyway), after a warm-up. No peer: none of the
# peers in ../shared/peers edits through OGC API - Features Part 4. Prints Markdown.
#   bench/edit.sh [BUILD_DIR]     (N_PATCH=500 N_PUT=200)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/edit}
N_PATCH=${N_PATCH:-500} N_PUT=${N_PUT:-200}
mkdir -p "$OUT"
rm -f "$OUT"/yanan.sqlite*
bash data/load.sh "$BUILD/civgis" "$OUT/yanan.sqlite" >"$OUT/load.log" 2>&1
PLANNER=$("$BUILD/civgis" user add --db "$OUT/yanan.sqlite" bench-planner --role planner)
OFFICER=$("$BUILD/civgis" user add --db "$OUT/yanan.sqlite" bench-officer --role officer)
"$BUILD/civgis" serve --db "$OUT/yanan.sqlite" --port 0 --threads 2 --quiet >"$OUT/serve.out" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$OUT/serve.out" && break; sleep 0.1; done
BASE=$(sed -nE 's/listening on (.*)\//\1/p' "$OUT/serve.out")

/usr/bin/python3 - "$BASE" "$PLANNER" "$OFFICER" "$N_PATCH" "$N_PUT" "$OUT/yanan.sqlite" "$PID" <<'PY'
import http.client, json, os, sqlite3, statistics, sys, time, urllib.parse

base, planner, officer, n_patch, n_put, db, pid = sys.argv[1:8]
n_patch, n_put = int(n_patch), int(n_put)
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

def call(method, path, token, body=None, ctype=None, extra=None):
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = ctype
    h.update(extra or {})
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                 headers=h)
    r = conn.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1e3
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return ms, data

def server_cpu_ms():
    """The server's CPU time so far (user + system): unlike wall time, a busy machine
    barely moves it."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

def measure(fn, n):
    cpu = server_cpu_ms()
    times = [fn(i) for i in range(n)]
    return times, (server_cpu_ms() - cpu) / n

def stats(name, measured, what):
    times, cpu = measured
    times = sorted(times)
    slow = sum(t > 5 for t in times)
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"| {name} | {what} | {len(times)} | {p(0.5):.2f} | {p(0.99):.2f} | "
          f"{statistics.mean(times):.2f} | {1000 / statistics.mean(times):.0f} | {slow} | {cpu:.2f} |")

con = sqlite3.connect(db)
facilities = [r[0] for r in con.execute("SELECT fid FROM facilities ORDER BY fid LIMIT 50")]
townships = [r[0] for r in con.execute(
    "SELECT code FROM divisions WHERE level = 4 AND valid_to IS NULL ORDER BY code LIMIT 20")]
con.close()

def patch(i):
    fid = facilities[i % len(facilities)]
    return call("PATCH", f"/collections/facilities/items/{fid}", planner,
                {"properties": {"capacity": 10 + i % 90}}, "application/merge-patch+json")[0]

features = {}
for code in townships:
    _, raw = call("GET", f"/collections/townships/items/{code}", planner)
    f = json.loads(raw)
    f.pop("links", None)
    f["properties"].pop("valid_from", None)
    features[code] = f

def put(i):
    """A township's boundary, with a midpoint vertex on edge 0 or not: the same shape, a
    different geometry every time, so every rule runs and a row is written."""
    code = townships[i % len(townships)]
    f = json.loads(json.dumps(features[code]))
    ring = f["geometry"]["coordinates"][0][0]
    if (i // len(townships)) % 2 == 0:
        a, b = ring[0], ring[1]
        ring.insert(1, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2])
    return call("PUT", f"/collections/townships/items/{code}", officer, f,
                "application/geo+json", {"X-Change-Reason": "bench"})[0]

vertices = sorted(len(f["geometry"]["coordinates"][0][0]) for f in features.values())
for i in range(50):
    patch(i)
    put(i)
print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
print()
print("| write | what | n | p50 ms | p99 ms | mean ms | writes/s | over 5 ms | server CPU ms/write |")
print("|---|---|---|---|---|---|---|---|---|")
stats("facility PATCH", measure(patch, n_patch), "properties only, 50 facilities")
stats("township PUT", measure(put, n_put),
      f"boundary, {len(townships)} townships of {vertices[0]}..{vertices[-1]} vertices")
PY
