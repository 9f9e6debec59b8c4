/* Unit tests of gis/cql2.h: the cql2-text grammar, literals, limits and errors; the
 * cql2-json reader (server/api_cql2json.h) against the text for every operator; the SQL
 * compiler (items_filter_sql) and its errors; folding (textfold.h); filter-crs. */
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

#include "api_cql2json.h"
#include "cql2.h"
#include "items.h"
#include "layer.h"
#include "textfold.h"

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

static void test_arithmetic(void **state)
{
    struct cql2_node *n = parse_ok("a + b * c ^ 2 > -d");

    (void)state;
    assert_int_equal(n->op, CQL2_GT);
    assert_int_equal(n->args[0]->op, CQL2_ADD);
    assert_int_equal(n->args[0]->args[1]->op, CQL2_MUL);
    assert_int_equal(n->args[0]->args[1]->args[1]->op, CQL2_POW);
    assert_int_equal(n->args[1]->op, CQL2_MUL); /* -d is -1 * d */
    assert_true(n->args[1]->args[0]->number == -1);
    cql2_free(n);
    n = parse_ok("(a + b) > 3 AND (a > 3) AND 1 - -2 = x AND a div 2 = 1 AND a % 2 = 0 AND "
                 "a / 2 - 1 = 0");
    assert_int_equal(n->op, CQL2_AND);
    assert_int_equal(n->n_args, 6);
    assert_int_equal(n->args[0]->args[0]->op, CQL2_ADD);
    assert_int_equal(n->args[1]->op, CQL2_GT);
    assert_int_equal(n->args[2]->args[0]->op, CQL2_SUB);
    assert_true(n->args[2]->args[0]->args[1]->number == -2);
    assert_int_equal(n->args[3]->args[0]->op, CQL2_IDIV);
    assert_int_equal(n->args[4]->args[0]->op, CQL2_MOD);
    assert_int_equal(n->args[5]->args[0]->op, CQL2_SUB); /* left-associative */
    assert_int_equal(n->args[5]->args[0]->args[0]->op, CQL2_DIV);
    cql2_free(n);
    n = parse_ok("population BETWEEN 4000/4 AND (3*(900+100))");
    assert_int_equal(n->args[1]->op, CQL2_DIV);
    assert_int_equal(n->args[2]->op, CQL2_MUL);
    cql2_free(n);
    expect_error("a + > 1", GIS_ERR_INVALID_ARG, "expected a property, a literal");
    expect_error("a + 1", GIS_ERR_INVALID_ARG, "expected a comparison");
    expect_error("(a + 1) AND b = 1", GIS_ERR_INVALID_ARG, "expected a comparison");
    expect_error("NOT a", GIS_ERR_INVALID_ARG, "expected a comparison");
    expect_error("a ^ 2 ^ 3 = 1", GIS_ERR_INVALID_ARG, "unexpected text");
}

static void test_calls_and_arrays(void **state)
{
    struct cql2_node *n = parse_ok("abs(x - 1) < 2 AND f() = 1 AND A_CONTAINS(aliases, ('a', 'b'))"
                                   " AND A_EQUALS(aliases, ()) AND A_OVERLAPS(('x', ('y')), c)");

    (void)state;
    assert_int_equal(n->args[0]->args[0]->op, CQL2_FUNCTION);
    assert_string_equal(n->args[0]->args[0]->text, "abs");
    assert_int_equal(n->args[0]->args[0]->n_args, 1);
    assert_int_equal(n->args[1]->args[0]->n_args, 0);
    assert_int_equal(n->args[2]->op, CQL2_A_CONTAINS);
    assert_int_equal(n->args[2]->args[1]->op, CQL2_LIST);
    assert_int_equal(n->args[2]->args[1]->n_args, 2);
    assert_int_equal(n->args[3]->args[1]->op, CQL2_LIST);
    assert_int_equal(n->args[3]->args[1]->n_args, 0);
    assert_int_equal(n->args[4]->args[0]->n_args, 2);
    cql2_free(n);
    n = parse_ok("ACCENTI(name) = accenti('é') AND name LIKE CASEI(ACCENTI('%a%'))");
    assert_int_equal(n->args[0]->args[0]->op, CQL2_ACCENTI);
    assert_int_equal(n->args[1]->args[1]->args[0]->op, CQL2_ACCENTI);
    cql2_free(n);
    expect_error("S_CROSSES(geometry) ", GIS_ERR_INVALID_ARG, "s_crosses takes 2 arguments, not 1");
    expect_error("CASEI(a, b) = 'x'", GIS_ERR_INVALID_ARG, "casei takes 1 argument, not 2");
    expect_error("A_CONTAINS(a, b, c)", GIS_ERR_INVALID_ARG, "a_contains takes 2 arguments");
    expect_error("f(a,", GIS_ERR_INVALID_ARG, "expected a property");
    expect_error("f(a b)", GIS_ERR_INVALID_ARG, "')' after the arguments");
    expect_error("a IN ()", GIS_ERR_INVALID_ARG, "expected a property");
    expect_error("(a, b", GIS_ERR_INVALID_ARG, "expected ')'");
}

