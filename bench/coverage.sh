#!/usr/bin/env bash
# Coverage: civgis against a GeoPandas + SciPy + pyproj pipeline (bench/coverage_peer.py)
# on the same points, in one run: the Yan'an data (1,953 villages, mutual-aid homes) and
# a synthetic national size (700,000 demand points, 100,000 facilities).
#   - End to end: wall time and peak memory of each whole process (the peer's Python
#     start-up and imports, reading, computing, writing the summary).
#   - Compute against compute: civgis's seconds_compute (`coverage --timings`) against
#     the peer's own seconds_compute, both the analysis alone after the data is read.
#   - National, from the CSV files: the peer reads them as they are; civgis first
#     imports them into SpatiaLite, timed in this run, and that row adds the import.
#   - Answers: every point's covered flag compared (bench/coverage_compare.py); each
#     difference must have a checked reason, and there may be at most TOLERANCE of the
#     points (default 0.001), or the run fails.
#   bench/coverage.sh [BUILD_DIR]   (NATIONAL_POINTS=700000 NATIONAL_FACILITIES=100000;
#                                    REUSE_IMPORT=1 keeps an earlier import, unmeasured)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/coverage}
TOLERANCE=${TOLERANCE:-0.001}
ND=${NATIONAL_POINTS:-700000} NF=${NATIONAL_FACILITIES:-100000}
. bench/lib.sh
for p in python3-geopandas python3-scipy python3-pyproj time; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'install ok installed' ||
    { apt-get update -qq && apt-get install -y -qq $p >/dev/null; }
done

# Yan'an: the demo database, and the same points as CSV for the peer.
[ -f var/yanan.sqlite ] || make --no-print-directory data >/dev/null
/usr/bin/python3 - var/yanan.sqlite "$OUT" <<'PY'
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[1]); con.enable_load_extension(True); con.load_extension("mod_spatialite")
with open(sys.argv[2] + "/yanan_demand.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["code", "lon", "lat", "population", "elderly_60plus"])
    w.writerows(con.execute("SELECT code, X(geom), Y(geom), population, elderly_60plus FROM demand"))
with open(sys.argv[2] + "/yanan_facilities.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["id", "kind", "name", "lon", "lat", "capacity"])
    w.writerows(con.execute("SELECT fid, kind, name, X(geom), Y(geom), capacity FROM facilities "
                            "WHERE kind = 'mutual_aid_home' AND status = 'operating'"))
PY
# National: generated once (deterministic); imported into SpatiaLite in every run, timed.
NAT=$OUT/national_${ND}_$NF
[ -f "$NAT/demand.csv" ] || /usr/bin/python3 bench/gen_points.py "$NAT" "$ND" "$NF"
import_s=
if [ -z "${REUSE_IMPORT:-}" ] || [ ! -f "$NAT/national.sqlite" ]; then
  rm -f "$NAT/national.sqlite.tmp"*
  start=$(date +%s.%N)
  if "$BUILD/civgis" import --db "$NAT/national.sqlite.tmp" --target facilities --s-crs EPSG:4326 "$NAT/facilities.csv" >/dev/null &&
     "$BUILD/civgis" import --db "$NAT/national.sqlite.tmp" --target demand --s-crs EPSG:4326 "$NAT/demand.csv" >/dev/null; then
    import_s=$(echo "$(date +%s.%N) - $start" | bc -l)
    mv "$NAT/national.sqlite.tmp" "$NAT/national.sqlite"
  else
    bench_fail "civgis import of the national points failed"
  fi
fi

measure() { # OUTFILE CMD... -> "seconds peak_kb" (nothing when the command failed)
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$out.time" "$@" >"$out" 2>"$out.err" && cat "$out.time"
}
json() { /usr/bin/python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))[sys.argv[2]])' "$2" "$1" 2>/dev/null; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
times="" answers=""
median() { # FILE -> the median of each column
  /usr/bin/python3 -c 'import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(*("%.6f" % statistics.median(float(r[i]) for r in rows) for i in range(len(rows[0]))) if rows else "")' "$1"
}
row() { # KEY LABEL DB DEMAND_CSV FACILITIES_CSV RADIUS RUNS (each figure the median of RUNS runs)
  local cs cm ps pm cl cc pt pc r
  : >"$OUT/civgis_$1.runs"; : >"$OUT/peer_$1.runs"
  for _ in $(seq "$7"); do
    read -r cs cm <<<"$(measure "$OUT/civgis_$1.json" "$BUILD/civgis" coverage --db "$3" --kind mutual_aid_home --radius "$6" --timings ||
      bench_fail "civgis coverage failed on $2 (see $OUT/civgis_$1.json.err)")"
    read -r ps pm <<<"$(measure "$OUT/peer_$1.json" /usr/bin/python3 bench/coverage_peer.py "$4" "$5" "$6" "$OUT/peer_$1.npz" ||
      bench_fail "the peer failed on $2 (see $OUT/peer_$1.json.err)")"
    cl=$(json seconds_load "$OUT/civgis_$1.json") cc=$(json seconds_compute "$OUT/civgis_$1.json")
    pt=$(json seconds_total "$OUT/peer_$1.json") pc=$(json seconds_compute "$OUT/peer_$1.json")
    is_num "$cs" && is_num "$cc" && echo "$cs $cm $cl $cc" >>"$OUT/civgis_$1.runs"
    is_num "$ps" && is_num "$pc" && echo "$ps $pm $pt $pc" >>"$OUT/peer_$1.runs"
  done
  read -r cs cm cl cc <<<"$(median "$OUT/civgis_$1.runs")"
  read -r ps pm pt pc <<<"$(median "$OUT/peer_$1.runs")"
  # The answers, point by point (civgis's per-point output, untimed).
  "$BUILD/civgis" coverage --db "$3" --kind mutual_aid_home --radius "$6" --format csv >"$OUT/civgis_$1.csv" ||
    bench_fail "civgis coverage --format csv failed on $2"
  r=$(/usr/bin/python3 bench/coverage_compare.py "$OUT/civgis_$1.csv" "$OUT/peer_$1.npz" "$4" "$5" "$6" "$TOLERANCE" "$OUT/differ_$1.txt") ||
    bench_fail "coverage, $2: the covered points differ beyond the tolerance or without a reason ($r; see $OUT/differ_$1.txt)"
  bench_ratio "coverage.$1.end_to_end" "$ps" "$cs" "$2: peer wall s / civgis wall s"
  bench_ratio "coverage.$1.compute" "$pc" "$cc" "$2: peer seconds_compute / civgis seconds_compute"
  cm=${cm%.*} pm=${pm%.*}
  times+="| $2 | $(printf '%.2f' "${cs:-0}") | $(printf '%.3f / %.3f' "${cl:-0}" "${cc:-0}") | $(echo "${cm:-0} / 1024" | bc) | $(printf '%.2f' "${ps:-0}") | $(printf '%.3f / %.3f' "$(echo "${pt:-0} - ${pc:-0}" | bc -l)" "${pc:-0}") | $(echo "${pm:-0} / 1024" | bc) | $(ratio "$ps" "$cs" "coverage $2 end to end") | **$(ratio "$pc" "$cc" "coverage $2 compute")** | $(ratio "$pm" "$cm" "coverage $2 memory") |"$'\n'
  answers+="| $2 | $(field points "$r") | $(field covered_civgis "$r") | $(field covered_peer "$r") | $(field differ "$r") | $(field explained "$r") | $(field unexplained "$r") | $(field allowed "$r") |"$'\n'
  LAST_E2E=$cs LAST_PEER=$ps
}
# Yan'an takes milliseconds on each side, so its figures are the medians of 5 runs.
row yanan "Yan'an (1,953 villages, 150 homes)" var/yanan.sqlite "$OUT/yanan_demand.csv" "$OUT/yanan_facilities.csv" 2000 5
# The national key names its size when it is not the default (a smaller run while
# developing is not compared with the baseline's full-size ratios).
NKEY=national; [ "$ND.$NF" = 700000.100000 ] || NKEY=national_${ND}_$NF
row "$NKEY" "national ($ND points, $NF homes)" "$NAT/national.sqlite" "$NAT/demand.csv" "$NAT/facilities.csv" 2000 1
nat_e2e=${LAST_E2E:-0} nat_peer=${LAST_PEER:-}

