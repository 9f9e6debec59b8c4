/*
 * The job table and its workers (see jobs.h). Jobs live in a fixed table of max_jobs
 * slots; one mutex guards it, and a worker runs a job's analysis outside the lock, on
 * a store of its own. It knows nothing of HTTP: the server watches a job to resume a
 * waiting connection.
 *
 * The queue is fair in two ways. Among queued jobs a worker takes the one whose queue
 * key (a user, or a client address) has the fewest jobs running, the oldest first
 * between equals, so one client with many jobs cannot hold every worker while another
 * waits. And besides the general workers, one worker runs short jobs only (coverage),
 * so a trivial run never waits behind long site selections, however many are queued.
 * Workers run at a lower CPU priority than the HTTP threads: reads keep their latency
 * while analyses use the rest of the machine.
 */
#include "jobs.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The niceness of the workers' threads (HTTP threads keep 0). */
#define JOBS_NICE 10
/* Jobs one queue key may have queued or running at once, as a share of the table. */
#define JOBS_PER_KEY_DIVISOR 8
#define JOBS_KEY_LEN         64

struct job {
    struct job_info info;
    struct job_spec spec;
    char owner[JOBS_KEY_LEN]; /* "" when anonymous */
    char key[JOBS_KEY_LEN];
    uint64_t seq;         /* submission order */
    double finished_mono; /* CLOCK_MONOTONIC seconds at the end, for the expiry */
    char *result;
    size_t result_len;
    job_done_fn on_done;
    void *on_done_cls;
    bool is_used;
    bool is_running; /* a worker holds it: never reused, even when dismissed */
};

struct worker {
    struct jobs *j;
    pthread_t thread;
    bool is_short_only;
    struct store *st; /* read-only, opened at its first job and kept */
};

struct jobs {
    char *db_path;
    double ttl_s;
    size_t per_key_max;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC, for the expiry deadline */
    struct worker *workers;
    unsigned n_workers, n_started;
    bool is_stopping, is_joined;
    struct job *slots;
    size_t n_slots;
    uint64_t seq;
};

struct job_progress {
    struct jobs *j;
    struct job *jb;
};

const char *job_status_name(enum job_status s)
{
    static const char *const names[] = {"accepted", "running", "successful", "failed", "dismissed"};
    return (unsigned)s < 5 ? names[s] : "failed";
}

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool has_ended(const struct job *jb)
{
    return jb->info.status >= JOB_SUCCESSFUL;
}

static void job_clear(struct job *jb)
{
    if (jb->spec.ctx_free)
        jb->spec.ctx_free(jb->spec.ctx);
    free(jb->result);
    memset(jb, 0, sizeof *jb);
}

/* Forgets ended jobs older than the TTL. Hidden ones too: their connection took its
 * answer long before, or is gone. */
static void sweep(struct jobs *j)
{
    double now = now_mono();
    size_t i;

    for (i = 0; i < j->n_slots; i++) {
        struct job *jb = &j->slots[i];
        if (jb->is_used && !jb->is_running && has_ended(jb) && !jb->on_done &&
            now - jb->finished_mono >= j->ttl_s)
            job_clear(jb);
    }
}

static struct job *find_any(struct jobs *j, const char *id)
{
    size_t i;

    for (i = 0; id && i < j->n_slots; i++)
        if (j->slots[i].is_used && !strcmp(j->slots[i].info.id, id))
            return &j->slots[i];
    return NULL;
}

/* A job the caller may see: not hidden, and anonymous or the caller's own. */
static struct job *find(struct jobs *j, const char *id, const char *owner)
{
    struct job *jb;

    sweep(j);
    jb = find_any(j, id);
    if (!jb || jb->spec.is_hidden)
        return NULL;
    if (jb->owner[0] && (!owner || strcmp(jb->owner, owner)))
        return NULL;
    return jb;
}

static size_t running_for(const struct jobs *j, const char *key)
{
    size_t i, n = 0;

    for (i = 0; i < j->n_slots; i++)
        if (j->slots[i].is_used && j->slots[i].is_running && !strcmp(j->slots[i].key, key))
            n++;
    return n;
}

/* The queued job to run next: the fewest running for its key, then the oldest. */
static struct job *next_queued(struct jobs *j, bool is_short_only)
{
    struct job *best = NULL;
    size_t i, best_load = 0;