static void test_temporal(void **state)
{
    struct cql2_node *n =
        parse_ok("T_DURING(INTERVAL(valid_from, valid_to), INTERVAL('2021-01-01',"
                 " '..')) OR T_AFTER(due_date, TIMESTAMP('2021-01-01T00:00:00Z'))");

    (void)state;
    assert_int_equal(n->args[0]->op, CQL2_T_DURING);
    assert_int_equal(n->args[0]->args[0]->op, CQL2_INTERVAL);
    assert_int_equal(n->args[0]->args[0]->args[1]->op, CQL2_PROPERTY);
    assert_int_equal(n->args[0]->args[1]->args[0]->op, CQL2_DATE);
    assert_int_equal(n->args[0]->args[1]->args[1]->op, CQL2_STRING);
    assert_string_equal(n->args[0]->args[1]->args[1]->text, "..");
    assert_int_equal(n->args[1]->args[1]->op, CQL2_DATE);
    cql2_free(n);
    expect_error("T_AFTER(a, INTERVAL('2021-12-31', '2021-01-01'))", GIS_ERR_INVALID_ARG,
                 "ends before it starts");
    expect_error("T_AFTER(a, INTERVAL('2021-01-01'))", GIS_ERR_INVALID_ARG, "a start and an end");
    expect_error("T_AFTER(a, INTERVAL('2021-01-01', '2021-13-01'))", GIS_ERR_INVALID_ARG,
                 "month 13");
    expect_error("T_AFTER(a, INTERVAL('2021-01-01', 5))", GIS_ERR_INVALID_ARG, "INTERVAL's ends");
    expect_error("T_AFTER(a, INTERVAL('yesterday', '..'))", GIS_ERR_INVALID_ARG, "RFC 3339");
}

/* Every operator: its text and its cql2-json make the same tree. */
static bool same_tree(const struct cql2_node *a, const struct cql2_node *b)
{
    size_t i;

    if (a->op != b->op || a->n_args != b->n_args || (!a->text) != (!b->text) ||
        (a->text && strcmp(a->text, b->text)) || a->number != b->number ||
        a->boolean != b->boolean || a->wkb_size != b->wkb_size ||
        (a->wkb_size && memcmp(a->wkb, b->wkb, a->wkb_size)))
        return false;
    for (i = 0; i < a->n_args; i++)
        if (!same_tree(a->args[i], b->args[i]))
            return false;
    return true;
}

static void json_agrees(const char *text, const char *json)
{
    struct cql2_node *a = parse_ok(text), *b = NULL;
    struct gis_error err = {0};

    if (api_cql2json_parse(json, NULL, &b, &err) != GIS_OK)
        fail_msg("'%s' did not convert: %s", json, err.msg);
    if (!same_tree(a, b))
        fail_msg("'%s' and '%s' differ", text, json);
    cql2_free(a);
    cql2_free(b);
}

