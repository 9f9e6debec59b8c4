/*
 * The tile export (see tile_export.h): one zoom at a time, its tiles shared by one thread
 * per CPU, which render and compress on their own and add to the archive under a lock.
 */
#include "tile_export.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbuf.h"
#include "mbtiles.h"
#include "pmtiles.h"
#include "tile.h"

struct range {
    int64_t x0, x1, y0, y1;
};

struct sink {
    struct mbtiles *mb;
    struct pmtiles_writer *pm;
};

/* The tiles at z that touch the extent b (lon/lat). */
static struct range tiles_at(int z, const double b[4])
{
    double n = ldexp(1.0, z), x0, y0, x1, y1;
    struct range r;

    tile_lonlat_to_3857(b[0], b[3], &x0, &y0); /* north-west */
    tile_lonlat_to_3857(b[2], b[1], &x1, &y1); /* south-east */
    r.x0 = (int64_t)floor((x0 + TILE_WEBMERC_HALF) / (2 * TILE_WEBMERC_HALF) * n);
    r.x1 = (int64_t)floor((x1 + TILE_WEBMERC_HALF) / (2 * TILE_WEBMERC_HALF) * n);
    r.y0 = (int64_t)floor((TILE_WEBMERC_HALF - y0) / (2 * TILE_WEBMERC_HALF) * n);
    r.y1 = (int64_t)floor((TILE_WEBMERC_HALF - y1) / (2 * TILE_WEBMERC_HALF) * n);
    r.x0 = r.x0 < 0 ? 0 : r.x0;
    r.y0 = r.y0 < 0 ? 0 : r.y0;
    r.x1 = r.x1 >= (int64_t)n ? (int64_t)n - 1 : r.x1;
    r.y1 = r.y1 >= (int64_t)n ? (int64_t)n - 1 : r.y1;
    return r;
}

/* Adds one gzip-compressed tile to the archive. */
static enum gis_status
put_tile(struct sink *s, int z, int64_t x, int64_t y, const struct gbuf *gz, struct gis_error *err)
{
    if (s->mb)
        return mbtiles_put(s->mb, z, x, y, gz->data, gz->len, err);
    return pmtiles_add(s->pm, z, (uint64_t)x, (uint64_t)y, gz->data, gz->len) == GIS_OK
               ? GIS_OK
               : gis_fail(err, GIS_ERR_NOMEM, "out of memory for the archive");
}

struct walk {
    struct store *st;
    struct tileset_sources *sources;
    const struct tileset *ts;
    const struct tile_export *x;
    const double *bounds;
    struct sink *sink;
    long done, total, written;
};

/* One zoom's tiles shared by the export threads: each takes the next tile, renders and
 * compresses it on its own (the view is read-only), and adds it under the lock. */
struct zoom_work {
    struct walk *w;
    const struct tileset_view *view;
    struct range r;
    int z;
    pthread_mutex_t lock;
    int64_t next, count;
    enum gis_status rc; /* the first failure */
    struct gis_error *err;
};

/* Renders and compresses tile i of the zoom into gz (empty when the tile is). */
static enum gis_status
make_tile(struct zoom_work *zw, int64_t i, struct gbuf *mvt, struct gbuf *gz, struct gis_error *err)
{
    int64_t width = zw->r.x1 - zw->r.x0 + 1;
    enum gis_status rc;

    gbuf_reset(mvt);
    gbuf_free(gz);
    gbuf_init(gz, 1);
    rc = tileset_render(zw->view, zw->r.x0 + i % width, zw->r.y0 + i / width, mvt, NULL, 0, err);
    if (rc == GIS_OK && mvt->len > 0 && (rc = gbuf_gzip(mvt->data, mvt->len, 9, gz)) != GIS_OK)
        gis_fail(err, rc, "cannot compress a tile");
    return rc;
}

static void *export_thread(void *arg)
{
    struct zoom_work *zw = arg;
    struct gbuf mvt, gz;
    int64_t i, width = zw->r.x1 - zw->r.x0 + 1;

    gbuf_init(&mvt, (size_t)64 << 20);
    gbuf_init(&gz, 1);
    for (;;) {
        struct gis_error err = {0};
        enum gis_status rc;
        pthread_mutex_lock(&zw->lock);
        i = zw->next++;
        pthread_mutex_unlock(&zw->lock);
        if (i >= zw->count)
            break;
        rc = make_tile(zw, i, &mvt, &gz, &err);
        pthread_mutex_lock(&zw->lock);
        if (rc == GIS_OK && gz.len > 0 && zw->rc == GIS_OK) {
            rc =
                put_tile(zw->w->sink, zw->z, zw->r.x0 + i % width, zw->r.y0 + i / width, &gz, &err);
            zw->w->written++;
        }
        if (rc != GIS_OK && zw->rc == GIS_OK) {
            zw->rc = rc;
            *zw->err = err;
            zw->next = zw->count; /* the others stop too */
        }
        if ((++zw->w->done % 64 == 0 || zw->w->done == zw->w->total) && zw->w->x->progress)
            zw->w->x->progress(zw->w->x->progress_ctx, zw->w->done, zw->w->total);
        pthread_mutex_unlock(&zw->lock);
    }
    gbuf_free(&mvt);
    gbuf_free(&gz);
    return NULL;
}

