/* libFuzzer harness: every problem of plan/site.h (p-median, p-center, MCLP, LSCP; the
 * heuristics, and GLPK's exact path on the tiniest) on small random instances made from
 * the bytes: demand points, candidates, p, existing/forced/forbidden sites, costs and a
 * budget, quotas per group, capacities, a radius, a time limit and a gap tolerance.
 *
 * Invariants of an answer: no crash or leak; a rejected instance says why; the sites are
 * distinct, sorted, candidates, at most p (LSCP excepted), forced ones in, forbidden and
 * existing ones out; the budget, quotas and capacities hold; each assignment names an
 * open site; the objective recomputed here from the sites (and assignment) equals the
 * reported one; the bound lies on the right side of the objective and, where every site
 * set is tried (uncapacitated), of the optimum, which a proven answer reaches. An
 * accepted instance has a feasible site set.
 *
 * Layout of the bytes (missing bytes read as 0): problem, flags, n, m, p, seed, then the
 * per-site and per-point values in the order of build(). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "site.h"

#define MAX_N      12
#define MAX_M      10
#define MAX_G      3
#define EXACT_MAX  48 /* n x m of the instances GLPK also solves */
#define TOLERANCE  1e-6
#define F_EXACT    0x01
#define F_STATES   0x02
#define F_COSTS    0x04
#define F_BUDGET   0x08
#define F_GROUPS   0x10
#define F_CAPACITY 0x20
#define F_FRACTION 0x40 /* fractional weights, costs and distances */
#define F_RAW      0x80 /* distances straight from the bytes (not a metric) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bytes {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct bytes *b, unsigned mod)
{
    unsigned v = 0;

    if (b->n) {
        v = *b->p++;
        b->n--;
    }
    return mod ? v % mod : v;
}

struct fz {
    unsigned flags;
    double w[MAX_N], cost[MAX_M], cap[MAX_M], radius;
    float dist[MAX_N * MAX_M];
    uint8_t state[MAX_M];
    int32_t group[MAX_M], gmin[MAX_G], gmax[MAX_G];
    struct site_cover cover;
    bool has_cover;
    struct site_instance in;
    struct site_options opt;
};

static double scaled(const struct fz *f, unsigned v)
{
    return f->flags & F_FRACTION ? v / 4.0 : (double)v;
}

static void build_dist(struct fz *f, struct bytes *b)
{
    double xy[2 * (MAX_N + MAX_M)];
    size_t i, j, n = f->in.n, m = f->in.m;

    if (f->flags & F_RAW) {
        for (i = 0; i < n * m; i++)
            f->dist[i] = (float)scaled(f, take(b, 0));
        return;
    }
    for (i = 0; i < 2 * (n + m); i++)
        xy[i] = scaled(f, take(b, 16));
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++)
            f->dist[i * m + j] =
                (float)hypot(xy[2 * i] - xy[2 * (n + j)], xy[2 * i + 1] - xy[2 * (n + j) + 1]);
}

static void build_sites(struct fz *f, struct bytes *b)
{
    static const uint8_t states[8] = {SITE_FREE, SITE_FREE,     SITE_FREE,   SITE_FREE,
                                      SITE_FREE, SITE_EXISTING, SITE_FORCED, SITE_FORBIDDEN};
    size_t j, g;

    for (j = 0; j < f->in.m; j++) {
        f->state[j] = f->flags & F_STATES ? states[take(b, 8)] : SITE_FREE;
        f->cost[j] = 1 + scaled(f, take(b, 4));
        f->cap[j] = take(b, 30);
        f->group[j] = (int32_t)take(b, MAX_G + 1) - 1;
    }
    for (g = 0; g < MAX_G; g++) {
        f->gmin[g] = (int32_t)take(b, 3);
        f->gmax[g] = (int32_t)take(b, 5) - 1;
    }
    f->in.state = f->flags & F_STATES ? f->state : NULL;
    f->in.cost = f->flags & F_COSTS ? f->cost : NULL;
    f->in.budget = f->flags & F_BUDGET ? scaled(f, take(b, 16)) : 0;
    f->in.capacity = f->flags & F_CAPACITY ? f->cap : NULL;
    if (f->flags & F_GROUPS) {
        f->in.group = f->group;
        f->in.n_groups = MAX_G;
        f->in.group_min = f->gmin;
        f->in.group_max = f->gmax;
    }
}

