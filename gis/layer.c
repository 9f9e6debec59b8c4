/*
 * The layer catalogue and its statistics. All SQL here is constant text.
 */
#include "layer.h"

#include "facility.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis_int.h"

#define N(a) (sizeof a / sizeof *a)

static const struct layer_prop DIVISION_PROPS[] = {
    {"code", PROP_TEXT, "code", "Official statistical division code (6, 9 or 12 digits)", "Code",
     "区划代码", false},
    {"name", PROP_TEXT, "name", "Standard name", "Name", "名称", false},
    {"level", PROP_INT, "level", "2 city, 3 county, 4 township/street, 5 village/community",
     "Level", "级别", false},
    {"parent_code", PROP_TEXT, "parent_code", "Code of the parent division", "Parent code",
     "上级区划代码", false},
    {"kind", PROP_TEXT, "kind", "street, town, township, village or community", "Kind", "类型",
     false},
    {"urban_rural_code", PROP_TEXT, "urban_rural_code", "NBS urban-rural class code",
     "Urban-rural class", "城乡分类代码", false},
    {"pinyin", PROP_TEXT, "pinyin", "Name in pinyin", "Pinyin", "拼音", false},
    {"population", PROP_INT, "population", "Resident population", "Population", "常住人口", false},
    {"elderly_60plus", PROP_INT, "elderly_60plus", "Residents aged 60 and over", "Aged 60 and over",
     "60岁及以上人口", false},
    {"synthetic", PROP_BOOL, "is_synthetic", "True where the data is synthetic, not real",
     "Synthetic", "合成数据", false},
    {"valid_from", PROP_DATE, "valid_from", "First day this version is valid", "Valid from",
     "生效日期", false},
    {"valid_to", PROP_DATE, "valid_to", "Day this version ended (null: current)", "Valid to",
     "失效日期", false},
};

static const struct layer_prop FACILITY_PROPS[] = {
    {"kind", PROP_TEXT, "kind", "Facility kind, e.g. mutual_aid_home", "Kind", "设施类型", false},
    {"status", PROP_TEXT, "status", "planned .. operating, closed", "Status", "状态", false},
    {"name", PROP_TEXT, "name", "Name", "Name", "名称", false},
    {"capacity", PROP_INT, "capacity", "Beds or places", "Capacity", "容量", false},
    {"division_code", PROP_TEXT, "division_code",
     "Code of the division it lies in (when not given, the one whose polygon covers it)",
     "Division code", "所在区划代码", false},
    {"responsible_unit", PROP_TEXT, "responsible_unit", "Unit responsible for it",
     "Responsible unit", "责任单位", false},
    {"due_date", PROP_DATE, "due_date", "Date it is due", "Due date", "计划完成日期", false},
    {"scenario_id", PROP_INT, "scenario_id", "Planning scenario that proposed it", "Scenario",
     "规划方案", false},
    {"synthetic", PROP_BOOL, "is_synthetic", "True where the data is synthetic, not real",
     "Synthetic", "合成数据", false},
};

static const struct layer_prop PLACE_PROPS[] = {
    {"name", PROP_TEXT, "name", "Standard name", "Name", "标准名称", false},
    {"pinyin", PROP_TEXT, "pinyin", "Name in pinyin", "Pinyin", "拼音", false},
    {"aliases", PROP_ARRAY,
     "CASE WHEN json_valid(aliases) THEN CASE WHEN json_type(aliases) = 'array' THEN "
     "json(aliases) END END",
     "Former names and aliases", "Aliases", "别名和曾用名", false},
    {"category", PROP_TEXT, "category", "Place category", "Category", "类别", false},
    {"division_code", PROP_TEXT, "division_code",
     "Code of the division it lies in (when not given, the one whose polygon covers it)",
     "Division code", "所在区划代码", false},
    {"status", PROP_TEXT, "status", "Status of the name", "Status", "状态", false},
    {"synthetic", PROP_BOOL, "is_synthetic", "True where the data is synthetic, not real",
     "Synthetic", "合成数据", false},
    {"valid_from", PROP_DATE, "valid_from", "First day this version is valid", "Valid from",
     "生效日期", false},
    {"valid_to", PROP_DATE, "valid_to", "Day this version ended (null: current)", "Valid to",
     "失效日期", false},
};

