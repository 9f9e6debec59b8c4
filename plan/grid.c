/*
 * A uniform grid of points: counting-sorted indexes by cell, for neighbourhood scans
 * in coverage and site selection.
 */
#include "grid_int.h"

#include <math.h>
#include <stdlib.h>

#define MAX_CELLS_PER_POINT 16

void grid__free(struct grid *g)
{
    free(g->start);
    free(g->items);
    free(g->xy);
}

/* Clamped in floating point first: a far coordinate must not overflow the cast. */
static long clamp_cell(double v, long hi)
{
    return v < 0 || v != v ? 0 : v > (double)hi ? hi : (long)v;
}

long grid__cell_x(const struct grid *g, double x)
{
    return clamp_cell(floor((x - g->minx) / g->cell), g->nx - 1);
}

long grid__cell_y(const struct grid *g, double y)
{
    return clamp_cell(floor((y - g->miny) / g->cell), g->ny - 1);
}

enum gis_status grid__build(struct grid *g, const double *xy, size_t n, double cell)
{
    double maxx = xy[0], maxy = xy[1];
    size_t i, *fill;

    g->minx = xy[0];
    g->miny = xy[1];
    for (i = 1; i < n; i++) {
        g->minx = fmin(g->minx, xy[2 * i]);
        g->miny = fmin(g->miny, xy[2 * i + 1]);
        maxx = fmax(maxx, xy[2 * i]);
        maxy = fmax(maxy, xy[2 * i + 1]);
    }
    /* Never more than a few cells per point, whatever the reach (+1: a thin box still
     * counts its cells along the long side). */
    while (((maxx - g->minx) / cell + 1) * ((maxy - g->miny) / cell + 1) >
           (double)(n * MAX_CELLS_PER_POINT + 16))
        cell *= 2;
    g->cell = cell;
    g->nx = (long)floor((maxx - g->minx) / cell) + 1;
    g->ny = (long)floor((maxy - g->miny) / cell) + 1;
    g->start = calloc((size_t)(g->nx * g->ny) + 1, sizeof *g->start);
    g->items = malloc((n ? n : 1) * sizeof *g->items);
    g->xy = malloc((n ? n : 1) * 2 * sizeof *g->xy);
    fill = calloc((size_t)(g->nx * g->ny) + 1, sizeof *fill);
    if (!g->start || !g->items || !g->xy || !fill) {
        free(fill);
        return GIS_ERR_NOMEM;
    }
    for (i = 0; i < n; i++)
        g->start[grid__cell_y(g, xy[2 * i + 1]) * g->nx + grid__cell_x(g, xy[2 * i]) + 1]++;
    for (i = 1; i <= (size_t)(g->nx * g->ny); i++)
        g->start[i] += g->start[i - 1];
    for (i = 0; i < n; i++) {
        size_t c = (size_t)(grid__cell_y(g, xy[2 * i + 1]) * g->nx + grid__cell_x(g, xy[2 * i]));
        size_t k = g->start[c] + fill[c]++;
        g->items[k] = i;
        g->xy[2 * k] = xy[2 * i];
        g->xy[2 * k + 1] = xy[2 * i + 1];
    }
    free(fill);
    return GIS_OK;
}

size_t *grid__visit_order(const struct grid *g, const double *xy, size_t n)
{
    size_t cells = (size_t)(g->nx * g->ny), i;
    size_t *start = calloc(cells + 1, sizeof *start), *order = malloc((n ? n : 1) * sizeof *order);

    if (!start || !order) {
        free(start);
        free(order);
        return NULL;
    }
    for (i = 0; i < n; i++)
        start[grid__cell_y(g, xy[2 * i + 1]) * g->nx + grid__cell_x(g, xy[2 * i]) + 1]++;
    for (i = 1; i <= cells; i++)
        start[i] += start[i - 1];
    for (i = 0; i < n; i++)
        order[start[grid__cell_y(g, xy[2 * i + 1]) * g->nx + grid__cell_x(g, xy[2 * i])]++] = i;
    free(start);
    return order;
}
