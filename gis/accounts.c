/*
 * The users table and the token-hashing key (store_meta 'token_key'), as accounts.h
 * describes. Hashes are kept as lower-case hex text (the v1 column is TEXT UNIQUE).
 * Owns no crypto: it never sees a token.
 */
#include "accounts.h"

#include <stdio.h>
#include <string.h>

#include "gis_int.h"

#define COLUMNS                                                                                    \
    "id, name, role, coalesce(scope, ''), created_at, coalesce(token_at, ''), "                    \
    "revoked_at IS NOT NULL, token_hash"

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* False unless text is exactly 2n hex digits. */
static bool from_hex(const char *text, unsigned char *out, size_t n)
{
    size_t i;

    if (!text || strlen(text) != 2 * n)
        return false;
    for (i = 0; i < n; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

static void read_row(sqlite3_stmt *stmt, struct account *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(stmt, 0);
    copy_text(a->name, sizeof a->name, sqlite3_column_text(stmt, 1));
    copy_text(a->role, sizeof a->role, sqlite3_column_text(stmt, 2));
    copy_text(a->scope, sizeof a->scope, sqlite3_column_text(stmt, 3));
    copy_text(a->created_at, sizeof a->created_at, sqlite3_column_text(stmt, 4));
    copy_text(a->token_at, sizeof a->token_at, sqlite3_column_text(stmt, 5));
    a->is_revoked = sqlite3_column_int(stmt, 6) != 0;
    a->has_hash = from_hex((const char *)sqlite3_column_text(stmt, 7), a->hash, ACCOUNTS_HASH_SIZE);
}

enum gis_status accounts_key(struct store *st,
                             const unsigned char *fresh,
                             unsigned char *out,
                             struct gis_error *err)
{
    static const char get[] = "SELECT value FROM store_meta WHERE key = 'token_key'";
    static const char put[] = "INSERT INTO store_meta (key, value) VALUES ('token_key', ?)";
    char hex[2 * ACCOUNTS_KEY_SIZE + 1];
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, get, &stmt, err);
    bool found = false;

    if (rc != GIS_OK)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        found = from_hex((const char *)sqlite3_column_text(stmt, 0), out, ACCOUNTS_KEY_SIZE);
    store__done(stmt);
    if (found)
        return GIS_OK;
    if (!fresh)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "the store has no token key: no user was added");
    rc = store__stmt(st, put, &stmt, err);
    if (rc != GIS_OK)
        return rc;
    to_hex(fresh, ACCOUNTS_KEY_SIZE, hex);
    sqlite3_bind_text(stmt, 1, hex, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store__fail(st, err, "storing the token key");
    store__done(stmt);
    if (rc == GIS_OK)
        memcpy(out, fresh, ACCOUNTS_KEY_SIZE);
    return rc;
}

static enum gis_status check_new(
    struct store *st, const char *name, const char *role, const char *scope, struct gis_error *err)
{
    static const char division[] = "SELECT 1 FROM divisions WHERE code = ? AND valid_to IS NULL";
    struct account a;
    sqlite3_stmt *stmt;
    enum gis_status rc = accounts_by_name(st, name, &a, NULL);
    bool is_division;

    if (rc == GIS_OK)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "a user named '%.60s' exists (civgis user token gives it a new token)",
                        name);
    if (strcmp(role, "viewer") && strcmp(role, "planner") && strcmp(role, "officer") &&
        strcmp(role, "admin"))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "role '%.30s' is not viewer, planner, officer or admin", role);
    if (!scope || !*scope)
        return GIS_OK;
    rc = store__stmt(st, division, &stmt, err);
    if (rc != GIS_OK)
        return rc;
    sqlite3_bind_text(stmt, 1, scope, -1, SQLITE_TRANSIENT);
    is_division = sqlite3_step(stmt) == SQLITE_ROW;
    store__done(stmt);
    if (!is_division)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "scope '%.20s' is not a current division code",
                        scope);
    return GIS_OK;
}

