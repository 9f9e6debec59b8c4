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
#include "plan_run.h"
#include "site_inputs.h"
#include "site_render.h"
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

static const char *plan_name(const cJSON *plan)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(plan, "name"));
}

static const char *problem_name(const cJSON *problem)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(problem, "name")) ?: "problem";
}

/* One problem of the plan: its inputs (the params' strings point into them), where it
 * is in the plan file, and the run's part. */
struct item {
    cJSON *in;
    const cJSON *problem;
    struct plan_problem pb;
};

static void print_text(FILE *f, const struct item *items, size_t n)
{
    struct gis_error err = {0};
    size_t k, i;

    for (k = 0; k < n; k++) {
        const struct plan_problem *pb = &items[k].pb;
        struct site_summary s = {0};
        if (site_answer_summary(pb->answer, &pb->params, &s, &err) != GIS_OK)
            continue;
        fprintf(f, "\n%s  %s\n", pb->scenario,
                cJSON_GetStringValue(cJSON_GetObjectItem(items[k].problem, "title")) ?: "");
        fprintf(f, "  %s: %g sites, objective %.6g, bound %.6g, gap %.3f%%, %.2f s\n",
                site_problem_name(s.problem), (double)s.result->n_open, s.result->objective,
                s.result->bound, 100 * s.result->gap, s.result->seconds);
        /* Names last: printf pads bytes, not the width of Chinese characters. */
        fprintf(f, "  %-8s %8s %8s  %s\n", "code", "before", "after", "division");
        for (i = 0; i < pb->n_shares; i++)
            fprintf(f, "  %-8s %7.1f%% %7.1f%%  %s\n", pb->shares[i].code,
                    100 * pb->shares[i].before, 100 * pb->shares[i].after, pb->shares[i].name);
        site_summary_free(&s);
    }
}

/* The report of one problem: its scenario, title, answer and coverage before and after. */
static enum gis_status problem_report(const struct item *it, cJSON *reports, struct gis_error *err)
{
    const struct plan_problem *pb = &it->pb;
    cJSON *r = cJSON_CreateObject(), *rows, *result = NULL;
    struct site_summary s = {0};
    enum gis_status rc = site_answer_summary(pb->answer, &pb->params, &s, err);
    size_t i;

