/*
 * civgis import: argument parsing, the progress bar and the summary. The work is
 * gis/import.c's.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "import.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis import --db FILE --target divisions|places|facilities|demand [options] "
    "SOURCE...\n"
    "\n"
    "Reads every SOURCE (any OGR vector format: Shapefile, GeoJSON, GeoPackage, CSV with\n"
    "lon/lat or WKT columns, ...) into the target table, transformed to EPSG:4326. The\n"
    "database is created when missing. One transaction: if any feature is rejected,\n"
    "nothing is written.\n"
    "\n"
    "options:\n"
    "  --db FILE            the SpatiaLite database (created when missing)\n"
    "  --target T           divisions, places, facilities or demand\n"
    "  --layer NAME         the source layer (needed when a source has several)\n"
    "  --map F=SRC,...      take target field F from source field SRC (default: same name)\n"
    "  --default F=V,...    value of F where the source has none\n"
    "  --s-crs CRS          source CRS, overriding the source's own: EPSG:4490, EPSG:4546,\n"
    "                       any PROJ definition, or GCJ02 / BD09 (Chinese web-map offsets)\n"
    "  --encoding ENC       attribute encoding of the source, e.g. GBK (Shapefiles read\n"
    "                       their .cpg by default)\n"
    "  --valid-from DATE    YYYY-MM-DD the imported divisions take effect (default today)\n"
    "  --user NAME          recorded in the audit log (default $USER)\n"
    "  --reason TEXT        recorded in the audit log\n"
    "  --strict             reject invalid geometries instead of repairing them\n"
    "  --skip-rejected      write the acceptable features even if some are rejected\n"
    "  --dry-run            check everything, write nothing\n"
    "  --json               print the summary as JSON\n"
    "  -h, --help           this text\n";

enum {
    OPT_DB = 1000,
    OPT_TARGET,
    OPT_LAYER,
    OPT_MAP,
    OPT_DEFAULT,
    OPT_SCRS,
    OPT_ENCODING,
    OPT_VALID_FROM,
    OPT_USER,
    OPT_REASON,
    OPT_STRICT,
    OPT_SKIP,
    OPT_DRY,
    OPT_JSON,
};

static const struct option OPTIONS[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"target", required_argument, NULL, OPT_TARGET},
    {"layer", required_argument, NULL, OPT_LAYER},
    {"map", required_argument, NULL, OPT_MAP},
    {"default", required_argument, NULL, OPT_DEFAULT},
    {"s-crs", required_argument, NULL, OPT_SCRS},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"valid-from", required_argument, NULL, OPT_VALID_FROM},
    {"user", required_argument, NULL, OPT_USER},
    {"reason", required_argument, NULL, OPT_REASON},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"skip-rejected", no_argument, NULL, OPT_SKIP},
    {"dry-run", no_argument, NULL, OPT_DRY},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct import_cli {
    const char *db;
    const char *target;
    bool is_json;
    struct import_options opt;
};

static void progress_bar(void *ctx, long done, long total)
{
    int width = 40, filled;

    (void)ctx;
    if (total <= 0)
        return;
    filled = (int)((double)done / (double)total * width);
    fprintf(stderr, "\rimporting [%.*s%*s] %ld/%ld", filled,
            "########################################", width - filled, "", done, total);
    if (done >= total)
        fputc('\n', stderr);
}

static int parse_args(int argc, char **argv, struct import_cli *c)
{
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", OPTIONS, NULL)) != -1) {
        switch (ch) {
        case OPT_DB:
            c->db = optarg;
            break;
        case OPT_TARGET:
            c->target = optarg;
            break;
        case OPT_LAYER:
            c->opt.layer = optarg;
            break;
        case OPT_MAP:
            c->opt.map = optarg;
            break;
        case OPT_DEFAULT:
            c->opt.defaults = optarg;
            break;
        case OPT_SCRS:
            c->opt.s_crs = optarg;
            break;
        case OPT_ENCODING:
            c->opt.encoding = optarg;
            break;
        case OPT_VALID_FROM:
            c->opt.valid_from = optarg;
            break;
        case OPT_USER:
            c->opt.user = optarg;
            break;
        case OPT_REASON:
            c->opt.reason = optarg;
            break;
        case OPT_STRICT:
            c->opt.is_strict = true;
            break;
        case OPT_SKIP:
            c->opt.skip_rejected = true;
            break;
        case OPT_DRY:
            c->opt.is_dry_run = true;
            break;
        case OPT_JSON:
            c->is_json = true;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        default:
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static void print_problems(const struct import_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n_problems; i++) {
        const struct import_problem *p = &rep->problems[i];
        fprintf(stderr, "%s:%ld: %s: %s%s%s%s%s\n", p->source, p->feature,
                p->is_repair ? "repaired" : "rejected", p->id, p->id[0] ? ": " : "", p->property,
                p->property[0] ? ": " : "", p->msg);
    }
    if (rep->problems_omitted)
        fprintf(stderr, "... and %ld more\n", rep->problems_omitted);
}

/* The summary as JSON, with every problem listed (source, feature number, id, property,
 * message). */
