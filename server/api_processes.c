/*
 * OGC API - Processes Part 1: /processes, the coverage process (/processes/coverage,
 * POST /processes/coverage/execution, synchronous or asynchronous with "Prefer:
 * respond-async"), and /jobs, /jobs/{id}, /jobs/{id}/results, DELETE /jobs/{id}. The
 * site-selection process lives in api_site.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_render.h"
#include "coverage_run.h"
#include "jobs.h"

static const char PROCESS_ID[] = "coverage";
static const char SITE_ID[] = "site-selection";

cJSON *api_process_input(cJSON *inputs, const char *name, const char *type, const char *desc)
{
    cJSON *in = cJSON_AddObjectToObject(inputs, name), *schema;

    cJSON_AddStringToObject(in, "title", name);
    cJSON_AddStringToObject(in, "description", desc);
    schema = cJSON_AddObjectToObject(in, "schema");
    cJSON_AddStringToObject(schema, "type", type);
    return in;
}

void api_process_outputs(cJSON *process,
                         const char *summary_title,
                         const char *geo_name,
                         const char *geo_title)
{
    cJSON *outputs = cJSON_AddObjectToObject(process, "outputs");
    cJSON *o = cJSON_AddObjectToObject(outputs, "summary");

    cJSON_AddStringToObject(o, "title", summary_title);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "schema"), "type", "object");
    o = cJSON_AddObjectToObject(outputs, geo_name);
    cJSON_AddStringToObject(o, "title", geo_title);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "schema"), "contentMediaType",
                            "application/geo+json");
}

cJSON *api_process_summary(const char *base, const char *id, const char *title, const char *desc)
{
    cJSON *p = cJSON_CreateObject(), *opts, *links;
    char href[256];

    cJSON_AddStringToObject(p, "id", id);
    cJSON_AddStringToObject(p, "title", title);
    cJSON_AddStringToObject(p, "description", desc);
    cJSON_AddStringToObject(p, "version", "1.0.0");
    opts = cJSON_AddArrayToObject(p, "jobControlOptions");
    cJSON_AddItemToArray(opts, cJSON_CreateString("sync-execute"));
    cJSON_AddItemToArray(opts, cJSON_CreateString("async-execute"));
    opts = cJSON_AddArrayToObject(p, "outputTransmission");
    cJSON_AddItemToArray(opts, cJSON_CreateString("value"));
    links = cJSON_AddArrayToObject(p, "links");
    snprintf(href, sizeof href, "%s/processes/%s", base, id);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "The process"));
    snprintf(href, sizeof href, "%s/processes/%s/execution", base, id);
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/execute",
                                         "application/json", "Execute"));
    return p;
}

static cJSON *summary_json(const char *base)
{
    return api_process_summary(base, PROCESS_ID, "Coverage of demand by facilities",
                               "Which demand points (villages and communities) are within "
                               "reach of facilities of the given kinds; totals per township, "
                               "county and city.");
}

static cJSON *site_summary_json(const char *base)
{
    return api_process_summary(base, SITE_ID, "Site selection",
                               "Where new facilities should go: maximal covering (mclp), set "
                               "covering (lscp), p-median or p-center, with existing "
                               "facilities, capacities, quotas per county and exclusion zones; "
                               "every answer states its objective, a bound and the gap.");
}

void api_processes(const struct api_request *req, struct api_response *res)
{
    cJSON *root = cJSON_CreateObject(), *links;
    char base[160], href[256];

    api_base_url(req, base, sizeof base);
    links = cJSON_AddArrayToObject(root, "processes");
    cJSON_AddItemToArray(links, summary_json(base));
    cJSON_AddItemToArray(links, site_summary_json(base));
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/processes", base);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "Processes"));
    api_send_json(res, root, "application/json");
}

void api_process(const struct api_request *req, struct api_response *res)
{
    cJSON *p, *inputs;
    char base[160];

    if (!strcmp(req->path_params[0], SITE_ID)) {
        api_site_describe(req, res);
        return;
    }
    if (strcmp(req->path_params[0], PROCESS_ID)) {
        api_error(res, 404, "not_found", "no such process; see /processes");
        return;
    }
    api_base_url(req, base, sizeof base);
    p = summary_json(base);
    inputs = cJSON_AddObjectToObject(p, "inputs");
    api_process_input(inputs, "kind", "string", "Facility kinds, comma-separated (or an array)");
    api_process_input(inputs, "status", "string", "Facility statuses counted (default operating)");
    api_process_input(inputs, "scenario", "integer",
                      "Also count this scenario's proposed facilities");
    api_process_input(inputs, "radius", "number",
                      "Reach in metres (default: the service standards)");
    api_process_input(inputs, "weight", "string",
                      "unit, population, elderly_60plus (default), poor_households, poor_people or "
                      "assisted_households");
    api_process_input(inputs, "capacity", "boolean",
                      "Assign demand nearest-first up to capacities");
    api_process_outputs(p, "Totals by division (default output)", "demand",
                        "Demand points with covered, nearest_id, nearest_m");
    api_send_json(res, p, "application/json");
}

/* ---------------------------------------------------------------- execution */

