/*
 * Tilesets and their tiles, without HTTP: the combined base map and one tileset per
 * collection, the MVT of a tile (the layers prepared once per table version -> tiles/
 * clip, simplify, encode) within the size guard, and the TileJSON-style layer list. Shared by the
 * tile handlers and by `civgis tiles export`.
 */
#ifndef CIVGIS_TILESET_H
#define CIVGIS_TILESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gbuf.h"
#include "layer.h"
#include "status.h"
#include "store.h"
#include "tilecache.h"

#define TILESET_MAX_BYTES  (500u * 1024u) /* the size guard's default */
#define TILESET_MAX_KB_CAP 65536u         /* the most a limit may be set to (64 MB) */
#define TILESET_MAX_LAYERS 4

/* A tileset: layers of collections, each shown from its own minimum zoom. One per
 * collection (all zooms), and "civgis", the combined base map. */
struct tileset_layer {
    const char *collection;
    int minzoom;
};

struct coverage_layers;

struct tileset {
    const char *id, *title;
    struct tileset_layer layers[TILESET_MAX_LAYERS];
    size_t n_layers;
    /* A coverage layer's tileset: the values it shows (coverage_layers.h), whose
     * generation its source keys on with the demand points' version. Else NULL. */
    struct coverage_layers *cov;
};

extern const struct tileset TILESET_COMBINED;

/* The tileset named id: "civgis" or a collection's (filled into *one, with scratch for
 * the layer, in its public view: tiles never hold the sensitive counts, for any caller);
 * a coverage layer's values are brought up to date in cov (coverage_layers.h; st must be
 * attached to it). NULL when there is none. */
const struct tileset *tileset_find(struct store *st,
                                   struct coverage_layers *cov,
                                   const char *id,
                                   struct tileset *one,
                                   struct layer_scratch *scratch);

/* Every layer prepared for tiling (tiles/tilesource.h), one per collection, rebuilt
 * when the version of a table it shows moves on (layer_data_version); what the rebuild
 * shows changed is invalidated in the tile cache. Shared by every thread of a server. */
struct tileset_sources;

#define TILESET_BUFFER_DEFAULT 64 /* tile units (of 4096) kept around a tile */
#define TILESET_BUFFER_MAX     2048

/* out: no layers yet; tiles keep buffer units (of 4096) of geometry around them and
 * stay within max_bytes (0: TILESET_MAX_BYTES; see tileset_render); cache (may be NULL)
 * is invalidated on changes, not owned. */
enum gis_status tileset_sources_new(struct tilecache *cache,
                                    unsigned buffer,
                                    size_t max_bytes,
                                    struct tileset_sources **out);
void tileset_sources_free(struct tileset_sources *r);

/* What an acquire did to a layer's source. */
enum tileset_prepared {
    TILESET_KEPT,    /* it was up to date */
    TILESET_BUILT,   /* read whole: first use, or a change the store cannot list */
    TILESET_UPDATED, /* the rows written since re-read, the rest kept (tile_source_update) */
};

/* The layers of a tileset shown at one zoom, at one data version, held while its tiles
 * are read from the cache or rendered. */
struct tile_held;
struct tileset_view {
    const struct tileset *ts;
    int z;
    unsigned buffer;
    size_t max_bytes;
    struct tile_held *held[TILESET_MAX_LAYERS];         /* NULL: not shown at z */
    enum tileset_prepared prepared[TILESET_MAX_LAYERS]; /* by this acquire */
};

/* Brings the layers of ts shown at z up to the versions of their tables in st and holds
 * them in *out until tileset_release. Call before reading the cache. A layer is built
 * on first use; after a change to the table it shows, only the rows written since are
 * read again when the store lists them (layer_changes) and they are few, else the
 * layer is read whole; the cached tiles of what changed are invalidated either way.
 * out->prepared says what was done. */
enum gis_status tileset_acquire(struct store *st,
                                struct tileset_sources *r,
                                const struct tileset *ts,
                                int z,
                                struct tileset_view *out,
                                struct gis_error *err);
void tileset_release(struct tileset_sources *r, struct tileset_view *v);

/* The MVT of tile (v->z)/x/y into out (empty when no layer has a feature there), within
 * the sources' max_bytes: simplified harder (2, 8, 32 pixels), then its lines and
 * polygons thinned (the first ones kept, halving per layer) as needed. Points are never
 * thinned: when the points alone pass the limit, GIS_ERR_TOO_LARGE naming the tile. note
 * (may be NULL) receives what the tile in out had done: "" (nothing),
 * "tolerance=T" (tile units of 4096), or "tolerance=T; max_features=N" (N lines and
 * polygons at most per layer). */
enum gis_status tileset_render(const struct tileset_view *v,
                               int64_t x,
                               int64_t y,
                               struct gbuf *out,
                               char *note,
                               size_t note_size,
                               struct gis_error *err);

#define TILESET_MAXZOOM 22 /* the deepest zoom a tileset's layers are shown at */

/* The layers of a tileset that resolve in a store, with the zoom each starts at: what
 * TileJSON's vector_layers lists. A def may point into its scratch: fill it in place
 * and never copy it. */
struct tileset_layers {
    size_t n;
    const struct layer_def *def[TILESET_MAX_LAYERS];
    int minzoom[TILESET_MAX_LAYERS];
    struct layer_scratch scratch[TILESET_MAX_LAYERS];
};

/* Resolves the layers of ts in st into *out (those that do not resolve are left out). */
void tileset_layers_resolve(struct store *st, const struct tileset *ts, struct tileset_layers *out);

/* The extent of the tileset's first layer in CRS84; false when it has no features. */
bool tileset_bounds(struct store *st, const struct tileset *ts, double out[4]);

#endif
