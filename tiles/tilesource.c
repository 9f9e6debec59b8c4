/*
 * A layer prepared for tiling (see tilesource.h): Web Mercator copies, shared-border
 * vertex ranks, feature hashes and a packed Hilbert R-tree.
 */
#include "tilesource.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtree.h"
#include "tile.h"
#include "vertexrank.h"

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

/* A feature as sources hold it: shared, read-only once finished, by every source
 * tile_source_update derives from the one that made it, and freed with the last. */
struct node {
    atomic_uint refs;
    unsigned char *is_junction; /* per point of f.g (vertexrank_junctions) */
    struct tile_feature f;
};

struct tile_source {
    char **keys;
    size_t n_keys;
    struct node **f; /* ascending key */
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

static enum gis_status copy_keys(struct tile_source *s, const char *const *keys, size_t n_keys)
{
    size_t i;

    if (!(s->keys = calloc(n_keys ? n_keys : 1, sizeof *s->keys)))
        return GIS_ERR_NOMEM;
    s->n_keys = n_keys;
    for (i = 0; i < n_keys; i++)
        if (!(s->keys[i] = dup_str(keys[i])))
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

/* Drops a reference to a node (n_keys: its values'), freeing it with the last. */
static void node_release(struct node *nd, size_t n_keys)
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

void tile_source_free(struct tile_source *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++)
        node_release(s->f[i], s->n_keys);
    for (i = 0; s->keys && i < s->n_keys; i++)
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

/* Room for one more feature pointer. */
static enum gis_status reserve(struct tile_source *s, size_t n)
{
    size_t cap = s->cap ? s->cap : 64;
    struct node **q;

    if (n <= s->cap)
        return GIS_OK;
    while (cap < n)
        cap *= 2;
    q = realloc(s->f, cap * sizeof *q);
    if (!q)
        return GIS_ERR_NOMEM;
    s->f = q;
    s->cap = cap;
    return GIS_OK;
}

/* Room for a point's rank and junction flag (at least one byte each: g may be empty). */
static enum gis_status alloc_point_arrays(struct node *nd)
{
    size_t n = nd->f.g.n_points ? nd->f.g.n_points : 1;

