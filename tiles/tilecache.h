/*
 * An in-memory LRU cache of encoded tiles, bounded in bytes. An edit invalidates only
 * the tiles of the tilesets showing the changed layer whose buffered bounds meet what
 * changed (tilecache_invalidate); an epoch
 * counter stops a tile rendered before an invalidation from being stored after it.
 * Thread-safe: one mutex.
 */
#ifndef CIVGIS_TILECACHE_H
#define CIVGIS_TILECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gbuf.h"
#include "status.h"

struct tilecache;

struct tilecache_key {
    const char *tileset;
    int z;
    int64_t x, y;
};

/* out: a cache holding at most max_bytes of tiles (0: caching off). */
enum gis_status tilecache_new(size_t max_bytes, struct tilecache **out);
void tilecache_free(struct tilecache *c);

/* What a hit returns. */
struct tilecache_hit {
    uint64_t tag; /* as stored */
    bool is_gzip; /* the bytes appended are the gzip form */
};

/* Appends the bytes cached under k to out (their gzip form when want_gzip and one was
 * stored) and fills *hit; false on a miss. */
bool tilecache_get(struct tilecache *c,
                   const struct tilecache_key *k,
                   bool want_gzip,
                   struct gbuf *out,
                   struct tilecache_hit *hit);

/* The invalidation count: read it before rendering, pass it to tilecache_put. */
uint64_t tilecache_epoch(struct tilecache *c);

/* A tile to store: its bytes (n may be 0: an empty tile), optionally their gzip form
 * (gz NULL: none), and a tag. */
struct tilecache_tile {
    const void *data;
    size_t n;
    const void *gz;
    size_t gz_n;
    uint64_t tag;
};

/* Stores a copy of t under k, evicting the least recently used tiles to fit, unless an
 * invalidation happened since epoch was read. A tile larger than the whole cache is not
 * stored. */
void tilecache_put(struct tilecache *c,
                   const struct tilecache_key *k,
                   const struct tilecache_tile *t,
                   uint64_t epoch);

/* Drops every tile of the n_tilesets tilesets named (tilesets NULL: of any) whose
 * bounds, grown by margin (a fraction of the tile: the MVT buffer), meet one of the n
 * boxes (EPSG:3857: minx, miny, maxx, maxy), and advances the epoch. Returns how many
 * were dropped. */
size_t tilecache_invalidate(struct tilecache *c,
                            const char *const *tilesets,
                            size_t n_tilesets,
                            const double (*boxes)[4],
                            size_t n,
                            double margin);

struct tilecache_stats {
    uint64_t hits, misses, invalidated;
    size_t bytes, entries;
};
void tilecache_stats(struct tilecache *c, struct tilecache_stats *out);

#endif
