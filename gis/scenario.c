/*
 * Scenarios and township seats (see scenario.h). Every value is a bound parameter.
 */
#include "scenario.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis_int.h"

static enum gis_status insert_scenario(struct store *st,
                                       const struct scenario_record *r,
                                       int64_t *out_id,
                                       struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st,
                                     "INSERT INTO scenarios (name, problem, params, results, "
                                     "created_by) VALUES (?, ?, ?, ?, ?)",
                                     &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, r->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, r->problem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, r->params_json ? r->params_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, r->results_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, r->user, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(s);
    store__done(s);
    if ((step & 0xff) == SQLITE_CONSTRAINT)
        return gis_fail(err, GIS_ERR_CONFLICT, "a scenario named '%.80s' exists already", r->name);
    if (step != SQLITE_DONE)
        return store__fail(st, err, "saving the scenario");
    *out_id = sqlite3_last_insert_rowid(store__db(st));
    return GIS_OK;
}

static enum gis_status insert_site(struct store *st,
                                   int64_t scenario,
                                   size_t k,
                                   const char *kind,
                                   const struct scenario_site *site,
                                   struct gis_error *err)
{
    sqlite3_stmt *s;
    char fid[64];
    enum gis_status rc = store__stmt(
        st,
        "INSERT INTO facilities (fid, kind, name, status, capacity, scenario_id, "
        "division_code, source, geom) VALUES (?, ?, ?, 'planned', ?, ?, ?, 'civgis site', "
        "MakePoint(?, ?, 4326))",
        &s, err);

    if (rc != GIS_OK)
        return rc;
    snprintf(fid, sizeof fid, "S%lld-%zu", (long long)scenario, k + 1);
    sqlite3_bind_text(s, 1, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, site->name, -1, SQLITE_TRANSIENT);
    if (site->capacity >= 0)
        sqlite3_bind_int64(s, 4, (sqlite3_int64)site->capacity);
    sqlite3_bind_int64(s, 5, scenario);
    if (site->division_code && *site->division_code)
        sqlite3_bind_text(s, 6, site->division_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(s, 7, site->lon);
    sqlite3_bind_double(s, 8, site->lat);
    rc = sqlite3_step(s) == SQLITE_DONE ? GIS_OK : store__fail(st, err, "saving a proposed site");
    store__done(s);
    return rc;
}

/* The scenario of that name, its proposed sites with it (ON DELETE CASCADE). */
static enum gis_status
delete_named(struct store *st, const char *name, bool *out_found, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, "DELETE FROM scenarios WHERE name = ?", &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s) == SQLITE_DONE ? GIS_OK : store__fail(st, err, "replacing a scenario");
    store__done(s);
    *out_found = sqlite3_changes(store__db(st)) > 0;
    return rc;
}

static enum gis_status write_all(struct store *st,
                                 const struct scenario_record *r,
                                 const struct scenario_site *sites,
                                 size_t n_sites,
                                 int64_t *out_id,
                                 struct gis_error *err)
{
    struct store_audit gone = {r->user, "delete", "scenarios", r->name, "replaced by a new run",
                               NULL,    NULL};
    char id_text[32];
    struct store_audit made = {r->user,          "create", "scenarios", id_text,
                               "site selection", NULL,     NULL};
    bool is_found = false;
    size_t k;
    enum gis_status rc = r->is_replace ? delete_named(st, r->name, &is_found, err) : GIS_OK;

    if (rc == GIS_OK && is_found)
        rc = store_audit_add(st, &gone, err);
    if (rc == GIS_OK)
        rc = insert_scenario(st, r, out_id, err);
    for (k = 0; rc == GIS_OK && k < n_sites; k++)
        rc = insert_site(st, *out_id, k, r->kind, &sites[k], err);
    snprintf(id_text, sizeof id_text, "%lld", (long long)*out_id);
    if (rc == GIS_OK)
        rc = store_audit_add(st, &made, err);
    return rc;
}

/* Runs fn in the caller's open transaction, or in one of its own (then committed, or
 * rolled back on failure). The data version moves with the write either way. */
typedef enum gis_status (*write_fn)(struct store *st, void *ctx, struct gis_error *err);

static enum gis_status
in_transaction(struct store *st, write_fn fn, void *ctx, struct gis_error *err)
{
    bool is_own = !store_in_transaction(st);
    enum gis_status rc = is_own ? store_begin(st, err) : GIS_OK;

    if (rc != GIS_OK)
        return rc;
    rc = fn(st, ctx, err); /* the tables' triggers count the rows written */
    if (rc == GIS_OK && is_own)
        rc = store_commit(st, err);
    if (rc != GIS_OK && is_own)
        store_rollback(st);
    return rc;
}

struct save_ctx {
    const struct scenario_record *r;
    const struct scenario_site *sites;
    size_t n_sites;
    int64_t id;
};

static enum gis_status save_write(struct store *st, void *ctx, struct gis_error *err)
{
    struct save_ctx *c = ctx;
    return write_all(st, c->r, c->sites, c->n_sites, &c->id, err);
}

