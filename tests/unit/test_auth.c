/*
 * Unit tests of app/auth.h on a real SpatiaLite file: tokens check only while current
 * and unaltered, renewing and revoking take effect at once, the store never holds a
 * token's text, roles order and scopes cover what they should, and every change is
 * audited.
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

#include "auth.h"
#include "store.h"

struct fixture {
    char dir[64], path[96];
    struct store *st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct gis_error err = {0};

    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/civgis-auth-XXXXXX");
    if (!mkdtemp(f->dir) || auth_init(&err) != GIS_OK)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/a.sqlite", f->dir);
    if (store_open(f->path, STORE_CREATE, &f->st, &err) != GIS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    store_close(f->st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    free(f);
    return system(cmd);
}

static enum gis_status check(struct store *st, const char *token, struct auth_identity *who)
{
    struct gis_error err = {0};
    enum gis_status rc = auth_check(st, token, who, &err);

    if (rc != GIS_OK)
        assert_string_equal(err.msg, "unknown or revoked token");
    return rc;
}

static void test_token_checks_until_renewed_or_revoked(void **state)
{
    struct fixture *f = *state;
    struct gis_error err = {0};
    struct auth_identity who;
    char t1[AUTH_TOKEN_MAX], t2[AUTH_TOKEN_MAX];

    assert_int_equal(auth_user_add(f->st, "ann", AUTH_PLANNER, NULL, "test", t1, &err), GIS_OK);
    assert_int_equal(strncmp(t1, "cgt_1_", 6), 0);
    assert_int_equal(strlen(t1), 6 + 43); /* 32 bytes, base64url without padding */
    assert_int_equal(check(f->st, t1, &who), GIS_OK);
    assert_string_equal(who.name, "ann");
    assert_int_equal(who.role, AUTH_PLANNER);
    assert_string_equal(who.scope, "");
    assert_int_equal(auth_token_renew(f->st, "ann", "test", t2, &err), GIS_OK);
    assert_string_not_equal(t1, t2);
    assert_int_equal(check(f->st, t1, &who), GIS_ERR_NOT_FOUND);
    assert_int_equal(check(f->st, t2, &who), GIS_OK);
    assert_int_equal(auth_revoke(f->st, "ann", "test", &err), GIS_OK);
    assert_int_equal(check(f->st, t2, &who), GIS_ERR_NOT_FOUND);
    /* A new token brings a revoked user back. */
    assert_int_equal(auth_token_renew(f->st, "ann", "test", t1, &err), GIS_OK);
    assert_int_equal(check(f->st, t1, &who), GIS_OK);
}

