/*
 * The import driver: opens OGR sources, resolves the field mapping, sets up the CRS
 * transformation, counts the features (and the division levels present), then maps
 * every feature to the write path's input and hands it to one batch (edit.h), which
 * checks it by the rules every write obeys and writes it, in one transaction. Owns the
 * GDAL datasets it opens; import_targets.c says what each source field becomes and
 * import_geom.c transforms the geometries. No rule lives here.
 */
#include "import.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "division.h"
#include "edit.h"
#include "gis_int.h"
#include "import_int.h"
#include "log.h"
#include "utf8.h"

struct source {
    const char *path;
    const char *label; /* base name, for provenance and messages */
    GDALDatasetH ds;
    OGRLayerH layer;
    int src_index[IMPORT_MAX_FIELDS]; /* OGR field per target field, -1: none */
    struct crs_transform *xf;
    const char *encoding; /* set when we recode strings ourselves (non-Shapefile) */
    char label_json[200]; /* label escaped for a JSON string */
    long count;
    double max_edge_deg; /* edges split before the transformation (offset systems) */
};

#define MAX_OFFSET_EDGE_DEG 0.005 /* about 500 m */

/* ---------------------------------------------------------------- GDAL set-up */

static void gdal_to_log(CPLErr level, CPLErrorNum num, const char *msg)
{
    /* GDAL's own text reaches users through CPLGetLastErrorMsg in our messages. */
    LOG_DEBUG("gdal", "class=%d num=%d msg=\"%s\"", (int)level, num, msg);
}

static void gdal_init_once(void)
{
    GDALAllRegister();
    CPLSetErrorHandler(gdal_to_log);
}

void import__gdal_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, gdal_init_once);
}

/* ---------------------------------------------------------------- targets */

