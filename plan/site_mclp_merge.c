/*
 * Construct, merge and solve, for the plain MCLP (after Blum et al.'s CMSA): good
 * answers of city-scale instances agree on most sites and differ in small groups of
 * neighbouring ones, and the best answer mixes the best variant of every group, which
 * no sequence of swaps between two answers need reach. So annealing builds answer after
 * answer from the same start (each different: the generator moves on), their sites join
 * a kernel, and GLPK solves the MCLP restricted to the kernel exactly, started from the
 * best answer so far (it never loses coverage). Restricted, with the demand points of
 * one restricted list merged into one weighted point, the model is small: a 300-site
 * kernel of the 5,000-node instances has about 2,000 rows and is settled in 0.02-1 s;
 * at 450 sites the same solves took 8-10 s and often ended unproven. A kernel site that
 * sits out of the best answer for KERNEL_AGE merges leaves, as do the oldest beyond
 * KERNEL_CAP.
 */
#include "site_mclp_int.h"

#include "hash.h"
#include "values_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMSA_ANNEAL_S    2.5 /* one construction's annealing at most */
#define CMSA_STALL       6   /* constructions without a better answer that end the phase */
#define KERNEL_AGE       3
#define KERNEL_CAP       350
#define MERGE_MAX_S      10.0 /* one restricted solve at most */
#define POOL_MERGE_MAX_S 5.0  /* one merge of the elite pool (ms__merge_pool) at most */

/* The restricted model: sub-candidate k is site of_sub[k]; merged point g has the
 * sorted sub-candidates items[start[g] .. start[g + 1]) and weight w[g]. p_sub: the
 * taken sites open now, as many as may open (the other open sites stay). */
struct merged {
    uint32_t *of_sub; /* m_sub */
    int32_t *sub_of;  /* m: -1 not taken */
    size_t m_sub, p_sub;
    uint32_t *items;
    size_t *start; /* n_sub + 1 */
    double *w;
    size_t n_sub, n_items;
    size_t *cand_start; /* m_sub + 1: the transpose, for site_cover */
    uint32_t *cand_item;
};

static void merged_free(struct merged *g)
{
    free(g->of_sub);
    free(g->sub_of);
    free(g->items);
    free(g->start);
    free(g->w);
    free(g->cand_start);
    free(g->cand_item);
    memset(g, 0, sizeof *g);
}

static void take_site(struct merged *g, const struct site_instance *in, size_t j)
{
    if (g->sub_of[j] < 0 && site__state(in, j) == SITE_FREE) {
        g->sub_of[j] = (int32_t)g->m_sub;
        g->of_sub[g->m_sub++] = (uint32_t)j;
    }
}

/* The free sites among `sites`, and sel's open ones unless is_local (then the open
 * sites not among `sites` stay open). */
static bool take_sites(struct merged *g,
                       const struct site_instance *in,
                       const struct site_sel *sel,
                       const uint32_t *sites,
                       size_t n,
                       bool is_local)
{
    size_t j, k;

    g->of_sub = malloc((in->m ? in->m : 1) * sizeof *g->of_sub);
    g->sub_of = malloc((in->m ? in->m : 1) * sizeof *g->sub_of);
    if (!g->of_sub || !g->sub_of)
        return false;
    for (j = 0; j < in->m; j++)
        g->sub_of[j] = -1;
    for (k = 0; !is_local && k < sel->n_list; k++)
        take_site(g, in, sel->list[k]);
    for (k = 0; k < n; k++)
        take_site(g, in, sites[k]);
    for (k = 0; k < g->m_sub; k++)
        g->p_sub += sel->is_open[g->of_sub[k]];
    return true;
}

/* Point i's restricted list into out (sorted); its length, or SIZE_MAX when an open
 * site that stays open (existing, forced, not taken) covers it: it is covered anyway. */
static size_t point_list(const struct merged *g,
                         const struct site_instance *in,
                         const struct site_sel *sel,
                         size_t i,
                         uint32_t *out)
{
    const struct site_cover *c = in->cover;
    size_t k, n = 0;

    for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
        uint32_t j = c->dem_item[k];
        if (sel->is_open[j] && g->sub_of[j] < 0)
            return SIZE_MAX;
        if (g->sub_of[j] >= 0)
            out[n++] = (uint32_t)g->sub_of[j];
    }
    qsort(out, n, sizeof *out, plan__cmp_u32);
    return n;
}

static bool same_list(const struct merged *g, size_t at, const uint32_t *a, size_t n)
{
    return g->start[at + 1] - g->start[at] == n &&
           !memcmp(g->items + g->start[at], a, n * sizeof *a);
}

