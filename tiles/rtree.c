/*
 * The packed Hilbert R-tree (see rtree.h), flat: level 0 holds the boxes in Hilbert
 * order, each level above one box per NODE_SIZE boxes below. ref: the box's index on
 * level 0, else the position of the node's first child. level_end[k]: one past level
 * k's last box. The Hilbert key of a box's centre is taken on a fixed grid over the Web
 * Mercator square (not over the boxes' extent), so a box's key never depends on the
 * others and rtree_update can keep the order of what stays.
 */
#include "rtree.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tile.h"

#define NODE_SIZE  16
#define MAX_LEVELS 16
#define GRID_ORDER 24 /* 2^24 cells a side: 2.4 m at the equator */
#define GRID_CELLS 16777216.0
#define NO_INDEX   ((size_t)-1)

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

struct rtree {
    double *boxes;
    size_t *ref;
    uint64_t *key; /* level 0: each box's Hilbert key */
    size_t level_end[MAX_LEVELS];
    size_t n_levels, n;
};

void rtree_free(struct rtree *t)
{
    if (t) {
        free(t->boxes);
        free(t->ref);
        free(t->key);
        free(t);
    }
}

struct keyed {
    uint64_t key;
    size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static void box_extend(double *b, const double *o)
{
    b[0] = fmin(b[0], o[0]);
    b[1] = fmin(b[1], o[1]);
    b[2] = fmax(b[2], o[2]);
    b[3] = fmax(b[3], o[3]);
}

static bool is_empty(const double *b)
{
    return !(b[0] <= b[2] && b[1] <= b[3]);
}

/* A coordinate (metres) on the grid; anything off the square (NaN from hostile input)
 * to its edge or 0. */
static uint64_t grid(double v)
{
    double f = (v + TILE_WEBMERC_HALF) / (2 * TILE_WEBMERC_HALF) * GRID_CELLS;

    if (!(f >= 0))
        return 0;
    return f < GRID_CELLS ? (uint64_t)f : (uint64_t)GRID_CELLS - 1;
}

/* The Hilbert key of box b's centre (an empty box: 0). */
static uint64_t box_key(const double *b)
{
    if (is_empty(b))
        return 0;
    return tile_hilbert(GRID_ORDER, grid((b[0] + b[2]) / 2), grid((b[1] + b[3]) / 2));
}

/* A tree for n boxes, its arrays allocated, nothing filled. */
static struct rtree *tree_alloc(size_t n_boxes)
{
    struct rtree *s = calloc(1, sizeof *s);
    size_t total = 0, n = n_boxes;

    if (!s)
        return NULL;
    s->n = n_boxes;
    do { /* the number of boxes over all levels */
        total += n;
        n = (n + NODE_SIZE - 1) / NODE_SIZE;
    } while (n > 1 && total);
    total += 1;
    s->boxes = malloc(4 * total * sizeof *s->boxes);
    s->ref = malloc(total * sizeof *s->ref);
    s->key = malloc((n_boxes ? n_boxes : 1) * sizeof *s->key);
    if (!s->boxes || !s->ref || !s->key) {
        rtree_free(s);
        return NULL;
    }
    return s;
}

/* The levels above level 0 (filled). */
static void build_levels(struct rtree *s)
{
    size_t pos, lo, i;

    s->level_end[0] = s->n;
    s->n_levels = 1;
    for (lo = 0, pos = s->n; s->level_end[s->n_levels - 1] - lo > 1 && s->n_levels < MAX_LEVELS;) {
        size_t end = s->level_end[s->n_levels - 1];
        for (i = lo; i < end; i += NODE_SIZE, pos++) {
            size_t k;
            memcpy(s->boxes + 4 * pos, EMPTY_BOX, sizeof EMPTY_BOX);
            for (k = i; k < end && k < i + NODE_SIZE; k++)
                box_extend(s->boxes + 4 * pos, s->boxes + 4 * k);
            s->ref[pos] = i;
        }
        lo = end;
        s->level_end[s->n_levels++] = pos;
    }
}

/* Level 0's box at: box, its index ref and its key. */
static void put_leaf(struct rtree *s, size_t at, uint64_t key, size_t ref, const double *box)
{
    memcpy(s->boxes + 4 * at, box, 4 * sizeof(double));
    s->ref[at] = ref;
    s->key[at] = key;
}

enum gis_status rtree_build(const double *boxes, size_t n, struct rtree **out)
{
    struct rtree *s = tree_alloc(n);
    struct keyed *k = malloc((n ? n : 1) * sizeof *k);
    size_t i;

