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
#include "textfold.h"

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

/* The tree entry (civgis_tree) meets the box, and lies inside it or its geometry meets
 * it. is_tree_only: the statement reads the tree alone, so a straddling entry's geometry
 * is fetched by its rowid (only for those: OR stops at a true left side). */
static void sb_count_bbox_test(struct sqlb *sb,
                               const struct layer_def *l,
                               const double box[4],
                               bool is_tree_only)
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
    if (is_tree_only) {
        sb_sql(sb, "(SELECT ");
        sb_box_test(sb, l, box);
        sb_sql(sb, " FROM ");
        sb_sql(sb, l->table);
        sb_sql(sb, " WHERE ");
        sb_sql(sb, l->rowid_sql);
        sb_sql(sb, " = civgis_tree.pkid)");
    } else {
        sb_box_test(sb, l, box);
    }
    sb_sql(sb, "))");
}

static void sb_count_bbox(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    sb_count_bbox_test(sb, l, box, false);
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

/* What a compiled value is. */
enum vclass {
    VC_TEXT,
    VC_NUM,
    VC_BOOL,
    VC_DATE,
    VC_ARRAY,
    VC_GEOM,
};

static const char *class_name(enum vclass c)
{
    static const char *const names[] = {"a string", "a number", "a boolean",
                                        "a date",   "an array", "a geometry"};
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
    case PROP_ARRAY:
        return VC_ARRAY;
    default:
        return VC_TEXT;
    }
}

static enum vclass class_of_type(enum cql2_type t)
{
    static const enum vclass map[] = {VC_TEXT, VC_NUM, VC_BOOL, VC_DATE, VC_GEOM};
    return map[t];
}

static bool compatible(enum vclass a, enum vclass b)
{
    return (a == b && a != VC_GEOM && a != VC_ARRAY) || (a == VC_DATE && b == VC_TEXT) ||
           (a == VC_TEXT && b == VC_DATE);
}

static bool is_predicate(const struct cql2_node *n)
{
    return n->op <= CQL2_ISNULL || cql2_op_is_spatial(n->op) || cql2_op_is_temporal(n->op) ||
           cql2_op_is_array(n->op);
}

static void sb_sqln(struct sqlb *sb, const char *text, size_t n)
{
    if (sb->rc == GIS_OK)
        sb->rc = gbuf_append(&sb->sql, text, n);
}

static enum gis_status compile(struct sqlb *sb,
                               const struct layer_def *l,
                               const struct cql2_node *n,
                               struct gis_error *err);
static enum gis_status compile_value(struct sqlb *sb,
                                     const struct layer_def *l,
                                     const struct cql2_node *n,
                                     enum vclass *out,
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

/* A geometry literal is CRS84 by now (filter-crs applied): its coordinates are degrees. */
static enum gis_status check_lonlat(const struct cql2_node *g, struct gis_error *err)
{
    if (g->bbox[0] < -180 || g->bbox[2] > 180)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "geometry literal: longitude %.10g is outside -180..180 (is filter-crs "
                        "right?)",
                        g->bbox[0] < -180 ? g->bbox[0] : g->bbox[2]);
    if (g->bbox[1] < -90 || g->bbox[3] > 90)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "geometry literal: latitude %.10g is outside -90..90 (is filter-crs "
                        "right?)",
                        g->bbox[1] < -90 ? g->bbox[1] : g->bbox[3]);
    return GIS_OK;
}

static enum gis_status compile_property(struct sqlb *sb,
                                        const struct layer_def *l,
                                        const char *name,
                                        enum vclass *out,
                                        struct gis_error *err)
{
    int p = layer_prop_find(l, name);

    if (p < 0 && layer_is_geometry_name(name)) {
        sb_sql(sb, l->geom_sql); /* the layer's constant text */
        *out = VC_GEOM;
        return GIS_OK;
    }
    if (p < 0)
        return unknown_property(l, name, err);
    sb_sql(sb, l->props[p].sql);
    *out = class_of(l->props[p].type);
    return GIS_OK;
}