bool import_target_parse(const char *name, enum import_target *out)
{
    static const enum import_target all[] = {IMPORT_DIVISIONS, IMPORT_PLACES, IMPORT_FACILITIES,
                                             IMPORT_DEMAND};
    size_t i;

    for (i = 0; name && i < 4; i++) {
        if (!strcmp(import__target(all[i])->name, name)) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

const char *import_target_name(enum import_target target)
{
    const struct target_def *d = import__target(target);
    return d ? d->name : "unknown";
}

void import_target_fields(enum import_target target, char *buf, size_t size)
{
    const struct target_def *d = import__target(target);
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; d && i < d->n_fields && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s%s", i ? ", " : "", d->fields[i].name,
                         d->fields[i].is_required ? "*" : "");
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* ---------------------------------------------------------------- problems */

static void add_problem(struct import_report *rep,
                        const char *label,
                        long feature,
                        const char *id,
                        const char *property,
                        bool is_repair,
                        const char *msg)
{
    struct import_problem *p;

    if (rep->n_problems == IMPORT_MAX_PROBLEMS) {
        rep->problems_omitted++;
        return;
    }
    p = &rep->problems[rep->n_problems++];
    snprintf(p->source, sizeof p->source, "%s", label);
    p->feature = feature;
    snprintf(p->id, sizeof p->id, "%s", id ? id : "");
    snprintf(p->property, sizeof p->property, "%s", property ? property : "");
    p->is_repair = is_repair;
    snprintf(p->msg, sizeof p->msg, "%s", msg);
}

/* ---------------------------------------------------------------- opening */

static bool has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && !strcasecmp(path + n - m, suffix);
}

static enum gis_status
open_dataset(struct source *src, const struct import_options *opt, struct gis_error *err)
{
    char **oo = NULL;
    bool is_shape = has_suffix(src->path, ".shp") || has_suffix(src->path, ".dbf");

    if (has_suffix(src->path, ".csv")) {
        /* Point columns by the usual names; WKT in a geometry-named column. */
        oo = CSLAddString(oo, "X_POSSIBLE_NAMES=lon,lng,long,longitude,x");
        oo = CSLAddString(oo, "Y_POSSIBLE_NAMES=lat,latitude,y");
        oo = CSLAddString(oo, "GEOM_POSSIBLE_NAMES=wkt,geom,geometry,the_geom");
        /* Not KEEP_GEOM_COLUMNS=NO: GDAL 3.6 crashes with it when a coordinate column
         * name repeats (found by fuzz_import; corpus/import/csv_repeated_xy). The extra
         * columns are harmless: nothing maps them. */
    }
    if (is_shape && opt->encoding)
        oo = CSLSetNameValue(oo, "ENCODING", opt->encoding);
    if (!is_shape && opt->encoding && strcasecmp(opt->encoding, "UTF-8") &&
        strcasecmp(opt->encoding, "UTF8"))
        src->encoding = opt->encoding;
    CPLErrorReset();
    src->ds = GDALOpenEx(src->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                         (const char *const *)oo, NULL);
    CSLDestroy(oo);
    if (!src->ds)
        return gis_fail(err, GIS_ERR_IO, "cannot open '%s' as vector data%s%s", src->path,
                        CPLGetLastErrorMsg()[0] ? ": " : "", CPLGetLastErrorMsg());
    return GIS_OK;
}

static void layer_names(GDALDatasetH ds, char *buf, size_t size)
{
    int i, n = GDALDatasetGetLayerCount(ds);
    size_t used = 0;

    buf[0] = '\0';
    for (i = 0; i < n && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

static enum gis_status pick_layer(struct source *src, const char *name, struct gis_error *err)
{
    char names[400];
    int n = GDALDatasetGetLayerCount(src->ds);

    layer_names(src->ds, names, sizeof names);
    if (name) {
        src->layer = GDALDatasetGetLayerByName(src->ds, name);
        if (!src->layer)
            return gis_fail(err, GIS_ERR_NOT_FOUND, "no layer '%.60s' in '%s'; layers: %s", name,
                            src->label, names);
    } else if (n == 1) {
        src->layer = GDALDatasetGetLayer(src->ds, 0);
    } else {
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        n ? "'%s' has %d layers (%s): choose one with --layer"
                          : "'%s' has %d layers%s",
                        src->label, n, names);
    }
    return GIS_OK;
}

static enum gis_status
setup_crs(struct source *src, const struct import_options *opt, struct gis_error *err)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(src->layer);
    const char *wkt_opts[] = {"FORMAT=WKT2_2019", NULL};
    char *wkt = NULL;
    enum gis_status rc;

    if (opt->s_crs)
        return crs_transform_new(opt->s_crs, "EPSG:4326", &src->xf, err);
    if (!srs)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "'%s' does not say its CRS: pass --s-crs (e.g. EPSG:4326, EPSG:4490, "
                        "EPSG:4546, GCJ02)",
                        src->label);
    if (OSRExportToWktEx(srs, &wkt, wkt_opts) != OGRERR_NONE || !wkt) {
        CPLFree(wkt);
        return gis_fail(err, GIS_ERR_PROJ, "cannot read the CRS of '%s': pass --s-crs", src->label);
    }
    rc = crs_transform_new(wkt, "EPSG:4326", &src->xf, err);
    CPLFree(wkt);
    return rc;
}

/* ---------------------------------------------------------------- mapping */

/* Finds "name=value" pairs in a comma list; calls fn for each. */
typedef enum gis_status (*pair_fn)(void *ctx,
                                   const char *key,
                                   const char *value,
                                   struct gis_error *err);

static enum gis_status each_pair(const char *list, pair_fn fn, void *ctx, struct gis_error *err)
{
    char buf[1024], *p, *next;
    enum gis_status rc = GIS_OK;

    if (!list)
        return GIS_OK;
    if (strlen(list) >= sizeof buf)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "mapping list is too long");
    snprintf(buf, sizeof buf, "%s", list);
    for (p = buf; p && *p && rc == GIS_OK; p = next) {
        char *eq;
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        eq = strchr(p, '=');
        if (!eq || eq == p)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.60s' is not field=value", p);
        *eq = '\0';
        rc = fn(ctx, p, eq + 1, err);
    }
    return rc;
}

struct map_ctx {
    const struct target_def *def;
    struct source *src;
    char **defaults; /* per target field, owned copies */
};

static enum gis_status
unknown_target_field(const struct target_def *def, const char *key, struct gis_error *err)
{
    char fields[400];
    enum import_target t = (enum import_target)(def - import__target(IMPORT_DIVISIONS));

    import_target_fields(t, fields, sizeof fields);
    return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.40s' is no field of %s; fields: %s", key,
                    def->name, fields);
}