/* Merged point of the list a (n long), found or added, through an open-addressing
 * table of merged point numbers + 1 (cap a power of two above the points). */
static size_t
merged_point(struct merged *g, uint32_t *table, size_t cap, const uint32_t *a, size_t n)
{
    size_t slot = hash_mix64(hash_fnv1a(HASH_FNV_OFFSET, a, n * sizeof *a)) & (cap - 1);

    for (; table[slot]; slot = (slot + 1) & (cap - 1))
        if (same_list(g, table[slot] - 1, a, n))
            return table[slot] - 1;
    memcpy(g->items + g->n_items, a, n * sizeof *a);
    g->n_items += n;
    g->w[g->n_sub] = 0;
    g->start[++g->n_sub] = g->n_items;
    table[slot] = (uint32_t)g->n_sub;
    return g->n_sub - 1;
}

static bool
merge_points(struct merged *g, const struct site_instance *in, const struct site_sel *sel)
{
    const struct site_cover *c = in->cover;
    size_t cap = 16, i, longest = 0;
    uint32_t *scratch, *table;
    bool ok = false;

    while (cap < 2 * in->n)
        cap *= 2;
    for (i = 0; i < in->n; i++)
        longest = c->dem_start[i + 1] - c->dem_start[i] > longest
                      ? c->dem_start[i + 1] - c->dem_start[i]
                      : longest;
    scratch = malloc((longest + 1) * sizeof *scratch);
    table = calloc(cap, sizeof *table);
    g->items = malloc((c->dem_start[in->n] + 1) * sizeof *g->items);
    g->start = malloc((in->n + 2) * sizeof *g->start);
    g->w = malloc((in->n + 1) * sizeof *g->w);
    if (scratch && table && g->items && g->start && g->w) {
        g->start[0] = 0;
        for (i = 0; i < in->n; i++) {
            size_t len = point_list(g, in, sel, i, scratch);
            if (len && len != SIZE_MAX && in->weight[i] > 0)
                g->w[merged_point(g, table, cap, scratch, len)] += in->weight[i];
        }
        ok = true;
    }
    free(scratch);
    free(table);
    return ok;
}

/* The candidates' side of the merged lists (site_cover's layout), in point order. */
static bool transpose(struct merged *g)
{
    size_t pt, k, *fill = malloc((g->m_sub + 1) * sizeof *fill);

    g->cand_start = calloc(g->m_sub + 1, sizeof *g->cand_start);
    g->cand_item = malloc((g->n_items + 1) * sizeof *g->cand_item);
    if (!fill || !g->cand_start || !g->cand_item) {
        free(fill);
        return false;
    }
    for (k = 0; k < g->n_items; k++)
        g->cand_start[g->items[k] + 1]++;
    for (k = 0; k < g->m_sub; k++)
        g->cand_start[k + 1] += g->cand_start[k];
    memcpy(fill, g->cand_start, (g->m_sub + 1) * sizeof *fill);
    for (pt = 0; pt < g->n_sub; pt++)
        for (k = g->start[pt]; k < g->start[pt + 1]; k++)
            g->cand_item[fill[g->items[k]]++] = (uint32_t)pt;
    free(fill);
    return true;
}

/* sel as the restricted model's start: its taken open sites and the points they cover. */
static enum gis_status
start_answer(const struct merged *g, const struct site_sel *sel, struct site_result *res)
{
    size_t k, pt, n = 0;

    res->open = malloc((g->m_sub ? g->m_sub : 1) * sizeof *res->open);
    res->assign = malloc((g->n_sub ? g->n_sub : 1) * sizeof *res->assign);
    if (!res->open || !res->assign)
        return GIS_ERR_NOMEM;
    for (k = 0; k < g->m_sub; k++)
        if (sel->is_open[g->of_sub[k]])
            res->open[n++] = (uint32_t)k;
    res->n_open = n;
    res->bound = INFINITY;
    for (pt = 0; pt < g->n_sub; pt++) {
        res->assign[pt] = -1;
        for (k = g->start[pt]; k < g->start[pt + 1] && res->assign[pt] < 0; k++)
            if (sel->is_open[g->of_sub[g->items[k]]])
                res->assign[pt] = (int32_t)g->items[k];
        res->objective += res->assign[pt] >= 0 ? g->w[pt] : 0;
    }
    return GIS_OK;
}

/* GLPK's answer onto ops->sel as swaps, each site it opened for one it closed (it may
 * open fewer than p_sub: the rest of the old ones stay), then the local search. */
