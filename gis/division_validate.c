/*
 * Coverage checks of stored divisions (division_validate.h): the SQL that gathers one
 * parent's children, seats and polygon as WKB for division_topo's pure check. Every
 * value is bound; the geometry work is division_topo's.
 */
#include "division_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edit_int.h"
#include "gis_int.h"
#include "import_int.h"

struct blob {
    char code[DIVISION_CODE_MAX];
    char owner[DIVISION_CODE_MAX];
    unsigned char *wkb;
    size_t n;
    double lon, lat;
};

struct gathered {
    struct blob parent;
    bool has_parent;
    struct blob *kids, *seats;
    size_t n_kids, n_seats, cap_kids, cap_seats;
};

static void gathered_free(struct gathered *g)
{
    size_t i;

    free(g->parent.wkb);
    for (i = 0; i < g->n_kids; i++)
        free(g->kids[i].wkb);
    free(g->kids);
    free(g->seats);
}

static enum gis_status
push(struct blob **items, size_t *n, size_t *cap, sqlite3_stmt *s, bool is_seat)
{
    struct blob *b;
    const void *wkb;
    int bytes;

    if (*n == *cap) {
        size_t want = *cap ? *cap * 2 : 32;
        void *p = realloc(*items, want * sizeof **items);
        if (!p)
            return GIS_ERR_NOMEM;
        *items = p;
        *cap = want;
    }
    b = &(*items)[*n];
    memset(b, 0, sizeof *b);
    snprintf(b->code, sizeof b->code, "%s", (const char *)sqlite3_column_text(s, 0));
    if (is_seat) {
        snprintf(b->owner, sizeof b->owner, "%s", (const char *)sqlite3_column_text(s, 1));
        b->lon = sqlite3_column_double(s, 2);
        b->lat = sqlite3_column_double(s, 3);
    } else {
        wkb = sqlite3_column_blob(s, 1);
        bytes = sqlite3_column_bytes(s, 1);
        if (!wkb || bytes <= 0)
            return GIS_OK;
        b->wkb = malloc((size_t)bytes);
        if (!b->wkb)
            return GIS_ERR_NOMEM;
        memcpy(b->wkb, wkb, (size_t)bytes);
        b->n = (size_t)bytes;
    }
    (*n)++;
    return GIS_OK;
}

static enum gis_status gather_rows(struct store *st,
                                   const char *sql,
                                   const char *code,
                                   struct gathered *g,
                                   bool is_seat,
                                   struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
        rc = is_seat ? push(&g->seats, &g->n_seats, &g->cap_seats, s, true)
                     : push(&g->kids, &g->n_kids, &g->cap_kids, s, false);
    if (rc == GIS_ERR_NOMEM)
        rc = gis_fail(err, rc, "out of memory");
    else if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading divisions");
    store__done(s);
    return rc;
}

static enum gis_status
gather(struct store *st, const char *code, struct gathered *g, struct gis_error *err)
{
    static const char sql_parent[] =
        "SELECT code, AsBinary(geom), ST_X(ST_Centroid(COALESCE(geom, seat))), "
        "ST_Y(ST_Centroid(COALESCE(geom, seat))) FROM divisions WHERE code = ?1 AND "
        "valid_to IS NULL";
    static const char sql_kids[] = "SELECT code, AsBinary(geom) FROM divisions WHERE "
                                   "parent_code = ?1 AND valid_to IS NULL AND geom IS NOT NULL "
                                   "ORDER BY code";
    /* The seats of code's children and grandchildren, each half through the parent index
     * (one query with an OR scanned the whole table for every parent: 40,000 townships
     * under 624 counties took 46 s). */
    static const char sql_seats[] =
        "SELECT code, parent_code, ST_X(seat), ST_Y(seat) FROM divisions WHERE parent_code = ?1 "
        "AND valid_to IS NULL AND geom IS NULL AND seat IS NOT NULL UNION ALL SELECT v.code, "
        "v.parent_code, ST_X(v.seat), ST_Y(v.seat) FROM divisions c JOIN divisions v ON "
        "v.parent_code = c.code WHERE c.parent_code = ?1 AND c.valid_to IS NULL AND v.valid_to "
        "IS NULL AND v.geom IS NULL AND v.seat IS NOT NULL ORDER BY 1";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql_parent, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const void *wkb = sqlite3_column_blob(s, 1);
        int bytes = sqlite3_column_bytes(s, 1);
        g->has_parent = true;
        g->parent.lon = sqlite3_column_double(s, 2);
        g->parent.lat = sqlite3_column_double(s, 3);
        if (wkb && bytes > 0 && (g->parent.wkb = malloc((size_t)bytes)) != NULL) {
            memcpy(g->parent.wkb, wkb, (size_t)bytes);
            g->parent.n = (size_t)bytes;
        } else if (wkb && bytes > 0) {
            rc = GIS_ERR_NOMEM;
        }
    }
    store__done(s);
    if (rc != GIS_OK)
        return gis_fail(err, rc, "out of memory");
    if (!g->has_parent)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no current division %.20s", code);
    rc = gather_rows(st, sql_kids, code, g, false, err);
    return rc == GIS_OK ? gather_rows(st, sql_seats, code, g, true, err) : rc;
}

