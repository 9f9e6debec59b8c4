/*
 * The site-selection run (see site_run.h). One struct owns every array of the instance
 * so each source only fills it, and one cleanup frees it.
 */
#include "site_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_data.h"
#include "geodist.h"
#include "scenario.h"
#include "site_io.h"

#define MAX_MATRIX_BYTES ((size_t)1 << 30)
#define DIST_THREADS     2
/* Heuristic searches at once unless asked (site_options.searches): one per core of the
 * bureau's two-core machine; on Maximo's city-scale MCLPs the better of two seeds meets
 * the optimum far more often than one. */
#define DEFAULT_SEARCHES 2

struct site_build {
    struct site_instance in;
    struct site_cover cover;
    bool has_cover;
    float *dist;
    double *weight, *dxy, *cxy, *cost, *cap;
    uint8_t *state;
    int32_t *group, *gmin, *gmax;
    char **cid, **cname, **cdiv; /* candidates: id, name, county code (borrowed) */
    size_t n_cand_own;           /* new candidates (existing facilities come after) */
    struct geodist_metric geo;
    const struct plan_metric *metric;
    struct demand_set dem;
    struct facility_set fac;
    struct seat_set seats;
    struct site_points dpts, cpts;
    double radius;
};

static void site_build_free(struct site_build *jb)
{
    free(jb->dist);
    site_cover_free(&jb->cover);
    free(jb->weight);
    free(jb->cost);
    free(jb->cap);
    free(jb->state);
    free(jb->group);
    free(jb->gmin);
    free(jb->gmax);
    free(jb->cid);
    free(jb->cname);
    free(jb->cdiv);
    free(jb->cxy);
    demand_set_free(&jb->dem);
    facility_set_free(&jb->fac);
    seat_set_free(&jb->seats);
    site_points_free(&jb->dpts);
    site_points_free(&jb->cpts);
}

static bool needs_dist(const struct site_params *p)
{
    return p->problem == SITE_PMEDIAN || p->problem == SITE_PCENTER ||
           (p->problem == SITE_MCLP && p->capacity > 0);
}

/* The distance matrix is the first tenth of a run's progress; the search reports the
 * rest from there on (its own fractions; the job keeps the larger). */
struct matrix_progress {
    site_progress_fn fn;
    void *ctx;
};

static bool on_matrix_progress(void *ctx, double fraction, double objective)
{
    const struct matrix_progress *mp = ctx;

    return mp->fn(mp->ctx, fraction * 0.1, objective);
}

/* The distance data the problem needs, from coordinates. */
static enum gis_status geometry(
    struct site_build *jb, const struct site_params *p, size_t n, size_t m, struct gis_error *err)
{
    struct matrix_progress mp = {p->progress, p->progress_ctx};
    enum gis_status rc = GIS_OK;

    if (needs_dist(p))
        rc = site_dist_build(jb->metric, jb->dxy, n, jb->cxy, m, DIST_THREADS, MAX_MATRIX_BYTES,
                             p->progress ? on_matrix_progress : NULL, &mp, &jb->dist, err);
    if (rc == GIS_OK && (p->problem == SITE_MCLP || p->problem == SITE_LSCP)) {
        if (!(jb->radius > 0))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "%s needs a radius in metres",
                            site_problem_name(p->problem));
        rc =
            site_cover_from_points(jb->metric, jb->dxy, n, jb->cxy, m, jb->radius, &jb->cover, err);
        jb->has_cover = rc == GIS_OK;
    }
    return rc;
}

static enum gis_status alloc_candidates(struct site_build *jb, size_t m)
{
    size_t k = m ? m : 1;

    jb->cxy = calloc(2 * k, sizeof *jb->cxy);
    jb->state = calloc(k, 1);
    jb->cid = calloc(k, sizeof *jb->cid);
    jb->cname = calloc(k, sizeof *jb->cname);
    jb->cdiv = calloc(k, sizeof *jb->cdiv);
    jb->cost = malloc(k * sizeof *jb->cost);
    jb->cap = malloc(k * sizeof *jb->cap);
    return jb->cxy && jb->state && jb->cid && jb->cname && jb->cdiv && jb->cost && jb->cap
               ? GIS_OK
               : GIS_ERR_NOMEM;
}

/* ---------------------------------------------------------------- sources */

