/* Unit tests of the site searches' move evaluation (plan/site_mclp.c, site_mclp_swap.c,
 * site_pmedian.c) against brute force: on random small instances, after random moves,
 * the incremental state (covered demand, removal losses, gains, the price of every swap,
 * nearest sites) equals a recomputation from the open sites, and the best move a
 * problem reports for every entering candidate is the best of all its swaps (and
 * additions) recomputed from scratch; a candidate the MCLP skips unevaluated has no
 * improving swap. The MCLP swap tables' work list leaves no improving move, undone
 * moves restore the tables, annealing keeps p and the states, the elite pool keeps its
 * rules, and each step of a path relinking is a best swap; the restricted MCLP that
 * merge and solve hands GLPK has the optimum brute force finds, and a local region can
 * give one of its sites to a far place; dominated candidates go and the optimum stays.
 * Plus: the whole search gives the same answer twice for a seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_int.h"
#include "site_mclp_int.h"
#include "site_pm_int.h"

#define N 40
#define M 25

struct inst {
    double w[N];
    float dist[N * M];
    uint8_t state[M];
    struct site_cover cover;
    struct site_instance in;
    struct site_options opt;
    struct site_run run;
};

static uint64_t rng = 777;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((rng >> 33) % n);
}

/* Random points in a square (side `side`, radius 25 to 45), every point a demand, the
 * first M also candidates; with states, site 0 is existing, 1 forbidden and 2 forced. */
static void make_in(struct inst *t, size_t p, bool with_states, unsigned side)
{
    double xy[2 * N];
    size_t i, j;

    memset(t, 0, sizeof *t);
    for (i = 0; i < N; i++) {
        xy[2 * i] = rnd(side);
        xy[2 * i + 1] = rnd(side);
        t->w[i] = rnd(4) == 0 ? 0 : 1 + rnd(9);
    }
    for (i = 0; i < N; i++)
        for (j = 0; j < M; j++)
            t->dist[i * M + j] = (float)hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]);
    for (j = 0; j < M; j++)
        t->state[j] = !with_states ? SITE_FREE
                      : j == 0     ? SITE_EXISTING
                      : j == 1     ? SITE_FORBIDDEN
                      : j == 2     ? SITE_FORCED
                                   : SITE_FREE;
    assert_int_equal(site_cover_from_dist(t->dist, N, M, 25 + rnd(20), &t->cover, NULL), GIS_OK);
    t->in = (struct site_instance){.n = N, .m = M, .weight = t->w, .dist = t->dist, .p = p};
    t->in.cover = &t->cover;
    t->in.state = with_states ? t->state : NULL;
    t->opt = (struct site_options){.problem = SITE_MCLP, .seed = 1, .time_limit_s = 30};
    t->run = (struct site_run){.in = &t->in, .opt = &t->opt, .rng = 99};
    t->run.t_start = site__now();
    t->run.deadline = t->run.t_start + 1e6;
}

static void make(struct inst *t, size_t p, bool with_states)
{
    make_in(t, p, with_states, 100);
}

static bool is_movable(const struct site_instance *in, size_t j)
{
    return site__state(in, j) == SITE_FREE;
}

/* ---------------------------------------------------------------- MCLP */

static double covered_by(const struct inst *t, const uint8_t *open)
{
    double s = 0;
    size_t i, k;

    for (i = 0; i < N; i++)
        for (k = t->cover.dem_start[i]; k < t->cover.dem_start[i + 1]; k++)
            if (open[t->cover.dem_item[k]]) {
                s += t->w[i];
                break;
            }
    return s;
}

/* The best change of cost (-covered) of bringing j in: every swap with a movable open
 * site, and the addition when fewer than p new sites are open. */
static double brute_mclp(const struct inst *t, const struct site_sel *sel, size_t j)
{
    uint8_t open[M];
    double base, best = INFINITY;
    size_t o;

    memcpy(open, sel->is_open, M);
    base = covered_by(t, open);
    open[j] = 1;
    if (sel->n_new < t->in.p)
        best = -(covered_by(t, open) - base);
    for (o = 0; o < M; o++) {
        if (!sel->is_open[o] || !is_movable(&t->in, o))
            continue;
        open[o] = 0;
        best = fmin(best, -(covered_by(t, open) - base));
        open[o] = 1;
    }
    return best;
}

static void check_mclp_state(struct inst *t, struct mc *mc, const struct search_ops *ops)
{
    size_t j, k;

    assert_true(fabs(mc->covered - covered_by(t, mc->sel.is_open)) < 1e-9);
    for (k = 0; k < mc->sel.n_list; k++) { /* loss = what closing the site loses */
        uint8_t open[M];
        uint32_t o = mc->sel.list[k];
        memcpy(open, mc->sel.is_open, M);
        open[o] = 0;
        assert_true(fabs(mc->loss[o] - (mc->covered - covered_by(t, open))) < 1e-9);
    }
    for (j = 0; j < M; j++) {
        int64_t out_j;
        double delta, want;
        if (mc->sel.is_open[j] || !is_movable(&t->in, j))
            continue;
        delta = ops->best_move(ops->ctx, j, &out_j);
        want = brute_mclp(t, &mc->sel, j);
        if (out_j == -2) { /* skipped: then no move of j may improve */
            assert_true(want >= -1e-9);
            continue;
        }
        assert_true(fabs(delta - want) < 1e-9);
        if (out_j >= 0) { /* the partner named is worth what was said */
            uint8_t open[M];
            memcpy(open, mc->sel.is_open, M);
            open[j] = 1;
            open[out_j] = 0;
            assert_true(is_movable(&t->in, (size_t)out_j));
            assert_true(fabs(-(covered_by(t, open) - mc->covered) - delta) < 1e-9);
        }
    }
}

