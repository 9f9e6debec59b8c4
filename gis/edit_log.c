/*
 * A feature's history (its stored versions and the audit rows about it) and the revert
 * of one audited edit, planned from the GeoJSON image the audit row keeps: SQLite's JSON
 * functions take the image apart, so no JSON library is needed in gis/. The revert itself
 * is an ordinary edit through edit_begin/edit_apply, checked by the same rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edit_int.h"
#include "gis_int.h"

#define REVERT_MAX_PROPS 24

/* ---------------------------------------------------------------- history */

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static enum gis_status versions(struct store *st,
                                enum edit_target t,
                                const char *fid,
                                edit_version_fn fn,
                                void *ctx,
                                size_t *n,
                                struct gis_error *err)
{
    static const char sql_div[] = "SELECT id, valid_from, valid_to, change_reason FROM divisions "
                                  "WHERE code = ?1 ORDER BY valid_from, id";
    /* By the key (the text alone would be a scan), the text to refuse "07" for 7. */
    static const char sql_place[] = "SELECT id, valid_from, valid_to, NULL FROM places WHERE "
                                    "id = CAST(?1 AS INTEGER) AND CAST(id AS TEXT) = ?1";
    struct edit_version v;
    sqlite3_stmt *s;
    enum gis_status rc;
    int step;

    if (t == EDIT_FACILITIES) {
        /* Changed in place: the audit rows are its history; it only has to exist. */
        bool found = false;
        rc = edit__exists(st, "SELECT 1 FROM facilities WHERE fid = ?", fid, &found, err);
        *n += found;
        return rc;
    }
    rc = store__stmt(st, t == EDIT_DIVISIONS ? sql_div : sql_place, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, fid, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        v.row_id = sqlite3_column_int64(s, 0);
        v.valid_from = col_text(s, 1);
        v.valid_to = col_text(s, 2);
        v.reason = col_text(s, 3);
        (*n)++;
        rc = fn ? fn(ctx, &v, err) : GIS_OK;
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the versions");
    store__done(s);
    return rc;
}

static enum gis_status changes(struct store *st,
                               const char *table,
                               const char *fid,
                               edit_change_fn fn,
                               void *ctx,
                               size_t *n,
                               struct gis_error *err)
{
    /* A feature's own rows, the rows of the groups they are members of (a division
     * operation: its reason and approval are the group's), and a batch's row (an
     * import) that names it in after.ids (edit_batch_audit). */
    static const char sql[] =
        "SELECT id, at, user, action, reason FROM audit WHERE (target = ?1 AND target_id = ?2) "
        "OR id IN (SELECT g.id FROM audit g, json_each(g.after, '$.group') m WHERE g.after "
        "LIKE '{\"group\":%' AND m.value IN (SELECT id FROM audit WHERE target = ?1 AND "
        "target_id = ?2)) "
        "UNION ALL SELECT id, at, user, action, reason FROM audit a WHERE target = ?1 AND "
        "target_id IS NULL AND action = 'import' AND json_valid(after) AND EXISTS (SELECT 1 "
        "FROM json_each(a.after, '$.ids') j WHERE j.value = ?2) ORDER BY 1";
    struct edit_change c;
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, fid, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        c.audit_id = sqlite3_column_int64(s, 0);
        c.at = col_text(s, 1);
        c.user = col_text(s, 2);
        c.action = col_text(s, 3);
        c.reason = col_text(s, 4);
        (*n)++;
        rc = fn ? fn(ctx, &c, err) : GIS_OK;
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the audit log");
    store__done(s);
    return rc;
}

enum gis_status edit_history(struct store *st,
                             const char *layer_id,
                             const char *fid,
                             edit_version_fn version_fn,
                             edit_change_fn change_fn,
                             void *ctx,
                             struct gis_error *err)
{
    enum edit_target t;
    size_t n = 0;
    enum gis_status rc;

