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
#include "fmtnum.h"
#include "tile.h"
#include "tilecache.h"
#include "tileset.h"
#include "tileset_json.h"

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

/* "prepare;dur=MS" and, when this request prepared layers again (their tables changed),
 * which and how: ';desc="rebuilt townships"' for a layer read whole, "updated" for one
 * that re-read only the rows written since. */
static void prepare_timing(const struct tileset_view *v, double ms, char *buf, size_t size)
{
    static const char head[] = "prepare;dur=";
    size_t i, n;
    bool is_any = false;

    if (size < sizeof head + 24) { /* the head, a number of at most 20 bytes, the NUL */
        if (size)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, head, sizeof head - 1);
    n = (size_t)(fmtnum_milli(buf + sizeof head - 1, ms) - buf);
    buf[n] = '\0';
    for (i = 0; i < v->ts->n_layers && n < size; i++) {
        if (v->prepared[i] == TILESET_KEPT)
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s %s", is_any ? ", " : ";desc=\"",
                              v->prepared[i] == TILESET_UPDATED ? "updated" : "rebuilt",
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
    const struct tileset *ts = tileset_find(api_store(req), req->coverage, coll, &one, &scratch);
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

/* /tiles/{tilesetId}/{z}/{x}/{y}.mvt: the route took the ".mvt" off y. */
void api_xyz_tile(const struct api_request *req, struct api_response *res)
{
    serve_tile(req, res, req->path_params[0], req->path_params[1], req->path_params[2],
               req->path_params[3]);
}

/* /tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}: the combined base map. */
void api_dataset_tile(const struct api_request *req, struct api_response *res)
{
    serve_tile(req, res, TILESET_COMBINED.id, req->path_params[0], req->path_params[2],
               req->path_params[1]);
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
    cJSON_AddItemToObject(j, "vector_layers", tileset_json_vector_layers(api_store(req), ts));
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

#define TMS_URI           "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
#define TMS_CRS           "http://www.opengis.net/def/crs/EPSG/0/3857"
#define MVT               "application/vnd.mapbox-vector-tile"
#define REL_TILING_SCHEME "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"

/* The links every tileset summary has: to itself (OGC tileset metadata, when it has
 * one), to its tile matrix set, to its tiles. */
static void tileset_links(cJSON *links, const char *base, const char *self_path)
{
    char href[300];
    cJSON *l;

    snprintf(href, sizeof href, "%s%s", base, self_path);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "This tileset"));
    snprintf(href, sizeof href, "%s/tileMatrixSets/WebMercatorQuad", base);
    cJSON_AddItemToArray(links,
                         api_link(href, REL_TILING_SCHEME, "application/json", "WebMercatorQuad"));
    snprintf(href, sizeof href, "%s%s/{tileMatrix}/{tileRow}/{tileCol}", base, self_path);
    l = api_link(href, "item", MVT, "Mapbox vector tiles");
    cJSON_AddBoolToObject(l, "templated", 1);
    cJSON_AddItemToArray(links, l);
}

static cJSON *tileset_summary(const char *title, const char *base, const char *self_path)
{
    cJSON *t = cJSON_CreateObject();

    cJSON_AddStringToObject(t, "title", title);
    cJSON_AddStringToObject(t, "dataType", "vector");
    cJSON_AddStringToObject(t, "crs", TMS_CRS);
    cJSON_AddStringToObject(t, "tileMatrixSetURI", TMS_URI);
    tileset_links(cJSON_AddArrayToObject(t, "links"), base, self_path);
    return t;
}

/* The layers of a tileset (OGC tileset metadata): each collection from its zoom on. */
static void add_tileset_layers(cJSON *t, const struct tileset *ts)
{
    cJSON *arr = cJSON_AddArrayToObject(t, "layers");
    char zoom[8];
    size_t i;

    for (i = 0; i < ts->n_layers; i++) {
        const struct layer_def *l = layer_find(ts->layers[i].collection);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", ts->layers[i].collection);
        if (l)
            cJSON_AddStringToObject(o, "title", l->title);
        cJSON_AddStringToObject(o, "dataType", "vector");
        if (l && l->geom != LAYER_GEOM_ANY)
            cJSON_AddNumberToObject(o, "geometryDimension", l->geom == LAYER_GEOM_POINT ? 0 : 2);
        snprintf(zoom, sizeof zoom, "%d", ts->layers[i].minzoom);
        cJSON_AddStringToObject(o, "minTileMatrix", zoom);
        snprintf(zoom, sizeof zoom, "%d", TILE_MAX_ZOOM);
        cJSON_AddStringToObject(o, "maxTileMatrix", zoom);
        cJSON_AddItemToArray(arr, o);
    }
}

/* The extent in CRS84 (the tileset's first layer). */
static void add_bounding_box(cJSON *t, const double bb[4])
{
    cJSON *box = cJSON_AddObjectToObject(t, "boundingBox"), *corner;

    corner = cJSON_AddArrayToObject(box, "lowerLeft");
    cJSON_AddItemToArray(corner, cJSON_CreateNumber(bb[0]));
    cJSON_AddItemToArray(corner, cJSON_CreateNumber(bb[1]));
    corner = cJSON_AddArrayToObject(box, "upperRight");
    cJSON_AddItemToArray(corner, cJSON_CreateNumber(bb[2]));
    cJSON_AddItemToArray(corner, cJSON_CreateNumber(bb[3]));
    cJSON_AddStringToObject(box, "crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
}

/* The OGC tileset metadata (2D TMS 2.0 JSON) of ts, whose tiles are under self_path. */
static void tileset_metadata(const struct api_request *req,
                             struct api_response *res,
                             const struct tileset *ts,
                             const char *self_path)
{
    cJSON *t;
    double bb[4];
    char base[160], href[300];

    if (api_data_etag(req, res, "tileset", ts->id))
        return;
    api_base_url(req, base, sizeof base);
    t = tileset_summary(ts->title, base, self_path);
    snprintf(href, sizeof href, "%s/tiles/%s.json", base, ts->id);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(t, "links"),
                         api_link(href, "describedby", "application/json", "TileJSON"));
    if (tileset_bounds(api_store(req), ts, bb))
        add_bounding_box(t, bb);
    add_tileset_layers(t, ts);
    api_header_add(res, "Cache-Control", "public, no-cache");
    api_send_json(res, t, "application/json");
}

/* /tiles: every tileset. The combined base map is the dataset's OGC tileset (at
 * /tiles/WebMercatorQuad); the others are the collections' (their OGC metadata at
 * /collections/{id}/tiles/WebMercatorQuad). Each also has TileJSON and XYZ tiles. */
void api_tilesets(const struct api_request *req, struct api_response *res)
{
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "tilesets"), *links;
    struct tileset one;
    struct layer_scratch scratch;
    char base[160], href[300], path[160];
    size_t i;

    api_base_url(req, base, sizeof base);
    for (i = 0; i <= layer_count(); i++) {
        const struct tileset *ts = i == 0 ? &TILESET_COMBINED
                                          : tileset_find(api_store(req), req->coverage,
                                                         layer_at(i - 1)->id, &one, &scratch);
        cJSON *t;
        if (i == 0)
            snprintf(path, sizeof path, "/tiles/WebMercatorQuad");
        else
            snprintf(path, sizeof path, "/collections/%s/tiles/WebMercatorQuad", ts->id);
        t = tileset_summary(ts->title, base, path);
        cJSON_AddStringToObject(t, "id", ts->id);
        links = cJSON_GetObjectItemCaseSensitive(t, "links");
        snprintf(href, sizeof href, "%s/tiles/%s.json", base, ts->id);
        cJSON_AddItemToArray(links, api_link(href, "describedby", "application/json", "TileJSON"));
        snprintf(href, sizeof href, "%s/tiles/%s/{z}/{x}/{y}.mvt", base, ts->id);
        cJSON_AddItemToArray(links, api_link(href, "item", MVT, "Tiles (XYZ)"));
        cJSON_AddBoolToObject(cJSON_GetArrayItem(links, cJSON_GetArraySize(links) - 1), "templated",
                              1);
        cJSON_AddItemToArray(list, t);
    }
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/tiles", base);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "Tilesets"));
    api_send_json(res, root, "application/json");
}

