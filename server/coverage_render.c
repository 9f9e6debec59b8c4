/*
 * Rendering of coverage answers (see coverage_render.h): cJSON for the summary, direct
 * writes for the per-point outputs, which can hold hundreds of thousands of features.
 */
#include "coverage_render.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>

static cJSON *division_entry(const struct coverage_division *d)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddStringToObject(e, "code", d->code);
    cJSON_AddStringToObject(e, "name", d->name);
    cJSON_AddNumberToObject(e, "level", d->level);
    cJSON_AddNumberToObject(e, "demand_total", d->demand_total);
    cJSON_AddNumberToObject(e, "demand_covered", d->demand_covered);
    cJSON_AddNumberToObject(e, "share", coverage_division_share(d));
    cJSON_AddNumberToObject(e, "points_total", (double)d->points_total);
    cJSON_AddNumberToObject(e, "points_covered", (double)d->points_covered);
    return e;
}

static void add_divisions(cJSON *root, const struct coverage_analysis *a)
{
    cJSON *list = cJSON_AddArrayToObject(root, "by_division");
    cJSON *ranking = cJSON_AddArrayToObject(root, "county_ranking");
    size_t k;

    for (k = 0; k < a->n_divisions; k++)
        cJSON_AddItemToArray(list, division_entry(&a->divisions[k]));
    for (k = 0; k < a->n_ranking; k++) {
        cJSON *e = division_entry(&a->ranking[k]);
        cJSON_AddNumberToObject(e, "rank", (double)(k + 1));
        cJSON_AddItemToArray(ranking, e);
    }
}

static void write_summary(FILE *f, const struct coverage_analysis *a)
{
    const struct coverage_params *o = &a->params;
    const struct coverage_result *r = &a->result;
    cJSON *root = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(root, "kinds", o->kinds);
    cJSON_AddStringToObject(root, "statuses", o->statuses ? o->statuses : "operating");
    if (o->scenario >= 0)
        cJSON_AddNumberToObject(root, "scenario", (double)o->scenario);
    if (o->radius_m > 0)
        cJSON_AddNumberToObject(root, "radius_m", o->radius_m);
    cJSON_AddStringToObject(root, "weight", o->weight);
    cJSON_AddNumberToObject(root, "facilities", (double)a->facilities.n);
    cJSON_AddNumberToObject(root, "demand_total", r->demand_total);
    cJSON_AddNumberToObject(root, "demand_covered", r->demand_covered);
    cJSON_AddNumberToObject(root, "share",
                            r->demand_total > 0 ? r->demand_covered / r->demand_total : 0);
    cJSON_AddNumberToObject(root, "points_total", (double)r->n_points);
    cJSON_AddNumberToObject(root, "points_covered", (double)r->points_covered);
    if (r->has_capacity) {
        cJSON_AddNumberToObject(root, "demand_served", r->demand_served);
        cJSON_AddNumberToObject(root, "demand_unserved", r->demand_unserved);
    }
    if (o->has_timings) {
        cJSON_AddNumberToObject(root, "seconds_load", a->seconds_load);
        cJSON_AddNumberToObject(root, "seconds_compute", a->seconds_compute);
    }
    add_divisions(root, a);
    text = cJSON_Print(root);
    if (text)
        fprintf(f, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static void json_string(FILE *f, const char *s)
{
    cJSON *item = cJSON_CreateStringReference(s);
    char *t = item ? cJSON_PrintUnformatted(item) : NULL; /* escaped */

    fputs(t ? t : "\"\"", f);
    cJSON_free(t);
    cJSON_Delete(item);
}

/* A CSV field: quoted, inner quotes doubled (RFC 4180). */
static void csv_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_points(FILE *f, enum coverage_format fmt, const struct coverage_analysis *a)
{
    const struct demand_set *d = &a->demand;
    const struct facility_set *fs = &a->facilities;
    const struct coverage_result *r = &a->result;
    bool is_csv = fmt == COVERAGE_CSV;
    size_t i;

    if (is_csv)
        fputs("code,name,division_code,lon,lat,weight,covered,nearest_id,nearest_m,n_within,"
              "served\n",
              f);
    else
        fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", f);
    for (i = 0; i < d->n; i++) {
        const struct coverage_point *p = &r->points[i];
        const char *near = p->nearest >= 0 ? fs->fid[p->nearest] : "";
        if (is_csv) {
            csv_string(f, d->code[i]);
            fputc(',', f);
            csv_string(f, d->name[i]);
            fprintf(f, ",%s,%.7f,%.7f,%g,%d,", d->division[i], d->xy[2 * i], d->xy[2 * i + 1],
                    d->weight[i], p->is_covered);
            csv_string(f, near);
            fprintf(f, ",%.3f,%u,%g\n", p->nearest >= 0 ? p->nearest_m : -1.0, p->n_within,
                    p->served);
            continue;
        }
        fprintf(f, "%s{\"type\":\"Feature\",\"id\":", i ? ",\n" : "");
        json_string(f, d->code[i]);
        fprintf(f,
                ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]},"
                "\"properties\":{\"name\":",
                d->xy[2 * i], d->xy[2 * i + 1]);
        json_string(f, d->name[i]);
        fprintf(f, ",\"weight\":%g,\"covered\":%s,\"nearest_id\":", d->weight[i],
                p->is_covered ? "true" : "false");
        if (p->nearest >= 0)
            json_string(f, near);
        else
            fputs("null", f);
        fprintf(f, ",\"nearest_m\":%.3f,\"n_within\":%u", p->nearest >= 0 ? p->nearest_m : -1.0,
                p->n_within);
        if (r->has_capacity)
            fprintf(f, ",\"served\":%g", p->served);
        fputs("}}", f);
    }
    if (!is_csv)
        fputs("\n]}\n", f);
}

enum gis_status coverage_render_write(const struct coverage_analysis *a,
                                      enum coverage_format fmt,
                                      FILE *f,
                                      struct gis_error *err)
{
    if (!a || !f)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "coverage_render_write: null argument");
    if (fmt == COVERAGE_SUMMARY)
        write_summary(f, a);
    else
        write_points(f, fmt, a);
    return GIS_OK;
}

enum gis_status coverage_render_run(struct store *st,
                                    const struct coverage_params *p,
                                    enum coverage_format fmt,
                                    FILE *f,
                                    struct gis_error *err)
{
    struct coverage_analysis *a = NULL;
    enum gis_status rc = coverage_analysis_run(st, p, &a, err);

    if (rc == GIS_OK)
        rc = coverage_render_write(a, fmt, f, err);
    coverage_analysis_free(a);
    return rc;
}
