/*
 * The exact path: each problem as a MIP for GLPK's branch and cut, started from the
 * heuristic answer (given to GLPK as an incumbent), time-limited, cancellable. The best
 * node's bound is kept as the answer's bound when time runs out.
 *   y_j   open site (binary; existing and forced fixed at 1, forbidden left out)
 *   x_ij  demand i served by j (p-median, p-center, capacitated MCLP)
 *   z_i   demand i covered (MCLP)
 */
#include "site_int.h"
#include "values_int.h"

#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 400000

struct mip {
    struct site_run *r;
    const struct site_instance *in;
    enum site_problem pb;
    glp_prob *lp;
    int *ycol; /* m: column of y_j, 0 when forbidden */
    int xbase; /* p-median/p-center: x_ij = xbase + i * mu + pos[j], 0 otherwise */
    int *pos;  /* m: rank of j among the usable (not forbidden) sites, -1 forbidden */
    size_t mu; /* usable sites */
    int zbase; /* MCLP: z_i = zbase + i */
    int rcol;  /* p-center: the radius */
    int *xcov; /* capacitated MCLP: column of x for each cover pair (by candidate lists) */
    int *ind;
    double *val;
    double *start; /* the heuristic answer as a column vector (1-based) */
    bool has_capacity;
    double best_bound;
};

static int xcol(const struct mip *mp, size_t i, size_t j)
{
    return mp->xbase + (int)(i * mp->mu) + mp->pos[j];
}

static int add_row(struct mip *mp, int n, int type, double lo, double hi)
{
    int row = glp_add_rows(mp->lp, 1);

    glp_set_row_bnds(mp->lp, row, type, lo, hi);
    glp_set_mat_row(mp->lp, row, n, mp->ind, mp->val);
    return row;
}

static bool is_dense(enum site_problem pb)
{
    return pb == SITE_PMEDIAN || pb == SITE_PCENTER;
}

static void add_y(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    size_t j;

    for (j = 0; j < in->m; j++) {
        uint8_t st = site__state(in, j);
        int col;
        if (st == SITE_FORBIDDEN)
            continue;
        col = glp_add_cols(mp->lp, 1);
        mp->ycol[j] = col;
        mp->pos[j] = (int)mp->mu++;
        glp_set_col_kind(mp->lp, col, GLP_BV);
        if (st == SITE_EXISTING || st == SITE_FORCED)
            glp_set_col_bnds(mp->lp, col, GLP_FX, 1, 1);
        if (mp->pb == SITE_LSCP && st != SITE_EXISTING)
            glp_set_obj_coef(mp->lp, col, mp->r->is_radius_test ? 1 : site__cost(in, j));
    }
}

/* Whether the budget and quotas apply: not to set covering, except as a radius test. */
static bool has_rules(const struct mip *mp)
{
    return mp->pb != SITE_LSCP || mp->r->is_radius_test;
}

/* The counting rows: at most p new sites (the radius test minimises their number
 * instead), the budget, the quotas. */
static void add_side_rows(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    size_t j;
    int n = 0;

    for (j = 0; has_rules(mp) && j < in->m; j++)
        if (mp->ycol[j] && site__state(in, j) != SITE_EXISTING) {
            mp->ind[++n] = mp->ycol[j];
            mp->val[n] = in->budget > 0 ? site__cost(in, j) : 1;
        }
    if (n && in->budget > 0)
        add_row(mp, n, GLP_UP, 0, in->budget);
    for (j = 1; n && j <= (size_t)n; j++)
        mp->val[j] = 1;
    if (n && mp->pb != SITE_LSCP)
        add_row(mp, n, GLP_UP, 0, (double)in->p);
}

/* One group's new sites, in mp->ind / mp->val; returns how many. */
static int group_row(struct mip *mp, size_t g)
{
    const struct site_instance *in = mp->in;
    size_t j;
    int n = 0;

    for (j = 0; j < in->m; j++)
        if (in->group[j] == (int32_t)g && mp->ycol[j] && site__state(in, j) != SITE_EXISTING) {
            mp->ind[++n] = mp->ycol[j];
            mp->val[n] = 1;
        }
    return n;
}