static enum gis_status map_one(void *ctx, const char *key, const char *value, struct gis_error *err)
{
    struct map_ctx *m = ctx;
    int t = import__field(m->def, key);
    int s;

    if (t < 0)
        return unknown_target_field(m->def, key, err);
    s = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(m->src->layer), value);
    if (s < 0)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "--map %s=%.40s: '%s' has no field '%.40s'", key,
                        value, m->src->label, value);
    m->src->src_index[t] = s;
    return GIS_OK;
}

static enum gis_status
default_one(void *ctx, const char *key, const char *value, struct gis_error *err)
{
    struct map_ctx *m = ctx;
    int t = import__field(m->def, key);

    if (t < 0)
        return unknown_target_field(m->def, key, err);
    free(m->defaults[t]);
    m->defaults[t] = strdup(value);
    return m->defaults[t] ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
}

/* Unmapped target fields take the source field of the same name, then an alias. */
static void map_by_name(const struct target_def *def, struct source *src)
{
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(src->layer);
    int i, j, n = OGR_FD_GetFieldCount(fd);
    char probe[80];

    for (i = 0; i < (int)def->n_fields; i++) {
        if (src->src_index[i] >= 0)
            continue;
        src->src_index[i] = OGR_FD_GetFieldIndex(fd, def->fields[i].name);
        for (j = 0; src->src_index[i] < 0 && def->fields[i].aliases && j < n; j++) {
            snprintf(probe, sizeof probe, "|%s|", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, j)));
            if (strcasestr(def->fields[i].aliases, probe))
                src->src_index[i] = j;
        }
    }
}

static enum gis_status check_mapped(const struct target_def *def,
                                    const struct source *src,
                                    char *const *defaults,
                                    struct gis_error *err)
{
    size_t i;

    for (i = 0; i < def->n_fields; i++)
        if (def->fields[i].is_required && src->src_index[i] < 0 && !defaults[i])
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "%s needs field '%s', and '%s' has no field of that name: map one "
                            "with --map %s=FIELD",
                            def->name, def->fields[i].name, src->label, def->fields[i].name);
    return GIS_OK;
}

static enum gis_status resolve_mapping(struct source *src,
                                       const struct target_def *def,
                                       const struct import_options *opt,
                                       char **defaults,
                                       struct gis_error *err)
{
    struct map_ctx m = {def, src, defaults};
    enum gis_status rc;
    size_t i;

    for (i = 0; i < IMPORT_MAX_FIELDS; i++)
        src->src_index[i] = -1;
    rc = each_pair(opt->map, map_one, &m, err);
    if (rc == GIS_OK)
        map_by_name(def, src);
    if (rc == GIS_OK)
        rc = check_mapped(def, src, defaults, err);
    return rc;
}

/* ---------------------------------------------------------------- rows */

struct row_storage {
    struct import_row row;
    char *owned[IMPORT_MAX_FIELDS];
};

static void row_clear(struct row_storage *rs)
{
    size_t i;

    for (i = 0; i < IMPORT_MAX_FIELDS; i++) {
        free(rs->owned[i]);
        rs->owned[i] = NULL;
        rs->row.val[i] = NULL;
    }
}

static char *trimmed_copy(const char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return strndup(s, n);
}

/* Reads target field i of f: the source value (recoded, trimmed; empty means absent),
 * else the default. A string that is not UTF-8 is a problem with the whole source. */
static enum gis_status read_value(const struct source *src,
                                  const struct target_def *def,
                                  char *const *defaults,
                                  OGRFeatureH f,
                                  size_t i,
                                  char **out,
                                  struct gis_error *err)
{
    int s = src->src_index[i];
    char *v = NULL, *rec;

