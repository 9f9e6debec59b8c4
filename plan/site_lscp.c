/*
 * LSCP (set covering): the fewest (cheapest) new sites so that every demand point with
 * weight that some site can reach is reached. Randomised greedy (newly covered per
 * cost) with redundant sites dropped, restarted while time allows; the Lagrangian
 * relaxation of the covering rows gives the lower bound. Also the radius test of
 * p-center (site__lscp_bound).
 */
#include "site_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESTARTS      30
#define MAX_STEPS     2000
#define STALL_HALVING 25
#define THETA_MIN     1e-4

struct ls {
    const struct site_instance *in;
    const struct site_cover *c;
    uint8_t *need; /* n: must be covered by a new site */
    uint32_t *cnt; /* n: open sites covering it */
};

static size_t len(const struct site_cover *c, size_t j)
{
    return c->cand_start[j + 1] - c->cand_start[j];
}

static const uint32_t *items(const struct site_cover *c, size_t j)
{
    return c->cand_item + c->cand_start[j];
}

/* Marks the points to cover: weight > 0, reachable by a usable site, not by an existing
 * one. Counts the unreachable ones. */
static size_t mark_need(struct ls *ls, const struct site_cover *c)
{
    const struct site_instance *in = ls->in;
    uint8_t *reach = calloc(in->n ? in->n : 1, 1);
    size_t i, j, k, unreachable = 0;

    if (!reach)
        return SIZE_MAX;
    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j), mark = st == SITE_EXISTING ? 2 : 1;
        for (k = 0; st != SITE_FORBIDDEN && k < len(c, j); k++)
            if (reach[items(c, j)[k]] < mark)
                reach[items(c, j)[k]] = mark;
    }
    for (i = 0; i < in->n; i++) {
        ls->need[i] = in->weight[i] > 0 && reach[i] == 1;
        unreachable += in->weight[i] > 0 && reach[i] == 0;
    }
    free(reach);
    return unreachable;
}

static double newly(const struct ls *ls, size_t j)
{
    double v = 0;
    size_t k;

    for (k = 0; k < len(ls->c, j); k++) {
        uint32_t i = items(ls->c, j)[k];
        v += ls->need[i] && !ls->cnt[i];
    }
    return v;
}

static void open_site(struct ls *ls, struct site_sel *s, size_t j, int dir)
{
    size_t k;

    if (dir > 0)
        site__sel_add(ls->in, s, j);
    else
        site__sel_remove(ls->in, s, j);
    for (k = 0; k < len(ls->c, j); k++)
        ls->cnt[items(ls->c, j)[k]] += (uint32_t)dir;
}

static bool is_redundant(const struct ls *ls, size_t j)
{
    size_t k;

    for (k = 0; k < len(ls->c, j); k++) {
        uint32_t i = items(ls->c, j)[k];
        if (ls->need[i] && ls->cnt[i] < 2)
            return false;
    }
    return true;
}

/* One randomised greedy cover into s (which starts with existing and forced sites). */
static void greedy_cover(struct ls *ls, struct site_run *r, struct site_sel *s, double noise)
{
    const struct site_instance *in = ls->in;
    size_t i, j, k, left = 0;

    memset(ls->cnt, 0, in->n * sizeof *ls->cnt);
    for (k = 0; k < s->n_list; k++)
        for (i = 0; i < len(ls->c, s->list[k]); i++)
            ls->cnt[items(ls->c, s->list[k])[i]]++;
    for (i = 0; i < in->n; i++)
        left += ls->need[i] && !ls->cnt[i];
    while (left) {
        double best = 0;
        size_t at = SIZE_MAX;
        for (j = 0; j < in->m; j++) {
            double v;
            if (s->is_open[j] || site__state(in, j) != SITE_FREE)
                continue;
            v = newly(ls, j) / fmax(site__cost(in, j), 1e-9);
            v *= 1 + noise * (double)(site__rand(r) % 1000) / 1000.0;
            if (v > best) {
                best = v;
                at = j;
            }
        }
        if (at == SIZE_MAX)
            break;
        left -= (size_t)newly(ls, at);
        open_site(ls, s, at, 1);
    }
    for (k = s->n_list; k-- > 0;) {
        uint32_t jj = s->list[k];
        if (site__state(in, jj) == SITE_FREE && is_redundant(ls, jj))
            open_site(ls, s, jj, -1);
    }
}

/* One evaluation of the covering Lagrangian at u; subgradient in g, returns L. */
static double lscp_eval(const struct ls *ls, const double *u, double *g, double *out_norm)
{
    const struct site_instance *in = ls->in;
    double L = 0, norm = 0;
    size_t i, j, k;

    for (i = 0; i < in->n; i++) {
        g[i] = ls->need[i];
        L += ls->need[i] ? u[i] : 0;
    }
    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        double red = site__cost(in, j);
        if (st != SITE_FREE && st != SITE_FORCED)
            continue;
        for (k = 0; k < len(ls->c, j); k++)
            red -= ls->need[items(ls->c, j)[k]] ? u[items(ls->c, j)[k]] : 0;
        if (red >= 0 && st == SITE_FREE)
            continue;
        L += red;
        for (k = 0; k < len(ls->c, j); k++)
            g[items(ls->c, j)[k]] -= ls->need[items(ls->c, j)[k]];
    }
    for (i = 0; i < in->n; i++)
        norm += g[i] * g[i];
    *out_norm = norm;
    return L;
}

