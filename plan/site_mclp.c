/*
 * MCLP: each demand point counts the open sites covering it (and the sum of their
 * indexes, which names the only one when the count is 1), so a swap is evaluated from
 * the entering site's list alone. The Lagrangian relaxation of "covered only if some
 * open site covers it" gives the upper bound.
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t *cov_begin(const struct site_cover *c, size_t j)
{
    return c->cand_item + c->cand_start[j];
}

static size_t cov_len(const struct site_cover *c, size_t j)
{
    return c->cand_start[j + 1] - c->cand_start[j];
}

static void mc_loss(struct mc *mc)
{
    size_t i, k;

    for (k = 0; k < mc->sel.n_list; k++)
        mc->loss[mc->sel.list[k]] = 0;
    mc->covered = 0;
    for (i = 0; i < mc->in->n; i++) {
        if (mc->cnt[i] > 0)
            mc->covered += mc->weight[i];
        if (mc->cnt[i] == 1)
            mc->loss[mc->who[i]] += mc->weight[i];
    }
    mc->is_sorted = false;
}

/* Point i's count went from `was` to cnt[i]: the reach of the candidates covering it
 * changes when the count crosses between 1 and 2. */
static void reach_update(struct mc *mc, size_t i, uint32_t was)
{
    const struct site_cover *c = mc->in->cover;
    double w = mc->weight[i];
    size_t k;

    if (!mc->is_plain || !((was == 1 && mc->cnt[i] == 2) || (was == 2 && mc->cnt[i] == 1)))
        return;
    if (mc->cnt[i] == 2)
        w = -w;
    for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++)
        mc->reach[c->dem_item[k]] += w;
}

static void reach_refresh(struct mc *mc)
{
    const struct site_cover *c = mc->in->cover;
    size_t i, k;

    if (!mc->is_plain)
        return;
    memcpy(mc->reach, mc->reach0, mc->in->m * sizeof *mc->reach);
    for (i = 0; i < mc->in->n; i++)
        for (k = c->dem_start[i]; mc->cnt[i] >= 2 && k < c->dem_start[i + 1]; k++)
            mc->reach[c->dem_item[k]] -= mc->weight[i];
}

static void mc_refresh(void *ctx)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    size_t k, t;

    memset(mc->cnt, 0, mc->in->n * sizeof *mc->cnt);
    memset(mc->who, 0, mc->in->n * sizeof *mc->who);
    for (k = 0; k < mc->sel.n_list; k++) {
        uint32_t j = mc->sel.list[k];
        for (t = 0; t < cov_len(c, j); t++) {
            mc->cnt[cov_begin(c, j)[t]]++;
            mc->who[cov_begin(c, j)[t]] += j;
        }
    }
    mc_loss(mc);
    reach_refresh(mc);
}

static bool mc_alloc(struct mc *mc, size_t n, size_t m)
{
    mc->cnt = calloc(n ? n : 1, sizeof *mc->cnt);
    mc->who = calloc(n ? n : 1, sizeof *mc->who);
    mc->loss = calloc(m, sizeof *mc->loss);
    mc->extra = calloc(m, sizeof *mc->extra);
    mc->by_loss = malloc(m * sizeof *mc->by_loss);
    mc->touched = malloc(m * sizeof *mc->touched);
    mc->is_touched = calloc(m, 1);
    mc->reach = calloc(m, sizeof *mc->reach);
    mc->reach0 = calloc(m, sizeof *mc->reach0);
    return mc->cnt && mc->who && mc->loss && mc->extra && mc->by_loss && mc->touched &&
           mc->is_touched && mc->reach && mc->reach0;
}

enum gis_status mc__init(struct mc *mc, struct site_run *r, const double *weight)
{
    size_t j, t;

    memset(mc, 0, sizeof *mc);
    mc->r = r;
    mc->in = r->in;
    mc->weight = weight;
    mc->is_plain = !r->in->group && !(r->in->budget > 0);
    if (!mc_alloc(mc, r->in->n, r->in->m) || site__sel_init(r->in, &mc->sel) != GIS_OK) {
        mc__free(mc);
        return GIS_ERR_NOMEM;
    }
    for (j = 0; j < r->in->m; j++)
        for (t = 0; t < cov_len(r->in->cover, j); t++)
            mc->reach0[j] += weight[cov_begin(r->in->cover, j)[t]];
    mc_refresh(mc);
    return GIS_OK;
}

