/*
 * A layer prepared for tiling (see tilesource.h): Web Mercator copies, shared-border
 * vertex ranks, feature hashes and a packed Hilbert R-tree.
 */
#include "tilesource.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile.h"

#define NODE_SIZE 16

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

struct tile_source {
    char **keys;
    size_t n_keys;
    struct tile_feature *f;
    size_t n, cap;
    /* The R-tree, flat: level 0 holds the features in Hilbert order, each level above
     * one box per NODE_SIZE boxes below. ref: a feature index on level 0, else the
     * position of the first child. level_end[k]: one past level k's last box. */
    double *boxes;
    size_t *ref;
    size_t level_end[16];
    size_t n_levels;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

enum gis_status tile_source_new(const char *const *keys, size_t n_keys, struct tile_source **out)
{
    struct tile_source *s = calloc(1, sizeof *s);
    size_t i;

    *out = NULL;
    if (!s || !(s->keys = calloc(n_keys ? n_keys : 1, sizeof *s->keys))) {
        free(s);
        return GIS_ERR_NOMEM;
    }
    s->n_keys = n_keys;
    for (i = 0; i < n_keys; i++) {
        if (!(s->keys[i] = dup_str(keys[i]))) {
            tile_source_free(s);
            return GIS_ERR_NOMEM;
        }
    }
    *out = s;
    return GIS_OK;
}

static void free_values(struct mvt_value *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (v[i].type == MVT_STRING)
            free((char *)v[i].s);
    free(v);
}

void tile_source_free(struct tile_source *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++) {
        free((char *)s->f[i].id);
        geom_free(&s->f[i].g);
        free(s->f[i].rank);
        free_values(s->f[i].values, s->n_keys);
    }
    for (i = 0; i < s->n_keys; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->f);
    free(s->boxes);
    free(s->ref);
    free(s);
}

/* in projected to 3857 into out (same parts and rings, without the points that do not
 * project: NaN, infinite). */
static enum gis_status project_geom(const struct geom *in, struct geom *out)
{
    size_t p, r, i;
    enum gis_status rc = GIS_OK;

    out->type = in->type;
    for (p = 0; p < in->n_parts && rc == GIS_OK; p++) {
        rc = geom_start_part(out);
        for (r = in->parts[p]; r < in->parts[p + 1] && rc == GIS_OK; r++) {
            rc = geom_start_ring(out);
            for (i = in->rings[r]; i < in->rings[r + 1] && rc == GIS_OK; i++) {
                double x, y;
                tile_lonlat_to_3857(in->coords[2 * i], in->coords[2 * i + 1], &x, &y);
                if (isfinite(x) && isfinite(y)) /* else it projects to nothing: left out */
                    rc = geom_add_point(out, x, y);
            }
        }
    }
    geom_finish(out);
    return rc;
}

static enum gis_status copy_values(struct mvt_value **out, const struct mvt_value *in, size_t n)
{
    size_t i;

    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        (*out)[i] = in[i];
        if (in[i].type == MVT_STRING && in[i].s && !((*out)[i].s = dup_str(in[i].s)))
            return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

enum gis_status tile_source_add(struct tile_source *s,
                                const char *id,
                                const struct geom *lonlat,
                                const struct mvt_value *values)
{
    struct tile_feature *f;
    char *end;
    enum gis_status rc;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct tile_feature *q = realloc(s->f, cap * sizeof *q);
        if (!q)
            return GIS_ERR_NOMEM;
        s->f = q;
        s->cap = cap;
    }
    f = &s->f[s->n++];
    memset(f, 0, sizeof *f);
    geom_init(&f->g);
    f->num_id = strtoull(id, &end, 10);
    f->has_num_id = *id && !*end && id[0] != '-' && id[0] != '+' && id[0] != ' ';
    if (!(f->id = dup_str(id)))
        return GIS_ERR_NOMEM;
    rc = project_geom(lonlat, &f->g);
    if (rc == GIS_OK)
        rc = copy_values(&f->values, values, s->n_keys);
    if (rc == GIS_OK && !(f->rank = malloc((f->g.n_points ? f->g.n_points : 1) * sizeof *f->rank)))
        rc = GIS_ERR_NOMEM;
    if (rc == GIS_OK && f->g.n_points)
        geom_bbox(&f->g, f->bbox);
    else
        memcpy(f->bbox, EMPTY_BOX, sizeof EMPTY_BOX);
    return rc;
}

