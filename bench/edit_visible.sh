#!/usr/bin/env bash
# Edit to visible: how long from the start of a boundary PUT until a tile over the edit
# shows it, on the 40,000 generated polygons (the peers' generator, imported as places
# as in features.sh and tiles.sh) and on the Yan'an townships (data/load.sh), through a
# live civgis serve with its tile cache on, one client on a keep-alive connection. Each
# round: the tile over a vertex is cached first (as a map showing it would have it),
# then the PUT draws that vertex 30% toward the polygon's centre (or puts it back), then
# the tile is asked again until its ETag moves. Reported: the PUT, the next tile (the
# prepared layer updated in place of the rows written, then the tile rendered; aim:
# under 50 ms), and the two together, p50/p99; with the server's own prepare time
# (Server-Timing) against one full build of the layer. At the end a fresh server (every
# layer read whole) must render every edited tile byte for byte as the edited one does,
# else the run fails. No peer: none edits through OGC API - Features Part 4. Ratios:
# aim / p99 for the next tile, full build / update for the prepare step.
#   bench/edit_visible.sh [BUILD_DIR]     (N_BIG=200 N_TOWN=100)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEERS=../shared/peers
BIG=/tmp/peers/data/synthetic_townships_40k.geojson
OUT=${OUT:-var/bench/edit_visible}
FEAT=var/bench/features
N_BIG=${N_BIG:-200} N_TOWN=${N_TOWN:-100}
. bench/lib.sh

# The data: the 40,000 polygons copied from features.sh's import when there is one (this
# run edits them), else imported; the Yan'an data loaded afresh.
[ -f "$BIG" ] || { mkdir -p "$(dirname "$BIG")"; /usr/bin/python3 $PEERS/gen_polygons.py "$BIG" 40000; }
rm -f "$OUT"/big.sqlite* "$OUT"/yanan.sqlite*
if [ -f "$FEAT/big.sqlite" ]; then
  sqlite3 "$FEAT/big.sqlite" ".backup '$OUT/big.sqlite'"
else
  "$BUILD/civgis" import --db "$OUT/big.sqlite" --target places --map category=kind "$BIG" >/dev/null
fi
bash data/load.sh "$BUILD/civgis" "$OUT/yanan.sqlite" >"$OUT/load.log" 2>&1
BIG_OFFICER=$("$BUILD/civgis" user add --db "$OUT/big.sqlite" bench-officer-big --role officer)
TOWN_OFFICER=$("$BUILD/civgis" user add --db "$OUT/yanan.sqlite" bench-officer --role officer)

: >"$OUT/pids"
trap 'kill $(cat "$OUT/pids") 2>/dev/null || true' EXIT
serve() { # NAME DB -> base URL
  rm -f "$OUT/serve.$1"
  "$BUILD/civgis" serve --db "$2" --port 0 --threads 2 --quiet >"$OUT/serve.$1" 2>"$OUT/serve_err.$1" &
  echo $! >>"$OUT/pids"
  for _ in $(seq 100); do grep -q listening "$OUT/serve.$1" && break; sleep 0.1; done
  grep -q listening "$OUT/serve.$1" || bench_fail "civgis serve ($1) did not start: $(cat "$OUT/serve_err.$1")"
  sed -nE 's/listening on (.*)\//\1/p' "$OUT/serve.$1"
}
CB=$(serve big "$OUT/big.sqlite")
CT=$(serve town "$OUT/yanan.sqlite")

echo "## Edit to visible: a boundary PUT until the tile over it shows it"
echo
echo "civgis serve (2 threads, tile cache on), one client, keep-alive; the tile over the"
echo "moved vertex (z12) cached before each PUT. ms; prepare: the server's Server-Timing."
echo
if ! /usr/bin/python3 - "$CB" "$BIG_OFFICER" "$N_BIG" "$CT" "$TOWN_OFFICER" "$N_TOWN" \
    "$OUT" "$BUILD/civgis" >"$OUT/result.txt" 2>"$OUT/python.err" <<'PY'
