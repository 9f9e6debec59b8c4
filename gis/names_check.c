/*
 * The uniqueness rules of standard names (地名管理条例): within one parent, no two
 * townships of a county, villages of a township or places of one category in one
 * division share a standard name; names that read the same but are written
 * differently (homophones) are reported, since people confuse them on the phone and in
 * addresses. Reads only.
 */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "gis_int.h"
#include "pinyin.h"

#define FOLD_MAX (NAMES_TEXT_MAX * 2)

struct member {
    char feature[32];
    char name[NAMES_TEXT_MAX];
    char fold[FOLD_MAX];
};

struct group {
    char parent[32];
    char key[64]; /* level or category */
    int level;
    size_t n, cap;
    struct member *m; /* grown as needed: a group is judged whole, however large */
};

struct checker {
    struct pinyin *p;
    names_issue_fn fn;
    void *ctx;
    long duplicates, homophones;
    struct gbuf features, names;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct member *)a)->name, ((const struct member *)b)->name);
}

static int by_fold(const void *a, const void *b)
{
    int c = strcmp(((const struct member *)a)->fold, ((const struct member *)b)->fold);
    return c ? c : by_name(a, b);
}

static void
report(struct checker *c, const struct group *g, const char *kind, size_t from, size_t to)
{
    struct names_issue issue = {kind, g->parent, g->level, NULL, NULL};
    size_t i;

    gbuf_reset(&c->features);
    gbuf_reset(&c->names);
    for (i = from; i < to; i++) {
        gbuf_printf(&c->features, "%s%s", i > from ? "," : "", g->m[i].feature);
        if (i == from || strcmp(g->m[i].name, g->m[i - 1].name))
            gbuf_printf(&c->names, "%s%s", c->names.len ? "," : "", g->m[i].name);
    }
    issue.features = c->features.data ? c->features.data : "";
    issue.names = c->names.data ? c->names.data : "";
    if (!strcmp(kind, "duplicate"))
        c->duplicates++;
    else
        c->homophones++;
    if (c->fn)
        c->fn(c->ctx, &issue);
}

/* Runs of equal names, then runs of equal pinyin holding more than one name. */
static void check_group(struct checker *c, struct group *g)
{
    size_t i, j;

    qsort(g->m, g->n, sizeof *g->m, by_name);
    for (i = 0; i < g->n; i = j) {
        for (j = i + 1; j < g->n && !strcmp(g->m[j].name, g->m[i].name); j++)
            ;
        if (j - i > 1)
            report(c, g, "duplicate", i, j);
    }
    qsort(g->m, g->n, sizeof *g->m, by_fold);
    for (i = 0; i < g->n; i = j) {
        bool differ = false;
        for (j = i + 1; j < g->n && g->m[i].fold[0] && !strcmp(g->m[j].fold, g->m[i].fold); j++)
            differ = differ || strcmp(g->m[j].name, g->m[i].name);
        if (differ)
            report(c, g, "homophone", i, j);
    }
}

