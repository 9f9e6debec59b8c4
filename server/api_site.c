/*
 * The site-selection process of OGC API - Processes: its description, and execution
 * as a job (asynchronous with progress and cancel by DELETE /jobs/{id}, or synchronous,
 * the request waiting for its job). Inputs map one to one onto `civgis site` options;
 * the run itself is site_run.c.
 */
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "jobs.h"
#include "json_inputs.h"
#include "policy.h"
#include "site_inputs.h"
#include "site_render.h"

#define SITE_ID "site-selection"
/* The longest time limit of a synchronous run: a client waits on its connection. */
#define SITE_SYNC_TIME_LIMIT_S 30.0

void api_site_describe(const struct api_request *req, struct api_response *res)
{
    cJSON *p, *in;
    char base[160];

    api_base_url(req, base, sizeof base);
    p = api_process_summary(base, SITE_ID, "Site selection",
                            "Where new facilities should go: mclp, lscp, pmedian or pcenter "
                            "over the villages (or township seats) of the database.");
    in = cJSON_AddObjectToObject(p, "inputs");
    api_process_input(in, "problem", "string", "mclp, lscp, pmedian or pcenter (required)");
    api_process_input(in, "kind", "string",
                      "Facility kind (required): its operating facilities stay open and "
                      "count; the kind of the proposed sites");
    api_process_input(in, "p", "integer", "New sites (not for lscp)");
    api_process_input(in, "radius", "number", "Reach in metres (mclp, lscp; default: the kind's)");
    api_process_input(in, "weight", "string",
                      "Demand weight field (default elderly_60plus); the assistance counts "
                      "need the planner role");
    api_process_input(in, "candidates", "string",
                      "villages (default), rural, communities or townships");
    api_process_input(in, "within", "string", "Division code: only demand and candidates in it");
    api_process_input(in, "candidates_within", "string", "Division code for the candidates");
    api_process_input(in, "existing", "boolean",
                      "Whether existing facilities of the kind count (default true)");
    api_process_input(in, "capacity", "number", "Capacity of each new site");
    api_process_input(in, "budget", "number", "At most this many sites' cost");
    api_process_input(in, "per_county_min", "integer", "New sites per county, at least");
    api_process_input(in, "per_county_max", "integer", "New sites per county, at most");
    api_process_input(in, "exclude_kind", "string", "No candidate near facilities of this kind");
    api_process_input(in, "exclude_distance", "number", "... within this many metres");
    api_process_input(in, "exact", "boolean", "Solve the MIP with GLPK (time-limited)");
    api_process_input(in, "time_limit", "number",
                      "Seconds (default 30; at most 30 synchronously, 600 asynchronously)");
    api_process_input(in, "seed", "integer", "Random seed (default 1)");
    api_process_input(in, "force", "string", "Candidate ids that must be chosen (comma list)");
    api_process_input(in, "forbid", "string", "Candidate ids never chosen (comma list)");
    api_process_input(in, "gap", "number", "Stop once the certified relative gap is at most this");
    api_process_input(in, "save_scenario", "string",
                      "Store the answer as a scenario of planned facilities under this name "
                      "(a write: needs the planner role, so the CLI only for now)");
    api_process_outputs(p, "objective, bound, gap, sites (default output)", "sites",
                        "The chosen sites with the demand each serves");
    api_send_json(res, p, "application/json");
}

/* ---------------------------------------------------------------- inputs */

static const char *const SITE_OUTPUTS[] = {"summary", "sites", NULL};

static const cJSON *item(const cJSON *in, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(in, name);
}

/* Strings in p point into root. What the caller may not do, and a synchronous run
 * longer than SITE_SYNC_TIME_LIMIT_S, are refused here, before anything is queued. */
static enum gis_status parse(const struct api_request *req,
                             const cJSON *root,
                             bool is_async,
                             struct site_params *p,
                             enum site_format *fmt,
                             struct gis_error *err)
{
    const cJSON *in = item(root, "inputs"), *outputs = item(root, "outputs");
    enum gis_status rc;

    *fmt = item(outputs, "sites") ? SITE_GEOJSON : SITE_SUMMARY;
    if (!cJSON_IsObject(in))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body needs an \"inputs\" object");
    rc = outputs ? json_inputs_names(outputs, "output", SITE_OUTPUTS, err) : GIS_OK;
    if (rc == GIS_OK)
        rc = site_inputs_from_json(in, p, err);
    if (rc == GIS_OK)
        rc = policy_weight_check(&req->caller, "weight", p->weight, err);
    if (rc == GIS_OK && p->save_name)
        rc = policy_save_check(&req->caller, "save_scenario", err);
    if (rc == GIS_OK && !is_async && p->time_limit_s > SITE_SYNC_TIME_LIMIT_S)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG,
                      "input \"time_limit\": a synchronous run may take at most %g s; ask for "
                      "asynchronous execution (Prefer: respond-async) for up to %g s",
                      SITE_SYNC_TIME_LIMIT_S, SITE_TIME_LIMIT_MAX_S);
    p->user = req->caller.user ? req->caller.user : "api";
    return rc;
}

/* ---------------------------------------------------------------- jobs */

struct site_job {
    cJSON *root; /* owns every string of p */
    struct site_params p;
    enum site_format fmt;
    char *user;
};

static void site_job_free(void *ctx)
{
    struct site_job *sj = ctx;

    if (!sj)
        return;
    cJSON_Delete(sj->root);
    free(sj->user);
    free(sj);
}

static bool on_progress(void *ctx, double fraction, double objective)
{
    (void)objective;
    return jobs_progress(ctx, fraction);
}

static enum gis_status
site_job_run(void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    struct site_job *sj = ctx;

    sj->p.progress = on_progress;
    sj->p.progress_ctx = pr;
    return site_render_run(st, &sj->p, sj->fmt, f, err);
}

/* Every run is a job, a synchronous one too (its request waits, not its thread). */
void api_site_execute(const struct api_request *req, struct api_response *res, const cJSON *root)
{
    struct gis_error err = {0};
    bool is_async = api_is_async(req);
    struct site_job *sj = calloc(1, sizeof *sj);
    struct job_spec spec = {
        .process = SITE_ID, .run = site_job_run, .ctx = sj, .ctx_free = site_job_free};
    enum gis_status rc;

    if (!sj || !(sj->root = cJSON_Duplicate(root, true))) {
        site_job_free(sj);
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    rc = parse(req, sj->root, is_async, &sj->p, &sj->fmt, &err);
    if (rc == GIS_OK && !(sj->user = strdup(sj->p.user)))
        rc = gis_fail(&err, GIS_ERR_NOMEM, "out of memory");
    if (rc != GIS_OK) {
        site_job_free(sj);
        api_fail(res, &err);
        return;
    }
    sj->p.user = sj->user;
    spec.is_geojson = sj->fmt == SITE_GEOJSON;
    spec.needs_write = sj->p.save_name != NULL;
    spec.is_long = true;
    spec.read_role = (int)policy_weight_role(sj->p.weight);
    api_job_run(req, res, &spec, is_async);
}
