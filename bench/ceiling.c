/*
 * The bare HTTP ceiling for the benchmarks: libmicrohttpd answering every request with
 * a fixed 2 KB body, configured like civgis serve (thread pool, epoll). civgis's
 * cached answers (304s, cached tiles) are reported as a fraction of this.
 *   bench_ceiling PORT THREADS   (runs until killed; 127.0.0.1 only)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char body[2048];

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
    struct MHD_Response *r = cls;

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
    return MHD_queue_response(conn, MHD_HTTP_OK, r);
}

int main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    struct MHD_Response *r;
    struct sockaddr_in sa = {0};
    int port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 58090;
    unsigned threads = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;

    memset(body, 'x', sizeof body);
    r = MHD_create_response_from_buffer(sizeof body, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
                         (unsigned short)port, NULL, NULL, answer, r, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_ceiling: cannot listen on %d\n", port);
        return 1;
    }
    printf("listening on http://127.0.0.1:%d/\n", port);
    fflush(stdout);
    pause();
    MHD_stop_daemon(d);
    MHD_destroy_response(r);
    return 0;
}
