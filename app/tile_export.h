/*
 * Tile export: every tile of a tileset over its extent, zoom by zoom, rendered as the
 * server renders it (tileset.h), gzip-compressed, into an MBTiles 1.3 or a PMTiles v3
 * archive a static host or CDN can serve. Empty tiles are left out. `civgis tiles export`
 * parses its arguments, renders the metadata and prints; this does the rest.
 */
#ifndef CIVGIS_TILE_EXPORT_H
#define CIVGIS_TILE_EXPORT_H

#include <stddef.h>

#include "status.h"
#include "store.h"
#include "tileset.h"

/* Tiles done of the total, reported every 64 tiles and at the end; called under the
 * export's lock from any of its threads. */
typedef void (*tile_export_progress_fn)(void *ctx, long done, long total);

struct tile_export {
    const struct tileset *ts; /* tileset_find's */
    int minzoom, maxzoom;
    unsigned buffer;                  /* tile units (of 4096) kept around a tile */
    size_t max_bytes;                 /* the size guard (tileset_render); 0: its default */
    const char *mbtiles, *pmtiles;    /* the archive written: exactly one; a PMTiles file that
                                         exists already is refused */
    const char *metadata_json;        /* the archive's metadata (vector_layers, name, ...) */
    tile_export_progress_fn progress; /* may be NULL */
    void *progress_ctx;
};

/* Writes the archive from st (attached to the coverage layers, coverage_layers.h, when
 * ts shows one). A tileset without features is GIS_ERR_INVALID_ARG; on failure an MBTiles
 * file is left out and a PMTiles file removed. out_written: the tiles with features. */
enum gis_status tile_export_run(struct store *st,
                                const struct tile_export *x,
                                long *out_written,
                                struct gis_error *err);

#endif