/* Emits tmpl with "%1".."%9" replaced by args[0..8] compiled as values, each of the class
 * want[i] or an error naming what (the operator or function) and the argument. Any other
 * '%' is copied (strftime's "%Y"). */
static enum gis_status emit_template(struct sqlb *sb,
                                     const struct layer_def *l,
                                     const char *tmpl,
                                     const struct cql2_node *const *args,
                                     size_t n,
                                     const enum vclass *want,
                                     const char *what,
                                     struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    const char *p = tmpl, *q;
    enum vclass c;
    size_t k;

    while (rc == GIS_OK && (q = strchr(p, '%')) != NULL) {
        if (q[1] < '1' || q[1] > '9' || (size_t)(q[1] - '1') >= n) {
            sb_sqln(sb, p, (size_t)(q - p + 1));
            p = q + 1;
            continue;
        }
        sb_sqln(sb, p, (size_t)(q - p));
        k = (size_t)(q[1] - '1');
        rc = compile_value(sb, l, args[k], &c, err);
        if (rc == GIS_OK && c != want[k])
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes %s as argument %zu, not %s", what,
                          class_name(want[k]), k + 1, class_name(c));
        p = q + 2;
    }
    sb_sql(sb, p);
    return rc;
}

/* + - * / % div ^ over numbers; '/' divides as reals, div truncates. */
static enum gis_status compile_arith(struct sqlb *sb,
                                     const struct layer_def *l,
                                     const struct cql2_node *n,
                                     enum vclass *out,
                                     struct gis_error *err)
{
    static const char *const tmpl[] = {"(%1 + %2)",   "(%1 - %2)",
                                       "(%1 * %2)",   "(CAST(%1 AS REAL) / %2)",
                                       "mod(%1, %2)", "CAST(CAST(%1 AS REAL) / %2 AS INTEGER)",
                                       "pow(%1, %2)"};
    static const enum vclass nums[] = {VC_NUM, VC_NUM};
    char what[32];

    if (n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "'%s' takes two operands, not %zu",
                        cql2_op_name(n->op), n->n_args);
    snprintf(what, sizeof what, "'%s'", cql2_op_name(n->op));
    *out = VC_NUM;
    return emit_template(sb, l, tmpl[n->op - CQL2_ADD], (const struct cql2_node *const *)n->args, 2,
                         nums, what, err);
}

static enum gis_status compile_function(struct sqlb *sb,
                                        const struct layer_def *l,
                                        const struct cql2_node *n,
                                        enum vclass *out,
                                        struct gis_error *err)
{
    const struct cql2_function *f = cql2_function_find(n->text);
    enum vclass want[CQL2_FUNCTION_MAX_ARGS];
    char what[80];
    size_t i;

    if (!f)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "unknown operator or function '%.40s' (GET /functions lists the "
                        "functions)",
                        n->text);
    if (n->n_args != f->n_args)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes %zu argument%s, not %zu", f->name,
                        f->n_args, f->n_args == 1 ? "" : "s", n->n_args);
    for (i = 0; i < f->n_args; i++)
        want[i] = class_of_type(f->args[i]);
    snprintf(what, sizeof what, "%s()", f->name);
    *out = class_of_type(f->returns);
    return emit_template(sb, l, f->sql, (const struct cql2_node *const *)n->args, n->n_args, want,
                         what, err);
}

/* CASEI(x), ACCENTI(x): x folded, on strings only. */
static enum gis_status compile_fold(struct sqlb *sb,
                                    const struct layer_def *l,
                                    const struct cql2_node *n,
                                    enum vclass *out,
                                    struct gis_error *err)
{
    static const enum vclass text[] = {VC_TEXT};
    const char *what = n->op == CQL2_CASEI ? "CASEI" : "ACCENTI";

    if (n->n_args != 1)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes one argument", what);
    *out = VC_TEXT;
    return emit_template(sb, l, n->op == CQL2_CASEI ? "civgis_casei(%1)" : "civgis_accenti(%1)",
                         (const struct cql2_node *const *)n->args, 1, text, what, err);
}

