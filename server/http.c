/*
 * libmicrohttpd glue: the daemon, the pool of worker contexts (read-only store + CRS
 * cache), the route table, CORS, ETag/304, gzip (zlib), streamed bodies and the access
 * log. Knows nothing of the data: handlers in api_*.c do the work.
 *
 * The pool never blocks: a streamed response keeps its context until the body is sent,
 * so a thread may serve a new request while another of its connections is still
 * streaming. When every context is out the pool opens another, up to a cap; past the
 * cap the request gets 503.
 *
 * A request whose answer is a job's outcome (a synchronous process execution) does not
 * hold its thread: its connection is suspended while the job runs and resumed by the
 * job's end (see defer_to_job).
 */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api_int.h"
#include "api_search.h"
#include "coverage_layer.h"
#include "editor.h"
#include "jobs.h"
#include "log.h"
#include "tilecache.h"
#include "tileset.h"

#define CTX_MAX_CRS  8
#define STREAM_CHUNK (64u * 1024u)

struct api_ctx {
    struct store *st;
    const struct params_crs *crs[CTX_MAX_CRS];
    struct crs_transform *xf[CTX_MAX_CRS];
    struct api_ctx *next;     /* in the free list */
    struct api_ctx *all_next; /* every context, for server_stop */
};

struct server {
    struct MHD_Daemon *daemon;
    struct jobs *jobs;
    struct tilecache *tiles;
    struct tile_sources *sources;
    struct editor *editor; /* the one writer; NULL when the file cannot be written */
    char *db_path;
    pthread_mutex_t lock;
    pthread_cond_t drained; /* n_waiting fell (CLOCK_MONOTONIC) */
    unsigned n_waiting;     /* connections waiting for a job or for their answer to it */
    struct api_ctx *free_list;
    struct api_ctx *all; /* every context opened, free or in use */
    unsigned n_ctx, max_ctx;
    atomic_uint_fast64_t next_id;
    uint16_t port;
};

/* The route table. Each row is one operation: its path (an OpenAPI path template; a
 * {name} matches one segment, or the part of it before a literal suffix such as
 * ".mvt"), its method, its handler, and the OpenAPI fragment /api publishes for it
 * (api_openapi.c), so the definition is generated from what is routed. Patterns are
 * tried in order: a literal path comes before a template that would also match it. */
#define ROUTE_ITEMS_PARAMS                                                                         \
    "collectionId f bbox bbox-crs crs limit offset datetime filter filter-lang filter-crs "        \
    "properties sortby q skipGeometry"
#define ROUTE_TILE_PARAMS "tileMatrixSetId tileMatrix tileRow tileCol"
#define ROUTE_JSON        "application/json"
#define ROUTE_MVT         "application/vnd.mapbox-vector-tile"

