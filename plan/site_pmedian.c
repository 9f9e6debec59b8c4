/*
 * p-median: lazy greedy start, Whitaker's fast interchange (each demand point keeps its
 * nearest and second-nearest open site, so one candidate's best swap costs O(n + p)),
 * variable neighbourhood search around the best answer, and the Lagrangian relaxation
 * of the assignment constraints for a lower bound (rows pre-sorted, so each subgradient
 * step touches only the pairs that are cheaper than the multiplier).
 */
#include "site_int.h"
#include "site_pm_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- state */

static void refresh_point(struct pm *pm, size_t i)
{
    const float *row = pm->in->dist + i * pm->in->m;
    double b1 = pm->big, b2 = pm->big;
    int32_t j1 = -1, j2 = -1;
    size_t k;

    for (k = 0; k < pm->sel.n_list; k++) {
        uint32_t j = pm->sel.list[k];
        double d = row[j];
        if (d < b1) {
            b2 = b1;
            j2 = j1;
            b1 = d;
            j1 = (int32_t)j;
        } else if (d < b2) {
            b2 = d;
            j2 = (int32_t)j;
        }
    }
    pm->d1[i] = b1;
    pm->d2[i] = b2;
    pm->c1[i] = j1;
    pm->c2[i] = j2;
}

static void base_loss(struct pm *pm)
{
    size_t i, k;

    for (k = 0; k < pm->sel.n_list; k++)
        pm->loss[pm->sel.list[k]] = 0;
    pm->obj = 0;
    for (i = 0; i < pm->in->n; i++) {
        double w = pm->in->weight[i];
        pm->obj += w * pm->d1[i];
        if (pm->c1[i] >= 0)
            pm->loss[pm->c1[i]] += w * (pm->d2[i] - pm->d1[i]);
    }
}

void pm__refresh(struct pm *pm)
{
    size_t i;

    for (i = 0; i < pm->in->n; i++)
        refresh_point(pm, i);
    base_loss(pm);
}

static double max_distance(const struct site_instance *in)
{
    double mx = 0;
    size_t k;

    for (k = 0; k < in->n * in->m; k++)
        if (in->dist[k] > mx)
            mx = in->dist[k];
    return mx;
}

enum gis_status pm__init(struct pm *pm, struct site_run *r)
{
    const struct site_instance *in = r->in;
    size_t i, j, n = in->n, m = in->m;

    memset(pm, 0, sizeof *pm);
    pm->r = r;
    pm->in = in;
    pm->big = 2 * max_distance(in) + 1;
    pm->d1 = malloc(n * sizeof *pm->d1);
    pm->d2 = malloc(n * sizeof *pm->d2);
    pm->c1 = malloc(n * sizeof *pm->c1);
    pm->c2 = malloc(n * sizeof *pm->c2);
    pm->loss = calloc(m, sizeof *pm->loss);
    pm->extra = calloc(m, sizeof *pm->extra);
    pm->col = malloc(n * m * sizeof *pm->col);
    if (!pm->d1 || !pm->d2 || !pm->c1 || !pm->c2 || !pm->loss || !pm->extra || !pm->col ||
        site__sel_init(in, &pm->sel) != GIS_OK) {
        pm__free(pm);
        return GIS_ERR_NOMEM;
    }
    /* Candidate-major copy: the swap evaluation reads one candidate's column at a time. */
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++)
            pm->col[j * n + i] = in->dist[i * m + j];
    pm__refresh(pm);
    return GIS_OK;
}

void pm__free(struct pm *pm)
{
    free(pm->d1);
    free(pm->d2);
    free(pm->c1);
    free(pm->c2);
    free(pm->loss);
    free(pm->extra);
    free(pm->col);
    free(pm->fix);
    site__sel_free(&pm->sel);
}

/* ---------------------------------------------------------------- moves */

/* Gain of opening j (decrease of the objective), and in pm->extra, per open site, what
 * j saves of that site's removal loss. */
static double eval_in(struct pm *pm, size_t j)
{
    const float *col = pm->col + j * pm->in->n;
    double gain = 0;
    size_t i;

    for (i = 0; i < pm->in->n; i++) {
        double w = pm->in->weight[i], d = col[i];
        if (w == 0 || d >= pm->d2[i] || pm->c1[i] < 0) /* c1 < 0: nothing open yet */
            continue;
        if (d < pm->d1[i]) {
            gain += w * (pm->d1[i] - d);
            pm->extra[pm->c1[i]] += w * (pm->d2[i] - pm->d1[i]);
        } else {
            pm->extra[pm->c1[i]] += w * (pm->d2[i] - d);
        }
    }
    return gain;
}

/* The best move bringing j in: a swap with an open site, or a plain addition when p and
 * the budget leave room. Returns the change of objective; *out_j = -1 for an addition. */
static double best_move(struct pm *pm, size_t j, int64_t *out_j)
{
    double gain = eval_in(pm, j), best = INFINITY;
    size_t k;

    *out_j = -2;
    if (site__sel_can_add(pm->in, &pm->sel, j)) {
        best = -gain;
        *out_j = -1;
    }
    for (k = 0; k < pm->sel.n_list; k++) {
        uint32_t o = pm->sel.list[k];
        double delta = -gain + pm->loss[o] - pm->extra[o];
        pm->extra[o] = 0;
        if (delta < best && site__sel_can_swap(pm->in, &pm->sel, j, o)) {
            best = delta;
            *out_j = o;
        }
    }
    return best;
}

