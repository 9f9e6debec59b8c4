#!/usr/bin/env bash
# Vector tiles: civgis against PostGIS ST_AsMVT (the engine of Martin and pg_tileserv;
# ../shared/peers/postgis.sh) on the same 117 townships and 40,000 generated polygons
# and the same 200-tile lists, in one run.
#
# Uncached: civgis with its tile cache off, every tile once over one keep-alive HTTP
# connection (curl -K); its render time (Server-Timing) is set against PostGIS's SQL
# time in one backend, both without transport, for two PostGIS legs:
#   - simplified (bench/postgis_tile_simplified.sql.in): Douglas-Peucker at civgis's
#     tolerance (half a pixel) and polygons under a pixel left out, in front of the
#     same ST_AsMVTGeom: the same work, the headline ratio;
#   - as shipped (../shared/peers/postgis_tile.sql.in): no simplification, so PostGIS
#     does less work per vertex but sends about twice the bytes: unequal work.
# Both sides' bytes per tile are shown, and the tiles are decoded and compared
# (bench/tile_compare.py: the same features per layer, rings within the tolerance):
# a difference fails the run.
# Cached: wrk on z10 tiles against tileserver-gl-light serving a static MBTiles
# (../shared/peers/tileserver.sh) and the bare libmicrohttpd ceiling. Export:
# `civgis tiles export` z0-12 against GDAL's MVT writer (ogr2ogr -f MBTILES, as
# tileserver.sh builds it), same layer, both timed in this run.
#   bench/tiles.sh [BUILD_DIR]     (DURATION=10s for wrk, ROUNDS=3 cached/ceiling pairs; TILE_CASES=town,big,... runs
#                                   only those uncached cases, while developing)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEERS=../shared/peers
SHARED=../shared/data/yanan/synthetic/townships.geojson
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
OUT=${OUT:-var/bench/tiles}
FEAT=var/bench/features
TOL=8 # civgis's simplification tolerance in tile units (4096 / 512: half a pixel)
. bench/lib.sh
mkdir -p "$FEAT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
/usr/bin/python3 -c 'import shapely' 2>/dev/null ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-shapely >/dev/null; }
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
[ -f "$FEAT/townships.sqlite" ] || "$BUILD/civgis" import --db "$FEAT/townships.sqlite" \
    --target divisions --valid-from 2021-10-31 "$SHARED" >/dev/null
[ -f "$FEAT/big.sqlite" ] || "$BUILD/civgis" import --db "$FEAT/big.sqlite" --target places \
    --map category=kind "$BIG" >/dev/null

# PostGIS: both layers, with the peers' tile functions and the simplified one.
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55432 -U postgres -d gis)
bash $PEERS/postgis.sh "$SHARED" >/dev/null 2>&1 || bench_fail "PostGIS did not load the townships"
bash $PEERS/postgis.sh "$BIG" big >/dev/null 2>&1 || bench_fail "PostGIS did not load the 40,000 polygons"
for layer in townships big; do
  attrs=$("${PSQL[@]}" -tAc "SELECT string_agg(', t.' || quote_ident(column_name), '' ORDER BY ordinal_position)
      FROM information_schema.columns WHERE table_name = '$layer'
      AND column_name NOT IN ('fid', 'geom', 'geom3857')") || attrs=
  sed -e "s/@LAYER@/$layer/g" -e "s/@ATTRS@/$attrs/g" bench/postgis_tile_simplified.sql.in |
    "${PSQL[@]}" || bench_fail "PostGIS: cannot create ${layer}_mvt_simple"
done

extent() { ogrinfo -ro -so -al "$1" | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\)).*/\1 \2 \3 \4/p'; }
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$SHARED") 200 6 12 >"$OUT/tiles.txt"
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$SHARED") 200 5 14 >"$OUT/tiles_z5-14.txt"
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$BIG") 200 6 12 >"$OUT/tiles_big.txt"
# shellcheck disable=SC2046
/usr/bin/python3 $PEERS/lists.py tiles $(extent "$BIG") 200 5 14 >"$OUT/tiles_big_z5-14.txt"