static const struct api_route ROUTES[] = {
    {"/", API_GET, api_landing, "getLandingPage", "Landing page", ROUTE_JSON, "f", NULL,
     AUTH_ANONYMOUS},
    {"/conformance", API_GET, api_conformance, "getConformance", "Conformance classes", ROUTE_JSON,
     "f", NULL, AUTH_ANONYMOUS},
    {"/api", API_GET, api_openapi, "getApi", "This API definition",
     "application/vnd.oai.openapi+json;version=3.0", "", NULL, AUTH_ANONYMOUS},
    {"/health", API_GET, api_health, "getHealth", "Service health", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS},
    {"/search", API_GET, api_search, "searchNames",
     "The gazetteer: places and divisions by Hanzi, pinyin, initials, former names or codes",
     "application/geo+json", "searchQ searchLimit level category within bbox f", NULL,
     AUTH_ANONYMOUS},
    {"/collections", API_GET, api_collections, "getCollections", "The collections", ROUTE_JSON, "f",
     NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}", API_GET, api_collection, "describeCollection", "One collection",
     ROUTE_JSON, "collectionId f", NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/queryables", API_GET, api_queryables, "getQueryables",
     "Properties usable in filters", "application/schema+json", "collectionId", NULL,
     AUTH_ANONYMOUS},
    {"/collections/{collectionId}/schema", API_GET, api_schema, "getSchema",
     "The schema of the features (ROUTE_JSON Schema)", "application/schema+json", "collectionId",
     NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/items", API_GET, api_items, "getFeatures", "Features",
     "application/geo+json", ROUTE_ITEMS_PARAMS, NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/items", API_POST, api_item_create, "createFeature",
     "Add a feature (Part 4; planner for facilities, officer for divisions and places)",
     "application/geo+json", "collectionId", "application/geo+json", AUTH_PLANNER},
    {"/collections/{collectionId}/items/{featureId}", API_GET, api_item, "getFeature",
     "One feature", "application/geo+json", "collectionId featureId f crs", NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/items/{featureId}", API_PUT, api_item_write, "replaceFeature",
     "Replace a feature (Part 4; If-Match optional)", "application/geo+json",
     "collectionId featureId", "application/geo+json", AUTH_PLANNER},
    {"/collections/{collectionId}/items/{featureId}", API_PATCH, api_item_write, "updateFeature",
     "Update a feature with a JSON merge patch (Part 4)", "application/geo+json",
     "collectionId featureId", "application/merge-patch+json", AUTH_PLANNER},
    {"/collections/{collectionId}/items/{featureId}", API_DELETE, api_item_write, "deleteFeature",
     "Delete a feature (Part 4)", ROUTE_JSON, "collectionId featureId", NULL, AUTH_PLANNER},
    {"/collections/{collectionId}/items/{featureId}/history", API_GET, api_item_history,
     "getFeatureHistory", "Every version and audited change of a feature", ROUTE_JSON,
     "collectionId featureId", NULL, AUTH_ANONYMOUS},
    {"/audit/{auditId}/revert", API_POST, api_audit_revert, "revertChange",
     "Undo one audited change as a new change (admin)", ROUTE_JSON, "auditId", ROUTE_JSON,
     AUTH_ADMIN},
    {"/collections/{collectionId}/tiles", API_GET, api_collection_tilesets,
     "getCollectionVectorTilesets", "The collection's vector tilesets", ROUTE_JSON, "collectionId",
     NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/tiles/{tileMatrixSetId}", API_GET, api_collection_tileset,
     "getCollectionVectorTileset", "A vector tileset of the collection", ROUTE_JSON,
     "collectionId tileMatrixSetId", NULL, AUTH_ANONYMOUS},
    {"/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
     API_GET, api_collection_tile, "getCollectionVectorTile", "A vector tile of the collection",
     ROUTE_MVT, "collectionId " ROUTE_TILE_PARAMS, NULL, AUTH_ANONYMOUS},
    {"/tiles", API_GET, api_tilesets, "getDatasetVectorTilesets",
     "Every tileset: the combined base map and one per collection", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS},
    {"/tiles/WebMercatorQuad", API_GET, api_dataset_tileset, "getDatasetVectorTileset",
     "The combined base map as an OGC tileset", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS},
    {"/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", API_GET, api_dataset_tile,
     "getDatasetVectorTile", "A vector tile of the combined base map", ROUTE_MVT,
     "tileMatrix tileRow tileCol", NULL, AUTH_ANONYMOUS},
    {"/tiles/{tilesetId}", API_GET, api_tileset, "getTileJSON",
     "A tileset as TileJSON 3.0 (also at /tiles/{tilesetId}.json)", ROUTE_JSON, "tilesetId", NULL,
     AUTH_ANONYMOUS},
    {"/tiles/{tilesetId}/{z}/{x}/{y}.mvt", API_GET, api_xyz_tile, "getXyzTile",
     "A vector tile by XYZ index", ROUTE_MVT, "tilesetId z x y", NULL, AUTH_ANONYMOUS},
    {"/tileMatrixSets", API_GET, api_tile_matrix_sets, "getTileMatrixSetsList",
     "The tile matrix sets", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS},
    {"/tileMatrixSets/{tileMatrixSetId}", API_GET, api_tile_matrix_set, "getTileMatrixSet",
     "A tile matrix set definition", ROUTE_JSON, "tileMatrixSetId", NULL, AUTH_ANONYMOUS},
    {"/processes", API_GET, api_processes, "getProcesses", "The processes", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS},
    {"/processes/{processId}", API_GET, api_process, "getProcessDescription", "One process",
     ROUTE_JSON, "processId", NULL, AUTH_ANONYMOUS},
    {"/processes/{processId}/execution", API_POST, api_execute, "execute",
     "Execute a process (Prefer: respond-async for a job)", ROUTE_JSON, "processId", ROUTE_JSON,
     AUTH_ANONYMOUS},
    {"/jobs", API_GET, api_jobs, "getJobs", "The jobs", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS},
    {"/jobs/{jobId}", API_GET, api_job, "getStatus", "A job's status", ROUTE_JSON, "jobId", NULL,
     AUTH_ANONYMOUS},
    {"/jobs/{jobId}", API_DELETE, api_job_dismiss, "dismiss", "Dismiss a job", ROUTE_JSON, "jobId",
     NULL, AUTH_ANONYMOUS},
    {"/jobs/{jobId}/results", API_GET, api_job_results, "getResult", "A job's results", ROUTE_JSON,
     "jobId", NULL, AUTH_ANONYMOUS},
};

const struct api_route *api_route_at(size_t i)
{
    return i < sizeof ROUTES / sizeof *ROUTES ? &ROUTES[i] : NULL;
}

/* What *con_cls points to for requests without a body. */
static int first_call_marker;

/* Request bodies (POST, PUT, PATCH) are collected here, up to MAX_BODY, per connection. */
#define MAX_BODY (1u << 20)
struct conn_state {
    struct gbuf body;
    /* While a request waits for a job (and until it is answered): the job's id, and
     * what the log line of the answer needs. */
    char wait_job[JOB_ID_LEN + 1];
    struct server *srv;
    struct MHD_Connection *conn;
    struct timespec t0;
    uint64_t req_id;
    bool is_waiting; /* counted in srv->n_waiting */
};

