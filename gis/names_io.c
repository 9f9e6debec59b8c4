/*
 * Gazetteer exchange: export of every name row (standard, alias, former) with every
 * field as CSV or GeoJSON, import of the same layout (read through OGR, so either
 * format, and any CSV quoting, parses), and the announcement list (公告) of names
 * approved between two dates. Import writes through the same record update as the
 * CLI corrections and keeps the index in step.
 */
#include "names.h"

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "gis_int.h"

/* The exchange layout, in column order. */
static const char *const COLUMNS[] = {
    "target",       "feature",       "kind",          "name",        "pinyin",   "pinyin_source",
    "level",        "category",      "division_code", "valid_from",  "valid_to", "approved_by",
    "approval_doc", "approval_date", "filing_status", "filing_date", "note",
};
#define N_COLUMNS (sizeof COLUMNS / sizeof *COLUMNS)

/* Every name row; columns as COLUMNS, then x, y. */
static const char SQL_EXPORT[] =
    "SELECT 'divisions', code, 'standard', name, pinyin, pinyin_source, level, kind,"
    " parent_code, valid_from, NULL, approved_by, approval_doc, approval_date, filing_status,"
    " filing_date, NULL, X(seat), Y(seat) FROM divisions WHERE valid_to IS NULL"
    " UNION ALL SELECT 'divisions', d.code, 'former', d.name, max(d.pinyin),"
    " max(d.pinyin_source), d.level, max(d.kind), max(d.parent_code), min(d.valid_from),"
    " max(d.valid_to), max(d.approved_by), max(d.approval_doc), max(d.approval_date), NULL, NULL,"
    " 'version history', max(X(d.seat)), max(Y(d.seat)) FROM divisions d WHERE d.valid_to IS NOT"
    " NULL AND d.name <> COALESCE((SELECT c.name FROM divisions c WHERE c.code = d.code AND"
    " c.valid_to IS NULL), '') GROUP BY d.code, d.name"
    " UNION ALL SELECT 'places', CAST(id AS TEXT), 'standard', name, pinyin, pinyin_source, NULL,"
    " category, division_code, valid_from, NULL, approved_by, approval_doc, approval_date,"
    " filing_status, filing_date, NULL, (MbrMinX(geom) + MbrMaxX(geom)) / 2,"
    " (MbrMinY(geom) + MbrMaxY(geom)) / 2 FROM places WHERE valid_to IS NULL"
    " UNION ALL SELECT v.target, v.feature, v.kind, v.name, v.pinyin, v.pinyin_source, NULL, NULL,"
    " NULL, v.valid_from, v.valid_to, v.approved_by, v.approval_doc, v.approval_date, NULL, NULL,"
    " v.note, NULL, NULL FROM name_variants v ORDER BY 1, 2, 3 DESC, 10";

static void csv_field(struct gbuf *b, const char *v)
{
    const char *p;

    if (!v)
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        gbuf_puts(b, v);
        return;
    }
    gbuf_puts(b, "\"");
    for (p = v; *p; p++) {
        gbuf_append(b, p, 1);
        if (*p == '"')
            gbuf_append(b, "\"", 1); /* RFC 4180: a quote inside is doubled */
    }
    gbuf_puts(b, "\"");
}

static void csv_row(struct gbuf *b, sqlite3_stmt *s, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (i)
            gbuf_puts(b, ",");
        csv_field(b, (const char *)sqlite3_column_text(s, i));
    }
    gbuf_puts(b, "\r\n");
}

static void json_row(struct gbuf *b, sqlite3_stmt *s, bool is_first)
{
    size_t i;

    gbuf_puts(b, is_first ? "\n" : ",\n");
    gbuf_puts(b, "{\"type\":\"Feature\",\"geometry\":");
    if (sqlite3_column_type(s, (int)N_COLUMNS) == SQLITE_NULL)
        gbuf_puts(b, "null");
    else
        gbuf_printf(b, "{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]}",
                    sqlite3_column_double(s, (int)N_COLUMNS),
                    sqlite3_column_double(s, (int)N_COLUMNS + 1));
    gbuf_puts(b, ",\"properties\":{");
    for (i = 0; i < N_COLUMNS; i++) {
        const char *v = (const char *)sqlite3_column_text(s, (int)i);
        gbuf_printf(b, "%s\"%s\":", i ? "," : "", COLUMNS[i]);
        if (!v) {
            gbuf_puts(b, "null");
            continue;
        }
        gbuf_puts(b, "\"");
        gbuf_json_escape(b, v);
        gbuf_puts(b, "\"");
    }
    gbuf_puts(b, "}}");
}