    *out = NULL;
    if (s >= 0 && OGR_F_IsFieldSetAndNotNull(f, s)) {
        const char *raw = OGR_F_GetFieldAsString(f, s);
        rec = src->encoding ? CPLRecode(raw, src->encoding, CPL_ENC_UTF8) : NULL;
        v = trimmed_copy(rec ? rec : raw);
        CPLFree(rec);
        if (!v)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        if (!utf8_is_valid(v)) {
            free(v);
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "field '%s' of feature %lld in '%s' is not valid UTF-8: the source's "
                            "text encoding is not what was assumed; pass --encoding (e.g. GBK)",
                            def->fields[i].name, (long long)OGR_F_GetFID(f), src->label);
        }
        if (!*v) {
            free(v);
            v = NULL;
        }
    }
    if (!v && defaults[i]) {
        v = strdup(defaults[i]);
        if (!v)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    *out = v;
    return GIS_OK;
}

static enum gis_status read_row(const struct source *src,
                                const struct target_def *def,
                                char *const *defaults,
                                OGRFeatureH f,
                                struct row_storage *rs,
                                struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < def->n_fields && rc == GIS_OK; i++) {
        rc = read_value(src, def, defaults, f, i, &rs->owned[i], err);
        rs->row.val[i] = rs->owned[i];
    }
    return rc;
}

/* ---------------------------------------------------------------- passes */

struct run {
    struct store *st;
    const struct import_options *opt;
    const struct target_def *def;
    struct import_report *rep;
    struct source *src;
    size_t n_src;
    char *defaults[IMPORT_MAX_FIELDS];
    char valid_from[11];
    struct edit_batch *batch;
    long levels[DIVISION_VILLAGE + 1]; /* divisions per level; [0]: codes that do not parse */
    long done, total;
    struct edit_problems problems; /* of the feature at hand */
};

#define NO_LEVEL (-1) /* a pass over every feature (targets other than divisions) */

/* The level a division's code names, 0 when it names none. */
static int feature_level(const struct run *r, const struct source *src, OGRFeatureH f)
{
    struct division_code dc;
    struct gis_error ignored;
    char *key = NULL;
    int level = 0;

    if (read_value(src, r->def, r->defaults, f, (size_t)r->def->key_field, &key, &ignored) ==
            GIS_OK &&
        key && division_code_parse(key, &dc, NULL) == GIS_OK)
        level = (int)dc.level;
    free(key);
    return level;
}

/* Counts the features (and, for divisions, the levels present: parents are written
 * before their children, whatever order the sources give them in). */
static enum gis_status prepass(struct run *r, struct source *src, struct gis_error *err)
{
    OGRFeatureH f;

    (void)err;
    src->count = 0;
    OGR_L_SetIgnoredFields(src->layer, (const char *[]){"OGR_GEOMETRY", NULL});
    OGR_L_ResetReading(src->layer);
    while ((f = OGR_L_GetNextFeature(src->layer)) != NULL) {
        src->count++;
        if (r->def->key_field >= 0)
            r->levels[feature_level(r, src, f)]++;
        OGR_F_Destroy(f);
    }
    OGR_L_SetIgnoredFields(src->layer, NULL);
    return GIS_OK;
}

/* One feature as the write path's input, and what it points into. */
struct feature_input {
    struct edit_input in;
    struct edit_prop props[IMPORT_MAX_FIELDS + 2];
    char bools[IMPORT_MAX_FIELDS][8];
    char scenario[24];
    OGRGeometryH geom, seat;
    unsigned char *wkb, *seat_wkb;
    size_t wkb_n, seat_wkb_n;
};

static void input_clear(struct feature_input *fi)
{
    if (fi->geom)
        OGR_G_DestroyGeometry(fi->geom);
    if (fi->seat)
        OGR_G_DestroyGeometry(fi->seat);
    free(fi->wkb);
    free(fi->seat_wkb);
}

/* The values of row as properties, the id, the provenance and the seat's coordinates.
 * A value that cannot be read as what it stands for rejects the feature (rowerr). */
