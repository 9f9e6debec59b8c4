/*
 * Tilesets and their tiles without HTTP (see tileset.h). The features come from the
 * items query (R*Tree); tiles/ clips, simplifies and encodes them.
 */
#include "tileset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_layer.h"
#include "geom.h"
#include "items.h"
#include "mvt.h"
#include "tile.h"
#include "tilegeom.h"

#define TILE_EXTENT       4096
#define TILE_BUFFER       64
#define TILE_MAX_FEATURES 200000

const struct tileset TILESET_COMBINED = {
    "civgis",
    "Divisions and facilities",
    {{"counties", 0}, {"townships", 6}, {"villages", 9}, {"facilities", 8}},
    4,
};

const struct tileset *
tileset_find(struct store *st, const char *id, struct tileset *one, struct layer_scratch *scratch)
{
    const struct layer_def *l;

    if (!strcmp(id, TILESET_COMBINED.id))
        return &TILESET_COMBINED;
    l = layer_resolve(st, id, scratch);
    if (!l || coverage_layer_prepare(st, l->id, NULL) != GIS_OK)
        return NULL;
    *one = (struct tileset){l->id, l->title, {{l->id, 0}}, 1};
    return one;
}

static void set_value(struct mvt_value *mv, const struct item_value *v)
{
    memset(mv, 0, sizeof *mv);
    if (v->is_null) {
        mv->type = MVT_STRING; /* NULL s: the attribute is left out */
    } else if (v->type == PROP_INT) {
        mv->type = MVT_INT;
        mv->i = v->i;
    } else if (v->type == PROP_BOOL) {
        mv->type = MVT_BOOL;
        mv->b = v->i != 0;
    } else if (v->type == PROP_REAL) {
        mv->type = MVT_DOUBLE;
        mv->d = v->d;
    } else {
        mv->type = MVT_STRING;
        mv->s = v->text;
    }
}

/* Adds every feature of the query to layer; numeric ids become MVT ids. */
static enum gis_status fill_layer(struct items_cursor *cur,
                                  const struct layer_def *l,
                                  const struct tile_frame *f,
                                  size_t max_features,
                                  struct mvt_layer *layer,
                                  struct gis_error *err)
{
    const char *keys[40];
    struct mvt_value vals[40];
    struct geom g, tg;
    enum gis_status rc = GIS_OK;
    struct item_value v;
    bool has_row = true, is_empty;
    size_t i, n = l->n_props < 39 ? l->n_props : 39;

    geom_init(&g);
    geom_init(&tg);
    for (i = 0; i < n; i++)
        keys[i] = l->props[i].name;
    keys[n] = "id";
    while (rc == GIS_OK && mvt_layer_count(layer) < max_features &&
           (rc = items_next(cur, &has_row, err)) == GIS_OK && has_row) {
        size_t wkb_n;
        const unsigned char *wkb = items_wkb(cur, &wkb_n);
        const char *id = items_id(cur);
        char *end;
        unsigned long long num = strtoull(id, &end, 10);
        if (!wkb || geom_from_wkb(&g, wkb, wkb_n, NULL) != GIS_OK)
            continue;
        rc = tilegeom_prepare(&g, f, &tg, &is_empty);
        if (rc != GIS_OK || is_empty)
            continue;
        for (i = 0; i < n; i++) {
            items_value(cur, i, &v);
            set_value(&vals[i], &v);
        }
        vals[n] = (struct mvt_value){.type = MVT_STRING, .s = id};
        rc = mvt_feature_add(layer, *id && !*end, num, &tg, keys, vals, n + 1);
    }
    geom_free(&g);
    geom_free(&tg);
    return rc;
}

/* Encodes every layer of ts visible at z into out (nothing when all are empty). */
struct tile_job {
    int z;
    int64_t x, y;
    double tolerance;    /* tile units */
    size_t max_features; /* per layer */
};

static enum gis_status render_tile(struct store *st,
                                   const struct tileset *ts,
                                   const struct tile_job *job,
                                   struct gbuf *out,
                                   struct gis_error *err)
{
    int z = job->z;
    int64_t x = job->x, y = job->y;
    struct tile_frame f = {z, x, y, TILE_EXTENT, TILE_BUFFER, job->tolerance};
    struct mvt_tile *t = NULL;
    double b[4], pad;
    enum gis_status rc = mvt_tile_new(&t) ? gis_fail(err, GIS_ERR_NOMEM, "out of memory") : GIS_OK;
    size_t i;

