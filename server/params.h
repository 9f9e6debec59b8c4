/*
 * Parsers of OGC API query parameters. Pure (no HTTP, no store): each takes the raw
 * text and fills a plain struct, or fails with GIS_ERR_INVALID_ARG and a message that
 * names the parameter and the problem.
 */
#ifndef CIVGIS_PARAMS_H
#define CIVGIS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* bbox=minx,miny,maxx,maxy or minx,miny,minz,maxx,maxy,maxz (the z range is ignored).
 * In CRS84 (or bbox-crs) axis order; x may cross the antimeridian only as minx > maxx,
 * which is refused (no data there). out: minx, miny, maxx, maxy. */
enum gis_status params_bbox(const char *text, double out[4], struct gis_error *err);

/* limit=N: 1..max. */
enum gis_status params_limit(const char *text, int64_t max, int64_t *out, struct gis_error *err);
/* offset=N: 0.. */
enum gis_status params_offset(const char *text, int64_t *out, struct gis_error *err);

/* datetime=instant | start/end with ".." or "" for an open end. Instants are
 * YYYY-MM-DD or RFC 3339 date-times. out_start/out_end: NUL-terminated copies ("" for an
 * open end; for an instant both equal), each at most 40 bytes. */
#define PARAMS_TIME_MAX 40
enum gis_status
params_datetime(const char *text, char *out_start, char *out_end, struct gis_error *err);

/* A comma-separated list of names (properties=, sortby=): calls fn for each, with the
 * sortby sign removed (is_desc set for a leading '-'). Empty items are refused. */
typedef enum gis_status (*params_name_fn)(void *ctx,
                                          const char *name,
                                          bool is_desc,
                                          struct gis_error *err);
enum gis_status params_names(const char *param,
                             const char *text,
                             bool allow_sign,
                             params_name_fn fn,
                             void *ctx,
                             struct gis_error *err);

/* The CRSs civgis serves (OGC API - Features Part 2). */
struct params_crs {
    const char *uri;     /* http://www.opengis.net/def/crs/... */
    const char *proj;    /* definition for PROJ */
    bool is_north_first; /* authority axis order is northing/latitude first */
    bool is_geographic;  /* degrees (7 decimals) or metres (3 decimals) */
};
/* The CRS for a URI (also "[EPSG:4326]"-style safe CURIEs and "EPSG:4326"), or NULL. */
const struct params_crs *params_crs_find(const char *uri);
/* CRS i of the supported list (NULL past the end); 0 is CRS84. */
const struct params_crs *params_crs_at(size_t i);

#endif
