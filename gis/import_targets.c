/*
 * The four import targets: their fields, their row rules and their INSERTs. Each
 * writer checks one mapped row against the rules of its table and the store (codes,
 * parents, duplicates, kinds, statuses) and writes it with bound parameters only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "division.h"
#include "facility.h"
#include "gis_int.h"
#include "import_int.h"
#include "names.h"

/* ---------------------------------------------------------------- values */

bool import__int(const char *field, const char *text, long long *out, struct gis_error *err)
{
    char *end;
    double d;
    long long v;

    if (!text)
        return true;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (end != text && *end == '\0' && errno == 0) {
        *out = v;
        return true;
    }
    /* Sources often store counts as reals ("36.0"); accept integral reals only. */
    d = strtod(text, &end);
    if (end != text && *end == '\0' && isfinite(d) && d == floor(d) && fabs(d) < 9e15) {
        *out = (long long)d;
        return true;
    }
    gis_fail(err, GIS_ERR_INVALID_ARG, "field %s: '%.40s' is not an integer", field, text);
    return false;
}

bool import__real(const char *field, const char *text, double *out, struct gis_error *err)
{
    char *end;
    double d;

    if (!text)
        return true;
    d = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(d)) {
        gis_fail(err, GIS_ERR_INVALID_ARG, "field %s: '%.40s' is not a number", field, text);
        return false;
    }
    *out = d;
    return true;
}

bool import__bool(const char *field, const char *text, int *out, struct gis_error *err)
{
    static const char *const yes[] = {"1", "true", "t", "yes", "y"};
    static const char *const no[] = {"0", "false", "f", "no", "n"};
    size_t i;

    if (!text)
        return true;
    for (i = 0; i < 5; i++) {
        if (!strcasecmp(text, yes[i])) {
            *out = 1;
            return true;
        }
        if (!strcasecmp(text, no[i])) {
            *out = 0;
            return true;
        }
    }
    gis_fail(err, GIS_ERR_INVALID_ARG, "field %s: '%.40s' is not true/false", field, text);
    return false;
}

static bool is_date(const char *s)
{
    int y, m, d;
    char tail;

    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
           m <= 12 && d >= 1 && d <= 31;
}

int import__field(const struct target_def *def, const char *name)
{
    size_t i;

    for (i = 0; i < def->n_fields; i++)
        if (!strcmp(def->fields[i].name, name))
            return (int)i;
    return -1;
}

