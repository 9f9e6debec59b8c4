/* Unit tests of tiles/tilesource: ranks against plain Douglas-Peucker, shared borders
 * simplified the same on both sides (no gap, no overlap), the R-tree against a scan,
 * and the diff that drives tile invalidation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtree.h"
#include "tile.h"
#include "tilegeom.h"
#include "tilesource.h"

/* Plain recursive Douglas-Peucker, the reference. */
static void dp_ref(const double *xy, size_t i, size_t j, double tol, char *keep)
{
    double ax = xy[2 * i], ay = xy[2 * i + 1], dx = xy[2 * j] - ax, dy = xy[2 * j + 1] - ay;
    double len2 = dx * dx + dy * dy, best = -1;
    size_t k, at = i;

    for (k = i + 1; k < j; k++) {
        double px = xy[2 * k] - ax, py = xy[2 * k + 1] - ay, t, d2;
        t = len2 > 0 ? fmax(0, fmin(1, (px * dx + py * dy) / len2)) : 0;
        px -= t * dx;
        py -= t * dy;
        d2 = px * px + py * py;
        if (d2 > best) {
            best = d2;
            at = k;
        }
    }
    if (best > tol * tol) {
        keep[at] = 1;
        dp_ref(xy, i, at, tol, keep);
        dp_ref(xy, at, j, tol, keep);
    }
}

static struct geom line_of(double *coords, size_t n, size_t *rings, size_t *parts)
{
    rings[0] = 0;
    rings[1] = n;
    parts[0] = 0;
    parts[1] = 1;
    return (struct geom){GEOM_LINESTRING, coords, n, rings, 1, parts, 1, 0, 0, 0};
}

static struct tile_source *source_of(const struct geom *g, size_t n)
{
    struct tile_source *s = NULL;
    char id[32];
    size_t i;

    assert_int_equal(tile_source_new(NULL, 0, &s), GIS_OK);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%zu", i + 1);
        assert_int_equal(tile_source_add(s, (int64_t)i + 1, id, &g[i], NULL), GIS_OK);
    }
    assert_int_equal(tile_source_finish(s), GIS_OK);
    return s;
}

/* Keeping the points ranked above t is Douglas-Peucker at t, for every t. */
static void test_ranks_are_douglas_peucker(void **state)
{
    double ll[2 * 300];
    size_t rings[2], parts[2], i, k, round;
    char keep[300];

    (void)state;
    srand(7);
    for (round = 0; round < 20; round++) {
        struct geom g;
        struct tile_source *s;
        const struct tile_feature *f;
        for (i = 0; i < 300; i++) {
            ll[2 * i] = 109 + i * 0.001;
            ll[2 * i + 1] = 36 + (rand() % 1000) * 1e-5 * (1 + round % 4);
        }
        g = line_of(ll, 300, rings, parts);
        s = source_of(&g, 1);
        f = tile_source_feature(s, 0);
        for (k = 0; k < 12; k++) {
            double tol = ldexp(1.0, (int)k); /* 1 m .. 2 km */
            memset(keep, 0, sizeof keep);
            keep[0] = keep[299] = 1;
            dp_ref(f->g.coords, 0, 299, tol, keep);
            for (i = 0; i < 300; i++)
                assert_int_equal(keep[i], f->rank[i] > tol);
        }
        tile_source_free(s);
    }
}

/* The ring of the square [x0,x1]x[0,1] (lon/lat offsets around 109E 36N), its east
 * side a wiggly border of n points from (x1,0) up to (x1,1) when east is set, its west
 * side the same border (walked down) when west is set: neighbours share it exactly. */
static size_t square(double *c, double x0, double x1, bool west, bool east, size_t n)
{
    size_t k, m = 0;

#define PT(x, y)                                                                                   \
    do {                                                                                           \
        c[2 * m] = 109 + (x)*0.1;                                                                  \
        c[2 * m + 1] = 36 + (y)*0.1;                                                               \
        m++;                                                                                       \
    } while (0)
    PT(x0, 0);
    PT(x1, 0);
    for (k = 1; east && k < n; k++)
        PT(x1 + 0.05 * sin(k * 0.9) * cos(k * 0.31), (double)k / n);
    PT(x1, 1);
    PT(x0, 1);
    for (k = n - 1; west && k > 0; k--)
        PT(x0 + 0.05 * sin(k * 0.9) * cos(k * 0.31), (double)k / n);
    PT(x0, 0);
#undef PT
    return m;
}

