/* Unit tests of plan/coverage.h with the planar metric (exact arithmetic), and of the
 * geodesic metric against known distances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "coverage.h"
#include "geodist.h"

static struct coverage_result run(size_t nd,
                                  const double *dxy,
                                  const double *w,
                                  size_t nf,
                                  const double *fxy,
                                  const double *reach,
                                  const double *cap)
{
    struct coverage_input in = {&PLAN_METRIC_PLANAR, nd, dxy, w, nf, fxy, reach, cap, 2};
    struct coverage_result r;
    struct gis_error err = {0};

    assert_int_equal(coverage_run(&in, &r, &err), GIS_OK);
    return r;
}

static void test_no_facilities(void **state)
{
    double dxy[] = {0, 0, 5, 5}, w[] = {2, 3};
    struct coverage_result r = run(2, dxy, w, 0, NULL, NULL, NULL);

    (void)state;
    assert_true(r.demand_total == 5 && r.demand_covered == 0 && r.points_covered == 0);
    assert_int_equal(r.points[0].nearest, -1);
    assert_true(isinf(r.points[1].nearest_m));
    coverage_result_free(&r);
}

static void test_exactly_at_reach_is_covered(void **state)
{
    double dxy[] = {3, 4, 3.0001, 4}, w[] = {1, 1}, fxy[] = {0, 0}, reach[] = {5};
    struct coverage_result r = run(2, dxy, w, 1, fxy, reach, NULL);

    (void)state;
    assert_true(r.points[0].is_covered);
    assert_true(r.points[0].nearest_m == 5.0);
    assert_false(r.points[1].is_covered);
    assert_int_equal(r.points[1].nearest, 0);
    coverage_result_free(&r);
}

static void test_zero_weight_and_duplicates(void **state)
{
    double dxy[] = {0, 0, 0, 0}, w[] = {0, 7}, fxy[] = {1, 0, 1, 0}, reach[] = {2, 2};
    struct coverage_result r = run(2, dxy, w, 2, fxy, reach, NULL);

    (void)state;
    assert_int_equal(r.points_covered, 2);
    assert_true(r.demand_covered == 7 && r.demand_total == 7);
    assert_int_equal(r.points[0].n_within, 2); /* both facilities at the same place count */
    assert_int_equal(r.points[0].nearest, 0);  /* ties go to the lower index */
    coverage_result_free(&r);
}

static void test_capacity_exact_fit(void **state)
{
    /* Two points of 5 near facility A (capacity 10) and one of 4 near B (capacity 3). */
    double dxy[] = {0, 1, 0, 2, 10, 0}, w[] = {5, 5, 4};
    double fxy[] = {0, 0, 10, 1}, reach[] = {3, 3}, cap[] = {10, 3};
    struct coverage_result r = run(3, dxy, w, 2, fxy, reach, cap);

    (void)state;
    assert_true(r.has_capacity);
    assert_true(r.points[0].served == 5 && r.points[1].served == 5);
    assert_true(r.points[2].served == 3);
    assert_true(r.demand_served == 13 && r.demand_unserved == 1);
    coverage_result_free(&r);
}

static void test_bad_input(void **state)
{
    double dxy[] = {0, 0}, w[] = {-1}, fxy[] = {0, 0}, reach[] = {1};
    struct coverage_input in = {&PLAN_METRIC_PLANAR, 1, dxy, w, 1, fxy, reach, NULL, 1};
    struct coverage_result r;

    (void)state;
    assert_int_equal(coverage_run(&in, &r, NULL), GIS_ERR_INVALID_ARG);
    w[0] = 1;
    reach[0] = NAN;
    assert_int_equal(coverage_run(&in, &r, NULL), GIS_ERR_INVALID_ARG);
}

