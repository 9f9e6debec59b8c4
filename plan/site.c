/*
 * Site selection: checking an instance, the selection bookkeeping the solvers share
 * (budget, quotas, existing/forced/forbidden sites), the run clock, and dispatch.
 */
#include "site_int.h"
#include "values_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIME_LIMIT_S 30.0
#define REPORT_EVERY_S       0.2

double site__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void site__note_best(struct site_run *r, double cost)
{
    if (r->t_best < 0 || cost < r->best_cost - 1e-9 * (1 + fabs(r->best_cost))) {
        r->best_cost = cost;
        r->t_best = site__now() - r->t_start;
    }
}

/* splitmix64: tiny, good enough, and reproducible across platforms. */
uint64_t site__rand(struct site_run *r)
{
    uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bool site__should_stop(struct site_run *r, double fraction, double objective)
{
    double now;

    if (r->is_cancelled || r->hit_time_limit)
        return true;
    now = site__now();
    if (now >= r->deadline) {
        r->hit_time_limit = true;
        return true;
    }
    if (r->opt->progress && now - r->last_report >= REPORT_EVERY_S) {
        r->last_report = now;
        if (fraction <= 0) /* no better estimate: the share of the time limit used */
            fraction = (now - r->t_start) / (r->deadline - r->t_start);
        if (r->t_best >= 0) /* a later round may be below the best so far */
            objective = fmin(objective, r->best_cost);
        if (r->opt->progress(r->opt->progress_ctx, fraction, objective))
            r->is_cancelled = true;
    }
    return r->is_cancelled;
}

uint8_t site__state(const struct site_instance *in, size_t j)
{
    return in->state ? in->state[j] : SITE_FREE;
}

double site__cost(const struct site_instance *in, size_t j)
{
    return in->cost ? in->cost[j] : 1.0;
}

static int32_t group_of(const struct site_instance *in, size_t j)
{
    return in->group && in->n_groups ? in->group[j] : -1;
}

/* ---------------------------------------------------------------- selection */

static int cmp_group_cost(const void *a, const void *b, void *ctx)
{
    const struct site_instance *in = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int32_t gx = in->group[x], gy = in->group[y];
    double cx = in->cost[x], cy = in->cost[y];

    if (gx != gy)
        return (gx > gy) - (gx < gy);
    if (cx != cy)
        return (cx > cy) - (cx < cy);
    return (x > y) - (x < y);
}

/* The free sites of each group, cheapest first: what paying a group's minimum costs at
 * least, so that the budget is never spent before the minimums are met. Only with
 * costs, a budget and minimums (unit costs: the debt is the count). */
static enum gis_status cost_order(const struct site_instance *in, struct site_sel *s)
{
    size_t j, g, n = 0;

    if (!in->cost || !(in->budget > 0) || !in->group_min || !in->group || !in->n_groups)
        return GIS_OK;
    s->by_cost = malloc(in->m * sizeof *s->by_cost);
    s->group_start = calloc(in->n_groups + 1, sizeof *s->group_start);
    if (!s->by_cost || !s->group_start)
        return GIS_ERR_NOMEM;
    for (j = 0; j < in->m; j++)
        if (site__state(in, j) == SITE_FREE && in->group[j] >= 0) {
            s->by_cost[n++] = (uint32_t)j;
            s->group_start[in->group[j] + 1]++;
        }
    for (g = 0; g < in->n_groups; g++)
        s->group_start[g + 1] += s->group_start[g];
    qsort_r(s->by_cost, n, sizeof *s->by_cost, cmp_group_cost, (void *)in);
    return GIS_OK;
}

enum gis_status site__sel_init(const struct site_instance *in, struct site_sel *s)
{
    size_t j;

    memset(s, 0, sizeof *s);
    s->is_open = calloc(in->m ? in->m : 1, 1);
    s->list = malloc((in->m ? in->m : 1) * sizeof *s->list);
    s->in_group = calloc(in->n_groups ? in->n_groups : 1, sizeof *s->in_group);
    if (!s->is_open || !s->list || !s->in_group || cost_order(in, s) != GIS_OK) {
        site__sel_free(s);
        return GIS_ERR_NOMEM;
    }
    for (j = 0; j < in->m; j++)
        if (site__state(in, j) == SITE_EXISTING || site__state(in, j) == SITE_FORCED)
            site__sel_add(in, s, j);
    return GIS_OK;
}

void site__sel_free(struct site_sel *s)
{
    free(s->is_open);
    free(s->list);
    free(s->in_group);
    free(s->by_cost);
    free(s->group_start);
    memset(s, 0, sizeof *s);
}

enum gis_status
site__sel_copy(const struct site_instance *in, struct site_sel *dst, const struct site_sel *src)
{
    memcpy(dst->is_open, src->is_open, in->m);
    memcpy(dst->list, src->list, src->n_list * sizeof *src->list);
    memcpy(dst->in_group, src->in_group, in->n_groups * sizeof *src->in_group);
    dst->n_list = src->n_list;
    dst->n_new = src->n_new;
    dst->cost = src->cost;
    return GIS_OK;
}

void site__sel_add(const struct site_instance *in, struct site_sel *s, size_t j)
{
    int32_t g = group_of(in, j);

    if (s->is_open[j])
        return;
    s->is_open[j] = 1;
    s->list[s->n_list++] = (uint32_t)j;
    if (site__state(in, j) == SITE_EXISTING)
        return;
    s->n_new++;
    s->cost += site__cost(in, j);
    if (g >= 0)
        s->in_group[g]++;
}

void site__sel_remove(const struct site_instance *in, struct site_sel *s, size_t j)
{
    int32_t g = group_of(in, j);
    size_t k;

    if (!s->is_open[j])
        return;
    s->is_open[j] = 0;
    for (k = 0; k < s->n_list; k++)
        if (s->list[k] == j) {
            s->list[k] = s->list[--s->n_list];
            break;
        }
    if (site__state(in, j) == SITE_EXISTING)
        return;
    s->n_new--;
    s->cost -= site__cost(in, j);
    if (g >= 0)
        s->in_group[g]--;
}

size_t site__sel_owed(const struct site_instance *in, const struct site_sel *s)
{
    size_t g, owed = 0;

    for (g = 0; in->group_min && g < in->n_groups; g++)
        if (in->group_min[g] > s->in_group[g])
            owed += (size_t)(in->group_min[g] - s->in_group[g]);
    return owed;
}

/* Group g's debt of `debt` sites paid with its cheapest free sites that are not open. */
static double group_debt_cost(
    const struct site_instance *in, const struct site_sel *s, size_t g, size_t debt, size_t adding)
{
    double cost = 0;
    size_t k;

    if (!s->by_cost)
        return (double)debt; /* unit costs */
    for (k = s->group_start[g]; debt > 0 && k < s->group_start[g + 1]; k++) {
        uint32_t j = s->by_cost[k];
        if (s->is_open[j] || j == adding)
            continue;
        cost += in->cost[j];
        debt--;
    }
    return debt > 0 ? INFINITY : cost;
}

double site__sel_debt_cost(const struct site_instance *in, const struct site_sel *s, size_t adding)
{
    int32_t ga = adding == SIZE_MAX ? -1 : group_of(in, adding);
    double cost = 0;
    size_t g;

    for (g = 0; in->group_min && g < in->n_groups; g++) {
        int32_t have = s->in_group[g] + ((int32_t)g == ga);
        if (in->group_min[g] > have)
            cost += group_debt_cost(in, s, g, (size_t)(in->group_min[g] - have), adding);
    }
    return cost;
}

static bool group_has_room(const struct site_instance *in, const struct site_sel *s, int32_t g)
{
    return g < 0 || !in->group_max || in->group_max[g] < 0 || s->in_group[g] < in->group_max[g];
}

static bool budget_allows(const struct site_instance *in, double cost)
{
    return in->budget <= 0 || cost <= in->budget * (1 + 1e-12);
}

/* Adding j must leave room, in p and in the budget, for the group minimums still owed
 * (swaps keep the minimums, which the greedy start meets first). */
bool site__sel_can_add(const struct site_instance *in, const struct site_sel *s, size_t j)
{
    int32_t g = group_of(in, j);
    size_t owed = site__sel_owed(in, s);
    bool pays_debt = g >= 0 && in->group_min && s->in_group[g] < in->group_min[g];
    double cost = s->cost + site__cost(in, j);

    if (s->is_open[j] || site__state(in, j) != SITE_FREE || s->n_new >= in->p)
        return false;
    if (!group_has_room(in, s, g) || !budget_allows(in, cost))
        return false;
    if (in->p - s->n_new - 1 < owed - (pays_debt ? 1 : 0))
        return false;
    return in->budget <= 0 || owed == 0 || budget_allows(in, cost + site__sel_debt_cost(in, s, j));
}

bool site__sel_can_swap(const struct site_instance *in,
                        const struct site_sel *s,
                        size_t in_j,
                        size_t out_j)
{
    int32_t gi = group_of(in, in_j), go = group_of(in, out_j);

    if (s->is_open[in_j] || !s->is_open[out_j] || site__state(in, in_j) != SITE_FREE ||
        site__state(in, out_j) != SITE_FREE)
        return false;
    if (!budget_allows(in, s->cost - site__cost(in, out_j) + site__cost(in, in_j)))
        return false;
    if (gi == go)
        return true;
    if (!group_has_room(in, s, gi))
        return false;
    /* Leaving out_j's group below its minimum is allowed only if it was above it. */
    return go < 0 || !in->group_min || s->in_group[go] > in->group_min[go];
}

/* ---------------------------------------------------------------- results */

enum gis_status
site__result_open(const struct site_instance *in, const struct site_sel *s, struct site_result *res)
{
    size_t k, n = 0;
    uint32_t *open = malloc((s->n_list ? s->n_list : 1) * sizeof *open);

    if (!open)
        return GIS_ERR_NOMEM;
    for (k = 0; k < s->n_list; k++)
        if (site__state(in, s->list[k]) != SITE_EXISTING)
            open[n++] = s->list[k];
    qsort(open, n, sizeof *open, plan__cmp_u32);
    free(res->open);
    res->open = open;
    res->n_open = n;
    return GIS_OK;
}

double site__assign_nearest(const struct site_instance *in,
                            const struct site_sel *s,
                            int32_t *assign,
                            double *out_max)
{
    double sum = 0, max = 0;
    size_t i, k;

    for (i = 0; i < in->n; i++) {
        const float *row = in->dist + i * in->m;
        double best = INFINITY;
        int32_t at = -1;
        for (k = 0; k < s->n_list; k++)
            if (row[s->list[k]] < best) {
                best = row[s->list[k]];
                at = (int32_t)s->list[k];
            }
        if (assign)
            assign[i] = at;
        sum += in->weight[i] * best;
        if (in->weight[i] > 0 && best > max)
            max = best;
    }
    if (out_max)
        *out_max = max;
    return sum;
}

void site_result_free(struct site_result *r)
{
    if (!r)
        return;
    free(r->open);
    free(r->assign);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- checks */

static enum gis_status check_values(const struct site_instance *in, struct gis_error *err);

/* The coverage lists fit the instance and each candidate's is ascending (the MCLP's
 * swap pricing merges two of them). */
static enum gis_status check_cover(const struct site_instance *in, struct gis_error *err)
{
    const struct site_cover *c = in->cover;
    size_t j, k;

    if (c->n != in->n || c->m != in->m)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the coverage lists are for another instance");
    for (j = 0; j < in->m; j++)
        for (k = c->cand_start[j]; k < c->cand_start[j + 1]; k++)
            if (c->cand_item[k] >= in->n ||
                (k > c->cand_start[j] && c->cand_item[k] <= c->cand_item[k - 1]))
                return gis_fail(err, GIS_ERR_INVALID_ARG,
                                "coverage list %zu is not ascending demand indexes", j);
    return GIS_OK;
}

static enum gis_status
check_data(const struct site_instance *in, enum site_problem pb, struct gis_error *err)
{
    if (!in->m)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the candidate set is empty");
    if (!in->n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "there are no demand points");
    if ((pb == SITE_PMEDIAN || pb == SITE_PCENTER) && !in->dist)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s needs distances", site_problem_name(pb));
    if ((pb == SITE_MCLP || pb == SITE_LSCP) && !in->cover)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s needs a radius", site_problem_name(pb));
    if (in->capacity && (pb == SITE_PCENTER || pb == SITE_LSCP))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "capacities apply to p-median and MCLP only");
    if (in->cover && check_cover(in, err) != GIS_OK)
        return GIS_ERR_INVALID_ARG;
    return check_values(in, err);
}

static enum gis_status check_values(const struct site_instance *in, struct gis_error *err)
{
    size_t i;

    for (i = 0; in->dist && i < in->n * in->m; i++)
        if (!(in->dist[i] >= 0) || !isfinite(in->dist[i]))
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "distance %zu is not a finite number >= 0 (an unconnected graph?)", i);
    if ((i = plan__first_bad(in->weight, in->n)) < in->n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "demand weight %zu is negative", i);
    if ((i = plan__first_bad(in->cost, in->m)) < in->m)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "site cost %zu is negative", i);
    if ((i = plan__first_bad(in->capacity, in->m)) < in->m)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "site capacity %zu is negative", i);
    for (i = 0; in->group && i < in->m; i++)
        if (in->group[i] >= (int32_t)in->n_groups)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "site %zu has an unknown group", i);
    return GIS_OK;
}

