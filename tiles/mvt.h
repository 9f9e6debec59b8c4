/*
 * Mapbox Vector Tile 2.1 encoder: layers of features with geometry already in tile
 * coordinates (0..extent, y down) and typed attributes, keys and values deduplicated
 * per layer. Pure: no I/O.
 */
#ifndef CIVGIS_MVT_H
#define CIVGIS_MVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gbuf.h"
#include "geom.h"
#include "status.h"

enum mvt_value_type {
    MVT_STRING,
    MVT_INT,
    MVT_DOUBLE,
    MVT_BOOL,
};

struct mvt_value {
    enum mvt_value_type type;
    const char *s;
    int64_t i;
    double d;
    bool b;
};

struct mvt_tile;
struct mvt_layer;

/* out: an empty tile, freed with mvt_tile_free. */
enum gis_status mvt_tile_new(struct mvt_tile **out);
void mvt_tile_free(struct mvt_tile *t);

/* Adds a layer (name copied). out: borrowed until mvt_tile_free. */
enum gis_status
mvt_layer_add(struct mvt_tile *t, const char *name, uint32_t extent, struct mvt_layer **out);

/* Adds a feature. g holds integer tile coordinates; its type picks POINT, LINESTRING or
 * POLYGON (multi types included); polygon rings are closed (the closing point is not
 * encoded) with exteriors clockwise in tile space (positive surveyor's area). n_attrs
 * keys[i] = values[i]; a NULL string value is left out. */
enum gis_status mvt_feature_add(struct mvt_layer *l,
                                bool has_id,
                                uint64_t id,
                                const struct geom *g,
                                const char *const *keys,
                                const struct mvt_value *values,
                                size_t n_attrs);

/* Features in the layer so far. */
size_t mvt_layer_count(const struct mvt_layer *l);

/* Appends the encoded tile (layers without features are left out) to out. */
enum gis_status mvt_tile_encode(const struct mvt_tile *t, struct gbuf *out);

#endif