    tile_bounds_lonlat(z, x, y, b);
    pad = (b[2] - b[0]) * TILE_BUFFER / TILE_EXTENT;
    for (i = 0; i < ts->n_layers && rc == GIS_OK; i++) {
        struct layer_scratch scratch;
        const struct layer_def *l = layer_resolve(st, ts->layers[i].collection, &scratch);
        struct items_query q = {0};
        struct items_cursor *cur = NULL;
        struct mvt_layer *layer = NULL;
        if (!l || z < ts->layers[i].minzoom)
            continue;
        q.layer = l;
        q.has_bbox = true;
        q.bbox[0] = b[0] - pad;
        q.bbox[1] = b[1] - pad;
        q.bbox[2] = b[2] + pad;
        q.bbox[3] = b[3] + pad;
        q.limit = -1;
        rc = items_open(st, &q, &cur, err);
        if (rc == GIS_OK)
            rc = mvt_layer_add(t, l->id, TILE_EXTENT, &layer);
        if (rc == GIS_OK)
            rc = fill_layer(cur, l, &f, job->max_features, layer, err);
        items_close(cur);
    }
    if (rc == GIS_OK)
        rc = mvt_tile_encode(t, out);
    mvt_tile_free(t);
    return rc;
}

enum gis_status tileset_render(struct store *st,
                               const struct tileset *ts,
                               int z,
                               int64_t x,
                               int64_t y,
                               struct gbuf *out,
                               char *note,
                               size_t note_size,
                               struct gis_error *err)
{
    static const double factors[] = {1, 4, 16, 64};
    struct tile_job job = {z, x, y, TILE_EXTENT / 512.0, TILE_MAX_FEATURES};
    enum gis_status rc = GIS_OK;
    size_t i;

    if (note && note_size)
        note[0] = '\0';
    /* About half a pixel of simplification first, then coarser (2, 8, 32 pixels), then
     * fewer features per layer (the first ones by id). */
    for (i = 0; rc == GIS_OK; i++) {
        gbuf_reset(out);
        if (i < 4)
            job.tolerance = TILE_EXTENT / 512.0 * factors[i];
        else
            job.max_features = job.max_features > 1 ? job.max_features / 2 : 0;
        rc = render_tile(st, ts, &job, out, err);
        if (rc != GIS_OK || out->len <= TILESET_MAX_BYTES)
            break;
        if (note && note_size)
            snprintf(note, note_size, "tolerance=%g; max_features=%zu", job.tolerance,
                     job.max_features);
    }
    return rc;
}

static const char *field_type(enum prop_type t)
{
    return t == PROP_INT || t == PROP_REAL ? "Number" : t == PROP_BOOL ? "Boolean" : "String";
}

cJSON *tileset_vector_layers(struct store *st, const struct tileset *ts)
{
    cJSON *layers = cJSON_CreateArray();
    size_t i, k;

    for (i = 0; i < ts->n_layers; i++) {
        struct layer_scratch scratch;
        const struct layer_def *l = layer_resolve(st, ts->layers[i].collection, &scratch);
        cJSON *vl, *fields;
        if (!l)
            continue;
        vl = cJSON_CreateObject();
        fields = cJSON_AddObjectToObject(vl, "fields");
        cJSON_AddStringToObject(vl, "id", l->id);
        cJSON_AddStringToObject(vl, "description", l->description);
        cJSON_AddNumberToObject(vl, "minzoom", ts->layers[i].minzoom);
        cJSON_AddNumberToObject(vl, "maxzoom", 22);
        for (k = 0; k < l->n_props; k++)
            cJSON_AddStringToObject(fields, l->props[k].name, field_type(l->props[k].type));
        cJSON_AddStringToObject(fields, "id", "String");
        cJSON_AddItemToArray(layers, vl);
    }
    return layers;
}

bool tileset_bounds(struct store *st, const struct tileset *ts, double out[4])
{
    struct layer_scratch scratch;
    struct layer_stats stats = {0};
    const struct layer_def *l = layer_resolve(st, ts->layers[0].collection, &scratch);

    if (!l || layer_stats(st, l, &stats, NULL) != GIS_OK || !stats.has_extent)
        return false;
    memcpy(out, stats.bbox, sizeof stats.bbox);
    return true;
}
