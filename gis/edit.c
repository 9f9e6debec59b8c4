/*
 * The write path's transaction (edit.h): the editable tables and their fields, reading
 * the feature as it is, merging the request into it, writing (versions of divisions
 * included), the audit row with GeoJSON images made by SQLite itself, the data version
 * and the commit. The rules live in edit_rules.c, history and revert in edit_log.c.
 * All SQL is constant text built from the tables below; every value is bound.
 */
#include "edit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edit_int.h"
#include "gbuf.h"
#include "geom.h"
#include "gis_int.h"
#include "items.h"
#include "names.h"
#include "strset.h"

#define N(a)    (sizeof a / sizeof *a)
#define SQL_MAX 8192

/* Parameters of the write statements: field i is ?(i + 1); these follow. */
#define P_DATE     20
#define P_REASON   21
#define P_POLY     22 /* new polygon WKB (or any new geometry of a point table) */
#define P_POINT    23 /* new point WKB of a division (a seat only) */
#define P_OLD_GEOM 24
#define P_OLD_SEAT 25
#define P_FID      26
#define P_ROW      27
#define P_SEAT     28 /* a division's seat given beside its polygon */
#define P_SOURCE   29

/* ---------------------------------------------------------------- tables */

static const struct edit_field DIVISION_FIELDS[] = {
    {"code", "code", PROP_TEXT, EF_KEY, NULL},
    {"name", "name", PROP_TEXT, EF_REQUIRED, NULL},
    {"level", "level", PROP_INT, EF_DERIVED, NULL},
    {"parent_code", "parent_code", PROP_TEXT, EF_DERIVED, NULL},
    {"kind", "kind", PROP_TEXT, 0, NULL},
    {"urban_rural_code", "urban_rural_code", PROP_TEXT, 0, NULL},
    {"pinyin", "pinyin", PROP_TEXT, 0, NULL},
    {"population", "population", PROP_INT, EF_COUNT, NULL},
    {"elderly_60plus", "elderly_60plus", PROP_INT, EF_COUNT, NULL},
    {"synthetic", "is_synthetic", PROP_BOOL, EF_REQUIRED, "0"},
    {"valid_from", "valid_from", PROP_DATE, EF_VERSION, NULL},
    {"valid_to", "valid_to", PROP_DATE, EF_VERSION, NULL},
    {"change_reason", "change_reason", PROP_TEXT, EF_HIDDEN | EF_VERSION, NULL},
};

static const struct edit_field FACILITY_FIELDS[] = {
    {"kind", "kind", PROP_TEXT, EF_REQUIRED, NULL},
    {"status", "status", PROP_TEXT, EF_REQUIRED, "operating"},
    {"name", "name", PROP_TEXT, EF_REQUIRED, NULL},
    {"capacity", "capacity", PROP_INT, EF_COUNT, NULL},
    {"division_code", "division_code", PROP_TEXT, 0, NULL},
    {"responsible_unit", "responsible_unit", PROP_TEXT, 0, NULL},
    {"due_date", "due_date", PROP_DATE, 0, NULL},
    {"scenario_id", "scenario_id", PROP_INT, 0, NULL},
    {"synthetic", "is_synthetic", PROP_BOOL, EF_REQUIRED, "0"},
};

static const struct edit_field PLACE_FIELDS[] = {
    {"name", "name", PROP_TEXT, EF_REQUIRED, NULL},
    {"pinyin", "pinyin", PROP_TEXT, 0, NULL},
    {"aliases", "aliases", PROP_TEXT, EF_LIST, NULL},
    {"category", "category", PROP_TEXT, 0, NULL},
    {"division_code", "division_code", PROP_TEXT, 0, NULL},
    {"status", "status", PROP_TEXT, EF_REQUIRED, "standard"},
    {"synthetic", "is_synthetic", PROP_BOOL, EF_REQUIRED, "0"},
    {"valid_from", "valid_from", PROP_DATE, 0, NULL},
    {"valid_to", "valid_to", PROP_DATE, EF_VERSION, NULL},
};

/* Demand points: written by batches (imports) only; their code is the feature id. */
static const struct edit_field DEMAND_FIELDS[] = {
    {"name", "name", PROP_TEXT, 0, NULL},
    {"division_code", "division_code", PROP_TEXT, 0, NULL},
    {"population", "population", PROP_INT, EF_COUNT | EF_REQUIRED, "0"},
    {"elderly_60plus", "elderly_60plus", PROP_INT, EF_COUNT | EF_REQUIRED, "0"},
    {"poor_households", "poor_households", PROP_INT, EF_COUNT | EF_REQUIRED, "0"},
    {"poor_people", "poor_people", PROP_INT, EF_COUNT | EF_REQUIRED, "0"},
    {"assisted_households", "assisted_households", PROP_INT, EF_COUNT | EF_REQUIRED, "0"},
    {"synthetic", "is_synthetic", PROP_BOOL, EF_REQUIRED, "0"},
};

static const struct edit_table TABLES[] = {
    [EDIT_DIVISIONS] = {EDIT_DIVISIONS, "divisions", "code", DIVISION_FIELDS, N(DIVISION_FIELDS),
                        true},
    [EDIT_PLACES] = {EDIT_PLACES, "places", "id", PLACE_FIELDS, N(PLACE_FIELDS), true},
    [EDIT_FACILITIES] = {EDIT_FACILITIES, "facilities", "fid", FACILITY_FIELDS, N(FACILITY_FIELDS),
                         false},
    [EDIT_DEMAND] = {EDIT_DEMAND, "demand", "code", DEMAND_FIELDS, N(DEMAND_FIELDS), false},
};

static const struct {
    const char *layer;
    enum edit_target target;
    int level;
} EDITABLE[] = {
    {"divisions", EDIT_DIVISIONS, 0},
    {"counties", EDIT_DIVISIONS, DIVISION_COUNTY},
    {"townships", EDIT_DIVISIONS, DIVISION_TOWNSHIP},
    {"villages", EDIT_DIVISIONS, DIVISION_VILLAGE},
    {"facilities", EDIT_FACILITIES, 0},
    {"places", EDIT_PLACES, 0},
};

