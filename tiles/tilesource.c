/*
 * A layer prepared for tiling (see tilesource.h): Web Mercator copies, shared-border
 * vertex ranks, feature hashes and a packed Hilbert R-tree, held as tilesource_int.h
 * says; tile_source_update lives in tilesource_update.c.
 */
#include "tilesource.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtree.h"
#include "tile.h"
#include "tilesource_int.h"
#include "vertexrank.h"

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

char *tilesource__dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

static enum gis_status copy_keys(struct tile_source *s, const char *const *keys, size_t n_keys)
{
    size_t i;

    if (!(s->keys = calloc(n_keys ? n_keys : 1, sizeof *s->keys)))
        return GIS_ERR_NOMEM;
    s->n_keys = n_keys;
    for (i = 0; i < n_keys; i++)
        if (!(s->keys[i] = tilesource__dup_str(keys[i])))
            return GIS_ERR_NOMEM;
    return GIS_OK;
}

enum gis_status tile_source_new(const char *const *keys, size_t n_keys, struct tile_source **out)
{
    struct tile_source *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s)
        return GIS_ERR_NOMEM;
    if (copy_keys(s, keys, n_keys) != GIS_OK) {
        tile_source_free(s);
        return GIS_ERR_NOMEM;
    }
    *out = s;
    return GIS_OK;
}

static void free_values(struct mvt_value *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (v[i].type == MVT_STRING)
            free((char *)v[i].s);
    free(v);
}

void tilesource__node_release(struct node *nd, size_t n_keys)
{
    if (!nd || atomic_fetch_sub(&nd->refs, 1) != 1)
        return;
    free((char *)nd->f.id);
    geom_free(&nd->f.g);
    free(nd->f.rank);
    free(nd->is_junction);
    free_values(nd->f.values, n_keys);
    free(nd);
}

static void chunk_release(struct chunk *c, size_t n_keys)
{
    size_t i;

    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    for (i = 0; i < c->n; i++)
        tilesource__node_release(c->nd[i], n_keys);
    free(c);
}

void tile_source_free(struct tile_source *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n_chunks; i++)
        chunk_release(s->chunks[i], s->n_keys);
    for (i = 0; s->keys && i < s->n_keys; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->chunks);
    free(s->f);
    free(s->key);
    rtree_free(s->index);
    free(s);
}

/* in projected to 3857 into out (same parts and rings, without the points that do not
 * project: NaN, infinite). */
static enum gis_status project_geom(const struct geom *in, struct geom *out)
{
    size_t p, r, i;
    enum gis_status rc = GIS_OK;

    out->type = in->type;
    for (p = 0; p < in->n_parts && rc == GIS_OK; p++) {
        rc = geom_start_part(out);
        for (r = in->parts[p]; r < in->parts[p + 1] && rc == GIS_OK; r++) {
            rc = geom_start_ring(out);
            for (i = in->rings[r]; i < in->rings[r + 1] && rc == GIS_OK; i++) {
                double x, y;
                tile_lonlat_to_3857(in->coords[2 * i], in->coords[2 * i + 1], &x, &y);
                if (isfinite(x) && isfinite(y)) /* else it projects to nothing: left out */
                    rc = geom_add_point(out, x, y);
            }
        }
    }
    geom_finish(out);
    return rc;
}