static void add_quota_rows(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    size_t g;
    int n;

    if (!has_rules(mp)) /* set covering minimises the sites: no quotas (site.h) */
        return;
    for (g = 0; in->group && g < in->n_groups; g++) {
        int lo = in->group_min ? in->group_min[g] : 0, hi = in->group_max ? in->group_max[g] : -1;
        n = group_row(mp, g);
        /* Even with no site left in the group (the reduced p-median model may fix them
         * all closed): an empty row owing lo > 0 sites makes the model infeasible, as it
         * is; leaving the row out dropped the minimum. */
        if (n || lo > 0)
            add_row(mp, n, hi < 0 ? GLP_LO : lo == hi ? GLP_FX : GLP_DB, lo, hi < 0 ? 0 : hi);
    }
}

/* p-median and p-center: dense x, one assignment per point, x_ij <= y_j, capacities. */
/* The x_ij of point i (usable sites only), with their costs. */
static void add_point_columns(struct mip *mp, size_t i)
{
    const struct site_instance *in = mp->in;
    size_t j;

    for (j = 0; j < in->m; j++) {
        int col;
        if (!mp->ycol[j])
            continue;
        col = xcol(mp, i, j);
        glp_set_col_bnds(mp->lp, col, GLP_DB, 0, 1);
        if (mp->has_capacity)
            glp_set_col_kind(mp->lp, col, GLP_BV);
        if (mp->pb == SITE_PMEDIAN)
            glp_set_obj_coef(mp->lp, col, in->weight[i] * in->dist[i * in->m + j]);
    }
}

/* p-center: the distance of point i's assignment is at most the radius. */
static void add_radius_row(struct mip *mp, size_t i)
{
    const struct site_instance *in = mp->in;
    size_t j;
    int n = 0;

    for (j = 0; j < in->m; j++)
        if (mp->ycol[j]) {
            mp->ind[++n] = xcol(mp, i, j);
            mp->val[n] = in->dist[i * in->m + j];
        }
    mp->ind[++n] = mp->rcol;
    mp->val[n] = -1;
    add_row(mp, n, GLP_UP, 0, 0);
}

/* p-median and p-center: x over usable sites, one assignment per point, x_ij <= y_j. */
static void add_assignment(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    size_t i, j;
    int n;

    mp->xbase = glp_get_num_cols(mp->lp) + 1;
    glp_add_cols(mp->lp, (int)(in->n * mp->mu));
    for (i = 0; i < in->n; i++) {
        add_point_columns(mp, i);
        n = 0;
        for (j = 0; j < in->m; j++)
            if (mp->ycol[j]) {
                mp->ind[++n] = xcol(mp, i, j);
                mp->val[n] = 1;
            }
        add_row(mp, n, GLP_FX, 1, 1);
        for (j = 0; j < in->m; j++) {
            if (!mp->ycol[j])
                continue;
            mp->ind[1] = xcol(mp, i, j);
            mp->val[1] = 1;
            mp->ind[2] = mp->ycol[j];
            mp->val[2] = -1;
            add_row(mp, 2, GLP_UP, 0, 0);
        }
        if (mp->pb == SITE_PCENTER && in->weight[i] > 0)
            add_radius_row(mp, i);
    }
}

static void add_capacity_rows(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    const struct site_cover *c = in->cover;
    size_t i, j, k;
    int n;

    for (j = 0; j < in->m; j++) {
        if (!mp->ycol[j])
            continue;
        n = 0;
        if (mp->xbase)
            for (i = 0; i < in->n; i++) {
                mp->ind[++n] = xcol(mp, i, j);
                mp->val[n] = in->weight[i];
            }
        for (k = c && !mp->xbase ? c->cand_start[j] : 0;
             c && !mp->xbase && k < c->cand_start[j + 1]; k++) {
            mp->ind[++n] = mp->xcov[k];
            mp->val[n] = in->weight[c->cand_item[k]];
        }
        mp->ind[++n] = mp->ycol[j];
        mp->val[n] = -in->capacity[j];
        add_row(mp, n, GLP_UP, 0, 0);
    }
}