static void mclp_moves(bool with_states, size_t p)
{
    struct inst t;
    struct mc mc;
    struct search_ops ops;
    size_t step;

    make(&t, p, with_states);
    assert_int_equal(mc__init(&mc, &t.run, t.w), GIS_OK);
    ops = mc__ops(&mc);
    for (step = 0; step < 60; step++) {
        size_t j = rnd(M);
        if (mc.sel.is_open[j] || !is_movable(&t.in, j))
            continue;
        if (mc.sel.n_new < p) {
            ops.move(ops.ctx, j, -1);
        } else {
            uint32_t o = mc.sel.list[rnd((unsigned)mc.sel.n_list)];
            if (!is_movable(&t.in, o))
                continue;
            ops.move(ops.ctx, j, o);
        }
        check_mclp_state(&t, &mc, &ops);
    }
    ops.refresh(ops.ctx);
    check_mclp_state(&t, &mc, &ops);
    mc__free(&mc);
    site_cover_free(&t.cover);
}

static void test_mclp_moves_match_brute_force(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 30; round++) {
        mclp_moves(false, 1 + rnd(8));
        mclp_moves(true, 2 + rnd(7));
    }
}

/* ---------------------------------------------------------------- MCLP swap tables */

/* The tables of site_mclp_swap.c against recomputation: covered demand, each open
 * site's loss, each candidate's gain, the value of every swap (j in, o out), and the
 * best move a candidate reports. */
static void check_swap_tables(struct inst *t, struct msw *s, const struct search_ops *ops)
{
    uint8_t open[M];
    size_t j, o;

    assert_true(fabs(s->covered - covered_by(t, s->sel.is_open)) < 1e-9);
    memcpy(open, s->sel.is_open, M);
    for (j = 0; j < M; j++) {
        double base = covered_by(t, open);
        if (open[j]) {
            open[j] = 0;
            assert_true(fabs(s->loss[j] - (base - covered_by(t, open))) < 1e-9);
            open[j] = 1;
            continue;
        }
        open[j] = 1;
        assert_true(fabs(s->gain[j] - (covered_by(t, open) - base)) < 1e-9);
        for (o = 0; o < M; o++) {
            if (!open[o] || o == j)
                continue;
            open[o] = 0;
            assert_true(fabs(ms__swap_delta(s, j, o) + (covered_by(t, open) - base)) < 1e-9);
            assert_true(fabs(ops->swap_delta(ops->ctx, j, o) - ms__swap_delta(s, j, o)) < 1e-12);
            assert_true(fabs(ms__lean_delta(s, j, o) - ms__swap_delta(s, j, o)) < 1e-9);
            open[o] = 1;
        }
        open[j] = 0;
    }
    for (j = 0; j < M; j++) {
        int64_t out_j;
        double delta;
        if (s->sel.is_open[j] || !is_movable(&t->in, j))
            continue;
        delta = ops->best_move(ops->ctx, j, &out_j);
        assert_true(out_j >= -1);
        assert_true(fabs(delta - brute_mclp(t, &s->sel, j)) < 1e-9);
        if (out_j >= 0) {
            assert_true(s->sel.is_open[out_j] && is_movable(&t->in, (size_t)out_j));
            assert_true(fabs(ms__swap_delta(s, j, (size_t)out_j) - delta) < 1e-9);
        }
    }
}

/* A random swap (or addition while fewer than p new sites are open) of movable sites. */
static bool random_move(struct inst *t, const struct search_ops *ops, size_t *in_j, int64_t *out_j)
{
    size_t j = rnd(M);
    uint32_t o;

    if (ops->sel->is_open[j] || !is_movable(&t->in, j))
        return false;
    *in_j = j;
    *out_j = -1;
    if (ops->sel->n_new >= t->in.p) {
        o = ops->sel->list[rnd((unsigned)ops->sel->n_list)];
        if (!is_movable(&t->in, o))
            return false;
        *out_j = o;
    }
    ops->move(ops->ctx, j, *out_j);
    return true;
}

static void swap_tables(bool with_states, size_t p)
{
    struct inst t;
    struct msw s;
    struct search_ops ops;
    size_t step, j;
    int64_t o;

    make(&t, p, with_states);
    assert_int_equal(ms__init(&s, &t.run), GIS_OK);
    ops = ms__ops(&s);
    check_swap_tables(&t, &s, &ops);
    for (step = 0; step < 40; step++)
        if (random_move(&t, &ops, &j, &o))
            check_swap_tables(&t, &s, &ops);
    ops.refresh(ops.ctx);
    check_swap_tables(&t, &s, &ops);
    assert_false(s.is_nomem);
    ms__free(&s);
    site_cover_free(&t.cover);
}

static void test_swap_tables_match_brute_force(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 30; round++) {
        swap_tables(false, 1 + rnd(8));
        swap_tables(true, 3 + rnd(6));
    }
}

/* No swap of movable sites (nor an addition below p) improves the answer. */
static void assert_local_optimum(struct inst *t, const struct site_sel *sel)
{
    size_t j;

    for (j = 0; j < M; j++)
        if (!sel->is_open[j] && is_movable(&t->in, j))
            assert_true(brute_mclp(t, sel, j) >= -1e-9);
}

/* The work list: wherever random moves leave the answer, the descent over the listed
 * candidates alone ends where no move improves, every time (a candidate the moves did
 * not list had no improving move). */
