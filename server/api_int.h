/*
 * Shared inside server/ only: the request and response every handler sees, streaming
 * bodies, the per-request worker context, the handlers, and the one mapping from our
 * status codes to HTTP.
 */
#ifndef CIVGIS_API_INT_H
#define CIVGIS_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "crs.h"
#include "gbuf.h"
#include "jobs.h"
#include "params.h"
#include "policy.h"
#include "status.h"
#include "store.h"

/* Largest response body built in memory; streamed responses are not bound by it. */
#define API_MAX_BODY        (64u * 1024u * 1024u)
#define API_MAX_HEADERS     10
#define API_MAX_PATH_PARAMS 5
#define API_PATH_PARAM_MAX  256 /* bytes of one captured segment, NUL included */

/* What a request borrows for its lifetime: a read-only store and cached CRS
 * transformations. A streamed response keeps it until the body is sent. */
struct api_ctx;
struct jobs;
struct editor;

struct tileset_sources;
struct coverage_layers;

struct api_request {
    const char *method;
    const char *path;
    const char *path_params[API_MAX_PATH_PARAMS];            /* the {} segments of the route */
    char path_segs[API_MAX_PATH_PARAMS][API_PATH_PARAM_MAX]; /* where path_params point */
    struct api_ctx *ctx;
    void *conn; /* struct MHD_Connection, for lookups in http.c */
    uint64_t id;
    bool accepts_gzip;
    const char *body; /* POST, PUT or PATCH body (NUL-terminated), or NULL */
    size_t body_len;
    struct policy_caller caller;      /* who asks; anonymous until tokens exist (policy.h) */
    struct jobs *jobs;                /* the jobs (jobs.h) */
    struct tilecache *tiles;          /* the tile cache, or NULL */
    struct tileset_sources *sources;  /* the layers prepared for tiles (tileset.h) */
    struct coverage_layers *coverage; /* the coverage layers' values (coverage_layers.h) */
    struct editor *editor;            /* the one writer (app/editor.h), NULL: read-only */
    struct auth_identity who;         /* who the request acts as (api_authenticate) */
    struct throttle *throttle;        /* bad tokens per client address (throttle.h) */
    const char *web_dir;              /* the browser application's folder (api_web.h), or NULL */
};

struct api_header {
    const char *name;
    char value[512];
};

/* A body produced piece by piece: produce appends the next piece to out (which may
 * already hold earlier ones; any size, tens of KB is right) and sets *done after the
 * last one. free releases ctx. A body that ends within the first MiB is produced at
 * once and sent from memory; only a longer one streams, keeping the request's context
 * until it is sent. */
typedef enum gis_status (*api_produce_fn)(void *ctx, struct gbuf *out, bool *done);

/* Bodies shorter than this are sent uncompressed (gzip would not pay). */
#define API_GZIP_MIN_BYTES 256

struct api_response {
    unsigned status;
    const char *content_type;
    struct gbuf body;
    bool is_body_gzip; /* body is gzip already (a cached tile): sent as it is */
    struct api_header headers[API_MAX_HEADERS];
    unsigned n_headers;
    api_produce_fn produce; /* set: the body is streamed from it instead of body */
    void *produce_ctx;
    void (*produce_free)(void *ctx);
    /* Set by a handler whose answer is the outcome of this job: http.c suspends the
     * connection (its thread serves others meanwhile) and, once the job has ended,
     * builds the response with api_job_answer. */
    char wait_job[JOB_ID_LEN + 1];
};

/* The store and CRS transformations of the request's worker context. */
struct store *api_store(const struct api_request *req);
/* A transformation from CRS84 to crs (NULL crs or CRS84: NULL, meaning none). Owned by
 * the context; valid for the request. */
enum gis_status api_transform_to(const struct api_request *req,
                                 const struct params_crs *crs,
                                 struct crs_transform **out,
                                 struct gis_error *err);

unsigned api_status_to_http(enum gis_status code);

/* Replaces the response with a JSON error {"code", "description"}. */
void api_error(struct api_response *res, unsigned http_status, const char *code, const char *msg);
/* api_error from a gis_error, status chosen by api_status_to_http. */
void api_fail(struct api_response *res, const struct gis_error *err);

