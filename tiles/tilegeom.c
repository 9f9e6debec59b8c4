/*
 * Tile geometry: keep the vertices the simplification keeps, move them to tile space,
 * clip (Sutherland-Hodgman for rings, Liang-Barsky for lines), round, drop degenerate
 * parts, orient rings.
 */
#include "tilegeom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile.h"

static int pts_add(struct tilegeom_pts *p, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return 1; /* a point that projects to nothing is left out */
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        double *q = realloc(p->xy, cap * 2 * sizeof *q);
        if (!q)
            return 0;
        p->xy = q;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
    return 1;
}

/* Where the frame's tile is, and what simplification keeps there. */
struct frame_ctx {
    double b[4];  /* tile bounds, EPSG:3857 */
    double scale; /* tile units per metre */
    double tol;   /* simplification, metres */
    const double *rank;
};

/* Tile space of a Web Mercator point: 0..extent from the west and the north. */
static void to_tile(const struct frame_ctx *c, const double *m, double *out)
{
    out[0] = (m[0] - c->b[0]) * c->scale;
    out[1] = (c->b[3] - m[1]) * c->scale;
}

static bool is_kept(const struct frame_ctx *c, size_t i)
{
    return !c->rank || c->rank[i] > c->tol;
}

/* One Sutherland-Hodgman pass: keep the side where coordinate axis is >= lo (sign 1)
 * or <= hi (sign -1). */
static int
clip_edge(const struct tilegeom_pts *in, struct tilegeom_pts *out, int axis, double v, int sign)
{
    size_t i;

    out->n = 0;
    for (i = 0; i < in->n; i++) {
        const double *a = in->xy + 2 * i, *b = in->xy + 2 * ((i + 1) % in->n);
        bool ina = sign * (a[axis] - v) >= 0, inb = sign * (b[axis] - v) >= 0;
        if (ina && !pts_add(out, a[0], a[1]))
            return 0;
        if (ina != inb) {
            /* From the lower end, so the neighbour walking b-a gets the same point. */
            bool is_ab = a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
            const double *p = is_ab ? a : b, *r = is_ab ? b : a;
            double t = (v - p[axis]) / (r[axis] - p[axis]), q[2];
            q[0] = p[0] + t * (r[0] - p[0]);
            q[1] = p[1] + t * (r[1] - p[1]);
            q[axis] = v; /* exactly on the edge, whatever the rounding of huge inputs */
            if (!pts_add(out, q[0], q[1]))
                return 0;
        }
    }
    return 1;
}

static int clip_ring(struct tilegeom_pts *ring, struct tilegeom_pts *tmp, double lo, double hi)
{
    struct tilegeom_pts *a = ring, *b = tmp, *s;
    int axis, side;

    for (axis = 0; axis < 2; axis++) {
        for (side = 0; side < 2; side++) {
            if (!clip_edge(a, b, axis, side ? hi : lo, side ? -1 : 1))
                return 0;
            s = a;
            a = b;
            b = s;
        }
    }
    /* After four passes the result is back in ring. */
    return 1;
}

static double ring_area2(const struct geom *g, size_t r)
{
    double a = 0;
    size_t i;

    for (i = g->rings[r]; i + 1 < g->rings[r + 1]; i++)
        a += g->coords[2 * i] * g->coords[2 * i + 3] - g->coords[2 * i + 2] * g->coords[2 * i + 1];
    return a;
}

static void reverse_ring(struct geom *g, size_t r)
{
    size_t i = g->rings[r], j = g->rings[r + 1] - 1;

    for (; i < j; i++, j--) {
        double x = g->coords[2 * i], y = g->coords[2 * i + 1];
        g->coords[2 * i] = g->coords[2 * j];
        g->coords[2 * i + 1] = g->coords[2 * j + 1];
        g->coords[2 * j] = x;
        g->coords[2 * j + 1] = y;
    }
}

/* Appends the points of p rounded, without repeats, closing a ring. */
static enum gis_status append_rounded(struct geom *out, const struct tilegeom_pts *p, bool is_ring)
{
    size_t i, start = out->n_points;
    double lx = NAN, ly = NAN;
    enum gis_status rc = GIS_OK;

    for (i = 0; i < p->n && rc == GIS_OK; i++) {
        double x = round(p->xy[2 * i]), y = round(p->xy[2 * i + 1]);
        if (x == lx && y == ly)
            continue;
        rc = geom_add_point(out, x, y);
        lx = x;
        ly = y;
    }
    if (rc == GIS_OK && is_ring && out->n_points > start &&
        (out->coords[2 * start] != lx || out->coords[2 * start + 1] != ly))
        rc = geom_add_point(out, out->coords[2 * start], out->coords[2 * start + 1]);
    return rc;
}

/* Rounds and appends p as a ring (closed) or line; *kept false when it collapses (then
 * nothing is appended). */
