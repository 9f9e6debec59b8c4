/*
 * The gazetteer's search index: which rows are names (search_entries, filled from the
 * divisions and their version history, the places and the name variants) and the
 * shadow columns FTS5 indexes for them, made by the SQL function civgis_names_tokens.
 * FTS5's default tokenizer takes a run of Hanzi as one token and the trigram tokenizer
 * misses queries of one or two characters, so the columns hold tokens we cut
 * ourselves, separated by spaces:
 *   whole    the name as one token (exact and prefix matches)
 *   hz1/hz2  its characters and its character bigrams (substrings of any length)
 *   pyfull   toneless pinyin of the name, once per reading of its polyphonic characters
 *   py       the same from each later syllable on (substrings from a syllable)
 *   inifull  initials of each of those readings, ini the same from the second on
 *   code     a division's code (prefixes)
 * An entry's id orders it within a match kind: current names first, then aliases, then
 * former names; higher levels first; so a LIMIT query in id order needs no sort.
 */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "gis_int.h"
#include "pinyin.h"

#define TOKENS_MAX  (16u * 1024u)
#define N_COLUMNS   7 /* the shadow columns civgis_names_tokens makes; code is the 8th */
#define VARIANT_MAX 16
#define FOLD_MAX    (PINYIN_MAX_CHARS * PINYIN_SYL_MAX)

bool names_target_parse(const char *text, enum names_target *out)
{
    if (text && !strcmp(text, "divisions"))
        *out = NAMES_DIVISIONS;
    else if (text && !strcmp(text, "places"))
        *out = NAMES_PLACES;
    else
        return false;
    return true;
}

const char *names_target_name(enum names_target t)
{
    return t == NAMES_PLACES ? "places" : "divisions";
}

bool names_table_target(const char *table, enum names_target *out)
{
    return names_target_parse(table, out);
}

/* ---------------------------------------------------------------- tokens */

/* One name's readings as toneless syllables: variant 0 reads every character the chosen
 * way; each further variant changes one polyphonic character to another reading. */
struct variants {
    size_t n, n_chars;
    char syl[VARIANT_MAX][PINYIN_MAX_CHARS][PINYIN_SYL_MAX];
};

static void toneless(char *syl)
{
    size_t n = strlen(syl);

    if (n && syl[n - 1] >= '0' && syl[n - 1] <= '9')
        syl[n - 1] = '\0';
}

/* The character at c as a lower-case ASCII letter or digit, for a name's Latin parts;
 * "" when it is neither. */
