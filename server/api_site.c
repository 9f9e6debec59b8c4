/*
 * The site-selection process of OGC API - Processes: its description, and execution
 * (synchronous, or as a job with progress and cancel by DELETE /jobs/{id}). Inputs map
 * one to one onto `civgis site` options; the run itself is site_run.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_render.h"
#include "jobs.h"
#include "site_run.h"

#define SITE_ID "site-selection"

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
    api_process_input(in, "weight", "string", "Demand weight field (default elderly_60plus)");
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
    api_process_input(in, "time_limit", "number", "Seconds (default 30, at most 600)");
    api_process_input(in, "seed", "integer", "Random seed (default 1)");
    api_process_input(in, "force", "string", "Candidate ids that must be chosen (comma list)");
    api_process_input(in, "forbid", "string", "Candidate ids never chosen (comma list)");
    api_process_input(in, "gap", "number", "Stop once the certified relative gap is at most this");
    api_process_input(in, "save_scenario", "string",
                      "Store the answer as a scenario of planned facilities under this name");
    api_process_outputs(p, "objective, bound, gap, sites (default output)", "sites",
                        "The chosen sites with the demand each serves");
    api_send_json(res, p, "application/json");
}

/* ---------------------------------------------------------------- inputs */

static const cJSON *item(const cJSON *in, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(in, name);
}

/* Strings in p point into root. */
static enum gis_status
parse(const cJSON *root, struct site_params *p, enum site_format *fmt, struct gis_error *err)
{
    const cJSON *in = item(root, "inputs");
    enum gis_status rc;

    *fmt = item(item(root, "outputs"), "sites") ? SITE_GEOJSON : SITE_SUMMARY;
    if (!cJSON_IsObject(in))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body needs an \"inputs\" object");
    rc = site_params_from_json(in, p, err);
    p->user = "api";
    return rc;
}

/* ---------------------------------------------------------------- jobs */

struct site_job {
    cJSON *root; /* owns every string of p */
    struct site_params p;
    enum site_format fmt;
};

static void site_job_free(void *ctx)
{
    struct site_job *sj = ctx;

    if (!sj)
        return;
    cJSON_Delete(sj->root);
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
    return site_write(st, &sj->p, sj->fmt, f, err);
}

static enum gis_status
submit(const struct api_request *req, const cJSON *root, char *id, struct gis_error *err)
{
    struct site_job *sj = calloc(1, sizeof *sj);
    struct job_spec spec = {SITE_ID, site_job_run, sj, site_job_free, false, false};
    enum gis_status rc;

    if (!sj || !(sj->root = cJSON_Duplicate(root, true))) {
        free(sj);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    rc = parse(sj->root, &sj->p, &sj->fmt, err);
    if (rc != GIS_OK) {
        site_job_free(sj);
        return rc;
    }
    spec.is_geojson = sj->fmt == SITE_GEOJSON;
    spec.needs_write = sj->p.save_name != NULL;
    return jobs_submit(req->jobs, &spec, id, err);
}

/* A synchronous run that saves must write: it runs as a job (whose store is writable)
 * and this request waits for it. */
static void wait_for(const struct api_request *req, struct api_response *res, const char *id)
{
    struct gis_error err = {0};
    struct job_info info;
    char *buf = NULL;
    size_t len = 0;
    bool is_geojson = false;

    while (jobs_info(req->jobs, id, &info) == GIS_OK &&
           (info.status == JOB_ACCEPTED || info.status == JOB_RUNNING))
        usleep(10000);
    if (info.status == JOB_FAILED) { /* answered as the run itself would have been */
        gis_fail(&err, info.error, "%s", info.message);
        api_fail(res, &err);
        return;
    }
    if (jobs_result(req->jobs, id, &buf, &len, &is_geojson, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_body(res, is_geojson ? "application/geo+json" : "application/json", buf, len);
    free(buf);
}

static void run_sync(const struct api_request *req, struct api_response *res, const cJSON *root)
{
    struct gis_error err = {0};
    struct site_params p;
    enum site_format fmt;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    enum gis_status rc = parse(root, &p, &fmt, &err);

    if (rc != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    f = open_memstream(&buf, &len);
    rc = f ? site_write(api_store(req), &p, fmt, f, &err)
           : gis_fail(&err, GIS_ERR_NOMEM, "out of memory");
    if (f)
        fclose(f);
    if (rc == GIS_OK)
        api_body(res, fmt == SITE_GEOJSON ? "application/geo+json" : "application/json", buf, len);
    else
        api_fail(res, &err);
    free(buf);
}

void api_site_execute(const struct api_request *req, struct api_response *res, const cJSON *root)
{
    struct gis_error err = {0};
    const char *prefer = api_header(req, "Prefer");
    bool is_async = prefer && strstr(prefer, "respond-async");
    bool saves = item(item(root, "inputs"), "save_scenario") != NULL;
    char id[JOB_ID_LEN + 1];

    if (!is_async && !saves) {
        run_sync(req, res, root);
        return;
    }
    if (submit(req, root, id, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    if (is_async)
        api_job_created(req, res, id);
    else
        wait_for(req, res, id);
}