static enum gis_status
compile_literal(struct sqlb *sb, const struct cql2_node *n, enum vclass *out, struct gis_error *err)
{
    switch (n->op) {
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
    case CQL2_GEOMETRY:
        sb_sql(sb, "GeomFromWKB(");
        sb_blob(sb, n->wkb, n->wkb_size);
        sb_sql(sb, ", 4326)");
        *out = VC_GEOM;
        return check_lonlat(n, err);
    case CQL2_LIST:
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "an array can only be used in IN and the A_ functions");
    case CQL2_INTERVAL:
        return gis_fail(err, GIS_ERR_INVALID_ARG, "an interval can only be used in T_ functions");
    default:
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a predicate (%s) cannot be used as a value",
                        cql2_op_name(n->op));
    }
}

static enum gis_status compile_value(struct sqlb *sb,
                                     const struct layer_def *l,
                                     const struct cql2_node *n,
                                     enum vclass *out,
                                     struct gis_error *err)
{
    if (n->op == CQL2_PROPERTY)
        return compile_property(sb, l, n->text, out, err);
    if (n->op == CQL2_CASEI || n->op == CQL2_ACCENTI)
        return compile_fold(sb, l, n, out, err);
    if (cql2_op_is_arithmetic(n->op))
        return compile_arith(sb, l, n, out, err);
    if (n->op == CQL2_FUNCTION)
        return compile_function(sb, l, n, out, err);
    return compile_literal(sb, n, out, err);
}

/* Compiles args[0] and args[1..n) as values of one class. */
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
        rc = compile_value(sb, l, args[i], i ? &c : &first, err);
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
static char *like_to_glob(const char *p)
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
            *o++ = c;
        }
    }
    *o = '\0';
    return out;
}

/* The folds (textfold flags) of CASEI/ACCENTI wrappers around n; out: what is inside. */
static unsigned unwrap_folds(const struct cql2_node *n, const struct cql2_node **out)
{
    unsigned flags = 0;

    while ((n->op == CQL2_CASEI || n->op == CQL2_ACCENTI) && n->n_args == 1) {
        flags |= n->op == CQL2_CASEI ? TEXTFOLD_CASE : TEXTFOLD_ACCENTS;
        n = n->args[0];
    }
    *out = n;
    return flags;
}

/* x LIKE pattern: a fold on either side applies to both, the pattern folded here. */
static enum gis_status compile_like(struct sqlb *sb,
                                    const struct layer_def *l,
                                    const struct cql2_node *n,
                                    struct gis_error *err)
{
    const struct cql2_node *pat = NULL, *inner = NULL;
    unsigned flags;
    char *folded = NULL;
    enum vclass c;
    enum gis_status rc;

    if (n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "LIKE takes a value and a pattern");
    flags = unwrap_folds(n->args[1], &pat) | unwrap_folds(n->args[0], &inner);
    if (pat->op != CQL2_STRING)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "LIKE takes a string pattern");
    rc = textfold_apply(pat->text, flags, &folded, err);
    if (rc != GIS_OK)
        return rc;
    sb_sql(sb, flags & TEXTFOLD_ACCENTS ? "(civgis_accenti(" : "((");
    sb_sql(sb, flags & TEXTFOLD_CASE ? "civgis_casei(" : "(");
    rc = compile_value(sb, l, inner, &c, err);
    if (rc == GIS_OK && c != VC_TEXT)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "LIKE applies to strings, not %s", class_name(c));
    sb_sql(sb, ")) GLOB ");
    sb_owned_text(sb, like_to_glob(folded));
    sb_sql(sb, ")");
    free(folded);
    return rc;
}

static enum gis_status compile_isnull(struct sqlb *sb,
                                      const struct layer_def *l,
                                      const struct cql2_node *n,
                                      struct gis_error *err)
{
    enum vclass c;
    enum gis_status rc;

    if (n->n_args != 1)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "IS NULL takes one operand");
    sb_sql(sb, "((");
    rc = is_predicate(n->args[0]) ? compile(sb, l, n->args[0], err)
                                  : compile_value(sb, l, n->args[0], &c, err);
    sb_sql(sb, ") IS NULL)");
    return rc;
}

/* ---------------------------------------------------------------- spatial */

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

