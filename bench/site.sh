#!/usr/bin/env bash
# Site selection: civgis against PySAL spopt + CBC (the peer in ../shared/peers) and the
# GLPK exact path, on the instances with known optima in ../shared/data/bench (OR-Library
# p-median and p-center, Swain and Sao Jose dos Campos MCLP) and the Yan'an 380-site MCLP,
# in one run. Objective against the optimum, certified gap, wall time, ratios.
#   bench/site.sh [BUILD_DIR]
# SPOPT_GIT: a git directory of pysal/spopt (e.g. from the tool library's fetch); without
# it, or with SPOPT=0, the peer is skipped. SPOPT_PMED: the pmed instances given to spopt
# (default 1-5: spopt needs ~3 s for pmed1 and ~200 s for pmed6, see the note).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${OUT:-var/bench/site}
DATA=${DATA:-../shared/data/bench}
mkdir -p "$OUT"
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
  --spopt-pmed "${SPOPT_PMED:-1,2,3,4,5}"
