/*
 * UTF-8 validation following RFC 3629's table of well-formed byte sequences.
 */
#include "utf8.h"

/* For each lead byte 0xC2..0xF4: sequence length and the allowed range of the second
 * byte (RFC 3629 section 4), which is where overlongs and surrogates are excluded. */
struct lead {
    unsigned char len, lo, hi;
};

static struct lead lead_of(unsigned char c)
{
    struct lead l = {0, 0x80, 0xBF};

    if (c >= 0xC2 && c <= 0xDF)
        l.len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        l.len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        l.len = 4;
    if (c == 0xE0)
        l.lo = 0xA0;
    else if (c == 0xED)
        l.hi = 0x9F;
    else if (c == 0xF0)
        l.lo = 0x90;
    else if (c == 0xF4)
        l.hi = 0x8F;
    return l;
}

size_t utf8_char_len(const unsigned char *s)
{
    struct lead l;
    size_t i;

    if (s[0] < 0x80)
        return 1;
    l = lead_of(s[0]);
    if (!l.len || s[1] < l.lo || s[1] > l.hi)
        return 0;
    for (i = 2; i < l.len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return l.len;
}

bool utf8_is_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        size_t n = utf8_char_len(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}
