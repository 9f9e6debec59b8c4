/*
 * CQL2 filter expressions (OGC API - Features Part 3): the syntax tree, a cql2-text
 * parser, and builders the server uses to make the same tree from cql2-json. The tree
 * is compiled to SQL with bound parameters by features.c; nothing here runs a query.
 *
 * Supported: AND, OR, NOT; =, <>, <, <=, >, >=; [NOT] LIKE (% and _, '\' escape);
 * [NOT] BETWEEN; [NOT] IN; IS [NOT] NULL; CASEI() and ACCENTI(); the spatial functions
 * S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES,
 * S_CONTAINS and S_DWITHIN (distance in metres); the temporal functions T_AFTER ..
 * T_STARTS over instants and INTERVAL(start, end) ('..' an open end); the array
 * functions A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS over array literals
 * ('a', 'b'); arithmetic + - * / % div ^; calls of the functions listed by
 * cql2_function_at; literals: strings, numbers, booleans, TIMESTAMP('..'), DATE('..'),
 * WKT geometries and BBOX(minx,miny,maxx,maxy) in CRS84, or in the filter-crs once
 * cql2_tree_to_crs84 has run.
 *
 * The parser builds; it checks the shape of literals and the arity of operators. What
 * operands mean (types, properties, functions) is checked where the tree is compiled
 * to SQL (items.h), which knows the layer.
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
    CQL2_S_CROSSES,
    CQL2_S_TOUCHES,
    CQL2_S_OVERLAPS,
    CQL2_S_EQUALS,
    /* temporal: keep T_AFTER first and T_STARTS last (ranges) */
    CQL2_T_AFTER,
    CQL2_T_BEFORE,
    CQL2_T_DISJOINT,
    CQL2_T_EQUALS,
    CQL2_T_INTERSECTS,
    CQL2_T_CONTAINS, /* from here on: intervals only */
    CQL2_T_DURING,
    CQL2_T_FINISHEDBY,
    CQL2_T_FINISHES,
    CQL2_T_MEETS,
    CQL2_T_METBY,
    CQL2_T_OVERLAPPEDBY,
    CQL2_T_OVERLAPS,
    CQL2_T_STARTEDBY,
    CQL2_T_STARTS,
    /* arrays */
    CQL2_A_EQUALS,
    CQL2_A_CONTAINS,
    CQL2_A_CONTAINEDBY,
    CQL2_A_OVERLAPS,
    /* values */
    CQL2_ACCENTI,
    CQL2_ADD, /* arithmetic: keep ADD first and POW last */
    CQL2_SUB,
    CQL2_MUL,
    CQL2_DIV,      /* '/': real division */
    CQL2_MOD,      /* '%' */
    CQL2_IDIV,     /* div: integer division */
    CQL2_POW,      /* '^' */
    CQL2_FUNCTION, /* text holds the name; args the arguments */
    CQL2_INTERVAL, /* two args: DATE, PROPERTY, FUNCTION, or STRING ".." for an open end */
    /* leaves */
    CQL2_PROPERTY,
    CQL2_STRING,
    CQL2_NUMBER,
    CQL2_BOOLEAN,
    CQL2_DATE, /* DATE('..') and TIMESTAMP('..'): text holds the ISO value */
    CQL2_GEOMETRY,
    CQL2_LIST, /* the right side of IN, and array literals */
};

/* Operator families, by the ranges of enum cql2_op. */
bool cql2_op_is_spatial(enum cql2_op op);
bool cql2_op_is_temporal(enum cql2_op op);
bool cql2_op_is_array(enum cql2_op op);
bool cql2_op_is_arithmetic(enum cql2_op op);
/* The name CQL2 gives op ("S_INTERSECTS", "+", "AND", ...), for messages. */
const char *cql2_op_name(enum cql2_op op);

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
/* Makes n one end of an INTERVAL from its text: ".." (an open end: a STRING), a DATE
 * (YYYY-MM-DD) or a TIMESTAMP (anything longer), each checked as above. */
enum gis_status
cql2_node_set_interval_end(struct cql2_node *n, const char *text, struct gis_error *err);
/* Checks an INTERVAL node: two ends, each an instant, "..", a property or a function, and
 * a start not after its end when both are literals. */
enum gis_status cql2_interval_check(const struct cql2_node *n, struct gis_error *err);
/* Makes n a GEOMETRY from WKT or BBOX text / GeoJSON text (CRS84). Polygon rings must be
 * closed with at least 4 positions and lines have at least 2. */
enum gis_status cql2_node_set_wkt(struct cql2_node *n, const char *wkt, struct gis_error *err);
enum gis_status
cql2_node_set_geojson(struct cql2_node *n, const char *geojson, struct gis_error *err);
enum gis_status
cql2_node_set_bbox(struct cql2_node *n, const double bbox[4], struct gis_error *err);

/* The operator for a CQL2 name ("and", "=", "s_intersects", "like", "+", "div", ...), as
 * cql2-json spells them (case-insensitive); false when unknown (maybe a function). */
bool cql2_op_from_name(const char *name, enum cql2_op *out);

/* ---------------------------------------------------------------- functions */

/* The types of the Functions conformance class (/functions lists them). */
enum cql2_type {
    CQL2_TYPE_STRING,
    CQL2_TYPE_NUMBER,
    CQL2_TYPE_BOOLEAN,
    CQL2_TYPE_DATETIME,
    CQL2_TYPE_GEOMETRY,
};

#define CQL2_FUNCTION_MAX_ARGS 2

/* A function filters may call. sql is a constant template: "%1" and "%2" stand for the
 * compiled arguments; nothing of the caller's text goes into it. */
struct cql2_function {
    const char *name;
    const char *description;
    size_t n_args;
    enum cql2_type args[CQL2_FUNCTION_MAX_ARGS];
    const char *arg_titles[CQL2_FUNCTION_MAX_ARGS];
    enum cql2_type returns;
    const char *sql;
};

/* Function i (0 <= i < cql2_function_count()), a constant; NULL past the end. */
size_t cql2_function_count(void);
const struct cql2_function *cql2_function_at(size_t i);
/* The function named name (case-insensitive), or NULL. */
const struct cql2_function *cql2_function_find(const char *name);
/* "string", "number", ... as /functions spells a type. */
const char *cql2_type_name(enum cql2_type t);

/* ---------------------------------------------------------------- filter-crs */

/* Re-expresses every geometry literal of the tree, given in CRS crs (a PROJ definition,
 * "OGC:CRS84" a no-op) with its axes in authority order when is_north_first (EPSG:4326
 * is latitude, longitude), in CRS84 longitude, latitude. Fails (GIS_ERR_PROJ,
 * GIS_ERR_INVALID_ARG) naming the literal PROJ cannot transform. */
enum gis_status cql2_tree_to_crs84(struct cql2_node *root,
                                   const char *crs,
                                   bool is_north_first,
                                   struct gis_error *err);

#endif
