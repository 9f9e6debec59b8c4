/*
 * Shared between the import modules of gis/ only.
 */
#ifndef CIVGIS_IMPORT_INT_H
#define CIVGIS_IMPORT_INT_H

#include <ogr_api.h>
#include <stdbool.h>
#include <stddef.h>

#include "crs.h"
#include "edit.h"
#include "import.h"

enum geom_class {
    GEOM_POLYGONAL, /* stored as MULTIPOLYGON; a point is accepted as a seat */
    GEOM_POINT,
    GEOM_ANY,
};

enum field_type {
    FT_TEXT,
    FT_INT,
    FT_REAL,
    FT_BOOL,
    FT_DATE,
};

/* What a source field becomes in the write path's input (edit.h). */
enum field_role {
    FR_PROP,     /* the property of the same name */
    FR_ID,       /* the feature id (a facility's fid, a demand point's code) */
    FR_SEAT_LON, /* a division's seat, in the source CRS */
    FR_SEAT_LAT,
    FR_SOURCE,   /* the row's provenance (default: the file's name) */
    FR_SCENARIO, /* a scenario by name: its id becomes scenario_id */
};

struct field_def {
    const char *name;
    enum field_type type;
    bool is_required;    /* the source must have it mapped (checked once per source) */
    const char *aliases; /* other source names matched automatically, "|a|b|" */
    enum field_role role;
};

#define IMPORT_MAX_FIELDS 16

/* One feature after mapping: val[i] is the text for target field i or NULL. */
struct import_row {
    const char *val[IMPORT_MAX_FIELDS];
};

struct target_def {
    const char *name;
    const struct field_def *fields;
    size_t n_fields;
    int key_field;         /* index of the field ordering a division's levels, -1: none */
    enum edit_target edit; /* the write path's table */
};

const struct target_def *import__target(enum import_target target);

/* Registers GDAL's drivers and routes its messages into our log (once per process): what
 * uses OGR geometries calls it first, so nothing prints behind our back. */
void import__gdal_init(void);

/* Field index by name in def, -1 when absent. */
int import__field(const struct target_def *def, const char *name);

/* Parses a real; false with err filled when it does not parse. A NULL text leaves
 * *out unchanged and returns true. */
bool import__real(const char *field, const char *text, double *out, struct gis_error *err);

/* The write path's property of a source value: numbers and booleans as the JSON types
 * they read as, anything else as a string (which the rules then judge). buf holds a
 * boolean's text. */
struct edit_prop import__prop(const struct field_def *f, const char *text, char *buf, size_t size);

/* The id of the scenario called name. GIS_ERR_NOT_FOUND (err says so) when none is. */
enum gis_status
import__scenario(struct store *st, const char *name, char *out, size_t size, struct gis_error *err);

/* The source geometry in lon/lat: cloned, flattened to 2D, curves linearised, edges
 * longer than max_edge_deg (0: none) split first, transformed with xf (NULL: already
 * lon/lat). The write path judges the result. out: caller destroys. */
enum gis_status import__geom_transform(OGRGeometryH g,
                                       struct crs_transform *xf,
                                       double max_edge_deg,
                                       OGRGeometryH *out,
                                       struct gis_error *err);

/* The geometry rule the write path applies (edit_rules.c): transforms with xf (NULL:
 * none), checks lon/lat and the class, repairs invalid
 * geometry unless strict. out: the new geometry (caller destroys); out_repaired: whether
 * MakeValid changed it; out_is_point: a point where polygons were expected. */
enum gis_status import__geom_prepare(OGRGeometryH g,
                                     struct crs_transform *xf,
                                     enum geom_class cls,
                                     bool is_strict,
                                     OGRGeometryH *out,
                                     bool *out_repaired,
                                     bool *out_is_point,
                                     struct gis_error *err);

/* A point from two coordinates in the source CRS, transformed. out: new geometry. */
enum gis_status import__point_new(
    double x, double y, struct crs_transform *xf, OGRGeometryH *out, struct gis_error *err);

/* ISO WKB (little-endian) of g. out: malloc'd bytes, caller frees. */
enum gis_status
import__wkb(OGRGeometryH g, unsigned char **out, size_t *out_size, struct gis_error *err);

#endif
