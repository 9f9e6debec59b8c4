#!/usr/bin/python3
"""Per-tile times and bytes of one tiles.sh case, both sides, summed over the same tiles.

  tile_times.py LIST HEADERS CURL SIMPLE RAW GUARDED_OUT

LIST: "z x y" lines. HEADERS: curl -D of civgis's timed pass (one response after
another, in list order); CURL: its -w lines "code bytes seconds". SIMPLE, RAW: PostGIS's
timed pass of each leg, "z x y bytes ms" lines in list order.

A tile civgis answered with X-Tile-Simplified was coarsened by its size guard (a
tolerance above half a pixel, or fewer features): it does less work than PostGIS's
half-pixel leg there, so such tiles are left out of the sums and written to
GUARDED_OUT ("z x y civgis_bytes civgis_ms simple_bytes simple_ms raw_bytes raw_ms").
Prints key=value figures over the other tiles: n, guarded, civgis render total and p99
(Server-Timing), HTTP total (curl), bytes per non-empty tile, and the same for each
PostGIS leg; and http_errors (answers neither 200 nor 204, over all tiles).
"""
import re
import sys


def p99(v):
    v = sorted(v)
    if not v:
        return 0.0
    i = min(len(v), int(len(v) * 0.99 + 0.999))
    return v[i - 1]


def civgis_headers(path):
    """[(render_ms, guarded)] per response, in order."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            low = line.lower()
            if line.startswith("HTTP/"):
                out.append([None, False])
            elif low.startswith("server-timing:") and out:
                m = re.search(r"render;dur=([0-9.]+)", line)
                out[-1][0] = float(m.group(1)) if m else None
            elif low.startswith("x-tile-simplified:") and out:
                out[-1][1] = True
    return out


def peer(path):
    with open(path) as f:
        return [(int(p[3]), float(p[4])) for p in (line.split() for line in f) if len(p) >= 5]


def side(label, rows):
    """rows: (bytes, ms) -> figures"""
    ms = [r[1] for r in rows]
    sizes = [r[0] for r in rows if r[0] > 0]
    return (f"{label}_total={sum(ms):.1f} {label}_p99={p99(ms):.2f} "
            f"{label}_bytes={sum(sizes) / max(len(sizes), 1):.0f}")


def main():
    lst, headers, curl, simple, raw, guarded_out = sys.argv[1:7]
    with open(lst) as f:
        tiles = [line.split() for line in f if line.strip()]
    with open(curl) as f:
        http = [line.split() for line in f if line.strip()]
    hdr = civgis_headers(headers)
    s, r = peer(simple), peer(raw)
    if not (len(tiles) == len(http) == len(hdr) == len(s) == len(r)):
        raise SystemExit(f"tile_times: {len(tiles)} tiles, {len(http)} civgis answers, "
                         f"{len(hdr)} header blocks, {len(s)} / {len(r)} PostGIS tiles")
    errors = sum(1 for h in http if h[0] not in ("200", "204"))
    keep_c, keep_h, keep_s, keep_r, guarded = [], [], [], [], []
    for t, h, (render, is_guarded), st, rt in zip(tiles, http, hdr, s, r):
        size = int(h[1]) if h[0] == "200" else 0
        if render is None:
            errors += 1
            render = 0.0
        if is_guarded:
            guarded.append(f"{' '.join(t)} {size} {render:.2f} {st[0]} {st[1]:.2f} {rt[0]} {rt[1]:.2f}")
            continue
        keep_c.append((size, render))
        keep_h.append(float(h[2]) * 1000)
        keep_s.append(st)
        keep_r.append(rt)
    with open(guarded_out, "w") as f:
        f.write("\n".join(guarded) + ("\n" if guarded else ""))
    print(f"n={len(keep_c)} guarded={len(guarded)} {side('civgis', keep_c)} "
          f"http_total={sum(keep_h):.1f} {side('simple', keep_s)} {side('raw', keep_r)} "
          f"http_errors={errors}")


if __name__ == "__main__":
    sys.exit(main())
