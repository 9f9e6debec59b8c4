/*
 * From a Web Mercator geometry to a tile's integer grid: simplification (a filter on
 * vertex ranks, see tilesource.h), clipping to the tile plus a buffer, rounding, and
 * removal of what collapses. Pure.
 */
#ifndef CIVGIS_TILEGEOM_H
#define CIVGIS_TILEGEOM_H

#include <stdbool.h>
#include <stddef.h>
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

/* Points in tile space, as tilegeom_prepare collects and clips them. */
struct tilegeom_pts {
    double *xy;
    size_t n, cap;
};

/* What tilegeom_prepare_with reuses from one feature to the next (a tile renders
 * thousands): zero-initialised, freed with tilegeom_work_free. */
struct tilegeom_work {
    struct tilegeom_pts ring, tmp;
};

/* tilegeom_prepare with w's buffers. */
enum gis_status tilegeom_prepare_with(const struct geom *in,
                                      const double *rank,
                                      const struct tile_frame *f,
                                      struct tilegeom_work *w,
                                      struct geom *out,
                                      bool *out_is_empty);
void tilegeom_work_free(struct tilegeom_work *w);

/* True when in, a polygon whose points all lie in bbox (EPSG:3857), would come out of
 * tilegeom_prepare empty at f for being under the tolerance twice over each way (about
 * a pixel): a render may skip it without reading a vertex. False for other types. */
bool tilegeom_is_subpixel(const struct geom *in, const double bbox[4], const struct tile_frame *f);

#endif
