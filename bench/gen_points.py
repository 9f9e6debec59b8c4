#!/usr/bin/python3
"""SYNTHETIC national-size demand and facility points for the coverage benchmark.

  gen_points.py OUT_DIR [N_DEMAND=700000] [N_FACILITIES=100000]

Writes demand.csv (code,lon,lat,population,elderly_60plus) and facilities.csv
(id,kind,name,lon,lat,capacity) over mainland China's box, clustered like settlements.
Deterministic (fixed seed). Standard library only.
"""
import csv
import os
import random
import sys


def main():
    out = sys.argv[1]
    nd = int(sys.argv[2]) if len(sys.argv) > 2 else 700000
    nf = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    rnd = random.Random(20261128)
    os.makedirs(out, exist_ok=True)
    centres = [(rnd.uniform(98, 122), rnd.uniform(22, 44)) for _ in range(3000)]

    def point():
        cx, cy = rnd.choice(centres)
        return round(cx + rnd.gauss(0, 0.35), 6), round(cy + rnd.gauss(0, 0.3), 6)

    with open(os.path.join(out, "demand.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "lon", "lat", "population", "elderly_60plus"])
        for i in range(nd):
            x, y = point()
            pop = rnd.randint(200, 5000)
            w.writerow([f"D{i:07d}", x, y, pop, pop // 5])
    with open(os.path.join(out, "facilities.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "kind", "name", "lon", "lat", "capacity"])
        for i in range(nf):
            x, y = point()
            w.writerow([f"F{i:06d}", "mutual_aid_home", f"home {i}", x, y, rnd.randint(10, 80)])


if __name__ == "__main__":
    main()