/* false when the coverage lists cannot be made (out of memory). */
static bool build(struct fz *f, struct bytes *b)
{
    size_t i;

    memset(f, 0, sizeof *f);
    f->opt.problem = (enum site_problem)take(b, 4);
    f->flags = take(b, 0);
    f->in.n = 1 + take(b, MAX_N);
    f->in.m = 1 + take(b, MAX_M);
    f->in.p = take(b, (unsigned)f->in.m + 2);
    f->opt.seed = take(b, 0);
    f->opt.time_limit_s = 0.02 + take(b, 4) * 0.02;
    f->opt.gap_tolerance = take(b, 4) == 0 ? 0.05 : 0;
    f->opt.is_exact = (f->flags & F_EXACT) && f->in.n * f->in.m <= EXACT_MAX;
    f->in.weight = f->w;
    f->in.dist = f->dist;
    for (i = 0; i < f->in.n; i++)
        f->w[i] = scaled(f, take(b, 10));
    build_dist(f, b);
    build_sites(f, b);
    f->radius = scaled(f, take(b, 24));
    if (f->opt.problem == SITE_MCLP || f->opt.problem == SITE_LSCP) {
        if (site_cover_from_dist(f->dist, f->in.n, f->in.m, f->radius, &f->cover, NULL) != GIS_OK)
            return false;
        f->has_cover = true;
        f->in.cover = &f->cover;
    }
    return true;
}

/* ---------------------------------------------------------------- a site set */

static uint8_t state_of(const struct fz *f, size_t j)
{
    return f->in.state ? f->state[j] : SITE_FREE;
}

static double cost_of(const struct fz *f, size_t j)
{
    return f->in.cost ? f->cost[j] : 1.0;
}

/* Whether the open set (existing sites included) obeys p, budget and quotas. */
static bool obeys_rules(const struct fz *f, const uint8_t *open)
{
    int32_t per[MAX_G] = {0};
    size_t j, g, n_new = 0;
    double cost = 0;

    for (j = 0; j < f->in.m; j++) {
        if (!open[j] || state_of(f, j) == SITE_EXISTING)
            continue;
        n_new++;
        cost += cost_of(f, j);
        if (f->in.group && f->group[j] >= 0)
            per[f->group[j]]++;
    }
    if (n_new > f->in.p || (f->in.budget > 0 && cost > f->in.budget * (1 + 1e-12)))
        return false;
    for (g = 0; f->in.group && g < MAX_G; g++)
        if (per[g] < f->gmin[g] || (f->gmax[g] >= 0 && per[g] > f->gmax[g]))
            return false;
    return true;
}

static bool states_hold(const struct fz *f, const uint8_t *open)
{
    size_t j;

    for (j = 0; j < f->in.m; j++) {
        uint8_t st = state_of(f, j);
        if ((st == SITE_EXISTING || st == SITE_FORCED) && !open[j])
            return false;
        if (st == SITE_FORBIDDEN && open[j])
            return false;
    }
    return true;
}

static double nearest(const struct fz *f, const uint8_t *open, size_t i)
{
    double best = INFINITY;
    size_t j;

    for (j = 0; j < f->in.m; j++)
        if (open[j])
            best = fmin(best, f->dist[i * f->in.m + j]);
    return best;
}

/* Whether some site that may open reaches point i (LSCP: else it is uncoverable). */
static bool coverable(const struct fz *f, size_t i)
{
    size_t j;

    for (j = 0; j < f->in.m; j++)
        if (state_of(f, j) != SITE_FORBIDDEN && f->dist[i * f->in.m + j] <= f->radius)
            return true;
    return false;
}

/* LSCP: every weighted, coverable point is covered. */
static bool covers_all(const struct fz *f, const uint8_t *open)
{
    size_t i;

    for (i = 0; i < f->in.n; i++)
        if (f->w[i] > 0 && coverable(f, i) && !(nearest(f, open, i) <= f->radius))
            return false;
    return true;
}

static bool is_feasible(const struct fz *f, const uint8_t *open)
{
    if (!states_hold(f, open))
        return false;
    return f->opt.problem == SITE_LSCP ? covers_all(f, open) : obeys_rules(f, open);
}

