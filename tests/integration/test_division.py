"""Division operations end to end (issue 15): the coverage check on the shipped data,
transfer-area, rename, recode, merge and split through the real `civgis division`, their
refusals (nothing written), versions, audit and revert of the whole group, the demand
points following their townships (and back on revert), and random transfers in a row
that keep the coverage clean and every county's area."""
import json
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from civgis_test import civgis, connect, demo_copy, demo_db, run_client, snapshot  # noqa: E402

DAY = "2024-01-01"


def op(db, name, *args, check=0):
    p = civgis("division", name, "--db", db, *args, check=check)
    return json.loads(p.stdout) if check == 0 else p


def current(db, codes, seats=True):
    """Everything a revert must restore: each current row of codes and its children
    (seats=False: without the seats of polygons, which a re-created row recomputes)."""
    con = connect(db)
    rows = con.execute(
        "SELECT code, name, parent_code, level, kind, urban_rural_code, population, "
        "hex(AsBinary(geom)), hex(AsBinary(seat)) FROM divisions WHERE valid_to IS NULL AND "
        f"(code IN ({','.join('?' * len(codes))}) OR parent_code IN "
        f"({','.join('?' * len(codes))})) ORDER BY code", (*codes, *codes)).fetchall()
    con.close()
    return rows if seats else [r[:-1] if r[7] else r for r in rows]


def area_m2(con, code):
    return con.execute("SELECT ST_Area(ST_Transform(geom, 32649)) FROM divisions WHERE code = ? "
                       "AND valid_to IS NULL", (code,)).fetchone()[0]


def demand_links(db):
    """{demand point: its division_code}: the demand layer's link to its township."""
    con = connect(db)
    rows = dict(con.execute("SELECT code, division_code FROM demand"))
    con.close()
    return rows


def demand_misplaced(db):
    """The demand points whose division_code is not the one current township whose
    polygon holds them: (point, division_code, the townships holding it)."""
    con = connect(db)
    rows = con.execute(
        "SELECT d.code, d.division_code, (SELECT group_concat(t.code) FROM divisions t WHERE "
        "t.level = 4 AND t.valid_to IS NULL AND ST_Covers(t.geom, d.geom)) FROM demand d "
        "ORDER BY d.code").fetchall()
    con.close()
    return [r for r in rows if r[1] != r[2]]


def assert_demand_follows(case, db, before, r):
    """After an operation r: every demand point names the township holding it, some of
    them changed (each one the operation reported moving) and nothing else did."""
    case.assertEqual(demand_misplaced(db), [])
    after = demand_links(db)
    changed = {k for k in after if after[k] != before[k]}
    case.assertTrue(changed)
    case.assertEqual(changed, {c["code"] for c in r["changes"] if c.get("layer") == "demand"})
    for c in r["changes"]:
        if c.get("layer") == "demand":
            case.assertEqual((c["action"], after[c["code"]]), ("moved", c["parent"]))


def border_pick(db, county="610602", tries=40, seed=1):
    """(from, to, area GeoJSON) candidates: a blob from a village seat of one township to
    the nearest point of a neighbour, so the seat moves with it."""
    con = connect(db)
    pairs = con.execute(
        "SELECT a.code, b.code FROM divisions a, divisions b WHERE a.parent_code = ?1 AND "
        "b.parent_code = ?1 AND a.code <> b.code AND a.valid_to IS NULL AND b.valid_to IS NULL "
        "AND ST_Intersects(ST_Buffer(a.geom, 0.0001), b.geom) ORDER BY a.code, b.code",
        (county,)).fetchall()
    rnd = random.Random(seed)
    rnd.shuffle(pairs)
    out = []
    for a, b in pairs[:tries]:
        row = con.execute(
            "SELECT v.code, AsGeoJSON(ST_Buffer(ST_ShortestLine(v.seat, t.geom), 0.002), 15) FROM "
            "divisions v, divisions t WHERE v.parent_code = ? AND v.valid_to IS NULL AND t.code = ? "
            "AND t.valid_to IS NULL ORDER BY ST_Distance(v.seat, t.geom) LIMIT 1", (a, b)).fetchone()
        if row:
            out.append((a, b, row[0], row[1]))
    con.close()
    return out


