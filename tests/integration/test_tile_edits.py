"""The cost of an edit, live, through OGC API - Features Part 4 on a copy of the Yan'an data:
a facility PATCH leaves the division tile sources and the coverage layers of other kinds
alone (their tiles stay cached, their sources are neither rebuilt nor updated, their values
not computed again); a township boundary PUT, polygons POSTed, replaced and deleted, and
facilities added and removed update the prepared layers in place (Server-Timing says
"updated"), drop the cached tiles over them and keep the others; and every tile around the
edits, at several zooms, in the layer's own tileset and the base map, is byte for byte the
tile a fresh server (every layer read whole) renders from the same file."""
import json
import math
import unittest
import urllib.error
import urllib.request

from civgis_test import Server, civgis, connect, demo_copy

GEOJSON = "application/geo+json"
PATCH = "application/merge-patch+json"


def tile_of(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def around(tileset, lon, lat, zooms=(8, 10, 12, 14)):
    """The tile over (lon, lat) and its eight neighbours at each zoom."""
    out = []
    for z in zooms:
        x, y = tile_of(lon, lat, z)
        out += [f"/tiles/{tileset}/{z}/{x + dx}/{y + dy}.mvt"
                for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return out


class TileEdits(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("tile-edits")
        cls.tokens = {who: civgis("user", "add", "--db", cls.db, who, "--role", who,
                                  check=0).stdout.strip() for who in ("planner", "officer")}
        cls.srv = Server(cls.db, "--threads", "2").__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def call(self, method, path, who, body=None, ctype=GEOJSON):
        h = {"Authorization": "Bearer " + self.tokens[who], "X-Change-Reason": "tile test"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = ctype
        req = urllib.request.Request(self.srv.base + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def write(self, method, path, who, body=None, ctype=GEOJSON):
        status, h, raw = self.call(method, path, who, body, ctype)
        self.assertIn(status, (200, 201, 204), f"{method} {path}: {status} {raw[:300]!r}")
        return h

    def tile(self, path):
        status, h, body = self.srv.get(path)
        self.assertIn(status, (200, 204), path)
        return h, body

    def warm(self, paths):
        """Every tile cached (a tile rendered by the request that prepared its layer is not
        stored: ask twice)."""
        for p in list(paths) * 2:
            self.tile(p)

    def assert_fresh(self, paths):
        """The tiles this server serves (cached or rendered after its updates) are those a
        fresh server renders from the file, byte for byte."""
        ours = {p: self.srv.get(p) for p in paths}
        with Server(self.db) as fresh:
            for p in paths:
                status, _, body = fresh.get(p)
                self.assertEqual((ours[p][0], ours[p][2]), (status, body), p)
        self.assertTrue(any(ours[p][0] == 200 for p in paths))  # not all empty

    def assert_kept(self, path, before):
        """Served from the cache, the same tile, its layers neither rebuilt nor updated."""
        h, body = self.tile(path)
        self.assertEqual((h["X-Tile-Cache"], h["ETag"], body),
                         ("hit", before[0]["ETag"], before[1]), path)
        self.assertNotIn("desc=", h["Server-Timing"], path)

    # ------------------------------------------------------------------ facilities

    def test_facility_patch_leaves_divisions_and_other_kinds_alone(self):
        con = connect(self.db)
        fid, lon, lat, code = con.execute(
            "SELECT fid, X(geom), Y(geom), division_code FROM facilities WHERE kind = "
            "'mutual_aid_home' AND status = 'operating' ORDER BY fid LIMIT 1 OFFSET 7").fetchone()
        # Its new place: within its township (a village has only a seat), away from it.
        to = con.execute("SELECT X(p), Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM "
                         "divisions WHERE code = ? AND valid_to IS NULL)", (code[:9],)).fetchone()
        con.close()
        x, y = tile_of(lon, lat, 12)
        town = f"/tiles/townships/12/{x}/{y}.mvt"
        base = "/tiles/civgis/10/%d/%d.mvt" % tile_of(lon, lat, 10)
        other = f"/tiles/coverage-community_elderly_centre/12/{x}/{y}.mvt"
        same = f"/tiles/coverage-mutual_aid_home/12/{x}/{y}.mvt"
        paths = (town, base, other, same)
        self.warm(paths)
        before = {p: self.tile(p) for p in paths}
        near = "/collections/coverage-mutual_aid_home/items?limit=10000"
        _, _, raw = self.srv.get(near)
        values = {f["id"]: f["properties"]["nearest_m"] for f in json.loads(raw)["features"]}
        # Moved across its township: the mutual-aid homes' coverage changes, nothing else
        # it shows.
        self.write("PATCH", f"/collections/facilities/items/{fid}", "planner",
                   {"geometry": {"type": "Point", "coordinates": list(to)}}, PATCH)
        self.assert_kept(town, before[town])
        self.assert_kept(other, before[other])
        h, _ = self.tile(base)
        self.assertIn('desc="updated facilities"', h["Server-Timing"])  # not the divisions
        h, _ = self.tile(same)
        self.assertIn('desc="rebuilt coverage-mutual_aid_home"', h["Server-Timing"])
        _, _, raw = self.srv.get(near)
        moved = {f["id"]: f["properties"]["nearest_m"] for f in json.loads(raw)["features"]}
        self.assertNotEqual(moved, values)
        # What coverage does not read (a capacity): its values are not computed again.
        self.warm([same])
        kept = self.tile(same)
        self.write("PATCH", f"/collections/facilities/items/{fid}", "planner",
                   {"properties": {"capacity": 77}}, PATCH)
        self.assert_kept(same, kept)
        self.assert_kept(town, before[town])
        h, _ = self.tile(f"/tiles/facilities/12/{x + 1}/{y}.mvt")
        self.assertIn('desc="updated facilities"', h["Server-Timing"])
        # Added and removed: the facility tiles around follow, as a fresh server has them
        # (cached before: what the edits change must be dropped from the cache).
        paths = around("facilities", lon, lat) + around("civgis", lon, lat, (8, 10))
        self.warm(paths)
        h = self.write("POST", "/collections/facilities/items", "planner", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.003, lat]},
            "properties": {"kind": "canteen", "status": "planned", "name": "新食堂"}})
        new_fid = h["Location"].rsplit("/", 1)[1]
        self.write("DELETE", f"/collections/facilities/items/{fid}", "planner")
        self.assert_fresh(paths)
        self.warm(paths)
        self.write("DELETE", f"/collections/facilities/items/{new_fid}", "planner")
        self.assert_fresh(paths)

    # ------------------------------------------------------------------ townships

    def test_township_put_updates_in_place(self):
        con = connect(self.db)
        code, lon, lat = con.execute(
            "SELECT code, X(c), Y(c) FROM (SELECT code, ST_Centroid(geom) AS c FROM divisions "
            "WHERE level = 4 AND valid_to IS NULL AND code LIKE '610621%' ORDER BY code LIMIT 1)"
        ).fetchone()
        con.close()
        paths = around("townships", lon, lat) + around("civgis", lon, lat, (8, 10, 12))
        far = "/tiles/townships/12/%d/%d.mvt" % tile_of(109.49, 36.6, 12)  # Baota, 40 km off
        self.warm(paths + [far])
        kept_far = self.tile(far)
        _, _, raw = self.call("GET", f"/collections/townships/items/{code}", "officer")
        f = json.loads(raw)
        f.pop("links", None)
        f["properties"].pop("valid_from", None)
        ring = f["geometry"]["coordinates"][0][0]
        # A vertex drawn 30% toward the centre: off the border it shared with a neighbour,
        # which keeps it (the chain splits there on both sides). The first vertex the rules
        # accept (a village seat may stand in the way of some).
        for k in range(1, len(ring) - 1, max(1, len(ring) // 12)):
            g = json.loads(json.dumps(f))
            r = g["geometry"]["coordinates"][0][0]
            r[k] = [r[k][0] + 0.3 * (lon - r[k][0]), r[k][1] + 0.3 * (lat - r[k][1])]
            status, _, _ = self.call("PUT", f"/collections/townships/items/{code}", "officer", g)
            if status == 200:
                break
        self.assertEqual(status, 200)
        over = "/tiles/townships/14/%d/%d.mvt" % tile_of(*ring[k], 14)
        h, _ = self.tile(over)
        self.assertEqual(h["X-Tile-Cache"], "miss")
        self.assertIn('desc="updated townships"', h["Server-Timing"])
        self.assert_kept(far, kept_far)
        self.assert_fresh(paths)

    # ------------------------------------------------------------------ polygons

    def test_polygons_added_replaced_and_deleted(self):
        """Two squares sharing a border, POSTed one after the other, the first replaced with
        a vertex of the border moved (no longer shared), then the second deleted."""
        lon, lat = 109.8, 36.9

        def square(x0, x1, name, moved=None):
            pts = [[x0, lat], [x1, lat], [x1, lat + 0.02], [x0, lat + 0.02]]
            if x1 > x0 + 0.015:  # its east side through a midpoint shared with the neighbour
                pts.insert(2, [x1, lat + 0.01] if moved is None else moved)
            else:
                pts.insert(0, [x0, lat + 0.01])
            return {"type": "Feature", "properties": {"name": name, "category": "test"},
                    "geometry": {"type": "Polygon", "coordinates": [pts + [pts[0]]]}}

        paths = around("places", lon + 0.02, lat + 0.01, (10, 12, 14))
        h = self.write("POST", "/collections/places/items", "officer", square(lon, lon + 0.02, "方块甲"))
        a = h["Location"].rsplit("/", 1)[1]
        self.warm(paths)
        h = self.write("POST", "/collections/places/items", "officer",
                       square(lon + 0.02, lon + 0.03, "方块乙"))
        b = h["Location"].rsplit("/", 1)[1]
        h, _ = self.tile(paths[4 + 9])  # z12, the middle one
        self.assertIn('desc="updated places"', h["Server-Timing"])
        self.assert_fresh(paths)
        self.warm(paths)
        self.write("PUT", f"/collections/places/items/{a}", "officer",
                   square(lon, lon + 0.02, "方块甲", [lon + 0.018, lat + 0.011]))
        self.assert_fresh(paths)
        self.warm(paths)
        self.write("DELETE", f"/collections/places/items/{b}", "officer")
        self.assert_fresh(paths)


if __name__ == "__main__":
    unittest.main(verbosity=2)