echo "## Coverage: civgis vs GeoPandas + SciPy k-d tree + pyproj.Geod ($(nproc) cores)"
echo
echo "Mutual-aid homes, 2 km reach, weight elderly_60plus. End to end: each whole process (for"
echo "the peer, Python's start-up and imports too), reading, computing, writing the summary."
echo "Compute: the analysis alone after the data is read, as each side times it (civgis"
echo "\`coverage --timings\` seconds_compute; the peer's seconds_compute). Load: civgis reading the"
echo "store; the peer's imports, CSV reading and GeoDataFrames. Yan'an: medians of 5 runs."
echo
echo "| data | civgis end to end s | civgis load / compute s | civgis peak MB | peer end to end s | peer load / compute s | peer peak MB | ratio, end to end | ratio, compute | memory ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$times"
echo
if [ -n "$import_s" ]; then
  from_csv=$(echo "$import_s + $nat_e2e" | bc -l)
  bench_ratio "coverage.$NKEY.from_csv" "$nat_peer" "$from_csv" "national from the CSV files: peer wall s / (civgis import + coverage) s"
  printf 'National, from the CSV files (the peer'"'"'s input as it is): civgis imports them into SpatiaLite in %.1f s (this run), so import + coverage = %.1f s against the peer'"'"'s %.1f s = %s.\n' \
    "$import_s" "$from_csv" "${nat_peer:-0}" "$(ratio "$nat_peer" "$from_csv" "coverage national from CSV")"
else
  echo "National, from the CSV files: the import was reused (REUSE_IMPORT), not measured in this run."
fi
echo
echo "Answers: every point's covered flag on both sides. civgis counts every facility within reach"
echo "by geodesic distance; the peer takes the nearest by a planar k-d tree (longitude scaled by the"
echo "cosine of the mean latitude) and then the geodesic to that one facility, so it can miss a point"
echo "whose geodesic nearest is another facility within reach. Each difference is checked for that"
echo "reason (the facility civgis names recomputed with pyproj); the run fails on any other, or on"
echo "more than $TOLERANCE of the points differing."
echo
echo "| data | points | covered, civgis | covered, peer | differ | explained | unexplained | allowed |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s' "$answers"
bench_done
