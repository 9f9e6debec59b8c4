#!/usr/bin/env bash
# Site selection: civgis against PySAL spopt + CBC (the peer in ../shared/peers, run by
# bench/spopt_peer.py) and the GLPK exact path, on the instances with known optima in
# ../shared/data/bench (OR-Library p-median and p-center, Swain and Sao Jose dos Campos
# MCLP, Maximo et al.'s city-scale MCLP) and the Yan'an 380-site MCLP, in one run.
# Against spopt: civgis --exact against CBC's proven solve, solve time against model+solve
# time beside whole-process time, the headline over instances both proved (see
# bench/site_bench.py). Fails when two proven answers differ or a side crashes.
#   bench/site.sh [BUILD_DIR]
# SPOPT_GIT: a git directory of pysal/spopt (e.g. from the tool library's fetch); without
# it (and no earlier setup), or with SPOPT=0, the peer is skipped and the report says so.
# SPOPT_PMED / SPOPT_PCENTER: the pmed instances given to spopt (default 1-5 and 1: spopt
# needs ~3 s for pmed1 and ~200 s for pmed6 as a p-median, ~46 s for pmed1 as a p-center).
# SPOPT_TIME_LIMIT: CBC's limit per instance (600 s); an instance it does not prove is
# listed, not counted. SITE_PARTS: a comma list of yanan,pmedian,pmedian_exact,pcenter,
# mclp,maximo (default all), while developing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/site}
DATA=${DATA:-../shared/data/bench}
mkdir -p "$OUT"
if [ -z "${BENCH_RATIOS:-}" ]; then
  BENCH_RATIOS=$OUT/ratios.tsv
  : >"$BENCH_RATIOS"
fi
[ -f var/yanan.sqlite ] || make --no-print-directory data >/dev/null
SPOPT_ROOT=${SPOPT_ROOT:-/tmp/peers/spopt}
if [ "${SPOPT:-1}" != 0 ] && [ ! -d "$SPOPT_ROOT/spopt/locate" ]; then
  if [ -n "${SPOPT_GIT:-}" ]; then
    bash ../shared/peers/spopt_setup.sh "$SPOPT_GIT" "$SPOPT_ROOT" >/dev/null
  else
    echo "(spopt not set up: set SPOPT_GIT to a pysal/spopt git directory; peer skipped)" >&2
    SPOPT=0
  fi
fi
exec /usr/bin/python3 bench/site_bench.py --bin "$BUILD/civgis" --data "$DATA" --out "$OUT" \
  --db var/yanan.sqlite --spopt "${SPOPT:-1}" --spopt-root "$SPOPT_ROOT" \
  --spopt-pmed "${SPOPT_PMED:-1,2,3,4,5}" --spopt-pcenter "${SPOPT_PCENTER:-1}" \
  --spopt-time-limit "${SPOPT_TIME_LIMIT:-600}" \
  --parts "${SITE_PARTS:-yanan,pmedian,pmedian_exact,pcenter,mclp,maximo}" --ratios "$BENCH_RATIOS"
