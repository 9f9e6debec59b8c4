/* Unit tests of tiles/: WebMercatorQuad math, the protobuf writer, the MVT encoder
 * (against the specification's own examples) and tile geometry preparation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "mvt.h"
#include "pbf.h"
#include "pmtiles.h"
#include "tile.h"
#include "tilecache.h"
#include "tilegeom.h"
#include "tilesource.h"

/* g (lon/lat) through a one-feature tile source and tilegeom_prepare. */
static enum gis_status
prepare_lonlat(const struct geom *g, const struct tile_frame *f, struct geom *out, bool *is_empty)
{
    struct tile_source *src = NULL;
    const struct tile_feature *tf;
    enum gis_status rc;

    assert_int_equal(tile_source_new(NULL, 0, &src), GIS_OK);
    assert_int_equal(tile_source_add(src, 1, "1", g, NULL), GIS_OK);
    assert_int_equal(tile_source_finish(src), GIS_OK);
    tf = tile_source_feature(src, 0);
    rc = tilegeom_prepare(&tf->g, tf->rank, f, out, is_empty);
    tile_source_free(src);
    return rc;
}

static void test_tile_math(void **state)
{
    double b[4], x, y, lon, lat;

    (void)state;
    tile_bounds_3857(0, 0, 0, b);
    assert_true(fabs(b[0] + 20037508.342789244) < 1e-6 && fabs(b[3] - 20037508.342789244) < 1e-6);
    tile_bounds_3857(1, 1, 0, b); /* the north-east quarter */
    assert_true(b[0] == 0 && fabs(b[2] - 20037508.342789244) < 1e-6 && b[1] == 0);
    tile_bounds_lonlat(1, 0, 1, b);
    assert_true(fabs(b[0] + 180) < 1e-9 && fabs(b[1] + 85.0511287798) < 1e-9 && b[2] == 0);
    tile_lonlat_to_3857(109.49, 36.6, &x, &y);
    tile_3857_to_lonlat(x, y, &lon, &lat);
    assert_true(fabs(lon - 109.49) < 1e-12 && fabs(lat - 36.6) < 1e-12);
    assert_true(tile_is_valid(22, 3293 << 10, 1599 << 10));
    assert_false(tile_is_valid(3, 8, 0));
    assert_false(tile_is_valid(25, 0, 0));
    assert_false(tile_is_valid(-1, 0, 0));
}

static void test_pbf(void **state)
{
    struct gbuf b;

    (void)state;
    gbuf_init(&b, 64);
    pbf_varint(&b, 300); /* the protobuf documentation's example: AC 02 */
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.data, "\xac\x02", 2);
    assert_int_equal(pbf_zigzag32(-1), 1);
    assert_int_equal(pbf_zigzag32(1), 2);
    assert_int_equal(pbf_zigzag32(-2), 3);
    gbuf_free(&b);
}

/* The MVT specification, 4.3.5.1: a point at (25, 17) encodes as [9, 50, 34]. */
static void test_mvt_point_example(void **state)
{
    double coords[] = {25, 17};
    size_t rings[] = {0, 1}, parts[] = {0, 1};
    struct geom g = {GEOM_POINT, coords, 1, rings, 1, parts, 1, 0, 0, 0};
    struct mvt_tile *t;
    struct mvt_layer *l;
    struct mvt_value v = {MVT_STRING, "宝塔区", 0, 0, false};
    const char *key = "name";
    struct gbuf out;

    (void)state;
    gbuf_init(&out, 4096);
    assert_int_equal(mvt_tile_new(&t), GIS_OK);
    assert_int_equal(mvt_layer_add(t, "points", 4096, &l), GIS_OK);
    assert_int_equal(mvt_feature_add(l, true, 7, &g, &key, &v, 1), GIS_OK);
    assert_int_equal(mvt_feature_add(l, false, 0, &g, &key, &v, 1), GIS_OK);
    assert_int_equal(mvt_tile_encode(t, &out), GIS_OK);
    /* geometry field 4, length 3, commands 9 50 34 */
    assert_non_null(memmem(out.data, out.len, "\x22\x03\x09\x32\x22", 5));
    /* the key and the value are stored once for both features */
    assert_non_null(memmem(out.data, out.len, "\x1a\x04name", 6));
    assert_null(memmem((char *)memmem(out.data, out.len, "\x1a\x04name", 6) + 6, 16, "name", 4));
    mvt_tile_free(t);
    gbuf_free(&out);
}

