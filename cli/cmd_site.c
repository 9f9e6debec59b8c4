/*
 * civgis site: where new facilities should go (MCLP, LSCP, p-median, p-center), from
 * the database, an OR-Library graph or CSV points. See app/site_run.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "site_render.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis site --problem mclp|lscp|pmedian|pcenter [source] [options]\n"
    "\n"
    "sources (one):\n"
    "  --db FILE --kind KIND   demand points of the database; candidates from\n"
    "                          --candidates villages|rural|communities|townships;\n"
    "                          operating facilities of KIND stay open and count\n"
    "  --orlib-pmed FILE       an OR-Library p-median graph (p from the file)\n"
    "  --demand CSV --candidates-csv CSV   id,x,y[,weight] and id,x,y[,cost,capacity]\n"
    "\n"
    "options:\n"
    "  --candidates-within CODE   only candidates whose code starts with CODE\n"
    "  --within CODE       only demand points and candidates in that division\n"
    "  --no-existing       existing facilities do not count (a relocation)\n"
    "  --force ID[,ID]     candidates that must be chosen (counted in p)\n"
    "  --forbid ID[,ID]    candidates never chosen\n"
    "  --p N               new sites (LSCP: ignored)\n"
    "  --radius M          reach in metres (MCLP, LSCP; default: the kind's standard)\n"
    "  --weight FIELD      demand weight (default elderly_60plus)\n"
    "  --planar            CSV coordinates are metres (default lon/lat, geodesic)\n"
    "  --sphere            CSV lon/lat on a sphere (R 6,378,100 m; the MCLP benchmarks')\n"
    "  --capacity N        capacity of each new site (single-source assignment)\n"
    "  --budget B          total cost of new sites at most B\n"
    "  --per-county MIN[:MAX]   new sites per county\n"
    "  --exclude KIND:M    no candidate within M metres of facilities of KIND\n"
    "  --exact             solve the MIP with GLPK (time-limited)\n"
    "  --time-limit S      seconds (default 30)\n"
    "  --gap G             stop once the certified relative gap is at most G (e.g. 0.005)\n"
    "  --seed N            random seed (default 1)\n"
    "  --searches N        heuristic searches at once, seeds N.. (default 2, 1 to 8)\n"
    "  --format json|geojson   summary (default) or the chosen sites\n"
    "  --save-scenario NAME    store the answer as a scenario (planned facilities)\n"
    "  --out FILE          write there instead of stdout\n";

struct opts {
    const char *db, *format, *out, *orlib, *dcsv, *ccsv;
    struct site_params p;
};

static bool read_file(const char *path, const char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, got;

    if (!f)
        return false;
    do {
        if (len + 65536 > cap) {
            char *b = realloc(buf, cap = len + 65536 + cap);
            if (!b)
                break;
            buf = b;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    *out = buf;
    *out_len = len;
    return buf != NULL;
}

static int bad(const char *opt, const char *v)
{
    fprintf(stderr, "civgis site: %s '%s' is not valid\n", opt, v);
    return CLI_USAGE;
}

static int quota(struct opts *o, const char *v)
{
    char *colon = strchr(v, ':');
    double lo, hi = -1;

    if (colon) {
        *colon = 0;
        if (!cli_number(colon + 1, 0, 1e6, true, &hi))
            return bad("--per-county", v);
    }
    if (!cli_number(v, 0, 1e6, true, &lo))
        return bad("--per-county", v);
    o->p.per_county_min = (int)lo;
    o->p.per_county_max = (int)hi;
    return CLI_OK;
}

static int exclude(struct opts *o, char *v)
{
    char *colon = strrchr(v, ':');

    if (!colon || !cli_number(colon + 1, 1e-9, 4e7, false, &o->p.exclude_m))
        return bad("--exclude", v);
    *colon = 0;
    o->p.exclude_kinds = v;
    return CLI_OK;
}

static int option(struct opts *o, int ch, char *v)
{
    double x;

    switch (ch) {
    case 'P':
        return site_problem_parse(v, &o->p.problem) ? CLI_OK : bad("--problem", v);
    case 'd':
        o->db = v;
        return CLI_OK;
    case 'k':
        o->p.kinds = v;
        return CLI_OK;
    case 'C':
        o->p.candidates = v;
        return CLI_OK;
    case 'w':
        o->p.weight = v;
        return CLI_OK;
    case 'O':
        o->orlib = v;
        return CLI_OK;
    case 'D':
        o->dcsv = v;
        return CLI_OK;
    case 'c':
        o->ccsv = v;
        return CLI_OK;
    case 'l':
        o->p.is_planar = true;
        return CLI_OK;
    case 'x':
        o->p.is_exact = true;
        return CLI_OK;
    case 'f':
        o->format = v;
        return CLI_OK;
    case 'o':
        o->out = v;
        return CLI_OK;
    case 'S':
        o->p.save_name = v;
        return CLI_OK;
    case 'B':
        o->p.is_sphere = true;
        return CLI_OK;
    case 'W':
        o->p.within = v;
        return CLI_OK;
    case 'V':
        o->p.candidates_within = v;
        return CLI_OK;
    case 'F':
        o->p.force = v;
        return CLI_OK;
    case 'X':
        o->p.forbid = v;
        return CLI_OK;
    case 'N':
        o->p.skip_existing = true;
        return CLI_OK;
    case 'q':
        return quota(o, v);
    case 'e':
        return exclude(o, v);
    case 'p':
        if (!cli_number(v, 1, 1e7, true, &x))
            return bad("--p", v);
        o->p.p = (size_t)x;
        return CLI_OK;
    case 'r':
        return cli_number(v, 1e-9, 4e7, false, &o->p.radius_m) ? CLI_OK : bad("--radius", v);
    case 'a':
        return cli_number(v, 1e-9, 1e15, false, &o->p.capacity) ? CLI_OK : bad("--capacity", v);
    case 'b':
        return cli_number(v, 1e-9, 1e15, false, &o->p.budget) ? CLI_OK : bad("--budget", v);
    case 'g':
        return cli_number(v, 0, 1, false, &o->p.gap) ? CLI_OK : bad("--gap", v);
    case 't':
        return cli_number(v, 1e-3, 1e6, false, &o->p.time_limit_s) ? CLI_OK
                                                                   : bad("--time-limit", v);
    case 's':
        if (!cli_number(v, 0, 9e15, true, &x))
            return bad("--seed", v);
        o->p.seed = (uint64_t)x;
        return CLI_OK;
    case 'j':
        if (!cli_number(v, 1, 8, true, &x))
            return bad("--searches", v);
        o->p.searches = (size_t)x;
        return CLI_OK;
    case 'h':
        fputs(USAGE, stdout);
        return -1;
    default:
        fputs(USAGE, stderr);
        return CLI_USAGE;
    }
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"problem", required_argument, NULL, 'P'},
        {"db", required_argument, NULL, 'd'},
        {"kind", required_argument, NULL, 'k'},
        {"candidates", required_argument, NULL, 'C'},
        {"weight", required_argument, NULL, 'w'},
        {"orlib-pmed", required_argument, NULL, 'O'},
        {"demand", required_argument, NULL, 'D'},
        {"candidates-csv", required_argument, NULL, 'c'},
        {"planar", no_argument, NULL, 'l'},
        {"exact", no_argument, NULL, 'x'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"save-scenario", required_argument, NULL, 'S'},
        {"per-county", required_argument, NULL, 'q'},
        {"exclude", required_argument, NULL, 'e'},
        {"p", required_argument, NULL, 'p'},
        {"radius", required_argument, NULL, 'r'},
        {"capacity", required_argument, NULL, 'a'},
        {"budget", required_argument, NULL, 'b'},
        {"within", required_argument, NULL, 'W'},
        {"candidates-within", required_argument, NULL, 'V'},
        {"no-existing", no_argument, NULL, 'N'},
        {"sphere", no_argument, NULL, 'B'},
        {"force", required_argument, NULL, 'F'},
        {"forbid", required_argument, NULL, 'X'},
        {"gap", required_argument, NULL, 'g'},
        {"time-limit", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"searches", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch, rc = CLI_OK;
    bool has_problem = false;

    o->format = "json";
    o->p.seed = 1;
    o->p.per_county_min = o->p.per_county_max = -1;
    optind = 1;
    while (rc == CLI_OK && (ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        has_problem |= ch == 'P';
        rc = option(o, ch, optarg);
    }
    if (rc != CLI_OK)
        return rc;
    if (!has_problem || optind < argc) {
        fprintf(stderr, "civgis site: --problem is required\n\n%s", USAGE);
        return CLI_USAGE;
    }
    if (strcmp(o->format, "json") && strcmp(o->format, "geojson"))
        return bad("--format", o->format);
    return CLI_OK;
}

static enum gis_status load_inputs(struct opts *o, struct gis_error *err)
{
    if (o->orlib && !read_file(o->orlib, &o->p.orlib, &o->p.orlib_len))
        return gis_fail(err, GIS_ERR_IO, "cannot read '%s': %s", o->orlib, strerror(errno));
    if (o->dcsv && !read_file(o->dcsv, &o->p.demand_csv, &o->p.demand_len))
        return gis_fail(err, GIS_ERR_IO, "cannot read '%s': %s", o->dcsv, strerror(errno));
    if (o->ccsv && !read_file(o->ccsv, &o->p.cand_csv, &o->p.cand_len))
        return gis_fail(err, GIS_ERR_IO, "cannot read '%s': %s", o->ccsv, strerror(errno));
    return GIS_OK;
}

static enum gis_status run(struct opts *op, struct gis_error *err)
{
    struct opts o = *op;
    struct store *st = NULL;
    FILE *f = stdout;
    enum gis_status rc = GIS_OK;

    if (o.db)
        rc = store_upgrade(o.db, NULL, err); /* an older store: its one write */
    if (o.db && rc == GIS_OK)
        rc = store_open(o.db, o.p.save_name ? STORE_READ_WRITE : STORE_READ_ONLY, &st, err);
    if (rc == GIS_OK && o.out && !(f = fopen(o.out, "w")))
        rc = gis_fail(err, GIS_ERR_IO, "cannot write '%s': %s", o.out, strerror(errno));
    if (rc == GIS_OK)
        rc = site_render_run(st, &o.p, strcmp(o.format, "geojson") ? SITE_SUMMARY : SITE_GEOJSON, f,
                             err);
    if (f && f != stdout && fclose(f) != 0 && rc == GIS_OK)
        rc = gis_fail(err, GIS_ERR_IO, "cannot write '%s'", o.out);
    store_close(st);
    return rc;
}

int cli_site(int argc, char **argv)
{
    struct opts o;
    struct gis_error err = {0};
    enum gis_status rc;
    int prc;

    memset(&o, 0, sizeof o);
    prc = parse_args(argc, argv, &o);
    if (prc != CLI_OK)
        return prc < 0 ? CLI_OK : prc;
    rc = load_inputs(&o, &err);
    if (rc == GIS_OK)
        rc = run(&o, &err);
    free((void *)o.p.orlib);
    free((void *)o.p.demand_csv);
    free((void *)o.p.cand_csv);
    if (rc != GIS_OK) {
        cli_report("site", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}
