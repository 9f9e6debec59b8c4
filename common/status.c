/*
 * Status names and gis_fail(). Owns nothing but the mapping from codes to names;
 * the HTTP mapping lives in server/ (api_status_to_http) and the exit codes in cli/.
 */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

enum gis_status gis_fail(struct gis_error *err, enum gis_status code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void gis_error_clear(struct gis_error *err)
{
    if (!err)
        return;
    err->code = GIS_OK;
    err->msg[0] = '\0';
}

const char *gis_status_name(enum gis_status code)
{
    switch (code) {
    case GIS_OK:
        return "ok";
    case GIS_ERR_NOMEM:
        return "out_of_memory";
    case GIS_ERR_INVALID_ARG:
        return "invalid_argument";
    case GIS_ERR_NOT_FOUND:
        return "not_found";
    case GIS_ERR_IO:
        return "io_error";
    case GIS_ERR_DB:
        return "database_error";
    case GIS_ERR_PROJ:
        return "crs_error";
    case GIS_ERR_GEOMETRY:
        return "geometry_error";
    case GIS_ERR_TOO_LARGE:
        return "too_large";
    case GIS_ERR_TIMEOUT:
        return "timeout";
    case GIS_ERR_CONFLICT:
        return "conflict";
    case GIS_ERR_FORBIDDEN:
        return "forbidden";
    case GIS_ERR_INTERNAL:
        return "internal_error";
    }
    return "unknown";
}
