/*
 * The random-transfer walk of the division property test, in one process: STEPS transfers
 * between random neighbouring townships of COUNTY on a copy of the database, each through
 * app/division_ops exactly as `civgis division transfer-area` runs it (the same write
 * path, group, checks and commit), without a process and an editor per step. Each area is
 * what the Python test's picker made: a 0.002 degree buffer around the shortest line from
 * a random village seat of one township to its nearest neighbour. Prints
 * {"steps": N, "done": D} (D: transfers applied; the others were refused, writing
 * nothing). The test then checks the coverage and the areas with SpatiaLite.
 *
 *   division_walk DB COUNTY STEPS SEED
 */
#include <geos_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "division_ops.h"
#include "division_validate.h"
#include "editor.h"
#include "store.h"

static unsigned long long rnd_state;

static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return n ? (unsigned)((rnd_state >> 33) % n) : 0;
}

static GEOSGeometry *read_wkb(GEOSContextHandle_t h, const struct division_row *r)
{
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    GEOSGeometry *g = GEOSWKBReader_read_r(h, rd, r->wkb, r->wkb_n);

    GEOSWKBReader_destroy_r(h, rd);
    return g;
}

/* The exterior ring of poly as a GeoJSON Polygon into out. */
static void ring_geojson(GEOSContextHandle_t h, const GEOSGeometry *poly, char *out, size_t size)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, poly));
    unsigned i, n = 0;
    size_t used;
    double x, y;

    GEOSCoordSeq_getSize_r(h, cs, &n);
    used = (size_t)snprintf(out, size, "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (i = 0; i < n && used < size; i++) {
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        used += (size_t)snprintf(out + used, size - used, "%s[%.15g,%.15g]", i ? "," : "", x, y);
    }
    if (used < size)
        snprintf(out + used, size - used, "]]}");
}

/* The sibling of a (touching it) nearest to seat; n when none. */
static size_t nearest_neighbour(GEOSContextHandle_t h,
                                const struct division_row *kids,
                                size_t n,
                                const struct division_row *a,
                                const GEOSGeometry *ga,
                                const GEOSGeometry *seat)
{
    size_t i, best = n;
    double d, best_d = 1e9;

    for (i = 0; i < n; i++) {
        GEOSGeometry *gb;
        if (&kids[i] == a || !kids[i].wkb || !(gb = read_wkb(h, &kids[i])))
            continue;
        if (GEOSDistance_r(h, ga, gb, &d) == 1 && d < 1e-4 &&
            GEOSDistance_r(h, seat, gb, &d) == 1 && d < best_d) {
            best_d = d;
            best = i;
        }
        GEOSGeom_destroy_r(h, gb);
    }
    return best;
}

/* The 0.002 degree buffer of the shortest line from seat to b, as GeoJSON into area. */
static bool area_around(GEOSContextHandle_t h,
                        const GEOSGeometry *seat,
                        const struct division_row *b,
                        char *area,
                        size_t size)
{
    GEOSGeometry *gb = read_wkb(h, b), *line = NULL, *buf = NULL;
    GEOSCoordSequence *cs = gb ? GEOSNearestPoints_r(h, seat, gb) : NULL;
    bool is_ok;

    line = cs ? GEOSGeom_createLineString_r(h, cs) : NULL;
    buf = line ? GEOSBuffer_r(h, line, 0.002, 8) : NULL;
    is_ok = buf && GEOSGeomTypeId_r(h, buf) == GEOS_POLYGON;
    if (is_ok)
        ring_geojson(h, buf, area, size);
    if (gb)
        GEOSGeom_destroy_r(h, gb);
    if (line)
        GEOSGeom_destroy_r(h, line);
    if (buf)
        GEOSGeom_destroy_r(h, buf);
    return is_ok;
}

/* One pick: a township a, its nearest neighbour b to a random village seat of a, and the
 * area around the line between. false when a has no seat or no neighbour. */
static bool pick(GEOSContextHandle_t h,
                 struct store *st,
                 const struct division_row *kids,
                 size_t n,
                 const char **from,
                 const char **to,
                 char *area,
                 size_t size)
{
    const struct division_row *a = &kids[rnd((unsigned)n)];
    struct division_row *vs = NULL;
    size_t nv = 0, i, best = n;
    GEOSGeometry *ga = read_wkb(h, a), *seat = NULL;
    bool is_ok = false;

    if (!ga || division_rows_children(st, a->code, &vs, &nv, NULL) != GIS_OK || !nv)
        goto cleanup;
    i = rnd((unsigned)nv);
    if (!vs[i].has_seat)
        goto cleanup;
    seat = GEOSGeom_createPointFromXY_r(h, vs[i].seat_lon, vs[i].seat_lat);
    best = seat ? nearest_neighbour(h, kids, n, a, ga, seat) : n;
    if (best < n && area_around(h, seat, &kids[best], area, size)) {
        *from = a->code;
        *to = kids[best].code;
        is_ok = true;
    }
cleanup:
    division_rows_free(vs, nv);
    if (ga)
        GEOSGeom_destroy_r(h, ga);
    if (seat)
        GEOSGeom_destroy_r(h, seat);
    return is_ok;
}

/* One transfer of a fresh pick; true when it was applied. */
static bool
step(GEOSContextHandle_t h, struct editor *ed, const char *db, const char *county, int i)
{
    struct auth_identity who = {.name = "cli:walk", .role = AUTH_ADMIN};
    struct store *st = NULL;
    struct division_row *kids = NULL;
    struct division_op_result *r = NULL;
    struct edit_problems p;
    size_t n = 0;
    char area[16384], reason[32];
    const char *from = NULL, *to = NULL;
    bool is_done = false;

    snprintf(reason, sizeof reason, "step %d", i);
    if (store_open(db, STORE_READ_ONLY, &st, NULL) == GIS_OK &&
        division_rows_children(st, county, &kids, &n, NULL) == GIS_OK && n > 1 &&
        pick(h, st, kids, n, &from, &to, area, sizeof area)) {
        struct division_transfer_input in = {
            {reason, NULL, "2024-01-01", false, 0}, from, to, area, false};
        is_done = division_ops_transfer(ed, &who, &in, &r, &p, NULL) == GIS_OK;
    }
    division_op_result_free(r);
    division_rows_free(kids, n);
    store_close(st);
    return is_done;
}

int main(int argc, char **argv)
{
    struct editor *ed = NULL;
    GEOSContextHandle_t h;
    int steps, i, done = 0;

    if (argc != 5) {
        fputs("usage: division_walk DB COUNTY STEPS SEED\n", stderr);
        return 2;
    }
    steps = (int)strtol(argv[3], NULL, 10);
    rnd_state = strtoull(argv[4], NULL, 10);
    if (editor_open(argv[1], &ed, NULL) != GIS_OK) {
        fprintf(stderr, "division_walk: cannot open %s\n", argv[1]);
        return 1;
    }
    h = GEOS_init_r();
    for (i = 0; i < steps; i++)
        done += step(h, ed, argv[1], argv[2], i);
    GEOS_finish_r(h);
    editor_close(ed);
    printf("{\"steps\": %d, \"done\": %d}\n", steps, done);
    return 0;
}
