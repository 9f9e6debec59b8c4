/*
 * /collections and /collections/{id}: each collection's metadata and its links (items,
 * queryables, schema, tilesets), all clean paths whose format is the link's type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "facility.h"
#include "version.h"

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
    snprintf(href, sizeof href, "%s/collections/%s/items", base, l->id);
    cJSON_AddItemToArray(links,
                         api_link(href, "items", "application/geo+json", "Features (GeoJSON)"));
    cJSON_AddItemToArray(links, api_link(href, "items", "text/html", "Features (HTML)"));
    snprintf(href, sizeof href, "%s/collections/%s/queryables", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                                         "application/schema+json", "Queryables"));
    snprintf(href, sizeof href, "%s/collections/%s/schema", base, l->id);
    cJSON_AddItemToArray(links, api_link(href, "describedby", "application/schema+json",
                                         "Schema of the features (JSON Schema)"));
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/schema",
                                         "application/schema+json",
                                         "Schema of the features (JSON Schema)"));
    snprintf(href, sizeof href, "%s/collections/%s/tiles", base, l->id);
    cJSON_AddItemToArray(links,
                         api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                                  "application/json", "Vector tilesets"));
    return c;
}

bool api_data_etag(const struct api_request *req,
                   struct api_response *res,
                   const char *what,
                   const char *extra)
{
    struct gis_error err = {0};
    int64_t v = 0;
    char basis[512];

    if (store_data_version(api_store(req), &v, &err) != GIS_OK)
        return false;
    snprintf(basis, sizeof basis, "%s|%s|%lld|%s|%s", CIVGIS_VERSION, what, (long long)v, extra,
             req->path);
    return api_etag(req, res, basis);
}

/* The store's data version, the civgis release and the format: what the collection
 * documents' bytes depend on (with the host, which api_etag adds). */
static bool data_etag(const struct api_request *req,
                      struct api_response *res,
                      const char *what,
                      enum api_format fmt)
{
    return api_data_etag(req, res, what, fmt == API_HTML ? "html" : "json");
}

void api_layers_list(const struct api_request *req, struct api_layer_list *out)
{
    int64_t scenarios[64];
    size_t i, n = 0, n_scen;
    char sid[40];

    for (i = 0; i < layer_count() && n < 16; i++)
        out->layers[n++] = layer_at(i);
    for (i = 0; FACILITY_KINDS[i] && i < 16; i++) {
        snprintf(sid, sizeof sid, "coverage-%s", FACILITY_KINDS[i]);
        out->layers[n] = layer_resolve(api_store(req), sid, &out->scratch[n]);
        n += out->layers[n] != NULL;
    }
    n_scen = layer_scenario_ids(api_store(req), scenarios, 64);
    for (i = 0; i < n_scen; i++) {
        snprintf(sid, sizeof sid, "scenario-%lld", (long long)scenarios[i]);
        out->layers[n] = layer_resolve(api_store(req), sid, &out->scratch[n]);
        n += out->layers[n] != NULL;
    }
    out->n = n;
}

void api_collections(const struct api_request *req, struct api_response *res)
{
    struct api_layer_list *list = malloc(sizeof *list);
    struct layer_stats stats[API_MAX_LAYERS];
    struct gis_error err = {0};
    enum api_format fmt;
    cJSON *root, *arr, *links;
    char base[160];
    size_t i;

    if (!list) {
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    if (api_format(req, &fmt, &err) != GIS_OK) {
        api_fail(res, &err);
        goto cleanup;
    }
    if (data_etag(req, res, "collections", fmt))
        goto cleanup;
    api_base_url(req, base, sizeof base);
    api_layers_list(req, list);
    for (i = 0; i < list->n; i++) {
        if (layer_stats(api_store(req), list->layers[i], &stats[i], &err) != GIS_OK) {
            api_fail(res, &err);
            goto cleanup;
        }
    }
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (fmt == API_HTML) {
        api_render_collections_html(res, base, list->layers, stats, list->n);
        goto cleanup;
    }
    root = cJSON_CreateObject();
    links = cJSON_AddArrayToObject(root, "links");
    api_self_links(links, base, "/collections", "application/json");
    arr = cJSON_AddArrayToObject(root, "collections");
    for (i = 0; i < list->n; i++)
        cJSON_AddItemToArray(arr, collection_json(list->layers[i], &stats[i], base));
    api_send_json(res, root, "application/json");
cleanup:
    free(list);
}

const struct layer_def *api_find_layer(const struct api_request *req,
                                       struct api_response *res,
                                       struct layer_scratch *scratch)
{
    const struct layer_def *l = layer_resolve_for(api_store(req), req->path_params[0],
                                                  policy_layer_view(&req->caller), scratch);

    if (!l)
        api_error(res, 404, "not_found", "no such collection; see /collections");
    return l;
}

void api_collection(const struct api_request *req, struct api_response *res)
{
    struct layer_scratch scratch;
    const struct layer_def *l = api_find_layer(req, res, &scratch);
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