static void apply(struct site_run *r,
                  const struct search_ops *ops,
                  const struct merged *g,
                  const struct site_result *res)
{
    uint8_t *is_wanted = calloc(g->m_sub ? g->m_sub : 1, 1);
    size_t k, t = 0;

    if (!is_wanted)
        return;
    for (k = 0; k < res->n_open; k++)
        is_wanted[res->open[k]] = 1;
    for (k = 0; k < g->m_sub; k++) {
        if (!is_wanted[k] || ops->sel->is_open[g->of_sub[k]])
            continue;
        while (t < g->m_sub && (is_wanted[t] || !ops->sel->is_open[g->of_sub[t]]))
            t++;
        if (t == g->m_sub)
            break;
        ops->move(ops->ctx, g->of_sub[k], (int64_t)g->of_sub[t++]);
    }
    free(is_wanted);
    site__local_search(r, ops);
}

/* The run's progress report and cancel, through the restricted solve. */
struct relay {
    struct site_run *parent;
    double cost;
};

static bool relay_progress(void *ctx, double fraction, double objective)
{
    struct relay *rl = ctx;

    (void)fraction;
    (void)objective;
    return site__should_stop(rl->parent, 0, rl->cost) && rl->parent->is_cancelled;
}

static bool
solve(struct site_run *r, const struct search_ops *ops, struct merged *g, double seconds)
{
    struct site_cover cover = {.n = g->n_sub,
                               .m = g->m_sub,
                               .cand_start = g->cand_start,
                               .cand_item = g->cand_item,
                               .dem_start = g->start,
                               .dem_item = g->items};
    struct site_instance sub = {
        .n = g->n_sub, .m = g->m_sub, .weight = g->w, .cover = &cover, .p = g->p_sub};
    struct relay rl = {.parent = r, .cost = ops->cost(ops->ctx)};
    struct site_options opt = {.problem = SITE_MCLP,
                               .is_exact = true,
                               .progress = r->opt->progress ? relay_progress : NULL,
                               .progress_ctx = &rl};
    struct site_run run = {
        .in = &sub, .opt = &opt, .rng = r->rng, .t_best = -1, .is_integral = r->is_integral};
    struct site_result res = {0};
    bool is_better = false;

    run.t_start = run.last_report = site__now();
    run.deadline = fmin(run.t_start + seconds, r->deadline);
    if (start_answer(g, ops->sel, &res) == GIS_OK) {
        double start = res.objective;
        if (site__glpk(&run, &res, NULL) == GIS_OK &&
            res.objective > start + 1e-9 * (1 + fabs(start))) {
            apply(r, ops, g, &res);
            is_better = true;
        }
    }
    r->is_cancelled |= run.is_cancelled;
    site_result_free(&res);
    return is_better;
}

static bool merge_sites(struct site_run *r,
                        const struct search_ops *ops,
                        const uint32_t *sites,
                        size_t n,
                        double seconds,
                        bool is_local)
{
    struct merged g = {0};
    bool is_better = false;

    /* Nothing to choose, or no point to cover (GLPK aborts on a model without columns
     * to add): nothing to gain. */
    if (take_sites(&g, r->in, ops->sel, sites, n, is_local) && g.p_sub && g.m_sub > g.p_sub &&
        merge_points(&g, r->in, ops->sel) && g.n_sub && transpose(&g))
        is_better = solve(r, ops, &g, seconds);
    merged_free(&g);
    return is_better;
}

bool site__mclp_merge(struct site_run *r,
                      const struct search_ops *ops,
                      const uint32_t *sites,
                      size_t n,
                      double seconds)
{
    return merge_sites(r, ops, sites, n, seconds, false);
}

bool site__mclp_merge_local(struct site_run *r,
                            const struct search_ops *ops,
                            const uint32_t *sites,
                            size_t n,
                            double seconds)
{
    return merge_sites(r, ops, sites, n, seconds, true);
}

bool ms__merge_pool(void *ctx, const struct site_elite *pool)
{
    struct msw *s = ctx;
    struct search_ops ops = ms__ops(s);

    return site__mclp_merge(s->r, &ops, pool->sites, pool->n * pool->width, POOL_MERGE_MAX_S);
}

/* ---------------------------------------------------------------- the phase */

struct kernel {
    uint32_t *sites; /* n of them */
    uint32_t *age;   /* m: merges out of the best answer */
    uint8_t *is_in;  /* m */
    size_t n;
};

static void kernel_add(struct kernel *k, const struct site_instance *in, const struct site_sel *sel)
{
    size_t t;

    for (t = 0; t < sel->n_list; t++) {
        uint32_t j = sel->list[t];
        if (site__state(in, j) != SITE_FREE)
            continue;
        k->age[j] = 0;
        if (!k->is_in[j]) {
            k->is_in[j] = 1;
            k->sites[k->n++] = j;
        }
    }
}

