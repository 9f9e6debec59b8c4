/*
 * OGC API - Features Part 4 over app/editor: POST /collections/{id}/items, PUT, PATCH
 * (JSON merge patch, RFC 7396: a geometry-only or properties-only patch as QGIS sends)
 * and DELETE /collections/{id}/items/{fid}; a feature's history; an administrator's
 * revert of one audited change; the feature ETags and If-Match. Thin: the body becomes
 * an edit_input (cJSON lives and dies here), app/editor decides and writes, the result is
 * rendered. A rejected write answers 422 with every reason in "errors".
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "api_int.h"
#include "api_render.h"
#include "editor.h"
#include "layer.h"

#define MAX_PROPS 48

/* ---------------------------------------------------------------- ETags */

void api_feature_etag_text(uint64_t tag, const char *variant, bool is_gzip, char *out, size_t size)
{
    uLong crc = crc32(0L, Z_NULL, 0);

    if ((!variant || !*variant) && !is_gzip) {
        snprintf(out, size, "\"%016" PRIx64 "\"", tag);
        return;
    }
    if (variant)
        crc = crc32(crc, (const Bytef *)variant, (uInt)strlen(variant));
    crc = crc32(crc, (const Bytef *)(is_gzip ? "gz" : "id"), 2);
    snprintf(out, size, "\"%016" PRIx64 "-%08lx\"", tag, crc);
}

