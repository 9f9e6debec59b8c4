/*
 * Coverage on a uniform grid of the facilities. Each demand point scans the cells of a
 * box that surely holds every facility within the largest reach (the metric's lower
 * bounds make the box safe), and, when nothing lies that close, rings of cells outward
 * until no unseen cell can hold anything nearer. Capacity mode assigns demand over the
 * (point, facility) pairs within reach, nearest first.
 */
#include "coverage.h"
#include "grid_int.h"
#include "values_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 16

struct pair {
    double d;
    size_t point, facility;
};

struct pairs {
    struct pair *p;
    size_t n, cap;
};

/* A cell for the nearest search: a quarter of the side of a square holding two
 * facilities on average over g's box, so clustered facilities still spread over several
 * cells (grid_build coarsens it if that makes too many cells). */
static double spacing(const struct grid *g, size_t n)
{
    double area = (double)g->nx * (double)g->ny * g->cell * g->cell;
    double side = sqrt(2.0 * area / (double)(n ? n : 1)) / 4.0;

    return side > 0 ? side : g->cell;
}

/* ---------------------------------------------------------------- per point */

struct ctx {
    const struct coverage_input *in;
    double per_y;     /* the metric's lower bound of metres per y unit */
    struct grid grid; /* cells about the largest reach: the in-reach scans */
    struct grid near; /* cells about the facilities' spacing: the nearest search */
    double max_reach, min_reach;
    struct pairs pairs;
    enum gis_status rc;
};

static void pair_add(struct ctx *c, double d, size_t point, size_t facility)
{
    struct pairs *p = &c->pairs;

    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        struct pair *q = realloc(p->p, cap * sizeof *q);
        if (!q) {
            c->rc = GIS_ERR_NOMEM;
            return;
        }
        p->p = q;
        p->cap = cap;
    }
    p->p[p->n].d = d;
    p->p[p->n].point = point;
    p->p[p->n].facility = facility;
    p->n++;
}

/* Whether the metric's cheap distance settles d(p, f) <= r: 1 inside, 0 outside, -1
 * when only the exact distance can say. */
static int approx_within(const struct plan_metric *m, const double *p, const double *f, double r)
{
    double err, d;

    if (!m->approx)
        return -1;
    d = m->approx(m, p, f, &err);
    return d + err <= r ? 1 : d - err > r ? 0 : -1;
}

/* One facility (index j at f) against point i, for the in-reach count (the nearest is
 * known by now). The exact distance only where neither the cell bounds nor the metric's
 * cheap distance can decide, or for capacity pairs (sorted by it). */
static void visit(struct ctx *c,
                  size_t i,
                  size_t j,
                  const double *f,
                  const double bounds[4],
                  struct coverage_point *pt)
{
    const struct coverage_input *in = c->in;
    const double *p = in->demand_xy + 2 * i;
    double dx = fabs(f[0] - p[0]), dy = fabs(f[1] - p[1]), r = in->reach_m[j], d;
    bool is_in = dx * bounds[2] + dy * bounds[3] <= r;
    int settled;

    if (!is_in && fmax(dx * bounds[0], dy * bounds[1]) > r)
        return;
    if (!in->capacity && !is_in && (settled = approx_within(in->metric, p, f, r)) >= 0) {
        pt->n_within += (uint32_t)settled;
        return;
    }
    if (!is_in || in->capacity) {
        d = in->metric->distance(in->metric, p, f);
        is_in = d <= r;
        if (is_in && in->capacity)
            pair_add(c, d, i, j);
    }
    pt->n_within += is_in;
}

/* The distance range from p to cell (cx, cy): out[0] a lower, out[1] an upper bound. */
static void cell_range(
    const struct ctx *c, const double *p, long cx, long cy, const double bounds[4], double out[2])
{
    double x0 = c->grid.minx + (double)cx * c->grid.cell, x1 = x0 + c->grid.cell;
    double y0 = c->grid.miny + (double)cy * c->grid.cell, y1 = y0 + c->grid.cell;
    double dxmin = fmax(0.0, fmax(x0 - p[0], p[0] - x1)),
           dxmax = fmax(fabs(p[0] - x0), fabs(p[0] - x1));
    double dymin = fmax(0.0, fmax(y0 - p[1], p[1] - y1)),
           dymax = fmax(fabs(p[1] - y0), fabs(p[1] - y1));

    out[0] = fmax(dxmin * bounds[0], dymin * bounds[1]);
    out[1] = dxmax * bounds[2] + dymax * bounds[3];
}

/* Counts the facilities in reach of point i over cells [x0..x1] x [y0..y1]. Without
 * capacities, a cell wholly inside every reach is counted whole and one wholly outside
 * skipped: only the cells on the reach's rim are visited item by item. */