static void latin_of(const char *name, const struct pinyin_char *c, char out[PINYIN_SYL_MAX])
{
    unsigned char b = (unsigned char)name[c->off];

    out[0] = '\0';
    if (c->len != 1 || !((b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')))
        return;
    out[0] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
    out[1] = '\0';
}

static void variants_make(const char *name, const struct pinyin_reading *r, struct variants *v)
{
    char alt[PINYIN_MAX_READINGS][PINYIN_SYL_MAX];
    size_t i, k, n;

    v->n = 1;
    v->n_chars = r->n;
    for (i = 0; i < r->n; i++) {
        if (r->c[i].syl[0]) {
            memcpy(v->syl[0][i], r->c[i].syl, PINYIN_SYL_MAX);
            toneless(v->syl[0][i]);
        } else {
            latin_of(name, &r->c[i], v->syl[0][i]);
        }
    }
    for (i = 0; i < r->n && v->n < VARIANT_MAX; i++) {
        if (!r->c[i].syl[0])
            continue;
        n = pinyin_char_readings(name + r->c[i].off, r->c[i].len, alt, PINYIN_MAX_READINGS);
        for (k = 0; k < n && v->n < VARIANT_MAX; k++) {
            toneless(alt[k]);
            if (!strcmp(alt[k], v->syl[0][i]))
                continue;
            memcpy(v->syl[v->n], v->syl[0], sizeof v->syl[0]);
            memcpy(v->syl[v->n][i], alt[k], PINYIN_SYL_MAX);
            v->n++;
        }
    }
}

/* Appends token unless the column already has it. */
static void token_add(struct gbuf *col, const char *token)
{
    size_t n = strlen(token);
    const char *p = col->data;

    if (!n)
        return;
    while (p && (p = strstr(p, token)) != NULL) {
        if ((p == col->data || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return;
        p += n;
    }
    if (col->len)
        gbuf_puts(col, " ");
    gbuf_puts(col, token);
}

/* Tokens of one variant over syllables [from, to): the pinyin and the initials. */
static void
variant_tokens(const struct variants *v, size_t k, size_t from, size_t to, char *py, char *ini)
{
    size_t i, np = 0, ni = 0;

    for (i = from; i < to; i++) {
        size_t n = strlen(v->syl[k][i]);
        if (!n || np + n >= FOLD_MAX)
            continue;
        memcpy(py + np, v->syl[k][i], n);
        np += n;
        ini[ni++] = v->syl[k][i][0];
    }
    py[np] = '\0';
    ini[ni] = '\0';
}

/* n_specific: the characters of the name's specific part (延长 of 延长县), which
 * matches exactly too. */
static void pinyin_columns(const struct variants *v, size_t n_specific, struct gbuf *cols)
{
    char py[FOLD_MAX + 1], ini[PINYIN_MAX_CHARS + 1];
    size_t k, i;

    for (k = 0; k < v->n; k++) {
        variant_tokens(v, k, 0, v->n_chars, py, ini);
        token_add(&cols[3], py);
        token_add(&cols[5], ini);
        variant_tokens(v, k, 0, n_specific, py, ini);
        token_add(&cols[3], py);
        token_add(&cols[5], ini);
        for (i = 1; i < v->n_chars; i++) {
            if (!v->syl[k][i][0] || !v->syl[k][i - 1][0])
                continue; /* only where a syllable starts after another */
            variant_tokens(v, k, i, v->n_chars, py, ini);
            token_add(&cols[4], py);
            token_add(&cols[6], ini);
        }
    }
}

/* A recorded pinyin (official or edited) adds its own spelling: the whole and each of
 * its words onwards. */
static void stored_pinyin(const char *pinyin, struct gbuf *cols)
{
    char word_from[FOLD_MAX + 1];
    const char *p;

    if (!pinyin || !*pinyin)
        return;
    if (pinyin_fold(pinyin, word_from, sizeof word_from))
        token_add(&cols[3], word_from);
    for (p = strchr(pinyin, ' '); p; p = strchr(p + 1, ' '))
        if (pinyin_fold(p + 1, word_from, sizeof word_from))
            token_add(&cols[4], word_from);
}

/* The whole, unigram and bigram columns: the name's Han characters, letters and digits
 * (lower case), without spaces or punctuation; whole also has the specific part alone
 * (its first n_specific characters). */
static void hanzi_columns(const char *name,
                          const struct pinyin_reading *r,
                          size_t n_specific,
                          struct gbuf *cols)
{
    char prev[8] = "", cur[8];
    size_t i, specific_end = 0;

    for (i = 0; i < r->n; i++) {
        if (i == n_specific)
            specific_end = cols[0].len;
        const struct pinyin_char *c = &r->c[i];
        char latin[PINYIN_SYL_MAX];
        latin_of(name, c, latin);
        if (!c->syl[0] && !latin[0] && !pinyin_is_han(name + c->off, c->len))
            continue; /* spaces, punctuation, symbols: not part of the name's text */
        if (latin[0])
            memcpy(cur, latin, 2);
        else {
            memcpy(cur, name + c->off, c->len);
            cur[c->len] = '\0';
        }
        gbuf_puts(&cols[0], cur);
        if (cols[1].len)
            gbuf_puts(&cols[1], " ");
        gbuf_puts(&cols[1], cur);
        if (prev[0]) {
            if (cols[2].len)
                gbuf_puts(&cols[2], " ");
            gbuf_puts(&cols[2], prev);
            gbuf_puts(&cols[2], cur);
        }
        memcpy(prev, cur, sizeof cur);
    }
    if (specific_end > 0) {
        gbuf_puts(&cols[0], " ");
        gbuf_append(&cols[0], cols[0].data, specific_end);
    }
}

static enum gis_status
tokens_make(struct pinyin *p, const char *name, const char *pinyin, struct gbuf *cols)
{
    struct pinyin_reading r;
    struct variants *v;
    enum gis_status rc = pinyin_read(p, name, &r, NULL);
    size_t i, n_specific, specific = pinyin_specific_len(name);

    for (i = 0; i < N_COLUMNS; i++)
        gbuf_reset(&cols[i]);
    if (rc != GIS_OK)
        return rc;
    v = malloc(sizeof *v);
    if (!v)
        return GIS_ERR_NOMEM;
    for (n_specific = 0; n_specific < r.n && r.c[n_specific].off < specific; n_specific++)
        ;
    variants_make(name, &r, v);
    hanzi_columns(name, &r, n_specific, cols);
    pinyin_columns(v, n_specific, cols);
    stored_pinyin(pinyin, cols);
    free(v);
    for (i = 0; i < N_COLUMNS && rc == GIS_OK; i++)
        rc = gbuf_status(&cols[i]);
    return rc;
}

/* ---------------------------------------------------------------- the SQL function */

/* Per connection: the converter, and the last name's columns (the index asks for the
 * seven columns of one name in a row). */
struct tokens_fn {
    struct pinyin *p;
    char *last_name, *last_pinyin;
    struct gbuf cols[N_COLUMNS];
};

static void tokens_fn_free(void *ctx)
{
    struct tokens_fn *f = ctx;
    size_t i;

    pinyin_free(f->p);
    free(f->last_name);
    free(f->last_pinyin);
    for (i = 0; i < N_COLUMNS; i++)
        gbuf_free(&f->cols[i]);
    free(f);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int tokens_fn_compute(struct tokens_fn *f, const char *name, const char *pinyin)
{
    if (f->last_name && same_text(f->last_name, name) && same_text(f->last_pinyin, pinyin))
        return 0;
    free(f->last_name);
    free(f->last_pinyin);
    f->last_name = f->last_pinyin = NULL;
    if (!f->p && pinyin_new(&f->p, NULL) != GIS_OK)
        return -1;
    if (tokens_make(f->p, name, pinyin, f->cols) != GIS_OK)
        return -1;
    f->last_name = strdup(name);
    f->last_pinyin = pinyin ? strdup(pinyin) : NULL;
    return f->last_name && (!pinyin || f->last_pinyin) ? 0 : -1;
}

/* civgis_names_tokens(name, pinyin, column): column 0..6 of the index for this name
 * (see the top of this file); NULL for a NULL name. */
static void tokens_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct tokens_fn *f = sqlite3_user_data(ctx);
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    const char *pinyin = (const char *)sqlite3_value_text(argv[1]);
    int col = sqlite3_value_int(argv[2]);

    (void)argc;
    if (!name || col < 0 || col >= N_COLUMNS) {
        sqlite3_result_null(ctx);
        return;
    }
    if (tokens_fn_compute(f, name, pinyin) != 0) {
        sqlite3_result_error(ctx, "civgis_names_tokens: cannot read the name", -1);
        return;
    }
    sqlite3_result_text(ctx, f->cols[col].data ? f->cols[col].data : "", -1, SQLITE_TRANSIENT);
}

int names__register(sqlite3 *db)
{
    struct tokens_fn *f = calloc(1, sizeof *f);
    size_t i;

    if (!f)
        return SQLITE_NOMEM;
    for (i = 0; i < N_COLUMNS; i++)
        gbuf_init(&f->cols[i], TOKENS_MAX);
    return sqlite3_create_function_v2(db, "civgis_names_tokens", 3,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC, f, tokens_fn, NULL, NULL,
                                      tokens_fn_free);
}

/* ---------------------------------------------------------------- entries */

/* The rank bits of an entry id: kind (0 standard, 1 alias, 2 former) above level above
 * the source (0 divisions, 1 variants, 2 places) above the source row's id. */
#define RANK(kind, level, src, id)                                                                 \
    "((" kind ") << 42) | ((" level ") << 39) | ((" src ") << 37) | (" id ")"

/* The statements that (re)index, in order: clear the feature's shadow columns and
 * entries, then make its entries from the current divisions, the names their version
 * history holds that the current row no longer has, the current places, and the
 * aliases and recorded former names (placed with their feature), then their shadow
 * columns. Each has one %s where its filter goes: "1" for the whole index, or the
 * statement's ONE filter, a condition the table's index answers, so re-indexing one
 * feature costs the same in a store of any size. ?1 is the target, ?2 the feature. */
static const struct {
    const char *sql, *one;
} SQL_INDEX[] = {
    {"DELETE FROM names_fts WHERE rowid IN (SELECT id FROM search_entries WHERE %s)",
     "target = ?1 AND feature = ?2"},
    {"DELETE FROM search_entries WHERE %s", "target = ?1 AND feature = ?2"},
    {"INSERT INTO search_entries (id, target, feature, kind, name, pinyin, valid_from, level,"
     " category, division, x, y) SELECT " RANK(
         "0", "level", "0", "id") ", 'divisions', code,"
                                  " 'standard', name, pinyin, valid_from, level, kind, code, "
                                  "X(seat), Y(seat) FROM divisions"
                                  " WHERE valid_to IS NULL AND %s",
     "code = ?2 AND ?1 = 'divisions'"},
    {"INSERT INTO search_entries (id, target, feature, kind, name, pinyin, valid_from, valid_to,"
     " level, category, division, x, y) SELECT " RANK(
         "2",
         "d.level",
         "0",
         "min(d.id)") ", 'divisions', d.code, 'former', d.name, max(d.pinyin), min(d.valid_from),"
                      " max(d.valid_to), d.level, max(d.kind), d.code, max(X(d.seat)), "
                      "max(Y(d.seat))"
                      " FROM divisions d WHERE d.valid_to IS NOT NULL AND %s AND d.name <> "
                      "COALESCE((SELECT"
                      " c.name FROM divisions c WHERE c.code = d.code AND c.valid_to IS NULL), '')"
                      " GROUP BY d.code, d.name",
     "d.code = ?2 AND ?1 = 'divisions'"},
    {"INSERT INTO search_entries (id, target, feature, kind, name, pinyin, valid_from, level,"
     " category, division, x, y) SELECT " RANK(
         "0", "6", "2", "id") ", 'places',"
                              " CAST(id AS TEXT), 'standard', name, pinyin, valid_from, 0, "
                              "category, division_code,"
                              " (MbrMinX(geom) + MbrMaxX(geom)) / 2, (MbrMinY(geom) + "
                              "MbrMaxY(geom)) / 2 FROM places"
                              " WHERE valid_to IS NULL AND %s",
     "id = ?2 AND ?1 = 'places'"},
    {"INSERT INTO search_entries (id, target, feature, kind, name, pinyin, valid_from, valid_to,"
     " level, category, division, x, y) SELECT " RANK(
         "CASE v.kind WHEN 'alias' THEN 1 ELSE 2"
         " END",
         "COALESCE(d.level, 6)",
         "1",
         "v.id") ", v.target, v.feature, v.kind, v.name, v.pinyin, v.valid_from, v.valid_to,"
                 " COALESCE(d.level, 0), COALESCE(d.kind, p.category), COALESCE(d.code, "
                 "p.division_code),"
                 " COALESCE(X(d.seat), (MbrMinX(p.geom) + MbrMaxX(p.geom)) / 2), "
                 "COALESCE(Y(d.seat),"
                 " (MbrMinY(p.geom) + MbrMaxY(p.geom)) / 2) FROM name_variants v LEFT JOIN "
                 "divisions d ON"
                 " v.target = 'divisions' AND d.code = v.feature AND d.valid_to IS NULL LEFT JOIN "
                 "places p"
                 " ON v.target = 'places' AND p.id = CAST(v.feature AS INTEGER) AND p.valid_to IS "
                 "NULL"
                 " WHERE %s",
     "v.target = ?1 AND v.feature = ?2"},
    {"INSERT INTO names_fts (rowid, whole, hz1, hz2, pyfull, py, inifull, ini, code) SELECT id,"
     " civgis_names_tokens(name, pinyin, 0), civgis_names_tokens(name, pinyin, 1),"
     " civgis_names_tokens(name, pinyin, 2), civgis_names_tokens(name, pinyin, 3),"
     " civgis_names_tokens(name, pinyin, 4), civgis_names_tokens(name, pinyin, 5),"
     " civgis_names_tokens(name, pinyin, 6), CASE WHEN target = 'divisions' AND kind ="
     " 'standard' THEN feature ELSE '' END FROM search_entries WHERE %s",
     "target = ?1 AND feature = ?2"},
};

static enum gis_status run_bound(struct store *st,
                                 const char *sql,
                                 const char *target,
                                 const char *feature,
                                 struct gis_error *err)
{
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    if (target && feature) {
        sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, feature, -1, SQLITE_STATIC);
    }
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(st, err, "updating the name index");
    store__done(s);
    return rc;
}

/* tmpl with its one "%s" replaced by filter (our constant text), into out. */
static void with_filter(const char *tmpl, const char *filter, char *out, size_t size)
{
    const char *at = strstr(tmpl, "%s");
    size_t head = (size_t)(at - tmpl), nf = strlen(filter), tail = strlen(at + 2);

    if (head + nf + tail + 1 > size) {
        out[0] = '\0'; /* cannot happen with the constants above; fails the prepare */
        return;
    }
    memcpy(out, tmpl, head);
    memcpy(out + head, filter, nf);
    memcpy(out + head + nf, at + 2, tail + 1);
}

/* One feature (target and feature) or, both NULL, everything. */
static enum gis_status
reindex(struct store *st, const char *target, const char *feature, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    char sql[4096];
    size_t i;

    for (i = 0; i < sizeof SQL_INDEX / sizeof *SQL_INDEX && rc == GIS_OK; i++) {
        with_filter(SQL_INDEX[i].sql, feature ? SQL_INDEX[i].one : "1", sql, sizeof sql);
        rc = run_bound(st, sql, target, feature, err);
    }
    return rc;
}

enum gis_status names_feature_changed(struct store *st,
                                      enum names_target t,
                                      const char *feature,
                                      struct gis_error *err)
{
    if (!st || !feature)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_feature_changed: null argument");
    return reindex(st, names_target_name(t), feature, err);
}

enum gis_status names_index_rebuild(struct store *st, struct gis_error *err)
{
    if (!st)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_index_rebuild: null argument");
    return reindex(st, NULL, NULL, err);
}

enum gis_status names__index_all(struct store *st, struct gis_error *err)
{
    return reindex(st, NULL, NULL, err);
}
