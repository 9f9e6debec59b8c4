/*
 * Loading demand, facilities and division names for the analyses. Column choices come
 * from fixed tables; user values (kinds, statuses, scenario) are bound parameters.
 */
#include "coverage_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facility.h"
#include "gbuf.h"
#include "geom.h"
#include "gis_int.h"

#define MAX_LIST 32

/* The social-assistance counts are sensitive: only authorised roles may see them in
 * detail, and a weighted answer shows them (per point, per division, per site). */
static const struct {
    const char *name, *sql;
    bool is_sensitive;
} WEIGHTS[] = {
    {"unit", "1", false},
    {"population", "population", false},
    {"elderly_60plus", "elderly_60plus", false},
    {"poor_households", "poor_households", true},
    {"poor_people", "poor_people", true},
    {"assisted_households", "assisted_households", true},
};

static const char *weight_sql(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof WEIGHTS / sizeof *WEIGHTS; i++)
        if (!strcmp(WEIGHTS[i].name, name))
            return WEIGHTS[i].sql;
    return NULL;
}

enum gis_status demand_weight_check(const char *name, struct gis_error *err)
{
    if (weight_sql(name))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_INVALID_ARG,
                    "unknown weight '%.40s'; use unit, population, elderly_60plus, "
                    "poor_households, poor_people or assisted_households",
                    name ? name : "");
}

bool demand_weight_is_sensitive(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof WEIGHTS / sizeof *WEIGHTS; i++)
        if (!strcmp(WEIGHTS[i].name, name))
            return WEIGHTS[i].is_sensitive;
    return false;
}

static char *dup_col(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return strdup(t ? (const char *)t : "");
}

/* A point's coordinates straight from its stored BLOB: for a point, the box in the
 * BLOB's header is the point itself. (SQL's X() and Y() would each decode the whole
 * BLOB through SpatiaLite, for every one of up to a million rows.) 0 when the column
 * holds no point. */
static int point_xy(sqlite3_stmt *s, int col, double xy[2])
{
    double box[4];

    if (!geom_spatialite_box(sqlite3_column_blob(s, col), (size_t)sqlite3_column_bytes(s, col),
                             box) ||
        box[0] != box[2] || box[1] != box[3])
        return 0;
    xy[0] = box[0];
    xy[1] = box[1];
    return 1;
}

static void free_strings(char **v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static int64_t count_rows(struct store *st, const char *sql)
{
    sqlite3_stmt *s;
    int64_t n = -1;

    if (store__stmt(st, sql, &s, NULL) != GIS_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    store__done(s);
    return n;
}

/* ---------------------------------------------------------------- demand */

static enum gis_status demand_alloc(struct demand_set *d, size_t n)
{
    size_t k = n ? n : 1;

    d->xy = malloc(2 * k * sizeof *d->xy);
    d->weight = malloc(k * sizeof *d->weight);
    d->code = calloc(k, sizeof *d->code);
    d->name = calloc(k, sizeof *d->name);
    d->division = calloc(k, sizeof *d->division);
    return d->xy && d->weight && d->code && d->name && d->division ? GIS_OK : GIS_ERR_NOMEM;
}

enum gis_status
demand_set_load(struct store *st, const char *weight, struct demand_set *out, struct gis_error *err)
{
    struct demand_set d = {0};
    const char *w = weight_sql(weight);
    char sql[256];
    int64_t n;
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!w)
        return demand_weight_check(weight, err);
    n = count_rows(st, "SELECT count(*) FROM demand WHERE geom IS NOT NULL");
    if (n < 0)
        return store__fail(st, err, "counting demand");
    rc = demand_alloc(&d, (size_t)n);
    snprintf(sql, sizeof sql,
             "SELECT code, COALESCE(name, ''), COALESCE(division_code, ''), geom, %s "
             "FROM demand WHERE geom IS NOT NULL ORDER BY id",
             w);
    if (rc == GIS_OK)
        rc = store__stmt(st, sql, &s, err);
    while (rc == GIS_OK && d.n < (size_t)n && sqlite3_step(s) == SQLITE_ROW) {
        d.code[d.n] = dup_col(s, 0);
        d.name[d.n] = dup_col(s, 1);
        d.division[d.n] = dup_col(s, 2);
        d.weight[d.n] = sqlite3_column_double(s, 4);
        if (!d.code[d.n] || !d.name[d.n] || !d.division[d.n])
            rc = GIS_ERR_NOMEM;
        else if (!point_xy(s, 3, d.xy + 2 * d.n))
            rc = gis_fail(err, GIS_ERR_GEOMETRY, "demand %s: its geometry is not a point",
                          d.code[d.n]);
        d.n++;
    }
    if (rc == GIS_OK)
        store__done(s);
    if (rc != GIS_OK) {
        demand_set_free(&d);
        return err && err->code ? err->code : gis_fail(err, rc, "out of memory");
    }
    *out = d;
    return GIS_OK;
}

void demand_set_free(struct demand_set *d)
{
    free(d->xy);
    free(d->weight);
    free_strings(d->code, d->n);
    free_strings(d->name, d->n);
    free_strings(d->division, d->n);
    memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- facilities */

struct list {
    char items[MAX_LIST][48];
    size_t n;
};

static enum gis_status split(const char *what,
                             const char *text,
                             bool (*known)(const char *),
                             struct list *out,
                             struct gis_error *err)
{
    const char *p = text;

    out->n = 0;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        if (out->n == MAX_LIST || len == 0 || len >= sizeof out->items[0])
            return gis_fail(err, GIS_ERR_INVALID_ARG, "bad %s list '%.60s'", what, text);
        memcpy(out->items[out->n], p, len);
        out->items[out->n][len] = '\0';
        if (!known(out->items[out->n]))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "unknown %s '%s'; known: %s", what,
                            out->items[out->n],
                            known == facility_kind_is_known
                                ? "mutual_aid_home, community_elderly_centre, "
                                  "regional_elderly_centre, township_elderly_home, canteen, "
                                  "funeral_service_centre, funeral_home, welfare_institute, ..."
                                : "planned, site_selected, approved, land_acquired, "
                                  "under_construction, operating, closed");
        out->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (out->n == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "no %s given", what);
    return GIS_OK;
}

static void placeholders(struct gbuf *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        gbuf_puts(b, i ? ", ?" : "?");
}

static enum gis_status check_scenario(struct store *st, int64_t id, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, "SELECT 1 FROM scenarios WHERE id = ?", &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "unknown scenario %lld", (long long)id);
    store__done(s);
    return rc;
}