/* The literal the layer's geometry is tested against, if the test is exactly that: it
 * narrows the candidates through the R*Tree. */
static const struct cql2_node *prefilter_literal(const struct cql2_node *n)
{
    const struct cql2_node *a = n->args[0], *b = n->args[1];

    if (a->op == CQL2_GEOMETRY && b->op == CQL2_PROPERTY && layer_is_geometry_name(b->text))
        return a;
    if (b->op == CQL2_GEOMETRY && a->op == CQL2_PROPERTY && layer_is_geometry_name(a->text))
        return b;
    return NULL;
}

static enum gis_status compile_spatial(struct sqlb *sb,
                                       const struct layer_def *l,
                                       const struct cql2_node *n,
                                       struct gis_error *err)
{
    static const char *const fns[] = {
        "ST_Intersects(%1, %2) = 1", "ST_Within(%1, %2) = 1",   "ST_Contains(%1, %2) = 1",
        "ST_Intersects(%1, %2) = 1", "ST_Distance(%1, %2, 1)",  "ST_Crosses(%1, %2) = 1",
        "ST_Touches(%1, %2) = 1",    "ST_Overlaps(%1, %2) = 1", "ST_Equals(%1, %2) = 1"};
    static const enum vclass geoms[] = {VC_GEOM, VC_GEOM};
    const struct cql2_node *lit;
    enum cql2_op op = n->op;
    double box[4], d = 0;
    enum gis_status rc;
    char what[48];

    if (n->n_args != (op == CQL2_S_DWITHIN ? 3u : 2u))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes %d arguments, not %zu",
                        cql2_op_name(op), op == CQL2_S_DWITHIN ? 3 : 2, n->n_args);
    if (op == CQL2_S_DWITHIN) {
        if (n->args[2]->op != CQL2_NUMBER || !(n->args[2]->number >= 0))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "S_DWITHIN takes a distance >= 0 metres");
        d = n->args[2]->number;
    }
    lit = prefilter_literal(n);
    sb_sql(sb, op == CQL2_S_DISJOINT ? "(NOT (" : "((");
    if (lit) {
        expand_box(lit->bbox, d, box);
        sb_rtree(sb, l, box);
        sb_sql(sb, " AND ");
    }
    snprintf(what, sizeof what, "the spatial function %s", cql2_op_name(op));
    rc = emit_template(sb, l, fns[op - CQL2_S_INTERSECTS], (const struct cql2_node *const *)n->args,
                       2, geoms, what, err);
    if (op == CQL2_S_DWITHIN) {
        sb_sql(sb, " <= ");
        sb_real(sb, d);
    }
    sb_sql(sb, "))");
    return rc;
}

/* ---------------------------------------------------------------- temporal */

#define T_OPEN_START "(-1e18)"
#define T_OPEN_END   "(1e18)"

/* An instant or an interval, checked; out_is_interval says which. */
static enum gis_status temporal_operand(const struct layer_def *l,
                                        const struct cql2_node *n,
                                        bool *out_is_interval,
                                        struct gis_error *err)
{
    int p;

    *out_is_interval = n->op == CQL2_INTERVAL;
    if (n->op == CQL2_INTERVAL)
        return cql2_interval_check(n, err);
    if (n->op == CQL2_DATE || n->op == CQL2_FUNCTION)
        return GIS_OK;
    if (n->op != CQL2_PROPERTY)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "temporal functions take instants (DATE, TIMESTAMP, a date property) "
                        "and intervals, not a %s",
                        cql2_op_name(n->op));
    p = layer_prop_find(l, n->text);
    if (p < 0)
        return unknown_property(l, n->text, err);
    if (l->props[p].type != PROP_DATE)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "'%.40s' is not a date: temporal functions take "
                        "instants and intervals",
                        n->text);
    return GIS_OK;
}

/* The start or end of a temporal operand as a Julian day. An instant is its own start and
 * end. An interval's '..' is open; so is a property end that is NULL (valid_to NULL: the
 * version is current). */
