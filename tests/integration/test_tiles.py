"""Vector tiles, live: decoded with GDAL's MVT driver and compared with the store
(features, attributes, areas), plus the HTTP behaviour (204, 400/404, ETag)."""
import gzip
import json
import math
import os
import subprocess
import unittest

from osgeo import gdal, ogr, osr

from civgis_test import ROOT, Server, connect, demo_copy, demo_db, run_client, scratch_dir

EXTENT = 4096
JS = os.path.join(os.path.dirname(ROOT), "tests", "js")


def tile_of(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def tile_bounds(z, x, y):
    n = 2 ** z
    lon = lambda i: i / n * 360 - 180  # noqa: E731
    lat = lambda j: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * j / n))))  # noqa: E731
    return lon(x), lat(y + 1), lon(x + 1), lat(y)


def decode_mvt(case, path, z, x, y):
    """{id: (properties, geometry)} of the tile file at path as GDAL's MVT driver reads it
    (in EPSG:3857)."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=[f"Z={z}", f"X={x}", f"Y={y}", "CLIP=NO"])
    case.assertIsNotNone(ds)
    out = {}
    for i in range(ds.GetLayerCount()):
        for f in ds.GetLayer(i):
            out[f.GetField("id")] = (f.items(), f.GetGeometryRef().Clone())
    return out


def union_of(parts):
    union = parts[0]
    for p in parts[1:]:
        union = union.Union(p)
    return union


def assert_tiles_share_borders(case, decoded, lon, lat, zooms=range(6, 13), layer="townships"):
    """The gap/overlap check of the tiles over (lon, lat) at each zoom: within each county,
    the decoded polygons of a tile do not overlap, and their union has no hole (gap) of a
    pixel or more that no other county's polygon fills (宜川县 surrounds two exclaves of
    延长县's 罗子山镇). decoded(path, z, x, y) fetches and decodes one tile (decode_mvt)."""
    for z in zooms:
        x, y = tile_of(lon, lat, z)
        got = decoded(f"/tiles/{layer}/{z}/{x}/{y}.mvt", z, x, y)
        box = box_3857(tile_bounds(z, x, y))
        px2 = (box.GetArea() ** 0.5 / 256) ** 2
        counties = {}
        for code, (_, g) in got.items():
            g.AssignSpatialReference(None)
            part = g.Intersection(box)
            if not part.IsEmpty():
                counties.setdefault(code[:6], []).append(part)
        case.assertTrue(counties, (z, lon))
        for county, parts in counties.items():
            union = union_of(parts)
            overlap = sum(p.GetArea() for p in parts) - union.GetArea()
            case.assertLess(overlap, 0.01 * px2, (z, lon, county))
            others = [p for c, ps in counties.items() if c != county for p in ps]
            filled = union_of(others) if others else None
            polys = [union] if union.GetGeometryType() == ogr.wkbPolygon else \
                [union.GetGeometryRef(i).Clone() for i in range(union.GetGeometryCount())]
            for poly in polys:
                for r in range(1, poly.GetGeometryCount()):
                    ring = ogr.Geometry(ogr.wkbPolygon)
                    ring.AddGeometry(poly.GetGeometryRef(r).Clone())
                    hole = ring.Difference(filled) if filled else ring
                    case.assertLess(hole.GetArea(), px2, (z, lon, county, "gap"))


