/*
 * The logger. The level is set once at start-up (before threads), so reading it
 * without a lock is safe; each event is formatted into one buffer and written with
 * one call so lines from different threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
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

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    char line[1024];
    struct timespec now;
    struct tm tm;
    va_list ap;
    int n;

    if (level > max_level)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s module=%s ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 now.tv_nsec / 1000000L, level_name(level), module ? module : "-");
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
