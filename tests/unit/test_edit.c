/*
 * Unit tests of gis/edit.h: its pure helpers (UTM zones, dates, the facility lifecycle,
 * urban-rural codes, editable collections) and every rule of the write path on a small
 * made-up tree in a real SpatiaLite file: a county a degree square near Yan'an and
 * townships inside it. Each rejected write must name its reason and change nothing
 * (rows, data version, audit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "division.h"
#include "edit.h"
#include "facility.h"
#include "store.h"

/* Degrees per metre near latitude 36.5 (east-west, north-south). */
#define LON_M (1.0 / 89500.0)
#define LAT_M (1.0 / 111000.0)

static char dir[64], path[128];
static struct store *st;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/civgis-edit-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/edit.sqlite", dir);
    return store_open(path, STORE_CREATE, &st, NULL) == GIS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    store_close(st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* ---------------------------------------------------------------- helpers */

static char *box(double x0, double y0, double x1, double y1)
{
    static char buf[8][400];
    static int k;
    char *b = buf[k++ % 8];

    snprintf(b, 400,
             "{\"type\":\"Polygon\",\"coordinates\":[[[%.9f,%.9f],[%.9f,%.9f],[%.9f,%.9f],"
             "[%.9f,%.9f],[%.9f,%.9f]]]}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return b;
}

static char *point(double x, double y)
{
    static char buf[4][100];
    static int k;
    char *b = buf[k++ % 4];

    snprintf(b, 100, "{\"type\":\"Point\",\"coordinates\":[%.9f,%.9f]}", x, y);
    return b;
}

/* Everything a rejected write must leave alone: rows of the three tables, audit rows
 * and the data version, as one number per item. */
struct snap {
    long long divisions, facilities, places, audit, version;
    long long changed; /* total_changes of the probe: the probe itself writes nothing */
};

static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static struct snap snapshot(void)
{
    struct snap s = {0};
    sqlite3 *db = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    /* A checksum of every stored value, so an UPDATE in place shows too. */
    s.divisions = count(db, "SELECT count(*) + total(length(code || name || valid_from || "
                            "COALESCE(valid_to, '') || hex(COALESCE(geom, seat)))) FROM divisions");
    s.facilities = count(db, "SELECT count(*) + total(length(fid || name || status || hex(geom))) "
                             "FROM facilities");
    s.places = count(db, "SELECT count(*) FROM places");
    s.audit = count(db, "SELECT count(*) FROM audit");
    sqlite3_close(db);
    assert_int_equal(store_data_version(st, &v, NULL), GIS_OK);
    s.version = v;
    return s;
}

struct w {
    struct edit_input in;
    struct edit_prop props[16];
    size_t n;
};

static void w_init(struct w *w, const char *layer, enum edit_action action, const char *fid)
{
    memset(w, 0, sizeof *w);
    w->in.layer_id = layer;
    w->in.action = action;
    w->in.fid = fid;
    w->in.user = "test";
    w->in.props = w->props;
}

static void w_text(struct w *w, const char *name, const char *v)
{
    w->props[w->n++] = (struct edit_prop){name, v ? EDIT_JSON_STRING : EDIT_JSON_NULL, v};
    w->in.n_props = w->n;
}

static void w_num(struct w *w, const char *name, const char *v)
{
    w->props[w->n++] = (struct edit_prop){name, EDIT_JSON_NUMBER, v};
    w->in.n_props = w->n;
}

static void w_geom(struct w *w, const char *geojson)
{
    w->in.has_geometry = true;
    w->in.geometry = geojson;
}

/* Runs the write. out_p: the problems when rejected; out: the state after. */
static enum gis_status run(struct w *w, struct edit_problems *out_p, struct edit_state *out)
{
    struct edit *e = NULL;
    struct gis_error err = {0};
    struct edit_problems p = {0};
    enum gis_status rc = edit_begin(st, &w->in, &e, &err);

    if (rc == GIS_OK)
        rc = edit_apply(e, &p, &err);
    if (rc == GIS_OK)
        rc = edit_commit(e, &err);
    if (rc == GIS_OK && out)
        *out = *edit_after(e);
    if (out_p)
        *out_p = p;
    if (rc != GIS_OK && rc != GIS_ERR_REJECTED)
        fprintf(stderr, "edit: %s\n", err.msg);
    edit_free(e);
    return rc;
}

static bool has_problem(const struct edit_problems *p, const char *property, const char *text)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        if (!strcmp(p->items[i].property, property) && strstr(p->items[i].msg, text))
            return true;
    for (i = 0; i < p->n; i++)
        fprintf(stderr, "  problem %s: %s\n", p->items[i].property, p->items[i].msg);
    return false;
}

/* The write is rejected for (property, text) and changes nothing. */
static void assert_rejected(struct w *w, const char *property, const char *text)
{
    struct snap before = snapshot(), after;
    struct edit_problems p;

    assert_int_equal(run(w, &p, NULL), GIS_ERR_REJECTED);
    assert_true(has_problem(&p, property, text));
    after = snapshot();
    assert_memory_equal(&before, &after, sizeof before);
}

static void division(struct w *w, enum edit_action a, const char *layer, const char *code)
{
    w_init(w, layer, a, a == EDIT_CREATE ? NULL : code);
    if (a == EDIT_CREATE)
        w_text(w, "code", code);
    w->in.reason = "test fixture";
}

static void create_division(const char *layer, const char *code, const char *name, char *geojson)
{
    struct w w;

    division(&w, EDIT_CREATE, layer, code);
    w_text(&w, "name", name);
    w_geom(&w, geojson);
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
}

/* The county 610602 (109..110 E, 36..37 N) and township 610602001 in its south-west. */
static void tree(void)
{
    create_division("counties", "610602", "County", box(109.0, 36.0, 110.0, 37.0));
    create_division("townships", "610602001", "West", box(109.1, 36.1, 109.5, 36.5));
}

/* ---------------------------------------------------------------- pure helpers */

static void test_utm_zone(void **state)
{
    (void)state;
    assert_int_equal(edit_utm_epsg(109.5, 36.6), 32649);
    assert_int_equal(edit_utm_epsg(108.0, 36.6), 32649); /* a zone's west edge */
    assert_int_equal(edit_utm_epsg(-0.1, -10.0), 32730);
    assert_int_equal(edit_utm_epsg(-180.0, 0.0), 32601);
    assert_int_equal(edit_utm_epsg(180.0, 0.0), 32660);
}

static void test_dates(void **state)
{
    char d[11];

    (void)state;
    assert_true(edit_date_parse("2024-02-29", d));
    assert_string_equal(d, "2024-02-29");
    assert_true(edit_date_parse("2021-10-31T00:00:00Z", d));
    assert_string_equal(d, "2021-10-31");
    assert_false(edit_date_parse("2023-02-29", d));
    assert_false(edit_date_parse("2024-13-01", d));
    assert_false(edit_date_parse("2024-1-01", d));
    assert_false(edit_date_parse("2024-01-01x", d));
    assert_false(edit_date_parse("", d));
    assert_false(edit_date_parse(NULL, d));
}

static void test_lifecycle(void **state)
{
    (void)state;
    assert_true(facility_status_can_move("planned", "planned"));
    assert_true(facility_status_can_move("planned", "site_selected"));
    assert_true(facility_status_can_move("under_construction", "operating"));
    assert_true(facility_status_can_move("operating", "closed"));
    assert_false(facility_status_can_move("planned", "approved"));   /* a skip */
    assert_false(facility_status_can_move("operating", "planned"));  /* backwards */
    assert_false(facility_status_can_move("closed", "operating"));   /* reopening */
    assert_false(facility_status_can_move("planned", "demolished")); /* unknown */
    assert_true(facility_status_can_move(NULL, "operating"));        /* a new one */
    assert_false(facility_status_can_move(NULL, "built"));
}

static void test_urban_rural_and_targets(void **state)
{
    enum edit_target t;
    int level;

    (void)state;
    assert_true(division_urban_rural_is_valid("111"));
    assert_true(division_urban_rural_is_valid("220"));
    assert_false(division_urban_rural_is_valid("320"));
    assert_false(division_urban_rural_is_valid("11"));
    assert_false(division_urban_rural_is_valid("1a1"));
    assert_true(edit_layer_target("townships", &t, &level));
    assert_int_equal(t, EDIT_DIVISIONS);
    assert_int_equal(level, DIVISION_TOWNSHIP);
    assert_true(edit_layer_target("facilities", &t, &level));
    assert_int_equal(t, EDIT_FACILITIES);
    assert_false(edit_layer_target("demand", &t, &level));
    assert_false(edit_layer_target("coverage-canteen", &t, &level));
}

/* ---------------------------------------------------------------- divisions */

static void test_division_codes(void **state)
{
    struct w w;

    (void)state;
    tree();
    division(&w, EDIT_CREATE, "townships", "61060200A");
    w_text(&w, "name", "Bad");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    assert_rejected(&w, "code", "non-digit");

    division(&w, EDIT_CREATE, "townships", "610602001");
    w_text(&w, "name", "Twice");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    assert_rejected(&w, "code", "already exists");

    division(&w, EDIT_CREATE, "townships", "610602001001");
    w_text(&w, "name", "A village");
    w_geom(&w, point(109.2, 36.2));
    assert_rejected(&w, "code", "townships holds township divisions");

    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "East");
    w_text(&w, "parent_code", "610603");
    w_num(&w, "level", "3");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    assert_rejected(&w, "parent_code", "disagrees with code 610602002");
    assert_rejected(&w, "level", "level 3 disagrees");

    /* Counties exist, so a township under a missing one has no parent. */
    division(&w, EDIT_CREATE, "townships", "610603001");
    w_text(&w, "name", "Orphan");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    assert_rejected(&w, "code", "the parent 610603 of 610603001 does not exist");

    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "code", "610602009");
    assert_rejected(&w, "code", "cannot change");

    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Seat only");
    w_geom(&w, point(109.7, 36.7));
    assert_rejected(&w, "geometry", "a township needs a polygon");

    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "No reason");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    w.in.reason = NULL;
    assert_rejected(&w, "change_reason", "needs a reason");

    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Urban");
    w_text(&w, "urban_rural_code", "399");
    w_geom(&w, box(109.6, 36.6, 109.7, 36.7));
    assert_rejected(&w, "urban_rural_code", "not an NBS class code");
}