static enum gis_status
from_orlib(struct site_build *jb, const struct site_params *p, struct gis_error *err)
{
    size_t n, pp, i;
    enum gis_status rc = site_orlib_parse(p->orlib, p->orlib_len, &n, &pp, &jb->dist, err);

    if (rc != GIS_OK)
        return rc;
    jb->weight = malloc(n * sizeof *jb->weight);
    if (!jb->weight || alloc_candidates(jb, n) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        jb->weight[i] = 1;
        jb->cost[i] = 1;
        jb->cap[i] = p->capacity;
    }
    jb->in.n = jb->in.m = n;
    jb->in.p = p->p ? p->p : pp;
    if (p->problem == SITE_MCLP || p->problem == SITE_LSCP) {
        if (!(p->radius_m > 0))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "%s needs --radius",
                            site_problem_name(p->problem));
        rc = site_cover_from_dist(jb->dist, n, n, p->radius_m, &jb->cover, err);
        jb->has_cover = rc == GIS_OK;
    }
    return rc;
}

static enum gis_status
from_csv(struct site_build *jb, const struct site_params *p, struct gis_error *err)
{
    enum gis_status rc = site_points_parse(p->demand_csv, p->demand_len, &jb->dpts, err);
    size_t j;

    if (rc == GIS_OK)
        rc = site_points_parse(p->cand_csv, p->cand_len, &jb->cpts, err);
    if (rc != GIS_OK)
        return rc;
    if (alloc_candidates(jb, jb->cpts.n) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (j = 0; j < jb->cpts.n; j++) {
        jb->cxy[2 * j] = jb->cpts.xy[2 * j];
        jb->cxy[2 * j + 1] = jb->cpts.xy[2 * j + 1];
        jb->cid[j] = jb->cname[j] = jb->cpts.id[j];
        jb->cost[j] = jb->cpts.cost ? jb->cpts.cost[j] : 1;
        jb->cap[j] = jb->cpts.capacity ? jb->cpts.capacity[j] : p->capacity;
    }
    jb->in.n = jb->dpts.n;
    jb->in.m = jb->cpts.n;
    jb->in.p = p->p;
    jb->dxy = jb->dpts.xy;
    jb->in.weight = jb->dpts.weight;
    jb->radius = p->radius_m;
    jb->metric = p->is_planar   ? &PLAN_METRIC_PLANAR
                 : p->is_sphere ? &PLAN_METRIC_SPHERE
                                : &jb->geo.metric;
    return geometry(jb, p, jb->in.n, jb->in.m, err);
}

static bool is_community(const char *name)
{
    return name && (strstr(name, "社区") || strstr(name, "居委会"));
}

static bool has_prefix(const char *code, const char *prefix)
{
    return !prefix || (code && !strncmp(code, prefix, strlen(prefix)));
}

/* Keeps the demand points whose code starts with prefix (compacting the arrays). */
static void demand_within(struct demand_set *d, const char *prefix)
{
    size_t i, k = 0;

    for (i = 0; prefix && i < d->n; i++) {
        if (!has_prefix(d->code[i], prefix)) {
            free(d->code[i]);
            free(d->name[i]);
            free(d->division[i]);
            continue;
        }
        d->xy[2 * k] = d->xy[2 * i];
        d->xy[2 * k + 1] = d->xy[2 * i + 1];
        d->weight[k] = d->weight[i];
        d->code[k] = d->code[i];
        d->name[k] = d->name[i];
        d->division[k] = d->division[i];
        k++;
    }
    if (prefix)
        d->n = k;
}

enum cand_kind {
    CAND_ALL,
    CAND_RURAL,
    CAND_COMMUNITIES,
    CAND_SEATS,
    CAND_UNKNOWN
};

static enum cand_kind cand_kind(const char *s)
{
    static const char *const names[] = {"villages", "rural", "communities", "townships"};
    size_t k;

    for (k = 0; k < 4; k++)
        if (!strcmp(s ? s : "villages", names[k]))
            return (enum cand_kind)k;
    return CAND_UNKNOWN;
}

static bool
keep_candidate(enum cand_kind kind, const char *code, const char *name, const struct site_params *p)
{
    if (!has_prefix(code, p->within) || !has_prefix(code, p->candidates_within))
        return false;
    if (kind == CAND_RURAL)
        return !is_community(name);
    if (kind == CAND_COMMUNITIES)
        return is_community(name);
    return true;
}

static void add_existing(struct site_build *jb, const struct site_params *p, size_t m)
{
    size_t j;

    for (j = 0; j < jb->fac.n; j++) {
        jb->cxy[2 * (m + j)] = jb->fac.xy[2 * j];
        jb->cxy[2 * (m + j) + 1] = jb->fac.xy[2 * j + 1];
        jb->cid[m + j] = jb->cname[m + j] = jb->fac.fid[j];
        jb->cdiv[m + j] = NULL;
        jb->state[m + j] = SITE_EXISTING;
        jb->cost[m + j] = 0;
        jb->cap[m + j] = jb->fac.capacity[j] > 0 ? jb->fac.capacity[j] : p->capacity;
    }
}

/* Candidates from the store: demand points (all, rural or communities) or township
 * seats, inside the prefixes; then the existing facilities, open. */
static enum gis_status store_candidates(struct site_build *jb,
                                        struct store *st,
                                        const struct site_params *p,
                                        struct gis_error *err)
{
    enum cand_kind kind = cand_kind(p->candidates);
    bool is_seats = kind == CAND_SEATS;
    size_t j, m = 0, total;
    enum gis_status rc;

    if (kind == CAND_UNKNOWN)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "unknown candidate set '%.40s'; known: villages, rural, communities, "
                        "townships",
                        p->candidates);
    if (is_seats && (rc = seat_set_load(st, &jb->seats, err)) != GIS_OK)
        return rc;
    total = is_seats ? jb->seats.n : jb->dem.n;
    if (alloc_candidates(jb, total + jb->fac.n) != GIS_OK)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    for (j = 0; j < total; j++) {
        const double *xy = is_seats ? jb->seats.xy : jb->dem.xy;
        char *code = is_seats ? jb->seats.code[j] : jb->dem.code[j];
        char *name = is_seats ? jb->seats.name[j] : jb->dem.name[j];
        if (!keep_candidate(kind, code, name, p))
            continue;
        jb->cxy[2 * m] = xy[2 * j];
        jb->cxy[2 * m + 1] = xy[2 * j + 1];
        jb->cid[m] = code;
        jb->cname[m] = name;
        jb->cdiv[m] = is_seats ? code : jb->dem.division[j];
        jb->cost[m] = 1;
        jb->cap[m] = p->capacity;
        m++;
    }
    add_existing(jb, p, m);
    jb->n_cand_own = m;
    jb->in.m = m + jb->fac.n;
    return GIS_OK;
}

