/*
 * civgis division: the coverage check and the division operations (app/division_ops)
 * from the command line. The operations act as the administrator "cli:LOGIN", as
 * civgis revert does (whoever can write the file can change it anyway), through the same
 * write path, group and checks as over HTTP. Results print as JSON on stdout.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_int.h"
#include "division_ops.h"
#include "editor.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis division OP --db FILE [OPTIONS]\n"
    "\n"
    "  validate [CODE]          the coverage check of CODE's subtree (default: everything):\n"
    "                           children valid, their union the parent, no overlaps, every\n"
    "                           village seat inside its township; exit 1 when not clean\n"
    "  transfer-area --from CODE --to CODE --area GEOJSON|@FILE\n"
    "                           the part of FROM inside the area joins TO (villages, codes and\n"
    "                           facilities follow); --may-split lets FROM fall in pieces\n"
    "  rename-division --code CODE --name NAME [--pinyin PINYIN]\n"
    "  recode-division --code CODE --new-code CODE   (children follow the new prefix)\n"
    "  merge-divisions --codes A,B[,...] (--into A | --new-code CODE --name NAME)\n"
    "                           one polygon, the union; the others' children re-coded under\n"
    "                           it, their rows closed\n"
    "  split-division --code CODE (--line GEOJSON|@FILE | --part GEOJSON|@FILE ...)\n"
    "                 --new CODE=NAME ...  one --new per part (by line: west to east); the\n"
    "                           division's own code keeps its row; children go by location\n"
    "\n"
    "operations also take --reason TEXT (required), --approval DOC, --valid-from YYYY-MM-DD\n"
    "(the effective date, default today), --dry-run (everything but the commit: prints what\n"
    "would be written) and --tolerance M (default 1). Each is one audited change; civgis\n"
    "revert AUDIT_ID (the printed audit_id) undoes it as a whole.\n";

struct opts {
    const char *db, *from, *to, *area, *code, *new_code, *name, *pinyin, *codes, *into;
    const char *reason, *approval, *valid_from, *arg;
    bool is_dry_run, may_split, is_json;
    double tol;
    const char *line, *parts[DIVISION_MERGE_MAX], *news[DIVISION_MERGE_MAX];
    size_t n_parts, n_new;
    bool is_too_many;
};

/* --part and --new, given once per part. */
static void repeat(struct opts *o, int ch, const char *arg)
{
    size_t *n = ch == 'P' ? &o->n_parts : &o->n_new;

    if (*n == DIVISION_MERGE_MAX) {
        o->is_too_many = true;
        return;
    }
    (ch == 'P' ? o->parts : o->news)[(*n)++] = arg;
}

