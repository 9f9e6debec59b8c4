/*
 * Case and accent folding for CQL2's CASEI and ACCENTI: Unicode full case folding, and
 * canonical decomposition with the non-spacing marks removed (keeping the Japanese
 * voicing marks U+3099/U+309A, whose loss changes words), recomposed. Both sides of a
 * comparison go through the same function, so any two strings that differ only in case
 * or accents compare equal. Pure; thread-safe (ICU's normalizers are shared read-only).
 */
#ifndef CIVGIS_TEXTFOLD_H
#define CIVGIS_TEXTFOLD_H

#include "status.h"

enum textfold_flag {
    TEXTFOLD_CASE = 1,
    TEXTFOLD_ACCENTS = 2,
};

/* Folds UTF-8 text by flags (a set of enum textfold_flag). out: a new string (free);
 * GIS_ERR_INVALID_ARG for text that is not UTF-8. */
enum gis_status textfold_apply(const char *text, unsigned flags, char **out, struct gis_error *err);

#endif