class Validate(unittest.TestCase):
    def test_shipped_data_is_clean_within_the_tolerance(self):
        # The import densifies GCJ-02 edges before transforming them, so the townships
        # now meet their counties within centimetres: clean at 1 m (the 3,300 m² sliver of
        # 云岩镇 into 洛川县 of the straight-chord import is gone) ...
        p = civgis("division", "validate", "--db", demo_db(), "--json", check=0)
        r = json.loads(p.stdout)
        self.assertTrue(r["ok"], r["problems"][:3])
        self.assertEqual((r["parents_checked"], r["problems"]), (14, []))  # city + 13 counties
        # ... while a millimetre tolerance still shows the transformation's residue as
        # gaps and pieces outside, each located, with its area and codes.
        fine = json.loads(civgis("division", "validate", "--db", demo_db(), "--json",
                                 "--tolerance", "0.001", check=1).stdout)
        self.assertFalse(fine["ok"])
        self.assertTrue({x["kind"] for x in fine["problems"]} <= {"gap", "outside", "overlap"})
        for x in fine["problems"]:
            self.assertGreater(x["area_m2"], 0)
            self.assertEqual(x["location"]["type"], "Polygon")
        clean = civgis("division", "validate", "--db", demo_db(), "610602", check=0)
        self.assertIn("0 problem(s) in 1 parent(s)", clean.stdout)

    def test_a_seat_outside_its_township(self):
        # A village's seat (a grandchild of the county checked) moved into another
        # township: the county's check names it and its township.
        db = demo_copy("division-seat")
        con = connect(db)
        con.execute("UPDATE divisions SET seat = (SELECT ST_PointOnSurface(geom) FROM divisions "
                    "WHERE code = '610602002' AND valid_to IS NULL) WHERE code = '610602001001' "
                    "AND valid_to IS NULL")
        con.commit()
        con.close()
        r = json.loads(civgis("division", "validate", "--db", db, "610602", "--json",
                              check=1).stdout)
        self.assertEqual([(p["kind"], p["codes"]) for p in r["problems"]],
                         [("seat_outside", ["610602001001", "610602001"])])

    def test_bad_code_is_an_error(self):
        p = civgis("division", "validate", "--db", demo_db(), "6106029", check=1)
        self.assertIn("civgis", p.stderr)