static void
scan_cells(struct ctx *c, size_t i, long x0, long x1, long y0, long y1, struct coverage_point *pt)
{
    const struct plan_metric *m = c->in->metric;
    const double *p = c->in->demand_xy + 2 * i;
    double band = (double)(y1 - y0 + 2) * c->grid.cell, range[2];
    double bounds[4] = {m->min_m_per_x(m, p[1] - band, p[1] + band), c->per_y,
                        m->max_m_per_x(m, p[1] - band, p[1] + band), m->max_m_per_y(m)};
    long cx, cy;
    size_t k;

    for (cy = y0; cy <= y1; cy++) {
        for (cx = x0; cx <= x1; cx++) {
            size_t cell = (size_t)(cy * c->grid.nx + cx);
            size_t a = c->grid.start[cell], b = c->grid.start[cell + 1];
            if (a == b)
                continue;
            cell_range(c, p, cx, cy, bounds, range);
            if (range[0] > c->max_reach)
                continue;
            if (!c->in->capacity && range[1] <= c->min_reach) {
                pt->n_within += (uint32_t)(b - a);
                continue;
            }
            for (k = a; k < b; k++)
                visit(c, i, c->grid.items[k], c->grid.xy + 2 * k, bounds, pt);
        }
    }
}

/* The nearest facility is found in two passes over rings of cells. The first bounds
 * its distance from above (`upper`) by the metric's cheap distance plus its error,
 * taking the exact distance only where the cheap one cannot say; the second takes the
 * exact distance of just the facilities the cheap one cannot rule out (usually one).
 * Without a cheap distance the first pass does all the work, exactly. */
struct nearest_search {
    const double *p;
    double per_x; /* metres per x unit over the ring's latitudes, at least */
    double upper; /* the nearest is no farther */
    bool is_second;
};

static void consider(struct coverage_point *pt, double d, size_t j)
{
    if (d < pt->nearest_m || (d == pt->nearest_m && (int64_t)j < pt->nearest)) {
        pt->nearest_m = d;
        pt->nearest = (int64_t)j;
    }
}

/* Facility j at f, met in a ring scan. */
static void nearest_candidate(const struct ctx *c,
                              struct nearest_search *s,
                              size_t j,
                              const double *f,
                              struct coverage_point *pt)
{
    const struct plan_metric *m = c->in->metric;
    double lb = fmax(fabs(f[0] - s->p[0]) * s->per_x, fabs(f[1] - s->p[1]) * c->per_y),
           err = INFINITY;
    double d;

    if (lb > s->upper)
        return;
    d = m->approx ? m->approx(m, s->p, f, &err) : 0;
    if (!isfinite(err)) {
        if (s->is_second)
            return; /* measured exactly by the first pass */
        d = m->distance(m, s->p, f);
        consider(pt, d, j);
        s->upper = fmin(s->upper, d);
    } else if (!s->is_second) {
        s->upper = fmin(s->upper, d + err);
    } else if (d - err <= s->upper) {
        consider(pt, m->distance(m, s->p, f), j);
    }
}

/* Ring k: the cells at Chebyshev distance k from (cx, cy). */
static void scan_ring(const struct ctx *c,
                      long cx,
                      long cy,
                      long k,
                      struct nearest_search *s,
                      struct coverage_point *pt)
{
    long x, y;
    size_t m;

    for (y = cy - k; y <= cy + k; y++) {
        long step = (y == cy - k || y == cy + k) ? 1 : 2 * k;
        if (y < 0 || y >= c->near.ny)
            continue;
        for (x = cx - k; x <= cx + k; x += step ? step : 1) {
            size_t cell;
            if (x < 0 || x >= c->near.nx)
                continue;
            cell = (size_t)(y * c->near.nx + x);
            for (m = c->near.start[cell]; m < c->near.start[cell + 1]; m++)
                nearest_candidate(c, s, c->near.items[m], c->near.xy + 2 * m, pt);
        }
    }
}

/* Rings outward until the nearest unseen cell is surely farther than `upper`; then, with
 * a cheap distance, the same rings again. Returns nothing: pt->nearest(_m) are set. */