: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT
started() { # FILE WHAT
  for _ in $(seq 100); do grep -q listening "$1" && break; sleep 0.1; done
  grep -q listening "$1" || bench_fail "$2 did not start: $(cat "$1")"
}
serve() { # NAME DB CACHE_MB -> base URL
  rm -f "$OUT/serve.$1" # not an earlier run's address: started() reads it
  "$BUILD/civgis" serve --db "$2" --port 0 --threads 2 --quiet --tile-cache-mb "$3" \
      >"$OUT/serve.$1" 2>"$OUT/serve_err.$1" &
  echo $! >>"$OUT/pids"
  started "$OUT/serve.$1" "civgis serve ($1)"
  sed -nE 's/^listening on (.*)\/$/\1/p' "$OUT/serve.$1" | head -1
}
UNCACHED=$(serve nocache "$FEAT/townships.sqlite" 0)
CACHED=$(serve cache "$FEAT/townships.sqlite" 256)
BIGURL=$(serve big "$FEAT/big.sqlite" 0)
rm -f "$OUT/ceiling.out"
"$BUILD/bench_ceiling" 58091 2 >"$OUT/ceiling.out" 2>&1 & echo $! >>"$OUT/pids"
started "$OUT/ceiling.out" "the ceiling"

# civgis, uncached: every tile of a list once over one connection. The first pass keeps
# the tiles (for the comparison) and warms the process; the second is timed, its
# headers (Server-Timing: render; X-Tile-Simplified: the size guard) and curl's
# "code bytes seconds" kept per tile as DIR.headers and DIR.curl. Prints prepare (ms,
# the first request's Server-Timing: reading the layer once per data version).
uncached() { # BASE COLLECTION LIST DIR
  rm -rf "$4"; mkdir -p "$4"
  : >"$OUT/keep.cfg"; : >"$OUT/curl.cfg"
  while read -r z x y; do
    printf 'url = "%s/tiles/%s/%s/%s/%s.mvt"\noutput = %s/%s_%s_%s.mvt\n' "$1" "$2" "$z" "$x" "$y" "$4" "$z" "$x" "$y" >>"$OUT/keep.cfg"
    printf 'url = "%s/tiles/%s/%s/%s/%s.mvt"\noutput = /dev/null\n' "$1" "$2" "$z" "$x" "$y" >>"$OUT/curl.cfg"
  done <"$3"
  curl -s -K "$OUT/keep.cfg" -D "$4.headers1" -w '%{http_code}\n' >"$4.codes1" || true
  curl -s -K "$OUT/curl.cfg" -D "$4.headers" -w '%{http_code} %{size_download} %{time_total}\n' >"$4.curl" || true
  local bad
  bad=$(awk '$1 != 200 && $1 != 204 {e++} END {print e + 0}' "$4.codes1")
  [ "$bad" = 0 ] || bench_fail "tiles, $2: $bad answers of the first pass were neither 200 nor 204"
  grep -i -m1 '^server-timing' "$4.headers1" | sed -E 's/.*prepare;dur=([0-9.]+).*/\1/'
}
# PostGIS: the same list as the layer's bench_tiles table, each tile once in one backend
# through the peers' timing function, a warm-up pass first -> "z x y bytes ms" lines;
# and the tiles themselves as "z x y hex" lines.
pg_list() { # LAYER LIST
  { echo "TRUNCATE bench_tiles_$1 RESTART IDENTITY;"
    echo "COPY bench_tiles_$1 (z, x, y) FROM STDIN WITH (DELIMITER ' ');"
    cat "$2"; echo '\.'; } | "${PSQL[@]}" >/dev/null
}
pg_time() { # LAYER FUNCTION OUT
  "${PSQL[@]}" -tAc "SELECT count(*) FROM $1_bench('$2')" >/dev/null &&
    "${PSQL[@]}" -tA -F' ' -c "SELECT z, x, y, bytes, round(ms::numeric, 4) FROM $1_bench('$2')" >"$3"
}
pg_tiles() { # LAYER FUNCTION OUT
  "${PSQL[@]}" -tA -F' ' -c "SELECT z, x, y, encode($2(z, x, y), 'hex') FROM bench_tiles_$1 ORDER BY i" >"$3"
}
compare() { # LIST DIR PEER_HEX CIVGIS_KEY PEER_KEY GUARDED WHAT -> the comparison's figures
  local r
  r=$(/usr/bin/python3 bench/tile_compare.py "$1" "$2" "$3" "$4" "$5" "$TOL" "$3.mismatches" "$6") ||
    bench_fail "tiles, $7: civgis's and PostGIS's tiles differ ($(sed -n 's/.*mismatches=\([0-9]*\).*/\1/p' <<<"$r") mismatches; see $3.mismatches)"
  echo "$r"
}
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# Each case: key|label|civgis base URL|collection|PostGIS layer|tile list|civgis key|PostGIS key
# (the townships: civgis's feature id is the division code, PostGIS's the source row,
# so the code attribute names them; the 40,000 polygons: both keep the source id).
rows="" checks="" guards=""
prep_t="" prep_b=""
while IFS='|' read -r key label base coll layer list ckey pkey; do
  [[ ",${TILE_CASES:-$key}," == *",$key,"* ]] || continue
  d=$OUT/civgis_$key
  prep=$(uncached "$base" "$coll" "$list" "$d")
  pg_list "$layer" "$list" || bench_fail "PostGIS: cannot load the tile list of $label"
  pg_time "$layer" "${layer}_mvt_simple" "$OUT/postgis_simple_$key.times" || bench_fail "PostGIS simplified leg failed on $label"
  pg_time "$layer" "${layer}_mvt" "$OUT/postgis_$key.times" || bench_fail "PostGIS leg failed on $label"
  pg_tiles "$layer" "${layer}_mvt_simple" "$OUT/postgis_simple_$key.hex" || bench_fail "PostGIS: no simplified tiles for $label"
  pg_tiles "$layer" "${layer}_mvt" "$OUT/postgis_$key.hex" || bench_fail "PostGIS: no tiles for $label"
  f=$(/usr/bin/python3 bench/tile_times.py "$list" "$d.headers" "$d.curl" "$OUT/postgis_simple_$key.times" \
      "$OUT/postgis_$key.times" "$d.guarded") || bench_fail "tiles, $label: no per-tile figures"
  [ "$(field http_errors "$f")" = 0 ] || bench_fail "tiles, $label: $(field http_errors "$f") civgis answers were neither 200 nor 204 (or had no Server-Timing)"
  cs=$(compare "$list" "$d" "$OUT/postgis_simple_$key.hex" "$ckey" "$pkey" "$d.guarded" "$label, simplified PostGIS")
  cu=$(compare "$list" "$d" "$OUT/postgis_$key.hex" "$ckey" "$pkey" "$d.guarded" "$label, unsimplified PostGIS")
  render=$(field civgis_total "$f") ms=$(field http_total "$f")
  sg=$(field simple_total "$f") pg=$(field raw_total "$f")
  bench_ratio "tiles.$key.equal_work" "$sg" "$render" "$label: PostGIS simplified SQL ms / civgis render ms"
  bench_ratio "tiles.$key.unequal_work" "$pg" "$render" "$label: PostGIS unsimplified SQL ms / civgis render ms"
  bench_ratio "tiles.$key.http" "$sg" "$ms" "$label: PostGIS simplified SQL ms / civgis over HTTP ms"
  n=$(field n "$f") g=$(field guarded "$f")
  what=$n; [ "${g:-0}" = 0 ] || what="$n (+$g guarded, below)"
  rows+="| $label | $what | $render / $(field civgis_p99 "$f") | $(field civgis_bytes "$f") | $sg / $(field simple_p99 "$f") | $(field simple_bytes "$f") | **$(ratio "$sg" "$render" "tiles $label, simplified")** | $pg / $(field raw_p99 "$f") | $(field raw_bytes "$f") | $(ratio "$pg" "$render" "tiles $label, unsimplified") | $ms | $(ratio "$sg" "$ms" "tiles $label, over HTTP") |"$'\n'
  checks+="| $label | $(field features_civgis "$cs") | $(field features_peer "$cs") / $(field features_peer "$cu") | $(field one_sided_explained "$cs") / $(field one_sided_explained "$cu") | $(field widest_gap "$cs") / $(field widest_gap "$cu") (bound $(field bound "$cs")) | $(field mismatches "$cs") / $(field mismatches "$cu") |"$'\n'
  while read -r z x y cb cm sb sm rb rm; do
    guards+="| $label | $z/$x/$y | $cb | $cm | $sb | $sm | $rb | $rm |"$'\n'
  done <"$d.guarded"
  # The layer is read on the first case only (the same server, the same data version).
  if [ "$coll" = townships ]; then prep_t=${prep_t:-$prep}; else prep_b=${prep_b:-$prep}; fi
