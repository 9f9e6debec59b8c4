/*
 * civgis plan FILE --db DB: runs every problem of a plan file (site selection with
 * stated assumptions), stores each answer as the scenario "PLAN/PROBLEM" (replacing
 * the one an earlier run left), and reports coverage per county before and after.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "coverage_run.h"
#include "site_run.h"
#include "store.h"

#define MAX_PLAN_BYTES (1 << 20)

static const char USAGE[] =
    "usage: civgis plan FILE --db DB [--format text|json] [--out FILE]\n"
    "\n"
    "Runs each problem of the plan FILE (see data/scenarios/yanan-2024.json), saves each\n"
    "answer as scenario PLAN/PROBLEM (replacing an earlier run's), and prints coverage\n"
    "per county before and after.\n";

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

struct run_ctx {
    struct store *st;
    struct site_params *site;
    struct coverage_params cov;
};

static enum gis_status write_site(void *ctx, FILE *f, struct gis_error *err)
{
    struct run_ctx *c = ctx;
    return site_write(c->st, c->site, SITE_SUMMARY, f, err);
}

static enum gis_status write_coverage(void *ctx, FILE *f, struct gis_error *err)
{
    struct run_ctx *c = ctx;
    return coverage_write(c->st, &c->cov, COVERAGE_SUMMARY, f, err);
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

static enum gis_status
coverage_pair(struct run_ctx *c, int64_t scenario, cJSON *report, struct gis_error *err)
{
    cJSON *before = NULL, *after = NULL;
    enum gis_status rc;

    c->cov.kinds = c->site->kinds;
    c->cov.weight = c->site->weight ? c->site->weight : "elderly_60plus";
    c->cov.radius_m = c->site->problem == SITE_MCLP || c->site->problem == SITE_LSCP
                          ? c->site->radius_m
                          : 0; /* the kind's service standard */
    c->cov.scenario = -1;
    rc = capture(write_coverage, c, &before, err);
    c->cov.scenario = scenario;
    if (rc == GIS_OK)
        rc = capture(write_coverage, c, &after, err);
    if (rc == GIS_OK)
        cJSON_AddItemToObject(report, "coverage", compare(before, after));
    cJSON_Delete(before);
    cJSON_Delete(after);
    return rc;
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

static enum gis_status run_problem(struct store *st,
                                   const cJSON *plan,
                                   const cJSON *problem,
                                   cJSON *reports,
                                   struct gis_error *err)
{
    char name[200];
    struct site_params p;
    struct run_ctx c = {st, &p, {0}};
    cJSON *in = merged_inputs(plan, problem), *report = cJSON_CreateObject(), *result = NULL;
    enum gis_status rc;

    snprintf(name, sizeof name, "%s/%s", cJSON_GetStringValue(cJSON_GetObjectItem(plan, "name")),
             cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")) ?: "problem");
    cJSON_AddItemToArray(reports, report);
    cJSON_AddStringToObject(report, "scenario", name);
    cJSON_AddItemToObject(report, "title",
                          cJSON_Duplicate(cJSON_GetObjectItem(problem, "title"), true));
    rc = site_params_from_json(in, &p, err);
    p.save_name = name;
    p.replace_scenario = true; /* a rerun replaces its own answer, in one transaction */
    p.user = "civgis plan";
    if (rc == GIS_OK)
        rc = capture(write_site, &c, &result, err);
    if (rc == GIS_OK) {
        cJSON_AddItemToObject(report, "result", result);
        rc = coverage_pair(
            &c, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(result, "scenario_id")), report,
            err);
    }
    cJSON_Delete(in);
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

/* Every problem's inputs are checked before anything runs or is stored. */
static enum gis_status check_plan(const cJSON *plan, struct gis_error *err)
{
    const cJSON *problem;
    enum gis_status rc = GIS_OK;

    cJSON_ArrayForEach(problem, cJSON_GetObjectItem(plan, "problems"))
    {
        cJSON *in = merged_inputs(plan, problem);
        struct site_params p;
        if (rc == GIS_OK && !cJSON_IsString(cJSON_GetObjectItem(problem, "name")))
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "every problem needs a \"name\"");
        if (rc == GIS_OK)
            rc = site_params_from_json(in, &p, err);
        if (rc == GIS_OK && !p.kinds)
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "problem %s: \"kind\" is required",
                          cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")));
        cJSON_Delete(in);
    }
    return rc;
}

static enum gis_status
run_plan(struct store *st, const cJSON *plan, cJSON *reports, struct gis_error *err)
{
    const cJSON *problem;
    enum gis_status rc = check_plan(plan, err);

    cJSON_ArrayForEach(problem, cJSON_GetObjectItem(plan, "problems"))
    {
        if (rc != GIS_OK)
            break;
        fprintf(stderr, "civgis plan: %s ...\n",
                cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")) ?: "problem");
        rc = run_problem(st, plan, problem, reports, err);
    }
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
