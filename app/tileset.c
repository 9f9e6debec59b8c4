/*
 * Tilesets and their tiles without HTTP (see tileset.h). Each layer is read once per
 * version of the tables it shows (layer_data_version) through the items query into a tile source
 * (tiles/tilesource.h: Web Mercator, shared-border ranks, an R-tree); a tile reads only those.
 *
 * Tiles show every layer in its public view (layer.h), for every caller: the sensitive
 * assistance counts are never in a tile. Tiles are shared artefacts: one cache entry per
 * tile for all callers, Cache-Control public, exported to MBTiles and PMTiles files that
 * are handed around; a planner reads the counts through items, filters and the coverage
 * layers' items instead. So no tile's bytes vary by role, and no planner's tile can be
 * served from a cache to anyone else.
 */
#include "tileset.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_layers.h"
#include "geom.h"
#include "items.h"
#include "mvt.h"
#include "tile.h"
#include "tilegeom.h"
#include "tilesource.h"

#define TILE_EXTENT       4096
#define TILE_MAX_FEATURES 200000
#define TILESET_MAX_PROPS 39

/* What one render reuses from feature to feature. */
struct tile_scratch {
    struct geom g;
    struct tilegeom_work work;
    size_t *hits, cap;
};

const struct tileset TILESET_COMBINED = {
    "civgis",
    "Divisions and facilities",
    {{"counties", 0}, {"townships", 6}, {"villages", 9}, {"facilities", 8}},
    4,
    NULL,
};

const struct tileset *tileset_find(struct store *st,
                                   struct coverage_layers *cov,
                                   const char *id,
                                   struct tileset *one,
                                   struct layer_scratch *scratch)
{
    const struct layer_def *l;

    if (!strcmp(id, TILESET_COMBINED.id))
        return &TILESET_COMBINED;
    l = layer_resolve_for(st, id, LAYER_VIEW_PUBLIC, scratch);
    if (!l || coverage_layers_prepare(cov, st, l->id, NULL) != GIS_OK)
        return NULL;
    *one =
        (struct tileset){l->id, l->title, {{l->id, 0}}, 1, layer_coverage_kind(l->id) ? cov : NULL};
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

/* ------------------------------------------------------------ sources */

/* One built source, counted: the registry holds one reference to the current one, each
 * render one while it reads. */
struct tile_held {
    struct tile_source *src;
    unsigned refs;
};

struct source_entry {
    char *layer;
    int64_t version; /* of cur */
    struct tile_held *cur;
    bool is_building; /* a thread is reading the layer, without the lock */
    struct source_entry *next;
};

struct tileset_sources {
    pthread_mutex_t lock;
    pthread_cond_t built; /* an entry's build ended */
    struct tilecache *cache;
    unsigned buffer;
    size_t max_bytes;
    struct source_entry *head;
};

enum gis_status tileset_sources_new(struct tilecache *cache,
                                    unsigned buffer,
                                    size_t max_bytes,
                                    struct tileset_sources **out)
{
    struct tileset_sources *r = calloc(1, sizeof *r);

    *out = r;
    if (!r)
        return GIS_ERR_NOMEM;
    r->cache = cache;
    r->buffer = buffer < TILESET_BUFFER_MAX ? buffer : TILESET_BUFFER_MAX;
    r->max_bytes = max_bytes ? max_bytes : TILESET_MAX_BYTES;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->built, NULL);
    return GIS_OK;
}

/* Drops a reference; the caller holds r->lock. */
static void held_release(struct tile_held *h)
{
    if (h && --h->refs == 0) {
        tile_source_free(h->src);
        free(h);
    }
}

void tileset_sources_free(struct tileset_sources *r)
{
    struct source_entry *e, *next;

    if (!r)
        return;
    for (e = r->head; e; e = next) {
        next = e->next;
        held_release(e->cur);
        free(e->layer);
        free(e);
    }
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->built);
    free(r);
}

