/*
 * Writing the gazetteer from the command line until the editing write path exists:
 * filling missing pinyin, correcting a record or renaming a feature (versioned as the
 * store versions, audited, re-indexed), and the uniqueness and homophone checks. Every
 * write is one transaction with its audit row and a data version bump.
 */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gbuf.h"
#include "gis_int.h"
#include "pinyin.h"

#define ROMAN_MAX (NAMES_TEXT_MAX * 2)

static char *column_dup(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    return t ? strdup((const char *)t) : NULL;
}

/* ---------------------------------------------------------------- fill */

struct blank {
    enum names_target target;
    char *feature, *name, *pinyin; /* pinyin: as stored, NULL when none */
};

struct blanks {
    struct blank *b;
    size_t n, cap;
};

static void blanks_free(struct blanks *bl)
{
    size_t i;

    for (i = 0; i < bl->n; i++) {
        free(bl->b[i].feature);
        free(bl->b[i].name);
        free(bl->b[i].pinyin);
    }
    free(bl->b);
}

/* The current names without pinyin. */
static const char BLANK_SQL[] =
    "SELECT 0, code, name, pinyin FROM divisions WHERE valid_to IS NULL AND (pinyin IS NULL OR"
    " pinyin = '') UNION ALL SELECT 1, CAST(id AS TEXT), name, pinyin FROM places WHERE"
    " valid_to IS NULL AND (pinyin IS NULL OR pinyin = '') ORDER BY 1, 2";
/* The current names whose pinyin the dictionary made (never an official or edited one). */
static const char GENERATED_SQL[] =
    "SELECT 0, code, name, pinyin FROM divisions WHERE valid_to IS NULL AND pinyin_source ="
    " 'generated' UNION ALL SELECT 1, CAST(id AS TEXT), name, pinyin FROM places WHERE"
    " valid_to IS NULL AND pinyin_source = 'generated' ORDER BY 1, 2";

static enum gis_status
blanks_read(struct store *st, const char *sql, struct blanks *bl, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int step;

    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        struct blank *b;
        if (bl->n == bl->cap) {
            size_t cap = bl->cap ? bl->cap * 2 : 256;
            b = realloc(bl->b, cap * sizeof *b);
            if (!b) {
                rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
                break;
            }
            bl->b = b;
            bl->cap = cap;
        }
        b = &bl->b[bl->n++];
        b->target = sqlite3_column_int(s, 0) ? NAMES_PLACES : NAMES_DIVISIONS;
        b->feature = column_dup(s, 1);
        b->name = column_dup(s, 2);
        b->pinyin = column_dup(s, 3);
        if (!b->feature || !b->name)
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the names");
    store__done(s);
    return rc;
}

static enum gis_status
set_generated(struct store *st, const struct blank *b, const char *pinyin, struct gis_error *err)
{
    static const char division_sql[] = "UPDATE divisions SET pinyin = ?, pinyin_source ="
                                       " 'generated' WHERE code = ? AND valid_to IS NULL";
    static const char place_sql[] = "UPDATE places SET pinyin = ?, pinyin_source = 'generated'"
                                    " WHERE id = ? AND valid_to IS NULL";
    sqlite3_stmt *s;
    enum gis_status rc =
        store__stmt(st, b->target == NAMES_PLACES ? place_sql : division_sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, pinyin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, b->feature, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "writing the pinyin");
    store__done(s);
    return rc == GIS_OK ? names_feature_changed(st, b->target, b->feature, err) : rc;
}

static enum gis_status fill_one(struct store *st,
                                struct pinyin *p,
                                const struct blank *b,
                                bool *is_guessed,
                                names_fill_fn fn,
                                void *ctx,
                                struct gis_error *err)
{
    char roman[ROMAN_MAX];
    enum gis_status rc = pinyin_place_name(p, b->name, roman, sizeof roman, is_guessed, err);

    if (rc == GIS_OK)
        rc = set_generated(st, b, roman, err);
    if (rc == GIS_OK && fn) {
        struct names_filled f = {b->target, b->feature, b->name, roman, *is_guessed};
        fn(ctx, &f);
    }
    return rc;
}

