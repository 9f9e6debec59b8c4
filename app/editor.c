/*
 * The editing use case (editor.h): authorisation, the If-Match check and the writer lock
 * around gis/edit's transaction, reverts and histories as plain structs. No SQL here and
 * no HTTP: the server and the CLI both call in.
 */
#include "editor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct editor {
    struct store *st;
    pthread_mutex_t lock;
};

enum gis_status editor_open(const char *db_path, struct editor **out, struct gis_error *err)
{
    struct editor *ed;
    enum gis_status rc;

    if (!db_path || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_open: null argument");
    ed = calloc(1, sizeof *ed);
    if (!ed)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = store_open(db_path, STORE_READ_WRITE, &ed->st, err);
    if (rc != GIS_OK) {
        free(ed);
        return rc;
    }
    pthread_mutex_init(&ed->lock, NULL);
    *out = ed;
    return GIS_OK;
}

void editor_close(struct editor *ed)
{
    if (!ed)
        return;
    store_close(ed->st);
    pthread_mutex_destroy(&ed->lock);
    free(ed);
}

int editor_role_needed(const char *layer_id)
{
    enum edit_target t;

    if (!edit_layer_target(layer_id, &t, NULL))
        return AUTH_ADMIN + 1;
    return t == EDIT_FACILITIES ? AUTH_PLANNER : AUTH_OFFICER;
}

bool editor_may_write(const struct auth_identity *who, const char *layer_id)
{
    return who && who->role != AUTH_ANONYMOUS && (int)who->role >= editor_role_needed(layer_id);
}

static enum gis_status
check_role(const struct auth_identity *who, const char *layer_id, struct gis_error *err)
{
    int need = editor_role_needed(layer_id);

    if (!who || who->role == AUTH_ANONYMOUS)
        return gis_fail(err, GIS_ERR_UNAUTHORIZED,
                        "writing needs a token: send Authorization: Bearer TOKEN (or HTTP Basic "
                        "with the token as the password)");
    if (need > AUTH_ADMIN)
        return GIS_OK; /* not an editable collection: edit_begin says so */
    if ((int)who->role < need)
        return gis_fail(err, GIS_ERR_FORBIDDEN, "writing %s needs the %s role; %s is a %s",
                        layer_id, auth_role_name((enum auth_role)need), who->name,
                        auth_role_name(who->role));
    return GIS_OK;
}

static enum gis_status check_scope(const struct auth_identity *who,
                                   const struct edit_state *s,
                                   const char *when,
                                   struct gis_error *err)
{
    if (!s->exists || auth_scope_covers(who, s->scope_code[0] ? s->scope_code : NULL))
        return GIS_OK;
    return gis_fail(err, GIS_ERR_FORBIDDEN, "%s %s outside the scope of %s (division %s)%s", s->fid,
                    s->scope_code[0] ? "lies" : "names no division and so lies", who->name,
                    who->scope, when);
}

static enum gis_status check_precondition(const struct editor_precondition *pre,
                                          const struct edit_state *s,
                                          uint64_t *out_current,
                                          struct gis_error *err)
{
    size_t i;

    if (!pre || !pre->is_set)
        return GIS_OK;
    if (s->exists && pre->is_any)
        return GIS_OK;
    for (i = 0; s->exists && i < pre->n_tags; i++)
        if (pre->tags[i] == s->tag)
            return GIS_OK;
    if (out_current)
        *out_current = s->exists ? s->tag : 0;
    return gis_fail(err, GIS_ERR_PRECONDITION,
                    s->exists ? "If-Match: %s has changed since that ETag was read; read it again"
                              : "If-Match: %s does not exist",
                    s->fid[0] ? s->fid : "the feature");
}

/* begin, checks, apply, checks, commit: one transaction under the writer lock. */
static enum gis_status run(struct editor *ed,
                           const struct auth_identity *who,
                           const struct edit_input *in,
                           const struct editor_precondition *pre,
                           struct editor_result *out,
                           uint64_t *out_current,
                           struct edit_problems *problems,
                           struct gis_error *err)
{
    struct edit *e = NULL;
    const struct edit_state *after;
    enum gis_status rc;

