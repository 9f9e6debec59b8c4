/*
 * Strict reading of JSON request bodies and of the named inputs of a process (or a
 * plan file): one JSON value and nothing after it, no NUL in any string, every member
 * known and given once, every value of its declared type. Each failure is
 * GIS_ERR_INVALID_ARG with a message that names the input.
 */
#ifndef CIVGIS_JSON_INPUTS_H
#define CIVGIS_JSON_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

struct cJSON;

/* Parses body (len bytes, NUL-terminated at body[len]) as exactly one JSON value:
 * trailing text other than white space, NUL bytes and \u0000 escapes (which would cut
 * a string short unseen) are refused. out: the tree, freed with cJSON_Delete. */
enum gis_status
json_inputs_parse(const char *body, size_t len, struct cJSON **out, struct gis_error *err);

/* Checks that obj is an object whose members are all named in known (NULL-terminated)
 * and none is given twice. what ("input", "output") names them in the message. */
enum gis_status json_inputs_names(const struct cJSON *obj,
                                  const char *what,
                                  const char *const *known,
                                  struct gis_error *err);

/* The member name of in, when present (absent: GIS_OK and out untouched): a finite
 * number in [lo, hi], and a whole number when is_integer. */
enum gis_status json_inputs_number(const struct cJSON *in,
                                   const char *name,
                                   double lo,
                                   double hi,
                                   bool is_integer,
                                   double *out,
                                   struct gis_error *err);

/* A string member (borrowed from in), when present. */
enum gis_status json_inputs_string(const struct cJSON *in,
                                   const char *name,
                                   const char **out,
                                   struct gis_error *err);

/* A boolean member (true or false, nothing else), when present. */
enum gis_status
json_inputs_bool(const struct cJSON *in, const char *name, bool *out, struct gis_error *err);

#endif
