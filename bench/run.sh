#!/usr/bin/env bash
# make bench: every side-by-side benchmark, one after another; report on stdout and in
# var/bench/report.md. Each script fails when the two sides' answers differ or a peer
# gives no figure; the others still run, and this exits 1 at the end, naming them.
# The ratios go to var/bench/ratios.json and are compared with bench/baseline.json
# (a fall of more than 20% is flagged; BENCH_FAIL_ON_REGRESSION=1 makes it fail the
# run). BENCH_UPDATE_BASELINE=1 writes this run's ratios to bench/baseline.json, to be
# committed on purpose; with BENCH_PARTS (a comma list of the scripts' names, as
# BENCH_PARTS=features,tiles) only those run, and the baseline keeps the other ratios.
#   bench/run.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
mkdir -p var/bench
export BENCH_RATIOS=$PWD/var/bench/ratios.tsv
: >"$BENCH_RATIOS"
: >var/bench/failed.txt
: >var/bench/regressed.txt
{
  echo "# civgis benchmarks - $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null)"
  for s in features coverage tiles site search edit edit_visible division; do
    case ",${BENCH_PARTS:-$s}," in *",$s,"*) ;; *) continue ;; esac
    echo
    bash "bench/$s.sh" "$BUILD" || echo "bench/$s.sh" >>var/bench/failed.txt
  done
  echo
  echo "## Ratios"
  echo
  /usr/bin/python3 bench/ratios.py "$BENCH_RATIOS" var/bench/ratios.json bench/baseline.json \
    ${BENCH_UPDATE_BASELINE:+--update} ||
    if [ $? = 3 ]; then echo regressed >>var/bench/regressed.txt; else echo bench/ratios.py >>var/bench/failed.txt; fi
  if [ -s var/bench/failed.txt ]; then
    echo
    echo "**FAILED**: $(paste -sd' ' var/bench/failed.txt) (see their FAILED lines above)."
  fi
} | tee var/bench/report.md
[ ! -s var/bench/failed.txt ] || exit 1
[ -z "${BENCH_FAIL_ON_REGRESSION:-}" ] || [ ! -s var/bench/regressed.txt ] || exit 1