static enum gis_status facility_alloc(struct facility_set *f, size_t n)
{
    size_t k = n ? n : 1;

    f->xy = malloc(2 * k * sizeof *f->xy);
    f->reach_m = malloc(k * sizeof *f->reach_m);
    f->capacity = malloc(k * sizeof *f->capacity);
    f->fid = calloc(k, sizeof *f->fid);
    f->kind = calloc(k, sizeof *f->kind);
    return f->xy && f->reach_m && f->capacity && f->fid && f->kind ? GIS_OK : GIS_ERR_NOMEM;
}

static enum gis_status facility_row(sqlite3_stmt *s,
                                    const struct facility_query *q,
                                    struct facility_set *f,
                                    struct gis_error *err)
{
    size_t i = f->n;

    f->fid[i] = dup_col(s, 0);
    f->kind[i] = dup_col(s, 1);
    f->n++;
    if (!f->fid[i] || !f->kind[i])
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (!point_xy(s, 2, f->xy + 2 * i))
        return gis_fail(err, GIS_ERR_GEOMETRY, "facility %s: its geometry is not a point",
                        f->fid[i]);
    f->capacity[i] = sqlite3_column_double(s, 4);
    if (q->radius_m > 0)
        f->reach_m[i] = q->radius_m;
    else if (sqlite3_column_type(s, 5) != SQLITE_NULL)
        f->reach_m[i] = sqlite3_column_double(s, 5);
    else
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "kind '%s' has no service standard: pass a radius", f->kind[i]);
    return GIS_OK;
}

static enum gis_status
facility_query_sql(const struct list *kinds, const struct list *statuses, struct gbuf *sql)
{
    gbuf_puts(sql, "SELECT f.fid, f.kind, f.geom, NULL, COALESCE(f.capacity, 0), "
                   "s.reach_m FROM facilities f LEFT JOIN service_standards s ON s.kind = "
                   "f.kind WHERE f.geom IS NOT NULL AND f.kind IN (");
    placeholders(sql, kinds->n);
    gbuf_puts(sql, ") AND ((f.scenario_id IS NULL AND f.status IN (");
    placeholders(sql, statuses->n);
    return gbuf_puts(sql, ")) OR f.scenario_id = ?) ORDER BY f.id");
}

static enum gis_status check_query(struct store *st,
                                   const struct facility_query *q,
                                   struct list *kinds,
                                   struct list *statuses,
                                   struct gis_error *err)
{
    enum gis_status rc;