static void test_division_inside_parent(void **state)
{
    struct w w;
    double out9 = 9 * LON_M, out_half = 0.5 * LON_M;

    (void)state;
    tree();
    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Beyond");
    w_geom(&w, box(109.9, 36.6, 110.0 + out9, 36.7));
    assert_rejected(&w, "geometry", "reaches more than 1 m outside its parent 610602");

    /* Half a metre out is within the default tolerance; a stated 10 m takes 9. */
    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Edge");
    w_geom(&w, box(109.9, 36.6, 110.0 + out_half, 36.7));
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    division(&w, EDIT_CREATE, "townships", "610602003");
    w_text(&w, "name", "Tolerant");
    w_geom(&w, box(109.9, 36.8, 110.0 + out9, 36.9));
    w.in.tolerance_m = 10;
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);

    /* A village's seat must lie in its township. */
    division(&w, EDIT_CREATE, "villages", "610602001001");
    w_text(&w, "name", "Outside");
    w_geom(&w, point(109.7, 36.2));
    assert_rejected(&w, "geometry", "outside its parent 610602001");
    division(&w, EDIT_CREATE, "villages", "610602001001");
    w_text(&w, "name", "Inside");
    w_geom(&w, point(109.2, 36.2));
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);

    /* The county may not shrink away from its townships. */
    division(&w, EDIT_UPDATE, "counties", "610602");
    w_geom(&w, box(109.3, 36.0, 110.1, 37.0));
    assert_rejected(&w, "geometry", "leaves its divisions 610602001");
}

