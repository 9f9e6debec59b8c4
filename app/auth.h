/*
 * Users, roles and tokens: the use cases behind `civgis user` and the server's
 * authentication. Tokens are 32 random bytes (libsodium), shown once, stored only as a
 * keyed BLAKE2b hash (crypto_generichash, key in the store) and compared in constant
 * time. A token reads "cgt_ID_SECRET": the id finds the user's row, so the secret is
 * never looked up by value and its check takes the same time whatever it holds.
 *
 * Roles are ordered viewer < planner < officer < admin; anonymous callers are below all.
 * Thread-safety: as struct store; auth_init once before threads start.
 */
#ifndef CIVGIS_AUTH_H
#define CIVGIS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "status.h"
#include "store.h"

enum auth_role {
    AUTH_ANONYMOUS = 0,
    AUTH_VIEWER,
    AUTH_PLANNER,
    AUTH_OFFICER,
    AUTH_ADMIN,
};

/* Room for a token's text: "cgt_" + a 19-digit id + "_" + 43 base64url characters. */
#define AUTH_TOKEN_MAX 72

/* Who a request or command acts as. */
struct auth_identity {
    int64_t user_id; /* 0 for anonymous */
    char name[ACCOUNTS_NAME_MAX];
    enum auth_role role;
    char scope[13]; /* "" for everywhere */
};

/* Initialises libsodium; GIS_ERR_INTERNAL when it cannot (no randomness source). */
enum gis_status auth_init(struct gis_error *err);

/* "viewer" .. "admin" (and "anonymous"); parse returns false for anything else. */
const char *auth_role_name(enum auth_role role);
bool auth_role_parse(const char *text, enum auth_role *out);

/* Adds a user with a fresh token, audited as done by `by`, in one transaction. role is
 * viewer..admin; scope a current division code or NULL. out_token: the token text,
 * AUTH_TOKEN_MAX bytes, the only time it is ever seen. */
enum gis_status auth_user_add(struct store *st,
                              const char *name,
                              enum auth_role role,
                              const char *scope,
                              const char *by,
                              char *out_token,
                              struct gis_error *err);

/* Gives a user a new token (the old one stops working at once), audited. */
enum gis_status auth_token_renew(
    struct store *st, const char *name, const char *by, char *out_token, struct gis_error *err);

/* Revokes a user's token (the user stays, for the audit log), audited. */
enum gis_status
auth_revoke(struct store *st, const char *name, const char *by, struct gis_error *err);

/* Who token is. GIS_ERR_NOT_FOUND ("unknown or revoked token") for anything that is not a
 * current token, malformed text included; the time taken does not depend on how much of
 * the secret matches. out: the identity. */
enum gis_status
auth_check(struct store *st, const char *token, struct auth_identity *out, struct gis_error *err);

/* True when a write at division code `code` (any length: a village code is inside its
 * township's) is inside the identity's scope; an empty scope covers everything. */
bool auth_scope_covers(const struct auth_identity *who, const char *code);

#endif
