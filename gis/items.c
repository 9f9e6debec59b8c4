/*
 * Feature queries: builds one SELECT per request from the layer's constant SQL and the
 * request's parsed parts, with every user value a bound parameter, and steps through
 * it. Owns the statements and the bound strings it makes; the layer catalogue and the
 * CQL2 tree are borrowed.
 */
#include "items.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "gis_int.h"
#include "hash.h"
#include "names.h"

#define SQL_MAX       (256u * 1024u)
#define M_PER_DEG_LAT 111000.0 /* a lower bound, so degree margins are generous */

enum bind_kind {
    B_TEXT,
    B_INT,
    B_REAL,
    B_BLOB,
};

struct bind {
    enum bind_kind kind;
    const char *text; /* B_TEXT (borrowed or owned) */
    char *owned;
    int64_t i;
    double d;
    const void *blob;
    size_t size;
};

struct sqlb {
    struct gbuf sql;
    struct bind *b;
    size_t n, cap;
    enum gis_status rc; /* sticky: the first failure */
};

struct items_cursor {
    sqlite3_stmt *stmt;
    const struct layer_def *layer;
    struct sqlb sb; /* keeps bound strings alive */
};

/* ---------------------------------------------------------------- builder */

static void sb_init(struct sqlb *sb)
{
    memset(sb, 0, sizeof *sb);
    gbuf_init(&sb->sql, SQL_MAX);
}

static void sb_free(struct sqlb *sb)
{
    size_t i;

    for (i = 0; i < sb->n; i++)
        free(sb->b[i].owned);
    free(sb->b);
    gbuf_free(&sb->sql);
}

static void sb_sql(struct sqlb *sb, const char *text)
{
    if (sb->rc == GIS_OK)
        sb->rc = gbuf_puts(&sb->sql, text);
}

static struct bind *sb_bind(struct sqlb *sb)
{
    struct bind *b;

    sb_sql(sb, "?");
    if (sb->rc != GIS_OK)
        return NULL;
    if (sb->n == sb->cap) {
        size_t cap = sb->cap ? sb->cap * 2 : 16;
        b = realloc(sb->b, cap * sizeof *b);
        if (!b) {
            sb->rc = GIS_ERR_NOMEM;
            return NULL;
        }
        sb->b = b;
        sb->cap = cap;
    }
    b = &sb->b[sb->n++];
    memset(b, 0, sizeof *b);
    return b;
}

static void sb_text(struct sqlb *sb, const char *text)
{
    struct bind *b = sb_bind(sb);

    if (b) {
        b->kind = B_TEXT;
        b->text = text;
    }
}

static void sb_owned_text(struct sqlb *sb, char *text)
{
    struct bind *b = text ? sb_bind(sb) : NULL;

    if (!text && sb->rc == GIS_OK)
        sb->rc = GIS_ERR_NOMEM;
    if (!b) {
        free(text);
        return;
    }
    b->kind = B_TEXT;
    b->text = b->owned = text;
}

static void sb_int(struct sqlb *sb, int64_t v)
{
    struct bind *b = sb_bind(sb);

    if (b) {
        b->kind = B_INT;
        b->i = v;
    }
}

static void sb_real(struct sqlb *sb, double v)
{
    struct bind *b = sb_bind(sb);

    if (b) {
        b->kind = B_REAL;
        b->d = v;
    }
}

static void sb_blob(struct sqlb *sb, const void *blob, size_t size)
{
    struct bind *b = sb_bind(sb);

    if (b) {
        b->kind = B_BLOB;
        b->blob = blob;
        b->size = size;
    }
}

