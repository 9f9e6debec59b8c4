/*
 * The core resources: error bodies, /health, the landing page and /collections.
 * Thin: parse the request, ask gis/, render JSON. cJSON trees live and die here.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "layer.h"
#include "version.h"

unsigned api_status_to_http(enum gis_status code)
{
    switch (code) {
    case GIS_OK:
        return 200;
    case GIS_ERR_INVALID_ARG:
        return 400;
    case GIS_ERR_NOT_FOUND:
        return 404;
    case GIS_ERR_CONFLICT:
        return 409;
    case GIS_ERR_TOO_LARGE:
        return 413;
    case GIS_ERR_TIMEOUT:
        return 503;
    default:
        return 500;
    }
}

/* Sends a cJSON tree as the body; frees it. */
static void send_json(struct api_response *res, cJSON *root, const char *content_type)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;

    cJSON_Delete(root);
    if (!text) {
        api_error(res, 500, "out_of_memory", "cannot render the response");
        return;
    }
    gbuf_reset(&res->body);
    if (gbuf_puts(&res->body, text) != GIS_OK)
        api_error(res, 500, "too_large", "the response is too large");
    else
        res->content_type = content_type;
    cJSON_free(text);
}

void api_error(struct api_response *res, unsigned http_status, const char *code, const char *msg)
{
    res->status = http_status;
    res->content_type = "application/json";
    gbuf_reset(&res->body);
    /* Built by hand so an error can still be reported when allocation is the problem. */
    if (gbuf_puts(&res->body, "{\"code\":\"") != GIS_OK || gbuf_json_escape(&res->body, code) ||
        gbuf_puts(&res->body, "\",\"description\":\"") || gbuf_json_escape(&res->body, msg) ||
        gbuf_puts(&res->body, "\"}"))
        gbuf_reset(&res->body);
}

void api_fail(struct api_response *res, const struct gis_error *err)
{
    api_error(res, api_status_to_http(err->code), gis_status_name(err->code), err->msg);
}

static cJSON *link_new(const char *href, const char *rel, const char *type, const char *title)
{
    cJSON *l = cJSON_CreateObject();

    cJSON_AddStringToObject(l, "href", href);
    cJSON_AddStringToObject(l, "rel", rel);
    cJSON_AddStringToObject(l, "type", type);
    if (title)
        cJSON_AddStringToObject(l, "title", title);
    return l;
}

void api_health(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    int64_t version = 0;
    cJSON *root;

    if (store_data_version(req->st, &version, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "version", CIVGIS_VERSION);
    cJSON_AddNumberToObject(root, "schema_version", store_schema_version(req->st));
    cJSON_AddNumberToObject(root, "data_version", (double)version);
    api_header_add(res, "Cache-Control", "no-store");
    send_json(res, root, "application/json");
}

void api_landing(const struct api_request *req, struct api_response *res)
{
    char base[160], href[256];
    cJSON *root = cJSON_CreateObject(), *links;

    api_base_url(req, base, sizeof base);
    cJSON_AddStringToObject(root, "title", "civgis");
    cJSON_AddStringToObject(root, "description",
                            "Civil-affairs planning GIS: administrative divisions, facilities, "
                            "demand and coverage");
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/", base);
    cJSON_AddItemToArray(links, link_new(href, "self", "application/json", "This document"));
    snprintf(href, sizeof href, "%s/collections", base);
    cJSON_AddItemToArray(links, link_new(href, "data", "application/json", "The layers"));
    snprintf(href, sizeof href, "%s/health", base);
    cJSON_AddItemToArray(links, link_new(href, "service-status", "application/json", "Health"));
    send_json(res, root, "application/json");
}

static cJSON *collection_json(const struct layer_info *li, const char *base)
{
    cJSON *c = cJSON_CreateObject(), *links, *extent, *spatial, *bboxes, *bbox;
    char href[256];
    int k;

    cJSON_AddStringToObject(c, "id", li->id);
    cJSON_AddStringToObject(c, "title", li->title);
    cJSON_AddStringToObject(c, "description", li->description);
    cJSON_AddNumberToObject(c, "featureCount", (double)li->count);
    if (li->has_extent) {
        extent = cJSON_AddObjectToObject(c, "extent");
        spatial = cJSON_AddObjectToObject(extent, "spatial");
        bboxes = cJSON_AddArrayToObject(spatial, "bbox");
        bbox = cJSON_CreateArray();
        for (k = 0; k < 4; k++)
            cJSON_AddItemToArray(bbox, cJSON_CreateNumber(li->bbox[k]));
        cJSON_AddItemToArray(bboxes, bbox);
        cJSON_AddStringToObject(spatial, "crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    }
    links = cJSON_AddArrayToObject(c, "links");
    snprintf(href, sizeof href, "%s/collections/%s", base, li->id);
    cJSON_AddItemToArray(links, link_new(href, "self", "application/json", li->title));
    return c;
}

void api_collections(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    struct layer_info li;
    char base[160], href[256];
    cJSON *root = cJSON_CreateObject(), *list, *links;
    size_t i;

    api_base_url(req, base, sizeof base);
    links = cJSON_AddArrayToObject(root, "links");
    snprintf(href, sizeof href, "%s/collections", base);
    cJSON_AddItemToArray(links, link_new(href, "self", "application/json", "The layers"));
    list = cJSON_AddArrayToObject(root, "collections");
    for (i = 0; i < layer_count(); i++) {
        if (layer_describe(req->st, i, &li, &err) != GIS_OK) {
            cJSON_Delete(root);
            api_fail(res, &err);
            return;
        }
        cJSON_AddItemToArray(list, collection_json(&li, base));
    }
    send_json(res, root, "application/json");
}
