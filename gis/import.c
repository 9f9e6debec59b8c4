/*
 * The import driver: opens OGR sources, resolves the field mapping, sets up the CRS
 * transformation, runs a key pre-pass (so parents and duplicates are known across all
 * sources before the first write), then maps, validates and writes every feature in
 * one transaction. Owns the GDAL datasets it opens; the rules of each table live in
 * import_targets.c and the geometry pipeline in import_geom.c.
 */
#include "import.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "division.h"
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
};

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

static void add_problem(
    struct import_report *rep, const char *label, long feature, bool is_repair, const char *msg)
{
    struct import_problem *p;

    if (rep->n_problems == IMPORT_MAX_PROBLEMS) {
        rep->problems_omitted++;
        return;
    }
    p = &rep->problems[rep->n_problems++];
    snprintf(p->source, sizeof p->source, "%s", label);
    p->feature = feature;
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
    if (rs->row.geom)
        OGR_G_DestroyGeometry(rs->row.geom);
    rs->row.geom = NULL;
    rs->row.is_point = false;
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
    struct import_ctx c;
    struct import_report *rep;
    struct source *src;
    size_t n_src;
    char *defaults[IMPORT_MAX_FIELDS];
    struct strset *seen; /* keys written so far */
    long done, total;
};

/* Collects every key of the import (and, for divisions, the levels present), so a
 * child may come before its parent and duplicates are found across sources. */
static enum gis_status prepass(struct run *r, struct source *src, struct gis_error *err)
{
    const struct target_def *def = r->c.def;
    struct row_storage rs = {0};
    enum gis_status rc = GIS_OK;
    OGRFeatureH f;

    src->count = 0;
    OGR_L_SetIgnoredFields(src->layer, (const char *[]){"OGR_GEOMETRY", NULL});
    OGR_L_ResetReading(src->layer);
    while (rc == GIS_OK && (f = OGR_L_GetNextFeature(src->layer)) != NULL) {
        src->count++;
        if (def->key_field >= 0) {
            char *key = NULL;
            rc = read_value(src, def, r->defaults, f, (size_t)def->key_field, &key, err);
            if (rc == GIS_OK && key) {
                struct division_code dc;
                if (r->c.opt->target == IMPORT_DIVISIONS &&
                    division_code_parse(key, &dc, NULL) == GIS_OK) {
                    rc = strset_add(r->c.keys, dc.code, NULL);
                    r->c.levels_in_import[dc.level]++;
                } else {
                    rc = strset_add(r->c.keys, key, NULL);
                }
            }
            free(key);
        }
        OGR_F_Destroy(f);
    }
    OGR_L_SetIgnoredFields(src->layer, NULL);
    row_clear(&rs);
    return rc;
}

static const char *row_key(struct run *r, const struct import_row *row, char *buf, size_t n)
{
    const char *key;
    struct division_code dc;

    if (r->c.def->key_field < 0)
        return NULL;
    key = row->val[r->c.def->key_field];
    if (key && r->c.opt->target == IMPORT_DIVISIONS && division_code_parse(key, &dc, NULL) == 0) {
        snprintf(buf, n, "%s", dc.code);
        return buf;
    }
    return key;
}

static enum gis_status
check_required(const struct target_def *def, const struct import_row *row, struct gis_error *err)
{
    size_t i;

    for (i = 0; i < def->n_fields; i++)
        if (def->fields[i].is_required && !row->val[i])
            return gis_fail(err, GIS_ERR_INVALID_ARG, "required field '%s' is empty",
                            def->fields[i].name);
    return GIS_OK;
}

/* The row-level checks before the target's own: geometry, required fields, types and
 * duplicates within the import. A rejection comes back in rowerr with its status;
 * the function's own status is fatal only. */
static enum gis_status prepare_row(struct run *r,
                                   struct source *src,
                                   OGRFeatureH f,
                                   struct import_row *row,
                                   bool *out_repaired,
                                   enum gis_status *rowrc,
                                   struct gis_error *rowerr)
{
    const struct target_def *def = r->c.def;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    char keybuf[DIVISION_CODE_MAX];
    const char *key;
    bool is_new = true;

    *rowrc = GIS_OK;
    if (g || !def->is_geom_optional)
        *rowrc = import__geom_prepare(g, src->xf, def->geom, r->c.opt->is_strict, &row->geom,
                                      out_repaired, &row->is_point, rowerr);
    if (*rowrc == GIS_OK)
        *rowrc = check_required(def, row, rowerr);
    if (*rowrc == GIS_OK)
        *rowrc = import__row_parse(def, row, rowerr);
    key = *rowrc == GIS_OK ? row_key(r, row, keybuf, sizeof keybuf) : NULL;
    if (!key)
        return GIS_OK;
    if (strset_add(r->seen, key, &is_new) != GIS_OK)
        return GIS_ERR_NOMEM;
    if (!is_new)
        *rowrc = gis_fail(rowerr, GIS_ERR_CONFLICT, "%s is a duplicate within this import", key);
    return GIS_OK;
}

static bool is_rejection(enum gis_status rc)
{
    return rc == GIS_ERR_INVALID_ARG || rc == GIS_ERR_CONFLICT || rc == GIS_ERR_GEOMETRY ||
           rc == GIS_ERR_PROJ;
}

/* Maps, checks and writes one feature. Returns a fatal status only; a rejected row is
 * counted and reported. */