static enum gis_status emit_bound(struct sqlb *sb,
                                  const struct layer_def *l,
                                  const struct cql2_node *n,
                                  bool is_end,
                                  struct gis_error *err)
{
    static const enum vclass dates[] = {VC_DATE};
    const struct cql2_node *e = n->op == CQL2_INTERVAL ? n->args[is_end] : n;
    bool is_open_null = n->op == CQL2_INTERVAL && e->op == CQL2_PROPERTY;
    enum gis_status rc;

    if (e->op == CQL2_STRING) { /* ".." (cql2_interval_check) */
        sb_sql(sb, is_end ? T_OPEN_END : T_OPEN_START);
        return GIS_OK;
    }
    sb_sql(sb, is_open_null ? "COALESCE(" : "(");
    rc = emit_template(sb, l, "julianday(%1)", &e, 1, dates, "a temporal function", err);
    if (is_open_null)
        sb_sql(sb, is_end ? ", " T_OPEN_END : ", " T_OPEN_START);
    sb_sql(sb, ")");
    return rc;
}

/* Each function as conditions over the bounds: "as>be" is a.start > b.end (OWL-Time's
 * definitions, intervals closed at both ends). */
static const struct {
    enum cql2_op op;
    bool is_or;
    const char *conds[3];
} T_DEFS[] = {
    {CQL2_T_AFTER, false, {"as>be"}},
    {CQL2_T_BEFORE, false, {"ae<bs"}},
    {CQL2_T_DISJOINT, true, {"ae<bs", "as>be"}},
    {CQL2_T_EQUALS, false, {"as=bs", "ae=be"}},
    {CQL2_T_INTERSECTS, false, {"as<=be", "ae>=bs"}},
    {CQL2_T_CONTAINS, false, {"as<bs", "ae>be"}},
    {CQL2_T_DURING, false, {"as>bs", "ae<be"}},
    {CQL2_T_FINISHEDBY, false, {"as<bs", "ae=be"}},
    {CQL2_T_FINISHES, false, {"as>bs", "ae=be"}},
    {CQL2_T_MEETS, false, {"ae=bs"}},
    {CQL2_T_METBY, false, {"as=be"}},
    {CQL2_T_OVERLAPPEDBY, false, {"bs<as", "as<be", "be<ae"}},
    {CQL2_T_OVERLAPS, false, {"as<bs", "bs<ae", "ae<be"}},
    {CQL2_T_STARTEDBY, false, {"as=bs", "ae>be"}},
    {CQL2_T_STARTS, false, {"as=bs", "ae<be"}},
};

static enum gis_status emit_cond(struct sqlb *sb,
                                 const struct layer_def *l,
                                 const struct cql2_node *const *ab,
                                 const char *cond,
                                 struct gis_error *err)
{
    size_t cmp_len = strspn(cond + 2, "<>=");
    char cmp[4] = {' ', 0, 0, 0};
    enum gis_status rc;

    memcpy(cmp + 1, cond + 2, cmp_len);
    rc = emit_bound(sb, l, ab[cond[0] == 'b'], cond[1] == 'e', err);
    sb_sql(sb, cmp);
    sb_sql(sb, " ");
    if (rc == GIS_OK)
        rc = emit_bound(sb, l, ab[cond[2 + cmp_len] == 'b'], cond[3 + cmp_len] == 'e', err);
    return rc;
}

static enum gis_status compile_temporal(struct sqlb *sb,
                                        const struct layer_def *l,
                                        const struct cql2_node *n,
                                        struct gis_error *err)
{
    const struct cql2_node *const *ab = (const struct cql2_node *const *)n->args;
    bool is_interval[2];
    enum gis_status rc;
    size_t i, k = (size_t)(n->op - CQL2_T_AFTER);

