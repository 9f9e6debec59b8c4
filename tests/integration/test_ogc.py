"""The OGC APIs as clients nobody here wrote read them: OpenLayers' OGCVectorTile source
(headless Chromium), GDAL's OGCAPI, OAPIF and /vsicurl/ drivers; and the HTTP rules
those clients lean on, checked over every route the API definition lists: HEAD says what
GET says, links are clean paths whose format is their type, each collection publishes
its schema (Part 5) and its queryables in /api."""
import json
import os
import re
import subprocess
import unittest
import urllib.parse

from osgeo import gdal, ogr

from civgis_test import ROOT, Server, connect, demo_db, run_client, scratch_dir

JS = os.path.join(os.path.dirname(ROOT), "tests", "js")
TMS = "/tileMatrixSets/WebMercatorQuad"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
MVT = "application/vnd.mapbox-vector-tile"
SENSITIVE = ("poor_households", "poor_people", "assisted_households")
# Values for the path parameters when every route of /api is walked.
SAMPLE = {"collectionId": "facilities", "featureId": "F0001", "tileMatrixSetId": "WebMercatorQuad",
          "tileMatrix": "9", "tileRow": "199", "tileCol": "411", "tilesetId": "townships",
          "z": "9", "x": "411", "y": "199", "processId": "coverage", "jobId": "no-such-job",
          "variantId": "no-such-variant",
          "webFile": "index.html", "fontStack": "Noto", "glyphRange": "0-255"}
# Paths whose sample differs: facilities keep no standard name record, townships do.
SAMPLE_PREFIX = {"/collections/{collectionId}/items/{featureId}/name":
                 "/collections/townships/items/610602001/name"}

# Headers whose values differ between two requests (the time, the time taken): HEAD and GET
# are compared on every other header, and on these by name.
VARYING = ("Date", "Server-Timing")
# Sample values of the query parameters a path requires (/search needs q).
REQUIRED_QUERY = {"/search": "?q=%E5%BB%B6%E5%AE%89"}