/* MCLP: z_i <= sum of covering y (or of x_ij when capacitated); LSCP: cover rows. */
static void add_cover_rows(struct mip *mp, const uint8_t *need)
{
    const struct site_instance *in = mp->in;
    const struct site_cover *c = in->cover;
    size_t i, k;
    int n;

    for (i = 0; i < in->n; i++) {
        if (mp->pb == SITE_LSCP && !need[i])
            continue;
        n = 0;
        for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
            uint32_t j = c->dem_item[k];
            if (!mp->ycol[j])
                continue;
            mp->ind[++n] = mp->ycol[j];
            mp->val[n] = 1;
        }
        if (mp->pb == SITE_LSCP) {
            if (n)
                add_row(mp, n, GLP_LO, 1, 0);
            continue;
        }
        mp->ind[++n] = mp->zbase + (int)i;
        mp->val[n] = -1;
        add_row(mp, n, GLP_LO, 0, 0);
    }
}

/* Capacitated MCLP: x for each cover pair, z_i = sum_j x_ij. */
static void add_cover_assignment(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    const struct site_cover *c = in->cover;
    size_t total = c->cand_start[in->m], i, j, k;
    int first = total ? glp_add_cols(mp->lp, (int)total) : 0, n; /* GLPK aborts on 0 */

    for (j = 0; j < in->m; j++)
        for (k = c->cand_start[j]; k < c->cand_start[j + 1]; k++) {
            mp->xcov[k] = first + (int)k;
            glp_set_col_kind(mp->lp, mp->xcov[k], GLP_BV);
            if (!mp->ycol[j])
                glp_set_col_bnds(mp->lp, mp->xcov[k], GLP_FX, 0, 0);
        }
    for (i = 0; i < in->n; i++) {
        n = 0;
        for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
            uint32_t key = (uint32_t)i;
            j = c->dem_item[k];
            const uint32_t *at =
                bsearch(&key, c->cand_item + c->cand_start[j],
                        c->cand_start[j + 1] - c->cand_start[j], sizeof key, plan__cmp_u32);
            mp->ind[++n] = mp->xcov[at - c->cand_item];
            mp->val[n] = 1;
        }
        mp->ind[++n] = mp->zbase + (int)i;
        mp->val[n] = -1;
        add_row(mp, n, GLP_FX, 0, 0);
    }
}

/* ---------------------------------------------------------------- build */

static size_t count_columns(const struct site_instance *in, enum site_problem pb)
{
    size_t j, mu = 0;

    for (j = 0; j < in->m; j++)
        mu += site__state(in, j) != SITE_FORBIDDEN;
    if (is_dense(pb))
        return in->m + in->n * mu + 1;
    return in->m + in->n + (in->capacity ? in->cover->cand_start[in->m] : 0);
}

static uint8_t *lscp_need(const struct site_instance *in)
{
    const struct site_cover *c = in->cover;
    uint8_t *need = calloc(in->n ? in->n : 1, 1);
    size_t i, k;

    for (i = 0; need && i < in->n; i++) {
        bool by_existing = false, by_usable = false;
        for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
            uint8_t st = site__state(in, c->dem_item[k]);
            by_existing |= st == SITE_EXISTING;
            by_usable |= st != SITE_FORBIDDEN;
        }
        need[i] = in->weight[i] > 0 && by_usable && !by_existing;
    }
    return need;
}

static void add_z(struct mip *mp)
{
    size_t i;

    mp->zbase = glp_add_cols(mp->lp, (int)mp->in->n);
    for (i = 0; i < mp->in->n; i++) {
        glp_set_col_bnds(mp->lp, mp->zbase + (int)i, GLP_DB, 0, 1);
        glp_set_obj_coef(mp->lp, mp->zbase + (int)i, mp->in->weight[i]);
    }
}

static enum gis_status build(struct mip *mp)
{
    const struct site_instance *in = mp->in;
    uint8_t *need = NULL;

