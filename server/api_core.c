/*
 * The core resources and helpers: error bodies, content negotiation, /health, the
 * landing page and /conformance. Thin: ask gis/, render. cJSON trees live and die in
 * one function.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "api_int.h"
#include "api_render.h"
#include "cql2.h"
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
    case GIS_ERR_UNAUTHORIZED:
        return 401;
    case GIS_ERR_FORBIDDEN:
        return 403;
    case GIS_ERR_PRECONDITION:
        return 412;
    case GIS_ERR_REJECTED:
        return 422;
    default:
        return 500;
    }
}

void api_error(struct api_response *res, unsigned http_status, const char *code, const char *msg)
{
    res->status = http_status;
    res->content_type = "application/json";
    if (res->produce_free)
        res->produce_free(res->produce_ctx);
    res->produce = NULL;
    res->produce_free = NULL;
    gbuf_reset(&res->body);
    /* Built by hand so an error can still be reported when allocation is the problem. */
    if (gbuf_puts(&res->body, "{\"code\":\"") != GIS_OK || gbuf_json_escape(&res->body, code) ||
        gbuf_puts(&res->body, "\",\"description\":\"") || gbuf_json_escape(&res->body, msg) ||
        gbuf_puts(&res->body, "\"}"))
        gbuf_reset(&res->body);
}

void api_fail(struct api_response *res, const struct gis_error *err)
{
    if (err->code == GIS_ERR_UNAUTHORIZED)
        api_unauthorized(res, err->msg); /* 401 names the schemes that carry a token */
    else
        api_error(res, api_status_to_http(err->code), gis_status_name(err->code), err->msg);
}

void api_send_json(struct api_response *res, cJSON *root, const char *content_type)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;

    cJSON_Delete(root);
    if (!text) {
        api_error(res, 500, "out_of_memory", "cannot render the response");
        return;
    }
    api_body(res, content_type, text, strlen(text));
    cJSON_free(text);
}

/* a is preferred to b: a higher q, then a more specific range, then an earlier one. */
static bool is_preferred(const struct params_pref *a, const struct params_pref *b)
{
    if (a->q != b->q)
        return a->q > b->q;
    if (a->specificity != b->specificity)
        return a->specificity > b->specificity;
    return a->specificity > 0 && a->position < b->position;
}

enum gis_status
api_format(const struct api_request *req, enum api_format *out, struct gis_error *err)
{
    const char *f = api_query(req, "f");
    const char *accept = api_header(req, "Accept");
    struct params_pref json, html;

    if (f) {
        if (!strcmp(f, "json") || !strcmp(f, "geojson") || !strcmp(f, "jsonfg"))
            *out = API_JSON;
        else if (!strcmp(f, "html"))
            *out = API_HTML;
        else
            return gis_fail(err, GIS_ERR_INVALID_ARG, "f must be json or html, not '%.20s'", f);
        return GIS_OK;
    }
    /* Browsers ask for text/html first and take anything else at a lower q; API clients
     * name JSON or take anything. A tie goes to JSON, and http.c has already answered
     * 406 when neither is acceptable. */
    params_accept(accept, PARAMS_MEDIA_JSON, &json);
    params_accept(accept, PARAMS_MEDIA_HTML, &html);
    *out = is_preferred(&html, &json) ? API_HTML : API_JSON;
    return GIS_OK;
}

cJSON *api_link(const char *href, const char *rel, const char *type, const char *title)
{
    cJSON *l = cJSON_CreateObject();

    cJSON_AddStringToObject(l, "href", href);
    cJSON_AddStringToObject(l, "rel", rel);
    cJSON_AddStringToObject(l, "type", type);
    if (title)
        cJSON_AddStringToObject(l, "title", title);
    return l;
}

/* Adds self (this format) and alternate (HTML) links for path: one clean URL, the format
 * named by each link's type and chosen by the client's Accept. */
void api_self_links(cJSON *links, const char *base, const char *path, const char *json_type)
{
    char href[512];

    snprintf(href, sizeof href, "%s%s", base, path);
    cJSON_AddItemToArray(links, api_link(href, "self", json_type, "This document as JSON"));
    cJSON_AddItemToArray(links, api_link(href, "alternate", "text/html", "This document as HTML"));
}

void api_etag_body(const struct api_request *req, struct api_response *res)
{
    uLong crc = crc32(0L, Z_NULL, 0), adl = adler32(0L, Z_NULL, 0);
    char basis[48];

    if (res->status != 200 || res->produce)
        return;
    crc = crc32(crc, (const Bytef *)res->body.data, (uInt)res->body.len);
    adl = adler32(adl, (const Bytef *)res->body.data, (uInt)res->body.len);
    snprintf(basis, sizeof basis, "bytes|%08lx%08lx", crc, adl);
    api_etag(req, res, basis);
}

