#!/usr/bin/env bash
# OGC API - Features: civgis against MapServer 8 (../shared/peers) on the same data, in
# one run, with wrk on loopback; plus the bare HTTP ceiling (bench_ceiling) for the
# ETag/304 case, answering a header-only 304 the same way. Every row shows what each
# side sent (bytes per answer) and its errors; every timed request list is then asked
# of both servers and the features of each answer compared (bench/items_compare.py):
# a difference fails the run, as does a row with errors. Prints a Markdown table with
# ratios; raw wrk output in $OUT.
#   bench/features.sh [BUILD_DIR]     (DURATION=10s CONNS=16 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEERS=../shared/peers
SHARED=../shared/data/yanan/synthetic/townships.geojson
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
OUT=${OUT:-var/bench/features}
DURATION=${DURATION:-10s} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
. bench/lib.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# The same data in both servers: civgis imports the peers' files unchanged (no GCJ-02
# step), townships as divisions, the 40,000-polygon layer as places.
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
if [ ! -f "$OUT/townships.sqlite" ]; then
  "$BUILD/civgis" import --db "$OUT/townships.sqlite" --target divisions \
      --map parent_code=parent_code --valid-from 2021-10-31 "$SHARED" >/dev/null
fi
if [ ! -f "$OUT/big.sqlite" ]; then
  "$BUILD/civgis" import --db "$OUT/big.sqlite" --target places --map category=kind "$BIG" >/dev/null
fi
bash $PEERS/mapserver.sh "$SHARED" >/dev/null 2>&1 || bench_fail "MapServer did not start on the townships"
bash $PEERS/mapserver.sh "$BIG" >/dev/null 2>&1 || bench_fail "MapServer did not start on the 40,000 polygons"

serve() { # DB -> prints the base URL of a civgis serve started in the background
  rm -f "$OUT/serve.$2" # not an earlier run's address: the wait below reads it
  "$BUILD/civgis" serve --db "$1" --port 0 --threads "$THREADS" --quiet >"$OUT/serve.$2" &
  echo $! >>"$OUT/pids"
  for _ in $(seq 50); do grep -q listening "$OUT/serve.$2" && break; sleep 0.1; done
  sed -nE 's/^listening on (.*)\/$/\1/p' "$OUT/serve.$2" | head -1
}
: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT
CT=$(serve "$OUT/townships.sqlite" town)
CB=$(serve "$OUT/big.sqlite" big)
rm -f "$OUT/ceiling.out"
"$BUILD/bench_ceiling" 58090 "$THREADS" >"$OUT/ceiling.out" 2>&1 & echo $! >>"$OUT/pids"
for _ in $(seq 50); do grep -q listening "$OUT/ceiling.out" && break; sleep 0.1; done
grep -q listening "$OUT/ceiling.out" || bench_fail "the ceiling did not start: $(cat "$OUT/ceiling.out")"
MS=http://127.0.0.1:58080

lists() { # DATASET -> bbox lists (the peers' fixed lists)
  read -r a b c d <<<"$(ogrinfo -ro -so -al "$1" | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\)).*/\1 \2 \3 \4/p')"
  /usr/bin/python3 $PEERS/lists.py bboxes "$a" "$b" "$c" "$d" 100 0.1 >"$OUT/$2_small.txt"
  /usr/bin/python3 $PEERS/lists.py bboxes "$a" "$b" "$c" "$d" 100 0.3 >"$OUT/$2_large.txt"
}
lists "$SHARED" town
lists "$BIG" big
paths() { awk -v p="$1" -v s="$2" '{print p "?f=json&limit=" s "&bbox=" $0}' "$3"; }
paths /mapserv/peer/ogcapi/collections/townships/items 100 "$OUT/town_small.txt" >"$OUT/ms_town100.txt"
paths /collections/townships/items 100 "$OUT/town_small.txt" >"$OUT/cg_town100.txt"
paths /mapserv/peer/ogcapi/collections/synthetic_townships_40k/items 100 "$OUT/big_small.txt" >"$OUT/ms_big100.txt"
paths /collections/places/items 100 "$OUT/big_small.txt" >"$OUT/cg_big100.txt"
paths /mapserv/peer/ogcapi/collections/synthetic_townships_40k/items 1000 "$OUT/big_large.txt" >"$OUT/ms_big1000.txt"
paths /collections/places/items 1000 "$OUT/big_large.txt" >"$OUT/cg_big1000.txt"
echo "/" >"$OUT/ceiling.txt"

# wrk's own timeout is 2 s, less than a 1,000-feature page can take MapServer with 16
# connections on 2 busy cores: such an answer would count as a socket error, not as a
# slow answer. 30 s lets every answer count; a timeout then is a real failure.
run() { # NAME BASE LIST STATUS [wrk args] -> "rps p99 bytes_per_req errors unexpected_status"
  wrk -t2 -c"$CONNS" -d2s --timeout 30s -s bench/rotate.lua "${@:5}" "$2" -- "$3" "$4" >/dev/null 2>&1 || true
  wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s bench/rotate.lua "${@:5}" "$2" -- "$3" "$4" >"$OUT/wrk_$1.txt" 2>&1 || true
  local r
  r=$(sed -nE 's/^RESULT.*rps=([0-9.]+).*p99_ms=([0-9.]+).*bytes_per_req=([0-9]+).*errors=([0-9]+) non2xx=([0-9]+).*/\1 \2 \3 \4 \5/p' "$OUT/wrk_$1.txt")
  [ -n "$r" ] || { bench_fail "wrk gave no result for $1 (see $OUT/wrk_$1.txt)"; r="- - - - -"; }
  echo "$r"
}

