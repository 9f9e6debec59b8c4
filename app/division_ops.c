/*
 * Division operations (division_ops.h): each reads the divisions it changes, works out
 * the new geometries with gis/division_topo, and writes every row as a member edit of
 * one group through editor_group_run, so the write path's rules, versions, audit and
 * the group's coverage check apply to all of it. No SQL and no HTTP here.
 */
#include "division_ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROPS 12

void division_op_result_free(struct division_op_result *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n; i++)
        free(r->items[i].geojson);
    free(r->items);
    free(r);
}

static struct division_change *result_add(struct division_op_result *r,
                                          const char *code,
                                          const char *former,
                                          const char *parent,
                                          const char *action,
                                          const char *name,
                                          const char *geojson)
{
    struct division_change *c;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        void *p = realloc(r->items, cap * sizeof *r->items);
        if (!p)
            return NULL;
        r->items = p;
        r->cap = cap;
    }
    c = &r->items[r->n];
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "%s", code);
    snprintf(c->former_code, sizeof c->former_code, "%s", former ? former : "");
    snprintf(c->parent, sizeof c->parent, "%s", parent ? parent : "");
    snprintf(c->action, sizeof c->action, "%s", action);
    snprintf(c->name, sizeof c->name, "%s", name ? name : "");
    if (geojson && !(c->geojson = strdup(geojson)))
        return NULL;
    r->n++;
    return c;
}

/* ---------------------------------------------------------------- members */

/* The reason every member row carries: why, the approval document, a note. */
struct op_ctx {
    const struct division_op_common *c;
    const struct auth_identity *who;
    struct division_op_result *res;
    char reason[GIS_ERROR_MSG_MAX];
};

static void op_reason(struct op_ctx *o, char *out, size_t size, const char *note)
{
    if (snprintf(out, size, "%s%s%s", o->reason, note ? "; " : "", note ? note : "") >= (int)size)
        out[size - 1] = '\0'; /* a long reason loses its note's end, not the reason */
}

static void prop(struct edit_prop *p, size_t *n, const char *name, enum edit_json t, const char *v)
{
    if (!v && t != EDIT_JSON_NULL)
        return;
    p[*n] = (struct edit_prop){name, v ? t : EDIT_JSON_NULL, v};
    (*n)++;
}

static enum gis_status member(struct op_ctx *o,
                              struct store *st,
                              struct edit_group *g,
                              struct edit_input *in,
                              struct edit_problems *problems,
                              struct gis_error *err)
{
    in->effective_date = o->c->valid_from;
    in->tolerance_m = o->c->tolerance_m;
    if (!in->reason)
        in->reason = o->reason;
    return editor_group_edit(st, g, o->who, in, problems, err);
}

/* Changes a division's polygon (an update: everything else stays); note (may be NULL)
 * joins the reason. */
static enum gis_status set_polygon(struct op_ctx *o,
                                   struct store *st,
                                   struct edit_group *g,
                                   const struct division_row *row,
                                   const unsigned char *wkb,
                                   size_t n,
                                   const char *note,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    char *json = division_wkb_geojson(wkb, n);
    char why[GIS_ERROR_MSG_MAX];
    struct edit_input in = {.layer_id = "divisions",
                            .action = EDIT_UPDATE,
                            .fid = row->code,
                            .has_geometry = true,
                            .geometry = json,
                            .reason = why};
    enum gis_status rc;

    op_reason(o, why, sizeof why, note);
    rc =
        json ? member(o, st, g, &in, problems, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK &&
        !result_add(o->res, row->code, NULL, row->parent, "changed", row->name, json))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    free(json);
    return rc;
}

/* What an operation reshapes: the divisions it changes (codes, all under parent), their
 * new polygons and old ones. */
struct reshaped {
    const char *parent;
    const char *const *codes;
    size_t n_codes;
    struct division_node_input polys;
};

static bool is_reshaped(const struct reshaped *r, const char *code)
{
    size_t i;

    for (i = 0; i < r->n_codes; i++)
        if (!strcmp(r->codes[i], code))
            return true;
    return false;
}

/* Where a cut or an area meets the border of a sibling the operation leaves alone, the
 * new polygons have a vertex the sibling lacks: the sibling gets it too, in a changed
 * polygon from the same date (its shape the same), so the siblings keep sharing their
 * borders vertex for vertex and the tiles draw no sliver between them. Read before the
 * operation writes anything (the siblings then are the ones it found). */
static enum gis_status node_siblings(struct op_ctx *o,
                                     struct store *st,
                                     struct edit_group *g,
                                     struct division_topo *t,
                                     const struct reshaped *r,
                                     struct edit_problems *problems,
                                     struct gis_error *err)
{
    struct division_row *kids = NULL;
    size_t n = 0, i;
    char note[64];
    enum gis_status rc = division_rows_children(st, r->parent, &kids, &n, err);

    snprintf(note, sizeof note, "a vertex of the new border of %s", r->codes[0]);
    for (i = 0; i < n && rc == GIS_OK; i++) {
        unsigned char *w = NULL;
        size_t wn = 0;
        if (!kids[i].wkb || is_reshaped(r, kids[i].code))
            continue;
        rc = division_topo_node(t, kids[i].wkb, kids[i].wkb_n, &r->polys, &w, &wn, err);
        if (rc == GIS_OK && w)
            rc = set_polygon(o, st, g, &kids[i], w, wn, note, problems, err);
        free(w);
    }
    division_rows_free(kids, n);
    return rc;
}

/* A copy of row under new_code (its geometry, or its seat for a village), noting the
 * former code. */
/* What a created row takes from elsewhere than its template (NULL: the template's). */
struct row_override {
    const char *name;
    const unsigned char *wkb;
    size_t wkb_n;
    long long population, elderly_60plus; /* used when is_counted */
    bool is_counted;
};

static enum gis_status create_row(struct op_ctx *o,
                                  struct store *st,
                                  struct edit_group *g,
                                  const struct division_row *row,
                                  const char *new_code,
                                  const struct row_override *ov,
                                  struct edit_problems *problems,
                                  struct gis_error *err);

static enum gis_status create_copy(struct op_ctx *o,
                                   struct store *st,
                                   struct edit_group *g,
                                   const struct division_row *row,
                                   const char *new_code,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    static const struct row_override none = {0};

    return create_row(o, st, g, row, new_code, &none, problems, err);
}

/* The properties of a row created from row (with ov's): text in buf. */
struct row_texts {
    char pop[24], old[24];
};

