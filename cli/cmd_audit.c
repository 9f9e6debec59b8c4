/*
 * civgis audit: the audit log of a database, oldest first: who changed what, when and
 * why. Filters by user and target; --count prints only how many rows match, which is
 * what scripts (the Makefile's guard against rebuilding an edited database) ask.
 * Reads through gis/store; writes nothing.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis audit --db FILE [--user U] [--not-user U] [--target T] [--count]\n"
    "                    [--format text|json]\n"
    "\n"
    "Lists the audit log, oldest first: id, time (UTC), user, action, target[/id], reason.\n"
    "\n"
    "options:\n"
    "  --db FILE        the database (opened read-only)\n"
    "  --user U         only rows written by U\n"
    "  --not-user U     only rows written by anyone but U (e.g. make-data: the changes\n"
    "                   made after the shipped import)\n"
    "  --target T       only rows on T (divisions, facilities, scenarios, ...)\n"
    "  --count          print only the number of matching rows\n"
    "  --format F       text (default) or json (an array of rows)\n"
    "  -h, --help       this text\n";

struct opts {
    const char *db;
    struct store_audit_filter filter;
    bool is_count, is_json;
};

struct listing {
    const struct opts *o;
    uint64_t n;
    cJSON *rows;
};

static void add_text(cJSON *obj, const char *name, const char *value)
{
    if (value)
        cJSON_AddStringToObject(obj, name, value);
    else
        cJSON_AddNullToObject(obj, name);
}

static enum gis_status on_row(void *ctx, const struct store_audit_row *row, struct gis_error *err)
{
    struct listing *l = ctx;
    cJSON *obj;

    l->n++;
    if (l->o->is_count)
        return GIS_OK;
    if (!l->o->is_json) {
        printf("%" PRId64 "\t%s\t%s\t%s\t%s%s%s\t%s\n", row->id, row->at, row->user, row->action,
               row->target, row->target_id ? "/" : "", row->target_id ? row->target_id : "",
               row->reason ? row->reason : "");
        return GIS_OK;
    }
    obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddItemToArray(l->rows, obj)) {
        cJSON_Delete(obj);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    cJSON_AddNumberToObject(obj, "id", (double)row->id);
    add_text(obj, "at", row->at);
    add_text(obj, "user", row->user);
    add_text(obj, "action", row->action);
    add_text(obj, "target", row->target);
    add_text(obj, "target_id", row->target_id);
    add_text(obj, "reason", row->reason);
    return GIS_OK;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},       {"user", required_argument, NULL, 'u'},
        {"not-user", required_argument, NULL, 'n'}, {"target", required_argument, NULL, 't'},
        {"count", no_argument, NULL, 'c'},          {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int ch;

    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->db = optarg;
            break;
        case 'u':
            o->filter.user = optarg;
            break;
        case 'n':
            o->filter.not_user = optarg;
            break;
        case 't':
            o->filter.target = optarg;
            break;
        case 'c':
            o->is_count = true;
            break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "civgis audit: --format '%s' is not text or json\n", optarg);
                return CLI_USAGE;
            }
            o->is_json = !strcmp(optarg, "json");
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        default:
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    if (!o->db || optind < argc) {
        fprintf(stderr, "civgis audit: --db is required and takes no other arguments\n\n%s", USAGE);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int print_json(cJSON *rows)
{
    char *text = cJSON_PrintUnformatted(rows);

    if (!text) {
        fprintf(stderr, "civgis audit: out of memory\n");
        return CLI_FAILURE;
    }
    puts(text);
    cJSON_free(text);
    return CLI_OK;
}

int cli_audit(int argc, char **argv)
{
    struct opts o = {0};
    struct listing l = {&o, 0, NULL};
    struct store *st = NULL;
    struct gis_error err = {0};
    int code = parse_args(argc, argv, &o);

    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if (o.is_json && !o.is_count && !(l.rows = cJSON_CreateArray())) {
        fprintf(stderr, "civgis audit: out of memory\n");
        return CLI_FAILURE;
    }
    if (store_open(o.db, STORE_READ_ONLY, &st, &err) != GIS_OK ||
        store_audit_each(st, &o.filter, on_row, &l, &err) != GIS_OK) {
        cli_report("audit", &err);
        code = CLI_FAILURE;
    } else if (o.is_count) {
        printf("%" PRIu64 "\n", l.n);
    } else if (l.rows) {
        code = print_json(l.rows);
    }
    store_close(st);
    cJSON_Delete(l.rows);
    return code;
}
