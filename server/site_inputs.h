/*
 * The inputs of a site selection read from JSON: the site-selection process's inputs and
 * a plan file's runs. The JSON side of app/site_run: the use case itself takes a
 * struct site_params.
 */
#ifndef CIVGIS_SITE_INPUTS_H
#define CIVGIS_SITE_INPUTS_H

#include "site_run.h"
#include "status.h"

struct cJSON;

/* Parameters from a JSON object of inputs (the process's and a plan file's): problem,
 * kind, p, radius, weight, candidates, within, candidates_within, existing, capacity,
 * budget, per_county_min/max, exclude_kind, exclude_distance, exact, time_limit (<= 600),
 * gap, seed, force, forbid, save_scenario. Strict: an unknown or repeated name, a value
 * of the wrong type, a fraction where a count is meant or a number out of range is
 * GIS_ERR_INVALID_ARG naming the input. Strings in p point into in. */
enum gis_status
site_inputs_from_json(const struct cJSON *in, struct site_params *p, struct gis_error *err);

#endif