/* The features of layer l (those with the n rowids only, when rowids is not NULL), read
 * through the items query, into a new source (not finished). */
static enum gis_status read_layer(struct store *st,
                                  const struct layer_def *l,
                                  const int64_t *rowids,
                                  size_t n_rowids,
                                  struct tile_source **out,
                                  struct gis_error *err)
{
    const char *keys[TILESET_MAX_PROPS + 1];
    struct mvt_value vals[TILESET_MAX_PROPS + 1];
    struct items_query q = {.layer = l, .limit = -1, .rowids = rowids, .n_rowids = n_rowids};
    struct items_cursor *cur = NULL;
    struct tile_source *src = NULL;
    struct item_value v;
    struct geom g;
    size_t i, n = l->n_props < TILESET_MAX_PROPS ? l->n_props : TILESET_MAX_PROPS;
    bool has_row = true;
    enum gis_status rc;

    assert(!l->shows_sensitive); /* tiles are public (see the top of this file) */
    for (i = 0; i < n; i++)
        keys[i] = l->props[i].name;
    keys[n] = "id";
    geom_init(&g);
    rc = tile_source_new(keys, n + 1, &src);
    if (rc == GIS_OK)
        rc = items_open(st, &q, &cur, err);
    while (rc == GIS_OK && (rc = items_next(cur, &has_row, err)) == GIS_OK && has_row) {
        bool has_geom = false;
        if (items_geom(cur, &g, &has_geom, NULL) != GIS_OK || !has_geom)
            continue; /* nothing to draw: the row stays out of the tiles */
        for (i = 0; i < n; i++) {
            items_value(cur, i, &v);
            set_value(&vals[i], &v);
        }
        vals[n] = (struct mvt_value){.type = MVT_STRING, .s = items_id(cur)};
        rc = tile_source_add(src, items_rowid(cur), items_id(cur), &g, vals);
    }
    items_close(cur);
    geom_free(&g);
    if (rc == GIS_ERR_NOMEM)
        gis_fail(err, rc, "out of memory preparing the layer for tiles");
    if (rc != GIS_OK) {
        tile_source_free(src);
        return rc;
    }
    *out = src;
    return GIS_OK;
}

/* Every feature of layer l into a new source. */
static enum gis_status build_source(struct store *st,
                                    const struct layer_def *l,
                                    struct tile_source **out,
                                    struct gis_error *err)
{
    struct tile_source *src = NULL;
    enum gis_status rc = read_layer(st, l, NULL, 0, &src, err);

    if (rc == GIS_OK && (rc = tile_source_finish(src)) != GIS_OK) {
        gis_fail(err, rc, "out of memory preparing the layer for tiles");
        tile_source_free(src);
        return rc;
    }
    if (rc == GIS_OK)
        *out = src;
    return rc;
}

struct dirty_list {
    double (*box)[4];
    size_t n, cap;
    bool is_all;
};

static void note_dirty(void *ctx, const double box[4])
{
    struct dirty_list *d = ctx;

    if (d->is_all)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        double(*q)[4] = realloc(d->box, cap * sizeof *q);
        if (!q) {
            d->is_all = true; /* cannot list it: everything goes */
            return;
        }
        d->box = q;
        d->cap = cap;
    }
    memcpy(d->box[d->n++], box, 4 * sizeof(double));
}

/* The most changes an update takes, for a source of n features: past about an eighth
 * of the layer, reading it whole costs less than reading the rows one by one. */
static size_t most_changes(size_t n)
{
    size_t most = n / 8 + 16;

    return most < 4096 ? most : 4096;
}

/* old (l at version since) brought up to version upto in *out, re-reading only the rows
 * written in between (layer_changes); what it shows differently is listed in *dirty.
 * GIS_ERR_NOT_FOUND when the store cannot list the changes, or they are too many: build
 * from scratch then. */