/* Lagrangian lower bound of the covering cost of the points in need. */
static double lscp_lagrangian(const struct ls *ls, struct site_run *r, double upper)
{
    const struct site_instance *in = ls->in;
    double *u = calloc(in->n ? in->n : 1, sizeof *u), *g = calloc(in->n ? in->n : 1, sizeof *g);
    double best = 0, theta = 2, norm;
    size_t step, stall = 0, i;

    for (step = 0; u && g && step < MAX_STEPS && theta > THETA_MIN; step++) {
        double L = lscp_eval(ls, u, g, &norm);
        if (L > best + 1e-12 * best) {
            best = L;
            stall = 0;
        } else if (++stall >= STALL_HALVING) {
            theta /= 2;
            stall = 0;
        }
        if (norm == 0 || site__is_proven(r, upper, best) || site__should_stop(r, 0, upper))
            break;
        for (i = 0; i < in->n; i++)
            u[i] = fmax(0, u[i] + theta * (upper - L) / norm * g[i]);
    }
    free(u);
    free(g);
    return best;
}

static enum gis_status ls_init(struct ls *ls, const struct site_instance *in, size_t *out_unreach)
{
    size_t unreach;

    memset(ls, 0, sizeof *ls);
    ls->in = in;
    ls->c = in->cover;
    ls->need = calloc(in->n ? in->n : 1, 1);
    ls->cnt = calloc(in->n ? in->n : 1, sizeof *ls->cnt);
    if (!ls->need || !ls->cnt)
        return GIS_ERR_NOMEM;
    unreach = mark_need(ls, ls->c);
    if (unreach == SIZE_MAX)
        return GIS_ERR_NOMEM;
    *out_unreach = unreach;
    return GIS_OK;
}

static void ls_free(struct ls *ls)
{
    free(ls->need);
    free(ls->cnt);
}

static enum gis_status
search(struct ls *ls, struct site_run *r, struct site_sel *best, double *out_bound)
{
    struct site_sel cur;
    size_t t;
    double bound = 0;

    if (site__sel_init(ls->in, &cur) != GIS_OK)
        return GIS_ERR_NOMEM;
    greedy_cover(ls, r, best, 0);
    bound = lscp_lagrangian(ls, r, best->cost);
    for (t = 0; t < RESTARTS && !site__is_proven(r, best->cost, bound) &&
                !site__should_stop(r, (double)t / RESTARTS, best->cost);
         t++) {
        site__sel_free(&cur);
        if (site__sel_init(ls->in, &cur) != GIS_OK)
            return GIS_ERR_NOMEM;
        greedy_cover(ls, r, &cur, 0.3);
        r->iterations++;
        if (cur.cost < best->cost)
            site__sel_copy(ls->in, best, &cur);
    }
    site__sel_free(&cur);
    *out_bound = bound;
    return GIS_OK;
}

enum gis_status site__lscp(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    const struct site_instance *in = r->in;
    struct ls ls;
    struct site_sel best = {0};
    size_t unreach = 0, i;
    double bound = 0;
    enum gis_status rc = ls_init(&ls, in, &unreach);

    if (rc == GIS_OK)
        rc = site__sel_init(in, &best);
    if (rc == GIS_OK)
        rc = search(&ls, r, &best, &bound);
    if (rc == GIS_OK)
        rc = site__result_open(in, &best, res);
    if (rc == GIS_OK) {
        res->objective = best.cost;
        res->bound = bound;
        res->n_uncoverable = unreach;
        for (i = 0; i < in->n; i++) {
            size_t k;
            res->assign[i] = -1;
            res->demand_total += in->weight[i];
            for (k = in->cover->dem_start[i]; k < in->cover->dem_start[i + 1]; k++)
                if (best.is_open[in->cover->dem_item[k]]) {
                    res->assign[i] = (int32_t)in->cover->dem_item[k];
                    res->demand_covered += in->weight[i];
                    break;
                }
        }
        snprintf(res->method, sizeof res->method, "greedy+restarts+lagrangian");
    }
    site__sel_free(&best);
    ls_free(&ls);
    return rc == GIS_OK ? GIS_OK : gis_fail(err, rc, "out of memory for LSCP");
}

/* The Lagrangian lower bound of the number of new sites needed to cover every point
 * with weight at `cover` (costs taken as 1): above p means the radius is infeasible. */
double site__lscp_bound(struct site_run *r,
                        const struct site_instance *in,
                        double upper,
                        bool *out_uncoverable)
{
    struct site_instance unit = *in;
    struct ls ls;
    size_t unreach = 0;
    double b = 0;

    unit.cost = NULL;
    if (ls_init(&ls, &unit, &unreach) == GIS_OK)
        b = lscp_lagrangian(&ls, r, upper);
    *out_uncoverable = unreach > 0;
    ls_free(&ls);
    return b;
}