bool edit_layer_target(const char *layer_id, enum edit_target *out_target, int *out_level)
{
    size_t i;

    for (i = 0; layer_id && i < N(EDITABLE); i++) {
        if (!strcmp(layer_id, EDITABLE[i].layer)) {
            if (out_target)
                *out_target = EDITABLE[i].target;
            if (out_level)
                *out_level = EDITABLE[i].level;
            return true;
        }
    }
    return false;
}

bool edit__target(const char *layer_id,
                  bool is_member,
                  enum edit_target *out_target,
                  int *out_level)
{
    if (edit_layer_target(layer_id, out_target, out_level))
        return true;
    if (!is_member || !layer_id || strcmp(layer_id, "demand"))
        return false;
    *out_target = EDIT_DEMAND;
    *out_level = 0;
    return true;
}

const struct edit_table *edit__table(enum edit_target target)
{
    return (unsigned)target < N(TABLES) ? &TABLES[target] : NULL;
}

int edit__field(const struct edit_table *t, const char *name)
{
    size_t i;

    for (i = 0; name && i < t->n_fields; i++)
        if (!strcmp(t->fields[i].name, name))
            return (int)i;
    return -1;
}

const char *edit__val(const struct edit *e, const struct edit_row *row, const char *name)
{
    int i = edit__field(e->tab, name);
    return i >= 0 ? row->val[i] : NULL;
}

enum gis_status edit__set(struct edit_row *row, size_t i, const char *text)
{
    char *copy = NULL;

    if (text && !(copy = strdup(text)))
        return GIS_ERR_NOMEM;
    free(row->val[i]);
    row->val[i] = copy;
    return GIS_OK;
}

enum gis_status
edit__exists(struct store *st, const char *sql, const char *key, bool *out, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    if (key)
        sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        *out = step == SQLITE_ROW;
    else
        rc = store__fail(st, err, "checking the store");
    store__done(s);
    return rc;
}

static void problem_vadd(struct edit_problems *p,
                         const struct edit_place *at,
                         const char *property,
                         const char *fmt,
                         va_list ap) __attribute__((format(printf, 4, 0)));

static void problem_vadd(struct edit_problems *p,
                         const struct edit_place *at,
                         const char *property,
                         const char *fmt,
                         va_list ap)
{
    struct edit_problem *item;

    if (p->n == EDIT_MAX_PROBLEMS) {
        p->n_omitted++;
        return;
    }
    item = &p->items[p->n++];
    snprintf(item->property, sizeof item->property, "%s", property ? property : "");
    vsnprintf(item->msg, sizeof item->msg, fmt, ap);
    item->has_place = at != NULL;
    if (at)
        item->place = *at;
    else
        memset(&item->place, 0, sizeof item->place);
}

void edit_problem_add(struct edit_problems *p, const char *property, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    problem_vadd(p, NULL, property, fmt, ap);
    va_end(ap);
}