static enum gis_status fill_audit(
    struct store *st, const struct names_who *who, long filled, long guessed, struct gis_error *err)
{
    char after[128];
    struct store_audit a = {who ? who->user : NULL,
                            "names_fill",
                            "divisions,places",
                            NULL,
                            who && who->reason ? who->reason : "generate missing pinyin",
                            NULL,
                            after};

    snprintf(after, sizeof after, "{\"filled\":%ld,\"guessed\":%ld}", filled, guessed);
    return store_audit_add(st, &a, err);
}

enum gis_status names_fill(struct store *st,
                           const struct names_who *who,
                           bool is_dry_run,
                           names_fill_fn fn,
                           void *ctx,
                           long *out_filled,
                           long *out_guessed,
                           struct gis_error *err)
{
    struct blanks bl = {0};
    struct pinyin *p = NULL;
    long filled = 0, guessed = 0;
    enum gis_status rc;
    size_t i;

    if (!st)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_fill: null argument");
    rc = store_begin(st, err);
    if (rc != GIS_OK)
        return rc;
    rc = pinyin_new(&p, err);
    if (rc == GIS_OK)
        rc = blanks_read(st, BLANK_SQL, &bl, err);
    for (i = 0; rc == GIS_OK && i < bl.n; i++) {
        bool is_guessed = false;
        rc = fill_one(st, p, &bl.b[i], &is_guessed, fn, ctx, err);
        filled += rc == GIS_OK;
        guessed += rc == GIS_OK && is_guessed;
    }
    if (rc == GIS_OK && filled)
        rc = fill_audit(st, who, filled, guessed, err);
    if (rc == GIS_OK && !is_dry_run)
        rc = store_commit(st, err);
    store_rollback(st);
    pinyin_free(p);
    blanks_free(&bl);
    if (rc == GIS_OK) {
        *out_filled = filled;
        *out_guessed = guessed;
    }
    return rc;
}

/* ---------------------------------------------------------------- guesses */

/* Reads b's name afresh. out_roman: ROMAN_MAX bytes. */
static enum gis_status generate(struct pinyin *p,
                                const struct blank *b,
                                char *out_roman,
                                bool *out_is_guessed,
                                struct gis_error *err)
{
    return pinyin_place_name(p, b->name, out_roman, ROMAN_MAX, out_is_guessed, err);
}

static enum gis_status refresh_audit(struct store *st,
                                     const struct names_who *who,
                                     long changed,
                                     long guessed,
                                     struct gis_error *err)
{
    char after[128];
    struct store_audit a = {who ? who->user : NULL,
                            "names_refresh",
                            "divisions,places",
                            NULL,
                            who && who->reason ? who->reason : "regenerate the generated pinyin",
                            NULL,
                            after};

    snprintf(after, sizeof after, "{\"changed\":%ld,\"guessed\":%ld}", changed, guessed);
    return store_audit_add(st, &a, err);
}

/* Walks the generated names: each is read afresh; when is_writing, one that reads
 * differently now is rewritten (and reported to fn), else each guessed one is reported.
 * out_changed, out_guessed: counts. Inside the caller's transaction, if any. */
static enum gis_status walk_generated(struct store *st,
                                      bool is_writing,
                                      names_fill_fn fn,
                                      void *ctx,
                                      long *out_changed,
                                      long *out_guessed,
                                      struct gis_error *err)
{
    struct blanks bl = {0};
    struct pinyin *p = NULL;
    char roman[ROMAN_MAX];
    enum gis_status rc = pinyin_new(&p, err);
    size_t i;

    if (rc == GIS_OK)
        rc = blanks_read(st, GENERATED_SQL, &bl, err);
    for (i = 0; rc == GIS_OK && i < bl.n; i++) {
        const struct blank *b = &bl.b[i];
        bool is_guessed = false, is_changed;
        rc = generate(p, b, roman, &is_guessed, err);
        is_changed = rc == GIS_OK && (!b->pinyin || strcmp(roman, b->pinyin));
        if (rc == GIS_OK && is_writing && is_changed)
            rc = set_generated(st, b, roman, err);
        *out_changed += rc == GIS_OK && is_changed;
        *out_guessed += rc == GIS_OK && is_guessed;
        if (rc == GIS_OK && fn && (is_writing ? is_changed : is_guessed)) {
            struct names_filled f = {b->target, b->feature, b->name, roman, is_guessed};
            fn(ctx, &f);
        }
    }
    pinyin_free(p);
    blanks_free(&bl);
    return rc;
}

