/*
 * civgis names: the gazetteer from the command line. Romanises names (pinyin), fills
 * missing pinyin, corrects a record or renames a feature, checks uniqueness and
 * homophones, searches, and exchanges the gazetteer (export, import, announcement
 * list). Parsing and printing only: the work is gis/names.h and gis/pinyin.h.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "names.h"
#include "pinyin.h"
#include "store.h"

static const char USAGE[] =
    "usage: civgis names pinyin NAME...\n"
    "       civgis names fill --db FILE [--refresh] [--dry-run] [--user U] [--reason R]\n"
    "       civgis names set --db FILE TARGET FEATURE [--name N] [--pinyin P]\n"
    "                        [--approved-by A] [--approval-doc D] [--approval-date DATE]\n"
    "                        [--filing-status pending|filed|announced] [--filing-date DATE]\n"
    "                        [--valid-from DATE] [--force] [--user U] [--reason R]\n"
    "       civgis names check --db FILE\n"
    "       civgis names search --db FILE QUERY [--limit N] [--level L] [--category C]\n"
    "                           [--within CODE]\n"
    "       civgis names export --db FILE [--format csv|geojson] [--out FILE]\n"
    "       civgis names import --db FILE [--user U] [--reason R] GAZETTEER\n"
    "       civgis names announce --db FILE --from DATE --to DATE [--out FILE]\n"
    "       civgis names reindex --db FILE\n"
    "\n"
    "The gazetteer: standard names of divisions and places, their pinyin (official,\n"
    "generated from the dictionary, or edited), approval and filing records, aliases and\n"
    "former names, and the search index.\n"
    "\n"
    "  pinyin    print the romanised place name of each NAME (GB/T 16159 / 17693.1);\n"
    "            'guessed' marks a character read by its most frequent reading or by ICU\n"
    "  fill      generate the pinyin of every name that has none; lists the guessed ones\n"
    "            and counts the generated names that remain guessed; --refresh reads\n"
    "            every generated pinyin afresh (after the reviewed overrides changed)\n"
    "  set       correct one feature's record (TARGET divisions or places, FEATURE its code\n"
    "            or id): a new pinyin becomes 'edited'; --name renames it (a new version;\n"
    "            the old name stays a searchable former name). Audited.\n"
    "  check     names shared under one parent (exit 1), homophones and the generated\n"
    "            names that remain guessed (reported)\n"
    "  search    what GET /search answers, as text\n"
    "  export    every name row with every field (CSV by default; - is stdout)\n"
    "  import    a file in export's layout (CSV or GeoJSON): updates records, adds names\n"
    "  announce  the announcement list (公告) of names approved from..to, as CSV\n"
    "  reindex   rebuild the search index\n"
    "\n"
    "Writes are audited as --user (default: $USER) with --reason.\n";

struct opts {
    const char *db, *user, *reason, *format, *out, *from, *to;
    const char *limit, *level, *category, *within;
    struct names_update u;
    bool is_dry_run, is_refresh;
};

/* Options that take a value, and where it goes. */
static const struct {
    const char *name;
    size_t off;
    bool is_update;
} VALUES[] = {
    {"db", offsetof(struct opts, db), false},
    {"user", offsetof(struct opts, user), false},
    {"reason", offsetof(struct opts, reason), false},
    {"format", offsetof(struct opts, format), false},
    {"out", offsetof(struct opts, out), false},
    {"from", offsetof(struct opts, from), false},
    {"to", offsetof(struct opts, to), false},
    {"limit", offsetof(struct opts, limit), false},
    {"level", offsetof(struct opts, level), false},
    {"category", offsetof(struct opts, category), false},
    {"within", offsetof(struct opts, within), false},
    {"name", offsetof(struct names_update, name), true},
    {"pinyin", offsetof(struct names_update, pinyin), true},
    {"approved-by", offsetof(struct names_update, approved_by), true},
    {"approval-doc", offsetof(struct names_update, approval_doc), true},
    {"approval-date", offsetof(struct names_update, approval_date), true},
    {"filing-status", offsetof(struct names_update, filing_status), true},
    {"filing-date", offsetof(struct names_update, filing_date), true},
    {"valid-from", offsetof(struct names_update, valid_from), true},
};
#define N_VALUES (sizeof VALUES / sizeof *VALUES)

