"""Who may do what, live, over every operation /api lists (it is generated from the route
table, so a new route shows up here and fails until it has a sample): anonymous, each role,
a revoked token and an officer scoped to another county, with the status each gets. The
expected status comes from the operation's x-civgis-min-role in /api (the route's minimum
role, which dispatch enforces) and from the status the sample request gets once the role
suffices; it is not worked out again here.

Then the sensitive assistance counts (poor_households, poor_people, assisted_households):
absent below the planner role from every body (items, one item, HTML, schema, queryables,
tiles decoded with GDAL's MVT driver, coverage layers, process results, search), present
for a planner where they are shown, never in tiles, and never able to leak through an
ETag a planner's response carried."""
import base64
import http.client
import json
import math
import os
import time
import unittest

from osgeo import gdal

from civgis_test import Server, civgis, connect, demo_copy, scratch_dir

SENSITIVE = ("poor_households", "poor_people", "assisted_households")
RANK = {"anonymous": 0, "viewer": 1, "planner": 2, "officer": 3, "admin": 4}
GEOJSON = "application/geo+json"
PATCH = "application/merge-patch+json"

# The callers: (name in the test, role, scope). "gone" is a revoked planner, "yanchang" an
# officer of another county than the facility it writes.
USERS = [("viewer", "viewer", None), ("planner", "planner", None), ("officer", "officer", None),
         ("admin", "admin", None), ("gone", "planner", None), ("yanchang", "officer", "610621"),
         ("baota", "officer", "610602")]
WHO = ["anonymous", "viewer", "planner", "officer", "admin", "gone", "yanchang"]
ROLE_OF = {name: role for name, role, _ in USERS}
ROLE_OF["anonymous"] = "anonymous"

FAC = "F0001"  # a facility in 610602 (Baota)
# Writes whose sample feature (in 宝塔区) exists: the county's scope is judged first.
OUTSIDE_YANCHANG = {("PATCH", "/collections/{collectionId}/items/{featureId}"),
                    ("PATCH", "/collections/{collectionId}/items/{featureId}/name/variants/"
                              "{variantId}")}
# Documents that name the counts as inputs or parameters a planner may use (marked with the
# role), which hold no value of them.
DOCUMENTS = ("/api", "/processes/{processId}")


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