/* The community demand points, as exclusion points. */
static enum gis_status community_points(const struct site_build *jb, struct facility_set *out)
{
    size_t i, k = 0;

    out->xy = malloc((jb->dem.n ? 2 * jb->dem.n : 1) * sizeof *out->xy);
    if (!out->xy)
        return GIS_ERR_NOMEM;
    for (i = 0; i < jb->dem.n; i++)
        if (is_community(jb->dem.name[i])) {
            out->xy[2 * k] = jb->dem.xy[2 * i];
            out->xy[2 * k + 1] = jb->dem.xy[2 * i + 1];
            k++;
        }
    out->n = k;
    return GIS_OK;
}

/* Candidates within exclude_m of facilities of the excluded kinds are forbidden. */
static enum gis_status exclusions(struct site_build *jb,
                                  struct store *st,
                                  const struct site_params *p,
                                  struct gis_error *err)
{
    struct facility_query q = {p->exclude_kinds,
                               "planned,site_selected,approved,land_acquired,"
                               "under_construction,operating",
                               -1, 1};
    struct facility_set ex = {0};
    struct site_cover c = {0};
    size_t j;
    enum gis_status rc;

    if (!p->exclude_kinds)
        return GIS_OK;
    if (!(p->exclude_m > 0))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "an exclusion zone needs a distance > 0");
    if (!strcmp(p->exclude_kinds, "communities"))
        rc = community_points(jb, &ex) == GIS_OK ? GIS_OK
                                                 : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    else
        rc = facility_set_load(st, &q, &ex, err);
    if (rc == GIS_OK)
        rc = site_cover_from_points(jb->metric, ex.xy, ex.n, jb->cxy, jb->n_cand_own, p->exclude_m,
                                    &c, err);
    for (j = 0; rc == GIS_OK && j < jb->n_cand_own; j++)
        if (c.cand_start[j + 1] > c.cand_start[j])
            jb->state[j] = SITE_FORBIDDEN;
    site_cover_free(&c);
    facility_set_free(&ex);
    return rc;
}

