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
#include "server.h"

static const char USAGE[] =
    "usage: civgis serve --db FILE [--bind ADDR] [--port N] [--threads N] [--quiet]\n"
    "\n"
    "Serves the database over HTTP until SIGINT or SIGTERM.\n"
    "\n"
    "options:\n"
    "  --db FILE       the SpatiaLite database (opened read-only)\n"
    "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
    "  --port N        port (default 8080; 0 picks a free one)\n"
    "  --threads N     worker threads (default: one per CPU)\n"
    "  --tile-cache-mb N  memory for cached vector tiles (default 256; 0: none)\n"
    "  --quiet         no access log\n"
    "  -h, --help      this text\n"
    "\n"
    "Prints 'listening on http://ADDR:PORT/' on stdout once ready.\n";

static const struct option OPTIONS[] = {
    {"db", required_argument, NULL, 'd'},   {"bind", required_argument, NULL, 'b'},
    {"port", required_argument, NULL, 'p'}, {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},      {"tile-cache-mb", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
};

int cli_serve(int argc, char **argv)
{
    struct server_options opt = {.port = 8080, .tile_cache_mb = 256};
    struct server *srv = NULL;
    struct gis_error err = {0};
    double v;
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
            if (!cli_number(optarg, 0, 65535, true, &v)) {
                fprintf(stderr, "civgis serve: --port '%s' is not 0..65535\n", optarg);
                return CLI_USAGE;
            }
            opt.port = (uint16_t)v;
            break;
        case 't':
            if (!cli_number(optarg, 1, 256, true, &v)) {
                fprintf(stderr, "civgis serve: --threads '%s' is not 1..256\n", optarg);
                return CLI_USAGE;
            }
            opt.threads = (unsigned)v;
            break;
        case 'c':
            if (!cli_number(optarg, 0, 65536, true, &v)) {
                fprintf(stderr, "civgis serve: --tile-cache-mb '%s' is not 0..65536\n", optarg);
                return CLI_USAGE;
            }
            opt.tile_cache_mb = (size_t)v;
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
