#!/usr/bin/env bash
# Vector tiles: civgis against PostGIS ST_AsMVT (the engine of Martin and pg_tileserv;
# ../shared/peers/postgis.sh) on the same 117 townships and the same 200-tile list
# (z6-12), in one run. Uncached: civgis with its tile cache off, every tile once over
# one keep-alive HTTP connection (curl -K), against PostGIS's SQL time in one backend.
# civgis's own render time (its Server-Timing header) is set against PostGIS's SQL time
# (both without transport); the HTTP total is shown too. Cached: wrk on z10 tiles
# against tileserver-gl-light serving a static MBTiles (../shared/peers/tileserver.sh)
# and the bare libmicrohttpd ceiling. Export: `civgis tiles export` z0-12 against
# GDAL's MVT writer (the MBTiles the static peer serves), same layer.
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
# timed) -> "http_total_ms bytes_per_tile render_ms render_p99_ms prepare_ms" (render:
# Server-Timing's render; prepare: the first request's, reading the layer once per data
# version).
uncached() { # BASE COLLECTION LIST
  : >"$OUT/curl.cfg"
  while read -r z x y; do
    printf 'url = "%s/tiles/%s/%s/%s/%s.mvt"\noutput = /dev/null\n' "$1" "$2" "$z" "$x" "$y" >>"$OUT/curl.cfg"
  done <"$3"
  curl -s -K "$OUT/curl.cfg" -D "$OUT/headers1.txt" >/dev/null
  curl -s -K "$OUT/curl.cfg" -D "$OUT/headers.txt" -w '%{http_code} %{size_download} %{time_total}\n' >"$OUT/curl.txt"
  prep=$(grep -i -m1 '^server-timing' "$OUT/headers1.txt" | sed -E 's/.*prepare;dur=([0-9.]+).*/\1/')
  grep -i '^server-timing' "$OUT/headers.txt" | sed -E 's/.*render;dur=([0-9.]+).*/\1/' | sort -g >"$OUT/render.txt"
  render=$(awk '{t += $1} END {printf "%.1f", t}' "$OUT/render.txt")
  p99=$(awk '{v[NR] = $1} END {i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; printf "%.2f", v[i]}' "$OUT/render.txt")
  awk -v r="$render" -v q="$p99" -v p="$prep" '{t += $3; if ($1 == 200) {b += $2; n++}} END {printf "%.1f %.0f %s %s %s", t * 1000, b / (n ? n : 1), r, q, p}' "$OUT/curl.txt"
}
# PostGIS: the same list as the layer's bench_tiles table, in one backend -> "total_ms
# p99_ms" (the ROLLUP row of postgis.sh bench's first table).
PSQL=(psql -X -q -h 127.0.0.1 -p 55432 -U postgres -d gis)
postgis_ms() { # LAYER LIST
  { echo "TRUNCATE bench_tiles_$1 RESTART IDENTITY;"
    echo "COPY bench_tiles_$1 (z, x, y) FROM STDIN WITH (DELIMITER ' ');"
    cat "$2"; echo '\.'; } | "${PSQL[@]}" >/dev/null
  bash $PEERS/postgis.sh bench "$1" >"$OUT/postgis_$1.txt" 2>&1 || true
  n=$(wc -l <"$2")
  grep -A 14 "== $1_mvt:" "$OUT/postgis_$1.txt" |
    awk -F'|' -v n="$n" '$1 ~ /^ *$/ && $2 + 0 == n {print $3 + 0, $6 + 0; exit}'
}
extent() { ogrinfo -ro -so -al "$1" | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\)).*/\1 \2 \3 \4/p'; }

# Scale: the 40,000 generated township-sized polygons (as bench/features.sh makes them).
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
[ -f "$FEAT/big.sqlite" ] || "$BUILD/civgis" import --db "$FEAT/big.sqlite" --target places \
    --map category=kind "$BIG" >/dev/null
bash $PEERS/postgis.sh "$BIG" big >/dev/null 2>&1
"$BUILD/civgis" serve --db "$FEAT/big.sqlite" --port 0 --threads 2 --quiet --tile-cache-mb 0 \
    >"$OUT/serve.big" &
echo $! >>"$OUT/pids"
for _ in $(seq 50); do grep -q listening "$OUT/serve.big" && break; sleep 0.1; done
BIGURL=$(sed -E 's/listening on (.*)\//\1/' "$OUT/serve.big")
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$SHARED") 200 5 14 >"$OUT/tiles_z5-14.txt"
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$BIG") 200 6 12 >"$OUT/tiles_big.txt"
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$BIG") 200 5 14 >"$OUT/tiles_big_z5-14.txt"

# Each case: label|civgis base URL|collection|PostGIS layer|tile list.
rows=""
prep_t="" prep_b="" bytes_t="" bytes_b=""
while IFS='|' read -r label base coll layer list; do
  read -r ms bytes render p99 prep <<<"$(uncached "$base" "$coll" "$list")"
  read -r pg pg99 <<<"$(postgis_ms "$layer" "$list")"
  rows+=$(printf '| %s | %s / %s | %s / %s | %.1fx | %s | %.1fx |' "$label" "$pg" "$pg99" "$render" "$p99" \
    "$(echo "$pg / $render" | bc -l)" "$ms" "$(echo "$pg / $ms" | bc -l)")$'\n'
  # The layer is read on the first case only (the same server, the same data version).
  if [ "$coll" = townships ]; then prep_t=${prep_t:-$prep} bytes_t=$bytes; else prep_b=${prep_b:-$prep} bytes_b=$bytes; fi