/* Quota groups: the county (first 6 digits of the code) of each new candidate. */
static size_t group_by_county(struct site_build *jb, char (*keys)[7])
{
    size_t j, k, n = 0;

    for (j = 0; j < jb->in.m; j++) {
        const char *d = jb->cdiv[j];
        jb->group[j] = -1;
        if (!d || strlen(d) < 6 || jb->state[j] == SITE_EXISTING)
            continue;
        for (k = 0; k < n && strncmp(keys[k], d, 6); k++)
            ;
        if (k == n)
            memcpy(keys[n++], d, 6);
        jb->group[j] = (int32_t)k;
    }
    return n;
}

static enum gis_status county_groups(struct site_build *jb, const struct site_params *p)
{
    size_t k, n;
    char(*keys)[7];

    if (p->per_county_min < 0 && p->per_county_max < 0)
        return GIS_OK;
    jb->group = malloc(jb->in.m * sizeof *jb->group);
    keys = calloc(jb->in.m + 1, sizeof *keys);
    if (!jb->group || !keys) {
        free(keys);
        return GIS_ERR_NOMEM;
    }
    n = group_by_county(jb, keys);
    free(keys);
    jb->gmin = malloc((n ? n : 1) * sizeof *jb->gmin);
    jb->gmax = malloc((n ? n : 1) * sizeof *jb->gmax);
    if (!jb->gmin || !jb->gmax)
        return GIS_ERR_NOMEM;
    for (k = 0; k < n; k++) {
        jb->gmin[k] = p->per_county_min > 0 ? p->per_county_min : 0;
        jb->gmax[k] = p->per_county_max;
    }
    jb->in.n_groups = n;
    jb->in.group = jb->group;
    jb->in.group_min = jb->gmin;
    jb->in.group_max = jb->gmax;
    return GIS_OK;
}

static enum gis_status load_demand(struct site_build *jb,
                                   struct store *st,
                                   const struct site_params *p,
                                   struct gis_error *err)
{
    enum gis_status rc =
        demand_set_load(st, p->weight ? p->weight : "elderly_60plus", &jb->dem, err);

    if (rc != GIS_OK)
        return rc;
    demand_within(&jb->dem, p->within);
    if (!jb->dem.n)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "no demand points in '%.20s'",
                        p->within ? p->within : "the database");
    return GIS_OK;
}

static enum gis_status from_store(struct site_build *jb,
                                  struct store *st,
                                  const struct site_params *p,
                                  struct gis_error *err)
{
    struct facility_query q = {p->kinds, p->statuses, -1, 0};
    enum gis_status rc;

    if (!st)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "give a database, an OR-Library file or CSVs");
    if (!p->kinds)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the facility kind is required");
    rc = load_demand(jb, st, p, err);
    if (rc == GIS_OK && !p->skip_existing)
        rc = facility_set_load(st, &q, &jb->fac, err);
    if (rc == GIS_OK)
        rc = store_candidates(jb, st, p, err);
    if (rc != GIS_OK)
        return rc;
    jb->metric = &jb->geo.metric;
    jb->in.n = jb->dem.n;
    jb->in.p = p->p;
    jb->in.weight = jb->dem.weight;
    jb->dxy = jb->dem.xy;
    jb->radius = p->radius_m > 0 ? p->radius_m : jb->fac.n ? jb->fac.reach_m[0] : 0;
    rc = exclusions(jb, st, p, err);
    if (rc == GIS_OK && county_groups(jb, p) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc == GIS_OK)
        rc = geometry(jb, p, jb->in.n, jb->in.m, err);
    return rc;
}

/* The new candidate named id (OR-Library: its 1-based node number), or -1. */
static int64_t find_candidate(const struct site_build *jb, const char *id, size_t len)
{
    size_t j, m = jb->n_cand_own ? jb->n_cand_own : jb->in.m;
    char buf[64];

    for (j = 0; j < m; j++) {
        if (jb->cid && jb->cid[j])
            snprintf(buf, sizeof buf, "%s", jb->cid[j]);
        else
            snprintf(buf, sizeof buf, "%zu", j + 1);
        if (strlen(buf) == len && !strncmp(buf, id, len))
            return (int64_t)j;
    }
    return -1;
}

/* Candidates listed (comma-separated ids) take the state. */
static enum gis_status
mark_ids(struct site_build *jb, const char *list, uint8_t state, struct gis_error *err)
{
    const char *p = list;

    while (p && *p) {
        size_t len = strcspn(p, ",");
        int64_t j = find_candidate(jb, p, len);
        if (j < 0)
            return gis_fail(err, GIS_ERR_INVALID_ARG, "'%.*s' is not a candidate site",
                            (int)(len < 40 ? len : 40), p);
        jb->state[j] = state;
        p += len + (p[len] == ',');
    }
    return GIS_OK;
}

