/*
 * libmicrohttpd glue: the daemon, the pool of per-worker stores, the route table,
 * CORS, the access log, and sending a struct api_response. Knows nothing of the data:
 * handlers in api_*.c do the work.
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
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "log.h"

/* A store checked out by a request. There are as many as worker threads, so a request
 * never waits for one unless the pool is misconfigured. */
struct worker_slot {
    struct store *st;
    struct worker_slot *next;
};

struct server {
    struct MHD_Daemon *daemon;
    struct worker_slot *slots;
    unsigned n_slots;
    struct worker_slot *free_list;
    pthread_mutex_t lock;
    pthread_cond_t available;
    atomic_uint_fast64_t next_id;
    uint16_t port;
};

struct route {
    const char *path;
    api_handler_fn handler;
};

static const struct route ROUTES[] = {
    {"/", api_landing},
    {"/health", api_health},
    {"/collections", api_collections},
};

/* ---------------------------------------------------------------- pool */

static struct worker_slot *slot_take(struct server *srv)
{
    struct worker_slot *s;

    pthread_mutex_lock(&srv->lock);
    while (!srv->free_list)
        pthread_cond_wait(&srv->available, &srv->lock);
    s = srv->free_list;
    srv->free_list = s->next;
    pthread_mutex_unlock(&srv->lock);
    return s;
}

static void slot_give(struct server *srv, struct worker_slot *s)
{
    pthread_mutex_lock(&srv->lock);
    s->next = srv->free_list;
    srv->free_list = s;
    pthread_cond_signal(&srv->available);
    pthread_mutex_unlock(&srv->lock);
}

/* ---------------------------------------------------------------- request helpers */

const char *api_query(const struct api_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
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
    const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");

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

/* ---------------------------------------------------------------- sending */

static enum MHD_Result
send_response(struct MHD_Connection *conn, const char *method, struct api_response *res)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len = res->body.len;
    char *body = gbuf_steal(&res->body);
    unsigned i;

    if (!strcmp(method, "HEAD") || res->status == 204 || res->status == 304) {
        free(body);
        body = NULL;
        len = 0;
    }
    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (res->content_type && len)
        MHD_add_response_header(r, "Content-Type", res->content_type);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers", "ETag, Content-Crs, Link");
    for (i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    ret = MHD_queue_response(conn, res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void preflight(struct api_response *res)
{
    res->status = 204;
    api_header_add(res, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    api_header_add(res, "Access-Control-Allow-Headers",
                   "Accept, Accept-Encoding, Content-Type, If-None-Match, Authorization");
    api_header_add(res, "Access-Control-Max-Age", "86400");
}

static const struct route *find_route(const char *path)
{
    size_t i;
    size_t n = strlen(path);

    /* "/collections/" and "/collections" are the same resource. */
    if (n > 1 && path[n - 1] == '/')
        n--;
    for (i = 0; i < sizeof ROUTES / sizeof *ROUTES; i++)
        if (strlen(ROUTES[i].path) == n && !strncmp(ROUTES[i].path, path, n))
            return &ROUTES[i];
    return NULL;
}

static void dispatch(struct server *srv, struct api_request *req, struct api_response *res)
{
    const struct route *route = find_route(req->path);
    struct worker_slot *slot;

    if (!route) {
        api_error(res, 404, "not_found", "no resource at this path");
        return;
    }
    if (!strcmp(req->method, "OPTIONS")) {
        preflight(res);
        return;
    }
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
        api_error(res, 405, "method_not_allowed", "this resource answers GET and HEAD");
        api_header_add(res, "Allow", "GET, HEAD, OPTIONS");
        return;
    }
    slot = slot_take(srv);
    req->st = slot->st;
    route->handler(req, res);
    slot_give(srv, slot);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
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
    static int first_call_marker;
    struct server *srv = cls;
    struct api_request req = {0};
    struct api_response res = {0};
    struct timespec t0;
    enum MHD_Result ret;
    size_t bytes;

    (void)version;
    (void)upload_data;
    if (!*con_cls) {
        /* First call: headers only. Bodies are not accepted yet; see 405 below. */
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* discard; answered with 405/413 on the final call */
        return MHD_YES;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    req.method = method;
    req.path = url;
    req.conn = conn;
    req.id = atomic_fetch_add(&srv->next_id, 1) + 1;
    res.status = 200;
    gbuf_init(&res.body, API_MAX_BODY);
    dispatch(srv, &req, &res);
    bytes = res.body.len;
    ret = send_response(conn, method, &res);
    gbuf_free(&res.body);
    LOG_INFO("http", "req=%llu method=%s path=\"%.200s\" status=%u bytes=%zu ms=%.2f",
             (unsigned long long)req.id, method, url, res.status, bytes, ms_since(&t0));
    return ret;
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

static enum gis_status
open_slots(struct server *srv, const struct server_options *opt, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    unsigned i;

    srv->slots = calloc(srv->n_slots, sizeof *srv->slots);
    if (!srv->slots)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (i = 0; i < srv->n_slots && rc == GIS_OK; i++) {
        rc = store_open(opt->db_path, STORE_READ_ONLY, &srv->slots[i].st, err);
        if (rc == GIS_OK) {
            srv->slots[i].next = srv->free_list;
            srv->free_list = &srv->slots[i];
        }
    }
    return rc;
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

enum gis_status
server_start(const struct server_options *opt, struct server **out, struct gis_error *err)
{
    struct sockaddr_storage sa;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    const union MHD_DaemonInfo *info;
    struct server *srv;
    enum gis_status rc;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    srv = calloc(1, sizeof *srv);
    if (!srv)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->available, NULL);
    srv->n_slots = opt->threads ? opt->threads : (unsigned)(ncpu > 0 ? ncpu : 2);
    rc = parse_bind(opt, &sa, &flags, err);
    if (rc == GIS_OK)
        rc = open_slots(srv, opt, err);
    if (rc == GIS_OK) {
        srv->daemon = MHD_start_daemon(
            flags, opt->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
            NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, srv->n_slots,
            MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
        if (!srv->daemon)
            rc = gis_fail(err, GIS_ERR_IO, "cannot listen on %s port %u (in use?)",
                          opt->bind ? opt->bind : "127.0.0.1", (unsigned)opt->port);
    }
    if (rc != GIS_OK) {
        server_stop(srv);
        return rc;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opt->port;
    *out = srv;
    return GIS_OK;
}

uint16_t server_port(const struct server *srv)
{
    return srv->port;
}

void server_stop(struct server *srv)
{
    unsigned i;

    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    for (i = 0; srv->slots && i < srv->n_slots; i++)
        store_close(srv->slots[i].st);
    free(srv->slots);
    pthread_cond_destroy(&srv->available);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}
