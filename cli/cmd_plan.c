/*
 * civgis plan FILE --db DB: runs every problem of a plan file (site selection with
 * stated assumptions), stores the answers as the scenarios "PLAN/PROBLEM", and reports
 * coverage per county before and after. The plan is one unit: every problem is solved
 * first, writing nothing, then one transaction replaces all of the plan's scenarios
 * (every "PLAN/..." an earlier run left) with this run's. A run that fails or is killed
 * leaves the earlier run's scenarios exactly as they were.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "coverage_analysis.h"
#include "scenario.h"
#include "site_inputs.h"
#include "site_run.h"
#include "store.h"

#define MAX_PLAN_BYTES (1 << 20)

static const char USAGE[] =
    "usage: civgis plan FILE --db DB [--format text|json] [--out FILE]\n"
    "\n"
    "Runs each problem of the plan FILE (see data/scenarios/yanan-2024.json), saves the\n"
    "answers as scenarios PLAN/PROBLEM in one transaction (replacing every PLAN/...\n"
    "scenario of an earlier run), and prints coverage per county before and after.\n";

struct opts {
    const char *file, *db, *format, *out;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    o->format = "text";
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'd')
            o->db = optarg;
        else if (ch == 'f')
            o->format = optarg;
        else if (ch == 'o')
            o->out = optarg;
        else {
            fputs(USAGE, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? -1 : CLI_USAGE;
        }
    }
    if (optind + 1 != argc || !o->db) {
        fprintf(stderr, "civgis plan: a plan file and --db are required\n\n%s", USAGE);
        return CLI_USAGE;
    }
    if (strcmp(o->format, "text") && strcmp(o->format, "json")) {
        fprintf(stderr, "civgis plan: --format must be text or json\n");
        return CLI_USAGE;
    }
    o->file = argv[optind];
    return CLI_OK;
}

static enum gis_status read_plan(const char *path, cJSON **out, struct gis_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(MAX_PLAN_BYTES + 1);
    size_t len = 0;
    cJSON *root;

    if (!f || !buf) {
        free(buf);
        if (f)
            fclose(f);
        return gis_fail(err, GIS_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    len = fread(buf, 1, MAX_PLAN_BYTES + 1, f);
    fclose(f);
    root = len <= MAX_PLAN_BYTES ? cJSON_ParseWithLength(buf, len) : NULL;
    free(buf);
    if (!root)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "'%s' is not a JSON plan (at most 1 MB)", path);
    if (!cJSON_IsString(cJSON_GetObjectItem(root, "name")) ||
        !cJSON_IsArray(cJSON_GetObjectItem(root, "problems"))) {
        cJSON_Delete(root);
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a plan needs \"name\" and \"problems\"");
    }
    *out = root;
    return GIS_OK;
}

/* Runs f(ctx) into memory and parses the JSON it wrote. */
typedef enum gis_status (*writer_fn)(void *ctx, FILE *f, struct gis_error *err);