    if (n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes two arguments", cql2_op_name(n->op));
    rc = temporal_operand(l, ab[0], &is_interval[0], err);
    if (rc == GIS_OK)
        rc = temporal_operand(l, ab[1], &is_interval[1], err);
    if (rc == GIS_OK && n->op >= CQL2_T_CONTAINS && !(is_interval[0] && is_interval[1]))
        rc = gis_fail(err, GIS_ERR_INVALID_ARG,
                      "%s compares two intervals; an instant is not one (use INTERVAL(a, b))",
                      cql2_op_name(n->op));
    sb_sql(sb, "(");
    for (i = 0; rc == GIS_OK && i < 3 && T_DEFS[k].conds[i]; i++) {
        if (i)
            sb_sql(sb, T_DEFS[k].is_or ? " OR " : " AND ");
        rc = emit_cond(sb, l, ab, T_DEFS[k].conds[i], err);
    }
    sb_sql(sb, ")");
    return rc;
}

/* ---------------------------------------------------------------- arrays */

static bool is_scalar_literal(const struct cql2_node *n)
{
    return n->op == CQL2_STRING || n->op == CQL2_NUMBER || n->op == CQL2_BOOLEAN ||
           n->op == CQL2_DATE;
}

/* An array operand as a subquery of one column v: an array property's elements, a list
 * literal's, or a single literal as a one-element array. */
static enum gis_status emit_set(struct sqlb *sb,
                                const struct layer_def *l,
                                const struct cql2_node *n,
                                struct gis_error *err)
{
    const struct cql2_node *const *items = (const struct cql2_node *const *)n->args;
    size_t i, count = n->n_args;
    enum vclass c;
    enum gis_status rc = GIS_OK;

    if (n->op == CQL2_PROPERTY) {
        sb_sql(sb, "(SELECT value AS v FROM json_each(");
        rc = compile_property(sb, l, n->text, &c, err);
        sb_sql(sb, "))");
        if (rc == GIS_OK && c != VC_ARRAY)
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "'%.40s' is %s, not an array", n->text,
                          class_name(c));
        return rc;
    }
    if (is_scalar_literal(n)) {
        items = &n;
        count = 1;
    } else if (n->op != CQL2_LIST) {
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "the A_ functions take arrays: an array property or a list like ('a', "
                        "'b')");
    }
    sb_sql(sb, count ? "(SELECT column1 AS v FROM (VALUES " : "(SELECT NULL AS v WHERE 0");
    for (i = 0; i < count && rc == GIS_OK; i++) {
        if (!is_scalar_literal(items[i]))
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "array elements must be strings, numbers, booleans or dates");
        sb_sql(sb, i ? ", (" : "(");
        rc = compile_literal(sb, items[i], &c, err);
        sb_sql(sb, ")");
    }
    sb_sql(sb, count ? "))" : ")");
    return rc;
}

/* Every element of x is in y (sets: order and repeats do not matter). */
static enum gis_status emit_subset(struct sqlb *sb,
                                   const struct layer_def *l,
                                   const struct cql2_node *x,
                                   const struct cql2_node *y,
                                   struct gis_error *err)
{
    enum gis_status rc;

    sb_sql(sb, "NOT EXISTS (SELECT 1 FROM ");
    rc = emit_set(sb, l, x, err);
    sb_sql(sb, " AS x WHERE x.v IS NOT NULL AND x.v NOT IN (SELECT y.v FROM ");
    if (rc == GIS_OK)
        rc = emit_set(sb, l, y, err);
    sb_sql(sb, " AS y WHERE y.v IS NOT NULL))");
    return rc;
}

/* An array property that is NULL makes the predicate NULL, as CQL2 asks. */
static void emit_null_guard(struct sqlb *sb, const struct layer_def *l, const struct cql2_node *n)
{
    int p = n->op == CQL2_PROPERTY ? layer_prop_find(l, n->text) : -1;

    if (p < 0)
        return;
    sb_sql(sb, l->props[p].sql);
    sb_sql(sb, " IS NULL OR ");
}

static enum gis_status compile_array(struct sqlb *sb,
                                     const struct layer_def *l,
                                     const struct cql2_node *n,
                                     struct gis_error *err)
{
    const struct cql2_node *a, *b;
    enum gis_status rc;

