/* libFuzzer harness: the site-selection inputs (OR-Library graphs and CSV points) on any
 * bytes, then a short solve of what parsed (p-median on the graph, MCLP on the points).
 * The first byte picks the format. Invariants: no crash or leak; failures say why;
 * parsed distances are finite or infinite but never negative; answers obey p. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "site.h"
#include "site_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void solve(const struct site_instance *in, enum site_problem pb)
{
    struct site_options o = {.problem = pb, .seed = 1, .time_limit_s = 0.05};
    struct site_result r;
    struct gis_error err = {0};

    if (site_solve(in, &o, &r, &err) != GIS_OK) {
        FUZZ_CHECK(err.msg[0]);
        return;
    }
    FUZZ_CHECK(r.n_open <= in->p);
    site_result_free(&r);
}

static void orlib(const char *text, size_t len)
{
    struct site_instance in = {0};
    struct gis_error err = {0};
    double *w;
    size_t n, p, i;
    float *d;

    if (strtol(text, NULL, 10) > 60) /* keep the n x n matrix small */
        return;
    if (site_orlib_parse(text, len, &n, &p, &d, &err) != GIS_OK) {
        FUZZ_CHECK(err.msg[0]);
        return;
    }
    for (i = 0; i < n * n; i++)
        FUZZ_CHECK(d[i] >= 0);
    w = malloc(n * sizeof *w);
    for (i = 0; w && i < n; i++)
        w[i] = 1;
    in = (struct site_instance){.n = n, .m = n, .weight = w, .dist = d, .p = p};
    if (w)
        solve(&in, SITE_PMEDIAN);
    free(w);
    free(d);
}

static void points(const char *text, size_t len)
{
    struct site_points pts;
    struct site_cover c;
    struct gis_error err = {0};

    if (site_points_parse(text, len, &pts, &err) != GIS_OK) {
        FUZZ_CHECK(err.msg[0]);
        return;
    }
    if (pts.n <= 50 && site_cover_from_points(&PLAN_METRIC_PLANAR, pts.xy, pts.n, pts.xy, pts.n, 10,
                                              &c, NULL) == GIS_OK) {
        struct site_instance in = {.n = pts.n,
                                   .m = pts.n,
                                   .weight = pts.weight,
                                   .cover = &c,
                                   .p = 2,
                                   .cost = pts.cost,
                                   .budget = 5,
                                   .capacity = pts.capacity};
        solve(&in, SITE_MCLP);
        site_cover_free(&c);
    }
    site_points_free(&pts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    text = fuzz_text(data, size);
    if (!text)
        return 0;
    if (data[0] & 1)
        orlib(text, size - 1);
    else
        points(text, size - 1);
    free(text);
    return 0;
}