struct counts {
    size_t usable, forced;
    double forced_cost;
};

static struct counts count_sites(const struct site_instance *in)
{
    struct counts c = {0, 0, 0};
    size_t j;

    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        c.usable += st == SITE_FREE || st == SITE_FORCED;
        if (st == SITE_FORCED) {
            c.forced++;
            c.forced_cost += site__cost(in, j);
        }
    }
    return c;
}

static int32_t *group_candidates(const struct site_instance *in)
{
    int32_t *have = calloc(in->n_groups ? in->n_groups : 1, sizeof *have);
    size_t j;

    for (j = 0; have && in->group && j < in->m; j++)
        if (in->group[j] >= 0 && site__state(in, j) != SITE_FORBIDDEN &&
            site__state(in, j) != SITE_EXISTING)
            have[in->group[j]]++;
    return have;
}

static enum gis_status check_groups(const struct site_instance *in, struct gis_error *err)
{
    size_t g, need = 0;
    int32_t *have = group_candidates(in);

    if (!have)
        return GIS_ERR_NOMEM;
    for (g = 0; g < in->n_groups; g++) {
        int32_t lo = in->group_min ? in->group_min[g] : 0;
        int32_t hi = in->group_max ? in->group_max[g] : -1, avail = have[g];
        if (lo > avail || (hi >= 0 && lo > hi)) {
            free(have);
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "infeasible quotas: group %zu needs %d sites, has %d candidates", g,
                            (int)lo, (int)avail);
        }
        need += lo > 0 ? (size_t)lo : 0;
    }
    free(have);
    if (need > in->p)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "infeasible quotas: the groups need %zu sites but p is %zu", need, in->p);
    return GIS_OK;
}