static size_t row_props(struct edit_prop *props,
                        const struct division_row *row,
                        const char *new_code,
                        const char *name,
                        const struct row_override *ov,
                        struct row_texts *t)
{
    long long n_pop = ov->is_counted ? ov->population : row->population;
    long long n_old = ov->is_counted ? ov->elderly_60plus : row->elderly_60plus;
    size_t n = 0;

    snprintf(t->pop, sizeof t->pop, "%lld", n_pop);
    snprintf(t->old, sizeof t->old, "%lld", n_old);
    prop(props, &n, "code", EDIT_JSON_STRING, new_code);
    prop(props, &n, "name", EDIT_JSON_STRING, name);
    prop(props, &n, "kind", EDIT_JSON_STRING, row->kind);
    prop(props, &n, "urban_rural_code", EDIT_JSON_STRING, row->urban_rural_code);
    prop(props, &n, "pinyin", EDIT_JSON_STRING, row->pinyin);
    prop(props, &n, "population", EDIT_JSON_NUMBER, n_pop >= 0 ? t->pop : NULL);
    prop(props, &n, "elderly_60plus", EDIT_JSON_NUMBER, n_old >= 0 ? t->old : NULL);
    prop(props, &n, "synthetic", EDIT_JSON_BOOL, row->is_synthetic ? "true" : "false");
    return n;
}

static enum gis_status create_row(struct op_ctx *o,
                                  struct store *st,
                                  struct edit_group *g,
                                  const struct division_row *row,
                                  const char *new_code,
                                  const struct row_override *ov,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct edit_prop props[MAX_PROPS];
    struct row_texts texts;
    char seat[96], why[GIS_ERROR_MSG_MAX], note[64];
    const unsigned char *wkb = ov->wkb ? ov->wkb : row->wkb;
    const char *name = ov->name ? ov->name : row->name;
    char *json = wkb ? division_wkb_geojson(wkb, ov->wkb ? ov->wkb_n : row->wkb_n) : NULL;
    struct edit_input in = {.layer_id = "divisions",
                            .action = EDIT_CREATE,
                            .has_geometry = true,
                            .props = props,
                            .reason = why};
    enum gis_status rc = wkb && !json ? gis_fail(err, GIS_ERR_NOMEM, "out of memory") : GIS_OK;

    snprintf(seat, sizeof seat, "{\"type\":\"Point\",\"coordinates\":[%.17g,%.17g]}", row->seat_lon,
             row->seat_lat);
    snprintf(note, sizeof note, "%s %s", ov->wkb ? "made from" : "former code", row->code);
    op_reason(o, why, sizeof why, note);
    in.n_props = row_props(props, row, new_code, name, ov, &texts);
    in.geometry = wkb ? json : seat;
    in.has_seat = row->has_seat; /* a township keeps its seat, not a computed one */
    in.seat_lon = row->seat_lon;
    in.seat_lat = row->seat_lat;
    in.replaces = strcmp(name, row->name) ? NULL : row->code; /* a copy keeps its name */
    if (rc == GIS_OK)
        rc = member(o, st, g, &in, problems, err);
    if (rc == GIS_OK && !result_add(o->res, new_code, ov->wkb ? NULL : row->code, NULL, "created",
                                    name, in.geometry))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    free(json);
    return rc;
}

static enum gis_status close_row(struct op_ctx *o,
                                 struct store *st,
                                 struct edit_group *g,
                                 const struct division_row *row,
                                 struct edit_problems *problems,
                                 struct gis_error *err)
{
    struct edit_input in = {.layer_id = "divisions", .action = EDIT_DELETE, .fid = row->code};
    enum gis_status rc = member(o, st, g, &in, problems, err);

    if (rc == GIS_OK &&
        !result_add(o->res, row->code, NULL, row->parent, "closed", row->name, NULL))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return rc;
}

/* What names a division by its division_code and follows it when the division's code
 * changes or the area it lies in moves to another: facilities, and the demand points
 * (the demand layer's link to its township). Each moves as a member edit of the group,
 * audited, checked inside its new division, undone by the group's revert. */
static const char *const LINKED[] = {"facilities", "demand"};

static enum gis_status move_point(struct op_ctx *o,
                                  struct store *st,
                                  struct edit_group *g,
                                  const char *layer,
                                  const char *fid,
                                  const char *code,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct edit_prop p = {"division_code", EDIT_JSON_STRING, code};
    struct edit_input in = {
        .layer_id = layer, .action = EDIT_UPDATE, .fid = fid, .props = &p, .n_props = 1};
    struct division_change *c;
    enum gis_status rc = member(o, st, g, &in, problems, err);

    if (rc != GIS_OK)
        return rc;
    c = result_add(o->res, fid, NULL, code, "moved", NULL, NULL);
    if (!c)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    snprintf(c->layer, sizeof c->layer, "%s", layer);
    return GIS_OK;
}

/* The facilities and demand points naming old_code get new_code; only those in piece
 * (WKB) when given. */
static enum gis_status move_linked(struct op_ctx *o,
                                   struct store *st,
                                   struct edit_group *g,
                                   const char *old_code,
                                   const char *new_code,
                                   struct division_topo *t,
                                   const unsigned char *piece,
                                   size_t piece_n,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t k, i;

    for (k = 0; k < sizeof LINKED / sizeof *LINKED && rc == GIS_OK; k++) {
        struct division_point *pt = NULL;
        size_t n = 0;
        rc = division_points(st, LINKED[k], old_code, &pt, &n, err);
        for (i = 0; i < n && rc == GIS_OK; i++)
            if (!piece || division_topo_covers(t, piece, piece_n, pt[i].lon, pt[i].lat))
                rc = move_point(o, st, g, LINKED[k], pt[i].fid, new_code, problems, err);
        free(pt);
    }
    return rc;
}

static enum gis_status reject(struct edit_problems *p, struct gis_error *err, const char *msg)
{
    edit_problem_add(p, NULL, "%s", msg);
    return gis_fail(err, GIS_ERR_REJECTED, "%s", msg);
}

/* Whether who's scope holds code, asked before any geometry is worked out, so that a
 * caller outside it learns nothing of the divisions' state (the write path asks again
 * for every member). */
static enum gis_status scope_check(const struct op_ctx *o, const char *code, struct gis_error *err)
{
    if (auth_scope_covers(o->who, code))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_FORBIDDEN, "%s is outside the scope of %s (division %s)", code,
                    o->who->name, o->who->scope);
}