void edit_problem_add_at(struct edit_problems *p,
                         const struct edit_place *at,
                         const char *property,
                         const char *fmt,
                         ...)
{
    va_list ap;

    va_start(ap, fmt);
    problem_vadd(p, at, property, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- rows */

static void row_free(struct edit_row *r)
{
    size_t i;

    for (i = 0; i < EDIT_MAX_FIELDS; i++) {
        free(r->val[i]);
        r->val[i] = NULL;
    }
    free(r->geom);
    free(r->seat);
    r->geom = r->seat = NULL;
}

static enum gis_status copy_blob(sqlite3_stmt *s, int col, void **out, size_t *out_n)
{
    int n = sqlite3_column_bytes(s, col);
    const void *p = sqlite3_column_blob(s, col);

    *out = NULL;
    *out_n = 0;
    if (!p || n <= 0)
        return GIS_OK;
    *out = malloc((size_t)n);
    if (!*out)
        return GIS_ERR_NOMEM;
    memcpy(*out, p, (size_t)n);
    *out_n = (size_t)n;
    return GIS_OK;
}

/* SELECT id, the fields, geom, seat FROM the table WHERE the feature is the current fid. */
static void select_sql(const struct edit *e, struct gbuf *b)
{
    const struct edit_table *t = e->tab;
    size_t i;

    gbuf_puts(b, "SELECT id");
    for (i = 0; i < t->n_fields; i++)
        gbuf_printf(b, ", %s", t->fields[i].column);
    gbuf_printf(b, ", geom, %s FROM %s WHERE %s = ?1",
                t->target == EDIT_DIVISIONS ? "seat" : "NULL", t->table, t->id_column);
    if (t->is_timed)
        gbuf_puts(b, " AND valid_to IS NULL");
    if (e->level)
        gbuf_puts(b, " AND level = ?2");
}

static enum gis_status read_row(struct edit *e, sqlite3_stmt *s)
{
    size_t i, n = e->tab->n_fields;
    enum gis_status rc = GIS_OK;

    e->cur.row_id = sqlite3_column_int64(s, 0);
    for (i = 0; i < n && rc == GIS_OK; i++)
        rc = edit__set(&e->cur, i, (const char *)sqlite3_column_text(s, (int)i + 1));
    if (rc == GIS_OK)
        rc = copy_blob(s, (int)n + 1, &e->cur.geom, &e->cur.geom_n);
    if (rc == GIS_OK)
        rc = copy_blob(s, (int)n + 2, &e->cur.seat, &e->cur.seat_n);
    return rc;
}

/* A places fid is its rowid as the items read it (CAST(id AS TEXT)): digits without a
 * leading zero, sign or space, else it names nothing (strtoll alone took "01" for 1). */
static bool bind_fid(const struct edit *e, sqlite3_stmt *s, int col, const char *fid)
{
    char *end;
    long long v;

    if (e->tab->target != EDIT_PLACES) {
        sqlite3_bind_text(s, col, fid, -1, SQLITE_TRANSIENT);
        return true;
    }
    if (fid[0] < '1' || fid[0] > '9' || fid[strspn(fid, "0123456789")] != '\0')
        return false;
    errno = 0;
    v = strtoll(fid, &end, 10);
    if (errno || *end || v <= 0)
        return false;
    sqlite3_bind_int64(s, col, v);
    return true;
}

static enum gis_status load_current(struct edit *e, struct gis_error *err)
{
    struct gbuf sql;
    sqlite3_stmt *s = NULL;
    enum gis_status rc;
    int step = SQLITE_DONE;

    gbuf_init(&sql, SQL_MAX);
    select_sql(e, &sql);
    rc = gbuf_status(&sql) == GIS_OK ? store__stmt(e->st, sql.data, &s, err) : GIS_ERR_INTERNAL;
    gbuf_free(&sql);
    if (rc != GIS_OK)
        return rc;
    if (e->level)
        sqlite3_bind_int(s, 2, e->level);
    if (bind_fid(e, s, 1, e->in->fid))
        step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        e->before.exists = true;
        rc = read_row(e, s);
    } else if (step != SQLITE_DONE) {
        rc = store__fail(e->st, err, "reading the feature");
    }
    store__done(s);
    return rc;
}

/* ---------------------------------------------------------------- states */

/* The feature's tag as the edit's layer shows it; exists false when it shows none. */
static enum gis_status
feature_tag(struct edit *e, const char *fid, struct edit_state *out, struct gis_error *err)
{
    struct items_query q = {.layer = e->layer, .id = fid, .limit = 1};
    struct items_cursor *c = NULL;
    bool has_row = false;
    enum gis_status rc = items_open(e->st, &q, &c, err);

    if (rc == GIS_OK)
        rc = items_next(c, &has_row, err);
    out->exists = has_row;
    out->tag = has_row ? items_tag(c) : 0;
    items_close(c);
    return rc;
}

static void state_fill(struct edit *e, struct edit_state *s, const struct edit_row *row)
{
    const char *code = e->tab->target == EDIT_DIVISIONS ? edit__val(e, row, "code")
                                                        : edit__val(e, row, "division_code");

    snprintf(s->scope_code, sizeof s->scope_code, "%s", code ? code : "");
}

static void today_utc(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The revert's dependency check: a later change of the same feature. */
static enum gis_status check_later(struct edit *e, struct gis_error *err)
{
    static const char sql[] = "SELECT id FROM audit WHERE target = ?1 AND target_id = ?2 AND "
                              "id > ?3 AND action IN ('create', 'replace', 'update', 'delete', "
                              "'revert') ORDER BY id LIMIT 1";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, e->tab->table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, e->in->fid ? e->in->fid : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, e->in->revert_of);
    if (sqlite3_step(s) == SQLITE_ROW)
        rc = gis_fail(err, GIS_ERR_CONFLICT,
                      "audit %lld changed %s/%s later and depends on this change: revert that one "
                      "first",
                      (long long)sqlite3_column_int64(s, 0), e->tab->table, e->in->fid);
    store__done(s);
    return rc;
}

static enum gis_status begin_read(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (e->in->revert_of > 0)
        rc = check_later(e, err);
    if (rc != GIS_OK || e->in->action == EDIT_CREATE)
        return rc;
    if (!e->in->fid)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "which feature: no id given");
    rc = load_current(e, err);
    if (rc == GIS_OK && !e->before.exists)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no feature '%.60s' in %s", e->in->fid,
                        e->layer->id);
    if (rc == GIS_OK)
        rc = feature_tag(e, e->in->fid, &e->before, err);
    if (rc == GIS_OK) {
        e->before.exists = true; /* a layer may not show it (no geometry) but it is there */
        snprintf(e->before.fid, sizeof e->before.fid, "%s", e->in->fid);
        state_fill(e, &e->before, &e->cur);
    }
    return rc;
}

/* A new edit of target's table; in a batch (b not NULL) inside its transaction. */
static enum gis_status edit_open(struct store *st,
                                 const struct edit_input *in,
                                 enum edit_target target,
                                 int level,
                                 struct edit_batch *b,
                                 struct edit **out,
                                 struct gis_error *err)
{
    struct edit *e = calloc(1, sizeof *e);
    enum gis_status rc = GIS_OK;

    if (!e)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    e->st = st;
    e->in = in;
    e->batch = b;
    e->tab = edit__table(target);
    e->layer = b ? b->layer : layer_find(in->layer_id);
    e->level = level;
    e->tol = in->tolerance_m > 0 ? in->tolerance_m : EDIT_DEFAULT_TOLERANCE_M;
    e->reason = in->reason;
    today_utc(e->today);
    memcpy(e->date, e->today, sizeof e->date);
    e->group = in->group;
    if (e->group && b)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "edit_begin: an edit is in a group or a batch");
    else if (e->group && edit__group_store(e->group) != st)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "edit_begin: the group is another store's");
    else if (e->group || b)
        rc = GIS_OK; /* a member joins the group's or the batch's transaction */
    else
        rc = store_begin(st, err);
    e->is_in_tx = rc == GIS_OK; /* a group's or batch's is left to it by edit_free */
    if (rc == GIS_OK)
        rc = begin_read(e, err);
    if (rc != GIS_OK) {
        edit_free(e);
        return rc;
    }
    *out = e;
    return GIS_OK;
}