static enum gis_status
sb_prepare(struct store *st, struct sqlb *sb, sqlite3_stmt **out, struct gis_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t i;

    if (sb->rc != GIS_OK)
        return gis_fail(err, sb->rc, "the query is too large");
    if (store__stmt(st, sb->sql.data, &s, err) != GIS_OK)
        return err ? err->code : GIS_ERR_DB;
    for (i = 0; i < sb->n; i++) {
        const struct bind *b = &sb->b[i];
        int col = (int)i + 1;
        if (b->kind == B_TEXT)
            sqlite3_bind_text(s, col, b->text, -1, SQLITE_STATIC);
        else if (b->kind == B_INT)
            sqlite3_bind_int64(s, col, b->i);
        else if (b->kind == B_REAL)
            sqlite3_bind_double(s, col, b->d);
        else
            sqlite3_bind_blob(s, col, b->blob, (int)b->size, SQLITE_STATIC);
    }
    *out = s;
    return GIS_OK;
}

/* ---------------------------------------------------------------- spatial parts */

/* rowid IN the R*Tree candidates for a box (and the second tree's, if any). */
static void sb_rtree(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    static const char *const meets[4] = {
        " WHERE xmax >= ", " AND ymax >= ", " AND xmin <= ", " AND ymin <= "};
    size_t t, n = l->rtree[1] ? 2 : 1;
    int k;

    sb_sql(sb, "(");
    for (t = 0; t < n; t++) {
        sb_sql(sb, t ? " OR " : "");
        sb_sql(sb, l->rowid_sql);
        sb_sql(sb, " IN (SELECT pkid FROM ");
        sb_sql(sb, l->rtree[t]);
        for (k = 0; k < 4; k++) {
            sb_sql(sb, meets[k]);
            sb_real(sb, box[k]);
        }
        sb_sql(sb, ")");
    }
    sb_sql(sb, ")");
}

static void sb_box_test(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    int k;

    sb_sql(sb, "civgis_box_intersects(");
    sb_sql(sb, l->geom_sql);
    for (k = 0; k < 4; k++) {
        sb_sql(sb, ", ");
        sb_real(sb, box[k]);
    }
    sb_sql(sb, ") = 1");
}

/* A count by box (numberMatched) visits every candidate, and reading a geometry is
 * most of a row's cost. So the count joins the R*Tree: a feature whose tree box (rounded
 * outwards) lies inside the query box surely intersects it and is counted without its
 * geometry; only those straddling the edge are read and tested. Layers with one tree. */
static void sb_count_join(struct sqlb *sb, const struct layer_def *l)
{
    sb_sql(sb, " JOIN ");
    sb_sql(sb, l->rtree[0]);
    sb_sql(sb, " AS civgis_tree ON civgis_tree.pkid = ");
    sb_sql(sb, l->rowid_sql);
}

static void sb_count_bbox(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    static const char *const meets[4] = {"(civgis_tree.xmax >= ", " AND civgis_tree.ymax >= ",
                                         " AND civgis_tree.xmin <= ", " AND civgis_tree.ymin <= "};
    static const char *const inside[4] = {
        " AND ((civgis_tree.xmin >= ", " AND civgis_tree.ymin >= ", " AND civgis_tree.xmax <= ",
        " AND civgis_tree.ymax <= "};
    int k;

    for (k = 0; k < 4; k++) {
        sb_sql(sb, meets[k]);
        sb_real(sb, box[k]);
    }
    for (k = 0; k < 4; k++) {
        sb_sql(sb, inside[k]);
        sb_real(sb, box[k]);
    }
    sb_sql(sb, ") OR ");
    sb_box_test(sb, l, box);
    sb_sql(sb, "))");
}

/* Features whose geometry intersects the box: the R*Tree narrows, then an exact test in
 * C (civgis_box_intersects, registered by the store), which costs a fraction of GEOS.
 * (A page in id order stops at its limit, so only its own rows and a few more are
 * tested: their geometries are read for the answer anyway.) */
static void sb_bbox(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    sb_rtree(sb, l, box);
    sb_sql(sb, " AND ");
    sb_box_test(sb, l, box);
}

/* ---------------------------------------------------------------- filters */

