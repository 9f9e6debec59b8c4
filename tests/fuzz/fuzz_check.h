/* The harnesses' invariant check: active in every build type (assert() vanishes under
 * NDEBUG, and the replay tests run in release builds too). */
#ifndef CIVGIS_FUZZ_CHECK_H
#define CIVGIS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
