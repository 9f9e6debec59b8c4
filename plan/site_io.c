/*
 * The text inputs of site selection. OR-Library graphs become distance matrices by
 * Dijkstra from every node (a binary heap; the graphs are sparse), CSV lines become
 * point arrays. Nothing here trusts its input: sizes are capped, numbers checked.
 */
#include "site_io.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES  20000
#define MAX_POINTS 5000000
#define MAX_FIELDS 16

/* ---------------------------------------------------------------- numbers */

struct cursor {
    const char *p, *end;
    size_t line;
};

static void skip_space(struct cursor *c)
{
    while (c->p < c->end && isspace((unsigned char)*c->p)) {
        c->line += *c->p == '\n';
        c->p++;
    }
}

static bool read_long(struct cursor *c, long lo, long hi, long *out)
{
    char buf[32];
    size_t k = 0;
    char *end;
    long v;

    skip_space(c);
    while (c->p < c->end && !isspace((unsigned char)*c->p) && k < sizeof buf - 1)
        buf[k++] = *c->p++;
    buf[k] = 0;
    if (!k)
        return false;
    errno = 0;
    v = strtol(buf, &end, 10);
    if (*end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------- OR-Library */

struct edge {
    uint32_t to;
    float w;
};

struct heap {
    uint32_t *node;
    float *key;
    size_t n;
};

static void heap_push(struct heap *h, uint32_t v, float key)
{
    size_t k = h->n++;

    while (k && h->key[(k - 1) / 2] > key) {
        h->node[k] = h->node[(k - 1) / 2];
        h->key[k] = h->key[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    h->node[k] = v;
    h->key[k] = key;
}

static uint32_t heap_pop(struct heap *h, float *key)
{
    uint32_t top = h->node[0], last = h->node[--h->n];
    float lk = h->key[h->n];
    size_t k = 0;

    *key = h->key[0];
    for (;;) {
        size_t a = 2 * k + 1, b = a + 1, s = a;
        if (a >= h->n)
            break;
        if (b < h->n && h->key[b] < h->key[a])
            s = b;
        if (h->key[s] >= lk)
            break;
        h->node[k] = h->node[s];
        h->key[k] = h->key[s];
        k = s;
    }
    if (h->n) {
        h->node[k] = last;
        h->key[k] = lk;
    }
    return top;
}

static void dijkstra(
    const size_t *start, const struct edge *adj, size_t n, size_t src, float *row, struct heap *h)
{
    size_t k;

    for (k = 0; k < n; k++)
        row[k] = INFINITY;
    row[src] = 0;
    h->n = 0;
    heap_push(h, (uint32_t)src, 0);
    while (h->n) {
        float d;
        uint32_t v = heap_pop(h, &d);
        if (d > row[v])
            continue;
        for (k = start[v]; k < start[v + 1]; k++)
            if (d + adj[k].w < row[adj[k].to]) {
                row[adj[k].to] = d + adj[k].w;
                heap_push(h, adj[k].to, row[adj[k].to]);
            }
    }
}

/* The edge list with later repeats overwriting earlier ones, as adjacency (CSR). */
static enum gis_status
read_edges(struct cursor *c, size_t n, size_t n_edges, float *mat, struct gis_error *err)
{
    size_t e;

    for (e = 0; e < n * n; e++)
        mat[e] = -1;
    for (e = 0; e < n_edges; e++) {
        long i, j, w;
        if (!read_long(c, 1, (long)n, &i) || !read_long(c, 1, (long)n, &j) ||
            !read_long(c, 0, 100000000, &w))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "line %zu: expected edge 'i j cost'",
                            c->line + 1);
        mat[(size_t)(i - 1) * n + (size_t)(j - 1)] = (float)w;
        mat[(size_t)(j - 1) * n + (size_t)(i - 1)] = (float)w;
    }
    return GIS_OK;
}

/* The adjacency lists (CSR) of a matrix of edge costs (< 0: no edge). */
static size_t *adjacency(const float *mat, size_t n, struct edge **out_adj)
{
    size_t *start = calloc(n + 1, sizeof *start), i, j, k = 0;
    struct edge *adj;

    for (i = 0; start && i < n * n; i++)
        start[i / n + 1] += mat[i] >= 0 && i / n != i % n;
    for (i = 0; start && i < n; i++)
        start[i + 1] += start[i];
    adj = start ? malloc((start[n] + 1) * sizeof *adj) : NULL;
    for (i = 0; adj && i < n; i++)
        for (j = 0; j < n; j++)
            if (mat[i * n + j] >= 0 && i != j)
                adj[k++] = (struct edge){(uint32_t)j, mat[i * n + j]};
    if (!adj) {
        free(start);
        return NULL;
    }
    *out_adj = adj;
    return start;
}

static enum gis_status all_pairs(float *mat, size_t n, float **out, struct gis_error *err)
{
    struct edge *adj = NULL;
    size_t *start = adjacency(mat, n, &adj), i;
    struct heap h = {NULL, NULL, 0};
    float *dist = malloc(n * n * sizeof *dist);
    enum gis_status rc = GIS_OK;

    /* A node enters the heap once per improving edge, so edges + 1 entries suffice. */
    h.node = start ? malloc((start[n] + 1) * sizeof *h.node) : NULL;
    h.key = start ? malloc((start[n] + 1) * sizeof *h.key) : NULL;
    if (!start || !h.node || !h.key || !dist) {
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory for the graph");
        goto cleanup;
    }
    for (i = 0; i < n; i++)
        dijkstra(start, adj, n, i, dist + i * n, &h);
    for (i = 0; i < n; i++)
        if (isinf(dist[i])) {
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "the graph is not connected (node %zu)", i + 1);
            goto cleanup;
        }
    *out = dist;
    dist = NULL;
cleanup:
    free(start);
    free(adj);
    free(h.node);
    free(h.key);
    free(dist);
    return rc;
}

enum gis_status site_orlib_parse(const char *text,
                                 size_t len,
                                 size_t *out_n,
                                 size_t *out_p,
                                 float **out_dist,
                                 struct gis_error *err)
{
    struct cursor c = {text, text + len, 0};
    long n, e, p;
    float *mat, *dist = NULL;
    enum gis_status rc;

    if (!read_long(&c, 1, MAX_NODES, &n) || !read_long(&c, 0, 100000000, &e) ||
        !read_long(&c, 1, n, &p))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "expected an OR-Library header 'nodes edges p' (1 <= p <= nodes <= %d)",
                        MAX_NODES);
    if ((size_t)e > len / 6 + 1)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the file is shorter than its %ld edges", e);
    mat = malloc((size_t)n * (size_t)n * sizeof *mat);
    if (!mat)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory for the graph");
    rc = read_edges(&c, (size_t)n, (size_t)e, mat, err);
    if (rc == GIS_OK)
        rc = all_pairs(mat, (size_t)n, &dist, err);
    free(mat);
    if (rc != GIS_OK)
        return rc;
    *out_n = (size_t)n;
    *out_p = (size_t)p;
    *out_dist = dist;
    return GIS_OK;
}

/* ---------------------------------------------------------------- CSV */

enum column {
    COL_ID,
    COL_X,
    COL_Y,
    COL_WEIGHT,
    COL_COST,
    COL_CAPACITY,
    COL_NONE
};

static enum column column_of(const char *name)
{
    static const char *const names[] = {"id", "x", "y", "weight", "cost", "capacity"};
    size_t k;

    for (k = 0; k < 6; k++)
        if (!strcasecmp(name, names[k]))
            return (enum column)k;
    return COL_NONE;
}

/* Splits one line into at most MAX_FIELDS fields (no quoting: ids are plain). */
static size_t split(char *line, char **fields)
{
    size_t n = 0;
    char *p = line;

    for (;;) {
        char *comma = strchr(p, ',');
        if (n < MAX_FIELDS)
            fields[n] = p;
        n++;
        if (!comma)
            break;
        *comma = 0;
        p = comma + 1;
    }
    return n;
}

static void trim(char *s)
{
    size_t n = strlen(s);

    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    if (isspace((unsigned char)*s))
        memmove(s, s + strspn(s, " \t"), strlen(s + strspn(s, " \t")) + 1);
}

void site_points_free(struct site_points *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; p->id && i < p->n; i++)
        free(p->id[i]);
    free(p->id);
    free(p->xy);
    free(p->weight);
    free(p->cost);
    free(p->capacity);
    memset(p, 0, sizeof *p);
}