enum gis_status names_guessed(
    struct store *st, names_fill_fn fn, void *ctx, long *out_guessed, struct gis_error *err)
{
    long changed = 0, guessed = 0;
    enum gis_status rc;

    if (!st || !out_guessed)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_guessed: null argument");
    rc = walk_generated(st, false, fn, ctx, &changed, &guessed, err);
    if (rc == GIS_OK)
        *out_guessed = guessed;
    return rc;
}

enum gis_status names_refresh(struct store *st,
                              const struct names_who *who,
                              bool is_dry_run,
                              names_fill_fn fn,
                              void *ctx,
                              long *out_changed,
                              long *out_guessed,
                              struct gis_error *err)
{
    long changed = 0, guessed = 0;
    enum gis_status rc;

    if (!st || !out_changed || !out_guessed)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_refresh: null argument");
    rc = store_begin(st, err);
    if (rc != GIS_OK)
        return rc;
    rc = walk_generated(st, true, fn, ctx, &changed, &guessed, err);
    if (rc == GIS_OK && changed)
        rc = refresh_audit(st, who, changed, guessed, err);
    if (rc == GIS_OK && !is_dry_run)
        rc = store_commit(st, err);
    store_rollback(st);
    if (rc == GIS_OK) {
        *out_changed = changed;
        *out_guessed = guessed;
    }
    return rc;
}

/* ---------------------------------------------------------------- records */

/* The fields of a standard name record, in the order the SQL below reads them. */
enum {
    F_ROWID,
    F_NAME,
    F_PINYIN,
    F_PINYIN_SOURCE,
    F_APPROVED_BY,
    F_APPROVAL_DOC,
    F_APPROVAL_DATE,
    F_FILING_STATUS,
    F_FILING_DATE,
    F_VALID_FROM,
    F_PARENT,
    N_FIELDS,
};

static const char *const FIELD_NAMES[N_FIELDS] = {
    "rowid",         "name",          "pinyin",      "pinyin_source", "approved_by", "approval_doc",
    "approval_date", "filing_status", "filing_date", "valid_from",    "parent",
};

struct record {
    char *f[N_FIELDS];
};

static void record_free(struct record *r)
{
    size_t i;

    for (i = 0; i < N_FIELDS; i++)
        free(r->f[i]);
}

static enum gis_status record_read(struct store *st,
                                   enum names_target t,
                                   const char *feature,
                                   struct record *out,
                                   struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT id, name, pinyin, pinyin_source, approved_by, approval_doc, approval_date,"
        " filing_status, filing_date, valid_from, parent_code FROM divisions WHERE code = ?"
        " AND valid_to IS NULL";
    static const char place_sql[] =
        "SELECT id, name, pinyin, pinyin_source, approved_by, approval_doc, approval_date,"
        " filing_status, filing_date, valid_from, division_code FROM places WHERE id = ? AND"
        " valid_to IS NULL";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, t == NAMES_PLACES ? place_sql : division_sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, feature, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) {
        for (i = 0; i < N_FIELDS; i++)
            out->f[i] = column_dup(s, i);
    } else {
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no current %s '%.40s'",
                      t == NAMES_PLACES ? "place" : "division", feature);
    }
    store__done(s);
    return rc;
}

static void record_json(const struct record *r, struct gbuf *b)
{
    size_t i;

    gbuf_puts(b, "{");
    for (i = F_NAME; i < N_FIELDS; i++) {
        gbuf_printf(b, "%s\"%s\":", i > F_NAME ? "," : "", FIELD_NAMES[i]);
        if (!r->f[i]) {
            gbuf_puts(b, "null");
            continue;
        }
        gbuf_puts(b, "\"");
        gbuf_json_escape(b, r->f[i]);
        gbuf_puts(b, "\"");
    }
    gbuf_puts(b, "}");
}

bool names__is_date(const char *s)
{
    int y, m, d;
    char tail;

    return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
           m <= 12 && d >= 1 && d <= 31;
}

