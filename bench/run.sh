#!/usr/bin/env bash
# make bench: every side-by-side benchmark, one after another; report on stdout and in
# var/bench/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/bench
{
  echo "# civgis benchmarks - $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo
  bash bench/features.sh "${1:-build}"
  echo
  bash bench/coverage.sh "${1:-build}"
  echo
  bash bench/tiles.sh "${1:-build}"
  echo
  bash bench/site.sh "${1:-build}"
  echo; bash bench/search.sh "${1:-build}"
} | tee var/bench/report.md
