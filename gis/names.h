/*
 * The gazetteer: standard names of divisions and places with their pinyin, its source
 * (official, generated, edited), approval and filing records, aliases and former
 * names, and the Chinese-aware search index over all of them (SQLite FTS5 with shadow
 * columns: Hanzi unigrams and bigrams, toneless pinyin of every reading of polyphonic
 * characters, initials, codes).
 *
 * The index is kept in step by the writers: whoever changes a feature's name rows (the
 * import now, the editing write path later) calls names_feature_changed inside the same
 * transaction. Every write here is one transaction with its audit row and a data
 * version bump.
 *
 * Thread-safety: as the store: one connection, one thread.
 */
#ifndef CIVGIS_NAMES_H
#define CIVGIS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

#define NAMES_TEXT_MAX 256

enum names_target {
    NAMES_DIVISIONS, /* a feature is a division code */
    NAMES_PLACES,    /* a feature is a place id */
};

bool names_target_parse(const char *text, enum names_target *out);
const char *names_target_name(enum names_target t);

/* Re-indexes one feature (its standard name, its former names from the version
 * history, its aliases and recorded former names) inside the caller's write
 * transaction. Call after any change to those rows. feature: a division code or a place
 * id as text. A feature with no rows left simply leaves the index. */
enum gis_status names_feature_changed(struct store *st,
                                      enum names_target t,
                                      const char *feature,
                                      struct gis_error *err);

/* Rebuilds the whole index inside the caller's write transaction. */
enum gis_status names_index_rebuild(struct store *st, struct gis_error *err);

/* Who writes, for the audit rows. */
struct names_who {
    const char *user;
    const char *reason;
};

/* ---------------------------------------------------------------- fill */

struct names_filled {
    enum names_target target;
    const char *feature, *name, *pinyin; /* borrowed for the callback */
    bool is_guessed;                     /* a character was read by a guess: review it */
};
typedef void (*names_fill_fn)(void *ctx, const struct names_filled *f);

/* Generates the pinyin of every current division and place that has none, marks it
 * 'generated', calls fn (may be NULL) for each, and writes it all in one transaction
 * with one audit row (rolled back when is_dry_run). out_filled, out_guessed: counts. */
enum gis_status names_fill(struct store *st,
                           const struct names_who *who,
                           bool is_dry_run,
                           names_fill_fn fn,
                           void *ctx,
                           long *out_filled,
                           long *out_guessed,
                           struct gis_error *err);

/* How many current names still carry a guessed reading: those whose pinyin the
 * dictionary made ('generated'; never an official or edited one) and in which some
 * character is read by a guess when read afresh (pinyin_place_name's out_is_guessed).
 * Calls fn (may be NULL) for each. Reads only. out_guessed: the count. */
enum gis_status names_guessed(
    struct store *st, names_fill_fn fn, void *ctx, long *out_guessed, struct gis_error *err);

/* Reads every generated pinyin afresh (after the dictionary or the reviewed overrides
 * changed) and rewrites those that read differently now, calling fn (may be NULL) for
 * each rewritten one; official and edited pinyin are left alone. One transaction with
 * one audit row (rolled back when is_dry_run). out_changed: rewritten; out_guessed: the
 * generated names that remain guessed. */
enum gis_status names_refresh(struct store *st,
                              const struct names_who *who,
                              bool is_dry_run,
                              names_fill_fn fn,
                              void *ctx,
                              long *out_changed,
                              long *out_guessed,
                              struct gis_error *err);

/* ---------------------------------------------------------------- corrections */

/* A change to one feature's standard name record; NULL fields stay as they are. */
struct names_update {
    const char *name;          /* a rename: versioned; the old name becomes a former name */
    const char *pinyin;        /* a correction: its source becomes 'edited' */
    const char *pinyin_source; /* instead of 'edited' (an import keeps its file's) */
    const char *approved_by, *approval_doc, *approval_date;
    const char *filing_status, *filing_date; /* pending | filed | announced */
    const char *valid_from;                  /* the new version's first day; NULL: today */
    bool is_forced;                          /* allow a name its siblings already have */
};