class Tiles(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # A copy: one test edits it.
        cls.db = demo_copy("tiles-db")
        cls.con = connect(cls.db)
        cls.srv = Server(cls.db).__enter__()
        cls.dir = scratch_dir("tiles")

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.con.close()

    def fetch(self, path):
        status, headers, body = self.srv.get(path)
        self.assertEqual(status, 200, path)
        self.assertEqual(headers["Content-Type"], "application/vnd.mapbox-vector-tile")
        f = os.path.join(self.dir, path.replace("/", "_"))
        with open(f, "wb") as out:
            out.write(body)
        return f

    def decoded(self, path, z, x, y):
        """{id: (properties, geometry in EPSG:3857)} as GDAL's MVT driver reads the tile."""
        return decode_mvt(self, self.fetch(path), z, x, y)

    def test_townships_tile_matches_the_store(self):
        for z in (7, 9, 11):
            x, y = tile_of(109.49, 36.6, z)
            got = self.decoded(f"/tiles/townships/{z}/{x}/{y}.mvt", z, x, y)
            b = tile_bounds(z, x, y)
            box = box_3857(b)
            want, src_full = {}, {}
            for code, wkb in self.con.execute(
                    "SELECT code, AsBinary(geom) FROM divisions WHERE level = 4 AND "
                    "ST_Intersects(geom, BuildMbr(?, ?, ?, ?, 4326)) = 1", b):
                g = ogr.CreateGeometryFromWkb(bytes(wkb))
                g.Transform(TO_3857)
                part = g.Intersection(box)
                want[code] = (part.GetArea(), part.Boundary().Length(), part)
                src_full[code] = g
            # Features touching the tile within a pixel may be missing or extra; the rest agree.
            px = (merc(b[2], b[1])[0] - merc(b[0], b[1])[0]) / 256  # a pixel, metres
            big = {c for c, (a, _, _) in want.items() if a > 4 * px * px}
            self.assertTrue(big <= set(got), (z, big - set(got)))
            for code in big:
                props, g = got[code]
                self.assertEqual(props["level"], 4)
                self.assertEqual(props["name"], self.con.execute(
                    "SELECT name FROM divisions WHERE code = ?", (code,)).fetchone()[0])
                g.AssignSpatialReference(None)
                # GDAL decodes into EPSG:3857; compare areas inside the tile, to 2%.
                # Within a band of half a pixel along the boundary (simplification and
                # rounding move edges by at most about that much).
                mvt_part = g.Intersection(box)
                area, perimeter, src_part = want[code]
                self.assertLess(abs(mvt_part.GetArea() - area), perimeter * px / 2, (z, code))
                # The borders inside the tile, each point of either within a pixel of
                # the other's border: the Hausdorff distance, taken one way at a time so
                # that a border just inside the tile on one side and just outside on
                # the other counts as the fraction of a pixel it is.
                hd = max(directed(g.Boundary(), src_full[code].Boundary(), box, px),
                         directed(src_full[code].Boundary(), g.Boundary(), box, px))
                self.assertLess(hd, px, (z, code))

    def test_townships_share_borders_at_every_zoom(self):
        """z6-z12, two places: within each county, the decoded townships of a tile do
        not overlap, and their union has no hole (gap) of a pixel or more."""
        for lon, lat in ((109.49, 36.6), (108.9, 35.9)):
            assert_tiles_share_borders(self, self.decoded, lon, lat)

    def test_points_and_collection_path(self):
        z = 10
        x, y = tile_of(109.49, 36.6, z)
        got = self.decoded(f"/collections/villages/tiles/WebMercatorQuad/{z}/{y}/{x}", z, x, y)
        b = tile_bounds(z, x, y)
        want = {r[0] for r in self.con.execute(
            "SELECT code FROM divisions WHERE level = 5 AND MbrWithin(seat, BuildMbr(?, ?, ?, ?, 4326))", b)}
        self.assertTrue(want <= set(got))
        self.assertTrue(want)

    def test_combined_tileset_and_metadata(self):
        _, _, tj = self.srv.get_json("/tiles/civgis.json")
        self.assertEqual(tj["tilejson"], "3.0.0")
        self.assertEqual(tj["tiles"], [self.srv.base + "/tiles/civgis/{z}/{x}/{y}.mvt"])
        layers = {v["id"]: v for v in tj["vector_layers"]}
        self.assertEqual(set(layers), {"counties", "townships", "villages", "facilities"})
        self.assertEqual(layers["villages"]["minzoom"], 9)
        self.assertEqual(layers["townships"]["fields"]["population"], "Number")
        minx, miny, maxx, maxy = tj["bounds"]
        self.assertTrue(107 < minx < maxx < 111 and 35 < miny < maxy < 38)
        # z8 shows counties and townships but not villages (from z9).
        x, y = tile_of(109.49, 36.6, 8)
        got = self.decoded(f"/tiles/civgis/8/{x}/{y}.mvt", 8, x, y)
        kinds = {p["level"] for p, _ in got.values() if "level" in p}
        self.assertEqual(kinds, {3, 4})
        x, y = tile_of(109.49, 36.6, 10)
        got = self.decoded(f"/tiles/civgis/10/{x}/{y}.mvt", 10, x, y)
        self.assertTrue(any(p.get("level") == 5 for p, _ in got.values()))
        self.assertTrue(any("kind" in p and p.get("capacity") for p, _ in got.values()))
        _, _, sets = self.srv.get_json("/tiles")
        self.assertIn("civgis", [t["id"] for t in sets["tilesets"]])
        _, _, ct = self.srv.get_json("/collections/townships/tiles")
        self.assertIn("WebMercatorQuad", ct["tilesets"][0]["tileMatrixSetURI"])
        _, _, tms = self.srv.get_json("/tileMatrixSets/WebMercatorQuad")
        self.assertEqual(tms["tileMatrices"][10]["matrixWidth"], 1024)
        self.assertEqual(self.srv.get("/tiles/nothing.json")[0], 404)

    def test_an_edit_changes_the_tile_at_once(self):
        """A cached tile is never served after an edit, and only the tiles showing what
        changed are dropped: a tile far from the edited county stays cached."""
        path = "/tiles/counties/10/%d/%d.mvt" % tile_of(109.49, 36.6, 10)  # in 610602
        far = "/tiles/counties/10/%d/%d.mvt" % tile_of(107.9, 36.9, 10)  # 90 km west
        s1, h1, b1 = self.srv.get(path)
        s2, h2, b2 = self.srv.get(path)  # from the cache
        self.assertEqual((s1, b1, h1["ETag"]), (s2, b2, h2["ETag"]))
        self.assertEqual(h2["X-Tile-Cache"], "hit")
        _, hf1, bf1 = self.srv.get(far)
        con = connect(self.db)  # a second writer, as an officer's edit would be
        con.execute("UPDATE divisions SET name = name || '(改)' WHERE code = '610602'")
        con.commit()
        try:
            s3, h3, b3 = self.srv.get(path)
            self.assertEqual((s3, h3["X-Tile-Cache"]), (200, "miss"))
            self.assertNotEqual(h3["ETag"], h1["ETag"])
            self.assertNotEqual(b3, b1)
            self.assertIn("宝塔区(改)".encode(), b3)
            _, hf2, bf2 = self.srv.get(far)
            self.assertEqual((hf2["X-Tile-Cache"], hf2["ETag"], bf2), ("hit", hf1["ETag"], bf1))
            # A geometry edit: one vertex of a township moves; the tiles over it change.
            town = "/tiles/townships/12/%d/%d.mvt"
            code, wkt = con.execute(
                "SELECT code, AsText(geom) FROM divisions WHERE level = 4 AND "
                "code LIKE '610602%' ORDER BY code LIMIT 1").fetchone()
            lon, lat = (float(v) for v in wkt.split("(((")[1].split(",")[0].split())
            t12 = town % tile_of(lon, lat, 12)
            _, ht1, _ = self.srv.get(t12)
            self.srv.get(far)
            con.execute("UPDATE divisions SET geom = ST_Translate(geom, 0.01, 0, 0) "
                        "WHERE code = ?", (code,))
            con.commit()
            _, ht2, _ = self.srv.get(t12)
            self.assertEqual(ht2["X-Tile-Cache"], "miss")
            self.assertNotEqual(ht2["ETag"], ht1["ETag"])
            self.assertEqual(self.srv.get(far)[1]["X-Tile-Cache"], "hit")
            con.execute("UPDATE divisions SET geom = ST_Translate(geom, -0.01, 0, 0) "
                        "WHERE code = ?", (code,))
        finally:
            con.execute("UPDATE divisions SET name = '宝塔区' WHERE code = '610602'")
            con.commit()
            con.close()

    def test_another_program_writing_the_file(self):
        """Edits by another program (here the sqlite3 shell, as QGIS would write the
        SpatiaLite file) reach tiles, items ETags and coverage layers at once, through
        the per-table versions that triggers in the file keep; and an edit to one table
        leaves the layers of the others alone: closing a facility changes the facility
        and coverage tiles but not the township tile over it, which stays cached with
        its ETag, its layer not rebuilt."""
        con = connect(self.db)
        fid, lon, lat = con.execute(
            "SELECT fid, X(geom), Y(geom) FROM facilities WHERE kind = 'mutual_aid_home' AND "
            "status = 'operating' ORDER BY fid LIMIT 1").fetchone()
        con.close()
        cov = "/collections/coverage-mutual_aid_home/items"
        # A village this home alone covers.
        _, _, fc = self.srv.get_json(f"{cov}?limit=10000&filter=nearest_id%3D%27{fid}%27"
                                     "%20AND%20n_within%3D1")
        village = fc["features"][0]
        vx, vy = village["geometry"]["coordinates"]
        z = 12
        fac_tile = "/tiles/facilities/%d/%d/%d.mvt" % (z, *tile_of(lon, lat, z))
        town_tile = "/tiles/townships/%d/%d/%d.mvt" % (z, *tile_of(lon, lat, z))
        cov_tile = "/tiles/coverage-mutual_aid_home/%d/%d/%d.mvt" % (z, *tile_of(vx, vy, z))
        town_items = "/collections/townships/items?limit=500"
        paths = (fac_tile, town_tile, cov_tile, town_items, f"/collections/facilities/items/{fid}",
                 f"{cov}/{village['id']}")
        for p in paths * 2:  # a tile rendered by the request that rebuilt its layer is not
            self.srv.get(p)  # cached (the cache cannot tell it from a stale one): warm up
        before = {p: self.srv.get(p) for p in paths}
        self.assertTrue(all(r[0] == 200 for r in before.values()))
        self.assertEqual(before[town_tile][1]["X-Tile-Cache"], "hit")

        def shell(sql):
            subprocess.run(["sqlite3", self.db, sql], check=True, timeout=60)

        shell(f"UPDATE facilities SET status = 'closed' WHERE fid = '{fid}'")
        try:
            _, h, _ = self.srv.get(town_tile)  # first: its layer is not rebuilt
            self.assertEqual((h["X-Tile-Cache"], h["ETag"]),
                             ("hit", before[town_tile][1]["ETag"]))
            self.assertNotIn("desc=", h["Server-Timing"])  # neither rebuilt nor updated
            status, _, _ = self.srv.get(town_items, headers={
                "If-None-Match": before[town_items][1]["ETag"]})
            self.assertEqual(status, 304)
            _, h, body = self.srv.get(fac_tile)
            self.assertEqual(h["X-Tile-Cache"], "miss")
            # One row written: the facilities re-read that row alone.
            self.assertIn('desc="updated facilities"', h["Server-Timing"])
            self.assertNotEqual(h["ETag"], before[fac_tile][1]["ETag"])
            self.assertIn(b"closed", body)
            fac_etag = h["ETag"]
            _, h, body = self.srv.get(f"/collections/facilities/items/{fid}")
            self.assertNotEqual(h["ETag"], before[f"/collections/facilities/items/{fid}"][1]
                                ["ETag"])
            self.assertEqual(json.loads(body)["properties"]["status"], "closed")
            _, h, body = self.srv.get(f"{cov}/{village['id']}")
            self.assertEqual(json.loads(body)["properties"]["covered"], False)
            self.assertNotEqual(h["ETag"], before[f"{cov}/{village['id']}"][1]["ETag"])
            _, h, _ = self.srv.get(cov_tile)
            self.assertIn("rebuilt coverage-mutual_aid_home", h["Server-Timing"])
            self.assertNotEqual(h["ETag"], before[cov_tile][1]["ETag"])
            # Now every township: its tile follows (too many rows to re-read one by one:
            # the layer is read whole), the facilities are left alone.
            shell("UPDATE divisions SET name = name || '(改)' WHERE level = 4")
            _, h, body = self.srv.get(town_tile)
            self.assertEqual(h["X-Tile-Cache"], "miss")
            self.assertIn('desc="rebuilt townships"', h["Server-Timing"])
            self.assertIn("(改)".encode(), body)
            _, h, _ = self.srv.get(fac_tile)
            self.assertEqual(h["ETag"], fac_etag)
            self.assertNotIn("desc=", h["Server-Timing"])
            _, h, _ = self.srv.get(cov_tile)  # coverage does not show divisions
            self.assertNotIn("desc=", h["Server-Timing"])
        finally:
            shell(f"UPDATE facilities SET status = 'operating' WHERE fid = '{fid}'")
            shell("UPDATE divisions SET name = replace(name, '(改)', '') WHERE level = 4")

    def test_mapbox_vector_tile_decoder_agrees(self):
        """The tile as @mapbox/vector-tile (MapLibre's decoder family) reads it: the same
        features and properties as GDAL reads, MVT version 2, and exterior rings with a
        positive surveyor's area in tile space (the specification's winding rule)."""
        z = 10
        x, y = tile_of(109.49, 36.6, z)
        path = f"/tiles/civgis/{z}/{x}/{y}.mvt"
        gdal_view = self.decoded(path, z, x, y)
        f = os.path.join(self.dir, path.replace("/", "_"))
        js = json.loads(run_client("node", os.path.join(JS, "decode_mvt.mjs"), f))
        self.assertEqual(set(js), {"counties", "townships", "villages", "facilities"})
        ids = set()
        for name, layer in js.items():
            self.assertEqual((layer["version"], layer["extent"]), (2, 4096), name)
            for feat in layer["features"]:
                props = feat["properties"]
                ids.add(props["id"])
                gdal_props, _ = gdal_view[props["id"]]
                for k, v in props.items():
                    self.assertEqual(gdal_props[k], v, (name, k))
                if feat["type"] == 3:
                    rings = feat["geometry"]
                    self.assertGreater(surveyor(rings[0]), 0, (name, props["id"]))
        self.assertEqual(ids, set(gdal_view))

    def test_gzip_made_once_and_served_from_the_cache(self):
        """A client taking gzip gets the gzip form, made when the tile is rendered and
        kept in the cache beside the plain bytes; one that does not gets the plain."""
        path = "/tiles/townships/9/%d/%d.mvt" % tile_of(109.3, 36.3, 9)
        gz = {"Accept-Encoding": "gzip"}
        s1, h1, b1 = self.srv.get(path, headers=gz)  # rendered
        s2, h2, b2 = self.srv.get(path, headers=gz)  # cached
        s3, h3, b3 = self.srv.get(path)  # cached, plain
        self.assertEqual((s1, s2, s3), (200, 200, 200))
        self.assertEqual((h1["X-Tile-Cache"], h2["X-Tile-Cache"]), ("miss", "hit"))
        self.assertEqual((h1["Content-Encoding"], h2["Content-Encoding"]), ("gzip", "gzip"))
        self.assertNotIn("Content-Encoding", h3)
        self.assertEqual(gzip.decompress(b1), b3)
        self.assertEqual(gzip.decompress(b2), b3)
        self.assertEqual(h1["ETag"], h2["ETag"])
        self.assertNotEqual(h1["ETag"], h3["ETag"])  # a different representation
        s4, h4, b4 = self.srv.get(path, headers={**gz, "If-None-Match": h1["ETag"]})
        self.assertEqual((s4, b4), (304, b""))
        self.assertNotIn("Content-Encoding", h4)  # no body, nothing encoded

    def test_buffer_is_configurable(self):
        """--tile-buffer sets how far geometry reaches past the tile's edge (default 64
        units of 4096; 0: clipped at the edge), as MapLibre's decoder reads it."""
        z = 10
        x, y = tile_of(109.49, 36.6, z)

        def reach(srv):
            status, _, body = srv.get(f"/tiles/townships/{z}/{x}/{y}.mvt")
            self.assertEqual(status, 200)
            f = os.path.join(self.dir, f"buffer_{srv.base.rsplit(':', 1)[1]}.mvt")
            with open(f, "wb") as out:
                out.write(body)
            js = json.loads(run_client("node", os.path.join(JS, "decode_mvt.mjs"), f))
            pts = [p for feat in js["townships"]["features"] for ring in feat["geometry"]
                   for p in ring]
            return min(min(p) for p in pts), max(max(p) for p in pts)

        self.assertEqual(reach(self.srv), (-64, 4096 + 64))
        with Server(self.db, "--tile-buffer", "0") as srv:
            self.assertEqual(reach(srv), (0, 4096))
            srv.stop()
        with Server(self.db, "--tile-buffer", "256") as srv:
            self.assertEqual(reach(srv), (-256, 4096 + 256))
            srv.stop()

    def test_http_behaviour(self):
        self.assertEqual(self.srv.get("/tiles/townships/8/0/0.mvt")[0], 204)
        self.assertEqual(self.srv.get("/tiles/townships/3/9/0.mvt")[0], 404)
        self.assertEqual(self.srv.get("/tiles/townships/x/0/0.mvt")[0], 400)
        self.assertEqual(self.srv.get("/tiles/townships/30/0/0.mvt")[0], 400)
        self.assertEqual(self.srv.get("/tiles/nothing/0/0/0.mvt")[0], 404)
        self.assertEqual(self.srv.get("/collections/townships/tiles/Other/0/0/0")[0], 404)
        # At z0 Yan'an's townships are below a pixel each: dropped, so the tile is empty.
        self.assertEqual(self.srv.get("/tiles/townships/0/0/0.mvt")[0], 204)
        status, headers, _ = self.srv.get("/tiles/townships/6/51/24.mvt")
        self.assertEqual(status, 200)
        status, _, body = self.srv.get("/tiles/townships/6/51/24.mvt",
                                       headers={"If-None-Match": headers["ETag"]})
        self.assertEqual((status, body), (304, b""))


def directed(a, b, box, px):
    """The largest distance from a point of line a inside box (sampled every quarter
    pixel) to line b."""
    part = a.Intersection(box)
    part.Segmentize(px / 4)
    worst = 0.0
    for line in ([part] if part.GetGeometryCount() == 0 else
                 [part.GetGeometryRef(i) for i in range(part.GetGeometryCount())]):
        for x, y in line.GetPoints() or []:
            p = ogr.Geometry(ogr.wkbPoint)
            p.AddPoint_2D(x, y)
            worst = max(worst, p.Distance(b))
    return worst


def _to_3857():
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(3857)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return osr.CoordinateTransformation(src, dst)


TO_3857 = _to_3857()


def box_3857(b):
    (x0, y0), (x1, y1) = merc(b[0], b[1]), merc(b[2], b[3])
    return ogr.CreateGeometryFromWkt(
        f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))")