/* Whether the comma-separated entity-tag list holds etag exactly ("*" holds any). */
static bool etag_listed(const char *list, const char *etag)
{
    size_t n = strlen(etag);
    const char *p = list;

    if (!list)
        return false;
    while (*p) {
        p += strspn(p, " \t,");
        if (p[0] == '*' && (p[1] == '\0' || p[1] == ',' || p[1] == ' '))
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2; /* If-None-Match compares weakly: W/"x" names "x" */
        if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

bool api_feature_etag(const struct api_request *req,
                      struct api_response *res,
                      uint64_t tag,
                      const char *variant)
{
    char etag[64];

    api_feature_etag_text(tag, variant, req->accepts_gzip, etag, sizeof etag);
    api_header_add(res, "ETag", etag);
    if (!etag_listed(api_header(req, "If-None-Match"), etag))
        return false;
    res->status = 304;
    gbuf_reset(&res->body);
    res->is_body_gzip = false;
    return true;
}

/* One strong entity-tag of ours: 16 hex digits, maybe "-variant", in quotes. */
static bool etag_tag(const char *p, uint64_t *out)
{
    char hex[17];
    size_t i;

    if (p[0] != '"')
        return false;
    for (i = 0; i < 16; i++) {
        if (!strchr("0123456789abcdef", p[1 + i]) || !p[1 + i])
            return false;
        hex[i] = p[1 + i];
    }
    hex[16] = '\0';
    if (p[17] != '"' && p[17] != '-')
        return false;
    *out = strtoull(hex, NULL, 16);
    return true;
}

/* If-Match: "*", or a list of entity-tags; weak ones never match (RFC 9110 13.1.1). */
void api_if_match_parse(const char *h, struct editor_precondition *pre)
{
    const char *p = h;

    memset(pre, 0, sizeof *pre);
    if (!h)
        return;
    pre->is_set = true;
    while (*p) {
        uint64_t tag;
        p += strspn(p, " \t,");
        if (*p == '*')
            pre->is_any = true;
        else if (pre->n_tags < EDITOR_MAX_TAGS && etag_tag(p, &tag))
            pre->tags[pre->n_tags++] = tag;
        p += strcspn(p, ",");
    }
}

/* ---------------------------------------------------------------- policy */

bool api_write_may(const struct api_request *req, const char *method)
{
    bool is_write = strcmp(method, "GET") && strcmp(method, "HEAD");

    if (!is_write)
        return true;
    if (!strncmp(req->path, "/audit/", 7))
        return req->editor && req->who.role == AUTH_ADMIN;
    if (!strncmp(req->path, "/collections/", 13) && strstr(req->path, "/items"))
        return req->editor && editor_may_write(&req->who, req->path_params[0]);
    return true;
}

/* ---------------------------------------------------------------- the body */

struct body {
    cJSON *root;
    struct gbuf geometry; /* the geometry member, printed exactly */
    struct edit_prop props[MAX_PROPS];
    char *printed[MAX_PROPS + 1]; /* cJSON_Print results, freed with cJSON_free */
    char numbers[MAX_PROPS][32];
    size_t n_printed;
};

static void body_free(struct body *b)
{
    size_t i;

    for (i = 0; i < b->n_printed; i++)
        cJSON_free(b->printed[i]);
    cJSON_Delete(b->root);
    gbuf_free(&b->geometry);
}

static char *print(struct body *b, const cJSON *j)
{
    char *text = cJSON_PrintUnformatted(j);

    if (text)
        b->printed[b->n_printed++] = text;
    return text;
}

static enum gis_status
one_prop(struct body *b, const cJSON *v, struct edit_prop *p, size_t k, struct gis_error *err)
{
    p->name = v->string;
    if (cJSON_IsNull(v)) {
        p->type = EDIT_JSON_NULL;
        p->text = NULL;
    } else if (cJSON_IsString(v)) {
        p->type = EDIT_JSON_STRING;
        p->text = v->valuestring;
    } else if (cJSON_IsBool(v)) {
        p->type = EDIT_JSON_BOOL;
        p->text = cJSON_IsTrue(v) ? "true" : "false";
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        snprintf(b->numbers[k], sizeof b->numbers[k],
                 d == floor(d) && fabs(d) < 1e15 ? "%.0f" : "%.17g", d);
        p->type = EDIT_JSON_NUMBER;
        p->text = b->numbers[k];
    } else {
        p->type = cJSON_IsArray(v) ? EDIT_JSON_ARRAY : EDIT_JSON_OBJECT;
        p->text = print(b, v);
        if (!p->text)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    return GIS_OK;
}

static enum gis_status
take_props(struct body *b, const cJSON *props, struct edit_input *in, struct gis_error *err)
{
    const cJSON *v;
    enum gis_status rc = GIS_OK;
    size_t n = 0;

    if (!props || cJSON_IsNull(props))
        return GIS_OK;
    if (!cJSON_IsObject(props))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "properties must be an object");
    cJSON_ArrayForEach(v, props)
    {
        if (n == MAX_PROPS)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "more than %d properties", MAX_PROPS);
        rc = one_prop(b, v, &b->props[n], n, err);
        if (rc != GIS_OK)
            return rc;
        n++;
    }
    in->props = b->props;
    in->n_props = n;
    return GIS_OK;
}

/* The shortest text that reads back as v (cJSON's printer settles for 15 digits when
 * they come within an epsilon, which moves a coordinate by an ulp). */
static void print_number(struct gbuf *b, double v)
{
    char buf[40];
    int digits;

    for (digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    gbuf_puts(b, buf);
}

/* j as JSON text with every number exact. */
static void print_exact(struct gbuf *b, const cJSON *j, int depth)
{
    const cJSON *c;
    bool is_object = cJSON_IsObject(j);

    if (depth > 32) {
        gbuf_puts(b, "null");
    } else if (cJSON_IsNumber(j)) {
        print_number(b, j->valuedouble);
    } else if (cJSON_IsString(j)) {
        gbuf_puts(b, "\"");
        gbuf_json_escape(b, j->valuestring);
        gbuf_puts(b, "\"");
    } else if (is_object || cJSON_IsArray(j)) {
        gbuf_puts(b, is_object ? "{" : "[");
        cJSON_ArrayForEach(c, j)
        {
            if (c != j->child)
                gbuf_puts(b, ",");
            if (is_object) {
                gbuf_puts(b, "\"");
                gbuf_json_escape(b, c->string);
                gbuf_puts(b, "\":");
            }
            print_exact(b, c, depth + 1);
        }
        gbuf_puts(b, is_object ? "}" : "]");
    } else {
        gbuf_puts(b, cJSON_IsTrue(j) ? "true" : cJSON_IsFalse(j) ? "false" : "null");
    }
}

/* A top-level "id" must name the feature of the path (PUT, PATCH) when there is one. */
static bool id_agrees(const cJSON *id, const char *fid)
{
    if (!fid || !id || cJSON_IsNull(id))
        return true;
    if (cJSON_IsString(id))
        return !strcmp(id->valuestring, fid);
    return cJSON_IsNumber(id) && id->valuedouble == strtod(fid, NULL);
}

/* A Feature (POST, PUT) or a merge patch of one (PATCH) into in. */
static enum gis_status parse_body(const struct api_request *req,
                                  bool is_patch,
                                  struct body *b,
                                  struct edit_input *in,
                                  struct gis_error *err)
{
    const cJSON *type, *geometry;

    b->root = req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (!cJSON_IsObject(b->root))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body must be a GeoJSON Feature%s",
                        is_patch ? " or a JSON merge patch of one" : "");
    type = cJSON_GetObjectItemCaseSensitive(b->root, "type");
    if ((!is_patch || type) && !(cJSON_IsString(type) && !strcmp(type->valuestring, "Feature")))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "the body must be a GeoJSON Feature (\"type\": \"Feature\")");
    if (!id_agrees(cJSON_GetObjectItemCaseSensitive(b->root, "id"), in->fid))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body's id is not %.60s, the one in the path",
                        in->fid);
    geometry = cJSON_GetObjectItemCaseSensitive(b->root, "geometry");
    in->has_geometry = geometry != NULL;
    if (geometry && !cJSON_IsNull(geometry)) {
        gbuf_init(&b->geometry, API_MAX_BODY);
        print_exact(&b->geometry, geometry, 0);
        if (gbuf_status(&b->geometry) != GIS_OK)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        in->geometry = b->geometry.data;
    }
    return take_props(b, cJSON_GetObjectItemCaseSensitive(b->root, "properties"), in, err);
}

