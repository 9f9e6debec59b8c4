/* The harnesses' invariant check: active in every build type (assert() vanishes under
 * NDEBUG, and the replay tests run in release builds too). */
#ifndef CIVGIS_FUZZ_CHECK_H
#define CIVGIS_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* For harnesses whose first byte picks what to try: the rest of the input as a
 * NUL-terminated string (malloc'd; NULL when the input is empty or memory is short). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = size ? malloc(size) : NULL;

    if (text) {
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
    }
    return text;
}

#endif