static enum gis_status update_source(struct store *st,
                                     const struct layer_def *l,
                                     const struct tile_source *old,
                                     int64_t since,
                                     int64_t upto,
                                     struct tile_source **out,
                                     struct dirty_list *dirty,
                                     struct gis_error *err)
{
    struct tile_source *add = NULL;
    int64_t *rows = NULL;
    size_t n = 0;
    enum gis_status rc =
        layer_changes(st, l, since, upto, most_changes(tile_source_count(old)), &rows, &n, err);

    if (rc == GIS_OK)
        rc = read_layer(st, l, rows, n, &add, err);
    if (rc == GIS_OK) {
        rc = tile_source_update(old, rows, n, add, note_dirty, dirty, out);
        if (rc != GIS_OK)
            gis_fail(err, rc, "cannot update the layer's tiles in place");
    }
    free(rows);
    return rc;
}

/* Invalidates the cached tiles of the tilesets showing layer (its own, and the base
 * map when it is one of its layers) over what differs between the old and new source:
 * the boxes in known (an update's list) or else their diff. */
static void invalidate(struct tileset_sources *r,
                       const char *layer,
                       const struct tile_source *old_src,
                       const struct tile_source *new_src,
                       const struct dirty_list *known)
{
    static const double world[1][4] = {
        {-TILE_WEBMERC_HALF, -TILE_WEBMERC_HALF, TILE_WEBMERC_HALF, TILE_WEBMERC_HALF}};
    struct dirty_list d = {0};
    const struct dirty_list *list = known ? known : &d;
    const char *tilesets[2] = {layer, TILESET_COMBINED.id};
    size_t i, n_tilesets = 1;

    if (!r->cache)
        return;
    for (i = 0; i < TILESET_COMBINED.n_layers; i++)
        if (!strcmp(TILESET_COMBINED.layers[i].collection, layer))
            n_tilesets = 2;
    if (!known && tile_source_diff(old_src, new_src, note_dirty, &d) != GIS_OK)
        d.is_all = true;
    if (list->is_all)
        tilecache_invalidate(r->cache, tilesets, n_tilesets, world, 1, 0);
    else if (list->n)
        tilecache_invalidate(r->cache, tilesets, n_tilesets, (const double(*)[4])list->box, list->n,
                             (double)r->buffer / TILE_EXTENT);
    free(d.box);
}

static struct source_entry *entry_for(struct tileset_sources *r, const char *layer)
{
    struct source_entry *e;

    for (e = r->head; e; e = e->next)
        if (!strcmp(e->layer, layer))
            return e;
    e = calloc(1, sizeof *e);
    if (!e || !(e->layer = strdup(layer))) {
        free(e);
        return NULL;
    }
    e->version = -1;
    e->next = r->head;
    r->head = e;
    return e;
}

/* Makes src (built at version) e's current source, invalidating what changed (known:
 * an update's list, or NULL). */
static enum gis_status replace_source(struct tileset_sources *r,
                                      struct source_entry *e,
                                      struct tile_source *src,
                                      int64_t version,
                                      const struct dirty_list *known,
                                      struct gis_error *err)
{
    struct tile_held *h = malloc(sizeof *h);

