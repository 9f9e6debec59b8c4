/*
 * The job table and its worker. Jobs live in a fixed ring of JOBS_MAX slots (the oldest
 * finished job makes room); one mutex guards the table, and the worker runs a job's
 * analysis outside it, on a store of its own.
 */
#include "jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define JOBS_MAX 256

struct job {
    struct job_info info;
    struct job_spec spec;
    char *result;
    size_t result_len;
    bool is_used;
    bool is_running; /* the worker holds it: never reused, even when dismissed */
};

struct jobs {
    char *db_path;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t worker;
    bool is_stopping;
    struct job slots[JOBS_MAX];
    uint64_t serial;
};

const char *job_status_name(enum job_status s)
{
    static const char *const names[] = {"accepted", "running", "successful", "failed", "dismissed"};
    return (unsigned)s < 5 ? names[s] : "failed";
}

struct job_progress {
    struct jobs *j;
    struct job *jb;
};

static void job_clear(struct job *jb)
{
    if (jb->spec.ctx_free)
        jb->spec.ctx_free(jb->spec.ctx);
    free(jb->result);
    memset(jb, 0, sizeof *jb);
}

static struct job *find(struct jobs *j, const char *id)
{
    size_t i;

    for (i = 0; id && i < JOBS_MAX; i++)
        if (j->slots[i].is_used && !strcmp(j->slots[i].info.id, id))
            return &j->slots[i];
    return NULL;
}

static struct job *next_queued(struct jobs *j)
{
    struct job *best = NULL;
    size_t i;

    for (i = 0; i < JOBS_MAX; i++) {
        struct job *jb = &j->slots[i];
        if (jb->is_used && jb->info.status == JOB_ACCEPTED &&
            (!best || jb->info.created < best->info.created))
            best = jb;
    }
    return best;
}

/* Runs one job outside the lock; its params are immutable while it runs. */
static void run_job(struct jobs *j, struct job *jb)
{
    struct gis_error err = {0};
    struct store *st = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct job_progress pr = {j, jb};
    enum gis_status rc =
        f ? store_open(j->db_path, jb->spec.needs_write ? STORE_READ_WRITE : STORE_READ_ONLY, &st,
                       &err)
          : gis_fail(&err, GIS_ERR_NOMEM, "out of memory");

    if (rc == GIS_OK)
        rc = jb->spec.run(jb->spec.ctx, st, f, &pr, &err);
    if (f)
        fclose(f);
    store_close(st);
    pthread_mutex_lock(&j->lock);
    jb->info.finished = (int64_t)time(NULL);
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
        snprintf(jb->info.message, sizeof jb->info.message, "%s", err.msg);
        free(buf);
    }
    pthread_mutex_unlock(&j->lock);
}

static void *worker(void *arg)
{
    struct jobs *j = arg;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    while (!j->is_stopping) {
        jb = next_queued(j);
        if (!jb) {
            pthread_cond_wait(&j->wake, &j->lock);
            continue;
        }
        jb->info.status = JOB_RUNNING;
        jb->info.started = (int64_t)time(NULL);
        jb->info.progress = 10;
        jb->is_running = true;
        pthread_mutex_unlock(&j->lock);
        run_job(j, jb);
        pthread_mutex_lock(&j->lock);
        jb->is_running = false;
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

enum gis_status jobs_start(const char *db_path, struct jobs **out, struct gis_error *err)
{
    struct jobs *j = calloc(1, sizeof *j);

    if (!j || !(j->db_path = strdup(db_path))) {
        free(j);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    if (pthread_create(&j->worker, NULL, worker, j) != 0) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->wake);
        free(j->db_path);
        free(j);
        return gis_fail(err, GIS_ERR_INTERNAL, "cannot start the job worker");
    }
    *out = j;
    return GIS_OK;
}

void jobs_stop(struct jobs *j)
{
    size_t i;

    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    j->is_stopping = true;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->worker, NULL);
    for (i = 0; i < JOBS_MAX; i++)
        job_clear(&j->slots[i]);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j->db_path);
    free(j);
}

/* A free slot, or the oldest finished one; NULL when all are queued or running. */
static struct job *free_slot(struct jobs *j)
{
    struct job *old = NULL;
    size_t i;