static void test_division_siblings(void **state)
{
    struct w w;

    (void)state;
    tree();
    /* Sharing West's east edge is fine; half a metre over it is digitising noise. */
    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Neighbour");
    w_geom(&w, box(109.5 - 0.5 * LON_M, 36.1, 109.8, 36.5));
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);

    division(&w, EDIT_CREATE, "townships", "610602003");
    w_text(&w, "name", "Overlapping");
    w_geom(&w, box(109.45, 36.3, 109.6, 36.6));
    assert_rejected(&w, "geometry", "overlaps 610602001, 610602002 by more than 1 m");

    division(&w, EDIT_UPDATE, "townships", "610602002");
    w_geom(&w, box(109.4, 36.1, 109.8, 36.5));
    assert_rejected(&w, "geometry", "overlaps 610602001");
}

static enum gis_status count_version(void *ctx, const struct edit_version *v, struct gis_error *err)
{
    (void)v;
    (void)err;
    ++*(int *)ctx;
    return GIS_OK;
}

static int versions_of(const char *layer, const char *code)
{
    int n = 0;

    assert_int_equal(edit_history(st, layer, code, count_version, NULL, &n, NULL), GIS_OK);
    return n;
}

static void test_division_versions(void **state)
{
    struct w w;
    struct edit_state after;

    (void)state;
    division(&w, EDIT_CREATE, "counties", "610602");
    w_text(&w, "name", "County");
    w_text(&w, "valid_from", "2021-10-31");
    w_geom(&w, box(109.0, 36.0, 110.0, 37.0));
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    division(&w, EDIT_CREATE, "townships", "610602001");
    w_text(&w, "name", "West");
    w_text(&w, "valid_from", "2021-10-31");
    w_geom(&w, box(109.1, 36.1, 109.5, 36.5));
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);

    /* A change dated 2023 closes the 2021 version; one without a date starts today; a
     * second one today corrects today's version in place. */
    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "valid_from", "2023-01-01");
    w_text(&w, "name", "West (2023)");
    assert_int_equal(run(&w, NULL, &after), GIS_OK);
    assert_string_equal(after.fid, "610602001");
    assert_string_equal(after.scope_code, "610602001");
    assert_int_equal(versions_of("townships", "610602001"), 2);
    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "name", "West (today)");
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "name", "West (today, corrected)");
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    assert_int_equal(versions_of("townships", "610602001"), 3);

    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "valid_from", "2022-01-01");
    assert_rejected(&w, "valid_from", "before the current version");
    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "valid_from", "2999-01-01");
    assert_rejected(&w, "valid_from", "in the future");
    division(&w, EDIT_UPDATE, "townships", "610602001");
    w_text(&w, "valid_to", "2024-01-01");
    assert_rejected(&w, "valid_to", "write path");
    /* An earlier version was valid until 2023: a new 610602001 may not begin before. */
    division(&w, EDIT_DELETE, "townships", "610602001");
    assert_int_equal(run(&w, NULL, &after), GIS_OK);
    assert_false(after.exists);
    division(&w, EDIT_CREATE, "townships", "610602001");
    w_text(&w, "name", "West again");
    w_text(&w, "valid_from", "2022-06-01");
    w_geom(&w, box(109.1, 36.1, 109.5, 36.5));
    assert_rejected(&w, "valid_from", "was valid until");

    /* Deleting a division with a village in it is refused; the village first. */
    create_division("townships", "610602002", "East", box(109.6, 36.1, 109.9, 36.5));
    create_division("villages", "610602002001", "Village", point(109.7, 36.2));
    division(&w, EDIT_DELETE, "townships", "610602002");
    assert_rejected(&w, "", "current divisions lie in it");
    division(&w, EDIT_DELETE, "villages", "610602002001");
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    division(&w, EDIT_DELETE, "townships", "610602002");
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
    division(&w, EDIT_UPDATE, "townships", "610602002");
    w_text(&w, "name", "Gone");
    {
        struct edit *e = NULL;
        assert_int_equal(edit_begin(st, &w.in, &e, NULL), GIS_ERR_NOT_FOUND);
    }
}

