/*
 * /collections/{id}/items and /collections/{id}/items/{featureId}: parameter parsing
 * (every parameter known or 400), the filter (cql2-text, cql2-json, property=value,
 * bbox-crs), and the response: GeoJSON streamed feature by feature, or HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cql2json.h"
#include "api_render.h"
#include "coverage_layers.h"
#include "geom.h"
#include "items.h"
#include "render.h"
#include "version.h"

#define ITEMS_DEFAULT_LIMIT 100
#define ITEMS_MAX_LIMIT     10000
#define COUNT_CAP           100000
#define CHUNK_BYTES         (48u * 1024u)
#define MAX_PROPS           32

struct items_req {
    const struct layer_def *layer;
    struct layer_scratch scratch; /* when layer is a scenario's */
    struct items_query q;
    enum api_format fmt;
    const struct params_crs *crs, *bbox_crs, *filter_crs;
    bool has_props;
    bool want[MAX_PROPS];
    bool skip_geometry;
    const char *filter_text, *filter_lang;
    struct cql2_node *filter; /* owned: the whole filter */
    char t_start[PARAMS_TIME_MAX], t_end[PARAMS_TIME_MAX];
    struct gbuf canonical; /* the query string without offset, for links and ETags */
};

/* ---------------------------------------------------------------- parameters */

static enum gis_status add_filter(struct items_req *r, struct cql2_node *n, struct gis_error *err)
{
    struct cql2_budget b = {&CQL2_DEFAULT_LIMITS, 0};
    struct cql2_node *and = NULL;
    enum gis_status rc;

    if (!r->filter) {
        r->filter = n;
        return GIS_OK;
    }
    if (r->filter->op != CQL2_AND) {
        rc = cql2_node_new(&b, CQL2_AND, &and, err);
        if (rc == GIS_OK)
            rc = cql2_node_add(and, r->filter, err);
        else
            cql2_free(r->filter);
        r->filter = and;
        if (rc != GIS_OK) {
            cql2_free(n);
            return rc;
        }
    }
    return cql2_node_add(r->filter, n, err);
}

/* op(a, b), taking both (freed on failure). */
static enum gis_status binary(enum cql2_op op,
                              struct cql2_node *a,
                              struct cql2_node *b,
                              struct cql2_node **out,
                              struct gis_error *err)
{
    struct cql2_budget budget = {&CQL2_DEFAULT_LIMITS, 0};
    enum gis_status rc = a && b ? cql2_node_new(&budget, op, out, err) : GIS_ERR_NOMEM;

    if (rc != GIS_OK) {
        cql2_free(a);
        cql2_free(b);
        return rc;
    }
    rc = cql2_node_add(*out, a, err);
    if (rc != GIS_OK)
        cql2_free(b);
    else
        rc = cql2_node_add(*out, b, err);
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

/* A leaf node: a PROPERTY or STRING with text, or a NUMBER/BOOLEAN parsed from it. */
static struct cql2_node *leaf(enum cql2_op op, const char *text, struct gis_error *err)
{
    struct cql2_budget budget = {&CQL2_DEFAULT_LIMITS, 0};
    struct cql2_node *n = NULL;
    char *end;

    if (cql2_node_new(&budget, op, &n, err) != GIS_OK)
        return NULL;
    if (op == CQL2_NUMBER) {
        n->number = strtod(text, &end);
        if (end == text || *end) {
            gis_fail(err, GIS_ERR_INVALID_ARG, "'%.40s' is not a number", text);
            cql2_free(n);
            return NULL;
        }
    } else if (op == CQL2_BOOLEAN) {
        n->boolean = !strcmp(text, "true") || !strcmp(text, "1");
    } else if (cql2_node_set_text(n, text, err) != GIS_OK) {
        cql2_free(n);
        return NULL;
    }
    return n;
}

/* property=value for a queryable: an equality filter on its type; for an array, the
 * array contains the value. */
static enum gis_status
equality(struct items_req *r, int p, const char *value, struct gis_error *err)
{
    const struct layer_prop *prop = &r->layer->props[p];
    enum cql2_op lit = prop->type == PROP_INT || prop->type == PROP_REAL ? CQL2_NUMBER
                       : prop->type == PROP_BOOL                         ? CQL2_BOOLEAN
                                                                         : CQL2_STRING;
    struct cql2_node *eq = NULL;
    enum gis_status rc =
        binary(prop->type == PROP_ARRAY ? CQL2_A_CONTAINS : CQL2_EQ,
               leaf(CQL2_PROPERTY, prop->name, err), leaf(lit, value, err), &eq, err);

    if (rc != GIS_OK)
        return err && err->code ? err->code : rc;
    return add_filter(r, eq, err);
}

static enum gis_status want_prop(void *ctx, const char *name, bool is_desc, struct gis_error *err)
{
    struct items_req *r = ctx;
    int p = layer_prop_find(r->layer, name);

    (void)is_desc;
    if (p < 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "properties: '%.40s' is not a property of %s",
                        name, r->layer->id);
    r->want[p] = true;
    return GIS_OK;
}

static enum gis_status sort_prop(void *ctx, const char *name, bool is_desc, struct gis_error *err)
{
    struct items_req *r = ctx;
    int p = layer_prop_find(r->layer, name);

