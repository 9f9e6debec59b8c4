/*
 * /collections, /collections/{id} and /collections/{id}/queryables.
 */
#include <stdio.h>
#include <string.h>

#include "api_render.h"
#include "facility.h"
#include "version.h"

static const char *geometry_format(const struct layer_def *l)
{
    return l->geom == LAYER_GEOM_POLYGON ? "geometry-multipolygon"
           : l->geom == LAYER_GEOM_POINT ? "geometry-point"
                                         : "geometry-any";
}

/* The spatial extent, and the temporal one of versioned layers; an empty layer claims
 * none. */
static void add_extent(cJSON *c, const struct layer_def *l, const struct layer_stats *st)
{
    cJSON *extent, *spatial, *bboxes, *bbox, *temporal, *intervals, *interval;
    int k;

    if (!st->has_extent)
        return;
    extent = cJSON_AddObjectToObject(c, "extent");
    spatial = cJSON_AddObjectToObject(extent, "spatial");
    bboxes = cJSON_AddArrayToObject(spatial, "bbox");
    bbox = cJSON_CreateArray();
    for (k = 0; k < 4; k++)
        cJSON_AddItemToArray(bbox, cJSON_CreateNumber(st->bbox[k]));
    cJSON_AddItemToArray(bboxes, bbox);
    cJSON_AddStringToObject(spatial, "crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    if (!l->is_versioned || !st->t_min[0])
        return;
    temporal = cJSON_AddObjectToObject(extent, "temporal");
    intervals = cJSON_AddArrayToObject(temporal, "interval");
    interval = cJSON_CreateArray();
    cJSON_AddItemToArray(interval, cJSON_CreateString(st->t_min));
    cJSON_AddItemToArray(interval, cJSON_CreateNull()); /* open: versions run to today */
    cJSON_AddItemToArray(intervals, interval);
    cJSON_AddStringToObject(temporal, "trs", "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian");
}

static cJSON *
collection_json(const struct layer_def *l, const struct layer_stats *st, const char *base)
{
    cJSON *c = cJSON_CreateObject(), *links, *crs;
    char href[512], path[128];
    size_t i;

    cJSON_AddStringToObject(c, "id", l->id);
    cJSON_AddStringToObject(c, "title", l->title);
    cJSON_AddStringToObject(c, "description", l->description);
    cJSON_AddStringToObject(c, "itemType", "feature");
    cJSON_AddNumberToObject(c, "featureCount", (double)st->count);
    add_extent(c, l, st);
    crs = cJSON_AddArrayToObject(c, "crs");
    for (i = 0; params_crs_at(i); i++)
        cJSON_AddItemToArray(crs, cJSON_CreateString(params_crs_at(i)->uri));
    cJSON_AddStringToObject(c, "storageCrs", params_crs_at(0)->uri);
    links = cJSON_AddArrayToObject(c, "links");
    snprintf(path, sizeof path, "/collections/%s", l->id);
    api_self_links(links, base, path, "application/json");
    snprintf(href, sizeof href, "%s/collections/%s/items?f=json", base, l->id);
    cJSON_AddItemToArray(links,
                         api_link(href, "items", "application/geo+json", "Features (GeoJSON)"));
    snprintf(href, sizeof href, "%s/collections/%s/items?f=html", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "items", "text/html", "Features (HTML)"));
    snprintf(href, sizeof href, "%s/collections/%s/queryables", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                                         "application/schema+json", "Queryables"));
    return c;
}

/* The store's data version, the civgis release and the format: what the collection
 * documents' bytes depend on (with the host, which api_etag adds). */
static bool data_etag(const struct api_request *req,
                      struct api_response *res,
                      const char *what,
                      enum api_format fmt)
{
    struct gis_error err = {0};
    int64_t v = 0;
    char basis[256];

    if (store_data_version(api_store(req), &v, &err) != GIS_OK)
        return false;
    snprintf(basis, sizeof basis, "%s|%s|%lld|%d|%s", CIVGIS_VERSION, what, (long long)v, (int)fmt,
             req->path);
    return api_etag(req, res, basis);
}

