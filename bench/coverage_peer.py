#!/usr/bin/python3
"""The coverage peer: the same job in Python with Debian's python3-geopandas,
python3-scipy and python3-pyproj: GeoDataFrames of the points, the nearest facility of
every demand point (a k-d tree on lon/lat: Debian 12's GeoPandas 0.12 with Shapely 1.8
cannot run sjoin_nearest, which needs PyGEOS or Shapely 2), then the geodesic distance
of that pair (pyproj.Geod), covered when within the radius, and the covered weight. It
does not count the facilities within reach (civgis does), so it does less work.

  coverage_peer.py DEMAND_CSV FACILITIES_CSV RADIUS_M [POINTS_NPZ] -> one JSON line

POINTS_NPZ: after the timed part, every point's answer in demand-file order (covered,
nearest: the row of the facility in its file, nearest_m), for
bench/coverage_compare.py; numpy's own format, so that writing it costs the run next
to nothing (tens of milliseconds for 700,000 points).
"""
import json
import sys
import time

t0 = time.perf_counter()
import geopandas as gpd  # noqa: E402  (import time counts: it is part of the pipeline)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from pyproj import Geod  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

demand_csv, fac_csv, radius = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = pd.read_csv(demand_csv)
f = pd.read_csv(fac_csv)
gd = gpd.GeoDataFrame(d, geometry=gpd.points_from_xy(d.lon, d.lat), crs=4326)
gf = gpd.GeoDataFrame(f[["id", "lon", "lat"]].rename(columns={"lon": "flon", "lat": "flat"}),
                      geometry=gpd.points_from_xy(f.lon, f.lat), crs=4326)
t1 = time.perf_counter()
# Nearest in lon/lat scaled by cos(latitude) (a local equirectangular view): the
# geodesic nearest can differ from it at the margins, in the peer's favour (less work).
scale = np.cos(np.radians(gd.geometry.y.mean()))
tree = cKDTree(np.column_stack([gf.geometry.x * scale, gf.geometry.y]))
_, idx = tree.query(np.column_stack([gd.geometry.x * scale, gd.geometry.y]), workers=-1)
near = gf.iloc[idx]
_, _, dist = Geod(ellps="WGS84").inv(gd.geometry.x.values, gd.geometry.y.values,
                                     near.flon.values, near.flat.values)
covered = dist <= radius
j = gd
t2 = time.perf_counter()
print(json.dumps({"points": int(len(j)), "points_covered": int(covered.sum()),
                  "demand_covered": float(j.elderly_60plus.values[covered].sum()),
                  "seconds_total": round(t2 - t0, 3), "seconds_compute": round(t2 - t1, 3)}))
if len(sys.argv) > 4:
    with open(sys.argv[4], "wb") as out:
        np.savez(out, covered=covered, nearest=np.asarray(idx), nearest_m=dist)
