/*
 * One logger for the whole program: one key=value line per event on stderr.
 * Libraries log only at DEBUG; server/ and cli/ decide what an error means.
 */
#ifndef CIVGIS_LOG_H
#define CIVGIS_LOG_H

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
 * (one fputs of a line-sized buffer per event). */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_ERROR(mod, ...) log_msg(LOG_LEVEL_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_msg(LOG_LEVEL_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_msg(LOG_LEVEL_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) log_msg(LOG_LEVEL_DEBUG, mod, __VA_ARGS__)

#endif