done <<CASES
town|117 townships, z6-12|$UNCACHED|townships|townships|$OUT/tiles.txt|props.code|props.code
town_z5-14|117 townships, z5-14|$UNCACHED|townships|townships|$OUT/tiles_z5-14.txt|props.code|props.code
big|40,000 generated polygons, z6-12|$BIGURL|places|big|$OUT/tiles_big.txt|id|id
big_z5-14|40,000 generated polygons, z5-14|$BIGURL|places|big|$OUT/tiles_big_z5-14.txt|id|id
CASES

# Cached tiles under load (z10), and the ceiling.
awk '$1 == 10 {print "/tiles/townships/" $1 "/" $2 "/" $3 ".mvt"}' "$OUT/tiles.txt" >"$OUT/z10.txt"
echo / >"$OUT/ceiling.txt"
run() { # NAME BASE LIST [wrk options] -> "rps p99 bytes_per_req errors"
  wrk -t2 -c16 -d2s "${@:4}" -s bench/rotate.lua "$2" -- "$3" >/dev/null 2>&1 || true
  wrk -t2 -c16 -d"${DURATION:-10s}" "${@:4}" --latency -s bench/rotate.lua "$2" -- "$3" >"$OUT/wrk_$1.txt" 2>&1 || true
  local r
  r=$(sed -nE 's/^RESULT.*rps=([0-9.]+).*p99_ms=([0-9.]+).*bytes_per_req=([0-9]+).*errors=([0-9]+) non2xx=([0-9]+).*/\1 \2 \3 \4 \5/p' "$OUT/wrk_$1.txt" |
    awk '{print $1, $2, $3, $4 + $5}')
  [ -n "$r" ] || { bench_fail "wrk gave no result for $1 (see $OUT/wrk_$1.txt)"; r="- - - -"; }
  # shellcheck disable=SC2086 # r is four words
  set -- "$1" $r
  [ "$5" = 0 ] || [ "$5" = - ] || bench_fail "tiles, $1: $5 socket errors or answers outside 2xx"
  echo "$2 $3 $4 $5"
}
# Two cores serve both wrk and the server, and one 10 s sample of each side swung by a
# third between runs (the ceiling too): the cached tiles and the ceiling are taken in
# ROUNDS alternating pairs, and the ratio is the median of the pairs' ratios (each pair
# a few seconds apart); the table shows the pair with that median.
pairs=""
for k in $(seq "${ROUNDS:-3}"); do
  read -r cr cp cb ce <<<"$(run "cached_$k" "$CACHED" "$OUT/z10.txt")"
  read -r hr hp hb he <<<"$(run "ceiling_$k" http://127.0.0.1:58091 "$OUT/ceiling.txt")"
  is_num "$cr" && is_num "$hr" && pairs+="$(echo "$cr / $hr" | bc -l) $cr $cp $cb $ce $hr $hp $hb $he"$'\n'
