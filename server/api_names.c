/*
 * The standard name record of a feature over HTTP (the gazetteer's corrections):
 *
 *   GET   /collections/{c}/items/{f}/name                      the record: name, pinyin and
 *         its source, approval and filing, aliases and former names with their dates, the
 *         versions of the name and every audited change; f=html for people
 *   PATCH /collections/{c}/items/{f}/name                      a JSON merge patch of it
 *   POST  /collections/{c}/items/{f}/name/variants             a new alias or former name
 *   GET   /collections/{c}/items/{f}/name/variants/{v}         one of them
 *   PATCH /collections/{c}/items/{f}/name/variants/{v}         correct or close one
 *
 * for divisions (and their level views) and places. Writes take X-Change-Reason (or a
 * change_reason member), If-Match against the record's ETag, and force=true to take a
 * pinyin that does not read the name or a name a sibling has. Thin: the body becomes a
 * names_change (cJSON lives and dies here), app/editor decides and gis/names writes; a
 * change that breaks a rule answers 422 with every reason.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "api_render.h"
#include "editor.h"
#include "names.h"
#include "render.h"

/* ---------------------------------------------------------------- bodies */

/* A body member and the text field of the change it fills. */
struct member {
    const char *name;
    size_t off;
};

static const struct member RECORD_MEMBERS[] = {
    {"name", offsetof(struct names_update, name)},
    {"pinyin", offsetof(struct names_update, pinyin)},
    {"pinyin_source", offsetof(struct names_update, pinyin_source)},
    {"approved_by", offsetof(struct names_update, approved_by)},
    {"approval_doc", offsetof(struct names_update, approval_doc)},
    {"approval_date", offsetof(struct names_update, approval_date)},
    {"filing_status", offsetof(struct names_update, filing_status)},
    {"filing_date", offsetof(struct names_update, filing_date)},
    {"valid_from", offsetof(struct names_update, valid_from)},
};

static const struct member VARIANT_MEMBERS[] = {
    {"kind", offsetof(struct names_variant_change, kind)},
    {"name", offsetof(struct names_variant_change, name)},
    {"pinyin", offsetof(struct names_variant_change, pinyin)},
    {"valid_from", offsetof(struct names_variant_change, valid_from)},
    {"valid_to", offsetof(struct names_variant_change, valid_to)},
    {"approved_by", offsetof(struct names_variant_change, approved_by)},
    {"approval_doc", offsetof(struct names_variant_change, approval_doc)},
    {"approval_date", offsetof(struct names_variant_change, approval_date)},
    {"note", offsetof(struct names_variant_change, note)},
};

#define N(a) (sizeof a / sizeof *a)

/* Fills the text fields at base from the members of o: a string as it is, null as ""
 * (clear it). reason gets change_reason. Unknown members and other types are 400s. */
static enum gis_status take_members(const cJSON *o,
                                    const struct member *m,
                                    size_t n,
                                    void *base,
                                    const char **reason,
                                    struct gis_error *err)
{
    const cJSON *v;
    size_t i;

    cJSON_ArrayForEach(v, o)
    {
        const char *text = cJSON_IsNull(v) ? "" : cJSON_GetStringValue(v);
        for (i = 0; i < n && strcmp(m[i].name, v->string); i++)
            ;
        if (i == n && strcmp(v->string, "change_reason"))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "unknown member '%.40s'; see /api",
                            v->string);
        if (!text)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "%.40s must be a string (or null to clear)",
                            v->string);
        if (i == n)
            *reason = text;
        else
            *(const char **)((char *)base + m[i].off) = text;
    }
    return GIS_OK;
}

static bool is_json_body(const char *ct)
{
    return !ct || !strncasecmp(ct, "application/json", 16) ||
           !strncasecmp(ct, "application/merge-patch+json", 28);
}

/* The body as a JSON object (the caller deletes it). */
static enum gis_status
body_object(const struct api_request *req, cJSON **out, struct gis_error *err)
{
    cJSON *root;

    root = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body must be one JSON object");
    }
    *out = root;
    return GIS_OK;
}

static enum gis_status force_option(const struct api_request *req, bool *out, struct gis_error *err)
{
    const char *f = api_query(req, "force");