enum vclass {
    VC_TEXT,
    VC_NUM,
    VC_BOOL,
    VC_DATE,
};

static const char *class_name(enum vclass c)
{
    static const char *const names[] = {"a string", "a number", "a boolean", "a date"};
    return names[c];
}

static enum vclass class_of(enum prop_type t)
{
    switch (t) {
    case PROP_INT:
    case PROP_REAL:
        return VC_NUM;
    case PROP_BOOL:
        return VC_BOOL;
    case PROP_DATE:
        return VC_DATE;
    default:
        return VC_TEXT;
    }
}

static bool compatible(enum vclass a, enum vclass b)
{
    return a == b || (a == VC_DATE && b == VC_TEXT) || (a == VC_TEXT && b == VC_DATE);
}

static enum gis_status compile(struct sqlb *sb,
                               const struct layer_def *l,
                               const struct cql2_node *n,
                               struct gis_error *err);

static enum gis_status
unknown_property(const struct layer_def *l, const char *name, struct gis_error *err)
{
    char list[512];
    size_t i, used = 0;

    list[0] = '\0';
    for (i = 0; i < l->n_props && used < sizeof list; i++) {
        int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", l->props[i].name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.40s' is not a queryable of %s; queryables: %s",
                    name, l->id, list);
}

static enum gis_status compile_scalar(struct sqlb *sb,
                                      const struct layer_def *l,
                                      const struct cql2_node *n,
                                      enum vclass *out,
                                      struct gis_error *err)
{
    enum gis_status rc;
    int p;

    switch (n->op) {
    case CQL2_PROPERTY:
        p = layer_prop_find(l, n->text);
        if (p < 0)
            return layer_is_geometry_name(n->text)
                       ? gis_fail(err, GIS_ERR_INVALID_ARG,
                                  "the geometry can only be used in spatial operators")
                       : unknown_property(l, n->text, err);
        sb_sql(sb, l->props[p].sql);
        *out = class_of(l->props[p].type);
        return GIS_OK;
    case CQL2_STRING:
        sb_text(sb, n->text);
        *out = VC_TEXT;
        return GIS_OK;
    case CQL2_NUMBER:
        sb_real(sb, n->number);
        *out = VC_NUM;
        return GIS_OK;
    case CQL2_BOOLEAN:
        sb_int(sb, n->boolean);
        *out = VC_BOOL;
        return GIS_OK;
    case CQL2_DATE:
        sb_text(sb, n->text);
        *out = VC_DATE;
        return GIS_OK;
    case CQL2_CASEI:
        sb_sql(sb, "lower(");
        rc = compile_scalar(sb, l, n->args[0], out, err);
        sb_sql(sb, ")");
        if (rc == GIS_OK && *out != VC_TEXT)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "CASEI takes a string");
        return rc;
    default:
        return gis_fail(err, GIS_ERR_INVALID_ARG, "expected a property or a literal value");
    }
}

/* Compiles args[0] and args[1..n) as scalars of one class. */
static enum gis_status compile_operands(struct sqlb *sb,
                                        const struct layer_def *l,
                                        const struct cql2_node *const *args,
                                        size_t n,
                                        const char *const *between,
                                        struct gis_error *err)
{
    enum vclass first = VC_TEXT, c;
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < n && rc == GIS_OK; i++) {
        sb_sql(sb, between[i]);
        rc = compile_scalar(sb, l, args[i], i ? &c : &first, err);
        if (rc == GIS_OK && i && !compatible(first, c))
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "cannot compare %s with %s", class_name(first),
                          class_name(c));
    }
    sb_sql(sb, between[n]);
    return rc;
}

