#!/usr/bin/python3
"""Do civgis's tiles and a peer's hold the same features? (bench/tiles.sh)

  tile_compare.py LIST CIVGIS_DIR PEER_HEX CIVGIS_KEY PEER_KEY TOL [REPORT [GUARDED]]

LIST: "z x y" lines. CIVGIS_DIR/z_x_y.mvt: civgis's tiles as served (an empty file for
a 204). PEER_HEX: "z x y hex" lines, the peer's tile bytes (hex; nothing after "y" for
an empty tile). CIVGIS_KEY, PEER_KEY: what names a feature on each side, "id" (the
feature id) or "props.NAME" (an attribute). TOL: the simplification tolerance in tile
units (civgis: 8, half a pixel). GUARDED: "z x y" lines of the tiles civgis's size guard
coarsened (bench/tile_times.py); there civgis may leave out what the peer keeps, so
only "every civgis feature is in the peer's tile (or explained)" is checked.

Both sides are decoded (bench/mvt.py) and compared tile by tile, layer by layer (each
side has one layer per tile, named differently):
  - the features, by KEY: a feature on one side only is a mismatch unless it is
    explained, and every explanation is counted:
      "below a pixel": its drawn box is under a pixel (16 units) each way, the size
        below which civgis drops a ring (the unsimplified peer keeps them);
      "buffer edge": it lies within 2 TOL + 2 units of the edge of the buffered tile,
        where two simplifications of the same border may cross the clip line
        differently;
  - the geometry of every feature on both sides: where the two sides' polygons differ,
    every vertex of the difference must be within 2 TOL + 2 units of both outlines
    (each side is within TOL of the source by Douglas-Peucker, plus rounding to the
    grid on each side): the widest gap between the outlines. The band of that width
    along the buffered tile's edge is left out: there a border that runs just outside
    the clip line in one simplification and just inside in the other makes a sliver
    that is thin but may be long (clipping does not keep distances). So are specks, the
    pieces of the difference under a square pixel in area: ST_Simplify can make a ring
    cross itself, which ST_AsMVTGeom mends into the ring and a sliver ring or hole, and
    an enclave a few pixels across simplifies to different small triangles.
Prints one line of figures (key=value) and writes the mismatches to REPORT; exits 1
when there is one.
"""
import binascii
import os
import sys

from shapely.geometry import MultiPolygon, Point, Polygon, box

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvt  # noqa: E402

EXTENT, BUFFER, PIXEL = 4096, 64, 16


def signed_area(r):
    return sum(r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1] for i in range(len(r) - 1))


def tiny(r):
    """Under a pixel each way (drawn; civgis drops a ring below a pixel in the source)."""
    xs, ys = [p[0] for p in r], [p[1] for p in r]
    return max(xs) - min(xs) <= PIXEL + 1 and max(ys) - min(ys) <= PIXEL + 1


def polygon(rings):
    """Exterior rings have a positive area in tile space (y down), holes negative."""
    parts = []
    for r in rings:
        if len(r) < 4:
            continue
        if signed_area(r) > 0 or not parts:
            parts.append([r, []])
        else:
            parts[-1][1].append(r)
    return MultiPolygon([Polygon(e, h) for e, h in parts]).buffer(0)


def parts(g):
    return [g] if g.geom_type == "Polygon" else list(getattr(g, "geoms", []))


def widest_gap(a, b, band):
    """The largest distance from a vertex of where a and b differ (outside band, specks
    left out) to the farther of the two outlines."""
    d = a.symmetric_difference(b).difference(band)
    ea, eb = a.boundary, b.boundary
    worst = 0.0
    for g in parts(d):
        if g.geom_type != "Polygon" or g.area < PIXEL * PIXEL:
            continue
        for ring in [g.exterior, *g.interiors]:
            for v in ring.coords:
                p = Point(v)
                worst = max(worst, p.distance(ea), p.distance(eb))
    return worst


def features(data, key):
    """{key: rings} of the tile's one layer (an empty tile: {})."""
    layers = mvt.decode(data) if data else {}
    if len(layers) > 1:
        raise SystemExit(f"expected one layer, got {sorted(layers)}")
    out = {}
    for layer in layers.values():
        for f in layer["features"]:
            k = str(f["id"] if key == "id" else f["props"].get(key.split(".", 1)[1]))
            if k in out:
                raise SystemExit(f"two features with {key}={k} in one tile")
            out[k] = f["rings"]
    return out


def explain(rings, tol):
    """Why a feature on one side only may be there, or None."""
    if tiny([p for r in rings for p in r]):
        return "below a pixel"
    d = 2 * tol + 2
    inner = box(-BUFFER + d, -BUFFER + d, EXTENT + BUFFER - d, EXTENT + BUFFER - d)
    if polygon(rings).intersection(inner).area <= 1:
        return "buffer edge"
    return None


def main():
    lst, cdir, peer_hex, ckey, pkey, tol = sys.argv[1:7]
    report = sys.argv[7] if len(sys.argv) > 7 else os.devnull
    guarded = set()
    if len(sys.argv) > 8:
        with open(sys.argv[8]) as f:
            guarded = {tuple(line.split()[:3]) for line in f if line.strip()}
    tol = float(tol)
    bound = 2 * tol + 2
    outer = box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    band = outer.difference(box(-BUFFER + bound, -BUFFER + bound, EXTENT + BUFFER - bound,
                                EXTENT + BUFFER - bound))
    peer = {}
    with open(peer_hex) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3:
                peer[tuple(p[:3])] = binascii.unhexlify(p[3]) if len(p) > 3 else b""
    n_tiles = n_c = n_p = common = n_guarded = 0
    why = {}
    worst = 0.0
    bad = []
    with open(lst) as f:
        tiles = [tuple(line.split()) for line in f if line.strip()]
    for t in tiles:
        n_tiles += 1
        with open(os.path.join(cdir, "_".join(t) + ".mvt"), "rb") as f:
            c = features(f.read(), ckey)
        if t not in peer:
            bad.append(f"{'/'.join(t)}: no peer tile")
            continue
        p = features(peer[t], pkey)
        n_c += len(c)
        n_p += len(p)
        if t in guarded:
            n_guarded += 1
            for k in sorted(set(c) - set(p)):
                reason = explain(c[k], tol)
                if reason:
                    why[reason] = why.get(reason, 0) + 1
                else:
                    bad.append(f"{'/'.join(t)}: {ckey}={k} only in civgis's (size-guarded) tile")
            continue
        for side, mine, other in (("civgis", c, p), ("peer", p, c)):
            for k in sorted(set(mine) - set(other)):
                reason = explain(mine[k], tol)
                if reason:
                    why[reason] = why.get(reason, 0) + 1
                else:
                    bad.append(f"{'/'.join(t)}: {ckey}={k} only in {side}'s tile")
        for k in set(c) & set(p):
            common += 1
            h = widest_gap(polygon(c[k]), polygon(p[k]), band)
            worst = max(worst, h)
            if h > bound:
                bad.append(f"{'/'.join(t)}: {ckey}={k} outlines {h:.1f} units apart "
                           f"(bound {bound:g})")
    with open(report, "w") as f:
        f.write("\n".join(bad) + ("\n" if bad else ""))
    expl = ",".join(f"{k.replace(' ', '_')}:{v}" for k, v in sorted(why.items())) or "none"
    print(f"tiles={n_tiles} guarded={n_guarded} features_civgis={n_c} features_peer={n_p} common={common} "
          f"one_sided_explained={expl} mismatches={len(bad)} widest_gap={worst:.1f} "
          f"bound={bound:g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
