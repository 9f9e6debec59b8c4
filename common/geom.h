/*
 * A plain geometry: flat coordinate arrays with part and ring offsets, the shape every
 * pure core (tiles/, plan/, the renderers) takes. Built from WKB (geom.c) or from
 * SpatiaLite's stored BLOB (geom_blob.c).
 *
 * Layout: coords holds x,y pairs. rings[i] is the index (in points) where ring or line
 * i starts; ring i ends where ring i+1 starts (rings[n_rings] == n_points). parts[j] is
 * the first ring of part j (parts[n_parts] == n_rings). A point is one part of one
 * ring of one point; a polygon one part of one or more rings (the first exterior).
 */
#ifndef CIVGIS_GEOM_H
#define CIVGIS_GEOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

enum geom_type {
    GEOM_POINT = 1,
    GEOM_LINESTRING = 2,
    GEOM_POLYGON = 3,
    GEOM_MULTIPOINT = 4,
    GEOM_MULTILINESTRING = 5,
    GEOM_MULTIPOLYGON = 6,
};

struct geom {
    enum geom_type type;
    double *coords; /* x0, y0, x1, y1, ... */
    size_t n_points;
    size_t *rings; /* n_rings + 1 entries */
    size_t n_rings;
    size_t *parts; /* n_parts + 1 entries */
    size_t n_parts;
    size_t cap_points, cap_rings, cap_parts;
};

/* Limits that keep hostile WKB from allocating without bound. */
#define GEOM_MAX_POINTS (16u * 1024u * 1024u)
#define GEOM_MAX_RINGS  (1024u * 1024u)

void geom_init(struct geom *g);
void geom_free(struct geom *g);
/* Empties g, keeping its storage for reuse. */
void geom_clear(struct geom *g);

/* Parses ISO or OGC WKB (either byte order, 2D; Z/M values are read and dropped) of a
 * point, line, polygon or their multi forms into g (cleared first). Fails with
 * GIS_ERR_GEOMETRY naming the problem for truncated, oversized or unsupported input
 * (GeometryCollection included). */
enum gis_status
geom_from_wkb(struct geom *g, const unsigned char *wkb, size_t size, struct gis_error *err);

/* Parses SpatiaLite's own geometry BLOB (as stored in a geometry column: either byte
 * order, plain or compressed rings, Z/M read and dropped) of a point, line, polygon or
 * their multi forms into g (cleared first), as geom_from_wkb does WKB. Fails with
 * GIS_ERR_GEOMETRY for anything else (a GeometryCollection included). */
enum gis_status
geom_from_spatialite(struct geom *g, const unsigned char *blob, size_t size, struct gis_error *err);

/* The box a SpatiaLite BLOB carries in its header, into out (minx, miny, maxx, maxy);
 * 0 when blob is not one. For a point it is the point. */
int geom_spatialite_box(const unsigned char *blob, size_t size, double out[4]);

/* Bounding box of g: out[4] = minx, miny, maxx, maxy. g must have points. */
void geom_bbox(const struct geom *g, double out[4]);

/* Builders, for code that makes geometries (clipping, tiling): set g->type, then
 * start parts and rings and add points; geom_finish closes the offset arrays. Return
 * GIS_ERR_NOMEM or GIS_ERR_GEOMETRY (past the limits) on failure. */
enum gis_status geom_start_part(struct geom *g);
enum gis_status geom_start_ring(struct geom *g);
enum gis_status geom_add_point(struct geom *g, double x, double y);
/* Room for n more points, so that the next n geom_add_point calls cannot fail. */
enum gis_status geom_reserve_points(struct geom *g, size_t n);
void geom_finish(struct geom *g);
/* Drops the points of the last ring (and the ring). */
void geom_drop_ring(struct geom *g);
/* Drops the last part with its rings and points. */
void geom_drop_part(struct geom *g);

/* True when g meets the closed box b (minx, miny, maxx, maxy): a vertex inside, an edge
 * crossing it, or (polygons) the box inside the area. Boundaries count, as in OGC
 * Intersects. */
bool geom_intersects_box(const struct geom *g, const double b[4]);

#endif
