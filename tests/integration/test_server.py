"""civgis serve, live on loopback against the demo database: health, collections,
JSON errors, CORS, methods, concurrency and clean shutdown."""
import json
import os
import socket
import threading
import unittest

from civgis_test import Server, civgis, demo_db, scratch_dir


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
        self.assertEqual(body["schema_version"], 2)
        self.assertEqual(body["data_version"], 6)  # 5 imports, the pinyin fill

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
        self.assertTrue(all(c["links"][0]["href"].endswith("/collections/" + c["id"] + "?f=json")
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