/* Applies u to the current record of the feature, versioned as the store versions
 * (divisions: the old row closes the day before valid_from's version begins and a new
 * row carries the change; places: the old state is kept as a history row), audited
 * with before and after, re-indexed, one transaction. A rename to a sibling's name
 * fails with GIS_ERR_CONFLICT unless forced; an unknown feature GIS_ERR_NOT_FOUND. */
enum gis_status names_set(struct store *st,
                          enum names_target t,
                          const char *feature,
                          const struct names_update *u,
                          const struct names_who *who,
                          struct gis_error *err);

/* ---------------------------------------------------------------- the record over HTTP */

/* The version of everything the gazetteer shows (divisions, places, name variants): it
 * grows whenever any of them changes, whoever writes. The basis of /search's ETag.
 * out: the value. */
enum gis_status names_data_version(struct store *st, int64_t *out, struct gis_error *err);

#define NAMES_DATE_MAX 11 /* "YYYY-MM-DD" and its NUL */

/* An alias or former name (name_variants). */
struct names_variant {
    int64_t id;
    char kind[8]; /* alias | former */
    char name[NAMES_TEXT_MAX], pinyin[NAMES_TEXT_MAX], pinyin_source[16];
    char valid_from[NAMES_DATE_MAX], valid_to[NAMES_DATE_MAX]; /* "": open */
    char approved_by[NAMES_TEXT_MAX], approval_doc[NAMES_TEXT_MAX];
    char approval_date[NAMES_DATE_MAX];
    char note[NAMES_TEXT_MAX];
};

/* One stored version of the standard name (divisions: each row of the code; places: the
 * current row only, its earlier names are former-name variants). */
struct names_version {
    char name[NAMES_TEXT_MAX], pinyin[NAMES_TEXT_MAX], pinyin_source[16];
    char valid_from[NAMES_DATE_MAX], valid_to[NAMES_DATE_MAX];
    char reason[NAMES_TEXT_MAX];
};

/* A sibling that reads the same (toneless pinyin) under other characters. */
struct names_homophone {
    char feature[32];
    char name[NAMES_TEXT_MAX], pinyin[NAMES_TEXT_MAX];
};

/* The full standard name record of one current feature. Every text is "" when unset. */
struct names_record {
    enum names_target target;
    char feature[32];
    char name[NAMES_TEXT_MAX], pinyin[NAMES_TEXT_MAX], pinyin_source[16];
    char category[64]; /* a division's kind, a place's category */
    int level;         /* divisions 1..5; places 0 */
    char scope[32];    /* the division it lies in: a division's own code, a place's division */
    char division[NAMES_TEXT_MAX * 2]; /* "延安市 / 宝塔区 / 枣园街道" */
    char approved_by[NAMES_TEXT_MAX], approval_doc[NAMES_TEXT_MAX];
    char approval_date[NAMES_DATE_MAX];
    char filing_status[16], filing_date[NAMES_DATE_MAX];
    char valid_from[NAMES_DATE_MAX];
    uint64_t tag; /* names this record's state (variants included): an ETag's basis */
    size_t n_variants, n_versions, n_homophones;
    struct names_variant *variants;     /* oldest first */
    struct names_version *versions;     /* oldest first */
    struct names_homophone *homophones; /* siblings reading the same: people confuse them */
};

/* Reads the record of the current feature (level: 0 any, else the feature must be a
 * division of that level). GIS_ERR_NOT_FOUND when there is none. out: caller frees with
 * names_record_free. */
enum gis_status names_record_read(struct store *st,
                                  enum names_target t,
                                  const char *feature,
                                  int level,
                                  struct names_record **out,
                                  struct gis_error *err);
void names_record_free(struct names_record *r);

