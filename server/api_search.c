/*
 * GET /search: the gazetteer search (gis/names.h) as a GeoJSON FeatureCollection ranked
 * best first, or an HTML table for people (f=html). Parses and renders only: every
 * parameter known or 400, the search itself is names_search. A strong ETag ties each
 * answer to the gazetteer's data version, so If-None-Match gets a 304 until a name
 * changes.
 */
#include "api_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"
#include "names.h"
#include "render.h"
#include "version.h"

#define SEARCH_DEFAULT_LIMIT 10
#define SEARCH_MAX_LIMIT     100

struct search_req {
    struct names_query q;
    enum api_format fmt;
};

static enum gis_status p_level(struct search_req *r, const char *v, struct gis_error *err)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < 1 || n > 5)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "level must be 1 (province) .. 5 (village), not '%.20s'", v);
    r->q.level = (int)n;
    return GIS_OK;
}

static enum gis_status p_limit(struct search_req *r, const char *v, struct gis_error *err)
{
    int64_t n;
    enum gis_status rc = params_limit(v, SEARCH_MAX_LIMIT, &n, err);

    if (rc == GIS_OK)
        r->q.limit = (size_t)n;
    return rc;
}

static enum gis_status p_bbox(struct search_req *r, const char *v, struct gis_error *err)
{
    r->q.has_bbox = true;
    return params_bbox(v, r->q.bbox, err);
}

static enum gis_status one_param(void *ctx, const char *k, const char *v, struct gis_error *err)
{
    struct search_req *r = ctx;

    if (!strcmp(k, "q"))
        r->q.q = v;
    else if (!strcmp(k, "category"))
        r->q.category = v;
    else if (!strcmp(k, "within"))
        r->q.within = v;
    else if (!strcmp(k, "level"))
        return p_level(r, v, err);
    else if (!strcmp(k, "limit"))
        return p_limit(r, v, err);
    else if (!strcmp(k, "bbox"))
        return p_bbox(r, v, err);
    else if (strcmp(k, "f"))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "unknown parameter '%.40s'; /search takes q, limit, level, category, "
                        "within, bbox and f",
                        k);
    return GIS_OK;
}

static enum gis_status
parse(const struct api_request *req, struct search_req *r, struct gis_error *err)
{
    enum gis_status rc;

    memset(r, 0, sizeof *r);
    r->q.limit = SEARCH_DEFAULT_LIMIT;
    rc = api_format(req, &r->fmt, err);
    if (rc == GIS_OK)
        rc = api_query_each(req, one_param, r, err);
    if (rc == GIS_OK && (!r->q.q || !*r->q.q))
        rc = gis_fail(err, GIS_ERR_INVALID_ARG,
                      "q is required: the name, pinyin, initials or "
                      "code to look for");
    return rc;
}

/* ---------------------------------------------------------------- GeoJSON */