static void test_text_and_json_agree(void **state)
{
    static const char *const pairs[][2] = {
        {"a = 1", "{\"op\":\"=\",\"args\":[{\"property\":\"a\"},1]}"},
        {"NOT (a <> 'x' OR b <= 2.5)",
         "{\"op\":\"not\",\"args\":[{\"op\":\"or\",\"args\":[{\"op\":\"<>\",\"args\":[{\"property"
         "\":\"a\"},\"x\"]},{\"op\":\"<=\",\"args\":[{\"property\":\"b\"},2.5]}]}]}"},
        {"a LIKE CASEI('x%') AND b BETWEEN 1 AND 2 AND c IN ('p', 'q') AND d IS NULL",
         "{\"op\":\"and\",\"args\":[{\"op\":\"like\",\"args\":[{\"property\":\"a\"},{\"op\":"
         "\"casei\",\"args\":[\"x%\"]}]},{\"op\":\"between\",\"args\":[{\"property\":\"b\"},1,2]},"
         "{\"op\":\"in\",\"args\":[{\"property\":\"c\"},[\"p\",\"q\"]]},{\"op\":\"isNull\","
         "\"args\":[{\"property\":\"d\"}]}]}"},
        {"ACCENTI(a) = ACCENTI('é')",
         "{\"op\":\"=\",\"args\":[{\"op\":\"accenti\",\"args\":[{\"property\":\"a\"}]},{\"op\":"
         "\"accenti\",\"args\":[\"é\"]}]}"},
        {"a + 1 - 2 * 3 / 4 % 5 div 6 ^ 7 > 0",
         "{\"op\":\">\",\"args\":[{\"op\":\"-\",\"args\":[{\"op\":\"+\",\"args\":[{\"property\":"
         "\"a\"},1]},{\"op\":\"div\",\"args\":[{\"op\":\"%\",\"args\":[{\"op\":\"/\",\"args\":[{"
         "\"op\":\"*\",\"args\":[2,3]},4]},5]},{\"op\":\"^\",\"args\":[6,7]}]}]},0]}"},
        {"abs(a) = 1",
         "{\"op\":\"=\",\"args\":[{\"op\":\"abs\",\"args\":[{\"property\":\"a\"}]},1]}"},
        {"A_CONTAINS(a, ('x', 1, TRUE, DATE('2021-01-01')))",
         "{\"op\":\"a_contains\",\"args\":[{\"property\":\"a\"},[\"x\",1,true,{\"date\":"
         "\"2021-01-01\"}]]}"},
        {"A_EQUALS(a, ())", "{\"op\":\"a_equals\",\"args\":[{\"property\":\"a\"},[]]}"},
        {"A_CONTAINEDBY(a, ('x'))",
         "{\"op\":\"a_containedBy\",\"args\":[{\"property\":\"a\"},\"x\"]}"},
        {"A_OVERLAPS(a, b)",
         "{\"op\":\"a_overlaps\",\"args\":[{\"property\":\"a\"},{\"property\":\"b\"}]}"},
        {"T_AFTER(t, TIMESTAMP('2021-01-01T00:00:00Z'))",
         "{\"op\":\"t_after\",\"args\":[{\"property\":\"t\"},{\"timestamp\":"
         "\"2021-01-01T00:00:00Z\"}]}"},
        {"S_DWITHIN(geometry, POINT(1 2), 5)",
         "{\"op\":\"s_dwithin\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Point\","
         "\"coordinates\":[1,2]},5]}"},
        {"S_INTERSECTS(BBOX(1, 2, 3, 4), geometry)",
         "{\"op\":\"s_intersects\",\"args\":[{\"bbox\":[1,2,3,4]},{\"property\":\"geometry\"}]}"},
        {"TRUE", "true"},
    };
    static const char *const spatial[] = {"S_INTERSECTS", "S_EQUALS",   "S_DISJOINT", "S_TOUCHES",
                                          "S_WITHIN",     "S_OVERLAPS", "S_CROSSES",  "S_CONTAINS"};
    static const char *const temporal[] = {
        "T_AFTER",  "T_BEFORE",       "T_CONTAINS", "T_DISJOINT",   "T_DURING",
        "T_EQUALS", "T_FINISHEDBY",   "T_FINISHES", "T_INTERSECTS", "T_MEETS",
        "T_METBY",  "T_OVERLAPPEDBY", "T_OVERLAPS", "T_STARTEDBY",  "T_STARTS"};
    char text[512], json[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof pairs / sizeof *pairs; i++)
        json_agrees(pairs[i][0], pairs[i][1]);
    for (i = 0; i < sizeof spatial / sizeof *spatial; i++) {
        snprintf(text, sizeof text, "%s(geometry, LINESTRING(1 2, 3 4))", spatial[i]);
        snprintf(json, sizeof json,
                 "{\"op\":\"%s\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"LineString\","
                 "\"coordinates\":[[1,2],[3,4]]}]}",
                 spatial[i]);
        json_agrees(text, json);
    }
    for (i = 0; i < sizeof temporal / sizeof *temporal; i++) {
        snprintf(text, sizeof text,
                 "%s(INTERVAL(valid_from, valid_to), INTERVAL('2021-01-01', '..'))", temporal[i]);
        snprintf(json, sizeof json,
                 "{\"op\":\"%s\",\"args\":[{\"interval\":[{\"property\":\"valid_from\"},{"
                 "\"property\":\"valid_to\"}]},{\"interval\":[\"2021-01-01\",\"..\"]}]}",
                 temporal[i]);
        json_agrees(text, json);
    }
}

