/*
 * Who may do what over HTTP: the caller (a role and a user name) and the checks the
 * handlers ask before they run anything. One place, so the roles of the editing work
 * plug in here and every route asks the same question. Pure: no HTTP, no store.
 */
#ifndef CIVGIS_POLICY_H
#define CIVGIS_POLICY_H

#include <stdbool.h>

#include "auth.h"
#include "layer.h"
#include "status.h"

/* The caller of one request, as dispatch authenticated it (app/auth roles, ordered: a
 * role may do what every lower one may). Zeroed, it is the anonymous caller. */
struct policy_caller {
    enum auth_role role;
    const char *user; /* the authenticated user; NULL when anonymous */
};

/* The role that may read the sensitive assistance counts and weight analyses by them:
 * planner. */
enum auth_role policy_sensitive_role(void);

/* The role an analysis weighted by weight needs, for its inputs and for reading its
 * results: planner for the sensitive assistance counts, else anyone. */
enum auth_role policy_weight_role(const char *weight);

/* GIS_OK when the caller may weight demand by weight (NULL: the default weight); else,
 * naming the input, GIS_ERR_UNAUTHORIZED for an anonymous caller (a token would do) and
 * GIS_ERR_FORBIDDEN for one whose role is short. */
enum gis_status policy_weight_check(const struct policy_caller *c,
                                    const char *input,
                                    const char *weight,
                                    struct gis_error *err);

/* GIS_OK when the caller may store a scenario (planner and above); else as
 * policy_weight_check. */
enum gis_status
policy_save_check(const struct policy_caller *c, const char *input, struct gis_error *err);

/* The view of the layers the caller reads (layer.h): the full one, with the sensitive
 * assistance counts, for planner and above; else the public one. Every route that reads
 * a layer's properties resolves it with this view, and everything it answers (bodies,
 * ETags) depends on it. */
enum layer_view policy_layer_view(const struct policy_caller *c);

/* Whether the caller holds at least role. */
bool policy_allows(const struct policy_caller *c, enum auth_role role);

#endif