import http.client, json, math, os, re, statistics, subprocess, sys, time, urllib.parse

big, big_token, n_big, town, town_token, n_town, out, civgis = sys.argv[1:9]
n_big, n_town = int(n_big), int(n_town)


class Client:
    def __init__(self, base, token):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.token = token

    def call(self, method, path, body=None):
        h = {"Authorization": "Bearer " + self.token, "X-Change-Reason": "bench"}
        if body is not None:
            h["Content-Type"] = "application/geo+json"
        self.conn.request(method, path, headers=h,
                          body=json.dumps(body).encode() if body is not None else None)
        r = self.conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def tile_of(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def prepare_ms(h):
    m = re.search(r"prepare;dur=([0-9.]+)", h.get("server-timing", ""))
    return float(m.group(1)) if m else float("nan")


def edits(c, coll, tileset, ids):
    """Per feature: (path, the feature as it is, with vertex k drawn in, the tile path) for
    the first vertex whose move the write rules accept (tried and put back)."""
    out = []
    for fid in ids:
        status, _, raw = c.call("GET", f"/collections/{coll}/items/{fid}")
        if status != 200:
            continue
        f = json.loads(raw)
        f.pop("links", None)
        f["properties"].pop("valid_from", None)
        ring = f["geometry"]["coordinates"][0][0]
        cx = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        cy = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        for k in range(1, len(ring) - 1, max(1, len(ring) // 8)):
            g = json.loads(json.dumps(f))
            r = g["geometry"]["coordinates"][0][0]
            r[k] = [r[k][0] + 0.3 * (cx - r[k][0]), r[k][1] + 0.3 * (cy - r[k][1])]
            path = f"/collections/{coll}/items/{fid}"
            if c.call("PUT", path, g)[0] == 200 and c.call("PUT", path, f)[0] == 200:
                z, (x, y) = 12, tile_of(*ring[k], 12)
                out.append((path, f, g, f"/tiles/{tileset}/{z}/{x}/{y}.mvt"))
                break
    return out


def run(base, token, coll, tileset, ids, n):
    c = Client(base, token)
    _, h, _ = c.call("GET", f"/tiles/{tileset}/12/0/0.mvt")  # the first: a full build
    full = prepare_ms(h)
    todo = edits(c, coll, tileset, ids)
    if not todo:
        raise SystemExit(f"{coll}: no edit the rules accept")
    put, tile, visible, prep, how = [], [], [], [], {}
    for i in range(n):
        path, f, g, tpath = todo[i % len(todo)]
        body = g if (i // len(todo)) % 2 == 0 else f
        c.call("GET", tpath)
        _, h0, _ = c.call("GET", tpath)  # cached now
        t0 = time.perf_counter()
        status, _, raw = c.call("PUT", path, body)
        t1 = time.perf_counter()
        if status != 200:
            raise SystemExit(f"PUT {path}: {status} {raw[:200]!r}")
        for _ in range(100):
            status, h1, _ = c.call("GET", tpath)
            if h1.get("etag") != h0.get("etag"):
                break
        else:
            raise SystemExit(f"{tpath} did not change after PUT {path}")
        t2 = time.perf_counter()
        put.append((t1 - t0) * 1e3)
        tile.append((t2 - t1) * 1e3)
        visible.append((t2 - t0) * 1e3)
        prep.append(prepare_ms(h1))
        d = re.search(r'desc="([a-z]+)', h1.get("server-timing", ""))
        how[d.group(1) if d else "kept"] = how.get(d.group(1) if d else "kept", 0) + 1
    return {"put": put, "tile": tile, "visible": visible, "prepare": prep, "full": full,
            "how": how, "n_features": len(ids), "tiles": sorted({t[3] for t in todo})}


def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


def same_as_fresh(db, base, token, tiles):
    """Tiles the edited server serves against a fresh server's on the same file."""
    ours = Client(base, token)
    proc = subprocess.Popen([civgis, "serve", "--db", db, "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, text=True)
    try:
        fresh = Client(proc.stdout.readline().split()[-1].rstrip("/"), token)
        bad = [t for t in tiles if ours.call("GET", t)[2] != fresh.call("GET", t)[2]]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return len(tiles) - len(bad), len(tiles)


# The 40,000 polygons: 50 of them, spread over the layer; the Yan'an townships: 20.
big_ids = list(range(37, 40000, 797))
con_town = subprocess.run(["sqlite3", os.path.join(out, "yanan.sqlite"),
                           "SELECT code FROM divisions WHERE level = 4 AND valid_to IS NULL "
                           "ORDER BY code"], capture_output=True, text=True, check=True)
town_ids = con_town.stdout.split()[::6]
results = [("40,000 polygons (places)", big, big_token, os.path.join(out, "big.sqlite"),
            run(big, big_token, "places", "places", big_ids, n_big)),
           (f"Yan'an townships ({len(con_town.stdout.split())})", town, town_token,
            os.path.join(out, "yanan.sqlite"),
            run(town, town_token, "townships", "townships", town_ids, n_town))]
print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
print()
print("| layer | PUTs | PUT p50 / p99 | next tile p50 / p99 | PUT to visible p50 / p99 | "
      "prepare p50 / p99 (how) | full build prepare | same as a fresh server |")
print("|---|---|---|---|---|---|---|---|")
for name, base, token, db, r in results:
    same, total = same_as_fresh(db, base, token, r["tiles"])
    how = ", ".join(f"{k} {v}" for k, v in sorted(r["how"].items()))
    print(f"| {name} | {len(r['put'])} | {q(r['put'], .5):.1f} / {q(r['put'], .99):.1f} | "
          f"{q(r['tile'], .5):.1f} / {q(r['tile'], .99):.1f} | "
          f"{q(r['visible'], .5):.1f} / {q(r['visible'], .99):.1f} | "
          f"{q(r['prepare'], .5):.2f} / {q(r['prepare'], .99):.2f} ({how}) | "
          f"{r['full']:.0f} | {same} of {total} tiles |")
    key = "big" if name.startswith("40") else "town"
    print(f"RESULT {key} tile_p99={q(r['tile'], .99):.3f} visible_p50={q(r['visible'], .5):.3f} "
          f"visible_p99={q(r['visible'], .99):.3f} prepare_p50={q(r['prepare'], .5):.4f} "
          f"full={r['full']:.3f} same={same} total={total} rebuilt={r['how'].get('rebuilt', 0)}",
          file=sys.stderr)
PY
then
  bench_fail "the edit-to-visible run failed: $(tail -3 "$OUT/python.err")"
fi
cat "$OUT/result.txt"
echo
res() { sed -nE "s/^RESULT $1 .*$2=([0-9.]+).*/\1/p" "$OUT/python.err"; }
for k in big town; do
  what=$([ $k = big ] && echo "40,000 polygons" || echo "Yan'an townships")
  [ "$(res $k same)" = "$(res $k total)" ] ||
    bench_fail "$what: $(res $k same) of $(res $k total) edited tiles as a fresh server renders them"
  [ "$(res $k rebuilt)" = 0 ] || bench_fail "$what: $(res $k rebuilt) edits rebuilt the layer"
  bench_ratio "edit.next_tile_$k" 50 "$(res $k tile_p99)" "$what: aim 50 ms / next tile after a PUT, p99 ms"
  bench_ratio "edit.update_vs_build_$k" "$(res $k full)" "$(res $k prepare_p50)" \
    "$what: full build prepare ms / in-place update prepare ms, p50"
  if is_num "$(res $k tile_p99)"; then
    printf '%s: next tile p99 %.1f ms (aim under 50 ms); PUT to visible p50 %.1f ms, p99 %.1f ms.\n' \
      "$what" "$(res $k tile_p99)" "$(res $k visible_p50)" "$(res $k visible_p99)"
  fi
done
bench_done