/* The next free code under parent at level (one more than any ever used). */
static enum gis_status next_code(struct store *st,
                                 const char *parent,
                                 int level,
                                 char out[DIVISION_CODE_MAX],
                                 struct gis_error *err)
{
    char max[DIVISION_CODE_MAX];
    size_t plen = strlen(parent);
    long long v = 0;
    enum gis_status rc = division_code_max(st, parent, level, max, err);

    if (rc != GIS_OK)
        return rc;
    if (max[0]) {
        char *end;
        v = strtoll(max + plen, &end, 10);
    }
    if (v >= 999)
        return gis_fail(err, GIS_ERR_REJECTED, "no free code is left under %s", parent);
    if (snprintf(out, DIVISION_CODE_MAX, "%s%03lld", parent, v + 1) >= DIVISION_CODE_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s has no room for a child code", parent);
    return GIS_OK;
}

static enum gis_status recode_tree(struct op_ctx *o,
                                   struct store *st,
                                   struct edit_group *g,
                                   const struct division_row *row,
                                   const char *new_code,
                                   int depth,
                                   struct edit_problems *problems,
                                   struct gis_error *err);

/* ---------------------------------------------------------------- transfer-area */

struct transfer_ctx {
    struct op_ctx o;
    const struct division_transfer_input *in;
};

static enum gis_status transfer_check(const struct division_transfer_input *in,
                                      const struct division_row *from,
                                      const struct division_row *to,
                                      const struct division_transfer *x,
                                      double tol,
                                      struct edit_problems *p,
                                      struct gis_error *err)
{
    char msg[GIS_ERROR_MSG_MAX];

    if (x->new_from_parts == 0)
        snprintf(msg, sizeof msg,
                 "the area covers all of %s: it would be left empty (merge the "
                 "divisions instead)",
                 from->code);
    else if (x->new_from_parts > x->from_parts && !in->may_split)
        snprintf(msg, sizeof msg,
                 "%s would be left in %d pieces (it has %d); ask for it with "
                 "may_split",
                 from->code, x->new_from_parts, x->from_parts);
    else if (x->gap_m > tol)
        snprintf(msg, sizeof msg, "the piece of %s in the area does not touch %s (%.1f m away)",
                 from->code, to->code, x->gap_m);
    else
        return GIS_OK;
    return reject(p, err, msg);
}

static enum gis_status transfer_villages(struct transfer_ctx *tc,
                                         struct store *st,
                                         struct edit_group *g,
                                         struct division_topo *t,
                                         const struct division_row *to,
                                         const struct division_transfer *x,
                                         struct edit_problems *problems,
                                         struct gis_error *err)
{
    struct division_row *kids = NULL;
    size_t n = 0, i;
    char code[DIVISION_CODE_MAX];
    enum gis_status rc = division_rows_children(st, tc->in->from, &kids, &n, err);

    for (i = 0; i < n && rc == GIS_OK; i++) {
        const struct division_row *v = &kids[i];
        if (v->wkb || !v->has_seat ||
            !division_topo_covers(t, x->piece_wkb, x->piece_wkb_n, v->seat_lon, v->seat_lat))
            continue;
        rc = next_code(st, to->code, v->level, code, err);
        if (rc == GIS_OK) /* the facilities naming the village follow its new code */
            rc = recode_tree(&tc->o, st, g, v, code, 1, problems, err);
    }
    division_rows_free(kids, n);
    return rc;
}

static enum gis_status transfer_write(struct transfer_ctx *tc,
                                      struct store *st,
                                      struct edit_group *g,
                                      struct division_topo *t,
                                      const struct division_row *from,
                                      const struct division_row *to,
                                      const struct division_transfer *x,
                                      struct edit_problems *problems,
                                      struct gis_error *err)
{
    const char *codes[2] = {from->code, to->code};
    const unsigned char *wkb[2] = {x->from_wkb, x->to_wkb}, *old[2] = {from->wkb, to->wkb};
    size_t wkb_n[2] = {x->from_wkb_n, x->to_wkb_n}, old_n[2] = {from->wkb_n, to->wkb_n};
    struct reshaped r = {from->parent, codes, 2, {wkb, wkb_n, 2, old, old_n, 2}};
    enum gis_status rc = node_siblings(&tc->o, st, g, t, &r, problems, err);

    if (rc == GIS_OK)
        rc = set_polygon(&tc->o, st, g, from, x->from_wkb, x->from_wkb_n, NULL, problems, err);
    if (rc == GIS_OK)
        rc = set_polygon(&tc->o, st, g, to, x->to_wkb, x->to_wkb_n, NULL, problems, err);
    if (rc == GIS_OK)
        rc = transfer_villages(tc, st, g, t, to, x, problems, err);
    if (rc == GIS_OK)
        rc = move_linked(&tc->o, st, g, from->code, to->code, t, x->piece_wkb, x->piece_wkb_n,
                         problems, err);
    tc->o.res->area_before_m2 = x->from_area_m2 + x->to_area_m2;
    tc->o.res->area_after_m2 = x->new_from_area_m2 + x->new_to_area_m2;
    tc->o.res->moved_area_m2 = x->piece_area_m2;
    return rc;
}

static enum gis_status transfer_rows(const struct op_ctx *o,
                                     const struct division_transfer_input *in,
                                     struct store *st,
                                     struct division_row **from,
                                     struct division_row **to,
                                     struct edit_problems *problems,
                                     struct gis_error *err)
{
    char msg[GIS_ERROR_MSG_MAX];
    enum gis_status rc = division_row_get(st, in->from, from, err);

    if (rc == GIS_OK)
        rc = division_row_get(st, in->to, to, err);
    if (rc == GIS_OK)
        rc = scope_check(o, (*from)->code, err);
    if (rc == GIS_OK)
        rc = scope_check(o, (*to)->code, err);
    if (rc != GIS_OK)
        return rc;
    if (!strcmp((*from)->code, (*to)->code))
        return reject(problems, err, "from and to are the same division");
    if (!(*from)->wkb || !(*to)->wkb)
        return reject(problems, err, "both divisions need polygons (a village has only a seat)");
    if (strcmp((*from)->parent, (*to)->parent) || (*from)->level != (*to)->level) {
        snprintf(msg, sizeof msg,
                 "%s lies in %s and %s in %s: a transfer across the border of their parent is "
                 "refused (change the parents first)",
                 (*from)->code, (*from)->parent, (*to)->code, (*to)->parent);
        return reject(problems, err, msg);
    }
    return GIS_OK;
}

static enum gis_status transfer_run(void *ctx,
                                    struct store *st,
                                    struct edit_group *g,
                                    struct edit_problems *problems,
                                    struct gis_error *err)
{
    struct transfer_ctx *tc = ctx;
    struct division_row *from = NULL, *to = NULL;
    struct division_topo *t = NULL;
    struct division_transfer x = {0};
    unsigned char *area = NULL;
    size_t area_n = 0;
    enum gis_status rc = transfer_rows(&tc->o, tc->in, st, &from, &to, problems, err);

