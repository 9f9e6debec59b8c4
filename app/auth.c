/*
 * Tokens and users (auth.h). All crypto is libsodium's: randombytes_buf for tokens and
 * the hashing key, crypto_generichash (keyed BLAKE2b) for what is stored, sodium_memcmp
 * for the comparison. The users table itself is gis/accounts'.
 */
#include "auth.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_BYTES 32
#define TOKEN_PREFIX "cgt_"

static const char *const ROLE_NAMES[] = {"anonymous", "viewer", "planner", "officer", "admin"};

enum gis_status auth_init(struct gis_error *err)
{
    if (sodium_init() < 0)
        return gis_fail(err, GIS_ERR_INTERNAL, "libsodium cannot start (no randomness source)");
    return GIS_OK;
}

const char *auth_role_name(enum auth_role role)
{
    return (unsigned)role <= AUTH_ADMIN ? ROLE_NAMES[role] : "anonymous";
}

bool auth_role_parse(const char *text, enum auth_role *out)
{
    unsigned i;

    for (i = AUTH_VIEWER; i <= AUTH_ADMIN; i++) {
        if (text && !strcmp(text, ROLE_NAMES[i])) {
            *out = (enum auth_role)i;
            return true;
        }
    }
    return false;
}

/* The keyed hash of the token's whole text (prefix and id included, so a secret moved to
 * another id does not match). */
static void token_hash(const unsigned char key[ACCOUNTS_KEY_SIZE],
                       const char *token,
                       unsigned char out[ACCOUNTS_HASH_SIZE])
{
    crypto_generichash(out, ACCOUNTS_HASH_SIZE, (const unsigned char *)token, strlen(token), key,
                       ACCOUNTS_KEY_SIZE);
}

static void token_make(int64_t id, char *out)
{
    unsigned char secret[SECRET_BYTES];
    char text[sodium_base64_ENCODED_LEN(SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

    randombytes_buf(secret, sizeof secret);
    sodium_bin2base64(text, sizeof text, secret, sizeof secret,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, AUTH_TOKEN_MAX, TOKEN_PREFIX "%" PRId64 "_%s", id, text);
    sodium_memzero(secret, sizeof secret);
}

/* The key, made on first use (inside the caller's transaction). */
static enum gis_status
write_key(struct store *st, unsigned char key[ACCOUNTS_KEY_SIZE], struct gis_error *err)
{
    unsigned char fresh[ACCOUNTS_KEY_SIZE];
    enum gis_status rc;

    randombytes_buf(fresh, sizeof fresh);
    rc = accounts_key(st, fresh, key, err);
    sodium_memzero(fresh, sizeof fresh);
    return rc;
}

static enum gis_status audit(struct store *st,
                             const char *by,
                             const char *action,
                             const char *name,
                             const char *reason,
                             struct gis_error *err)
{
    struct store_audit a = {by, action, "users", name, reason, NULL, NULL};

    return store_audit_add(st, &a, err);
}

/* Issues a token for the user named name (existing, or inserted when role is given), in
 * the caller's transaction. */
static enum gis_status issue(struct store *st,
                             const char *name,
                             const char *role,
                             const char *scope,
                             char *token,
                             struct gis_error *err)
{
    unsigned char key[ACCOUNTS_KEY_SIZE], hash[ACCOUNTS_HASH_SIZE] = {0};
    struct account a;
    int64_t id = 0;
    enum gis_status rc = write_key(st, key, err);

    if (rc == GIS_OK && role) {
        /* The id goes into the token, so the row comes first (with a hash nobody has). */
        randombytes_buf(hash, sizeof hash);
        rc = accounts_insert(st, name, role, scope, hash, &id, err);
    } else if (rc == GIS_OK) {
        rc = accounts_by_name(st, name, &a, err);
        id = a.id;
    }
    if (rc == GIS_OK) {
        token_make(id, token);
        token_hash(key, token, hash);
        rc = accounts_set_hash(st, name, hash, err);
    }
    sodium_memzero(key, sizeof key);
    return rc;
}

/* Runs one audited user change in a transaction; token NULL for a revocation. */
static enum gis_status change(struct store *st,
                              const char *name,
                              const char *role,
                              const char *scope,
                              const char *by,
                              char *token,
                              struct gis_error *err)
{
    char out[AUTH_TOKEN_MAX];
    enum gis_status rc;

    if (!name || !*name || strlen(name) >= ACCOUNTS_NAME_MAX || strpbrk(name, "\t\r\n"))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "a user name is 1..%d bytes without tabs or line breaks",
                        ACCOUNTS_NAME_MAX - 1);
    rc = store_begin(st, err);
    if (rc != GIS_OK)
        return rc;
    if (token)
        rc = issue(st, name, role, scope, out, err);
    else
        rc = accounts_set_hash(st, name, NULL, err);
    if (rc == GIS_OK)
        rc = audit(st, by,
                   role    ? "user-add"
                   : token ? "user-token"
                           : "user-revoke",
                   name, role ? role : NULL, err);
    if (rc == GIS_OK)
        rc = store_commit(st, err);
    if (rc != GIS_OK) {
        store_rollback(st);
        return rc;
    }
    if (token)
        memcpy(token, out, AUTH_TOKEN_MAX);
    sodium_memzero(out, sizeof out);
    return GIS_OK;
}

enum gis_status auth_user_add(struct store *st,
                              const char *name,
                              enum auth_role role,
                              const char *scope,
                              const char *by,
                              char *out_token,
                              struct gis_error *err)
{
    if (role < AUTH_VIEWER || role > AUTH_ADMIN)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "a user's role is viewer..admin");
    return change(st, name, auth_role_name(role), scope, by, out_token, err);
}

