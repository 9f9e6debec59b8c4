/*
 * p-center by radius search: the optimum is one of the distances, and radius r is
 * achievable iff p sites can cover every demand point within r. Binary search over the
 * sorted distances; each probe first asks the set-covering Lagrangian bound (more than
 * p sites needed: r is proven too small), then the MCLP search with unit weights
 * (everything covered: r is achievable, and the answer's true radius may be smaller).
 * Radii neither proven nor reached stay between the bound and the answer: the gap.
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pc {
    struct site_run *r;
    const struct site_instance *in;
    float *vals; /* distinct distances, ascending */
    size_t n_vals;
    double *unit; /* n: 1 where weight > 0 */
    double need;  /* number of points with weight > 0 */
    struct site_sel best;
    double best_r;
};

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static enum gis_status distinct_values(struct pc *pc)
{
    const struct site_instance *in = pc->in;
    size_t i, j, n = 0, k;

    pc->vals = malloc((in->n && in->m ? in->n * in->m : 1) * sizeof *pc->vals);
    if (!pc->vals)
        return GIS_ERR_NOMEM;
    for (i = 0; i < in->n; i++)
        for (j = 0; j < in->m; j++)
            if (site__state(in, j) != SITE_FORBIDDEN && in->weight[i] > 0)
                pc->vals[n++] = in->dist[i * in->m + j];
    qsort(pc->vals, n, sizeof *pc->vals, cmp_float);
    for (i = 0, k = 0; i < n; i++)
        if (!k || pc->vals[i] != pc->vals[k - 1])
            pc->vals[k++] = pc->vals[i];
    pc->n_vals = k;
    return GIS_OK;
}

