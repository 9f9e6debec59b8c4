#!/usr/bin/env bash
# Vector tiles: civgis against PostGIS ST_AsMVT (the engine of Martin and pg_tileserv;
# ../shared/peers/postgis.sh) on the same 117 townships and the same 200-tile list
# (z6-12), in one run. Uncached: civgis with its tile cache off, every tile once over
# one keep-alive HTTP connection (curl -K), against PostGIS's SQL time in one backend
# (no HTTP at all: the peer's best case). Cached: wrk on z10 tiles against the bare
# libmicrohttpd ceiling.
#   bench/tiles.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEERS=../shared/peers
SHARED=../shared/data/yanan/synthetic/townships.geojson
OUT=${OUT:-var/bench/tiles}
FEAT=var/bench/features
mkdir -p "$OUT" "$FEAT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -f "$FEAT/townships.sqlite" ] || "$BUILD/civgis" import --db "$FEAT/townships.sqlite" \
    --target divisions --valid-from 2021-10-31 "$SHARED" >/dev/null
bash $PEERS/postgis.sh "$SHARED" >/dev/null 2>&1

read -r a b c d <<<"$(ogrinfo -ro -so -al "$SHARED" | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\)).*/\1 \2 \3 \4/p')"
/usr/bin/python3 $PEERS/lists.py tiles "$a" "$b" "$c" "$d" 200 6 12 >"$OUT/tiles.txt"

: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT
serve() { # NAME CACHE_MB -> base URL
  "$BUILD/civgis" serve --db "$FEAT/townships.sqlite" --port 0 --threads 2 --quiet \
      --tile-cache-mb "$2" >"$OUT/serve.$1" &
  echo $! >>"$OUT/pids"
  for _ in $(seq 50); do grep -q listening "$OUT/serve.$1" && break; sleep 0.1; done
  sed -E 's/listening on (.*)\//\1/' "$OUT/serve.$1"
}
UNCACHED=$(serve nocache 0)
CACHED=$(serve cache 256)
"$BUILD/bench_ceiling" 58091 2 >/dev/null & echo $! >>"$OUT/pids"

# Uncached: every tile of a list once over one connection, warm process (second pass
# timed) -> "total_ms bytes_per_tile"; PostGIS: the same list in one backend -> total_ms.
uncached() { # BASE COLLECTION LIST
  : >"$OUT/curl.cfg"
  while read -r z x y; do
    printf 'url = "%s/tiles/%s/%s/%s/%s.mvt"\noutput = /dev/null\n' "$1" "$2" "$z" "$x" "$y" >>"$OUT/curl.cfg"
  done <"$3"
  curl -s -K "$OUT/curl.cfg" >/dev/null
  curl -s -K "$OUT/curl.cfg" -w '%{http_code} %{size_download} %{time_total}\n' >"$OUT/curl.txt"
  awk '{t += $3; if ($1 == 200) {b += $2; n++}} END {printf "%.1f %.0f", t * 1000, b / (n ? n : 1)}' "$OUT/curl.txt"
}
postgis_ms() { # LAYER
  bash $PEERS/postgis.sh bench "$1" >"$OUT/postgis_$1.txt" 2>&1 || true
  # The ROLLUP row of the first table: blank z, 200 tiles, total_ms.
  grep -A 12 "== $1_mvt:" "$OUT/postgis_$1.txt" |
    awk -F'|' '$1 ~ /^ *$/ && $2 + 0 == 200 {print $3 + 0; exit}'
}
read -r cg_ms cg_bytes <<<"$(uncached "$UNCACHED" townships "$OUT/tiles.txt")"
pg_ms=$(postgis_ms townships)

# Scale: the 40,000 generated township-sized polygons (as bench/features.sh makes them).
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
[ -f "$FEAT/big.sqlite" ] || "$BUILD/civgis" import --db "$FEAT/big.sqlite" --target places \
    --map category=kind "$BIG" >/dev/null
bash $PEERS/postgis.sh "$BIG" big >/dev/null 2>&1
read -r a b c d <<<"$(ogrinfo -ro -so -al "$BIG" | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\)).*/\1 \2 \3 \4/p')"
/usr/bin/python3 $PEERS/lists.py tiles "$a" "$b" "$c" "$d" 200 6 12 >"$OUT/tiles_big.txt"
"$BUILD/civgis" serve --db "$FEAT/big.sqlite" --port 0 --threads 2 --quiet --tile-cache-mb 0 \
    >"$OUT/serve.big" &
echo $! >>"$OUT/pids"
for _ in $(seq 50); do grep -q listening "$OUT/serve.big" && break; sleep 0.1; done
BIGURL=$(sed -E 's/listening on (.*)\//\1/' "$OUT/serve.big")
read -r cgb_ms cgb_bytes <<<"$(uncached "$BIGURL" places "$OUT/tiles_big.txt")"
pgb_ms=$(postgis_ms big)

# Cached tiles under load (z10), and the ceiling.
awk '$1 == 10 {print "/tiles/townships/" $1 "/" $2 "/" $3 ".mvt"}' "$OUT/tiles.txt" >"$OUT/z10.txt"
echo / >"$OUT/ceiling.txt"
run() { # NAME BASE LIST
  wrk -t2 -c16 -d2s -s $PEERS/rotate.lua "$2" -- "$3" >/dev/null 2>&1 || true
  wrk -t2 -c16 -d"${DURATION:-10s}" --latency -s $PEERS/rotate.lua "$2" -- "$3" >"$OUT/wrk_$1.txt" 2>&1 || true
  sed -nE 's/^RESULT.*rps=([0-9.]+).*p99_ms=([0-9.]+).*/\1 \2/p' "$OUT/wrk_$1.txt"
}
read -r cr cp <<<"$(run cached "$CACHED" "$OUT/z10.txt")"
read -r hr hp <<<"$(run ceiling http://127.0.0.1:58091 "$OUT/ceiling.txt")"

echo "## Vector tiles: civgis vs PostGIS $(psql -X -h 127.0.0.1 -p 55432 -U postgres -d gis -tAc 'SELECT postgis_lib_version()' 2>/dev/null) ST_AsMVT ($(nproc) cores)"
echo
echo "Same 117 townships, same 200 tiles (z6-12, \`lists.py tiles\`)."
echo
echo "| case | PostGIS | civgis | ratio |"
echo "|---|---|---|---|"
printf '| uncached, 200 tiles, total ms (PostGIS: SQL in one backend; civgis: over HTTP) | %s | %s | %.1fx |\n' \
  "$pg_ms" "$cg_ms" "$(echo "$pg_ms / $cg_ms" | bc -l)"
printf '| the same on 40,000 generated polygons (200 tiles z6-12 over their extent) | %s | %s | %.1fx |\n' \
  "$pgb_ms" "$cgb_ms" "$(echo "$pgb_ms / $cgb_ms" | bc -l)"
echo
printf 'civgis bytes per non-empty tile: %s (40,000 polygons: %s). Cached z10 tiles under wrk -c16: %s req/s (p99 %s ms) = %.0f%% of the bare libmicrohttpd ceiling (%s req/s).\n' \
  "$cg_bytes" "$cgb_bytes" "$cr" "$cp" "$(echo "100 * $cr / $hr" | bc -l)" "$hr"
