/*
 * Site-selection inputs from JSON (see site_inputs.h): every member checked by
 * json_inputs, so a wrong one is refused with its name before anything runs.
 */
#include "site_inputs.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "json_inputs.h"

static const char *const SITE_INPUTS[] = {
    "problem",
    "kind",
    "p",
    "radius",
    "weight",
    "candidates",
    "within",
    "candidates_within",
    "existing",
    "capacity",
    "budget",
    "per_county_min",
    "per_county_max",
    "exclude_kind",
    "exclude_distance",
    "exact",
    "time_limit",
    "seed",
    "force",
    "forbid",
    "gap",
    "save_scenario",
    NULL,
};

static enum gis_status texts(const cJSON *in, struct site_params *p, struct gis_error *err)
{
    const struct {
        const char *name;
        const char **out;
    } t[] = {
        {"kind", &p->kinds},
        {"weight", &p->weight},
        {"candidates", &p->candidates},
        {"exclude_kind", &p->exclude_kinds},
        {"within", &p->within},
        {"candidates_within", &p->candidates_within},
        {"force", &p->force},
        {"forbid", &p->forbid},
        {"save_scenario", &p->save_name},
    };
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; rc == GIS_OK && i < sizeof t / sizeof *t; i++)
        rc = json_inputs_string(in, t[i].name, t[i].out, err);
    return rc;
}

static enum gis_status numbers(const cJSON *in, struct site_params *p, struct gis_error *err)
{
    double pp = 0, lo = -1, hi = -1, seed = 1;
    const struct {
        const char *name;
        double lo, hi;
        bool is_integer;
        double *out;
    } n[] = {
        {"p", 1, 1e7, true, &pp},
        {"radius", 1e-3, 4e7, false, &p->radius_m},
        {"capacity", 1e-9, 1e15, false, &p->capacity},
        {"budget", 1e-9, 1e15, false, &p->budget},
        {"per_county_min", 0, 1e6, true, &lo},
        {"per_county_max", 0, 1e6, true, &hi},
        {"exclude_distance", 1e-3, 4e7, false, &p->exclude_m},
        {"time_limit", 1e-3, SITE_TIME_LIMIT_MAX_S, false, &p->time_limit_s},
        {"seed", 0, 9e15, true, &seed},
        {"gap", 0, 1, false, &p->gap},
    };
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; rc == GIS_OK && i < sizeof n / sizeof *n; i++)
        rc = json_inputs_number(in, n[i].name, n[i].lo, n[i].hi, n[i].is_integer, n[i].out, err);
    p->p = (size_t)pp;
    p->per_county_min = (int)lo;
    p->per_county_max = (int)hi;
    p->seed = (uint64_t)seed;
    return rc;
}

enum gis_status site_inputs_from_json(const cJSON *in, struct site_params *p, struct gis_error *err)
{
    const char *problem = NULL;
    bool has_existing = true;
    enum gis_status rc;

    memset(p, 0, sizeof *p);
    p->time_limit_s = 30;
    rc = json_inputs_names(in, "input", SITE_INPUTS, err);
    if (rc == GIS_OK)
        rc = json_inputs_string(in, "problem", &problem, err);
    if (rc == GIS_OK && !site_problem_parse(problem, &p->problem))
        rc = gis_fail(err, GIS_ERR_INVALID_ARG,
                      "input \"problem\" must be mclp, lscp, pmedian or pcenter");
    if (rc == GIS_OK)
        rc = texts(in, p, err);
    if (rc == GIS_OK)
        rc = numbers(in, p, err);
    if (rc == GIS_OK)
        rc = json_inputs_bool(in, "exact", &p->is_exact, err);
    if (rc == GIS_OK)
        rc = json_inputs_bool(in, "existing", &has_existing, err);
    p->skip_existing = !has_existing;
    return rc;
}