enum {
    OPT_DRY_RUN = 1000,
    OPT_FORCE,
    OPT_REFRESH,
    OPT_HELP,
};

static void set_value(struct opts *o, size_t i, const char *v)
{
    char *base = VALUES[i].is_update ? (char *)&o->u : (char *)o;

    memcpy(base + VALUES[i].off, &v, sizeof v);
}

/* Parses the options after the subcommand; returns CLI_OK, CLI_USAGE, or -1 for --help. */
static int parse(int argc, char **argv, struct opts *o)
{
    struct option options[N_VALUES + 5];
    size_t i;
    int ch;

    for (i = 0; i < N_VALUES; i++)
        options[i] = (struct option){VALUES[i].name, required_argument, NULL, (int)i};
    options[N_VALUES] = (struct option){"dry-run", no_argument, NULL, OPT_DRY_RUN};
    options[N_VALUES + 1] = (struct option){"force", no_argument, NULL, OPT_FORCE};
    options[N_VALUES + 2] = (struct option){"refresh", no_argument, NULL, OPT_REFRESH};
    options[N_VALUES + 3] = (struct option){"help", no_argument, NULL, OPT_HELP};
    options[N_VALUES + 4] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (ch >= 0 && (size_t)ch < N_VALUES)
            set_value(o, (size_t)ch, optarg);
        else if (ch == OPT_DRY_RUN)
            o->is_dry_run = true;
        else if (ch == OPT_FORCE)
            o->u.is_forced = true;
        else if (ch == OPT_REFRESH)
            o->is_refresh = true;
        else if (ch == OPT_HELP) {
            fputs(USAGE, stdout);
            return -1;
        } else {
            fputs(USAGE, stderr);
            return CLI_USAGE;
        }
    }
    if (!o->user)
        o->user = getenv("USER") ? getenv("USER") : "cli";
    return CLI_OK;
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "civgis names: %s\n\n%s", msg, USAGE);
    return CLI_USAGE;
}

