/* The coverage check and the transfer geometry on small synthetic polygons (about 1 km
 * squares near Yan'an, 0.01 degrees), one test per kind of problem. */
#include <geos_c.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "division_topo.h"

static GEOSContextHandle_t H;

static unsigned char *wkb(const char *wkt, size_t *n)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(H);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(H);
    GEOSGeometry *g = GEOSWKTReader_read_r(H, r, wkt);
    unsigned char *out = GEOSWKBWriter_write_r(H, w, g, n);

    GEOSGeom_destroy_r(H, g);
    GEOSWKTReader_destroy_r(H, r);
    GEOSWKBWriter_destroy_r(H, w);
    return out;
}

#define PARENT "POLYGON((109 36, 109.02 36, 109.02 36.01, 109 36.01, 109 36))"

static size_t check(const char *a,
                    const char *b,
                    const char *seat_owner,
                    double sx,
                    double sy,
                    struct division_problems *ps)
{
    struct division_topo *t = NULL;
    size_t np, na, nb;
    unsigned char *p = wkb(PARENT, &np), *wa = wkb(a, &na), *wb = wkb(b, &nb);
    struct division_check_child kids[2] = {{"610602001", wa, na}, {"610602002", wb, nb}};
    struct division_check_seat seat = {"610602001001", seat_owner, sx, sy};
    struct division_check_input in = {"610602", p, np, kids, 2, &seat, seat_owner ? 1 : 0};

    assert_int_equal(division_topo_new(109.01, 36.005, 1.0, &t, NULL), GIS_OK);
    assert_int_equal(division_check_run(t, &in, ps, NULL), GIS_OK);
    division_topo_free(t);
    GEOSFree_r(H, p);
    GEOSFree_r(H, wa);
    GEOSFree_r(H, wb);
    return ps->n;
}

#define LEFT  "POLYGON((109 36, 109.01 36, 109.01 36.01, 109 36.01, 109 36))"
#define RIGHT "POLYGON((109.01 36, 109.02 36, 109.02 36.01, 109.01 36.01, 109.01 36))"

static void clean(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    assert_int_equal(check(LEFT, RIGHT, "610602001", 109.005, 36.005, &ps), 0);
    division_problems_clear(&ps);
}

static void gap(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    /* The right one starts 0.0001 degrees (about 9 m) too far east. */
    check(LEFT, "POLYGON((109.0101 36, 109.02 36, 109.02 36.01, 109.0101 36.01, 109.0101 36))",
          NULL, 0, 0, &ps);
    assert_int_equal(ps.n, 1);
    assert_int_equal(ps.items[0].kind, DIVISION_PROBLEM_GAP);
    assert_true(ps.items[0].area_m2 > 9000 && ps.items[0].area_m2 < 11000);
    assert_non_null(strstr(ps.items[0].geojson, "Polygon"));
    division_problems_clear(&ps);
}

static void sliver_under_tolerance(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    /* 0.000005 degrees is about 0.45 m: under the 1 m tolerance. */
    check(LEFT,
          "POLYGON((109.010005 36, 109.02 36, 109.02 36.01, 109.010005 36.01, 109.010005 36))",
          NULL, 0, 0, &ps);
    assert_int_equal(ps.n, 0);
    division_problems_clear(&ps);
}

static void overlap(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    check(LEFT, "POLYGON((109.0095 36, 109.02 36, 109.02 36.01, 109.0095 36.01, 109.0095 36))",
          NULL, 0, 0, &ps);
    assert_int_equal(ps.n, 1);
    assert_int_equal(ps.items[0].kind, DIVISION_PROBLEM_OVERLAP);
    assert_string_equal(ps.items[0].codes[0], "610602001");
    assert_string_equal(ps.items[0].codes[1], "610602002");
    division_problems_clear(&ps);
}

static void outside(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    check(LEFT, "POLYGON((109.01 36, 109.03 36, 109.03 36.01, 109.01 36.01, 109.01 36))", NULL, 0,
          0, &ps);
    assert_int_equal(ps.n, 1);
    assert_int_equal(ps.items[0].kind, DIVISION_PROBLEM_OUTSIDE);
    assert_string_equal(ps.items[0].codes[0], "610602002");
    division_problems_clear(&ps);
}

