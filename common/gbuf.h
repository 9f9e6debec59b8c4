/*
 * struct gbuf: a growable byte buffer with a hard cap fixed at creation
 * (STYLE.md section 4). Appending past max_bytes fails with GIS_ERR_TOO_LARGE and
 * leaves the buffer as it was, so a response or request can never grow without bound.
 * The contents are always NUL-terminated (the NUL is not counted in len).
 *
 * Errors are sticky: after a failed append every later append fails with the same
 * status and changes nothing, so a renderer may append a run of pieces and check
 * gbuf_status (or the last return) once at the end.
 */
#ifndef CIVGIS_GBUF_H
#define CIVGIS_GBUF_H

#include <stddef.h>

#include "status.h"

struct gbuf {
    char *data;
    size_t len;
    size_t cap;
    size_t max_bytes;
    enum gis_status status; /* the first failure, sticky until gbuf_reset */
};

/* Initialises an empty buffer that may hold at most max_bytes bytes. Allocates lazily. */
void gbuf_init(struct gbuf *b, size_t max_bytes);

/* Frees the storage and leaves an empty buffer with the same cap. NULL is a no-op. */
void gbuf_free(struct gbuf *b);

/* Empties the buffer, keeping its storage, and clears a sticky error. */
void gbuf_reset(struct gbuf *b);

/* GIS_OK, or the first failure since the last reset. */
enum gis_status gbuf_status(const struct gbuf *b);

enum gis_status gbuf_append(struct gbuf *b, const void *bytes, size_t n);
enum gis_status gbuf_puts(struct gbuf *b, const char *s);
enum gis_status gbuf_printf(struct gbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writable space for n more bytes past the end, for a writer that then counts what it
 * wrote with gbuf_commit (a hot loop writing in place instead of appending piece by
 * piece). NULL when n bytes would pass the cap or memory is short: the buffer and its
 * status are unchanged, and the writer falls back to appending. */
char *gbuf_room(struct gbuf *b, size_t n);
/* Counts n bytes written at gbuf_room's pointer: n at most what was asked for. */
void gbuf_commit(struct gbuf *b, size_t n);

/* Appends s as the body of a JSON string (quotes not included), escaping what RFC 8259
 * requires. Invalid UTF-8 is replaced by U+FFFD so the output is always valid JSON. */
enum gis_status gbuf_json_escape(struct gbuf *b, const char *s);

/* Moves the storage out: returns the NUL-terminated data (caller frees) and empties b. */
char *gbuf_steal(struct gbuf *b);

/* gzip (RFC 1952) of len bytes at level 1..9 into out, which this initialises (free it
 * with gbuf_free). */
enum gis_status gbuf_gzip(const void *in, size_t len, int level, struct gbuf *out);

#endif
