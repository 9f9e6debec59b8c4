/*
 * Query-parameter parsers: strict, bounded, no allocation.
 */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum gis_status params_bbox(const char *text, double out[4], struct gis_error *err)
{
    double v[6];
    const char *p = text;
    char *end;
    int n = 0;

    while (n < 6) {
        errno = 0;
        v[n] = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v[n]) || isspace((unsigned char)*p))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "bbox: item %d is not a number", n + 1);
        n++;
        if (*end == '\0')
            break;
        if (*end != ',')
            return gis_fail(err, GIS_ERR_INVALID_ARG, "bbox: numbers must be separated by ','");
        p = end + 1;
    }
    if ((n != 4 && n != 6) || *end != '\0')
        return gis_fail(err, GIS_ERR_INVALID_ARG, "bbox takes 4 or 6 numbers, not %s%d",
                        n == 6 ? "more than " : "", n);
    if (n == 6) {
        v[2] = v[3];
        v[3] = v[4];
    }
    if (v[0] > v[2] || v[1] > v[3])
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "bbox: the lower corner (%g, %g) is above the upper (%g, %g)", v[0], v[1],
                        v[2], v[3]);
    memcpy(out, v, 4 * sizeof *v);
    return GIS_OK;
}

static enum gis_status parse_int(const char *param,
                                 const char *text,
                                 int64_t lo,
                                 int64_t hi,
                                 int64_t *out,
                                 struct gis_error *err)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (end == text || *end || errno || !isdigit((unsigned char)text[0]))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s must be a whole number", param);
    if (v < lo || v > hi)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "%s must be between %lld and %lld", param,
                        (long long)lo, (long long)hi);
    *out = v;
    return GIS_OK;
}

enum gis_status params_limit(const char *text, int64_t max, int64_t *out, struct gis_error *err)
{
    return parse_int("limit", text, 1, max, out, err);
}

enum gis_status params_offset(const char *text, int64_t *out, struct gis_error *err)
{
    return parse_int("offset", text, 0, INT64_MAX / 2, out, err);
}

static bool digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* The zone of a time: Z, or +hh:mm / -hh:mm. */
static bool is_zone(const char *s, size_t n)
{
    if (n == 1)
        return s[0] == 'Z' || s[0] == 'z';
    return n == 6 && (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) && s[3] == ':' &&
           digits(s + 4, 2);
}

/* hh:mm:ss[.frac] + zone, the time of an RFC 3339 date-time. */
static bool is_time(const char *s, size_t n)
{
    size_t i = 8;

    if (n < 9 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
        !digits(s + 6, 2))
        return false;
    if (s[i] == '.')
        for (i++; i < n && isdigit((unsigned char)s[i]); i++)
            ;
    return is_zone(s + i, n - i);
}

/* YYYY-MM-DD, or that + 'T' + a time. */
static bool is_instant(const char *s, size_t n)
{
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    return n == 10 || ((s[10] == 'T' || s[10] == 't') && is_time(s + 11, n - 11));
}

static enum gis_status copy_end(const char *s, size_t n, char *out, struct gis_error *err)
{
    if ((n == 2 && !strncmp(s, "..", 2)) || n == 0) {
        out[0] = '\0';
        return GIS_OK;
    }
    if (n >= PARAMS_TIME_MAX || !is_instant(s, n))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "datetime: '%.*s' is not a date (YYYY-MM-DD) or RFC 3339 date-time",
                        (int)(n < 40 ? n : 40), s);
    memcpy(out, s, n);
    out[n] = '\0';
    return GIS_OK;
}

enum gis_status
params_datetime(const char *text, char *out_start, char *out_end, struct gis_error *err)
{
    const char *slash = strchr(text, '/');
    enum gis_status rc;

    if (!slash) {
        rc = copy_end(text, strlen(text), out_start, err);
        if (rc == GIS_OK && !out_start[0])
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "datetime: an instant cannot be open");
        if (rc == GIS_OK)
            memcpy(out_end, out_start, strlen(out_start) + 1);
        return rc;
    }
    if (strchr(slash + 1, '/'))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "datetime: at most one '/'");
    rc = copy_end(text, (size_t)(slash - text), out_start, err);
    if (rc == GIS_OK)
        rc = copy_end(slash + 1, strlen(slash + 1), out_end, err);
    if (rc == GIS_OK && !out_start[0] && !out_end[0])
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "datetime: both ends open");
    if (rc == GIS_OK && out_start[0] && out_end[0] && strcmp(out_start, out_end) > 0)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "datetime: the interval ends before it starts");
    return rc;
}