/* Adds a response header (name static, value copied and truncated to fit). */
void api_header_add(struct api_response *res, const char *name, const char *value);

/* A query parameter (URL-decoded), or NULL. Borrowed for the request's lifetime. */
const char *api_query(const struct api_request *req, const char *name);
/* A request header, or NULL. */
const char *api_header(const struct api_request *req, const char *name);
/* Calls fn for each query parameter; stops at the first non-OK. */
typedef enum gis_status (*api_query_fn)(void *ctx,
                                        const char *key,
                                        const char *value,
                                        struct gis_error *err);
enum gis_status
api_query_each(const struct api_request *req, api_query_fn fn, void *ctx, struct gis_error *err);

/* The client's address as text ("127.0.0.1"); "" when unknown. */
void api_client_address(const struct api_request *req, char *buf, size_t size);

/* The base URL of this server as the client addressed it ("http://host:port"). */
void api_base_url(const struct api_request *req, char *buf, size_t size);

/* Sets a strong ETag from basis, the content coding and the base URL (links in bodies
 * carry it) and answers true when the request's If-None-Match matches it: the caller
 * then returns with a 304 already set. basis must name everything else the bytes depend
 * on (the data version of what is shown, the query, the format). */
bool api_etag(const struct api_request *req, struct api_response *res, const char *basis);
/* For documents cheap to render (landing page, /conformance, /api, queryables): after
 * the body is set, an ETag from its bytes, and a 304 (body dropped) when it matches.
 * Nothing on a response that is not a 200. */
void api_etag_body(const struct api_request *req, struct api_response *res);

/* Sets req->who from the Authorization header (none: anonymous) and answers true; a
 * header that names nobody gets a 401 in res and false. */
bool api_authenticate(struct api_request *req, struct api_response *res);
/* Replaces the response with a 401 JSON error and the Bearer challenge (api_auth.c adds
 * Basic for a request that sent Basic credentials). */
void api_unauthorized(struct api_response *res, const char *msg);

/* Whether the caller may try method on the request's path (for OPTIONS and Allow): the
 * writes of editable collections need the role app/editor names, reverts an
 * administrator; everything else is open to all. */
bool api_write_may(const struct api_request *req, const char *method);

struct edit_problems;
struct cJSON;
/* The 422 body of a refused write: {"code": "rejected", "description": "WHAT: N
 * reasons", "errors": [{"property", "description", "location"}, ...]}, location (when
 * known) a GeoJSON Point where the problem lies, with the bbox of the area it concerns;
 * the caller owns it. */
struct cJSON *api_rejected_json(const struct edit_problems *p, const char *what);

/* The strong ETag of one feature: its tag (items_tag) for the GeoJSON in CRS84 without
 * other parameters, "TAG-VARIANT" for any other representation of the same state (another
 * format, CRS, property selection, compression). If-Match compares the TAG part, so any
 * representation's ETag of the current state matches. Sets the header; answers true (with
 * a 304 set) when If-None-Match lists it. */
bool api_feature_etag(const struct api_request *req,
                      struct api_response *res,
                      uint64_t tag,
                      const char *variant);

/* The text of api_feature_etag's tag (quotes included) for tag and variant. */
void api_feature_etag_text(uint64_t tag, const char *variant, bool is_gzip, char *out, size_t size);

/* If-Match, parsed for app/editor: "*" or our strong tags (weak ones never match). */
struct editor_precondition;
void api_if_match_parse(const char *h, struct editor_precondition *pre);

/* The representation asked for: f= wins over Accept, whose q-values decide otherwise. */
enum api_format {
    API_JSON,
    API_HTML,
};
enum gis_status
api_format(const struct api_request *req, enum api_format *out, struct gis_error *err);

/* Sends a complete body (copied) with a content type. */
void api_body(struct api_response *res, const char *content_type, const char *text, size_t len);

/* A handler: reads req, fills res (status 200 and an empty body to begin with). */
typedef void (*api_handler_fn)(const struct api_request *req, struct api_response *res);

/* Methods of a route (API_GET also answers HEAD). */
enum {
    API_GET = 1,
    API_POST = 2,
    API_DELETE = 4,
    API_PUT = 8,
    API_PATCH = 16,
};