static enum gis_status flush(FILE *f, struct gbuf *b, struct gis_error *err)
{
    enum gis_status rc = gbuf_status(b);

    if (rc != GIS_OK)
        return gis_fail(err, rc, "a name row is too large");
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        return gis_fail(err, GIS_ERR_IO, "writing the gazetteer failed");
    gbuf_reset(b);
    return GIS_OK;
}

/* Closes (or, for stdout, flushes) what the export wrote to; rc: the writing's status. */
static enum gis_status
close_out(FILE *f, const char *path, enum gis_status rc, struct gis_error *err)
{
    bool is_stdout = f == stdout;
    int bad = is_stdout ? fflush(f) : fclose(f);

    if (bad && rc == GIS_OK)
        rc = gis_fail(err, GIS_ERR_IO, "writing '%.200s' failed", path);
    return rc;
}

static void header(struct gbuf *b, enum names_format fmt)
{
    size_t i;

    if (fmt == NAMES_GEOJSON) {
        gbuf_puts(b, "{\"type\":\"FeatureCollection\",\"name\":\"gazetteer\",\"features\":[");
        return;
    }
    for (i = 0; i < N_COLUMNS; i++)
        gbuf_printf(b, "%s%s", i ? "," : "", COLUMNS[i]);
    gbuf_puts(b, ",lon,lat\r\n");
}

static enum gis_status
export_rows(struct store *st, FILE *f, enum names_format fmt, long *n, struct gis_error *err)
{
    struct gbuf b;
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, SQL_EXPORT, &s, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    gbuf_init(&b, 1 << 20);
    header(&b, fmt);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (fmt == NAMES_GEOJSON)
            json_row(&b, s, *n == 0);
        else
            csv_row(&b, s, (int)N_COLUMNS + 2);
        (*n)++;
        if (b.len > (1 << 19))
            rc = flush(f, &b, err);
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the gazetteer");
    store__done(s);
    if (fmt == NAMES_GEOJSON)
        gbuf_puts(&b, "\n]}\n");
    if (rc == GIS_OK)
        rc = flush(f, &b, err);
    gbuf_free(&b);
    return rc;
}

enum gis_status names_export(struct store *st,
                             const char *path,
                             enum names_format fmt,
                             long *out_rows,
                             struct gis_error *err)
{
    FILE *f;
    long n = 0;
    enum gis_status rc;

    if (!st || !path)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_export: null argument");
    f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f)
        return gis_fail(err, GIS_ERR_IO, "cannot write '%.200s'", path);
    rc = export_rows(st, f, fmt, &n, err);
    rc = close_out(f, path, rc, err);
    if (rc == GIS_OK && out_rows)
        *out_rows = n;
    return rc;
}

/* ---------------------------------------------------------------- import */

struct row {
    const char *v[N_COLUMNS];
};

/* A field's text; dates (GeoJSON's reader recognises them) as YYYY-MM-DD, into buf. */
static const char *field(OGRFeatureH f, OGRFeatureDefnH d, const char *name, char buf[16])
{
    int i = OGR_FD_GetFieldIndex(d, name), y, m, day, h, min, tz;
    float sec;
    const char *v;

    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i))
        return NULL;
    if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, i)) == OFTDate &&
        OGR_F_GetFieldAsDateTimeEx(f, i, &y, &m, &day, &h, &min, &sec, &tz)) {
        snprintf(buf, 16, "%04d-%02d-%02d", y, m, day);
        return buf;
    }
    v = OGR_F_GetFieldAsString(f, i);
    return v && *v ? v : NULL;
}

static bool differs(const char *a, const char *b)
{
    return b && (!a || strcmp(a, b));
}