/* The public properties of demand; the sensitive ones follow in DEMAND_SENSITIVE. */
static const struct layer_prop DEMAND_PROPS[] = {
    {"code", PROP_TEXT, "code", "Demand point code (the village code)", "Code", "需求点代码",
     false},
    {"name", PROP_TEXT, "name", "Name", "Name", "名称", false},
    {"division_code", PROP_TEXT, "division_code", "Township code", "Township code", "所属乡镇代码",
     false},
    {"population", PROP_INT, "population", "Resident population", "Population", "常住人口", false},
    {"elderly_60plus", PROP_INT, "elderly_60plus", "Residents aged 60 and over", "Aged 60 and over",
     "60岁及以上人口", false},
    {"synthetic", PROP_BOOL, "is_synthetic", "True where the data is synthetic, not real",
     "Synthetic", "合成数据", false},
};

/* The social-assistance counts (the sensitive weights of coverage_data.c): only the full
 * view (planner and above) lists them. */
static const struct layer_prop DEMAND_SENSITIVE[] = {
    {"poor_households", PROP_INT, "poor_households",
     "Poor households (a social-assistance count; planner role and above)", "Poor households",
     "贫困户数", true},
    {"poor_people", PROP_INT, "poor_people", "People in poor households (planner role and above)",
     "Poor people", "贫困人口", true},
    {"assisted_households", PROP_INT, "assisted_households",
     "Households receiving assistance (planner role and above)", "Assisted households",
     "受救助户数", true},
};

/* ---------------------------------------------------------------- vocabularies */

/* In the order of FACILITY_KINDS (the unit test holds them to it). */
static const struct layer_term FACILITY_KIND_TERMS[] = {
    {"mutual_aid_home", "Rural mutual-aid home", "农村互助幸福院"},
    {"community_elderly_centre", "Community elderly-care centre", "社区养老服务中心"},
    {"regional_elderly_centre", "Regional elderly-care centre", "区域性养老服务中心"},
    {"township_elderly_home", "Township elderly home", "乡镇敬老院"},
    {"canteen", "Elderly canteen", "老年食堂"},
    {"funeral_service_centre", "Funeral service centre", "殡葬服务中心"},
    {"funeral_home", "Funeral home", "殡仪馆"},
    {"welfare_institute", "Social welfare institute", "社会福利院"},
    {"elderly_home", "Elderly home", "养老院"},
    {"cemetery", "Public cemetery", "公益性公墓"},
    {"relief_station", "Relief station", "救助管理站"},
};

/* In the order of FACILITY_STATUSES: the lifecycle. */
static const struct layer_term FACILITY_STATUS_TERMS[] = {
    {"planned", "Planned", "规划中"},
    {"site_selected", "Site selected", "已选址"},
    {"approved", "Approved", "已批复"},
    {"land_acquired", "Land acquired", "已落实用地"},
    {"under_construction", "Under construction", "在建"},
    {"operating", "Operating", "运营中"},
    {"closed", "Closed", "已关闭"},
};

/* The NBS levels (GB/T 2260 and the statistical division codes). */
static const struct layer_term LEVEL_TERMS[] = {
    {"1", "Province", "省级"}, {"2", "City", "地级"},    {"3", "County", "县级"},
    {"4", "Township", "乡级"}, {"5", "Village", "村级"},
};

/* The kinds the shipped data uses (an open list: an import may bring others). */
static const struct layer_term DIVISION_KIND_TERMS[] = {
    {"street", "Subdistrict", "街道"}, {"town", "Town", "镇"},
    {"township", "Township", "乡"},    {"community", "Community", "社区"},
    {"village", "Village", "村"},
};