static enum gis_status input_values(struct run *r,
                                    const struct import_row *row,
                                    struct feature_input *fi,
                                    double seat[2],
                                    struct gis_error *rowerr)
{
    const struct target_def *def = r->def;
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < def->n_fields && rc == GIS_OK; i++) {
        const struct field_def *fd = &def->fields[i];
        const char *v = row->val[i];
        if (!v)
            continue;
        if (fd->role == FR_PROP)
            fi->props[fi->in.n_props++] = import__prop(fd, v, fi->bools[i], sizeof fi->bools[i]);
        else if (fd->role == FR_ID)
            fi->in.fid = v;
        else if (fd->role == FR_SOURCE)
            fi->in.source = v;
        else if (fd->role == FR_SEAT_LON || fd->role == FR_SEAT_LAT)
            rc = import__real(fd->name, v, &seat[fd->role == FR_SEAT_LAT], rowerr)
                     ? GIS_OK
                     : GIS_ERR_INVALID_ARG;
        else if (fd->role == FR_SCENARIO &&
                 (rc = import__scenario(r->st, v, fi->scenario, sizeof fi->scenario, rowerr)) ==
                     GIS_OK)
            fi->props[fi->in.n_props++] =
                (struct edit_prop){"scenario_id", EDIT_JSON_NUMBER, fi->scenario};
    }
    if (def->edit == EDIT_DIVISIONS || def->edit == EDIT_PLACES)
        fi->props[fi->in.n_props++] =
            (struct edit_prop){"valid_from", EDIT_JSON_STRING, r->valid_from};
    return rc;
}

/* The geometry in lon/lat and, for a division, its seat (given beside the polygon, or
 * the geometry itself when the source has only a seat). */
static enum gis_status input_geometry(struct run *r,
                                      const struct source *src,
                                      OGRFeatureH f,
                                      struct feature_input *fi,
                                      const double seat[2],
                                      struct gis_error *rowerr)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    enum gis_status rc = GIS_OK;

    if (g && !OGR_G_IsEmpty(g))
        rc = import__geom_transform(g, src->xf, src->max_edge_deg, &fi->geom, rowerr);
    if (rc == GIS_OK && !isnan(seat[0]) && !isnan(seat[1]) && r->def->edit == EDIT_DIVISIONS)
        rc = import__point_new(seat[0], seat[1], src->xf, &fi->seat, rowerr);
    if (rc == GIS_OK && !fi->geom && fi->seat) {
        fi->geom = fi->seat;
        fi->seat = NULL;
    }
    if (rc == GIS_OK && fi->geom)
        rc = import__wkb(fi->geom, &fi->wkb, &fi->wkb_n, rowerr);
    if (rc == GIS_OK && fi->seat)
        rc = import__wkb(fi->seat, &fi->seat_wkb, &fi->seat_wkb_n, rowerr);
    fi->in.has_geometry = fi->wkb != NULL;
    fi->in.wkb = fi->wkb;
    fi->in.wkb_n = fi->wkb_n;
    fi->in.seat_wkb = fi->seat_wkb;
    fi->in.seat_wkb_n = fi->seat_wkb_n;
    return rc;
}

static enum gis_status input_build(struct run *r,
                                   const struct source *src,
                                   OGRFeatureH f,
                                   const struct import_row *row,
                                   struct feature_input *fi,
                                   struct gis_error *rowerr)
{
    double seat[2] = {NAN, NAN};
    enum gis_status rc;

    fi->in.layer_id = r->def->name;
    fi->in.action = EDIT_CREATE;
    fi->in.props = fi->props;
    fi->in.user = r->opt->user;
    fi->in.reason = r->opt->reason ? r->opt->reason : "import";
    fi->in.source = src->label;
    fi->in.is_repair = !r->opt->is_strict;
    fi->in.hint_crs = "is the source CRS right (--s-crs)?";
    fi->in.hint_repair = "--strict forbids repair";
    rc = input_values(r, row, fi, seat, rowerr);
    return rc == GIS_OK ? input_geometry(r, src, f, fi, seat, rowerr) : rc;
}

/* The feature's id for messages: its code or fid, "" when it has none. */
static const char *feature_id(const struct run *r, const struct import_row *row)
{
    size_t i;

    for (i = 0; i < r->def->n_fields; i++)
        if ((r->def->fields[i].role == FR_ID || (int)i == r->def->key_field) && row->val[i])
            return row->val[i];
    return "";
}

static void report_rejection(struct run *r,
                             const struct source *src,
                             long fno,
                             const char *id,
                             const struct edit_problems *p)
{
    size_t i;

    r->rep->rejected++;
    for (i = 0; i < p->n; i++)
        add_problem(r->rep, src->label, fno, id, p->items[i].property, false, p->items[i].msg);
    r->rep->problems_omitted += (long)p->n_omitted;
}

