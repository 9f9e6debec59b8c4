/* Unit tests of gis/layer.h's views: the public view of every layer names no sensitive
 * assistance count, the full view appends exactly those (in the order coverage_data.c
 * knows them as weights), and a layer without any is not split by view; and of the
 * vocabularies: the closed ones are exactly what the write path accepts, every term
 * labelled in both languages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <string.h>

#include "coverage_data.h"
#include "facility.h"
#include "layer.h"

static const char *const SENSITIVE[] = {"poor_households", "poor_people", "assisted_households"};

static void assert_public(const struct layer_def *l)
{
    size_t i;

    assert_false(l->shows_sensitive);
    for (i = 0; i < l->n_props; i++) {
        assert_false(l->props[i].is_sensitive);
        assert_false(demand_weight_is_sensitive(l->props[i].name));
    }
    for (i = 0; i < 3; i++)
        assert_int_equal(layer_prop_find(l, SENSITIVE[i]), -1);
}

static void test_every_public_view_is_clean(void **state)
{
    struct layer_scratch scratch;
    size_t i;

    (void)state;
    for (i = 0; i < layer_count(); i++) {
        assert_public(layer_at(i));
        assert_public(layer_resolve(NULL, layer_at(i)->id, &scratch));
    }
    assert_public(layer_resolve_for(NULL, "coverage-canteen", LAYER_VIEW_PUBLIC, &scratch));
}

/* The full view: the public properties unchanged and in order, then the counts. */
static void assert_full(const struct layer_def *pub, const struct layer_def *full, size_t tail)
{
    size_t i, n = pub->n_props - tail;

    assert_true(full->shows_sensitive);
    assert_int_equal(full->n_props, pub->n_props + 3);
    for (i = 0; i < n; i++)
        assert_string_equal(full->props[i].name, pub->props[i].name);
    for (i = 0; i < 3; i++) {
        const struct layer_prop *p = &full->props[n + i];
        assert_string_equal(p->name, SENSITIVE[i]);
        assert_true(p->is_sensitive);
        assert_true(demand_weight_is_sensitive(p->name));
        assert_int_equal(p->type, PROP_INT);
    }
    for (i = 0; i < tail; i++)
        assert_string_equal(full->props[n + 3 + i].name, pub->props[n + i].name);
}

static void test_full_view_adds_the_counts(void **state)
{
    struct layer_scratch s_pub, s_full;
    const struct layer_def *pub, *full;

    (void)state;
    pub = layer_find("demand");
    full = layer_resolve_for(NULL, "demand", LAYER_VIEW_FULL, &s_full);
    assert_ptr_not_equal(pub, full);
    assert_full(pub, full, 0);
    assert_int_equal(layer_prop_find(full, "poor_people"), (int)pub->n_props + 1);
    /* A coverage layer: the demand properties, the counts, then its own four. */
    pub = layer_resolve_for(NULL, "coverage-canteen", LAYER_VIEW_PUBLIC, &s_pub);
    full = layer_resolve_for(NULL, "coverage-canteen", LAYER_VIEW_FULL, &s_full);
    assert_string_equal(full->id, "coverage-canteen");
    assert_full(pub, full, 4);
    assert_string_equal(full->props[full->n_props - 1].name, "n_within");
}

static void test_layers_without_counts_are_one_view(void **state)
{
    struct layer_scratch scratch;
    size_t i;

    (void)state;
    for (i = 0; i < layer_count(); i++) {
        const struct layer_def *l = layer_at(i);
        if (l->n_sensitive)
            continue;
        assert_ptr_equal(layer_resolve_for(NULL, l->id, LAYER_VIEW_FULL, &scratch), l);
    }
}

/* A closed vocabulary lists exactly the write path's list, in its order. */
static void assert_terms_are(const char *table, const char *prop, const char *const *list)
{
    size_t n = 0, i;
    bool is_closed = false;
    const struct layer_term *t = layer_prop_terms(table, prop, &n, &is_closed);

    assert_non_null(t);
    assert_true(is_closed);
    for (i = 0; list[i]; i++) {
        assert_true(i < n);
        assert_string_equal(t[i].code, list[i]);
    }
    assert_int_equal(i, n);
}

static void test_vocabularies(void **state)
{
    static const char *const levels[] = {"1", "2", "3", "4", "5", NULL};
    static const char *const props[][2] = {
        {"facilities", "kind"}, {"facilities", "status"},          {"divisions", "level"},
        {"divisions", "kind"},  {"divisions", "urban_rural_code"}, {"places", "category"}};
    size_t n, i, k;
    bool is_closed = true;

    (void)state;
    assert_terms_are("facilities", "kind", FACILITY_KINDS);
    assert_terms_are("facilities", "status", FACILITY_STATUSES);
    assert_terms_are("divisions", "level", levels);
    assert_non_null(layer_prop_terms("places", "category", &n, &is_closed));
    assert_false(is_closed);
    for (i = 0; i < sizeof props / sizeof *props; i++) {
        const struct layer_term *t = layer_prop_terms(props[i][0], props[i][1], &n, NULL);
        assert_non_null(t);
        for (k = 0; k < n; k++)
            assert_true(t[k].title[0] && t[k].title_zh[0]);
    }
    assert_null(layer_prop_terms("facilities", "name", &n, NULL));
    assert_null(layer_prop_terms("demand", "kind", &n, NULL));
    assert_null(layer_prop_terms(NULL, "kind", &n, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_public_view_is_clean),
        cmocka_unit_test(test_full_view_adds_the_counts),
        cmocka_unit_test(test_layers_without_counts_are_one_view),
        cmocka_unit_test(test_vocabularies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