static enum gis_status capture(writer_fn fn, void *ctx, cJSON **out, struct gis_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    enum gis_status rc = f ? fn(ctx, f, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    if (f)
        fclose(f);
    if (rc == GIS_OK && !(*out = cJSON_ParseWithLength(buf, len)))
        rc = gis_fail(err, GIS_ERR_INTERNAL, "unreadable result");
    free(buf);
    return rc;
}

/* One problem of the plan: its inputs (p's strings point into them), its answer once
 * solved, and coverage without it. */
struct item {
    char name[200];
    cJSON *in;
    struct site_params p;
    struct site_answer *answer;
    cJSON *before;
    int64_t scenario;
    cJSON *report; /* owned by the report's "problems" array */
};

struct summary_ctx {
    const struct item *it;
};

static enum gis_status write_summary(void *ctx, FILE *f, struct gis_error *err)
{
    const struct item *it = ((struct summary_ctx *)ctx)->it;
    return site_answer_write(it->answer, &it->p, SITE_SUMMARY, it->scenario, f, err);
}

struct cov_ctx {
    struct store *st;
    struct coverage_params cov;
};

static enum gis_status write_coverage(void *ctx, FILE *f, struct gis_error *err)
{
    struct cov_ctx *c = ctx;
    return coverage_analysis_write(c->st, &c->cov, COVERAGE_SUMMARY, f, err);
}

static double share(const cJSON *d)
{
    double total = cJSON_GetNumberValue(cJSON_GetObjectItem(d, "demand_total"));
    return total > 0 ? cJSON_GetNumberValue(cJSON_GetObjectItem(d, "demand_covered")) / total : 0;
}

/* The county rows and the city row: share covered before and after. */
static cJSON *compare(const cJSON *before, const cJSON *after)
{
    cJSON *rows = cJSON_CreateArray();
    const cJSON *b, *a;

    cJSON_ArrayForEach(b, cJSON_GetObjectItem(before, "by_division"))
    {
        int level = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "level"));
        const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(b, "code"));
        cJSON *row;
        if (level > 3 || !code)
            continue;
        cJSON_ArrayForEach(a, cJSON_GetObjectItem(after, "by_division"))
        {
            if (!strcmp(code, cJSON_GetStringValue(cJSON_GetObjectItem(a, "code"))))
                break;
        }
        row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "code", code);
        cJSON_AddStringToObject(row, "name", cJSON_GetStringValue(cJSON_GetObjectItem(b, "name")));
        cJSON_AddNumberToObject(row, "before", share(b));
        cJSON_AddNumberToObject(row, "after", a ? share(a) : 0);
        cJSON_AddItemToArray(rows, row);
    }
    return rows;
}

/* Coverage of the problem's kinds, with its scenario's sites (scenario >= 0) or without. */
static enum gis_status coverage(
    struct store *st, const struct item *it, int64_t scenario, cJSON **out, struct gis_error *err)
{
    const struct site_params *p = &it->p;
    struct cov_ctx c = {st, {0}};

    c.cov.kinds = p->kinds;
    c.cov.weight = p->weight ? p->weight : "elderly_60plus";
    c.cov.radius_m = p->problem == SITE_MCLP || p->problem == SITE_LSCP
                         ? p->radius_m
                         : 0; /* the kind's service standard */
    c.cov.scenario = scenario;
    return capture(write_coverage, &c, out, err);
}

/* The problem's inputs over the plan's defaults. */
static cJSON *merged_inputs(const cJSON *plan, const cJSON *problem)
{
    cJSON *in = cJSON_Duplicate(cJSON_GetObjectItem(plan, "defaults"), true);
    const cJSON *x;

    if (!in)
        in = cJSON_CreateObject();
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(problem, "inputs"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(in, x->string);
        cJSON_AddItemToObject(in, x->string, cJSON_Duplicate(x, true));
    }
    return in;
}

static void scenario_name(const cJSON *plan, const cJSON *problem, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", cJSON_GetStringValue(cJSON_GetObjectItem(plan, "name")),
             cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")) ?: "problem");
}

/* Phase one, writing nothing: the problem's answer and the coverage before it. */
static enum gis_status solve_item(struct store *st,
                                  const cJSON *plan,
                                  const cJSON *problem,
                                  struct item *it,
                                  cJSON *reports,
                                  struct gis_error *err)
{
    enum gis_status rc;

    scenario_name(plan, problem, it->name, sizeof it->name);
    it->in = merged_inputs(plan, problem);
    it->report = cJSON_CreateObject();
    cJSON_AddItemToArray(reports, it->report);
    cJSON_AddStringToObject(it->report, "scenario", it->name);
    cJSON_AddItemToObject(it->report, "title",
                          cJSON_Duplicate(cJSON_GetObjectItem(problem, "title"), true));
    rc = site_inputs_from_json(it->in, &it->p, err);
    it->p.save_name = it->name;
    it->p.user = "civgis plan";
    if (rc == GIS_OK)
        rc = site_answer_solve(st, &it->p, &it->answer, err);
    if (rc == GIS_OK)
        rc = coverage(st, it, -1, &it->before, err);
    return rc;
}

