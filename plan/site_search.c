/*
 * The search every site problem shares, over a problem's own move evaluation: lazy
 * greedy construction, first-improvement interchange, variable neighbourhood search
 * (shake k random swaps, descend, keep the better; k grows while nothing improves), and
 * an iterated local search with an adaptive acceptance threshold (after Maximo et al.'s
 * AILS): it walks from local optimum to local optimum, accepting a worse one when it is
 * within a threshold of the recent ones, which VNS (always back to the best) does not.
 */
#include "site_int.h"

#include <math.h>
#include <stdlib.h>

#define VNS_STALL_LIMIT 400
#define VNS_K_MAX       10
/* p-median's VNS is patient (see vns_stalled): its bound often proves the answer, and
 * when it cannot, rounds are cheap next to the time limit. */
#define VNS_PATIENT_MIN    3000
#define VNS_PATIENT_FACTOR 3
/* ILS: local optima per adaptation of the threshold, the acceptance rate aimed at, the
 * largest perturbation, and the stop without improvement (iterations: at least
 * ILS_STALL_MIN and ILS_STALL_PER_SITE per candidate, as bigger instances need longer
 * walks, and at least ILS_STALL_FACTOR times the iteration of the last best, so a run
 * that still improves late goes on; iteration counts keep a seed's answer the same on
 * any machine, unlike a time rule). */
#define ILS_WINDOW         32
#define ILS_ACCEPT_RATE    0.1
#define ILS_K_MAX          6
#define ILS_STALL_MIN      10000
#define ILS_STALL_PER_SITE 20
#define ILS_STALL_FACTOR   2
#define ILS_REFRESH_EVERY  64
/* Every ILS_RELINK_EVERY iterations the perturbation is a path relinking toward one of
 * the ILS_ELITE best local optima met (site_elite.c), when the problem prices swaps. */
#define ILS_RELINK_EVERY 100
#define ILS_ELITE        10
/* Every ILS_INTENSIFY_EVERY iterations, the problem's large step from the best answer,
 * when it has one (ops->intensify): on the city-scale MCLP about every 4 s. */
#define ILS_INTENSIFY_EVERY 2000

void site__log_push(struct move_log *log, size_t in_j, int64_t out_j)
{
    if (!log || log->is_broken)
        return;
    if (out_j < 0) {
        log->is_broken = true;
        return;
    }
    if (log->n == log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 64;
        uint32_t *a = realloc(log->in_j, cap * sizeof *a);
        int64_t *b = a ? realloc(log->out_j, cap * sizeof *b) : NULL;
        if (a)
            log->in_j = a;
        if (!a || !b) {
            log->is_broken = true;
            return;
        }
        log->out_j = b;
        log->cap = cap;
    }
    log->in_j[log->n] = (uint32_t)in_j;
    log->out_j[log->n++] = out_j;
}

static bool is_improving(const struct search_ops *ops, double delta, int64_t out_j)
{
    return out_j >= -1 && delta < -1e-9 * (1 + fabs(ops->cost(ops->ctx)));
}

/* With a work list: the listed candidates until none is left. */
static void descend_listed(struct site_run *r,
                           const struct search_ops *ops,
                           const uint8_t *is_tabu,
                           struct move_log *log)
{
    const struct site_instance *in = r->in;
    size_t j, t = 0;

    while (ops->next_dirty(ops->ctx, &j)) {
        int64_t out_j;
        double delta;
        if (ops->sel->is_open[j] || site__state(in, j) != SITE_FREE || (is_tabu && is_tabu[j]))
            continue;
        delta = ops->best_move(ops->ctx, j, &out_j);
        if (is_improving(ops, delta, out_j)) {
            ops->move(ops->ctx, j, out_j);
            site__log_push(log, j, out_j);
            r->iterations++;
        }
        if ((++t & 31) == 0 && site__should_stop(r, 0, ops->cost(ops->ctx)))
            return;
    }
}

/* First improvement until no candidate improves: every candidate each pass from a random
 * start, or the problem's work list; candidates with is_tabu set (or NULL: none) are not
 * brought in (with a work list they leave it: the caller lists them again). */
static void descend(struct site_run *r,
                    const struct search_ops *ops,
                    const uint8_t *is_tabu,
                    struct move_log *log)
{
    const struct site_instance *in = r->in;
    bool is_improved = true;
    size_t t, start;

