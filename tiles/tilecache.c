/*
 * LRU tile cache: a chained hash table over a doubly linked recency list.
 */
#include "tilecache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmtnum.h"
#include "hash.h"
#include "tile.h"

struct entry {
    char *key; /* tileset|z|x|y */
    int z;
    int64_t x, y;
    uint64_t tag;
    unsigned char *data; /* n bytes of tile, then gz_n of its gzip form */
    size_t n, gz_n;
    struct entry *prev, *next; /* recency: head is the most recent */
    struct entry *chain;       /* hash bucket */
};

struct tilecache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t n_buckets;
    struct entry *head, *tail;
    size_t bytes, max_bytes, entries;
    uint64_t hits, misses, invalidated, epoch;
};

enum gis_status tilecache_new(size_t max_bytes, struct tilecache **out)
{
    struct tilecache *c = calloc(1, sizeof *c);

    if (!c)
        return GIS_ERR_NOMEM;
    c->n_buckets = 4096;
    c->buckets = calloc(c->n_buckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return GIS_ERR_NOMEM;
    }
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return GIS_OK;
}

static void entry_free(struct entry *e)
{
    if (e) {
        free(e->key);
        free(e->data);
        free(e);
    }
}

void tilecache_free(struct tilecache *c)
{
    struct entry *e, *next;

    if (!c)
        return;
    for (e = c->head; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct entry **slot(struct tilecache *c, const char *key)
{
    struct entry **p = &c->buckets[hash_str(key) & (c->n_buckets - 1)];

    while (*p && strcmp((*p)->key, key))
        p = &(*p)->chain;
    return p;
}

static void unlink_entry(struct tilecache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct tilecache *c, struct entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void evict(struct tilecache *c, struct entry *e)
{
    struct entry **p = slot(c, e->key);

    *p = e->chain;
    unlink_entry(c, e);
    c->bytes -= e->n + e->gz_n + strlen(e->key);
    c->entries--;
    entry_free(e);
}

#define KEY_TEXT_SIZE 256

/* "tileset|z|x|y" into buf (KEY_TEXT_SIZE bytes), the tileset cut short when it would
 * not fit beside the numbers (three of at most 20 bytes, their bars and the NUL). */
static char *key_text(const struct tilecache_key *k, char buf[KEY_TEXT_SIZE])
{
    size_t n = strlen(k->tileset), room = KEY_TEXT_SIZE - 64;
    char *p = buf;

    if (n > room)
        n = room;
    memcpy(p, k->tileset, n);
    p += n;
    *p++ = '|';
    p = fmtnum_i64(p, k->z);
    *p++ = '|';
    p = fmtnum_i64(p, k->x);
    *p++ = '|';
    p = fmtnum_i64(p, k->y);
    *p = '\0';
    return buf;
}

bool tilecache_get(struct tilecache *c,
                   const struct tilecache_key *k,
                   bool want_gzip,
                   struct gbuf *out,
                   struct tilecache_hit *h)
{
    char key[KEY_TEXT_SIZE];
    struct entry *e;
    bool hit;

    key_text(k, key);
    pthread_mutex_lock(&c->lock);
    e = *slot(c, key);
    hit = e != NULL;
    if (hit) {
        unlink_entry(c, e);
        push_front(c, e);
        c->hits++;
        h->tag = e->tag;
        h->is_gzip = want_gzip && e->gz_n;
        if (h->is_gzip)
            gbuf_append(out, e->data + e->n, e->gz_n);
        else if (e->n)
            gbuf_append(out, e->data, e->n);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

uint64_t tilecache_epoch(struct tilecache *c)
{
    uint64_t e;

    pthread_mutex_lock(&c->lock);
    e = c->epoch;
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* A new entry holding a copy of t under key (NULL when out of memory). */
static struct entry *
entry_new(const char *key, const struct tilecache_key *k, const struct tilecache_tile *t)
{
    struct entry *e = calloc(1, sizeof *e);
    size_t gz_n = t->gz ? t->gz_n : 0;

    if (!e || !(e->key = strdup(key)) || !(e->data = malloc(t->n + gz_n + 1))) {
        entry_free(e);
        return NULL;
    }
    if (t->n)
        memcpy(e->data, t->data, t->n);
    if (gz_n)
        memcpy(e->data + t->n, t->gz, gz_n);
    e->n = t->n;
    e->gz_n = gz_n;
    e->z = k->z;
    e->x = k->x;
    e->y = k->y;
    e->tag = t->tag;
    return e;
}

void tilecache_put(struct tilecache *c,
                   const struct tilecache_key *k,
                   const struct tilecache_tile *t,
                   uint64_t epoch)
{
    char key[KEY_TEXT_SIZE];
    size_t cost = t->n + (t->gz ? t->gz_n : 0) + strlen(key_text(k, key));
    struct entry *e;

    if (cost > c->max_bytes || !(e = entry_new(key, k, t)))
        return;
    pthread_mutex_lock(&c->lock);
    if (epoch != c->epoch) { /* rendered from data an edit has since changed */
        pthread_mutex_unlock(&c->lock);
        entry_free(e);
        return;
    }
    if (*slot(c, key))
        evict(c, *slot(c, key));
    while (c->bytes + cost > c->max_bytes && c->tail)
        evict(c, c->tail);
    e->chain = *slot(c, key);
    *slot(c, key) = e;
    push_front(c, e);
    c->bytes += cost;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
}

static bool tile_meets(const struct entry *e, const double (*boxes)[4], size_t n, double margin)
{
    double b[4], pad;
    size_t i;

    tile_bounds_3857(e->z, e->x, e->y, b);
    pad = (b[2] - b[0]) * margin;
    for (i = 0; i < n; i++)
        if (boxes[i][0] <= b[2] + pad && b[0] - pad <= boxes[i][2] && boxes[i][1] <= b[3] + pad &&
            b[1] - pad <= boxes[i][3])
            return true;
    return false;
}

/* Whether e is a tile of one of the n tilesets (NULL: any). */
static bool is_of(const struct entry *e, const char *const *tilesets, size_t n)
{
    size_t i;

    for (i = 0; tilesets && i < n; i++) {
        size_t len = strlen(tilesets[i]);
        if (!strncmp(e->key, tilesets[i], len) && e->key[len] == '|')
            return true;
    }
    return !tilesets;
}

size_t tilecache_invalidate(struct tilecache *c,
                            const char *const *tilesets,
                            size_t n_tilesets,
                            const double (*boxes)[4],
                            size_t n,
                            double margin)
{
    struct entry *e, *next;
    size_t dropped = 0;

    pthread_mutex_lock(&c->lock);
    c->epoch++;
    for (e = c->head; e; e = next) {
        next = e->next;
        if (is_of(e, tilesets, n_tilesets) && tile_meets(e, boxes, n, margin)) {
            evict(c, e);
            dropped++;
        }
    }
    c->invalidated += dropped;
    pthread_mutex_unlock(&c->lock);
    return dropped;
}

void tilecache_stats(struct tilecache *c, struct tilecache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    out->hits = c->hits;
    out->misses = c->misses;
    out->invalidated = c->invalidated;
    out->bytes = c->bytes;
    out->entries = c->entries;
    pthread_mutex_unlock(&c->lock);
}
