/*
 * cql2-json -> the CQL2 tree of gis/cql2.h (server/ owns JSON parsing).
 */
#ifndef CIVGIS_API_CQL2JSON_H
#define CIVGIS_API_CQL2JSON_H

#include "cql2.h"

/* Parses text as cql2-json within limits. out: the tree (cql2_free). */
enum gis_status api_cql2json_parse(const char *text,
                                   const struct cql2_limits *limits,
                                   struct cql2_node **out,
                                   struct gis_error *err);

#endif