static void add_text(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *hit_json(const struct names_hit *h)
{
    cJSON *f = cJSON_CreateObject(), *geom, *props, *m;
    char id[48];

    snprintf(id, sizeof id, "%s/%s", names_target_name(h->target), h->feature);
    cJSON_AddStringToObject(f, "type", "Feature");
    cJSON_AddStringToObject(f, "id", id);
    if (h->has_point) {
        geom = cJSON_AddObjectToObject(f, "geometry");
        cJSON_AddStringToObject(geom, "type", "Point");
        cJSON_AddItemToObject(geom, "coordinates",
                              cJSON_CreateDoubleArray((const double[]){h->x, h->y}, 2));
    } else {
        cJSON_AddNullToObject(f, "geometry");
    }
    props = cJSON_AddObjectToObject(f, "properties");
    add_text(props, "name", h->name);
    add_text(props, "pinyin", h->pinyin);
    add_text(props, "pinyin_source", h->pinyin_source);
    cJSON_AddStringToObject(props, "collection", names_target_name(h->target));
    cJSON_AddStringToObject(props, h->target == NAMES_PLACES ? "id" : "code", h->feature);
    add_text(props, "category", h->category);
    if (h->level)
        cJSON_AddNumberToObject(props, "level", h->level);
    add_text(props, "division", h->division);
    m = cJSON_AddObjectToObject(props, "matched");
    cJSON_AddStringToObject(m, "field", h->matched);
    cJSON_AddStringToObject(m, "kind", h->match_kind);
    cJSON_AddStringToObject(m, "as", h->matched_as);
    cJSON_AddStringToObject(m, "name", h->matched_name);
    add_text(m, "valid_from", h->valid_from);
    add_text(m, "valid_to", h->valid_to);
    cJSON_AddNumberToObject(props, "score", h->score);
    return f;
}

static void send_geojson(const struct api_request *req,
                         struct api_response *res,
                         const struct search_req *r,
                         const struct names_hit *hits,
                         size_t n)
{
    cJSON *root = cJSON_CreateObject(), *features, *links;
    struct gbuf self;
    char base[160];
    size_t i;

    api_base_url(req, base, sizeof base);
    gbuf_init(&self, 4096);
    gbuf_printf(&self, "%s/search?q=", base);
    render_url_escape(&self, r->q.q);
    cJSON_AddStringToObject(root, "type", "FeatureCollection");
    features = cJSON_AddArrayToObject(root, "features");
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(features, hit_json(&hits[i]));
    cJSON_AddNumberToObject(root, "numberReturned", (double)n);
    links = cJSON_AddArrayToObject(root, "links");
    if (self.data)
        cJSON_AddItemToArray(links,
                             api_link(self.data, "self", "application/geo+json", "This result"));
    gbuf_free(&self);
    api_send_json(res, root, "application/geo+json");
}

/* ---------------------------------------------------------------- HTML */

static void cell(struct gbuf *b, const char *v)
{
    gbuf_puts(b, "<td>");
    render_html_escape(b, v ? v : "");
    gbuf_puts(b, "</td>");
}

static void send_html(struct api_response *res,
                      const struct search_req *r,
                      const struct names_hit *hits,
                      size_t n)
{
    struct gbuf *b = &res->body;
    char matched[NAMES_TEXT_MAX + 96];
    size_t i;

    gbuf_reset(b);
    api_html_begin(b, "Search");
    gbuf_puts(b, "<form action=\"/search\"><input name=\"q\" value=\"");
    render_html_escape(b, r->q.q);
    gbuf_puts(b, "\"><input type=\"hidden\" name=\"f\" value=\"html\"> <button>Search</button>"
                 "</form><table><tr><th>name</th><th>pinyin</th><th>code / id</th>"
                 "<th>category</th><th>division</th><th>matched</th><th>score</th></tr>");
    for (i = 0; i < n; i++) {
        const struct names_hit *h = &hits[i];
        gbuf_puts(b, "<tr>");
        cell(b, h->name);
        cell(b, h->pinyin);
        cell(b, h->feature);
        cell(b, h->category);
        cell(b, h->division);
        snprintf(matched, sizeof matched, "%s %s (%s%s%s%s%s)", h->match_kind, h->matched,
                 h->matched_as, strcmp(h->matched_as, "standard") ? ": " : "",
                 strcmp(h->matched_as, "standard") ? h->matched_name : "",
                 h->valid_to[0] ? " until " : "", h->valid_to);
        cell(b, matched);
        gbuf_printf(b, "<td>%.0f</td></tr>", h->score);
    }
    gbuf_puts(b, "</table>");
    if (api_html_end(b) != GIS_OK) {
        api_error(res, 500, "too_large", "the page is too large");
        return;
    }
    res->content_type = "text/html; charset=utf-8";
}

/* A strong ETag naming the bytes: this build, the gazetteer's data version (divisions,
 * places and name variants, whoever wrote them), every parameter that shapes the answer
 * and the format; api_etag adds the host the links name and the coding. Answers true
 * when the client's copy is current (a 304 is set). */
static bool
search_etag(const struct api_request *req, struct api_response *res, const struct search_req *r)
{
    struct gis_error err = {0};
    struct gbuf basis;
    int64_t v = 0;
    bool hit;

    if (names_data_version(api_store(req), &v, &err) != GIS_OK)
        return false; /* no tag rather than a wrong one */
    gbuf_init(&basis, 4096);
    gbuf_printf(&basis, "%s|search|%lld|%d|%zu|%d|", CIVGIS_VERSION, (long long)v, (int)r->fmt,
                r->q.limit, r->q.level);
    gbuf_json_escape(&basis, r->q.q);
    gbuf_puts(&basis, "|");
    gbuf_json_escape(&basis, r->q.category ? r->q.category : "");
    gbuf_printf(&basis, "|%d|", r->q.category != NULL);
    gbuf_json_escape(&basis, r->q.within ? r->q.within : "");
    gbuf_printf(&basis, "|%d|%d|%.17g,%.17g,%.17g,%.17g", r->q.within != NULL, r->q.has_bbox,
                r->q.bbox[0], r->q.bbox[1], r->q.bbox[2], r->q.bbox[3]);
    hit = gbuf_status(&basis) == GIS_OK && api_etag(req, res, basis.data);
    gbuf_free(&basis);
    return hit;
}

void api_search(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    struct search_req r;
    struct names_hit *hits = NULL;
    size_t n = 0;
    unsigned n_headers = res->n_headers;
    enum gis_status rc = parse(req, &r, &err);

    if (rc == GIS_OK) {
        api_header_add(res, "Cache-Control", "public, no-cache");
        if (search_etag(req, res, &r))
            return;
    }
    if (rc == GIS_OK && !(hits = calloc(r.q.limit, sizeof *hits)))
        rc = gis_fail(&err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK)
        rc = names_search(api_store(req), &r.q, hits, r.q.limit, &n, &err);
    if (rc != GIS_OK) {
        res->n_headers = n_headers; /* an error is neither tagged nor cached */
        api_fail(res, &err);
    } else if (r.fmt == API_HTML) {
        send_html(res, &r, hits, n);
    } else {
        send_geojson(req, res, &r, hits, n);
    }
    free(hits);
}