    if (rc == GIS_OK)
        rc = division_geojson_wkb(tc->in->area, &area, &area_n, err);
    if (rc == GIS_OK)
        rc = division_topo_new(from->seat_lon, from->seat_lat, tc->in->c.tolerance_m, &t, err);
    if (rc == GIS_OK)
        rc = division_topo_transfer(t, from->wkb, from->wkb_n, to->wkb, to->wkb_n, area, area_n, &x,
                                    err);
    if (rc == GIS_ERR_REJECTED)
        edit_problem_add(problems, "area", "%s", err ? err->msg : "nothing to move");
    if (rc == GIS_OK)
        rc = transfer_check(tc->in, from, to, &x, division_topo_tolerance(t), problems, err);
    if (rc == GIS_OK)
        rc = transfer_write(tc, st, g, t, from, to, &x, problems, err);
    division_transfer_clear(&x);
    division_topo_free(t);
    free(area);
    division_row_free(from);
    division_row_free(to);
    return rc;
}

/* ---------------------------------------------------------------- the frame */

static enum gis_status
common_check(const struct division_op_common *c, struct edit_problems *p, struct gis_error *err)
{
    char date[11];

    if (!c->reason || !*c->reason)
        return reject(p, err, "a division operation needs a reason (and its approval document)");
    if (c->valid_from && !edit_date_parse(c->valid_from, date))
        return reject(p, err, "valid_from must be a date YYYY-MM-DD");
    return GIS_OK;
}

typedef enum gis_status (*op_fn)(
    void *, struct store *, struct edit_group *, struct edit_problems *, struct gis_error *);

/* Runs fn as one group; the result goes to out on success. */
static enum gis_status run_op(struct editor *ed,
                              struct op_ctx *o,
                              const char *action,
                              const char *target,
                              op_fn fn,
                              void *ctx,
                              struct division_op_result **out,
                              struct edit_problems *problems,
                              struct gis_error *err)
{
    struct edit_group_summary sum = {NULL, action, target, o->reason};
    struct division_op_result *r;
    enum gis_status rc;

    if (!ed || !o->who || !out || !problems)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division operation: null argument");
    memset(problems, 0, sizeof *problems);
    rc = common_check(o->c, problems, err);
    if (rc != GIS_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (!r)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    r->is_dry_run = o->c->is_dry_run;
    o->res = r;
    snprintf(o->reason, sizeof o->reason, "%s%s%s%s", o->c->reason,
             o->c->approval_doc && *o->c->approval_doc ? " (approval: " : "",
             o->c->approval_doc && *o->c->approval_doc ? o->c->approval_doc : "",
             o->c->approval_doc && *o->c->approval_doc ? ")" : "");
    rc = editor_group_run(ed, o->who, o->c->tolerance_m, o->c->is_dry_run, fn, ctx, &sum,
                          &r->audit_id, &r->parents_checked, problems, err);
    if (rc != GIS_OK) {
        division_op_result_free(r);
        return rc;
    }
    *out = r;
    return GIS_OK;
}

enum gis_status division_ops_transfer(struct editor *ed,
                                      const struct auth_identity *who,
                                      const struct division_transfer_input *in,
                                      struct division_op_result **out,
                                      struct edit_problems *problems,
                                      struct gis_error *err)
{
    struct transfer_ctx tc = {{0}, in};
    char target[40];

    if (!in || !in->from || !in->to || !in->area)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "transfer-area needs from, to and area");
    tc.o.c = &in->c;
    tc.o.who = who;
    snprintf(target, sizeof target, "%.12s>%.12s", in->from, in->to);
    return run_op(ed, &tc.o, "transfer-area", target, transfer_run, &tc, out, problems, err);
}

/* ---------------------------------------------------------------- rename */

struct rename_ctx {
    struct op_ctx o;
    const char *code, *name, *pinyin;
};

static enum gis_status rename_run(void *ctx,
                                  struct store *st,
                                  struct edit_group *g,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct rename_ctx *rc_ = ctx;
    struct division_row *row = NULL;
    struct edit_prop props[2];
    size_t n = 0;
    struct edit_input in = {
        .layer_id = "divisions", .action = EDIT_UPDATE, .fid = rc_->code, .props = props};
    char note[200], why[GIS_ERROR_MSG_MAX];
    enum gis_status rc = division_row_get(st, rc_->code, &row, err);

    if (rc == GIS_OK)
        rc = scope_check(&rc_->o, row->code, err);
    if (rc != GIS_OK) {
        division_row_free(row);
        return rc;
    }
    prop(props, &n, "name", EDIT_JSON_STRING, rc_->name);
    prop(props, &n, "pinyin", EDIT_JSON_STRING, rc_->pinyin);
    in.n_props = n;
    snprintf(note, sizeof note, "former name %.150s", row->name);
    op_reason(&rc_->o, why, sizeof why, note);
    in.reason = why;
    rc = member(&rc_->o, st, g, &in, problems, err);
    if (rc == GIS_OK &&
        !result_add(rc_->o.res, row->code, NULL, row->parent, "changed", rc_->name, NULL))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    division_row_free(row);
    return rc;
}

enum gis_status division_ops_rename(struct editor *ed,
                                    const struct auth_identity *who,
                                    const struct division_op_common *c,
                                    const char *code,
                                    const char *name,
                                    const char *pinyin,
                                    struct division_op_result **out,
                                    struct edit_problems *problems,
                                    struct gis_error *err)
{
    struct rename_ctx rc_ = {{c, who, NULL, ""}, code, name, pinyin};

    if (!c || !code || !name || !*name)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "rename-division needs a code and a new name");
    return run_op(ed, &rc_.o, "rename-division", code, rename_run, &rc_, out, problems, err);
}

/* ---------------------------------------------------------------- recode */