static bool is_json_type(const char *ct, bool is_patch)
{
    static const char *const types[] = {"application/geo+json", "application/json",
                                        "application/merge-patch+json"};
    size_t i;

    if (!ct)
        return true; /* curl without -H: take it as meant */
    for (i = 0; i < 3; i++)
        if (!strncasecmp(ct, types[i], strlen(types[i])) && (i < 2 || is_patch))
            return true;
    return false;
}

/* The query parameters and headers of a write: Content-Crs, X-Change-Reason, repair=,
 * tolerance=. */
static enum gis_status
write_options(const struct api_request *req, struct edit_input *in, struct gis_error *err)
{
    const char *crs = api_header(req, "Content-Crs"), *repair = api_query(req, "repair");
    const char *tol = api_query(req, "tolerance");
    const struct params_crs *c;
    char uri[200], *end;

    in->reason = api_header(req, "X-Change-Reason");
    in->is_repair = repair && !strcmp(repair, "true");
    if (repair && !in->is_repair && strcmp(repair, "false"))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "repair must be true or false");
    if (tol) {
        in->tolerance_m = strtod(tol, &end);
        if (end == tol || *end || !(in->tolerance_m > 0 && in->tolerance_m <= EDIT_MAX_TOLERANCE_M))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "tolerance is metres, above 0 and at most %g",
                            EDIT_MAX_TOLERANCE_M);
    }
    if (!crs)
        return GIS_OK;
    snprintf(uri, sizeof uri, "%s", crs + (crs[0] == '<'));
    uri[strcspn(uri, ">")] = '\0';
    c = params_crs_find(uri);
    if (!c)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "Content-Crs: '%.80s' is not a CRS this service offers", crs);
    if (c != params_crs_at(0)) {
        in->crs = c->proj;
        in->is_north_first = c->is_north_first;
    }
    return GIS_OK;
}

/* ---------------------------------------------------------------- responses */

/* Where a problem lies as GeoJSON: a Point, with the bbox of the area it concerns. */
static cJSON *place_json(const struct edit_place *at)
{
    cJSON *g = cJSON_CreateObject();

    cJSON_AddStringToObject(g, "type", "Point");
    cJSON_AddItemToObject(g, "coordinates",
                          cJSON_CreateDoubleArray((double[]){at->lon, at->lat}, 2));
    if (at->has_extent)
        cJSON_AddItemToObject(
            g, "bbox",
            cJSON_CreateDoubleArray((double[]){at->min_lon, at->min_lat, at->max_lon, at->max_lat},
                                    4));
    return g;
}

cJSON *api_rejected_json(const struct edit_problems *p, const char *what)
{
    cJSON *root = cJSON_CreateObject(), *list, *item;
    size_t i, n = p->n + p->n_omitted;
    char msg[160];

    snprintf(msg, sizeof msg, "%s: %zu reason%s", what, n, n == 1 ? "" : "s");
    cJSON_AddStringToObject(root, "code", "rejected");
    cJSON_AddStringToObject(root, "description", msg);
    list = cJSON_AddArrayToObject(root, "errors");
    for (i = 0; i < p->n; i++) {
        item = cJSON_CreateObject();
        if (p->items[i].property[0])
            cJSON_AddStringToObject(item, "property", p->items[i].property);
        else
            cJSON_AddNullToObject(item, "property");
        cJSON_AddStringToObject(item, "description", p->items[i].msg);
        if (p->items[i].has_place)
            cJSON_AddItemToObject(item, "location", place_json(&p->items[i].place));
        cJSON_AddItemToArray(list, item);
    }
    return root;
}

