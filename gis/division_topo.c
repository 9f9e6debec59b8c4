/*
 * Division topology (division_topo.h) on GEOS's reentrant C API: the coverage check and
 * the geometry of the division operations. Owns a GEOS context, its WKB reader and
 * writer, and a PROJ transform into the work's UTM zone used only to measure. Must not
 * touch a store: the callers read and write the rows.
 */
#include "division_topo.h"

#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "edit.h"
#include "edit_int.h"

struct division_topo {
    GEOSContextHandle_t h;
    GEOSWKBReader *reader;
    GEOSWKBWriter *writer;
    struct crs_transform *to_m;
    double tol;
    bool is_proj_failed;
    char msg[GIS_ERROR_MSG_MAX];
};

/* GEOS reports through a handler; the last message is kept for the caller's error. */
static void on_geos_error(const char *message, void *ctx)
{
    struct division_topo *t = ctx;

    snprintf(t->msg, sizeof t->msg, "%s", message ? message : "GEOS failed");
}

enum gis_status division_topo_new(
    double lon, double lat, double tolerance_m, struct division_topo **out, struct gis_error *err)
{
    struct division_topo *t;
    char utm[16];
    enum gis_status rc;

    if (!out || !isfinite(lon) || !isfinite(lat))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_topo_new: bad argument");
    t = calloc(1, sizeof *t);
    if (!t)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    t->tol = tolerance_m > 0 ? tolerance_m : DIVISION_TOPO_DEFAULT_TOLERANCE_M;
    snprintf(utm, sizeof utm, "EPSG:%d", edit_utm_epsg(lon, lat));
    rc = crs_transform_new("EPSG:4326", utm, &t->to_m, err);
    t->h = rc == GIS_OK ? GEOS_init_r() : NULL;
    if (rc == GIS_OK && t->h) {
        GEOSContext_setErrorMessageHandler_r(t->h, on_geos_error, t);
        t->reader = GEOSWKBReader_create_r(t->h);
        t->writer = GEOSWKBWriter_create_r(t->h);
        if (t->writer)
            GEOSWKBWriter_setFlavor_r(t->h, t->writer, GEOS_WKB_ISO);
    }
    if (rc == GIS_OK && (!t->h || !t->reader || !t->writer))
        rc = gis_fail(err, GIS_ERR_NOMEM, "cannot start GEOS");
    if (rc != GIS_OK) {
        division_topo_free(t);
        return rc;
    }
    *out = t;
    return GIS_OK;
}

void division_topo_free(struct division_topo *t)
{
    if (!t)
        return;
    if (t->h) {
        if (t->reader)
            GEOSWKBReader_destroy_r(t->h, t->reader);
        if (t->writer)
            GEOSWKBWriter_destroy_r(t->h, t->writer);
        GEOS_finish_r(t->h);
    }
    crs_transform_free(t->to_m);
    free(t);
}

double division_topo_tolerance(const struct division_topo *t)
{
    return t->tol;
}

/* ---------------------------------------------------------------- helpers */

static void drop(struct division_topo *t, GEOSGeometry *g)
{
    if (g)
        GEOSGeom_destroy_r(t->h, g);
}

static GEOSGeometry *parse(struct division_topo *t, const unsigned char *wkb, size_t n)
{
    if (!wkb || !n)
        return NULL;
    return GEOSWKBReader_read_r(t->h, t->reader, wkb, n);
}

static enum gis_status geos_fail(struct division_topo *t, struct gis_error *err, const char *what)
{
    return gis_fail(err, GIS_ERR_GEOMETRY, "%s: %s", what, t->msg[0] ? t->msg : "GEOS failed");
}

static int to_metric_xy(double *x, double *y, void *ctx)
{
    struct division_topo *t = ctx;
    double xy[2] = {*x, *y};

    if (crs_transform_xy(t->to_m, xy, 1, NULL) != GIS_OK) {
        t->is_proj_failed = true;
        return 0;
    }
    *x = xy[0];
    *y = xy[1];
    return 1;
}

/* A copy of g (EPSG:4326) in the UTM zone, or NULL. */
static GEOSGeometry *metric(struct division_topo *t, const GEOSGeometry *g)
{
    return GEOSGeom_transformXY_r(t->h, g, to_metric_xy, t);
}

/* Area in m² of g (EPSG:4326) and whether anything of it is wider than the tolerance. */
static bool measure(struct division_topo *t, const GEOSGeometry *g, double *out_area)
{
    GEOSGeometry *m = metric(t, g), *eroded = NULL;
    double area = 0;
    bool is_wide = false;

    if (m) {
        GEOSArea_r(t->h, m, &area);
        eroded = GEOSBuffer_r(t->h, m, -t->tol / 2, 4);
        is_wide = eroded && GEOSisEmpty_r(t->h, eroded) == 0;
    }
    drop(t, eroded);
    drop(t, m);
    *out_area = area;
    return is_wide;
}

/* Malloc'd ISO WKB of g. */
static unsigned char *to_wkb(struct division_topo *t, const GEOSGeometry *g, size_t *out_n)
{
    size_t n = 0;
    unsigned char *geos_buf = GEOSWKBWriter_write_r(t->h, t->writer, g, &n);
    unsigned char *copy = geos_buf ? malloc(n) : NULL;

    if (copy) {
        memcpy(copy, geos_buf, n);
        *out_n = n;
    }
    if (geos_buf)
        GEOSFree_r(t->h, geos_buf);
    return copy;
}

static char *to_geojson(struct division_topo *t, const GEOSGeometry *g)
{
    size_t n = 0;
    unsigned char *wkb = to_wkb(t, g, &n);
    char *json = wkb ? edit__wkb_geojson(wkb, n) : NULL;

    free(wkb);
    return json;
}

/* ---------------------------------------------------------------- problems */

void division_problems_clear(struct division_problems *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n; i++)
        free(p->items[i].geojson);
    free(p->items);
    memset(p, 0, sizeof *p);
}

const char *division_problem_kind_name(enum division_problem_kind k)
{
    static const char *const names[] = {"invalid", "gap", "overlap", "outside", "seat_outside"};

    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "unknown";
}

static void copy_code(char *dst, const char *src)
{
    snprintf(dst, DIVISION_CODE_MAX, "%s", src ? src : "");
}

/* Appends a problem located by g (EPSG:4326; not taken). */
static enum gis_status add_problem(struct division_topo *t,
                                   struct division_problems *out,
                                   const struct division_problem *proto,
                                   const GEOSGeometry *g,
                                   struct gis_error *err)
{
    struct division_problem *p;
    GEOSGeometry *pt;

    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        void *items = realloc(out->items, cap * sizeof *out->items);
        if (!items)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        out->items = items;
        out->cap = cap;
    }
    p = &out->items[out->n];
    *p = *proto;
    p->geojson = NULL;
    pt = GEOSPointOnSurface_r(t->h, g);
    if (pt && !GEOSisEmpty_r(t->h, pt)) {
        GEOSGeomGetX_r(t->h, pt, &p->lon);
        GEOSGeomGetY_r(t->h, pt, &p->lat);
    }
    drop(t, pt);
    p->geojson = to_geojson(t, g);
    if (!p->geojson)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    out->n++;
    return GIS_OK;
}

