/*
 * Local MIPs for the plain MCLP (after Taillard and Voss's POPMUSIC): where a few
 * neighbouring sites of a good answer should all move at once, no sequence of improving
 * swaps gets there. So one region at a time (an open site, the open sites nearest it
 * through the cover lists, and every free candidate covering a point they cover) is
 * solved exactly by GLPK with every other site fixed, and a better arrangement replaces
 * the region's. A few far candidates and open sites join each region (add_outside), so
 * that a region can also give up one of its sites, or take one. A seed whose region did
 * not improve is settled; an improvement unsettles the region's open sites again. When
 * every seed is settled the regions grow.
 * Not a cure for every miss: on Bronx p = 50 the search's answer (565 below the optimum)
 * differs from the optimum in 30 of 50 sites, spread over the whole city, and regions of
 * up to 27 open sites all settle without reaching it.
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Open sites in a region: LOCAL_OPEN first, then half as many again each time every
 * seed is settled, up to LOCAL_OPEN_MAX. On Bronx (3,839 nodes, p = 50-70), a region of
 * 8 takes about 600 candidates and 0.06 s to solve; one of 16, 1,200 and about 1 s. */
#define LOCAL_OPEN     8
#define LOCAL_OPEN_MAX 27
#define LOCAL_MAX_S    2.0 /* one region's solve at most */

static const uint32_t *cov_begin(const struct site_cover *c, size_t j)
{
    return c->cand_item + c->cand_start[j];
}

static size_t cov_len(const struct site_cover *c, size_t j)
{
    return c->cand_start[j + 1] - c->cand_start[j];
}

struct region {
    uint32_t *seen_j, *seen_i; /* m, n: the epoch a candidate (point) was last reached */
    uint32_t epoch;
    uint32_t *front, *next; /* m: the search's frontiers */
    uint32_t *sites;        /* m: the region's free sites, its open ones first */
    size_t n_sites, n_open;
};

static bool region_init(struct region *g, size_t n, size_t m)
{
    memset(g, 0, sizeof *g);
    g->seen_j = calloc(m ? m : 1, sizeof *g->seen_j);
    g->seen_i = calloc(n ? n : 1, sizeof *g->seen_i);
    g->front = malloc((m ? m : 1) * sizeof *g->front);
    g->next = malloc((m ? m : 1) * sizeof *g->next);
    g->sites = malloc((m ? m : 1) * sizeof *g->sites);
    return g->seen_j && g->seen_i && g->front && g->next && g->sites;
}

static void region_free(struct region *g)
{
    free(g->seen_j);
    free(g->seen_i);
    free(g->front);
    free(g->next);
    free(g->sites);
}

static bool is_movable(const struct site_instance *in, const struct site_sel *sel, size_t j)
{
    return sel->is_open[j] && site__state(in, j) == SITE_FREE;
}

/* Every candidate not yet reached in this epoch that covers a point of j's list, marked
 * reached and appended to out (*n_out entries). */
static void
reach_from(struct region *g, const struct site_cover *c, size_t j, uint32_t *out, size_t *n_out)
{
    const uint32_t *pts = cov_begin(c, j);
    size_t k, q;

    for (k = 0; k < cov_len(c, j); k++) {
        uint32_t i = pts[k];
        if (g->seen_i[i] == g->epoch)
            continue;
        g->seen_i[i] = g->epoch;
        for (q = c->dem_start[i]; q < c->dem_start[i + 1]; q++) {
            uint32_t other = c->dem_item[q];
            if (g->seen_j[other] != g->epoch) {
                g->seen_j[other] = g->epoch;
                out[(*n_out)++] = other;
            }
        }
    }
}

/* The open sites nearest `seed` (itself first), breadth first over candidates and the
 * points they cover, until `want` of them. */