static enum gis_status compile_cmp(struct sqlb *sb,
                                   const struct layer_def *l,
                                   const struct cql2_node *n,
                                   struct gis_error *err)
{
    static const char *const ops[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
    const char *between[] = {"(", ops[n->op - CQL2_EQ], ")"};

    if (n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a comparison takes two operands");
    return compile_operands(sb, l, (const struct cql2_node *const *)n->args, 2, between, err);
}

static enum gis_status compile_between(struct sqlb *sb,
                                       const struct layer_def *l,
                                       const struct cql2_node *n,
                                       struct gis_error *err)
{
    const char *between[] = {"(", " BETWEEN ", " AND ", ")"};

    if (n->n_args != 3)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "BETWEEN takes a value and two bounds");
    return compile_operands(sb, l, (const struct cql2_node *const *)n->args, 3, between, err);
}

static enum gis_status compile_in(struct sqlb *sb,
                                  const struct layer_def *l,
                                  const struct cql2_node *n,
                                  struct gis_error *err)
{
    const struct cql2_node *list = n->n_args == 2 ? n->args[1] : NULL;
    const struct cql2_node *ops[2];
    const char *between[] = {"(", " IN (", ")"};
    enum gis_status rc = GIS_OK;
    size_t i;

    if (!list || list->op != CQL2_LIST || list->n_args == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "IN takes a value and a non-empty list");
    ops[0] = n->args[0];
    sb_sql(sb, "(");
    for (i = 0; i < list->n_args && rc == GIS_OK; i++) {
        between[0] = i ? " OR (" : "(";
        between[1] = " = ";
        ops[1] = list->args[i];
        rc = compile_operands(sb, l, ops, 2, between, err);
    }
    sb_sql(sb, ")");
    return rc;
}

/* CQL2 LIKE pattern -> SQLite GLOB pattern (case-sensitive, as CQL2 requires):
 * % -> *, _ -> ?, GLOB's own * ? [ matched literally, '\' escapes the next char. */
static char *like_to_glob(const char *p, bool is_casei)
{
    char *out = malloc(strlen(p) * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (; *p; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
            c = *++p;
        } else if (c == '%' || c == '_') {
            *o++ = c == '%' ? '*' : '?';
            continue;
        }
        if (c == '*' || c == '?' || c == '[') {
            *o++ = '[';
            *o++ = c;
            *o++ = ']';
        } else {
            *o++ = is_casei ? (char)tolower((unsigned char)c) : c;
        }
    }
    *o = '\0';
    return out;
}

static enum gis_status compile_like(struct sqlb *sb,
                                    const struct layer_def *l,
                                    const struct cql2_node *n,
                                    struct gis_error *err)
{
    const struct cql2_node *pat = n->n_args == 2 ? n->args[1] : NULL;
    bool is_casei = false;
    enum vclass c;
    enum gis_status rc;

    if (pat && pat->op == CQL2_CASEI && pat->n_args == 1) {
        pat = pat->args[0];
        is_casei = true;
    }
    if (!pat || pat->op != CQL2_STRING)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "LIKE takes a string pattern");
    is_casei = is_casei || n->args[0]->op == CQL2_CASEI;
    sb_sql(sb, is_casei ? "(lower(" : "((");
    rc = compile_scalar(sb, l, n->args[0], &c, err);
    if (rc == GIS_OK && c != VC_TEXT)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "LIKE applies to strings, not %s", class_name(c));
    sb_sql(sb, ") GLOB ");
    sb_owned_text(sb, like_to_glob(pat->text, is_casei));
    sb_sql(sb, ")");
    return rc;
}

static enum gis_status compile_isnull(struct sqlb *sb,
                                      const struct layer_def *l,
                                      const struct cql2_node *n,
                                      struct gis_error *err)
{
    enum vclass c;
    enum gis_status rc;

    if (n->n_args != 1 || n->args[0]->op != CQL2_PROPERTY)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "IS NULL applies to a property");
    if (layer_prop_find(l, n->args[0]->text) < 0 && layer_is_geometry_name(n->args[0]->text)) {
        sb_sql(sb, "(");
        sb_sql(sb, l->geom_sql); /* the layer's constant text */
        sb_sql(sb, " IS NULL)");
        return GIS_OK;
    }
    sb_sql(sb, "(");
    rc = compile_scalar(sb, l, n->args[0], &c, err);
    sb_sql(sb, " IS NULL)");
    return rc;
}

