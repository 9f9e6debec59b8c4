"""The web map (web/), live: the files civgis serves for it (types, ETag/304, nothing
outside its folder), / for browsers and for API clients, serve --web, and the page itself
driven in Debian's Chromium (tests/js/web_app.mjs) at a desktop and a phone size against a
copy of the demo database with the bureau's plan in it. Screenshots go to
var/artifacts/web/ (not committed)."""
import json
import os
import re
import subprocess
import unittest

from civgis_test import BIN, ROOT, Server, add_user, civgis, demo_copy, run_client, scratch_dir

REPO = os.path.dirname(ROOT)
JS = os.path.join(REPO, "tests", "js")
ARTIFACTS = os.path.join(REPO, "var", "artifacts", "web")
WEB = os.path.join(os.path.dirname(os.path.abspath(BIN)), "web")
# What the browser may log as an error while the test provokes it: the bad token's 401,
# the stale save's 412 and the rejected boundary's 422 (Chromium reports every 4xx a
# fetch receives).
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: the server responded with a status of "
                              r"(401 \(Unauthorized\)|412 \(Precondition Failed\)|"
                              r"422 \(Unprocessable (Entity|Content)\))$")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def after_unit(srv, facility):
    return srv.get_json(f"/collections/facilities/items/{facility}")[2]["properties"][
        "responsible_unit"]