static enum gis_status
one_feature(struct run *r, struct source *src, OGRFeatureH f, long fno, struct gis_error *err)
{
    struct row_storage rs = {0};
    struct gis_error rowerr = {0};
    enum gis_status rc, rowrc = GIS_OK;
    bool repaired = false;

    rc = read_row(src, r->c.def, r->defaults, f, &rs, err);
    if (rc == GIS_OK)
        rc = prepare_row(r, src, f, &rs.row, &repaired, &rowrc, &rowerr);
    if (rc == GIS_OK && rowrc == GIS_OK)
        rowrc = r->c.def->write(&r->c, &rs.row, &rowerr);
    if (rc != GIS_OK) {
        /* fatal: err already says why */
    } else if (rowrc == GIS_OK) {
        r->rep->written++;
        r->rep->repaired += repaired;
        if (repaired)
            add_problem(r->rep, src->label, fno, true, "invalid geometry repaired (MakeValid)");
    } else if (is_rejection(rowrc)) {
        r->rep->rejected++;
        add_problem(r->rep, src->label, fno, false, rowerr.msg);
    } else {
        rc = gis_fail(err, rowrc, "%s feature %ld: %s", src->label, fno, rowerr.msg);
    }
    row_clear(&rs);
    return rc;
}

static enum gis_status write_source(struct run *r, struct source *src, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    OGRFeatureH f;
    long fno = 0;

    r->c.source_label = src->label;
    r->c.xf = src->xf;
    OGR_L_ResetReading(src->layer);
    while (rc == GIS_OK && (f = OGR_L_GetNextFeature(src->layer)) != NULL) {
        fno++;
        r->rep->read++;
        rc = one_feature(r, src, f, fno, err);
        OGR_F_Destroy(f);
        r->done++;
        if (r->c.opt->progress && (r->done % 64 == 0 || r->done == r->total))
            r->c.opt->progress(r->c.opt->progress_ctx, r->done, r->total);
    }
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
    struct map_ctx m = {r->c.def, NULL, r->defaults};

    rc = each_pair(r->c.opt->defaults, default_one, &m, err);
    for (i = 0; i < r->n_src && rc == GIS_OK; i++) {
        struct source *src = &r->src[i];
        src->path = paths[i];
        src->label = base_name(paths[i]);
        json_safe(src->label, src->label_json, sizeof src->label_json);
        rc = open_dataset(src, r->c.opt, err);
        if (rc == GIS_OK)
            rc = pick_layer(src, r->c.opt->layer, err);
        if (rc == GIS_OK)
            rc = resolve_mapping(src, r->c.def, r->c.opt, r->defaults, err);
        if (rc == GIS_OK)
            rc = setup_crs(src, r->c.opt, err);
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
    strset_free(r->c.keys);
    strset_free(r->seen);
}

static enum gis_status
check_options(const struct import_options *opt, char *valid_from, struct gis_error *err)
{
    int y, m, d;
    char tail;

    if (opt->valid_from) {
        if (strlen(opt->valid_from) != 10 ||
            sscanf(opt->valid_from, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
            d < 1 || d > 31)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "--valid-from '%.20s' is not YYYY-MM-DD",
                            opt->valid_from);
        snprintf(valid_from, 11, "%s", opt->valid_from);
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
    enum gis_status rc = GIS_OK;
    char after[600];
    size_t i;

    if (r->rep->rejected > 0 && !r->c.opt->skip_rejected)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "%ld of %ld features rejected; nothing was written (fix them, or pass "
                        "--skip-rejected to write the rest)",
                        r->rep->rejected, r->rep->read);
    if (r->c.opt->is_dry_run)
        return GIS_OK;
    /* The rows written raised their table's version (triggers): nothing to bump here. */
    for (i = 0; i < r->n_src && rc == GIS_OK; i++) {
        struct store_audit a = {r->c.opt->user,   "import", r->c.def->name, NULL,
                                r->c.opt->reason, NULL,     after};
        /* The file name is ours to quote only after escaping: keep it to safe bytes. */
        snprintf(after, sizeof after, "{\"source\":\"%s\",\"features\":%ld,\"valid_from\":\"%s\"}",
                 r->src[i].label_json, r->src[i].count, r->c.valid_from);
        rc = store_audit_add(r->c.st, &a, err);
    }
    return rc;
}

static enum gis_status run_init(struct run *r,
                                struct store *st,
                                size_t n_sources,
                                const struct import_options *opt,
                                struct import_report *report,
                                struct gis_error *err)
{
    enum gis_status rc = check_options(opt, r->c.valid_from, err);

    if (rc != GIS_OK)
        return rc;
    r->c.st = st;
    r->c.opt = opt;
    r->c.def = import__target(opt->target);
    r->rep = report;
    r->n_src = n_sources;
    r->src = calloc(n_sources, sizeof *r->src);
    if (!r->src || strset_new(&r->c.keys) != GIS_OK || strset_new(&r->seen) != GIS_OK)
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
    struct run r;
    enum gis_status rc;
    size_t i;

    if (!st || !sources || !opt || !report)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "import_run: null argument");
    if (n_sources == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "no source to import");
    memset(report, 0, sizeof *report);
    memset(&r, 0, sizeof r);
    import__gdal_init();
    rc = run_init(&r, st, n_sources, opt, report, err);
    if (rc == GIS_OK)
        rc = open_sources(&r, sources, err);
    if (rc == GIS_OK)
        rc = store_begin(st, err);
    for (i = 0; i < n_sources && rc == GIS_OK; i++)
        rc = write_source(&r, &r.src[i], err);
    if (rc == GIS_OK)
        rc = finish(&r, err);
    if (rc == GIS_OK && !opt->is_dry_run)
        rc = store_commit(st, err);
    store_rollback(st);
    close_sources(&r);
    return rc;
}