class Transfer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("division-transfer")

    def pick(self):
        for a, b, village, area in border_pick(self.db):
            r = civgis("division", "transfer-area", "--db", self.db, "--from", a, "--to", b,
                       "--area", area, "--reason", "区划调整", "--valid-from", DAY, "--dry-run")
            if r.returncode == 0:
                return a, b, village, area, json.loads(r.stdout)
        self.fail("no candidate transfer passed its dry run")

    def test_transfer_moves_villages_versions_audits_and_reverts(self):
        a, b, village, area, dry = self.pick()
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["audit_id"], 0)
        before_rows = current(self.db, [a, b])
        county_rows = current(self.db, [self.county(a)])
        areas = township_areas(self.db, self.county(a))
        links = demand_links(self.db)
        self.assertEqual(demand_misplaced(self.db), [])
        before = snapshot(self.db)
        self.assertEqual(before, snapshot(self.db))
        con = connect(self.db)
        sum_before = area_m2(con, a) + area_m2(con, b)
        con.close()
        r = op(self.db, "transfer-area", "--from", a, "--to", b, "--area", area, "--reason",
               "区划调整", "--approval", "延政函〔2024〕7号", "--valid-from", DAY)
        self.assertFalse(r["dry_run"])
        # The dry run said what the real run did.
        self.assertEqual([(c["code"], c["action"]) for c in dry["changes"]],
                         [(c["code"], c["action"]) for c in r["changes"]])
        created = [c for c in r["changes"] if c["action"] == "created"]
        self.assertIn(village, [c["former_code"] for c in created])
        con = connect(self.db)
        for c in created:
            self.assertTrue(c["code"].startswith(b), c)
            parent = con.execute("SELECT parent_code FROM divisions WHERE code = ? AND "
                                 "valid_to IS NULL", (c["code"],)).fetchone()[0]
            self.assertEqual(parent, b)
            reason = con.execute("SELECT change_reason FROM divisions WHERE code = ? AND "
                                 "valid_to IS NULL", (c["code"],)).fetchone()[0]
            self.assertIn("former code " + c["former_code"], reason)
            closed = con.execute("SELECT valid_to FROM divisions WHERE code = ?",
                                 (c["former_code"],)).fetchall()
            self.assertEqual(closed[-1][0], DAY)
        # Areas: the two townships together are what they were (1 m² per km of border).
        sum_after = area_m2(con, a) + area_m2(con, b)
        self.assertLess(abs(sum_after - sum_before), 50.0)
        self.assertAlmostEqual(r["area_before_m2"], r["area_after_m2"], delta=50.0)
        # Versions: before the day the old polygons, from it the new ones.
        n_old = con.execute("SELECT count(*) FROM divisions WHERE code IN (?, ?) AND valid_from "
                            "<= '2023-12-31' AND (valid_to IS NULL OR valid_to > '2023-12-31')",
                            (a, b)).fetchone()[0]
        n_new = con.execute("SELECT count(*) FROM divisions WHERE code IN (?, ?) AND valid_from "
                            "= ? AND valid_to IS NULL", (a, b, DAY)).fetchone()[0]
        self.assertEqual((n_old, n_new), (2, 2))
        group = con.execute("SELECT action, target_id, reason, after FROM audit WHERE id = ?",
                            (r["audit_id"],)).fetchone()
        con.close()
        self.assertEqual(group[0], "transfer-area")
        self.assertIn("延政函〔2024〕7号", group[2])
        # One member per change: a and b, each village's copy and close, each point
        # moved, each sibling that got a vertex of the area's border.
        members = json.loads(group[3])["group"]
        self.assertEqual(len(members), 2 + 2 * len(created) + len(
            [c for c in r["changes"] if c["action"] == "moved"]) + len(
            noded(self, self.db, r, (a, b), areas)))
        self.assertEqual(len(members), len(r["changes"]))
        self.assertTrue(shared_border_exact(self.db, a, b))
        assert_siblings_share_borders(self, self.db, [a, b])
        civgis("division", "validate", "--db", self.db, self.county(a), check=0)
        # The demand points in the piece (the village seat's among them) now name b.
        assert_demand_follows(self, self.db, links, r)
        # Undo the whole group: the exact earlier state comes back.
        civgis("revert", "--db", self.db, str(r["audit_id"]), check=0)
        self.assertEqual(current(self.db, [a, b]), before_rows)
        self.assertEqual(current(self.db, [self.county(a)]), county_rows)
        self.assertEqual(demand_links(self.db), links)
        civgis("division", "validate", "--db", self.db, self.county(a), check=0)

    def test_facilities_naming_a_moved_village_follow_it(self):
        # A facility that names a village (not its township) in the piece: the village's
        # new code is its code now, else the old village could not close.
        db = demo_copy("division-transfer-facility")
        con = connect(db)
        picks = con.execute(
            "SELECT f.fid, v.code, a.code, b.code, AsGeoJSON(ST_Buffer(ST_ShortestLine(v.seat, "
            "b.geom), 0.002), 15) FROM facilities f JOIN divisions v ON v.code = f.division_code "
            "AND v.level = 5 AND v.valid_to IS NULL JOIN divisions a ON a.code = v.parent_code "
            "AND a.valid_to IS NULL JOIN divisions b ON b.parent_code = a.parent_code AND b.code "
            "<> a.code AND b.valid_to IS NULL AND ST_Intersects(ST_Buffer(a.geom, 0.0001), "
            "b.geom) ORDER BY ST_Distance(v.seat, b.geom), f.fid LIMIT 10").fetchall()
        con.close()
        links = demand_links(db)
        for fid, village, a, b, area in picks:
            p = civgis("division", "transfer-area", "--db", db, "--from", a, "--to", b, "--area",
                       area, "--reason", "区划调整", "--valid-from", DAY)
            if p.returncode == 0:
                break
        else:
            self.fail("no transfer of a village a facility names passed")
        r = json.loads(p.stdout)
        new = [c["code"] for c in r["changes"] if c.get("former_code") == village]
        self.assertEqual(len(new), 1)
        self.assertIn({"code": fid, "action": "moved", "parent": new[0], "layer": "facilities",
                       "geometry": None}, r["changes"])
        con = connect(db)
        self.assertEqual(con.execute("SELECT division_code FROM facilities WHERE fid = ?",
                                     (fid,)).fetchone()[0], new[0])
        con.close()
        assert_demand_follows(self, db, links, r)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        con = connect(db)
        self.assertEqual(con.execute("SELECT division_code FROM facilities WHERE fid = ?",
                                     (fid,)).fetchone()[0], village)
        con.close()
        self.assertEqual(demand_links(db), links)

    def county(self, code):
        return code[:6]


