/* libFuzzer harness: the query-parameter parsers on any text; the first byte picks the
 * parser. Invariants: no crash; a parsed bbox is ordered; a parsed interval is ordered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum gis_status count_name(void *ctx, const char *name, bool is_desc, struct gis_error *err)
{
    (void)is_desc;
    (void)err;
    FUZZ_CHECK(name[0] != '\0');
    (*(int *)ctx)++;
    return GIS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, a[PARAMS_TIME_MAX], b[PARAMS_TIME_MAX];
    double box[4];
    int64_t v;
    int n = 0;

    text = fuzz_text(data, size);
    if (!text)
        return 0;
    switch (data[0] % 5) {
    case 0:
        if (params_bbox(text, box, NULL) == GIS_OK)
            FUZZ_CHECK(box[0] <= box[2] && box[1] <= box[3]);
        break;
    case 1:
        if (params_datetime(text, a, b, NULL) == GIS_OK)
            FUZZ_CHECK(!a[0] || !b[0] || strcmp(a, b) <= 0);
        break;
    case 2:
        if (params_limit(text, 10000, &v, NULL) == GIS_OK)
            FUZZ_CHECK(v >= 1 && v <= 10000);
        break;
    case 3:
        params_names("sortby", text, true, count_name, &n, NULL);
        break;
    default:
        params_crs_find(text);
    }
    free(text);
    return 0;
}