static const char *val(struct import_ctx *c, const struct import_row *r, const char *name)
{
    int i = import__field(c->def, name);
    return i >= 0 ? r->val[i] : NULL;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static enum gis_status bind_geom(sqlite3_stmt *s, int i, OGRGeometryH g, struct gis_error *err)
{
    unsigned char *wkb = NULL;
    size_t n = 0;
    enum gis_status rc;

    if (!g) {
        sqlite3_bind_null(s, i);
        return GIS_OK;
    }
    rc = import__wkb(g, &wkb, &n, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_blob(s, i, wkb, (int)n, free);
    return GIS_OK;
}

/* Binds target field name of r at column col with its parsed type; NULL when absent. */
static void bind_field(
    sqlite3_stmt *s, int col, struct import_ctx *c, const struct import_row *r, const char *name)
{
    int i = import__field(c->def, name);

    if (i < 0 || !r->val[i]) {
        sqlite3_bind_null(s, col);
        return;
    }
    switch (c->def->fields[i].type) {
    case FT_INT:
    case FT_BOOL:
        sqlite3_bind_int64(s, col, r->num[i]);
        break;
    case FT_REAL:
        sqlite3_bind_double(s, col, r->real[i]);
        break;
    default:
        sqlite3_bind_text(s, col, r->val[i], -1, SQLITE_TRANSIENT);
    }
}

enum gis_status
import__row_parse(const struct target_def *def, struct import_row *r, struct gis_error *err)
{
    size_t i;
    bool ok = true;

    for (i = 0; i < def->n_fields && ok; i++) {
        const char *name = def->fields[i].name, *v = r->val[i];
        int b = 0;
        if (!v)
            continue;
        switch (def->fields[i].type) {
        case FT_INT:
            ok = import__int(name, v, &r->num[i], err);
            break;
        case FT_REAL:
            ok = import__real(name, v, &r->real[i], err);
            break;
        case FT_BOOL:
            ok = import__bool(name, v, &b, err);
            r->num[i] = b;
            break;
        case FT_DATE:
            ok = is_date(v) ||
                 !gis_fail(err, GIS_ERR_INVALID_ARG, "%s '%.20s' is not YYYY-MM-DD", name, v);
            break;
        case FT_TEXT:
            break;
        }
    }
    return ok ? GIS_OK : GIS_ERR_INVALID_ARG;
}

static enum gis_status step_insert(struct store *st, sqlite3_stmt *s, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "writing");
    store__done(s);
    return rc;
}

static bool exists(
    struct store *st, const char *sql, const char *key, struct gis_error *err, enum gis_status *rc)
{
    sqlite3_stmt *s;
    bool found = false;

    *rc = store__stmt(st, sql, &s, err);
    if (*rc != GIS_OK)
        return false;
    if (key)
        sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(s) == SQLITE_ROW;
    store__done(s);
    return found;
}

/* ---------------------------------------------------------------- divisions */

static const struct field_def DIVISION_FIELDS[] = {
    {"code", FT_TEXT, true, "|adcode|"},
    {"name", FT_TEXT, true, NULL},
    {"parent_code", FT_TEXT, false, "|parent|parent_adcode|"},
    {"level", FT_INT, false, NULL},
    {"kind", FT_TEXT, false, NULL},
    {"urban_rural_code", FT_TEXT, false, NULL},
    {"pinyin", FT_TEXT, false, NULL},
    {"population", FT_INT, false, "|pop|"},
    {"elderly_60plus", FT_INT, false, "|elderly60|"},
    {"seat_lon", FT_REAL, false, NULL},
    {"seat_lat", FT_REAL, false, NULL},
    {"synthetic", FT_BOOL, false, NULL},
    {"source", FT_TEXT, false, NULL},
};

/* A current division with this code, or one at this level at all. */
static const char SQL_DIVISION_EXISTS[] =
    "SELECT 1 FROM divisions WHERE code = ? AND valid_to IS NULL";
static const char SQL_DIVISION_LEVEL_EXISTS[] =
    "SELECT 1 FROM divisions WHERE level = CAST(? AS INTEGER) AND valid_to IS NULL LIMIT 1";

/* The parent must exist whenever the tree has divisions at the parent's level: a
 * division whose parent level is absent altogether becomes a root of this store. */
static enum gis_status
check_parent(struct import_ctx *c, const struct division_code *dc, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    char level[12];
    int parent_level = (int)dc->level - 1;

    if (dc->level == DIVISION_PROVINCE)
        return GIS_OK;
    /* A township directly under a city (no county level, e.g. Dongguan) names a city. */
    if (dc->level == DIVISION_TOWNSHIP && !strcmp(dc->parent + 4, "00"))
        parent_level = DIVISION_CITY;
    if (strset_has(c->keys, dc->parent))
        return GIS_OK;
    if (exists(c->st, SQL_DIVISION_EXISTS, dc->parent, err, &rc) || rc != GIS_OK)
        return rc;
    snprintf(level, sizeof level, "%d", parent_level);
    if (c->levels_in_import[parent_level] > 0 ||
        exists(c->st, SQL_DIVISION_LEVEL_EXISTS, level, err, &rc))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "parent %s of %s does not exist", dc->parent,
                        dc->code);
    return rc;
}

static enum gis_status check_division_fields(struct import_ctx *c,
                                             const struct import_row *r,
                                             const struct division_code *dc,
                                             struct gis_error *err)
{
    const char *parent = val(c, r, "parent_code");
    const char *urc = val(c, r, "urban_rural_code");
    long long level = dc->level;
    struct division_code pc;

