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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