enum gis_status params_names(const char *param,
                             const char *text,
                             bool allow_sign,
                             params_name_fn fn,
                             void *ctx,
                             struct gis_error *err)
{
    char name[128];
    const char *p = text;
    enum gis_status rc = GIS_OK;

    while (rc == GIS_OK) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool is_desc = false;
        if (allow_sign && n && (*p == '+' || *p == '-')) {
            is_desc = *p == '-';
            p++;
            n--;
        }
        if (n == 0 || n >= sizeof name)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "%s: empty or overlong name in the list",
                            param);
        memcpy(name, p, n);
        name[n] = '\0';
        rc = fn(ctx, name, is_desc, err);
        if (!comma)
            break;
        p = comma + 1;
    }
    return rc;
}

static const struct params_crs CRSS[] = {
    {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84", false, true},
    {"http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326", true, true},
    {"http://www.opengis.net/def/crs/EPSG/0/4490", "EPSG:4490", true, true},
    {"http://www.opengis.net/def/crs/EPSG/0/3857", "EPSG:3857", false, false},
    {"http://www.opengis.net/def/crs/EPSG/0/4545", "EPSG:4545", true, false},
    {"http://www.opengis.net/def/crs/EPSG/0/4546", "EPSG:4546", true, false},
};

const struct params_crs *params_crs_at(size_t i)
{
    return i < sizeof CRSS / sizeof *CRSS ? &CRSS[i] : NULL;
}

const struct params_crs *params_crs_find(const char *uri)
{
    char curie[64];
    size_t i, n;

    if (!uri)
        return NULL;
    n = strlen(uri);
    /* [EPSG:4326] safe CURIEs and bare EPSG:4326 / OGC:CRS84 name the same CRSs. */
    if (n >= 2 && n < sizeof curie && uri[0] == '[' && uri[n - 1] == ']') {
        memcpy(curie, uri + 1, n - 2);
        curie[n - 2] = '\0';
        uri = curie;
    }
    for (i = 0; i < sizeof CRSS / sizeof *CRSS; i++)
        if (!strcmp(CRSS[i].uri, uri) || !strcasecmp(CRSS[i].proj, uri))
            return &CRSS[i];
    return NULL;
}

/* ---------------------------------------------------------------- headers */

/* RFC 9110 tchar: the characters of a token (a media type, a field name). */
static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t token_len(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_tchar(s[i]))
        i++;
    return i;
}

/* s[0..n) without surrounding spaces and tabs. */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* An RFC 9110 qvalue: 0[.ddd] or 1[.000]. */
static bool parse_qvalue(const char *s, size_t n, double *out)
{
    size_t i;

    if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1') || (n > 1 && s[1] != '.'))
        return false;
    for (i = 2; i < n; i++)
        if (!isdigit((unsigned char)s[i]) || (s[0] == '1' && s[i] != '0'))
            return false;
    *out = strtod(s, NULL);
    return true;
}

/* One media range of an Accept list: type/subtype and q (parameters other than q are
 * ignored). False when it is not one. */
struct media_range {
    const char *type, *sub;
    size_t type_len, sub_len;
    double q;
};

