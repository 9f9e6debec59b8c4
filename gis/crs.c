/*
 * CRS transformations through PROJ, with the GCJ-02/BD-09 offsets wrapped around the
 * PROJ step. Owns one PJ_CONTEXT and one PJ per transform; never shares them.
 */
#include "crs.h"

#include <math.h>
#include <proj.h>
#include <stdlib.h>
#include <strings.h>

#include "chinacrs.h"
#include "log.h"

enum offset_system {
    OFFSET_NONE = 0,
    OFFSET_GCJ02,
    OFFSET_BD09,
};

struct crs_transform {
    PJ_CONTEXT *ctx;
    PJ *pj;                  /* NULL when src and dst are the same CRS */
    enum offset_system from; /* offset removed before pj */
    enum offset_system to;   /* offset added after pj */
};

static enum offset_system offset_of(const char *name)
{
    if (!strcasecmp(name, "GCJ02") || !strcasecmp(name, "GCJ-02"))
        return OFFSET_GCJ02;
    if (!strcasecmp(name, "BD09") || !strcasecmp(name, "BD-09"))
        return OFFSET_BD09;
    return OFFSET_NONE;
}

bool crs_is_offset_system(const char *name)
{
    return name && offset_of(name) != OFFSET_NONE;
}

static void proj_to_log(void *data, int level, const char *msg)
{
    (void)data;
    (void)level;
    LOG_DEBUG("proj", "msg=\"%s\"", msg);
}

static enum gis_status
make_pj(struct crs_transform *t, const char *src, const char *dst, struct gis_error *err)
{
    PJ *raw, *norm;

    raw = proj_create_crs_to_crs(t->ctx, src, dst, NULL);
    if (!raw)
        return gis_fail(err, GIS_ERR_PROJ, "cannot transform from '%.80s' to '%.80s': %s", src, dst,
                        proj_context_errno_string(t->ctx, proj_context_errno(t->ctx)));
    norm = proj_normalize_for_visualization(t->ctx, raw);
    proj_destroy(raw);
    if (!norm)
        return gis_fail(err, GIS_ERR_PROJ, "cannot normalise axis order for '%.80s': %s", src,
                        proj_context_errno_string(t->ctx, proj_context_errno(t->ctx)));
    t->pj = norm;
    return GIS_OK;
}

/* Same CRS on both sides when PROJ says the two definitions are equivalent. */
static bool same_crs(PJ_CONTEXT *ctx, const char *a, const char *b)
{
    PJ *pa = proj_create(ctx, a), *pb = proj_create(ctx, b);
    bool same = pa && pb && proj_is_equivalent_to(pa, pb, PJ_COMP_EQUIVALENT);

    proj_destroy(pa);
    proj_destroy(pb);
    return same;
}

enum gis_status crs_transform_new(const char *src,
                                  const char *dst,
                                  struct crs_transform **out,
                                  struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    struct crs_transform *t;
    const char *s, *d;

    if (!src || !dst || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "crs_transform_new: null argument");
    t = calloc(1, sizeof *t);
    if (!t)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    t->ctx = proj_context_create();
    if (!t->ctx) {
        free(t);
        return gis_fail(err, GIS_ERR_NOMEM, "cannot create a PROJ context");
    }
    proj_log_func(t->ctx, NULL, proj_to_log);
    t->from = offset_of(src);
    t->to = offset_of(dst);
    s = t->from ? "EPSG:4326" : src;
    d = t->to ? "EPSG:4326" : dst;
    if (!same_crs(t->ctx, s, d))
        rc = make_pj(t, s, d, err);
    if (rc != GIS_OK) {
        crs_transform_free(t);
        return rc;
    }
    *out = t;
    return GIS_OK;
}

void crs_transform_free(struct crs_transform *t)
{
    if (!t)
        return;
    proj_destroy(t->pj);
    proj_context_destroy(t->ctx);
    free(t);
}

bool crs_transform_is_identity(const struct crs_transform *t)
{
    return !t->pj && t->from == t->to;
}

/* x[i * stride], y[i * stride]: stride 1 for separate arrays, 2 for interleaved. */
static void apply_offset(
    enum offset_system from, enum offset_system to, double *x, double *y, size_t n, size_t stride)
{
    size_t i, k;

    for (i = 0, k = 0; i < n; i++, k += stride) {
        if (from == OFFSET_GCJ02)
            chinacrs_gcj02_to_wgs84(x[k], y[k], &x[k], &y[k]);
        else if (from == OFFSET_BD09)
            chinacrs_bd09_to_wgs84(x[k], y[k], &x[k], &y[k]);
        if (to == OFFSET_GCJ02)
            chinacrs_wgs84_to_gcj02(x[k], y[k], &x[k], &y[k]);
        else if (to == OFFSET_BD09)
            chinacrs_wgs84_to_bd09(x[k], y[k], &x[k], &y[k]);
    }
}

static enum gis_status transform_strided(
    struct crs_transform *t, double *x, double *y, size_t n, size_t stride, struct gis_error *err)
{
    size_t i, k;

    if (t->from == t->to && !t->pj)
        return GIS_OK;
    if (t->from)
        apply_offset(t->from, OFFSET_NONE, x, y, n, stride);
    if (t->pj) {
        proj_errno_reset(t->pj);
        proj_trans_generic(t->pj, PJ_FWD, x, stride * sizeof *x, n, y, stride * sizeof *y, n, NULL,
                           0, 0, NULL, 0, 0);
        for (i = 0, k = 0; i < n; i++, k += stride)
            if (!isfinite(x[k]) || !isfinite(y[k]) || x[k] == HUGE_VAL || y[k] == HUGE_VAL)
                return gis_fail(err, GIS_ERR_PROJ,
                                "point %zu cannot be transformed (outside the CRS's area?)", i + 1);
    }
    if (t->to)
        apply_offset(OFFSET_NONE, t->to, x, y, n, stride);
    return GIS_OK;
}

enum gis_status
crs_transform_points(struct crs_transform *t, double *x, double *y, size_t n, struct gis_error *err)
{
    return transform_strided(t, x, y, n, 1, err);
}

enum gis_status
crs_transform_xy(struct crs_transform *t, double *xy, size_t n, struct gis_error *err)
{
    return transform_strided(t, xy, xy + 1, n, 2, err);
}