void api_health(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    int64_t version = 0;
    cJSON *root;

    if (store_data_version(api_store(req), &version, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "version", CIVGIS_VERSION);
    cJSON_AddNumberToObject(root, "schema_version", store_schema_version(api_store(req)));
    cJSON_AddNumberToObject(root, "data_version", (double)version);
    api_header_add(res, "Cache-Control", "no-store");
    api_send_json(res, root, "application/json");
}

static cJSON *landing_json(const char *base)
{
    cJSON *root = cJSON_CreateObject(), *links;
    char href[256];

    cJSON_AddStringToObject(root, "title", "civgis");
    cJSON_AddStringToObject(root, "description",
                            "Civil-affairs planning GIS: administrative divisions, facilities, "
                            "demand and coverage, served through OGC API - Features, Tiles and "
                            "Processes");
    links = cJSON_AddArrayToObject(root, "links");
    api_self_links(links, base, "/", "application/json");
    snprintf(href, sizeof href, "%s/api", base);
    cJSON_AddItemToArray(links, api_link(href, "service-desc",
                                         "application/vnd.oai.openapi+json;version=3.0",
                                         "The API definition (OpenAPI 3.0)"));
    snprintf(href, sizeof href, "%s/conformance", base);
    cJSON_AddItemToArray(links, api_link(href, "conformance", "application/json",
                                         "Conformance classes implemented"));
    snprintf(href, sizeof href, "%s/collections", base);
    cJSON_AddItemToArray(links, api_link(href, "data", "application/json", "The collections"));
    snprintf(href, sizeof href, "%s/processes", base);
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/processes",
                                         "application/json", "The processes"));
    snprintf(href, sizeof href, "%s/tiles", base);
    cJSON_AddItemToArray(links,
                         api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                                  "application/json", "Vector tilesets"));
    snprintf(href, sizeof href, "%s/tileMatrixSets", base);
    cJSON_AddItemToArray(links,
                         api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                                  "application/json", "Tile matrix sets"));
    snprintf(href, sizeof href, "%s/functions", base);
    cJSON_AddItemToArray(links, api_link(href, "http://www.opengis.net/def/rel/ogc/1.0/functions",
                                         "application/json", "Functions filters may call"));
    snprintf(href, sizeof href, "%s/health", base);
    cJSON_AddItemToArray(links, api_link(href, "service-status", "application/json", "Health"));
    return root;
}

void api_landing(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    enum api_format fmt;
    char base[160];

    if (api_format(req, &fmt, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_base_url(req, base, sizeof base);
    api_header_add(res, "Cache-Control", "public, max-age=3600");
    if (fmt == API_HTML)
        api_render_landing_html(res, base);
    else
        api_send_json(res, landing_json(base), "application/json");
    api_etag_body(req, res);
}

/* Only what passes: tests/integration/test_conformance.py checks each class listed here
 * and fails on one it has no check for. */
static const char *const CONFORMANCE[] = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/advanced-property-roles",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/returnables-and-receivables",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
};

/* GET /functions (OGC API - Features Part 3, "Functions"): what filters may call, with
 * the types of their arguments and results, from gis/'s table. */
void api_functions(const struct api_request *req, struct api_response *res)
{
    cJSON *root, *list;
    size_t i, k;

    (void)req;
    root = cJSON_CreateObject();
    list = cJSON_AddArrayToObject(root, "functions");
    for (i = 0; i < cql2_function_count(); i++) {
        const struct cql2_function *f = cql2_function_at(i);
        cJSON *fn = cJSON_CreateObject(), *args = NULL;
        cJSON_AddStringToObject(fn, "name", f->name);
        cJSON_AddStringToObject(fn, "description", f->description);
        args = cJSON_AddArrayToObject(fn, "arguments");
        for (k = 0; k < f->n_args; k++) {
            cJSON *a = cJSON_CreateObject();
            const char *type = cql2_type_name(f->args[k]);
            cJSON_AddStringToObject(a, "title", f->arg_titles[k]);
            cJSON_AddItemToObject(a, "type", cJSON_CreateStringArray(&type, 1));
            cJSON_AddItemToArray(args, a);
        }
        {
            const char *ret = cql2_type_name(f->returns);
            cJSON_AddItemToObject(fn, "returns", cJSON_CreateStringArray(&ret, 1));
        }
        cJSON_AddItemToArray(list, fn);
    }
    api_header_add(res, "Cache-Control", "public, max-age=3600");
    api_send_json(res, root, "application/json");
    api_etag_body(req, res);
}

void api_conformance(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    enum api_format fmt;
    cJSON *root, *list;
    size_t i;

    if (api_format(req, &fmt, &err) != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_header_add(res, "Cache-Control", "public, max-age=3600");
    if (fmt == API_HTML) {
        api_render_list_html(res, "Conformance", CONFORMANCE,
                             sizeof CONFORMANCE / sizeof *CONFORMANCE);
    } else {
        root = cJSON_CreateObject();
        list = cJSON_AddArrayToObject(root, "conformsTo");
        for (i = 0; i < sizeof CONFORMANCE / sizeof *CONFORMANCE; i++)
            cJSON_AddItemToArray(list, cJSON_CreateString(CONFORMANCE[i]));
        api_send_json(res, root, "application/json");
    }
    api_etag_body(req, res);
}