/* Degrees that surely cover d metres around a box (for the R*Tree prefilter). */
static void expand_box(const double in[4], double d, double out[4])
{
    double lat = fmax(fabs(in[1]), fabs(in[3]));
    double dy = d / M_PER_DEG_LAT;
    double dx = lat + dy >= 89.0 ? 360.0 : dy / cos((lat + dy) * M_PI / 180.0);

    out[0] = in[0] - dx;
    out[1] = in[1] - dy;
    out[2] = in[2] + dx;
    out[3] = in[3] + dy;
}

static enum gis_status spatial_args(const struct cql2_node *n,
                                    const struct cql2_node **lit,
                                    bool *is_swapped,
                                    struct gis_error *err)
{
    const struct cql2_node *a = n->args[0], *b = n->args[1];

    *is_swapped = false;
    if (a->op == CQL2_GEOMETRY && b->op == CQL2_PROPERTY) {
        const struct cql2_node *t = a;
        a = b;
        b = t;
        *is_swapped = true;
    }
    if (a->op != CQL2_PROPERTY || !layer_is_geometry_name(a->text))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "spatial operators compare the property 'geometry' with a literal");
    if (b->op != CQL2_GEOMETRY)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "expected a geometry literal (WKT or BBOX)");
    *lit = b;
    return GIS_OK;
}

static enum gis_status compile_spatial(struct sqlb *sb,
                                       const struct layer_def *l,
                                       const struct cql2_node *n,
                                       struct gis_error *err)
{
    static const char *const fns[] = {"ST_Intersects(", "ST_Within(", "ST_Contains(",
                                      "ST_Intersects(", "ST_Distance("};
    const struct cql2_node *lit = NULL;
    enum cql2_op op = n->op;
    double box[4], d = 0;
    bool is_swapped;
    enum gis_status rc;

    if (n->n_args != (op == CQL2_S_DWITHIN ? 3u : 2u))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "wrong number of spatial arguments");
    rc = spatial_args(n, &lit, &is_swapped, err);
    if (rc != GIS_OK)
        return rc;
    if (is_swapped && (op == CQL2_S_WITHIN || op == CQL2_S_CONTAINS))
        op = op == CQL2_S_WITHIN ? CQL2_S_CONTAINS : CQL2_S_WITHIN;
    if (op == CQL2_S_DWITHIN) {
        if (n->args[2]->op != CQL2_NUMBER || !(n->args[2]->number >= 0))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "S_DWITHIN takes a distance >= 0 metres");
        d = n->args[2]->number;
    }
    expand_box(lit->bbox, d, box);
    sb_sql(sb, op == CQL2_S_DISJOINT ? "(NOT (" : "((");
    sb_rtree(sb, l, box);
    sb_sql(sb, " AND ");
    sb_sql(sb, fns[op - CQL2_S_INTERSECTS]);
    sb_sql(sb, l->geom_sql);
    sb_sql(sb, ", GeomFromWKB(");
    sb_blob(sb, lit->wkb, lit->wkb_size);
    sb_sql(sb, op == CQL2_S_DWITHIN ? ", 4326), 1) <= " : ", 4326)) = 1");
    if (op == CQL2_S_DWITHIN)
        sb_real(sb, d);
    sb_sql(sb, "))");
    return GIS_OK;
}

static enum gis_status compile_logical(struct sqlb *sb,
                                       const struct layer_def *l,
                                       const struct cql2_node *n,
                                       struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    if (n->op == CQL2_NOT) {
        if (n->n_args != 1)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "NOT takes one operand");
        sb_sql(sb, "(NOT ");
        rc = compile(sb, l, n->args[0], err);
        sb_sql(sb, ")");
        return rc;
    }
    if (n->n_args < 1)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "AND/OR take operands");
    sb_sql(sb, "(");
    for (i = 0; i < n->n_args && rc == GIS_OK; i++) {
        if (i)
            sb_sql(sb, n->op == CQL2_AND ? " AND " : " OR ");
        rc = compile(sb, l, n->args[i], err);
    }
    sb_sql(sb, ")");
    return rc;
}

