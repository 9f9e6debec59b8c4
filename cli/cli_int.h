/*
 * The subcommands of the civgis executable, shared only inside cli/.
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
#ifndef CIVGIS_CLI_INT_H
#define CIVGIS_CLI_INT_H

#include <stdbool.h>

#include "status.h"

enum cli_exit {
    CLI_OK = 0,
    CLI_FAILURE = 1,
    CLI_USAGE = 2,
};

int cli_import(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_coverage(int argc, char **argv);
int cli_site(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_tiles(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_history(int argc, char **argv);
int cli_revert(int argc, char **argv);
int cli_names(int argc, char **argv);
int cli_division(int argc, char **argv);

/* Parses s as a number in [lo, hi] (a whole one if is_whole); false when it is not. */
bool cli_number(const char *s, double lo, double hi, bool is_whole, double *out);

/* Prints "civgis: CONTEXT: message" on stderr. */
void cli_report(const char *context, const struct gis_error *err);

#endif
