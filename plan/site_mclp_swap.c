/*
 * MCLP swap evaluation for the plain case (no budget, no quotas), in the manner of
 * Whitaker's fast interchange and Resende and Werneck's p-median tables: besides each
 * demand point's count of covering open sites, every candidate keeps the demand it would
 * newly cover (gain) and, per open site o near it, the demand only o covers that it
 * would take over (extra). The value of swapping j in for o is then
 *     gain[j] - loss[o] + extra(j, o),
 * read in O(entries of j) instead of a walk over j's coverage list. A move updates the
 * tables only where a point's count crosses 0, 1 or 2 (the candidates covering that
 * point), so a pass over every candidate costs about m small reads and a move about
 * (points whose count changed) x (candidates covering each).
 */
#include "site_mclp_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t *cov_begin(const struct site_cover *c, size_t j)
{
    return c->cand_item + c->cand_start[j];
}

static size_t cov_len(const struct site_cover *c, size_t j)
{
    return c->cand_start[j + 1] - c->cand_start[j];
}

/* ---------------------------------------------------------------- extra rows */

/* Rows live in one pool, row j at ent + j * row_cap, its row_n[j] entries first: a
 * row is one or two cache lines where separate allocations cost a miss each, and the
 * updates of a move touch hundreds of rows. Rows are short (a few open sites reach
 * any candidate's points); one that fills its room doubles every row's. */
static struct ms_ent *row_of(const struct msw *s, size_t j)
{
    return s->ent + j * s->row_cap;
}

static struct ms_ent *row_find(const struct msw *s, size_t j, uint32_t o)
{
    struct ms_ent *e = row_of(s, j);
    uint32_t k;

    for (k = 0; k < s->row_n[j]; k++)
        if (e[k].o == o)
            return &e[k];
    return NULL;
}

static bool rows_grow(struct msw *s)
{
    size_t cap = 2 * s->row_cap, j = s->in->m;
    struct ms_ent *grown = realloc(s->ent, j * cap * sizeof *grown);

    if (!grown)
        return false;
    s->ent = grown;
    while (j-- > 0) /* last row first: each moves to a higher place */
        memmove(grown + j * cap, grown + j * s->row_cap, s->row_n[j] * sizeof *grown);
    s->row_cap = cap;
    return true;
}

static bool row_add(struct msw *s, size_t j, uint32_t o, double w)
{
    struct ms_ent *e = row_find(s, j, o);

    if (e) {
        e->w += w;
        e->n_pts++;
        return true;
    }
    if (s->row_n[j] == s->row_cap && !rows_grow(s))
        return false;
    row_of(s, j)[s->row_n[j]++] = (struct ms_ent){.o = o, .n_pts = 1, .w = w};
    return true;
}

/* The entry exists: every subtraction undoes an addition. */
static void row_sub(struct msw *s, size_t j, uint32_t o, double w)
{
    struct ms_ent *e = row_find(s, j, o);

    if (!e)
        return;
    e->w -= w;
    if (--e->n_pts == 0)
        *e = row_of(s, j)[--s->row_n[j]];
}

/* ---------------------------------------------------------------- work list */

/* Candidate j's best move may have changed: it joins the list (once). */
static void dirty_push(struct msw *s, uint32_t j)
{
    size_t m = s->in->m;

    if (s->is_dirty[j])
        return;
    s->is_dirty[j] = 1;
    s->queue[(s->q_head + s->q_len) % m] = j;
    s->q_len++;
}

static bool ms_next_dirty(void *ctx, size_t *out_j)
{
    struct msw *s = ctx;
    uint32_t j;

    if (!s->q_len)
        return false;
    j = s->queue[s->q_head];
    s->q_head = (s->q_head + 1) % s->in->m;
    s->q_len--;
    s->is_dirty[j] = 0;
    *out_j = j;
    return true;
}

static void ms_clear_dirty(void *ctx)
{
    struct msw *s = ctx;
    size_t j;

    while (ms_next_dirty(s, &j))
        ;
}

static void ms_mark_dirty(void *ctx, size_t j)
{
    dirty_push(ctx, (uint32_t)j);
}

/* ---------------------------------------------------------------- transitions */

/* Point i became covered by o alone: o would lose it, and every other candidate covering
 * it would take it over from o. */
