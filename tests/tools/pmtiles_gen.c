/* Test tool: writes a PMTiles archive of N synthetic tiles (z14, a sparse grid from x = y
 * = 8000, every 3rd column and 5th row), each holding its own "z/x/y" text and some
 * padding of varying length, gzip-compressed, so a test can read it with an independent
 * decoder (npm pmtiles) and check every tile lands where it should - with enough scattered
 * tiles that the root directory must point to leaf directories.
 *   pmtiles_gen OUT.pmtiles N */
#include <stdio.h>
#include <stdlib.h>

#include "gbuf.h"
#include "pmtiles.h"

int main(int argc, char **argv)
{
    struct pmtiles_writer *w = NULL;
    struct pmtiles_info info = {14, 14, 14, {0, 0, 1, 1}, {0.5, 0.5}, "{\"vector_layers\":[]}"};
    long n = argc == 3 ? atol(argv[2]) : 0, side = 1, i;
    FILE *f;
    int rc;

    if (n <= 0 || pmtiles_writer_new(&w) != GIS_OK)
        return 2;
    while (side * side < n)
        side++;
    for (i = 0; i < n; i++) {
        char text[160];
        struct gbuf gz;
        long x = 8000 + 3 * (i % side), y = 8000 + 5 * (i / side);
        int len = snprintf(text, sizeof text, "14/%ld/%ld %.*s", x, y, (int)(i * 37 % 97),
                           "................................................................"
                           "................................................................");
        if (gbuf_gzip(text, (size_t)len, 6, &gz) != GIS_OK ||
            pmtiles_add(w, 14, (uint64_t)x, (uint64_t)y, gz.data, gz.len) != GIS_OK)
            return 1;
        gbuf_free(&gz);
    }
    f = fopen(argv[1], "wb");
    rc = f && pmtiles_write(w, &info, f, NULL) == GIS_OK ? 0 : 1;
    if (f && fclose(f) != 0)
        rc = 1;
    pmtiles_writer_free(w);
    return rc;
}
