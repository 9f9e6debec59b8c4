/*
 * Editing as a use case, shared by the server and the CLI: who may change what, the
 * optimistic lock, the one writer connection, reverts and feature histories. The write
 * itself (rules, versions, audit) is gis/edit's; this module decides whether it may run.
 *
 *  - Roles: planner and above write facilities; officer and above divisions and places;
 *    only an administrator reverts, and only an administrator's status change may skip
 *    the facility lifecycle (a correction).
 *  - Scope: a user limited to a division code writes only features inside it, judged on
 *    the feature both before and after the change (so nothing moves out of it either).
 *  - If-Match: the feature's tag (gis/items' items_tag, the basis of its ETag) must be
 *    one of those given, checked inside the write transaction; without one the write is
 *    accepted (QGIS never sends one).
 *
 * Thread-safety: an editor is one read-write connection behind a mutex: any thread may
 * call editor_write or editor_revert; the calls run one at a time. Readers elsewhere never
 * wait for it (WAL).
 */
#ifndef CIVGIS_EDITOR_H
#define CIVGIS_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "edit.h"
#include "names.h"
#include "status.h"
#include "store.h"

struct editor;

/* Opens db_path read-write for writing (migrating it when older). out: the editor, closed
 * with editor_close. */
enum gis_status editor_open(const char *db_path, struct editor **out, struct gis_error *err);
void editor_close(struct editor *ed);

/* The role a collection's writes need; AUTH_ADMIN + 1 (nobody) for one that is not
 * edited at all. */
int editor_role_needed(const char *layer_id);

/* Whether who's role suffices to write layer_id at all (the scope is judged per feature).
 * For OPTIONS/Allow: what the caller may try. */
bool editor_may_write(const struct auth_identity *who, const char *layer_id);

#define EDITOR_MAX_TAGS 8

/* An If-Match header, parsed. */
struct editor_precondition {
    bool is_set; /* one was sent */
    bool is_any; /* "*": the feature must exist, in any state */
    size_t n_tags;
    uint64_t tags[EDITOR_MAX_TAGS];
};

/* The feature after a write. */
struct editor_result {
    char fid[EDIT_FID_MAX];
    bool exists; /* false after a delete */
    uint64_t tag;
};

/* Runs the edit in as who (in->user and in->is_override are taken from who). Fails with
 * GIS_ERR_UNAUTHORIZED for an anonymous caller, GIS_ERR_FORBIDDEN when the role or the
 * scope is short, GIS_ERR_NOT_FOUND for no such feature, GIS_ERR_PRECONDITION when pre
 * does not hold (out_current_tag, may be NULL, then gets the feature's tag, 0 when it does
 * not exist), GIS_ERR_REJECTED with problems (required) listing every broken rule;
 * nothing is written on any failure. out: the feature afterwards. */
enum gis_status editor_write(struct editor *ed,
                             const struct auth_identity *who,
                             const struct edit_input *in,
                             const struct editor_precondition *pre,
                             struct editor_result *out,
                             uint64_t *out_current_tag,
                             struct edit_problems *problems,
                             struct gis_error *err);

/* Undoes audit row audit_id as a new audited change ("revert"), when who is an
 * administrator and no later change of the same feature depends on it (else
 * GIS_ERR_CONFLICT naming it). reason is added to the audit's "revert of audit N". Other
 * failures as editor_write. out: the feature afterwards. */
enum gis_status editor_revert(struct editor *ed,
                              const struct auth_identity *who,
                              int64_t audit_id,
                              const char *reason,
                              struct editor_result *out,
                              struct edit_problems *problems,
                              struct gis_error *err);

/* ---------------------------------------------------------------- groups */

/* The work of one grouped change: member edits through editor_group_edit, on st (the
 * writer connection, borrowed for the call). */
typedef enum gis_status (*editor_group_fn)(void *ctx,
                                           struct store *st,
                                           struct edit_group *g,
                                           struct edit_problems *problems,
                                           struct gis_error *err);

/* Runs fn as who (an officer or above) under the writer lock inside one edit group
 * (gis/edit.h) with tolerance_m, then the group's coverage check; commits with summary
 * (its user is who's name) unless is_dry_run, when everything is rolled back after the
 * check. GIS_ERR_REJECTED with problems (required) when a member or the check refuses;
 * nothing is written on any failure. out_audit_id (may be NULL): the group's audit row
 * (0 in a dry run); out_checked (may be NULL): the parents checked. */
enum gis_status editor_group_run(struct editor *ed,
                                 const struct auth_identity *who,
                                 double tolerance_m,
                                 bool is_dry_run,
                                 editor_group_fn fn,
                                 void *ctx,
                                 struct edit_group_summary *summary,
                                 int64_t *out_audit_id,
                                 size_t *out_checked,
                                 struct edit_problems *problems,
                                 struct gis_error *err);

/* One member edit of group g as who: begin, scope before and after, apply. in->group
 * and in->user are set by the call. */
enum gis_status editor_group_edit(struct store *st,
                                  struct edit_group *g,
                                  const struct auth_identity *who,
                                  struct edit_input *in,
                                  struct edit_problems *problems,
                                  struct gis_error *err);

/* ---------------------------------------------------------------- name records */

/* Which features of layer_id keep a standard name record (divisions and their level
 * views, places): their target and level (0: any). False for any other collection. */
bool editor_name_target(const char *layer_id, enum names_target *out_target, int *out_level);

/* The record after a change. */
struct editor_name_result {
    uint64_t tag;                /* the record's tag (names_record.tag), the basis of its ETag */
    int64_t variant_id;          /* the variant added or changed; 0 for the record itself */
    struct names_record *record; /* as written, read in the write's transaction: the
                                    caller frees it with names_record_free */
};

/* Changes the standard name record of feature fid of layer_id as who, with reason for
 * the audit row, through gis/names' change transaction under the writer lock. The same
 * policy as editor_write: GIS_ERR_UNAUTHORIZED anonymous, GIS_ERR_FORBIDDEN below the
 * officer role or outside who's scope (judged on the division the feature lies in),
 * GIS_ERR_NOT_FOUND for no such feature (or variant), GIS_ERR_PRECONDITION when pre
 * (If-Match against the record's tag) does not hold (out_current_tag, may be NULL, gets
 * the current tag), GIS_ERR_REJECTED with problems (required) listing every broken rule.
 * Nothing is written on any failure. */
enum gis_status editor_name_write(struct editor *ed,
                                  const struct auth_identity *who,
                                  const char *layer_id,
                                  const char *fid,
                                  const struct names_change *c,
                                  const char *reason,
                                  const struct editor_precondition *pre,
                                  struct editor_name_result *out,
                                  uint64_t *out_current_tag,
                                  struct names_problems *problems,
                                  struct gis_error *err);

/* ---------------------------------------------------------------- history */

struct editor_version {
    char valid_from[32], valid_to[32]; /* valid_to "" for the current version */
    char reason[256];
};

struct editor_change {
    int64_t audit_id;
    char at[32], user[64], action[32];
    char reason[256];
};

struct editor_history {
    size_t n_versions, n_changes;
    struct editor_version *versions; /* oldest first */
    struct editor_change *changes;   /* oldest first */
};

/* The versions and audited changes of one feature, read from st (any store, read-only
 * will do). GIS_ERR_NOT_FOUND when there is no record of it. out: caller frees with
 * editor_history_free. */
enum gis_status editor_history(struct store *st,
                               const char *layer_id,
                               const char *fid,
                               struct editor_history **out,
                               struct gis_error *err);
void editor_history_free(struct editor_history *h);

#endif