/* Against all pairs, on random points: same nearest distance and in-reach counts. */
static void test_matches_brute_force(void **state)
{
    enum {
        ND = 3000,
        NF = 250
    };
    static double dxy[2 * ND], w[ND], fxy[2 * NF], reach[NF];
    struct coverage_result r;
    size_t i, j;

    (void)state;
    srand(7);
    for (i = 0; i < ND; i++) {
        dxy[2 * i] = rand() % 100000;
        dxy[2 * i + 1] = rand() % 60000;
        w[i] = rand() % 10;
    }
    for (j = 0; j < NF; j++) {
        fxy[2 * j] = (rand() % 2 ? rand() % 100000 : 50000 + rand() % 5000);
        fxy[2 * j + 1] = rand() % 60000;
        reach[j] = j % 5 == 0 ? 8000 : 1500;
    }
    r = run(ND, dxy, w, NF, fxy, reach, NULL);
    for (i = 0; i < ND; i++) {
        double best = INFINITY;
        unsigned within = 0;
        for (j = 0; j < NF; j++) {
            double d = hypot(dxy[2 * i] - fxy[2 * j], dxy[2 * i + 1] - fxy[2 * j + 1]);
            best = fmin(best, d);
            within += d <= reach[j];
        }
        assert_true(r.points[i].nearest_m == best);
        assert_int_equal(r.points[i].n_within, within);
    }
    coverage_result_free(&r);
}

static void test_geodesic_distances(void **state)
{
    struct geodist_metric gm;

    (void)state;
    geodist_metric_init(&gm);
    /* One degree of latitude at the equator and of longitude on it (WGS84). */
    assert_true(fabs(geodist_distance(&gm, 0, 0, 0, 1) - 110574.389) < 0.01);
    assert_true(fabs(geodist_distance(&gm, 0, 0, 1, 0) - 111319.491) < 0.01);
    assert_true(geodist_distance(&gm, 109.5, 36.6, 109.5, 36.6) == 0.0);
}

