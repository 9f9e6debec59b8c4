/*
 * The packed Hilbert R-tree (see rtree.h), flat: level 0 holds the boxes in Hilbert
 * order, each level above one box per NODE_SIZE boxes below. ref: the box's index on
 * level 0, else the position of the node's first child. level_end[k]: one past level
 * k's last box.
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

static const double EMPTY_BOX[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};

struct rtree {
    double *boxes;
    size_t *ref;
    size_t level_end[MAX_LEVELS];
    size_t n_levels, n;
};

void rtree_free(struct rtree *t)
{
    if (t) {
        free(t->boxes);
        free(t->ref);
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

/* A fraction 0..1 on a 2^16 grid; anything else (NaN from hostile input) to 0. */
static uint32_t grid16(double v)
{
    return v >= 0 && v <= 1 ? (uint32_t)(v * 65535) : 0;
}

static bool is_empty(const double *b)
{
    return !(b[0] <= b[2] && b[1] <= b[3]);
}

/* Level 0: the boxes in Hilbert order of their centres. */
static enum gis_status index_leaves(struct rtree *t, const double *boxes)
{
    struct keyed *k = malloc((t->n ? t->n : 1) * sizeof *k);
    double all[4];
    size_t i;

    if (!k)
        return GIS_ERR_NOMEM;
    memcpy(all, EMPTY_BOX, sizeof all);
    for (i = 0; i < t->n; i++)
        if (!is_empty(boxes + 4 * i))
            box_extend(all, boxes + 4 * i);
    for (i = 0; i < t->n; i++) {
        const double *b = boxes + 4 * i;
        double w = all[2] - all[0], h = all[3] - all[1], cx = 0, cy = 0;
        if (!is_empty(b) && w > 0)
            cx = ((b[0] + b[2]) / 2 - all[0]) / w;
        if (!is_empty(b) && h > 0)
            cy = ((b[1] + b[3]) / 2 - all[1]) / h;
        k[i] = (struct keyed){tile_hilbert(16, grid16(cx), grid16(cy)), i};
    }
    qsort(k, t->n, sizeof *k, cmp_keyed);
    for (i = 0; i < t->n; i++) {
        memcpy(t->boxes + 4 * i, boxes + 4 * k[i].i, 4 * sizeof(double));
        t->ref[i] = k[i].i;
    }
    free(k);
    return GIS_OK;
}

enum gis_status rtree_build(const double *boxes, size_t n_boxes, struct rtree **out)
{
    struct rtree *s = calloc(1, sizeof *s);
    size_t total = 0, n = n_boxes, pos, lo, i;

    *out = s;
    if (!s)
        return GIS_ERR_NOMEM;
    s->n = n_boxes;

    do { /* the number of boxes over all levels */
        total += n;
        n = (n + NODE_SIZE - 1) / NODE_SIZE;
    } while (n > 1 && total);
    total += 1;
    s->boxes = malloc(4 * total * sizeof *s->boxes);
    s->ref = malloc(total * sizeof *s->ref);
    if (!s->boxes || !s->ref || index_leaves(s, boxes) != GIS_OK) {
        rtree_free(s);
        *out = NULL;
        return GIS_ERR_NOMEM;
    }
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