    if (ops->next_dirty) {
        descend_listed(r, ops, is_tabu, log);
        return;
    }
    while (is_improved) {
        is_improved = false;
        start = (size_t)(site__rand(r) % in->m);
        for (t = 0; t < in->m; t++) {
            size_t j = (start + t) % in->m;
            int64_t out_j;
            double delta;
            if (ops->sel->is_open[j] || site__state(in, j) != SITE_FREE || (is_tabu && is_tabu[j]))
                continue;
            delta = ops->best_move(ops->ctx, j, &out_j);
            if (is_improving(ops, delta, out_j)) {
                ops->move(ops->ctx, j, out_j);
                site__log_push(log, j, out_j);
                r->iterations++;
                is_improved = true;
            }
            /* The clock is read every 32 candidates: a read costs as much as a cheap
             * evaluation. */
            if ((t & 31) == 31 && site__should_stop(r, 0, ops->cost(ops->ctx)))
                return;
        }
        if (site__should_stop(r, 0, ops->cost(ops->ctx)))
            return;
    }
}

/* The ILS's descent after a perturbation: first with the closed sites tabu, then with
 * them allowed back. */
static void ils_descend(struct site_run *r,
                        const struct search_ops *ops,
                        uint8_t *is_tabu,
                        const uint32_t *gone,
                        size_t n_gone,
                        struct move_log *log)
{
    size_t t;

    descend(r, ops, is_tabu, log);
    for (t = 0; t < n_gone; t++) {
        is_tabu[gone[t]] = 0;
        if (ops->mark_dirty)
            ops->mark_dirty(ops->ctx, gone[t]);
    }
    descend(r, ops, NULL, log);
}

void site__local_search(struct site_run *r, const struct search_ops *ops)
{
    descend(r, ops, NULL, NULL);
}

