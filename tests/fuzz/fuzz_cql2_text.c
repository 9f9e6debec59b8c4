/* libFuzzer harness: cql2_parse_text on any text, within small limits. Invariants: no
 * crash or leak; success and failure are exclusive; a failure says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cql2.h"
#include "fuzz_check.h"

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
    } else {
        FUZZ_CHECK(n == NULL && err.msg[0]);
    }
    cql2_free(n);
    free(text);
    return 0;
}