def shared_border_exact(db, a, b):
    """The vertices of a within 1e-9 degrees of b's boundary are all vertices of b."""
    con = connect(db)

    def vertices(code):
        g = json.loads(con.execute("SELECT AsGeoJSON(geom, 17) FROM divisions WHERE code = ? "
                                   "AND valid_to IS NULL", (code,)).fetchone()[0])
        return [tuple(p) for poly in g["coordinates"] for ring in poly for p in ring]

    va, vb = vertices(a), set(vertices(b))
    near = con.execute(
        "SELECT AsGeoJSON(ST_Intersection(ST_DissolvePoints(x.geom), ST_Buffer(ST_Boundary("
        "y.geom), 1e-9)), 17) FROM divisions x, divisions y WHERE x.code = ? AND y.code = ? AND "
        "x.valid_to IS NULL AND y.valid_to IS NULL", (a, b)).fetchone()[0]
    con.close()
    g = json.loads(near) if near else {"coordinates": []}
    pts = [tuple(g["coordinates"])] if g.get("type") == "Point" else [tuple(p) for p in
                                                                       g["coordinates"]]
    # The border they share after the cut: at least the cut's two ends, every vertex of
    # it one of both.
    return len(pts) >= 2 and all(p in vb for p in pts) and all(p in set(va) for p in pts)


def assert_siblings_share_borders(case, db, codes):
    """Every border between one of codes and a township of the same county is shared
    vertex for vertex: where a cut or an area met a neighbour's border, the neighbour got
    the new vertex too (else the tiles round it on one side only and draw a sliver)."""
    con = connect(db)
    pairs = con.execute(
        f"SELECT a.code, b.code FROM divisions a, divisions b WHERE a.code IN "
        f"({','.join('?' * len(codes))}) AND b.parent_code = a.parent_code AND b.code <> a.code "
        "AND a.valid_to IS NULL AND b.valid_to IS NULL AND ST_Intersects(ST_Buffer(a.geom, "
        "0.00001), b.geom)", codes).fetchall()
    con.close()
    case.assertTrue(pairs)
    for a, b in pairs:
        case.assertTrue(shared_border_exact(db, a, b), (a, b))


def township_areas(db, county):
    """{township: its area in m²} of county."""
    con = connect(db)
    rows = dict(con.execute("SELECT code, ST_Area(ST_Transform(geom, 32649)) FROM divisions WHERE "
                            "parent_code = ? AND valid_to IS NULL", (county,)))
    con.close()
    return rows


def noded(case, db, r, own, areas):
    """The townships r changed beside its own divisions: each one of areas' (a sibling),
    its area as it was (a vertex added on its border; measured in UTM, where the point on
    a straight edge in degrees is off the straight edge by a fraction of a millimetre)."""
    others = [c["code"] for c in r["changes"] if c["action"] == "changed" and c["code"] not in own]
    now = township_areas(db, next(iter(areas))[:6])
    for code in others:
        case.assertIn(code, areas)
        case.assertAlmostEqual(now[code], areas[code], delta=1.0, msg=code)
    return others


class Refusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("division-refusals")

    def refused(self, *args, says):
        before = snapshot(self.db)
        p = civgis("division", *args, "--db", self.db, "--reason", "r", "--valid-from", DAY,
                   check=1)
        self.assertIn(says, p.stderr)
        self.assertEqual(snapshot(self.db), before)

    def geo(self, sql, *params):
        con = connect(self.db)
        g = con.execute(sql, params).fetchone()[0]
        con.close()
        return g

    def test_area_not_touching_to(self):
        # A small square deep inside 610602001 that stays away from 610602010.
        area = self.geo("SELECT AsGeoJSON(ST_Buffer(ST_PointOnSurface(ST_Buffer(geom, -0.01)), "
                        "0.002), 15) FROM divisions WHERE code = '610602001' AND valid_to IS NULL")
        far = self.geo("SELECT code FROM divisions WHERE parent_code = '610602' AND valid_to IS "
                       "NULL AND NOT ST_Intersects(ST_Buffer(geom, 0.01), (SELECT geom FROM "
                       "divisions WHERE code = '610602001' AND valid_to IS NULL)) LIMIT 1")
        self.refused("transfer-area", "--from", "610602001", "--to", far, "--area", area,
                     says="does not touch")

    def test_leaving_from_empty(self):
        area = self.geo("SELECT AsGeoJSON(ST_Envelope(ST_Buffer(geom, 0.01)), 15) FROM divisions "
                        "WHERE code = '610602001' AND valid_to IS NULL")
        self.refused("transfer-area", "--from", "610602001", "--to", "610602002", "--area", area,
                     says="left empty")

    def test_leaving_from_in_pieces(self):
        # A band across the middle of 610602001, from west to east of its box.
        area = self.geo(
            "SELECT AsGeoJSON(BuildMbr(MbrMinX(geom) - 0.01, (MbrMinY(geom) + MbrMaxY(geom)) / 2 "
            "- 0.002, MbrMaxX(geom) + 0.01, (MbrMinY(geom) + MbrMaxY(geom)) / 2 + 0.002, 4326), 15)"
            " FROM divisions WHERE code = '610602001' AND valid_to IS NULL")
        self.refused("transfer-area", "--from", "610602001", "--to", "610602002", "--area", area,
                     says="pieces")

    def test_crossing_the_county_border(self):
        area = '{"type":"Polygon","coordinates":[[[109,36],[110,36],[110,37],[109,37],[109,36]]]}'
        other = self.geo("SELECT min(code) FROM divisions WHERE parent_code = '610603' AND "
                         "valid_to IS NULL")
        self.refused("transfer-area", "--from", "610602001", "--to", other, "--area", area,
                     says="across the border")

    def test_code_taken(self):
        self.refused("recode-division", "--code", "610602001", "--new-code", "610602002",
                     says="taken")

    def test_reason_required(self):
        before = snapshot(self.db)
        p = civgis("division", "rename-division", "--db", self.db, "--code", "610602001",
                   "--name", "x", check=1)
        self.assertIn("reason", p.stderr)
        self.assertEqual(snapshot(self.db), before)


