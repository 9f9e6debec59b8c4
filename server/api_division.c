/*
 * The division processes of OGC API - Processes (issue 15): transfer-area,
 * rename-division, recode-division and validate-divisions, over app/division_ops. Each
 * execution is a job, like the coverage and site-selection processes (synchronous by
 * default, a job to poll with "Prefer: respond-async"); the writing ones run through the
 * server's one writer (the editor) as the caller, who must be an officer (the route
 * table refuses others before this code runs) whose scope holds every division touched
 * (the write path judges that per member). "dry_run": true runs everything and rolls
 * back, answering what would have been written. A refused operation answers 422 with
 * every reason in "errors", the coverage check's problems among them, and writes
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "division_ops.h"
#include "jobs.h"
#include "json_inputs.h"

enum division_process {
    DP_TRANSFER,
    DP_RENAME,
    DP_RECODE,
    DP_MERGE,
    DP_SPLIT,
    DP_VALIDATE,
};

/* The inputs every writing operation takes besides its own. */
#define COMMON_INPUTS "reason", "approval", "valid_from", "dry_run", "tolerance"

static const char *const TRANSFER_INPUTS[] = {"from",      "to",          "area",
                                              "may_split", COMMON_INPUTS, NULL};
static const char *const RENAME_INPUTS[] = {"code", "name", "pinyin", COMMON_INPUTS, NULL};
static const char *const RECODE_INPUTS[] = {"code", "new_code", COMMON_INPUTS, NULL};
static const char *const MERGE_INPUTS[] = {"codes", "into", "new", COMMON_INPUTS, NULL};
static const char *const SPLIT_INPUTS[] = {"code",     "line",        "parts", "new",
                                           "children", COMMON_INPUTS, NULL};
static const char *const VALIDATE_INPUTS[] = {"code", "tolerance", NULL};
static const char *const OUTPUTS[] = {"result", NULL};

struct process_def {
    const char *id, *title, *desc;
    const char *const *inputs;
};

static const struct process_def PROCESSES[] = {
    [DP_TRANSFER] = {"transfer-area", "Transfer an area between neighbouring divisions",
                     "The part of one division inside an area joins its neighbour (same parent): "
                     "both new polygons share one border, the villages whose seats lie in the "
                     "piece move with it under new codes (their old ones kept as former codes), "
                     "the facilities follow. One audited change (officer within scope).",
                     TRANSFER_INPUTS},
    [DP_RENAME] = {"rename-division", "Rename a division",
                   "A new name (and pinyin) from the effective date, the former name kept in the "
                   "history. One audited change (officer within scope).",
                   RENAME_INPUTS},
    [DP_RECODE] = {"recode-division", "Give a division a new code",
                   "The division and everything below it get the new prefix from the effective "
                   "date; the old rows close; facilities follow. One audited change (officer "
                   "within scope).",
                   RECODE_INPUTS},
    [DP_MERGE] = {"merge-divisions", "Merge divisions",
                  "Siblings that touch become one polygon, their union (shared borders "
                  "dissolved, no slivers), kept by one of them (\"into\") or given to a new "
                  "division (\"new\"); the others' children move under it with new codes, their "
                  "rows close on the effective date. One audited change (officer within scope).",
                  MERGE_INPUTS},
    [DP_SPLIT] = {"split-division", "Split a division",
                  "One division cut by a line or into given parts that cover it, the parts "
                  "sharing their borders; each part a new division (or the original, keeping its "
                  "row), the children going by location under new codes. One audited change "
                  "(officer within scope).",
                  SPLIT_INPUTS},
    [DP_VALIDATE] = {"validate-divisions", "Check the coverage of divisions",
                     "For every parent in a subtree (or everywhere): each child valid, their "
                     "union the parent, no overlaps, every village seat inside its township; "
                     "the gaps and overlaps as polygons with their area in m².",
                     VALIDATE_INPUTS},
};

#define N_PROCESSES (sizeof PROCESSES / sizeof *PROCESSES)

