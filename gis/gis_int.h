/*
 * Shared only inside gis/: raw connection access and the per-connection prepared
 * statement cache. Never include this from another directory.
 */
#ifndef CIVGIS_GIS_INT_H
#define CIVGIS_GIS_INT_H

#include <sqlite3.h>

#include "names.h"
#include "store.h"

/* The connection, for gis/ modules only. */
sqlite3 *store__db(struct store *st);

/* Returns a cached prepared statement for sql (compared by text; the cache keeps its own
 * copy, so sql may be built per request), reset and with bindings cleared. Borrowed:
 * valid until STMT_CACHE_SIZE other statements have been asked for since, or
 * store_close. Call store__done when finished with it so its read transaction ends. */
enum gis_status
store__stmt(struct store *st, const char *sql, sqlite3_stmt **out, struct gis_error *err);
void store__done(sqlite3_stmt *stmt);

/* Runs sql (no parameters, no results; our own constant text only). */
enum gis_status store__exec(struct store *st, const char *sql, struct gis_error *err);

/* Translates the connection's current SQLite error into ours. */
enum gis_status store__fail(struct store *st, struct gis_error *err, const char *what);

/* The first schema version with the list of changed rows (store_changes, schema.c). */
#define SCHEMA__CHANGES_VERSION 8

/* The schema: creates or migrates to STORE_SCHEMA_VERSION inside one transaction. */
enum gis_status schema__migrate(struct store *st, int from_version, struct gis_error *err);

/* names.c: fills the search index from the name rows (the schema's version 2 step). */
enum gis_status names__index_all(struct store *st, struct gis_error *err);

/* names.c: registers civgis_names_tokens(name, pinyin, column) on db, the SQL function
 * that makes the index's shadow columns. */
int names__register(sqlite3 *db);

/* textfold.c: registers civgis_casei(x) and civgis_accenti(x) on db (CQL2 CASEI and
 * ACCENTI). */
int textfold__register(sqlite3 *db);

/* names_edit.c, for names_io.c: names_set's checks, and its work inside the caller's
 * transaction. */
enum gis_status names__check_update(const struct names_update *u, struct gis_error *err);
enum gis_status names__set_in_transaction(struct store *st,
                                          enum names_target target,
                                          const char *feature,
                                          const struct names_update *u,
                                          const struct names_who *who,
                                          struct gis_error *err);

/* names_edit.c: whether s is a date YYYY-MM-DD; today's date (UTC). */
bool names__is_date(const char *s);
void names__today(char out[11]);

/* names_search.c: the names of the divisions from the top down to code, " / " between
 * them ("" for none), for search hits and records. */
void names__division_path(struct store *st, const char *code, char *out, size_t size);

#endif