/* The toneless reading of a member: its recorded pinyin, else the generated one. */
static void member_fold(struct checker *c, const char *name, const char *pinyin, char *out)
{
    char roman[FOLD_MAX];

    out[0] = '\0';
    if (pinyin && *pinyin && pinyin_fold(pinyin, out, FOLD_MAX))
        return;
    if (pinyin_place_name(c->p, name, roman, sizeof roman, NULL, NULL) == GIS_OK &&
        !pinyin_fold(roman, out, FOLD_MAX))
        out[0] = '\0';
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static bool group_grow(struct group *g)
{
    size_t cap = g->cap ? g->cap * 2 : 256;
    struct member *m = realloc(g->m, cap * sizeof *m);

    if (!m)
        return false;
    g->m = m;
    g->cap = cap;
    return true;
}

/* Names grouped by parent and kind, as the write path's uniqueness rule judges them: a
 * place of no division has no siblings. */
static enum gis_status
scan(struct checker *c, struct store *st, struct group *g, struct gis_error *err)
{
    static const char sql[] =
        "SELECT COALESCE(parent_code, ''), CAST(level AS TEXT), level, code, name, pinyin FROM"
        " divisions WHERE valid_to IS NULL UNION ALL SELECT division_code,"
        " 'place:' || COALESCE(category, ''), 0, CAST(id AS TEXT), name, pinyin FROM places"
        " WHERE valid_to IS NULL AND division_code IS NOT NULL ORDER BY 1, 2";
    sqlite3_stmt *s;
    enum gis_status rc = store__stmt(st, sql, &s, err);
    char parent[32], key[64];
    int step;

    g->n = 0;
    while (rc == GIS_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        copy_text(parent, sizeof parent, s, 0);
        copy_text(key, sizeof key, s, 1);
        if (g->n && (strcmp(parent, g->parent) || strcmp(key, g->key))) {
            check_group(c, g);
            g->n = 0;
        }
        if (g->n == g->cap && !group_grow(g)) {
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(g->parent, parent, sizeof parent);
        memcpy(g->key, key, sizeof key);
        g->level = sqlite3_column_int(s, 2);
        copy_text(g->m[g->n].feature, sizeof g->m[0].feature, s, 3);
        copy_text(g->m[g->n].name, sizeof g->m[0].name, s, 4);
        member_fold(c, g->m[g->n].name, (const char *)sqlite3_column_text(s, 5), g->m[g->n].fold);
        g->n++;
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the names");
    store__done(s);
    if (rc == GIS_OK && g->n)
        check_group(c, g);
    return rc;
}

enum gis_status names_check(struct store *st,
                            names_issue_fn fn,
                            void *ctx,
                            long *out_duplicates,
                            long *out_homophones,
                            struct gis_error *err)
{
    struct checker c = {NULL, fn, ctx, 0, 0, {0}, {0}};
    struct group g = {0};
    enum gis_status rc;

    if (!st)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_check: null argument");
    gbuf_init(&c.features, 1 << 20);
    gbuf_init(&c.names, 1 << 20);
    rc = pinyin_new(&c.p, err);
    if (rc == GIS_OK)
        rc = scan(&c, st, &g, err);
    free(g.m);
    pinyin_free(c.p);
    gbuf_free(&c.features);
    gbuf_free(&c.names);
    if (rc == GIS_OK) {
        *out_duplicates = c.duplicates;
        *out_homophones = c.homophones;
    }
    return rc;
}

enum gis_status names_sibling_named(struct store *st,
                                    enum names_target t,
                                    const char *feature,
                                    const char *parent,
                                    const char *category,
                                    const char *name,
                                    char *out,
                                    size_t size,
                                    struct gis_error *err)
{
    static const char division_sql[] =
        "SELECT code FROM divisions WHERE valid_to IS NULL AND parent_code IS ?1 AND name = ?2"
        " AND code IS NOT ?3 LIMIT 1";
    static const char place_sql[] =
        "SELECT CAST(id AS TEXT) FROM places WHERE valid_to IS NULL AND division_code IS ?1 AND"
        " name = ?2 AND CAST(id AS TEXT) IS NOT ?3 AND category IS ?4 LIMIT 1";
    sqlite3_stmt *s;
    enum gis_status rc;
    int step;

    if (!st || !name || !out || !size)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "names_sibling_named: null argument");
    rc = store__stmt(st, t == NAMES_PLACES ? place_sql : division_sql, &s, err);
    if (rc != GIS_OK)
        return rc;
    if (parent && *parent)
        sqlite3_bind_text(s, 1, parent, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    if (feature)
        sqlite3_bind_text(s, 3, feature, -1, SQLITE_TRANSIENT);
    if (t == NAMES_PLACES && category)
        sqlite3_bind_text(s, 4, category, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        copy_text(out, size, s, 0);
    else if (step == SQLITE_DONE)
        out[0] = '\0';
    else
        rc = store__fail(st, err, "looking for a sibling's name");
    store__done(s);
    return rc;
}
