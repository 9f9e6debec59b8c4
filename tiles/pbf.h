/*
 * A minimal protocol-buffers writer for MVT: varints, zigzag, tags and length-delimited
 * fields, appended to a bounded buffer (sticky errors, see gbuf.h).
 */
#ifndef CIVGIS_PBF_H
#define CIVGIS_PBF_H

#include <stddef.h>
#include <stdint.h>

#include "gbuf.h"

enum pbf_wire {
    PBF_VARINT = 0,
    PBF_FIXED64 = 1,
    PBF_BYTES = 2,
    PBF_FIXED32 = 5,
};

void pbf_varint(struct gbuf *b, uint64_t v);
/* v as a varint at p, which has room for 10 bytes; returns the end (for writers that
 * asked a buffer for room once, as mvt.c's geometry). */
static inline unsigned char *pbf_put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}
static inline uint32_t pbf_zigzag32(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}
static inline uint64_t pbf_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
/* How many bytes pbf_varint writes for v. */
static inline size_t pbf_varint_size(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
void pbf_tag(struct gbuf *b, uint32_t field, enum pbf_wire wire);
/* field = bytes (tag, length, data). */
void pbf_bytes(struct gbuf *b, uint32_t field, const void *data, size_t n);
void pbf_double(struct gbuf *b, uint32_t field, double v);

#endif
