/*
 * libFuzzer harness: any WKB through the tile pipeline (tile source: projection,
 * junctions, ranks, index; then clip, simplify, round, orient) and the MVT encoder, at
 * a tile chosen by the first bytes. The geometry goes in twice, as two features.
 * Invariants: no crash or leak; output coordinates are whole numbers inside the
 * buffered tile; rings are closed with at least 4 points; the encoder succeeds; the
 * two copies (sharing every vertex) come out identical. Then the source is updated (the
 * first copy dropped, a third added under a new key): feature for feature the same as
 * a source built from scratch over the two left.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "geom.h"
#include "mvt.h"
#include "tile.h"
#include "tilegeom.h"
#include "tilesource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_output(const struct geom *g, const struct tile_frame *f)
{
    double lo = -(double)f->buffer, hi = (double)f->extent + f->buffer;
    bool is_polygon = g->type == GEOM_POLYGON || g->type == GEOM_MULTIPOLYGON;
    size_t i, r;

    for (i = 0; i < g->n_points; i++) {
        double x = g->coords[2 * i], y = g->coords[2 * i + 1];
        FUZZ_CHECK(x == floor(x) && y == floor(y));
        FUZZ_CHECK(x >= lo - 1 && x <= hi + 1 && y >= lo - 1 && y <= hi + 1);
    }
    for (r = 0; is_polygon && r < g->n_rings; r++) {
        size_t a = g->rings[r], b = g->rings[r + 1];
        FUZZ_CHECK(b - a >= 4);
        FUZZ_CHECK(g->coords[2 * a] == g->coords[2 * (b - 1)] &&
                   g->coords[2 * a + 1] == g->coords[2 * (b - 1) + 1]);
    }
}

static bool same_geom(const struct geom *a, const struct geom *b)
{
    return a->n_points == b->n_points && a->n_rings == b->n_rings &&
           (!a->n_points || !memcmp(a->coords, b->coords, 2 * a->n_points * sizeof(double)));
}

static void encode(const struct geom *g)
{
    struct mvt_tile *t = NULL;
    struct mvt_layer *l = NULL;
    struct gbuf enc;

    gbuf_init(&enc, 1 << 24);
    FUZZ_CHECK(mvt_tile_new(&t) == GIS_OK && mvt_layer_add(t, "l", 4096, &l) == GIS_OK);
    FUZZ_CHECK(mvt_feature_add(l, true, 1, g, NULL, NULL, 0) == GIS_OK);
    FUZZ_CHECK(mvt_tile_encode(t, &enc) == GIS_OK && enc.len > 0);
    mvt_tile_free(t);
    gbuf_free(&enc);
}

/* Both features through the tile; they must agree. */
static void render(const struct tile_source *src, const struct tile_frame *f)
{
    struct geom out[2];
    bool is_empty[2];
    size_t i;

    for (i = 0; i < 2; i++) {
        const struct tile_feature *tf = tile_source_feature(src, i);
        geom_init(&out[i]);
        FUZZ_CHECK(tilegeom_prepare(&tf->g, tf->rank, f, &out[i], &is_empty[i]) == GIS_OK);
        if (!is_empty[i])
            check_output(&out[i], f);
    }
    FUZZ_CHECK(is_empty[0] == is_empty[1] && same_geom(&out[0], &out[1]));
    if (!is_empty[0])
        encode(&out[0]);
    geom_free(&out[0]);
    geom_free(&out[1]);
}

/* One feature of a, and of b, the same: geometry, ranks, key, hash. */
static void check_same(const struct tile_source *a, const struct tile_source *b, size_t i)
{
    const struct tile_feature *x = tile_source_feature(a, i), *y = tile_source_feature(b, i);

    FUZZ_CHECK(x->key == y->key && x->hash == y->hash && same_geom(&x->g, &y->g));
    FUZZ_CHECK(!x->g.n_points || !memcmp(x->rank, y->rank, x->g.n_points * sizeof *x->rank));
}

/* src (keys 1 and 2 holding in) without 1 and with 3: as a build of keys 2 and 3. */
static void update(const struct tile_source *src, const struct geom *in, const struct mvt_value *v)
{
    static const int64_t drop[] = {1};
    const char *key = "k";
    struct tile_source *add = NULL, *got = NULL, *want = NULL;
    size_t i;

    FUZZ_CHECK(tile_source_new(&key, 1, &add) == GIS_OK);
    FUZZ_CHECK(tile_source_add(add, 3, "3", in, v) == GIS_OK);
    FUZZ_CHECK(tile_source_update(src, drop, 1, add, NULL, NULL, &got) == GIS_OK);
    FUZZ_CHECK(tile_source_new(&key, 1, &want) == GIS_OK);
    FUZZ_CHECK(tile_source_add(want, 2, "2", in, v) == GIS_OK);
    FUZZ_CHECK(tile_source_add(want, 3, "3", in, v) == GIS_OK);
    FUZZ_CHECK(tile_source_finish(want) == GIS_OK);
    FUZZ_CHECK(tile_source_count(got) == 2);
    for (i = 0; i < 2; i++)
        check_same(got, want, i);
    tile_source_free(got);
    tile_source_free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct geom in;
    struct tile_frame f = {0, 0, 0, 4096, 64, 8};
    struct tile_source *src = NULL;
    struct mvt_value v = {.type = MVT_INT, .i = 7};
    const char *key = "k";
    double b[4];
    size_t *hits = NULL, cap = 0;

    if (size < 3)
        return 0;
    f.z = data[0] % 16;
    f.x = (int64_t)(data[1] % (1u << (f.z < 8 ? f.z : 8)));
    f.y = (int64_t)(data[2] % (1u << (f.z < 8 ? f.z : 8)));
    geom_init(&in);
    if (geom_from_wkb(&in, data + 3, size - 3, NULL) == GIS_OK) {
        FUZZ_CHECK(tile_source_new(&key, 1, &src) == GIS_OK);
        FUZZ_CHECK(tile_source_add(src, 1, "1", &in, &v) == GIS_OK);
        FUZZ_CHECK(tile_source_add(src, 2, "2", &in, &v) == GIS_OK);
        FUZZ_CHECK(tile_source_finish(src) == GIS_OK);
        tile_bounds_3857(f.z, f.x, f.y, b);
        FUZZ_CHECK(tile_source_query(src, b, &hits, &cap) != (size_t)-1);
        render(src, &f);
        update(src, &in, &v);
        free(hits);
        tile_source_free(src);
    }
    geom_free(&in);
    return 0;
}
