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

#endif