/* ---------------------------------------------------------------- geometry, types */

static void facility(struct w *w, enum edit_action a, const char *fid)
{
    w_init(w, "facilities", a, fid);
}

static void test_geometry_rules(void **state)
{
    struct w w;

    (void)state;
    tree();
    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Lat first");
    w_geom(&w, point(36.2, 109.2));
    assert_rejected(&w, "geometry", "not longitude/latitude");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "A line");
    w_geom(&w, "{\"type\":\"LineString\",\"coordinates\":[[109.2,36.2],[109.3,36.3]]}");
    assert_rejected(&w, "geometry", "expected a point");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Nowhere");
    assert_rejected(&w, "geometry", "needs a geometry");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Garbage");
    w_geom(&w, "{\"type\":\"Point\"}");
    assert_rejected(&w, "geometry", "not a GeoJSON geometry");

    /* A bow tie is invalid: refused with GEOS's reason, repaired only when asked. */
    division(&w, EDIT_CREATE, "townships", "610602002");
    w_text(&w, "name", "Bow tie");
    w_geom(&w, "{\"type\":\"Polygon\",\"coordinates\":[[[109.6,36.6],[109.7,36.7],[109.7,36.6],"
               "[109.6,36.7],[109.6,36.6]]]}");
    assert_rejected(&w, "geometry", "Self-intersection");
    w.in.is_repair = true;
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
}