size_t tile_source_keys(const struct tile_source *s, const char *const **out)
{
    *out = (const char *const *)s->keys;
    return s->n_keys;
}

size_t tile_source_count(const struct tile_source *s)
{
    return s->n;
}

const struct tile_feature *tile_source_feature(const struct tile_source *s, size_t i)
{
    return &s->f[i];
}

/* ------------------------------------------------------------------ junctions */

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t point_hash(const double *p)
{
    uint64_t a, b;

    memcpy(&a, &p[0], 8);
    memcpy(&b, &p[1], 8);
    return mix(a ^ mix(b));
}

static int cmp_pt(const double *a, const double *b)
{
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Every distinct vertex with the hash of its neighbours where it was first seen: bit 1
 * always set (0 marks an empty slot), bit 0 set once it is known to be a junction.
 * Open addressing; the point is kept in the slot, so a probe reads one cache line. */
struct vslot {
    double x, y;
    uint64_t pair;
};

struct vtable {
    struct vslot *slot;
    size_t mask;
};

static struct vslot *vt_find(struct vtable *t, const double *p)
{
    size_t i = point_hash(p) & t->mask;

    while (t->slot[i].pair && (t->slot[i].x != p[0] || t->slot[i].y != p[1]))
        i = (i + 1) & t->mask;
    return &t->slot[i];
}

/* Ring or line r of feature fi: its points without a ring's closing repeat. */
static size_t ring_len(const struct geom *g, size_t r, bool is_ring)
{
    size_t a = g->rings[r], b = g->rings[r + 1];

    if (is_ring && b - a > 1 && !cmp_pt(g->coords + 2 * a, g->coords + 2 * (b - 1)))
        return b - a - 1;
    return b - a;
}

/* The neighbours of point k (of m) of a ring or line starting at c, as an unordered
 * pair's hash with bit 1 set; bit 0 set too (a junction) at a line's ends. */
static uint64_t neighbour_pair(const double *c, size_t k, size_t m, bool is_ring)
{
    const double *p, *n;
    uint64_t hp, hn;

    if (!is_ring && (k == 0 || k + 1 == m))
        return 3;
    p = c + 2 * ((k + m - 1) % m);
    n = c + 2 * ((k + 1) % m);
    hp = point_hash(p);
    hn = point_hash(n);
    return ((hp < hn ? mix(hp ^ mix(hn)) : mix(hn ^ mix(hp))) & ~(uint64_t)3) | 2;
}

static bool is_ring_type(enum geom_type t)
{
    return t == GEOM_POLYGON || t == GEOM_MULTIPOLYGON;
}

static bool is_point_type(enum geom_type t)
{
    return t == GEOM_POINT || t == GEOM_MULTIPOINT;
}

static void vt_note(struct vtable *t, const struct geom *g, size_t r)
{
    bool is_ring = is_ring_type(g->type);
    size_t k, m = ring_len(g, r, is_ring), a = g->rings[r];

    for (k = 0; k < m; k++) {
        const double *c = g->coords + 2 * (a + k);
        uint64_t pair = neighbour_pair(g->coords + 2 * a, k, m, is_ring);
        struct vslot *v = vt_find(t, c);
        if (!v->pair) {
            v->x = c[0];
            v->y = c[1];
            v->pair = pair;
        } else if ((v->pair | 1) != (pair | 1) || (pair & 1)) {
            v->pair |= 1;
        }
    }
}

/* Marks the junctions of every ring and line in the ranks (INFINITY; 0 elsewhere),
 * which ranking then reads and overwrites chain by chain. */
static enum gis_status mark_junctions(struct tile_source *s)
{
    struct vtable t;
    size_t i, r, k, n = 0, cap = 16;

    for (i = 0; i < s->n; i++)
        if (!is_point_type(s->f[i].g.type))
            n += s->f[i].g.n_points;
    while (cap < n + n / 2)
        cap *= 2;
    t.slot = calloc(cap, sizeof *t.slot);
    if (!t.slot)
        return GIS_ERR_NOMEM;
    t.mask = cap - 1;
    for (i = 0; i < s->n; i++)
        for (r = 0; !is_point_type(s->f[i].g.type) && r < s->f[i].g.n_rings; r++)
            vt_note(&t, &s->f[i].g, r);
    for (i = 0; i < s->n; i++) {
        const struct geom *g = &s->f[i].g;
        for (k = 0; !is_point_type(g->type) && k < g->n_points; k++)
            s->f[i].rank[k] = vt_find(&t, g->coords + 2 * k)->pair & 1 ? INFINITY : 0;
    }
    free(t.slot);
    return GIS_OK;
}

/* ---------------------------------------------------------------- ranking */

static double seg_dist2(const double *a, const double *b, const double *p)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
    double px = p[0] - a[0], py = p[1] - a[1];

    if (len2 > 0) {
        double t = fmax(0, fmin(1, (px * dx + py * dy) / len2));
        px -= t * dx;
        py -= t * dy;
    }
    return px * px + py * py;
}

