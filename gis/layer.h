/*
 * The layers civgis publishes: level views of the current divisions (counties,
 * townships, villages), the divisions themselves, facilities, places and demand.
 * This catalogue is what /collections lists; it grows into OGC API - Features.
 */
#ifndef CIVGIS_LAYER_H
#define CIVGIS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

struct layer_info {
    const char *id;          /* static */
    const char *title;       /* static */
    const char *description; /* static */
    int64_t count;           /* current features */
    bool has_extent;
    double bbox[4]; /* minx, miny, maxx, maxy in CRS84 */
};

/* Number of published layers. */
size_t layer_count(void);

/* Fills *out with layer i's description, count and extent. */
enum gis_status
layer_describe(struct store *st, size_t i, struct layer_info *out, struct gis_error *err);

#endif
