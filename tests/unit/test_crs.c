/*
 * Unit tests of gis/crs.h: PROJ transformations to and from EPSG:4326 for CGCS2000
 * (EPSG:4490) and its 3-degree Gauss-Krüger zones (EPSG:4545, CM 108E; EPSG:4546, CM
 * 111E), checked against values computed independently here (the meridian arc by
 * numerical integration, the symmetry of a transverse Mercator about its meridian),
 * plus the GCJ-02 pipeline and error reporting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "chinacrs.h"
#include "crs.h"

static void transform1(const char *src, const char *dst, double *x, double *y)
{
    struct crs_transform *t = NULL;
    struct gis_error err = {0};

    assert_int_equal(crs_transform_new(src, dst, &t, &err), GIS_OK);
    assert_int_equal(crs_transform_points(t, x, y, 1, &err), GIS_OK);
    crs_transform_free(t);
}

/* Meridian arc length on GRS80 from the equator to lat_deg, by Simpson's rule. */
static double meridian_arc_grs80(double lat_deg)
{
    const double a = 6378137.0, f = 1.0 / 298.257222101, e2 = f * (2.0 - f);
    const int n = 20000;
    double h = lat_deg * M_PI / 180.0 / n, sum = 0.0;
    int i;

    for (i = 0; i <= n; i++) {
        double phi = i * h, s = sin(phi);
        double m = a * (1.0 - e2) / pow(1.0 - e2 * s * s, 1.5);
        sum += m * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
    }
    return sum * h / 3.0;
}

static void test_cgcs2000_geographic_equals_wgs84(void **state)
{
    double x = 109.49, y = 36.59;

    (void)state;
    /* PROJ relates CGCS2000 and WGS84 by a null transformation (agreement ~ cm). */
    transform1("EPSG:4490", "EPSG:4326", &x, &y);
    assert_true(fabs(x - 109.49) < 1e-9 && fabs(y - 36.59) < 1e-9);
}

static void test_gauss_kruger_on_central_meridian(void **state)
{
    double x = 108.0, y = 36.0;

    (void)state;
    transform1("EPSG:4326", "EPSG:4545", &x, &y);
    assert_true(fabs(x - 500000.0) < 1e-6);
    assert_true(fabs(y - meridian_arc_grs80(36.0)) < 0.001);
}

static void test_gauss_kruger_symmetry_and_values(void **state)
{
    double xw = 109.5, yw = 36.6, xe = 109.5, ye = 36.6;

    (void)state;
    /* 109.5E is 1.5 degrees east of CM 108 and west of CM 111: mirror images. */
    transform1("EPSG:4326", "EPSG:4545", &xw, &yw);
    transform1("EPSG:4326", "EPSG:4546", &xe, &ye);
    assert_true(fabs((xw - 500000.0) + (xe - 500000.0)) < 1e-6);
    assert_true(fabs(yw - ye) < 1e-6);
    /* And the value itself (cs2cs 9.1.1: 634218.114262 E, 4053169.067294 N). */
    assert_true(fabs(xw - 634218.114262) < 0.001);
    assert_true(fabs(yw - 4053169.067294) < 0.001);
}

static void test_gauss_kruger_to_wgs84_round_trip(void **state)
{
    double x = 634218.114262, y = 4053169.067294;

    (void)state;
    transform1("EPSG:4545", "EPSG:4326", &x, &y);
    assert_true(fabs(x - 109.5) < 1e-8 && fabs(y - 36.6) < 1e-8);
}

static void test_gcj02_pipeline(void **state)
{
    double x = 109.49, y = 36.59, ex, ey;

    (void)state;
    chinacrs_gcj02_to_wgs84(109.49, 36.59, &ex, &ey);
    transform1("GCJ02", "EPSG:4326", &x, &y);
    assert_true(x == ex && y == ey);
    x = 109.49;
    y = 36.59;
    transform1("gcj-02", "EPSG:4545", &x, &y);
    assert_true(fabs(x - 500000.0) > 100000.0); /* really projected */
    transform1("EPSG:4545", "GCJ02", &x, &y);
    assert_true(fabs(x - 109.49) < 1e-8 && fabs(y - 36.59) < 1e-8);
}

static void test_identity_is_detected(void **state)
{
    struct crs_transform *t = NULL;
    double x = 1.0, y = 2.0;

    (void)state;
    assert_int_equal(crs_transform_new("EPSG:4326", "EPSG:4326", &t, NULL), GIS_OK);
    assert_true(crs_transform_is_identity(t));
    assert_int_equal(crs_transform_points(t, &x, &y, 1, NULL), GIS_OK);
    assert_true(x == 1.0 && y == 2.0);
    crs_transform_free(t);
}

static void test_unknown_crs_is_an_error(void **state)
{
    struct crs_transform *t = NULL;
    struct gis_error err = {0};

    (void)state;
    assert_int_equal(crs_transform_new("EPSG:999999", "EPSG:4326", &t, &err), GIS_ERR_PROJ);
    assert_null(t);
    assert_non_null(strstr(err.msg, "EPSG:999999"));
    assert_true(crs_is_offset_system("BD09") && !crs_is_offset_system("EPSG:4326"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cgcs2000_geographic_equals_wgs84),
        cmocka_unit_test(test_gauss_kruger_on_central_meridian),
        cmocka_unit_test(test_gauss_kruger_symmetry_and_values),
        cmocka_unit_test(test_gauss_kruger_to_wgs84_round_trip),
        cmocka_unit_test(test_gcj02_pipeline),
        cmocka_unit_test(test_identity_is_detected),
        cmocka_unit_test(test_unknown_crs_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