/* How many times needle (n bytes) occurs in the encoded tile. */
static size_t count_in(const struct gbuf *b, const void *needle, size_t n)
{
    size_t count = 0;
    const char *at = b->data, *end = b->data + b->len;

    while (at < end && (at = memmem(at, (size_t)(end - at), needle, n)) != NULL) {
        count++;
        at++;
    }
    return count;
}

/* Values are one table entry per type and value: the string "1", the int 1, the
 * double 1 and true are four; a repeat of any is not stored again. Keys are one entry
 * each, whichever key array names them and in the order first used. */
static void test_mvt_values_by_type_keys_once(void **state)
{
    double coords[] = {25, 17};
    size_t rings[] = {0, 1}, parts[] = {0, 1};
    struct geom g = {GEOM_POINT, coords, 1, rings, 1, parts, 1, 0, 0, 0};
    const char *keys_a[] = {"s", "i", "d", "b"}, *keys_b[] = {"d", "code"};
    struct mvt_value va[] = {{MVT_STRING, "1", 0, 0, false},
                             {MVT_INT, NULL, 1, 0, false},
                             {MVT_DOUBLE, NULL, 0, 1.0, false},
                             {MVT_BOOL, NULL, 0, 0, true}};
    struct mvt_value vb[] = {{MVT_DOUBLE, NULL, 0, 1.0, false}, {MVT_STRING, NULL, 0, 0, false}};
    struct mvt_tile *t;
    struct mvt_layer *l;
    struct gbuf out;
    int k;

    (void)state;
    gbuf_init(&out, 1 << 16);
    assert_int_equal(mvt_tile_new(&t), GIS_OK);
    assert_int_equal(mvt_layer_add(t, "l", 4096, &l), GIS_OK);
    for (k = 0; k < 3; k++)
        assert_int_equal(mvt_feature_add(l, false, 0, &g, keys_a, va, 4), GIS_OK);
    /* Another array (as another source's), its NULL string left out with its key. */
    assert_int_equal(mvt_feature_add(l, false, 0, &g, keys_b, vb, 2), GIS_OK);
    assert_int_equal(mvt_feature_add(l, false, 0, &g, keys_a, va, 4), GIS_OK);
    assert_int_equal(mvt_layer_count(l), 5);
    assert_int_equal(mvt_tile_encode(t, &out), GIS_OK);
    /* Keys (field 3): s i d b once each, code never used. */
    assert_int_equal(count_in(&out, "\x1a\x01s", 3), 1);
    assert_int_equal(count_in(&out, "\x1a\x01i", 3), 1);
    assert_int_equal(count_in(&out,
                              "\x1a\x01"
                              "d",
                              3),
                     1);
    assert_int_equal(count_in(&out,
                              "\x1a\x01"
                              "b",
                              3),
                     1);
    assert_int_equal(count_in(&out, "code", 4), 0);
    /* Values (field 4): the string "1", the int 1 (zigzag 2), the double 1, true. */
    assert_int_equal(count_in(&out, "\x22\x03\x0a\x01\x31", 5), 1);
    assert_int_equal(count_in(&out, "\x22\x02\x30\x02", 4), 1);
    assert_int_equal(count_in(&out, "\x22\x09\x19\x00\x00\x00\x00\x00\x00\xf0\x3f", 11), 1);
    assert_int_equal(count_in(&out, "\x22\x02\x38\x01", 4), 1);
    /* Tags: keys 0-3 with values 0-3 for the first array; the second's d is key 2,
     * its double value 2. */
    assert_int_equal(count_in(&out, "\x12\x08\x00\x00\x01\x01\x02\x02\x03\x03", 10), 4);
    assert_int_equal(count_in(&out, "\x12\x02\x02\x02", 4), 1);
    mvt_tile_free(t);
    gbuf_free(&out);
}