static void respond_rejected(struct api_response *res, const struct edit_problems *p)
{
    api_send_json(res, api_rejected_json(p, "the feature was not written"), "application/json");
    res->status = 422;
}

static void respond_failure(const struct api_request *req,
                            struct api_response *res,
                            const struct gis_error *err,
                            const struct edit_problems *p,
                            uint64_t current_tag)
{
    char etag[64];

    if (err->code == GIS_ERR_REJECTED) {
        respond_rejected(res, p);
        return;
    }
    if (err->code == GIS_ERR_UNAUTHORIZED) {
        api_unauthorized(res, err->msg);
        return;
    }
    api_fail(res, err);
    if (err->code == GIS_ERR_PRECONDITION && current_tag) {
        char base[160];
        api_base_url(req, base, sizeof base);
        api_feature_etag_text(current_tag, base, false, etag, sizeof etag);
        api_header_add(res, "ETag", etag);
    }
}

static void respond_written(const struct api_request *req,
                            struct api_response *res,
                            const struct editor_result *r,
                            unsigned status)
{
    char base[160], href[512], etag[64];
    cJSON *root;

    if (!r->exists) {
        res->status = 204;
        return;
    }
    api_base_url(req, base, sizeof base);
    snprintf(href, sizeof href, "%s/collections/%s/items/%s", base, req->path_params[0], r->fid);
    /* The tag GET from this host (JSON, no coding) would send: links name the host. */
    api_feature_etag_text(r->tag, base, false, etag, sizeof etag);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", r->fid);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "links"),
                         api_link(href, "self", "application/geo+json", "The feature"));
    api_send_json(res, root, "application/json");
    res->status = status;
    api_header_add(res, "ETag", etag);
    if (status == 201)
        api_header_add(res, "Location", href);
    api_header_add(res, "Cache-Control", "no-store");
}

/* The collection is a layer, but one civgis derives (demand, scenarios, coverage). */
static bool not_editable(const struct api_request *req, struct api_response *res)
{
    struct layer_scratch scratch;

    if (edit_layer_target(req->path_params[0], NULL, NULL))
        return false;
    if (layer_resolve(api_store(req), req->path_params[0], &scratch)) {
        api_error(res, 405, "method_not_allowed",
                  "this collection is derived from others and cannot be edited");
        api_header_add(res, "Allow", "GET, HEAD, OPTIONS");
    } else {
        api_error(res, 404, "not_found", "no such collection; see /collections");
    }
    return true;
}

static void write_feature(const struct api_request *req,
                          struct api_response *res,
                          enum edit_action action,
                          bool has_body)
{
    struct edit_input in = {.layer_id = req->path_params[0], .action = action};
    struct editor_precondition pre;
    struct editor_result out;
    struct edit_problems problems;
    struct gis_error err = {0};
    struct body b = {0};
    uint64_t current = 0;
    enum gis_status rc;

    if (not_editable(req, res))
        return;
    if (!req->editor) {
        api_error(res, 503, "read_only", "this server has no writable database");
        return;
    }
    if (has_body && !is_json_type(api_header(req, "Content-Type"), action == EDIT_UPDATE)) {
        api_error(res, 415, "unsupported_media_type",
                  action == EDIT_UPDATE ? "PATCH takes application/merge-patch+json"
                                        : "send a GeoJSON Feature as application/geo+json");
        return;
    }
    in.fid = action == EDIT_CREATE ? NULL : req->path_params[1];
    api_if_match_parse(api_header(req, "If-Match"), &pre);
    rc = write_options(req, &in, &err);
    if (rc == GIS_OK && has_body)
        rc = parse_body(req, action == EDIT_UPDATE, &b, &in, &err);
    if (rc == GIS_OK)
        rc = editor_write(req->editor, &req->who, &in, &pre, &out, &current, &problems, &err);
    if (rc != GIS_OK)
        respond_failure(req, res, &err, &problems, current);
    else
        respond_written(req, res, &out, action == EDIT_CREATE ? 201 : 200);
    body_free(&b);
}

void api_item_create(const struct api_request *req, struct api_response *res)
{
    write_feature(req, res, EDIT_CREATE, true);
}

