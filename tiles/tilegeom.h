/*
 * From a Web Mercator geometry to a tile's integer grid: simplification (a filter on
 * vertex ranks, see tilesource.h), clipping to the tile plus a buffer, rounding, and
 * removal of what collapses. Pure.
 */
#ifndef CIVGIS_TILEGEOM_H
#define CIVGIS_TILEGEOM_H

#include <stdbool.h>
#include <stdint.h>

#include "geom.h"
#include "status.h"

struct tile_frame {
    int z;
    int64_t x, y;
    uint32_t extent;  /* 4096 */
    uint32_t buffer;  /* tile units kept around the tile, e.g. 64 */
    double tolerance; /* simplification, in tile units (e.g. 4096/256: one pixel) */
};

/* Fills out (cleared first) with in's part inside the frame. in is in EPSG:3857
 * metres; rank[i] (one per point of in) is the simplification tolerance in metres up
 * to which point i is kept (INFINITY: always; NULL: every point is kept). Kept points
 * are those whose rank exceeds the frame's tolerance. out_is_empty: nothing is left
 * (outside the tile, or collapsed below a unit). Polygon exteriors come out with a
 * positive surveyor's area in tile space (clockwise, y down), holes negative.
 *
 * Clipping computes a crossing point from the segment's ends in a fixed order, so two
 * rings sharing an edge get the same point on the tile's buffer edge. */
enum gis_status tilegeom_prepare(const struct geom *in,
                                 const double *rank,
                                 const struct tile_frame *f,
                                 struct geom *out,
                                 bool *out_is_empty);

#endif
