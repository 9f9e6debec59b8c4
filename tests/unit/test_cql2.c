/* Unit tests of gis/cql2.h: the cql2-text grammar, literals, limits and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cql2.h"

static struct cql2_node *parse_ok(const char *text)
{
    struct cql2_node *n = NULL;
    struct gis_error err = {0};

    if (cql2_parse_text(text, NULL, &n, &err) != GIS_OK)
        fail_msg("'%s' did not parse: %s", text, err.msg);
    return n;
}

static void parse_ok_free(const char *text)
{
    cql2_free(parse_ok(text));
}

static void expect_error(const char *text, enum gis_status code, const char *part)
{
    struct cql2_node *n = NULL;
    struct gis_error err = {0};

    assert_int_equal(cql2_parse_text(text, NULL, &n, &err), code);
    assert_null(n);
    if (!strstr(err.msg, part))
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, part);
}

static void test_precedence(void **state)
{
    struct cql2_node *n = parse_ok("a = 1 OR b = 2 AND NOT c = 3");

    (void)state;
    assert_int_equal(n->op, CQL2_OR);
    assert_int_equal(n->n_args, 2);
    assert_int_equal(n->args[0]->op, CQL2_EQ);
    assert_int_equal(n->args[1]->op, CQL2_AND);
    assert_int_equal(n->args[1]->args[1]->op, CQL2_NOT);
    cql2_free(n);
    n = parse_ok("(a = 1 OR b = 2) AND c = 3");
    assert_int_equal(n->op, CQL2_AND);
    assert_int_equal(n->args[0]->op, CQL2_OR);
    cql2_free(n);
}

static void test_predicates(void **state)
{
    struct cql2_node *n = parse_ok("name LIKE '%街道' AND population BETWEEN 10 AND 20.5");

    (void)state;
    assert_int_equal(n->args[0]->op, CQL2_LIKE);
    assert_string_equal(n->args[0]->args[1]->text, "%街道");
    assert_int_equal(n->args[1]->op, CQL2_BETWEEN);
    assert_true(n->args[1]->args[2]->number == 20.5);
    cql2_free(n);
    n = parse_ok("kind NOT IN ('a', 'b''c') AND pinyin IS NOT NULL");
    assert_int_equal(n->args[0]->op, CQL2_NOT);
    assert_int_equal(n->args[0]->args[0]->op, CQL2_IN);
    assert_string_equal(n->args[0]->args[0]->args[1]->args[1]->text, "b'c");
    assert_int_equal(n->args[1]->op, CQL2_NOT);
    assert_int_equal(n->args[1]->args[0]->op, CQL2_ISNULL);
    cql2_free(n);
    n = parse_ok("CASEI(name) = casei('ABC') AND \"valid_from\" >= DATE('2021-10-31')");
    assert_int_equal(n->args[0]->args[0]->op, CQL2_CASEI);
    assert_int_equal(n->args[1]->args[0]->op, CQL2_PROPERTY);
    assert_int_equal(n->args[1]->args[1]->op, CQL2_DATE);
    cql2_free(n);
    n = parse_ok("synthetic = true");
    assert_int_equal(n->args[1]->op, CQL2_BOOLEAN);
    assert_true(n->args[1]->boolean);
    cql2_free(n);
}

/* TRUE and FALSE stand as predicates (Basic CQL2), at the end of the text too, and are
 * still the left side of a comparison when one follows. */
static void test_boolean_predicates(void **state)
{
    struct cql2_node *n = parse_ok("TRUE");

    (void)state;
    assert_int_equal(n->op, CQL2_BOOLEAN);
    assert_true(n->boolean);
    cql2_free(n);
    n = parse_ok("NOT false");
    assert_int_equal(n->op, CQL2_NOT);
    assert_int_equal(n->args[0]->op, CQL2_BOOLEAN);
    assert_false(n->args[0]->boolean);
    cql2_free(n);
    n = parse_ok("(FALSE) OR a = 1");
    assert_int_equal(n->args[0]->op, CQL2_BOOLEAN);
    cql2_free(n);
    n = parse_ok("true  = synthetic");
    assert_int_equal(n->op, CQL2_EQ);
    assert_int_equal(n->args[0]->op, CQL2_BOOLEAN);
    cql2_free(n);
}

