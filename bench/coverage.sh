#!/usr/bin/env bash
# Coverage: civgis against a GeoPandas + SciPy + pyproj pipeline (bench/coverage_peer.py)
# on the same points, in one run: the Yan'an data (1,953 villages, mutual-aid homes) and
# a synthetic national size (700,000 demand points, 100,000 facilities). Wall time and
# peak memory of each whole pipeline (reading included), and ratios.
#   bench/coverage.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/coverage}
mkdir -p "$OUT"
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
                            "WHERE kind = 'mutual_aid_home'"))
PY
# National: generated once, imported once (the import time is reported, not compared).
if [ ! -f "$OUT/national.sqlite" ]; then
  [ -f "$OUT/demand.csv" ] || /usr/bin/python3 bench/gen_points.py "$OUT"
  start=$(date +%s.%N)
  "$BUILD/civgis" import --db "$OUT/national.sqlite.tmp" --target facilities --s-crs EPSG:4326 "$OUT/facilities.csv" >/dev/null
  "$BUILD/civgis" import --db "$OUT/national.sqlite.tmp" --target demand --s-crs EPSG:4326 "$OUT/demand.csv" >/dev/null
  mv "$OUT/national.sqlite.tmp" "$OUT/national.sqlite"
  echo "$(echo "$(date +%s.%N) - $start" | bc)" >"$OUT/import_seconds"
fi

measure() { # OUTFILE CMD... -> "seconds peak_kb"
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$out.time" "$@" >"$out" 2>/dev/null
  cat "$out.time"
}
row() { # KEY LABEL DB DEMAND_CSV FACILITIES_CSV RADIUS
  read -r cs cm <<<"$(measure "$OUT/civgis_$1.json" "$BUILD/civgis" coverage --db "$3" --kind mutual_aid_home --radius "$6")"
  read -r ps pm <<<"$(measure "$OUT/peer_$1.json" /usr/bin/python3 bench/coverage_peer.py "$4" "$5" "$6")"
  local cc pc
  cc=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["points_covered"])' "$OUT/civgis_$1.json")
  pc=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["points_covered"])' "$OUT/peer_$1.json")
  printf '| %s | %s s | %.0f MB | %s s | %.0f MB | %.1fx | %.1fx | %s / %s |\n' "$2" "$cs" "$(echo "$cm / 1024" | bc -l)" \
    "$ps" "$(echo "$pm / 1024" | bc -l)" "$(echo "$ps / $cs" | bc -l)" "$(echo "$pm / $cm" | bc -l)" "$cc" "$pc"
}
echo "## Coverage: civgis vs GeoPandas + SciPy k-d tree + pyproj.Geod ($(nproc) cores)"
echo
echo "Mutual-aid homes, 2 km reach, weight elderly_60plus. Whole pipelines: reading, computing, writing the summary."
echo
echo "| data | civgis | civgis peak | peer | peer peak | time ratio | memory ratio | points covered civgis / peer |"
echo "|---|---|---|---|---|---|---|---|"
row yanan "Yan'an (1,953 villages, 150 homes)" var/yanan.sqlite "$OUT/yanan_demand.csv" "$OUT/yanan_facilities.csv" 2000
row national "national (700,000 points, 100,000 homes)" "$OUT/national.sqlite" "$OUT/demand.csv" "$OUT/facilities.csv" 2000
echo
echo "civgis also counts every facility within reach of every point and aggregates by division; the peer finds only the nearest (by a planar k-d tree, then the geodesic), so its covered count can differ slightly at the margins."
if [ -f "$OUT/import_seconds" ]; then
  echo "One-off import of the national points into SpatiaLite: $(cat "$OUT/import_seconds") s."
fi
