/* Unit tests of the site searches' move evaluation (plan/site_mclp.c, site_pmedian.c)
 * against brute force: on random small instances, after random moves, the incremental
 * state (covered demand, removal losses, nearest sites) equals a recomputation from the
 * open sites, and the best move a problem reports for every entering candidate is the
 * best of all its swaps (and additions) recomputed from scratch; a candidate the MCLP
 * skips unevaluated has no improving swap. Plus: the iterated local search gives the
 * same answer twice for a seed. */
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

/* Random points in a square, every point a demand, the first M also candidates; with
 * states, site 0 is existing, 1 forbidden and 2 forced. */
static void make(struct inst *t, size_t p, bool with_states)
{
    double xy[2 * N];
    size_t i, j;

    memset(t, 0, sizeof *t);
    for (i = 0; i < N; i++) {
        xy[2 * i] = rnd(100);
        xy[2 * i + 1] = rnd(100);
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

static void solve_mclp(const struct site_instance *in, uint64_t seed, struct site_result *res)
{
    struct site_options o = {.problem = SITE_MCLP, .seed = seed, .time_limit_s = 60};

    assert_int_equal(site_solve(in, &o, res, NULL), GIS_OK);
    assert_false(res->hit_time_limit);
}

/* A bigger instance than brute force reaches (400 points): the ILS stops by its own
 * rule, twice on the same answer for a seed, and never above its bound. */
static void test_ils_same_answer_for_a_seed(void **state)
{
    enum {
        BN = 400
    };
    double *xy = malloc(2 * BN * sizeof *xy), *w = malloc(BN * sizeof *w);
    struct site_cover cover;
    struct site_instance in;
    struct site_result a, b;
    size_t i;

    (void)state;
    assert_non_null(xy);
    assert_non_null(w);
    for (i = 0; i < BN; i++) {
        xy[2 * i] = rnd(1000);
        xy[2 * i + 1] = rnd(1000);
        w[i] = 1 + rnd(50);
    }
    assert_int_equal(site_cover_from_points(&PLAN_METRIC_PLANAR, xy, BN, xy, BN, 60, &cover, NULL),
                     GIS_OK);
    in = (struct site_instance){.n = BN, .m = BN, .weight = w, .cover = &cover, .p = 25};
    solve_mclp(&in, 5, &a);
    solve_mclp(&in, 5, &b);
    assert_true(a.objective == b.objective);
    assert_int_equal(a.n_open, b.n_open);
    assert_memory_equal(a.open, b.open, a.n_open * sizeof *a.open);
    assert_true(a.objective <= a.bound + 1e-9);
    site_result_free(&a);
    site_result_free(&b);
    site_cover_free(&cover);
    free(xy);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mclp_moves_match_brute_force),
        cmocka_unit_test(test_pmedian_moves_match_brute_force),
        cmocka_unit_test(test_ils_same_answer_for_a_seed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