static enum gis_status judge(const char *code,
                             const struct gathered *g,
                             double tol,
                             struct division_problems *out,
                             struct gis_error *err)
{
    struct division_check_child *kids = calloc(g->n_kids + 1, sizeof *kids);
    struct division_check_seat *seats = calloc(g->n_seats + 1, sizeof *seats);
    struct division_check_input in = {code,      g->parent.wkb, g->parent.n, kids,
                                      g->n_kids, seats,         g->n_seats};
    struct division_topo *t = NULL;
    enum gis_status rc = kids && seats ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    size_t i;

    for (i = 0; rc == GIS_OK && i < g->n_kids; i++)
        kids[i] = (struct division_check_child){g->kids[i].code, g->kids[i].wkb, g->kids[i].n};
    for (i = 0; rc == GIS_OK && i < g->n_seats; i++)
        seats[i] = (struct division_check_seat){g->seats[i].code, g->seats[i].owner,
                                                g->seats[i].lon, g->seats[i].lat};
    if (rc == GIS_OK)
        rc = division_topo_new(g->parent.lon, g->parent.lat, tol, &t, err);
    if (rc == GIS_OK)
        rc = division_check_run(t, &in, out, err);
    division_topo_free(t);
    free(kids);
    free(seats);
    return rc;
}

enum gis_status division_validate_parent(struct store *st,
                                         const char *code,
                                         double tolerance_m,
                                         struct division_problems *out,
                                         struct gis_error *err)
{
    struct gathered g = {0};
    enum gis_status rc;

    if (!st || !code || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_validate_parent: null argument");
    rc = gather(st, code, &g, err);
    if (rc == GIS_OK)
        rc = judge(code, &g, tolerance_m, out, err);
    gathered_free(&g);
    return rc;
}

typedef char code_buf[DIVISION_CODE_MAX];

/* The parents to check under code (NULL: all). out: malloc'd array. */
static enum gis_status parents_under(
    struct store *st, const char *code, code_buf **out, size_t *out_n, struct gis_error *err)
{
    static const char sql[] =
        "SELECT DISTINCT p.code FROM divisions p WHERE p.valid_to IS NULL AND (p.code = ?1 OR "
        "(EXISTS (SELECT 1 FROM divisions c WHERE c.parent_code = p.code AND c.valid_to IS NULL "
        "AND c.geom IS NOT NULL) AND (?1 IS NULL OR substr(p.code, 1, length(?1)) = ?1))) "
        "ORDER BY p.code";
    sqlite3_stmt *s;
    code_buf *codes = NULL;
    size_t n = 0, cap = 0;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    if (code)
        sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            void *p = realloc(codes, (cap = cap ? cap * 2 : 32) * sizeof *codes);
            if (!p) {
                rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
                break;
            }
            codes = p;
        }
        snprintf(codes[n++], DIVISION_CODE_MAX, "%s", (const char *)sqlite3_column_text(s, 0));
    }
    store__done(s);
    if (rc != GIS_OK) {
        free(codes);
        return rc;
    }
    *out = codes;
    *out_n = n;
    return GIS_OK;
}