    if (!st || !fid)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_history: null argument");
    if (!edit_layer_target(layer_id, &t, NULL))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "collection '%.60s' has no edit history",
                        layer_id ? layer_id : "");
    rc = versions(st, t, fid, version_fn, ctx, &n, err);
    if (rc == GIS_OK)
        rc = changes(st, edit__table(t)->table, fid, change_fn, ctx, &n, err);
    if (rc == GIS_OK && n == 0)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "%s has no feature '%.60s' and no record of one",
                      layer_id, fid);
    return rc;
}

/* ---------------------------------------------------------------- revert */

struct revert_storage {
    struct edit_prop props[REVERT_MAX_PROPS];
    char *texts[REVERT_MAX_PROPS * 2];
    size_t n_texts;
    char *geometry, *layer;
};

static char *keep(struct revert_storage *rs, const char *text)
{
    char *copy;

    if (!text || rs->n_texts == REVERT_MAX_PROPS * 2 || !(copy = strdup(text)))
        return NULL;
    rs->texts[rs->n_texts++] = copy;
    return copy;
}

/* Written by the write path itself (dates, what follows from the code) or the revert's
 * own (the reason): never taken from the image. */
static bool is_derived(const char *key)
{
    static const char *const skip[] = {"valid_from", "valid_to", "level", "parent_code",
                                       "change_reason"};
    size_t i;

    for (i = 0; i < sizeof skip / sizeof *skip; i++)
        if (!strcmp(key, skip[i]))
            return true;
    return false;
}

static enum edit_json json_kind(const char *type)
{
    if (!strcmp(type, "true") || !strcmp(type, "false"))
        return EDIT_JSON_BOOL;
    if (!strcmp(type, "integer") || !strcmp(type, "real"))
        return EDIT_JSON_NUMBER;
    if (!strcmp(type, "text"))
        return EDIT_JSON_STRING;
    if (!strcmp(type, "array"))
        return EDIT_JSON_ARRAY;
    return !strcmp(type, "object") ? EDIT_JSON_OBJECT : EDIT_JSON_NULL;
}

/* The image's properties and geometry as the input of an edit. */
static enum gis_status image_input(struct store *st,
                                   int64_t audit_id,
                                   struct edit_revert *r,
                                   struct revert_storage *rs,
                                   struct gis_error *err)
{
    static const char sql[] =
        "SELECT j.key, j.type, CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
        "ELSE CAST(j.value AS TEXT) END FROM audit a, json_each(a.before, '$.properties') j "
        "WHERE a.id = ?1";
    sqlite3_stmt *s;
    size_t n = 0;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, audit_id);
    while (sqlite3_step(s) == SQLITE_ROW && n < REVERT_MAX_PROPS) {
        const char *key = col_text(s, 0);
        struct edit_prop *p = &rs->props[n];
        if (!key || is_derived(key))
            continue;
        p->name = keep(rs, key);
        p->type = json_kind(col_text(s, 1));
        p->text = p->type == EDIT_JSON_NULL ? NULL : keep(rs, col_text(s, 2));
        if (!p->name || (p->type != EDIT_JSON_NULL && !p->text))
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        n++;
    }
    store__done(s);
    r->in.props = rs->props;
    r->in.n_props = n;
    return rc;
}

static bool is_edit_action(const char *action)
{
    static const char *const edits[] = {"create", "replace", "update", "delete", "revert"};
    size_t i;

    for (i = 0; action && i < sizeof edits / sizeof *edits; i++)
        if (!strcmp(action, edits[i]))
            return true;
    return false;
}

/* Whether audit row s (target, target_id, action, before, after) records a feature edit. */
static enum gis_status revertible(sqlite3_stmt *s, int64_t audit_id, struct gis_error *err)
{
    const char *target = col_text(s, 0), *action = col_text(s, 2);
    bool has_image =
        sqlite3_column_type(s, 3) != SQLITE_NULL || sqlite3_column_type(s, 4) != SQLITE_NULL;
    enum edit_target t;
    int level;