/* Maps, checks and writes one feature through the write path. Returns a fatal status
 * only; a rejected feature is counted and reported with every reason. */
static enum gis_status
one_feature(struct run *r, struct source *src, OGRFeatureH f, long fno, struct gis_error *err)
{
    struct row_storage rs = {0};
    struct feature_input fi = {0};
    struct edit_problems *p = &r->problems;
    struct edit_batch_item item;
    struct gis_error rowerr = {0};
    enum gis_status rc = read_row(src, r->def, r->defaults, f, &rs, err);

    if (rc == GIS_OK && input_build(r, src, f, &rs.row, &fi, &rowerr) != GIS_OK) {
        memset(p, 0, sizeof *p);
        edit_problem_add(p, NULL, "%s", rowerr.msg);
        rc = GIS_ERR_REJECTED;
    } else if (rc == GIS_OK) {
        rc = edit_batch_add(r->batch, &fi.in, p, &item, err);
    }
    if (rc == GIS_OK) {
        r->rep->written++;
        r->rep->repaired += item.is_repaired;
        if (item.is_repaired)
            add_problem(r->rep, src->label, fno, item.fid, "geometry", true,
                        "invalid geometry repaired (MakeValid)");
    } else if (rc == GIS_ERR_REJECTED) {
        report_rejection(r, src, fno, feature_id(r, &rs.row), p);
        rc = GIS_OK;
    }
    input_clear(&fi);
    row_clear(&rs);
    return rc;
}

/* One source's features of one level (NO_LEVEL: all), then their audit row. */
static enum gis_status
write_source(struct run *r, struct source *src, int level, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    long fno = 0, before = edit_batch_count(r->batch);
    char about[300];
    OGRFeatureH f;

    OGR_L_ResetReading(src->layer);
    while (rc == GIS_OK && (f = OGR_L_GetNextFeature(src->layer)) != NULL) {
        fno++;
        if (level == NO_LEVEL || feature_level(r, src, f) == level) {
            r->rep->read++;
            rc = one_feature(r, src, f, fno, err);
            r->done++;
            if (r->opt->progress && (r->done % 64 == 0 || r->done == r->total))
                r->opt->progress(r->opt->progress_ctx, r->done, r->total);
        }
        OGR_F_Destroy(f);
    }
    if (rc != GIS_OK || edit_batch_count(r->batch) == before)
        return rc;
    /* The file name is ours to quote only after escaping: keep it to safe bytes. */
    snprintf(about, sizeof about, "\"source\":\"%s\",\"valid_from\":\"%s\"", src->label_json,
             r->valid_from);
    return edit_batch_audit(r->batch, r->opt->user ? r->opt->user : "import", r->opt->reason, about,
                            err);
}

/* Every source, a level at a time for divisions (parents first, then codes that name
 * no level, which the rules reject), else in one pass. */
static enum gis_status write_all(struct run *r, struct gis_error *err)
{
    static const int order[] = {DIVISION_PROVINCE, DIVISION_CITY,    DIVISION_COUNTY,
                                DIVISION_TOWNSHIP, DIVISION_VILLAGE, 0};
    enum gis_status rc = GIS_OK;
    size_t i, k;

    if (r->def->key_field < 0) {
        for (i = 0; i < r->n_src && rc == GIS_OK; i++)
            rc = write_source(r, &r->src[i], NO_LEVEL, err);
        return rc;
    }
    for (k = 0; k < sizeof order / sizeof *order && rc == GIS_OK; k++)
        for (i = 0; i < r->n_src && rc == GIS_OK && r->levels[order[k]] > 0; i++)
            rc = write_source(r, &r->src[i], order[k], err);
    return rc;
}

/* ---------------------------------------------------------------- run */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Copies s keeping only bytes that need no JSON escaping. */
static void json_safe(const char *s, char *out, size_t size)
{
    size_t n = 0;

    for (; *s && n + 1 < size; s++)
        if ((unsigned char)*s >= 0x20 && *s != '"' && *s != '\\')
            out[n++] = *s;
    out[n] = '\0';
}

