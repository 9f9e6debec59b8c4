#!/usr/bin/env bash
# Gazetteer search latency (issue 16): p50/p99 of 1,000 mixed queries (bench/search_bench.py:
# whole names, specific parts, Hanzi prefixes and 1-3 character substrings, pinyin with
# and without tones, pinyin prefixes, initials, code prefixes) over GET /search, one
# keep-alive client, on the Yan'an gazetteer (the shipped data, `make data`) and on a
# synthetic national gazetteer of NATIONAL names (bench/gen_gazetteer.py, imported as
# places). Aims: p99 < 5 ms on Yan'an, < 20 ms nationally. Prints a Markdown table.
#   bench/search.sh [BUILD_DIR]       (NATIONAL=700000 QUERIES=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/search}
NATIONAL=${NATIONAL:-700000}
QUERIES=${QUERIES:-1000}
mkdir -p "$OUT"

if [ ! -f "$OUT/yanan.sqlite" ]; then
  data/load.sh "$BUILD/civgis" "$OUT/yanan.sqlite" >"$OUT/yanan.log" 2>&1
fi
if [ ! -f "$OUT/national-$NATIONAL.sqlite" ]; then
  /usr/bin/python3 bench/gen_gazetteer.py "$OUT/national-$NATIONAL.csv" "$NATIONAL"
  start=$(date +%s.%N)
  "$BUILD/civgis" import --db "$OUT/national-$NATIONAL.tmp" --target places \
      --s-crs EPSG:4326 "$OUT/national-$NATIONAL.csv" >"$OUT/national.log" 2>&1
  mv "$OUT/national-$NATIONAL.tmp" "$OUT/national-$NATIONAL.sqlite"
  echo "$(date +%s.%N) - $start" | bc >"$OUT/national-$NATIONAL.import-s"
fi

serve() { # DB NAME -> the base URL of a civgis serve started in the background
  rm -f "$OUT/access.$2"
  "$BUILD/civgis" serve --db "$1" --port 0 --threads 2 --log "$OUT/access.$2" >"$OUT/serve.$2" &
  echo $! >>"$OUT/pids"
  for _ in $(seq 100); do grep -q listening "$OUT/serve.$2" && break; sleep 0.1; done
  sed -nE 's/^listening on (.*)\/$/\1/p' "$OUT/serve.$2" | head -1
}
: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT

row() { # LABEL DB NAME AIM  (serve NAME is $3)
  local base
  /usr/bin/python3 bench/search_bench.py queries "$2" "$OUT/$3.queries" "$QUERIES" 16 \
      "$BUILD/civgis"
  base=$(serve "$2" "$3")
  /usr/bin/python3 bench/search_bench.py run "$base" "$OUT/$3.queries" >"$OUT/$3.json"
  /usr/bin/python3 - "$1" "$OUT/$3.json" "$4" "$OUT/access.$3" "$QUERIES" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[2]))
a = r["all"]
worst = max(r["kinds"].items(), key=lambda kv: kv[1]["p99"])
# The server's own time per request (its access log), the timed pass only.
ms = [float(m) for m in re.findall(r'path="/search"(?: query="[^"]*")? status=200 ms=([0-9.]+)',
                                   open(sys.argv[4], encoding="utf-8").read())]
ms = sorted(ms[-int(sys.argv[5]):])
p = lambda q: ms[min(len(ms) - 1, int(round(q * (len(ms) - 1))))]
print(f"| {sys.argv[1]} | {a['n']} | {a['p50']:.2f} | {a['p99']:.2f} | {a['max']:.1f} | "
      f"{p(0.5):.2f} / {p(0.99):.2f} | {sys.argv[3]} | {worst[0]} ({worst[1]['p99']:.2f}) | "
      f"{r['with_results']} |")
PY
}

names() { /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  \"SELECT count(*) FROM search_entries\").fetchone()[0])" "$1"; }
echo "## Gazetteer search (GET /search, limit 10, one keep-alive client, ms)"
echo
echo "| gazetteer | queries | p50 | p99 | max | server p50 / p99 | aim p99 | slowest kind (p99) |" \
     "with results |"
echo "|---|---|---|---|---|---|---|---|---|"
row "Yan'an ($(names "$OUT/yanan.sqlite") names)" "$OUT/yanan.sqlite" yanan "< 5"
row "national synthetic ($(names "$OUT/national-$NATIONAL.sqlite") names)" \
    "$OUT/national-$NATIONAL.sqlite" national "< 20"
echo
echo "Import of the $NATIONAL synthetic names with their index:" \
     "$(cat "$OUT/national-$NATIONAL.import-s") s. Per-kind figures: $OUT/*.json."
