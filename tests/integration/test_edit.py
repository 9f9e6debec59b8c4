"""OGC API - Features Part 4 through a live `civgis serve` and the CLI, on a copy of the
Yan'an data: the HTTP sequence QGIS 3.32 sends (OPTIONS, POST, Location, PATCH geometry,
PATCH properties, DELETE, no If-Match, HTTP Basic), a client that uses If-Match, stale
ETags, two editors at once, every validation rule rejected with nothing changed,
versions of a township read back by datetime, history and revert. Who may write what
(every route, every role, scopes, revoked tokens) is test_auth.py's matrix."""
import base64
import gzip
import json
import os
import re
import threading
import unittest
import urllib.error
import urllib.request

from civgis_test import Server, civgis, connect, demo_copy, scratch_dir, snapshot

GEOJSON = "application/geo+json"
PATCH = "application/merge-patch+json"


class Edit(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("edit")
        cls.tokens = {}
        for name, role, scope in [("viewer", "viewer", None), ("planner", "planner", None),
                                  ("officer", "officer", None), ("admin", "admin", None),
                                  ("baota", "officer", "610602"), ("yanchang", "officer", "610621"),
                                  ("gone", "planner", None)]:
            args = ["user", "add", "--db", cls.db, name, "--role", role]
            cls.tokens[name] = civgis(*args, *(["--scope", scope] if scope else []),
                                      check=0).stdout.strip()
        civgis("user", "revoke", "--db", cls.db, "gone", check=0)
        cls.srv = Server(cls.db, "--threads", "4").__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    # ------------------------------------------------------------------ helpers

    def call(self, method, path, who=None, body=None, ctype=None, headers=None, basic=False):
        """(status, headers, parsed JSON or None) of one request as `who`."""
        h = dict(headers or {})
        if who and basic:
            h["Authorization"] = "Basic " + base64.b64encode(
                ("qgis:" + self.tokens[who]).encode()).decode()
        elif who:
            h["Authorization"] = "Bearer " + self.tokens[who]
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h["Content-Type"] = ctype or GEOJSON
        req = urllib.request.Request(self.srv.base + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        if hdrs.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return status, hdrs, json.loads(raw) if raw else None

    def item(self, coll, fid, query=""):
        return self.call("GET", f"/collections/{coll}/items/{fid}{query}")

    def inside(self, code):
        """A point surely inside division `code` (on its surface)."""
        con = connect(self.db)
        x, y = con.execute("SELECT X(p), Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM "
                           "divisions WHERE code = ? AND valid_to IS NULL)", (code,)).fetchone()
        con.close()
        return [x, y]

    def facility(self, **props):
        base = {"kind": "canteen", "status": "planned", "name": "测试食堂", "capacity": None,
                "division_code": "610602001", "responsible_unit": None, "due_date": None,
                "scenario_id": None, "synthetic": False}
        base.update(props)
        return {"type": "Feature", "properties": base,
                "geometry": {"type": "Point", "coordinates": self.inside("610602001")}}

    def errors(self, body):
        return [(e["property"], e["description"]) for e in body["errors"]]

    def assert_reason(self, body, prop, text):
        self.assertTrue(any(p == prop and text in d for p, d in self.errors(body)),
                        f"no ({prop!r}, ~{text!r}) in {self.errors(body)}")

    def allow(self, path, who=None, basic=False):
        _, h, _ = self.call("OPTIONS", path, who, basic=basic)
        return {m.strip() for m in h["Allow"].split(",")}

    # ------------------------------------------------------------------ QGIS

    def test_qgis_sequence(self):
        """What QGIS 3.32's OAPIF provider sends, in order, as HTTP Basic, no If-Match."""
        status, _, page = self.call("GET", "/collections/facilities/items?limit=10")
        self.assertEqual(status, 200)
        first = page["features"][0]["id"]
        self.assertNotIn("POST", self.allow("/collections/facilities/items"))
        self.assertIn("POST", self.allow("/collections/facilities/items", "planner", True))
        self.assertTrue({"PUT", "PATCH", "DELETE"} <=
                        self.allow(f"/collections/facilities/items/{first}", "planner", True))
        # QGIS asks OPTIONS of a made-up id when the layer is empty: the methods, not a 404.
        self.assertIn("PUT", self.allow("/collections/facilities/items/unknown_id", "planner",
                                        True))
        status, h, _ = self.call("POST", "/collections/facilities/items", "planner",
                                 self.facility(), basic=True)
        self.assertEqual(status, 201)
        m = re.search(r"/items/([^/]+)$", h["Location"])
        self.assertIsNotNone(m, h["Location"])
        fid = m.group(1)
        status, h2, f = self.item("facilities", fid)
        self.assertEqual(status, 200)
        self.assertEqual(h2["ETag"], h["ETag"])
        self.assertEqual(f["properties"]["name"], "测试食堂")
        moved = [c + 0.0001 for c in f["geometry"]["coordinates"]]
        status, _, _ = self.call("PATCH", f"/collections/facilities/items/{fid}", "planner",
                                 {"geometry": {"type": "Point", "coordinates": moved}}, PATCH,
                                 basic=True)
        self.assertEqual(status, 200)
        status, _, _ = self.call("PATCH", f"/collections/facilities/items/{fid}", "planner",
                                 {"properties": {"capacity": 40, "status": "site_selected"}},
                                 PATCH, basic=True)
        self.assertEqual(status, 200)
        _, _, f = self.item("facilities", fid)
        self.assertEqual(f["geometry"]["coordinates"], [round(c, 7) for c in moved])
        self.assertEqual((f["properties"]["capacity"], f["properties"]["status"],
                          f["properties"]["name"]), (40, "site_selected", "测试食堂"))
        status, _, _ = self.call("DELETE", f"/collections/facilities/items/{fid}", "planner",
                                 basic=True)
        self.assertEqual(status, 204)
        self.assertEqual(self.item("facilities", fid)[0], 404)
        con = connect(self.db)
        rows = con.execute("SELECT user, action FROM audit WHERE target = 'facilities' AND "
                           "target_id = ? ORDER BY id", (fid,)).fetchall()
        before, after = con.execute("SELECT before, after FROM audit WHERE target_id = ? AND "
                                    "action = 'update' ORDER BY id LIMIT 1", (fid,)).fetchone()
        con.close()
        self.assertEqual(rows, [("planner", "create"), ("planner", "update"),
                                ("planner", "update"), ("planner", "delete")])
        self.assertEqual(json.loads(before)["geometry"]["coordinates"], self.inside("610602001"))
        self.assertEqual(json.loads(after)["geometry"]["coordinates"], moved)

    # ------------------------------------------------------------------ If-Match

    def test_if_match_client(self):
        path = "/collections/facilities/items/F0002"
        status, h, f = self.item("facilities", "F0002")
        etag = h["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}-[0-9a-f]{8}"$')  # the row's tag, then the host's
        status, h, _ = self.call("PATCH", path, "planner", {"properties": {"capacity": 99}},
                                 PATCH, {"If-Match": etag})
        self.assertEqual(status, 200)
        new = h["ETag"]
        self.assertNotEqual(new, etag)
        self.assertEqual(self.item("facilities", "F0002")[1]["ETag"], new)
        # The old ETag is stale now: 412, nothing written, the current ETag in the answer.
        before = snapshot(self.db)
        status, h, body = self.call("PATCH", path, "planner", {"properties": {"capacity": 1}},
                                    PATCH, {"If-Match": etag})
        self.assertEqual((status, body["code"]), (412, "precondition_failed"))
        self.assertEqual(h["ETag"], new)
        self.assertEqual(snapshot(self.db), before)
        self.assertEqual(self.call("PUT", path, "planner", f, GEOJSON,
                                   {"If-Match": 'W/' + new})[0], 412)  # weak never matches
        self.assertEqual(self.call("DELETE", path, "planner", None, None,
                                   {"If-Match": etag})[0], 412)
        self.assertEqual(snapshot(self.db), before)
        # Any representation's ETag of the current state matches; so does "*".
        _, hz, _ = self.call("GET", path + "?f=json&properties=name",
                             headers={"Accept-Encoding": "gzip"})
        self.assertNotEqual(hz["ETag"], new)
        self.assertEqual(hz["ETag"][:17], new[:17])  # the same row tag, another variant
        status, h, _ = self.call("PATCH", path, "planner", {"properties": {"capacity": 98}},
                                 PATCH, {"If-Match": '"0000000000000000", ' + hz["ETag"]})
        self.assertEqual(status, 200)
        self.assertEqual(self.call("PATCH", path, "planner", {"properties": {"capacity": 97}},
                                   PATCH, {"If-Match": "*"})[0], 200)
        self.assertEqual(self.call("PATCH", "/collections/facilities/items/F9999", "planner",
                                   {"properties": {"capacity": 1}}, PATCH,
                                   {"If-Match": "*"})[0], 412)

    def test_etags_are_per_feature(self):
        _, h1, _ = self.item("facilities", "F0010")
        _, hl1, _ = self.call("GET", "/collections/facilities/items?limit=20")
        status, _, _ = self.call("PATCH", "/collections/facilities/items/F0011", "planner",
                                 {"properties": {"responsible_unit": "民政局"}}, PATCH)
        self.assertEqual(status, 200)
        status, h2, _ = self.call("GET", "/collections/facilities/items/F0010",
                                  headers={"If-None-Match": h1["ETag"]})
        self.assertEqual((status, h2["ETag"]), (304, h1["ETag"]))
        # The list, which holds F0011, did change.
        _, hl2, _ = self.call("GET", "/collections/facilities/items?limit=20")
        self.assertNotEqual(hl2["ETag"], hl1["ETag"])

    def test_two_editors_one_wins(self):
        path = "/collections/facilities/items/F0020"
        for round_ in range(5):
            etag = self.item("facilities", "F0020")[1]["ETag"]
            gate = threading.Barrier(2)
            results = []

            def edit(n):
                gate.wait()
                results.append(self.call("PATCH", path, "planner",
                                         {"properties": {"capacity": 100 * round_ + n}}, PATCH,
                                         {"If-Match": etag})[0])

            threads = [threading.Thread(target=edit, args=(n,)) for n in (1, 2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(results), [200, 412], results)
            cap = self.item("facilities", "F0020")[2]["properties"]["capacity"]
            self.assertIn(cap, (100 * round_ + 1, 100 * round_ + 2))

    # ------------------------------------------------------------------ rules

    def rejected(self, method, path, who, body, prop, text, ctype=None, headers=None):
        before = snapshot(self.db)
        status, _, answer = self.call(method, path, who, body, ctype, headers)
        self.assertEqual(status, 422, answer)
        self.assertEqual(answer["code"], "rejected")
        self.assert_reason(answer, prop, text)
        self.assertEqual(snapshot(self.db), before, "a rejected write changed the database")
        return answer

    def township(self, code):
        _, _, f = self.item("townships", code)
        f.pop("links", None)
        return f

    def test_facility_rules(self):
        items = "/collections/facilities/items"
        body = self.rejected("POST", items, "planner",
                             self.facility(kind="spaceport", status="dreamt", capacity=-1,
                                           colour="red"), "kind", "kind 'spaceport' is unknown")
        self.assert_reason(body, "status", "status 'dreamt' is unknown")
        self.assert_reason(body, "capacity", "may not be negative")
        self.assert_reason(body, "colour", "'colour' is no property of facilities")
        far = self.facility()
        far["geometry"]["coordinates"] = self.inside("610621001")
        self.rejected("POST", items, "planner", far, "geometry",
                      "lies more than 1 m outside its division 610602001")
        swapped = self.facility()
        swapped["geometry"]["coordinates"].reverse()
        self.rejected("POST", items, "planner", swapped, "geometry", "not longitude/latitude")
        self.rejected("POST", items, "planner", self.facility(division_code="610602999"),
                      "division_code", "610602999 is not a current division")
        self.rejected("POST", items, "planner", self.facility(capacity="ten"), "capacity",
                      "must be an integer, not a string")
        line = self.facility()
        line["geometry"] = {"type": "LineString", "coordinates": [[109.5, 36.6], [109.6, 36.7]]}
        self.rejected("POST", items, "planner", line, "geometry", "expected a point")
        # The lifecycle: one step at a time for a planner; an administrator may correct.
        self.rejected("PATCH", items + "/F0030", "planner", {"properties": {"status": "planned"}},
                      "status", "cannot go from operating to planned", PATCH)
        self.assertEqual(self.call("PATCH", items + "/F0030", "admin",
                                   {"properties": {"status": "planned"}}, PATCH)[0], 200)
        self.assertEqual(self.call("PATCH", items + "/F0030", "planner",
                                   {"properties": {"status": "site_selected"}}, PATCH)[0], 200)
        # Not Feature JSON: 400; not JSON at all: 415.
        self.assertEqual(self.call("POST", items, "planner", b"{not json")[0], 400)
        self.assertEqual(self.call("POST", items, "planner", b"x=1", "text/plain")[0], 415)
        self.assertEqual(self.call("POST", "/collections/demand/items", "admin",
                                   self.facility())[0], 405)

    def test_import_gives_the_same_reasons_as_http(self):
        # One set of rules: the same feature POSTed and imported is rejected for the same
        # reasons, word for word.
        f = self.township("610602001")
        for ring in f["geometry"]["coordinates"][0]:
            for pt in ring:
                pt[1] += 0.5
        f["properties"] = {"code": "610602777", "name": "新镇", "parent_code": "610603",
                           "population": -1, "kind": "town"}
        body = self.rejected("POST", "/collections/townships/items", "officer", f, "geometry",
                             "reaches more than 1 m outside its parent 610602",
                             headers={"X-Change-Reason": "test"})
        d = scratch_dir("edit-import")
        src = os.path.join(d, "one.geojson")
        with open(src, "w", encoding="utf-8") as out:
            json.dump({"type": "FeatureCollection", "features": [f]}, out, ensure_ascii=False)
        before = snapshot(self.db)
        p = civgis("import", "--db", self.db, "--target", "divisions", "--dry-run", "--json",
                   src)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(snapshot(self.db), before)
        got = [(q["property"], q["description"]) for q in json.loads(p.stdout)["problems"]]
        self.assertEqual(sorted(got), sorted(self.errors(body)))
        self.assertEqual(len(got), 3, got)

    def test_division_rules(self):
        items = "/collections/townships/items"
        reason = {"X-Change-Reason": "test"}
        # Outside its parent: moved half a degree north, out of Baota district.
        f = self.township("610602001")
        for ring in f["geometry"]["coordinates"][0]:
            for pt in ring:
                pt[1] += 0.5
        self.rejected("PUT", items + "/610602001", "officer", f, "geometry",
                      "reaches more than 1 m outside its parent 610602", headers=reason)
        # Overlapping a sibling: 610602002's boundary given to 610602001.
        g = self.township("610602002")
        f = self.township("610602001")
        f["geometry"] = g["geometry"]
        self.rejected("PUT", items + "/610602001", "officer", f, "geometry",
                      "overlaps 610602002", headers=reason)
        # Without a reason.
        self.rejected("PATCH", items + "/610602001", "officer", {"properties": {"name": "X"}},
                      "change_reason", "needs a reason", PATCH)
        # A bad code, a taken one, one of the wrong level, a parent prefix that disagrees.
        new = self.township("610602001")
        new["properties"] = {"code": "61060200X", "name": "新镇", "change_reason": "test"}
        self.rejected("POST", items, "officer", new, "code", "non-digit")
        new["properties"]["code"] = "610602001"
        self.rejected("POST", items, "officer", new, "code", "division 610602001 already exists")
        new["properties"]["code"] = "610602001777"
        self.rejected("POST", items, "officer", new, "code", "townships holds township")
        new["properties"].update(code="610602777", parent_code="610603")
        self.rejected("POST", items, "officer", new, "parent_code", "disagrees with code")
        # A village seat outside its township; a township with villages deleted.
        seat = {"type": "Feature", "geometry": {"type": "Point",
                                                "coordinates": self.inside("610602002")},
                "properties": {"code": "610602001777", "name": "新村", "change_reason": "t"}}
        self.rejected("POST", "/collections/villages/items", "officer", seat, "geometry",
                      "outside its parent 610602001")
        before = snapshot(self.db)
        status, _, body = self.call("DELETE", items + "/610602001", "officer", headers=reason)
        self.assertEqual(status, 422)
        self.assert_reason(body, None, "current divisions lie in it")
        self.assertEqual(snapshot(self.db), before)
        # An invalid polygon (a bow tie) is refused unless repair is asked for.
        bow = {"type": "Feature", "properties": {"code": "610602777", "name": "蝴蝶",
                                                 "change_reason": "t"},
               "geometry": {"type": "Polygon", "coordinates": [[
                   [109.50, 36.60], [109.51, 36.61], [109.51, 36.60], [109.50, 36.61],
                   [109.50, 36.60]]]}}
        self.rejected("POST", items, "officer", bow, "geometry", "Self-intersection")

    def location(self, body, prop, text):
        """The location of the reason that says text (a GeoJSON Point, maybe with bbox)."""
        for e in body["errors"]:
            if e["property"] == prop and text in e["description"]:
                self.assertEqual(e["location"]["type"], "Point", e)
                return e["location"]
        self.fail(f"no ({prop!r}, ~{text!r}) in {self.errors(body)}")

    def sql(self, query, *args):
        con = connect(self.db)
        try:
            return con.execute(query, args).fetchone()
        finally:
            con.close()

    def test_reasons_say_where(self):
        """A reason about a place carries where it lies: a GeoJSON Point (with the bbox of
        the area it concerns), so a map can show it."""
        items = "/collections/townships/items"
        reason = {"X-Change-Reason": "test"}
        # A facility outside its division: the facility itself.
        far = self.facility()
        far["geometry"]["coordinates"] = self.inside("610621001")
        body = self.rejected("POST", "/collections/facilities/items", "planner", far,
                             "geometry", "outside its division 610602001")
        at = self.location(body, "geometry", "outside its division")
        self.assertEqual(at["coordinates"], far["geometry"]["coordinates"])
        self.assertNotIn("bbox", at)
        # A township moved half a degree north: a point of the part outside its parent,
        # inside the moved polygon; the bbox that part's.
        f = self.township("610602001")
        for ring in f["geometry"]["coordinates"][0]:
            for pt in ring:
                pt[1] += 0.5
        body = self.rejected("PUT", items + "/610602001", "officer", f, "geometry",
                             "outside its parent 610602", headers=reason)
        at = self.location(body, "geometry", "outside its parent")
        point = "MakePoint(?, ?, 4326)"
        self.assertEqual(self.sql(
            f"SELECT ST_Within({point}, GeomFromGeoJSON(?)), ST_Within({point}, geom) FROM "
            "divisions WHERE code = '610602' AND valid_to IS NULL", *at["coordinates"],
            json.dumps(f["geometry"]), *at["coordinates"]), (1, 0))
        x0, y0, x1, y1 = at["bbox"]
        self.assertTrue(x0 <= at["coordinates"][0] <= x1 and y0 <= at["coordinates"][1] <= y1)
        # Given its neighbour's polygon: the overlap (a point of 610602002), and the
        # villages it leaves outside (the bbox of their seats).
        f = self.township("610602001")
        f["geometry"] = self.township("610602002")["geometry"]
        body = self.rejected("PUT", items + "/610602001", "officer", f, "geometry",
                             "overlaps 610602002", headers=reason)
        at = self.location(body, "geometry", "overlaps 610602002")
        self.assertEqual(self.sql(f"SELECT ST_Within({point}, geom) FROM divisions WHERE code = "
                                  "'610602002' AND valid_to IS NULL", *at["coordinates"]), (1,))
        at = self.location(body, "geometry", "leaves its divisions")
        seats = self.sql("SELECT min(X(seat)), min(Y(seat)), max(X(seat)), max(Y(seat)) FROM "
                         "(SELECT seat FROM divisions WHERE parent_code = '610602001' AND "
                         "valid_to IS NULL ORDER BY code LIMIT 5)")
        for a, b in zip(at["bbox"], seats):
            self.assertAlmostEqual(a, b, places=9)
        # A village's seat outside its township: the seat.
        seat = {"type": "Feature", "geometry": {"type": "Point",
                                                "coordinates": self.inside("610602002")},
                "properties": {"code": "610602001777", "name": "新村", "change_reason": "t"}}
        body = self.rejected("POST", "/collections/villages/items", "officer", seat, "geometry",
                             "outside its parent 610602001")
        at = self.location(body, "geometry", "outside its parent")
        for a, b in zip(at["coordinates"], seat["geometry"]["coordinates"]):
            self.assertAlmostEqual(a, b, places=9)
        # A bow tie: where it crosses itself.
        bow = {"type": "Feature", "properties": {"code": "610602777", "name": "蝴蝶",
                                                 "change_reason": "t"},
               "geometry": {"type": "Polygon", "coordinates": [[
                   [109.50, 36.60], [109.51, 36.61], [109.51, 36.60], [109.50, 36.61],
                   [109.50, 36.60]]]}}
        body = self.rejected("POST", items, "officer", bow, "geometry", "Self-intersection")
        at = self.location(body, "geometry", "Self-intersection")
        for a, b in zip(at["coordinates"], [109.505, 36.605]):
            self.assertAlmostEqual(a, b, places=9)
        # A name a sibling has: where that sibling is (its seat).
        name = self.sql("SELECT name FROM divisions WHERE code = '610602002' AND valid_to IS "
                        "NULL")[0]
        body = self.rejected("PATCH", items + "/610602001", "officer",
                             {"properties": {"name": name}}, "name", "already the standard name",
                             PATCH, headers=reason)
        at = self.location(body, "name", "already the standard name of 610602002")
        sx, sy = self.sql("SELECT X(seat), Y(seat) FROM divisions WHERE code = '610602002' AND "
                          "valid_to IS NULL")
        self.assertAlmostEqual(at["coordinates"][0], sx, places=9)
        self.assertAlmostEqual(at["coordinates"][1], sy, places=9)
        self.assertEqual(len(at["bbox"]), 4)
        # A reason about no place has none.
        body = self.rejected("PATCH", items + "/610602001", "officer", {"properties": {"name": "X"}},
                             "change_reason", "needs a reason", PATCH)
        self.assertTrue(all("location" not in e for e in body["errors"]), body)

    # ------------------------------------------------------------------ versions

    def test_versions_history_and_revert(self):
        con = connect(self.db)  # a township of Yanchang county

        code = con.execute("SELECT code FROM divisions WHERE level = 4 AND parent_code = "
                           "'610621' ORDER BY code LIMIT 1").fetchone()[0]
        con.close()
        path = f"/collections/townships/items/{code}"
        original = self.township(code)

        def with_vertex(f, k, name, day):
            """The same boundary with one more vertex (halfway along edge k) and a name."""
            g = json.loads(json.dumps(f))
            ring = g["geometry"]["coordinates"][0][0]
            a, b = ring[k], ring[k + 1]
            ring.insert(k + 1, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2])
            g["properties"].update(name=name, valid_from=day, change_reason="延政发 " + day)
            return g

        first = with_vertex(original, 0, "第一次", "2023-01-01")
        second = with_vertex(original, 1, "第二次", "2024-06-01")
        for f in (first, second):
            status, _, body = self.call("PUT", path, "officer", f)
            self.assertEqual(status, 200, body)
        states = {}
        for day in ("2022-01-01", "2023-06-01", "2025-01-01"):
            _, _, f = self.item("townships", code, "?datetime=" + day)
            states[day] = (f["properties"]["name"], f["geometry"]["coordinates"][0][0])
        ring = lambda f: [[round(x, 7), round(y, 7)] for x, y in f["geometry"]["coordinates"][0][0]]
        self.assertEqual(states["2022-01-01"], (original["properties"]["name"], ring(original)))
        self.assertEqual(states["2023-06-01"], ("第一次", ring(first)))
        self.assertEqual(states["2025-01-01"], ("第二次", ring(second)))
        status, _, h = self.call("GET", path + "/history")
        self.assertEqual(status, 200)
        self.assertEqual([(v["valid_from"], v["valid_to"]) for v in h["versions"]],
                         [("2021-10-31", "2023-01-01"), ("2023-01-01", "2024-06-01"),
                          ("2024-06-01", None)])
        # The import that created it comes first: its batch audit row lists the township.
        self.assertEqual([(c["user"], c["action"], c["reason"]) for c in h["changes"]],
                         [("make-data", "import", "shipped Yan'an data"),
                          ("officer", "replace", "延政发 2023-01-01"),
                          ("officer", "replace", "延政发 2024-06-01")])
        cli = civgis("history", "--db", self.db, "townships", code, check=0).stdout
        self.assertEqual([l.split("\t")[:3] for l in cli.splitlines()],
                         [["version", "2021-10-31", "2023-01-01"],
                          ["version", "2023-01-01", "2024-06-01"], ["version", "2024-06-01", "-"]]
                         + [["change", str(c["audit_id"]), c["at"]] for c in h["changes"]])
        first_id, second_id = (c["audit_id"] for c in h["changes"][1:])
        # The first change has a later one depending on it: refused, over HTTP and the CLI.
        self.assertEqual(self.call("POST", f"/audit/{first_id}/revert", "officer")[0], 403)
        before = snapshot(self.db)
        status, _, body = self.call("POST", f"/audit/{first_id}/revert", "admin")
        self.assertEqual(status, 409, body)
        self.assertIn(f"audit {second_id} changed divisions/{code} later", body["description"])
        p = civgis("revert", "--db", self.db, str(first_id))
        self.assertEqual(p.returncode, 1)
        self.assertIn("later", p.stderr)
        self.assertEqual(snapshot(self.db), before)
        # Reverting the second restores the first's boundary, as a new version from today.
        p = civgis("revert", "--db", self.db, str(second_id), "--reason", "误改", check=0)
        self.assertEqual(p.stdout, f"reverted audit {second_id}: {code} restored\n")
        _, _, now = self.item("townships", code)
        self.assertEqual(ring(now), ring(first))
        self.assertEqual(now["properties"]["name"], "第一次")
        _, _, h = self.call("GET", path + "/history")
        self.assertEqual(len(h["versions"]), 4)
        self.assertEqual(h["versions"][2]["valid_to"], h["versions"][3]["valid_from"])
        self.assertEqual(h["changes"][-1]["action"], "revert")
        self.assertTrue(h["changes"][-1]["reason"].startswith(f"revert of audit {second_id}"))
        self.assertEqual(self.item("townships", code, "?datetime=2025-01-01")[2]["properties"]
                         ["name"], "第二次")  # the past stays as it was

    def created(self, coll, body, who="officer"):
        status, headers, answer = self.call("POST", f"/collections/{coll}/items", who, body)
        self.assertEqual(status, 201, answer)
        return headers["Location"].rsplit("/", 1)[1]

    def deleted(self, coll, fid, who="officer"):
        self.assertEqual(self.call("DELETE", f"/collections/{coll}/items/{fid}", who)[0], 204)

    def test_ids_are_never_handed_out_twice(self):
        """A delete does not give its id back: the next create gets a new one, and the
        deleted feature's history stays its own (create, delete)."""
        place = {"type": "Feature", "geometry": {"type": "Point",
                                                 "coordinates": self.inside("610602001")},
                 "properties": {"name": "编号测试桥", "category": "bridge",
                                "division_code": "610602001"}}
        for coll, body in (("facilities", self.facility(name="编号测试")), ("places", place)):
            first = self.created(coll, body)
            self.deleted(coll, first)
            second = self.created(coll, body)
            self.assertNotEqual(second, first, coll)
            _, _, h = self.call("GET", f"/collections/{coll}/items/{first}/history")
            self.assertEqual([c["action"] for c in h["changes"]], ["create", "delete"], coll)
            _, _, h = self.call("GET", f"/collections/{coll}/items/{second}/history")
            self.assertEqual([c["action"] for c in h["changes"]], ["create"], coll)
            self.deleted(coll, second)
        # The newest of each, deleted: still not handed out again.
        fac = self.created("facilities", self.facility(name="编号测试"))
        self.deleted("facilities", fac)
        self.assertNotEqual(self.created("facilities", self.facility(name="编号测试")), fac)

    def test_a_new_feature_gets_the_division_it_stands_in(self):
        """A place or facility made without a division_code (as the web map makes them)
        gets the township it stands in, so a place's standard name is unique there and
        not against every such place in the city; one given null explicitly, or standing
        outside every division, stays without one and has no siblings to clash with."""
        def place(code, name="归属测试桥", **props):
            return {"type": "Feature", "properties": {"name": name, "category": "bridge", **props},
                    "geometry": {"type": "Point", "coordinates": self.inside(code) if code
                                 else [100.5, 30.5]}}

        def division_of(coll, fid):
            return self.item(coll, fid)[2]["properties"]["division_code"]

        made = []
        for code in ("610602001", "610602002"):
            made.append(("places", self.created("places", place(code))))
            self.assertEqual(division_of("places", made[-1][1]), code)
        # The same name and category again in the first township: a sibling has it.
        self.rejected("POST", "/collections/places/items", "officer", place("610602001"), "name",
                      "already the standard name of " + made[0][1])
        # No division: none found outside the city, none when null is given.
        for body in (place(None), place(None), place("610602001", division_code=None)):
            made.append(("places", self.created("places", body)))
            self.assertIsNone(division_of("places", made[-1][1]))
        # names check groups them as the write path does: no duplicate among them.
        self.assertNotIn("归属测试桥", civgis("names", "check", "--db", self.db).stdout)
        fac = self.facility(name="归属测试食堂")
        del fac["properties"]["division_code"]
        fac["geometry"]["coordinates"] = self.inside("610602002")
        made.append(("facilities", self.created("facilities", fac)))
        self.assertEqual(division_of("facilities", made[-1][1]), "610602002")
        for coll, fid in made:
            self.deleted(coll, fid)

    def test_a_place_is_found_by_its_id_as_written(self):
        """A place's id is looked up by its key (a national gazetteer is not scanned per
        request) and still only as written: 0-padded, signed or spaced spellings of it are
        no place, for reading, history and writing alike."""
        place = {"type": "Feature", "geometry": {"type": "Point",
                                                 "coordinates": self.inside("610602001")},
                 "properties": {"name": "编号查找桥", "category": "bridge",
                                "division_code": "610602001"}}
        pid = self.created("places", place)
        self.assertEqual(self.call("GET", f"/collections/places/items/{pid}")[0], 200)
        _, _, h = self.call("GET", f"/collections/places/items/{pid}/history")
        self.assertEqual([c["action"] for c in h["changes"]], ["create"])
        for other in (f"0{pid}", f"+{pid}", f"{pid}.0", f"%20{pid}"):
            self.assertEqual(self.call("GET", f"/collections/places/items/{other}")[0], 404,
                             other)
            self.assertEqual(self.call("DELETE", f"/collections/places/items/{other}",
                                       "officer")[0], 404, other)
        self.deleted("places", pid)

    def test_a_schema_8_store_remembers_its_deleted_ids(self):
        """A store written before schema 9, whose newest facility and place were deleted
        (the audit names them), is migrated by the first command that opens it and hands
        out neither id again."""
        db = demo_copy("edit-ids")
        token = civgis("user", "add", "--db", db, "ids", "--role", "officer",
                       check=0).stdout.strip()
        with Server(db) as srv:
            auth = {"Authorization": "Bearer " + token, "Content-Type": GEOJSON}
            ids = {}
            for coll, body in (("facilities", self.facility(name="旧库")),
                               ("places", {"type": "Feature", "properties": {"name": "旧库桥"},
                                           "geometry": {"type": "Point", "coordinates":
                                                        self.inside("610602001")}})):
                _, h, _ = srv.get(f"/collections/{coll}/items", method="POST", headers=auth,
                                  data=json.dumps(body).encode())
                ids[coll] = h["Location"].rsplit("/", 1)[1]
                status, _, _ = srv.get(f"/collections/{coll}/items/{ids[coll]}",
                                       method="DELETE", headers=auth)
                self.assertEqual(status, 204)
            self.assertEqual(srv.stop(), 0)
        con = connect(db)  # back to schema 8: what the store looked like then
        con.executescript("DROP TRIGGER facilities_ids; DROP TRIGGER places_ids; "
                          "DROP TABLE store_ids; PRAGMA user_version = 8;")
        con.close()
        with Server(db) as srv:
            auth = {"Authorization": "Bearer " + token, "Content-Type": GEOJSON}
            _, h, _ = srv.get("/collections/facilities/items", method="POST", headers=auth,
                              data=json.dumps(self.facility(name="新库")).encode())
            self.assertEqual(h["Location"].rsplit("/", 1)[1],
                             "F%04d" % (int(ids["facilities"][1:]) + 1))
            _, h, _ = srv.get("/collections/places/items", method="POST", headers=auth,
                              data=json.dumps({"type": "Feature", "properties": {"name": "新库桥"},
                                               "geometry": {"type": "Point", "coordinates":
                                                            self.inside("610602001")}}).encode())
            self.assertEqual(int(h["Location"].rsplit("/", 1)[1]), int(ids["places"]) + 1)
            self.assertEqual(srv.stop(), 0)

    def test_conformance_declares_part4(self):
        _, _, body = self.call("GET", "/conformance")
        for c in ("create-replace-delete", "update", "optimistic-locking-etags", "features"):
            self.assertIn("http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/" + c,
                          body["conformsTo"])
        _, _, api = self.call("GET", "/api")
        post = api["paths"]["/collections/{collectionId}/items"]["post"]
        self.assertEqual(post["security"], [{"bearer": []}, {"basic": []}])
        self.assertIn("422", post["responses"])
        self.assertNotIn("security", api["paths"]["/collections/{collectionId}/items"]["get"])


if __name__ == "__main__":
    unittest.main()