static enum gis_status
emit(struct geom *out, const struct tilegeom_pts *p, bool is_ring, bool *kept)
{
    size_t start = out->n_points, min = is_ring ? 4 : 2;
    enum gis_status rc;

    *kept = false;
    rc = geom_start_ring(out);
    if (rc == GIS_OK)
        rc = append_rounded(out, p, is_ring);
    if (rc != GIS_OK)
        return rc;
    geom_finish(out);
    if (out->n_points - start < min || (is_ring && ring_area2(out, out->n_rings - 1) == 0)) {
        geom_drop_ring(out);
        return GIS_OK;
    }
    *kept = true;
    return GIS_OK;
}

/* v within [lo, hi]: clipped points are inside mathematically, not always numerically. */
static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Liang-Barsky: the part [t0, t1] of segment a-b inside the square [lo, hi]^2. */
static bool seg_clip(const double *a, const double *b, double lo, double hi, double *t0, double *t1)
{
    double d[2] = {b[0] - a[0], b[1] - a[1]};
    int k;

    *t0 = 0;
    *t1 = 1;
    for (k = 0; k < 4; k++) {
        double pp = k % 2 ? d[k / 2] : -d[k / 2];
        double qq = k % 2 ? hi - a[k / 2] : a[k / 2] - lo;
        if (pp == 0 && qq < 0)
            return false;
        if (pp < 0)
            *t0 = fmax(*t0, qq / pp);
        else if (pp > 0)
            *t1 = fmin(*t1, qq / pp);
    }
    return *t0 <= *t1;
}

/* Emits the piece collected so far as a part of its own, and empties it. */
static enum gis_status flush_piece(struct geom *out, struct tilegeom_pts *piece)
{
    enum gis_status rc = GIS_OK;
    bool kept = false;

    if (piece->n == 0)
        return GIS_OK;
    rc = geom_start_part(out);
    if (rc == GIS_OK)
        rc = emit(out, piece, false, &kept);
    if (rc == GIS_OK && !kept)
        geom_drop_part(out);
    piece->n = 0;
    return rc;
}

/* A line cut by the box: each piece inside becomes a part. */
static enum gis_status
clip_line(struct geom *out, const struct tilegeom_pts *p, double lo, double hi)
{
    struct tilegeom_pts piece = {0};
    enum gis_status rc = GIS_OK;
    double t0, t1;
    size_t i;

    for (i = 0; i + 1 < p->n && rc == GIS_OK; i++) {
        const double *a = p->xy + 2 * i, *b = a + 2;
        bool is_in = seg_clip(a, b, lo, hi, &t0, &t1);
        if (is_in && piece.n == 0 &&
            !pts_add(&piece, clampd(a[0] + t0 * (b[0] - a[0]), lo, hi),
                     clampd(a[1] + t0 * (b[1] - a[1]), lo, hi)))
            rc = GIS_ERR_NOMEM;
        if (is_in && rc == GIS_OK &&
            !pts_add(&piece, clampd(a[0] + t1 * (b[0] - a[0]), lo, hi),
                     clampd(a[1] + t1 * (b[1] - a[1]), lo, hi)))
            rc = GIS_ERR_NOMEM;
        if (rc == GIS_OK && (!is_in || t1 < 1))
            rc = flush_piece(out, &piece);
    }
    if (rc == GIS_OK)
        rc = flush_piece(out, &piece);
    free(piece.xy);
    return rc;
}

/* The kept points of ring or line r of in, in tile space, into p; a ring's closing
 * point is left out. *is_tiny: every point of it (kept or not) lies within a box
 * smaller than twice the tolerance each way (about a pixel by default). */
static enum gis_status kept_points(const struct geom *in,
                                   size_t r,
                                   bool is_ring,
                                   const struct frame_ctx *c,
                                   struct tilegeom_pts *p,
                                   bool *is_tiny)
{
    size_t i, end = in->rings[r + 1] - (is_ring && in->rings[r + 1] > in->rings[r] ? 1 : 0);
    double xy[2], lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};

    p->n = 0;
    for (i = in->rings[r]; i < end; i++) {
        const double *m = in->coords + 2 * i;
        lo[0] = m[0] < lo[0] ? m[0] : lo[0]; /* not fmin: that is a call, per vertex */
        lo[1] = m[1] < lo[1] ? m[1] : lo[1];
        hi[0] = m[0] > hi[0] ? m[0] : hi[0];
        hi[1] = m[1] > hi[1] ? m[1] : hi[1];
        if (!is_kept(c, i))
            continue;
        to_tile(c, m, xy);
        if (!pts_add(p, xy[0], xy[1]))
            return GIS_ERR_NOMEM;
    }
    *is_tiny = hi[0] - lo[0] < 2 * c->tol && hi[1] - lo[1] < 2 * c->tol;
    return GIS_OK;
}

