"""Walks the abstract test suites of OGC API - Features Part 1 (Core, GeoJSON, HTML,
OAS 3.0) and Part 2 (CRS by reference), in the order of the CITE suite's list, against
the live server. Each test names the abstract test it checks (/ats/...). Then every
class /conformance declares, each against a check of it: a class without one fails."""
import datetime
import json
import math
import random
import time
import unicodedata
import unittest
import urllib.parse

from osgeo import ogr, osr

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

# Fixture rows the CQL2 checks add (the demo has no aliases and no due dates): places as
# (aliases, valid_from), and facilities' due dates. None: the property is left out.
PLACES = [(["甲", "乙"], "2019-06-01"), (["乙"], "2020-05-01"), ([], "2020-12-31"),
          (["丙", "甲"], "2021-03-01"), (None, "2021-08-15"), (["乙", "甲", "乙"], "2022-01-01")]
DUE = ["2021-01-01", "2021-06-30", "2022-04-24", "2022-04-25", "2023-01-01", None]

# OWL-Time's relations, as CQL2 defines its T_ functions: a and b are (start, end), closed.
OWL = {
    "T_AFTER": lambda a, b: a[0] > b[1],
    "T_BEFORE": lambda a, b: a[1] < b[0],
    "T_DISJOINT": lambda a, b: a[1] < b[0] or a[0] > b[1],
    "T_EQUALS": lambda a, b: a[0] == b[0] and a[1] == b[1],
    "T_INTERSECTS": lambda a, b: a[0] <= b[1] and a[1] >= b[0],
    "T_CONTAINS": lambda a, b: a[0] < b[0] and a[1] > b[1],
    "T_DURING": lambda a, b: a[0] > b[0] and a[1] < b[1],
    "T_FINISHEDBY": lambda a, b: a[0] < b[0] and a[1] == b[1],
    "T_FINISHES": lambda a, b: a[0] > b[0] and a[1] == b[1],
    "T_MEETS": lambda a, b: a[1] == b[0],
    "T_METBY": lambda a, b: a[0] == b[1],
    "T_OVERLAPPEDBY": lambda a, b: b[0] < a[0] < b[1] < a[1],
    "T_OVERLAPS": lambda a, b: a[0] < b[0] < a[1] < b[1],
    "T_STARTEDBY": lambda a, b: a[0] == b[0] and a[1] > b[1],
    "T_STARTS": lambda a, b: a[0] == b[0] and a[1] < b[1],
}


def owl(op, a, b):
    return OWL[op](a, b)


_TRANSFORMS = {}


def projected(geojson, srs):
    """A GeoJSON geometry (lon/lat) in another CRS, by OGR."""
    key = srs.ExportToProj4()
    if key not in _TRANSFORMS:
        wgs84 = osr.SpatialReference()
        wgs84.ImportFromEPSG(4326)
        wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        _TRANSFORMS[key] = osr.CoordinateTransformation(wgs84, srs)
    g = ogr.CreateGeometryFromJson(json.dumps(geojson))
    g.Transform(_TRANSFORMS[key])
    return g