/* Whether some free site may open on top of the existing and forced ones. */
static bool can_open_any(const struct site_instance *in, const struct site_sel *s)
{
    size_t j;

    for (j = 0; j < in->m; j++)
        if (site__sel_can_add(in, s, j))
            return true;
    return false;
}

static enum gis_status least_fails(const struct site_instance *in,
                                   const struct site_sel *s,
                                   enum site_problem pb,
                                   struct gis_error *err)
{
    size_t g, need = s->n_new + site__sel_owed(in, s);
    double cost = s->cost + site__sel_debt_cost(in, s, SIZE_MAX);

    for (g = 0; in->group_max && g < in->n_groups; g++)
        if (in->group_max[g] >= 0 && s->in_group[g] > in->group_max[g])
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "infeasible quotas: group %zu has %d forced sites, at most %d allowed",
                            g, (int)s->in_group[g], (int)in->group_max[g]);
    if (need > in->p)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "infeasible quotas: the forced sites and the group minimums need %zu "
                        "sites but p is %zu",
                        need, in->p);
    if (!budget_allows(in, cost))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "infeasible budget: the forced sites and the group minimums cost %g, "
                        "more than the budget %g",
                        cost, in->budget);
    /* No site at all leaves every distance infinite (MCLP: nothing covered is an answer). */
    if ((pb == SITE_PMEDIAN || pb == SITE_PCENTER) && !s->n_list && !can_open_any(in, s))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "no candidate fits the budget and quotas: nothing could open");
    return GIS_OK;
}

