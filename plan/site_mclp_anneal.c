/*
 * Simulated annealing for the plain MCLP (no budget, no quotas), before the iterated
 * local search: random swaps of an open site for a candidate near it (within twice the
 * radius), priced from the two coverage lists in the swap tables' lean mode (a move
 * updates only the counts), accepted by Metropolis' rule under a temperature that
 * falls geometrically. The ILS walks between local optima one perturbation at a time;
 * annealing lets whole groups of neighbouring sites drift over the plateaus of
 * near-equal coverage that city-scale instances have, which is where the ILS alone
 * stalled (the sites of its answers and of the optima differed nearly everywhere, by
 * small shifts). The ILS then starts from annealing's best answer.
 *
 * The temperature's scale is read off the start: the lower quartile of the cost
 * changes of sampled swaps (at a local optimum none improves). The length is
 * ANNEAL_PER_CANDIDATE swaps tried per candidate, shortened when the measured rate says
 * they would not fit in the time given: a run with time to spare is the same for a
 * seed on any machine.
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdlib.h>

#define ANNEAL_PER_CANDIDATE 5000
#define ANNEAL_SAMPLES       2048
#define ANNEAL_T_START       0.35  /* x the scale */
#define ANNEAL_T_END         0.005 /* x the scale */
#define ANNEAL_CHECK_EVERY   4096  /* swaps tried between reads of the clock */

struct anneal {
    struct site_run *r;
    struct msw *s;
    const struct search_ops *ops;
    double t_start, t_end, t;
    uint64_t budget, done;
    double began, share_s; /* monotonic seconds */
    double best_cost;
    struct site_sel best;
};

/* A movable open site drawn at random, or -1 (few draws: existing and forced sites are
 * open too). */
static int64_t random_movable(struct anneal *a)
{
    const struct site_sel *sel = &a->s->sel;
    size_t t;

    for (t = 0; t < 8 && sel->n_list; t++) {
        uint32_t o = sel->list[site__rand(a->r) % sel->n_list];
        if (site__state(a->s->in, o) == SITE_FREE)
            return o;
    }
    return -1;
}

/* A swap near a random movable site: *out_o leaves, *out_j enters; false when the
 * draw found none. */
static bool draw(struct anneal *a, size_t *out_j, size_t *out_o)
{
    int64_t o = random_movable(a);
    size_t j;

    if (o < 0)
        return false;
    j = ms__near(a->s, (size_t)o);
    if (a->s->sel.is_open[j] || site__state(a->s->in, j) != SITE_FREE)
        return false;
    *out_j = j;
    *out_o = (size_t)o;
    return true;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return (a > b) - (a < b);
}

/* The lower quartile of sampled swaps' cost changes; else the mean of the positive
 * ones; 0 when no swap changes anything (nothing to anneal). */
static double scale_of(struct anneal *a)
{
    double *d = malloc(ANNEAL_SAMPLES * sizeof *d), q = 0, sum = 0;
    size_t n = 0, tries, k, pos = 0;

    if (!d)
        return 0;
    for (tries = 0; n < ANNEAL_SAMPLES && tries < 8 * ANNEAL_SAMPLES; tries++) {
        size_t j, o;
        if (draw(a, &j, &o))
            d[n++] = ms__lean_delta(a->s, j, o);
    }
    qsort(d, n, sizeof *d, cmp_double);
    if (n)
        q = d[n / 4];
    for (k = 0; q <= 0 && k < n; k++)
        if (d[k] > 0) {
            sum += d[k];
            pos++;
        }
    if (q <= 0)
        q = pos ? sum / (double)pos : 0;
    free(d);
    return q;
}

/* Every ANNEAL_CHECK_EVERY swaps: the clock, the stop, the length that fits the time
 * left of the share, and the temperature. False: stop. */
static bool checkpoint(struct anneal *a, double bound_cost)
{
    double spent = site__now() - a->began;

    if (a->done >= a->budget || site__is_proven(a->r, a->best_cost, bound_cost) ||
        site__should_stop(a->r, 0, a->best_cost))
        return false;
    if (a->done && spent > 0 && spent * (double)a->budget > a->share_s * (double)a->done) {
        double fits = a->share_s * (double)a->done / spent;
        a->budget = fits > (double)(a->done + 1) ? (uint64_t)fits : a->done + 1;
    }
    a->t = a->t_start * pow(a->t_end / a->t_start, (double)a->done / (double)a->budget);
    return true;
}

/* One swap tried, and made if Metropolis accepts it. */
static void try_swap(struct anneal *a)
{
    size_t j, o;
    double d;

    if (!draw(a, &j, &o))
        return;
    d = ms__lean_delta(a->s, j, o);
    if (d > 0 && (double)(site__rand(a->r) >> 11) * 0x1p-53 >= exp(-d / a->t))
        return;
    a->ops->move(a->ops->ctx, j, (int64_t)o);
    if (a->ops->cost(a->ops->ctx) < a->best_cost - 1e-9 * (1 + fabs(a->best_cost))) {
        a->best_cost = a->ops->cost(a->ops->ctx);
        site__sel_copy(a->r->in, &a->best, &a->s->sel);
        site__note_best(a->r, a->best_cost);
    }
}

enum gis_status site__mclp_anneal(struct site_run *r,
                                  struct msw *s,
                                  const struct search_ops *ops,
                                  double bound_cost,
                                  double share_s)
{
    struct anneal a = {.r = r, .s = s, .ops = ops, .share_s = share_s};
    double scale;

    if (site__sel_init(r->in, &a.best) != GIS_OK)
        return GIS_ERR_NOMEM;
    site__sel_copy(r->in, &a.best, &s->sel);
    a.best_cost = ops->cost(ops->ctx);
    a.began = site__now();
    a.budget = (uint64_t)ANNEAL_PER_CANDIDATE * r->in->m;
    ms__set_lean(s, true);
    scale = scale_of(&a);
    a.t_start = ANNEAL_T_START * scale;
    a.t_end = ANNEAL_T_END * scale;
    while (scale > 0 && (a.done % ANNEAL_CHECK_EVERY != 0 || checkpoint(&a, bound_cost))) {
        a.done++;
        try_swap(&a);
    }
    site__sel_copy(r->in, &s->sel, &a.best);
    ms__set_lean(s, false); /* the tables of the best answer, every candidate listed */
    site__local_search(r, ops);
    site__note_best(r, ops->cost(ops->ctx));
    site__sel_free(&a.best);
    return GIS_OK;
}