/* "kind": a comma list or an array of names; out points into the tree or into buf. */
static enum gis_status
parse_kinds(const cJSON *kind, char *buf, size_t size, const char **out, struct gis_error *err)
{
    const cJSON *k;
    size_t used = 0;

    if (cJSON_IsString(kind)) {
        *out = kind->valuestring;
        return GIS_OK;
    }
    if (!cJSON_IsArray(kind))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"kind\" is required");
    buf[0] = '\0';
    cJSON_ArrayForEach(k, kind)
    {
        if (!cJSON_IsString(k) || used + strlen(k->valuestring) + 2 > size)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "kind: an array of kind names");
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "", k->valuestring);
    }
    *out = buf;
    return GIS_OK;
}

/* Strings in params point into the cJSON tree or into buf. */
static enum gis_status parse_inputs(const cJSON *root,
                                    struct coverage_params *p,
                                    enum coverage_format *fmt,
                                    char *buf,
                                    size_t size,
                                    struct gis_error *err)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *x, *outputs = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    enum gis_status rc;

    memset(p, 0, sizeof *p);
    p->scenario = -1;
    p->weight = "elderly_60plus";
    *fmt =
        cJSON_GetObjectItemCaseSensitive(outputs, "demand") ? COVERAGE_GEOJSON : COVERAGE_SUMMARY;
    if (!cJSON_IsObject(in))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body needs an \"inputs\" object");
    rc = parse_kinds(cJSON_GetObjectItemCaseSensitive(in, "kind"), buf, size, &p->kinds, err);
    if (rc != GIS_OK)
        return rc;
    if (cJSON_IsString(x = cJSON_GetObjectItemCaseSensitive(in, "status")))
        p->statuses = x->valuestring;
    if (cJSON_IsString(x = cJSON_GetObjectItemCaseSensitive(in, "weight")))
        p->weight = x->valuestring;
    if ((x = cJSON_GetObjectItemCaseSensitive(in, "radius")) != NULL) {
        if (!cJSON_IsNumber(x) || !(x->valuedouble > 0))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "radius must be a positive number");
        p->radius_m = x->valuedouble;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(in, "scenario")) != NULL) {
        if (!cJSON_IsNumber(x) || x->valuedouble < 0)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "scenario must be an id");
        p->scenario = (int64_t)x->valuedouble;
    }
    p->has_capacity = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "capacity"));
    return GIS_OK;
}

static cJSON *status_json(const struct job_info *j, const char *base)
{
    cJSON *s = cJSON_CreateObject(), *links;
    char href[256], ts[32];
    struct tm tm;
    const int64_t *times[] = {&j->created, &j->started, &j->finished};
    const char *names[] = {"created", "started", "finished"};
    size_t i;

    cJSON_AddStringToObject(s, "jobID", j->id);
    cJSON_AddStringToObject(s, "type", "process");
    cJSON_AddStringToObject(s, "processID", j->process);
    cJSON_AddStringToObject(s, "status", job_status_name(j->status));
    cJSON_AddStringToObject(s, "message", j->message);
    cJSON_AddNumberToObject(s, "progress", j->progress);
    for (i = 0; i < 3; i++) {
        time_t t = (time_t)*times[i];
        if (!t)
            continue;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON_AddStringToObject(s, names[i], ts);
    }
    links = cJSON_AddArrayToObject(s, "links");
    snprintf(href, sizeof href, "%s/jobs/%s", base, j->id);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "This job"));
    if (j->status == JOB_SUCCESSFUL) {
        snprintf(href, sizeof href, "%s/jobs/%s/results", base, j->id);
        cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/results",
                                             "application/json", "Results"));
    }
    return s;
}

void api_job_created(const struct api_request *req, struct api_response *res, const char *id)
{
    struct job_info info;
    char base[160], href[256];

    if (jobs_info(req->jobs, id, &info) != GIS_OK) {
        api_error(res, 500, "internal", "the job vanished");
        return;
    }
    api_base_url(req, base, sizeof base);
    snprintf(href, sizeof href, "%s/jobs/%s", base, id);
    res->status = 201;
    api_header_add(res, "Location", href);
    api_header_add(res, "Preference-Applied", "respond-async");
    api_send_json(res, status_json(&info, base), "application/json");
}

