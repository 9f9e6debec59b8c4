"""The web map (web/), live: the files civgis serves for it (types, ETag/304, nothing
outside its folder), / for browsers and for API clients, serve --web, and the page itself
driven in Debian's Chromium (tests/js/web_app.mjs) at a desktop and a phone size against a
copy of the demo database with the bureau's plan in it: every task of the issue, the
editing of places and the division operations (dry run shown, then applied) among them.
Screenshots go to var/artifacts/web/ (not committed)."""
import json
import os
import re
import subprocess
import unittest

from civgis_test import (BIN, ROOT, Server, add_user, bearer, civgis, connect, demo_copy,
                         run_client, scratch_dir)

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

    # ------------------------------------------------------------ the plan of the edits

    def run_op(self, process, **inputs):
        body = json.dumps({"inputs": {**inputs, "reason": "plan", "dry_run": True}}).encode()
        return self.srv.get_json(f"/processes/{process}/execution", method="POST", data=body,
                                 headers={**bearer(self.token),
                                          "Content-Type": "application/json"})

    def plan(self, county):
        """Where the page edits places and divisions in county (each size its own, so the
        two runs do not meet): a transfer between neighbours of a six-sided piece around the
        line from a village seat to the neighbour, a merge of two neighbours (and a third
        township apart, which the page tries first), a split by a north-south line; each
        passes its dry run here first (the page's piece and line are clicked, so they differ
        from these by a pixel's rounding)."""
        con = connect(self.db)
        q = lambda sql, *a: con.execute(sql, a).fetchall()  # noqa: E731
        cur = "valid_to IS NULL"
        towns = [r[0] for r in q(f"SELECT code FROM divisions WHERE parent_code = ? AND {cur} "
                                 "ORDER BY code", county)]
        at = {c: list(q(f"SELECT X(p), Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM "
                        f"divisions WHERE code = ? AND {cur})", c)[0]) for c in towns}
        box = {c: list(q(f"SELECT MbrMinX(geom), MbrMinY(geom), MbrMaxX(geom), MbrMaxY(geom) "
                         f"FROM divisions WHERE code = ? AND {cur}", c)[0]) for c in towns}
        touch = lambda a, b: q(f"SELECT ST_Intersects(ST_Buffer(x.geom, 0.0001), y.geom) FROM "  # noqa: E731
                               f"divisions x, divisions y WHERE x.code = ? AND y.code = ? AND "
                               f"x.{cur} AND y.{cur}", a, b)[0][0]
        union = lambda *cs: [min(box[c][0] for c in cs), min(box[c][1] for c in cs),  # noqa: E731
                             max(box[c][2] for c in cs), max(box[c][3] for c in cs)]
        plan, used = {}, set()
        for a in towns:
            for b in towns:
                if a == b or plan.get("transfer") or not touch(a, b):
                    continue
                row = q(f"SELECT AsGeoJSON(ST_Buffer(ST_ShortestLine(v.seat, t.geom), 0.003, 1), "
                        f"9) FROM divisions v, divisions t WHERE v.parent_code = ? AND v.{cur} AND "
                        f"t.code = ? AND t.{cur} ORDER BY ST_Distance(v.seat, t.geom) LIMIT 1",
                        a, b)
                if not row:
                    continue
                piece = json.loads(row[0][0])
                if self.run_op("transfer-area", area=piece, **{"from": a, "to": b})[0] != 200:
                    continue
                ring = piece["coordinates"][0][:-1]
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                plan["transfer"] = {"from": a, "to": b, "fromAt": at[a], "toAt": at[b],
                                    "bbox": union(a, b), "piece": ring,
                                    "pieceBbox": [min(xs), min(ys), max(xs), max(ys)]}
                used |= {a, b}
        self.assertIn("transfer", plan, county)
        top = max(towns)
        for c in towns:
            for d in towns:
                if plan.get("merge") or len({c, d} | used) < len(used) + 2 or top in (c, d) or \
                        c == d or not touch(c, d):
                    continue
                far = sorted((q("SELECT ST_Distance(x.geom, y.geom) FROM divisions x, divisions y "
                                f"WHERE x.code = ? AND y.code = ? AND x.{cur} AND y.{cur}", c, e)
                              [0][0], e) for e in towns if e not in used | {c, d} and
                             not touch(c, e))
                far = [e for _, e in far]  # the nearest first: all three in view on a phone
                if far and self.run_op("merge-divisions", codes=[c, d], into=c)[0] == 200:
                    plan["merge"] = {"a": c, "b": d, "far": far[0], "aAt": at[c], "bAt": at[d],
                                     "farAt": at[far[0]], "bbox": union(c, d, far[0])}
                    used |= {c, d}
        self.assertIn("merge", plan, county)
        new_code = str(int(top) + 1)
        for f in towns:
            if f in used or plan.get("split"):
                continue
            x = q(f"SELECT X(ST_Centroid(geom)) FROM divisions WHERE code = ? AND {cur}", f)[0][0]
            line = [[x, box[f][1] - 0.01], [x, box[f][3] + 0.01]]
            name = q(f"SELECT name FROM divisions WHERE code = ? AND {cur}", f)[0][0]
            status, _, _ = self.run_op("split-division", code=f,
                                       line={"type": "LineString", "coordinates": line},
                                       new=[{"code": f, "name": name},
                                            {"code": new_code, "name": "新设东部镇"}])
            if status == 200:
                b = box[f]
                plan["split"] = {"code": f, "at": at[f], "line": line, "newCode": new_code,
                                 "newName": "新设东部镇",
                                 "bbox": [b[0] - 0.02, b[1] - 0.02, b[2] + 0.02, b[3] + 0.02]}
                used.add(f)
        self.assertIn("split", plan, county)
        free = [c for c in towns if c not in used][0]
        plan["place"] = {"at": at[free], "to": [at[free][0] + 0.004, at[free][1] + 0.003]}
        con.close()
        return plan

    def drive(self, width, height, facility, township, county):
        uncovered, shares = self.expected_coverage()
        _, _, before = self.srv.get_json(f"/collections/facilities/items/{facility}")
        plan = self.plan(county)
        out = json.loads(run_client("node", os.path.join(JS, "web_app.mjs"), self.srv.base,
                                    ARTIFACTS, self.token, str(width), str(height), facility,
                                    township, json.dumps(plan), timeout=900))
        self.assertEqual(out["errors"], [], json.dumps(out.get("diagnosis"), ensure_ascii=False,
                                                       indent=1))
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
        self.assertEqual([c["action"] for c in hist["changes"]], ["create", "delete"])
        # The boundary: refused with the server's reasons shown on the map, then accepted.
        self.assertEqual(s["boundaryTarget"], township)
        reasons = s["rejected"]["reasons"]
        self.assertTrue(reasons and all(r.startswith("geometry: ") for r in reasons), reasons)
        self.assertEqual(len(s["rejected"]["popups"]), len(reasons))
        # Each where the server says it lies (the overlap, the part outside the parent, the
        # villages left outside), marked on the map with the area it concerns.
        server = s["rejected"]["server"]["errors"]
        self.assertEqual(s["rejected"]["located"], len(reasons))
        self.assertEqual(s["rejected"]["places"], [e["location"]["coordinates"] for e in server])
        self.assertEqual(s["rejected"]["drawn"].count("Point"), len(reasons))
        self.assertEqual(s["rejected"]["drawn"].count("Polygon"),
                         sum("bbox" in e["location"] for e in server))
        self.assertNotEqual(s["accepted"], s["slider"]["original"])
        # The slider: yesterday the old boundary, today the new.
        self.assertEqual(s["slider"]["yesterday"], s["slider"]["original"])
        self.assertEqual(s["slider"]["today"], s["accepted"])
        self.assertEqual(s["english"], "Coverage")
        self.check_place(s["place"])
        self.check_divops(s["divops"], plan)
        # Coded values by their labels, from the schema, in the language shown.
        lab = s["labels"]
        self.assertEqual((lab["zh"]["funeral_home"], lab["en"]["funeral_home"]),
                         ("殡仪馆", "Funeral home"))
        self.assertEqual(lab["zh"].get("operating"), "运营中")
        self.assertEqual((lab["kindsZh"][0], lab["kindsEn"][0]),
                         ("农村互助幸福院", "Rural mutual-aid home"))
        self.assertIn("Coverage: Elderly canteen", lab["layersEn"])
        # No console errors but the two the test provoked.
        self.assertEqual([m for m in out["console"] if not EXPECTED_CONSOLE.match(m)], [])
        for path in out["shots"]:
            self.assertGreater(os.path.getsize(path), 10000, path)
        return out

    def check_place(self, p):
        self.assertIn(["bridge", "桥梁"], p["categories"])
        self.assertEqual(len(p["added"]), 1, p)
        self.assertEqual(p["form"], ["name", "pinyin", "aliases", "category", "division_code",
                                     "status"])
        stored = p["stored"]
        self.assertEqual((stored["properties"]["name"], stored["properties"]["category"],
                          stored["properties"]["aliases"]), ("测试地名二", "road", ["老桥", "旧桥"]))
        self.assertTrue(p["blankWhenClicked"], p)
        self.assertEqual(len(p["moved"]), 1, p)
        for a, b in zip(p["moved"][0], stored["geometry"]["coordinates"]):
            self.assertAlmostEqual(a, b, places=3)
        self.assertNotAlmostEqual(p["moved"][0][0], p["added"][0][0], places=4)
        self.assertEqual((p["deleted"], p["afterDelete"]), (p["id"], []))
        self.assertEqual(self.srv.get(f"/collections/places/items/{p['id']}")[0], 404)
        _, _, hist = self.srv.get_json(f"/collections/places/items/{p['id']}/history")
        self.assertEqual([c["action"] for c in hist["changes"]],
                         ["create", "update", "update", "delete"])

    def check_divops(self, d, plan):
        tr, mg, sp = plan["transfer"], plan["merge"], plan["split"]
        # The transfer: picked, drawn (six vertices and the closing one), dry run shown,
        # applied; the townships' history has the operation.
        self.assertEqual(d["picked"], [tr["from"], tr["to"]])
        self.assertEqual(d["drawnVertices"], 7)
        dry, applied = d["transfer"]["dry"], d["transfer"]["applied"]
        self.assertEqual(dry["state"], "dry", dry)
        self.assertLessEqual({(tr["from"], "changed"), (tr["to"], "changed")},
                             {tuple(c) for c in dry["changes"]})
        self.assertTrue(dry["applyEnabled"] and dry["preview"] >= 2 and dry["previewRendered"])
        self.assertEqual(applied["state"], "applied", applied)
        self.assertIn(applied["historyOf"], (f"divisions / {tr['from']}",
                                             f"divisions / {tr['to']}"))
        self.assertTrue(any("transfer-area" in h for h in applied["history"]), applied)
        _, _, h = self.srv.get_json(f"/collections/townships/items/{tr['from']}/history")
        self.assertIn(int(applied["audit"]), [c["audit_id"] for c in h["changes"]])
        # The merge: refused for a township that does not touch (the reasons shown), then
        # applied for neighbours.
        refused = d["mergeRefused"]
        self.assertEqual(refused["state"], "rejected", refused)
        self.assertTrue(any("do not all touch" in r for r in refused["reasons"]), refused)
        self.assertEqual(len(refused["reasons"]), len(refused["server"]["errors"]))
        self.assertEqual(d["mergeCodes"], f"{mg['a']},{mg['b']}")
        dry, applied = d["merge"]["dry"], d["merge"]["applied"]
        self.assertLessEqual({(mg["a"], "changed"), (mg["b"], "closed")},
                             {tuple(c) for c in dry["changes"]})
        self.assertTrue(dry["applyEnabled"] and dry["previewRendered"], dry)
        self.assertEqual(applied["state"], "applied", applied)
        self.assertEqual(self.srv.get(f"/collections/townships/items/{mg['b']}")[0], 404)
        # The split: the new code suggested, a stale dry run not applicable, applied.
        self.assertEqual(d["suggestedCode"], sp["newCode"])
        dry, applied = d["split"]["dry"], d["split"]["applied"]
        self.assertLessEqual({(sp["code"], "changed"), (sp["newCode"], "created")},
                             {tuple(c) for c in dry["changes"]})
        self.assertTrue(dry["applyEnabled"], dry)
        self.assertEqual((dry["applyAfterChange"], dry["applyAfterRerun"]), (False, True))
        self.assertEqual(applied["state"], "applied", applied)
        self.assertTrue(d["splitOnMap"])
        _, _, f = self.srv.get_json(f"/collections/townships/items/{sp['newCode']}")
        self.assertEqual(f["properties"]["name"], sp["newName"])
        status, _, body = self.srv.get_json("/processes/validate-divisions/execution",
                                            method="POST",
                                            data=json.dumps({"inputs": {"code": sp["code"][:6]}})
                                            .encode(),
                                            headers={"Content-Type": "application/json"})
        self.assertEqual((status, body["ok"]), (200, True), body)

    def facility(self, n):
        _, _, fc = self.srv.get_json("/collections/facilities/items?kind=funeral_home&limit=4")
        return fc["features"][n]["id"]

    def test_desktop(self):
        self.drive(1280, 800, self.facility(0), "610602001", "610621")

    def test_phone(self):
        self.drive(390, 844, self.facility(1), "610603001", "610622")


if __name__ == "__main__":
    unittest.main(verbosity=2)
