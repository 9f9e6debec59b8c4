/*
 * Unit tests of gis/store.h on real SpatiaLite files in a temporary directory: creation
 * and schema, read-only opening, refusal of foreign or newer files, transactions and
 * audit, the per-table versions kept by triggers (whichever program writes) and the
 * migration to them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "store.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/civgis-store-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static void test_create_and_reopen(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    int64_t v = -1;
    char path[128];

    (void)state;
    path_of(path, sizeof path, "a.sqlite");
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), GIS_OK);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    assert_int_equal(store_data_version(st, &v, &err), GIS_OK);
    assert_int_equal(v, 0);
    store_close(st);
    st = NULL;
    assert_int_equal(store_open(path, STORE_READ_ONLY, &st, &err), GIS_OK);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    store_close(st);
}

static void test_missing_file(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    char path[128];

    (void)state;
    path_of(path, sizeof path, "missing.sqlite");
    assert_int_equal(store_open(path, STORE_READ_ONLY, &st, &err), GIS_ERR_NOT_FOUND);
    assert_null(st);
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_int_equal(access(path, F_OK), -1); /* and nothing was created */
}

static void test_foreign_and_newer_files_refused(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    sqlite3 *db;
    char path[128];

    (void)state;
    path_of(path, sizeof path, "foreign.sqlite");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), GIS_ERR_DB);
    assert_non_null(strstr(err.msg, "not a civgis store"));

    path_of(path, sizeof path, "newer.sqlite");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &err), GIS_ERR_DB);
    assert_non_null(strstr(err.msg, "upgrade civgis"));
}

static void test_transactions_and_audit(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    struct store_audit a = {"tester", "update", "divisions", "610602", "a test", NULL, "{}"};
    int64_t v = -1;

    (void)state;
    assert_int_equal(store_open(":memory:", STORE_CREATE, &st, &err), GIS_OK);
    assert_int_equal(store_begin(st, &err), GIS_OK);
    assert_int_equal(store_audit_add(st, &a, &err), GIS_OK);
    store_rollback(st);
    assert_int_equal(store_begin(st, &err), GIS_OK);
    assert_int_equal(store_audit_add(st, &a, &err), GIS_OK);
    assert_int_equal(store_commit(st, &err), GIS_OK);
    assert_int_equal(store_data_version(st, &v, &err), GIS_OK);
    assert_int_equal(v, 0); /* the audit is no data table */
    store_rollback(st);     /* no transaction open: harmless */
    store_close(st);
}

/* Runs sql on a plain SQLite connection, as another program (QGIS, the sqlite3 shell)
 * writing the file would: none of our functions, and SpatiaLite only when asked (a
 * DROP COLUMN re-reads the geometry triggers, which call its functions). */
static void other_writer_with(const char *path, const char *sql, bool has_spatialite)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (has_spatialite) {
        sqlite3_enable_load_extension(db, 1);
        assert_int_equal(sqlite3_load_extension(db, "mod_spatialite", NULL, NULL), SQLITE_OK);
    }
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static void other_writer(const char *path, const char *sql)
{
    other_writer_with(path, sql, false);
}

static int64_t table_version(struct store *st, const char *table)
{
    struct gis_error err = {0};
    int64_t v = -1;

    assert_int_equal(store_table_version(st, table, &v, &err), GIS_OK);
    return v;
}

static void test_table_versions_follow_every_writer(void **state)
{
    static const struct scenario_site sites[] = {{"A", NULL, 109.4, 36.6, 10},
                                                 {"B", NULL, 109.5, 36.6, -1}};
    struct scenario_record rec = {"t", "mclp", "canteen", "{}", "{}", "tester", false};
    struct store *st = NULL, *reader = NULL;
    struct gis_error err = {0};
    int64_t v = -1, id = 0;
    char path[128];

    (void)state;
    path_of(path, sizeof path, "versions.sqlite");
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), GIS_OK);
    assert_int_equal(store_open(path, STORE_READ_ONLY, &reader, &err), GIS_OK);
    assert_int_equal(table_version(reader, "facilities"), 0);
    assert_int_equal(table_version(st, "facilities"), 0); /* now cached */
    /* This connection's own write: one scenario row, two facility rows. */
    assert_int_equal(scenario_save(st, &rec, sites, 2, &id, &err), GIS_OK);
    assert_int_equal(table_version(st, "scenarios"), 1);
    assert_int_equal(table_version(st, "facilities"), 2);
    assert_int_equal(table_version(st, "divisions"), 0);
    /* Another program's writes, seen by a reader that had read the versions before. */
    assert_int_equal(table_version(reader, "facilities"), 2);
    other_writer(path, "UPDATE facilities SET name = name || '*'");
    assert_int_equal(table_version(reader, "facilities"), 4);
    other_writer(path, "DELETE FROM service_standards WHERE kind = 'canteen'");
    assert_int_equal(table_version(reader, "service_standards"), 1);
    other_writer(path, "BEGIN; UPDATE facilities SET capacity = 1; ROLLBACK");
    assert_int_equal(table_version(reader, "facilities"), 4);
    assert_int_equal(table_version(reader, "scenarios"), 1);
    assert_int_equal(store_data_version(reader, &v, &err), GIS_OK);
    assert_int_equal(v, 1 + 4 + 1); /* the sum over the tables */
    assert_int_equal(store_table_version(reader, "audit", &v, &err), GIS_ERR_NOT_FOUND);
    /* Each commit is seen at the next look, the WAL emptied and restarted between some
     * (a new header with new salts): the reader skips its read transaction only while
     * the WAL-index header is the one it saw. */
    for (int i = 1; i <= 12; i++) {
        other_writer(path, "UPDATE facilities SET capacity = capacity + 1 WHERE rowid = "
                           "(SELECT min(rowid) FROM facilities)");
        assert_int_equal(table_version(reader, "facilities"), 4 + i);
        assert_int_equal(table_version(reader, "facilities"), 4 + i);
        if (i % 4 == 0)
            other_writer(path, "PRAGMA wal_checkpoint(TRUNCATE)");
    }
    assert_int_equal(table_version(st, "facilities"), 4 + 12);
    store_close(reader);
    store_close(st);
}

