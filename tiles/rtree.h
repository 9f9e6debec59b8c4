/*
 * A static packed R-tree over boxes (Hilbert order of their centres, 16 per node):
 * built once, then queried by any number of threads at once. Pure.
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

/* The boxes meeting box (boundaries count), as their indexes in ascending order, into
 * *hits (grown with realloc; *cap its size). Returns the count, or (size_t)-1 when out
 * of memory. */
size_t rtree_query(const struct rtree *t, const double box[4], size_t **hits, size_t *cap);

#endif
