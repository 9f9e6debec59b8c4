/* libFuzzer harness: cql2_parse_text on any text, within small limits, and the SQL
 * compiler on what parses. Invariants: no crash or leak; success and failure are
 * exclusive; a failure says why; values are bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cql2.h"
#include "fuzz_check.h"
#include "items.h"
#include "layer.h"

/* Compiles a parsed tree for each kind of layer (divisions with dates, the gazetteer with
 * an array, facilities): success or a message, and every value the SQL needs is a bound
 * '?' (user text never becomes SQL). */
static inline void fuzz_cql2_compile(const struct cql2_node *n)
{
    static const char *const layers[] = {"villages", "places", "facilities"};
    static char sql[256 * 1024];
    size_t i, k, binds, marks;

    for (i = 0; i < sizeof layers / sizeof *layers; i++) {
        struct gis_error err = {0};
        binds = 0;
        if (items_filter_sql(layer_find(layers[i]), n, sql, sizeof sql, &binds, &err) != GIS_OK) {
            FUZZ_CHECK(err.msg[0]);
            continue;
        }
        for (k = 0, marks = 0; sql[k]; k++)
            marks += sql[k] == '?';
        FUZZ_CHECK(marks == binds);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const struct cql2_node *n)
{
    size_t i, c = 1;

    for (i = 0; i < n->n_args; i++)
        c += count(n->args[i]);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct cql2_limits limits = {4096, 200, 16};
    struct cql2_node *n = NULL;
    struct gis_error err = {0};
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (cql2_parse_text(text, &limits, &n, &err) == GIS_OK) {
        FUZZ_CHECK(n != NULL);
        FUZZ_CHECK(count(n) <= limits.max_nodes);
        fuzz_cql2_compile(n);
    } else {
        FUZZ_CHECK(n == NULL && err.msg[0]);
    }
    cql2_free(n);
    free(text);
    return 0;
}
