/*
 * /api: the OpenAPI 3.0 definition. Its paths are generated from the route table (each
 * row carries its operation's fragment, see struct api_route) and its parameters from
 * the tables the handlers use (layers, CRSs), so it cannot leave out or drift from what
 * is served. Each collection also gets its own items path listing its queryables as
 * query parameters: GDAL's OAPIF driver reads them there to send field=value filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "version.h"

#define MVT_TYPE "application/vnd.mapbox-vector-tile"

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

static cJSON *ref(const char *name, size_t len)
{
    char buf[128];
    cJSON *r = cJSON_CreateObject();

    snprintf(buf, sizeof buf, "#/components/parameters/%.*s", (int)len, name);
    cJSON_AddStringToObject(r, "$ref", buf);
    return r;
}

static cJSON *responses(const char *type, const char *desc, bool has_html)
{
    cJSON *r = cJSON_CreateObject(), *ok, *content, *other;

    ok = cJSON_AddObjectToObject(r, "200");
    cJSON_AddStringToObject(ok, "description", desc);
    content = cJSON_AddObjectToObject(ok, "content");
    cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, type), "schema");
    if (has_html)
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, "text/html"), "schema");
    if (!strcmp(type, MVT_TYPE)) {
        other = cJSON_AddObjectToObject(r, "204");
        cJSON_AddStringToObject(other, "description", "No feature in this tile");
    }
    other = cJSON_AddObjectToObject(r, "400");
    cJSON_AddStringToObject(other, "description", "Bad request: a JSON {code, description}");
    other = cJSON_AddObjectToObject(r, "404");
    cJSON_AddStringToObject(other, "description", "Not found");
    return r;
}

/* Appends a $ref for each space-separated name in names; *has_f says whether "f" (the
 * HTML alternative) is among them. */
static void add_refs(cJSON *plist, const char *names, bool *has_f)
{
    const char *p = names;

    *has_f = false;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (len) {
            cJSON_AddItemToArray(plist, ref(p, len));
            *has_f = *has_f || (len == 1 && *p == 'f');
        }
        p += len + (p[len] == ' ');
    }
}

static const char *method_name(unsigned methods)
{
    if (methods & API_POST)
        return "post";
    if (methods & API_PUT)
        return "put";
    if (methods & API_PATCH)
        return "patch";
    return methods & API_DELETE ? "delete" : "get";
}

/* A route that needs a role: the schemes that carry a token, and the answers only such a
 * route gives. */
static void add_secured(cJSON *op)
{
    static const char *const codes[][2] = {
        {"401", "No token, or one that names nobody"},
        {"403", "The role or the scope does not reach"},
        {"412", "If-Match: the feature changed since"},
        {"422", "A rule is broken: every reason in errors"},
    };
    cJSON *sec = cJSON_AddArrayToObject(op, "security"), *r;
    size_t i;

    cJSON_AddItemToArray(sec, cJSON_CreateObject());
    cJSON_AddArrayToObject(cJSON_GetArrayItem(sec, 0), "bearer");
    cJSON_AddItemToArray(sec, cJSON_CreateObject());
    cJSON_AddArrayToObject(cJSON_GetArrayItem(sec, 1), "basic");
    r = cJSON_GetObjectItemCaseSensitive(op, "responses");
    for (i = 0; i < sizeof codes / sizeof *codes; i++)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(r, codes[i][0]), "description",
                                codes[i][1]);
}

/* The operation of one route, under its path. */
static cJSON *add_op(cJSON *paths, const char *path, const struct api_route *rt)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path), *op, *plist;
    bool has_f;

    if (!item)
        item = cJSON_AddObjectToObject(paths, path);
    op = cJSON_AddObjectToObject(item, method_name(rt->methods));
    if (rt->body_type) {
        cJSON *body = cJSON_AddObjectToObject(op, "requestBody"), *content;
        cJSON_AddBoolToObject(body, "required", 1);
        content = cJSON_AddObjectToObject(body, "content");
        cJSON *sch =
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(content, rt->body_type), "schema");
        char where[128];
        if (rt->body_schema) {
            snprintf(where, sizeof where, "#/components/schemas/%s", rt->body_schema);
            cJSON_AddStringToObject(sch, "$ref", where);
        } else {
            cJSON_AddStringToObject(sch, "type", "object");
        }
    }
    cJSON_AddStringToObject(op, "operationId", rt->operation_id);
    cJSON_AddStringToObject(op, "summary", rt->summary);
    plist = cJSON_AddArrayToObject(op, "parameters");
    add_refs(plist, rt->params, &has_f);
    cJSON_AddItemToObject(op, "responses", responses(rt->media_type, rt->summary, has_f));
    if (rt->min_role > AUTH_ANONYMOUS) {
        add_secured(op);
        /* The route's minimum role, as dispatch checks it (clients and tests read it). */
        cJSON_AddStringToObject(op, "x-civgis-min-role", auth_role_name(rt->min_role));
    }
    return op;
}

