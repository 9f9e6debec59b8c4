/*
 * OGC API - Processes Part 1: /processes, the coverage process (/processes/coverage,
 * POST /processes/coverage/execution, synchronous or asynchronous with "Prefer:
 * respond-async"), and /jobs, /jobs/{id}, /jobs/{id}/results, DELETE /jobs/{id}. The
 * site-selection process lives in api_site.c.
 *
 * Every execution is a job on the job pool (jobs.h), synchronous ones too: the request
 * then waits for its job with its connection suspended, so no analysis ever runs on an
 * HTTP thread. Inputs are read strictly (json_inputs.h) and checked against the
 * caller's role (policy.h) before anything is queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_render.h"
#include "coverage_render.h"
#include "jobs.h"
#include "json_inputs.h"
#include "policy.h"

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
    api_division_summaries(links, base);
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
    if (api_division_describe(req, res))
        return;
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
                      "assisted_households (the last three need the planner role)");
    api_process_input(inputs, "capacity", "boolean",
                      "Assign demand nearest-first up to capacities");
    api_process_outputs(p, "Totals by division (default output)", "demand",
                        "Demand points with covered, nearest_id, nearest_m");
    api_send_json(res, p, "application/json");
}

/* ---------------------------------------------------------------- execution */

static const char *const COVERAGE_INPUTS[] = {"kind",   "status",   "scenario", "radius",
                                              "weight", "capacity", NULL};
static const char *const COVERAGE_OUTPUTS[] = {"summary", "demand", NULL};

/* A list input ("kind", "status"): a comma list or an array of names; out points into
 * the tree or into buf; absent leaves out as it is. */
static enum gis_status parse_list(const cJSON *in,
                                  const char *name,
                                  char *buf,
                                  size_t size,
                                  const char **out,
                                  struct gis_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(in, name), *k;
    size_t used = 0;

    if (!list)
        return GIS_OK;
    if (cJSON_IsString(list)) {
        *out = list->valuestring;
        return GIS_OK;
    }
    if (!cJSON_IsArray(list) || !cJSON_GetArraySize(list))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\": a comma list or an array of names",
                        name);
    buf[0] = '\0';
    cJSON_ArrayForEach(k, list)
    {
        if (!cJSON_IsString(k) || used + strlen(k->valuestring) + 2 > size)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\": an array of names", name);
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "", k->valuestring);
    }
    *out = buf;
    return GIS_OK;
}

/* The lists' text, when given as arrays. */
struct coverage_lists {
    char kinds[1024], statuses[512];
};

/* Strings in params point into the cJSON tree or into lists. */
static enum gis_status parse_inputs(const cJSON *root,
                                    struct coverage_params *p,
                                    enum coverage_format *fmt,
                                    struct coverage_lists *lists,
                                    struct gis_error *err)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    double scenario = -1;
    enum gis_status rc;

    memset(p, 0, sizeof *p);
    p->weight = "elderly_60plus";
    *fmt =
        cJSON_GetObjectItemCaseSensitive(outputs, "demand") ? COVERAGE_GEOJSON : COVERAGE_SUMMARY;
    if (!cJSON_IsObject(in))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body needs an \"inputs\" object");
    rc = json_inputs_names(in, "input", COVERAGE_INPUTS, err);
    if (rc == GIS_OK && outputs)
        rc = json_inputs_names(outputs, "output", COVERAGE_OUTPUTS, err);
    if (rc == GIS_OK)
        rc = parse_list(in, "kind", lists->kinds, sizeof lists->kinds, &p->kinds, err);
    if (rc == GIS_OK && !p->kinds)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "input \"kind\" is required");
    if (rc == GIS_OK)
        rc = parse_list(in, "status", lists->statuses, sizeof lists->statuses, &p->statuses, err);
    if (rc == GIS_OK)
        rc = json_inputs_string(in, "weight", &p->weight, err);
    if (rc == GIS_OK)
        rc = json_inputs_number(in, "radius", 0.001, 4e7, false, &p->radius_m, err);
    if (rc == GIS_OK)
        rc = json_inputs_number(in, "scenario", 0, 9e15, true, &scenario, err);
    if (rc == GIS_OK)
        rc = json_inputs_bool(in, "capacity", &p->has_capacity, err);
    p->scenario = (int64_t)scenario;
    return rc;
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