static enum gis_status polygon_part(struct geom *out,
                                    const struct geom *in,
                                    size_t part,
                                    const struct tile_frame *f,
                                    const struct frame_ctx *c,
                                    struct tilegeom_pts *ring,
                                    struct tilegeom_pts *tmp)
{
    double lo = -(double)f->buffer, hi = (double)f->extent + f->buffer;
    enum gis_status rc = geom_start_part(out);
    size_t r;
    bool kept, is_tiny;

    for (r = in->parts[part]; r < in->parts[part + 1] && rc == GIS_OK; r++) {
        rc = kept_points(in, r, true, c, ring, &is_tiny);
        if (rc != GIS_OK)
            return rc;
        if (is_tiny)
            ring->n = 0; /* far below a pixel: dropped */
        if (!clip_ring(ring, tmp, lo, hi))
            return GIS_ERR_NOMEM;
        rc = emit(out, ring, true, &kept);
        if (rc == GIS_OK && !kept && r == in->parts[part]) {
            geom_drop_part(out); /* no exterior: the holes go with it */
            return GIS_OK;
        }
        if (rc == GIS_OK && kept &&
            (ring_area2(out, out->n_rings - 1) > 0) != (r == in->parts[part]))
            reverse_ring(out, out->n_rings - 1);
    }
    return rc;
}

/* A point kept when inside the buffered tile. */
static enum gis_status
point_part(struct geom *out, const struct tilegeom_pts *p, double lo, double hi)
{
    enum gis_status rc = GIS_OK;

    if (p->xy[0] < lo || p->xy[0] > hi || p->xy[1] < lo || p->xy[1] > hi)
        return GIS_OK;
    rc = geom_start_part(out);
    if (rc == GIS_OK)
        rc = geom_start_ring(out);
    return rc == GIS_OK ? geom_add_point(out, round(p->xy[0]), round(p->xy[1])) : rc;
}

/* The frame's tile bounds (EPSG:3857), its scale and its tolerance in metres: one
 * formula for tilegeom_prepare_with and tilegeom_is_subpixel, so they agree exactly. */
static void frame_setup(const struct tile_frame *f, struct frame_ctx *c)
{
    tile_bounds_3857(f->z, f->x, f->y, c->b);
    c->scale = f->extent / (c->b[2] - c->b[0]);
    c->tol = f->tolerance / c->scale;
}

bool tilegeom_is_subpixel(const struct geom *in, const double bbox[4], const struct tile_frame *f)
{
    struct frame_ctx c = {0};
    enum geom_type t = in->type > GEOM_POLYGON ? in->type - 3 : in->type;

    if (t != GEOM_POLYGON)
        return false;
    frame_setup(f, &c);
    /* Each ring's points lie in the box: each ring is what kept_points calls tiny. */
    return bbox[2] - bbox[0] < 2 * c.tol && bbox[3] - bbox[1] < 2 * c.tol;
}

enum gis_status tilegeom_prepare_with(const struct geom *in,
                                      const double *rank,
                                      const struct tile_frame *f,
                                      struct tilegeom_work *w,
                                      struct geom *out,
                                      bool *out_is_empty)
{
    enum geom_type t = in->type > GEOM_POLYGON ? in->type - 3 : in->type;
    double lo = -(double)f->buffer, hi = (double)f->extent + f->buffer;
    struct frame_ctx c = {.rank = rank};
    enum gis_status rc = GIS_OK;
    size_t p, r;
    bool is_tiny;

    geom_clear(out);
    out->type = in->type;
    frame_setup(f, &c);
    for (p = 0; p < in->n_parts && rc == GIS_OK; p++) {
        if (t == GEOM_POLYGON) {
            rc = polygon_part(out, in, p, f, &c, &w->ring, &w->tmp);
            continue;
        }
        for (r = in->parts[p]; r < in->parts[p + 1] && rc == GIS_OK; r++) {
            rc = kept_points(in, r, false, &c, &w->ring, &is_tiny);
            if (rc == GIS_OK && t == GEOM_LINESTRING)
                rc = clip_line(out, &w->ring, lo, hi);
            else if (rc == GIS_OK && w->ring.n)
                rc = point_part(out, &w->ring, lo, hi);
        }
    }
    geom_finish(out);
    *out_is_empty = out->n_points == 0;
    return rc;
}

void tilegeom_work_free(struct tilegeom_work *w)
{
    if (!w)
        return;
    free(w->ring.xy);
    free(w->tmp.xy);
    memset(w, 0, sizeof *w);
}

enum gis_status tilegeom_prepare(const struct geom *in,
                                 const double *rank,
                                 const struct tile_frame *f,
                                 struct geom *out,
                                 bool *out_is_empty)
{
    struct tilegeom_work w = {0};
    enum gis_status rc = tilegeom_prepare_with(in, rank, f, &w, out, out_is_empty);

    tilegeom_work_free(&w);
    return rc;
}
