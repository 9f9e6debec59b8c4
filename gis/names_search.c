/*
 * Gazetteer search over the index names.c keeps: the query is classified (Hanzi, pinyin
 * or initials, a code), then asked as up to three FTS5 queries, best match kind first
 * (exact, prefix, substring), each in entry-id order (current before alias before
 * former, higher levels first) with a LIMIT, so no query sorts its matches. Hits are
 * unique per feature and carry the feature's standard record and division path.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "division.h"
#include "gis_int.h"
#include "pinyin.h"
#include "utf8.h"

#define EXPR_MAX 2048
#define NORM_MAX 512

enum query_kind {
    Q_HANZI,
    Q_PINYIN,
    Q_CODE,
};

enum tier {
    TIER_EXACT,
    TIER_PREFIX,
    TIER_SUBSTRING,
};

static const char *const TIER_NAMES[] = {"exact", "prefix", "substring"};

struct parsed {
    enum query_kind kind;
    char norm[NORM_MAX];           /* Hanzi: the characters; pinyin: folded; code: digits */
    size_t n_chars;                /* Hanzi: characters in norm */
    size_t char_off[NORM_MAX / 2]; /* Hanzi: where each character starts */
};

static bool is_ascii_alnum(unsigned char b)
{
    return (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
}

/* Keeps the characters a name's whole/hz columns keep: Han characters, ASCII letters
 * (in lower case) and digits; spaces, punctuation and symbols go. */
static bool parse_hanzi(const char *q, struct parsed *p)
{
    size_t off = 0, used = 0;

    p->n_chars = 0;
    while (q[off]) {
        const unsigned char *s = (const unsigned char *)q + off;
        size_t len = utf8_char_len(s);
        if (len == 0)
            return false;
        if ((pinyin_is_han((const char *)s, len) || (len == 1 && is_ascii_alnum(*s))) &&
            used + len < NORM_MAX && p->n_chars < NORM_MAX / 2) {
            p->char_off[p->n_chars++] = used;
            memcpy(p->norm + used, s, len);
            if (len == 1 && *s >= 'A' && *s <= 'Z')
                p->norm[used] = (char)(*s + 32);
            used += len;
        }
        off += len;
    }
    p->norm[used] = '\0';
    return p->n_chars > 0;
}

/* Digits in a Latin query are tone numbers only right after a letter ("yan2"); any other
 * digit makes it a literal name ("G210"). */
static bool has_literal_digit(const char *q)
{
    const char *s;

    for (s = q; *s; s++)
        if (*s >= '0' && *s <= '9' &&
            (s == q || !((s[-1] | 0x20) >= 'a' && (s[-1] | 0x20) <= 'z') || *s > '5'))
            return true;
    return false;
}

static bool parse_query(const char *q, struct parsed *p)
{
    size_t n = strspn(q, "0123456789");

    if (n > 0 && q[n] == '\0' && n < NORM_MAX) {
        p->kind = Q_CODE;
        memcpy(p->norm, q, n + 1);
        return true;
    }
    if (!has_literal_digit(q) && pinyin_fold(q, p->norm, sizeof p->norm) && p->norm[0]) {
        p->kind = Q_PINYIN;
        return true;
    }
    p->kind = Q_HANZI;
    return parse_hanzi(q, p);
}

/* hz2 : "b1 b2 ...": the bigrams of a Hanzi query of two or more characters, in order
 * (a phrase, so they must be adjacent: a substring). */
static int hanzi_bigrams(const struct parsed *p, char *out, size_t size)
{
    size_t i, used;
    int k = snprintf(out, size, "hz2 : \"");

    for (i = 0; k > 0 && i + 1 < p->n_chars; i++) {
        size_t end = i + 2 < p->n_chars ? p->char_off[i + 2] : strlen(p->norm);
        used = (size_t)k;
        k += snprintf(out + used, used < size ? size - used : 0, "%s%.*s", i ? " " : "",
                      (int)(end - p->char_off[i]), p->norm + p->char_off[i]);
    }
    used = k > 0 ? (size_t)k : 0;
    return k > 0 ? k + snprintf(out + used, used < size ? size - used : 0, "\"") : k;
}

/* The FTS5 expression of one tier; false when the tier does not apply. Tokens are only
 * Han characters, letters and digits, so they need no escaping inside the quotes. */
static bool tier_expr(const struct parsed *p, enum tier t, char *out, size_t size)
{
    int k;

    if (p->kind == Q_CODE)
        k = t == TIER_SUBSTRING
                ? -1
                : snprintf(out, size, "code : \"%s\"%s", p->norm, t == TIER_PREFIX ? "*" : "");
    else if (p->kind == Q_PINYIN)
        k = snprintf(out, size, "%s : \"%s\"%s",
                     t == TIER_SUBSTRING ? "{py ini}" : "{pyfull inifull}", p->norm,
                     t == TIER_EXACT ? "" : "*");
    else if (t != TIER_SUBSTRING)
        k = snprintf(out, size, "whole : \"%s\"%s", p->norm, t == TIER_PREFIX ? "*" : "");
    else if (p->n_chars == 1)
        k = snprintf(out, size, "hz1 : \"%s\"", p->norm);
    else
        k = hanzi_bigrams(p, out, size);
    return k > 0 && (size_t)k < size;
}

bool names_match_expr(const char *q, char *out, size_t size)
{
    struct parsed p;
    char a[EXPR_MAX], b[EXPR_MAX];
    int k;

    if (!q || !parse_query(q, &p))
        return false;
    if (p.kind == Q_CODE)
        return tier_expr(&p, TIER_PREFIX, out, size);
    if (p.kind == Q_HANZI)
        return tier_expr(&p, TIER_SUBSTRING, out, size);
    if (!tier_expr(&p, TIER_PREFIX, a, sizeof a) || !tier_expr(&p, TIER_SUBSTRING, b, sizeof b))
        return false;
    k = snprintf(out, size, "(%s) OR (%s)", a, b);
    return k > 0 && (size_t)k < size;
}

/* ---------------------------------------------------------------- records */

static void copy_col(char *dst, size_t size, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

void names__division_path(struct store *st, const char *code, char *out, size_t size)
{
    static const char sql[] = "SELECT name, parent_code FROM divisions WHERE code = ?"
                              " ORDER BY valid_to IS NULL DESC, valid_from DESC LIMIT 1";
    char names[6][NAMES_TEXT_MAX], next[DIVISION_CODE_MAX];
    size_t n = 0, used = 0;
    sqlite3_stmt *s;

    out[0] = '\0';
    snprintf(next, sizeof next, "%s", code ? code : "");
    while (next[0] && n < 6 && store__stmt(st, sql, &s, NULL) == GIS_OK) {
        sqlite3_bind_text(s, 1, next, -1, SQLITE_TRANSIENT);
        next[0] = '\0';
        if (sqlite3_step(s) == SQLITE_ROW) {
            copy_col(names[n++], NAMES_TEXT_MAX, s, 0);
            copy_col(next, sizeof next, s, 1);
        }
        store__done(s);
    }
    while (n-- > 0 && used < size) {
        int k = snprintf(out + used, size - used, "%s%s", used ? " / " : "", names[n]);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The feature's standard record (its current row; an abolished division's last). */
static enum gis_status record_fill(struct store *st, struct names_hit *h, struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT name, pinyin, pinyin_source, kind, level, parent_code, X(seat), Y(seat)"
        " FROM divisions WHERE code = ? ORDER BY valid_to IS NULL DESC, valid_from DESC LIMIT 1";
    static const char place_sql[] =
        "SELECT name, pinyin, pinyin_source, category, 0, division_code,"
        " (MbrMinX(geom) + MbrMaxX(geom)) / 2, (MbrMinY(geom) + MbrMaxY(geom)) / 2"
        " FROM places WHERE id = ? ORDER BY valid_to IS NULL DESC, valid_from DESC LIMIT 1";
    char parent[DIVISION_CODE_MAX] = "";
    sqlite3_stmt *s;
    enum gis_status rc =
        store__stmt(st, h->target == NAMES_PLACES ? place_sql : division_sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, h->feature, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) {
        copy_col(h->name, sizeof h->name, s, 0);
        copy_col(h->pinyin, sizeof h->pinyin, s, 1);
        copy_col(h->pinyin_source, sizeof h->pinyin_source, s, 2);
        copy_col(h->category, sizeof h->category, s, 3);
        h->level = sqlite3_column_int(s, 4);
        copy_col(parent, sizeof parent, s, 5);
        h->has_point = sqlite3_column_type(s, 6) != SQLITE_NULL;
        h->x = sqlite3_column_double(s, 6);
        h->y = sqlite3_column_double(s, 7);
    }
    store__done(s);
    names__division_path(st, parent, h->division, sizeof h->division);
    return GIS_OK;
}

/* ---------------------------------------------------------------- tiers */

struct search {
    struct store *st;
    const struct names_query *q;
    const struct parsed *p;
    struct names_hit *out;
    size_t max, n;
};

static bool is_seen(const struct search *s, enum names_target t, const char *feature)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->out[i].target == t && !strcmp(s->out[i].feature, feature))
            return true;
    return false;
}

/* Pinyin or initials: whichever of the entry's initials columns has the query. */
static const char *
latin_field(const struct parsed *p, enum tier t, const char *inifull, const char *ini)
{
    const char *col = t == TIER_SUBSTRING ? ini : inifull;
    size_t n = strlen(p->norm);
    const char *m;

    for (m = col ? strstr(col, p->norm) : NULL; m; m = strstr(m + 1, p->norm))
        if ((m == col || m[-1] == ' ') && (t != TIER_EXACT || m[n] == ' ' || m[n] == '\0'))
            return "initials";
    return "pinyin";
}

static double score_of(enum tier t, const char *kind, int level)
{
    int k = !strcmp(kind, "standard") ? 0 : !strcmp(kind, "alias") ? 1 : 2;

    return 1000.0 * (3 - (int)t) - 100.0 * k - 10.0 * (level ? level : 6);
}

static enum gis_status
hit_add(struct search *s, sqlite3_stmt *st_, enum tier t, struct gis_error *err)
{
    struct names_hit *h = &s->out[s->n];
    const char *target = (const char *)sqlite3_column_text(st_, 0);
    const char *feature = (const char *)sqlite3_column_text(st_, 1);
    const char *kind = (const char *)sqlite3_column_text(st_, 2);
    enum names_target tg = NAMES_DIVISIONS;

    if (!target || !feature || !kind || !names_target_parse(target, &tg) || is_seen(s, tg, feature))
        return GIS_OK;
    memset(h, 0, sizeof *h);
    h->target = tg;
    snprintf(h->feature, sizeof h->feature, "%s", feature);
    snprintf(h->matched_as, sizeof h->matched_as, "%s", kind);
    copy_col(h->matched_name, sizeof h->matched_name, st_, 3);
    copy_col(h->valid_from, sizeof h->valid_from, st_, 4);
    copy_col(h->valid_to, sizeof h->valid_to, st_, 5);
    snprintf(h->match_kind, sizeof h->match_kind, "%s", TIER_NAMES[t]);
    snprintf(h->matched, sizeof h->matched, "%s",
             s->p->kind == Q_CODE ? "code"
             : s->p->kind == Q_HANZI
                 ? "name"
                 : latin_field(s->p, t, (const char *)sqlite3_column_text(st_, 7),
                               (const char *)sqlite3_column_text(st_, 8)));
    h->score = score_of(t, kind, sqlite3_column_int(st_, 6));
    s->n++;
    return record_fill(s->st, h, err);
}

static void bind_filters(sqlite3_stmt *st_, const struct names_query *q, const char *within)
{
    int k;

    sqlite3_bind_int(st_, 2, q->level);
    if (q->category)
        sqlite3_bind_text(st_, 3, q->category, -1, SQLITE_TRANSIENT);
    if (within)
        sqlite3_bind_text(st_, 4, within, -1, SQLITE_TRANSIENT);
    for (k = 0; q->has_bbox && k < 4; k++)
        sqlite3_bind_double(st_, 5 + k, q->bbox[k]);
    sqlite3_bind_int(st_, 9, q->has_bbox);
}

static enum gis_status
run_tier(struct search *s, enum tier t, const char *within, struct gis_error *err)
{
    static const char sql[] =
        "SELECT e.target, e.feature, e.kind, e.name, e.valid_from, e.valid_to, e.level,"
        " names_fts.inifull, names_fts.ini FROM names_fts JOIN search_entries e"
        " ON e.id = names_fts.rowid WHERE names_fts MATCH ?1 AND (?2 = 0 OR e.level = ?2)"
        " AND (?3 IS NULL OR e.category = ?3) AND (?4 IS NULL OR e.division GLOB ?4 || '*')"
        " AND (?9 = 0 OR (e.x BETWEEN ?5 AND ?7 AND e.y BETWEEN ?6 AND ?8))"
        " ORDER BY names_fts.rowid LIMIT ?10";
    char expr[EXPR_MAX];
    sqlite3_stmt *st_;
    enum gis_status rc;
    int step;

    if (!tier_expr(s->p, t, expr, sizeof expr))
        return GIS_OK;
    rc = store__stmt(s->st, sql, &st_, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(st_, 1, expr, -1, SQLITE_TRANSIENT);
    bind_filters(st_, s->q, within);
    /* Entries of features already found (or their other names) are skipped: ask for
     * enough rows to fill the page anyway. */
    sqlite3_bind_int64(st_, 10, (sqlite3_int64)(4 * (s->max - s->n) + 16));
    while (rc == GIS_OK && s->n < s->max && (step = sqlite3_step(st_)) == SQLITE_ROW)
        rc = hit_add(s, st_, t, err);
    if (rc == GIS_OK && s->n < s->max && step != SQLITE_DONE)
        rc = store__fail(s->st, err, "searching names");
    store__done(st_);
    return rc;
}

enum gis_status names_search(struct store *st,
                             const struct names_query *q,
                             struct names_hit *out,
                             size_t max,
                             size_t *out_n,
                             struct gis_error *err)
{
    struct parsed p;
    struct division_code dc;
    struct search s = {st, q, &p, out, max, 0};
    enum gis_status rc = GIS_OK;
    int t;

    if (!st || !q || !q->q || !out || !out_n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_search: null argument");
    if (!parse_query(q->q, &p))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "q: '%.60s' has nothing to search for (Hanzi, pinyin, initials or a "
                        "code)",
                        q->q);
    if (q->within && division_code_parse(q->within, &dc, err) != GIS_OK)
        return GIS_ERR_INVALID_ARG;
    if (q->limit < s.max)
        s.max = q->limit;
    for (t = TIER_EXACT; t <= TIER_SUBSTRING && rc == GIS_OK && s.n < s.max; t++)
        rc = run_tier(&s, (enum tier)t, q->within ? dc.code : NULL, err);
    if (rc == GIS_OK)
        *out_n = s.n;
    return rc;
}