/* The coverage job: its parameters with owned strings. */
struct coverage_job {
    struct coverage_params p;
    enum coverage_format fmt;
    char *kinds, *statuses, *weight;
};

static void coverage_job_free(void *ctx)
{
    struct coverage_job *cj = ctx;

    if (!cj)
        return;
    free(cj->kinds);
    free(cj->statuses);
    free(cj->weight);
    free(cj);
}

static enum gis_status coverage_job_run(
    void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    struct coverage_job *cj = ctx;

    (void)pr;
    return coverage_write(st, &cj->p, cj->fmt, f, err);
}

static void execute_async(const struct api_request *req,
                          struct api_response *res,
                          const struct coverage_params *p,
                          enum coverage_format fmt)
{
    struct gis_error err = {0};
    struct coverage_job *cj = calloc(1, sizeof *cj);
    struct job_spec spec = {PROCESS_ID,        coverage_job_run,        cj,
                            coverage_job_free, fmt == COVERAGE_GEOJSON, false};
    char id[JOB_ID_LEN + 1];

    if (cj) {
        cj->p = *p;
        cj->fmt = fmt;
        cj->p.kinds = cj->kinds = strdup(p->kinds ? p->kinds : "");
        cj->p.statuses = cj->statuses = p->statuses ? strdup(p->statuses) : NULL;
        cj->p.weight = cj->weight = strdup(p->weight ? p->weight : "elderly_60plus");
    }
    if (!cj || !cj->kinds || !cj->weight) {
        coverage_job_free(cj);
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    if (jobs_submit(req->jobs, &spec, id, &err) != GIS_OK)
        api_fail(res, &err);
    else
        api_job_created(req, res, id);
}

static void execute_sync(const struct api_request *req,
                         struct api_response *res,
                         const struct coverage_params *p,
                         enum coverage_format fmt)
{
    struct gis_error err = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    enum gis_status rc = f ? coverage_write(api_store(req), p, fmt, f, &err)
                           : gis_fail(&err, GIS_ERR_NOMEM, "out of memory");

    if (f)
        fclose(f);
    if (rc == GIS_OK)
        api_body(res, fmt == COVERAGE_GEOJSON ? "application/geo+json" : "application/json", buf,
                 len);
    else
        api_fail(res, &err);
    free(buf);
}

void api_execute(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    struct coverage_params p;
    enum coverage_format fmt;
    const char *prefer = api_header(req, "Prefer");
    char kinds[1024];
    cJSON *root;

    if (strcmp(req->path_params[0], PROCESS_ID) && strcmp(req->path_params[0], SITE_ID)) {
        api_error(res, 404, "not_found", "no such process; see /processes");
        return;
    }
    root = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (!root) {
        api_error(res, 400, "invalid_argument", "the body must be a JSON execute request");
        return;
    }
    if (!strcmp(req->path_params[0], SITE_ID))
        api_site_execute(req, res, root);
    else if (parse_inputs(root, &p, &fmt, kinds, sizeof kinds, &err) != GIS_OK)
        api_fail(res, &err);
    else if (prefer && strstr(prefer, "respond-async"))
        execute_async(req, res, &p, fmt);
    else
        execute_sync(req, res, &p, fmt);
    cJSON_Delete(root);
}

/* ---------------------------------------------------------------- jobs */

void api_jobs(const struct api_request *req, struct api_response *res)
{
    struct job_info list[64];
    size_t i, n = jobs_list(req->jobs, list, 64);
    cJSON *root = cJSON_CreateObject(), *jobs = cJSON_AddArrayToObject(root, "jobs");
    char base[160];

    api_base_url(req, base, sizeof base);
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(jobs, status_json(&list[i], base));
    cJSON_AddArrayToObject(root, "links");
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, root, "application/json");
}

void api_job(const struct api_request *req, struct api_response *res)
{
    struct job_info info;
    char base[160];

    if (jobs_info(req->jobs, req->path_params[0], &info) != GIS_OK) {
        api_error(res, 404, "not_found", "no such job");
        return;
    }
    api_base_url(req, base, sizeof base);
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, status_json(&info, base), "application/json");
}

void api_job_dismiss(const struct api_request *req, struct api_response *res)
{
    struct job_info info;
    char base[160];

    if (jobs_dismiss(req->jobs, req->path_params[0], &info) != GIS_OK) {
        api_error(res, 404, "not_found", "no such job");
        return;
    }
    api_base_url(req, base, sizeof base);
    api_send_json(res, status_json(&info, base), "application/json");
}

void api_job_results(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    bool is_geojson = false;
    char *buf = NULL;
    size_t len = 0;

    if (jobs_result(req->jobs, req->path_params[0], &buf, &len, &is_geojson, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_body(res, is_geojson ? "application/geo+json" : "application/json", buf, len);
    free(buf);
}
