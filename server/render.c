/*
 * Text renderers. The number writer is hand-rolled because formatting coordinates is
 * the hot loop of every GeoJSON response; it rounds half away from zero at the given
 * precision, exactly as printf("%.*f") would for the magnitudes we print.
 */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const int64_t POW10[] = {1,       10,       100,       1000,       10000,      100000,
                                1000000, 10000000, 100000000, 1000000000, 10000000000};

static char *utoa_back(uint64_t u, char *end);

enum gis_status render_int(struct gbuf *b, int64_t v)
{
    char buf[24], *p = utoa_back(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, buf + sizeof buf);

    if (v < 0)
        *--p = '-';
    return gbuf_append(b, p, (size_t)(buf + sizeof buf - p));
}

/* Writes u in decimal backwards ending at end; returns the first character. */
static char *utoa_back(uint64_t u, char *end)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

static const char DIGIT_PAIRS[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* Formats v into buf; returns the length. buf must have FMT_DOUBLE_ROOM bytes: the
 * digits are copied in fixed 16-byte moves (one instruction or two, where a copy of
 * the exact length was a call per piece), which may write past the number's end. v is
 * rounded to an integer count of 10^-decimals, whose digits are written two at a time,
 * then the point goes in and the fraction's trailing zeros come off. */
#define FMT_DOUBLE_ROOM 48

static size_t fmt_double(char *buf, double v, int decimals)
{
    /* The digits end at tmp + 40; at most 16 of them (|scaled| < 1e15, or zeros padded to
     * decimals + 1 <= 11), so each 16-byte copy out of tmp stays inside it. */
    char tmp[64] = {0}, *end = tmp + 40, *s = end, *p = buf;
    uint64_t u;
    int64_t scaled;
    size_t n, n_int, n_frac;

    if (decimals < 0 || decimals > 10 || !(fabs(v) < 1e15 / (double)POW10[decimals]))
        return (size_t)snprintf(buf, FMT_DOUBLE_ROOM, isfinite(v) ? "%.17g" : "null", v);
    scaled = llround(v * (double)POW10[decimals]);
    if (scaled == 0)
        return (size_t)(memcpy(buf, "0", 1), 1);
    if (scaled < 0)
        *p++ = '-';
    u = scaled < 0 ? 0 - (uint64_t)scaled : (uint64_t)scaled;
    while (u >= 100) {
        s -= 2;
        memcpy(s, DIGIT_PAIRS + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        s -= 2;
        memcpy(s, DIGIT_PAIRS + 2 * u, 2);
    } else {
        *--s = (char)('0' + u);
    }
    while ((size_t)(end - s) <= (size_t)decimals) /* at least one integer digit */
        *--s = '0';
    n = (size_t)(end - s);
    n_int = n - (size_t)decimals;
    n_frac = (size_t)decimals;
    while (n_frac > 0 && s[n_int + n_frac - 1] == '0')
        n_frac--;
    memcpy(p, s, 16);
    p += n_int;
    if (n_frac) {
        *p++ = '.';
        memcpy(p, s + n_int, 16);
        p += n_frac;
    }
    return (size_t)(p - buf);
}

enum gis_status render_double(struct gbuf *b, double v, int decimals)
{
    char buf[FMT_DOUBLE_ROOM];

    return gbuf_append(b, buf, fmt_double(buf, v, decimals));
}

/* At most what one point writes: brackets, comma, two numbers and their slack. */
#define POINT_ROOM (3 + 2 * FMT_DOUBLE_ROOM)

static size_t fmt_point(char *buf, const double *xy, bool swap, int decimals)
{
    size_t n = 1;

    buf[0] = '[';
    n += fmt_double(buf + n, swap ? xy[1] : xy[0], decimals);
    buf[n++] = ',';
    n += fmt_double(buf + n, swap ? xy[0] : xy[1], decimals);
    buf[n++] = ']';
    return n;
}

static enum gis_status point(struct gbuf *b, const double *xy, bool swap, int decimals)
{
    char buf[POINT_ROOM];

    return gbuf_append(b, buf, fmt_point(buf, xy, swap, decimals));
}

/* Points [from, to) of g, comma-separated, written in place in runs of RUN_POINTS (each
 * run's room asked once); point by point where the buffer cannot give a run's room (near
 * its cap, so the cap is met exactly where appending would meet it). */
#define RUN_POINTS 64

static enum gis_status
points(struct gbuf *b, const struct geom *g, size_t from, size_t to, bool swap, int dec)
{
    enum gis_status rc = GIS_OK;
    size_t i = from;

    while (i < to && rc == GIS_OK) {
        size_t k = to - i < RUN_POINTS ? to - i : RUN_POINTS, n = 0;
        char *room = gbuf_room(b, k * (POINT_ROOM + 1));
        if (!room) {
            rc = (i > from ? gbuf_append(b, ",", 1) : GIS_OK);
            if (rc == GIS_OK)
                rc = point(b, g->coords + 2 * i, swap, dec);
            i++;
            continue;
        }
        for (size_t j = i; j < i + k; j++) {
            if (j > from)
                room[n++] = ',';
            n += fmt_point(room + n, g->coords + 2 * j, swap, dec);
        }
        gbuf_commit(b, n);
        i += k;
    }
    return rc;
}

static enum gis_status ring(struct gbuf *b, const struct geom *g, size_t r, bool swap, int dec)
{
    enum gis_status rc = gbuf_append(b, "[", 1);

    if (rc == GIS_OK)
        rc = points(b, g, g->rings[r], g->rings[r + 1], swap, dec);
    return rc == GIS_OK ? gbuf_append(b, "]", 1) : rc;
}

/* One part: a point's coordinates, a line's points, or a polygon's rings. */
static enum gis_status part(struct gbuf *b, const struct geom *g, size_t p, bool swap, int dec)
{
    enum geom_type t = g->type > GEOM_POLYGON ? g->type - 3 : g->type;
    enum gis_status rc = GIS_OK;
    size_t r;

    if (t == GEOM_POINT)
        return point(b, g->coords + 2 * g->rings[g->parts[p]], swap, dec);
    if (t == GEOM_LINESTRING)
        return ring(b, g, g->parts[p], swap, dec);
    rc = gbuf_append(b, "[", 1);
    for (r = g->parts[p]; r < g->parts[p + 1] && rc == GIS_OK; r++) {
        if (r > g->parts[p])
            rc = gbuf_append(b, ",", 1);
        if (rc == GIS_OK)
            rc = ring(b, g, r, swap, dec);
    }
    return rc == GIS_OK ? gbuf_append(b, "]", 1) : rc;
}

enum gis_status render_geojson_geometry(struct gbuf *b,
                                        struct geom *g,
                                        struct crs_transform *xf,
                                        bool is_north_first,
                                        int decimals,
                                        struct gis_error *err)
{
    static const char *const names[] = {"",           "Point",           "LineString",  "Polygon",
                                        "MultiPoint", "MultiLineString", "MultiPolygon"};
    bool is_multi = g->type > GEOM_POLYGON;
    size_t p;

    if (xf && !crs_transform_is_identity(xf) &&
        crs_transform_xy(xf, g->coords, g->n_points, err) != GIS_OK)
        return err ? err->code : GIS_ERR_PROJ;
    gbuf_puts(b, "{\"type\":\"");
    gbuf_puts(b, names[g->type]);
    gbuf_puts(b, is_multi ? "\",\"coordinates\":[" : "\",\"coordinates\":");
    for (p = 0; p < g->n_parts && gbuf_status(b) == GIS_OK; p++) {
        if (p)
            gbuf_append(b, ",", 1);
        part(b, g, p, is_north_first, decimals);
    }
    if (gbuf_puts(b, is_multi ? "]}" : "}") != GIS_OK)
        return gis_fail(err, gbuf_status(b), "the response is too large");
    return GIS_OK;
}

enum gis_status render_html_escape(struct gbuf *b, const char *s)
{
    enum gis_status rc = GIS_OK;

    for (; *s && rc == GIS_OK; s++) {
        switch (*s) {
        case '&':
            rc = gbuf_puts(b, "&amp;");
            break;
        case '<':
            rc = gbuf_puts(b, "&lt;");
            break;
        case '>':
            rc = gbuf_puts(b, "&gt;");
            break;
        case '"':
            rc = gbuf_puts(b, "&quot;");
            break;
        case '\'':
            rc = gbuf_puts(b, "&#39;");
            break;
        default:
            rc = gbuf_append(b, s, 1);
        }
    }
    return rc;
}

enum gis_status render_url_escape(struct gbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    enum gis_status rc = GIS_OK;

    for (; *s && rc == GIS_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            rc = gbuf_append(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = gbuf_append(b, e, 3);
        }
    }
    return rc;
}