static enum gis_status
build(struct site_build *jb, struct store *st, const struct site_params *p, struct gis_error *err)
{
    enum gis_status rc;

    geodist_metric_init(&jb->geo);
    jb->metric = &jb->geo.metric;
    if (p->orlib)
        rc = from_orlib(jb, p, err);
    else if (p->demand_csv || p->cand_csv)
        rc = p->demand_csv && p->cand_csv
                 ? from_csv(jb, p, err)
                 : gis_fail(err, GIS_ERR_INVALID_ARG, "give both the demand and candidate CSVs");
    else
        rc = from_store(jb, st, p, err);
    if (rc != GIS_OK)
        return rc;
    if (!jb->in.weight)
        jb->in.weight = jb->weight;
    jb->in.dist = jb->dist;
    jb->in.cover = jb->has_cover ? &jb->cover : NULL;
    jb->in.state = jb->state;
    jb->in.cost = jb->cost;
    jb->in.budget = p->budget;
    jb->in.capacity = p->capacity > 0 || (jb->cpts.capacity != NULL) ? jb->cap : NULL;
    rc = mark_ids(jb, p->force, SITE_FORCED, err);
    if (rc == GIS_OK)
        rc = mark_ids(jb, p->forbid, SITE_FORBIDDEN, err);
    return rc;
}

/* ---------------------------------------------------------------- JSON inputs */

/* ---------------------------------------------------------------- output */

static void site_id(const struct site_build *jb, size_t j, char *buf, size_t size)
{
    if (jb->cid && jb->cid[j])
        snprintf(buf, size, "%s", jb->cid[j]);
    else
        snprintf(buf, size, "%zu", j + 1); /* OR-Library nodes are 1-based */
}

/* Demand weight and points served by each chosen site. */
static void
served_by(const struct site_build *jb, const struct site_result *r, double *w, size_t *pts)
{
    size_t i;

    for (i = 0; i < jb->in.n; i++) {
        int32_t j = r->assign[i];
        if (j < 0)
            continue;
        w[j] += jb->in.weight[i];
        pts[j]++;
    }
}

static enum gis_status chosen_sites(const struct site_build *jb,
                                    const struct site_result *r,
                                    struct site_chosen *out,
                                    struct gis_error *err)
{
    double *w = calloc(jb->in.m + 1, sizeof *w);
    size_t *pts = calloc(jb->in.m + 1, sizeof *pts), k;

    if (!w || !pts) {
        free(w);
        free(pts);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    served_by(jb, r, w, pts);
    for (k = 0; k < r->n_open; k++) {
        uint32_t j = r->open[k];
        struct site_chosen *c = &out[k];
        site_id(jb, j, c->id, sizeof c->id);
        c->name = jb->cname && jb->cname[j] ? jb->cname[j] : NULL;
        c->has_xy = jb->cxy != NULL;
        c->x = jb->cxy ? jb->cxy[2 * j] : 0;
        c->y = jb->cxy ? jb->cxy[2 * j + 1] : 0;
        c->demand_served = w[j];
        c->points_served = pts[j];
    }
    free(w);
    free(pts);
    return GIS_OK;
}

static enum gis_status summarize(const struct site_build *jb,
                                 const struct site_params *p,
                                 const struct site_result *r,
                                 struct site_summary *out,
                                 struct gis_error *err)
{
    struct site_summary s = {0};
    enum gis_status rc;

