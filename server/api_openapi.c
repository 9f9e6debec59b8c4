/*
 * /api: the OpenAPI 3.0 definition of every path and parameter, built from the same
 * tables the handlers use (layers, CRSs), so it cannot drift from what is served.
 */
#include <stdio.h>
#include <string.h>

#include "api_render.h"
#include "version.h"

static cJSON *schema(const char *type)
{
    cJSON *s = cJSON_CreateObject();

    cJSON_AddStringToObject(s, "type", type);
    return s;
}

static cJSON *param(const char *name, const char *in, const char *desc, cJSON *sch, bool required)
{
    cJSON *p = cJSON_CreateObject();

    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "in", in);
    cJSON_AddStringToObject(p, "description", desc);
    cJSON_AddBoolToObject(p, "required", required);
    cJSON_AddItemToObject(p, "schema", sch);
    if (!strcmp(in, "query")) {
        cJSON_AddBoolToObject(p, "explode", 0);
        cJSON_AddStringToObject(p, "style", "form");
    }
    return p;
}

static cJSON *ref(const char *name)
{
    char buf[128];
    cJSON *r = cJSON_CreateObject();

    snprintf(buf, sizeof buf, "#/components/parameters/%s", name);
    cJSON_AddStringToObject(r, "$ref", buf);
    return r;
}

static cJSON *responses(const char *type, const char *desc)
{
    cJSON *r = cJSON_CreateObject(), *ok, *content, *err;

    ok = cJSON_AddObjectToObject(r, "200");
    cJSON_AddStringToObject(ok, "description", desc);
    content = cJSON_AddObjectToObject(ok, "content");
    cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, type), "schema");
    if (strcmp(type, "text/html"))
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, "text/html"), "schema");
    err = cJSON_AddObjectToObject(r, "400");
    cJSON_AddStringToObject(err, "description", "Bad request: a JSON {code, description}");
    err = cJSON_AddObjectToObject(r, "404");
    cJSON_AddStringToObject(err, "description", "Not found");
    return r;
}

static void add_op(cJSON *paths,
                   const char *path,
                   const char *method,
                   const char *id,
                   const char *summary,
                   const char *type,
                   const char *const *params)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path), *get, *plist;

    if (!item)
        item = cJSON_AddObjectToObject(paths, path);
    get = cJSON_AddObjectToObject(item, method);
    if (!strcmp(method, "post")) {
        cJSON *body = cJSON_AddObjectToObject(get, "requestBody"), *content;
        cJSON_AddBoolToObject(body, "required", 1);
        content = cJSON_AddObjectToObject(body, "content");
        cJSON_AddStringToObject(
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, "application/json"), "schema"),
            "type", "object");
    }
    cJSON_AddStringToObject(get, "operationId", id);
    cJSON_AddStringToObject(get, "summary", summary);
    plist = cJSON_AddArrayToObject(get, "parameters");
    for (; params && *params; params++)
        cJSON_AddItemToArray(plist, ref(*params));
    cJSON_AddItemToObject(get, "responses", responses(type, summary));
}

static void add_get(cJSON *paths,
                    const char *path,
                    const char *id,
                    const char *summary,
                    const char *type,
                    const char *const *params)
{
    add_op(paths, path, "get", id, summary, type, params);
}

static cJSON *enum_schema(const char *const *values, size_t n)
{
    cJSON *s = schema("string"), *e = cJSON_AddArrayToObject(s, "enum");
    size_t i;

    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(e, cJSON_CreateString(values[i]));
    return s;
}

