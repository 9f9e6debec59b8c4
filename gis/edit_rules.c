/*
 * The write path's rules (edit.h): property types, required fields and counts, the
 * geometry (GeoJSON through the import's pipeline: lon/lat, class, validity), division
 * codes, parents, dates and reasons, the spatial rules with their tolerance (SpatiaLite
 * in the UTM zone of the geometry), facility kinds, statuses and their lifecycle, and
 * references to divisions and scenarios. Every rule adds its reason to the problem list
 * and lets the others run, so a rejected write names everything wrong with it at once.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "edit_int.h"
#include "facility.h"
#include "gis_int.h"
#include "import_int.h"
#include "names.h"
#include "strset.h"

#define MAX_LISTED 5 /* codes named in one problem */

/* ---------------------------------------------------------------- pure helpers */

int edit_utm_epsg(double lon, double lat)
{
    int zone = (int)floor((lon + 180.0) / 6.0) + 1;

    if (zone < 1)
        zone = 1;
    if (zone > 60)
        zone = 60;
    return (lat >= 0 ? 32600 : 32700) + zone;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool edit_date_parse(const char *text, char out[11])
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, i;

    if (!text || strlen(text) < 10 || (text[10] && text[10] != 'T'))
        return false;
    for (i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? text[i] != '-' : (text[i] < '0' || text[i] > '9'))
            return false;
    y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    m = (text[5] - '0') * 10 + (text[6] - '0');
    d = (text[8] - '0') * 10 + (text[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && is_leap(y)))
        return false;
    memcpy(out, text, 10);
    out[10] = '\0';
    return true;
}

/* A problem's place from columns first .. first + 5 of s's row: a point's longitude and
 * latitude, then the extent of the area it concerns (NULL, or a single point: none).
 * false when there is no point. */
static bool place_of_row(sqlite3_stmt *s, int first, struct edit_place *out)
{
    int i;

    if (sqlite3_column_count(s) < first + 2 || sqlite3_column_type(s, first) == SQLITE_NULL ||
        sqlite3_column_type(s, first + 1) == SQLITE_NULL)
        return false;
    memset(out, 0, sizeof *out);
    out->lon = sqlite3_column_double(s, first);
    out->lat = sqlite3_column_double(s, first + 1);
    if (sqlite3_column_count(s) < first + 6)
        return true;
    for (i = first + 2; i < first + 6; i++)
        if (sqlite3_column_type(s, i) == SQLITE_NULL)
            return true;
    out->min_lon = sqlite3_column_double(s, first + 2);
    out->min_lat = sqlite3_column_double(s, first + 3);
    out->max_lon = sqlite3_column_double(s, first + 4);
    out->max_lat = sqlite3_column_double(s, first + 5);
    out->has_extent = out->max_lon > out->min_lon || out->max_lat > out->min_lat;
    return true;
}

/* Grows a's extent by place b (a point alone counts as its own extent) and gives a b's
 * point when it has none (*has_a false). */
static void place_join(struct edit_place *a, bool *has_a, const struct edit_place *b)
{
    if (!*has_a) {
        *a = *b;
        *has_a = true;
        return;
    }
    if (!a->has_extent) {
        a->min_lon = a->max_lon = a->lon;
        a->min_lat = a->max_lat = a->lat;
    }
    a->min_lon = fmin(a->min_lon, b->has_extent ? b->min_lon : b->lon);
    a->min_lat = fmin(a->min_lat, b->has_extent ? b->min_lat : b->lat);
    a->max_lon = fmax(a->max_lon, b->has_extent ? b->max_lon : b->lon);
    a->max_lat = fmax(a->max_lat, b->has_extent ? b->max_lat : b->lat);
    a->has_extent = a->max_lon > a->min_lon || a->max_lat > a->min_lat;
}

/* The SQL of place_of_row's six columns for a geometry expression G in EPSG:4326. */
#define LOCATION_COLUMNS(G)                                                                        \
    "X(ST_PointOnSurface(" G ")), Y(ST_PointOnSurface(" G ")), MbrMinX(" G "), MbrMinY(" G         \
    "), MbrMaxX(" G "), MbrMaxY(" G ")"

/* ---------------------------------------------------------------- properties */

static bool number_integral(const char *text, long long *out)
{
    char *end;
    double d = strtod(text, &end);

    if (end == text || *end || !isfinite(d) || d != floor(d) || fabs(d) > 9e15)
        return false;
    *out = (long long)d;
    return true;
}

static const char *json_type_name(enum edit_json t)
{
    static const char *const names[] = {"null",      "a string", "a number",
                                        "a boolean", "an array", "an object"};
    return (unsigned)t < 6 ? names[t] : "a value";
}

/* Whether prop's JSON type fits field f; the value to store goes to buf (integers and
 * booleans as digits, dates as YYYY-MM-DD; text fields store the text itself). */
static bool fits(const struct edit_field *f, const struct edit_prop *prop, char *buf, size_t size)
{
    long long v = 0;

    switch (f->type) {
    case PROP_TEXT:
        return prop->type == EDIT_JSON_STRING ||
               (prop->type == EDIT_JSON_ARRAY && (f->flags & EF_LIST));
    case PROP_INT:
        if (prop->type != EDIT_JSON_NUMBER || !number_integral(prop->text, &v))
            return false;
        snprintf(buf, size, "%lld", v);
        return true;
    case PROP_BOOL:
        if (prop->type == EDIT_JSON_BOOL) {
            snprintf(buf, size, "%d", !strcmp(prop->text, "true"));
            return true;
        }
        if (prop->type != EDIT_JSON_NUMBER || !number_integral(prop->text, &v) ||
            (v != 0 && v != 1))
            return false;
        snprintf(buf, size, "%lld", v);
        return true;
    case PROP_DATE:
        return prop->type == EDIT_JSON_STRING && edit_date_parse(prop->text, buf);
    default:
        return prop->type == EDIT_JSON_NUMBER;
    }
}

static const char *type_wanted(enum prop_type t)
{
    return t == PROP_INT    ? "an integer"
           : t == PROP_BOOL ? "true or false"
           : t == PROP_DATE ? "a date YYYY-MM-DD"
           : t == PROP_REAL ? "a number"
                            : "a string";
}

/* The text to store for prop as field f's type, in buf; false (problem added) when the
 * value is of the wrong type. */