/* Phase two, inside the plan's transaction: the scenario, the answer with its id, and
 * coverage with the new sites. */
static enum gis_status save_item(struct store *st, struct item *it, struct gis_error *err)
{
    struct summary_ctx sc = {it};
    cJSON *result = NULL, *after = NULL;
    enum gis_status rc = site_answer_save(st, it->answer, &it->p, &it->scenario, err);

    if (rc == GIS_OK)
        rc = capture(write_summary, &sc, &result, err);
    if (rc == GIS_OK) {
        cJSON_AddItemToObject(it->report, "result", result);
        rc = coverage(st, it, it->scenario, &after, err);
    }
    if (rc == GIS_OK)
        cJSON_AddItemToObject(it->report, "coverage", compare(it->before, after));
    cJSON_Delete(after);
    return rc;
}

static void print_text(FILE *f, const cJSON *reports)
{
    const cJSON *r, *row;

    cJSON_ArrayForEach(r, reports)
    {
        const cJSON *res = cJSON_GetObjectItem(r, "result");
        fprintf(f, "\n%s  %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(r, "scenario")),
                cJSON_GetStringValue(cJSON_GetObjectItem(r, "title")) ?: "");
        fprintf(f, "  %s: %g sites, objective %.6g, bound %.6g, gap %.3f%%, %.2f s\n",
                cJSON_GetStringValue(cJSON_GetObjectItem(res, "problem")),
                cJSON_GetNumberValue(cJSON_GetObjectItem(res, "n_sites")),
                cJSON_GetNumberValue(cJSON_GetObjectItem(res, "objective")),
                cJSON_GetNumberValue(cJSON_GetObjectItem(res, "bound")),
                100 * cJSON_GetNumberValue(cJSON_GetObjectItem(res, "gap")),
                cJSON_GetNumberValue(cJSON_GetObjectItem(res, "seconds")));
        /* Names last: printf pads bytes, not the width of Chinese characters. */
        fprintf(f, "  %-8s %8s %8s  %s\n", "code", "before", "after", "division");
        cJSON_ArrayForEach(row, cJSON_GetObjectItem(r, "coverage"))
        {
            fprintf(f, "  %-8s %7.1f%% %7.1f%%  %s\n",
                    cJSON_GetStringValue(cJSON_GetObjectItem(row, "code")),
                    100 * cJSON_GetNumberValue(cJSON_GetObjectItem(row, "before")),
                    100 * cJSON_GetNumberValue(cJSON_GetObjectItem(row, "after")),
                    cJSON_GetStringValue(cJSON_GetObjectItem(row, "name")));
        }
    }
}

/* Every problem's inputs are checked before anything runs or is stored, and the
 * problems' names (their scenarios') must differ. */
static enum gis_status check_names(const cJSON *plan, struct gis_error *err)
{
    const cJSON *a, *b;
    char name[200];

    cJSON_ArrayForEach(a, cJSON_GetObjectItem(plan, "problems"))
    {
        const char *na = cJSON_GetStringValue(cJSON_GetObjectItem(a, "name"));
        if (!na)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "every problem needs a \"name\"");
        scenario_name(plan, a, name, sizeof name);
        if (strlen(name) + 1 >= sizeof name)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "problem %.40s: the name is too long", na);
        for (b = a->next; b; b = b->next)
            if (!strcmp(na, cJSON_GetStringValue(cJSON_GetObjectItem(b, "name")) ?: ""))
                return gis_fail(err, GIS_ERR_INVALID_ARG, "two problems are named %.80s", na);
    }
    return GIS_OK;
}

static enum gis_status check_plan(const cJSON *plan, struct gis_error *err)
{
    const cJSON *problem;
    enum gis_status rc = check_names(plan, err);