static void nearest_open(struct region *g,
                         const struct site_instance *in,
                         const struct site_sel *sel,
                         uint32_t seed,
                         size_t want)
{
    size_t n_front = 1, t, k;

    g->epoch++;
    g->seen_j[seed] = g->epoch;
    g->front[0] = seed;
    g->sites[0] = seed;
    g->n_sites = g->n_open = 1;
    while (n_front && g->n_open < want) {
        size_t n_next = 0;
        for (t = 0; t < n_front && g->n_open < want; t++) {
            size_t from = n_next;
            reach_from(g, in->cover, g->front[t], g->next, &n_next);
            for (k = from; k < n_next && g->n_open < want; k++)
                if (is_movable(in, sel, g->next[k]))
                    g->sites[g->n_sites++] = g->next[k], g->n_open++;
        }
        memcpy(g->front, g->next, n_next * sizeof *g->front);
        n_front = n_next;
    }
}

/* Every free, closed candidate covering a point that one of the region's open sites
 * covers: where those sites could move. */
static void add_near(struct region *g, const struct site_instance *in, const struct site_sel *sel)
{
    size_t t, k, n_near = 0;

    g->epoch++;
    for (t = 0; t < g->n_open; t++)
        g->seen_j[g->sites[t]] = g->epoch;
    for (t = 0; t < g->n_open; t++)
        reach_from(g, in->cover, g->sites[t], g->next, &n_near);
    for (k = 0; k < n_near; k++)
        if (!sel->is_open[g->next[k]] && site__state(in, g->next[k]) == SITE_FREE)
            g->sites[g->n_sites++] = g->next[k];
}

/* Where the optimum moves a site from one part of the city to another, the region that
 * loses it must be solved with one open site fewer, and a region may open only as many
 * sites as it holds open (Bronx p = 60: the search's answer differs from the
 * optimum in one group of 19 neighbouring sites that the optimum arranges as 18, and
 * one site the optimum opens apart from them, worth +7,182 with the 18 at -6,793). So
 * a region also takes the LOCAL_OUTSIDE free candidates outside it that would newly
 * cover the most, and the LOCAL_OUTSIDE open sites outside it that lose the least: the
 * MIP can trade one of those for one of its own. */
#define LOCAL_OUTSIDE 8

/* Keeps in best (*n, at most LOCAL_OUTSIDE, best first) the sites of largest key. */
static void keep_top(uint32_t *best, double *key, size_t *n, uint32_t j, double k)
{
    size_t t = *n < LOCAL_OUTSIDE ? (*n)++ : LOCAL_OUTSIDE;

    if (t == LOCAL_OUTSIDE && k <= key[LOCAL_OUTSIDE - 1])
        return;
    if (t == LOCAL_OUTSIDE)
        t--;
    while (t > 0 && key[t - 1] < k) {
        best[t] = best[t - 1];
        key[t] = key[t - 1];
        t--;
    }
    best[t] = j;
    key[t] = k;
}

static void add_outside(struct region *g, const struct msw *s)
{
    const struct site_instance *in = s->in;
    uint32_t gainers[LOCAL_OUTSIDE], losers[LOCAL_OUTSIDE];
    double gain[LOCAL_OUTSIDE], loss[LOCAL_OUTSIDE];
    size_t n_gainers = 0, n_losers = 0, j, k;

    for (j = 0; j < in->m; j++) {
        if (g->seen_j[j] == g->epoch || site__state(in, j) != SITE_FREE)
            continue;
        if (s->sel.is_open[j])
            keep_top(losers, loss, &n_losers, (uint32_t)j, -s->loss[j]);
        else if (s->gain[j] > 0)
            keep_top(gainers, gain, &n_gainers, (uint32_t)j, s->gain[j]);
    }
    for (k = 0; k < n_losers; k++)
        g->sites[g->n_sites++] = losers[k];
    for (k = 0; k < n_gainers; k++)
        g->sites[g->n_sites++] = gainers[k];
}

/* The open sites still to try as seeds: a ring of the unsettled. */
struct seeds {
    uint32_t *ring; /* m */
    uint8_t *is_in; /* m */
    size_t head, len, m;
};