/* The cheapest answer the rules allow: the forced sites plus each group's cheapest free
 * sites up to its minimum. The groups are disjoint, so the rules can be met iff that
 * set fits p, the budget and the group maximums. */
static enum gis_status
check_least(const struct site_instance *in, enum site_problem pb, struct gis_error *err)
{
    struct site_sel s;
    enum gis_status rc;

    if (site__sel_init(in, &s) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = least_fails(in, &s, pb, err);
    site__sel_free(&s);
    return rc;
}

static enum gis_status
check_counts(const struct site_instance *in, enum site_problem pb, struct gis_error *err)
{
    struct counts c = count_sites(in);
    enum gis_status rc;

    if (pb == SITE_LSCP)
        return c.usable ? GIS_OK
                        : gis_fail(err, GIS_ERR_INVALID_ARG, "every candidate is excluded");
    if (in->p == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "p must be at least 1");
    if (in->p > c.usable)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "p is %zu but only %zu candidates may be chosen",
                        in->p, c.usable);
    if (c.forced > in->p)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%zu forced sites exceed p = %zu", c.forced,
                        in->p);
    if (in->budget > 0 && c.forced_cost > in->budget)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the forced sites alone exceed the budget");
    rc = check_groups(in, err);
    return rc == GIS_OK ? check_least(in, pb, err) : rc;
}

