/*
 * Groups of edits (edit.h, "groups"): one write transaction for several member edits,
 * the coverage of every parent they touch judged before the first write there and again
 * at the end, and one audit row that lists the members' rows so a revert can undo them
 * all. The members themselves are ordinary edits (edit.c) through the same rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "division_validate.h"
#include "edit_int.h"
#include "gbuf.h"
#include "gis_int.h"

#define GROUP_MAX_PARENTS 16

struct touched {
    char code[DIVISION_CODE_MAX];
    struct division_problems before;
};

struct edit_group {
    struct store *st;
    double tol;
    bool is_in_tx;
    int64_t *ids;
    size_t n_ids, cap_ids;
    struct touched parents[GROUP_MAX_PARENTS];
    size_t n_parents;
};

enum gis_status edit_group_begin(struct store *st,
                                 double tolerance_m,
                                 struct edit_group **out,
                                 struct gis_error *err)
{
    struct edit_group *g;
    enum gis_status rc;

    if (!st || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_group_begin: null argument");
    g = calloc(1, sizeof *g);
    if (!g)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    g->st = st;
    g->tol = tolerance_m > 0 ? tolerance_m : EDIT_DEFAULT_TOLERANCE_M;
    rc = store_begin(st, err);
    if (rc != GIS_OK) {
        free(g);
        return rc;
    }
    g->is_in_tx = true;
    *out = g;
    return GIS_OK;
}

enum gis_status edit__group_member(struct edit_group *g, int64_t audit_id, struct gis_error *err)
{
    if (g->n_ids == g->cap_ids) {
        size_t cap = g->cap_ids ? g->cap_ids * 2 : 16;
        void *p = realloc(g->ids, cap * sizeof *g->ids);
        if (!p)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        g->ids = p;
        g->cap_ids = cap;
    }
    g->ids[g->n_ids++] = audit_id;
    return GIS_OK;
}

/* The parent whose coverage a change of code can alter: a village (a seat) counts in
 * its county's check, any other division in its parent's. */
static bool unit_of(const char *code, char out[DIVISION_CODE_MAX])
{
    struct division_code dc, parent;

    if (!code || division_code_parse(code, &dc, NULL) != GIS_OK || !dc.parent[0])
        return false;
    if (dc.level != DIVISION_VILLAGE) {
        snprintf(out, DIVISION_CODE_MAX, "%s", dc.parent);
        return true;
    }
    if (division_code_parse(dc.parent, &parent, NULL) != GIS_OK || !parent.parent[0])
        return false;
    snprintf(out, DIVISION_CODE_MAX, "%s", parent.parent);
    return true;
}

enum gis_status edit__group_touch(struct edit_group *g, const char *code, struct gis_error *err)
{
    char unit[DIVISION_CODE_MAX];
    struct touched *t;
    enum gis_status rc;
    size_t i;

    if (!unit_of(code, unit))
        return GIS_OK;
    for (i = 0; i < g->n_parents; i++)
        if (!strcmp(g->parents[i].code, unit))
            return GIS_OK;
    if (g->n_parents == GROUP_MAX_PARENTS)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "one change may touch at most %d parents",
                        GROUP_MAX_PARENTS);
    t = &g->parents[g->n_parents];
    memset(t, 0, sizeof *t);
    snprintf(t->code, sizeof t->code, "%s", unit);
    rc = division_validate_parent(g->st, unit, g->tol, &t->before, err);
    if (rc == GIS_ERR_NOT_FOUND) {
        division_problems_clear(&t->before);
        return GIS_OK; /* a root of this store: nothing above it to check */
    }
    if (rc == GIS_OK)
        g->n_parents++;
    else
        division_problems_clear(&t->before);
    return rc;
}

/* Where a coverage problem lies: its point, and the extent of its polygon. */
static void problem_place(const struct division_problem *d, struct edit_place *out)
{
    OGRGeometryH g = d->geojson ? OGR_G_CreateGeometryFromJson(d->geojson) : NULL;
    OGREnvelope env;

    memset(out, 0, sizeof *out);
    out->lon = d->lon;
    out->lat = d->lat;
    if (!g)
        return;
    OGR_G_GetEnvelope(g, &env);
    OGR_G_DestroyGeometry(g);
    out->min_lon = env.MinX;
    out->min_lat = env.MinY;
    out->max_lon = env.MaxX;
    out->max_lat = env.MaxY;
    out->has_extent = env.MaxX > env.MinX || env.MaxY > env.MinY;
}