    *out = f && !strcmp(f, "true");
    if (f && !*out && strcmp(f, "false"))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "force must be true or false");
    return GIS_OK;
}

/* ---------------------------------------------------------------- rendering */

static void add_text(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void record_href(const struct api_request *req, char *out, size_t size)
{
    char base[160];

    api_base_url(req, base, sizeof base);
    snprintf(out, size, "%s/collections/%s/items/%s/name", base, req->path_params[0],
             req->path_params[1]);
}

static cJSON *variant_json(const struct api_request *req, const struct names_variant *v)
{
    cJSON *o = cJSON_CreateObject();
    char href[700], rec[600];

    record_href(req, rec, sizeof rec);
    snprintf(href, sizeof href, "%s/variants/%lld", rec, (long long)v->id);
    cJSON_AddNumberToObject(o, "id", (double)v->id);
    cJSON_AddStringToObject(o, "kind", v->kind);
    cJSON_AddStringToObject(o, "name", v->name);
    add_text(o, "pinyin", v->pinyin);
    add_text(o, "pinyin_source", v->pinyin_source);
    add_text(o, "valid_from", v->valid_from);
    add_text(o, "valid_to", v->valid_to);
    add_text(o, "approved_by", v->approved_by);
    add_text(o, "approval_doc", v->approval_doc);
    add_text(o, "approval_date", v->approval_date);
    add_text(o, "note", v->note);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "links"),
                         api_link(href, "self", "application/json", "This name"));
    return o;
}

static void add_history(cJSON *root, const struct names_record *r, const struct editor_history *h)
{
    cJSON *list = cJSON_AddArrayToObject(root, "versions"), *o;
    size_t i;

    for (i = 0; i < r->n_versions; i++) {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->versions[i].name);
        add_text(o, "pinyin", r->versions[i].pinyin);
        add_text(o, "pinyin_source", r->versions[i].pinyin_source);
        add_text(o, "valid_from", r->versions[i].valid_from);
        add_text(o, "valid_to", r->versions[i].valid_to);
        add_text(o, "reason", r->versions[i].reason);
        cJSON_AddItemToArray(list, o);
    }
    list = cJSON_AddArrayToObject(root, "changes");
    for (i = 0; h && i < h->n_changes; i++) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "audit_id", (double)h->changes[i].audit_id);
        cJSON_AddStringToObject(o, "at", h->changes[i].at);
        cJSON_AddStringToObject(o, "user", h->changes[i].user);
        cJSON_AddStringToObject(o, "action", h->changes[i].action);
        add_text(o, "reason", h->changes[i].reason);
        cJSON_AddItemToArray(list, o);
    }
}

static void add_links(const struct api_request *req, cJSON *root)
{
    cJSON *links = cJSON_AddArrayToObject(root, "links");
    char rec[600], href[700];

    record_href(req, rec, sizeof rec);
    cJSON_AddItemToArray(links, api_link(rec, "self", "application/json", "This record"));
    snprintf(href, sizeof href, "%s?f=html", rec);
    cJSON_AddItemToArray(links, api_link(href, "alternate", "text/html", "This record as HTML"));
    snprintf(href, sizeof href, "%.*s", (int)(strlen(rec) - 5), rec);
    cJSON_AddItemToArray(links, api_link(href, "about", "application/geo+json", "The feature"));
    snprintf(href, sizeof href, "%s/variants", rec);
    cJSON_AddItemToArray(links, api_link(href, "variants", "application/json",
                                         "Add an alias or former name (POST)"));
}

