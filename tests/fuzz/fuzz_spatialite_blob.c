/* libFuzzer harness: the SpatiaLite BLOB reader (a database file is outside input too)
 * and the GeoJSON writer on any bytes. Invariants: no crash; offsets of a parsed geometry
 * are monotonic and within its points; the header box of a parsed BLOB is readable. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_check.h"
#include "geom.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct geom g;
    struct gbuf b;
    double box[4];
    size_t i;

    geom_init(&g);
    gbuf_init(&b, 1 << 24);
    if (geom_from_spatialite(&g, data, size, NULL) == GIS_OK) {
        FUZZ_CHECK(g.parts[g.n_parts] == g.n_rings && g.rings[g.n_rings] == g.n_points);
        for (i = 0; i < g.n_rings; i++)
            FUZZ_CHECK(g.rings[i] <= g.rings[i + 1]);
        for (i = 0; i < g.n_parts; i++)
            FUZZ_CHECK(g.parts[i] <= g.parts[i + 1]);
        FUZZ_CHECK(geom_spatialite_box(data, size, box));
        render_geojson_geometry(&b, &g, NULL, false, 7, NULL);
    }
    gbuf_free(&b);
    geom_free(&g);
    return 0;
}
