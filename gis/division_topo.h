/*
 * Division topology on GEOS's C API (reentrant, one context handle per struct
 * division_topo): the coverage check of one parent's children and the geometry of the
 * division operations (transfer of an area, merge, split). Pure: it takes and returns
 * ISO WKB in EPSG:4326 and knows no SQL, so a SpatiaLite store and a later PostGIS store
 * judge alike. It lives in gis/ (not plan/) because it needs GEOS and PROJ, which are
 * gis/'s dependencies; plan/ depends on nothing but common/.
 *
 * Overlays run on the stored longitude/latitude coordinates themselves, so a vertex that
 * is not moved keeps its exact bits (a neighbour's border stays identical); lengths and
 * areas are measured in the WGS 84 UTM zone of the work (scale error under 0.1 %).
 *
 * Tolerance (metres, default 1): a gap, an overlap or a piece outside the parent counts
 * only when something of it is left after eroding it by half the tolerance, i.e. where it
 * is wider than the tolerance; a seat is inside its division when within the tolerance.
 *
 * Thread-safety: a struct division_topo is used by one thread at a time.
 */
#ifndef CIVGIS_DIVISION_TOPO_H
#define CIVGIS_DIVISION_TOPO_H

#include <stdbool.h>
#include <stddef.h>

#include "division.h"
#include "status.h"

#define DIVISION_TOPO_DEFAULT_TOLERANCE_M 1.0

struct division_topo;

/* A context for work around (lon, lat) (its UTM zone measures) with tolerance_m (<= 0:
 * the default). out: freed with division_topo_free. */
enum gis_status division_topo_new(
    double lon, double lat, double tolerance_m, struct division_topo **out, struct gis_error *err);
void division_topo_free(struct division_topo *t);

double division_topo_tolerance(const struct division_topo *t);

/* ---------------------------------------------------------------- the coverage check */

struct division_check_child {
    const char *code;
    const unsigned char *wkb; /* Polygon or MultiPolygon, EPSG:4326 */
    size_t wkb_n;
};

/* A village seat and the division (one of the children, or the parent) it must lie in. */
struct division_check_seat {
    const char *code;
    const char *owner;
    double lon, lat;
};

struct division_check_input {
    const char *parent_code;
    const unsigned char *parent_wkb; /* NULL: no parent polygon (no gap/outside check) */
    size_t parent_wkb_n;
    const struct division_check_child *children;
    size_t n_children;
    const struct division_check_seat *seats;
    size_t n_seats;
};

enum division_problem_kind {
    DIVISION_PROBLEM_INVALID,      /* a child's polygon is invalid (codes[0]) */
    DIVISION_PROBLEM_GAP,          /* part of the parent no child covers */
    DIVISION_PROBLEM_OVERLAP,      /* two children (codes[0], codes[1]) overlap */
    DIVISION_PROBLEM_OUTSIDE,      /* a child (codes[0]) reaches outside the parent */
    DIVISION_PROBLEM_SEAT_OUTSIDE, /* a seat (codes[0]) outside its division (codes[1]) */
};

struct division_problem {
    enum division_problem_kind kind;
    char parent[DIVISION_CODE_MAX];
    char codes[2][DIVISION_CODE_MAX]; /* "" when unused */
    double area_m2;                   /* 0 for a seat */
    double lon, lat;                  /* a point inside it */
    char *geojson;                    /* the polygon (or seat point), EPSG:4326; owned */
    char detail[160];
};

struct division_problems {
    size_t n;
    struct division_problem *items;
    size_t cap;
};

/* Checks in's children: each valid, none overlapping another, their union equal to the
 * parent (no gap, nothing outside), every seat inside its division. Appends every
 * problem found to out (which may hold earlier ones). GIS_ERR_GEOMETRY for WKB that
 * does not parse. */
enum gis_status division_check_run(struct division_topo *t,
                                   const struct division_check_input *in,
                                   struct division_problems *out,
                                   struct gis_error *err);

/* Frees the items of p (not p itself) and empties it. */
void division_problems_clear(struct division_problems *p);

const char *division_problem_kind_name(enum division_problem_kind k);

/* Whether problem a (found after a change) was there already in before: the same kind
 * and its location inside one of before's of that kind (within the tolerance). */
bool division_problem_is_known(struct division_topo *t,
                               const struct division_problem *a,
                               const struct division_problems *before);

/* ---------------------------------------------------------------- operations */

/* The result of moving the part of `from` inside `area` to `to`, owned (WKB malloc'd). */
struct division_transfer {
    unsigned char *from_wkb, *to_wkb, *piece_wkb;
    size_t from_wkb_n, to_wkb_n, piece_wkb_n;
    double piece_area_m2;
    double from_area_m2, to_area_m2;         /* before */
    double new_from_area_m2, new_to_area_m2; /* after */
    int from_parts, new_from_parts;          /* polygons of from before and after */
    double gap_m;                            /* distance of the piece from `to` */
};

