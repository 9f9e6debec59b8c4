/*
 * CQL2: tree building, the cql2-text parser (recursive descent over an on-the-fly
 * tokenizer) and geometry literals (WKT and GeoJSON through OGR). Owns the trees it
 * builds; never touches the store. Depth, node count and text length are bounded.
 */
#include "cql2.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crs.h"

const struct cql2_limits CQL2_DEFAULT_LIMITS = {16 * 1024, 1000, 32};

/* ---------------------------------------------------------------- tree */

void cql2_free(struct cql2_node *n)
{
    size_t i;

    if (!n)
        return;
    for (i = 0; i < n->n_args; i++)
        cql2_free(n->args[i]);
    free(n->args);
    free(n->text);
    free(n->wkb);
    free(n);
}

enum gis_status cql2_node_new(struct cql2_budget *budget,
                              enum cql2_op op,
                              struct cql2_node **out,
                              struct gis_error *err)
{
    struct cql2_node *n;

    if (budget->nodes >= budget->limits->max_nodes)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "the filter has more than %zu nodes",
                        budget->limits->max_nodes);
    n = calloc(1, sizeof *n);
    if (!n)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    budget->nodes++;
    n->op = op;
    *out = n;
    return GIS_OK;
}

enum gis_status
cql2_node_add(struct cql2_node *parent, struct cql2_node *child, struct gis_error *err)
{
    struct cql2_node **a = realloc(parent->args, (parent->n_args + 1) * sizeof *a);

    if (!a) {
        cql2_free(child);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    parent->args = a;
    parent->args[parent->n_args++] = child;
    return GIS_OK;
}

enum gis_status cql2_node_set_text(struct cql2_node *n, const char *text, struct gis_error *err)
{
    char *t = strdup(text);

    if (!t)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    free(n->text);
    n->text = t;
    return GIS_OK;
}

/* A polygon ring is closed and has at least 4 positions (Simple Features; RFC 7946
 * section 3.1.6). OGR reads rings that are neither, from WKT and GeoJSON alike. */
static enum gis_status check_ring(OGRGeometryH ring, struct gis_error *err)
{
    int n = OGR_G_GetPointCount(ring);

    if (n < 4)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "geometry literal: a polygon ring needs at least 4 positions, not %d", n);
    if (OGR_G_GetX(ring, 0) != OGR_G_GetX(ring, n - 1) ||
        OGR_G_GetY(ring, 0) != OGR_G_GetY(ring, n - 1))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "geometry literal: a polygon ring is not closed (it starts at %.10g %.10g "
                        "and ends at %.10g %.10g)",
                        OGR_G_GetX(ring, 0), OGR_G_GetY(ring, 0), OGR_G_GetX(ring, n - 1),
                        OGR_G_GetY(ring, n - 1));
    return GIS_OK;
}

/* The parts of g have the positions their types need. depth bounds collections of
 * collections. */
static enum gis_status check_shape(OGRGeometryH g, int depth, struct gis_error *err)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    enum gis_status rc = GIS_OK;
    int i, n = OGR_G_GetGeometryCount(g);

    if (depth > 8)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "geometry literal nested too deeply");
    if (t == wkbLineString && OGR_G_GetPointCount(g) < 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "geometry literal: a line needs at least 2 positions, not %d",
                        OGR_G_GetPointCount(g));
    for (i = 0; i < n && rc == GIS_OK; i++) {
        OGRGeometryH part = OGR_G_GetGeometryRef(g, i);
        rc = t == wkbPolygon ? check_ring(part, err) : check_shape(part, depth + 1, err);
    }
    return rc;
}

static enum gis_status set_geometry(struct cql2_node *n, OGRGeometryH g, struct gis_error *err)
{
    OGREnvelope env;
    int size;

    if (OGR_G_IsEmpty(g) || OGR_G_GetCoordinateDimension(g) < 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "empty geometry literal");
    if (check_shape(g, 0, err) != GIS_OK)
        return GIS_ERR_INVALID_ARG;
    OGR_G_FlattenTo2D(g);
    OGR_G_GetEnvelope(g, &env);
    if (!isfinite(env.MinX) || !isfinite(env.MaxX) || !isfinite(env.MinY) || !isfinite(env.MaxY))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "geometry literal with non-finite coordinates");
    size = OGR_G_WkbSize(g);
    free(n->wkb);
    n->wkb = malloc((size_t)size);
    if (!n->wkb)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    OGR_G_ExportToIsoWkb(g, wkbNDR, n->wkb);
    n->wkb_size = (size_t)size;
    n->bbox[0] = env.MinX;
    n->bbox[1] = env.MinY;
    n->bbox[2] = env.MaxX;
    n->bbox[3] = env.MaxY;
    n->op = CQL2_GEOMETRY;
    return GIS_OK;
}

enum gis_status cql2_node_set_wkt(struct cql2_node *n, const char *wkt, struct gis_error *err)
{
    OGRGeometryH g = NULL;
    char *p = (char *)wkt;
    enum gis_status rc;

    if (OGR_G_CreateFromWkt(&p, NULL, &g) != OGRERR_NONE || !g)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.60s' is not a WKT geometry", wkt);
    rc = set_geometry(n, g, err);
    OGR_G_DestroyGeometry(g);
    return rc;
}

enum gis_status
cql2_node_set_geojson(struct cql2_node *n, const char *geojson, struct gis_error *err)
{
    OGRGeometryH g = OGR_G_CreateGeometryFromJson(geojson);
    enum gis_status rc;

    if (!g)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "not a GeoJSON geometry: %.60s", geojson);
    rc = set_geometry(n, g, err);
    OGR_G_DestroyGeometry(g);
    return rc;
}

enum gis_status cql2_node_set_bbox(struct cql2_node *n, const double bbox[4], struct gis_error *err)
{
    char wkt[256];

    if (!(bbox[0] <= bbox[2] && bbox[1] <= bbox[3]))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "BBOX minimum above its maximum");
    snprintf(wkt, sizeof wkt,
             "POLYGON((%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g))", bbox[0],
             bbox[1], bbox[2], bbox[1], bbox[2], bbox[3], bbox[0], bbox[3], bbox[0], bbox[1]);
    return cql2_node_set_wkt(n, wkt, err);
}

/* ---------------------------------------------------------------- temporal literals */

static bool all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool is_leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && is_leap ? 29 : days[m - 1];
}

/* s[0..10) is YYYY-MM-DD and a day of the calendar. */
static enum gis_status check_date(const char *s, const char *kw, struct gis_error *err)
{
    int y, m, d;

