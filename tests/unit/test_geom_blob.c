/*
 * Unit tests of geom_from_spatialite (common/geom_blob.c) against SpatiaLite itself: for
 * every geometry type, with Z, M and ZM, plain and compressed, the BLOB SpatiaLite
 * stores decodes to exactly what SpatiaLite's own AsBinary gives through the WKB reader.
 * Plus a hand-made big-endian BLOB, the header box, and malformed input (every
 * truncation, wrong markers, collections) refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <sqlite3.h>
/* spatialite.h needs sqlite3.h first. */
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom.h"

struct oracle {
    sqlite3 *db;
    void *cache;
};

static int setup(void **state)
{
    struct oracle *o = calloc(1, sizeof *o);

    if (!o || sqlite3_open(":memory:", &o->db) != SQLITE_OK)
        return -1;
    o->cache = spatialite_alloc_connection();
    spatialite_init_ex(o->db, o->cache, 0);
    *state = o;
    return 0;
}

static int teardown(void **state)
{
    struct oracle *o = *state;

    sqlite3_close(o->db);
    spatialite_cleanup_ex(o->cache);
    free(o);
    return 0;
}

static void assert_same_geom(const struct geom *a, const struct geom *b)
{
    size_t i;

    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n_points, b->n_points);
    assert_int_equal(a->n_rings, b->n_rings);
    assert_int_equal(a->n_parts, b->n_parts);
    for (i = 0; i < 2 * a->n_points; i++)
        assert_true(a->coords[i] == b->coords[i]);
    for (i = 0; i <= a->n_rings; i++)
        assert_int_equal(a->rings[i], b->rings[i]);
    for (i = 0; i <= a->n_parts; i++)
        assert_int_equal(a->parts[i], b->parts[i]);
}

