/*
 * Opening, migrating and closing the SpatiaLite store; transactions, the table versions
 * and audit rows; the prepared-statement cache. Owns the sqlite3 connection and the
 * SpatiaLite per-connection cache. Must not know about any table but store_meta,
 * store_versions and audit: the data tables belong to their gis/ modules (schema.c
 * lists which tables have versions).
 */
#include "store.h"

/* spatialite.h is not self-contained: sqlite3.h must come first. */
#include <sqlite3.h>

#include <spatialite.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geom.h"
#include "gis_int.h"
#include "log.h"

#define STMT_CACHE_SIZE 48
#define BUSY_TIMEOUT_MS 10000

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

struct stmt_slot {
    char *sql; /* owned copy: callers may pass dynamic text */
    sqlite3_stmt *stmt;
};

struct table_version {
    char *name;
    int64_t version;
};

/* SQLite's WAL-index header (https://www.sqlite.org/walformat.html, "The WAL-Index
 * Header"): two 48-byte copies at the start of the -shm file's first 32 KiB region. A
 * writer changes it with every commit, the second copy first; a reader that finds both
 * copies equal has a consistent one. SQLite's own readers start that way. */
#define WAL_HDR_BYTES    48
#define WAL_INDEX_REGION 32768
#define WAL_HDR_IS_INIT  12 /* the byte that is nonzero once the header is set up */

struct store {
    sqlite3 *db;
    int64_t pragma_version; /* PRAGMA data_version when versions was read, -1: never */
    int64_t changes_seen;   /* sqlite3_total_changes64 then */
    struct table_version *versions;
    size_t n_versions, cap_versions;
    /* The WAL index as mapped for this connection, NULL if not (yet) or never (not in WAL
     * mode, a read-only -shm); the header as it was before the versions were last read. */
    const volatile unsigned char *wal_index;
    bool is_wal_index_tried;
    bool is_wal_hdr_seen;
    unsigned char wal_hdr_seen[WAL_HDR_BYTES];
    struct geom scratch; /* for civgis_box_intersects, one connection = one thread */
    void *spatialite_cache;
    int schema_version;
    struct stmt_slot cache[STMT_CACHE_SIZE];
    size_t cache_used;
    store_cov_fn cov_fn; /* civgis_coverage's source (store_cov_source_attach), or NULL */
    void *cov_ctx;
};

sqlite3 *store__db(struct store *st)
{
    return st->db;
}

enum gis_status store__fail(struct store *st, struct gis_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    enum gis_status rc = GIS_ERR_DB;

    if ((code & 0xff) == SQLITE_CONSTRAINT)
        rc = GIS_ERR_CONFLICT;
    else if ((code & 0xff) == SQLITE_BUSY)
        rc = GIS_ERR_TIMEOUT;
    else if ((code & 0xff) == SQLITE_NOMEM)
        rc = GIS_ERR_NOMEM;
    return gis_fail(err, rc, "%s: %s", what, sqlite3_errmsg(st->db));
}

enum gis_status store__exec(struct store *st, const char *sql, struct gis_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        enum gis_status rc = gis_fail(err, GIS_ERR_DB, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return rc;
    }
    return GIS_OK;
}

