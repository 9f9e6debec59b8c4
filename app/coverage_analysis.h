/*
 * The coverage analysis as one call: load demand and facilities from the store (gis/),
 * run plan/coverage with the geodesic metric, aggregate by township, county and city,
 * and write a summary (JSON), the points (GeoJSON) or a table (CSV). The CLI and the
 * OGC API - Processes handler both use it, so they answer alike.
 */
#ifndef CIVGIS_COVERAGE_ANALYSIS_H
#define CIVGIS_COVERAGE_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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

enum coverage_format {
    COVERAGE_SUMMARY, /* JSON: totals, by_division, county_ranking */
    COVERAGE_GEOJSON, /* demand points with covered, nearest_id, nearest_m, n_within */
    COVERAGE_CSV,
};

/* Runs the analysis on st and writes it to f. Input errors (unknown kind, weight,
 * status or scenario, negative radius) are GIS_ERR_INVALID_ARG with a message. */
enum gis_status coverage_analysis_write(struct store *st,
                                        const struct coverage_params *p,
                                        enum coverage_format fmt,
                                        FILE *f,
                                        struct gis_error *err);

#endif
