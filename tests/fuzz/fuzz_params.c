/* libFuzzer harness: the query-parameter and header parsers on any text; the first byte
 * picks the parser. Invariants: no crash; a parsed bbox is ordered; a parsed interval is
 * ordered; an Accept q is within 0..1; a reflected header list holds only lowercase
 * token characters and ", ". */
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

static void check_accept(const char *text)
{
    static const enum params_media media[] = {PARAMS_MEDIA_JSON, PARAMS_MEDIA_HTML,
                                              PARAMS_MEDIA_MVT};
    struct params_pref p;
    size_t i;

    for (i = 0; i < 3; i++) {
        params_accept(text, media[i], &p);
        FUZZ_CHECK(p.q >= 0.0 && p.q <= 1.0 && p.specificity >= 0 && p.specificity <= 3);
    }
}

static void check_header_names(const char *text)
{
    char out[512];
    size_t i;

    if (params_header_names(text, out, sizeof out, NULL) != GIS_OK)
        return;
    for (i = 0; out[i]; i++)
        FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~, ", out[i]));
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
    switch (data[0] % 8) {
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
    case 4:
        params_crs_find(text);
        break;
    case 5:
        check_accept(text);
        break;
    case 6:
        params_origin(text, NULL);
        break;
    default:
        check_header_names(text);
    }
    free(text);
    return 0;
}