    if (n->n_args != 2)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s takes two arrays", cql2_op_name(n->op));
    a = n->args[0];
    b = n->args[1];
    sb_sql(sb, "(CASE WHEN ");
    emit_null_guard(sb, l, a);
    emit_null_guard(sb, l, b);
    sb_sql(sb, "0 THEN NULL ELSE (");
    if (n->op == CQL2_A_OVERLAPS) {
        sb_sql(sb, "EXISTS (SELECT 1 FROM ");
        rc = emit_set(sb, l, a, err);
        sb_sql(sb, " AS x WHERE x.v IN (SELECT y.v FROM ");
        if (rc == GIS_OK)
            rc = emit_set(sb, l, b, err);
        sb_sql(sb, " AS y))");
    } else {
        rc = n->op == CQL2_A_CONTAINS ? emit_subset(sb, l, b, a, err)
                                      : emit_subset(sb, l, a, b, err);
        if (rc == GIS_OK && n->op == CQL2_A_EQUALS) {
            sb_sql(sb, " AND ");
            rc = emit_subset(sb, l, b, a, err);
        }
    }
    sb_sql(sb, ") END)");
    return rc;
}

/* ---------------------------------------------------------------- predicates */

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
    if (n->op <= CQL2_NOT)
        return compile_logical(sb, l, n, err);
    if (n->op <= CQL2_GE)
        return compile_cmp(sb, l, n, err);
    if (cql2_op_is_spatial(n->op))
        return compile_spatial(sb, l, n, err);
    if (cql2_op_is_temporal(n->op))
        return compile_temporal(sb, l, n, err);
    if (cql2_op_is_array(n->op))
        return compile_array(sb, l, n, err);
    switch (n->op) {
    case CQL2_LIKE:
        return compile_like(sb, l, n, err);
    case CQL2_BETWEEN:
        return compile_between(sb, l, n, err);
    case CQL2_IN:
        return compile_in(sb, l, n, err);
    case CQL2_ISNULL:
        return compile_isnull(sb, l, n, err);
    case CQL2_BOOLEAN:
        sb_sql(sb, n->boolean ? "1" : "0");
        return GIS_OK;
    case CQL2_FUNCTION:
        if (!cql2_function_find(n->text))
            return compile_function(sb, l, n, NULL, err); /* names the unknown function */
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "a filter must be a predicate, not %s()'s "
                        "value",
                        n->text);
    default:
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a filter must be a predicate, not a value");
    }
}

enum gis_status items_filter_sql(const struct layer_def *layer,
                                 const struct cql2_node *filter,
                                 char *sql,
                                 size_t sql_size,
                                 size_t *out_n_binds,
                                 struct gis_error *err)
{
    struct sqlb sb;
    enum gis_status rc;

    if (!layer || !filter || !sql || !sql_size)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "items_filter_sql: null argument");
    sb_init(&sb);
    rc = compile(&sb, layer, filter, err);
    if (rc == GIS_OK && sb.rc != GIS_OK)
        rc = gis_fail(err, sb.rc, "the query is too large");
    if (rc == GIS_OK && sb.sql.len >= sql_size)
        rc = gis_fail(err, GIS_ERR_TOO_LARGE, "the SQL is longer than %zu bytes", sql_size);
    if (rc == GIS_OK) {
        memcpy(sql, sb.sql.data ? sb.sql.data : "", sb.sql.len + 1);
        if (out_n_binds)
            *out_n_binds = sb.n;
    }
    sb_free(&sb);
    return rc;
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
    if (l->is_id_rowid_text) { /* by the key: the text would be compared row by row */
        sb_sql(sb, l->rowid_sql);
        sb_sql(sb, " IN (SELECT CAST(e.feature AS INTEGER)");
    } else {
        sb_sql(sb, l->id_sql);
        sb_sql(sb, " IN (SELECT e.feature");
    }
    /* CROSS JOIN keeps the index's match outermost: with e.target = ? the planner had
     * walked every entry of the table (search_entries_feature) and asked the full-text
     * index about each one, 40 s for one request on 700,000 places. */
    sb_sql(sb, " FROM names_fts CROSS JOIN search_entries e ON e.id = names_fts.rowid WHERE"
               " names_fts MATCH ");
    sb_owned_text(sb, strdup(expr));
    sb_sql(sb, " AND e.target = ");
    sb_text(sb, l->table);
    if (l->is_id_rowid_text) /* only an id as the layer writes it names a row */
        sb_sql(sb, " AND CAST(CAST(e.feature AS INTEGER) AS TEXT) = e.feature");
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