static void test_altered_tokens_do_not_check(void **state)
{
    struct fixture *f = *state;
    struct gis_error err = {0};
    struct auth_identity who;
    char a[AUTH_TOKEN_MAX], b[AUTH_TOKEN_MAX], t[AUTH_TOKEN_MAX + 8];
    size_t n;

    assert_int_equal(auth_user_add(f->st, "a", AUTH_ADMIN, NULL, "test", a, &err), GIS_OK);
    assert_int_equal(auth_user_add(f->st, "b", AUTH_VIEWER, NULL, "test", b, &err), GIS_OK);
    n = strlen(a);
    snprintf(t, sizeof t, "%s", a);
    t[n - 1] = t[n - 1] == 'A' ? 'B' : 'A'; /* the last secret character */
    assert_int_equal(check(f->st, t, &who), GIS_ERR_NOT_FOUND);
    snprintf(t, sizeof t, "%s", a);
    t[4] = '2'; /* a's secret under b's id */
    assert_int_equal(check(f->st, t, &who), GIS_ERR_NOT_FOUND);
    snprintf(t, sizeof t, "%sx", a);
    assert_int_equal(check(f->st, t, &who), GIS_ERR_NOT_FOUND);
    snprintf(t, sizeof t, "%.*s", (int)(n - 1), a);
    assert_int_equal(check(f->st, t, &who), GIS_ERR_NOT_FOUND);
    const char *junk[] = {"",
                          "cgt_",
                          "cgt_1",
                          "cgt_1_",
                          "cgt_0_abc",
                          "cgt_-1_abc",
                          "cgt_99999999999999999999_abc",
                          "Bearer x",
                          "cgt_3_abc"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        assert_int_equal(check(f->st, junk[i], &who), GIS_ERR_NOT_FOUND);
    assert_int_equal(check(f->st, NULL, &who), GIS_ERR_NOT_FOUND);
    assert_int_equal(check(f->st, b, &who), GIS_OK);
    assert_int_equal(who.role, AUTH_VIEWER);
}

static int grep_file(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    static char buf[1 << 22];
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return memmem(buf, n, needle, strlen(needle)) != NULL;
}

static void test_store_keeps_no_token_text(void **state)
{
    struct fixture *f = *state;
    struct gis_error err = {0};
    char t[AUTH_TOKEN_MAX], wal[128];

    assert_int_equal(auth_user_add(f->st, "c", AUTH_OFFICER, NULL, "test", t, &err), GIS_OK);
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_false(grep_file(f->path, t + 6));
    if (access(wal, F_OK) == 0)
        assert_false(grep_file(wal, t + 6));
}

static void test_bad_users_are_refused_and_nothing_written(void **state)
{
    struct fixture *f = *state;
    struct gis_error err = {0};
    char t[AUTH_TOKEN_MAX];

    assert_int_equal(auth_user_add(f->st, "d", AUTH_VIEWER, NULL, "test", t, &err), GIS_OK);
    assert_int_equal(auth_user_add(f->st, "d", AUTH_ADMIN, NULL, "test", t, &err),
                     GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "a user named 'd' exists"));
    assert_int_equal(auth_user_add(f->st, "", AUTH_ADMIN, NULL, "test", t, &err),
                     GIS_ERR_INVALID_ARG);
    assert_int_equal(auth_user_add(f->st, "e\nf", AUTH_ADMIN, NULL, "test", t, &err),
                     GIS_ERR_INVALID_ARG);
    assert_int_equal(auth_user_add(f->st, "e", AUTH_ANONYMOUS, NULL, "test", t, &err),
                     GIS_ERR_INVALID_ARG);
    /* An empty store has no divisions: no scope is a current division. */
    assert_int_equal(auth_user_add(f->st, "e", AUTH_OFFICER, "610602", "test", t, &err),
                     GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "scope '610602' is not a current division code"));
    assert_int_equal(auth_token_renew(f->st, "nobody", "test", t, &err), GIS_ERR_NOT_FOUND);
    assert_int_equal(auth_revoke(f->st, "nobody", "test", &err), GIS_ERR_NOT_FOUND);
}

static enum gis_status
count_audit(void *ctx, const struct store_audit_row *row, struct gis_error *err)
{
    (void)err;
    if (!strcmp(row->target, "users") && !strcmp(row->user, "tester"))
        ++*(int *)ctx;
    return GIS_OK;
}

static void test_changes_are_audited(void **state)
{
    struct fixture *f = *state;
    struct gis_error err = {0};
    char t[AUTH_TOKEN_MAX];
    int n = 0;

    assert_int_equal(auth_user_add(f->st, "g", AUTH_VIEWER, NULL, "tester", t, &err), GIS_OK);
    assert_int_equal(auth_token_renew(f->st, "g", "tester", t, &err), GIS_OK);
    assert_int_equal(auth_revoke(f->st, "g", "tester", &err), GIS_OK);
    assert_int_equal(auth_revoke(f->st, "nobody", "tester", &err), GIS_ERR_NOT_FOUND);
    assert_int_equal(store_audit_each(f->st, NULL, count_audit, &n, &err), GIS_OK);
    assert_int_equal(n, 3);
}

static void test_roles_and_scopes(void **state)
{
    struct auth_identity who = {0};
    enum auth_role r;

    (void)state;
    assert_true(auth_role_parse("officer", &r) && r == AUTH_OFFICER);
    assert_false(auth_role_parse("anonymous", &r));
    assert_false(auth_role_parse("Admin", &r));
    assert_true(AUTH_ANONYMOUS < AUTH_VIEWER && AUTH_VIEWER < AUTH_PLANNER &&
                AUTH_PLANNER < AUTH_OFFICER && AUTH_OFFICER < AUTH_ADMIN);
    assert_string_equal(auth_role_name(AUTH_PLANNER), "planner");
    assert_true(auth_scope_covers(&who, "610602"));
    snprintf(who.scope, sizeof who.scope, "610602");
    assert_true(auth_scope_covers(&who, "610602"));
    assert_true(auth_scope_covers(&who, "610602001"));
    assert_true(auth_scope_covers(&who, "610602001001"));
    assert_false(auth_scope_covers(&who, "610603001"));
    assert_false(auth_scope_covers(&who, "6106"));
    assert_false(auth_scope_covers(&who, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_checks_until_renewed_or_revoked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_altered_tokens_do_not_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_keeps_no_token_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_users_are_refused_and_nothing_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_changes_are_audited, setup, teardown),
        cmocka_unit_test(test_roles_and_scopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
