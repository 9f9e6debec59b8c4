/*
 * The coverage analysis behind civgis coverage and the coverage process (see
 * coverage_analysis.h): loading, plan/coverage, and the sums per division. Nothing here
 * renders: server/coverage_render writes the answer.
 */
#include "coverage_analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "geodist.h"

/* ---------------------------------------------------------------- aggregation */

static int find_code(const struct division_names *dn, const char *code)
{
    size_t lo = 0, hi = dn->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(dn->code[mid], code);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* group_of for one level: the division (township 9 digits, county 6, city 4 + "00")
 * each point lies in. */
static void
groups_at(const struct demand_set *d, const struct division_names *dn, int level, int32_t *group_of)
{
    char key[16];
    size_t i;

    for (i = 0; i < d->n; i++) {
        const char *c = d->division[i][0] ? d->division[i] : d->code[i];
        if (strlen(c) < 9) {
            group_of[i] = -1;
            continue;
        }
        if (level == 4)
            snprintf(key, sizeof key, "%.9s", c);
        else if (level == 3)
            snprintf(key, sizeof key, "%.6s", c);
        else
            snprintf(key, sizeof key, "%.4s00", c);
        group_of[i] = find_code(dn, key);
    }
}

static struct coverage_division division_row(const struct division_names *dn,
                                             size_t g,
                                             double total,
                                             double covered,
                                             size_t points,
                                             size_t points_covered)
{
    return (struct coverage_division){dn->code[g], dn->name[g], dn->level[g],  total,
                                      covered,     points,      points_covered};
}

double coverage_division_share(const struct coverage_division *d)
{
    return d->demand_total > 0 ? d->demand_covered / d->demand_total : 0;
}

static int by_share_desc(const void *a, const void *b)
{
    double x = coverage_division_share(a), y = coverage_division_share(b);

    return x < y ? 1 : x > y ? -1 : 0;
}

struct sums {
    int32_t *group_of;
    double *tot, *cov;
    size_t *pts, *pcov;
};

static void sums_free(struct sums *s)
{
    free(s->group_of);
    free(s->tot);
    free(s->cov);
    free(s->pts);
    free(s->pcov);
}

/* The rows of every level (2..4) with demand points, and the ranking of the counties. */
static enum gis_status add_divisions(struct coverage_analysis *a, struct gis_error *err)
{
    const struct division_names *dn = &a->names;
    const struct demand_set *d = &a->demand;
    struct sums s = {malloc((d->n ? d->n : 1) * sizeof *s.group_of),
                     calloc(dn->n + 1, sizeof *s.tot), calloc(dn->n + 1, sizeof *s.cov),
                     calloc(dn->n + 1, sizeof *s.pts), calloc(dn->n + 1, sizeof *s.pcov)};
    size_t g;
    int level;

    a->divisions = calloc(3 * dn->n + 1, sizeof *a->divisions);
    a->ranking = calloc(COVERAGE_RANKING_MAX, sizeof *a->ranking);
    if (!s.group_of || !s.tot || !s.cov || !s.pts || !s.pcov || !a->divisions || !a->ranking) {
        sums_free(&s);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    for (level = 2; level <= 4; level++) {
        groups_at(d, dn, level, s.group_of);
        coverage_aggregate(&a->result, d->weight, s.group_of, dn->n, s.tot, s.cov, s.pts, s.pcov);
        for (g = 0; g < dn->n; g++) {
            struct coverage_division row;
            if (dn->level[g] != level || s.pts[g] == 0)
                continue;
            row = division_row(dn, g, s.tot[g], s.cov[g], s.pts[g], s.pcov[g]);
            a->divisions[a->n_divisions++] = row;
            if (level == 3 && a->n_ranking < COVERAGE_RANKING_MAX)
                a->ranking[a->n_ranking++] = row;
        }
    }
    qsort(a->ranking, a->n_ranking, sizeof *a->ranking, by_share_desc);
    sums_free(&s);
    return GIS_OK;
}

/* Monotonic seconds, for the timings. */
static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void coverage_analysis_free(struct coverage_analysis *a)
{
    if (!a)
        return;
    coverage_result_free(&a->result);
    division_names_free(&a->names);
    demand_set_free(&a->demand);
    facility_set_free(&a->facilities);
    free(a->divisions);
    free(a->ranking);
    free(a);
}

static enum gis_status load(struct store *st, struct coverage_analysis *a, struct gis_error *err)
{
    const struct coverage_params *o = &a->params;
    struct facility_query fq = {o->kinds, o->statuses, o->scenario, o->radius_m};
    enum gis_status rc = demand_weight_check(o->weight, err);

    if (rc == GIS_OK)
        rc = facility_set_load(st, &fq, &a->facilities, err);
    if (rc == GIS_OK)
        rc = demand_set_load(st, o->weight, &a->demand, err);
    if (rc == GIS_OK)
        rc = division_names_load(st, &a->names, err);
    return rc;
}

enum gis_status coverage_analysis_run(struct store *st,
                                      const struct coverage_params *p,
                                      struct coverage_analysis **out,
                                      struct gis_error *err)
{
    struct coverage_analysis *a = calloc(1, sizeof *a);
    struct geodist_metric gm;
    struct coverage_input in;
    double t0 = now_s(), t1;
    enum gis_status rc;

    if (!a)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    a->params = *p;
    rc = load(st, a, err);
    t1 = now_s();
    if (rc == GIS_OK) {
        geodist_metric_init(&gm);
        in = (struct coverage_input){.metric = &gm.metric,
                                     .n_demand = a->demand.n,
                                     .demand_xy = a->demand.xy,
                                     .weight = a->demand.weight,
                                     .n_facilities = a->facilities.n,
                                     .facility_xy = a->facilities.xy,
                                     .reach_m = a->facilities.reach_m,
                                     .capacity = p->has_capacity ? a->facilities.capacity : NULL,
                                     .threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN)};
        rc = coverage_run(&in, &a->result, err);
    }
    a->seconds_load = t1 - t0;
    a->seconds_compute = now_s() - t1;
    if (rc == GIS_OK)
        rc = add_divisions(a, err);
    if (rc != GIS_OK) {
        coverage_analysis_free(a);
        return rc;
    }
    *out = a;
    return GIS_OK;
}