/* /tiles/WebMercatorQuad: the combined base map as an OGC tileset. */
void api_dataset_tileset(const struct api_request *req, struct api_response *res)
{
    tileset_metadata(req, res, &TILESET_COMBINED, "/tiles/WebMercatorQuad");
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
    ts = tileset_find(api_store(req), req->coverage, id, &one, &scratch);
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
    const struct layer_def *l = api_find_layer(req, res, &scratch);
    cJSON *root, *links;
    char base[160], path[160], href[300];

    if (!l)
        return;
    api_base_url(req, base, sizeof base);
    root = cJSON_CreateObject();
    snprintf(path, sizeof path, "/collections/%s/tiles/WebMercatorQuad", l->id);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "tilesets"),
                         tileset_summary(l->title, base, path));
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/collections/%s/tiles", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "Tilesets"));
    snprintf(href, sizeof href, "%s/collections/%s", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "collection", "application/json", l->title));
    api_send_json(res, root, "application/json");
}

/* /collections/{id}/tiles/{tileMatrixSetId}: the collection's OGC tileset. */
void api_collection_tileset(const struct api_request *req, struct api_response *res)
{
    struct tileset one;
    struct layer_scratch scratch;
    const struct tileset *ts =
        tileset_find(api_store(req), req->coverage, req->path_params[0], &one, &scratch);
    char path[160];

    if (!ts) {
        api_error(res, 404, "not_found", "no such collection; see /collections");
        return;
    }
    if (strcmp(req->path_params[1], "WebMercatorQuad")) {
        api_error(res, 404, "not_found", "the only tile matrix set is WebMercatorQuad");
        return;
    }
    snprintf(path, sizeof path, "/collections/%s/tiles/WebMercatorQuad", ts->id);
    tileset_metadata(req, res, ts, path);
}

