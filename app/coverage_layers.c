/*
 * Coverage layer values (see coverage_layers.h). One entry per facility kind, computed
 * from the demand points and that kind's operating facilities (their ids, places and
 * reaches: the facility set's fingerprint). When the facilities or service_standards
 * table moves, the kind's set is read again (a small query) and, when its fingerprint is
 * the same (an edit to another kind, or to what coverage does not read: a capacity, a
 * name), the values stay and only the versions they hold for move on; else, or when the
 * demand moves, they are computed again and replace the entry whole, with the next
 * generation. A mutex guards the table, and lookups (one per property per row, from
 * SQLite) are a binary search by demand code under it.
 */
#include "coverage_layers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "coverage_data.h"
#include "facility.h"
#include "geodist.h"
#include "hash.h"
#include "layer.h"

#define MAX_KINDS 16

struct entry {
    const char *kind; /* FACILITY_KINDS constant */
    int64_t demand_version;
    int64_t others_version; /* facilities + service_standards: the set read at */
    uint64_t fingerprint;   /* of the facility set the values were computed from */
    int64_t generation;     /* moves each time values are computed */
    size_t n;
    char **code; /* sorted */
    char **nearest_fid;
    double *nearest_m;
    uint32_t *n_within;
    bool *is_covered;
};

struct coverage_layers {
    pthread_mutex_t lock;
    struct entry *table[MAX_KINDS];
};

static void entry_free(struct entry *e)
{
    size_t i;

    if (!e)
        return;
    for (i = 0; i < e->n; i++) {
        free(e->code[i]);
        free(e->nearest_fid[i]);
    }
    free(e->code);
    free(e->nearest_fid);
    free(e->nearest_m);
    free(e->n_within);
    free(e->is_covered);
    free(e);
}

static int kind_index(const char *kind)
{
    int k;

    for (k = 0; FACILITY_KINDS[k] && k < MAX_KINDS; k++)
        if (!strcmp(FACILITY_KINDS[k], kind))
            return k;
    return -1;
}

static int cmp_code(const void *a, const void *b, void *ctx)
{
    char **code = ctx;
    return strcmp(code[*(const size_t *)a], code[*(const size_t *)b]);
}

static bool lookup(void *ctx,
                   const char *kind,
                   const char *demand_code,
                   enum store_cov_field what,
                   struct store_cov_value *out)
{
    int k = kind_index(kind);
    struct coverage_layers *cl = ctx;
    struct entry *e;
    size_t lo = 0, hi;
    bool found = false;

    if (k < 0)
        return false;
    pthread_mutex_lock(&cl->lock);
    e = cl->table[k];
    hi = e ? e->n : 0;
    while (lo < hi && !found) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(e->code[mid], demand_code);
        if (c == 0) {
            found = true;
            out->is_text = what == STORE_COV_NEAREST_ID;
            snprintf(out->text, sizeof out->text, "%s", e->nearest_fid[mid]);
            out->number = what == STORE_COV_NEAREST_M  ? e->nearest_m[mid]
                          : what == STORE_COV_N_WITHIN ? e->n_within[mid]
                                                       : e->is_covered[mid];
            found = !(out->is_text && !e->nearest_fid[mid][0]); /* no facility: NULL */
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    pthread_mutex_unlock(&cl->lock);
    return found;
}

enum gis_status coverage_layers_new(struct coverage_layers **out, struct gis_error *err)
{
    struct coverage_layers *cl = calloc(1, sizeof *cl);

    if (!cl)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&cl->lock, NULL) != 0) {
        free(cl);
        return gis_fail(err, GIS_ERR_INTERNAL, "cannot create a mutex");
    }
    *out = cl;
    return GIS_OK;
}