/* A writer with SpatiaLite loaded (the places table's geometry triggers call it). */
static void spatial_writer(const char *path, const char *sql)
{
    other_writer_with(path, sql, true);
}

/* The rowids store_table_changes lists from since to upto, as "1,2,3", or "none" when it
 * cannot tell. */
static const char *changes(struct store *st, const char *table, int64_t since, int64_t upto)
{
    static char out[256];
    struct gis_error err = {0};
    int64_t *ids = NULL;
    size_t n = 0, i, at = 0;
    enum gis_status rc = store_table_changes(st, table, since, upto, 8000, &ids, &n, &err);

    if (rc == GIS_ERR_NOT_FOUND)
        return "none";
    assert_int_equal(rc, GIS_OK);
    out[0] = '\0';
    for (i = 0; i < n && at < sizeof out; i++)
        at +=
            (size_t)snprintf(out + at, sizeof out - at, "%s%lld", i ? "," : "", (long long)ids[i]);
    free(ids);
    return out;
}

/* Every writer's rows are listed under the versions they raised (an update's old and
 * new rowid, a delete's), whoever writes; a batch (counted once at its commit), a span
 * past the 4096 versions kept, more versions than asked for, and a table without a
 * list give none, so a reader reads the table whole. */
static void test_changes_list_the_rows_written(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    int64_t *ids = NULL, v;
    size_t n = 0;
    char path[128];

    (void)state;
    path_of(path, sizeof path, "changes.sqlite");
    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), GIS_OK);
    spatial_writer(path, "INSERT INTO places (name, valid_from) VALUES ('a', '2020-01-01'), "
                         "('b', '2020-01-01'), ('c', '2020-01-01')");
    assert_int_equal(table_version(st, "places"), 3);
    assert_string_equal(changes(st, "places", 0, 3), "1,2,3");
    assert_string_equal(changes(st, "places", 1, 2), "2");
    spatial_writer(path, "UPDATE places SET name = 'x' WHERE id = 2");
    spatial_writer(path, "DELETE FROM places WHERE id = 3");
    spatial_writer(path, "UPDATE places SET id = 10 WHERE id = 1");
    assert_int_equal(table_version(st, "places"), 6);
    assert_string_equal(changes(st, "places", 3, 4), "2");
    assert_string_equal(changes(st, "places", 4, 5), "3");
    assert_string_equal(changes(st, "places", 5, 6), "1,10");
    assert_string_equal(changes(st, "places", 0, 6), "1,2,3,10");
    assert_string_equal(changes(st, "places", 6, 6), "");
    assert_string_equal(changes(st, "facilities", 0, 0), "");
    assert_int_equal(store_table_changes(st, "places", 0, 6, 5, &ids, &n, &err),
                     GIS_ERR_NOT_FOUND); /* more versions than asked for */
    /* A batch as edit_batch writes one: the triggers stand aside, the version moves once. */
    spatial_writer(path, "BEGIN; INSERT INTO store_meta VALUES ('batch', '1'); INSERT INTO places "
                         "(name, valid_from) VALUES ('d', '2020-01-01'); DELETE FROM store_meta "
                         "WHERE key = 'batch'; UPDATE store_versions SET version = version + 1 "
                         "WHERE name = 'places'; COMMIT");
    assert_int_equal(table_version(st, "places"), 7);
    assert_string_equal(changes(st, "places", 6, 7), "none");
    assert_string_equal(changes(st, "places", 0, 7), "none");
    spatial_writer(path, "UPDATE places SET name = 'y' WHERE id = 2");
    assert_string_equal(changes(st, "places", 7, 8), "2"); /* after the batch: listed again */
    /* 4100 rows more: the first versions fall out of the window. */
    spatial_writer(path, "INSERT INTO places (name, valid_from) WITH RECURSIVE n(i) AS (SELECT 1 "
                         "UNION ALL SELECT i + 1 FROM n WHERE i < 4100) SELECT 'p', '2020-01-01' "
                         "FROM n");
    v = table_version(st, "places");
    assert_int_equal(v, 8 + 4100);
    assert_string_equal(changes(st, "places", 7, 8), "none");
    assert_string_equal(changes(st, "places", v - 4000, v - 3999), "112");
    assert_string_equal(changes(st, "places", v - 2, v), "4110,4111");
    spatial_writer(path, "UPDATE service_standards SET reach_m = 5 WHERE kind = 'canteen'");
    assert_string_equal(changes(st, "service_standards", 0, 1), "none"); /* not listed */
    assert_int_equal(store_table_changes(st, "places", 5, 4, 10, &ids, &n, &err),
                     GIS_ERR_INVALID_ARG);
    store_close(st);
}

