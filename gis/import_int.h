/*
 * Shared between the import modules of gis/ only.
 */
#ifndef CIVGIS_IMPORT_INT_H
#define CIVGIS_IMPORT_INT_H

#include <ogr_api.h>
#include <stdbool.h>
#include <stddef.h>

#include "crs.h"
#include "import.h"
#include "strset.h"

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

struct field_def {
    const char *name;
    enum field_type type;
    bool is_required;
    const char *aliases; /* other source names matched automatically, "|a|b|" */
};

#define IMPORT_MAX_FIELDS 16

struct import_ctx;

/* One feature after mapping: val[i] is the text for target field i or NULL. */
struct import_row {
    const char *val[IMPORT_MAX_FIELDS];
    long long num[IMPORT_MAX_FIELDS]; /* FT_INT and FT_BOOL values, set by row_parse */
    double real[IMPORT_MAX_FIELDS];   /* FT_REAL values */
    OGRGeometryH geom; /* EPSG:4326, valid, of the target's class; NULL when absent */
    bool is_point;     /* geom is a point (a division's seat) */
};

/* Validates one row and inserts it. GIS_OK: written. GIS_ERR_INVALID_ARG,
 * GIS_ERR_CONFLICT, GIS_ERR_GEOMETRY: this row is rejected, err says why. Anything else
 * stops the import. */
typedef enum gis_status (*import_writer_fn)(struct import_ctx *c,
                                            const struct import_row *r,
                                            struct gis_error *err);

struct target_def {
    const char *name;
    const struct field_def *fields;
    size_t n_fields;
    int key_field; /* index of the unique key in fields, -1 when none */
    enum geom_class geom;
    bool is_geom_optional; /* divisions may come with seat_lon/seat_lat only */
    import_writer_fn write;
};

struct import_ctx {
    struct store *st;
    const struct import_options *opt;
    const struct target_def *def;
    struct crs_transform *xf; /* source CRS -> EPSG:4326, for seat fields */
    struct strset *keys;      /* keys of this whole import (pre-pass) */
    long levels_in_import[6]; /* divisions: count of codes per level (pre-pass) */
    char valid_from[11];
    const char *source_label; /* for provenance: the file's base name */
};

const struct target_def *import__target(enum import_target target);

/* Registers GDAL's drivers and routes its messages into our log (once per process): what
 * uses OGR geometries calls it first, so nothing prints behind our back. */
void import__gdal_init(void);

/* Field index by name in def, -1 when absent. */
int import__field(const struct target_def *def, const char *name);

/* Converts a row value; false with err filled when it does not parse. A NULL text
 * leaves *out unchanged and returns true. */
bool import__int(const char *field, const char *text, long long *out, struct gis_error *err);
bool import__real(const char *field, const char *text, double *out, struct gis_error *err);
bool import__bool(const char *field, const char *text, int *out, struct gis_error *err);

/* Parses every present value of r by its field type into num/real; fails (err names
 * the field) on the first malformed one. */
enum gis_status
import__row_parse(const struct target_def *def, struct import_row *r, struct gis_error *err);

/* Geometry pipeline: clones g, flattens to 2D, linearises curves, transforms with xf
 * (NULL: already lon/lat),
 * checks coordinate ranges, checks the class, repairs invalid geometry unless strict.
 * out: the new geometry (caller destroys); out_repaired: whether MakeValid changed it;
 * out_is_point: a point where polygons were expected. */
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
