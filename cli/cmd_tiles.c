/*
 * civgis tiles export: the arguments, the archive's metadata and the progress bar; the
 * export itself is app/tile_export.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "coverage_layers.h"
#include "store.h"
#include "tile.h"
#include "tile_export.h"
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

static void progress(void *ctx, long done, long total)
{
    int width = 40, filled = total > 0 ? (int)((double)done / (double)total * width) : width;

    (void)ctx;
    fprintf(stderr, "\rexporting [%.*s%*s] %ld/%ld tiles", filled,
            "########################################", width - filled, "", done, total);
    if (done >= total)
        fputc('\n', stderr);
}

/* The metadata both archives carry, as MBTiles rows (PMTiles takes the JSON). */
static enum gis_status
describe(struct store *st, const struct tileset *ts, char **out_json, struct gis_error *err)
{
    cJSON *meta = cJSON_CreateObject();
    char *text;

    cJSON_AddItemToObject(meta, "vector_layers", tileset_json_vector_layers(st, ts));
    cJSON_AddStringToObject(meta, "name", ts->id);
    cJSON_AddStringToObject(meta, "description", ts->title);
    text = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    if (!text)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *out_json = text;
    return GIS_OK;
}

static enum gis_status
run(const struct opts *o, struct store *st, struct coverage_layers *cov, struct gis_error *err)
{
    struct tileset one;
    struct layer_scratch scratch;
    const struct tileset *ts = tileset_find(st, cov, o->tileset, &one, &scratch);
    struct tile_export x = {ts,         o->minzoom, o->maxzoom, o->buffer, o->max_kb * 1024,
                            o->mbtiles, o->pmtiles, NULL,       progress,  NULL};
    char *json = NULL;
    long written = 0;
    enum gis_status rc;

    if (!ts)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no tileset '%.60s'; see /tiles", o->tileset);
    if (o->is_quiet)
        x.progress = NULL;
    rc = describe(st, ts, &json, err);
    x.metadata_json = json;
    if (rc == GIS_OK)
        rc = tile_export_run(st, &x, &written, err);
    cJSON_free(json);
    if (rc == GIS_OK && !o->is_quiet)
        fprintf(stderr, "%ld tiles with features written to %s\n", written,
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
