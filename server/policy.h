/*
 * Who may do what over HTTP: the caller (a role and a user name) and the checks the
 * handlers ask before they run anything. One place, so the roles of the editing work
 * plug in here and every route asks the same question. Pure: no HTTP, no store.
 */
#ifndef CIVGIS_POLICY_H
#define CIVGIS_POLICY_H

#include <stdbool.h>

#include "status.h"

/* Ordered: a role may do what every lower one may. */
enum policy_role {
    POLICY_ANONYMOUS = 0,
    POLICY_VIEWER,
    POLICY_PLANNER,
    POLICY_OFFICER,
    POLICY_ADMIN,
};

/* The caller of one request. Zeroed, it is the anonymous caller: today every HTTP
 * caller, since nothing authenticates yet. */
struct policy_caller {
    enum policy_role role;
    const char *user; /* the authenticated user; NULL when anonymous */
};

/* The role an analysis weighted by weight needs, for its inputs and for reading its
 * results: planner for the sensitive assistance counts, else anyone. */
enum policy_role policy_weight_role(const char *weight);

/* GIS_OK when the caller may weight demand by weight (NULL: the default weight);
 * GIS_ERR_FORBIDDEN naming the input otherwise. */
enum gis_status policy_weight_check(const struct policy_caller *c,
                                    const char *input,
                                    const char *weight,
                                    struct gis_error *err);

/* GIS_OK when the caller may store a scenario (planner and above); GIS_ERR_FORBIDDEN
 * naming the input otherwise. */
enum gis_status
policy_save_check(const struct policy_caller *c, const char *input, struct gis_error *err);

/* Whether the caller holds at least role. */
bool policy_allows(const struct policy_caller *c, enum policy_role role);

#endif
