/*
 * Shared between the write-path modules of gis/ only (edit.c: the transaction and the
 * writes; edit_rules.c: the rules; edit_log.c: history and revert). Never include this
 * from another directory.
 */
#ifndef CIVGIS_EDIT_INT_H
#define CIVGIS_EDIT_INT_H

#include <ogr_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edit.h"
#include "gbuf.h"
#include "layer.h"

#define EDIT_MAX_FIELDS 16

/* Field flags. */
#define EF_REQUIRED 1u  /* must have a non-empty value */
#define EF_KEY      2u  /* the feature id (divisions' code): set on create, fixed after */
#define EF_DERIVED  4u  /* follows from the code (level, parent_code): checked, then computed */
#define EF_VERSION  8u  /* set by the write path (divisions' valid_from/valid_to) */
#define EF_COUNT    16u /* an integer that may not be negative */
#define EF_LIST     32u /* a JSON array of strings (places' aliases) */
#define EF_HIDDEN   64u /* accepted and stored, but no layer property (change_reason) */

struct edit_field {
    const char *name;   /* the property, as the layer shows it */
    const char *column; /* the table's column */
    enum prop_type type;
    unsigned flags;
    const char *dflt; /* the value a create or replace takes when none is given */
};

/* One editable table. */
struct edit_table {
    enum edit_target target;
    const char *table;
    const char *id_column; /* what the feature id is: code, fid, or the rowid */
    const struct edit_field *fields;
    size_t n_fields;
    bool is_timed; /* rows have valid_to: only the current one (valid_to IS NULL) counts */
};

struct strset;

/* A batch (edit.h): one transaction, many creates. */
struct edit_batch {
    struct store *st;
    const struct edit_table *tab;
    const struct layer_def *layer;
    bool is_in_tx;
    struct strset *written; /* the ids this batch wrote, for the duplicate's message */
    struct gbuf ids;        /* JSON text of the ids written since the last audit row */
    long n_unaudited, n_written;
    /* The division levels offered to the batch, written or rejected: a level offered
     * is not absent, so a child of a rejected parent is rejected too (parents come
     * first, edit_batch_add's callers order them). */
    bool has_level[DIVISION_VILLAGE + 1];
};

/* A feature's values as text (NULL: SQL NULL), owned. */
struct edit_row {
    char *val[EDIT_MAX_FIELDS];
    int64_t row_id;
    void *geom, *seat; /* the stored SpatiaLite blobs (seat: divisions only), owned */
    size_t geom_n, seat_n;
};

struct edit_group;

struct edit {
    struct store *st;
    struct edit_group *group; /* the group the edit joined, or NULL */
    const struct edit_input *in;
    const struct layer_def *layer;
    const struct edit_table *tab;
    int level; /* of a level view, else 0 */
    bool is_in_tx, is_committed;
    struct edit_batch *batch; /* the batch this create belongs to, or NULL */
    struct edit_state before, after;
    struct edit_row cur, next; /* cur valid when before.exists */
    bool is_given[EDIT_MAX_FIELDS];
    OGRGeometryH geom;       /* the new geometry, EPSG:4326; NULL: none given */
    bool is_point;           /* geom is a point (a division's seat) */
    unsigned char *geom_wkb; /* ISO WKB of geom */
    size_t geom_wkb_n;
    unsigned char *seat_wkb; /* a seat given beside the polygon (in->seat_wkb, checked) */
    size_t seat_wkb_n;
    bool is_repaired; /* geom is the repair of an invalid one */
    int epsg;         /* the UTM zone distances are measured in */
    double tol;       /* metres */
    const char *reason;
    char date[11];  /* the day the change takes effect */
    char today[11]; /* UTC */
    char *before_json;
};

/* The target and level of a collection an edit may write: those of edit_layer_target,
 * and for a member of a group (is_member) also demand. Demand points are derived data
 * that nobody edits on their own, but a division operation re-links the ones in the
 * area it changes (their division_code) as members of its group, and the revert of the
 * group restores them the same way. Pure. */
bool edit__target(const char *layer_id,
                  bool is_member,
                  enum edit_target *out_target,
                  int *out_level);
const struct edit_table *edit__table(enum edit_target target);
/* Index of field name in t, -1 when none. */
int edit__field(const struct edit_table *t, const char *name);
/* The value of field name in row (NULL when null or no such field). */
const char *edit__val(const struct edit *e, const struct edit_row *row, const char *name);
/* Replaces field i of row with a copy of text (NULL: null). */
enum gis_status edit__set(struct edit_row *row, size_t i, const char *text);

/* Whether a statement with one text parameter finds a row. */
enum gis_status
edit__exists(struct store *st, const char *sql, const char *key, bool *out, struct gis_error *err);

/* The rules (edit_rules.c). Each adds what is wrong to problems; the returned status
 * is the store's. */
void edit__take_props(struct edit *e, struct edit_problems *p);
enum gis_status
edit__check_geometry(struct edit *e, struct edit_problems *p, struct gis_error *err);
enum gis_status
edit__check_division(struct edit *e, struct edit_problems *p, struct gis_error *err);
enum gis_status
edit__check_facility(struct edit *e, struct edit_problems *p, struct gis_error *err);
enum gis_status edit__check_place(struct edit *e, struct edit_problems *p, struct gis_error *err);
enum gis_status edit__check_demand(struct edit *e, struct edit_problems *p, struct gis_error *err);
/* Required fields, defaults aside; counts not negative. */
void edit__check_fields(struct edit *e, struct edit_problems *p);

/* GeoJSON of ISO WKB with every digit a double needs to read back the same (edit.c).
 * NULL for none or unreadable WKB. out: malloc'd text. */
char *edit__wkb_geojson(const void *wkb, size_t n);

/* The group's bookkeeping (edit_group.c): a member edit's audit row, and the division
 * codes it touched before it writes (the group judges their parents at the end). */
enum gis_status edit__group_member(struct edit_group *g, int64_t audit_id, struct gis_error *err);
enum gis_status edit__group_touch(struct edit_group *g, const char *code, struct gis_error *err);
struct store *edit__group_store(const struct edit_group *g);

#endif