/* ---------------------------------------------------------------- contexts */

static void ctx_free(struct api_ctx *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < CTX_MAX_CRS; i++)
        crs_transform_free(c->xf[i]);
    store_close(c->st);
    free(c);
}

/* The context a worker thread used last, kept for its next request: the hot path takes
 * no lock. Keyed by server so two servers in one process never share one. */
static __thread struct {
    const struct server *srv;
    struct api_ctx *ctx;
} thread_ctx;

static struct api_ctx *ctx_take(struct server *srv, struct gis_error *err)
{
    struct api_ctx *c = NULL;
    bool may_open = false;

    if (thread_ctx.srv == srv && thread_ctx.ctx) {
        c = thread_ctx.ctx;
        thread_ctx.ctx = NULL;
        return c;
    }
    pthread_mutex_lock(&srv->lock);
    if (srv->free_list) {
        c = srv->free_list;
        srv->free_list = c->next;
    } else if (srv->n_ctx < srv->max_ctx) {
        srv->n_ctx++;
        may_open = true;
    }
    pthread_mutex_unlock(&srv->lock);
    if (c || !may_open) {
        if (!c)
            gis_fail(err, GIS_ERR_TIMEOUT, "the server is busy; try again");
        return c;
    }
    c = calloc(1, sizeof *c);
    if (!c || store_open(srv->db_path, STORE_READ_ONLY, &c->st, err) != GIS_OK) {
        free(c);
        pthread_mutex_lock(&srv->lock);
        srv->n_ctx--;
        pthread_mutex_unlock(&srv->lock);
        return NULL;
    }
    pthread_mutex_lock(&srv->lock);
    c->all_next = srv->all;
    srv->all = c;
    pthread_mutex_unlock(&srv->lock);
    return c;
}

static void ctx_to_pool(struct server *srv, struct api_ctx *c)
{
    pthread_mutex_lock(&srv->lock);
    c->next = srv->free_list;
    srv->free_list = c;
    pthread_mutex_unlock(&srv->lock);
}

/* Back to this thread's slot when it is free (a request's context), else to the pool
 * (a finished stream's, or the start-up ones). */
static void ctx_give(struct server *srv, struct api_ctx *c)
{
    if (thread_ctx.srv == srv && !thread_ctx.ctx) {
        thread_ctx.ctx = c;
        return;
    }
    ctx_to_pool(srv, c);
}

struct store *api_store(const struct api_request *req)
{
    return req->ctx->st;
}

enum gis_status api_transform_to(const struct api_request *req,
                                 const struct params_crs *crs,
                                 struct crs_transform **out,
                                 struct gis_error *err)
{
    struct api_ctx *c = req->ctx;
    size_t i;

    *out = NULL;
    if (!crs || crs == params_crs_at(0))
        return GIS_OK;
    for (i = 0; i < CTX_MAX_CRS && c->crs[i]; i++) {
        if (c->crs[i] == crs) {
            *out = c->xf[i];
            return GIS_OK;
        }
    }
    if (i == CTX_MAX_CRS)
        return gis_fail(err, GIS_ERR_INTERNAL, "too many CRSs in use");
    if (crs_transform_new("OGC:CRS84", crs->proj, &c->xf[i], err) != GIS_OK)
        return err ? err->code : GIS_ERR_PROJ;
    c->crs[i] = crs;
    *out = c->xf[i];
    return GIS_OK;
}

/* ---------------------------------------------------------------- request helpers */