    if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s('%.40s'): the date must be YYYY-MM-DD", kw,
                        s);
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two_digits(s + 2);
    m = two_digits(s + 5);
    d = two_digits(s + 8);
    if (m < 1 || m > 12)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s('%.40s'): month %d is not 1..12", kw, s, m);
    if (d < 1 || d > days_in_month(y, m))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s('%.40s'): day %d is not in %04d-%02d", kw, s,
                        d, y, m);
    return GIS_OK;
}

/* Z, or +hh:mm / -hh:mm, and nothing after it. */
static bool is_zone(const char *z)
{
    if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0')
        return true;
    return (z[0] == '+' || z[0] == '-') && strlen(z) == 6 && all_digits(z + 1, 2) && z[3] == ':' &&
           all_digits(z + 4, 2) && two_digits(z + 1) <= 23 && two_digits(z + 4) <= 59;
}

/* hh:mm:ss[.fraction] and a zone, RFC 3339 section 5.6; a leap second (60) is allowed. */
static enum gis_status check_time(const char *whole, const char *s, struct gis_error *err)
{
    static const char *const names[] = {"hour", "minute", "second"};
    static const int max[] = {23, 59, 60};
    bool is_shaped = strlen(s) >= 9 && all_digits(s, 2) && s[2] == ':' && all_digits(s + 3, 2) &&
                     s[5] == ':' && all_digits(s + 6, 2);
    size_t i = 8;
    int k;

    for (k = 0; is_shaped && k < 3; k++)
        if (two_digits(s + 3 * k) > max[k])
            return gis_fail(err, GIS_ERR_INVALID_ARG, "TIMESTAMP('%.40s'): %s %d is not 0..%d",
                            whole, names[k], two_digits(s + 3 * k), max[k]);
    if (is_shaped && s[i] == '.' && isdigit((unsigned char)s[i + 1]))
        for (i++; isdigit((unsigned char)s[i]); i++)
            ;
    if (is_shaped && is_zone(s + i))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_INVALID_ARG,
                    "TIMESTAMP('%.40s') is not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ)",
                    whole);
}

enum gis_status cql2_node_set_temporal(struct cql2_node *n,
                                       const char *text,
                                       bool is_timestamp,
                                       struct gis_error *err)
{
    const char *kw = is_timestamp ? "TIMESTAMP" : "DATE";
    size_t len = strlen(text);
    enum gis_status rc;

    if (len < 10 || (!is_timestamp && len != 10) ||
        (is_timestamp && (len < 11 || (text[10] != 'T' && text[10] != 't'))))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        is_timestamp ? "TIMESTAMP('%.40s') is not an RFC 3339 date-time "
                                       "(YYYY-MM-DDThh:mm:ssZ)"
                                     : "DATE('%.40s'): the date must be YYYY-MM-DD",
                        text);
    rc = check_date(text, kw, err);
    if (rc == GIS_OK && is_timestamp)
        rc = check_time(text, text + 11, err);
    if (rc == GIS_OK)
        rc = cql2_node_set_text(n, text, err);
    if (rc == GIS_OK)
        n->op = CQL2_DATE;
    return rc;
}

enum gis_status
cql2_node_set_interval_end(struct cql2_node *n, const char *text, struct gis_error *err)
{
    enum gis_status rc;

    if (!strcmp(text, "..")) {
        rc = cql2_node_set_text(n, text, err);
        if (rc == GIS_OK)
            n->op = CQL2_STRING;
        return rc;
    }
    return cql2_node_set_temporal(n, text, strlen(text) != 10, err);
}

/* Literal ends compare as text when they have one form (both dates, or both UTC
 * timestamps of the same precision); other mixes are left to the database. */
static bool is_reversed(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    return la == lb && (la == 10 || a[la - 1] == 'Z' || a[la - 1] == 'z') && strcmp(a, b) > 0;
}

static bool is_interval_end(const struct cql2_node *e)
{
    return e->op == CQL2_DATE || e->op == CQL2_PROPERTY || e->op == CQL2_FUNCTION ||
           (e->op == CQL2_STRING && e->text && !strcmp(e->text, ".."));
}

enum gis_status cql2_interval_check(const struct cql2_node *n, struct gis_error *err)
{
    const struct cql2_node *a, *b;

    if (n->op != CQL2_INTERVAL || n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "INTERVAL takes a start and an end");
    a = n->args[0];
    b = n->args[1];
    if (!is_interval_end(a) || !is_interval_end(b))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "INTERVAL's ends are dates, timestamps, '..', properties or functions");
    if (a->op == CQL2_DATE && b->op == CQL2_DATE && is_reversed(a->text, b->text))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "INTERVAL('%.40s', '%.40s') ends before it starts", a->text, b->text);
    return GIS_OK;
}

static const struct {
    const char *name;
    enum cql2_op op;
} OP_NAMES[] = {
    {"and", CQL2_AND},
    {"or", CQL2_OR},
    {"not", CQL2_NOT},
    {"=", CQL2_EQ},
    {"<>", CQL2_NE},
    {"<", CQL2_LT},
    {"<=", CQL2_LE},
    {">", CQL2_GT},
    {">=", CQL2_GE},
    {"like", CQL2_LIKE},
    {"between", CQL2_BETWEEN},
    {"in", CQL2_IN},
    {"isNull", CQL2_ISNULL},
    {"casei", CQL2_CASEI},
    {"s_intersects", CQL2_S_INTERSECTS},
    {"s_within", CQL2_S_WITHIN},
    {"s_contains", CQL2_S_CONTAINS},
    {"s_disjoint", CQL2_S_DISJOINT},
    {"s_dwithin", CQL2_S_DWITHIN},
    {"s_crosses", CQL2_S_CROSSES},
    {"s_touches", CQL2_S_TOUCHES},
    {"s_overlaps", CQL2_S_OVERLAPS},
    {"s_equals", CQL2_S_EQUALS},
    {"t_after", CQL2_T_AFTER},
    {"t_before", CQL2_T_BEFORE},
    {"t_disjoint", CQL2_T_DISJOINT},
    {"t_equals", CQL2_T_EQUALS},
    {"t_intersects", CQL2_T_INTERSECTS},
    {"t_contains", CQL2_T_CONTAINS},
    {"t_during", CQL2_T_DURING},
    {"t_finishedBy", CQL2_T_FINISHEDBY},
    {"t_finishes", CQL2_T_FINISHES},
    {"t_meets", CQL2_T_MEETS},
    {"t_metBy", CQL2_T_METBY},
    {"t_overlappedBy", CQL2_T_OVERLAPPEDBY},
    {"t_overlaps", CQL2_T_OVERLAPS},
    {"t_startedBy", CQL2_T_STARTEDBY},
    {"t_starts", CQL2_T_STARTS},
    {"a_equals", CQL2_A_EQUALS},
    {"a_contains", CQL2_A_CONTAINS},
    {"a_containedBy", CQL2_A_CONTAINEDBY},
    {"a_overlaps", CQL2_A_OVERLAPS},
    {"accenti", CQL2_ACCENTI},
    {"+", CQL2_ADD},
    {"-", CQL2_SUB},
    {"*", CQL2_MUL},
    {"/", CQL2_DIV},
    {"%", CQL2_MOD},
    {"div", CQL2_IDIV},
    {"^", CQL2_POW},
};