struct span {
    size_t i, j;
    double parent;
};

/* Douglas-Peucker ranks of points 1..m-2 of xy (the ends are fixed): the tolerance
 * below which each is kept, never above its parent's. stack holds m spans. */
static void dp_rank(const double *xy, size_t m, double *rank, struct span *stack)
{
    size_t top = 0;

    rank[0] = rank[m - 1] = INFINITY;
    stack[top++] = (struct span){0, m - 1, INFINITY};
    while (top) {
        struct span sp = stack[--top];
        double best = -1, d;
        size_t k, at = sp.i;
        for (k = sp.i + 1; k < sp.j; k++) {
            double d2 = seg_dist2(xy + 2 * sp.i, xy + 2 * sp.j, xy + 2 * k);
            if (d2 > best) {
                best = d2;
                at = k;
            }
        }
        if (at == sp.i)
            continue;
        d = sqrt(best);
        rank[at] = d < sp.parent ? d : sp.parent;
        stack[top++] = (struct span){sp.i, at, rank[at]};
        stack[top++] = (struct span){at, sp.j, rank[at]};
    }
}

struct chain_buf {
    double *xy, *rank;
    size_t *pos;
    struct span *stack;
    size_t cap;
};

static enum gis_status chain_reserve(struct chain_buf *b, size_t n)
{
    if (n <= b->cap)
        return GIS_OK;
    free(b->xy);
    free(b->rank);
    free(b->pos);
    free(b->stack);
    b->xy = malloc(2 * n * sizeof *b->xy);
    b->rank = malloc(n * sizeof *b->rank);
    b->pos = malloc(n * sizeof *b->pos);
    b->stack = malloc(n * sizeof *b->stack);
    b->cap = b->xy && b->rank && b->pos && b->stack ? n : 0;
    return b->cap ? GIS_OK : GIS_ERR_NOMEM;
}

/* Ranks the chain of a ring or line from point ja for len points (wrapping at m), in
 * its canonical direction: from the lower end, or for a closed chain the lower second
 * point, so both rings sharing it rank it the same. */
static void
rank_chain(const double *c, size_t ja, size_t len, size_t m, double *rank, struct chain_buf *b)
{
    const double *first = c + 2 * ja, *last = c + 2 * ((ja + len - 1) % m);
    int d = cmp_pt(first, last);
    bool flip = d > 0;
    size_t k;

    if (d == 0 && len >= 3)
        flip = cmp_pt(c + 2 * ((ja + 1) % m), c + 2 * ((ja + len - 2) % m)) > 0;
    for (k = 0; k < len; k++) {
        size_t at = flip ? len - 1 - k : k;
        b->pos[at] = (ja + k) % m;
        memcpy(b->xy + 2 * at, c + 2 * b->pos[at], 2 * sizeof(double));
    }
    dp_rank(b->xy, len, b->rank, b->stack);
    for (k = 0; k < len; k++)
        rank[b->pos[k]] = b->rank[k];
}

/* Before its chain is ranked, a point's rank says whether it is a junction. */
static bool is_junction(const double *rank, size_t k)
{
    return rank[k] == INFINITY;
}

/* The ring's (or line's) lowest point: a ring without junctions is ranked from there. */
static size_t lowest(const double *c, size_t m)
{
    size_t k, at = 0;

    for (k = 1; k < m; k++)
        if (cmp_pt(c + 2 * k, c + 2 * at) < 0)
            at = k;
    return at;
}