/* A deterministic uniform draw in [lo, hi) (xorshift64*). */
static double draw(uint64_t *state, double lo, double hi)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return lo + (hi - lo) * (double)((*state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The geodesic metric's cheap distance keeps within its stated error, with a margin of
 * 25 (the error it states is 1e-4 of the distance; it must stay within 4e-6), on random
 * pairs up to 10 km apart at every latitude it serves, across the antimeridian too; and
 * says nothing (an infinite error) beyond 10 km or 80 degrees. */
static void test_geodesic_approx_within_its_error(void **state)
{
    struct geodist_metric gm;
    const struct plan_metric *m = &gm.metric;
    uint64_t seed = 42;
    double worst = 0;

    (void)state;
    geodist_metric_init(&gm);
    for (int k = 0; k < 200000; k++) {
        double a[2] = {draw(&seed, -180, 180), draw(&seed, -80, 80)}, b[2], azi, err;
        geod_direct(&gm.geod, a[1], a[0], draw(&seed, 0, 360), draw(&seed, 0.01, 10000), &b[1],
                    &b[0], &azi);
        if (fabs(b[1]) > 80)
            continue;
        double exact = m->distance(m, a, b), d = m->approx(m, a, b, &err);
        if (exact > 10000 * (1 - 1e-4))
            continue;
        assert_true(isfinite(err));
        assert_true(fabs(d - exact) <= err / 25);
        worst = fmax(worst, fabs(d - exact) / exact);
    }
    print_message("cheap geodesic: worst relative error %.2e\n", worst);
    {
        double a[2] = {109.5, 36.6}, far[2] = {109.5, 36.8}, polar[2] = {10, 80.5},
               polar2[2] = {10.001, 80.5}, err;
        (void)m->approx(m, a, far, &err); /* 22 km */
        assert_true(isinf(err));
        (void)m->approx(m, polar, polar2, &err);
        assert_true(isinf(err));
    }
}

/* The grid's bounds hold for the geodesic metric: dx * min_m_per_x and dy * min_m_per_y
 * never exceed the distance, dx * max_m_per_x + dy * max_m_per_y never falls below it. */
static void test_geodesic_bounds_hold(void **state)
{
    struct geodist_metric gm;
    const struct plan_metric *m = &gm.metric;
    uint64_t seed = 7;

    (void)state;
    geodist_metric_init(&gm);
    for (int k = 0; k < 100000; k++) {
        double a[2] = {draw(&seed, -180, 180), draw(&seed, -89, 89)};
        double b[2] = {a[0] + draw(&seed, -0.5, 0.5),
                       fmax(-89.9, fmin(89.9, a[1] + draw(&seed, -0.5, 0.5)))};
        double lo = fmin(a[1], b[1]), hi = fmax(a[1], b[1]);
        double dx = fabs(a[0] - b[0]), dy = fabs(a[1] - b[1]), d = m->distance(m, a, b);
        assert_true(dx * m->min_m_per_x(m, lo, hi) <= d);
        assert_true(dy * m->min_m_per_y(m) <= d);
        assert_true(dx * m->max_m_per_x(m, lo, hi) + dy * m->max_m_per_y(m) >= d);
    }
}

/* With the geodesic metric (cheap distance, two-pass nearest search), every point's
 * nearest, its distance and its count in reach equal a brute force over exact
 * distances, facilities placed on and within a millimetre of the reach included. */
static void test_geodesic_matches_brute_force(void **state)
{
    struct geodist_metric gm;
    const struct plan_metric *m = &gm.metric;
    enum {
        ND = 3000,
        NF = 400
    };
    static double dxy[2 * ND], fxy[2 * NF], w[ND], reach[NF];
    uint64_t seed = 99;
    struct coverage_result r;
    struct gis_error err = {0};

    (void)state;
    geodist_metric_init(&gm);
    for (size_t j = 0; j < NF; j++) {
        fxy[2 * j] = draw(&seed, 109.0, 110.0);
        fxy[2 * j + 1] = draw(&seed, 36.0, 37.0);
        reach[j] = j % 3 ? 2000 : 5000;
    }
    for (size_t i = 0; i < ND; i++) {
        double azi;
        w[i] = 1;
        if (i % 4 == 0) { /* on the rim of facility i / 4 (within a millimetre) */
            size_t j = (i / 4) % NF;
            geod_direct(&gm.geod, fxy[2 * j + 1], fxy[2 * j], draw(&seed, 0, 360),
                        reach[j] + draw(&seed, -1e-3, 1e-3), &dxy[2 * i + 1], &dxy[2 * i], &azi);
        } else {
            dxy[2 * i] = draw(&seed, 108.9, 110.1);
            dxy[2 * i + 1] = draw(&seed, 35.9, 37.1);
        }
    }
    struct coverage_input in = {m, ND, dxy, w, NF, fxy, reach, NULL, 2};
    assert_int_equal(coverage_run(&in, &r, &err), GIS_OK);
    for (size_t i = 0; i < ND; i++) {
        double best = INFINITY;
        int64_t arg = -1;
        uint32_t within = 0;
        for (size_t j = 0; j < NF; j++) {
            double d = m->distance(m, dxy + 2 * i, fxy + 2 * j);
            if (d < best) {
                best = d;
                arg = (int64_t)j;
            }
            within += d <= reach[j];
        }
        assert_int_equal(r.points[i].nearest, arg);
        assert_true(r.points[i].nearest_m == best);
        assert_int_equal(r.points[i].n_within, within);
    }
    coverage_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_facilities),
        cmocka_unit_test(test_exactly_at_reach_is_covered),
        cmocka_unit_test(test_zero_weight_and_duplicates),
        cmocka_unit_test(test_capacity_exact_fit),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_matches_brute_force),
        cmocka_unit_test(test_geodesic_distances),
        cmocka_unit_test(test_geodesic_approx_within_its_error),
        cmocka_unit_test(test_geodesic_bounds_hold),
        cmocka_unit_test(test_geodesic_matches_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
