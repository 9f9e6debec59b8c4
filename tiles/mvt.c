/*
 * MVT encoding. Each layer keeps its encoded features and its key and value tables; a
 * small hash map (string -> index, values keyed by type and bytes) deduplicates them.
 */
#include "mvt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pbf.h"

#define MAX_LAYERS      16
#define LAYER_MAX_BYTES (64u * 1024u * 1024u)

struct index_map {
    char **keys;
    uint32_t *idx;
    size_t cap, n;
};

struct mvt_layer {
    char *name;
    uint32_t extent;
    struct gbuf features; /* encoded Feature messages, each as field 2 */
    struct gbuf keys;     /* encoded key strings, each as field 3 */
    struct gbuf values;   /* encoded Value messages, each as field 4 */
    struct index_map key_map, value_map;
    size_t n_features;
};

struct mvt_tile {
    struct mvt_layer layers[MAX_LAYERS];
    size_t n_layers;
};

/* ---------------------------------------------------------------- index map */

static void map_free(struct index_map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->idx);
}

static enum gis_status map_grow(struct index_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64, i, j;
    char **keys = calloc(cap, sizeof *keys);
    uint32_t *idx = calloc(cap, sizeof *idx);

    if (!keys || !idx) {
        free(keys);
        free(idx);
        return GIS_ERR_NOMEM;
    }
    for (i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        /* keys are stored with a 4-byte length prefix */
        uint32_t len;
        memcpy(&len, m->keys[i], 4);
        for (j = hash_fnv1a(HASH_FNV_OFFSET, m->keys[i] + 4, len) & (cap - 1); keys[j];
             j = (j + 1) & (cap - 1))
            ;
        keys[j] = m->keys[i];
        idx[j] = m->idx[i];
    }
    free(m->keys);
    free(m->idx);
    m->keys = keys;
    m->idx = idx;
    m->cap = cap;
    return GIS_OK;
}

/* The index of key (n bytes); *is_new when it was added with index next. */
static enum gis_status
map_get(struct index_map *m, const char *key, size_t n, uint32_t next, uint32_t *out, bool *is_new)
{
    size_t j;
    uint32_t len;
    char *copy;

    if ((m->n + 1) * 2 > m->cap && map_grow(m) != GIS_OK)
        return GIS_ERR_NOMEM;
    for (j = hash_fnv1a(HASH_FNV_OFFSET, key, n) & (m->cap - 1); m->keys[j];
         j = (j + 1) & (m->cap - 1)) {
        memcpy(&len, m->keys[j], 4);
        if (len == n && !memcmp(m->keys[j] + 4, key, n)) {
            *out = m->idx[j];
            *is_new = false;
            return GIS_OK;
        }
    }
    copy = malloc(n + 4);
    if (!copy)
        return GIS_ERR_NOMEM;
    len = (uint32_t)n;
    memcpy(copy, &len, 4);
    memcpy(copy + 4, key, n);
    m->keys[j] = copy;
    m->idx[j] = next;
    m->n++;
    *out = next;
    *is_new = true;
    return GIS_OK;
}

/* ---------------------------------------------------------------- tile */

enum gis_status mvt_tile_new(struct mvt_tile **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? GIS_OK : GIS_ERR_NOMEM;
}

void mvt_tile_free(struct mvt_tile *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->n_layers; i++) {
        struct mvt_layer *l = &t->layers[i];
        free(l->name);
        gbuf_free(&l->features);
        gbuf_free(&l->keys);
        gbuf_free(&l->values);
        map_free(&l->key_map);
        map_free(&l->value_map);
    }
    free(t);
}