void mc__free(struct mc *mc)
{
    free(mc->cnt);
    free(mc->who);
    free(mc->loss);
    free(mc->extra);
    free(mc->by_loss);
    free(mc->touched);
    free(mc->is_touched);
    free(mc->reach);
    free(mc->reach0);
    site__sel_free(&mc->sel);
}

static double mc_gain(void *ctx, size_t j)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    double gain = 0;
    size_t t;

    for (t = 0; t < cov_len(c, j); t++)
        if (mc->cnt[cov_begin(c, j)[t]] == 0)
            gain += mc->weight[cov_begin(c, j)[t]];
    return gain;
}

/* The general case: every open site is tried as the partner, under the side rules. */
static double best_move_checked(struct mc *mc, size_t j, double gain, int64_t *out_j)
{
    double best = INFINITY;
    size_t k;

    *out_j = -2;
    if (site__sel_can_add(mc->in, &mc->sel, j)) {
        best = -gain;
        *out_j = -1;
    }
    for (k = 0; k < mc->sel.n_list; k++) {
        uint32_t o = mc->sel.list[k];
        double delta = -gain + mc->loss[o] - mc->extra[o];
        mc->extra[o] = 0;
        if (delta < best && site__sel_can_swap(mc->in, &mc->sel, j, o)) {
            best = delta;
            *out_j = o;
        }
    }
    return best;
}

static int cmp_loss(const void *a, const void *b, void *ctx)
{
    const double *loss = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    if (loss[x] != loss[y])
        return (loss[x] > loss[y]) - (loss[x] < loss[y]);
    return (x > y) - (x < y);
}

static void sort_by_loss(struct mc *mc)
{
    size_t k;

    mc->n_by_loss = 0;
    for (k = 0; k < mc->sel.n_list; k++)
        if (site__state(mc->in, mc->sel.list[k]) == SITE_FREE)
            mc->by_loss[mc->n_by_loss++] = mc->sel.list[k];
    qsort_r(mc->by_loss, mc->n_by_loss, sizeof *mc->by_loss, cmp_loss, mc->loss);
    mc->is_sorted = true;
}

/* No side rules: the best partner is either a site j's list touches (loss less what j
 * takes over) or the untouched free open site of least loss, the first untouched one in
 * by_loss; O(|list of j|) instead of O(p) per entering site. */
static double
best_move_plain(struct mc *mc, size_t j, double gain, size_t n_touched, int64_t *out_j)
{
    double best = INFINITY;
    size_t k;

    *out_j = -2;
    if (!mc->is_sorted)
        sort_by_loss(mc);
    if (mc->sel.n_new < mc->in->p && site__state(mc->in, j) == SITE_FREE && !mc->sel.is_open[j]) {
        best = -gain;
        *out_j = -1;
    }
    for (k = 0; k < mc->n_by_loss; k++) {
        uint32_t o = mc->by_loss[k];
        if (mc->is_touched[o])
            continue;
        if (-gain + mc->loss[o] < best) {
            best = -gain + mc->loss[o];
            *out_j = o;
        }
        break;
    }
    for (k = 0; k < n_touched; k++) {
        uint32_t o = mc->touched[k];
        double delta = -gain + mc->loss[o] - mc->extra[o];
        if (delta < best && site__state(mc->in, o) == SITE_FREE) {
            best = delta;
            *out_j = o;
        }
        mc->extra[o] = 0;
        mc->is_touched[o] = 0;
    }
    if (site__state(mc->in, j) != SITE_FREE || mc->sel.is_open[j])
        *out_j = -2;
    return best;
}

static double mc_best_move(void *ctx, size_t j, int64_t *out_j)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    double gain = 0;
    size_t t, n_touched = 0;

    if (mc->is_plain && mc->sel.n_new >= mc->in->p) {
        if (!mc->is_sorted)
            sort_by_loss(mc);
        /* No swap wins more than reach[j]; closing any site costs at least by_loss[0]'s
         * loss (the margin keeps rounding drift from skipping a real improvement). */
        if (mc->n_by_loss && mc->reach[j] + 1e-9 * (1 + mc->covered) < mc->loss[mc->by_loss[0]]) {
            *out_j = -2;
            return 0;
        }
    }
    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        if (mc->cnt[i] == 0) {
            gain += mc->weight[i];
        } else if (mc->cnt[i] == 1) {
            uint64_t o = mc->who[i];
            mc->extra[o] += mc->weight[i];
            if (mc->is_plain && !mc->is_touched[o]) {
                mc->is_touched[o] = 1;
                mc->touched[n_touched++] = (uint32_t)o;
            }
        }
    }
    if (mc->is_plain)
        return best_move_plain(mc, j, gain, n_touched, out_j);
    return best_move_checked(mc, j, gain, out_j);
}

