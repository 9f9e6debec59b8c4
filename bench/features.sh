#!/usr/bin/env bash
# OGC API - Features: civgis against MapServer 8 (../shared/peers) on the same data, in
# one run, with wrk on loopback; plus the bare HTTP ceiling (bench_ceiling) for the
# ETag/304 case. Prints a Markdown table with ratios; raw wrk output in $OUT.
#   bench/features.sh [BUILD_DIR]     (DURATION=10s CONNS=16 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEERS=../shared/peers
SHARED=../shared/data/yanan/synthetic/townships.geojson
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
OUT=${OUT:-var/bench/features}
DURATION=${DURATION:-10s} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# The same data in both servers: civgis imports the peers' files unchanged (no GCJ-02
# step), townships as divisions, the 40,000-polygon layer as places.
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
if [ ! -f "$OUT/townships.sqlite" ]; then
  "$BUILD/civgis" import --db "$OUT/townships.sqlite" --target divisions \
      --map parent_code=parent_code --valid-from 2021-10-31 "$SHARED" >/dev/null
fi
if [ ! -f "$OUT/big.sqlite" ]; then
  start=$(date +%s.%N)
  "$BUILD/civgis" import --db "$OUT/big.sqlite" --target places --map category=kind "$BIG" >/dev/null
  echo "import of 40,000 polygons: $(echo "$(date +%s.%N) - $start" | bc) s" >"$OUT/import.txt"
fi
bash $PEERS/mapserver.sh "$SHARED" >/dev/null 2>&1
bash $PEERS/mapserver.sh "$BIG" >/dev/null 2>&1

serve() { # DB -> prints the base URL of a civgis serve started in the background
  "$BUILD/civgis" serve --db "$1" --port 0 --threads "$THREADS" --quiet >"$OUT/serve.$2" &
  echo $! >>"$OUT/pids"
  for _ in $(seq 50); do grep -q listening "$OUT/serve.$2" && break; sleep 0.1; done
  sed -E 's/listening on (.*)\//\1/' "$OUT/serve.$2"
}
: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT
CT=$(serve "$OUT/townships.sqlite" town)
CB=$(serve "$OUT/big.sqlite" big)
"$BUILD/bench_ceiling" 58090 "$THREADS" >/dev/null & echo $! >>"$OUT/pids"
MS=http://127.0.0.1:58080/mapserv/peer/ogcapi

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

run() { # NAME BASE LIST [wrk args] -> "rps p99" (after a 2 s warm-up)
  wrk -t2 -c"$CONNS" -d2s -s $PEERS/rotate.lua "${@:4}" "$2" -- "$3" >/dev/null 2>&1 || true
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s $PEERS/rotate.lua "${@:4}" "$2" -- "$3" >"$OUT/wrk_$1.txt" 2>&1 || true
  sed -nE 's/^RESULT.*rps=([0-9.]+).*p99_ms=([0-9.]+).*bytes_per_req=([0-9]+).*errors=([0-9]+) non2xx=([0-9]+).*/\1 \2 \3 \4 \5/p' "$OUT/wrk_$1.txt"
}

# The repeated request: one items page, asked again with its ETag.
ETAG=$(curl -s -D - -o /dev/null "$CT/collections/townships/items?limit=100" | sed -n 's/^ETag: //Ip' | tr -d '\r')
printf '/collections/townships/items?limit=100\n' >"$OUT/cg_304.txt"

row() { # LABEL PEER_RESULT CIVGIS_RESULT
  read -r pr pp pb pe pn <<<"$2"; read -r cr cp cb ce cn <<<"$3"
  printf '| %s | %s | %s | %s | %s | %.1fx | %s / %s |\n' "$1" "$pr" "$pp" "$cr" "$cp" \
    "$(echo "$cr / $pr" | bc -l)" "$((pe + pn))" "$((ce + cn))"
}
echo "## OGC API - Features: civgis vs MapServer $(mapserv -v | sed -n 's/^MapServer version \([^ ]*\).*/\1/p') (wrk -t2 -c$CONNS -d$DURATION, $(nproc) cores shared)"
echo
echo "| case | MapServer req/s | p99 ms | civgis req/s | p99 ms | ratio | errors MS / civgis |"
echo "|---|---|---|---|---|---|---|"
row "bbox + limit=100, 117 townships" "$(run ms_town100 http://127.0.0.1:58080 "$OUT/ms_town100.txt")" "$(run cg_town100 "$CT" "$OUT/cg_town100.txt")"
row "bbox + limit=100, 40,000 polygons" "$(run ms_big100 http://127.0.0.1:58080 "$OUT/ms_big100.txt")" "$(run cg_big100 "$CB" "$OUT/cg_big100.txt")"
row "bbox + limit=1000, 40,000 polygons" "$(run ms_big1000 http://127.0.0.1:58080 "$OUT/ms_big1000.txt")" "$(run cg_big1000 "$CB" "$OUT/cg_big1000.txt")"
echo
read -r cr cp _ <<<"$(run ceiling http://127.0.0.1:58090 "$OUT/ceiling.txt")"
read -r er ep _ _ _ <<<"$(run cg_304 "$CT" "$OUT/cg_304.txt" -H "If-None-Match: $ETAG")"
printf 'Repeated request answered 304 by ETag: %s req/s (p99 %s ms) = %.0f%% of the bare libmicrohttpd ceiling (%s req/s, fixed 2 KB body, same thread pool).\n' \
  "$er" "$ep" "$(echo "100 * $er / $cr" | bc -l)" "$cr"
echo
# Same answers: the features each server returns for the first boxes.
same=0; total=0
while read -r box; do
  m=$(curl -s "$MS/collections/townships/items?f=json&limit=100&bbox=$box" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["features"]))')
  c=$(curl -s "$CT/collections/townships/items?limit=100&bbox=$box" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["features"]))')
  total=$((total + 1)); [ "$m" = "$c" ] && same=$((same + 1))
done < <(head -20 "$OUT/town_small.txt")
echo "Same feature counts for $same of $total bbox requests on the townships."
cat "$OUT/import.txt" 2>/dev/null || true
