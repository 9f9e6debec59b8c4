#!/usr/bin/env bash
# The division operations' latency (issue 15): p50 of N runs (default 20) of each
# process, dry run and real, through a live civgis serve on a fresh copy of the Yan'an
# demo data, one officer client on a keep-alive connection. A real run is undone by an
# administrator's POST /audit/{id}/revert before the next (not timed), so each run meets
# the same data. Also the coverage check of every division (the city, its 13 counties,
# their 117 townships and 1,953 villages' seats) as `civgis division validate` times it,
# and the same check of the 40,000-polygon layer bench/tiles.sh and bench/features.sh
# generate (../shared/peers/gen_polygons.py), imported as townships of 624 counties by
# bench/division_big.py (built once into $OUT/big.sqlite: the import through the write
# path takes minutes; delete the file to rebuild it). No peer: no GIS server has these
# operations. Prints Markdown.
#   bench/division.sh [BUILD_DIR]     (N=20; BIG_RUNS=3 checks of the 40,000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/division}
N=${N:-20}
BIG_RUNS=${BIG_RUNS:-3}
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
mkdir -p "$OUT"
rm -f "$OUT"/yanan.sqlite*
if [ ! -f "$OUT/big.sqlite" ]; then
  [ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 ../shared/peers/gen_polygons.py "$BIG" 40000; }
  /usr/bin/python3 bench/division_big.py "$BIG" "$OUT/big_townships.geojson" "$OUT/big_counties.geojson"
  for layer in counties townships; do
    "$BUILD/civgis" import --db "$OUT/big.sqlite.part" --target divisions --valid-from 2021-10-31 \
      "$OUT/big_$layer.geojson" >"$OUT/big_import_$layer.log"
  done
  mv "$OUT/big.sqlite.part" "$OUT/big.sqlite"
  rm -f "$OUT"/big_*.geojson
fi
bash data/load.sh "$BUILD/civgis" "$OUT/yanan.sqlite" >"$OUT/load.log" 2>&1
OFFICER=$("$BUILD/civgis" user add --db "$OUT/yanan.sqlite" bench-officer --role officer)
ADMIN=$("$BUILD/civgis" user add --db "$OUT/yanan.sqlite" bench-admin --role admin)
rm -f "$OUT/serve.out"
"$BUILD/civgis" serve --db "$OUT/yanan.sqlite" --port 0 --threads 2 --quiet >"$OUT/serve.out" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$OUT/serve.out" && break; sleep 0.1; done
BASE=$(sed -nE 's/listening on (.*)\//\1/p' "$OUT/serve.out")

/usr/bin/python3 - "$BASE" "$OFFICER" "$ADMIN" "$N" "$OUT/yanan.sqlite" "$PID" "$BUILD/civgis" \
  "$OUT/big.sqlite" "$BIG_RUNS" <<'PY'
import http.client, json, os, sqlite3, statistics, subprocess, sys, time, urllib.parse

base, officer, admin, n, db, pid, civgis, big, big_runs = sys.argv[1:10]
n = int(n)
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)


