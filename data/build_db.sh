#!/usr/bin/env bash
# `make data`: builds DB from the shipped data (data/load.sh) into a temporary file and
# moves it into place, but never over a database that holds changes made after the
# shipped import (scenarios, plan runs, edits: audit rows by anyone but make-data).
# Such a file is refused with a message, or with REBUILD=1 kept aside as DB.kept-TIME.
#   data/build_db.sh CIVGIS_BINARY DB_FILE LOG_FILE
set -euo pipefail
civgis=$1
db=$2
log=$3

if [ -e "$db" ]; then
    if ! n=$("$civgis" audit --db "$db" --not-user make-data --count 2>>"$log"); then
        echo "cannot read the audit log of $db (see $log); not rebuilding it." >&2
        echo "Move it away to rebuild it from the shipped data." >&2
        exit 1
    fi
    if [ "$n" != 0 ]; then
        if [ "${REBUILD:-0}" != 1 ]; then
            cat >&2 <<MSG
$db has $n audit rows of changes made after the shipped import (scenarios, plan runs, edits;
'$civgis audit --db $db --not-user make-data' lists them), and the shipped data
or its loader changed since it was built. Not rebuilding it: nothing is lost.
  - to serve it as it is:       $civgis serve --db $db
  - to rebuild it and keep it:  make data REBUILD=1   (the old file stays as $db.kept-TIME)
MSG
            exit 1
        fi
        kept="$db.kept-$(date +%Y%m%d-%H%M%S)"
        # The -wal file holds committed pages the main file may not have yet: it moves too.
        for s in "" -wal -shm; do
            if [ -e "$db$s" ]; then mv "$db$s" "$kept$s"; fi
        done
        echo "kept the old database as $kept"
    fi
fi
rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
echo "loading the shipped Yan'an data into $db (log: $log) ..."
if ! "$(dirname "$0")/load.sh" "$civgis" "$db.tmp" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "loading the shipped data failed; see $log" >&2
    rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
    exit 1
fi
mv "$db.tmp" "$db"
rm -f "$db-wal" "$db-shm"