    glp_set_obj_dir(mp->lp, mp->pb == SITE_MCLP ? GLP_MAX : GLP_MIN);
    add_y(mp);
    add_side_rows(mp);
    add_quota_rows(mp);
    if (mp->pb == SITE_PCENTER) {
        mp->rcol = glp_add_cols(mp->lp, 1);
        glp_set_col_bnds(mp->lp, mp->rcol, GLP_LO, 0, 0);
        glp_set_obj_coef(mp->lp, mp->rcol, 1);
    }
    if (is_dense(mp->pb))
        add_assignment(mp);
    if (mp->pb == SITE_MCLP)
        add_z(mp);
    if (mp->pb == SITE_MCLP && mp->has_capacity)
        add_cover_assignment(mp);
    else if (mp->pb == SITE_MCLP)
        add_cover_rows(mp, NULL);
    if (mp->pb == SITE_LSCP) {
        need = lscp_need(in);
        if (!need)
            return GIS_ERR_NOMEM;
        add_cover_rows(mp, need);
        free(need);
    }
    if (mp->has_capacity)
        add_capacity_rows(mp);
    return GIS_OK;
}

/* ---------------------------------------------------------------- start, callback */

/* Capacitated MCLP: the x of each assigned (point, site) pair. */
static void set_start_pairs(struct mip *mp, const struct site_result *res)
{
    const struct site_cover *c = mp->in->cover;
    size_t i;

    for (i = 0; i < mp->in->n; i++) {
        int32_t j = res->assign[i];
        uint32_t key = (uint32_t)i;
        const uint32_t *at;
        if (j < 0)
            continue;
        at = bsearch(&key, c->cand_item + c->cand_start[j], c->cand_start[j + 1] - c->cand_start[j],
                     sizeof key, plan__cmp_u32);
        if (at)
            mp->start[mp->xcov[at - c->cand_item]] = 1;
    }
}

static void set_start(struct mip *mp, const struct site_result *res)
{
    const struct site_instance *in = mp->in;
    size_t i, k;

    for (k = 0; k < in->m; k++) {
        uint8_t st = site__state(in, k);
        if (mp->ycol[k] && (st == SITE_EXISTING || st == SITE_FORCED))
            mp->start[mp->ycol[k]] = 1;
    }
    for (k = 0; k < res->n_open; k++)
        if (mp->ycol[res->open[k]])
            mp->start[mp->ycol[res->open[k]]] = 1;
    for (i = 0; i < in->n; i++) {
        int32_t j = res->assign[i];
        if (j < 0 || !mp->ycol[j])
            continue; /* unassigned, or a site the reduced model left out */
        if (mp->xbase)
            mp->start[xcol(mp, i, (size_t)j)] = 1;
        if (mp->zbase)
            mp->start[mp->zbase + (int)i] = 1;
    }
    if (mp->xcov)
        set_start_pairs(mp, res);
    if (mp->rcol)
        mp->start[mp->rcol] = res->objective;
}

static bool is_within(int type, double lo, double hi, double v)
{
    double tol = 1e-9 * (1 + fabs(v));

    if (type == GLP_FR)
        return true;
    if ((type == GLP_LO || type == GLP_DB || type == GLP_FX) && v < lo - tol)
        return false;
    return type == GLP_LO || v <= hi + tol;
}

/* GLPK takes a heuristic solution unchecked (glp_ios_heur_sol checks only integrality),
 * and an infeasible one would become its incumbent and cut off the true optimum: the
 * start goes to GLPK only if it keeps every bound and row. It may not: a capacitated
 * answer with unserved points, a site the reduced model left out, a cover breaking the
 * radius test's budget. */
static bool start_fits(struct mip *mp)
{
    int i, j, k, len, rows = glp_get_num_rows(mp->lp), cols = glp_get_num_cols(mp->lp);

    for (j = 1; j <= cols; j++)
        if (!is_within(glp_get_col_type(mp->lp, j), glp_get_col_lb(mp->lp, j),
                       glp_get_col_ub(mp->lp, j), mp->start[j]))
            return false;
    for (i = 1; i <= rows; i++) {
        double a = 0;
        len = glp_get_mat_row(mp->lp, i, mp->ind, mp->val);
        for (k = 1; k <= len; k++)
            a += mp->val[k] * mp->start[mp->ind[k]];
        if (!is_within(glp_get_row_type(mp->lp, i), glp_get_row_lb(mp->lp, i),
                       glp_get_row_ub(mp->lp, i), a))
            return false;
    }
    return true;
}

