/*
 * Protocol-buffers encoding (little-endian fixed64, base-128 varints).
 */
#include "pbf.h"

#include <string.h>

void pbf_varint(struct gbuf *b, uint64_t v)
{
    unsigned char buf[10], *p = (unsigned char *)gbuf_room(b, sizeof buf);

    if (p) /* else appended, which keeps why there was no room in b's status */
        gbuf_commit(b, (size_t)(pbf_put_varint(p, v) - p));
    else
        gbuf_append(b, buf, (size_t)(pbf_put_varint(buf, v) - buf));
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
