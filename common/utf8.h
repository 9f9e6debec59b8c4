/*
 * UTF-8 checks for text that comes from outside (files, requests). Pure functions.
 */
#ifndef CIVGIS_UTF8_H
#define CIVGIS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length in bytes (1-4) of the well-formed UTF-8 sequence starting at s, or 0 when the
 * bytes there are not well-formed (overlong forms, surrogates and > U+10FFFF included).
 * s must be NUL-terminated. */
size_t utf8_char_len(const unsigned char *s);

/* True when the whole NUL-terminated string is well-formed UTF-8. */
bool utf8_is_valid(const char *s);

#endif