enum gis_status scenario_save(struct store *st,
                              const struct scenario_record *r,
                              const struct scenario_site *sites,
                              size_t n_sites,
                              int64_t *out_id,
                              struct gis_error *err)
{
    struct save_ctx c = {r, sites, n_sites, -1};
    enum gis_status rc;

    if (!r->name || !*r->name)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a scenario needs a name");
    rc = in_transaction(st, save_write, &c, err);
    if (rc == GIS_OK)
        *out_id = c.id;
    return rc;
}

/* The first (by name) scenario whose name starts with prefix: its id and name (the
 * name for the audit row, cut to size); *out_id < 0: none. */
static enum gis_status first_with_prefix(struct store *st,
                                         const char *prefix,
                                         char *name,
                                         size_t size,
                                         int64_t *out_id,
                                         struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st,
                                     "SELECT id, name FROM scenarios WHERE substr(name, 1, "
                                     "length(?1)) = ?1 ORDER BY name, id LIMIT 1",
                                     &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(s);
    *out_id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    if (step == SQLITE_ROW)
        snprintf(name, size, "%s", (const char *)sqlite3_column_text(s, 1));
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? GIS_OK
                                                   : store__fail(st, err, "reading scenarios");
    store__done(s);
    return rc;
}

/* One scenario by id, its proposed sites with it (ON DELETE CASCADE). */
static enum gis_status delete_id(struct store *st, int64_t id, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, "DELETE FROM scenarios WHERE id = ?", &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s) == SQLITE_DONE ? GIS_OK : store__fail(st, err, "removing a scenario");
    store__done(s);
    return rc;
}

struct remove_ctx {
    const char *prefix, *user, *reason;
    size_t n;
};

static enum gis_status remove_write(struct store *st, void *ctx, struct gis_error *err)
{
    struct remove_ctx *c = ctx;
    char name[512];
    int64_t id = 0;
    enum gis_status rc = GIS_OK;

    while (rc == GIS_OK && id >= 0) {
        struct store_audit gone = {c->user, "delete", "scenarios", name, c->reason, NULL, NULL};
        rc = first_with_prefix(st, c->prefix, name, sizeof name, &id, err);
        if (rc == GIS_OK && id >= 0)
            rc = delete_id(st, id, err);
        if (rc == GIS_OK && id >= 0)
            rc = store_audit_add(st, &gone, err);
        c->n += rc == GIS_OK && id >= 0;
    }
    return rc;
}

enum gis_status scenario_remove_prefix(struct store *st,
                                       const char *prefix,
                                       const char *user,
                                       const char *reason,
                                       size_t *out_n,
                                       struct gis_error *err)
{
    struct remove_ctx c = {prefix, user, reason, 0};
    enum gis_status rc;

    if (!prefix || !*prefix)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "scenario_remove_prefix: an empty prefix");
    rc = in_transaction(st, remove_write, &c, err);
    if (rc == GIS_OK)
        *out_n = c.n;
    return rc;
}

void seat_set_free(struct seat_set *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++) {
        free(s->code[i]);
        free(s->name[i]);
    }
    free(s->xy);
    free(s->code);
    free(s->name);
    memset(s, 0, sizeof *s);
}

static enum gis_status seat_push(struct seat_set *s, size_t *cap, sqlite3_stmt *q)
{
    if (s->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        double *xy = realloc(s->xy, 2 * c * sizeof *xy);
        char **code = xy ? realloc(s->code, c * sizeof *code) : NULL;
        char **name = code ? realloc(s->name, c * sizeof *name) : NULL;
        if (xy)
            s->xy = xy;
        if (code)
            s->code = code;
        if (!name)
            return GIS_ERR_NOMEM;
        s->name = name;
        *cap = c;
    }
    s->code[s->n] = strdup((const char *)sqlite3_column_text(q, 0));
    s->name[s->n] = strdup((const char *)sqlite3_column_text(q, 1));
    s->xy[2 * s->n] = sqlite3_column_double(q, 2);
    s->xy[2 * s->n + 1] = sqlite3_column_double(q, 3);
    s->n++;
    return s->code[s->n - 1] && s->name[s->n - 1] ? GIS_OK : GIS_ERR_NOMEM;
}

enum gis_status seat_set_load(struct store *st, struct seat_set *out, struct gis_error *err)
{
    struct seat_set s = {0};
    size_t cap = 0;
    sqlite3_stmt *q;
    int step;
    enum gis_status rc = store__stmt(
        st,
        "SELECT code, name, X(PointOnSurface(geom)), Y(PointOnSurface(geom)) FROM divisions "
        "WHERE level = 4 AND valid_to IS NULL AND geom IS NOT NULL ORDER BY code",
        &q, err);

    if (rc != GIS_OK)
        return rc;
    while (rc == GIS_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
        rc = seat_push(&s, &cap, q);
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading township seats");
    store__done(q);
    if (rc != GIS_OK) {
        seat_set_free(&s);
        return rc == GIS_ERR_NOMEM ? gis_fail(err, rc, "out of memory") : rc;
    }
    *out = s;
    return GIS_OK;
}