static enum gis_status compile(struct sqlb *sb,
                               const struct layer_def *l,
                               const struct cql2_node *n,
                               struct gis_error *err)
{
    switch (n->op) {
    case CQL2_AND:
    case CQL2_OR:
    case CQL2_NOT:
        return compile_logical(sb, l, n, err);
    case CQL2_EQ:
    case CQL2_NE:
    case CQL2_LT:
    case CQL2_LE:
    case CQL2_GT:
    case CQL2_GE:
        return compile_cmp(sb, l, n, err);
    case CQL2_LIKE:
        return compile_like(sb, l, n, err);
    case CQL2_BETWEEN:
        return compile_between(sb, l, n, err);
    case CQL2_IN:
        return compile_in(sb, l, n, err);
    case CQL2_ISNULL:
        return compile_isnull(sb, l, n, err);
    case CQL2_S_INTERSECTS:
    case CQL2_S_WITHIN:
    case CQL2_S_CONTAINS:
    case CQL2_S_DISJOINT:
    case CQL2_S_DWITHIN:
        return compile_spatial(sb, l, n, err);
    case CQL2_BOOLEAN:
        sb_sql(sb, n->boolean ? "1" : "0");
        return GIS_OK;
    default:
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a filter must be a predicate, not a value");
    }
}

/* ---------------------------------------------------------------- query */

static void where_time(struct sqlb *sb, const struct items_query *q)
{
    if (!q->layer->is_versioned)
        return;
    if (!q->has_datetime) {
        sb_sql(sb, " AND valid_to IS NULL");
        return;
    }
    if (q->t_end) {
        sb_sql(sb, " AND valid_from <= ");
        sb_text(sb, q->t_end);
    }
    if (q->t_start) {
        sb_sql(sb, " AND (valid_to IS NULL OR valid_to > ");
        sb_text(sb, q->t_start);
        sb_sql(sb, ")");
    }
}

/* Divisions and places are searched through the gazetteer's index (names.h), which
 * knows substrings, pinyin, initials, polyphonic readings, aliases and former names. */
static void where_search_index(struct sqlb *sb, const struct layer_def *l, const char *q)
{
    char expr[2048];

    if (!names_match_expr(q, expr, sizeof expr)) {
        sb_sql(sb, " AND 0");
        return;
    }
    sb_sql(sb, " AND ");
    sb_sql(sb, l->id_sql);
    sb_sql(sb, " IN (SELECT e.feature FROM names_fts JOIN search_entries e ON e.id ="
               " names_fts.rowid WHERE names_fts MATCH ");
    sb_owned_text(sb, strdup(expr));
    sb_sql(sb, " AND e.target = ");
    sb_text(sb, l->table);
    sb_sql(sb, ")");
}

static void where_search(struct sqlb *sb, const struct layer_def *l, const char *q)
{
    enum names_target t;

    if (names_table_target(l->table, &t)) {
        where_search_index(sb, l, q);
        return;
    }
    sb_sql(sb, " AND (instr(");
    sb_sql(sb, l->search_name_sql);
    sb_sql(sb, ", ");
    sb_text(sb, q);
    sb_sql(sb, ") > 0");
    if (l->search_pinyin_sql) {
        sb_sql(sb, " OR instr(lower(replace(COALESCE(");
        sb_sql(sb, l->search_pinyin_sql);
        sb_sql(sb, ", ''), ' ', '')), lower(replace(");
        sb_text(sb, q);
        sb_sql(sb, ", ' ', ''))) > 0");
    }
    if (l->search_code_sql) {
        sb_sql(sb, " OR substr(");
        sb_sql(sb, l->search_code_sql);
        sb_sql(sb, ", 1, length(");
        sb_text(sb, q);
        sb_sql(sb, ")) = ");
        sb_text(sb, q);
    }
    sb_sql(sb, ")");
}

