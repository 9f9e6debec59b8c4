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

/* Open addressing, linear probing, at most half full. A slot holds its key's hash and
 * where its bytes sit in one arena (offset + 1; 0: empty), so a probe compares hashes
 * before bytes and growing moves slots, never key bytes. */
struct index_slot {
    uint64_t hash;
    uint32_t at; /* offset + 1 of the key's length prefix in the arena; 0: empty */
    uint32_t idx;
};

struct index_map {
    struct index_slot *slots;
    size_t cap, n;
    struct gbuf arena; /* each key: a 4-byte length, then its bytes */
};

struct mvt_layer {
    char *name;
    uint32_t extent;
    struct gbuf features; /* encoded Feature messages, each as field 2 */
    struct gbuf keys;     /* encoded key strings, each as field 3 */
    struct gbuf values;   /* encoded Value messages, each as field 4 */
    struct index_map key_map, value_map;
    size_t n_features;
    /* One feature's parts while it is encoded, kept for the next one. */
    struct gbuf f, tags, geometry;
    /* The index of keys[i] for the last keys array seen (every feature of a source
     * passes the same one), UINT32_MAX until that key is first used. */
    const char *const *cached_keys;
    uint32_t *key_idx;
    size_t n_key_idx;
};

struct mvt_tile {
    struct mvt_layer layers[MAX_LAYERS];
    size_t n_layers;
};

/* ---------------------------------------------------------------- index map */

static void map_init(struct index_map *m)
{
    memset(m, 0, sizeof *m);
    gbuf_init(&m->arena, LAYER_MAX_BYTES);
}

static void map_free(struct index_map *m)
{
    free(m->slots);
    gbuf_free(&m->arena);
}

