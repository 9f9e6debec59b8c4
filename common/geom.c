/*
 * WKB -> struct geom. Pure and bounded: every count read from the input is checked
 * against the bytes that remain before anything is allocated.
 */
#include "geom.h"

#include <stdlib.h>
#include <string.h>

struct reader {
    const unsigned char *p, *end;
    int is_le;
};

void geom_init(struct geom *g)
{
    memset(g, 0, sizeof *g);
}

void geom_free(struct geom *g)
{
    if (!g)
        return;
    free(g->coords);
    free(g->rings);
    free(g->parts);
    geom_init(g);
}

void geom_clear(struct geom *g)
{
    g->n_points = g->n_rings = g->n_parts = 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 16;
    void *q;

    if (need <= *cap)
        return 1;
    while (n < need)
        n *= 2;
    q = realloc(*p, n * elem);
    if (!q)
        return 0;
    *p = q;
    *cap = n;
    return 1;
}

static int read_u32(struct reader *r, uint32_t *out)
{
    const unsigned char *b = r->p;

    if (r->end - r->p < 4)
        return 0;
    *out = r->is_le
               ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
               : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    r->p += 4;
    return 1;
}

static double read_f64(struct reader *r)
{
    unsigned char b[8];
    double d;
    int i;

    for (i = 0; i < 8; i++)
        b[i] = r->is_le ? r->p[i] : r->p[7 - i];
    r->p += 8;
    memcpy(&d, b, 8); /* the host is little-endian (x86-64, arm64 as Debian runs them) */
    return d;
}

/* Type and dimensions of a WKB header: ISO (1000s for Z, 2000s M, 3000s ZM) and the
 * EWKB-style high bits are both understood. */
static int read_header(struct reader *r, uint32_t *type, size_t *dims)
{
    uint32_t t;

    if (r->p >= r->end || *r->p > 1)
        return 0;
    r->is_le = *r->p++ == 1;
    if (!read_u32(r, &t))
        return 0;
    *dims = 2;
    if (t & 0x80000000u)
        (*dims)++;
    if (t & 0x40000000u)
        (*dims)++;
    t &= 0x0fffffffu;
    if (t >= 1000 && t < 4000) {
        *dims = t >= 3000 ? 4 : 3;
        t %= 1000;
    }
    *type = t;
    return 1;
}

static enum gis_status
add_points(struct geom *g, struct reader *r, size_t n, size_t dims, struct gis_error *err)
{
    size_t i;

    if (n > GEOM_MAX_POINTS - g->n_points || (size_t)(r->end - r->p) / (8 * dims) < n)
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: %zu points do not fit the input", n);
    if (!grow((void **)&g->coords, &g->cap_points, (g->n_points + n) * 2, sizeof *g->coords))
        return gis_fail(err, GIS_ERR_NOMEM, "WKB: out of memory");
    for (i = 0; i < n; i++) {
        g->coords[2 * (g->n_points + i)] = read_f64(r);
        g->coords[2 * (g->n_points + i) + 1] = read_f64(r);
        r->p += 8 * (dims - 2);
    }
    g->n_points += n;
    return GIS_OK;
}

static enum gis_status start_ring(struct geom *g, struct gis_error *err)
{
    if (g->n_rings >= GEOM_MAX_RINGS)
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: more than %u rings", GEOM_MAX_RINGS);
    if (!grow((void **)&g->rings, &g->cap_rings, g->n_rings + 2, sizeof *g->rings))
        return gis_fail(err, GIS_ERR_NOMEM, "WKB: out of memory");
    g->rings[g->n_rings++] = g->n_points;
    return GIS_OK;
}

static enum gis_status start_part(struct geom *g, struct gis_error *err)
{
    if (!grow((void **)&g->parts, &g->cap_parts, g->n_parts + 2, sizeof *g->parts))
        return gis_fail(err, GIS_ERR_NOMEM, "WKB: out of memory");
    g->parts[g->n_parts++] = g->n_rings;
    return GIS_OK;
}

