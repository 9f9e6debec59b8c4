/*
 * The standard name record of one feature as the HTTP API shows and changes it (names.h):
 * reading the whole record (its fields, aliases and former names, the versions of a
 * division's name), its tag, and the change transaction (names_edit_*) that checks every
 * rule, writes through names_set's versioning for the record itself, adds or corrects
 * aliases and former names, audits and re-indexes. Who may change what is app/editor's
 * business: nothing here knows users beyond the name written in the audit row.
 */
#include "names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "gis_int.h"
#include "pinyin.h"

#define FOLD_MAX  (NAMES_TEXT_MAX * 2)
#define ROMAN_MAX (NAMES_TEXT_MAX * 2)

enum gis_status names_data_version(struct store *st, int64_t *out, struct gis_error *err)
{
    static const char *const tables[] = {"divisions", "places", "name_variants"};
    int64_t sum = 0, v;
    size_t i;

    for (i = 0; i < sizeof tables / sizeof *tables; i++) {
        enum gis_status rc = store_table_version(st, tables[i], &v, err);
        if (rc != GIS_OK)
            return rc;
        sum += v;
    }
    *out = sum;
    return GIS_OK;
}

/* ---------------------------------------------------------------- reading */

static void copy_col(char *dst, size_t size, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

void names_record_free(struct names_record *r)
{
    if (!r)
        return;
    free(r->variants);
    free(r->versions);
    free(r->homophones);
    free(r);
}

static enum gis_status grow(void **items, size_t n, size_t *cap, size_t size, struct gis_error *err)
{
    void *p;
    size_t want = *cap ? *cap * 2 : 4;

    if (n < *cap)
        return GIS_OK;
    p = realloc(*items, want * size);
    if (!p)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *items = p;
    *cap = want;
    return GIS_OK;
}

static enum gis_status record_head(
    struct store *st, struct names_record *r, int level, char parent[32], struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT name, pinyin, pinyin_source, kind, level, code, parent_code, approved_by,"
        " approval_doc, approval_date, filing_status, filing_date, valid_from FROM divisions"
        " WHERE code = ? AND valid_to IS NULL";
    static const char place_sql[] =
        "SELECT name, pinyin, pinyin_source, category, 0, division_code, division_code,"
        " approved_by, approval_doc, approval_date, filing_status, filing_date, valid_from"
        " FROM places WHERE id = ? AND valid_to IS NULL";
    sqlite3_stmt *s;
    enum gis_status rc =
        store__stmt(st, r->target == NAMES_PLACES ? place_sql : division_sql, &s, err);

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, r->feature, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW && (!level || sqlite3_column_int(s, 4) == level)) {
        copy_col(r->name, sizeof r->name, s, 0);
        copy_col(r->pinyin, sizeof r->pinyin, s, 1);
        copy_col(r->pinyin_source, sizeof r->pinyin_source, s, 2);
        copy_col(r->category, sizeof r->category, s, 3);
        r->level = sqlite3_column_int(s, 4);
        copy_col(r->scope, sizeof r->scope, s, 5);
        copy_col(parent, 32, s, 6);
        copy_col(r->approved_by, sizeof r->approved_by, s, 7);
        copy_col(r->approval_doc, sizeof r->approval_doc, s, 8);
        copy_col(r->approval_date, sizeof r->approval_date, s, 9);
        copy_col(r->filing_status, sizeof r->filing_status, s, 10);
        copy_col(r->filing_date, sizeof r->filing_date, s, 11);
        copy_col(r->valid_from, sizeof r->valid_from, s, 12);
    } else {
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no current %s '%.40s'%s",
                      r->target == NAMES_PLACES ? "place" : "division", r->feature,
                      level ? " at this level" : "");
    }
    store__done(s);
    if (rc == GIS_OK)
        names__division_path(st, parent, r->division, sizeof r->division);
    return rc;
}

static enum gis_status
homophone_add(struct names_record *r, sqlite3_stmt *s, size_t *cap, struct gis_error *err)
{
    struct names_homophone *h;
    enum gis_status rc =
        grow((void **)&r->homophones, r->n_homophones, cap, sizeof *r->homophones, err);

    if (rc != GIS_OK)
        return rc;
    h = &r->homophones[r->n_homophones++];
    copy_col(h->feature, sizeof h->feature, s, 0);
    copy_col(h->name, sizeof h->name, s, 1);
    copy_col(h->pinyin, sizeof h->pinyin, s, 2);
    return GIS_OK;
}

