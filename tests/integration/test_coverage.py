"""civgis coverage through the CLI on the demo database, against an independent
brute-force computation here: every (village, facility) pair's geodesic distance with
pyproj (Karney on WGS84), then the same rules. Covered sets and sums must be identical."""
import csv
import io
import json
import os
import unittest

from pyproj import Geod

from civgis_test import Server, civgis, connect, demo_copy, demo_db, scratch_dir

GEOD = Geod(ellps="WGS84")


class Coverage(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        con = connect(cls.db)
        cls.demand = con.execute(
            "SELECT code, X(geom), Y(geom), population, elderly_60plus, poor_households "
            "FROM demand ORDER BY id").fetchall()
        cls.facilities = con.execute(
            "SELECT fid, kind, X(geom), Y(geom), COALESCE(capacity, 0), status "
            "FROM facilities ORDER BY id").fetchall()
        cls.reach = dict(con.execute("SELECT kind, reach_m FROM service_standards"))
        con.close()

    def brute(self, kinds, radius=None, weight="elderly_60plus"):
        col = {"population": 3, "elderly_60plus": 4, "poor_households": 5}
        fac = [f for f in self.facilities if f[1] in kinds and f[5] == "operating"]
        lon1 = [f[2] for f in fac]
        lat1 = [f[3] for f in fac]
        out = {}
        for d in self.demand:
            _, _, dist = GEOD.inv([d[1]] * len(fac), [d[2]] * len(fac), lon1, lat1)
            within = [i for i, s in enumerate(dist)
                      if s <= (radius if radius else self.reach[fac[i][1]])]
            best = min(range(len(fac)), key=lambda i: dist[i]) if fac else None
            w = 1 if weight == "unit" else d[col[weight]]
            out[d[0]] = (bool(within), len(within), fac[best][0] if fac else None,
                         dist[best] if fac else None, w)
        return out

    def points(self, *args):
        p = civgis("coverage", "--db", self.db, "--format", "csv", *args, check=0)
        return {r["code"]: r for r in csv.DictReader(io.StringIO(p.stdout))}

    def summary(self, *args):
        return json.loads(civgis("coverage", "--db", self.db, *args, check=0).stdout)

    def check(self, kinds, radius=None, weight="elderly_60plus"):
        args = ["--kind", ",".join(kinds), "--weight", weight]
        if radius:
            args += ["--radius", str(radius)]
        want = self.brute(kinds, radius, weight)
        got = self.points(*args)
        self.assertEqual(set(got), set(want))
        for code, (covered, n, nearest, dist, w) in want.items():
            g = got[code]
            self.assertEqual(g["covered"] == "1", covered, code)
            self.assertEqual(int(g["n_within"]), n, code)
            self.assertAlmostEqual(float(g["nearest_m"]), dist, delta=0.001)
            self.assertEqual(g["nearest_id"], nearest, code)
        s = self.summary(*args)
        self.assertEqual(s["points_total"], len(want))
        self.assertEqual(s["points_covered"], sum(v[0] for v in want.values()))
        self.assertEqual(s["demand_total"], sum(v[4] for v in want.values()))
        self.assertEqual(s["demand_covered"], sum(v[4] for v in want.values() if v[0]))
        return s

    def test_mutual_aid_and_township_homes_by_elderly(self):
        s = self.check(["mutual_aid_home", "township_elderly_home"])
        self.assertTrue(0 < s["share"] < 1)

    def test_community_centres_by_population_with_radius(self):
        self.check(["community_elderly_centre"], radius=1500, weight="population")

    def test_funeral_homes_by_poor_households(self):
        self.check(["funeral_home"], radius=30000, weight="poor_households")

    def test_aggregates_add_up(self):
        s = self.summary("--kind", "mutual_aid_home", "--weight", "population")
        levels = {}
        for d in s["by_division"]:
            levels.setdefault(d["level"], []).append(d)
        self.assertEqual(len(levels[3]), 13)
        self.assertEqual(len(levels[4]), 117)
        for lv in (3, 4):
            self.assertEqual(sum(d["demand_total"] for d in levels[lv]), s["demand_total"])
            self.assertEqual(sum(d["demand_covered"] for d in levels[lv]), s["demand_covered"])
        city, = levels[2]
        self.assertEqual(city["demand_total"], 2282581)  # the census: villages sum to it
        shares = [c["share"] for c in s["county_ranking"]]
        self.assertEqual(shares, sorted(shares, reverse=True))
        self.assertEqual([c["rank"] for c in s["county_ranking"]], list(range(1, 14)))

    def test_capacity_mode(self):
        s = self.summary("--kind", "township_elderly_home", "--weight", "elderly_60plus",
                         "--capacity")
        # Nearest-first greedy, computed here independently.
        fac = [f for f in self.facilities if f[1] == "township_elderly_home"]
        pairs = []
        for d in self.demand:
            _, _, dist = GEOD.inv([d[1]] * len(fac), [d[2]] * len(fac),
                                  [f[2] for f in fac], [f[3] for f in fac])
            pairs += [(s_, d[0], i) for i, s_ in enumerate(dist)
                      if s_ <= self.reach["township_elderly_home"]]
        left = [f[4] for f in fac]
        need = {d[0]: d[4] for d in self.demand}
        served = 0
        for _, code, i in sorted(pairs):
            take = min(need[code], left[i])
            need[code] -= take
            left[i] -= take
            served += take
        self.assertAlmostEqual(s["demand_served"], served, places=6)
        self.assertAlmostEqual(s["demand_unserved"], s["demand_total"] - served, places=6)

    def test_geojson_output(self):
        d = scratch_dir("cov")
        out = os.path.join(d, "cov.geojson")
        civgis("coverage", "--db", self.db, "--kind", "mutual_aid_home", "--format", "geojson",
               "--out", out, check=0)
        with open(out, encoding="utf-8") as f:
            fc = json.load(f)
        self.assertEqual(len(fc["features"]), 1953)
        p = fc["features"][0]["properties"]
        self.assertTrue({"covered", "nearest_id", "nearest_m", "weight"} <= set(p))

    def test_timings_add_the_two_seconds_only(self):
        plain = self.summary("--kind", "mutual_aid_home")
        timed = self.summary("--kind", "mutual_aid_home", "--timings")
        self.assertNotIn("seconds_compute", plain)
        for key in ("seconds_load", "seconds_compute"):
            self.assertGreaterEqual(timed.pop(key), 0, key)
        self.assertEqual(timed, plain)

    def test_no_facilities_of_a_kind(self):
        s = self.summary("--kind", "canteen")
        self.assertEqual((s["facilities"], s["points_covered"], s["demand_covered"]), (0, 0, 0))

    def test_bad_input(self):
        for args, msg in ((["--kind", "spaceport"], "unknown kind 'spaceport'"),
                          (["--kind", "canteen", "--weight", "wealth"], "unknown weight"),
                          (["--kind", "canteen", "--status", "dreaming"], "unknown status"),
                          (["--kind", "canteen", "--scenario", "99"], "unknown scenario 99")):
            p = civgis("coverage", "--db", self.db, *args)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn(msg, p.stderr)
        for args in (["--kind", "canteen", "--radius", "-5"], ["--kind", "canteen", "--radius", "x"],
                     ["--kind", "canteen", "--format", "xml"], ["--db", self.db]):
            p = civgis("coverage", "--db", self.db, *args)
            self.assertEqual(p.returncode, 2, args)


class CoverageLayer(unittest.TestCase):
    """The coverage-KIND collections: the same answer as the CLI, as items and as tiles,
    filterable by covered, and recomputed when the data changes."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("coverage-layer")
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def items(self, query=""):
        status, _, fc = self.srv.get_json(
            "/collections/coverage-mutual_aid_home/items?limit=10000" + query)
        self.assertEqual(status, 200)
        return {f["id"]: f["properties"] for f in fc["features"]}

    def test_items_equal_the_cli(self):
        cli = json.loads(civgis("coverage", "--db", self.db, "--kind", "mutual_aid_home",
                                "--format", "geojson", check=0).stdout)
        layer = self.items()
        self.assertEqual(len(layer), len(cli["features"]))
        for f in cli["features"]:
            p, q = f["properties"], layer[f["id"]]
            self.assertEqual(q["covered"], p["covered"])
            self.assertEqual(q["nearest_id"], p["nearest_id"])
            self.assertAlmostEqual(q["nearest_m"], p["nearest_m"], delta=0.001)
            self.assertEqual(q["n_within"], p["n_within"])
        uncovered = self.items("&filter=covered%3Dfalse")
        self.assertEqual(set(uncovered),
                         {f["id"] for f in cli["features"]
                          if not f["properties"]["covered"]})
        _, _, cols = self.srv.get_json("/collections")
        self.assertIn("coverage-canteen", [c["id"] for c in cols["collections"]])
        self.assertEqual(self.srv.get_json("/collections/coverage-spaceport/items")[0], 404)

    def test_tiles_carry_covered_and_follow_edits(self):
        from osgeo import gdal
        d = scratch_dir("coverage-tiles")
        path = "/collections/coverage-mutual_aid_home/tiles/WebMercatorQuad/8/100/205"
        status, headers, body = self.srv.get(path)
        self.assertEqual(status, 200)
        mvt = os.path.join(d, "t.mvt")
        with open(mvt, "wb") as f:
            f.write(body)
        ds = gdal.OpenEx(mvt, gdal.OF_VECTOR, open_options=["X=205", "Y=100", "Z=8"])
        lyr = ds.GetLayer(0)
        values = {f.GetField("covered") for f in lyr}
        self.assertEqual(values, {0, 1})
        # an operating home opens at an uncovered village: the layer follows at once
        code, (lon, lat) = next((k, v) for k, v in self.uncovered_points().items())
        con = connect(self.db)
        con.execute("INSERT INTO facilities (fid, kind, name, status, geom) VALUES "
                    "('T-1', 'mutual_aid_home', 'test home', 'operating', "
                    "MakePoint(?, ?, 4326))", (lon, lat))
        con.commit()
        con.close()
        after = self.items()[code]
        self.assertEqual((after["covered"], after["nearest_id"], after["n_within"]),
                         (True, "T-1", 1))
        status, headers2, _ = self.srv.get(path)
        self.assertNotEqual(headers["ETag"], headers2["ETag"])

    def uncovered_points(self):
        _, _, fc = self.srv.get_json(
            "/collections/coverage-mutual_aid_home/items?limit=5&filter=covered%3Dfalse"
            "&bbox=109.3,36.5,109.7,36.7")
        return {f["id"]: f["geometry"]["coordinates"] for f in fc["features"]}


if __name__ == "__main__":
    unittest.main(verbosity=2)
