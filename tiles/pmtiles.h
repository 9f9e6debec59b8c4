/*
 * PMTiles v3 archives (one file a static host or CDN serves by HTTP range requests):
 * tiles are added in any order, the archive is written at the end as header, root
 * directory, JSON metadata, leaf directories and tile data, clustered by tile id. Pure:
 * memory in, a FILE out.
 */
#ifndef CIVGIS_PMTILES_H
#define CIVGIS_PMTILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

/* The Hilbert tile id of z/x/y (PMTiles v3 section 3.3). */
uint64_t pmtiles_tile_id(int z, uint64_t x, uint64_t y);

struct pmtiles_writer;

struct pmtiles_info {
    int min_zoom, max_zoom, center_zoom;
    double bounds[4]; /* min lon, min lat, max lon, max lat */
    double center[2];
    const char *metadata_json; /* e.g. {"vector_layers": [...]} */
};

enum gis_status pmtiles_writer_new(struct pmtiles_writer **out);
void pmtiles_writer_free(struct pmtiles_writer *w);

/* Adds one tile (gzip-compressed MVT bytes, copied). */
enum gis_status
pmtiles_add(struct pmtiles_writer *w, int z, uint64_t x, uint64_t y, const void *data, size_t len);

/* Writes the archive. */
enum gis_status pmtiles_write(struct pmtiles_writer *w,
                              const struct pmtiles_info *info,
                              FILE *f,
                              struct gis_error *err);

#endif
