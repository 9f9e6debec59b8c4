/*
 * Protocol-buffers encoding (little-endian fixed64, base-128 varints).
 */
#include "pbf.h"

#include <string.h>

void pbf_varint(struct gbuf *b, uint64_t v)
{
    unsigned char buf[10];
    size_t n = 0;

    do {
        buf[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            buf[n] |= 0x80;
        n++;
    } while (v);
    gbuf_append(b, buf, n);
}

void pbf_tag(struct gbuf *b, uint32_t field, enum pbf_wire wire)
{
    pbf_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

void pbf_bytes(struct gbuf *b, uint32_t field, const void *data, size_t n)
{
    pbf_tag(b, field, PBF_BYTES);
    pbf_varint(b, n);
    gbuf_append(b, data, n);
}

void pbf_double(struct gbuf *b, uint32_t field, double v)
{
    unsigned char buf[8];

    memcpy(buf, &v, 8); /* little-endian hosts, as Debian's amd64/arm64 */
    pbf_tag(b, field, PBF_FIXED64);
    gbuf_append(b, buf, 8);
}
