/*
 * Shared inside plan/ by the site-selection solvers: the run (clock, seed, progress),
 * the current selection with its side constraints, and the per-problem entry points.
 */
#ifndef CIVGIS_SITE_INT_H
#define CIVGIS_SITE_INT_H

#include "site.h"

struct site_run {
    const struct site_instance *in;
    const struct site_options *opt;
    double t_start, deadline; /* monotonic seconds */
    uint64_t rng;
    uint64_t iterations;
    bool is_cancelled, hit_time_limit;
    bool is_integral; /* every weight x distance (or weight) is an integer */
    /* LSCP as p-center's exact radius test: the fewest sites, but within the budget and
     * quotas of the p-center instance (which plain LSCP ignores). */
    bool is_radius_test;
    double last_report;
    /* The best cost a search reported (site__note_best) and when, in seconds from the
     * start; t_best < 0: none reported (the answer's time is then the run's). */
    double best_cost, t_best;
};

/* The open sites and what the side constraints count about them. */
struct site_sel {
    uint8_t *is_open; /* m: 1 for every open site, existing ones included */
    uint32_t *list;   /* the open sites, any order */
    size_t n_list;
    size_t n_new;      /* open sites that are not existing */
    double cost;       /* cost of those */
    int32_t *in_group; /* n_groups: new sites per group */
    /* With costs, a budget and group minimums: the free sites of each group, cheapest
     * first (group g's at by_cost[group_start[g] .. group_start[g + 1]]); else NULL. */
    uint32_t *by_cost;
    size_t *group_start;
};

double site__now(void);
/* A search met an answer of this cost: when it is the best yet, its time is kept. */
void site__note_best(struct site_run *r, double cost);
uint64_t site__rand(struct site_run *r);
/* True when the run must stop (time, cancel); also reports progress now and then. */
bool site__should_stop(struct site_run *r, double fraction, double objective);

uint8_t site__state(const struct site_instance *in, size_t j);
double site__cost(const struct site_instance *in, size_t j);

enum gis_status site__sel_init(const struct site_instance *in, struct site_sel *s);
void site__sel_free(struct site_sel *s);
enum gis_status
site__sel_copy(const struct site_instance *in, struct site_sel *dst, const struct site_sel *src);
void site__sel_add(const struct site_instance *in, struct site_sel *s, size_t j);
void site__sel_remove(const struct site_instance *in, struct site_sel *s, size_t j);
/* Whether j may be added, keeping room for the unmet group minimums within p. */
bool site__sel_can_add(const struct site_instance *in, const struct site_sel *s, size_t j);
/* Whether j may replace the open site out (budget and quotas hold afterwards). */
bool site__sel_can_swap(const struct site_instance *in,
                        const struct site_sel *s,
                        size_t in_j,
                        size_t out_j);
/* Unmet group minimums: new sites still owed to groups. */
size_t site__sel_owed(const struct site_instance *in, const struct site_sel *s);
/* The least cost of paying every unmet group minimum with free sites that are not open,
 * once site `adding` (SIZE_MAX: none) has joined; INFINITY when too few are left. */
double site__sel_debt_cost(const struct site_instance *in, const struct site_sel *s, size_t adding);

struct site_elite;

/* A problem's moves, for the shared search. Costs are minimised (MCLP: -covered). */
struct search_ops {
    void *ctx;
    struct site_sel *sel;
    /* Change of cost of the best move bringing j in: *out_j = the site it replaces, -1
     * for a plain addition, -2 when no move is allowed (MCLP: or none can improve). */
    double (*best_move)(void *ctx, size_t j, int64_t *out_j);
    void (*move)(void *ctx, size_t in_j, int64_t out_j);
    double (*gain)(void *ctx, size_t j); /* cost decrease of adding j (greedy) */
    double (*cost)(void *ctx);
    void (*refresh)(void *ctx); /* after ops->sel was replaced wholesale */
    /* A candidate near the open site j, drawn at random (the run's generator), for the
     * ILS's perturbation; NULL: any candidate. */
    size_t (*near)(void *ctx, size_t j);
    /* Change of cost of opening in_j and closing the open out_j, read from the problem's
     * tables; NULL: the problem has none (no path relinking). */
    double (*swap_delta)(void *ctx, size_t in_j, size_t out_j);
    /* Optional work list (NULL: a descent evaluates every candidate each pass): the
     * candidates whose best move may have changed since they were last taken from it.
     * move() and refresh() (every candidate) add to it; next_dirty takes the next one,
     * false when none is left; mark_dirty adds one; clear_dirty empties it (after the
     * selection went back to an answer no move improves). */
    bool (*next_dirty)(void *ctx, size_t *out_j);
    void (*mark_dirty)(void *ctx, size_t j);
    void (*clear_dirty)(void *ctx);
    /* Optional (NULL: none): a large step from sel, a local optimum, drawing on the
     * elite pool (MCLP: GLPK over the pool's sites); true when it found a better answer,
     * which sel then is (a local optimum again). The ILS takes it now and then. */
    bool (*intensify)(void *ctx, const struct site_elite *pool);
};

