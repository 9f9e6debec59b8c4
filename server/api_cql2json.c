/*
 * cql2-json: {"op": .., "args": [..]} expressions (an op that is no CQL2 operator is a
 * function call), {"property": ..}, literals, arrays, {"date"}, {"timestamp"},
 * {"interval": [start, end]}, {"bbox"} and GeoJSON geometries, converted node by node
 * into the tree the SQL compiler takes. Depth and node count are bounded like
 * cql2-text's.
 */
#include "api_cql2json.h"

#include <cjson/cJSON.h>
#include <string.h>

struct conv {
    struct cql2_budget budget;
    size_t depth;
    struct gis_error *err;
};

static enum gis_status convert(struct conv *cv, const cJSON *j, struct cql2_node **out);

static enum gis_status
leaf_text(struct conv *cv, enum cql2_op op, const char *text, struct cql2_node **out)
{
    enum gis_status rc = cql2_node_new(&cv->budget, op, out, cv->err);

    if (rc == GIS_OK && (rc = cql2_node_set_text(*out, text, cv->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status
leaf_temporal(struct conv *cv, const char *text, bool is_timestamp, struct cql2_node **out)
{
    enum gis_status rc = cql2_node_new(&cv->budget, CQL2_DATE, out, cv->err);

    if (rc == GIS_OK &&
        (rc = cql2_node_set_temporal(*out, text, is_timestamp, cv->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status convert_array(struct conv *cv, const cJSON *j, struct cql2_node **out)
{
    enum gis_status rc = cql2_node_new(&cv->budget, CQL2_LIST, out, cv->err);
    const cJSON *item;

    cJSON_ArrayForEach(item, j)
    {
        struct cql2_node *child = NULL;
        if (rc == GIS_OK)
            rc = convert(cv, item, &child);
        if (rc == GIS_OK)
            rc = cql2_node_add(*out, child, cv->err);
    }
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status convert_op(struct conv *cv, const cJSON *j, struct cql2_node **out)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "op");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(j, "args");
    enum cql2_op code;
    enum gis_status rc;

    bool is_function;

    if (!cJSON_IsString(op) || !op->valuestring[0] || strlen(op->valuestring) > 64)
        return gis_fail(cv->err, GIS_ERR_INVALID_ARG,
                        "cql2-json: \"op\" must name an operator or a function");
    is_function = !cql2_op_from_name(op->valuestring, &code);
    if (!cJSON_IsArray(args))
        return gis_fail(cv->err, GIS_ERR_INVALID_ARG, "cql2-json: '%.64s' needs an args array",
                        op->valuestring);
    rc = convert_array(cv, args, out);
    if (rc == GIS_OK)
        (*out)->op = is_function ? CQL2_FUNCTION : code;
    if (rc == GIS_OK && is_function) {
        rc = cql2_node_set_text(*out, op->valuestring, cv->err);
        if (rc != GIS_OK) {
            cql2_free(*out);
            *out = NULL;
        }
    }
    /* IN's list and array literals arrive as nested arrays: they stay LIST nodes. */
    return rc;
}

static enum gis_status convert_geometry(struct conv *cv, const cJSON *j, struct cql2_node **out)
{
    char *text = cJSON_PrintUnformatted(j);
    enum gis_status rc;

    if (!text)
        return gis_fail(cv->err, GIS_ERR_NOMEM, "out of memory");
    rc = cql2_node_new(&cv->budget, CQL2_GEOMETRY, out, cv->err);
    if (rc == GIS_OK && (rc = cql2_node_set_geojson(*out, text, cv->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    cJSON_free(text);
    return rc;
}

static enum gis_status convert_bbox(struct conv *cv, const cJSON *b, struct cql2_node **out)
{
    double v[6];
    int n = cJSON_GetArraySize(b), i;
    enum gis_status rc;

    if (!cJSON_IsArray(b) || (n != 4 && n != 6))
        return gis_fail(cv->err, GIS_ERR_INVALID_ARG, "cql2-json: bbox takes 4 or 6 numbers");
    for (i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(b, i);
        if (!cJSON_IsNumber(x))
            return gis_fail(cv->err, GIS_ERR_INVALID_ARG, "cql2-json: bbox takes numbers");
        v[i] = x->valuedouble;
    }
    if (n == 6) {
        v[2] = v[3];
        v[3] = v[4];
    }
    rc = cql2_node_new(&cv->budget, CQL2_GEOMETRY, out, cv->err);
    if (rc == GIS_OK && (rc = cql2_node_set_bbox(*out, v, cv->err)) != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

/* {"interval": [start, end]}: each end an instant string, "..", or a property/function. */
static enum gis_status convert_interval(struct conv *cv, const cJSON *a, struct cql2_node **out)
{
    enum gis_status rc;
    const cJSON *e;

    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2)
        return gis_fail(cv->err, GIS_ERR_INVALID_ARG,
                        "cql2-json: interval takes an array of a start and an end");
    rc = cql2_node_new(&cv->budget, CQL2_INTERVAL, out, cv->err);
    cJSON_ArrayForEach(e, a)
    {
        struct cql2_node *end = NULL;
        if (rc == GIS_OK && cJSON_IsString(e)) {
            rc = cql2_node_new(&cv->budget, CQL2_STRING, &end, cv->err);
            if (rc == GIS_OK)
                rc = cql2_node_set_interval_end(end, e->valuestring, cv->err);
            if (rc != GIS_OK)
                cql2_free(end);
        } else if (rc == GIS_OK) {
            rc = convert(cv, e, &end);
        }
        if (rc == GIS_OK)
            rc = cql2_node_add(*out, end, cv->err);
    }
    if (rc == GIS_OK)
        rc = cql2_interval_check(*out, cv->err);
    if (rc != GIS_OK) {
        cql2_free(*out);
        *out = NULL;
    }
    return rc;
}

static enum gis_status convert_object(struct conv *cv, const cJSON *j, struct cql2_node **out)
{
    const cJSON *x;

    if (cJSON_GetObjectItemCaseSensitive(j, "op"))
        return convert_op(cv, j, out);
    if (cJSON_IsString(x = cJSON_GetObjectItemCaseSensitive(j, "property")))
        return leaf_text(cv, CQL2_PROPERTY, x->valuestring, out);
    if (cJSON_IsString(x = cJSON_GetObjectItemCaseSensitive(j, "date")))
        return leaf_temporal(cv, x->valuestring, false, out);
    if (cJSON_IsString(x = cJSON_GetObjectItemCaseSensitive(j, "timestamp")))
        return leaf_temporal(cv, x->valuestring, true, out);
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "interval")) != NULL)
        return convert_interval(cv, x, out);
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "bbox")) != NULL)
        return convert_bbox(cv, x, out);
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "type")))
        return convert_geometry(cv, j, out);
    return gis_fail(cv->err, GIS_ERR_INVALID_ARG,
                    "cql2-json: an object must be an operation, a property, a date, a timestamp, "
                    "an interval, a bbox or a GeoJSON geometry");
}

static enum gis_status convert(struct conv *cv, const cJSON *j, struct cql2_node **out)
{
    enum gis_status rc;

    if (++cv->depth > cv->budget.limits->max_depth)
        return gis_fail(cv->err, GIS_ERR_TOO_LARGE, "the filter nests deeper than %zu",
                        cv->budget.limits->max_depth);
    if (cJSON_IsObject(j))
        rc = convert_object(cv, j, out);
    else if (cJSON_IsArray(j))
        rc = convert_array(cv, j, out);
    else if (cJSON_IsString(j))
        rc = leaf_text(cv, CQL2_STRING, j->valuestring, out);
    else if (cJSON_IsNumber(j)) {
        rc = cql2_node_new(&cv->budget, CQL2_NUMBER, out, cv->err);
        if (rc == GIS_OK)
            (*out)->number = j->valuedouble;
    } else if (cJSON_IsBool(j)) {
        rc = cql2_node_new(&cv->budget, CQL2_BOOLEAN, out, cv->err);
        if (rc == GIS_OK)
            (*out)->boolean = cJSON_IsTrue(j);
    } else {
        rc = gis_fail(cv->err, GIS_ERR_INVALID_ARG, "cql2-json: null is not a value");
    }
    cv->depth--;
    return rc;
}

enum gis_status api_cql2json_parse(const char *text,
                                   const struct cql2_limits *limits,
                                   struct cql2_node **out,
                                   struct gis_error *err)
{
    struct conv cv = {{limits ? limits : &CQL2_DEFAULT_LIMITS, 0}, 0, err};
    enum gis_status rc;
    cJSON *root;

    if (strlen(text) > cv.budget.limits->max_text)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "the filter is longer than %zu bytes",
                        cv.budget.limits->max_text);
    root = cJSON_Parse(text);
    if (!root)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "cql2-json: not valid JSON");
    rc = convert(&cv, root, out);
    cJSON_Delete(root);
    return rc;
}