static void sole_begin(struct msw *s, size_t i, uint32_t o)
{
    const struct site_cover *c = s->in->cover;
    double w = s->weight[i];
    size_t k;

    s->loss[o] += w;
    for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
        uint32_t j = c->dem_item[k];
        if (j == o)
            continue;
        if (!row_add(s, j, o, w))
            s->is_nomem = true;
        dirty_push(s, j);
    }
}

static void sole_end(struct msw *s, size_t i, uint32_t o)
{
    const struct site_cover *c = s->in->cover;
    double w = s->weight[i];
    size_t k;

    s->loss[o] -= w;
    for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
        uint32_t j = c->dem_item[k];
        if (j == o)
            continue;
        row_sub(s, j, o, w);
        dirty_push(s, j);
    }
}

static void gain_add(struct msw *s, size_t i, double w)
{
    const struct site_cover *c = s->in->cover;
    size_t k;

    for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++) {
        s->gain[c->dem_item[k]] += w;
        dirty_push(s, c->dem_item[k]);
    }
}

/* The open site o's loss fell (a point it alone covered is now covered twice): every
 * candidate with an entry for o may now improve by swapping it out, so all of them,
 * the candidates covering o's once-covered points, join the work list (after the move,
 * once per site). */
static void note_fall(struct msw *s, uint32_t o)
{
    if (!s->is_fell[o]) {
        s->is_fell[o] = 1;
        s->fell[s->n_fell++] = o;
    }
}

static void push_fallen(struct msw *s)
{
    const struct site_cover *c = s->in->cover;
    size_t f, t, k;

    for (f = 0; f < s->n_fell; f++) {
        uint32_t o = s->fell[f];
        s->is_fell[o] = 0;
        if (!s->sel.is_open[o] || site__state(s->in, o) != SITE_FREE)
            continue;
        for (t = 0; t < cov_len(c, o); t++) {
            uint32_t i = cov_begin(c, o)[t];
            if (s->cnt[i] != 1 || s->weight[i] == 0)
                continue;
            for (k = c->dem_start[i]; k < c->dem_start[i + 1]; k++)
                if (c->dem_item[k] != o)
                    dirty_push(s, c->dem_item[k]);
        }
    }
    s->n_fell = 0;
}

static void open_site(struct msw *s, uint32_t j)
{
    const struct site_cover *c = s->in->cover;
    size_t t;

    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        uint32_t was = s->cnt[i]++;
        s->who[i] += j;
        if (was == 0)
            s->covered += s->weight[i];
        if (s->weight[i] == 0 || s->is_lean)
            continue;
        if (was == 0) {
            gain_add(s, i, -s->weight[i]);
            sole_begin(s, i, j);
        } else if (was == 1) {
            sole_end(s, i, (uint32_t)(s->who[i] - j));
            note_fall(s, (uint32_t)(s->who[i] - j));
        }
    }
}

static void close_site(struct msw *s, uint32_t j)
{
    const struct site_cover *c = s->in->cover;
    size_t t;

    for (t = 0; t < cov_len(c, j); t++) {
        uint32_t i = cov_begin(c, j)[t];
        uint32_t now = --s->cnt[i];
        s->who[i] -= j;
        if (now == 0)
            s->covered -= s->weight[i];
        if (s->weight[i] == 0 || s->is_lean)
            continue;
        if (now == 0) {
            sole_end(s, i, j);
            gain_add(s, i, s->weight[i]);
        } else if (now == 1) {
            sole_begin(s, i, (uint32_t)s->who[i]);
        }
    }
}

/* ---------------------------------------------------------------- state */

static void ms_refresh(void *ctx)
{
    struct msw *s = ctx;
    const struct site_instance *in = s->in;
    const struct site_cover *c = in->cover;
    size_t i, j, k;

    memset(s->cnt, 0, in->n * sizeof *s->cnt);
    memset(s->who, 0, in->n * sizeof *s->who);
    memset(s->loss, 0, in->m * sizeof *s->loss);
    for (j = 0; j < in->m; j++) {
        s->gain[j] = 0;
        s->row_n[j] = 0;
        for (k = 0; k < cov_len(c, j); k++)
            s->gain[j] += s->weight[cov_begin(c, j)[k]];
    }
    s->covered = 0;
    for (k = 0; k < s->sel.n_list; k++) {
        uint32_t o = s->sel.list[k];
        for (j = 0; j < cov_len(c, o); j++) {
            s->cnt[cov_begin(c, o)[j]]++;
            s->who[cov_begin(c, o)[j]] += o;
        }
    }
    for (i = 0; i < in->n; i++) {
        if (s->cnt[i] == 0)
            continue;
        s->covered += s->weight[i];
        if (s->weight[i] > 0)
            gain_add(s, i, -s->weight[i]);
        if (s->cnt[i] == 1 && s->weight[i] > 0)
            sole_begin(s, i, (uint32_t)s->who[i]);
    }
    s->is_least_stale = true;
    for (j = 0; j < in->m; j++)
        dirty_push(s, (uint32_t)j);
}