/* A polygon under twice the tolerance each way is what tilegeom_prepare drops, and
 * tilegeom_is_subpixel says so from its box alone; just over, it is kept and it is not
 * said to be. A line of that size is never called sub-pixel. */
static void test_subpixel_polygons(void **state)
{
    struct tile_frame f = {10, 823, 396, 4096, 64, 8};
    double b[4], unit, coords[10], box[4];
    size_t rings[] = {0, 5}, parts[] = {0, 1};
    struct geom g = {GEOM_POLYGON, coords, 5, rings, 1, parts, 1, 0, 0, 0}, out;
    bool is_empty;
    int k;

    (void)state;
    geom_init(&out);
    tile_bounds_3857(f.z, f.x, f.y, b);
    unit = (b[2] - b[0]) / 4096; /* metres per tile unit */
    for (k = 0; k < 2; k++) {
        double side = (k ? 2.2 : 1.8) * f.tolerance * unit, x0 = b[0] + 1000 * unit,
               y0 = b[1] + 1000 * unit;
        double ring[] = {x0, y0, x0 + side, y0, x0 + side, y0 + side, x0, y0 + side, x0, y0};

        memcpy(coords, ring, sizeof ring);
        geom_bbox(&g, box);
        assert_int_equal(tilegeom_prepare(&g, NULL, &f, &out, &is_empty), GIS_OK);
        assert_int_equal(is_empty, !k);
        assert_int_equal(tilegeom_is_subpixel(&g, box, &f), !k);
    }
    g.type = GEOM_LINESTRING;
    assert_false(tilegeom_is_subpixel(&g, box, &f));
    geom_free(&out);
}

static void test_polygon_clipped_and_oriented(void **state)
{
    /* A lon/lat square around the tile 1/1/0's south-west corner (lon 0, lat 0), drawn
     * counter-clockwise in lon/lat: in tile space it must come out clockwise. */
    double coords[] = {-10, -10, 10, -10, 10, 10, -10, 10, -10, -10};
    size_t rings[] = {0, 5}, parts[] = {0, 1};
    struct geom g = {GEOM_POLYGON, coords, 5, rings, 1, parts, 1, 0, 0, 0}, out;
    struct tile_frame f = {1, 1, 0, 4096, 64, 8};
    double area = 0;
    bool is_empty;
    size_t i;

    (void)state;
    geom_init(&out);
    assert_int_equal(prepare_lonlat(&g, &f, &out, &is_empty), GIS_OK);
    assert_false(is_empty);
    for (i = 0; i < out.n_points; i++) {
        assert_true(out.coords[2 * i] >= -64 && out.coords[2 * i] <= 4160);
        assert_true(out.coords[2 * i + 1] >= -64 && out.coords[2 * i + 1] <= 4160);
        assert_true(out.coords[2 * i] == floor(out.coords[2 * i]));
    }
    for (i = 0; i + 1 < out.n_points; i++)
        area += out.coords[2 * i] * out.coords[2 * i + 3] -
                out.coords[2 * i + 2] * out.coords[2 * i + 1];
    assert_true(area > 0);
    /* A square far outside the tile leaves nothing. */
    for (i = 0; i < 10; i += 2)
        coords[i] -= 100;
    assert_int_equal(prepare_lonlat(&g, &f, &out, &is_empty), GIS_OK);
    assert_true(is_empty);
    geom_free(&out);
}

static struct tilecache_key key_of(const char *ts, int z, int64_t x, int64_t y)
{
    return (struct tilecache_key){ts, z, x, y};
}