enum gis_status
mvt_layer_add(struct mvt_tile *t, const char *name, uint32_t extent, struct mvt_layer **out)
{
    struct mvt_layer *l;

    if (t->n_layers == MAX_LAYERS)
        return GIS_ERR_TOO_LARGE;
    l = &t->layers[t->n_layers];
    memset(l, 0, sizeof *l);
    l->name = strdup(name);
    if (!l->name)
        return GIS_ERR_NOMEM;
    l->extent = extent;
    gbuf_init(&l->features, LAYER_MAX_BYTES);
    gbuf_init(&l->keys, LAYER_MAX_BYTES);
    gbuf_init(&l->values, LAYER_MAX_BYTES);
    t->n_layers++;
    *out = l;
    return GIS_OK;
}

size_t mvt_layer_count(const struct mvt_layer *l)
{
    return l->n_features;
}

/* ---------------------------------------------------------------- attributes */

static enum gis_status key_index(struct mvt_layer *l, const char *key, uint32_t *out)
{
    bool is_new;
    enum gis_status rc =
        map_get(&l->key_map, key, strlen(key), (uint32_t)l->key_map.n, out, &is_new);

    if (rc == GIS_OK && is_new)
        pbf_bytes(&l->keys, 3, key, strlen(key));
    return rc;
}

/* The value's identity: a type letter and its bytes. */
static size_t value_key(const struct mvt_value *v, char *buf, size_t size, const char **out)
{
    size_t n;

    switch (v->type) {
    case MVT_STRING:
        /* strings are looked up by their own bytes, prefixed with 's' by the caller */
        *out = v->s;
        return strlen(v->s);
    case MVT_INT:
        n = (size_t)snprintf(buf, size, "i%lld", (long long)v->i);
        break;
    case MVT_DOUBLE:
        n = (size_t)snprintf(buf, size, "d%.17g", v->d);
        break;
    default:
        n = (size_t)snprintf(buf, size, "b%d", v->b);
    }
    *out = buf;
    return n;
}

static void encode_value(struct gbuf *b, const struct mvt_value *v)
{
    struct gbuf m;

    gbuf_init(&m, LAYER_MAX_BYTES);
    if (v->type == MVT_STRING) {
        pbf_bytes(&m, 1, v->s, strlen(v->s));
    } else if (v->type == MVT_DOUBLE) {
        pbf_double(&m, 3, v->d);
    } else if (v->type == MVT_INT) {
        pbf_tag(&m, 6, PBF_VARINT);
        pbf_varint(&m, pbf_zigzag64(v->i));
    } else {
        pbf_tag(&m, 7, PBF_VARINT);
        pbf_varint(&m, v->b);
    }
    pbf_bytes(b, 4, m.data ? m.data : "", m.len);
    gbuf_free(&m);
}

static enum gis_status value_index(struct mvt_layer *l, const struct mvt_value *v, uint32_t *out)
{
    char buf[64], *joined = NULL;
    const char *key;
    size_t n = value_key(v, buf, sizeof buf, &key);
    bool is_new;
    enum gis_status rc;

    if (v->type == MVT_STRING) {
        joined = malloc(n + 2);
        if (!joined)
            return GIS_ERR_NOMEM;
        joined[0] = 's';
        memcpy(joined + 1, key, n + 1);
        key = joined;
        n++;
    }
    rc = map_get(&l->value_map, key, n, (uint32_t)l->value_map.n, out, &is_new);
    if (rc == GIS_OK && is_new)
        encode_value(&l->values, v);
    free(joined);
    return rc;
}

/* ---------------------------------------------------------------- geometry */

struct cursor {
    int64_t x, y;
};

static void command(struct gbuf *b, uint32_t id, uint32_t count)
{
    pbf_varint(b, (id & 7) | (count << 3));
}

static void move(struct gbuf *b, struct cursor *c, const double *xy)
{
    int64_t x = llround(xy[0]), y = llround(xy[1]);

    pbf_varint(b, pbf_zigzag32((int32_t)(x - c->x)));
    pbf_varint(b, pbf_zigzag32((int32_t)(y - c->y)));
    c->x = x;
    c->y = y;
}

