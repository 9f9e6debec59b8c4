/*
 * Input checks the plan/ modules share.
 */
#ifndef CIVGIS_VALUES_INT_H
#define CIVGIS_VALUES_INT_H

#include <stddef.h>

/* Index of the first value that is negative or not finite, or n (also for v NULL). */
size_t plan__first_bad(const double *v, size_t n);

/* qsort order of uint32_t values. */
int plan__cmp_u32(const void *a, const void *b);

#endif