enum gis_status auth_token_renew(
    struct store *st, const char *name, const char *by, char *out_token, struct gis_error *err)
{
    return change(st, name, NULL, NULL, by, out_token, err);
}

enum gis_status
auth_revoke(struct store *st, const char *name, const char *by, struct gis_error *err)
{
    return change(st, name, NULL, NULL, by, NULL, err);
}

/* The id in "cgt_ID_SECRET"; false when the text is not of that form. */
static bool token_id(const char *token, int64_t *out)
{
    size_t n = strlen(TOKEN_PREFIX);
    char *end;
    long long v;

    if (strncmp(token, TOKEN_PREFIX, n) || token[n] < '1' || token[n] > '9')
        return false;
    errno = 0;
    v = strtoll(token + n, &end, 10);
    if (errno || *end != '_' || strlen(end + 1) == 0 || strlen(token) >= AUTH_TOKEN_MAX)
        return false;
    *out = v;
    return true;
}

enum gis_status
auth_check(struct store *st, const char *token, struct auth_identity *out, struct gis_error *err)
{
    unsigned char key[ACCOUNTS_KEY_SIZE], hash[ACCOUNTS_HASH_SIZE];
    struct account a;
    int64_t id;
    bool is_match;

    if (!token || !token_id(token, &id) || accounts_key(st, NULL, key, NULL) != GIS_OK ||
        accounts_by_id(st, id, &a, NULL) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOT_FOUND, "unknown or revoked token");
    token_hash(key, token, hash);
    is_match = a.has_hash && !a.is_revoked && sodium_memcmp(hash, a.hash, sizeof hash) == 0;
    sodium_memzero(key, sizeof key);
    if (!is_match || !auth_role_parse(a.role, &out->role))
        return gis_fail(err, GIS_ERR_NOT_FOUND, "unknown or revoked token");
    out->user_id = a.id;
    snprintf(out->name, sizeof out->name, "%s", a.name);
    snprintf(out->scope, sizeof out->scope, "%s", a.scope);
    return GIS_OK;
}

bool auth_scope_covers(const struct auth_identity *who, const char *code)
{
    size_t n = strlen(who->scope);

    return n == 0 || (code && strncmp(code, who->scope, n) == 0);
}
