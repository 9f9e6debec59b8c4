#!/usr/bin/python3
"""The 40,000-polygon layer of bench/tiles.sh and bench/features.sh (../shared/peers/
gen_polygons.py) as divisions for the coverage check: its townships under valid county
codes (the generator names 8 x 8 blocks 61JJII, some of which read as city codes), and a
county polygon for each block, the union of its townships (SpatiaLite's ST_Union), so
the check has parents to compare their children with.

  division_big.py GENERATED.geojson TOWNSHIPS_OUT.geojson COUNTIES_OUT.geojson
"""
import json
import sqlite3
import sys


def main():
    src, towns_out, counties_out = sys.argv[1:4]
    doc = json.load(open(src, encoding="utf-8"))
    blocks = sorted({f["properties"]["parent_code"] for f in doc["features"]})
    county = {old: "61%02d%02d" % (k // 99 + 1, k % 99 + 1) for k, old in enumerate(blocks)}
    for f in doc["features"]:
        p = f["properties"]
        c = county[p["parent_code"]]
        p["code"] = c + p["code"][6:9] + "000"
        p["parent_code"] = c + "000000"
    with open(towns_out, "w", encoding="utf-8") as out:
        json.dump(doc, out, ensure_ascii=False, separators=(",", ":"))
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    con.execute("CREATE TABLE t (county TEXT, g BLOB)")
    con.executemany("INSERT INTO t VALUES (?, GeomFromGeoJSON(?))",
                    ((f["properties"]["parent_code"], json.dumps(f["geometry"]))
                     for f in doc["features"]))
    counties = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(g),
         "properties": {"code": c, "name": "Synthetic county " + c[:6], "synthetic": True}}
        for c, g in con.execute("SELECT county, AsGeoJSON(CastToMultiPolygon(ST_Union(g)), 9) "
                                "FROM t GROUP BY county ORDER BY county")]}
    with open(counties_out, "w", encoding="utf-8") as out:
        json.dump(counties, out, separators=(",", ":"))
    print(f"{len(doc['features'])} townships in {len(counties['features'])} counties",
          file=sys.stderr)


if __name__ == "__main__":
    main()