void site__descend_logged(struct site_run *r, const struct search_ops *ops, struct move_log *log)
{
    descend(r, ops, NULL, log);
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

/* Patient: at least VNS_PATIENT_MIN rounds without improvement, and at least
 * VNS_PATIENT_FACTOR times the rounds it took to find the best. */
static bool vns_stalled(bool is_patient, uint64_t round, uint64_t round_best)
{
    uint64_t stall = round - round_best;

    if (!is_patient)
        return stall >= VNS_STALL_LIMIT;
    return stall >= VNS_PATIENT_MIN && stall >= VNS_PATIENT_FACTOR * round_best;
}

enum gis_status
site__vns(struct site_run *r, const struct search_ops *ops, double bound_cost, bool is_patient)
{
    struct site_sel best;
    double best_cost = ops->cost(ops->ctx);
    size_t k = 1, k_max = ops->sel->n_new < VNS_K_MAX ? ops->sel->n_new : VNS_K_MAX;
    uint64_t round = 0, round_best = 0;

    if (site__sel_init(r->in, &best) != GIS_OK)
        return GIS_ERR_NOMEM;
    site__sel_copy(r->in, &best, ops->sel);
    site__note_best(r, best_cost);
    while (k_max && !vns_stalled(is_patient, round, round_best) &&
           !site__is_proven(r, best_cost, bound_cost) && !site__should_stop(r, 0, best_cost)) {
        round++;
        shake(r, ops, k);
        site__local_search(r, ops);
        if (ops->cost(ops->ctx) < best_cost - 1e-9 * (1 + fabs(best_cost))) {
            best_cost = ops->cost(ops->ctx);
            site__note_best(r, best_cost);
            site__sel_copy(r->in, &best, ops->sel);
            k = 1;
            round_best = round;
        } else {
            site__sel_copy(r->in, ops->sel, &best);
            ops->refresh(ops->ctx);
            k = k % k_max + 1;
        }
    }
    site__sel_copy(r->in, ops->sel, &best);
    ops->refresh(ops->ctx);
    site__sel_free(&best);
    return GIS_OK;
}

/* A random new, unforced open site, or -1. */
static int64_t random_open_free(struct site_run *r, const struct search_ops *ops)
{
    size_t t;

    for (t = 0; t < 8 && ops->sel->n_list; t++) {
        uint32_t o = ops->sel->list[site__rand(r) % ops->sel->n_list];
        if (site__state(r->in, o) == SITE_FREE)
            return o;
    }
    return -1;
}

/* k swaps, each closing a random site and opening one near it (ops->near) or, without a
 * notion of near or when that one may not replace it, a random site. The closed sites
 * are marked in is_tabu (and listed in gone): the descent that follows may not bring
 * them straight back, or it would mostly undo the perturbation. */
static size_t perturb(struct site_run *r,
                      const struct search_ops *ops,
                      size_t k,
                      uint8_t *is_tabu,
                      uint32_t *gone,
                      struct move_log *log)
{
    const struct site_instance *in = r->in;
    size_t tries = 0, n_gone = 0;

    while (k && tries++ < 50 * (k + 1)) {
        int64_t o = random_open_free(r, ops);
        size_t j;
        if (o < 0)
            break;
        j = ops->near ? ops->near(ops->ctx, (size_t)o) : site__rand(r) % in->m;
        if (!site__sel_can_swap(in, ops->sel, j, (size_t)o))
            j = site__rand(r) % in->m;
        if (!site__sel_can_swap(in, ops->sel, j, (size_t)o))
            continue;
        ops->move(ops->ctx, j, o);
        site__log_push(log, j, o);
        is_tabu[o] = 1;
        gone[n_gone++] = (uint32_t)o;
        k--;
    }
    return n_gone;
}

/* The recent local optima: their least cost and their mean. */
struct ils_window {
    double cost[ILS_WINDOW];
    size_t n, at, n_accepted, n_seen;
    double eta; /* threshold = least + eta * (mean - least) */
};

static double window_threshold(const struct ils_window *w, double lo)
{
    double sum = 0;
    size_t k;

    for (k = 0; k < w->n; k++)
        sum += w->cost[k];
    return w->n ? lo + w->eta * (sum / (double)w->n - lo) : INFINITY;
}

/* Records a local optimum; every ILS_WINDOW of them, eta moves so that about
 * ILS_ACCEPT_RATE of them are accepted. */
static void window_push(struct ils_window *w, double cost, bool is_accepted)
{
    w->cost[w->at] = cost;
    w->at = (w->at + 1) % ILS_WINDOW;
    w->n += w->n < ILS_WINDOW;
    w->n_accepted += is_accepted;
    if (++w->n_seen < ILS_WINDOW)
        return;
    if ((double)w->n_accepted > ILS_ACCEPT_RATE * ILS_WINDOW)
        w->eta = fmax(w->eta * 0.8, 1e-3);
    else
        w->eta = fmin(w->eta * 1.25, 1.0);
    w->n_seen = w->n_accepted = 0;
}

/* The walk: the best answer, the current one, the moves since it, and the
 * perturbation's scratch. */
struct ils {
    struct site_sel best, cur;
    struct move_log log;
    struct site_elite own, *pool;
    struct ils_window w;
    double best_cost, cur_cost;
    uint64_t it, it_best;
    uint8_t *is_tabu; /* m */
    uint32_t *gone;   /* ILS_K_MAX */
    size_t k;
};

static bool ils_is_stalled(const struct site_run *r, const struct ils *s)
{
    uint64_t stall = s->it - s->it_best;

    return stall >= ILS_STALL_MIN && stall >= ILS_STALL_PER_SITE * r->in->m &&
           stall >= ILS_STALL_FACTOR * s->it_best;
}

static bool ils_goes_on(struct site_run *r,
                        const struct search_ops *ops,
                        const struct ils *s,
                        double bound_cost)
{
    if (!ops->sel->n_new || ils_is_stalled(r, s))
        return false;
    return !site__is_proven(r, s->best_cost, bound_cost) && !site__should_stop(r, 0, s->best_cost);
}

/* Back to the current answer, a local optimum: the logged moves undone, last first (the
 * work list they filled is emptied: nothing there improves). With weights that are not
 * integers the problem's sums drift by rounding, so every ILS_REFRESH_EVERY iterations
 * they are recomputed. */
static void ils_go_back(struct site_run *r, const struct search_ops *ops, struct ils *s)
{
    size_t t;

    if (s->log.is_broken) {
        site__sel_copy(r->in, ops->sel, &s->cur);
        ops->refresh(ops->ctx);
    } else {
        for (t = s->log.n; t-- > 0;)
            ops->move(ops->ctx, (size_t)s->log.out_j[t], (int64_t)s->log.in_j[t]);
        if (!r->is_integral && s->it % ILS_REFRESH_EVERY == 0)
            ops->refresh(ops->ctx);
    }
    if (ops->clear_dirty)
        ops->clear_dirty(ops->ctx);
}

/* Perturb, descend, keep a new best; then accept the local optimum or go back. */
static void ils_iterate(struct site_run *r, const struct search_ops *ops, struct ils *s)
{
    double c, tiny = 1e-9 * (1 + fabs(s->best_cost));
    bool is_accepted;
    size_t n_gone;

    s->it++;
    s->log.n = 0;
    s->log.is_broken = false;
    if (s->pool->n && s->it % ILS_RELINK_EVERY == 0) {
        site__relink(r, ops, s->pool, (size_t)(site__rand(r) % s->pool->n), &s->log);
    } else {
        n_gone = perturb(r, ops, s->k, s->is_tabu, s->gone, &s->log);
        ils_descend(r, ops, s->is_tabu, s->gone, n_gone, &s->log);
    }
    c = ops->cost(ops->ctx);
    site__elite_offer(s->pool, r, ops->sel, c);
    if (c < s->best_cost - tiny) {
        s->best_cost = c;
        s->it_best = s->it;
        site__sel_copy(r->in, &s->best, ops->sel);
        site__note_best(r, c);
    }
    /* Back at the same cost (most likely the same answer): perturb harder. */
    s->k = fabs(c - s->cur_cost) <= tiny ? s->k % ILS_K_MAX + 1 : 1;
    is_accepted = c <= s->cur_cost + tiny || c <= window_threshold(&s->w, s->best_cost) + tiny;
    /* Ties are accepted but not counted: the rate is that of moves elsewhere. */
    window_push(&s->w, c, is_accepted && fabs(c - s->cur_cost) > tiny);
    if (is_accepted) {
        s->cur_cost = c;
        site__sel_copy(r->in, &s->cur, ops->sel);
        return;
    }
    ils_go_back(r, ops, s);
}

/* From the best answer, the problem's large step (ops->intensify) over the pool; a
 * better answer is the new best and the walk goes on from it, else from the best. */
static void ils_intensify(struct site_run *r, const struct search_ops *ops, struct ils *s)
{
    site__sel_copy(r->in, ops->sel, &s->best);
    ops->refresh(ops->ctx);
    if (ops->intensify(ops->ctx, s->pool) &&
        ops->cost(ops->ctx) < s->best_cost - 1e-9 * (1 + fabs(s->best_cost))) {
        s->best_cost = ops->cost(ops->ctx);
        s->it_best = s->it;
        site__sel_copy(r->in, &s->best, ops->sel);
        site__note_best(r, s->best_cost);
        site__elite_offer(s->pool, r, ops->sel, s->best_cost);
    }
    s->cur_cost = ops->cost(ops->ctx);
    site__sel_copy(r->in, &s->cur, ops->sel);
}

enum gis_status site__ils(struct site_run *r,
                          const struct search_ops *ops,
                          double bound_cost,
                          struct site_elite *pool)
{
    struct ils s = {.w = {.eta = 0.2}, .k = 1, .pool = pool};
    enum gis_status rc = GIS_ERR_NOMEM;

    s.best_cost = s.cur_cost = ops->cost(ops->ctx);
    if (!pool && site__elite_init(&s.own, r, ILS_ELITE) != GIS_OK)
        goto cleanup;
    if (!pool)
        s.pool = &s.own;
    s.is_tabu = calloc(r->in->m, 1);
    s.gone = malloc(ILS_K_MAX * sizeof *s.gone);
    if (site__sel_init(r->in, &s.best) != GIS_OK || site__sel_init(r->in, &s.cur) != GIS_OK ||
        !s.is_tabu || !s.gone)
        goto cleanup;
    site__sel_copy(r->in, &s.best, ops->sel);
    site__sel_copy(r->in, &s.cur, ops->sel);
    site__note_best(r, s.best_cost);
    while (ils_goes_on(r, ops, &s, bound_cost)) {
        ils_iterate(r, ops, &s);
        if (ops->intensify && s.it % ILS_INTENSIFY_EVERY == 0)
            ils_intensify(r, ops, &s);
    }
    site__sel_copy(r->in, ops->sel, &s.best);
    ops->refresh(ops->ctx);
    rc = GIS_OK;
cleanup:
    site__elite_free(&s.own);
    free(s.log.in_j);
    free(s.log.out_j);
    free(s.is_tabu);
    free(s.gone);
    site__sel_free(&s.cur);
    site__sel_free(&s.best);
    return rc;
}