    if (parent && (division_code_parse(parent, &pc, NULL) != GIS_OK || strcmp(pc.code, dc->parent)))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "parent_code %.20s disagrees with code %s, whose prefix names %s", parent,
                        dc->code, dc->parent[0] ? dc->parent : "no parent");
    if (!import__int("level", val(c, r, "level"), &level, err))
        return GIS_ERR_INVALID_ARG;
    if (level != dc->level)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "level %lld disagrees with code %s (a %s)", level,
                        dc->code, division_level_name((int)dc->level));
    if (urc && !division_urban_rural_is_valid(urc))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "urban_rural_code '%.10s' is not an NBS class code (111..220)", urc);
    return GIS_OK;
}

/* The seat: seat_lon/seat_lat fields, else a point geometry, else a point on the
 * polygon's surface (always inside, unlike a centroid). out may stay NULL. */
static enum gis_status division_seat(struct import_ctx *c,
                                     const struct import_row *r,
                                     OGRGeometryH *out,
                                     struct gis_error *err)
{
    int ilon = import__field(c->def, "seat_lon"), ilat = import__field(c->def, "seat_lat");

    if (r->val[ilon] && r->val[ilat])
        return import__point_new(r->real[ilon], r->real[ilat], c->xf, out, err);
    if (r->geom && r->is_point)
        *out = OGR_G_Clone(r->geom);
    else if (r->geom)
        *out = OGR_G_PointOnSurface(r->geom);
    if (!*out)
        return gis_fail(err, GIS_ERR_GEOMETRY, "the division has neither a geometry nor a seat");
    return GIS_OK;
}

static enum gis_status check_division(struct import_ctx *c,
                                      const struct import_row *r,
                                      struct division_code *dc,
                                      struct gis_error *err)
{
    enum gis_status rc = division_code_parse(val(c, r, "code"), dc, err);

    if (rc == GIS_OK)
        rc = check_division_fields(c, r, dc, err);
    if (rc == GIS_OK && exists(c->st, SQL_DIVISION_EXISTS, dc->code, err, &rc))
        rc = gis_fail(err, GIS_ERR_CONFLICT, "division %s already exists in the store", dc->code);
    if (rc == GIS_OK)
        rc = check_parent(c, dc, err);
    return rc;
}