/* Siblings (as names_check groups them) whose pinyin folds to the record's under other
 * characters. */
static enum gis_status record_homophones(struct store *st,
                                         struct names_record *r,
                                         const char *parent,
                                         struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT code, name, pinyin FROM divisions WHERE valid_to IS NULL AND parent_code IS ?1"
        " AND code <> ?2 AND name <> ?3 AND pinyin IS NOT NULL";
    static const char place_sql[] =
        "SELECT CAST(id AS TEXT), name, pinyin FROM places WHERE valid_to IS NULL AND"
        " division_code IS ?1 AND CAST(id AS TEXT) <> ?2 AND name <> ?3 AND pinyin IS NOT NULL"
        " AND category IS ?4";
    char mine[FOLD_MAX], theirs[FOLD_MAX];
    size_t cap = 0;
    sqlite3_stmt *s;
    enum gis_status rc;
    int step = SQLITE_DONE;

    if (!pinyin_fold(r->pinyin, mine, sizeof mine) || !mine[0])
        return GIS_OK; /* nothing to compare */
    rc = store__stmt(st, r->target == NAMES_PLACES ? place_sql : division_sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (parent[0])
        sqlite3_bind_text(s, 1, parent, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, r->feature, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, r->name, -1, SQLITE_TRANSIENT);
    if (r->target == NAMES_PLACES && r->category[0])
        sqlite3_bind_text(s, 4, r->category, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *py = (const char *)sqlite3_column_text(s, 2);
        if (py && pinyin_fold(py, theirs, sizeof theirs) && !strcmp(mine, theirs))
            rc = homophone_add(r, s, &cap, err);
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the siblings' names");
    store__done(s);
    return rc;
}

static void variant_fill(struct names_variant *v, sqlite3_stmt *s)
{
    v->id = sqlite3_column_int64(s, 0);
    copy_col(v->kind, sizeof v->kind, s, 1);
    copy_col(v->name, sizeof v->name, s, 2);
    copy_col(v->pinyin, sizeof v->pinyin, s, 3);
    copy_col(v->pinyin_source, sizeof v->pinyin_source, s, 4);
    copy_col(v->valid_from, sizeof v->valid_from, s, 5);
    copy_col(v->valid_to, sizeof v->valid_to, s, 6);
    copy_col(v->approved_by, sizeof v->approved_by, s, 7);
    copy_col(v->approval_doc, sizeof v->approval_doc, s, 8);
    copy_col(v->approval_date, sizeof v->approval_date, s, 9);
    copy_col(v->note, sizeof v->note, s, 10);
}

#define VARIANT_COLUMNS                                                                            \
    "id, kind, name, pinyin, pinyin_source, valid_from, valid_to, approved_by, approval_doc,"      \
    " approval_date, note"

static enum gis_status
record_variants(struct store *st, struct names_record *r, struct gis_error *err)
{
    static const char sql[] = "SELECT " VARIANT_COLUMNS " FROM name_variants WHERE target = ? AND"
                              " feature = ? ORDER BY COALESCE(valid_from, ''), id";
    size_t cap = 0;
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    int step = SQLITE_DONE;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, names_target_name(r->target), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->feature, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        rc = grow((void **)&r->variants, r->n_variants, &cap, sizeof *r->variants, err);
        if (rc == GIS_OK)
            variant_fill(&r->variants[r->n_variants++], s);
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the name variants");
    store__done(s);
    return rc;
}

static enum gis_status
record_versions(struct store *st, struct names_record *r, struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT name, pinyin, pinyin_source, valid_from, valid_to, change_reason FROM divisions"
        " WHERE code = ? ORDER BY valid_from, id";
    static const char place_sql[] =
        "SELECT name, pinyin, pinyin_source, valid_from, valid_to, NULL FROM places WHERE id = ?";
    size_t cap = 0;
    sqlite3_stmt *s;
    enum gis_status rc =
        store__stmt(st, r->target == NAMES_PLACES ? place_sql : division_sql, &s, err);
    int step = SQLITE_DONE;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, r->feature, -1, SQLITE_TRANSIENT);
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        rc = grow((void **)&r->versions, r->n_versions, &cap, sizeof *r->versions, err);
        if (rc == GIS_OK) {
            struct names_version *v = &r->versions[r->n_versions++];
            copy_col(v->name, sizeof v->name, s, 0);
            copy_col(v->pinyin, sizeof v->pinyin, s, 1);
            copy_col(v->pinyin_source, sizeof v->pinyin_source, s, 2);
            copy_col(v->valid_from, sizeof v->valid_from, s, 3);
            copy_col(v->valid_to, sizeof v->valid_to, s, 4);
            copy_col(v->reason, sizeof v->reason, s, 5);
        }
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the name's versions");
    store__done(s);
    return rc;
}

/* FNV-1a, 64 bits, over a text and its terminating NUL (so fields cannot run together). */
static uint64_t hash_text(uint64_t h, const char *s)
{
    do {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    } while (*s++);
    return h;
}

static uint64_t hash_variant(uint64_t h, const struct names_variant *v)
{
    const char *f[] = {v->kind,          v->name,     v->pinyin,      v->pinyin_source,
                       v->valid_from,    v->valid_to, v->approved_by, v->approval_doc,
                       v->approval_date, v->note};
    char id[24];
    size_t i;

    snprintf(id, sizeof id, "%lld", (long long)v->id);
    h = hash_text(h, id);
    for (i = 0; i < sizeof f / sizeof *f; i++)
        h = hash_text(h, f[i]);
    return h;
}

/* The tag names everything the record shows; a division's versions follow from its
 * valid_from (a new one begins) and its rows' names. */
static uint64_t record_tag(const struct names_record *r)
{
    const char *f[] = {r->feature,      r->name,          r->pinyin,        r->pinyin_source,
                       r->category,     r->scope,         r->division,      r->approved_by,
                       r->approval_doc, r->approval_date, r->filing_status, r->filing_date,
                       r->valid_from};
    uint64_t h = 14695981039346656037ull;
    size_t i;

    h = hash_text(h, names_target_name(r->target));
    for (i = 0; i < sizeof f / sizeof *f; i++)
        h = hash_text(h, f[i]);
    for (i = 0; i < r->n_variants; i++)
        h = hash_variant(h, &r->variants[i]);
    for (i = 0; i < r->n_homophones; i++) {
        h = hash_text(h, r->homophones[i].feature);
        h = hash_text(h, r->homophones[i].name);
        h = hash_text(h, r->homophones[i].pinyin);
    }
    for (i = 0; i < r->n_versions; i++) {
        h = hash_text(h, r->versions[i].name);
        h = hash_text(h, r->versions[i].pinyin);
        h = hash_text(h, r->versions[i].valid_from);
        h = hash_text(h, r->versions[i].valid_to);
    }
    return h;
}

enum gis_status names_record_read(struct store *st,
                                  enum names_target t,
                                  const char *feature,
                                  int level,
                                  struct names_record **out,
                                  struct gis_error *err)
{
    struct names_record *r;
    char parent[32] = "";
    enum gis_status rc;

    if (!st || !feature || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_record_read: null argument");
    if (strlen(feature) >= sizeof r->feature)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no feature '%.40s'", feature);
    r = calloc(1, sizeof *r);
    if (!r)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    r->target = t;
    snprintf(r->feature, sizeof r->feature, "%s", feature);
    rc = record_head(st, r, level, parent, err);
    if (rc == GIS_OK)
        rc = record_variants(st, r, err);
    if (rc == GIS_OK)
        rc = record_versions(st, r, err);
    if (rc == GIS_OK)
        rc = record_homophones(st, r, parent, err);
    if (rc != GIS_OK) {
        names_record_free(r);
        return rc;
    }
    r->tag = record_tag(r);
    *out = r;
    return GIS_OK;
}

/* ---------------------------------------------------------------- pinyin check */

struct reader {
    const char *name;
    size_t n_chars;
    size_t off[PINYIN_MAX_CHARS], len[PINYIN_MAX_CHARS];
    const char *fold;
    size_t fold_n;
    unsigned char seen[PINYIN_MAX_CHARS + 1][FOLD_MAX / 8 + 1];
    size_t best_char; /* the furthest character a reading reached, for the message */
};

static bool is_ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool read_from(struct reader *rd, size_t k, size_t pos);

/* Character k read as syl (letters only) at pos. */
static bool read_syllable(struct reader *rd, size_t k, size_t pos, const char *syl, size_t n)
{
    return n && pos + n <= rd->fold_n && !strncmp(rd->fold + pos, syl, n) &&
           read_from(rd, k + 1, pos + n);
}

static bool read_han(struct reader *rd, size_t k, size_t pos)
{
    char readings[PINYIN_MAX_READINGS][PINYIN_SYL_MAX];
    size_t n =
        pinyin_char_readings(rd->name + rd->off[k], rd->len[k], readings, PINYIN_MAX_READINGS);
    size_t i, m;

    if (!n) { /* unknown to the table: any syllable of one to six letters */
        for (m = 1; m <= 6; m++)
            if (pos + m <= rd->fold_n && read_from(rd, k + 1, pos + m))
                return true;
        return false;
    }
    for (i = 0; i < n; i++) {
        m = strcspn(readings[i], "012345");
        if (read_syllable(rd, k, pos, readings[i], m))
            return true;
    }
    return false;
}

static bool read_from(struct reader *rd, size_t k, size_t pos)
{
    const unsigned char *c;
    char lower;

    if (k > rd->best_char)
        rd->best_char = k;
    if (k == rd->n_chars)
        return pos == rd->fold_n;
    if (rd->seen[k][pos / 8] & (1u << (pos % 8)))
        return false; /* tried already: it led nowhere */
    rd->seen[k][pos / 8] |= (unsigned char)(1u << (pos % 8));
    c = (const unsigned char *)rd->name + rd->off[k];
    if (pinyin_is_han(rd->name + rd->off[k], rd->len[k]))
        return read_han(rd, k, pos);
    if (rd->len[k] == 1 && is_ascii_letter(*c)) {
        lower = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        return pos < rd->fold_n && rd->fold[pos] == lower && read_from(rd, k + 1, pos + 1);
    }
    return read_from(rd, k + 1, pos); /* digits, punctuation: not in the folded pinyin */
}

static size_t utf8_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if ((b & 0xE0) == 0xC0)
        return 2;
    if ((b & 0xF0) == 0xE0)
        return 3;
    return 4;
}

/* The name's characters; false when it has more than the reader takes. */
static bool reader_split(struct reader *rd)
{
    size_t i = 0, n;

    while (rd->name[i] && rd->n_chars < PINYIN_MAX_CHARS) {
        n = utf8_len((unsigned char)rd->name[i]);
        rd->off[rd->n_chars] = i;
        rd->len[rd->n_chars++] = n;
        for (; n && rd->name[i]; n--)
            i++;
    }
    return !rd->name[i];
}

bool names_pinyin_reads(const char *name, const char *pinyin, char *why, size_t why_size)
{
    char fold[FOLD_MAX];
    struct reader *rd;
    bool ok;

    if (!name || !pinyin || !pinyin_fold(pinyin, fold, sizeof fold)) {
        if (why)
            snprintf(why, why_size,
                     "'%.60s' is not pinyin (letters, tone marks, spaces and "
                     "apostrophes only)",
                     pinyin ? pinyin : "");
        return false;
    }
    rd = calloc(1, sizeof *rd);
    if (!rd)
        return false;
    rd->name = name;
    rd->fold = fold;
    rd->fold_n = strlen(fold);
    ok = reader_split(rd) && read_from(rd, 0, 0);
    if (!ok && why && !rd->n_chars) {
        snprintf(why, why_size, "there is no name to read");
    } else if (!ok && why) {
        size_t k = rd->best_char < rd->n_chars ? rd->best_char : rd->n_chars - 1;
        snprintf(why, why_size, "'%.60s' does not read %.60s: no reading of '%.*s' fits there",
                 pinyin, name, (int)rd->len[k], name + rd->off[k]);
    }
    free(rd);
    return ok;
}

/* ---------------------------------------------------------------- changes */

struct names_edit {
    struct store *st;
    enum names_target t;
    int level;
    bool is_in_tx;
    struct names_record *before, *after;
    int64_t variant_id;
};

enum gis_status names_edit_begin(struct store *st,
                                 enum names_target t,
                                 const char *feature,
                                 int level,
                                 struct names_edit **out,
                                 struct gis_error *err)
{
    struct names_edit *e;
    enum gis_status rc;

    if (!st || !feature || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_edit_begin: null argument");
    e = calloc(1, sizeof *e);
    if (!e)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    e->st = st;
    e->t = t;
    e->level = level;
    rc = store_begin(st, err);
    e->is_in_tx = rc == GIS_OK;
    if (rc == GIS_OK)
        rc = names_record_read(st, t, feature, level, &e->before, err);
    if (rc != GIS_OK) {
        names_edit_free(e);
        return rc;
    }
    *out = e;
    return GIS_OK;
}

const struct names_record *names_edit_before(const struct names_edit *e)
{
    return e ? e->before : NULL;
}

const struct names_record *names_edit_after(const struct names_edit *e)
{
    return e ? e->after : NULL;
}

struct names_record *names_edit_take_after(struct names_edit *e)
{
    struct names_record *r = e ? e->after : NULL;

    if (e)
        e->after = NULL;
    return r;
}

int64_t names_edit_variant_id(const struct names_edit *e)
{
    return e ? e->variant_id : 0;
}

enum gis_status names_edit_commit(struct names_edit *e, struct gis_error *err)
{
    enum gis_status rc;

    if (!e || !e->is_in_tx || !e->after)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_edit_commit: nothing applied");
    rc = store_commit(e->st, err);
    if (rc == GIS_OK)
        e->is_in_tx = false;
    return rc;
}

void names_edit_free(struct names_edit *e)
{
    if (!e)
        return;
    if (e->is_in_tx)
        store_rollback(e->st);
    names_record_free(e->before);
    names_record_free(e->after);
    free(e);
}

static void problem(struct names_problems *p, const char *property, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct names_problems *p, const char *property, const char *fmt, ...)
{
    va_list ap;

    if (p->n == NAMES_MAX_PROBLEMS)
        return;
    snprintf(p->items[p->n].property, sizeof p->items[p->n].property, "%s",
             property ? property : "");
    va_start(ap, fmt);
    vsnprintf(p->items[p->n].msg, sizeof p->items[p->n].msg, fmt, ap);
    va_end(ap);
    p->n++;
}

static const char *or_old(const char *v, const char *old)
{
    return v ? v : old;
}

static void
check_date(struct names_problems *p, const char *property, const char *v, bool may_clear)
{
    if (!v || (may_clear && !*v) || names__is_date(v))
        return;
    problem(p, property, "%s '%.20s' is not a date (YYYY-MM-DD)%s", property, v,
            may_clear ? " or \"\" to clear it" : "");
}

static void
check_text(struct names_problems *p, const char *property, const char *v, bool may_clear)
{
    if (v && !may_clear && !*v)
        problem(p, property, "%s cannot be empty", property);
    else if (v && strlen(v) >= NAMES_TEXT_MAX)
        problem(p, property, "%s is longer than %d bytes", property, NAMES_TEXT_MAX - 1);
}

static void
check_pinyin(struct names_problems *p, const char *name, const char *pinyin, bool is_forced)
{
    char why[GIS_ERROR_MSG_MAX];

    if (pinyin && *pinyin && !is_forced && !names_pinyin_reads(name, pinyin, why, sizeof why))
        problem(p, "pinyin", "%s (force=true takes it as it is)", why);
}

static void check_one_of(struct names_problems *p,
                         const char *property,
                         const char *v,
                         const char *const *list,
                         const char *says)
{
    for (; v && *v && *list; list++)
        if (!strcmp(v, *list))
            return;
    if (v && *v)
        problem(p, property, "%s '%.20s' is not %s", property, v, says);
}

/* The record after u, judged as a whole: its pinyin, filing and version day. */
static void check_record_rules(const struct names_record *r,
                               const struct names_update *u,
                               struct names_problems *p,
                               const char *today)
{
    const char *status = or_old(u->filing_status, r->filing_status);
    bool is_filed = !strcmp(status, "filed") || !strcmp(status, "announced");

    check_pinyin(p, or_old(u->name, r->name), u->pinyin, u->is_forced);
    if (u->pinyin_source && !u->pinyin)
        problem(p, "pinyin_source", "pinyin_source goes with the pinyin it describes");
    if ((u->filing_status || u->filing_date) && is_filed &&
        !*or_old(u->filing_date, r->filing_date))
        problem(p, "filing_date", "a name %s needs the date it was %s", status, status);
    if (u->valid_from && names__is_date(u->valid_from) &&
        (strcmp(u->valid_from, today) > 0 || strcmp(u->valid_from, r->valid_from) < 0))
        problem(p, "valid_from",
                "valid_from %s must lie between the current version's first day (%s) and "
                "today (%s)",
                u->valid_from, r->valid_from, today);
}

static bool is_update_empty(const struct names_update *u)
{
    return !u->name && !u->pinyin && !u->approved_by && !u->approval_doc && !u->approval_date &&
           !u->filing_status && !u->filing_date;
}

static void check_record(const struct names_edit *e,
                         const struct names_update *u,
                         struct names_problems *p,
                         const char *today)
{
    static const char *const statuses[] = {"pending", "filed", "announced", NULL};
    static const char *const sources[] = {"official", "edited", NULL};

    if (is_update_empty(u))
        problem(p, NULL, "nothing to change: give name, pinyin or an approval or filing field");
    check_text(p, "name", u->name, false);
    check_text(p, "pinyin", u->pinyin, false);
    check_text(p, "approved_by", u->approved_by, true);
    check_text(p, "approval_doc", u->approval_doc, true);
    check_date(p, "approval_date", u->approval_date, true);
    check_date(p, "filing_date", u->filing_date, true);
    check_date(p, "valid_from", u->valid_from, false);
    check_one_of(p, "filing_status", u->filing_status, statuses, "pending, filed or announced");
    check_one_of(p, "pinyin_source", u->pinyin_source, sources, "official or edited");
    check_record_rules(e->before, u, p, today);
}

static enum gis_status apply_record(struct names_edit *e,
                                    const struct names_update *u,
                                    const struct names_who *who,
                                    struct names_problems *p,
                                    struct gis_error *err)
{
    char today[NAMES_DATE_MAX];
    enum gis_status rc;

    names__today(today);
    check_record(e, u, p, today);
    if (p->n)
        return gis_fail(err, GIS_ERR_REJECTED, "%s", p->items[0].msg);
    rc = names__set_in_transaction(e->st, e->t, e->before->feature, u, who, err);
    if (rc == GIS_ERR_CONFLICT) {
        problem(p, "name", "%s", err->msg);
        rc = gis_fail(err, GIS_ERR_REJECTED, "%s", p->items[0].msg);
    }
    return rc;
}

/* ---------------------------------------------------------------- variants */

/* A variant as it will be: the old one (or nothing) with the change on top. */
struct variant_text {
    const char *kind, *name, *pinyin, *pinyin_source, *valid_from, *valid_to;
    const char *approved_by, *approval_doc, *approval_date, *note;
};

static const char *blank_null(const char *v)
{
    return v && *v ? v : NULL;
}

static void variant_merge(const struct names_variant *old,
                          const struct names_variant_change *c,
                          struct variant_text *out)
{
    out->kind = old ? old->kind : c->kind;
    out->name = or_old(c->name, old ? old->name : NULL);
    out->pinyin = or_old(c->pinyin, old ? old->pinyin : NULL);
    out->pinyin_source = c->pinyin ? "edited" : old ? old->pinyin_source : NULL;
    out->valid_from = or_old(c->valid_from, old ? old->valid_from : NULL);
    out->valid_to = or_old(c->valid_to, old ? old->valid_to : NULL);
    out->approved_by = or_old(c->approved_by, old ? old->approved_by : NULL);
    out->approval_doc = or_old(c->approval_doc, old ? old->approval_doc : NULL);
    out->approval_date = or_old(c->approval_date, old ? old->approval_date : NULL);
    out->note = or_old(c->note, old ? old->note : NULL);
}

/* Each field of the change on its own. */
static void check_variant_fields(const struct names_variant_change *c, struct names_problems *p)
{
    static const char *const kinds[] = {"alias", "former", NULL};

    check_one_of(p, "kind", c->kind, kinds, "alias or former");
    check_text(p, "name", c->name, false);
    check_text(p, "pinyin", c->pinyin, false);
    check_text(p, "approved_by", c->approved_by, true);
    check_text(p, "approval_doc", c->approval_doc, true);
    check_text(p, "note", c->note, true);
    check_date(p, "valid_from", c->valid_from, true);
    check_date(p, "valid_to", c->valid_to, true);
    check_date(p, "approval_date", c->approval_date, true);
}

/* v is not the standard name, nor a name of the same kind the feature has already. */
static void check_variant_unique(const struct names_record *r,
                                 const struct names_variant *old,
                                 const struct variant_text *v,
                                 struct names_problems *p)
{
    size_t i;

    if (!v->name)
        return;
    if (!strcmp(v->name, r->name))
        problem(p, "name", "'%.80s' is the standard name itself", v->name);
    for (i = 0; i < r->n_variants; i++) {
        const struct names_variant *o = &r->variants[i];
        if (o != old && !strcmp(o->name, v->name) && v->kind && !strcmp(o->kind, v->kind))
            problem(p, "name", "'%.80s' is already %s of this feature (variant %lld)", v->name,
                    !strcmp(o->kind, "alias") ? "an alias" : "a former name", (long long)o->id);
    }
}

static void check_variant(const struct names_edit *e,
                          const struct names_variant *old,
                          const struct names_variant_change *c,
                          const struct variant_text *v,
                          bool is_forced,
                          struct names_problems *p)
{
    if (old && c->kind && strcmp(c->kind, old->kind))
        problem(p, "kind", "a variant's kind is fixed (%s); add a new one instead", old->kind);
    if (!old && !c->kind)
        problem(p, "kind", "kind is required: alias or former");
    if (!v->name || !*v->name)
        problem(p, "name", "name is required");
    check_variant_fields(c, p);
    if (v->name && c->pinyin)
        check_pinyin(p, v->name, c->pinyin, is_forced);
    if (blank_null(v->valid_from) && blank_null(v->valid_to) && names__is_date(v->valid_from) &&
        names__is_date(v->valid_to) && strcmp(v->valid_to, v->valid_from) <= 0)
        problem(p, "valid_to", "valid_to %s must come after valid_from %s", v->valid_to,
                v->valid_from);
    check_variant_unique(e->before, old, v, p);
}

static void variant_json(const struct variant_text *v, int64_t id, struct gbuf *b)
{
    const char *keys[] = {"kind",     "name",        "pinyin",       "pinyin_source", "valid_from",
                          "valid_to", "approved_by", "approval_doc", "approval_date", "note"};
    const char *vals[] = {v->kind,          v->name,     v->pinyin,      v->pinyin_source,
                          v->valid_from,    v->valid_to, v->approved_by, v->approval_doc,
                          v->approval_date, v->note};
    size_t i;

    gbuf_printf(b, "{\"id\":%lld", (long long)id);
    for (i = 0; i < sizeof keys / sizeof *keys; i++) {
        gbuf_printf(b, ",\"%s\":", keys[i]);
        if (!blank_null(vals[i])) {
            gbuf_puts(b, "null");
            continue;
        }
        gbuf_puts(b, "\"");
        gbuf_json_escape(b, vals[i]);
        gbuf_puts(b, "\"");
    }
    gbuf_puts(b, "}");
}

static enum gis_status variant_audit(struct names_edit *e,
                                     const char *action,
                                     const struct variant_text *before,
                                     const struct variant_text *after,
                                     int64_t id,
                                     const struct names_who *who,
                                     struct gis_error *err)
{
    struct gbuf b, a;
    struct store_audit row = {who ? who->user : NULL,
                              action,
                              names_target_name(e->t),
                              e->before->feature,
                              who ? who->reason : NULL,
                              NULL,
                              NULL};
    enum gis_status rc;

    gbuf_init(&b, 1 << 14);
    gbuf_init(&a, 1 << 14);
    if (before)
        variant_json(before, id, &b);
    variant_json(after, id, &a);
    rc = gbuf_status(&b) != GIS_OK ? gbuf_status(&b) : gbuf_status(&a);
    row.before_json = before ? b.data : NULL;
    row.after_json = a.data;
    if (rc == GIS_OK)
        rc = store_audit_add(e->st, &row, err);
    else
        rc = gis_fail(err, rc, "the audit row is too large");
    gbuf_free(&b);
    gbuf_free(&a);
    return rc;
}

static enum gis_status
variant_write(struct names_edit *e, const struct variant_text *v, int64_t id, struct gis_error *err)
{
    static const char insert_sql[] =
        "INSERT INTO name_variants (target, feature, kind, name, pinyin, pinyin_source,"
        " valid_from, valid_to, approved_by, approval_doc, approval_date, note) VALUES (?1, ?2,"
        " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    static const char update_sql[] =
        "UPDATE name_variants SET name = ?4, pinyin = ?5, pinyin_source = ?6, valid_from = ?7,"
        " valid_to = ?8, approved_by = ?9, approval_doc = ?10, approval_date = ?11, note = ?12"
        " WHERE id = ?13 AND target = ?1 AND feature = ?2 AND kind = ?3";
    const char *vals[] = {v->kind,          v->name,     v->pinyin,      v->pinyin_source,
                          v->valid_from,    v->valid_to, v->approved_by, v->approval_doc,
                          v->approval_date, v->note};
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(e->st, id ? update_sql : insert_sql, &s, err);
    int i;

    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(s, 1, names_target_name(e->t), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, e->before->feature, -1, SQLITE_TRANSIENT);
    for (i = 0; i < 10; i++)
        if (blank_null(vals[i]))
            sqlite3_bind_text(s, 3 + i, vals[i], -1, SQLITE_TRANSIENT);
    if (id)
        sqlite3_bind_int64(s, 13, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store__fail(e->st, err, "writing the name variant");
    store__done(s);
    if (rc == GIS_OK)
        e->variant_id = id ? id : sqlite3_last_insert_rowid(store__db(e->st));
    return rc;
}

static const struct names_variant *variant_find(const struct names_record *r, int64_t id)
{
    size_t i;

    for (i = 0; i < r->n_variants; i++)
        if (r->variants[i].id == id)
            return &r->variants[i];
    return NULL;
}

/* old's fields as variant_text, for the audit's before image. */
static void variant_text_of(const struct names_variant *o, struct variant_text *out)
{
    struct names_variant_change none = {0};
    variant_merge(o, &none, out);
}

/* v's pinyin generated from its name, into roman. */
static enum gis_status
generate(struct variant_text *v, char *roman, size_t size, struct gis_error *err)
{
    struct pinyin *py = NULL;
    enum gis_status rc = pinyin_new(&py, err);

    if (rc == GIS_OK)
        rc = pinyin_place_name(py, v->name, roman, size, NULL, err);
    pinyin_free(py);
    v->pinyin = roman;
    v->pinyin_source = "generated";
    return rc;
}

static enum gis_status apply_variant(struct names_edit *e,
                                     const struct names_change *c,
                                     const struct names_who *who,
                                     struct names_problems *p,
                                     struct gis_error *err)
{
    const struct names_variant *old = NULL;
    struct variant_text v, before;
    char roman[ROMAN_MAX];
    enum gis_status rc = GIS_OK;

    if (c->kind == NAMES_CHANGE_VARIANT_SET && !(old = variant_find(e->before, c->variant_id)))
        return gis_fail(err, GIS_ERR_NOT_FOUND, "%s %s has no name variant %lld",
                        names_target_name(e->t), e->before->feature, (long long)c->variant_id);
    variant_merge(old, &c->variant, &v);
    check_variant(e, old, &c->variant, &v, c->record.is_forced, p);
    if (p->n)
        return gis_fail(err, GIS_ERR_REJECTED, "%s", p->items[0].msg);
    if (!blank_null(v.pinyin) || (old && c->variant.name && !c->variant.pinyin))
        rc = generate(&v, roman, sizeof roman, err); /* a new name without its pinyin */
    if (rc == GIS_OK)
        rc = variant_write(e, &v, old ? old->id : 0, err);
    if (old)
        variant_text_of(old, &before);
    if (rc == GIS_OK)
        rc = variant_audit(e, old ? "names_variant_set" : "names_variant_add", old ? &before : NULL,
                           &v, e->variant_id, who, err);
    if (rc == GIS_OK)
        rc = names_feature_changed(e->st, e->t, e->before->feature, err);
    return rc;
}

enum gis_status names_edit_apply(struct names_edit *e,
                                 const struct names_change *c,
                                 const struct names_who *who,
                                 struct names_problems *problems,
                                 struct gis_error *err)
{
    enum gis_status rc;

    if (!e || !c || !problems || !e->is_in_tx || e->after)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_edit_apply: no edit to apply");
    memset(problems, 0, sizeof *problems);
    if (c->kind == NAMES_CHANGE_RECORD)
        rc = apply_record(e, &c->record, who, problems, err);
    else
        rc = apply_variant(e, c, who, problems, err);
    if (rc == GIS_OK)
        rc = names_record_read(e->st, e->t, e->before->feature, e->level, &e->after, err);
    return rc;
}