/* A line: chains between its ends and the junctions along it. */
static void rank_line(const double *c, size_t m, double *rank, struct chain_buf *b)
{
    size_t ja = 0, jb;

    rank[0] = INFINITY;
    while (ja + 1 < m) {
        for (jb = ja + 1; jb + 1 < m && !is_junction(rank, jb); jb++)
            ;
        rank_chain(c, ja, jb - ja + 1, m, rank, b);
        ja = jb;
    }
}

/* A ring: chains from junction to junction around it; a ring without junctions is one
 * closed chain from its lowest point. */
static void rank_closed(const double *c, size_t m, double *rank, struct chain_buf *b)
{
    size_t k, first = SIZE_MAX, ja, jb;

    for (k = 0; k < m && first == SIZE_MAX; k++)
        if (is_junction(rank, k))
            first = k;
    if (first == SIZE_MAX)
        first = lowest(c, m);
    ja = first;
    do {
        for (jb = (ja + 1) % m; jb != first && !is_junction(rank, jb); jb = (jb + 1) % m)
            ;
        rank_chain(c, ja, (jb == ja ? m : (jb + m - ja) % m) + 1, m, rank, b);
        ja = jb;
    } while (ja != first);
}

static enum gis_status rank_ring(struct tile_feature *f, size_t r, struct chain_buf *b)
{
    bool is_ring = is_ring_type(f->g.type);
    size_t a = f->g.rings[r], m = ring_len(&f->g, r, is_ring);
    const double *c;
    double *rank;

    if (m == 0)
        return GIS_OK;
    c = f->g.coords + 2 * a;
    rank = f->rank + a;
    if (chain_reserve(b, m + 1) != GIS_OK)
        return GIS_ERR_NOMEM;
    if (m == 1)
        rank[0] = INFINITY;
    else if (is_ring)
        rank_closed(c, m, rank, b);
    else
        rank_line(c, m, rank, b);
    if (f->g.rings[r + 1] - a > m) /* the closing repeat */
        rank[m] = rank[0];
    return GIS_OK;
}

static enum gis_status rank_all(struct tile_source *s)
{
    struct chain_buf b = {0};
    enum gis_status rc = mark_junctions(s);
    size_t i, r, k;

    for (i = 0; i < s->n && rc == GIS_OK; i++) {
        struct tile_feature *f = &s->f[i];
        if (is_point_type(f->g.type)) {
            for (k = 0; k < f->g.n_points; k++)
                f->rank[k] = INFINITY;
            continue;
        }
        for (r = 0; r < f->g.n_rings && rc == GIS_OK; r++)
            rc = rank_ring(f, r, &b);
    }
    free(b.xy);
    free(b.rank);
    free(b.pos);
    free(b.stack);
    return rc;
}

/* ------------------------------------------------------------------ hashes */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t i;

    for (i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, c + i, 8);
        h = mix(h ^ w);
    }
    for (; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}

static uint64_t hash_value(uint64_t h, const struct mvt_value *v)
{
    h = hash_bytes(h, &v->type, sizeof v->type);
    switch (v->type) {
    case MVT_STRING:
        return v->s ? hash_bytes(h, v->s, strlen(v->s) + 1) : hash_bytes(h, "", 0) + 1;
    case MVT_INT:
        return hash_bytes(h, &v->i, sizeof v->i);
    case MVT_DOUBLE:
        return hash_bytes(h, &v->d, sizeof v->d);
    default:
        return hash_bytes(h, &v->b, sizeof v->b);
    }
}

static uint64_t feature_hash(const struct tile_feature *f, size_t n_keys)
{
    uint64_t h = hash_bytes(1469598103934665603ULL, f->id, strlen(f->id) + 1);
    size_t i;

    h = hash_bytes(h, &f->g.type, sizeof f->g.type);
    h = hash_bytes(h, f->g.coords, 2 * f->g.n_points * sizeof(double));
    h = hash_bytes(h, f->rank, f->g.n_points * sizeof(double));
    h = hash_bytes(h, f->g.rings, (f->g.n_rings + 1) * sizeof(size_t));
    h = hash_bytes(h, f->g.parts, (f->g.n_parts + 1) * sizeof(size_t));
    for (i = 0; i < n_keys; i++)
        h = hash_value(h, &f->values[i]);
    return h;
}

