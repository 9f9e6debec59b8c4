/* Unit tests of server/params.h and server/render.h: the query-parameter and header
 * parsers and the number and geometry writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom.h"
#include "params.h"
#include "render.h"

static void test_bbox(void **state)
{
    double b[4];
    struct gis_error err = {0};

    (void)state;
    assert_int_equal(params_bbox("109,36,110.5,37", b, &err), GIS_OK);
    assert_true(b[0] == 109 && b[1] == 36 && b[2] == 110.5 && b[3] == 37);
    assert_int_equal(params_bbox("109,36,0,110,37,100", b, &err), GIS_OK);
    assert_true(b[2] == 110 && b[3] == 37);
    assert_int_equal(params_bbox("109,36,110", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("109,36,110,37,1", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("1,2,3,4,5,6,7", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("110,36,109,37", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("a,b,c,d", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("1,2,3,nan", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("1,2,3,4 ", b, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_bbox("", b, &err), GIS_ERR_INVALID_ARG);
}

static void test_limit_offset(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(params_limit("100", 10000, &v, NULL), GIS_OK);
    assert_int_equal(v, 100);
    assert_int_equal(params_limit("0", 10000, &v, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_limit("10001", 10000, &v, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_limit("-5", 10000, &v, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_limit("5x", 10000, &v, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_offset("0", &v, NULL), GIS_OK);
    assert_int_equal(params_offset("99999999999999999999", &v, NULL), GIS_ERR_INVALID_ARG);
}

static void test_datetime(void **state)
{
    char a[PARAMS_TIME_MAX], b[PARAMS_TIME_MAX];

    (void)state;
    assert_int_equal(params_datetime("2021-10-31", a, b, NULL), GIS_OK);
    assert_string_equal(a, "2021-10-31");
    assert_string_equal(b, "2021-10-31");
    assert_int_equal(params_datetime("2021-01-01T00:00:00Z/..", a, b, NULL), GIS_OK);
    assert_string_equal(b, "");
    assert_int_equal(params_datetime("../2022-01-01T08:00:00+08:00", a, b, NULL), GIS_OK);
    assert_string_equal(a, "");
    assert_int_equal(params_datetime("2021-01-01/", a, b, NULL), GIS_OK);
    assert_int_equal(params_datetime("../..", a, b, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_datetime("2022-01-01/2021-01-01", a, b, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_datetime("yesterday", a, b, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_datetime("2021-10-31T25", a, b, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_datetime("a/b/c", a, b, NULL), GIS_ERR_INVALID_ARG);
}

static void test_crs(void **state)
{
    (void)state;
    assert_true(params_crs_find("http://www.opengis.net/def/crs/OGC/1.3/CRS84") ==
                params_crs_at(0));
    assert_true(params_crs_find("[EPSG:4326]")->is_north_first);
    assert_false(params_crs_find("EPSG:3857")->is_north_first);
    assert_true(params_crs_find("http://www.opengis.net/def/crs/EPSG/0/4545")->is_north_first);
    assert_null(params_crs_find("http://www.opengis.net/def/crs/EPSG/0/9999"));
    assert_null(params_crs_find(NULL));
}

static void check_double(double v, int d, const char *want)
{
    struct gbuf b;

    gbuf_init(&b, 128);
    assert_int_equal(render_double(&b, v, d), GIS_OK);
    assert_string_equal(b.data, want);
    gbuf_free(&b);
}

static void test_numbers(void **state)
{
    (void)state;
    check_double(109.4960693, 7, "109.4960693");
    check_double(36.5, 7, "36.5");
    check_double(-0.00000004, 7, "0");
    check_double(0.5, 0, "1");
    check_double(-2.5, 0, "-3");
    check_double(0.0001, 4, "0.0001");
    check_double(-0.0001, 3, "0");
    check_double(-0.00000006, 7, "-0.0000001");
    check_double(3, 7, "3");
    check_double(4053169.0672946, 3, "4053169.067");
    check_double(1e300, 7, "1.0000000000000001e+300");
}

/* The writer as it was before it wrote digit pairs (kept as the reference): the same
 * rounding, digits one at a time. */
static size_t reference_double(char *buf, double v, int decimals)
{
    static const int64_t pow10[] = {1,       10,       100,       1000,       10000,      100000,
                                    1000000, 10000000, 100000000, 1000000000, 10000000000};
    int64_t scaled, ip, fp;
    int d, i, n = 0;
    char digits[24];

    if (!(fabs(v) < 1e15 / (double)pow10[decimals]))
        return (size_t)snprintf(buf, 48, "%.17g", v);
    scaled = llround(v * (double)pow10[decimals]);
    if (scaled == 0)
        return (size_t)snprintf(buf, 48, "0");
    if (scaled < 0) {
        buf[n++] = '-';
        scaled = -scaled;
    }
    ip = scaled / pow10[decimals];
    fp = scaled % pow10[decimals];
    n += snprintf(buf + n, 48 - (size_t)n, "%lld", (long long)ip);
    if (fp) {
        for (d = decimals; fp % 10 == 0; d--)
            fp /= 10;
        for (i = d - 1; i >= 0; i--, fp /= 10)
            digits[i] = (char)('0' + fp % 10);
        buf[n++] = '.';
        memcpy(buf + n, digits, (size_t)d);
        n += d;
    }
    buf[n] = 0;
    return (size_t)n;
}