    if (p < 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "sortby: '%.40s' is not a property of %s", name,
                        r->layer->id);
    if (r->q.n_sort == ITEMS_MAX_SORT)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "sortby: at most %d keys", ITEMS_MAX_SORT);
    r->q.sort[r->q.n_sort].prop = p;
    r->q.sort[r->q.n_sort].is_desc = is_desc;
    r->q.n_sort++;
    return GIS_OK;
}

static enum gis_status
crs_param(const char *name, const char *value, const struct params_crs **out, struct gis_error *err)
{
    *out = params_crs_find(value);
    if (!*out)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "%s: '%.80s' is not a CRS this service offers; see the collection's crs "
                        "list",
                        name, value);
    return GIS_OK;
}

static enum gis_status datetime_param(struct items_req *r, const char *v, struct gis_error *err)
{
    enum gis_status rc = params_datetime(v, r->t_start, r->t_end, err);

    r->q.has_datetime = rc == GIS_OK;
    r->q.t_start = r->t_start[0] ? r->t_start : NULL;
    r->q.t_end = r->t_end[0] ? r->t_end : NULL;
    return rc;
}

static enum gis_status bool_param(const char *name, const char *v, bool *out, struct gis_error *err)
{
    if (!strcmp(v, "true") || !strcmp(v, "false")) {
        *out = v[0] == 't';
        return GIS_OK;
    }
    return gis_fail(err, GIS_ERR_INVALID_ARG, "%s must be true or false", name);
}

static enum gis_status p_bbox(struct items_req *r, const char *v, struct gis_error *err)
{
    r->q.has_bbox = true;
    return params_bbox(v, r->q.bbox, err);
}

static enum gis_status p_bbox_crs(struct items_req *r, const char *v, struct gis_error *err)
{
    return crs_param("bbox-crs", v, &r->bbox_crs, err);
}

static enum gis_status p_crs(struct items_req *r, const char *v, struct gis_error *err)
{
    return crs_param("crs", v, &r->crs, err);
}

static enum gis_status p_filter_crs(struct items_req *r, const char *v, struct gis_error *err)
{
    return crs_param("filter-crs", v, &r->filter_crs, err);
}

static enum gis_status p_limit(struct items_req *r, const char *v, struct gis_error *err)
{
    return params_limit(v, ITEMS_MAX_LIMIT, &r->q.limit, err);
}

static enum gis_status p_offset(struct items_req *r, const char *v, struct gis_error *err)
{
    return params_offset(v, &r->q.offset, err);
}

static enum gis_status p_filter(struct items_req *r, const char *v, struct gis_error *err)
{
    (void)err;
    r->filter_text = v;
    return GIS_OK;
}

static enum gis_status p_filter_lang(struct items_req *r, const char *v, struct gis_error *err)
{
    r->filter_lang = v;
    if (!strcmp(v, "cql2-text") || !strcmp(v, "cql2-json"))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_INVALID_ARG, "filter-lang must be cql2-text or cql2-json");
}

static enum gis_status p_properties(struct items_req *r, const char *v, struct gis_error *err)
{
    r->has_props = true;
    return params_names("properties", v, false, want_prop, r, err);
}

static enum gis_status p_sortby(struct items_req *r, const char *v, struct gis_error *err)
{
    return params_names("sortby", v, true, sort_prop, r, err);
}

static enum gis_status p_q(struct items_req *r, const char *v, struct gis_error *err)
{
    (void)err;
    r->q.q = v;
    return GIS_OK;
}

static enum gis_status p_skip_geometry(struct items_req *r, const char *v, struct gis_error *err)
{
    return bool_param("skipGeometry", v, &r->skip_geometry, err);
}

static enum gis_status p_format(struct items_req *r, const char *v, struct gis_error *err)
{
    (void)r;
    (void)v;
    (void)err;
    return GIS_OK; /* api_format checked it */
}

static const struct {
    const char *name;
    enum gis_status (*fn)(struct items_req *, const char *, struct gis_error *);
} PARAMS[] = {
    {"f", p_format},
    {"bbox", p_bbox},
    {"bbox-crs", p_bbox_crs},
    {"crs", p_crs},
    {"filter-crs", p_filter_crs},
    {"limit", p_limit},
    {"offset", p_offset},
    {"datetime", datetime_param},
    {"filter", p_filter},
    {"filter-lang", p_filter_lang},
    {"properties", p_properties},
    {"sortby", p_sortby},
    {"q", p_q},
    {"skipGeometry", p_skip_geometry},
};

/* Keeps the canonical query (all but offset and f) for links and ETags. */
static void canonical_add(struct items_req *r, const char *k, const char *v)
{
    if (!strcmp(k, "offset") || !strcmp(k, "f"))
        return;
    if (r->canonical.len)
        gbuf_puts(&r->canonical, "&");
    render_url_escape(&r->canonical, k);
    gbuf_puts(&r->canonical, "=");
    render_url_escape(&r->canonical, v);
}

