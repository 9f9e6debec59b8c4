/* Unit tests of plan/site.h: on random small instances with every side constraint
 * (existing, forced and forbidden sites, costs with a budget, quotas per group), the
 * heuristic and the GLPK path of all four problems both reach the optimum found by
 * trying every site set, the objective each reports is the one recomputed here from the
 * sites it returns (and the instance data alone), and the bounds are valid. Plus
 * capacities, the parsers' rules and the input checks. */
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
#include "site_io.h"

#define N 11
#define M 8
#define G 2

struct inst {
    double dxy[2 * N], cxy[2 * M], w[N], cost[M], cap[M];
    float dist[N * M];
    uint8_t state[M];
    int32_t group[M], gmin[G], gmax[G];
    struct site_cover cover;
    struct site_instance in;
};

static uint64_t rng = 12345;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((rng >> 33) % n);
}

static void make(struct inst *t, bool with_rules, double radius)
{
    size_t i, j;

    memset(t, 0, sizeof *t);
    for (i = 0; i < N; i++) {
        t->dxy[2 * i] = rnd(100);
        t->dxy[2 * i + 1] = rnd(100);
        t->w[i] = rnd(10);
    }
    for (j = 0; j < M; j++) {
        t->cxy[2 * j] = rnd(100);
        t->cxy[2 * j + 1] = rnd(100);
        t->cost[j] = 1 + rnd(3);
        t->group[j] = (int32_t)(j % G);
        t->state[j] = !with_rules ? SITE_FREE
                      : j == 0    ? SITE_EXISTING
                      : j == 1    ? SITE_FORBIDDEN
                      : j == 2    ? SITE_FORCED
                                  : SITE_FREE;
    }
    for (i = 0; i < N; i++)
        for (j = 0; j < M; j++)
            t->dist[i * M + j] =
                (float)hypot(t->dxy[2 * i] - t->cxy[2 * j], t->dxy[2 * i + 1] - t->cxy[2 * j + 1]);
    t->gmin[0] = 1;
    t->gmax[0] = 2;
    t->gmin[1] = 0;
    t->gmax[1] = -1;
    t->in = (struct site_instance){.n = N, .m = M, .weight = t->w, .dist = t->dist, .p = 3};
    if (radius > 0) {
        assert_int_equal(site_cover_from_dist(t->dist, N, M, radius, &t->cover, NULL), GIS_OK);
        t->in.cover = &t->cover;
    }
    if (with_rules) {
        t->in.state = t->state;
        t->in.cost = t->cost;
        t->in.budget = 7;
        t->in.group = t->group;
        t->in.n_groups = G;
        t->in.group_min = t->gmin;
        t->in.group_max = t->gmax;
    }
}

/* Whether site j's state allows it to be open (or closed) as set says. */
static bool state_allows(const struct site_instance *in, unsigned set, size_t j)
{
    uint8_t st = in->state ? in->state[j] : SITE_FREE;
    bool is_open = set >> j & 1;

    if (st == SITE_EXISTING || st == SITE_FORCED)
        return is_open;
    return st != SITE_FORBIDDEN || !is_open;
}

static bool quotas_hold(const struct site_instance *in, const int32_t *per)
{
    size_t g;

    for (g = 0; in->group && g < G; g++)
        if (per[g] < in->group_min[g] || (in->group_max[g] >= 0 && per[g] > in->group_max[g]))
            return false;
    return true;
}

/* Whether the set (bit j = site j open) obeys the instance's rules. */
static bool allowed(const struct site_instance *in, unsigned set)
{
    size_t j, n_new = 0;
    int32_t per[G] = {0};
    double cost = 0;

    for (j = 0; j < in->m; j++) {
        uint8_t st = in->state ? in->state[j] : SITE_FREE;
        bool is_open = set >> j & 1;
        if (!state_allows(in, set, j))
            return false;
        if (!is_open || st == SITE_EXISTING)
            continue;
        n_new++;
        cost += in->cost ? in->cost[j] : 1;
        if (in->group)
            per[in->group[j]]++;
    }
    if (n_new > in->p || (in->budget > 0 && cost > in->budget))
        return false;
    return quotas_hold(in, per);
}

/* LSCP: every point with weight that some usable site reaches is covered by the set. */
static bool covers(const struct site_instance *in, unsigned set, double r)
{
    size_t i, j;

    for (i = 0; i < in->n; i++) {
        bool is_reachable = false, is_covered = false;
        for (j = 0; j < in->m; j++) {
            bool is_near = in->dist[i * in->m + j] <= r;
            is_reachable |= is_near && (!in->state || in->state[j] != SITE_FORBIDDEN);
            is_covered |= is_near && (set >> j & 1);
        }
        if (in->weight[i] > 0 && is_reachable && !is_covered)
            return false;
    }
    return true;
}

/* LSCP ignores p, the budget and the quotas (site.h): only the states and the cover. */
static bool lscp_allowed(const struct site_instance *in, unsigned set, double r)
{
    size_t j;

    for (j = 0; j < in->m; j++)
        if (!state_allows(in, set, j))
            return false;
    return covers(in, set, r);
}