enum gis_status ms__init(struct msw *s, struct site_run *r)
{
    const struct site_instance *in = r->in;
    size_t n = in->n ? in->n : 1;

    memset(s, 0, sizeof *s);
    s->r = r;
    s->in = in;
    s->weight = in->weight;
    s->cnt = calloc(n, sizeof *s->cnt);
    s->who = calloc(n, sizeof *s->who);
    s->gain = calloc(in->m, sizeof *s->gain);
    s->loss = calloc(in->m, sizeof *s->loss);
    s->row_cap = MS_ROW_CAP;
    s->ent = malloc(in->m * s->row_cap * sizeof *s->ent);
    s->row_n = calloc(in->m, sizeof *s->row_n);
    s->is_dirty = calloc(in->m, 1);
    s->queue = malloc(in->m * sizeof *s->queue);
    s->is_fell = calloc(in->m, 1);
    s->fell = malloc(in->m * sizeof *s->fell);
    if (!s->cnt || !s->who || !s->gain || !s->loss || !s->ent || !s->row_n || !s->is_dirty ||
        !s->queue || !s->is_fell || !s->fell || site__sel_init(in, &s->sel) != GIS_OK) {
        ms__free(s);
        return GIS_ERR_NOMEM;
    }
    ms_refresh(s);
    if (s->is_nomem) {
        ms__free(s);
        return GIS_ERR_NOMEM;
    }
    return GIS_OK;
}