def gdal_tool(*args, timeout=300):
    """Runs a GDAL command-line tool with its debug log on; returns (stdout, stderr), the
    stderr holding every URL GDAL fetched ('HTTP: Fetch(...)')."""
    p = subprocess.run([args[0], "--config", "CPL_DEBUG", "ON", *args[1:]], capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def fetched(stderr):
    return re.findall(r"HTTP: Fetch\((\S+)\)", stderr)


def media_type(content_type):
    return content_type.split(";")[0].strip() if content_type else None


class Tiles(unittest.TestCase):
    """OGC API - Tiles: the tileset metadata alone is enough for OpenLayers to draw a
    collection; GDAL walks the same metadata and opens tiles through /vsicurl/."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.con = connect(cls.db)
        cls.srv = Server(cls.db).__enter__()
        cls.dir = scratch_dir("ogc-tiles")

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.con.close()

    def draw(self, tileset_path, lon, lat, zoom):
        out = json.loads(run_client("node", os.path.join(JS, "ol_render.mjs"),
                                    self.srv.base + tileset_path, str(lon), str(lat), str(zoom),
                                    timeout=180))
        self.assertEqual(out["errors"], [])
        # Only the OGC documents and tiles were asked for: no TileJSON, no XYZ URLs.
        urls = [u[len(self.srv.base):] for u in out["requests"]]
        self.assertEqual(urls[:2], [tileset_path, TMS])
        tile = re.compile(re.escape(tileset_path) + r"/%d/\d+/\d+$" % zoom)
        self.assertTrue(urls[2:])
        for url in urls[2:]:
            self.assertRegex(url, tile)
        for url, status in out["requests"].items():
            self.assertIn(status, (200, 204), url)
        self.assertEqual((out["map"]["projection"], out["map"]["matrices"]), ("EPSG:3857", 25))
        return out["map"]

    def divisions_in(self, level, box):
        return dict(self.con.execute(
            "SELECT code, name FROM divisions WHERE level = ? AND valid_to IS NULL AND "
            "ST_Intersects(COALESCE(geom, seat), BuildMbr(?, ?, ?, ?, 4326)) = 1", (level, *box)))

    @staticmethod
    def grown(box, k):
        dx, dy = (box[2] - box[0]) * k, (box[3] - box[1]) * k
        return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)

    def test_openlayers_draws_a_collection_from_the_tileset_metadata(self):
        for collection, level, zoom in (("townships", 4, 9), ("villages", 5, 11)):
            m = self.draw(f"/collections/{collection}/tiles/WebMercatorQuad", 109.49, 36.6, zoom)
            self.assertEqual(set(m["shown"]), {collection})
            shown = m["shown"][collection]
            # Every division well inside the view is drawn; nothing far outside it is.
            inner = self.divisions_in(level, self.grown(m["extent"], -0.1))
            outer = self.divisions_in(level, self.grown(m["extent"], 0.5))
            self.assertGreater(len(inner), 5, collection)
            self.assertLessEqual(set(inner), set(shown), collection)
            self.assertLessEqual(set(shown), set(outer), collection)
            self.assertEqual({c: outer[c] for c in shown}, shown)

    def test_openlayers_draws_the_dataset_tileset(self):
        m = self.draw("/tiles/WebMercatorQuad", 109.49, 36.6, 10)
        self.assertEqual(set(m["shown"]), {"counties", "townships", "villages", "facilities"})
        self.assertIn("610602", m["shown"]["counties"])  # Baota district, the view's centre

    def test_tiles_metadata(self):
        """/ats/tileset, /ats/tilesets-list, /ats/geodata-tilesets, /ats/dataset-tilesets"""
        _, _, conf = self.srv.get_json("/conformance")
        for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets",
                  "mvt", "oas30"):
            self.assertIn("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/" + c,
                          conf["conformsTo"])
        _, _, root = self.srv.get_json("/")
        rels = {l["rel"]: l["href"][len(self.srv.base):] for l in root["links"]}
        self.assertEqual(rels[REL + "tilesets-vector"], "/tiles")
        self.assertEqual(rels[REL + "tiling-schemes"], "/tileMatrixSets")
        _, _, tmss = self.srv.get_json("/tileMatrixSets")
        self.assertEqual([(t["id"], t["links"][0]["rel"]) for t in tmss["tileMatrixSets"]],
                         [("WebMercatorQuad", "self")])
        status, _, tms = self.srv.get_json(TMS)
        self.assertEqual(status, 200)
        self.assertEqual(len(tms["tileMatrices"]), 25)
        z9 = tms["tileMatrices"][9]
        self.assertEqual((z9["id"], z9["matrixWidth"], z9["tileWidth"]), ("9", 512, 256))
        self.assertAlmostEqual(z9["cellSize"] * 256 * 512, 2 * 20037508.342789244, places=3)
        self.assertEqual(z9["pointOfOrigin"], z9["topLeftCorner"])  # TMS 2.0 and 1.0 names
        _, _, coll = self.srv.get_json("/collections/townships")
        [tilesets] = [l for l in coll["links"] if l["rel"] == REL + "tilesets-vector"]
        _, _, lst = self.srv.get_json(tilesets["href"][len(self.srv.base):])
        [ts] = lst["tilesets"]
        self.assertEqual((ts["dataType"], ts["crs"]),
                         ("vector", "http://www.opengis.net/def/crs/EPSG/0/3857"))
        links = {l["rel"]: l for l in ts["links"]}
        self.assertEqual(links[REL + "tiling-scheme"]["href"], self.srv.base + TMS)
        _, _, desc = self.srv.get_json(links["self"]["href"][len(self.srv.base):])
        items = [l for l in desc["links"] if l["rel"] == "item"]
        self.assertEqual([(l["type"], l["templated"]) for l in items], [(MVT, True)])
        self.assertTrue(items[0]["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}"))
        self.assertEqual(desc["layers"][0]["id"], "townships")
        _, _, dataset = self.srv.get_json("/tiles")
        combined = dataset["tilesets"][0]
        self.assertEqual(combined["links"][0]["href"], self.srv.base + "/tiles/WebMercatorQuad")
        # Outside the tile matrix set, or another one: 404 or 400 (/req/core/tc-error).
        for path in ("/collections/townships/tiles/WebMercatorQuad/9/512/0",
                     "/collections/townships/tiles/WorldCRS84Quad/1/0/0",
                     "/collections/townships/tiles/WorldCRS84Quad",
                     "/tiles/WebMercatorQuad/25/0/0"):
            self.assertIn(self.srv.get(path)[0], (400, 404), path)

    def test_gdal_ogcapi_walks_the_tiles_metadata(self):
        """GDAL's OGCAPI driver follows collection -> tilesets-vector -> tileset (self) ->
        tiling-scheme and parses the tile matrix set. GDAL 3.6 (Debian 12) stops there for
        vector tiles: its InitWithTilesAPI builds raster (map) tiles only, so no feature
        can be read through it; GDAL 3.7 also reads only TMS 2.0, 3.6 only 1.0, which is
        why the definition carries both encodings."""
        code, out, err = gdal_tool("ogrinfo", "-ro", "-so", "-oo", "API=TILES",
                                   "OGCAPI:" + self.srv.base + "/collections/townships")
        self.assertEqual([u[len(self.srv.base):] for u in fetched(err)],
                         ["/collections/townships", "/collections/townships/tiles",
                          "/collections/townships/tiles/WebMercatorQuad", TMS])
        self.assertNotIn("ERROR", err)  # a TMS it cannot parse is an ERROR line
        if code == 0:  # a GDAL that reads vector tiles: one layer per tile matrix
            self.assertIn("Zoom level 9", out)

    def test_gdal_opens_a_tile_through_vsicurl(self):
        z, x, y = 9, 411, 199
        ogc = f"/collections/townships/tiles/WebMercatorQuad/{z}/{y}/{x}"
        status, headers, body = self.srv.get(ogc)
        self.assertEqual(status, 200)
        local = os.path.join(self.dir, "tile.mvt")
        with open(local, "wb") as f:
            f.write(body)
        opts = [f"X={x}", f"Y={y}", f"Z={z}"]

        def ids(name):
            ds = gdal.OpenEx(name, gdal.OF_VECTOR, allowed_drivers=["MVT"], open_options=opts)
            self.assertIsNotNone(ds, name)
            return sorted(f.GetField("id") for f in ds.GetLayer(0))

        want = ids(local)
        self.assertGreater(len(want), 5)
        # /vsicurl/ asks HEAD for the size, then GETs the bytes. A name ending in a number
        # makes GDAL's MVT driver take it for a directory of tiles, so the OGC path is
        # named in the ?url= form, which ends with its (default) use_head option.
        self.assertEqual(ids(f"/vsicurl/{self.srv.base}/tiles/townships/{z}/{x}/{y}.mvt"), want)
        self.assertEqual(ids(f"/vsicurl?url={self.srv.base}{ogc}&use_head=yes"), want)
        head = self.srv.get(ogc, method="HEAD")[1]
        self.assertEqual(int(head["Content-Length"]), len(body))


class Features(unittest.TestCase):
    """What GDAL's OAPIF driver and QGIS read besides the items: the schema and the
    per-collection parameters of /api, and filters that reach the server."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.con = connect(cls.db)
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.con.close()

    def collections(self):
        return self.srv.get_json("/collections")[2]["collections"]

    def test_gdal_where_on_id_fetches_the_feature(self):
        code, out, err = gdal_tool("ogrinfo", "-ro", "OAPIF:" + self.srv.base, "facilities",
                                   "-where", "id = 'F0001'")
        self.assertEqual(code, 0, err)
        self.assertIn(self.srv.base + "/collections/facilities/items/F0001", fetched(err))
        self.assertIn("Feature Count: 1", out)
        self.assertIn("id (String) = F0001", out)

    def test_gdal_where_reaches_the_server_as_a_filter(self):
        want = self.con.execute("SELECT count(*) FROM facilities WHERE kind = ?",
                                ("funeral_home",)).fetchone()[0]
        self.assertGreater(want, 0)
        code, out, err = gdal_tool("ogrinfo", "-ro", "OAPIF:" + self.srv.base, "facilities",
                                   "-where", "kind = 'funeral_home'")
        self.assertEqual(code, 0, err)
        urls = fetched(err)
        # The first page is read to learn the fields; the filter applies from /api on.
        asked = [u for u in urls[urls.index(self.srv.base + "/api"):]
                 if "/collections/facilities/items?" in u]
        self.assertTrue(asked and all("kind=funeral_home" in u for u in asked), urls)
        self.assertNotIn("evaluated on client side", err)
        self.assertEqual(out.count("OGRFeature(facilities)"), want)
        self.assertEqual(out.count("kind (String) = funeral_home"), want)

    def test_api_lists_each_collection_with_its_queryables(self):
        _, _, api = self.srv.get_json("/api")
        for c in self.collections():
            op = api["paths"][f"/collections/{c['id']}/items"]["get"]
            names = {p.get("name") for p in op["parameters"]
                     if "name" in p and "x-civgis-min-role" not in p}
            _, _, q = self.srv.get_json(f"/collections/{c['id']}/queryables")
            self.assertEqual(names, set(q["properties"]) - {"geometry"}, c["id"])
            self.assertFalse(names & set(SENSITIVE), c["id"])  # those are the planner's
            refs = {p["$ref"].rsplit("/", 1)[1] for p in op["parameters"] if "$ref" in p}
            self.assertLessEqual({"bbox", "limit", "filter", "datetime"}, refs)
            self.assertNotIn("collectionId", refs)

    def test_schema_types_titles_and_roles(self):
        """/ats/schemas (Part 5): $schema, $id, type; a type on every property but the
        geometry; titles in Chinese and English; one id; the primary geometry and time."""
        for c in self.collections():
            [link] = [l for l in c["links"] if l["rel"] == "describedby"]
            self.assertEqual(link["type"], "application/schema+json")
            status, headers, s = self.srv.get_json(link["href"][len(self.srv.base):])
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/schema+json")
            self.assertEqual((s["$schema"], s["$id"], s["type"]),
                             ("https://json-schema.org/draft/2020-12/schema", link["href"],
                              "object"))
            props = s["properties"]
            roles = {}
            for name, p in props.items():
                roles.setdefault(p.get("x-ogc-role"), []).append(name)
                self.assertRegex(p["title"], r"[\u4e00-\u9fff].* \([A-Za-z]", (c["id"], name))
                if name == "geometry":
                    self.assertTrue(p["format"].startswith("geometry-") and "type" not in p)
                elif p["type"] == "array":  # the gazetteer's aliases: strings
                    self.assertEqual(p["items"], {"type": "string"}, (c["id"], name))
                else:
                    self.assertIn(p["type"], ("string", "integer", "number", "boolean"))
            self.assertEqual(len(roles["id"]), 1, c["id"])
            self.assertEqual(roles["primary-geometry"], ["geometry"])
            self.assertFalse(set(props) & set(SENSITIVE), c["id"])
        s = self.srv.get_json("/collections/facilities/schema")[2]
        self.assertEqual(s["properties"]["due_date"]["x-ogc-role"], "primary-instant")
        self.assertEqual(s["properties"]["due_date"]["format"], "date")
        self.assertEqual(s["properties"]["capacity"]["type"], "integer")
        s = self.srv.get_json("/collections/counties/schema")[2]
        self.assertEqual(s["properties"]["code"]["x-ogc-role"], "id")
        self.assertEqual(s["properties"]["valid_from"]["x-ogc-role"], "primary-interval-start")
        self.assertEqual(s["properties"]["valid_to"]["x-ogc-role"], "primary-interval-end")
        self.assertEqual(self.srv.get("/collections/nothing/schema")[0], 404)

    def test_coded_values_carry_their_labels(self):
        """Coded properties list their values with labels in Chinese and English, as the
        properties' titles ("中文 (English)"): oneOf for a closed list (exactly what the
        write path accepts: tests/unit/test_layer.c), anyOf ending in any string for an open one; every value the
        shipped data holds is labelled."""
        _, _, s = self.srv.get_json("/collections/facilities/schema")
        kinds = s["properties"]["kind"]["oneOf"]
        label = re.compile(r"^[^ ()]*[\u4e00-\u9fff][^()]* \([A-Z][^()]*\)$")
        self.assertTrue(all(label.match(k["title"]) for k in kinds), kinds)
        self.assertEqual({k["const"]: k["title"] for k in kinds}["canteen"],
                         "老年食堂 (Elderly canteen)")
        status = [k["const"] for k in s["properties"]["status"]["oneOf"]]
        self.assertEqual(status, ["planned", "site_selected", "approved", "land_acquired",
                                  "under_construction", "operating", "closed"])
        _, _, q = self.srv.get_json("/collections/facilities/queryables")
        self.assertEqual(q["properties"]["kind"]["oneOf"], kinds)
        used = {r[0] for r in self.con.execute("SELECT DISTINCT kind FROM facilities")}
        self.assertLessEqual(used, {k["const"] for k in kinds})
        _, _, t = self.srv.get_json("/collections/townships/schema")
        levels = t["properties"]["level"]["oneOf"]
        self.assertEqual([v["const"] for v in levels], [1, 2, 3, 4, 5])
        self.assertEqual(levels[3]["title"], "乡级 (Township)")
        open_list = t["properties"]["kind"]["anyOf"]
        self.assertEqual(open_list[-1], {"type": "string"})
        used = {r[0] for r in self.con.execute(
            "SELECT DISTINCT kind FROM divisions WHERE kind IS NOT NULL")}
        self.assertLessEqual(used, {k["const"] for k in open_list[:-1]})
        _, _, p = self.srv.get_json("/collections/places/schema")
        self.assertEqual(p["properties"]["category"]["anyOf"][-1], {"type": "string"})
        self.assertNotIn("oneOf", p["properties"]["name"])

    def test_no_sensitive_field_anywhere_a_client_reads(self):
        for path in ("/collections/demand/schema", "/collections/demand/queryables",
                     "/tiles/demand.json", "/collections/coverage-mutual_aid_home/schema",
                     "/collections/demand/items?limit=5"):
            body = self.srv.get(path)[2].decode()
            for name in SENSITIVE:
                self.assertNotIn(name, body, path)
        # /api names them, as the queryables of a role: marked, and the operation secured.
        _, _, api = self.srv.get_json("/api")
        for coll in ("demand", "coverage-mutual_aid_home"):
            op = api["paths"][f"/collections/{coll}/items"]["get"]
            marked = {p["name"] for p in op["parameters"] if p.get("x-civgis-min-role")}
            self.assertEqual(marked, set(SENSITIVE), coll)
            self.assertEqual(op["security"], [{}, {"bearer": []}, {"basic": []}])
        self.assertNotIn("security", api["paths"]["/collections/facilities/items"]["get"])


class Http(unittest.TestCase):
    """HTTP over every route /api lists (it is generated from the route table): HEAD
    sends exactly GET's headers; links are clean paths typed by format."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db()).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def get_paths(self):
        """Every GET path of /api with sample values for its parameters."""
        _, _, api = self.srv.get_json("/api")
        out = []
        for template, item in api["paths"].items():
            if "get" in item:
                for prefix, sample in SAMPLE_PREFIX.items():
                    if template.startswith(prefix):
                        template = sample + template[len(prefix):]
                path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], template)
                out.append(path + REQUIRED_QUERY.get(template, ""))
        return api, out

    def test_api_describes_every_route(self):
        api, paths = self.get_paths()
        for p in ("/collections/{collectionId}/tiles/{tileMatrixSetId}",
                  "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}"
                  "/{tileCol}",
                  "/collections/{collectionId}/schema", "/tiles", "/tiles/WebMercatorQuad",
                  "/tiles/{tilesetId}/{z}/{x}/{y}.mvt", "/tileMatrixSets",
                  "/tileMatrixSets/{tileMatrixSetId}"):
            self.assertIn("get", api["paths"][p], p)
        ops = [op["operationId"] for item in api["paths"].values() for op in item.values()]
        self.assertEqual(len(ops), len(set(ops)))  # /ats/oas30/operation-id
        # Each path answers (a sample job or name variant id is the only one that may not
        # exist).
        for path in paths:
            self.assertIn(self.srv.get(path)[0], (200, 204) if "no-such-" not in path
                          else (404,), path)

    def test_head_sends_the_headers_of_get_on_every_route(self):
        _, paths = self.get_paths()
        paths += ["/collections/nothing", "/nothing", "/collections/facilities/items?limit=x"]
        for path in paths:
            for extra in ({}, {"Accept-Encoding": "gzip"}, {"Accept": "text/html"}):
                self.srv.get(path, headers=extra)  # a tile is rendered, then served cached
                status, get_h, body = self.srv.get(path, headers=extra)
                head_status, head_h, head_body = self.srv.get(path, headers=extra,
                                                              method="HEAD")
                want = sorted((k, v) for k, v in get_h.items() if k not in VARYING)
                got = sorted((k, v) for k, v in head_h.items() if k not in VARYING)
                self.assertEqual((head_status, got), (status, want), (path, extra))
                self.assertEqual(sorted(k for k in head_h if k in VARYING),
                                 sorted(k for k in get_h if k in VARYING), (path, extra))
                self.assertEqual(head_body, b"")
                if "Content-Length" in get_h:
                    self.assertEqual(int(get_h["Content-Length"]), len(body), path)
                else:
                    self.assertEqual(get_h["Transfer-Encoding"], "chunked", path)

    def test_links_are_clean_paths_typed_by_format(self):
        """From the landing page, every JSON document's links: no format parameter in any
        href, and each followed with its type as Accept answers that type."""
        todo, seen, n_links = ["/"], set(), 0
        while todo and len(seen) < 120:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            status, headers, doc = self.srv.get_json(path, headers={"Accept": "application/json"})
            self.assertEqual(status, 200, path)
            for l in doc.get("links", []) + [l for t in doc.get("tilesets", []) +
                                              doc.get("collections", []) for l in t["links"]]:
                n_links += 1
                href = l["href"]
                self.assertTrue(href.startswith(self.srv.base), href)
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
                self.assertNotIn("f", query, href)
                if l.get("templated") or "{" in href:
                    continue
                rel_path = href[len(self.srv.base):]
                status, h, _ = self.srv.get(rel_path, headers={"Accept": l["type"]})
                self.assertEqual(status, 200, (path, l))
                self.assertEqual(media_type(h["Content-Type"]), media_type(l["type"]), (path, l))
                if "json" in l["type"] and "openapi" not in l["type"] and \
                        "/items/" not in rel_path and "scenario-" not in rel_path:
                    todo.append(rel_path)
        self.assertGreater(n_links, 200)

    def test_html_map_is_scaled_to_the_page(self):
        def svg(path):
            body = self.srv.get(path, headers={"Accept": "text/html"})[2].decode()
            return body[body.index("<svg"):body.index("</svg>")]

        def spread(values):
            self.assertTrue(values)
            self.assertTrue(all(-0.05 <= v <= 600.05 for v in values))
            return max(values) - min(values)

        # Points: the page's dots fill the box (the first feature alone was one dot).
        dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg("/collections/villages/items?limit=50"))
        self.assertEqual(len(dots), 50)
        xs, ys = [float(x) for x, _ in dots], [float(y) for _, y in dots]
        self.assertGreater(max(spread(xs), spread(ys)), 599)
        # One point sits in the middle.
        [(x, y)] = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"',
                              svg("/collections/villages/items?limit=1"))
        self.assertEqual((float(x), float(y)), (300.0, 300.0))
        # Polygons: every vertex of the page is inside, and the page spans the box.
        pts = [float(v) for v in re.findall(r"[ML]([\d.]+) ", svg("/collections/counties/items"))]
        self.assertGreater(spread(pts), 599)


if __name__ == "__main__":
    unittest.main(verbosity=2)