static void describe(struct edit_problems *p, const struct division_problem *d, double tol)
{
    const char *kind = division_problem_kind_name(d->kind);
    struct edit_place at;

    problem_place(d, &at);
    if (d->kind == DIVISION_PROBLEM_SEAT_OUTSIDE)
        edit_problem_add_at(p, &at, "geometry", "the seat of %s lies outside %s (%s) at %.6f %.6f",
                            d->codes[0], d->codes[1], d->detail, d->lon, d->lat);
    else if (d->kind == DIVISION_PROBLEM_OVERLAP)
        edit_problem_add_at(p, &at, "geometry",
                            "%s and %s would overlap by %.1f m² (wider than %g m) at %.6f %.6f",
                            d->codes[0], d->codes[1], d->area_m2, tol, d->lon, d->lat);
    else
        edit_problem_add_at(p, &at, "geometry",
                            "a new %s of %.1f m² in %s%s%s (wider than %g m) at %.6f %.6f", kind,
                            d->area_m2, d->parent, d->codes[0][0] ? " by " : "", d->codes[0], tol,
                            d->lon, d->lat);
}

static enum gis_status check_one(struct edit_group *g,
                                 struct touched *t,
                                 struct edit_problems *problems,
                                 struct gis_error *err)
{
    struct division_problems after = {0};
    struct division_topo *topo = NULL;
    enum gis_status rc = division_validate_parent(g->st, t->code, g->tol, &after, err);
    size_t i;

    if (rc == GIS_ERR_NOT_FOUND) {
        edit_problem_add(problems, NULL, "division %s no longer exists", t->code);
        return GIS_OK;
    }
    for (i = 0; rc == GIS_OK && i < after.n; i++) {
        const struct division_problem *d = &after.items[i];
        if (!topo)
            rc = division_topo_new(d->lon, d->lat, g->tol, &topo, err);
        if (rc == GIS_OK && !division_problem_is_known(topo, d, &t->before))
            describe(problems, d, g->tol);
    }
    division_topo_free(topo);
    division_problems_clear(&after);
    return rc;
}

enum gis_status edit_group_check(struct edit_group *g,
                                 struct edit_problems *problems,
                                 size_t *out_checked,
                                 struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    if (!g || !problems || !g->is_in_tx)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_group_check: no group in progress");
    memset(problems, 0, sizeof *problems);
    for (i = 0; i < g->n_parents && rc == GIS_OK; i++)
        rc = check_one(g, &g->parents[i], problems, err);
    if (rc == GIS_OK && out_checked)
        *out_checked = g->n_parents;
    if (rc == GIS_OK && problems->n)
        return gis_fail(err, GIS_ERR_REJECTED, "%s", problems->items[0].msg);
    return rc;
}

enum gis_status edit_group_commit(struct edit_group *g,
                                  const struct edit_group_summary *s,
                                  int64_t *out_audit_id,
                                  struct gis_error *err)
{
    struct store_audit a;
    struct gbuf after;
    enum gis_status rc;
    size_t i;

    if (!g || !s || !g->is_in_tx)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_group_commit: no group in progress");
    gbuf_init(&after, 1u << 20);
    gbuf_puts(&after, "{\"group\":[");
    for (i = 0; i < g->n_ids; i++)
        gbuf_printf(&after, "%s%lld", i ? "," : "", (long long)g->ids[i]);
    gbuf_puts(&after, "]}");
    a = (struct store_audit){s->user,   s->action, "divisions", s->target_id,
                             s->reason, NULL,      after.data};
    rc = gbuf_status(&after) == GIS_OK ? store_audit_add(g->st, &a, err)
                                       : gis_fail(err, GIS_ERR_TOO_LARGE, "too many members");
    gbuf_free(&after);
    if (rc == GIS_OK && out_audit_id)
        *out_audit_id = sqlite3_last_insert_rowid(store__db(g->st));
    if (rc == GIS_OK)
        rc = store_commit(g->st, err);
    if (rc == GIS_OK)
        g->is_in_tx = false;
    return rc;
}

void edit_group_free(struct edit_group *g)
{
    size_t i;

    if (!g)
        return;
    if (g->is_in_tx)
        store_rollback(g->st);
    for (i = 0; i < g->n_parents; i++)
        division_problems_clear(&g->parents[i].before);
    free(g->ids);
    free(g);
}

enum gis_status edit_group_members(
    struct store *st, int64_t audit_id, int64_t **out_ids, size_t *out_n, struct gis_error *err)
{
    static const char sql[] =
        "SELECT CAST(j.value AS INTEGER) FROM audit a, json_each(a.after, '$.group') j WHERE "
        "a.id = ?1 AND json_valid(a.after) AND json_type(a.after, '$.group') = 'array' ORDER BY "
        "j.key DESC";
    sqlite3_stmt *s;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    enum gis_status rc;

    if (!st || !out_ids || !out_n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "edit_group_members: null argument");
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, audit_id);
    while (rc == GIS_OK && sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            void *p = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
            if (!p) {
                rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
                break;
            }
            ids = p;
        }
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    store__done(s);
    if (rc == GIS_OK && !n)
        rc = GIS_ERR_NOT_FOUND; /* no message: the caller tries a single edit next */
    if (rc != GIS_OK) {
        free(ids);
        return rc;
    }
    *out_ids = ids;
    *out_n = n;
    return GIS_OK;
}

struct store *edit__group_store(const struct edit_group *g)
{
    return g->st;
}