/* One query parameter: a standard one, a queryable (=), or a 400. */
static enum gis_status one_param(void *ctx, const char *k, const char *v, struct gis_error *err)
{
    struct items_req *r = ctx;
    size_t i;
    int p;

    canonical_add(r, k, v);
    for (i = 0; i < sizeof PARAMS / sizeof *PARAMS; i++)
        if (!strcmp(k, PARAMS[i].name))
            return PARAMS[i].fn(r, v, err);
    p = layer_prop_find(r->layer, k);
    if (p >= 0)
        return equality(r, p, v, err);
    return gis_fail(err, GIS_ERR_INVALID_ARG,
                    "unknown parameter '%.40s'; items take bbox, bbox-crs, crs, limit, offset, "
                    "datetime, filter, filter-lang, filter-crs, properties, sortby, q, "
                    "skipGeometry, f and queryable=value",
                    k);
}

/* The ring of box (in its CRS's axis order) densified to 4 * steps + 1 points, as x/y in
 * traditional GIS order. */
static void densified_ring(const double *bb, bool is_north_first, int steps, double *xs, double *ys)
{
    int i, n = 4 * steps;

    for (i = 0; i < n; i++) {
        int side = i / steps;
        double t = (double)(i % steps) / steps;
        double a = side == 0   ? bb[0] + t * (bb[2] - bb[0])
                   : side == 1 ? bb[2]
                   : side == 2 ? bb[2] - t * (bb[2] - bb[0])
                               : bb[0];
        double b = side == 0   ? bb[1]
                   : side == 1 ? bb[1] + t * (bb[3] - bb[1])
                   : side == 2 ? bb[3]
                               : bb[3] - t * (bb[3] - bb[1]);
        xs[i] = is_north_first ? b : a;
        ys[i] = is_north_first ? a : b;
    }
    xs[n] = xs[0];
    ys[n] = ys[0];
}

/* A bbox in another CRS becomes S_INTERSECTS with its image in CRS84: the edges are
 * densified so the polygon follows curved images of straight edges. */
static enum gis_status bbox_in_crs(struct items_req *r, struct gis_error *err)
{
    enum {
        STEPS = 16,
        N = 4 * STEPS + 1
    };
    struct cql2_budget budget = {&CQL2_DEFAULT_LIMITS, 0};
    struct crs_transform *xf = NULL;
    struct cql2_node *geom = NULL, *op = NULL;
    double xs[N], ys[N];
    struct gbuf wkt;
    enum gis_status rc;
    int i;

    densified_ring(r->q.bbox, r->bbox_crs->is_north_first, STEPS, xs, ys);
    rc = crs_transform_new(r->bbox_crs->proj, "OGC:CRS84", &xf, err);
    if (rc == GIS_OK)
        rc = crs_transform_points(xf, xs, ys, N, err);
    crs_transform_free(xf);
    gbuf_init(&wkt, 1 << 16);
    gbuf_puts(&wkt, "POLYGON((");
    for (i = 0; i < N; i++)
        gbuf_printf(&wkt, "%s%.12g %.12g", i ? "," : "", xs[i], ys[i]);
    gbuf_puts(&wkt, "))");
    if (rc == GIS_OK)
        rc = cql2_node_new(&budget, CQL2_GEOMETRY, &geom, err);
    if (rc == GIS_OK)
        rc = cql2_node_set_wkt(geom, wkt.data, err);
    gbuf_free(&wkt);
    if (rc != GIS_OK) {
        cql2_free(geom);
        return rc;
    }
    rc = binary(CQL2_S_INTERSECTS, leaf(CQL2_PROPERTY, "geometry", err), geom, &op, err);
    r->q.has_bbox = false;
    return rc == GIS_OK ? add_filter(r, op, err) : rc;
}

static enum gis_status parse_filter(struct items_req *r, struct gis_error *err)
{
    struct cql2_node *f = NULL;
    enum gis_status rc;

    if (!r->filter_text)
        return r->filter_lang ? gis_fail(err, GIS_ERR_INVALID_ARG, "filter-lang without filter")
                              : GIS_OK;
    if (r->filter_lang && !strcmp(r->filter_lang, "cql2-json"))
        rc = api_cql2json_parse(r->filter_text, NULL, &f, err);
    else
        rc = cql2_parse_text(r->filter_text, NULL, &f, err);
    if (rc == GIS_ERR_TOO_LARGE && err)
        rc = err->code = GIS_ERR_INVALID_ARG; /* a filter over the limits is the client's 400 */
    if (rc == GIS_OK && r->filter_crs != params_crs_at(0)) {
        rc = cql2_tree_to_crs84(f, r->filter_crs->proj, r->filter_crs->is_north_first, err);
        if (rc != GIS_OK && err) /* coordinates PROJ cannot place are the client's 400 */
            rc = err->code = GIS_ERR_INVALID_ARG;
        if (rc != GIS_OK)
            cql2_free(f);
    }
    return rc == GIS_OK ? add_filter(r, f, err) : rc;
}

