/*
 * The one write path. Every change to a feature of divisions, places or facilities (an
 * HTTP create, replace, update or delete, a revert) goes through here, in one
 * transaction that validates, writes, versions, audits and commits:
 *
 *   edit_begin   opens the write transaction (BEGIN IMMEDIATE) and reads the feature
 *                as it is (edit_before: whether it exists, its tag, its division);
 *   edit_apply   checks every rule and either writes nothing (GIS_ERR_REJECTED, every
 *                reason listed) or writes the change, closes and opens versions of
 *                divisions and adds the audit row (before and after as GeoJSON);
 *   edit_commit  bumps the data version and commits; edit_free rolls back otherwise.
 *
 * The caller decides in between whether the change is allowed (roles, scopes, If-Match):
 * that is app/'s work; this module knows no users beyond the name it writes down.
 *
 * Tolerance: a division lies inside its parent when every point of it is within
 * tolerance_m of the parent; it overlaps a sibling when their intersection is anywhere
 * wider than tolerance_m (eroded by half the tolerance, something is left); a point lies
 * inside its division when it is within tolerance_m of the division's polygon (for a
 * village, which has only a seat, its township's). Distances are measured in the WGS 84
 * UTM zone of the edited geometry (scale error under 0.1 %), default 1 m.
 *
 * Versions: a division's replace, update or delete on day D (its valid_from, default
 * today, never in the future nor before the current version began) closes the current
 * row with valid_to = D and inserts the new one valid from D; a second change on the
 * same day as the current version began corrects that version in place. Places and
 * facilities are changed in place; their history is the audit log.
 *
 * Batches: edit_batch_begin opens one transaction for many creates (a whole import):
 * edit_batch_add checks each feature by the same rules as edit_apply, with the same
 * messages, against the store as the batch has left it so far (so a child added after
 * its parent finds it, and siblings are checked against each other), and writes it or
 * nothing of it; edit_batch_audit writes one audit row for the features added since the
 * last one (their ids, not their images: see edit_batch_audit); edit_batch_commit
 * raises the table's data version once and commits.
 *
 * Thread-safety: as struct store. An edit holds the store's write transaction until
 * edit_commit or edit_free, a batch until edit_batch_commit or edit_batch_free.
 */
#ifndef CIVGIS_EDIT_H
#define CIVGIS_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "division.h"
#include "status.h"
#include "store.h"

#define EDIT_FID_MAX             64
#define EDIT_MAX_PROBLEMS        24
#define EDIT_DEFAULT_TOLERANCE_M 1.0
#define EDIT_MAX_TOLERANCE_M     1000.0

enum edit_target {
    EDIT_DIVISIONS,
    EDIT_PLACES,
    EDIT_FACILITIES,
    EDIT_DEMAND, /* batches only: over HTTP, demand is derived data */
};

enum edit_action {
    EDIT_CREATE,
    EDIT_REPLACE,
    EDIT_UPDATE, /* a merge patch: what is given changes, the rest stays */
    EDIT_DELETE,
};

/* The JSON type a property value arrived as. */
enum edit_json {
    EDIT_JSON_NULL,
    EDIT_JSON_STRING,
    EDIT_JSON_NUMBER,
    EDIT_JSON_BOOL,
    EDIT_JSON_ARRAY,
    EDIT_JSON_OBJECT,
};

/* One property of the request: text is the string, the number as written, "true" or
 * "false", the array's or object's JSON text, or NULL for null. */
struct edit_prop {
    const char *name;
    enum edit_json type;
    const char *text;
};

/* One write, as the caller parsed it. Borrowed by the edit until edit_free. */
struct edit_group;