class RenameRecode(unittest.TestCase):
    def test_rename_then_revert(self):
        db = demo_copy("division-rename")
        before = current(db, ["610602003"])
        r = op(db, "rename-division", "--code", "610602003", "--name", "凤凰街道", "--reason",
               "更名", "--approval", "民函〔2024〕3号", "--valid-from", DAY)
        con = connect(db)
        names = con.execute("SELECT name, valid_from, valid_to FROM divisions WHERE code = "
                            "'610602003' ORDER BY valid_from").fetchall()
        con.close()
        self.assertEqual(names[-1][:2], ("凤凰街道", DAY))
        self.assertEqual(names[0][2], DAY)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(current(db, ["610602003"]), before)

    def test_recode_children_follow_then_revert(self):
        db = demo_copy("division-recode")
        before = current(db, ["610602003"])
        con = connect(db)
        kids = [c for (c,) in con.execute("SELECT code FROM divisions WHERE parent_code = "
                                          "'610602003' AND valid_to IS NULL ORDER BY code")]
        facilities = [f for (f,) in con.execute("SELECT fid FROM facilities WHERE division_code "
                                                "= '610602003'")]
        con.close()
        links = demand_links(db)
        r = op(db, "recode-division", "--code", "610602003", "--new-code", "610602090",
               "--reason", "重新编码", "--valid-from", DAY)
        assert_demand_follows(self, db, links, r)
        self.assertEqual({k for k, v in demand_links(db).items() if v == "610602090"},
                         {k for k, v in links.items() if v == "610602003"})
        con = connect(db)
        new_kids = [c for (c,) in con.execute("SELECT code FROM divisions WHERE parent_code = "
                                              "'610602090' AND valid_to IS NULL ORDER BY code")]
        self.assertEqual(new_kids, ["610602090" + k[9:] for k in kids])
        self.assertEqual(con.execute("SELECT count(*) FROM divisions WHERE code = '610602003' "
                                     "AND valid_to IS NULL").fetchone()[0], 0)
        moved = [f for (f,) in con.execute("SELECT fid FROM facilities WHERE division_code = "
                                           "'610602090'")]
        con.close()
        self.assertEqual(sorted(moved), sorted(facilities))
        civgis("division", "validate", "--db", db, "610602", check=0)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(current(db, ["610602003"]), before)
        self.assertEqual(demand_links(db), links)


