/*
 * The MCLP's upper bound: the Lagrangian relaxation of "a point counts as covered only
 * if an open site covers it" (z_i <= sum of y_j over the sites covering i, multiplier
 * lambda_i >= 0), optimised by subgradient steps (Polyak's step towards the best known
 * answer, halved after `patience` steps without a better bound). The relaxation keeps
 * the integrality property, so at best it reaches the LP bound; a patient run gets
 * close to it (a quick one, with a small patience, settles well above it: its step
 * shrinks before the multipliers have spread). The best bound persists between runs.
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define THETA_START 2.0
#define THETA_MIN   1e-4

static const uint32_t *cov_begin(const struct site_cover *c, size_t j)
{
    return c->cand_item + c->cand_start[j];
}

static size_t cov_len(const struct site_cover *c, size_t j)
{
    return c->cand_start[j + 1] - c->cand_start[j];
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;

    *a = *b;
    *b = t;
}

static void top_k(uint32_t *idx, size_t n, size_t k, const double *val)
{
    size_t lo = 0, hi = n;

    while (k > lo && k < hi) {
        double x = val[idx[lo]], y = val[idx[lo + (hi - lo) / 2]], z = val[idx[hi - 1]];
        double pv = fmax(fmin(x, y), fmin(fmax(x, y), z));
        size_t a = lo, b = lo, c = hi;
        /* [lo, a) > pv, [a, b) == pv, [b, c) unread, [c, hi) < pv */
        while (b < c) {
            double v = val[idx[b]];
            if (v > pv)
                swap_u32(&idx[a++], &idx[b++]);
            else if (v < pv)
                swap_u32(&idx[b], &idx[--c]);
            else
                b++;
        }
        if (k < a)
            hi = a;
        else if (k > b)
            lo = b;
        else
            return;
    }
}

/* L(lambda) = sum max(0, w_i - lambda_i) + the p best sums of lambda over sites' lists;
 * d->g: a subgradient, *out_norm its squared length. */
static double dual_eval(const struct site_instance *in,
                        const double *weight,
                        struct site_mclp_dual *d,
                        double *out_norm)
{
    const struct site_cover *c = in->cover;
    double L = 0, norm = 0;
    size_t i, j, k;

    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        d->val[j] = 0;
        for (k = 0; st != SITE_FORBIDDEN && k < cov_len(c, j); k++)
            d->val[j] += d->lambda[cov_begin(c, j)[k]];
        d->y[j] = st == SITE_EXISTING || st == SITE_FORCED;
        L += d->y[j] ? d->val[j] : 0;
    }
    top_k(d->free_j, d->n_free, d->p_free, d->val);
    for (k = 0; k < d->p_free && k < d->n_free; k++) {
        d->y[d->free_j[k]] = 1;
        L += d->val[d->free_j[k]];
    }
    for (i = 0; i < in->n; i++)
        d->g[i] = 0;
    for (j = 0; j < in->m; j++)
        for (k = 0; d->y[j] && k < cov_len(c, j); k++)
            d->g[cov_begin(c, j)[k]] -= 1;
    for (i = 0; i < in->n; i++) {
        bool z = d->is_coverable[i] && weight[i] > d->lambda[i];
        L += z ? weight[i] - d->lambda[i] : 0;
        d->g[i] += z;
        norm += d->g[i] * d->g[i];
    }
    *out_norm = norm;
    return L;
}

enum gis_status
site__mclp_dual_init(struct site_mclp_dual *d, const struct site_instance *in, const double *weight)
{
    size_t n = in->n ? in->n : 1, i, j, k, forced = 0;

    memset(d, 0, sizeof *d);
    d->lambda = calloc(n, sizeof *d->lambda);
    d->g = calloc(n, sizeof *d->g);
    d->is_coverable = calloc(n, 1);
    d->val = calloc(in->m, sizeof *d->val);
    d->y = calloc(in->m, 1);
    d->free_j = calloc(in->m, sizeof *d->free_j);
    if (!d->lambda || !d->g || !d->is_coverable || !d->val || !d->y || !d->free_j) {
        site__mclp_dual_free(d);
        return GIS_ERR_NOMEM;
    }
    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        if (st == SITE_FREE)
            d->free_j[d->n_free++] = (uint32_t)j;
        forced += st == SITE_FORCED;
        for (k = 0; st != SITE_FORBIDDEN && k < cov_len(in->cover, j); k++)
            d->is_coverable[cov_begin(in->cover, j)[k]] = 1;
    }
    d->p_free = in->p - forced;
    /* No answer covers more than every point some usable site reaches. */
    for (i = 0; i < in->n; i++)
        d->reachable += d->is_coverable[i] ? weight[i] : 0;
    d->best = INFINITY;
    site__mclp_dual_restart(d, in, weight);
    return GIS_OK;
}

void site__mclp_dual_restart(struct site_mclp_dual *d,
                             const struct site_instance *in,
                             const double *weight)
{
    size_t i;

    for (i = 0; i < in->n; i++)
        d->lambda[i] = weight[i] / 2;
}

void site__mclp_dual_free(struct site_mclp_dual *d)
{
    free(d->lambda);
    free(d->g);
    free(d->is_coverable);
    free(d->val);
    free(d->y);
    free(d->free_j);
    memset(d, 0, sizeof *d);
}

void site__mclp_dual_run(struct site_run *r,
                         const double *weight,
                         struct site_mclp_dual *d,
                         double lower,
                         size_t patience,
                         size_t max_steps,
                         double *out_bound)
{
    const struct site_instance *in = r->in;
    double theta = THETA_START, norm, run_best = INFINITY;
    size_t step, stall = 0, i;

    for (step = 0; step < max_steps && theta > THETA_MIN; step++) {
        double L = dual_eval(in, weight, d, &norm);
        /* The step halves when this run stalls (its own best: a restart starts far
         * above the best bound of earlier runs). */
        if (isinf(run_best) || L < run_best - 1e-12 * fabs(run_best)) {
            run_best = L;
            stall = 0;
        } else if (++stall >= patience) {
            theta /= 2;
            stall = 0;
        }
        d->best = fmin(d->best, L);
        if (norm == 0 || site__is_proven(r, -lower, -d->best) || site__should_stop(r, 0, -lower))
            break;
        for (i = 0; i < in->n; i++)
            d->lambda[i] = fmax(0, d->lambda[i] + theta * (L - lower) / norm * d->g[i]);
    }
    *out_bound = fmin(d->best, d->reachable);
}

enum gis_status
site__mclp_bound(struct site_run *r, const double *weight, double lower, double *bound)
{
    struct site_mclp_dual d;

    if (site__mclp_dual_init(&d, r->in, weight) != GIS_OK)
        return GIS_ERR_NOMEM;
    site__mclp_dual_run(r, weight, &d, lower, MC_DUAL_PATIENCE, MC_DUAL_STEPS, bound);
    site__mclp_dual_free(&d);
    return GIS_OK;
}
