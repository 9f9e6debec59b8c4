/*
 * Unit tests of gis/chinacrs.h against published reference points of the GCJ-02 and
 * BD-09 algorithms (the values used by the eviltransform and gcoord test suites), and
 * round trips over a grid covering China.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>

#include "chinacrs.h"

/* Metres per degree of latitude, for stating errors in metres. */
#define M_PER_DEG 111320.0

static double dist_m(double lon1, double lat1, double lon2, double lat2)
{
    double dx = (lon1 - lon2) * cos(lat1 * M_PI / 180.0) * M_PER_DEG;
    double dy = (lat1 - lat2) * M_PER_DEG;
    return sqrt(dx * dx + dy * dy);
}

struct ref {
    double wgs_lon, wgs_lat, gcj_lon, gcj_lat;
};

static const struct ref REFS[] = {
    {121.5272106, 31.1774276, 121.531541859215, 31.17530398364597}, /* Shanghai */
    {113.912316, 22.543847, 113.9171764808363, 22.540796131694766}, /* Shenzhen */
    {116.377817, 39.911954, 116.38404722455657, 39.91334545536069}, /* Beijing */
};

static void test_wgs84_to_gcj02_reference(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof REFS / sizeof *REFS; i++) {
        double lon, lat;
        chinacrs_wgs84_to_gcj02(REFS[i].wgs_lon, REFS[i].wgs_lat, &lon, &lat);
        assert_true(fabs(lon - REFS[i].gcj_lon) < 1e-9);
        assert_true(fabs(lat - REFS[i].gcj_lat) < 1e-9);
    }
}

static void test_gcj02_to_wgs84_reference(void **state)
{
    size_t i;
    double lon, lat;

    (void)state;
    for (i = 0; i < sizeof REFS / sizeof *REFS; i++) {
        chinacrs_gcj02_to_wgs84(REFS[i].gcj_lon, REFS[i].gcj_lat, &lon, &lat);
        assert_true(dist_m(lon, lat, REFS[i].wgs_lon, REFS[i].wgs_lat) < 0.01);
    }
    /* gcoord's reference: GCJ-02 (123, 45) -> WGS84 (122.99395597, 44.99804071). */
    chinacrs_gcj02_to_wgs84(123.0, 45.0, &lon, &lat);
    assert_true(fabs(lon - 122.99395597) < 1e-5);
    assert_true(fabs(lat - 44.99804071) < 1e-5);
}

static void test_gcj02_to_bd09_reference(void **state)
{
    double lon, lat;

    (void)state;
    /* gcoord's reference: GCJ-02 (123, 45) -> BD-09 (123.00636499, 45.00636899). */
    chinacrs_gcj02_to_bd09(123.0, 45.0, &lon, &lat);
    assert_true(fabs(lon - 123.00636499) < 1e-7);
    assert_true(fabs(lat - 45.00636899) < 1e-7);
}

static void test_outside_china_is_identity(void **state)
{
    double lon, lat;

    (void)state;
    assert_false(chinacrs_in_china(2.35, 48.85));
    chinacrs_wgs84_to_gcj02(2.35, 48.85, &lon, &lat);
    assert_true(lon == 2.35 && lat == 48.85);
    chinacrs_gcj02_to_wgs84(2.35, 48.85, &lon, &lat);
    assert_true(lon == 2.35 && lat == 48.85);
}

/* The promise in the README: round trips below 0.1 mm over China (the iteration gives
 * about 1e-5 m). */
static void test_round_trips_over_china(void **state)
{
    double worst_gcj = 0, worst_bd = 0, x, y;

    (void)state;
    for (x = 73.5; x < 135.0; x += 0.73) {
        for (y = 18.5; y < 53.5; y += 0.61) {
            double a, b, c, d;
            chinacrs_wgs84_to_gcj02(x, y, &a, &b);
            chinacrs_gcj02_to_wgs84(a, b, &c, &d);
            worst_gcj = fmax(worst_gcj, dist_m(x, y, c, d));
            chinacrs_wgs84_to_bd09(x, y, &a, &b);
            chinacrs_bd09_to_wgs84(a, b, &c, &d);
            worst_bd = fmax(worst_bd, dist_m(x, y, c, d));
        }
    }
    print_message("worst round trip: GCJ-02 %.2e m, BD-09 %.2e m\n", worst_gcj, worst_bd);
    assert_true(worst_gcj < 1e-4);
    assert_true(worst_bd < 1e-4);
}

/* In Yan'an the offset is a few hundred metres: a sanity bound on the formula. */
static void test_offset_size_in_yanan(void **state)
{
    double lon, lat;

    (void)state;
    chinacrs_wgs84_to_gcj02(109.49, 36.59, &lon, &lat);
    assert_true(dist_m(109.49, 36.59, lon, lat) > 100.0);
    assert_true(dist_m(109.49, 36.59, lon, lat) < 1000.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wgs84_to_gcj02_reference),
        cmocka_unit_test(test_gcj02_to_wgs84_reference),
        cmocka_unit_test(test_gcj02_to_bd09_reference),
        cmocka_unit_test(test_outside_china_is_identity),
        cmocka_unit_test(test_round_trips_over_china),
        cmocka_unit_test(test_offset_size_in_yanan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
