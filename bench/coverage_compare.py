#!/usr/bin/python3
"""Do civgis and the coverage peer cover the same points? (bench/coverage.sh)

  coverage_compare.py CIVGIS_CSV PEER_NPZ DEMAND_CSV FACILITIES_CSV RADIUS_M TOLERANCE [REPORT]

CIVGIS_CSV: `civgis coverage --format csv` (code, covered, nearest_id, nearest_m, ...).
PEER_NPZ: bench/coverage_peer.py's answers in DEMAND_CSV order (covered, nearest: a row of
FACILITIES_CSV, nearest_m). TOLERANCE: the largest share of the points whose answers may
differ, e.g. 0.001.

Every point whose covered flag differs needs a reason, checked here:
  "k-d nearest not geodesic nearest": civgis covers it and the peer does not; the
    peer's nearest (a planar k-d tree on longitude scaled by the cosine of the mean
    latitude, then the geodesic to that one facility) is beyond the reach, while the
    facility civgis names is within it by pyproj's geodesic, recomputed here. The peer
    misses it; civgis is right.
  "at the reach": the two distances straddle the reach by under a millimetre.
Anything else is unexplained. Prints one line of figures (key=value) and the points
that differ to REPORT; exits 1 when a difference is unexplained or there are more
than TOLERANCE of the points.
"""
import csv
import sys

import numpy as np
from pyproj import Geod


def main():
    civgis_csv, peer_npz, demand_csv, fac_csv, radius, tol = sys.argv[1:7]
    report = sys.argv[7] if len(sys.argv) > 7 else "/dev/null"
    radius, tol = float(radius), float(tol)
    with open(demand_csv, newline="") as f:
        demand = [(r["code"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]
    with open(fac_csv, newline="") as f:
        fac = [(r["id"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]
    fac_at = {fid: (lon, lat) for fid, lon, lat in fac}
    civ = {}
    with open(civgis_csv, newline="") as f:
        for r in csv.DictReader(f):
            civ[r["code"]] = (r["covered"] == "1", r["nearest_id"], float(r["nearest_m"]))
    peer = np.load(peer_npz)
    p_cov, p_near, p_m = peer["covered"], peer["nearest"], peer["nearest_m"]
    if len(p_cov) != len(demand) or len(civ) != len(demand):
        raise SystemExit(f"coverage_compare: {len(demand)} points, civgis answered "
                         f"{len(civ)}, the peer {len(p_cov)}")
    geod = Geod(ellps="WGS84")
    why, bad, lines = {}, 0, []
    for i, (code, lon, lat) in enumerate(demand):
        c_cov, c_id, c_m = civ[code]
        if c_cov == bool(p_cov[i]):
            continue
        p_id = fac[int(p_near[i])][0]
        reason = None
        if c_cov and p_m[i] > radius and c_id != p_id and c_id in fac_at:
            _, _, m = geod.inv(lon, lat, *fac_at[c_id])
            if m <= radius:
                reason = "k-d nearest not geodesic nearest"
        if reason is None and abs(c_m - radius) < 1e-3 and abs(p_m[i] - radius) < 1e-3:
            reason = "at the reach"
        if reason:
            why[reason] = why.get(reason, 0) + 1
        else:
            bad += 1
        lines.append(f"{code}: civgis {'covered' if c_cov else 'not covered'} by {c_id} at "
                     f"{c_m:.3f} m; peer {'covered' if p_cov[i] else 'not covered'}, nearest "
                     f"{p_id} at {p_m[i]:.3f} m: {reason or 'UNEXPLAINED'}")
    with open(report, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    n = len(demand)
    differ = len(lines)
    expl = ",".join(f"{k.replace(' ', '_')}:{v}" for k, v in sorted(why.items())) or "none"
    print(f"points={n} covered_civgis={sum(1 for v in civ.values() if v[0])} "
          f"covered_peer={int(p_cov.sum())} differ={differ} explained={expl} "
          f"unexplained={bad} tolerance={tol:g} allowed={int(tol * n)}")
    return 1 if bad or differ > tol * n else 0


if __name__ == "__main__":
    sys.exit(main())