enum gis_status
store__stmt(struct store *st, const char *sql, sqlite3_stmt **out, struct gis_error *err)
{
    struct stmt_slot hit;
    sqlite3_stmt *stmt = NULL;
    char *key;
    size_t i;

    for (i = st->cache_used; i-- > 0;) {
        if (!strcmp(st->cache[i].sql, sql)) {
            /* Most recently used last: the oldest is evicted first, never a statement a
             * cursor of this request still steps. */
            hit = st->cache[i];
            memmove(st->cache + i, st->cache + i + 1, (st->cache_used - i - 1) * sizeof hit);
            st->cache[st->cache_used - 1] = hit;
            sqlite3_reset(hit.stmt);
            sqlite3_clear_bindings(hit.stmt);
            *out = hit.stmt;
            return GIS_OK;
        }
    }
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return store__fail(st, err, "preparing a query");
    key = strdup(sql);
    if (!key) {
        sqlite3_finalize(stmt);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    if (st->cache_used == STMT_CACHE_SIZE) {
        sqlite3_finalize(st->cache[0].stmt);
        free(st->cache[0].sql);
        memmove(st->cache, st->cache + 1, (STMT_CACHE_SIZE - 1) * sizeof *st->cache);
        st->cache_used--;
    }
    st->cache[st->cache_used].sql = key;
    st->cache[st->cache_used].stmt = stmt;
    st->cache_used++;
    *out = stmt;
    return GIS_OK;
}

void store__done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

static int read_user_version(struct store *st)
{
    sqlite3_stmt *stmt = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* An existing file with user_version 0 but tables of its own is someone else's
 * database: never migrate over it. */
static bool is_empty_database(struct store *st)
{
    sqlite3_stmt *stmt = NULL;
    bool empty = false;

    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        empty = sqlite3_column_int(stmt, 0) == 0;
    sqlite3_finalize(stmt);
    return empty;
}

static enum gis_status check_geometry_columns(struct store *st, struct gis_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int n = 0;

    /* AddGeometryColumn reports failure as a 0 result, not an error: count instead. */
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM geometry_columns", -1, &stmt, NULL) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (n < 5) /* divisions.geom, divisions.seat, places, facilities, demand */
        return gis_fail(err, GIS_ERR_DB, "creating the schema: only %d geometry columns made", n);
    return GIS_OK;
}

static enum gis_status migrate(struct store *st, enum store_mode mode, struct gis_error *err)
{
    enum gis_status rc;
    int v = read_user_version(st);
    char pragma[64];

    if (v < 0)
        return store__fail(st, err, "reading the schema version");
    if (v > STORE_SCHEMA_VERSION)
        return gis_fail(err, GIS_ERR_DB,
                        "the database has schema version %d; this civgis knows up to %d: upgrade "
                        "civgis",
                        v, STORE_SCHEMA_VERSION);
    st->schema_version = v;
    if (v == STORE_SCHEMA_VERSION)
        return GIS_OK;
    if (v == 0 && !is_empty_database(st))
        return gis_fail(err, GIS_ERR_DB, "the file is an SQLite database but not a civgis store");
    if (mode == STORE_READ_ONLY)
        return gis_fail(err, GIS_ERR_DB,
                        "the database has schema version %d and needs migrating to %d: run civgis "
                        "on it once with write access to the file (serve, coverage, site and "
                        "tiles export migrate it)",
                        v, STORE_SCHEMA_VERSION);
    rc = store_begin(st, err);
    if (rc != GIS_OK)
        return rc;
    rc = schema__migrate(st, v, err);
    if (rc == GIS_OK)
        rc = check_geometry_columns(st, err);
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    if (rc == GIS_OK)
        rc = store__exec(st, pragma, err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    if (rc != GIS_OK) {
        store_rollback(st);
        return rc;
    }
    LOG_DEBUG("store", "event=migrated from=%d to=%d", v, STORE_SCHEMA_VERSION);
    st->schema_version = STORE_SCHEMA_VERSION;
    return GIS_OK;
}

/* The bounding box SpatiaLite keeps in every geometry blob's header (bytes 6..37, after
 * the start byte, the byte order and the SRID; 0x7C closes it). False when blob is not
 * a SpatiaLite geometry. */
/* The exact test, only for geometries whose box straddles the query box. */
static int
exact_intersects(struct store *st, const unsigned char *blob, size_t n, const double box[4])
{
    if (geom_from_spatialite(&st->scratch, blob, n, NULL) != GIS_OK)
        return -1;
    return geom_intersects_box(&st->scratch, box);
}

/* civgis_box_intersects(geom, minx, miny, maxx, maxy): exact OGC Intersects of a stored
 * geometry with a box, without GEOS. The blob's own box decides most rows (inside: yes;
 * apart: no); only straddling ones are parsed (geom_intersects_box). NULL for NULL. */
static void box_intersects(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct store *st = sqlite3_user_data(ctx);
    const unsigned char *blob = sqlite3_value_blob(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    double box[4], mbr[4];
    int i, hit;

    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
        sqlite3_result_null(ctx);
        return;
    }
    for (i = 0; i < 4; i++)
        box[i] = sqlite3_value_double(argv[1 + i]);
    if (geom_spatialite_box(blob, n, mbr)) {
        if (mbr[2] < box[0] || mbr[0] > box[2] || mbr[3] < box[1] || mbr[1] > box[3]) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        if (mbr[0] >= box[0] && mbr[2] <= box[2] && mbr[1] >= box[1] && mbr[3] <= box[3]) {
            sqlite3_result_int(ctx, 1);
            return;
        }
    }
    hit = exact_intersects(st, blob, n, box);
    if (hit < 0)
        sqlite3_result_error(ctx, "civgis_box_intersects: not a SpatiaLite geometry", -1);
    else
        sqlite3_result_int(ctx, hit);
}

void store_cov_source_attach(struct store *st, store_cov_fn fn, void *ctx)
{
    st->cov_fn = fn;
    st->cov_ctx = ctx;
}

/* civgis_coverage(kind, demand_code, what): see store_cov_source_attach. */
static void coverage_value(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct store *st = sqlite3_user_data(ctx);
    const unsigned char *kind = sqlite3_value_text(argv[0]);
    const unsigned char *code = sqlite3_value_text(argv[1]);
    int what = sqlite3_value_int(argv[2]);
    struct store_cov_value v = {0, "", false};

    (void)argc;
    if (!st->cov_fn || !kind || !code || what < STORE_COV_NEAREST_M || what > STORE_COV_COVERED ||
        !st->cov_fn(st->cov_ctx, (const char *)kind, (const char *)code, (enum store_cov_field)what,
                    &v))
        sqlite3_result_null(ctx);
    else if (v.is_text)
        sqlite3_result_text(ctx, v.text, -1, SQLITE_TRANSIENT);
    else if (what == STORE_COV_NEAREST_M)
        sqlite3_result_double(ctx, v.number);
    else
        sqlite3_result_int64(ctx, (sqlite3_int64)v.number);
}

#define STORE_MMAP_BYTES "1073741824" /* 1 GiB of address space per connection */

static enum gis_status configure(struct store *st, enum store_mode mode, struct gis_error *err)
{
    enum gis_status rc;

    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 1);
    st->spatialite_cache = spatialite_alloc_connection();
    if (!st->spatialite_cache)
        return gis_fail(err, GIS_ERR_NOMEM, "cannot allocate the SpatiaLite cache");
    spatialite_init_ex(st->db, st->spatialite_cache, 0);
    sqlite3_create_function_v2(st->db, "civgis_box_intersects", 5,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC, st, box_intersects, NULL, NULL,
                               NULL);
    sqlite3_create_function_v2(st->db, "civgis_coverage", 3, SQLITE_UTF8, st, coverage_value, NULL,
                               NULL, NULL);
    if (names__register(st->db) != SQLITE_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "cannot register the name functions");
    if (textfold__register(st->db) != SQLITE_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "cannot register the folding functions");
    rc = store__exec(st, "PRAGMA foreign_keys = ON", err);
    /* Pages read from the mapped file, not copied by read(2) into SQLite's cache: a
     * seventh of a page of polygons' server time was those copies. Address space only;
     * SQLite falls back to read(2) where mapping is not possible. */
    if (rc == GIS_OK)
        rc = store__exec(st, "PRAGMA mmap_size = " STORE_MMAP_BYTES, err);
    if (rc == GIS_OK && mode != STORE_READ_ONLY)
        rc = store__exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", err);
    return rc;
}

/* SQLite's memory statistics take a global mutex on every allocation: with one
 * connection per thread that lock is the only contention left, and nothing reads the
 * statistics. Must run before SQLite initialises; too late is harmless (MISUSE). */
static void sqlite_configure_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum gis_status
store_open(const char *path, enum store_mode mode, struct store **out, struct gis_error *err)
{
    enum gis_status rc;
    struct store *st;
    bool is_memory;
    int flags;

    if (!path || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "store_open: null argument");
    pthread_once(&sqlite_once, sqlite_configure_once);
    is_memory = !strcmp(path, ":memory:");
    if (!is_memory && mode != STORE_CREATE && access(path, F_OK) != 0)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "database '%s' does not exist", path);
    st = calloc(1, sizeof *st);
    if (!st)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    st->pragma_version = -1;
    flags = mode == STORE_READ_ONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (mode == STORE_CREATE)
        flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = gis_fail(err, GIS_ERR_IO, "cannot open database '%s': %s", path,
                      st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return rc;
    }
    rc = configure(st, mode, err);
    if (rc == GIS_OK)
        rc = migrate(st, mode, err);
    if (rc != GIS_OK) {
        store_close(st);
        return rc;
    }
    *out = st;
    return GIS_OK;
}

void store_close(struct store *st)
{
    size_t i;

    if (!st)
        return;
    for (i = 0; i < st->cache_used; i++) {
        sqlite3_finalize(st->cache[i].stmt);
        free(st->cache[i].sql);
    }
    sqlite3_close(st->db);
    for (i = 0; i < st->n_versions; i++)
        free(st->versions[i].name);
    free(st->versions);
    geom_free(&st->scratch);
    if (st->spatialite_cache)
        spatialite_cleanup_ex(st->spatialite_cache);
    free(st);
}

/* PRAGMA user_version of the file at path, read without opening it as a store; -1 when
 * it cannot be read. */
static int file_schema_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int v = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

enum gis_status store_upgrade(const char *path, int *out_from, struct gis_error *err)
{
    struct store *st = NULL;
    enum gis_status rc;
    int v;

    if (!path)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "store_upgrade: null argument");
    if (access(path, F_OK) != 0)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "database '%s' does not exist", path);
    pthread_once(&sqlite_once, sqlite_configure_once);
    v = file_schema_version(path);
    /* 0 (not a store, or empty) and newer files are left to store_open's own messages. */
    if (v > 0 && v < STORE_SCHEMA_VERSION) {
        rc = store_open(path, STORE_READ_WRITE, &st, err);
        store_close(st);
        if (rc != GIS_OK)
            return rc;
    }
    if (out_from)
        *out_from = v;
    return GIS_OK;
}