static void items_req_free(struct items_req *r)
{
    cql2_free(r->filter);
    gbuf_free(&r->canonical);
}

static enum gis_status
parse_request(const struct api_request *req, struct items_req *r, struct gis_error *err)
{
    enum gis_status rc;

    memset(r, 0, sizeof *r);
    gbuf_init(&r->canonical, 64 * 1024);
    /* Below the planner role the sensitive counts are not in the layer: a filter, sortby,
     * properties= or name=value naming one is refused as naming an unknown property. */
    r->layer = layer_resolve_for(api_store(req), req->path_params[0],
                                 policy_layer_view(&req->caller), &r->scratch);
    if (!r->layer)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no collection '%.60s'; see /collections",
                        req->path_params[0]);
    rc = coverage_layers_prepare(req->coverage, api_store(req), r->layer->id, err);
    if (rc != GIS_OK)
        return rc;
    r->q.layer = r->layer;
    r->q.limit = ITEMS_DEFAULT_LIMIT;
    r->crs = params_crs_at(0);
    r->bbox_crs = params_crs_at(0);
    r->filter_crs = params_crs_at(0);
    rc = api_format(req, &r->fmt, err);
    if (rc == GIS_OK)
        rc = api_query_each(req, one_param, r, err);
    if (rc == GIS_OK)
        rc = parse_filter(r, err);
    if (rc == GIS_OK && r->q.has_bbox && r->bbox_crs != params_crs_at(0))
        rc = bbox_in_crs(r, err);
    r->q.filter = r->filter;
    return rc;
}

/* ---------------------------------------------------------------- GeoJSON */

struct stream {
    struct items_req r;
    struct items_cursor *cur;
    struct crs_transform *xf;
    struct geom g;
    struct store *st; /* the request's; the stream keeps its context until freed */
    int64_t returned, matched;
    bool has_matched, is_single;
    int state; /* 0 header, 1 features, 2 done */
    char base[160];
    char crs_uri[80];
};

static void render_value(struct gbuf *b, const struct item_value *v)
{
    if (v->is_null)
        gbuf_puts(b, "null");
    else if (v->type == PROP_INT)
        render_int(b, v->i);
    else if (v->type == PROP_BOOL)
        gbuf_puts(b, v->i ? "true" : "false");
    else if (v->type == PROP_REAL)
        render_double(b, v->d, 9);
    else if (v->type == PROP_ARRAY)
        gbuf_puts(b, v->text); /* valid JSON: the layer's SQL passes it through json() */
    else {
        gbuf_append(b, "\"", 1);
        gbuf_json_escape(b, v->text);
        gbuf_append(b, "\"", 1);
    }
}

static enum gis_status render_props(struct gbuf *b, struct stream *s)
{
    const struct layer_def *l = s->r.layer;
    struct item_value v;
    bool first = true;
    size_t i;

    gbuf_puts(b, "\"properties\":{");
    for (i = 0; i < l->n_props; i++) {
        if (s->r.has_props && !s->r.want[i])
            continue;
        items_value(s->cur, i, &v);
        gbuf_puts(b, first ? "\"" : ",\"");
        gbuf_puts(b, l->props[i].name);
        gbuf_append(b, "\":", 2);
        render_value(b, &v);
        first = false;
    }
    return gbuf_append(b, "}", 1);
}

static enum gis_status render_feature(struct gbuf *b, struct stream *s, struct gis_error *err)
{
    bool has_geom = false;
    enum gis_status rc = gbuf_puts(b, "{\"type\":\"Feature\",\"id\":\"");

    if (rc == GIS_OK)
        rc = gbuf_json_escape(b, items_id(s->cur));
    if (rc == GIS_OK)
        rc = gbuf_puts(b, "\",\"geometry\":");
    if (rc == GIS_OK && !s->r.skip_geometry)
        rc = items_geom(s->cur, &s->g, &has_geom, err);
    if (rc == GIS_OK && !has_geom)
        rc = gbuf_puts(b, "null");
    else if (rc == GIS_OK)
        rc = render_geojson_geometry(b, &s->g, s->xf, s->r.crs->is_north_first,
                                     s->r.crs->is_geographic ? 7 : 3, err);
    if (rc == GIS_OK)
        rc = gbuf_append(b, ",", 1);
    if (rc == GIS_OK)
        rc = render_props(b, s);
    return rc == GIS_OK ? gbuf_append(b, "}", 1) : rc;
}

/* The query of a page's link: the canonical query (no f: the link's type names the
 * format) and the page's offset; "" when there is neither. */
static enum gis_status page_query(struct gbuf *b, const struct stream *s, int64_t offset)
{
    enum gis_status rc = GIS_OK;
    bool has_q = s->r.canonical.len > 0;

    if (has_q || offset > 0)
        rc = gbuf_append(b, "?", 1);
    if (rc == GIS_OK && has_q)
        rc = gbuf_json_escape(b, s->r.canonical.data);
    if (rc == GIS_OK && offset > 0)
        rc = gbuf_printf(b, "%soffset=%lld", has_q ? "&" : "", (long long)offset);
    return rc;
}