static void apply_in(struct pm *pm, size_t j)
{
    const float *col = pm->col + j * pm->in->n;
    size_t i;

    for (i = 0; i < pm->in->n; i++) {
        double d = col[i];
        if (d < pm->d1[i]) {
            pm->d2[i] = pm->d1[i];
            pm->c2[i] = pm->c1[i];
            pm->d1[i] = d;
            pm->c1[i] = (int32_t)j;
        } else if (d < pm->d2[i]) {
            pm->d2[i] = d;
            pm->c2[i] = (int32_t)j;
        }
    }
}

void pm__move(struct pm *pm, size_t in_j, int64_t out_j)
{
    size_t i;

    site__sel_add(pm->in, &pm->sel, in_j);
    apply_in(pm, in_j);
    if (out_j >= 0) {
        site__sel_remove(pm->in, &pm->sel, (size_t)out_j);
        for (i = 0; i < pm->in->n; i++)
            if (pm->c1[i] == out_j || pm->c2[i] == out_j)
                refresh_point(pm, i);
    }
    base_loss(pm);
}

static double ops_best_move(void *ctx, size_t j, int64_t *out_j)
{
    return best_move(ctx, j, out_j);
}

static void ops_move(void *ctx, size_t in_j, int64_t out_j)
{
    pm__move(ctx, in_j, out_j);
}

static double ops_gain(void *ctx, size_t j)
{
    struct pm *pm = ctx;
    const float *col = pm->col + j * pm->in->n;
    double gain = 0;
    size_t i;

    for (i = 0; i < pm->in->n; i++)
        if (col[i] < pm->d1[i])
            gain += pm->in->weight[i] * (pm->d1[i] - col[i]);
    return gain;
}

static double ops_cost(void *ctx)
{
    return ((struct pm *)ctx)->obj;
}

static void ops_refresh(void *ctx)
{
    pm__refresh(ctx);
}

struct search_ops pm__ops(struct pm *pm)
{
    return (struct search_ops){.ctx = pm,
                               .sel = &pm->sel,
                               .best_move = ops_best_move,
                               .move = ops_move,
                               .gain = ops_gain,
                               .cost = ops_cost,
                               .refresh = ops_refresh};
}

/* ---------------------------------------------------------------- solve */

enum gis_status pm__start(struct pm *pm, struct search_ops *ops, double *bound)
{
    enum gis_status rc;

    *ops = pm__ops(pm);
    rc = site__greedy(pm->r, ops);
    if (rc == GIS_OK) {
        site__local_search(pm->r, ops);
        rc = pm__lagrangian(pm, pm->obj, bound);
    }
    return rc;
}

/* The exact path: the relaxation at the final incumbent fixes what it can (sites that
 * cannot be open, or closed, in a better answer), and GLPK solves what is left. */
static enum gis_status exact(struct pm *pm, struct site_result *res, struct gis_error *err)
{
    struct site_run *r = pm->r;
    const struct site_instance *in = r->in;
    struct site_instance reduced = *in;
    uint8_t *state = malloc(in->m);
    double bound;
    size_t j;
    enum gis_status rc;

    pm->fix = calloc(in->m, 1);
    if (!state || !pm->fix) {
        free(state);
        return GIS_ERR_NOMEM;
    }
    rc = pm__lagrangian(pm, res->objective, &bound);
    res->bound = fmax(res->bound, bound);
    for (j = 0; j < in->m; j++)
        state[j] = site__state(in, j) == SITE_FREE && pm->fix[j] ? pm->fix[j] : site__state(in, j);
    reduced.state = state;
    r->in = &reduced;
    if (rc == GIS_OK)
        rc = site__glpk(r, res, err);
    r->in = in;
    free(state);
    return rc;
}

enum gis_status site__pmedian(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    struct pm pm;
    struct search_ops ops;
    enum gis_status rc;
    double bound = 0;

    if (r->in->capacity)
        return site__pmedian_capacitated(r, res, err);
    if (pm__init(&pm, r) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for p-median");
    rc = pm__start(&pm, &ops, &bound);
    if (rc == GIS_OK)
        rc = site__vns(r, &ops, bound, !r->opt->is_exact); /* --exact: GLPK proves it */
    if (rc == GIS_OK)
        rc = site__result_open(r->in, &pm.sel, res);
    if (rc == GIS_OK) {
        res->objective = site__assign_nearest(r->in, &pm.sel, res->assign, NULL);
        res->bound = bound;
        snprintf(res->method, sizeof res->method, "greedy+interchange+vns+lagrangian");
    }
    if (rc == GIS_OK && r->opt->is_exact && !site__is_proven(r, res->objective, bound))
        rc = exact(&pm, res, err);
    pm__free(&pm);
    /* Only a failed allocation is said here: the exact model's own refusals (too large,
     * with what to do instead) come up with their messages. */
    return rc == GIS_ERR_NOMEM ? gis_fail(err, rc, "out of memory for p-median") : rc;
}
