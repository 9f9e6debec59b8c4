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

#define MAX_STEPS     2000
#define STALL_HALVING 25
#define THETA_MIN     1e-4

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
}

enum gis_status mc__init(struct mc *mc, struct site_run *r, const double *weight)
{
    size_t n = r->in->n, m = r->in->m;

    memset(mc, 0, sizeof *mc);
    mc->r = r;
    mc->in = r->in;
    mc->weight = weight;
    mc->cnt = calloc(n ? n : 1, sizeof *mc->cnt);
    mc->who = calloc(n ? n : 1, sizeof *mc->who);
    mc->loss = calloc(m, sizeof *mc->loss);
    mc->extra = calloc(m, sizeof *mc->extra);
    if (!mc->cnt || !mc->who || !mc->loss || !mc->extra ||
        site__sel_init(r->in, &mc->sel) != GIS_OK) {
        mc__free(mc);
        return GIS_ERR_NOMEM;
    }
    mc_refresh(mc);
    return GIS_OK;
}

void mc__free(struct mc *mc)
{
    free(mc->cnt);
    free(mc->who);
    free(mc->loss);
    free(mc->extra);
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

static double mc_best_move(void *ctx, size_t j, int64_t *out_j)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    double gain = 0, best = INFINITY;
    size_t t, k;

    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        if (mc->cnt[i] == 0)
            gain += mc->weight[i];
        else if (mc->cnt[i] == 1)
            mc->extra[mc->who[i]] += mc->weight[i];
    }
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

static void mc_move(void *ctx, size_t in_j, int64_t out_j)
{
    struct mc *mc = ctx;
    const struct site_cover *c = mc->in->cover;
    size_t t;

    site__sel_add(mc->in, &mc->sel, in_j);
    for (t = 0; t < cov_len(c, in_j); t++) {
        mc->cnt[cov_begin(c, in_j)[t]]++;
        mc->who[cov_begin(c, in_j)[t]] += in_j;
    }
    if (out_j >= 0) {
        site__sel_remove(mc->in, &mc->sel, (size_t)out_j);
        for (t = 0; t < cov_len(c, (size_t)out_j); t++) {
            mc->cnt[cov_begin(c, (size_t)out_j)[t]]--;
            mc->who[cov_begin(c, (size_t)out_j)[t]] -= (uint64_t)out_j;
        }
    }
    mc_loss(mc);
}

static double mc_cost(void *ctx)
{
    return -((struct mc *)ctx)->covered;
}

struct search_ops mc__ops(struct mc *mc)
{
    return (struct search_ops){mc, &mc->sel, mc_best_move, mc_move, mc_gain, mc_cost, mc_refresh};
}

/* ---------------------------------------------------------------- bound */

struct mlag {
    double *lambda, *val, *g;
    uint8_t *y, *is_coverable;
    uint32_t *free_j;
    size_t n_free, p_free;
};

static int cmp_val_desc(const void *a, const void *b, void *ctx)
{
    const double *val = ctx;
    double x = val[*(const uint32_t *)a], y = val[*(const uint32_t *)b];
    return (x < y) - (x > y);
}

/* L(lambda) = sum max(0, w_i - lambda_i) + the p best sums of lambda over sites' lists. */
static double mlag_eval(const struct mc *mc, struct mlag *lg, double *out_norm)
{
    const struct site_instance *in = mc->in;
    const struct site_cover *c = in->cover;
    double L = 0, norm = 0;
    size_t i, j, k;

    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        lg->val[j] = 0;
        for (k = 0; st != SITE_FORBIDDEN && k < cov_len(c, j); k++)
            lg->val[j] += lg->lambda[cov_begin(c, j)[k]];
        lg->y[j] = st == SITE_EXISTING || st == SITE_FORCED;
        L += lg->y[j] ? lg->val[j] : 0;
    }
    qsort_r(lg->free_j, lg->n_free, sizeof *lg->free_j, cmp_val_desc, lg->val);
    for (k = 0; k < lg->p_free && k < lg->n_free; k++) {
        lg->y[lg->free_j[k]] = 1;
        L += lg->val[lg->free_j[k]];
    }
    for (i = 0; i < in->n; i++)
        lg->g[i] = 0;
    for (j = 0; j < in->m; j++)
        for (k = 0; lg->y[j] && k < cov_len(c, j); k++)
            lg->g[cov_begin(c, j)[k]] -= 1;
    for (i = 0; i < in->n; i++) {
        bool z = lg->is_coverable[i] && mc->weight[i] > lg->lambda[i];
        L += z ? mc->weight[i] - lg->lambda[i] : 0;
        lg->g[i] += z;
        norm += lg->g[i] * lg->g[i];
    }
    *out_norm = norm;
    return L;
}

