/*
 * Tile geometry: project, clip (Sutherland-Hodgman for rings, Liang-Barsky for lines),
 * simplify (Douglas-Peucker), round, drop degenerate parts, orient rings.
 */
#include "tilegeom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile.h"

struct pts {
    double *xy;
    size_t n, cap;
};

static int pts_add(struct pts *p, double x, double y)
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

/* Tile space of a lon/lat point: 0..extent from the west and the north. */
static void project(const struct tile_frame *f, const double b[4], const double *ll, double *out)
{
    double mx, my;

    tile_lonlat_to_3857(ll[0], ll[1], &mx, &my);
    out[0] = (mx - b[0]) / (b[2] - b[0]) * f->extent;
    out[1] = (b[3] - my) / (b[3] - b[1]) * f->extent;
}

/* One Sutherland-Hodgman pass: keep the side where coordinate axis is >= lo (sign 1)
 * or <= hi (sign -1). */
static int clip_edge(const struct pts *in, struct pts *out, int axis, double v, int sign)
{
    size_t i;

    out->n = 0;
    for (i = 0; i < in->n; i++) {
        const double *a = in->xy + 2 * i, *b = in->xy + 2 * ((i + 1) % in->n);
        bool ina = sign * (a[axis] - v) >= 0, inb = sign * (b[axis] - v) >= 0;
        if (ina && !pts_add(out, a[0], a[1]))
            return 0;
        if (ina != inb) {
            double t = (v - a[axis]) / (b[axis] - a[axis]), q[2];
            q[0] = a[0] + t * (b[0] - a[0]);
            q[1] = a[1] + t * (b[1] - a[1]);
            q[axis] = v; /* exactly on the edge, whatever the rounding of huge inputs */
            if (!pts_add(out, q[0], q[1]))
                return 0;
        }
    }
    return 1;
}

