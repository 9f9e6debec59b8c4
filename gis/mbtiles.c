/*
 * MBTiles writer (see mbtiles.h): the spec's tables, bound parameters only.
 */
#include "mbtiles.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mbtiles {
    sqlite3 *db;
    sqlite3_stmt *put_tile, *put_meta;
    char *path;
};

static const char SCHEMA[] =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
    "CREATE TABLE metadata (name TEXT, value TEXT);"
    "CREATE UNIQUE INDEX metadata_name ON metadata (name);"
    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
    " tile_data BLOB);"
    "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
    "BEGIN;";

static enum gis_status fail(struct mbtiles *mb, struct gis_error *err, const char *what)
{
    return gis_fail(err, GIS_ERR_IO, "MBTiles %s: %s", what,
                    mb->db ? sqlite3_errmsg(mb->db) : "cannot open");
}

static void close_all(struct mbtiles *mb)
{
    sqlite3_finalize(mb->put_tile);
    sqlite3_finalize(mb->put_meta);
    sqlite3_close(mb->db);
    free(mb->path);
    free(mb);
}

enum gis_status mbtiles_create(const char *path, struct mbtiles **out, struct gis_error *err)
{
    struct mbtiles *mb = calloc(1, sizeof *mb);
    enum gis_status rc = GIS_OK;

    if (!mb || !(mb->path = strdup(path))) {
        free(mb);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    if (access(path, F_OK) == 0) {
        close_all(mb);
        return gis_fail(err, GIS_ERR_CONFLICT, "'%s' exists already", path);
    }
    if (sqlite3_open_v2(path, &mb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(mb->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(mb->db,
                           "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &mb->put_tile, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(mb->db, "INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)",
                           -1, &mb->put_meta, NULL) != SQLITE_OK)
        rc = fail(mb, err, "create");
    if (rc != GIS_OK) {
        mbtiles_abort(mb);
        return rc;
    }
    *out = mb;
    return GIS_OK;
}

enum gis_status
mbtiles_meta(struct mbtiles *mb, const char *name, const char *value, struct gis_error *err)
{
    int step;

    sqlite3_reset(mb->put_meta);
    sqlite3_bind_text(mb->put_meta, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(mb->put_meta, 2, value, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(mb->put_meta);
    return step == SQLITE_DONE ? GIS_OK : fail(mb, err, "metadata");
}

enum gis_status mbtiles_put(struct mbtiles *mb,
                            int z,
                            int64_t x,
                            int64_t y,
                            const void *data,
                            size_t len,
                            struct gis_error *err)
{
    int step;

    sqlite3_reset(mb->put_tile);
    sqlite3_bind_int(mb->put_tile, 1, z);
    sqlite3_bind_int64(mb->put_tile, 2, x);
    sqlite3_bind_int64(mb->put_tile, 3, ((int64_t)1 << z) - 1 - y);
    sqlite3_bind_blob(mb->put_tile, 4, data, (int)len, SQLITE_TRANSIENT);
    step = sqlite3_step(mb->put_tile);
    return step == SQLITE_DONE ? GIS_OK : fail(mb, err, "tile");
}

enum gis_status mbtiles_finish(struct mbtiles *mb, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;

    if (sqlite3_exec(mb->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(mb, err, "commit");
        mbtiles_abort(mb);
        return rc;
    }
    close_all(mb);
    return GIS_OK;
}

void mbtiles_abort(struct mbtiles *mb)
{
    if (!mb)
        return;
    if (mb->db)
        sqlite3_exec(mb->db, "ROLLBACK", NULL, NULL, NULL);
    if (mb->db)
        unlink(mb->path);
    close_all(mb);
}
