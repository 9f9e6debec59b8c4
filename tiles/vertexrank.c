/*
 * Shared-border Douglas-Peucker ranks (see vertexrank.h): junctions found by sorting
 * every vertex occurrence with its neighbours, then each chain between junctions ranked
 * in its canonical direction, iteratively (no recursion on long chains).
 */
#include "vertexrank.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

/* ------------------------------------------------------------------ junctions */

static uint64_t point_hash(const double *p)
{
    uint64_t a, b;

    memcpy(&a, &p[0], 8);
    memcpy(&b, &p[1], 8);
    return hash_mix64(a ^ hash_mix64(b));
}

static int cmp_pt(const double *a, const double *b)
{
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
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
    return ((hp < hn ? hash_mix64(hp ^ hash_mix64(hn)) : hash_mix64(hn ^ hash_mix64(hp))) &
            ~(uint64_t)3) |
           2;
}

static bool is_ring_type(enum geom_type t)
{
    return t == GEOM_POLYGON || t == GEOM_MULTIPOLYGON;
}

static bool is_point_type(enum geom_type t)
{
    return t == GEOM_POINT || t == GEOM_MULTIPOINT;
}

/* One occurrence of a vertex in a ring or line: the point's hash, its neighbours' (see
 * neighbour_pair) and a running index over every ring and line point. Two different
 * points with the same 64-bit hash would count as one: that can only add junctions,
 * the same for every ring through them, so shared borders stay shared. */
struct occ {
    uint64_t key, pair;
    uint32_t at;
};

static int cmp_occ(const void *a, const void *b)
{
    uint64_t x = ((const struct occ *)a)->key, y = ((const struct occ *)b)->key;

    return x < y ? -1 : x > y;
}

/* Sorts by key: least significant digit first, 16 bits a pass (four passes: the result
 * ends in o); qsort below 64K occurrences, where the digit counts would cost more. */
static enum gis_status sort_occ(struct occ *o, size_t n)
{
    struct occ *tmp, *from = o, *to, *swap;
    size_t *pos, i, sum, d;
    int shift;