static enum gis_status open_sources(struct run *r, const char *const *paths, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i;
    struct map_ctx m = {r->def, NULL, r->defaults};

    rc = each_pair(r->opt->defaults, default_one, &m, err);
    for (i = 0; i < r->n_src && rc == GIS_OK; i++) {
        struct source *src = &r->src[i];
        src->path = paths[i];
        src->label = base_name(paths[i]);
        json_safe(src->label, src->label_json, sizeof src->label_json);
        /* GCJ-02 and BD-09 are not linear: a straight edge of the source is a curve in
         * WGS84, and transforming only its end points cuts the curve short (up to about
         * 1 m on a 4.4 km edge of 宜川县, which left 云岩镇's densified border outside
         * it). Edges are split to at most MAX_OFFSET_EDGE_DEG first, so every vertex
         * follows the curve to within a few millimetres. */
        src->max_edge_deg =
            r->opt->s_crs && crs_is_offset_system(r->opt->s_crs) ? MAX_OFFSET_EDGE_DEG : 0;
        rc = open_dataset(src, r->opt, err);
        if (rc == GIS_OK)
            rc = pick_layer(src, r->opt->layer, err);
        if (rc == GIS_OK)
            rc = resolve_mapping(src, r->def, r->opt, r->defaults, err);
        if (rc == GIS_OK)
            rc = setup_crs(src, r->opt, err);
        if (rc == GIS_OK)
            rc = prepass(r, src, err);
        r->total += src->count;
    }
    return rc;
}

static void close_sources(struct run *r)
{
    size_t i;

    for (i = 0; r->src && i < r->n_src; i++) {
        crs_transform_free(r->src[i].xf);
        if (r->src[i].ds)
            GDALClose(r->src[i].ds);
    }
    free(r->src);
    for (i = 0; i < IMPORT_MAX_FIELDS; i++)
        free(r->defaults[i]);
    edit_batch_free(r->batch);
}

static enum gis_status
check_options(const struct import_options *opt, char *valid_from, struct gis_error *err)
{
    if (opt->valid_from) {
        if (!edit_date_parse(opt->valid_from, valid_from) || strlen(opt->valid_from) != 10)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "--valid-from '%.20s' is not YYYY-MM-DD",
                            opt->valid_from);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(valid_from, 11, "%Y-%m-%d", &tm);
    }
    if (!import__target(opt->target))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "unknown import target");
    return GIS_OK;
}

static enum gis_status finish(struct run *r, struct gis_error *err)
{
    if (r->rep->rejected > 0 && !r->opt->skip_rejected)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "%ld of %ld features rejected; nothing was written (fix them, or pass "
                        "--skip-rejected to write the rest)",
                        r->rep->rejected, r->rep->read);
    if (r->opt->is_dry_run)
        return GIS_OK; /* edit_batch_free rolls it all back */
    return edit_batch_commit(r->batch, err);
}

static enum gis_status run_init(struct run *r,
                                struct store *st,
                                size_t n_sources,
                                const struct import_options *opt,
                                struct import_report *report,
                                struct gis_error *err)
{
    enum gis_status rc = check_options(opt, r->valid_from, err);

    if (rc != GIS_OK)
        return rc;
    r->st = st;
    r->opt = opt;
    r->def = import__target(opt->target);
    r->rep = report;
    r->n_src = n_sources;
    r->src = calloc(n_sources, sizeof *r->src);
    if (!r->src)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return GIS_OK;
}

enum gis_status import_run(struct store *st,
                           const char *const *sources,
                           size_t n_sources,
                           const struct import_options *opt,
                           struct import_report *report,
                           struct gis_error *err)
{
    struct run *r;
    enum gis_status rc;

    if (!st || !sources || !opt || !report)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "import_run: null argument");
    if (n_sources == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "no source to import");
    r = calloc(1, sizeof *r);
    if (!r)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    memset(report, 0, sizeof *report);
    import__gdal_init();
    rc = run_init(r, st, n_sources, opt, report, err);
    if (rc == GIS_OK)
        rc = open_sources(r, sources, err);
    if (rc == GIS_OK)
        rc = edit_batch_begin(st, r->def->edit, &r->batch, err);
    if (rc == GIS_OK)
        rc = write_all(r, err);
    if (rc == GIS_OK)
        rc = finish(r, err);
    close_sources(r);
    free(r);
    return rc;
}
