#!/usr/bin/env bash
# Builds the demo database from data/shapefiles with the same `civgis import` commands a
# user would type (README.md shows them). Usage: data/load.sh CIVGIS_BINARY DB_FILE
# The shipped coordinates are GCJ-02 (DataV-derived, see data/README.md), so every layer
# is imported with --s-crs GCJ02 and stored as true WGS84.
set -euo pipefail
civgis=$1
db=$2
d=$(cd "$(dirname "$0")" && pwd)/shapefiles
common=(--db "$db" --s-crs GCJ02 --user make-data --reason "shipped Yan'an data")

# Divisions, top down, valid from the NBS 2021 code edition's reference date.
"$civgis" import "${common[@]}" --target divisions --valid-from 2021-10-31 \
    --map population=pop2020 "$d/city.shp" "$d/counties.shp"
"$civgis" import "${common[@]}" --target divisions --valid-from 2021-10-31 "$d/townships.shp"
"$civgis" import "${common[@]}" --target divisions --valid-from 2021-10-31 "$d/villages.shp"
# Demand points are the village/community seats with their population figures.
"$civgis" import "${common[@]}" --target demand --map division_code=parent "$d/villages.shp"
"$civgis" import "${common[@]}" --target facilities "$d/facilities.shp"
# Every name gets its pinyin from the dictionary (generated; the guessed ones are listed).
"$civgis" names fill --db "$db" --user make-data --reason "pinyin of the shipped names"
