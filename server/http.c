/*
 * libmicrohttpd glue: the daemon, the pool of worker contexts (read-only store + CRS
 * cache), the route table, request hygiene (framing, NUL bytes, parameter counts), CORS,
 * content negotiation, ETag/304, gzip (zlib), streamed bodies and the access log. Knows
 * nothing of the data: handlers in api_*.c do the work.
 *
 * Contexts: each worker thread keeps one for its requests, and a response body is
 * produced while the request holds it. A body that ends within PREFETCH_BYTES is sent
 * from memory, so the context is free again before the first byte leaves; only a longer
 * body streams and keeps its context until it is sent. When every context is out (up
 * to a cap, since each holds a database connection), a request waits for one without
 * blocking its thread: its connection is suspended in a FIFO and resumed when a context
 * comes back, or answered 503 after CTX_WAIT_MS.
 *
 * A request whose answer is a job's outcome (a synchronous process execution) does not
 * hold its thread either: its connection is suspended while the job runs and resumed by
 * the job's end (see defer_to_job).
 */
#include "server.h"

#include <arpa/inet.h>
#include <ctype.h>
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
#include "api_web.h"
#include "coverage_layers.h"
#include "editor.h"
#include "jobs.h"
#include "log.h"
#include "throttle.h"
#include "tilecache.h"
#include "tileset.h"

#define CTX_MAX_CRS  8
#define STREAM_CHUNK (64u * 1024u)
/* A body up to this size is produced in full before sending (see the opening comment). */
#define PREFETCH_BYTES (1u << 20)
/* The longest a request waits for a context (from its arrival) before it is answered 503. */
#define CTX_WAIT_MS 10000
/* More query parameters than this are refused (libmicrohttpd keeps a record of each in
 * the connection's small memory pool, see uri_logged). */
#define MAX_QUERY_PARAMS 100
#define MAX_CORS_ORIGINS 16

struct api_ctx {
    struct store *st;
    const struct params_crs *crs[CTX_MAX_CRS];
    struct crs_transform *xf[CTX_MAX_CRS];
    struct api_ctx *next;     /* in the free list */
    struct api_ctx *all_next; /* every context, for server_stop */
};

struct req_state;