static enum gis_status insert_division(struct import_ctx *c,
                                       const struct import_row *r,
                                       const struct division_code *dc,
                                       OGRGeometryH seat,
                                       struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO divisions (code, name, level, parent_code, kind, urban_rural_code, pinyin,"
        " population, elderly_60plus, is_synthetic, source, valid_from, change_reason, geom,"
        " seat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, 0), ?, ?, ?,"
        " GeomFromWKB(?, 4326), GeomFromWKB(?, 4326))";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(c->st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    bind_text(s, 1, dc->code);
    bind_field(s, 2, c, r, "name");
    sqlite3_bind_int(s, 3, (int)dc->level);
    bind_text(s, 4, dc->parent[0] ? dc->parent : NULL);
    bind_field(s, 5, c, r, "kind");
    bind_field(s, 6, c, r, "urban_rural_code");
    bind_field(s, 7, c, r, "pinyin");
    bind_field(s, 8, c, r, "population");
    bind_field(s, 9, c, r, "elderly_60plus");
    bind_field(s, 10, c, r, "synthetic");
    bind_text(s, 11, val(c, r, "source") ? val(c, r, "source") : c->source_label);
    bind_text(s, 12, c->valid_from);
    bind_text(s, 13, c->opt->reason ? c->opt->reason : "import");
    rc = bind_geom(s, 14, r->is_point ? NULL : r->geom, err);
    if (rc == GIS_OK)
        rc = bind_geom(s, 15, seat, err);
    return rc == GIS_OK ? step_insert(c->st, s, err) : (store__done(s), rc);
}

static enum gis_status
write_division(struct import_ctx *c, const struct import_row *r, struct gis_error *err)
{
    struct division_code dc;
    OGRGeometryH seat = NULL;
    enum gis_status rc = check_division(c, r, &dc, err);

    if (rc == GIS_OK)
        rc = division_seat(c, r, &seat, err);
    if (rc == GIS_OK)
        rc = insert_division(c, r, &dc, seat, err);
    if (rc == GIS_OK) /* the search index moves with the names, in this transaction */
        rc = names_feature_changed(c->st, NAMES_DIVISIONS, dc.code, err);
    if (seat)
        OGR_G_DestroyGeometry(seat);
    return rc;
}

/* ---------------------------------------------------------------- facilities */

static const struct field_def FACILITY_FIELDS[] = {
    {"id", FT_TEXT, true, "|fid|"},
    {"kind", FT_TEXT, true, NULL},
    {"name", FT_TEXT, true, NULL},
    {"status", FT_TEXT, false, NULL},
    {"capacity", FT_INT, false, NULL},
    {"responsible_unit", FT_TEXT, false, NULL},
    {"due_date", FT_DATE, false, NULL},
    {"scenario", FT_TEXT, false, NULL},
    {"division_code", FT_TEXT, false, "|division|"},
    {"synthetic", FT_BOOL, false, NULL},
    {"source", FT_TEXT, false, NULL},
};

static enum gis_status
check_division_ref(struct import_ctx *c, const char *code, char *canonical, struct gis_error *err)
{
    struct division_code dc;
    struct gis_error perr;
    enum gis_status rc = division_code_parse(code, &dc, &perr);

    if (rc != GIS_OK)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_code: %s", perr.msg);
    memcpy(canonical, dc.code, sizeof dc.code);
    if (exists(c->st, SQL_DIVISION_EXISTS, dc.code, err, &rc) || rc != GIS_OK)
        return rc;
    if (exists(c->st, "SELECT 1 FROM divisions WHERE valid_to IS NULL LIMIT 1", NULL, err, &rc))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division_code %s is not a current division",
                        dc.code);
    return rc;
}

static enum gis_status
scenario_id(struct import_ctx *c, const char *name, long long *out, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(c->st, "SELECT id FROM scenarios WHERE name = ?", &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "scenario '%.60s' does not exist", name);
    store__done(s);
    return rc;
}

static enum gis_status
check_facility(struct import_ctx *c, const struct import_row *r, struct gis_error *err)
{
    const char *kind = val(c, r, "kind"), *status = val(c, r, "status");
    enum gis_status rc = GIS_OK;

    if (!facility_kind_is_known(kind))
        return gis_fail(
            err, GIS_ERR_INVALID_ARG,
            "kind '%.40s' is unknown; known: mutual_aid_home, community_elderly_centre, "
            "regional_elderly_centre, township_elderly_home, canteen, "
            "funeral_service_centre, funeral_home, welfare_institute, ...",
            kind);
    if (status && !facility_status_is_known(status))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "status '%.40s' is unknown; known: planned, site_selected, approved, "
                        "land_acquired, under_construction, operating, closed",
                        status);
    if (exists(c->st, "SELECT 1 FROM facilities WHERE fid = ?", val(c, r, "id"), err, &rc))
        return gis_fail(err, GIS_ERR_CONFLICT, "facility %.40s already exists in the store",
                        val(c, r, "id"));
    return rc;
}

/* Checks the optional division_code and scenario references shared by the point
 * targets. out_division: the canonical code, or "" when absent. */
static enum gis_status check_refs(struct import_ctx *c,
                                  const struct import_row *r,
                                  char *out_division,
                                  long long *out_scenario,
                                  struct gis_error *err)
{
    const char *division = val(c, r, "division_code");
    const char *scenario = val(c, r, "scenario");
    enum gis_status rc = GIS_OK;

