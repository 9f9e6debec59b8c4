/*
 * Capacities with single-source assignment (each demand point to one site): a set of
 * open sites is judged by assigning (point, site) pairs nearest first while the site
 * has room for the point's whole weight. The search starts from the uncapacitated
 * answer and tries sampled swaps; the uncapacitated bound stays valid (capacities only
 * make the optimum worse), so the reported gap is honest, if looser.
 */
#include "site_mclp_int.h"
#include "site_pm_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWAP_SAMPLES 40

struct cpair {
    float d;
    uint32_t i, j;
};

struct cap {
    struct site_run *r;
    const struct site_instance *in;
    bool is_mclp;
    double big; /* p-median: the cost of a point no site can take */
    struct cpair *pairs;
    size_t cap_pairs;
    double *room;
    int32_t *assign;
};

static int cmp_pair(const void *a, const void *b)
{
    const struct cpair *x = a, *y = b;
    if (x->d != y->d)
        return (x->d > y->d) - (x->d < y->d);
    return (x->i > y->i) - (x->i < y->i);
}

static bool pairs_room(struct cap *c, size_t need)
{
    struct cpair *p;

    if (need <= c->cap_pairs)
        return true;
    p = realloc(c->pairs, need * sizeof *p);
    if (!p)
        return false;
    c->pairs = p;
    c->cap_pairs = need;
    return true;
}

/* The candidate pairs of the open sites: every point (p-median) or the covered ones. */
static size_t collect_pairs(struct cap *c, const struct site_sel *s)
{
    const struct site_instance *in = c->in;
    size_t k, t, n = 0;

    for (k = 0; k < s->n_list; k++) {
        uint32_t j = s->list[k];
        if (!c->is_mclp) {
            for (t = 0; t < in->n; t++)
                c->pairs[n++] = (struct cpair){in->dist[t * in->m + j], (uint32_t)t, j};
            continue;
        }
        for (t = in->cover->cand_start[j]; t < in->cover->cand_start[j + 1]; t++) {
            uint32_t i = in->cover->cand_item[t];
            float d = in->dist ? in->dist[(size_t)i * in->m + j] : 0;
            c->pairs[n++] = (struct cpair){d, i, j};
        }
    }
    return n;
}

/* Objective to minimise: p-median distance sum (+ big per unassigned weight), or
 * minus the served demand (MCLP). Fills c->assign. Returns NAN when out of memory. */
static double cap_eval(struct cap *c, const struct site_sel *s)
{
    const struct site_instance *in = c->in;
    size_t need = c->is_mclp ? in->cover->cand_start[in->m] : in->n * s->n_list;
    size_t k, n;
    double obj = 0;

    if (!pairs_room(c, need ? need : 1))
        return NAN;
    n = collect_pairs(c, s);
    qsort(c->pairs, n, sizeof *c->pairs, cmp_pair);
    for (k = 0; k < in->m; k++)
        c->room[k] = in->capacity[k];
    for (k = 0; k < in->n; k++)
        c->assign[k] = -1;
    for (k = 0; k < n; k++) {
        struct cpair *p = &c->pairs[k];
        double w = in->weight[p->i];
        if (c->assign[p->i] >= 0 || c->room[p->j] < w)
            continue;
        c->room[p->j] -= w;
        c->assign[p->i] = (int32_t)p->j;
        obj += c->is_mclp ? -w : w * p->d;
    }
    for (k = 0; !c->is_mclp && k < in->n; k++)
        if (c->assign[k] < 0)
            obj += in->weight[k] * c->big;
    return obj;
}

/* Sampled swaps, first improvement, until a pass finds nothing or time runs out. */
static double cap_search(struct cap *c, struct site_sel *s, double obj)
{
    const struct site_instance *in = c->in;
    bool is_improved = true;
    size_t k, t;

    while (is_improved && !site__should_stop(c->r, 0, obj)) {
        is_improved = false;
        for (k = 0; k < s->n_list && !site__should_stop(c->r, 0, obj); k++) {
            uint32_t o = s->list[k];
            for (t = 0; t < SWAP_SAMPLES; t++) {
                size_t j = site__rand(c->r) % in->m;
                double v;
                if (!site__sel_can_swap(in, s, j, o))
                    continue;
                site__sel_remove(in, s, o);
                site__sel_add(in, s, j);
                v = cap_eval(c, s);
                c->r->iterations++;
                if (v < obj - 1e-9 * (1 + fabs(obj))) {
                    obj = v;
                    is_improved = true;
                    break;
                }
                site__sel_remove(in, s, j);
                site__sel_add(in, s, o);
            }
        }
    }
    return obj;
}

static enum gis_status cap_run(struct cap *c, struct site_sel *s, struct site_result *res)
{
    double obj;
    enum gis_status rc;

    c->room = malloc(c->in->m * sizeof *c->room);
    c->assign = res->assign;
    if (!c->room)
        return GIS_ERR_NOMEM;
    obj = cap_eval(c, s);
    if (isnan(obj))
        return GIS_ERR_NOMEM;
    obj = cap_search(c, s, obj);
    obj = cap_eval(c, s); /* the assignment of the final set */
    if (isnan(obj))
        return GIS_ERR_NOMEM;
    rc = site__result_open(c->in, s, res);
    res->objective = c->is_mclp ? -obj : obj;
    return rc;
}

static void served(const struct site_instance *in, struct site_result *res)
{
    size_t i;

    res->demand_total = res->demand_covered = 0;
    for (i = 0; i < in->n; i++) {
        res->demand_total += in->weight[i];
        if (res->assign[i] >= 0)
            res->demand_covered += in->weight[i];
    }
}

/* From the uncapacitated answer s: the capacitated search, and the result. */
static enum gis_status
cap_finish(struct cap *c, struct site_sel *s, double bound, struct site_result *res)
{
    enum gis_status rc = cap_run(c, s, res);

    if (rc != GIS_OK)
        return rc;
    res->bound = bound;
    served(c->in, res);
    snprintf(res->method, sizeof res->method, "greedy+capacitated-swap+lagrangian");
    return GIS_OK;
}

enum gis_status
site__pmedian_capacitated(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    struct cap c = {.r = r, .in = r->in, .is_mclp = false};
    struct pm pm;
    struct search_ops ops;
    enum gis_status rc;
    double bound = 0;

    if (pm__init(&pm, r) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for p-median");
    c.big = pm.big;
    rc = pm__start(&pm, &ops, &bound);
    if (rc == GIS_OK)
        rc = cap_finish(&c, &pm.sel, bound, res);
    free(c.pairs);
    free(c.room);
    pm__free(&pm);
    /* Only a failed allocation is said here: the exact model's own refusals (too large,
     * with what to do instead) come up with their messages. */
    return rc == GIS_ERR_NOMEM ? gis_fail(err, rc, "out of memory for p-median") : rc;
}

enum gis_status
site__mclp_capacitated(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    struct cap c = {.r = r, .in = r->in, .is_mclp = true};
    struct mc mc;
    struct search_ops ops;
    enum gis_status rc;
    double bound = INFINITY;

    if (mc__init(&mc, r, r->in->weight) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for MCLP");
    rc = mc__start(&mc, &ops, &bound);
    if (rc == GIS_OK)
        rc = cap_finish(&c, &mc.sel, bound, res);
    free(c.pairs);
    free(c.room);
    mc__free(&mc);
    return rc == GIS_OK ? GIS_OK : gis_fail(err, rc, "out of memory for MCLP");
}