def surveyor(ring):
    """Twice the signed area by the surveyor's formula, in tile coordinates (y down)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))


def merc(lon, lat):
    return (math.radians(lon) * 6378137,
            math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137)


class MapLibre(unittest.TestCase):
    """The web-map client itself: MapLibre GL JS in headless Chromium (WebGL through
    SwiftShader) draws the civgis tileset from its TileJSON; what it renders is read back
    with queryRenderedFeatures and checked against the store."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.con = connect(cls.db)
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        cls.con.close()

    def render(self, tileset, lon, lat, zoom):
        out = json.loads(run_client("node", os.path.join(JS, "maplibre_render.mjs"), self.srv.base,
                                    tileset, str(lon), str(lat), str(zoom), timeout=180))
        self.assertEqual(out["errors"], [])
        self.assertTrue(out["map"]["webgl"])
        self.assertTrue(out["tiles"])
        for url, status in out["tiles"].items():
            self.assertIn(status, (200, 204), url)
        return out["map"]["shown"]

    def names(self, level, codes):
        marks = ",".join("?" * len(codes))
        return dict(self.con.execute(
            f"SELECT code, name FROM divisions WHERE level = ? AND valid_to IS NULL "
            f"AND code IN ({marks})", (level, *codes)))

    def test_base_map_at_zoom_10(self):
        shown = self.render("civgis", 109.49, 36.6, 10)
        self.assertLessEqual({"counties", "townships", "villages", "facilities"}, set(shown))
        self.assertIn("610602", shown["counties"])  # Baota district, the view's centre
        for layer, level in (("counties", 3), ("townships", 4), ("villages", 5)):
            self.assertEqual(self.names(level, list(shown[layer])), shown[layer], layer)
        kinds = dict(self.con.execute("SELECT fid, name FROM facilities"))
        for fid, name in shown["facilities"].items():
            self.assertEqual(kinds[fid], name)

    def test_zoom_ranges_and_a_collection_tileset(self):
        shown = self.render("civgis", 109.49, 36.6, 7)
        self.assertEqual(set(shown), {"counties", "townships"})  # villages from z9
        self.assertGreater(len(shown["townships"]), 20)
        shown = self.render("townships", 109.49, 36.6, 8)
        self.assertEqual(set(shown), {"townships"})