struct recode_ctx {
    struct op_ctx o;
    const char *code;
    struct division_code to;
};

/* row and everything below it under new_code: the new rows first (a child's parent must
 * exist), the facilities moved, the old rows closed last (children before parents). */
static enum gis_status recode_tree(struct op_ctx *o,
                                   struct store *st,
                                   struct edit_group *g,
                                   const struct division_row *row,
                                   const char *new_code,
                                   int depth,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    struct division_row *kids = NULL;
    size_t n = 0, i, plen = strlen(row->code);
    char code[DIVISION_CODE_MAX];
    enum gis_status rc = create_copy(o, st, g, row, new_code, problems, err);

    if (rc == GIS_OK)
        rc = move_linked(o, st, g, row->code, new_code, NULL, NULL, 0, problems, err);
    if (rc == GIS_OK && depth < 3)
        rc = division_rows_children(st, row->code, &kids, &n, err);
    for (i = 0; i < n && rc == GIS_OK; i++) {
        snprintf(code, sizeof code, "%s%s", new_code, kids[i].code + plen);
        rc = recode_tree(o, st, g, &kids[i], code, depth + 1, problems, err);
    }
    division_rows_free(kids, n);
    return rc == GIS_OK ? close_row(o, st, g, row, problems, err) : rc;
}

static enum gis_status recode_run(void *ctx,
                                  struct store *st,
                                  struct edit_group *g,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct recode_ctx *x = ctx;
    struct division_row *row = NULL, *taken = NULL;
    char msg[GIS_ERROR_MSG_MAX];
    enum gis_status rc = division_row_get(st, x->code, &row, err);

    if (rc == GIS_OK)
        rc = scope_check(&x->o, row->code, err);
    if (rc == GIS_OK)
        rc = scope_check(&x->o, x->to.code, err);
    if (rc == GIS_OK && (int)x->to.level != row->level) {
        snprintf(msg, sizeof msg, "%s is a %s; %s would make it a %s", row->code,
                 division_level_name(row->level), x->to.code,
                 division_level_name((int)x->to.level));
        rc = reject(problems, err, msg);
    }
    if (rc == GIS_OK && division_row_get(st, x->to.code, &taken, NULL) == GIS_OK) {
        snprintf(msg, sizeof msg, "code %s is taken by %s", x->to.code, taken->name);
        rc = reject(problems, err, msg);
    }
    if (rc == GIS_OK)
        rc = recode_tree(&x->o, st, g, row, x->to.code, 0, problems, err);
    division_row_free(taken);
    division_row_free(row);
    return rc;
}

enum gis_status division_ops_recode(struct editor *ed,
                                    const struct auth_identity *who,
                                    const struct division_op_common *c,
                                    const char *code,
                                    const char *new_code,
                                    struct division_op_result **out,
                                    struct edit_problems *problems,
                                    struct gis_error *err)
{
    struct recode_ctx x;
    char target[40];
    enum gis_status rc;

    if (!c || !code || !new_code)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "recode-division needs a code and a new code");
    memset(&x, 0, sizeof x);
    x.o.c = c;
    x.o.who = who;
    x.code = code;
    rc = division_code_parse(new_code, &x.to, err);
    if (rc != GIS_OK)
        return rc;
    snprintf(target, sizeof target, "%.12s>%.12s", code, x.to.code);
    return run_op(ed, &x.o, "recode-division", target, recode_run, &x, out, problems, err);
}

/* ---------------------------------------------------------------- merge */

struct merge_ctx {
    struct op_ctx o;
    const struct division_merge_input *in;
    struct division_row **rows; /* in->codes' rows, in order */
    const struct division_row *into;
    struct division_code new_code;
    long long population, elderly_60plus; /* summed; -1 when one is unknown */
};

/* Each code's current row, in the caller's scope. */
static enum gis_status merge_read(struct merge_ctx *m, struct store *st, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < m->in->n_codes && rc == GIS_OK; i++) {
        rc = division_row_get(st, m->in->codes[i], &m->rows[i], err);
        if (rc == GIS_OK)
            rc = scope_check(&m->o, m->rows[i]->code, err);
    }
    return rc;
}

static long long sum_known(long long a, long long b)
{
    return a < 0 || b < 0 ? -1 : a + b;
}

/* Polygons of one parent and level, each named once; into found; the counts summed. */
static enum gis_status
merge_siblings(struct merge_ctx *m, struct edit_problems *p, struct gis_error *err)
{
    const struct division_row *a = m->rows[0];
    char msg[GIS_ERROR_MSG_MAX];
    size_t i, j;

    m->population = m->elderly_60plus = 0;
    for (i = 0; i < m->in->n_codes; i++) {
        const struct division_row *b = m->rows[i];
        for (j = 0; j < i; j++)
            if (!strcmp(m->rows[j]->code, b->code))
                return reject(p, err, "a division is named twice in codes");
        if (!b->wkb)
            return reject(p, err, "merge-divisions needs polygons (a village has only a seat)");
        if (strcmp(a->parent, b->parent) || a->level != b->level) {
            snprintf(msg, sizeof msg,
                     "%s lies in %s and %s in %s: only divisions of one parent merge", a->code,
                     a->parent, b->code, b->parent);
            return reject(p, err, msg);
        }
        if (m->in->into && !strcmp(b->code, m->in->into))
            m->into = b;
        m->population = sum_known(m->population, b->population);
        m->elderly_60plus = sum_known(m->elderly_60plus, b->elderly_60plus);
    }
    if (m->in->into && !m->into)
        return reject(p, err, "into must be one of codes");
    return GIS_OK;
}

/* A new code: of their level under their parent, in scope, not taken. */
static enum gis_status merge_new_code(struct merge_ctx *m,
                                      struct store *st,
                                      struct edit_problems *p,
                                      struct gis_error *err)
{
    const struct division_row *a = m->rows[0];
    struct division_row *taken = NULL;
    char msg[GIS_ERROR_MSG_MAX];
    enum gis_status rc;

    if (strcmp(m->new_code.parent, a->parent) || (int)m->new_code.level != a->level) {
        snprintf(msg, sizeof msg, "the new code %s must be a %s under %s", m->new_code.code,
                 division_level_name(a->level), a->parent);
        return reject(p, err, msg);
    }
    rc = scope_check(&m->o, m->new_code.code, err);
    if (rc == GIS_OK && division_row_get(st, m->new_code.code, &taken, NULL) == GIS_OK) {
        snprintf(msg, sizeof msg, "code %s is taken by %s", m->new_code.code, taken->name);
        rc = reject(p, err, msg);
    }
    division_row_free(taken);
    return rc;
}

