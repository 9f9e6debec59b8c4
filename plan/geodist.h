/*
 * The geodesic metric on the WGS84 ellipsoid (PROJ's geodesic routines, Karney's
 * algorithm: exact to nanometres), as a plan_metric for plan/. x = longitude,
 * y = latitude, in degrees.
 */
#ifndef CIVGIS_GEODIST_H
#define CIVGIS_GEODIST_H

#include <geodesic.h>

#include "metric.h"

/* cos at every tenth of a degree of latitude: the grid bounds are asked for per cell
 * ring, and cos itself took a tenth of a national coverage run. */
#define GEODIST_COS_STEPS 900

struct geodist_metric {
    struct plan_metric metric; /* first: a geodist_metric is a plan_metric */
    struct geod_geodesic geod;
    double cos_table[GEODIST_COS_STEPS + 1];
};

/* Initialises gm; &gm->metric is then usable by any thread (read-only). */
void geodist_metric_init(struct geodist_metric *gm);

/* Geodesic distance in metres between (lon1, lat1) and (lon2, lat2). */
double geodist_distance(
    const struct geodist_metric *gm, double lon1, double lat1, double lon2, double lat2);

#endif