/* LSCP: the cost of the new sites of the set. */
static double set_cost(const struct site_instance *in, unsigned set)
{
    double sum = 0;
    size_t j;

    for (j = 0; j < in->m; j++)
        if ((set >> j & 1) && (!in->state || in->state[j] != SITE_EXISTING))
            sum += in->cost ? in->cost[j] : 1;
    return sum;
}

/* The objective of a site set (existing sites included), from the instance alone. */
static double value(const struct site_instance *in, enum site_problem pb, unsigned set, double r)
{
    double sum = 0, mx = 0;
    size_t i, j;

    if (pb == SITE_LSCP)
        return set_cost(in, set);
    for (i = 0; i < in->n; i++) {
        double best = INFINITY;
        for (j = 0; j < in->m; j++)
            if (set >> j & 1)
                best = fmin(best, in->dist[i * in->m + j]);
        if (pb == SITE_PMEDIAN)
            sum += in->weight[i] * best;
        else if (pb == SITE_MCLP)
            sum += best <= r ? in->weight[i] : 0;
        else if (in->weight[i] > 0)
            mx = fmax(mx, best);
    }
    return pb == SITE_PCENTER ? mx : sum;
}

static double brute(const struct site_instance *in, enum site_problem pb, double r)
{
    double best = pb == SITE_MCLP ? -1 : INFINITY;
    unsigned set;

    for (set = 0; set < 1u << in->m; set++) {
        double v;
        if (pb == SITE_LSCP ? !lscp_allowed(in, set, r) : !allowed(in, set))
            continue;
        v = value(in, pb, set, r);
        best = pb == SITE_MCLP ? fmax(best, v) : fmin(best, v);
    }
    return best;
}

/* The returned sites as a set, with the existing ones (open, never in res.open). */
static unsigned open_set(const struct site_instance *in, const struct site_result *res)
{
    unsigned set = 0;
    size_t k;

    for (k = 0; k < res->n_open; k++) {
        assert_true(res->open[k] < in->m);
        assert_true(k == 0 || res->open[k - 1] < res->open[k]);
        set |= 1u << res->open[k];
    }
    for (k = 0; in->state && k < in->m; k++)
        if (in->state[k] == SITE_EXISTING)
            set |= 1u << k;
    return set;
}

static void check(struct inst *t, enum site_problem pb, double r)
{
    double opt = brute(&t->in, pb, r);
    int exact;

    for (exact = 0; exact < 2; exact++) {
        struct site_options o = {.problem = pb, .seed = 7, .time_limit_s = 10, .is_exact = exact};
        struct site_result res;
        struct gis_error err = {0};
        unsigned set;

        assert_int_equal(site_solve(&t->in, &o, &res, &err), GIS_OK);
        set = open_set(&t->in, &res);
        /* What the answer is worth, recomputed from its sites, not taken from the solver. */
        assert_true(fabs(res.objective - value(&t->in, pb, set, r)) < 1e-3);
        assert_true(fabs(res.objective - opt) < 1e-3);
        if (pb == SITE_MCLP)
            assert_true(res.bound >= opt - 1e-6);
        else
            assert_true(res.bound <= opt + 1e-6);
        assert_true(pb == SITE_LSCP ? lscp_allowed(&t->in, set, r) : allowed(&t->in, set));
        /* a model this small GLPK proves well within the heuristic's time */
        if (pb == SITE_MCLP)
            assert_true(res.is_optimal);
        site_result_free(&res);
    }
}

static void test_pmedian_brute_force(void **state)
{
    struct inst t;
    int k;

    (void)state;
    for (k = 0; k < 12; k++) {
        make(&t, k % 2, 0);
        check(&t, SITE_PMEDIAN, 0);
    }
}

static void test_pcenter_brute_force(void **state)
{
    struct inst t;
    int k;

    (void)state;
    for (k = 0; k < 12; k++) {
        make(&t, k % 2, 0);
        check(&t, SITE_PCENTER, 0);
    }
}

static void test_mclp_brute_force(void **state)
{
    struct inst t;
    int k;

    (void)state;
    for (k = 0; k < 12; k++) {
        make(&t, k % 2, 30);
        check(&t, SITE_MCLP, 30);
        site_cover_free(&t.cover);
    }
}

static void test_lscp_brute_force(void **state)
{
    struct inst t;
    int k;

    (void)state;
    for (k = 0; k < 12; k++) {
        make(&t, k % 2, 25);
        check(&t, SITE_LSCP, 25);
        site_cover_free(&t.cover);
    }
}

/* The capacitated objective from the assignment (site.h: in p-median an unserved
 * point's weight costs 2 x the largest distance + 1; MCLP counts served weight). */
static double assigned_value(const struct inst *t, enum site_problem pb, const int32_t *assign)
{
    double v = 0, big = 0;
    size_t i;

    for (i = 0; i < N * M; i++)
        big = fmax(big, t->dist[i]);
    for (i = 0; i < N; i++) {
        if (pb == SITE_MCLP)
            v += assign[i] >= 0 ? t->w[i] : 0;
        else
            v += t->w[i] * (assign[i] >= 0 ? t->dist[i * M + (size_t)assign[i]] : 2 * big + 1);
    }
    return v;
}

