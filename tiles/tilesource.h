/*
 * A layer prepared for tiling: every feature in Web Mercator with its attributes, a
 * rank per vertex for simplification, and a packed Hilbert R-tree over the features.
 * Pure: no SQLite, no HTTP. Built once per layer, then brought up to date by
 * tile_source_update, which derives a new source from an old one at a cost near the
 * size of the change; read-only after tile_source_finish or tile_source_update, so any
 * number of threads may query one at once (and derive from it: the features a derived
 * source shares with its origin are counted atomically).
 *
 * Simplification filters on vertex ranks (vertexrank.h): Douglas-Peucker at every
 * tolerance at once, with borders shared by neighbours simplified the same way.
 */
#ifndef CIVGIS_TILESOURCE_H
#define CIVGIS_TILESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geom.h"
#include "mvt.h"
#include "status.h"

struct tile_source;

struct tile_feature {
    int64_t key;     /* the caller's key (the row's): features are in ascending key order */
    const char *id;  /* the item id */
    bool has_num_id; /* id is a whole number: num_id, the MVT feature id */
    uint64_t num_id;
    struct geom g;            /* EPSG:3857 metres */
    double *rank;             /* per point of g, metres; INFINITY for points and junctions */
    struct mvt_value *values; /* one per key; a string value with s NULL is left out */
    double bbox[4];           /* of g */
    uint64_t hash;            /* of id, geometry, ranks and values: what a tile shows */
};

/* out: an empty source whose features carry n_keys attributes named keys (copied). */
enum gis_status tile_source_new(const char *const *keys, size_t n_keys, struct tile_source **out);
void tile_source_free(struct tile_source *s);

/* Adds a feature: key (above every key added before, else GIS_ERR_INVALID_ARG), id
 * (copied), lonlat in CRS84 degrees, values[n_keys] (strings copied). Not after
 * tile_source_finish. */
enum gis_status tile_source_add(struct tile_source *s,
                                int64_t key,
                                const char *id,
                                const struct geom *lonlat,
                                const struct mvt_value *values);

/* Ranks the vertices, hashes the features and builds the index. */
enum gis_status tile_source_finish(struct tile_source *s);

/* The attribute names, as given to tile_source_new, into *out; returns how many. */
size_t tile_source_keys(const struct tile_source *s, const char *const **out);

size_t tile_source_count(const struct tile_source *s);
const struct tile_feature *tile_source_feature(const struct tile_source *s, size_t i);

/* The features whose bounding box meets box (EPSG:3857), as indexes in the order they
 * were added, into *hits (grown with realloc; *cap its size). Returns the count, or
 * (size_t)-1 when out of memory. */
size_t
tile_source_query(const struct tile_source *s, const double box[4], size_t **hits, size_t *cap);

/* What changed from old to new, for invalidating tiles: calls dirty(ctx, box) with the
 * old and the new bounding box (EPSG:3857) of every feature added, removed, or shown
 * differently (geometry, ranks, attributes). When the attribute keys differ, dirty
 * gets the whole world. Returns GIS_ERR_NOMEM when out of memory (then nothing can be
 * trusted: treat the whole world as dirty). */
enum gis_status tile_source_diff(const struct tile_source *old_src,
                                 const struct tile_source *new_src,
                                 void (*dirty)(void *ctx, const double box[4]),
                                 void *ctx);

/* A new source *out holding what a full build of the changed layer would: old's features
 * without those keyed in drop (n_drop keys, any order; a key old lacks is ignored) or in
 * add, and add's features (built with tile_source_add, not finished, with old's
 * attribute names) in their keys' places. Feature for feature the same as a source
 * built from scratch over the result (order, geometry, ranks, attributes, hashes), so
 * its tiles are the same bytes. The cost is that of the change: junctions and ranks are
 * found again only on the features added and on the old ones sharing a vertex with
 * them or with a dropped one (which alone can see a junction come or go), the rest
 * shared with old; only the index is rebuilt whole (milliseconds for 40,000 features).
 * dirty(ctx, box) (dirty may be NULL) receives the box (EPSG:3857) of every feature
 * shown differently, as tile_source_diff would (called before the result is complete: use it only
 * on success). add is consumed, whatever the outcome; old is not changed. GIS_ERR_NOMEM, or
 * GIS_ERR_INVALID_ARG when the attribute names differ (build from scratch then). */
enum gis_status tile_source_update(const struct tile_source *old,
                                   const int64_t *drop,
                                   size_t n_drop,
                                   struct tile_source *add,
                                   void (*dirty)(void *ctx, const double box[4]),
                                   void *ctx,
                                   struct tile_source **out);

#endif
