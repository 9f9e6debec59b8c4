/*
 * MBTiles 1.3 archives (an SQLite file of tiles and metadata that GDAL, QGIS, MapLibre
 * tile servers and tileserver-gl read). Written in one transaction: a failed export
 * leaves no half file behind.
 */
#ifndef CIVGIS_MBTILES_H
#define CIVGIS_MBTILES_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct mbtiles;

/* Creates path (which must not exist) with the schema, in a transaction. */
enum gis_status mbtiles_create(const char *path, struct mbtiles **out, struct gis_error *err);

/* One metadata row (name, value), e.g. ("format", "pbf"). */
enum gis_status
mbtiles_meta(struct mbtiles *mb, const char *name, const char *value, struct gis_error *err);

/* One tile at z/x/y in XYZ numbering (stored TMS-flipped, as the spec says). */
enum gis_status mbtiles_put(struct mbtiles *mb,
                            int z,
                            int64_t x,
                            int64_t y,
                            const void *data,
                            size_t len,
                            struct gis_error *err);

/* Commits and closes; on failure the file is removed. mb is freed either way. */
enum gis_status mbtiles_finish(struct mbtiles *mb, struct gis_error *err);
/* Rolls back, closes and removes the file. NULL is a no-op. */
void mbtiles_abort(struct mbtiles *mb);

#endif