void ms__free(struct msw *s)
{
    free(s->ent);
    free(s->row_n);
    free(s->cnt);
    free(s->who);
    free(s->gain);
    free(s->loss);
    free(s->is_dirty);
    free(s->queue);
    free(s->is_fell);
    free(s->fell);
    site__sel_free(&s->sel);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- moves */

/* The MS_LEAST movable open sites of least loss, least first (ties: lower index). */
static void least_update(struct msw *s)
{
    size_t k, t;

    s->n_least = 0;
    for (k = 0; k < s->sel.n_list; k++) {
        uint32_t o = s->sel.list[k];
        if (site__state(s->in, o) != SITE_FREE)
            continue;
        for (t = s->n_least; t > 0; t--) {
            uint32_t q = s->least[t - 1];
            if (s->loss[q] < s->loss[o] || (s->loss[q] == s->loss[o] && q < o))
                break;
            if (t < MS_LEAST)
                s->least[t] = q;
        }
        if (t < MS_LEAST) {
            s->least[t] = o;
            s->n_least += s->n_least < MS_LEAST;
        }
    }
    s->is_least_stale = false;
}

/* The movable open site of least loss that shares nothing with j (extra(j, o) = 0), or
 * -1; from the short list when one of those qualifies, else by a scan. */
static int64_t least_apart(struct msw *s, size_t j)
{
    int64_t best = -1;
    size_t k;

    if (s->is_least_stale)
        least_update(s);
    for (k = 0; k < s->n_least; k++)
        if (!row_find(s, j, s->least[k]))
            return s->least[k];
    if (s->n_least < MS_LEAST) /* the list holds every movable open site */
        return -1;
    for (k = 0; k < s->sel.n_list; k++) {
        uint32_t o = s->sel.list[k];
        if (site__state(s->in, o) != SITE_FREE || row_find(s, j, o))
            continue;
        if (best < 0 || s->loss[o] < s->loss[best] || (s->loss[o] == s->loss[best] && o < best))
            best = o;
    }
    return best;
}

double ms__swap_delta(const struct msw *s, size_t in_j, size_t out_j)
{
    const struct ms_ent *e = row_find(s, in_j, (uint32_t)out_j);

    return -s->gain[in_j] + s->loss[out_j] - (e ? e->w : 0);
}

static double ms_best_move(void *ctx, size_t j, int64_t *out_j)
{
    struct msw *s = ctx;
    const struct ms_ent *row = row_of(s, j);
    double best = INFINITY;
    int64_t o;
    uint32_t k;

    *out_j = -2;
    if (s->sel.is_open[j] || site__state(s->in, j) != SITE_FREE)
        return 0;
    if (s->sel.n_new < s->in->p) {
        best = -s->gain[j];
        *out_j = -1;
    }
    for (k = 0; k < s->row_n[j]; k++) {
        double d = -s->gain[j] + s->loss[row[k].o] - row[k].w;
        if (d < best && site__state(s->in, row[k].o) == SITE_FREE) {
            best = d;
            *out_j = row[k].o;
        }
    }
    o = least_apart(s, j);
    if (o >= 0 && -s->gain[j] + s->loss[o] < best) {
        best = -s->gain[j] + s->loss[o];
        *out_j = o;
    }
    return best;
}

/* After a move, the candidates whose tables changed are listed already (transitions).
 * What else may now improve is a swap with an open site whose loss fell: by a candidate
 * with an entry for it (push_fallen), or by one without, which wins only if it newly
 * covers more than that loss: the candidates whose gain exceeds the least loss join
 * the list too. So a candidate off the list has no improving move if it had none when
 * it was taken. */
static void ms_move(void *ctx, size_t in_j, int64_t out_j)
{
    struct msw *s = ctx;
    double least;
    size_t j;

    site__sel_add(s->in, &s->sel, in_j);
    open_site(s, (uint32_t)in_j);
    if (out_j >= 0) {
        site__sel_remove(s->in, &s->sel, (size_t)out_j);
        close_site(s, (uint32_t)out_j);
    }
    if (s->is_lean)
        return;
    push_fallen(s);
    least_update(s);
    least = s->n_least ? s->loss[s->least[0]] : INFINITY;
    for (j = 0; j < s->in->m; j++)
        if (s->gain[j] > least)
            dirty_push(s, (uint32_t)j);
}

static double ms_gain(void *ctx, size_t j)
{
    return ((struct msw *)ctx)->gain[j];
}

static double ms_cost(void *ctx)
{
    return -((struct msw *)ctx)->covered;
}

double ms__lean_delta(const struct msw *s, size_t in_j, size_t out_j)
{
    const struct site_cover *c = s->in->cover;
    const uint32_t *a = cov_begin(c, in_j), *b = cov_begin(c, out_j);
    size_t na = cov_len(c, in_j), nb = cov_len(c, out_j), x = 0, y = 0;
    double d = 0;

    /* Both lists ascending: one merge. A point both reach keeps its count. */
    while (x < na || y < nb) {
        if (y == nb || (x < na && a[x] < b[y])) {
            d -= s->cnt[a[x]] == 0 ? s->weight[a[x]] : 0;
            x++;
        } else if (x == na || b[y] < a[x]) {
            d += s->cnt[b[y]] == 1 ? s->weight[b[y]] : 0;
            y++;
        } else {
            x++;
            y++;
        }
    }
    return d;
}

void ms__set_lean(struct msw *s, bool is_lean)
{
    bool was = s->is_lean;

    s->is_lean = is_lean;
    if (was && !is_lean)
        ms_refresh(s);
}

static double ms_swap_delta_op(void *ctx, size_t in_j, size_t out_j)
{
    const struct msw *s = ctx;

    return s->is_lean ? ms__lean_delta(s, in_j, out_j) : ms__swap_delta(s, in_j, out_j);
}

size_t ms__near(struct msw *s, size_t j)
{
    const struct site_cover *c = s->in->cover;
    size_t len = cov_len(c, j), i, a, b;

    if (!len)
        return (size_t)(site__rand(s->r) % s->in->m);
    i = cov_begin(c, j)[site__rand(s->r) % len];
    a = c->dem_start[i];
    b = c->dem_start[i + 1];
    return b > a ? c->dem_item[a + site__rand(s->r) % (b - a)] : j;
}

static size_t ms_near(void *ctx, size_t j)
{
    return ms__near(ctx, j);
}

struct search_ops ms__ops(struct msw *s)
{
    return (struct search_ops){.ctx = s,
                               .sel = &s->sel,
                               .best_move = ms_best_move,
                               .move = ms_move,
                               .gain = ms_gain,
                               .cost = ms_cost,
                               .refresh = ms_refresh,
                               .near = ms_near,
                               .swap_delta = ms_swap_delta_op,
                               .next_dirty = ms_next_dirty,
                               .mark_dirty = ms_mark_dirty,
                               .clear_dirty = ms_clear_dirty,
                               .intensify = ms__merge_pool};
}