static enum gis_status link_json(struct gbuf *b,
                                 struct stream *s,
                                 const char *rel,
                                 const char *type,
                                 int64_t offset,
                                 bool is_first)
{
    enum gis_status rc = gbuf_printf(b, "%s{\"rel\":\"%s\",\"type\":\"%s\",\"href\":\"",
                                     is_first ? "" : ",", rel, type);

    if (rc == GIS_OK)
        rc = gbuf_json_escape(b, s->base);
    if (rc == GIS_OK)
        rc = gbuf_printf(b, "/collections/%s/items", s->r.layer->id);
    if (rc == GIS_OK)
        rc = page_query(b, s, offset);
    return rc == GIS_OK ? gbuf_puts(b, "\"}") : rc;
}

/* numberMatched: free when the page is not full (the rows ended on it); otherwise one
 * count query that stops at COUNT_CAP matching rows. The cap bounds the rows counted,
 * not the rows read: a selective filter over a large layer may still read all of it. */
static void settle_count(struct stream *s)
{
    struct gis_error err = {0};
    bool is_exact = false;

    if (s->returned > 0 && s->returned < s->r.q.limit) {
        s->matched = s->r.q.offset + s->returned;
        s->has_matched = true;
        return;
    }
    if (items_count(s->st, &s->r.q, COUNT_CAP, &s->matched, &is_exact, &err) == GIS_OK)
        s->has_matched = is_exact;
}

static enum gis_status render_tail(struct gbuf *b, struct stream *s)
{
    int64_t off = s->r.q.offset, lim = s->r.q.limit;
    bool has_next;

    settle_count(s);
    has_next = s->returned == lim && (!s->has_matched || off + lim < s->matched);
    gbuf_printf(b, "],\"numberReturned\":%lld,", (long long)s->returned);
    if (s->has_matched)
        gbuf_printf(b, "\"numberMatched\":%lld,", (long long)s->matched);
    /* No timeStamp (optional in Part 1): the strong ETag names these bytes, which must
     * then be the same on every request until the data changes. */
    gbuf_puts(b, "\"links\":[");
    link_json(b, s, "self", "application/geo+json", off, true);
    link_json(b, s, "alternate", "text/html", off, false);
    if (has_next)
        link_json(b, s, "next", "application/geo+json", off + lim, false);
    if (off > 0)
        link_json(b, s, "prev", "application/geo+json", off > lim ? off - lim : 0, false);
    gbuf_puts(b, ",{\"rel\":\"collection\",\"type\":\"application/json\",\"href\":\"");
    gbuf_json_escape(b, s->base);
    return gbuf_printf(b, "/collections/%s\"}]}", s->r.layer->id);
}

static enum gis_status produce(void *ctx, struct gbuf *out, bool *done)
{
    struct stream *s = ctx;
    struct gis_error err = {0};
    enum gis_status rc = GIS_OK;
    bool has_row = true;
    size_t start = out->len; /* out may hold earlier pieces: this one is CHUNK_BYTES */

    if (s->state == 0) {
        rc = gbuf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
        s->state = 1;
    }
    while (rc == GIS_OK && s->state == 1 && out->len - start < CHUNK_BYTES) {
        rc = items_next(s->cur, &has_row, &err);
        if (rc == GIS_OK && !has_row) {
            s->state = 2;
            break;
        }
        if (rc == GIS_OK && s->returned)
            rc = gbuf_append(out, ",", 1);
        if (rc == GIS_OK)
            rc = render_feature(out, s, &err);
        s->returned++;
    }
    if (rc == GIS_OK && s->state == 2) {
        rc = render_tail(out, s);
        *done = true;
    }
    return rc;
}

static void stream_free(void *ctx)
{
    struct stream *s = ctx;

    items_close(s->cur);
    geom_free(&s->g);
    items_req_free(&s->r);
    free(s);
}

/* ---------------------------------------------------------------- handlers */

static bool items_etag(const struct api_request *req,
                       struct api_response *res,
                       struct stream *s,
                       const char *kind)
{
    struct gis_error err = {0};
    int64_t v = 0;
    struct gbuf basis;
    bool hit;

    /* The version of the tables the layer shows: an edit elsewhere keeps the tag. */
    if (layer_data_version(api_store(req), s->r.layer, &v, &err) != GIS_OK)
        return false;
    gbuf_init(&basis, 128 * 1024);
    gbuf_printf(&basis, "%s|%s|%s|%s|%lld|%d|%lld|", CIVGIS_VERSION, kind, s->r.layer->id,
                req->path_params[1] ? req->path_params[1] : "", (long long)v, (int)s->r.fmt,
                (long long)s->r.q.offset);
    if (s->r.canonical.data)
        gbuf_puts(&basis, s->r.canonical.data);
    hit = api_etag(req, res, basis.data ? basis.data : "");
    gbuf_free(&basis);
    return hit;
}

/* A single feature's ETag has its own row as basis (items_tag through api_feature_etag),
 * not the data version: an edit to another feature leaves it as it is, and a client's
 * If-Match on a write compares the same tag. The suffix names the representation: the
 * host the links name, the format and the query. A missing feature gets none. */
