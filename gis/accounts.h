/*
 * Accounts: the users table and the key that token hashes are made with. Stores and
 * fetches rows only; making tokens, hashing and comparing them is app/auth's work (this
 * module never sees a token, only its keyed hash).
 *
 * Thread-safety: as struct store (one thread at a time per store).
 */
#ifndef CIVGIS_ACCOUNTS_H
#define CIVGIS_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

#define ACCOUNTS_NAME_MAX  64 /* bytes, NUL included */
#define ACCOUNTS_HASH_SIZE 32 /* bytes of a token's keyed hash */
#define ACCOUNTS_KEY_SIZE  32 /* bytes of the hashing key */

struct account {
    int64_t id;
    char name[ACCOUNTS_NAME_MAX];
    char role[16];  /* viewer, planner, officer or admin */
    char scope[13]; /* a division code, "" for everywhere */
    char created_at[32], token_at[32];
    bool is_revoked; /* no valid token */
    bool has_hash;
    unsigned char hash[ACCOUNTS_HASH_SIZE]; /* valid when has_hash */
};

/* The key token hashes are made with, created (random, from the caller's bytes) on the
 * first call inside a write transaction. fresh: ACCOUNTS_KEY_SIZE random bytes the caller
 * made, stored when there is no key yet; NULL to only read (GIS_ERR_NOT_FOUND when there
 * is none). out: ACCOUNTS_KEY_SIZE bytes. */
enum gis_status accounts_key(struct store *st,
                             const unsigned char *fresh,
                             unsigned char *out,
                             struct gis_error *err);

/* Inserts a user with a token hash, inside the caller's write transaction. Fails with
 * GIS_ERR_INVALID_ARG naming the problem when the name is taken, the role unknown or the
 * scope not a current division. out_id: the new user's id. */
enum gis_status accounts_insert(struct store *st,
                                const char *name,
                                const char *role,
                                const char *scope,
                                const unsigned char hash[ACCOUNTS_HASH_SIZE],
                                int64_t *out_id,
                                struct gis_error *err);

/* Replaces a user's token hash (NULL: revokes, leaving no valid token), inside the
 * caller's write transaction. GIS_ERR_NOT_FOUND for an unknown name. */
enum gis_status accounts_set_hash(struct store *st,
                                  const char *name,
                                  const unsigned char *hash,
                                  struct gis_error *err);

/* One user by name or id. GIS_ERR_NOT_FOUND when there is none. out: the row. */
enum gis_status
accounts_by_name(struct store *st, const char *name, struct account *out, struct gis_error *err);
enum gis_status
accounts_by_id(struct store *st, int64_t id, struct account *out, struct gis_error *err);

/* Calls fn for every user, by name; stops at the first status other than GIS_OK. */
typedef enum gis_status (*accounts_fn)(void *ctx, const struct account *a, struct gis_error *err);
enum gis_status accounts_each(struct store *st, accounts_fn fn, void *ctx, struct gis_error *err);

#endif
