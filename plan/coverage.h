/*
 * Coverage: for every demand point, the nearest facility, whether one lies within its
 * reach, and how many do; optionally, nearest-first assignment of demand to facility
 * capacities. Pure: arrays in, arrays out, no SQL, no globals. A uniform grid over the
 * facilities keeps the work near-linear instead of all pairs.
 */
#ifndef CIVGIS_COVERAGE_H
#define CIVGIS_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "status.h"

struct coverage_input {
    const struct plan_metric *metric;
    size_t n_demand;
    const double *demand_xy; /* x0, y0, x1, y1, ... */
    const double *weight;    /* per demand point, >= 0 */
    size_t n_facilities;
    const double *facility_xy;
    const double *reach_m;  /* per facility: covered when distance <= reach */
    const double *capacity; /* per facility, or NULL: no capacity mode */
    unsigned threads;       /* worker threads for the per-point work; 0 or 1: none */
};

struct coverage_point {
    int64_t nearest;   /* facility index, -1 when there are no facilities */
    double nearest_m;  /* distance to it (INFINITY when none) */
    uint32_t n_within; /* facilities whose reach includes the point */
    bool is_covered;   /* n_within > 0 */
    double served;     /* capacity mode: weight assigned to facilities (else 0) */
};

struct coverage_result {
    size_t n_points;
    struct coverage_point *points; /* n_points entries, owned */
    double demand_total, demand_covered;
    size_t points_covered;
    bool has_capacity;
    double demand_served;   /* capacity mode: assigned within reach and capacity */
    double demand_unserved; /* capacity mode: demand_total - demand_served */
};

/* Runs the analysis. out: filled on success; release with coverage_result_free. Fails
 * (GIS_ERR_INVALID_ARG) on negative or non-finite weights, reaches or capacities. */
enum gis_status
coverage_run(const struct coverage_input *in, struct coverage_result *out, struct gis_error *err);

void coverage_result_free(struct coverage_result *r);

/* Sums of a result by group: group_of[i] is point i's group (0..n_groups-1, or -1 to
 * skip). out arrays (n_groups each, caller-allocated) receive demand totals, covered
 * demand, points and covered points. */
void coverage_aggregate(const struct coverage_result *r,
                        const double *weight,
                        const int32_t *group_of,
                        size_t n_groups,
                        double *out_total,
                        double *out_covered,
                        size_t *out_points,
                        size_t *out_points_covered);

#endif
