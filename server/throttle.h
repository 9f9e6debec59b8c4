/*
 * The bad-token throttle: how many requests with a token that names nobody each client
 * address sent in the current window. Past the limit the address is refused (429, with
 * Retry-After) until its window ends, so guessing tokens is slowed to a bounded rate
 * without holding a worker thread. A fixed table of slots, the stalest reused first:
 * an attacker cycling addresses only evicts its own slots. No HTTP: addresses are text.
 *
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef CIVGIS_THROTTLE_H
#define CIVGIS_THROTTLE_H

#include "status.h"

struct throttle;

/* out: a throttle allowing max_failures bad tokens per address in window_s seconds. */
enum gis_status throttle_new(unsigned max_failures, unsigned window_s, struct throttle **out);
void throttle_free(struct throttle *t);

/* Seconds addr must wait before it may try a token again; 0: it may now. NULL t: 0. */
unsigned throttle_wait_s(struct throttle *t, const char *addr);

/* Counts one bad token from addr. */
void throttle_fail(struct throttle *t, const char *addr);

#endif