static bool convert(const struct edit_field *f,
                    const struct edit_prop *prop,
                    char *buf,
                    size_t size,
                    struct edit_problems *p)
{
    buf[0] = '\0';
    if (prop->type == EDIT_JSON_NULL || !prop->text || fits(f, prop, buf, size))
        return true;
    edit_problem_add(p, f->name, "%s must be %s, not %s ('%.40s')", f->name, type_wanted(f->type),
                     json_type_name(prop->type), prop->text);
    return false;
}

static void unknown_property(struct edit *e, const char *name, struct edit_problems *p)
{
    char list[300];
    size_t i, used = 0;

    list[0] = '\0';
    for (i = 0; i < e->tab->n_fields && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         e->tab->fields[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
    edit_problem_add(p, name, "'%.40s' is no property of %s; it has %s", name, e->tab->table, list);
}

static void take_reason(struct edit *e, const struct edit_prop *prop, struct edit_problems *p)
{
    if (prop->type == EDIT_JSON_STRING && prop->text)
        e->reason = prop->text;
    else if (prop->type != EDIT_JSON_NULL)
        edit_problem_add(p, "change_reason", "change_reason must be a string, not %s",
                         json_type_name(prop->type));
}

static void take_one(struct edit *e, const struct edit_prop *prop, struct edit_problems *p)
{
    int i = edit__field(e->tab, prop->name);
    const struct edit_field *f;
    char buf[32];
    const char *text;

    if (i < 0) {
        unknown_property(e, prop->name, p);
        return;
    }
    f = &e->tab->fields[i];
    if (!convert(f, prop, buf, sizeof buf, p))
        return;
    text = prop->type == EDIT_JSON_NULL || !prop->text ? NULL
           : f->type == PROP_TEXT                      ? prop->text
                                                       : buf;
    if (!strcmp(f->name, "valid_to") && text) {
        edit_problem_add(p, "valid_to",
                         "valid_to is the write path's: a delete or a later version closes one");
        return;
    }
    if (edit__set(&e->next, (size_t)i, text) != GIS_OK) {
        edit_problem_add(p, f->name, "out of memory");
        return;
    }
    e->is_given[i] = true;
}

void edit__take_props(struct edit *e, struct edit_problems *p)
{
    size_t i;

    for (i = 0; i < e->in->n_props; i++) {
        const struct edit_prop *prop = &e->in->props[i];
        if (!prop->name)
            continue;
        if (!strcmp(prop->name, "change_reason"))
            take_reason(e, prop, p);
        else
            take_one(e, prop, p);
    }
}

void edit__check_fields(struct edit *e, struct edit_problems *p)
{
    size_t i;

    for (i = 0; i < e->tab->n_fields; i++) {
        const struct edit_field *f = &e->tab->fields[i];
        const char *v = e->next.val[i];
        if ((f->flags & EF_REQUIRED) && (!v || !*v))
            edit_problem_add(p, f->name, "%s is required", f->name);
        if ((f->flags & EF_COUNT) && v && strtoll(v, NULL, 10) < 0)
            edit_problem_add(p, f->name, "%s may not be negative (%s)", f->name, v);
    }
}

/* ---------------------------------------------------------------- geometry */

static enum geom_class target_class(enum edit_target t)
{
    if (t == EDIT_DIVISIONS)
        return GEOM_POLYGONAL;
    return t == EDIT_FACILITIES || t == EDIT_DEMAND ? GEOM_POINT : GEOM_ANY;
}

/* SpatiaLite's reason (GEOS) why g is invalid, and where (GEOS's point of it, in g's
 * coordinates). out_has_at: whether that point is known. */
static void invalid_reason(
    struct edit *e, OGRGeometryH g, char *out, size_t size, struct edit_place *at, bool *out_has_at)
{
    static const char sql[] = "SELECT ST_IsValidReason(g), X(d), Y(d) FROM (SELECT g, "
                              "ST_IsValidDetail(g) AS d FROM (SELECT GeomFromWKB(?1, 4326) AS g))";
    unsigned char *wkb = NULL;
    size_t n = 0;
    sqlite3_stmt *s;

    snprintf(out, size, "invalid");
    *out_has_at = false;
    if (import__wkb(g, &wkb, &n, NULL) != GIS_OK)
        return;
    if (store__stmt(e->st, sql, &s, NULL) == GIS_OK) {
        sqlite3_bind_blob(s, 1, wkb, (int)n, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            if (sqlite3_column_text(s, 0))
                snprintf(out, size, "%s", sqlite3_column_text(s, 0));
            *out_has_at = place_of_row(s, 1, at);
        }
        store__done(s);
    }
    free(wkb);
}

static bool is_lonlat(const struct edit *e, OGRGeometryH g, struct edit_problems *p)
{
    OGREnvelope env;

    OGR_G_GetEnvelope(g, &env);
    if (isfinite(env.MinX) && isfinite(env.MaxX) && isfinite(env.MinY) && isfinite(env.MaxY) &&
        env.MinX >= -180.0 && env.MaxX <= 180.0 && env.MinY >= -90.0 && env.MaxY <= 90.0)
        return true;
    edit_problem_add(
        p, "geometry", "coordinates (%.6g %.6g .. %.6g %.6g) are not longitude/latitude: %s",
        env.MinX, env.MinY, env.MaxX, env.MaxY,
        e->in->hint_crs ? e->in->hint_crs
                        : "GeoJSON is CRS84 unless a Content-Crs header names another CRS");
    return false;
}

/* Keeps g (prepared, EPSG:4326) as the edit's new geometry. */
static enum gis_status keep_geometry(struct edit *e, OGRGeometryH g, bool is_point)
{
    OGREnvelope env;
    enum gis_status rc = import__wkb(g, &e->geom_wkb, &e->geom_wkb_n, NULL);

    if (rc != GIS_OK) {
        OGR_G_DestroyGeometry(g);
        return rc;
    }
    OGR_G_GetEnvelope(g, &env);
    e->epsg = edit_utm_epsg((env.MinX + env.MaxX) / 2, (env.MinY + env.MaxY) / 2);
    e->geom = g;
    e->is_point = is_point;
    return GIS_OK;
}

static enum gis_status
prepare_geometry(struct edit *e, OGRGeometryH src, struct edit_problems *p, struct gis_error *err)
{
    struct crs_transform *xf = NULL;
    struct gis_error gerr = {0};
    OGRGeometryH g = NULL;
    bool is_repaired = false, is_point = false;
    enum gis_status rc = GIS_OK;
    char why[200];
    struct edit_place at;
    bool has_at;

    if (e->in->crs && crs_transform_new(e->in->crs, "EPSG:4326", &xf, &gerr) != GIS_OK) {
        edit_problem_add(p, "geometry", "Content-Crs: %s", gerr.msg);
        return GIS_OK;
    }
    if (e->in->is_north_first)
        OGR_G_SwapXY(src); /* to the traditional order crs_transform works in */
    if (!e->in->crs && !is_lonlat(e, src, p))
        return GIS_OK;
    rc = import__geom_prepare(src, xf, target_class(e->tab->target), false, &g, &is_repaired,
                              &is_point, &gerr);
    crs_transform_free(xf);
    if (rc == GIS_ERR_NOMEM)
        return gis_fail(err, rc, "%s", gerr.msg);
    if (rc != GIS_OK) {
        edit_problem_add(p, "geometry", "%s", gerr.msg);
        return GIS_OK;
    }
    if (is_repaired && !e->in->is_repair) {
        invalid_reason(e, src, why, sizeof why, &at, &has_at);
        /* Where: in longitude/latitude only when the geometry came in them. */
        edit_problem_add_at(
            p, has_at && !e->in->crs ? &at : NULL, "geometry", "the geometry is invalid (%s); %s",
            why, e->in->hint_repair ? e->in->hint_repair : "send repair=true to have it repaired");
        OGR_G_DestroyGeometry(g);
        return GIS_OK;
    }
    e->is_repaired = is_repaired;
    return keep_geometry(e, g, is_point) == GIS_OK ? GIS_OK
                                                   : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
}

static OGRGeometryH from_wkb(const unsigned char *wkb, size_t n)
{
    OGRGeometryH g = NULL;

    if (!wkb || n > INT32_MAX || OGR_G_CreateFromWkb(wkb, NULL, &g, (int)n) != OGRERR_NONE)
        return NULL;
    return g;
}

/* Whether the seat given is a point in longitude/latitude beside a polygon (a problem
 * added if not). */
static bool seat_is_usable(const struct edit *e, struct edit_problems *p)
{
    OGRGeometryH seat = from_wkb(e->in->seat_wkb, e->in->seat_wkb_n);
    bool is_point = seat && wkbFlatten(OGR_G_GetGeometryType(seat)) == wkbPoint, is_ok;

    if (!is_point)
        edit_problem_add(p, "seat", "the seat must be a point");
    if (is_point && e->is_point)
        edit_problem_add(p, "seat", "a seat is given beside a polygon, not beside a point");
    is_ok = is_point && !e->is_point && is_lonlat(e, seat, p);
    if (seat)
        OGR_G_DestroyGeometry(seat);
    return is_ok;
}

/* A division's seat given beside its polygon (an import's seat_lon/seat_lat): a point
 * in longitude/latitude inside the polygon, within the tolerance. */
static enum gis_status check_seat(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    static const char sql[] =
        "SELECT CASE WHEN ST_Covers(GeomFromWKB(?1, 4326), GeomFromWKB(?2, 4326)) THEN 1 ELSE "
        "ST_Covers(ST_Buffer(ST_Transform(GeomFromWKB(?1, 4326), ?3), ?4), "
        "ST_Transform(GeomFromWKB(?2, 4326), ?3)) END, X(GeomFromWKB(?2, 4326)), "
        "Y(GeomFromWKB(?2, 4326))";
    struct edit_place at;
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!e->in->seat_wkb || !e->geom || !seat_is_usable(e, p))
        return GIS_OK; /* no seat, the geometry was refused already, or the seat was */
    rc = store__stmt(e->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_blob(s, 1, e->geom_wkb, (int)e->geom_wkb_n, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, e->in->seat_wkb, (int)e->in->seat_wkb_n, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, e->epsg);
    sqlite3_bind_double(s, 4, e->tol);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0)
        edit_problem_add_at(p, place_of_row(s, 1, &at) ? &at : NULL, "seat",
                            "the seat lies more than %g m outside the division", e->tol);
    store__done(s);
    e->seat_wkb = malloc(e->in->seat_wkb_n);
    if (!e->seat_wkb)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    memcpy(e->seat_wkb, e->in->seat_wkb, e->in->seat_wkb_n);
    e->seat_wkb_n = e->in->seat_wkb_n;
    return GIS_OK;
}

enum gis_status edit__check_geometry(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    OGRGeometryH src;
    enum gis_status rc;

    if (e->in->action == EDIT_DELETE || (!e->in->has_geometry && e->in->action == EDIT_UPDATE))
        return GIS_OK;
    import__gdal_init(); /* OGR's messages into our log */
    if (!e->in->has_geometry || (!e->in->geometry && !e->in->wkb)) {
        edit_problem_add(p, "geometry", "a feature of %s needs a geometry", e->tab->table);
        return GIS_OK;
    }
    src = from_wkb(e->in->wkb, e->in->wkb_n);
    if (!e->in->wkb)
        src = OGR_G_CreateGeometryFromJson(e->in->geometry);
    if (!src) {
        edit_problem_add(p, "geometry", "not a %s geometry: %.80s", e->in->wkb ? "WKB" : "GeoJSON",
                         e->in->wkb ? "" : e->in->geometry);
        return GIS_OK;
    }
    rc = prepare_geometry(e, src, p, err);
    OGR_G_DestroyGeometry(src);
    return rc == GIS_OK ? check_seat(e, p, err) : rc;
}

/* ---------------------------------------------------------------- spatial rules */

/* The point distances are measured around when only a stored geometry is at hand. */
static void stored_epsg(struct edit *e)
{
    sqlite3_stmt *s;

    if (e->geom || !e->cur.geom ||
        store__stmt(e->st,
                    "SELECT (MbrMinX(?1) + MbrMaxX(?1)) / 2, (MbrMinY(?1) + MbrMaxY(?1)) / 2", &s,
                    NULL) != GIS_OK)
        return;
    sqlite3_bind_blob(s, 1, e->cur.geom, (int)e->cur.geom_n, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        e->epsg = edit_utm_epsg(sqlite3_column_double(s, 0), sqlite3_column_double(s, 1));
    store__done(s);
}

/* Binds the geometry being judged: the new one (?1) or the stored one (?2), the UTM zone
 * (?3) and the tolerance (?4). */
static void bind_judged(struct edit *e, sqlite3_stmt *s)
{
    if (e->geom_wkb)
        sqlite3_bind_blob(s, 1, e->geom_wkb, (int)e->geom_wkb_n, SQLITE_STATIC);
    else if (e->cur.geom)
        sqlite3_bind_blob(s, 2, e->cur.geom, (int)e->cur.geom_n, SQLITE_STATIC);
    else if (e->cur.seat)
        sqlite3_bind_blob(s, 2, e->cur.seat, (int)e->cur.seat_n, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, e->epsg);
    sqlite3_bind_double(s, 4, e->tol);
}

/* Whether the judged geometry lies within the tolerance of division `code`'s polygon (its
 * parent's when it has only a seat). out: 1 inside, 0 outside, -1 no polygon to judge by.
 * CASE, not OR: SQLite evaluates both sides of an OR, and the buffer in the UTM zone is
 * the expensive side that a point well inside never needs (a third of an import's time). */
static enum gis_status
inside_division(struct edit *e, const char *code, int *out, struct gis_error *err)
{
    static const char sql[] =
        "WITH n AS MATERIALIZED (SELECT COALESCE(GeomFromWKB(?1, 4326), ?2) AS g), "
        "d AS MATERIALIZED (SELECT COALESCE(d.geom, (SELECT p.geom FROM divisions p WHERE "
        "p.code = d.parent_code AND p.valid_to IS NULL)) AS poly FROM divisions d WHERE d.code = "
        "?5 "
        "AND d.valid_to IS NULL) "
        "SELECT CASE WHEN ST_Covers(d.poly, n.g) THEN 1 ELSE ST_Covers(ST_Buffer("
        "ST_Transform(d.poly, ?3), ?4), ST_Transform(n.g, ?3)) END FROM d, n WHERE d.poly IS NOT "
        "NULL";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, sql, &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    bind_judged(e, s);
    sqlite3_bind_text(s, 5, code, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 0) != 0;
    else if (step == SQLITE_DONE)
        *out = -1;
    else
        rc = store__fail(e->st, err, "checking the geometry against its division");
    store__done(s);
    return rc;
}

/* Runs a statement listing division codes (col 0), each with the place of its problem
 * (cols 1..6, place_of_row), and joins up to MAX_LISTED codes into out and their places
 * into *at (*has_at: whether any is known). */
static enum gis_status list_codes(struct edit *e,
                                  sqlite3_stmt *s,
                                  char *out,
                                  size_t size,
                                  struct edit_place *at,
                                  bool *has_at,
                                  struct gis_error *err)
{
    size_t used = 0, k = 0;
    struct edit_place one;
    int step;

    out[0] = '\0';
    *has_at = false;
    while ((step = sqlite3_step(s)) == SQLITE_ROW && k < MAX_LISTED) {
        int n = snprintf(out + used, size - used, "%s%s", k ? ", " : "",
                         (const char *)sqlite3_column_text(s, 0));
        used += n > 0 && (size_t)n < size - used ? (size_t)n : 0;
        if (place_of_row(s, 1, &one))
            place_join(at, has_at, &one);
        k++;
    }
    store__done(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return store__fail(e->st, err, "checking the geometry");
    return GIS_OK;
}

/* The siblings the new polygon overlaps by more than the tolerance, each with where:
 * their intersection, eroded by half the tolerance (what is left is the overlap that
 * counts), worked out once per neighbour (MATERIALIZED). */
static enum gis_status overlapping_siblings(struct edit *e,
                                            const struct division_code *dc,
                                            char *out,
                                            size_t size,
                                            struct edit_place *at,
                                            bool *has_at,
                                            struct gis_error *err)
{
    static const char sql[] =
        "WITH u AS MATERIALIZED (SELECT GeomFromWKB(?1, 4326) AS g, "
        "ST_Transform(GeomFromWKB(?1, 4326), ?3) AS gu), "
        "o AS MATERIALIZED (SELECT s.code AS code, ST_Buffer(ST_Intersection(ST_Transform("
        "s.geom, ?3), u.gu), -?4 / 2.0) AS x FROM divisions s, u WHERE s.parent_code IS ?5 AND "
        "s.level = ?6 AND s.code <> ?7 AND s.valid_to IS NULL AND s.geom IS NOT NULL AND "
        "MbrIntersects(s.geom, u.g) AND ST_Intersects(s.geom, u.g)), "
        "w AS MATERIALIZED (SELECT code, ST_Transform(x, 4326) AS w FROM o WHERE "
        "COALESCE(ST_Area(x), 0) > 0) "
        "SELECT code, " LOCATION_COLUMNS("w") " FROM w ORDER BY code";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    bind_judged(e, s);
    if (dc->parent[0])
        sqlite3_bind_text(s, 5, dc->parent, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 6, (int)dc->level);
    sqlite3_bind_text(s, 7, dc->code, -1, SQLITE_TRANSIENT);
    return list_codes(e, s, out, size, at, has_at, err);
}

/* The children the new boundary leaves outside by more than the tolerance, each with
 * where: its part outside (a seat: itself). */
static enum gis_status children_outside(struct edit *e,
                                        const char *code,
                                        char *out,
                                        size_t size,
                                        struct edit_place *at,
                                        bool *has_at,
                                        struct gis_error *err)
{
    static const char sql[] =
        "WITH u AS MATERIALIZED (SELECT GeomFromWKB(?1, 4326) AS g, "
        "ST_Buffer(ST_Transform(GeomFromWKB(?1, 4326), ?3), ?4) AS b), "
        "w AS MATERIALIZED (SELECT c.code AS code, ST_Transform(ST_Difference(ST_Transform("
        "COALESCE(c.geom, c.seat), ?3), u.b), 4326) AS w FROM divisions c, u WHERE "
        "c.parent_code = ?5 AND c.valid_to IS NULL AND COALESCE(c.geom, c.seat) IS NOT NULL AND "
        "NOT (ST_Covers(u.g, COALESCE(c.geom, c.seat)) OR ST_Covers(u.b, "
        "ST_Transform(COALESCE(c.geom, c.seat), ?3)))) "
        "SELECT code, " LOCATION_COLUMNS("w") " FROM w ORDER BY code";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    bind_judged(e, s);
    sqlite3_bind_text(s, 5, code, -1, SQLITE_TRANSIENT);
    return list_codes(e, s, out, size, at, has_at, err);
}

/* Runs sql, which reads the judged geometry (bind_judged) and division ?5 (code, may be
 * NULL), for the place of a problem in its first row. out_has: whether it found one. */
static void
locate(struct edit *e, const char *sql, const char *code, struct edit_place *out, bool *out_has)
{
    sqlite3_stmt *s;

    *out_has = false;
    if (store__stmt(e->st, sql, &s, NULL) != GIS_OK)
        return;
    bind_judged(e, s);
    if (code)
        sqlite3_bind_text(s, 5, code, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW)
        *out_has = place_of_row(s, 0, out);
    store__done(s);
}

/* Where a polygon reaches outside division ?5: its part beyond the tolerance. */
static const char SQL_OUTSIDE_PLACE[] =
    "WITH w AS MATERIALIZED (SELECT ST_Transform(ST_Difference(ST_Transform(GeomFromWKB(?1, "
    "4326), ?3), ST_Buffer(ST_Transform(p.geom, ?3), ?4)), 4326) AS w FROM divisions p WHERE "
    "p.code = ?5 AND p.valid_to IS NULL) "
    "SELECT " LOCATION_COLUMNS("w") " FROM w";

/* Where the division or place ?5 is (the sibling that has the name already): a
 * division's seat and extent, a place's geometry. */
static const char SQL_DIVISION_PLACE[] =
    "SELECT X(p), Y(p), MbrMinX(geom), MbrMinY(geom), MbrMaxX(geom), MbrMaxY(geom) FROM (SELECT "
    "COALESCE(seat, ST_PointOnSurface(geom)) AS p, geom FROM divisions WHERE code = ?5 AND "
    "valid_to IS NULL)";
static const char SQL_PLACE_PLACE[] =
    "WITH w AS MATERIALIZED (SELECT geom AS w FROM places WHERE id = CAST(?5 AS INTEGER) AND "
    "CAST(id AS TEXT) = ?5 AND valid_to IS NULL) SELECT " LOCATION_COLUMNS("w") " FROM w";

/* Where the judged geometry itself is (a facility or place outside its division). */
static const char SQL_JUDGED_PLACE[] =
    "WITH w AS MATERIALIZED (SELECT COALESCE(GeomFromWKB(?1, 4326), ?2) AS w) "
    "SELECT " LOCATION_COLUMNS("w") " FROM w";

/* A division's new polygon against its siblings and (when it exists already) its
 * children. */
static enum gis_status division_neighbours(struct edit *e,
                                           const struct division_code *dc,
                                           struct edit_problems *p,
                                           struct gis_error *err)
{
    char codes[120];
    struct edit_place at;
    bool has_at = false;
    enum gis_status rc = overlapping_siblings(e, dc, codes, sizeof codes, &at, &has_at, err);

    if (rc == GIS_OK && codes[0])
        edit_problem_add_at(p, has_at ? &at : NULL, "geometry",
                            "%s %s overlaps %s by more than %g m",
                            division_level_name((int)dc->level), dc->code, codes, e->tol);
    if (rc != GIS_OK || !e->before.exists)
        return rc;
    rc = children_outside(e, dc->code, codes, sizeof codes, &at, &has_at, err);
    if (rc == GIS_OK && codes[0])
        edit_problem_add_at(p, has_at ? &at : NULL, "geometry",
                            "the new boundary of %s leaves its divisions %s more than %g m outside",
                            dc->code, codes, e->tol);
    return rc;
}

/* A division's new geometry: inside its parent, clear of its siblings, around its
 * children. */
static enum gis_status division_spatial(struct edit *e,
                                        const struct division_code *dc,
                                        struct edit_problems *p,
                                        struct gis_error *err)
{
    int inside = -1;
    struct edit_place at;
    bool has_at = false;
    enum gis_status rc = dc->parent[0] ? inside_division(e, dc->parent, &inside, err) : GIS_OK;

    if (rc == GIS_OK && inside == 0) {
        locate(e, SQL_OUTSIDE_PLACE, dc->parent, &at, &has_at);
        edit_problem_add_at(p, has_at ? &at : NULL, "geometry",
                            "%s %s reaches more than %g m outside its parent %s",
                            division_level_name((int)dc->level), dc->code, e->tol, dc->parent);
    }
    if (rc == GIS_OK && !e->is_point)
        rc = division_neighbours(e, dc, p, err);
    return rc;
}

/* ---------------------------------------------------------------- divisions */

static const char SQL_CURRENT[] = "SELECT 1 FROM divisions WHERE code = ? AND valid_to IS NULL";

/* A create's id that is taken: by this batch (the input names it twice) or the store. */
static void id_taken(
    struct edit *e, const char *prop, const char *what, const char *id, struct edit_problems *p)
{
    if (e->batch && strset_has(e->batch->written, id))
        edit_problem_add(p, prop, "%s is a duplicate within this import", id);
    else
        edit_problem_add(p, prop, "%s %s already exists in the store", what, id);
}

/* A create with its own id (a facility's fid, a demand point's code): not taken yet. */
static enum gis_status new_id(struct edit *e,
                              const char *sql,
                              const char *what,
                              struct edit_problems *p,
                              struct gis_error *err)
{
    bool found = false;
    enum gis_status rc;

    if (e->in->action != EDIT_CREATE || !e->in->fid)
        return GIS_OK;
    rc = edit__exists(e->st, sql, e->in->fid, &found, err);
    if (rc == GIS_OK && found)
        id_taken(e, e->tab->id_column, what, e->in->fid, p);
    return rc;
}

/* The parent must exist whenever the store has divisions at the parent's level: one whose
 * parent level is absent altogether is a root of this store (as the import decides). */
static enum gis_status check_parent(struct edit *e,
                                    const struct division_code *dc,
                                    struct edit_problems *p,
                                    struct gis_error *err)
{
    static const char sql_level[] =
        "SELECT 1 FROM divisions WHERE level = CAST(? AS INTEGER) AND valid_to IS NULL LIMIT 1";
    int parent_level = (int)dc->level - 1;
    bool found = false;
    char level[16];
    enum gis_status rc;

    if (dc->level == DIVISION_PROVINCE)
        return GIS_OK;
    if (dc->level == DIVISION_TOWNSHIP && !strcmp(dc->parent + 4, "00"))
        parent_level = DIVISION_CITY; /* a township directly under a city (Dongguan) */
    rc = edit__exists(e->st, SQL_CURRENT, dc->parent, &found, err);
    if (rc != GIS_OK || found)
        return rc;
    snprintf(level, sizeof level, "%d", parent_level);
    rc = edit__exists(e->st, sql_level, level, &found, err);
    if (e->batch && e->batch->has_level[parent_level])
        found = true;
    if (rc == GIS_OK && found)
        edit_problem_add(p, "code", "the parent %s of %s does not exist", dc->parent, dc->code);
    return rc;
}

/* The code: given on a create, fixed afterwards; level and parent_code follow from it. */
static bool division_code(struct edit *e, struct division_code *dc, struct edit_problems *p)
{
    struct gis_error perr = {0};
    int i = edit__field(e->tab, "code");
    const char *given = e->is_given[i] ? e->next.val[i] : NULL;
    struct division_code g;

    if (e->in->action == EDIT_CREATE && !given) {
        edit_problem_add(p, "code", "a new division needs its code (12-digit statistical code)");
        return false;
    }
    if (division_code_parse(given ? given : e->cur.val[i], &g, &perr) != GIS_OK) {
        edit_problem_add(p, "code", "%s", perr.msg);
        return false;
    }
    if (e->before.exists && strcmp(g.code, e->cur.val[i])) {
        edit_problem_add(p, "code",
                         "the code of %s cannot change to %s: a new code is a new division",
                         e->cur.val[i], g.code);
        return false;
    }
    *dc = g;
    if (e->batch)
        e->batch->has_level[g.level] = true;
    return edit__set(&e->next, (size_t)i, g.code) == GIS_OK;
}

static void
division_derived(struct edit *e, const struct division_code *dc, struct edit_problems *p)
{
    int il = edit__field(e->tab, "level"), ip = edit__field(e->tab, "parent_code");
    const char *level = e->is_given[il] ? e->next.val[il] : NULL;
    const char *parent = e->is_given[ip] ? e->next.val[ip] : NULL;
    struct division_code pc;
    char buf[16];

    if (e->level && (int)dc->level != e->level)
        edit_problem_add(p, "code", "%s is a %s; %s holds %s divisions", dc->code,
                         division_level_name((int)dc->level), e->layer->id,
                         division_level_name(e->level));
    if (level && strtol(level, NULL, 10) != (long)dc->level)
        edit_problem_add(p, "level", "level %s disagrees with code %s (a %s)", level, dc->code,
                         division_level_name((int)dc->level));
    if (parent && (division_code_parse(parent, &pc, NULL) != GIS_OK || strcmp(pc.code, dc->parent)))
        edit_problem_add(p, "parent_code",
                         "parent_code %.20s disagrees with code %s, whose prefix names %s", parent,
                         dc->code, dc->parent[0] ? dc->parent : "no parent");
    snprintf(buf, sizeof buf, "%d", (int)dc->level);
    edit__set(&e->next, (size_t)il, buf);
    edit__set(&e->next, (size_t)ip, dc->parent[0] ? dc->parent : NULL);
}

/* The day the change takes effect: valid_from when given (an echo of the current
 * version's is no request), else today; never later than today nor before the current
 * version began. */
static void division_date(struct edit *e, struct edit_problems *p)
{
    int i = edit__field(e->tab, "valid_from");
    const char *given = e->is_given[i] ? e->next.val[i] : NULL;
    const char *since = e->before.exists ? e->cur.val[i] : NULL;

    if (given && !(since && !strcmp(given, since)))
        snprintf(e->date, sizeof e->date, "%s", given);
    if (e->in->effective_date && !edit_date_parse(e->in->effective_date, e->date))
        edit_problem_add(p, "valid_from", "the effective date '%.20s' is no date YYYY-MM-DD",
                         e->in->effective_date);
    if (strcmp(e->date, e->today) > 0)
        edit_problem_add(p, "valid_from", "valid_from %s is in the future (today is %s)", e->date,
                         e->today);
    if (since && strcmp(e->date, since) < 0)
        edit_problem_add(p, "valid_from",
                         "valid_from %s is before the current version of %s began (%s)", e->date,
                         e->before.fid, since);
}

/* A new division: no current one with the code, no earlier one still valid then. */
static enum gis_status division_new(struct edit *e,
                                    const struct division_code *dc,
                                    struct edit_problems *p,
                                    struct gis_error *err)
{
    static const char sql_later[] = "SELECT max(valid_to) FROM divisions WHERE code = ?1 AND "
                                    "valid_to > ?2";
    bool found = false;
    sqlite3_stmt *s;
    enum gis_status rc = edit__exists(e->st, SQL_CURRENT, dc->code, &found, err);

    if (rc == GIS_OK && found)
        id_taken(e, "code", "division", dc->code, p);
    if (rc == GIS_OK)
        rc = store__stmt(e->st, sql_later, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, dc->code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, e->date, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        edit_problem_add(p, "valid_from",
                         "an earlier version of %s was valid until %s: the new one may not start "
                         "before",
                         dc->code, sqlite3_column_text(s, 0));
    store__done(s);
    return GIS_OK;
}

/* What still names a division about to be deleted. */
static enum gis_status division_dependants(struct edit *e,
                                           const char *code,
                                           struct edit_problems *p,
                                           struct gis_error *err)
{
    static const char *const sql[] = {
        "SELECT 1 FROM divisions WHERE parent_code = ? AND valid_to IS NULL LIMIT 1",
        "SELECT 1 FROM facilities WHERE division_code = ? LIMIT 1",
        "SELECT 1 FROM places WHERE division_code = ? AND valid_to IS NULL LIMIT 1",
        "SELECT 1 FROM demand WHERE division_code = ? LIMIT 1",
    };
    static const char *const what[] = {"current divisions", "facilities", "places",
                                       "demand points"};
    enum gis_status rc = GIS_OK;
    bool found;
    size_t i;

    for (i = 0; i < sizeof sql / sizeof *sql && rc == GIS_OK; i++) {
        found = false;
        rc = edit__exists(e->st, sql[i], code, &found, err);
        if (rc == GIS_OK && found)
            edit_problem_add(p, NULL,
                             "%s cannot be deleted: %s lie in it (move or delete them "
                             "first)",
                             code, what[i]);
    }
    return rc;
}

static void division_reason(struct edit *e, struct edit_problems *p)
{
    if (!e->reason || !*e->reason)
        edit_problem_add(p, "change_reason",
                         "a division change needs a reason: the change_reason property (the "
                         "approval document number belongs there) or the X-Change-Reason header");
}

static enum gis_status unique_name(struct edit *e,
                                   enum names_target t,
                                   const char *parent,
                                   struct edit_problems *p,
                                   struct gis_error *err);

static enum gis_status division_checks(struct edit *e,
                                       const struct division_code *dc,
                                       struct edit_problems *p,
                                       struct gis_error *err)
{
    const char *urc = edit__val(e, &e->next, "urban_rural_code");
    enum gis_status rc = GIS_OK;

    division_derived(e, dc, p);
    if (urc && !division_urban_rural_is_valid(urc))
        edit_problem_add(p, "urban_rural_code",
                         "urban_rural_code '%.10s' is not an NBS class code (111..220)", urc);
    if (e->in->action == EDIT_CREATE)
        rc = division_new(e, dc, p, err);
    if (rc == GIS_OK)
        rc = check_parent(e, dc, p, err);
    if (rc == GIS_OK)
        rc = unique_name(e, NAMES_DIVISIONS, dc->parent, p, err);
    if (rc == GIS_OK && e->geom && e->is_point && dc->level < DIVISION_VILLAGE)
        edit_problem_add(p, "geometry", "a %s needs a polygon, not a point",
                         division_level_name((int)dc->level));
    else if (rc == GIS_OK && e->geom && !e->group)
        rc = division_spatial(e, dc, p, err); /* a group judges its members together */
    return rc;
}

enum gis_status edit__check_division(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    struct division_code dc;

    division_reason(e, p);
    division_date(e, p);
    if (e->in->action == EDIT_DELETE)
        return division_dependants(e, e->before.fid, p, err);
    if (!division_code(e, &dc, p))
        return GIS_OK;
    return division_checks(e, &dc, p, err);
}

/* ---------------------------------------------------------------- facilities, places */

static bool is_changed(const struct edit *e, const char *name)
{
    const char *a = edit__val(e, &e->cur, name), *b = edit__val(e, &e->next, name);

    if (!e->before.exists)
        return true;
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* Whether the edit gives a standard name that the uniqueness rule judges: a new name,
 * or a place's name in a new division or category. A copy that keeps the name of the
 * row it replaces (a recode, a transfer's or a merge's re-parented villages) is not named
 * anew: a merge may bring two 王家沟村 into one township, which `names check` then
 * reports for a rename. A group's revert restores rows together, each beside the names it
 * had then. */
static bool is_named_anew(const struct edit *e, enum names_target t, const char *name)
{
    if (e->in->replaces || (e->group && e->in->revert_of > 0) || !name || !*name)
        return false;
    return is_changed(e, "name") ||
           (t == NAMES_PLACES && (is_changed(e, "division_code") || is_changed(e, "category")));
}

/* The uniqueness rule of standard names (地名管理条例): no two townships of a county,
 * villages of a township, or places of one category in one division share a standard
 * name. Judged when a feature is made or its name, division or category changes, so a
 * group that shares one already (names check reports it) can still be edited. */
static enum gis_status unique_name(struct edit *e,
                                   enum names_target t,
                                   const char *parent,
                                   struct edit_problems *p,
                                   struct gis_error *err)
{
    const char *name = edit__val(e, &e->next, "name");
    const char *category = t == NAMES_PLACES ? edit__val(e, &e->next, "category") : NULL;
    char other[32];
    struct edit_place at;
    bool has_at = false;
    enum gis_status rc;

    if (!is_named_anew(e, t, name))
        return GIS_OK;
    if (t == NAMES_PLACES && !parent)
        return GIS_OK; /* a place of no division: no siblings to be unique among */
    rc = names_sibling_named(e->st, t, e->before.exists ? e->before.fid : NULL, parent, category,
                             name, other, sizeof other, err);
    if (rc != GIS_OK || !other[0])
        return rc;
    locate(e, t == NAMES_PLACES ? SQL_PLACE_PLACE : SQL_DIVISION_PLACE, other, &at, &has_at);
    edit_problem_add_at(p, has_at ? &at : NULL, "name",
                        "'%.80s' is already the standard name of %s beside it (the same %s); "
                        "standard names are unique there",
                        name, other, t == NAMES_PLACES ? "division and category" : "parent");
    return GIS_OK;
}

/* The feature's geometry (the new one, else the stored one) inside division code. */
static enum gis_status geometry_in_division(struct edit *e,
                                            const char *code,
                                            struct edit_problems *p,
                                            struct gis_error *err)
{
    int inside = -1;
    struct edit_place at;
    bool has_at = false;
    enum gis_status rc;

    if (!e->geom && (e->in->has_geometry || !e->cur.geom))
        return GIS_OK; /* the given geometry was refused already, or there is none to judge */
    stored_epsg(e);
    if (!e->epsg)
        return GIS_OK;
    rc = inside_division(e, code, &inside, err);
    if (rc != GIS_OK || inside != 0)
        return rc;
    locate(e, SQL_JUDGED_PLACE, NULL, &at, &has_at);
    edit_problem_add_at(p, has_at ? &at : NULL, "geometry",
                        "the %s lies more than %g m outside its division %s",
                        e->tab->target == EDIT_FACILITIES ? "facility"
                        : e->tab->target == EDIT_DEMAND   ? "demand point"
                                                          : "place",
                        e->tol, code);
    return GIS_OK;
}

/* A feature made without a division_code gets the one it stands in: the current
 * division of the lowest level whose polygon covers its geometry (a village has only a
 * seat, so mostly a township). Without it a place's standard name would be judged
 * against every other place of no division in the city, and a facility would count for
 * no county. Outside every division (or in a store without them) it stays without one.
 * i: division_code's field. */
static enum gis_status division_here(struct edit *e, size_t i, struct gis_error *err)
{
    static const char sql[] =
        "WITH n AS MATERIALIZED (SELECT GeomFromWKB(?1, 4326) AS g) "
        "SELECT d.code FROM divisions d, n WHERE d.valid_to IS NULL AND d.geom IS NOT NULL AND "
        "d.ROWID IN (SELECT pkid FROM idx_divisions_geom WHERE xmin <= MbrMaxX(n.g) AND "
        "xmax >= MbrMinX(n.g) AND ymin <= MbrMaxY(n.g) AND ymax >= MbrMinY(n.g)) AND "
        "ST_Covers(d.geom, n.g) = 1 ORDER BY d.level DESC, d.code LIMIT 1";
    sqlite3_stmt *s;
    enum gis_status rc;
    int step;

    if (e->in->action != EDIT_CREATE || e->is_given[i] || !e->geom_wkb)
        return GIS_OK; /* given (null too), or an existing feature's: kept as it is */
    rc = store__stmt(e->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_blob(s, 1, e->geom_wkb, (int)e->geom_wkb_n, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
        rc = edit__set(&e->next, i, (const char *)sqlite3_column_text(s, 0));
    else if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store__fail(e->st, err, "finding the division the feature stands in");
    store__done(s);
    return rc;
}

/* division_code: a current division, canonical; the geometry inside it when either
 * changed. */
static enum gis_status division_ref(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    int i = edit__field(e->tab, "division_code");
    const char *v = e->next.val[i];
    struct gis_error perr = {0};
    struct division_code dc;
    bool found = false, has_divisions = false;
    enum gis_status rc;

    if (!v)
        return division_here(e, (size_t)i, err);
    if (division_code_parse(v, &dc, &perr) != GIS_OK) {
        edit_problem_add(p, "division_code", "division_code: %s", perr.msg);
        return GIS_OK;
    }
    rc = edit__set(&e->next, (size_t)i, dc.code);
    if (rc == GIS_OK)
        rc = edit__exists(e->st, SQL_CURRENT, dc.code, &found, err);
    /* A store without divisions has nothing to refer to (facilities loaded first): the
     * reference is kept, unchecked, as for a division whose parent level is absent. */
    if (rc == GIS_OK && !found)
        rc = edit__exists(e->st, "SELECT 1 FROM divisions WHERE valid_to IS NULL LIMIT 1", NULL,
                          &has_divisions, err);
    if (rc == GIS_OK && !found && has_divisions)
        edit_problem_add(p, "division_code", "division_code %s is not a current division", dc.code);
    if (rc != GIS_OK || !found || !(e->geom || is_changed(e, "division_code")))
        return rc;
    /* A group's revert puts a point back into its division before the division's own
     * polygon is restored (members are undone newest first, and an operation moves its
     * points after their divisions' polygons): what it restores was judged when it was
     * written, and nothing in it has changed since (a later change refuses the revert). */
    if (e->group && e->in->revert_of > 0)
        return GIS_OK;
    return geometry_in_division(e, dc.code, p, err);
}

static void known_list(const char *const *list, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (; *list && used < size; list++) {
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", *list);
        used += n > 0 ? (size_t)n : 0;
    }
}

static void facility_vocabulary(struct edit *e, struct edit_problems *p)
{
    const char *kind = edit__val(e, &e->next, "kind");
    const char *status = edit__val(e, &e->next, "status");
    const char *was = edit__val(e, &e->cur, "status");
    char known[240];

    if (kind && *kind && !facility_kind_is_known(kind)) {
        known_list(FACILITY_KINDS, known, sizeof known);
        edit_problem_add(p, "kind", "kind '%.40s' is unknown; known: %s", kind, known);
    }
    if (status && !facility_status_is_known(status)) {
        known_list(FACILITY_STATUSES, known, sizeof known);
        edit_problem_add(p, "status", "status '%.40s' is unknown; known: %s", status, known);
    } else if (status && e->before.exists && !e->in->is_override &&
               !facility_status_can_move(was, status)) {
        edit_problem_add(
            p, "status",
            "status cannot go from %s to %s: the lifecycle is planned -> "
            "site_selected -> approved -> land_acquired -> under_construction -> "
            "operating -> closed, one step at a time (an administrator may correct it)",
            was ? was : "none", status);
    }
}

static enum gis_status scenario_ref(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    const char *v = edit__val(e, &e->next, "scenario_id");
    bool found = false;
    enum gis_status rc;

    if (!v)
        return GIS_OK;
    rc = edit__exists(e->st, "SELECT 1 FROM scenarios WHERE id = CAST(? AS INTEGER)", v, &found,
                      err);
    if (rc == GIS_OK && !found)
        edit_problem_add(p, "scenario_id", "scenario %s does not exist", v);
    return rc;
}

enum gis_status edit__check_facility(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    enum gis_status rc;

    if (e->in->action == EDIT_DELETE)
        return GIS_OK;
    facility_vocabulary(e, p);
    rc = new_id(e, "SELECT 1 FROM facilities WHERE fid = ?", "facility", p, err);
    if (rc == GIS_OK)
        rc = division_ref(e, p, err);
    return rc == GIS_OK ? scenario_ref(e, p, err) : rc;
}

enum gis_status edit__check_demand(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    enum gis_status rc;

    if (e->in->action == EDIT_DELETE)
        return GIS_OK;
    if (e->in->action == EDIT_CREATE && (!e->in->fid || !*e->in->fid))
        edit_problem_add(p, "code", "a demand point needs its code");
    rc = new_id(e, "SELECT 1 FROM demand WHERE code = ?", "demand point", p, err);
    return rc == GIS_OK ? division_ref(e, p, err) : rc;
}

/* aliases: a JSON array of strings. */
static enum gis_status aliases(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    static const char sql[] = "SELECT json_valid(?1) AND json_type(?1) = 'array' AND NOT EXISTS "
                              "(SELECT 1 FROM json_each(?1) WHERE type <> 'text')";
    const char *v = edit__val(e, &e->next, "aliases");
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!v)
        return GIS_OK;
    rc = store__stmt(e->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, v, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_int(s, 0))
        edit_problem_add(p, "aliases", "aliases must be a JSON array of names, not '%.40s'", v);
    store__done(s);
    return GIS_OK;
}

enum gis_status edit__check_place(struct edit *e, struct edit_problems *p, struct gis_error *err)
{
    enum gis_status rc;

    if (e->in->action == EDIT_DELETE)
        return GIS_OK;
    rc = aliases(e, p, err);
    if (rc == GIS_OK)
        rc = division_ref(e, p, err);
    return rc == GIS_OK
               ? unique_name(e, NAMES_PLACES, edit__val(e, &e->next, "division_code"), p, err)
               : rc;
}
