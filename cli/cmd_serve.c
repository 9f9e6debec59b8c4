/*
 * civgis serve: starts the HTTP server and waits for SIGINT/SIGTERM. The signals are
 * blocked before the server's threads start (they inherit the mask) and taken with
 * sigwait here, so shutdown runs in ordinary code, not in a signal handler.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "tileset.h"

static const char USAGE[] =
    "usage: civgis serve --db FILE [--bind ADDR] [--port N] [--threads N]\n"
    "                    [--cors-origin URL]... [--quiet]\n"
    "\n"
    "Serves the database over HTTP until SIGINT or SIGTERM.\n"
    "\n"
    "options:\n"
    "  --db FILE       the SpatiaLite database (opened read-only)\n"
    "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
    "  --port N        port (default 8080; 0 picks a free one)\n"
    "  --threads N     worker threads (default: one per CPU)\n"
    "  --tile-cache-mb N  memory for cached vector tiles (default 256; 0: none)\n"
    "  --tile-buffer N    tile units (of 4096) of geometry kept around each tile\n"
    "                     (default 64, up to 2048)\n"
    "  --cors-origin URL  an origin (scheme://host[:port]) whose web pages may run\n"
    "                     processes and read or cancel jobs; repeatable, up to 16.\n"
    "                     Reads of public data answer every origin.\n"
    "  --quiet         no access log\n"
    "  -h, --help      this text\n"
    "\n"
    "Prints 'listening on http://ADDR:PORT/' on stdout once ready.\n";

static const struct option OPTIONS[] = {
    {"db", required_argument, NULL, 'd'},
    {"bind", required_argument, NULL, 'b'},
    {"port", required_argument, NULL, 'p'},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"tile-cache-mb", required_argument, NULL, 'c'},
    {"tile-buffer", required_argument, NULL, 'B'},
    {"cors-origin", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --port, --threads, --tile-cache-mb, --tile-buffer: whole numbers within bounds. */
static bool number_option(int ch, const char *arg, struct server_options *opt)
{
    static const struct {
        int ch;
        const char *name;
        double lo, hi;
    } limits[] = {
        {'p', "--port", 0, 65535},
        {'t', "--threads", 1, 256},
        {'c', "--tile-cache-mb", 0, 65536},
        {'B', "--tile-buffer", 0, TILESET_BUFFER_MAX},
    };
    double v;
    size_t i;

    for (i = 0; limits[i].ch != ch; i++)
        ;
    if (!cli_number(arg, limits[i].lo, limits[i].hi, true, &v)) {
        fprintf(stderr, "civgis serve: %s '%s' is not %g..%g\n", limits[i].name, arg, limits[i].lo,
                limits[i].hi);
        return false;
    }
    if (ch == 'p')
        opt->port = (uint16_t)v;
    else if (ch == 't')
        opt->threads = (unsigned)v;
    else if (ch == 'c')
        opt->tile_cache_mb = (size_t)v;
    else
        opt->tile_buffer = (unsigned)v;
    return true;
}

#define MAX_ORIGINS 16

/* --cors-origin: a well-formed origin, at most MAX_ORIGINS of them. */
static bool origin_option(const char *arg, const char **origins, size_t *n)
{
    struct gis_error err = {0};

    if (*n == MAX_ORIGINS) {
        fprintf(stderr, "civgis serve: at most %d --cors-origin\n", MAX_ORIGINS);
        return false;
    }
    if (params_origin(arg, &err) != GIS_OK) {
        fprintf(stderr, "civgis serve: --cors-origin: %s\n", err.msg);
        return false;
    }
    origins[(*n)++] = arg;
    return true;
}

int cli_serve(int argc, char **argv)
{
    struct server_options opt = {
        .port = 8080, .tile_cache_mb = 256, .tile_buffer = TILESET_BUFFER_DEFAULT};
    const char *origins[MAX_ORIGINS];
    struct server *srv = NULL;
    struct gis_error err = {0};
    sigset_t set;
    int ch, sig = 0;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", OPTIONS, NULL)) != -1) {
        switch (ch) {
        case 'd':
            opt.db_path = optarg;
            break;
        case 'b':
            opt.bind = optarg;
            break;
        case 'p':
        case 't':
        case 'c':
        case 'B':
            if (!number_option(ch, optarg, &opt))
                return CLI_USAGE;
            break;
        case 'o':
            if (!origin_option(optarg, origins, &opt.n_cors_origins))
                return CLI_USAGE;
            opt.cors_origins = origins;
            break;
        case 'q':
            log_level_set(LOG_LEVEL_WARN);
            break;
        case 'h':
            fputs(USAGE, stdout);
            return CLI_OK;
        default:
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    if (!opt.db_path || optind < argc) {
        fprintf(stderr, "civgis serve: --db is required and takes no other arguments\n\n%s", USAGE);
        return CLI_USAGE;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (server_start(&opt, &srv, &err) != GIS_OK) {
        cli_report("serve", &err);
        return CLI_FAILURE;
    }
    printf("listening on http://%s%s%s:%u/\n", opt.bind && strchr(opt.bind, ':') ? "[" : "",
           opt.bind ? opt.bind : "127.0.0.1", opt.bind && strchr(opt.bind, ':') ? "]" : "",
           (unsigned)server_port(srv));
    fflush(stdout);
    sigwait(&set, &sig);
    LOG_INFO("serve", "event=shutdown signal=%d", sig);
    server_stop(srv);
    return CLI_OK;
}