static cJSON *record_json(const struct api_request *req,
                          const struct names_record *r,
                          const struct editor_history *h)
{
    cJSON *root = cJSON_CreateObject(), *list;
    size_t i;

    cJSON_AddStringToObject(root, "collection", req->path_params[0]);
    cJSON_AddStringToObject(root, "id", r->feature);
    cJSON_AddStringToObject(root, "name", r->name);
    add_text(root, "pinyin", r->pinyin);
    add_text(root, "pinyin_source", r->pinyin_source);
    add_text(root, "category", r->category);
    if (r->level)
        cJSON_AddNumberToObject(root, "level", r->level);
    add_text(root, "division", r->division);
    add_text(root, "approved_by", r->approved_by);
    add_text(root, "approval_doc", r->approval_doc);
    add_text(root, "approval_date", r->approval_date);
    add_text(root, "filing_status", r->filing_status);
    add_text(root, "filing_date", r->filing_date);
    add_text(root, "valid_from", r->valid_from);
    list = cJSON_AddArrayToObject(root, "aliases");
    for (i = 0; i < r->n_variants; i++)
        if (!strcmp(r->variants[i].kind, "alias"))
            cJSON_AddItemToArray(list, variant_json(req, &r->variants[i]));
    list = cJSON_AddArrayToObject(root, "former_names");
    for (i = 0; i < r->n_variants; i++)
        if (strcmp(r->variants[i].kind, "alias"))
            cJSON_AddItemToArray(list, variant_json(req, &r->variants[i]));
    list = cJSON_AddArrayToObject(root, "homophones");
    for (i = 0; i < r->n_homophones; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", r->homophones[i].feature);
        cJSON_AddStringToObject(o, "name", r->homophones[i].name);
        cJSON_AddStringToObject(o, "pinyin", r->homophones[i].pinyin);
        cJSON_AddItemToArray(list, o);
    }
    add_history(root, r, h);
    add_links(req, root);
    return root;
}

static void row(struct gbuf *b, const char *k, const char *v)
{
    gbuf_puts(b, "<tr><th>");
    render_html_escape(b, k);
    gbuf_puts(b, "</th><td>");
    render_html_escape(b, v ? v : "");
    gbuf_puts(b, "</td></tr>");
}

static void cells(struct gbuf *b, const char *const *v, size_t n)
{
    size_t i;

    gbuf_puts(b, "<tr>");
    for (i = 0; i < n; i++) {
        gbuf_puts(b, "<td>");
        render_html_escape(b, v[i] ? v[i] : "");
        gbuf_puts(b, "</td>");
    }
    gbuf_puts(b, "</tr>");
}

static void
html_history(struct gbuf *b, const struct names_record *r, const struct editor_history *h)
{
    char id[24];
    size_t i;

    gbuf_puts(b, "<h2>Versions of the name</h2><table><tr><th>name</th><th>pinyin</th>"
                 "<th>from</th><th>to</th><th>reason</th></tr>");
    for (i = 0; i < r->n_versions; i++) {
        const struct names_version *v = &r->versions[i];
        const char *c[] = {v->name, v->pinyin, v->valid_from, v->valid_to, v->reason};
        cells(b, c, N(c));
    }
    gbuf_puts(b, "</table><h2>Changes</h2><table><tr><th>audit</th><th>at</th><th>user</th>"
                 "<th>action</th><th>reason</th></tr>");
    for (i = 0; h && i < h->n_changes; i++) {
        const struct editor_change *c = &h->changes[i];
        const char *t[5];
        snprintf(id, sizeof id, "%lld", (long long)c->audit_id);
        t[0] = id;
        t[1] = c->at;
        t[2] = c->user;
        t[3] = c->action;
        t[4] = c->reason;
        cells(b, t, N(t));
    }
    gbuf_puts(b, "</table>");
}

static void
send_html(struct api_response *res, const struct names_record *r, const struct editor_history *h)
{
    struct gbuf *b = &res->body;
    size_t i;

    gbuf_reset(b);
    api_html_begin(b, r->name);
    gbuf_puts(b, "<h1>");
    render_html_escape(b, r->name);
    gbuf_puts(b, "</h1><table>");
    row(b, "pinyin", r->pinyin);
    row(b, "pinyin source", r->pinyin_source);
    row(b, "code / id", r->feature);
    row(b, "category", r->category);
    row(b, "division", r->division);
    row(b, "approved by", r->approved_by);
    row(b, "approval document", r->approval_doc);
    row(b, "approval date", r->approval_date);
    row(b, "filing status", r->filing_status);
    row(b, "filing date", r->filing_date);
    row(b, "valid from", r->valid_from);
    gbuf_puts(b, "</table><h2>Aliases and former names</h2><table><tr><th>kind</th>"
                 "<th>name</th><th>pinyin</th><th>from</th><th>to</th><th>approval</th></tr>");
    for (i = 0; i < r->n_variants; i++) {
        const struct names_variant *v = &r->variants[i];
        const char *c[] = {v->kind,       v->name,     v->pinyin,
                           v->valid_from, v->valid_to, v->approval_doc};
        cells(b, c, N(c));
    }
    gbuf_puts(b, "</table>");
    html_history(b, r, h);
    if (api_html_end(b) != GIS_OK) {
        api_error(res, 500, "too_large", "the page is too large");
        return;
    }
    res->content_type = "text/html; charset=utf-8";
}