/* expr: an SQL expression of ?1 (the WKT) giving a stored geometry. */
static void check_against_spatialite(struct oracle *o, const char *expr, const char *wkt)
{
    char sql[256];
    sqlite3_stmt *s;
    struct geom from_blob, from_wkb;
    struct gis_error err = {0};
    const unsigned char *blob, *wkb;
    double box[4], bb[4];

    snprintf(sql, sizeof sql, "SELECT %s, AsBinary(%s)", expr, expr);
    assert_int_equal(sqlite3_prepare_v2(o->db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, wkt, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    blob = sqlite3_column_blob(s, 0);
    wkb = sqlite3_column_blob(s, 1);
    if (!blob || !wkb)
        fail_msg("SpatiaLite made no geometry of %s", wkt);
    geom_init(&from_blob);
    geom_init(&from_wkb);
    assert_int_equal(geom_from_wkb(&from_wkb, wkb, (size_t)sqlite3_column_bytes(s, 1), &err),
                     GIS_OK);
    if (geom_from_spatialite(&from_blob, blob, (size_t)sqlite3_column_bytes(s, 0), &err) != GIS_OK)
        fail_msg("%s of %s: %s", expr, wkt, err.msg);
    assert_same_geom(&from_blob, &from_wkb);
    assert_true(geom_spatialite_box(blob, (size_t)sqlite3_column_bytes(s, 0), box));
    geom_bbox(&from_wkb, bb);
    assert_true(box[0] == bb[0] && box[1] == bb[1] && box[2] == bb[2] && box[3] == bb[3]);
    geom_free(&from_blob);
    geom_free(&from_wkb);
    sqlite3_finalize(s);
}

static const char *const WKTS[] = {
    "POINT(109.49 36.59)",
    "LINESTRING(109 36, 109.5 36.25, 110 36.1, 110.2 36.9)",
    "POLYGON((109 36, 110 36, 110 37, 109 37, 109 36),"
    "(109.2 36.2, 109.4 36.2, 109.4 36.4, 109.2 36.2))",
    "MULTIPOINT((109 36), (110.5 37.25))",
    "MULTILINESTRING((109 36, 110 37), (111 38, 111.5 38.5, 112 38))",
    "MULTIPOLYGON(((109 36, 110 36, 110 37, 109 36)),"
    "((111 38, 112 38, 112 39, 111 39, 111 38), (111.2 38.2, 111.5 38.2, 111.5 38.5, 111.2 38.2)))",
    "POINT Z(109.49 36.59 800)",
    "LINESTRING M(109 36 1, 109.5 36.25 2, 110 36.1 3)",
    "POLYGON ZM((109 36 1 5, 110 36 2 6, 110 37 3 7, 109 37 4 8, 109 36 1 5))",
    "MULTIPOLYGON Z(((109 36 1, 110 36 2, 110 37 3, 109 36 1)))",
    "MULTILINESTRING ZM((109 36 1 2, 109.3 36.1 3 4, 110 37 5 6))",
};

static void test_every_type_matches_spatialite(void **state)
{
    size_t i;

    for (i = 0; i < sizeof WKTS / sizeof *WKTS; i++) {
        check_against_spatialite(*state, "GeomFromText(?1, 4326)", WKTS[i]);
        /* Compressed rings: inner vertices as float offsets. */
        check_against_spatialite(*state, "CompressGeometry(GeomFromText(?1, 4326))", WKTS[i]);
    }
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, double d)
{
    unsigned char b[8];
    int i;

    memcpy(b, &d, 8);
    for (i = 0; i < 8; i++)
        p[i] = b[7 - i];
}

static void test_big_endian_line(void **state)
{
    const double xy[] = {109.25, 36.5, 110.75, 37.125};
    unsigned char b[43 + 4 + 32 + 1];
    struct geom g;
    struct gis_error err = {0};
    int i;

    (void)state;
    memset(b, 0, sizeof b);
    b[1] = 0; /* big-endian */
    put_be32(b + 2, 4326);
    put_be64(b + 6, 109.25);
    put_be64(b + 14, 36.5);
    put_be64(b + 22, 110.75);
    put_be64(b + 30, 37.125);
    b[38] = 0x7C;
    put_be32(b + 39, GEOM_LINESTRING);
    put_be32(b + 43, 2);
    for (i = 0; i < 4; i++)
        put_be64(b + 47 + 8 * i, xy[i]);
    b[sizeof b - 1] = 0xFE;
    geom_init(&g);
    assert_int_equal(geom_from_spatialite(&g, b, sizeof b, &err), GIS_OK);
    assert_int_equal(g.type, GEOM_LINESTRING);
    assert_int_equal(g.n_points, 2);
    for (i = 0; i < 4; i++)
        assert_true(g.coords[i] == xy[i]);
    geom_free(&g);
}

static void test_malformed_refused(void **state)
{
    struct oracle *o = *state;
    sqlite3_stmt *s;
    unsigned char *copy;
    struct geom g;
    struct gis_error err = {0};
    size_t n, k;

    geom_init(&g);
    assert_int_equal(sqlite3_prepare_v2(o->db,
                                        "SELECT GeomFromText(?1, 4326), "
                                        "GeomFromText('GEOMETRYCOLLECTION(POINT(1 2))', 4326)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, WKTS[5], -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = (size_t)sqlite3_column_bytes(s, 0);
    copy = malloc(n);
    assert_non_null(copy);
    /* Every truncation (with the end marker put back, so only the counts can tell). */
    for (k = 0; k < n; k++) {
        memcpy(copy, sqlite3_column_blob(s, 0), k);
        if (k > 0)
            copy[k - 1] = 0xFE;
        assert_int_equal(geom_from_spatialite(&g, copy, k, NULL), GIS_ERR_GEOMETRY);
    }
    memcpy(copy, sqlite3_column_blob(s, 0), n);
    copy[38] = 0; /* the box's end marker */
    assert_int_equal(geom_from_spatialite(&g, copy, n, NULL), GIS_ERR_GEOMETRY);
    memcpy(copy, sqlite3_column_blob(s, 0), n);
    copy[47] = 0x70; /* the first part's entity marker */
    assert_int_equal(geom_from_spatialite(&g, copy, n, NULL), GIS_ERR_GEOMETRY);
    assert_int_equal(geom_from_spatialite(&g, sqlite3_column_blob(s, 1),
                                          (size_t)sqlite3_column_bytes(s, 1), &err),
                     GIS_ERR_GEOMETRY);
    assert_non_null(strstr(err.msg, "class 7"));
    assert_int_equal(geom_from_spatialite(&g, NULL, 0, NULL), GIS_ERR_GEOMETRY);
    free(copy);
    sqlite3_finalize(s);
    geom_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_matches_spatialite),
        cmocka_unit_test(test_big_endian_line),
        cmocka_unit_test(test_malformed_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