static bool data_is_integral(const struct site_instance *in, enum site_problem pb)
{
    size_t i, j;

    for (i = 0; i < in->n; i++)
        if (in->weight[i] != floor(in->weight[i]))
            return false;
    if (pb == SITE_LSCP) {
        for (j = 0; in->cost && j < in->m; j++)
            if (in->cost[j] != floor(in->cost[j]))
                return false;
        return true;
    }
    if (pb == SITE_MCLP)
        return true;
    for (i = 0; i < in->n * in->m; i++)
        if (in->dist[i] != floorf(in->dist[i]))
            return false;
    return true;
}

/* ---------------------------------------------------------------- solve */

/* Rounds an integral bound to the data's integers, then the gap, and proven when the
 * answer meets its bound. */
static void settle(struct site_result *res, enum site_problem pb, bool is_integral)
{
    double scale = fmax(fabs(res->objective), 1e-9);
    double slack = is_integral ? 1.0 - 1e-9 : 1e-9 * scale;
    bool is_max = pb == SITE_MCLP;

    if (is_integral) {
        res->bound = is_max ? floor(res->bound + 1e-6) : ceil(res->bound - 1e-6);
        if (fabs(res->objective - nearbyint(res->objective)) < 1e-6) /* GLPK's sums */
            res->objective = nearbyint(res->objective);
    }
    res->gap = fabs(res->objective - res->bound) / scale;
    res->is_optimal = false;
    if (is_max ? res->objective >= res->bound - slack : res->objective <= res->bound + slack) {
        res->is_optimal = true;
        res->gap = 0;
        res->bound = res->objective;
    }
}

static void finish(struct site_run *r, struct site_result *res)
{
    settle(res, r->opt->problem, r->is_integral);
    res->was_cancelled = r->is_cancelled;
    res->hit_time_limit = r->hit_time_limit;
    res->iterations = r->iterations;
    res->searches = 1;
    res->seconds = site__now() - r->t_start;
    res->seconds_to_best = r->t_best >= 0 ? r->t_best : res->seconds;
}