/* One queryable of l as a property=value query parameter. A sensitive one is marked with
 * the role it needs (x-civgis-min-role); below it the server answers 400 naming it as
 * unknown, as for any name the caller's queryables do not list. */
static cJSON *queryable_param(const struct layer_prop *p)
{
    /* An array queryable's parameter names one element the array must contain. */
    cJSON *s = schema(p->type == PROP_ARRAY ? "string" : api_json_type(p->type)), *par;

    if (p->type == PROP_DATE)
        cJSON_AddStringToObject(s, "format", "date");
    par = param(p->name, "query", p->description, s, false);
    if (p->is_sensitive)
        cJSON_AddStringToObject(par, "x-civgis-min-role", auth_role_name(policy_sensitive_role()));
    return par;
}

/* Anyone may call it; a token of the role its parameters' x-civgis-min-role names shows
 * more (the sensitive properties): security lists no scheme (anonymous) and the token
 * schemes. */
static void add_optional_security(cJSON *op)
{
    cJSON *sec = cJSON_AddArrayToObject(op, "security");

    cJSON_AddItemToArray(sec, cJSON_CreateObject());
    cJSON_AddItemToArray(sec, cJSON_CreateObject());
    cJSON_AddArrayToObject(cJSON_GetArrayItem(sec, 1), "bearer");
    cJSON_AddItemToArray(sec, cJSON_CreateObject());
    cJSON_AddArrayToObject(cJSON_GetArrayItem(sec, 2), "basic");
}

/* /collections/{id}/items for one collection: the generic items operation with the
 * collection's queryables added as query parameters (property=value), the sensitive ones
 * (planner and above) marked, and the operation then marked as optionally secured. */
static void
add_collection_items(cJSON *paths, const struct api_route *items, const struct layer_def *l)
{
    struct api_route rt = *items;
    char path[128], op_id[96];
    cJSON *op, *plist;
    size_t i;

    /* The generic parameters without collectionId, which this path fixes. */
    rt.params = strchr(items->params, ' ') ? strchr(items->params, ' ') + 1 : "";
    snprintf(op_id, sizeof op_id, "%s_%s", items->operation_id, l->id);
    rt.operation_id = op_id;
    snprintf(path, sizeof path, "/collections/%s/items", l->id);
    op = add_op(paths, path, &rt);
    plist = cJSON_GetObjectItemCaseSensitive(op, "parameters");
    for (i = 0; i < l->n_props; i++)
        cJSON_AddItemToArray(plist, queryable_param(&l->props[i]));
    for (i = 0; i < l->n_sensitive; i++)
        cJSON_AddItemToArray(plist, queryable_param(&l->sensitive_props[i]));
    if (l->n_sensitive)
        add_optional_security(op);
}

static void add_security(cJSON *comp)
{
    cJSON *schemes = cJSON_AddObjectToObject(comp, "securitySchemes"), *s;

    s = cJSON_AddObjectToObject(schemes, "bearer");
    cJSON_AddStringToObject(s, "type", "http");
    cJSON_AddStringToObject(s, "scheme", "bearer");
    cJSON_AddStringToObject(s, "description", "A civgis token (civgis user add)");
    s = cJSON_AddObjectToObject(schemes, "basic");
    cJSON_AddStringToObject(s, "type", "http");
    cJSON_AddStringToObject(s, "scheme", "basic");
    cJSON_AddStringToObject(s, "description", "Any user name, the token as the password");
}

static cJSON *enum_schema(const char *const *values, size_t n)
{
    cJSON *s = schema("string"), *e = cJSON_AddArrayToObject(s, "enum");
    size_t i;

    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(e, cJSON_CreateString(values[i]));
    return s;
}

static cJSON *bounded_int(double min, double max, double def)
{
    cJSON *s = schema("integer");

    cJSON_AddNumberToObject(s, "minimum", min);
    if (max > min)
        cJSON_AddNumberToObject(s, "maximum", max);
    if (def >= 0)
        cJSON_AddNumberToObject(s, "default", def);
    return s;
}

