/*
 * civgis coverage: who is out of reach of which facilities. Loads demand and
 * facilities (gis/), runs plan/coverage with the geodesic metric, aggregates by
 * township, county and city, and writes JSON, GeoJSON or CSV.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "coverage_render.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis coverage --db FILE --kind KIND[,KIND] [options]\n"
    "\n"
    "For every demand point: the nearest facility of the kinds, whether one is within\n"
    "reach (geodesic metres on WGS84), and totals per township, county and city.\n"
    "\n"
    "options:\n"
    "  --db FILE          the database\n"
    "  --kind K[,K]       facility kinds, e.g. mutual_aid_home,township_elderly_home\n"
    "  --status S[,S]     facility statuses counted (default operating)\n"
    "  --scenario ID      also count the facilities that scenario proposes\n"
    "  --radius M         reach in metres for every kind (default: service_standards)\n"
    "  --weight FIELD     unit, population, elderly_60plus (default), poor_households,\n"
    "                     poor_people or assisted_households\n"
    "  --capacity         assign demand nearest-first up to facility capacities\n"
    "  --format F         json (default: the summary), geojson or csv (per point)\n"
    "  --out FILE         write there instead of stdout\n"
    "  --timings          the JSON summary adds seconds_load (reading the store) and\n"
    "                     seconds_compute (the analysis alone)\n"
    "  -h, --help         this text\n";

struct opts {
    const char *db, *format, *out;
    struct coverage_params p;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"kind", required_argument, NULL, 'k'},
        {"status", required_argument, NULL, 's'},
        {"scenario", required_argument, NULL, 'S'},
        {"radius", required_argument, NULL, 'r'},
        {"weight", required_argument, NULL, 'w'},
        {"capacity", no_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"timings", no_argument, NULL, 't'}, /* bench/coverage.sh: compute against compute */
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double v;
    int ch;

    o->p.weight = "elderly_60plus";
    o->format = "json";
    o->p.scenario = -1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->db = optarg;
            break;
        case 'k':
            o->p.kinds = optarg;
            break;
        case 's':
            o->p.statuses = optarg;
            break;
        case 'S':
            if (!cli_number(optarg, 0, 9e15, true, &v)) {
                fprintf(stderr, "civgis coverage: --scenario '%s' is not an id\n", optarg);
                return CLI_USAGE;
            }
            o->p.scenario = (int64_t)v;
            break;
        case 'r':
            if (!cli_number(optarg, 1e-9, 4e7, false, &o->p.radius_m)) {
                fprintf(stderr,
                        "civgis coverage: --radius '%s' is not a positive number of "
                        "metres\n",
                        optarg);
                return CLI_USAGE;
            }
            break;
        case 'w':
            o->p.weight = optarg;
            break;
        case 'c':
            o->p.has_capacity = true;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 't':
            o->p.has_timings = true;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        default:
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    if (!o->db || !o->p.kinds || optind < argc) {
        fprintf(stderr, "civgis coverage: --db and --kind are required\n\n%s", USAGE);
        return CLI_USAGE;
    }
    if (strcmp(o->format, "json") && strcmp(o->format, "geojson") && strcmp(o->format, "csv")) {
        fprintf(stderr, "civgis coverage: --format must be json, geojson or csv\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_coverage(int argc, char **argv)
{
    struct opts o = {0};
    struct gis_error err = {0};
    struct store *st = NULL;
    FILE *f = stdout;
    enum gis_status rc;
    int prc = parse_args(argc, argv, &o);

    if (prc != CLI_OK)
        return prc < 0 ? CLI_OK : prc;
    rc = store_upgrade(o.db, NULL, &err); /* an older store: its one write */
    if (rc == GIS_OK)
        rc = store_open(o.db, STORE_READ_ONLY, &st, &err);
    if (rc == GIS_OK && o.out && !(f = fopen(o.out, "w")))
        rc = gis_fail(&err, GIS_ERR_IO, "cannot write '%s': %s", o.out, strerror(errno));
    if (rc == GIS_OK)
        rc = coverage_render_run(st, &o.p,
                                 !strcmp(o.format, "json")      ? COVERAGE_SUMMARY
                                 : !strcmp(o.format, "geojson") ? COVERAGE_GEOJSON
                                                                : COVERAGE_CSV,
                                 f, &err);
    if (f && f != stdout && fclose(f) != 0 && rc == GIS_OK)
        rc = gis_fail(&err, GIS_ERR_IO, "cannot write '%s'", o.out);
    store_close(st);
    if (rc != GIS_OK) {
        cli_report("coverage", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}