/* The objective of an uncapacitated open set, from the instance data alone. */
static double value(const struct fz *f, const uint8_t *open)
{
    double v = 0;
    size_t i, j;

    for (i = 0; f->opt.problem != SITE_LSCP && i < f->in.n; i++) {
        double d = nearest(f, open, i);
        if (f->opt.problem == SITE_PMEDIAN)
            v += f->w[i] * d;
        else if (f->opt.problem == SITE_PCENTER && f->w[i] > 0)
            v = fmax(v, d);
        else if (f->opt.problem == SITE_MCLP)
            v += d <= f->radius ? f->w[i] : 0;
    }
    for (j = 0; f->opt.problem == SITE_LSCP && j < f->in.m; j++)
        v += open[j] && state_of(f, j) != SITE_EXISTING ? cost_of(f, j) : 0;
    return v;
}

static bool is_max(const struct fz *f)
{
    return f->opt.problem == SITE_MCLP;
}

static bool better(const struct fz *f, double a, double b)
{
    return is_max(f) ? a > b : a < b;
}

/* The optimum over every feasible site set; NAN when none is feasible. */
static double brute_force(const struct fz *f)
{
    uint8_t open[MAX_M];
    double best = NAN;
    unsigned set;
    size_t j;

    for (set = 0; set < 1u << f->in.m; set++) {
        double v;
        for (j = 0; j < f->in.m; j++)
            open[j] = set >> j & 1;
        if (!is_feasible(f, open))
            continue;
        v = value(f, open);
        if (isnan(best) || better(f, v, best))
            best = v;
    }
    return best;
}

/* ---------------------------------------------------------------- the answer */

static void check_sites(const struct fz *f, const struct site_result *r, uint8_t *open)
{
    size_t k, j;

    for (j = 0; j < f->in.m; j++)
        open[j] = state_of(f, j) == SITE_EXISTING;
    for (k = 0; k < r->n_open; k++) {
        j = r->open[k];
        FUZZ_CHECK(j < f->in.m);
        FUZZ_CHECK(k == 0 || r->open[k - 1] < j);
        FUZZ_CHECK(state_of(f, j) != SITE_EXISTING && state_of(f, j) != SITE_FORBIDDEN);
        open[j] = 1;
    }
    FUZZ_CHECK(states_hold(f, open));
    if (f->opt.problem != SITE_LSCP) {
        FUZZ_CHECK(r->n_open <= f->in.p);
        FUZZ_CHECK(obeys_rules(f, open));
    } else {
        FUZZ_CHECK(covers_all(f, open));
    }
}

static bool is_cover_problem(const struct fz *f)
{
    return f->opt.problem == SITE_MCLP || f->opt.problem == SITE_LSCP;
}

/* Uncapacitated: each point goes to its nearest open site, or (MCLP, LSCP) to one
 * reaching it, unassigned only when none does. */
static void check_nearest(const struct fz *f, const struct site_result *r, const uint8_t *open)
{
    size_t i;

    for (i = 0; !f->in.capacity && i < f->in.n; i++) {
        double d = nearest(f, open, i);
        int32_t a = r->assign[i];
        if (is_cover_problem(f))
            FUZZ_CHECK((a >= 0) == (d <= f->radius));
        else
            FUZZ_CHECK(a >= 0 && f->dist[i * f->in.m + (size_t)a] == d);
    }
}

/* Each assignment names an open site (within reach for MCLP), within capacities. */
static void check_assign(const struct fz *f, const struct site_result *r, const uint8_t *open)
{
    double load[MAX_M] = {0};
    size_t i, j;

    for (i = 0; i < f->in.n; i++) {
        int32_t a = r->assign[i];
        if (a < 0)
            continue;
        FUZZ_CHECK((size_t)a < f->in.m && open[a]);
        if (is_cover_problem(f))
            FUZZ_CHECK(f->dist[i * f->in.m + (size_t)a] <= f->radius);
        load[a] += f->w[i];
    }
    check_nearest(f, r, open);
    for (j = 0; f->in.capacity && j < f->in.m; j++)
        FUZZ_CHECK(load[j] <= f->cap[j] * (1 + 1e-9));
}

/* Capacitated: the objective of the assignment (site.h: an unserved point's weight
 * costs 2 x the largest distance + 1 in p-median). */