enum gis_status store_begin(struct store *st, struct gis_error *err)
{
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return store__fail(st, err, "starting a transaction");
    return GIS_OK;
}

enum gis_status store_commit(struct store *st, struct gis_error *err)
{
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return store__fail(st, err, "committing");
    return GIS_OK;
}

void store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

bool store_in_transaction(struct store *st)
{
    return !sqlite3_get_autocommit(st->db);
}

int store_schema_version(struct store *st)
{
    return st->schema_version;
}

/* The table versions as last read: PRAGMA data_version moves when another connection
 * commits, sqlite3_total_changes64 when this one writes (trigger rows included), and
 * both are far cheaper than reading store_versions, so the table is re-read only then. */
static int64_t pragma_data_version(struct store *st)
{
    sqlite3_stmt *s;
    int64_t v = -2;

    if (store__stmt(st, "PRAGMA data_version", &s, NULL) != GIS_OK)
        return -2;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    store__done(s);
    return v;
}

/* Appends (name, version) to st->versions, grown by doubling. */
static bool push_version(struct store *st, const char *name, int64_t version)
{
    struct table_version *tv;

    if (st->n_versions == st->cap_versions) {
        size_t cap = st->cap_versions ? st->cap_versions * 2 : 16;
        struct table_version *v = realloc(st->versions, cap * sizeof *v);

        if (!v)
            return false;
        st->versions = v;
        st->cap_versions = cap;
    }
    tv = &st->versions[st->n_versions];
    tv->name = strdup(name);
    if (!tv->name)
        return false;
    tv->version = version;
    st->n_versions++;
    return true;
}