struct csv {
    int where[6]; /* field index of each column, -1 absent */
    size_t n_fields;
    size_t cap;
    struct site_points pts;
};

static enum gis_status read_header(struct csv *cv, char *line, struct gis_error *err)
{
    char *f[MAX_FIELDS];
    size_t k, n = split(line, f);

    if (n > MAX_FIELDS)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the header has more than %d columns",
                        MAX_FIELDS);
    for (k = 0; k < 6; k++)
        cv->where[k] = -1;
    for (k = 0; k < n; k++) {
        enum column col;
        trim(f[k]);
        col = column_of(f[k]);
        if (col != COL_NONE && cv->where[col] < 0)
            cv->where[col] = (int)k;
    }
    if (cv->where[COL_ID] < 0 || cv->where[COL_X] < 0 || cv->where[COL_Y] < 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the CSV header must name id, x and y");
    cv->n_fields = n;
    return GIS_OK;
}

static bool number(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool grow(struct csv *cv)
{
    struct site_points *p = &cv->pts;
    size_t cap = cv->cap ? cv->cap * 2 : 256;
    char **id = realloc(p->id, cap * sizeof *id);
    double *xy = id ? realloc(p->xy, 2 * cap * sizeof *xy) : NULL;
    double *w = xy ? realloc(p->weight, cap * sizeof *w) : NULL;
    double *c = w ? realloc(p->cost, cap * sizeof *c) : NULL;
    double *k = c ? realloc(p->capacity, cap * sizeof *k) : NULL;

    if (id)
        p->id = id;
    if (xy)
        p->xy = xy;
    if (w)
        p->weight = w;
    if (c)
        p->cost = c;
    if (k)
        p->capacity = k;
    if (!k)
        return false;
    cv->cap = cap;
    return true;
}

static enum gis_status read_row(struct csv *cv, char *line, size_t lineno, struct gis_error *err)
{
    struct site_points *p = &cv->pts;
    char *f[MAX_FIELDS];
    double v[6] = {0, 0, 0, 1, 1, 0};
    size_t k, n = split(line, f);

    if (n != cv->n_fields)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "line %zu: %zu fields, the header has %zu",
                        lineno, n, cv->n_fields);
    for (k = COL_X; k <= COL_CAPACITY; k++)
        if (cv->where[k] >= 0 && !number(f[cv->where[k]], &v[k]))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "line %zu: '%s' is not a number", lineno,
                            f[cv->where[k]]);
    if (v[COL_WEIGHT] < 0 || v[COL_COST] < 0 || v[COL_CAPACITY] < 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "line %zu: weight, cost and capacity must be >= 0", lineno);
    if (p->n >= MAX_POINTS)
        return gis_fail(err, GIS_ERR_TOO_LARGE, "more than %d points", MAX_POINTS);
    if (p->n == cv->cap && !grow(cv))
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    trim(f[cv->where[COL_ID]]);
    p->id[p->n] = strdup(f[cv->where[COL_ID]]);
    if (!p->id[p->n])
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    p->xy[2 * p->n] = v[COL_X];
    p->xy[2 * p->n + 1] = v[COL_Y];
    p->weight[p->n] = v[COL_WEIGHT];
    p->cost[p->n] = v[COL_COST];
    p->capacity[p->n] = v[COL_CAPACITY];
    p->n++;
    return GIS_OK;
}