    for (i = 0; i < JOBS_MAX; i++) {
        struct job *jb = &j->slots[i];
        if (!jb->is_used)
            return jb;
        if (jb->info.status >= JOB_SUCCESSFUL && !jb->is_running &&
            (!old || jb->info.created < old->info.created))
            old = jb;
    }
    if (old)
        job_clear(old);
    return old;
}

static void make_id(struct jobs *j, char *id)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* Unguessable enough to name a job, unique by the serial. */
    snprintf(id, JOB_ID_LEN + 1, "%016llx%08llx%08lx",
             (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec,
             (unsigned long long)++j->serial, (unsigned long)(random() & 0xffffffffL));
}

bool jobs_progress(struct job_progress *pr, double fraction)
{
    bool is_dismissed;

    pthread_mutex_lock(&pr->j->lock);
    if (fraction >= 0 && fraction <= 1)
        pr->jb->info.progress = 10 + (int)(fraction * 89);
    is_dismissed = pr->jb->info.status == JOB_DISMISSED;
    pthread_mutex_unlock(&pr->j->lock);
    return is_dismissed;
}

enum gis_status
jobs_submit(struct jobs *j, const struct job_spec *spec, char *out_id, struct gis_error *err)
{
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = free_slot(j);
    if (!jb) {
        pthread_mutex_unlock(&j->lock);
        if (spec->ctx_free)
            spec->ctx_free(spec->ctx);
        return gis_fail(err, GIS_ERR_TIMEOUT, "too many jobs waiting; try again later");
    }
    jb->is_used = true;
    jb->spec = *spec;
    make_id(j, jb->info.id);
    snprintf(jb->info.process, sizeof jb->info.process, "%s", spec->process);
    jb->info.status = JOB_ACCEPTED;
    jb->info.created = (int64_t)time(NULL);
    snprintf(jb->info.message, sizeof jb->info.message, "queued");
    memcpy(out_id, jb->info.id, JOB_ID_LEN + 1);
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    return GIS_OK;
}

enum gis_status jobs_info(struct jobs *j, const char *id, struct job_info *out)
{
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id);
    if (jb)
        *out = jb->info;
    pthread_mutex_unlock(&j->lock);
    return jb ? GIS_OK : GIS_ERR_NOT_FOUND;
}

size_t jobs_list(struct jobs *j, struct job_info *out, size_t max)
{
    size_t i, n = 0;

    pthread_mutex_lock(&j->lock);
    for (i = 0; i < JOBS_MAX && n < max; i++)
        if (j->slots[i].is_used)
            out[n++] = j->slots[i].info;
    pthread_mutex_unlock(&j->lock);
    return n;
}

enum gis_status jobs_result(struct jobs *j,
                            const char *id,
                            char **out,
                            size_t *out_len,
                            bool *out_is_geojson,
                            struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id);
    if (!jb)
        rc = gis_fail(err, GIS_ERR_NOT_FOUND, "no job '%.40s'", id);
    else if (jb->info.status != JOB_SUCCESSFUL)
        rc = gis_fail(err, GIS_ERR_INVALID_ARG, "job %s is %s: no result", id,
                      job_status_name(jb->info.status));
    else if (!(*out = malloc(jb->result_len + 1)))
        rc = gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    else {
        memcpy(*out, jb->result, jb->result_len + 1);
        *out_len = jb->result_len;
        *out_is_geojson = jb->spec.is_geojson;
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}

enum gis_status jobs_dismiss(struct jobs *j, const char *id, struct job_info *out)
{
    struct job *jb;

    pthread_mutex_lock(&j->lock);
    jb = find(j, id);
    if (jb) {
        if (jb->info.status == JOB_ACCEPTED || jb->info.status == JOB_RUNNING) {
            jb->info.status = JOB_DISMISSED;
            snprintf(jb->info.message, sizeof jb->info.message, "dismissed");
        }
        free(jb->result);
        jb->result = NULL;
        *out = jb->info;
        if (jb->info.status != JOB_DISMISSED)
            out->status = JOB_DISMISSED;
        jb->info.status = JOB_DISMISSED;
    }
    pthread_mutex_unlock(&j->lock);
    return jb ? GIS_OK : GIS_ERR_NOT_FOUND;
}
