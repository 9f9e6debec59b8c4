/*
 * Small non-cryptographic hashes for hash tables and change detection: FNV-1a over
 * bytes and strings, and a 64-bit finaliser (MurmurHash3's fmix64) to spread a word.
 * Header-only: they are a few instructions and sit on hot paths.
 */
#ifndef CIVGIS_HASH_H
#define CIVGIS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_FNV_OFFSET 1469598103934665603ULL

/* FNV-1a of n bytes at p, continuing from h (HASH_FNV_OFFSET to start). */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}

/* FNV-1a of a NUL-terminated string. */
static inline uint64_t hash_str(const char *s)
{
    uint64_t h = HASH_FNV_OFFSET;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* Every bit of h spread over the result. */
static inline uint64_t hash_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/* A hash of n bytes at p from seed h, eight bytes a step: for hash tables whose keys
 * run long (FNV-1a takes a multiply per byte). Unkeyed, as FNV-1a: not for tables
 * that anonymous input fills. */
static inline uint64_t hash_words(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t w;

    h ^= (uint64_t)n * 0x9e3779b97f4a7c15ULL;
    for (; n >= 8; n -= 8, c += 8) {
        memcpy(&w, c, 8);
        h = (h ^ hash_mix64(w)) * 0x9e3779b97f4a7c15ULL;
    }
    w = 0;
    memcpy(&w, c, n);
    return hash_mix64(h ^ w);
}

#endif