static void test_property_types(void **state)
{
    struct w w;

    (void)state;
    tree();
    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Typed");
    w_text(&w, "capacity", "ten");
    w_num(&w, "name", "12"); /* a second name, as a number */
    w_num(&w, "scenario_id", "1.5");
    w_text(&w, "due_date", "next spring");
    w_text(&w, "colour", "red");
    w_geom(&w, point(109.2, 36.2));
    assert_rejected(&w, "capacity", "capacity must be an integer, not a string");
    assert_rejected(&w, "name", "name must be a string, not a number");
    assert_rejected(&w, "scenario_id", "must be an integer");
    assert_rejected(&w, "due_date", "a date YYYY-MM-DD");
    assert_rejected(&w, "colour", "'colour' is no property of facilities");
}

/* ---------------------------------------------------------------- facilities */

static void test_facility_rules(void **state)
{
    struct w w;
    struct edit_state after;
    struct edit_problems p;

    (void)state;
    tree();
    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "spaceport");
    w_text(&w, "name", "Unknown kind");
    w_text(&w, "status", "dreamt");
    w_num(&w, "capacity", "-1");
    w_geom(&w, point(109.2, 36.2));
    assert_rejected(&w, "kind", "kind 'spaceport' is unknown");
    assert_rejected(&w, "status", "status 'dreamt' is unknown");
    assert_rejected(&w, "capacity", "may not be negative");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Elsewhere");
    w_text(&w, "division_code", "610602001");
    w_geom(&w, point(109.8, 36.8));
    assert_rejected(&w, "geometry",
                    "the facility lies more than 1 m outside its division 610602001");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "No such division");
    w_text(&w, "division_code", "610602099");
    w_num(&w, "scenario_id", "7");
    w_geom(&w, point(109.2, 36.2));
    assert_rejected(&w, "division_code", "610602099 is not a current division");
    assert_rejected(&w, "scenario_id", "scenario 7 does not exist");

    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Planned canteen");
    w_text(&w, "status", "planned");
    w_text(&w, "division_code", "610602001000"); /* zero-padded: kept short */
    w_geom(&w, point(109.2, 36.2));
    assert_int_equal(run(&w, &p, &after), GIS_OK);
    assert_string_equal(after.fid, "F0001");
    assert_string_equal(after.scope_code, "610602001");

    facility(&w, EDIT_UPDATE, "F0001");
    w_text(&w, "status", "approved");
    assert_rejected(&w, "status", "cannot go from planned to approved");
    w.in.is_override = true; /* an administrator's correction */
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);

    /* Moving it out of its division is refused; moving the division with it is not. */
    facility(&w, EDIT_UPDATE, "F0001");
    w_geom(&w, point(109.8, 36.8));
    assert_rejected(&w, "geometry", "outside its division 610602001");
    facility(&w, EDIT_UPDATE, "F0001");
    w_geom(&w, point(109.8, 36.8));
    w_text(&w, "division_code", "610602");
    assert_int_equal(run(&w, NULL, NULL), GIS_OK);
}

