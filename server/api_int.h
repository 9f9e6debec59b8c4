/*
 * Shared inside server/ only: the request and response every handler sees, the route
 * handlers, and the one mapping from our status codes to HTTP.
 */
#ifndef CIVGIS_API_INT_H
#define CIVGIS_API_INT_H

#include <stdint.h>

#include "gbuf.h"
#include "status.h"
#include "store.h"

/* Largest response body built in memory; streaming responses are not bound by it. */
#define API_MAX_BODY    (64u * 1024u * 1024u)
#define API_MAX_HEADERS 8

struct api_request {
    const char *method;
    const char *path;
    struct store *st; /* this worker's read-only store */
    void *conn;       /* struct MHD_Connection, for query lookups in http.c */
    uint64_t id;
};

struct api_header {
    const char *name;
    char value[160];
};

struct api_response {
    unsigned status;
    const char *content_type;
    struct gbuf body;
    struct api_header headers[API_MAX_HEADERS];
    unsigned n_headers;
};

typedef void (*api_handler_fn)(const struct api_request *req, struct api_response *res);

/* The HTTP status for a gis_status: 400 invalid, 404 not found, 409 conflict, 413 too
 * large, 503 timeout (busy database), 500 otherwise. */
unsigned api_status_to_http(enum gis_status code);

/* Replaces the response with a JSON error {"code", "description"}. */
void api_error(struct api_response *res, unsigned http_status, const char *code, const char *msg);

/* api_error from a gis_error, status chosen by api_status_to_http. */
void api_fail(struct api_response *res, const struct gis_error *err);

/* Adds a response header (name static, value copied and truncated to fit). */
void api_header_add(struct api_response *res, const char *name, const char *value);

/* A query parameter of the request, or NULL. Borrowed for the request's lifetime. */
const char *api_query(const struct api_request *req, const char *name);

/* The base URL of this server as the client addressed it ("http://host:port"). */
void api_base_url(const struct api_request *req, char *buf, size_t size);

void api_health(const struct api_request *req, struct api_response *res);
void api_landing(const struct api_request *req, struct api_response *res);
void api_collections(const struct api_request *req, struct api_response *res);

#endif