/* After a merge: sites of the best answer are young again, the others age; the too old
 * leave, then the oldest while the kernel is over its cap. */
static void kernel_age(struct kernel *k, const struct site_sel *best)
{
    size_t t, kept = 0;

    for (t = 0; t < k->n; t++) {
        uint32_t j = k->sites[t];
        k->age[j] = best->is_open[j] ? 0 : k->age[j] + 1;
        if (k->age[j] > KERNEL_AGE)
            k->is_in[j] = 0;
        else
            k->sites[kept++] = j;
    }
    k->n = kept;
    while (k->n > KERNEL_CAP) {
        size_t oldest = 0;
        for (t = 1; t < k->n; t++)
            if (k->age[k->sites[t]] > k->age[k->sites[oldest]])
                oldest = t;
        k->is_in[k->sites[oldest]] = 0;
        k->sites[oldest] = k->sites[--k->n];
    }
}

static void kernel_free(struct kernel *k)
{
    free(k->sites);
    free(k->age);
    free(k->is_in);
}

static void
go_to(struct site_run *r, struct msw *s, const struct search_ops *ops, const struct site_sel *to)
{
    site__sel_copy(r->in, &s->sel, to);
    ops->refresh(ops->ctx);
}

/* One construction from start and its merge; best: the best answer, kept;
 * *is_better: it improved. */
static enum gis_status construct_and_merge(struct site_run *r,
                                           struct msw *s,
                                           const struct search_ops *ops,
                                           double bound_cost,
                                           struct site_elite *pool,
                                           struct kernel *k,
                                           const struct site_sel *start,
                                           struct site_sel *best,
                                           double end,
                                           bool *is_better)
{
    double before = -s->covered;
    enum gis_status rc;

    go_to(r, s, ops, start);
    rc = site__mclp_anneal(r, s, ops, bound_cost, fmin(CMSA_ANNEAL_S, end - site__now()));
    if (rc != GIS_OK)
        return rc;
    site__elite_offer(pool, r, &s->sel, -s->covered);
    kernel_add(k, r->in, &s->sel);
    if (-s->covered < before)
        site__sel_copy(r->in, best, &s->sel);
    else
        go_to(r, s, ops, best);
    if (!site__should_stop(r, 0, -s->covered))
        site__mclp_merge(r, ops, k->sites, k->n, MERGE_MAX_S);
    site__sel_copy(r->in, best, &s->sel);
    site__note_best(r, -s->covered);
    site__elite_offer(pool, r, &s->sel, -s->covered);
    kernel_age(k, best);
    *is_better = -s->covered < before - 1e-9 * (1 + fabs(before));
    return GIS_OK;
}

static bool kernel_init(struct kernel *k, size_t m)
{
    k->sites = malloc((m ? m : 1) * sizeof *k->sites);
    k->age = calloc(m ? m : 1, sizeof *k->age);
    k->is_in = calloc(m ? m : 1, 1);
    return k->sites && k->age && k->is_in;
}

enum gis_status site__mclp_cmsa(struct site_run *r,
                                struct msw *s,
                                const struct search_ops *ops,
                                double bound_cost,
                                struct site_elite *pool,
                                double share_s)
{
    struct kernel k = {0};
    struct site_sel start = {0}, best = {0};
    double end = site__now() + share_s;
    size_t stall = 0;
    enum gis_status rc = GIS_ERR_NOMEM;

    if (kernel_init(&k, r->in->m) && site__sel_init(r->in, &start) == GIS_OK &&
        site__sel_init(r->in, &best) == GIS_OK) {
        site__sel_copy(r->in, &start, &s->sel);
        site__sel_copy(r->in, &best, &s->sel);
        rc = GIS_OK;
    }
    while (rc == GIS_OK && stall < CMSA_STALL && site__now() < end &&
           !site__is_proven(r, -s->covered, bound_cost) && !site__should_stop(r, 0, -s->covered)) {
        bool is_better = false;
        rc = construct_and_merge(r, s, ops, bound_cost, pool, &k, &start, &best, end, &is_better);
        stall = is_better ? 0 : stall + 1;
    }
    if (rc == GIS_OK)
        go_to(r, s, ops, &best);
    if (rc == GIS_OK && s->is_nomem)
        rc = GIS_ERR_NOMEM;
    site__sel_free(&best);
    site__sel_free(&start);
    kernel_free(&k);
    return rc;
}