bool cql2_op_from_name(const char *name, enum cql2_op *out)
{
    size_t i;

    for (i = 0; i < sizeof OP_NAMES / sizeof *OP_NAMES; i++) {
        if (!strcasecmp(OP_NAMES[i].name, name)) {
            *out = OP_NAMES[i].op;
            return true;
        }
    }
    return false;
}

const char *cql2_op_name(enum cql2_op op)
{
    size_t i;

    for (i = 0; i < sizeof OP_NAMES / sizeof *OP_NAMES; i++)
        if (OP_NAMES[i].op == op)
            return OP_NAMES[i].name;
    return op == CQL2_FUNCTION ? "function" : op == CQL2_INTERVAL ? "interval" : "value";
}

bool cql2_op_is_spatial(enum cql2_op op)
{
    return op >= CQL2_S_INTERSECTS && op <= CQL2_S_EQUALS;
}

bool cql2_op_is_temporal(enum cql2_op op)
{
    return op >= CQL2_T_AFTER && op <= CQL2_T_STARTS;
}

bool cql2_op_is_array(enum cql2_op op)
{
    return op >= CQL2_A_EQUALS && op <= CQL2_A_OVERLAPS;
}

bool cql2_op_is_arithmetic(enum cql2_op op)
{
    return op >= CQL2_ADD && op <= CQL2_POW;
}

/* ---------------------------------------------------------------- functions */

/* Each template is constant SQL over its compiled arguments; SQLite's math functions and
 * SpatiaLite's geodesic measures (use_ellipsoid = 1 gives metres on CRS84 data). */
static const struct cql2_function FUNCTIONS[] = {
    {"abs", "Absolute value", 1, {CQL2_TYPE_NUMBER}, {"x"}, CQL2_TYPE_NUMBER, "abs(%1)"},
    {"floor",
     "Largest integer not above x",
     1,
     {CQL2_TYPE_NUMBER},
     {"x"},
     CQL2_TYPE_NUMBER,
     "floor(%1)"},
    {"ceil",
     "Smallest integer not below x",
     1,
     {CQL2_TYPE_NUMBER},
     {"x"},
     CQL2_TYPE_NUMBER,
     "ceil(%1)"},
    {"round",
     "x rounded to the nearest integer",
     1,
     {CQL2_TYPE_NUMBER},
     {"x"},
     CQL2_TYPE_NUMBER,
     "round(%1)"},
    {"char_length",
     "Number of characters of a string",
     1,
     {CQL2_TYPE_STRING},
     {"s"},
     CQL2_TYPE_NUMBER,
     "length(%1)"},
    {"year",
     "Calendar year of a date or timestamp",
     1,
     {CQL2_TYPE_DATETIME},
     {"t"},
     CQL2_TYPE_NUMBER,
     "CAST(strftime('%Y', %1) AS INTEGER)"},
    {"month",
     "Month (1-12) of a date or timestamp",
     1,
     {CQL2_TYPE_DATETIME},
     {"t"},
     CQL2_TYPE_NUMBER,
     "CAST(strftime('%m', %1) AS INTEGER)"},
    {"area_m2",
     "Area of a geometry on the WGS 84 ellipsoid, square metres",
     1,
     {CQL2_TYPE_GEOMETRY},
     {"g"},
     CQL2_TYPE_NUMBER,
     "ST_Area(%1, 1)"},
    {"distance_m",
     "Shortest distance between two geometries on the WGS 84 ellipsoid, metres",
     2,
     {CQL2_TYPE_GEOMETRY, CQL2_TYPE_GEOMETRY},
     {"a", "b"},
     CQL2_TYPE_NUMBER,
     "ST_Distance(%1, %2, 1)"},
};

size_t cql2_function_count(void)
{
    return sizeof FUNCTIONS / sizeof *FUNCTIONS;
}

const struct cql2_function *cql2_function_at(size_t i)
{
    return i < cql2_function_count() ? &FUNCTIONS[i] : NULL;
}

const struct cql2_function *cql2_function_find(const char *name)
{
    size_t i;

    for (i = 0; name && i < cql2_function_count(); i++)
        if (!strcasecmp(FUNCTIONS[i].name, name))
            return &FUNCTIONS[i];
    return NULL;
}

const char *cql2_type_name(enum cql2_type t)
{
    static const char *const names[] = {"string", "number", "boolean", "datetime", "geometry"};
    return names[t];
}

/* ---------------------------------------------------------------- tokens */

enum tok {
    T_EOF,
    T_IDENT,
    T_QIDENT, /* "quoted identifier" */
    T_STRING,
    T_NUMBER,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_CMP,
    T_ARITH, /* + - * / % ^ (div is an identifier) */
};

struct parser {
    const char *src, *p;
    enum tok tok;
    const char *tok_start;
    char *text; /* current token's text (identifier, string) */
    double number;
    enum cql2_op cmp; /* T_CMP and T_ARITH: which */
    size_t depth;
    struct cql2_budget budget;
    struct gis_error *err;
};

static enum gis_status fail_at(struct parser *ps, const char *what)
{
    return gis_fail(ps->err, GIS_ERR_INVALID_ARG, "filter at character %zu: %s",
                    (size_t)(ps->tok_start - ps->src) + 1, what);
}

/* A quoted run; a doubled quote stands for one, and in strings \' does too (the BNF's
 * escapeQuote). */
static enum gis_status lex_string(struct parser *ps, char quote)
{
    size_t cap = 16, n = 0;
    char *buf = malloc(cap);

    if (!buf)
        return gis_fail(ps->err, GIS_ERR_NOMEM, "out of memory");
    ps->p++;
    for (;;) {
        if (!*ps->p) {
            free(buf);
            return fail_at(ps, "unterminated quote");
        }
        if ((*ps->p == quote || (quote == '\'' && *ps->p == '\\')) && ps->p[1] == quote) {
            ps->p++;
        } else if (*ps->p == quote) {
            ps->p++;
            break;
        }
        if (n + 2 > cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                return gis_fail(ps->err, GIS_ERR_NOMEM, "out of memory");
            }
            buf = b;
        }
        buf[n++] = *ps->p++;
    }
    buf[n] = '\0';
    ps->text = buf;
    ps->tok = quote == '"' ? T_QIDENT : T_STRING;
    return GIS_OK;
}