static int mvt_type(const struct geom *g)
{
    enum geom_type t = g->type > GEOM_POLYGON ? g->type - 3 : g->type;
    return (int)t; /* 1 point, 2 linestring, 3 polygon: MVT's numbering too */
}

static void encode_geometry(struct gbuf *b, const struct geom *g)
{
    struct cursor c = {0, 0};
    int type = mvt_type(g);
    size_t r, i;

    if (type == 1) {
        command(b, 1, (uint32_t)g->n_points);
        for (i = 0; i < g->n_points; i++)
            move(b, &c, g->coords + 2 * i);
        return;
    }
    for (r = 0; r < g->n_rings; r++) {
        size_t first = g->rings[r], end = g->rings[r + 1];
        if (type == 3)
            end--; /* the closing point is implied by ClosePath */
        command(b, 1, 1);
        move(b, &c, g->coords + 2 * first);
        command(b, 2, (uint32_t)(end - first - 1));
        for (i = first + 1; i < end; i++)
            move(b, &c, g->coords + 2 * i);
        if (type == 3)
            command(b, 7, 1);
    }
}

enum gis_status mvt_feature_add(struct mvt_layer *l,
                                bool has_id,
                                uint64_t id,
                                const struct geom *g,
                                const char *const *keys,
                                const struct mvt_value *values,
                                size_t n_attrs)
{
    struct gbuf f, tags, geometry;
    enum gis_status rc = GIS_OK;
    uint32_t k = 0, v = 0;
    size_t i;

    gbuf_init(&f, LAYER_MAX_BYTES);
    gbuf_init(&tags, LAYER_MAX_BYTES);
    gbuf_init(&geometry, LAYER_MAX_BYTES);
    for (i = 0; i < n_attrs && rc == GIS_OK; i++) {
        if (values[i].type == MVT_STRING && !values[i].s)
            continue;
        rc = key_index(l, keys[i], &k);
        if (rc == GIS_OK)
            rc = value_index(l, &values[i], &v);
        pbf_varint(&tags, k);
        pbf_varint(&tags, v);
    }
    encode_geometry(&geometry, g);
    if (has_id) {
        pbf_tag(&f, 1, PBF_VARINT);
        pbf_varint(&f, id);
    }
    if (tags.len)
        pbf_bytes(&f, 2, tags.data, tags.len);
    pbf_tag(&f, 3, PBF_VARINT);
    pbf_varint(&f, (uint64_t)mvt_type(g));
    pbf_bytes(&f, 4, geometry.data ? geometry.data : "", geometry.len);
    pbf_bytes(&l->features, 2, f.data, f.len);
    if (rc == GIS_OK)
        rc = gbuf_status(&f) ? gbuf_status(&f) : gbuf_status(&l->features);
    gbuf_free(&f);
    gbuf_free(&tags);
    gbuf_free(&geometry);
    l->n_features += rc == GIS_OK;
    return rc;
}

enum gis_status mvt_tile_encode(const struct mvt_tile *t, struct gbuf *out)
{
    struct gbuf layer;
    size_t i;

    for (i = 0; i < t->n_layers; i++) {
        const struct mvt_layer *l = &t->layers[i];
        if (!l->n_features)
            continue;
        gbuf_init(&layer, LAYER_MAX_BYTES);
        pbf_tag(&layer, 15, PBF_VARINT);
        pbf_varint(&layer, 2);
        pbf_bytes(&layer, 1, l->name, strlen(l->name));
        gbuf_append(&layer, l->features.data, l->features.len);
        gbuf_append(&layer, l->keys.data ? l->keys.data : "", l->keys.len);
        gbuf_append(&layer, l->values.data ? l->values.data : "", l->values.len);
        pbf_tag(&layer, 5, PBF_VARINT);
        pbf_varint(&layer, l->extent);
        pbf_bytes(out, 3, layer.data, layer.len);
        gbuf_free(&layer);
    }
    return gbuf_status(out);
}
