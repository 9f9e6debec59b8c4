#!/usr/bin/python3
"""Do two OGC API - Features servers answer the same requests with the same features?
(bench/features.sh)

  items_compare.py BASE_A PATHS_A KEY_A BASE_B PATHS_B KEY_B [REPORT]

PATHS_A and PATHS_B hold the same requests, line for line, in each server's spelling
(the timed wrk lists). KEY names a feature in each answer: "id" (the feature id) or
"properties.NAME". Every request is sent to both servers (one keep-alive connection
each) and the two answers' feature keys are compared as sets, page by page. Prints one
line of figures (key=value); the requests whose answers differ go to REPORT (with a few
of the keys on each side only); exits 1 when there is one.
"""
import http.client
import json
import os
import sys
import urllib.parse


class Client:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = u.hostname, u.port or 80, u.path.rstrip("/")
        self.conn = None

    def get(self, path):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("GET", self.prefix + path)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        return None, b""


def keys(body, key):
    doc = json.loads(body)
    out = []
    for f in doc["features"]:
        v = f.get("id") if key == "id" else f.get("properties", {}).get(key.split(".", 1)[1])
        out.append(str(v))
    return out


def main():
    base_a, paths_a, key_a, base_b, paths_b, key_b = sys.argv[1:7]
    report = sys.argv[7] if len(sys.argv) > 7 else os.devnull
    with open(paths_a) as f:
        pa = [line.strip() for line in f if line.strip()]
    with open(paths_b) as f:
        pb = [line.strip() for line in f if line.strip()]
    if len(pa) != len(pb):
        raise SystemExit(f"{paths_a} and {paths_b} differ in length")
    a, b = Client(base_a), Client(base_b)
    same = feats = full = 0
    bad = []
    for x, y in zip(pa, pb):
        sa, ba = a.get(x)
        sb, bb = b.get(y)
        if sa != 200 or sb != 200:
            bad.append(f"{x}: HTTP {sa} / {sb}")
            continue
        ka, kb = keys(ba, key_a), keys(bb, key_b)
        limit = urllib.parse.parse_qs(urllib.parse.urlsplit(x).query).get("limit", ["0"])[0]
        full += len(ka) == int(limit)
        feats += len(ka)
        if len(ka) == len(kb) and set(ka) == set(kb) and len(set(ka)) == len(ka):
            same += 1
            continue
        only_a, only_b = sorted(set(ka) - set(kb)), sorted(set(kb) - set(ka))
        bad.append(f"{x}: {len(ka)} / {len(kb)} features; only A {only_a[:5]}; "
                   f"only B {only_b[:5]}")
    with open(report, "w") as f:
        f.write("\n".join(bad) + ("\n" if bad else ""))
    print(f"requests={len(pa)} same={same} features={feats} full_pages={full} "
          f"mismatches={len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
