/*
 * Tileset metadata in JSON (app/tileset.h): TileJSON's vector_layers, which the TileJSON
 * route and the archives of `civgis tiles export` both carry.
 */
#ifndef CIVGIS_TILESET_JSON_H
#define CIVGIS_TILESET_JSON_H

#include "store.h"
#include "tileset.h"

struct cJSON;

/* TileJSON's vector_layers for ts (fields and zooms). out: the caller's (cJSON_Delete). */
struct cJSON *tileset_json_vector_layers(struct store *st, const struct tileset *ts);

#endif
