"""The division processes over HTTP (issue 15): a real `civgis serve` with real tokens.
/processes lists them with their inputs, /api routes them; the writing ones need an
officer whose scope holds the divisions (401/403 otherwise, nothing written); inputs are
read strictly (400 naming the input); a dry run writes nothing and says what would be
written; a refusal answers 422 with its reasons and writes nothing; a real transfer shows
in the townships' history and is undone by POST /audit/{id}/revert; validate-divisions
answers anyone; asynchronous execution gives a job to poll."""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from civgis_test import (Server, add_user, bearer, connect, demo_copy, scratch_dir,  # noqa: E402
                         snapshot)
from test_division import (assert_demand_follows, border_pick, current, demand_links,  # noqa: E402
                           shared_border_exact)
from test_tiles import assert_tiles_share_borders, decode_mvt, tile_of  # noqa: E402

DAY = "2024-01-01"
WRITERS = ("transfer-area", "rename-division", "recode-division", "merge-divisions",
           "split-division")


def point_of(db, sql, *params):
    """(lon, lat) of the point sql selects as g."""
    con = connect(db)
    lon, lat = con.execute(f"SELECT X(g), Y(g) FROM ({sql})", params).fetchone()
    con.close()
    return lon, lat


class ServerCase(unittest.TestCase):
    """One demo copy with an officer of 延安市宝塔区 (610602), an officer of another county,
    a viewer and an administrator, and a server on it."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("division-http")
        cls.officer = add_user(cls.db, "off602", "officer", "610602")
        cls.outsider = add_user(cls.db, "off603", "officer", "610603")
        cls.viewer = add_user(cls.db, "viewer1", "viewer")
        cls.admin = add_user(cls.db, "admin1", "admin")
        cls.picks = border_pick(cls.db)
        cls.tiles = scratch_dir("division-tiles")
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def run_op(self, process, token=None, headers=None, **inputs):
        h = {"Content-Type": "application/json", **(headers or {})}
        if token:
            h.update(bearer(token))
        body = json.dumps({"inputs": inputs}).encode()
        return self.srv.get_json(f"/processes/{process}/execution", method="POST", data=body,
                                 headers=h)

    def assert_error(self, status, body, want, says):
        self.assertEqual(status, want, body)
        self.assertIsInstance(body["code"], str)
        self.assertIn(says, json.dumps(body, ensure_ascii=False))

    def revert(self, audit_id):
        status, _, body = self.srv.get_json(
            f"/audit/{audit_id}/revert", method="POST", data=b'{"reason":"undo"}',
            headers={**bearer(self.admin), "Content-Type": "application/json"})
        self.assertEqual(status, 200, body)

    def decoded(self, path, z, x, y):
        status, headers, body = self.srv.get(path)
        self.assertEqual(status, 200, path)
        f = os.path.join(self.tiles, path.strip("/").replace("/", "_"))
        with open(f, "wb") as out:
            out.write(body)
        return decode_mvt(self, f, z, x, y)

    def assert_tiles(self, lon, lat, present=(), absent=()):
        """The served townships' tiles over (lon, lat) at z6-12: no gaps, no overlaps (the
        tiles' own check), and at z12 the divisions the operation made, not those it
        closed (the tiles are today's, not a cached yesterday's)."""
        assert_tiles_share_borders(self, self.decoded, lon, lat)
        x, y = tile_of(lon, lat, 12)
        got = self.decoded(f"/tiles/townships/12/{x}/{y}.mvt", 12, x, y)
        for code in present:
            self.assertIn(code, got)
        for code in absent:
            self.assertNotIn(code, got)


class DivisionProcesses(ServerCase):

    # ------------------------------------------------------------ descriptions

    def test_listed_with_inputs_and_routed_in_api(self):
        _, _, doc = self.srv.get_json("/processes")
        ids = [p["id"] for p in doc["processes"]]
        for pid in (*WRITERS, "validate-divisions"):
            self.assertIn(pid, ids)
            status, _, p = self.srv.get_json("/processes/" + pid)
            self.assertEqual(status, 200)
            self.assertIn("result", p["outputs"])
            if pid != "validate-divisions":
                for name in ("reason", "valid_from", "dry_run", "approval"):
                    self.assertIn(name, p["inputs"])
        _, _, p = self.srv.get_json("/processes/transfer-area")
        self.assertEqual(sorted(p["inputs"]), sorted(
            ["from", "to", "area", "may_split", "reason", "approval", "valid_from", "dry_run",
             "tolerance"]))
        _, _, api = self.srv.get_json("/api")
        for pid in (*WRITERS, "validate-divisions"):
            op = api["paths"][f"/processes/{pid}/execution"]["post"]
            self.assertEqual("security" in op, pid != "validate-divisions", pid)

    # ------------------------------------------------------------ who may

    def test_roles_and_scope_refused_before_anything_is_written(self):
        a, b, _, area = self.picks[0]
        args = dict(area=json.loads(area), reason="区划调整", valid_from=DAY)
        before = snapshot(self.db)
        status, headers, body = self.run_op("transfer-area", **{"from": a, "to": b}, **args)
        self.assert_error(status, body, 401, "officer")
        self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
        status, _, body = self.run_op("transfer-area", self.viewer, **{"from": a, "to": b}, **args)
        self.assert_error(status, body, 403, "officer")
        status, _, body = self.run_op("transfer-area", self.outsider, **{"from": a, "to": b},
                                      **args)
        self.assert_error(status, body, 403, "scope")
        status, _, body = self.run_op("rename-division", self.outsider, code="610602003",
                                      name="x", reason="r")
        self.assert_error(status, body, 403, "scope")
        self.assertEqual(snapshot(self.db), before)

    def test_inputs_are_read_strictly(self):
        before = snapshot(self.db)
        cases = [
            ("rename-division", dict(code="610602003", name="x"), "reason"),
            ("rename-division", dict(code="610602003", reason="r"), "name"),
            ("rename-division", dict(code="610602003", name="x", reason="r", colour=1), "colour"),
            ("rename-division", dict(code="610602003", name="x", reason="r", dry_run="yes"),
             "dry_run"),
            ("recode-division", dict(code="610602003", reason="r"), "new_code"),
            ("transfer-area", {"from": "610602001", "to": "610602002", "reason": "r",
                               "area": 5}, "area"),
            ("transfer-area", {"from": "610602001", "reason": "r", "area": {}}, "to"),
            ("rename-division", dict(code="610602003", name="x", reason="r",
                                     valid_from="2024-13-01"), "valid_from"),
        ]
        for process, inputs, says in cases:
            status, _, body = self.run_op(process, self.officer, **inputs)
            self.assertIn(status, (400, 422), (process, inputs, body))
            self.assertIn(says, body["description"] + json.dumps(body.get("errors", [])),
                          (process, inputs))
        status, _, body = self.srv.get_json(
            "/processes/rename-division/execution", method="POST", data=b'{"inputs": {} } x',
            headers={**bearer(self.officer), "Content-Type": "application/json"})
        self.assertEqual(status, 400, body)
        status, _, body = self.srv.get_json(
            "/processes/rename-division/execution", method="POST", data=b'{"input": {}}',
            headers={**bearer(self.officer), "Content-Type": "application/json"})
        self.assert_error(status, body, 400, "inputs")
        self.assertEqual(snapshot(self.db), before)

    # ------------------------------------------------------------ refusals

    def test_refusals_answer_422_with_reasons_and_write_nothing(self):
        before = snapshot(self.db)
        status, _, body = self.run_op("recode-division", self.officer, code="610602001",
                                      new_code="610602002", reason="r")
        self.assert_error(status, body, 422, "taken")
        self.assertTrue(body["errors"])
        con = connect(self.db)
        box = json.loads(con.execute(
            "SELECT AsGeoJSON(ST_Envelope(ST_Buffer(geom, 0.01)), 15) FROM divisions WHERE code "
            "= '610602001' AND valid_to IS NULL").fetchone()[0])
        con.close()
        status, _, body = self.run_op("transfer-area", self.officer, reason="r", area=box,
                                      **{"from": "610602001", "to": "610602002"})
        self.assert_error(status, body, 422, "left empty")
        self.assertEqual(snapshot(self.db), before)

    def test_coverage_refusals_say_where(self):
        """The coverage check's reasons in a refusal carry their place: a GeoJSON Point
        (the one the text names) with the bbox of the gap or overlap. At a millimetre's
        tolerance some transfers leave slivers of half a square metre: refused."""
        before = snapshot(self.db)
        for a, b, _, area in self.picks:
            status, _, body = self.run_op("transfer-area", self.officer, reason="r",
                                          dry_run=True, tolerance=0.001, area=json.loads(area),
                                          **{"from": a, "to": b})
            coverage = [e for e in body.get("errors", []) if re.search(
                r"(would overlap|a new (gap|outside)).* at -?[0-9.]+ -?[0-9.]+$",
                e["description"])] if status == 422 else []
            if coverage:
                break
        else:
            self.fail("no transfer at 1 mm was refused by the coverage check")
        for e in coverage:
            x, y = map(float, e["description"].rsplit(" at ", 1)[1].split())
            loc = e["location"]
            self.assertEqual(loc["type"], "Point", e)
            self.assertAlmostEqual(loc["coordinates"][0], x, places=5)
            self.assertAlmostEqual(loc["coordinates"][1], y, places=5)
            x0, y0, x1, y1 = loc["bbox"]
            px, py = loc["coordinates"]
            self.assertTrue(x0 <= px <= x1 and y0 <= py <= y1, loc)
            self.assertTrue(x1 - x0 < 0.01 and y1 - y0 < 0.01, loc)  # a sliver's
        self.assertEqual(snapshot(self.db), before)

    # ------------------------------------------------------------ validate

    def test_validate_answers_anyone(self):
        status, _, body = self.run_op("validate-divisions", code="610602")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["ok"], body["parents_checked"], body["problems"]), (True, 1, []))
        # Clean at 1 m since import densifies GCJ-02 edges; a millimetre shows the residue.
        status, _, body = self.run_op("validate-divisions", self.viewer, code="610629",
                                      tolerance=0.001)
        self.assertEqual(status, 200, body)
        self.assertFalse(body["ok"])
        self.assertTrue({p["kind"] for p in body["problems"]} <= {"gap", "outside", "overlap"})
        self.assertEqual(body["problems"][0]["location"]["type"], "Polygon")
        status, _, body = self.run_op("validate-divisions", code="6106029")
        self.assert_error(status, body, 400, "6106029")
        status, _, body = self.run_op("validate-divisions", code="610602", reason="x")
        self.assert_error(status, body, 400, "reason")

    # ------------------------------------------------------------ the real thing

    def test_dry_run_then_transfer_history_and_revert(self):
        for a, b, village, area in self.picks:
            before = snapshot(self.db)
            status, _, dry = self.run_op("transfer-area", self.officer, reason="区划调整",
                                         valid_from=DAY, dry_run=True, area=json.loads(area),
                                         **{"from": a, "to": b})
            self.assertEqual(snapshot(self.db), before)
            if status == 200:
                break
            self.assertEqual(status, 422, dry)
        else:
            self.fail("no candidate transfer passed its dry run")
        self.assertEqual((dry["dry_run"], dry["audit_id"]), (True, 0))
        changed = {c["code"]: c for c in dry["changes"] if c["action"] == "changed"}
        self.assertEqual(sorted(changed), sorted([a, b]))
        self.assertIn(changed[a]["geometry"]["type"], ("Polygon", "MultiPolygon"))
        rows = current(self.db, [a, b])
        links = demand_links(self.db)
        status, _, r = self.run_op("transfer-area", self.officer, reason="区划调整",
                                   approval="延政函〔2024〕7号", valid_from=DAY,
                                   area=json.loads(area), **{"from": a, "to": b})
        self.assertEqual(status, 200, r)
        assert_demand_follows(self, self.db, links, r)
        # The tiles over the piece: the new border drawn without a gap or an overlap.
        self.assert_tiles(*point_of(self.db, "SELECT ST_Centroid(GeomFromGeoJSON(?)) AS g",
                                    area), present=(a, b))
        self.assertFalse(r["dry_run"])
        self.assertGreater(r["audit_id"], 0)
        self.assertEqual([(c["code"], c["action"]) for c in r["changes"]],
                         [(c["code"], c["action"]) for c in dry["changes"]])
        self.assertIn(village, [c.get("former_code") for c in r["changes"]])
        self.assertAlmostEqual(r["area_before_m2"], r["area_after_m2"], delta=50.0)
        self.assertTrue(shared_border_exact(self.db, a, b))
        # The map sees it: the feature is the new polygon; before the day, the old one.
        _, _, now = self.srv.get_json(f"/collections/townships/items/{a}")
        self.assertEqual(now["geometry"]["type"], changed[a]["geometry"]["type"])
        _, _, old = self.srv.get_json(f"/collections/townships/items?datetime=2023-06-01"
                                      f"&code={a}")
        self.assertEqual(len(old["features"]), 1)
        self.assertNotEqual(old["features"][0]["geometry"], now["geometry"])
        # History: both versions, and the group's audit row with its reason.
        _, _, h = self.srv.get_json(f"/collections/townships/items/{a}/history")
        self.assertEqual([v["valid_from"] for v in h["versions"]][-1], DAY)
        self.assertIn(r["audit_id"], [c["audit_id"] for c in h["changes"]])
        self.assertIn("延政函〔2024〕7号", json.dumps(h, ensure_ascii=False))
        status, _, body = self.run_op("validate-divisions", code="610602")
        self.assertTrue(body["ok"], body)
        # An officer may not revert; an administrator undoes the whole group.
        status, _, body = self.srv.get_json(
            f"/audit/{r['audit_id']}/revert", method="POST", data=b'{"reason":"undo"}',
            headers={**bearer(self.officer), "Content-Type": "application/json"})
        self.assertEqual(status, 403, body)
        self.revert(r["audit_id"])
        self.assertEqual(current(self.db, [a, b]), rows)
        self.assertEqual(demand_links(self.db), links)

    def test_merge_then_revert(self):
        a, b = "610602110", "610602111"  # 甘谷驿镇, 万花山镇
        con = connect(self.db)
        touching = con.execute("SELECT ST_Intersects(x.geom, y.geom) FROM divisions x, divisions "
                               "y WHERE x.code = ? AND y.code = ? AND x.valid_to IS NULL AND "
                               "y.valid_to IS NULL", (a, b)).fetchone()[0]
        con.close()
        if not touching:
            a, b = "610602106", "610602107"
        rows = current(self.db, [a, b])
        before = snapshot(self.db)
        status, _, body = self.run_op("merge-divisions", self.outsider, codes=[a, b], into=a,
                                      reason="撤并")
        self.assert_error(status, body, 403, "scope")
        status, _, body = self.run_op("merge-divisions", self.officer, codes=[a, b], into=a,
                                      new={"code": "610602130", "name": "x"}, reason="撤并")
        self.assert_error(status, body, 400, "either")
        status, _, body = self.run_op("merge-divisions", self.officer, codes=[a], into=a,
                                      reason="撤并")
        self.assert_error(status, body, 400, "codes")
        status, _, dry = self.run_op("merge-divisions", self.officer, codes=[a, b], into=a,
                                     reason="撤并", dry_run=True)
        self.assertEqual(status, 200, dry)
        self.assertEqual(snapshot(self.db), before)
        links = demand_links(self.db)
        # Near their common border, inside b (which the merge closes).
        where = point_of(self.db, "SELECT ST_PointOnSurface(ST_Intersection(ST_Buffer(x.geom, "
                         "0.002), y.geom)) AS g FROM divisions x, divisions y WHERE x.code = ? "
                         "AND y.code = ? AND x.valid_to IS NULL AND y.valid_to IS NULL", a, b)
        # Today: an earlier test may have changed (and reverted) these today.
        status, _, r = self.run_op("merge-divisions", self.officer, codes=[a, b], into=a,
                                   reason="撤并")
        self.assertEqual(status, 200, r)
        assert_demand_follows(self, self.db, links, r)
        self.assert_tiles(*where, present=(a,), absent=(b,))
        self.assertEqual(self.srv.get_json(f"/collections/townships/items/{b}")[0], 404)
        _, _, h = self.srv.get_json(f"/collections/townships/items/{a}/history")
        self.assertIn(r["audit_id"], [c["audit_id"] for c in h["changes"]])
        self.revert(r["audit_id"])
        self.assertEqual(current(self.db, [a, b]), rows)
        self.assertEqual(demand_links(self.db), links)

    def test_split_by_line_dry_run(self):
        code = "610602113"
        con = connect(self.db)
        line = json.loads(con.execute(
            "SELECT '{\"type\":\"LineString\",\"coordinates\":[[' || X(ST_Centroid(geom)) || ',' "
            "|| (MbrMinY(geom) - 0.01) || '],[' || X(ST_Centroid(geom)) || ',' || (MbrMaxY(geom) "
            "+ 0.01) || ']]}' FROM divisions WHERE code = ? AND valid_to IS NULL",
            (code,)).fetchone()[0])
        con.close()
        new = [{"code": code, "name": "麻洞川镇"}, {"code": "610602140", "name": "东镇"}]
        before = snapshot(self.db)
        status, _, body = self.run_op("split-division", self.outsider, code=code, line=line,
                                      new=new, reason="拆分")
        self.assert_error(status, body, 403, "scope")
        status, _, body = self.run_op("split-division", self.officer, code=code, line=line,
                                      parts=[line], new=new, reason="拆分")
        self.assert_error(status, body, 400, "either")
        status, _, body = self.run_op("split-division", self.officer, code=code, line=line,
                                      new=new[:1], reason="拆分")
        self.assert_error(status, body, 400, "new")
        status, _, dry = self.run_op("split-division", self.officer, code=code, line=line,
                                     new=new, reason="拆分", dry_run=True)
        self.assertEqual(status, 200, dry)
        self.assertEqual(snapshot(self.db), before)
        kinds = {(c["code"], c["action"]) for c in dry["changes"]}
        self.assertIn((code, "changed"), kinds)
        self.assertIn(("610602140", "created"), kinds)
        self.assertAlmostEqual(dry["area_before_m2"], dry["area_after_m2"], delta=50.0)

    def test_async_refusal_keeps_every_reason(self):
        # Refused for two reasons at once: a date before the current version began, and
        # the standard name of a sibling.
        con = connect(self.db)
        taken = con.execute("SELECT name FROM divisions WHERE code = '610602004' AND valid_to "
                            "IS NULL").fetchone()[0]
        con.close()
        inputs = dict(code="610602003", name=taken, reason="更名", valid_from="2020-01-01")
        before = snapshot(self.db)
        status, _, sync = self.run_op("rename-division", self.officer, **inputs)
        self.assertEqual(status, 422, sync)
        self.assertEqual(sorted(e["property"] for e in sync["errors"]), ["name", "valid_from"])
        status, headers, job = self.run_op("rename-division", self.officer,
                                           headers={"Prefer": "respond-async"}, **inputs)
        self.assertEqual(status, 201, job)
        for _ in range(100):
            _, _, job = self.srv.get_json(headers["Location"][len(self.srv.base):],
                                          headers=bearer(self.officer))
            if job["status"] in ("successful", "failed"):
                break
            time.sleep(0.1)
        self.assertEqual(job["status"], "failed", job)
        # The status says every reason, and the results are the synchronous answer.
        self.assertEqual(job["errors"], sync["errors"])
        status, _, body = self.srv.get_json(f"/jobs/{job['jobID']}/results",
                                            headers=bearer(self.officer))
        self.assertEqual((status, body), (422, sync))
        status, _, _ = self.srv.get_json(f"/jobs/{job['jobID']}/results",
                                         headers=bearer(self.outsider))
        self.assertEqual(status, 404)
        self.assertEqual(snapshot(self.db), before)

    def test_rename_async_job(self):
        status, headers, job = self.run_op("rename-division", self.officer,
                                           headers={"Prefer": "respond-async"}, code="610602004",
                                           name="新名街道", reason="更名", valid_from=DAY)
        self.assertEqual(status, 201, job)
        for _ in range(100):
            _, _, job = self.srv.get_json(headers["Location"][len(self.srv.base):],
                                          headers=bearer(self.officer))
            if job["status"] in ("successful", "failed"):
                break
            time.sleep(0.1)
        self.assertEqual(job["status"], "successful", job)
        status, _, r = self.srv.get_json(f"/jobs/{job['jobID']}/results",
                                         headers=bearer(self.officer))
        self.assertEqual(status, 200, r)
        self.assertGreater(r["audit_id"], 0)
        _, _, f = self.srv.get_json("/collections/townships/items/610602004")
        self.assertEqual(f["properties"]["name"], "新名街道")
        # Someone else's job is not theirs to read.
        status, _, _ = self.srv.get_json(f"/jobs/{job['jobID']}/results",
                                         headers=bearer(self.outsider))
        self.assertEqual(status, 404)


class SplitAndRecode(ServerCase):
    """A real split and a real recode over HTTP, each on divisions nobody changed before
    in this copy (so the effective date may lie in the past), then reverted."""

    def items(self, code, day):
        _, _, doc = self.srv.get_json(f"/collections/townships/items?datetime={day}&code={code}")
        return [f["geometry"] for f in doc["features"]]

    def test_split_by_line_datetime_demand_tiles_and_revert(self):
        code, new = "610602113", "610602140"  # 麻洞川镇, cut north-south through its middle
        con = connect(self.db)
        line = json.loads(con.execute(
            "SELECT '{\"type\":\"LineString\",\"coordinates\":[[' || X(ST_Centroid(geom)) || "
            "',' || (MbrMinY(geom) - 0.01) || '],[' || X(ST_Centroid(geom)) || ',' || "
            "(MbrMaxY(geom) + 0.01) || ']]}' FROM divisions WHERE code = ? AND valid_to IS NULL",
            (code,)).fetchone()[0])
        con.close()
        rows = current(self.db, [code])
        links = demand_links(self.db)
        old = self.items(code, "2023-06-01")
        self.assertEqual(len(old), 1)
        status, _, r = self.run_op("split-division", self.officer, code=code, line=line,
                                   new=[{"code": code, "name": "麻洞川镇"},
                                        {"code": new, "name": "东镇"}],
                                   reason="拆分", approval="陕政函〔2024〕9号", valid_from=DAY)
        self.assertEqual(status, 200, r)
        # datetime: before the effective date the old division alone, from it the parts.
        self.assertEqual(self.items(code, "2023-06-01"), old)
        self.assertEqual(self.items(new, "2023-06-01"), [])
        kept, made = self.items(code, "2024-06-01"), self.items(new, "2024-06-01")
        self.assertEqual((len(kept), len(made)), (1, 1))
        self.assertNotEqual(kept, old)
        _, _, now = self.srv.get_json(f"/collections/townships/items/{new}")
        self.assertEqual(made[0], now["geometry"])
        assert_demand_follows(self, self.db, links, r)
        self.assertEqual(set(demand_links(self.db).values()) - set(links.values()), {new})
        # The tiles over the cut: both parts, no gap or overlap between them.
        self.assert_tiles(line["coordinates"][0][0],
                          (line["coordinates"][0][1] + line["coordinates"][1][1]) / 2,
                          present=(code, new))
        self.revert(r["audit_id"])
        self.assertEqual(current(self.db, [code]), rows)
        self.assertEqual(current(self.db, [new]), [])
        self.assertEqual(demand_links(self.db), links)

    def test_recode_demand_follows_and_reverts(self):
        code, new = "610602004", "610602091"
        rows = current(self.db, [code])
        links = demand_links(self.db)
        status, _, r = self.run_op("recode-division", self.officer, code=code, new_code=new,
                                   reason="重新编码", valid_from=DAY)
        self.assertEqual(status, 200, r)
        assert_demand_follows(self, self.db, links, r)
        self.assertEqual({k for k, v in demand_links(self.db).items() if v == new},
                         {k for k, v in links.items() if v == code})
        self.revert(r["audit_id"])
        self.assertEqual(current(self.db, [code]), rows)
        self.assertEqual(demand_links(self.db), links)


if __name__ == "__main__":
    unittest.main(verbosity=2)