class Merge(unittest.TestCase):
    """merge-divisions: 蟠龙镇 (610602106) and its neighbour 柳林镇 (610602107)."""

    A, B = "610602106", "610602107"

    def children(self, db, code):
        con = connect(db)
        rows = [r for (r,) in con.execute("SELECT code FROM divisions WHERE parent_code = ? AND "
                                          "valid_to IS NULL ORDER BY code", (code,))]
        con.close()
        return rows

    def test_into_keeps_one_row_moves_the_children_and_reverts(self):
        db = demo_copy("division-merge")
        before_rows = current(db, [self.A, self.B])
        kids_b = self.children(db, self.B)
        con = connect(db)
        area = area_m2(con, self.A) + area_m2(con, self.B)
        fac_b = sorted(f for (f,) in con.execute("SELECT fid FROM facilities WHERE division_code "
                                                 "= ?", (self.B,)))
        con.close()
        args = ["--codes", f"{self.A},{self.B}", "--into", self.A, "--reason", "撤并",
                "--approval", "陕政函〔2024〕1号", "--valid-from", DAY]
        links = demand_links(db)
        snap = snapshot(db)
        dry = op(db, "merge-divisions", *args, "--dry-run")
        self.assertEqual(snapshot(db), snap)
        r = op(db, "merge-divisions", *args)
        assert_demand_follows(self, db, links, r)
        self.assertEqual([(c["code"], c["action"]) for c in dry["changes"]],
                         [(c["code"], c["action"]) for c in r["changes"]])
        con = connect(db)
        self.assertLess(abs(area_m2(con, self.A) - area), 50.0)
        self.assertEqual(con.execute("SELECT ST_NumGeometries(geom), ST_NumInteriorRing("
                                     "ST_GeometryN(geom, 1)) FROM divisions WHERE code = ? AND "
                                     "valid_to IS NULL", (self.A,)).fetchone(), (1, 0))
        self.assertEqual(con.execute("SELECT valid_to FROM divisions WHERE code = ? ORDER BY "
                                     "valid_from DESC", (self.B,)).fetchone()[0], DAY)
        # Before the day: both as they were; from it, one.
        self.assertEqual(con.execute(
            "SELECT count(*) FROM divisions WHERE code IN (?, ?) AND valid_from <= '2023-12-31' "
            "AND (valid_to IS NULL OR valid_to > '2023-12-31')", (self.A, self.B)).fetchone()[0], 2)
        moved = sorted(f for (f,) in con.execute("SELECT fid FROM facilities WHERE division_code "
                                                 "= ?", (self.A,)))
        con.close()
        self.assertTrue(set(fac_b) <= set(moved))
        self.assertEqual(self.children(db, self.B), [])
        formers = sorted(c["former_code"] for c in r["changes"] if c["action"] == "created")
        self.assertEqual(formers, kids_b)
        for c in self.children(db, self.A):
            self.assertTrue(c.startswith(self.A))
        civgis("division", "validate", "--db", db, "610602", check=0)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(current(db, [self.A, self.B]), before_rows)
        self.assertEqual(demand_links(db), links)
        civgis("division", "validate", "--db", db, "610602", check=0)

    def test_new_division_takes_both(self):
        db = demo_copy("division-merge-new")
        n = len(self.children(db, self.A)) + len(self.children(db, self.B))
        links = demand_links(db)
        r = op(db, "merge-divisions", "--codes", f"{self.A},{self.B}", "--new-code", "610602130",
               "--name", "蟠柳镇", "--reason", "撤并", "--valid-from", DAY)
        assert_demand_follows(self, db, links, r)
        self.assertEqual({k for k, v in demand_links(db).items() if v == "610602130"},
                         {k for k, v in links.items() if v in (self.A, self.B)})
        self.assertEqual(len(self.children(db, "610602130")), n)
        self.assertEqual(self.children(db, self.A) + self.children(db, self.B), [])
        con = connect(db)
        row = con.execute("SELECT name, population FROM divisions WHERE code = '610602130' AND "
                          "valid_to IS NULL").fetchone()
        pops = con.execute("SELECT sum(population) FROM divisions WHERE code IN (?, ?) AND "
                           "valid_to = ?", (self.A, self.B, DAY)).fetchone()[0]
        con.close()
        self.assertEqual(row, ("蟠柳镇", pops))
        civgis("division", "validate", "--db", db, "610602", check=0)
        self.assertGreater(r["audit_id"], 0)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(demand_links(db), links)

    def test_refusals_write_nothing(self):
        db = demo_copy("division-merge-refusals")
        snap = snapshot(db)
        for args, says in [
            (["--codes", "610602001,610602113", "--into", "610602001"], "do not all touch"),
            (["--codes", "610602106,610603001", "--into", "610602106"], "one parent"),
            (["--codes", f"{self.A},{self.B}", "--new-code", "610602001", "--name", "x"],
             "taken"),
            (["--codes", f"{self.A},{self.B}", "--into", "610602001"], "one of codes"),
            (["--codes", f"{self.A},{self.B}", "--new-code", "610602130001", "--name", "x"],
             "must be a"),
        ]:
            p = civgis("division", "merge-divisions", "--db", db, *args, "--reason", "r",
                       check=1)
            self.assertIn(says, p.stderr, args)
        self.assertEqual(snapshot(db), snap)


