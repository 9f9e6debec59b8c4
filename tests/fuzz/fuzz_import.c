/*
 * libFuzzer harness: civgis import on any file. The first byte picks the target and
 * the format (GeoJSON, CSV, or a Shapefile whose .shp/.shx/.dbf are cut from the rest
 * by two 16-bit lengths); the rest is the file. Runs a dry-run import into one scratch
 * store. Invariants: no crash or leak, a status that is OK or a user-input error, and
 * the store unchanged (dry run).
 */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct import_options opt = {0};
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
    opt.target = (enum import_target)((data[0] >> 2) % 4);
    opt.is_dry_run = true;
    opt.s_crs = (data[0] & 0x40) ? "GCJ02" : "EPSG:4326";
    opt.is_strict = (data[0] & 0x80) != 0;
    rep = calloc(1, sizeof *rep);
    if (!rep)
        return 0;
    sources[0] = path;
    rc = import_run(scratch, sources, 1, &opt, rep, &err);
    FUZZ_CHECK(rc == GIS_OK || rc == GIS_ERR_INVALID_ARG || rc == GIS_ERR_IO ||
               rc == GIS_ERR_NOT_FOUND || rc == GIS_ERR_GEOMETRY || rc == GIS_ERR_PROJ ||
               rc == GIS_ERR_CONFLICT);
    FUZZ_CHECK(rc == GIS_OK || err.msg[0]);
    FUZZ_CHECK(rep->written + rep->rejected <= rep->read);
    free(rep);
    return 0;
}
