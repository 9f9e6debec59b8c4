"""Hostile HTTP against a live server: request framing, NUL bytes, floods of query
parameters, forged log lines, CORS for state-changing routes, Accept q-values and CQL2
literals that are not what they claim. Raw sockets with short timeouts where a client
library would repair or hide the request, so a hang fails fast."""
import json
import os
import re
import socket
import subprocess
import time
import unittest
import urllib.parse

from civgis_test import BIN, Server, demo_db, scratch_dir

TIMEOUT = 5  # seconds: every answer here is immediate; waiting longer means a hang


def raw(base, request, timeout=TIMEOUT):
    """Sends request bytes on a fresh connection; returns (status, headers, body, seconds)
    once the server closes it. A socket timeout raises, failing the test."""
    host, port = base.split("//")[1].rsplit(":", 1)
    t0 = time.monotonic()
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return int(lines[0].split()[1]), headers, body, time.monotonic() - t0


def get_raw(base, target, extra=""):
    return raw(base, (f"GET {target} HTTP/1.1\r\nHost: x\r\n{extra}"
                      "Connection: close\r\n\r\n").encode("latin-1"))


class Hostile(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("hostile")
        cls.log = os.path.join(cls.dir, "server.log")
        cls.srv = Server(demo_db(), "--threads", "2", log=cls.log).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def assert_error(self, status, body, want_status, want_text):
        self.assertEqual(status, want_status, body)
        err = json.loads(body)
        self.assertEqual(set(err), {"code", "description"})
        self.assertIn(want_text, err["description"])
        return err

    # ------------------------------------------------------------ parameters

    def test_a_flood_of_parameters_is_answered_at_once(self):
        # ~600 parameters in under 8 KB: libmicrohttpd 0.9.75 used to leave it hanging
        for n in (450, 600, 1500):
            query = "&".join(["limit=1"] * n)
            status, _, body, secs = get_raw(self.srv.base, "/collections/counties/items?" + query)
            err = self.assert_error(status, body, 400, f"too many query parameters ({n};")
            self.assertEqual(err["code"], "too_many_parameters")
            self.assertLess(secs, 2)

    def test_parameter_limit_is_exact(self):
        ok = "&".join(["bbox=107,35,111,38"] + ["limit=1"] * 99)
        status, _, body, _ = get_raw(self.srv.base, "/collections/counties/items?" + ok)
        self.assertEqual(status, 200, body)
        status, _, body, _ = get_raw(self.srv.base, "/collections/counties/items?" + ok + "&q=a")
        self.assert_error(status, body, 400, "too many query parameters (101;")

    def test_nul_in_a_parameter(self):
        for target, name in (("/collections/demand/items?limit=5%00junk", "limit"),
                             ("/collections/demand/items?f%00x=json", "f"),
                             ("/collections?f=json%00", "f")):
            status, _, body = self.srv.get(target)
            self.assert_error(status, body, 400, f"query parameter '{name}' contains a NUL")

    def test_nul_in_the_path(self):
        for target in ("/collections/demand/items/%00", "/collections/demand%00/items",
                       "/health%00"):
            status, _, body = self.srv.get(target)
            self.assert_error(status, body, 400, "the path contains a NUL byte")

    # ------------------------------------------------------------ framing

    def post_raw(self, headers, body=b""):
        return raw(self.srv.base, b"POST /processes/coverage/execution HTTP/1.1\r\nHost: x\r\n" +
                   headers + b"\r\n" + body)

    def test_two_different_content_lengths(self):
        body = b'{"inputs":{"kind":"canteen"}}'
        status, headers, text, _ = self.post_raw(
            b"Content-Type: application/json\r\nContent-Length: %d\r\nContent-Length: 4\r\n"
            % len(body), body)
        self.assert_error(status, text, 400, "Content-Length headers that differ")
        self.assertIn("close", headers["connection"])

    def test_content_length_with_transfer_encoding(self):
        status, headers, text, _ = self.post_raw(
            b"Content-Type: application/json\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n", b"2\r\n{}\r\n0\r\n\r\n")
        self.assert_error(status, text, 400, "both Content-Length and Transfer-Encoding")
        self.assertIn("close", headers["connection"])

    def test_unknown_transfer_encoding(self):
        for te in (b"gzip, chunked", b"identity"):
            status, _, text, _ = self.post_raw(b"Transfer-Encoding: " + te + b"\r\n",
                                               b"2\r\n{}\r\n0\r\n\r\n")
            self.assert_error(status, text, 400, "Transfer-Encoding accepted is one 'chunked'")

    def test_a_smuggled_request_is_not_answered(self):
        # After a refused request the connection closes: the "second" request inside the
        # first one's body never runs.
        smuggled = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        status, _, text, _ = self.post_raw(
            b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(smuggled), smuggled)
        self.assertEqual(status, 400)
        self.assertEqual(text.count(b"HTTP/1.1"), 0, text)

    def test_honest_framing_still_works(self):
        body = b'{"inputs":{"kind":"canteen"}}'
        status, _, text, _ = self.post_raw(
            b"Content-Type: application/json\r\nContent-Length: %d\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n" % (len(body), len(body)), body)
        self.assertEqual(status, 200, text)
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        status, _, text, _ = self.post_raw(
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n", chunked)
        self.assertEqual(status, 200, text)

    def test_nosniff_on_every_kind_of_response(self):
        for path in ("/health", "/nope", "/collections/townships/items?limit=1",
                     "/tiles/civgis/8/205/99.mvt", "/collections?f=html"):
            status, headers, _ = self.srv.get(path)
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff", path)

    # ------------------------------------------------------------ the access log

    def log_lines(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()

    def test_log_forging_is_escaped(self):
        forged = "ts=2020-01-01T00:00:00.000Z level=info module=http req=1 forged=yes"
        path = "/collections/x%0A" + urllib.parse.quote(forged) + "%0D%22q"
        self.assertEqual(self.srv.get(path + "?a=%0Aforged=query&b=%22")[0], 404)
        time.sleep(0.2)
        lines = self.log_lines()
        self.assertFalse([l for l in lines if "forged=yes" in l and not l.startswith("ts=2")
                          or l.startswith("ts=2020")], "a forged line reached the log")
        mine = [l for l in lines if "forged=yes" in l]
        self.assertEqual(len(mine), 1)
        # the newline, the quote and the carriage return are escapes inside the quoted value
        self.assertIn('path="/collections/x\\n' + forged + '\\r\\"q"', mine[0])
        self.assertIn('query="a=%0Aforged=query&b=%22"', mine[0])

    def test_access_log_names_the_query(self):
        self.srv.get("/collections/townships/items?limit=3&bbox=109,36,110,37")
        time.sleep(0.2)
        self.assertTrue(any('path="/collections/townships/items" '
                            'query="limit=3&bbox=109,36,110,37" status=200' in l
                            for l in self.log_lines()))

    # ------------------------------------------------------------ Accept

    def test_accept_q_zero_excludes_html(self):
        status, headers, body = self.srv.get("/collections",
                                             headers={"Accept": "text/html;q=0, */*;q=0.5"})
        self.assertEqual((status, headers["Content-Type"]), (200, "application/json"))
        status, headers, body = self.srv.get("/collections", headers={"Accept": "text/html;q=0"})
        err = self.assert_error(status, body, 406, "text/html;q=0")
        self.assertEqual(err["code"], "not_acceptable")
        self.assertEqual(headers["Content-Type"], "application/json")

    def test_accept_prefers_by_q(self):
        for accept, want in (("application/json;q=0.5, text/html", "text/html"),
                             ("text/html;q=0.5, application/json", "application/json"),
                             ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
                             ("*/*", "application/json"), ("", "application/json"),
                             ("application/geo+json", "application/json")):
            status, headers, _ = self.srv.get("/conformance", headers={"Accept": accept})
            self.assertEqual(status, 200, accept)
            self.assertTrue(headers["Content-Type"].startswith(want), (accept, headers))

    def test_nothing_acceptable_is_406(self):
        for path, accept in (("/api", "text/html"), ("/collections", "application/xml"),
                             ("/tiles/civgis/8/205/99.mvt", "application/json"),
                             ("/collections/townships/items", "text/html;q=0, application/*;q=0"),
                             ("/health", "text/*")):
            status, _, body = self.srv.get(path, headers={"Accept": accept})
            self.assert_error(status, body, 406, "names nothing this resource is available as")

    def test_tiles_accept_what_map_clients_send(self):
        for accept in ("*/*", "application/vnd.mapbox-vector-tile", "application/x-protobuf",
                       "application/*"):
            status, headers, _ = self.srv.get("/tiles/civgis/8/205/99.mvt",
                                              headers={"Accept": accept})
            self.assertEqual(status, 200, accept)

    def test_f_wins_over_accept(self):
        status, headers, _ = self.srv.get("/collections?f=json", headers={"Accept": "text/html"})
        self.assertEqual((status, headers["Content-Type"]), (200, "application/json"))

    # ------------------------------------------------------------ CQL2 literals

    def filter(self, text, lang="cql2-text"):
        q = urllib.parse.urlencode({"filter": text, "filter-lang": lang})
        return self.srv.get("/collections/townships/items?" + q)

    def test_polygon_rings_must_be_closed_with_four_positions(self):
        for text, problem in (("S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))",
                               "at least 4 positions"),
                              ("S_INTERSECTS(geometry, POLYGON((109 36,110 36,110 37)))",
                               "at least 4 positions"),
                              ("S_INTERSECTS(geometry, POLYGON((109 36,110 36,110 37,109 37)))",
                               "not closed"),
                              ("S_WITHIN(geometry, MULTIPOLYGON(((109 36,110 36,110 37,109 36)),"
                               "((1 1,2 2,1 1))))", "at least 4 positions"),
                              ("S_INTERSECTS(geometry, LINESTRING(109 36))",
                               "at least 2 positions")):
            status, _, body = self.filter(text)
            self.assert_error(status, body, 400, problem)
        ok = "S_INTERSECTS(geometry, POLYGON((109 36,110 36,110 37,109 36)))"
        self.assertEqual(self.filter(ok)[0], 200)

    def test_cql2_json_rings_too(self):
        geom = {"type": "Polygon", "coordinates": [[[109, 36], [110, 36], [110, 37]]]}
        body = json.dumps({"op": "s_intersects", "args": [{"property": "geometry"}, geom]})
        status, _, text = self.filter(body, "cql2-json")
        self.assert_error(status, text, 400, "at least 4 positions")

    def test_dates_must_be_dates(self):
        for lit, problem in (("DATE('2021-13-45')", "month 13"),
                             ("DATE('2021-02-29')", "day 29"),
                             ("DATE('2021-1-5')", "YYYY-MM-DD"),
                             ("TIMESTAMP('2021-01-05')", "RFC 3339"),
                             ("TIMESTAMP('2021-01-05T25:00:00Z')", "hour 25")):
            status, _, body = self.filter(f"valid_from > {lit}")
            self.assert_error(status, body, 400, problem)
        self.assertEqual(self.filter("valid_from > DATE('2020-02-29')")[0], 200)
        self.assertEqual(self.filter("valid_from > TIMESTAMP('2020-02-29T23:59:60Z')")[0], 200)
        body = json.dumps({"op": ">", "args": [{"property": "valid_from"},
                                               {"date": "2021-13-45"}]})
        status, _, text = self.filter(body, "cql2-json")
        self.assert_error(status, text, 400, "month 13")


class Cors(unittest.TestCase):
    """Reads answer any origin; running processes and touching jobs only the configured
    ones (and the server's own pages)."""

    ALLOWED = "https://planner.example.gov.cn"
    EVIL = "https://evil.example"

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db(), "--cors-origin", cls.ALLOWED, "--cors-origin",
                         "http://localhost:9").__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def execute(self, origin, **headers):
        body = json.dumps({"inputs": {"kind": "canteen"}}).encode()
        h = {"Content-Type": "application/json", **headers}
        if origin:
            h["Origin"] = origin
        return self.srv.get("/processes/coverage/execution", method="POST", data=body,
                            headers=h)

    def test_reads_answer_any_origin(self):
        status, headers, _ = self.srv.get("/collections", headers={"Origin": self.EVIL})
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (200, "*"))
        self.assertIn("Location", headers["Access-Control-Expose-Headers"])

    def test_another_origin_may_not_run_a_process(self):
        for ctype in ("application/json", "text/plain"):  # text/plain needs no preflight
            status, headers, body = self.execute(self.EVIL, **{"Content-Type": ctype})
            self.assertEqual(status, 403, body)
            self.assertEqual(json.loads(body)["code"], "forbidden_origin")
            self.assertIsNone(headers["Access-Control-Allow-Origin"])
        status, headers, body = self.execute(self.EVIL, Prefer="respond-async")
        self.assertEqual(status, 403, body)

    def test_another_origin_may_not_dismiss_a_job(self):
        status, _, body = self.srv.get("/jobs/whatever", method="DELETE",
                                       headers={"Origin": self.EVIL})
        self.assertEqual((status, json.loads(body)["code"]), (403, "forbidden_origin"))
        status, _, _ = self.srv.get("/jobs/whatever", method="DELETE")
        self.assertEqual(status, 404)  # no Origin (curl, scripts): the route itself answers

    def test_jobs_are_not_readable_across_origins(self):
        status, headers, _ = self.srv.get("/jobs", headers={"Origin": self.EVIL})
        self.assertEqual(status, 200)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])
        self.assertIn("Origin", headers["Vary"])

    def test_a_configured_origin_may(self):
        status, headers, body = self.execute(self.ALLOWED)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.ALLOWED)
        self.assertIn("Origin", headers["Vary"])
        status, headers, _ = self.srv.get("/jobs", headers={"Origin": "HTTP://LOCALHOST:9"})
        self.assertEqual(headers["Access-Control-Allow-Origin"], "HTTP://LOCALHOST:9")

    def test_the_servers_own_pages_may(self):
        own = self.srv.base  # http://127.0.0.1:PORT, as the browser sends it
        status, headers, body = self.execute(own)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], own)
        # a Host that is not a host name does not make an origin "own"
        status, _, _ = self.execute("http://a b", Host="a b")
        self.assertEqual(status, 403)

    def test_credentials_from_another_origin_get_no_cors(self):
        status, headers, _ = self.srv.get("/collections", headers={
            "Origin": self.EVIL, "Authorization": "Bearer x"})
        self.assertEqual(status, 401)  # a token that names nobody, and no CORS for it
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def preflight(self, path, method, origin, request_headers=None):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if request_headers is not None:
            h["Access-Control-Request-Headers"] = request_headers
        return self.srv.get(path, method="OPTIONS", headers=h)

    def test_preflight_for_a_guarded_route(self):
        status, headers, _ = self.preflight("/processes/coverage/execution", "POST", self.EVIL,
                                            "content-type")
        self.assertEqual(status, 403)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])
        status, headers, _ = self.preflight("/processes/coverage/execution", "POST",
                                            self.ALLOWED, "Content-Type, Prefer")
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.ALLOWED)
        self.assertEqual(headers["Access-Control-Allow-Headers"], "content-type, prefer")
        self.assertIn("POST", headers["Access-Control-Allow-Methods"])
        self.assertEqual(headers["Vary"], "Origin, Access-Control-Request-Method, "
                                          "Access-Control-Request-Headers")
        status, _, _ = self.preflight("/jobs/x", "DELETE", self.EVIL)
        self.assertEqual(status, 403)

    def test_preflight_for_a_read_reflects_the_headers(self):
        status, headers, _ = self.preflight("/collections", "GET", self.EVIL, "X-Requested-With")
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertEqual(headers["Access-Control-Allow-Headers"], "x-requested-with")
        self.assertIn("Access-Control-Request-Headers", headers["Vary"])
        # what is not a list of header names is not reflected
        status, headers, _ = self.preflight("/collections", "GET", self.EVIL, "a b, <x>")
        self.assertEqual(status, 204)
        self.assertNotIn("<x>", headers["Access-Control-Allow-Headers"])
        self.assertNotIn("a b", headers["Access-Control-Allow-Headers"])
        # sending credentials is for configured origins only
        status, headers, _ = self.preflight("/collections", "GET", self.EVIL, "authorization")
        self.assertEqual(status, 403)
        status, headers, _ = self.preflight("/collections", "GET", self.ALLOWED, "authorization")
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (204, self.ALLOWED))

    def test_bad_origin_option(self):
        for bad in ("https://planner.example/", "*", "planner.example"):
            p = subprocess.run([BIN, "serve", "--db", demo_db(), "--port", "0",
                                "--cors-origin", bad], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("--cors-origin", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
