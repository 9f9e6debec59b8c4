/*
 * Feature queries over the published layers (OGC API - Features): bbox through the
 * R*Tree, datetime over versions, CQL2 filters, text search, sorting and paging,
 * compiled to one SQL statement whose every user-supplied value is a bound parameter.
 *
 * Thread-safety: a cursor belongs to the store it was opened on, and so to one thread.
 */
#ifndef CIVGIS_ITEMS_H
#define CIVGIS_ITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cql2.h"
#include "geom.h"
#include "layer.h"
#include "status.h"
#include "store.h"

#define ITEMS_MAX_SORT 8

struct items_sort {
    int prop; /* index into the layer's props */
    bool is_desc;
};

struct items_query {
    const struct layer_def *layer;
    const char *id; /* one feature by id, or NULL */
    bool has_bbox;
    double bbox[4]; /* CRS84 lon/lat */
    /* Versioned layers: NULL/NULL = current rows; start == end = an instant; either may be
     * NULL for an open end when has_datetime. ISO 8601 dates or date-times. */
    bool has_datetime;
    const char *t_start, *t_end;
    const struct cql2_node *filter; /* borrowed */
    const char *q;                  /* text search, or NULL */
    struct items_sort sort[ITEMS_MAX_SORT];
    size_t n_sort;
    int64_t limit; /* < 0: no limit */
    int64_t offset;
    /* Not NULL: only the rows with these rowids (the layer's rowid_sql; n_rowids of them,
     * none when 0), as a prepared layer re-reads what changed (layer_changes). */
    const int64_t *rowids;
    size_t n_rowids;
};

struct item_value {
    enum prop_type type;
    bool is_null;
    int64_t i;        /* PROP_INT, PROP_BOOL */
    double d;         /* PROP_REAL */
    const char *text; /* PROP_TEXT, PROP_DATE, PROP_ARRAY (JSON); borrowed until the next row */
};

struct items_cursor;

/* Compiles and runs q. A filter that names a property the layer does not have, or
 * compares values of the wrong type, fails with GIS_ERR_INVALID_ARG and a message for
 * the user. out: the cursor, closed with items_close. */
enum gis_status items_open(struct store *st,
                           const struct items_query *q,
                           struct items_cursor **out,
                           struct gis_error *err);

/* Steps to the next feature. out_has_row: false at the end. */
enum gis_status items_next(struct items_cursor *c, bool *out_has_row, struct gis_error *err);

/* The current row's id (borrowed until the next row). */
const char *items_id(struct items_cursor *c);
/* The current row's rowid (the layer's rowid_sql): the order rows come in when no sort
 * is given, and what layer_changes lists. */
int64_t items_rowid(struct items_cursor *c);
/* The current row's property i (layer order). */
void items_value(struct items_cursor *c, size_t i, struct item_value *out);
/* The current row's geometry into g (cleared first); out_has: false when the row has
 * none. A stored geometry civgis cannot read is GIS_ERR_GEOMETRY. */
enum gis_status
items_geom(struct items_cursor *c, struct geom *g, bool *out_has, struct gis_error *err);

/* A hash of the current row as the layer shows it: its id, every property (type and
 * value) and its geometry. It changes when, and only when, the feature's own row does,
 * so it is the basis of a feature's strong ETag: an edit to another feature leaves it
 * as it is. Stable across processes and builds of the same layer definition. */
uint64_t items_tag(struct items_cursor *c);

void items_close(struct items_cursor *c);

/* Counts the features q matches, ignoring its limit and offset, stopping at cap.
 * out: the count (cap + 1 when there are more than cap: then out_is_exact is false). */
/* Compiles filter for layer to the SQL condition items_open would use, without a store:
 * what the filter means is checked here (queryables, types, functions, arities, ranges)
 * and errors say what is wrong (GIS_ERR_INVALID_ARG). out: the SQL text in sql (user
 * values are '?' placeholders) and, if out_n_binds, how many values are bound. Pure and
 * thread-safe. */
enum gis_status items_filter_sql(const struct layer_def *layer,
                                 const struct cql2_node *filter,
                                 char *sql,
                                 size_t sql_size,
                                 size_t *out_n_binds,
                                 struct gis_error *err);

enum gis_status items_count(struct store *st,
                            const struct items_query *q,
                            int64_t cap,
                            int64_t *out,
                            bool *out_is_exact,
                            struct gis_error *err);

#endif