static bool item_etag(const struct api_request *req, struct api_response *res, struct stream *s)
{
    struct items_cursor *c = NULL;
    bool has_row = false, hit = false;
    struct gbuf variant;

    if (items_open(api_store(req), &s->r.q, &c, NULL) != GIS_OK)
        return false;
    if (items_next(c, &has_row, NULL) == GIS_OK && has_row) {
        gbuf_init(&variant, 64 * 1024);
        /* The links name the host the client used: another host, other bytes. */
        gbuf_puts(&variant, s->base);
        if (s->r.fmt != API_JSON || s->r.canonical.len)
            gbuf_printf(&variant, "|%d|%s", (int)s->r.fmt,
                        s->r.canonical.data ? s->r.canonical.data : "");
        hit = api_feature_etag(req, res, items_tag(c), variant.data ? variant.data : "");
        gbuf_free(&variant);
    }
    items_close(c);
    return hit;
}

static enum gis_status
open_stream(const struct api_request *req, struct stream *s, struct gis_error *err)
{
    enum gis_status rc = api_transform_to(req, s->r.crs, &s->xf, err);

    s->st = api_store(req);
    if (rc == GIS_OK)
        rc = items_open(api_store(req), &s->r.q, &s->cur, err);
    return rc;
}

static void
api_render_items_html(struct api_response *res, struct stream *s, struct gis_error *err);

/* Replaces the feature's closing brace with its links: self, alternate, collection (one
 * clean URL for both formats; the type says which). */
static enum gis_status item_links(struct gbuf *b, struct stream *s, const char *id)
{
    static const char *const rels[][2] = {{"self", "application/geo+json"},
                                          {"alternate", "text/html"}};
    enum gis_status rc = GIS_OK;
    size_t i;

    b->len--; /* the closing brace */
    rc = gbuf_puts(b, ",\"links\":[");
    for (i = 0; i < 2 && rc == GIS_OK; i++) {
        rc = gbuf_printf(b, "{\"rel\":\"%s\",\"type\":\"%s\",\"href\":\"", rels[i][0], rels[i][1]);
        if (rc == GIS_OK)
            rc = gbuf_json_escape(b, s->base);
        if (rc == GIS_OK)
            rc = gbuf_printf(b, "/collections/%s/items/", s->r.layer->id);
        if (rc == GIS_OK)
            rc = render_url_escape(b, id);
        if (rc == GIS_OK)
            rc = gbuf_puts(b, "\"},");
    }
    if (rc == GIS_OK)
        rc = gbuf_puts(b, "{\"rel\":\"collection\",\"type\":\"application/json\",\"href\":\"");
    if (rc == GIS_OK)
        rc = gbuf_json_escape(b, s->base);
    if (rc == GIS_OK)
        rc = gbuf_printf(b, "/collections/%s\"}]}", s->r.layer->id);
    return rc;
}

static void
respond_single(const struct api_request *req, struct api_response *res, struct stream *s)
{
    struct gis_error err = {0};
    bool has_row = false;
    enum gis_status rc = items_next(s->cur, &has_row, &err);

    if (rc == GIS_OK && !has_row)
        rc = gis_fail(&err, GIS_ERR_NOT_FOUND, "no feature '%.60s' in %s", req->path_params[1],
                      s->r.layer->id);
    if (rc == GIS_OK)
        rc = render_feature(&res->body, s, &err);
    if (rc == GIS_OK)
        rc = item_links(&res->body, s, req->path_params[1]);
    if (rc != GIS_OK)
        api_fail(res, &err);
    else
        res->content_type = "application/geo+json";
}

/* Parses, answers 304 when the ETag matches, and opens the cursor. */
static enum gis_status prepare(const struct api_request *req,
                               struct api_response *res,
                               struct stream *s,
                               bool *out_is_done,
                               struct gis_error *err)
{
    enum gis_status rc = parse_request(req, &s->r, err);

    *out_is_done = false;
    if (rc == GIS_OK && s->is_single) {
        s->r.q.id = req->path_params[1];
        s->r.q.limit = 1;
        s->r.q.offset = 0;
    }
    api_base_url(req, s->base, sizeof s->base);
    if (rc == GIS_OK &&
        (s->is_single ? item_etag(req, res, s) : items_etag(req, res, s, "items"))) {
        *out_is_done = true;
        return GIS_OK;
    }
    return rc == GIS_OK ? open_stream(req, s, err) : rc;
}

static void respond(const struct api_request *req, struct api_response *res, bool is_single)
{
    struct stream *s = calloc(1, sizeof *s);
    struct gis_error err = {0};
    bool is_done = false;
    char hdr[100];

    if (!s) {
        api_error(res, 500, "out_of_memory", "out of memory");
        return;
    }
    s->is_single = is_single;
    if (prepare(req, res, s, &is_done, &err) != GIS_OK || is_done) {
        if (!is_done)
            api_fail(res, &err);
        stream_free(s);
        return;
    }
    snprintf(hdr, sizeof hdr, "<%s>", s->r.crs->uri);
    api_header_add(res, "Content-Crs", hdr);
    api_header_add(res, "Cache-Control", "public, no-cache");
    if (s->r.fmt == API_HTML || is_single) {
        if (s->r.fmt == API_HTML)
            api_render_items_html(res, s, &err);
        else
            respond_single(req, res, s);
        stream_free(s);
        return;
    }
    res->content_type = "application/geo+json";
    res->produce = produce;
    res->produce_ctx = s;
    res->produce_free = stream_free;
}