static int process_find(const char *id)
{
    size_t i;

    for (i = 0; i < N_PROCESSES; i++)
        if (!strcmp(PROCESSES[i].id, id))
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- descriptions */

void api_division_summaries(cJSON *list, const char *base)
{
    size_t i;

    for (i = 0; i < N_PROCESSES; i++)
        cJSON_AddItemToArray(list, api_process_summary(base, PROCESSES[i].id, PROCESSES[i].title,
                                                       PROCESSES[i].desc));
}

static void common_inputs(cJSON *in)
{
    api_process_input(in, "reason", "string",
                      "Why (required): the decision, kept in the audit and every new version");
    api_process_input(in, "approval", "string", "The approving document's number");
    api_process_input(in, "valid_from", "string",
                      "The effective date YYYY-MM-DD (default today): versions before it keep "
                      "the old divisions");
    api_process_input(in, "dry_run", "boolean",
                      "Do everything but commit: the answer says what would be written");
    api_process_input(in, "tolerance", "number",
                      "Metres below which gaps and overlaps are not problems (default 1)");
}

static void describe_inputs(int id, cJSON *in)
{
    switch (id) {
    case DP_TRANSFER:
        api_process_input(in, "from", "string", "The code of the division giving the area");
        api_process_input(in, "to", "string", "The code of its neighbour receiving it");
        api_process_input(in, "area", "object",
                          "A GeoJSON Polygon or MultiPolygon (CRS84, or its text): what of "
                          "\"from\" lies inside it moves");
        api_process_input(in, "may_split", "boolean",
                          "Whether \"from\" may be left in more pieces than it had");
        break;
    case DP_RENAME:
        api_process_input(in, "code", "string", "The division's code");
        api_process_input(in, "name", "string", "The new name");
        api_process_input(in, "pinyin", "string", "The new pinyin (default: kept)");
        break;
    case DP_RECODE:
        api_process_input(in, "code", "string", "The division's code");
        api_process_input(in, "new_code", "string",
                          "Its new code, of the same level under an existing parent");
        break;
    case DP_MERGE:
        api_process_input(in, "codes", "array", "The codes of the divisions merged (2 to 16)");
        api_process_input(in, "into", "string", "The one of them that keeps its code");
        api_process_input(in, "new", "object",
                          "Or {\"code\", \"name\"}: a new division of the same level and parent");
        break;
    case DP_SPLIT:
        api_process_input(in, "code", "string", "The division split");
        api_process_input(in, "line", "object", "A GeoJSON LineString across it");
        api_process_input(in, "parts", "array", "Or GeoJSON Polygons that cover it");
        api_process_input(in, "new", "array",
                          "[{\"code\", \"name\"}, ...]: one per part (by line: west to east); "
                          "the division's own code keeps its row");
        api_process_input(in, "children", "string", "by-location (the only way, the default)");
        break;
    default:
        api_process_input(in, "code", "string",
                          "The subtree's division code (default: everything)");
        api_process_input(in, "tolerance", "number", "Metres (default 1)");
        return;
    }
    common_inputs(in);
}

bool api_division_describe(const struct api_request *req, struct api_response *res)
{
    int id = process_find(req->path_params[0]);
    cJSON *p, *o;
    char base[160];

    if (id < 0)
        return false;
    api_base_url(req, base, sizeof base);
    p = api_process_summary(base, PROCESSES[id].id, PROCESSES[id].title, PROCESSES[id].desc);
    describe_inputs(id, cJSON_AddObjectToObject(p, "inputs"));
    o = cJSON_AddObjectToObject(cJSON_AddObjectToObject(p, "outputs"), "result");
    cJSON_AddStringToObject(o, "title",
                            id == DP_VALIDATE ? "ok, parents_checked and the problems"
                                              : "dry_run, audit_id (revert it with POST "
                                                "/audit/{id}/revert), the checks and every "
                                                "division changed with its new geometry");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "schema"), "type", "object");
    api_send_json(res, p, "application/json");
    return true;
}

/* ---------------------------------------------------------------- inputs */

/* A job's inputs: strings point into root (a copy of the body) or are owned here. */
struct division_job {
    int process;
    cJSON *root;
    char *area; /* the area printed, when given as an object */
    struct editor *ed;
    struct auth_identity who;
    struct division_op_common c;
    struct division_transfer_input transfer;
    const char *code, *name, *pinyin, *new_code;
    struct division_merge_input merge;
    const char *codes[DIVISION_MERGE_MAX];
    struct division_split_input split;
    char *texts[DIVISION_MERGE_MAX + 1]; /* the line or parts printed */
    struct division_new news[DIVISION_MERGE_MAX];
};

static void division_job_free(void *ctx)
{
    struct division_job *dj = ctx;
    size_t i;

    if (!dj)
        return;
    cJSON_Delete(dj->root);
    cJSON_free(dj->area);
    for (i = 0; i <= DIVISION_MERGE_MAX; i++)
        cJSON_free(dj->texts[i]);
    free(dj);
}