    if (q->radius_m < 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the radius must not be negative");
    rc = split("kind", q->kinds, facility_kind_is_known, kinds, err);
    if (rc == GIS_OK)
        rc = split("status", q->statuses ? q->statuses : "operating", facility_status_is_known,
                   statuses, err);
    if (rc == GIS_OK && q->scenario >= 0)
        rc = check_scenario(st, q->scenario, err);
    return rc;
}

static void
bind_lists(sqlite3_stmt *s, const struct list *kinds, const struct list *statuses, int64_t scenario)
{
    int col = 1;
    size_t i;

    for (i = 0; i < kinds->n; i++)
        sqlite3_bind_text(s, col++, kinds->items[i], -1, SQLITE_TRANSIENT);
    for (i = 0; i < statuses->n; i++)
        sqlite3_bind_text(s, col++, statuses->items[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, col, scenario);
}

enum gis_status facility_set_load(struct store *st,
                                  const struct facility_query *q,
                                  struct facility_set *out,
                                  struct gis_error *err)
{
    struct facility_set f = {0};
    struct list kinds, statuses;
    struct gbuf sql;
    sqlite3_stmt *s = NULL;
    int64_t n = 0;
    enum gis_status rc = check_query(st, q, &kinds, &statuses, err);

    if (rc != GIS_OK)
        return rc;
    n = count_rows(st, "SELECT count(*) FROM facilities");
    rc = n < 0 ? store__fail(st, err, "counting facilities") : facility_alloc(&f, (size_t)n);
    gbuf_init(&sql, 64 * 1024);
    if (rc == GIS_OK)
        rc = facility_query_sql(&kinds, &statuses, &sql);
    if (rc == GIS_OK && (rc = store__stmt(st, sql.data, &s, err)) == GIS_OK)
        bind_lists(s, &kinds, &statuses, q->scenario);
    while (rc == GIS_OK && f.n < (size_t)n && sqlite3_step(s) == SQLITE_ROW)
        rc = facility_row(s, q, &f, err);
    store__done(s);
    gbuf_free(&sql);
    if (rc != GIS_OK) {
        facility_set_free(&f);
        return err && err->code ? err->code : gis_fail(err, rc, "out of memory");
    }
    *out = f;
    return GIS_OK;
}

void facility_set_free(struct facility_set *f)
{
    free(f->xy);
    free(f->reach_m);
    free(f->capacity);
    free_strings(f->fid, f->n);
    free_strings(f->kind, f->n);
    memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- divisions */

static enum gis_status division_rows(sqlite3_stmt *s, size_t n, struct division_names *d)
{
    while (d->n < n && sqlite3_step(s) == SQLITE_ROW) {
        d->code[d->n] = dup_col(s, 0);
        d->name[d->n] = dup_col(s, 1);
        d->level[d->n] = sqlite3_column_int(s, 2);
        d->n++;
        if (!d->code[d->n - 1] || !d->name[d->n - 1])
            return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

enum gis_status
division_names_load(struct store *st, struct division_names *out, struct gis_error *err)
{
    static const char count_sql[] = "SELECT count(*) FROM divisions WHERE valid_to IS NULL AND "
                                    "level BETWEEN 2 AND 4";
    static const char sql[] = "SELECT code, name, level FROM divisions WHERE valid_to IS NULL "
                              "AND level BETWEEN 2 AND 4 ORDER BY code";
    struct division_names d = {0};
    int64_t n = count_rows(st, count_sql);
    size_t k = n > 0 ? (size_t)n : 1;
    sqlite3_stmt *s = NULL;
    enum gis_status rc;

    if (n < 0)
        return store__fail(st, err, "counting divisions");
    d.code = calloc(k, sizeof *d.code);
    d.name = calloc(k, sizeof *d.name);
    d.level = calloc(k, sizeof *d.level);
    rc = d.code && d.name && d.level ? store__stmt(st, sql, &s, err) : GIS_ERR_NOMEM;
    if (rc == GIS_OK)
        rc = division_rows(s, (size_t)n, &d);
    store__done(s);
    if (rc != GIS_OK) {
        division_names_free(&d);
        return err && err->code ? err->code : gis_fail(err, rc, "out of memory");
    }
    *out = d;
    return GIS_OK;
}

void division_names_free(struct division_names *d)
{
    free_strings(d->code, d->n);
    free_strings(d->name, d->n);
    free(d->level);
    memset(d, 0, sizeof *d);
}