const char *api_query(const struct api_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *api_header(const struct api_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void api_client_address(const struct api_request *req, char *buf, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    buf[0] = '\0';
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
}

struct each_ctx {
    api_query_fn fn;
    void *ctx;
    struct gis_error *err;
    enum gis_status rc;
};

static enum MHD_Result each_value(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct each_ctx *e = cls;

    (void)kind;
    e->rc = e->fn(e->ctx, k, v ? v : "", e->err);
    return e->rc == GIS_OK ? MHD_YES : MHD_NO;
}

enum gis_status
api_query_each(const struct api_request *req, api_query_fn fn, void *ctx, struct gis_error *err)
{
    struct each_ctx e = {fn, ctx, err, GIS_OK};

    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_value, &e);
    return e.rc;
}

/* host[:port] characters: letters, digits, '.', '-', ':' and IPv6 brackets. */
static bool is_host_text(const char *s)
{
    if (!s || !*s)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
           strlen(s);
}

void api_base_url(const struct api_request *req, char *buf, size_t size)
{
    const char *host = api_header(req, "Host");

    /* The Host header is client text: it reaches links only when it looks like one. */
    snprintf(buf, size, "http://%s", is_host_text(host) ? host : "127.0.0.1");
}

void api_header_add(struct api_response *res, const char *name, const char *value)
{
    if (res->n_headers == API_MAX_HEADERS)
        return;
    res->headers[res->n_headers].name = name;
    snprintf(res->headers[res->n_headers].value, sizeof res->headers[0].value, "%s", value);
    res->n_headers++;
}

void api_body(struct api_response *res, const char *content_type, const char *text, size_t len)
{
    gbuf_reset(&res->body);
    if (gbuf_append(&res->body, text, len) != GIS_OK) {
        api_error(res, 500, "too_large", "the response is too large");
        return;
    }
    res->content_type = content_type;
}

static bool etag_listed(const char *list, const char *etag)
{
    size_t n = strlen(etag);
    const char *p;

    if (!list)
        return false;
    if (!strcmp(list, "*"))
        return true;
    for (p = strstr(list, etag); p; p = strstr(p + 1, etag)) {
        bool starts = p == list || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/';
        bool ends = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

bool api_etag(const struct api_request *req, struct api_response *res, const char *basis)
{
    char etag[64], base[160];
    uLong crc = crc32(0L, Z_NULL, 0);
    uLong adl = adler32(0L, Z_NULL, 0);

    /* Links in the body carry the Host the client used: a strong tag names that too. */
    api_base_url(req, base, sizeof base);
    crc = crc32(crc, (const Bytef *)basis, (uInt)strlen(basis));
    crc = crc32(crc, (const Bytef *)base, (uInt)strlen(base));
    adl = adler32(adl, (const Bytef *)basis, (uInt)strlen(basis));
    adl = adler32(adl, (const Bytef *)base, (uInt)strlen(base));
    snprintf(etag, sizeof etag, "\"%08lx%08lx%s\"", crc, adl, req->accepts_gzip ? "-gz" : "");
    api_header_add(res, "ETag", etag);
    if (!etag_listed(api_header(req, "If-None-Match"), etag))
        return false;
    res->status = 304;
    gbuf_reset(&res->body);
    res->is_body_gzip = false; /* no body: nothing is encoded */
    return true;
}

/* gzip only when the client lists it without q=0. */
static bool accepts_gzip(struct MHD_Connection *conn)
{
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    const char *g = ae ? strstr(ae, "gzip") : NULL;
    const char *q;
    size_t n;

    if (!g)
        return false;
    n = strcspn(g, ",");
    q = strstr(g, "q=");
    if (!q || (size_t)(q - g) > n)
        return true;
    return strtod(q + 2, NULL) > 0.0;
}

/* ---------------------------------------------------------------- streaming */

struct stream {
    struct server *srv;
    struct api_ctx *ctx;
    api_produce_fn produce;
    void *produce_ctx;
    void (*produce_free)(void *);
    struct gbuf raw, out;
    size_t out_off;
    bool is_gzip, is_done, is_failed;
    z_stream z;
};

static void stream_free(void *cls)
{
    struct stream *s = cls;

    if (s->produce_free)
        s->produce_free(s->produce_ctx);
    if (s->is_gzip)
        deflateEnd(&s->z);
    gbuf_free(&s->raw);
    gbuf_free(&s->out);
    ctx_give(s->srv, s->ctx);
    free(s);
}

static enum gis_status deflate_into(struct stream *s, bool is_last)
{
    char chunk[16384];
    int zr;

    s->z.next_in = (Bytef *)s->raw.data;
    s->z.avail_in = (uInt)s->raw.len;
    do {
        s->z.next_out = (Bytef *)chunk;
        s->z.avail_out = sizeof chunk;
        zr = deflate(&s->z, is_last ? Z_FINISH : Z_NO_FLUSH);
        if (zr == Z_STREAM_ERROR)
            return GIS_ERR_INTERNAL;
        if (gbuf_append(&s->out, chunk, sizeof chunk - s->z.avail_out) != GIS_OK)
            return GIS_ERR_TOO_LARGE;
    } while (s->z.avail_out == 0 || (is_last && zr != Z_STREAM_END));
    gbuf_reset(&s->raw);
    return GIS_OK;
}

/* Fills s->out with the next piece; false when there is nothing more. */
static bool stream_refill(struct stream *s)
{
    enum gis_status rc = GIS_OK;

    gbuf_reset(&s->out);
    s->out_off = 0;
    while (!s->is_done && s->out.len == 0 && rc == GIS_OK) {
        rc = s->produce(s->produce_ctx, &s->raw, &s->is_done);
        if (rc == GIS_OK && s->is_gzip)
            rc = deflate_into(s, s->is_done);
        else if (rc == GIS_OK) {
            struct gbuf t = s->out;
            s->out = s->raw;
            s->raw = t;
        }
    }
    if (rc != GIS_OK) {
        LOG_WARN("http", "event=stream_failed status=%s", gis_status_name(rc));
        s->is_failed = true;
    }
    return rc == GIS_OK && s->out.len > 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    size_t n;

    (void)pos;
    if (s->out_off == s->out.len && !stream_refill(s))
        return s->is_failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    n = s->out.len - s->out_off;
    n = n < max ? n : max;
    memcpy(buf, s->out.data + s->out_off, n);
    s->out_off += n;
    return (ssize_t)n;
}

/* ---------------------------------------------------------------- sending */

static void add_headers(struct MHD_Response *r, const struct api_response *res, bool is_gzip)
{
    unsigned i;

    if (res->content_type)
        MHD_add_response_header(r, "Content-Type", res->content_type);
    if (is_gzip)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    MHD_add_response_header(r, "Vary", "Accept, Accept-Encoding");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers",
                            "ETag, Content-Crs, Link, X-Tile-Simplified, X-Tile-Cache, "
                            "Server-Timing");
    for (i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
}

static struct MHD_Response *make_stream(struct server *srv,
                                        const struct api_request *req,
                                        struct api_response *res,
                                        bool *is_gzip)
{
    struct stream *s = calloc(1, sizeof *s);
    struct MHD_Response *r;

    if (!s)
        return NULL;
    s->srv = srv;
    s->ctx = req->ctx;
    s->produce = res->produce;
    s->produce_ctx = res->produce_ctx;
    s->produce_free = res->produce_free;
    res->produce_free = NULL; /* the stream owns it now */
    gbuf_init(&s->raw, API_MAX_BODY);
    gbuf_init(&s->out, API_MAX_BODY);
    s->is_gzip =
        req->accepts_gzip && deflateInit2(&s->z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    *is_gzip = s->is_gzip;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_CHUNK, stream_read, s,
                                          stream_free);
    if (!r)
        stream_free(s);
    return r;
}

static struct MHD_Response *
make_buffered(const struct api_request *req, struct api_response *res, bool *is_gzip)
{
    struct gbuf z;
    size_t len = res->body.len;
    char *body;

    if (res->is_body_gzip) {
        *is_gzip = true;
    } else if (req->accepts_gzip && len >= API_GZIP_MIN_BYTES &&
               gbuf_gzip(res->body.data, res->body.len, 6, &z) == GIS_OK) {
        gbuf_free(&res->body);
        res->body = z;
        len = z.len;
        *is_gzip = true;
    }
    body = gbuf_steal(&res->body);
    return MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
}

/* Queues res; a streamed body takes over req->ctx (cleared here). */
static enum MHD_Result send_response(struct server *srv,
                                     struct MHD_Connection *conn,
                                     struct api_request *req,
                                     struct api_response *res)
{
    bool is_gzip = false;
    struct MHD_Response *r;
    enum MHD_Result ret;

    /* A HEAD keeps its body: libmicrohttpd sends the headers of that body (its length,
     * or chunked for a stream) and not the body, so HEAD and GET say the same. */
    if (res->status == 204 || res->status == 304) {
        gbuf_reset(&res->body);
        if (res->produce_free)
            res->produce_free(res->produce_ctx);
        res->produce = NULL;
        res->produce_free = NULL;
    }
    if (res->produce) {
        r = make_stream(srv, req, res, &is_gzip);
        req->ctx = NULL;
    } else {
        r = make_buffered(req, res, &is_gzip);
    }
    if (!r)
        return MHD_NO;
    add_headers(r, res, is_gzip);
    ret = MHD_queue_response(conn, res->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---------------------------------------------------------------- routing */

/* Matches path against pattern, capturing each {name} (one segment, never '/', less
 * the literal suffix that follows the name in the pattern, e.g. "{y}.mvt"). */
static bool route_match(const char *pattern, const char *path, struct api_request *req)
{
    static __thread char segs[API_MAX_PATH_PARAMS][256];
    size_t n = 0;

    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *suffix = strchr(pattern, '}') + 1;
            size_t suffix_len = strcspn(suffix, "/"), len = strcspn(path, "/");
            if (len <= suffix_len || len - suffix_len >= sizeof segs[0] ||
                n == API_MAX_PATH_PARAMS || memcmp(path + len - suffix_len, suffix, suffix_len))
                return false;
            memcpy(segs[n], path, len - suffix_len);
            segs[n][len - suffix_len] = '\0';
            req->path_params[n] = segs[n];
            n++;
            pattern = suffix + suffix_len;
            path += len;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    /* A trailing slash names the same resource. */
    return *pattern == '\0' && (*path == '\0' || (path[0] == '/' && path[1] == '\0'));
}

static unsigned method_bit(const char *method)
{
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return API_GET;
    if (!strcmp(method, "POST"))
        return API_POST;
    if (!strcmp(method, "PUT"))
        return API_PUT;
    if (!strcmp(method, "PATCH"))
        return API_PATCH;
    return !strcmp(method, "DELETE") ? API_DELETE : 0;
}

/* The route for path and method (NULL: none); *allowed gets the methods the path answers
 * (0: no such path). */
static const struct api_route *
find_route(const char *path, const char *method, struct api_request *req, unsigned *allowed)
{
    unsigned bit = method_bit(method);
    size_t i, found = SIZE_MAX;

    *allowed = 0;
    for (i = 0; i < sizeof ROUTES / sizeof *ROUTES; i++) {
        if (!route_match(ROUTES[i].pattern, path, req))
            continue;
        *allowed |= ROUTES[i].methods;
        if (found == SIZE_MAX && (ROUTES[i].methods & bit))
            found = i;
    }
    if (found == SIZE_MAX)
        return NULL;
    route_match(ROUTES[found].pattern, path, req); /* its captures, not a later pattern's */
    return &ROUTES[found];
}

/* The route's policy: false (with 401 or 403 set) when the caller's role is below it. */
static bool
role_suffices(const struct api_request *req, const struct api_route *rt, struct api_response *res)
{
    char msg[96];

    if (req->who.role >= rt->min_role)
        return true;
    snprintf(msg, sizeof msg, "this operation needs the role %s or above",
             auth_role_name(rt->min_role));
    if (req->who.role == AUTH_ANONYMOUS)
        api_unauthorized(res, msg);
    else
        api_error(res, 403, "forbidden", msg);
    return false;
}

static void allow_header(struct api_response *res, unsigned allowed)
{
    char v[80];

    snprintf(v, sizeof v, "%s%s%s%s%sOPTIONS", allowed & API_GET ? "GET, HEAD, " : "",
             allowed & API_POST ? "POST, " : "", allowed & API_PUT ? "PUT, " : "",
             allowed & API_PATCH ? "PATCH, " : "", allowed & API_DELETE ? "DELETE, " : "");
    api_header_add(res, "Allow", v);
}

/* The methods of allowed that this caller may use (OPTIONS: QGIS edits only when POST is
 * listed). */
static unsigned allowed_for(const struct api_request *req, unsigned allowed)
{
    static const struct {
        unsigned bit;
        const char *name;
    } writes[] = {
        {API_POST, "POST"}, {API_PUT, "PUT"}, {API_PATCH, "PATCH"}, {API_DELETE, "DELETE"}};
    size_t i;

    for (i = 0; i < sizeof writes / sizeof *writes; i++)
        if ((allowed & writes[i].bit) && !api_write_may(req, writes[i].name))
            allowed &= ~writes[i].bit;
    return allowed;
}

static void preflight(struct api_response *res)
{
    res->status = 204;
    api_header_add(res, "Access-Control-Allow-Methods",
                   "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    api_header_add(res, "Access-Control-Allow-Headers",
                   "Accept, Accept-Encoding, Content-Type, If-None-Match, If-Match, Authorization, "
                   "Prefer, Content-Crs, X-Change-Reason");
    api_header_add(res, "Access-Control-Max-Age", "86400");
}

static void dispatch(struct server *srv, struct api_request *req, struct api_response *res)
{
    unsigned allowed;
    const struct api_route *rt = find_route(req->path, req->method, req, &allowed);
    struct gis_error err = {0};

    if (!allowed) {
        api_error(res, 404, "not_found", "no resource at this path");
        return;
    }
    if (!rt && strcmp(req->method, "OPTIONS")) {
        api_error(res, 405, "method_not_allowed", "this resource does not answer that method");
        allow_header(res, allowed);
        return;
    }
    req->jobs = srv->jobs;
    req->tiles = srv->tiles;
    req->sources = srv->sources;
    req->editor = srv->editor;
    req->ctx = ctx_take(srv, &err);
    if (!req->ctx) {
        api_fail(res, &err);
        api_header_add(res, "Retry-After", "1");
        return;
    }
    if (!api_authenticate(req, res))
        return;
    req->caller.role = req->who.role;
    req->caller.user = req->who.user_id ? req->who.name : NULL;
    if (!strcmp(req->method, "OPTIONS")) {
        preflight(res);
        allow_header(res, allowed_for(req, allowed));
        return;
    }
    if (role_suffices(req, rt, res))
        rt->handler(req, res);
}

/* ---------------------------------------------------------------- waiting for a job */

/* The job's end resumes its connection: MHD then calls on_request again. Runs on the
 * thread that ended the job, or on this connection's own thread if it had ended. */
static void on_job_done(void *cls)
{
    struct conn_state *cs = cls;

    MHD_resume_connection(cs->conn);
}

/* Suspends the connection until job id ends. Suspending first and watching second
 * means the resume can never come before the suspend; the connection holds no worker
 * context meanwhile. Every suspended connection is resumed by jobs_shutdown before the
 * daemon stops (libmicrohttpd requires it). */
static enum MHD_Result defer_to_job(struct server *srv,
                                    struct MHD_Connection *conn,
                                    struct conn_state *cs,
                                    struct api_request *req,
                                    struct api_response *res,
                                    const struct timespec *t0)
{
    memcpy(cs->wait_job, res->wait_job, sizeof cs->wait_job);
    if (req->ctx)
        ctx_give(srv, req->ctx);
    req->ctx = NULL;
    gbuf_free(&res->body);
    cs->srv = srv;
    cs->conn = conn;
    cs->t0 = *t0;
    cs->req_id = req->id;
    pthread_mutex_lock(&srv->lock);
    srv->n_waiting++;
    cs->is_waiting = true;
    pthread_mutex_unlock(&srv->lock);
    MHD_suspend_connection(conn);
    if (jobs_watch(srv->jobs, cs->wait_job, on_job_done, cs) != GIS_OK)
        MHD_resume_connection(conn); /* gone already: api_job_answer says so */
    return MHD_YES;
}

/* The connection has its answer, or is gone. */
static void waiting_done(struct conn_state *cs)
{
    if (!cs || !cs->is_waiting)
        return;
    pthread_mutex_lock(&cs->srv->lock);
    cs->is_waiting = false;
    cs->srv->n_waiting--;
    pthread_cond_broadcast(&cs->srv->drained);
    pthread_mutex_unlock(&cs->srv->lock);
}

/* At shutdown, after jobs_shutdown resumed them: gives the waiting connections up to
 * timeout_s to send their answers, since stopping the daemon would just close them. */
static void drain_waiting(struct server *srv, double timeout_s)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)timeout_s;
    pthread_mutex_lock(&srv->lock);
    while (srv->n_waiting > 0)
        if (pthread_cond_timedwait(&srv->drained, &srv->lock, &ts) != 0)
            break;
    pthread_mutex_unlock(&srv->lock);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The response: for a resumed request its job's outcome (and its first call's id and
 * start time), else the route's. */
static void respond(struct server *srv,
                    struct conn_state *cs,
                    struct api_request *req,
                    struct api_response *res,
                    struct timespec *t0)
{
    if (cs && cs->wait_job[0]) {
        req->jobs = srv->jobs;
        req->id = cs->req_id;
        *t0 = cs->t0;
        api_job_answer(req, res, cs->wait_job);
    } else if (cs && gbuf_status(&cs->body) != GIS_OK) {
        api_error(res, 413, "too_large", "the request body is larger than 1 MiB");
    } else {
        dispatch(srv, req, res);
    }
}

static enum MHD_Result on_request(void *cls,
                                  struct MHD_Connection *conn,
                                  const char *url,
                                  const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size,
                                  void **con_cls)
{
    struct server *srv = cls;
    struct conn_state *cs;
    struct api_request req = {0};
    struct api_response res;
    struct timespec t0;
    enum MHD_Result ret;

    (void)version;
    if (!*con_cls) {
        /* Headers only. A POST, PUT or PATCH gets a body buffer; other methods a marker. */
        if (!(method_bit(method) & (API_POST | API_PUT | API_PATCH))) {
            *con_cls = &first_call_marker;
            return MHD_YES;
        }
        cs = calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        gbuf_init(&cs->body, MAX_BODY);
        *con_cls = cs;
        return MHD_YES;
    }
    cs = *con_cls == &first_call_marker ? NULL : *con_cls;
    if (*upload_data_size) {
        if (cs) /* past MAX_BODY the buffer's sticky error answers 413 below */
            gbuf_append(&cs->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (thread_ctx.srv != srv) {
        thread_ctx.srv = srv;
        thread_ctx.ctx = NULL;
    }
    req.method = method;
    req.path = url;
    req.conn = conn;
    req.id = atomic_fetch_add(&srv->next_id, 1) + 1;
    req.accepts_gzip = accepts_gzip(conn);
    if (cs) {
        req.body = cs->body.data ? cs->body.data : "";
        req.body_len = cs->body.len;
    }
    /* Not = {0}: the header values are large and need no zeroing, only counting. */
    res.status = 200;
    res.content_type = NULL;
    res.n_headers = 0;
    res.produce = NULL;
    res.produce_ctx = NULL;
    res.produce_free = NULL;
    res.is_body_gzip = false;
    res.wait_job[0] = '\0';
    gbuf_init(&res.body, API_MAX_BODY);
    respond(srv, cs, &req, &res, &t0);
    if (res.wait_job[0] && cs && !cs->wait_job[0])
        return defer_to_job(srv, conn, cs, &req, &res, &t0);
    ret = send_response(srv, conn, &req, &res);
    waiting_done(cs);
    if (res.produce_free)
        res.produce_free(res.produce_ctx);
    if (req.ctx)
        ctx_give(srv, req.ctx);
    gbuf_free(&res.body);
    LOG_INFO("http", "req=%llu method=%s path=\"%.200s\" status=%u ms=%.2f",
             (unsigned long long)req.id, method, url, res.status, ms_since(&t0));
    return ret;
}

/* Frees a POST's body buffer when its connection is done with the request. */
static void on_completed(void *cls,
                         struct MHD_Connection *conn,
                         void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct conn_state *cs = *con_cls;

    (void)cls;
    (void)conn;
    (void)code;
    if (cs && *con_cls != (void *)&first_call_marker) {
        waiting_done(cs); /* closed before it was answered */
        gbuf_free(&cs->body);
        free(cs);
    }
    *con_cls = NULL;
}

/* ---------------------------------------------------------------- lifecycle */

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    LOG_WARN("mhd", "msg=\"%s\"", msg);
}

static enum gis_status parse_bind(const struct server_options *opt,
                                  struct sockaddr_storage *sa,
                                  unsigned *flags,
                                  struct gis_error *err)
{
    const char *host = opt->bind ? opt->bind : "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

    memset(sa, 0, sizeof *sa);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(opt->port);
        return GIS_OK;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(opt->port);
        *flags |= MHD_USE_IPv6;
        return GIS_OK;
    }
    return gis_fail(err, GIS_ERR_INVALID_ARG, "--bind '%.60s' is not an IPv4 or IPv6 address",
                    host);
}

/* One context per thread up front, so a bad database fails at start, not at the first
 * request, and the first requests find their stores open. */
static enum gis_status open_contexts(struct server *srv, unsigned n, struct gis_error *err)
{
    struct api_ctx *taken[64];
    enum gis_status rc = GIS_OK;
    unsigned i, got = 0;

    n = n < 64 ? n : 64;
    for (i = 0; i < n && rc == GIS_OK; i++) {
        taken[got] = ctx_take(srv, err);
        if (taken[got])
            got++;
        else
            rc = err && err->code ? err->code : GIS_ERR_DB;
    }
    for (i = 0; i < got; i++)
        ctx_to_pool(srv, taken[i]);
    return rc;
}

static enum gis_status start_daemon(struct server *srv,
                                    const struct server_options *opt,
                                    unsigned threads,
                                    struct gis_error *err)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    struct sockaddr_storage sa;
    const union MHD_DaemonInfo *info;
    enum gis_status rc = parse_bind(opt, &sa, &flags, err);

    if (rc != GIS_OK)
        return rc;
    srv->daemon =
        MHD_start_daemon(flags, opt->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
                         mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
                         threads, MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT,
                         60u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!srv->daemon)
        return gis_fail(err, GIS_ERR_IO, "cannot listen on %s port %u (in use?)",
                        opt->bind ? opt->bind : "127.0.0.1", (unsigned)opt->port);
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opt->port;
    return GIS_OK;
}

/* The writer: a file this process cannot write is served read-only (writes answer 503). */
static void open_editor(struct server *srv)
{
    struct gis_error err = {0};

    if (editor_open(srv->db_path, &srv->editor, &err) != GIS_OK) {
        srv->editor = NULL;
        LOG_WARN("http", "event=read_only reason=\"%s\"", err.msg);
    }
}

enum gis_status
server_start(const struct server_options *opt, struct server **out, struct gis_error *err)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opt->threads ? opt->threads : (unsigned)(ncpu > 0 ? ncpu : 2);
    struct server *srv = calloc(1, sizeof *srv);
    pthread_condattr_t ca;
    enum gis_status rc;

    if (!srv)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->drained, &ca);
    pthread_condattr_destroy(&ca);
    coverage_layer_install();
    srv->db_path = strdup(opt->db_path);
    srv->max_ctx = threads * 8 + 8;
    rc = srv->db_path ? auth_init(err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK)
        rc = open_contexts(srv, threads, err);
    if (rc == GIS_OK)
        open_editor(srv);
    if (rc == GIS_OK)
        rc = jobs_start(
            &(struct jobs_options){opt->db_path, opt->job_workers, opt->job_ttl_s, opt->job_max},
            &srv->jobs, err);
    if (rc == GIS_OK && opt->tile_cache_mb &&
        tilecache_new(opt->tile_cache_mb * 1024 * 1024, &srv->tiles) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "cannot allocate the tile cache");
    if (rc == GIS_OK && tile_sources_new(srv->tiles, opt->tile_buffer, opt->tile_max_kb * 1024,
                                         &srv->sources) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK)
        rc = start_daemon(srv, opt, threads, err);
    if (rc != GIS_OK) {
        server_stop(srv);
        return rc;
    }
    *out = srv;
    return GIS_OK;
}

uint16_t server_port(const struct server *srv)
{
    return srv->port;
}

void server_stop(struct server *srv)
{
    struct api_ctx *c, *next;

    if (!srv)
        return;
    jobs_shutdown(srv->jobs); /* resumes every connection waiting for a job */
    drain_waiting(srv, 10);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    jobs_stop(srv->jobs);
    editor_close(srv->editor);
    coverage_layer_uninstall();
    tile_sources_free(srv->sources);
    tilecache_free(srv->tiles);
    for (c = srv->all; c; c = next) {
        next = c->all_next;
        ctx_free(c);
    }
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->drained);
    free(srv->db_path);
    free(srv);
}