    for (i = 0; i < j->n_slots; i++) {
        struct job *jb = &j->slots[i];
        size_t load;
        if (!jb->is_used || jb->info.status != JOB_ACCEPTED || (is_short_only && jb->spec.is_long))
            continue;
        load = running_for(j, jb->key);
        if (!best || load < best_load || (load == best_load && jb->seq < best->seq)) {
            best = jb;
            best_load = load;
        }
    }
    return best;
}

/* Marks the job ended (under the lock) and hands back its watcher, to call unlocked. */
static void take_watcher(struct job *jb, job_done_fn *fn, void **cls)
{
    *fn = jb->on_done;
    *cls = jb->on_done_cls;
    jb->on_done = NULL;
    jb->on_done_cls = NULL;
}

static void end_job(struct job *jb, enum gis_status rc, char *buf, size_t len, const char *msg)
{
    jb->info.finished = (int64_t)time(NULL);
    jb->finished_mono = now_mono();
    jb->is_running = false;
    if (jb->info.status == JOB_DISMISSED) {
        free(buf);
    } else if (rc == GIS_OK) {
        jb->info.status = JOB_SUCCESSFUL;
        jb->info.progress = 100;
        jb->result = buf;
        jb->result_len = len;
        snprintf(jb->info.message, sizeof jb->info.message, "done");
    } else {
        jb->info.status = JOB_FAILED;
        jb->info.error = rc;
        snprintf(jb->info.message, sizeof jb->info.message, "%s", msg);
        if (len && jb->spec.has_error_body) { /* the failure's details (jobs_result_take) */
            jb->result = buf;
            jb->result_len = len;
        } else {
            free(buf);
        }
    }
}

/* The store for a job: the worker's own read-only one, or a fresh writable one. */
static enum gis_status
job_store(struct worker *w, const struct job *jb, struct store **out, struct gis_error *err)
{
    enum gis_status rc;

    if (jb->spec.needs_write)
        return store_open(w->j->db_path, STORE_READ_WRITE, out, err);
    if (!w->st) {
        rc = store_open(w->j->db_path, STORE_READ_ONLY, &w->st, err);
        if (rc != GIS_OK)
            return rc;
    }
    *out = w->st;
    return GIS_OK;
}

/* Runs one job outside the lock (its spec is immutable while it runs), then ends it
 * and calls its watcher. Called and returns with the lock not held. */
static void run_job(struct worker *w, struct job *jb)
{
    struct jobs *j = w->j;
    struct gis_error err = {0};
    struct store *st = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct job_progress pr = {j, jb};
    job_done_fn done;
    void *cls;
    enum gis_status rc =
        f ? job_store(w, jb, &st, &err) : gis_fail(&err, GIS_ERR_NOMEM, "out of memory");

    if (rc == GIS_OK)
        rc = jb->spec.run(jb->spec.ctx, st, f, &pr, &err);
    if (f)
        fclose(f);
    if (st != w->st)
        store_close(st);
    pthread_mutex_lock(&j->lock);
    end_job(jb, rc, buf, len, err.msg);
    take_watcher(jb, &done, &cls);
    pthread_mutex_unlock(&j->lock);
    if (done)
        done(cls);
}

/* Sleeps until work arrives, or until the next ended job expires. Lock held. */
static void idle_wait(struct jobs *j)
{
    double next = 0;
    struct timespec ts;
    size_t i;

    for (i = 0; i < j->n_slots; i++) {
        const struct job *jb = &j->slots[i];
        double at = jb->finished_mono + j->ttl_s;
        if (jb->is_used && has_ended(jb) && !jb->is_running && (next == 0 || at < next))
            next = at;
    }
    if (next == 0) {
        pthread_cond_wait(&j->wake, &j->lock);
        return;
    }
    next += 0.01; /* past the instant, so that the sweep then finds it expired */
    ts.tv_sec = (time_t)next;
    ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
    pthread_cond_timedwait(&j->wake, &j->lock, &ts);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct jobs *j = w->j;
    struct job *jb;

    /* Linux: the niceness of this thread alone, inherited by the threads it starts. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), JOBS_NICE) != 0)
        LOG_DEBUG("jobs", "event=nice_failed");
    pthread_mutex_lock(&j->lock);
    while (!j->is_stopping) {
        sweep(j);
        jb = next_queued(j, w->is_short_only);
        if (!jb) {
            idle_wait(j);
            continue;
        }
        jb->info.status = JOB_RUNNING;
        jb->info.started = (int64_t)time(NULL);
        jb->info.progress = 10;
        snprintf(jb->info.message, sizeof jb->info.message, "running");
        jb->is_running = true;
        pthread_mutex_unlock(&j->lock);
        run_job(w, jb);
        pthread_mutex_lock(&j->lock);
    }
    pthread_mutex_unlock(&j->lock);
    store_close(w->st);
    w->st = NULL;
    return NULL;
}

static void jobs_free(struct jobs *j)
{
    size_t i;

    for (i = 0; i < j->n_slots; i++)
        job_clear(&j->slots[i]);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j->slots);
    free(j->workers);
    free(j->db_path);
    free(j);
}

static enum gis_status start_workers(struct jobs *j, struct gis_error *err)
{
    unsigned i;

    for (i = 0; i < j->n_workers; i++) {
        j->workers[i].j = j;
        j->workers[i].is_short_only = i + 1 == j->n_workers; /* the last one */
        if (pthread_create(&j->workers[i].thread, NULL, worker_main, &j->workers[i]) != 0)
            return gis_fail(err, GIS_ERR_INTERNAL, "cannot start the job workers");
        j->n_started++;
    }
    return GIS_OK;
}

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