static size_t index_of(const struct pc *pc, double r)
{
    size_t lo = 0, hi = pc->n_vals;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pc->vals[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The largest distance from a weighted point to its nearest open site. */
static double radius_of(const struct site_instance *in, const struct site_sel *s)
{
    double mx = 0;

    site__assign_nearest(in, s, NULL, &mx);
    return mx;
}

enum probe {
    PROBE_REACHED,
    PROBE_INFEASIBLE,
    PROBE_UNKNOWN,
    PROBE_FAILED
};

/* Tries radius vals[k] on a time slice. */
static enum probe probe(struct pc *pc, size_t k, double slice_end)
{
    struct site_instance at = *pc->in;
    struct site_cover cover;
    struct mc mc;
    struct search_ops ops;
    double saved = pc->r->deadline;
    enum probe out = PROBE_UNKNOWN;
    bool is_uncoverable;

    if (site_cover_from_dist(pc->in->dist, pc->in->n, pc->in->m, pc->vals[k], &cover, NULL) !=
        GIS_OK)
        return PROBE_FAILED;
    at.cover = &cover;
    at.weight = pc->unit;
    if (ceil(site__lscp_bound(pc->r, &at, (double)at.p, &is_uncoverable) - 1e-6) > (double)at.p ||
        is_uncoverable) {
        site_cover_free(&cover);
        return PROBE_INFEASIBLE;
    }
    pc->r->deadline = fmin(saved, slice_end);
    pc->r->in = &at; /* the same sites and rules, with this radius's lists */
    if (mc__init(&mc, pc->r, pc->unit) != GIS_OK) {
        site_cover_free(&cover);
        pc->r->deadline = saved;
        pc->r->in = pc->in;
        return PROBE_FAILED;
    }
    ops = mc__ops(&mc);
    if (site__greedy(pc->r, &ops) == GIS_OK) {
        site__local_search(pc->r, &ops);
        if (mc.covered < pc->need && site__vns(pc->r, &ops, -pc->need, false) != GIS_OK)
            out = PROBE_FAILED;
    }
    if (out != PROBE_FAILED && mc.covered >= pc->need) {
        double rr = radius_of(pc->in, &mc.sel);
        out = PROBE_REACHED;
        if (rr < pc->best_r) {
            pc->best_r = rr;
            site__sel_copy(pc->in, &pc->best, &mc.sel);
        }
    }
    if (!pc->r->is_cancelled && pc->r->hit_time_limit && site__now() < saved)
        pc->r->hit_time_limit = false; /* only the slice ended */
    pc->r->deadline = saved;
    pc->r->in = pc->in;
    mc__free(&mc);
    site_cover_free(&cover);
    return out;
}

/* After a probe reached a radius: the best answer's index becomes hi. The probes are
 * heuristic, so that answer may beat radii an earlier probe failed to reach: lo falls
 * back to the last proven radius (SIZE_MAX: none) whenever it is no longer below hi,
 * keeping lo < hi, so hi - lo never wraps (it did, and the next probe read far out of
 * vals). A proof the answer contradicts cannot hold and is dropped. */
static void lower_hi(const struct pc *pc, size_t *lo, size_t *lo_proven, size_t *hi)
{
    *hi = index_of(pc, pc->best_r);
    if (*lo_proven != SIZE_MAX && *lo_proven >= *hi)
        *lo_proven = SIZE_MAX;
    if (*lo != SIZE_MAX && *lo >= *hi)
        *lo = *lo_proven;
}

/* Binary search over vals with lo < hi throughout: lo_proven and below are proven
 * infeasible, lo was last tried without success, hi is reached. Every probe either
 * lowers hi or raises lo, so the search ends. */
static enum gis_status search(struct pc *pc, size_t *out_lo_proven)
{
    size_t hi = index_of(pc, pc->best_r), lo = SIZE_MAX, lo_proven = SIZE_MAX;

    while ((lo == SIZE_MAX ? hi > 0 : hi - lo > 1) && !site__should_stop(pc->r, 0, pc->best_r)) {
        size_t mid = lo == SIZE_MAX ? hi / 2 : lo + (hi - lo) / 2;
        double left = pc->r->deadline - site__now();
        double steps = log2((double)(hi - (lo == SIZE_MAX ? 0 : lo)) + 1) + 1;
        enum probe res = probe(pc, mid, site__now() + left / steps);
        pc->r->iterations++;
        if (res == PROBE_FAILED)
            return GIS_ERR_NOMEM;
        if (res == PROBE_REACHED) {
            lower_hi(pc, &lo, &lo_proven, &hi);
            continue;
        }
        lo = mid;
        if (res == PROBE_INFEASIBLE)
            lo_proven = mid;
    }
    *out_lo_proven = lo_proven;
    return GIS_OK;
}

/* ---------------------------------------------------------------- exact */

/* The open sites of a covering answer become the best answer if their radius is less. */
static void keep_cover(struct pc *pc, const struct site_result *cov)
{
    struct site_sel s;
    size_t k;

    if (site__sel_init(pc->in, &s) != GIS_OK)
        return;
    for (k = 0; k < cov->n_open; k++)
        site__sel_add(pc->in, &s, cov->open[k]);
    if (radius_of(pc->in, &s) < pc->best_r) {
        pc->best_r = radius_of(pc->in, &s);
        site__sel_copy(pc->in, &pc->best, &s);
    }
    site__sel_free(&s);
}

static bool quota_holds(const struct site_instance *in, size_t g, int32_t count)
{
    return (!in->group_min || count >= in->group_min[g]) &&
           (!in->group_max || in->group_max[g] < 0 || count <= in->group_max[g]);
}

/* Whether a cover keeps the budget and quotas of the p-center instance (its count may
 * exceed p: that is what the radius test measures). */
static bool cover_obeys(const struct site_instance *in, const struct site_result *cov)
{
    int32_t *per = calloc(in->n_groups ? in->n_groups : 1, sizeof *per);
    double cost = 0;
    size_t k, g;
    bool is_ok = per != NULL;

    for (k = 0; per && k < cov->n_open; k++) {
        int32_t grp = in->group && in->n_groups ? in->group[cov->open[k]] : -1;
        cost += site__cost(in, cov->open[k]);
        if (grp >= 0)
            per[grp]++;
    }
    is_ok = is_ok && (in->budget <= 0 || cost <= in->budget * (1 + 1e-12));
    for (g = 0; is_ok && in->group && g < in->n_groups; g++)
        is_ok = quota_holds(in, g, per[g]);
    free(per);
    return is_ok;
}

/* The greedy cover (unit costs, no rules) as GLPK's incumbent; dropped when it breaks
 * the budget or quotas, which the MIP keeps. */
static bool start_cover(struct site_run *sub, struct site_result *cov)
{
    const struct site_instance *at = sub->in;
    struct site_instance unit = *at;
    enum gis_status rc;

    unit.cost = NULL;
    sub->in = &unit;
    rc = site__lscp(sub, cov, NULL);
    sub->in = at;
    if (rc == GIS_OK && !cover_obeys(at, cov)) {
        cov->n_open = 0;
        cov->objective = INFINITY;
    }
    return rc == GIS_OK;
}

/* Radius vals[k] by the set-covering MIP (GLPK): the fewest sites covering every
 * weighted point within the budget and quotas, more than p meaning the radius is too
 * small. */
static enum probe exact_probe(struct pc *pc, size_t k)
{
    struct site_instance at = *pc->in;
    struct site_options o = *pc->r->opt;
    struct site_run sub = *pc->r;
    struct site_result cov = {0};
    struct site_cover cover;
    enum probe out = PROBE_UNKNOWN;
    bool is_uncoverable;
    size_t i;

    if (site_cover_from_dist(pc->in->dist, pc->in->n, pc->in->m, pc->vals[k], &cover, NULL) !=
        GIS_OK)
        return PROBE_FAILED;
    at.cover = &cover;
    at.weight = pc->unit;
    o.problem = SITE_LSCP;
    sub.in = &at;
    sub.opt = &o;
    sub.is_integral = true;
    sub.is_radius_test = true;
    cov.assign = malloc(at.n * sizeof *cov.assign);
    cov.objective = INFINITY;
    for (i = 0; cov.assign && i < at.n; i++)
        cov.assign[i] = -1;
    site__lscp_bound(&sub, &at, (double)at.p, &is_uncoverable);
    if (is_uncoverable)
        out = PROBE_INFEASIBLE;
    /* GLPK finds its way far faster from the greedy cover as an incumbent. */
    else if (cov.assign && start_cover(&sub, &cov) && site__glpk(&sub, &cov, NULL) == GIS_OK)
        out = cov.objective <= (double)at.p           ? PROBE_REACHED
              : ceil(cov.bound - 1e-6) > (double)at.p ? PROBE_INFEASIBLE
                                                      : PROBE_UNKNOWN;
    if (out == PROBE_REACHED)
        keep_cover(pc, &cov);
    pc->r->is_cancelled |= sub.is_cancelled;
    pc->r->hit_time_limit |= sub.hit_time_limit;
    site_result_free(&cov);
    site_cover_free(&cover);
    return out;
}

/* From the best radius down, one exact covering test at a time, until a radius is proven
 * too small (the answer is then optimal) or time runs out. */
static void exact_descent(struct pc *pc, size_t *lo_proven)
{
    size_t hi = index_of(pc, pc->best_r);

    while (hi > 0 && (*lo_proven == SIZE_MAX || hi - 1 > *lo_proven) &&
           !site__should_stop(pc->r, 0.9, pc->best_r)) {
        enum probe res = exact_probe(pc, hi - 1);
        pc->r->iterations++;
        if (res == PROBE_INFEASIBLE)
            *lo_proven = hi - 1;
        if (res != PROBE_REACHED)
            return;
        hi = index_of(pc, pc->best_r);
    }
}

/* A first answer: existing and forced sites, then the site nearest to the farthest
 * point, p times (Gonzalez's rule, within the side constraints). */
static void farthest_first(struct pc *pc)
{
    const struct site_instance *in = pc->in;
    struct site_sel *s = &pc->best;
    int32_t *assign = malloc(in->n * sizeof *assign);

    while (assign && s->n_new < in->p) {
        size_t i, j, far = 0, at = SIZE_MAX;
        double worst = -1, near = INFINITY;
        site__assign_nearest(in, s, assign, NULL);
        for (i = 0; i < in->n; i++) {
            double d = assign[i] < 0 ? INFINITY : in->dist[i * in->m + (size_t)assign[i]];
            if (in->weight[i] > 0 && d > worst) {
                worst = d;
                far = i;
            }
        }
        for (j = 0; j < in->m; j++)
            if (site__sel_can_add(in, s, j) && in->dist[far * in->m + j] < near) {
                near = in->dist[far * in->m + j];
                at = j;
            }
        if (at == SIZE_MAX)
            break;
        site__sel_add(in, s, at);
    }
    free(assign);
    pc->best_r = radius_of(in, s);
}

/* The least radius not proven too small. The answer's radius is one of vals and above
 * every proven one, so lo_proven + 1 is within vals; the check costs nothing. */
static double radius_bound(const struct pc *pc, size_t lo_proven)
{
    if (!pc->n_vals)
        return 0;
    if (lo_proven == SIZE_MAX)
        return pc->vals[0];
    return pc->vals[lo_proven + 1 < pc->n_vals ? lo_proven + 1 : pc->n_vals - 1];
}

enum gis_status site__pcenter(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    const struct site_instance *in = r->in;
    struct pc pc = {.r = r, .in = in};
    size_t i, lo_proven = SIZE_MAX;
    enum gis_status rc = distinct_values(&pc);

    pc.unit = calloc(in->n, sizeof *pc.unit);
    if (rc == GIS_OK && !pc.unit)
        rc = GIS_ERR_NOMEM;
    for (i = 0; rc == GIS_OK && i < in->n; i++) {
        pc.unit[i] = in->weight[i] > 0;
        pc.need += pc.unit[i];
    }
    if (rc == GIS_OK)
        rc = site__sel_init(in, &pc.best);
    if (rc == GIS_OK) {
        farthest_first(&pc);
        rc = search(&pc, &lo_proven);
    }
    if (rc == GIS_OK && r->opt->is_exact)
        exact_descent(&pc, &lo_proven);
    if (rc == GIS_OK)
        rc = site__result_open(in, &pc.best, res);
    if (rc == GIS_OK) {
        res->objective = radius_of(in, &pc.best);
        site__assign_nearest(in, &pc.best, res->assign, NULL);
        res->bound = radius_bound(&pc, lo_proven);
        snprintf(res->method, sizeof res->method, "%s",
                 r->opt->is_exact ? "radius-search+set-covering-mip"
                                  : "radius-search+mclp+lagrangian");
    }
    free(pc.vals);
    free(pc.unit);
    site__sel_free(&pc.best);
    return rc == GIS_OK ? GIS_OK : gis_fail(err, rc, "out of memory for p-center");
}