/* --dry-run, --may-split, --json. */
static bool flag(struct opts *o, int ch)
{
    bool *f = ch == 'D'   ? &o->is_dry_run
              : ch == 'S' ? &o->may_split
              : ch == 'j' ? &o->is_json
                          : NULL;

    if (f)
        *f = true;
    return f != NULL;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"area", required_argument, NULL, 'a'},
        {"code", required_argument, NULL, 'c'},
        {"new-code", required_argument, NULL, 'C'},
        {"name", required_argument, NULL, 'n'},
        {"pinyin", required_argument, NULL, 'p'},
        {"reason", required_argument, NULL, 'r'},
        {"approval", required_argument, NULL, 'A'},
        {"valid-from", required_argument, NULL, 'v'},
        {"dry-run", no_argument, NULL, 'D'},
        {"may-split", no_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"tolerance", required_argument, NULL, 'T'},
        {"codes", required_argument, NULL, 'L'},
        {"into", required_argument, NULL, 'I'},
        {"line", required_argument, NULL, 'l'},
        {"part", required_argument, NULL, 'P'},
        {"new", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **slot[128] = {0};
    int ch;

    slot['d'] = &o->db, slot['f'] = &o->from, slot['t'] = &o->to, slot['a'] = &o->area;
    slot['c'] = &o->code, slot['C'] = &o->new_code, slot['n'] = &o->name;
    slot['p'] = &o->pinyin, slot['r'] = &o->reason, slot['A'] = &o->approval;
    slot['v'] = &o->valid_from, slot['L'] = &o->codes, slot['I'] = &o->into;
    slot['l'] = &o->line;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch > 0 && ch < 128 && slot[ch])
            *slot[ch] = optarg;
        else if (ch == 'P' || ch == 'N')
            repeat(o, ch, optarg);
        else if (flag(o, ch))
            continue;
        else if (ch == 'T' && cli_number(optarg, 0.001, 1000, false, &o->tol))
            continue;
        else if (ch == 'h')
            return fputs(USAGE, stdout), -1;
        else
            return fputs(USAGE, stderr), CLI_USAGE;
    }
    if (optind < argc)
        o->arg = argv[optind++];
    if (!o->db || optind < argc) {
        fputs(USAGE, stderr);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------- validate */

static cJSON *problem_json(const struct division_problem *p)
{
    cJSON *o = cJSON_CreateObject(), *codes = cJSON_AddArrayToObject(o, "codes");

    cJSON_AddStringToObject(o, "kind", division_problem_kind_name(p->kind));
    cJSON_AddStringToObject(o, "parent", p->parent);
    for (int i = 0; i < 2; i++)
        if (p->codes[i][0])
            cJSON_AddItemToArray(codes, cJSON_CreateString(p->codes[i]));
    cJSON_AddNumberToObject(o, "area_m2", p->area_m2);
    cJSON_AddItemToObject(o, "location", p->geojson ? cJSON_Parse(p->geojson) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "point", cJSON_CreateDoubleArray((double[]){p->lon, p->lat}, 2));
    if (p->detail[0])
        cJSON_AddStringToObject(o, "detail", p->detail);
    return o;
}

static void print_problems(
    const struct division_problems *ps, size_t parents, double ms, double tol, bool is_json)
{
    size_t i;

    if (is_json) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "problems");
        char *text;
        cJSON_AddBoolToObject(o, "ok", ps->n == 0);
        cJSON_AddNumberToObject(o, "parents_checked", (double)parents);
        cJSON_AddNumberToObject(o, "tolerance_m", tol);
        cJSON_AddNumberToObject(o, "elapsed_ms", ms);
        for (i = 0; i < ps->n; i++)
            cJSON_AddItemToArray(arr, problem_json(&ps->items[i]));
        text = cJSON_PrintUnformatted(o);
        puts(text ? text : "{}");
        cJSON_free(text);
        cJSON_Delete(o);
        return;
    }
    for (i = 0; i < ps->n; i++) {
        const struct division_problem *p = &ps->items[i];
        printf("%s\t%s\t%s%s%s\t%.1f m2\t%.6f %.6f\t%s\n", division_problem_kind_name(p->kind),
               p->parent, p->codes[0], p->codes[1][0] ? "," : "", p->codes[1], p->area_m2, p->lon,
               p->lat, p->detail);
    }
    printf("%zu problem(s) in %zu parent(s) checked, tolerance %g m, %.0f ms\n", ps->n, parents,
           tol, ms);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int validate(const struct opts *o)
{
    struct store *st = NULL;
    struct division_problems ps = {0};
    struct gis_error err = {0};
    size_t parents = 0;
    double t0 = now_ms();
    double tol = o->tol > 0 ? o->tol : DIVISION_TOPO_DEFAULT_TOLERANCE_M;
    enum gis_status rc = store_open(o->db, STORE_READ_ONLY, &st, &err);

    if (rc == GIS_OK)
        rc = division_ops_validate(st, o->arg, tol, &ps, &parents, &err);
    store_close(st);
    if (rc != GIS_OK) {
        cli_report("division validate", &err);
        division_problems_clear(&ps);
        return CLI_FAILURE;
    }
    print_problems(&ps, parents, now_ms() - t0, tol, o->is_json);
    rc = ps.n ? GIS_ERR_REJECTED : GIS_OK;
    division_problems_clear(&ps);
    return rc == GIS_OK ? CLI_OK : CLI_FAILURE;
}

/* ---------------------------------------------------------------- operations */