/* A change to aliases and former names: NULL fields stay as they are (for an addition:
 * unset), "" clears one. */
struct names_variant_change {
    const char *kind; /* alias | former; required for an addition, fixed after */
    const char *name, *pinyin;
    const char *valid_from, *valid_to; /* closing a name is setting its valid_to */
    const char *approved_by, *approval_doc, *approval_date, *note;
};

enum names_change_kind {
    NAMES_CHANGE_RECORD,      /* record: the standard name's record (names_update) */
    NAMES_CHANGE_VARIANT_ADD, /* variant: a new alias or former name */
    NAMES_CHANGE_VARIANT_SET, /* variant_id, variant: correct or close one */
};

struct names_change {
    enum names_change_kind kind;
    struct names_update record;
    int64_t variant_id;
    struct names_variant_change variant;
};

/* Every reason a change was refused (the same shape as the write path's problems). */
#define NAMES_MAX_PROBLEMS 16
struct names_problems {
    size_t n;
    struct {
        char property[32];
        char msg[GIS_ERROR_MSG_MAX];
    } items[NAMES_MAX_PROBLEMS];
};

/* One change to a standard name record, in one write transaction, like gis/edit's:
 *   names_edit_begin   opens it (BEGIN IMMEDIATE) and reads the record as it is;
 *   names_edit_apply   checks every rule (dates, statuses, a pinyin that reads the
 *                      name's characters, unique names among siblings unless forced, a
 *                      variant's dates in order) and either writes nothing
 *                      (GIS_ERR_REJECTED, problems listing every reason) or writes the
 *                      change versioned as names_set versions it, its audit row (before
 *                      and after) and the index;
 *   names_edit_commit  commits; names_edit_free rolls back what was not.
 * The caller decides in between whether the change is allowed (roles, scope, If-Match
 * against the record's tag): app/editor. */
struct names_edit;

enum gis_status names_edit_begin(struct store *st,
                                 enum names_target t,
                                 const char *feature,
                                 int level,
                                 struct names_edit **out,
                                 struct gis_error *err);
/* The record before the change: borrowed until names_edit_free. */
const struct names_record *names_edit_before(const struct names_edit *e);
enum gis_status names_edit_apply(struct names_edit *e,
                                 const struct names_change *c,
                                 const struct names_who *who,
                                 struct names_problems *problems,
                                 struct gis_error *err);
/* After names_edit_apply: the record as written (borrowed) and, for an addition, the
 * new variant's id. */
const struct names_record *names_edit_after(const struct names_edit *e);
/* The record as written, handed over: the caller frees it (names_record_free); NULL
 * before names_edit_apply succeeded. */
struct names_record *names_edit_take_after(struct names_edit *e);
int64_t names_edit_variant_id(const struct names_edit *e);
enum gis_status names_edit_commit(struct names_edit *e, struct gis_error *err);
void names_edit_free(struct names_edit *e);

/* Whether pinyin reads name: its letters, folded (pinyin_fold), split into one reading
 * of each Han character in turn (any reading the table knows, tones aside; one to six
 * letters for a character it does not know) and the name's Latin letters as they are
 * (digits and punctuation are not read). On false, why (may be NULL) says which
 * character did not read. Pure but for the table. */
bool names_pinyin_reads(const char *name, const char *pinyin, char *why, size_t why_size);

/* ---------------------------------------------------------------- checks */

struct names_issue {
    const char *kind;   /* "duplicate" (same standard name) or "homophone" (same pinyin) */
    const char *parent; /* the division they share; "" for the top */
    int level;          /* of the features; 0 for places */
    const char *features, *names; /* comma-separated, borrowed for the callback */
};
typedef void (*names_issue_fn)(void *ctx, const struct names_issue *i);

/* Finds features under one parent (townships of a county, villages of a township,
 * places of a division) sharing a standard name, or a toneless pinyin under different
 * characters. out_duplicates, out_homophones: counts. */
