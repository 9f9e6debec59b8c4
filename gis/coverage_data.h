/*
 * What coverage and site selection read from the store: demand points with a chosen
 * weight, facilities chosen by kind, status and scenario with their reach, and the
 * division names that aggregates are reported under. Plain arrays out, for plan/.
 */
#ifndef CIVGIS_COVERAGE_DATA_H
#define CIVGIS_COVERAGE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

/* "unit", "population", "elderly_60plus", "poor_households", "poor_people",
 * "assisted_households". */
enum gis_status demand_weight_check(const char *name, struct gis_error *err);

/* Whether the weight is a sensitive social-assistance count (poor_households,
 * poor_people, assisted_households): who may use it is the caller's policy. Unknown
 * names are not sensitive (demand_weight_check rejects them). */
bool demand_weight_is_sensitive(const char *name);

struct demand_set {
    size_t n;
    double *xy;     /* lon, lat */
    double *weight; /* the chosen weight */
    char **code;    /* owned strings */
    char **name;
    char **division; /* township code, may be "" */
};

enum gis_status demand_set_load(struct store *st,
                                const char *weight,
                                struct demand_set *out,
                                struct gis_error *err);
void demand_set_free(struct demand_set *d);

struct facility_query {
    const char *kinds;    /* comma list, required */
    const char *statuses; /* comma list; NULL: operating */
    int64_t scenario;     /* also that scenario's proposals; < 0: none */
    double radius_m;      /* > 0: overrides the service standards */
};

struct facility_set {
    size_t n;
    double *xy;
    double *reach_m;
    double *capacity; /* 0 where unknown */
    char **fid;
    char **kind;
};

/* Unknown kinds or statuses, a kind without a service standard (and no radius), a
 * negative radius or an unknown scenario fail with GIS_ERR_INVALID_ARG. */
enum gis_status facility_set_load(struct store *st,
                                  const struct facility_query *q,
                                  struct facility_set *out,
                                  struct gis_error *err);
void facility_set_free(struct facility_set *f);

struct division_names {
    size_t n;
    char **code;
    char **name;
    int *level;
};

/* Current divisions of levels 2..4 (city, counties, townships), by code. */
enum gis_status
division_names_load(struct store *st, struct division_names *out, struct gis_error *err);
void division_names_free(struct division_names *d);

#endif