    nd->f.rank = malloc(n * sizeof *nd->f.rank);
    nd->is_junction = calloc(n, 1);
    return nd->f.rank && nd->is_junction ? GIS_OK : GIS_ERR_NOMEM;
}

enum gis_status tile_source_add(struct tile_source *s,
                                int64_t key,
                                const char *id,
                                const struct geom *lonlat,
                                const struct mvt_value *values)
{
    struct tile_feature *f;
    struct node *nd;
    char *end;
    enum gis_status rc;

    if (s->n && key <= s->f[s->n - 1]->f.key)
        return GIS_ERR_INVALID_ARG;
    if (reserve(s, s->n + 1) != GIS_OK || !(nd = calloc(1, sizeof *nd)))
        return GIS_ERR_NOMEM;
    atomic_init(&nd->refs, 1);
    s->f[s->n++] = nd; /* freed with s from here on */
    f = &nd->f;
    geom_init(&f->g);
    f->key = key;
    f->num_id = strtoull(id, &end, 10);
    f->has_num_id = *id && !*end && id[0] != '-' && id[0] != '+' && id[0] != ' ';
    if (!(f->id = dup_str(id)))
        return GIS_ERR_NOMEM;
    rc = project_geom(lonlat, &f->g);
    if (rc == GIS_OK)
        rc = copy_values(&f->values, values, s->n_keys);
    if (rc == GIS_OK)
        rc = alloc_point_arrays(nd);
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
static enum gis_status rank_nodes(struct node *const *nd, size_t n, bool is_whole, size_t n_keys)
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
    enum gis_status rc = rank_nodes(s->f, s->n, true, s->n_keys);

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

/* ------------------------------------------------------------------ update */

/* A set of points compared bit for bit, as vertexrank_junctions compares them: open
 * addressing over their bit patterns. */
struct point_set {
    uint64_t (*xy)[2];
    unsigned char *is_used;
    size_t mask;
};

static size_t point_slot(const struct point_set *ps, const double *p, uint64_t bits[2])
{
    size_t i;

    memcpy(bits, p, 2 * sizeof(double));
    i = (size_t)hash_mix64(bits[0] ^ hash_mix64(bits[1])) & ps->mask;
    while (ps->is_used[i] && (ps->xy[i][0] != bits[0] || ps->xy[i][1] != bits[1]))
        i = (i + 1) & ps->mask;
    return i;
}

/* Room for n points. */
static enum gis_status point_set_init(struct point_set *ps, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    ps->xy = malloc(cap * sizeof *ps->xy);
    ps->is_used = calloc(cap, 1);
    ps->mask = cap - 1;
    return ps->xy && ps->is_used ? GIS_OK : GIS_ERR_NOMEM;
}

static void point_set_add(struct point_set *ps, const double *p)
{
    uint64_t bits[2];
    size_t i = point_slot(ps, p, bits);

    ps->is_used[i] = 1;
    memcpy(ps->xy[i], bits, sizeof bits);
}

static bool point_set_has(const struct point_set *ps, const double *p)
{
    uint64_t bits[2];

    return ps->is_used[point_slot(ps, p, bits)] != 0;
}

static void point_set_free(struct point_set *ps)
{
    free(ps->xy);
    free(ps->is_used);
}

static bool has_vertices(const struct tile_feature *f)
{
    return f->g.n_points && f->g.type != GEOM_POINT && f->g.type != GEOM_MULTIPOINT;
}

/* The index of the feature keyed key in s, or (size_t)-1. */
static size_t find_key(const struct tile_source *s, int64_t key)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->f[mid]->f.key == key)
            return mid;
        if (s->f[mid]->f.key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

static void box_grow(double *b, const double *o)
{
    b[0] = fmin(b[0], o[0]);
    b[1] = fmin(b[1], o[1]);
    b[2] = fmax(b[2], o[2]);
    b[3] = fmax(b[3], o[3]);
}

/* One tile_source_update: what goes, the points it moves, the features sharing them. */
struct update {
    const struct tile_source *old;
    struct tile_source *add;
    unsigned char *is_gone; /* per feature of old: dropped or replaced */
    struct point_set moved; /* the vertices of what goes and of what comes */
    double region[4];       /* their box */
    size_t *near, n_near;   /* old features (not gone) with a vertex in moved, ascending */
    struct node **redone;   /* per near feature: its copy with new ranks, or NULL */
};

static enum gis_status mark_gone(struct update *u, const int64_t *drop, size_t n_drop)
{
    size_t i, k, n_points = 0;

    u->is_gone = calloc(u->old->n ? u->old->n : 1, 1);
    if (!u->is_gone)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n_drop + u->add->n; i++) {
        k = find_key(u->old, i < n_drop ? drop[i] : u->add->f[i - n_drop]->f.key);
        if (k != (size_t)-1)
            u->is_gone[k] = 1;
    }
    for (i = 0; i < u->old->n; i++)
        n_points += u->is_gone[i] ? u->old->f[i]->f.g.n_points : 0;
    for (i = 0; i < u->add->n; i++)
        n_points += u->add->f[i]->f.g.n_points;
    return point_set_init(&u->moved, n_points);
}

static void collect_moved(struct update *u, const struct tile_feature *f)
{
    size_t k;

    if (!has_vertices(f))
        return;
    for (k = 0; k < f->g.n_points; k++)
        point_set_add(&u->moved, f->g.coords + 2 * k);
    box_grow(u->region, f->bbox);
}

static bool meets_moved(const struct update *u, const struct tile_feature *f)
{
    size_t k;

    for (k = 0; has_vertices(f) && k < f->g.n_points; k++)
        if (point_set_has(&u->moved, f->g.coords + 2 * k))
            return true;
    return false;
}

/* The features of old, not gone, sharing a vertex with what goes or comes: the only
 * ones whose junctions (and so ranks) can change. */
static enum gis_status find_near(struct update *u)
{
    size_t i, n, cap = 0;

    memcpy(u->region, EMPTY_BOX, sizeof EMPTY_BOX);
    for (i = 0; i < u->old->n; i++)
        if (u->is_gone[i])
            collect_moved(u, &u->old->f[i]->f);
    for (i = 0; i < u->add->n; i++)
        collect_moved(u, &u->add->f[i]->f);
    if (!(u->region[0] <= u->region[2]))
        return GIS_OK; /* nothing with vertices moves */
    n = tile_source_query(u->old, u->region, &u->near, &cap);
    if (n == (size_t)-1)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n; i++)
        if (!u->is_gone[u->near[i]] && meets_moved(u, &u->old->f[u->near[i]]->f))
            u->near[u->n_near++] = u->near[i];
    u->redone = calloc(u->n_near ? u->n_near : 1, sizeof *u->redone);
    return u->redone ? GIS_OK : GIS_ERR_NOMEM;
}

/* A copy of g (already projected: every point kept). */
static enum gis_status copy_geom(const struct geom *in, struct geom *out)
{
    size_t p, r, i;
    enum gis_status rc = GIS_OK;