# The repeated request: one items page, asked again with its ETag.
ETAG=$(curl -s -D - -o /dev/null "$CT/collections/townships/items?limit=100" | sed -n 's/^ETag: //Ip' | tr -d '\r')
printf '/collections/townships/items?limit=100\n' >"$OUT/cg_304.txt"

errs() { # NAME ERRORS UNEXPECTED -> "n" (and a failure when not 0)
  if ! is_num "$2" || ! is_num "$3"; then echo "-"; return; fi
  [ $(($2 + $3)) -eq 0 ] || bench_fail "$1: $2 socket errors and $3 answers with an unexpected status"
  echo $(($2 + $3))
}
# Same answers: every request of a timed list, asked of both servers, features compared.
answers() { # NAME MS_LIST MS_KEY CIVGIS_BASE CIVGIS_LIST CIVGIS_KEY -> "same/requests"
  local r
  r=$(/usr/bin/python3 bench/items_compare.py "$MS" "$2" "$3" "$4" "$5" "$6" "$OUT/answers_$1.txt") ||
    bench_fail "$1: MapServer and civgis answer differently ($(sed -n 's/.*mismatches=\([0-9]*\).*/\1/p' <<<"$r") of the requests; see $OUT/answers_$1.txt)"
  echo "$r" >"$OUT/answers_$1.summary"
  sed -nE 's/requests=([0-9]+) same=([0-9]+) features=([0-9]+).*/\2 of \1 (\3 features)/p' <<<"$r"
}
row() { # NAME LABEL PEER_RESULT CIVGIS_RESULT SAME
  read -r pr pp pb pe pn <<<"$3"; read -r cr cp cb ce cn <<<"$4"
  bench_ratio "features.$1" "$cr" "$pr" "$2: civgis req/s / MapServer req/s"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n' "$2" "$pr" "$pp" "$pb" "$cr" "$cp" "$cb" \
    "$(ratio "$cr" "$pr" "features $2")" "$(errs "MapServer, $2" "$pe" "$pn")" "$(errs "civgis, $2" "$ce" "$cn")" "$5"
}
ms_town=$(run ms_town100 "$MS" "$OUT/ms_town100.txt" "")
cg_town=$(run cg_town100 "$CT" "$OUT/cg_town100.txt" "")
ms_big=$(run ms_big100 "$MS" "$OUT/ms_big100.txt" "")
cg_big=$(run cg_big100 "$CB" "$OUT/cg_big100.txt" "")
ms_big1k=$(run ms_big1000 "$MS" "$OUT/ms_big1000.txt" "")
cg_big1k=$(run cg_big1000 "$CB" "$OUT/cg_big1000.txt" "")
read -r hr hp hb he hn <<<"$(run ceiling_304 http://127.0.0.1:58090 "$OUT/ceiling.txt" 304 -H "If-None-Match: $ETAG")"
read -r er ep eb ee en <<<"$(run cg_304 "$CT" "$OUT/cg_304.txt" 304 -H "If-None-Match: $ETAG")"
# The townships: MapServer's id is the source feature id, civgis's the division code.
same_town=$(answers town100 "$OUT/ms_town100.txt" properties.code "$CT" "$OUT/cg_town100.txt" id)
same_big=$(answers big100 "$OUT/ms_big100.txt" id "$CB" "$OUT/cg_big100.txt" id)
same_big1k=$(answers big1000 "$OUT/ms_big1000.txt" id "$CB" "$OUT/cg_big1000.txt" id)

echo "## OGC API - Features: civgis vs MapServer $(mapserv -v | sed -n 's/^MapServer version \([^ ]*\).*/\1/p') (wrk -t2 -c$CONNS -d$DURATION, $(nproc) cores shared)"
echo
echo "Each side over HTTP, end to end (wrk on loopback). Bytes: what each side sent per answer,"
echo "headers included (MapServer's shapefile cuts field names to 10 characters). Same answers:"
echo "every request of the timed list asked of both servers afterwards, feature ids compared."
echo
echo "| case | MapServer req/s | p99 ms | bytes | civgis req/s | p99 ms | bytes | ratio | errors MS / civgis | same answers |"
echo "|---|---|---|---|---|---|---|---|---|---|"
row town100 "bbox + limit=100, 117 townships" "$ms_town" "$cg_town" "$same_town"
row big100 "bbox + limit=100, 40,000 polygons" "$ms_big" "$cg_big" "$same_big"
row big1000 "bbox + limit=1000, 40,000 polygons" "$ms_big1k" "$cg_big1k" "$same_big1k"
echo
echo "| repeated request by ETag (If-None-Match), header-only 304 | req/s | p99 ms | bytes | errors |"
echo "|---|---|---|---|---|"
printf '| bare libmicrohttpd, header-only 304 (the ceiling) | %s | %s | %s | %s |\n' "$hr" "$hp" "$hb" "$(errs "ceiling 304" "$he" "$hn")"
printf '| civgis, items page by ETag | %s | %s | %s | %s |\n' "$er" "$ep" "$eb" "$(errs "civgis 304" "$ee" "$en")"
echo
bench_ratio features.304_of_ceiling "$er" "$hr" "civgis 304 req/s / ceiling 304 req/s"
if is_num "$er" && is_num "$hr"; then
  printf 'civgis 304 = %.0f%% of the ceiling (same thread pool, both answering 304 with no body).\n' "$(echo "100 * $er / $hr" | bc -l)"
else
  bench_fail "no 304 figure (civgis '$er', ceiling '$hr')"
fi
bench_done