static double ring_area2(const struct geom *g, size_t r)
{
    double a = 0;
    size_t i;

    for (i = g->rings[r]; i + 1 < g->rings[r + 1]; i++)
        a += g->coords[2 * i] * g->coords[2 * i + 3] - g->coords[2 * i + 2] * g->coords[2 * i + 1];
    return a;
}

static bool has_edge(const struct geom *g, const double *a, const double *b)
{
    size_t i;

    for (i = 0; i + 1 < g->n_points; i++) {
        const double *p = g->coords + 2 * i, *q = p + 2;
        if ((p[0] == a[0] && p[1] == a[1] && q[0] == b[0] && q[1] == b[1]) ||
            (p[0] == b[0] && p[1] == b[1] && q[0] == a[0] && q[1] == a[1]))
            return true;
    }
    return false;
}

/* Ring 0's area in tile space of feature i of s at frame f (0 when it is empty). */
static double
tile_area(const struct tile_source *s, size_t i, const struct tile_frame *f, struct geom *out)
{
    const struct tile_feature *tf = tile_source_feature(s, i);
    bool is_empty;

    assert_int_equal(tilegeom_prepare(&tf->g, tf->rank, f, out, &is_empty), GIS_OK);
    return is_empty ? 0 : ring_area2(out, 0);
}

/* The frame of the tile at z holding lon/lat (109.15, 36.05). */
static struct tile_frame frame_at(int z, double tolerance)
{
    struct tile_frame f = {z, 0, 0, 4096, 64, tolerance};
    double mx, my, n = ldexp(1.0, z);

    tile_lonlat_to_3857(109.15, 36.05, &mx, &my);
    f.x = (int64_t)((mx + TILE_WEBMERC_HALF) / (2 * TILE_WEBMERC_HALF) * n);
    f.y = (int64_t)((TILE_WEBMERC_HALF - my) / (2 * TILE_WEBMERC_HALF) * n);
    return f;
}

/* An edge of the middle square that is not shared: on the row's south or north side,
 * or along the buffered tile's edge (clipping). */
static bool is_outline(const double *a, const double *b)
{
    double lo = -64, hi = 4096 + 64;

    return a[1] == b[1] || (a[0] == b[0] && (a[0] == lo || a[0] == hi)) ||
           (a[1] == b[1] && (a[1] == lo || a[1] == hi));
}

/* Three squares in a row sharing two wiggly borders: at z6-12 and tolerances of half a
 * pixel and 2 pixels (coarser, a square smaller than the tolerance vanishes), every edge of the
 * middle one that is not on the outline is an edge of a neighbour, and (where the row is inside the
 * tile) the three areas add up to the row's exactly: no gap, no overlap. */
static void test_shared_borders_stay_shared(void **state)
{
    double c[4][2 * 400];
    size_t rings[4][2], parts[4][2], i, j;
    struct geom g[4], out[3];
    struct tile_source *s, *row;
    int z, k;

    (void)state;
    for (i = 0; i < 3; i++) {
        size_t m = square(c[i], (double)i, (double)i + 1, i > 0, i < 2, 150);
        g[i] = line_of(c[i], m, rings[i], parts[i]);
        g[i].type = GEOM_POLYGON;
    }
    g[3] = line_of(c[3], square(c[3], 0, 3, false, false, 0), rings[3], parts[3]);
    g[3].type = GEOM_POLYGON;
    s = source_of(g, 3);
    row = source_of(&g[3], 1);
    for (i = 0; i < 3; i++)
        geom_init(&out[i]);
    for (z = 6; z <= 12; z++) {
        for (k = 0; k < 2; k++) { /* half a pixel (the default) and 2 (the size guard) */
            struct tile_frame f = frame_at(z, 4096 / 512.0 * (1 << (2 * k)));
            double total = 0, want;
            for (i = 0; i < 3; i++)
                total += tile_area(s, i, &f, &out[i]);
            want = tile_area(row, 0, &f, &out[0]);
            if (z <= 8) /* the row is inside the tile */
                assert_true(total == want);
            tile_area(s, 0, &f, &out[0]);
            for (j = 0; j + 1 < out[1].n_points; j++) {
                const double *a = out[1].coords + 2 * j, *b = a + 2;
                assert_true(is_outline(a, b) || has_edge(&out[0], a, b) || has_edge(&out[2], a, b));
            }
        }
    }
    for (i = 0; i < 3; i++)
        geom_free(&out[i]);
    tile_source_free(s);
    tile_source_free(row);
}