    out->type = in->type;
    for (p = 0; p < in->n_parts && rc == GIS_OK; p++) {
        rc = geom_start_part(out);
        for (r = in->parts[p]; r < in->parts[p + 1] && rc == GIS_OK; r++) {
            rc = geom_start_ring(out);
            for (i = in->rings[r]; i < in->rings[r + 1] && rc == GIS_OK; i++)
                rc = geom_add_point(out, in->coords[2 * i], in->coords[2 * i + 1]);
        }
    }
    geom_finish(out);
    return rc;
}

/* A new node showing what src shows, with the junction flags is_junction (taken). */
static enum gis_status
node_redo(const struct node *src, size_t n_keys, unsigned char *is_junction, struct node **out)
{
    struct node *nd = calloc(1, sizeof *nd);
    enum gis_status rc;

    if (!nd) {
        free(is_junction);
        return GIS_ERR_NOMEM;
    }
    atomic_init(&nd->refs, 1);
    nd->f = src->f;
    nd->f.values = NULL;
    nd->f.rank = NULL;
    nd->is_junction = is_junction;
    geom_init(&nd->f.g);
    nd->f.id = dup_str(src->f.id);
    rc = nd->f.id ? copy_geom(&src->f.g, &nd->f.g) : GIS_ERR_NOMEM;
    if (rc == GIS_OK)
        rc = copy_values(&nd->f.values, src->f.values, n_keys);
    if (rc == GIS_OK &&
        !(nd->f.rank = malloc((nd->f.g.n_points ? nd->f.g.n_points : 1) * sizeof *nd->f.rank)))
        rc = GIS_ERR_NOMEM;
    if (rc != GIS_OK) {
        node_release(nd, n_keys);
        return rc;
    }
    *out = nd;
    return GIS_OK;
}

/* The flags of near feature nd found over the near and added features (local) made
 * the layer's: those of the moved vertices are right (each ring and line through one is
 * among them), the others' are kept from before (nothing through them changed). */
static bool merge_flags(const struct update *u, const struct node *nd, unsigned char *local)
{
    size_t k;

    for (k = 0; k < nd->f.g.n_points; k++)
        if (!point_set_has(&u->moved, nd->f.g.coords + 2 * k))
            local[k] = nd->is_junction[k];
    return memcmp(local, nd->is_junction, nd->f.g.n_points) != 0;
}

/* The junctions over the near features (into flags of their own) and those added (into
 * theirs), g and flags having room for both. */
static enum gis_status
junctions_near(const struct update *u, const struct geom **g, unsigned char **flags)
{
    size_t n = u->n_near + u->add->n, i;

    for (i = 0; i < n; i++) {
        struct node *nd = i < u->n_near ? u->old->f[u->near[i]] : u->add->f[i - u->n_near];
        g[i] = &nd->f.g;
        flags[i] = i < u->n_near ? malloc(nd->f.g.n_points) : nd->is_junction;
        if (!flags[i])
            return GIS_ERR_NOMEM;
    }
    return vertexrank_junctions(g, flags, n);
}

/* The junctions of the near features and of those added, found over them alone; a near
 * feature whose flags so change is redone. */
static enum gis_status reflag(struct update *u)
{
    size_t n = u->n_near + u->add->n, i;
    const struct geom **g = malloc((n ? n : 1) * sizeof *g);
    unsigned char **flags = calloc(n ? n : 1, sizeof *flags);
    enum gis_status rc = g && flags ? junctions_near(u, g, flags) : GIS_ERR_NOMEM;

    for (i = 0; i < u->n_near && rc == GIS_OK; i++) {
        const struct node *nd = u->old->f[u->near[i]];
        if (!merge_flags(u, nd, flags[i]))
            continue; /* its ranks stay */
        rc = node_redo(nd, u->old->n_keys, flags[i], &u->redone[i]);
        flags[i] = NULL; /* taken, or freed by node_redo */
    }
    for (i = 0; flags && i < u->n_near; i++)
        free(flags[i]);
    free(g);
    free(flags);
    return rc;
}

/* Ranks and hashes what is added and what was redone. */
static enum gis_status rank_changed(struct update *u)
{
    struct node **nd = malloc((u->n_near + u->add->n + 1) * sizeof *nd);
    size_t i, n = 0;
    enum gis_status rc;

