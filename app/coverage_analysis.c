/*
 * The coverage analysis behind civgis coverage and the coverage process (see
 * coverage_analysis.h). Rendering uses cJSON for the summary and direct writes for the
 * per-point outputs, which can hold hundreds of thousands of features.
 */
#include "coverage_analysis.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "coverage_data.h"
#include "geodist.h"

/* ---------------------------------------------------------------- aggregation */

static int find_code(const struct division_names *dn, const char *code)
{
    size_t lo = 0, hi = dn->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(dn->code[mid], code);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* group_of for one level: the division (township 9 digits, county 6, city 4 + "00")
 * each point lies in. */
static void
groups_at(const struct demand_set *d, const struct division_names *dn, int level, int32_t *group_of)
{
    char key[16];
    size_t i;

    for (i = 0; i < d->n; i++) {
        const char *c = d->division[i][0] ? d->division[i] : d->code[i];
        if (strlen(c) < 9) {
            group_of[i] = -1;
            continue;
        }
        if (level == 4)
            snprintf(key, sizeof key, "%.9s", c);
        else if (level == 3)
            snprintf(key, sizeof key, "%.6s", c);
        else
            snprintf(key, sizeof key, "%.4s00", c);
        group_of[i] = find_code(dn, key);
    }
}

static cJSON *division_entry(const struct division_names *dn,
                             size_t g,
                             double total,
                             double covered,
                             size_t points,
                             size_t points_covered)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddStringToObject(e, "code", dn->code[g]);
    cJSON_AddStringToObject(e, "name", dn->name[g]);
    cJSON_AddNumberToObject(e, "level", dn->level[g]);
    cJSON_AddNumberToObject(e, "demand_total", total);
    cJSON_AddNumberToObject(e, "demand_covered", covered);
    cJSON_AddNumberToObject(e, "share", total > 0 ? covered / total : 0);
    cJSON_AddNumberToObject(e, "points_total", (double)points);
    cJSON_AddNumberToObject(e, "points_covered", (double)points_covered);
    return e;
}

static int by_share_desc(const void *a, const void *b)
{
    double x = cJSON_GetObjectItem(*(cJSON *const *)a, "share")->valuedouble;
    double y = cJSON_GetObjectItem(*(cJSON *const *)b, "share")->valuedouble;

    return x < y ? 1 : x > y ? -1 : 0;
}

static enum gis_status add_divisions(cJSON *root,
                                     const struct demand_set *d,
                                     const struct division_names *dn,
                                     const struct coverage_result *r)
{
    int32_t *group_of = malloc((d->n ? d->n : 1) * sizeof *group_of);
    double *tot = calloc(dn->n + 1, sizeof *tot), *cov = calloc(dn->n + 1, sizeof *cov);
    size_t *pts = calloc(dn->n + 1, sizeof *pts), *pcov = calloc(dn->n + 1, sizeof *pcov);
    cJSON *list = cJSON_AddArrayToObject(root, "by_division");
    cJSON *ranking = cJSON_AddArrayToObject(root, "county_ranking"), *counties[64];
    size_t g, n_counties = 0;
    int level;

    if (!group_of || !tot || !cov || !pts || !pcov) {
        free(group_of), free(tot), free(cov), free(pts), free(pcov);
        return GIS_ERR_NOMEM;
    }
    for (level = 2; level <= 4; level++) {
        groups_at(d, dn, level, group_of);
        coverage_aggregate(r, d->weight, group_of, dn->n, tot, cov, pts, pcov);
        for (g = 0; g < dn->n; g++) {
            if (dn->level[g] != level || pts[g] == 0)
                continue;
            cJSON_AddItemToArray(list, division_entry(dn, g, tot[g], cov[g], pts[g], pcov[g]));
            if (level == 3 && n_counties < 64)
                counties[n_counties++] = division_entry(dn, g, tot[g], cov[g], pts[g], pcov[g]);
        }
    }
    qsort(counties, n_counties, sizeof *counties, by_share_desc);
    for (g = 0; g < n_counties; g++) {
        cJSON_AddNumberToObject(counties[g], "rank", (double)(g + 1));
        cJSON_AddItemToArray(ranking, counties[g]);
    }
    free(group_of), free(tot), free(cov), free(pts), free(pcov);
    return GIS_OK;
}

/* ---------------------------------------------------------------- output */

/* Monotonic seconds, for the summary's timings. */
static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* seconds[0]: reading demand, facilities and divisions from the store; seconds[1]: the
 * analysis alone, as a benchmark sets it against another tool's compute time. */
static void write_summary(FILE *f,
                          const struct coverage_params *o,
                          const struct demand_set *d,
                          const struct facility_set *fs,
                          const struct division_names *dn,
                          const struct coverage_result *r,
                          const double seconds[2])
{
    cJSON *root = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(root, "kinds", o->kinds);
    cJSON_AddStringToObject(root, "statuses", o->statuses ? o->statuses : "operating");
    if (o->scenario >= 0)
        cJSON_AddNumberToObject(root, "scenario", (double)o->scenario);
    if (o->radius_m > 0)
        cJSON_AddNumberToObject(root, "radius_m", o->radius_m);
    cJSON_AddStringToObject(root, "weight", o->weight);
    cJSON_AddNumberToObject(root, "facilities", (double)fs->n);
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
        cJSON_AddNumberToObject(root, "seconds_load", seconds[0]);
        cJSON_AddNumberToObject(root, "seconds_compute", seconds[1]);
    }
    add_divisions(root, d, dn, r);
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

static void write_points(FILE *f,
                         enum coverage_format fmt,
                         const struct demand_set *d,
                         const struct facility_set *fs,
                         const struct coverage_result *r)
{
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

/* ---------------------------------------------------------------- run */

enum gis_status coverage_analysis_write(struct store *st,
                                        const struct coverage_params *o,
                                        enum coverage_format fmt,
                                        FILE *f,
                                        struct gis_error *err)
{
    struct demand_set d = {0};
    struct facility_set fs = {0};
    struct facility_query fq = {o->kinds, o->statuses, o->scenario, o->radius_m};
    struct division_names dn = {0};
    struct coverage_result r = {0};
    struct geodist_metric gm;
    struct coverage_input in;
    double t0 = now_s(), t1 = t0, seconds[2];
    enum gis_status rc = demand_weight_check(o->weight, err);

    if (rc == GIS_OK)
        rc = facility_set_load(st, &fq, &fs, err);
    if (rc == GIS_OK)
        rc = demand_set_load(st, o->weight, &d, err);
    if (rc == GIS_OK)
        rc = division_names_load(st, &dn, err);
    if (rc == GIS_OK) {
        geodist_metric_init(&gm);
        in = (struct coverage_input){.metric = &gm.metric,
                                     .n_demand = d.n,
                                     .demand_xy = d.xy,
                                     .weight = d.weight,
                                     .n_facilities = fs.n,
                                     .facility_xy = fs.xy,
                                     .reach_m = fs.reach_m,
                                     .capacity = o->has_capacity ? fs.capacity : NULL,
                                     .threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN)};
        t1 = now_s();
        rc = coverage_run(&in, &r, err);
    }
    seconds[0] = t1 - t0;
    seconds[1] = now_s() - t1;
    if (rc == GIS_OK && fmt == COVERAGE_SUMMARY)
        write_summary(f, o, &d, &fs, &dn, &r, seconds);
    else if (rc == GIS_OK)
        write_points(f, fmt, &d, &fs, &r);
    coverage_result_free(&r);
    division_names_free(&dn);
    demand_set_free(&d);
    facility_set_free(&fs);
    return rc;
}
