/*
 * Decimal formatting for hot paths (a cached tile's key, its Server-Timing), where
 * snprintf's format parsing costs more than the digits. Header-only.
 */
#ifndef CIVGIS_FMTNUM_H
#define CIVGIS_FMTNUM_H

#include <stddef.h>
#include <stdint.h>

/* The digits of v at p (no NUL); returns the end. At most 20 bytes. */
static inline char *fmtnum_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* v with a '-' when negative; at most 20 bytes. */
static inline char *fmtnum_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return fmtnum_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return fmtnum_u64(p, (uint64_t)v);
}

/* v rounded to three decimals, as "%.3f" prints it for 0 <= v < 1e15 (the halfway
 * cases aside); anything else (negative, huge, not a number) as 0.000. At most 20 bytes. */
static inline char *fmtnum_milli(char *p, double v)
{
    uint64_t m = v >= 0 && v < 1e15 ? (uint64_t)(v * 1000 + 0.5) : 0;

    p = fmtnum_u64(p, m / 1000);
    *p++ = '.';
    *p++ = (char)('0' + m / 100 % 10);
    *p++ = (char)('0' + m / 10 % 10);
    *p++ = (char)('0' + m % 10);
    return p;
}

#endif
