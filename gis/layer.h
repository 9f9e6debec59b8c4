/*
 * The layers (OGC API collections) civgis publishes, each a fixed view of one table:
 * level views of the versioned divisions (counties, townships, villages), all
 * divisions, facilities, places and demand. Property names, types and the SQL behind
 * them are constant: they are the whitelist every filter, sort and selection is
 * checked against, so user text never names a column.
 */
#ifndef CIVGIS_LAYER_H
#define CIVGIS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

enum prop_type {
    PROP_TEXT,
    PROP_INT,
    PROP_REAL,
    PROP_BOOL,
    PROP_DATE,  /* ISO 8601 date text */
    PROP_ARRAY, /* a JSON array of strings (sql yields valid JSON or NULL) */
};

struct layer_prop {
    const char *name;
    enum prop_type type;
    const char *sql; /* constant expression over the layer's table */
    const char *description;
    const char *title, *title_zh; /* short labels, English and Chinese (schemas, forms) */
    /* A social-assistance count (demand_weight_is_sensitive): only in a layer resolved with
     * LAYER_VIEW_FULL, so the public view's whitelist cannot name it. */
    bool is_sensitive;
};

/* What a layer shows its caller. The public view leaves the sensitive assistance counts
 * out of the property list, the whitelist that items, filters, sorting, property
 * selection, schemas and queryables read, so below the planner role those names are
 * simply unknown; the full view (planner and above) lists them. The caller's policy
 * chooses the view (server/policy.h); gis/ only obeys it. */
enum layer_view {
    LAYER_VIEW_PUBLIC,
    LAYER_VIEW_FULL,
};

enum layer_geom {
    LAYER_GEOM_POLYGON,
    LAYER_GEOM_POINT,
    LAYER_GEOM_ANY,
};

struct layer_def {
    const char *id, *title, *description;
    const char *table;     /* FROM */
    const char *where;     /* constant condition or NULL */
    const char *id_sql;    /* the feature id (text) */
    const char *geom_sql;  /* the geometry */
    const char *rtree[2];  /* R*Tree tables whose pkid is the table's rowid */
    const char *rowid_sql; /* the rowid the R*Trees index */
    enum layer_geom geom;
    bool is_versioned; /* valid_from / valid_to: datetime selects versions */
    const struct layer_prop *props;
    size_t n_props;
    const char *search_name_sql; /* q= matches names, pinyin and code prefixes */
    const char *search_pinyin_sql;
    const char *search_code_sql;
    const char *where_int_sql; /* NULL, or a constant condition prefix bound to where_int */
    int64_t where_int;
    /* The sensitive properties the full view appends to props (none: NULL, 0), and
     * whether props holds them (a layer resolved with LAYER_VIEW_FULL that has some).
     * Caches and ETags of what a layer shows key on shows_sensitive. */
    const struct layer_prop *sensitive_props;
    size_t n_sensitive;
    bool shows_sensitive;
    /* id_sql is the text of rowid_sql (places: CAST(id AS TEXT)): a feature is found by
     * its rowid, not by a scan comparing every row's text. */
    bool is_id_rowid_text;
};

/* Room for a layer made at run time (a scenario's proposed sites, a coverage layer, the
 * full view of a layer with sensitive properties). */
#define LAYER_COV_PROPS 16

struct layer_scratch {
    struct layer_def def;
    char id[40];
    char title[200];
    struct layer_prop props[LAYER_COV_PROPS]; /* a coverage layer's */
    char prop_sql[4][96];
};

/* The layer named id as view shows it: a fixed one, "scenario-N" for the facilities
 * scenario N proposes, or "coverage-KIND" for the demand points with their coverage by
 * operating facilities of KIND (covered, nearest_id, nearest_m, n_within from
 * civgis_coverage(); see store.h), built into scratch, which must outlive the use. The
 * full view of a layer with sensitive properties lists them after its public ones (and
 * before a coverage layer's four). NULL when there is no such layer. */
const struct layer_def *layer_resolve_for(struct store *st,
                                          const char *id,
                                          enum layer_view view,
                                          struct layer_scratch *scratch);

/* layer_resolve_for with the public view: what tiles, exports and anyone without a role
 * see. */
const struct layer_def *
layer_resolve(struct store *st, const char *id, struct layer_scratch *scratch);

/* The facility kind of a "coverage-KIND" id (a constant string), or NULL. */
const char *layer_coverage_kind(const char *id);

/* Ids of the stored scenarios, oldest first. out: up to max ids; returns how many. */
size_t layer_scenario_ids(struct store *st, int64_t *out, size_t max);

size_t layer_count(void);
/* Layer i (0 <= i < layer_count()), in its public view, as layer_find. */
const struct layer_def *layer_at(size_t i);
/* The fixed layer with this id in its public view, or NULL. */
const struct layer_def *layer_find(const char *id);
/* Index of property name in layer, or -1. */
int layer_prop_find(const struct layer_def *layer, const char *name);
/* True when name denotes the layer's geometry in filters ("geometry" or "geom"). */
bool layer_is_geometry_name(const char *name);

/* One coded value of a property (a facility kind, a status, a division level) with its
 * labels. */
struct layer_term {
    const char *code; /* as stored (a level as its digits) */
    const char *title, *title_zh;
};

/* The coded values of property prop of a layer over table (facilities, divisions,
 * places, demand), with their English and Chinese labels: a static array of *out_n
 * terms, or NULL when the property has no vocabulary. out_is_closed: whether these are
 * all the values it may take (the write path refuses others), else the usual ones of an
 * open list (division kinds, place categories). Pure, thread-safe. */
const struct layer_term *
layer_prop_terms(const char *table, const char *prop, size_t *out_n, bool *out_is_closed);

/* The data version of a layer: the sum of the versions (store_table_version) of the
 * tables it shows: its own table; for scenario-N also scenarios; for coverage-KIND
 * demand, facilities and service_standards (the reach). It moves exactly when one of
 * those tables changes, and an edit elsewhere leaves it alone. out: the value. */
enum gis_status layer_data_version(struct store *st,
                                   const struct layer_def *layer,
                                   int64_t *out,
                                   struct gis_error *err);

/* The features of layer whose rows were written after its data version since and up to
 * upto (layer_data_version values), as sorted, distinct rowids (the layer's rowid_sql)
 * into *out (malloc'd; the caller frees it) and *out_n: what to read again to bring
 * something prepared from the layer at since up to upto (items_query.rowids). A row may
 * have left the layer (deleted, a division's closed version, another level) or never
 * been in it. GIS_ERR_NOT_FOUND when that cannot be told (store_table_changes), or for a
 * layer over several tables (scenario-N, coverage-KIND): read the layer whole. */
enum gis_status layer_changes(struct store *st,
                              const struct layer_def *layer,
                              int64_t since,
                              int64_t upto,
                              size_t max,
                              int64_t **out,
                              size_t *out_n,
                              struct gis_error *err);

struct layer_stats {
    int64_t count; /* current features */
    bool has_extent;
    double bbox[4];            /* minx, miny, maxx, maxy in CRS84 */
    char t_min[11], t_max[11]; /* versioned: first valid_from, last change ("" if none) */
};

/* Counts and extent of the current features of layer. */
enum gis_status layer_stats(struct store *st,
                            const struct layer_def *layer,
                            struct layer_stats *out,
                            struct gis_error *err);

#endif