/* The R-tree finds exactly the features whose boxes meet the query, in order. */
static void test_query_matches_a_scan(void **state)
{
    enum {
        N = 700
    };
    static double c[N][10];
    size_t rings[N][2], parts[N][2], i, k, *hits = NULL, cap = 0;
    struct geom g[N];
    struct tile_source *s;

    (void)state;
    srand(11);
    for (i = 0; i < N; i++) {
        double x = 100 + (rand() % 10000) * 1e-3, y = 30 + (rand() % 10000) * 1e-3;
        double w = (rand() % 100) * 1e-3, h = (rand() % 100) * 1e-3;
        double pts[10] = {x, y, x + w, y, x + w, y + h, x, y + h, x, y};
        memcpy(c[i], pts, sizeof pts);
        g[i] = line_of(c[i], 5, rings[i], parts[i]);
        g[i].type = GEOM_POLYGON;
    }
    s = source_of(g, N);
    for (k = 0; k < 50; k++) {
        double q[4], x, y;
        size_t n, want = 0, at = 0;
        tile_lonlat_to_3857(100 + (rand() % 10000) * 1e-3, 30 + (rand() % 10000) * 1e-3, &x, &y);
        q[0] = x;
        q[1] = y;
        q[2] = x + (rand() % 50000);
        q[3] = y + (rand() % 50000);
        n = tile_source_query(s, q, &hits, &cap);
        for (i = 0; i < N; i++) {
            const double *b = tile_source_feature(s, i)->bbox;
            if (b[0] <= q[2] && q[0] <= b[2] && b[1] <= q[3] && q[1] <= b[3]) {
                want++;
                assert_true(at < n && hits[at++] == i);
            }
        }
        assert_int_equal(n, want);
    }
    free(hits);
    tile_source_free(s);
}

/* A tree derived by rtree_update finds what a tree built over the same boxes finds, and
 * maps that do not name every index once are refused. */
static void test_rtree_update_matches_a_build(void **state)
{
    enum {
        N = 500
    };
    static double old_boxes[4 * N], new_boxes[4 * 2 * N], fresh_boxes[4 * N];
    static size_t old_to_new[N], fresh[N];
    size_t i, n = 0, n_fresh = 0, k, *ha = NULL, *hb = NULL, ca = 0, cb = 0;
    struct rtree *old = NULL, *derived = NULL, *built = NULL;

    (void)state;
    srand(5);
    for (i = 0; i < 4 * N; i += 4) {
        old_boxes[i] = (rand() % 100000) * 10.0;
        old_boxes[i + 1] = (rand() % 100000) * 10.0;
        old_boxes[i + 2] = old_boxes[i] + (rand() % 5000);
        old_boxes[i + 3] = old_boxes[i + 1] + (rand() % 5000);
    }
    assert_int_equal(rtree_build(old_boxes, N, &old), GIS_OK);
    /* A third go, a third are inserted before the ones they follow. */
    for (i = 0; i < N; i++) {
        if (rand() % 3 == 0) {
            double *b = fresh_boxes + 4 * n_fresh;
            b[0] = (rand() % 100000) * 10.0;
            b[1] = (rand() % 100000) * 10.0;
            b[2] = b[0] + 3000;
            b[3] = b[1] + 2000;
            memcpy(new_boxes + 4 * n, b, 4 * sizeof(double));
            fresh[n_fresh++] = n++;
        }
        old_to_new[i] = (size_t)-1;
        if (rand() % 3) {
            memcpy(new_boxes + 4 * n, old_boxes + 4 * i, 4 * sizeof(double));
            old_to_new[i] = n++;
        }
    }
    assert_int_equal(rtree_update(old, old_to_new, n, fresh, fresh_boxes, n_fresh, &derived),
                     GIS_OK);
    assert_int_equal(rtree_build(new_boxes, n, &built), GIS_OK);
    for (k = 0; k < 100; k++) {
        double q[4] = {(rand() % 100000) * 10.0, (rand() % 100000) * 10.0, 0, 0};
        size_t na, nb;
        q[2] = q[0] + (rand() % 200000);
        q[3] = q[1] + (rand() % 200000);
        na = rtree_query(derived, q, &ha, &ca);
        nb = rtree_query(built, q, &hb, &cb);
        assert_int_equal(na, nb);
        assert_memory_equal(ha, hb, na * sizeof *ha);
    }
    rtree_free(derived);
    assert_int_equal(rtree_update(old, old_to_new, n + 1, fresh, fresh_boxes, n_fresh, &derived),
                     GIS_ERR_INVALID_ARG);
    assert_null(derived);
    free(ha);
    free(hb);
    rtree_free(old);
    rtree_free(built);
}