class Auth(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("auth")
        cls.tokens = {"anonymous": None}
        cls.n_bad = 0
        for name, role, scope in USERS:
            cls.tokens[name] = civgis("user", "add", "--db", cls.db, name, "--role", role,
                                      *(["--scope", scope] if scope else []),
                                      check=0).stdout.strip()
        civgis("user", "revoke", "--db", cls.db, "gone", check=0)
        con = connect(cls.db)
        cls.demand_code, lon, lat = con.execute(
            "SELECT code, X(geom), Y(geom) FROM demand ORDER BY poor_people DESC LIMIT 1"
        ).fetchone()
        cls.max_poor = con.execute("SELECT max(poor_people) FROM demand").fetchone()[0]
        cls.n_poor_gt_30 = con.execute(
            "SELECT count(*) FROM demand WHERE poor_people > 30").fetchone()[0]
        fx, fy = con.execute("SELECT X(geom), Y(geom) FROM facilities WHERE fid = ?",
                             (FAC,)).fetchone()
        cls.inside = list(con.execute(
            "SELECT X(p), Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM divisions "
            "WHERE code = '610602001' AND valid_to IS NULL)").fetchone())
        con.close()
        cls.demand_tile = (9, *tile_of(lon, lat, 9))
        cls.fac_tile = (9, *tile_of(fx, fy, 9))
        cls.dir = scratch_dir("auth")
        cls.srv = Server(cls.db, "--threads", "4").__enter__()
        cls.api = cls.srv.get_json("/api")[2]

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    # ------------------------------------------------------------------ helpers

    def headers(self, who, extra=None):
        h = dict(extra or {})
        if self.tokens.get(who):
            h["Authorization"] = "Bearer " + self.tokens[who]
        return h

    def call(self, method, path, who="anonymous", body=None, ctype=None, headers=None):
        """(status, headers, body) of one request as who. A revoked token is a bad token,
        which the server slows after ten a minute from one address (429): those requests
        come from their own loopback address, a new one every eight."""
        data = None
        h = self.headers(who, headers)
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h["Content-Type"] = ctype or "application/json"
        if who != "gone":
            return self.srv.get(path, headers=h, method=method, data=data)
        Auth.n_bad += 1
        source = f"127.0.{1 + Auth.n_bad // 8 // 250}.{2 + Auth.n_bad // 8 % 250}"
        host, port = self.srv.base.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30,
                                          source_address=(source, 0))
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def sample_path(self, template, coll="facilities"):
        z, x, y = self.demand_tile if coll != "facilities" else self.fac_tile
        fid = FAC if coll == "facilities" else self.demand_code
        values = {"collectionId": coll, "featureId": fid, "tileMatrixSetId": "WebMercatorQuad",
                  "tileMatrix": z, "tileRow": y, "tileCol": x, "z": z, "x": x, "y": y,
                  "tilesetId": "civgis" if coll == "facilities" else coll,
                  "processId": "coverage", "jobId": "no-such-job", "auditId": "999999",
                  "webFile": "index.html", "fontStack": "Noto", "glyphRange": "0-255"}
        path = template
        for k, v in values.items():
            path = path.replace("{" + k + "}", str(v))
        return path + ("?q=%E5%BB%B6%E5%AE%89" if template == "/search" else "")

    def facility(self, **props):
        base = {"kind": "canteen", "status": "planned", "name": "测试食堂",
                "division_code": "610602001", "synthetic": False}
        base.update(props)
        return {"type": "Feature", "properties": base,
                "geometry": {"type": "Point", "coordinates": self.inside}}

    def samples(self):
        """(method, template) -> (path, body, content type, status once the role suffices).
        Every operation /api lists needs one; writes are ones that change nothing (a
        rejected feature, a missing one) except the one PATCH, which is harmless."""
        s = {}
        for template, item in self.api["paths"].items():
            for method in item:
                s[(method.upper(), template)] = (self.sample_path(template), None, None, 200)
        for t in ("/jobs/{jobId}", "/jobs/{jobId}/results"):
            s[("GET", t)] = (self.sample_path(t), None, None, 404)
        s[("DELETE", "/jobs/{jobId}")] = (self.sample_path("/jobs/{jobId}"), None, None, 404)
        s[("POST", "/processes/{processId}/execution")] = (
            "/processes/coverage/execution", {"inputs": {"kind": ["mutual_aid_home"]}},
            "application/json", 200)
        s[("POST", "/collections/{collectionId}/items")] = (
            "/collections/facilities/items", self.facility(kind="nope"), GEOJSON, 422)
        item = "/collections/{collectionId}/items/{featureId}"
        s[("PUT", item)] = ("/collections/facilities/items/F9999", self.facility(), GEOJSON, 404)
        s[("PATCH", item)] = (f"/collections/facilities/items/{FAC}",
                              {"properties": {"responsible_unit": "宝塔区民政局"}}, PATCH, 200)
        s[("DELETE", item)] = ("/collections/facilities/items/F9999", None, None, 404)
        s[("POST", "/audit/{auditId}/revert")] = ("/audit/999999/revert", None, None, 404)
        # The division processes: a subtree checked; each operation without its inputs
        # (400 once the role suffices: the operations themselves are test_division_http's).
        s[("POST", "/processes/validate-divisions/execution")] = (
            "/processes/validate-divisions/execution", {"inputs": {"code": "610602"}},
            "application/json", 200)
        for op in ("transfer-area", "rename-division", "recode-division", "merge-divisions",
                   "split-division"):
            s[("POST", f"/processes/{op}/execution")] = (
                f"/processes/{op}/execution", {"inputs": {}}, "application/json", 400)
        # The standard name record of a township; writes name a township that is not.
        name = "/collections/{collectionId}/items/{featureId}/name"
        s[("GET", name)] = ("/collections/townships/items/610602001/name", None, None, 200)
        s[("PATCH", name)] = ("/collections/townships/items/610602999/name",
                              {"approval_doc": "延政发〔2024〕1号"}, PATCH, 404)
        s[("POST", name + "/variants")] = (
            "/collections/townships/items/610602999/name/variants",
            {"name": "旧名", "kind": "former", "valid_to": "2020-01-01"}, "application/json", 404)
        for m in ("GET", "PATCH"):
            s[(m, name + "/variants/{variantId}")] = (
                "/collections/townships/items/610602001/name/variants/999999",
                {"valid_to": "2024-01-01"} if m == "PATCH" else None,
                PATCH if m == "PATCH" else None, 404)
        return s

    def expected(self, op, who, ok):
        """The status `who` gets for an operation of /api whose sample answers ok once the
        role suffices: 401 for no token or a revoked one, 403 for a short role."""
        if who == "gone":
            return 401
        need = RANK[op.get("x-civgis-min-role", "anonymous")]
        if RANK[ROLE_OF[who]] >= need:
            return ok
        return 401 if who == "anonymous" else 403

    def assert_clean(self, body, where):
        for name in SENSITIVE:
            self.assertNotIn(name.encode(), body, where)

    def mvt_fields(self, body, z, x, y):
        """Every attribute name in an MVT, as GDAL's MVT driver reads it."""
        f = os.path.join(self.dir, f"t{z}_{x}_{y}_{len(body)}.mvt")
        with open(f, "wb") as out:
            out.write(body)
        ds = gdal.OpenEx(f, gdal.OF_VECTOR, open_options=[f"Z={z}", f"X={x}", f"Y={y}"])
        self.assertIsNotNone(ds, f)
        names, n = set(), 0
        for i in range(ds.GetLayerCount()):
            for feat in ds.GetLayer(i):
                names |= set(feat.keys())
                n += 1
        return names, n

    # ------------------------------------------------------------------ the matrix

    def test_every_operation_for_every_caller(self):
        samples = self.samples()
        ops = {(m.upper(), t): op for t, item in self.api["paths"].items()
               for m, op in item.items()}
        self.assertEqual(set(ops), set(samples))
        # /api marks exactly the operations with a minimum role as secured.
        for key, op in ops.items():
            self.assertEqual("x-civgis-min-role" in op,
                             op.get("security") == [{"bearer": []}, {"basic": []}], key)
        want, got = {}, {}
        for key in sorted(samples, key=lambda k: (k[1], k[0])):
            method, template = key
            path, body, ctype, ok = samples[key]
            for who in WHO:
                status, headers, raw = self.call(method, path, who, body, ctype)
                exp = self.expected(ops[key], who, ok)
                if key in OUTSIDE_YANCHANG and who == "yanchang" and exp == ok:
                    exp = 403  # the feature lies outside the officer's county
                want[(method, template, who)] = exp
                got[(method, template, who)] = status
                if status in (401, 403):
                    err = json.loads(raw)
                    self.assertEqual(set(err), {"code", "description"}, (key, who))
                    self.assertEqual(err["code"],
                                     "unauthorized" if status == 401 else "forbidden")
                if status == 401:  # Bearer only: these callers sent no Basic credentials
                    self.assertEqual(headers.get_all("WWW-Authenticate"),
                                     ['Bearer realm="civgis"'], (method, template, who))
                if method == "GET":
                    head = self.call("HEAD", path, who)[0]
                    want[("HEAD", template, who)] = exp
                    got[("HEAD", template, who)] = head
        self.assertEqual({k: v for k, v in got.items() if want[k] != v},
                         {k: v for k, v in want.items() if got[k] != v})
        # OPTIONS on every path: anyone but a revoked token, and Allow shows what each may
        # do: the route's methods whose minimum role the caller reaches.
        for template in self.api["paths"]:
            path = samples[next(k for k in samples if k[1] == template)][0].split("?")[0]
            for who in WHO:
                status, headers, _ = self.call("OPTIONS", path, who)
                want[("OPTIONS", template, who)] = 401 if who == "gone" else 204
                got[("OPTIONS", template, who)] = status
                if status != 204:
                    continue
                allow = {m.strip() for m in headers["Allow"].split(",")}
                for method, op in self.api["paths"][template].items():
                    if method in ("put", "patch", "delete", "post") and \
                            "x-civgis-min-role" in op:
                        may = RANK[ROLE_OF[who]] >= RANK[op["x-civgis-min-role"]]
                        self.assertEqual(method.upper() in allow, may, (template, who))
        self.assertEqual(got, want)
        kinds = [k[0] if k[0] in ("HEAD", "OPTIONS") else "op" for k in got]
        print(f"\nauth matrix: {len(ops)} operations x {len(WHO)} callers = "
              f"{kinds.count('op')} cases, {kinds.count('HEAD')} HEAD, "
              f"{kinds.count('OPTIONS')} OPTIONS; {len(got)} in all")

    def test_the_challenge_offers_basic_only_to_basic(self):
        """A 401 challenges Bearer; Basic only when the request came with Basic credentials
        (QGIS and GDAL send theirs unasked), so a browser's fetch never gets the Basic
        challenge that makes it pop up a password dialog."""
        def challenges(auth):
            # Each from an address of its own: bad tokens are throttled per address.
            Auth.n_bad += 8
            source = f"127.0.{1 + Auth.n_bad // 8 // 250}.{2 + Auth.n_bad // 8 % 250}"
            host, port = self.srv.base.split("//")[1].split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=30,
                                              source_address=(source, 0))
            try:
                conn.request("POST", "/collections/facilities/items", body=b"{}",
                             headers={"Content-Type": GEOJSON, **auth})
                r = conn.getresponse()
                r.read()
                return r.status, r.headers.get_all("WWW-Authenticate")
            finally:
                conn.close()

        bearer = ['Bearer realm="civgis"']
        both = bearer + ['Basic realm="civgis", charset="UTF-8"']
        basic = "Basic " + base64.b64encode(b"qgis:not-a-token").decode()
        self.assertEqual(challenges({}), (401, bearer))
        self.assertEqual(challenges({"Authorization": "Bearer not-a-token"}), (401, bearer))
        self.assertEqual(challenges({"Authorization": "Token x"}), (401, bearer))
        self.assertEqual(challenges({"Authorization": basic}), (401, both))
        self.assertEqual(challenges({"Authorization": "Basic !!"}), (401, both))
        # The right token as Basic's password (what QGIS sends) is let in.
        good = "Basic " + base64.b64encode(b"x:" + self.tokens["planner"].encode()).decode()
        status, _, body = self.srv.get("/collections/facilities/items/" + FAC,
                                       headers={"Authorization": good})
        self.assertEqual(status, 200, body)

    def test_collections_that_need_an_officer(self):
        """Writes to divisions and places need an officer (app/editor), within the scope;
        OPTIONS agrees with what the write answers."""
        twn = "/collections/townships/items/610602001"
        place = {"type": "Feature", "geometry": {"type": "Point", "coordinates": self.inside},
                 "properties": {"name": "宝塔山", "division_code": "610602001"}}
        rows = {
            ("PATCH", twn): ({"properties": {"pinyin": "Baotashan"}}, PATCH,
                             [401, 403, 403, 200, 200, 401, 403]),
            ("POST", "/collections/places/items"): (place, GEOJSON,
                                                    [401, 403, 403, 201, 201, 401, 403]),
        }
        for (method, path), (body, ctype, want) in rows.items():
            got = []
            for i, who in enumerate(WHO):
                if method == "POST":  # standard names are unique in a division: one each
                    body = json.loads(json.dumps(body))
                    body["properties"]["name"] = f"宝塔山{i}"
                got.append(self.call(method, path, who, body, ctype,
                                     {"X-Change-Reason": "auth matrix"})[0])
            self.assertEqual(got, want, (method, path))
            for who, status in zip(WHO, got):
                if who == "gone":
                    continue
                _, h, _ = self.call("OPTIONS", path.rsplit("/items", 1)[0] + "/items"
                                    if method == "POST" else path, who)
                allow = {m.strip() for m in h["Allow"].split(",")}
                if who != "yanchang":  # a scope is checked on the feature, not the route
                    self.assertEqual(method in allow, status < 400, (method, path, who))
        # An officer scoped to the facility's county may not move it out of the county.
        con = connect(self.db)
        away = list(con.execute(
            "SELECT X(p), Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM divisions "
            "WHERE code = '610621001' AND valid_to IS NULL)").fetchone())
        con.close()
        status, _, raw = self.call("PATCH", f"/collections/facilities/items/{FAC}", "baota",
                                   {"properties": {"division_code": "610621001"},
                                    "geometry": {"type": "Point", "coordinates": away}}, PATCH)
        self.assertEqual(status, 403, raw)
        self.assertIn("after the change", json.loads(raw)["description"])

    # ------------------------------------------------------------------ sensitive fields

    def reads(self):
        """Every GET of /api with the collection samples that show demand: facilities,
        demand and a coverage layer, their items, one item, HTML, schema, queryables and
        tiles; the combined base map."""
        out = []
        for template, item in self.api["paths"].items():
            if "get" not in item:
                continue
            colls = ("facilities", "demand", "coverage-mutual_aid_home") \
                if "{collectionId}" in template or "{tilesetId}" in template else ("facilities",)
            for coll in colls:
                out.append((template, self.sample_path(template, coll), coll))
        out += [("html", "/collections/demand/items?f=html&limit=20", "demand"),
                ("html", f"/collections/demand/items/{self.demand_code}?f=html", "demand"),
                ("json", f"/tiles/demand.json", "demand"),
                ("json", "/collections/demand/items?limit=1&sortby=-population", "demand")]
        return out

    def test_absent_below_planner_everywhere(self):
        n = 0
        for template, path, coll in self.reads():
            for who in ("anonymous", "viewer", "planner"):
                status, headers, body = self.call("GET", path, who)
                self.assertIn(status, (200, 204, 404, 405), (path, who))
                self.assertIn("Authorization", headers.get("Vary", ""), path)
                n += 1
                if template in DOCUMENTS:
                    continue
                is_tile = headers.get("Content-Type") == "application/vnd.mapbox-vector-tile"
                if who != "planner" or is_tile:
                    # Never in tiles, for anyone: the bytes, and the fields GDAL decodes.
                    self.assert_clean(body, (path, who))
                if is_tile and status == 200:
                    z, x, y = self.demand_tile if coll != "facilities" else self.fac_tile
                    fields, features = self.mvt_fields(body, z, x, y)
                    self.assertGreater(features, 0, path)
                    self.assertFalse(fields & set(SENSITIVE), (path, who))
        print(f"\nsensitive fields: {n} reads checked")
        # The documents name them only as what a planner may ask for.
        _, _, api = self.srv.get_json("/api")
        for template, item in api["paths"].items():
            for op in item.values():
                for p in op.get("parameters", []):
                    if p.get("name") in SENSITIVE:
                        self.assertEqual(p["x-civgis-min-role"], "planner", template)
        for process in ("coverage", "site-selection"):
            _, _, doc = self.srv.get_json(f"/processes/{process}")
            self.assertIn("need the planner role", doc["inputs"]["weight"]["description"])

    def test_planner_sees_filters_sorts_and_selects_them(self):
        for coll in ("demand", "coverage-mutual_aid_home"):
            items = f"/collections/{coll}/items"
            status, _, body = self.call("GET", f"{items}?limit=1&sortby=-poor_people", "planner")
            self.assertEqual(status, 200, body)
            props = json.loads(body)["features"][0]["properties"]
            self.assertEqual(props["poor_people"], self.max_poor)
            self.assertLessEqual(set(SENSITIVE), set(props))
            _, _, body = self.call("GET", f"{items}?filter=poor_people%20%3E%2030&limit=1",
                                   "planner")
            self.assertEqual(json.loads(body)["numberMatched"], self.n_poor_gt_30)
            _, _, body = self.call("GET", f"{items}?filter-lang=cql2-json&limit=1&filter="
                                   + '{"op":">","args":[{"property":"poor_people"},30]}'
                                   .replace('"', "%22").replace(" ", ""), "planner")
            self.assertEqual(json.loads(body)["numberMatched"], self.n_poor_gt_30)
            _, _, body = self.call("GET", f"{items}?properties=name,poor_households&limit=1",
                                   "admin")
            self.assertEqual(set(json.loads(body)["features"][0]["properties"]),
                             {"name", "poor_households"})
            _, _, body = self.call("GET", f"{items}?poor_people={self.max_poor}", "officer")
            self.assertGreaterEqual(json.loads(body)["numberMatched"], 1)
            status, _, body = self.call("GET", f"{items}/{self.demand_code}", "planner")
            self.assertEqual(json.loads(body)["properties"]["poor_people"], self.max_poor)
            for what in ("schema", "queryables"):
                _, _, doc = self.srv.get_json(f"/collections/{coll}/{what}",
                                              headers=self.headers("planner"))
                for name in SENSITIVE:
                    self.assertEqual(doc["properties"][name]["x-civgis-min-role"], "planner")
            _, _, body = self.call("GET", f"{items}?f=html&limit=5", "planner")
            self.assertIn(b"<th>poor_people</th>", body)

    def test_below_planner_a_sensitive_name_is_unknown(self):
        """400 naming it, as for any property the caller's queryables do not list; the
        same answer for a name that exists nowhere."""
        for coll in ("demand", "coverage-mutual_aid_home"):
            items = f"/collections/{coll}/items"
            for query in ("filter=poor_people%20%3E%2030", "sortby=-poor_households",
                          "properties=name,assisted_households", "poor_people=3",
                          "filter-lang=cql2-json&filter=%7B%22op%22%3A%22%3E%22%2C%22args%22%3A"
                          "%5B%7B%22property%22%3A%22poor_people%22%7D%2C30%5D%7D"):
                for who in ("anonymous", "viewer", "gone"):
                    status, _, body = self.call("GET", f"{items}?{query}", who)
                    if who == "gone":
                        self.assertEqual(status, 401)
                        continue
                    err = json.loads(body)
                    self.assertEqual((status, set(err)), (400, {"code", "description"}),
                                     (query, who))
                    self.assertTrue(any(n in err["description"] for n in SENSITIVE), err)
                    other = query.replace("poor_people", "no_such").replace(
                        "poor_households", "no_such").replace("assisted_households", "no_such")
                    self.assertEqual(self.call("GET", f"{items}?{other}", who)[0], 400, other)
                status, _, body = self.call("GET", f"{items}?{query}", "planner")
                self.assertEqual(status, 200, (query, body))

    def test_etags_differ_where_bodies_do(self):
        path = "/collections/demand/items?limit=3"
        tags = {}
        for who in ("anonymous", "viewer", "planner", "admin"):
            status, headers, _ = self.call("GET", path, who)
            tags[who] = headers["ETag"]
        self.assertEqual(tags["anonymous"], tags["viewer"])
        self.assertEqual(tags["planner"], tags["admin"])
        self.assertNotEqual(tags["viewer"], tags["planner"])
        # A viewer replaying a planner's tag gets the public body, not a 304.
        for p in (path, f"/collections/demand/items/{self.demand_code}",
                  "/collections/demand/schema", "/collections/demand/queryables"):
            _, h, _ = self.call("GET", p, "planner")
            status, _, body = self.call("GET", p, "viewer", headers={"If-None-Match": h["ETag"]})
            self.assertEqual(status, 200, p)
            self.assert_clean(body, p)
            self.assertEqual(self.call("GET", p, "planner",
                                       headers={"If-None-Match": h["ETag"]})[0], 304, p)

    def test_tiles_are_the_same_for_everyone(self):
        """The counts are never in tiles (shared, cached, exported): a planner's tile is a
        viewer's, byte for byte, and renders from the same cache entry."""
        z, x, y = self.demand_tile
        for path in (f"/tiles/demand/{z}/{x}/{y}.mvt",
                     f"/collections/coverage-mutual_aid_home/tiles/WebMercatorQuad/{z}/{y}/{x}"):
            first = self.call("GET", path, "planner")
            second = self.call("GET", path, "viewer")
            self.assertEqual((first[0], second[0]), (200, 200), path)
            self.assertEqual(first[2], second[2], path)
            self.assert_clean(first[2], path)
            _, _, tj = self.srv.get_json("/tiles/demand.json", headers=self.headers("planner"))
            fields = {k for layer in tj["vector_layers"] for k in layer["fields"]}
            self.assertFalse(fields & set(SENSITIVE))

    def wait_job(self, job, who):
        for _ in range(1200):  # 60 s, for the sanitizer builds
            _, _, info = self.srv.get_json(f"/jobs/{job}", headers=self.headers(who))
            if info["status"] in ("successful", "failed", "dismissed"):
                return info
            time.sleep(0.05)
        self.fail("job did not end")

    def test_process_results(self):
        """Weighting by a count needs a planner (sync and async); its results are the
        planner's alone; everyone else's results name no count."""
        cov = {"inputs": {"kind": ["mutual_aid_home"], "weight": "poor_people"},
               "outputs": {"demand": {}}}
        for who in ("anonymous", "viewer"):
            status, _, body = self.call("POST", "/processes/coverage/execution", who, cov)
            self.assertEqual(status, 401 if who == "anonymous" else 403, body)
            self.assertEqual(set(json.loads(body)), {"code", "description"})
        status, headers, _ = self.call("POST", "/processes/coverage/execution", "planner", cov,
                                       headers={"Prefer": "respond-async"})
        self.assertEqual(status, 201)
        job = headers["Location"].rsplit("/", 1)[-1]
        self.assertEqual(self.wait_job(job, "planner")["status"], "successful")
        status, _, body = self.call("GET", f"/jobs/{job}/results", "planner")
        self.assertEqual(status, 200)
        con = connect(self.db)
        poor = dict(con.execute("SELECT code, poor_people FROM demand").fetchall())
        con.close()
        weights = {f["id"]: f["properties"]["weight"] for f in json.loads(body)["features"]}
        self.assertEqual(weights, {c: poor[c] for c in weights})  # the counts themselves
        self.assertTrue(any(weights.values()))
        for who in ("anonymous", "viewer", "officer"):
            status, _, body = self.call("GET", f"/jobs/{job}/results", who)
            self.assertEqual(status, 404, who)
            self.assert_clean(body, who)
            listed = self.srv.get_json("/jobs", headers=self.headers(who))[2]["jobs"]
            self.assertNotIn(job, [j["jobID"] for j in listed])
        for process, body in (("coverage", {"inputs": {"kind": ["mutual_aid_home"]},
                                            "outputs": {"demand": {}}}),
                              ("site-selection", {"inputs": {
                                  "problem": "mclp", "kind": "regional_elderly_centre",
                                  "candidates": "townships", "p": 3, "radius": 30000},
                                  "outputs": {"sites": {}}})):
            status, _, out = self.call("POST", f"/processes/{process}/execution", "viewer", body)
            self.assertEqual(status, 200, out)
            self.assert_clean(out, process)
        site = {"inputs": {"problem": "mclp", "kind": "regional_elderly_centre",
                           "candidates": "townships", "p": 3, "radius": 30000,
                           "weight": "assisted_households"}}
        self.assertEqual(self.call("POST", "/processes/site-selection/execution", "viewer",
                                   site)[0], 403)
        status, _, out = self.call("POST", "/processes/site-selection/execution", "planner", site)
        self.assertEqual(status, 200, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