void coverage_layers_free(struct coverage_layers *cl)
{
    size_t k;

    if (!cl)
        return;
    for (k = 0; k < MAX_KINDS; k++)
        entry_free(cl->table[k]);
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

void coverage_layers_attach(struct coverage_layers *cl, struct store *st)
{
    store_cov_source_attach(st, cl ? lookup : NULL, cl);
}

static enum gis_status entry_alloc(struct entry *e, size_t n)
{
    size_t k = n ? n : 1;

    e->code = calloc(k, sizeof *e->code);
    e->nearest_fid = calloc(k, sizeof *e->nearest_fid);
    e->nearest_m = calloc(k, sizeof *e->nearest_m);
    e->n_within = calloc(k, sizeof *e->n_within);
    e->is_covered = calloc(k, sizeof *e->is_covered);
    return e->code && e->nearest_fid && e->nearest_m && e->n_within && e->is_covered
               ? GIS_OK
               : GIS_ERR_NOMEM;
}

/* The entry's rows in demand code order. */
static enum gis_status fill(struct entry *e,
                            const struct demand_set *d,
                            const struct facility_set *f,
                            const struct coverage_result *r)
{
    size_t *order = malloc((d->n ? d->n : 1) * sizeof *order), i;

    if (!order || entry_alloc(e, d->n) != GIS_OK) {
        free(order);
        return GIS_ERR_NOMEM;
    }
    for (i = 0; i < d->n; i++)
        order[i] = i;
    qsort_r(order, d->n, sizeof *order, cmp_code, d->code);
    for (e->n = 0; e->n < d->n; e->n++) {
        const struct coverage_point *pt = &r->points[order[e->n]];
        e->code[e->n] = strdup(d->code[order[e->n]]);
        e->nearest_fid[e->n] = strdup(pt->nearest >= 0 ? f->fid[pt->nearest] : "");
        e->nearest_m[e->n] = pt->nearest_m;
        e->n_within[e->n] = pt->n_within;
        e->is_covered[e->n] = pt->is_covered;
        if (!e->code[e->n] || !e->nearest_fid[e->n]) {
            e->n++;
            free(order);
            return GIS_ERR_NOMEM;
        }
    }
    free(order);
    return GIS_OK;
}

/* The facility set's fingerprint: every id, place and reach, in its order. */
static uint64_t fingerprint(const struct facility_set *f)
{
    uint64_t h = hash_fnv1a(HASH_FNV_OFFSET, &f->n, sizeof f->n);
    size_t i;

    for (i = 0; i < f->n; i++) {
        h = hash_fnv1a(h, f->fid[i], strlen(f->fid[i]) + 1);
        h = hash_fnv1a(h, f->xy + 2 * i, 2 * sizeof *f->xy);
        h = hash_fnv1a(h, f->reach_m + i, sizeof *f->reach_m);
    }
    return hash_mix64(h);
}

static enum gis_status
compute(struct store *st, struct entry *e, const struct facility_set *f, struct gis_error *err)
{
    struct demand_set d = {0};
    struct coverage_result r = {0};
    struct geodist_metric gm;
    enum gis_status rc = demand_set_load(st, "unit", &d, err);

    geodist_metric_init(&gm);
    if (rc == GIS_OK) {
        struct coverage_input in = {&gm.metric, d.n,        d.xy, d.weight, f->n,
                                    f->xy,      f->reach_m, NULL, 2};
        rc = coverage_run(&in, &r, err);
    }
    if (rc == GIS_OK && fill(e, &d, f, &r) != GIS_OK)
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    coverage_result_free(&r);
    demand_set_free(&d);
    return rc;
}

/* The versions the kind's values depend on: demand's, and the sum of facilities' and
 * service_standards' (which only say the facility set may have changed). */
static enum gis_status
input_versions(struct store *st, int64_t *demand, int64_t *others, struct gis_error *err)
{
    int64_t f = 0, s = 0;
    enum gis_status rc = store_table_version(st, "demand", demand, err);

    if (rc == GIS_OK)
        rc = store_table_version(st, "facilities", &f, err);
    if (rc == GIS_OK)
        rc = store_table_version(st, "service_standards", &s, err);
    *others = f + s;
    return rc;
}

/* Under the lock: whether k's values stand for these inputs; a set with the same
 * fingerprint (f, when read) brings the entry's versions up to them. */
static bool is_current(
    struct coverage_layers *cl, int k, int64_t demand, int64_t others, const struct facility_set *f)
{
    struct entry *e = cl->table[k];

    if (!e || e->demand_version != demand)
        return false;
    if (e->others_version == others)
        return true;
    if (!f || fingerprint(f) != e->fingerprint)
        return false;
    e->others_version = others; /* the same facilities: nothing to compute */
    return true;
}

/* Computes kind k's values from st into a new entry, replacing the old one. */
static enum gis_status replace_entry(struct coverage_layers *cl,
                                     struct store *st,
                                     int k,
                                     int64_t demand,
                                     int64_t others,
                                     const struct facility_set *f,
                                     struct gis_error *err)
{
    struct entry *e = calloc(1, sizeof *e), *old;
    enum gis_status rc;

    if (!e)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    e->kind = FACILITY_KINDS[k];
    e->demand_version = demand;
    e->others_version = others;
    e->fingerprint = fingerprint(f);
    rc = compute(st, e, f, err);
    if (rc != GIS_OK) {
        entry_free(e);
        return rc;
    }
    pthread_mutex_lock(&cl->lock);
    old = cl->table[k];
    e->generation = old ? old->generation + 1 : 1;
    cl->table[k] = e;
    pthread_mutex_unlock(&cl->lock);
    entry_free(old);
    return GIS_OK;
}

enum gis_status coverage_layers_prepare(struct coverage_layers *cl,
                                        struct store *st,
                                        const char *layer_id,
                                        struct gis_error *err)
{
    const char *kind = layer_coverage_kind(layer_id);
    int k = kind ? kind_index(kind) : -1;
    struct facility_query q = {kind, NULL, -1, 0};
    struct facility_set f = {0};
    int64_t demand = 0, others = 0;
    bool is_fresh;
    enum gis_status rc;

    if (k < 0 || !cl)
        return GIS_OK;
    /* An edit to a division leaves the values as they are. */
    rc = input_versions(st, &demand, &others, err);
    if (rc != GIS_OK)
        return rc;
    pthread_mutex_lock(&cl->lock);
    is_fresh = is_current(cl, k, demand, others, NULL);
    pthread_mutex_unlock(&cl->lock);
    if (is_fresh)
        return GIS_OK;
    rc = facility_set_load(st, &q, &f, err);
    if (rc == GIS_OK) {
        pthread_mutex_lock(&cl->lock);
        is_fresh = is_current(cl, k, demand, others, &f);
        pthread_mutex_unlock(&cl->lock);
    }
    if (rc == GIS_OK && !is_fresh)
        rc = replace_entry(cl, st, k, demand, others, &f, err);
    facility_set_free(&f);
    return rc;
}

int64_t coverage_layers_generation(struct coverage_layers *cl, const char *layer_id)
{
    const char *kind = layer_coverage_kind(layer_id);
    int k = kind ? kind_index(kind) : -1;
    int64_t g = 0;

    if (k < 0 || !cl)
        return 0;
    pthread_mutex_lock(&cl->lock);
    g = cl->table[k] ? cl->table[k]->generation : 0;
    pthread_mutex_unlock(&cl->lock);
    return g;
}