struct boxes {
    double b[16][4];
    size_t n;
};

static void collect(void *ctx, const double box[4])
{
    struct boxes *d = ctx;

    if (d->n < 16)
        memcpy(d->b[d->n], box, 4 * sizeof(double));
    d->n++;
}

/* Features "a", "b", "c": geometries g[0..2] with a "name" attribute v[0..2]. */
static struct tile_source *keyed_source(const struct geom *g, const struct mvt_value *v)
{
    static const char *const ids[] = {"a", "b", "c"};
    const char *key = "name";
    struct tile_source *s = NULL;
    size_t i;

    assert_int_equal(tile_source_new(&key, 1, &s), GIS_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(tile_source_add(s, (int64_t)i + 1, ids[i], &g[i], &v[i]), GIS_OK);
    assert_int_equal(tile_source_finish(s), GIS_OK);
    return s;
}

/* Moving one vertex of the shared border dirties both squares sharing it (their ranks
 * change too) but not the third; an attribute change dirties its feature only. */
static void test_diff_names_what_changed(void **state)
{
    double c[3][2 * 400];
    size_t rings[3][2], parts[3][2], i, m[3];
    struct geom g[3];
    struct tile_source *a, *b;
    struct boxes d = {0};
    struct mvt_value v[3] = {{.type = MVT_STRING, .s = "x"},
                             {.type = MVT_STRING, .s = "y"},
                             {.type = MVT_STRING, .s = "z"}};

    (void)state;
    for (i = 0; i < 3; i++) {
        m[i] = square(c[i], (double)i * 1.5, (double)i * 1.5 + 1, false, false, 10);
        g[i] = line_of(c[i], m[i], rings[i], parts[i]);
        g[i].type = GEOM_POLYGON;
    }
    /* 0 and 1 share an edge: make 1's west side 0's east side. */
    m[0] = square(c[0], 0, 1, false, true, 10);
    m[1] = square(c[1], 1, 2, true, false, 10);
    g[0] = line_of(c[0], m[0], rings[0], parts[0]);
    g[1] = line_of(c[1], m[1], rings[1], parts[1]);
    g[0].type = g[1].type = GEOM_POLYGON;
    a = keyed_source(g, v);
    /* The same again: nothing dirty. */
    b = keyed_source(g, v);
    assert_int_equal(tile_source_diff(a, b, collect, &d), GIS_OK);
    assert_int_equal(d.n, 0);
    tile_source_free(b);
    /* Square 0 alone moves a vertex of the border: it is no longer shared there. */
    c[0][2 * 5] += 0.001;
    v[2].s = "zz";
    b = keyed_source(g, v);
    assert_int_equal(tile_source_diff(a, b, collect, &d), GIS_OK);
    /* a (old and new), b (its ranks changed: old and new), c (attribute: old and new). */
    assert_int_equal(d.n, 6);
    tile_source_free(a);
    tile_source_free(b);
}

/* ------------------------------------------------------------- updates */

/* A layer for the update tests: a jittered grid of cells sharing every border exactly
 * (each border made once, walked the other way by the neighbour), as divisions do. */
enum {
    GRID_W = 24,
    GRID_H = 16,
    GRID_N = GRID_W * GRID_H,
    EDGE_IN = 4,                     /* points inside each border */
    CELL_MAX = 4 * (EDGE_IN + 1) + 1 /* a cell's ring, closed */
};

struct cell {
    int64_t key; /* 0: not in the layer */
    double c[2 * CELL_MAX];
    size_t m;
    char name[16];
};

static double jitter(unsigned seed)
{
    unsigned h = seed * 2654435761u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (double)(h % 2001) / 1000.0 - 1; /* -1..1 */
}

/* Corner (i, j) of the grid, lon/lat. */
static void corner(size_t i, size_t j, double *p)
{
    bool is_frame_x = i == 0 || i == GRID_W, is_frame_y = j == 0 || j == GRID_H;

    p[0] = 100 + 0.05 * (double)i + (is_frame_x ? 0 : 0.01 * jitter((unsigned)(i * 97 + j)));
    p[1] = 30 + 0.05 * (double)j + (is_frame_y ? 0 : 0.01 * jitter((unsigned)(i * 89 + j + 5000)));
}

/* The border from corner a to corner b (edge number e), without b, forward or back. */
static size_t
border(double *c, size_t m, const size_t a[2], const size_t b[2], unsigned e, bool back)
{
    double pa[2], pb[2], pts[EDGE_IN + 1][2];
    size_t k;

    corner(a[0], a[1], pa);
    corner(b[0], b[1], pb);
    for (k = 0; k <= EDGE_IN; k++) {
        double t = (double)k / (EDGE_IN + 1), off = k ? 0.004 * jitter(e * 31 + (unsigned)k) : 0;
        pts[k][0] = pa[0] + (pb[0] - pa[0]) * t - (pb[1] - pa[1]) * off * 20;
        pts[k][1] = pa[1] + (pb[1] - pa[1]) * t + (pb[0] - pa[0]) * off * 20;
    }
    for (k = 0; k <= EDGE_IN; k++) {
        if (!back) {
            memcpy(c + 2 * m++, pts[k], sizeof pts[k]);
        } else if (k == 0) {
            memcpy(c + 2 * m++, pb, sizeof pb); /* walked back: from b down to a's next */
        } else {
            memcpy(c + 2 * m++, pts[EDGE_IN + 1 - k], sizeof pts[k]);
        }
    }
    return m;
}

static void grid_cell(struct cell *cl, size_t i, size_t j, int64_t key)
{
    const size_t c00[2] = {i, j}, c10[2] = {i + 1, j}, c11[2] = {i + 1, j + 1}, c01[2] = {i, j + 1};
    unsigned h = (unsigned)(2 * (j * (GRID_W + 1) + i)), v = h + 1;
    unsigned h_top = (unsigned)(2 * ((j + 1) * (GRID_W + 1) + i)),
             v_right = (unsigned)(2 * (j * (GRID_W + 1) + i + 1)) + 1;
    size_t m = 0;

    m = border(cl->c, m, c00, c10, h, false);
    m = border(cl->c, m, c10, c11, v_right, false);
    m = border(cl->c, m, c01, c11, h_top, true);
    m = border(cl->c, m, c00, c01, v, true);
    memcpy(cl->c + 2 * m++, cl->c, 2 * sizeof(double));
    cl->m = m;
    cl->key = key;
    snprintf(cl->name, sizeof cl->name, "cell %zu-%zu", j, i);
}

static struct geom cell_geom(struct cell *cl, size_t *rings, size_t *parts)
{
    struct geom g = line_of(cl->c, cl->m, rings, parts);

