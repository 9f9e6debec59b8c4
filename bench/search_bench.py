"""Gazetteer search latency for bench/search.sh.

  python3 bench/search_bench.py queries DB OUT N [SEED]   write N mixed queries (TSV: kind, q)
  python3 bench/search_bench.py run BASE_URL QUERIES      time GET /search for each

The mix is what people type: whole names, their specific part, Hanzi prefixes and
substrings of one to three characters, pinyin with and without tones and spaces, pinyin
prefixes, initials and code prefixes, drawn from the gazetteer's own names. `run` asks
them one after another over one keep-alive connection (latency, not throughput) after
a warm-up pass, and prints p50/p90/p99/max in ms as JSON, overall and per kind."""
import http.client
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
import urllib.parse

GENERICS = ("社区居委会", "村委会", "街道", "社区", "小学", "公园", "广场", "水库", "镇", "乡",
            "村", "路", "街", "桥", "县", "区", "市")


def specific(name):
    for g in GENERICS:
        if name.endswith(g) and len(name) > len(g):
            return name[:-len(g)]
    return name


def toneless(pinyin):
    s = unicodedata.normalize("NFD", pinyin)
    return "".join(c for c in s if c.isascii() and c.isalpha()).lower()


def names_of(db):
    """(name, pinyin, code, syllable initials) of every current standard name, the
    initials as the index has them."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT e.name, e.pinyin, CASE e.target WHEN 'divisions' THEN e.feature"
                       " END, f.inifull FROM search_entries e JOIN names_fts f ON f.rowid = e.id"
                       " WHERE e.kind = 'standard'").fetchall()
    con.close()
    return rows


def romanise(civgis, names):
    """The generated pinyin of names the store has none for (the national set)."""
    out = subprocess.run([civgis, "names", "pinyin", *names], capture_output=True, text=True,
                         check=True).stdout
    return dict(line.split("\t")[:2] for line in out.splitlines())


def make_queries(db, out, n, seed, civgis="build/civgis"):
    rng = random.Random(seed)
    rows = names_of(db)
    picks = [rng.choice(rows) for _ in range(n)]
    missing = [r[0] for r in picks if not r[1]]
    roman = {}
    for i in range(0, len(missing), 200):
        roman.update(romanise(civgis, missing[i:i + 200]))
    has_codes = any(r[2] for r in rows[:1000])
    kinds = [("whole", 15), ("specific", 10), ("hanzi_prefix", 10), ("hanzi_2", 20),
             ("hanzi_1", 5), ("hanzi_3", 5), ("pinyin", 10), ("pinyin_tones", 10),
             ("pinyin_prefix", 5), ("initials", 5), ("code", 5 if has_codes else 0)]
    pool = [k for k, w in kinds for _ in range(w)]
    with open(out, "w", encoding="utf-8") as f:
        for name, pinyin, code, inis in picks:
            pinyin = pinyin or roman.get(name, "")
            kind = rng.choice(pool)
            q = query(rng, kind, name, pinyin, code, (inis or "").split(" ")[0])
            if not q:
                kind, q = "whole", name
            f.write(f"{kind}\t{q}\n")


def query(rng, kind, name, pinyin, code, inis):
    spec = specific(name)
    words = pinyin.split()
    if kind == "whole":
        return name
    if kind == "specific":
        return spec
    if kind == "hanzi_prefix":
        return name[:rng.randint(1, max(1, min(3, len(name) - 1)))]
    if kind.startswith("hanzi_"):
        k = int(kind[-1])
        if len(name) < k:
            return None
        i = rng.randint(0, len(name) - k)
        return name[i:i + k]
    if kind == "pinyin":
        return toneless(words[0]) if words else None
    if kind == "pinyin_tones":
        return " ".join(words).lower() if words else None
    if kind == "pinyin_prefix":
        t = toneless(pinyin)
        return t[:rng.randint(2, max(2, min(6, len(t))))] if t else None
    if kind == "initials":
        return inis[:rng.randint(2, max(2, len(inis)))] if inis else None
    if kind == "code":
        return code[:rng.randint(4, len(code))] if code else None
    return None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(base, queries):
    u = urllib.parse.urlparse(base)
    con = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    with open(queries, encoding="utf-8") as f:
        qs = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    times, by_kind, found = [], {}, 0
    for rep in range(2):  # the first pass warms the caches
        for kind, q in qs:
            path = "/search?" + urllib.parse.urlencode({"q": q, "limit": 10})
            t0 = time.perf_counter()
            con.request("GET", path)
            r = con.getresponse()
            body = r.read()
            dt = (time.perf_counter() - t0) * 1000
            if r.status != 200:
                raise SystemExit(f"{path}: HTTP {r.status} {body[:200]!r}")
            if rep == 1:
                times.append(dt)
                by_kind.setdefault(kind, []).append(dt)
                found += bool(json.loads(body)["features"])
    con.close()

    def summary(xs):
        return {"n": len(xs), "p50": round(statistics.median(xs), 3), "p90": round(pct(xs, 90), 3),
                "p99": round(pct(xs, 99), 3), "max": round(max(xs), 3)}
    print(json.dumps({"all": summary(times), "with_results": found,
                      "kinds": {k: summary(v) for k, v in sorted(by_kind.items())}},
                     ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "queries":
        make_queries(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                     int(sys.argv[5]) if len(sys.argv) > 5 else 16,
                     sys.argv[6] if len(sys.argv) > 6 else "build/civgis")
    elif sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