/* AND rowid IN (the list): one bound JSON array, so the statement's text (and the
 * prepared statement cached by it) is the same for any number of rows. */
static void where_rowids(struct sqlb *sb, const struct layer_def *l, const int64_t *ids, size_t n)
{
    size_t size = 3 + 21 * n, at = 1, i;
    char *json = malloc(size);

    if (json) {
        json[0] = '[';
        for (i = 0; i < n; i++)
            at += (size_t)snprintf(json + at, size - at, "%s%lld", i ? "," : "", (long long)ids[i]);
        snprintf(json + at, size - at, "]");
    }
    sb_sql(sb, " AND ");
    sb_sql(sb, l->rowid_sql);
    sb_sql(sb, " IN (SELECT value FROM json_each(");
    sb_owned_text(sb, json);
    sb_sql(sb, "))");
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
    if (q->rowids)
        where_rowids(sb, l, q->rowids, q->n_rowids);
    if (q->id && l->is_id_rowid_text) { /* the key first, so it is not a scan */
        sb_sql(sb, " AND ");
        sb_sql(sb, l->rowid_sql);
        sb_sql(sb, " = CAST(");
        sb_text(sb, q->id);
        sb_sql(sb, " AS INTEGER)");
    }
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
    sb_sql(&c->sb, ", ");
    sb_sql(&c->sb, q->layer->rowid_sql);
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

int64_t items_rowid(struct items_cursor *c)
{
    return sqlite3_column_int64(c->stmt, (int)c->layer->n_props + 2);
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

/* Whether the layer's table holds history rows (valid_to set): an indexed probe (the
 * partial index <table>_closed of schema 7), a few microseconds. */
static enum gis_status
has_history(struct store *st, const struct layer_def *l, bool *out, struct gis_error *err)
{
    struct sqlb sb;
    sqlite3_stmt *s = NULL;
    enum gis_status rc;

    sb_init(&sb);
    sb_sql(&sb, "SELECT EXISTS (SELECT 1 FROM ");
    sb_sql(&sb, l->table);
    sb_sql(&sb, " WHERE valid_to IS NOT NULL)");
    rc = sb_prepare(st, &sb, &s, err);
    if (rc == GIS_OK && sqlite3_step(s) != SQLITE_ROW)
        rc = store__fail(st, err, "looking for history rows");
    if (rc == GIS_OK)
        *out = sqlite3_column_int(s, 0) != 0;
    store__done(s);
    sb_free(&sb);
    return rc;
}

/* A count by box alone, over a layer whose every row is its feature (no condition, no
 * history rows), needs no row at all for the features whose tree box lies inside the
 * query box: the tree answers for them, and only those straddling the edge are read. */
static enum gis_status
is_tree_count(struct store *st, const struct items_query *q, bool *out, struct gis_error *err)
{
    const struct layer_def *l = q->layer;
    bool has_old = false;
    enum gis_status rc = GIS_OK;

    *out = false;
    if (!q->has_bbox || l->rtree[1] || l->where || l->where_int_sql || q->has_datetime || q->id ||
        (q->q && *q->q) || q->filter)
        return GIS_OK;
    if (l->is_versioned)
        rc = has_history(st, l, &has_old, err);
    *out = rc == GIS_OK && !has_old;
    return rc;
}

static void sb_tree_count(struct sqlb *sb, const struct layer_def *l, const double box[4])
{
    sb_sql(sb, " FROM ");
    sb_sql(sb, l->rtree[0]);
    sb_sql(sb, " AS civgis_tree WHERE ");
    sb_count_bbox_test(sb, l, box, true);
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
    bool is_tree = false;
    enum gis_status rc = st && q && q->layer ? is_tree_count(st, q, &is_tree, err) : GIS_OK;

    if (rc != GIS_OK)
        return rc;
    sb_init(&sb);
    sb_sql(&sb, "SELECT count(*) FROM (SELECT 1");
    if (is_tree)
        sb_tree_count(&sb, q->layer, q->bbox);
    else
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
