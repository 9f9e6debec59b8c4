/*
 * What the site solvers read: a dense distance matrix (p-median, p-center) made on a
 * few threads, or coverage lists at a radius (MCLP, LSCP) made from the matrix or, with
 * no matrix at all, from a grid over the demand points.
 */
#include "grid_int.h"
#include "site.h"
#include "values_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 16

/* A matrix of a few million geodesic distances takes seconds (more on a busy machine):
 * a cancelled job or a server shutting down must not wait for it. Workers take rows a
 * few at a time from a shared counter (which also balances them); the caller's thread,
 * one of the workers, tells the progress callback the share of rows taken before each
 * of its chunks, and every worker stops before its next chunk once that said stop. */
struct dist_shared {
    const struct plan_metric *metric;
    const double *dxy, *cxy;
    size_t n, m;
    float *out;
    site_progress_fn progress; /* may be NULL */
    void *ctx;
    atomic_size_t next_row;
    atomic_bool is_stopped;
};

#define DIST_ROWS_PER_CHUNK 8

struct dist_job {
    struct dist_shared *sh;
    bool asks; /* this worker calls the progress callback */
};

static void *dist_rows(void *arg)
{
    struct dist_job *jb = arg;
    struct dist_shared *sh = jb->sh;
    size_t i, j, i0, i1;

    while (!atomic_load_explicit(&sh->is_stopped, memory_order_relaxed)) {
        i0 = atomic_fetch_add(&sh->next_row, DIST_ROWS_PER_CHUNK);
        if (i0 >= sh->n)
            break;
        if (jb->asks && sh->progress && sh->progress(sh->ctx, (double)i0 / (double)sh->n, 0)) {
            atomic_store(&sh->is_stopped, true);
            break;
        }
        i1 = i0 + DIST_ROWS_PER_CHUNK < sh->n ? i0 + DIST_ROWS_PER_CHUNK : sh->n;
        for (i = i0; i < i1; i++)
            for (j = 0; j < sh->m; j++)
                sh->out[i * sh->m + j] =
                    (float)sh->metric->distance(sh->metric, sh->dxy + 2 * i, sh->cxy + 2 * j);
    }
    return NULL;
}

enum gis_status site_dist_build(const struct plan_metric *metric,
                                const double *demand_xy,
                                size_t n,
                                const double *cand_xy,
                                size_t m,
                                unsigned threads,
                                size_t max_bytes,
                                site_progress_fn progress,
                                void *progress_ctx,
                                float **out,
                                struct gis_error *err)
{
    struct dist_shared sh = {metric, demand_xy, cand_xy,      n, m,
                             NULL,   progress,  progress_ctx, 0, false};
    struct dist_job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    unsigned t, nt = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    float *d;

    if (m && n > max_bytes / sizeof(float) / m)
        return gis_fail(err, GIS_ERR_TOO_LARGE,
                        "a %zu x %zu distance matrix exceeds %zu MB; use fewer candidates", n, m,
                        max_bytes >> 20);
    d = malloc((n && m ? n * m : 1) * sizeof *d);
    if (!d)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for the distance matrix");
    sh.out = d;
    for (t = 0; t < nt; t++) {
        jobs[t] = (struct dist_job){&sh, t == 0};
        if (t > 0)
            started[t] = !pthread_create(&tid[t], NULL, dist_rows, &jobs[t]);
    }
    dist_rows(&jobs[0]);
    for (t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            dist_rows(&jobs[t]);
    }
    if (atomic_load(&sh.is_stopped)) {
        free(d);
        return gis_fail(err, GIS_ERR_INVALID_ARG, "cancelled while computing distances");
    }
    *out = d;
    return GIS_OK;
}

void site_cover_free(struct site_cover *c)
{
    if (!c)
        return;
    free(c->cand_start);
    free(c->cand_item);
    free(c->dem_start);
    free(c->dem_item);
    memset(c, 0, sizeof *c);
}

/* Fills the demand-side lists from the candidate-side ones (a transpose). */
static enum gis_status cover_transpose(struct site_cover *c)
{
    size_t i, j, k, total = c->cand_start[c->m];
    size_t *fill = calloc(c->n + 1, sizeof *fill);

    c->dem_start = calloc(c->n + 1, sizeof *c->dem_start);
    c->dem_item = malloc((total ? total : 1) * sizeof *c->dem_item);
    if (!fill || !c->dem_start || !c->dem_item) {
        free(fill);
        return GIS_ERR_NOMEM;
    }
    for (k = 0; k < total; k++)
        c->dem_start[c->cand_item[k] + 1]++;
    for (i = 0; i < c->n; i++)
        c->dem_start[i + 1] += c->dem_start[i];
    for (j = 0; j < c->m; j++)
        for (k = c->cand_start[j]; k < c->cand_start[j + 1]; k++) {
            i = c->cand_item[k];
            c->dem_item[c->dem_start[i] + fill[i]++] = (uint32_t)j;
        }
    free(fill);
    return GIS_OK;
}

