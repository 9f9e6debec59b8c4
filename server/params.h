/*
 * Parsers of OGC API query parameters and of the request headers the server negotiates
 * on (Accept, Origin, Access-Control-Request-Headers). Pure (no HTTP library, no store):
 * each takes the raw text and fills a plain struct, or fails with GIS_ERR_INVALID_ARG
 * and a message that names the parameter and the problem.
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

/* The representations the server answers with, for content negotiation. */
enum params_media {
    PARAMS_MEDIA_JSON, /* application/json and every application/...+json */
    PARAMS_MEDIA_HTML, /* text/html */
    PARAMS_MEDIA_MVT,  /* application/vnd.mapbox-vector-tile (alias application/x-protobuf) */
};

/* How much an Accept header (RFC 9110 section 12.5.1) wants a representation. */
struct params_pref {
    double q;          /* of the most specific matching range; 0: not acceptable */
    int specificity;   /* 3 type/subtype, 2 a type's wildcard, 1 the full wildcard, 0 none */
    unsigned position; /* of that range in the list, from 0 */
};
/* Fills out for media under accept. A NULL or blank header accepts everything (q 1,
 * specificity 0). Ranges that are not type/subtype and q values that are not RFC 9110
 * qvalues are skipped, so a header of nothing but those accepts nothing. */
void params_accept(const char *accept, enum params_media media, struct params_pref *out);

/* An origin as browsers send it in Origin and as --cors-origin takes it: "http" or
 * "https", "://", a host (letters, digits, '.', '-', or a [bracketed] IPv6 literal) and
 * an optional ":port"; no path, no trailing slash, at most 200 bytes. */
enum gis_status params_origin(const char *text, struct gis_error *err);

/* An Access-Control-Request-Headers value: comma-separated field names (RFC 9110
 * tokens), at most 32 of at most 64 bytes each. out: the names lowercased and joined by
 * ", " (size bytes, NUL-terminated); it is only written on success. */
#define PARAMS_HEADER_NAMES_MAX 32
enum gis_status
params_header_names(const char *text, char *out, size_t size, struct gis_error *err);

#endif