enum gis_status jobs_start(const struct jobs_options *opt, struct jobs **out, struct gis_error *err)
{
    struct jobs *j = calloc(1, sizeof *j);
    pthread_condattr_t ca;
    enum gis_status rc;

    if (!j)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (sodium_init() < 0) { /* the CSPRNG behind the ids */
        free(j);
        return gis_fail(err, GIS_ERR_INTERNAL, "libsodium does not start");
    }
    j->ttl_s = opt->ttl_s > 0 ? opt->ttl_s : JOBS_TTL_DEFAULT_S;
    j->n_slots = opt->max_jobs ? opt->max_jobs : JOBS_MAX_DEFAULT;
    j->per_key_max = j->n_slots / JOBS_PER_KEY_DIVISOR ? j->n_slots / JOBS_PER_KEY_DIVISOR : 1;
    j->n_workers = (opt->workers ? opt->workers : cpu_count()) + 1; /* + the short-job one */
    pthread_mutex_init(&j->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->wake, &ca);
    pthread_condattr_destroy(&ca);
    j->db_path = strdup(opt->db_path);
    j->slots = calloc(j->n_slots, sizeof *j->slots);
    j->workers = calloc(j->n_workers, sizeof *j->workers);
    rc = j->db_path && j->slots && j->workers ? start_workers(j, err)
                                              : gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    if (rc != GIS_OK) {
        jobs_stop(j);
        return rc;
    }
    *out = j;
    return GIS_OK;
}

/* Calls, one at a time and unlocked, the watchers of ended jobs. Lock held. */
static void fire_ended_watchers(struct jobs *j)
{
    job_done_fn done;
    void *cls;
    size_t i;

    for (i = 0; i < j->n_slots; i++) {
        struct job *jb = &j->slots[i];
        if (!jb->is_used || jb->is_running || !has_ended(jb) || !jb->on_done)
            continue;
        take_watcher(jb, &done, &cls);
        pthread_mutex_unlock(&j->lock);
        done(cls);
        pthread_mutex_lock(&j->lock);
    }
}

static void dismiss_locked(struct job *jb, const char *why)
{
    if (has_ended(jb))
        return;
    jb->info.status = JOB_DISMISSED;
    snprintf(jb->info.message, sizeof jb->info.message, "%s", why);
    if (!jb->is_running) { /* a running one ends when its worker sees it */
        jb->info.finished = (int64_t)time(NULL);
        jb->finished_mono = now_mono();
    }
}

void jobs_shutdown(struct jobs *j)
{
    size_t i;

    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    j->is_stopping = true;
    for (i = 0; i < j->n_slots; i++)
        if (j->slots[i].is_used)
            dismiss_locked(&j->slots[i], "dismissed: the server is shutting down");
    fire_ended_watchers(j);
    pthread_cond_broadcast(&j->wake);
    if (j->is_joined) {
        pthread_mutex_unlock(&j->lock);
        return;
    }
    j->is_joined = true;
    pthread_mutex_unlock(&j->lock);
    for (i = 0; i < j->n_started; i++)
        pthread_join(j->workers[i].thread, NULL);
}

void jobs_stop(struct jobs *j)
{
    if (!j)
        return;
    jobs_shutdown(j);
    jobs_free(j);
}