/* /tileMatrixSets: the one tile matrix set. */
void api_tile_matrix_sets(const struct api_request *req, struct api_response *res)
{
    cJSON *root = cJSON_CreateObject(), *t, *links;
    char base[160], href[300];

    api_base_url(req, base, sizeof base);
    t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "id", "WebMercatorQuad");
    cJSON_AddStringToObject(t, "title", "Google Maps Compatible for the World");
    cJSON_AddStringToObject(t, "uri", TMS_URI);
    snprintf(href, sizeof href, "%s/tileMatrixSets/WebMercatorQuad", base);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(t, "links"),
                         api_link(href, "self", "application/json", "WebMercatorQuad"));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "tileMatrixSets"), t);
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/tileMatrixSets", base);
    cJSON_AddItemToArray(links, api_link(href, "self", "application/json", "Tile matrix sets"));
    api_header_add(res, "Cache-Control", "public, max-age=86400");
    api_send_json(res, root, "application/json");
}

/* The extent of the square in EPSG:3857, as TMS 2.0 (lowerLeft, upperRight) and 1.0
 * (lowerCorner, upperCorner) name its corners. */
static void add_tms_box(cJSON *root)
{
    static const char *const names[][2] = {{"lowerLeft", "upperRight"},
                                           {"lowerCorner", "upperCorner"}};
    cJSON *box = cJSON_AddObjectToObject(root, "boundingBox"), *c;
    size_t i;

    for (i = 0; i < 2; i++) {
        c = cJSON_AddArrayToObject(box, names[i][0]);
        cJSON_AddItemToArray(c, cJSON_CreateNumber(-TILE_WEBMERC_HALF));
        cJSON_AddItemToArray(c, cJSON_CreateNumber(-TILE_WEBMERC_HALF));
        c = cJSON_AddArrayToObject(box, names[i][1]);
        cJSON_AddItemToArray(c, cJSON_CreateNumber(TILE_WEBMERC_HALF));
        cJSON_AddItemToArray(c, cJSON_CreateNumber(TILE_WEBMERC_HALF));
    }
    cJSON_AddStringToObject(box, "crs", TMS_CRS);
}

/* /tileMatrixSets/WebMercatorQuad: the OGC 2D TMS 2.0 definition (2^z tiles of 256 px).
 * It also carries the members of the 1.0 JSON encoding (identifier, supportedCRS,
 * topLeftCorner), which GDAL before 3.7 reads instead: both encodings' readers find
 * what they need and ignore the rest. */
void api_tile_matrix_set(const struct api_request *req, struct api_response *res)
{
    cJSON *root, *matrices, *axes;
    int z;

    if (strcmp(req->path_params[0], "WebMercatorQuad")) {
        api_error(res, 404, "not_found", "the only tile matrix set is WebMercatorQuad");
        return;
    }
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", "WebMercatorQuad");
    cJSON_AddStringToObject(root, "title", "Google Maps Compatible for the World");
    cJSON_AddStringToObject(root, "uri", TMS_URI);
    cJSON_AddStringToObject(root, "crs", TMS_CRS);
    cJSON_AddStringToObject(root, "identifier", "WebMercatorQuad");
    cJSON_AddStringToObject(root, "supportedCRS", TMS_CRS);
    add_tms_box(root);
    axes = cJSON_AddArrayToObject(root, "orderedAxes");
    cJSON_AddItemToArray(axes, cJSON_CreateString("X"));
    cJSON_AddItemToArray(axes, cJSON_CreateString("Y"));
    matrices = cJSON_AddArrayToObject(root, "tileMatrices");
    for (z = 0; z <= TILE_MAX_ZOOM; z++) {
        cJSON *m = cJSON_CreateObject(), *origin;
        double size = 2.0 * TILE_WEBMERC_HALF / (double)((int64_t)1 << z);
        char id[8];
        snprintf(id, sizeof id, "%d", z);
        cJSON_AddStringToObject(m, "id", id);
        cJSON_AddStringToObject(m, "identifier", id);
        cJSON_AddNumberToObject(m, "scaleDenominator", size / 256.0 / 0.00028);
        cJSON_AddNumberToObject(m, "cellSize", size / 256.0);
        cJSON_AddStringToObject(m, "cornerOfOrigin", "topLeft");
        origin = cJSON_AddArrayToObject(m, "pointOfOrigin");
        cJSON_AddItemToArray(origin, cJSON_CreateNumber(-TILE_WEBMERC_HALF));
        cJSON_AddItemToArray(origin, cJSON_CreateNumber(TILE_WEBMERC_HALF));
        cJSON_AddItemToObject(m, "topLeftCorner", cJSON_Duplicate(origin, 1));
        cJSON_AddNumberToObject(m, "tileWidth", 256);
        cJSON_AddNumberToObject(m, "tileHeight", 256);
        cJSON_AddNumberToObject(m, "matrixWidth", (double)((int64_t)1 << z));
        cJSON_AddNumberToObject(m, "matrixHeight", (double)((int64_t)1 << z));
        cJSON_AddItemToArray(matrices, m);
    }
    api_header_add(res, "Cache-Control", "public, max-age=86400");
    api_send_json(res, root, "application/json");
}