/* Each polygon of g wider than the tolerance becomes a problem like proto. */
static enum gis_status add_wide_parts(struct division_topo *t,
                                      struct division_problems *out,
                                      const struct division_problem *proto,
                                      const GEOSGeometry *g,
                                      struct gis_error *err)
{
    int i, n = GEOSGetNumGeometries_r(t->h, g);
    enum gis_status rc = GIS_OK;

    for (i = 0; i < n && rc == GIS_OK; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(t->h, g, i);
        int type = GEOSGeomTypeId_r(t->h, part);
        struct division_problem p = *proto;
        if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            rc = add_wide_parts(t, out, proto, part, err);
            continue;
        }
        if (type != GEOS_POLYGON || !measure(t, part, &p.area_m2))
            continue;
        rc = add_problem(t, out, &p, part, err);
    }
    return rc;
}

/* ---------------------------------------------------------------- the check */

struct check {
    struct division_topo *t;
    const struct division_check_input *in;
    GEOSGeometry *parent;
    GEOSGeometry **kids; /* valid (repaired when need be) */
    const GEOSPreparedGeometry **prepared;
    struct division_problems *out;
};

static void check_free(struct check *c)
{
    size_t i;

    for (i = 0; c->kids && i < c->in->n_children; i++) {
        if (c->prepared[i])
            GEOSPreparedGeom_destroy_r(c->t->h, c->prepared[i]);
        drop(c->t, c->kids[i]);
    }
    free(c->kids);
    free(c->prepared);
    drop(c->t, c->parent);
}

static void proto_init(const struct check *c,
                       struct division_problem *p,
                       enum division_problem_kind kind,
                       const char *a,
                       const char *b)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    copy_code(p->parent, c->in->parent_code);
    copy_code(p->codes[0], a);
    copy_code(p->codes[1], b);
}

/* Parses child i; an invalid one is a problem and is repaired for the other checks. */
static enum gis_status load_child(struct check *c, size_t i, struct gis_error *err)
{
    const struct division_check_child *ch = &c->in->children[i];
    GEOSGeometry *g = parse(c->t, ch->wkb, ch->wkb_n);
    struct division_problem p;
    enum gis_status rc = GIS_OK;
    char *why;

    if (!g)
        return gis_fail(err, GIS_ERR_GEOMETRY, "division %s: unreadable geometry: %s", ch->code,
                        c->t->msg);
    if (GEOSisValid_r(c->t->h, g) != 1) {
        proto_init(c, &p, DIVISION_PROBLEM_INVALID, ch->code, NULL);
        why = GEOSisValidReason_r(c->t->h, g);
        snprintf(p.detail, sizeof p.detail, "%s", why ? why : "invalid");
        if (why)
            GEOSFree_r(c->t->h, why);
        rc = add_problem(c->t, c->out, &p, g, err);
        c->kids[i] = GEOSMakeValid_r(c->t->h, g);
        drop(c->t, g);
    } else {
        c->kids[i] = g;
    }
    if (rc == GIS_OK && !c->kids[i])
        return geos_fail(c->t, err, "repairing a division");
    if (rc == GIS_OK)
        c->prepared[i] = GEOSPrepare_r(c->t->h, c->kids[i]);
    return rc;
}

static bool boxes_meet(struct division_topo *t, const GEOSGeometry *a, const GEOSGeometry *b)
{
    double ax0, ay0, ax1, ay1, bx0, by0, bx1, by1;

    GEOSGeom_getExtent_r(t->h, a, &ax0, &ay0, &ax1, &ay1);
    GEOSGeom_getExtent_r(t->h, b, &bx0, &by0, &bx1, &by1);
    return ax0 <= bx1 && bx0 <= ax1 && ay0 <= by1 && by0 <= ay1;
}

static enum gis_status check_overlaps(struct check *c, struct gis_error *err)
{
    size_t i, j, n = c->in->n_children;
    enum gis_status rc = GIS_OK;

    for (i = 0; i < n && rc == GIS_OK; i++) {
        for (j = i + 1; j < n && rc == GIS_OK; j++) {
            GEOSGeometry *x;
            struct division_problem p;
            if (!boxes_meet(c->t, c->kids[i], c->kids[j]) ||
                GEOSPreparedIntersects_r(c->t->h, c->prepared[i], c->kids[j]) != 1)
                continue;
            x = GEOSIntersection_r(c->t->h, c->kids[i], c->kids[j]);
            if (!x)
                return geos_fail(c->t, err, "intersecting two divisions");
            proto_init(c, &p, DIVISION_PROBLEM_OVERLAP, c->in->children[i].code,
                       c->in->children[j].code);
            rc = add_wide_parts(c->t, c->out, &p, x, err);
            drop(c->t, x);
        }
    }
    return rc;
}

/* Gaps (the parent less the union) and, per child, what lies outside the parent. */
static enum gis_status check_union(struct check *c, struct gis_error *err)
{
    size_t i, n = c->in->n_children;
    GEOSGeometry *all, *gap = NULL, **clones = calloc(n ? n : 1, sizeof *clones);
    struct division_problem p;
    enum gis_status rc = GIS_OK;

    if (!clones)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (i = 0; i < n; i++)
        clones[i] = GEOSGeom_clone_r(c->t->h, c->kids[i]);
    all = GEOSGeom_createCollection_r(c->t->h, GEOS_GEOMETRYCOLLECTION, clones, (unsigned)n);
    free(clones);
    if (all) {
        GEOSGeometry *u = GEOSUnaryUnion_r(c->t->h, all);
        drop(c->t, all);
        gap = u ? GEOSDifference_r(c->t->h, c->parent, u) : NULL;
        drop(c->t, u);
    }
    if (!gap)
        return geos_fail(c->t, err, "the union of the divisions");
    proto_init(c, &p, DIVISION_PROBLEM_GAP, NULL, NULL);
    rc = add_wide_parts(c->t, c->out, &p, gap, err);
    drop(c->t, gap);
    for (i = 0; i < n && rc == GIS_OK; i++) {
        GEOSGeometry *outside = GEOSDifference_r(c->t->h, c->kids[i], c->parent);
        if (!outside)
            return geos_fail(c->t, err, "a division against its parent");
        proto_init(c, &p, DIVISION_PROBLEM_OUTSIDE, c->in->children[i].code, NULL);
        rc = add_wide_parts(c->t, c->out, &p, outside, err);
        drop(c->t, outside);
    }
    return rc;
}