/* The tiles of zoom z over the extent, on one thread per CPU (at most 16). */
static enum gis_status export_zoom(struct walk *w, int z, struct gis_error *err)
{
    struct tileset_view view;
    struct zoom_work zw = {.w = w, .view = &view, .z = z, .err = err};
    pthread_t threads[16];
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = n_cpu < 1 ? 1 : n_cpu > 16 ? 16 : (size_t)n_cpu, started = 0, i;
    enum gis_status rc = tileset_acquire(w->st, w->sources, w->ts, z, &view, err);

    if (rc != GIS_OK)
        return rc;
    zw.r = tiles_at(z, w->bounds);
    zw.count = (zw.r.x1 - zw.r.x0 + 1) * (zw.r.y1 - zw.r.y0 + 1);
    pthread_mutex_init(&zw.lock, NULL);
    for (i = 0; i < n; i++)
        started += pthread_create(&threads[started], NULL, export_thread, &zw) == 0;
    if (started == 0)
        export_thread(&zw); /* no thread to be had: this one does it all */
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&zw.lock);
    tileset_release(w->sources, &view);
    return zw.rc;
}

static enum gis_status mbtiles_metadata(struct walk *w, const char *json, struct gis_error *err)
{
    char bounds[128], center[128], minz[16], maxz[16];
    const double *b = w->bounds;
    const char *rows[][2] = {
        {"name", w->ts->id}, {"description", w->ts->title},
        {"format", "pbf"},   {"type", "overlay"},
        {"version", "1"},    {"bounds", bounds},
        {"center", center},  {"minzoom", minz},
        {"maxzoom", maxz},   {"json", json},
    };
    enum gis_status rc = GIS_OK;
    size_t k;

    snprintf(bounds, sizeof bounds, "%.7f,%.7f,%.7f,%.7f", b[0], b[1], b[2], b[3]);
    snprintf(center, sizeof center, "%.7f,%.7f,%d", (b[0] + b[2]) / 2, (b[1] + b[3]) / 2,
             w->x->minzoom);
    snprintf(minz, sizeof minz, "%d", w->x->minzoom);
    snprintf(maxz, sizeof maxz, "%d", w->x->maxzoom);
    for (k = 0; rc == GIS_OK && k < sizeof rows / sizeof rows[0]; k++)
        rc = mbtiles_meta(w->sink->mb, rows[k][0], rows[k][1], err);
    return rc;
}

static enum gis_status write_pmtiles(struct walk *w, const char *json, struct gis_error *err)
{
    const double *b = w->bounds;
    struct pmtiles_info info = {w->x->minzoom,
                                w->x->maxzoom,
                                w->x->minzoom,
                                {b[0], b[1], b[2], b[3]},
                                {(b[0] + b[2]) / 2, (b[1] + b[3]) / 2},
                                json};
    FILE *f;
    enum gis_status rc;

    if (access(w->x->pmtiles, F_OK) == 0)
        return gis_fail(err, GIS_ERR_CONFLICT, "'%s' exists already", w->x->pmtiles);
    f = fopen(w->x->pmtiles, "wb");
    if (!f)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s': %s", w->x->pmtiles, strerror(errno));
    rc = pmtiles_write(w->sink->pm, &info, f, err);
    if (fclose(f) != 0 && rc == GIS_OK)
        rc = gis_fail(err, GIS_ERR_IO, "cannot write '%s'", w->x->pmtiles);
    if (rc != GIS_OK)
        unlink(w->x->pmtiles);
    return rc;
}

static enum gis_status export_all(struct walk *w, struct gis_error *err)
{
    const char *json = w->x->metadata_json;
    enum gis_status rc = GIS_OK;
    int z;

    for (z = w->x->minzoom; z <= w->x->maxzoom; z++) {
        struct range r = tiles_at(z, w->bounds);
        w->total += (long)((r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1));
    }
    if (rc == GIS_OK && w->sink->mb)
        rc = mbtiles_metadata(w, json, err);
    for (z = w->x->minzoom; rc == GIS_OK && z <= w->x->maxzoom; z++)
        rc = export_zoom(w, z, err);
    if (rc == GIS_OK && w->sink->pm)
        rc = write_pmtiles(w, json, err);
    return rc;
}

enum gis_status tile_export_run(struct store *st,
                                const struct tile_export *x,
                                long *out_written,
                                struct gis_error *err)
{
    struct sink sink = {NULL, NULL};
    double bounds[4];
    struct walk w = {st, NULL, x->ts, x, bounds, &sink, 0, 0, 0};
    enum gis_status rc;

    if (!x->ts || !x->mbtiles == !x->pmtiles || x->minzoom > x->maxzoom || !x->metadata_json)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "tile_export_run: a tileset, one archive "
                        "and minzoom <= maxzoom are needed");
    if (!tileset_bounds(st, x->ts, bounds))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "tileset '%.60s' has no features", x->ts->id);
    if (tileset_sources_new(NULL, x->buffer, x->max_bytes, &w.sources) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = x->mbtiles ? mbtiles_create(x->mbtiles, &sink.mb, err)
                    : (pmtiles_writer_new(&sink.pm) == GIS_OK
                           ? GIS_OK
                           : gis_fail(err, GIS_ERR_NOMEM, "out of memory"));
    if (rc == GIS_OK)
        rc = export_all(&w, err);
    if (sink.mb)
        rc = rc == GIS_OK ? mbtiles_finish(sink.mb, err) : (mbtiles_abort(sink.mb), rc);
    pmtiles_writer_free(sink.pm);
    tileset_sources_free(w.sources);
    if (rc == GIS_OK && out_written)
        *out_written = w.written;
    return rc;
}