/* ---------------------------------------------------------------- reads */

static enum gis_status
read_record(const struct api_request *req, struct names_record **out, struct gis_error *err)
{
    enum names_target t;
    int level;

    if (!editor_name_target(req->path_params[0], &t, &level))
        return gis_fail(err, GIS_ERR_NOT_FOUND,
                        "%.40s keeps no standard name records (divisions and places do)",
                        req->path_params[0]);
    return names_record_read(api_store(req), t, req->path_params[1], level, out, err);
}

/* The record's ETag: its tag, varied by the host its links name and the format. */
static bool record_etag(const struct api_request *req,
                        struct api_response *res,
                        uint64_t tag,
                        enum api_format fmt)
{
    char base[180];

    api_base_url(req, base, sizeof base);
    if (fmt == API_HTML)
        snprintf(base + strlen(base), sizeof base - strlen(base), "|html");
    return api_feature_etag(req, res, tag, base);
}

void api_name_record(const struct api_request *req, struct api_response *res)
{
    struct names_record *r = NULL;
    struct editor_history *h = NULL;
    struct gis_error err = {0};
    enum api_format fmt;
    enum gis_status rc = api_format(req, &fmt, &err);

    if (rc == GIS_OK)
        rc = read_record(req, &r, &err);
    if (rc != GIS_OK) {
        api_fail(res, &err);
        return;
    }
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (!record_etag(req, res, r->tag, fmt)) {
        /* The audit trail; a feature nobody changed has none, which is no error. */
        if (editor_history(api_store(req), req->path_params[0], req->path_params[1], &h, NULL) !=
            GIS_OK)
            h = NULL;
        if (fmt == API_HTML)
            send_html(res, r, h);
        else
            api_send_json(res, record_json(req, r, h), "application/json");
    }
    editor_history_free(h);
    names_record_free(r);
}

static enum gis_status
variant_id(const struct api_request *req, int64_t *out, struct gis_error *err)
{
    const char *v = req->path_params[2];
    char *end;
    long long n = strtoll(v, &end, 10);

    if (end == v || *end || n <= 0)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no name variant '%.40s'", v);
    *out = n;
    return GIS_OK;
}

void api_name_variant(const struct api_request *req, struct api_response *res)
{
    struct names_record *r = NULL;
    struct gis_error err = {0};
    int64_t id = 0;
    size_t i;
    enum gis_status rc = variant_id(req, &id, &err);

    if (rc == GIS_OK)
        rc = read_record(req, &r, &err);
    for (i = 0; rc == GIS_OK && i < r->n_variants && r->variants[i].id != id; i++)
        ;
    if (rc == GIS_OK && i == r->n_variants)
        rc = gis_fail(&err, GIS_ERR_NOT_FOUND, "%s has no name variant %lld", r->feature,
                      (long long)id);
    if (rc != GIS_OK) {
        api_fail(res, &err);
    } else if (!record_etag(req, res, r->tag, API_JSON)) {
        api_header_add(res, "Cache-Control", "public, no-cache");
        api_send_json(res, variant_json(req, &r->variants[i]), "application/json");
    }
    names_record_free(r);
}

/* ---------------------------------------------------------------- writes */

static void respond_rejected(struct api_response *res, const struct names_problems *p)
{
    cJSON *root = cJSON_CreateObject(), *list, *item;
    char msg[120];
    size_t i;

    snprintf(msg, sizeof msg, "the name record was not changed: %zu rule%s broken", p->n,
             p->n == 1 ? "" : "s");
    cJSON_AddStringToObject(root, "code", "rejected");
    cJSON_AddStringToObject(root, "description", msg);
    list = cJSON_AddArrayToObject(root, "errors");
    for (i = 0; i < p->n; i++) {
        item = cJSON_CreateObject();
        add_text(item, "property", p->items[i].property);
        cJSON_AddStringToObject(item, "description", p->items[i].msg);
        cJSON_AddItemToArray(list, item);
    }
    api_send_json(res, root, "application/json");
    res->status = 422;
}