/* The NBS urban-rural classes (统计用区划代码和城乡划分代码). The write path takes any
 * code of their shape, so the list is open. */
static const struct layer_term URBAN_RURAL_TERMS[] = {
    {"111", "Main urban area", "主城区"}, {"112", "Urban-rural fringe", "城乡结合区"},
    {"121", "Town centre", "镇中心区"},   {"122", "Town-rural fringe", "镇乡结合区"},
    {"123", "Special area", "特殊区域"},  {"210", "Township centre", "乡中心区"},
    {"220", "Village", "村庄"},
};

/* Usual categories of places (地名类别); an open list. */
static const struct layer_term PLACE_CATEGORY_TERMS[] = {
    {"natural_village", "Natural village", "自然村"},
    {"settlement", "Settlement", "居民点"},
    {"bridge", "Bridge", "桥梁"},
    {"road", "Road", "道路"},
    {"mountain", "Mountain", "山峰"},
    {"river", "River", "河流"},
    {"reservoir", "Reservoir", "水库"},
    {"memorial", "Memorial site", "纪念地"},
};

static const struct vocabulary {
    const char *table, *prop;
    const struct layer_term *terms;
    size_t n;
    bool is_closed;
} VOCABULARIES[] = {
    {"facilities", "kind", FACILITY_KIND_TERMS, N(FACILITY_KIND_TERMS), true},
    {"facilities", "status", FACILITY_STATUS_TERMS, N(FACILITY_STATUS_TERMS), true},
    {"divisions", "level", LEVEL_TERMS, N(LEVEL_TERMS), true},
    {"divisions", "kind", DIVISION_KIND_TERMS, N(DIVISION_KIND_TERMS), false},
    {"divisions", "urban_rural_code", URBAN_RURAL_TERMS, N(URBAN_RURAL_TERMS), false},
    {"places", "category", PLACE_CATEGORY_TERMS, N(PLACE_CATEGORY_TERMS), false},
};

const struct layer_term *
layer_prop_terms(const char *table, const char *prop, size_t *out_n, bool *out_is_closed)
{
    size_t i;

    for (i = 0; table && prop && i < N(VOCABULARIES); i++) {
        const struct vocabulary *v = &VOCABULARIES[i];
        if (strcmp(v->table, table) || strcmp(v->prop, prop))
            continue;
        if (out_n)
            *out_n = v->n;
        if (out_is_closed)
            *out_is_closed = v->is_closed;
        return v->terms;
    }
    return NULL;
}

/* ---------------------------------------------------------------- layers */

#define DIVISION_LAYER(id_, title_, desc_, where_, geom_sql_, rtree0_, rtree1_, kind_)             \
    {                                                                                              \
        id_, title_, desc_, "divisions", where_, "code", geom_sql_, {rtree0_, rtree1_}, "id",      \
            kind_, true, DIVISION_PROPS, N(DIVISION_PROPS), "name", "pinyin", "code", NULL, 0,     \
            NULL, 0, false, false                                                                  \
    }