/* Opening j: counts and losses of its list's points only. */
static void open_site(struct mc *mc, size_t j)
{
    const struct site_cover *c = mc->in->cover;
    size_t t;

    mc->loss[j] = 0;
    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        if (mc->cnt[i] == 0) {
            mc->covered += mc->weight[i];
            mc->loss[j] += mc->weight[i];
        } else if (mc->cnt[i] == 1) {
            mc->loss[mc->who[i]] -= mc->weight[i];
        }
        mc->cnt[i]++;
        mc->who[i] += j;
        reach_update(mc, i, mc->cnt[i] - 1);
    }
}

static void close_site(struct mc *mc, size_t j)
{
    const struct site_cover *c = mc->in->cover;
    size_t t;

    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        mc->cnt[i]--;
        mc->who[i] -= j;
        reach_update(mc, i, mc->cnt[i] + 1);
        if (mc->cnt[i] == 0)
            mc->covered -= mc->weight[i];
        else if (mc->cnt[i] == 1)
            mc->loss[mc->who[i]] += mc->weight[i];
    }
    mc->loss[j] = 0;
}

/* Incremental: the losses change only where the two sites' lists reach. With weights
 * that are not integers the sums drift by rounding; refresh (after every restore, and
 * at the end) recomputes them. */
static void mc_move(void *ctx, size_t in_j, int64_t out_j)
{
    struct mc *mc = ctx;

    site__sel_add(mc->in, &mc->sel, in_j);
    open_site(mc, in_j);
    if (out_j >= 0) {
        site__sel_remove(mc->in, &mc->sel, (size_t)out_j);
        close_site(mc, (size_t)out_j);
    }
    mc->is_sorted = false;
}

/* A site within twice the radius of j: one covering a random point j covers. */
static size_t mc_near(void *ctx, size_t j)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    size_t len = cov_len(c, j), i, a, b;

    if (!len)
        return (size_t)(site__rand(mc->r) % mc->in->m);
    i = cov_begin(c, j)[site__rand(mc->r) % len];
    a = c->dem_start[i];
    b = c->dem_start[i + 1];
    return b > a ? c->dem_item[a + site__rand(mc->r) % (b - a)] : j;
}

static double mc_cost(void *ctx)
{
    return -((struct mc *)ctx)->covered;
}

struct search_ops mc__ops(struct mc *mc)
{
    return (struct search_ops){.ctx = mc,
                               .sel = &mc->sel,
                               .best_move = mc_best_move,
                               .move = mc_move,
                               .gain = mc_gain,
                               .cost = mc_cost,
                               .refresh = mc_refresh,
                               .near = mc_near};
}

/* ---------------------------------------------------------------- solve */

enum gis_status mc__start(struct mc *mc, struct search_ops *ops, double *bound)
{
    enum gis_status rc;

    *ops = mc__ops(mc);
    rc = site__greedy(mc->r, ops);
    if (rc == GIS_OK) {
        site__local_search(mc->r, ops);
        rc = site__mclp_bound(mc->r, mc->weight, mc->covered, bound);
    }
    return rc;
}

static void
assign_cover(const struct site_instance *in, const struct site_sel *sel, int32_t *assign)
{
    const struct site_cover *c = in->cover;
    size_t i, k;

    for (i = 0; i < in->n; i++) {
        assign[i] = -1;
        for (k = c->dem_start[i]; k < c->dem_start[i + 1] && assign[i] < 0; k++)
            if (sel->is_open[c->dem_item[k]])
                assign[i] = (int32_t)c->dem_item[k];
    }
}

static double total(const double *w, size_t n)
{
    double s = 0;
    size_t i;

    for (i = 0; i < n; i++)
        s += w[i];
    return s;
}

static enum gis_status answer(struct site_run *r,
                              const struct site_sel *sel,
                              double covered,
                              double bound,
                              const char *search,
                              struct site_result *res)
{
    enum gis_status rc = site__result_open(r->in, sel, res);