void api_items(const struct api_request *req, struct api_response *res)
{
    respond(req, res, false);
}

void api_item(const struct api_request *req, struct api_response *res)
{
    respond(req, res, true);
}

/* ---------------------------------------------------------------- HTML */

/* A small SVG map of the page's features, in an equirectangular view of their box. */
static enum gis_status svg_path(struct gbuf *b, const struct geom *g, const double box[4])
{
    double w = box[2] - box[0] > 0 ? box[2] - box[0] : 1e-6;
    double h = box[3] - box[1] > 0 ? box[3] - box[1] : 1e-6;
    double k = 600.0 / (w > h ? w : h);
    enum gis_status rc = GIS_OK;
    size_t r, i;

    if (g->type == GEOM_POINT || g->type == GEOM_MULTIPOINT) {
        for (i = 0; i < g->n_points && rc == GIS_OK; i++)
            rc = gbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>",
                             (g->coords[2 * i] - box[0]) * k, (box[3] - g->coords[2 * i + 1]) * k);
        return rc;
    }
    rc = gbuf_puts(b, "<path d=\"");
    for (r = 0; r < g->n_rings && rc == GIS_OK; r++)
        for (i = g->rings[r]; i < g->rings[r + 1] && rc == GIS_OK; i++)
            rc = gbuf_printf(b, "%s%.1f %.1f", i == g->rings[r] ? "M" : "L",
                             (g->coords[2 * i] - box[0]) * k, (box[3] - g->coords[2 * i + 1]) * k);
    return rc == GIS_OK ? gbuf_puts(b, "\"/>") : rc;
}

static enum gis_status html_row(struct gbuf *b, struct stream *s)
{
    const struct layer_def *l = s->r.layer;
    struct item_value v;
    size_t i;

    gbuf_printf(b, "<tr><td><a href=\"/collections/%s/items/", l->id);
    render_url_escape(b, items_id(s->cur));
    gbuf_puts(b, "\">");
    render_html_escape(b, items_id(s->cur));
    gbuf_puts(b, "</a></td>");
    for (i = 0; i < l->n_props; i++) {
        items_value(s->cur, i, &v);
        gbuf_puts(b, "<td>");
        if (v.is_null)
            ;
        else if (v.type == PROP_INT || v.type == PROP_BOOL)
            gbuf_printf(b, "%lld", (long long)v.i);
        else if (v.type == PROP_REAL)
            gbuf_printf(b, "%g", v.d);
        else
            render_html_escape(b, v.text);
        gbuf_puts(b, "</td>");
    }
    return gbuf_puts(b, "</tr>");
}

/* The page's geometries, kept as WKB (each after its length) until the box of them all is
 * known: the map is scaled to every feature of the page, not to the first. */
struct page_map {
    struct gbuf kept; /* each geometry: a map_kept header, then its three arrays */
    double box[4];    /* of the features so far */
    bool has_box;
};

/* Everything in 8-byte units, so the arrays kept after it stay aligned in the buffer
 * (whose storage is malloc'd). */
struct map_kept {
    uint64_t type, n_points, n_rings, n_parts;
};

static enum gis_status map_keep(struct gbuf *kept, const struct geom *g)
{
    struct map_kept h = {(uint64_t)g->type, g->n_points, g->n_rings, g->n_parts};
    enum gis_status rc = gbuf_append(kept, &h, sizeof h);

    if (rc == GIS_OK)
        rc = gbuf_append(kept, g->coords, 2 * g->n_points * sizeof *g->coords);
    if (rc == GIS_OK)
        rc = gbuf_append(kept, g->rings, (g->n_rings + 1) * sizeof *g->rings);
    return rc == GIS_OK ? gbuf_append(kept, g->parts, (g->n_parts + 1) * sizeof *g->parts) : rc;
}

static enum gis_status map_add(struct page_map *m, struct items_cursor *cur, struct geom *g)
{
    double b[4];
    bool has_geom = false;

    if (items_geom(cur, g, &has_geom, NULL) != GIS_OK || !has_geom || g->n_points == 0)
        return GIS_OK; /* drawn nowhere; the row still lists it */
    geom_bbox(g, b);
    if (!m->has_box)
        memcpy(m->box, b, sizeof b);
    m->box[0] = b[0] < m->box[0] ? b[0] : m->box[0];
    m->box[1] = b[1] < m->box[1] ? b[1] : m->box[1];
    m->box[2] = b[2] > m->box[2] ? b[2] : m->box[2];
    m->box[3] = b[3] > m->box[3] ? b[3] : m->box[3];
    m->has_box = true;
    return map_keep(&m->kept, g);
}

