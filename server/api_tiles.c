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
#include "coverage_layer.h"
#include "geom.h"
#include "items.h"
#include "mvt.h"
#include "tile.h"
#include "tilecache.h"
#include "tilegeom.h"

#define TILE_EXTENT       4096
#define TILE_BUFFER       64
#define TILE_MAX_FEATURES 200000
#define TILE_MAX_BYTES    (500u * 1024u)

/* A tileset: layers of collections, each shown from its own minimum zoom. One per
 * collection (all zooms), and "civgis", the combined base map. */
struct tileset_layer {
    const char *collection;
    int minzoom;
};

struct tileset {
    const char *id, *title;
    struct tileset_layer layers[4];
    size_t n_layers;
};

static const struct tileset COMBINED = {
    "civgis",
    "Divisions and facilities",
    {{"counties", 0}, {"townships", 6}, {"villages", 9}, {"facilities", 8}},
    4,
};

/* The tileset named id: "civgis" or a collection's (filled into *one). */
static const struct tileset *
find_tileset(struct store *st, const char *id, struct tileset *one, struct layer_scratch *scratch)
{
    const struct layer_def *l;

    if (!strcmp(id, COMBINED.id))
        return &COMBINED;
    l = layer_resolve(st, id, scratch);
    if (!l || coverage_layer_prepare(st, l->id, NULL) != GIS_OK)
        return NULL;
    *one = (struct tileset){l->id, l->title, {{l->id, 0}}, 1};
    return one;
}

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
                                  size_t max_features,
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
    while (rc == GIS_OK && mvt_layer_count(layer) < max_features &&
           (rc = items_next(cur, &has_row, err)) == GIS_OK && has_row) {
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
    }
    geom_free(&g);
    geom_free(&tg);
    return rc;
}

/* Encodes every layer of ts visible at z into out (nothing when all are empty). */
struct tile_job {
    int z;
    int64_t x, y;
    double tolerance;    /* tile units */
    size_t max_features; /* per layer */
};

static enum gis_status render_tile(const struct api_request *req,
                                   const struct tileset *ts,
                                   const struct tile_job *job,
                                   struct gbuf *out,
                                   struct gis_error *err)
{
    int z = job->z;
    int64_t x = job->x, y = job->y;
    struct tile_frame f = {z, x, y, TILE_EXTENT, TILE_BUFFER, job->tolerance};
    struct mvt_tile *t = NULL;
    double b[4], pad;
    enum gis_status rc = mvt_tile_new(&t) ? gis_fail(err, GIS_ERR_NOMEM, "out of memory") : GIS_OK;
    size_t i;

    tile_bounds_lonlat(z, x, y, b);
    pad = (b[2] - b[0]) * TILE_BUFFER / TILE_EXTENT;
    for (i = 0; i < ts->n_layers && rc == GIS_OK; i++) {
        struct layer_scratch scratch;
        const struct layer_def *l =
            layer_resolve(api_store(req), ts->layers[i].collection, &scratch);
        struct items_query q = {0};
        struct items_cursor *cur = NULL;
        struct mvt_layer *layer = NULL;
        if (!l || z < ts->layers[i].minzoom)
            continue;
        q.layer = l;
        q.has_bbox = true;
        q.bbox[0] = b[0] - pad;
        q.bbox[1] = b[1] - pad;
        q.bbox[2] = b[2] + pad;
        q.bbox[3] = b[3] + pad;
        q.limit = -1;
        rc = items_open(api_store(req), &q, &cur, err);
        if (rc == GIS_OK)
            rc = mvt_layer_add(t, l->id, TILE_EXTENT, &layer);
        if (rc == GIS_OK)
            rc = fill_layer(cur, l, &f, job->max_features, layer, err);
        items_close(cur);
    }
    if (rc == GIS_OK)
        rc = mvt_tile_encode(t, out);
    mvt_tile_free(t);
    return rc;
}

/* Renders within TILE_MAX_BYTES: first at about half a pixel of simplification, then
 * coarser (2, 8, 32 pixels), then with fewer features per layer (the first ones by id),
 * saying what was done in X-Tile-Simplified. */
static enum gis_status render_guarded(const struct api_request *req,
                                      const struct tileset *ts,
                                      int z,
                                      int64_t x,
                                      int64_t y,
                                      struct api_response *res,
                                      struct gis_error *err)
{
    static const double factors[] = {1, 4, 16, 64};
    struct tile_job job = {z, x, y, TILE_EXTENT / 512.0, TILE_MAX_FEATURES};
    enum gis_status rc = GIS_OK;
    char note[80] = "";
    size_t i;

    for (i = 0; rc == GIS_OK; i++) {
        gbuf_reset(&res->body);
        if (i < 4)
            job.tolerance = TILE_EXTENT / 512.0 * factors[i];
        else
            job.max_features = job.max_features > 1 ? job.max_features / 2 : 0;
        rc = render_tile(req, ts, &job, &res->body, err);
        if (rc != GIS_OK || res->body.len <= TILE_MAX_BYTES)
            break;
        snprintf(note, sizeof note, "tolerance=%g; max_features=%zu", job.tolerance,
                 job.max_features);
    }
    if (rc == GIS_OK && note[0])
        api_header_add(res, "X-Tile-Simplified", note);
    return rc;
}