struct edit_input {
    struct edit_group *group; /* NULL, or the group (below) the edit joins */
    const char *layer_id;     /* facilities, places, divisions, counties, townships, villages */
    enum edit_action action;
    const char *fid;      /* the feature; for a create NULL (an id is assigned) or one to reuse */
    bool has_geometry;    /* the request has a geometry member */
    const char *geometry; /* its GeoJSON text; NULL when the member is null */
    const struct edit_prop *props;
    size_t n_props;
    const char *reason;         /* e.g. X-Change-Reason; a change_reason property wins */
    const char *crs;            /* the geometry's CRS (any PROJ definition); NULL: CRS84 */
    bool is_north_first;        /* the coordinates come in the CRS's latitude-first axis order */
    bool is_repair;             /* repair an invalid geometry (MakeValid) instead of rejecting it */
    bool is_override;           /* any status transition (an administrator's correction) */
    double tolerance_m;         /* <= 0: EDIT_DEFAULT_TOLERANCE_M */
    const char *user;           /* who, for the audit row */
    const char *audit_as;       /* the audit action; NULL: create, replace, update or delete */
    int64_t revert_of;          /* > 0: this undoes that audit row (refused if later ones exist) */
    const char *effective_date; /* a division's change (delete too) takes effect that day
                                   (YYYY-MM-DD); NULL: the valid_from property, or today */
    const char *replaces;       /* a create: the feature this one copies under a new code in the
                                   same group, keeping its name (not checked as a new name) */
    /* What a batch (an import) gives instead or besides: */
    const unsigned char *wkb; /* the geometry as ISO WKB, lon/lat (has_geometry: one given) */
    size_t wkb_n;
    const unsigned char *seat_wkb; /* a division's seat point beside its polygon, lon/lat */
    size_t seat_wkb_n;
    const char *source;      /* the row's provenance; NULL: "edit" */
    const char *hint_crs;    /* advice when the coordinates are no lon/lat; NULL: HTTP's */
    const char *hint_repair; /* advice when an invalid geometry is refused; NULL: HTTP's */
    /* A division written with a polygon gets this seat (CRS84) where it lies inside it
     * (a re-created township: its stored seat, not a computed one; a revert: the seat of
     * the image it restores); else a point on the polygon's surface. Unset: the row's
     * current seat is kept the same way. */
    bool has_seat;
    double seat_lon, seat_lat;
};

/* Where a problem lies, in CRS84: a point of it (on an overlap, on the part outside, at
 * a self-intersection, the seat or facility itself) and, when it concerns an area, that
 * area's extent, so a map can show it. */
struct edit_place {
    double lon, lat;
    bool has_extent;
    double min_lon, min_lat, max_lon, max_lat;
};

struct edit_problem {
    char property[32]; /* "" when the problem is not one property's */
    char msg[GIS_ERROR_MSG_MAX];
    bool has_place; /* where it lies is known: */
    struct edit_place place;
};

/* Every reason a write was rejected; the first EDIT_MAX_PROBLEMS are kept. */
struct edit_problems {
    size_t n;
    size_t n_omitted;
    struct edit_problem items[EDIT_MAX_PROBLEMS];
};

/* A feature as one side of an edit sees it. */
struct edit_state {
    bool exists;
    char fid[EDIT_FID_MAX];
    char scope_code[DIVISION_CODE_MAX]; /* the division it is in (itself for one), or "" */
    uint64_t tag;                       /* items_tag of it in the edit's layer */
};

struct edit;

/* The target and division level (0: any) of a collection, false when it is not one
 * civgis edits (demand, scenarios and coverage layers are derived). Pure. */
bool edit_layer_target(const char *layer_id, enum edit_target *out_target, int *out_level);

/* Opens the write transaction and reads the feature in->fid names. GIS_ERR_NOT_FOUND:
 * no such current feature (replace, update, delete) or collection; GIS_ERR_INVALID_ARG:
 * a collection civgis does not edit; GIS_ERR_CONFLICT: in->revert_of has later changes;
 * GIS_ERR_TIMEOUT: another writer held the database too long. out: the edit, freed with
 * edit_free (which rolls back what was not committed). */
enum gis_status
edit_begin(struct store *st, const struct edit_input *in, struct edit **out, struct gis_error *err);