static enum gis_status
build_where(struct sqlb *sb, const struct items_query *q, bool is_count, struct gis_error *err)
{
    const struct layer_def *l = q->layer;
    bool is_joined = is_count && q->has_bbox && !l->rtree[1];
    enum gis_status rc = GIS_OK;

    sb_sql(sb, " FROM ");
    sb_sql(sb, l->table);
    if (is_joined)
        sb_count_join(sb, l);
    sb_sql(sb, " WHERE ");
    sb_sql(sb, l->where ? l->where : "1");
    if (l->where_int_sql) {
        sb_sql(sb, " AND ");
        sb_sql(sb, l->where_int_sql);
        sb_int(sb, l->where_int);
    }
    where_time(sb, q);
    if (q->id) {
        sb_sql(sb, " AND ");
        sb_sql(sb, l->id_sql);
        sb_sql(sb, " = ");
        sb_text(sb, q->id);
    }
    if (q->has_bbox) {
        sb_sql(sb, " AND ");
        if (is_joined)
            sb_count_bbox(sb, l, q->bbox);
        else
            sb_bbox(sb, l, q->bbox);
    }
    if (q->q && *q->q)
        where_search(sb, l, q->q);
    if (q->filter) {
        sb_sql(sb, " AND ");
        rc = compile(sb, l, q->filter, err);
    }
    return rc;
}

static void order_and_page(struct sqlb *sb, const struct items_query *q)
{
    size_t i;

    sb_sql(sb, " ORDER BY ");
    for (i = 0; i < q->n_sort; i++) {
        sb_sql(sb, q->layer->props[q->sort[i].prop].sql);
        sb_sql(sb, q->sort[i].is_desc ? " DESC, " : " ASC, ");
    }
    sb_sql(sb, q->layer->rowid_sql);
    sb_sql(sb, " LIMIT ");
    sb_int(sb, q->limit < 0 ? -1 : q->limit);
    sb_sql(sb, " OFFSET ");
    sb_int(sb, q->offset > 0 ? q->offset : 0);
}

enum gis_status items_open(struct store *st,
                           const struct items_query *q,
                           struct items_cursor **out,
                           struct gis_error *err)
{
    struct items_cursor *c;
    enum gis_status rc;
    size_t i;

    if (!st || !q || !q->layer || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "items_open: null argument");
    c = calloc(1, sizeof *c);
    if (!c)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    c->layer = q->layer;
    sb_init(&c->sb);
    sb_sql(&c->sb, "SELECT ");
    sb_sql(&c->sb, q->layer->id_sql);
    for (i = 0; i < q->layer->n_props; i++) {
        sb_sql(&c->sb, ", ");
        sb_sql(&c->sb, q->layer->props[i].sql);
    }
    /* The stored BLOB itself: decoded here (geom_from_spatialite), not by SpatiaLite. */
    sb_sql(&c->sb, ", ");
    sb_sql(&c->sb, q->layer->geom_sql);
    rc = build_where(&c->sb, q, false, err);
    order_and_page(&c->sb, q);
    if (rc == GIS_OK)
        rc = sb_prepare(st, &c->sb, &c->stmt, err);
    if (rc != GIS_OK) {
        items_close(c);
        return rc;
    }
    *out = c;
    return GIS_OK;
}

enum gis_status items_next(struct items_cursor *c, bool *out_has_row, struct gis_error *err)
{
    int r = sqlite3_step(c->stmt);