/* A version 1 file (as civgis wrote before the per-table versions): its store-wide
 * data_version and no version table or triggers. */
static void make_v1(const char *path)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    static const char *const tables[] = {"divisions", "places",    "facilities",
                                         "demand",    "scenarios", "service_standards"};
    static const char *const ops[] = {"insert", "update", "delete"};
    char sql[160];
    size_t i, k;

    assert_int_equal(store_open(path, STORE_CREATE, &st, &err), GIS_OK);
    store_close(st);
    /* Schema 9's ids, schema 8's list of changes (below), schema 7's history indexes, then schema
     * 4's gazetteer (the triggers of schema 3 still stand). */
    other_writer(path, "DROP TRIGGER facilities_ids; DROP TRIGGER places_ids; DROP TABLE "
                       "store_ids");
    other_writer(path, "DROP INDEX divisions_closed; DROP INDEX places_closed");
    other_writer(path, "DROP TABLE names_fts; DROP TABLE search_entries; DROP TABLE name_variants");
    for (i = 0; i < 2; i++) {
        static const char *const cols[] = {"pinyin_source", "approved_by",   "approval_doc",
                                           "approval_date", "filing_status", "filing_date"};
        for (k = 0; k < 6; k++) {
            snprintf(sql, sizeof sql, "ALTER TABLE %s DROP COLUMN %s", tables[i], cols[k]);
            other_writer_with(path, sql, true);
        }
    }
    other_writer(
        path, "DROP TABLE store_versions; DROP TABLE store_changes; INSERT INTO store_meta VALUES "
              "('data_version', '7'); PRAGMA user_version = 1");
    /* Schema 2's columns (users' scope and token times) go too: the v1 users table. */
    other_writer(path, "DROP TABLE users; CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT "
                       "NOT NULL UNIQUE, role TEXT NOT NULL, token_hash TEXT UNIQUE, created_at "
                       "TEXT NOT NULL DEFAULT '')");
    for (i = 0; i < 6; i++) {
        for (k = 0; k < 3; k++) {
            snprintf(sql, sizeof sql, "DROP TRIGGER %s_version_%s", tables[i], ops[k]);
            other_writer(path, sql);
        }
    }
}

static void test_upgrade_from_version_1(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    int64_t v = -1;
    int from = -1;
    char path[128];

    (void)state;
    path_of(path, sizeof path, "v1.sqlite");
    make_v1(path);
    assert_int_equal(store_open(path, STORE_READ_ONLY, &st, &err), GIS_ERR_DB);
    assert_non_null(strstr(err.msg, "needs migrating"));
    assert_int_equal(store_upgrade(path, &from, &err), GIS_OK);
    assert_int_equal(from, 1);
    assert_int_equal(store_open(path, STORE_READ_ONLY, &st, &err), GIS_OK);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    /* Every table starts at the old data version, so no old ETag comes back. */
    assert_int_equal(table_version(st, "divisions"), 7);
    assert_int_equal(table_version(st, "service_standards"), 7);
    other_writer(path, "UPDATE service_standards SET reach_m = 1500 WHERE kind = 'canteen'");
    assert_int_equal(table_version(st, "service_standards"), 8);
    assert_int_equal(table_version(st, "divisions"), 7);
    assert_int_equal(store_data_version(st, &v, &err), GIS_OK);
    assert_int_equal(v, 6 * 7 + 1);
    store_close(st);
    assert_int_equal(store_upgrade(path, &from, &err), GIS_OK); /* current: nothing to do */
    assert_int_equal(from, STORE_SCHEMA_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reopen),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_foreign_and_newer_files_refused),
        cmocka_unit_test(test_transactions_and_audit),
        cmocka_unit_test(test_table_versions_follow_every_writer),
        cmocka_unit_test(test_changes_list_the_rows_written),
        cmocka_unit_test(test_upgrade_from_version_1),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