/* Moves made since some answer, so that going back to it undoes them (each a swap,
 * undone by the reverse swap) instead of rebuilding a problem's tables. is_broken: a
 * move could not be logged (memory) or was no swap; going back must then copy the
 * answer and refresh. */
struct move_log {
    uint32_t *in_j;
    int64_t *out_j;
    size_t n, cap;
    bool is_broken;
};
void site__log_push(struct move_log *log, size_t in_j, int64_t out_j); /* log may be NULL */

enum gis_status site__greedy(struct site_run *r, const struct search_ops *ops);
void site__local_search(struct site_run *r, const struct search_ops *ops);
/* The local search, its moves logged. */
void site__descend_logged(struct site_run *r, const struct search_ops *ops, struct move_log *log);

/* Elite answers (site_elite.c): the best local optima seen, kept apart from one
 * another, each as its sorted movable open sites (free sites: existing and forced ones
 * are in every answer). */
struct site_elite {
    size_t cap, n, width;
    uint32_t *sites; /* cap * width */
    double *cost;    /* cap */
    uint8_t *mark;   /* m: scratch */
    uint32_t *a, *b; /* width: scratch of path relinking */
};
enum gis_status site__elite_init(struct site_elite *e, const struct site_run *r, size_t cap);
void site__elite_free(struct site_elite *e);
/* Offers the answer sel of cost cost; true when it joined the pool (possibly in the
 * place of a worse answer like it). */
bool site__elite_offer(struct site_elite *e,
                       const struct site_run *r,
                       const struct site_sel *sel,
                       double cost);
/* Number of movable open sites of sel not in elite answer k. */
size_t site__elite_distance(struct site_elite *e,
                            const struct site_run *r,
                            const struct site_sel *sel,
                            size_t k);
/* Path relinking from ops->sel toward elite answer k: swaps bringing in k's sites for
 * sites it lacks, the best such swap each step, stopping one short of k; the path's best
 * answer (not its ends) is taken and improved by the local search. The moves are logged.
 * Needs ops->swap_delta. Ends with ops->sel on that local optimum. */
void site__relink(struct site_run *r,
                  const struct search_ops *ops,
                  struct site_elite *e,
                  size_t k,
                  struct move_log *log);
/* is_patient: the stall limit grows with the rounds the best took (site_search.c). */
enum gis_status
site__vns(struct site_run *r, const struct search_ops *ops, double bound_cost, bool is_patient);
/* Iterated local search from ops->sel (a local optimum) until proven, stalled, out of
 * time or cancelled; ends on the best answer seen. Relinks toward, and offers its local
 * optima to, pool (NULL: a pool of its own; with a caller's, ILS_ELITE wide or not). */
enum gis_status site__ils(struct site_run *r,
                          const struct search_ops *ops,
                          double bound_cost,
                          struct site_elite *pool);
/* Whether the search may stop: cost proven optimal by a bound on it (integral data:
 * rounded up), or within the caller's gap tolerance. */
bool site__is_proven(const struct site_run *r, double cost, double bound_cost);

/* Problem solvers: heuristic with bound. They fill res->open/assign/objective/bound. */
enum gis_status site__pmedian(struct site_run *r, struct site_result *res, struct gis_error *err);
enum gis_status site__pcenter(struct site_run *r, struct site_result *res, struct gis_error *err);
enum gis_status site__mclp(struct site_run *r, struct site_result *res, struct gis_error *err);
enum gis_status site__lscp(struct site_run *r, struct site_result *res, struct gis_error *err);
/* The exact MIP through GLPK; starts from res (a heuristic answer) when it has one. */
enum gis_status site__glpk(struct site_run *r, struct site_result *res, struct gis_error *err);

/* Lagrangian lower bound of the new sites needed to cover every weighted point of
 * in->cover (unit costs); *out_uncoverable when some point has no usable site. */
double site__lscp_bound(struct site_run *r,
                        const struct site_instance *in,
                        double upper,
                        bool *out_uncoverable);

/* Fills res->open from a selection (new sites only, sorted). */
enum gis_status site__result_open(const struct site_instance *in,
                                  const struct site_sel *s,
                                  struct site_result *res);
/* Assignment of each demand point to its nearest open site (dist) for a selection. */
double site__assign_nearest(const struct site_instance *in,
                            const struct site_sel *s,
                            int32_t *assign,
                            double *out_max);

#endif
