/* libFuzzer harness: gbuf_json_escape on any bytes. Invariants: the output is valid
 * UTF-8 with no raw control characters, quotes or lone backslashes. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct gbuf b;
    size_t i;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    gbuf_init(&b, 8 * size + 16);
    if (gbuf_json_escape(&b, text) == GIS_OK && b.data) {
        FUZZ_CHECK(utf8_is_valid(b.data));
        for (i = 0; i < b.len; i++) {
            FUZZ_CHECK((unsigned char)b.data[i] >= 0x20);
            if (b.data[i] == '\\') {
                FUZZ_CHECK(strchr("\"\\nrtu", b.data[i + 1]));
                i++;
            } else {
                FUZZ_CHECK(b.data[i] != '"');
            }
        }
    }
    gbuf_free(&b);
    free(text);
    return 0;
}