    g.type = GEOM_POLYGON;
    return g;
}

/* The cells in the layer, ascending key, into s (finished when is_whole). */
static struct tile_source *
cells_source(struct cell *cells, size_t n, const int64_t *only, size_t n_only, bool is_whole)
{
    const char *key = "name";
    struct tile_source *s = NULL;
    size_t order[2 * GRID_N], n_order = 0, i, k, rings[2], parts[2];
    char id[24];

    for (i = 0; i < n; i++) {
        bool is_asked = !only;
        for (k = 0; only && k < n_only; k++)
            is_asked = is_asked || only[k] == cells[i].key;
        if (cells[i].key && is_asked)
            order[n_order++] = i;
    }
    for (i = 1; i < n_order; i++) /* by key */
        for (k = i; k > 0 && cells[order[k - 1]].key > cells[order[k]].key; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    assert_int_equal(tile_source_new(&key, 1, &s), GIS_OK);
    for (i = 0; i < n_order; i++) {
        struct cell *cl = &cells[order[i]];
        struct geom g = cell_geom(cl, rings, parts);
        struct mvt_value v = {.type = MVT_STRING, .s = cl->name};
        snprintf(id, sizeof id, "%lld", (long long)cl->key);
        assert_int_equal(tile_source_add(s, cl->key, id, &g, &v), GIS_OK);
    }
    if (is_whole)
        assert_int_equal(tile_source_finish(s), GIS_OK);
    return s;
}

/* Feature for feature the same: order, keys, ids, geometry, ranks, values, boxes,
 * hashes; and the index finds the same. */
static void assert_same_source(const struct tile_source *a, const struct tile_source *b)
{
    size_t i, n = tile_source_count(a), *ha = NULL, *hb = NULL, ca = 0, cb = 0;
    double q[4] = {-INFINITY, -INFINITY, INFINITY, INFINITY};

    assert_int_equal(n, tile_source_count(b));
    for (i = 0; i < n; i++) {
        const struct tile_feature *fa = tile_source_feature(a, i), *fb = tile_source_feature(b, i);
        assert_int_equal(fa->key, fb->key);
        assert_string_equal(fa->id, fb->id);
        assert_int_equal(fa->g.n_points, fb->g.n_points);
        assert_memory_equal(fa->g.coords, fb->g.coords, 2 * fa->g.n_points * sizeof(double));
        assert_memory_equal(fa->rank, fb->rank, fa->g.n_points * sizeof(double));
        assert_string_equal(fa->values[0].s, fb->values[0].s);
        assert_memory_equal(fa->bbox, fb->bbox, sizeof fa->bbox);
        assert_true(fa->hash == fb->hash);
    }
    for (i = 0; i < 20; i++) {
        size_t na, nb;
        double x, y;
        tile_lonlat_to_3857(100 + 0.03 * (double)i, 30 + 0.02 * (double)i, &x, &y);
        if (i) { /* the first: everything */
            q[0] = x;
            q[1] = y;
            q[2] = x + 9000;
            q[3] = y + 7000;
        }
        na = tile_source_query(a, q, &ha, &ca);
        nb = tile_source_query(b, q, &hb, &cb);
        assert_int_equal(na, nb);
        assert_memory_equal(ha, hb, na * sizeof *ha);
    }
    free(ha);
    free(hb);
}

struct box_set {
    double (*b)[4];
    size_t n, cap;
};

static void box_note(void *ctx, const double box[4])
{
    struct box_set *d = ctx;

    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->b = realloc(d->b, d->cap * sizeof *d->b);
        assert_non_null(d->b);
    }
    memcpy(d->b[d->n++], box, 4 * sizeof(double));
}

static bool box_in(const struct box_set *d, const double *b)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (!memcmp(d->b[i], b, 4 * sizeof(double)))
            return true;
    return false;
}