static void test_json_errors(void **state)
{
    static const char *const bad[][2] = {
        {"{\"op\":\"t_after\",\"args\":[{\"property\":\"t\"},{\"interval\":[\"2021-01-01\"]}]}",
         "a start and an end"},
        {"{\"op\":\"t_after\",\"args\":[{\"property\":\"t\"},{\"interval\":[\"2021-12-31\","
         "\"2021-01-01\"]}]}",
         "ends before it starts"},
        {"{\"op\":\"t_after\",\"args\":[{\"property\":\"t\"},{\"interval\":[\"2021-02-30\","
         "\"..\"]}]}",
         "day 30"},
        {"{\"op\":\"t_after\",\"args\":[{\"property\":\"t\"},{\"interval\":[1, 2]}]}",
         "INTERVAL's ends"},
        {"{\"op\":\"\",\"args\":[]}", "must name an operator or a function"},
        {"{\"op\":\"abs\"}", "needs an args array"},
        {"{\"date\":\"2021-13-01\"}", "month 13"},
        {"{\"nothing\":1}", "an object must be"},
    };
    struct cql2_node *n = NULL;
    struct gis_error err = {0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(api_cql2json_parse(bad[i][0], NULL, &n, &err), GIS_ERR_INVALID_ARG);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i][0], err.msg, bad[i][1]);
        cql2_free(n);
        n = NULL;
    }
}

/* The SQL a filter compiles to for layer, or the failure's message. */
static enum gis_status compile_text(const char *layer,
                                    const char *text,
                                    char *sql,
                                    size_t size,
                                    size_t *n_binds,
                                    struct gis_error *err)
{
    struct cql2_node *n = parse_ok(text);
    enum gis_status rc = items_filter_sql(layer_find(layer), n, sql, size, n_binds, err);

    cql2_free(n);
    return rc;
}

static void compiles_to(const char *layer, const char *text, const char *part, size_t binds)
{
    char sql[8192];
    size_t n = 0;
    struct gis_error err = {0};

    if (compile_text(layer, text, sql, sizeof sql, &n, &err) != GIS_OK)
        fail_msg("'%s' did not compile: %s", text, err.msg);
    if (!strstr(sql, part))
        fail_msg("'%s' compiled to '%s', which lacks '%s'", text, sql, part);
    if (n != binds)
        fail_msg("'%s' bound %zu values, not %zu", text, n, binds);
}

static void compile_fails(const char *layer, const char *text, const char *part)
{
    char sql[8192];
    struct gis_error err = {0};

    assert_int_equal(compile_text(layer, text, sql, sizeof sql, NULL, &err), GIS_ERR_INVALID_ARG);
    if (!strstr(err.msg, part))
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, part);
}

