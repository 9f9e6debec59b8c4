/*
 * The four import targets: which source fields each reads and what each becomes in the
 * write path's input (edit.h), where every rule lives. Here only the reading: a value's
 * JSON type, a scenario's id by its name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gis_int.h"
#include "import_int.h"

#define N(a) (sizeof a / sizeof *a)

/* ---------------------------------------------------------------- values */

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

/* "1", "true", "t", "yes", "y" and their opposites, as sources write booleans. */
static const char *bool_text(const char *text)
{
    static const char *const yes[] = {"1", "true", "t", "yes", "y"};
    static const char *const no[] = {"0", "false", "f", "no", "n"};
    size_t i;

    for (i = 0; i < N(yes); i++) {
        if (!strcasecmp(text, yes[i]))
            return "true";
        if (!strcasecmp(text, no[i]))
            return "false";
    }
    return NULL;
}

struct edit_prop import__prop(const struct field_def *f, const char *text, char *buf, size_t size)
{
    struct edit_prop p = {f->name, EDIT_JSON_STRING, text};
    const char *b;
    char *end;
    double d;

    if (!text) {
        p.type = EDIT_JSON_NULL;
    } else if (f->type == FT_INT || f->type == FT_REAL) {
        d = strtod(text, &end);
        if (end != text && *end == '\0' && isfinite(d))
            p.type = EDIT_JSON_NUMBER;
    } else if (f->type == FT_BOOL && (b = bool_text(text)) != NULL) {
        snprintf(buf, size, "%s", b);
        p.type = EDIT_JSON_BOOL;
        p.text = buf;
    }
    return p;
}

int import__field(const struct target_def *def, const char *name)
{
    size_t i;

    for (i = 0; i < def->n_fields; i++)
        if (!strcmp(def->fields[i].name, name))
            return (int)i;
    return -1;
}

enum gis_status
import__scenario(struct store *st, const char *name, char *out, size_t size, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, "SELECT id FROM scenarios WHERE name = ?", &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, size, "%lld", (long long)sqlite3_column_int64(s, 0));
    else
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "scenario '%.60s' does not exist", name);
    store__done(s);
    return rc;
}

/* ---------------------------------------------------------------- targets */

static const struct field_def DIVISION_FIELDS[] = {
    {"code", FT_TEXT, true, "|adcode|", FR_PROP},
    {"name", FT_TEXT, true, NULL, FR_PROP},
    {"parent_code", FT_TEXT, false, "|parent|parent_adcode|", FR_PROP},
    {"level", FT_INT, false, NULL, FR_PROP},
    {"kind", FT_TEXT, false, NULL, FR_PROP},
    {"urban_rural_code", FT_TEXT, false, NULL, FR_PROP},
    {"pinyin", FT_TEXT, false, NULL, FR_PROP},
    {"population", FT_INT, false, "|pop|", FR_PROP},
    {"elderly_60plus", FT_INT, false, "|elderly60|", FR_PROP},
    {"seat_lon", FT_REAL, false, NULL, FR_SEAT_LON},
    {"seat_lat", FT_REAL, false, NULL, FR_SEAT_LAT},
    {"synthetic", FT_BOOL, false, NULL, FR_PROP},
    {"source", FT_TEXT, false, NULL, FR_SOURCE},
};

static const struct field_def FACILITY_FIELDS[] = {
    {"id", FT_TEXT, true, "|fid|", FR_ID},
    {"kind", FT_TEXT, true, NULL, FR_PROP},
    {"name", FT_TEXT, true, NULL, FR_PROP},
    {"status", FT_TEXT, false, NULL, FR_PROP},
    {"capacity", FT_INT, false, NULL, FR_PROP},
    {"responsible_unit", FT_TEXT, false, NULL, FR_PROP},
    {"due_date", FT_DATE, false, NULL, FR_PROP},
    {"scenario", FT_TEXT, false, NULL, FR_SCENARIO},
    {"division_code", FT_TEXT, false, "|division|", FR_PROP},
    {"synthetic", FT_BOOL, false, NULL, FR_PROP},
    {"source", FT_TEXT, false, NULL, FR_SOURCE},
};

static const struct field_def DEMAND_FIELDS[] = {
    {"code", FT_TEXT, true, "|id|", FR_ID},
    {"name", FT_TEXT, false, NULL, FR_PROP},
    {"division_code", FT_TEXT, false, "|parent|parent_code|", FR_PROP},
    {"population", FT_INT, false, "|pop|", FR_PROP},
    {"elderly_60plus", FT_INT, false, "|elderly60|", FR_PROP},
    {"poor_households", FT_INT, false, "|poor_hh|", FR_PROP},
    {"poor_people", FT_INT, false, "|poor_ppl|", FR_PROP},
    {"assisted_households", FT_INT, false, "|assist_hh|", FR_PROP},
    {"synthetic", FT_BOOL, false, NULL, FR_PROP},
    {"source", FT_TEXT, false, NULL, FR_SOURCE},
};

static const struct field_def PLACE_FIELDS[] = {
    {"name", FT_TEXT, true, NULL, FR_PROP},
    {"pinyin", FT_TEXT, false, NULL, FR_PROP},
    {"aliases", FT_TEXT, false, NULL, FR_PROP},
    {"category", FT_TEXT, false, "|kind|", FR_PROP},
    {"division_code", FT_TEXT, false, NULL, FR_PROP},
    {"status", FT_TEXT, false, NULL, FR_PROP},
    {"synthetic", FT_BOOL, false, NULL, FR_PROP},
    {"source", FT_TEXT, false, NULL, FR_SOURCE},
};

static const struct target_def TARGETS[] = {
    [IMPORT_DIVISIONS] = {"divisions", DIVISION_FIELDS, N(DIVISION_FIELDS), 0, EDIT_DIVISIONS},
    [IMPORT_PLACES] = {"places", PLACE_FIELDS, N(PLACE_FIELDS), -1, EDIT_PLACES},
    [IMPORT_FACILITIES] = {"facilities", FACILITY_FIELDS, N(FACILITY_FIELDS), -1, EDIT_FACILITIES},
    [IMPORT_DEMAND] = {"demand", DEMAND_FIELDS, N(DEMAND_FIELDS), -1, EDIT_DEMAND},
};

const struct target_def *import__target(enum import_target target)
{
    return (unsigned)target < N(TARGETS) ? &TARGETS[target] : NULL;
}
