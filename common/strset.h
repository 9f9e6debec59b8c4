/*
 * A set of strings (open addressing, copies its keys). For de-duplication of codes and
 * ids during imports and validation.
 */
#ifndef CIVGIS_STRSET_H
#define CIVGIS_STRSET_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

struct strset;

/* out: a new empty set; free with strset_free. */
enum gis_status strset_new(struct strset **out);
void strset_free(struct strset *s);

/* Adds key (copied). out_added (may be NULL): false when key was already there. */
enum gis_status strset_add(struct strset *s, const char *key, bool *out_added);
bool strset_has(const struct strset *s, const char *key);
size_t strset_count(const struct strset *s);

#endif