/* GET /search's own parameters (bbox and f are shared). */
static void add_search_params(cJSON *p)
{
    static const char *const text[][2] = {
        {"searchQ", "Hanzi (any substring), pinyin with or without tones and spaces, initials, "
                    "a former name or alias, or a code prefix"},
        {"category", "A division's kind (town, street, village, ...) or a place's category"},
        {"within", "A division code: only features inside it"},
    };
    cJSON *s;
    size_t i;

    for (i = 0; i < 3; i++)
        cJSON_AddItemToObject(
            p, text[i][0],
            param(i ? text[i][0] : "q", "query", text[i][1], schema("string"), i == 0));
    s = schema("integer");
    cJSON_AddNumberToObject(s, "minimum", 1);
    cJSON_AddNumberToObject(s, "maximum", 5);
    cJSON_AddItemToObject(p, "level", param("level", "query", "Division level", s, false));
    s = schema("integer");
    cJSON_AddNumberToObject(s, "minimum", 1);
    cJSON_AddNumberToObject(s, "maximum", 100);
    cJSON_AddNumberToObject(s, "default", 10);
    cJSON_AddItemToObject(
        p, "searchLimit",
        param("limit", "query", "Features to return (1..100, default 10)", s, false));
}

static void add_params(cJSON *comp)
{
    static const char *const formats[] = {"json", "html"};
    static const char *const langs[] = {"cql2-text", "cql2-json"};
    const char *ids[16], *crs[16];
    cJSON *p = cJSON_AddObjectToObject(comp, "parameters"), *s;
    size_t i;

    for (i = 0; i < layer_count() && i < 16; i++)
        ids[i] = layer_at(i)->id;
    cJSON_AddItemToObject(p, "collectionId",
                          param("collectionId", "path", "A collection", enum_schema(ids, i), true));
    for (i = 0; params_crs_at(i) && i < 16; i++)
        crs[i] = params_crs_at(i)->uri;
    cJSON_AddItemToObject(p, "processId",
                          param("processId", "path", "A process", schema("string"), true));
    cJSON_AddItemToObject(p, "jobId", param("jobId", "path", "A job", schema("string"), true));
    cJSON_AddItemToObject(p, "featureId",
                          param("featureId", "path",
                                "Official code for divisions, the stable id "
                                "otherwise",
                                schema("string"), true));
    cJSON_AddItemToObject(p, "f",
                          param("f", "query", "Output format", enum_schema(formats, 2), false));
    s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "array");
    cJSON_AddNumberToObject(s, "minItems", 4);
    cJSON_AddNumberToObject(s, "maxItems", 6);
    cJSON_AddItemToObject(s, "items", schema("number"));
    cJSON_AddItemToObject(
        p, "bbox", param("bbox", "query", "minx,miny,maxx,maxy (bbox-crs axis order)", s, false));
    cJSON_AddItemToObject(p, "bbox-crs",
                          param("bbox-crs", "query", "CRS of bbox", enum_schema(crs, i), false));
    cJSON_AddItemToObject(p, "crs",
                          param("crs", "query", "CRS of the response", enum_schema(crs, i), false));
    s = schema("integer");
    cJSON_AddNumberToObject(s, "minimum", 1);
    cJSON_AddNumberToObject(s, "maximum", 10000);
    cJSON_AddNumberToObject(s, "default", 100);
    cJSON_AddItemToObject(
        p, "limit", param("limit", "query", "Features per page (1..10000, default 100)", s, false));
    s = schema("integer");
    cJSON_AddNumberToObject(s, "minimum", 0);
    cJSON_AddItemToObject(p, "offset", param("offset", "query", "Features to skip", s, false));
    cJSON_AddItemToObject(p, "datetime",
                          param("datetime", "query",
                                "Instant or interval (a/b, ../b, a/..): on versioned collections, "
                                "the versions valid then",
                                schema("string"), false));
    cJSON_AddItemToObject(
        p, "filter",
        param("filter", "query", "A CQL2 expression over the queryables", schema("string"), false));
    cJSON_AddItemToObject(
        p, "filter-lang",
        param("filter-lang", "query", "Language of filter", enum_schema(langs, 2), false));
    cJSON_AddItemToObject(p, "filter-crs",
                          param("filter-crs", "query", "CRS of filter geometries (CRS84 only)",
                                schema("string"), false));
    cJSON_AddItemToObject(p, "properties",
                          param("properties", "query", "Comma-separated properties to return",
                                schema("string"), false));
    cJSON_AddItemToObject(p, "sortby",
                          param("sortby", "query", "Comma-separated properties, '-' for descending",
                                schema("string"), false));
    cJSON_AddItemToObject(p, "q",
                          param("q", "query", "Text search on names, pinyin and code prefixes",
                                schema("string"), false));
    cJSON_AddItemToObject(
        p, "skipGeometry",
        param("skipGeometry", "query", "Leave geometries out", schema("boolean"), false));
    add_search_params(p);
}