    out_division[0] = '\0';
    if (division)
        rc = check_division_ref(c, division, out_division, err);
    if (rc == GIS_OK && scenario)
        rc = scenario_id(c, scenario, out_scenario, err);
    return rc;
}

static enum gis_status
write_facility(struct import_ctx *c, const struct import_row *r, struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO facilities (fid, kind, name, status, capacity, responsible_unit, due_date,"
        " scenario_id, division_code, is_synthetic, source, geom) VALUES (?, ?, ?,"
        " COALESCE(?, 'operating'), ?, ?, ?, ?, ?, COALESCE(?, 0), ?, GeomFromWKB(?, 4326))";
    char division[DIVISION_CODE_MAX];
    long long scen = -1;
    sqlite3_stmt *s;
    enum gis_status rc = check_facility(c, r, err);

    if (rc == GIS_OK)
        rc = check_refs(c, r, division, &scen, err);
    if (rc == GIS_OK)
        rc = store__stmt(c->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    bind_field(s, 1, c, r, "id");
    bind_field(s, 2, c, r, "kind");
    bind_field(s, 3, c, r, "name");
    bind_field(s, 4, c, r, "status");
    bind_field(s, 5, c, r, "capacity");
    bind_field(s, 6, c, r, "responsible_unit");
    bind_field(s, 7, c, r, "due_date");
    if (scen >= 0)
        sqlite3_bind_int64(s, 8, scen);
    bind_text(s, 9, division[0] ? division : NULL);
    bind_field(s, 10, c, r, "synthetic");
    bind_text(s, 11, val(c, r, "source") ? val(c, r, "source") : c->source_label);
    rc = bind_geom(s, 12, r->geom, err);
    return rc == GIS_OK ? step_insert(c->st, s, err) : (store__done(s), rc);
}

/* ---------------------------------------------------------------- demand */

static const struct field_def DEMAND_FIELDS[] = {
    {"code", FT_TEXT, true, "|id|"},
    {"name", FT_TEXT, false, NULL},
    {"division_code", FT_TEXT, false, "|parent|parent_code|"},
    {"population", FT_INT, false, "|pop|"},
    {"elderly_60plus", FT_INT, false, "|elderly60|"},
    {"poor_households", FT_INT, false, "|poor_hh|"},
    {"poor_people", FT_INT, false, "|poor_ppl|"},
    {"assisted_households", FT_INT, false, "|assist_hh|"},
    {"synthetic", FT_BOOL, false, NULL},
    {"source", FT_TEXT, false, NULL},
};

static enum gis_status
write_demand(struct import_ctx *c, const struct import_row *r, struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO demand (code, name, division_code, population, elderly_60plus,"
        " poor_households, poor_people, assisted_households, is_synthetic, source, geom)"
        " VALUES (?, ?, ?, COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, 0),"
        " COALESCE(?, 0), COALESCE(?, 0), ?, GeomFromWKB(?, 4326))";
    static const char *const counts[] = {"population", "elderly_60plus", "poor_households",
                                         "poor_people", "assisted_households"};
    char division[DIVISION_CODE_MAX];
    long long unused = -1;
    enum gis_status rc = GIS_OK;
    sqlite3_stmt *s;
    int i;

    if (exists(c->st, "SELECT 1 FROM demand WHERE code = ?", val(c, r, "code"), err, &rc))
        return gis_fail(err, GIS_ERR_CONFLICT, "demand point %.40s already exists",
                        val(c, r, "code"));
    if (rc == GIS_OK)
        rc = check_refs(c, r, division, &unused, err);
    if (rc == GIS_OK)
        rc = store__stmt(c->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    bind_field(s, 1, c, r, "code");
    bind_field(s, 2, c, r, "name");
    bind_text(s, 3, division[0] ? division : NULL);
    for (i = 0; i < 5; i++)
        bind_field(s, 4 + i, c, r, counts[i]);
    bind_field(s, 9, c, r, "synthetic");
    bind_text(s, 10, val(c, r, "source") ? val(c, r, "source") : c->source_label);
    rc = bind_geom(s, 11, r->geom, err);
    return rc == GIS_OK ? step_insert(c->st, s, err) : (store__done(s), rc);
}

/* ---------------------------------------------------------------- places */

static const struct field_def PLACE_FIELDS[] = {
    {"name", FT_TEXT, true, NULL},           {"pinyin", FT_TEXT, false, NULL},
    {"aliases", FT_TEXT, false, NULL},       {"category", FT_TEXT, false, "|kind|"},
    {"division_code", FT_TEXT, false, NULL}, {"status", FT_TEXT, false, NULL},
    {"synthetic", FT_BOOL, false, NULL},     {"source", FT_TEXT, false, NULL},
};

/* The new place's aliases (a JSON array of names) become name variants; then the place
 * joins the search index, in the import's transaction. */
static enum gis_status place_names(struct store *st, sqlite3_int64 id, struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO name_variants (target, feature, kind, name) SELECT 'places', CAST(p.id AS"
        " TEXT), 'alias', j.value FROM places p, json_each(p.aliases) j WHERE p.id = ? AND"
        " json_valid(p.aliases) AND j.type = 'text' AND j.value <> ''";
    char feature[24];
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = step_insert(st, s, err);
    snprintf(feature, sizeof feature, "%lld", (long long)id);
    return rc == GIS_OK ? names_feature_changed(st, NAMES_PLACES, feature, err) : rc;
}

static enum gis_status
write_place(struct import_ctx *c, const struct import_row *r, struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO places (name, pinyin, aliases, category, division_code, status,"
        " is_synthetic, source, valid_from, geom) VALUES (?, ?, ?, ?, ?, COALESCE(?, 'standard'),"
        " COALESCE(?, 0), ?, ?, GeomFromWKB(?, 4326))";
    char division[DIVISION_CODE_MAX];
    long long unused = -1;
    sqlite3_stmt *s;
    enum gis_status rc = check_refs(c, r, division, &unused, err);

    if (rc == GIS_OK)
        rc = store__stmt(c->st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    bind_field(s, 1, c, r, "name");
    bind_field(s, 2, c, r, "pinyin");
    bind_field(s, 3, c, r, "aliases");
    bind_field(s, 4, c, r, "category");
    bind_text(s, 5, division[0] ? division : NULL);
    bind_field(s, 6, c, r, "status");
    bind_field(s, 7, c, r, "synthetic");
    bind_text(s, 8, val(c, r, "source") ? val(c, r, "source") : c->source_label);
    bind_text(s, 9, c->valid_from);
    rc = bind_geom(s, 10, r->geom, err);
    rc = rc == GIS_OK ? step_insert(c->st, s, err) : (store__done(s), rc);
    if (rc == GIS_OK)
        rc = place_names(c->st, sqlite3_last_insert_rowid(store__db(c->st)), err);
    return rc;
}

/* ---------------------------------------------------------------- table */

#define N(a) (sizeof a / sizeof *a)

static const struct target_def TARGETS[] = {
    [IMPORT_DIVISIONS] = {"divisions", DIVISION_FIELDS, N(DIVISION_FIELDS), 0, GEOM_POLYGONAL, true,
                          write_division},
    [IMPORT_PLACES] = {"places", PLACE_FIELDS, N(PLACE_FIELDS), -1, GEOM_ANY, false, write_place},
    [IMPORT_FACILITIES] = {"facilities", FACILITY_FIELDS, N(FACILITY_FIELDS), 0, GEOM_POINT, false,
                           write_facility},
    [IMPORT_DEMAND] = {"demand", DEMAND_FIELDS, N(DEMAND_FIELDS), 0, GEOM_POINT, false,
                       write_demand},
};

const struct target_def *import__target(enum import_target target)
{
    return (unsigned)target < N(TARGETS) ? &TARGETS[target] : NULL;
}