static void clear_versions(struct store *st)
{
    size_t i;

    for (i = 0; i < st->n_versions; i++)
        free(st->versions[i].name);
    st->n_versions = 0;
}

static enum gis_status read_versions(struct store *st, struct gis_error *err)
{
    static const char sql[] = "SELECT name, version FROM store_versions ORDER BY name";
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, sql, &stmt, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    clear_versions(st);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(stmt, 0);

        if (!push_version(st, name ? (const char *)name : "", sqlite3_column_int64(stmt, 1))) {
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory reading the table versions");
            break;
        }
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the table versions");
    store__done(stmt);
    return rc;
}

/* Maps the WAL index of a connection in WAL mode, once its first read transaction has
 * opened the WAL. Only a plain SQLITE_OK counts: a read-only -shm answers
 * SQLITE_READONLY, and its header would be a private copy nobody updates. */
static void wal_index_map(struct store *st)
{
    sqlite3_file *f = NULL;
    sqlite3_stmt *s;
    void volatile *region = NULL;
    bool is_wal = false;

    st->is_wal_index_tried = true;
    if (store__stmt(st, "PRAGMA journal_mode", &s, NULL) != GIS_OK)
        return;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(s, 0);

        is_wal = mode && !strcmp((const char *)mode, "wal");
    }
    store__done(s);
    if (!is_wal ||
        sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
        return;
    if (f->pMethods->xShmMap(f, 0, WAL_INDEX_REGION, 0, &region) == SQLITE_OK && region)
        st->wal_index = region;
}