static void test_spatial(void **state)
{
    struct cql2_node *n =
        parse_ok("S_INTERSECTS(geometry, POLYGON((109 36, 110 36, 110 37, 109 36))) OR "
                 "S_DWITHIN(geometry, POINT(109.5 36.6), 5000, meters) OR "
                 "s_within(geometry, BBOX(109, 36, 110, 37))");

    (void)state;
    assert_int_equal(n->args[0]->op, CQL2_S_INTERSECTS);
    assert_int_equal(n->args[0]->args[1]->op, CQL2_GEOMETRY);
    assert_true(n->args[0]->args[1]->wkb_size > 0);
    assert_true(n->args[0]->args[1]->bbox[2] == 110.0);
    assert_int_equal(n->args[1]->op, CQL2_S_DWITHIN);
    assert_int_equal(n->args[1]->n_args, 3);
    assert_int_equal(n->args[2]->op, CQL2_S_WITHIN);
    assert_true(n->args[2]->args[1]->bbox[3] == 37.0);
    cql2_free(n);
    /* Six numbers: the heights are dropped. */
    n = parse_ok("S_INTERSECTS(geometry, BBOX(109, 36, -10, 110, 37, 500))");
    assert_true(n->args[1]->bbox[0] == 109.0 && n->args[1]->bbox[1] == 36.0);
    assert_true(n->args[1]->bbox[2] == 110.0 && n->args[1]->bbox[3] == 37.0);
    cql2_free(n);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", GIS_ERR_INVALID_ARG, "empty");
    expect_error("name = 'x", GIS_ERR_INVALID_ARG, "unterminated");
    expect_error("name = ", GIS_ERR_INVALID_ARG, "at character 8");
    expect_error("name", GIS_ERR_INVALID_ARG, "expected a comparison");
    expect_error("a = 1 b", GIS_ERR_INVALID_ARG, "unexpected text");
    expect_error("(a = 1", GIS_ERR_INVALID_ARG, "expected ')'");
    expect_error("a = 1; DROP TABLE divisions", GIS_ERR_INVALID_ARG, "unexpected");
    expect_error("S_INTERSECTS(geometry, POINT(1 2)", GIS_ERR_INVALID_ARG, "')'");
    expect_error("S_INTERSECTS(geometry, POLYGON((1 2, 3)))", GIS_ERR_INVALID_ARG, "WKT");
    expect_error("S_DWITHIN(geometry, POINT(1 2), 5, feet)", GIS_ERR_INVALID_ARG, "meters");
    expect_error("a BETWEEN 1 OR 2", GIS_ERR_INVALID_ARG, "AND in BETWEEN");
    expect_error("S_INTERSECTS(geometry, BBOX(1, 2, 3, 4, 5))", GIS_ERR_INVALID_ARG, "four or six");
    expect_error("S_INTERSECTS(geometry, BBOX(1, 2, 3))", GIS_ERR_INVALID_ARG, "four or six");
    expect_error("S_INTERSECTS(geometry, BBOX(1, 2, 3, 4, 5, 6, 7))", GIS_ERR_INVALID_ARG, "')'");
}