/* A free slot, or the oldest ended job that no connection waits on; NULL when every
 * slot is queued, running or awaited. */
static struct job *free_slot(struct jobs *j)
{
    struct job *old = NULL;
    size_t i;

    for (i = 0; i < j->n_slots; i++) {
        struct job *jb = &j->slots[i];
        if (!jb->is_used)
            return jb;
        if (has_ended(jb) && !jb->is_running && !jb->spec.is_hidden && !jb->on_done &&
            (!old || jb->seq < old->seq))
            old = jb;
    }
    if (old)
        job_clear(old);
    return old;
}

static size_t waiting_for(const struct jobs *j, const char *key)
{
    size_t i, n = 0;

    for (i = 0; i < j->n_slots; i++)
        if (j->slots[i].is_used && !has_ended(&j->slots[i]) && !strcmp(j->slots[i].key, key))
            n++;
    return n;
}

/* 128 random bits in hex: unguessable, so that an anonymous job's id is its capability. */
static void make_id(struct jobs *j, char *id)
{
    unsigned char bytes[JOB_ID_LEN / 2];
    char hex[JOB_ID_LEN + 1];

    do {
        randombytes_buf(bytes, sizeof bytes);
        sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    } while (find_any(j, hex));
    memcpy(id, hex, sizeof hex);
}

bool jobs_progress(struct job_progress *pr, double fraction)
{
    bool is_dismissed;

    pthread_mutex_lock(&pr->j->lock);
    /* Never backwards: a run's phases (say, distances, then the search) each report
     * their own fractions, and a client polling must not see it go down. */
    if (fraction >= 0 && fraction <= 1 && 10 + (int)(fraction * 89) > pr->jb->info.progress)
        pr->jb->info.progress = 10 + (int)(fraction * 89);
    is_dismissed = pr->jb->info.status == JOB_DISMISSED;
    pthread_mutex_unlock(&pr->j->lock);
    return is_dismissed;
}

/* Why a job cannot be queued now, or NULL. Lock held. */
static const char *refusal(struct jobs *j, const char *key)
{
    if (j->is_stopping)
        return "the server is shutting down";
    if (waiting_for(j, key) >= j->per_key_max)
        return "too many of your jobs are queued or running; wait for them or dismiss some";
    return NULL;
}

static void fill_job(struct jobs *j, struct job *jb, const struct job_spec *spec, const char *key)
{
    make_id(j, jb->info.id); /* before the slot is in use, so as not to find itself */
    jb->is_used = true;
    jb->spec = *spec;
    jb->spec.owner = jb->spec.queue_key = NULL; /* copied below, not borrowed */
    snprintf(jb->owner, sizeof jb->owner, "%s", spec->owner ? spec->owner : "");
    snprintf(jb->key, sizeof jb->key, "%s", key);
    snprintf(jb->info.process, sizeof jb->info.process, "%s", spec->process);
    jb->info.status = JOB_ACCEPTED;
    jb->info.created = (int64_t)time(NULL);
    jb->info.read_role = spec->read_role;
    jb->seq = ++j->seq;
    snprintf(jb->info.message, sizeof jb->info.message, "queued");
}

enum gis_status
jobs_submit(struct jobs *j, const struct job_spec *spec, char *out_id, struct gis_error *err)
{
    const char *key = spec->queue_key ? spec->queue_key : spec->owner ? spec->owner : "";
    const char *why;
    struct job *jb = NULL;

    pthread_mutex_lock(&j->lock);
    sweep(j);
    why = refusal(j, key);
    if (!why && !(jb = free_slot(j)))
        why = "too many jobs are queued or running; try again later";
    if (why) {
        pthread_mutex_unlock(&j->lock);
        if (spec->ctx_free)
            spec->ctx_free(spec->ctx);
        return gis_fail(err, GIS_ERR_TIMEOUT, "%s", why);
    }
    fill_job(j, jb, spec, key);
    memcpy(out_id, jb->info.id, JOB_ID_LEN + 1);
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
    return GIS_OK;
}

enum gis_status jobs_info(struct jobs *j, const char *id, const char *owner, struct job_info *out)
{
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id, owner);
    if (jb)
        *out = jb->info;
    pthread_mutex_unlock(&j->lock);
    return jb ? GIS_OK : GIS_ERR_NOT_FOUND;
}