enum gis_status accounts_insert(struct store *st,
                                const char *name,
                                const char *role,
                                const char *scope,
                                const unsigned char hash[ACCOUNTS_HASH_SIZE],
                                int64_t *out_id,
                                struct gis_error *err)
{
    static const char sql[] =
        "INSERT INTO users (name, role, scope, token_hash, token_at) VALUES (?, ?, ?, ?, "
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))";
    char hex[2 * ACCOUNTS_HASH_SIZE + 1];
    sqlite3_stmt *stmt;
    enum gis_status rc = check_new(st, name, role, scope, err);

    if (rc == GIS_OK)
        rc = store__stmt(st, sql, &stmt, err);
    if (rc != GIS_OK)
        return rc;
    to_hex(hash, ACCOUNTS_HASH_SIZE, hex);
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, role, -1, SQLITE_TRANSIENT);
    if (scope && *scope)
        sqlite3_bind_text(stmt, 3, scope, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 3);
    sqlite3_bind_text(stmt, 4, hex, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store__fail(st, err, "adding the user");
    store__done(stmt);
    if (rc == GIS_OK)
        *out_id = sqlite3_last_insert_rowid(store__db(st));
    return rc;
}

enum gis_status accounts_set_hash(struct store *st,
                                  const char *name,
                                  const unsigned char *hash,
                                  struct gis_error *err)
{
    static const char issue[] = "UPDATE users SET token_hash = ?1, revoked_at = NULL, "
                                "token_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE name = ?2";
    static const char revoke[] =
        "UPDATE users SET token_hash = NULL, revoked_at = "
        "coalesce(revoked_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE name = ?2";
    char hex[2 * ACCOUNTS_HASH_SIZE + 1];
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, hash ? issue : revoke, &stmt, err);

    if (rc != GIS_OK)
        return rc;
    if (hash) {
        to_hex(hash, ACCOUNTS_HASH_SIZE, hex);
        sqlite3_bind_text(stmt, 1, hex, -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store__fail(st, err, hash ? "storing the new token" : "revoking the token");
    else if (sqlite3_changes(store__db(st)) == 0)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no user named '%.60s'", name);
    store__done(stmt);
    return rc;
}

static enum gis_status find_one(struct store *st,
                                const char *sql,
                                const char *name,
                                int64_t id,
                                struct account *out,
                                struct gis_error *err)
{
    sqlite3_stmt *stmt;
    enum gis_status rc = store__stmt(st, sql, &stmt, err);
    int step;

    if (rc != GIS_OK)
        return rc;
    if (name)
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(stmt, 1, id);
    step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        read_row(stmt, out);
    else if (step == SQLITE_DONE)
        rc = name ? gis_fail(err, GIS_ERR_NOT_FOUND, "no user named '%.60s'", name)
                  : gis_fail(err, GIS_ERR_NOT_FOUND, "no user with id %lld", (long long)id);
    else
        rc = store__fail(st, err, "reading the user");
    store__done(stmt);
    return rc;
}

enum gis_status
accounts_by_name(struct store *st, const char *name, struct account *out, struct gis_error *err)
{
    return find_one(st, "SELECT " COLUMNS " FROM users WHERE name = ?", name, 0, out, err);
}

enum gis_status
accounts_by_id(struct store *st, int64_t id, struct account *out, struct gis_error *err)
{
    return find_one(st, "SELECT " COLUMNS " FROM users WHERE id = ?", NULL, id, out, err);
}

enum gis_status accounts_each(struct store *st, accounts_fn fn, void *ctx, struct gis_error *err)
{
    sqlite3_stmt *stmt;
    struct account a;
    enum gis_status rc = store__stmt(st, "SELECT " COLUMNS " FROM users ORDER BY name", &stmt, err);
    int step = SQLITE_DONE;

    if (rc != GIS_OK)
        return rc;
    while (rc == GIS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        read_row(stmt, &a);
        rc = fn(ctx, &a, err);
    }
    if (rc == GIS_OK && step != SQLITE_DONE)
        rc = store__fail(st, err, "listing the users");
    store__done(stmt);
    return rc;
}
