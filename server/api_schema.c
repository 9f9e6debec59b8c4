/*
 * The JSON Schemas of a collection (OGC API - Features Part 5): /collections/{id}/schema,
 * every property a feature returns with its type, its title in Chinese and English, its
 * coded values with theirs (gis/layer.h's vocabularies) and its role (id, primary
 * geometry, primary instant or interval), and
 * /collections/{id}/queryables, the properties a filter may name. Both are built from
 * the layer table in the caller's view, the whitelist the items handler reads, so neither
 * can describe a property the server does not return to that caller: below the planner
 * role the sensitive assistance counts are not in it, and for a planner they are marked
 * with the role they need (x-civgis-min-role).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_render.h"

const char *api_json_type(enum prop_type t)
{
    switch (t) {
    case PROP_INT:
        return "integer";
    case PROP_REAL:
        return "number";
    case PROP_BOOL:
        return "boolean";
    case PROP_ARRAY:
        return "array";
    default:
        return "string";
    }
}

static const char *geometry_format(const struct layer_def *l)
{
    return l->geom == LAYER_GEOM_POLYGON ? "geometry-multipolygon"
           : l->geom == LAYER_GEOM_POINT ? "geometry-point"
                                         : "geometry-any";
}

/* The temporal role of property i: the version interval of versioned layers, else the
 * one date of the layer as its primary instant. NULL for none. */
static const char *temporal_role(const struct layer_def *l, size_t i)
{
    size_t k, n_dates = 0;

    if (l->props[i].type != PROP_DATE)
        return NULL;
    if (l->is_versioned && !strcmp(l->props[i].name, "valid_from"))
        return "primary-interval-start";
    if (l->is_versioned && !strcmp(l->props[i].name, "valid_to"))
        return "primary-interval-end";
    for (k = 0; k < l->n_props; k++)
        n_dates += l->props[k].type == PROP_DATE;
    return n_dates == 1 && !l->is_versioned ? "primary-instant" : NULL;
}

static void add_title(cJSON *p, const char *zh, const char *en)
{
    char title[200];

    snprintf(title, sizeof title, "%s (%s)", zh, en);
    cJSON_AddStringToObject(p, "title", title);
}

/* A coded property's values with their labels ("中文 (English)", as the properties'
 * titles): oneOf const/title for a closed list, anyOf the same and any other string for
 * an open one, so a form can offer them and a map can label them in either language. */
static void add_terms(cJSON *p, const struct layer_def *l, const struct layer_prop *lp)
{
    size_t n = 0, i;
    bool is_closed = false;
    const struct layer_term *t = layer_prop_terms(l->table, lp->name, &n, &is_closed);
    cJSON *list, *one;

    if (!t)
        return;
    list = cJSON_AddArrayToObject(p, is_closed ? "oneOf" : "anyOf");
    for (i = 0; i < n; i++) {
        one = cJSON_CreateObject();
        if (lp->type == PROP_INT)
            cJSON_AddNumberToObject(one, "const", strtod(t[i].code, NULL));
        else
            cJSON_AddStringToObject(one, "const", t[i].code);
        add_title(one, t[i].title_zh, t[i].title);
        cJSON_AddItemToArray(list, one);
    }
    if (!is_closed) {
        one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "type", api_json_type(lp->type));
        cJSON_AddItemToArray(list, one);
    }
}

/* One property of the layer; with_roles adds the id and temporal roles (the schema). */
static void add_property(cJSON *props, const struct layer_def *l, size_t i, bool with_roles)
{
    const struct layer_prop *lp = &l->props[i];
    cJSON *p = cJSON_AddObjectToObject(props, lp->name);
    const char *role = with_roles ? temporal_role(l, i) : NULL;

    add_title(p, lp->title_zh, lp->title);
    cJSON_AddStringToObject(p, "description", lp->description);
    cJSON_AddStringToObject(p, "type", api_json_type(lp->type));
    if (lp->type == PROP_DATE)
        cJSON_AddStringToObject(p, "format", "date");
    if (lp->type == PROP_ARRAY)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "items"), "type", "string");
    add_terms(p, l, lp);
    if (with_roles && !strcmp(lp->sql, l->id_sql))
        role = "id";
    if (role)
        cJSON_AddStringToObject(p, "x-ogc-role", role);
    if (with_roles)
        cJSON_AddNumberToObject(p, "x-ogc-propertySeq", (double)(i + 3));
    if (lp->is_sensitive)
        cJSON_AddStringToObject(p, "x-civgis-min-role", auth_role_name(policy_sensitive_role()));
}

/* The feature id, when no property already carries it (the GeoJSON "id" member). */
static void add_id(cJSON *props, const struct layer_def *l)
{
    cJSON *p;
    size_t i;

    for (i = 0; i < l->n_props; i++)
        if (!strcmp(l->props[i].sql, l->id_sql))
            return;
    p = cJSON_AddObjectToObject(props, "id");
    add_title(p, "标识", "Identifier");
    cJSON_AddStringToObject(p, "type", "string");
    cJSON_AddBoolToObject(p, "readOnly", 1);
    cJSON_AddStringToObject(p, "x-ogc-role", "id");
    cJSON_AddNumberToObject(p, "x-ogc-propertySeq", 1);
}

static cJSON *
schema_json(const struct layer_def *l, const char *base, const char *what, bool is_schema)
{
    cJSON *root = cJSON_CreateObject(), *props, *p;
    char id[256];
    size_t i;

    cJSON_AddStringToObject(root, "$schema", "https://json-schema.org/draft/2020-12/schema");
    snprintf(id, sizeof id, "%s/collections/%s/%s", base, l->id, what);
    cJSON_AddStringToObject(root, "$id", id);
    cJSON_AddStringToObject(root, "type", "object");
    cJSON_AddStringToObject(root, "title", l->title);
    cJSON_AddStringToObject(root, "description", l->description);
    props = cJSON_AddObjectToObject(root, "properties");
    if (is_schema)
        add_id(props, l);
    p = cJSON_AddObjectToObject(props, "geometry");
    add_title(p, "几何", "Geometry");
    cJSON_AddStringToObject(p, "format", geometry_format(l));
    cJSON_AddStringToObject(p, "x-ogc-role", "primary-geometry");
    if (is_schema)
        cJSON_AddNumberToObject(p, "x-ogc-propertySeq", 2);
    for (i = 0; i < l->n_props; i++)
        add_property(props, l, i, is_schema);
    cJSON_AddBoolToObject(root, "additionalProperties", 0);
    return root;
}

static void respond(const struct api_request *req, struct api_response *res, bool is_schema)
{
    struct layer_scratch scratch;
    const struct layer_def *l = api_find_layer(req, res, &scratch);
    const char *what = is_schema ? "schema" : "queryables";
    char base[160];

    if (!l)
        return;
    api_base_url(req, base, sizeof base);
    /* A scenario's title comes from the data, the $id from the address asked; the
     * caller's view is in every ETag (api_etag). */
    if (api_data_etag(req, res, what, base))
        return;
    api_header_add(res, "Cache-Control", "public, no-cache");
    api_send_json(res, schema_json(l, base, what, is_schema), "application/schema+json");
}

void api_schema(const struct api_request *req, struct api_response *res)
{
    respond(req, res, true);
}

void api_queryables(const struct api_request *req, struct api_response *res)
{
    respond(req, res, false);
}
