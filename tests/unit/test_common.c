/* Unit tests of common/: bounded buffers, JSON escaping, UTF-8 checks, string sets, the
 * logger's escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmtnum.h"
#include "gbuf.h"
#include "hash.h"
#include "log.h"
#include "status.h"
#include "strset.h"
#include "utf8.h"

/* gbuf_room: space past the end to write in place, counted by gbuf_commit; past the cap
 * it is refused without touching the buffer or its status. */
static void test_gbuf_room(void **state)
{
    struct gbuf b;
    char *p;

    (void)state;
    gbuf_init(&b, 10);
    assert_int_equal(gbuf_puts(&b, "ab"), GIS_OK);
    assert_null(gbuf_room(&b, 9));
    assert_int_equal(gbuf_status(&b), GIS_OK);
    assert_string_equal(b.data, "ab");
    p = gbuf_room(&b, 8);
    assert_non_null(p);
    memcpy(p, "cdefghij", 8);
    gbuf_commit(&b, 3);
    assert_string_equal(b.data, "abcde");
    assert_int_equal(b.len, 5);
    assert_int_equal(gbuf_puts(&b, "fghij"), GIS_OK);
    assert_int_equal(gbuf_puts(&b, "k"), GIS_ERR_TOO_LARGE);
    assert_null(gbuf_room(&b, 0)); /* a sticky error: no room at all */
    gbuf_free(&b);
}

/* The hand-written numbers read as snprintf writes them, at the edges too. */
static void test_fmtnum(void **state)
{
    static const int64_t ints[] = {0, 7, -7, 10, 4096, INT64_MAX, INT64_MIN, -1};
    static const double millis[] = {0, 0.056, 2.868, 0.0004, 0.9996, 12.5, 123456.789, 1e14};
    char got[32], want[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        *fmtnum_i64(got, ints[i]) = '\0';
        snprintf(want, sizeof want, "%lld", (long long)ints[i]);
        assert_string_equal(got, want);
    }
    *fmtnum_u64(got, UINT64_MAX) = '\0';
    assert_string_equal(got, "18446744073709551615");
    for (i = 0; i < sizeof millis / sizeof millis[0]; i++) {
        *fmtnum_milli(got, millis[i]) = '\0';
        snprintf(want, sizeof want, "%.3f", millis[i]);
        assert_string_equal(got, want);
    }
    *fmtnum_milli(got, -1) = '\0';
    assert_string_equal(got, "0.000");
    *fmtnum_milli(got, NAN) = '\0';
    assert_string_equal(got, "0.000");
}

/* hash_words: every byte and the length count; equal inputs, equal hashes. */
static void test_hash_words(void **state)
{
    char a[40] = "0123456789abcdefghijklmnopqrstuvwxyz", b[40];
    size_t n, k;

    (void)state;
    memcpy(b, a, sizeof a);
    for (n = 0; n <= 36; n++) {
        assert_true(hash_words(1, a, n) == hash_words(1, b, n));
        assert_true(n == 0 || hash_words(1, a, n) != hash_words(1, a, n - 1));
        for (k = 0; k < n; k++) {
            b[k] ^= 1;
            assert_true(hash_words(1, a, n) != hash_words(1, b, n));
            b[k] ^= 1;
        }
    }
    assert_true(hash_words(1, a, 8) != hash_words(2, a, 8));
}

static void test_gbuf_cap_is_hard(void **state)
{
    struct gbuf b;

    (void)state;
    gbuf_init(&b, 8);
    assert_int_equal(gbuf_puts(&b, "12345"), GIS_OK);
    assert_int_equal(gbuf_puts(&b, "6789"), GIS_ERR_TOO_LARGE);
    assert_string_equal(b.data, "12345"); /* unchanged by the failed append */
    /* Sticky: later appends fail too, even ones that would fit, until a reset. */
    assert_int_equal(gbuf_printf(&b, "%d", 6), GIS_ERR_TOO_LARGE);
    assert_int_equal(gbuf_status(&b), GIS_ERR_TOO_LARGE);
    assert_string_equal(b.data, "12345");
    gbuf_reset(&b);
    assert_int_equal(gbuf_status(&b), GIS_OK);
    assert_int_equal(gbuf_printf(&b, "%d", 12345678), GIS_OK);
    assert_int_equal(b.len, 8);
    assert_int_equal(gbuf_printf(&b, "x"), GIS_ERR_TOO_LARGE);
    gbuf_free(&b);
}