struct server {
    struct MHD_Daemon *daemon;
    struct jobs *jobs;
    struct tilecache *tiles;
    struct tileset_sources *sources;
    struct coverage_layers *coverage; /* the coverage-KIND layers' values, for every store */
    struct editor *editor;            /* the one writer; NULL when the file cannot be written */
    struct throttle *throttle;        /* bad tokens per client address */
    char *db_path;
    char *web_dir; /* the browser application's folder, or NULL (api_web.h) */
    char *cors_origins[MAX_CORS_ORIGINS]; /* lowercased; may drive guarded routes */
    size_t n_cors_origins;
    pthread_mutex_t lock; /* guards the pool, the waiters, is_stopping and n_leaving */
    pthread_cond_t wake;  /* the reaper's sleep; server_stop's wait for n_leaving */
    pthread_t reaper;
    bool has_reaper, is_stopping;
    unsigned n_leaving;     /* waiters resumed by server_stop, not yet completed */
    pthread_cond_t drained; /* n_job_waits fell (CLOCK_MONOTONIC) */
    unsigned n_job_waits;   /* connections waiting for a job or for their answer to it */
    struct api_ctx *free_list;
    struct api_ctx *all; /* every context opened, free or in use */
    unsigned n_ctx, max_ctx;
    struct req_state *wait_head, *wait_tail; /* requests waiting for a context, FIFO */
    atomic_uint n_waiting;                   /* their number, read without the lock */
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

/* What a route can answer with (besides JSON errors), for Accept. */
enum {
    P_JSON = 1,
    P_HTML = 2,
    P_MVT = 4,
};

static const struct api_route ROUTES[] = {
    {"/", API_GET, api_root, "getLandingPage",
     "Landing page (a browser gets the web application; f=html the HTML landing page)", ROUTE_JSON,
     "f", NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/app/{webFile}", API_GET, api_web_file, "getWebFile",
     "A file of the web application (its scripts, styles and libraries)", "text/html", "webFile",
     NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/app/glyphs/{fontStack}/{glyphRange}.pbf", API_GET, api_web_glyphs, "getWebGlyphs",
     "Map label glyphs (empty: the browser draws the Chinese labels with its own font)",
     "application/x-protobuf", "fontStack glyphRange", NULL, AUTH_ANONYMOUS, P_JSON | P_MVT, false,
     NULL},
    {"/conformance", API_GET, api_conformance, "getConformance", "Conformance classes", ROUTE_JSON,
     "f", NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/functions", API_GET, api_functions, "getFunctions",
     "The functions CQL2 filters may call, with argument and result types", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/api", API_GET, api_openapi, "getApi", "This API definition",
     "application/vnd.oai.openapi+json;version=3.0", "", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/health", API_GET, api_health, "getHealth", "Service health", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/search", API_GET, api_search, "searchNames",
     "The gazetteer: places and divisions by Hanzi, pinyin, initials, former names or codes",
     "application/geo+json", "searchQ searchLimit level category within bbox f", NULL,
     AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/collections", API_GET, api_collections, "getCollections", "The collections", ROUTE_JSON, "f",
     NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/collections/{collectionId}", API_GET, api_collection, "describeCollection", "One collection",
     ROUTE_JSON, "collectionId f", NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/collections/{collectionId}/queryables", API_GET, api_queryables, "getQueryables",
     "Properties usable in filters", "application/schema+json", "collectionId", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/schema", API_GET, api_schema, "getSchema",
     "The schema of the features (ROUTE_JSON Schema)", "application/schema+json", "collectionId",
     NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/items", API_GET, api_items, "getFeatures", "Features",
     "application/geo+json", ROUTE_ITEMS_PARAMS, NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false,
     NULL},
    {"/collections/{collectionId}/items", API_POST, api_item_create, "createFeature",
     "Add a feature (Part 4; planner for facilities, officer for divisions and places)",
     "application/geo+json", "collectionId", "application/geo+json", AUTH_PLANNER, P_JSON, true,
     NULL},
    {"/collections/{collectionId}/items/{featureId}", API_GET, api_item, "getFeature",
     "One feature", "application/geo+json", "collectionId featureId f crs", NULL, AUTH_ANONYMOUS,
     P_JSON | P_HTML, false, NULL},
    {"/collections/{collectionId}/items/{featureId}", API_PUT, api_item_write, "replaceFeature",
     "Replace a feature (Part 4; If-Match optional)", "application/geo+json",
     "collectionId featureId", "application/geo+json", AUTH_PLANNER, P_JSON, true, NULL},
    {"/collections/{collectionId}/items/{featureId}", API_PATCH, api_item_write, "updateFeature",
     "Update a feature with a JSON merge patch (Part 4)", "application/geo+json",
     "collectionId featureId", "application/merge-patch+json", AUTH_PLANNER, P_JSON, true, NULL},
    {"/collections/{collectionId}/items/{featureId}", API_DELETE, api_item_write, "deleteFeature",
     "Delete a feature (Part 4)", ROUTE_JSON, "collectionId featureId", NULL, AUTH_PLANNER, P_JSON,
     true, NULL},
    {"/collections/{collectionId}/items/{featureId}/history", API_GET, api_item_history,
     "getFeatureHistory", "Every version and audited change of a feature", ROUTE_JSON,
     "collectionId featureId", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/items/{featureId}/name", API_GET, api_name_record,
     "getNameRecord",
     "The standard name record of a division or place: pinyin and its source, approval, "
     "filing, aliases and former names with their dates, the name's versions and changes",
     ROUTE_JSON, "collectionId featureId f", NULL, AUTH_ANONYMOUS, P_JSON | P_HTML, false, NULL},
    {"/collections/{collectionId}/items/{featureId}/name", API_PATCH, api_name_update,
     "updateNameRecord",
     "Correct the standard name record with a JSON merge patch (officer; If-Match, "
     "X-Change-Reason): a pinyin becomes 'edited', versioned and audited",
     ROUTE_JSON, "collectionId featureId force", "application/merge-patch+json", AUTH_OFFICER,
     P_JSON, true, "NameRecordPatch"},
    {"/collections/{collectionId}/items/{featureId}/name/variants", API_POST, api_name_variant_add,
     "addNameVariant", "Add an alias or former name with its dates and approval (officer)",
     ROUTE_JSON, "collectionId featureId force", ROUTE_JSON, AUTH_OFFICER, P_JSON, true,
     "NameVariant"},
    {"/collections/{collectionId}/items/{featureId}/name/variants/{variantId}", API_GET,
     api_name_variant, "getNameVariant", "One alias or former name", ROUTE_JSON,
     "collectionId featureId variantId", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/items/{featureId}/name/variants/{variantId}", API_PATCH,
     api_name_variant_update, "updateNameVariant",
     "Correct or close (valid_to) an alias or former name with a JSON merge patch (officer)",
     ROUTE_JSON, "collectionId featureId variantId force", "application/merge-patch+json",
     AUTH_OFFICER, P_JSON, true, "NameVariant"},
    {"/audit/{auditId}/revert", API_POST, api_audit_revert, "revertChange",
     "Undo one audited change as a new change (admin)", ROUTE_JSON, "auditId", ROUTE_JSON,
     AUTH_ADMIN, P_JSON, true, NULL},
    {"/collections/{collectionId}/tiles", API_GET, api_collection_tilesets,
     "getCollectionVectorTilesets", "The collection's vector tilesets", ROUTE_JSON, "collectionId",
     NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/tiles/{tileMatrixSetId}", API_GET, api_collection_tileset,
     "getCollectionVectorTileset", "A vector tileset of the collection", ROUTE_JSON,
     "collectionId tileMatrixSetId", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
     API_GET, api_collection_tile, "getCollectionVectorTile", "A vector tile of the collection",
     ROUTE_MVT, "collectionId " ROUTE_TILE_PARAMS, NULL, AUTH_ANONYMOUS, P_MVT, false, NULL},
    {"/tiles", API_GET, api_tilesets, "getDatasetVectorTilesets",
     "Every tileset: the combined base map and one per collection", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/tiles/WebMercatorQuad", API_GET, api_dataset_tileset, "getDatasetVectorTileset",
     "The combined base map as an OGC tileset", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS, P_JSON, false,
     NULL},
    {"/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", API_GET, api_dataset_tile,
     "getDatasetVectorTile", "A vector tile of the combined base map", ROUTE_MVT,
     "tileMatrix tileRow tileCol", NULL, AUTH_ANONYMOUS, P_MVT, false, NULL},
    {"/tiles/{tilesetId}", API_GET, api_tileset, "getTileJSON",
     "A tileset as TileJSON 3.0 (also at /tiles/{tilesetId}.json)", ROUTE_JSON, "tilesetId", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/tiles/{tilesetId}/{z}/{x}/{y}.mvt", API_GET, api_xyz_tile, "getXyzTile",
     "A vector tile by XYZ index", ROUTE_MVT, "tilesetId z x y", NULL, AUTH_ANONYMOUS, P_MVT, false,
     NULL},
    {"/tileMatrixSets", API_GET, api_tile_matrix_sets, "getTileMatrixSetsList",
     "The tile matrix sets", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/tileMatrixSets/{tileMatrixSetId}", API_GET, api_tile_matrix_set, "getTileMatrixSet",
     "A tile matrix set definition", ROUTE_JSON, "tileMatrixSetId", NULL, AUTH_ANONYMOUS, P_JSON,
     false, NULL},
    {"/processes", API_GET, api_processes, "getProcesses", "The processes", ROUTE_JSON, "", NULL,
     AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/processes/{processId}", API_GET, api_process, "getProcessDescription", "One process",
     ROUTE_JSON, "processId", NULL, AUTH_ANONYMOUS, P_JSON, false, NULL},
    {"/processes/transfer-area/execution", API_POST, api_division_execute, "executeTransferArea",
     "Transfer an area between neighbouring divisions (officer within scope)", ROUTE_JSON, "",
     ROUTE_JSON, AUTH_OFFICER, P_JSON, true, NULL},
    {"/processes/rename-division/execution", API_POST, api_division_execute,
     "executeRenameDivision", "Rename a division (officer within scope)", ROUTE_JSON, "",
     ROUTE_JSON, AUTH_OFFICER, P_JSON, true, NULL},
    {"/processes/recode-division/execution", API_POST, api_division_execute,
     "executeRecodeDivision", "Give a division and its subtree a new code (officer within scope)",
     ROUTE_JSON, "", ROUTE_JSON, AUTH_OFFICER, P_JSON, true, NULL},
    {"/processes/merge-divisions/execution", API_POST, api_division_execute,
     "executeMergeDivisions", "Merge neighbouring divisions into one (officer within scope)",
     ROUTE_JSON, "", ROUTE_JSON, AUTH_OFFICER, P_JSON, true, NULL},
    {"/processes/split-division/execution", API_POST, api_division_execute, "executeSplitDivision",
     "Split a division by a line or into parts (officer within scope)", ROUTE_JSON, "", ROUTE_JSON,
     AUTH_OFFICER, P_JSON, true, NULL},
    {"/processes/validate-divisions/execution", API_POST, api_division_execute,
     "executeValidateDivisions", "The coverage check of a subtree of divisions", ROUTE_JSON, "",
     ROUTE_JSON, AUTH_ANONYMOUS, P_JSON, true, NULL},
    {"/processes/{processId}/execution", API_POST, api_execute, "execute",
     "Execute a process (Prefer: respond-async for a job)", ROUTE_JSON, "processId", ROUTE_JSON,
     AUTH_ANONYMOUS, P_JSON, true, NULL},
    {"/jobs", API_GET, api_jobs, "getJobs", "The jobs", ROUTE_JSON, "", NULL, AUTH_ANONYMOUS,
     P_JSON, true, NULL},
    {"/jobs/{jobId}", API_GET, api_job, "getStatus",
     "A job's status (a failed one's every reason in errors)", ROUTE_JSON, "jobId", NULL,
     AUTH_ANONYMOUS, P_JSON, true, NULL},
    {"/jobs/{jobId}", API_DELETE, api_job_dismiss, "dismiss", "Dismiss a job", ROUTE_JSON, "jobId",
     NULL, AUTH_ANONYMOUS, P_JSON, true, NULL},
    {"/jobs/{jobId}/results", API_GET, api_job_results, "getResult",
     "A job's results (a failed one's: what the synchronous run would have answered)", ROUTE_JSON,
     "jobId", NULL, AUTH_ANONYMOUS, P_JSON, true, NULL},
};

const struct api_route *api_route_at(size_t i)
{
    return i < sizeof ROUTES / sizeof *ROUTES ? &ROUTES[i] : NULL;
}

/* Request bodies (POST, PUT, PATCH) are collected here, up to MAX_BODY, per request. */
#define MAX_BODY (1u << 20)

/* The CORS answer for a request (see cors_decide). */
enum cors_mode {
    CORS_ANY,    /* Access-Control-Allow-Origin: * */
    CORS_ORIGIN, /* the request's own Origin, which is allowed */
    CORS_NONE,   /* no CORS headers: other origins may not read it */
};

struct reply {
    enum cors_mode cors;
    const char *origin;  /* for CORS_ORIGIN */
    bool is_vary_origin; /* the answer depends on Origin */
    bool is_preflight;   /* also varies on the Access-Control-Request-* headers */
    bool must_close;     /* the request's framing is not to be trusted */
};

/* One request's own state, from its request line to its completion (*con_cls). */
struct req_state {
    struct server *srv;
    struct MHD_Connection *conn;
    char *raw_uri;   /* as sent (percent-encoded): for the log and the NUL check */
    size_t n_params; /* query parameters in raw_uri (an upper bound) */
    uint64_t id;
    bool has_body, has_headers; /* has_body: POST, PUT or PATCH */
    struct gbuf body;
    struct timespec t0;
    /* Waiting for a context: in the server's FIFO until granted or expired. */
    struct req_state *next_waiter;
    struct timespec deadline;
    bool is_waiting, is_expired, is_leaving;
    struct api_ctx *granted; /* handed over while suspended; returned if never used */
    /* While it waits for a job (and until it is answered): the job's id. */
    char wait_job[JOB_ID_LEN + 1];
    bool is_job_waiting; /* counted in srv->n_job_waits */
    struct reply reply;  /* the CORS decision made before it waited */
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

/* A free context, or a new one while under the cap; NULL (err unset) when all are out. */
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
    if (c || !may_open)
        return c;
    c = calloc(1, sizeof *c);
    if (!c || store_open(srv->db_path, STORE_READ_ONLY, &c->st, err) != GIS_OK) {
        if (!c)
            gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        free(c);
        pthread_mutex_lock(&srv->lock);
        srv->n_ctx--;
        pthread_mutex_unlock(&srv->lock);
        return NULL;
    }
    coverage_layers_attach(srv->coverage, c->st);
    pthread_mutex_lock(&srv->lock);
    c->all_next = srv->all;
    srv->all = c;
    pthread_mutex_unlock(&srv->lock);
    return c;
}

/* Removes and returns the first waiter (lock held). */
static struct req_state *waiter_pop(struct server *srv)
{
    struct req_state *w = srv->wait_head;