static enum gis_status
need(const char *v, const char *name, const char *process, struct gis_error *err)
{
    if (v && *v)
        return GIS_OK;
    return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\" is required by %s", name, process);
}

static enum gis_status
common_parse(const cJSON *in, struct division_op_common *c, struct gis_error *err)
{
    enum gis_status rc = json_inputs_string(in, "reason", &c->reason, err);

    if (rc == GIS_OK)
        rc = json_inputs_string(in, "approval", &c->approval_doc, err);
    if (rc == GIS_OK)
        rc = json_inputs_string(in, "valid_from", &c->valid_from, err);
    if (rc == GIS_OK)
        rc = json_inputs_bool(in, "dry_run", &c->is_dry_run, err);
    if (rc == GIS_OK)
        rc = json_inputs_number(in, "tolerance", 0.001, 1000, false, &c->tolerance_m, err);
    return rc == GIS_OK ? need(c->reason, "reason", "a division operation", err) : rc;
}

/* "area": a GeoJSON object (printed here) or its text. */
static enum gis_status area_parse(const cJSON *in, struct division_job *dj, struct gis_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(in, "area");

    if (cJSON_IsObject(a)) {
        dj->area = cJSON_PrintUnformatted(a);
        dj->transfer.area = dj->area;
        return dj->area ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    if (a && !cJSON_IsString(a))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "input \"area\": a GeoJSON Polygon or MultiPolygon object");
    dj->transfer.area = a ? a->valuestring : NULL;
    return need(dj->transfer.area, "area", "transfer-area", err);
}

static enum gis_status
transfer_parse(const cJSON *in, struct division_job *dj, struct gis_error *err)
{
    struct division_transfer_input *t = &dj->transfer;
    enum gis_status rc = json_inputs_string(in, "from", &t->from, err);

    if (rc == GIS_OK)
        rc = json_inputs_string(in, "to", &t->to, err);
    if (rc == GIS_OK)
        rc = json_inputs_bool(in, "may_split", &t->may_split, err);
    if (rc == GIS_OK)
        rc = need(t->from, "from", "transfer-area", err);
    if (rc == GIS_OK)
        rc = need(t->to, "to", "transfer-area", err);
    return rc == GIS_OK ? area_parse(in, dj, err) : rc;
}

/* The inputs of rename-division and recode-division besides code. */
static enum gis_status
names_parse(const cJSON *in, struct division_job *dj, const char *id, struct gis_error *err)
{
    enum gis_status rc;

    if (dj->process == DP_RECODE) {
        rc = json_inputs_string(in, "new_code", &dj->new_code, err);
        return rc == GIS_OK ? need(dj->new_code, "new_code", id, err) : rc;
    }
    rc = json_inputs_string(in, "name", &dj->name, err);
    if (rc == GIS_OK)
        rc = json_inputs_string(in, "pinyin", &dj->pinyin, err);
    return rc == GIS_OK ? need(dj->name, "name", id, err) : rc;
}

static enum gis_status
merge_new_parse(const cJSON *nw, struct division_merge_input *m, struct gis_error *err)
{
    static const char *const NEW_MEMBERS[] = {"code", "name", NULL};
    enum gis_status rc;

    if (!cJSON_IsObject(nw))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"new\": {\"code\", \"name\"}");
    rc = json_inputs_names(nw, "member of \"new\":", NEW_MEMBERS, err);
    if (rc == GIS_OK)
        rc = json_inputs_string(nw, "code", &m->new_code, err);
    return rc == GIS_OK ? json_inputs_string(nw, "name", &m->new_name, err) : rc;
}

/* merge-divisions: "codes" an array of strings, "into" or "new": {"code", "name"}. */
static enum gis_status merge_parse(const cJSON *in, struct division_job *dj, struct gis_error *err)
{
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(in, "codes"), *c;
    const cJSON *nw = cJSON_GetObjectItemCaseSensitive(in, "new");
    struct division_merge_input *m = &dj->merge;
    enum gis_status rc = json_inputs_string(in, "into", &m->into, err);