static void serve_tile(const struct api_request *req,
                       struct api_response *res,
                       const char *coll,
                       const char *zs,
                       const char *xs,
                       const char *ys)
{
    struct tileset one;
    struct layer_scratch scratch;
    const struct tileset *ts = find_tileset(api_store(req), coll, &one, &scratch);
    struct gis_error err = {0};
    int64_t z, x, y, version = 0;
    char basis[256];

    if (!ts) {
        api_error(res, 404, "not_found", "no such tileset; see /tiles");
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
    snprintf(basis, sizeof basis, "tile|%s|%lld|%lld|%lld|%lld", ts->id, (long long)z, (long long)x,
             (long long)y, (long long)version);
    if (api_etag(req, res, basis))
        return;
    /* The ETag basis names the tile and the data version: the cache key too. */
    if (!req->tiles || !tilecache_get(req->tiles, basis, &res->body)) {
        if (render_guarded(req, ts, (int)z, x, y, res, &err) != GIS_OK) {
            api_fail(res, &err);
            return;
        }
        if (req->tiles)
            tilecache_put(req->tiles, basis, res->body.data, res->body.len);
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

/* ---------------------------------------------------------------- metadata */

static const char *field_type(enum prop_type t)
{
    return t == PROP_INT || t == PROP_REAL ? "Number" : t == PROP_BOOL ? "Boolean" : "String";
}

static cJSON *tilejson(const struct api_request *req, const struct tileset *ts)
{
    cJSON *j = cJSON_CreateObject(), *tiles, *layers, *bounds, *center;
    struct layer_stats st = {0};
    char base[160], url[300];
    size_t i, k;

    api_base_url(req, base, sizeof base);
    cJSON_AddStringToObject(j, "tilejson", "3.0.0");
    cJSON_AddStringToObject(j, "name", ts->id);
    cJSON_AddStringToObject(j, "description", ts->title);
    cJSON_AddStringToObject(j, "version", "1.0.0");
    cJSON_AddStringToObject(j, "scheme", "xyz");
    tiles = cJSON_AddArrayToObject(j, "tiles");
    snprintf(url, sizeof url, "%s/tiles/%s/{z}/{x}/{y}.mvt", base, ts->id);
    cJSON_AddItemToArray(tiles, cJSON_CreateString(url));
    cJSON_AddNumberToObject(j, "minzoom", 0);
    cJSON_AddNumberToObject(j, "maxzoom", 22);
    layers = cJSON_AddArrayToObject(j, "vector_layers");
    for (i = 0; i < ts->n_layers; i++) {
        struct layer_scratch scratch;
        const struct layer_def *l =
            layer_resolve(api_store(req), ts->layers[i].collection, &scratch);
        cJSON *vl = cJSON_CreateObject(), *fields = cJSON_AddObjectToObject(vl, "fields");
        cJSON_AddStringToObject(vl, "id", l->id);
        cJSON_AddStringToObject(vl, "description", l->description);
        cJSON_AddNumberToObject(vl, "minzoom", ts->layers[i].minzoom);
        cJSON_AddNumberToObject(vl, "maxzoom", 22);
        for (k = 0; k < l->n_props; k++)
            cJSON_AddStringToObject(fields, l->props[k].name, field_type(l->props[k].type));
        cJSON_AddStringToObject(fields, "id", "String");
        cJSON_AddItemToArray(layers, vl);
        if (i == 0)
            layer_stats(api_store(req), l, &st, NULL);
    }
    if (st.has_extent) {
        bounds = cJSON_AddArrayToObject(j, "bounds");
        for (k = 0; k < 4; k++)
            cJSON_AddItemToArray(bounds, cJSON_CreateNumber(st.bbox[k]));
        center = cJSON_AddArrayToObject(j, "center");
        cJSON_AddItemToArray(center, cJSON_CreateNumber((st.bbox[0] + st.bbox[2]) / 2));
        cJSON_AddItemToArray(center, cJSON_CreateNumber((st.bbox[1] + st.bbox[3]) / 2));
        cJSON_AddItemToArray(center, cJSON_CreateNumber(8));
    }
    return j;
}

/* /tiles: every tileset. */
void api_tilesets(const struct api_request *req, struct api_response *res)
{
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "tilesets");
    struct tileset one;
    struct layer_scratch scratch;
    char base[160], href[300];
    size_t i;

    api_base_url(req, base, sizeof base);
    for (i = 0; i <= layer_count(); i++) {
        const struct tileset *ts =
            i == 0 ? &COMBINED : find_tileset(api_store(req), layer_at(i - 1)->id, &one, &scratch);
        cJSON *t = cJSON_CreateObject(), *links = cJSON_AddArrayToObject(t, "links");
        cJSON_AddStringToObject(t, "id", ts->id);
        cJSON_AddStringToObject(t, "title", ts->title);
        cJSON_AddStringToObject(t, "dataType", "vector");
        cJSON_AddStringToObject(t, "tileMatrixSetURI",
                                "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad");
        snprintf(href, sizeof href, "%s/tiles/%s.json", base, ts->id);
        cJSON_AddItemToArray(links, api_link(href, "describedby", "application/json", "TileJSON"));
        snprintf(href, sizeof href, "%s/tiles/%s/{z}/{x}/{y}.mvt", base, ts->id);
        cJSON_AddItemToArray(links,
                             api_link(href, "item", "application/vnd.mapbox-vector-tile", "Tiles"));
        cJSON_AddItemToArray(list, t);
    }
    api_send_json(res, root, "application/json");
}

/* /tiles/{tileset}.json (TileJSON 3.0) and /tiles/{tileset} (the same document). */
void api_tileset(const struct api_request *req, struct api_response *res)
{
    char id[128];
    size_t n = strlen(req->path_params[0]);
    struct tileset one;
    struct layer_scratch scratch;
    const struct tileset *ts;

    if (n >= sizeof id) {
        api_error(res, 404, "not_found", "no such tileset; see /tiles");
        return;
    }
    memcpy(id, req->path_params[0], n + 1);
    if (n > 5 && !strcmp(id + n - 5, ".json"))
        id[n - 5] = '\0';
    ts = find_tileset(api_store(req), id, &one, &scratch);
    if (!ts) {
        api_error(res, 404, "not_found", "no such tileset; see /tiles");
        return;
    }
    api_send_json(res, tilejson(req, ts), "application/json");
}

/* /collections/{id}/tiles: the collection's tilesets (one: WebMercatorQuad). */
void api_collection_tilesets(const struct api_request *req, struct api_response *res)
{
    struct layer_scratch scratch;
    const struct layer_def *l = layer_resolve(api_store(req), req->path_params[0], &scratch);
    cJSON *root, *list, *t, *links;
    char base[160], href[300];

    if (!l) {
        api_error(res, 404, "not_found", "no such collection; see /collections");
        return;
    }
    api_base_url(req, base, sizeof base);
    root = cJSON_CreateObject();
    list = cJSON_AddArrayToObject(root, "tilesets");
    t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "title", l->title);
    cJSON_AddStringToObject(t, "dataType", "vector");
    cJSON_AddStringToObject(t, "crs", "http://www.opengis.net/def/crs/EPSG/0/3857");
    cJSON_AddStringToObject(t, "tileMatrixSetURI",
                            "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad");
    links = cJSON_AddArrayToObject(t, "links");
    snprintf(href, sizeof href,
             "%s/collections/%s/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", base,
             l->id);
    cJSON_AddItemToArray(links,
                         api_link(href, "item", "application/vnd.mapbox-vector-tile", "Tiles"));
    snprintf(href, sizeof href, "%s/tileMatrixSets/WebMercatorQuad", base);
    cJSON_AddItemToArray(links,
                         api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                                  "application/json", "WebMercatorQuad"));
    cJSON_AddItemToArray(list, t);
    api_send_json(res, root, "application/json");
}