/* The standard row's changes against the record the store has. */
static enum gis_status standard_row(struct store *st,
                                    enum names_target t,
                                    const struct row *r,
                                    const struct names_who *who,
                                    long *updated,
                                    struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT name, pinyin, pinyin_source, approved_by, approval_doc, approval_date,"
        " filing_status, filing_date FROM divisions WHERE code = ? AND valid_to IS NULL";
    static const char place_sql[] =
        "SELECT name, pinyin, pinyin_source, approved_by, approval_doc, approval_date,"
        " filing_status, filing_date FROM places WHERE id = ? AND valid_to IS NULL";
    const int cols[] = {3, 4, 5, 11, 12, 13, 14, 15};
    struct names_update u = {0};
    sqlite3_stmt *s;
    bool is_changed = false, is_new_pinyin;
    enum gis_status rc = store__stmt(st, t == NAMES_PLACES ? place_sql : division_sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, r->v[1], -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "%s: no current feature '%.40s'",
                      names_target_name(t), r->v[1]);
    for (i = 0; rc == GIS_OK && i < 8; i++)
        is_changed = is_changed || differs((const char *)sqlite3_column_text(s, i), r->v[cols[i]]);
    /* The pinyin is written (with the file's source, else 'official') only when it or
     * its source differ: an unchanged pinyin keeps the source it has. */
    is_new_pinyin = rc == GIS_OK && (differs((const char *)sqlite3_column_text(s, 1), r->v[4]) ||
                                     differs((const char *)sqlite3_column_text(s, 2), r->v[5]));
    store__done(s);
    if (rc != GIS_OK || !is_changed)
        return rc;
    u.name = r->v[3];
    u.pinyin = is_new_pinyin ? r->v[4] : NULL;
    u.pinyin_source = r->v[5] ? r->v[5] : "official";
    u.approved_by = r->v[11];
    u.approval_doc = r->v[12];
    u.approval_date = r->v[13];
    u.filing_status = r->v[14];
    u.filing_date = r->v[15];
    rc = names__check_update(&u, err);
    if (rc == GIS_OK)
        rc = names__set_in_transaction(st, t, r->v[1], &u, who, err);
    *updated += rc == GIS_OK;
    return rc;
}

static enum gis_status variant_row(
    struct store *st, enum names_target t, const struct row *r, long *added, struct gis_error *err)
{
    static const char exists_sql[] =
        "SELECT 1 FROM search_entries WHERE target = ? AND feature = ? AND kind = ? AND name = ?"
        " UNION ALL SELECT 1 FROM name_variants WHERE target = ?1 AND feature = ?2 AND kind = ?3"
        " AND name = ?4";
    static const char insert_sql[] =
        "INSERT INTO name_variants (target, feature, kind, name, pinyin, pinyin_source,"
        " valid_from, valid_to, approved_by, approval_doc, approval_date, note) VALUES (?, ?, ?,"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const int cols[] = {0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 16};
    sqlite3_stmt *s;
    bool found;
    enum gis_status rc = store__stmt(st, exists_sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    for (i = 0; i < 4; i++)
        sqlite3_bind_text(s, 1 + i, r->v[i], -1, SQLITE_TRANSIENT);
    found = sqlite3_step(s) == SQLITE_ROW;
    store__done(s);
    if (found)
        return GIS_OK;
    rc = store__stmt(st, insert_sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    for (i = 0; i < 12; i++)
        if (r->v[cols[i]])
            sqlite3_bind_text(s, 1 + i, r->v[cols[i]], -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "adding a name");
    store__done(s);
    if (rc == GIS_OK)
        rc = names_feature_changed(st, t, r->v[1], err);
    *added += rc == GIS_OK;
    return rc;
}

static enum gis_status import_feature(struct store *st,
                                      OGRFeatureH f,
                                      OGRFeatureDefnH d,
                                      long n,
                                      const struct names_who *who,
                                      long *updated,
                                      long *added,
                                      struct gis_error *err)
{
    struct row r;
    char dates[N_COLUMNS][16];
    enum names_target t;
    enum gis_status rc;
    size_t i;

    for (i = 0; i < N_COLUMNS; i++)
        r.v[i] = field(f, d, COLUMNS[i], dates[i]);
    if (!names_target_parse(r.v[0], &t) || !r.v[1] || !r.v[2] || !r.v[3])
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "row %ld: target (divisions or places), feature, kind and name are "
                        "required",
                        n);
    if (!strcmp(r.v[2], "standard"))
        rc = standard_row(st, t, &r, who, updated, err);
    else if (!strcmp(r.v[2], "alias") || !strcmp(r.v[2], "former"))
        rc = variant_row(st, t, &r, added, err);
    else
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "kind '%.20s' is not standard, alias or former",
                      r.v[2]);
    if (rc != GIS_OK && err && strncmp(err->msg, "row ", 4)) {
        struct gis_error inner = *err;
        gis_fail(err, rc, "row %ld: %s", n, inner.msg);
    }
    return rc;
}