    if (rc != GIS_OK)
        return rc;
    if (!cJSON_IsArray(codes) || cJSON_GetArraySize(codes) < 2 ||
        cJSON_GetArraySize(codes) > DIVISION_MERGE_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "input \"codes\" (required): an array of 2 to %d division codes",
                        DIVISION_MERGE_MAX);
    cJSON_ArrayForEach(c, codes)
    {
        if (!cJSON_IsString(c))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"codes\": strings only");
        dj->codes[m->n_codes++] = c->valuestring;
    }
    m->codes = dj->codes;
    rc = nw ? merge_new_parse(nw, m, err) : GIS_OK;
    if (rc == GIS_OK && !m->into == !m->new_code)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG,
                      "merge-divisions needs either \"into\" or \"new\": {\"code\", \"name\"}");
    if (rc == GIS_OK && m->new_code)
        rc = need(m->new_name, "new.name", "merge-divisions", err);
    return rc;
}

/* A GeoJSON object input printed into dj->texts[slot]. */
static enum gis_status geo_text(
    const cJSON *v, const char *name, struct division_job *dj, size_t slot, struct gis_error *err)
{
    if (!cJSON_IsObject(v))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\": GeoJSON geometry objects", name);
    dj->texts[slot] = cJSON_PrintUnformatted(v);
    return dj->texts[slot] ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
}

/* "new": [{"code", "name"}, ...]. */
static enum gis_status split_news(const cJSON *nw, struct division_job *dj, struct gis_error *err)
{
    static const char *const MEMBERS[] = {"code", "name", NULL};
    struct division_split_input *x = &dj->split;
    const cJSON *e;
    enum gis_status rc = GIS_OK;

    if (!cJSON_IsArray(nw) || cJSON_GetArraySize(nw) < 2 ||
        cJSON_GetArraySize(nw) > DIVISION_MERGE_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "input \"new\" (required): 2 to %d objects {\"code\", \"name\"}",
                        DIVISION_MERGE_MAX);
    cJSON_ArrayForEach(e, nw)
    {
        struct division_new *d = &dj->news[x->n_new++];
        rc = cJSON_IsObject(e) ? json_inputs_names(e, "member of \"new\":", MEMBERS, err)
                               : gis_fail(err, GIS_ERR_INVALID_ARG,
                                          "input \"new\": objects {\"code\", \"name\"}");
        if (rc == GIS_OK)
            rc = json_inputs_string(e, "code", &d->code, err);
        if (rc == GIS_OK)
            rc = json_inputs_string(e, "name", &d->name, err);
        if (rc == GIS_OK && (!d->code || !d->name))
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "input \"new\": each needs code and name");
        if (rc != GIS_OK)
            return rc;
    }
    x->news = dj->news;
    return GIS_OK;
}

/* "parts": GeoJSON Polygons, printed. */
static enum gis_status
split_parts(const cJSON *parts, struct division_job *dj, struct gis_error *err)
{
    struct division_split_input *x = &dj->split;
    const cJSON *p;
    enum gis_status rc = GIS_OK;

    if (!cJSON_IsArray(parts) || cJSON_GetArraySize(parts) > DIVISION_MERGE_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"parts\": an array of up to %d Polygons",
                        DIVISION_MERGE_MAX);
    cJSON_ArrayForEach(p, parts)
    {
        if (rc == GIS_OK)
            rc = geo_text(p, "parts", dj, x->n_parts++, err);
    }
    x->parts = (const char *const *)dj->texts;
    return rc;
}

static enum gis_status split_parse(const cJSON *in, struct division_job *dj, struct gis_error *err)
{
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(in, "line");
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(in, "parts");
    const char *children = NULL;
    struct division_split_input *x = &dj->split;
    enum gis_status rc = json_inputs_string(in, "children", &children, err);

    x->code = dj->code;
    if (rc == GIS_OK && children && strcmp(children, "by-location"))
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "input \"children\": only \"by-location\"");
    if (rc == GIS_OK && !line == !parts)
        rc =
            gis_fail(err, GIS_ERR_INVALID_ARG, "split-division needs either \"line\" or \"parts\"");
    if (rc == GIS_OK && line && (rc = geo_text(line, "line", dj, 0, err)) == GIS_OK)
        x->line = dj->texts[0];
    if (rc == GIS_OK && parts)
        rc = split_parts(parts, dj, err);
    return rc == GIS_OK ? split_news(cJSON_GetObjectItemCaseSensitive(in, "new"), dj, err) : rc;
}

static enum gis_status inputs_parse(const cJSON *in, struct division_job *dj, struct gis_error *err)
{
    const char *id = PROCESSES[dj->process].id;
    enum gis_status rc = json_inputs_names(in, "input", PROCESSES[dj->process].inputs, err);