static const struct layer_def LAYERS[] = {
    DIVISION_LAYER("counties",
                   "Counties and districts",
                   "County-level divisions (区/县/县级市) of the city",
                   "level = 3",
                   "geom",
                   "idx_divisions_geom",
                   NULL,
                   LAYER_GEOM_POLYGON),
    DIVISION_LAYER("townships",
                   "Townships and streets",
                   "Township-level divisions (乡/镇/街道). Geometry synthetic in the demo data.",
                   "level = 4",
                   "geom",
                   "idx_divisions_geom",
                   NULL,
                   LAYER_GEOM_POLYGON),
    DIVISION_LAYER("villages",
                   "Villages and communities",
                   "Village-level divisions (村委会/社区居委会) as seat points. Synthetic "
                   "locations in the demo data.",
                   "level = 5",
                   "seat",
                   "idx_divisions_seat",
                   NULL,
                   LAYER_GEOM_POINT),
    DIVISION_LAYER("divisions",
                   "Administrative divisions",
                   "Every division of every level; polygons, or seats where there is none",
                   NULL,
                   "COALESCE(geom, seat)",
                   "idx_divisions_geom",
                   "idx_divisions_seat",
                   LAYER_GEOM_ANY),
    {"facilities",
     "Civil-affairs facilities",
     "Elderly homes, canteens, funeral and welfare facilities with status and capacity",
     "facilities",
     NULL,
     "fid",
     "geom",
     {"idx_facilities_geom", NULL},
     "id",
     LAYER_GEOM_POINT,
     false,
     FACILITY_PROPS,
     N(FACILITY_PROPS),
     "name",
     NULL,
     "fid",
     NULL,
     0,
     NULL,
     0,
     false,
     false},
    {"places",
     "Gazetteer",
     "Standard place names",
     "places",
     NULL,
     "CAST(id AS TEXT)",
     "geom",
     {"idx_places_geom", NULL},
     "id",
     LAYER_GEOM_ANY,
     true,
     PLACE_PROPS,
     N(PLACE_PROPS),
     "name",
     "pinyin",
     NULL,
     NULL,
     0,
     NULL,
     0,
     false,
     true},
    {"demand",
     "Demand points",
     "Village and community points with population and elderly counts",
     "demand",
     NULL,
     "code",
     "geom",
     {"idx_demand_geom", NULL},
     "id",
     LAYER_GEOM_POINT,
     false,
     DEMAND_PROPS,
     N(DEMAND_PROPS),
     "name",
     NULL,
     "code",
     NULL,
     0,
     DEMAND_SENSITIVE,
     N(DEMAND_SENSITIVE),
     false,
     false},
};

size_t layer_count(void)
{
    return N(LAYERS);
}

const struct layer_def *layer_at(size_t i)
{
    return i < N(LAYERS) ? &LAYERS[i] : NULL;
}

const struct layer_def *layer_find(const char *id)
{
    size_t i;

    for (i = 0; id && i < N(LAYERS); i++)
        if (!strcmp(LAYERS[i].id, id))
            return &LAYERS[i];
    return NULL;
}

int layer_prop_find(const struct layer_def *layer, const char *name)
{
    size_t i;

    for (i = 0; name && i < layer->n_props; i++)
        if (!strcmp(layer->props[i].name, name))
            return (int)i;
    return -1;
}

bool layer_is_geometry_name(const char *name)
{
    return name && (!strcmp(name, "geometry") || !strcmp(name, "geom"));
}

/* The statistics query of a layer, made from its definition's constant SQL fragments
 * (never user text): count and extent of the current rows, the scenario id bound as ?1. */
static void stats_sql(const struct layer_def *l, char *buf, size_t size)
{
    const char *g = l->geom_sql;

    snprintf(buf, size,
             "SELECT count(*), min(MbrMinX(%s)), min(MbrMinY(%s)), max(MbrMaxX(%s)),"
             " max(MbrMaxY(%s)) FROM %s WHERE %s%s%s%s",
             g, g, g, g, l->table, l->where ? l->where : "1",
             l->is_versioned ? " AND valid_to IS NULL" : "", l->where_int_sql ? " AND " : "",
             l->where_int_sql ? l->where_int_sql : "");
    if (l->where_int_sql)
        snprintf(buf + strlen(buf), size - strlen(buf), "?1");
}

static void copy_date(char *dst, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, 11, "%s", t ? (const char *)t : "");
}

static enum gis_status temporal_extent(struct store *st,
                                       const struct layer_def *layer,
                                       struct layer_stats *out,
                                       struct gis_error *err)
{
    char sql[256];
    sqlite3_stmt *s;
    enum gis_status rc;

    if (!layer->is_versioned)
        return GIS_OK;
    snprintf(sql, sizeof sql,
             "SELECT min(valid_from), max(max(valid_from), COALESCE(max(valid_to), '')) FROM %s",
             layer->table);
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        copy_date(out->t_min, s, 0);
        copy_date(out->t_max, s, 1);
    }
    store__done(s);
    return GIS_OK;
}