    /* A demand point's row is a group member's (a division operation re-linked it): it is
     * undone with its group, whose revert joins the edit to a group again. */
    if (col_text(s, 1) && edit__target(target, true, &t, &level) && is_edit_action(action) &&
        has_image)
        return GIS_OK;
    return gis_fail(err, GIS_ERR_INVALID_ARG,
                    "audit %lld is a '%s' of %s, not a feature edit: it cannot be reverted",
                    (long long)audit_id, action ? action : "?", target ? target : "?");
}

/* Which edit undoes the audited one: a create by a delete, a delete by a create, any
 * other change by a replace with the state before it. */
static enum gis_status plan(struct store *st,
                            sqlite3_stmt *s,
                            struct edit_revert *r,
                            struct revert_storage *rs,
                            struct gis_error *err)
{
    bool has_before = sqlite3_column_type(s, 3) != SQLITE_NULL;
    bool has_after = sqlite3_column_type(s, 4) != SQLITE_NULL;
    const char *geometry = col_text(s, 5);
    enum gis_status rc = revertible(s, r->audit_id, err);

    if (rc != GIS_OK)
        return rc;
    snprintf(r->target_id, sizeof r->target_id, "%s", col_text(s, 1));
    snprintf(r->action, sizeof r->action, "%s", col_text(s, 2));
    rs->layer = keep(rs, col_text(s, 0));
    r->in.layer_id = rs->layer;
    r->in.fid = r->target_id;
    r->in.action = !has_before ? EDIT_DELETE : !has_after ? EDIT_CREATE : EDIT_REPLACE;
    r->in.audit_as = "revert";
    r->in.is_override = true;
    r->in.revert_of = r->audit_id;
    if (r->in.action == EDIT_DELETE)
        return rs->layer ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    r->in.has_geometry = true;
    r->in.geometry = rs->geometry = geometry ? strdup(geometry) : NULL;
    /* A division re-created keeps the seat it had, not one computed from its polygon. */
    r->in.has_seat =
        sqlite3_column_type(s, 6) != SQLITE_NULL && sqlite3_column_type(s, 7) != SQLITE_NULL;
    r->in.seat_lon = sqlite3_column_double(s, 6);
    r->in.seat_lat = sqlite3_column_double(s, 7);
    if (!rs->layer || (geometry && !rs->geometry))
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return image_input(st, r->audit_id, r, rs, err);
}

enum gis_status edit_revert_plan(struct store *st,
                                 int64_t audit_id,
                                 struct edit_revert **out,
                                 struct gis_error *err)
{
    static const char sql[] =
        "SELECT target, target_id, action, before, after, "
        "json_extract(before, '$.geometry'), json_extract(before, '$.seat.coordinates[0]'), "
        "json_extract(before, '$.seat.coordinates[1]') FROM audit WHERE id = ?1";
    struct edit_revert *r;
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!st || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_revert_plan: null argument");
    r = calloc(1, sizeof *r);
    if (!r || !(r->storage = calloc(1, sizeof(struct revert_storage)))) {
        free(r);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    r->audit_id = audit_id;
    rc = store__stmt(st, sql, &s, err);
    if (rc == GIS_OK) {
        sqlite3_bind_int64(s, 1, audit_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            rc = plan(st, s, r, r->storage, err);
        else
            rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no audit row %lld", (long long)audit_id);
        store__done(s);
    }
    if (rc != GIS_OK) {
        edit_revert_free(r);
        return rc;
    }
    *out = r;
    return GIS_OK;
}

void edit_revert_free(struct edit_revert *r)
{
    struct revert_storage *rs;
    size_t i;

    if (!r)
        return;
    rs = r->storage;
    for (i = 0; rs && i < rs->n_texts; i++)
        free(rs->texts[i]);
    if (rs)
        free(rs->geometry);
    free(rs);
    free(r);
}
