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

static double per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = fmin(fmax(fabs(y_lo), fabs(y_hi)), 89.9);

    (void)m;
    return M_PER_DEG_LON_EQ * cos(lat * M_PI / 180.0);
}

/* A degree of latitude is at most 111,694 m (at the poles); of longitude at most
 * 111,320 m * cos(phi) at the latitude nearest the equator. 1% slack. */
static double max_per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = (y_lo <= 0 && y_hi >= 0) ? 0.0 : fmin(fabs(y_lo), fabs(y_hi));

    (void)m;
    return 111320.0 * 1.01 * cos(fmin(lat, 90.0) * M_PI / 180.0);
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

void geodist_metric_init(struct geodist_metric *gm)
{
    gm->metric.distance = distance;
    gm->metric.min_m_per_x = per_x;
    gm->metric.min_m_per_y = per_y;
    gm->metric.max_m_per_x = max_per_x;
    gm->metric.max_m_per_y = max_per_y;
    gm->metric.ctx = gm;
    geod_init(&gm->geod, 6378137.0, 1.0 / 298.257223563);
}
