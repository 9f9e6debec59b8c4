/*
 * The browser application's files (api_web.c). Inside server/ only.
 */
#ifndef CIVGIS_API_WEB_H
#define CIVGIS_API_WEB_H

#include <stdbool.h>

#include "status.h"

/* The folder to serve the application from: given (civgis serve --web DIR; it must hold
 * index.html), else the first of EXE_DIR/web and EXE_DIR/../share/civgis/web that does.
 * out: its absolute path (free it), or NULL when no folder was given and none is found:
 * then / answers the landing page as before and /app/ 404. */
enum gis_status api_web_dir_find(const char *given, char **out, struct gis_error *err);

/* A name /app/ may serve: one segment of letters, digits, '.', '-', '_', starting with a
 * letter or digit, without "..", with an extension api_web_type knows. */
bool api_web_name_ok(const char *name);

/* The Content-Type for name's extension, or NULL for one not served. */
const char *api_web_type(const char *name);

#endif