/* Metres from the point to g (EPSG:4326). */
static double metric_distance(struct division_topo *t, const GEOSGeometry *g, GEOSGeometry *pt)
{
    GEOSGeometry *mg = metric(t, g), *mp = metric(t, pt);
    double d = INFINITY;

    if (mg && mp)
        GEOSDistance_r(t->h, mg, mp, &d);
    drop(t, mg);
    drop(t, mp);
    return d;
}

static const GEOSGeometry *owner_of(struct check *c, const char *code, size_t *out_i)
{
    size_t i;

    for (i = 0; code && i < c->in->n_children; i++)
        if (!strcmp(c->in->children[i].code, code)) {
            *out_i = i;
            return c->kids[i];
        }
    *out_i = SIZE_MAX;
    return code && c->in->parent_code && !strcmp(code, c->in->parent_code) ? c->parent : NULL;
}

static enum gis_status
check_seat(struct check *c, const struct division_check_seat *s, struct gis_error *err)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->t->h, s->lon, s->lat);
    size_t i;
    const GEOSGeometry *owner = owner_of(c, s->owner, &i);
    struct division_problem p;
    enum gis_status rc = GIS_OK;
    bool is_in;
    double d = INFINITY;

    if (!pt)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    is_in = owner && (i != SIZE_MAX ? GEOSPreparedIntersects_r(c->t->h, c->prepared[i], pt) == 1
                                    : GEOSIntersects_r(c->t->h, owner, pt) == 1);
    if (owner && !is_in)
        d = metric_distance(c->t, owner, pt);
    if (!is_in && d > c->t->tol) {
        proto_init(c, &p, DIVISION_PROBLEM_SEAT_OUTSIDE, s->code, s->owner);
        if (owner)
            snprintf(p.detail, sizeof p.detail, "the seat lies %.1f m outside %s", d, s->owner);
        else
            snprintf(p.detail, sizeof p.detail, "%s is not one of the divisions checked",
                     s->owner ? s->owner : "(none)");
        rc = add_problem(c->t, c->out, &p, pt, err);
    }
    drop(c->t, pt);
    return rc;
}

/* The arrays and the parent polygon (repaired when invalid). */
static enum gis_status check_setup(struct check *c, struct gis_error *err)
{
    size_t n = c->in->n_children;
    GEOSGeometry *fixed;

    if ((n && !c->in->children) || (c->in->n_seats && !c->in->seats))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_check_run: missing arrays");
    c->kids = calloc(n ? n : 1, sizeof *c->kids);
    c->prepared = calloc(n ? n : 1, sizeof *c->prepared);
    if (!c->kids || !c->prepared)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (!c->in->parent_wkb)
        return GIS_OK;
    c->parent = parse(c->t, c->in->parent_wkb, c->in->parent_wkb_n);
    if (!c->parent)
        return gis_fail(err, GIS_ERR_GEOMETRY, "division %s: unreadable geometry: %s",
                        c->in->parent_code ? c->in->parent_code : "?", c->t->msg);
    if (GEOSisValid_r(c->t->h, c->parent) == 1)
        return GIS_OK;
    fixed = GEOSMakeValid_r(c->t->h, c->parent);
    drop(c->t, c->parent);
    c->parent = fixed;
    return fixed ? GIS_OK : geos_fail(c->t, err, "repairing the parent");
}

enum gis_status division_check_run(struct division_topo *t,
                                   const struct division_check_input *in,
                                   struct division_problems *out,
                                   struct gis_error *err)
{
    struct check c = {t, in, NULL, NULL, NULL, out};
    size_t i;
    enum gis_status rc;

    if (!t || !in || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_check_run: null argument");
    rc = check_setup(&c, err);
    for (i = 0; i < in->n_children && rc == GIS_OK; i++)
        rc = load_child(&c, i, err);
    if (rc == GIS_OK)
        rc = check_overlaps(&c, err);
    if (rc == GIS_OK && c.parent && in->n_children)
        rc = check_union(&c, err);
    for (i = 0; i < in->n_seats && rc == GIS_OK; i++)
        rc = check_seat(&c, &in->seats[i], err);
    check_free(&c);
    return rc;
}

bool division_problem_is_known(struct division_topo *t,
                               const struct division_problem *a,
                               const struct division_problems *before)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(t->h, a->lon, a->lat);
    bool is_known = false;
    size_t i;

    for (i = 0; pt && before && i < before->n && !is_known; i++) {
        const struct division_problem *b = &before->items[i];
        GEOSGeometry *g;
        if (b->kind != a->kind || !b->geojson)
            continue;
        g = GEOSGeom_createPointFromXY_r(t->h, b->lon, b->lat);
        /* The same sliver is found again at (nearly) the same point; a moved border
         * makes new ones elsewhere. Compared by location, since codes may change. */
        is_known = g && metric_distance(t, g, pt) <= fmax(t->tol, sqrt(b->area_m2) + t->tol);
        drop(t, g);
    }
    drop(t, pt);
    return is_known;
}

/* ---------------------------------------------------------------- operations */

void division_transfer_clear(struct division_transfer *x)
{
    if (!x)
        return;
    free(x->from_wkb);
    free(x->to_wkb);
    free(x->piece_wkb);
    memset(x, 0, sizeof *x);
}

static int polygon_count(struct division_topo *t, const GEOSGeometry *g)
{
    if (!g || GEOSisEmpty_r(t->h, g))
        return 0;
    return GEOSGetNumGeometries_r(t->h, g);
}

/* The noded boundaries of a, b and c, polygonized: every face of their overlay. */
static GEOSGeometry *faces_of(struct division_topo *t,
                              const GEOSGeometry *a,
                              const GEOSGeometry *b,
                              const GEOSGeometry *c)
{
    GEOSGeometry *lines[3] = {GEOSBoundary_r(t->h, a), GEOSBoundary_r(t->h, b),
                              GEOSBoundary_r(t->h, c)};
    GEOSGeometry *all, *noded = NULL, *faces = NULL;
    const GEOSGeometry *one[1];

    if (!lines[0] || !lines[1] || !lines[2]) {
        drop(t, lines[0]);
        drop(t, lines[1]);
        drop(t, lines[2]);
        return NULL;
    }
    all = GEOSGeom_createCollection_r(t->h, GEOS_GEOMETRYCOLLECTION, lines, 3);
    if (all)
        noded = GEOSUnaryUnion_r(t->h, all);
    drop(t, all);
    one[0] = noded;
    if (noded)
        faces = GEOSPolygonize_r(t->h, one, 1);
    drop(t, noded);
    return faces;
}