    if (r == SQLITE_ROW) {
        *out_has_row = true;
        return GIS_OK;
    }
    *out_has_row = false;
    if (r == SQLITE_DONE)
        return GIS_OK;
    return gis_fail(err, GIS_ERR_DB, "reading features: %s",
                    sqlite3_errmsg(sqlite3_db_handle(c->stmt)));
}

const char *items_id(struct items_cursor *c)
{
    return (const char *)sqlite3_column_text(c->stmt, 0);
}

void items_value(struct items_cursor *c, size_t i, struct item_value *out)
{
    int col = (int)i + 1;

    memset(out, 0, sizeof *out);
    out->type = c->layer->props[i].type;
    out->is_null = sqlite3_column_type(c->stmt, col) == SQLITE_NULL;
    if (out->is_null)
        return;
    if (out->type == PROP_INT || out->type == PROP_BOOL)
        out->i = sqlite3_column_int64(c->stmt, col);
    else if (out->type == PROP_REAL)
        out->d = sqlite3_column_double(c->stmt, col);
    else
        out->text = (const char *)sqlite3_column_text(c->stmt, col);
}

enum gis_status
items_geom(struct items_cursor *c, struct geom *g, bool *out_has, struct gis_error *err)
{
    int col = (int)c->layer->n_props + 1;
    const unsigned char *blob = sqlite3_column_blob(c->stmt, col);
    enum gis_status rc;

    geom_clear(g);
    if (!blob) {
        *out_has = false;
        return GIS_OK;
    }
    rc = geom_from_spatialite(g, blob, (size_t)sqlite3_column_bytes(c->stmt, col), err);
    if (rc == GIS_OK)
        *out_has = true;
    return rc;
}

uint64_t items_tag(struct items_cursor *c)
{
    int i, n = (int)c->layer->n_props + 2; /* id, the properties, the geometry */
    uint64_t h = HASH_FNV_OFFSET;

    for (i = 0; i < n; i++) {
        unsigned char type = (unsigned char)sqlite3_column_type(c->stmt, i);
        int64_t iv;
        double dv;
        h = hash_fnv1a(h, &type, 1);
        if (type == SQLITE_INTEGER) {
            iv = sqlite3_column_int64(c->stmt, i);
            h = hash_fnv1a(h, &iv, sizeof iv);
        } else if (type == SQLITE_FLOAT) {
            dv = sqlite3_column_double(c->stmt, i);
            h = hash_fnv1a(h, &dv, sizeof dv);
        } else if (type != SQLITE_NULL) {
            const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(c->stmt, i)
                                                : (const void *)sqlite3_column_text(c->stmt, i);
            uint32_t len = (uint32_t)sqlite3_column_bytes(c->stmt, i);
            h = hash_fnv1a(h, &len, sizeof len);
            h = hash_fnv1a(h, p, len);
        }
    }
    return hash_mix64(h);
}

void items_close(struct items_cursor *c)
{
    if (!c)
        return;
    store__done(c->stmt);
    sb_free(&c->sb);
    free(c);
}

enum gis_status items_count(struct store *st,
                            const struct items_query *q,
                            int64_t cap,
                            int64_t *out,
                            bool *out_is_exact,
                            struct gis_error *err)
{
    struct sqlb sb;
    sqlite3_stmt *s = NULL;
    enum gis_status rc;

    sb_init(&sb);
    sb_sql(&sb, "SELECT count(*) FROM (SELECT 1");
    rc = build_where(&sb, q, true, err);
    sb_sql(&sb, " LIMIT ");
    sb_int(&sb, cap + 1);
    sb_sql(&sb, ")");
    if (rc == GIS_OK)
        rc = sb_prepare(st, &sb, &s, err);
    if (rc == GIS_OK && sqlite3_step(s) != SQLITE_ROW)
        rc = store__fail(st, err, "counting features");
    if (rc == GIS_OK) {
        *out = sqlite3_column_int64(s, 0);
        *out_is_exact = *out <= cap;
    }
    store__done(s);
    sb_free(&sb);
    return rc;
}