    *out = NULL;
    if (!s || !k) {
        rtree_free(s);
        free(k);
        return GIS_ERR_NOMEM;
    }
    for (i = 0; i < n; i++)
        k[i] = (struct keyed){box_key(boxes + 4 * i), i};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (i = 0; i < n; i++)
        put_leaf(s, i, k[i].key, k[i].i, boxes + 4 * k[i].i);
    free(k);
    build_levels(s);
    *out = s;
    return GIS_OK;
}

/* Level 0 of s from old's leaves that stay (in their order, renumbered) and the fresh
 * boxes k (sorted) merged by (key, index), the order rtree_build sorts by; returns how
 * many leaves it put. */
static size_t merge_leaves(struct rtree *s,
                           const struct rtree *old,
                           const size_t *old_to_new,
                           const struct keyed *k,
                           const size_t *fresh,
                           const double *fresh_boxes,
                           size_t n_fresh)
{
    size_t i = 0, j = 0, at = 0;

    while (i < old->n || j < n_fresh) {
        size_t ni = i < old->n ? old_to_new[old->ref[i]] : NO_INDEX;
        bool is_fresh_first;
        if (i < old->n && ni == NO_INDEX) {
            i++; /* gone */
            continue;
        }
        is_fresh_first = j < n_fresh && (i == old->n || k[j].key < old->key[i] ||
                                         (k[j].key == old->key[i] && fresh[k[j].i] < ni));
        if (is_fresh_first && at < s->n) {
            put_leaf(s, at++, k[j].key, fresh[k[j].i], fresh_boxes + 4 * k[j].i);
            j++;
        } else if (!is_fresh_first && at < s->n) {
            put_leaf(s, at++, old->key[i], ni, old->boxes + 4 * i);
            i++;
        } else {
            return s->n + 1; /* more than n */
        }
    }
    return at;
}

enum gis_status rtree_update(const struct rtree *old,
                             const size_t *old_to_new,
                             size_t n,
                             const size_t *fresh,
                             const double *fresh_boxes,
                             size_t n_fresh,
                             struct rtree **out)
{
    struct rtree *s = tree_alloc(n);
    struct keyed *k = malloc((n_fresh ? n_fresh : 1) * sizeof *k);
    size_t i;

    *out = NULL;
    if (!s || !k) {
        rtree_free(s);
        free(k);
        return GIS_ERR_NOMEM;
    }
    for (i = 0; i < n_fresh; i++)
        k[i] = (struct keyed){box_key(fresh_boxes + 4 * i), i};
    qsort(k, n_fresh, sizeof *k, cmp_keyed);
    i = merge_leaves(s, old, old_to_new, k, fresh, fresh_boxes, n_fresh);
    free(k);
    if (i != n) { /* the maps do not name 0..n-1 once each: the caller's bug */
        rtree_free(s);
        return GIS_ERR_INVALID_ARG;
    }
    build_levels(s);
    *out = s;
    return GIS_OK;
}

static bool boxes_meet(const double *a, const double *b)
{
    return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

static bool push(size_t **v, size_t *n, size_t *cap, size_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        size_t *q = realloc(*v, c * sizeof *q);
        if (!q)
            return false;
        *v = q;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return true;
}

size_t rtree_query(const struct rtree *s, const double box[4], size_t **hits, size_t *cap)
{
    size_t stack[MAX_LEVELS * NODE_SIZE], top = 0, n = 0;
    size_t levels[MAX_LEVELS * NODE_SIZE];

    if (!s->n)
        return 0;
    stack[top] = s->level_end[s->n_levels - 1] - 1; /* the root */
    levels[top++] = s->n_levels - 1;
    while (top) {
        size_t pos = stack[--top], lv = levels[top], k, end;
        if (!boxes_meet(s->boxes + 4 * pos, box))
            continue;
        if (lv == 0) {
            if (!push(hits, &n, cap, s->ref[pos]))
                return (size_t)-1;
            continue;
        }
        end = s->level_end[lv - 1];
        for (k = s->ref[pos]; k < end && k < s->ref[pos] + NODE_SIZE; k++) {
            stack[top] = k;
            levels[top++] = lv - 1;
        }
    }
    if (n > 1)
        qsort(*hits, n, sizeof **hits, cmp_size);
    return n;
}
