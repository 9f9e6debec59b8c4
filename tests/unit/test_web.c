/* The web application's file names (server/api_web.c): what /app/ may serve and as what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <string.h>

#include "api_web.h"

static void test_served_names(void **state)
{
    static const char *const ok[] = {"index.html",
                                     "main.js",
                                     "maplibre-gl.css",
                                     "terra-draw-maplibre-gl-adapter.umd.js",
                                     "chart.js-LICENSE.txt",
                                     "a_b.json",
                                     "9.svg"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_true(api_web_name_ok(ok[i]));
}

static void test_refused_names(void **state)
{
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "../x.js",
        "..js",
        "a..js",
        ".npmrc",
        ".hidden.js",
        "-x.js",
        "_x.js",
        "a/b.js",
        "a\\b.js",
        "x.js ",
        "x%2e.js",
        "main",
        "main.js.orig",
        "web.stamp",
        "package.json~",
        "a.JS",
        "x.sh",
        "index.html\n",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaa.js"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (api_web_name_ok(bad[i]))
            fail_msg("'%s' was accepted", bad[i]);
    }
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(api_web_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(api_web_type("main.js"), "text/javascript; charset=utf-8");
    assert_string_equal(api_web_type("x.css"), "text/css; charset=utf-8");
    assert_string_equal(api_web_type("x.js.map"), "application/json");
    assert_string_equal(api_web_type("LICENSE.txt"), "text/plain; charset=utf-8");
    assert_null(api_web_type("x.exe"));
    assert_null(api_web_type(".js")); /* an extension alone names no file */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_served_names),
        cmocka_unit_test(test_refused_names),
        cmocka_unit_test(test_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