/* The coverage union of the faces marked in pick, as a MultiPolygon (may be empty). */
static GEOSGeometry *
faces_union(struct division_topo *t, const GEOSGeometry *faces, const bool *pick, int n)
{
    GEOSGeometry **parts = calloc((size_t)(n ? n : 1), sizeof *parts), *coll, *u;
    unsigned k = 0;
    int i;

    if (!parts)
        return NULL;
    for (i = 0; i < n; i++)
        if (pick[i])
            parts[k++] = GEOSGeom_clone_r(t->h, GEOSGetGeometryN_r(t->h, faces, i));
    coll = GEOSGeom_createCollection_r(t->h, GEOS_MULTIPOLYGON, parts, k);
    free(parts);
    if (!coll)
        return NULL;
    u = k ? GEOSCoverageUnion_r(t->h, coll) : GEOSGeom_clone_r(t->h, coll);
    drop(t, coll);
    if (u && GEOSGeomTypeId_r(t->h, u) == GEOS_POLYGON) {
        GEOSGeometry *one[1] = {u};
        u = GEOSGeom_createCollection_r(t->h, GEOS_MULTIPOLYGON, one, 1);
    }
    return u;
}

struct transfer_work {
    GEOSGeometry *from, *to, *area, *faces, *nf, *nt, *piece;
    const GEOSPreparedGeometry *pf, *pt, *pa;
    bool *to_from, *to_to, *in_piece;
};

static void work_free(struct division_topo *t, struct transfer_work *w)
{
    if (w->pf)
        GEOSPreparedGeom_destroy_r(t->h, w->pf);
    if (w->pt)
        GEOSPreparedGeom_destroy_r(t->h, w->pt);
    if (w->pa)
        GEOSPreparedGeom_destroy_r(t->h, w->pa);
    drop(t, w->from);
    drop(t, w->to);
    drop(t, w->area);
    drop(t, w->faces);
    drop(t, w->nf);
    drop(t, w->nt);
    drop(t, w->piece);
    free(w->to_from);
    free(w->to_to);
    free(w->in_piece);
}

/* Assigns each face: in `to` stays with to; in from and the area goes to to (the piece);
 * the rest of from stays with from (an overlap it had with `to` outside the area is kept
 * on both sides, as it was). */
static enum gis_status assign_faces(struct division_topo *t, struct transfer_work *w, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        GEOSGeometry *p = GEOSPointOnSurface_r(t->h, GEOSGetGeometryN_r(t->h, w->faces, i));
        bool in_f, in_t, in_a;
        if (!p)
            return GIS_ERR_GEOMETRY;
        in_f = GEOSPreparedIntersects_r(t->h, w->pf, p) == 1;
        in_t = GEOSPreparedIntersects_r(t->h, w->pt, p) == 1;
        in_a = GEOSPreparedIntersects_r(t->h, w->pa, p) == 1;
        drop(t, p);
        w->in_piece[i] = in_f && in_a;
        w->to_to[i] = in_t || (in_f && in_a);
        w->to_from[i] = in_f && !in_a;
    }
    return GIS_OK;
}

static enum gis_status
transfer_faces(struct division_topo *t, struct transfer_work *w, struct gis_error *err)
{
    int n;

    w->faces = faces_of(t, w->from, w->to, w->area);
    if (!w->faces)
        return geos_fail(t, err, "noding the boundaries");
    n = GEOSGetNumGeometries_r(t->h, w->faces);
    w->to_from = calloc((size_t)(n ? n : 1), sizeof(bool));
    w->to_to = calloc((size_t)(n ? n : 1), sizeof(bool));
    w->in_piece = calloc((size_t)(n ? n : 1), sizeof(bool));
    w->pf = GEOSPrepare_r(t->h, w->from);
    w->pt = GEOSPrepare_r(t->h, w->to);
    w->pa = GEOSPrepare_r(t->h, w->area);
    if (!w->to_from || !w->to_to || !w->in_piece || !w->pf || !w->pt || !w->pa)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (assign_faces(t, w, n) != GIS_OK)
        return geos_fail(t, err, "assigning the faces");
    w->nf = faces_union(t, w->faces, w->to_from, n);
    w->nt = faces_union(t, w->faces, w->to_to, n);
    w->piece = faces_union(t, w->faces, w->in_piece, n);
    if (!w->nf || !w->nt || !w->piece)
        return geos_fail(t, err, "joining the faces");
    return GIS_OK;
}

static double area_of(struct division_topo *t, const GEOSGeometry *g)
{
    GEOSGeometry *m = metric(t, g);
    double a = 0;

    if (m)
        GEOSArea_r(t->h, m, &a);
    drop(t, m);
    return a;
}

static enum gis_status transfer_out(struct division_topo *t,
                                    struct transfer_work *w,
                                    struct division_transfer *x,
                                    struct gis_error *err)
{
    GEOSGeometry *pt_piece = NULL;

    x->from_area_m2 = area_of(t, w->from);
    x->to_area_m2 = area_of(t, w->to);
    x->new_from_area_m2 = area_of(t, w->nf);
    x->new_to_area_m2 = area_of(t, w->nt);
    x->from_parts = polygon_count(t, w->from);
    x->new_from_parts = polygon_count(t, w->nf);
    x->gap_m = INFINITY;
    if (!GEOSisEmpty_r(t->h, w->piece))
        x->gap_m = metric_distance(t, w->to, (pt_piece = GEOSGeom_clone_r(t->h, w->piece)));
    drop(t, pt_piece);
    x->from_wkb = GEOSisEmpty_r(t->h, w->nf) ? NULL : to_wkb(t, w->nf, &x->from_wkb_n);
    x->to_wkb = to_wkb(t, w->nt, &x->to_wkb_n);
    x->piece_wkb = to_wkb(t, w->piece, &x->piece_wkb_n);
    if ((!x->from_wkb && x->new_from_parts) || !x->to_wkb || !x->piece_wkb)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return GIS_OK;
}

enum gis_status division_topo_transfer(struct division_topo *t,
                                       const unsigned char *from_wkb,
                                       size_t from_n,
                                       const unsigned char *to_wkb,
                                       size_t to_n,
                                       const unsigned char *area_wkb,
                                       size_t area_n,
                                       struct division_transfer *out,
                                       struct gis_error *err)
{
    struct transfer_work w = {0};
    struct division_transfer x = {0};
    enum gis_status rc = GIS_OK;

    if (!t || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_topo_transfer: null argument");
    w.from = parse(t, from_wkb, from_n);
    w.to = parse(t, to_wkb, to_n);
    w.area = parse(t, area_wkb, area_n);
    if (!w.from || !w.to || !w.area)
        rc = gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);
    if (rc == GIS_OK)
        rc = transfer_faces(t, &w, err);
    if (rc == GIS_OK && !measure(t, w.piece, &x.piece_area_m2))
        rc = gis_fail(err, GIS_ERR_REJECTED,
                      "the area holds no part of the division wider than %g m: nothing to move",
                      t->tol);
    if (rc == GIS_OK)
        rc = transfer_out(t, &w, &x, err);
    work_free(t, &w);
    if (rc != GIS_OK) {
        division_transfer_clear(&x);
        return rc;
    }
    *out = x;
    return GIS_OK;
}

