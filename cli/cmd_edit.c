/*
 * civgis history and civgis revert (app/editor): a feature's versions and audited
 * changes, and the undoing of one audited change as a new one. A revert from the command
 * line acts as the administrator "cli:LOGIN" (whoever can write the file can change it
 * anyway); it goes through the same write path and rules as an HTTP edit.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "editor.h"
#include "store.h"

static const char HISTORY_USAGE[] =
    "usage: civgis history --db FILE COLLECTION FID\n"
    "\n"
    "Lists a feature's stored versions (divisions; places have one) and every audited\n"
    "change of it, oldest first, one per line, tab-separated:\n"
    "  version  VALID_FROM  VALID_TO|-  REASON\n"
    "  change   AUDIT_ID  TIME  USER  ACTION  REASON\n"
    "COLLECTION is divisions, counties, townships, villages, places or facilities.\n";

static const char REVERT_USAGE[] =
    "usage: civgis revert --db FILE AUDIT_ID [--reason TEXT]\n"
    "\n"
    "Undoes the change audit row AUDIT_ID records (see civgis audit or civgis history) as a\n"
    "new audited change: a create by a delete, a delete by re-creating, any other change by\n"
    "restoring the feature as it was (for a division: a new version from today). Refused\n"
    "when a later change of the same feature depends on it, or when the restored feature\n"
    "breaks a rule today. Acts as the administrator cli:LOGIN.\n";

struct opts {
    const char *db, *reason;
    const char *args[3];
    int n_args;
};

static int parse(int argc, char **argv, const char *usage, bool has_reason, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"reason", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'd')
            o->db = optarg;
        else if (ch == 'r' && has_reason)
            o->reason = optarg;
        else if (ch == 'h')
            return fputs(usage, stdout), -1;
        else
            return fputs(usage, stderr), CLI_USAGE;
    }
    while (optind < argc && o->n_args < 3)
        o->args[o->n_args++] = argv[optind++];
    if (!o->db || optind < argc) {
        fprintf(stderr, "%s", usage);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void print_history(const struct editor_history *h)
{
    size_t i;

    for (i = 0; i < h->n_versions; i++)
        printf("version\t%s\t%s\t%s\n", h->versions[i].valid_from,
               h->versions[i].valid_to[0] ? h->versions[i].valid_to : "-", h->versions[i].reason);
    for (i = 0; i < h->n_changes; i++)
        printf("change\t%lld\t%s\t%s\t%s\t%s\n", (long long)h->changes[i].audit_id,
               h->changes[i].at, h->changes[i].user, h->changes[i].action, h->changes[i].reason);
}

int cli_history(int argc, char **argv)
{
    struct opts o = {0};
    struct store *st = NULL;
    struct editor_history *h = NULL;
    struct gis_error err = {0};
    int code = parse(argc, argv, HISTORY_USAGE, false, &o);

    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if (o.n_args != 2) {
        fprintf(stderr, "civgis history: needs COLLECTION and FID\n\n%s", HISTORY_USAGE);
        return CLI_USAGE;
    }
    if (store_open(o.db, STORE_READ_ONLY, &st, &err) != GIS_OK ||
        editor_history(st, o.args[0], o.args[1], &h, &err) != GIS_OK) {
        cli_report("history", &err);
        store_close(st);
        return CLI_FAILURE;
    }
    print_history(h);
    editor_history_free(h);
    store_close(st);
    return CLI_OK;
}

static void report_problems(const struct edit_problems *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        fprintf(stderr, "  %s%s%s\n", p->items[i].property, p->items[i].property[0] ? ": " : "",
                p->items[i].msg);
    if (p->n_omitted)
        fprintf(stderr, "  ... and %zu more\n", p->n_omitted);
}

static bool audit_id(const char *text, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (end == text || *end || errno || v <= 0)
        return false;
    *out = v;
    return true;
}

static int revert(const struct opts *o, int64_t id)
{
    struct auth_identity who = {.role = AUTH_ADMIN};
    struct passwd *pw = getpwuid(geteuid());
    struct editor *ed = NULL;
    struct editor_result out;
    struct edit_problems problems;
    struct gis_error err = {0};
    enum gis_status rc;

    snprintf(who.name, sizeof who.name, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
    rc = editor_open(o->db, &ed, &err);
    if (rc == GIS_OK)
        rc = editor_revert(ed, &who, id, o->reason, &out, &problems, &err);
    editor_close(ed);
    if (rc == GIS_ERR_REJECTED) {
        fprintf(stderr,
                "civgis: revert: the restored feature breaks %zu rule(s); nothing "
                "changed:\n",
                problems.n + problems.n_omitted);
        report_problems(&problems);
        return CLI_FAILURE;
    }
    if (rc != GIS_OK) {
        cli_report("revert", &err);
        return CLI_FAILURE;
    }
    printf("reverted audit %lld: %s %s\n", (long long)id, out.fid,
           out.exists ? "restored" : "deleted");
    return CLI_OK;
}

int cli_revert(int argc, char **argv)
{
    struct opts o = {0};
    int64_t id;
    int code = parse(argc, argv, REVERT_USAGE, true, &o);

    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if (o.n_args != 1 || !audit_id(o.args[0], &id)) {
        fprintf(stderr, "civgis revert: needs one AUDIT_ID (a positive number)\n\n%s",
                REVERT_USAGE);
        return CLI_USAGE;
    }
    return revert(&o, id);
}
