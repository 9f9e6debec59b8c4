/*
 * Who a request acts as: the Authorization header (Bearer TOKEN, or HTTP Basic with any
 * user name and the token as the password, which is all QGIS and GDAL can send) checked
 * once in dispatch through app/auth, and the 401's challenge. No header: anonymous. A
 * header that names nobody is refused on every route: a client that sends a revoked token
 * learns so at once instead of being served as someone else. The challenge is Bearer;
 * Basic is offered only to a request that came with Basic credentials (QGIS and GDAL send
 * theirs unasked), since a browser that sees Basic offered to a page's fetch pops up its
 * own password dialog over the web map.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "log.h"
#include "throttle.h"

void api_unauthorized(struct api_response *res, const char *msg)
{
    api_error(res, 401, "unauthorized", msg);
    api_header_add(res, "WWW-Authenticate", "Bearer realm=\"civgis\"");
}

/* A 401 to a request that sent the header h: Basic offered too when h was Basic. */
static void refuse(struct api_response *res, const char *h, const char *msg)
{
    api_unauthorized(res, msg);
    if (!strncasecmp(h, "Basic ", 6))
        api_header_add(res, "WWW-Authenticate", "Basic realm=\"civgis\", charset=\"UTF-8\"");
}

/* The token of a Basic credential: its password. out: AUTH_TOKEN_MAX bytes. */
static bool basic_token(const struct api_request *req, char *out)
{
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(req->conn, &pass);
    bool ok = pass && strlen(pass) < AUTH_TOKEN_MAX;

    if (ok)
        snprintf(out, AUTH_TOKEN_MAX, "%s", pass);
    if (pass) {
        memset(pass, 0, strlen(pass));
        MHD_free(pass);
    }
    if (user)
        MHD_free(user);
    return ok;
}

static bool bearer_token(const char *header, char *out)
{
    const char *t = header + 6;

    while (*t == ' ')
        t++;
    if (!*t || strlen(t) >= AUTH_TOKEN_MAX)
        return false;
    snprintf(out, AUTH_TOKEN_MAX, "%s", t);
    out[strcspn(out, " \t")] = '\0';
    return true;
}

bool api_authenticate(struct api_request *req, struct api_response *res)
{
    const char *h = api_header(req, "Authorization");
    char token[AUTH_TOKEN_MAX] = "";
    struct gis_error err = {0};
    bool has_token = false;

    char addr[64], msg[128], wait_text[16];
    unsigned wait_s;

    memset(&req->who, 0, sizeof req->who);
    req->who.role = AUTH_ANONYMOUS;
    if (!h)
        return true;
    api_client_address(req, addr, sizeof addr);
    wait_s = throttle_wait_s(req->throttle, addr);
    if (wait_s > 0) {
        snprintf(msg, sizeof msg, "too many unknown tokens from this address; try again in %u s",
                 wait_s);
        snprintf(wait_text, sizeof wait_text, "%u", wait_s);
        api_error(res, 429, "too_many_requests", msg);
        api_header_add(res, "Retry-After", wait_text);
        return false;
    }
    if (!strncasecmp(h, "Bearer ", 7))
        has_token = bearer_token(h, token);
    else if (!strncasecmp(h, "Basic ", 6))
        has_token = basic_token(req, token);
    if (!has_token) {
        refuse(res, h,
               "Authorization must be 'Bearer TOKEN' or HTTP Basic with the token as the "
               "password");
        return false;
    }
    if (auth_check(api_store(req), token, &req->who, &err) != GIS_OK) {
        memset(token, 0, sizeof token);
        memset(&req->who, 0, sizeof req->who);
        throttle_fail(req->throttle, addr);
        LOG_WARN("auth", "req=%llu event=bad_token addr=%s path=\"%.120s\"",
                 (unsigned long long)req->id, addr, req->path);
        refuse(res, h, "the token is unknown or revoked");
        return false;
    }
    memset(token, 0, sizeof token);
    return true;
}