/* ---------------------------------------------------------------- merge */

/* poly without its holes narrower than the tolerance; *filled gets their area. */
static GEOSGeometry *fill_slivers(struct division_topo *t, const GEOSGeometry *poly, double *filled)
{
    int i, n = GEOSGetNumInteriorRings_r(t->h, poly), k = 0;
    GEOSGeometry **holes = calloc((size_t)(n ? n : 1), sizeof *holes), *shell;

    if (!holes)
        return NULL;
    for (i = 0; i < n; i++) {
        const GEOSGeometry *ring = GEOSGetInteriorRingN_r(t->h, poly, i);
        GEOSGeometry *hole = GEOSGeom_createPolygon_r(t->h, GEOSGeom_clone_r(t->h, ring), NULL, 0);
        double a = 0;
        if (hole && measure(t, hole, &a))
            holes[k++] = GEOSGeom_clone_r(t->h, ring); /* a real hole: kept */
        else
            *filled += a;
        drop(t, hole);
    }
    shell = GEOSGeom_clone_r(t->h, GEOSGetExteriorRing_r(t->h, poly));
    poly = shell ? GEOSGeom_createPolygon_r(t->h, shell, holes, (unsigned)k) : NULL;
    free(holes);
    return (GEOSGeometry *)poly;
}

static GEOSGeometry *
merge_union(struct division_topo *t, GEOSGeometry **g, size_t n, double *filled)
{
    GEOSGeometry *coll = GEOSGeom_createCollection_r(t->h, GEOS_GEOMETRYCOLLECTION, g, (unsigned)n);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(t->h, coll) : NULL, **polys, *out = NULL;
    int i, m = u ? GEOSGetNumGeometries_r(t->h, u) : 0;

    drop(t, coll); /* it owned g's members */
    polys = u ? calloc((size_t)(m ? m : 1), sizeof *polys) : NULL;
    for (i = 0; polys && i < m; i++)
        polys[i] = fill_slivers(t, GEOSGetGeometryN_r(t->h, u, i), filled);
    for (i = 0; polys && i < m; i++)
        if (!polys[i])
            m = -1;
    if (polys && m >= 0)
        out = GEOSGeom_createCollection_r(t->h, GEOS_MULTIPOLYGON, polys, (unsigned)m);
    else if (polys)
        for (i = 0; i < GEOSGetNumGeometries_r(t->h, u); i++)
            drop(t, polys[i]);
    free(polys);
    drop(t, u);
    return out;
}

enum gis_status division_topo_merge(struct division_topo *t,
                                    const unsigned char *const *wkb,
                                    const size_t *wkb_n,
                                    size_t n,
                                    struct division_merge *out,
                                    struct gis_error *err)
{
    GEOSGeometry **g = calloc(n ? n : 1, sizeof *g), *u = NULL;
    struct division_merge m = {0};
    size_t i;

    if (!t || !out || !g || n < 2) {
        free(g);
        return gis_fail(err, g ? GIS_ERR_INVALID_ARG : GIS_ERR_NOMEM,
                        "division_topo_merge: needs two polygons or more");
    }
    for (i = 0; i < n; i++) {
        g[i] = parse(t, wkb[i], wkb_n[i]);
        if (!g[i]) {
            while (i--)
                drop(t, g[i]);
            free(g);
            return gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);
        }
        m.area_before_m2 += area_of(t, g[i]);
    }
    u = merge_union(t, g, n, &m.slivers_m2);
    free(g);
    if (!u)
        return geos_fail(t, err, "joining the polygons");
    m.parts = polygon_count(t, u);
    m.area_after_m2 = area_of(t, u);
    m.wkb = to_wkb(t, u, &m.wkb_n);
    drop(t, u);
    if (!m.wkb)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *out = m;
    return GIS_OK;
}

/* ---------------------------------------------------------------- split */

void division_split_clear(struct division_split *x)
{
    size_t i;

    if (!x)
        return;
    for (i = 0; x->wkb && i < x->n; i++)
        free(x->wkb[i]);
    free(x->wkb);
    free(x->wkb_n);
    free(x->area_m2);
    memset(x, 0, sizeof *x);
}

/* The faces of the overlay of g[0..n) (their boundaries, or lines, noded together). */
static GEOSGeometry *faces_of_n(struct division_topo *t, const GEOSGeometry *const *g, size_t n)
{
    GEOSGeometry **lines = calloc(n, sizeof *lines), *all, *noded = NULL, *faces = NULL;
    const GEOSGeometry *one[1];
    size_t i, k = 0;

    if (!lines)
        return NULL;
    for (i = 0; i < n; i++) {
        int type = GEOSGeomTypeId_r(t->h, g[i]);
        bool is_line = type == GEOS_LINESTRING || type == GEOS_MULTILINESTRING;
        if ((lines[k] = is_line ? GEOSGeom_clone_r(t->h, g[i]) : GEOSBoundary_r(t->h, g[i])))
            k++;
    }
    all = k == n ? GEOSGeom_createCollection_r(t->h, GEOS_GEOMETRYCOLLECTION, lines, (unsigned)k)
                 : NULL;
    if (!all)
        for (i = 0; i < k; i++)
            drop(t, lines[i]);
    free(lines);
    if (all)
        noded = GEOSUnaryUnion_r(t->h, all);
    drop(t, all);
    one[0] = noded;
    if (noded)
        faces = GEOSPolygonize_r(t->h, one, 1);
    drop(t, noded);
    return faces;
}

static enum gis_status split_alloc(struct division_split *x, size_t n, struct gis_error *err)
{
    x->n = n;
    x->wkb = calloc(n ? n : 1, sizeof *x->wkb);
    x->wkb_n = calloc(n ? n : 1, sizeof *x->wkb_n);
    x->area_m2 = calloc(n ? n : 1, sizeof *x->area_m2);
    if (x->wkb && x->wkb_n && x->area_m2)
        return GIS_OK;
    division_split_clear(x);
    return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
}

/* owner[i]: the part face i goes to, -1 none (outside the polygon: -2). */
static enum gis_status split_out(struct division_topo *t,
                                 const GEOSGeometry *faces,
                                 const int *owner,
                                 int nf,
                                 struct division_split *x,
                                 struct gis_error *err)
{
    bool *pick = calloc((size_t)(nf ? nf : 1), sizeof *pick);
    enum gis_status rc = pick ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    size_t p;
    int i;