    if (rc != GIS_OK)
        return rc;
    assign_cover(r->in, sel, res->assign);
    res->objective = res->demand_covered = covered;
    res->demand_total = total(r->in->weight, r->in->n);
    res->bound = bound;
    snprintf(res->method, sizeof res->method, "greedy+interchange+%s+lagrangian", search);
    return GIS_OK;
}

/* The bound's second run, from the start again towards the search's answer, patient:
 * it gets close to the LP bound, where the first run, short so that the search starts
 * soon, stops well above it. The search leaves it REFINE_SHARE of the time limit, at
 * most REFINE_MAX_S. */
#define REFINE_SHARE    0.1
#define REFINE_MAX_S    6.0
#define REFINE_PATIENCE 150
#define REFINE_STEPS    20000

static double
refine_bound(struct site_run *r, struct site_mclp_dual *d, double covered, double bound)
{
    bool was_hit = r->hit_time_limit;
    double b = bound;

    r->hit_time_limit = false;
    if (!r->is_cancelled && !site__is_proven(r, -covered, -bound)) {
        site__mclp_dual_restart(d, r->in, r->in->weight);
        site__mclp_dual_run(r, r->in->weight, d, covered, REFINE_PATIENCE, REFINE_STEPS, &b);
    }
    r->hit_time_limit |= was_hit;
    return fmin(b, bound);
}

/* The heuristic's search, in SEARCH_ROUNDS rounds of equal time, each from the greedy
 * start: construct, merge and solve (site_mclp_merge.c) for up to CMSA_SHARE of the
 * round, local MIPs (site_mclp_local.c) from its answer for up to LOCAL_SHARE, then the
 * ILS from theirs to the round's end, relinking toward an elite pool that holds the
 * annealing answers of every round (distinct good answers make the long paths relinking
 * needs; the ILS's own local optima lie close together) and now and then merging the
 * pool's answers (ms__ops' intensify: GLPK picks the best mix of them). The best round's
 * answer is kept. Rounds, because where a search ends depends more on its early random
 * steps than on its time: one 60 s search stalls on its first good local optimum for
 * its last 20-30 s (Bronx p=50: best at 30.7 s of 54, unchanged after), where a 20 s one
 * from other steps often goes further (Kings p=50: the optimum at 10 s in a 20 s run, 552
 * short after 60 s). --exact: a short VNS start, as GLPK proves the answer. */
/* Maximo's 24 cases, one search each, 60 s, in one session: one round met the optimum on
 * 8, three rounds on 11 (single runs vary by about 2 cases; the summed shortfall fell
 * from 13,794 to 9,900). */
#define SEARCH_ROUNDS 3
#define CMSA_SHARE    0.4
#define LOCAL_SHARE   0.4
#define ELITE_SIZE    10

/* One round until r->deadline: CMSA, local MIPs, the ILS, each from the one before's
 * answer. */
static enum gis_status one_round(struct site_run *r,
                                 struct msw *s,
                                 struct search_ops *ops,
                                 double bound,
                                 struct site_elite *pool)
{
    double left = r->deadline - site__now();
    enum gis_status rc;

    rc = site__mclp_cmsa(r, s, ops, -bound, pool, CMSA_SHARE * left);
    if (rc == GIS_OK)
        rc = site__mclp_local(r, s, ops, -bound, pool, LOCAL_SHARE * left);
    if (rc == GIS_OK)
        rc = site__ils(r, ops, -bound, pool);
    return rc;
}

/* Round k of SEARCH_ROUNDS ends at its share of the time, the last at the run's end; a
 * round's end is not the run's time limit. */
static enum gis_status timed_round(struct site_run *r,
                                   struct msw *s,
                                   struct search_ops *ops,
                                   double bound,
                                   struct site_elite *pool,
                                   size_t k,
                                   double round_s)
{
    double deadline = r->deadline;
    enum gis_status rc;

    if (k + 1 < SEARCH_ROUNDS)
        r->deadline = fmin(deadline, site__now() + round_s);
    rc = one_round(r, s, ops, bound, pool);
    r->deadline = deadline;
    if (!r->is_cancelled && site__now() < deadline)
        r->hit_time_limit = false;
    return rc;
}

static void go_to(struct site_run *r, struct search_ops *ops, const struct site_sel *to)
{
    site__sel_copy(r->in, ops->sel, to);
    ops->refresh(ops->ctx);
}

