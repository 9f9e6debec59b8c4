/*
 * Renderers shared by the handlers: numbers, GeoJSON geometries (with CRS
 * transformation and axis order) and HTML escaping, appended to bounded buffers.
 */
#ifndef CIVGIS_RENDER_H
#define CIVGIS_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "crs.h"
#include "gbuf.h"
#include "geom.h"

/* Appends v with at most `decimals` fraction digits, trailing zeros dropped ("1.5",
 * "-0.1234567", "3"). Fast path for |v| < 1e15; falls back to %.17g beyond. */
enum gis_status render_double(struct gbuf *b, double v, int decimals);
enum gis_status render_int(struct gbuf *b, int64_t v);

/* Appends g as a GeoJSON geometry object. g's coordinates are transformed in place with
 * xf (NULL: none) and then written y-first when is_north_first. */
enum gis_status render_geojson_geometry(struct gbuf *b,
                                        struct geom *g,
                                        struct crs_transform *xf,
                                        bool is_north_first,
                                        int decimals,
                                        struct gis_error *err);

/* Appends s with &, <, >, " and ' escaped. */
enum gis_status render_html_escape(struct gbuf *b, const char *s);

/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
enum gis_status render_url_escape(struct gbuf *b, const char *s);

#endif
