#!/usr/bin/env bash
# One-off conversion of the bureau's reference data (../shared/data/yanan) into the
# shapefiles and CSV tables the project ships in data/shapefiles/. Run by hand when the
# reference data changes; neither the build nor the tests run it. Coordinates are copied
# unchanged (they are GCJ-02, see data/README.md); the import converts them.
set -euo pipefail
src=${1:-../../shared/data/yanan}
out=$(cd "$(dirname "$0")" && pwd)/shapefiles
rm -rf "$out" && mkdir -p "$out"
pop="$src/population_2020.csv"
lco=(-lco ENCODING=UTF-8 -lco SPATIAL_INDEX=NO)

# The city outline is the union of its counties, so the division tree is topologically
# exact (DataV's own city polygon differs from that union by ~0.5%; see data/README.md).
# City and counties carry the 2020 census resident population, joined by code.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ogr2ogr -f GeoJSON "$tmp/union.geojson" "$src/counties.geojson" -dialect sqlite -nln city_union \
  -sql "SELECT '610600' AS adcode, ST_Union(geometry) AS geometry FROM yanan_counties"
ogr2ogr "${lco[@]}" -nlt MULTIPOLYGON "$out/city.shp" "$tmp/union.geojson" -nln city \
  -sql "SELECT u.adcode AS code, c.name AS name, '610000' AS parent, \
        CAST(p.population_2020 AS integer) AS pop2020, c.center_lon AS seat_lon, \
        c.center_lat AS seat_lat FROM city_union u \
        LEFT JOIN '$src/city.geojson'.yanan_city c ON u.adcode = c.adcode \
        LEFT JOIN '$pop'.population_2020 p ON u.adcode = p.code"
ogr2ogr "${lco[@]}" -nlt MULTIPOLYGON "$out/counties.shp" "$src/counties.geojson" -nln counties \
  -sql "SELECT c.adcode AS code, c.name AS name, c.parent_adcode AS parent, \
        CAST(p.population_2020 AS integer) AS pop2020, c.center_lon AS seat_lon, \
        c.center_lat AS seat_lat FROM yanan_counties c \
        LEFT JOIN '$pop'.population_2020 p ON c.adcode = p.code"
ogr2ogr "${lco[@]}" -nlt MULTIPOLYGON "$out/townships.shp" "$src/synthetic/townships.geojson" \
  -nln townships -sql "SELECT code, name, parent_code AS parent, kind, seat_lon, seat_lat, \
        CAST(synthetic AS integer) AS synthetic FROM townships"
ogr2ogr "${lco[@]}" "$out/villages.shp" "$src/synthetic/villages.geojson" -nln villages \
  -sql "SELECT code, name, parent_code AS parent, kind, population AS pop, \
        elderly_60plus AS elderly60, poor_households AS poor_hh, poor_people AS poor_ppl, \
        assisted_households AS assist_hh, CAST(synthetic AS integer) AS synthetic FROM villages"
ogr2ogr "${lco[@]}" "$out/facilities.shp" "$src/synthetic/facilities.geojson" -nln facilities \
  -sql "SELECT id, kind, name, status, capacity, division_code AS division, \
        CAST(synthetic AS integer) AS synthetic FROM facilities"
cp "$src/admin_codes_2021.csv" "$src/population_2020.csv" "$out/"
