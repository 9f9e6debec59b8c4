/*
 * String set with linear probing and FNV-1a hashing; grows at 50% load.
 */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct strset {
    char **slots;
    size_t cap; /* power of two */
    size_t count;
};

enum gis_status strset_new(struct strset **out)
{
    struct strset *s = calloc(1, sizeof *s);

    if (!s)
        return GIS_ERR_NOMEM;
    s->cap = 64;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return GIS_ERR_NOMEM;
    }
    *out = s;
    return GIS_OK;
}

void strset_free(struct strset *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    free(s);
}

static size_t find_slot(char **slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_str(key) & (cap - 1);

    while (slots[i] && strcmp(slots[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static enum gis_status grow(struct strset *s)
{
    size_t cap = s->cap * 2, i;
    char **slots = calloc(cap, sizeof *slots);

    if (!slots)
        return GIS_ERR_NOMEM;
    for (i = 0; i < s->cap; i++)
        if (s->slots[i])
            slots[find_slot(slots, cap, s->slots[i])] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return GIS_OK;
}

enum gis_status strset_add(struct strset *s, const char *key, bool *out_added)
{
    size_t i;
    char *copy;

    if ((s->count + 1) * 2 > s->cap && grow(s) != GIS_OK)
        return GIS_ERR_NOMEM;
    i = find_slot(s->slots, s->cap, key);
    if (s->slots[i]) {
        if (out_added)
            *out_added = false;
        return GIS_OK;
    }
    copy = strdup(key);
    if (!copy)
        return GIS_ERR_NOMEM;
    s->slots[i] = copy;
    s->count++;
    if (out_added)
        *out_added = true;
    return GIS_OK;
}

bool strset_has(const struct strset *s, const char *key)
{
    return s->slots[find_slot(s->slots, s->cap, key)] != NULL;
}

size_t strset_count(const struct strset *s)
{
    return s->count;
}