static void nearest_by_rings(const struct ctx *c, size_t i, struct coverage_point *pt)
{
    const struct plan_metric *m = c->in->metric;
    struct nearest_search s = {c->in->demand_xy + 2 * i, 0, INFINITY, false};
    long cx = grid__cell_x(&c->near, s.p[0]), cy = grid__cell_y(&c->near, s.p[1]);
    long k, last, kmax = c->near.nx > c->near.ny ? c->near.nx : c->near.ny;

    for (k = 0; k <= kmax; k++) {
        double band = (double)(k + 1) * c->near.cell;
        s.per_x = m->min_m_per_x(m, s.p[1] - band, s.p[1] + band);
        if (k > 0 && (double)(k - 1) * c->near.cell * fmin(s.per_x, c->per_y) > s.upper)
            break;
        scan_ring(c, cx, cy, k, &s, pt);
    }
    if (!m->approx)
        return;
    last = k;
    s.is_second = true;
    for (k = 0; k < last && k <= kmax; k++) {
        double band = (double)(k + 1) * c->near.cell;
        s.per_x = m->min_m_per_x(m, s.p[1] - band, s.p[1] + band);
        scan_ring(c, cx, cy, k, &s, pt);
    }
}

static void one_point(struct ctx *c, size_t i, struct coverage_point *pt)
{
    const struct plan_metric *m = c->in->metric;
    const double *p = c->in->demand_xy + 2 * i;
    double dy = c->max_reach / m->min_m_per_y(m);
    double dx = c->max_reach / m->min_m_per_x(m, p[1] - dy, p[1] + dy);

    pt->nearest = -1;
    pt->nearest_m = INFINITY;
    nearest_by_rings(c, i, pt);
    scan_cells(c, i, grid__cell_x(&c->grid, p[0] - dx), grid__cell_x(&c->grid, p[0] + dx),
               grid__cell_y(&c->grid, p[1] - dy), grid__cell_y(&c->grid, p[1] + dy), pt);
    pt->is_covered = pt->n_within > 0;
}

/* ---------------------------------------------------------------- threads */

/* One worker: points [from, to) with its own pair list (capacity mode). */
struct worker {
    struct ctx c; /* a copy sharing the grid; own pairs and status */
    size_t from, to;
    const size_t *order; /* the points, neighbours together (grid__visit_order) */
    struct coverage_point *points;
    pthread_t thread;
    bool is_threaded;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    size_t i;

    for (i = w->from; i < w->to && w->c.rc == GIS_OK; i++)
        one_point(&w->c, w->order[i], &w->points[w->order[i]]);
    return NULL;
}

/* Runs one_point over every point, on up to in->threads threads; the pair lists are
 * joined into c->pairs afterwards, so the capacity result does not depend on the
 * thread count (pairs are sorted before use). */
static enum gis_status run_points(struct ctx *c, struct coverage_point *points)
{
    struct worker w[MAX_THREADS];
    size_t n = c->in->n_demand, t, nt = c->in->threads > 1 ? c->in->threads : 1;
    size_t *order = grid__visit_order(&c->near, c->in->demand_xy, n);
    enum gis_status rc = GIS_OK;

    if (!order)
        return GIS_ERR_NOMEM;
    nt = nt > MAX_THREADS ? MAX_THREADS : nt;
    nt = n < nt * 64 ? 1 : nt;
    for (t = 0; t < nt; t++) {
        w[t].c = *c;
        w[t].c.pairs = (struct pairs){NULL, 0, 0};
        w[t].from = n * t / nt;
        w[t].to = n * (t + 1) / nt;
        w[t].order = order;
        w[t].points = points;
        w[t].is_threaded = t > 0 && pthread_create(&w[t].thread, NULL, work, &w[t]) == 0;
    }
    work(&w[0]);
    for (t = 0; t < nt; t++) {
        if (w[t].is_threaded)
            pthread_join(w[t].thread, NULL);
        else if (t > 0)
            work(&w[t]); /* no thread could be had: do its share here */
        if (w[t].c.rc != GIS_OK)
            rc = w[t].c.rc;
        for (size_t k = 0; k < w[t].c.pairs.n && rc == GIS_OK; k++)
            pair_add(c, w[t].c.pairs.p[k].d, w[t].c.pairs.p[k].point, w[t].c.pairs.p[k].facility);
        free(w[t].c.pairs.p);
    }
    free(order);
    return rc != GIS_OK ? rc : c->rc;
}

/* ---------------------------------------------------------------- capacity */

static int by_distance(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;

    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    return x->facility < y->facility ? -1 : x->facility > y->facility;
}

static enum gis_status assign_capacity(struct ctx *c, struct coverage_result *r)
{
    const struct coverage_input *in = c->in;
    double *left = malloc((in->n_facilities ? in->n_facilities : 1) * sizeof *left);
    size_t k;

