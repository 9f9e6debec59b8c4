/*
 * An in-memory LRU cache of encoded tiles, bounded in bytes. Keys name the tile and the
 * data version it was made from, so an edit (which bumps the version) can never be
 * answered from a stale entry; stale entries age out. Thread-safe: one mutex.
 */
#ifndef CIVGIS_TILECACHE_H
#define CIVGIS_TILECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gbuf.h"
#include "status.h"

struct tilecache;

/* out: a cache holding at most max_bytes of tiles (0: caching off). */
enum gis_status tilecache_new(size_t max_bytes, struct tilecache **out);
void tilecache_free(struct tilecache *c);

/* Appends the bytes cached under key to out; false on a miss. */
bool tilecache_get(struct tilecache *c, const char *key, struct gbuf *out);

/* Stores a copy of data (n may be 0: an empty tile) under key, evicting the least
 * recently used tiles to fit. A tile larger than the whole cache is not stored. */
void tilecache_put(struct tilecache *c, const char *key, const void *data, size_t n);

struct tilecache_stats {
    uint64_t hits, misses;
    size_t bytes, entries;
};
void tilecache_stats(struct tilecache *c, struct tilecache_stats *out);

#endif
