/*
 * The HTTP server: libmicrohttpd with a thread pool, one read-only store per worker.
 * server_start returns once the socket listens; server_stop drains and frees it.
 */
#ifndef CIVGIS_SERVER_H
#define CIVGIS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct server;

struct server_options {
    const char *db_path;
    const char *bind;     /* IPv4 or IPv6 literal; NULL: 127.0.0.1 */
    uint16_t port;        /* 0: an ephemeral port, see server_port */
    unsigned threads;     /* worker threads; 0: the number of CPUs */
    size_t tile_cache_mb; /* the tile cache's size; 0: no cache */
    unsigned tile_buffer; /* tile units (of 4096) around a tile; see tileset.h */
    size_t tile_max_kb;   /* the tile size guard; 0: TILESET_MAX_BYTES */
    unsigned job_workers; /* job workers besides the short-job one; 0: the number of CPUs */
    double job_ttl_s;     /* how long an ended job is kept; <= 0: an hour */
    size_t job_max;       /* jobs held at once; 0: 256 */
    /* Origins (scheme://host[:port]) whose pages may run processes and read or cancel
     * jobs across origins (CORS); reads of public data answer every origin. At most 16. */
    const char *const *cors_origins;
    size_t n_cors_origins;
    /* The browser application's folder (holding index.html); NULL: beside the binary
     * (build/web) or where it is installed (PREFIX/share/civgis/web), if there. */
    const char *web_dir;
};

/* Opens one read-only store per worker and starts listening. out: the running server,
 * stopped with server_stop. Fails with GIS_ERR_NOT_FOUND when the database is missing,
 * GIS_ERR_IO when the address cannot be bound, GIS_ERR_INVALID_ARG for a bad origin,
 * GIS_ERR_NOT_FOUND when web_dir has no index.html. */
enum gis_status
server_start(const struct server_options *opt, struct server **out, struct gis_error *err);

/* The port actually bound (useful with port 0). */
uint16_t server_port(const struct server *srv);

/* Stops accepting, finishes requests in flight, closes the stores. NULL is a no-op. */
void server_stop(struct server *srv);

#endif