static void job_created(const struct api_request *req, struct api_response *res, const char *id)
{
    struct job_info info;
    char base[160], href[256];

    if (jobs_info(req->jobs, id, req->caller.user, &info) != GIS_OK) {
        api_error(res, 500, "internal", "the job vanished");
        return;
    }
    api_base_url(req, base, sizeof base);
    snprintf(href, sizeof href, "%s/jobs/%s", base, id);
    res->status = 201;
    api_header_add(res, "Location", href);
    api_header_add(res, "Preference-Applied", "respond-async");
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, status_json(&info, base), "application/json");
}

bool api_is_async(const struct api_request *req)
{
    const char *prefer = api_header(req, "Prefer");

    return prefer && strstr(prefer, "respond-async");
}

void api_job_run(const struct api_request *req,
                 struct api_response *res,
                 struct job_spec *spec,
                 bool is_async)
{
    struct gis_error err = {0};
    char id[JOB_ID_LEN + 1], addr[64];

    api_client_address(req, addr, sizeof addr);
    spec->owner = req->caller.user;
    /* An anonymous caller's turn in the queue is its address's. */
    spec->queue_key = req->caller.user ? req->caller.user : addr;
    spec->is_hidden = !is_async;
    if (jobs_submit(req->jobs, spec, id, &err) != GIS_OK) {
        api_fail(res, &err);
        api_header_add(res, "Retry-After", "5");
    } else if (is_async) {
        job_created(req, res, id);
    } else {
        memcpy(res->wait_job, id, sizeof id);
    }
}

/* A failed job's answer, synchronous or read later: the details its run wrote (buf, len;
 * e.g. a refusal's every reason), else its message, with the status of its error. */
static void
failure_answer(struct api_response *res, const struct job_info *info, const char *buf, size_t len)
{
    struct gis_error err = {0};

    if (buf && len) {
        api_body(res, "application/json", buf, len);
        res->status = api_status_to_http(info->error);
        return;
    }
    gis_fail(&err, info->error, "%s", info->message);
    api_fail(res, &err);
}

void api_job_answer(const struct api_request *req, struct api_response *res, const char *id)
{
    struct gis_error err = {0};
    struct job_info info;
    char *buf = NULL;
    size_t len = 0;
    bool is_geojson = false;

    if (jobs_result_take(req->jobs, id, &info, &buf, &len, &is_geojson) != GIS_OK) {
        api_error(res, 500, "internal_error", "the job of this request vanished");
        return;
    }
    if (info.status == JOB_SUCCESSFUL) {
        api_body(res, is_geojson ? "application/geo+json" : "application/json", buf, len);
    } else if (info.status == JOB_FAILED) { /* answered as the run itself would have been */
        failure_answer(res, &info, buf, len);
    } else {
        gis_fail(&err, GIS_ERR_TIMEOUT, "%s", info.message);
        api_fail(res, &err);
    }
    free(buf);
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
    return coverage_render_run(st, &cj->p, cj->fmt, f, err);
}

static struct coverage_job *coverage_job_new(const struct coverage_params *p,
                                             enum coverage_format fmt)
{
    struct coverage_job *cj = calloc(1, sizeof *cj);

    if (!cj)
        return NULL;
    cj->p = *p;
    cj->fmt = fmt;
    cj->p.kinds = cj->kinds = strdup(p->kinds);
    cj->p.statuses = cj->statuses = p->statuses ? strdup(p->statuses) : NULL;
    cj->p.weight = cj->weight = strdup(p->weight);
    if (!cj->kinds || !cj->weight || (p->statuses && !cj->statuses)) {
        coverage_job_free(cj);
        return NULL;
    }
    return cj;
}