static enum gis_status map_grow(struct index_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64, i, j;
    struct index_slot *slots = calloc(cap, sizeof *slots);

    if (!slots)
        return GIS_ERR_NOMEM;
    for (i = 0; i < m->cap; i++) {
        if (!m->slots[i].at)
            continue;
        for (j = m->slots[i].hash & (cap - 1); slots[j].at; j = (j + 1) & (cap - 1))
            ;
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return GIS_OK;
}

/* The index of the key tag + bytes (n of them); *is_new when it was added with index
 * next. The tag keeps a value's type apart from its bytes (the string "1", the int 1). */
static enum gis_status map_get(struct index_map *m,
                               unsigned char tag,
                               const void *key,
                               size_t n,
                               uint32_t next,
                               uint32_t *out,
                               bool *is_new)
{
    uint64_t h = hash_words(hash_mix64(tag), key, n);
    uint32_t len = (uint32_t)n;
    size_t j;
    char *at;

    if ((m->n + 1) * 2 > m->cap && map_grow(m) != GIS_OK)
        return GIS_ERR_NOMEM;
    for (j = h & (m->cap - 1); m->slots[j].at; j = (j + 1) & (m->cap - 1)) {
        const struct index_slot *sl = &m->slots[j];
        const char *k = m->arena.data + sl->at - 1;

        if (sl->hash == h && !memcmp(k, &len, 4) && (unsigned char)k[4] == tag &&
            !memcmp(k + 5, key, n)) {
            *out = sl->idx;
            *is_new = false;
            return GIS_OK;
        }
    }
    /* Past the cap the layer's other tables have too (it keeps offsets within 32 bits):
     * the size guard's signal, as theirs. */
    if (n > LAYER_MAX_BYTES - 5 || m->arena.len > LAYER_MAX_BYTES - 5 - n)
        return GIS_ERR_TOO_LARGE;
    if (!(at = gbuf_room(&m->arena, n + 5)))
        return GIS_ERR_NOMEM;
    memcpy(at, &len, 4);
    at[4] = (char)tag;
    memcpy(at + 5, key, n);
    m->slots[j].hash = h;
    m->slots[j].at = (uint32_t)m->arena.len + 1;
    m->slots[j].idx = next;
    gbuf_commit(&m->arena, n + 5);
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
        gbuf_free(&l->f);
        gbuf_free(&l->tags);
        gbuf_free(&l->geometry);
        free(l->key_idx);
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
    gbuf_init(&l->f, LAYER_MAX_BYTES);
    gbuf_init(&l->tags, LAYER_MAX_BYTES);
    gbuf_init(&l->geometry, LAYER_MAX_BYTES);
    map_init(&l->key_map);
    map_init(&l->value_map);
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
    size_t n = strlen(key);
    bool is_new;
    enum gis_status rc = map_get(&l->key_map, 'k', key, n, (uint32_t)l->key_map.n, out, &is_new);

    if (rc == GIS_OK && is_new)
        pbf_bytes(&l->keys, 3, key, n);
    return rc;
}

/* key_index of keys[i], asked of the map once per key of a source's array. */
static enum gis_status cached_key_index(
    struct mvt_layer *l, const char *const *keys, size_t n_keys, size_t i, uint32_t *out)
{
    enum gis_status rc;

    if (l->cached_keys != keys || l->n_key_idx < n_keys) {
        uint32_t *idx = realloc(l->key_idx, (n_keys ? n_keys : 1) * sizeof *idx);

        if (!idx)
            return GIS_ERR_NOMEM;
        memset(idx, 0xff, (n_keys ? n_keys : 1) * sizeof *idx);
        l->key_idx = idx;
        l->n_key_idx = n_keys;
        l->cached_keys = keys;
    }
    if (l->key_idx[i] != UINT32_MAX) {
        *out = l->key_idx[i];
        return GIS_OK;
    }
    rc = key_index(l, keys[i], out);
    if (rc == GIS_OK)
        l->key_idx[i] = *out;
    return rc;
}

/* A Value message (field 4 of the layer), written straight into the layer's table. */
static void encode_value(struct gbuf *b, const struct mvt_value *v, size_t n_s)
{
    unsigned char d[8];

    pbf_tag(b, 4, PBF_BYTES);
    if (v->type == MVT_STRING) {
        size_t inner = 1 + pbf_varint_size(n_s) + n_s;

        pbf_varint(b, inner);
        pbf_bytes(b, 1, v->s, n_s);
    } else if (v->type == MVT_DOUBLE) {
        memcpy(d, &v->d, 8); /* little-endian hosts, as pbf_double */
        pbf_varint(b, 9);
        pbf_tag(b, 3, PBF_FIXED64);
        gbuf_append(b, d, 8);
    } else if (v->type == MVT_INT) {
        uint64_t z = pbf_zigzag64(v->i);

        pbf_varint(b, 1 + pbf_varint_size(z));
        pbf_tag(b, 6, PBF_VARINT);
        pbf_varint(b, z);
    } else {
        pbf_varint(b, 2);
        pbf_tag(b, 7, PBF_VARINT);
        pbf_varint(b, v->b);
    }
}

/* Values are told apart by type and bytes, a number by its bits. */
static enum gis_status value_index(struct mvt_layer *l, const struct mvt_value *v, uint32_t *out)
{
    unsigned char raw[8];
    const void *key = raw;
    size_t n = 8, n_s = 0;
    unsigned char tag;
    bool is_new;
    enum gis_status rc;

    switch (v->type) {
    case MVT_STRING:
        n = n_s = strlen(v->s);
        key = v->s;
        tag = 's';
        break;
    case MVT_INT:
        memcpy(raw, &v->i, 8);
        tag = 'i';
        break;
    case MVT_DOUBLE:
        memcpy(raw, &v->d, 8);
        tag = 'd';
        break;
    default:
        raw[0] = v->b ? 1 : 0;
        n = 1;
        tag = 'b';
    }
    rc = map_get(&l->value_map, tag, key, n, (uint32_t)l->value_map.n, out, &is_new);
    if (rc == GIS_OK && is_new)
        encode_value(&l->values, v, n_s);
    return rc;
}

/* ---------------------------------------------------------------- geometry */

struct cursor {
    int64_t x, y;
};

static unsigned char *put_command(unsigned char *p, uint32_t id, uint32_t count)
{
    return pbf_put_varint(p, (id & 7) | ((uint64_t)count << 3));
}

static unsigned char *put_move(unsigned char *p, struct cursor *c, const double *xy)
{
    int64_t x = llround(xy[0]), y = llround(xy[1]);

    p = pbf_put_varint(p, pbf_zigzag32((int32_t)(x - c->x)));
    p = pbf_put_varint(p, pbf_zigzag32((int32_t)(y - c->y)));
    c->x = x;
    c->y = y;
    return p;
}

static int mvt_type(const struct geom *g)
{
    enum geom_type t = g->type > GEOM_POLYGON ? g->type - 3 : g->type;
    return (int)t; /* 1 point, 2 linestring, 3 polygon: MVT's numbering too */
}

/* The most bytes encode_geometry writes for g: ten per coordinate (a zigzag of 32 bits
 * takes five; ten is a varint's most) and three commands a ring. */
static size_t geometry_bound(const struct geom *g)
{
    return 20 * g->n_points + 30 * g->n_rings + 10;
}

static void encode_geometry(struct gbuf *b, const struct geom *g)
{
    struct cursor c = {0, 0};
    int type = mvt_type(g);
    size_t bound = geometry_bound(g), r, i;
    unsigned char *start = (unsigned char *)gbuf_room(b, bound), *p = start;

    if (!start) {
        gbuf_append(b, NULL, bound); /* records why (the cap, memory) in b's status */
        return;
    }
    if (type == 1) {
        p = put_command(p, 1, (uint32_t)g->n_points);
        for (i = 0; i < g->n_points; i++)
            p = put_move(p, &c, g->coords + 2 * i);
    } else {
        for (r = 0; r < g->n_rings; r++) {
            size_t first = g->rings[r], end = g->rings[r + 1];
            if (type == 3)
                end--; /* the closing point is implied by ClosePath */
            p = put_command(p, 1, 1);
            p = put_move(p, &c, g->coords + 2 * first);
            p = put_command(p, 2, (uint32_t)(end - first - 1));
            for (i = first + 1; i < end; i++)
                p = put_move(p, &c, g->coords + 2 * i);
            if (type == 3)
                p = put_command(p, 7, 1);
        }
    }
    gbuf_commit(b, (size_t)(p - start));
}

enum gis_status mvt_feature_add(struct mvt_layer *l,
                                bool has_id,
                                uint64_t id,
                                const struct geom *g,
                                const char *const *keys,
                                const struct mvt_value *values,
                                size_t n_attrs)
{
    struct gbuf *f = &l->f, *tags = &l->tags, *geometry = &l->geometry;
    enum gis_status rc = GIS_OK;
    uint32_t k = 0, v = 0;
    size_t i;

    gbuf_reset(f);
    gbuf_reset(tags);
    gbuf_reset(geometry);
    for (i = 0; i < n_attrs && rc == GIS_OK; i++) {
        if (values[i].type == MVT_STRING && !values[i].s)
            continue;
        rc = cached_key_index(l, keys, n_attrs, i, &k);
        if (rc == GIS_OK)
            rc = value_index(l, &values[i], &v);
        pbf_varint(tags, k);
        pbf_varint(tags, v);
    }
    encode_geometry(geometry, g);
    if (has_id) {
        pbf_tag(f, 1, PBF_VARINT);
        pbf_varint(f, id);
    }
    if (tags->len)
        pbf_bytes(f, 2, tags->data, tags->len);
    pbf_tag(f, 3, PBF_VARINT);
    pbf_varint(f, (uint64_t)mvt_type(g));
    pbf_bytes(f, 4, geometry->data ? geometry->data : "", geometry->len);
    pbf_bytes(&l->features, 2, f->data, f->len);
    if (rc == GIS_OK)
        rc = gbuf_status(geometry);
    if (rc == GIS_OK)
        rc = gbuf_status(f) ? gbuf_status(f) : gbuf_status(&l->features);
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