class Edges(unittest.TestCase):
    """The tile edge cases, on gazetteer features made for them: a polygon with a hole, a
    multipolygon, a square exactly on a z10 tile's borders, a point on a tile corner;
    z0 and z22; an empty tile."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("edges-db")
        cls.dir = scratch_dir("edges")
        cls.z, cls.x, cls.y = 10, *tile_of(109.2, 36.9, 10)
        w, s_, e, n = tile_bounds(cls.z, cls.x, cls.y)
        square = f"POLYGON(({w} {s_},{e} {s_},{e} {n},{w} {n},{w} {s_}))"
        holed = ("POLYGON((109.60 36.40,109.70 36.40,109.70 36.50,109.60 36.50,109.60 36.40),"
                 "(109.63 36.43,109.67 36.43,109.67 36.47,109.63 36.47,109.63 36.43))")
        multi = ("MULTIPOLYGON(((109.80 36.80,109.82 36.80,109.82 36.82,109.80 36.80)),"
                 "((109.85 36.85,109.87 36.85,109.87 36.87,109.85 36.85)))")
        zc, xc, yc = 12, *tile_of(109.45, 36.75, 12)
        corner = f"POINT({tile_bounds(zc, xc, yc)[0]} {tile_bounds(zc, xc, yc)[3]})"
        cls.corner = (zc, xc, yc)
        con = connect(cls.db)
        for name, wkt in (("square", square), ("holed", holed), ("multi", multi),
                          ("corner", corner)):
            con.execute("INSERT INTO places (name, category, valid_from, geom) VALUES "
                        "(?, 'test', '2024-01-01', GeomFromText(?, 4326))", (name, wkt))
        con.commit()
        cls.ids = dict(con.execute("SELECT name, CAST(id AS TEXT) FROM places "
                                   "WHERE category = 'test'"))
        con.close()
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def features(self, z, x, y):
        status, _, body = self.srv.get(f"/tiles/places/{z}/{x}/{y}.mvt")
        if status == 204:
            return {}
        self.assertEqual(status, 200)
        path = os.path.join(self.dir, f"{z}_{x}_{y}.mvt")
        with open(path, "wb") as f:
            f.write(body)
        ds = gdal.OpenEx(path, gdal.OF_VECTOR,
                         open_options=[f"Z={z}", f"X={x}", f"Y={y}", "CLIP=NO"])
        return {f.GetField("id"): f.GetGeometryRef().Clone() for f in ds.GetLayer(0)}

    def tile_box(self, z, x, y):
        return box_3857(tile_bounds(z, x, y))

    def test_hole_and_multipolygon_survive(self):
        z = 12
        x, y = tile_of(109.65, 36.45, z)
        g = self.features(z, x, y)[self.ids["holed"]]
        if g.GetGeometryType() == ogr.wkbMultiPolygon:  # GDAL's MVT layers are multi
            self.assertEqual(g.GetGeometryCount(), 1)
            part = g.GetGeometryRef(0).Clone()  # a clone: the reference dies with g
        else:
            part = g
        self.assertEqual(part.GetGeometryCount(), 2, "exterior ring and hole")
        x, y = tile_of(109.83, 36.83, 11)
        g = self.features(11, x, y)[self.ids["multi"]]
        self.assertEqual((g.GetGeometryType(), g.GetGeometryCount()), (ogr.wkbMultiPolygon, 2))

    def test_square_on_tile_borders(self):
        z, x, y = self.z, self.x, self.y
        box = self.tile_box(z, x, y)
        px2 = (box.GetArea() ** 0.5 / 256) ** 2
        g = self.features(z, x, y)[self.ids["square"]]
        self.assertLess(abs(g.Intersection(box).GetArea() - box.GetArea()), px2)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):  # neighbours: nothing inside
            got = self.features(z, x + dx, y + dy).get(self.ids["square"])
            inside = got.Intersection(self.tile_box(z, x + dx, y + dy)).GetArea() if got else 0
            self.assertLess(inside, px2, (dx, dy))

    def test_point_on_a_tile_corner_is_in_the_four_tiles(self):
        z, x, y = self.corner
        for dx, dy in ((0, 0), (-1, 0), (0, -1), (-1, -1)):
            self.assertIn(self.ids["corner"], self.features(z, x + dx, y + dy), (dx, dy))

    def test_zoom_0_and_22_and_an_empty_tile(self):
        world = self.features(0, 0, 0)
        self.assertIn(self.ids["corner"], world)
        self.assertNotIn(self.ids["holed"], world)  # far below a pixel at z0: dropped
        x, y = tile_of(109.61, 36.41, 22)  # inside the ring, off the hole
        g = self.features(22, x, y)[self.ids["holed"]]
        box = self.tile_box(22, x, y)
        self.assertAlmostEqual(g.Intersection(box).GetArea() / box.GetArea(), 1.0, places=3)
        x, y = tile_of(109.65, 36.45, 22)  # inside the hole
        self.assertNotIn(self.ids["holed"], self.features(22, x, y))
        self.assertEqual(self.srv.get("/tiles/places/12/100/100.mvt")[0], 204)


class SizeGuard(unittest.TestCase):
    """The tile size guard (--tile-max-kb) against a server without it: a tile within the
    limit is the same tile; a larger one is simplified harder, then its lines and polygons
    thinned, and X-Tile-Simplified names what the served tile had done; points are never
    thinned, and a tile whose points alone pass the limit is a 500 that says so. Over
    every base-map tile at z8-9, which hold each case at a 4 KB limit."""
    LIMIT_KB = 4
    POINT_LAYERS = {"villages", "facilities"}

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("guard")
        cls.srv = Server(demo_db()).__enter__()
        cls.guarded = Server(demo_db(), "--tile-max-kb", str(cls.LIMIT_KB)).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0
        assert cls.guarded.stop() == 0

    def layers(self, body, z, x, y):
        """{layer: set of feature ids} as GDAL's MVT driver reads the tile."""
        path = os.path.join(self.dir, f"{z}_{x}_{y}_{len(body)}.mvt")
        with open(path, "wb") as f:
            f.write(body)
        ds = gdal.OpenEx(path, gdal.OF_VECTOR,
                         open_options=[f"Z={z}", f"X={x}", f"Y={y}", "CLIP=NO"])
        return {ds.GetLayer(i).GetName(): {f.GetField("id") for f in ds.GetLayer(i)}
                for i in range(ds.GetLayerCount())}

    def test_guard_over_the_base_map(self):
        limit = self.LIMIT_KB * 1024
        seen = set()
        for z, xs, ys in ((8, range(204, 207), range(99, 102)),
                          (9, range(409, 414), range(198, 203))):
            for x in xs:
                for y in ys:
                    path = f"/tiles/civgis/{z}/{x}/{y}.mvt"
                    status, _, base = self.srv.get(path)
                    self.assertIn(status, (200, 204), path)
                    seen.add(self.check_tile(path, z, x, y, base, limit))
        self.assertEqual(seen, {"within", "simplified", "thinned", "points over"})

    def check_tile(self, path, z, x, y, base, limit):
        status, headers, body = self.guarded.get(path)
        note = headers["X-Tile-Simplified"]
        if len(base) <= limit:
            self.assertEqual((status, body, note), (200 if base else 204, base, None), path)
            return "within"
        want = self.layers(base, z, x, y)
        if status == 500:
            err = json.loads(body)
            self.assertEqual(err["code"], "too_large", path)
            self.assertIn(f"tile {z}/{x}/{y} has over {self.LIMIT_KB} KB of points", err["description"])
            self.assertIn("points are never thinned", err["description"])
            self.assertTrue(self.POINT_LAYERS & set(want), path)
            return "points over"
        self.assertEqual(status, 200, path)
        self.assertLessEqual(len(body), limit, path)
        got = self.layers(body, z, x, y)
        for name in self.POINT_LAYERS & set(want):  # every point, thinned or not
            self.assertEqual(got[name], want[name], (path, name))
        parts = dict(kv.split("=") for kv in note.split("; "))
        self.assertIn(parts["tolerance"], ("32", "128", "512"), (path, note))
        shapes = [len(got.get(name, ())) for name in set(want) - self.POINT_LAYERS]
        if "max_features" not in parts:
            return "simplified"
        # What was served: the fullest polygon layer holds exactly that many.
        self.assertEqual(parts["tolerance"], "512", (path, note))
        self.assertEqual(max(shapes), int(parts["max_features"]), (path, note))
        return "thinned"