enum gis_status division_validate(struct store *st,
                                  const char *code,
                                  double tolerance_m,
                                  struct division_problems *out,
                                  size_t *out_parents,
                                  struct gis_error *err)
{
    code_buf *codes = NULL;
    size_t n = 0, i;
    enum gis_status rc;

    if (!st || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_validate: null argument");
    rc = parents_under(st, code, &codes, &n, err);
    if (rc == GIS_OK && code && !n)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no current division %.20s", code);
    for (i = 0; i < n && rc == GIS_OK; i++)
        rc = division_validate_parent(st, codes[i], tolerance_m, out, err);
    if (rc == GIS_OK && out_parents)
        *out_parents = n;
    free(codes);
    return rc;
}

/* ---------------------------------------------------------------- reading rows */

#define ROW_COLUMNS                                                                                \
    "SELECT code, parent_code, level, name, kind, urban_rural_code, pinyin, population, "          \
    "elderly_60plus, is_synthetic, valid_from, AsBinary(geom), ST_X(seat), ST_Y(seat) FROM "       \
    "divisions "

static char *dup_col(sqlite3_stmt *s, int i)
{
    const char *v = (const char *)sqlite3_column_text(s, i);

    return v ? strdup(v) : NULL;
}

static void row_clear(struct division_row *r)
{
    free(r->name);
    free(r->kind);
    free(r->urban_rural_code);
    free(r->pinyin);
    free(r->wkb);
}

static enum gis_status row_read(sqlite3_stmt *s, struct division_row *r)
{
    const void *wkb = sqlite3_column_blob(s, 11);
    int n = sqlite3_column_bytes(s, 11);

    memset(r, 0, sizeof *r);
    snprintf(r->code, sizeof r->code, "%s", (const char *)sqlite3_column_text(s, 0));
    if (sqlite3_column_text(s, 1))
        snprintf(r->parent, sizeof r->parent, "%s", (const char *)sqlite3_column_text(s, 1));
    r->level = sqlite3_column_int(s, 2);
    r->name = dup_col(s, 3);
    r->kind = dup_col(s, 4);
    r->urban_rural_code = dup_col(s, 5);
    r->pinyin = dup_col(s, 6);
    r->population = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 7);
    r->elderly_60plus = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
    r->is_synthetic = sqlite3_column_int(s, 9) != 0;
    snprintf(r->valid_from, sizeof r->valid_from, "%s",
             sqlite3_column_text(s, 10) ? (const char *)sqlite3_column_text(s, 10) : "");
    if (wkb && n > 0 && (r->wkb = malloc((size_t)n)) != NULL) {
        memcpy(r->wkb, wkb, (size_t)n);
        r->wkb_n = (size_t)n;
    }
    r->has_seat = sqlite3_column_type(s, 12) != SQLITE_NULL;
    r->seat_lon = sqlite3_column_double(s, 12);
    r->seat_lat = sqlite3_column_double(s, 13);
    if (!r->name || (wkb && n > 0 && !r->wkb)) {
        row_clear(r);
        return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

enum gis_status division_rows_children(struct store *st,
                                       const char *code,
                                       struct division_row **out,
                                       size_t *out_n,
                                       struct gis_error *err)
{
    static const char sql[] =
        ROW_COLUMNS "WHERE parent_code = ?1 AND valid_to IS NULL ORDER BY code";
    struct division_row *rows = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s;
    enum gis_status rc;
    int step;

    if (!st || !code || !out || !out_n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_rows_children: null argument");
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            void *p = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof *rows);
            if (!p) {
                rc = GIS_ERR_NOMEM;
                break;
            }
            rows = p;
        }
        rc = row_read(s, &rows[n]);
        n += rc == GIS_OK;
    }
    if (rc == GIS_ERR_NOMEM)
        rc = gis_fail(err, rc, "out of memory");
    else if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading divisions");
    store__done(s);
    if (rc != GIS_OK) {
        division_rows_free(rows, n);
        return rc;
    }
    *out = rows;
    *out_n = n;
    return GIS_OK;
}