static void execute(const struct api_request *req, struct api_response *res, const cJSON *root)
{
    struct gis_error err = {0};
    struct coverage_params p;
    enum coverage_format fmt;
    struct coverage_lists lists;
    struct coverage_job *cj;
    struct job_spec spec = {
        .process = PROCESS_ID, .run = coverage_job_run, .ctx_free = coverage_job_free};

    if (parse_inputs(root, &p, &fmt, &lists, &err) != GIS_OK ||
        policy_weight_check(&req->caller, "weight", p.weight, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    if (!(cj = coverage_job_new(&p, fmt))) {
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    spec.ctx = cj;
    spec.is_geojson = fmt == COVERAGE_GEOJSON;
    spec.read_role = (int)policy_weight_role(p.weight);
    api_job_run(req, res, &spec, api_is_async(req));
}

void api_execute(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    cJSON *root = NULL;

    if (strcmp(req->path_params[0], PROCESS_ID) && strcmp(req->path_params[0], SITE_ID)) {
        api_error(res, 404, "not_found", "no such process; see /processes");
        return;
    }
    if (json_inputs_parse(req->body, req->body_len, &root, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    if (!strcmp(req->path_params[0], SITE_ID))
        api_site_execute(req, res, root);
    else
        execute(req, res, root);
    cJSON_Delete(root);
}

/* ---------------------------------------------------------------- jobs */

/* Anonymous callers list nothing: their jobs are reached by id alone (jobs.h). */
void api_jobs(const struct api_request *req, struct api_response *res)
{
    struct job_info list[64];
    size_t i, n = jobs_list(req->jobs, req->caller.user, list, 64);
    cJSON *root = cJSON_CreateObject(), *jobs = cJSON_AddArrayToObject(root, "jobs");
    char base[160];

    api_base_url(req, base, sizeof base);
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(jobs, status_json(&list[i], base));
    cJSON_AddArrayToObject(root, "links");
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, root, "application/json");
}

/* A failed job's status shows every reason its run gave (the "errors" of the body a
 * synchronous run answers), not just the first in its message. */
static void add_failure(const struct api_request *req, const struct job_info *info, cJSON *s)
{
    char *buf = NULL;
    size_t len = 0;
    cJSON *details, *errors;

    if (info->status != JOB_FAILED ||
        jobs_failure(req->jobs, info->id, req->caller.user, &buf, &len, NULL) != GIS_OK)
        return;
    details = cJSON_ParseWithLength(buf, len);
    errors = details ? cJSON_DetachItemFromObject(details, "errors") : NULL;
    if (errors)
        cJSON_AddItemToObject(s, "errors", errors);
    cJSON_Delete(details);
    free(buf);
}

void api_job(const struct api_request *req, struct api_response *res)
{
    struct job_info info;
    char base[160];
    cJSON *s;

    if (jobs_info(req->jobs, req->path_params[0], req->caller.user, &info) != GIS_OK) {
        api_error(res, 404, "not_found", "no such job");
        return;
    }
    api_base_url(req, base, sizeof base);
    s = status_json(&info, base);
    add_failure(req, &info, s);
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, s, "application/json");
}

void api_job_dismiss(const struct api_request *req, struct api_response *res)
{
    struct job_info info;
    char base[160];

    if (jobs_dismiss(req->jobs, req->path_params[0], req->caller.user, &info) != GIS_OK) {
        api_error(res, 404, "not_found", "no such job");
        return;
    }
    api_base_url(req, base, sizeof base);
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, status_json(&info, base), "application/json");
}

void api_job_results(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    struct job_info info;
    bool is_geojson = false;
    char *buf = NULL;
    size_t len = 0;
    const char *id = req->path_params[0];
    enum gis_status rc;

    if (jobs_info(req->jobs, id, req->caller.user, &info) != GIS_OK) {
        api_error(res, 404, "not_found", "no such job");
        return;
    }
    if (!policy_allows(&req->caller, (enum auth_role)info.read_role))
        rc = gis_fail(&err, GIS_ERR_FORBIDDEN, "this job's results need a role you lack");
    else if (info.status == JOB_FAILED) /* its exception: what a synchronous run answers */
        rc = jobs_failure(req->jobs, id, req->caller.user, &buf, &len, &err);
    else
        rc = jobs_result(req->jobs, id, req->caller.user, &buf, &len, &is_geojson, &err);
    api_header_add(res, "Cache-Control", "no-store");
    if (info.status == JOB_FAILED && (rc == GIS_OK || rc == GIS_ERR_INVALID_ARG))
        failure_answer(res, &info, rc == GIS_OK ? buf : NULL, len);
    else if (rc != GIS_OK)
        api_fail(res, &err);
    else
        api_body(res, is_geojson ? "application/geo+json" : "application/json", buf, len);
    free(buf);
}
