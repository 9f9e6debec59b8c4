/*
 * Facility kinds and statuses: the vocabularies the import, the coverage and the site
 * selection share.
 */
#ifndef CIVGIS_FACILITY_H
#define CIVGIS_FACILITY_H

#include <stdbool.h>

/* NULL-terminated lists. */
extern const char *const FACILITY_KINDS[];
extern const char *const FACILITY_STATUSES[];

bool facility_kind_is_known(const char *kind);
bool facility_status_is_known(const char *status);

/* True when a facility may go from status `from` to status `to` without an administrator's
 * correction: staying where it is, or the one next step along the lifecycle planned ->
 * site_selected -> approved -> land_acquired -> under_construction -> operating -> closed.
 * A new facility (from NULL) may start at any known status. Pure. */
bool facility_status_can_move(const char *from, const char *to);

#endif
