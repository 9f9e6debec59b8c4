/*
 * The plan runner (see plan_run.h): two phases so that solving, which may take minutes
 * and fail, never holds the write transaction, and the transaction holds every save.
 */
#include "plan_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

bool plan_scenario_name(const char *plan, const char *problem, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", plan, problem);

    return n >= 0 && (size_t)n + 1 < size;
}

/* Coverage of the problem's kinds, with its scenario's sites (scenario >= 0) or without. */
static enum gis_status coverage(struct store *st,
                                const struct site_params *p,
                                int64_t scenario,
                                struct coverage_analysis **out,
                                struct gis_error *err)
{
    struct coverage_params c = {0};

    c.kinds = p->kinds;
    c.weight = p->weight ? p->weight : "elderly_60plus";
    c.radius_m = p->problem == SITE_MCLP || p->problem == SITE_LSCP
                     ? p->radius_m
                     : 0; /* the kind's service standard */
    c.scenario = scenario;
    return coverage_analysis_run(st, &c, out, err);
}

enum gis_status plan_run_solve(struct store *st, struct plan_problem *pb, struct gis_error *err)
{
    enum gis_status rc;

    pb->params.save_name = pb->scenario;
    pb->params.user = "civgis plan";
    pb->scenario_id = -1;
    rc = site_answer_solve(st, &pb->params, &pb->answer, err);
    if (rc == GIS_OK)
        rc = coverage(st, &pb->params, -1, &pb->before, err);
    return rc;
}

static const struct coverage_division *find_division(const struct coverage_analysis *a,
                                                     const char *code)
{
    size_t k;

    for (k = 0; k < a->n_divisions; k++)
        if (!strcmp(code, a->divisions[k].code))
            return &a->divisions[k];
    return NULL;
}

/* The county rows and the city row: share covered before and after. */
static enum gis_status compare(struct plan_problem *pb, struct gis_error *err)
{
    const struct coverage_analysis *b = pb->before, *a = pb->after;
    size_t k;

    pb->shares = calloc(b->n_divisions + 1, sizeof *pb->shares);
    if (!pb->shares)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (k = 0; k < b->n_divisions; k++) {
        const struct coverage_division *d = &b->divisions[k], *after;
        if (d->level > 3)
            continue;
        after = find_division(a, d->code);
        pb->shares[pb->n_shares++] =
            (struct plan_share){d->code, d->name, coverage_division_share(d),
                                after ? coverage_division_share(after) : 0};
    }
    return GIS_OK;
}

static enum gis_status save_problem(struct store *st,
                                    struct plan_problem *pb,
                                    const struct site_saved_texts *texts,
                                    struct gis_error *err)
{
    enum gis_status rc =
        site_answer_save(st, pb->answer, &pb->params, texts, &pb->scenario_id, err);

    if (rc == GIS_OK)
        rc = coverage(st, &pb->params, pb->scenario_id, &pb->after, err);
    if (rc == GIS_OK)
        rc = compare(pb, err);
    return rc;
}

enum gis_status plan_run_save(struct store *st,
                              const char *plan,
                              struct plan_problem *problems,
                              const struct site_saved_texts *texts,
                              size_t n,
                              struct gis_error *err)
{
    char prefix[PLAN_NAME_MAX];
    size_t k, removed = 0;
    enum gis_status rc = store_begin(st, err);

    snprintf(prefix, sizeof prefix, "%s/", plan);
    if (rc == GIS_OK)
        rc = scenario_remove_prefix(st, prefix, "civgis plan", "replaced by a new run of the plan",
                                    &removed, err);
    for (k = 0; rc == GIS_OK && k < n; k++)
        rc = save_problem(st, &problems[k], &texts[k], err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    if (rc != GIS_OK)
        store_rollback(st);
    return rc;
}

void plan_problem_clear(struct plan_problem *pb)
{
    if (!pb)
        return;
    site_answer_free(pb->answer);
    coverage_analysis_free(pb->before);
    coverage_analysis_free(pb->after);
    free(pb->shares);
    pb->answer = NULL;
    pb->before = pb->after = NULL;
    pb->shares = NULL;
    pb->n_shares = 0;
}
