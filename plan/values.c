/*
 * Input checks the plan/ modules share (see values_int.h).
 */
#include "values_int.h"

#include <math.h>
#include <stdint.h>

size_t plan__first_bad(const double *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        if (!(v[i] >= 0) || !isfinite(v[i]))
            return i;
    return n;
}

int plan__cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}
