/*
 * The access policy of the HTTP interface (see policy.h). The CLI does not ask it: a
 * user at the command line opens the database file directly and may see everything in
 * it. An anonymous caller is told a token would do (401), a known one that the role is
 * short (403).
 */
#include "policy.h"

#include "coverage_data.h"

bool policy_allows(const struct policy_caller *c, enum auth_role role)
{
    return c && c->role >= role;
}

enum auth_role policy_sensitive_role(void)
{
    return AUTH_PLANNER;
}

enum auth_role policy_weight_role(const char *weight)
{
    return demand_weight_is_sensitive(weight) ? policy_sensitive_role() : AUTH_ANONYMOUS;
}

enum layer_view policy_layer_view(const struct policy_caller *c)
{
    /* The same role that may weight an analysis by the counts may read them. */
    return policy_allows(c, policy_sensitive_role()) ? LAYER_VIEW_FULL : LAYER_VIEW_PUBLIC;
}

static enum gis_status short_role(const struct policy_caller *c)
{
    return c && c->role > AUTH_ANONYMOUS ? GIS_ERR_FORBIDDEN : GIS_ERR_UNAUTHORIZED;
}

enum gis_status policy_weight_check(const struct policy_caller *c,
                                    const char *input,
                                    const char *weight,
                                    struct gis_error *err)
{
    enum auth_role need = policy_weight_role(weight);

    if (policy_allows(c, need))
        return GIS_OK;
    return gis_fail(err, short_role(c),
                    "input \"%s\": '%.40s' is a sensitive assistance count; weighting by it "
                    "needs the %s role or above",
                    input, weight, auth_role_name(need));
}

enum gis_status
policy_save_check(const struct policy_caller *c, const char *input, struct gis_error *err)
{
    if (policy_allows(c, AUTH_PLANNER))
        return GIS_OK;
    return gis_fail(err, short_role(c),
                    "input \"%s\": storing a scenario is a write and needs the %s role or above",
                    input, auth_role_name(AUTH_PLANNER));
}