/* One simple geometry (point, line or polygon) as a new part. */
static enum gis_status
read_simple(struct geom *g, struct reader *r, uint32_t type, size_t dims, struct gis_error *err)
{
    enum gis_status rc = start_part(g, err);
    uint32_t n_rings = 1, n, i;

    if (rc == GIS_OK && type == GEOM_POLYGON && !read_u32(r, &n_rings))
        rc = gis_fail(err, GIS_ERR_GEOMETRY, "WKB: truncated polygon");
    if (rc == GIS_OK && n_rings > (size_t)(r->end - r->p) / 4)
        rc = gis_fail(err, GIS_ERR_GEOMETRY, "WKB: %u rings do not fit the input", n_rings);
    for (i = 0; i < n_rings && rc == GIS_OK; i++) {
        rc = start_ring(g, err);
        n = 1;
        if (rc == GIS_OK && type != GEOM_POINT && !read_u32(r, &n))
            rc = gis_fail(err, GIS_ERR_GEOMETRY, "WKB: truncated point count");
        if (rc == GIS_OK)
            rc = add_points(g, r, n, dims, err);
    }
    return rc;
}

static enum gis_status
read_multi(struct geom *g, struct reader *r, uint32_t type, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    uint32_t n, i, sub;
    size_t dims;

    if (!read_u32(r, &n))
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: truncated collection");
    if (n > (size_t)(r->end - r->p) / 5)
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: %u parts do not fit the input", n);
    for (i = 0; i < n && rc == GIS_OK; i++) {
        if (!read_header(r, &sub, &dims))
            return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: bad part header");
        if (sub != type - 3)
            return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: part of type %u in a multi type %u", sub,
                            type);
        rc = read_simple(g, r, sub, dims, err);
    }
    return rc;
}

/* Writes the closing offsets; the arrays always exist afterwards (even for an empty
 * collection), so rings[n_rings] and parts[n_parts] can always be read. */
static void close_offsets(struct geom *g)
{
    if (grow((void **)&g->rings, &g->cap_rings, g->n_rings + 1, sizeof *g->rings))
        g->rings[g->n_rings] = g->n_points;
    if (grow((void **)&g->parts, &g->cap_parts, g->n_parts + 1, sizeof *g->parts))
        g->parts[g->n_parts] = g->n_rings;
}

enum gis_status
geom_from_wkb(struct geom *g, const unsigned char *wkb, size_t size, struct gis_error *err)
{
    struct reader r = {wkb, wkb + size, 1};
    enum gis_status rc;
    uint32_t type;
    size_t dims;

    geom_clear(g);
    if (!wkb || !read_header(&r, &type, &dims))
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: bad header");
    if (type < GEOM_POINT || type > GEOM_MULTIPOLYGON)
        return gis_fail(err, GIS_ERR_GEOMETRY, "WKB: geometry type %u is not supported", type);
    g->type = (enum geom_type)type;
    if (type <= GEOM_POLYGON)
        rc = read_simple(g, &r, type, dims, err);
    else
        rc = read_multi(g, &r, type, err);
    close_offsets(g);
    if (rc == GIS_OK && r.p != r.end)
        rc = gis_fail(err, GIS_ERR_GEOMETRY, "WKB: %zu bytes after the geometry",
                      (size_t)(r.end - r.p));
    if (rc != GIS_OK)
        geom_clear(g);
    return rc;
}

void geom_bbox(const struct geom *g, double out[4])
{
    size_t i;

    out[0] = out[2] = g->coords[0];
    out[1] = out[3] = g->coords[1];
    for (i = 1; i < g->n_points; i++) {
        double x = g->coords[2 * i], y = g->coords[2 * i + 1];
        out[0] = x < out[0] ? x : out[0];
        out[1] = y < out[1] ? y : out[1];
        out[2] = x > out[2] ? x : out[2];
        out[3] = y > out[3] ? y : out[3];
    }
}