static int open_store(const struct opts *o, enum store_mode mode, struct store **st)
{
    struct gis_error err = {0};

    if (!o->db)
        return usage_error("--db is required");
    if (store_open(o->db, mode, st, &err) != GIS_OK) {
        cli_report("names", &err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}

static int finish(struct store *st, enum gis_status rc, const struct gis_error *err)
{
    store_close(st);
    if (rc != GIS_OK) {
        cli_report("names", err);
        return CLI_FAILURE;
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------- subcommands */

static int cmd_pinyin(int argc, char **argv)
{
    struct pinyin *p = NULL;
    struct gis_error err = {0};
    char roman[1024];
    int i, code = CLI_OK;

    if (argc < 1)
        return usage_error("pinyin takes one or more names");
    if (pinyin_new(&p, &err) != GIS_OK)
        return finish(NULL, GIS_ERR_INTERNAL, &err);
    for (i = 0; i < argc; i++) {
        bool is_guessed = false;
        if (pinyin_place_name(p, argv[i], roman, sizeof roman, &is_guessed, &err) != GIS_OK) {
            cli_report(argv[i], &err);
            code = CLI_FAILURE;
            continue;
        }
        printf("%s\t%s%s\n", argv[i], roman, is_guessed ? "\tguessed" : "");
    }
    pinyin_free(p);
    return code;
}

static void on_filled(void *ctx, const struct names_filled *f)
{
    (void)ctx;
    if (f->is_guessed)
        printf("guessed\t%s\t%s\t%s\t%s\n", names_target_name(f->target), f->feature, f->name,
               f->pinyin);
}

static void on_refreshed(void *ctx, const struct names_filled *f)
{
    (void)ctx;
    printf("rewritten\t%s\t%s\t%s\t%s%s\n", names_target_name(f->target), f->feature, f->name,
           f->pinyin, f->is_guessed ? "\tguessed" : "");
}

static int cmd_fill(const struct opts *o)
{
    struct names_who who = {o->user, o->reason};
    struct gis_error err = {0};
    struct store *st = NULL;
    long filled = 0, guessed = 0, remain = 0;
    int code = open_store(o, STORE_READ_WRITE, &st);
    enum gis_status rc;

    if (code != CLI_OK)
        return code;
    if (o->is_refresh) {
        rc = names_refresh(st, &who, o->is_dry_run, on_refreshed, NULL, &filled, &remain, &err);
        if (rc == GIS_OK)
            printf("%s the pinyin of %ld generated names (listed above)\n",
                   o->is_dry_run ? "would rewrite" : "rewrote", filled);
    } else {
        rc = names_fill(st, &who, o->is_dry_run, on_filled, NULL, &filled, &guessed, &err);
        if (rc == GIS_OK)
            printf("%s pinyin of %ld names; %ld read by a guess (listed above): review them\n",
                   o->is_dry_run ? "would fill" : "filled", filled, guessed);
        if (rc == GIS_OK && !o->is_dry_run)
            rc = names_guessed(st, NULL, NULL, &remain, &err);
        else
            remain = guessed;
    }
    if (rc == GIS_OK)
        printf("%ld generated names remain guessed (civgis names check lists them)\n", remain);
    return finish(st, rc, &err);
}

static int cmd_set(const struct opts *o, int argc, char **argv)
{
    struct names_who who = {o->user, o->reason};
    struct gis_error err = {0};
    struct store *st = NULL;
    enum names_target t;
    int code;

    if (argc != 2 || !names_target_parse(argv[0], &t))
        return usage_error("set takes TARGET (divisions or places) and FEATURE");
    code = open_store(o, STORE_READ_WRITE, &st);
    if (code != CLI_OK)
        return code;
    code = finish(st, names_set(st, t, argv[1], &o->u, &who, &err), &err);
    if (code == CLI_OK)
        printf("updated %s %s\n", argv[0], argv[1]);
    return code;
}

static void on_issue(void *ctx, const struct names_issue *i)
{
    (void)ctx;
    printf("%s\tparent %s\t%s\t%s\t%s\n", i->kind, i->parent[0] ? i->parent : "-",
           i->level ? "division" : "place", i->features, i->names);
}

static int cmd_check(const struct opts *o)
{
    struct gis_error err = {0};
    struct store *st = NULL;
    long dup = 0, homo = 0, guessed = 0;
    int code = open_store(o, STORE_READ_ONLY, &st);
    enum gis_status rc;

    if (code != CLI_OK)
        return code;
    rc = names_check(st, on_issue, NULL, &dup, &homo, &err);
    if (rc == GIS_OK)
        rc = names_guessed(st, on_filled, NULL, &guessed, &err);
    code = finish(st, rc, &err);
    if (code != CLI_OK)
        return code;
    printf("%ld duplicate standard names, %ld homophone groups, %ld generated names remain "
           "guessed\n",
           dup, homo, guessed);
    return dup ? CLI_FAILURE : CLI_OK;
}

static bool parse_count(const char *s, double lo, double hi, double fallback, double *out)
{
    *out = fallback;
    return !s || cli_number(s, lo, hi, true, out);
}

static int cmd_search(const struct opts *o, int argc, char **argv)
{
    struct names_query q = {0};
    struct names_hit *hits;
    struct gis_error err = {0};
    struct store *st = NULL;
    size_t n = 0, i;
    double limit, level;
    int code;

    if (argc != 1 || !parse_count(o->limit, 1, 100, 10, &limit) ||
        !parse_count(o->level, 0, 5, 0, &level))
        return usage_error("search takes one QUERY; --limit 1..100, --level 1..5");
    q.q = argv[0];
    q.limit = (size_t)limit;
    q.level = (int)level;
    q.category = o->category;
    q.within = o->within;
    code = open_store(o, STORE_READ_ONLY, &st);
    if (code != CLI_OK)
        return code;
    hits = calloc((size_t)limit, sizeof *hits);
    code = finish(st, hits ? names_search(st, &q, hits, (size_t)limit, &n, &err) : GIS_ERR_NOMEM,
                  &err);
    for (i = 0; code == CLI_OK && i < n; i++)
        printf("%s\t%s\t%s\t%s\t%s\t%s %s %s\t%s\t%s\t%.0f\n", names_target_name(hits[i].target),
               hits[i].feature, hits[i].name, hits[i].pinyin, hits[i].division, hits[i].match_kind,
               hits[i].matched, hits[i].matched_as, hits[i].matched_name, hits[i].valid_to,
               hits[i].score);
    free(hits);
    return code;
}

static int cmd_export(const struct opts *o)
{
    struct gis_error err = {0};
    struct store *st = NULL;
    bool is_geojson = o->format && !strcmp(o->format, "geojson");
    long n = 0;
    int code;

    if (o->format && !is_geojson && strcmp(o->format, "csv"))
        return usage_error("--format is csv or geojson");
    code = open_store(o, STORE_READ_ONLY, &st);
    if (code != CLI_OK)
        return code;
    code = finish(
        st,
        names_export(st, o->out ? o->out : "-", is_geojson ? NAMES_GEOJSON : NAMES_CSV, &n, &err),
        &err);
    if (code == CLI_OK)
        fprintf(stderr, "exported %ld names\n", n);
    return code;
}

static int cmd_import(const struct opts *o, int argc, char **argv)
{
    struct names_who who = {o->user, o->reason ? o->reason : "gazetteer import"};
    struct gis_error err = {0};
    struct store *st = NULL;
    long updated = 0, added = 0;
    int code;

    if (argc != 1)
        return usage_error("import takes one gazetteer file");
    code = open_store(o, STORE_READ_WRITE, &st);
    if (code != CLI_OK)
        return code;
    code = finish(st, names_import(st, argv[0], &who, &updated, &added, &err), &err);
    if (code == CLI_OK)
        printf("updated %ld records, added %ld names\n", updated, added);
    return code;
}

static int cmd_announce(const struct opts *o)
{
    struct gis_error err = {0};
    struct store *st = NULL;
    long n = 0;
    int code;

    if (!o->from || !o->to)
        return usage_error("announce takes --from DATE and --to DATE");
    code = open_store(o, STORE_READ_ONLY, &st);
    if (code != CLI_OK)
        return code;
    code =
        finish(st, names_announcement(st, o->from, o->to, o->out ? o->out : "-", &n, &err), &err);
    if (code == CLI_OK)
        fprintf(stderr, "%ld names approved from %s to %s\n", n, o->from, o->to);
    return code;
}

static int cmd_reindex(const struct opts *o)
{
    struct gis_error err = {0};
    struct store *st = NULL;
    int code = open_store(o, STORE_READ_WRITE, &st);
    enum gis_status rc;

    if (code != CLI_OK)
        return code;
    rc = store_begin(st, &err);
    if (rc == GIS_OK)
        rc = names_index_rebuild(st, &err);
    if (rc == GIS_OK)
        rc = store_commit(st, &err);
    store_rollback(st);
    return finish(st, rc, &err);
}

static int dispatch(const char *sub, const struct opts *o, int argc, char **argv)
{
    if (!strcmp(sub, "fill"))
        return argc ? usage_error("fill takes no arguments") : cmd_fill(o);
    if (!strcmp(sub, "set"))
        return cmd_set(o, argc, argv);
    if (!strcmp(sub, "check"))
        return cmd_check(o);
    if (!strcmp(sub, "search"))
        return cmd_search(o, argc, argv);
    if (!strcmp(sub, "export"))
        return cmd_export(o);
    if (!strcmp(sub, "import"))
        return cmd_import(o, argc, argv);
    if (!strcmp(sub, "announce"))
        return cmd_announce(o);
    if (!strcmp(sub, "reindex"))
        return cmd_reindex(o);
    fprintf(stderr, "civgis names: '%s' is not a names command\n\n%s", sub, USAGE);
    return CLI_USAGE;
}

int cli_names(int argc, char **argv)
{
    struct opts o = {0};
    int code;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "pinyin"))
        return cmd_pinyin(argc - 2, argv + 2);
    code = parse(argc - 1, argv + 1, &o);
    if (code != CLI_OK)
        return code < 0 ? CLI_OK : code;
    return dispatch(argv[1], &o, argc - 1 - optind, argv + 1 + optind);
}