static void respond_failure(const struct api_request *req,
                            struct api_response *res,
                            const struct gis_error *err,
                            const struct names_problems *p,
                            uint64_t current)
{
    char base[160], etag[64];

    if (err->code == GIS_ERR_REJECTED && p->n) {
        respond_rejected(res, p);
        return;
    }
    if (err->code == GIS_ERR_UNAUTHORIZED) {
        api_unauthorized(res, err->msg);
        return;
    }
    api_fail(res, err);
    if (err->code == GIS_ERR_PRECONDITION && current) {
        api_base_url(req, base, sizeof base);
        api_feature_etag_text(current, base, false, etag, sizeof etag);
        api_header_add(res, "ETag", etag);
    }
}

/* After a write: the record as the write left it (201 and the new variant's Location
 * for an addition), with the ETag a GET from this host would send for it. */
static void respond_written(const struct api_request *req,
                            struct api_response *res,
                            const struct editor_name_result *out,
                            bool is_created)
{
    const struct names_record *r = out->record;
    struct editor_history *h = NULL;
    char base[160], etag[64], rec[600], href[700];

    if (editor_history(api_store(req), req->path_params[0], req->path_params[1], &h, NULL) !=
        GIS_OK)
        h = NULL;
    api_send_json(res, record_json(req, r, h), "application/json");
    editor_history_free(h);
    api_base_url(req, base, sizeof base);
    api_feature_etag_text(out->tag, base, false, etag, sizeof etag);
    api_header_add(res, "ETag", etag);
    api_header_add(res, "Cache-Control", "no-store");
    if (is_created) {
        record_href(req, rec, sizeof rec);
        snprintf(href, sizeof href, "%s/variants/%lld", rec, (long long)out->variant_id);
        api_header_add(res, "Location", href);
        res->status = 201;
    }
}

/* Parses the body into c as kind, then lets app/editor write it. */
static void
write_name(const struct api_request *req, struct api_response *res, enum names_change_kind kind)
{
    struct names_change c = {.kind = kind};
    struct editor_precondition pre;
    struct editor_name_result out = {0};
    struct names_problems problems = {0};
    struct gis_error err = {0};
    const char *reason = api_header(req, "X-Change-Reason");
    cJSON *root = NULL;
    uint64_t current = 0;
    enum gis_status rc = GIS_OK;

    if (!req->editor) {
        api_error(res, 503, "read_only", "this server has no writable database");
        return;
    }
    if (!is_json_body(api_header(req, "Content-Type"))) {
        api_error(res, 415, "unsupported_media_type",
                  "send the change as application/merge-patch+json or application/json");
        return;
    }
    if (kind == NAMES_CHANGE_VARIANT_SET)
        rc = variant_id(req, &c.variant_id, &err);
    if (rc == GIS_OK)
        rc = force_option(req, &c.record.is_forced, &err);
    if (rc == GIS_OK)
        rc = body_object(req, &root, &err);
    if (rc == GIS_OK && kind == NAMES_CHANGE_RECORD)
        rc = take_members(root, RECORD_MEMBERS, N(RECORD_MEMBERS), &c.record, &reason, &err);
    else if (rc == GIS_OK)
        rc = take_members(root, VARIANT_MEMBERS, N(VARIANT_MEMBERS), &c.variant, &reason, &err);
    api_if_match_parse(api_header(req, "If-Match"), &pre);
    if (rc == GIS_OK)
        rc = editor_name_write(req->editor, &req->who, req->path_params[0], req->path_params[1], &c,
                               reason, &pre, &out, &current, &problems, &err);
    if (rc != GIS_OK)
        respond_failure(req, res, &err, &problems, current);
    else
        respond_written(req, res, &out, kind == NAMES_CHANGE_VARIANT_ADD);
    names_record_free(out.record);
    cJSON_Delete(root);
}

void api_name_update(const struct api_request *req, struct api_response *res)
{
    write_name(req, res, NAMES_CHANGE_RECORD);
}