/* Liang-Barsky: does the segment p-q meet the closed box? */
static int seg_meets_box(const double *p, const double *q, const double b[4])
{
    double t0 = 0.0, t1 = 1.0, dx = q[0] - p[0], dy = q[1] - p[1];
    double pp[4] = {-dx, dx, -dy, dy};
    double qq[4] = {p[0] - b[0], b[2] - p[0], p[1] - b[1], b[3] - p[1]};
    int i;

    for (i = 0; i < 4; i++) {
        if (pp[i] == 0.0) {
            if (qq[i] < 0.0)
                return 0;
            continue;
        }
        double r = qq[i] / pp[i];
        if (pp[i] < 0.0) {
            if (r > t1)
                return 0;
            if (r > t0)
                t0 = r;
        } else {
            if (r < t0)
                return 0;
            if (r < t1)
                t1 = r;
        }
    }
    return 1;
}

/* Even-odd test of (x, y) against every ring of part p (holes included). */
static int part_contains(const struct geom *g, size_t p, double x, double y)
{
    int inside = 0;
    size_t r, i, j;

    for (r = g->parts[p]; r < g->parts[p + 1]; r++) {
        for (i = g->rings[r], j = g->rings[r + 1] - 1; i < g->rings[r + 1]; j = i++) {
            const double *a = g->coords + 2 * i, *c = g->coords + 2 * j;
            if ((a[1] > y) != (c[1] > y) && x < (c[0] - a[0]) * (y - a[1]) / (c[1] - a[1]) + a[0])
                inside = !inside;
        }
    }
    return inside;
}

bool geom_intersects_box(const struct geom *g, const double b[4])
{
    double cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
    bool is_areal = g->type == GEOM_POLYGON || g->type == GEOM_MULTIPOLYGON;
    size_t i, r;

    for (i = 0; i < g->n_points; i++) {
        const double *c = g->coords + 2 * i;
        if (c[0] >= b[0] && c[0] <= b[2] && c[1] >= b[1] && c[1] <= b[3])
            return true;
    }
    if (g->type == GEOM_POINT || g->type == GEOM_MULTIPOINT)
        return false;
    for (r = 0; r < g->n_rings; r++)
        for (i = g->rings[r]; i + 1 < g->rings[r + 1]; i++)
            if (seg_meets_box(g->coords + 2 * i, g->coords + 2 * i + 2, b))
                return true;
    for (i = 0; is_areal && i < g->n_parts; i++)
        if (part_contains(g, i, cx, cy))
            return true;
    return false;
}

enum gis_status geom_start_part(struct geom *g)
{
    return start_part(g, NULL);
}

enum gis_status geom_start_ring(struct geom *g)
{
    return start_ring(g, NULL);
}

enum gis_status geom_add_point(struct geom *g, double x, double y)
{
    if (g->n_points >= GEOM_MAX_POINTS)
        return GIS_ERR_GEOMETRY;
    if (!grow((void **)&g->coords, &g->cap_points, (g->n_points + 1) * 2, sizeof *g->coords))
        return GIS_ERR_NOMEM;
    g->coords[2 * g->n_points] = x;
    g->coords[2 * g->n_points + 1] = y;
    g->n_points++;
    return GIS_OK;
}

enum gis_status geom_reserve_points(struct geom *g, size_t n)
{
    if (n > GEOM_MAX_POINTS - g->n_points)
        return GIS_ERR_GEOMETRY;
    if (!grow((void **)&g->coords, &g->cap_points, (g->n_points + n) * 2, sizeof *g->coords))
        return GIS_ERR_NOMEM;
    return GIS_OK;
}

void geom_finish(struct geom *g)
{
    close_offsets(g);
}

void geom_drop_ring(struct geom *g)
{
    if (g->n_rings == 0)
        return;
    g->n_rings--;
    g->n_points = g->rings[g->n_rings];
}

void geom_drop_part(struct geom *g)
{
    if (g->n_parts == 0)
        return;
    g->n_parts--;
    while (g->n_rings > g->parts[g->n_parts])
        geom_drop_ring(g);
}