class Export(unittest.TestCase):
    """civgis tiles export: MBTiles read by GDAL and PMTiles read by npm pmtiles hold the
    very tiles the server serves; a large archive uses leaf directories."""

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.dir = scratch_dir("export")
        cls.srv = Server(cls.db).__enter__()
        cls.mbtiles = os.path.join(cls.dir, "civgis.mbtiles")
        cls.pmtiles = os.path.join(cls.dir, "civgis.pmtiles")
        for flag, path in (("--mbtiles", cls.mbtiles), ("--pmtiles", cls.pmtiles)):
            p = subprocess.run([os.environ["CIVGIS_BIN"], "tiles", "export", "--db", cls.db,
                                "--tileset", "civgis", "--minzoom", "0", "--maxzoom", "10",
                                flag, path], capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
            assert "tiles with features written" in p.stderr

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def exported(self):
        import gzip
        import sqlite3
        con = sqlite3.connect(self.mbtiles)
        rows = con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
        out = {(z, x, (1 << z) - 1 - r): gzip.decompress(d) for z, x, r, d in rows}
        meta = dict(con.execute("SELECT name, value FROM metadata"))
        con.close()
        return out, meta

    def test_mbtiles_holds_the_served_tiles_and_opens_in_gdal(self):
        tiles, meta = self.exported()
        self.assertGreater(len(tiles), 50)
        self.assertEqual((meta["format"], meta["minzoom"], meta["maxzoom"]), ("pbf", "0", "10"))
        self.assertEqual([l["id"] for l in json.loads(meta["json"])["vector_layers"]],
                         ["counties", "townships", "villages", "facilities"])
        for (z, x, y), data in tiles.items():
            status, _, body = self.srv.get(f"/tiles/civgis/{z}/{x}/{y}.mvt")
            self.assertEqual((status, body), (200, data), (z, x, y))
        # A tile missing from the archive is one the server answers empty: every gap in
        # the archive's bounding range at z8-10 (the corners of the city's box that no
        # county reaches), and one far away.
        missing = [(z, x, y) for z in (8, 9, 10)
                   for x in range(min(k[1] for k in tiles if k[0] == z),
                                  max(k[1] for k in tiles if k[0] == z) + 1)
                   for y in range(min(k[2] for k in tiles if k[0] == z),
                                  max(k[2] for k in tiles if k[0] == z) + 1)
                   if (z, x, y) not in tiles]
        self.assertGreater(len(missing), 10)
        for z, x, y in missing + [(10, 0, 0)]:
            status, _, body = self.srv.get(f"/tiles/civgis/{z}/{x}/{y}.mvt")
            self.assertEqual((status, body), (204, b""), (z, x, y))
        ds = gdal.OpenEx(self.mbtiles, gdal.OF_VECTOR)
        names = {ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())}
        self.assertEqual(names, {"counties", "townships", "villages", "facilities"})
        z6 = gdal.OpenEx(self.mbtiles, gdal.OF_VECTOR, open_options=["ZOOM_LEVEL=6"])
        self.assertEqual(len({f.GetField("code") for f in z6.GetLayerByName("counties")}), 13)

    def test_pmtiles_decodes_with_npm_pmtiles(self):
        tiles, _ = self.exported()
        asked = [f"{z}/{x}/{y}" for z, x, y in sorted(tiles)] + ["10/0/0"]
        out = json.loads(run_client("node", os.path.join(JS, "read_pmtiles.mjs"), self.pmtiles,
                                    *asked))
        h = out["header"]
        self.assertEqual((h["specVersion"], h["minZoom"], h["maxZoom"], h["tileType"]),
                         (3, 0, 10, 1))
        self.assertEqual(h["numAddressedTiles"], len(tiles))
        self.assertTrue(107.6 < h["minLon"] < 107.7 and 37.4 < h["maxLat"] < 37.5)
        self.assertEqual([l["id"] for l in out["metadata"]["vector_layers"]],
                         ["counties", "townships", "villages", "facilities"])
        for (z, x, y), data in tiles.items():
            self.assertEqual(bytes.fromhex(out["tiles"][f"{z}/{x}/{y}"]), data, (z, x, y))
        self.assertIsNone(out["tiles"]["10/0/0"])

    def test_large_archive_uses_leaf_directories(self):
        path = os.path.join(self.dir, "big.pmtiles")
        run_client(os.environ["CIVGIS_PMTILES_GEN"], path, "100000")
        side = 317
        picks = [0, 1, 316, 317, 50000, 99999]
        asked = [f"14/{8000 + 3 * (i % side)}/{8000 + 5 * (i // side)}" for i in picks]
        out = json.loads(run_client("node", os.path.join(JS, "read_pmtiles.mjs"), path, *asked,
                                    "14/8001/8000"))
        self.assertGreater(out["header"]["leafDirectoryLength"], 0)
        self.assertEqual(out["header"]["numAddressedTiles"], 100000)
        for zxy in asked:
            self.assertTrue(bytes.fromhex(out["tiles"][zxy]).decode().startswith(zxy + " "))
        self.assertIsNone(out["tiles"]["14/8001/8000"])

    def test_bad_exports_fail_and_leave_nothing(self):
        bin_ = os.environ["CIVGIS_BIN"]
        p = subprocess.run([bin_, "tiles", "export", "--db", self.db, "--tileset", "civgis",
                            "--minzoom", "0", "--maxzoom", "2", "--mbtiles", self.mbtiles],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists already", p.stderr)
        target = os.path.join(self.dir, "none.pmtiles")
        p = subprocess.run([bin_, "tiles", "export", "--db", self.db, "--tileset", "nothing",
                            "--pmtiles", target], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no tileset", p.stderr)
        self.assertFalse(os.path.exists(target))
        p = subprocess.run([bin_, "tiles", "export", "--db", self.db, "--tileset", "civgis",
                            "--minzoom", "5", "--maxzoom", "3", "--pmtiles", target],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        # The size guard as the server has it: points past it fail the export.
        p = subprocess.run([bin_, "tiles", "export", "--db", self.db, "--tileset", "villages",
                            "--minzoom", "8", "--maxzoom", "8", "--tile-max-kb", "4",
                            "--pmtiles", target], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("points are never thinned", p.stderr)
        self.assertFalse(os.path.exists(target))


if __name__ == "__main__":
    unittest.main(verbosity=2)