/* ------------------------------------------------------------------ index */

/* Position of (x, y) on the Hilbert curve of a 2^16 grid. */
static uint64_t hilbert(uint32_t x, uint32_t y)
{
    uint64_t d = 0;
    uint32_t s, rx, ry, tmp;

    for (s = 1u << 15; s > 0; s >>= 1) {
        rx = (x & s) > 0;
        ry = (y & s) > 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            tmp = x;
            x = y;
            y = tmp;
        }
    }
    return d;
}

struct keyed {
    uint64_t key;
    size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static void box_extend(double *b, const double *o)
{
    b[0] = fmin(b[0], o[0]);
    b[1] = fmin(b[1], o[1]);
    b[2] = fmax(b[2], o[2]);
    b[3] = fmax(b[3], o[3]);
}

/* A fraction 0..1 on a 2^16 grid; anything else (NaN from hostile input) to 0. */
static uint32_t grid16(double v)
{
    return v >= 0 && v <= 1 ? (uint32_t)(v * 65535) : 0;
}

/* Level 0 in Hilbert order of the boxes' centres. */
static enum gis_status index_leaves(struct tile_source *s)
{
    struct keyed *k = malloc((s->n ? s->n : 1) * sizeof *k);
    double all[4];
    size_t i;

    if (!k)
        return GIS_ERR_NOMEM;
    memcpy(all, EMPTY_BOX, sizeof all);
    for (i = 0; i < s->n; i++)
        if (s->f[i].g.n_points)
            box_extend(all, s->f[i].bbox);
    for (i = 0; i < s->n; i++) {
        const double *b = s->f[i].bbox;
        double w = all[2] - all[0], h = all[3] - all[1], cx = 0, cy = 0;
        if (s->f[i].g.n_points && w > 0)
            cx = ((b[0] + b[2]) / 2 - all[0]) / w;
        if (s->f[i].g.n_points && h > 0)
            cy = ((b[1] + b[3]) / 2 - all[1]) / h;
        k[i] = (struct keyed){hilbert(grid16(cx), grid16(cy)), i};
    }
    qsort(k, s->n, sizeof *k, cmp_keyed);
    for (i = 0; i < s->n; i++) {
        memcpy(s->boxes + 4 * i, s->f[k[i].i].bbox, 4 * sizeof(double));
        s->ref[i] = k[i].i;
    }
    free(k);
    return GIS_OK;
}

static enum gis_status build_index(struct tile_source *s)
{
    size_t total = 0, n = s->n, pos, lo, i;

    do { /* the number of boxes over all levels */
        total += n;
        n = (n + NODE_SIZE - 1) / NODE_SIZE;
    } while (n > 1 && total);
    total += 1;
    s->boxes = malloc(4 * total * sizeof *s->boxes);
    s->ref = malloc(total * sizeof *s->ref);
    if (!s->boxes || !s->ref || index_leaves(s) != GIS_OK)
        return GIS_ERR_NOMEM;
    s->level_end[0] = s->n;
    s->n_levels = 1;
    for (lo = 0, pos = s->n; s->level_end[s->n_levels - 1] - lo > 1 && s->n_levels < 16;) {
        size_t end = s->level_end[s->n_levels - 1];
        for (i = lo; i < end; i += NODE_SIZE, pos++) {
            size_t k;
            memcpy(s->boxes + 4 * pos, EMPTY_BOX, sizeof EMPTY_BOX);
            for (k = i; k < end && k < i + NODE_SIZE; k++)
                box_extend(s->boxes + 4 * pos, s->boxes + 4 * k);
            s->ref[pos] = i;
        }
        lo = end;
        s->level_end[s->n_levels++] = pos;
    }
    return GIS_OK;
}

enum gis_status tile_source_finish(struct tile_source *s)
{
    enum gis_status rc = rank_all(s);
    size_t i;