/* Copies the WAL-index header into hdr the way SQLite's readers do (first copy, barrier,
 * second copy); false when there is none or a writer is changing it. */
static bool wal_header(const struct store *st, unsigned char hdr[WAL_HDR_BYTES])
{
    unsigned char second[WAL_HDR_BYTES];

    if (!st->wal_index)
        return false;
    memcpy(hdr, (const void *)st->wal_index, WAL_HDR_BYTES);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    memcpy(second, (const void *)(st->wal_index + WAL_HDR_BYTES), WAL_HDR_BYTES);
    return hdr[WAL_HDR_IS_INIT] && !memcmp(hdr, second, WAL_HDR_BYTES);
}

/* Brings the cached versions up to date with the file. A header equal to the one read
 * before the last check means no connection has committed since: most requests end
 * there, without the read transaction (two fcntl locks, an fstat and the shared-memory
 * mutex the worker threads contend for: a fifth of a cached tile's CPU). */
static enum gis_status fresh_versions(struct store *st, struct gis_error *err)
{
    unsigned char hdr[WAL_HDR_BYTES];
    /* Inside a transaction (a statement still stepping), the versions read are that
     * snapshot's, older than the header may be: not a state to remember. */
    bool is_stable = wal_header(st, hdr) && sqlite3_txn_state(st->db, "main") == SQLITE_TXN_NONE;
    int64_t changes = (int64_t)sqlite3_total_changes64(st->db);
    int64_t pv;
    enum gis_status rc;

    if (is_stable && st->is_wal_hdr_seen && changes == st->changes_seen &&
        !memcmp(hdr, st->wal_hdr_seen, WAL_HDR_BYTES))
        return GIS_OK;
    pv = pragma_data_version(st);
    if (!st->is_wal_index_tried)
        wal_index_map(st);
    st->is_wal_hdr_seen = false;
    if (!(pv >= 0 && pv == st->pragma_version && changes == st->changes_seen)) {
        rc = read_versions(st, err);
        if (rc != GIS_OK) {
            st->pragma_version = -1;
            return rc;
        }
        st->pragma_version = pv;
        st->changes_seen = changes;
    }
    if (is_stable) {
        memcpy(st->wal_hdr_seen, hdr, WAL_HDR_BYTES);
        st->is_wal_hdr_seen = true;
    }
    return GIS_OK;
}

enum gis_status
store_table_version(struct store *st, const char *table, int64_t *out, struct gis_error *err)
{
    enum gis_status rc;
    size_t i;

    if (!st || !table || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "store_table_version: null argument");
    rc = fresh_versions(st, err);
    if (rc != GIS_OK)
        return rc;
    for (i = 0; i < st->n_versions; i++) {
        if (!strcmp(st->versions[i].name, table)) {
            *out = st->versions[i].version;
            return GIS_OK;
        }
    }
    return gis_fail(err, GIS_ERR_NOT_FOUND, "no version is kept for table '%.40s'", table);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* Appends v to *ids (grown by doubling). */
static bool push_i64(int64_t **ids, size_t *n, size_t *cap, int64_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        int64_t *q = realloc(*ids, c * sizeof *q);
        if (!q)
            return false;
        *ids = q;
        *cap = c;
    }
    (*ids)[(*n)++] = v;
    return true;
}