static void test_literals_are_what_they_claim(void **state)
{
    struct cql2_budget b = {&CQL2_DEFAULT_LIMITS, 0};
    struct cql2_node *n = NULL;
    struct gis_error err = {0};

    (void)state;
    expect_error("S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))", GIS_ERR_INVALID_ARG,
                 "at least 4 positions, not 2");
    expect_error("S_INTERSECTS(geometry, POLYGON((109 36,110 36,110 37)))", GIS_ERR_INVALID_ARG,
                 "at least 4 positions, not 3");
    expect_error("S_INTERSECTS(geometry, POLYGON((109 36,110 36,110 37,109 37)))",
                 GIS_ERR_INVALID_ARG, "not closed (it starts at 109 36 and ends at 109 37)");
    expect_error("S_INTERSECTS(geometry, POLYGON((0 0,9 0,9 9,0 0),(1 1,2 1,1 2)))",
                 GIS_ERR_INVALID_ARG, "at least 4 positions, not 3");
    expect_error("S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(1 1)))",
                 GIS_ERR_INVALID_ARG, "a line needs at least 2 positions");
    parse_ok_free("S_INTERSECTS(geometry, POLYGON((0 0,9 0,9 9,0 0),(1 1,2 1,1 2,1 1)))");
    expect_error("d = DATE('2021-13-45')", GIS_ERR_INVALID_ARG, "month 13 is not 1..12");
    expect_error("d = DATE('2021-02-29')", GIS_ERR_INVALID_ARG, "day 29 is not in 2021-02");
    expect_error("d = DATE('1900-02-29')", GIS_ERR_INVALID_ARG, "day 29");
    expect_error("d = DATE('2021-04-31')", GIS_ERR_INVALID_ARG, "day 31");
    expect_error("d = DATE('2021-4-30')", GIS_ERR_INVALID_ARG, "YYYY-MM-DD");
    expect_error("d = DATE('2021-04-30T00:00:00Z')", GIS_ERR_INVALID_ARG, "YYYY-MM-DD");
    expect_error("d = TIMESTAMP('2021-04-30')", GIS_ERR_INVALID_ARG, "RFC 3339");
    expect_error("d = TIMESTAMP('2021-04-30T12:60:00Z')", GIS_ERR_INVALID_ARG, "minute 60");
    expect_error("d = TIMESTAMP('2021-04-30T12:00:00')", GIS_ERR_INVALID_ARG, "RFC 3339");
    expect_error("d = TIMESTAMP('2021-04-30T12:00:00+25:00')", GIS_ERR_INVALID_ARG, "RFC 3339");
    parse_ok_free("d = DATE('2000-02-29') OR d = TIMESTAMP('2016-12-31T23:59:60.5+08:00')");
    /* the builders other syntaxes use check the same */
    assert_int_equal(cql2_node_new(&b, CQL2_DATE, &n, &err), GIS_OK);
    assert_int_equal(cql2_node_set_temporal(n, "2021-13-45", false, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(cql2_node_set_geojson(
                         n, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]}", &err),
                     GIS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "at least 4 positions"));
    assert_int_equal(cql2_node_set_temporal(n, "2021-12-31", false, &err), GIS_OK);
    assert_string_equal(n->text, "2021-12-31");
    cql2_free(n);
}

static void test_limits(void **state)
{
    struct cql2_limits small = {200, 10, 4};
    struct cql2_node *n = NULL;
    struct gis_error err = {0};
    char deep[512], wide[8192];
    size_t i, used = 0;

    (void)state;
    memset(deep, '(', 100);
    memcpy(deep + 100, "a = 1", 5);
    memset(deep + 105, ')', 100);
    deep[205] = '\0';
    assert_int_equal(cql2_parse_text(deep, NULL, &n, &err), GIS_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "deeper"));
    for (i = 0; i < 400 && used < sizeof wide - 32; i++)
        used += (size_t)snprintf(wide + used, sizeof wide - used, "%sa = %zu", i ? " OR " : "", i);
    assert_int_equal(cql2_parse_text(wide, &small, &n, &err), GIS_ERR_TOO_LARGE);
    assert_int_equal(cql2_parse_text(wide, NULL, &n, &err), GIS_ERR_TOO_LARGE); /* 1201 nodes */
    assert_non_null(strstr(err.msg, "nodes"));
    assert_null(n);
}

static void test_op_names(void **state)
{
    enum cql2_op op;

    (void)state;
    assert_true(cql2_op_from_name("s_intersects", &op) && op == CQL2_S_INTERSECTS);
    assert_true(cql2_op_from_name("isNull", &op) && op == CQL2_ISNULL);
    assert_false(cql2_op_from_name("drop", &op));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_predicates),
        cmocka_unit_test(test_boolean_predicates),
        cmocka_unit_test(test_spatial),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_op_names),
        cmocka_unit_test(test_literals_are_what_they_claim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
