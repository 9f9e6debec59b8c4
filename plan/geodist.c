/*
 * Geodesic distances through PROJ's geodesic.h (arithmetic only: plan/ stays free of
 * I/O), and the lower bounds the coverage grid prunes with.
 */
#include "geodist.h"

#include <math.h>
#include <stddef.h>

/* A degree of latitude is at least 110,574 m (at the equator); a degree of longitude at
 * latitude phi at least 111,319 m * cos(phi) on the ellipsoid. 1% slack keeps the bounds
 * safe against rounding. */
#define M_PER_DEG_LAT_MIN (110574.0 * 0.99)
#define M_PER_DEG_LON_EQ  (111319.0 * 0.99)

double geodist_distance(
    const struct geodist_metric *gm, double lon1, double lat1, double lon2, double lat2)
{
    double s12 = 0;

    geod_inverse(&gm->geod, lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}

static double distance(const struct plan_metric *m, const double a[2], const double b[2])
{
    return geodist_distance((const struct geodist_metric *)m, a[0], a[1], b[0], b[1]);
}

/* cos(lat) rounded down: lat rounded up to the metric's table (cos falls with the angle),
 * lat in [0, 90]. */
static double cos_below(const struct plan_metric *m, double lat)
{
    double k = ceil(lat * (GEODIST_COS_STEPS / 90.0));
    return ((const struct geodist_metric *)m)
        ->cos_table[k > GEODIST_COS_STEPS ? GEODIST_COS_STEPS
                    : k < 0               ? 0
                                          : (int)k];
}

/* cos(lat) rounded up: lat rounded down to the table. */
static double cos_above(const struct plan_metric *m, double lat)
{
    double k = floor(lat * (GEODIST_COS_STEPS / 90.0));
    return ((const struct geodist_metric *)m)
        ->cos_table[k > GEODIST_COS_STEPS ? GEODIST_COS_STEPS
                    : k < 0               ? 0
                                          : (int)k];
}

static double per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = fmin(fmax(fabs(y_lo), fabs(y_hi)), 89.9);

    return M_PER_DEG_LON_EQ * cos_below(m, lat);
}

/* A degree of latitude is at most 111,694 m (at the poles); of longitude at most
 * 111,320 m * cos(phi) at the latitude nearest the equator. 1% slack. */
static double max_per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = (y_lo <= 0 && y_hi >= 0) ? 0.0 : fmin(fabs(y_lo), fabs(y_hi));

    return 111320.0 * 1.01 * cos_above(m, fmin(lat, 90.0));
}

static double max_per_y(const struct plan_metric *m)
{
    (void)m;
    return 111694.0 * 1.01;
}

static double per_y(const struct plan_metric *m)
{
    (void)m;
    return M_PER_DEG_LAT_MIN;
}

/* The ellipsoid's tangent plane at the pair's mean latitude, with the meridional (M)
 * and prime-vertical (N) radii of curvature there. Within 10 km and 80 degrees of
 * latitude it stays within 4e-6 of the geodesic's length (tests/unit/test_coverage.c
 * measures it against Karney's on random pairs), so 1e-4 of the distance, 25 times
 * that, bounds its error; beyond, it says nothing. Most pairs a coverage scan meets are
 * then decided by a few multiplications instead of an iterative geodesic solution. */
#define APPROX_MAX_M   10000.0
#define APPROX_MAX_LAT 80.0
#define APPROX_REL_ERR 1e-4

static double approx(const struct plan_metric *m, const double a[2], const double b[2], double *err)
{
    const struct geod_geodesic *g = &((const struct geodist_metric *)m)->geod;
    double e2 = g->f * (2 - g->f), rad = M_PI / 180.0;
    double lat = (a[1] + b[1]) * 0.5 * rad, s = sin(lat), w2 = 1 - e2 * s * s, w = sqrt(w2);
    double dlon = b[0] - a[0], x, y, d;

    dlon += dlon > 180 ? -360 : dlon < -180 ? 360 : 0;
    x = g->a / w * cos(lat) * dlon * rad;
    y = g->a * (1 - e2) / (w2 * w) * (b[1] - a[1]) * rad;
    d = sqrt(x * x + y * y);
    *err = d <= APPROX_MAX_M && fabs(a[1]) <= APPROX_MAX_LAT && fabs(b[1]) <= APPROX_MAX_LAT
               ? APPROX_REL_ERR * d + 1e-6
               : INFINITY;
    return d;
}

void geodist_metric_init(struct geodist_metric *gm)
{
    gm->metric.distance = distance;
    gm->metric.min_m_per_x = per_x;
    gm->metric.min_m_per_y = per_y;
    gm->metric.max_m_per_x = max_per_x;
    gm->metric.max_m_per_y = max_per_y;
    gm->metric.approx = approx;
    gm->metric.ctx = gm;
    geod_init(&gm->geod, 6378137.0, 1.0 / 298.257223563);
    for (int i = 0; i < GEODIST_COS_STEPS; i++)
        gm->cos_table[i] = cos((double)i * (90.0 / GEODIST_COS_STEPS) * M_PI / 180.0);
    gm->cos_table[GEODIST_COS_STEPS] = 0; /* cos(90 degrees) in doubles is 6e-17; 0 is safe */
}
