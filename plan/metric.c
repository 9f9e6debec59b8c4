/*
 * The planar metric. (The geodesic one lives in gis/geodesic.c, with PROJ.)
 */
#include "metric.h"

#include <math.h>
#include <stddef.h>

static double planar_distance(const struct plan_metric *m, const double a[2], const double b[2])
{
    (void)m;
    return hypot(a[0] - b[0], a[1] - b[1]);
}

static double planar_per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    (void)m;
    (void)y_lo;
    (void)y_hi;
    return 1.0;
}

static double planar_per_y(const struct plan_metric *m)
{
    (void)m;
    return 1.0;
}

const struct plan_metric PLAN_METRIC_PLANAR = {
    .distance = planar_distance,
    .min_m_per_x = planar_per_x,
    .min_m_per_y = planar_per_y,
    .max_m_per_x = planar_per_x,
    .max_m_per_y = planar_per_y,
    .ctx = NULL,
};