/* value is NULL or one of the NULL-terminated list. */
static bool is_one_of(const char *value, const char *const *list)
{
    for (; value && *list; list++)
        if (!strcmp(value, *list))
            return true;
    return !value;
}

static bool is_empty(const struct names_update *u)
{
    const char *fields[] = {u->name,          u->pinyin,        u->approved_by, u->approval_doc,
                            u->approval_date, u->filing_status, u->filing_date};
    size_t i;

    for (i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i])
            return false;
    return true;
}

enum gis_status names__check_update(const struct names_update *u, struct gis_error *err)
{
    static const char *const statuses[] = {"pending", "filed", "announced", NULL};
    static const char *const sources[] = {"official", "generated", "edited", NULL};
    const char *dates[] = {u->approval_date, u->filing_date, u->valid_from};
    size_t i;

    for (i = 0; i < 3; i++)
        if (dates[i] && (*dates[i] || i == 2) && !names__is_date(dates[i]))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.20s' is not a date (YYYY-MM-DD)",
                            dates[i]);
    if (!is_one_of(u->filing_status, statuses))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "filing status '%.20s' is not pending, filed or announced",
                        u->filing_status);
    if (!is_one_of(u->pinyin_source, sources))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "pinyin_source '%.20s' is not official, generated or edited",
                        u->pinyin_source);
    if (is_empty(u))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "nothing to change: give --name, --pinyin or an approval or filing field");
    if (u->name && (!*u->name || strlen(u->name) >= NAMES_TEXT_MAX))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the name must be 1 to %d bytes",
                        NAMES_TEXT_MAX - 1);
    if (u->pinyin && strlen(u->pinyin) >= NAMES_TEXT_MAX)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the pinyin is too long");
    return GIS_OK;
}

/* A sibling (same parent, same level or category) already called name. */
static enum gis_status check_sibling(struct store *st,
                                     enum names_target t,
                                     const char *feature,
                                     const struct record *r,
                                     const char *name,
                                     struct gis_error *err)
{
    static const char category_sql[] = "SELECT category FROM places WHERE id = ?";
    char other[32], category[64] = "";
    sqlite3_stmt *s;
    enum gis_status rc = GIS_OK;

    if (t == NAMES_PLACES && (rc = store__stmt(st, category_sql, &s, err)) == GIS_OK) {
        sqlite3_bind_text(s, 1, feature, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            snprintf(category, sizeof category, "%s", (const char *)sqlite3_column_text(s, 0));
        store__done(s);
    }
    if (rc == GIS_OK)
        rc = names_sibling_named(st, t, feature, r->f[F_PARENT], category[0] ? category : NULL,
                                 name, other, sizeof other, err);
    if (rc == GIS_OK && other[0])
        rc = gis_fail(err, GIS_ERR_CONFLICT,
                      "'%.80s' is already the name of %s under the same parent; names must be "
                      "unique there (force it: --force, or force=true over HTTP)",
                      name, other);
    return rc;
}

void names__today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---------------------------------------------------------------- versions */

#define DIVISION_COLUMNS                                                                           \
    "code, name, level, parent_code, kind, urban_rural_code, pinyin, population,"                  \
    " elderly_60plus, is_synthetic, source, change_reason, geom, seat, pinyin_source,"             \
    " approved_by, approval_doc, approval_date, filing_status, filing_date"
#define PLACE_COLUMNS                                                                              \
    "name, pinyin, aliases, category, division_code, status, is_synthetic, source, geom,"          \
    " pinyin_source, approved_by, approval_doc, approval_date, filing_status, filing_date"

static enum gis_status
exec_ids(struct store *st, const char *sql, const char *a, const char *b, struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "versioning the record");
    store__done(s);
    return rc;
}

/* A new version from day on. Divisions: the old row closes and a copy carries on (the
 * code is the feature). Places: a copy keeps the old state as history and the row, whose
 * id is the feature, carries on. out_rowid: the row to change. */