    pthread_mutex_lock(&ed->lock);
    rc = edit_begin(ed->st, in, &e, err);
    if (rc == GIS_ERR_NOT_FOUND && pre && pre->is_set && in->action != EDIT_CREATE)
        rc = gis_fail(err, GIS_ERR_PRECONDITION, "If-Match: %s does not exist", in->fid);
    if (rc == GIS_OK)
        rc = check_scope(who, edit_before(e), "", err);
    if (rc == GIS_OK && in->action != EDIT_CREATE)
        rc = check_precondition(pre, edit_before(e), out_current, err);
    if (rc == GIS_OK)
        rc = edit_apply(e, problems, err);
    if (rc == GIS_OK)
        rc = check_scope(who, edit_after(e), " after the change", err);
    if (rc == GIS_OK)
        rc = edit_commit(e, err);
    if (rc == GIS_OK) {
        after = edit_after(e);
        snprintf(out->fid, sizeof out->fid, "%s", after->fid);
        out->exists = after->exists;
        out->tag = after->tag;
    }
    edit_free(e);
    pthread_mutex_unlock(&ed->lock);
    return rc;
}

enum gis_status editor_write(struct editor *ed,
                             const struct auth_identity *who,
                             const struct edit_input *in,
                             const struct editor_precondition *pre,
                             struct editor_result *out,
                             uint64_t *out_current_tag,
                             struct edit_problems *problems,
                             struct gis_error *err)
{
    struct edit_input mine;
    enum gis_status rc;

    if (!ed || !in || !out || !problems)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_write: null argument");
    memset(problems, 0, sizeof *problems);
    rc = check_role(who, in->layer_id, err);
    if (rc != GIS_OK)
        return rc;
    mine = *in;
    mine.user = who->name;
    mine.is_override = who->role == AUTH_ADMIN;
    mine.revert_of = 0;
    mine.audit_as = NULL;
    return run(ed, who, &mine, pre, out, out_current_tag, problems, err);
}

/* ---------------------------------------------------------------- groups */

enum gis_status editor_group_edit(struct store *st,
                                  struct edit_group *g,
                                  const struct auth_identity *who,
                                  struct edit_input *in,
                                  struct edit_problems *problems,
                                  struct gis_error *err)
{
    struct edit *e = NULL;
    enum gis_status rc;

    in->group = g;
    in->user = who->name;
    rc = edit_begin(st, in, &e, err);
    if (rc == GIS_OK)
        rc = check_scope(who, edit_before(e), "", err);
    if (rc == GIS_OK)
        rc = edit_apply(e, problems, err);
    if (rc == GIS_OK)
        rc = check_scope(who, edit_after(e), " after the change", err);
    if (rc == GIS_OK)
        rc = edit_commit(e, err);
    edit_free(e);
    return rc;
}

enum gis_status editor_group_run(struct editor *ed,
                                 const struct auth_identity *who,
                                 double tolerance_m,
                                 bool is_dry_run,
                                 editor_group_fn fn,
                                 void *ctx,
                                 struct edit_group_summary *summary,
                                 int64_t *out_audit_id,
                                 size_t *out_checked,
                                 struct edit_problems *problems,
                                 struct gis_error *err)
{
    struct edit_group *g = NULL;
    int64_t id = 0;
    enum gis_status rc;

    if (!ed || !fn || !summary || !problems)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_group_run: null argument");
    memset(problems, 0, sizeof *problems);
    rc = check_role(who, "divisions", err);
    if (rc != GIS_OK)
        return rc;
    summary->user = who->name;
    pthread_mutex_lock(&ed->lock);
    rc = edit_group_begin(ed->st, tolerance_m, &g, err);
    if (rc == GIS_OK)
        rc = fn(ctx, ed->st, g, problems, err);
    if (rc == GIS_OK)
        rc = edit_group_check(g, problems, out_checked, err);
    if (rc == GIS_OK && !is_dry_run)
        rc = edit_group_commit(g, summary, &id, err);
    edit_group_free(g);
    pthread_mutex_unlock(&ed->lock);
    if (rc == GIS_OK && out_audit_id)
        *out_audit_id = id;
    return rc;
}

/* The revert of a group: each member undone, newest first, as one new group. */
struct group_revert {
    const int64_t *ids;
    size_t n;
    const struct auth_identity *who;
    const char *reason;
};

static enum gis_status revert_members(void *ctx,
                                      struct store *st,
                                      struct edit_group *g,
                                      struct edit_problems *problems,
                                      struct gis_error *err)
{
    struct group_revert *gr = ctx;
    enum gis_status rc = GIS_OK;
    size_t i;

