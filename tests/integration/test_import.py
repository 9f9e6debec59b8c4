"""civgis import, end to end through the CLI on real SpatiaLite files: the shipped
Yan'an data, its invariants (counts, validity, containment, census totals, codes), and
every way an import must fail without changing anything."""
import csv
import json
import math
import os
import unittest

from civgis_test import (DATA, civgis, connect, copy_file, demo_db, run_client, schema_version,
                         scratch_dir, snapshot)


def ogr2ogr(*args):
    run_client("ogr2ogr", *args, timeout=120)


def write_geojson(path, features):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False)


def feature(props, geom):
    return {"type": "Feature", "properties": props, "geometry": geom}


def metres(lon1, lat1, lon2, lat2):
    dx = (lon1 - lon2) * math.cos(math.radians(lat1)) * 111320.0
    return math.hypot(dx, (lat1 - lat2) * 111320.0)


class ShippedData(unittest.TestCase):
    """The demo database that `make data` builds."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.con = connect(cls.db)

    @classmethod
    def tearDownClass(cls):
        cls.con.close()

    def q(self, sql, *args):
        return self.con.execute(sql, args).fetchall()

    def test_counts_per_level(self):
        rows = dict(self.q("SELECT level, count(*) FROM divisions WHERE valid_to IS NULL "
                           "GROUP BY level"))
        self.assertEqual(rows, {2: 1, 3: 13, 4: 117, 5: 1953})
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE level = 5 AND "
                                "seat IS NOT NULL AND geom IS NULL"), [(1953,)])
        self.assertEqual(self.q("SELECT count(*) FROM demand"), [(1953,)])
        self.assertEqual(self.q("SELECT count(*) FROM facilities"), [(217,)])

    def test_codes_equal_the_official_code_list(self):
        with open(os.path.join(DATA, "admin_codes_2021.csv"), encoding="utf-8") as f:
            official = {(r["code"], r["name"], int(r["level"])) for r in csv.DictReader(f)}
        stored = set(self.q("SELECT code, name, level FROM divisions WHERE valid_to IS NULL"))
        self.assertEqual(stored, official)

    def test_every_parent_exists_and_prefixes_agree(self):
        self.assertEqual(self.q(
            "SELECT count(*) FROM divisions d WHERE d.level > 2 AND NOT EXISTS "
            "(SELECT 1 FROM divisions p WHERE p.code = d.parent_code)"), [(0,)])
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE level > 3 AND "
                                "substr(code, 1, length(parent_code)) <> parent_code"), [(0,)])
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE level = 3 AND "
                                "parent_code <> substr(code, 1, 4) || '00'"), [(0,)])

    def test_every_geometry_is_valid(self):
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE geom IS NOT NULL AND "
                                "ST_IsValid(geom) <> 1"), [(0,)])
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE level < 5 AND "
                                "(geom IS NULL OR seat IS NULL)"), [(0,)])
        for table in ("demand", "facilities"):
            self.assertEqual(self.q(f"SELECT count(*) FROM {table} WHERE geom IS NULL OR "
                                    "ST_IsValid(geom) <> 1"), [(0,)])

    def test_villages_inside_their_township(self):
        self.assertEqual(self.q(
            "SELECT count(*) FROM divisions v JOIN divisions t ON t.code = v.parent_code "
            "WHERE v.level = 5 AND ST_Within(v.seat, t.geom) <> 1"), [(0,)])

    def test_townships_inside_their_county_and_counties_in_the_city(self):
        # Within 5 cm, measured in metres (UTM 49N), far inside the write path's 1 m rule.
        # The synthetic townships densify the county edges (a vertex every ~400 m) and
        # GCJ-02 -> WGS84 is not linear, so a county edge's image is a curve: the import
        # splits source edges to 0.005 degrees before transforming. Without that, 云岩镇's
        # vertices along a 4.4 km edge of 宜川县 ended up to 1.1 m outside the county's
        # straight chord, and the rule rejected it.
        for level in (4, 3):
            self.assertEqual(self.q(
                "SELECT c.code FROM divisions c JOIN divisions p ON p.code = c.parent_code "
                "WHERE c.level = ? AND NOT ST_Covers(ST_Buffer(ST_Transform(p.geom, 32649), "
                "0.05), ST_Transform(c.geom, 32649))", level), [])
        # And the seats of every level lie inside their own polygon.
        self.assertEqual(self.q("SELECT count(*) FROM divisions WHERE level < 5 AND "
                                "ST_Within(seat, geom) <> 1"), [(0,)])

    def test_county_populations_equal_the_2020_census(self):
        with open(os.path.join(DATA, "population_2020.csv"), encoding="utf-8") as f:
            census = {r["code"]: int(r["population_2020"]) for r in csv.DictReader(f)
                      if r["level"] in ("city", "county")}
        stored = dict(self.q("SELECT code, population FROM divisions WHERE level IN (2, 3)"))
        self.assertEqual(stored, census)
        # The synthetic villages split each county's census total exactly.
        sums = dict(self.q("SELECT substr(code, 1, 6), sum(population) FROM demand "
                           "GROUP BY 1"))
        self.assertEqual(sums, {c: p for c, p in census.items() if c != "610600"})

    def test_synthetic_parts_are_flagged(self):
        self.assertEqual(self.q("SELECT level, sum(is_synthetic) = count(*) FROM divisions "
                                "GROUP BY level ORDER BY level"),
                         [(2, 0), (3, 0), (4, 1), (5, 1)])
        self.assertEqual(self.q("SELECT sum(is_synthetic) FROM demand"), [(1953,)])
        self.assertEqual(self.q("SELECT sum(is_synthetic) FROM facilities"), [(217,)])

    def test_gcj02_was_converted_to_wgs84(self):
        # The stored seat of 宝塔区 differs from the shipped GCJ-02 seat by the GCJ-02
        # offset, a few hundred metres, and agrees with an independent conversion.
        (lon, lat), = self.q("SELECT X(seat), Y(seat) FROM divisions WHERE code = '610602'")
        gcj_lon, gcj_lat = 109.49069, 36.596291  # data/shapefiles/counties.shp
        self.assertTrue(100 < metres(lon, lat, gcj_lon, gcj_lat) < 1000)
        # Forward GCJ-02 of the stored point must give back the shipped one.
        self.assertLess(metres(*gcj02_forward(lon, lat), gcj_lon, gcj_lat), 0.01)

    def test_audit_names_each_import(self):
        rows = self.q("SELECT user, action, target, json_extract(after, '$.source') FROM audit "
                      "ORDER BY id")
        self.assertEqual([r[3] for r in rows[:-1]], ["city.shp", "counties.shp", "townships.shp",
                                                     "villages.shp", "villages.shp",
                                                     "facilities.shp"])
        self.assertTrue(all(r[0] == "make-data" and r[1] == "import" for r in rows[:-1]))
        # then the pinyin of every name (civgis names fill)
        self.assertEqual(rows[-1][:3], ("make-data", "names_fill", "divisions,places"))
        # Each import raised its table's version once at its commit (a batch of the write
        # path), then the fill raised divisions' once per row it updated (triggers).
        self.assertEqual(dict(self.q("SELECT name, version FROM store_versions")),
                         {"divisions": 3 + 2084, "demand": 1, "facilities": 1,
                          "places": 0, "scenarios": 0, "service_standards": 0,
                          "name_variants": 0})
        # The batch's audit rows list the features each wrote, by id.
        ids = [json.loads(a)["ids"] for a, in self.q("SELECT after FROM audit WHERE action = "
                                                     "'import' ORDER BY id")]
        self.assertEqual([len(i) for i in ids], [1, 13, 117, 1953, 1953, 217])
        self.assertEqual(ids[0], ["610600"])
        self.assertEqual(self.q("SELECT count(*) FROM store_meta WHERE key = 'batch'"), [(0,)])
        self.assertEqual(self.q("SELECT count(*) FROM store_meta WHERE key = 'data_version'"),
                         [(0,)])

    def test_spatial_indexes_and_wal(self):
        idx = {r[0] for r in self.q("SELECT f_table_name || '.' || f_geometry_column FROM "
                                    "geometry_columns WHERE spatial_index_enabled = 1")}
        self.assertEqual(idx, {"divisions.geom", "divisions.seat", "places.geom",
                               "facilities.geom", "demand.geom"})
        self.assertEqual(self.q("PRAGMA journal_mode"), [("wal",)])
        self.assertEqual(self.q("PRAGMA user_version"), [(schema_version(),)])


def gcj02_forward(lon, lat):
    """The published WGS84 -> GCJ-02 formula, written again here independently of C."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    s = (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlat = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + s
            + (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
            + (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3)
    dlon = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + s
            + (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
            + (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3)
    rad = math.radians(lat)
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


class FailedImportsChangeNothing(unittest.TestCase):
    """A rejected import leaves every row as it was."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("failed")
        cls.db = os.path.join(cls.dir, "t.sqlite")
        civgis("import", "--db", cls.db, "--target", "divisions", "--s-crs", "GCJ02",
               "--map", "population=pop2020", os.path.join(DATA, "city.shp"),
               os.path.join(DATA, "counties.shp"), check=0)
        civgis("import", "--db", cls.db, "--target", "divisions", "--s-crs", "GCJ02",
               os.path.join(DATA, "townships.shp"), check=0)

    def villages_with(self, name, change):
        """villages.shp as GeoJSON with one feature changed by change(props)."""
        path = os.path.join(self.dir, name)
        ogr2ogr("-f", "GeoJSON", path + ".tmp", os.path.join(DATA, "villages.shp"))
        with open(path + ".tmp", encoding="utf-8") as f:
            fc = json.load(f)
        change(fc["features"][100]["properties"])
        write_geojson(path, fc["features"])
        return path

    def assert_fails_unchanged(self, args, message):
        before = snapshot(self.db)
        p = civgis("import", "--db", self.db, *args)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(message, p.stderr)
        self.assertEqual(snapshot(self.db), before)
        return p

    def test_one_broken_code(self):
        path = self.villages_with("broken.geojson", lambda p: p.update(code="61060200X001"))
        p = self.assert_fails_unchanged(["--target", "divisions", "--s-crs", "GCJ02", path],
                                        "non-digit")
        self.assertIn("broken.geojson:101: rejected", p.stderr)
        self.assertIn("1 of 1953 features rejected; nothing was written", p.stderr)

    def test_parent_prefix_disagrees(self):
        path = self.villages_with("prefix.geojson", lambda p: p.update(parent="610603001"))
        self.assert_fails_unchanged(["--target", "divisions", "--s-crs", "GCJ02", path],
                                    "disagrees with code")

    def test_missing_parent(self):
        path = self.villages_with("orphan.geojson",
                                  lambda p: p.update(code="610602999001", parent="610602999"))
        self.assert_fails_unchanged(["--target", "divisions", "--s-crs", "GCJ02", path],
                                    "parent 610602999 of 610602999001 does not exist")

    def test_duplicate_within_import(self):
        path = self.villages_with("dup.geojson", lambda p: p.update(code="610602001001"))
        self.assert_fails_unchanged(["--target", "divisions", "--s-crs", "GCJ02", path],
                                    "610602001001 is a duplicate within this import")

    def test_duplicate_of_stored_division(self):
        self.assert_fails_unchanged(["--target", "divisions", "--s-crs", "GCJ02",
                                     os.path.join(DATA, "townships.shp")],
                                    "already exists in the store")

    def test_negative_population_is_rejected(self):
        path = self.villages_with("neg.geojson", lambda p: p.update(pop=-5))
        self.assert_fails_unchanged(["--target", "demand", "--s-crs", "GCJ02",
                                     "--map", "division_code=parent", path],
                                    "population: population may not be negative (-5)")

    def test_skip_rejected_writes_the_rest(self):
        path = self.villages_with("skip.geojson", lambda p: p.update(pop=-1))
        db = os.path.join(self.dir, "skip.sqlite")
        civgis("import", "--db", db, "--target", "demand", "--s-crs", "GCJ02",
               "--skip-rejected", "--json", path, check=0)
        con = connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM demand").fetchone(), (1952,))

    def test_dry_run_writes_nothing(self):
        before = snapshot(self.db)
        p = civgis("import", "--db", self.db, "--target", "divisions", "--s-crs", "GCJ02",
                   "--dry-run", "--json", os.path.join(DATA, "villages.shp"), check=0)
        self.assertEqual(json.loads(p.stdout)["written"], 1953)
        self.assertEqual(snapshot(self.db), before)
        missing = os.path.join(self.dir, "never.sqlite")
        civgis("import", "--db", missing, "--target", "facilities", "--dry-run",
               os.path.join(DATA, "facilities.shp"), check=0)
        self.assertFalse(os.path.exists(missing))


def square(lon, lat, half):
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


class WritePathRules(unittest.TestCase):
    """The write path's rules, checked per feature of an import against the store as the
    import leaves it: parents and siblings that arrive in the same import count."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("rules")
        cls.db = os.path.join(cls.dir, "r.sqlite")
        # The counties before the city in the command: parents are written first anyway.
        p = civgis("import", "--db", cls.db, "--target", "divisions", "--s-crs", "GCJ02",
                   "--map", "population=pop2020", os.path.join(DATA, "counties.shp"),
                   os.path.join(DATA, "city.shp"), check=0)
        assert "written 14" in p.stdout, p.stdout
        con = connect(cls.db)
        (cls.lon, cls.lat), = con.execute("SELECT X(seat), Y(seat) FROM divisions "
                                          "WHERE code = '610602'").fetchall()
        con.close()

    def versions(self):
        con = connect(self.db)
        rows = dict(con.execute("SELECT name, version FROM store_versions"))
        con.close()
        return rows

    def test_parents_first_whatever_the_order(self):
        con = connect(self.db)
        self.assertEqual(con.execute("SELECT json_extract(after, '$.source'), json_array_length("
                                     "after, '$.ids') FROM audit ORDER BY id").fetchall(),
                         [("city.shp", 1), ("counties.shp", 13)])
        self.assertEqual(self.versions()["divisions"], 1)

    def features(self):
        lon, lat = self.lon, self.lat
        return [
            # 0: a village listed before its township, inside it
            feature({"code": "610602901001", "name": "甲村"}, {"type": "Point",
                                                              "coordinates": [lon, lat]}),
            # 1: a new township of 宝塔区 around its seat
            feature({"code": "610602901", "name": "甲镇"}, square(lon, lat, 0.01)),
        ]

    def bad_features(self):
        lon, lat = self.lon, self.lat
        return self.features() + [
            # 2: overlaps township 1 of this same import
            feature({"code": "610602902", "name": "乙镇"}, square(lon + 0.015, lat, 0.01)),
            # 3: far outside its county
            feature({"code": "610602903", "name": "丙镇"}, square(lon + 3, lat, 0.01)),
            # 4: a village of township 1 lying outside it
            feature({"code": "610602901002", "name": "乙村"},
                    {"type": "Point", "coordinates": [lon + 0.05, lat]}),
            # 5: a code with a letter, and a negative population
            feature({"code": "61060290X", "name": "丁镇", "population": -3},
                    square(lon - 0.05, lat, 0.001)),
            # 7: a seat (seat_lon/seat_lat) outside its own township
            feature({"code": "610602904", "name": "戊镇", "seat_lon": lon + 1, "seat_lat": lat},
                    square(lon - 0.08, lat, 0.01)),
        ]

    def test_a_rejected_import_writes_nothing_and_lists_every_reason(self):
        src = os.path.join(self.dir, "bad.geojson")
        write_geojson(src, self.bad_features())
        before, versions = snapshot(self.db), self.versions()
        p = civgis("import", "--db", self.db, "--target", "divisions", "--json", src)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(snapshot(self.db), before)
        self.assertEqual(self.versions(), versions)
        problems = {(q["feature"], q["id"], q["property"], q["description"])
                    for q in json.loads(p.stdout)["problems"]}
        self.assertEqual(problems, {
            (3, "610602902", "geometry", "township 610602902 overlaps 610602901 by more than 1 m"),
            (4, "610602903", "geometry",
             "township 610602903 reaches more than 1 m outside its parent 610602"),
            (5, "610602901002", "geometry",
             "village 610602901002 reaches more than 1 m outside its parent 610602901"),
            (6, "61060290X", "code",
             "division code '61060290X' has a non-digit at position 9"),
            (6, "61060290X", "population", "population may not be negative (-3)"),
            (7, "610602904", "seat", "the seat lies more than 1 m outside the division"),
        })
        self.assertIn("bad.geojson:3: rejected: 610602902: geometry: township 610602902 overlaps",
                      p.stderr)
        self.assertIn("5 of 7 features rejected; nothing was written", p.stderr)

    def test_a_child_of_a_rejected_parent_is_rejected_too(self):
        # Even when its level has no other division: it is not a root of the store.
        src = os.path.join(self.dir, "orphans.geojson")
        lon, lat = self.lon + 3, self.lat
        write_geojson(src, [
            feature({"code": "610602903001", "name": "丙村"}, {"type": "Point",
                                                              "coordinates": [lon, lat]}),
            feature({"code": "610602903", "name": "丙镇"}, square(lon, lat, 0.01))])
        before = snapshot(self.db)
        p = civgis("import", "--db", self.db, "--target", "divisions", "--skip-rejected", src)
        self.assertIn("written 0, repaired 0, rejected 2", p.stdout)
        self.assertIn("orphans.geojson:1: rejected: 610602903001: code: the parent 610602903 of "
                      "610602903001 does not exist", p.stderr)
        self.assertEqual(snapshot(self.db), before)

    def test_children_with_their_parent_in_one_import(self):
        db = os.path.join(self.dir, "good.sqlite")
        copy_file(self.db, db)
        src = os.path.join(self.dir, "good.geojson")
        write_geojson(src, self.features())
        p = civgis("import", "--db", db, "--target", "divisions", "--reason", "批复 1 号", src,
                   check=0)
        self.assertIn("written 2", p.stdout)
        con = connect(db)
        self.assertEqual(con.execute("SELECT code, level, parent_code, change_reason, source FROM"
                                     " divisions WHERE code LIKE '610602901%' ORDER BY code"
                                     ).fetchall(),
                         [("610602901", 4, "610602", "批复 1 号", "good.geojson"),
                          ("610602901001", 5, "610602901", "批复 1 号", "good.geojson")])
        # one audit row per source and level, each listing what it wrote; one version each
        self.assertEqual(con.execute("SELECT json_extract(after, '$.ids') FROM audit WHERE "
                                     "json_extract(after, '$.source') = 'good.geojson' ORDER BY id"
                                     ).fetchall(), [('["610602901"]',), ('["610602901001"]',)])
        self.assertEqual(con.execute("SELECT version FROM store_versions WHERE name = "
                                     "'divisions'").fetchone(), (2,))
        con.close()
        # The history of a feature names the import that made it.
        out = civgis("history", "--db", db, "villages", "610602901001", check=0).stdout
        self.assertRegex(out, r"change\t\d+\t[^\t]+\t[^\t]+\timport\t批复 1 号")


class Geometries(unittest.TestCase):
    """Repair, strictness and the geometry classes of each target."""

    def setUp(self):
        self.dir = scratch_dir("geom")
        self.db = os.path.join(self.dir, "g.sqlite")

    bowtie = {"type": "Polygon", "coordinates": [[[109, 36], [109.1, 36.1], [109.1, 36],
                                                  [109, 36.1], [109, 36]]]}

    def test_invalid_polygon_repaired_and_reported(self):
        src = os.path.join(self.dir, "bowtie.geojson")
        write_geojson(src, [feature({"code": "610602", "name": "宝塔区"}, self.bowtie)])
        p = civgis("import", "--db", self.db, "--target", "divisions", src, check=0)
        self.assertIn("repaired", p.stderr)
        self.assertIn("repaired 1", p.stdout)
        con = connect(self.db)
        self.assertEqual(con.execute("SELECT ST_IsValid(geom), ST_NumGeometries(geom), "
                                     "GeometryType(geom) FROM divisions").fetchone(),
                         (1, 2, "MULTIPOLYGON"))

    def test_strict_rejects_invalid_polygon(self):
        src = os.path.join(self.dir, "bowtie.geojson")
        write_geojson(src, [feature({"code": "610602", "name": "宝塔区"}, self.bowtie)])
        p = civgis("import", "--db", self.db, "--target", "divisions", "--strict", src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--strict forbids repair", p.stderr)

    def test_wrong_geometry_class_rejected(self):
        src = os.path.join(self.dir, "line.geojson")
        write_geojson(src, [feature({"id": "X1", "kind": "canteen", "name": "食堂"},
                                    {"type": "LineString", "coordinates": [[109, 36],
                                                                           [109.1, 36]]})])
        p = civgis("import", "--db", self.db, "--target", "facilities", src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("expected a point, got Line String", p.stderr)

    def test_coordinates_that_are_not_lonlat(self):
        src = os.path.join(self.dir, "metres.geojson")
        write_geojson(src, [feature({"id": "X1", "kind": "canteen", "name": "食堂"},
                                    {"type": "Point", "coordinates": [634218.1, 4053169.0]})])
        p = civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "EPSG:4326",
                   src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("is the source CRS right", p.stderr)

    def test_unknown_kind_and_status(self):
        src = os.path.join(self.dir, "kind.geojson")
        pt = {"type": "Point", "coordinates": [109.5, 36.6]}
        write_geojson(src, [feature({"id": "X1", "kind": "spaceport", "name": "a"}, pt),
                            feature({"id": "X2", "kind": "canteen", "name": "b",
                                     "status": "dreaming"}, pt)])
        p = civgis("import", "--db", self.db, "--target", "facilities", src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("kind 'spaceport' is unknown", p.stderr)
        self.assertIn("status 'dreaming' is unknown", p.stderr)


class Formats(unittest.TestCase):
    """Source formats, encodings and CRSs a user brings."""

    def setUp(self):
        self.dir = scratch_dir("formats")
        self.db = os.path.join(self.dir, "f.sqlite")

    def facility_rows(self):
        con = connect(self.db)
        return con.execute("SELECT fid, name, X(geom), Y(geom) FROM facilities "
                           "ORDER BY fid").fetchall()

    def test_gbk_shapefile_with_cpg(self):
        shp = os.path.join(self.dir, "gbk.shp")
        ogr2ogr("-lco", "ENCODING=GBK", shp, os.path.join(DATA, "facilities.shp"))
        with open(os.path.join(self.dir, "gbk.cpg")) as f:
            self.assertIn("GBK", f.read().upper())
        with open(os.path.join(self.dir, "gbk.dbf"), "rb") as f:
            self.assertIn("河庄坪镇敬老院".encode("gbk"), f.read())
        civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "GCJ02", shp,
               check=0)
        self.assertEqual(self.facility_rows()[0][1], "河庄坪镇敬老院")

    def test_gbk_shapefile_without_cpg_needs_encoding(self):
        shp = os.path.join(self.dir, "gbk.shp")
        ogr2ogr("-lco", "ENCODING=GBK", shp, os.path.join(DATA, "facilities.shp"))
        os.remove(os.path.join(self.dir, "gbk.cpg"))
        civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "GCJ02",
               "--encoding", "GBK", shp, check=0)
        self.assertEqual(self.facility_rows()[0][1], "河庄坪镇敬老院")

    def test_gbk_csv_wrong_encoding_is_one_clear_error(self):
        src = os.path.join(self.dir, "gbk.csv")
        with open(src, "w", encoding="gbk") as f:
            f.write("id,kind,name,lon,lat\nC1,canteen,宝塔区食堂,109.49,36.59\n")
        p = civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "EPSG:4326",
                   src)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not valid UTF-8", p.stderr)
        self.assertIn("--encoding", p.stderr)
        civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "EPSG:4326",
               "--encoding", "GBK", src, check=0)
        self.assertEqual(self.facility_rows(), [("C1", "宝塔区食堂", 109.49, 36.59)])

    def test_csv_with_wkt_in_a_gauss_kruger_zone(self):
        src = os.path.join(self.dir, "gk.csv")
        with open(src, "w", encoding="utf-8") as f:
            f.write('id,kind,name,wkt\nG1,canteen,食堂,"POINT (634218.114262 4053169.067294)"\n')
        civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "EPSG:4545", src,
               check=0)
        (_, _, lon, lat), = self.facility_rows()
        self.assertAlmostEqual(lon, 109.5, places=7)
        self.assertAlmostEqual(lat, 36.6, places=7)

    def test_bd09_csv(self):
        src = os.path.join(self.dir, "bd.csv")
        with open(src, "w", encoding="utf-8") as f:
            f.write("id,kind,name,longitude,latitude\nB1,canteen,食堂,123.00636499,45.00636899\n")
        civgis("import", "--db", self.db, "--target", "facilities", "--s-crs", "BD09", src,
               check=0)
        (_, _, lon, lat), = self.facility_rows()
        # BD-09 -> GCJ-02 (123, 45) -> WGS84 (122.99395597, 44.99804071), gcoord's values.
        self.assertAlmostEqual(lon, 122.99395597, places=5)
        self.assertAlmostEqual(lat, 44.99804071, places=5)

    def test_geopackage_with_two_layers_and_mapping(self):
        gpkg = os.path.join(self.dir, "two.gpkg")
        ogr2ogr("-f", "GPKG", gpkg, os.path.join(DATA, "facilities.shp"), "-nln", "fac", "-sql",
                "SELECT id AS fac_no, kind AS typ, name AS mc, division FROM facilities")
        ogr2ogr("-f", "GPKG", "-update", gpkg, os.path.join(DATA, "counties.shp"), "-nln", "cty")
        p = civgis("import", "--db", self.db, "--target", "facilities", gpkg)
        self.assertEqual(p.returncode, 1)
        self.assertIn("has 2 layers (fac, cty): choose one with --layer", p.stderr)
        p = civgis("import", "--db", self.db, "--target", "facilities", "--layer", "nope", gpkg)
        self.assertIn("no layer 'nope'", p.stderr)
        civgis("import", "--db", self.db, "--target", "facilities", "--layer", "fac",
               "--map", "id=fac_no,kind=typ,name=mc,division_code=division",
               "--default", "status=planned",
               gpkg, check=0)
        con = connect(self.db)
        self.assertEqual(con.execute("SELECT count(*), min(status), max(status), count(DISTINCT "
                                     "fid) FROM facilities").fetchone(),
                         (217, "planned", "planned", 217))

    def test_input_problems_are_one_message_each(self):
        fac = os.path.join(DATA, "facilities.shp")
        cases = [
            (["--target", "facilities", os.path.join(self.dir, "missing.shp")], "cannot open"),
            (["--target", "facilities", "--s-crs", "EPSG:999999", fac], "EPSG:999999"),
            (["--target", "facilities", "--map", "name=NOPE", fac], "has no field 'NOPE'"),
            (["--target", "facilities", "--map", "colour=name", fac],
             "'colour' is no field of facilities"),
            (["--target", "divisions", fac], "divisions needs field 'code'"),
            (["--target", "divisions", "--valid-from", "2021-13-40",
              os.path.join(DATA, "counties.shp")], "is not YYYY-MM-DD"),
        ]
        for args, message in cases:
            p = civgis("import", "--db", self.db, *args)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn(message, p.stderr, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        src = os.path.join(self.dir, "nocrs.csv")
        with open(src, "w") as f:
            f.write("id,kind,name,x,y\nN1,canteen,a,109.5,36.6\n")
        p = civgis("import", "--db", self.db, "--target", "facilities", src)
        self.assertIn("does not say its CRS: pass --s-crs", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