    if (rc == GIS_OK)
        rc = json_inputs_string(in, "code", &dj->code, err);
    if (rc != GIS_OK)
        return rc;
    if (dj->process == DP_VALIDATE)
        return json_inputs_number(in, "tolerance", 0.001, 1000, false, &dj->c.tolerance_m, err);
    rc = common_parse(in, &dj->c, err);
    if (rc == GIS_OK && dj->process == DP_TRANSFER)
        return transfer_parse(in, dj, err);
    if (rc == GIS_OK && dj->process == DP_MERGE)
        return merge_parse(in, dj, err);
    if (rc == GIS_OK && dj->process == DP_SPLIT)
        rc = need(dj->code, "code", id, err);
    if (rc == GIS_OK && dj->process == DP_SPLIT)
        return split_parse(in, dj, err);
    if (rc == GIS_OK)
        rc = need(dj->code, "code", id, err);
    return rc == GIS_OK ? names_parse(in, dj, id, err) : rc;
}

static enum gis_status body_parse(const cJSON *root, struct division_job *dj, struct gis_error *err)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    enum gis_status rc = GIS_OK;

    if (!cJSON_IsObject(in))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body needs an \"inputs\" object");
    if (outputs)
        rc = json_inputs_names(outputs, "output", OUTPUTS, err);
    return rc == GIS_OK ? inputs_parse(in, dj, err) : rc;
}

/* ---------------------------------------------------------------- results */

static void print_json(FILE *f, cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    if (text)
        fputs(text, f);
    cJSON_free(text);
    cJSON_Delete(o);
}

static cJSON *change_json(const struct division_change *c)
{
    cJSON *x = cJSON_CreateObject();

    cJSON_AddStringToObject(x, "code", c->code);
    cJSON_AddStringToObject(x, "action", c->action);
    if (c->former_code[0])
        cJSON_AddStringToObject(x, "former_code", c->former_code);
    if (c->parent[0])
        cJSON_AddStringToObject(x, "parent", c->parent);
    if (c->name[0])
        cJSON_AddStringToObject(x, "name", c->name);
    if (c->layer[0])
        cJSON_AddStringToObject(x, "layer", c->layer);
    cJSON_AddItemToObject(x, "geometry", c->geojson ? cJSON_Parse(c->geojson) : cJSON_CreateNull());
    return x;
}

static void result_write(FILE *f, const struct division_op_result *r)
{
    cJSON *o = cJSON_CreateObject(), *arr;
    size_t i;

    cJSON_AddBoolToObject(o, "dry_run", r->is_dry_run);
    cJSON_AddNumberToObject(o, "audit_id", (double)r->audit_id);
    cJSON_AddNumberToObject(o, "parents_checked", (double)r->parents_checked);
    cJSON_AddBoolToObject(o, "coverage_ok", true); /* a failing check refuses the operation */
    cJSON_AddNumberToObject(o, "area_before_m2", r->area_before_m2);
    cJSON_AddNumberToObject(o, "area_after_m2", r->area_after_m2);
    cJSON_AddNumberToObject(o, "moved_area_m2", r->moved_area_m2);
    arr = cJSON_AddArrayToObject(o, "changes");
    for (i = 0; i < r->n; i++)
        cJSON_AddItemToArray(arr, change_json(&r->items[i]));
    print_json(f, o);
}

/* The 422 body of a refusal, kept as the failed job's details (api_job_answer). */
static void rejected_write(FILE *f, const struct edit_problems *p)
{
    print_json(f, api_rejected_json(p, "refused, nothing was written"));
}

static cJSON *problem_json(const struct division_problem *p)
{
    cJSON *o = cJSON_CreateObject(), *codes = cJSON_AddArrayToObject(o, "codes");
    int i;

    cJSON_AddStringToObject(o, "kind", division_problem_kind_name(p->kind));
    cJSON_AddStringToObject(o, "parent", p->parent);
    for (i = 0; i < 2; i++)
        if (p->codes[i][0])
            cJSON_AddItemToArray(codes, cJSON_CreateString(p->codes[i]));
    cJSON_AddNumberToObject(o, "area_m2", p->area_m2);
    cJSON_AddItemToObject(o, "location", p->geojson ? cJSON_Parse(p->geojson) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "point", cJSON_CreateDoubleArray((double[]){p->lon, p->lat}, 2));
    if (p->detail[0])
        cJSON_AddStringToObject(o, "detail", p->detail);
    return o;
}

