/*
 * Vector tiles of a collection: /collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}
 * (OGC API - Tiles) and /tiles/{id}/{z}/{x}/{y}.mvt (the XYZ form web maps use).
 * The features come from the items query (R*Tree), tiles/ clips and encodes them.
 * An empty tile is answered 204 No Content.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "geom.h"
#include "items.h"
#include "mvt.h"
#include "tile.h"
#include "tilegeom.h"

#define TILE_EXTENT       4096
#define TILE_BUFFER       64
#define TILE_MAX_FEATURES 200000
#define TILE_MAX_BYTES    (500u * 1024u)

static bool parse_index(const char *s, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10)
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || v > max)
        return false;
    *out = v;
    return true;
}

static void set_value(struct mvt_value *mv, const struct item_value *v)
{
    memset(mv, 0, sizeof *mv);
    if (v->is_null) {
        mv->type = MVT_STRING; /* NULL s: the attribute is left out */
    } else if (v->type == PROP_INT) {
        mv->type = MVT_INT;
        mv->i = v->i;
    } else if (v->type == PROP_BOOL) {
        mv->type = MVT_BOOL;
        mv->b = v->i != 0;
    } else if (v->type == PROP_REAL) {
        mv->type = MVT_DOUBLE;
        mv->d = v->d;
    } else {
        mv->type = MVT_STRING;
        mv->s = v->text;
    }
}

/* Adds every feature of the query to layer; numeric ids become MVT ids. */
static enum gis_status fill_layer(struct items_cursor *cur,
                                  const struct layer_def *l,
                                  const struct tile_frame *f,
                                  struct mvt_layer *layer,
                                  struct gis_error *err)
{
    const char *keys[40];
    struct mvt_value vals[40];
    struct geom g, tg;
    enum gis_status rc = GIS_OK;
    struct item_value v;
    bool has_row = true, is_empty;
    size_t i, n = l->n_props < 39 ? l->n_props : 39;

    geom_init(&g);
    geom_init(&tg);
    for (i = 0; i < n; i++)
        keys[i] = l->props[i].name;
    keys[n] = "id";
    while (rc == GIS_OK && (rc = items_next(cur, &has_row, err)) == GIS_OK && has_row) {
        size_t wkb_n;
        const unsigned char *wkb = items_wkb(cur, &wkb_n);
        const char *id = items_id(cur);
        char *end;
        unsigned long long num = strtoull(id, &end, 10);
        if (!wkb || geom_from_wkb(&g, wkb, wkb_n, NULL) != GIS_OK)
            continue;
        rc = tilegeom_prepare(&g, f, &tg, &is_empty);
        if (rc != GIS_OK || is_empty)
            continue;
        for (i = 0; i < n; i++) {
            items_value(cur, i, &v);
            set_value(&vals[i], &v);
        }
        vals[n] = (struct mvt_value){.type = MVT_STRING, .s = id};
        rc = mvt_feature_add(layer, *id && !*end, num, &tg, keys, vals, n + 1);
        if (rc == GIS_OK && mvt_layer_count(layer) > TILE_MAX_FEATURES)
            rc = gis_fail(err, GIS_ERR_TOO_LARGE, "more than %d features in one tile",
                          TILE_MAX_FEATURES);
    }
    geom_free(&g);
    geom_free(&tg);
    return rc;
}

static enum gis_status render_tile(const struct api_request *req,
                                   const struct layer_def *l,
                                   int z,
                                   int64_t x,
                                   int64_t y,
                                   struct gbuf *out,
                                   struct gis_error *err)
{
    struct tile_frame f = {z, x, y, TILE_EXTENT, TILE_BUFFER, TILE_EXTENT / 512.0};
    struct items_query q = {0};
    struct items_cursor *cur = NULL;
    struct mvt_tile *t = NULL;
    struct mvt_layer *layer = NULL;
    double b[4], pad;
    enum gis_status rc;

    tile_bounds_lonlat(z, x, y, b);
    pad = (b[2] - b[0]) * TILE_BUFFER / TILE_EXTENT;
    q.layer = l;
    q.has_bbox = true;
    q.bbox[0] = b[0] - pad;
    q.bbox[1] = b[1] - pad;
    q.bbox[2] = b[2] + pad;
    q.bbox[3] = b[3] + pad;
    q.limit = -1;
    rc = items_open(api_store(req), &q, &cur, err);
    if (rc == GIS_OK)
        rc = mvt_tile_new(&t) ? gis_fail(err, GIS_ERR_NOMEM, "out of memory") : GIS_OK;
    if (rc == GIS_OK)
        rc = mvt_layer_add(t, l->id, TILE_EXTENT, &layer);
    if (rc == GIS_OK)
        rc = fill_layer(cur, l, &f, layer, err);
    if (rc == GIS_OK)
        rc = mvt_tile_encode(t, out);
    items_close(cur);
    mvt_tile_free(t);
    return rc;
}

static void serve_tile(const struct api_request *req,
                       struct api_response *res,
                       const char *coll,
                       const char *zs,
                       const char *xs,
                       const char *ys)
{
    const struct layer_def *l = layer_find(coll);
    struct gis_error err = {0};
    int64_t z, x, y, version = 0;
    char basis[256];

    if (!l) {
        api_error(res, 404, "not_found", "no such collection; see /collections");
        return;
    }
    if (!parse_index(zs, TILE_MAX_ZOOM, &z) || !parse_index(xs, INT64_MAX, &x) ||
        !parse_index(ys, INT64_MAX, &y)) {
        api_error(res, 400, "invalid_argument", "z, x and y must be whole numbers, z <= 24");
        return;
    }
    if (!tile_is_valid((int)z, x, y)) {
        api_error(res, 404, "not_found", "no such tile: x and y must be below 2^z");
        return;
    }
    if (store_data_version(api_store(req), &version, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    snprintf(basis, sizeof basis, "tile|%s|%lld|%lld|%lld|%lld", l->id, (long long)z, (long long)x,
             (long long)y, (long long)version);
    if (api_etag(req, res, basis))
        return;
    if (render_tile(req, l, (int)z, x, y, &res->body, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (res->body.len == 0) {
        res->status = 204; /* empty tile */
        return;
    }
    res->content_type = "application/vnd.mapbox-vector-tile";
}

void api_collection_tile(const struct api_request *req, struct api_response *res)
{
    if (strcmp(req->path_params[1], "WebMercatorQuad")) {
        api_error(res, 404, "not_found", "the only tile matrix set is WebMercatorQuad");
        return;
    }
    serve_tile(req, res, req->path_params[0], req->path_params[2], req->path_params[4],
               req->path_params[3]);
}

void api_xyz_tile(const struct api_request *req, struct api_response *res)
{
    char y[32];
    size_t n = strlen(req->path_params[3]);

    if (n < 5 || n >= sizeof y || strcmp(req->path_params[3] + n - 4, ".mvt")) {
        api_error(res, 404, "not_found", "tiles are /tiles/{collection}/{z}/{x}/{y}.mvt");
        return;
    }
    memcpy(y, req->path_params[3], n - 4);
    y[n - 4] = '\0';
    serve_tile(req, res, req->path_params[0], req->path_params[1], req->path_params[2], y);
}
