/*
 * p-median state shared by its solver files inside plan/: nearest and second-nearest
 * open site per demand point, the removal loss of each open site, and a candidate-major
 * copy of the distances.
 */
#ifndef CIVGIS_SITE_PM_INT_H
#define CIVGIS_SITE_PM_INT_H

#include "site_int.h"

struct pm {
    struct site_run *r;
    const struct site_instance *in;
    double *d1, *d2;  /* n: distances to the nearest and second-nearest open site */
    int32_t *c1, *c2; /* n: those sites, -1 none */
    double *loss;     /* m: objective increase if the open site j closed */
    double *extra;    /* m: scratch of the swap evaluation */
    float *col;       /* m * n: column j = distances from candidate j */
    double big;       /* stands for "no site": larger than any distance */
    double obj;
    struct site_sel sel;
    uint8_t *fix; /* m, or NULL: the relaxation's verdict per site (SITE_FORCED /
                     SITE_FORBIDDEN when proven, else SITE_FREE), for the exact path */
};

enum gis_status pm__init(struct pm *pm, struct site_run *r);
void pm__free(struct pm *pm);
void pm__refresh(struct pm *pm);
struct search_ops pm__ops(struct pm *pm);
/* Greedy, interchange, then the bound: the start the p-median paths share. */
enum gis_status pm__start(struct pm *pm, struct search_ops *ops, double *bound);
/* Opens in_j and closes out_j (-1: none). */
void pm__move(struct pm *pm, size_t in_j, int64_t out_j);
/* Subgradient optimisation of the Lagrangian dual; *bound gets the best lower bound. */
enum gis_status pm__lagrangian(struct pm *pm, double upper, double *bound);

enum gis_status
site__pmedian_capacitated(struct site_run *r, struct site_result *res, struct gis_error *err);

#endif