static void check_capacities(enum site_problem pb, bool is_exact, double cap)
{
    struct inst t;
    struct site_options o = {.problem = pb, .seed = 1, .time_limit_s = 5, .is_exact = is_exact};
    struct site_result res;
    double load[M] = {0};
    size_t i, j;
    unsigned set;

    make(&t, false, pb == SITE_MCLP ? 30 : 0);
    for (j = 0; j < M; j++)
        t.cap[j] = cap;
    t.in.capacity = t.cap;
    assert_int_equal(site_solve(&t.in, &o, &res, NULL), GIS_OK);
    set = open_set(&t.in, &res);
    for (i = 0; i < N; i++) {
        if (res.assign[i] < 0)
            continue;
        assert_true(set >> res.assign[i] & 1); /* served by an open site */
        if (pb == SITE_MCLP)
            assert_true(t.dist[i * M + (size_t)res.assign[i]] <= 30);
        load[res.assign[i]] += t.w[i];
    }
    for (j = 0; j < M; j++)
        assert_true(load[j] <= cap);
    assert_true(fabs(res.objective - assigned_value(&t, pb, res.assign)) < 1e-3);
    assert_true(pb == SITE_MCLP ? res.bound >= res.objective - 1e-9
                                : res.bound <= res.objective + 1e-9);
    if (pb == SITE_MCLP)
        assert_true(fabs(res.demand_covered - res.objective) < 1e-9);
    site_cover_free(&t.cover);
    site_result_free(&res);
}

static void test_capacities_are_respected(void **state)
{
    int exact;

    (void)state;
    for (exact = 0; exact < 2; exact++) {
        check_capacities(SITE_PMEDIAN, exact, 20);
        check_capacities(SITE_PMEDIAN, exact, 40);
        check_capacities(SITE_MCLP, exact, 12);
    }
}

static void test_bad_instances(void **state)
{
    struct inst t;
    struct site_options o = {.problem = SITE_PMEDIAN};
    struct site_result res;
    struct gis_error err = {0};

    (void)state;
    make(&t, false, 0);
    t.in.p = M + 1;
    assert_int_equal(site_solve(&t.in, &o, &res, &err), GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "only 8 candidates"));
    make(&t, true, 0);
    t.gmin[1] = 5;
    assert_int_equal(site_solve(&t.in, &o, &res, &err), GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "infeasible quotas"));
    make(&t, false, 0);
    t.in.m = 0;
    assert_int_equal(site_solve(&t.in, &o, &res, &err), GIS_ERR_INVALID_ARG);
    o.problem = SITE_MCLP;
    make(&t, false, 0);
    assert_int_equal(site_solve(&t.in, &o, &res, &err), GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "radius"));
}

static void test_orlib_last_edge_wins(void **state)
{
    /* 3 nodes; the edge 1-2 given twice: the later cost (7) counts, not the minimum. */
    const char text[] = "3 3 1\n1 2 2\n2 3 4\n1 2 7\n";
    size_t n, p;
    float *d;

    (void)state;
    assert_int_equal(site_orlib_parse(text, sizeof text - 1, &n, &p, &d, NULL), GIS_OK);
    assert_true(n == 3 && p == 1);
    assert_true(d[0 * 3 + 1] == 7 && d[0 * 3 + 2] == 11 && d[2 * 3 + 0] == 11);
    free(d);
    assert_int_equal(site_orlib_parse("3 5 1\n1 2 3\n", 12, &n, &p, &d, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(site_orlib_parse("2 1 3\n1 2 3\n", 12, &n, &p, &d, NULL), GIS_ERR_INVALID_ARG);
}

static void test_points_csv(void **state)
{
    const char ok[] = "ID, X ,y,weight,capacity\na,1,2,3,4\nb,5,6,0,1\n";
    struct site_points pts;
    struct gis_error err = {0};

    (void)state;
    assert_int_equal(site_points_parse(ok, sizeof ok - 1, &pts, &err), GIS_OK);
    assert_true(pts.n == 2 && !strcmp(pts.id[1], "b") && pts.xy[2] == 5 && pts.weight[0] == 3);
    assert_true(pts.capacity && pts.capacity[1] == 1 && !pts.cost);
    site_points_free(&pts);
    assert_int_equal(site_points_parse("x,y\n1,2\n", 8, &pts, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(site_points_parse("id,x,y,weight\na,1,2,-1\n", 22, &pts, &err),
                     GIS_ERR_INVALID_ARG);
    assert_int_equal(site_points_parse("id,x,y\na,1\n", 11, &pts, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(site_points_parse("id,x,y\na,1,inf\n", 15, &pts, &err), GIS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmedian_brute_force),      cmocka_unit_test(test_pcenter_brute_force),
        cmocka_unit_test(test_mclp_brute_force),         cmocka_unit_test(test_lscp_brute_force),
        cmocka_unit_test(test_capacities_are_respected), cmocka_unit_test(test_bad_instances),
        cmocka_unit_test(test_orlib_last_edge_wins),     cmocka_unit_test(test_points_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
