/*
 * The facility vocabularies (DESIGN.md's data model).
 */
#include "facility.h"

#include <stddef.h>
#include <string.h>

const char *const FACILITY_KINDS[] = {
    "mutual_aid_home",
    "community_elderly_centre",
    "regional_elderly_centre",
    "township_elderly_home",
    "canteen",
    "funeral_service_centre",
    "funeral_home",
    "welfare_institute",
    "elderly_home",
    "cemetery",
    "relief_station",
    NULL,
};

const char *const FACILITY_STATUSES[] = {
    "planned",   "site_selected", "approved", "land_acquired", "under_construction",
    "operating", "closed",        NULL,
};

static bool in_list(const char *const *list, const char *v)
{
    for (; v && *list; list++)
        if (!strcmp(*list, v))
            return true;
    return false;
}

bool facility_kind_is_known(const char *kind)
{
    return in_list(FACILITY_KINDS, kind);
}

bool facility_status_is_known(const char *status)
{
    return in_list(FACILITY_STATUSES, status);
}

static int status_index(const char *status)
{
    int i;

    for (i = 0; status && FACILITY_STATUSES[i]; i++)
        if (!strcmp(FACILITY_STATUSES[i], status))
            return i;
    return -1;
}

bool facility_status_can_move(const char *from, const char *to)
{
    int a = status_index(from), b = status_index(to);

    if (b < 0)
        return false;
    return !from || b == a || (a >= 0 && b == a + 1);
}
