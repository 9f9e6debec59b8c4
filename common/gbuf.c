/*
 * Bounded growable buffer. Owns its storage; never writes past max_bytes.
 */
#include "gbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "utf8.h"

void gbuf_init(struct gbuf *b, size_t max_bytes)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_bytes = max_bytes;
    b->status = GIS_OK;
}

void gbuf_free(struct gbuf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

enum gis_status gbuf_status(const struct gbuf *b)
{
    return b->status;
}

void gbuf_reset(struct gbuf *b)
{
    b->status = GIS_OK;
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for extra more bytes (and the NUL); the buffer is unchanged on failure. */
static enum gis_status grow(struct gbuf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->status != GIS_OK)
        return b->status;
    if (extra > b->max_bytes || b->len > b->max_bytes - extra)
        return GIS_ERR_TOO_LARGE;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return GIS_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (!p)
        return GIS_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return GIS_OK;
}

static enum gis_status reserve(struct gbuf *b, size_t extra)
{
    enum gis_status rc = grow(b, extra);

    if (rc != GIS_OK)
        b->status = rc;
    return rc;
}

char *gbuf_room(struct gbuf *b, size_t n)
{
    return grow(b, n) == GIS_OK ? b->data + b->len : NULL;
}

void gbuf_commit(struct gbuf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

enum gis_status gbuf_append(struct gbuf *b, const void *bytes, size_t n)
{
    enum gis_status rc = reserve(b, n);

    if (rc != GIS_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
    return GIS_OK;
}

enum gis_status gbuf_puts(struct gbuf *b, const char *s)
{
    return gbuf_append(b, s, strlen(s));
}

enum gis_status gbuf_printf(struct gbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum gis_status rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return b->status = GIS_ERR_INTERNAL;
    rc = reserve(b, (size_t)n);
    if (rc != GIS_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return GIS_OK;
}

enum gis_status gbuf_json_escape(struct gbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    enum gis_status rc = GIS_OK;

    while (*p && rc == GIS_OK) {
        size_t run = 0;
        /* Copy runs of plain, valid characters in one append. */
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' && p[run] < 0x80)
            run++;
        if (run) {
            rc = gbuf_append(b, p, run);
            p += run;
            continue;
        }
        if (*p >= 0x80) {
            size_t n = utf8_char_len(p);
            rc = n ? gbuf_append(b, p, n) : gbuf_puts(b, "\xEF\xBF\xBD");
            p += n ? n : 1;
            continue;
        }
        switch (*p) {
        case '"':
            rc = gbuf_puts(b, "\\\"");
            break;
        case '\\':
            rc = gbuf_puts(b, "\\\\");
            break;
        case '\n':
            rc = gbuf_puts(b, "\\n");
            break;
        case '\r':
            rc = gbuf_puts(b, "\\r");
            break;
        case '\t':
            rc = gbuf_puts(b, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            rc = gbuf_append(b, esc, sizeof esc);
        }
        }
        p++;
    }
    return rc;
}

char *gbuf_steal(struct gbuf *b)
{
    char *d = b->data;

    if (!d) {
        d = calloc(1, 1);
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return d;
}

enum gis_status gbuf_gzip(const void *in, size_t len, int level, struct gbuf *out)
{
    z_stream z;
    size_t bound;
    int zr;

    memset(&z, 0, sizeof z);
    gbuf_init(out, 1);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return GIS_ERR_NOMEM;
    bound = deflateBound(&z, (uLong)len);
    gbuf_init(out, bound + 1);
    out->data = malloc(bound + 1);
    if (!out->data) {
        deflateEnd(&z);
        return GIS_ERR_NOMEM;
    }
    out->cap = bound + 1;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->data;
    z.avail_out = (uInt)bound;
    zr = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        gbuf_free(out);
        return GIS_ERR_INTERNAL;
    }
    return GIS_OK;
}