static enum gis_status
search(struct site_run *r, struct msw *s, struct search_ops *ops, double bound)
{
    struct site_elite pool;
    struct site_sel start = {0}, best = {0};
    enum gis_status rc = GIS_ERR_NOMEM;
    double best_covered = s->covered, round_s;
    size_t k;

    if (r->opt->is_exact)
        return site__vns(r, ops, -bound, false);
    if (site__elite_init(&pool, r, ELITE_SIZE) != GIS_OK)
        return GIS_ERR_NOMEM;
    if (site__sel_init(r->in, &start) != GIS_OK || site__sel_init(r->in, &best) != GIS_OK)
        goto cleanup;
    site__sel_copy(r->in, &start, &s->sel);
    site__sel_copy(r->in, &best, &s->sel);
    round_s = (r->deadline - site__now()) / SEARCH_ROUNDS;
    rc = GIS_OK;
    for (k = 0; k < SEARCH_ROUNDS && rc == GIS_OK; k++) {
        if (k)
            go_to(r, ops, &start);
        rc = timed_round(r, s, ops, bound, &pool, k, round_s);
        if (rc == GIS_OK && s->covered > best_covered) {
            best_covered = s->covered;
            site__sel_copy(r->in, &best, &s->sel);
        }
        if (site__is_proven(r, -best_covered, -bound) || site__should_stop(r, 0, -best_covered))
            break;
    }
    if (rc == GIS_OK && s->covered < best_covered)
        go_to(r, ops, &best);
cleanup:
    site__sel_free(&best);
    site__sel_free(&start);
    site__elite_free(&pool);
    return rc;
}

/* No budget, no quotas: the swap tables (site_mclp_swap.c), whose moves cost a fraction
 * of the general evaluation's, so the search takes many more steps in the same time. */
static enum gis_status mclp_plain(struct site_run *r, struct site_result *res)
{
    struct msw s;
    struct site_mclp_dual d;
    struct search_ops ops;
    enum gis_status rc;
    double bound = INFINITY, reserve = 0;

    if (ms__init(&s, r) != GIS_OK)
        return GIS_ERR_NOMEM;
    rc = site__mclp_dual_init(&d, r->in, r->in->weight);
    ops = ms__ops(&s);
    if (rc == GIS_OK)
        rc = site__greedy(r, &ops);
    if (rc == GIS_OK) {
        site__local_search(r, &ops);
        site__note_best(r, -s.covered);
        site__mclp_dual_run(r, r->in->weight, &d, s.covered, MC_DUAL_PATIENCE, MC_DUAL_STEPS,
                            &bound);
        if (!r->opt->is_exact)
            reserve = fmin(REFINE_SHARE * (r->deadline - site__now()), REFINE_MAX_S);
        r->deadline -= reserve;
        rc = search(r, &s, &ops, bound);
        r->deadline += reserve;
    }
    if (rc == GIS_OK && s.is_nomem)
        rc = GIS_ERR_NOMEM;
    if (rc == GIS_OK && !r->opt->is_exact)
        bound = refine_bound(r, &d, s.covered, bound);
    if (rc == GIS_OK)
        rc = answer(r, &s.sel, s.covered, bound, r->opt->is_exact ? "vns" : "cmsa+ils", res);
    site__mclp_dual_free(&d);
    ms__free(&s);
    return rc;
}

/* Whether the swap tables pay: a move costs them about (list length)^2 updates where
 * the general evaluation pays (list length) per candidate and pass, so they win when
 * the lists are short next to the candidates: m at least MS_MIN_SPREAD times the mean
 * list length (the city-scale instances: 70 to 90; Sao Jose dos Campos at 800 m and
 * more: under 10, where the tables made the search slower). */
#define MS_MIN_SPREAD 25

static bool is_spread(const struct site_instance *in)
{
    return (double)in->m * (double)in->m >= MS_MIN_SPREAD * (double)in->cover->cand_start[in->m];
}

/* A small model (uncapacitated MCLP: a column per candidate and per point) often has a
 * proof within a second, where the ILS would stop by its stall rule, unproven, later
 * (the regional centres, 117 townships with one per county: proven in 0.2 s in all, where
 * the ILS took 2 s to the same answer and no proof; Sao Jose dos Campos, 70 cases: all
 * proven in 4 s in all, against 63 in 95 s). So GLPK goes first, from the
 * heuristic's answer, for QUICK_MIP_SHARE of the time, at most QUICK_MIP_MAX_S; the ILS
 * runs only when that did not prove the answer, and the better of the two is returned. */