    for (p = 0; p < x->n && rc == GIS_OK; p++) {
        GEOSGeometry *u;
        for (i = 0; i < nf; i++)
            pick[i] = owner[i] == (int)p;
        u = faces_union(t, faces, pick, nf);
        if (!u)
            rc = geos_fail(t, err, "joining the faces");
        else if (GEOSisEmpty_r(t->h, u) || !measure(t, u, &x->area_m2[p]))
            rc = gis_fail(err, GIS_ERR_REJECTED,
                          "part %zu holds nothing of the division wider "
                          "than %g m",
                          p + 1, t->tol);
        else if (!(x->wkb[p] = to_wkb(t, u, &x->wkb_n[p])))
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        drop(t, u);
    }
    free(pick);
    return rc;
}

/* A point inside face i of faces, and whether prepared pg holds it. */
static bool face_in(struct division_topo *t,
                    const GEOSGeometry *faces,
                    int i,
                    const GEOSPreparedGeometry *pg,
                    double *x,
                    double *y)
{
    GEOSGeometry *pt = GEOSPointOnSurface_r(t->h, GEOSGetGeometryN_r(t->h, faces, i));
    bool is_in = pt && GEOSPreparedIntersects_r(t->h, pg, pt) == 1;

    if (pt && x) {
        GEOSGeomGetX_r(t->h, pt, x);
        GEOSGeomGetY_r(t->h, pt, y);
    }
    drop(t, pt);
    return is_in;
}

struct face_key {
    int i;
    double x, y;
};

static int by_west(const void *a, const void *b)
{
    const struct face_key *p = a, *q = b;

    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->y < q->y ? -1 : p->y > q->y;
}

/* Faces inside the polygon, west to east: owner[face] = its rank. */
static size_t line_owners(struct division_topo *t,
                          const GEOSGeometry *poly,
                          const GEOSGeometry *faces,
                          int nf,
                          int *owner)
{
    const GEOSPreparedGeometry *pg = GEOSPrepare_r(t->h, poly);
    struct face_key *keys = calloc((size_t)(nf ? nf : 1), sizeof *keys);
    size_t k = 0, r;
    int i;

    for (i = 0; pg && keys && i < nf; i++) {
        owner[i] = -2;
        if (face_in(t, faces, i, pg, &keys[k].x, &keys[k].y))
            keys[k++].i = i;
    }
    if (keys)
        qsort(keys, k, sizeof *keys, by_west);
    for (r = 0; keys && r < k; r++)
        owner[keys[r].i] = (int)r;
    free(keys);
    if (pg)
        GEOSPreparedGeom_destroy_r(t->h, pg);
    return keys ? k : 0;
}

/* The parts from the faces and their owners: n parts, the original's area. */
static enum gis_status split_finish(struct division_topo *t,
                                    const GEOSGeometry *poly,
                                    const GEOSGeometry *faces,
                                    const int *owner,
                                    size_t n,
                                    struct division_split *out,
                                    struct gis_error *err)
{
    struct division_split x = {0};
    enum gis_status rc = split_alloc(&x, n, err);

    if (rc == GIS_OK)
        rc = split_out(t, faces, owner, GEOSGetNumGeometries_r(t->h, faces), &x, err);
    if (rc != GIS_OK) {
        division_split_clear(&x);
        return rc;
    }
    x.area_m2_before = area_of(t, poly);
    *out = x;
    return GIS_OK;
}

/* The faces of g[0..n) and an owner slot for each. */
static enum gis_status split_faces(struct division_topo *t,
                                   GEOSGeometry **g,
                                   size_t n,
                                   GEOSGeometry **faces,
                                   int **owner,
                                   struct gis_error *err)
{
    int nf;

    *faces = faces_of_n(t, (const GEOSGeometry *const *)g, n);
    if (!*faces)
        return geos_fail(t, err, "noding the boundaries");
    nf = GEOSGetNumGeometries_r(t->h, *faces);
    *owner = calloc((size_t)(nf ? nf : 1), sizeof **owner);
    return *owner ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
}

enum gis_status division_topo_split_line(struct division_topo *t,
                                         const unsigned char *poly_wkb,
                                         size_t poly_n,
                                         const unsigned char *line_wkb,
                                         size_t line_n,
                                         struct division_split *out,
                                         struct gis_error *err)
{
    GEOSGeometry *g[2] = {parse(t, poly_wkb, poly_n), parse(t, line_wkb, line_n)}, *faces = NULL;
    int *owner = NULL;
    size_t k = 0;
    enum gis_status rc = g[0] && g[1]
                             ? split_faces(t, g, 2, &faces, &owner, err)
                             : gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);

    if (rc == GIS_OK)
        k = line_owners(t, g[0], faces, GEOSGetNumGeometries_r(t->h, faces), owner);
    if (rc == GIS_OK && k < 2)
        rc = gis_fail(err, GIS_ERR_REJECTED, "the line does not cross the division");
    if (rc == GIS_OK)
        rc = split_finish(t, g[0], faces, owner, k, out, err);
    free(owner);
    drop(t, faces);
    drop(t, g[0]);
    drop(t, g[1]);
    return rc;
}

/* The part face i goes to: the first holding a point inside it, else (a sliver between
 * parts that missed each other) the first it touches, so that the parts still cover the
 * division exactly; -2 outside the division, -1 none (refused when wide). */
static enum gis_status face_owner(struct division_topo *t,
                                  const GEOSPreparedGeometry *const *pg,
                                  size_t n,
                                  const GEOSGeometry *faces,
                                  int i,
                                  int *owner,
                                  struct gis_error *err)
{
    const GEOSGeometry *f = GEOSGetGeometryN_r(t->h, faces, i);
    bool is_wide;
    double a = 0;
    size_t p;

    *owner = -2;
    if (!face_in(t, faces, i, pg[0], NULL, NULL))
        return GIS_OK; /* outside the division: cut off */
    for (p = 1; p < n; p++)
        if (face_in(t, faces, i, pg[p], NULL, NULL)) {
            *owner = (int)p - 1;
            return GIS_OK;
        }
    is_wide = measure(t, f, &a);
    for (p = 1; p < n && !is_wide; p++)
        if (GEOSPreparedIntersects_r(t->h, pg[p], f) == 1) {
            *owner = (int)p - 1;
            return GIS_OK;
        }
    *owner = -1;
    if (is_wide)
        return gis_fail(err, GIS_ERR_REJECTED, "the parts leave %.0f m² of the division uncovered",
                        a);
    return GIS_OK;
}

static enum gis_status parts_owners(struct division_topo *t,
                                    GEOSGeometry **g,
                                    size_t n,
                                    const GEOSGeometry *faces,
                                    int nf,
                                    int *owner,
                                    struct gis_error *err)
{
    const GEOSPreparedGeometry **pg = calloc(n, sizeof *pg);
    enum gis_status rc = pg ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    size_t p;
    int i;