/* ---------------------------------------------------------------- tags, revert */

static void test_tags_and_revert(void **state)
{
    struct w w;
    struct edit_state a, b, c;
    struct edit_revert *r = NULL;
    struct gis_error err = {0};
    struct edit *e = NULL;
    struct edit_problems p;

    (void)state;
    tree();
    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "One");
    w_geom(&w, point(109.2, 36.2));
    assert_int_equal(run(&w, NULL, &a), GIS_OK);
    facility(&w, EDIT_CREATE, NULL);
    w_text(&w, "kind", "canteen");
    w_text(&w, "name", "Two");
    w_geom(&w, point(109.3, 36.3));
    assert_int_equal(run(&w, NULL, &b), GIS_OK);

    /* Changing F0002 leaves F0001's tag alone. */
    facility(&w, EDIT_UPDATE, "F0002");
    w_text(&w, "name", "Two, renamed");
    assert_int_equal(run(&w, NULL, &c), GIS_OK);
    assert_true(c.tag != b.tag);
    facility(&w, EDIT_UPDATE, "F0001");
    assert_int_equal(edit_begin(st, &w.in, &e, &err), GIS_OK);
    assert_true(edit_before(e)->tag == a.tag);
    edit_free(e);

    /* Reverting the create of F0002 is refused while the rename depends on it. */
    assert_int_equal(edit_revert_plan(st, 4, &r, &err), GIS_OK); /* audit 4: create F0002 */
    assert_int_equal(r->in.action, EDIT_DELETE);
    r->in.user = "test";
    assert_int_equal(edit_begin(st, &r->in, &e, &err), GIS_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "audit 5 changed facilities/F0002 later"));
    edit_revert_free(r);

    /* Reverting the rename restores the name and the tag. */
    assert_int_equal(edit_revert_plan(st, 5, &r, &err), GIS_OK);
    assert_int_equal(r->in.action, EDIT_REPLACE);
    r->in.user = "test";
    assert_int_equal(edit_begin(st, &r->in, &e, &err), GIS_OK);
    assert_int_equal(edit_apply(e, &p, &err), GIS_OK);
    assert_int_equal(edit_commit(e, &err), GIS_OK);
    assert_true(edit_after(e)->tag == b.tag);
    edit_free(e);
    edit_revert_free(r);

    assert_int_equal(edit_revert_plan(st, 1, &r, &err), GIS_OK); /* the county's create */
    edit_revert_free(r);
    assert_int_equal(edit_revert_plan(st, 99, &r, &err), GIS_ERR_NOT_FOUND);
}

/* Each test gets a fresh store. */
static int fresh(void **state)
{
    (void)state;
    char side[160];

    store_close(st);
    st = NULL;
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return store_open(path, STORE_CREATE, &st, NULL) == GIS_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utm_zone),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_urban_rural_and_targets),
        cmocka_unit_test_setup(test_division_codes, fresh),
        cmocka_unit_test_setup(test_division_inside_parent, fresh),
        cmocka_unit_test_setup(test_division_siblings, fresh),
        cmocka_unit_test_setup(test_division_versions, fresh),
        cmocka_unit_test_setup(test_geometry_rules, fresh),
        cmocka_unit_test_setup(test_property_types, fresh),
        cmocka_unit_test_setup(test_facility_rules, fresh),
        cmocka_unit_test_setup(test_tags_and_revert, fresh),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