static void test_numbers_match_reference(void **state)
{
    uint64_t x = 88172645463325252ull;
    char want[64];
    int k, d;

    (void)state;
    for (k = 0; k < 200000; k++) {
        double v;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* Magnitudes from 1e-9 to 1e9, both signs, integers and exact halves too. */
        v = ldexp((double)(x >> 11), -53) * pow(10.0, (double)(int)(x % 19) - 9.0);
        if (x & 1)
            v = -v;
        if (k % 7 == 0)
            v = floor(v * 100.0) / 100.0 + 0.005;
        d = (int)((x >> 20) % 11);
        reference_double(want, v, d);
        check_double(v, d, want);
    }
}

static void test_geojson_from_wkb(void **state)
{
    /* MULTIPOINT((1 2),(3 4)) in little-endian WKB. */
    static const unsigned char wkb[] = {1, 4, 0, 0,   0,  2, 0, 0, 0,  1, 1, 0, 0,  0, 0, 0,  0,
                                        0, 0, 0, 240, 63, 0, 0, 0, 0,  0, 0, 0, 64, 1, 1, 0,  0,
                                        0, 0, 0, 0,   0,  0, 0, 8, 64, 0, 0, 0, 0,  0, 0, 16, 64};
    struct geom g;
    struct gbuf b;

    (void)state;
    geom_init(&g);
    gbuf_init(&b, 1024);
    assert_int_equal(geom_from_wkb(&g, wkb, sizeof wkb, NULL), GIS_OK);
    assert_int_equal(render_geojson_geometry(&b, &g, NULL, true, 7, NULL), GIS_OK);
    assert_string_equal(b.data, "{\"type\":\"MultiPoint\",\"coordinates\":[[2,1],[4,3]]}");
    assert_int_equal(geom_from_wkb(&g, wkb, sizeof wkb - 1, NULL), GIS_ERR_GEOMETRY);
    gbuf_free(&b);
    geom_free(&g);
}

/* A ring longer than a run of points written in place renders as the reference writer
 * spells each point; and a cap exactly the answer's length holds it (the writer falls
 * back to appending point by point near the cap), one byte less refuses it. */
static void test_long_ring_in_place_and_at_the_cap(void **state)
{
    enum {
        N = 1000
    };
    struct geom g;
    struct gbuf b, want;
    char num[64];
    size_t i;

    (void)state;
    geom_init(&g);
    g.type = GEOM_LINESTRING;
    assert_int_equal(geom_start_part(&g), GIS_OK);
    assert_int_equal(geom_start_ring(&g), GIS_OK);
    gbuf_init(&want, 1 << 20);
    gbuf_puts(&want, "{\"type\":\"LineString\",\"coordinates\":[");
    for (i = 0; i < N; i++) {
        double x = 109.0 + (double)i * 0.0012345678, y = -36.5 - (double)i * 0.00098765;
        assert_int_equal(geom_add_point(&g, x, y), GIS_OK);
        gbuf_puts(&want, i ? ",[" : "[");
        gbuf_append(&want, num, reference_double(num, x, 7));
        gbuf_puts(&want, ",");
        gbuf_append(&want, num, reference_double(num, y, 7));
        gbuf_puts(&want, "]");
    }
    gbuf_puts(&want, "]}");
    geom_finish(&g);
    for (size_t cap = want.len - 1; cap <= want.len + 1; cap++) {
        gbuf_init(&b, cap);
        enum gis_status rc = render_geojson_geometry(&b, &g, NULL, false, 7, NULL);
        assert_int_equal(rc, cap < want.len ? GIS_ERR_TOO_LARGE : GIS_OK);
        if (rc == GIS_OK)
            assert_string_equal(b.data, want.data);
        gbuf_free(&b);
    }
    gbuf_free(&want);
    geom_free(&g);
}

/* geom_intersects_box against cases with known answers (OGC Intersects, closed sets). */
static void test_box_intersects(void **state)
{
    /* POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4)): a square with a hole. */
    double coords[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0, 4, 4, 6, 4, 6, 6, 4, 6, 4, 4};
    size_t rings[] = {0, 5, 10}, parts[] = {0, 2};
    struct geom g = {GEOM_POLYGON, coords, 10, rings, 2, parts, 1, 0, 0, 0};
    const double inside[4] = {1, 1, 2, 2}, around[4] = {-1, -1, 11, 11};
    const double in_hole[4] = {4.5, 4.5, 5.5, 5.5}, crossing[4] = {9, -5, 12, 5};
    const double outside[4] = {11, 11, 12, 12}, touching[4] = {10, 2, 12, 3};
    const double corner[4] = {10, 10, 11, 11}, hole_edge[4] = {4.5, 4.5, 6, 5.5};

    (void)state;
    assert_true(geom_intersects_box(&g, inside));    /* box inside the area */
    assert_true(geom_intersects_box(&g, around));    /* area inside the box */
    assert_false(geom_intersects_box(&g, in_hole));  /* box inside the hole */
    assert_true(geom_intersects_box(&g, hole_edge)); /* touches the hole's edge */
    assert_true(geom_intersects_box(&g, crossing));
    assert_false(geom_intersects_box(&g, outside));
    assert_true(geom_intersects_box(&g, touching)); /* shares an edge segment */
    assert_true(geom_intersects_box(&g, corner));   /* shares a corner point */
}