enum gis_status
tilesource__copy_values(struct mvt_value **out, const struct mvt_value *in, size_t n)
{
    size_t i;

    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        (*out)[i] = in[i];
        if (in[i].type == MVT_STRING && in[i].s && !((*out)[i].s = tilesource__dup_str(in[i].s)))
            return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

enum gis_status tilesource__reserve(struct tile_source *s, size_t n)
{
    size_t cap = s->cap ? s->cap : 64;
    struct node **f;
    int64_t *key;

    if (n <= s->cap)
        return GIS_OK;
    while (cap < n)
        cap *= 2;
    f = realloc(s->f, cap * sizeof *f);
    if (f)
        s->f = f;
    key = f ? realloc(s->key, cap * sizeof *key) : NULL;
    if (!key)
        return GIS_ERR_NOMEM;
    s->key = key;
    s->cap = cap;
    return GIS_OK;
}

enum gis_status tilesource__push_chunk(struct tile_source *s, struct chunk *c)
{
    if (s->n_chunks == s->cap_chunks) {
        size_t cap = s->cap_chunks ? s->cap_chunks * 2 : 16;
        struct chunk **q = realloc(s->chunks, cap * sizeof *q);
        if (!q)
            return GIS_ERR_NOMEM;
        s->chunks = q;
        s->cap_chunks = cap;
    }
    s->chunks[s->n_chunks++] = c;
    return GIS_OK;
}

/* The chunk the next feature added goes into: the last, or a new one when it is full. */
static struct chunk *last_chunk(struct tile_source *s)
{
    struct chunk *c = s->n_chunks ? s->chunks[s->n_chunks - 1] : NULL;

    if (c && c->n < TILESOURCE_CHUNK)
        return c;
    if (!(c = calloc(1, sizeof *c)))
        return NULL;
    atomic_init(&c->refs, 1);
    if (tilesource__push_chunk(s, c) != GIS_OK) {
        free(c);
        return NULL;
    }
    return c;
}

/* Room for a point's rank and junction flag (at least one byte each: g may be empty). */
static enum gis_status alloc_point_arrays(struct node *nd)
{
    size_t n = nd->f.g.n_points ? nd->f.g.n_points : 1;

    nd->f.rank = malloc(n * sizeof *nd->f.rank);
    nd->is_junction = calloc(n, 1);
    return nd->f.rank && nd->is_junction ? GIS_OK : GIS_ERR_NOMEM;
}

/* The feature's fields from its key, id, geometry and values. */
static enum gis_status fill_feature(struct node *nd,
                                    size_t n_keys,
                                    int64_t key,
                                    const char *id,
                                    const struct geom *lonlat,
                                    const struct mvt_value *values)
{
    struct tile_feature *f = &nd->f;
    char *end;
    enum gis_status rc;

    f->key = key;
    f->num_id = strtoull(id, &end, 10);
    f->has_num_id = *id && !*end && id[0] != '-' && id[0] != '+' && id[0] != ' ';
    if (!(f->id = tilesource__dup_str(id)))
        return GIS_ERR_NOMEM;
    rc = project_geom(lonlat, &f->g);
    if (rc == GIS_OK)
        rc = tilesource__copy_values(&f->values, values, n_keys);
    if (rc == GIS_OK)
        rc = alloc_point_arrays(nd);
    if (rc == GIS_OK && f->g.n_points)
        geom_bbox(&f->g, f->bbox);
    else
        memcpy(f->bbox, EMPTY_BOX, sizeof EMPTY_BOX);
    return rc;
}

enum gis_status tile_source_add(struct tile_source *s,
                                int64_t key,
                                const char *id,
                                const struct geom *lonlat,
                                const struct mvt_value *values)
{
    struct chunk *c;
    struct node *nd;

    if (s->n && key <= s->key[s->n - 1])
        return GIS_ERR_INVALID_ARG;
    if (tilesource__reserve(s, s->n + 1) != GIS_OK || !(c = last_chunk(s)) ||
        !(nd = calloc(1, sizeof *nd)))
        return GIS_ERR_NOMEM;
    atomic_init(&nd->refs, 1);
    geom_init(&nd->f.g);
    c->nd[c->n++] = nd; /* freed with s from here on */
    s->f[s->n] = nd;
    s->key[s->n++] = key;
    return fill_feature(nd, s->n_keys, key, id, lonlat, values);
}

size_t tile_source_keys(const struct tile_source *s, const char *const **out)
{
    *out = (const char *const *)s->keys;
    return s->n_keys;
}

size_t tile_source_count(const struct tile_source *s)
{
    return s->n;
}

const struct tile_feature *tile_source_feature(const struct tile_source *s, size_t i)
{
    return &s->f[i]->f;
}

/* ------------------------------------------------------------------ hashes */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t i;

    if (n == 0) /* p may be NULL (an empty geometry's coordinates) */
        return h;
    for (i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, c + i, 8);
        h = hash_mix64(h ^ w);
    }
    return hash_fnv1a(h, c + i, n - i);
}

static uint64_t hash_value(uint64_t h, const struct mvt_value *v)
{
    h = hash_bytes(h, &v->type, sizeof v->type);
    switch (v->type) {
    case MVT_STRING:
        return v->s ? hash_bytes(h, v->s, strlen(v->s) + 1) : hash_bytes(h, "", 0) + 1;
    case MVT_INT:
        return hash_bytes(h, &v->i, sizeof v->i);
    case MVT_DOUBLE:
        return hash_bytes(h, &v->d, sizeof v->d);
    default:
        return hash_bytes(h, &v->b, sizeof v->b);
    }
}

static uint64_t feature_hash(const struct tile_feature *f, size_t n_keys)
{
    uint64_t h = hash_bytes(HASH_FNV_OFFSET, f->id, strlen(f->id) + 1);
    size_t i;

    h = hash_bytes(h, &f->g.type, sizeof f->g.type);
    h = hash_bytes(h, f->g.coords, 2 * f->g.n_points * sizeof(double));
    h = hash_bytes(h, f->rank, f->g.n_points * sizeof(double));
    h = hash_bytes(h, f->g.rings, (f->g.n_rings + 1) * sizeof(size_t));
    h = hash_bytes(h, f->g.parts, (f->g.n_parts + 1) * sizeof(size_t));
    for (i = 0; i < n_keys; i++)
        h = hash_value(h, &f->values[i]);
    return h;
}

/* ------------------------------------------------------------------ finish */

/* Ranks and hashes the n nodes nd[i] from their junction flags, found first over the
 * nodes themselves when is_whole (they are a whole layer). */