    for (p = 0; p < n && rc == GIS_OK; p++)
        if (!(pg[p] = GEOSPrepare_r(t->h, g[p])))
            rc = geos_fail(t, err, "preparing the parts");
    for (i = 0; i < nf && rc == GIS_OK; i++)
        rc = face_owner(t, pg, n, faces, i, &owner[i], err);
    for (p = 0; pg && p < n; p++)
        if (pg[p])
            GEOSPreparedGeom_destroy_r(t->h, pg[p]);
    free(pg);
    return rc;
}

enum gis_status division_topo_split_parts(struct division_topo *t,
                                          const unsigned char *poly_wkb,
                                          size_t poly_n,
                                          const unsigned char *const *part_wkb,
                                          const size_t *part_n,
                                          size_t n_parts,
                                          struct division_split *out,
                                          struct gis_error *err)
{
    size_t n = n_parts + 1, i;
    GEOSGeometry **g = calloc(n, sizeof *g), *faces = NULL;
    int *owner = NULL;
    enum gis_status rc = g && n_parts >= 2 ? GIS_OK
                                           : gis_fail(err, g ? GIS_ERR_INVALID_ARG : GIS_ERR_NOMEM,
                                                      "a split needs two parts or more");

    for (i = 0; i < n && rc == GIS_OK; i++)
        if (!(g[i] = i ? parse(t, part_wkb[i - 1], part_n[i - 1]) : parse(t, poly_wkb, poly_n)))
            rc = gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);
    if (rc == GIS_OK)
        rc = split_faces(t, g, n, &faces, &owner, err);
    if (rc == GIS_OK)
        rc = parts_owners(t, g, n, faces, GEOSGetNumGeometries_r(t->h, faces), owner, err);
    if (rc == GIS_OK)
        rc = split_finish(t, g[0], faces, owner, n_parts, out, err);
    free(owner);
    drop(t, faces);
    for (i = 0; g && i < n; i++)
        drop(t, g[i]);
    free(g);
    return rc;
}

bool division_topo_covers(
    struct division_topo *t, const unsigned char *wkb, size_t n, double lon, double lat)
{
    GEOSGeometry *g = parse(t, wkb, n), *pt = GEOSGeom_createPointFromXY_r(t->h, lon, lat);
    bool is_in = g && pt && GEOSIntersects_r(t->h, g, pt) == 1;

    drop(t, g);
    drop(t, pt);
    return is_in;
}

double division_topo_area_m2(struct division_topo *t, const unsigned char *wkb, size_t n)
{
    GEOSGeometry *g = parse(t, wkb, n);
    double a = g ? area_of(t, g) : -1;

    drop(t, g);
    return a;
}

/* ---------------------------------------------------------------- noding */

/* A vertex computed on an edge (where a cut meets a border) lies within about 1e-15
 * degrees of it; 1e-9 degrees (0.1 mm) finds it and nothing a survey would tell apart. */
#define NODE_EPS_DEG 1e-9

struct node_pts {
    double *xy; /* x,y pairs sorted by x */
    size_t n, cap;
};

static int by_x(const void *a, const void *b)
{
    const double *p = a, *q = b;

    if (p[0] != q[0])
        return p[0] < q[0] ? -1 : 1;
    return p[1] < q[1] ? -1 : p[1] > q[1];
}

static bool pts_grow(struct node_pts *p, size_t more)
{
    size_t cap = p->cap ? p->cap : 256;
    void *q;

    while (cap < p->n + more)
        cap *= 2;
    if (cap == p->cap)
        return true;
    q = realloc(p->xy, cap * 2 * sizeof *p->xy);
    if (!q)
        return false;
    p->xy = q;
    p->cap = cap;
    return true;
}

/* Appends the points of ring (a LinearRing) to p. */
static bool ring_points(struct division_topo *t, const GEOSGeometry *ring, struct node_pts *p)
{
    const GEOSCoordSequence *s = ring ? GEOSGeom_getCoordSeq_r(t->h, ring) : NULL;
    unsigned int m = 0;

    if (!s || !GEOSCoordSeq_getSize_r(t->h, s, &m) || !pts_grow(p, m))
        return false;
    if (m && !GEOSCoordSeq_copyToBuffer_r(t->h, s, p->xy + 2 * p->n, 0, 0))
        return false;
    p->n += m;
    return true;
}

/* Appends every vertex of polygonal g to p. */
static bool poly_points(struct division_topo *t, const GEOSGeometry *g, struct node_pts *p)
{
    int i, r, np = GEOSGetNumGeometries_r(t->h, g);
    bool is_ok = np >= 0;

    for (i = 0; is_ok && i < np; i++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(t->h, g, i);
        int nh = GEOSGetNumInteriorRings_r(t->h, poly);
        is_ok = nh >= 0 && ring_points(t, GEOSGetExteriorRing_r(t->h, poly), p);
        for (r = 0; is_ok && r < nh; r++)
            is_ok = ring_points(t, GEOSGetInteriorRingN_r(t->h, poly, r), p);
    }
    return is_ok;
}