/* Unsigned: a sign is an operator, folded into the literal by the grammar. */
static enum gis_status lex_number(struct parser *ps)
{
    char *end;

    errno = 0;
    ps->number = strtod(ps->p, &end);
    if (end == ps->p || errno == ERANGE || !isfinite(ps->number))
        return fail_at(ps, "bad number");
    ps->p = end;
    ps->tok = T_NUMBER;
    return GIS_OK;
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == ':' || c == '.' ||
           (unsigned char)c >= 0x80;
}

static enum gis_status lex_operator(struct parser *ps)
{
    static const struct {
        const char *s;
        enum tok tok;
        enum cql2_op op;
    } ops[] = {{"<>", T_CMP, CQL2_NE},   {"!=", T_CMP, CQL2_NE},   {"<=", T_CMP, CQL2_LE},
               {">=", T_CMP, CQL2_GE},   {"=", T_CMP, CQL2_EQ},    {"<", T_CMP, CQL2_LT},
               {">", T_CMP, CQL2_GT},    {"+", T_ARITH, CQL2_ADD}, {"-", T_ARITH, CQL2_SUB},
               {"*", T_ARITH, CQL2_MUL}, {"/", T_ARITH, CQL2_DIV}, {"%", T_ARITH, CQL2_MOD},
               {"^", T_ARITH, CQL2_POW}};
    size_t i;

    for (i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i].s);
        if (!strncmp(ps->p, ops[i].s, n)) {
            ps->p += n;
            ps->cmp = ops[i].op;
            ps->tok = ops[i].tok;
            return GIS_OK;
        }
    }
    return fail_at(ps, "unexpected character");
}

static bool starts_number(const char *p)
{
    return isdigit((unsigned char)p[0]) || (p[0] == '.' && isdigit((unsigned char)p[1]));
}

static enum gis_status lex_ident(struct parser *ps)
{
    const char *s = ps->p;

    while (is_ident_char(*ps->p))
        ps->p++;
    ps->text = strndup(s, (size_t)(ps->p - s));
    ps->tok = T_IDENT;
    return ps->text ? GIS_OK : gis_fail(ps->err, GIS_ERR_NOMEM, "out of memory");
}

static enum gis_status next(struct parser *ps)
{
    static const char punct[] = "(),";
    static const enum tok punct_tok[] = {T_LPAREN, T_RPAREN, T_COMMA};
    const char *pc;
    char c;

    free(ps->text);
    ps->text = NULL;
    while (isspace((unsigned char)*ps->p))
        ps->p++;
    ps->tok_start = ps->p;
    c = *ps->p;
    if (!c) {
        ps->tok = T_EOF;
        return GIS_OK;
    }
    pc = strchr(punct, c);
    if (pc) {
        ps->tok = punct_tok[pc - punct];
        ps->p++;
        return GIS_OK;
    }
    if (c == '\'' || c == '"')
        return lex_string(ps, c);
    if (starts_number(ps->p))
        return lex_number(ps);
    if (is_ident_char(c))
        return lex_ident(ps);
    return lex_operator(ps);
}

static bool is_kw(const struct parser *ps, const char *kw)
{
    return ps->tok == T_IDENT && !strcasecmp(ps->text, kw);
}

static bool is_arith(const struct parser *ps, enum cql2_op op)
{
    return ps->tok == T_ARITH && ps->cmp == op;
}

static enum gis_status expect(struct parser *ps, enum tok t, const char *what)
{
    if (ps->tok != t)
        return fail_at(ps, what);
    return next(ps);
}

/* The next character after the current token, past blanks, is c. */
static bool followed_by(const struct parser *ps, char c)
{
    const char *q = ps->p;

    while (isspace((unsigned char)*q))
        q++;
    return *q == c;
}

/* ---------------------------------------------------------------- grammar */

static enum gis_status parse_or(struct parser *ps, struct cql2_node **out);
static enum gis_status parse_expr(struct parser *ps, struct cql2_node **out);

static enum gis_status enter(struct parser *ps)
{
    if (++ps->depth > ps->budget.limits->max_depth)
        return gis_fail(ps->err, GIS_ERR_TOO_LARGE, "the filter nests deeper than %zu",
                        ps->budget.limits->max_depth);
    return GIS_OK;
}

static enum gis_status leaf(struct parser *ps, enum cql2_op op, struct cql2_node **out)
{
    return cql2_node_new(&ps->budget, op, out, ps->err);
}

/* op(a, b, ...): builds the node, freeing the children on failure. */
static enum gis_status combine(
    struct parser *ps, enum cql2_op op, struct cql2_node **kids, size_t n, struct cql2_node **out)
{
    struct cql2_node *node = NULL;
    enum gis_status rc = leaf(ps, op, &node);
    size_t i;

    for (i = 0; i < n; i++) {
        if (rc == GIS_OK)
            rc = cql2_node_add(node, kids[i], ps->err);
        else
            cql2_free(kids[i]);
    }
    if (rc != GIS_OK) {
        cql2_free(node);
        return rc;
    }
    *out = node;
    return GIS_OK;
}

/* What can stand as a predicate: comparisons, logic, the spatial, temporal and array
 * functions, TRUE/FALSE, and function calls (their type is checked when compiled). */
static bool is_boolean_node(const struct cql2_node *n)
{
    return n->op <= CQL2_ISNULL || cql2_op_is_spatial(n->op) || cql2_op_is_temporal(n->op) ||
           cql2_op_is_array(n->op) || n->op == CQL2_BOOLEAN || n->op == CQL2_FUNCTION;
}

/* A value where a predicate must stand: freed, and the error names what was missing. */
static enum gis_status need_predicate(struct parser *ps, struct cql2_node **n)
{
    if (is_boolean_node(*n))
        return GIS_OK;
    cql2_free(*n);
    *n = NULL;
    return fail_at(ps, "expected a comparison, LIKE, BETWEEN, IN or IS NULL after a value");
}

static bool is_wkt_keyword(const struct parser *ps)
{
    static const char *const kws[] = {
        "POINT",           "LINESTRING",   "POLYGON",           "MULTIPOINT",
        "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
    size_t i;

    for (i = 0; i < sizeof kws / sizeof *kws; i++)
        if (is_kw(ps, kws[i]))
            return true;
    return false;
}

/* A WKT literal: the keyword through its balanced closing parenthesis, handed to OGR. */
static enum gis_status parse_wkt(struct parser *ps, struct cql2_node **out)
{
    const char *start = ps->tok_start, *p = ps->p;
    int level = 0;
    enum gis_status rc;
    char *wkt;

    while (*p && (level > 0 || *p != ')')) {
        if (*p == '(')
            level++;
        else if (*p == ')')
            level--;
        p++;
        if (level == 0 && p > ps->p && p[-1] == ')')
            break;
    }
    if (level != 0)
        return fail_at(ps, "unbalanced parentheses in a geometry");
    wkt = strndup(start, (size_t)(p - start));
    if (!wkt)
        return gis_fail(ps->err, GIS_ERR_NOMEM, "out of memory");
    rc = leaf(ps, CQL2_GEOMETRY, out);
    if (rc == GIS_OK)
        rc = cql2_node_set_wkt(*out, wkt, ps->err);
    free(wkt);
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
        return rc;
    }
    ps->p = p;
    return next(ps);
}