/* Cuts `from` (WKB) along the boundary of `area` and joins the part inside it to `to`:
 * all three boundaries are noded together and the faces assigned, so both new polygons
 * are made of the same noded edges (their common border has the same vertices) and every
 * other vertex keeps its bits. GIS_ERR_REJECTED (nothing to move) when area holds no
 * part of from wider than the tolerance. out: filled, freed with
 * division_transfer_clear. */
enum gis_status division_topo_transfer(struct division_topo *t,
                                       const unsigned char *from_wkb,
                                       size_t from_n,
                                       const unsigned char *to_wkb,
                                       size_t to_n,
                                       const unsigned char *area_wkb,
                                       size_t area_n,
                                       struct division_transfer *out,
                                       struct gis_error *err);
void division_transfer_clear(struct division_transfer *x);

/* The union of n polygons (WKB each), merge-divisions' geometry: their shared borders
 * dissolve, and holes narrower than the tolerance (slivers where two borders did not
 * meet exactly) are filled, so the result has none. out: a MultiPolygon (malloc'd WKB),
 * out_parts its polygons (more than one: the divisions do not all touch), the areas in
 * m² of the inputs together and of the union. */
struct division_merge {
    unsigned char *wkb;
    size_t wkb_n;
    int parts;
    double area_before_m2, area_after_m2;
    double slivers_m2; /* the holes filled */
};

enum gis_status division_topo_merge(struct division_topo *t,
                                    const unsigned char *const *wkb,
                                    const size_t *wkb_n,
                                    size_t n,
                                    struct division_merge *out,
                                    struct gis_error *err);

/* split-division's geometry: the parts of one polygon, each a MultiPolygon (malloc'd
 * WKB) made of the same noded edges, so neighbouring parts share their border vertex
 * for vertex and together cover the original exactly. */
struct division_split {
    size_t n;
    unsigned char **wkb;
    size_t *wkb_n;
    double *area_m2;
    double area_m2_before;
};

/* By a line: the faces the line cuts the polygon into, ordered west to east (by the
 * longitude of a point inside each, then south to north). GIS_ERR_REJECTED when the line
 * does not cross it (one face). */
enum gis_status division_topo_split_line(struct division_topo *t,
                                         const unsigned char *poly_wkb,
                                         size_t poly_n,
                                         const unsigned char *line_wkb,
                                         size_t line_n,
                                         struct division_split *out,
                                         struct gis_error *err);

/* By parts: polygons that should cover it; each face of the overlay inside it goes to the
 * first part holding it, what lies outside it is cut off. GIS_ERR_REJECTED when a part
 * holds none of it, or a piece of it wider than the tolerance lies in no part. out: one
 * entry per part, in order. */
enum gis_status division_topo_split_parts(struct division_topo *t,
                                          const unsigned char *poly_wkb,
                                          size_t poly_n,
                                          const unsigned char *const *part_wkb,
                                          const size_t *part_n,
                                          size_t n_parts,
                                          struct division_split *out,
                                          struct gis_error *err);
void division_split_clear(struct division_split *x);

/* What an operation made of some divisions: their new polygons and the ones they had. */
struct division_node_input {
    const unsigned char *const *wkb;
    const size_t *wkb_n;
    size_t n;
    const unsigned char *const *old_wkb;
    const size_t *old_wkb_n;
    size_t n_old;
};

/* Polygon wkb (Polygon or MultiPolygon, a neighbour the operation leaves alone) with
 * every new vertex of in (a vertex of in->wkb that none of in->old_wkb has) that lies on
 * one of its edges (within 1e-9 degrees, not at either end) inserted there: where the
 * operation's cut or area meets the neighbour's border, the new vertex is the
 * neighbour's too, so the two still share the border vertex for vertex (tiles simplify
 * and round a shared vertex alike on both sides; a vertex one side lacks draws a sliver
 * between them). out: malloc'd WKB of the same type, or NULL (*out_n 0) when no new
 * vertex lay on an edge. */
enum gis_status division_topo_node(struct division_topo *t,
                                   const unsigned char *wkb,
                                   size_t n,
                                   const struct division_node_input *in,
                                   unsigned char **out,
                                   size_t *out_n,
                                   struct gis_error *err);

/* Whether (lon, lat) lies in the polygon wkb (boundary included). */
bool division_topo_covers(
    struct division_topo *t, const unsigned char *wkb, size_t n, double lon, double lat);

/* The area of polygon wkb in m² (its UTM zone); -1 when it does not parse. */
double division_topo_area_m2(struct division_topo *t, const unsigned char *wkb, size_t n);

#endif
