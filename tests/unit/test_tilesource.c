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
        assert_int_equal(tile_source_add(s, id, &g[i], NULL), GIS_OK);
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
        assert_int_equal(tile_source_add(s, ids[i], &g[i], &v[i]), GIS_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranks_are_douglas_peucker),
        cmocka_unit_test(test_shared_borders_stay_shared),
        cmocka_unit_test(test_query_matches_a_scan),
        cmocka_unit_test(test_diff_names_what_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
