/*
 * The coverage analysis as one call: load demand and facilities from the store (gis/),
 * run plan/coverage with the geodesic metric and aggregate by township, county and city.
 * The answer is a struct; the CLI and the OGC API - Processes handler render it alike
 * (server/coverage_render.h: a summary in JSON, the points in GeoJSON or CSV).
 */
#ifndef CIVGIS_COVERAGE_ANALYSIS_H
#define CIVGIS_COVERAGE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage.h"
#include "coverage_data.h"
#include "status.h"
#include "store.h"

struct coverage_params {
    const char *kinds;    /* comma list of facility kinds, required */
    const char *statuses; /* comma list; NULL: operating */
    int64_t scenario;     /* < 0: none */
    double radius_m;      /* > 0: overrides the service standards */
    const char *weight;   /* demand weight field */
    bool has_capacity;    /* nearest-first assignment up to capacities */
    bool has_timings;     /* the summary adds seconds_load and seconds_compute */
};

/* The demand of one division (a city, county or township) and how much of it is
 * covered. The strings are borrowed from the analysis. */
struct coverage_division {
    const char *code, *name;
    int level; /* 2 city, 3 county, 4 township */
    double demand_total, demand_covered;
    size_t points_total, points_covered;
};

#define COVERAGE_RANKING_MAX 64 /* counties ranked at most */

struct coverage_analysis {
    struct coverage_params params; /* as given: the strings are the caller's */
    struct demand_set demand;      /* the points, in the order of result.points */
    struct facility_set facilities;
    struct coverage_result result;
    /* Every division with demand points: the city, then counties, then townships,
     * each level in code order. */
    struct coverage_division *divisions;
    size_t n_divisions;
    /* The counties (at most COVERAGE_RANKING_MAX), best covered share first: rank k+1. */
    struct coverage_division *ranking;
    size_t n_ranking;
    double seconds_load;         /* reading demand, facilities and divisions from the store */
    double seconds_compute;      /* the analysis alone, as a benchmark sets it against another
                                    tool's compute time */
    struct division_names names; /* owns the divisions' strings */
};

/* Runs the analysis on st. Input errors (unknown kind, weight, status or scenario,
 * negative radius) are GIS_ERR_INVALID_ARG with a message. out: freed with
 * coverage_analysis_free; p's strings must outlive it. */
enum gis_status coverage_analysis_run(struct store *st,
                                      const struct coverage_params *p,
                                      struct coverage_analysis **out,
                                      struct gis_error *err);

/* The covered share of a division's demand (0 when it has none). */
double coverage_division_share(const struct coverage_division *d);

/* NULL is a no-op. */
void coverage_analysis_free(struct coverage_analysis *a);

#endif
