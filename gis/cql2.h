/*
 * CQL2 filter expressions (OGC API - Features Part 3): the syntax tree, a cql2-text
 * parser, and builders the server uses to make the same tree from cql2-json. The tree
 * is compiled to SQL with bound parameters by features.c; nothing here runs a query.
 *
 * Supported: AND, OR, NOT; =, <>, <, <=, >, >=; [NOT] LIKE (% and _, '\' escape);
 * [NOT] BETWEEN; [NOT] IN; IS [NOT] NULL; CASEI(); S_INTERSECTS, S_WITHIN,
 * S_CONTAINS, S_DISJOINT, S_DWITHIN (distance in metres); literals: strings, numbers,
 * booleans, TIMESTAMP('..'), DATE('..'), WKT geometries and BBOX(minx,miny,maxx,maxy)
 * in CRS84.
 *
 * Every tree is bounded (struct cql2_limits): a filter over the limits is refused with
 * GIS_ERR_TOO_LARGE, never parsed into unbounded memory or recursion.
 */
#ifndef CIVGIS_CQL2_H
#define CIVGIS_CQL2_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

enum cql2_op {
    CQL2_AND,
    CQL2_OR,
    CQL2_NOT,
    CQL2_EQ,
    CQL2_NE,
    CQL2_LT,
    CQL2_LE,
    CQL2_GT,
    CQL2_GE,
    CQL2_LIKE,
    CQL2_BETWEEN,
    CQL2_IN,
    CQL2_ISNULL,
    CQL2_CASEI,
    CQL2_S_INTERSECTS,
    CQL2_S_WITHIN,
    CQL2_S_CONTAINS,
    CQL2_S_DISJOINT,
    CQL2_S_DWITHIN,
    /* leaves */
    CQL2_PROPERTY,
    CQL2_STRING,
    CQL2_NUMBER,
    CQL2_BOOLEAN,
    CQL2_DATE, /* DATE('..') and TIMESTAMP('..'): text holds the ISO value */
    CQL2_GEOMETRY,
    CQL2_LIST, /* the right side of IN */
};

struct cql2_node {
    enum cql2_op op;
    struct cql2_node **args;
    size_t n_args;
    char *text; /* PROPERTY name, STRING value, DATE value */
    double number;
    bool boolean;
    unsigned char *wkb; /* GEOMETRY: ISO WKB in CRS84 */
    size_t wkb_size;
    double bbox[4]; /* GEOMETRY: its envelope */
};

struct cql2_limits {
    size_t max_text;  /* bytes of filter text */
    size_t max_nodes; /* nodes in the tree */
    size_t max_depth; /* nesting */
};

/* Defaults: 16 KiB of text, 1000 nodes, depth 32. */
extern const struct cql2_limits CQL2_DEFAULT_LIMITS;

/* A node budget shared by everything that builds one tree. */
struct cql2_budget {
    const struct cql2_limits *limits;
    size_t nodes;
};

/* Parses cql2-text. out: the tree, freed with cql2_free. Errors (GIS_ERR_INVALID_ARG,
 * GIS_ERR_TOO_LARGE) say what and where ("at character 17: ..."). */
enum gis_status cql2_parse_text(const char *text,
                                const struct cql2_limits *limits,
                                struct cql2_node **out,
                                struct gis_error *err);

void cql2_free(struct cql2_node *n);

/* Builders for other syntaxes (cql2-json). Each counts against budget and fails with
 * GIS_ERR_TOO_LARGE past its node limit. out: the new node, owned by the caller until
 * attached with cql2_node_add. */
enum gis_status cql2_node_new(struct cql2_budget *budget,
                              enum cql2_op op,
                              struct cql2_node **out,
                              struct gis_error *err);
/* Attaches child to parent (ownership moves, also on failure: child is freed). */
enum gis_status
cql2_node_add(struct cql2_node *parent, struct cql2_node *child, struct gis_error *err);
/* Copies text into n->text. */
enum gis_status cql2_node_set_text(struct cql2_node *n, const char *text, struct gis_error *err);
/* Makes n a DATE from text: for DATE('..') a calendar day YYYY-MM-DD, for TIMESTAMP('..')
 * an RFC 3339 date-time with its zone. Anything else (2021-13-45) is GIS_ERR_INVALID_ARG
 * naming the part that is wrong. */
enum gis_status cql2_node_set_temporal(struct cql2_node *n,
                                       const char *text,
                                       bool is_timestamp,
                                       struct gis_error *err);
/* Makes n a GEOMETRY from WKT or BBOX text / GeoJSON text (CRS84). Polygon rings must be
 * closed with at least 4 positions and lines have at least 2. */
enum gis_status cql2_node_set_wkt(struct cql2_node *n, const char *wkt, struct gis_error *err);
enum gis_status
cql2_node_set_geojson(struct cql2_node *n, const char *geojson, struct gis_error *err);
enum gis_status
cql2_node_set_bbox(struct cql2_node *n, const double bbox[4], struct gis_error *err);

/* The operator for a CQL2 name ("and", "=", "s_intersects", "like", ...), as cql2-json
 * spells them; false when unknown. */
bool cql2_op_from_name(const char *name, enum cql2_op *out);

#endif
