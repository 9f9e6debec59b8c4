/*
 * tile_source_update (see tilesource.h): a source derived from another after a change.
 * What goes and what comes moves some vertices; only the features sharing one can see a
 * junction come or go, so only they, found through the old index, have their junctions
 * found again (over themselves and what comes: every ring through a moved vertex is
 * among them) and, where those change, their ranks. The chunks nothing touched are
 * shared with the old source, the index is derived from the old one (rtree_update).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtree.h"
#include "tilesource.h"
#include "tilesource_int.h"
#include "vertexrank.h"

#define NO_INDEX ((size_t)-1)

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

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

/* The index of the feature keyed key in s, or NO_INDEX. */
static size_t find_key(const struct tile_source *s, int64_t key)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->key[mid] == key)
            return mid;
        if (s->key[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_INDEX;
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
        k = find_key(u->old, i < n_drop ? drop[i] : u->add->key[i - n_drop]);
        if (k != NO_INDEX)
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
    if (n == NO_INDEX)
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
    nd->f.id = tilesource__dup_str(src->f.id);
    rc = nd->f.id ? copy_geom(&src->f.g, &nd->f.g) : GIS_ERR_NOMEM;
    if (rc == GIS_OK)
        rc = tilesource__copy_values(&nd->f.values, src->f.values, n_keys);
    if (rc == GIS_OK &&
        !(nd->f.rank = malloc((nd->f.g.n_points ? nd->f.g.n_points : 1) * sizeof *nd->f.rank)))
        rc = GIS_ERR_NOMEM;
    if (rc != GIS_OK) {
        tilesource__node_release(nd, n_keys);
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
    rc = tilesource__rank_nodes(nd, n, false, u->old->n_keys);
    free(nd);
    return rc;
}

/* Whether added feature a replaces one of old showing the same (no tile changes). */
static bool is_same_as_old(const struct update *u, const struct tile_feature *a)
{
    size_t k = find_key(u->old, a->key);

    return k != NO_INDEX && u->old->f[k]->f.hash == a->hash;
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
        const struct tile_feature *f;
        size_t k;
        if (!u->is_gone[i])
            continue;
        f = &u->old->f[i]->f;
        k = find_key(u->add, f->key);
        if (f->g.n_points && (k == NO_INDEX || u->add->f[k]->f.hash != f->hash))
            dirty(ctx, f->bbox);
    }
    for (i = 0; i < u->n_near; i++)
        if (u->redone[i] && u->redone[i]->f.hash != u->old->f[u->near[i]]->f.hash)
            dirty(ctx, u->redone[i]->f.bbox);
}

/* ------------------------------------------------------------------ assembly */

/* The new source being put together: features placed in key order into chunks of its
 * own (open: the last one, while it has room) or chunks shared whole with the old. */
struct assembly {
    struct update *u;
    struct tile_source *out;
    struct chunk *open;
    size_t *old_to_new; /* per old feature: its index in out, or NO_INDEX */
    size_t *fresh;      /* out's features not from old's index: added */
    double *fresh_boxes;
    size_t n_fresh;
    size_t near_at; /* the first near feature not yet passed */
};

/* Appends nd (a reference taken) to out in a chunk of out's own. */
static enum gis_status place(struct assembly *a, struct node *nd)
{
    struct tile_source *s = a->out;

    if (!a->open || a->open->n == TILESOURCE_CHUNK) {
        struct chunk *c = calloc(1, sizeof *c);
        if (!c)
            return GIS_ERR_NOMEM;
        atomic_init(&c->refs, 1);
        if (tilesource__push_chunk(s, c) != GIS_OK) {
            free(c);
            return GIS_ERR_NOMEM;
        }
        a->open = c;
    }
    atomic_fetch_add(&nd->refs, 1);
    a->open->nd[a->open->n++] = nd;
    s->f[s->n] = nd;
    s->key[s->n++] = nd->f.key;
    return GIS_OK;
}

/* Old chunk c (old features from..from+c->n-1) shared whole. */
static enum gis_status share(struct assembly *a, struct chunk *c, size_t from)
{
    struct tile_source *s = a->out;
    size_t k;

    if (tilesource__push_chunk(s, c) != GIS_OK)
        return GIS_ERR_NOMEM;
    atomic_fetch_add(&c->refs, 1);
    a->open = NULL; /* what follows goes after it */
    memcpy(s->f + s->n, a->u->old->f + from, c->n * sizeof *s->f);
    memcpy(s->key + s->n, a->u->old->key + from, c->n * sizeof *s->key);
    for (k = 0; k < c->n; k++)
        a->old_to_new[from + k] = s->n++;
    return GIS_OK;
}

/* The redone copy of old feature i, or NULL when it was not redone. */
static struct node *redone_of(struct assembly *a, size_t i)
{
    const struct update *u = a->u;

    while (a->near_at < u->n_near && u->near[a->near_at] < i)
        a->near_at++;
    return a->near_at < u->n_near && u->near[a->near_at] == i ? u->redone[a->near_at] : NULL;
}

/* Whether old features from..end-1 hold one that goes or was redone. */
static bool is_touched(struct assembly *a, size_t from, size_t end)
{
    const struct update *u = a->u;
    size_t p = a->near_at;

    if (end > from && memchr(u->is_gone + from, 1, end - from))
        return true;
    for (; p < u->n_near && u->near[p] < end; p++)
        if (u->near[p] >= from && u->redone[p])
            return true;
    return false;
}

/* Added feature j placed, and listed for the index. */
static enum gis_status place_added(struct assembly *a, size_t j)
{
    struct node *nd = a->u->add->f[j];

    a->fresh[a->n_fresh] = a->out->n;
    memcpy(a->fresh_boxes + 4 * a->n_fresh++, nd->f.bbox, sizeof nd->f.bbox);
    return place(a, nd);
}

/* Old features from..end-1 and the added ones j.. below key next, merged by key; *j
 * moves past those placed. */
static enum gis_status
merge_run(struct assembly *a, size_t from, size_t end, int64_t next, size_t *j)
{
    const struct update *u = a->u;
    enum gis_status rc = GIS_OK;
    size_t i = from;

    while (rc == GIS_OK && (i < end || (*j < u->add->n && u->add->key[*j] < next))) {
        bool is_added_first = *j < u->add->n && u->add->key[*j] < next &&
                              (i == end || u->add->key[*j] < u->old->key[i]);
        struct node *nd;
        if (is_added_first) {
            rc = place_added(a, (*j)++);
            continue;
        }
        a->old_to_new[i] = NO_INDEX;
        if (!u->is_gone[i]) {
            nd = redone_of(a, i);
            a->old_to_new[i] = a->out->n;
            rc = place(a, nd ? nd : u->old->f[i]);
        }
        i++;
    }
    return rc;
}

/* The new feature list: old's chunks shared where nothing in them changed, the others
 * made again from what stays (each redone feature in its old one's place) and what is
 * added (at its key's place). */
static enum gis_status assemble(struct assembly *a)
{
    const struct update *u = a->u;
    const struct tile_source *old = u->old;
    size_t c, from = 0, j = 0;
    enum gis_status rc = tilesource__reserve(a->out, old->n + u->add->n + 1);

    for (c = 0; c < old->n_chunks && rc == GIS_OK; c++) {
        size_t end = from + old->chunks[c]->n;
        int64_t next = end < old->n ? old->key[end] : INT64_MAX;
        bool has_added = j < u->add->n && u->add->key[j] < next;
        if (!has_added && !is_touched(a, from, end))
            rc = share(a, old->chunks[c], from);
        else
            rc = merge_run(a, from, end, next, &j);
        from = end;
    }
    while (rc == GIS_OK && j < u->add->n) /* old had no chunk */
        rc = place_added(a, j++);
    return rc;
}

/* The new source's index, derived from old's: what stays keeps its place. */
static enum gis_status index_from_old(struct assembly *a)
{
    return rtree_update(a->u->old->index, a->old_to_new, a->out->n, a->fresh, a->fresh_boxes,
                        a->n_fresh, &a->out->index);
}

/* The new source from the update's findings into a->out. */
static enum gis_status build_new(struct assembly *a)
{
    size_t n_old = a->u->old->n, n_add = a->u->add->n;
    enum gis_status rc;

    a->old_to_new = malloc((n_old ? n_old : 1) * sizeof *a->old_to_new);
    a->fresh = malloc((n_add ? n_add : 1) * sizeof *a->fresh);
    a->fresh_boxes = malloc((n_add ? n_add : 1) * 4 * sizeof *a->fresh_boxes);
    rc = a->old_to_new && a->fresh && a->fresh_boxes ? assemble(a) : GIS_ERR_NOMEM;
    if (rc == GIS_OK)
        rc = a->u->old->index ? index_from_old(a) : GIS_ERR_INVALID_ARG;
    free(a->old_to_new);
    free(a->fresh);
    free(a->fresh_boxes);
    return rc;
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
    struct assembly a = {&u, NULL, NULL, NULL, NULL, NULL, 0, 0};
    enum gis_status rc = tilesource__same_keys(old, add) ? GIS_OK : GIS_ERR_INVALID_ARG;
    size_t i;

    *out = NULL;
    if (rc == GIS_OK)
        rc = mark_gone(&u, drop, n_drop);
    if (rc == GIS_OK)
        rc = find_near(&u);
    if (rc == GIS_OK)
        rc = reflag(&u);
    if (rc == GIS_OK)
        rc = rank_changed(&u);
    if (rc == GIS_OK)
        rc = tile_source_new((const char *const *)old->keys, old->n_keys, &a.out);
    if (rc == GIS_OK) {
        if (dirty)
            report_dirty(&u, dirty, ctx);
        rc = build_new(&a);
    }
    for (i = 0; u.redone && i < u.n_near; i++)
        tilesource__node_release(u.redone[i], old->n_keys);
    free(u.redone);
    free(u.near);
    free(u.is_gone);
    point_set_free(&u.moved);
    tile_source_free(add);
    if (rc != GIS_OK) {
        tile_source_free(a.out);
        return rc;
    }
    *out = a.out;
    return GIS_OK;
}