    if (!nd)
        return GIS_ERR_NOMEM;
    for (i = 0; i < u->n_near; i++)
        if (u->redone[i])
            nd[n++] = u->redone[i];
    for (i = 0; i < u->add->n; i++)
        nd[n++] = u->add->f[i];
    rc = rank_nodes(nd, n, false, u->old->n_keys);
    free(nd);
    return rc;
}

/* Whether added feature a replaces one of old showing the same (no tile changes). */
static bool is_same_as_old(const struct update *u, const struct tile_feature *a)
{
    size_t k = find_key(u->old, a->key);

    return k != (size_t)-1 && u->old->f[k]->f.hash == a->hash;
}

/* Calls dirty with the box of everything shown differently: what goes, what comes
 * (but for a feature replaced by the same), what was redone with other ranks. */
static void
report_dirty(const struct update *u, void (*dirty)(void *ctx, const double box[4]), void *ctx)
{
    size_t i;

    for (i = 0; i < u->add->n; i++) {
        const struct tile_feature *a = &u->add->f[i]->f;
        if (a->g.n_points && !is_same_as_old(u, a))
            dirty(ctx, a->bbox);
    }
    for (i = 0; i < u->old->n; i++) {
        const struct tile_feature *f = &u->old->f[i]->f;
        size_t k = u->is_gone[i] ? find_key(u->add, f->key) : (size_t)-1;
        if (u->is_gone[i] && f->g.n_points && (k == (size_t)-1 || u->add->f[k]->f.hash != f->hash))
            dirty(ctx, f->bbox);
    }
    for (i = 0; i < u->n_near; i++)
        if (u->redone[i] && u->redone[i]->f.hash != u->old->f[u->near[i]]->f.hash)
            dirty(ctx, u->redone[i]->f.bbox);
}

/* The new feature list: old's in order without what is gone, each near one redone
 * taken in its place, and the added ones moved in at their keys' places. */
static enum gis_status assemble(struct update *u, struct tile_source *out)
{
    size_t i = 0, j = 0, near = 0, n = u->old->n + u->add->n;

    if (reserve(out, n ? n : 1) != GIS_OK)
        return GIS_ERR_NOMEM;
    while (i < u->old->n || j < u->add->n) {
        bool is_added =
            i == u->old->n || (j < u->add->n && u->add->f[j]->f.key < u->old->f[i]->f.key);
        struct node *nd;
        if (is_added) {
            out->f[out->n++] = u->add->f[j];
            u->add->f[j++] = NULL; /* moved */
            continue;
        }
        nd = u->old->f[i];
        if (near < u->n_near && u->near[near] == i && u->redone[near]) {
            nd = u->redone[near];
            u->redone[near] = NULL; /* moved */
        } else if (!u->is_gone[i]) {
            atomic_fetch_add(&nd->refs, 1);
        } else {
            nd = NULL;
        }
        near += near < u->n_near && u->near[near] == i;
        if (nd)
            out->f[out->n++] = nd;
        i++;
    }
    u->add->n = 0; /* every one moved */
    return GIS_OK;
}

enum gis_status tile_source_update(const struct tile_source *old,
                                   const int64_t *drop,
                                   size_t n_drop,
                                   struct tile_source *add,
                                   void (*dirty)(void *ctx, const double box[4]),
                                   void *ctx,
                                   struct tile_source **out)
{
    struct update u = {old, add, NULL, {0}, {0}, NULL, 0, NULL};
    struct tile_source *s = NULL;
    enum gis_status rc = same_keys(old, add) ? GIS_OK : GIS_ERR_INVALID_ARG;
    size_t i;

    if (rc == GIS_OK)
        rc = mark_gone(&u, drop, n_drop);
    if (rc == GIS_OK)
        rc = find_near(&u);
    if (rc == GIS_OK)
        rc = reflag(&u);
    if (rc == GIS_OK)
        rc = rank_changed(&u);
    if (rc == GIS_OK)
        rc = tile_source_new((const char *const *)old->keys, old->n_keys, &s);
    if (rc == GIS_OK) {
        report_dirty(&u, dirty, ctx);
        rc = assemble(&u, s);
    }
    if (rc == GIS_OK)
        rc = build_index(s);
    for (i = 0; u.redone && i < u.n_near; i++)
        node_release(u.redone[i], old->n_keys);
    free(u.redone);
    free(u.near);
    free(u.is_gone);
    point_set_free(&u.moved);
    tile_source_free(add);
    if (rc != GIS_OK) {
        tile_source_free(s);
        return rc;
    }
    *out = s;
    return GIS_OK;
}
