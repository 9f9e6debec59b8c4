/*
 * civgis: the command-line entry point. Dispatches to one file per subcommand.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "log.h"
#include "version.h"

static const char USAGE[] =
    "usage: civgis [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "Civil-affairs planning GIS over one SpatiaLite database.\n"
    "\n"
    "commands:\n"
    "  import   load divisions, places, facilities or demand from any OGR source\n"
    "  serve    serve the database over HTTP (OGC API)\n"
    "  coverage who is out of reach of which facilities\n"
    "  site     where new facilities should go (MCLP, LSCP, p-median, p-center)\n"
    "  plan     run a plan file of site selections; coverage before and after\n"
    "  tiles    export a tileset as MBTiles or PMTiles (tiles export ...)\n"
    "  audit    the audit log: who changed what, when and why\n"
    "  names    the gazetteer: pinyin, corrections, checks, search, export/import\n"
    "\n"
    "Run 'civgis COMMAND --help' for a command's options.\n"
    "Exit codes: 0 success, 1 failure, 2 usage error.\n";

bool cli_number(const char *s, double lo, double hi, bool is_whole, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi ||
        (is_whole && v != floor(v)))
        return false;
    *out = v;
    return true;
}

void cli_report(const char *context, const struct gis_error *err)
{
    fprintf(stderr, "civgis: %s: %s\n", context, err && err->msg[0] ? err->msg : "failed");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(USAGE, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("civgis %s\n", CIVGIS_VERSION);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "import"))
        return cli_import(argc - 1, argv + 1);
    if (!strcmp(argv[1], "serve"))
        return cli_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "coverage"))
        return cli_coverage(argc - 1, argv + 1);
    if (!strcmp(argv[1], "site"))
        return cli_site(argc - 1, argv + 1);
    if (!strcmp(argv[1], "plan"))
        return cli_plan(argc - 1, argv + 1);
    if (!strcmp(argv[1], "tiles"))
        return cli_tiles(argc - 1, argv + 1);
    if (!strcmp(argv[1], "audit"))
        return cli_audit(argc - 1, argv + 1);
    if (!strcmp(argv[1], "names"))
        return cli_names(argc - 1, argv + 1);
    fprintf(stderr, "civgis: '%s' is not a command\n\n%s", argv[1], USAGE);
    return CLI_USAGE;
}