def call(path, token, body, want=200):
    t0 = time.perf_counter()
    conn.request("POST", path, body=json.dumps(body).encode(),
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1e3
    if r.status != want:
        raise SystemExit(f"POST {path}: {r.status} {data[:300]!r}")
    return ms, json.loads(data)


def server_cpu_ms():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


con = sqlite3.connect(db)
con.enable_load_extension(True)
con.load_extension("mod_spatialite")


def one(sql, *p):
    return con.execute(sql, p).fetchone()[0]


# A transfer that passes: a blob around the shortest line from a village seat of
# 610602107 to 610602106 (as the tests pick them).
area = json.loads(one(
    "SELECT AsGeoJSON(ST_Buffer(ST_ShortestLine(v.seat, t.geom), 0.002), 15) FROM divisions v, "
    "divisions t WHERE v.parent_code = '610602107' AND v.valid_to IS NULL AND t.code = "
    "'610602106' AND t.valid_to IS NULL ORDER BY ST_Distance(v.seat, t.geom) LIMIT 1"))
line = json.loads(one(
    "SELECT '{\"type\":\"LineString\",\"coordinates\":[[' || X(ST_Centroid(geom)) || ',' || "
    "(MbrMinY(geom) - 0.01) || '],[' || X(ST_Centroid(geom)) || ',' || (MbrMaxY(geom) + 0.01) "
    "|| ']]}' FROM divisions WHERE code = '610602113' AND valid_to IS NULL"))
con.close()
# Inputs of run i (a fresh code each time: a reverted code has a history).
OPS = [
    ("transfer-area", lambda i: {"from": "610602107", "to": "610602106", "area": area}),
    ("rename-division", lambda i: {"code": "610602003", "name": f"凤凰街道{i}"}),
    ("recode-division", lambda i: {"code": "610602003", "new_code": f"6106021{50 + i}"}),
    ("merge-divisions", lambda i: {"codes": ["610602106", "610602107"], "into": "610602106"}),
    ("split-division", lambda i: {"code": "610602113", "line": line,
                                  "new": [{"code": "610602113", "name": "麻洞川镇"},
                                          {"code": f"6106022{10 + i}", "name": "东镇"}]}),
]
rows = []
for name, inputs in OPS:
    path = f"/processes/{name}/execution"
    for dry in (True, False):
        times, cpu, changes = [], 0.0, 0
        for i in range(n + 1):  # the first is a warm-up
            k = i + (n + 1 if not dry else 0)
            body = {"inputs": {**inputs(k), "reason": f"bench {i}", "dry_run": dry}}
            c0 = server_cpu_ms()
            ms, r = call(path, officer, body)
            c1 = server_cpu_ms()
            if not dry:
                call(f"/audit/{r['audit_id']}/revert", admin, {"reason": "bench undo"})
            if i:
                times.append(ms)
                cpu += c1 - c0
            changes = len(r["changes"])
        rows.append((name, "dry run" if dry else "real", statistics.median(times),
                     max(times), cpu / n, changes))



def check(store, runs):
    """p50 and max of runs coverage checks of everything in store (the CLI's own timing),
    the parents checked and the problems found."""
    t = []
    for _ in range(runs):
        p = subprocess.run([civgis, "division", "validate", "--db", store, "--json"],
                           capture_output=True, text=True)
        r = json.loads(p.stdout)
        t.append(r["elapsed_ms"])
    return statistics.median(t), max(t), r["parents_checked"], len(r["problems"])


p50, _, parents, _ = check(db, 5)
big_p50, big_max, big_parents, big_problems = check(big, int(big_runs))
con = sqlite3.connect(big)
n_big = con.execute("SELECT count(*) FROM divisions WHERE level = 4 AND valid_to IS NULL"
                    ).fetchone()[0]
con.close()
print(f"## Division operations ({n} runs each, p50; one officer client, POST "
      "/processes/{id}/execution synchronously)")
print()
print("| process | mode | p50 ms | max ms | server CPU ms/op | rows changed |")
print("|---|---|---:|---:|---:|---:|")
for name, mode, p50, mx, cpu, ch in rows:
    print(f"| {name} | {mode} | {p50:.0f} | {mx:.0f} | {cpu:.0f} | {ch} |")
print()
print(f"Coverage check of every division ({parents} parents: the city, 13 counties, 117 "
      f"townships with their villages' seats): p50 {p50:.0f} ms of 5 "
      "(`civgis division validate`, its own timing).")
print()
print(f"Coverage check of the generated layer ({n_big:,} townships under {big_parents} "
      f"counties, each county the union of its townships): p50 {big_p50 / 1000:.1f} s of "
      f"{big_runs} (max {big_max / 1000:.1f} s), {big_p50 / n_big:.2f} ms a township, "
      f"{big_problems} problems.")
PY