static enum gis_status version(struct store *st,
                               enum names_target t,
                               const struct record *r,
                               const char *day,
                               long long *out_rowid,
                               struct gis_error *err)
{
    static const char close_division[] = "UPDATE divisions SET valid_to = ?2 WHERE id = ?1";
    static const char copy_division[] =
        "INSERT INTO divisions (" DIVISION_COLUMNS ", valid_from) SELECT " DIVISION_COLUMNS
        ", ?2 FROM divisions WHERE id = ?1";
    /* The copy takes the next id ever (store_ids), not SQLite's next rowid, which may be
     * a deleted place's. */
    static const char keep_place[] =
        "INSERT INTO places (id, " PLACE_COLUMNS ", valid_from, valid_to) SELECT (SELECT last + "
        "1 FROM store_ids WHERE name = 'places'), " PLACE_COLUMNS
        ", valid_from, ?2 FROM places WHERE id = ?1";
    static const char move_place[] = "UPDATE places SET valid_from = ?2 WHERE id = ?1";
    enum gis_status rc;

    *out_rowid = strtoll(r->f[F_ROWID], NULL, 10);
    if (!r->f[F_VALID_FROM] || strcmp(day, r->f[F_VALID_FROM]) <= 0)
        return GIS_OK; /* the version began that day: it changes in place */
    rc = exec_ids(st, t == NAMES_PLACES ? keep_place : close_division, r->f[F_ROWID], day, err);
    if (rc == GIS_OK)
        rc = exec_ids(st, t == NAMES_PLACES ? move_place : copy_division, r->f[F_ROWID], day, err);
    if (rc == GIS_OK && t == NAMES_DIVISIONS)
        *out_rowid = sqlite3_last_insert_rowid(store__db(st));
    return rc;
}

/* Places keep a renamed feature's old name as a recorded former name (divisions have it
 * in their version history). */
static enum gis_status place_former(struct store *st,
                                    const char *feature,
                                    const struct record *r,
                                    const char *day,
                                    struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO name_variants (target, feature, kind, name, pinyin, pinyin_source,"
        " valid_from, valid_to, approved_by, approval_doc, approval_date) VALUES ('places', ?,"
        " 'former', ?, ?, ?, ?, ?, ?, ?, ?)";
    const int fields[] = {F_NAME, F_PINYIN, F_PINYIN_SOURCE, F_VALID_FROM};
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, feature, -1, SQLITE_TRANSIENT);
    for (i = 0; i < 4; i++)
        if (r->f[fields[i]])
            sqlite3_bind_text(s, 2 + i, r->f[fields[i]], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, day, -1, SQLITE_TRANSIENT);
    for (i = 0; i < 3; i++)
        if (r->f[F_APPROVED_BY + i])
            sqlite3_bind_text(s, 7 + i, r->f[F_APPROVED_BY + i], -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "recording the former name");
    store__done(s);
    return rc;
}

/* The record after u: a new pinyin is 'edited'; a rename without one regenerates it. */
static enum gis_status apply(const struct record *old,
                             const struct names_update *u,
                             struct record *out,
                             struct gis_error *err)
{
    const char *set[N_FIELDS] = {0};
    char roman[ROMAN_MAX];
    struct pinyin *p = NULL;
    enum gis_status rc = GIS_OK;
    size_t i;