void api_item_write(const struct api_request *req, struct api_response *res)
{
    if (!strcmp(req->method, "PUT"))
        write_feature(req, res, EDIT_REPLACE, true);
    else if (!strcmp(req->method, "PATCH"))
        write_feature(req, res, EDIT_UPDATE, true);
    else
        write_feature(req, res, EDIT_DELETE, false);
}

/* ---------------------------------------------------------------- history */

static void add_text_or_null(cJSON *o, const char *name, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *history_json(const struct api_request *req, const struct editor_history *h)
{
    cJSON *root = cJSON_CreateObject(), *list, *o;
    char base[160], href[512];
    size_t i;

    api_base_url(req, base, sizeof base);
    cJSON_AddStringToObject(root, "collection", req->path_params[0]);
    cJSON_AddStringToObject(root, "id", req->path_params[1]);
    list = cJSON_AddArrayToObject(root, "versions");
    for (i = 0; i < h->n_versions; i++) {
        o = cJSON_CreateObject();
        add_text_or_null(o, "valid_from", h->versions[i].valid_from);
        add_text_or_null(o, "valid_to", h->versions[i].valid_to);
        add_text_or_null(o, "reason", h->versions[i].reason);
        cJSON_AddItemToArray(list, o);
    }
    list = cJSON_AddArrayToObject(root, "changes");
    for (i = 0; i < h->n_changes; i++) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "audit_id", (double)h->changes[i].audit_id);
        cJSON_AddStringToObject(o, "at", h->changes[i].at);
        cJSON_AddStringToObject(o, "user", h->changes[i].user);
        cJSON_AddStringToObject(o, "action", h->changes[i].action);
        add_text_or_null(o, "reason", h->changes[i].reason);
        cJSON_AddItemToArray(list, o);
    }
    snprintf(href, sizeof href, "%s/collections/%s/items/%s", base, req->path_params[0],
             req->path_params[1]);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "links"),
                         api_link(href, "about", "application/geo+json", "The feature"));
    return root;
}

void api_item_history(const struct api_request *req, struct api_response *res)
{
    struct editor_history *h = NULL;
    struct gis_error err = {0};

    if (not_editable(req, res))
        return;
    if (editor_history(api_store(req), req->path_params[0], req->path_params[1], &h, &err) !=
        GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_header_add(res, "Cache-Control", "no-cache");
    api_send_json(res, history_json(req, h), "application/json");
    editor_history_free(h);
}

/* ---------------------------------------------------------------- revert */

/* The reason of a revert: {"reason": "..."} in the body, or X-Change-Reason. */
static enum gis_status
revert_reason(const struct api_request *req, cJSON **root, const char **out, struct gis_error *err)
{
    const cJSON *r;

    *out = api_header(req, "X-Change-Reason");
    if (!req->body_len)
        return GIS_OK;
    *root = cJSON_ParseWithLength(req->body, req->body_len);
    r = cJSON_GetObjectItemCaseSensitive(*root, "reason");
    if (!cJSON_IsObject(*root) || (r && !cJSON_IsString(r)))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body must be {\"reason\": \"...\"}");
    if (r)
        *out = r->valuestring;
    return GIS_OK;
}

void api_audit_revert(const struct api_request *req, struct api_response *res)
{
    struct editor_result out;
    struct edit_problems problems;
    struct gis_error err = {0};
    const char *reason = NULL;
    cJSON *root = NULL, *doc;
    char *end;
    long long id = strtoll(req->path_params[0], &end, 10);
    enum gis_status rc = GIS_OK;

    if (end == req->path_params[0] || *end || id <= 0)
        rc = gis_fail(&err, GIS_ERR_NOT_FOUND, "no audit row '%.40s'", req->path_params[0]);
    else if (!req->editor)
        rc = gis_fail(&err, GIS_ERR_TIMEOUT, "this server has no writable database");
    if (rc == GIS_OK)
        rc = revert_reason(req, &root, &reason, &err);
    if (rc == GIS_OK)
        rc = editor_revert(req->editor, &req->who, id, reason, &out, &problems, &err);
    cJSON_Delete(root);
    if (rc != GIS_OK) {
        respond_failure(req, res, &err, &problems, 0);
        return;
    }
    doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "reverted", (double)id);
    cJSON_AddStringToObject(doc, "id", out.fid);
    cJSON_AddBoolToObject(doc, "exists", out.exists);
    api_send_json(res, doc, "application/json");
}
