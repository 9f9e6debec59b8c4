/*
 * Status codes and the caller-owned error record every fallible function fills
 * (STYLE.md section 3). No global error state: detail travels in struct gis_error.
 */
#ifndef CIVGIS_STATUS_H
#define CIVGIS_STATUS_H

enum gis_status {
    GIS_OK = 0,
    GIS_ERR_NOMEM,
    GIS_ERR_INVALID_ARG,
    GIS_ERR_NOT_FOUND,
    GIS_ERR_IO,
    GIS_ERR_DB,
    GIS_ERR_PROJ,
    GIS_ERR_GEOMETRY,
    GIS_ERR_TOO_LARGE,
    GIS_ERR_TIMEOUT,
    GIS_ERR_CONFLICT,
    GIS_ERR_FORBIDDEN, /* the caller's role does not allow it */
    GIS_ERR_INTERNAL,
};

#define GIS_ERROR_MSG_MAX 256

struct gis_error {
    enum gis_status code;
    char msg[GIS_ERROR_MSG_MAX];
};

/* Fills err (which may be NULL) with code and a printf-style message; returns code. */
enum gis_status gis_fail(struct gis_error *err, enum gis_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short stable name for a status ("invalid_argument"), for logs and JSON error codes. */
const char *gis_status_name(enum gis_status code);

/* Resets err to GIS_OK with an empty message; NULL is a no-op. */
void gis_error_clear(struct gis_error *err);

#endif
