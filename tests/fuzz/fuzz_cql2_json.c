/* libFuzzer harness: cql2-json conversion on any text. Invariants: no crash or leak; a
 * failure says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_cql2json.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    if (api_cql2json_parse(text, &limits, &n, &err) != GIS_OK)
        FUZZ_CHECK(err.msg[0]);
    cql2_free(n);
    free(text);
    return 0;
}
