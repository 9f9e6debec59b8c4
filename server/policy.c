/*
 * The access policy of the HTTP interface (see policy.h). The CLI does not ask it: a
 * user at the command line opens the database file directly and may see everything in
 * it. Until tokens exist every HTTP caller is anonymous, so what needs a role is
 * refused to all of them; the messages say so and point at the CLI.
 */
#include "policy.h"

#include "coverage_data.h"

static const char *const ROLE_NAMES[] = {"anonymous", "viewer", "planner", "officer", "admin"};

bool policy_allows(const struct policy_caller *c, enum policy_role role)
{
    return c && c->role >= role;
}

enum policy_role policy_weight_role(const char *weight)
{
    return demand_weight_is_sensitive(weight) ? POLICY_PLANNER : POLICY_ANONYMOUS;
}

enum gis_status policy_weight_check(const struct policy_caller *c,
                                    const char *input,
                                    const char *weight,
                                    struct gis_error *err)
{
    enum policy_role need = policy_weight_role(weight);

    if (policy_allows(c, need))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_FORBIDDEN,
                    "input \"%s\": '%.40s' is a sensitive assistance count; weighting by it "
                    "needs the %s role, which no HTTP caller has yet (run civgis coverage or "
                    "civgis site on the database instead)",
                    input, weight, ROLE_NAMES[need]);
}

enum gis_status
policy_save_check(const struct policy_caller *c, const char *input, struct gis_error *err)
{
    if (policy_allows(c, POLICY_PLANNER))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_FORBIDDEN,
                    "input \"%s\": storing a scenario is a write and needs the %s role, which "
                    "no HTTP caller has yet (use civgis site --save-scenario)",
                    input, ROLE_NAMES[POLICY_PLANNER]);
}
