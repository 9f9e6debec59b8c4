/*
 * A static packed R-tree over boxes (Hilbert order of their centres, 16 per node):
 * built once, or derived from another after a few boxes changed, then queried by any
 * number of threads at once. Pure.
 */
#ifndef CIVGIS_RTREE_H
#define CIVGIS_RTREE_H

#include <stddef.h>

#include "status.h"

struct rtree;

/* out: an index over n boxes (4 doubles each: minx, miny, maxx, maxy; copied). A box
 * with minx > maxx is empty and never found. */
enum gis_status rtree_build(const double *boxes, size_t n, struct rtree **out);
void rtree_free(struct rtree *t);

/* A tree over n boxes derived from old, the same as rtree_build would make of them:
 * box i of old is box old_to_new[i] of the new tree ((size_t)-1: gone; old_to_new has one entry
 * per box of old, and keeps their order), and the n_fresh boxes fresh_boxes (4 doubles
 * each, copied) are boxes fresh[0..n_fresh-1]. Together they must name each of 0..n-1
 * once (else GIS_ERR_INVALID_ARG). Costs a pass over the tree and a sort of the fresh
 * boxes, not a sort of all. */
enum gis_status rtree_update(const struct rtree *old,
                             const size_t *old_to_new,
                             size_t n,
                             const size_t *fresh,
                             const double *fresh_boxes,
                             size_t n_fresh,
                             struct rtree **out);

/* The boxes meeting box (boundaries count), as their indexes in ascending order, into
 * *hits (grown with realloc; *cap its size). Returns the count, or (size_t)-1 when out
 * of memory. */
size_t rtree_query(const struct rtree *t, const double box[4], size_t **hits, size_t *cap);

#endif
