/*
 * WebMercatorQuad tile math (OGC 2D TMS, the tiles of web maps): zoom z has 2^z x 2^z
 * tiles over EPSG:3857's square, x from the west, y from the north. Pure functions.
 */
#ifndef CIVGIS_TILE_H
#define CIVGIS_TILE_H

#include <stdbool.h>
#include <stdint.h>

#define TILE_MAX_ZOOM     24
#define TILE_WEBMERC_HALF 20037508.342789244 /* half the square's side, metres */

/* True when (z, x, y) names a tile: 0 <= z <= TILE_MAX_ZOOM, 0 <= x, y < 2^z. */
bool tile_is_valid(int z, int64_t x, int64_t y);

/* The tile's bounds in EPSG:3857 metres: minx, miny, maxx, maxy. */
void tile_bounds_3857(int z, int64_t x, int64_t y, double out[4]);

/* The tile's bounds in CRS84 degrees: minlon, minlat, maxlon, maxlat. */
void tile_bounds_lonlat(int z, int64_t x, int64_t y, double out[4]);

/* Spherical Mercator (EPSG:3857) of lon/lat degrees, latitudes clamped to the square. */
void tile_lonlat_to_3857(double lon, double lat, double *out_x, double *out_y);
void tile_3857_to_lonlat(double x, double y, double *out_lon, double *out_lat);

/* Position of (x, y) (each below 2^order) along the Hilbert curve filling the
 * 2^order square (PMTiles' tile order; the R-tree's leaf order). */
uint64_t tile_hilbert(int order, uint64_t x, uint64_t y);

#endif