static int by_seq_desc(const void *a, const void *b)
{
    const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;

    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

size_t jobs_list(struct jobs *j, const char *owner, struct job_info *out, size_t max)
{
    struct job **mine;
    size_t i, n = 0;

    if (!owner || !*owner || !(mine = malloc(j->n_slots * sizeof *mine)))
        return 0;
    pthread_mutex_lock(&j->lock);
    sweep(j);
    for (i = 0; i < j->n_slots; i++) {
        struct job *jb = &j->slots[i];
        if (jb->is_used && !jb->spec.is_hidden && !strcmp(jb->owner, owner))
            mine[n++] = jb;
    }
    qsort(mine, n, sizeof *mine, by_seq_desc);
    n = n < max ? n : max;
    for (i = 0; i < n; i++)
        out[i] = mine[i]->info;
    pthread_mutex_unlock(&j->lock);
    free(mine);
    return n;
}

/* A copy of what jb keeps (its result, or its failure's details), under the lock. */
static enum gis_status
copy_kept(const struct job *jb, char **out, size_t *out_len, struct gis_error *err)
{
    char *copy = malloc(jb->result_len + 1);

    if (!copy)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    memcpy(copy, jb->result, jb->result_len);
    copy[jb->result_len] = '\0';
    *out = copy;
    *out_len = jb->result_len;
    return GIS_OK;
}

enum gis_status jobs_result(struct jobs *j,
                            const char *id,
                            const char *owner,
                            char **out,
                            size_t *out_len,
                            bool *out_is_geojson,
                            struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id, owner);
    if (!jb)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no such job");
    else if (jb->info.status != JOB_SUCCESSFUL)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "job %s is %s: no result", id,
                      job_status_name(jb->info.status));
    else
        rc = copy_kept(jb, out, out_len, err);
    if (rc == GIS_OK)
        *out_is_geojson = jb->spec.is_geojson;
    pthread_mutex_unlock(&j->lock);
    return rc;
}

enum gis_status jobs_failure(struct jobs *j,
                             const char *id,
                             const char *owner,
                             char **out,
                             size_t *out_len,
                             struct gis_error *err)
{
    enum gis_status rc;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id, owner);
    if (!jb)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no such job");
    else if (jb->info.status != JOB_FAILED || !jb->result)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "job %s is %s: no details of a failure", id,
                      job_status_name(jb->info.status));
    else
        rc = copy_kept(jb, out, out_len, err);
    pthread_mutex_unlock(&j->lock);
    return rc;
}

enum gis_status
jobs_dismiss(struct jobs *j, const char *id, const char *owner, struct job_info *out)
{
    job_done_fn done = NULL;
    void *cls = NULL;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id, owner);
    if (jb) {
        dismiss_locked(jb, "dismissed");
        free(jb->result);
        jb->result = NULL;
        jb->info.status = JOB_DISMISSED; /* an ended one too: its result is gone */
        *out = jb->info;
        if (!jb->is_running)
            take_watcher(jb, &done, &cls);
    }
    pthread_mutex_unlock(&j->lock);
    if (done)
        done(cls);
    return jb ? GIS_OK : GIS_ERR_NOT_FOUND;
}

enum gis_status jobs_watch(struct jobs *j, const char *id, job_done_fn done, void *cls)
{
    struct job *jb;
    bool is_now;

    pthread_mutex_lock(&j->lock);
    jb = find_any(j, id);
    is_now = jb && has_ended(jb) && !jb->is_running;
    if (jb && !is_now) {
        jb->on_done = done;
        jb->on_done_cls = cls;
    }
    pthread_mutex_unlock(&j->lock);
    if (is_now)
        done(cls);
    return jb ? GIS_OK : GIS_ERR_NOT_FOUND;
}

enum gis_status jobs_result_take(struct jobs *j,
                                 const char *id,
                                 struct job_info *out_info,
                                 char **out,
                                 size_t *out_len,
                                 bool *out_is_geojson)
{
    enum gis_status rc = GIS_OK;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find_any(j, id);
    if (!jb)
        rc = GIS_ERR_NOT_FOUND;
    else if (!has_ended(jb) || jb->is_running)
        rc = GIS_ERR_INVALID_ARG;
    else {
        *out_info = jb->info;
        *out = jb->result;
        *out_len = jb->result_len;
        *out_is_geojson = jb->spec.is_geojson;
        jb->result = NULL; /* moved to the caller */
        job_clear(jb);
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}