static void test_cache_lru(void **state)
{
    struct tilecache *c;
    struct tilecache_stats st;
    struct gbuf out;
    struct tilecache_key a = key_of("a", 1, 0, 0), b = key_of("b", 1, 0, 0),
                         cc = key_of("c", 1, 0, 0), d = key_of("d", 1, 0, 0);
    struct tilecache_hit hit = {0};
    uint64_t e;
    char blob[100];

    (void)state;
    memset(blob, 'x', sizeof blob);
    gbuf_init(&out, 1024);
    assert_int_equal(tilecache_new(325, &c), GIS_OK); /* three 100+7-byte entries fill it */
    e = tilecache_epoch(c);
    tilecache_put(c, &a, &(struct tilecache_tile){blob, 100, NULL, 0, 11}, e);
    tilecache_put(c, &b, &(struct tilecache_tile){blob, 100, NULL, 0, 12}, e);
    tilecache_put(c, &cc, &(struct tilecache_tile){blob, 100, NULL, 0, 13}, e);
    assert_true(tilecache_get(c, &a, false, &out, &hit)); /* a is now the most recent */
    assert_int_equal(out.len, 100);
    assert_int_equal(hit.tag, 11);
    tilecache_put(c, &d, &(struct tilecache_tile){"", 0, NULL, 0, 14},
                  e); /* an empty tile: evicts b */
    assert_false(tilecache_get(c, &b, false, &out, &hit));
    assert_true(tilecache_get(c, &cc, false, &out, &hit));
    gbuf_reset(&out);
    assert_true(tilecache_get(c, &d, false, &out, &hit)); /* a hit with no bytes */
    assert_int_equal(out.len, 0);
    tilecache_stats(c, &st);
    assert_true(st.bytes <= 325);
    assert_int_equal(st.misses, 1);
    /* With a gzip form: served when asked for, the plain bytes otherwise. */
    tilecache_put(c, &a, &(struct tilecache_tile){"plain", 5, "gz!", 3, 15}, e);
    gbuf_reset(&out);
    assert_true(tilecache_get(c, &a, true, &out, &hit));
    assert_true(hit.is_gzip && out.len == 3 && !memcmp(out.data, "gz!", 3));
    gbuf_reset(&out);
    assert_true(tilecache_get(c, &a, false, &out, &hit));
    assert_true(!hit.is_gzip && out.len == 5 && !memcmp(out.data, "plain", 5));
    gbuf_reset(&out);
    assert_true(tilecache_get(c, &d, true, &out, &hit)); /* none stored: the plain bytes */
    assert_false(hit.is_gzip);
    tilecache_free(c);
    gbuf_free(&out);
}

/* Invalidation drops the tiles whose buffered bounds meet a changed box, any zoom,
 * and keeps the rest; a tile rendered before an invalidation is not stored after it. */