    cJSON_ArrayForEach(problem, cJSON_GetObjectItem(plan, "problems"))
    {
        cJSON *in = merged_inputs(plan, problem);
        struct site_params p;
        if (rc == GIS_OK)
            rc = site_inputs_from_json(in, &p, err);
        if (rc == GIS_OK && !p.kinds)
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "problem %s: \"kind\" is required",
                          cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")));
        cJSON_Delete(in);
    }
    return rc;
}

/* Phase two: one transaction replaces the plan's scenarios, all or nothing. */
static enum gis_status
save_all(struct store *st, const cJSON *plan, struct item *items, size_t n, struct gis_error *err)
{
    char prefix[200];
    size_t k, removed = 0;
    enum gis_status rc = store_begin(st, err);

    snprintf(prefix, sizeof prefix, "%s/", cJSON_GetStringValue(cJSON_GetObjectItem(plan, "name")));
    if (rc == GIS_OK)
        rc = scenario_remove_prefix(st, prefix, "civgis plan", "replaced by a new run of the plan",
                                    &removed, err);
    for (k = 0; rc == GIS_OK && k < n; k++)
        rc = save_item(st, &items[k], err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    if (rc != GIS_OK)
        store_rollback(st);
    return rc;
}

static enum gis_status
run_plan(struct store *st, const cJSON *plan, cJSON *reports, struct gis_error *err)
{
    const cJSON *problems = cJSON_GetObjectItem(plan, "problems"), *problem;
    size_t n = (size_t)cJSON_GetArraySize(problems), k = 0;
    struct item *items = calloc(n ? n : 1, sizeof *items);
    enum gis_status rc =
        items ? check_plan(plan, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    cJSON_ArrayForEach(problem, problems)
    {
        if (rc != GIS_OK)
            break;
        fprintf(stderr, "civgis plan: %s ...\n",
                cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")) ?: "problem");
        rc = solve_item(st, plan, problem, &items[k++], reports, err);
    }
    if (rc == GIS_OK) {
        fprintf(stderr, "civgis plan: saving %zu scenarios ...\n", n);
        rc = save_all(st, plan, items, n, err);
    }
    for (k = 0; items && k < n; k++) {
        site_answer_free(items[k].answer);
        cJSON_Delete(items[k].in);
        cJSON_Delete(items[k].before);
    }
    free(items);
    return rc;
}

static enum gis_status
write_report(const struct opts *o, const cJSON *report, struct gis_error *err)
{
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    char *text;

    if (!f)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s': %s", o->out, strerror(errno));
    if (!strcmp(o->format, "json")) {
        text = cJSON_Print(report);
        fprintf(f, "%s\n", text ? text : "null");
        free(text);
    } else {
        print_text(f, cJSON_GetObjectItem(report, "problems"));
    }
    if (f != stdout && fclose(f) != 0)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s'", o->out);
    return GIS_OK;
}

int cli_plan(int argc, char **argv)
{
    struct opts o = {0};
    struct gis_error err = {0};
    struct store *st = NULL;
    cJSON *plan = NULL, *report = cJSON_CreateObject();
    enum gis_status rc;
    int prc = parse_args(argc, argv, &o);

    if (prc != CLI_OK) {
        cJSON_Delete(report);
        return prc < 0 ? CLI_OK : prc;
    }
    rc = read_plan(o.file, &plan, &err);
    if (rc == GIS_OK)
        rc = store_open(o.db, STORE_READ_WRITE, &st, &err);
    if (rc == GIS_OK) {
        cJSON_AddStringToObject(report, "plan",
                                cJSON_GetStringValue(cJSON_GetObjectItem(plan, "name")));
        rc = run_plan(st, plan, cJSON_AddArrayToObject(report, "problems"), &err);
    }
    if (rc == GIS_OK)
        rc = write_report(&o, report, &err);
    store_close(st);
    cJSON_Delete(plan);
    cJSON_Delete(report);
    if (rc != GIS_OK) {
        cli_report("plan", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}