static enum gis_status mlag_init(const struct mc *mc, struct mlag *lg)
{
    const struct site_instance *in = mc->in;
    size_t i, j, k, forced = 0;

    memset(lg, 0, sizeof *lg);
    lg->lambda = calloc(in->n, sizeof *lg->lambda);
    lg->g = calloc(in->n, sizeof *lg->g);
    lg->is_coverable = calloc(in->n, 1);
    lg->val = calloc(in->m, sizeof *lg->val);
    lg->y = calloc(in->m, 1);
    lg->free_j = calloc(in->m, sizeof *lg->free_j);
    if (!lg->lambda || !lg->g || !lg->is_coverable || !lg->val || !lg->y || !lg->free_j)
        return GIS_ERR_NOMEM;
    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        if (st == SITE_FREE)
            lg->free_j[lg->n_free++] = (uint32_t)j;
        forced += st == SITE_FORCED;
        for (k = 0; st != SITE_FORBIDDEN && k < cov_len(in->cover, j); k++)
            lg->is_coverable[cov_begin(in->cover, j)[k]] = 1;
    }
    lg->p_free = in->p - forced;
    for (i = 0; i < in->n; i++)
        lg->lambda[i] = mc->weight[i] / 2;
    return GIS_OK;
}

static void mlag_free(struct mlag *lg)
{
    free(lg->lambda);
    free(lg->g);
    free(lg->is_coverable);
    free(lg->val);
    free(lg->y);
    free(lg->free_j);
}

enum gis_status mc__bound(struct mc *mc, double lower, double *bound)
{
    struct mlag lg;
    double best = INFINITY, theta = 2, norm, reachable = 0;
    size_t step, stall = 0, i;

    if (mlag_init(mc, &lg) != GIS_OK) {
        mlag_free(&lg);
        return GIS_ERR_NOMEM;
    }
    for (step = 0; step < MAX_STEPS && theta > THETA_MIN; step++) {
        double L = mlag_eval(mc, &lg, &norm);
        if (step == 0 || L < best - 1e-12 * fabs(best)) {
            best = L;
            stall = 0;
        } else if (++stall >= STALL_HALVING) {
            theta /= 2;
            stall = 0;
        }
        if (norm == 0 || site__is_proven(mc->r, -lower, -best) ||
            site__should_stop(mc->r, 0, -lower))
            break;
        for (i = 0; i < mc->in->n; i++)
            lg.lambda[i] = fmax(0, lg.lambda[i] + theta * (L - lower) / norm * lg.g[i]);
    }
    /* No answer covers more than every point some usable site reaches. */
    for (i = 0; i < mc->in->n; i++)
        reachable += lg.is_coverable[i] ? mc->weight[i] : 0;
    mlag_free(&lg);
    *bound = fmin(best, reachable);
    return GIS_OK;
}

/* ---------------------------------------------------------------- solve */

enum gis_status mc__start(struct mc *mc, struct search_ops *ops, double *bound)
{
    enum gis_status rc;

    *ops = mc__ops(mc);
    rc = site__greedy(mc->r, ops);
    if (rc == GIS_OK) {
        site__local_search(mc->r, ops);
        rc = mc__bound(mc, mc->covered, bound);
    }
    return rc;
}

static void assign_cover(const struct mc *mc, int32_t *assign)
{
    const struct site_cover *c = mc->in->cover;
    size_t i, k;

    for (i = 0; i < mc->in->n; i++) {
        assign[i] = -1;
        for (k = c->dem_start[i]; k < c->dem_start[i + 1] && assign[i] < 0; k++)
            if (mc->sel.is_open[c->dem_item[k]])
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

enum gis_status site__mclp(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    struct mc mc;
    struct search_ops ops;
    enum gis_status rc;
    double bound = INFINITY;

    if (r->in->capacity)
        return site__mclp_capacitated(r, res, err);
    if (mc__init(&mc, r, r->in->weight) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for MCLP");
    rc = mc__start(&mc, &ops, &bound);
    if (rc == GIS_OK)
        rc = site__vns(r, &ops, -bound);
    if (rc == GIS_OK)
        rc = site__result_open(r->in, &mc.sel, res);
    if (rc == GIS_OK) {
        assign_cover(&mc, res->assign);
        res->objective = res->demand_covered = mc.covered;
        res->demand_total = total(r->in->weight, r->in->n);
        res->bound = bound;
        snprintf(res->method, sizeof res->method, "greedy+interchange+vns+lagrangian");
    }
    mc__free(&mc);
    return rc == GIS_OK ? GIS_OK : gis_fail(err, rc, "out of memory for MCLP");
}