static enum gis_status dispatch(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    switch (r->opt->problem) {
    case SITE_PMEDIAN:
        return site__pmedian(r, res, err);
    case SITE_PCENTER:
        return site__pcenter(r, res, err);
    case SITE_MCLP:
        return site__mclp(r, res, err);
    case SITE_LSCP:
        return site__lscp(r, res, err);
    }
    return gis_fail(err, GIS_ERR_INVALID_ARG, "unknown problem");
}

static enum gis_status solve_one(const struct site_instance *in,
                                 const struct site_options *opt,
                                 struct site_result *out,
                                 struct gis_error *err)
{
    struct site_result res;
    struct site_run run;
    enum gis_status rc;
    bool is_inside;

    if (!in || !opt || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "site_solve: null argument");
    rc = check_data(in, opt->problem, err);
    if (rc == GIS_OK)
        rc = check_counts(in, opt->problem, err);
    if (rc != GIS_OK)
        return rc;
    memset(&res, 0, sizeof res);
    memset(&run, 0, sizeof run);
    run.in = in;
    run.opt = opt;
    run.t_start = run.last_report = site__now();
    run.deadline = run.t_start + (opt->time_limit_s > 0 ? opt->time_limit_s : DEFAULT_TIME_LIMIT_S);
    run.rng = opt->seed ^ 0x5EEDull;
    run.t_best = -1;
    run.is_integral = data_is_integral(in, opt->problem);
    res.assign = malloc(in->n * sizeof *res.assign);
    if (!res.assign)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = dispatch(&run, &res, err);
    /* p-center's exact path is inside its radius search (set-covering MIPs), uncapacitated
     * p-median's inside it too (on the model its relaxation reduced). */
    is_inside = opt->problem == SITE_PCENTER || (opt->problem == SITE_PMEDIAN && !in->capacity);
    if (rc == GIS_OK && opt->is_exact && !run.is_cancelled && !is_inside)
        rc = site__glpk(&run, &res, err);
    if (rc != GIS_OK) {
        site_result_free(&res);
        return rc;
    }
    finish(&run, &res);
    *out = res;
    return GIS_OK;
}

/* ---------------------------------------------------------------- searches at once */

/* opt->searches > 1, heuristic: that many searches at once, each on a thread of its own
 * with its own seed (seed, seed + 1, ...); the best answer is kept (the first search's
 * between equals) with the best of their bounds. Runs of a randomised search miss the
 * optimum on different cases (Maximo's 24 city-scale MCLPs at 60 s: seed 1 met it on 8,
 * seed 2 on 10, the better of the two on 12). The caller's
 * progress hears from the first search; its cancel stops all, and so does a proof by any
 * (no other answer can be better). Each search stops by its own rules otherwise, so a
 * seed still gives one answer. */
#define MAX_SEARCHES 8

struct team {
    site_progress_fn progress; /* the caller's, or NULL */
    void *progress_ctx;
    atomic_bool is_stopped, is_cancelled;
};

struct member {
    struct team *team;
    const struct site_instance *in;
    struct site_options opt;
    struct site_result res;
    struct gis_error err;
    enum gis_status rc;
    pthread_t thread;
    bool is_started;
};

static bool lead_progress(void *ctx, double fraction, double objective)
{
    struct team *t = ctx;

    if (t->progress && t->progress(t->progress_ctx, fraction, objective)) {
        atomic_store(&t->is_cancelled, true);
        atomic_store(&t->is_stopped, true);
    }
    return atomic_load(&t->is_stopped);
}

static bool member_progress(void *ctx, double fraction, double objective)
{
    struct team *t = ctx;

    (void)fraction;
    (void)objective;
    return atomic_load(&t->is_stopped);
}

static void *member_run(void *arg)
{
    struct member *mb = arg;

    mb->rc = solve_one(mb->in, &mb->opt, &mb->res, &mb->err);
    if (mb->rc == GIS_OK && mb->res.is_optimal)
        atomic_store(&mb->team->is_stopped, true);
    return NULL;
}

static bool
is_better(enum site_problem pb, const struct site_result *a, const struct site_result *b)
{
    double tol = 1e-9 * (1 + fabs(b->objective));

    return pb == SITE_MCLP ? a->objective > b->objective + tol : a->objective < b->objective - tol;
}