static void invalid(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    /* A bow tie. */
    check("POLYGON((109 36, 109.01 36.01, 109.01 36, 109 36.01, 109 36))", RIGHT, NULL, 0, 0, &ps);
    assert_true(ps.n >= 1);
    assert_int_equal(ps.items[0].kind, DIVISION_PROBLEM_INVALID);
    division_problems_clear(&ps);
}

static void seat_outside(void **state)
{
    struct division_problems ps = {0};
    (void)state;
    check(LEFT, RIGHT, "610602001", 109.015, 36.005, &ps);
    assert_int_equal(ps.n, 1);
    assert_int_equal(ps.items[0].kind, DIVISION_PROBLEM_SEAT_OUTSIDE);
    division_problems_clear(&ps);
}

static void transfer_shares_the_cut(void **state)
{
    struct division_topo *t = NULL;
    struct division_transfer x = {0};
    size_t nf, nt, na;
    unsigned char *f = wkb(LEFT, &nf), *to = wkb(RIGHT, &nt);
    unsigned char *a = wkb("POLYGON((109.005 36.002, 109.012 36.002, 109.012 36.004, 109.005 "
                           "36.004, 109.005 36.002))",
                           &na);
    (void)state;
    assert_int_equal(division_topo_new(109.01, 36.005, 1.0, &t, NULL), GIS_OK);
    assert_int_equal(division_topo_transfer(t, f, nf, to, nt, a, na, &x, NULL), GIS_OK);
    assert_int_equal(x.new_from_parts, 1);
    assert_true(x.gap_m <= 1.0);
    assert_true(x.piece_area_m2 > 0);
    assert_float_equal(x.from_area_m2 + x.to_area_m2, x.new_from_area_m2 + x.new_to_area_m2, 1.0);
    /* Both new polygons carry the cut's corners (109.005 36.002 and 109.005 36.004). */
    assert_true(division_topo_covers(t, x.to_wkb, x.to_wkb_n, 109.006, 36.003));
    assert_false(division_topo_covers(t, x.from_wkb, x.from_wkb_n, 109.006, 36.003));
    division_transfer_clear(&x);
    /* An area inside from, away from `to`, is refused by the caller: the gap says so. */
    GEOSFree_r(H, a);
    a = wkb("POLYGON((109.001 36.002, 109.002 36.002, 109.002 36.004, 109.001 36.004, 109.001 "
            "36.002))",
            &na);
    assert_int_equal(division_topo_transfer(t, f, nf, to, nt, a, na, &x, NULL), GIS_OK);
    assert_true(x.gap_m > 100);
    division_transfer_clear(&x);
    division_topo_free(t);
    GEOSFree_r(H, f);
    GEOSFree_r(H, to);
    GEOSFree_r(H, a);
}

/* The union of a and b: its parts, and the area of the holes filled. */
static int merge(const char *a, const char *b, struct division_merge *m)
{
    struct division_topo *t = NULL;
    size_t n[2];
    unsigned char *wa = wkb(a, &n[0]), *wb = wkb(b, &n[1]);
    const unsigned char *w[2] = {wa, wb};

    assert_int_equal(division_topo_new(109.01, 36.005, 1.0, &t, NULL), GIS_OK);
    assert_int_equal(division_topo_merge(t, w, n, 2, m, NULL), GIS_OK);
    division_topo_free(t);
    GEOSFree_r(H, wa);
    GEOSFree_r(H, wb);
    return m->parts;
}

static void merge_dissolves_the_shared_border(void **state)
{
    struct division_merge m = {0};

    (void)state;
    assert_int_equal(merge(LEFT, RIGHT, &m), 1);
    assert_true(m.area_before_m2 > 1.5e6);
    assert_true(fabs(m.area_after_m2 - m.area_before_m2) < 1.0);
    assert_true(m.slivers_m2 == 0);
    free(m.wkb);
}

/* Two halves of a ring whose inner borders miss by ~0.3 m leave a sliver hole: filled. A
 * real courtyard (a hole 100 m wide) stays. */
