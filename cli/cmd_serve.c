/*
 * civgis serve: starts the HTTP server and waits for SIGINT/SIGTERM. The signals are
 * blocked before the server's threads start (they inherit the mask) and taken with
 * sigwait here, so shutdown runs in ordinary code, not in a signal handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "store.h"
#include "tileset.h"

static const char USAGE[] =
    "usage: civgis serve --db FILE [--bind ADDR] [--port N] [--threads N] [--job-workers N]\n"
    "                    [--job-ttl S] [--job-max N] [--cors-origin URL]... [--web DIR]\n"
    "                    [--quiet]\n"
    "\n"
    "Serves the database over HTTP until SIGINT or SIGTERM.\n"
    "\n"
    "options:\n"
    "  --db FILE       the SpatiaLite database (opened read-only; an older civgis\n"
    "                  store is migrated to this version's schema first)\n"
    "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
    "  --port N        port (default 8080; 0 picks a free one)\n"
    "  --threads N     worker threads (default: one per CPU)\n"
    "  --tile-cache-mb N  memory for cached vector tiles (default 256; 0: none)\n"
    "  --tile-buffer N    tile units (of 4096) of geometry kept around each tile\n"
    "                     (default 64, up to 2048)\n"
    "  --tile-max-kb N    the size guard (default 500): a larger tile is simplified\n"
    "                     harder, then its lines and polygons are thinned; points are\n"
    "                     never thinned: a tile whose points alone pass it answers 500\n"
    "  --job-workers N    workers for process runs (default: one per CPU), plus one\n"
    "                     that runs short jobs only\n"
    "  --job-ttl S        seconds an ended job and its result are kept (default 3600)\n"
    "  --job-max N        jobs held at once, queued, running or ended (default 256)\n"
    "  --cors-origin URL  an origin (scheme://host[:port]) whose web pages may run\n"
    "                     processes and read or cancel jobs; repeatable, up to 16.\n"
    "                     Reads of public data answer every origin.\n"
    "  --web DIR       the web application's folder, served at / to browsers and\n"
    "                  under /app/ (default: build/web beside a built binary, or\n"
    "                  PREFIX/share/civgis/web once installed; none: / answers\n"
    "                  the OGC landing page only)\n"
    "  --quiet         no access log\n"
    "  --log FILE      append the access log and messages to FILE once serving\n"
    "                  (start-up errors still go to stderr)\n"
    "  -h, --help      this text\n"
    "\n"
    "Prints 'listening on http://ADDR:PORT/' on stdout once ready, then a line saying\n"
    "where to open it and how to stop.\n";

static const struct option OPTIONS[] = {
    {"db", required_argument, NULL, 'd'},
    {"bind", required_argument, NULL, 'b'},
    {"port", required_argument, NULL, 'p'},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"log", required_argument, NULL, 'l'},
    {"tile-cache-mb", required_argument, NULL, 'c'},
    {"tile-buffer", required_argument, NULL, 'B'},
    {"tile-max-kb", required_argument, NULL, 'K'},
    {"job-workers", required_argument, NULL, 'w'},
    {"job-ttl", required_argument, NULL, 'T'},
    {"job-max", required_argument, NULL, 'm'},
    {"cors-origin", required_argument, NULL, 'o'},
    {"web", required_argument, NULL, 'W'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --port, --threads, --tile-cache-mb, --tile-buffer, --tile-max-kb, --job-*: whole numbers
 * within * bounds. */
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
        {'K', "--tile-max-kb", 1, TILESET_MAX_KB_CAP},
        {'w', "--job-workers", 1, 256},
        {'T', "--job-ttl", 1, 30 * 86400},
        {'m', "--job-max", 8, 65536},
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
    else if (ch == 'K')
        opt->tile_max_kb = (size_t)v;
    else if (ch == 'B')
        opt->tile_buffer = (unsigned)v;
    else if (ch == 'w')
        opt->job_workers = (unsigned)v;
    else if (ch == 'T')
        opt->job_ttl_s = v;
    else
        opt->job_max = (size_t)v;
    return true;
}

/* Points stderr, where the logger writes, at path (appended). */
static bool redirect_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        fprintf(stderr, "civgis serve: cannot write the log to %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    close(fd);
    return true;
}

/* Moves the log to log_path when given, then says on stdout where the server listens
 * (the first line, which scripts read) and, for people, where to open it and how to stop. */
static bool
announce(const struct server_options *opt, const struct server *srv, const char *log_path)
{
    bool is_v6 = opt->bind && strchr(opt->bind, ':');
    char url[96];

    snprintf(url, sizeof url, "http://%s%s%s:%u/", is_v6 ? "[" : "",
             opt->bind ? opt->bind : "127.0.0.1", is_v6 ? "]" : "", (unsigned)server_port(srv));
    if (log_path && !redirect_log(log_path))
        return false;
    printf("listening on %s\n", url);
    printf("civgis: open %s in a browser; press Ctrl-C to stop%s%s\n", url,
           log_path ? ". Log: " : "", log_path ? log_path : "");
    fflush(stdout);
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
    struct server_options opt = {.port = 8080,
                                 .tile_cache_mb = 256,
                                 .tile_buffer = TILESET_BUFFER_DEFAULT,
                                 .tile_max_kb = TILESET_MAX_BYTES / 1024};
    const char *origins[MAX_ORIGINS];
    struct server *srv = NULL;
    struct gis_error err = {0};
    const char *log_path = NULL;
    sigset_t set;
    int ch, sig = 0, from = 0;

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
        case 'K':
        case 'w':
        case 'T':
        case 'm':
            if (!number_option(ch, optarg, &opt))
                return CLI_USAGE;
            break;
        case 'o':
            if (!origin_option(optarg, origins, &opt.n_cors_origins))
                return CLI_USAGE;
            opt.cors_origins = origins;
            break;
        case 'W':
            opt.web_dir = optarg;
            break;
        case 'q':
            log_level_set(LOG_LEVEL_WARN);
            break;
        case 'l':
            log_path = optarg;
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
    /* The workers open the file read-only: an older store is migrated first, here, the
     * one time serve writes to it. */
    if (store_upgrade(opt.db_path, &from, &err) != GIS_OK) {
        cli_report("serve", &err);
        return CLI_FAILURE;
    }
    if (from > 0 && from < STORE_SCHEMA_VERSION)
        LOG_INFO("serve", "event=migrated db=%s from=%d to=%d", opt.db_path, from,
                 STORE_SCHEMA_VERSION);
    if (server_start(&opt, &srv, &err) != GIS_OK) {
        cli_report("serve", &err);
        return CLI_FAILURE;
    }
    if (!announce(&opt, srv, log_path)) {
        server_stop(srv);
        return CLI_FAILURE;
    }
    sigwait(&set, &sig);
    LOG_INFO("serve", "event=shutdown signal=%d", sig);
    server_stop(srv);
    return CLI_OK;
}
