/*
 * The search every site problem shares, over a problem's own move evaluation: lazy
 * greedy construction, first-improvement interchange, and variable neighbourhood search
 * (shake k random swaps, descend, keep the better; k grows while nothing improves).
 */
#include "site_int.h"

#include <math.h>
#include <stdlib.h>

#define VNS_STALL_LIMIT 400
#define VNS_K_MAX       10

void site__local_search(struct site_run *r, const struct search_ops *ops)
{
    const struct site_instance *in = r->in;
    bool is_improved = true;
    size_t t, start;

    while (is_improved) {
        is_improved = false;
        start = (size_t)(site__rand(r) % in->m);
        for (t = 0; t < in->m; t++) {
            size_t j = (start + t) % in->m;
            int64_t out_j;
            double delta;
            if (ops->sel->is_open[j] || site__state(in, j) != SITE_FREE)
                continue;
            delta = ops->best_move(ops->ctx, j, &out_j);
            if (out_j >= -1 && delta < -1e-9 * (1 + fabs(ops->cost(ops->ctx)))) {
                ops->move(ops->ctx, j, out_j);
                r->iterations++;
                is_improved = true;
            }
            if (site__should_stop(r, 0, ops->cost(ops->ctx)))
                return;
        }
    }
}

struct heap_item {
    double gain;
    uint32_t j;
};

static void heap_down(struct heap_item *h, size_t n, size_t k)
{
    for (;;) {
        size_t a = 2 * k + 1, b = a + 1, top = k;
        struct heap_item t;
        if (a < n && h[a].gain > h[top].gain)
            top = a;
        if (b < n && h[b].gain > h[top].gain)
            top = b;
        if (top == k)
            return;
        t = h[k];
        h[k] = h[top];
        h[top] = t;
        k = top;
    }
}

enum gis_status site__greedy(struct site_run *r, const struct search_ops *ops)
{
    const struct site_instance *in = r->in;
    struct heap_item *h = malloc((in->m ? in->m : 1) * sizeof *h);
    size_t n = 0, j;

    if (!h)
        return GIS_ERR_NOMEM;
    for (j = 0; j < in->m; j++)
        if (site__state(in, j) == SITE_FREE)
            h[n++] = (struct heap_item){ops->gain(ops->ctx, j) / fmax(site__cost(in, j), 1e-12),
                                        (uint32_t)j};
    for (j = n; j-- > 0;)
        heap_down(h, n, j);
    while (n && ops->sel->n_new < in->p) {
        struct heap_item top = h[0];
        if (!site__sel_can_add(in, ops->sel, top.j)) {
            h[0] = h[--n];
            heap_down(h, n, 0);
            continue;
        }
        h[0].gain = ops->gain(ops->ctx, top.j) / fmax(site__cost(in, top.j), 1e-12);
        heap_down(h, n, 0);
        if (h[0].j == top.j) {
            ops->move(ops->ctx, top.j, -1);
            h[0] = h[--n];
            heap_down(h, n, 0);
        }
    }
    free(h);
    return GIS_OK;
}

bool site__is_proven(const struct site_run *r, double cost, double bound_cost)
{
    double tol = r->opt->gap_tolerance;

    if (tol > 0 && cost - bound_cost <= tol * fmax(fabs(cost), 1e-9))
        return true;
    if (r->is_integral)
        return cost <= ceil(bound_cost - 1e-6);
    return cost <= bound_cost + 1e-9 * fabs(bound_cost);
}

/* k random feasible swaps of new, unforced sites. */
static void shake(struct site_run *r, const struct search_ops *ops, size_t k)
{
    const struct site_instance *in = r->in;
    size_t tries = 0;

    while (k && ops->sel->n_list && tries++ < 50 * (k + 1)) {
        uint32_t o = ops->sel->list[site__rand(r) % ops->sel->n_list];
        size_t j = site__rand(r) % in->m;
        if (!site__sel_can_swap(in, ops->sel, j, o))
            continue;
        ops->move(ops->ctx, j, o);
        k--;
    }
}

enum gis_status site__vns(struct site_run *r, const struct search_ops *ops, double bound_cost)
{
    struct site_sel best;
    double best_cost = ops->cost(ops->ctx);
    size_t k = 1, stall = 0, k_max = ops->sel->n_new < VNS_K_MAX ? ops->sel->n_new : VNS_K_MAX;

    if (site__sel_init(r->in, &best) != GIS_OK)
        return GIS_ERR_NOMEM;
    site__sel_copy(r->in, &best, ops->sel);
    while (k_max && stall < VNS_STALL_LIMIT && !site__is_proven(r, best_cost, bound_cost) &&
           !site__should_stop(r, 0, best_cost)) {
        shake(r, ops, k);
        site__local_search(r, ops);
        if (ops->cost(ops->ctx) < best_cost - 1e-9 * (1 + fabs(best_cost))) {
            best_cost = ops->cost(ops->ctx);
            site__sel_copy(r->in, &best, ops->sel);
            k = 1;
            stall = 0;
        } else {
            site__sel_copy(r->in, ops->sel, &best);
            ops->refresh(ops->ctx);
            k = k % k_max + 1;
            stall++;
        }
    }
    site__sel_copy(r->in, ops->sel, &best);
    ops->refresh(ops->ctx);
    site__sel_free(&best);
    return GIS_OK;
}