static void merge_fills_slivers_keeps_holes(void **state)
{
    struct division_merge m = {0};
    const char *top = "POLYGON((109 36.005, 109.02 36.005, 109.02 36.01, 109 36.01, 109 36.005), "
                      "(109.005 36.006, 109.006 36.006, 109.006 36.007, 109.005 36.007, "
                      "109.005 36.006))";
    const char *bottom = "POLYGON((109 36, 109.02 36, 109.02 36.005, 109.015 36.005, "
                         "109.0125 36.004997, 109.01 36.005, 109 36.005, 109 36))";

    (void)state;
    assert_int_equal(merge(top, bottom, &m), 1);
    assert_true(m.slivers_m2 > 0 && m.slivers_m2 < 1000);
    assert_true(m.area_after_m2 > m.area_before_m2); /* the sliver is now inside */
    free(m.wkb);
}

static void merge_apart_is_two_pieces(void **state)
{
    struct division_merge m = {0};

    (void)state;
    assert_int_equal(merge(LEFT,
                           "POLYGON((109.05 36, 109.06 36, 109.06 36.01, 109.05 36.01, "
                           "109.05 36))",
                           &m),
                     2);
    free(m.wkb);
}

static void split_by_line_and_by_parts(void **state)
{
    struct division_topo *t = NULL;
    struct division_split x = {0};
    size_t np, nl, nf, na, nb, ng;
    unsigned char *p = wkb(PARENT, &np);
    unsigned char *line = wkb("LINESTRING(109.01 35.99, 109.01 36.02)", &nl);
    unsigned char *far = wkb("LINESTRING(110 35, 110.1 35.1)", &nf);
    unsigned char *a = wkb(LEFT, &na), *b = wkb(RIGHT, &nb);
    unsigned char *gap = wkb("POLYGON((109.0105 36, 109.02 36, 109.02 36.01, 109.0105 36.01, "
                             "109.0105 36))",
                             &ng);
    const unsigned char *halves[2] = {a, b}, *gapped[2] = {a, gap};
    size_t halves_n[2] = {na, nb}, gapped_n[2] = {na, ng};

    (void)state;
    assert_int_equal(division_topo_new(109.01, 36.005, 1.0, &t, NULL), GIS_OK);
    assert_int_equal(division_topo_split_line(t, p, np, line, nl, &x, NULL), GIS_OK);
    assert_int_equal(x.n, 2);
    assert_true(x.area_m2[0] > 0 && fabs(x.area_m2[0] - x.area_m2[1]) < 1e-3 * x.area_m2[0]);
    assert_true(fabs(x.area_m2[0] + x.area_m2[1] - x.area_m2_before) < 1.0);
    division_split_clear(&x);
    assert_int_equal(division_topo_split_line(t, p, np, far, nf, &x, NULL), GIS_ERR_REJECTED);
    assert_int_equal(division_topo_split_parts(t, p, np, halves, halves_n, 2, &x, NULL), GIS_OK);
    assert_int_equal(x.n, 2);
    assert_true(fabs(x.area_m2[0] + x.area_m2[1] - x.area_m2_before) < 1.0);
    division_split_clear(&x);
    /* A 45 m strip between the parts lies in neither. */
    assert_int_equal(division_topo_split_parts(t, p, np, gapped, gapped_n, 2, &x, NULL),
                     GIS_ERR_REJECTED);
    division_topo_free(t);
    GEOSFree_r(H, p);
    GEOSFree_r(H, line);
    GEOSFree_r(H, far);
    GEOSFree_r(H, a);
    GEOSFree_r(H, b);
    GEOSFree_r(H, gap);
}

/* The points of polygon WKB w (its exterior rings, closing points included). */
static int points_of(const unsigned char *w, size_t n, int *out_type)
{
    GEOSWKBReader *r = GEOSWKBReader_create_r(H);
    GEOSGeometry *g = GEOSWKBReader_read_r(H, r, w, n);
    int k = GEOSGetNumCoordinates_r(H, g);

    *out_type = GEOSGeomTypeId_r(H, g);
    GEOSGeom_destroy_r(H, g);
    GEOSWKBReader_destroy_r(H, r);
    return k;
}

