/*
 * civgis tiles export: every tile of a tileset over its extent, zoom by zoom, rendered as
 * the server renders it (server/tileset.h), gzip-compressed, into an MBTiles 1.3 or a
 * PMTiles v3 archive a static host or CDN can serve. Empty tiles are left out.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "coverage_layers.h"
#include "mbtiles.h"
#include "pmtiles.h"
#include "store.h"
#include "tile.h"
#include "tileset.h"
#include "tileset_json.h"

static const char USAGE[] =
    "usage: civgis tiles export --db FILE --tileset T --minzoom A --maxzoom B\n"
    "                           (--mbtiles FILE | --pmtiles FILE) [--buffer N]\n"
    "                           [--tile-max-kb N] [--quiet]\n"
    "\n"
    "Writes the tiles of tileset T (\"civgis\" or a collection id, as /tiles lists them)\n"
    "from zoom A to B over its extent, as the server renders them. --buffer: tile units\n"
    "(of 4096) of geometry kept around each tile (default 64, as the server).\n"
    "--tile-max-kb: the size guard (default 500, as the server; see civgis serve).\n";

struct opts {
    const char *db, *tileset, *mbtiles, *pmtiles;
    int minzoom, maxzoom;
    unsigned buffer;
    size_t max_kb;
    bool is_quiet;
};

struct range {
    int64_t x0, x1, y0, y1;
};

struct sink {
    struct mbtiles *mb;
    struct pmtiles_writer *pm;
};

/* One option; false when its value is not valid. */
static bool option(struct opts *o, int ch, const char *v)
{
    double z;

    switch (ch) {
    case 'd':
        o->db = v;
        return true;
    case 't':
        o->tileset = v;
        return true;
    case 'm':
        o->mbtiles = v;
        return true;
    case 'p':
        o->pmtiles = v;
        return true;
    case 'q':
        o->is_quiet = true;
        return true;
    case 'a':
    case 'b':
        if (!cli_number(v, 0, TILE_MAX_ZOOM, true, &z)) {
            fprintf(stderr, "civgis tiles: zooms are 0..24\n");
            return false;
        }
        *(ch == 'a' ? &o->minzoom : &o->maxzoom) = (int)z;
        return true;
    case 'u':
        if (!cli_number(v, 0, TILESET_BUFFER_MAX, true, &z)) {
            fprintf(stderr, "civgis tiles: --buffer is 0..%d\n", TILESET_BUFFER_MAX);
            return false;
        }
        o->buffer = (unsigned)z;
        return true;
    case 'k':
        if (!cli_number(v, 1, TILESET_MAX_KB_CAP, true, &z)) {
            fprintf(stderr, "civgis tiles: --tile-max-kb is 1..%u\n", TILESET_MAX_KB_CAP);
            return false;
        }
        o->max_kb = (size_t)z;
        return true;
    default:
        return false;
    }
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"tileset", required_argument, NULL, 't'},
        {"minzoom", required_argument, NULL, 'a'},
        {"maxzoom", required_argument, NULL, 'b'},
        {"mbtiles", required_argument, NULL, 'm'},
        {"buffer", required_argument, NULL, 'u'},
        {"pmtiles", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"tile-max-kb", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    o->minzoom = 0;
    o->buffer = TILESET_BUFFER_DEFAULT;
    o->max_kb = TILESET_MAX_BYTES / 1024;
    o->maxzoom = 12;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'h') {
            fputs(USAGE, stdout);
            return -1;
        }
        if (!option(o, ch, optarg)) {
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    if (!o->db || !o->tileset || !o->mbtiles == !o->pmtiles || o->minzoom > o->maxzoom) {
        fprintf(stderr,
                "civgis tiles: --db, --tileset and one of --mbtiles or --pmtiles are "
                "required, and minzoom <= maxzoom\n\n%s",
                USAGE);
        return CLI_USAGE;
    }
    return CLI_OK;
}

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

static void progress(const struct opts *o, long done, long total)
{
    int width = 40, filled = total > 0 ? (int)((double)done / (double)total * width) : width;

    if (o->is_quiet)
        return;
    fprintf(stderr, "\rexporting [%.*s%*s] %ld/%ld tiles", filled,
            "########################################", width - filled, "", done, total);
    if (done >= total)
        fputc('\n', stderr);
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
    const struct opts *o;
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
        if (++zw->w->done % 64 == 0 || zw->w->done == zw->w->total)
            progress(zw->w->o, zw->w->done, zw->w->total);
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

/* The metadata both archives carry, as MBTiles rows (PMTiles takes the JSON). */
static enum gis_status describe(struct walk *w, char **out_json, struct gis_error *err)
{
    cJSON *meta = cJSON_CreateObject();
    char *text;

    cJSON_AddItemToObject(meta, "vector_layers", tileset_json_vector_layers(w->st, w->ts));
    cJSON_AddStringToObject(meta, "name", w->ts->id);
    cJSON_AddStringToObject(meta, "description", w->ts->title);
    text = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    if (!text)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *out_json = text;
    return GIS_OK;
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
             w->o->minzoom);
    snprintf(minz, sizeof minz, "%d", w->o->minzoom);
    snprintf(maxz, sizeof maxz, "%d", w->o->maxzoom);
    for (k = 0; rc == GIS_OK && k < sizeof rows / sizeof rows[0]; k++)
        rc = mbtiles_meta(w->sink->mb, rows[k][0], rows[k][1], err);
    return rc;
}

