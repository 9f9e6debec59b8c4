/*
 * The layer catalogue and its statistics. The SQL is constant per layer; the only
 * bound value is a division level. Counts and extents use the current rows only.
 */
#include "layer.h"

#include "gis_int.h"

struct layer_def {
    const char *id, *title, *description;
    const char *sql; /* count, minx, miny, maxx, maxy */
    int level;       /* bound as ?1 when > 0 */
};

#define EXTENT_COLS(g)                                                                             \
    "count(*), min(MbrMinX(" g ")), min(MbrMinY(" g ")), max(MbrMaxX(" g ")), max(MbrMaxY(" g "))"

static const char SQL_DIVISIONS_AT_LEVEL[] =
    "SELECT " EXTENT_COLS("COALESCE(geom, seat)") " FROM divisions"
                                                  " WHERE valid_to IS NULL AND level = ?1";

static const struct layer_def LAYERS[] = {
    {"counties", "Counties and districts", "County-level divisions (区/县/县级市), current",
     SQL_DIVISIONS_AT_LEVEL, 3},
    {"townships", "Townships and streets", "Township-level divisions (乡/镇/街道), current",
     SQL_DIVISIONS_AT_LEVEL, 4},
    {"villages", "Villages and communities",
     "Village-level divisions (村委会/社区居委会) as seat points, current", SQL_DIVISIONS_AT_LEVEL,
     5},
    {"divisions", "Administrative divisions", "All current divisions, every level",
     "SELECT " EXTENT_COLS("COALESCE(geom, seat)") " FROM divisions WHERE valid_to IS NULL", 0},
    {"facilities", "Civil-affairs facilities",
     "Elderly homes, canteens, funeral and welfare facilities with status and capacity",
     "SELECT " EXTENT_COLS("geom") " FROM facilities", 0},
    {"places", "Gazetteer", "Standard place names",
     "SELECT " EXTENT_COLS("geom") " FROM places WHERE valid_to IS NULL", 0},
    {"demand", "Demand points", "Village and community points with population and elderly counts",
     "SELECT " EXTENT_COLS("geom") " FROM demand", 0},
};

size_t layer_count(void)
{
    return sizeof LAYERS / sizeof *LAYERS;
}

enum gis_status
layer_describe(struct store *st, size_t i, struct layer_info *out, struct gis_error *err)
{
    const struct layer_def *d;
    struct layer_info info = {0};
    sqlite3_stmt *s;
    enum gis_status rc;

    if (i >= layer_count())
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no layer %zu", i);
    d = &LAYERS[i];
    rc = store__stmt(st, d->sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (d->level > 0)
        sqlite3_bind_int(s, 1, d->level);
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = store__fail(st, err, "describing a layer");
        store__done(s);
        return rc;
    }
    info.id = d->id;
    info.title = d->title;
    info.description = d->description;
    info.count = sqlite3_column_int64(s, 0);
    info.has_extent = sqlite3_column_type(s, 1) != SQLITE_NULL;
    for (int k = 0; k < 4 && info.has_extent; k++)
        info.bbox[k] = sqlite3_column_double(s, 1 + k);
    store__done(s);
    *out = info;
    return GIS_OK;
}