static void print_json(const struct import_cli *c, const struct import_report *rep, bool ok)
{
    cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray();
    char *text;
    size_t i;

    cJSON_AddBoolToObject(o, "ok", ok);
    cJSON_AddBoolToObject(o, "dry_run", c->opt.is_dry_run);
    cJSON_AddStringToObject(o, "target", import_target_name(c->opt.target));
    cJSON_AddNumberToObject(o, "read", (double)rep->read);
    cJSON_AddNumberToObject(o, "written", ok ? (double)rep->written : 0);
    cJSON_AddNumberToObject(o, "repaired", (double)rep->repaired);
    cJSON_AddNumberToObject(o, "rejected", (double)rep->rejected);
    for (i = 0; i < rep->n_problems; i++) {
        const struct import_problem *p = &rep->problems[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "source", p->source);
        cJSON_AddNumberToObject(item, "feature", (double)p->feature);
        cJSON_AddStringToObject(item, "id", p->id);
        cJSON_AddStringToObject(item, "property", p->property);
        cJSON_AddBoolToObject(item, "repaired", p->is_repair);
        cJSON_AddStringToObject(item, "description", p->msg);
        cJSON_AddItemToArray(list, item);
    }
    cJSON_AddItemToObject(o, "problems", list);
    cJSON_AddNumberToObject(o, "problems_omitted", (double)rep->problems_omitted);
    text = cJSON_PrintUnformatted(o);
    if (text)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
}

static void print_summary(const struct import_cli *c, const struct import_report *rep, bool ok)
{
    if (c->is_json)
        print_json(c, rep, ok);
    else
        printf("%s%s: read %ld, %s %ld, repaired %ld, rejected %ld\n",
               c->opt.is_dry_run ? "dry run: " : "", import_target_name(c->opt.target), rep->read,
               c->opt.is_dry_run ? "would write" : "written", ok ? rep->written : 0, rep->repaired,
               rep->rejected);
}

/* The store to import into. A dry run against a missing file checks against an empty
 * scratch store and creates nothing. */
static enum gis_status
open_target(const struct import_cli *c, struct store **out, struct gis_error *err)
{
    bool is_missing = access(c->db, F_OK) != 0;

    if (c->opt.is_dry_run && is_missing)
        return store_open(":memory:", STORE_CREATE, out, err);
    return store_open(c->db, c->opt.is_dry_run ? STORE_READ_WRITE : STORE_CREATE, out, err);
}

static int check_args(struct import_cli *c, int argc)
{
    if (!c->db || !c->target || optind >= argc) {
        fprintf(stderr, "civgis import: --db, --target and at least one SOURCE are required\n\n%s",
                USAGE);
        return CLI_USAGE;
    }
    if (!import_target_parse(c->target, &c->opt.target)) {
        fprintf(stderr,
                "civgis import: unknown --target '%s' (divisions, places, facilities, demand)\n",
                c->target);
        return CLI_USAGE;
    }
    if (!c->opt.user)
        c->opt.user = getenv("USER") ? getenv("USER") : "cli";
    if (isatty(STDERR_FILENO))
        c->opt.progress = progress_bar;
    return CLI_OK;
}

int cli_import(int argc, char **argv)
{
    struct import_cli c = {0};
    struct import_report *rep = NULL;
    struct gis_error err = {0};
    struct store *st = NULL;
    enum gis_status rc;
    int prc = parse_args(argc, argv, &c);

    if (prc != CLI_OK)
        return prc < 0 ? CLI_OK : prc;
    prc = check_args(&c, argc);
    if (prc != CLI_OK)
        return prc;
    rc = open_target(&c, &st, &err);
    if (rc == GIS_OK) {
        rep = calloc(1, sizeof *rep);
        rc = rep ? GIS_OK : gis_fail(&err, GIS_ERR_NOMEM, "out of memory");
    }
    if (rc == GIS_OK) {
        rc = import_run(st, (const char *const *)argv + optind, (size_t)(argc - optind), &c.opt,
                        rep, &err);
        print_problems(rep);
        if (rep->read || rc == GIS_OK)
            print_summary(&c, rep, rc == GIS_OK);
    }
    store_close(st);
    free(rep);
    if (rc != GIS_OK)
        cli_report("import", &err);
    return rc == GIS_OK ? CLI_OK : CLI_FAILURE;
}