/* One row of the route table (http.c): an operation and its OpenAPI fragment. */
struct api_route {
    const char *pattern; /* an OpenAPI path template: "/collections/{collectionId}" */
    unsigned methods;    /* one API_* bit */
    api_handler_fn handler;
    const char *operation_id, *summary;
    const char *media_type;  /* of a 200 response */
    const char *params;      /* space-separated names of components/parameters */
    const char *body_type;   /* the request body's media type; NULL: the route takes none */
    enum auth_role min_role; /* below it: 401 (anonymous) or 403, before the handler runs */
    unsigned produces;       /* what it can answer with, for Accept (http.c's P_* bits) */
    /* Changes state or answers per caller: CORS only for --cors-origin origins, and a
     * state-changing request from another origin is refused. */
    bool is_guarded;
    const char *body_schema; /* the body's schema in /api's components/schemas; NULL: any object */
};

/* Row i of the route table, in routing order; NULL past the end. */
const struct api_route *api_route_at(size_t i);

/* handlers */
void api_health(const struct api_request *req, struct api_response *res);
void api_landing(const struct api_request *req, struct api_response *res);
void api_root(const struct api_request *req, struct api_response *res);
void api_web_file(const struct api_request *req, struct api_response *res);
void api_web_glyphs(const struct api_request *req, struct api_response *res);
void api_conformance(const struct api_request *req, struct api_response *res);
void api_functions(const struct api_request *req, struct api_response *res);
void api_openapi(const struct api_request *req, struct api_response *res);
void api_collections(const struct api_request *req, struct api_response *res);
void api_collection(const struct api_request *req, struct api_response *res);
void api_queryables(const struct api_request *req, struct api_response *res);
void api_schema(const struct api_request *req, struct api_response *res);
void api_items(const struct api_request *req, struct api_response *res);
void api_item(const struct api_request *req, struct api_response *res);
void api_collection_tile(const struct api_request *req, struct api_response *res);
void api_xyz_tile(const struct api_request *req, struct api_response *res);
void api_tilesets(const struct api_request *req, struct api_response *res);
void api_tileset(const struct api_request *req, struct api_response *res);
void api_collection_tilesets(const struct api_request *req, struct api_response *res);
void api_collection_tileset(const struct api_request *req, struct api_response *res);
void api_dataset_tileset(const struct api_request *req, struct api_response *res);
void api_dataset_tile(const struct api_request *req, struct api_response *res);
void api_tile_matrix_sets(const struct api_request *req, struct api_response *res);
void api_tile_matrix_set(const struct api_request *req, struct api_response *res);
void api_processes(const struct api_request *req, struct api_response *res);
void api_process(const struct api_request *req, struct api_response *res);
void api_execute(const struct api_request *req, struct api_response *res);
/* POST /processes/{transfer-area,rename-division,recode-division,validate-divisions}/execution */
void api_division_execute(const struct api_request *req, struct api_response *res);
void api_jobs(const struct api_request *req, struct api_response *res);
void api_job(const struct api_request *req, struct api_response *res);
void api_job_dismiss(const struct api_request *req, struct api_response *res);
void api_job_results(const struct api_request *req, struct api_response *res);
void api_item_create(const struct api_request *req, struct api_response *res);
void api_item_write(const struct api_request *req, struct api_response *res);
void api_item_history(const struct api_request *req, struct api_response *res);
void api_name_record(const struct api_request *req, struct api_response *res);
void api_name_update(const struct api_request *req, struct api_response *res);
void api_name_variant(const struct api_request *req, struct api_response *res);
void api_name_variant_add(const struct api_request *req, struct api_response *res);
void api_name_variant_update(const struct api_request *req, struct api_response *res);
/* The JSON Schemas of the name record's request bodies, for /api's components. */
struct cJSON;
void api_names_schemas(struct cJSON *schemas);
void api_audit_revert(const struct api_request *req, struct api_response *res);
/* The response of a request that waited for job id (see wait_job): the job's result,
 * or its error as the run reported it. Takes the job out of the table. */
void api_job_answer(const struct api_request *req, struct api_response *res, const char *id);

#endif