void api_name_variant_add(const struct api_request *req, struct api_response *res)
{
    write_name(req, res, NAMES_CHANGE_VARIANT_ADD);
}

void api_name_variant_update(const struct api_request *req, struct api_response *res)
{
    write_name(req, res, NAMES_CHANGE_VARIANT_SET);
}

/* ---------------------------------------------------------------- /api */

static cJSON *text_schema(const char *desc, const char *format, const char *const *values)
{
    cJSON *s = cJSON_CreateObject(), *e;

    cJSON_AddStringToObject(s, "type", "string");
    cJSON_AddBoolToObject(s, "nullable", 1);
    cJSON_AddStringToObject(s, "description", desc);
    if (format)
        cJSON_AddStringToObject(s, "format", format);
    if (values) {
        e = cJSON_AddArrayToObject(s, "enum");
        for (; *values; values++)
            cJSON_AddItemToArray(e, cJSON_CreateString(*values));
    }
    return s;
}

/* The body members of both schemas: what they mean, their format or values. */
static const struct {
    const char *name, *desc, *format;
    const char *const *values;
    bool is_record, is_variant;
} SCHEMA_MEMBERS[] = {
    {"kind", "alias or former name (fixed once added)", NULL,
     (const char *const[]){"alias", "former", NULL}, false, true},
    {"name", "The name in Hanzi (a record's rename is a new version)", NULL, NULL, true, true},
    {"pinyin", "Tone-marked pinyin that reads the name (force=true to skip the check)", NULL, NULL,
     true, true},
    {"pinyin_source", "official or edited (the default when pinyin is given)", NULL,
     (const char *const[]){"official", "edited", NULL}, true, false},
    {"approved_by", "The approving authority", NULL, NULL, true, true},
    {"approval_doc", "The approval document number", NULL, NULL, true, true},
    {"approval_date", "The approval date", "date", NULL, true, true},
    {"filing_status", "Filing and announcement (备案/公告) status", NULL,
     (const char *const[]){"pending", "filed", "announced", NULL}, true, false},
    {"filing_date", "The filing or announcement date (needed once filed)", "date", NULL, true,
     false},
    {"valid_from", "Record: the new version's first day (default today); variant: its first day",
     "date", NULL, true, true},
    {"valid_to", "The day the name ceased (closes it)", "date", NULL, false, true},
    {"note", "A note", NULL, NULL, false, true},
    {"change_reason", "Why, for the audit row (or X-Change-Reason)", NULL, NULL, true, true},
};

void api_names_schemas(struct cJSON *schemas)
{
    cJSON *rec = cJSON_AddObjectToObject(schemas, "NameRecordPatch");
    cJSON *var = cJSON_AddObjectToObject(schemas, "NameVariant");
    cJSON *rp, *vp;
    size_t i;

    cJSON_AddStringToObject(rec, "type", "object");
    cJSON_AddStringToObject(rec, "description",
                            "A JSON merge patch of a standard name record: members given change, "
                            "null clears one");
    cJSON_AddBoolToObject(rec, "additionalProperties", 0);
    rp = cJSON_AddObjectToObject(rec, "properties");
    cJSON_AddStringToObject(var, "type", "object");
    cJSON_AddStringToObject(var, "description",
                            "An alias or former name: POST adds one (kind and name required), "
                            "PATCH merges into one");
    cJSON_AddBoolToObject(var, "additionalProperties", 0);
    vp = cJSON_AddObjectToObject(var, "properties");
    for (i = 0; i < N(SCHEMA_MEMBERS); i++) {
        if (SCHEMA_MEMBERS[i].is_record)
            cJSON_AddItemToObject(rp, SCHEMA_MEMBERS[i].name,
                                  text_schema(SCHEMA_MEMBERS[i].desc, SCHEMA_MEMBERS[i].format,
                                              SCHEMA_MEMBERS[i].values));
        if (SCHEMA_MEMBERS[i].is_variant)
            cJSON_AddItemToObject(vp, SCHEMA_MEMBERS[i].name,
                                  text_schema(SCHEMA_MEMBERS[i].desc, SCHEMA_MEMBERS[i].format,
                                              SCHEMA_MEMBERS[i].values));
    }
}