class Split(unittest.TestCase):
    """split-division of 蟠龙镇 (610602106) and 柳林镇 (610602107): by a north-south line
    through the middle, and into two boxes that meet there."""

    def geo(self, db, sql, *params):
        con = connect(db)
        v = con.execute(sql, params).fetchone()[0]
        con.close()
        return v

    def line(self, db, code, dx=0.0):
        return self.geo(db, "SELECT '{\"type\":\"LineString\",\"coordinates\":[[' || (X(ST_Centroid"
                        "(geom)) + ?2) || ',' || (MbrMinY(geom) - 0.01) || '],[' || (X(ST_Centroid"
                        "(geom)) + ?2) || ',' || (MbrMaxY(geom) + 0.01) || ']]}' FROM divisions "
                        "WHERE code = ?1 AND valid_to IS NULL", code, dx)

    def boxes(self, db, code, gap=0.0):
        west = self.geo(db, "SELECT AsGeoJSON(BuildMbr(MbrMinX(geom) - 0.01, MbrMinY(geom) - 0.01,"
                        " X(ST_Centroid(geom)), MbrMaxY(geom) + 0.01), 15) FROM divisions WHERE "
                        "code = ? AND valid_to IS NULL", code)
        east = self.geo(db, "SELECT AsGeoJSON(BuildMbr(X(ST_Centroid(geom)) + ?2, MbrMinY(geom) - "
                        "0.01, MbrMaxX(geom) + 0.01, MbrMaxY(geom) + 0.01), 15) FROM divisions "
                        "WHERE code = ?1 AND valid_to IS NULL", code, gap)
        return west, east

    def test_by_line_keeps_the_west_part_then_reverts(self):
        db = demo_copy("division-split-line")
        code = "610602106"
        before = current(db, [code])
        county_rows = current(db, ["610602"])
        areas = township_areas(db, "610602")
        links = demand_links(db)
        con = connect(db)
        area = area_m2(con, code)
        con.close()
        r = op(db, "split-division", "--code", code, "--line", self.line(db, code), "--new",
               f"{code}=蟠龙镇", "--new", "610602130=新城镇", "--reason", "拆分", "--valid-from",
               DAY)
        # The demand points east of the line name the new township; the west's stay.
        assert_demand_follows(self, db, links, r)
        self.assertEqual(set(demand_links(db).values()) - set(links.values()), {"610602130"})
        con = connect(db)
        self.assertLess(abs(area_m2(con, code) + area_m2(con, "610602130") - area), 50.0)
        west, east = con.execute("SELECT X(ST_Centroid(a.geom)) < X(ST_Centroid(b.geom)), "
                                 "ST_Intersects(a.geom, b.geom) FROM divisions a, divisions b "
                                 "WHERE a.code = ? AND b.code = '610602130' AND a.valid_to IS "
                                 "NULL AND b.valid_to IS NULL", (code,)).fetchone()
        self.assertEqual((west, east), (1, 1))
        # Every child lies in its new parent.
        bad = con.execute("SELECT count(*) FROM divisions v, divisions t WHERE v.parent_code = "
                          "t.code AND t.code IN (?, '610602130') AND v.valid_to IS NULL AND "
                          "t.valid_to IS NULL AND NOT ST_Covers(t.geom, v.seat)",
                          (code,)).fetchone()[0]
        moved = con.execute("SELECT count(*) FROM divisions WHERE parent_code = '610602130' AND "
                            "valid_to IS NULL").fetchone()[0]
        con.close()
        self.assertEqual(bad, 0)
        self.assertGreater(moved, 0)
        self.assertEqual(moved, len([c for c in r["changes"] if c["action"] == "created"]) - 1)
        self.assertTrue(shared_border_exact(db, code, "610602130"))
        # The line's ends lie on the borders of neighbours, which got them as vertices.
        self.assertTrue(noded(self, db, r, (code, "610602130"), areas))
        assert_siblings_share_borders(self, db, [code, "610602130"])
        civgis("division", "validate", "--db", db, "610602", check=0)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(current(db, [code]), before)
        self.assertEqual(current(db, ["610602130"]), [])
        self.assertEqual(current(db, ["610602"]), county_rows)
        self.assertEqual(demand_links(db), links)

    def test_by_parts_closes_the_original(self):
        db = demo_copy("division-split-parts")
        code = "610602107"
        n_kids = len(current(db, [code])) - 1
        areas = township_areas(db, "610602")
        links = demand_links(db)
        west, east = self.boxes(db, code)
        r = op(db, "split-division", "--code", code, "--part", west, "--part", east, "--new",
               "610602131=柳林西镇", "--new", "610602132=柳林东镇", "--reason", "拆分",
               "--valid-from", DAY)
        # All of the original's demand points, each in its part: none names it any more.
        assert_demand_follows(self, db, links, r)
        self.assertNotIn(code, demand_links(db).values())
        con = connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM divisions WHERE code = ? AND valid_to "
                                     "IS NULL", (code,)).fetchone()[0], 0)
        # On the eve of the day: the original alone; from the day: the two parts alone.
        valid = ("SELECT code FROM divisions WHERE code IN (?, '610602131', '610602132') AND "
                 "valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2) ORDER BY code")
        self.assertEqual(con.execute(valid, (code, "2023-12-31")).fetchall(), [(code,)])
        self.assertEqual(con.execute(valid, (code, DAY)).fetchall(),
                         [("610602131",), ("610602132",)])
        kids = con.execute("SELECT count(*) FROM divisions WHERE parent_code IN ('610602131', "
                           "'610602132') AND valid_to IS NULL").fetchone()[0]
        con.close()
        self.assertEqual(kids, n_kids)
        self.assertTrue(shared_border_exact(db, "610602131", "610602132"))
        self.assertTrue(noded(self, db, r, (code, "610602131", "610602132"), areas))
        assert_siblings_share_borders(self, db, ["610602131", "610602132"])
        civgis("division", "validate", "--db", db, "610602", check=0)
        self.assertGreater(r["audit_id"], 0)
        civgis("revert", "--db", db, str(r["audit_id"]), check=0)
        self.assertEqual(demand_links(db), links)

    def test_refusals_write_nothing(self):
        db = demo_copy("division-split-refusals")
        code = "610602107"
        west, east = self.boxes(db, code, gap=0.01)
        snap = snapshot(db)
        far = ('{"type":"LineString","coordinates":[[100,30],[100.1,30.1]]}')
        for args, says in [
            (["--line", far, "--new", "610602131=a", "--new", "610602132=b"], "does not cross"),
            (["--part", west, "--part", east, "--new", "610602131=a", "--new", "610602132=b"],
             "uncovered"),
            (["--line", self.line(db, code), "--new", "610602131=a"], "names 1"),
            (["--line", self.line(db, code), "--new", "610602131=a", "--new", "610602001=b"],
             "taken"),
        ]:
            p = civgis("division", "split-division", "--db", db, "--code", code, *args,
                       "--reason", "r", check=1)
            self.assertIn(says, p.stderr, args)
        self.assertEqual(snapshot(db), snap)