    if (n < 65536) {
        qsort(o, n, sizeof *o, cmp_occ);
        return GIS_OK;
    }
    tmp = malloc(n * sizeof *tmp);
    pos = malloc(65536 * sizeof *pos);
    to = tmp;
    if (!tmp || !pos) {
        free(tmp);
        free(pos);
        return GIS_ERR_NOMEM;
    }
    for (shift = 0; shift < 64; shift += 16) {
        memset(pos, 0, 65536 * sizeof *pos);
        for (i = 0; i < n; i++)
            pos[(from[i].key >> shift) & 0xffff]++;
        for (d = 0, sum = 0; d < 65536; d++) {
            size_t c = pos[d];
            pos[d] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            to[pos[(from[i].key >> shift) & 0xffff]++] = from[i];
        swap = from;
        from = to;
        to = swap;
    }
    free(tmp);
    free(pos);
    return GIS_OK;
}

/* Every point of every ring and line, in order, as occurrences into o (NULL: count
 * only). Returns how many. */
static size_t list_occ(const struct geom *const *g, size_t n_geoms, struct occ *o)
{
    size_t i, r, k, n = 0;

    for (i = 0; i < n_geoms; i++) {
        bool is_ring = is_ring_type(g[i]->type);
        for (r = 0; !is_point_type(g[i]->type) && r < g[i]->n_rings; r++) {
            size_t m = ring_len(g[i], r, is_ring);
            const double *c;
            if (m == 0) /* an empty ring: its coordinates may be NULL */
                continue;
            c = g[i]->coords + 2 * g[i]->rings[r];
            for (k = 0; o && k < m; k++)
                o[n + k] = (struct occ){point_hash(c + 2 * k), neighbour_pair(c, k, m, is_ring),
                                        (uint32_t)(n + k)};
            n += m;
        }
    }
    return n;
}

/* Sets flags[at] for the occurrences of junctions: a vertex whose neighbours differ from
 * one occurrence to another, or a line's end. o is sorted by key. */
static void flag_junctions(const struct occ *o, size_t n, unsigned char *flags)
{
    size_t i, j, t;

    for (i = 0; i < n; i = j) {
        bool is_junction = (o[i].pair & 1) != 0;
        for (j = i + 1; j < n && o[j].key == o[i].key; j++)
            is_junction = is_junction || (o[j].pair | 1) != (o[i].pair | 1) || (o[j].pair & 1);
        for (t = i; is_junction && t < j; t++)
            flags[o[t].at] = 1;
    }
}

/* The occurrences' flags (in list_occ's order) onto each geometry's points; returns
 * how many occurrences g took. */
static size_t
spread_flags(const struct geom *g, const unsigned char *occ_flags, unsigned char *flags)
{
    bool is_ring = is_ring_type(g->type);
    size_t at = 0, r, k;

    if (g->n_points)
        memset(flags, 0, g->n_points);
    for (r = 0; !is_point_type(g->type) && r < g->n_rings; r++) {
        size_t m = ring_len(g, r, is_ring), a = g->rings[r];
        for (k = 0; k < m; k++)
            flags[a + k] = occ_flags[at++];
        if (m && g->rings[r + 1] - a > m) /* the closing repeat, as its first point */
            flags[a + m] = flags[a];
    }
    return at;
}

enum gis_status
vertexrank_junctions(const struct geom *const *g, unsigned char *const *flags, size_t n_geoms)
{
    size_t n = list_occ(g, n_geoms, NULL), at = 0, i;
    struct occ *o = n < UINT32_MAX ? malloc((n ? n : 1) * sizeof *o) : NULL;
    unsigned char *occ_flags = calloc(n ? n : 1, 1);
    enum gis_status rc = o && occ_flags ? GIS_OK : GIS_ERR_NOMEM;

    /* Sorting the occurrences by point (rather than a hash table of points) keeps memory
     * access sequential. */
    if (rc == GIS_OK) {
        list_occ(g, n_geoms, o);
        rc = sort_occ(o, n);
    }
    if (rc == GIS_OK)
        flag_junctions(o, n, occ_flags);
    for (i = 0; i < n_geoms && rc == GIS_OK; i++)
        at += spread_flags(g[i], occ_flags + at, flags[i]);
    free(o);
    free(occ_flags);
    return rc;
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

static enum gis_status rank_ring(const struct geom *g, double *ranks, size_t r, struct chain_buf *b)
{
    bool is_ring = is_ring_type(g->type);
    size_t a = g->rings[r], m = ring_len(g, r, is_ring);
    const double *c;
    double *rank;

    if (m == 0)
        return GIS_OK;
    c = g->coords + 2 * a;
    rank = ranks + a;
    if (chain_reserve(b, m + 1) != GIS_OK)
        return GIS_ERR_NOMEM;
    if (m == 1)
        rank[0] = INFINITY;
    else if (is_ring)
        rank_closed(c, m, rank, b);
    else
        rank_line(c, m, rank, b);
    if (g->rings[r + 1] - a > m) /* the closing repeat */
        rank[m] = rank[0];
    return GIS_OK;
}

enum gis_status vertexrank_rank(const struct geom *const *g,
                                const unsigned char *const *flags,
                                double *const *rank,
                                size_t n)
{
    struct chain_buf b = {0};
    enum gis_status rc = GIS_OK;
    size_t i, r, k;

    for (i = 0; i < n && rc == GIS_OK; i++) {
        bool is_points = is_point_type(g[i]->type);
        /* The junctions marked in the ranks (INFINITY), which ranking reads and
         * overwrites chain by chain. */
        for (k = 0; k < g[i]->n_points; k++)
            rank[i][k] = is_points || flags[i][k] ? INFINITY : 0;
        for (r = 0; !is_points && r < g[i]->n_rings && rc == GIS_OK; r++)
            rc = rank_ring(g[i], rank[i], r, &b);
    }
    free(b.xy);
    free(b.rank);
    free(b.pos);
    free(b.stack);
    return rc;
}