const char *layer_coverage_kind(const char *id)
{
    size_t k;

    if (!id || strncmp(id, "coverage-", 9))
        return NULL;
    for (k = 0; FACILITY_KINDS[k]; k++)
        if (!strcmp(id + 9, FACILITY_KINDS[k]))
            return FACILITY_KINDS[k];
    return NULL;
}

/* Copies l into scratch with its public properties and, in the full view, its sensitive
 * ones after them; returns how many. */
static size_t
with_sensitive(const struct layer_def *l, enum layer_view view, struct layer_scratch *scratch)
{
    size_t n = l->n_props, n_s = view == LAYER_VIEW_FULL ? l->n_sensitive : 0;

    assert(n + n_s <= LAYER_COV_PROPS);
    memcpy(scratch->props, l->props, n * sizeof *scratch->props);
    if (n_s)
        memcpy(scratch->props + n, l->sensitive_props, n_s * sizeof *scratch->props);
    scratch->def = *l;
    scratch->def.props = scratch->props;
    scratch->def.n_props = n + n_s;
    scratch->def.shows_sensitive = n_s > 0;
    return n + n_s;
}

/* The demand layer with four computed properties. kind is one of FACILITY_KINDS (our
 * constant, never user text), so it may stand in the SQL. */
static const struct layer_def *
coverage_layer(const char *kind, enum layer_view view, struct layer_scratch *scratch)
{
    static const struct {
        const char *name, *description, *title, *title_zh;
        enum prop_type type;
        enum store_cov_field what;
    } extra[] = {
        {"covered", "Within reach of an operating facility of the kind", "Covered", "已覆盖",
         PROP_BOOL, STORE_COV_COVERED},
        {"nearest_id", "The nearest such facility", "Nearest facility", "最近设施", PROP_TEXT,
         STORE_COV_NEAREST_ID},
        {"nearest_m", "Geodesic distance to it, metres", "Distance to it (m)", "到最近设施距离(米)",
         PROP_REAL, STORE_COV_NEAREST_M},
        {"n_within", "Facilities within reach", "Facilities within reach", "服务范围内设施数",
         PROP_INT, STORE_COV_N_WITHIN},
    };
    const struct layer_def *demand = layer_find("demand");
    size_t k, n = with_sensitive(demand, view, scratch);

    for (k = 0; k < 4 && n < LAYER_COV_PROPS; k++, n++) {
        snprintf(scratch->prop_sql[k], sizeof scratch->prop_sql[k],
                 "civgis_coverage('%s', code, %d)", kind, (int)extra[k].what);
        scratch->props[n] = (struct layer_prop){extra[k].name,
                                                extra[k].type,
                                                scratch->prop_sql[k],
                                                extra[k].description,
                                                extra[k].title,
                                                extra[k].title_zh,
                                                false};
    }
    snprintf(scratch->id, sizeof scratch->id, "coverage-%s", kind);
    snprintf(scratch->title, sizeof scratch->title, "Coverage by %s", kind);
    scratch->def.id = scratch->id;
    scratch->def.title = scratch->title;
    scratch->def.description = "Demand points and whether an operating facility of the kind "
                               "reaches them (service standards; recomputed on every edit)";
    scratch->def.props = scratch->props;
    scratch->def.n_props = n;
    return &scratch->def;
}

const struct layer_def *layer_resolve_for(struct store *st,
                                          const char *id,
                                          enum layer_view view,
                                          struct layer_scratch *scratch)
{
    static const char sql[] = "SELECT name FROM scenarios WHERE id = ?";
    const struct layer_def *fixed = layer_find(id);
    sqlite3_stmt *s;
    char *end;
    long long n;
    bool found = false;