class RandomTransfers(unittest.TestCase):
    """Random transfers between random neighbours, 200 in a row on a copy (the walk runs
    in one process through the same use case as the CLI: tests/tools/division_walk.c);
    then the coverage is clean and every county's area unchanged. CIVGIS_DIVISION_STEPS
    sets how many."""

    def test_random_transfers_keep_coverage_and_areas(self):
        db = demo_copy("division-random")
        steps = int(os.environ.get("CIVGIS_DIVISION_STEPS", "200"))
        walk = os.environ.get("CIVGIS_DIVISION_WALK", "build/tests/division_walk")
        county = "610602"
        con = connect(db)
        total = dict(con.execute("SELECT parent_code, sum(ST_Area(ST_Transform(geom, 32649))) "
                                 "FROM divisions WHERE level = 4 AND valid_to IS NULL GROUP BY "
                                 "parent_code").fetchall())
        con.close()
        out = json.loads(run_client(walk, db, county, str(steps), "15", timeout=900))
        self.assertEqual(out["steps"], steps)
        self.assertGreater(out["done"], steps // 3)
        civgis("division", "validate", "--db", db, county, check=0)
        con = connect(db)
        after = dict(con.execute("SELECT parent_code, sum(ST_Area(ST_Transform(geom, 32649))) "
                                 "FROM divisions WHERE level = 4 AND valid_to IS NULL GROUP BY "
                                 "parent_code").fetchall())
        n_groups = con.execute("SELECT count(*) FROM audit WHERE action = 'transfer-area'"
                               ).fetchone()[0]
        con.close()
        self.assertEqual(n_groups, out["done"])
        self.assertEqual(sorted(after), sorted(total))
        for c in total:
            self.assertAlmostEqual(after[c], total[c], delta=1.0 * out["done"], msg=c)


if __name__ == "__main__":
    unittest.main(verbosity=2)