static void callback(glp_tree *t, void *info)
{
    struct mip *mp = info;
    int node = glp_ios_best_node(t);

    if (node)
        mp->best_bound = glp_ios_node_bound(t, node);
    if (glp_ios_reason(t) == GLP_IHEUR && mp->start) {
        glp_ios_heur_sol(t, mp->start);
        free(mp->start);
        mp->start = NULL;
    }
    if (site__should_stop(mp->r, 0.5, mp->best_bound) && !mp->r->hit_time_limit)
        glp_ios_terminate(t);
    mp->r->hit_time_limit = false; /* GLPK keeps its own time limit */
}

/* ---------------------------------------------------------------- answer */

/* Capacitated: the x pairs GLPK chose. */
static void read_pairs(const struct mip *mp, struct site_result *res)
{
    const struct site_instance *in = mp->in;
    const struct site_cover *c = in->cover;
    size_t i, j, k;

    for (i = 0; mp->xbase && i < in->n; i++)
        for (j = 0; j < in->m; j++)
            if (mp->ycol[j] && glp_mip_col_val(mp->lp, xcol(mp, i, j)) > 0.5)
                res->assign[i] = (int32_t)j;
    for (j = 0; mp->xcov && j < in->m; j++)
        for (k = c->cand_start[j]; k < c->cand_start[j + 1]; k++)
            if (mp->ycol[j] && glp_mip_col_val(mp->lp, mp->xcov[k]) > 0.5)
                res->assign[c->cand_item[k]] = (int32_t)j;
}

/* Capacitated: the pairs; covering (MCLP, LSCP): the first open site reaching each
 * point. Then the demand served, which the heuristic's answer had filled. */
static void read_assign(const struct mip *mp, const struct site_sel *s, struct site_result *res)
{
    const struct site_instance *in = mp->in;
    const struct site_cover *c = in->cover;
    size_t i, k;

    for (i = 0; i < in->n; i++)
        res->assign[i] = -1;
    if (mp->has_capacity)
        read_pairs(mp, res);
    for (i = 0; !mp->has_capacity && i < in->n; i++)
        for (k = c->dem_start[i]; k < c->dem_start[i + 1] && res->assign[i] < 0; k++)
            if (s->is_open[c->dem_item[k]])
                res->assign[i] = (int32_t)c->dem_item[k];
    res->demand_covered = 0;
    for (i = 0; i < in->n; i++)
        res->demand_covered += res->assign[i] >= 0 ? in->weight[i] : 0;
}

static enum gis_status read_answer(struct mip *mp, struct site_result *res)
{
    const struct site_instance *in = mp->in;
    struct site_sel s;
    size_t j;

    if (site__sel_init(in, &s) != GIS_OK)
        return GIS_ERR_NOMEM;
    for (j = 0; j < in->m; j++)
        if (mp->ycol[j] && glp_mip_col_val(mp->lp, mp->ycol[j]) > 0.5)
            site__sel_add(in, &s, j);
    if (site__result_open(in, &s, res) != GIS_OK) {
        site__sel_free(&s);
        return GIS_ERR_NOMEM;
    }
    if (mp->xbase && !mp->has_capacity)
        site__assign_nearest(in, &s, res->assign, NULL);
    else
        read_assign(mp, &s, res);
    res->objective = glp_mip_obj_val(mp->lp);
    site__sel_free(&s);
    return GIS_OK;
}

/* GLPK keeps one environment per thread until glp_free_env: a job worker or server thread
 * that ran one exact solve would hold it for the rest of its life. No GLPK object outlives
 * one site__glpk call, so each call ends by freeing the environment (it is made again,
 * cheaply, by the next). */
static void mip_free(struct mip *mp)
{
    if (mp->lp)
        glp_delete_prob(mp->lp);
    glp_free_env();
    free(mp->ycol);
    free(mp->pos);
    free(mp->xcov);
    free(mp->ind);
    free(mp->val);
    free(mp->start);
}

static enum gis_status mip_init(struct mip *mp, struct site_run *r, size_t cols)
{
    const struct site_instance *in = r->in;
    size_t width = (in->n > in->m ? in->n : in->m) + in->m + 2;

