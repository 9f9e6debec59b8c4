/*
 * Shared inside server/ only: JSON link helpers and the HTML pages.
 */
#ifndef CIVGIS_API_RENDER_H
#define CIVGIS_API_RENDER_H

#include <cjson/cJSON.h>

#include "api_int.h"
#include "layer.h"

cJSON *api_link(const char *href, const char *rel, const char *type, const char *title);
void api_self_links(cJSON *links, const char *base, const char *path, const char *json_type);

/* The JSON Schema type of a layer property ("integer", "number", "boolean", "string"). */
const char *api_json_type(enum prop_type t);
/* Renders root as the body and frees it. */
void api_send_json(struct api_response *res, cJSON *root, const char *content_type);

/* Every collection: the fixed layers, one per facility kind's coverage, one per stored
 * scenario (its proposed sites). Each layer is valid while the list lives. */
#define API_MAX_LAYERS (16 + 16 + 64)
struct api_layer_list {
    const struct layer_def *layers[API_MAX_LAYERS];
    struct layer_scratch scratch[API_MAX_LAYERS];
    size_t n;
};
void api_layers_list(const struct api_request *req, struct api_layer_list *out);

/* api_etag on what, the data version, extra and the path: for resources derived from
 * the data. True when the request's If-None-Match matched (304 set). */
bool api_data_etag(const struct api_request *req,
                   struct api_response *res,
                   const char *what,
                   const char *extra);

/* The collection named by the request's first path parameter, in the caller's view
 * (policy_layer_view: the sensitive counts for planner and above), or NULL after a 404. */
const struct layer_def *api_find_layer(const struct api_request *req,
                                       struct api_response *res,
                                       struct layer_scratch *scratch);

/* OGC API - Processes (api_processes.c; the site-selection process in api_site.c). */
cJSON *api_process_summary(const char *base, const char *id, const char *title, const char *desc);
cJSON *api_process_input(cJSON *inputs, const char *name, const char *type, const char *desc);
/* A process's two outputs: "summary" (a JSON object, the default) and geo_name (GeoJSON,
 * asked for by naming it in the request's outputs). */
void api_process_outputs(cJSON *process,
                         const char *summary_title,
                         const char *geo_name,
                         const char *geo_title);
/* Queues a run as a job of the caller (spec's owner, queue key and visibility are set
 * here) and answers: 201 with the job's status when is_async, else the job's outcome
 * once it ends (the request waits, its thread does not). */
void api_job_run(const struct api_request *req,
                 struct api_response *res,
                 struct job_spec *spec,
                 bool is_async);
/* Whether the request asks for asynchronous execution (Prefer: respond-async). */
bool api_is_async(const struct api_request *req);
void api_site_describe(const struct api_request *req, struct api_response *res);
void api_site_execute(const struct api_request *req, struct api_response *res, const cJSON *root);
/* The division processes (api_division.c): their summaries added to a /processes list,
 * and their description (false, nothing sent, when the request names another process). */
void api_division_summaries(cJSON *list, const char *base);
bool api_division_describe(const struct api_request *req, struct api_response *res);

/* HTML pages; every value is escaped. */
void api_render_landing_html(struct api_response *res, const char *base);
void api_render_list_html(struct api_response *res,
                          const char *title,
                          const char *const *items,
                          size_t n);
void api_render_collections_html(struct api_response *res,
                                 const char *base,
                                 const struct layer_def *const *layers,
                                 const struct layer_stats *stats,
                                 size_t n);

/* An HTML page in pieces, for the items pages. */
enum gis_status api_html_begin(struct gbuf *b, const char *title);
enum gis_status api_html_end(struct gbuf *b);

#endif
