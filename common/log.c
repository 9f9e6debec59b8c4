/*
 * The logger. The level is set once at start-up (before threads), so reading it
 * without a lock is safe; each event is formatted into one buffer and written with
 * one call so lines from different threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level max_level = LOG_LEVEL_INFO;

void log_level_set(enum log_level level)
{
    max_level = level;
}

enum log_level log_level_get(void)
{
    return max_level;
}

static const char *level_name(enum log_level level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    return (unsigned)level < 4 ? names[level] : "info";
}

/* The escape for control byte c ("\n", "\x1b"), at most 4 characters + NUL. */
static void control_escape(unsigned char c, char out[5])
{
    static const char hex[] = "0123456789abcdef";

    out[0] = '\\';
    out[2] = '\0';
    if (c == '\n' || c == '\r' || c == '\t') {
        out[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        return;
    }
    out[1] = 'x';
    out[2] = hex[c >> 4];
    out[3] = hex[c & 15];
    out[4] = '\0';
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* Appends src to dst (at *n of size) with control bytes escaped and, when is_quoted,
 * '"' and '\\' too. Stops before an escape that would not fit whole; false then. */
static bool
escape_into(char *dst, size_t size, size_t *n, const char *src, size_t len, bool is_quoted)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        char esc[5] = {(char)c, '\0'};
        size_t k;
        if (is_control(c))
            control_escape(c, esc);
        else if (is_quoted && (c == '"' || c == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        }
        k = strlen(esc);
        if (*n + k >= size)
            return false;
        memcpy(dst + *n, esc, k);
        *n += k;
    }
    dst[*n] = '\0';
    return true;
}

char *log_quote(char *out, size_t size, const char *s, size_t len)
{
    size_t n = 0;

    if (size == 0)
        return out;
    out[0] = '\0';
    if (s && !escape_into(out, size, &n, s, len, true) && size > 4) {
        /* A cut value ends in "...", never in a lone backslash that would escape the
         * closing quote. */
        if (n + 4 > size)
            n = size - 4;
        memcpy(out + n, "...", 4);
    }
    return out;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    char line[1024], text[1024];
    struct timespec now;
    struct tm tm;
    va_list ap;
    size_t n;
    int k;

    if (level > max_level)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    k = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s module=%s ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 now.tv_nsec / 1000000L, level_name(level), module ? module : "-");
    n = k < 0 || (size_t)k >= sizeof line ? 0 : (size_t)k;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* Whatever a caller put in a value, the event stays one line. */
    escape_into(line, sizeof line, &n, text, strlen(text), false);
    fprintf(stderr, "%s\n", line);
}