    set[F_NAME] = u->name;
    set[F_APPROVED_BY] = u->approved_by;
    set[F_APPROVAL_DOC] = u->approval_doc;
    set[F_APPROVAL_DATE] = u->approval_date;
    set[F_FILING_STATUS] = u->filing_status;
    set[F_FILING_DATE] = u->filing_date;
    if (u->pinyin) {
        set[F_PINYIN] = u->pinyin;
        set[F_PINYIN_SOURCE] = u->pinyin_source ? u->pinyin_source : "edited";
    } else if (u->name && strcmp(u->name, old->f[F_NAME])) {
        rc = pinyin_new(&p, err);
        if (rc == GIS_OK)
            rc = pinyin_place_name(p, u->name, roman, sizeof roman, NULL, err);
        pinyin_free(p);
        set[F_PINYIN] = roman;
        set[F_PINYIN_SOURCE] = "generated";
    }
    for (i = 0; i < N_FIELDS && rc == GIS_OK; i++) {
        const char *v = set[i] ? set[i] : old->f[i];
        out->f[i] = v ? strdup(v) : NULL;
        if (v && !out->f[i])
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    return rc;
}

static enum gis_status write_record(struct store *st,
                                    enum names_target t,
                                    long long rowid,
                                    const struct record *r,
                                    const char *reason,
                                    struct gis_error *err)
{
    static const char division_sql[] =
        "UPDATE divisions SET name = ?, pinyin = ?, pinyin_source = ?, approved_by = ?,"
        " approval_doc = ?, approval_date = ?, filing_status = ?, filing_date = ?,"
        " change_reason = ? WHERE id = ?";
    static const char place_sql[] =
        "UPDATE places SET name = ?, pinyin = ?, pinyin_source = ?, approved_by = ?,"
        " approval_doc = ?, approval_date = ?, filing_status = ?, filing_date = ?,"
        " source = COALESCE(?, source) WHERE id = ?";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, t == NAMES_PLACES ? place_sql : division_sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    for (i = F_NAME; i <= F_FILING_DATE; i++)
        if (r->f[i] && *r->f[i]) /* "" clears a field */
            sqlite3_bind_text(s, i, r->f[i], -1, SQLITE_TRANSIENT);
    if (reason && t == NAMES_DIVISIONS)
        sqlite3_bind_text(s, 9, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 10, rowid);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "writing the name record");
    store__done(s);
    return rc;
}

static enum gis_status set_audit(struct store *st,
                                 enum names_target t,
                                 const char *feature,
                                 const struct record *before,
                                 const struct record *after,
                                 const struct names_who *who,
                                 struct gis_error *err)
{
    struct gbuf b, a;
    struct store_audit row = {who ? who->user : NULL,
                              "names_set",
                              names_target_name(t),
                              feature,
                              who ? who->reason : NULL,
                              NULL,
                              NULL};
    enum gis_status rc;

    gbuf_init(&b, 1 << 16);
    gbuf_init(&a, 1 << 16);
    record_json(before, &b);
    record_json(after, &a);
    rc = gbuf_status(&b) != GIS_OK ? gbuf_status(&b) : gbuf_status(&a);
    row.before_json = b.data;
    row.after_json = a.data;
    if (rc == GIS_OK)
        rc = store_audit_add(st, &row, err);
    gbuf_free(&b);
    gbuf_free(&a);
    return rc;
}

enum gis_status names__set_in_transaction(struct store *st,
                                          enum names_target t,
                                          const char *feature,
                                          const struct names_update *u,
                                          const struct names_who *who,
                                          struct gis_error *err)
{
    struct record old = {0}, new_ = {0};
    char day[11];
    long long rowid = 0;
    bool is_rename;
    enum gis_status rc = record_read(st, t, feature, &old, err);

    if (u->valid_from)
        snprintf(day, sizeof day, "%s", u->valid_from);
    else
        names__today(day);
    is_rename = rc == GIS_OK && u->name && strcmp(u->name, old.f[F_NAME]);
    if (is_rename && !u->is_forced)
        rc = check_sibling(st, t, feature, &old, u->name, err);
    if (rc == GIS_OK)
        rc = apply(&old, u, &new_, err);
    if (rc == GIS_OK)
        rc = version(st, t, &old, day, &rowid, err);
    if (rc == GIS_OK && is_rename && t == NAMES_PLACES)
        rc = place_former(st, feature, &old, day, err);
    if (rc == GIS_OK)
        rc = write_record(st, t, rowid, &new_, who ? who->reason : NULL, err);
    if (rc == GIS_OK)
        rc = set_audit(st, t, feature, &old, &new_, who, err);
    if (rc == GIS_OK)
        rc = names_feature_changed(st, t, feature, err);
    record_free(&old);
    record_free(&new_);
    return rc;
}

enum gis_status names_set(struct store *st,
                          enum names_target t,
                          const char *feature,
                          const struct names_update *u,
                          const struct names_who *who,
                          struct gis_error *err)
{
    enum gis_status rc;

    if (!st || !feature || !u)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_set: null argument");
    rc = names__check_update(u, err);
    if (rc == GIS_OK)
        rc = store_begin(st, err);
    if (rc != GIS_OK)
        return rc;
    rc = names__set_in_transaction(st, t, feature, u, who, err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    store_rollback(st);
    return rc;
}
