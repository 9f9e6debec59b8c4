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
/* Subgradient optimisation of the Lagrangian dual; *bound: the best upper bound. */
enum gis_status mc__bound(struct mc *mc, double lower, double *bound);

enum gis_status
site__mclp_capacitated(struct site_run *r, struct site_result *res, struct gis_error *err);

#endif