static void test_listed_descent_ends_at_local_optimum(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 200; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        size_t step, k, j;
        int64_t o;

        make_in(&t, 2 + rnd(7), round % 2 == 1, 100 + 100 * (unsigned)(round % 4));
        assert_int_equal(ms__init(&s, &t.run), GIS_OK);
        ops = ms__ops(&s);
        assert_int_equal(site__greedy(&t.run, &ops), GIS_OK);
        site__local_search(&t.run, &ops);
        assert_local_optimum(&t, &s.sel);
        for (step = 0; step < 12; step++) {
            for (k = 1 + rnd(3); k > 0;)
                k -= random_move(&t, &ops, &j, &o);
            site__local_search(&t.run, &ops);
            assert_local_optimum(&t, &s.sel);
            assert_int_equal(s.q_len, 0);
            check_swap_tables(&t, &s, &ops);
        }
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* Undoing logged swaps (the ILS going back) leaves the same tables as a refresh of the
 * answer it went back to. */
static void test_undone_moves_restore_the_tables(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 20; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        struct move_log log = {0};
        uint8_t before[M];
        double covered;
        size_t step, j;
        int64_t o;

        make(&t, 2 + rnd(7), round % 2 == 1);
        assert_int_equal(ms__init(&s, &t.run), GIS_OK);
        ops = ms__ops(&s);
        assert_int_equal(site__greedy(&t.run, &ops), GIS_OK);
        memcpy(before, s.sel.is_open, M);
        covered = s.covered;
        for (step = 0; step < 15; step++)
            if (random_move(&t, &ops, &j, &o))
                site__log_push(&log, j, o);
        assert_false(log.is_broken);
        while (log.n-- > 0)
            ops.move(ops.ctx, (size_t)log.out_j[log.n], (int64_t)log.in_j[log.n]);
        assert_memory_equal(before, s.sel.is_open, M);
        assert_true(fabs(s.covered - covered) < 1e-9);
        check_swap_tables(&t, &s, &ops);
        free(log.in_j);
        free(log.out_j);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* Lean mode: moves keep the counts and the covered demand, and the lean price of every
 * swap is what recomputation says; leaving it rebuilds the tables. */
static void lean_round(struct inst *t, struct msw *s, const struct search_ops *ops)
{
    size_t step, j, o;
    int64_t out;

    ms__set_lean(s, true);
    for (step = 0; step < 20; step++) {
        uint8_t open[M];
        double base;
        if (!random_move(t, ops, &j, &out))
            continue;
        assert_true(fabs(s->covered - covered_by(t, s->sel.is_open)) < 1e-9);
        memcpy(open, s->sel.is_open, M);
        base = covered_by(t, open);
        for (j = 0; j < M; j++)
            for (o = 0; o < M; o++) {
                if (open[j] || !open[o])
                    continue;
                open[j] = 1;
                open[o] = 0;
                assert_true(fabs(ms__lean_delta(s, j, o) + (covered_by(t, open) - base)) < 1e-9);
                open[j] = 0;
                open[o] = 1;
            }
    }
    ms__set_lean(s, false);
    check_swap_tables(t, s, ops);
}

/* The swap tables on t, at the greedy answer improved by the local search. */
static void start_at_local_optimum(struct inst *t, struct msw *s, struct search_ops *ops)
{
    assert_int_equal(ms__init(s, &t->run), GIS_OK);
    *ops = ms__ops(s);
    assert_int_equal(site__greedy(&t->run, ops), GIS_OK);
    site__local_search(&t->run, ops);
}

/* Annealing from a local optimum: its answer keeps p and the states (existing and
 * forced sites open, forbidden ones closed), is no worse than the start, is a local
 * optimum, and the tables it leaves match recomputation. */
static void test_annealing_keeps_the_rules(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 30; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        double start;

        make_in(&t, 3 + rnd(6), round % 2 == 1, 100 + 100 * (unsigned)(round % 3));
        assert_int_equal(ms__init(&s, &t.run), GIS_OK);
        ops = ms__ops(&s);
        assert_int_equal(site__greedy(&t.run, &ops), GIS_OK);
        lean_round(&t, &s, &ops);
        site__local_search(&t.run, &ops);
        start = -s.covered;
        assert_int_equal(site__mclp_anneal(&t.run, &s, &ops, -INFINITY, 60), GIS_OK);
        assert_false(s.is_lean);
        assert_true(-s.covered <= start + 1e-9);
        assert_int_equal(s.sel.n_new, t.in.p);
        if (t.in.state)
            assert_true(s.sel.is_open[0] && !s.sel.is_open[1] && s.sel.is_open[2]);
        assert_local_optimum(&t, &s.sel);
        check_swap_tables(&t, &s, &ops);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* ---------------------------------------------------------------- merge and solve */

/* The most demand any answer covers whose free sites are among `allowed` (NULL: any),
 * existing and forced sites open: every such set of p new sites, by recursion. */
static double
best_within(struct inst *t, const uint8_t *allowed, uint8_t *open, size_t from, size_t left)
{
    double best;
    size_t j;

    if (!left)
        return covered_by(t, open);
    best = -1;
    for (j = from; j < M; j++) {
        double c;
        if (open[j] || !is_movable(&t->in, j) || (allowed && !allowed[j]))
            continue;
        open[j] = 1;
        c = best_within(t, allowed, open, j + 1, left - 1);
        open[j] = 0;
        best = c > best ? c : best;
    }
    return best;
}

static double brute_best(struct inst *t, const uint8_t *allowed)
{
    uint8_t open[M] = {0};
    size_t j, left = t->in.p;

    for (j = 0; j < M; j++)
        if (site__state(&t->in, j) == SITE_EXISTING || site__state(&t->in, j) == SITE_FORCED) {
            open[j] = 1;
            left -= site__state(&t->in, j) == SITE_FORCED;
        }
    return best_within(t, allowed, open, 0, left);
}

static void assert_keeps_the_rules(struct inst *t, struct msw *s, const struct search_ops *ops)
{
    assert_int_equal(s->sel.n_new, t->in.p);
    if (t->in.state)
        assert_true(s->sel.is_open[0] && !s->sel.is_open[1] && s->sel.is_open[2]);
    assert_local_optimum(t, &s->sel);
    check_swap_tables(t, s, ops);
}

/* The restricted solve from a local optimum: with every candidate offered it is the
 * whole MCLP and ends on its optimum (brute force); with a random part of them offered
 * it ends no worse than the best answer whose new sites are among those and the open
 * ones; offered nothing new, it changes nothing. Each time p, the states and the swap
 * tables hold, and the answer is a local optimum. */
static void test_merge_solves_the_restricted_mclp(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 40; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        uint32_t sites[M];
        uint8_t allowed[M];
        size_t j, n = 0;
        bool is_all = round % 3 == 0, is_none = round % 3 == 1, is_better;
        double start, want;

        make(&t, 2 + rnd(4), round % 2 == 1);
        start_at_local_optimum(&t, &s, &ops);
        start = s.covered;
        for (j = 0; j < M; j++) {
            allowed[j] = s.sel.is_open[j] || (!is_none && (is_all || rnd(2)));
            if (allowed[j] && !s.sel.is_open[j])
                sites[n++] = (uint32_t)j;
        }
        want = brute_best(&t, allowed);
        is_better = site__mclp_merge(&t.run, &ops, sites, n, 60);
        assert_int_equal(is_better, s.covered > start + 1e-9);
        assert_true(s.covered >= start - 1e-9);
        assert_true(s.covered >= want - 1e-9);
        if (is_all)
            assert_true(fabs(s.covered - brute_best(&t, NULL)) < 1e-9);
        if (is_none)
            assert_true(fabs(s.covered - start) < 1e-9);
        assert_keeps_the_rules(&t, &s, &ops);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* Whether candidate k covers every weighted point j covers, read off the points' lists. */
static bool brute_covers_all(const struct inst *t, size_t k, size_t j)
{
    size_t i, a;

    for (i = 0; i < N; i++) {
        bool has_j = false, has_k = false;
        for (a = t->cover.dem_start[i]; a < t->cover.dem_start[i + 1]; a++) {
            has_j |= t->cover.dem_item[a] == j;
            has_k |= t->cover.dem_item[a] == k;
        }
        if (t->w[i] > 0 && has_j && !has_k)
            return false;
    }
    return true;
}

/* Dominated candidates: each one forbidden was free and is covered by a free one left;
 * of those left none covers all another covers (no two alike); the optimum (brute force)
 * is the same without them; with more sites wanted than would be left, none goes. */
static void test_dominated_candidates_go(void **state)
{
    int round, n_reduced = 0;

    (void)state;
    for (round = 0; round < 40; round++) {
        struct inst t;
        uint8_t st[M], allowed[M];
        size_t j, k, n_forbidden;

        make(&t, 2 + rnd(3), round % 2 == 1);
        for (j = 0; j < M; j++)
            st[j] = (uint8_t)site__state(&t.in, j);
        assert_int_equal(site__mclp_forbid_dominated(&t.in, st, &n_forbidden), GIS_OK);
        n_reduced += n_forbidden > 0;
        for (j = 0, k = 0; j < M; j++)
            k += st[j] != site__state(&t.in, j);
        assert_int_equal(k, n_forbidden);
        for (j = 0; j < M; j++) {
            bool is_kept = st[j] == SITE_FREE, has_cover = false;
            allowed[j] = is_kept;
            if (site__state(&t.in, j) != SITE_FREE)
                continue;
            for (k = 0; k < M; k++)
                has_cover |= k != j && st[k] == SITE_FREE && brute_covers_all(&t, k, j);
            assert_int_equal(has_cover, !is_kept);
        }
        assert_true(fabs(brute_best(&t, allowed) - brute_best(&t, NULL)) < 1e-9);
        t.in.p = M;
        for (j = 0; j < M; j++)
            st[j] = (uint8_t)site__state(&t.in, j);
        assert_int_equal(site__mclp_forbid_dominated(&t.in, st, &n_forbidden), GIS_OK);
        assert_int_equal(n_forbidden, 0);
        for (j = 0; j < M; j++)
            assert_int_equal(st[j], site__state(&t.in, j));
        site_cover_free(&t.cover);
    }
    assert_true(n_reduced >= 10); /* the rule was exercised */
}

/* The whole phase from a local optimum: no worse than its start, p and the states kept,
 * a local optimum with tables that match, and its answers offered to the pool (which
 * then holds at least one). */
static void test_cmsa_keeps_the_rules(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 20; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        struct site_elite pool;
        double start;

        make_in(&t, 3 + rnd(5), round % 2 == 1, 100 + 100 * (unsigned)(round % 3));
        start_at_local_optimum(&t, &s, &ops);
        assert_int_equal(site__elite_init(&pool, &t.run, 10), GIS_OK);
        start = s.covered;
        assert_int_equal(site__mclp_cmsa(&t.run, &s, &ops, -INFINITY, &pool, 60), GIS_OK);
        assert_true(s.covered >= start - 1e-9);
        assert_true(pool.n >= 1);
        assert_keeps_the_rules(&t, &s, &ops);
        site__elite_free(&pool);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* The most demand any answer covers that keeps open every open site of sel outside
 * `offered` and has as many of the offered sites open as sel has. */
static double brute_local(struct inst *t, const struct site_sel *sel, const uint8_t *offered)
{
    uint8_t open[M] = {0};
    size_t j, left = 0;

    for (j = 0; j < M; j++) {
        uint8_t st = site__state(&t->in, j);
        if (st == SITE_EXISTING || st == SITE_FORCED || (sel->is_open[j] && !offered[j]))
            open[j] = 1;
        else if (sel->is_open[j])
            left++;
    }
    return best_within(t, offered, open, 0, left);
}

/* The restricted solve with only the offered sites free (open or closed): no worse than
 * the best arrangement of those with every other open site kept (brute force), no worse
 * than its start, "better" exactly when it gained; offered no open site, it changes
 * nothing. Each time p, the states and the swap tables hold. */
static void test_local_merge_frees_only_the_offered_sites(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 40; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        uint32_t sites[M];
        uint8_t offered[M] = {0};
        size_t j, n = 0, n_open = 0;
        bool is_better;
        double start, want;

        make(&t, 2 + rnd(4), round % 2 == 1);
        start_at_local_optimum(&t, &s, &ops);
        start = s.covered;
        for (j = 0; j < M; j++) {
            if (!is_movable(&t.in, j) || !rnd(2) || (round % 5 == 0 && s.sel.is_open[j]))
                continue;
            offered[j] = 1;
            sites[n++] = (uint32_t)j;
            n_open += s.sel.is_open[j];
        }
        want = brute_local(&t, &s.sel, offered);
        is_better = site__mclp_merge_local(&t.run, &ops, sites, n, 60);
        assert_int_equal(is_better, s.covered > start + 1e-9);
        assert_true(s.covered >= start - 1e-9);
        assert_true(s.covered >= want - 1e-9);
        if (!n_open)
            assert_true(fabs(s.covered - start) < 1e-9);
        assert_keeps_the_rules(&t, &s, &ops);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* The local MIPs from a local optimum: no worse than the start, p and the states kept, a
 * local optimum whose tables match; every better answer goes to the pool; and the phase
 * ends settled, so a second phase from its answer finds no region to improve. */
static void test_local_phase_settles(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 20; round++) {
        struct inst t;
        struct msw s;
        struct search_ops ops;
        struct site_elite pool;
        double start, settled;

        make_in(&t, 3 + rnd(5), round % 2 == 1, 100 + 100 * (unsigned)(round % 3));
        start_at_local_optimum(&t, &s, &ops);
        assert_int_equal(site__elite_init(&pool, &t.run, 10), GIS_OK);
        start = s.covered;
        assert_int_equal(site__mclp_local(&t.run, &s, &ops, -INFINITY, &pool, 60), GIS_OK);
        assert_true(s.covered >= start - 1e-9);
        assert_true(pool.n >= (s.covered > start + 1e-9));
        assert_keeps_the_rules(&t, &s, &ops);
        settled = s.covered;
        assert_int_equal(site__mclp_local(&t.run, &s, &ops, -INFINITY, &pool, 60), GIS_OK);
        assert_true(fabs(s.covered - settled) < 1e-9);
        site__elite_free(&pool);
        ms__free(&s);
        site_cover_free(&t.cover);
    }
}

/* A region may give one of its sites to a place far away. Points 0-3 (weight 10 each)
 * lie in one part of the city: site 0 covers 0 and 1, site 1 covers 2 and 3, site 2
 * covers 0, 1 and 2; point 4 (weight 15) lies far off, covered by site 3 alone. From
 * sites 0 and 1 (40) no swap improves (each loses 20 for at most 15) and no arrangement
 * of two sites in that part covers more, but site 2 alone keeps 30 of the 40, so sites 2
 * and 3 cover 45: the region around sites 0 and 1 must be solved with one site fewer and
 * the far one opened. */
static void test_local_phase_moves_a_site_across_the_city(void **state)
{
    const float far = 1000, in_reach = 5, out_of_reach = 50;
    float dist[5 * 4];
    const uint8_t covers[5][4] = {
        {1, 0, 1, 0}, {1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}};
    double w[5] = {10, 10, 10, 10, 15};
    struct site_cover cover;
    struct site_instance in = {.n = 5, .m = 4, .weight = w, .dist = dist, .p = 2};
    struct site_options opt = {.problem = SITE_MCLP, .seed = 1, .time_limit_s = 30};
    struct site_run run = {.in = &in, .opt = &opt, .rng = 99};
    struct msw s;
    struct search_ops ops;
    struct site_elite pool;
    size_t i, j;

    (void)state;
    for (i = 0; i < 5; i++)
        for (j = 0; j < 4; j++)
            dist[i * 4 + j] = covers[i][j] ? in_reach : i == 4 || j == 3 ? far : out_of_reach;
    assert_int_equal(site_cover_from_dist(dist, 5, 4, 10, &cover, NULL), GIS_OK);
    in.cover = &cover;
    run.t_start = site__now();
    run.deadline = run.t_start + 1e6;
    assert_int_equal(ms__init(&s, &run), GIS_OK);
    ops = ms__ops(&s);
    site__sel_add(&in, &s.sel, 0);
    site__sel_add(&in, &s.sel, 1);
    ops.refresh(ops.ctx);
    site__local_search(&run, &ops);
    assert_true(fabs(s.covered - 40) < 1e-9);
    assert_int_equal(site__elite_init(&pool, &run, 10), GIS_OK);
    assert_int_equal(site__mclp_local(&run, &s, &ops, -INFINITY, &pool, 60), GIS_OK);
    assert_true(fabs(s.covered - 45) < 1e-9);
    assert_true(s.sel.is_open[2] && s.sel.is_open[3]);
    assert_int_equal(s.sel.n_list, 2);
    site__elite_free(&pool);
    ms__free(&s);
    site_cover_free(&cover);
}

/* ---------------------------------------------------------------- elite, relinking */

static void open_only(struct inst *t, const struct search_ops *ops, const size_t *sites, size_t n)
{
    size_t k, j;

    for (j = 0; j < M; j++)
        if (ops->sel->is_open[j] && is_movable(&t->in, j))
            site__sel_remove(&t->in, ops->sel, j);
    for (k = 0; k < n; k++)
        site__sel_add(&t->in, ops->sel, sites[k]);
    ops->refresh(ops->ctx);
}

/* The pool keeps answers apart: the same answer or a near copy of a better one stays
 * out, a better near copy takes its place, a full pool drops its worst for a better
 * answer and refuses a worse one. */
static void test_elite_pool_rules(void **state)
{
    struct inst t;
    struct msw s;
    struct search_ops ops;
    struct site_elite e;
    const size_t a[6] = {3, 4, 5, 6, 7, 8}, b[6] = {3, 4, 5, 6, 7, 9};
    const size_t c[6] = {10, 11, 12, 13, 14, 15}, d[6] = {16, 17, 18, 19, 20, 21};
    const size_t f[6] = {3, 4, 5, 16, 17, 18};

    (void)state;
    make(&t, 6, false);
    assert_int_equal(ms__init(&s, &t.run), GIS_OK);
    ops = ms__ops(&s);
    assert_int_equal(site__elite_init(&e, &t.run, 2), GIS_OK);
    assert_int_equal(e.width, 6);
    open_only(&t, &ops, a, 6);
    assert_true(site__elite_offer(&e, &t.run, &s.sel, -10));
    assert_false(site__elite_offer(&e, &t.run, &s.sel, -11)); /* the same answer */
    open_only(&t, &ops, b, 6);
    assert_int_equal(site__elite_distance(&e, &t.run, &s.sel, 0), 1);
    assert_false(site__elite_offer(&e, &t.run, &s.sel, -9)); /* near a better one */
    assert_true(site__elite_offer(&e, &t.run, &s.sel, -12)); /* a better near copy */
    assert_int_equal(e.n, 1);
    assert_true(e.cost[0] == -12);
    open_only(&t, &ops, c, 6);
    assert_true(site__elite_offer(&e, &t.run, &s.sel, -5));
    assert_int_equal(e.n, 2);
    open_only(&t, &ops, d, 6);
    assert_false(site__elite_offer(&e, &t.run, &s.sel, -4)); /* full, and worse than all */
    assert_true(site__elite_offer(&e, &t.run, &s.sel, -6));  /* drops the worst (c) */
    assert_int_equal(e.n, 2);
    assert_true(e.cost[1] == -6);
    assert_int_equal(site__elite_distance(&e, &t.run, &s.sel, 1), 0);
    open_only(&t, &ops, f, 6);
    assert_int_equal(site__elite_distance(&e, &t.run, &s.sel, 0), 3);
    site__elite_free(&e);
    ms__free(&s);
    site_cover_free(&t.cover);
}

/* Path relinking, replayed from its log against recomputation: each step of the path
 * brings in one of the guide's missing sites for one the guide lacks, the best such
 * swap at that point; the walk goes back to the path's best answer strictly between
 * the two ends; the local search then ends where no move improves. */
/* The best change of cost of a path step from `open`: one of the guide's sites in, one
 * movable open site the guide lacks out. */
static double best_path_step(struct inst *t, uint8_t *open, const uint8_t *guide)
{
    double want = INFINITY, base = covered_by(t, open);
    size_t j, o;

    for (j = 0; j < M; j++)
        for (o = 0; o < M; o++) {
            if (!guide[j] || open[j] || !open[o] || guide[o] || !is_movable(&t->in, o))
                continue;
            open[j] = 1;
            open[o] = 0;
            want = fmin(want, base - covered_by(t, open));
            open[j] = 0;
            open[o] = 1;
        }
    return want;
}

/* Replays the n - 1 steps of the path from `open` (updated); the best step's number and
 * cost. */
static size_t replay_path(struct inst *t,
                          const struct move_log *log,
                          size_t n,
                          uint8_t *open,
                          const uint8_t *guide,
                          double *out_best)
{
    size_t k, best_step = 0;

    *out_best = INFINITY;
    for (k = 0; k + 1 < n; k++) {
        double want = best_path_step(t, open, guide), base = covered_by(t, open), c;
        size_t in_j = log->in_j[k], out_j = (size_t)log->out_j[k];
        assert_true(guide[in_j] && !open[in_j] && open[out_j] && !guide[out_j]);
        open[in_j] = 1;
        open[out_j] = 0;
        c = -covered_by(t, open);
        assert_true(fabs((base + c) - want) < 1e-9); /* the chosen swap was a best one */
        if (c < *out_best) {
            *out_best = c;
            best_step = k + 1;
        }
    }
    return best_step;
}

static void relink_round(bool with_states)
{
    struct inst t;
    struct msw s;
    struct search_ops ops;
    struct site_elite e;
    struct move_log log = {0};
    uint8_t open[M], guide[M] = {0};
    double best;
    size_t n = 0, k, j, best_step, back;

    make(&t, 4 + rnd(5), with_states);
    assert_int_equal(ms__init(&s, &t.run), GIS_OK);
    ops = ms__ops(&s);
    assert_int_equal(site__elite_init(&e, &t.run, 4), GIS_OK);
    assert_int_equal(site__greedy(&t.run, &ops), GIS_OK); /* the guide: greedy */
    assert_true(site__elite_offer(&e, &t.run, &s.sel, -s.covered));
    for (k = 0; k < e.width; k++)
        guide[e.sites[k]] = 1;
    for (k = 0; k < 30; k++) { /* the start: elsewhere */
        int64_t out;
        random_move(&t, &ops, &j, &out);
    }
    memcpy(open, s.sel.is_open, M);
    for (j = 0; j < M; j++)
        n += guide[j] && !open[j];
    site__relink(&t.run, &ops, &e, 0, &log);
    assert_false(log.is_broken);
    if (n < 2) {
        assert_int_equal(log.n, 0);
    } else {
        best_step = replay_path(&t, &log, n, open, guide, &best);
        back = (n - 1) + (n - 1 - best_step); /* moves up to the best step again */
        assert_true(log.n >= back);
        for (k = n - 1; k < back; k++) {
            open[log.in_j[k]] = 1;
            open[log.out_j[k]] = 0;
        }
        assert_true(fabs(-covered_by(&t, open) - best) < 1e-9);
        for (; k < log.n; k++) { /* then the descent */
            open[log.in_j[k]] = 1;
            open[log.out_j[k]] = 0;
        }
        assert_memory_equal(open, s.sel.is_open, M);
        assert_true(-s.covered <= best + 1e-9);
        assert_local_optimum(&t, &s.sel);
    }
    free(log.in_j);
    free(log.out_j);
    site__elite_free(&e);
    ms__free(&s);
    site_cover_free(&t.cover);
}

static void test_relinking_takes_the_best_swaps(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 40; round++)
        relink_round(round % 2 == 1);
}

/* ---------------------------------------------------------------- p-median */

static double pm_cost_of(const struct inst *t, const uint8_t *open)
{
    double s = 0;
    size_t i, j;

    for (i = 0; i < N; i++) {
        double best = INFINITY;
        for (j = 0; j < M; j++)
            if (open[j])
                best = fmin(best, t->dist[i * M + j]);
        s += t->w[i] * best;
    }
    return s;
}

static void test_pmedian_moves_match_brute_force(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 30; round++) {
        struct inst t;
        struct pm pm;
        struct search_ops ops;
        size_t j, o, step, p = 2 + rnd(6);

        make(&t, p, round % 2 == 1);
        t.opt.problem = SITE_PMEDIAN;
        assert_int_equal(pm__init(&pm, &t.run), GIS_OK);
        ops = pm__ops(&pm);
        for (j = 3; pm.sel.n_new < p; j++)
            ops.move(ops.ctx, j, -1);
        for (step = 0; step < 20; step++) {
            assert_true(fabs(pm.obj - pm_cost_of(&t, pm.sel.is_open)) < 1e-6);
            for (j = 0; j < M; j++) {
                uint8_t open[M];
                int64_t out_j;
                double delta, want = INFINITY;
                if (pm.sel.is_open[j] || !is_movable(&t.in, j))
                    continue;
                delta = ops.best_move(ops.ctx, j, &out_j);
                memcpy(open, pm.sel.is_open, M);
                open[j] = 1;
                for (o = 0; o < M; o++) {
                    if (!pm.sel.is_open[o] || !is_movable(&t.in, o))
                        continue;
                    open[o] = 0;
                    want = fmin(want, pm_cost_of(&t, open) - pm.obj);
                    open[o] = 1;
                }
                assert_true(fabs(delta - want) < 1e-6);
            }
            do {
                j = rnd(M);
            } while (pm.sel.is_open[j] || !is_movable(&t.in, j));
            do {
                o = pm.sel.list[rnd((unsigned)pm.sel.n_list)];
            } while (!is_movable(&t.in, o));
            ops.move(ops.ctx, j, (int64_t)o);
        }
        pm__free(&pm);
        site_cover_free(&t.cover);
    }
}

/* ---------------------------------------------------------------- ILS */

static void solve_mclp_with(const struct site_instance *in,
                            uint64_t seed,
                            size_t searches,
                            struct site_result *res)
{
    struct site_options o = {
        .problem = SITE_MCLP, .seed = seed, .time_limit_s = 60, .searches = searches};

    assert_int_equal(site_solve(in, &o, res, NULL), GIS_OK);
    assert_false(res->hit_time_limit);
}

static void solve_mclp(const struct site_instance *in, uint64_t seed, struct site_result *res)
{
    solve_mclp_with(in, seed, 1, res);
}

/* A bigger instance than brute force reaches (400 points), whose bound does not prove
 * the answer: annealing and the ILS (with path relinking) stop by their own rules,
 * twice on the same answer for a seed, never above the bound. */
enum {
    UN = 400 /* points of make_unproven's instance */
};

/* UN random points in a 1000 m square, weights 1 to 50, each a candidate, radius 90 m:
 * annealing and the ILS stop by their own rules before the bound proves an answer. */
static void make_unproven(double *xy, double *w, struct site_cover *cover, struct site_instance *in)
{
    size_t i;

    assert_non_null(xy);
    assert_non_null(w);
    rng = 4242; /* the same instance whichever tests ran before */
    for (i = 0; i < UN; i++) {
        xy[2 * i] = rnd(1000);
        xy[2 * i + 1] = rnd(1000);
        w[i] = 1 + rnd(50);
    }
    assert_int_equal(site_cover_from_points(&PLAN_METRIC_PLANAR, xy, UN, xy, UN, 90, cover, NULL),
                     GIS_OK);
    *in = (struct site_instance){.n = UN, .m = UN, .weight = w, .cover = cover, .p = 25};
}

static void test_search_same_answer_for_a_seed(void **state)
{
    double *xy = malloc(2 * UN * sizeof *xy), *w = malloc(UN * sizeof *w);
    struct site_cover cover;
    struct site_instance in;
    struct site_result a, b;

    (void)state;
    make_unproven(xy, w, &cover, &in);
    solve_mclp(&in, 5, &a);
    solve_mclp(&in, 5, &b);
    assert_true(a.objective == b.objective);
    assert_int_equal(a.n_open, b.n_open);
    assert_memory_equal(a.open, b.open, a.n_open * sizeof *a.open);
    assert_true(a.objective <= a.bound + 1e-9);
    assert_false(a.is_optimal); /* so the searches ran their course */
    assert_true(a.seconds_to_best >= 0 && a.seconds_to_best <= a.seconds);
    site_result_free(&a);
    site_result_free(&b);
    site_cover_free(&cover);
    free(xy);
    free(w);
}

static bool cancel_at_once(void *ctx, double fraction, double objective)
{
    (void)fraction;
    (void)objective;
    ++*(int *)ctx;
    return true;
}

/* The caller's cancel stops every search: the answer so far, said to be cancelled. */
static void test_cancel_stops_every_search(void **state)
{
    double *xy = malloc(2 * UN * sizeof *xy), *w = malloc(UN * sizeof *w);
    int calls = 0;
    struct site_cover cover;
    struct site_instance in;
    struct site_options o = {.problem = SITE_MCLP,
                             .seed = 5,
                             .time_limit_s = 60,
                             .searches = 2,
                             .progress = cancel_at_once,
                             .progress_ctx = &calls};
    struct site_result res;

    (void)state;
    make_unproven(xy, w, &cover, &in);
    assert_int_equal(site_solve(&in, &o, &res, NULL), GIS_OK);
    assert_true(res.was_cancelled);
    assert_true(calls >= 1);
    assert_int_equal(res.n_open, 25);
    assert_true(res.seconds < 30);
    site_result_free(&res);
    site_cover_free(&cover);
    free(xy);
    free(w);
}

/* Through site_solve on an instance whose lists are short next to the candidates (the
 * swap tables' path): with an existing, a forbidden and a forced site, the answer keeps
 * them, has p new sites, covers what its sites cover, and stays under its bound. */
static void test_spread_mclp_answer_keeps_the_rules(void **state)
{
    enum {
        BN = 300
    };
    double *xy = malloc(2 * BN * sizeof *xy), *w = malloc(BN * sizeof *w), covered = 0;
    uint8_t st[BN] = {SITE_EXISTING, SITE_FORBIDDEN, SITE_FORCED}, open[BN] = {0};
    struct site_options o = {.problem = SITE_MCLP, .seed = 3, .time_limit_s = 60};
    struct site_cover cover;
    struct site_instance in;
    struct site_result res;
    size_t i, k;

    (void)state;
    assert_non_null(xy);
    assert_non_null(w);
    for (i = 0; i < BN; i++) {
        xy[2 * i] = rnd(1000);
        xy[2 * i + 1] = rnd(1000);
        w[i] = 1 + rnd(30);
    }
    assert_int_equal(site_cover_from_points(&PLAN_METRIC_PLANAR, xy, BN, xy, BN, 50, &cover, NULL),
                     GIS_OK);
    assert_true((double)BN * BN >= 25.0 * (double)cover.cand_start[BN]);
    in = (struct site_instance){.n = BN, .m = BN, .weight = w, .cover = &cover, .p = 12};
    in.state = st;
    assert_int_equal(site_solve(&in, &o, &res, NULL), GIS_OK);
    assert_int_equal(res.n_open, 12);
    for (k = 0; k < res.n_open; k++)
        open[res.open[k]] = 1;
    assert_true(open[2] && !open[1] && !open[0]); /* the existing site is not "new" */
    open[0] = 1;
    for (i = 0; i < BN; i++)
        for (k = cover.dem_start[i]; k < cover.dem_start[i + 1]; k++)
            if (open[cover.dem_item[k]]) {
                covered += w[i];
                break;
            }
    assert_true(fabs(res.objective - covered) < 1e-9);
    assert_true(res.objective <= res.bound + 1e-9);
    assert_true(strstr(res.method, "ils") != NULL);
    site_result_free(&res);
    site_cover_free(&cover);
    free(xy);
    free(w);
}

/* Quotas and more points than the quick MIP takes (site_mclp.c: QUICK_MIP_COLUMNS), so
 * the general evaluation's ILS does the search, and it stops by iteration counts alone. */
enum {
    QN = 6500,
    QM = 120,
    QG = 4
};

struct quota_inst {
    double xy[2 * QN], w[QN];
    int32_t group[QM], gmin[QG], gmax[QG];
    struct site_cover cover;
    struct site_instance in;
};

static void make_quota(struct quota_inst *q)
{
    size_t i, k;

    rng = 99; /* the same instance whichever tests ran before */
    for (i = 0; i < QN; i++) {
        q->xy[2 * i] = rnd(1000);
        q->xy[2 * i + 1] = rnd(1000);
        q->w[i] = 1 + rnd(30);
    }
    for (k = 0; k < QM; k++)
        q->group[k] = (int32_t)(k % QG);
    for (k = 0; k < QG; k++) {
        q->gmin[k] = 4;
        q->gmax[k] = 6;
    }
    assert_int_equal(
        site_cover_from_points(&PLAN_METRIC_PLANAR, q->xy, QN, q->xy, QM, 90, &q->cover, NULL),
        GIS_OK);
    q->in = (struct site_instance){.n = QN,
                                   .m = QM,
                                   .weight = q->w,
                                   .cover = &q->cover,
                                   .p = 20,
                                   .group = q->group,
                                   .n_groups = QG,
                                   .group_min = q->gmin,
                                   .group_max = q->gmax};
    assert_true(q->in.n + q->in.m > 6000);
}

static void
solve_quota(struct quota_inst *q, uint64_t seed, size_t searches, struct site_result *res)
{
    struct site_options o = {
        .problem = SITE_MCLP, .seed = seed, .time_limit_s = 120, .searches = searches};

    assert_int_equal(site_solve(&q->in, &o, res, NULL), GIS_OK);
    assert_false(res->hit_time_limit);
    assert_false(res->is_optimal); /* so the search ran its course */
}

/* The answer keeps p and the quotas, covers what its sites cover, and stays under its
 * bound. */
static void test_quota_mclp_beyond_the_quick_mip(void **state)
{
    struct quota_inst *q = malloc(sizeof *q);
    uint8_t open[QM] = {0};
    int32_t per[QG] = {0};
    double covered = 0;
    struct site_result res;
    size_t i, k;

    (void)state;
    assert_non_null(q);
    make_quota(q);
    solve_quota(q, 3, 1, &res);
    assert_int_equal(res.n_open, 20);
    for (k = 0; k < res.n_open; k++) {
        open[res.open[k]] = 1;
        per[q->group[res.open[k]]]++;
    }
    for (k = 0; k < QG; k++)
        assert_true(per[k] >= q->gmin[k] && per[k] <= q->gmax[k]);
    for (i = 0; i < QN; i++)
        for (k = q->cover.dem_start[i]; k < q->cover.dem_start[i + 1]; k++)
            if (open[q->cover.dem_item[k]]) {
                covered += q->w[i];
                break;
            }
    assert_true(fabs(res.objective - covered) < 1e-9);
    assert_true(res.objective <= res.bound + 1e-9);
    assert_non_null(strstr(res.method, "ils"));
    site_result_free(&res);
    site_cover_free(&q->cover);
    free(q);
}

/* Two searches at once (seeds 3 and 4, each stopping by its own iteration counts) return
 * the better of the answers each seed gives alone, with the better bound and both
 * searches' work. */
static void test_two_searches_keep_the_better_answer(void **state)
{
    struct quota_inst *q = malloc(sizeof *q);
    struct site_result a, b, team;
    const struct site_result *best;

    (void)state;
    assert_non_null(q);
    make_quota(q);
    solve_quota(q, 3, 1, &a);
    solve_quota(q, 4, 1, &b);
    solve_quota(q, 3, 2, &team);
    best = b.objective > a.objective ? &b : &a;
    assert_int_equal(a.searches, 1);
    assert_int_equal(team.searches, 2);
    assert_true(team.objective == best->objective);
    assert_int_equal(team.n_open, best->n_open);
    assert_memory_equal(team.open, best->open, team.n_open * sizeof *team.open);
    assert_true(team.bound == fmin(a.bound, b.bound));
    assert_true(team.iterations == a.iterations + b.iterations);
    assert_false(team.was_cancelled);
    site_result_free(&a);
    site_result_free(&b);
    site_result_free(&team);
    site_cover_free(&q->cover);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mclp_moves_match_brute_force),
        cmocka_unit_test(test_swap_tables_match_brute_force),
        cmocka_unit_test(test_listed_descent_ends_at_local_optimum),
        cmocka_unit_test(test_undone_moves_restore_the_tables),
        cmocka_unit_test(test_annealing_keeps_the_rules),
        cmocka_unit_test(test_merge_solves_the_restricted_mclp),
        cmocka_unit_test(test_dominated_candidates_go),
        cmocka_unit_test(test_cmsa_keeps_the_rules),
        cmocka_unit_test(test_local_merge_frees_only_the_offered_sites),
        cmocka_unit_test(test_local_phase_settles),
        cmocka_unit_test(test_local_phase_moves_a_site_across_the_city),
        cmocka_unit_test(test_elite_pool_rules),
        cmocka_unit_test(test_relinking_takes_the_best_swaps),
        cmocka_unit_test(test_pmedian_moves_match_brute_force),
        cmocka_unit_test(test_search_same_answer_for_a_seed),
        cmocka_unit_test(test_cancel_stops_every_search),
        cmocka_unit_test(test_spread_mclp_answer_keeps_the_rules),
        cmocka_unit_test(test_quota_mclp_beyond_the_quick_mip),
        cmocka_unit_test(test_two_searches_keep_the_better_answer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