/* The feature before the edit: borrowed, valid until edit_free. */
const struct edit_state *edit_before(const struct edit *e);

/* Validates and writes. GIS_ERR_REJECTED: a rule is broken and nothing was written;
 * problems (required) lists every reason. Other failures are the store's. On GIS_OK the
 * change and its audit row are written, not yet committed. */
enum gis_status edit_apply(struct edit *e, struct edit_problems *problems, struct gis_error *err);

/* The feature after edit_apply (exists is false after a delete). Borrowed. */
const struct edit_state *edit_after(const struct edit *e);

/* Bumps the data version and commits. */
enum gis_status edit_commit(struct edit *e, struct gis_error *err);

void edit_free(struct edit *e);

/* Adds a problem (property may be NULL); kept in order, counted past the limit. */
void edit_problem_add(struct edit_problems *p, const char *property, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for a problem that lies at a place (NULL: unknown, as edit_problem_add). */
void edit_problem_add_at(struct edit_problems *p,
                         const struct edit_place *at,
                         const char *property,
                         const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

/* The EPSG code of the WGS 84 UTM zone of (lon, lat): 326zz north, 327zz south. Pure. */
int edit_utm_epsg(double lon, double lat);

/* Parses a property's date: YYYY-MM-DD, or a date-time whose date part is one (QGIS sends
 * either). out: the 10-character date and NUL. Pure. */
bool edit_date_parse(const char *text, char out[11]);

/* ---------------------------------------------------------------- batches */

struct edit_batch;

/* Opens the write transaction of a batch of creates into target's table. out: freed
 * with edit_batch_free, which rolls back what was not committed. */
enum gis_status edit_batch_begin(struct store *st,
                                 enum edit_target target,
                                 struct edit_batch **out,
                                 struct gis_error *err);

/* What edit_batch_add wrote. */
struct edit_batch_item {
    char fid[EDIT_FID_MAX];
    bool is_repaired; /* the geometry was invalid and repaired (in->is_repair) */
};

/* Checks and writes one create (in->action must be EDIT_CREATE; in->layer_id is not
 * read). GIS_ERR_REJECTED: a rule is broken, nothing of this feature was written and
 * problems (required) lists every reason; the batch goes on. Other failures are the
 * store's and end the batch. out (may be NULL) is written on GIS_OK. */
enum gis_status edit_batch_add(struct edit_batch *b,
                               const struct edit_input *in,
                               struct edit_problems *problems,
                               struct edit_batch_item *out,
                               struct gis_error *err);

/* One audit row (action "import") for the features added since the last call: before
 * is NULL (a batch only creates) and after is {about..., "features": N, "ids": [...]},
 * about being JSON object members the caller vouches for (e.g. "\"source\":\"a.shp\"")
 * or NULL. The ids name each feature's own row, which the store keeps (a division's
 * version valid from its valid_from, a place's or facility's row until it is edited),
 * so the row stays small for a large import; edit_history lists it for each feature. */
enum gis_status edit_batch_audit(struct edit_batch *b,
                                 const char *user,
                                 const char *reason,
                                 const char *about,
                                 struct gis_error *err);

/* Features written so far. */
long edit_batch_count(const struct edit_batch *b);

/* Raises the table's data version once (when anything was written) and commits. */
enum gis_status edit_batch_commit(struct edit_batch *b, struct gis_error *err);

void edit_batch_free(struct edit_batch *b);

/* ---------------------------------------------------------------- revert */

/* The inverse of one audited edit, as an input for edit_begin: a create undone by a
 * delete, a delete by a create of what was deleted, any other change by a replace with
 * the state before it. Owns its strings. */
struct edit_revert {
    struct edit_input in;
    int64_t audit_id;
    char target_id[EDIT_FID_MAX];
    char action[32]; /* the audited action undone */
    void *storage;   /* the strings in points into */
};

/* Reads audit row audit_id and makes its inverse (in.user, in.reason are left for the
 * caller; in.revert_of is set, so edit_begin refuses when later changes depend on it).
 * GIS_ERR_NOT_FOUND: no such row; GIS_ERR_INVALID_ARG: a row that is no feature edit
 * (an import, a user change). out: caller frees with edit_revert_free. */
enum gis_status edit_revert_plan(struct store *st,
                                 int64_t audit_id,
                                 struct edit_revert **out,
                                 struct gis_error *err);
void edit_revert_free(struct edit_revert *r);

/* ---------------------------------------------------------------- groups */

/* Several edits as one change (a division operation: a border moved between two
 * townships, the villages re-coded): one transaction, one audit row naming every
 * member's, reverted as a whole. An edit whose input names the group joins its
 * transaction (edit_begin opens none, edit_commit commits nothing, edit_free rolls
 * nothing back) and leaves the rules that relate a division to others (inside its
 * parent, clear of its siblings, around its children) to the group: halfway through, a
 * moved border necessarily overlaps its neighbour. Before a member first writes a
 * division, the group checks the coverage of the parent it lies in (division_validate);
 * edit_group_check checks those parents again and reports what is new. */

/* Opens the write transaction (BEGIN IMMEDIATE) with tolerance_m (<= 0: the default).
 * out: freed with edit_group_free. */
enum gis_status edit_group_begin(struct store *st,
                                 double tolerance_m,
                                 struct edit_group **out,
                                 struct gis_error *err);

/* What the group's members changed broke: every coverage problem (gap, overlap,
 * outside, seat outside; see division_topo.h) of a touched parent that was not there
 * before. GIS_ERR_REJECTED with problems listing them; GIS_OK when there is none.
 * out_checked (may be NULL): the parents checked. */
enum gis_status edit_group_check(struct edit_group *g,
                                 struct edit_problems *problems,
                                 size_t *out_checked,
                                 struct gis_error *err);

/* The group's audit row: action (e.g. "transfer-area"), what it names, why. */
struct edit_group_summary {
    const char *user, *action, *target_id, *reason;
};

/* Writes the group's audit row (after: {"group": [member audit ids]}) and commits.
 * out_audit_id (may be NULL): that row's id, which civgis revert takes. */
enum gis_status edit_group_commit(struct edit_group *g,
                                  const struct edit_group_summary *s,
                                  int64_t *out_audit_id,
                                  struct gis_error *err);

/* Rolls back what was not committed. */
void edit_group_free(struct edit_group *g);

/* The member audit ids of group row audit_id, newest first (the order that undoes
 * them). GIS_ERR_NOT_FOUND when the row is no group's. out: malloc'd array. */
enum gis_status edit_group_members(
    struct store *st, int64_t audit_id, int64_t **out_ids, size_t *out_n, struct gis_error *err);

/* ---------------------------------------------------------------- history */

/* One stored version of a feature (divisions: every row of the code; places: its row). */
struct edit_version {
    int64_t row_id;
    const char *valid_from, *valid_to, *reason; /* valid_to, reason may be NULL */
};

/* One audit row about a feature. */
struct edit_change {
    int64_t audit_id;
    const char *at, *user, *action;
    const char *reason; /* may be NULL */
};

typedef enum gis_status (*edit_version_fn)(void *ctx,
                                           const struct edit_version *v,
                                           struct gis_error *err);
typedef enum gis_status (*edit_change_fn)(void *ctx,
                                          const struct edit_change *c,
                                          struct gis_error *err);

/* Calls version_fn for each version of the feature (oldest first), then change_fn for
 * each audit row about it (oldest first); the rows are borrowed for the call.
 * GIS_ERR_NOT_FOUND when the feature has neither; GIS_ERR_INVALID_ARG for a collection
 * civgis does not edit. Stops at the first status a callback returns other than GIS_OK. */
enum gis_status edit_history(struct store *st,
                             const char *layer_id,
                             const char *fid,
                             edit_version_fn version_fn,
                             edit_change_fn change_fn,
                             void *ctx,
                             struct gis_error *err);

#endif