/* PARENT cut east-west across its middle: the cut's east end (109.02, 36.005) lies on the
 * border of the neighbour east of it, which gets it as a vertex of its own; the vertices
 * the parts kept from PARENT are not new, and a neighbour away from the cut gets none. */
static void node_takes_the_new_vertices(void **state)
{
    struct division_topo *t = NULL;
    struct division_split x = {0};
    size_t np, nl, ne, nm, nf, wn = 9;
    unsigned char *p = wkb(PARENT, &np), *w = (unsigned char *)"x";
    unsigned char *line = wkb("LINESTRING(108.99 36.005, 109.03 36.005)", &nl);
    unsigned char *east = wkb("POLYGON((109.02 36, 109.03 36, 109.03 36.01, 109.02 36.01, "
                              "109.02 36))",
                              &ne);
    unsigned char *multi = wkb("MULTIPOLYGON(((109.02 36, 109.03 36, 109.03 36.01, 109.02 "
                               "36.01, 109.02 36)), ((109.05 36, 109.06 36, 109.06 36.01, "
                               "109.05 36))) ",
                               &nm);
    unsigned char *far = wkb("POLYGON((109.05 36, 109.06 36, 109.06 36.01, 109.05 36))", &nf);
    const unsigned char *old[1] = {p};
    size_t old_n[1] = {np};
    struct division_node_input in;
    int type;

    (void)state;
    assert_int_equal(division_topo_new(109.01, 36.005, 1.0, &t, NULL), GIS_OK);
    assert_int_equal(division_topo_split_line(t, p, np, line, nl, &x, NULL), GIS_OK);
    in = (struct division_node_input){
        (const unsigned char *const *)x.wkb, x.wkb_n, x.n, old, old_n, 1};
    assert_int_equal(division_topo_node(t, east, ne, &in, &w, &wn, NULL), GIS_OK);
    assert_non_null(w);
    assert_int_equal(points_of(w, wn, &type), 6); /* 4 corners, the cut's end, closing */
    assert_int_equal(type, GEOS_POLYGON);
    assert_true(division_topo_covers(t, w, wn, 109.02, 36.005));
    /* The same shape: areas are measured in UTM, where the 1.1 km meridian edge bends by
     * 0.7 mm, so the vertex halfway along it adds 0.4 m² there. */
    assert_true(fabs(division_topo_area_m2(t, w, wn) - division_topo_area_m2(t, east, ne)) < 1.0);
    free(w);
    assert_int_equal(division_topo_node(t, multi, nm, &in, &w, &wn, NULL), GIS_OK);
    assert_int_equal(points_of(w, wn, &type), 10);
    assert_int_equal(type, GEOS_MULTIPOLYGON);
    free(w);
    assert_int_equal(division_topo_node(t, far, nf, &in, &w, &wn, NULL), GIS_OK);
    assert_null(w);
    assert_int_equal(wn, 0);
    /* The parts' vertices all known (old = the parts themselves): nothing is new. */
    in.old_wkb = in.wkb;
    in.old_wkb_n = in.wkb_n;
    in.n_old = in.n;
    assert_int_equal(division_topo_node(t, east, ne, &in, &w, &wn, NULL), GIS_OK);
    assert_null(w);
    division_split_clear(&x);
    division_topo_free(t);
    GEOSFree_r(H, p);
    GEOSFree_r(H, line);
    GEOSFree_r(H, east);
    GEOSFree_r(H, multi);
    GEOSFree_r(H, far);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean),
        cmocka_unit_test(gap),
        cmocka_unit_test(sliver_under_tolerance),
        cmocka_unit_test(overlap),
        cmocka_unit_test(outside),
        cmocka_unit_test(invalid),
        cmocka_unit_test(seat_outside),
        cmocka_unit_test(transfer_shares_the_cut),
        cmocka_unit_test(merge_dissolves_the_shared_border),
        cmocka_unit_test(merge_fills_slivers_keeps_holes),
        cmocka_unit_test(merge_apart_is_two_pieces),
        cmocka_unit_test(split_by_line_and_by_parts),
        cmocka_unit_test(node_takes_the_new_vertices),
    };
    int rc;

    H = GEOS_init_r();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    GEOS_finish_r(H);
    return rc;
}