enum gis_status names_check(struct store *st,
                            names_issue_fn fn,
                            void *ctx,
                            long *out_duplicates,
                            long *out_homophones,
                            struct gis_error *err);

/* The uniqueness rule's question: the current sibling of feature (NULL for one not yet
 * written) already called name: a division under the same parent (parent: its parent's
 * code), or a place of the same category (NULL: none) in the same division (parent).
 * out: that sibling's code or id, "" when there is none. */
enum gis_status names_sibling_named(struct store *st,
                                    enum names_target t,
                                    const char *feature,
                                    const char *parent,
                                    const char *category,
                                    const char *name,
                                    char *out,
                                    size_t size,
                                    struct gis_error *err);

/* ---------------------------------------------------------------- search */

struct names_query {
    const char *q;
    size_t limit;         /* at most this many features */
    int level;            /* 0: any */
    const char *category; /* a division's kind or a place's category; NULL: any */
    const char *within;   /* a division code: features inside it; NULL: anywhere */
    bool has_bbox;
    double bbox[4]; /* CRS84 */
};

struct names_hit {
    enum names_target target;
    char feature[32]; /* division code or place id */
    char name[NAMES_TEXT_MAX], pinyin[NAMES_TEXT_MAX], pinyin_source[16];
    char category[64];
    int level;                         /* divisions 1..5; places 0 */
    char division[NAMES_TEXT_MAX * 2]; /* "延安市 / 宝塔区 / 枣园街道" */
    char matched[16];                  /* name | pinyin | initials | code */
    char match_kind[16];               /* exact | prefix | substring */
    char matched_as[16];               /* standard | alias | former */
    char matched_name[NAMES_TEXT_MAX];
    char valid_from[11], valid_to[11]; /* of the matched name ("" open) */
    double score;
    bool has_point;
    double x, y; /* CRS84 */
};

/* Finds features by what a person would type: Hanzi substrings of any length, pinyin
 * with or without tones and spaces, initials, every reading of polyphonic characters,
 * aliases and former names, code prefixes. Ranked exact > prefix > substring, then
 * current > alias > former, then higher levels first. out: up to max hits; out_n how
 * many. A query with nothing searchable in it fails with GIS_ERR_INVALID_ARG. */
enum gis_status names_search(struct store *st,
                             const struct names_query *q,
                             struct names_hit *out,
                             size_t max,
                             size_t *out_n,
                             struct gis_error *err);

/* For q= on a collection: the FTS5 expression matching q in any way names_search
 * does. Returns false when q has nothing searchable or out is too small. */
bool names_match_expr(const char *q, char *out, size_t size);

/* The target whose features a table's rows are ("divisions", "places"), or false. */
bool names_table_target(const char *table, enum names_target *out);

/* ---------------------------------------------------------------- exchange */

enum names_format {
    NAMES_CSV,
    NAMES_GEOJSON,
};

/* Writes the gazetteer to path: one row per name (standard, alias, former) with every
 * field. out_rows: how many. */
enum gis_status names_export(struct store *st,
                             const char *path,
                             enum names_format fmt,
                             long *out_rows,
                             struct gis_error *err);

/* Reads a gazetteer file in names_export's layout (CSV or GeoJSON, told by its
 * content): standard rows update their feature's record (a new name renames it),
 * alias and former rows are added when not there yet; one transaction, audited,
 * re-indexed. out_updated, out_added: counts. */
enum gis_status names_import(struct store *st,
                             const char *path,
                             const struct names_who *who,
                             long *out_updated,
                             long *out_added,
                             struct gis_error *err);

/* Writes the announcement list (公告) of the standard names approved from..to
 * (inclusive, YYYY-MM-DD) as CSV. out_rows: how many. */
enum gis_status names_announcement(struct store *st,
                                   const char *from,
                                   const char *to,
                                   const char *path,
                                   long *out_rows,
                                   struct gis_error *err);

#endif