    if (!h) {
        tile_source_free(src);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    *h = (struct tile_held){src, 1};
    if (e->cur)
        invalidate(r, e->layer, e->cur->src, src, known);
    held_release(e->cur);
    e->cur = h;
    e->version = version;
    return GIS_OK;
}

/* e's source brought to version: updated in place of the rows that changed when the
 * store lists them (*out_is_updated), else built again. Runs without the lock: e->cur
 * stays while e->is_building, as only the thread building replaces it. */
static enum gis_status bring_up(struct store *st,
                                const struct layer_def *l,
                                const struct source_entry *e,
                                int64_t version,
                                struct tile_source **out,
                                struct dirty_list *dirty,
                                bool *out_is_updated,
                                struct gis_error *err)
{
    *out_is_updated =
        e->cur && e->version >= 0 && e->version < version &&
        update_source(st, l, e->cur->src, e->version, version, out, dirty, NULL) == GIS_OK;
    if (*out_is_updated)
        return GIS_OK;
    free(dirty->box);
    *dirty = (struct dirty_list){0};
    return build_source(st, l, out, err);
}

/* The source of l at its data version, referenced (release with source_release);
 * *out_how says whether this call built it (SOURCE_BUILT) or updated it from the rows
 * that changed (SOURCE_UPDATED). One thread builds a layer, without the lock, so tiles
 * of other layers go on; threads wanting the same layer wait for it. */
static enum gis_status source_acquire(struct store *st,
                                      struct tileset_sources *r,
                                      const struct layer_def *l,
                                      int64_t version,
                                      struct tile_held **out,
                                      enum tileset_prepared *out_how,
                                      struct gis_error *err)
{
    struct source_entry *e;
    struct tile_source *src = NULL;
    struct dirty_list dirty = {0};
    enum gis_status rc = GIS_OK;
    bool is_updated = false;

    *out = NULL;
    pthread_mutex_lock(&r->lock);
    e = entry_for(r, l->id);
    while (e && e->is_building)
        pthread_cond_wait(&r->built, &r->lock);
    if (!e)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK && (!e->cur || e->version != version)) {
        e->is_building = true;
        pthread_mutex_unlock(&r->lock);
        rc = bring_up(st, l, e, version, &src, &dirty, &is_updated, err);
        pthread_mutex_lock(&r->lock);
        if (src)
            rc = replace_source(r, e, src, version, is_updated ? &dirty : NULL, err);
        if (rc == GIS_OK)
            *out_how = is_updated ? TILESET_UPDATED : TILESET_BUILT;
        e->is_building = false;
        pthread_cond_broadcast(&r->built);
    }
    if (rc == GIS_OK) {
        e->cur->refs++;
        *out = e->cur;
    }
    pthread_mutex_unlock(&r->lock);
    free(dirty.box);
    return rc;
}

static void source_release(struct tileset_sources *r, struct tile_held *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&r->lock);
    held_release(h);
    pthread_mutex_unlock(&r->lock);
}

/* The version a layer's source keys on: its tables' (layer_data_version), but for a
 * coverage layer shown with its values, the demand points' version and the values'
 * generation, so an edit that leaves the values as they are (a facility of another
 * kind) leaves its source alone too. Both only grow, so their sum moves exactly when
 * either does. */
static enum gis_status source_version(struct store *st,
                                      const struct tileset *ts,
                                      const struct layer_def *l,
                                      int64_t *out,
                                      struct gis_error *err)
{
    enum gis_status rc;

    if (!ts->cov || !layer_coverage_kind(l->id))
        return layer_data_version(st, l, out, err);
    rc = store_table_version(st, l->table, out, err);
    if (rc == GIS_OK)
        *out += coverage_layers_generation(ts->cov, l->id);
    return rc;
}

enum gis_status tileset_acquire(struct store *st,
                                struct tileset_sources *r,
                                const struct tileset *ts,
                                int z,
                                struct tileset_view *out,
                                struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    memset(out, 0, sizeof *out);
    out->ts = ts;
    out->z = z;
    out->buffer = r->buffer;
    out->max_bytes = r->max_bytes;
    for (i = 0; i < ts->n_layers && rc == GIS_OK; i++) {
        struct layer_scratch scratch;
        const struct layer_def *l =
            layer_resolve_for(st, ts->layers[i].collection, LAYER_VIEW_PUBLIC, &scratch);
        int64_t version;
        if (!l || z < ts->layers[i].minzoom)
            continue;
        /* Each layer at its own tables' version: an edit to one table rebuilds only the
         * layers that show it. */
        rc = source_version(st, ts, l, &version, err);
        if (rc == GIS_OK)
            rc = source_acquire(st, r, l, version, &out->held[i], &out->prepared[i], err);
    }
    if (rc != GIS_OK)
        tileset_release(r, out);
    return rc;
}