/* Moves point k of a cell's ring (and its closing repeat with the first). */
static void move_point(struct cell *cl, size_t k, double dx, double dy)
{
    cl->c[2 * k] += dx;
    cl->c[2 * k + 1] += dy;
    if (k == 0) {
        cl->c[2 * (cl->m - 1)] = cl->c[0];
        cl->c[2 * (cl->m - 1) + 1] = cl->c[1];
    }
}

/* One random edit of the model into cells, listing the keys written in changed. */
static void random_edit(
    struct cell *cells, size_t *n_cells, int64_t *next_key, int64_t *changed, size_t *n_changed)
{
    size_t i = (size_t)rand() % *n_cells, k, t;
    struct cell *cl = &cells[i];
    int op = rand() % 6;
    double p[2];

    if (!cl->key && op != 4)
        return;
    switch (op) {
    case 0: /* move a vertex where every cell through it moves it: still clean */
        k = (size_t)rand() % (cl->m - 1);
        memcpy(p, cl->c + 2 * k, sizeof p);
        for (t = 0; t < *n_cells; t++) {
            size_t j;
            for (j = 0; cells[t].key && j + 1 < cells[t].m; j++) {
                if (cells[t].c[2 * j] == p[0] && cells[t].c[2 * j + 1] == p[1]) {
                    move_point(&cells[t], j, 0.0013, -0.0007);
                    changed[(*n_changed)++] = cells[t].key;
                }
            }
        }
        break;
    case 1: /* move a vertex of one cell only: the border is no longer shared there */
    case 2:
        move_point(cl, (size_t)rand() % (cl->m - 1), -0.0021, 0.0011);
        changed[(*n_changed)++] = cl->key;
        break;
    case 3: /* deleted */
        changed[(*n_changed)++] = cl->key;
        cl->key = 0;
        break;
    case 4: /* a deleted cell back: under its old key (in the middle) or a new one */
        if (cl->key)
            return;
        cells[*n_cells] = *cl;
        cl = &cells[(*n_cells)++];
        grid_cell(cl, i % GRID_W, i / GRID_W % GRID_H, rand() % 2 ? (int64_t)i + 1 : (*next_key)++);
        if (cl->key == (int64_t)i + 1) { /* the old key: the deleted slot itself */
            cells[i] = *cl;
            cl->key = 0;
        }
        changed[(*n_changed)++] = cells[i].key ? cells[i].key : cl->key;
        break;
    default: /* an attribute */
        snprintf(cl->name, sizeof cl->name, "renamed %d", rand() % 1000);
        changed[(*n_changed)++] = cl->key;
    }
}