static int clip_ring(struct pts *ring, struct pts *tmp, double lo, double hi)
{
    struct pts *a = ring, *b = tmp, *s;
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

/* Douglas-Peucker on points [i, j] of p: marks kept points. */
static void dp(const double *xy, size_t i, size_t j, double tol2, char *keep)
{
    double ax = xy[2 * i], ay = xy[2 * i + 1], bx = xy[2 * j], by = xy[2 * j + 1];
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, best = -1;
    size_t k, at = i;

    for (k = i + 1; k < j; k++) {
        double px = xy[2 * k] - ax, py = xy[2 * k + 1] - ay, d2;
        if (len2 > 0) {
            double t = fmax(0, fmin(1, (px * dx + py * dy) / len2));
            double qx = px - t * dx, qy = py - t * dy;
            d2 = qx * qx + qy * qy;
        } else {
            d2 = px * px + py * py;
        }
        if (d2 > best) {
            best = d2;
            at = k;
        }
    }
    if (best > tol2) {
        keep[at] = 1;
        dp(xy, i, at, tol2, keep);
        dp(xy, at, j, tol2, keep);
    }
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

/* Marks the points of p that simplification keeps (all when tol is 0). */
static char *simplify(const struct pts *p, double tol)
{
    char *keep = calloc(p->n ? p->n : 1, 1);

    if (!keep || p->n == 0)
        return keep;
    keep[0] = keep[p->n - 1] = 1;
    if (tol > 0 && p->n > 2)
        dp(p->xy, 0, p->n - 1, tol * tol, keep);
    else
        memset(keep, 1, p->n);
    return keep;
}

/* Appends the kept points of p rounded, without repeats, closing a ring. */
static enum gis_status
append_rounded(struct geom *out, const struct pts *p, const char *keep, bool is_ring)
{
    size_t i, start = out->n_points;
    double lx = NAN, ly = NAN;
    enum gis_status rc = GIS_OK;

    for (i = 0; i < p->n && rc == GIS_OK; i++) {
        double x = round(p->xy[2 * i]), y = round(p->xy[2 * i + 1]);
        if (!keep[i] || (x == lx && y == ly))
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

/* Simplifies, rounds and appends p as a ring (closed) or line; *kept false when it
 * collapses (then nothing is appended). */
static enum gis_status
emit(struct geom *out, const struct pts *p, bool is_ring, double tol, bool *kept)
{
    char *keep = simplify(p, tol);
    size_t start = out->n_points, min = is_ring ? 4 : 2;
    enum gis_status rc;

    *kept = false;
    if (!keep)
        return GIS_ERR_NOMEM;
    rc = geom_start_ring(out);
    if (rc == GIS_OK)
        rc = append_rounded(out, p, keep, is_ring);
    free(keep);
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
static enum gis_status flush_piece(struct geom *out, struct pts *piece, double tol)
{
    enum gis_status rc = GIS_OK;
    bool kept = false;

    if (piece->n == 0)
        return GIS_OK;
    rc = geom_start_part(out);
    if (rc == GIS_OK)
        rc = emit(out, piece, false, tol, &kept);
    if (rc == GIS_OK && !kept)
        geom_drop_part(out);
    piece->n = 0;
    return rc;
}

/* A line cut by the box: each piece inside becomes a part. */
static enum gis_status
clip_line(struct geom *out, const struct pts *p, double lo, double hi, double tol)
{
    struct pts piece = {0};
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
            rc = flush_piece(out, &piece, tol);
    }
    if (rc == GIS_OK)
        rc = flush_piece(out, &piece, tol);
    free(piece.xy);
    return rc;
}

static enum gis_status polygon_part(struct geom *out,
                                    const struct geom *in,
                                    size_t part,
                                    const double b[4],
                                    const struct tile_frame *f,
                                    struct pts *ring,
                                    struct pts *tmp)
{
    double lo = -(double)f->buffer, hi = (double)f->extent + f->buffer, xy[2];
    enum gis_status rc = geom_start_part(out);
    size_t r, i;
    bool kept;

    for (r = in->parts[part]; r < in->parts[part + 1] && rc == GIS_OK; r++) {
        ring->n = 0;
        for (i = in->rings[r]; i + 1 < in->rings[r + 1]; i++) { /* open ring */
            project(f, b, in->coords + 2 * i, xy);
            if (!pts_add(ring, xy[0], xy[1]))
                return GIS_ERR_NOMEM;
        }
        if (!clip_ring(ring, tmp, lo, hi))
            return GIS_ERR_NOMEM;
        rc = emit(out, ring, true, f->tolerance, &kept);
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

/* Projects ring r of in into p. */
static enum gis_status project_ring(
    const struct geom *in, size_t r, const struct tile_frame *f, const double b[4], struct pts *p)
{
    double xy[2];
    size_t i;

    p->n = 0;
    for (i = in->rings[r]; i < in->rings[r + 1]; i++) {
        project(f, b, in->coords + 2 * i, xy);
        if (!pts_add(p, xy[0], xy[1]))
            return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

/* A point kept when inside the buffered tile. */
static enum gis_status point_part(struct geom *out, const struct pts *p, double lo, double hi)
{
    enum gis_status rc = GIS_OK;

    if (p->xy[0] < lo || p->xy[0] > hi || p->xy[1] < lo || p->xy[1] > hi)
        return GIS_OK;
    rc = geom_start_part(out);
    if (rc == GIS_OK)
        rc = geom_start_ring(out);
    return rc == GIS_OK ? geom_add_point(out, round(p->xy[0]), round(p->xy[1])) : rc;
}

enum gis_status tilegeom_prepare(const struct geom *in,
                                 const struct tile_frame *f,
                                 struct geom *out,
                                 bool *out_is_empty)
{
    enum geom_type t = in->type > GEOM_POLYGON ? in->type - 3 : in->type;
    double b[4], lo = -(double)f->buffer, hi = (double)f->extent + f->buffer;
    struct pts ring = {0}, tmp = {0};
    enum gis_status rc = GIS_OK;
    size_t p, r;

    geom_clear(out);
    out->type = in->type;
    tile_bounds_3857(f->z, f->x, f->y, b);
    for (p = 0; p < in->n_parts && rc == GIS_OK; p++) {
        if (t == GEOM_POLYGON) {
            rc = polygon_part(out, in, p, b, f, &ring, &tmp);
            continue;
        }
        for (r = in->parts[p]; r < in->parts[p + 1] && rc == GIS_OK; r++) {
            rc = project_ring(in, r, f, b, &ring);
            if (rc == GIS_OK && t == GEOM_LINESTRING)
                rc = clip_line(out, &ring, lo, hi, f->tolerance);
            else if (rc == GIS_OK && ring.n)
                rc = point_part(out, &ring, lo, hi);
        }
    }
    geom_finish(out);
    free(ring.xy);
    free(tmp.xy);
    *out_is_empty = out->n_points == 0;
    return rc;
}
