/*
 * Vertex ranks for simplification that keeps shared borders shared. A vertex's rank is
 * the largest tolerance (metres) at which Douglas-Peucker still keeps it, so keeping
 * the vertices ranked above t is exactly Douglas-Peucker at t, for every t at once.
 * Rings and lines are ranked as chains between junctions (vertices where the set of
 * rings meeting there changes), each chain in one canonical direction, so two rings
 * sharing a border rank its vertices the same and keep the same ones at every zoom.
 * That needs the rings to share the border's vertices exactly (a topologically clean
 * layer); where they do not, each is still simplified on its own. Pure.
 */
#ifndef CIVGIS_VERTEXRANK_H
#define CIVGIS_VERTEXRANK_H

#include <stddef.h>

#include "geom.h"
#include "status.h"

/* The junctions of the n geometries g[i] (projected coordinates; identical points are
 * compared bit for bit) as flags[i][k], one per point k of g[i]: 1 where the set of
 * rings and lines meeting at the point changes (or a line ends), else 0; 0 for points;
 * a ring's closing repeat as its first point. A point's flag depends only on the rings
 * and lines through it, so over a subset of a layer holding every ring and line through
 * a point, the point's flag is the layer's. GIS_ERR_NOMEM when out of memory. */
enum gis_status
vertexrank_junctions(const struct geom *const *g, unsigned char *const *flags, size_t n);

/* Fills rank[i][k] for every point k of each of the n geometries g[i] from their
 * junction flags (vertexrank_junctions): INFINITY for points, line ends and junctions,
 * else the Douglas-Peucker rank of the point on its chain. A ring's or line's ranks
 * depend only on its own points and flags. GIS_ERR_NOMEM when out of memory. */
enum gis_status vertexrank_rank(const struct geom *const *g,
                                const unsigned char *const *flags,
                                double *const *rank,
                                size_t n);

#endif