done
read -r _ cr cp cb ce hr hp hb he <<<"$(printf '%s' "$pairs" | sort -g | awk '{a[NR] = $0} END {if (NR) print a[int((NR + 1) / 2)]}')"
round_ratios=$(printf '%s' "$pairs" | awk '{printf "%s%.0f%%", (NR > 1 ? ", " : ""), 100 * $1}')
read -r gr gp gb ge <<<"$(run cached_gzip "$CACHED" "$OUT/z10.txt" -H 'Accept-Encoding: gzip')"

# The static MBTiles peer. It serves what GDAL's MVT writer built (tileserver.sh builds
# that once per dataset); the writer is timed below, in this run.
TS=$(bash $PEERS/tileserver.sh "$SHARED" townships 2>"$OUT/tileserver.log" | tail -1) || TS=
if [ -n "$TS" ]; then
  awk '$1 == 10 {print "/data/townships/" $1 "/" $2 "/" $3 ".pbf"}' "$OUT/tiles.txt" >"$OUT/ts_z10.txt"
  read -r tr tp tb te <<<"$(run tileserver "$TS" "$OUT/ts_z10.txt" -H 'Accept-Encoding: gzip')"
else
  bench_fail "tileserver-gl-light did not start (see $OUT/tileserver.log)"
fi
mbtiles_count() { # FILE -> "tiles bytes"
  /usr/bin/python3 -c "import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute('SELECT count(*), sum(length(tile_data)) FROM tiles').fetchone())" "$1"
}
rm -f "$OUT/townships.mbtiles" "$OUT/gdal.mbtiles"
t0=$(date +%s.%N)
"$BUILD/civgis" tiles export --db "$FEAT/townships.sqlite" --tileset townships --minzoom 0 \
    --maxzoom 12 --mbtiles "$OUT/townships.mbtiles" --quiet || bench_fail "civgis tiles export failed"
