/*
 * MCLP state shared inside plan/ (p-center reuses it to test a radius): per demand
 * point the number of open sites covering it and the sum of their indexes.
 */
#ifndef CIVGIS_SITE_MCLP_INT_H
#define CIVGIS_SITE_MCLP_INT_H

#include "site_int.h"

struct mc {
    struct site_run *r;
    const struct site_instance *in; /* in->cover is used */
    const double *weight;           /* n: the weights counted as covered */
    uint32_t *cnt;                  /* n: open sites covering the point */
    uint64_t *who;                  /* n: sum of their indexes */
    double *loss, *extra;           /* m */
    double covered;
    struct site_sel sel;
    /* Without budget or quotas every swap of free sites is allowed, and the best partner
     * of an entering site is read off the free open sites sorted by loss (by_loss, kept
     * lazily: is_sorted false after a move) plus the few its list touches (touched). */
    bool is_plain;
    bool is_sorted;
    uint32_t *by_loss; /* m: free open sites, least loss first (n_by_loss of them) */
    size_t n_by_loss;
    uint32_t *touched;   /* m: scratch */
    uint8_t *is_touched; /* m: scratch */
    /* Plain only: reach[j] = the weight of j's points that no more than one open site
     * covers, the most a swap bringing j in can win (what it newly covers plus what it
     * takes over from a partner); a candidate whose reach is below the least loss of an
     * open site has no improving swap and is skipped unevaluated. */
    double *reach;  /* m */
    double *reach0; /* m: the weight of j's list, reach with nothing open */
};

enum gis_status mc__init(struct mc *mc, struct site_run *r, const double *weight);
void mc__free(struct mc *mc);
struct search_ops mc__ops(struct mc *mc);
/* Greedy, interchange, then the bound: the start the MCLP paths share. ops: filled. */
enum gis_status mc__start(struct mc *mc, struct search_ops *ops, double *bound);
/* The Lagrangian dual of the MCLP of r->in (site_mclp_bound.c): its multipliers, the
 * best of them and the best bound so far, and the subgradient's scratch. */
struct site_mclp_dual {
    double *lambda, *g;    /* n */
    double *val;           /* m */
    uint8_t *y;            /* m */
    uint8_t *is_coverable; /* n */
    uint32_t *free_j;      /* m */
    size_t n_free, p_free;
    double best;      /* the least L(lambda) met: an upper bound; INFINITY before a run */
    double reachable; /* the weight some usable site reaches: also a bound */
};
/* A quick first run: the step halves after MC_DUAL_PATIENCE steps without a better
 * bound, at most MC_DUAL_STEPS steps. */
#define MC_DUAL_PATIENCE 25
#define MC_DUAL_STEPS    2000

enum gis_status site__mclp_dual_init(struct site_mclp_dual *d,
                                     const struct site_instance *in,
                                     const double *weight);
void site__mclp_dual_free(struct site_mclp_dual *d);
/* The multipliers back to their start (half of each weight); the best bound stays. */
void site__mclp_dual_restart(struct site_mclp_dual *d,
                             const struct site_instance *in,
                             const double *weight);
/* Subgradient steps from the multipliers where they are, towards the answer `lower`; the step
 * halves after `patience` steps without a better bound; stops after max_steps, when the step is
 * tiny, when `lower` is proven, or when the run must stop. out_bound: the best upper bound so far.
 */
void site__mclp_dual_run(struct site_run *r,
                         const double *weight,
                         struct site_mclp_dual *d,
                         double lower,
                         size_t patience,
                         size_t max_steps,
                         double *out_bound);
/* One quick run from scratch (MC_DUAL_PATIENCE); *bound: the best upper bound. */
enum gis_status
site__mclp_bound(struct site_run *r, const double *weight, double lower, double *bound);