    memset(mp, 0, sizeof *mp);
    mp->r = r;
    mp->in = in;
    mp->pb = r->opt->problem;
    mp->has_capacity = in->capacity != NULL;
    mp->best_bound = NAN;
    mp->lp = glp_create_prob();
    mp->ycol = calloc(in->m, sizeof *mp->ycol);
    mp->pos = malloc(in->m * sizeof *mp->pos);
    mp->ind = malloc((width + 1) * sizeof *mp->ind);
    mp->val = malloc((width + 1) * sizeof *mp->val);
    mp->start = calloc(cols + 2, sizeof *mp->start);
    if (mp->has_capacity && mp->pb == SITE_MCLP)
        mp->xcov = calloc(in->cover->cand_start[in->m] + 1, sizeof *mp->xcov);
    if (!mp->lp || !mp->ycol || !mp->pos || !mp->ind || !mp->val || !mp->start ||
        (mp->has_capacity && mp->pb == SITE_MCLP && !mp->xcov))
        return GIS_ERR_NOMEM;
    return GIS_OK;
}

static void keep_answer(struct mip *mp, struct site_result *res, int status)
{
    bool is_max = mp->pb == SITE_MCLP;
    double obj = glp_mip_obj_val(mp->lp);
    bool is_better = is_max ? obj > res->objective + 1e-9 : obj < res->objective - 1e-9;

    if ((status == GLP_OPT || status == GLP_FEAS) && is_better)
        read_answer(mp, res);
    if (status == GLP_OPT) {
        res->bound = res->objective;
    } else if (!isnan(mp->best_bound)) {
        res->bound = is_max ? fmin(res->bound, mp->best_bound) : fmax(res->bound, mp->best_bound);
    }
}

static int milliseconds(double seconds)
{
    return seconds > 0 ? (int)fmin(seconds * 1000, 2e9) : 1;
}

/* The LP relaxation first, then branch and cut without GLPK's MIP presolver: presolved,
 * the search runs on a transformed problem whose columns are not ours, and the start
 * handed to glp_ios_heur_sol would be read against the wrong columns (it was, and GLPK
 * returned answers breaking the capacity rows). GLP_ENOPFS: the MIP has no answer. */
static int solve_mip(struct mip *mp, double left)
{
    double t0 = site__now();
    glp_smcp lp;
    glp_iocp parm;
    int ret;

    glp_term_out(GLP_OFF);
    glp_init_smcp(&lp);
    lp.msg_lev = GLP_MSG_OFF;
    lp.tm_lim = milliseconds(left);
    ret = glp_simplex(mp->lp, &lp);
    if (ret != 0)
        return ret;
    if (glp_get_status(mp->lp) != GLP_OPT)
        return GLP_ENOPFS;
    glp_init_iocp(&parm);
    parm.presolve = GLP_OFF;
    parm.msg_lev = GLP_MSG_OFF;
    parm.tm_lim = milliseconds(left - (site__now() - t0));
    parm.cb_func = callback;
    parm.cb_info = mp;
    return glp_intopt(mp->lp, &parm);
}

enum gis_status site__glpk(struct site_run *r, struct site_result *res, struct gis_error *err)
{
    struct mip mp;
    size_t cols = count_columns(r->in, r->opt->problem);
    enum gis_status rc;
    double left = r->deadline - site__now();
    int ret;

    if (cols > MAX_COLUMNS)
        return gis_fail(err, GIS_ERR_TOO_LARGE,
                        "the exact model would have %zu variables (at most %d): too large; "
                        "use the heuristic answer and its gap",
                        cols, MAX_COLUMNS);
    rc = mip_init(&mp, r, cols);
    if (rc == GIS_OK)
        rc = build(&mp);
    if (rc != GIS_OK) {
        mip_free(&mp);
        return gis_fail(err, rc, "out of memory for the exact model");
    }
    set_start(&mp, res);
    if (!isfinite(res->objective) || !start_fits(&mp)) {
        free(mp.start);
        mp.start = NULL;
    }
    ret = solve_mip(&mp, left);
    if (ret == 0 || ret == GLP_ETMLIM || ret == GLP_ESTOP)
        keep_answer(&mp, res, glp_mip_status(mp.lp));
    r->hit_time_limit = ret == GLP_ETMLIM;
    snprintf(res->method, sizeof res->method, "glpk-branch-and-cut");
    mip_free(&mp);
    return GIS_OK;
}