t1=$(date +%s.%N)
ogr2ogr -f MBTILES "$OUT/gdal.mbtiles" "$SHARED" -nln townships -t_srs EPSG:3857 \
    -dsco MINZOOM=0 -dsco MAXZOOM=12 -dsco NAME=townships -dsco TYPE=overlay 2>"$OUT/gdal.log" ||
  bench_fail "GDAL's MVT writer failed (see $OUT/gdal.log)"
t2=$(date +%s.%N)
export_s=$(echo "$t1 - $t0" | bc -l)
gdal_s=$(echo "$t2 - $t1" | bc -l)
read -r export_n export_b <<<"$(mbtiles_count "$OUT/townships.mbtiles" 2>/dev/null || echo "- -")"
read -r gdal_n gdal_b <<<"$(mbtiles_count "$OUT/gdal.mbtiles" 2>/dev/null || echo "- -")"
rm -f "$OUT/townships.mbtiles" "$OUT/gdal.mbtiles"

echo "## Vector tiles: civgis vs PostGIS $("${PSQL[@]}" -tAc 'SELECT postgis_lib_version()' 2>/dev/null) ST_AsMVT ($(nproc) cores)"
echo
echo "Uncached, 200 tiles each, warm: PostGIS's SQL time in one backend against civgis's render"
echo "time (its Server-Timing header), both without transport; then civgis over HTTP (one"
echo "keep-alive connection, client time included). Two PostGIS legs:"
echo
echo "- **simplified, equal work** (the headline ratio): Douglas-Peucker at civgis's tolerance,"
echo "  half a pixel (ST_Simplify, collapsed rings dropped), polygons under a pixel each way left"
echo "  out, then the same ST_AsMVTGeom (bench/postgis_tile_simplified.sql.in);"
echo "- **as shipped, unequal work**: the peers' function without simplification"
echo "  (../shared/peers/postgis_tile.sql.in), which sends about twice civgis's bytes."
echo
echo "Bytes: the mean size of a non-empty tile on each side (uncompressed; the attributes differ"
echo "a little: civgis adds id and valid_from, PostGIS the seat coordinates). Sums over the same"
echo "tiles on every side: a tile civgis's 500 KB size guard coarsened (X-Tile-Simplified) is"
echo "left out of them, since civgis did less work there, and listed below."
echo
echo "| tiles | summed | civgis render total / p99 ms | civgis B/tile | PostGIS simplified total / p99 ms | B/tile | ratio, equal work | PostGIS unsimplified total / p99 ms | B/tile | ratio, unequal work | civgis over HTTP, total ms | ratio over HTTP (vs simplified) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
if [ -n "$guards" ]; then
  echo "Tiles civgis's size guard coarsened (left out of the sums above; civgis checked to hold"
  echo "only features PostGIS has):"
  echo
  echo "| tiles | tile | civgis bytes | civgis ms | PostGIS simplified bytes | ms | PostGIS unsimplified bytes | ms |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s' "$guards"
  echo
