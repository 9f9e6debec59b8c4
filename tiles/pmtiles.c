/*
 * PMTiles v3 writer (see pmtiles.h). Directories are varint columns (ids as deltas, run
 * lengths, lengths, offsets with 0 for "right after the previous"), gzip-compressed; when
 * the root would not fit in the first 16 KiB beside the header, entries move to leaf
 * directories that the root points at. Identical consecutive tiles share one copy (a
 * run length), as empty ocean does in world tilesets.
 */
#include "pmtiles.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gbuf.h"
#include "tile.h"

#define HEADER_LEN    127
#define ROOT_MAX      (16384 - HEADER_LEN)
#define COMPRESS_GZIP 2
#define TYPE_MVT      1

struct entry {
    uint64_t tile_id;
    uint64_t offset; /* in the tile data section */
    uint32_t length;
    uint32_t run_length; /* 0: a leaf directory */
};

struct tile {
    uint64_t id;
    unsigned char *data;
    size_t len;
};

struct pmtiles_writer {
    struct tile *tiles;
    size_t n, cap;
};

/* ---------------------------------------------------------------- tile ids */

uint64_t pmtiles_tile_id(int z, uint64_t x, uint64_t y)
{
    uint64_t acc = 0;
    int a;

    for (a = 0; a < z; a++)
        acc += (uint64_t)1 << (2 * a);
    return acc + tile_hilbert(z, x, y);
}

/* ---------------------------------------------------------------- writer */

enum gis_status pmtiles_writer_new(struct pmtiles_writer **out)
{
    struct pmtiles_writer *w = calloc(1, sizeof *w);

    if (!w)
        return GIS_ERR_NOMEM;
    *out = w;
    return GIS_OK;
}

void pmtiles_writer_free(struct pmtiles_writer *w)
{
    size_t i;

    if (!w)
        return;
    for (i = 0; i < w->n; i++)
        free(w->tiles[i].data);
    free(w->tiles);
    free(w);
}

enum gis_status
pmtiles_add(struct pmtiles_writer *w, int z, uint64_t x, uint64_t y, const void *data, size_t len)
{
    struct tile *t;

    if (len > UINT32_MAX)
        return GIS_ERR_TOO_LARGE;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        struct tile *v = realloc(w->tiles, cap * sizeof *v);
        if (!v)
            return GIS_ERR_NOMEM;
        w->tiles = v;
        w->cap = cap;
    }
    t = &w->tiles[w->n];
    t->data = malloc(len ? len : 1);
    if (!t->data)
        return GIS_ERR_NOMEM;
    memcpy(t->data, data, len);
    t->len = len;
    t->id = pmtiles_tile_id(z, x, y);
    w->n++;
    return GIS_OK;
}