static double q_of(const char *accept, enum params_media m)
{
    struct params_pref p;

    params_accept(accept, m, &p);
    return p.q;
}

static void test_accept(void **state)
{
    struct params_pref p;

    (void)state;
    /* no header, or a blank one: anything */
    assert_true(q_of(NULL, PARAMS_MEDIA_HTML) == 1.0 && q_of(" , ", PARAMS_MEDIA_MVT) == 1.0);
    /* q=0 excludes; the most specific range decides */
    assert_true(q_of("text/html;q=0", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("text/html;q=0", PARAMS_MEDIA_JSON) == 0.0);
    assert_true(q_of("text/html;q=0, */*", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("text/html;q=0, */*", PARAMS_MEDIA_JSON) == 1.0);
    assert_true(q_of("*/*;q=0.8, text/html ; level=1 ; Q=0.5", PARAMS_MEDIA_HTML) == 0.5);
    assert_true(q_of("text/*;q=0.3", PARAMS_MEDIA_HTML) == 0.3);
    assert_true(q_of("text/*;q=0.3", PARAMS_MEDIA_JSON) == 0.0);
    /* the JSON family: application/json and any +json type stand for one another */
    assert_true(q_of("application/geo+json", PARAMS_MEDIA_JSON) == 1.0);
    assert_true(q_of("application/schema+json;q=0.2", PARAMS_MEDIA_JSON) == 0.2);
    assert_true(q_of("application/*", PARAMS_MEDIA_JSON) == 1.0);
    assert_true(q_of("application/xml", PARAMS_MEDIA_JSON) == 0.0);
    assert_true(q_of("application/x-protobuf", PARAMS_MEDIA_MVT) == 1.0);
    assert_true(q_of("application/vnd.mapbox-vector-tile;q=0", PARAMS_MEDIA_MVT) == 0.0);
    /* malformed ranges and q values are skipped */
    assert_true(q_of("text/html;q=2", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("text/html;q=0.1234", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("text/html;q=1.5", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("html, text/ html", PARAMS_MEDIA_HTML) == 0.0);
    assert_true(q_of("html, */*;q=0.", PARAMS_MEDIA_JSON) == 0.0);
    /* a browser's list: html at 1 exactly, JSON at 0.8 through the wildcard, 4th range */
    params_accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                  PARAMS_MEDIA_JSON, &p);
    assert_true(p.q == 0.8 && p.specificity == 1 && p.position == 3);
    params_accept("application/json, text/html", PARAMS_MEDIA_HTML, &p);
    assert_true(p.q == 1.0 && p.specificity == 3 && p.position == 1);
}

static void test_origin_and_header_names(void **state)
{
    char out[64];
    struct gis_error err = {0};

    (void)state;
    assert_int_equal(params_origin("https://map.example.gov.cn", &err), GIS_OK);
    assert_int_equal(params_origin("http://127.0.0.1:8080", &err), GIS_OK);
    assert_int_equal(params_origin("http://[::1]:8080", &err), GIS_OK);
    assert_int_equal(params_origin("https://map.example.org/", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("ftp://example.org", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("http://", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("http://a:123456", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("http://a b", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("null", &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_origin("*", &err), GIS_ERR_INVALID_ARG);

    assert_int_equal(params_header_names(" X-Requested-With ,Content-Type", out, sizeof out, &err),
                     GIS_OK);
    assert_string_equal(out, "x-requested-with, content-type");
    assert_int_equal(params_header_names("", out, sizeof out, &err), GIS_OK);
    assert_string_equal(out, "");
    snprintf(out, sizeof out, "untouched");
    assert_int_equal(params_header_names("x-a\r\nSet-Cookie: a=b", out, sizeof out, &err),
                     GIS_ERR_INVALID_ARG);
    assert_int_equal(params_header_names("a:b", out, sizeof out, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(params_header_names("a, b c", out, sizeof out, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(
        params_header_names("aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbb, cccccccccccc, "
                            "dddddddddd",
                            out, sizeof out, &err),
        GIS_ERR_TOO_LARGE);
    assert_string_equal(out, "untouched");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bbox),
        cmocka_unit_test(test_limit_offset),
        cmocka_unit_test(test_datetime),
        cmocka_unit_test(test_crs),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_match_reference),
        cmocka_unit_test(test_long_ring_in_place_and_at_the_cap),
        cmocka_unit_test(test_geojson_from_wkb),
        cmocka_unit_test(test_box_intersects),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_origin_and_header_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