static enum gis_status import_layer(struct store *st,
                                    OGRLayerH layer,
                                    const struct names_who *who,
                                    long *updated,
                                    long *added,
                                    struct gis_error *err)
{
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(layer);
    OGRFeatureH f;
    enum gis_status rc = GIS_OK;
    long n = 0;

    OGR_L_ResetReading(layer);
    while (rc == GIS_OK && (f = OGR_L_GetNextFeature(layer)) != NULL) {
        rc = import_feature(st, f, d, ++n, who, updated, added, err);
        OGR_F_Destroy(f);
    }
    return rc;
}

static enum gis_status import_audit(struct store *st,
                                    const char *path,
                                    const struct names_who *who,
                                    long updated,
                                    long added,
                                    struct gis_error *err)
{
    char after[160];
    struct store_audit a = {who ? who->user : NULL,
                            "names_import",
                            "divisions,places",
                            path,
                            who ? who->reason : NULL,
                            NULL,
                            after};

    snprintf(after, sizeof after, "{\"updated\":%ld,\"added\":%ld}", updated, added);
    return store_audit_add(st, &a, err);
}

enum gis_status names_import(struct store *st,
                             const char *path,
                             const struct names_who *who,
                             long *out_updated,
                             long *out_added,
                             struct gis_error *err)
{
    const char *const drivers[] = {"CSV", "GeoJSON", NULL};
    GDALDatasetH ds;
    long updated = 0, added = 0;
    enum gis_status rc;

    if (!st || !path)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_import: null argument");
    GDALAllRegister();
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    if (!ds)
        return gis_fail(err, GIS_ERR_IO, "cannot read '%.200s' as CSV or GeoJSON", path);
    rc = GDALDatasetGetLayerCount(ds) == 1
             ? store_begin(st, err)
             : gis_fail(err, GIS_ERR_INVALID_ARG, "'%.200s' must hold one layer", path);
    if (rc == GIS_OK)
        rc = import_layer(st, GDALDatasetGetLayer(ds, 0), who, &updated, &added, err);
    if (rc == GIS_OK)
        rc = import_audit(st, path, who, updated, added, err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    store_rollback(st);
    GDALClose(ds);
    if (rc == GIS_OK) {
        *out_updated = updated;
        *out_added = added;
    }
    return rc;
}

/* ---------------------------------------------------------------- announcement */

enum gis_status names_announcement(struct store *st,
                                   const char *from,
                                   const char *to,
                                   const char *path,
                                   long *out_rows,
                                   struct gis_error *err)
{
    static const char sql[] =
        "SELECT name, pinyin, category, feature, division_code, approved_by, approval_doc,"
        " approval_date, filing_status, filing_date FROM (SELECT name, pinyin, kind AS category,"
        " code AS feature, parent_code AS division_code, approved_by, approval_doc,"
        " approval_date, filing_status, filing_date FROM divisions WHERE valid_to IS NULL"
        " UNION ALL SELECT name, pinyin, category, CAST(id AS TEXT), division_code, approved_by,"
        " approval_doc, approval_date, filing_status, filing_date FROM places WHERE valid_to IS"
        " NULL) WHERE approval_date BETWEEN ? AND ? ORDER BY approval_date, feature";
    FILE *f;
    struct gbuf b;
    sqlite3_stmt *s;
    long n = 0;
    enum gis_status rc;

    if (!st || !from || !to || !path)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_announcement: null argument");
    rc = store__stmt(st, sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f) {
        store__done(s);
        return gis_fail(err, GIS_ERR_IO, "cannot write '%.200s'", path);
    }
    sqlite3_bind_text(s, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, to, -1, SQLITE_TRANSIENT);
    gbuf_init(&b, 1 << 20);
    gbuf_puts(&b, "name,pinyin,category,feature,division_code,approved_by,approval_doc,"
                  "approval_date,filing_status,filing_date\r\n");
    while (rc == GIS_OK && sqlite3_step(s) == SQLITE_ROW) {
        csv_row(&b, s, 10);
        n++;
        if (b.len > (1 << 19))
            rc = flush(f, &b, err);
    }
    store__done(s);
    if (rc == GIS_OK)
        rc = flush(f, &b, err);
    gbuf_free(&b);
    rc = close_out(f, path, rc, err);
    if (rc == GIS_OK && out_rows)
        *out_rows = n;
    return rc;
}
