/*
 * Shared only by tilesource.c (features, builds, hashes, diff) and tilesource_update.c
 * (deriving a source from another): how a source holds its features. Never include this
 * from another directory.
 *
 * Features live in nodes, nodes in chunks of up to TILESOURCE_CHUNK, chunks in key
 * order. A source derived by tile_source_update shares with its origin every chunk the
 * change did not touch (one reference each) and, in the chunks it made again, every
 * node that stayed (one reference each), so an update costs about the chunks it touches
 * and a copy of the flat arrays, not a pass over every feature. References are atomic:
 * a source is derived from while threads render from it and release older ones.
 */
#ifndef CIVGIS_TILESOURCE_INT_H
#define CIVGIS_TILESOURCE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtree.h"
#include "status.h"
#include "tilesource.h"

#define TILESOURCE_CHUNK 64

/* A feature as sources hold it, read-only once ranked; refs counts the chunks holding it. */
struct node {
    atomic_uint refs;
    unsigned char *is_junction; /* per point of f.g (vertexrank_junctions) */
    struct tile_feature f;
};

/* A run of features in key order; refs counts the sources holding it. */
struct chunk {
    atomic_uint refs;
    size_t n;
    struct node *nd[TILESOURCE_CHUNK];
};

struct tile_source {
    char **keys;
    size_t n_keys;
    struct chunk **chunks; /* in key order */
    size_t n_chunks, cap_chunks;
    struct node **f; /* feature i, borrowed from the chunks */
    int64_t *key;    /* feature i's key, ascending */
    size_t n, cap;
    struct rtree *index; /* over the features' boxes */
};

/* Drops a reference to a node (of a source with n_keys attributes), freeing it with the
 * last; NULL is a no-op. */
void tilesource__node_release(struct node *nd, size_t n_keys);

/* Room for n features in s's flat arrays. */
enum gis_status tilesource__reserve(struct tile_source *s, size_t n);

/* Appends c (its reference taken) to s's chunks. */
enum gis_status tilesource__push_chunk(struct tile_source *s, struct chunk *c);

/* Ranks and hashes the n nodes nd[i] from their junction flags, found first over the
 * nodes themselves when is_whole (they are a whole layer). */
enum gis_status
tilesource__rank_nodes(struct node *const *nd, size_t n, bool is_whole, size_t n_keys);

/* Copies of the n values in (strings duplicated) into *out (freed with the node). */
enum gis_status
tilesource__copy_values(struct mvt_value **out, const struct mvt_value *in, size_t n);

/* A copy of s (malloc'd), or NULL. */
char *tilesource__dup_str(const char *s);

/* Whether a and b have the same attribute names. */
bool tilesource__same_keys(const struct tile_source *a, const struct tile_source *b);

#endif