static enum gis_status
merge_rows(struct merge_ctx *m, struct store *st, struct edit_problems *p, struct gis_error *err)
{
    enum gis_status rc = merge_read(m, st, err);

    if (rc == GIS_OK)
        rc = merge_siblings(m, p, err);
    if (rc == GIS_OK && !m->in->into)
        rc = merge_new_code(m, st, p, err);
    return rc;
}

/* The divisions' children under target (next free codes), the facilities naming a
 * merged division moved to target, the merged rows closed (all but target). */
static enum gis_status merge_members(struct merge_ctx *m,
                                     struct store *st,
                                     struct edit_group *g,
                                     const char *target,
                                     struct edit_problems *problems,
                                     struct gis_error *err)
{
    struct division_row *kids = NULL;
    char code[DIVISION_CODE_MAX];
    enum gis_status rc = GIS_OK;
    size_t i, k, n = 0;

    for (i = 0; i < m->in->n_codes && rc == GIS_OK; i++) {
        const struct division_row *b = m->rows[i];
        if (!strcmp(b->code, target))
            continue;
        rc = division_rows_children(st, b->code, &kids, &n, err);
        for (k = 0; k < n && rc == GIS_OK; k++) {
            rc = next_code(st, target, kids[k].level, code, err);
            if (rc == GIS_OK)
                rc = recode_tree(&m->o, st, g, &kids[k], code, 1, problems, err);
        }
        division_rows_free(kids, n);
        kids = NULL;
        n = 0;
        if (rc == GIS_OK)
            rc = move_linked(&m->o, st, g, b->code, target, NULL, NULL, 0, problems, err);
        if (rc == GIS_OK)
            rc = close_row(&m->o, st, g, b, problems, err);
    }
    return rc;
}

/* into keeps its code and row: its polygon becomes the union, its counts the sums. */
static enum gis_status merge_into(struct merge_ctx *m,
                                  struct store *st,
                                  struct edit_group *g,
                                  const struct division_merge *u,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct edit_prop props[2];
    char pop[24], old[24];
    size_t n = 0;
    char *json = division_wkb_geojson(u->wkb, u->wkb_n);
    struct edit_input in = {.layer_id = "divisions",
                            .action = EDIT_UPDATE,
                            .fid = m->into->code,
                            .has_geometry = true,
                            .geometry = json,
                            .props = props};
    enum gis_status rc = json ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    snprintf(pop, sizeof pop, "%lld", m->population);
    snprintf(old, sizeof old, "%lld", m->elderly_60plus);
    prop(props, &n, "population", EDIT_JSON_NUMBER, m->population >= 0 ? pop : NULL);
    prop(props, &n, "elderly_60plus", EDIT_JSON_NUMBER, m->elderly_60plus >= 0 ? old : NULL);
    in.n_props = n;
    if (rc == GIS_OK)
        rc = member(&m->o, st, g, &in, problems, err);
    if (rc == GIS_OK &&
        !result_add(m->o.res, m->into->code, NULL, m->into->parent, "changed", m->into->name, json))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    free(json);
    return rc;
}

static enum gis_status merge_write(struct merge_ctx *m,
                                   struct store *st,
                                   struct edit_group *g,
                                   const struct division_merge *u,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    struct row_override ov = {m->in->new_name,   u->wkb, u->wkb_n, m->population,
                              m->elderly_60plus, true};
    enum gis_status rc;

    m->o.res->area_before_m2 = u->area_before_m2;
    m->o.res->area_after_m2 = u->area_after_m2;
    if (m->into) {
        rc = merge_into(m, st, g, u, problems, err);
        return rc == GIS_OK ? merge_members(m, st, g, m->into->code, problems, err) : rc;
    }
    rc = create_row(&m->o, st, g, m->rows[0], m->new_code.code, &ov, problems, err);
    return rc == GIS_OK ? merge_members(m, st, g, m->new_code.code, problems, err) : rc;
}

/* The siblings meeting the union at a vertex they lack get it (node_siblings). */
static enum gis_status merge_node(struct merge_ctx *m,
                                  struct store *st,
                                  struct edit_group *g,
                                  struct division_topo *t,
                                  const struct division_merge *u,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    const char *codes[DIVISION_MERGE_MAX];
    const unsigned char *wkb[1] = {u->wkb}, *old[DIVISION_MERGE_MAX];
    size_t wkb_n[1] = {u->wkb_n}, old_n[DIVISION_MERGE_MAX], i;
    struct reshaped r = {
        m->rows[0]->parent, codes, m->in->n_codes, {wkb, wkb_n, 1, old, old_n, m->in->n_codes}};

    for (i = 0; i < m->in->n_codes; i++) {
        codes[i] = m->rows[i]->code;
        old[i] = m->rows[i]->wkb;
        old_n[i] = m->rows[i]->wkb_n;
    }
    return node_siblings(&m->o, st, g, t, &r, problems, err);
}

static enum gis_status merge_run(void *ctx,
                                 struct store *st,
                                 struct edit_group *g,
                                 struct edit_problems *problems,
                                 struct gis_error *err)
{
    struct merge_ctx *m = ctx;
    size_t n = m->in->n_codes, i;
    const unsigned char **wkb = calloc(n, sizeof *wkb);
    size_t *wkb_n = calloc(n, sizeof *wkb_n);
    struct division_topo *t = NULL;
    struct division_merge u = {0};
    char msg[GIS_ERROR_MSG_MAX];
    enum gis_status rc = wkb && wkb_n ? merge_rows(m, st, problems, err)
                                      : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    for (i = 0; i < n && rc == GIS_OK; i++) {
        wkb[i] = m->rows[i]->wkb;
        wkb_n[i] = m->rows[i]->wkb_n;
    }
    if (rc == GIS_OK)
        rc = division_topo_new(m->rows[0]->seat_lon, m->rows[0]->seat_lat, m->in->c.tolerance_m, &t,
                               err);
    if (rc == GIS_OK)
        rc = division_topo_merge(t, wkb, wkb_n, n, &u, err);
    if (rc == GIS_OK && u.parts != 1) {
        snprintf(msg, sizeof msg, "the divisions do not all touch: their union would be %d pieces",
                 u.parts);
        rc = reject(problems, err, msg);
    }
    if (rc == GIS_OK)
        rc = merge_node(m, st, g, t, &u, problems, err);
    if (rc == GIS_OK)
        rc = merge_write(m, st, g, &u, problems, err);
    free(u.wkb);
    division_topo_free(t);
    free(wkb);
    free(wkb_n);
    return rc;
}

