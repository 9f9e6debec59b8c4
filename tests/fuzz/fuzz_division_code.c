/* libFuzzer harness: division_code_parse on any text. Invariants: no crash; a parsed
 * code is canonical, all digits, and parses again to itself with the same parent. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "division.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct division_code dc, again;
    struct gis_error err;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (division_code_parse(text, &dc, &err) == GIS_OK) {
        size_t n = strlen(dc.code);
        FUZZ_CHECK(n == 6 || n == 9 || n == 12);
        FUZZ_CHECK(strspn(dc.code, "0123456789") == n);
        FUZZ_CHECK(division_code_parse(dc.code, &again, NULL) == GIS_OK);
        FUZZ_CHECK(!strcmp(again.code, dc.code) && !strcmp(again.parent, dc.parent));
        FUZZ_CHECK(again.level == dc.level);
    } else {
        FUZZ_CHECK(err.msg[0] != '\0');
    }
    free(text);
    return 0;
}