void tileset_release(struct tileset_sources *r, struct tileset_view *v)
{
    size_t i;

    for (i = 0; i < TILESET_MAX_LAYERS; i++) {
        source_release(r, v->held[i]);
        v->held[i] = NULL;
    }
}

/* ------------------------------------------------------------ rendering */

static bool is_point(const struct geom *g)
{
    return g->type == GEOM_POINT || g->type == GEOM_MULTIPOINT;
}

/* Adds the source's features meeting the buffered tile to layer: every point, and the
 * first max_shapes other features (lines, polygons) in the source's order. out_shapes:
 * how many of those it added. */
static enum gis_status fill_layer(const struct tile_source *src,
                                  const struct tile_frame *f,
                                  size_t max_shapes,
                                  struct mvt_layer *layer,
                                  struct tile_scratch *ts,
                                  size_t *out_shapes)
{
    const char *const *keys;
    size_t i, n, n_keys = tile_source_keys(src, &keys), shapes = 0;
    double b[4], pad;
    enum gis_status rc = GIS_OK;
    bool is_empty;

    tile_bounds_3857(f->z, f->x, f->y, b);
    pad = (b[2] - b[0]) * f->buffer / f->extent;
    b[0] -= pad;
    b[1] -= pad;
    b[2] += pad;
    b[3] += pad;
    n = tile_source_query(src, b, &ts->hits, &ts->cap);
    if (n == (size_t)-1)
        return GIS_ERR_NOMEM;
    for (i = 0; i < n && rc == GIS_OK; i++) {
        const struct tile_feature *tf = tile_source_feature(src, ts->hits[i]);
        const double *fb = tf->bbox;
        bool is_inside = fb[0] >= b[0] && fb[1] >= b[1] && fb[2] <= b[2] && fb[3] <= b[3];
        bool is_shape = !is_point(&tf->g);
        if (is_shape && shapes >= max_shapes)
            continue; /* thinned; points never are */
        if (tilegeom_is_subpixel(&tf->g, fb, f))
            continue; /* would be dropped whole: far below a pixel */
        if (!is_inside && !geom_intersects_box(&tf->g, b))
            continue; /* only its box meets the tile (say, the tile is in a hole) */
        rc = tilegeom_prepare_with(&tf->g, tf->rank, f, &ts->work, &ts->g, &is_empty);
        if (rc == GIS_OK && !is_empty) {
            rc = mvt_feature_add(layer, tf->has_num_id, tf->num_id, &ts->g, keys, tf->values,
                                 n_keys);
            shapes += is_shape;
        }
    }
    *out_shapes = shapes;
    return rc;
}

/* One attempt at a tile: the simplification, and how many lines and polygons each layer
 * may keep; n_most receives the most any layer kept. */
struct tile_job {
    int z;
    int64_t x, y;
    double tolerance;  /* tile units */
    size_t max_shapes; /* per layer */
    size_t n_most;
};

/* Encodes every layer of ts visible at z into out (nothing when all are empty). */
static enum gis_status render_tile(const struct tileset_view *v,
                                   struct tile_job *job,
                                   struct tile_scratch *scratch,
                                   struct gbuf *out)
{
    struct tile_frame f = {job->z, job->x, job->y, TILE_EXTENT, v->buffer, job->tolerance};
    struct mvt_tile *t = NULL;
    enum gis_status rc = mvt_tile_new(&t);
    size_t i, shapes = 0;

    job->n_most = 0;
    for (i = 0; i < v->ts->n_layers && rc == GIS_OK; i++) {
        struct mvt_layer *layer = NULL;
        if (!v->held[i])
            continue;
        rc = mvt_layer_add(t, v->ts->layers[i].collection, TILE_EXTENT, &layer);
        if (rc == GIS_OK)
            rc = fill_layer(v->held[i]->src, &f, job->max_shapes, layer, scratch, &shapes);
        if (shapes > job->n_most)
            job->n_most = shapes;
    }
    if (rc == GIS_OK)
        rc = mvt_tile_encode(t, out);
    mvt_tile_free(t);
    return rc;
}

