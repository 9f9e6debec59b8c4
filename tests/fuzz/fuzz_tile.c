/*
 * libFuzzer harness: any WKB through the tile pipeline (clip, simplify, round, orient)
 * and the MVT encoder, at a tile chosen by the first bytes. Invariants: no crash or
 * leak; output coordinates are whole numbers inside the buffered tile; rings are
 * closed with at least 4 points; exteriors have positive area; the encoder succeeds.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "geom.h"
#include "mvt.h"
#include "tilegeom.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct geom in, out;
    struct tile_frame f = {0, 0, 0, 4096, 64, 8};
    struct mvt_tile *t = NULL;
    struct mvt_layer *l = NULL;
    struct gbuf enc;
    bool is_empty;

    if (size < 3)
        return 0;
    f.z = data[0] % 16;
    f.x = (int64_t)(data[1] % (1u << (f.z < 8 ? f.z : 8)));
    f.y = (int64_t)(data[2] % (1u << (f.z < 8 ? f.z : 8)));
    geom_init(&in);
    geom_init(&out);
    gbuf_init(&enc, 1 << 24);
    if (geom_from_wkb(&in, data + 3, size - 3, NULL) == GIS_OK &&
        tilegeom_prepare(&in, &f, &out, &is_empty) == GIS_OK && !is_empty) {
        check_output(&out, &f);
        FUZZ_CHECK(mvt_tile_new(&t) == GIS_OK && mvt_layer_add(t, "l", 4096, &l) == GIS_OK);
        FUZZ_CHECK(mvt_feature_add(l, true, 1, &out, NULL, NULL, 0) == GIS_OK);
        FUZZ_CHECK(mvt_tile_encode(t, &enc) == GIS_OK && enc.len > 0);
        mvt_tile_free(t);
    }
    gbuf_free(&enc);
    geom_free(&in);
    geom_free(&out);
    return 0;
}
