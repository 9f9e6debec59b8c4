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

static int run(const char *verb, const struct opts *o, struct store *st, struct gis_error *err)
{
    char token[AUTH_TOKEN_MAX], by[80];
    struct division_code scope = {0};
    enum auth_role role;
    enum gis_status rc;
    int code;

    if (!strcmp(verb, "list"))
        return accounts_each(st, print_one, NULL, err) == GIS_OK ? CLI_OK : CLI_FAILURE;
    if (!strcmp(verb, "add")) {
        code = check_add(o, &role, &scope, err);
        if (code != CLI_OK)
            return code;
        rc = auth_user_add(st, o->name, role, o->scope ? scope.code : NULL, actor(by, sizeof by),
                           token, err);
    } else if (!strcmp(verb, "token")) {
        rc = auth_token_renew(st, o->name, actor(by, sizeof by), token, err);
    } else {
        rc = auth_revoke(st, o->name, actor(by, sizeof by), err);
        token[0] = '\0';
    }
    if (rc != GIS_OK)
        return CLI_FAILURE;
    if (token[0])
        puts(token);
    return CLI_OK;
}

static bool is_verb(const char *verb)
{
    static const char *const verbs[] = {"add", "list", "revoke", "token"};
    size_t i;

    for (i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!strcmp(verb, verbs[i]))
            return true;
    return false;
}

int cli_user(int argc, char **argv)
{
    struct opts o = {0};
    struct store *st = NULL;
    struct gis_error err = {0};
    const char *verb = argc > 1 ? argv[1] : "";
    bool is_known = is_verb(verb);
    int code;

    if (!strcmp(verb, "--help") || !strcmp(verb, "-h"))
        return fputs(USAGE, stdout), CLI_OK;
    if (!is_known)
        return fprintf(stderr, "civgis user: '%s' is not add, list, revoke or token\n\n%s", verb,
                       USAGE),
               CLI_USAGE;
    code = parse_args(argc - 1, argv + 1, &o, !strcmp(verb, "add"));
    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if ((o.name == NULL) != !strcmp(verb, "list")) {
        fprintf(stderr, "civgis user %s: %s\n\n%s", verb,
                o.name ? "takes no NAME" : "needs a user NAME", USAGE);
        return CLI_USAGE;
    }
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
