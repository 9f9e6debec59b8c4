/*
 * SpatiaLite's own geometry BLOB -> struct geom, without SpatiaLite. Reading the stored
 * bytes directly spares every row the library's round trip (blob -> gaia geometry ->
 * WKB -> geom), which was a sixth of a page of polygons' server time.
 *
 * The format (SpatiaLite's "BLOB-Geometry"): 0x00, a byte-order byte (1 little, 0 big),
 * the SRID (int32), the box (4 doubles), 0x7C, the class (int32), the body, 0xFE. Bodies
 * are WKB-like without per-geometry headers; the parts of a multi form are each 0x69 and
 * a class. Classes: 1-6 XY, +1000 Z, +2000 M, +3000 ZM; +1000000 on lines and polygons
 * marks "compressed" rings, whose inner vertices are float offsets from the previous one
 * (M, when present, stays a double). Z and M are read and dropped.
 *
 * Pure and bounded like the WKB reader: each count is checked against the bytes left
 * before anything is allocated.
 */
#include <string.h>

#include "geom.h"

enum {
    BLOB_START = 0x00,
    BLOB_MBR_END = 0x7C,
    BLOB_ENTITY = 0x69,
    BLOB_END = 0xFE,
    BLOB_HEADER = 43, /* start, order, SRID, box, 0x7C, class */
};

struct blob_reader {
    const unsigned char *p, *end;
    int is_le;
};

/* A class decoded: the simple type, the coordinates per vertex, compressed or not. */
struct blob_class {
    uint32_t type;
    size_t dims;
    int has_m; /* M is a double even in compressed rings */
    int is_compressed;
};

static int blob_u32(struct blob_reader *r, uint32_t *out)
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

/* The caller has checked that 8 bytes remain. The host is little-endian (x86-64,
 * arm64 as Debian runs them), so the usual case is one load. */
static double blob_f64(const struct blob_reader *r, const unsigned char *p)
{
    unsigned char b[8];
    double d;
    int i;

    if (r->is_le) {
        memcpy(&d, p, 8);
        return d;
    }
    for (i = 0; i < 8; i++)
        b[i] = p[7 - i];
    memcpy(&d, b, 8);
    return d;
}

static double blob_f32(const struct blob_reader *r, const unsigned char *p)
{
    unsigned char b[4];
    float f;
    int i;

    if (r->is_le) {
        memcpy(&f, p, 4);
        return (double)f;
    }
    for (i = 0; i < 4; i++)
        b[i] = p[3 - i];
    memcpy(&f, b, 4);
    return (double)f;
}

static int blob_class(uint32_t t, struct blob_class *c)
{
    c->is_compressed = t >= 1000000 && t < 1004000;
    if (c->is_compressed)
        t -= 1000000;
    if (t >= 4000)
        return 0;
    c->dims = t >= 3000 ? 4 : t >= 1000 ? 3 : 2;
    c->has_m = t >= 2000;
    c->type = t % 1000;
    if (c->type < GEOM_POINT || c->type > GEOM_MULTIPOLYGON)
        return 0;
    /* Only lines and polygons have compressed forms. */
    return !c->is_compressed || c->type == GEOM_LINESTRING || c->type == GEOM_POLYGON;
}

/* The bytes one vertex takes: a plain one, or an inner vertex of a compressed ring. */
static size_t vertex_size(const struct blob_class *c, int is_inner)
{
    if (!c->is_compressed || !is_inner)
        return 8 * c->dims;
    return 4 * (c->dims - (size_t)c->has_m) + 8 * (size_t)c->has_m;
}

static enum gis_status
blob_points(struct geom *g, struct blob_reader *r, const struct blob_class *c, uint32_t n)
{
    size_t inner = n > 2 ? n - 2 : 0, outer = n - inner;
    size_t need = outer * vertex_size(c, 0) + inner * vertex_size(c, 1);
    double x = 0, y = 0;
    enum gis_status rc;
    uint32_t i;

    if (n > GEOM_MAX_POINTS - g->n_points || need > (size_t)(r->end - r->p))
        return GIS_ERR_GEOMETRY;
    rc = geom_reserve_points(g, n);
    if (rc != GIS_OK)
        return rc;
    for (i = 0; i < n; i++) {
        int is_inner = c->is_compressed && i > 0 && i + 1 < n;
        if (is_inner) {
            x += blob_f32(r, r->p);
            y += blob_f32(r, r->p + 4);
        } else {
            x = blob_f64(r, r->p);
            y = blob_f64(r, r->p + 8);
        }
        r->p += vertex_size(c, is_inner);
        g->coords[2 * g->n_points] = x; /* reserved above */
        g->coords[2 * g->n_points + 1] = y;
        g->n_points++;
    }
    return GIS_OK;
}