def gap(values):
    """A threshold in the widest relative gap of sorted values, away from both ends, so a
    measure computed two ways falls on the same side of it."""
    i = max(range(1, len(values) - 2), key=lambda k: (values[k + 1] - values[k]) / values[k + 1])
    assert (values[i + 1] - values[i]) / values[i + 1] > 0.01, values[i:i + 2]
    return (values[i] + values[i + 1]) / 2


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
        # filter-crs: EPSG:4326 is latitude first; EPSG:3857 is in metres.
        box = (109.3, 36.4, 109.7, 36.8)
        want = self.ids("villages", "S_INTERSECTS(geometry, BBOX(%r, %r, %r, %r))" % box)
        self.assertTrue(want)
        self.assertEqual(self.ids("villages", **{
            "filter": "S_INTERSECTS(geometry, BBOX(%r, %r, %r, %r))" % (box[1], box[0], box[3],
                                                                         box[2]),
            "filter-crs": EPSG + "4326"}), want)
        merc = lambda x, y: (math.radians(x) * 6378137.0,  # noqa: E731
                             math.log(math.tan(math.pi / 4 + math.radians(y) / 2)) * 6378137.0)
        (x0, y0), (x1, y1) = merc(box[0], box[1]), merc(box[2], box[3])
        self.assertEqual(self.ids("villages", **{
            "filter": f"S_INTERSECTS(geometry, POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, "
                      f"{x0} {y1}, {x0} {y0})))", "filter-crs": EPSG + "3857"}), want)
        # EPSG:4545 (CGCS2000 Gauss-Kruger, northing first), through OGR for the coordinates
        gk, wgs = osr.SpatialReference(), osr.SpatialReference()
        gk.ImportFromEPSG(4545)
        wgs.ImportFromEPSG(4326)
        north, east, _ = osr.CoordinateTransformation(wgs, gk).TransformPoint(36.6, 109.5)
        near = self.ids("villages", "S_DWITHIN(geometry, POINT(109.5 36.6), 3000)")
        self.assertTrue(0 < len(near) < len(self.villages))
        self.assertEqual(self.ids("villages", **{
            "filter": f"S_DWITHIN(geometry, POINT({north} {east}), 3000)",
            "filter-crs": EPSG + "4545"}), near)
        q = urllib.parse.urlencode({"filter": "population > 1", "filter-crs": EPSG + "9999"})
        status, _, body = self.srv.get_json(f"/collections/villages/items?{q}")
        self.assertEqual(status, 400)
        self.assertIn("filter-crs", body["description"])

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

    # ---------------------------------------------------------------- CQL2 beyond the basics

    @classmethod
    def fixtures(cls):
        """A writable copy with data the demo lacks: places with aliases (arrays) and a start
        (open intervals), facilities with due dates (instants) and one at an exact spot."""
        if not hasattr(cls, "fsrv"):
            db = demo_copy("conformance-cql2")
            token = civgis("user", "add", "--db", db, "officer", "--role", "officer",
                           check=0).stdout.strip()
            cls.fsrv = Server(db).__enter__()
            cls.addClassCleanup(cls.fsrv.stop)

            def post(collection, x, y, props):
                props = {k: v for k, v in props.items() if v is not None}
                status, _, body = cls.fsrv.get(
                    f"/collections/{collection}/items", method="POST",
                    data=json.dumps({"type": "Feature", "properties": props, "geometry": {
                        "type": "Point", "coordinates": [x, y]}}).encode(),
                    headers={"Authorization": "Bearer " + token,
                             "Content-Type": "application/geo+json"})
                assert status == 201, body
            for i, (aliases, start) in enumerate(PLACES):
                post("places", 109.4 + i / 100, 36.5, {"name": f"地名{i}", "aliases": aliases,
                                                       "valid_from": start, "category": "test"})
            for i, due in enumerate(DUE):
                post("facilities", 109.45 + i / 100, 36.55, {
                    "kind": "canteen", "status": "planned", "name": f"到期{i}", "due_date": due})
            post("facilities", 109.5, 36.6, {"kind": "canteen", "name": "定点"})
        return cls.fsrv

    def fixture_oracle(self, collection, text, pred, js=None, base="true"):
        """oracle() over the fixtures' server: base narrows to the fixture features."""
        srv = self.fixtures()

        def ids(**params):
            qs = urllib.parse.urlencode(dict(limit=10000, **params))
            status, _, fc = srv.get_json(f"/collections/{collection}/items?{qs}")
            self.assertEqual(status, 200, (params, fc))
            return sorted(f["id"] for f in fc["features"])
        features = srv.get_json(f"/collections/{collection}/items?" + urllib.parse.urlencode(
            {"limit": 10000, "filter": base}))[2]["features"]
        want = sorted(f["id"] for f in features if pred(f["properties"]))
        self.assertTrue(0 < len(want) < len(features), (text, len(want)))
        self.assertEqual(ids(filter=f"({base}) AND ({text})"), want, text)
        if js is not None:
            self.assertEqual(ids(**{"filter-lang": "cql2-json", "filter": json.dumps(
                {"op": "and", "args": [{"op": "like", "args": [
                    {"property": "name"}, base.split("'")[1]]}, js]})}), want, js)

    def constant(self, text, expected):
        """A filter over literals only is true or false for every feature alike."""
        got = self.ids("counties", text, skipGeometry="true", properties="code")
        self.assertEqual(got, [] if not expected else sorted(f["id"] for f in self.counties()),
                         text)

    def counties(self):
        if not hasattr(self, "_counties"):
            type(self)._counties = self.fetch_all("counties")
        return self._counties

    def logical(self, stored, rounds=10):
        """/conf/*/logical: random combinations of four stored predicates, as the standard's
        tests build them, against the same combination of their oracles."""
        rng = random.Random(14)
        for _ in range(rounds):
            (t1, f1), (t2, f2), (t3, f3), (t4, f4) = rng.sample(stored, 4)
            text = (f"((NOT {t1} AND {t2}) OR ({t3} and NOT {t4}) or not ({t1} AND {t4}))")
            want = sorted(f["id"] for f in self.villages
                          if (not f1(f) and f2(f)) or (f3(f) and not f4(f)) or not (f1(f) and f4(f)))
            self.assertEqual(self.ids("villages", text), want, text)

    def check_accent_insensitive(self):
        strip = lambda s: "".join(c for c in unicodedata.normalize(  # noqa: E731
            "NFD", s or "") if unicodedata.category(c) != "Mn")
        p = lambda f: f["properties"]  # noqa: E731
        self.oracle("ACCENTI(pinyin) = ACCENTI('Baota Qu')",
                    lambda f: strip(p(f)["pinyin"]) == "Baota Qu", features=self.counties(),
                    collection="counties",
                    js={"op": "=", "args": [{"op": "accenti", "args": [{"property": "pinyin"}]},
                                            {"op": "accenti", "args": ["Baota Qu"]}]})
        self.oracle("ACCENTI(pinyin) = ACCENTI('Bǎotǎ Qū')",
                    lambda f: strip(p(f)["pinyin"]) == "Baota Qu", features=self.counties(),
                    collection="counties")
        self.oracle("ACCENTI(pinyin) LIKE ACCENTI('%Xian')",
                    lambda f: strip(p(f)["pinyin"]).endswith("Xian"),
                    features=self.counties(), collection="counties")
        self.oracle("CASEI(ACCENTI(pinyin)) = CASEI(ACCENTI('BAOTA QU'))",
                    lambda f: strip(p(f)["pinyin"]).lower() == "baota qu",
                    features=self.counties(), collection="counties")
        self.assertEqual(self.ids("counties", "pinyin = 'Baota Qu'"), [])  # accents matter
        self.constant("ACCENTI('débárquér') = ACCENTI('debarquer')", True)
        self.constant("ACCENTI('はじめ') = ACCENTI('はしめ')", False)  # the voicing mark stays
        self.constant("CASEI('ÉCOLE') = CASEI('école')", True)
        self.bad_filter("ACCENTI(population) = 'x'", "ACCENTI takes a string")

    def check_spatial_functions(self):
        """Every S_ function against OGR over the features as served, and at an exact spot."""
        shapes = {f["id"]: ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
                  for f in self.townships}
        line = "LINESTRING(109.2 36.4, 109.9 36.9)"
        poly = "POLYGON((109.3 36.4, 109.7 36.4, 109.7 36.8, 109.3 36.4))"
        big = "POLYGON((100 30, 120 30, 120 45, 100 45, 100 30))"
        town = self.townships[0]
        inner = shapes[town["id"]].PointOnSurface().ExportToWkt()
        half = "POLYGON((108.5 35.5, 109.6 35.5, 109.6 37.5, 108.5 37.5, 108.5 35.5))"
        self.assertEqual(self.ids("townships", f"S_WITHIN(geometry, {big})"), sorted(shapes))
        for op, wkt, fn in (("S_CROSSES", line, "Crosses"), ("S_OVERLAPS", poly, "Overlaps"),
                            ("S_WITHIN", half, "Within"), ("S_CONTAINS", inner, "Contains"),
                            ("S_DISJOINT", poly, "Disjoint"), ("S_INTERSECTS", line, "Intersects"),
                            ("S_TOUCHES", line, "Touches"), ("S_EQUALS", poly, "Equals")):
            g = ogr.CreateGeometryFromWkt(wkt)
            want = sorted(i for i in shapes if getattr(shapes[i], fn)(g))
            self.assertEqual(self.ids("townships", f"{op}(geometry, {wkt})"), want, op)
            self.assertEqual(self.ids("townships", js={"op": op.lower(), "args": [
                {"property": "geometry"}, json.loads(g.ExportToJson())]}), want, op)
            if op not in ("S_TOUCHES", "S_EQUALS"):  # those two are empty here; see below
                self.assertTrue(0 < len(want) < len(shapes), op)
        # Exact positions: a facility stored at (109.5, 36.6) equals and touches literals there.
        self.fixture_oracle("facilities", "S_EQUALS(geometry, POINT(109.5 36.6))",
                            lambda p: p["name"] == "定点", base="name LIKE '%'")
        self.fixture_oracle(
            "facilities", "S_TOUCHES(geometry, POLYGON((109.5 36.6, 109.6 36.6, 109.6 36.7, "
            "109.5 36.6)))", lambda p: p["name"] == "定点", base="name LIKE '%'",
            js={"op": "s_touches", "args": [{"property": "geometry"}, {
                "type": "Polygon", "coordinates": [[[109.5, 36.6], [109.6, 36.6], [109.6, 36.7],
                                                    [109.5, 36.6]]]}]})
        # /conf/spatial-functions: BBOX and its polygon agree; an impossible point is a 400.
        self.assertEqual(self.ids("villages", "S_INTERSECTS(geometry, BBOX(-180,-90,180,90))"),
                         self.ids("villages", "S_INTERSECTS(geometry, POLYGON((-180 -90,180 -90,"
                                              "180 90,-180 90,-180 -90)))"))
        self.assertEqual(self.ids("villages", "S_DISJOINT(geometry, BBOX(-180,-90,180,90))"), [])
        self.bad_filter("S_INTERSECTS(geometry, POINT(90 180))", "latitude 180")
        self.bad_filter("S_CROSSES(geometry, population)", "geometry")

    def check_temporal_functions(self):
        """T_ functions on instants (due dates) and open intervals (places' valid_from ..
        valid_to), against OWL-Time's definitions; and every function on literal
        intervals (closed at both ends) where it holds and where it does not."""
        day = datetime.date.fromisoformat
        inf_lo, inf_hi = datetime.date.min, datetime.date.max
        for op, (lo, hi) in (("T_AFTER", ("2022-01-01", "2022-12-31")),
                             ("T_BEFORE", ("2022-04-24", "2022-04-24")),
                             ("T_DISJOINT", ("2021-06-30", "2022-04-24")),
                             ("T_EQUALS", ("2022-04-24", "2022-04-24")),
                             ("T_INTERSECTS", ("2021-06-30", "2022-04-24"))):
            lit = (f"DATE('{lo}')" if lo == hi else f"INTERVAL('{lo}', '{hi}')")
            self.fixture_oracle(
                "facilities", f"{op}(due_date, {lit})",
                lambda p, op=op, lo=lo, hi=hi: p["due_date"] is not None and owl(
                    op, (day(p["due_date"]), day(p["due_date"])), (day(lo), day(hi))),
                base="name LIKE '到期%'",
                js={"op": op.lower(), "args": [{"property": "due_date"}, {"date": lo} if lo == hi
                                               else {"interval": [lo, hi]}]})
        for op in OWL:
            for lo, hi in (("2019-01-01", "2021-12-31"), ("2020-05-01", ".."),
                           ("..", "2021-03-01"), ("2020-01-01", "2021-03-01")):
                a = lambda p: (day(p["valid_from"]), inf_hi)  # noqa: E731
                b = (inf_lo if lo == ".." else day(lo), inf_hi if hi == ".." else day(hi))
                want = [f for f in PLACES if owl(op, (day(f[1]), inf_hi), b)]
                if not want or len(want) == len(PLACES):
                    continue  # the oracle wants a split
                self.fixture_oracle(
                    "places", f"{op}(INTERVAL(valid_from, valid_to), INTERVAL('{lo}', '{hi}'))",
                    lambda p, op=op, b=b: owl(op, a(p), b), base="name LIKE '地名%'",
                    js={"op": op.lower(), "args": [
                        {"interval": [{"property": "valid_from"}, {"property": "valid_to"}]},
                        {"interval": [lo, hi]}]})
        closed = [("2021-01-01", "2021-03-31"), ("2021-03-31", "2021-06-30"),
                  ("2021-02-01", "2021-12-31"), ("2021-01-01", "2021-12-31"),
                  ("2021-04-01", "2021-05-01"), ("2021-01-01", "2021-01-01")]
        for op in OWL:
            for x in closed:
                for y in closed:
                    want = owl(op, (day(x[0]), day(x[1])), (day(y[0]), day(y[1])))
                    self.constant(f"{op}(INTERVAL('{x[0]}', '{x[1]}'), "
                                  f"INTERVAL('{y[0]}', '{y[1]}'))", want)
        self.constant("T_BEFORE(TIMESTAMP('2021-01-01T10:00:00Z'), "
                      "TIMESTAMP('2021-01-01T18:00:00+08:00'))", False)  # the same instant
        self.constant("T_EQUALS(TIMESTAMP('2021-01-01T10:00:00Z'), "
                      "TIMESTAMP('2021-01-01T18:00:00+08:00'))", True)
        self.bad_filter("T_DURING(valid_from, INTERVAL('2021-01-01', '2021-12-31'))",
                        "compares two intervals")
        self.bad_filter("T_AFTER(name, DATE('2021-01-01'))", "not a date")
        self.bad_filter("T_AFTER(valid_from, INTERVAL('2021-12-31', '2021-01-01'))",
                        "ends before it starts")
        self.bad_filter("T_AFTER(valid_from, INTERVAL('2021-02-30', '..'))", "day 30")
        self.bad_filter('{"op": "t_after", "args": [{"property": "valid_from"}, '
                        '{"interval": ["2021-01-01"]}]}', "start and an end", lang="cql2-json")

    def check_array_functions(self):
        p = lambda f: set(f["aliases"]) if f["aliases"] is not None else None  # noqa: E731
        for op, lit, fn in (("A_CONTAINS", ["甲"], lambda a, b: a >= b),
                            ("A_CONTAINEDBY", ["甲", "乙"], lambda a, b: a <= b),
                            ("A_EQUALS", ["乙", "甲"], lambda a, b: a == b),
                            ("A_OVERLAPS", ["丙", "丁"], lambda a, b: bool(a & b))):
            text = ", ".join(f"'{x}'" for x in lit)
            self.fixture_oracle("places", f"{op}(aliases, ({text}))",
                                lambda f, fn=fn, lit=lit: p(f) is not None and fn(p(f), set(lit)),
                                base="name LIKE '地名%'",
                                js={"op": op.lower(), "args": [{"property": "aliases"}, lit]})
            # a NULL array is neither in nor out: NOT excludes it too
            self.fixture_oracle("places", f"NOT {op}(aliases, ({text}))",
                                lambda f, fn=fn, lit=lit: p(f) is not None and not fn(p(f), set(lit)),
                                base="name LIKE '地名%'")
        self.fixture_oracle("places", "A_CONTAINEDBY(aliases, ())",
                            lambda f: p(f) == set(), base="name LIKE '地名%'")
        self.fixture_oracle("places", "aliases IS NULL", lambda f: p(f) is None,
                            base="name LIKE '地名%'")
        srv = self.fixtures()
        fc = srv.get_json("/collections/places/items?aliases=" + urllib.parse.quote("乙"))[2]
        self.assertEqual(sorted(f["properties"]["name"] for f in fc["features"]),
                         sorted(f"地名{i}" for i, (a, _) in enumerate(PLACES) if a and "乙" in a))
        self.bad_filter("A_CONTAINS(name, ('a'))", "not an array")
        self.bad_filter("A_CONTAINS(aliases, (POINT(1 1), 'a'))", "array elements")

    def check_property_property(self):
        """Literals on the left, properties on the right, two properties, two literals."""
        p = lambda f: f["properties"]  # noqa: E731
        self.oracle("'community' = kind", lambda f: p(f)["kind"] == "community",
                    js={"op": "=", "args": ["community", {"property": "kind"}]})
        self.oracle("elderly_60plus * 4 > population",
                    lambda f: p(f)["elderly_60plus"] * 4 > p(f)["population"],
                    js={"op": ">", "args": [{"op": "*", "args": [{"property": "elderly_60plus"},
                                                                  4]},
                                            {"property": "population"}]})
        box = (109.3, 36.4, 109.7, 36.8)
        self.oracle("S_INTERSECTS(BBOX(109.3, 36.4, 109.7, 36.8), geometry)",
                    lambda f: (box[0] <= f["geometry"]["coordinates"][0] <= box[2]
                               and box[1] <= f["geometry"]["coordinates"][1] <= box[3]))
        self.assertEqual(self.ids("villages", "T_BEFORE(DATE('2020-01-01'), valid_from)"),
                         sorted(f["id"] for f in self.villages))
        self.constant("S_INTERSECTS(POINT(109 36), BBOX(108, 35, 110, 37))", True)
        self.constant("S_CROSSES(LINESTRING(108 36, 110 36), POLYGON((109 35, 110 35, 110 37, "
                      "109 35)))", True)
        self.constant("S_EQUALS(POINT(109 36), POINT(109 36.5))", False)
        self.constant("2 > 1 AND 'a' < 'b'", True)
        self.constant("T_AFTER(DATE('2021-01-02'), DATE('2021-01-01'))", True)

    def check_functions(self):
        status, _, doc = self.srv.get_json("/functions")
        self.assertEqual(status, 200)
        fns = {f["name"]: f for f in doc["functions"]}
        for name in ("abs", "floor", "ceil", "round", "char_length", "year", "month",
                     "area_m2", "distance_m"):
            self.assertIn("returns", fns[name], name)
        p = lambda f: f["properties"]  # noqa: E731
        self.oracle("abs(population - 1000) < 100", lambda f: abs(p(f)["population"] - 1000) < 100)
        self.oracle("floor(population / 1000) = 2", lambda f: p(f)["population"] // 1000 == 2,
                    js={"op": "=", "args": [{"op": "floor", "args": [
                        {"op": "/", "args": [{"property": "population"}, 1000]}]}, 2]})
        self.oracle("ceil(population / 1000) = 2",
                    lambda f: math.ceil(p(f)["population"] / 1000) == 2)
        self.oracle("round(population / 1000) = 2",
                    lambda f: math.floor(p(f)["population"] / 1000 + 0.5) == 2)
        self.oracle("char_length(name) = 5", lambda f: len(p(f)["name"]) == 5)
        self.oracle("year(valid_from) = 2021 AND month(valid_from) = 10 AND population > 5000",
                    lambda f: p(f)["population"] > 5000)
        # Geodesic measures, against OGR in an equal-area / an equidistant projection.
        albers = osr.SpatialReference()
        albers.ImportFromProj4("+proj=aea +lat_1=35 +lat_2=38 +lat_0=36 +lon_0=109.5 "
                               "+ellps=WGS84")
        areas = {f["id"]: projected(f["geometry"], albers).GetArea() for f in self.townships}
        cut = gap(sorted(areas.values()))
        self.oracle(f"area_m2(geometry) > {cut}", lambda f: areas[f["id"]] > cut,
                    features=self.townships, collection="townships")
        aeqd = osr.SpatialReference()
        aeqd.ImportFromProj4("+proj=aeqd +lat_0=36.6 +lon_0=109.49 +ellps=WGS84")
        dist = {f["id"]: projected(f["geometry"], aeqd).Distance(ogr.CreateGeometryFromWkt(
            "POINT(0 0)")) for f in self.villages}
        cut = gap(sorted(d for d in dist.values() if d < 20000))
        self.oracle(f"distance_m(geometry, POINT(109.49 36.6)) < {cut}",
                    lambda f: dist[f["id"]] < cut)
        self.bad_filter("nosuch(population) > 1", "unknown operator or function 'nosuch'")
        self.bad_filter("abs(population, 2) > 1", "abs takes 1 argument, not 2")
        self.bad_filter("abs(name) > 1", "abs() takes a number as argument 1, not a string")
        self.bad_filter("abs(population)", "predicate")
        self.bad_filter('{"op": "nosuch", "args": []}', "unknown operator or function 'nosuch'",
                        lang="cql2-json")

    def check_arithmetic(self):
        """The standard's arithmetic test predicates, on a population some villages have."""
        p = lambda f: f["properties"]["population"]  # noqa: E731
        v = p(self.villages[100])
        stored = []
        for text, fn in ((f"population={v - 8}+8", lambda x: x == v),
                         (f"population>={v + 2}-2*2^0", lambda x: x >= v),
                         (f"population>{v + 2}-20/10", lambda x: x > v),
                         (f"population>{v + 2}-21 div 10", lambda x: x > v),
                         (f"population>{v + 1}-5%2", lambda x: x > v),
                         (f"population<={v - 88}+8*11", lambda x: x <= v),
                         (f"population<{v - 8}+2^3", lambda x: x < v),
                         (f"population<>{v + 2}-2^1", lambda x: x != v),
                         ("population between 4000/4 and (3*(900+100))",
                          lambda x: 1000 <= x <= 3000),
                         ("population not between 4000/4 and (3*(900+100))",
                          lambda x: not 1000 <= x <= 3000),
                         (f"population in ({v - 8}+8, 1000*1000)", lambda x: x == v),
                         (f"{v - 8}+8=population", lambda x: x == v),
                         ("population / 2 > 1000", lambda x: x / 2 > 1000),
                         ("-population < -1000", lambda x: -x < -1000),
                         ("population - -1 > 1001", lambda x: x + 1 > 1001)):
            self.oracle(text, lambda f, fn=fn: fn(p(f)))
            stored.append((text, lambda f, fn=fn: fn(p(f))))
        self.logical(stored)
        self.oracle("population > elderly_60plus * 5 - 100",
                    lambda f: p(f) > f["properties"]["elderly_60plus"] * 5 - 100,
                    js={"op": ">", "args": [{"property": "population"}, {"op": "-", "args": [
                        {"op": "*", "args": [{"property": "elderly_60plus"}, 5]}, 100]}]})
        self.bad_filter("name + 1 > 2", "'+' takes a number as argument 1, not a string")
        self.bad_filter("population + > 2", "expected a property, a literal")
        self.assertEqual(self.ids("villages", "population / 0 > 1"), [])  # NULL: no match


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
        SPEC + "cql2/1.0/conf/spatial-functions": "check_spatial_functions",
        SPEC + "cql2/1.0/conf/temporal-functions": "check_temporal_functions",
        SPEC + "cql2/1.0/conf/array-functions": "check_array_functions",
        SPEC + "cql2/1.0/conf/accent-insensitive-comparison": "check_accent_insensitive",
        SPEC + "cql2/1.0/conf/property-property": "check_property_property",
        SPEC + "cql2/1.0/conf/functions": "check_functions",
        SPEC + "cql2/1.0/conf/arithmetic": "check_arithmetic",
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