/* The best member's answer into out (the others freed), with the best bound and the
 * team's counts. */
static void take_best(struct member *mb,
                      size_t n,
                      const struct site_instance *in,
                      enum site_problem pb,
                      double t0,
                      struct site_result *out)
{
    size_t k, best = 0;
    double bound = mb[0].res.bound;
    bool hit = false;
    uint64_t iterations = 0;

    for (k = 0; k < n; k++) {
        if (mb[k].rc != GIS_OK)
            continue;
        if (is_better(pb, &mb[k].res, &mb[best].res))
            best = k;
        bound = pb == SITE_MCLP ? fmin(bound, mb[k].res.bound) : fmax(bound, mb[k].res.bound);
        hit |= mb[k].res.hit_time_limit;
        iterations += mb[k].res.iterations;
    }
    *out = mb[best].res;
    memset(&mb[best].res, 0, sizeof mb[best].res);
    for (k = 0; k < n; k++)
        site_result_free(&mb[k].res);
    out->bound = bound;
    settle(out, pb, data_is_integral(in, pb));
    out->hit_time_limit = hit;
    out->was_cancelled = atomic_load(&mb[0].team->is_cancelled);
    out->iterations = iterations;
    out->seconds = site__now() - t0;
}

static enum gis_status solve_team(const struct site_instance *in,
                                  const struct site_options *opt,
                                  size_t n,
                                  struct site_result *out,
                                  struct gis_error *err)
{
    struct team t = {.progress = opt->progress, .progress_ctx = opt->progress_ctx};
    struct member mb[MAX_SEARCHES];
    double t0 = site__now();
    size_t k, started = 1;
    enum gis_status rc;

    memset(mb, 0, sizeof mb);
    for (k = 0; k < n; k++) {
        mb[k].team = &t;
        mb[k].in = in;
        mb[k].opt = *opt;
        mb[k].opt.searches = 1;
        mb[k].opt.seed = opt->seed + k;
        mb[k].opt.progress = k ? member_progress : lead_progress;
        mb[k].opt.progress_ctx = &t;
        mb[k].rc = GIS_ERR_INVALID_ARG; /* until it has run: a member without a thread never does */
    }
    for (k = 1; k < n; k++) { /* a thread that cannot be had: one search fewer */
        mb[k].is_started = pthread_create(&mb[k].thread, NULL, member_run, &mb[k]) == 0;
        started += mb[k].is_started;
    }
    member_run(&mb[0]);
    for (k = 1; k < n; k++)
        if (mb[k].is_started)
            pthread_join(mb[k].thread, NULL);
    rc = mb[0].rc;
    if (rc != GIS_OK) { /* the instance's fault: every member's, so say the first's */
        if (err)
            *err = mb[0].err;
        for (k = 0; k < n; k++)
            site_result_free(&mb[k].res);
        return rc;
    }
    take_best(mb, n, in, opt->problem, t0, out);
    out->searches = started;
    return GIS_OK;
}

enum gis_status site_solve(const struct site_instance *in,
                           const struct site_options *opt,
                           struct site_result *out,
                           struct gis_error *err)
{
    size_t n = opt ? opt->searches : 1;

    if (!opt || opt->is_exact || n <= 1)
        return solve_one(in, opt, out, err);
    return solve_team(in, opt, n > MAX_SEARCHES ? MAX_SEARCHES : n, out, err);
}

const char *site_problem_name(enum site_problem p)
{
    static const char *const names[] = {"pmedian", "pcenter", "mclp", "lscp"};
    return (unsigned)p < 4 ? names[p] : "unknown";
}

bool site_problem_parse(const char *s, enum site_problem *out)
{
    static const struct {
        const char *name;
        enum site_problem p;
    } names[] = {{"pmedian", SITE_PMEDIAN},  {"p-median", SITE_PMEDIAN}, {"pcenter", SITE_PCENTER},
                 {"p-center", SITE_PCENTER}, {"mclp", SITE_MCLP},        {"lscp", SITE_LSCP}};
    size_t k;

    for (k = 0; s && k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(s, names[k].name)) {
            *out = names[k].p;
            return true;
        }
    return false;
}