/* One BBOX coordinate: a number with an optional sign. */
static enum gis_status bbox_number(struct parser *ps, double *out)
{
    double sign = 1;
    enum gis_status rc = GIS_OK;

    if (is_arith(ps, CQL2_SUB) || is_arith(ps, CQL2_ADD)) {
        sign = is_arith(ps, CQL2_SUB) ? -1 : 1;
        rc = next(ps);
    }
    if (rc == GIS_OK && ps->tok != T_NUMBER)
        return fail_at(ps, "BBOX takes four or six numbers");
    if (rc == GIS_OK)
        *out = sign * ps->number;
    return rc == GIS_OK ? next(ps) : rc;
}

/* The numbers of a BBOX, after its '(': up to six, comma-separated. out_n: how many. */
static enum gis_status bbox_numbers(struct parser *ps, double v[6], int *out_n)
{
    enum gis_status rc = GIS_OK;
    int n = 0;

    while (rc == GIS_OK && n < 6) {
        rc = bbox_number(ps, &v[n]);
        if (rc != GIS_OK)
            return rc;
        n++;
        if (ps->tok != T_COMMA)
            break;
        rc = next(ps);
    }
    if (rc == GIS_OK && n != 4 && n != 6)
        return fail_at(ps, "BBOX takes four or six numbers");
    *out_n = n;
    return rc;
}

/* BBOX(minx, miny, maxx, maxy), or BBOX(minx, miny, minz, maxx, maxy, maxz) whose heights
 * are read and dropped (the layers are 2D), as cql2-json does. */
static enum gis_status parse_bbox(struct parser *ps, struct cql2_node **out)
{
    double v[6], b[4];
    enum gis_status rc = next(ps);
    int n = 0;