struct list {
    uint32_t *v;
    size_t n, cap;
};

static bool list_push(struct list *l, uint32_t x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint32_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return true;
}

static enum gis_status cover_finish(struct site_cover *c,
                                    struct list *items,
                                    struct site_cover *out,
                                    struct gis_error *err)
{
    enum gis_status rc;

    c->cand_item = items->v ? items->v : malloc(sizeof *c->cand_item);
    items->v = NULL;
    rc = c->cand_item ? cover_transpose(c) : GIS_ERR_NOMEM;
    if (rc != GIS_OK) {
        site_cover_free(c);
        return gis_fail(err, rc, "out of memory for coverage lists");
    }
    *out = *c;
    return GIS_OK;
}

enum gis_status site_cover_from_dist(const float *dist,
                                     size_t n,
                                     size_t m,
                                     double radius,
                                     struct site_cover *out,
                                     struct gis_error *err)
{
    struct site_cover c = {.n = n, .m = m};
    struct list items = {NULL, 0, 0};
    size_t i, j;

    c.cand_start = calloc(m + 1, sizeof *c.cand_start);
    if (!c.cand_start)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for coverage lists");
    for (j = 0; j < m; j++) {
        for (i = 0; i < n; i++)
            if (dist[i * m + j] <= radius && !list_push(&items, (uint32_t)i)) {
                free(items.v);
                site_cover_free(&c);
                return gis_fail(err, GIS_ERR_NOMEM, "out of memory for coverage lists");
            }
        c.cand_start[j + 1] = items.n;
    }
    return cover_finish(&c, &items, out, err);
}

/* Candidate j against the demand points of the grid cells within reach. */
static bool cover_scan(const struct plan_metric *metric,
                       const struct grid *g,
                       const double *dxy,
                       const double *at,
                       const double reach[2],
                       double radius,
                       struct list *items)
{
    long x0 = grid__cell_x(g, at[0] - reach[0]), x1 = grid__cell_x(g, at[0] + reach[0]);
    long y0 = grid__cell_y(g, at[1] - reach[1]), y1 = grid__cell_y(g, at[1] + reach[1]);
    long cx, cy;
    size_t k;

    for (cy = y0; cy <= y1; cy++)
        for (cx = x0; cx <= x1; cx++) {
            size_t cell = (size_t)(cy * g->nx + cx);
            for (k = g->start[cell]; k < g->start[cell + 1]; k++) {
                size_t i = g->items[k];
                if (metric->distance(metric, dxy + 2 * i, at) <= radius &&
                    !list_push(items, (uint32_t)i))
                    return false;
            }
        }
    return true;
}

/* The coordinate half-widths that surely hold every point within radius of any point. */
static void reach_box(
    const struct plan_metric *metric, const double *dxy, size_t n, double radius, double reach[2])
{
    double lo = dxy[1], hi = dxy[1];
    size_t i;

    for (i = 1; i < n; i++) {
        lo = fmin(lo, dxy[2 * i + 1]);
        hi = fmax(hi, dxy[2 * i + 1]);
    }
    reach[1] = radius / metric->min_m_per_y(metric);
    reach[0] = radius / metric->min_m_per_x(metric, lo - reach[1], hi + reach[1]);
}

enum gis_status site_cover_from_points(const struct plan_metric *metric,
                                       const double *demand_xy,
                                       size_t n,
                                       const double *cand_xy,
                                       size_t m,
                                       double radius,
                                       struct site_cover *out,
                                       struct gis_error *err)
{
    struct site_cover c = {.n = n, .m = m};
    struct list items = {NULL, 0, 0};
    struct grid g = {0};
    double reach[2] = {0, 0};
    size_t j;
    bool is_ok = true;

    if (!(radius >= 0) || !isfinite(radius))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the radius must be a number >= 0");
    c.cand_start = calloc(m + 1, sizeof *c.cand_start);
    if (!c.cand_start)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for coverage lists");
    if (n) {
        reach_box(metric, demand_xy, n, radius, reach);
        is_ok = grid__build(&g, demand_xy, n, fmax(fmax(reach[0], reach[1]), 1e-9)) == GIS_OK;
    }
    for (j = 0; is_ok && n && j < m; j++) {
        size_t from = items.n;
        is_ok = cover_scan(metric, &g, demand_xy, cand_xy + 2 * j, reach, radius, &items);
        if (is_ok && items.n > from)
            qsort(items.v + from, items.n - from, sizeof *items.v, plan__cmp_u32);
        c.cand_start[j + 1] = items.n;
    }
    grid__free(&g);
    if (!is_ok) {
        free(items.v);
        site_cover_free(&c);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for coverage lists");
    }
    return cover_finish(&c, &items, out, err);
}