    cJSON_AddItemToArray(reports, r);
    cJSON_AddStringToObject(r, "scenario", pb->scenario);
    cJSON_AddItemToObject(r, "title",
                          cJSON_Duplicate(cJSON_GetObjectItem(it->problem, "title"), true));
    if (rc == GIS_OK)
        rc = site_render_summary(&s, pb->scenario_id, &result, err);
    if (rc == GIS_OK) {
        cJSON_AddItemToObject(r, "result", result);
        rows = cJSON_AddArrayToObject(r, "coverage");
        for (i = 0; i < pb->n_shares; i++) {
            cJSON *row = cJSON_CreateObject();
            cJSON_AddStringToObject(row, "code", pb->shares[i].code);
            cJSON_AddStringToObject(row, "name", pb->shares[i].name);
            cJSON_AddNumberToObject(row, "before", pb->shares[i].before);
            cJSON_AddNumberToObject(row, "after", pb->shares[i].after);
            cJSON_AddItemToArray(rows, row);
        }
    }
    site_summary_free(&s);
    return rc;
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
        if (!plan_scenario_name(plan_name(plan), na, name, sizeof name))
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

/* Phase one: every problem solved, writing nothing. */
static enum gis_status
solve_all(struct store *st, const cJSON *plan, struct item *items, struct gis_error *err)
{
    const cJSON *problem;
    enum gis_status rc = GIS_OK;
    size_t k = 0;

    cJSON_ArrayForEach(problem, cJSON_GetObjectItem(plan, "problems"))
    {
        struct item *it = &items[k++];
        if (rc != GIS_OK)
            break;
        fprintf(stderr, "civgis plan: %s ...\n", problem_name(problem));
        it->problem = problem;
        it->in = merged_inputs(plan, problem);
        plan_scenario_name(plan_name(plan), problem_name(problem), it->pb.scenario,
                           sizeof it->pb.scenario);
        rc = site_inputs_from_json(it->in, &it->pb.params, err);
        if (rc == GIS_OK)
            rc = plan_run_solve(st, &it->pb, err);
    }
    return rc;
}

/* Phase two: one transaction replaces the plan's scenarios, all or nothing. */
static enum gis_status
save_all(struct store *st, const cJSON *plan, struct item *items, size_t n, struct gis_error *err)
{
    struct plan_problem *pbs = calloc(n ? n : 1, sizeof *pbs);
    struct site_saved_texts *texts = calloc(n ? n : 1, sizeof *texts);
    enum gis_status rc = pbs && texts ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    size_t k;

    for (k = 0; rc == GIS_OK && k < n; k++)
        rc = site_render_texts(items[k].pb.answer, &items[k].pb.params, &texts[k], err);
    for (k = 0; pbs && k < n; k++)
        pbs[k] = items[k].pb; /* moved for the call, moved back after */
    if (rc == GIS_OK) {
        fprintf(stderr, "civgis plan: saving %zu scenarios ...\n", n);
        rc = plan_run_save(st, plan_name(plan), pbs, texts, n, err);
    }
    for (k = 0; pbs && k < n; k++)
        items[k].pb = pbs[k];
    for (k = 0; texts && k < n; k++)
        site_render_texts_free(&texts[k]);
    free(pbs);
    free(texts);
    return rc;
}

/* The report, in text or as JSON. */
static enum gis_status write_report(const struct opts *o,
                                    const cJSON *plan,
                                    const struct item *items,
                                    size_t n,
                                    struct gis_error *err)
{
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    cJSON *report = NULL;
    enum gis_status rc = GIS_OK;
    size_t k;
    char *text;

    if (!f)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s': %s", o->out, strerror(errno));
    if (!strcmp(o->format, "json")) {
        report = cJSON_CreateObject();
        cJSON_AddStringToObject(report, "plan", plan_name(plan));
        cJSON *reports = cJSON_AddArrayToObject(report, "problems");
        for (k = 0; rc == GIS_OK && k < n; k++)
            rc = problem_report(&items[k], reports, err);
        text = rc == GIS_OK ? cJSON_Print(report) : NULL;
        if (rc == GIS_OK)
            fprintf(f, "%s\n", text ? text : "null");
        free(text);
        cJSON_Delete(report);
    } else {
        print_text(f, items, n);
    }
    if (f != stdout && fclose(f) != 0 && rc == GIS_OK)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s'", o->out);
    return rc;
}

static enum gis_status
run_plan(struct store *st, const cJSON *plan, const struct opts *o, struct gis_error *err)
{
    size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(plan, "problems")), k;
    struct item *items = calloc(n ? n : 1, sizeof *items);
    enum gis_status rc =
        items ? check_plan(plan, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    if (rc == GIS_OK)
        rc = solve_all(st, plan, items, err);
    if (rc == GIS_OK)
        rc = save_all(st, plan, items, n, err);
    if (rc == GIS_OK)
        rc = write_report(o, plan, items, n, err);
    for (k = 0; items && k < n; k++) {
        plan_problem_clear(&items[k].pb);
        cJSON_Delete(items[k].in);
    }
    free(items);
    return rc;
}

int cli_plan(int argc, char **argv)
{
    struct opts o = {0};
    struct gis_error err = {0};
    struct store *st = NULL;
    cJSON *plan = NULL;
    enum gis_status rc;
    int prc = parse_args(argc, argv, &o);

    if (prc != CLI_OK)
        return prc < 0 ? CLI_OK : prc;
    rc = read_plan(o.file, &plan, &err);
    if (rc == GIS_OK)
        rc = store_open(o.db, STORE_READ_WRITE, &st, &err);
    if (rc == GIS_OK)
        rc = run_plan(st, plan, &o, &err);
    store_close(st);
    cJSON_Delete(plan);
    if (rc != GIS_OK) {
        cli_report("plan", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}
