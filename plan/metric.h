/*
 * The distance interface of plan/: how far apart two points are, in metres, and how
 * coordinate differences bound that distance from below (which lets the grid index
 * prune). gis/ supplies the geodesic metric (PROJ's geodesic routines on WGS84); plan/
 * has the planar one. A road-network travel time can implement the same interface.
 */
#ifndef CIVGIS_METRIC_H
#define CIVGIS_METRIC_H

struct plan_metric;

typedef double (*plan_distance_fn)(const struct plan_metric *m,
                                   const double a[2],
                                   const double b[2]);

struct plan_metric {
    plan_distance_fn distance;
    /* Lower bounds, near latitude band [y_lo, y_hi], of the metres that one coordinate
     * unit of x or of y is worth: any two points dx apart in x are at least
     * dx * min_m_per_x(y_lo, y_hi) metres apart. */
    double (*min_m_per_x)(const struct plan_metric *m, double y_lo, double y_hi);
    double (*min_m_per_y)(const struct plan_metric *m);
    /* Upper bounds likewise: the path along a meridian then a parallel is at most
     * dy * max_m_per_y + dx * max_m_per_x, so no two points are farther apart. */
    double (*max_m_per_x)(const struct plan_metric *m, double y_lo, double y_hi);
    double (*max_m_per_y)(const struct plan_metric *m);
    /* Optional (NULL: none): a cheap distance, with in *err a bound of how far it can be
     * from `distance` (INFINITY where it cannot say). A caller comparing a distance with
     * a threshold calls `distance` only when the two are closer than the error. */
    double (*approx)(const struct plan_metric *m,
                     const double a[2],
                     const double b[2],
                     double *err);
    void *ctx;
};

/* Euclidean distance of planar coordinates already in metres. */
extern const struct plan_metric PLAN_METRIC_PLANAR;

/* Great circle on a sphere of radius 6,378,100 m by the spherical law of cosines,
 * rounded to float: the distance of the published city-scale MCLP benchmarks (Maximo
 * et al.), so their optima can be checked. x = longitude, y = latitude, degrees. */
extern const struct plan_metric PLAN_METRIC_SPHERE;

#endif
