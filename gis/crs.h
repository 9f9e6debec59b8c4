/*
 * Coordinate transformations: any CRS PROJ knows (EPSG codes, WKT, PROJJSON, PROJ
 * strings), plus the Chinese offset systems "GCJ02" and "BD09" (see chinacrs.h), which
 * are handled as a WGS84 lon/lat frame with an offset applied before or after PROJ.
 *
 * Axis order is always traditional GIS order: x = longitude/easting, y =
 * latitude/northing, whatever the CRS's official axis order (PROJ's
 * proj_normalize_for_visualization). Callers that must emit authority order (for
 * example EPSG:4326 lat/lon in OGC APIs) swap explicitly.
 *
 * Thread-safety: a struct crs_transform owns its own PROJ context and may be used by one
 * thread at a time.
 */
#ifndef CIVGIS_CRS_H
#define CIVGIS_CRS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

struct crs_transform;

/* Creates a transformation from src to dst (each any PROJ CRS definition or
 * "GCJ02"/"GCJ-02"/"BD09"/"BD-09", case-insensitive). out: the new transform, caller
 * frees with crs_transform_free. Fails with GIS_ERR_PROJ and PROJ's message for a CRS
 * PROJ does not know. */
enum gis_status crs_transform_new(const char *src,
                                  const char *dst,
                                  struct crs_transform **out,
                                  struct gis_error *err);

void crs_transform_free(struct crs_transform *t);

/* True when the transform changes nothing (same CRS on both sides). */
bool crs_transform_is_identity(const struct crs_transform *t);

/* Transforms n points in place. Fails (GIS_ERR_PROJ) naming the first point PROJ could
 * not transform; the arrays are then partly transformed and must be discarded. */
enum gis_status crs_transform_points(
    struct crs_transform *t, double *x, double *y, size_t n, struct gis_error *err);

/* The same for interleaved coordinates xy = x0, y0, x1, y1, ... (n points). */
enum gis_status
crs_transform_xy(struct crs_transform *t, double *xy, size_t n, struct gis_error *err);

/* True when name is one of the offset systems PROJ does not know. */
bool crs_is_offset_system(const char *name);

#endif