enum gis_status division_row_get(struct store *st,
                                 const char *code,
                                 struct division_row **out,
                                 struct gis_error *err)
{
    static const char sql[] = ROW_COLUMNS "WHERE code = ?1 AND valid_to IS NULL";
    struct division_row *r;
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!st || !code || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_row_get: null argument");
    r = calloc(1, sizeof *r);
    if (!r)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = store__stmt(st, sql, &s, err);
    if (rc == GIS_OK) {
        sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW)
            rc = row_read(s, r) == GIS_OK ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        else
            rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no current division %.20s", code);
        store__done(s);
    }
    if (rc != GIS_OK) {
        free(r);
        return rc;
    }
    *out = r;
    return GIS_OK;
}

enum gis_status division_code_max(struct store *st,
                                  const char *prefix,
                                  int level,
                                  char out[DIVISION_CODE_MAX],
                                  struct gis_error *err)
{
    static const char sql[] = "SELECT max(code) FROM divisions WHERE level = ?2 AND "
                              "substr(code, 1, length(?1)) = ?1";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, level);
    out[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, DIVISION_CODE_MAX, "%s", (const char *)sqlite3_column_text(s, 0));
    store__done(s);
    return GIS_OK;
}

/* The statement listing layer_id's points naming a division, NULL for another layer. */
static const char *points_sql(const char *layer_id)
{
    static const char sql_facilities[] = "SELECT fid, ST_X(geom), ST_Y(geom) FROM facilities "
                                         "WHERE division_code = ?1 AND geom IS NOT NULL ORDER BY "
                                         "fid";
    static const char sql_demand[] = "SELECT code, ST_X(geom), ST_Y(geom) FROM demand WHERE "
                                     "division_code = ?1 AND geom IS NOT NULL ORDER BY code";

    if (layer_id && !strcmp(layer_id, "facilities"))
        return sql_facilities;
    if (layer_id && !strcmp(layer_id, "demand"))
        return sql_demand;
    return NULL;
}

enum gis_status division_points(struct store *st,
                                const char *layer_id,
                                const char *code,
                                struct division_point **out,
                                size_t *out_n,
                                struct gis_error *err)
{
    struct division_point *items = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s;
    const char *sql = points_sql(layer_id);
    enum gis_status rc;

    if (!st || !sql || !code || !out || !out_n)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division_points: no such layer or null argument");
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            void *p = realloc(items, (cap = cap ? cap * 2 : 16) * sizeof *items);
            if (!p) {
                rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
                break;
            }
            items = p;
        }
        snprintf(items[n].fid, sizeof items[n].fid, "%s", (const char *)sqlite3_column_text(s, 0));
        items[n].lon = sqlite3_column_double(s, 1);
        items[n].lat = sqlite3_column_double(s, 2);
        n++;
    }
    store__done(s);
    if (rc != GIS_OK) {
        free(items);
        return rc;
    }
    *out = items;
    *out_n = n;
    return GIS_OK;
}

void division_row_free(struct division_row *r)
{
    if (!r)
        return;
    row_clear(r);
    free(r);
}

void division_rows_free(struct division_row *rows, size_t n)
{
    size_t i;

    for (i = 0; rows && i < n; i++)
        row_clear(&rows[i]);
    free(rows);
}

enum gis_status
division_geojson_wkb(const char *geojson, unsigned char **out, size_t *out_n, struct gis_error *err)
{
    OGRGeometryH g;
    OGRwkbGeometryType type;
    enum gis_status rc;

    if (!geojson || !out || !out_n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_geojson_wkb: null argument");
    import__gdal_init();
    g = OGR_G_CreateGeometryFromJson(geojson);
    if (!g)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "not a GeoJSON geometry: %.60s", geojson);
    type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type != wkbPolygon && type != wkbMultiPolygon && type != wkbLineString) {
        OGR_G_DestroyGeometry(g);
        return gis_fail(err, GIS_ERR_INVALID_ARG, "wanted a Polygon, MultiPolygon or LineString");
    }
    rc = import__wkb(g, out, out_n, err);
    OGR_G_DestroyGeometry(g);
    return rc;
}

char *division_wkb_geojson(const unsigned char *wkb, size_t n)
{
    return edit__wkb_geojson(wkb, n);
}
