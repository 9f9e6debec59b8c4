/*
 * Site-selection inputs from text: OR-Library p-median graphs and CSV point lists.
 * Pure parsers of outside input (fuzzed): bounded, every malformed line is an error.
 */
#ifndef CIVGIS_SITE_IO_H
#define CIVGIS_SITE_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* OR-Library pmed format: "n edges p", then "i j cost" lines (1-based, undirected). A
 * repeated edge overwrites the earlier one (OR-Library's own rule; its optima depend on
 * it). out_dist: n x n shortest path lengths (Dijkstra from every node), malloc'd. */
enum gis_status site_orlib_parse(const char *text,
                                 size_t len,
                                 size_t *out_n,
                                 size_t *out_p,
                                 float **out_dist,
                                 struct gis_error *err);

struct site_points {
    size_t n;
    char **id;
    double *xy;
    double *weight;   /* column "weight" (demand), else 1 */
    double *cost;     /* column "cost", else NULL */
    double *capacity; /* column "capacity", else NULL */
};

/* CSV with a header naming at least id, x, y; optional weight, cost, capacity (any
 * order, case-insensitive). Numbers must be finite; weight, cost, capacity >= 0. */
enum gis_status
site_points_parse(const char *text, size_t len, struct site_points *out, struct gis_error *err);
void site_points_free(struct site_points *p);

#endif