static void add_path_params(cJSON *p)
{
    static const char *const tms[] = {"WebMercatorQuad"};
    static const struct {
        const char *name, *desc;
    } text[] = {
        {"processId", "A process"},
        {"jobId", "A job"},
        {"featureId", "Official code for divisions, the stable id otherwise"},
        {"auditId", "An audit row (civgis audit)"},
        {"variantId", "An alias or former name of the feature (its id in the name record)"},
        {"tilesetId", "A tileset: civgis (the combined base map) or a collection id"},
        {"webFile", "A file of the web application, such as index.html or app.js"},
        {"fontStack", "A font stack of the map style"},
        {"glyphRange", "A range of 256 code points, such as 0-255"},
    };
    static const struct {
        const char *name, *desc;
        double max;
    } index[] = {
        {"tileMatrix", "Zoom level (tile matrix id), 0..24", 24},
        {"tileRow", "Tile row, 0 at the top", -1},
        {"tileCol", "Tile column, 0 at the left", -1},
        {"z", "Zoom level, 0..24", 24},
        {"x", "Tile column, 0 at the left", -1},
        {"y", "Tile row, 0 at the top", -1},
    };
    size_t i;

    for (i = 0; i < sizeof text / sizeof *text; i++)
        cJSON_AddItemToObject(p, text[i].name,
                              param(text[i].name, "path", text[i].desc, schema("string"), true));
    cJSON_AddItemToObject(
        p, "tileMatrixSetId",
        param("tileMatrixSetId", "path", "A tile matrix set", enum_schema(tms, 1), true));
    for (i = 0; i < sizeof index / sizeof *index; i++)
        cJSON_AddItemToObject(
            p, index[i].name,
            param(index[i].name, "path", index[i].desc, bounded_int(0, index[i].max, -1), true));
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

static void add_query_params(cJSON *p)
{
    static const char *const formats[] = {"json", "html"};
    static const char *const langs[] = {"cql2-text", "cql2-json"};
    static const struct {
        const char *name, *desc, *type;
    } plain[] = {
        {"datetime",
         "Instant or interval (a/b, ../b, a/..): on versioned collections, the versions valid "
         "then",
         "string"},
        {"filter", "A CQL2 expression over the queryables", "string"},
        {"filter-crs", "CRS of filter geometries (CRS84 only)", "string"},
        {"properties", "Comma-separated properties to return", "string"},
        {"sortby", "Comma-separated properties, '-' for descending", "string"},
        {"q", "Text search on names, pinyin and code prefixes", "string"},
        {"skipGeometry", "Leave geometries out", "boolean"},
        {"force",
         "Name records: take a pinyin that does not read the name, or a name a sibling has",
         "boolean"},
    };
    const char *crs[16];
    cJSON *s;
    size_t i;

    for (i = 0; params_crs_at(i) && i < 16; i++)
        crs[i] = params_crs_at(i)->uri;
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
    cJSON_AddItemToObject(p, "limit",
                          param("limit", "query", "Features per page (1..10000, default 100)",
                                bounded_int(1, 10000, 100), false));
    cJSON_AddItemToObject(
        p, "offset", param("offset", "query", "Features to skip", bounded_int(0, 0, -1), false));
    cJSON_AddItemToObject(
        p, "filter-lang",
        param("filter-lang", "query", "Language of filter", enum_schema(langs, 2), false));
    for (i = 0; i < sizeof plain / sizeof *plain; i++)
        cJSON_AddItemToObject(
            p, plain[i].name,
            param(plain[i].name, "query", plain[i].desc, schema(plain[i].type), false));
}

static void add_params(cJSON *comp)
{
    const char *ids[16];
    cJSON *p = cJSON_AddObjectToObject(comp, "parameters");
    size_t i;

    for (i = 0; i < layer_count() && i < 16; i++)
        ids[i] = layer_at(i)->id;
    cJSON_AddItemToObject(p, "collectionId",
                          param("collectionId", "path",
                                "A collection (the fixed ones; coverage-KIND and scenario-N are "
                                "listed at /collections)",
                                enum_schema(ids, i), true));
    add_path_params(p);
    add_query_params(p);
    add_search_params(p);
}

/* Every route's operation, then each collection's items path. */
static void add_paths(cJSON *paths, const struct api_layer_list *list)
{
    const struct api_route *rt, *items = NULL;
    size_t i;

    for (i = 0; (rt = api_route_at(i)) != NULL; i++) {
        add_op(paths, rt->pattern, rt);
        if (rt->handler == api_items)
            items = rt;
    }
    for (i = 0; items && i < list->n; i++)
        add_collection_items(paths, items, list->layers[i]);
}

void api_openapi(const struct api_request *req, struct api_response *res)
{
    struct api_layer_list *list = malloc(sizeof *list);
    cJSON *root, *info, *servers, *srv, *comp;
    char base[160];

    if (!list) {
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    api_base_url(req, base, sizeof base);
    if (api_data_etag(req, res, "openapi", base)) {
        free(list);
        return;
    }
    api_layers_list(req, list);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "openapi", "3.0.3");
    info = cJSON_AddObjectToObject(root, "info");
    cJSON_AddStringToObject(info, "title", "civgis");
    cJSON_AddStringToObject(info, "version", CIVGIS_VERSION);
    cJSON_AddStringToObject(info, "description",
                            "OGC API - Features (Parts 1, 2, 3, 4, 5), Tiles and Processes over "
                            "civil-affairs layers");
    servers = cJSON_AddArrayToObject(root, "servers");
    srv = cJSON_CreateObject();
    cJSON_AddStringToObject(srv, "url", base);
    cJSON_AddItemToArray(servers, srv);
    add_paths(cJSON_AddObjectToObject(root, "paths"), list);
    comp = cJSON_AddObjectToObject(root, "components");
    add_params(comp);
    api_names_schemas(cJSON_AddObjectToObject(comp, "schemas"));
    add_security(comp);
    free(list);
    api_header_add(res, "Cache-Control", "public, no-cache");
    api_send_json(res, root, "application/vnd.oai.openapi+json;version=3.0");
}
