/*
 * A uniform grid over points (x, y pairs), shared inside plan/: cell c holds
 * items[start[c] .. start[c + 1]), cells row by row.
 */
#ifndef CIVGIS_GRID_INT_H
#define CIVGIS_GRID_INT_H

#include <stddef.h>

#include "status.h"

struct grid {
    double minx, miny, cell;
    long nx, ny;
    size_t *start; /* nx * ny + 1 offsets into items */
    size_t *items; /* facility indexes, by cell */
    double *xy;    /* their coordinates in the same order: a scan reads memory in sequence */
};

/* Builds the grid of n points with cells about `cell` wide (coarsened so there are never
 * more than a few cells per point). */
enum gis_status grid__build(struct grid *g, const double *xy, size_t n, double cell);
void grid__free(struct grid *g);
/* The cell column / row of a coordinate, clamped to the grid. */
long grid__cell_x(const struct grid *g, double x);
long grid__cell_y(const struct grid *g, double y);
/* The order in which to visit n points (xy pairs) so that neighbours come together: the
 * points sorted by g's cell, row by row (a caller's per-point work then finds g's cells,
 * and the items in them, still in cache). NULL when out of memory. */
size_t *grid__visit_order(const struct grid *g, const double *xy, size_t n);

#endif