void api_openapi(const struct api_request *req, struct api_response *res)
{
    static const char *const items_params[] = {
        "collectionId", "f",        "bbox",         "bbox-crs",    "crs",        "limit",
        "offset",       "datetime", "filter",       "filter-lang", "filter-crs", "properties",
        "sortby",       "q",        "skipGeometry", NULL};
    static const char *const item_params[] = {"collectionId", "featureId", "f", "crs", NULL};
    static const char *const coll_params[] = {"collectionId", "f", NULL};
    static const char *const f_only[] = {"f", NULL};
    static const char *const proc_params[] = {"processId", NULL};
    static const char *const job_params[] = {"jobId", NULL};
    static const char *const search_params[] = {"searchQ", "searchLimit", "level", "category",
                                                "within",  "bbox",        "f",     NULL};
    cJSON *root, *info, *servers, *srv, *paths;
    char base[160];

    if (api_etag(req, res, "openapi"))
        return;
    api_base_url(req, base, sizeof base);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "openapi", "3.0.3");
    info = cJSON_AddObjectToObject(root, "info");
    cJSON_AddStringToObject(info, "title", "civgis");
    cJSON_AddStringToObject(info, "version", CIVGIS_VERSION);
    cJSON_AddStringToObject(info, "description",
                            "OGC API - Features (Parts 1, 2, 3) over civil-affairs layers");
    servers = cJSON_AddArrayToObject(root, "servers");
    srv = cJSON_CreateObject();
    cJSON_AddStringToObject(srv, "url", base);
    cJSON_AddItemToArray(servers, srv);
    paths = cJSON_AddObjectToObject(root, "paths");
    add_get(paths, "/", "getLandingPage", "Landing page", "application/json", f_only);
    add_get(paths, "/conformance", "getConformance", "Conformance classes", "application/json",
            f_only);
    add_get(paths, "/api", "getApi", "This API definition",
            "application/vnd.oai.openapi+json;version=3.0", NULL);
    add_get(paths, "/health", "getHealth", "Service health", "application/json", NULL);
    add_get(paths, "/collections", "getCollections", "The collections", "application/json", f_only);
    add_get(paths, "/collections/{collectionId}", "describeCollection", "One collection",
            "application/json", coll_params);
    add_get(paths, "/collections/{collectionId}/queryables", "getQueryables",
            "Properties usable in filters", "application/schema+json", coll_params);
    add_get(paths, "/collections/{collectionId}/items", "getFeatures", "Features",
            "application/geo+json", items_params);
    add_get(paths, "/collections/{collectionId}/items/{featureId}", "getFeature", "One feature",
            "application/geo+json", item_params);
    add_get(paths, "/search", "searchNames",
            "The gazetteer: features by name, pinyin, initials, former name or code, best first",
            "application/geo+json", search_params);
    add_get(paths, "/processes", "getProcesses", "The processes", "application/json", NULL);
    add_get(paths, "/processes/{processId}", "getProcessDescription", "One process",
            "application/json", proc_params);
    add_op(paths, "/processes/{processId}/execution", "post", "execute",
           "Execute a process (Prefer: respond-async for a job)", "application/json", proc_params);
    add_get(paths, "/jobs", "getJobs", "The jobs", "application/json", NULL);
    add_get(paths, "/jobs/{jobId}", "getStatus", "A job's status", "application/json", job_params);
    add_op(paths, "/jobs/{jobId}", "delete", "dismiss", "Dismiss a job", "application/json",
           job_params);
    add_get(paths, "/jobs/{jobId}/results", "getResult", "A job's results", "application/json",
            job_params);
    add_params(cJSON_AddObjectToObject(root, "components"));
    api_header_add(res, "Cache-Control", "public, max-age=3600");
    api_send_json(res, root, "application/vnd.oai.openapi+json;version=3.0");
}
