/*
 * Elite answers and path relinking, after Resende and Werneck's hybrid heuristic for
 * the p-median (and Glover's path relinking): a pool of the best local optima the search
 * met, kept different from one another, and walks from an answer toward a pool member
 * that bring in the member's sites one swap at a time. An intermediate answer of such a
 * walk mixes the two: where the search's own moves change one site at a time, a path
 * changes many, which is what a coordinated move of several neighbouring sites needs.
 * Works on any problem whose tables price a swap (ops->swap_delta). Deterministic.
 */
#include "site_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Answers closer than this (movable sites not shared) to a better one in the pool do
 * not join it: a pool of near copies would relink over paths too short to find
 * anything. */
#define ELITE_MIN_DISTANCE 4

static bool is_movable_open(const struct site_run *r, const struct site_sel *s, size_t j)
{
    return s->is_open[j] && site__state(r->in, j) == SITE_FREE;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* sel's movable open sites into out (sorted); how many. */
static size_t movable_sites(const struct site_run *r, const struct site_sel *sel, uint32_t *out)
{
    size_t k, n = 0;

    for (k = 0; k < sel->n_list; k++)
        if (site__state(r->in, sel->list[k]) == SITE_FREE)
            out[n++] = sel->list[k];
    qsort(out, n, sizeof *out, cmp_u32);
    return n;
}

enum gis_status site__elite_init(struct site_elite *e, const struct site_run *r, size_t cap)
{
    size_t j, width = 0;

    memset(e, 0, sizeof *e);
    for (j = 0; j < r->in->m; j++)
        width += site__state(r->in, j) == SITE_FORCED;
    width = r->in->p > width ? r->in->p - width : 0;
    e->cap = cap;
    e->width = width;
    e->sites = malloc((cap * width + 1) * sizeof *e->sites);
    e->cost = malloc((cap + 1) * sizeof *e->cost);
    e->mark = calloc(r->in->m ? r->in->m : 1, 1);
    e->a = malloc((width + 1) * sizeof *e->a);
    e->b = malloc((width + 1) * sizeof *e->b);
    if (!e->sites || !e->cost || !e->mark || !e->a || !e->b) {
        site__elite_free(e);
        return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

void site__elite_free(struct site_elite *e)
{
    free(e->sites);
    free(e->cost);
    free(e->mark);
    free(e->a);
    free(e->b);
    memset(e, 0, sizeof *e);
}

static const uint32_t *member(const struct site_elite *e, size_t k)
{
    return e->sites + k * e->width;
}

/* Sites of the sorted list a (width long) not in member k. */
static size_t distance_sorted(const struct site_elite *e, const uint32_t *a, size_t k)
{
    const uint32_t *b = member(e, k);
    size_t x = 0, y = 0, same = 0;

    while (x < e->width && y < e->width) {
        if (a[x] == b[y]) {
            same++;
            x++;
            y++;
        } else if (a[x] < b[y]) {
            x++;
        } else {
            y++;
        }
    }
    return e->width - same;
}

size_t site__elite_distance(struct site_elite *e,
                            const struct site_run *r,
                            const struct site_sel *sel,
                            size_t k)
{
    if (movable_sites(r, sel, e->a) != e->width)
        return e->width;
    return distance_sorted(e, e->a, k);
}

static void put(struct site_elite *e, size_t k, const uint32_t *sites, double cost)
{
    memcpy(e->sites + k * e->width, sites, e->width * sizeof *sites);
    e->cost[k] = cost;
}

/* Which member a new answer of cost `cost` (sites a) replaces, e->n to add one, or
 * SIZE_MAX when it does not join: it is in the pool already, or a member at least as
 * good is within ELITE_MIN_DISTANCE, or the pool is full of better ones. A near copy
 * of worse members replaces the one most like it; else it joins, in the place of the
 * worst when the pool is full. */
static size_t place_for(const struct site_elite *e, const uint32_t *a, double cost)
{
    size_t k, near = SIZE_MAX, near_d = SIZE_MAX, worst = 0;

    for (k = 0; k < e->n; k++) {
        size_t d = distance_sorted(e, a, k);
        if (d == 0 || (d < ELITE_MIN_DISTANCE && e->cost[k] <= cost))
            return SIZE_MAX;
        if (e->cost[k] > e->cost[worst])
            worst = k;
        if (d < ELITE_MIN_DISTANCE && d < near_d) {
            near = k;
            near_d = d;
        }
    }
    if (near != SIZE_MAX)
        return near;
    if (e->n < e->cap)
        return e->n;
    return e->cost[worst] > cost ? worst : SIZE_MAX;
}

bool site__elite_offer(struct site_elite *e,
                       const struct site_run *r,
                       const struct site_sel *sel,
                       double cost)
{
    size_t k;

    if (!e->cap || movable_sites(r, sel, e->a) != e->width)
        return false;
    k = place_for(e, e->a, cost);
    if (k == SIZE_MAX)
        return false;
    put(e, k, e->a, cost);
    e->n += k == e->n;
    return true;
}

/* ---------------------------------------------------------------- relinking */

/* The best swap of one of the guide's sites a[0..n) (closed) for one of the open sites
 * the guide lacks b[0..n); their places in a and b. */
static double best_pair(const struct search_ops *ops,
                        const uint32_t *a,
                        const uint32_t *b,
                        size_t n,
                        size_t *out_x,
                        size_t *out_y)
{
    double best = INFINITY;
    size_t x, y;

    *out_x = *out_y = 0;
    for (x = 0; x < n; x++)
        for (y = 0; y < n; y++) {
            double d = ops->swap_delta(ops->ctx, a[x], b[y]);
            if (d < best) {
                best = d;
                *out_x = x;
                *out_y = y;
            }
        }
    return best;
}

/* The two sides of the path: e->a the guide's sites ops->sel lacks, e->b the movable
 * open sites the guide lacks; how many of each (0 if they differ: no path). */
static size_t
path_ends(const struct site_run *r, const struct search_ops *ops, struct site_elite *e, size_t k)
{
    const uint32_t *g = member(e, k);
    size_t t, na = 0, nb = 0;

    for (t = 0; t < e->width; t++) {
        e->mark[g[t]] = 1;
        if (!ops->sel->is_open[g[t]])
            e->a[na++] = g[t];
    }
    for (t = 0; t < ops->sel->n_list; t++) {
        uint32_t j = ops->sel->list[t];
        if (is_movable_open(r, ops->sel, j) && !e->mark[j] && nb < e->width)
            e->b[nb++] = j;
    }
    for (t = 0; t < e->width; t++)
        e->mark[g[t]] = 0;
    return na == nb ? na : 0;
}

void site__relink(struct site_run *r,
                  const struct search_ops *ops,
                  struct site_elite *e,
                  size_t k,
                  struct move_log *log)
{
    size_t n, step, best_step = 1, start;
    double c = ops->cost(ops->ctx), best = INFINITY;

    if (!log || log->is_broken || !ops->swap_delta)
        return;
    n = path_ends(r, ops, e, k);
    start = log->n;
    if (n < 2)
        return;
    /* Steps 1 .. n - 1: the answers strictly between the two ends. */
    for (step = 1; step < n; step++) {
        size_t x, y, left = n - step + 1;
        c += best_pair(ops, e->a, e->b, left, &x, &y);
        ops->move(ops->ctx, e->a[x], e->b[y]);
        site__log_push(log, e->a[x], e->b[y]);
        e->a[x] = e->a[left - 1];
        e->b[y] = e->b[left - 1];
        if (c < best) {
            best = c;
            best_step = step;
        }
    }
    /* Back to the best step: the later moves undone (and logged, as moves). */
    for (step = n - 1; step > best_step && !log->is_broken; step--) {
        size_t t = start + step - 1;
        uint32_t was_in = log->in_j[t];
        int64_t was_out = log->out_j[t];
        ops->move(ops->ctx, (size_t)was_out, (int64_t)was_in);
        site__log_push(log, (size_t)was_out, (int64_t)was_in);
    }
    site__descend_logged(r, ops, log);
}