/* Sorts the n ids and drops repeats; returns how many are left. */
static size_t sort_unique(int64_t *ids, size_t n)
{
    size_t i, k;

    if (n > 1) /* ids may be NULL when n is 0 */
        qsort(ids, n, sizeof *ids, cmp_i64);
    for (i = k = 0; i < n; i++)
        if (k == 0 || ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    return k;
}

/* The rowids listed in stmt's rows (version, row_id ascending by version) into *ids;
 * out_n_versions: how many versions they name. */
static enum gis_status read_changes(struct store *st,
                                    sqlite3_stmt *stmt,
                                    int64_t since,
                                    int64_t **ids,
                                    size_t *n,
                                    int64_t *out_n_versions,
                                    struct gis_error *err)
{
    int64_t last = since, n_versions = 0;
    size_t cap = 0;
    int step;

    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(stmt, 0);
        n_versions += v != last;
        last = v;
        if (!push_i64(ids, n, &cap, sqlite3_column_int64(stmt, 1)))
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    if (step != SQLITE_DONE)
        return store__fail(st, err, "reading the list of changes");
    *out_n_versions = n_versions;
    return GIS_OK;
}

enum gis_status store_table_changes(struct store *st,
                                    const char *table,
                                    int64_t since,
                                    int64_t upto,
                                    size_t max,
                                    int64_t **out,
                                    size_t *out_n,
                                    struct gis_error *err)
{
    static const char sql[] = "SELECT version, row_id FROM store_changes WHERE name = ?1 AND "
                              "version > ?2 AND version <= ?3 ORDER BY version";
    sqlite3_stmt *stmt = NULL;
    int64_t *ids = NULL, n_versions = 0;
    size_t n = 0;
    enum gis_status rc;

    if (!st || !table || !out || !out_n || since > upto)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "store_table_changes: bad argument");
    if (upto - since > (int64_t)max || st->schema_version < SCHEMA__CHANGES_VERSION)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "no list of the changes to '%.40s'", table);
    rc = store__stmt(st, sql, &stmt, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, since);
    sqlite3_bind_int64(stmt, 3, upto);
    rc = read_changes(st, stmt, since, &ids, &n, &n_versions, err);
    store__done(stmt);
    /* Every version in between must have left its rows: a gap is a batch or the window. */
    if (rc == GIS_OK && n_versions != upto - since)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "the changes to '%.40s' are not all listed", table);
    if (rc != GIS_OK) {
        free(ids);
        return rc;
    }
    *out_n = sort_unique(ids, n);
    *out = ids;
    return GIS_OK;
}

enum gis_status store_data_version(struct store *st, int64_t *out, struct gis_error *err)
{
    enum gis_status rc;
    int64_t sum = 0;
    size_t i;

    if (!st || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "store_data_version: null argument");
    rc = fresh_versions(st, err);
    if (rc != GIS_OK)
        return rc;
    for (i = 0; i < st->n_versions; i++)
        sum += st->versions[i].version;
    *out = sum;
    return GIS_OK;
}

static void bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, i);
}

enum gis_status
store_audit_add(struct store *st, const struct store_audit *a, struct gis_error *err)
{
    static const char sql[] = "INSERT INTO audit (user, action, target, target_id, reason, "
                              "before, after) VALUES (?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, sql, &stmt, err);

    if (rc != GIS_OK)
        return rc;
    bind_text_or_null(stmt, 1, a->user ? a->user : "unknown");
    bind_text_or_null(stmt, 2, a->action);
    bind_text_or_null(stmt, 3, a->target);
    bind_text_or_null(stmt, 4, a->target_id);
    bind_text_or_null(stmt, 5, a->reason);
    bind_text_or_null(stmt, 6, a->before_json);
    bind_text_or_null(stmt, 7, a->after_json);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store__fail(st, err, "writing the audit row");
    store__done(stmt);
    return rc;
}

static const char *column_text(sqlite3_stmt *stmt, int i)
{
    return (const char *)sqlite3_column_text(stmt, i);
}

enum gis_status store_audit_each(struct store *st,
                                 const struct store_audit_filter *filter,
                                 store_audit_fn fn,
                                 void *ctx,
                                 struct gis_error *err)
{
    static const char sql[] = "SELECT id, at, user, action, target, target_id, reason FROM audit "
                              "WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR user <> ?2) "
                              "AND (?3 IS NULL OR target = ?3) ORDER BY id";
    const struct store_audit_filter none = {0};
    const struct store_audit_filter *f = filter ? filter : &none;
    struct store_audit_row row;
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, sql, &stmt, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    bind_text_or_null(stmt, 1, f->user);
    bind_text_or_null(stmt, 2, f->not_user);
    bind_text_or_null(stmt, 3, f->target);
    while (rc == GIS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        row.id = sqlite3_column_int64(stmt, 0);
        row.at = column_text(stmt, 1);
        row.user = column_text(stmt, 2);
        row.action = column_text(stmt, 3);
        row.target = column_text(stmt, 4);
        row.target_id = column_text(stmt, 5);
        row.reason = column_text(stmt, 6);
        rc = fn(ctx, &row, err);
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "reading the audit log");
    store__done(stmt);
    return rc;
}