    for (i = 0; i < gr->n && rc == GIS_OK; i++) {
        struct edit_revert *r = NULL;
        rc = edit_revert_plan(st, gr->ids[i], &r, err);
        if (rc == GIS_OK) {
            r->in.reason = gr->reason;
            rc = editor_group_edit(st, g, gr->who, &r->in, problems, err);
        }
        edit_revert_free(r);
    }
    return rc;
}

static enum gis_status revert_group(struct editor *ed,
                                    const struct auth_identity *who,
                                    int64_t audit_id,
                                    const int64_t *ids,
                                    size_t n,
                                    const char *why,
                                    struct editor_result *out,
                                    struct edit_problems *problems,
                                    struct gis_error *err)
{
    struct group_revert gr = {ids, n, who, why};
    char target[32];
    struct edit_group_summary sum = {NULL, "revert", target, why};
    int64_t id = 0;
    enum gis_status rc;

    snprintf(target, sizeof target, "audit %lld", (long long)audit_id);
    rc = editor_group_run(ed, who, 0, false, revert_members, &gr, &sum, &id, NULL, problems, err);
    if (rc == GIS_OK) {
        snprintf(out->fid, sizeof out->fid, "%s", target);
        out->exists = true;
        out->tag = (uint64_t)id;
    }
    return rc;
}

enum gis_status editor_revert(struct editor *ed,
                              const struct auth_identity *who,
                              int64_t audit_id,
                              const char *reason,
                              struct editor_result *out,
                              struct edit_problems *problems,
                              struct gis_error *err)
{
    struct edit_revert *r = NULL;
    char why[GIS_ERROR_MSG_MAX];
    int64_t *ids = NULL;
    size_t n = 0;
    enum gis_status rc;

    if (!ed || !out || !problems)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_revert: null argument");
    memset(problems, 0, sizeof *problems);
    if (!who || who->role == AUTH_ANONYMOUS)
        return check_role(who, NULL, err);
    if (who->role != AUTH_ADMIN)
        return gis_fail(err, GIS_ERR_FORBIDDEN, "reverting needs the admin role; %s is a %s",
                        who->name, auth_role_name(who->role));
    snprintf(why, sizeof why, "revert of audit %lld%s%s", (long long)audit_id,
             reason && *reason ? ": " : "", reason && *reason ? reason : "");
    pthread_mutex_lock(&ed->lock);
    rc = edit_group_members(ed->st, audit_id, &ids, &n, err);
    if (rc == GIS_ERR_NOT_FOUND)
        rc = edit_revert_plan(ed->st, audit_id, &r, err);
    pthread_mutex_unlock(&ed->lock);
    if (rc == GIS_OK && ids) {
        rc = revert_group(ed, who, audit_id, ids, n, why, out, problems, err);
        free(ids);
        return rc;
    }
    if (rc != GIS_OK)
        return rc;
    r->in.user = who->name;
    r->in.reason = why;
    rc = run(ed, who, &r->in, NULL, out, NULL, problems, err);
    edit_revert_free(r);
    return rc;
}

/* ---------------------------------------------------------------- name records */

bool editor_name_target(const char *layer_id, enum names_target *out_target, int *out_level)
{
    enum edit_target t;
    int level;

    if (!edit_layer_target(layer_id, &t, &level) || t == EDIT_FACILITIES)
        return false;
    *out_target = t == EDIT_PLACES ? NAMES_PLACES : NAMES_DIVISIONS;
    *out_level = level;
    return true;
}

/* The state check_scope and check_precondition judge, from a name record. */
static void name_state(const struct names_record *r, struct edit_state *out)
{
    memset(out, 0, sizeof *out);
    out->exists = true;
    snprintf(out->fid, sizeof out->fid, "%s", r->feature);
    snprintf(out->scope_code, sizeof out->scope_code, "%.12s", r->scope);
    out->tag = r->tag;
}

static enum gis_status run_name(struct editor *ed,
                                const struct auth_identity *who,
                                enum names_target t,
                                int level,
                                const char *fid,
                                const struct names_change *c,
                                const struct names_who *by,
                                const struct editor_precondition *pre,
                                struct editor_name_result *out,
                                uint64_t *out_current,
                                struct names_problems *problems,
                                struct gis_error *err)
{
    struct names_edit *e = NULL;
    struct edit_state state;
    enum gis_status rc;