/* Draws every kept geometry into svg, in the box of them all (widened to 0.01 degrees
 * when it is a point or a line, so a single feature sits in the middle). */
static enum gis_status map_draw(struct page_map *m, struct gbuf *svg)
{
    enum gis_status rc = GIS_OK;
    size_t off = 0;
    int k;

    for (k = 0; k < 2; k++) {
        double pad = (0.01 - (m->box[k + 2] - m->box[k])) / 2;
        if (pad > 0) {
            m->box[k] -= pad;
            m->box[k + 2] += pad;
        }
    }
    while (rc == GIS_OK && off + sizeof(struct map_kept) <= m->kept.len) {
        struct map_kept h;
        struct geom view = {0}; /* borrows the kept arrays */
        memcpy(&h, m->kept.data + off, sizeof h);
        off += sizeof h;
        view.type = (enum geom_type)h.type;
        view.n_points = h.n_points;
        view.n_rings = h.n_rings;
        view.n_parts = h.n_parts;
        view.coords = (double *)(void *)(m->kept.data + off);
        off += 2 * h.n_points * sizeof *view.coords;
        view.rings = (size_t *)(void *)(m->kept.data + off);
        off += (h.n_rings + 1) * sizeof *view.rings;
        view.parts = (size_t *)(void *)(m->kept.data + off);
        off += (h.n_parts + 1) * sizeof *view.parts;
        rc = svg_path(svg, &view, m->box);
    }
    return rc;
}

static enum gis_status
html_table(struct gbuf *b, struct page_map *map, struct stream *s, struct gis_error *err)
{
    enum gis_status rc = gbuf_puts(b, "<table><tr><th>id</th>");
    bool has_row = true;
    size_t i;

    for (i = 0; i < s->r.layer->n_props && rc == GIS_OK; i++)
        rc = gbuf_printf(b, "<th>%s</th>", s->r.layer->props[i].name);
    rc = rc == GIS_OK ? gbuf_puts(b, "</tr>") : rc;
    while (rc == GIS_OK && (rc = items_next(s->cur, &has_row, err)) == GIS_OK && has_row) {
        s->returned++;
        rc = html_row(b, s);
        if (rc == GIS_OK)
            rc = map_add(map, s->cur, &s->g);
    }
    return rc == GIS_OK ? gbuf_puts(b, "</table>") : rc;
}

/* The page's head: the counts, and the same page as GeoJSON (f=json: a browser cannot
 * ask for it by Accept). */
static enum gis_status html_note(struct gbuf *b, struct stream *s)
{
    enum gis_status rc =
        gbuf_printf(b,
                    "<p class=\"note\">%lld features shown%s%lld matched. "
                    "<a href=\"/collections/%s/items?f=json",
                    (long long)s->returned, s->has_matched ? " of " : ", more than ",
                    (long long)(s->has_matched ? s->matched : COUNT_CAP), s->r.layer->id);

    if (rc == GIS_OK && s->r.canonical.len) {
        rc = gbuf_puts(b, "&amp;");
        if (rc == GIS_OK)
            rc = render_html_escape(b, s->r.canonical.data);
    }
    if (rc == GIS_OK && s->r.q.offset > 0)
        rc = gbuf_printf(b, "&amp;offset=%lld", (long long)s->r.q.offset);
    return rc == GIS_OK ? gbuf_puts(b, "\">GeoJSON</a></p>") : rc;
}

static void api_render_items_html(struct api_response *res, struct stream *s, struct gis_error *err)
{
    struct gbuf *b = &res->body, table, svg;
    struct page_map map = {.has_box = false};
    enum gis_status rc;

    gbuf_init(&table, API_MAX_BODY);
    gbuf_init(&svg, API_MAX_BODY);
    gbuf_init(&map.kept, API_MAX_BODY);
    rc = api_html_begin(b, s->r.layer->title);
    if (rc == GIS_OK)
        rc = html_table(&table, &map, s, err);
    if (rc == GIS_OK && map.has_box)
        rc = map_draw(&map, &svg);
    settle_count(s);
    if (rc == GIS_OK)
        rc = html_note(b, s);
    if (rc == GIS_OK)
        rc = gbuf_puts(b, "<svg viewBox=\"-10 -10 620 620\" width=\"400\" height=\"400\" "
                          "fill=\"#9ecae1\" fill-opacity=\"0.4\" stroke=\"#08519c\" "
                          "stroke-width=\"0.8\">");
    if (rc == GIS_OK && svg.len)
        rc = gbuf_append(b, svg.data, svg.len);
    if (rc == GIS_OK)
        rc = gbuf_puts(b, "</svg>");
    if (rc == GIS_OK && table.len)
        rc = gbuf_append(b, table.data, table.len);
    if (rc == GIS_OK)
        rc = api_html_end(b);
    gbuf_free(&table);
    gbuf_free(&svg);
    gbuf_free(&map.kept);
    if (rc != GIS_OK) {
        api_error(res, api_status_to_http(rc), gis_status_name(rc), err->msg);
        return;
    }
    res->content_type = "text/html; charset=utf-8";
}