static enum gis_status
validate_run(struct division_job *dj, struct store *st, FILE *f, struct gis_error *err)
{
    struct division_problems ps = {0};
    double tol = dj->c.tolerance_m > 0 ? dj->c.tolerance_m : DIVISION_TOPO_DEFAULT_TOLERANCE_M;
    size_t parents = 0, i;
    enum gis_status rc = division_ops_validate(st, dj->code, tol, &ps, &parents, err);
    cJSON *o, *arr;

    if (rc != GIS_OK)
        return rc;
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", ps.n == 0);
    cJSON_AddNumberToObject(o, "parents_checked", (double)parents);
    cJSON_AddNumberToObject(o, "tolerance_m", tol);
    arr = cJSON_AddArrayToObject(o, "problems");
    for (i = 0; i < ps.n; i++)
        cJSON_AddItemToArray(arr, problem_json(&ps.items[i]));
    print_json(f, o);
    division_problems_clear(&ps);
    return GIS_OK;
}

static enum gis_status division_job_run(
    void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    struct division_job *dj = ctx;
    struct division_op_result *r = NULL;
    struct edit_problems problems = {0};
    enum gis_status rc;

    (void)pr;
    if (dj->process == DP_VALIDATE)
        return validate_run(dj, st, f, err);
    if (dj->process == DP_TRANSFER)
        rc = division_ops_transfer(dj->ed, &dj->who, &dj->transfer, &r, &problems, err);
    else if (dj->process == DP_SPLIT)
        rc = division_ops_split(dj->ed, &dj->who, &dj->split, &r, &problems, err);
    else if (dj->process == DP_MERGE)
        rc = division_ops_merge(dj->ed, &dj->who, &dj->merge, &r, &problems, err);
    else if (dj->process == DP_RENAME)
        rc = division_ops_rename(dj->ed, &dj->who, &dj->c, dj->code, dj->name, dj->pinyin, &r,
                                 &problems, err);
    else
        rc = division_ops_recode(dj->ed, &dj->who, &dj->c, dj->code, dj->new_code, &r, &problems,
                                 err);
    if (rc == GIS_OK)
        result_write(f, r);
    else if (rc == GIS_ERR_REJECTED && problems.n)
        rejected_write(f, &problems);
    division_op_result_free(r);
    return rc;
}

/* ---------------------------------------------------------------- execution */

/* The process of a route /processes/{id}/execution. */
static int process_of_path(const char *path)
{
    char id[40];
    const char *p = path + strlen("/processes/"), *end = strchr(p, '/');

    if (strncmp(path, "/processes/", 11) || !end || (size_t)(end - p) >= sizeof id)
        return -1;
    memcpy(id, p, (size_t)(end - p));
    id[end - p] = '\0';
    return process_find(id);
}

static struct division_job *job_new(const struct api_request *req, int process, const cJSON *root)
{
    struct division_job *dj = calloc(1, sizeof *dj);

    if (!dj)
        return NULL;
    dj->process = process;
    dj->ed = req->editor;
    dj->who = req->who;
    if (!(dj->root = cJSON_Duplicate(root, true))) {
        free(dj);
        return NULL;
    }
    return dj;
}

void api_division_execute(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    int process = process_of_path(req->path);
    struct division_job *dj = NULL;
    cJSON *root = NULL;
    struct job_spec spec = {.run = division_job_run, .ctx_free = division_job_free};

    if (process < 0) {
        api_error(res, 404, "not_found", "no such process; see /processes");
        return;
    }
    if (process != DP_VALIDATE && !req->editor) {
        api_error(res, 503, "read_only", "this server has no writable database");
        return;
    }
    if (json_inputs_parse(req->body, req->body_len, &root, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    dj = job_new(req, process, root);
    cJSON_Delete(root);
    if (!dj) {
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    if (body_parse(dj->root, dj, &err) != GIS_OK) {
        division_job_free(dj);
        api_fail(res, &err);
        return;
    }
    dj->transfer.c = dj->merge.c = dj->split.c = dj->c;
    spec.process = PROCESSES[process].id;
    spec.ctx = dj;
    spec.is_long = process == DP_VALIDATE && !dj->code; /* everything: a few seconds */
    spec.has_error_body = true;
    spec.read_role = process == DP_VALIDATE ? AUTH_ANONYMOUS : AUTH_OFFICER;
    api_job_run(req, res, &spec, api_is_async(req));
}