static void test_gbuf_grows(void **state)
{
    struct gbuf b;
    int i;

    (void)state;
    gbuf_init(&b, 1 << 20);
    for (i = 0; i < 10000; i++)
        assert_int_equal(gbuf_printf(&b, "%04d", i % 10000), GIS_OK);
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.data + 39996, "9999", 4);
    gbuf_free(&b);
}

static void test_json_escape(void **state)
{
    struct gbuf b;

    (void)state;
    gbuf_init(&b, 1024);
    assert_int_equal(gbuf_json_escape(&b, "a\"b\\c\n\x01延安"), GIS_OK);
    assert_string_equal(b.data, "a\\\"b\\\\c\\n\\u0001延安");
    gbuf_reset(&b);
    /* Invalid UTF-8 never reaches the output. */
    assert_int_equal(gbuf_json_escape(&b, "x\xff\xc0\xafy"), GIS_OK);
    assert_true(utf8_is_valid(b.data));
    assert_non_null(strstr(b.data, "\xEF\xBF\xBD"));
    gbuf_free(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(utf8_is_valid("宝塔区 abc"));
    assert_false(utf8_is_valid("\xb1\xa6\xcb\xfe")); /* 宝塔 in GBK */
    assert_false(utf8_is_valid("\xed\xa0\x80"));     /* a surrogate */
    assert_false(utf8_is_valid("\xc0\xaf"));         /* overlong */
    assert_false(utf8_is_valid("\xf4\x90\x80\x80")); /* > U+10FFFF */
    assert_true(utf8_is_valid("\xf0\x9f\x98\x80"));  /* emoji */
}

static void test_strset(void **state)
{
    struct strset *s;
    bool added;
    char key[32];
    int i;

    (void)state;
    assert_int_equal(strset_new(&s), GIS_OK);
    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "6106%08d", i);
        assert_int_equal(strset_add(s, key, &added), GIS_OK);
        assert_true(added);
    }
    assert_int_equal(strset_add(s, "610600000042", &added), GIS_OK);
    assert_false(added);
    assert_true(strset_has(s, "610600004999"));
    assert_false(strset_has(s, "610600005000"));
    assert_int_equal(strset_count(s), 5000);
    strset_free(s);
}

static void test_status(void **state)
{
    struct gis_error err;

    (void)state;
    assert_int_equal(gis_fail(&err, GIS_ERR_IO, "x %d", 1), GIS_ERR_IO);
    assert_string_equal(err.msg, "x 1");
    assert_int_equal(gis_fail(NULL, GIS_ERR_DB, "ignored"), GIS_ERR_DB);
    assert_string_equal(gis_status_name(GIS_ERR_INVALID_ARG), "invalid_argument");
    gis_error_clear(&err);
    assert_int_equal(err.code, GIS_OK);
}

static void test_log_quote(void **state)
{
    char out[32];

    (void)state;
    assert_string_equal(log_quote(out, sizeof out, "/a b", 4), "/a b");
    assert_string_equal(log_quote(out, sizeof out, "x\n\"y\\", 5), "x\\n\\\"y\\\\");
    assert_string_equal(log_quote(out, sizeof out, "a\0b\x1b", 4), "a\\x00b\\x1b");
    /* cut: ends in "..." and never in a backslash that would eat the closing quote */
    assert_string_equal(log_quote(out, 8, "abcdefghij", 10), "abcd...");
    assert_string_equal(log_quote(out, 8, "abc\"\"\"\"", 7), "abc\\...");
    assert_string_equal(log_quote(out, 8, "", 0), "");
}

/* A value with a newline stays on its event's line: the forged "event" is escaped. */
static void test_log_msg_one_line(void **state)
{
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    char buf[2048] = {0};
    size_t n;

    (void)state;
    assert_non_null(f);
    fflush(stderr);
    dup2(fileno(f), STDERR_FILENO);
    log_msg(LOG_LEVEL_ERROR, "t", "path=/x\nts=2020 level=info forged=1\r\x7f");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(n > 0 && buf[n - 1] == '\n');
    assert_null(memchr(buf, '\n', n - 1));
    assert_non_null(strstr(buf, "path=/x\\nts=2020 level=info forged=1\\r\\x7f\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmtnum),
        cmocka_unit_test(test_hash_words),
        cmocka_unit_test(test_gbuf_cap_is_hard),
        cmocka_unit_test(test_gbuf_room),
        cmocka_unit_test(test_gbuf_grows),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_strset),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_log_quote),
        cmocka_unit_test(test_log_msg_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