static int cmp_tile(const void *a, const void *b)
{
    const struct tile *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* ---------------------------------------------------------------- encoding */

static void put_varint(struct gbuf *b, uint64_t v)
{
    unsigned char buf[10];
    size_t n = 0;

    do {
        buf[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    gbuf_append(b, (const char *)buf, n);
}

/* Appends the gzip of in to out. */
static enum gis_status gzip_into(const unsigned char *in, size_t len, struct gbuf *out)
{
    struct gbuf z;
    enum gis_status rc = gbuf_gzip(in, len, 9, &z);

    if (rc == GIS_OK)
        rc = gbuf_append(out, z.data, z.len);
    gbuf_free(&z);
    return rc;
}

/* A directory of entries, compressed, into out. */
static enum gis_status encode_dir(const struct entry *e, size_t n, struct gbuf *out)
{
    struct gbuf raw;
    size_t i;
    enum gis_status rc;

    gbuf_init(&raw, (size_t)1 << 30);
    put_varint(&raw, n);
    for (i = 0; i < n; i++)
        put_varint(&raw, e[i].tile_id - (i ? e[i - 1].tile_id : 0));
    for (i = 0; i < n; i++)
        put_varint(&raw, e[i].run_length);
    for (i = 0; i < n; i++)
        put_varint(&raw, e[i].length);
    for (i = 0; i < n; i++) {
        bool is_next = i > 0 && e[i].offset == e[i - 1].offset + e[i - 1].length;
        put_varint(&raw, is_next ? 0 : e[i].offset + 1);
    }
    rc = gbuf_status(&raw);
    if (rc == GIS_OK)
        rc = gzip_into((const unsigned char *)raw.data, raw.len, out);
    gbuf_free(&raw);
    return rc;
}

/* Root and leaves: everything in the root if it fits, else leaves of `per_leaf` entries
 * (doubling until the root fits). */
static enum gis_status
directories(const struct entry *e, size_t n, struct gbuf *root, struct gbuf *leaves)
{
    size_t per_leaf = 4096, i;
    enum gis_status rc = encode_dir(e, n, root);

    while (rc == GIS_OK && root->len > ROOT_MAX) {
        size_t n_leaves = (n + per_leaf - 1) / per_leaf;
        struct entry *top = calloc(n_leaves, sizeof *top);
        if (!top)
            return GIS_ERR_NOMEM;
        gbuf_reset(root);
        gbuf_reset(leaves);
        for (i = 0; rc == GIS_OK && i < n_leaves; i++) {
            size_t from = i * per_leaf, count = n - from < per_leaf ? n - from : per_leaf;
            size_t at = leaves->len;
            rc = encode_dir(e + from, count, leaves);
            top[i] = (struct entry){e[from].tile_id, at, (uint32_t)(leaves->len - at), 0};
        }
        if (rc == GIS_OK)
            rc = encode_dir(top, n_leaves, root);
        free(top);
        per_leaf *= 2;
    }
    return rc;
}

/* Entries over the sorted tiles, with identical neighbours folded into runs; the tile
 * data section into data. Returns how many entries. */
static size_t
entries(struct pmtiles_writer *w, struct entry *e, struct gbuf *data, uint64_t *out_contents)
{
    size_t i, n = 0;
    uint64_t contents = 0;

    for (i = 0; i < w->n; i++) {
        struct tile *t = &w->tiles[i];
        struct entry *last = n ? &e[n - 1] : NULL;
        if (last && last->tile_id + last->run_length == t->id && last->length == t->len &&
            !memcmp(w->tiles[i - 1].data, t->data, t->len)) {
            last->run_length++;
            continue;
        }
        e[n++] = (struct entry){t->id, data->len, (uint32_t)t->len, 1};
        gbuf_append(data, (const char *)t->data, t->len);
        contents++;
    }
    *out_contents = contents;
    return n;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_i32(unsigned char *p, double deg)
{
    int32_t v = (int32_t)lround(deg * 1e7);
    uint32_t u = (uint32_t)v;
    int i;

    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

struct sections {
    struct gbuf root, meta, leaves, data;
    uint64_t n_entries, n_contents;
};

static void header(const struct sections *s,
                   const struct pmtiles_info *info,
                   uint64_t addressed,
                   unsigned char h[HEADER_LEN])
{
    uint64_t off = HEADER_LEN;

    memset(h, 0, HEADER_LEN);
    memcpy(h, "PMTiles", 7);
    h[7] = 3;
    put_u64(h + 8, off);
    put_u64(h + 16, s->root.len);
    put_u64(h + 24, off += s->root.len);
    put_u64(h + 32, s->meta.len);
    put_u64(h + 40, off += s->meta.len);
    put_u64(h + 48, s->leaves.len);
    put_u64(h + 56, off += s->leaves.len);
    put_u64(h + 64, s->data.len);
    put_u64(h + 72, addressed);
    put_u64(h + 80, s->n_entries);
    put_u64(h + 88, s->n_contents);
    h[96] = 1; /* clustered */
    h[97] = COMPRESS_GZIP;
    h[98] = COMPRESS_GZIP;
    h[99] = TYPE_MVT;
    h[100] = (unsigned char)info->min_zoom;
    h[101] = (unsigned char)info->max_zoom;
    put_i32(h + 102, info->bounds[0]);
    put_i32(h + 106, info->bounds[1]);
    put_i32(h + 110, info->bounds[2]);
    put_i32(h + 114, info->bounds[3]);
    h[118] = (unsigned char)info->center_zoom;
    put_i32(h + 119, info->center[0]);
    put_i32(h + 123, info->center[1]);
}

static enum gis_status
build(struct pmtiles_writer *w, const struct pmtiles_info *info, struct sections *s)
{
    struct entry *e = malloc((w->n ? w->n : 1) * sizeof *e);
    const char *meta = info->metadata_json ? info->metadata_json : "{}";
    size_t n;
    enum gis_status rc;

    if (!e)
        return GIS_ERR_NOMEM;
    qsort(w->tiles, w->n, sizeof *w->tiles, cmp_tile);
    n = entries(w, e, &s->data, &s->n_contents);
    s->n_entries = n;
    rc = gbuf_status(&s->data);
    if (rc == GIS_OK)
        rc = directories(e, n, &s->root, &s->leaves);
    if (rc == GIS_OK)
        rc = gzip_into((const unsigned char *)meta, strlen(meta), &s->meta);
    free(e);
    return rc;
}

/* An empty section has no buffer at all: nothing to write, and fwrite must not see NULL. */
static bool put(FILE *f, const void *data, size_t len)
{
    return !len || fwrite(data, 1, len, f) == len;
}

enum gis_status pmtiles_write(struct pmtiles_writer *w,
                              const struct pmtiles_info *info,
                              FILE *f,
                              struct gis_error *err)
{
    struct sections s;
    unsigned char h[HEADER_LEN];
    enum gis_status rc;

    memset(&s, 0, sizeof s);
    gbuf_init(&s.root, (size_t)1 << 30);
    gbuf_init(&s.meta, (size_t)1 << 24);
    gbuf_init(&s.leaves, (size_t)1 << 31);
    gbuf_init(&s.data, (size_t)1 << 34);
    rc = build(w, info, &s);
    if (rc == GIS_OK) {
        header(&s, info, w->n, h);
        if (!put(f, h, HEADER_LEN) || !put(f, s.root.data, s.root.len) ||
            !put(f, s.meta.data, s.meta.len) || !put(f, s.leaves.data, s.leaves.len) ||
            !put(f, s.data.data, s.data.len))
            rc = gis_fail(err, GIS_ERR_IO, "cannot write the archive");
    } else {
        rc = gis_fail(err, rc, "cannot build the archive (out of memory?)");
    }
    gbuf_free(&s.root);
    gbuf_free(&s.meta);
    gbuf_free(&s.leaves);
    gbuf_free(&s.data);
    return rc;
}
