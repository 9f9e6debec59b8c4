/*
 * The Lagrangian lower bound of p-median: relax "each demand point is assigned once"
 * with multipliers lambda_i; then site j is worth rho_j = sum_i min(0, w_i d_ij -
 * lambda_i), the relaxation opens the p most negative (existing and forced sites always),
 * and L(lambda) = sum lambda + sum rho_open <= the optimum. Subgradient steps (Held-Karp,
 * halving the step when the bound stalls) raise it. Each row is sorted once, so a step
 * reads only the pairs with w_i d_ij < lambda_i.
 */
#include "site_pm_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS     3000
#define STALL_HALVING 25
#define THETA_START   2.0
#define THETA_MIN     1e-4

struct lag {
    const struct site_instance *in;
    uint32_t *ord; /* n * mu: each row's usable candidates, nearest first */
    size_t mu;
    size_t *plen; /* n: length of the prefix cheaper than lambda_i */
    double *lambda, *rho, *g;
    uint8_t *y;
    uint32_t *free_j; /* free candidates, permuted by selection */
    size_t n_free, p_free;
};

static int cmp_by_row(const void *a, const void *b, void *ctx)
{
    const float *row = ctx;
    float x = row[*(const uint32_t *)a], y = row[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

static void lag_free(struct lag *lg)
{
    free(lg->ord);
    free(lg->plen);
    free(lg->lambda);
    free(lg->rho);
    free(lg->g);
    free(lg->y);
    free(lg->free_j);
}

static enum gis_status lag_init(struct lag *lg, const struct pm *pm)
{
    const struct site_instance *in = pm->in;
    size_t i, j, forced = 0;

    memset(lg, 0, sizeof *lg);
    lg->in = in;
    for (j = 0; j < in->m; j++)
        lg->mu += site__state(in, j) != SITE_FORBIDDEN;
    lg->ord = malloc(in->n * lg->mu * sizeof *lg->ord);
    lg->plen = calloc(in->n, sizeof *lg->plen);
    lg->lambda = malloc(in->n * sizeof *lg->lambda);
    lg->g = malloc(in->n * sizeof *lg->g);
    lg->rho = malloc(in->m * sizeof *lg->rho);
    lg->y = malloc(in->m);
    lg->free_j = malloc(in->m * sizeof *lg->free_j);
    if (!lg->ord || !lg->plen || !lg->lambda || !lg->g || !lg->rho || !lg->y || !lg->free_j)
        return GIS_ERR_NOMEM;
    for (j = 0; j < in->m; j++) {
        if (site__state(in, j) == SITE_FREE)
            lg->free_j[lg->n_free++] = (uint32_t)j;
        forced += site__state(in, j) == SITE_FORCED;
    }
    lg->p_free = in->p - forced;
    for (i = 0; i < in->n; i++) {
        uint32_t *row = lg->ord + i * lg->mu;
        size_t k = 0;
        for (j = 0; j < in->m; j++)
            if (site__state(in, j) != SITE_FORBIDDEN)
                row[k++] = (uint32_t)j;
        qsort_r(row, lg->mu, sizeof *row, cmp_by_row, (void *)(in->dist + i * in->m));
        lg->lambda[i] = in->weight[i] * pm->d1[i];
    }
    return GIS_OK;
}

static int cmp_rho(const void *a, const void *b, void *ctx)
{
    const double *rho = ctx;
    double x = rho[*(const uint32_t *)a], y = rho[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

/* Puts the k smallest rho of the free candidates first in free_j. */
static void select_smallest(struct lag *lg, size_t k)
{
    if (k && lg->n_free > 1)
        qsort_r(lg->free_j, lg->n_free, sizeof *lg->free_j, cmp_rho, lg->rho);
}

/* One evaluation of L(lambda) with its subgradient in g; returns L and ||g||^2. */
static double lag_eval(struct lag *lg, double *out_norm)
{
    const struct site_instance *in = lg->in;
    double L = 0, norm = 0;
    size_t i, j, k;

    memset(lg->rho, 0, in->m * sizeof *lg->rho);
    for (i = 0; i < in->n; i++) {
        const uint32_t *row = lg->ord + i * lg->mu;
        const float *d = in->dist + i * in->m;
        double w = in->weight[i], lam = lg->lambda[i];
        L += lam;
        for (k = 0; k < lg->mu && w * d[row[k]] < lam; k++)
            lg->rho[row[k]] += w * d[row[k]] - lam;
        lg->plen[i] = k;
    }
    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        lg->y[j] = st == SITE_EXISTING || st == SITE_FORCED;
        L += lg->y[j] ? lg->rho[j] : 0;
    }
    select_smallest(lg, lg->p_free);
    for (k = 0; k < lg->p_free && k < lg->n_free; k++) {
        lg->y[lg->free_j[k]] = 1;
        L += lg->rho[lg->free_j[k]];
    }
    for (i = 0; i < in->n; i++) {
        const uint32_t *row = lg->ord + i * lg->mu;
        double used = 0;
        for (k = 0; k < lg->plen[i]; k++)
            used += lg->y[row[k]];
        lg->g[i] = in->weight[i] > 0 ? 1.0 - used : 0;
        norm += lg->g[i] * lg->g[i];
    }
    *out_norm = norm;
    return L;
}

static bool lag_done(const struct pm *pm, double upper, double best)
{
    return upper <= (pm->r->is_integral ? ceil(best - 1e-6) : best * (1 + 1e-9));
}

/* Reduced-cost fixing at the best multipliers: a site whose forced opening (or closing)
 * lifts the bound to the incumbent cannot be in a strictly better answer that way. */
static void fix_sites(struct pm *pm, struct lag *lg, double best, double upper)
{
    double slack = pm->r->is_integral ? 1 - 1e-6 : 1e-9 * fabs(upper), norm;
    size_t k, p = lg->p_free;

    lag_eval(lg, &norm);
    if (!p || p >= lg->n_free)
        return;
    for (k = 0; k < lg->n_free; k++) {
        uint32_t j = lg->free_j[k];
        double forced = k < p ? best - lg->rho[j] + lg->rho[lg->free_j[p]]
                              : best + lg->rho[j] - lg->rho[lg->free_j[p - 1]];
        if (forced > upper - slack)
            pm->fix[j] = k < p ? SITE_FORCED : SITE_FORBIDDEN;
    }
}

enum gis_status pm__lagrangian(struct pm *pm, double upper, double *bound)
{
    struct lag lg = {0}; /* freed even when keep fails before lag_init */
    double best = 0, theta = THETA_START, norm;
    double *keep = malloc(pm->in->n * sizeof *keep);
    size_t step, stall = 0, i;

    if (!keep || lag_init(&lg, pm) != GIS_OK) {
        free(keep);
        lag_free(&lg);
        return GIS_ERR_NOMEM;
    }
    for (step = 0; step < MAX_STEPS && theta > THETA_MIN; step++) {
        double L = lag_eval(&lg, &norm);
        if (L > best + 1e-12 * fabs(best)) {
            best = L;
            stall = 0;
            memcpy(keep, lg.lambda, pm->in->n * sizeof *keep);
        } else if (++stall >= STALL_HALVING) {
            theta /= 2;
            stall = 0;
        }
        if (norm == 0 || lag_done(pm, upper, best) || site__should_stop(pm->r, 0, upper))
            break;
        for (i = 0; i < pm->in->n; i++)
            lg.lambda[i] = fmax(0, lg.lambda[i] + theta * (upper - L) / norm * lg.g[i]);
    }
    if (pm->fix && best > 0) {
        memcpy(lg.lambda, keep, pm->in->n * sizeof *keep);
        fix_sites(pm, &lg, best, upper);
    }
    free(keep);
    lag_free(&lg);
    *bound = best;
    return GIS_OK;
}
