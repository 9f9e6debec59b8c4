# shellcheck shell=bash
# Helpers the bench/*.sh scripts source: failures, ratios, numbers.
#   BENCH_RATIOS: where bench_ratio appends "key<TAB>value<TAB>what" (run.sh sets it;
#   by default $OUT/ratios.tsv). A script records each failure with bench_fail (into
#   $OUT/failures.txt, so that a failure inside $(...) counts too) and ends with
#   bench_done, which lists them and exits 1 if there was one.

mkdir -p "$OUT"
if [ -z "${BENCH_RATIOS:-}" ]; then
  BENCH_RATIOS=$OUT/ratios.tsv
  : >"$BENCH_RATIOS"
fi
BENCH_FAILURES=$OUT/failures.txt
: >"$BENCH_FAILURES"

bench_fail() { # MESSAGE
  echo "$*" >>"$BENCH_FAILURES"
  echo "bench: FAILED: $*" >&2
}

is_num() { [[ "${1:-}" =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$ ]]; }

# A / B with one decimal and an x, or "error" (and a failure) when either is missing or
# not a positive number: a peer that did not run gives no ratio.
ratio() { # A B WHAT
  if is_num "$1" && is_num "$2" && [ "$(echo "$1 > 0 && $2 > 0" | bc -l)" = 1 ]; then
    printf '%.1fx' "$(echo "$1 / $2" | bc -l)"
  else
    bench_fail "no ratio for $3: '$1' / '$2'"
    printf 'error'
  fi
}

# Records a ratio for var/bench/ratios.json (higher is better for civgis).
bench_ratio() { # KEY A B WHAT  (the ratio A / B)
  if is_num "$2" && is_num "$3" && [ "$(echo "$2 > 0 && $3 > 0" | bc -l)" = 1 ]; then
    printf '%s\t%.4f\t%s\n' "$1" "$(echo "$2 / $3" | bc -l)" "$4" >>"$BENCH_RATIOS"
  fi
}

bench_done() {
  if [ -s "$BENCH_FAILURES" ]; then
    echo
    echo "**FAILED** ($(wc -l <"$BENCH_FAILURES")):"
    sed 's/^/- /' "$BENCH_FAILURES"
    exit 1
  fi
}