#define QUICK_MIP_COLUMNS 6000
#define QUICK_MIP_SHARE   0.25
#define QUICK_MIP_MAX_S   2.0

/* GLPK from res (the heuristic's answer) within the cap: res becomes its answer when
 * better, and *bound its bound when tighter. False when GLPK could not run. */
static bool quick_mip(struct site_run *r, struct site_result *res, double *bound)
{
    bool was_hit = r->hit_time_limit;
    double deadline = r->deadline;
    enum gis_status rc;

    r->deadline = fmin(
        deadline, site__now() + fmin(QUICK_MIP_SHARE * (deadline - site__now()), QUICK_MIP_MAX_S));
    rc = site__glpk(r, res, NULL);
    r->deadline = deadline;
    r->hit_time_limit = was_hit; /* the cap here is not the caller's limit */
    if (rc != GIS_OK)
        return false;
    site__note_best(r, -res->objective);
    *bound = fmin(*bound, res->bound);
    return true;
}

static bool wants_quick_mip(const struct site_run *r, double covered, double bound)
{
    return !r->opt->is_exact && r->in->m + r->in->n <= QUICK_MIP_COLUMNS &&
           !site__is_proven(r, -covered, -bound);
}

/* Quotas, a budget, or lists too long for the swap tables: the general evaluation. */
static enum gis_status mclp_general(struct site_run *r, struct site_result *res)
{
    struct mc mc;
    struct search_ops ops;
    enum gis_status rc;
    double bound = INFINITY;
    bool has_mip_answer = false; /* res holds GLPK's answer */

    if (mc__init(&mc, r, r->in->weight) != GIS_OK)
        return GIS_ERR_NOMEM;
    rc = mc__start(&mc, &ops, &bound);
    if (rc == GIS_OK && wants_quick_mip(r, mc.covered, bound)) {
        rc = answer(r, &mc.sel, mc.covered, bound, "glpk", res);
        has_mip_answer = rc == GIS_OK && quick_mip(r, res, &bound);
        if (has_mip_answer && site__is_proven(r, -res->objective, -bound)) {
            snprintf(res->method, sizeof res->method, "greedy+interchange+glpk-branch-and-cut");
            mc__free(&mc);
            return GIS_OK;
        }
    }
    if (rc == GIS_OK)
        rc =
            r->opt->is_exact ? site__vns(r, &ops, -bound, false) : site__ils(r, &ops, -bound, NULL);
    /* GLPK's answer stands when the ILS did not reach it */
    if (rc == GIS_OK && has_mip_answer && res->objective > mc.covered + 1e-9 * (1 + mc.covered))
        snprintf(res->method, sizeof res->method, "greedy+interchange+ils+glpk");
    else if (rc == GIS_OK)
        rc = answer(r, &mc.sel, mc.covered, bound, r->opt->is_exact ? "vns" : "ils", res);
    mc__free(&mc);
    return rc;
}

/* The plain or general search over the instance without its dominated candidates. */
static enum gis_status mclp_reduced(struct site_run *r, struct site_result *res)
{
    const struct site_instance *in = r->in;
    struct site_instance reduced = *in;
    uint8_t *state = malloc(in->m ? in->m : 1);
    size_t n_forbidden = 0;
    enum gis_status rc = state ? GIS_OK : GIS_ERR_NOMEM;

    if (rc == GIS_OK) {
        if (in->state)
            memcpy(state, in->state, in->m);
        else
            memset(state, SITE_FREE, in->m ? in->m : 1);
        rc = site__mclp_forbid_dominated(in, state, &n_forbidden);
    }
    if (rc == GIS_OK) {
        reduced.state = state;
        r->in = &reduced;
        rc = is_spread(in) ? mclp_plain(r, res) : mclp_general(r, res);
        r->in = in;
    }
    free(state);
    return rc;
}

enum gis_status site__mclp(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    enum gis_status rc;

    if (r->in->capacity)
        return site__mclp_capacitated(r, res, err);
    if (!r->in->group && !(r->in->budget > 0))
        rc = mclp_reduced(r, res);
    else
        rc = mclp_general(r, res);
    return rc == GIS_OK ? GIS_OK : gis_fail(err, rc, "out of memory for MCLP");
}