    for (i = 0; i < s->n && rc == GIS_OK; i++)
        s->f[i].hash = feature_hash(&s->f[i], s->n_keys);
    if (rc == GIS_OK)
        rc = build_index(s);
    return rc;
}

static bool boxes_meet(const double *a, const double *b)
{
    return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

static bool push(size_t **v, size_t *n, size_t *cap, size_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        size_t *q = realloc(*v, c * sizeof *q);
        if (!q)
            return false;
        *v = q;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return true;
}

size_t
tile_source_query(const struct tile_source *s, const double box[4], size_t **hits, size_t *cap)
{
    size_t stack[16 * NODE_SIZE], top = 0, n = 0;
    size_t levels[16 * NODE_SIZE];

    if (!s->n)
        return 0;
    stack[top] = s->level_end[s->n_levels - 1] - 1; /* the root */
    levels[top++] = s->n_levels - 1;
    while (top) {
        size_t pos = stack[--top], lv = levels[top], k, end;
        if (!boxes_meet(s->boxes + 4 * pos, box))
            continue;
        if (lv == 0) {
            if (!push(hits, &n, cap, s->ref[pos]))
                return (size_t)-1;
            continue;
        }
        end = s->level_end[lv - 1];
        for (k = s->ref[pos]; k < end && k < s->ref[pos] + NODE_SIZE; k++) {
            stack[top] = k;
            levels[top++] = lv - 1;
        }
    }
    if (n > 1)
        qsort(*hits, n, sizeof **hits, cmp_size);
    return n;
}

/* ------------------------------------------------------------------ diff */

struct id_ix {
    const char *id;
    size_t i;
};

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const struct id_ix *)a)->id, ((const struct id_ix *)b)->id);
}

/* The features' indexes sorted by id. */
static size_t *by_id(const struct tile_source *s)
{
    struct id_ix *v = malloc((s->n ? s->n : 1) * sizeof *v);
    size_t *out = malloc((s->n ? s->n : 1) * sizeof *out), i;

    if (!v || !out) {
        free(v);
        free(out);
        return NULL;
    }
    for (i = 0; i < s->n; i++)
        v[i] = (struct id_ix){s->f[i].id, i};
    qsort(v, s->n, sizeof *v, cmp_id);
    for (i = 0; i < s->n; i++)
        out[i] = v[i].i;
    free(v);
    return out;
}

static bool same_keys(const struct tile_source *a, const struct tile_source *b)
{
    size_t i;

    if (a->n_keys != b->n_keys)
        return false;
    for (i = 0; i < a->n_keys; i++)
        if (strcmp(a->keys[i], b->keys[i]))
            return false;
    return true;
}

/* One step of the merge by id: fa and fb (either may be NULL) compared. */
static void diff_step(const struct tile_feature *fa,
                      const struct tile_feature *fb,
                      int d,
                      void (*dirty)(void *ctx, const double box[4]),
                      void *ctx)
{
    if (d == 0 && fa->hash == fb->hash)
        return;
    if (d <= 0 && fa->g.n_points)
        dirty(ctx, fa->bbox);
    if (d >= 0 && fb->g.n_points)
        dirty(ctx, fb->bbox);
}

enum gis_status tile_source_diff(const struct tile_source *old_src,
                                 const struct tile_source *new_src,
                                 void (*dirty)(void *ctx, const double box[4]),
                                 void *ctx)
{
    static const double world[4] = {-TILE_WEBMERC_HALF, -TILE_WEBMERC_HALF, TILE_WEBMERC_HALF,
                                    TILE_WEBMERC_HALF};
    size_t *a, *b, i = 0, j = 0;
    bool is_ok;

    if (!same_keys(old_src, new_src)) {
        dirty(ctx, world);
        return GIS_OK;
    }
    a = by_id(old_src);
    b = by_id(new_src);
    is_ok = a && b;
    while (is_ok && (i < old_src->n || j < new_src->n)) {
        const struct tile_feature *fa = i < old_src->n ? &old_src->f[a[i]] : NULL;
        const struct tile_feature *fb = j < new_src->n ? &new_src->f[b[j]] : NULL;
        int d = !fa ? 1 : !fb ? -1 : strcmp(fa->id, fb->id);
        diff_step(fa, fb, d, dirty, ctx);
        i += d <= 0;
        j += d >= 0;
    }
    free(a);
    free(b);
    return is_ok ? GIS_OK : GIS_ERR_NOMEM;
}