/* The plain case's swap tables (site_mclp_swap.c): no budget, no quotas. */
#define MS_LEAST 8
struct ms_ent {
    uint32_t o;     /* an open site */
    uint32_t n_pts; /* points of the candidate's list only o covers */
    double w;       /* their weight: extra(candidate, o) */
};
#define MS_ROW_CAP 8 /* first room per row */
struct msw {
    struct site_run *r;
    const struct site_instance *in;
    const double *weight;
    uint32_t *cnt; /* n: open sites covering the point */
    uint64_t *who; /* n: sum of their indexes (the one, when cnt is 1) */
    double *gain;  /* m: weight of j's points no open site covers */
    double *loss;  /* m: open j: weight of the points only j covers */
    /* extra(j, o) > 0, for the open sites o it concerns: row j is ent[j * row_cap ..],
     * row_n[j] entries. */
    struct ms_ent *ent;
    uint32_t *row_n; /* m */
    size_t row_cap;
    double covered;
    struct site_sel sel;
    uint32_t least[MS_LEAST]; /* movable open sites of least loss, least first */
    size_t n_least;
    bool is_least_stale;
    /* The work list of a descent: candidates whose best move may have changed since
     * they were last evaluated (site_int.h, next_dirty). */
    uint8_t *is_dirty; /* m */
    uint32_t *queue;   /* m: a ring, q_len from q_head */
    size_t q_head, q_len;
    uint32_t *fell; /* m: open sites whose loss fell during the move (n_fell) */
    uint8_t *is_fell;
    size_t n_fell;
    /* Lean: moves keep only cnt, who and covered (the tables go stale), and a swap is
     * priced by ms__lean_delta: for annealing, which tries many swaps and makes few. */
    bool is_lean;
    bool is_nomem; /* a row could not grow: the tables are wrong, the run fails */
};

/* All open sites of in->state (existing, forced) open; fails on memory only. */
enum gis_status ms__init(struct msw *s, struct site_run *r);
void ms__free(struct msw *s);
struct search_ops ms__ops(struct msw *s);
/* Change of cost (-covered) of opening in_j and closing the open out_j, from the tables
 * (not lean) or from the two coverage lists and the counts (ms__lean_delta: any mode;
 * the lists must be ascending, as site_cover_from_* build them). */
double ms__swap_delta(const struct msw *s, size_t in_j, size_t out_j);
double ms__lean_delta(const struct msw *s, size_t in_j, size_t out_j);
/* Enters or leaves lean mode; leaving rebuilds the tables (and lists every candidate). */
void ms__set_lean(struct msw *s, bool is_lean);
/* A candidate within twice the radius of j: one covering a random point of j's list
 * (the run's generator); a random candidate when j covers nothing. */
size_t ms__near(struct msw *s, size_t j);
/* Simulated annealing from s->sel (site_mclp_anneal.c) for about share_s seconds at
 * most, ending on its best answer improved by the local search (tables rebuilt). */
enum gis_status site__mclp_anneal(struct site_run *r,
                                  struct msw *s,
                                  const struct search_ops *ops,
                                  double bound_cost,
                                  double share_s);

/* Construct, merge and solve (site_mclp_merge.c). site__mclp_merge: the MCLP restricted
 * to `sites` and ops->sel's open sites (the others that are open stay so), its points
 * of one restricted list merged, solved by GLPK from ops->sel for at most `seconds`; a
 * better answer replaces ops->sel, improved by the local search. True when it did. */
bool site__mclp_merge(struct site_run *r,
                      const struct search_ops *ops,
                      const uint32_t *sites,
                      size_t n,
                      double seconds);
/* The same with only `sites` free: the open sites not among them stay open. */
bool site__mclp_merge_local(struct site_run *r,
                            const struct search_ops *ops,
                            const uint32_t *sites,
                            size_t n,
                            double seconds);
/* Local MIPs (site_mclp_local.c): from s->sel, region after region (an open site, the
 * open sites nearest it, and every candidate near them) solved exactly by GLPK with the
 * rest fixed, until no region improves, the bound proves the answer or share_s is
 * spent. Offers improved answers to pool. */
enum gis_status site__mclp_local(struct site_run *r,
                                 struct msw *s,
                                 const struct search_ops *ops,
                                 double bound_cost,
                                 struct site_elite *pool,
                                 double share_s);
/* ms__ops' intensify (ctx: the struct msw): the merge of the pool's answers. */
bool ms__merge_pool(void *ctx, const struct site_elite *pool);
/* From s->sel (a local optimum): annealing runs from it, each answer's sites joining the
 * kernel and each followed by a merge of the kernel with the best answer, until a few
 * in a row find nothing better, the bound proves it, or share_s is spent. Ends on the
 * best answer; offers every answer to pool. */
enum gis_status site__mclp_cmsa(struct site_run *r,
                                struct msw *s,
                                const struct search_ops *ops,
                                double bound_cost,
                                struct site_elite *pool,
                                double share_s);

/* Marks SITE_FORBIDDEN in state (m entries: in's states, or all free) each free candidate
 * that another free one dominates (site_mclp_reduce.c: it covers every weighted point
 * the first does); none when fewer than p free ones would be left. For the MCLP without
 * budget, quotas or capacities, whose optimum this keeps. */
enum gis_status
site__mclp_forbid_dominated(const struct site_instance *in, uint8_t *state, size_t *n_forbidden);

enum gis_status
site__mclp_capacitated(struct site_run *r, struct site_result *res, struct gis_error *err);

#endif