enum gis_status
edit_begin(struct store *st, const struct edit_input *in, struct edit **out, struct gis_error *err)
{
    enum edit_target target;
    int level = 0;

    if (!st || !in || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_begin: null argument");
    if (!edit__target(in->layer_id, in->group != NULL, &target, &level))
        return gis_fail(err, layer_find(in->layer_id) ? GIS_ERR_INVALID_ARG : GIS_ERR_NOT_FOUND,
                        "collection '%.60s' cannot be edited%s", in->layer_id ? in->layer_id : "",
                        layer_find(in->layer_id) ? " (it is derived from others)" : "");
    return edit_open(st, in, target, level, NULL, out, err);
}

const struct edit_state *edit_before(const struct edit *e)
{
    return &e->before;
}

const struct edit_state *edit_after(const struct edit *e)
{
    return &e->after;
}

/* ---------------------------------------------------------------- merge */

/* The new row before the request's properties: the current one for an update, else
 * nothing but the id. */
static enum gis_status merge_base(struct edit *e)
{
    size_t i;
    enum gis_status rc = GIS_OK;

    e->next.row_id = e->cur.row_id;
    for (i = 0; i < e->tab->n_fields && rc == GIS_OK; i++) {
        const struct edit_field *f = &e->tab->fields[i];
        bool keep = e->in->action == EDIT_UPDATE || e->in->action == EDIT_DELETE ||
                    (f->flags & (EF_KEY | EF_VERSION)) != 0;
        if (keep && e->before.exists)
            rc = edit__set(&e->next, i, e->cur.val[i]);
    }
    return rc;
}

/* Defaults of a create or replace, for what neither the request nor the field kept. */
static enum gis_status merge_defaults(struct edit *e)
{
    size_t i;
    enum gis_status rc = GIS_OK;

    for (i = 0; i < e->tab->n_fields && rc == GIS_OK; i++)
        if (!e->next.val[i] && e->tab->fields[i].dflt)
            rc = edit__set(&e->next, i, e->tab->fields[i].dflt);
    if (rc == GIS_OK && e->tab->target == EDIT_PLACES && !edit__val(e, &e->next, "valid_from"))
        rc = edit__set(&e->next, (size_t)edit__field(e->tab, "valid_from"), e->today);
    return rc;
}

/* ---------------------------------------------------------------- writes */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n)
{
    if (p)
        sqlite3_bind_blob(s, i, p, (int)n, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static bool is_stored_field(const struct edit_field *f)
{
    return !(f->flags & EF_VERSION);
}

/* The geometry expressions of a write (see the P_ parameters). */
static void geometry_columns(const struct edit *e, struct gbuf *b, bool is_update)
{
    static const char geom_div[] =
        "CASE WHEN ?23 IS NOT NULL THEN NULL ELSE COALESCE(GeomFromWKB(?22, 4326), ?24) END";
    static const char seat_div[] =
        "CASE WHEN ?23 IS NOT NULL THEN GeomFromWKB(?23, 4326) "
        "WHEN ?28 IS NOT NULL THEN GeomFromWKB(?28, 4326) WHEN ?22 IS NULL THEN ?25 "
        "WHEN ?25 IS NOT NULL AND ST_Covers(GeomFromWKB(?22, 4326), ?25) THEN ?25 "
        "ELSE ST_PointOnSurface(GeomFromWKB(?22, 4326)) END";
    static const char geom_pt[] = "COALESCE(GeomFromWKB(?22, 4326), ?24)";

    if (e->tab->target == EDIT_DIVISIONS)
        gbuf_printf(b, is_update ? ", geom = %s, seat = %s, change_reason = ?21" : ", %s, %s, ?21",
                    geom_div, seat_div);
    else
        gbuf_printf(b, is_update ? ", geom = %s" : ", %s", geom_pt);
}

static void insert_sql(const struct edit *e, struct gbuf *b)
{
    const struct edit_table *t = e->tab;
    size_t i;

    gbuf_printf(b, "INSERT INTO %s (source", t->table);
    for (i = 0; i < t->n_fields; i++)
        if (is_stored_field(&t->fields[i]))
            gbuf_printf(b, ", %s", t->fields[i].column);
    if (t->target == EDIT_DIVISIONS)
        gbuf_puts(b, ", valid_from, geom, seat, change_reason");
    else
        gbuf_printf(b, ", %s, geom", t->id_column);
    gbuf_puts(b, ") VALUES (COALESCE(?29, 'edit')");
    for (i = 0; i < t->n_fields; i++)
        if (is_stored_field(&t->fields[i]))
            gbuf_printf(b, ", ?%zu", i + 1);
    gbuf_puts(b, t->target == EDIT_DIVISIONS ? ", ?20" : ", ?26");
    geometry_columns(e, b, false);
    gbuf_puts(b, ")");
}

static void update_sql(const struct edit *e, struct gbuf *b)
{
    const struct edit_table *t = e->tab;
    size_t i;
    bool first = true;

    gbuf_printf(b, "UPDATE %s SET ", t->table);
    for (i = 0; i < t->n_fields; i++) {
        if (!is_stored_field(&t->fields[i]) || (t->fields[i].flags & EF_KEY))
            continue;
        gbuf_printf(b, "%s%s = ?%zu", first ? "" : ", ", t->fields[i].column, i + 1);
        first = false;
    }
    geometry_columns(e, b, true);
    if (t->target == EDIT_FACILITIES)
        gbuf_puts(b, ", updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')");
    gbuf_puts(b, " WHERE id = ?27");
}

static void bind_fields(const struct edit *e, sqlite3_stmt *s)
{
    size_t i;

    for (i = 0; i < e->tab->n_fields; i++) {
        const struct edit_field *f = &e->tab->fields[i];
        const char *v = e->next.val[i];
        if (!is_stored_field(f))
            continue;
        if (v && (f->type == PROP_INT || f->type == PROP_BOOL))
            sqlite3_bind_int64(s, (int)i + 1, strtoll(v, NULL, 10));
        else
            bind_text(s, (int)i + 1, v);
    }
}

/* The seat a division was given (edit_input.has_seat), as a stored point in cur.seat:
 * the write keeps it where the polygon covers it, as it keeps an existing row's. */
static enum gis_status given_seat(struct edit *e, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!e->in->has_seat || e->tab->target != EDIT_DIVISIONS)
        return GIS_OK;
    free(e->cur.seat); /* the given seat wins over the row's (a revert restores its own) */
    e->cur.seat = NULL;
    e->cur.seat_n = 0;
    rc = store__stmt(e->st, "SELECT MakePoint(?1, ?2, 4326)", &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_double(s, 1, e->in->seat_lon);
    sqlite3_bind_double(s, 2, e->in->seat_lat);
    if (sqlite3_step(s) != SQLITE_ROW || copy_blob(s, 0, &e->cur.seat, &e->cur.seat_n) != GIS_OK)
        rc = store__fail(e->st, err, "making the seat");
    store__done(s);
    return rc;
}

/* Runs one write statement made by make, with the row's values bound. */
static enum gis_status
run_write(struct edit *e, void (*make)(const struct edit *, struct gbuf *), struct gis_error *err)
{
    bool is_seat = e->geom && e->is_point && e->tab->target == EDIT_DIVISIONS;
    struct gbuf sql;
    sqlite3_stmt *s = NULL;
    enum gis_status rc;

    rc = given_seat(e, err);
    if (rc != GIS_OK)
        return rc;
    gbuf_init(&sql, SQL_MAX);
    make(e, &sql);
    rc = gbuf_status(&sql) == GIS_OK ? store__stmt(e->st, sql.data, &s, err) : GIS_ERR_INTERNAL;
    gbuf_free(&sql);
    if (rc != GIS_OK)
        return rc;
    bind_fields(e, s);
    bind_text(s, P_DATE, e->date);
    bind_text(s, P_REASON, e->reason);
    bind_blob(s, is_seat ? P_POINT : P_POLY, e->geom_wkb, e->geom_wkb_n);
    bind_blob(s, P_OLD_GEOM, e->geom ? NULL : e->cur.geom, e->cur.geom_n);
    bind_blob(s, P_OLD_SEAT, e->geom && is_seat ? NULL : e->cur.seat, e->cur.seat_n);
    bind_text(s, P_FID, e->after.fid[0] ? e->after.fid : NULL);
    sqlite3_bind_int64(s, P_ROW, e->cur.row_id);
    bind_blob(s, P_SEAT, e->seat_wkb, e->seat_wkb_n);
    bind_text(s, P_SOURCE, e->in->source);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(e->st, err, "writing the feature");
    store__done(s);
    return rc;
}

static enum gis_status run_sql(struct edit *e, const char *sql, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    bind_text(s, 1, e->date);
    sqlite3_bind_int64(s, 2, e->cur.row_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(e->st, err, "writing the feature");
    store__done(s);
    return rc;
}

/* A new feature's id: the one after the largest ever written to the table (store_ids,
 * schema 9: never lowered by a delete, so no id names two features in the audit): the
 * next F-number of a facility, the next rowid of a place. */
static enum gis_status next_id(struct edit *e, struct gis_error *err)
{
    static const char sql_facility[] =
        "SELECT 'F' || printf('%04d', last + 1) FROM store_ids WHERE name = 'facilities'";
    static const char sql_place[] = "SELECT last + 1 FROM store_ids WHERE name = 'places'";
    sqlite3_stmt *s;
    enum gis_status rc =
        store__stmt(e->st, e->tab->target == EDIT_FACILITIES ? sql_facility : sql_place, &s, err);

    if (rc != GIS_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(e->after.fid, sizeof e->after.fid, "%s", sqlite3_column_text(s, 0));
    else
        rc = store__fail(e->st, err, "numbering the feature");
    store__done(s);
    return rc;
}

/* The fid a create gives: the code, a reused id (a revert of a delete, an import's), or
 * a new one. */
static enum gis_status create_id(struct edit *e, struct gis_error *err)
{
    if (e->tab->target == EDIT_DIVISIONS) {
        snprintf(e->after.fid, sizeof e->after.fid, "%s", edit__val(e, &e->next, "code"));
        return GIS_OK;
    }
    if (e->in->fid) {
        snprintf(e->after.fid, sizeof e->after.fid, "%s", e->in->fid);
        return GIS_OK;
    }
    return e->tab->target == EDIT_FACILITIES || e->tab->target == EDIT_PLACES ? next_id(e, err)
                                                                              : GIS_OK;
}

static enum gis_status write_create(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = create_id(e, err);

    return rc == GIS_OK ? run_write(e, insert_sql, err) : rc;
}

/* A division's change: on the day its version began, that version is corrected in place;
 * later, it is closed and a new one inserted. */
static enum gis_status write_division(struct edit *e, struct gis_error *err)
{
    bool is_same_day = !strcmp(edit__val(e, &e->cur, "valid_from"), e->date);
    enum gis_status rc = GIS_OK;

    if (e->in->action == EDIT_DELETE)
        return run_sql(e,
                       is_same_day ? "DELETE FROM divisions WHERE ?1 IS NOT NULL AND id = ?2"
                                   : "UPDATE divisions SET valid_to = ?1 WHERE id = ?2",
                       err);
    if (is_same_day)
        return run_write(e, update_sql, err);
    rc = run_sql(e, "UPDATE divisions SET valid_to = ?1 WHERE id = ?2", err);
    return rc == GIS_OK ? run_write(e, insert_sql, err) : rc;
}

static enum gis_status write_change(struct edit *e, struct gis_error *err)
{
    snprintf(e->after.fid, sizeof e->after.fid, "%s", e->before.fid);
    if (e->tab->target == EDIT_DIVISIONS)
        return write_division(e, err);
    if (e->in->action == EDIT_DELETE)
        return run_sql(e,
                       e->tab->target == EDIT_FACILITIES
                           ? "DELETE FROM facilities WHERE ?1 IS NOT NULL AND id = ?2"
                           : "DELETE FROM places WHERE ?1 IS NOT NULL AND id = ?2",
                       err);
    return run_write(e, update_sql, err);
}

/* ---------------------------------------------------------------- audit */

/* json_object of the feature at rowid ?1: its id, its geometry (?2) and seat (?3) as
 * GeoJSON text, and every field. */
static void image_sql(const struct edit *e, struct gbuf *b)
{
    const struct edit_table *t = e->tab;
    size_t i;

    gbuf_printf(b,
                "SELECT json_object('type', 'Feature', 'id', CAST(%s AS TEXT), 'geometry', "
                "json(?2), ",
                t->id_column);
    if (t->target == EDIT_DIVISIONS)
        gbuf_puts(b, "'seat', json(?3), ");
    gbuf_puts(b, "'properties', json_object(");
    for (i = 0; i < t->n_fields; i++) {
        const struct edit_field *f = &t->fields[i];
        gbuf_printf(b, "%s'%s', ", i ? ", " : "", f->name);
        if (f->type == PROP_BOOL)
            gbuf_printf(b, "json(CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)", f->column);
        else if (f->flags & EF_LIST)
            gbuf_printf(b, "CASE WHEN json_valid(%s) THEN json(%s) ELSE %s END", f->column,
                        f->column, f->column);
        else
            gbuf_puts(b, f->column);
    }
    gbuf_printf(b, ")) FROM %s WHERE id = ?1", t->table);
}

/* The shortest text that reads back as v exactly (15 to 17 significant digits). */
static void put_double(struct gbuf *b, double v)
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

static void put_ring(struct gbuf *b, const struct geom *g, size_t r, bool is_single)
{
    size_t i;

    if (!is_single)
        gbuf_puts(b, "[");
    for (i = g->rings[r]; i < g->rings[r + 1]; i++) {
        gbuf_puts(b, i > g->rings[r] ? ",[" : "[");
        put_double(b, g->coords[2 * i]);
        gbuf_puts(b, ",");
        put_double(b, g->coords[2 * i + 1]);
        gbuf_puts(b, "]");
    }
    if (!is_single)
        gbuf_puts(b, "]");
}

/* The rings of part k: one point, one line, or a polygon's rings. */
static void put_part(struct gbuf *b, const struct geom *g, size_t k, bool is_point)
{
    size_t r;
    bool is_area = g->type == GEOM_POLYGON || g->type == GEOM_MULTIPOLYGON;

    if (is_area)
        gbuf_puts(b, "[");
    for (r = g->parts[k]; r < g->parts[k + 1]; r++) {
        if (r > g->parts[k])
            gbuf_puts(b, ",");
        put_ring(b, g, r, is_point);
    }
    if (is_area)
        gbuf_puts(b, "]");
}

/* GeoJSON of WKB with every digit a double needs to read back the same, so a
 * revert restores the very coordinates (SpatiaLite's AsGeoJSON and OGR both round).
 * NULL for NULL. out: malloc'd text. */
char *edit__wkb_geojson(const void *wkb, size_t n)
{
    static const char *const names[] = {"",           "Point",           "LineString",  "Polygon",
                                        "MultiPoint", "MultiLineString", "MultiPolygon"};
    bool is_multi, is_point;
    struct geom g;
    struct gbuf b;
    size_t k;

    geom_init(&g);
    if (!wkb || !n || geom_from_wkb(&g, wkb, n, NULL) != GIS_OK || !g.n_parts) {
        geom_free(&g);
        return NULL;
    }
    is_multi = g.type >= GEOM_MULTIPOINT;
    is_point = g.type == GEOM_POINT || g.type == GEOM_MULTIPOINT;
    gbuf_init(&b, 64u << 20);
    gbuf_printf(&b, "{\"type\":\"%s\",\"coordinates\":%s", names[g.type], is_multi ? "[" : "");
    for (k = 0; k < g.n_parts; k++) {
        if (k)
            gbuf_puts(&b, ",");
        put_part(&b, &g, k, is_point);
    }
    gbuf_puts(&b, is_multi ? "]}" : "}");
    geom_free(&g);
    if (gbuf_status(&b) != GIS_OK) {
        gbuf_free(&b);
        return NULL;
    }
    return gbuf_steal(&b);
}

static char *column_geojson(sqlite3_stmt *s, int col)
{
    const void *wkb = sqlite3_column_blob(s, col);
    int n = sqlite3_column_bytes(s, col);

    return n > 0 ? edit__wkb_geojson(wkb, (size_t)n) : NULL;
}

/* The geometry and seat of row_id as GeoJSON (out[1] stays NULL but for divisions). */
static enum gis_status
image_geometry(struct edit *e, int64_t row_id, char *out[2], struct gis_error *err)
{
    char sql[160];
    sqlite3_stmt *s;
    enum gis_status rc;

    snprintf(sql, sizeof sql, "SELECT AsBinary(%s), AsBinary(%s) FROM %s WHERE id = ?1",
             e->tab->target == EDIT_DIVISIONS ? "COALESCE(geom, seat)" : "geom",
             e->tab->target == EDIT_DIVISIONS ? "seat" : "NULL", e->tab->table);
    rc = store__stmt(e->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        out[0] = column_geojson(s, 0);
        out[1] = column_geojson(s, 1);
    }
    store__done(s);
    return GIS_OK;
}

/* The GeoJSON image of row_id, or NULL (a deleted row). out: malloc'd text. */
static enum gis_status image(struct edit *e, int64_t row_id, char **out, struct gis_error *err)
{
    char *geo[2] = {NULL, NULL};
    struct gbuf sql;
    sqlite3_stmt *s = NULL;
    enum gis_status rc = image_geometry(e, row_id, geo, err);

    *out = NULL;
    gbuf_init(&sql, SQL_MAX);
    image_sql(e, &sql);
    if (rc == GIS_OK)
        rc = gbuf_status(&sql) == GIS_OK ? store__stmt(e->st, sql.data, &s, err) : GIS_ERR_INTERNAL;
    gbuf_free(&sql);
    if (rc == GIS_OK) {
        sqlite3_bind_int64(s, 1, row_id);
        bind_text(s, 2, geo[0]);
        bind_text(s, 3, geo[1]);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) &&
            !(*out = strdup((const char *)sqlite3_column_text(s, 0))))
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        store__done(s);
    }
    free(geo[0]);
    free(geo[1]);
    return rc;
}

/* The rowid of the feature's current row after the write (0 when there is none). */
static int64_t current_row(struct edit *e)
{
    sqlite3_stmt *s;
    char sql[160];
    int64_t id = 0;

    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ?1%s", e->tab->table, e->tab->id_column,
             e->tab->is_timed ? " AND valid_to IS NULL" : "");
    if (store__stmt(e->st, sql, &s, NULL) != GIS_OK)
        return 0;
    if (bind_fid(e, s, 1, e->after.fid) && sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    store__done(s);
    return id;
}

static const char *action_name(const struct edit *e)
{
    static const char *const names[] = {"create", "replace", "update", "delete"};

    return e->in->audit_as ? e->in->audit_as : names[e->in->action];
}

/* In a batch, the id joins the batch's list for its audit row (edit_batch_audit). */
static enum gis_status audit_in_batch(struct edit *e, struct gis_error *err)
{
    struct edit_batch *b = e->batch;

    gbuf_puts(&b->ids, b->n_unaudited ? ",\"" : "\"");
    gbuf_json_escape(&b->ids, e->after.fid);
    gbuf_puts(&b->ids, "\"");
    if (gbuf_status(&b->ids) != GIS_OK || strset_add(b->written, e->after.fid, NULL) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory listing the batch's ids");
    b->n_unaudited++;
    b->n_written++;
    return GIS_OK;
}

static enum gis_status audit(struct edit *e, struct gis_error *err)
{
    char *after = NULL;
    int64_t row = e->in->action == EDIT_DELETE || e->batch ? 0 : current_row(e);
    enum gis_status rc = row ? image(e, row, &after, err) : GIS_OK;
    struct store_audit a = {e->in->user, action_name(e), e->tab->table, e->after.fid,
                            e->reason,   e->before_json, after};

    if (e->batch)
        return audit_in_batch(e, err);
    if (rc == GIS_OK)
        rc = store_audit_add(e->st, &a, err);
    if (rc == GIS_OK && e->group)
        rc = edit__group_member(e->group, sqlite3_last_insert_rowid(store__db(e->st)), err);
    free(after);
    return rc;
}

/* A new place's aliases (a JSON array of names) become its name variants, which the
 * search index reads. */
static enum gis_status place_aliases(struct edit *e, struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO name_variants (target, feature, kind, name) SELECT 'places', CAST(p.id AS"
        " TEXT), 'alias', j.value FROM places p, json_each(p.aliases) j WHERE p.id = ?1 AND"
        " json_valid(p.aliases) AND j.type = 'text' AND j.value <> ''";
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!edit__val(e, &e->next, "aliases"))
        return GIS_OK;
    rc = store__stmt(e->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (bind_fid(e, s, 1, e->after.fid) && sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(e->st, err, "recording the aliases");
    store__done(s);
    return rc;
}

/* The gazetteer's index follows every change of a division's or a place's rows, in the
 * same transaction, so a rename is searchable under both names at once. */
static enum gis_status reindex_names(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (e->tab->target == EDIT_DIVISIONS)
        return names_feature_changed(e->st, NAMES_DIVISIONS, e->after.fid, err);
    if (e->tab->target != EDIT_PLACES)
        return GIS_OK;
    if (e->in->action == EDIT_CREATE)
        rc = place_aliases(e, err);
    return rc == GIS_OK ? names_feature_changed(e->st, NAMES_PLACES, e->after.fid, err) : rc;
}

/* ---------------------------------------------------------------- apply */

static enum gis_status check(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    enum gis_status rc = merge_base(e);

    if (rc != GIS_OK)
        return gis_fail(err, rc, "out of memory");
    if (e->in->action != EDIT_DELETE)
        edit__take_props(e, p);
    if (e->in->action == EDIT_CREATE || e->in->action == EDIT_REPLACE)
        rc = merge_defaults(e);
    if (rc != GIS_OK)
        return gis_fail(err, rc, "out of memory");
    rc = edit__check_geometry(e, p, err);
    if (rc == GIS_OK && e->in->action != EDIT_DELETE)
        edit__check_fields(e, p);
    if (rc == GIS_OK && e->tab->target == EDIT_DIVISIONS)
        rc = edit__check_division(e, p, err);
    else if (rc == GIS_OK && e->tab->target == EDIT_FACILITIES)
        rc = edit__check_facility(e, p, err);
    else if (rc == GIS_OK && e->tab->target == EDIT_DEMAND)
        rc = edit__check_demand(e, p, err);
    else if (rc == GIS_OK)
        rc = edit__check_place(e, p, err);
    return rc;
}

static enum gis_status finish_after(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (e->in->action == EDIT_DELETE) {
        e->after.exists = false;
        return GIS_OK;
    }
    if (!e->batch) /* a batch has no use for tags: the version moves at its commit */
        rc = feature_tag(e, e->after.fid, &e->after, err);
    e->after.exists = true;
    state_fill(e, &e->after, &e->next);
    return rc;
}

/* A member of a group names the divisions it changes before it writes, so the group
 * sees their parents' coverage as it was. */
static enum gis_status group_touch(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (e->before.exists)
        rc = edit__group_touch(e->group, edit__val(e, &e->cur, "code"), err);
    if (rc == GIS_OK && e->in->action != EDIT_DELETE)
        rc = edit__group_touch(e->group, edit__val(e, &e->next, "code"), err);
    return rc;
}

/* What is read before the write: the group's view of the parents, the image before. */
static enum gis_status before_write(struct edit *e, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (e->group && e->tab->target == EDIT_DIVISIONS)
        rc = group_touch(e, err);
    if (rc == GIS_OK && e->before.exists)
        rc = image(e, e->cur.row_id, &e->before_json, err);
    return rc;
}

enum gis_status edit_apply(struct edit *e, struct edit_problems *problems, struct gis_error *err)
{
    enum gis_status rc;

    if (!e || !problems || !e->is_in_tx)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_apply: no edit in progress");
    memset(problems, 0, sizeof *problems);
    rc = check(e, problems, err);
    if (rc == GIS_OK && problems->n > 0)
        return gis_fail(err, GIS_ERR_REJECTED, "%s", problems->items[0].msg);
    if (rc == GIS_OK)
        rc = before_write(e, err);
    if (rc == GIS_OK)
        rc = e->in->action == EDIT_CREATE ? write_create(e, err) : write_change(e, err);
    if (rc == GIS_OK)
        rc = audit(e, err);
    if (rc == GIS_OK)
        rc = reindex_names(e, err);
    if (rc == GIS_OK)
        rc = finish_after(e, err);
    return rc;
}

enum gis_status edit_commit(struct edit *e, struct gis_error *err)
{
    enum gis_status rc;

    if (!e || !e->is_in_tx || e->batch)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_commit: no edit in progress");
    /* No version to bump: the tables' triggers count every row written (schema v3). A
     * group's member leaves the commit to the group. */
    rc = e->group ? GIS_OK : store_commit(e->st, err);
    if (rc == GIS_OK) {
        e->is_in_tx = false;
        e->is_committed = true;
    }
    return rc;
}

void edit_free(struct edit *e)
{
    if (!e)
        return;
    if (e->is_in_tx && !e->group && !e->batch)
        store_rollback(e->st);
    row_free(&e->cur);
    row_free(&e->next);
    if (e->geom)
        OGR_G_DestroyGeometry(e->geom);
    free(e->geom_wkb);
    free(e->seat_wkb);
    free(e->before_json);
    free(e);
}

/* ---------------------------------------------------------------- batches */

/* While the batch's transaction holds this row, the tables' version triggers stand
 * aside (schema v5); edit_batch_commit raises the version once instead. */
static const char SQL_BATCH_MARK[] = "INSERT INTO store_meta (key, value) VALUES ('batch', '1')";
static const char SQL_BATCH_UNMARK[] = "DELETE FROM store_meta WHERE key = 'batch'";

static enum gis_status batch_sql(struct edit_batch *b, const char *sql, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(b->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, b->tab->table, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(b->st, err, "keeping the batch's versions");
    store__done(s);
    return rc;
}

enum gis_status edit_batch_begin(struct store *st,
                                 enum edit_target target,
                                 struct edit_batch **out,
                                 struct gis_error *err)
{
    struct edit_batch *b;
    enum gis_status rc;

    if (!st || !out || !edit__table(target))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_batch_begin: bad argument");
    b = calloc(1, sizeof *b);
    if (!b || strset_new(&b->written) != GIS_OK) {
        free(b);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    b->st = st;
    b->tab = edit__table(target);
    b->layer = layer_find(b->tab->table);
    gbuf_init(&b->ids, (size_t)1 << 30);
    rc = store_begin(st, err);
    b->is_in_tx = rc == GIS_OK;
    if (rc == GIS_OK)
        rc = batch_sql(b, SQL_BATCH_MARK, err);
    if (rc != GIS_OK) {
        edit_batch_free(b);
        return rc;
    }
    *out = b;
    return GIS_OK;
}

enum gis_status edit_batch_add(struct edit_batch *b,
                               const struct edit_input *in,
                               struct edit_problems *problems,
                               struct edit_batch_item *out,
                               struct gis_error *err)
{
    struct edit *e = NULL;
    enum gis_status rc;

    if (!b || !in || !problems || !b->is_in_tx || in->action != EDIT_CREATE)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_batch_add: no batch or not a create");
    memset(problems, 0, sizeof *problems);
    rc = edit_open(b->st, in, b->tab->target, 0, b, &e, err);
    if (rc == GIS_OK)
        rc = edit_apply(e, problems, err);
    if (rc == GIS_OK && out) {
        snprintf(out->fid, sizeof out->fid, "%s", e->after.fid);
        out->is_repaired = e->is_repaired;
    }
    edit_free(e);
    return rc;
}

enum gis_status edit_batch_audit(struct edit_batch *b,
                                 const char *user,
                                 const char *reason,
                                 const char *about,
                                 struct gis_error *err)
{
    struct gbuf after;
    struct store_audit a = {user, "import", NULL, NULL, reason, NULL, NULL};
    enum gis_status rc;

    if (!b || !b->is_in_tx || !user)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_batch_audit: no batch or no user");
    a.target = b->tab->table;
    gbuf_init(&after, (size_t)1 << 30);
    gbuf_printf(&after, "{%s%s\"features\":%ld,\"ids\":[", about ? about : "", about ? "," : "",
                b->n_unaudited);
    if (b->ids.len)
        gbuf_append(&after, b->ids.data, b->ids.len);
    gbuf_puts(&after, "]}");
    rc = gbuf_status(&after) == GIS_OK ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    a.after_json = after.data;
    if (rc == GIS_OK)
        rc = store_audit_add(b->st, &a, err);
    gbuf_free(&after);
    if (rc == GIS_OK) {
        gbuf_reset(&b->ids);
        b->n_unaudited = 0;
    }
    return rc;
}

long edit_batch_count(const struct edit_batch *b)
{
    return b ? b->n_written : 0;
}

enum gis_status edit_batch_commit(struct edit_batch *b, struct gis_error *err)
{
    enum gis_status rc;

    if (!b || !b->is_in_tx)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_batch_commit: no batch in progress");
    rc = batch_sql(b, SQL_BATCH_UNMARK, err);
    if (rc == GIS_OK && b->n_written > 0)
        rc = batch_sql(b, "UPDATE store_versions SET version = version + 1 WHERE name = ?1", err);
    if (rc == GIS_OK)
        rc = store_commit(b->st, err);
    if (rc == GIS_OK)
        b->is_in_tx = false;
    return rc;
}

void edit_batch_free(struct edit_batch *b)
{
    if (!b)
        return;
    if (b->is_in_tx)
        store_rollback(b->st);
    strset_free(b->written);
    gbuf_free(&b->ids);
    free(b);
}
