/*
 * libFuzzer harness: civgis import on any file. The first byte picks the target and
 * the format (GeoJSON, CSV, or a Shapefile whose .shp/.shx/.dbf are cut from the rest
 * by two 16-bit lengths), a dry run or a real one (0x20), strict geometry (0x80) and the
 * source CRS (0x40); the rest is the file. Imports into one scratch store kept across
 * runs. Invariants: no crash or leak, a status that is OK or a user-input error, and
 * the store unchanged after a dry run or a failed import (every table version and
 * every layer's count as before), changed after a real import that wrote rows.
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "layer.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *scratch;
static char dir[64];

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    if (f) {
        if (size)
            fwrite(data, 1, size, f);
        fclose(f);
    }
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/civgis-fuzz-%ld", (long)getpid());
    mkdir(dir, 0700);
    if (store_open(":memory:", STORE_CREATE, &scratch, NULL) != GIS_OK)
        abort();
}

/* What a write changes: the version of every data table (kept by triggers on every
 * row written) and, independently of them, the count of every fixed layer. */
#define N_TABLES 6
struct state {
    int64_t version[N_TABLES];
    int64_t count[8];
};

static void snap(struct state *out)
{
    static const char *const tables[N_TABLES] = {"divisions", "places",    "facilities",
                                                 "demand",    "scenarios", "service_standards"};
    size_t i;

    memset(out, 0, sizeof *out);
    for (i = 0; i < N_TABLES; i++)
        FUZZ_CHECK(store_table_version(scratch, tables[i], &out->version[i], NULL) == GIS_OK);
    for (i = 0; i < layer_count() && i < 8; i++) {
        struct layer_stats ls;
        FUZZ_CHECK(layer_stats(scratch, layer_at(i), &ls, NULL) == GIS_OK);
        out->count[i] = ls.count;
    }
}

static bool same(const struct state *a, const struct state *b)
{
    return !memcmp(a->version, b->version, sizeof a->version) &&
           !memcmp(a->count, b->count, sizeof a->count);
}

/* Lays the input out as a source file; returns its path in buf. */
static void lay_out(uint8_t mode, const uint8_t *data, size_t size, char *buf, size_t n)
{
    char path[128];

    if (mode % 3 == 0) {
        snprintf(buf, n, "%s/in.geojson", dir);
        write_file(buf, data, size);
    } else if (mode % 3 == 1) {
        snprintf(buf, n, "%s/in.csv", dir);
        write_file(buf, data, size);
    } else {
        size_t a = size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0;
        size_t b = size >= 4 ? (size_t)(data[2] | data[3] << 8) : 0;
        const uint8_t *p = size >= 4 ? data + 4 : data;
        size_t rest = size >= 4 ? size - 4 : 0;
        a = a > rest ? rest : a;
        b = b > rest - a ? rest - a : b;
        snprintf(path, sizeof path, "%s/in.shp", dir);
        write_file(path, p, a);
        snprintf(path, sizeof path, "%s/in.shx", dir);
        write_file(path, p + a, b);
        snprintf(path, sizeof path, "%s/in.dbf", dir);
        write_file(path, p + a + b, rest - a - b);
        snprintf(buf, n, "%s/in.shp", dir);
    }
}

/* The first byte's bits: format (all of it, mod 3), target (bits 2-3), a real import
 * (0x20), GCJ-02 (0x40), strict (0x80). */
static void options_of(uint8_t mode, struct import_options *opt)
{
    opt->target = (enum import_target)((mode >> 2) % 4);
    opt->is_dry_run = (mode & 0x20) == 0;
    opt->s_crs = (mode & 0x40) ? "GCJ02" : "EPSG:4326";
    opt->is_strict = (mode & 0x80) != 0;
}

static void check_outcome(enum gis_status rc,
                          const struct gis_error *err,
                          const struct import_report *rep,
                          const struct import_options *opt,
                          const struct state *before,
                          const struct state *after)
{
    FUZZ_CHECK(rc == GIS_OK || rc == GIS_ERR_INVALID_ARG || rc == GIS_ERR_IO ||
               rc == GIS_ERR_NOT_FOUND || rc == GIS_ERR_GEOMETRY || rc == GIS_ERR_PROJ ||
               rc == GIS_ERR_CONFLICT);
    FUZZ_CHECK(rc == GIS_OK || err->msg[0]);
    FUZZ_CHECK(rep->written + rep->rejected <= rep->read);
    if (opt->is_dry_run || rc != GIS_OK)
        FUZZ_CHECK(same(before, after));
    else if (rep->written > 0)
        FUZZ_CHECK(!same(before, after));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct import_options opt = {0};
    struct state before, after;
    struct import_report *rep;
    struct gis_error err = {0};
    const char *sources[1];
    char path[128];
    enum gis_status rc;

    if (size < 1 || size > 200000)
        return 0;
    if (!scratch)
        setup();
    lay_out(data[0], data + 1, size - 1, path, sizeof path);
    options_of(data[0], &opt);
    rep = calloc(1, sizeof *rep);
    if (!rep)
        return 0;
    sources[0] = path;
    snap(&before);
    rc = import_run(scratch, sources, 1, &opt, rep, &err);
    snap(&after);
    check_outcome(rc, &err, rep, &opt, &before, &after);
    free(rep);
    return 0;
}