static bool seeds_init(struct seeds *q, size_t m)
{
    memset(q, 0, sizeof *q);
    q->m = m;
    q->ring = malloc((m ? m : 1) * sizeof *q->ring);
    q->is_in = calloc(m ? m : 1, 1);
    return q->ring && q->is_in;
}

static void seeds_push(struct seeds *q, uint32_t j)
{
    if (q->is_in[j])
        return;
    q->is_in[j] = 1;
    q->ring[(q->head + q->len++) % q->m] = j;
}

static bool seeds_pop(struct seeds *q, uint32_t *j)
{
    if (!q->len)
        return false;
    *j = q->ring[q->head];
    q->head = (q->head + 1) % q->m;
    q->len--;
    q->is_in[*j] = 0;
    return true;
}

static void seeds_free(struct seeds *q)
{
    free(q->ring);
    free(q->is_in);
}

/* The open movable sites in a random order. */
static void seed_all(struct site_run *r, const struct site_sel *sel, struct seeds *q)
{
    size_t k;

    for (k = 0; k < sel->n_list; k++) {
        size_t t = k + site__rand(r) % (sel->n_list - k);
        uint32_t a = sel->list[t];
        sel->list[t] = sel->list[k];
        sel->list[k] = a;
    }
    for (k = 0; k < sel->n_list; k++)
        if (site__state(r->in, sel->list[k]) == SITE_FREE)
            seeds_push(q, sel->list[k]);
}

/* A better region: its answer offered, its open sites unsettled again, and the schedule
 * back to the smallest regions, so that the phase ends settled at every size. */
static void after_win(struct site_run *r,
                      struct msw *s,
                      struct site_elite *pool,
                      const struct region *g,
                      struct seeds *q,
                      size_t *want)
{
    size_t k;

    site__note_best(r, -s->covered);
    site__elite_offer(pool, r, &s->sel, -s->covered);
    for (k = 0; k < g->n_sites; k++)
        if (is_movable(r->in, &s->sel, g->sites[k]))
            seeds_push(q, g->sites[k]);
    if (*want > LOCAL_OPEN) {
        *want = LOCAL_OPEN;
        seed_all(r, &s->sel, q);
    }
}

enum gis_status site__mclp_local(struct site_run *r,
                                 struct msw *s,
                                 const struct search_ops *ops,
                                 double bound_cost,
                                 struct site_elite *pool,
                                 double share_s)
{
    struct region g = {0};
    struct seeds q = {0};
    double end = site__now() + share_s;
    size_t want = LOCAL_OPEN;
    uint32_t seed;
    enum gis_status rc = GIS_ERR_NOMEM;

    if (region_init(&g, r->in->n, r->in->m) && seeds_init(&q, r->in->m)) {
        rc = GIS_OK;
        seed_all(r, &s->sel, &q);
    }
    while (rc == GIS_OK && site__now() < end && !site__is_proven(r, -s->covered, bound_cost) &&
           !site__should_stop(r, 0, -s->covered)) {
        if (!seeds_pop(&q, &seed)) {
            /* settled at this size: larger regions, until they hold every open site */
            if (want >= LOCAL_OPEN_MAX || want >= s->sel.n_list)
                break;
            want = want * 3 / 2;
            seed_all(r, &s->sel, &q);
            continue;
        }
        if (!is_movable(r->in, &s->sel, seed))
            continue;
        nearest_open(&g, r->in, &s->sel, seed, want);
        add_near(&g, r->in, &s->sel);
        add_outside(&g, s);
        if (site__mclp_merge_local(r, ops, g.sites, g.n_sites,
                                   fmin(LOCAL_MAX_S, end - site__now())))
            after_win(r, s, pool, &g, &q, &want);
    }
    if (rc == GIS_OK && s->is_nomem)
        rc = GIS_ERR_NOMEM;
    seeds_free(&q);
    region_free(&g);
    return rc;
}
