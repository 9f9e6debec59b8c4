/*
 * civgis user: adds users, lists them, revokes and renews their tokens (app/auth). A new
 * token is the only line on stdout, shown this once; everything else goes to stderr.
 * Each change is audited as done by "cli:LOGIN".
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cli_int.h"
#include "division.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis user add --db FILE NAME --role viewer|planner|officer|admin [--scope CODE]\n"
    "       civgis user list --db FILE\n"
    "       civgis user revoke --db FILE NAME\n"
    "       civgis user token --db FILE NAME\n"
    "\n"
    "add prints the new user's token as the only line on stdout: it is shown once and\n"
    "stored only as a keyed hash. token gives a user a new token (the old one stops\n"
    "working); revoke leaves the user without one. --scope limits an officer's writes to\n"
    "divisions and features inside that division code. Clients send the token as\n"
    "'Authorization: Bearer TOKEN' (or HTTP Basic with any user name and the token as the\n"
    "password).\n";

struct opts {
    const char *db, *name, *role, *scope;
};

static int parse_args(int argc, char **argv, struct opts *o, bool is_add)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"scope", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'd')
            o->db = optarg;
        else if (ch == 'r' && is_add)
            o->role = optarg;
        else if (ch == 's' && is_add)
            o->scope = optarg;
        else if (ch == 'h')
            return fputs(USAGE, stdout), -1;
        else
            return fputs(USAGE, stderr), CLI_USAGE;
    }
    o->name = optind < argc ? argv[optind++] : NULL;
    if (!o->db || optind < argc) {
        fprintf(stderr, "civgis user: --db is required\n\n%s", USAGE);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static const char *actor(char *buf, size_t size)
{
    struct passwd *pw = getpwuid(geteuid());

    snprintf(buf, size, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
    return buf;
}

static enum gis_status print_one(void *ctx, const struct account *a, struct gis_error *err)
{
    (void)ctx;
    (void)err;
    printf("%s\t%s\t%s\t%s\t%s\n", a->name, a->role, a->scope[0] ? a->scope : "-", a->created_at,
           a->is_revoked || !a->has_hash ? "revoked" : a->token_at);
    return GIS_OK;
}

/* A scope in its canonical short form (a zero-padded 12-digit code is accepted). */
static int check_add(const struct opts *o,
                     enum auth_role *role,
                     struct division_code *scope,
                     struct gis_error *err)
{
    if (!o->role || !auth_role_parse(o->role, role)) {
        fprintf(stderr, "civgis user add: --role is viewer, planner, officer or admin\n");
        return CLI_USAGE;
    }
    if (o->scope && division_code_parse(o->scope, scope, err) != GIS_OK) {
        cli_report("user add --scope", err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* add, token or revoke; token gets the new token's text ("" for a revocation). */
static int
change(const char *verb, const struct opts *o, struct store *st, char *token, struct gis_error *err)
{
    struct division_code scope = {0};
    enum auth_role role;
    char by[80];
    int code;

    token[0] = '\0';
    actor(by, sizeof by);
    if (!strcmp(verb, "token"))
        return auth_token_renew(st, o->name, by, token, err) == GIS_OK ? CLI_OK : CLI_FAILURE;
    if (!strcmp(verb, "revoke"))
        return auth_revoke(st, o->name, by, err) == GIS_OK ? CLI_OK : CLI_FAILURE;
    code = check_add(o, &role, &scope, err);
    if (code != CLI_OK)
        return code;
    return auth_user_add(st, o->name, role, o->scope ? scope.code : NULL, by, token, err) == GIS_OK
               ? CLI_OK
               : CLI_FAILURE;
}

static int run(const char *verb, const struct opts *o, struct store *st, struct gis_error *err)
{
    char token[AUTH_TOKEN_MAX];
    int code;

    if (!strcmp(verb, "list"))
        return accounts_each(st, print_one, NULL, err) == GIS_OK ? CLI_OK : CLI_FAILURE;
    code = change(verb, o, st, token, err);
    if (code == CLI_OK && token[0])
        puts(token);
    return code;
}

/* The verb and its arguments; CLI_OK to go on, -1 after --help, else the exit code. */
static int read_command(int argc, char **argv, const char **verb, struct opts *o)
{
    static const char *const VERBS[] = {"add", "list", "revoke", "token"};
    size_t i;
    int code;

    *verb = argc > 1 ? argv[1] : "";
    if (!strcmp(*verb, "--help") || !strcmp(*verb, "-h"))
        return fputs(USAGE, stdout), -1;
    for (i = 0; i < sizeof VERBS / sizeof *VERBS && strcmp(*verb, VERBS[i]); i++)
        ;
    if (i == sizeof VERBS / sizeof *VERBS) {
        fprintf(stderr, "civgis user: '%s' is not add, list, revoke or token\n\n%s", *verb, USAGE);
        return CLI_USAGE;
    }
    code = parse_args(argc - 1, argv + 1, o, !strcmp(*verb, "add"));
    if (code == CLI_OK && (o->name == NULL) != !strcmp(*verb, "list")) {
        fprintf(stderr, "civgis user %s: %s\n\n%s", *verb,
                o->name ? "takes no NAME" : "needs a user NAME", USAGE);
        code = CLI_USAGE;
    }
    return code;
}

int cli_user(int argc, char **argv)
{
    struct opts o = {0};
    struct store *st = NULL;
    struct gis_error err = {0};
    const char *verb;
    int code = read_command(argc, argv, &verb, &o);

    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if (auth_init(&err) != GIS_OK ||
        store_open(o.db, strcmp(verb, "list") ? STORE_READ_WRITE : STORE_READ_ONLY, &st, &err) !=
            GIS_OK) {
        cli_report("user", &err);
        return CLI_FAILURE;
    }
    code = run(verb, &o, st, &err);
    if (code == CLI_FAILURE)
        cli_report(verb, &err);
    store_close(st);
    return code;
}
