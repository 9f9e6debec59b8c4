/*
 * The store: one SpatiaLite database file (WAL mode, foreign keys on), its schema and
 * migrations, transactions and audit. SQL never leaves gis/; other layers call the
 * typed functions of gis/ modules.
 *
 * Thread-safety: a struct store is one SQLite connection and must be used by one thread
 * at a time. A server gives each worker its own read-only store.
 */
#ifndef CIVGIS_STORE_H
#define CIVGIS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct store;

enum store_mode {
    STORE_READ_ONLY,  /* the file must exist and carry our schema */
    STORE_READ_WRITE, /* the file must exist; migrated forward if older */
    STORE_CREATE,     /* created when missing, then as READ_WRITE */
};

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 9

/* Opens path (":memory:" for a scratch store in CREATE mode). out: the store, closed
 * with store_close. Fails with GIS_ERR_NOT_FOUND for a missing file in the non-CREATE
 * modes, GIS_ERR_DB for a file that is not a civgis store or is newer than this build. */
enum gis_status
store_open(const char *path, enum store_mode mode, struct store **out, struct gis_error *err);

void store_close(struct store *st);

/* Transactions: one write = one transaction. begin takes the write lock at once
 * (BEGIN IMMEDIATE) so a second writer waits (busy timeout) instead of failing late. */
enum gis_status store_begin(struct store *st, struct gis_error *err);
enum gis_status store_commit(struct store *st, struct gis_error *err);
/* Rolls back; safe to call when no transaction is open. */
void store_rollback(struct store *st);
/* Whether a transaction is open on this connection (a caller's, that writers may join). */
bool store_in_transaction(struct store *st);

/* Schema version of the open file. */
int store_schema_version(struct store *st);

/* The version of one data table ("divisions", "places", "facilities", "demand",
 * "scenarios", "service_standards", "name_variants"): a counter that triggers in the
 * file raise on every row inserted, updated or deleted, whichever program writes it
 * (civgis, QGIS, the sqlite3 shell). Only ever grows. Tile sources, items ETags and
 * coverage layers key on the versions of the tables they show. Read from a
 * per-connection cache, refreshed when another connection has committed (PRAGMA
 * data_version) or this one has written. out: the value; GIS_ERR_NOT_FOUND for a table
 * without a version. */
enum gis_status
store_table_version(struct store *st, const char *table, int64_t *out, struct gis_error *err);

/* The rows of table ("divisions", "places", "facilities" or "demand") written after its
 * version since and up to version upto (store_table_version values), as their rowids,
 * ascending and each once, into *out (malloc'd, the caller frees it; NULL when none) and
 * *out_n. GIS_ERR_NOT_FOUND when the store cannot tell, and the caller must read the
 * table whole: more than max versions apart, a batch in between (it leaves no list), a
 * change older than the 4096 versions kept, a table without a list or a file from before
 * schema version 8. */
enum gis_status store_table_changes(struct store *st,
                                    const char *table,
                                    int64_t since,
                                    int64_t upto,
                                    size_t max,
                                    int64_t **out,
                                    size_t *out_n,
                                    struct gis_error *err);

/* The data version of the whole store: the sum of the table versions, so it moves
 * whenever any table changes. out: the value. */
enum gis_status store_data_version(struct store *st, int64_t *out, struct gis_error *err);

/* Migrates the file at path to STORE_SCHEMA_VERSION when it is an older civgis store,
 * opening it read-write only then; for a program that then opens it read-only (civgis
 * serve before its workers open their stores, and the read-only commands). A current
 * file is not opened for writing. Files that are no civgis store, or newer, are left
 * for store_open to refuse. out_from (may be NULL): the schema version found. */
enum gis_status store_upgrade(const char *path, int *out_from, struct gis_error *err);

/* Values computed outside the store that layers may show (the coverage layers): the SQL
 * function civgis_coverage(kind, demand_code, what) asks this source; it answers what =
 * STORE_COV_* for one demand point or returns false (SQL NULL). Each store has its own
 * source (store_cov_source_attach); none: every call is NULL. */
enum store_cov_field {
    STORE_COV_NEAREST_M,
    STORE_COV_N_WITHIN,
    STORE_COV_NEAREST_ID,
    STORE_COV_COVERED,
};
struct store_cov_value {
    double number;
    char text[64];
    bool is_text;
};
typedef bool (*store_cov_fn)(void *ctx,
                             const char *kind,
                             const char *demand_code,
                             enum store_cov_field what,
                             struct store_cov_value *out);
/* Makes fn(ctx) st's coverage source (NULL fn: none). ctx must outlive st or the next
 * attach; fn is called on the thread using st. */
void store_cov_source_attach(struct store *st, store_cov_fn fn, void *ctx);

/* Appends an audit row inside the caller's transaction: who, what, why, and optional
 * JSON before/after images (NULL when not applicable). */
struct store_audit {
    const char *user;
    const char *action; /* "import", "update", ... */
    const char *target; /* table or layer */
    const char *target_id;
    const char *reason;
    const char *before_json;
    const char *after_json;
};
enum gis_status
store_audit_add(struct store *st, const struct store_audit *a, struct gis_error *err);

/* Which audit rows store_audit_each reads: each field NULL for "any". */
struct store_audit_filter {
    const char *user;     /* written by this user */
    const char *not_user; /* written by anyone but this user */
    const char *target;   /* on this table or layer */
};
/* One audit row, borrowed for the duration of the callback. before/after are left out:
 * a listing reads them per row when it needs them. */
struct store_audit_row {
    int64_t id;
    const char *at; /* UTC, ISO 8601 */
    const char *user, *action, *target;
    const char *target_id, *reason; /* may be NULL */
};
typedef enum gis_status (*store_audit_fn)(void *ctx,
                                          const struct store_audit_row *row,
                                          struct gis_error *err);
/* Calls fn for every audit row matching filter (NULL: all), oldest first; stops at the
 * first status fn returns other than GIS_OK and returns it. */
enum gis_status store_audit_each(struct store *st,
                                 const struct store_audit_filter *filter,
                                 store_audit_fn fn,
                                 void *ctx,
                                 struct gis_error *err);

#endif