fi
echo "Same features: both sides' tiles decoded (bench/tile_compare.py), features matched by code"
echo "per tile and layer; a feature on one side only must be below a pixel or a sliver at the"
echo "buffered tile's edge (counted), and the rings of every common feature within twice the"
echo "tolerance plus rounding (the widest gap between the outlines, tile units, leaving out the"
echo "band along the buffered tile's edge and specks under a square pixel). Figures: against"
echo "simplified / unsimplified PostGIS."
echo
echo "| tiles | features civgis | features PostGIS | one side only, explained | widest gap | mismatches |"
echo "|---|---|---|---|---|---|"
printf '%s' "$checks"
echo
printf 'civgis reads a layer once per data version before its first tile (Web Mercator, shared-border ranks, R-tree): %s ms for the townships, %s ms for the 40,000 polygons.\n' \
  "$prep_t" "$prep_b"
echo
echo "| cached z10 tiles, wrk -c16 | req/s | p99 ms | bytes | errors |"
echo "|---|---|---|---|---|"
[ -n "${tr:-}" ] && printf '| tileserver-gl-light, static MBTiles, gzip | %s | %s | %s | %s |\n' "$tr" "$tp" "$tb" "$te"
printf '| civgis, tile cache | %s | %s | %s | %s |\n' "$cr" "$cp" "$cb" "$ce"
printf '| civgis, tile cache, gzip (as browsers ask; made once per tile) | %s | %s | %s | %s |\n' "$gr" "$gp" "$gb" "$ge"
printf '| bare libmicrohttpd, fixed 2 KB body (the ceiling) | %s | %s | %s | %s |\n' "$hr" "$hp" "$hb" "$he"
echo
bench_ratio tiles.cached_of_ceiling "$cr" "$hr" "civgis cached tile req/s / ceiling req/s"
bench_ratio tiles.cached_gzip_vs_tileserver "$gr" "${tr:-}" "civgis cached gzip req/s / tileserver-gl-light req/s"
if is_num "$cr" && is_num "$hr"; then
  printf 'civgis cached = %.0f%% of the ceiling (the median of %s rounds: %s)' \
    "$(echo "100 * $cr / $hr" | bc -l)" "${ROUNDS:-3}" "$round_ratios"
else
  bench_fail "no cached-tile figure (civgis '$cr', ceiling '$hr')"
fi
[ -n "${tr:-}" ] && printf '; with gzip %s tileserver-gl-light' "$(ratio "$gr" "$tr" "cached gzip vs tileserver-gl-light")"
echo .
echo
bench_ratio tiles.export_vs_gdal "$gdal_s" "$export_s" "GDAL MVT writer s / civgis tiles export s"
printf 'MBTiles z0-12 of the townships, both timed in this run: civgis tiles export %.2f s (%s tiles, %s bytes), GDAL MVT writer %.2f s (%s tiles, %s bytes gzipped) = %s.\n' \
  "$export_s" "$export_n" "$export_b" "$gdal_s" "$gdal_n" "$gdal_b" "$(ratio "$gdal_s" "$export_s" "MBTiles export vs GDAL")"
bench_done