    if (rc == GIS_OK)
        rc = expect(ps, T_LPAREN, "expected '(' after BBOX");
    if (rc == GIS_OK)
        rc = bbox_numbers(ps, v, &n);
    if (rc == GIS_OK)
        rc = expect(ps, T_RPAREN, "expected ')' after BBOX");
    if (rc != GIS_OK)
        return rc;
    b[0] = v[0];
    b[1] = v[1];
    b[2] = v[n == 6 ? 3 : 2];
    b[3] = v[n == 6 ? 4 : 3];
    rc = leaf(ps, CQL2_GEOMETRY, out);
    if (rc == GIS_OK && (rc = cql2_node_set_bbox(*out, b, ps->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

/* NAME('literal') for DATE and TIMESTAMP: a real day, an RFC 3339 instant. */
static enum gis_status parse_temporal(struct parser *ps, struct cql2_node **out)
{
    bool is_timestamp = is_kw(ps, "TIMESTAMP");
    enum gis_status rc = next(ps);

    if (rc == GIS_OK)
        rc = expect(ps, T_LPAREN, "expected '(' after DATE/TIMESTAMP");
    if (rc == GIS_OK && ps->tok != T_STRING)
        return fail_at(ps, "DATE/TIMESTAMP takes a quoted ISO 8601 value");
    if (rc == GIS_OK)
        rc = leaf(ps, CQL2_DATE, out);
    if (rc == GIS_OK)
        rc = cql2_node_set_temporal(*out, ps->text, is_timestamp, ps->err);
    if (rc == GIS_OK) {
        rc = next(ps);
        if (rc == GIS_OK)
            rc = expect(ps, T_RPAREN, "expected ')' after the date");
    }
    return rc;
}

/* One end of INTERVAL(..): a quoted instant or '..', else a property or a function. */
static enum gis_status parse_interval_end(struct parser *ps, struct cql2_node **out)
{
    enum gis_status rc;

    if (ps->tok != T_STRING)
        return parse_expr(ps, out);
    rc = leaf(ps, CQL2_STRING, out);
    if (rc == GIS_OK)
        rc = cql2_node_set_interval_end(*out, ps->text, ps->err);
    if (rc == GIS_OK)
        rc = next(ps);
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status parse_interval(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *ends[2] = {NULL, NULL};
    enum gis_status rc = next(ps);

    if (rc == GIS_OK)
        rc = expect(ps, T_LPAREN, "expected '(' after INTERVAL");
    if (rc == GIS_OK)
        rc = parse_interval_end(ps, &ends[0]);
    if (rc == GIS_OK)
        rc = expect(ps, T_COMMA, "INTERVAL takes a start and an end");
    if (rc == GIS_OK)
        rc = parse_interval_end(ps, &ends[1]);
    if (rc == GIS_OK)
        rc = expect(ps, T_RPAREN, "expected ')' after INTERVAL's end");
    if (rc != GIS_OK) {
        cql2_free(ends[0]);
        cql2_free(ends[1]);
        return rc;
    }
    rc = combine(ps, CQL2_INTERVAL, ends, 2, out);
    if (rc == GIS_OK && (rc = cql2_interval_check(*out, ps->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status parse_literal(struct parser *ps, enum cql2_op op, struct cql2_node **out)
{
    enum gis_status rc = leaf(ps, op, out);

    if (rc != GIS_OK)
        return rc;
    if (op == CQL2_NUMBER)
        (*out)->number = ps->number;
    else if (op == CQL2_BOOLEAN)
        (*out)->boolean = !strcasecmp(ps->text, "true");
    else {
        (*out)->text = ps->text;
        ps->text = NULL;
    }
    rc = next(ps);
    if (rc != GIS_OK) { /* the next token is bad: the literal goes too */
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The arguments of a call, after its name: '(' [expr {',' expr}] ')' into node. */
static enum gis_status parse_args(struct parser *ps, struct cql2_node *node)
{
    struct cql2_node *arg = NULL;
    enum gis_status rc = next(ps);

    if (rc == GIS_OK)
        rc = expect(ps, T_LPAREN, "expected '(' after the name of a function");
    if (rc == GIS_OK && ps->tok == T_RPAREN)
        return next(ps);
    while (rc == GIS_OK) {
        rc = parse_or(ps, &arg);
        if (rc == GIS_OK)
            rc = cql2_node_add(node, arg, ps->err);
        if (rc != GIS_OK || ps->tok != T_COMMA)
            break;
        rc = next(ps);
    }
    return rc == GIS_OK ? expect(ps, T_RPAREN, "expected ')' after the arguments") : rc;
}

/* S_DWITHIN(a, b, d, units): units, if given, must be metres; they are dropped. */
static enum gis_status drop_units(struct parser *ps, struct cql2_node *n)
{
    const struct cql2_node *u = n->args[3];
    bool is_metres = (u->op == CQL2_PROPERTY || u->op == CQL2_STRING) &&
                     (!strcasecmp(u->text, "meters") || !strcasecmp(u->text, "metres") ||
                      !strcasecmp(u->text, "m"));

    if (!is_metres)
        return fail_at(ps, "S_DWITHIN distances are in meters");
    cql2_free(n->args[3]);
    n->n_args = 3;
    return GIS_OK;
}

/* How many arguments a built-in operator takes (functions are checked when compiled). */
static size_t arity(enum cql2_op op)
{
    if (op == CQL2_CASEI || op == CQL2_ACCENTI)
        return 1;
    return op == CQL2_S_DWITHIN ? 3 : 2;
}

/* NAME(args): a built-in operator (op) or a function (op CQL2_FUNCTION, named by the
 * current token). */
static enum gis_status parse_call(struct parser *ps, enum cql2_op op, struct cql2_node **out)
{
    struct cql2_node *node = NULL;
    enum gis_status rc = enter(ps);
    char what[96];

    if (rc == GIS_OK)
        rc = leaf(ps, op, &node);
    if (rc == GIS_OK && op == CQL2_FUNCTION) {
        node->text = ps->text;
        ps->text = NULL;
    }
    if (rc == GIS_OK)
        rc = parse_args(ps, node);
    if (rc == GIS_OK && op == CQL2_S_DWITHIN && node->n_args == 4)
        rc = drop_units(ps, node);
    if (rc == GIS_OK && op != CQL2_FUNCTION && node->n_args != arity(op)) {
        snprintf(what, sizeof what, "%s takes %zu argument%s, not %zu", cql2_op_name(op), arity(op),
                 arity(op) == 1 ? "" : "s", node->n_args);
        rc = fail_at(ps, what);
    }
    ps->depth--;
    if (rc != GIS_OK) {
        cql2_free(node);
        return rc;
    }
    *out = node;
    return GIS_OK;
}

/* The built-in operators written as calls: NAME(args). */
static bool is_call_op(const struct parser *ps, enum cql2_op *op)
{
    return cql2_op_from_name(ps->text, op) &&
           (*op == CQL2_CASEI || *op == CQL2_ACCENTI || cql2_op_is_spatial(*op) ||
            cql2_op_is_temporal(*op) || cql2_op_is_array(*op));
}

/* A named operator or function call, or a keyword literal, or a property. */
static enum gis_status parse_name(struct parser *ps, struct cql2_node **out)
{
    enum cql2_op op;

    if (is_kw(ps, "true") || is_kw(ps, "false"))
        return parse_literal(ps, CQL2_BOOLEAN, out);
    if (is_kw(ps, "DATE") || is_kw(ps, "TIMESTAMP"))
        return parse_temporal(ps, out);
    if (is_kw(ps, "INTERVAL"))
        return parse_interval(ps, out);
    if (is_kw(ps, "BBOX") || is_kw(ps, "ENVELOPE"))
        return parse_bbox(ps, out);
    if (is_wkt_keyword(ps))
        return parse_wkt(ps, out);
    if (!followed_by(ps, '('))
        return parse_literal(ps, CQL2_PROPERTY, out);
    return parse_call(ps, is_call_op(ps, &op) ? op : CQL2_FUNCTION, out);
}

/* '(' ... ')': a parenthesised expression, or an array: () or (a, b, ...). */
static enum gis_status parse_parens(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *first = NULL, *list = NULL, *more = NULL;
    enum gis_status rc = enter(ps);

    if (rc == GIS_OK)
        rc = next(ps);
    if (rc == GIS_OK && ps->tok == T_RPAREN) {
        rc = leaf(ps, CQL2_LIST, &list);
    } else if (rc == GIS_OK) {
        rc = parse_or(ps, &first);
        if (rc == GIS_OK && ps->tok == T_COMMA)
            rc = combine(ps, CQL2_LIST, &first, 1, &list);
        else
            list = first;
        while (rc == GIS_OK && ps->tok == T_COMMA) {
            rc = next(ps);
            if (rc == GIS_OK)
                rc = parse_or(ps, &more);
            if (rc == GIS_OK)
                rc = cql2_node_add(list, more, ps->err);
        }
    }
    if (rc == GIS_OK)
        rc = expect(ps, T_RPAREN, "expected ')'");
    ps->depth--;
    if (rc != GIS_OK) {
        cql2_free(list);
        return rc;
    }
    *out = list;
    return GIS_OK;
}

static enum gis_status primary_inner(struct parser *ps, struct cql2_node **out)
{
    switch (ps->tok) {
    case T_LPAREN:
        return parse_parens(ps, out);
    case T_STRING:
        return parse_literal(ps, CQL2_STRING, out);
    case T_NUMBER:
        return parse_literal(ps, CQL2_NUMBER, out);
    case T_QIDENT:
        return parse_literal(ps, CQL2_PROPERTY, out);
    case T_IDENT:
        return parse_name(ps, out);
    default:
        return fail_at(ps, "expected a property, a literal or a geometry");
    }
}

/* A primary, or nothing: a failure part-way (a literal made, then found wrong) frees what
 * was made, so callers never see a half-built node. */
static enum gis_status parse_primary(struct parser *ps, struct cql2_node **out)
{
    enum gis_status rc;

    *out = NULL;
    rc = primary_inner(ps, out);
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

/* [-|+] primary: a minus folds into a number literal, or multiplies by -1. */
static enum gis_status parse_unary(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *kids[2] = {NULL, NULL};
    bool is_minus = is_arith(ps, CQL2_SUB);
    enum gis_status rc;

    *out = NULL;
    if (!is_minus && !is_arith(ps, CQL2_ADD))
        return parse_primary(ps, out);
    rc = enter(ps);
    if (rc == GIS_OK)
        rc = next(ps);
    if (rc == GIS_OK)
        rc = parse_unary(ps, &kids[1]);
    ps->depth--;
    if (rc != GIS_OK || !is_minus) {
        *out = kids[1];
        return rc;
    }
    if (kids[1]->op == CQL2_NUMBER) {
        kids[1]->number = -kids[1]->number;
        *out = kids[1];
        return GIS_OK;
    }
    rc = leaf(ps, CQL2_NUMBER, &kids[0]);
    if (rc != GIS_OK) {
        cql2_free(kids[1]);
        return rc;
    }
    kids[0]->number = -1;
    return combine(ps, CQL2_MUL, kids, 2, out);
}

/* A left-associative run of sub-expressions joined by the operators is_op accepts. */
static enum gis_status parse_binary(struct parser *ps,
                                    bool (*is_op)(const struct parser *, enum cql2_op *),
                                    enum gis_status (*sub)(struct parser *, struct cql2_node **),
                                    struct cql2_node **out)
{
    struct cql2_node *kids[2] = {NULL, NULL};
    enum gis_status rc = sub(ps, &kids[0]);
    enum cql2_op op;

    while (rc == GIS_OK && is_op(ps, &op)) {
        rc = next(ps);
        if (rc == GIS_OK)
            rc = sub(ps, &kids[1]);
        if (rc == GIS_OK)
            rc = combine(ps, op, kids, 2, &kids[0]);
        else
            cql2_free(kids[0]);
        kids[1] = NULL;
    }
    if (rc != GIS_OK)
        return rc;
    *out = kids[0];
    return GIS_OK;
}

static bool is_term_op(const struct parser *ps, enum cql2_op *op)
{
    *op = is_kw(ps, "div") ? CQL2_IDIV : ps->cmp;
    return is_kw(ps, "div") || is_arith(ps, CQL2_MUL) || is_arith(ps, CQL2_DIV) ||
           is_arith(ps, CQL2_MOD);
}

static bool is_sum_op(const struct parser *ps, enum cql2_op *op)
{
    *op = ps->cmp;
    return is_arith(ps, CQL2_ADD) || is_arith(ps, CQL2_SUB);
}

/* unary [^ unary]: one power, as the BNF has it (2^3^2 is not read either way). */
static enum gis_status parse_power(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *kids[2] = {NULL, NULL};
    enum gis_status rc = parse_unary(ps, &kids[0]);

    if (rc != GIS_OK || !is_arith(ps, CQL2_POW)) {
        *out = kids[0];
        return rc;
    }
    rc = next(ps);
    if (rc == GIS_OK)
        rc = parse_unary(ps, &kids[1]);
    if (rc != GIS_OK) {
        cql2_free(kids[0]);
        return rc;
    }
    return combine(ps, CQL2_POW, kids, 2, out);
}

static enum gis_status parse_term(struct parser *ps, struct cql2_node **out)
{
    return parse_binary(ps, is_term_op, parse_power, out);
}

/* An arithmetic expression, or any single operand. */
static enum gis_status parse_expr(struct parser *ps, struct cql2_node **out)
{
    return parse_binary(ps, is_sum_op, parse_term, out);
}

/* The list of IN, after IN: '(' expr {',' expr} ')'. */
static enum gis_status parse_in_list(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *list = NULL, *item = NULL;
    enum gis_status rc = expect(ps, T_LPAREN, "expected '(' after IN");

    if (rc == GIS_OK)
        rc = leaf(ps, CQL2_LIST, &list);
    while (rc == GIS_OK) {
        rc = parse_expr(ps, &item);
        if (rc == GIS_OK)
            rc = cql2_node_add(list, item, ps->err);
        if (rc != GIS_OK || ps->tok != T_COMMA)
            break;
        rc = next(ps);
    }
    if (rc == GIS_OK)
        rc = expect(ps, T_RPAREN, "expected ')' after the IN list");
    if (rc != GIS_OK) {
        cql2_free(list);
        return rc;
    }
    *out = list;
    return GIS_OK;
}

/* IS [NOT] NULL, after the operand. */
static enum gis_status parse_is_null(struct parser *ps, bool *negate)
{
    enum gis_status rc = next(ps);

    if (rc == GIS_OK && is_kw(ps, "NOT")) {
        *negate = true;
        rc = next(ps);
    }
    if (rc == GIS_OK && !is_kw(ps, "NULL"))
        rc = fail_at(ps, "expected NULL after IS");
    return rc == GIS_OK ? next(ps) : rc;
}

/* [NOT] LIKE x | [NOT] BETWEEN x AND y | [NOT] IN (...), after the operand. kids[0] is
 * the operand; kids[1..] are filled. */
static enum gis_status parse_negatable(
    struct parser *ps, struct cql2_node **kids, enum cql2_op *op, size_t *n, bool *negate)
{
    enum gis_status rc = GIS_OK;

    if (is_kw(ps, "NOT")) {
        *negate = true;
        rc = next(ps);
    }
    if (rc != GIS_OK)
        return rc;
    if (is_kw(ps, "LIKE")) {
        *op = CQL2_LIKE;
        rc = next(ps);
        return rc == GIS_OK ? parse_expr(ps, &kids[1]) : rc;
    }
    if (is_kw(ps, "IN")) {
        *op = CQL2_IN;
        rc = next(ps);
        return rc == GIS_OK ? parse_in_list(ps, &kids[1]) : rc;
    }
    if (!is_kw(ps, "BETWEEN"))
        return fail_at(ps, "expected a comparison, LIKE, BETWEEN, IN or IS NULL");
    *op = CQL2_BETWEEN;
    *n = 3;
    rc = next(ps);
    if (rc == GIS_OK)
        rc = parse_expr(ps, &kids[1]);
    if (rc == GIS_OK && !is_kw(ps, "AND"))
        rc = fail_at(ps, "expected AND in BETWEEN");
    if (rc == GIS_OK)
        rc = next(ps);
    return rc == GIS_OK ? parse_expr(ps, &kids[2]) : rc;
}

/* What follows an operand: a comparison, [NOT] LIKE/BETWEEN/IN, or IS [NOT] NULL. */
static enum gis_status
parse_predicate_tail(struct parser *ps, struct cql2_node *left, struct cql2_node **out)
{
    struct cql2_node *kids[3] = {left, NULL, NULL};
    enum gis_status rc;
    enum cql2_op op = CQL2_EQ;
    bool negate = false;
    size_t n = 2;

    if (ps->tok == T_CMP) {
        op = ps->cmp;
        rc = next(ps);
        if (rc == GIS_OK)
            rc = parse_expr(ps, &kids[1]);
    } else if (is_kw(ps, "IS")) {
        op = CQL2_ISNULL;
        n = 1;
        rc = parse_is_null(ps, &negate);
    } else {
        rc = parse_negatable(ps, kids, &op, &n, &negate);
    }
    if (rc != GIS_OK) {
        cql2_free(kids[0]);
        cql2_free(kids[1]);
        cql2_free(kids[2]);
        return rc;
    }
    rc = combine(ps, op, kids, n, out);
    if (rc == GIS_OK && negate)
        rc = combine(ps, CQL2_NOT, out, 1, out);
    return rc;
}

static bool starts_tail(const struct parser *ps)
{
    return ps->tok == T_CMP || is_kw(ps, "IS") || is_kw(ps, "NOT") || is_kw(ps, "LIKE") ||
           is_kw(ps, "BETWEEN") || is_kw(ps, "IN");
}

/* An operand and its comparison, or an operand alone (a predicate itself, or a value
 * inside parentheses: its user decides). */
static enum gis_status parse_predicate(struct parser *ps, struct cql2_node **out)
{
    struct cql2_node *left = NULL;
    enum gis_status rc = parse_expr(ps, &left);

    if (rc != GIS_OK)
        return rc;
    if (starts_tail(ps))
        return parse_predicate_tail(ps, left, out);
    *out = left;
    return GIS_OK;
}

static enum gis_status parse_not(struct parser *ps, struct cql2_node **out)
{
    enum gis_status rc;

    if (!is_kw(ps, "NOT"))
        return parse_predicate(ps, out);
    rc = enter(ps);
    if (rc == GIS_OK)
        rc = next(ps);
    if (rc == GIS_OK)
        rc = parse_not(ps, out);
    if (rc == GIS_OK)
        rc = need_predicate(ps, out);
    if (rc == GIS_OK)
        rc = combine(ps, CQL2_NOT, out, 1, out);
    ps->depth--;
    return rc;
}

/* a KW b KW c ... as one n-ary node; each part must be a predicate. */
static enum gis_status parse_chain(struct parser *ps,
                                   const char *kw,
                                   enum cql2_op op,
                                   enum gis_status (*sub)(struct parser *, struct cql2_node **),
                                   struct cql2_node **out)
{
    struct cql2_node *first = NULL, *node = NULL, *more = NULL;
    enum gis_status rc = sub(ps, &first);

    if (rc != GIS_OK || !is_kw(ps, kw)) {
        *out = first;
        return rc;
    }
    rc = need_predicate(ps, &first);
    if (rc == GIS_OK)
        rc = combine(ps, op, &first, 1, &node);
    while (rc == GIS_OK && is_kw(ps, kw)) {
        rc = next(ps);
        if (rc == GIS_OK)
            rc = sub(ps, &more);
        if (rc == GIS_OK)
            rc = need_predicate(ps, &more);
        if (rc == GIS_OK)
            rc = cql2_node_add(node, more, ps->err);
    }
    if (rc != GIS_OK) {
        cql2_free(node);
        return rc;
    }
    *out = node;
    return GIS_OK;
}

static enum gis_status parse_and(struct parser *ps, struct cql2_node **out)
{
    return parse_chain(ps, "AND", CQL2_AND, parse_not, out);
}

static enum gis_status parse_or(struct parser *ps, struct cql2_node **out)
{
    return parse_chain(ps, "OR", CQL2_OR, parse_and, out);
}

enum gis_status cql2_parse_text(const char *text,
                                const struct cql2_limits *limits,
                                struct cql2_node **out,
                                struct gis_error *err)
{
    struct parser ps = {0};
    struct cql2_node *root = NULL;
    enum gis_status rc;

    if (!text || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "filter: null argument");
    limits = limits ? limits : &CQL2_DEFAULT_LIMITS;
    if (strlen(text) > limits->max_text)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "the filter is longer than %zu bytes",
                        limits->max_text);
    ps.src = ps.p = text;
    ps.budget.limits = limits;
    ps.err = err;
    rc = next(&ps);
    if (rc == GIS_OK && ps.tok == T_EOF)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "the filter is empty");
    if (rc == GIS_OK)
        rc = parse_or(&ps, &root);
    if (rc == GIS_OK && ps.tok != T_EOF)
        rc = fail_at(&ps, "unexpected text after the expression");
    if (rc == GIS_OK)
        rc = need_predicate(&ps, &root);
    free(ps.text);
    if (rc != GIS_OK) {
        cql2_free(root);
        return rc;
    }
    *out = root;
    return GIS_OK;
}

/* ---------------------------------------------------------------- filter-crs */

/* Every position of g (and of its parts) through xf, axes swapped first if asked. depth
 * bounds collections of collections, as check_shape does. */
static enum gis_status transform_positions(
    OGRGeometryH g, struct crs_transform *xf, bool swap, int depth, struct gis_error *err)
{
    int i, n = OGR_G_GetGeometryCount(g), np;
    enum gis_status rc = GIS_OK;

    if (depth > 8)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "geometry literal nested too deeply");
    for (i = 0; i < n && rc == GIS_OK; i++)
        rc = transform_positions(OGR_G_GetGeometryRef(g, i), xf, swap, depth + 1, err);
    np = n ? 0 : OGR_G_GetPointCount(g);
    for (i = 0; i < np && rc == GIS_OK; i++) {
        double x = OGR_G_GetX(g, i), y = OGR_G_GetY(g, i), t = x;
        if (swap) {
            x = y;
            y = t;
        }
        rc = crs_transform_points(xf, &x, &y, 1, err);
        if (rc == GIS_OK)
            OGR_G_SetPoint_2D(g, i, x, y);
    }
    return rc;
}

static enum gis_status
literal_to_crs84(struct cql2_node *n, struct crs_transform *xf, bool swap, struct gis_error *err)
{
    OGRGeometryH g = NULL;
    enum gis_status rc;

    if (OGR_G_CreateFromWkb(n->wkb, NULL, &g, (int)n->wkb_size) != OGRERR_NONE || !g)
        return gis_fail(err, GIS_ERR_INTERNAL, "a geometry literal could not be re-read");
    rc = transform_positions(g, xf, swap, 0, err);
    if (rc == GIS_OK)
        rc = set_geometry(n, g, err);
    OGR_G_DestroyGeometry(g);
    return rc;
}

static enum gis_status
tree_to_crs84(struct cql2_node *n, struct crs_transform *xf, bool swap, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    if (n->op == CQL2_GEOMETRY)
        return literal_to_crs84(n, xf, swap, err);
    for (i = 0; i < n->n_args && rc == GIS_OK; i++)
        rc = tree_to_crs84(n->args[i], xf, swap, err);
    return rc;
}

enum gis_status cql2_tree_to_crs84(struct cql2_node *root,
                                   const char *crs,
                                   bool is_north_first,
                                   struct gis_error *err)
{
    struct crs_transform *xf = NULL;
    enum gis_status rc;

    if (!root || !crs)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "cql2_tree_to_crs84: null argument");
    if (!strcasecmp(crs, "OGC:CRS84") && !is_north_first)
        return GIS_OK;
    rc = crs_transform_new(crs, "OGC:CRS84", &xf, err);
    if (rc == GIS_OK)
        rc = tree_to_crs84(root, xf, is_north_first, err);
    crs_transform_free(xf);
    return rc;
}