static bool parse_q_params(const char *s, size_t n, double *q)
{
    while (n) {
        const char *semi = memchr(s, ';', n);
        size_t len = semi ? (size_t)(semi - s) : n;
        const char *p = s;
        size_t m = len;
        trim(&p, &m);
        if (m >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=' && !parse_qvalue(p + 2, m - 2, q))
            return false;
        if (!semi)
            break;
        s = semi + 1;
        n -= len + 1;
    }
    return true;
}

static bool parse_range(const char *s, size_t n, struct media_range *r)
{
    const char *semi = memchr(s, ';', n), *t = s;
    size_t len = semi ? (size_t)(semi - s) : n;

    trim(&t, &len);
    r->q = 1.0;
    r->type = t;
    r->type_len = token_len(t, len);
    if (r->type_len == 0 || r->type_len + 1 >= len || t[r->type_len] != '/')
        return false;
    r->sub = t + r->type_len + 1;
    r->sub_len = token_len(r->sub, len - r->type_len - 1);
    if (r->sub_len != len - r->type_len - 1)
        return false;
    return !semi || parse_q_params(semi + 1, n - (size_t)(semi - s) - 1, &r->q);
}

static bool is_word(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && !strncasecmp(s, word, n);
}

/* How specifically r names media: 3 exactly, 2 by its type's wildcard, 1 by the full
 * wildcard, 0 not at all. */
static int range_match(const struct media_range *r, enum params_media media)
{
    const char *type = media == PARAMS_MEDIA_HTML ? "text" : "application";
    bool is_exact;

    if (is_word(r->type, r->type_len, "*"))
        return is_word(r->sub, r->sub_len, "*") ? 1 : 0;
    if (!is_word(r->type, r->type_len, type))
        return 0;
    if (is_word(r->sub, r->sub_len, "*"))
        return 2;
    if (media == PARAMS_MEDIA_HTML)
        is_exact = is_word(r->sub, r->sub_len, "html");
    else if (media == PARAMS_MEDIA_MVT)
        is_exact = is_word(r->sub, r->sub_len, "vnd.mapbox-vector-tile") ||
                   is_word(r->sub, r->sub_len, "x-protobuf");
    else
        is_exact = is_word(r->sub, r->sub_len, "json") ||
                   (r->sub_len > 5 && !strncasecmp(r->sub + r->sub_len - 5, "+json", 5));
    return is_exact ? 3 : 0;
}

void params_accept(const char *accept, enum params_media media, struct params_pref *out)
{
    const char *p = accept;
    unsigned position = 0;

    out->q = 1.0;
    out->specificity = 0;
    out->position = 0;
    if (!accept || !accept[strspn(accept, " \t,")])
        return;
    out->q = 0.0;
    while (*p) {
        size_t n = strcspn(p, ",");
        struct media_range r;
        int spec;
        if (parse_range(p, n, &r)) {
            spec = range_match(&r, media);
            if (spec > out->specificity) {
                out->q = r.q;
                out->specificity = spec;
                out->position = position;
            }
            position++;
        }
        p += n + (p[n] == ',');
    }
}

static bool is_host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

enum gis_status params_origin(const char *text, struct gis_error *err)
{
    const char *p = text;
    size_t n;

    if (!strncmp(p, "http://", 7))
        p += 7;
    else if (!strncmp(p, "https://", 8))
        p += 8;
    else
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "origin '%.60s' must start with http:// or "
                        "https://",
                        text);
    if (*p == '[') {
        n = strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (n == 0 || p[n + 1] != ']')
            return gis_fail(err, GIS_ERR_INVALID_ARG, "origin '%.60s': bad IPv6 literal", text);
        p += n + 2;
    } else {
        for (n = 0; is_host_char(p[n]); n++)
            ;
        if (n == 0)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "origin '%.60s' has no host", text);
        p += n;
    }
    if (*p == ':') {
        n = strspn(p + 1, "0123456789");
        if (n == 0 || n > 5)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "origin '%.60s': bad port", text);
        p += n + 1;
    }
    if (*p || strlen(text) > 200)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "origin '%.60s' must be scheme://host[:port], with no path", text);
    return GIS_OK;
}

enum gis_status params_header_names(const char *text, char *out, size_t size, struct gis_error *err)
{
    char buf[PARAMS_HEADER_NAMES_MAX * 66 + 1];
    const char *p = text;
    size_t len = 0, count = 0;

    while (*p) {
        size_t n = strcspn(p, ",");
        const char *name = p;
        size_t m = n, i;
        trim(&name, &m);
        if (m && (token_len(name, m) != m || m > 64 || ++count > PARAMS_HEADER_NAMES_MAX))
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "Access-Control-Request-Headers: not a list of at most %d field "
                            "names",
                            PARAMS_HEADER_NAMES_MAX);
        for (i = 0; i < m; i++) {
            if (i == 0 && len) {
                buf[len++] = ',';
                buf[len++] = ' ';
            }
            buf[len++] = (char)tolower((unsigned char)name[i]);
        }
        p += n + (p[n] == ',');
    }
    if (len >= size)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "Access-Control-Request-Headers is too long");
    memcpy(out, buf, len);
    out[len] = '\0';
    return GIS_OK;
}
