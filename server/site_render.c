/*
 * Rendering of site-selection answers (see site_render.h) with cJSON. The summary's
 * members keep the order and the names the process, the CLI and saved scenarios have
 * always had.
 */
#include "site_render.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

static void summary_head(cJSON *o, const struct site_summary *s)
{
    const struct site_result *r = s->result;

    cJSON_AddStringToObject(o, "problem", site_problem_name(s->problem));
    cJSON_AddNumberToObject(o, "p", (double)s->p);
    if (s->has_radius)
        cJSON_AddNumberToObject(o, "radius_m", s->radius_m);
    cJSON_AddNumberToObject(o, "objective", r->objective);
    cJSON_AddNumberToObject(o, "bound", r->bound);
    cJSON_AddNumberToObject(o, "gap", r->gap);
    cJSON_AddBoolToObject(o, "is_optimal", r->is_optimal);
    cJSON_AddNumberToObject(o, "n_sites", (double)r->n_open);
    cJSON_AddNumberToObject(o, "seconds", r->seconds);
    cJSON_AddNumberToObject(o, "seconds_to_best", r->seconds_to_best);
    cJSON_AddNumberToObject(o, "iterations", (double)r->iterations);
    cJSON_AddStringToObject(o, "method", r->method);
    cJSON_AddNumberToObject(o, "searches", (double)r->searches);
    cJSON_AddBoolToObject(o, "hit_time_limit", r->hit_time_limit);
    cJSON_AddBoolToObject(o, "cancelled", r->was_cancelled);
    cJSON_AddNumberToObject(o, "n_demand", (double)s->n_demand);
    cJSON_AddNumberToObject(o, "n_candidates", (double)s->n_candidates);
    if (s->has_demand_totals) {
        cJSON_AddNumberToObject(o, "demand_total", r->demand_total);
        cJSON_AddNumberToObject(o, "demand_covered", r->demand_covered);
    }
    if (s->has_uncoverable)
        cJSON_AddNumberToObject(o, "uncoverable_points", (double)r->n_uncoverable);
}

/* A site's properties: id, name (when known), then the demand it serves. */
static cJSON *site_properties(const struct site_chosen *c)
{
    cJSON *d = cJSON_CreateObject();

    cJSON_AddStringToObject(d, "id", c->id);
    if (c->name)
        cJSON_AddStringToObject(d, "name", c->name);
    return d;
}

static void add_served(cJSON *d, const struct site_chosen *c)
{
    cJSON_AddNumberToObject(d, "demand_served", c->demand_served);
    cJSON_AddNumberToObject(d, "points_served", (double)c->points_served);
}

static cJSON *summary(const struct site_summary *s, int64_t scenario)
{
    cJSON *o = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(o, "sites");
    cJSON *detail = cJSON_AddArrayToObject(o, "sites_detail");
    size_t k;

    summary_head(o, s);
    if (scenario >= 0)
        cJSON_AddNumberToObject(o, "scenario_id", (double)scenario);
    for (k = 0; k < s->n_sites; k++) {
        const struct site_chosen *c = &s->sites[k];
        cJSON *d = site_properties(c);
        cJSON_AddItemToArray(ids, cJSON_CreateString(c->id));
        if (c->has_xy) {
            cJSON_AddNumberToObject(d, "x", c->x);
            cJSON_AddNumberToObject(d, "y", c->y);
        }
        add_served(d, c);
        cJSON_AddItemToArray(detail, d);
    }
    return o;
}

/* A graph's sites have no coordinates: null, as before. */
static cJSON *geojson(const struct site_summary *s)
{
    cJSON *fc = cJSON_CreateObject();
    cJSON *feats = cJSON_AddArrayToObject(fc, "features");
    size_t k;

    cJSON_AddStringToObject(fc, "type", "FeatureCollection");
    for (k = 0; k < s->n_sites; k++) {
        const struct site_chosen *c = &s->sites[k];
        cJSON *f = cJSON_CreateObject(), *g = cJSON_AddObjectToObject(f, "geometry");
        cJSON *xy = cJSON_AddArrayToObject(g, "coordinates"), *props = site_properties(c);
        cJSON_AddStringToObject(f, "type", "Feature");
        cJSON_AddStringToObject(g, "type", "Point");
        cJSON_AddItemToArray(xy, cJSON_CreateNumber(c->has_xy ? c->x : NAN));
        cJSON_AddItemToArray(xy, cJSON_CreateNumber(c->has_xy ? c->y : NAN));
        cJSON_AddStringToObject(f, "id", c->id);
        add_served(props, c);
        cJSON_AddItemToObject(f, "properties", props);
        cJSON_AddItemToArray(feats, f);
    }
    return fc;
}