/* /tileMatrixSets/WebMercatorQuad: the OGC 2D TMS definition (2^z tiles of 256 px). */
void api_tile_matrix_set(const struct api_request *req, struct api_response *res)
{
    cJSON *root, *matrices;
    int z;

    (void)req;
    if (req->path_params[0] && strcmp(req->path_params[0], "WebMercatorQuad")) {
        api_error(res, 404, "not_found", "the only tile matrix set is WebMercatorQuad");
        return;
    }
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", "WebMercatorQuad");
    cJSON_AddStringToObject(root, "uri",
                            "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad");
    cJSON_AddStringToObject(root, "crs", "http://www.opengis.net/def/crs/EPSG/0/3857");
    matrices = cJSON_AddArrayToObject(root, "tileMatrices");
    for (z = 0; z <= TILE_MAX_ZOOM; z++) {
        cJSON *m = cJSON_CreateObject(), *origin;
        double size = 2.0 * TILE_WEBMERC_HALF / (double)((int64_t)1 << z);
        char id[8];
        snprintf(id, sizeof id, "%d", z);
        cJSON_AddStringToObject(m, "id", id);
        cJSON_AddNumberToObject(m, "scaleDenominator", size / 256.0 / 0.00028);
        cJSON_AddNumberToObject(m, "cellSize", size / 256.0);
        origin = cJSON_AddArrayToObject(m, "pointOfOrigin");
        cJSON_AddItemToArray(origin, cJSON_CreateNumber(-TILE_WEBMERC_HALF));
        cJSON_AddItemToArray(origin, cJSON_CreateNumber(TILE_WEBMERC_HALF));
        cJSON_AddNumberToObject(m, "tileWidth", 256);
        cJSON_AddNumberToObject(m, "tileHeight", 256);
        cJSON_AddNumberToObject(m, "matrixWidth", (double)((int64_t)1 << z));
        cJSON_AddNumberToObject(m, "matrixHeight", (double)((int64_t)1 << z));
        cJSON_AddItemToArray(matrices, m);
    }
    api_header_add(res, "Cache-Control", "public, max-age=86400");
    api_send_json(res, root, "application/json");
}
