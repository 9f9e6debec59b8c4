/*
 * Query-parameter parsers: strict, bounded, no allocation.
 */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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
