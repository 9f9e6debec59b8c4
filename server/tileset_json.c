/*
 * Tileset metadata as JSON (see tileset_json.h).
 */
#include "tileset_json.h"

#include <cjson/cJSON.h>

static const char *field_type(enum prop_type t)
{
    return t == PROP_INT || t == PROP_REAL ? "Number" : t == PROP_BOOL ? "Boolean" : "String";
}

cJSON *tileset_json_vector_layers(struct store *st, const struct tileset *ts)
{
    struct tileset_layers tl;
    cJSON *layers = cJSON_CreateArray();
    size_t i, k;

    tileset_layers_resolve(st, ts, &tl);
    for (i = 0; i < tl.n; i++) {
        const struct layer_def *l = tl.def[i];
        cJSON *vl = cJSON_CreateObject(), *fields = cJSON_AddObjectToObject(vl, "fields");
        cJSON_AddStringToObject(vl, "id", l->id);
        cJSON_AddStringToObject(vl, "description", l->description);
        cJSON_AddNumberToObject(vl, "minzoom", tl.minzoom[i]);
        cJSON_AddNumberToObject(vl, "maxzoom", TILESET_MAXZOOM);
        for (k = 0; k < l->n_props; k++)
            cJSON_AddStringToObject(fields, l->props[k].name, field_type(l->props[k].type));
        cJSON_AddStringToObject(fields, "id", "String");
        cJSON_AddItemToArray(layers, vl);
    }
    return layers;
}