static void test_cache_invalidate_by_bounds(void **state)
{
    struct tilecache *c;
    struct gbuf out;
    double b[4], box[1][4];
    struct tilecache_hit hit;
    uint64_t e;
    int64_t x, y;

    (void)state;
    gbuf_init(&out, 1024);
    assert_int_equal(tilecache_new(1 << 20, &c), GIS_OK);
    e = tilecache_epoch(c);
    for (x = 100; x < 104; x++)
        for (y = 200; y < 204; y++)
            tilecache_put(c, &(struct tilecache_key){"t", 10, x, y},
                          &(struct tilecache_tile){"x", 1, NULL, 0, 1}, e);
    tilecache_put(c, &(struct tilecache_key){"t", 8, 25, 50},
                  &(struct tilecache_tile){"x", 1, NULL, 0, 1}, e); /* covers them */
    tile_bounds_3857(10, 101, 201, b);
    /* A point well inside tile 101/201: that tile and its parent go, neighbours stay. */
    box[0][0] = box[0][2] = (b[0] + b[2]) / 2;
    box[0][1] = box[0][3] = (b[1] + b[3]) / 2;
    assert_int_equal(tilecache_invalidate(c, NULL, 0, (const double(*)[4])box, 1, 64.0 / 4096), 2);
    assert_false(tilecache_get(c, &(struct tilecache_key){"t", 10, 101, 201}, false, &out, &hit));
    assert_false(tilecache_get(c, &(struct tilecache_key){"t", 8, 25, 50}, false, &out, &hit));
    assert_true(tilecache_get(c, &(struct tilecache_key){"t", 10, 102, 201}, false, &out, &hit));
    assert_true(tilecache_get(c, &(struct tilecache_key){"t", 10, 101, 202}, false, &out, &hit));
    /* A point on the corner 101/201 shares with three others reaches those three, of the
     * tileset named only (not "tt", nor "u"). */
    box[0][0] = box[0][2] = b[2];
    box[0][1] = box[0][3] = b[1];
    tilecache_put(c, &(struct tilecache_key){"tt", 10, 102, 202},
                  &(struct tilecache_tile){"x", 1, NULL, 0, 1}, tilecache_epoch(c));
    tilecache_put(c, &(struct tilecache_key){"u", 10, 102, 202},
                  &(struct tilecache_tile){"x", 1, NULL, 0, 1}, tilecache_epoch(c));
    assert_int_equal(tilecache_invalidate(c, (const char *const[]){"t", "v"}, 2,
                                          (const double(*)[4])box, 1, 64.0 / 4096),
                     3);
    assert_true(tilecache_get(c, &(struct tilecache_key){"tt", 10, 102, 202}, false, &out, &hit));
    assert_true(tilecache_get(c, &(struct tilecache_key){"u", 10, 102, 202}, false, &out, &hit));
    assert_false(tilecache_get(c, &(struct tilecache_key){"t", 10, 102, 202}, false, &out, &hit));
    /* Rendered at epoch e, stored after the invalidations: refused. */
    tilecache_put(c, &(struct tilecache_key){"t", 10, 101, 201},
                  &(struct tilecache_tile){"x", 1, NULL, 0, 1}, e);
    assert_false(tilecache_get(c, &(struct tilecache_key){"t", 10, 101, 201}, false, &out, &hit));
    tilecache_put(c, &(struct tilecache_key){"t", 10, 101, 201},
                  &(struct tilecache_tile){"x", 1, NULL, 0, 1}, tilecache_epoch(c));
    assert_true(tilecache_get(c, &(struct tilecache_key){"t", 10, 101, 201}, false, &out, &hit));
    tilecache_free(c);
    gbuf_free(&out);
}

/* PMTiles v3 tile ids: zoom levels in order, each along a Hilbert curve (the spec's
 * z1 example: (0,0) 1, (0,1) 2, (1,1) 3, (1,0) 4). */
static void test_pmtiles_tile_ids(void **state)
{
    (void)state;
    assert_int_equal(pmtiles_tile_id(0, 0, 0), 0);
    assert_int_equal(pmtiles_tile_id(1, 0, 0), 1);
    assert_int_equal(pmtiles_tile_id(1, 0, 1), 2);
    assert_int_equal(pmtiles_tile_id(1, 1, 1), 3);
    assert_int_equal(pmtiles_tile_id(1, 1, 0), 4);
    assert_int_equal(pmtiles_tile_id(2, 0, 0), 5);
    assert_int_equal(pmtiles_tile_id(3, 7, 0), 1 + 4 + 16 + 63);
    assert_int_equal(pmtiles_tile_id(12, 3423, 1763), 19078479);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_math),
        cmocka_unit_test(test_pbf),
        cmocka_unit_test(test_mvt_point_example),
        cmocka_unit_test(test_mvt_values_by_type_keys_once),
        cmocka_unit_test(test_subpixel_polygons),
        cmocka_unit_test(test_polygon_clipped_and_oriented),
        cmocka_unit_test(test_cache_lru),
        cmocka_unit_test(test_cache_invalidate_by_bounds),
        cmocka_unit_test(test_pmtiles_tile_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