enum gis_status division_ops_merge(struct editor *ed,
                                   const struct auth_identity *who,
                                   const struct division_merge_input *in,
                                   struct division_op_result **out,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    struct merge_ctx m;
    char target[40];
    enum gis_status rc;
    size_t i;

    if (!in || !in->codes || in->n_codes < 2 || in->n_codes > DIVISION_MERGE_MAX ||
        !in->into == !in->new_code || (in->new_code && (!in->new_name || !*in->new_name)))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "merge-divisions needs 2 to %d codes and either into (one of them) or "
                        "a new code and name",
                        DIVISION_MERGE_MAX);
    memset(&m, 0, sizeof m);
    m.o.c = &in->c;
    m.o.who = who;
    m.in = in;
    rc = in->new_code ? division_code_parse(in->new_code, &m.new_code, err) : GIS_OK;
    if (rc != GIS_OK)
        return rc;
    m.rows = calloc(in->n_codes, sizeof *m.rows);
    if (!m.rows)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    snprintf(target, sizeof target, "%.12s+%zu>%.12s", in->codes[0], in->n_codes - 1,
             in->into ? in->into : m.new_code.code);
    rc = run_op(ed, &m.o, "merge-divisions", target, merge_run, &m, out, problems, err);
    for (i = 0; i < in->n_codes; i++)
        division_row_free(m.rows[i]);
    free(m.rows);
    return rc;
}

/* ---------------------------------------------------------------- split */

struct split_ctx {
    struct op_ctx o;
    const struct division_split_input *in;
    struct division_row *row, *kids;
    size_t n_kids;
    struct division_topo *t;
    struct division_split x;
    int *kid_part; /* the part each child's seat lies in */
};

/* The new codes: as many as parts, each the row's level under its parent, once, free
 * (or the row's own: that part keeps the row). */
static enum gis_status
split_codes(struct split_ctx *s, struct store *st, struct edit_problems *p, struct gis_error *err)
{
    char msg[GIS_ERROR_MSG_MAX];
    struct division_row *taken = NULL;
    struct division_code dc;
    enum gis_status rc = GIS_OK;
    size_t i, j;

    if (s->in->n_new != s->x.n) {
        snprintf(msg, sizeof msg, "the division falls in %zu parts; \"new\" names %zu", s->x.n,
                 s->in->n_new);
        return reject(p, err, msg);
    }
    for (i = 0; i < s->x.n && rc == GIS_OK; i++) {
        const char *code = s->in->news[i].code;
        rc = division_code_parse(code, &dc, err);
        if (rc != GIS_OK)
            return rc;
        for (j = 0; j < i; j++)
            if (!strcmp(s->in->news[j].code, code))
                return reject(p, err, "a code is named twice in new");
        if (strcmp(dc.parent, s->row->parent) || (int)dc.level != s->row->level) {
            snprintf(msg, sizeof msg, "the new code %s must be a %s under %s", code,
                     division_level_name(s->row->level), s->row->parent);
            return reject(p, err, msg);
        }
        rc = scope_check(&s->o, dc.code, err);
        if (rc == GIS_OK && strcmp(dc.code, s->row->code) &&
            division_row_get(st, dc.code, &taken, NULL) == GIS_OK) {
            snprintf(msg, sizeof msg, "code %s is taken by %s", code, taken->name);
            rc = reject(p, err, msg);
        }
        division_row_free(taken);
        taken = NULL;
    }
    return rc;
}

/* Which part each child's seat (or a point of its polygon) lies in. */
static enum gis_status split_children(struct split_ctx *s,
                                      struct store *st,
                                      struct edit_problems *p,
                                      struct gis_error *err)
{
    char msg[GIS_ERROR_MSG_MAX];
    enum gis_status rc = division_rows_children(st, s->row->code, &s->kids, &s->n_kids, err);
    size_t i, k;

    if (rc == GIS_OK && !(s->kid_part = calloc(s->n_kids ? s->n_kids : 1, sizeof *s->kid_part)))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (i = 0; i < s->n_kids && rc == GIS_OK; i++) {
        s->kid_part[i] = -1;
        for (k = 0; k < s->x.n && s->kid_part[i] < 0; k++)
            if (s->kids[i].has_seat &&
                division_topo_covers(s->t, s->x.wkb[k], s->x.wkb_n[k], s->kids[i].seat_lon,
                                     s->kids[i].seat_lat))
                s->kid_part[i] = (int)k;
        if (s->kid_part[i] < 0) {
            snprintf(msg, sizeof msg, "%s (%s) has no seat inside any part", s->kids[i].code,
                     s->kids[i].name);
            rc = reject(p, err, msg);
        }
    }
    return rc;
}

/* Part k: its row (the original's, kept, or a new one with the counts of its children). */
static enum gis_status split_part(struct split_ctx *s,
                                  struct store *st,
                                  struct edit_group *g,
                                  size_t k,
                                  struct edit_problems *p,
                                  struct gis_error *err)
{
    struct row_override ov = {s->in->news[k].name, s->x.wkb[k], s->x.wkb_n[k], 0, 0, true};
    size_t i;

    if (!strcmp(s->in->news[k].code, s->row->code))
        return set_polygon(&s->o, st, g, s->row, s->x.wkb[k], s->x.wkb_n[k], NULL, p, err);
    for (i = 0; i < s->n_kids; i++)
        if (s->kid_part[i] == (int)k) {
            ov.population = sum_known(ov.population, s->kids[i].population);
            ov.elderly_60plus = sum_known(ov.elderly_60plus, s->kids[i].elderly_60plus);
        }
    return create_row(&s->o, st, g, s->row, s->in->news[k].code, &ov, p, err);
}

/* Each child whose part is not the kept row's, under its part's code. */
static enum gis_status split_move_children(struct split_ctx *s,
                                           struct store *st,
                                           struct edit_group *g,
                                           struct edit_problems *p,
                                           struct gis_error *err)
{
    char code[DIVISION_CODE_MAX];
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < s->n_kids && rc == GIS_OK; i++) {
        const char *to = s->in->news[s->kid_part[i]].code;
        if (!strcmp(to, s->row->code))
            continue;
        rc = next_code(st, to, s->kids[i].level, code, err);
        if (rc == GIS_OK)
            rc = recode_tree(&s->o, st, g, &s->kids[i], code, 1, p, err);
    }
    return rc;
}