    s.problem = p->problem;
    s.p = jb->in.p;
    s.has_radius = jb->has_cover;
    s.radius_m = jb->radius > 0 ? jb->radius : p->radius_m;
    s.reach_m = jb->radius;
    s.result = r;
    s.n_demand = jb->in.n;
    s.n_candidates = jb->in.m;
    s.has_demand_totals = p->problem == SITE_MCLP || p->problem == SITE_LSCP || jb->in.capacity;
    s.has_uncoverable = p->problem == SITE_LSCP;
    s.kinds = p->kinds;
    s.weight = p->weight;
    s.candidates = p->candidates;
    s.sites = calloc(r->n_open + 1, sizeof *s.sites);
    s.n_sites = r->n_open;
    rc =
        s.sites ? chosen_sites(jb, r, s.sites, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc != GIS_OK) {
        free(s.sites);
        return rc;
    }
    *out = s;
    return GIS_OK;
}

void site_summary_free(struct site_summary *s)
{
    if (!s)
        return;
    free(s->sites);
    s->sites = NULL;
    s->n_sites = 0;
}

static struct scenario_site *proposed_sites(const struct site_build *jb,
                                            const struct site_params *p,
                                            const struct site_result *r)
{
    struct scenario_site *sites = calloc(r->n_open + 1, sizeof *sites);
    size_t k;

    for (k = 0; sites && k < r->n_open; k++) {
        uint32_t j = r->open[k];
        sites[k] = (struct scenario_site){jb->cname[j] ? jb->cname[j] : "site", jb->cdiv[j],
                                          jb->cxy[2 * j], jb->cxy[2 * j + 1],
                                          p->capacity > 0 ? p->capacity : -1};
    }
    return sites;
}

static enum gis_status save(struct store *st,
                            const struct site_build *jb,
                            const struct site_params *p,
                            const struct site_result *r,
                            const struct site_saved_texts *texts,
                            int64_t *out_id,
                            struct gis_error *err)
{
    char kind[64];
    struct scenario_site *sites;
    enum gis_status rc;

    if (!st || p->orlib || p->demand_csv || !p->kinds)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "only runs on the database can be saved");
    if (!texts || !texts->results_json || !texts->params_json)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "site_answer_save: no texts");
    snprintf(kind, sizeof kind, "%.*s", (int)strcspn(p->kinds, ","), p->kinds);
    sites = proposed_sites(jb, p, r);
    rc = !sites ? gis_fail(err, GIS_ERR_NOMEM, "out of memory")
                : scenario_save(
                      st,
                      &(struct scenario_record){p->save_name, site_problem_name(p->problem), kind,
                                                texts->params_json, texts->results_json,
                                                p->user ? p->user : "civgis", p->replace_scenario},
                      sites, r->n_open, out_id, err);
    free(sites);
    return rc;
}

/* ---------------------------------------------------------------- answers */

struct site_answer {
    struct site_build jb; /* holds pointers into itself: never moved, hence malloc'd */
    struct site_result r;
};

void site_answer_free(struct site_answer *a)
{
    if (!a)
        return;
    site_result_free(&a->r);
    site_build_free(&a->jb);
    free(a);
}

/* What the answer's output and saving read stays; the distances and coverage lists,
 * which can be the bulk (a plan keeps every problem's answer until it saves), go. */
static void drop_solver_data(struct site_build *jb)
{
    free(jb->dist);
    jb->dist = NULL;
    jb->in.dist = NULL;
    site_cover_free(&jb->cover);
    jb->in.cover = NULL;
}

enum gis_status site_answer_solve(struct store *st,
                                  const struct site_params *p,
                                  struct site_answer **out,
                                  struct gis_error *err)
{
    struct site_options opt = {.problem = p->problem,
                               .seed = p->seed,
                               .time_limit_s = p->time_limit_s,
                               .is_exact = p->is_exact,
                               .gap_tolerance = p->gap,
                               .progress = p->progress,
                               .progress_ctx = p->progress_ctx,
                               .searches = p->searches ? p->searches : DEFAULT_SEARCHES};
    struct site_answer *a = calloc(1, sizeof *a);
    enum gis_status rc =
        a ? build(&a->jb, st, p, err) : gis_fail(err, GIS_ERR_NOMEM, "out of memory");

    if (rc == GIS_OK && p->progress && p->progress(p->progress_ctx, 0.01, 0))
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "cancelled");
    if (rc == GIS_OK)
        rc = site_solve(&a->jb.in, &opt, &a->r, err);
    if (rc != GIS_OK) {
        site_answer_free(a);
        return rc;
    }
    drop_solver_data(&a->jb);
    *out = a;
    return GIS_OK;
}

enum gis_status site_answer_save(struct store *st,
                                 const struct site_answer *a,
                                 const struct site_params *p,
                                 const struct site_saved_texts *texts,
                                 int64_t *out_id,
                                 struct gis_error *err)
{
    if (a->r.was_cancelled)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "cancelled: nothing saved");
    return save(st, &a->jb, p, &a->r, texts, out_id, err);
}

enum gis_status site_answer_summary(const struct site_answer *a,
                                    const struct site_params *p,
                                    struct site_summary *out,
                                    struct gis_error *err)
{
    if (!a || !p || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "site_answer_summary: null argument");
    return summarize(&a->jb, p, &a->r, out, err);
}