/* One point, line or polygon as a new part of g. */
static enum gis_status
blob_simple(struct geom *g, struct blob_reader *r, const struct blob_class *c)
{
    enum gis_status rc = geom_start_part(g);
    uint32_t n_rings = 1, n = 1, i;

    if (rc == GIS_OK && c->type == GEOM_POLYGON && !blob_u32(r, &n_rings))
        rc = GIS_ERR_GEOMETRY;
    if (rc == GIS_OK && n_rings > (size_t)(r->end - r->p) / 4)
        rc = GIS_ERR_GEOMETRY;
    for (i = 0; i < n_rings && rc == GIS_OK; i++) {
        rc = geom_start_ring(g);
        if (rc == GIS_OK && c->type != GEOM_POINT && !blob_u32(r, &n))
            rc = GIS_ERR_GEOMETRY;
        if (rc == GIS_OK)
            rc = blob_points(g, r, c, n);
    }
    return rc;
}

static enum gis_status blob_multi(struct geom *g, struct blob_reader *r, uint32_t type)
{
    enum gis_status rc = GIS_OK;
    struct blob_class part;
    uint32_t n, i, t;

    if (!blob_u32(r, &n) || n > (size_t)(r->end - r->p) / 5)
        return GIS_ERR_GEOMETRY;
    for (i = 0; i < n && rc == GIS_OK; i++) {
        if (r->p >= r->end || *r->p++ != BLOB_ENTITY || !blob_u32(r, &t) || !blob_class(t, &part) ||
            part.type != type - 3)
            return GIS_ERR_GEOMETRY;
        rc = blob_simple(g, r, &part);
    }
    return rc;
}

enum gis_status
geom_from_spatialite(struct geom *g, const unsigned char *blob, size_t size, struct gis_error *err)
{
    struct blob_reader r = {blob, blob ? blob + size : NULL, 1};
    struct blob_class c;
    enum gis_status rc = GIS_ERR_GEOMETRY;
    uint32_t t = 0;

    geom_clear(g);
    if (!blob || size < BLOB_HEADER + 1 || blob[0] != BLOB_START || blob[1] > 1 ||
        blob[38] != BLOB_MBR_END || blob[size - 1] != BLOB_END)
        return gis_fail(err, GIS_ERR_GEOMETRY, "not a SpatiaLite geometry");
    r.is_le = blob[1] == 1;
    r.p = blob + 39;
    r.end = blob + size - 1; /* the body ends before 0xFE */
    if (blob_u32(&r, &t) && blob_class(t, &c)) {
        g->type = (enum geom_type)c.type;
        rc = c.type <= GEOM_POLYGON ? blob_simple(g, &r, &c) : blob_multi(g, &r, c.type);
    }
    geom_finish(g);
    if (rc == GIS_OK && r.p != r.end)
        rc = GIS_ERR_GEOMETRY;
    if (rc == GIS_OK)
        return GIS_OK;
    geom_clear(g);
    if (rc == GIS_ERR_NOMEM)
        return gis_fail(err, rc, "SpatiaLite geometry: out of memory");
    return gis_fail(err, GIS_ERR_GEOMETRY,
                    "SpatiaLite geometry: class %u is unsupported, truncated or malformed",
                    (unsigned)t);
}

int geom_spatialite_box(const unsigned char *blob, size_t size, double out[4])
{
    struct blob_reader r = {blob, blob ? blob + size : NULL, 1};
    int i;

    if (!blob || size < BLOB_HEADER + 1 || blob[0] != BLOB_START || blob[1] > 1 ||
        blob[38] != BLOB_MBR_END)
        return 0;
    r.is_le = blob[1] == 1;
    for (i = 0; i < 4; i++)
        out[i] = blob_f64(&r, blob + 6 + 8 * i);
    return 1;
}