static enum gis_status
read_lines(struct csv *cv, const char *text, size_t len, struct gis_error *err)
{
    const char *p = text, *end = text + len;
    size_t lineno = 0;
    enum gis_status rc = GIS_OK;
    bool has_header = false;

    while (rc == GIS_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = strndup(p, n);
        lineno++;
        p += n + 1;
        if (!line)
            return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
        if (strlen(line) != n) {
            rc = gis_fail(err, GIS_ERR_INVALID_ARG, "line %zu: a NUL byte", lineno);
        } else {
            trim(line);
            if (*line)
                rc = has_header ? read_row(cv, line, lineno, err) : read_header(cv, line, err);
            has_header |= *line != 0;
        }
        free(line);
    }
    if (rc == GIS_OK && !has_header)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "the CSV is empty");
    return rc;
}

enum gis_status
site_points_parse(const char *text, size_t len, struct site_points *out, struct gis_error *err)
{
    struct csv cv;
    enum gis_status rc;

    memset(&cv, 0, sizeof cv);
    rc = read_lines(&cv, text, len, err);
    if (rc != GIS_OK) {
        site_points_free(&cv.pts);
        return rc;
    }
    if (cv.where[COL_COST] < 0) {
        free(cv.pts.cost);
        cv.pts.cost = NULL;
    }
    if (cv.where[COL_CAPACITY] < 0) {
        free(cv.pts.capacity);
        cv.pts.capacity = NULL;
    }
    *out = cv.pts;
    return GIS_OK;
}
