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

/* Fills rank[i][k] for every point k of each of the n geometries g[i] (projected
 * coordinates; identical points are compared bit for bit): INFINITY for points, line
 * ends and junctions, else the Douglas-Peucker rank. GIS_ERR_NOMEM when out of memory. */
enum gis_status vertexrank_compute(const struct geom *const *g, double *const *rank, size_t n);

#endif