    if (!w)
        return NULL;
    srv->wait_head = w->next_waiter;
    if (!srv->wait_head)
        srv->wait_tail = NULL;
    w->next_waiter = NULL;
    w->is_waiting = false;
    atomic_fetch_sub(&srv->n_waiting, 1);
    return w;
}

/* To the first waiter if any (its connection resumes with it), else to the free list.
 * Resuming under the lock keeps "queued" and "suspended" one step for the waiter (see
 * ctx_wait); libmicrohttpd never calls us while holding its own lock. */
static void ctx_to_pool(struct server *srv, struct api_ctx *c)
{
    struct req_state *w;

    pthread_mutex_lock(&srv->lock);
    w = waiter_pop(srv);
    if (w) {
        w->granted = c;
        MHD_resume_connection(w->conn);
    } else {
        c->next = srv->free_list;
        srv->free_list = c;
    }
    pthread_mutex_unlock(&srv->lock);
}

/* Back to this thread's slot when it is free and nobody waits (a request's context),
 * else to the pool (a finished stream's, or the start-up ones). */
static void ctx_give(struct server *srv, struct api_ctx *c)
{
    if (!c)
        return;
    if (thread_ctx.srv == srv && !thread_ctx.ctx && atomic_load(&srv->n_waiting) == 0) {
        thread_ctx.ctx = c;
        return;
    }
    ctx_to_pool(srv, c);
}

/* t0 + ms into t. */
static void deadline_after(struct timespec *t, const struct timespec *t0, long ms)
{
    *t = *t0;
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static bool is_past(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Queues st for the next free context and suspends its connection; false when it may
 * not wait (the server is stopping, or it already waited its time). *now: a context
 * that came back since ctx_take looked, taken without waiting (nothing suspended).
 * Once queued, st->granted is the resumer's to set: it may do so before this returns.
 * Called from the access handler, the one place libmicrohttpd allows a suspension. */
static bool ctx_wait(struct server *srv, struct req_state *st, struct api_ctx **now)
{
    bool is_queued = false;

    *now = NULL;
    pthread_mutex_lock(&srv->lock);
    if (srv->free_list && !st->is_expired) {
        *now = srv->free_list;
        srv->free_list = (*now)->next;
        pthread_mutex_unlock(&srv->lock);
        return true;
    }
    if (!srv->is_stopping && !st->is_expired) {
        if (st->deadline.tv_sec == 0) /* counted from the request's arrival */
            deadline_after(&st->deadline, &st->t0, CTX_WAIT_MS);
        if (srv->wait_tail)
            srv->wait_tail->next_waiter = st;
        else
            srv->wait_head = st;
        srv->wait_tail = st;
        st->is_waiting = true;
        atomic_fetch_add(&srv->n_waiting, 1);
        MHD_suspend_connection(st->conn);
        is_queued = true;
    }
    pthread_mutex_unlock(&srv->lock);
    return is_queued;
}

/* Takes waiters out whose time is up (or all, when stopping) and resumes them to be
 * answered 503 (lock held). */
static void expire_waiters(struct server *srv, bool is_all)
{
    struct req_state **pp = &srv->wait_head, *w;

    srv->wait_tail = NULL;
    while ((w = *pp) != NULL) {
        if (is_all || is_past(&w->deadline)) {
            *pp = w->next_waiter;
            w->next_waiter = NULL;
            w->is_waiting = false;
            w->is_expired = true;
            w->is_leaving = is_all;
            srv->n_leaving += is_all;
            atomic_fetch_sub(&srv->n_waiting, 1);
            MHD_resume_connection(w->conn);
        } else {
            srv->wait_tail = w;
            pp = &w->next_waiter;
        }
    }
}

/* libmicrohttpd has no timers: this thread wakes four times a second to expire
 * waiters, and at once when the server stops. */
static void *reaper_main(void *arg)
{
    struct server *srv = arg;
    struct timespec t;

    pthread_mutex_lock(&srv->lock);
    while (!srv->is_stopping) {
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 250000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->wake, &srv->lock, &t);
        if (srv->wait_head)
            expire_waiters(srv, false);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
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
    size_t n = 0;

    if (res->n_headers == API_MAX_HEADERS)
        return;
    while (n < sizeof res->headers[0].value - 1 && value[n])
        n++;

    res->headers[res->n_headers].name = name;
    memcpy(res->headers[res->n_headers].value, value, n); /* cut as snprintf would */
    res->headers[res->n_headers].value[n] = '\0';
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

    /* Links in the body carry the Host the client used: a strong tag names that too. So
     * does the caller's view of the layers (policy_layer_view): a planner's body may hold
     * the sensitive counts, and its tag must never match a viewer's If-None-Match. */
    api_base_url(req, base, sizeof base);
    if (policy_layer_view(&req->caller) == LAYER_VIEW_FULL)
        snprintf(base + strlen(base), sizeof base - strlen(base), "|full");
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

/* Moves what s->raw holds to s->out, compressed when the stream is. */
static enum gis_status stream_move(struct stream *s)
{
    struct gbuf t;

    if (s->is_gzip)
        return deflate_into(s, s->is_done);
    t = s->out;
    s->out = s->raw;
    s->raw = t;
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
        if (rc == GIS_OK)
            rc = stream_move(s);
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

/* Runs res's producer into res->body until it ends or PREFETCH_BYTES are there. A body
 * that ended becomes an ordinary one (the producer is freed); out_is_done says which. A
 * failure is answered as an error here, where a status can still be sent. */
static void prefetch(struct api_response *res, bool *out_is_done)
{
    enum gis_status rc = GIS_OK;
    bool is_done = false;

    while (!is_done && res->body.len < PREFETCH_BYTES && rc == GIS_OK)
        rc = res->produce(res->produce_ctx, &res->body, &is_done);
    if (rc != GIS_OK) {
        LOG_WARN("http", "event=produce_failed status=%s", gis_status_name(rc));
        api_error(res, 500, gis_status_name(rc), "the response could not be produced");
        is_done = true;
    } else if (is_done) {
        res->produce_free(res->produce_ctx);
        res->produce = NULL;
        res->produce_free = NULL;
    }
    *out_is_done = is_done;
}

/* ---------------------------------------------------------------- sending */

static void add_cors(struct MHD_Response *r, const struct reply *rp)
{
    if (rp->cors == CORS_NONE)
        return;
    MHD_add_response_header(r, "Access-Control-Allow-Origin",
                            rp->cors == CORS_ORIGIN ? rp->origin : "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers",
                            "ETag, Content-Crs, Link, Location, X-Tile-Simplified, X-Tile-Cache, "
                            "Server-Timing");
}

static void add_headers(struct MHD_Response *r,
                        const struct api_response *res,
                        const struct reply *rp,
                        bool is_gzip)
{
    unsigned i;

    if (res->content_type)
        MHD_add_response_header(r, "Content-Type", res->content_type);
    if (is_gzip)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    MHD_add_response_header(r, "Vary",
                            rp->is_preflight     ? "Origin, Access-Control-Request-Method, "
                                                   "Access-Control-Request-Headers"
                            : rp->is_vary_origin ? "Accept, Accept-Encoding, Authorization, Origin"
                                                 : "Accept, Accept-Encoding, Authorization");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    add_cors(r, rp);
    if (rp->must_close)
        MHD_add_response_header(r, "Connection", "close");
    for (i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
}

/* A stream over what prefetch left in res->body, then the producer. It takes over the
 * producer and req->ctx. */
static struct MHD_Response *
make_stream(struct server *srv, struct api_request *req, struct api_response *res, bool *is_gzip)
{
    struct stream *s = calloc(1, sizeof *s);
    struct MHD_Response *r;

    if (!s)
        return NULL;
    s->srv = srv;
    s->ctx = req->ctx;
    req->ctx = NULL;
    s->produce = res->produce;
    s->produce_ctx = res->produce_ctx;
    s->produce_free = res->produce_free;
    res->produce_free = NULL; /* the stream owns it now */
    s->raw = res->body;
    gbuf_init(&res->body, API_MAX_BODY);
    gbuf_init(&s->out, API_MAX_BODY);
    s->is_gzip =
        req->accepts_gzip && deflateInit2(&s->z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    *is_gzip = s->is_gzip;
    if (stream_move(s) != GIS_OK) {
        stream_free(s);
        return NULL;
    }
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

/* Queues res. A body that ends within PREFETCH_BYTES is sent from memory; a longer one
 * streams and takes over req->ctx (cleared here). */
static enum MHD_Result send_response(struct server *srv,
                                     struct MHD_Connection *conn,
                                     struct api_request *req,
                                     struct api_response *res,
                                     const struct reply *rp)
{
    bool is_gzip = false, is_done = true;
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
    if (res->produce)
        prefetch(res, &is_done);
    if (!is_done)
        r = make_stream(srv, req, res, &is_gzip);
    else
        r = make_buffered(req, res, &is_gzip);
    if (!r)
        return MHD_NO;
    add_headers(r, res, rp, is_gzip);
    ret = MHD_queue_response(conn, res->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---------------------------------------------------------------- routing */

/* Matches path against pattern, capturing each {name} (one segment, never '/', less
 * the literal suffix that follows the name in the pattern, e.g. "{y}.mvt"). */
static bool route_match(const char *pattern, const char *path, struct api_request *req)
{
    char(*segs)[API_PATH_PARAM_MAX] = req->path_segs;
    size_t n = 0;

    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *suffix = strchr(pattern, '}') + 1;
            size_t suffix_len = strcspn(suffix, "/"), len = strcspn(path, "/");
            if (len <= suffix_len || len - suffix_len >= API_PATH_PARAM_MAX ||
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

/* The route for path and method bit (NULL: none); *allowed gets the methods the path
 * answers (0: no such path). */
static const struct api_route *
find_route(const char *path, unsigned bit, struct api_request *req, unsigned *allowed)
{
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

static void methods_text(unsigned allowed, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%sOPTIONS", allowed & API_GET ? "GET, HEAD, " : "",
             allowed & API_POST ? "POST, " : "", allowed & API_PUT ? "PUT, " : "",
             allowed & API_PATCH ? "PATCH, " : "", allowed & API_DELETE ? "DELETE, " : "");
}

static void allow_header(struct api_response *res, unsigned allowed)
{
    char v[80];

    methods_text(allowed, v, sizeof v);
    api_header_add(res, "Allow", v);
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

/* The methods of allowed that this caller may use (OPTIONS: QGIS edits only when POST is
 * listed): for each, the route dispatch would pick (the first in the table: a literal
 * process path before /processes/{processId}/execution) must admit the caller's role,
 * and a write the editor's policy. The request's captures are the first route's again
 * afterwards. */
static unsigned allowed_for(struct api_request *req, unsigned allowed)
{
    static const struct {
        unsigned bit;
        const char *name;
    } methods[] = {{API_GET, "GET"},
                   {API_POST, "POST"},
                   {API_PUT, "PUT"},
                   {API_PATCH, "PATCH"},
                   {API_DELETE, "DELETE"}};
    const struct api_route *rt;
    unsigned ignored;
    size_t i;

    for (i = 0; i < sizeof methods / sizeof *methods; i++) {
        if (!(allowed & methods[i].bit))
            continue;
        rt = find_route(req->path, methods[i].bit, req, &ignored);
        if (!rt || req->who.role < rt->min_role || !api_write_may(req, methods[i].name))
            allowed &= ~methods[i].bit;
    }
    find_route(req->path, API_GET | API_POST | API_PUT | API_PATCH | API_DELETE, req, &ignored);
    return allowed;
}

/* ---------------------------------------------------------------- CORS */

/* A configured origin, or the server's own (the page came from here under the name the
 * browser used, which the Host header repeats). */
static bool
origin_allowed(const struct server *srv, const struct api_request *req, const char *origin)
{
    const char *host = api_header(req, "Host"), *authority = strstr(origin, "://");
    size_t i;

    for (i = 0; i < srv->n_cors_origins; i++)
        if (!strcasecmp(srv->cors_origins[i], origin))
            return true;
    return authority && is_host_text(host) && params_origin(origin, NULL) == GIS_OK &&
           !strcasecmp(authority + 3, host);
}

static bool is_read(const char *method)
{
    return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

/* Reads of public data answer any origin. A guarded route (or any request with
 * credentials) answers CORS only to an allowed origin; and since a page may send a
 * simple cross-origin POST without asking first, a state-changing request that names
 * another origin is refused outright (false, with res set). */
static bool cors_decide(const struct server *srv,
                        const struct api_request *req,
                        bool is_guarded,
                        struct api_response *res,
                        struct reply *rp)
{
    const char *origin = api_header(req, "Origin");
    char msg[200];

    rp->is_vary_origin = is_guarded;
    rp->cors = is_guarded ? CORS_NONE : CORS_ANY;
    if (!is_guarded || !origin)
        return true;
    if (origin_allowed(srv, req, origin)) {
        rp->cors = CORS_ORIGIN;
        rp->origin = origin;
        return true;
    }
    if (is_read(req->method))
        return true;
    snprintf(msg, sizeof msg,
             "requests from the origin '%.60s' may not change anything here; the server "
             "allows other origins with --cors-origin",
             origin);
    api_error(res, 403, "forbidden_origin", msg);
    return false;
}

#define ALLOW_HEADERS                                                                              \
    "accept, accept-encoding, content-type, if-none-match, if-match, prefer, content-crs, "        \
    "x-change-reason"

/* OPTIONS: the methods the path answers and, for a CORS preflight, what the browser
 * asked for. The requested headers are reflected once each is checked to be a field
 * name; a preflight for a guarded method (or for sending credentials) gets an answer
 * only for an allowed origin. */
static void answer_options(const struct server *srv,
                           struct api_request *req,
                           unsigned allowed,
                           struct api_response *res,
                           struct reply *rp)
{
    const char *acrm = api_header(req, "Access-Control-Request-Method");
    const char *acrh = api_header(req, "Access-Control-Request-Headers");
    const char *origin = api_header(req, "Origin");
    const struct api_route *r;
    char names[sizeof res->headers[0].value], methods[80];
    unsigned ignored;
    bool is_guarded;

    res->status = 204;
    allow_header(res, allowed);
    rp->cors = CORS_ANY;
    if (!acrm)
        return;
    rp->is_preflight = true;
    r = find_route(req->path, method_bit(acrm), req, &ignored);
    if (!acrh || params_header_names(acrh, names, sizeof names, NULL) != GIS_OK)
        snprintf(names, sizeof names, "%s", ALLOW_HEADERS);
    is_guarded = (r && r->is_guarded) || strstr(names, "authorization");
    if (is_guarded && !(origin && origin_allowed(srv, req, origin))) {
        rp->cors = CORS_NONE;
        api_error(res, 403, "forbidden_origin",
                  "this origin may not send that request here; the server allows other "
                  "origins with --cors-origin");
        return;
    }
    if (is_guarded) {
        rp->cors = CORS_ORIGIN;
        rp->origin = origin;
    }
    methods_text(allowed, methods, sizeof methods);
    api_header_add(res, "Access-Control-Allow-Methods", methods);
    api_header_add(res, "Access-Control-Allow-Headers", names);
    api_header_add(res, "Access-Control-Max-Age", "600");
}

/* ---------------------------------------------------------------- request hygiene */

/* The Accept header names something the route has (f= names it itself, so it wins). */
static bool
accept_ok(const struct api_request *req, const struct api_route *r, struct api_response *res)
{
    static const struct {
        unsigned bit;
        enum params_media media;
        const char *name;
    } kinds[] = {{P_JSON, PARAMS_MEDIA_JSON, "JSON"},
                 {P_HTML, PARAMS_MEDIA_HTML, "text/html"},
                 {P_MVT, PARAMS_MEDIA_MVT, "application/vnd.mapbox-vector-tile"}};
    const char *accept = api_header(req, "Accept");
    struct params_pref pref;
    char msg[240];
    size_t i;

    if (api_query(req, "f"))
        return true;
    for (i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (!(r->produces & kinds[i].bit))
            continue;
        params_accept(accept, kinds[i].media, &pref);
        if (pref.q > 0)
            return true;
    }
    snprintf(msg, sizeof msg, "Accept '%.80s' names nothing this resource is available as (%s%s)",
             accept, r->produces & P_MVT ? kinds[2].name : "application/json",
             r->produces & P_HTML ? " or text/html" : "");
    api_error(res, 406, "not_acceptable", msg);
    return false;
}

/* Stops at the first query parameter whose decoded name or value holds a NUL. */
static enum MHD_Result find_nul(void *cls,
                                enum MHD_ValueKind kind,
                                const char *key,
                                size_t key_size,
                                const char *value,
                                size_t value_size)
{
    const char **found = cls;

    (void)kind;
    if (strlen(key) == key_size && (!value || strlen(value) == value_size))
        return MHD_YES;
    *found = key;
    return MHD_NO;
}

/* The path as sent, up to its query. */
static size_t raw_path_len(const char *raw)
{
    return strcspn(raw, "?");
}

/* What libmicrohttpd decodes (the path, the query) is C strings to us: a NUL inside one
 * would cut the text short ("limit=5%00junk" read as 5), so any is a 400. So is a query
 * past MAX_QUERY_PARAMS (see uri_logged). (Header values it cuts at a raw NUL itself,
 * before anyone can tell.) False with res set. */
static bool request_is_clean(const struct req_state *st,
                             const struct api_request *req,
                             struct api_response *res)
{
    const char *raw = st->raw_uri ? st->raw_uri : "", *bad = NULL;
    char msg[160];
    size_t n = raw_path_len(raw), i;

    if (st->n_params > MAX_QUERY_PARAMS) {
        snprintf(msg, sizeof msg, "too many query parameters (%zu; at most %d)", st->n_params,
                 MAX_QUERY_PARAMS);
        api_error(res, 400, "too_many_parameters", msg);
        return false;
    }
    for (i = 0; i + 2 < n; i++) {
        if (raw[i] == '%' && raw[i + 1] == '0' && raw[i + 2] == '0') {
            api_error(res, 400, "invalid_argument", "the path contains a NUL byte (%00)");
            return false;
        }
    }
    MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, find_nul, &bad);
    if (!bad)
        return true;
    snprintf(msg, sizeof msg, "query parameter '%.40s' contains a NUL byte (%%00)", bad);
    api_error(res, 400, "invalid_argument", msg);
    return false;
}

struct framing {
    unsigned n_length, n_encoding;
    const char *length, *encoding;
    bool is_length_ambiguous;
};

static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct framing *f = cls;

    (void)kind;
    value = value ? value : "";
    if (!strcasecmp(key, "Content-Length")) {
        if (f->n_length++ == 0)
            f->length = value;
        else if (strcmp(f->length, value))
            f->is_length_ambiguous = true;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        f->n_encoding++;
        f->encoding = value;
    }
    return MHD_YES;
}

/* libmicrohttpd takes the first of two Content-Lengths and lets Transfer-Encoding
 * override one; a proxy in front may frame the body the other way and so smuggle a
 * second request inside it. Such a request is refused (and its connection closed). */
static const char *framing_problem(struct MHD_Connection *conn)
{
    struct framing f = {0, 0, NULL, NULL, false};

    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    if (f.is_length_ambiguous)
        return "the request has Content-Length headers that differ";
    if (f.n_length && f.n_encoding)
        return "the request has both Content-Length and Transfer-Encoding";
    if (f.n_encoding > 1 || (f.n_encoding && strcasecmp(f.encoding, "chunked")))
        return "the only Transfer-Encoding accepted is one 'chunked'";
    return NULL;
}

/* ---------------------------------------------------------------- dispatch */

enum wait_result {
    WAIT_GRANTED,   /* a context is in st->granted */
    WAIT_SUSPENDED, /* queued: the connection resumes later */
    WAIT_REFUSED,   /* answer 503 */
};

static enum wait_result ctx_acquire(struct server *srv,
                                    struct req_state *st,
                                    struct api_request *req,
                                    struct gis_error *err)
{
    struct api_ctx *now;

    req->ctx = st->granted;
    st->granted = NULL;
    if (!req->ctx)
        req->ctx = ctx_take(srv, err);
    if (req->ctx || err->code)
        return req->ctx ? WAIT_GRANTED : WAIT_REFUSED;
    if (ctx_wait(srv, st, &now)) {
        if (!now)
            return WAIT_SUSPENDED;
        req->ctx = now;
        return WAIT_GRANTED;
    }
    gis_fail(err, GIS_ERR_TIMEOUT, "the server is busy; try again");
    return WAIT_REFUSED;
}

/* Routes and runs the request; true when it was suspended to wait for a context (no
 * response yet). The caller is authenticated once a context (its store) is held: OPTIONS
 * then lists only what the caller may do, and a route's minimum role is checked before
 * its handler runs. */
static bool dispatch(struct server *srv,
                     struct req_state *st,
                     struct api_request *req,
                     struct api_response *res,
                     struct reply *rp)
{
    unsigned allowed;
    const struct api_route *r = find_route(req->path, method_bit(req->method), req, &allowed);
    bool is_options = !strcmp(req->method, "OPTIONS");
    struct gis_error err = {0};
    enum wait_result w;

    if (!allowed) {
        api_error(res, 404, "not_found", "no resource at this path");
        return false;
    }
    if (!r && !is_options) {
        api_error(res, 405, "method_not_allowed", "this resource does not answer that method");
        allow_header(res, allowed);
        return false;
    }
    if (!is_options &&
        (!cors_decide(srv, req, r->is_guarded || api_header(req, "Authorization") != NULL, res,
                      rp) ||
         !accept_ok(req, r, res)))
        return false;
    req->jobs = srv->jobs;
    req->tiles = srv->tiles;
    req->sources = srv->sources;
    req->coverage = srv->coverage;
    req->editor = srv->editor;
    req->throttle = srv->throttle;
    req->web_dir = srv->web_dir;
    w = ctx_acquire(srv, st, req, &err);
    if (w == WAIT_SUSPENDED)
        return true;
    if (w == WAIT_REFUSED) {
        api_fail(res, &err);
        api_header_add(res, "Retry-After", "1");
        return false;
    }
    if (!api_authenticate(req, res))
        return false;
    req->caller.role = req->who.role;
    req->caller.user = req->who.user_id ? req->who.name : NULL;
    if (is_options)
        answer_options(srv, req, allowed_for(req, allowed), res, rp);
    else if (role_suffices(req, r, res))
        r->handler(req, res);
    return false;
}

/* ---------------------------------------------------------------- waiting for a job */

/* The job's end resumes its connection: MHD then calls on_request again. Runs on the
 * thread that ended the job, or on this connection's own thread if it had ended. */
static void on_job_done(void *cls)
{
    struct req_state *st = cls;

    MHD_resume_connection(st->conn);
}

/* Suspends the connection until job id ends. Suspending first and watching second
 * means the resume can never come before the suspend; the connection holds no worker
 * context meanwhile. Every suspended connection is resumed by jobs_shutdown before the
 * daemon stops (libmicrohttpd requires it). */
static enum MHD_Result defer_to_job(struct server *srv,
                                    struct req_state *st,
                                    struct api_request *req,
                                    struct api_response *res,
                                    const struct reply *rp)
{
    memcpy(st->wait_job, res->wait_job, sizeof st->wait_job);
    st->reply = *rp;
    ctx_give(srv, req->ctx);
    req->ctx = NULL;
    if (res->produce_free)
        res->produce_free(res->produce_ctx);
    gbuf_free(&res->body);
    pthread_mutex_lock(&srv->lock);
    srv->n_job_waits++;
    st->is_job_waiting = true;
    pthread_mutex_unlock(&srv->lock);
    MHD_suspend_connection(st->conn);
    if (jobs_watch(srv->jobs, st->wait_job, on_job_done, st) != GIS_OK)
        MHD_resume_connection(st->conn); /* gone already: api_job_answer says so */
    return MHD_YES;
}

/* The connection's answer is sent, or the connection is gone (libmicrohttpd's completion
 * callback; not when the answer is queued: a shutdown that stopped the daemon then would
 * close the connection before the answer left, and the client would get none). */
static void waiting_done(struct req_state *st)
{
    if (!st || !st->is_job_waiting)
        return;
    pthread_mutex_lock(&st->srv->lock);
    st->is_job_waiting = false;
    st->srv->n_job_waits--;
    pthread_cond_broadcast(&st->srv->drained);
    pthread_mutex_unlock(&st->srv->lock);
}

/* At shutdown, after jobs_shutdown resumed them: gives the waiting connections up to
 * timeout_s to send their answers, since stopping the daemon would just close them. */
static void drain_waiting(struct server *srv, double timeout_s)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)timeout_s;
    pthread_mutex_lock(&srv->lock);
    while (srv->n_job_waits > 0)
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

/* The access log line: every client-sent value quoted and escaped (log.h). */
static void
log_request(const struct req_state *st, const char *method, const char *url, unsigned status)
{
    const char *raw = st->raw_uri ? st->raw_uri : "";
    const char *q = raw + raw_path_len(raw);
    char m[40], path[240], query[480];

    LOG_INFO("http", "req=%llu method=\"%s\" path=\"%s\" query=\"%s\" status=%u ms=%.2f",
             (unsigned long long)st->id, log_quote(m, sizeof m, method, strlen(method)),
             log_quote(path, sizeof path, url, strlen(url)),
             log_quote(query, sizeof query, q + (*q == '?'), strlen(q + (*q == '?'))), status,
             ms_since(&st->t0));
}

static void response_init(struct api_response *res)
{
    /* Not = {0}: the header values are large and need no zeroing, only counting. */
    res->status = 200;
    res->content_type = NULL;
    res->n_headers = 0;
    res->produce = NULL;
    res->produce_ctx = NULL;
    res->produce_free = NULL;
    res->is_body_gzip = false;
    res->wait_job[0] = '\0';
    gbuf_init(&res->body, API_MAX_BODY);
}

/* Sends res, releases what the request holds, logs it. */
static enum MHD_Result finish(struct server *srv,
                              struct req_state *st,
                              struct api_request *req,
                              struct api_response *res,
                              const struct reply *rp)
{
    enum MHD_Result ret = send_response(srv, req->conn, req, res, rp);

    if (res->produce_free)
        res->produce_free(res->produce_ctx);
    ctx_give(srv, req->ctx);
    gbuf_free(&res->body);
    log_request(st, req->method, req->path, res->status);
    return ret;
}

/* The first call, with the headers: framing is checked before any body is read. */
static enum MHD_Result
on_headers(struct server *srv, struct req_state *st, const char *url, const char *method)
{
    const char *problem = framing_problem(st->conn);
    struct api_request req = {0};
    struct api_response res;
    struct reply rp = {CORS_ANY, NULL, false, false, true};

    st->has_headers = true;
    st->has_body = (method_bit(method) & (API_POST | API_PUT | API_PATCH)) != 0;
    if (!problem)
        return MHD_YES;
    req.method = method;
    req.path = url;
    req.conn = st->conn;
    response_init(&res);
    api_error(&res, 400, "bad_framing", problem);
    return finish(srv, st, &req, &res, &rp);
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
    struct req_state *st = *con_cls;
    struct api_request req = {0};
    struct api_response res;
    struct reply rp = {CORS_ANY, NULL, false, false, false};

    (void)version;
    if (!st) /* uri_logged could not allocate it */
        return MHD_NO;
    if (!st->has_headers)
        return on_headers(srv, st, url, method);
    if (*upload_data_size) {
        if (st->has_body) /* past MAX_BODY the buffer's sticky error answers 413 below */
            gbuf_append(&st->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (thread_ctx.srv != srv) {
        thread_ctx.srv = srv;
        thread_ctx.ctx = NULL;
    }
    req.method = method;
    req.path = url;
    req.conn = conn;
    req.id = st->id;
    req.accepts_gzip = accepts_gzip(conn);
    if (st->has_body) {
        req.body = st->body.data ? st->body.data : "";
        req.body_len = st->body.len;
    }
    response_init(&res);
    if (st->wait_job[0]) {
        /* Resumed by its job's end: the answer is the job's outcome. */
        req.jobs = srv->jobs;
        rp = st->reply;
        api_job_answer(&req, &res, st->wait_job);
    } else if (st->has_body && gbuf_status(&st->body) != GIS_OK) {
        api_error(&res, 413, "too_large", "the request body is larger than 1 MiB");
    } else if (request_is_clean(st, &req, &res) && dispatch(srv, st, &req, &res, &rp)) {
        gbuf_free(&res.body); /* suspended: this runs again when a context is free */
        return MHD_YES;
    } else if (res.wait_job[0]) {
        return defer_to_job(srv, st, &req, &res, &rp);
    }
    return finish(srv, st, &req, &res, &rp);
}

/* Counts the parameters of a raw query as libmicrohttpd will split it (on '&'). */
static size_t count_params(const char *query)
{
    size_t n = *query ? 1 : 0;

    for (; *query; query++)
        n += *query == '&';
    return n;
}

/* Called with the raw request line's target, before libmicrohttpd parses it: starts the
 * request's state (*con_cls). libmicrohttpd 0.9.x stores a record per query parameter in
 * the connection's fixed memory pool, and when that runs out (some 450 parameters in 32
 * KiB) it neither answers nor closes: the connection hangs until its timeout. So past
 * MAX_QUERY_PARAMS the query is cut here, in the buffer it is about to parse, and the
 * request is answered 400 (request_is_clean). 1.0 answers such requests itself. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct server *srv = cls;
    struct req_state *st = calloc(1, sizeof *st);
    char *q = strchr(uri, '?');

    if (!st)
        return NULL;
    st->srv = srv;
    st->conn = conn;
    st->raw_uri = strdup(uri);
    st->id = atomic_fetch_add(&srv->next_id, 1) + 1;
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    gbuf_init(&st->body, MAX_BODY);
    if (q) {
        st->n_params = count_params(q + 1);
#if MHD_VERSION < 0x01000000
        if (st->n_params > MAX_QUERY_PARAMS)
            q[1] = '\0';
#endif
    }
    return st;
}

/* Frees the request's state when its connection is done with it. A request never
 * completes while queued for a context (a suspended connection is not processed, and
 * server_stop resumes every waiter first), but one may hold a context granted to it. */
static void on_completed(void *cls,
                         struct MHD_Connection *conn,
                         void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct req_state *st = *con_cls;

    (void)cls;
    (void)conn;
    (void)code;
    if (st && st->is_leaving) {
        pthread_mutex_lock(&st->srv->lock);
        st->srv->n_leaving--;
        pthread_cond_broadcast(&st->srv->wake);
        pthread_mutex_unlock(&st->srv->lock);
    }
    if (st) {
        waiting_done(st); /* answered, or closed before it was */
        ctx_give(st->srv, st->granted);
        gbuf_free(&st->body);
        free(st->raw_uri);
        free(st);
    }
    *con_cls = NULL;
}

/* ---------------------------------------------------------------- lifecycle */

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], quoted[600];

    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    LOG_WARN("mhd", "msg=\"%s\"", log_quote(quoted, sizeof quoted, msg, strlen(msg)));
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

/* poll(), not epoll: libmicrohttpd's epoll loop (0.9.75 and 1.0) takes events 128 at a
 * time and, when a call fills all 128, waits again before serving them, for up to the
 * connection timeout: a worker whose 128 connections all have something to say at once
 * (a load of 256 keep-alive clients on two workers, CI's failure) stopped answering for
 * 30-60 s. Its poll loop serves what one call reports (tests/integration/test_load.py,
 * ReadyAtOnce). */
static enum gis_status start_daemon(struct server *srv,
                                    const struct server_options *opt,
                                    unsigned threads,
                                    struct gis_error *err)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
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
                         60u, MHD_OPTION_URI_LOG_CALLBACK, uri_logged, srv,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!srv->daemon)
        return gis_fail(err, GIS_ERR_IO, "cannot listen on %s port %u (in use?)",
                        opt->bind ? opt->bind : "127.0.0.1", (unsigned)opt->port);
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opt->port;
    return GIS_OK;
}

/* Keeps lowercased copies of the --cors-origin list (browsers send origins lowercased). */
static enum gis_status
copy_origins(struct server *srv, const struct server_options *opt, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t i, k;

    if (opt->n_cors_origins > MAX_CORS_ORIGINS)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "at most %d CORS origins", MAX_CORS_ORIGINS);
    for (i = 0; i < opt->n_cors_origins && rc == GIS_OK; i++) {
        rc = params_origin(opt->cors_origins[i], err);
        if (rc == GIS_OK && !(srv->cors_origins[i] = strdup(opt->cors_origins[i])))
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        if (rc == GIS_OK)
            srv->n_cors_origins++;
        for (k = 0; rc == GIS_OK && srv->cors_origins[i][k]; k++)
            srv->cors_origins[i][k] = (char)tolower((unsigned char)srv->cors_origins[i][k]);
    }
    return rc;
}

static enum gis_status start_reaper(struct server *srv, struct gis_error *err)
{
    if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0)
        return gis_fail(err, GIS_ERR_INTERNAL, "cannot start a thread");
    srv->has_reaper = true;
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

/* Bad tokens one client address may send in a minute before it is refused (429). */
#define BAD_TOKENS_PER_MINUTE 10

static void init_sync(struct server *srv)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->wake, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->drained, &ca);
    pthread_condattr_destroy(&ca);
}

/* The job pool, the tile cache and the prepared tile layers. */
static enum gis_status
start_workers(struct server *srv, const struct server_options *opt, struct gis_error *err)
{
    enum gis_status rc = jobs_start(
        &(struct jobs_options){opt->db_path, opt->job_workers, opt->job_ttl_s, opt->job_max},
        &srv->jobs, err);

    if (rc == GIS_OK && opt->tile_cache_mb &&
        tilecache_new(opt->tile_cache_mb * 1024 * 1024, &srv->tiles) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "cannot allocate the tile cache");
    if (rc == GIS_OK && tileset_sources_new(srv->tiles, opt->tile_buffer, opt->tile_max_kb * 1024,
                                            &srv->sources) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return rc;
}

/* What the server holds before it opens anything: its options' copies, the coverage
 * layers, the web folder, the token key and the bad-token throttle. */
static enum gis_status
server_prepare(struct server *srv, const struct server_options *opt, struct gis_error *err)
{
    enum gis_status rc =
        srv->db_path ? copy_origins(srv, opt, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    if (rc == GIS_OK)
        rc = coverage_layers_new(&srv->coverage, err);
    if (rc == GIS_OK)
        rc = api_web_dir_find(opt->web_dir, &srv->web_dir, err);
    if (rc == GIS_OK)
        rc = auth_init(err);
    if (rc == GIS_OK && throttle_new(BAD_TOKENS_PER_MINUTE, 60, &srv->throttle) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    return rc;
}

enum gis_status
server_start(const struct server_options *opt, struct server **out, struct gis_error *err)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opt->threads ? opt->threads : (unsigned)(ncpu > 0 ? ncpu : 2);
    struct server *srv = calloc(1, sizeof *srv);
    enum gis_status rc;

    if (!srv)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    init_sync(srv);
    srv->db_path = strdup(opt->db_path);
    srv->max_ctx = threads * 8 + 8;
    rc = server_prepare(srv, opt, err);
    if (rc == GIS_OK)
        rc = open_contexts(srv, threads, err);
    if (rc == GIS_OK)
        open_editor(srv);
    if (rc == GIS_OK)
        rc = start_workers(srv, opt, err);
    if (rc == GIS_OK)
        rc = start_reaper(srv, err);
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

/* Every waiter is resumed and no new one may wait: libmicrohttpd must not be stopped
 * with a connection suspended. The resumed ones get up to a second to be answered 503
 * before the daemon stops and closes what is left. */
static void stop_waiting(struct server *srv)
{
    struct timespec until;

    pthread_mutex_lock(&srv->lock);
    srv->is_stopping = true;
    expire_waiters(srv, true);
    pthread_cond_broadcast(&srv->wake);
    pthread_mutex_unlock(&srv->lock);
    if (srv->has_reaper)
        pthread_join(srv->reaper, NULL);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_mutex_lock(&srv->lock);
    while (srv->n_leaving && srv->daemon &&
           pthread_cond_timedwait(&srv->wake, &srv->lock, &until) == 0)
        ;
    pthread_mutex_unlock(&srv->lock);
}

void server_stop(struct server *srv)
{
    struct api_ctx *c, *next;
    size_t i;

    if (!srv)
        return;
    jobs_shutdown(srv->jobs); /* resumes every connection waiting for a job */
    drain_waiting(srv, 10);
    stop_waiting(srv);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    jobs_stop(srv->jobs);
    editor_close(srv->editor);
    throttle_free(srv->throttle);
    tileset_sources_free(srv->sources);
    tilecache_free(srv->tiles);
    for (c = srv->all; c; c = next) {
        next = c->all_next;
        ctx_free(c);
    }
    coverage_layers_free(srv->coverage); /* after the stores it was attached to */
    for (i = 0; i < srv->n_cors_origins; i++)
        free(srv->cors_origins[i]);
    pthread_cond_destroy(&srv->wake);
    pthread_cond_destroy(&srv->drained);
    pthread_mutex_destroy(&srv->lock);
    free(srv->db_path);
    free(srv->web_dir);
    free(srv);
}
