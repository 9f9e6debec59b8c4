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
          "z": "9", "x": "411", "y": "199", "processId": "coverage", "jobId": "no-such-job"}


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

    def test_no_sensitive_field_anywhere_a_client_reads(self):
        for path in ("/api", "/collections/demand/schema", "/collections/demand/queryables",
                     "/tiles/demand.json", "/collections/coverage-mutual_aid_home/schema",
                     "/collections/demand/items?limit=5"):
            body = self.srv.get(path)[2].decode()
            for name in SENSITIVE:
                self.assertNotIn(name, body, path)


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
                out.append(re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], template))
        return api, out

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