void api_collections(const struct api_request *req, struct api_response *res)
{
    const struct layer_def *layers[16 + 64 + 16];
    struct layer_stats stats[16 + 64 + 16];
    struct layer_scratch scratch[64 + 16];
    int64_t scenarios[64];
    struct gis_error err = {0};
    enum api_format fmt;
    cJSON *root, *list, *links;
    char base[160];
    size_t i, n = layer_count() < 16 ? layer_count() : 16, n_scen;
    char sid[40];

    if (api_format(req, &fmt, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    if (data_etag(req, res, "collections", fmt))
        return;
    api_base_url(req, base, sizeof base);
    /* The fixed layers, one per facility kind's coverage, one per stored scenario (its
     * proposed sites). */
    for (i = 0; FACILITY_KINDS[i] && i < 16; i++) {
        snprintf(sid, sizeof sid, "coverage-%s", FACILITY_KINDS[i]);
        layers[n] = layer_resolve(api_store(req), sid, &scratch[64 + i]);
        n += layers[n] != NULL;
    }
    n_scen = layer_scenario_ids(api_store(req), scenarios, 64);
    for (i = 0; i < n_scen; i++) {
        snprintf(sid, sizeof sid, "scenario-%lld", (long long)scenarios[i]);
        layers[n] = layer_resolve(api_store(req), sid, &scratch[i]);
        n += layers[n] != NULL;
    }
    for (i = 0; i < n; i++) {
        if (i < layer_count())
            layers[i] = layer_at(i);
        if (layer_stats(api_store(req), layers[i], &stats[i], &err) != GIS_OK) {
            api_fail(res, &err);
            return;
        }
    }
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (fmt == API_HTML) {
        api_render_collections_html(res, base, layers, stats, n);
        return;
    }
    root = cJSON_CreateObject();
    links = cJSON_AddArrayToObject(root, "links");
    api_self_links(links, base, "/collections", "application/json");
    list = cJSON_AddArrayToObject(root, "collections");
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(list, collection_json(layers[i], &stats[i], base));
    api_send_json(res, root, "application/json");
}

static const struct layer_def *
find_layer(const struct api_request *req, struct api_response *res, struct layer_scratch *scratch)
{
    const struct layer_def *l = layer_resolve(api_store(req), req->path_params[0], scratch);

    if (!l)
        api_error(res, 404, "not_found", "no such collection; see /collections");
    return l;
}

void api_collection(const struct api_request *req, struct api_response *res)
{
    struct layer_scratch scratch;
    const struct layer_def *l = find_layer(req, res, &scratch);
    struct gis_error err = {0};
    struct layer_stats st;
    enum api_format fmt;
    char base[160];

    if (!l)
        return;
    if (api_format(req, &fmt, &err) != GIS_OK || layer_stats(api_store(req), l, &st, &err)) {
        api_fail(res, &err);
        return;
    }
    if (data_etag(req, res, "collection", fmt))
        return;
    api_base_url(req, base, sizeof base);
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (fmt == API_HTML)
        api_render_collections_html(res, base, &l, &st, 1);
    else
        api_send_json(res, collection_json(l, &st, base), "application/json");
}

static const char *json_type(enum prop_type t)
{
    switch (t) {
    case PROP_INT:
        return "integer";
    case PROP_REAL:
        return "number";
    case PROP_BOOL:
        return "boolean";
    default:
        return "string";
    }
}

void api_queryables(const struct api_request *req, struct api_response *res)
{
    struct layer_scratch scratch;
    const struct layer_def *l = find_layer(req, res, &scratch);
    struct gis_error err = {0};
    enum api_format fmt;
    cJSON *root, *props, *p;
    char base[160], id[256];
    size_t i;

    if (!l)
        return;
    if (api_format(req, &fmt, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_base_url(req, base, sizeof base);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", "https://json-schema.org/draft/2020-12/schema");
    snprintf(id, sizeof id, "%s/collections/%s/queryables", base, l->id);
    cJSON_AddStringToObject(root, "$id", id);
    cJSON_AddStringToObject(root, "type", "object");
    cJSON_AddStringToObject(root, "title", l->title);
    props = cJSON_AddObjectToObject(root, "properties");
    p = cJSON_AddObjectToObject(props, "geometry");
    cJSON_AddStringToObject(p, "format", geometry_format(l));
    cJSON_AddStringToObject(p, "x-ogc-role", "primary-geometry");
    for (i = 0; i < l->n_props; i++) {
        p = cJSON_AddObjectToObject(props, l->props[i].name);
        cJSON_AddStringToObject(p, "type", json_type(l->props[i].type));
        if (l->props[i].type == PROP_DATE)
            cJSON_AddStringToObject(p, "format", "date");
        cJSON_AddStringToObject(p, "description", l->props[i].description);
    }
    cJSON_AddBoolToObject(root, "additionalProperties", 0);
    api_header_add(res, "Cache-Control", "public, max-age=3600");
    api_send_json(res, root, "application/schema+json");
    api_etag_body(req, res);
}
