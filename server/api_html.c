/*
 * The HTML pages (f=html): plain, dependency-free markup in which every value from the
 * store or the request is escaped by render_html_escape.
 */
#include <stdio.h>
#include <string.h>

#include "api_render.h"
#include "render.h"

static const char STYLE[] =
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
    "text-align:left;font-size:90%}th{background:#f4f4f4}svg{border:1px solid #ccc;"
    "background:#fafafa}a{color:#0b5394}.note{color:#666}";

enum gis_status api_html_begin(struct gbuf *b, const char *title)
{
    enum gis_status rc = gbuf_puts(b, "<!DOCTYPE html><html lang=\"zh\"><head><meta "
                                      "charset=\"utf-8\"><title>");

    if (rc == GIS_OK)
        rc = render_html_escape(b, title);
    if (rc == GIS_OK)
        rc = gbuf_printf(b,
                         " - civgis</title><style>%s</style></head><body><p><a "
                         "href=\"/\">civgis</a> &rsaquo; <a href=\"/collections\">"
                         "collections</a></p><h1>",
                         STYLE);
    if (rc == GIS_OK)
        rc = render_html_escape(b, title);
    return rc == GIS_OK ? gbuf_puts(b, "</h1>") : rc;
}

enum gis_status api_html_end(struct gbuf *b)
{
    return gbuf_puts(b, "</body></html>\n");
}

static void finish(struct api_response *res, enum gis_status rc)
{
    if (rc == GIS_OK)
        rc = api_html_end(&res->body);
    if (rc != GIS_OK) {
        api_error(res, 500, "too_large", "the page is too large");
        return;
    }
    res->content_type = "text/html; charset=utf-8";
}

void api_render_landing_html(struct api_response *res, const char *base)
{
    struct gbuf *b = &res->body;
    enum gis_status rc = api_html_begin(b, "civgis");

    (void)base;
    if (rc == GIS_OK)
        rc = gbuf_puts(
            b, "<p>Civil-affairs planning GIS: administrative divisions, facilities, "
               "demand and coverage, through OGC API - Features, Tiles and Processes.</p><ul>"
               "<li><a href=\"/collections\">Collections</a></li>"
               "<li><a href=\"/conformance\">Conformance</a></li>"
               "<li><a href=\"/tiles\">Vector tilesets</a></li>"
               "<li><a href=\"/tileMatrixSets\">Tile matrix sets</a></li>"
               "<li><a href=\"/api\">API definition (OpenAPI 3.0)</a></li>"
               "<li><a href=\"/health\">Health</a></li></ul>");
    finish(res, rc);
}

void api_render_list_html(struct api_response *res,
                          const char *title,
                          const char *const *items,
                          size_t n)
{
    struct gbuf *b = &res->body;
    enum gis_status rc = api_html_begin(b, title);
    size_t i;

    if (rc == GIS_OK)
        rc = gbuf_puts(b, "<ul>");
    for (i = 0; i < n && rc == GIS_OK; i++) {
        rc = gbuf_puts(b, "<li>");
        if (rc == GIS_OK)
            rc = render_html_escape(b, items[i]);
        if (rc == GIS_OK)
            rc = gbuf_puts(b, "</li>");
    }
    if (rc == GIS_OK)
        rc = gbuf_puts(b, "</ul>");
    finish(res, rc);
}

void api_render_collections_html(struct api_response *res,
                                 const char *base,
                                 const struct layer_def *const *layers,
                                 const struct layer_stats *stats,
                                 size_t n)
{
    struct gbuf *b = &res->body;
    size_t i;

    (void)base;
    api_html_begin(b, n == 1 ? layers[0]->title : "Collections");
    gbuf_puts(b, "<table><tr><th>id</th><th>title</th><th>description</th>"
                 "<th>features</th><th>extent (CRS84)</th></tr>");
    for (i = 0; i < n; i++) {
        gbuf_puts(b, "<tr><td><a href=\"/collections/");
        render_html_escape(b, layers[i]->id);
        gbuf_puts(b, "/items\">");
        render_html_escape(b, layers[i]->id);
        gbuf_puts(b, "</a></td><td>");
        render_html_escape(b, layers[i]->title);
        gbuf_puts(b, "</td><td>");
        render_html_escape(b, layers[i]->description);
        gbuf_printf(b, "</td><td>%lld</td><td>", (long long)stats[i].count);
        if (stats[i].has_extent)
            gbuf_printf(b, "%.4f, %.4f, %.4f, %.4f", stats[i].bbox[0], stats[i].bbox[1],
                        stats[i].bbox[2], stats[i].bbox[3]);
        gbuf_puts(b, "</td></tr>");
    }
    finish(res, gbuf_puts(b, "</table>"));
}
