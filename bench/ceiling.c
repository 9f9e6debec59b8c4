/*
 * The bare HTTP ceiling for the benchmarks: libmicrohttpd answering every request with
 * a fixed 2 KB body, or, when the request carries If-None-Match, with a header-only
 * 304 (an ETag, no body), on a thread pool like civgis serve. It keeps libmicrohttpd's
 * epoll loop, faster at the benchmarks' 16 connections, where civgis serve uses the
 * poll loop (server/http.c says why): the ceiling is the faster of the two, so the
 * ratios are not flattered. civgis's cached tiles are reported as a fraction of the
 * first, its 304s of the second, so each is set against a server sending the same kind
 * of answer.
 *   bench_ceiling PORT THREADS   (runs until killed; 127.0.0.1 only)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char body[2048];

struct answers {
    struct MHD_Response *ok, *not_modified;
};

static enum MHD_Result answer(void *cls,
                              struct MHD_Connection *conn,
                              const char *url,
                              const char *method,
                              const char *version,
                              const char *upload_data,
                              size_t *upload_data_size,
                              void **con_cls)
{
    static int seen;
    const struct answers *a = cls;

    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    /* Answering on the first call (headers only) makes MHD close the connection; civgis
     * answers on the second, and so must the ceiling to keep connections alive. */
    if (!*con_cls) {
        *con_cls = &seen;
        return MHD_YES;
    }
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH))
        return MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, a->not_modified);
    return MHD_queue_response(conn, MHD_HTTP_OK, a->ok);
}

int main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    struct answers a;
    struct sockaddr_in sa = {0};
    int port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 58090;
    unsigned threads = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;

    memset(body, 'x', sizeof body);
    a.ok = MHD_create_response_from_buffer(sizeof body, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(a.ok, "Content-Type", "application/json");
    a.not_modified = MHD_create_response_from_buffer(0, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(a.not_modified, "ETag", "\"0123456789abcdef\"");
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
                         (unsigned short)port, NULL, NULL, answer, &a, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_ceiling: cannot listen on %d\n", port);
        return 1;
    }
    printf("listening on http://127.0.0.1:%d/\n", port);
    fflush(stdout);
    pause();
    MHD_stop_daemon(d);
    MHD_destroy_response(a.ok);
    MHD_destroy_response(a.not_modified);
    return 0;
}