class WebFiles(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("web-files")
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_browser_gets_the_app_and_api_clients_the_landing_page(self):
        status, headers, body = self.srv.get("/", headers={
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn(b'<script type="module" src="/app/main.js">', body)
        self.assertIn("Accept", headers["Vary"])
        for accept in (None, "application/json", "*/*"):
            status, headers, landing = self.srv.get_json("/", headers={"Accept": accept} if accept else {})
            self.assertEqual(status, 200, accept)
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertIn("conformance", [link["rel"] for link in landing["links"]])
        # f=html: the OGC HTML landing page, as before (the app links to it).
        status, headers, body = self.srv.get("/?f=html", headers={"Accept": "text/html"})
        self.assertEqual(status, 200)
        self.assertIn(b'href="/collections"', body)
        self.assertNotIn(b"/app/main.js", body)
        self.assertIn(b'href="/?f=html"', read(os.path.join(WEB, "index.html")))

    def test_files_have_their_types_and_etags(self):
        for name, ctype in (("main.js", "text/javascript; charset=utf-8"),
                            ("civgis.css", "text/css; charset=utf-8"),
                            ("maplibre-gl.js", "text/javascript; charset=utf-8"),
                            ("maplibre-gl.css", "text/css; charset=utf-8"),
                            ("chart.umd.js", "text/javascript; charset=utf-8"),
                            ("terra-draw.umd.js", "text/javascript; charset=utf-8"),
                            ("index.html", "text/html; charset=utf-8")):
            status, headers, body = self.srv.get("/app/" + name)
            self.assertEqual(status, 200, name)
            self.assertEqual(headers["Content-Type"], ctype, name)
            self.assertEqual(body, read(os.path.join(WEB, name)), name)
            etag = headers["ETag"]
            status, headers, body = self.srv.get("/app/" + name, headers={"If-None-Match": etag})
            self.assertEqual((status, body), (304, b""), name)
        status, headers, _ = self.srv.get("/app/main.js", method="HEAD")
        self.assertEqual(status, 200)

    def test_nothing_outside_the_folder(self):
        for path in ("/app/..%2FCMakeCache.txt", "/app/%2e%2e%2fCMakeCache.txt", "/app/.npmrc",
                     "/app/..", "/app/%2e%2e", "/app/web.stamp", "/app/main.js.orig",
                     "/app/-main.js", "/app/nosuch.js", "/app/sub%2fmain.js", "/app/",
                     "/app/glyphs/x/..pbf"):
            status, headers, body = self.srv.get(path)
            self.assertEqual(status, 404, path)
            self.assertIn("code", json.loads(body), path)
        status, _, body = self.srv.get("/app/main.js%00.css")
        self.assertEqual(status, 400)
        # A link planted in the folder leads nowhere (the build copies files, never links).
        link = os.path.join(WEB, "planted.js")
        os.symlink(os.path.join(REPO, "CMakeLists.txt"), link)
        try:
            self.assertEqual(self.srv.get("/app/planted.js")[0], 404)
        finally:
            os.unlink(link)

    def test_only_the_dist_files_are_served(self):
        names = set(os.listdir(WEB))
        self.assertTrue({"maplibre-gl.js", "maplibre-gl.css", "chart.umd.js", "terra-draw.umd.js",
                         "terra-draw-maplibre-gl-adapter.umd.js"} <= names)
        self.assertFalse([n for n in names if os.path.isdir(os.path.join(WEB, n))])
        self.assertNotIn("package.json", names)

    def test_empty_glyphs(self):
        status, headers, body = self.srv.get("/app/glyphs/Noto%20Sans%20Regular/0-255.pbf")
        self.assertEqual((status, headers["Content-Type"], body), (200, "application/x-protobuf", b""))
        self.assertEqual(self.srv.get("/app/glyphs/Noto/0-x.pbf")[0], 404)

    def test_serve_web_option(self):
        d = scratch_dir("web-dir")
        p = civgis("serve", "--db", self.db, "--port", "0", "--web", os.path.join(d, "none"),
                   check=1)
        self.assertIn("index.html", p.stderr)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><title>mine</title>")
        with Server(self.db, "--web", d) as srv:
            status, _, body = srv.get("/", headers={"Accept": "text/html"})
            self.assertEqual((status, body), (200, b"<!DOCTYPE html><title>mine</title>"))
            self.assertEqual(srv.get("/app/main.js")[0], 404)


class WebApp(unittest.TestCase):
    """The page in Chromium: every task of the issue, at 1280x800 and 390x844."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("web-app")
        civgis("plan", os.path.join(ROOT, "scenarios", "yanan-2024.json"), "--db", cls.db, check=0)
        cls.token = add_user(cls.db, "officer1", "officer")
        cls.srv = Server(cls.db).__enter__()
        os.makedirs(ARTIFACTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def expected_coverage(self):
        out = civgis("coverage", "--db", self.db, "--kind", "mutual_aid_home", check=0).stdout
        j = json.loads(out)
        return j["points_total"] - j["points_covered"], {
            r["code"]: r["share"] for r in j["by_division"] if r["level"] == 3}

    def drive(self, width, height, facility, township):
        uncovered, shares = self.expected_coverage()
        _, _, before = self.srv.get_json(f"/collections/facilities/items/{facility}")
        out = json.loads(run_client("node", os.path.join(JS, "web_app.mjs"), self.srv.base,
                                    ARTIFACTS, self.token, str(width), str(height), facility,
                                    township, timeout=600))
        self.assertEqual(out["errors"], [])
        s = out["steps"]
        t = s["load"]["timing"]
        print(f"\n{width}x{height}: first basemap render {t['firstRender']:.0f} ms after navigation "
              f"(map load {t['load']:.0f} ms); screenshots: {len(out['shots'])} in {ARTIFACTS}")
        # The base map: the 13 counties of the city drawn at the city view.
        self.assertEqual(len(s["load"]["counties"]), 13, s["load"])
        self.assertTrue({"counties", "facilities", "coverage-canteen", "scenario-1"}
                        <= set(s["load"]["layers"]))
        # Search: initials and Hanzi.
        ycx = s["search"]["ycx"]
        self.assertEqual(ycx["suggestions"][:2], ["延长县", "延川县"])
        self.assertEqual(ycx["selected"], "divisions/610621")
        self.assertEqual(s["search"]["宝塔"]["selected"], "divisions/610602")
        self.assertEqual(s["search"]["宝塔"]["info"], "宝塔区")
        self.assertIn("区划代码", s["search"]["宝塔"]["fieldLabels"])
        # Coverage: what civgis coverage says.
        c = s["coverage"]
        self.assertEqual(c["uncoveredOnMap"], uncovered)
        self.assertEqual(c["uncoveredRendered"], uncovered)
        self.assertIn(f"未覆盖 {uncovered} 个", c["summaryText"])
        self.assertEqual({r["code"]: r["share"] for r in c["counties"]}, shares)
        self.assertEqual(c["chartBars"], 13)
        pct = [float(v.rstrip("%")) for v in c["sharesSortedAscending"]]
        self.assertEqual(pct, sorted(pct))
        self.assertEqual(c["csvLines"], len(pct) + 1)
        # Sign-in: a bad token is refused; the token lives in sessionStorage only.
        self.assertEqual(s["badTokenMessage"], "令牌无效")
        self.assertEqual(s["tokenStorage"], {"session": True, "local": 0})
        # The job: progress seen, then cancelled; a short run saved as a scenario.
        self.assertGreater(s["cancel"]["progress"], 0)
        self.assertEqual(s["cancel"]["status"], "已取消")
        self.assertEqual(len(s["sites"]["results"]), 3)
        saved = s["sites"]["saved"]
        self.assertTrue(saved["collection"].startswith("scenario-"), saved)
        self.assertTrue(saved["listed"] and saved["layerOn"], saved)
        self.assertTrue(any(n.endswith(": yanan-2024/baota-canteens") for n in saved["scenarios"]))
        self.assertEqual(s["sites"]["scenarioRendered"], 3)
        # Compared: the city and its 13 counties, before and with each of two scenarios.
        cmp = s["sites"]["compare"]
        self.assertEqual(len(cmp), 1 + 14, cmp)
        self.assertEqual(len(cmp[1]), 4)
        # A save after someone else's change: refused, explained, the feature reloaded.
        self.assertEqual(s["concurrent"], 200)
        self.assertIn("412", s["stale"])
        self.assertEqual(after_unit(self.srv, facility), "另一位工作人员")
        # The move: stored, drawn there, and in the history.
        _, _, after = self.srv.get_json(f"/collections/facilities/items/{facility}")
        self.assertNotEqual(after["geometry"], before["geometry"])
        self.assertEqual(len(s["move"]["onMap"]), 1)
        for a, b in zip(s["move"]["onMap"][0], after["geometry"]["coordinates"]):
            self.assertAlmostEqual(a, b, places=3)
        self.assertTrue(any("officer1 · update" in h for h in s["move"]["history"]),
                        s["move"]["history"])
        # Added where clicked, drawn, then deleted (gone from the store and the map).
        added = s["added"]
        self.assertTrue(s["addedOnMap"])
        self.assertFalse(s["deletedOnMap"])
        self.assertEqual(self.srv.get(f"/collections/facilities/items/{added}")[0], 404)
        _, _, hist = self.srv.get_json(f"/collections/facilities/items/{added}/history")
        # (The last two: a deleted facility's id is handed out again by the next create,
        # so the other screen size's run may have used it before.)
        self.assertEqual([c["action"] for c in hist["changes"]][-2:], ["create", "delete"])
        # The boundary: refused with the server's reasons shown on the map, then accepted.
        self.assertEqual(s["boundaryTarget"], township)
        reasons = s["rejected"]["reasons"]
        self.assertTrue(reasons and all(r.startswith("geometry: ") for r in reasons), reasons)
        self.assertEqual(len(s["rejected"]["popups"]), len(reasons))
        self.assertNotEqual(s["accepted"], s["slider"]["original"])
        # The slider: yesterday the old boundary, today the new.
        self.assertEqual(s["slider"]["yesterday"], s["slider"]["original"])
        self.assertEqual(s["slider"]["today"], s["accepted"])
        self.assertEqual(s["english"], "Coverage")
        # No console errors but the two the test provoked.
        self.assertEqual([m for m in out["console"] if not EXPECTED_CONSOLE.match(m)], [])
        for path in out["shots"]:
            self.assertGreater(os.path.getsize(path), 10000, path)
        return out

    def facility(self, n):
        _, _, fc = self.srv.get_json("/collections/facilities/items?kind=funeral_home&limit=4")
        return fc["features"][n]["id"]

    def test_desktop(self):
        self.drive(1280, 800, self.facility(0), "610602001")

    def test_phone(self):
        self.drive(390, 844, self.facility(1), "610603001")


if __name__ == "__main__":
    unittest.main(verbosity=2)