#define HALF_PIXEL (TILE_EXTENT / 512.0) /* tile units: a tile is 256 pixels */

/* The size guard: about half a pixel of simplification first, then coarser (2, 8, 32
 * pixels), then fewer lines and polygons per layer (the first ones by id kept), halving
 * until the tile fits. Points are never thinned: a tile whose points alone pass the
 * limit fails with GIS_ERR_TOO_LARGE. note receives what the served tile had done. */
static enum gis_status render_guarded(const struct tileset_view *v,
                                      struct tile_job *job,
                                      struct tile_scratch *scratch,
                                      struct gbuf *out,
                                      char *note,
                                      size_t note_size,
                                      struct gis_error *err)
{
    static const double factors[] = {1, 4, 16, 64};
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0;; i++) {
        gbuf_reset(out);
        if (i < 4)
            job->tolerance = HALF_PIXEL * factors[i];
        else if (job->n_most > 0)
            job->max_shapes = job->n_most / 2;
        else
            return gis_fail(err, GIS_ERR_TOO_LARGE,
                            "tile %d/%lld/%lld has over %zu KB of points, and points are never "
                            "thinned: zoom in, or raise the limit (--tile-max-kb)",
                            job->z, (long long)job->x, (long long)job->y, v->max_bytes / 1024);
        rc = render_tile(v, job, scratch, out);
        if (rc == GIS_ERR_TOO_LARGE) /* past the buffer's own cap: as over the limit */
            continue;
        if (rc != GIS_OK)
            return gis_fail(err, rc, "out of memory making the tile");
        if (out->len <= v->max_bytes)
            break;
    }
    if (i > 0 && note && note_size) {
        size_t n = (size_t)snprintf(note, note_size, "tolerance=%g", job->tolerance);
        if (i >= 4 && n < note_size)
            snprintf(note + n, note_size - n, "; max_features=%zu", job->max_shapes);
    }
    return GIS_OK;
}

enum gis_status tileset_render(const struct tileset_view *v,
                               int64_t x,
                               int64_t y,
                               struct gbuf *out,
                               char *note,
                               size_t note_size,
                               struct gis_error *err)
{
    struct tile_job job = {v->z, x, y, HALF_PIXEL, TILE_MAX_FEATURES, 0};
    struct tile_scratch scratch = {0};
    enum gis_status rc;

    if (note && note_size)
        note[0] = '\0';
    geom_init(&scratch.g);
    rc = render_guarded(v, &job, &scratch, out, note, note_size, err);
    geom_free(&scratch.g);
    tilegeom_work_free(&scratch.work);
    free(scratch.hits);
    return rc;
}

void tileset_layers_resolve(struct store *st, const struct tileset *ts, struct tileset_layers *out)
{
    size_t i;

    out->n = 0;
    for (i = 0; i < ts->n_layers; i++) {
        const struct layer_def *l = layer_resolve_for(st, ts->layers[i].collection,
                                                      LAYER_VIEW_PUBLIC, &out->scratch[out->n]);
        if (!l)
            continue;
        out->def[out->n] = l;
        out->minzoom[out->n] = ts->layers[i].minzoom;
        out->n++;
    }
}

bool tileset_bounds(struct store *st, const struct tileset *ts, double out[4])
{
    struct layer_scratch scratch;
    struct layer_stats stats = {0};
    const struct layer_def *l =
        layer_resolve_for(st, ts->layers[0].collection, LAYER_VIEW_PUBLIC, &scratch);

    if (!l || layer_stats(st, l, &stats, NULL) != GIS_OK || !stats.has_extent)
        return false;
    memcpy(out, stats.bbox, sizeof stats.bbox);
    return true;
}