    if (!left)
        return GIS_ERR_NOMEM;
    memcpy(left, in->capacity, in->n_facilities * sizeof *left);
    qsort(c->pairs.p, c->pairs.n, sizeof *c->pairs.p, by_distance);
    for (k = 0; k < c->pairs.n; k++) {
        struct pair *pr = &c->pairs.p[k];
        struct coverage_point *pt = &r->points[pr->point];
        double need = in->weight[pr->point] - pt->served;
        double take = fmin(need, left[pr->facility]);
        if (take > 0) {
            pt->served += take;
            left[pr->facility] -= take;
            r->demand_served += take;
        }
    }
    r->demand_unserved = r->demand_total - r->demand_served;
    free(left);
    return GIS_OK;
}

/* ---------------------------------------------------------------- run */

static enum gis_status check_input(const struct coverage_input *in, struct gis_error *err)
{
    size_t i;

    if (!in || !in->metric || (in->n_demand && (!in->demand_xy || !in->weight)) ||
        (in->n_facilities && (!in->facility_xy || !in->reach_m)))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "coverage: missing input arrays");
    if ((i = plan__first_bad(in->weight, in->n_demand)) < in->n_demand)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "demand point %zu has weight %g", i,
                        in->weight[i]);
    if ((i = plan__first_bad(in->reach_m, in->n_facilities)) < in->n_facilities)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "facility %zu has reach %g m", i, in->reach_m[i]);
    if ((i = plan__first_bad(in->capacity, in->n_facilities)) < in->n_facilities)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "facility %zu has capacity %g", i,
                        in->capacity[i]);
    return GIS_OK;
}

static void totals(const struct coverage_input *in, struct coverage_result *r)
{
    size_t i;

    for (i = 0; i < in->n_demand; i++) {
        r->demand_total += in->weight[i];
        if (r->points[i].is_covered) {
            r->demand_covered += in->weight[i];
            r->points_covered++;
        }
    }
}

enum gis_status
coverage_run(const struct coverage_input *in, struct coverage_result *out, struct gis_error *err)
{
    struct ctx c = {0};
    struct coverage_result r = {0};
    enum gis_status rc = check_input(in, err);
    size_t i;

    if (rc != GIS_OK)
        return rc;
    c.in = in;
    r.n_points = in->n_demand;
    r.has_capacity = in->capacity != NULL;
    r.points = calloc(in->n_demand ? in->n_demand : 1, sizeof *r.points);
    if (!r.points)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    c.min_reach = in->n_facilities ? in->reach_m[0] : 0;
    for (i = 0; i < in->n_facilities; i++) {
        c.max_reach = fmax(c.max_reach, in->reach_m[i]);
        c.min_reach = fmin(c.min_reach, in->reach_m[i]);
    }
    c.per_y = in->metric->min_m_per_y(in->metric);
    if (in->n_facilities) {
        /* Cells a quarter of the largest reach (in y units): the reach circle then holds
         * whole cells, counted without visiting their facilities. */
        double cell = fmax(c.max_reach / 4.0, 1.0) / in->metric->min_m_per_y(in->metric);
        rc = grid__build(&c.grid, in->facility_xy, in->n_facilities, cell);
        if (rc == GIS_OK)
            rc = grid__build(&c.near, in->facility_xy, in->n_facilities,
                             spacing(&c.grid, in->n_facilities));
    }
    if (rc == GIS_OK && in->n_facilities)
        rc = run_points(&c, r.points);
    for (i = 0; i < in->n_demand && !in->n_facilities; i++)
        r.points[i] = (struct coverage_point){-1, INFINITY, 0, false, 0};
    if (rc == GIS_OK) {
        totals(in, &r);
        if (in->capacity)
            rc = assign_capacity(&c, &r);
    }
    grid__free(&c.grid);
    grid__free(&c.near);
    free(c.pairs.p);
    if (rc != GIS_OK) {
        free(r.points);
        return gis_fail(err, rc, "coverage: out of memory");
    }
    *out = r;
    return GIS_OK;
}

void coverage_result_free(struct coverage_result *r)
{
    if (!r)
        return;
    free(r->points);
    r->points = NULL;
}

void coverage_aggregate(const struct coverage_result *r,
                        const double *weight,
                        const int32_t *group_of,
                        size_t n_groups,
                        double *out_total,
                        double *out_covered,
                        size_t *out_points,
                        size_t *out_points_covered)
{
    size_t i;

    memset(out_total, 0, n_groups * sizeof *out_total);
    memset(out_covered, 0, n_groups * sizeof *out_covered);
    memset(out_points, 0, n_groups * sizeof *out_points);
    memset(out_points_covered, 0, n_groups * sizeof *out_points_covered);
    for (i = 0; i < r->n_points; i++) {
        int32_t g = group_of[i];
        if (g < 0 || (size_t)g >= n_groups)
            continue;
        out_total[g] += weight[i];
        out_points[g]++;
        if (r->points[i].is_covered) {
            out_covered[g] += weight[i];
            out_points_covered[g]++;
        }
    }
}
