/*
 * Unit tests of gis/store.h on real SpatiaLite files in a temporary directory: creation
 * and schema, read-only opening, refusal of foreign or newer files, transactions,
 * data version and audit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void test_transactions_version_and_audit(void **state)
{
    struct store *st = NULL;
    struct gis_error err = {0};
    struct store_audit a = {"tester", "update", "divisions", "610602", "a test", NULL, "{}"};
    int64_t v = -1;

    (void)state;
    assert_int_equal(store_open(":memory:", STORE_CREATE, &st, &err), GIS_OK);
    assert_int_equal(store_begin(st, &err), GIS_OK);
    assert_int_equal(store_data_version_bump(st, &err), GIS_OK);
    assert_int_equal(store_audit_add(st, &a, &err), GIS_OK);
    store_rollback(st);
    assert_int_equal(store_data_version(st, &v, &err), GIS_OK);
    assert_int_equal(v, 0); /* rolled back */
    assert_int_equal(store_begin(st, &err), GIS_OK);
    assert_int_equal(store_data_version_bump(st, &err), GIS_OK);
    assert_int_equal(store_commit(st, &err), GIS_OK);
    assert_int_equal(store_data_version(st, &v, &err), GIS_OK);
    assert_int_equal(v, 1);
    store_rollback(st); /* no transaction open: harmless */
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reopen),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_foreign_and_newer_files_refused),
        cmocka_unit_test(test_transactions_version_and_audit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
