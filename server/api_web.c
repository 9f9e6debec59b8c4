/*
 * The browser application (web/): its files, served from one flat folder under /app/,
 * and the page a browser gets at /. The folder is what the build copied (the app's own
 * modules and the dist files of its npm packages); nothing else is reachable: a file name
 * is one path segment of plain characters with a known extension, so no request can
 * name a parent, a hidden file or a directory.
 */
#include "api_web.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"

/* The largest file served (MapLibre's is under 1 MiB). */
#define WEB_MAX_FILE  (16u * 1024u * 1024u)
#define WEB_NAME_MAX  96
#define WEB_INDEX     "index.html"
#define WEB_PATH_SIZE 4096

static const struct {
    const char *ext, *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".txt", "text/plain; charset=utf-8"},
};

const char *api_web_type(const char *name)
{
    size_t n = strlen(name), i, k;

    for (i = 0; i < sizeof TYPES / sizeof *TYPES; i++) {
        k = strlen(TYPES[i].ext);
        if (n > k && !strcmp(name + n - k, TYPES[i].ext))
            return TYPES[i].type;
    }
    return NULL;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool api_web_name_ok(const char *name)
{
    size_t i, n = strlen(name);

    /* A leading letter or digit: no ".", "..", hidden files or "-option" names. */
    if (n == 0 || n >= WEB_NAME_MAX || !is_alnum(name[0]))
        return false;
    for (i = 0; i < n; i++)
        if (!is_alnum(name[i]) && !strchr(".-_", name[i]))
            return false;
    return strstr(name, "..") == NULL && api_web_type(name) != NULL;
}

/* dir holds the application: a readable index.html. */
static bool has_index(const char *dir)
{
    char path[WEB_PATH_SIZE];
    int n = snprintf(path, sizeof path, "%s/" WEB_INDEX, dir);

    return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

/* The folder of the running executable, from /proc/self/exe. False when unknown. */
static bool exe_dir(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    char *slash;

    if (n <= 0 || (size_t)n >= size - 1)
        return false;
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return true;
}

enum gis_status api_web_dir_find(const char *given, char **out, struct gis_error *err)
{
    /* Beside the binary in the build tree (build/web), then where `make install` puts it
     * (PREFIX/bin/civgis -> PREFIX/share/civgis/web). */
    static const char *const beside[] = {"/web", "/../share/civgis/web"};
    char dir[WEB_PATH_SIZE], path[WEB_PATH_SIZE], real[PATH_MAX];
    size_t i;

    if (given) {
        if (!has_index(given))
            return gis_fail(err, GIS_ERR_NOT_FOUND, "--web %.200s: no readable " WEB_INDEX, given);
        if (!realpath(given, real))
            return gis_fail(err, GIS_ERR_IO, "--web %.200s: %s", given, strerror(errno));
        *out = strdup(real);
        return *out ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    *out = NULL;
    if (!exe_dir(dir, sizeof dir))
        return GIS_OK;
    for (i = 0; i < sizeof beside / sizeof *beside; i++) {
        int n = snprintf(path, sizeof path, "%s%s", dir, beside[i]);
        if (n <= 0 || (size_t)n >= sizeof path || !has_index(path) || !realpath(path, real))
            continue;
        *out = strdup(real);
        return *out ? GIS_OK : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    return GIS_OK;
}

/* Reads dir/name into res with its type, an ETag from its size and time, and answers
 * 304 when the client has it. */
static void send_file(const struct api_request *req, struct api_response *res, const char *name)
{
    char path[WEB_PATH_SIZE], basis[WEB_NAME_MAX + 96];
    struct stat sb;
    size_t got = 0;
    char *data = NULL;
    int fd = -1;

    snprintf(path, sizeof path, "%s/%s", req->web_dir, name);
    /* O_NOFOLLOW: the folder holds copies; a link planted in it leads nowhere. */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        api_error(res, 404, "not_found", "no such file of the web application");
        goto cleanup;
    }
    if ((size_t)sb.st_size > WEB_MAX_FILE) {
        api_error(res, 500, "too_large", "the file is too large to serve");
        goto cleanup;
    }
    api_header_add(res, "Cache-Control", "no-cache"); /* revalidated: 304 while unchanged */
    snprintf(basis, sizeof basis, "web|%s|%lld|%lld.%09ld", name, (long long)sb.st_size,
             (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
    if (api_etag(req, res, basis))
        goto cleanup;
    data = malloc((size_t)sb.st_size + 1);
    while (data && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, data + got, (size_t)sb.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (!data || got != (size_t)sb.st_size) {
        api_error(res, 500, "io_error", "cannot read the file");
        goto cleanup;
    }
    api_body(res, api_web_type(name), data, got);
cleanup:
    free(data);
    if (fd >= 0)
        close(fd);
}

void api_web_file(const struct api_request *req, struct api_response *res)
{
    const char *name = req->path_params[0];

    if (!req->web_dir) {
        api_error(res, 404, "not_found",
                  "the web application is not installed (civgis serve --web DIR names it)");
        return;
    }
    if (!api_web_name_ok(name)) {
        api_error(res, 404, "not_found", "no such file of the web application");
        return;
    }
    send_file(req, res, name);
}

/* "N-M": the glyph range MapLibre asks for (multiples of 256). */
static bool is_glyph_range(const char *s)
{
    const char *dash = strchr(s, '-');
    size_t i;

    if (!dash || dash == s || !dash[1] || strlen(s) > 16)
        return false;
    for (i = 0; s[i]; i++)
        if (s + i != dash && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

void api_web_glyphs(const struct api_request *req, struct api_response *res)
{
    (void)req->path_params[0]; /* any font stack: none is shipped */
    if (!is_glyph_range(req->path_params[1])) {
        api_error(res, 404, "not_found", "a glyph range is N-M, such as 0-255");
        return;
    }
    /* No glyph files ship (the application is offline and fonts are large): the labels
     * are Chinese names, which MapLibre draws with the browser's own CJK font
     * (localIdeographFontFamily), and an empty set of glyphs here leaves other characters
     * unlabelled instead of failing the style. */
    api_header_add(res, "Cache-Control", "public, max-age=86400");
    api_body(res, "application/x-protobuf", "", 0);
}

void api_root(const struct api_request *req, struct api_response *res)
{
    struct gis_error err = {0};
    enum api_format fmt;

    /* f= names the OGC landing page in a format (f=html: its HTML list of links); without
     * it a browser gets the application, an API client the landing page JSON. */
    if (api_query(req, "f") || !req->web_dir || api_format(req, &fmt, &err) != GIS_OK ||
        fmt != API_HTML) {
        api_landing(req, res);
        return;
    }
    send_file(req, res, WEB_INDEX);
}
