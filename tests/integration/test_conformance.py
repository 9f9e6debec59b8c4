"""Walks the abstract test suites of OGC API - Features Part 1 (Core, GeoJSON, HTML,
OAS 3.0) and Part 2 (CRS by reference), in the order of the CITE suite's list, against
the live server. Each test names the abstract test it checks (/ats/...). Then every
class /conformance declares, each against a check of it: a class without one fails."""
import json
import math
import time
import unittest
import urllib.parse

from osgeo import ogr

from civgis_test import Server, civgis, demo_copy, demo_db

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"


class Part1Core(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db()).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def get(self, path, **headers):
        return self.srv.get_json(path, headers=headers)

    def links(self, doc):
        out = {}
        for l in doc["links"]:
            self.assertTrue({"href", "rel"} <= set(l), l)
            out.setdefault(l["rel"], []).append(l)
        return out

    def follow(self, link):
        return self.srv.get(link["href"][len(self.srv.base):])

    def test_ats_core_http_and_root(self):
        """/ats/core/http, /ats/core/root-op, /ats/core/root-success"""
        status, headers, root = self.get("/")
        self.assertEqual(status, 200)
        rels = self.links(root)
        for rel in ("service-desc", "conformance", "data"):
            self.assertIn(rel, rels)
            self.assertEqual(self.follow(rels[rel][0])[0], 200, rel)

    def test_ats_core_api_definition(self):
        """/ats/core/api-definition-op, /ats/core/api-definition-success, /ats/oas30/*"""
        status, headers, api = self.get("/api")
        self.assertEqual(status, 200)
        self.assertTrue(api["openapi"].startswith("3.0"))
        for path in ("/", "/conformance", "/collections", "/collections/{collectionId}",
                     "/collections/{collectionId}/items",
                     "/collections/{collectionId}/items/{featureId}"):
            self.assertIn("get", api["paths"][path], path)

    def test_ats_core_conformance(self):
        """/ats/core/conformance-op, /ats/core/conformance-success"""
        status, _, conf = self.get("/conformance")
        self.assertEqual(status, 200)
        for cls in ("core", "oas30", "html", "geojson"):
            self.assertIn(CORE + cls, conf["conformsTo"])
        self.assertIn("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                      conf["conformsTo"])

    def test_ats_core_collections(self):
        """/ats/core/fc-md-op, fc-md-success, fc-md-links, fc-md-items, fc-md-extent"""
        status, _, doc = self.get("/collections")
        self.assertEqual(status, 200)
        self.assertIn("self", self.links(doc))
        for c in doc["collections"]:
            rels = self.links(c)
            self.assertIn("items", rels, c["id"])
            self.assertTrue(any(l.get("type") == "application/geo+json" for l in rels["items"]))
            if "extent" in c:
                bbox = c["extent"]["spatial"]["bbox"][0]
                self.assertTrue(bbox[0] <= bbox[2] and bbox[1] <= bbox[3])
                self.assertTrue(-180 <= bbox[0] and bbox[2] <= 180)
            status, _, one = self.get("/collections/" + c["id"])
            self.assertEqual((status, one["id"]), (200, c["id"]))  # /ats/core/sfc-md-*

    def test_ats_core_items(self):
        """/ats/core/fc-op, fc-response, fc-links, fc-timeStamp, fc-numberMatched,
        fc-numberReturned, fc-limit-definition, fc-limit-response"""
        for c in ("counties", "townships", "villages", "divisions", "facilities", "demand"):
            status, headers, fc = self.get(f"/collections/{c}/items")
            self.assertEqual(status, 200, c)
            self.assertEqual(headers["Content-Type"], "application/geo+json")
            self.assertEqual(fc["type"], "FeatureCollection")
            rels = self.links(fc)
            self.assertIn("self", rels)
            self.assertIn("alternate", rels)
            # timeStamp is optional: left out, so the strong ETag names the bytes.
            self.assertNotIn("timeStamp", fc)
            self.assertEqual(fc["numberReturned"], len(fc["features"]))
            self.assertLessEqual(fc["numberReturned"], 100)  # the default limit
            self.assertGreaterEqual(fc["numberMatched"], fc["numberReturned"])
            for f in fc["features"][:5]:
                self.assertEqual(f["type"], "Feature")
                self.assertIn("geometry", f)
                self.assertIn("properties", f)
        _, _, fc = self.get("/collections/villages/items?limit=7")
        self.assertEqual(len(fc["features"]), 7)

    def test_ats_core_bbox(self):
        """/ats/core/fc-bbox-definition, fc-bbox-response"""
        _, _, all_fc = self.get("/collections/facilities/items?limit=1000")
        box = (109.2, 36.3, 109.8, 36.9)
        want = {f["id"] for f in all_fc["features"]
                if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
                and box[1] <= f["geometry"]["coordinates"][1] <= box[3]}
        _, _, fc = self.get("/collections/facilities/items?limit=1000&bbox=%g,%g,%g,%g" % box)
        self.assertEqual({f["id"] for f in fc["features"]}, want)
        self.assertTrue(want)
        status, _, _ = self.get("/collections/facilities/items?bbox=a,b,c,d")
        self.assertEqual(status, 400)

    def test_ats_core_datetime(self):
        """/ats/core/fc-time-definition, fc-time-response"""
        for dt in ("2021-10-31", "2021-10-31T00:00:00Z/..", "../2030-01-01", "2021-01-01/2022-01-01"):
            status, _, fc = self.get("/collections/counties/items?datetime=" + urllib.parse.quote(dt))
            self.assertEqual((status, fc["numberReturned"]), (200, 13), dt)
        # Collections without time accept the parameter and ignore it.
        status, _, _ = self.get("/collections/facilities/items?datetime=2021-10-31")
        self.assertEqual(status, 200)

    def test_ats_core_feature(self):
        """/ats/core/f-op, f-success, f-links"""
        status, headers, f = self.get("/collections/facilities/items/F0001")
        self.assertEqual(status, 200)
        self.assertEqual(f["id"], "F0001")
        rels = self.links(f)
        self.assertIn("self", rels)
        self.assertIn("collection", rels)
        self.assertEqual(self.follow(rels["self"][0])[0], 200)

    def test_ats_core_unknown_parameter_and_404(self):
        """/ats/core/query-param-invalid, query-param-unknown"""
        self.assertEqual(self.get("/collections/villages/items?limit=-1")[0], 400)
        self.assertEqual(self.get("/collections/villages/items?bogus=1")[0], 400)
        self.assertEqual(self.get("/collections/nothing")[0], 404)
        self.assertEqual(self.get("/collections/villages/items/nothing")[0], 404)

    def test_ats_html(self):
        """/ats/html/content, /ats/html/definition"""
        for path in ("/", "/conformance", "/collections", "/collections/villages",
                     "/collections/villages/items", "/collections/villages/items/610602001001"):
            status, headers, body = self.srv.get(path, headers={"Accept": "text/html"})
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
            self.assertTrue(body.startswith(b"<!DOCTYPE html>"), path)

    def test_ats_geojson(self):
        """/ats/geojson/content, /ats/geojson/definition"""
        status, headers, f = self.get("/collections/counties/items/610602?f=json")
        self.assertEqual(headers["Content-Type"], "application/geo+json")
        self.assertEqual(f["geometry"]["type"], "MultiPolygon")
        ring = f["geometry"]["coordinates"][0][0]
        self.assertEqual(ring[0], ring[-1])


class Part2Crs(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db()).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_ats_crs_collections(self):
        """/ats/crs/crs-list, /ats/crs/storageCrs"""
        _, _, doc = self.srv.get_json("/collections")
        for c in doc["collections"]:
            self.assertIn(CRS84, c["crs"])
            self.assertIn(c["storageCrs"], c["crs"])

    def test_ats_crs_response(self):
        """/ats/crs/fc-crs-valid-value, fc-crs-invalid-value, fc-crs-default, content-crs"""
        _, h, _ = self.srv.get_json("/collections/villages/items?limit=1")
        self.assertEqual(h["Content-Crs"], f"<{CRS84}>")
        for code in ("4326", "4490", "3857", "4545", "4546"):
            status, h, fc = self.srv.get_json(f"/collections/villages/items?limit=1&crs={EPSG}{code}")
            self.assertEqual(status, 200, code)
            self.assertEqual(h["Content-Crs"], f"<{EPSG}{code}>")
        status, _, _ = self.srv.get_json(f"/collections/villages/items?crs={EPSG}32650")
        self.assertEqual(status, 400)

    def test_ats_crs_bbox_crs(self):
        """/ats/crs/fc-bbox-crs-valid-value, fc-bbox-crs-invalid-value"""
        a = self.srv.get_json("/collections/villages/items?limit=1000&bbox=109.3,36.4,109.7,36.8")[2]
        b = self.srv.get_json("/collections/villages/items?limit=1000&bbox=36.4,109.3,36.8,109.7"
                              f"&bbox-crs={EPSG}4326")[2]
        self.assertEqual({f["id"] for f in a["features"]}, {f["id"] for f in b["features"]})
        status, _, _ = self.srv.get_json(f"/collections/villages/items?bbox=1,2,3,4&bbox-crs=x")
        self.assertEqual(status, 400)

    def test_ats_crs_feature(self):
        """/ats/crs/f-crs-valid-value"""
        x, y = self.srv.get_json("/collections/villages/items/610602001001")[2]["geometry"]["coordinates"]
        lat, lon = self.srv.get_json(f"/collections/villages/items/610602001001?crs={EPSG}4490")[2][
            "geometry"]["coordinates"]
        self.assertAlmostEqual(lat, y, places=6)
        self.assertAlmostEqual(lon, x, places=6)


SPEC = "http://www.opengis.net/spec/"


class DeclaredClasses(unittest.TestCase):
    """/conformance declares only what passes: each declared URI maps to a check below
    that exercises the class (against a client-side oracle where there is an answer to
    compute), and a declared URI without a check fails the test."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db()).__enter__()
        cls.villages = cls.fetch_all("villages")
        cls.townships = cls.fetch_all("townships")

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    @classmethod
    def fetch_all(cls, collection, **params):
        qs = urllib.parse.urlencode(dict(limit=10000, **params))
        status, _, fc = cls.srv.get_json(f"/collections/{collection}/items?{qs}")
        assert status == 200, fc
        return fc["features"]

    def test_every_declared_class_has_a_passing_check(self):
        _, _, conf = self.srv.get_json("/conformance")
        declared = conf["conformsTo"]
        self.assertEqual(len(declared), len(set(declared)))
        missing = [uri for uri in declared if uri not in self.CHECKS]
        self.assertEqual(missing, [], "declared without a check")
        for uri in declared:
            with self.subTest(uri=uri):
                getattr(self, self.CHECKS[uri])()

    # ---------------------------------------------------------------- helpers

    def ids(self, collection, text=None, js=None, **params):
        if text is not None:
            params["filter"] = text
        if js is not None:
            params.update({"filter": json.dumps(js), "filter-lang": "cql2-json"})
        return sorted(f["id"] for f in self.fetch_all(collection, **params))

    def oracle(self, text, pred, features=None, js=None, collection="villages"):
        """The server's answer to a filter equals pred over every feature, and pred picks
        some features but not all."""
        features = self.villages if features is None else features
        want = sorted(f["id"] for f in features if pred(f))
        self.assertTrue(0 < len(want) < len(features), (text, len(want)))
        self.assertEqual(self.ids(collection, text), want, text)
        if js is not None:
            self.assertEqual(self.ids(collection, js=js), want, js)

    def bad_filter(self, text, part, lang="cql2-text"):
        q = urllib.parse.urlencode({"filter": text, "filter-lang": lang})
        status, headers, body = self.srv.get_json(f"/collections/villages/items?{q}")
        self.assertEqual(status, 400, text)
        self.assertIn(part, body["description"], text)

    # ---------------------------------------------------------------- Features

    def check_core(self):
        _, _, root = self.srv.get_json("/")
        rels = {l["rel"] for l in root["links"]}
        self.assertTrue({"service-desc", "conformance", "data"} <= rels)
        _, _, doc = self.srv.get_json("/collections")
        self.assertIn("villages", [c["id"] for c in doc["collections"]])
        _, _, fc = self.srv.get_json("/collections/villages/items?limit=3")
        self.assertEqual((fc["type"], len(fc["features"]), fc["numberReturned"]),
                         ("FeatureCollection", 3, 3))
        self.assertEqual(fc["numberMatched"], 1953)
        self.assertIn("next", {l["rel"] for l in fc["links"]})
        self.assertEqual(self.srv.get_json("/collections/villages/items/610602001001")[2]["id"],
                         "610602001001")

    def check_oas30(self):
        status, headers, api = self.srv.get_json("/api")
        self.assertEqual(status, 200)
        self.assertIn("openapi", headers["Content-Type"])
        self.assertRegex(api["openapi"], r"^3\.0\.\d+$")
        for path in ("/", "/conformance", "/collections", "/collections/{collectionId}/items",
                     "/collections/{collectionId}/items/{featureId}"):
            self.assertIn("get", api["paths"][path], path)

    def check_html(self):
        for path in ("/", "/collections", "/collections/villages/items?limit=2",
                     "/collections/villages/items/610602001001"):
            status, headers, body = self.srv.get(path, headers={"Accept": "text/html"})
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
            self.assertIn(b"<html", body[:200].lower(), path)

    def check_geojson(self):
        status, headers, body = self.srv.get("/collections/villages/items?limit=2&f=json")
        self.assertEqual(headers["Content-Type"], "application/geo+json")
        f = json.loads(body)["features"][0]
        self.assertEqual((f["type"], f["geometry"]["type"]), ("Feature", "Point"))
        self.assertIsInstance(f["properties"], dict)

    def check_crs(self):
        _, _, c = self.srv.get_json("/collections/villages")
        self.assertIn(EPSG + "3857", c["crs"])
        path = "/collections/villages/items/610602001001"
        x, y = self.srv.get_json(path)[2]["geometry"]["coordinates"]
        _, h, f = self.srv.get_json(path + "?crs=" + EPSG + "3857")
        self.assertEqual(h["Content-Crs"], f"<{EPSG}3857>")
        ex, ny = f["geometry"]["coordinates"]
        self.assertAlmostEqual(ex, math.radians(x) * 6378137.0, places=1)
        self.assertAlmostEqual(ny, math.log(math.tan(math.pi / 4 + math.radians(y) / 2))
                               * 6378137.0, places=1)

    # ---------------------------------------------------------------- Part 3

    def check_queryables(self):
        status, headers, q = self.srv.get_json("/collections/villages/queryables")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/schema+json"))
        self.assertEqual(q["type"], "object")
        self.assertEqual(q["properties"]["population"]["type"], "integer")
        self.assertEqual(q["properties"]["geometry"]["x-ogc-role"], "primary-geometry")

    def check_queryables_query_parameters(self):
        want = sorted(f["id"] for f in self.villages if f["properties"]["kind"] == "community")
        self.assertTrue(0 < len(want) < len(self.villages))
        self.assertEqual(self.ids("villages", kind="community"), want)

    def check_filter(self):
        a = self.ids("villages", "population > 5000")
        self.assertEqual(a, self.ids("villages", **{"filter": "population > 5000",
                                                    "filter-lang": "cql2-text"}))
        self.assertEqual(a, self.ids("villages", **{"filter": "population > 5000",
                                                    "filter-crs": CRS84}))
        self.bad_filter("population > 5000", "filter-lang", lang="cql2-xml")

    def check_features_filter(self):
        self.oracle("population > 5000", lambda f: f["properties"]["population"] > 5000)

    def check_cql2_text(self):
        self.oracle("kind = 'community' AND population < 3000",
                    lambda f: f["properties"]["kind"] == "community"
                    and f["properties"]["population"] < 3000)
        self.bad_filter("kind = 'community", "unterminated")

    def check_cql2_json(self):
        self.oracle("kind = 'community' AND population < 3000",
                    lambda f: f["properties"]["kind"] == "community"
                    and f["properties"]["population"] < 3000,
                    js={"op": "and", "args": [
                        {"op": "=", "args": [{"property": "kind"}, "community"]},
                        {"op": "<", "args": [{"property": "population"}, 3000]}]})
        self.bad_filter("{bad json", "JSON", lang="cql2-json")

    def check_basic_cql2(self):
        p = lambda f: f["properties"]  # noqa: E731
        v = p(self.villages[100])["population"]  # a value some villages have
        for op, fn in (("=", lambda a, b: a == b), ("<>", lambda a, b: a != b),
                       ("<", lambda a, b: a < b), ("<=", lambda a, b: a <= b),
                       (">", lambda a, b: a > b), (">=", lambda a, b: a >= b)):
            self.oracle(f"population {op} {v}", lambda f, fn=fn: fn(p(f)["population"], v),
                        js={"op": op, "args": [{"property": "population"}, v]})
        self.oracle("kind = 'community' OR NOT (population > 800)",
                    lambda f: p(f)["kind"] == "community" or not p(f)["population"] > 800)
        self.oracle("elderly_60plus > 300 AND synthetic = TRUE",
                    lambda f: p(f)["elderly_60plus"] > 300 and p(f)["synthetic"] is True)
        self.oracle("parent_code = '610602001' AND valid_from = DATE('2021-10-31')",
                    lambda f: p(f)["parent_code"] == "610602001")
        # Boolean literals as predicates; IS [NOT] NULL, on the geometry too.
        self.assertEqual(self.ids("villages", "TRUE"), sorted(f["id"] for f in self.villages))
        self.assertEqual(self.ids("villages", "FALSE"), [])
        self.assertEqual(self.ids("villages", "NOT FALSE AND population > 5000"),
                         self.ids("villages", "population > 5000"))
        self.assertEqual(self.ids("villages", js=True), self.ids("villages", "TRUE"))
        self.assertEqual(self.ids("villages", "pinyin IS NULL"),
                         sorted(f["id"] for f in self.villages if p(f)["pinyin"] is None))
        self.assertEqual(self.ids("villages", "population IS NOT NULL"),
                         sorted(f["id"] for f in self.villages))
        self.assertEqual(self.ids("villages", "geometry IS NULL"), [])
        self.assertEqual(self.ids("villages", js={"op": "not", "args": [
            {"op": "isNull", "args": [{"property": "geometry"}]}]}),
            sorted(f["id"] for f in self.villages))

    def check_advanced_comparison(self):
        p = lambda f: f["properties"]  # noqa: E731
        self.oracle("name LIKE '%社区%'", lambda f: "社区" in p(f)["name"],
                    js={"op": "like", "args": [{"property": "name"}, "%社区%"]})
        self.oracle("name NOT LIKE '%村%'", lambda f: "村" not in p(f)["name"])
        self.oracle("population BETWEEN 1000 AND 1210", lambda f: 1000 <= p(f)["population"] <= 1210,
                    js={"op": "between", "args": [{"property": "population"}, 1000, 1210]})
        self.oracle("parent_code IN ('610602001', '610602002')",
                    lambda f: p(f)["parent_code"] in ("610602001", "610602002"),
                    js={"op": "in", "args": [{"property": "parent_code"},
                                             ["610602001", "610602002"]]})

    def check_case_insensitive(self):
        self.oracle("CASEI(kind) = casei('CoMmUnItY')",
                    lambda f: f["properties"]["kind"] == "community",
                    js={"op": "=", "args": [{"op": "casei", "args": [{"property": "kind"}]},
                                            {"op": "casei", "args": ["CoMmUnItY"]}]})

    def check_basic_spatial(self):
        box = (109.3, 36.4, 109.7, 36.8)
        inside = lambda f: (box[0] <= f["geometry"]["coordinates"][0] <= box[2]  # noqa: E731
                            and box[1] <= f["geometry"]["coordinates"][1] <= box[3])
        self.oracle("S_INTERSECTS(geometry, BBOX(109.3, 36.4, 109.7, 36.8))", inside,
                    js={"op": "s_intersects", "args": [{"property": "geometry"},
                                                        {"bbox": list(box)}]})
        self.oracle("S_INTERSECTS(geometry, BBOX(109.3, 36.4, 0, 109.7, 36.8, 2000))", inside)
        town = self.townships[0]
        x, y = ogr.CreateGeometryFromJson(json.dumps(town["geometry"])).PointOnSurface().GetPoint_2D()
        self.assertEqual(self.ids("townships", f"S_INTERSECTS(geometry, POINT({x} {y}))"),
                         [town["id"]])

    def check_basic_spatial_plus(self):
        """S_INTERSECTS with every kind of geometry literal, against OGR's Intersects."""
        shapes = {f["id"]: ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
                  for f in self.townships}
        for wkt in ("POINT(109.49 36.6)",
                    "MULTIPOINT((109.49 36.6), (109.2 36.9), (108.6 35.6))",
                    "LINESTRING(109.2 36.4, 109.9 36.9)",
                    "MULTILINESTRING((109.2 36.4, 109.9 36.9), (108.5 35.6, 108.9 35.7))",
                    "POLYGON((109.3 36.4, 109.7 36.4, 109.7 36.8, 109.3 36.4))",
                    "MULTIPOLYGON(((109.3 36.4, 109.7 36.4, 109.7 36.8, 109.3 36.4)),"
                    "((108.6 35.5, 108.8 35.5, 108.8 35.7, 108.6 35.5)))",
                    "GEOMETRYCOLLECTION(POINT(109.49 36.6), LINESTRING(108.5 35.6, 108.9 35.7))"):
            g = ogr.CreateGeometryFromWkt(wkt)
            self.oracle(f"S_INTERSECTS(geometry, {wkt})",
                        lambda f, g=g: shapes[f["id"]].Intersects(g), features=self.townships,
                        collection="townships")
            self.assertEqual(
                self.ids("townships", js={"op": "s_intersects", "args": [
                    {"property": "geometry"}, json.loads(g.ExportToJson())]}),
                self.ids("townships", f"S_INTERSECTS(geometry, {wkt})"), wkt)

    # ---------------------------------------------------------------- Processes

    def check_processes_core(self):
        _, _, doc = self.srv.get_json("/processes")
        self.assertIn("coverage", [p["id"] for p in doc["processes"]])
        status, _, body = self.execute({"inputs": {"kind": "mutual_aid_home"}})
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        self.assertTrue(0 < out["demand_covered"] < out["demand_total"])

    def check_processes_json(self):
        status, headers, body = self.execute({"inputs": {"kind": "canteen"}})
        self.assertEqual((status, headers["Content-Type"]), (200, "application/json"))
        _, headers, _ = self.srv.get("/processes/coverage")
        self.assertEqual(headers["Content-Type"], "application/json")

    def execute(self, body, **headers):
        return self.srv.get("/processes/coverage/execution", method="POST",
                            data=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json", **headers})

    def async_job(self):
        status, _, body = self.execute({"inputs": {"kind": "canteen"}}, Prefer="respond-async")
        self.assertEqual(status, 201, body)
        job = json.loads(body)["jobID"]
        for _ in range(200):
            info = self.srv.get_json(f"/jobs/{job}")[2]
            if info["status"] in ("successful", "failed"):
                break
            time.sleep(0.05)
        self.assertEqual(info["status"], "successful")
        return job

    def check_job_list(self):
        # Anonymous jobs are reached by their id alone; a user's are listed for that user.
        srv = self.writable()
        auth = {"Authorization": "Bearer " + self.token}
        status, headers, body = srv.get("/processes/coverage/execution", method="POST",
                                        data=json.dumps({"inputs": {"kind": "canteen"}}).encode(),
                                        headers={"Content-Type": "application/json",
                                                 "Prefer": "respond-async", **auth})
        self.assertEqual(status, 201, body)
        job = json.loads(body)["jobID"]
        _, _, jobs = srv.get_json("/jobs", headers=auth)
        self.assertIn(job, [j["jobID"] for j in jobs["jobs"]])
        self.assertNotIn(job, [j["jobID"] for j in srv.get_json("/jobs")[2]["jobs"]])

    def check_dismiss(self):
        job = self.async_job()
        status, _, gone = self.srv.get_json(f"/jobs/{job}", method="DELETE")
        self.assertEqual((status, gone["status"]), (200, "dismissed"))
        self.assertEqual(self.srv.get_json(f"/jobs/{job}/results")[0], 400)

    def check_schemas_queryables(self):
        _, _, q = self.srv.get_json("/collections/facilities/queryables")
        self.assertEqual(q["$schema"], "https://json-schema.org/draft/2020-12/schema")
        self.assertEqual(q["$id"], f"{self.srv.base}/collections/facilities/queryables")
        self.assertFalse(q["additionalProperties"])
        due = q["properties"]["due_date"]
        self.assertEqual((due["type"], due["format"]), ("string", "date"))
        self.assertTrue(due["description"] and due["title"])


    # ---------------------------------------------------------------- Part 5, Tiles

    def check_schemas(self):
        status, headers, sch = self.srv.get_json("/collections/facilities/schema")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/schema+json"))
        self.assertEqual(sch["$schema"], "https://json-schema.org/draft/2020-12/schema")
        _, _, coll = self.srv.get_json("/collections/facilities")
        self.assertIn(f"{self.srv.base}/collections/facilities/schema",
                      [l["href"] for l in coll["links"] if l["rel"] == "describedby"])
        self.assertEqual(sch["properties"]["capacity"]["type"], "integer")

    def check_property_roles(self):
        _, _, sch = self.srv.get_json("/collections/facilities/schema")
        roles = {k: v.get("x-ogc-role") for k, v in sch["properties"].items()}
        self.assertEqual(roles["id"], "id")
        self.assertEqual(roles["geometry"], "primary-geometry")
        self.assertEqual(roles["due_date"], "primary-instant")
        _, _, div = self.srv.get_json("/collections/townships/schema")
        self.assertEqual(div["properties"]["valid_from"]["x-ogc-role"], "primary-interval-start")

    def check_returnables(self):
        _, _, sch = self.srv.get_json("/collections/demand/schema")
        feature = self.srv.get_json("/collections/demand/items?limit=1")[2]["features"][0]
        self.assertLessEqual(set(feature["properties"]), set(sch["properties"]))
        for secret in ("poor_households", "poor_people", "assisted_households"):
            self.assertNotIn(secret, sch["properties"])

    def tileset(self, path):
        status, _, ts = self.srv.get_json(path)
        self.assertEqual(status, 200, path)
        item = [l for l in ts["links"] if l["rel"] == "item"]
        self.assertEqual(item[0]["type"], "application/vnd.mapbox-vector-tile")
        return ts, item[0]["href"]

    def tile_status(self, template, z, row, col):
        url = template.replace("{tileMatrix}", str(z)).replace("{tileRow}", str(row))
        return self.srv.get(url.replace("{tileCol}", str(col)).replace(self.srv.base, ""))

    def check_tiles_core(self):
        _, href = self.tileset("/collections/townships/tiles/WebMercatorQuad")
        status, headers, body = self.tile_status(href, 8, 99, 205)
        self.assertEqual((status, headers["Content-Type"]),
                         (200, "application/vnd.mapbox-vector-tile"))
        self.assertTrue(body)
        self.assertEqual(self.tile_status(href, 8, 300, 205)[0], 404)

    def check_tileset(self):
        ts, _ = self.tileset("/collections/townships/tiles/WebMercatorQuad")
        self.assertEqual(ts["dataType"], "vector")
        self.assertIn("WebMercatorQuad", ts["tileMatrixSetURI"])

    def check_tilesets_list(self):
        _, _, lst = self.srv.get_json("/collections/townships/tiles")
        self.assertEqual([t["tileMatrixSetURI"].rsplit("/", 1)[-1] for t in lst["tilesets"]],
                         ["WebMercatorQuad"])

    def check_geodata_tilesets(self):
        _, _, coll = self.srv.get_json("/collections/townships")
        rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
        self.assertTrue([l for l in coll["links"] if l["rel"] == rel])

    def check_dataset_tilesets(self):
        _, href = self.tileset("/tiles/WebMercatorQuad")
        self.assertEqual(self.tile_status(href, 6, 24, 51)[0], 200)

    def check_mvt(self):
        _, href = self.tileset("/collections/counties/tiles/WebMercatorQuad")
        status, _, body = self.tile_status(href, 6, 24, 51)
        self.assertEqual(status, 200)
        name = "/vsimem/conformance.mvt"
        from osgeo import gdal
        gdal.FileFromMemBuffer(name, body)
        ds = ogr.Open(f"MVT:{name}")
        self.assertIsNotNone(ds)
        self.assertGreater(ds.GetLayerByName("counties").GetFeatureCount(), 0)
        gdal.Unlink(name)

    def check_tiles_oas30(self):
        _, _, api = self.srv.get_json("/api")
        self.assertIn("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/"
                      "{tileRow}/{tileCol}", api["paths"])

    # ---------------------------------------------------------------- Part 4

    @classmethod
    def writable(cls):
        if not hasattr(cls, "wsrv"):
            db = demo_copy("conformance-write")
            cls.token = civgis("user", "add", "--db", db, "planner", "--role", "planner",
                               check=0).stdout.strip()
            cls.wsrv = Server(db).__enter__()
            cls.addClassCleanup(cls.wsrv.stop)
        return cls.wsrv

    def write(self, method, path, body=None, ctype="application/geo+json", **headers):
        srv = self.writable()
        data = json.dumps(body).encode() if body is not None else None
        return srv.get(path, method=method, data=data, headers={
            "Authorization": "Bearer " + self.token, "Content-Type": ctype, **headers})

    def new_facility(self):
        status, headers, body = self.write("POST", "/collections/facilities/items", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [109.49, 36.60]},
            "properties": {"kind": "canteen", "name": "测试食堂", "status": "planned",
                           "division_code": "610602"}})
        self.assertEqual(status, 201, body)
        return headers["Location"].replace(self.wsrv.base, ""), headers["ETag"]

    def check_create_replace_delete(self):
        path, _ = self.new_facility()
        status, _, body = self.write("PUT", path, {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [109.50, 36.61]},
            "properties": {"kind": "canteen", "name": "测试食堂二", "status": "planned",
                           "division_code": "610602"}})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(self.wsrv.get(path)[2])["properties"]["name"], "测试食堂二")
        self.assertEqual(self.write("DELETE", path)[0], 204)
        self.assertEqual(self.wsrv.get(path)[0], 404)

    def check_update(self):
        path, _ = self.new_facility()
        status, _, body = self.write("PATCH", path, {"properties": {"capacity": 40}},
                                     ctype="application/merge-patch+json")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(self.wsrv.get(path)[2])["properties"]["capacity"], 40)

    def check_optimistic_locking(self):
        path, etag = self.new_facility()
        patch = {"properties": {"capacity": 10}}
        self.assertEqual(self.write("PATCH", path, patch, ctype="application/merge-patch+json",
                                    **{"If-Match": etag})[0], 200)
        status, _, _ = self.write("PATCH", path, {"properties": {"capacity": 20}},
                                  ctype="application/merge-patch+json", **{"If-Match": etag})
        self.assertEqual(status, 412)
        self.assertEqual(json.loads(self.wsrv.get(path)[2])["properties"]["capacity"], 10)

    def check_part4_features(self):
        status, headers, _ = self.write("OPTIONS", "/collections/facilities/items")
        self.assertIn("POST", headers["Allow"])
        anonymous = self.writable().get("/collections/facilities/items", method="POST",
                                        data=b"{}",
                                        headers={"Content-Type": "application/geo+json"})
        self.assertEqual(anonymous[0], 401)

    CHECKS = {
        SPEC + "ogcapi-features-1/1.0/conf/core": "check_core",
        SPEC + "ogcapi-features-1/1.0/conf/oas30": "check_oas30",
        SPEC + "ogcapi-features-1/1.0/conf/html": "check_html",
        SPEC + "ogcapi-features-1/1.0/conf/geojson": "check_geojson",
        SPEC + "ogcapi-features-2/1.0/conf/crs": "check_crs",
        SPEC + "ogcapi-features-3/1.0/conf/queryables": "check_queryables",
        SPEC + "ogcapi-features-3/1.0/conf/queryables-query-parameters":
            "check_queryables_query_parameters",
        SPEC + "ogcapi-features-3/1.0/conf/filter": "check_filter",
        SPEC + "ogcapi-features-3/1.0/conf/features-filter": "check_features_filter",
        SPEC + "cql2/1.0/conf/cql2-text": "check_cql2_text",
        SPEC + "cql2/1.0/conf/cql2-json": "check_cql2_json",
        SPEC + "cql2/1.0/conf/basic-cql2": "check_basic_cql2",
        SPEC + "cql2/1.0/conf/advanced-comparison-operators": "check_advanced_comparison",
        SPEC + "cql2/1.0/conf/case-insensitive-comparison": "check_case_insensitive",
        SPEC + "cql2/1.0/conf/basic-spatial-functions": "check_basic_spatial",
        SPEC + "cql2/1.0/conf/basic-spatial-functions-plus": "check_basic_spatial_plus",
        SPEC + "ogcapi-features-5/1.0/conf/queryables": "check_schemas_queryables",
        SPEC + "ogcapi-features-5/1.0/conf/schemas": "check_schemas",
        SPEC + "ogcapi-features-5/1.0/conf/advanced-property-roles": "check_property_roles",
        SPEC + "ogcapi-features-5/1.0/conf/returnables-and-receivables": "check_returnables",
        SPEC + "ogcapi-tiles-1/1.0/conf/core": "check_tiles_core",
        SPEC + "ogcapi-tiles-1/1.0/conf/tileset": "check_tileset",
        SPEC + "ogcapi-tiles-1/1.0/conf/tilesets-list": "check_tilesets_list",
        SPEC + "ogcapi-tiles-1/1.0/conf/geodata-tilesets": "check_geodata_tilesets",
        SPEC + "ogcapi-tiles-1/1.0/conf/dataset-tilesets": "check_dataset_tilesets",
        SPEC + "ogcapi-tiles-1/1.0/conf/mvt": "check_mvt",
        SPEC + "ogcapi-tiles-1/1.0/conf/oas30": "check_tiles_oas30",
        SPEC + "ogcapi-features-4/1.0/conf/create-replace-delete": "check_create_replace_delete",
        SPEC + "ogcapi-features-4/1.0/conf/update": "check_update",
        SPEC + "ogcapi-features-4/1.0/conf/optimistic-locking-etags": "check_optimistic_locking",
        SPEC + "ogcapi-features-4/1.0/conf/features": "check_part4_features",
        SPEC + "ogcapi-processes-1/1.0/conf/core": "check_processes_core",
        SPEC + "ogcapi-processes-1/1.0/conf/json": "check_processes_json",
        SPEC + "ogcapi-processes-1/1.0/conf/job-list": "check_job_list",
        SPEC + "ogcapi-processes-1/1.0/conf/dismiss": "check_dismiss",
    }


if __name__ == "__main__":
    unittest.main(verbosity=2)
