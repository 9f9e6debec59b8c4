/*
 * Vector tiles of a collection: /collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}
 * (OGC API - Tiles) and /tiles/{id}/{z}/{x}/{y}.mvt (the XYZ form web maps use).
 * Tiles come from the cache or are rendered from the tile sources (tileset.h); the ETag
 * names the tile's bytes, so it changes exactly when an edit changes the tile. An
 * empty tile is answered 204 No Content.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "api_render.h"
#include "tile.h"
#include "tilecache.h"
#include "tileset.h"

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

/* What the ETag names: the tile's bytes. */
static uint64_t body_tag(const struct gbuf *b)
{
    uLong crc = crc32(0L, Z_NULL, 0), adl = adler32(0L, Z_NULL, 0);

    crc = crc32(crc, (const Bytef *)b->data, (uInt)b->len);
    adl = adler32(adl, (const Bytef *)b->data, (uInt)b->len);
    return (uint64_t)crc << 32 | (adl & 0xffffffffu);
}

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Caches a rendered tile with its gzip form (made once here rather than on every hit),
 * and answers with that form when the client takes gzip. */
static void keep(const struct api_request *req,
                 struct api_response *res,
                 const struct tilecache_key *key,
                 uint64_t tag,
                 uint64_t epoch)
{
    struct tilecache_tile t = {res->body.data, res->body.len, NULL, 0, tag};
    struct gbuf gz;
    bool has_gz = res->body.len >= API_GZIP_MIN_BYTES && (req->tiles || req->accepts_gzip) &&
                  gbuf_gzip(res->body.data, res->body.len, 6, &gz) == GIS_OK;

    if (has_gz) {
        t.gz = gz.data;
        t.gz_n = gz.len;
    }
    if (req->tiles)
        tilecache_put(req->tiles, key, &t, epoch);
    if (has_gz && req->accepts_gzip) {
        gbuf_free(&res->body);
        res->body = gz;
        res->is_body_gzip = true;
    } else if (has_gz) {
        gbuf_free(&gz);
    }
}

/* "prepare;dur=MS" and, when this request rebuilt layers (their tables changed), the
 * layers rebuilt: ';desc="rebuilt townships"'. */
static void prepare_timing(const struct tileset_view *v, double ms, char *buf, size_t size)
{
    size_t i, n;
    bool is_any = false;

    n = (size_t)snprintf(buf, size, "prepare;dur=%.3f", ms);
    for (i = 0; i < v->ts->n_layers && n < size; i++) {
        if (!v->is_rebuilt[i])
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s", is_any ? " " : ";desc=\"rebuilt ",
                              v->ts->layers[i].collection);
        is_any = true;
    }
    if (is_any && n < size)
        snprintf(buf + n, size - n, "\"");
}

/* The tile from the cache, or rendered and cached; *tag names its bytes. Server-Timing
 * says how long preparing the layers took (long only after an edit, and then which
 * layers were rebuilt) and, for a tile not in the cache, rendering it. */
static bool tile_body(const struct api_request *req,
                      struct api_response *res,
                      const struct tileset *ts,
                      const struct tilecache_key *key,
                      uint64_t *tag)
{
    struct gis_error err = {0};
    /* Read before acquiring: a tile rendered from sources an edit then replaces is not
     * stored (tilecache_put checks the epoch). */
    uint64_t epoch = req->tiles ? tilecache_epoch(req->tiles) : 0;
    double t0 = now_ms(), t1, t2;
    char note[80], prepare[160], timing[200];
    struct tileset_view view;
    struct tilecache_hit hit;
    bool is_ok;

    if (tileset_acquire(api_store(req), req->sources, ts, key->z, &view, &err) != GIS_OK) {
        api_fail(res, &err);
        return false;
    }
    t1 = now_ms();
    prepare_timing(&view, t1 - t0, prepare, sizeof prepare);
    if (req->tiles && tilecache_get(req->tiles, key, req->accepts_gzip, &res->body, &hit)) {
        tileset_release(req->sources, &view);
        api_header_add(res, "X-Tile-Cache", "hit");
        api_header_add(res, "Server-Timing", prepare);
        *tag = hit.tag;
        res->is_body_gzip = hit.is_gzip;
        return true;
    }
    api_header_add(res, "X-Tile-Cache", "miss");
    is_ok = tileset_render(&view, key->x, key->y, &res->body, note, sizeof note, &err) == GIS_OK;
    tileset_release(req->sources, &view);
    if (!is_ok && err.code == GIS_ERR_TOO_LARGE) {
        /* Points past the size guard: the server's 500, not the client's 413. */
        api_error(res, 500, gis_status_name(err.code), err.msg);
        return false;
    }
    if (!is_ok) {
        api_fail(res, &err);
        return false;
    }
    t2 = now_ms();
    snprintf(timing, sizeof timing, "%s, render;dur=%.3f", prepare, t2 - t1);
    api_header_add(res, "Server-Timing", timing);
    if (note[0])
        api_header_add(res, "X-Tile-Simplified", note);
    *tag = body_tag(&res->body);
    keep(req, res, key, *tag, epoch);
    return true;
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
    const struct tileset *ts = tileset_find(api_store(req), coll, &one, &scratch);
    int64_t z, x, y;
    uint64_t tag = 0;
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
    if (!tile_body(req, res, ts, &(struct tilecache_key){ts->id, (int)z, x, y}, &tag))
        return;
    snprintf(basis, sizeof basis, "tile|%s|%lld|%lld|%lld|%016llx", ts->id, (long long)z,
             (long long)x, (long long)y, (unsigned long long)tag);
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (api_etag(req, res, basis))
        return;
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

static cJSON *tilejson(const struct api_request *req, const struct tileset *ts)
{
    cJSON *j = cJSON_CreateObject(), *tiles, *bounds, *center;
    double bb[4];
    char base[160], url[300];
    size_t k;

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
    cJSON_AddItemToObject(j, "vector_layers", tileset_vector_layers(api_store(req), ts));
    if (tileset_bounds(api_store(req), ts, bb)) {
        bounds = cJSON_AddArrayToObject(j, "bounds");
        for (k = 0; k < 4; k++)
            cJSON_AddItemToArray(bounds, cJSON_CreateNumber(bb[k]));
        center = cJSON_AddArrayToObject(j, "center");
        cJSON_AddItemToArray(center, cJSON_CreateNumber((bb[0] + bb[2]) / 2));
        cJSON_AddItemToArray(center, cJSON_CreateNumber((bb[1] + bb[3]) / 2));
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
            i == 0 ? &TILESET_COMBINED
                   : tileset_find(api_store(req), layer_at(i - 1)->id, &one, &scratch);
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
    ts = tileset_find(api_store(req), id, &one, &scratch);
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
