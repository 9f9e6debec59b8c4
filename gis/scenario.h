/*
 * Site-selection runs kept as scenarios: one row in `scenarios` (problem, parameters,
 * results as JSON) and its proposed sites as facilities with status 'planned' and the
 * scenario id, so coverage (--scenario) and the scenario-N collection see them. Also
 * the township seats (a point on each township's surface) as candidate sites.
 */
#ifndef CIVGIS_SCENARIO_H
#define CIVGIS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

struct scenario_site {
    const char *name;
    const char *division_code; /* may be NULL */
    double lon, lat;
    double capacity; /* < 0: unknown */
};

struct scenario_record {
    const char *name, *problem;
    const char *kind; /* of the proposed facilities */
    const char *params_json, *results_json;
    const char *user;
    bool is_replace; /* a scenario of that name is replaced, not a conflict */
};

/* Saves in one transaction (with the replaced scenario's removal, if any): a name
 * already used fails with GIS_ERR_CONFLICT unless is_replace, and a failure stores and
 * removes nothing. Inside a transaction the caller opened (store_begin), it writes in
 * that one and commits nothing; on failure the caller rolls back. out_id: the new
 * scenario's id. */
enum gis_status scenario_save(struct store *st,
                              const struct scenario_record *r,
                              const struct scenario_site *sites,
                              size_t n_sites,
                              int64_t *out_id,
                              struct gis_error *err);

/* Removes every scenario whose name starts with prefix (a plan's "NAME/"), with its
 * proposed sites, and audits each removal (user, reason). In the caller's transaction
 * when one is open, else in its own. out_n: how many went. */
enum gis_status scenario_remove_prefix(struct store *st,
                                       const char *prefix,
                                       const char *user,
                                       const char *reason,
                                       size_t *out_n,
                                       struct gis_error *err);

struct seat_set {
    size_t n;
    double *xy;
    char **code, **name;
};

/* Current townships (level 4), each with a point on its surface. */
enum gis_status seat_set_load(struct store *st, struct seat_set *out, struct gis_error *err);
void seat_set_free(struct seat_set *s);

#endif