    pthread_mutex_lock(&ed->lock);
    rc = names_edit_begin(ed->st, t, fid, level, &e, err);
    if (rc == GIS_ERR_NOT_FOUND && pre && pre->is_set)
        rc = gis_fail(err, GIS_ERR_PRECONDITION, "If-Match: %s does not exist", fid);
    if (rc == GIS_OK) {
        name_state(names_edit_before(e), &state);
        rc = check_scope(who, &state, "", err);
    }
    if (rc == GIS_OK)
        rc = check_precondition(pre, &state, out_current, err);
    if (rc == GIS_OK)
        rc = names_edit_apply(e, c, by, problems, err);
    if (rc == GIS_OK)
        rc = names_edit_commit(e, err);
    if (rc == GIS_OK) {
        out->tag = names_edit_after(e)->tag;
        out->variant_id = c->kind == NAMES_CHANGE_RECORD ? 0 : names_edit_variant_id(e);
        out->record = names_edit_take_after(e);
    }
    names_edit_free(e);
    pthread_mutex_unlock(&ed->lock);
    return rc;
}

enum gis_status editor_name_write(struct editor *ed,
                                  const struct auth_identity *who,
                                  const char *layer_id,
                                  const char *fid,
                                  const struct names_change *c,
                                  const char *reason,
                                  const struct editor_precondition *pre,
                                  struct editor_name_result *out,
                                  uint64_t *out_current_tag,
                                  struct names_problems *problems,
                                  struct gis_error *err)
{
    struct names_who by;
    enum names_target t;
    int level;
    enum gis_status rc;

    if (!ed || !fid || !c || !out || !problems)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_name_write: null argument");
    memset(problems, 0, sizeof *problems);
    rc = check_role(who, layer_id, err);
    if (rc != GIS_OK)
        return rc;
    if (!editor_name_target(layer_id, &t, &level))
        return gis_fail(err, GIS_ERR_NOT_FOUND,
                        "%.40s keeps no standard name records (divisions and places do)",
                        layer_id ? layer_id : "");
    by.user = who->name;
    by.reason = reason;
    return run_name(ed, who, t, level, fid, c, &by, pre, out, out_current_tag, problems, err);
}

/* ---------------------------------------------------------------- history */

struct collect {
    struct editor_history *h;
    size_t cap_versions, cap_changes;
};

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static enum gis_status grow(void **items, size_t *cap, size_t n, size_t size, struct gis_error *err)
{
    void *p;
    size_t want = *cap ? *cap * 2 : 8;

    if (n < *cap)
        return GIS_OK;
    p = realloc(*items, want * size);
    if (!p)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    *items = p;
    *cap = want;
    return GIS_OK;
}

static enum gis_status on_version(void *ctx, const struct edit_version *v, struct gis_error *err)
{
    struct collect *c = ctx;
    struct editor_version *out;
    enum gis_status rc =
        grow((void **)&c->h->versions, &c->cap_versions, c->h->n_versions, sizeof *out, err);

    if (rc != GIS_OK)
        return rc;
    out = &c->h->versions[c->h->n_versions++];
    copy(out->valid_from, sizeof out->valid_from, v->valid_from);
    copy(out->valid_to, sizeof out->valid_to, v->valid_to);
    copy(out->reason, sizeof out->reason, v->reason);
    return GIS_OK;
}

static enum gis_status on_change(void *ctx, const struct edit_change *ch, struct gis_error *err)
{
    struct collect *c = ctx;
    struct editor_change *out;
    enum gis_status rc =
        grow((void **)&c->h->changes, &c->cap_changes, c->h->n_changes, sizeof *out, err);

    if (rc != GIS_OK)
        return rc;
    out = &c->h->changes[c->h->n_changes++];
    out->audit_id = ch->audit_id;
    copy(out->at, sizeof out->at, ch->at);
    copy(out->user, sizeof out->user, ch->user);
    copy(out->action, sizeof out->action, ch->action);
    copy(out->reason, sizeof out->reason, ch->reason);
    return GIS_OK;
}

enum gis_status editor_history(struct store *st,
                               const char *layer_id,
                               const char *fid,
                               struct editor_history **out,
                               struct gis_error *err)
{
    struct collect c = {0};
    enum gis_status rc;

    if (!out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "editor_history: null argument");
    c.h = calloc(1, sizeof *c.h);
    if (!c.h)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    rc = edit_history(st, layer_id, fid, on_version, on_change, &c, err);
    if (rc != GIS_OK) {
        editor_history_free(c.h);
        return rc;
    }
    *out = c.h;
    return GIS_OK;
}

void editor_history_free(struct editor_history *h)
{
    if (!h)
        return;
    free(h->versions);
    free(h->changes);
    free(h);
}
