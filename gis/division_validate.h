/*
 * The coverage check of stored divisions (division_topo.h does the geometry): reads the
 * current rows of one parent's children, their villages' seats and the parent, and
 * judges them. Read-only; any store connection will do, inside a transaction or not.
 */
#ifndef CIVGIS_DIVISION_VALIDATE_H
#define CIVGIS_DIVISION_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "division_topo.h"
#include "status.h"
#include "store.h"

/* Checks the children of division code (current rows) with tolerance_m: each valid,
 * their union equal to code's polygon, no two overlapping, every seat of a child without
 * a polygon (a village) inside its division, the seats of their villages inside the
 * children too. Appends to out. GIS_ERR_NOT_FOUND: no current division code. */
enum gis_status division_validate_parent(struct store *st,
                                         const char *code,
                                         double tolerance_m,
                                         struct division_problems *out,
                                         struct gis_error *err);

/* division_validate_parent for code (NULL: every division) and each division below it
 * that has children with polygons. out_parents (may be NULL): how many were checked. */
enum gis_status division_validate(struct store *st,
                                  const char *code,
                                  double tolerance_m,
                                  struct division_problems *out,
                                  size_t *out_parents,
                                  struct gis_error *err);

/* ---------------------------------------------------------------- reading rows */

/* A current division as the operations need it; owned, freed with division_row_free. */
struct division_row {
    char code[DIVISION_CODE_MAX], parent[DIVISION_CODE_MAX];
    int level;
    char *name, *kind, *urban_rural_code, *pinyin;
    long long population, elderly_60plus; /* -1: unknown */
    bool is_synthetic;
    char valid_from[11];
    unsigned char *wkb; /* ISO WKB of the polygon, NULL for a village */
    size_t wkb_n;
    bool has_seat;
    double seat_lon, seat_lat;
};

/* The current row of code. GIS_ERR_NOT_FOUND when there is none. out: caller frees. */
enum gis_status division_row_get(struct store *st,
                                 const char *code,
                                 struct division_row **out,
                                 struct gis_error *err);

/* The current children of code, ordered by code. out: an array of *out_n rows, freed
 * with division_rows_free. */
enum gis_status division_rows_children(struct store *st,
                                       const char *code,
                                       struct division_row **out,
                                       size_t *out_n,
                                       struct gis_error *err);

/* The largest code ever used (any version) under prefix at level; "" when none. */
enum gis_status division_code_max(struct store *st,
                                  const char *prefix,
                                  int level,
                                  char out[DIVISION_CODE_MAX],
                                  struct gis_error *err);

/* What lies in a division by its division_code and moves with it: the facilities and
 * the demand points (layer_id "facilities" or "demand") naming code, with their points.
 * GIS_ERR_INVALID_ARG for another layer. out: a malloc'd array of *out_n, ordered by id. */
struct division_point {
    char fid[64];
    double lon, lat;
};
enum gis_status division_points(struct store *st,
                                const char *layer_id,
                                const char *code,
                                struct division_point **out,
                                size_t *out_n,
                                struct gis_error *err);

/* A GeoJSON Polygon, MultiPolygon or LineString as ISO WKB (no CRS change: CRS84).
 * out: malloc'd. */
enum gis_status division_geojson_wkb(const char *geojson,
                                     unsigned char **out,
                                     size_t *out_n,
                                     struct gis_error *err);

/* ISO WKB as GeoJSON with every digit a double needs to read back the same; NULL when
 * it does not parse. out: malloc'd. */
char *division_wkb_geojson(const unsigned char *wkb, size_t n);

void division_row_free(struct division_row *r);
void division_rows_free(struct division_row *rows, size_t n);

#endif