static enum gis_status write_pmtiles(struct walk *w, const char *json, struct gis_error *err)
{
    const double *b = w->bounds;
    struct pmtiles_info info = {w->o->minzoom,
                                w->o->maxzoom,
                                w->o->minzoom,
                                {b[0], b[1], b[2], b[3]},
                                {(b[0] + b[2]) / 2, (b[1] + b[3]) / 2},
                                json};
    FILE *f;
    enum gis_status rc;

    if (access(w->o->pmtiles, F_OK) == 0)
        return gis_fail(err, GIS_ERR_CONFLICT, "'%s' exists already", w->o->pmtiles);
    f = fopen(w->o->pmtiles, "wb");
    if (!f)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%s': %s", w->o->pmtiles, strerror(errno));
    rc = pmtiles_write(w->sink->pm, &info, f, err);
    if (fclose(f) != 0 && rc == GIS_OK)
        rc = gis_fail(err, GIS_ERR_IO, "cannot write '%s'", w->o->pmtiles);
    if (rc != GIS_OK)
        unlink(w->o->pmtiles);
    return rc;
}

static enum gis_status export_all(struct walk *w, struct gis_error *err)
{
    char *json = NULL;
    enum gis_status rc = describe(w, &json, err);
    int z;

    for (z = w->o->minzoom; z <= w->o->maxzoom; z++) {
        struct range r = tiles_at(z, w->bounds);
        w->total += (long)((r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1));
    }
    if (rc == GIS_OK && w->sink->mb)
        rc = mbtiles_metadata(w, json, err);
    for (z = w->o->minzoom; rc == GIS_OK && z <= w->o->maxzoom; z++)
        rc = export_zoom(w, z, err);
    if (rc == GIS_OK && w->sink->pm)
        rc = write_pmtiles(w, json, err);
    free(json);
    return rc;
}

static enum gis_status
run(const struct opts *o, struct store *st, struct coverage_layers *cov, struct gis_error *err)
{
    struct tileset one;
    struct layer_scratch scratch;
    const struct tileset *ts = tileset_find(st, cov, o->tileset, &one, &scratch);
    struct sink sink = {NULL, NULL};
    double bounds[4];
    struct walk w = {st, NULL, ts, o, bounds, &sink, 0, 0, 0};
    enum gis_status rc;

    if (!ts)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no tileset '%.60s'; see /tiles", o->tileset);
    if (!tileset_bounds(st, ts, bounds))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "tileset '%.60s' has no features", o->tileset);
    if (tileset_sources_new(NULL, o->buffer, o->max_kb * 1024, &w.sources) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = o->mbtiles ? mbtiles_create(o->mbtiles, &sink.mb, err)
                    : (pmtiles_writer_new(&sink.pm) == GIS_OK
                           ? GIS_OK
                           : gis_fail(err, GIS_ERR_NOMEM, "out of memory"));
    if (rc == GIS_OK)
        rc = export_all(&w, err);
    if (sink.mb)
        rc = rc == GIS_OK ? mbtiles_finish(sink.mb, err) : (mbtiles_abort(sink.mb), rc);
    pmtiles_writer_free(sink.pm);
    tileset_sources_free(w.sources);
    if (rc == GIS_OK && !o->is_quiet)
        fprintf(stderr, "%ld tiles with features written to %s\n", w.written,
                o->mbtiles ? o->mbtiles : o->pmtiles);
    return rc;
}

int cli_tiles(int argc, char **argv)
{
    struct opts o = {0};
    struct gis_error err = {0};
    struct store *st = NULL;
    struct coverage_layers *cov = NULL; /* the coverage-KIND tilesets */
    enum gis_status rc;
    int prc;

    if (argc < 2 || strcmp(argv[1], "export")) {
        fprintf(stderr, "civgis tiles: the subcommand is 'export'\n\n%s", USAGE);
        return CLI_USAGE;
    }
    prc = parse_args(argc - 1, argv + 1, &o);
    if (prc != CLI_OK)
        return prc < 0 ? CLI_OK : prc;
    rc = store_upgrade(o.db, NULL, &err); /* an older store: its one write */
    if (rc == GIS_OK)
        rc = store_open(o.db, STORE_READ_ONLY, &st, &err);
    if (rc == GIS_OK)
        rc = coverage_layers_new(&cov, &err);
    if (rc == GIS_OK) {
        coverage_layers_attach(cov, st);
        rc = run(&o, st, cov, &err);
    }
    store_close(st);
    coverage_layers_free(cov);
    if (rc != GIS_OK) {
        cli_report("tiles", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}