static enum gis_status split_write(struct split_ctx *s,
                                   struct store *st,
                                   struct edit_group *g,
                                   struct edit_problems *p,
                                   struct gis_error *err)
{
    const char *code = s->row->code;
    const unsigned char *old = s->row->wkb;
    struct reshaped r = {
        s->row->parent,
        &code,
        1,
        {(const unsigned char *const *)s->x.wkb, s->x.wkb_n, s->x.n, &old, &s->row->wkb_n, 1}};
    bool is_kept = false;
    enum gis_status rc = node_siblings(&s->o, st, g, s->t, &r, p, err);
    size_t k;

    /* New rows first (children need their parents), the kept row's polygon last: a
     * revert undoes the members in reverse, so the original grows back before anything
     * returns into it. */
    for (k = 0; k < s->x.n && rc == GIS_OK; k++)
        if (strcmp(s->in->news[k].code, s->row->code))
            rc = split_part(s, st, g, k, p, err);
        else
            is_kept = true;
    if (rc == GIS_OK)
        rc = split_move_children(s, st, g, p, err);
    for (k = 0; k < s->x.n && rc == GIS_OK; k++)
        if (strcmp(s->in->news[k].code, s->row->code))
            rc = move_linked(&s->o, st, g, s->row->code, s->in->news[k].code, s->t, s->x.wkb[k],
                             s->x.wkb_n[k], p, err);
    for (k = 0; k < s->x.n && rc == GIS_OK && is_kept; k++)
        if (!strcmp(s->in->news[k].code, s->row->code))
            rc = split_part(s, st, g, k, p, err);
    if (rc == GIS_OK && !is_kept)
        rc = close_row(&s->o, st, g, s->row, p, err);
    s->o.res->area_before_m2 = s->x.area_m2_before;
    for (k = 0; k < s->x.n; k++)
        s->o.res->area_after_m2 += s->x.area_m2[k];
    return rc;
}

static enum gis_status split_by_line(struct split_ctx *s, struct gis_error *err)
{
    unsigned char *w = NULL;
    size_t wn = 0;
    enum gis_status rc = division_geojson_wkb(s->in->line, &w, &wn, err);

    if (rc == GIS_OK)
        rc = division_topo_split_line(s->t, s->row->wkb, s->row->wkb_n, w, wn, &s->x, err);
    free(w);
    return rc;
}

/* The parts' geometry, by line or by parts. */
static enum gis_status split_geometry(struct split_ctx *s, struct gis_error *err)
{
    const struct division_split_input *in = s->in;
    size_t n = in->n_parts ? in->n_parts : 1, i;
    unsigned char **w;
    size_t *wn;
    enum gis_status rc;

    if (in->line)
        return split_by_line(s, err);
    w = calloc(n, sizeof *w);
    wn = calloc(n, sizeof *wn);
    rc = w && wn ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (i = 0; i < in->n_parts && rc == GIS_OK; i++)
        rc = division_geojson_wkb(in->parts[i], &w[i], &wn[i], err);
    if (rc == GIS_OK)
        rc =
            division_topo_split_parts(s->t, s->row->wkb, s->row->wkb_n,
                                      (const unsigned char *const *)w, wn, in->n_parts, &s->x, err);
    for (i = 0; w && i < in->n_parts; i++)
        free(w[i]);
    free(w);
    free(wn);
    return rc;
}

static enum gis_status split_run(void *ctx,
                                 struct store *st,
                                 struct edit_group *g,
                                 struct edit_problems *problems,
                                 struct gis_error *err)
{
    struct split_ctx *s = ctx;
    enum gis_status rc = division_row_get(st, s->in->code, &s->row, err);

    if (rc == GIS_OK)
        rc = scope_check(&s->o, s->row->code, err);
    if (rc == GIS_OK && !s->row->wkb)
        rc = reject(problems, err, "a village has only a seat: nothing to split");
    if (rc == GIS_OK)
        rc =
            division_topo_new(s->row->seat_lon, s->row->seat_lat, s->in->c.tolerance_m, &s->t, err);
    if (rc == GIS_OK)
        rc = split_geometry(s, err);
    if (rc == GIS_ERR_REJECTED && !problems->n)
        edit_problem_add(problems, s->in->line ? "line" : "parts", "%s",
                         err ? err->msg : "refused");
    if (rc == GIS_OK)
        rc = split_codes(s, st, problems, err);
    if (rc == GIS_OK)
        rc = split_children(s, st, problems, err);
    if (rc == GIS_OK)
        rc = split_write(s, st, g, problems, err);
    return rc;
}

enum gis_status division_ops_split(struct editor *ed,
                                   const struct auth_identity *who,
                                   const struct division_split_input *in,
                                   struct division_op_result **out,
                                   struct edit_problems *problems,
                                   struct gis_error *err)
{
    struct split_ctx s;
    char target[40];
    enum gis_status rc;

    if (!in || !in->code || !in->line == !in->parts || !in->news ||
        (in->parts && (in->n_parts < 2 || in->n_parts > DIVISION_MERGE_MAX)) ||
        in->n_new > DIVISION_MERGE_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "split-division needs a code, either a line or 2 to %d parts, and the "
                        "new divisions",
                        DIVISION_MERGE_MAX);
    memset(&s, 0, sizeof s);
    s.o.c = &in->c;
    s.o.who = who;
    s.in = in;
    snprintf(target, sizeof target, "%.12s/%zu", in->code, in->n_new);
    rc = run_op(ed, &s.o, "split-division", target, split_run, &s, out, problems, err);
    division_split_clear(&s.x);
    division_topo_free(s.t);
    division_rows_free(s.kids, s.n_kids);
    division_row_free(s.row);
    free(s.kid_part);
    return rc;
}

/* ---------------------------------------------------------------- validate */

enum gis_status division_ops_validate(struct store *st,
                                      const char *code,
                                      double tolerance_m,
                                      struct division_problems *out,
                                      size_t *out_parents,
                                      struct gis_error *err)
{
    struct division_code dc;
    enum gis_status rc = GIS_OK;

    if (code)
        rc = division_code_parse(code, &dc, err);
    if (rc != GIS_OK)
        return rc;
    return division_validate(st, code ? dc.code : NULL, tolerance_m, out, out_parents, err);
}
