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
    "  user     users, roles and tokens (user add|list|revoke|token)\n"
    "  history  a feature's versions and audited changes\n"
    "  revert   undo one audited change as a new one\n"
    "  names    the gazetteer: pinyin, corrections, checks, search, export/import\n"
    "  division coverage check and division operations (transfer, rename, recode)\n"
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

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} COMMANDS[] = {
    {"import", cli_import}, {"serve", cli_serve}, {"coverage", cli_coverage},
    {"site", cli_site},     {"plan", cli_plan},   {"tiles", cli_tiles},
    {"audit", cli_audit},   {"user", cli_user},   {"history", cli_history},
    {"revert", cli_revert}, {"names", cli_names}, {"division", cli_division},
};

int main(int argc, char **argv)
{
    size_t i;

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
    for (i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (!strcmp(argv[1], COMMANDS[i].name))
            return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "civgis: '%s' is not a command\n\n%s", argv[1], USAGE);
    return CLI_USAGE;
}
