"""Walks the abstract test suites of OGC API - Features Part 1 (Core, GeoJSON, HTML,
OAS 3.0) and Part 2 (CRS by reference), in the order of the CITE suite's list, against
the live server. Each test names the abstract test it checks (/ats/...)."""
import json
import unittest
import urllib.parse

from civgis_test import Server, demo_db

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
