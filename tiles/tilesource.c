/*
 * A layer prepared for tiling (see tilesource.h): Web Mercator copies, shared-border
 * vertex ranks, feature hashes and a packed Hilbert R-tree.
 */
#include "tilesource.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtree.h"
#include "tile.h"
#include "vertexrank.h"

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

struct tile_source {
    char **keys;
    size_t n_keys;
    struct tile_feature *f;
    size_t n, cap;
    struct rtree *index; /* over the features' boxes */
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

enum gis_status tile_source_new(const char *const *keys, size_t n_keys, struct tile_source **out)
{
    struct tile_source *s = calloc(1, sizeof *s);
    size_t i;

    *out = NULL;
    if (!s || !(s->keys = calloc(n_keys ? n_keys : 1, sizeof *s->keys))) {
        free(s);
        return GIS_ERR_NOMEM;
    }
    s->n_keys = n_keys;
    for (i = 0; i < n_keys; i++) {
        if (!(s->keys[i] = dup_str(keys[i]))) {
            tile_source_free(s);
            return GIS_ERR_NOMEM;
        }
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

void tile_source_free(struct tile_source *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++) {
        free((char *)s->f[i].id);
        geom_free(&s->f[i].g);
        free(s->f[i].rank);
        free_values(s->f[i].values, s->n_keys);
    }
    for (i = 0; i < s->n_keys; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->f);
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

static enum gis_status copy_values(struct mvt_value **out, const struct mvt_value *in, size_t n)
{
    size_t i;

    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        (*out)[i] = in[i];
        if (in[i].type == MVT_STRING && in[i].s && !((*out)[i].s = dup_str(in[i].s)))
            return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

enum gis_status tile_source_add(struct tile_source *s,
                                const char *id,
                                const struct geom *lonlat,
                                const struct mvt_value *values)
{
    struct tile_feature *f;
    char *end;
    enum gis_status rc;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct tile_feature *q = realloc(s->f, cap * sizeof *q);
        if (!q)
            return GIS_ERR_NOMEM;
        s->f = q;
        s->cap = cap;
    }
    f = &s->f[s->n++];
    memset(f, 0, sizeof *f);
    geom_init(&f->g);
    f->num_id = strtoull(id, &end, 10);
    f->has_num_id = *id && !*end && id[0] != '-' && id[0] != '+' && id[0] != ' ';
    if (!(f->id = dup_str(id)))
        return GIS_ERR_NOMEM;
    rc = project_geom(lonlat, &f->g);
    if (rc == GIS_OK)
        rc = copy_values(&f->values, values, s->n_keys);
    if (rc == GIS_OK && !(f->rank = malloc((f->g.n_points ? f->g.n_points : 1) * sizeof *f->rank)))
        rc = GIS_ERR_NOMEM;
    if (rc == GIS_OK && f->g.n_points)
        geom_bbox(&f->g, f->bbox);
    else
        memcpy(f->bbox, EMPTY_BOX, sizeof EMPTY_BOX);
    return rc;
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
    return &s->f[i];
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

enum gis_status tile_source_finish(struct tile_source *s)
{
    const struct geom **g = malloc((s->n ? s->n : 1) * sizeof *g);
    double **rank = malloc((s->n ? s->n : 1) * sizeof *rank);
    double *boxes = malloc((s->n ? s->n : 1) * 4 * sizeof *boxes);
    enum gis_status rc = g && rank && boxes ? GIS_OK : GIS_ERR_NOMEM;
    size_t i;

    for (i = 0; i < s->n && rc == GIS_OK; i++) {
        g[i] = &s->f[i].g;
        rank[i] = s->f[i].rank;
        memcpy(boxes + 4 * i, s->f[i].bbox, sizeof s->f[i].bbox);
    }
    if (rc == GIS_OK)
        rc = vertexrank_compute(g, rank, s->n);
    for (i = 0; i < s->n && rc == GIS_OK; i++)
        s->f[i].hash = feature_hash(&s->f[i], s->n_keys);
    if (rc == GIS_OK)
        rc = rtree_build(boxes, s->n, &s->index);
    free(g);
    free(rank);
    free(boxes);
    return rc;
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
        v[i] = (struct id_ix){s->f[i].id, i};
    qsort(v, s->n, sizeof *v, cmp_id);
    for (i = 0; i < s->n; i++)
        out[i] = v[i].i;
    free(v);
    return out;
}

static bool same_keys(const struct tile_source *a, const struct tile_source *b)
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

    if (!same_keys(old_src, new_src)) {
        dirty(ctx, world);
        return GIS_OK;
    }
    a = by_id(old_src);
    b = by_id(new_src);
    is_ok = a && b;
    while (is_ok && (i < old_src->n || j < new_src->n)) {
        const struct tile_feature *fa = i < old_src->n ? &old_src->f[a[i]] : NULL;
        const struct tile_feature *fb = j < new_src->n ? &new_src->f[b[j]] : NULL;
        int d = !fa ? 1 : !fb ? -1 : strcmp(fa->id, fb->id);
        diff_step(fa, fb, d, dirty, ctx);
        i += d <= 0;
        j += d >= 0;
    }
    free(a);
    free(b);
    return is_ok ? GIS_OK : GIS_ERR_NOMEM;
}
