"""OGC API - Features (Parts 1, 2, 3) against a live server on loopback, with the
clients users have: GDAL's OAPIF driver, python3-owslib, a JavaScript OpenAPI
validator, and plain HTTP for what they do not cover."""
import gzip
import json
import math
import os
import subprocess
import time
import unittest
import urllib.parse

from civgis_test import ROOT, Server, civgis, connect, demo_copy, demo_db, run_client, scratch_dir

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
JS = os.path.join(os.path.dirname(ROOT), "tests", "js")


run = run_client


class Features(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.con = connect(cls.db)
        cls.srv = Server(cls.db, "--threads", "2").__enter__()
        cls.dir = scratch_dir("features")

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.con.close()

    def items(self, collection, **params):
        qs = urllib.parse.urlencode(params)
        status, headers, body = self.srv.get_json(f"/collections/{collection}/items?{qs}")
        self.assertEqual(status, 200, body)
        return headers, body

    def all_items(self, collection, **params):
        _, fc = self.items(collection, limit=10000, **params)
        return fc["features"]

    def bad(self, path, part, status=400):
        code, headers, body = self.srv.get_json(path)
        self.assertEqual(code, status, (path, body))
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertIn(part, body["description"], path)
        self.assertEqual(self.srv.get("/health")[0], 200)  # the server is unaffected

    # ------------------------------------------------------------ real clients

    def test_gdal_lists_collections_and_copies_layers(self):
        out = run("ogrinfo", "-ro", "-q", "OAPIF:" + self.srv.base)
        for name in ("counties", "townships", "villages", "divisions", "facilities", "demand"):
            self.assertIn(name, out)
        gpkg = os.path.join(self.dir, "copy.gpkg")
        # A small page size makes GDAL follow many next links.
        run("ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:" + self.srv.base, "townships", "villages",
            "-oo", "PAGE_SIZE=25")
        from osgeo import ogr
        ds = ogr.Open(gpkg)
        town = ds.GetLayerByName("townships")
        self.assertEqual(town.GetFeatureCount(), 117)
        stored = dict(self.con.execute("SELECT code, name FROM divisions WHERE level = 4"))
        got = {}
        for f in town:
            g = f.GetGeometryRef()
            self.assertTrue(g.IsValid())
            self.assertEqual(g.GetGeometryType(), ogr.wkbMultiPolygon)
            got[f.GetField("code")] = f.GetField("name")
            self.assertEqual(f.GetField("level"), 4)
            self.assertTrue(f.GetField("synthetic"))
        self.assertEqual(got, stored)
        self.assertEqual(ds.GetLayerByName("villages").GetFeatureCount(), 1953)

    def test_gdal_bbox_read_is_exact(self):
        box = (109.3, 36.4, 109.7, 36.8)
        out = run("ogrinfo", "-ro", "-q", "-spat", *map(str, box), "OAPIF:" + self.srv.base,
                  "townships")
        got = sorted(line.split("=")[1].strip() for line in out.splitlines()
                     if line.strip().startswith("code (String)"))
        want = sorted(r[0] for r in self.con.execute(
            "SELECT code FROM divisions WHERE level = 4 AND ST_Intersects(geom, "
            "BuildMbr(?, ?, ?, ?, 4326)) = 1", box))
        self.assertEqual(got, want)
        self.assertTrue(0 < len(want) < 117)

    def test_bbox_counts_are_exact(self):
        # numberMatched by box counts features whose tree box lies inside without reading
        # them, and tests the straddling ones exactly: both must agree with SpatiaLite.
        boxes = [(109.3, 36.4, 109.7, 36.8), (108.5, 35.5, 110.5, 37.5), (109.0, 36.0, 109.05, 36.05),
                 (110.1, 36.2, 110.9, 37.3)]
        for layer, where, geom in (("townships", "level = 4", "geom"),
                                   ("villages", "level = 5", "seat"),
                                   ("divisions", "1", "COALESCE(geom, seat)")):
            for box in boxes:
                bbox = ",".join(map(str, box))
                _, fc = self.items(layer, limit=1, bbox=bbox)
                want = self.con.execute(
                    "SELECT count(*) FROM divisions WHERE %s AND valid_to IS NULL AND "
                    "ST_Intersects(%s, BuildMbr(?, ?, ?, ?, 4326)) = 1" % (where, geom),
                    box).fetchone()[0]
                self.assertEqual(fc["numberMatched"], want, (layer, box))
                _, page = self.items(layer, limit=2000, bbox=bbox)
                self.assertEqual(page["numberReturned"], want, (layer, box))

    def test_bbox_counts_from_the_tree_alone_are_exact(self):
        # A layer without conditions or history rows (places imported from a file) is
        # counted from its R*Tree alone, reading only the straddling features; once a
        # history row exists (a closed copy lying in the box) the count joins the table
        # again. Both must agree with SpatiaLite, and the probe must use the index.
        import random
        d = scratch_dir("tree-count")
        rnd = random.Random(5)
        feats = []
        for i in range(400):
            x, y = rnd.uniform(108, 111), rnd.uniform(35, 38)
            w, h = rnd.uniform(0.005, 0.2), rnd.uniform(0.005, 0.2)
            ring = [[x, y], [x + w, y + h * 0.1], [x + w * 0.6, y + h], [x - w * 0.2, y + h * 0.7], [x, y]]
            feats.append({"type": "Feature", "properties": {"name": f"地{i}", "kind": "village"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
        src = os.path.join(d, "polygons.geojson")
        with open(src, "w") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f)
        db = os.path.join(d, "places.sqlite")
        civgis("import", "--db", db, "--target", "places", "--map", "category=kind", src, check=0)
        boxes = [(109.3, 36.4, 109.7, 36.8), (108.5, 35.5, 110.5, 37.5), (109.0, 36.0, 109.05, 36.05),
                 (110.1, 36.2, 110.9, 37.3), (100, 20, 120, 50)]
        con = connect(db)
        plan = " ".join(r[3] for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT EXISTS (SELECT 1 FROM places WHERE valid_to IS NOT NULL)"))
        self.assertIn("places_closed", plan)

        def check(srv):
            for box in boxes:
                bbox = ",".join(map(str, box))
                st, _, fc = srv.get_json(f"/collections/places/items?limit=1&bbox={bbox}")
                want = con.execute("SELECT count(*) FROM places WHERE valid_to IS NULL AND "
                                   "ST_Intersects(geom, BuildMbr(?, ?, ?, ?, 4326)) = 1",
                                   box).fetchone()[0]
                self.assertEqual((st, fc["numberMatched"]), (200, want), box)
                self.assertTrue(0 < want, box)

        with Server(db) as srv:
            check(srv)
            # A closed copy of every tenth place, as an edit leaves one behind.
            con.execute("INSERT INTO places (name, category, status, is_synthetic, valid_from, "
                        "valid_to, geom) SELECT name, category, status, is_synthetic, "
                        "'2000-01-01', '2001-01-01', geom FROM places WHERE id % 10 = 0")
            con.commit()
            check(srv)
        con.close()

    def test_owslib(self):
        from owslib.ogcapi.features import Features as OwsFeatures
        api = OwsFeatures(self.srv.base)
        ids = [c["id"] for c in api.collections()["collections"]]
        self.assertIn("townships", ids)
        self.assertIn("queryables", json.dumps(api.collection("townships")))
        fc = api.collection_items("townships", bbox=[109.3, 36.4, 109.7, 36.8], limit=5)
        self.assertEqual(fc["numberReturned"], 5)
        self.assertEqual(len(fc["features"]), 5)
        self.assertGreater(fc["numberMatched"], 5)
        q = api.collection_queryables("villages")
        self.assertIn("elderly_60plus", q["properties"])

    def test_openapi_is_valid(self):
        out = run("node", os.path.join(JS, "validate_openapi.mjs"), self.srv.base + "/api")
        self.assertIn("valid OpenAPI", out)
        status, headers, doc = self.srv.get_json("/api")
        self.assertEqual(headers["Content-Type"], "application/vnd.oai.openapi+json;version=3.0")
        self.assertIn("/collections/{collectionId}/items", doc["paths"])

    # ------------------------------------------------------------ Part 1

    def test_paging_links_and_counts(self):
        _, p1 = self.items("villages", limit=500)
        self.assertEqual((p1["numberMatched"], p1["numberReturned"]), (1953, 500))
        rels = {l["rel"]: l["href"] for l in p1["links"]}
        self.assertNotIn("prev", rels)
        seen = [f["id"] for f in p1["features"]]
        href = rels["next"]
        while href:
            status, _, page = self.srv.get_json(href[len(self.srv.base):])
            self.assertEqual(status, 200)
            seen += [f["id"] for f in page["features"]]
            rels = {l["rel"]: l["href"] for l in page["links"]}
            self.assertIn("prev", rels)
            href = rels.get("next")
        self.assertEqual(len(seen), 1953)
        self.assertEqual(len(set(seen)), 1953)

    def test_limits_and_unknown_parameters(self):
        self.bad("/collections/villages/items?limit=0", "limit")
        self.bad("/collections/villages/items?limit=10001", "limit")
        self.bad("/collections/villages/items?offset=-1", "offset")
        self.bad("/collections/villages/items?colour=red", "unknown parameter 'colour'")
        self.bad("/collections/villages/items?bbox=1,2,3", "bbox")
        self.bad("/collections/villages/items?bbox=3,2,1,4", "lower corner")
        self.bad("/collections/villages/items?f=xml", "f must be")
        self.bad("/collections/nope/items", "no collection", 404)
        self.bad("/collections/villages/items/000000000000", "no feature", 404)
        _, fc = self.items("villages", limit=10000)
        self.assertEqual(fc["numberReturned"], 1953)

    def test_item_by_official_code(self):
        status, headers, f = self.srv.get_json("/collections/counties/items/610602")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/geo+json")
        self.assertEqual(f["id"], "610602")
        self.assertEqual(f["properties"]["name"], "宝塔区")
        self.assertEqual(f["properties"]["population"], 640951)
        self.assertEqual({l["rel"] for l in f["links"]}, {"self", "alternate", "collection"})

    def test_datetime_selects_versions(self):
        self.assertEqual(len(self.all_items("townships", datetime="2020-06-01")), 0)
        self.assertEqual(len(self.all_items("townships", datetime="2022-01-01")), 117)
        self.assertEqual(len(self.all_items("townships", datetime="2021-10-31T08:00:00Z")), 117)
        self.assertEqual(len(self.all_items("townships", datetime="../2021-01-01")), 0)
        self.assertEqual(len(self.all_items("townships", datetime="2021-01-01/..")), 117)
        self.bad("/collections/townships/items?datetime=yesterday", "datetime")
        _, c = self.srv.get_json("/collections/townships")[1:]
        self.assertEqual(c["extent"]["temporal"]["interval"], [["2021-10-31", None]])

    def test_property_filters_sort_select_and_search(self):
        feats = self.all_items("townships", kind="street", sortby="-code",
                               properties="code,name,kind")
        codes = [f["properties"]["code"] for f in feats]
        self.assertEqual(codes, sorted(codes, reverse=True))
        self.assertTrue(all(f["properties"]["kind"] == "street" for f in feats))
        self.assertEqual(set(feats[0]["properties"]), {"code", "name", "kind"})
        want = self.con.execute("SELECT count(*) FROM divisions WHERE level = 4 AND "
                                "kind = 'street'").fetchone()[0]
        self.assertEqual(len(feats), want)
        self.assertEqual([f["id"] for f in self.all_items("counties", q="宝塔")], ["610602"])
        self.assertEqual(len(self.all_items("townships", q="610602")), 19)
        self.assertEqual(len(self.all_items("villages", population=8242)), 1)
        no_geom = self.all_items("counties", skipGeometry="true")
        self.assertTrue(all(f["geometry"] is None for f in no_geom))
        self.bad("/collections/townships/items?sortby=colour", "sortby")
        self.bad("/collections/townships/items?properties=code,colour", "properties")

    # ------------------------------------------------------------ Part 2

    def test_crs_axis_order(self):
        path = "/collections/villages/items/610602001001"
        _, h84, f84 = self.srv.get_json(path)
        _, h4326, f4326 = self.srv.get_json(path + "?crs=" + EPSG + "4326")
        self.assertEqual(h84["Content-Crs"], f"<{CRS84}>")
        self.assertEqual(h4326["Content-Crs"], f"<{EPSG}4326>")
        x, y = f84["geometry"]["coordinates"]
        self.assertEqual(f4326["geometry"]["coordinates"], [y, x])
        _, _, f3857 = self.srv.get_json(path + "?crs=" + EPSG + "3857")
        ex, ny = f3857["geometry"]["coordinates"]
        self.assertAlmostEqual(ex, math.radians(x) * 6378137.0, places=1)
        self.assertAlmostEqual(ny, math.log(math.tan(math.pi / 4 + math.radians(y) / 2))
                               * 6378137.0, places=1)
        _, _, f4545 = self.srv.get_json(path + "?crs=" + EPSG + "4545")
        north, east = f4545["geometry"]["coordinates"]  # EPSG:4545 is northing first
        self.assertTrue(3.9e6 < north < 4.2e6 and 600000 < east < 700000, (north, east))
        self.bad(path + "?crs=" + EPSG + "9999", "crs")

    def test_bbox_crs(self):
        ids84 = {f["id"] for f in self.all_items("villages", bbox="109.3,36.4,109.7,36.8")}
        box3857 = "%f,%f,%f,%f" % (
            math.radians(109.3) * 6378137, math.log(math.tan(math.pi / 4 + math.radians(36.4) / 2)) * 6378137,
            math.radians(109.7) * 6378137, math.log(math.tan(math.pi / 4 + math.radians(36.8) / 2)) * 6378137)
        ids3857 = {f["id"] for f in self.all_items("villages", bbox=box3857,
                                                     **{"bbox-crs": EPSG + "3857"})}
        self.assertEqual(ids3857, ids84)
        ids4326 = {f["id"] for f in self.all_items("villages", bbox="36.4,109.3,36.8,109.7",
                                                     **{"bbox-crs": EPSG + "4326"})}
        self.assertEqual(ids4326, ids84)

    # ------------------------------------------------------------ Part 3

    def test_hostile_and_malformed_filters(self):
        base = "/collections/villages/items?filter="
        q = urllib.parse.quote
        self.bad(base + q("name = 'x"), "unterminated")
        self.bad(base + q("name = 'x' OR 1=1; DROP TABLE divisions; --"), "filter")
        self.bad(base + q("colour = 'red'"), "not a queryable")
        self.bad(base + q("id = 1 OR rowid > 0"), "not a queryable")
        self.bad(base + q("population = 'many'"), "cannot compare")
        self.bad(base + q("(" * 200 + "population = 1" + ")" * 200), "deeper")
        self.bad(base + q(" OR ".join(f"population = {i}" for i in range(600))), "nodes")
        self.bad(base + q("x" * 20000), "longer")
        self.bad(base + q("S_INTERSECTS(name, POINT(1 2))"), "spatial")
        self.bad(base + q("{bad json") + "&filter-lang=cql2-json", "JSON")
        self.bad(base + q('{"op":"drop","args":[]}') + "&filter-lang=cql2-json",
                 "unknown operator")
        self.bad("/collections/villages/items?filter-lang=cql2-xml&filter=a", "filter-lang")
        # The table is intact and answers.
        self.assertEqual(self.con.execute("SELECT count(*) FROM divisions").fetchone(), (2084,))

    def test_queryables_schema(self):
        status, headers, q = self.srv.get_json("/collections/facilities/queryables")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/schema+json")
        self.assertEqual(q["properties"]["capacity"]["type"], "integer")
        self.assertEqual(q["properties"]["geometry"]["x-ogc-role"], "primary-geometry")
        self.assertFalse(q["additionalProperties"])

    # ------------------------------------------------------------ HTTP

    def test_etag_304_gzip_cors(self):
        path = "/collections/townships/items?limit=50"
        status, headers, body = self.srv.get(path)
        etag = headers["ETag"]
        self.assertTrue(etag.startswith('"') and etag.endswith('"'))
        status, h2, body2 = self.srv.get(path, headers={"If-None-Match": etag})
        self.assertEqual((status, body2), (304, b""))
        status, hz, bz = self.srv.get(path, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hz["Content-Encoding"], "gzip")
        self.assertNotEqual(hz["ETag"], etag)  # another representation, another tag
        self.assertEqual(gzip.decompress(bz), body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertIn("no-cache", headers["Cache-Control"])

    def test_strong_etags_name_the_bytes(self):
        """A strong ETag promises the same bytes: the body has no timeStamp that would
        change from second to second under one tag, and the links carry the Host the
        client used, so another Host gets another tag."""
        paths = ("/collections/townships/items?limit=50", "/collections/villages/items/"
                 "610602001001", "/collections", "/collections/facilities", "/conformance", "/",
                 "/api", "/collections/townships/queryables")
        first = {path: self.srv.get(path) for path in paths}
        time.sleep(1.1)  # past a second boundary: a time in the body would differ now
        for path, (_, h1, b1) in first.items():
            _, h2, b2 = self.srv.get(path)
            self.assertEqual((h2["ETag"], b2), (h1["ETag"], b1), path)
            self.assertNotIn(b"timeStamp", b1, path)
            _, h3, b3 = self.srv.get(path, headers={"Host": "gis.example.org:8080"})
            if b3 != b1:  # the links name the host (/conformance has none)
                self.assertNotEqual(h3["ETag"], h1["ETag"], path)
            if path.startswith("/collections/"):
                self.assertIn(b"http://gis.example.org:8080/collections/", b3, path)
            self.assertEqual(self.srv.get(path, headers={"If-None-Match": h1["ETag"]})[:3:2],
                             (304, b""), path)
        # What the README lists as having no ETag.
        for path in ("/health", "/processes", "/jobs", "/tiles", "/tiles/townships.json",
                     "/collections/townships/tiles", "/tileMatrixSets/WebMercatorQuad",
                     "/collections/nothing"):
            status, headers, _ = self.srv.get(path)
            self.assertIsNone(headers["ETag"], (path, status))

    def test_html_pages_escape_everything(self):
        for path in ("/", "/collections", "/collections/townships",
                     "/collections/townships/items?f=html&limit=5",
                     "/collections/counties/items/610602?f=html", "/conformance?f=html"):
            status, headers, body = self.srv.get(path, headers={"Accept": "text/html"})
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
        status, _, body = self.srv.get("/collections/townships/items?f=html&limit=5")
        self.assertIn("<svg", body.decode())
        status, _, body = self.srv.get(
            "/collections/villages/items?f=html&q=" + urllib.parse.quote("<script>alert(1)</script>"))
        self.assertEqual(status, 200)
        self.assertNotIn("<script>", body.decode())


def geodesic_m(a, b):
    """Geodesic distance on WGS84 by Vincenty's inverse formula (independent of the server)."""
    f, A = 1 / 298.257223563, 6378137.0
    B = A * (1 - f)
    L = math.radians(b[0] - a[0])
    U1, U2 = math.atan((1 - f) * math.tan(math.radians(a[1]))), math.atan((1 - f) * math.tan(math.radians(b[1])))
    sU1, cU1, sU2, cU2 = math.sin(U1), math.cos(U1), math.sin(U2), math.cos(U2)
    lam = L
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        ss = math.hypot(cU2 * sl, cU1 * sU2 - sU1 * cU2 * cl)
        if ss == 0:
            return 0.0
        cs = sU1 * sU2 + cU1 * cU2 * cl
        sigma = math.atan2(ss, cs)
        sa = cU1 * cU2 * sl / ss
        c2a = 1 - sa * sa
        c2sm = cs - 2 * sU1 * sU2 / c2a if c2a else 0
        C = f / 16 * c2a * (4 + f * (4 - 3 * c2a))
        prev, lam = lam, L + (1 - C) * f * sa * (sigma + C * ss * (c2sm + C * cs * (-1 + 2 * c2sm ** 2)))
        if abs(lam - prev) < 1e-12:
            break
    u2 = c2a * (A * A - B * B) / (B * B)
    a_ = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
    b_ = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
    ds = b_ * ss * (c2sm + b_ / 4 * (cs * (-1 + 2 * c2sm ** 2) - b_ / 6 * c2sm * (-3 + 4 * ss ** 2) * (-3 + 4 * c2sm ** 2)))
    return B * a_ * (sigma - ds)



class Cql2Oracle(unittest.TestCase):
    """CQL2 filters against a client-side oracle, on a copy of the demo data where some
    villages have no pinyin, an urban-rural class and a later valid_from (in the shipped
    data every village has pinyin and none of the others, so IS NULL, IS NOT NULL and date
    comparisons would select all villages or none)."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("cql2")
        con = connect(cls.db)
        con.execute("UPDATE divisions SET pinyin = NULL WHERE level = 5 AND code LIKE '610602%'")
        con.execute("UPDATE divisions SET urban_rural_code = CASE kind WHEN 'community' THEN "
                    "'111' ELSE '220' END WHERE level = 5 AND parent_code LIKE '6106021%'")
        con.execute("UPDATE divisions SET urban_rural_code = '112' WHERE level = 5 AND "
                    "kind = 'community' AND code LIKE '610603%'")
        con.execute("UPDATE divisions SET valid_from = '2023-06-01' WHERE level = 5 AND "
                    "code LIKE '610621%'")
        con.execute("UPDATE divisions SET valid_from = '2022-03-15' WHERE level = 5 AND "
                    "code LIKE '610622%'")
        con.commit()
        con.close()
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def all_items(self, collection, **params):
        qs = urllib.parse.urlencode(dict(limit=10000, **params))
        status, _, fc = self.srv.get_json(f"/collections/{collection}/items?{qs}")
        self.assertEqual(status, 200, fc)
        return fc["features"]

    def test_cql2_equals_a_client_side_filter(self):
        """Each operator against the same predicate evaluated here, on a case that selects
        some villages and not others: a server that ignored the operator (matching all or
        none) fails."""
        every = self.all_items("villages")
        p = lambda f: f["properties"]  # noqa: E731
        cases = [
            ("population > 5000", lambda f: p(f)["population"] > 5000),
            ("population >= 1000 AND population < 1500",
             lambda f: 1000 <= p(f)["population"] < 1500),
            ("kind = 'community' OR elderly_60plus > 900",
             lambda f: p(f)["kind"] == "community" or p(f)["elderly_60plus"] > 900),
            ("NOT (kind = 'village')", lambda f: p(f)["kind"] != "village"),
            ("name LIKE '%社区%'", lambda f: "社区" in p(f)["name"]),
            ("name LIKE '杨家_社区居委会'",
             lambda f: p(f)["name"].startswith("杨家") and p(f)["name"].endswith("社区居委会")
             and len(p(f)["name"]) == 8),
            ("parent_code IN ('610602001', '610603100')",
             lambda f: p(f)["parent_code"] in ("610602001", "610603100")),
            ("population BETWEEN 100 AND 200", lambda f: 100 <= p(f)["population"] <= 200),
            ("pinyin IS NULL", lambda f: p(f)["pinyin"] is None),
            ("pinyin IS NOT NULL", lambda f: p(f)["pinyin"] is not None),
            ("urban_rural_code IS NOT NULL", lambda f: p(f)["urban_rural_code"] is not None),
            ("urban_rural_code IS NULL AND kind = 'community'",
             lambda f: p(f)["urban_rural_code"] is None and p(f)["kind"] == "community"),
            ("valid_from >= DATE('2022-01-01')", lambda f: p(f)["valid_from"] >= "2022-01-01"),
            ("valid_from < DATE('2023-06-01')", lambda f: p(f)["valid_from"] < "2023-06-01"),
            ("CASEI(kind) = casei('COMMUNITY')", lambda f: p(f)["kind"] == "community"),
            ("S_INTERSECTS(geometry, BBOX(109.3, 36.4, 109.7, 36.8))",
             lambda f: 109.3 <= f["geometry"]["coordinates"][0] <= 109.7
             and 36.4 <= f["geometry"]["coordinates"][1] <= 36.8),
            ("S_DWITHIN(geometry, POINT(109.49 36.6), 5000)",
             lambda f: geodesic_m(f["geometry"]["coordinates"], (109.49, 36.6)) <= 5000),
        ]
        self.assertEqual(len(every), 1953)
        for text, pred in cases:
            want = sorted(f["id"] for f in every if pred(f))
            self.assertTrue(0 < len(want) < len(every), (text, len(want)))
            got = sorted(f["id"] for f in self.all_items("villages", filter=text))
            self.assertEqual(got, want, text)

    def test_cql2_json_matches_cql2_text(self):
        pairs = [
            ("kind = 'community' AND population > 5000",
             {"op": "and", "args": [{"op": "=", "args": [{"property": "kind"}, "community"]},
                                    {"op": ">", "args": [{"property": "population"}, 5000]}]}),
            ("parent_code IN ('610602001', '610603100')",
             {"op": "in", "args": [{"property": "parent_code"}, ["610602001", "610603100"]]}),
            ("S_INTERSECTS(geometry, POLYGON((109.3 36.4, 109.7 36.4, 109.7 36.8, 109.3 36.4)))",
             {"op": "s_intersects", "args": [{"property": "geometry"}, {
                 "type": "Polygon",
                 "coordinates": [[[109.3, 36.4], [109.7, 36.4], [109.7, 36.8], [109.3, 36.4]]]}]}),
            ("pinyin IS NULL", {"op": "isNull", "args": [{"property": "pinyin"}]}),
            ("NOT (urban_rural_code IS NULL)",
             {"op": "not", "args": [{"op": "isNull", "args": [{"property": "urban_rural_code"}]}]}),
            ("valid_from >= DATE('2022-01-01')",
             {"op": ">=", "args": [{"property": "valid_from"}, {"date": "2022-01-01"}]}),
        ]
        for text, js in pairs:
            a = sorted(f["id"] for f in self.all_items("villages", filter=text))
            b = sorted(f["id"] for f in self.all_items(
                "villages", filter=json.dumps(js), **{"filter-lang": "cql2-json"}))
            self.assertEqual(a, b, text)
            self.assertTrue(0 < len(a) < 1953, (text, len(a)))


class ScenarioCollections(unittest.TestCase):
    """Every stored scenario's proposed sites are a collection of their own."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("scenario")
        con = connect(cls.db)
        con.execute("INSERT INTO scenarios (id, name, problem) VALUES (7, '互助幸福院 2025', 'mclp')")
        for i, (x, y) in enumerate(((109.50, 36.60), (109.60, 36.70))):
            con.execute("INSERT INTO facilities (fid, kind, name, status, scenario_id, geom) VALUES "
                        "(?, 'mutual_aid_home', ?, 'planned', 7, MakePoint(?, ?, 4326))",
                        (f"S7-{i}", f"拟建互助幸福院 {i}", x, y))
        con.commit()
        con.close()
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_scenario_collection(self):
        _, _, doc = self.srv.get_json("/collections")
        got = {c["id"]: c for c in doc["collections"]}
        self.assertIn("scenario-7", got)
        self.assertEqual(got["scenario-7"]["featureCount"], 2)
        self.assertIn("互助幸福院 2025", got["scenario-7"]["title"])
        _, _, fc = self.srv.get_json("/collections/scenario-7/items")
        self.assertEqual(sorted(f["id"] for f in fc["features"]), ["S7-0", "S7-1"])
        self.assertTrue(all(f["properties"]["status"] == "planned" for f in fc["features"]))
        _, _, f = self.srv.get_json("/collections/scenario-7/items/S7-1")
        self.assertEqual(f["properties"]["scenario_id"], 7)
        self.assertEqual(self.srv.get_json("/collections/scenario-7/items/F0001")[0], 404)
        self.assertEqual(self.srv.get_json("/collections/scenario-8/items")[0], 404)
        self.assertEqual(self.srv.get_json("/collections/scenario-x")[0], 404)
        _, _, fac = self.srv.get_json("/collections/facilities/items?scenario_id=7")
        self.assertEqual(fac["numberMatched"], 2)
        status, _, tj = self.srv.get_json("/tiles/scenario-7.json")
        self.assertEqual((status, tj["vector_layers"][0]["id"]), (200, "scenario-7"))
        self.assertEqual(self.srv.get("/tiles/scenario-7/10/823/399.mvt")[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
