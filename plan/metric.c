/*
 * The planar metric and the spherical one of the MCLP benchmarks. (The geodesic one is
 * plan/geodist.c, with PROJ's geodesic routines.)
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

#define SPHERE_R_M 6378100.0
#define DEG        (M_PI / 180.0)

static double sphere_distance(const struct plan_metric *m, const double a[2], const double b[2])
{
    double c = cos(a[1] * DEG) * cos(b[1] * DEG) * cos((a[0] - b[0]) * DEG) +
               sin(a[1] * DEG) * sin(b[1] * DEG);

    (void)m;
    return (double)(float)(acos(fmax(-1.0, fmin(1.0, c))) * SPHERE_R_M);
}

/* Bounds with 1% slack, as the geodesic metric's (a parallel's arc is longer than the
 * great circle between its ends only by a relative (dlon sin(phi))^2 / 24). */
static double sphere_min_per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = fmin(fmax(fabs(y_lo), fabs(y_hi)), 89.9);

    (void)m;
    return SPHERE_R_M * DEG * 0.99 * cos(lat * DEG);
}

static double sphere_max_per_x(const struct plan_metric *m, double y_lo, double y_hi)
{
    double lat = (y_lo <= 0 && y_hi >= 0) ? 0.0 : fmin(fabs(y_lo), fabs(y_hi));

    (void)m;
    return SPHERE_R_M * DEG * 1.01 * cos(fmin(lat, 90.0) * DEG);
}

static double sphere_min_per_y(const struct plan_metric *m)
{
    (void)m;
    return SPHERE_R_M * DEG * 0.99;
}

static double sphere_max_per_y(const struct plan_metric *m)
{
    (void)m;
    return SPHERE_R_M * DEG * 1.01;
}

const struct plan_metric PLAN_METRIC_SPHERE = {
    .distance = sphere_distance,
    .min_m_per_x = sphere_min_per_x,
    .min_m_per_y = sphere_min_per_y,
    .max_m_per_x = sphere_max_per_x,
    .max_m_per_y = sphere_max_per_y,
    .ctx = NULL,
};

const struct plan_metric PLAN_METRIC_PLANAR = {
    .distance = planar_distance,
    .min_m_per_x = planar_per_x,
    .min_m_per_y = planar_per_y,
    .max_m_per_x = planar_per_x,
    .max_m_per_y = planar_per_y,
    .ctx = NULL,
};