done <<CASES
117 townships, z6-12|$UNCACHED|townships|townships|$OUT/tiles.txt
117 townships, z5-14|$UNCACHED|townships|townships|$OUT/tiles_z5-14.txt
40,000 generated polygons, z6-12|$BIGURL|places|big|$OUT/tiles_big.txt
40,000 generated polygons, z5-14|$BIGURL|places|big|$OUT/tiles_big_z5-14.txt
CASES

# Cached tiles under load (z10), and the ceiling.
awk '$1 == 10 {print "/tiles/townships/" $1 "/" $2 "/" $3 ".mvt"}' "$OUT/tiles.txt" >"$OUT/z10.txt"
echo / >"$OUT/ceiling.txt"
run() { # NAME BASE LIST [wrk options]
  wrk -t2 -c16 -d2s "${@:4}" -s $PEERS/rotate.lua "$2" -- "$3" >/dev/null 2>&1 || true
  wrk -t2 -c16 -d"${DURATION:-10s}" "${@:4}" --latency -s $PEERS/rotate.lua "$2" -- "$3" >"$OUT/wrk_$1.txt" 2>&1 || true
  sed -nE 's/^RESULT.*rps=([0-9.]+).*p99_ms=([0-9.]+).*/\1 \2/p' "$OUT/wrk_$1.txt"
}
read -r cr cp <<<"$(run cached "$CACHED" "$OUT/z10.txt")"
read -r gr gp <<<"$(run cached_gzip "$CACHED" "$OUT/z10.txt" -H 'Accept-Encoding: gzip')"
read -r hr hp <<<"$(run ceiling http://127.0.0.1:58091 "$OUT/ceiling.txt")"

# The static MBTiles peer (GDAL's MVT writer builds it, timed by tileserver.sh) and
# civgis's own export of the same layer, z0-12.
TS=$(bash $PEERS/tileserver.sh "$SHARED" townships 2>"$OUT/tileserver.log" | tail -1) || TS=
if [ -n "$TS" ]; then
  awk '$1 == 10 {print "/data/townships/" $1 "/" $2 "/" $3 ".pbf"}' "$OUT/tiles.txt" >"$OUT/ts_z10.txt"
  read -r tr tp <<<"$(run tileserver "$TS" "$OUT/ts_z10.txt" -H 'Accept-Encoding: gzip')"
  gdal_s=$(grep -o '\*\*[0-9.]* s\*\*' /tmp/peers/tileserver/build_townships.txt | tr -d '*s ')
fi
t0=$(date +%s.%N)
"$BUILD/civgis" tiles export --db "$FEAT/townships.sqlite" --tileset townships --minzoom 0 \
    --maxzoom 12 --mbtiles "$OUT/townships.mbtiles" --quiet
t1=$(date +%s.%N)
export_s=$(echo "$t1 - $t0" | bc -l)
export_n=$(sqlite3 "$OUT/townships.mbtiles" 'SELECT count(*) FROM tiles' 2>/dev/null ||
           /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM tiles').fetchone()[0])" "$OUT/townships.mbtiles")
rm -f "$OUT/townships.mbtiles"

echo "## Vector tiles: civgis vs PostGIS $(psql -X -h 127.0.0.1 -p 55432 -U postgres -d gis -tAc 'SELECT postgis_lib_version()' 2>/dev/null) ST_AsMVT ($(nproc) cores)"
echo
echo "Uncached, 200 tiles each, warm: PostGIS's SQL time in one backend against civgis's render"
echo "time (its Server-Timing header), both without transport; then civgis over HTTP (one"
echo "keep-alive connection, client time included)."
echo
echo "| tiles | PostGIS total / p99 ms | civgis render total / p99 ms | ratio | civgis over HTTP, total ms | ratio |"
echo "|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
printf 'civgis reads a layer once per data version before its first tile (Web Mercator, shared-border ranks, R-tree): %s ms for the townships, %s ms for the 40,000 polygons. Bytes per non-empty tile (z5-14): %s (40,000 polygons: %s).\n' \
  "$prep_t" "$prep_b" "$bytes_t" "$bytes_b"
echo
echo "| cached z10 tiles, wrk -c16 | req/s | p99 ms |"
echo "|---|---|---|"
[ -n "${tr:-}" ] && printf '| tileserver-gl-light, static MBTiles, gzip | %s | %s |\n' "$tr" "$tp"
printf '| civgis, tile cache | %s | %s |\n' "$cr" "$cp"
printf '| civgis, tile cache, gzip (as browsers ask; made once per tile) | %s | %s |\n' "$gr" "$gp"
printf '| bare libmicrohttpd, fixed 2 KB body (the ceiling) | %s | %s |\n' "$hr" "$hp"
echo
printf 'civgis cached = %.0f%% of the ceiling' "$(echo "100 * $cr / $hr" | bc -l)"
[ -n "${tr:-}" ] && printf '; with gzip %.1fx tileserver-gl-light' "$(echo "$gr / $tr" | bc -l)"
echo .
echo
printf 'MBTiles z0-12 of the townships: civgis tiles export %.2f s (%s tiles)' "$export_s" "$export_n"
[ -n "${gdal_s:-}" ] && printf ', GDAL MVT writer %s s = %.1fx' "$gdal_s" "$(echo "$gdal_s / $export_s" | bc -l)"
echo .
