/*
 * Division operations as use cases (issue 15): a piece of one township given to its
 * neighbour, a rename, a new code, and the coverage check on demand. Each operation is
 * one edit group (gis/edit.h): one transaction through the write path (validated,
 * versioned with valid_from = the effective date, audited with the reason and approval
 * document, reverted as a whole by civgis revert GROUP_AUDIT_ID), refused as a whole when
 * a member breaks a rule or the coverage of a touched parent gets a problem it did not
 * have. A dry run does all of it and rolls back, returning what would be written.
 * Returns plain structs; no SQL, no HTTP.
 */
#ifndef CIVGIS_DIVISION_OPS_H
#define CIVGIS_DIVISION_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "division_validate.h"
#include "edit.h"
#include "editor.h"

/* What every operation takes. */
struct division_op_common {
    const char *reason;       /* required */
    const char *approval_doc; /* the approving document's number; kept with the reason */
    const char *valid_from;   /* the effective date YYYY-MM-DD; NULL: today */
    bool is_dry_run;
    double tolerance_m; /* <= 0: 1 m */
};

/* One division row the operation wrote (or would write). */
struct division_change {
    char code[DIVISION_CODE_MAX];
    char former_code[DIVISION_CODE_MAX]; /* the code it had before, "" when the same */
    char parent[DIVISION_CODE_MAX];
    char action[16]; /* "changed", "created", "closed", "moved" (a facility, a demand point) */
    char layer[16];  /* what moved: "facilities" or "demand"; "" for a division */
    char name[128];
    char *geojson; /* its new polygon or seat (EPSG:4326), NULL for a closed row; owned */
};

struct division_op_result {
    bool is_dry_run;
    int64_t audit_id;                     /* the group's audit row; 0 in a dry run */
    size_t parents_checked;               /* coverage checks run after the change */
    double area_before_m2, area_after_m2; /* of the divisions changed (transfer) */
    double moved_area_m2;
    size_t n, cap;
    struct division_change *items;
};

void division_op_result_free(struct division_op_result *r);

struct division_transfer_input {
    struct division_op_common c;
    const char *from, *to;
    const char *area; /* GeoJSON Polygon or MultiPolygon, CRS84 */
    bool may_split;   /* `from` may be left in more pieces than it had */
};

/* transfer-area: the part of from inside area joins to; the villages whose seats lie in
 * it get to as parent and the next free codes under to (their old ones named as former
 * codes in the new versions' reasons); the facilities and demand points in it (and
 * the facilities naming those villages) follow. Refused (GIS_ERR_REJECTED, problems say
 * why) when from and to are not siblings (a transfer across a county border), the piece
 * does not touch to, from would be left empty or in more pieces. Errors as editor_group_run. out:
 * caller frees. */
enum gis_status division_ops_transfer(struct editor *ed,
                                      const struct auth_identity *who,
                                      const struct division_transfer_input *in,
                                      struct division_op_result **out,
                                      struct edit_problems *problems,
                                      struct gis_error *err);

/* rename-division: a new name (and pinyin, NULL: kept) from the effective date. */
enum gis_status division_ops_rename(struct editor *ed,
                                    const struct auth_identity *who,
                                    const struct division_op_common *c,
                                    const char *code,
                                    const char *name,
                                    const char *pinyin,
                                    struct division_op_result **out,
                                    struct edit_problems *problems,
                                    struct gis_error *err);

/* recode-division: the division gets new_code (same level; its parent must exist), its
 * children the same suffixes under the new prefix, the facilities and demand points
 * naming any of them the new codes; the old rows close on the effective date. Refused when new_code
 * is taken (now or by an earlier version). */
enum gis_status division_ops_recode(struct editor *ed,
                                    const struct auth_identity *who,
                                    const struct division_op_common *c,
                                    const char *code,
                                    const char *new_code,
                                    struct division_op_result **out,
                                    struct edit_problems *problems,
                                    struct gis_error *err);

#define DIVISION_MERGE_MAX 16

struct division_merge_input {
    struct division_op_common c;
    const char *const *codes; /* 2..DIVISION_MERGE_MAX siblings */
    size_t n_codes;
    const char *into;                /* one of codes, which keeps its row; or NULL and: */
    const char *new_code, *new_name; /* a new division of the same level and parent */
};

/* merge-divisions: one polygon, the union of the codes' (shared borders dissolved, no
 * slivers), kept by into or given to a new division (its counts the sums); the others'
 * children re-parented under it with the next free codes (their own children following
 * the new prefix, their old codes named as former codes), their facilities and demand
 * points moved, their rows closed on the effective date. Refused when the codes are not current
 * siblings with polygons, do not all touch, lie outside the caller's scope, or the new code is
 * taken. */
enum gis_status division_ops_merge(struct editor *ed,
                                   const struct auth_identity *who,
                                   const struct division_merge_input *in,
                                   struct division_op_result **out,
                                   struct edit_problems *problems,
                                   struct gis_error *err);

struct division_new {
    const char *code, *name;
};

struct division_split_input {
    struct division_op_common c;
    const char *code;
    const char *line;         /* a GeoJSON LineString, or NULL and: */
    const char *const *parts; /* GeoJSON Polygons covering it */
    size_t n_parts;
    const struct division_new *news; /* one per part (by line: west to east) */
    size_t n_new;
};

/* split-division: the division cut by a line (its parts ordered west to east) or into
 * the given parts (clipped to it; together they must cover it within the tolerance), the
 * parts sharing their borders vertex for vertex; part i becomes news[i] (a new division
 * of the same level and parent, or the division itself, which then keeps its row); the
 * children go by location (the part holding their seat), re-coded under their new
 * parent; facilities and demand points follow (by location); the original row closes
 * unless kept. Refused when the line does not cross, a part holds nothing, the parts
 * leave a gap, the number of new divisions differs from the parts', or a code is taken. */
enum gis_status division_ops_split(struct editor *ed,
                                   const struct auth_identity *who,
                                   const struct division_split_input *in,
                                   struct division_op_result **out,
                                   struct edit_problems *problems,
                                   struct gis_error *err);

/* validate-divisions: the coverage check for code's subtree (NULL: everything) read from
 * st. out: the problems (cleared by division_problems_clear), out_parents the number of
 * parents checked. */
enum gis_status division_ops_validate(struct store *st,
                                      const char *code,
                                      double tolerance_m,
                                      struct division_problems *out,
                                      size_t *out_parents,
                                      struct gis_error *err);

#endif