enum gis_status
tilesource__rank_nodes(struct node *const *nd, size_t n, bool is_whole, size_t n_keys)
{
    const struct geom **g = malloc((n ? n : 1) * sizeof *g);
    unsigned char **flags = malloc((n ? n : 1) * sizeof *flags);
    double **rank = malloc((n ? n : 1) * sizeof *rank);
    enum gis_status rc = g && flags && rank ? GIS_OK : GIS_ERR_NOMEM;
    size_t i;

    for (i = 0; i < n && rc == GIS_OK; i++) {
        g[i] = &nd[i]->f.g;
        flags[i] = nd[i]->is_junction;
        rank[i] = nd[i]->f.rank;
    }
    if (rc == GIS_OK && is_whole)
        rc = vertexrank_junctions(g, flags, n);
    if (rc == GIS_OK)
        rc = vertexrank_rank(g, (const unsigned char *const *)flags, rank, n);
    for (i = 0; i < n && rc == GIS_OK; i++)
        nd[i]->f.hash = feature_hash(&nd[i]->f, n_keys);
    free(g);
    free(flags);
    free(rank);
    return rc;
}

/* The index over the features' boxes, replacing any. */
static enum gis_status build_index(struct tile_source *s)
{
    double *boxes = malloc((s->n ? s->n : 1) * 4 * sizeof *boxes);
    enum gis_status rc = boxes ? GIS_OK : GIS_ERR_NOMEM;
    size_t i;

    for (i = 0; i < s->n && rc == GIS_OK; i++)
        memcpy(boxes + 4 * i, s->f[i]->f.bbox, sizeof s->f[i]->f.bbox);
    rtree_free(s->index);
    s->index = NULL;
    if (rc == GIS_OK)
        rc = rtree_build(boxes, s->n, &s->index);
    free(boxes);
    return rc;
}

enum gis_status tile_source_finish(struct tile_source *s)
{
    enum gis_status rc = tilesource__rank_nodes(s->f, s->n, true, s->n_keys);

    return rc == GIS_OK ? build_index(s) : rc;
}

size_t
tile_source_query(const struct tile_source *s, const double box[4], size_t **hits, size_t *cap)
{
    return s->index ? rtree_query(s->index, box, hits, cap) : 0;
}

/* ------------------------------------------------------------------ diff */

struct id_ix {
    const char *id;
    size_t i;
};

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const struct id_ix *)a)->id, ((const struct id_ix *)b)->id);
}

/* The features' indexes sorted by id. */
static size_t *by_id(const struct tile_source *s)
{
    struct id_ix *v = malloc((s->n ? s->n : 1) * sizeof *v);
    size_t *out = malloc((s->n ? s->n : 1) * sizeof *out), i;

    if (!v || !out) {
        free(v);
        free(out);
        return NULL;
    }
    for (i = 0; i < s->n; i++)
        v[i] = (struct id_ix){s->f[i]->f.id, i};
    qsort(v, s->n, sizeof *v, cmp_id);
    for (i = 0; i < s->n; i++)
        out[i] = v[i].i;
    free(v);
    return out;
}

bool tilesource__same_keys(const struct tile_source *a, const struct tile_source *b)
{
    size_t i;

    if (a->n_keys != b->n_keys)
        return false;
    for (i = 0; i < a->n_keys; i++)
        if (strcmp(a->keys[i], b->keys[i]))
            return false;
    return true;
}

/* One step of the merge by id: fa and fb (either may be NULL) compared. */
static void diff_step(const struct tile_feature *fa,
                      const struct tile_feature *fb,
                      int d,
                      void (*dirty)(void *ctx, const double box[4]),
                      void *ctx)
{
    if (d == 0 && fa->hash == fb->hash)
        return;
    if (d <= 0 && fa->g.n_points)
        dirty(ctx, fa->bbox);
    if (d >= 0 && fb->g.n_points)
        dirty(ctx, fb->bbox);
}

enum gis_status tile_source_diff(const struct tile_source *old_src,
                                 const struct tile_source *new_src,
                                 void (*dirty)(void *ctx, const double box[4]),
                                 void *ctx)
{
    static const double world[4] = {-TILE_WEBMERC_HALF, -TILE_WEBMERC_HALF, TILE_WEBMERC_HALF,
                                    TILE_WEBMERC_HALF};
    size_t *a, *b, i = 0, j = 0;
    bool is_ok;

    if (!tilesource__same_keys(old_src, new_src)) {
        dirty(ctx, world);
        return GIS_OK;
    }
    a = by_id(old_src);
    b = by_id(new_src);
    is_ok = a && b;
    while (is_ok && (i < old_src->n || j < new_src->n)) {
        const struct tile_feature *fa = i < old_src->n ? &old_src->f[a[i]]->f : NULL;
        const struct tile_feature *fb = j < new_src->n ? &new_src->f[b[j]]->f : NULL;
        int d = !fa ? 1 : !fb ? -1 : strcmp(fa->id, fb->id);
        diff_step(fa, fb, d, dirty, ctx);
        i += d <= 0;
        j += d >= 0;
    }
    free(a);
    free(b);
    return is_ok ? GIS_OK : GIS_ERR_NOMEM;
}
