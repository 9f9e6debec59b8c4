/*
 * Coverage answers (app/coverage_analysis.h) as the CLI and the coverage process give
 * them: a summary in JSON (totals, by_division, county_ranking), the demand points as
 * GeoJSON (covered, nearest_id, nearest_m, n_within) or as a CSV table.
 */
#ifndef CIVGIS_COVERAGE_RENDER_H
#define CIVGIS_COVERAGE_RENDER_H

#include <stdio.h>

#include "coverage_analysis.h"
#include "status.h"
#include "store.h"

enum coverage_format {
    COVERAGE_SUMMARY, /* JSON: totals, by_division, county_ranking */
    COVERAGE_GEOJSON, /* demand points with covered, nearest_id, nearest_m, n_within */
    COVERAGE_CSV,
};

/* Writes a to f in fmt. */
enum gis_status coverage_render_write(const struct coverage_analysis *a,
                                      enum coverage_format fmt,
                                      FILE *f,
                                      struct gis_error *err);

/* Runs the analysis on st (coverage_analysis_run) and writes it to f. */
enum gis_status coverage_render_run(struct store *st,
                                    const struct coverage_params *p,
                                    enum coverage_format fmt,
                                    FILE *f,
                                    struct gis_error *err);

#endif