static double assigned_value(const struct fz *f, const struct site_result *r)
{
    double v = 0, big = 0;
    size_t i;

    for (i = 0; i < f->in.n * f->in.m; i++)
        big = fmax(big, f->dist[i]);
    big = 2 * big + 1;
    for (i = 0; i < f->in.n; i++) {
        int32_t a = r->assign[i];
        if (f->opt.problem == SITE_MCLP)
            v += a >= 0 ? f->w[i] : 0;
        else
            v += f->w[i] * (a >= 0 ? f->dist[i * f->in.m + (size_t)a] : big);
    }
    return v;
}

static bool near(double a, double b)
{
    return fabs(a - b) <= TOLERANCE * fmax(1, fabs(b));
}

static void check_value(const struct fz *f, const struct site_result *r, const uint8_t *open)
{
    double v = f->in.capacity ? assigned_value(f, r) : value(f, open);

    FUZZ_CHECK(isfinite(r->objective) && isfinite(r->bound));
    FUZZ_CHECK(near(r->objective, v));
    FUZZ_CHECK(is_max(f) ? r->bound >= v - TOLERANCE * fmax(1, fabs(v))
                         : r->bound <= v + TOLERANCE * fmax(1, fabs(v)));
    FUZZ_CHECK(!r->is_optimal || r->gap == 0);
    if (f->opt.problem == SITE_MCLP)
        FUZZ_CHECK(near(r->demand_covered, v));
}

/* Against every site set: the answer is no better than the optimum, the bound no
 * tighter, and a proven answer is the optimum. */
static void check_optimum(const struct fz *f, const struct site_result *r)
{
    double opt = brute_force(f), tol = TOLERANCE * fmax(1, fabs(opt));

    FUZZ_CHECK(!isnan(opt)); /* site_solve accepted an instance with no feasible answer */
    FUZZ_CHECK(!better(f, r->objective, opt) || near(r->objective, opt));
    FUZZ_CHECK(is_max(f) ? r->bound >= opt - tol : r->bound <= opt + tol);
    if (r->is_optimal)
        FUZZ_CHECK(near(r->objective, opt));
}

/* FUZZ_SITE_DUMP=1 prints the instance and answer (to read a failing input). */
static void dump(const struct fz *f, const struct site_result *r)
{
    size_t i, j;

    if (!getenv("FUZZ_SITE_DUMP"))
        return;
    fprintf(stderr, "%s n=%zu m=%zu p=%zu exact=%d budget=%g radius=%g flags=%#x\n",
            site_problem_name(f->opt.problem), f->in.n, f->in.m, f->in.p, f->opt.is_exact,
            f->in.budget, f->radius, f->flags);
    for (j = 0; j < f->in.m; j++)
        fprintf(stderr, "site %zu: state %d cost %g cap %g group %d\n", j, state_of(f, j),
                cost_of(f, j), f->in.capacity ? f->cap[j] : -1, f->in.group ? f->group[j] : -1);
    for (j = 0; f->in.group && j < MAX_G; j++)
        fprintf(stderr, "group %zu: min %d max %d\n", j, f->gmin[j], f->gmax[j]);
    for (i = 0; i < f->in.n; i++) {
        fprintf(stderr, "point %zu w %g:", i, f->w[i]);
        for (j = 0; j < f->in.m; j++)
            fprintf(stderr, " %g", f->dist[i * f->in.m + j]);
        fprintf(stderr, "  -> %d\n", r ? r->assign[i] : -2);
    }
    if (!r)
        return;
    fprintf(stderr, "objective %.9g bound %.9g optimal %d method %s sites:", r->objective, r->bound,
            r->is_optimal, r->method);
    for (j = 0; j < r->n_open; j++)
        fprintf(stderr, " %u", r->open[j]);
    fprintf(stderr, "\n");
}

static void solve(const struct fz *f)
{
    struct site_result r;
    struct gis_error err = {0};
    uint8_t open[MAX_M];
    enum gis_status rc = site_solve(&f->in, &f->opt, &r, &err);

    dump(f, rc == GIS_OK ? &r : NULL);
    if (rc != GIS_OK) {
        FUZZ_CHECK(rc == GIS_ERR_INVALID_ARG && err.msg[0]);
        return;
    }
    check_sites(f, &r, open);
    check_assign(f, &r, open);
    check_value(f, &r, open);
    if (!f->in.capacity)
        check_optimum(f, &r);
    site_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bytes b = {data, size};
    struct fz f;

    if (build(&f, &b))
        solve(&f);
    if (f.has_cover)
        site_cover_free(&f.cover);
    return 0;
}