enum gis_status site_render_summary(const struct site_summary *s,
                                    int64_t scenario,
                                    cJSON **out,
                                    struct gis_error *err)
{
    cJSON *o = summary(s, scenario);

    if (!o)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *out = o;
    return GIS_OK;
}

static enum gis_status emit(cJSON *o, FILE *f, struct gis_error *err)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    enum gis_status rc = GIS_OK;

    if (!text)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    else if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
        rc = gis_fail(err, GIS_ERR_IO, "cannot write the result");
    free(text);
    cJSON_Delete(o);
    return rc;
}

enum gis_status site_render_write(const struct site_answer *a,
                                  const struct site_params *p,
                                  enum site_format fmt,
                                  int64_t scenario,
                                  FILE *f,
                                  struct gis_error *err)
{
    struct site_summary s = {0};
    enum gis_status rc = site_answer_summary(a, p, &s, err);

    if (rc == GIS_OK)
        rc = emit(fmt == SITE_GEOJSON ? geojson(&s) : summary(&s, scenario), f, err);
    site_summary_free(&s);
    return rc;
}

/* The parameters a scenario keeps: what a reader needs to know how it was chosen. */
static char *params_text(const struct site_summary *s)
{
    cJSON *par = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(par, "kind", s->kinds ? s->kinds : "");
    cJSON_AddNumberToObject(par, "p", (double)s->p);
    cJSON_AddNumberToObject(par, "radius_m", s->reach_m);
    cJSON_AddStringToObject(par, "weight", s->weight ? s->weight : "elderly_60plus");
    cJSON_AddStringToObject(par, "candidates", s->candidates ? s->candidates : "villages");
    text = cJSON_PrintUnformatted(par);
    cJSON_Delete(par);
    return text;
}

enum gis_status site_render_texts(const struct site_answer *a,
                                  const struct site_params *p,
                                  struct site_saved_texts *out,
                                  struct gis_error *err)
{
    struct site_summary s = {0};
    struct site_saved_texts t = {NULL, NULL};
    cJSON *res = NULL;
    enum gis_status rc = site_answer_summary(a, p, &s, err);

    if (rc == GIS_OK) {
        res = summary(&s, -1);
        t.results_json = res ? cJSON_PrintUnformatted(res) : NULL;
        t.params_json = params_text(&s);
        if (!t.results_json || !t.params_json)
            rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    cJSON_Delete(res);
    site_summary_free(&s);
    if (rc != GIS_OK) {
        site_render_texts_free(&t);
        return rc;
    }
    *out = t;
    return GIS_OK;
}

void site_render_texts_free(struct site_saved_texts *t)
{
    if (!t)
        return;
    cJSON_free((char *)t->results_json);
    cJSON_free((char *)t->params_json);
    t->results_json = t->params_json = NULL;
}

enum gis_status site_render_save(struct store *st,
                                 const struct site_answer *a,
                                 const struct site_params *p,
                                 int64_t *out_id,
                                 struct gis_error *err)
{
    struct site_saved_texts texts = {NULL, NULL};
    enum gis_status rc = site_render_texts(a, p, &texts, err);

    if (rc == GIS_OK)
        rc = site_answer_save(st, a, p, &texts, out_id, err);
    site_render_texts_free(&texts);
    return rc;
}

enum gis_status site_render_run(struct store *st,
                                const struct site_params *p,
                                enum site_format fmt,
                                FILE *f,
                                struct gis_error *err)
{
    struct site_answer *a = NULL;
    int64_t scenario = -1;
    enum gis_status rc = site_answer_solve(st, p, &a, err);

    if (rc == GIS_OK && p->save_name)
        rc = site_render_save(st, a, p, &scenario, err);
    if (rc == GIS_OK)
        rc = site_render_write(a, p, fmt, scenario, f, err);
    site_answer_free(a);
    return rc;
}