static void test_compile(void **state)
{
    (void)state;
    compiles_to("villages", "population + 1 > 2", "((population + ?) > ?)", 2);
    compiles_to("villages", "population / 2 > 1", "CAST(population AS REAL) / ?", 2);
    compiles_to("villages", "population div 2 > 1", "AS INTEGER)", 2);
    compiles_to("villages", "population % 2 = 1", "mod(population, ?)", 2);
    compiles_to("villages", "population ^ 2 > 1", "pow(population, ?)", 2);
    compiles_to("villages", "abs(population) > 1", "abs(population)", 1);
    compiles_to("villages", "year(valid_from) = 2021", "strftime('%Y', valid_from)", 1);
    compiles_to("villages", "CASEI(name) = CASEI('A')", "civgis_casei(name)", 1);
    compiles_to("villages", "ACCENTI(pinyin) LIKE 'a%'", "civgis_accenti(", 1);
    compiles_to("villages", "T_AFTER(valid_from, DATE('2021-01-01'))",
                "(julianday(valid_from)) > (julianday(?))", 1);
    compiles_to("villages",
                "T_DURING(INTERVAL(valid_from, valid_to), INTERVAL('2021-01-01', '..'))",
                "COALESCE(julianday(valid_to), (1e18)) < (1e18)", 1);
    compiles_to("villages", "T_DISJOINT(valid_from, DATE('2021-01-01'))", " OR ", 2);
    compiles_to("places", "A_CONTAINS(aliases, ('a', 'b'))", "NOT EXISTS", 2);
    compiles_to("places", "A_OVERLAPS(aliases, ())", "WHERE 0", 0);
    compiles_to("places", "A_EQUALS(aliases, 'a')", " AND NOT EXISTS", 2);
    compiles_to("townships", "S_TOUCHES(geometry, POINT(109 36))", "ST_Touches(geom, GeomFromWKB(",
                5);
    compiles_to("townships", "S_EQUALS(POINT(109 36), POINT(109 36))", "ST_Equals(", 2);
    compiles_to("townships", "S_CROSSES(geometry, geometry)", "ST_Crosses(geom, geom)", 0);
    compiles_to("villages", "name = 'x'' OR 1=1 --'", "(name = ?)", 1);
    compiles_to("villages", "(population > 1) IS NULL", "IS NULL", 1);
    compile_fails("villages", "nope = 1", "'nope' is not a queryable of villages");
    compile_fails("villages", "name + 1 > 2", "'+' takes a number as argument 1, not a string");
    compile_fails("villages", "population = 'x'", "cannot compare a number with a string");
    compile_fails("villages", "geometry = POINT(1 1)", "cannot compare a geometry");
    compile_fails("villages", "nosuch(population) > 1", "unknown operator or function 'nosuch'");
    compile_fails("villages", "abs(population, 1) > 1", "abs takes 1 argument, not 2");
    compile_fails("villages", "abs(name) > 1", "abs() takes a number as argument 1");
    compile_fails("villages", "abs(population)", "a filter must be a predicate, not abs()");
    compile_fails("villages", "T_DURING(valid_from, INTERVAL('2021-01-01', '..'))",
                  "compares two intervals");
    compile_fails("villages", "T_AFTER(name, DATE('2021-01-01'))", "'name' is not a date");
    compile_fails("villages", "T_AFTER(1, DATE('2021-01-01'))", "temporal functions take");
    compile_fails("places", "A_CONTAINS(name, ('a'))", "'name' is a string, not an array");
    compile_fails("places", "A_CONTAINS(aliases, (POINT(1 1), 'a'))", "array elements");
    compile_fails("places", "A_CONTAINS(aliases, POINT(1 1))", "take arrays");
    compile_fails("villages", "S_INTERSECTS(geometry, POINT(90 180))", "latitude 180");
    compile_fails("villages", "S_INTERSECTS(geometry, POINT(190 10))", "longitude 190");
    compile_fails("villages", "S_CROSSES(geometry, population)", "spatial function s_crosses");
    compile_fails("villages", "S_DWITHIN(geometry, POINT(1 1), -1)", "distance >= 0");
    compile_fails("villages", "name LIKE population", "LIKE takes a string pattern");
    compile_fails("villages", "population LIKE 'x'", "LIKE applies to strings");
    compile_fails("villages", "CASEI(population) = 'x'", "CASEI takes a string");
    compile_fails("villages", "ACCENTI(population) = 'x'", "ACCENTI takes a string");
    compile_fails("villages", "name = ('a', 'b')", "an array can only be used");
    compile_fails("villages", "name = INTERVAL('2021-01-01', '..')", "an interval can only");
    compile_fails("villages", "population IN (1, 'x')", "cannot compare a number with a string");
}

static void test_fold(void **state)
{
    static const char *const cases[][3] = {
        {"Bǎotǎ Qū", "2", "Baota Qu"}, {"ÉCOLE", "1", "école"},
        {"Straße", "1", "strasse"},    {"Ÿ", "3", "y"},
        {"はじめ", "2", "はじめ"},     {"", "3", ""},
    };
    struct gis_error err = {0};
    char *out = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(textfold_apply(cases[i][0], (unsigned)(cases[i][1][0] - '0'), &out, &err),
                         GIS_OK);
        assert_string_equal(out, cases[i][2]);
        free(out);
    }
    assert_int_equal(textfold_apply("\xff\xfe", TEXTFOLD_CASE, &out, &err), GIS_ERR_INVALID_ARG);
}

static void test_filter_crs(void **state)
{
    struct cql2_node *n = parse_ok("S_INTERSECTS(geometry, POINT(36.6 109.49))");
    struct gis_error err = {0};

    (void)state;
    assert_int_equal(cql2_tree_to_crs84(n, "EPSG:4326", true, &err), GIS_OK);
    assert_true(fabs(n->args[1]->bbox[0] - 109.49) < 1e-9);
    assert_true(fabs(n->args[1]->bbox[1] - 36.6) < 1e-9);
    cql2_free(n);
    n = parse_ok("S_INTERSECTS(geometry, POINT(12188371.047 4383497.641))");
    assert_int_equal(cql2_tree_to_crs84(n, "EPSG:3857", false, &err), GIS_OK);
    assert_true(fabs(n->args[1]->bbox[0] - 109.49) < 1e-4);
    assert_true(fabs(n->args[1]->bbox[1] - 36.6) < 1e-4);
    cql2_free(n);
    n = parse_ok("TRUE");
    assert_int_equal(cql2_tree_to_crs84(n, "EPSG:999999", false, &err), GIS_ERR_PROJ);
    cql2_free(n);
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
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_calls_and_arrays),
        cmocka_unit_test(test_temporal),
        cmocka_unit_test(test_text_and_json_agree),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_compile),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_filter_crs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