/* The first point of p whose x is at least x. */
static size_t pts_from(const struct node_pts *p, double x)
{
    size_t lo = 0, hi = p->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->xy[2 * mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where point q lies along a->b: its parameter (0..1) when it is within NODE_EPS_DEG of
 * the edge and farther than that from both ends, else -1. */
static double on_edge(const double *a, const double *b, const double *q)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy, s, ex, ey;
    double e2 = NODE_EPS_DEG * NODE_EPS_DEG;

    if (len2 <= e2)
        return -1;
    s = ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2;
    ex = a[0] + s * dx - q[0];
    ey = a[1] + s * dy - q[1];
    if (ex * ex + ey * ey > e2 || s * s * len2 <= e2 || (1 - s) * (1 - s) * len2 <= e2)
        return -1;
    return s;
}

struct node_hit {
    double s, x, y;
};

static int by_s(const void *a, const void *b)
{
    const struct node_hit *p = a, *q = b;

    return p->s < q->s ? -1 : p->s > q->s;
}

/* The points of v lying inside edge a->b, in order along it, appended to out. */
static bool edge_points(
    const struct node_pts *v, const double *a, const double *b, struct node_pts *out, size_t *added)
{
    struct node_hit hits[16];
    double hi = fmax(a[0], b[0]) + NODE_EPS_DEG;
    size_t k = pts_from(v, fmin(a[0], b[0]) - NODE_EPS_DEG), n = 0, i;

    for (; k < v->n && v->xy[2 * k] <= hi; k++) {
        double s = on_edge(a, b, v->xy + 2 * k);
        if (s < 0 || n == sizeof hits / sizeof *hits)
            continue; /* past 16 on one edge (a cut meets an edge once): left out */
        hits[n++] = (struct node_hit){s, v->xy[2 * k], v->xy[2 * k + 1]};
    }
    qsort(hits, n, sizeof *hits, by_s);
    if (!pts_grow(out, n))
        return false;
    for (i = 0; i < n; i++) {
        if (i && hits[i].x == hits[i - 1].x && hits[i].y == hits[i - 1].y)
            continue; /* the same vertex of two of the others */
        out->xy[2 * out->n] = hits[i].x;
        out->xy[2 * out->n + 1] = hits[i].y;
        out->n++;
        (*added)++;
    }
    return true;
}

/* ring with the points of v on its edges inserted, as a new LinearRing (NULL: failed). */
static GEOSGeometry *node_ring(struct division_topo *t,
                               const GEOSGeometry *ring,
                               const struct node_pts *v,
                               size_t *added)
{
    struct node_pts in = {0}, out = {0};
    GEOSGeometry *r = NULL;
    GEOSCoordSequence *s = NULL;
    bool is_ok = ring_points(t, ring, &in) && in.n >= 4 && pts_grow(&out, in.n);
    size_t i;

    for (i = 0; is_ok && i + 1 < in.n; i++) {
        out.xy[2 * out.n] = in.xy[2 * i];
        out.xy[2 * out.n + 1] = in.xy[2 * i + 1];
        out.n++;
        is_ok = edge_points(v, in.xy + 2 * i, in.xy + 2 * i + 2, &out, added) && pts_grow(&out, 1);
    }
    if (is_ok) {
        out.xy[2 * out.n] = in.xy[2 * (in.n - 1)];
        out.xy[2 * out.n + 1] = in.xy[2 * (in.n - 1) + 1];
        out.n++;
        s = GEOSCoordSeq_copyFromBuffer_r(t->h, out.xy, (unsigned)out.n, 0, 0);
    }
    if (s && !(r = GEOSGeom_createLinearRing_r(t->h, s)))
        GEOSCoordSeq_destroy_r(t->h, s);
    free(in.xy);
    free(out.xy);
    return r;
}

/* Polygon poly with v noded into its rings (NULL: failed). */
static GEOSGeometry *node_polygon(struct division_topo *t,
                                  const GEOSGeometry *poly,
                                  const struct node_pts *v,
                                  size_t *added)
{
    int nh = GEOSGetNumInteriorRings_r(t->h, poly), r, k = 0;
    GEOSGeometry *shell =
        nh >= 0 ? node_ring(t, GEOSGetExteriorRing_r(t->h, poly), v, added) : NULL;
    GEOSGeometry **holes = calloc((size_t)(nh > 0 ? nh : 1), sizeof *holes), *out = NULL;

    for (r = 0; shell && holes && r < nh; r++, k++)
        if (!(holes[r] = node_ring(t, GEOSGetInteriorRingN_r(t->h, poly, r), v, added)))
            break;
    if (shell && holes && k == nh)
        out = GEOSGeom_createPolygon_r(t->h, shell, holes, (unsigned)nh);
    if (!out) {
        drop(t, shell);
        for (r = 0; holes && r < k; r++)
            drop(t, holes[r]);
    }
    free(holes);
    return out;
}

/* g (Polygon or MultiPolygon) with v noded into it, of the same type (NULL: failed). */
static GEOSGeometry *node_geometry(struct division_topo *t,
                                   const GEOSGeometry *g,
                                   const struct node_pts *v,
                                   size_t *added)
{
    int type = GEOSGeomTypeId_r(t->h, g), n = GEOSGetNumGeometries_r(t->h, g), i, k = 0;
    GEOSGeometry **polys, *out = NULL;

    if (type == GEOS_POLYGON)
        return node_polygon(t, g, v, added);
    if (type != GEOS_MULTIPOLYGON || n < 0 || !(polys = calloc((size_t)(n ? n : 1), sizeof *polys)))
        return NULL;
    for (i = 0; i < n; i++, k++)
        if (!(polys[i] = node_polygon(t, GEOSGetGeometryN_r(t->h, g, i), v, added)))
            break;
    if (k == n)
        out = GEOSGeom_createCollection_r(t->h, GEOS_MULTIPOLYGON, polys, (unsigned)n);
    for (i = 0; !out && i < k; i++)
        drop(t, polys[i]);
    free(polys);
    return out;
}

/* The vertices of the n polygons wkb[i], sorted by x. */
static enum gis_status all_points(struct division_topo *t,
                                  const unsigned char *const *wkb,
                                  const size_t *wkb_n,
                                  size_t n,
                                  struct node_pts *out,
                                  struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; rc == GIS_OK && i < n; i++) {
        GEOSGeometry *g = parse(t, wkb[i], wkb_n[i]);
        if (!g || !poly_points(t, g, out))
            rc = gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);
        drop(t, g);
    }
    if (rc == GIS_OK && out->n)
        qsort(out->xy, out->n, 2 * sizeof *out->xy, by_x);
    return rc;
}

/* Drops from v (sorted) the points that are in old (sorted) too. */
static void drop_known(struct node_pts *v, const struct node_pts *old)
{
    size_t i, k = 0, j = 0;

    for (i = 0; i < v->n; i++) {
        const double *p = v->xy + 2 * i;
        while (j < old->n && by_x(old->xy + 2 * j, p) < 0)
            j++;
        if (j < old->n && !by_x(old->xy + 2 * j, p))
            continue;
        v->xy[2 * k] = p[0];
        v->xy[2 * k + 1] = p[1];
        k++;
    }
    v->n = k;
}

enum gis_status division_topo_node(struct division_topo *t,
                                   const unsigned char *wkb,
                                   size_t n,
                                   const struct division_node_input *in,
                                   unsigned char **out,
                                   size_t *out_n,
                                   struct gis_error *err)
{
    struct node_pts v = {0}, old = {0};
    GEOSGeometry *g = parse(t, wkb, n), *noded = NULL;
    unsigned char *w = NULL;
    size_t added = 0, wn = 0;
    enum gis_status rc = g ? all_points(t, in->wkb, in->wkb_n, in->n, &v, err)
                           : gis_fail(err, GIS_ERR_GEOMETRY, "unreadable geometry: %s", t->msg);

    if (rc == GIS_OK)
        rc = all_points(t, in->old_wkb, in->old_wkb_n, in->n_old, &old, err);
    if (rc == GIS_OK)
        drop_known(&v, &old);
    if (rc == GIS_OK && !(noded = node_geometry(t, g, &v, &added)))
        rc = geos_fail(t, err, "noding the polygon");
    if (rc == GIS_OK && added && !(w = to_wkb(t, noded, &wn)))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK) {
        *out = w;
        *out_n = wn;
    }
    drop(t, noded);
    drop(t, g);
    free(v.xy);
    free(old.xy);
    return rc;
}
