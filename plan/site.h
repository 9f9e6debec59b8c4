/*
 * Site selection (location-allocation): where p new facilities should go. Four
 * problems on one instance shape:
 *   p-median  minimise the demand-weighted distance to the nearest open site;
 *   p-center  minimise the largest distance from a demand point (weight > 0) to its site;
 *   MCLP      maximise the demand within reach of an open site (existing ones count);
 *   LSCP      fewest (cheapest) new sites covering every coverable demand point (p,
 *             the budget and quotas do not apply: they are what LSCP answers).
 * Side constraints: existing sites (open, not counted in p), forced and forbidden sites,
 * cost per site with a budget, minimum/maximum sites per group (quotas per division),
 * and capacities with single-source assignment (p-median, MCLP).
 *
 * Every answer carries a bound from a Lagrangian relaxation (or from the exact MIP), so
 * objective, bound and gap are honest. Pure: arrays in, arrays out; GLPK for --exact.
 */
#ifndef CIVGIS_SITE_H
#define CIVGIS_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "status.h"

enum site_problem {
    SITE_PMEDIAN,
    SITE_PCENTER,
    SITE_MCLP,
    SITE_LSCP,
};

enum site_state {
    SITE_FREE = 0,  /* may be chosen */
    SITE_EXISTING,  /* open already; not counted in p, costs nothing */
    SITE_FORCED,    /* must be chosen; counted in p and the budget */
    SITE_FORBIDDEN, /* never chosen (e.g. inside an exclusion zone) */
};

/* Which candidates cover which demand points (d <= radius), both ways, CSR; each
 * candidate's list in ascending demand order (site_solve checks it). */
struct site_cover {
    size_t n, m;
    size_t *cand_start; /* m + 1: demand points covered by candidate j */
    uint32_t *cand_item;
    size_t *dem_start; /* n + 1: candidates covering demand point i */
    uint32_t *dem_item;
};

struct site_instance {
    size_t n;                       /* demand points */
    size_t m;                       /* candidate sites */
    const double *weight;           /* n, >= 0 */
    const float *dist;              /* n * m, row i = demand i; needed by p-median, p-center */
    const struct site_cover *cover; /* needed by MCLP and LSCP */
    size_t p;                       /* new sites (forced ones included); LSCP ignores it */
    const uint8_t *state;           /* m entries of enum site_state, or NULL: all free */
    const double *cost;             /* m, or NULL: every site costs 1 */
    double budget;                  /* > 0: total cost of new sites at most this */
    const double *capacity;         /* m, or NULL: uncapacitated (p-median and MCLP only) */
    const int32_t *group;           /* m: quota group of each candidate, -1 none; or NULL */
    size_t n_groups;
    const int32_t *group_min; /* n_groups: at least this many new sites in the group */
    const int32_t *group_max; /* n_groups: at most, < 0 for no limit */
};

/* Called now and then; return true to cancel (the best answer so far is returned). */
typedef bool (*site_progress_fn)(void *ctx, double fraction, double objective);

struct site_options {
    enum site_problem problem;
    uint64_t seed;
    double time_limit_s;       /* <= 0: the default, 30 s */
    bool is_exact;             /* solve the MIP with GLPK (time-limited) */
    double gap_tolerance;      /* stop searching once the certified gap is at most this */
    site_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    /* Heuristic searches at once, each on its own thread with seed, seed + 1, ...; the
     * best answer is kept with the best bound (0 or 1: one; at most 8; --exact: one). */
    size_t searches;
};

struct site_result {
    size_t n_open;
    uint32_t *open;   /* candidate indexes of the chosen new sites (not existing), sorted */
    int32_t *assign;  /* n: serving candidate of each demand point, -1 none */
    double objective; /* distance sum, max distance, covered demand or site count/cost */
    double bound;     /* lower bound (minimising problems) or upper bound (MCLP) */
    double gap;       /* |objective - bound| / max(|objective|, tiny), 0 when proven */
    bool is_optimal;  /* proven: gap within the data's integrality */
    bool was_cancelled;
    bool hit_time_limit;
    double demand_total, demand_covered; /* MCLP, LSCP */
    size_t n_uncoverable;                /* LSCP: demand points no candidate can reach */
    double seconds;
    double seconds_to_best; /* when the search first met the answer's objective */
    uint64_t iterations;    /* of all the searches */
    size_t searches; /* searches run at once (site_options.searches, when threads were had) */
    char method[48]; /* e.g. "greedy+interchange+vns", "glpk" */
};

/* Solves in per opt. Fails (GIS_ERR_INVALID_ARG, with a message naming the problem) on
 * an inconsistent instance: p larger than the candidates left, quotas or a budget no
 * site set can meet (with the forced sites), p-median or p-center with no site able to
 * open, no candidates, data missing for the problem, negative weights. An answer keeps
 * p, the budget, the quotas and the capacities, and its objective is that of the sites
 * returned (and, capacitated, of assign: in p-median a point no open site has room for
 * stays unassigned and costs 2 x the largest distance + 1 per unit of its weight, so
 * that serving it always counts for more). out written on success; free with
 * site_result_free. */
enum gis_status site_solve(const struct site_instance *in,
                           const struct site_options *opt,
                           struct site_result *out,
                           struct gis_error *err);

void site_result_free(struct site_result *r);

/* The distance matrix n x m (row i = demand i) by a metric, on up to `threads` threads.
 * Fails with GIS_ERR_TOO_LARGE beyond max_bytes. progress (may be NULL; the share of
 * rows begun, objective 0) is called every few rows from the caller's thread: true
 * stops the build, which then fails with GIS_ERR_INVALID_ARG "cancelled". out: malloc'd. */
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
                                struct gis_error *err);

/* Coverage lists at radius from a distance matrix (d <= radius). */
enum gis_status site_cover_from_dist(const float *dist,
                                     size_t n,
                                     size_t m,
                                     double radius,
                                     struct site_cover *out,
                                     struct gis_error *err);

/* Coverage lists at radius from coordinates by a metric, with a grid (no n x m matrix). */
enum gis_status site_cover_from_points(const struct plan_metric *metric,
                                       const double *demand_xy,
                                       size_t n,
                                       const double *cand_xy,
                                       size_t m,
                                       double radius,
                                       struct site_cover *out,
                                       struct gis_error *err);

void site_cover_free(struct site_cover *c);

const char *site_problem_name(enum site_problem p);
/* "mclp", "lscp", "pmedian" (or "p-median"), "pcenter"; false when unknown. */
bool site_problem_parse(const char *s, enum site_problem *out);

#endif