static void print_result(const struct division_op_result *r)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "changes");
    char *text;
    size_t i;

    cJSON_AddBoolToObject(o, "dry_run", r->is_dry_run);
    cJSON_AddNumberToObject(o, "audit_id", (double)r->audit_id);
    cJSON_AddNumberToObject(o, "parents_checked", (double)r->parents_checked);
    cJSON_AddNumberToObject(o, "area_before_m2", r->area_before_m2);
    cJSON_AddNumberToObject(o, "area_after_m2", r->area_after_m2);
    cJSON_AddNumberToObject(o, "moved_area_m2", r->moved_area_m2);
    for (i = 0; i < r->n; i++) {
        const struct division_change *c = &r->items[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "code", c->code);
        cJSON_AddStringToObject(x, "action", c->action);
        if (c->former_code[0])
            cJSON_AddStringToObject(x, "former_code", c->former_code);
        if (c->parent[0])
            cJSON_AddStringToObject(x, "parent", c->parent);
        if (c->name[0])
            cJSON_AddStringToObject(x, "name", c->name);
        if (c->layer[0])
            cJSON_AddStringToObject(x, "layer", c->layer);
        cJSON_AddItemToObject(x, "geometry",
                              c->geojson ? cJSON_Parse(c->geojson) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr, x);
    }
    text = cJSON_PrintUnformatted(o);
    puts(text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(o);
}