    if (layer_coverage_kind(id))
        return coverage_layer(layer_coverage_kind(id), view, scratch);
    if (fixed && view == LAYER_VIEW_FULL && fixed->n_sensitive) {
        with_sensitive(fixed, view, scratch);
        return &scratch->def;
    }
    if (fixed || !id || strncmp(id, "scenario-", 9))
        return fixed;
    n = strtoll(id + 9, &end, 10);
    if (end == id + 9 || *end || n < 0 || store__stmt(st, sql, &s, NULL) != GIS_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, n);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(s, 0);
        snprintf(scratch->title, sizeof scratch->title, "Scenario %lld: %s", n,
                 name ? (const char *)name : "");
        found = true;
    }
    store__done(s);
    if (!found)
        return NULL;
    scratch->def = *layer_find("facilities");
    snprintf(scratch->id, sizeof scratch->id, "scenario-%lld", n);
    scratch->def.id = scratch->id;
    scratch->def.title = scratch->title;
    scratch->def.description = "Sites this planning scenario proposes (status planned)";
    scratch->def.where_int_sql = "scenario_id = ";
    scratch->def.where_int = n;
    return &scratch->def;
}

const struct layer_def *
layer_resolve(struct store *st, const char *id, struct layer_scratch *scratch)
{
    return layer_resolve_for(st, id, LAYER_VIEW_PUBLIC, scratch);
}

enum gis_status layer_data_version(struct store *st,
                                   const struct layer_def *layer,
                                   int64_t *out,
                                   struct gis_error *err)
{
    static const char *const coverage_tables[] = {"demand", "facilities", "service_standards"};
    static const char *const scenario_tables[] = {"facilities", "scenarios"};
    const char *const *tables = &layer->table;
    size_t i, n = 1;
    int64_t sum = 0, v = 0;

    if (layer_coverage_kind(layer->id)) {
        tables = coverage_tables;
        n = N(coverage_tables);
    } else if (!strncmp(layer->id, "scenario-", 9)) {
        tables = scenario_tables;
        n = N(scenario_tables);
    }
    for (i = 0; i < n; i++) {
        enum gis_status rc = store_table_version(st, tables[i], &v, err);
        if (rc != GIS_OK)
            return rc;
        sum += v;
    }
    *out = sum;
    return GIS_OK;
}

enum gis_status layer_changes(struct store *st,
                              const struct layer_def *layer,
                              int64_t since,
                              int64_t upto,
                              size_t max,
                              int64_t **out,
                              size_t *out_n,
                              struct gis_error *err)
{
    /* The layers whose data version is more than their own table's (layer_data_version). */
    if (layer_coverage_kind(layer->id) || !strncmp(layer->id, "scenario-", 9))
        return gis_fail(err, GIS_ERR_NOT_FOUND, "'%.40s' shows several tables", layer->id);
    return store_table_changes(st, layer->table, since, upto, max, out, out_n, err);
}

size_t layer_scenario_ids(struct store *st, int64_t *out, size_t max)
{
    sqlite3_stmt *s;
    size_t n = 0;

    if (store__stmt(st, "SELECT id FROM scenarios ORDER BY id", &s, NULL) != GIS_OK)
        return 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW)
        out[n++] = sqlite3_column_int64(s, 0);
    store__done(s);
    return n;
}

enum gis_status layer_stats(struct store *st,
                            const struct layer_def *layer,
                            struct layer_stats *out,
                            struct gis_error *err)
{
    struct layer_stats info = {0};
    char sql[512];
    sqlite3_stmt *s;
    enum gis_status rc;
    int k;

    stats_sql(layer, sql, sizeof sql);
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (layer->where_int_sql)
        sqlite3_bind_int64(s, 1, layer->where_int);
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = store__fail(st, err, "describing a layer");
        store__done(s);
        return rc;
    }
    info.count = sqlite3_column_int64(s, 0);
    info.has_extent = sqlite3_column_type(s, 1) != SQLITE_NULL;
    for (k = 0; k < 4 && info.has_extent; k++)
        info.bbox[k] = sqlite3_column_double(s, 1 + k);
    store__done(s);
    rc = temporal_extent(st, layer, &info, err);
    if (rc == GIS_OK)
        *out = info;
    return rc;
}
