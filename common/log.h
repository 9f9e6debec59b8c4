/*
 * One logger for the whole program: one key=value line per event on stderr.
 * Libraries log only at DEBUG; server/ and cli/ decide what an error means.
 */
#ifndef CIVGIS_LOG_H
#define CIVGIS_LOG_H

#include <stddef.h>

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
};

/* Sets the most verbose level that is printed (default INFO). Call before threads start. */
void log_level_set(enum log_level level);
enum log_level log_level_get(void);

/* Writes "ts=... level=... module=... " + the formatted text as one line. Thread-safe
 * (one fputs of a line-sized buffer per event). Control bytes in the formatted text are
 * written as \n, \r, \t or \xNN, so no value can start a line of its own. */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies len bytes of s into out (size bytes, always NUL-terminated) as the inside of
 * a double-quoted value: '"' and '\\' get a backslash and control bytes become \xNN, so
 * client text can end neither its quotes nor its line. Truncated values end in "...".
 * Returns out, for use as a printf argument. */
char *log_quote(char *out, size_t size, const char *s, size_t len);

#define LOG_ERROR(mod, ...) log_msg(LOG_LEVEL_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_msg(LOG_LEVEL_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_msg(LOG_LEVEL_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) log_msg(LOG_LEVEL_DEBUG, mod, __VA_ARGS__)

#endif