/* An update gives what a full build of the changed layer gives, feature for feature,
 * through 60 rounds of random edits (vertices moved where shared and where not, cells
 * deleted and brought back under old and new keys, attributes), each round's source
 * derived from the last; and what it calls dirty is what the diff against a full
 * build finds. */
static void test_update_equals_a_fresh_build(void **state)
{
    static struct cell cells[4 * GRID_N];
    size_t n_cells = GRID_N, i, round;
    int64_t next_key = GRID_N + 1;
    struct tile_source *cur;

    (void)state;
    srand(23);
    for (i = 0; i < GRID_N; i++)
        grid_cell(&cells[i], i % GRID_W, i / GRID_W, (int64_t)i + 1);
    cur = cells_source(cells, n_cells, NULL, 0, true);
    for (round = 0; round < 60; round++) {
        int64_t changed[4 * GRID_N];
        size_t n_changed = 0, e, n_edits = 1 + (size_t)rand() % 4;
        struct tile_source *add, *next = NULL, *fresh;
        struct box_set got = {0}, want = {0};
        for (e = 0; e < n_edits && n_cells + 1 < 4 * GRID_N; e++)
            random_edit(cells, &n_cells, &next_key, changed, &n_changed);
        changed[n_changed++] = 999999; /* a key nobody has: ignored */
        add = cells_source(cells, n_cells, changed, n_changed, false);
        assert_int_equal(tile_source_update(cur, changed, n_changed, add, box_note, &got, &next),
                         GIS_OK);
        fresh = cells_source(cells, n_cells, NULL, 0, true);
        assert_same_source(next, fresh);
        assert_int_equal(tile_source_diff(cur, fresh, box_note, &want), GIS_OK);
        for (i = 0; i < want.n; i++)
            assert_true(box_in(&got, want.b[i]));
        for (i = 0; i < got.n; i++)
            assert_true(box_in(&want, got.b[i]));
        free(got.b);
        free(want.b);
        tile_source_free(fresh);
        tile_source_free(cur); /* next shares features with it: they stay */
        cur = next;
    }
    tile_source_free(cur);
}

/* Attribute names that differ cannot be updated: the caller builds again. */
static void test_update_refuses_other_keys(void **state)
{
    static struct cell one;
    const char *other = "title";
    struct tile_source *cur, *add = NULL, *out = NULL;
    struct box_set got = {0};

    (void)state;
    grid_cell(&one, 0, 0, 1);
    cur = cells_source(&one, 1, NULL, 0, true);
    assert_int_equal(tile_source_new(&other, 1, &add), GIS_OK);
    assert_int_equal(tile_source_update(cur, NULL, 0, add, box_note, &got, &out),
                     GIS_ERR_INVALID_ARG);
    assert_null(out);
    assert_int_equal(got.n, 0);
    tile_source_free(cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranks_are_douglas_peucker),
        cmocka_unit_test(test_shared_borders_stay_shared),
        cmocka_unit_test(test_query_matches_a_scan),
        cmocka_unit_test(test_rtree_update_matches_a_build),
        cmocka_unit_test(test_diff_names_what_changed),
        cmocka_unit_test(test_update_equals_a_fresh_build),
        cmocka_unit_test(test_update_refuses_other_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
