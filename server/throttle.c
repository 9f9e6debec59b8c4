/*
 * The bad-token throttle (throttle.h): a table of THROTTLE_SLOTS addresses, each with its
 * failures since the start of its window (CLOCK_MONOTONIC seconds).
 */
#include "throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THROTTLE_SLOTS 1024
#define ADDR_MAX       48 /* an IPv6 address in text, with room */

struct slot {
    char addr[ADDR_MAX];
    unsigned n;
    long since_s; /* the window's start */
};

struct throttle {
    pthread_mutex_t lock;
    unsigned max_failures;
    long window_s;
    struct slot slots[THROTTLE_SLOTS];
};

static long now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec;
}

enum gis_status throttle_new(unsigned max_failures, unsigned window_s, struct throttle **out)
{
    struct throttle *t = calloc(1, sizeof *t);

    if (!t)
        return GIS_ERR_NOMEM;
    pthread_mutex_init(&t->lock, NULL);
    t->max_failures = max_failures;
    t->window_s = (long)window_s;
    *out = t;
    return GIS_OK;
}

void throttle_free(struct throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The slot of addr whose window is still open, or NULL. Called with the lock held. */
static struct slot *find(struct throttle *t, const char *addr, long now)
{
    size_t i;

    for (i = 0; i < THROTTLE_SLOTS; i++) {
        struct slot *s = &t->slots[i];
        if (s->n && now - s->since_s < t->window_s && !strncmp(s->addr, addr, ADDR_MAX))
            return s;
    }
    return NULL;
}

unsigned throttle_wait_s(struct throttle *t, const char *addr)
{
    struct slot *s;
    unsigned wait = 0;
    long now = now_s();

    if (!t || !addr)
        return 0;
    pthread_mutex_lock(&t->lock);
    s = find(t, addr, now);
    if (s && s->n >= t->max_failures)
        wait = (unsigned)(t->window_s - (now - s->since_s));
    pthread_mutex_unlock(&t->lock);
    return wait;
}

void throttle_fail(struct throttle *t, const char *addr)
{
    struct slot *s, *stalest;
    long now = now_s();
    size_t i;

    if (!t || !addr)
        return;
    pthread_mutex_lock(&t->lock);
    s = find(t, addr, now);
    if (!s) {
        /* A free or expired slot, else the one whose window began longest ago. */
        stalest = &t->slots[0];
        for (i = 0; i < THROTTLE_SLOTS; i++) {
            s = &t->slots[i];
            if (!s->n || now - s->since_s >= t->window_s) {
                stalest = s;
                break;
            }
            if (s->since_s < stalest->since_s)
                stalest = s;
        }
        s = stalest;
        snprintf(s->addr, sizeof s->addr, "%s", addr);
        s->n = 0;
        s->since_s = now;
    }
    s->n++;
    pthread_mutex_unlock(&t->lock);
}
