"""civgis serve, live on loopback against the demo database: health, collections,
JSON errors, CORS, methods, concurrency and clean shutdown."""
import json
import os
import socket
import threading
import unittest

from civgis_test import (VERSIONED_TABLES as TABLES, Server, civgis, connect, demo_copy, demo_db,
                         make_schema_1, schema_version, scratch_dir)
# Headers whose values differ between two requests (the time, the time taken): HEAD and GET
# are compared on every other header, and on these by name.
VARYING = ("Date", "Server-Timing")


class Serve(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.srv = Server(cls.db, "--threads", "4").__enter__()

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        assert code == 0, f"server exited {code} on SIGTERM"

    def test_health(self):
        status, headers, body = self.srv.get_json("/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["schema_version"], schema_version())
        # one per import (three of divisions, one of demand, one of facilities), and one
        # per division whose pinyin the fill wrote
        self.assertEqual(body["data_version"], 3 + 1 + 1 + 2084)

    def test_collections_lists_the_layers_with_counts_and_extents(self):
        status, _, body = self.srv.get_json("/collections")
        self.assertEqual(status, 200)
        got = {c["id"]: c for c in body["collections"]}
        fixed = ["counties", "townships", "villages", "divisions", "facilities", "places",
                 "demand"]
        self.assertEqual(list(got)[:7], fixed)
        # then one coverage layer per facility kind, each over the demand points
        self.assertTrue(all(k.startswith("coverage-") for k in list(got)[7:]))
        self.assertIn("coverage-mutual_aid_home", got)
        self.assertEqual(got["coverage-canteen"]["featureCount"], 1953)
        counts = {k: v["featureCount"] for k, v in got.items() if k in fixed}
        self.assertEqual(counts, {"counties": 13, "townships": 117, "villages": 1953,
                                  "divisions": 2084, "facilities": 217, "places": 0,
                                  "demand": 1953})
        minx, miny, maxx, maxy = got["counties"]["extent"]["spatial"]["bbox"][0]
        # Yan'an in WGS84 (the shipped GCJ-02 extent is 107.66..110.55, 35.34..37.50).
        self.assertTrue(107.6 < minx < 107.7 and 110.5 < maxx < 110.6, (minx, maxx))
        self.assertTrue(35.3 < miny < 35.4 and 37.4 < maxy < 37.5, (miny, maxy))
        self.assertNotIn("extent", got["places"])  # empty layer: no extent to claim
        self.assertTrue(all(c["links"][0]["href"].endswith("/collections/" + c["id"])
                            for c in body["collections"]))

    def test_landing_links(self):
        status, _, body = self.srv.get_json("/")
        self.assertEqual(status, 200)
        rels = {l["rel"]: l["href"] for l in body["links"]}
        self.assertEqual(rels["data"], self.srv.base + "/collections")

    def test_errors_are_json(self):
        for path, method, code in (("/nope", "GET", 404), ("/collections/x/y/z", "GET", 404),
                                   ("/health", "POST", 405), ("/health", "DELETE", 405)):
            status, headers, body = self.srv.get(path, method=method,
                                                 data=b"x" if method == "POST" else None)
            self.assertEqual(status, code, path)
            self.assertEqual(headers["Content-Type"], "application/json")
            err = json.loads(body)
            self.assertEqual(set(err), {"code", "description"})

    def test_cors_and_head(self):
        status, headers, _ = self.srv.get("/collections", method="OPTIONS",
                                          headers={"Origin": "http://example.org",
                                                   "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertIn("GET", headers["Access-Control-Allow-Methods"])
        status, headers, body = self.srv.get("/health", method="HEAD")
        self.assertEqual((status, body), (200, b""))

    def test_head_sends_the_headers_of_get(self):
        # A buffered body (its Content-Length, as GDAL's /vsicurl/ reads it), a streamed
        # one (chunked), gzip, a tile and an error.
        for path in ("/collections", "/collections/townships/items?limit=5",
                     "/tiles/townships/9/411/199.mvt", "/collections/nothing"):
            for extra in ({}, {"Accept-Encoding": "gzip"}):
                self.srv.get(path, headers=extra)  # a tile is rendered, then cached
                status, get_h, body = self.srv.get(path, headers=extra)
                head_status, head_h, head_body = self.srv.get(path, headers=extra,
                                                              method="HEAD")
                self.assertEqual((head_status, head_body), (status, b""), path)
                self.assertEqual(sorted((k, v) for k, v in head_h.items() if k not in VARYING),
                                 sorted((k, v) for k, v in get_h.items() if k not in VARYING), path)
                if "Content-Length" in get_h:
                    self.assertEqual(int(get_h["Content-Length"]), len(body), path)
                else:
                    self.assertEqual(get_h["Transfer-Encoding"], "chunked", path)

    def test_hostile_host_header_does_not_reach_links(self):
        status, _, body = self.srv.get_json("/", headers={"Host": "evil\"><script>"})
        self.assertEqual(status, 200)
        self.assertTrue(all("<" not in l["href"] for l in body["links"]))

    def test_concurrent_requests(self):
        results = []

        def worker():
            for _ in range(25):
                results.append(self.srv.get("/collections")[0])

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [200] * 200)


class Lifecycle(unittest.TestCase):

    def test_port_in_use_is_a_clear_error(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            p = civgis("serve", "--db", demo_db(), "--port", str(port), timeout=30)
        finally:
            s.close()
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"cannot listen on 127.0.0.1 port {port}", p.stderr)

    def test_sigint_and_sigterm_shut_down_cleanly(self):
        with Server(demo_db()) as srv:
            self.assertEqual(srv.get("/health")[0], 200)
            srv.proc.send_signal(2)
            self.assertEqual(srv.stop(), 0)

    def test_ipv6_loopback(self):
        with Server(demo_db(), "--bind", "::1") as srv:
            self.assertIn("[::1]", srv.base)
            self.assertEqual(srv.get("/health")[0], 200)

    def test_database_without_schema_is_refused(self):
        d = scratch_dir("srv")
        empty = os.path.join(d, "empty.sqlite")
        open(empty, "w").close()
        p = civgis("serve", "--db", empty, "--port", "0", timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("needs migrating", p.stderr)


class Migration(unittest.TestCase):
    """A store civgis wrote before the per-table versions is migrated by the first
    command that opens it, read-only ones included, and then follows other writers."""

    def test_serve_migrates_a_schema_1_store(self):
        db = demo_copy("migrate-serve")
        make_schema_1(db)
        with Server(db) as srv:
            status, _, health = srv.get_json("/health")
            self.assertEqual((status, health["schema_version"]), (200, schema_version()))
            # Every table starts at 5; then the gazetteer step (4) marks each division's
            # imported pinyin as official, one row update each.
            self.assertEqual(health["data_version"], 6 * 5 + 2084)
            _, h1, _ = srv.get("/collections/facilities/items/F0001")
            con = connect(db)  # another program's edit: the migration added triggers
            con.execute("UPDATE facilities SET name = name || '*' WHERE fid = 'F0001'")
            con.commit()
            versions = dict(con.execute("SELECT name, version FROM store_versions"))
            con.close()
            self.assertEqual(versions, {**{t: 5 for t in TABLES}, "facilities": 6,
                                        "divisions": 5 + 2084, "name_variants": 0})
            _, h2, body = srv.get("/collections/facilities/items/F0001")
            self.assertNotEqual(h2["ETag"], h1["ETag"])
            self.assertTrue(json.loads(body)["properties"]["name"].endswith("*"))
            self.assertEqual(srv.stop(), 0)

    def test_read_only_commands_migrate_too(self):
        db = demo_copy("migrate-cli")
        make_schema_1(db)
        out = json.loads(civgis("coverage", "--db", db, "--kind", "canteen", check=0).stdout)
        self.assertGreater(out["points_total"], 0)
        con = connect(db)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone(), (schema_version(),))
        self.assertEqual(con.execute("SELECT count(*) FROM store_meta WHERE key = "
                                     "'data_version'").fetchone(), (0,))
        con.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