/* --area @FILE reads the file. out: malloc'd. */
static char *area_text(const char *arg)
{
    FILE *f;
    char *buf;
    long n;

    if (arg[0] != '@')
        return strdup(arg);
    f = fopen(arg + 1, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = n >= 0 && n < (64L << 20) ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static int finish(enum gis_status rc,
                  const char *op,
                  struct division_op_result *r,
                  const struct edit_problems *p,
                  const struct gis_error *err)
{
    size_t i;

    if (rc == GIS_OK) {
        print_result(r);
        division_op_result_free(r);
        return CLI_OK;
    }
    if (rc == GIS_ERR_REJECTED && p->n) {
        fprintf(stderr, "civgis: division %s: refused, nothing changed:\n", op);
        for (i = 0; i < p->n; i++)
            fprintf(stderr, "  %s%s%s\n", p->items[i].property, p->items[i].property[0] ? ": " : "",
                    p->items[i].msg);
        return CLI_FAILURE;
    }
    fprintf(stderr, "civgis: division %s: %s\n", op, err->msg[0] ? err->msg : "failed");
    return CLI_FAILURE;
}

/* --codes A,B,...: the list split in place (text is a copy). */
static size_t split_codes(char *text, const char **out, size_t max)
{
    size_t n = 0;
    char *p = text;

    while (p && *p && n < max) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        out[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return p && *p ? max + 1 : n; /* more than max: refused */
}

static enum gis_status merge(struct editor *ed,
                             const struct auth_identity *who,
                             const struct division_op_common *c,
                             const struct opts *o,
                             struct division_op_result **r,
                             struct edit_problems *p,
                             struct gis_error *err)
{
    const char *codes[DIVISION_MERGE_MAX + 1];
    char *text = o->codes ? strdup(o->codes) : NULL;
    struct division_merge_input in = {*c, codes, 0, o->into, o->new_code, o->name};
    enum gis_status rc;

    if (!text)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "merge-divisions needs --codes A,B,...");
    in.n_codes = split_codes(text, codes, DIVISION_MERGE_MAX);
    rc = division_ops_merge(ed, who, &in, r, p, err);
    free(text);
    return rc;
}

/* split-division's texts: the line or parts read (@FILE), each --new split at '='. */
struct split_texts {
    char *line, *parts[DIVISION_MERGE_MAX], *news[DIVISION_MERGE_MAX];
    struct division_new nw[DIVISION_MERGE_MAX];
};

static void split_texts_free(struct split_texts *x)
{
    size_t i;

    free(x->line);
    for (i = 0; i < DIVISION_MERGE_MAX; i++) {
        free(x->parts[i]);
        free(x->news[i]);
    }
}

static enum gis_status
split_read(const struct opts *o, struct split_texts *x, struct gis_error *err)
{
    size_t i;

    if (o->is_too_many)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "at most %d parts", DIVISION_MERGE_MAX);
    if (o->line && !(x->line = area_text(o->line)))
        return gis_fail(err, GIS_ERR_IO, "cannot read %s", o->line);
    for (i = 0; i < o->n_parts; i++)
        if (!(x->parts[i] = area_text(o->parts[i])))
            return gis_fail(err, GIS_ERR_IO, "cannot read %s", o->parts[i]);
    for (i = 0; i < o->n_new; i++) {
        char *eq;
        if (!(x->news[i] = strdup(o->news[i])) || !(eq = strchr(x->news[i], '=')))
            return gis_fail(err, GIS_ERR_INVALID_ARG, "--new CODE=NAME, not '%s'", o->news[i]);
        *eq = '\0';
        x->nw[i] = (struct division_new){x->news[i], eq + 1};
    }
    return GIS_OK;
}

static enum gis_status split(struct editor *ed,
                             const struct auth_identity *who,
                             const struct division_op_common *c,
                             const struct opts *o,
                             struct division_op_result **r,
                             struct edit_problems *p,
                             struct gis_error *err)
{
    struct split_texts x;
    struct division_split_input in = {*c, o->code, NULL, NULL, o->n_parts, NULL, o->n_new};
    enum gis_status rc;

    memset(&x, 0, sizeof x);
    rc = split_read(o, &x, err);
    in.line = x.line;
    in.parts = o->n_parts ? (const char *const *)x.parts : NULL;
    in.news = x.nw;
    if (rc == GIS_OK)
        rc = division_ops_split(ed, who, &in, r, p, err);
    split_texts_free(&x);
    return rc;
}

static int operate(const char *op, const struct opts *o)
{
    struct auth_identity who = {.role = AUTH_ADMIN};
    struct passwd *pw = getpwuid(geteuid());
    struct division_op_common c = {o->reason, o->approval, o->valid_from, o->is_dry_run, o->tol};
    struct division_op_result *r = NULL;
    struct edit_problems p = {0};
    struct gis_error err = {0};
    struct editor *ed = NULL;
    char *area = NULL;
    enum gis_status rc;

    snprintf(who.name, sizeof who.name, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
    rc = editor_open(o->db, &ed, &err);
    if (rc == GIS_OK && !strcmp(op, "transfer-area")) {
        struct division_transfer_input in = {c, o->from, o->to, NULL, o->may_split};
        in.area = area = o->area ? area_text(o->area) : NULL;
        rc = o->area && !area ? gis_fail(&err, GIS_ERR_IO, "cannot read %s", o->area)
                              : division_ops_transfer(ed, &who, &in, &r, &p, &err);
    } else if (rc == GIS_OK && !strcmp(op, "rename-division")) {
        rc = division_ops_rename(ed, &who, &c, o->code, o->name, o->pinyin, &r, &p, &err);
    } else if (rc == GIS_OK && !strcmp(op, "split-division")) {
        rc = split(ed, &who, &c, o, &r, &p, &err);
    } else if (rc == GIS_OK && !strcmp(op, "merge-divisions")) {
        rc = merge(ed, &who, &c, o, &r, &p, &err);
    } else if (rc == GIS_OK) {
        rc = division_ops_recode(ed, &who, &c, o->code, o->new_code, &r, &p, &err);
    }
    free(area);
    editor_close(ed);
    return finish(rc, op, r, &p, &err);
}

int cli_division(int argc, char **argv)
{
    static const char *const ops[] = {"transfer-area", "rename-division", "recode-division",
                                      "merge-divisions", "split-division"};
    struct opts o = {0};
    const char *op = argc > 1 ? argv[1] : "";
    int code;
    size_t i;

    if (!strcmp(op, "--help") || !strcmp(op, "-h"))
        return fputs(USAGE, stdout), CLI_OK;
    code = parse(argc - 1, argv + 1, &o);
    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    if (!strcmp(op, "validate"))
        return validate(&o);
    for (i = 0; i < sizeof ops / sizeof *ops; i++)
        if (!strcmp(op, ops[i]))
            return o.arg ? (fputs(USAGE, stderr), CLI_USAGE) : operate(op, &o);
    fprintf(stderr, "civgis division: '%s' is no operation\n\n%s", op, USAGE);
    return CLI_USAGE;
}
