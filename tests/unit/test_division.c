/* Unit tests of gis/division.h: code parsing, levels, parents, canonical forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <string.h>

#include "division.h"

static void expect_code(const char *text, const char *code, int level, const char *parent)
{
    struct division_code dc;
    struct gis_error err = {0};

    assert_int_equal(division_code_parse(text, &dc, &err), GIS_OK);
    assert_string_equal(dc.code, code);
    assert_int_equal(dc.level, level);
    assert_string_equal(dc.parent, parent);
}

static void expect_bad(const char *text, const char *msg_part)
{
    struct division_code dc;
    struct gis_error err = {0};

    assert_int_equal(division_code_parse(text, &dc, &err), GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, msg_part));
}

static void test_levels(void **state)
{
    (void)state;
    expect_code("610000", "610000", DIVISION_PROVINCE, "");
    expect_code("610600", "610600", DIVISION_CITY, "610000");
    expect_code("610602", "610602", DIVISION_COUNTY, "610600");
    expect_code("610602001", "610602001", DIVISION_TOWNSHIP, "610602");
    expect_code("610602001001", "610602001001", DIVISION_VILLAGE, "610602001");
}

static void test_padded_forms_are_canonical(void **state)
{
    (void)state;
    expect_code("610602000000", "610602", DIVISION_COUNTY, "610600");
    expect_code("610602100000", "610602100", DIVISION_TOWNSHIP, "610602");
    expect_code("610602000", "610602", DIVISION_COUNTY, "610600");
    expect_code("610600000000", "610600", DIVISION_CITY, "610000");
}

static void test_township_directly_under_city(void **state)
{
    (void)state;
    /* Dongguan (441900) has no counties: its towns hang from the city code. */
    expect_code("441900003", "441900003", DIVISION_TOWNSHIP, "441900");
}

static void test_rejects(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("61060", "5 digits");
    expect_bad("6106021", "7 digits");
    expect_bad("61060200100A", "non-digit");
    expect_bad("610602 01", "non-digit");
    expect_bad("990602", "no province");
    expect_bad("000000", "no province");
    expect_bad("610002", "city part '00'");
    expect_bad("610602000123", "township part '000'");
    expect_bad("610002001", "zero city part");
}

static void test_null_args(void **state)
{
    struct division_code dc;

    (void)state;
    assert_int_equal(division_code_parse(NULL, &dc, NULL), GIS_ERR_INVALID_ARG);
    assert_int_equal(division_code_parse("610602", NULL, NULL), GIS_ERR_INVALID_ARG);
}

static void test_level_names(void **state)
{
    (void)state;
    assert_string_equal(division_level_name(3), "county");
    assert_string_equal(division_level_name(5), "village");
    assert_string_equal(division_level_name(0), "unknown");
    assert_string_equal(division_level_name(6), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_padded_forms_are_canonical),
        cmocka_unit_test(test_township_directly_under_city),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_level_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
