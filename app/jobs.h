/*
 * The jobs of OGC API - Processes: every run, synchronous or asynchronous, is a job on
 * this pool, never work on an HTTP thread. A fair queue served by one worker per CPU
 * plus one worker for short jobs only; each worker has its own store. Jobs have an
 * owner, random ids and an expiry. Used by server/ (the processes).
 *
 * Owners: a job submitted by an authenticated user belongs to that user, who alone
 * lists and reads it. A job submitted anonymously belongs to no one: its id, 128 bits
 * from a CSPRNG, is the capability that reads, fetches and dismisses it, and no
 * listing ever shows it.
 */
#ifndef CIVGIS_JOBS_H
#define CIVGIS_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"
#include "store.h"

enum job_status {
    JOB_ACCEPTED,
    JOB_RUNNING,
    JOB_SUCCESSFUL,
    JOB_FAILED,
    JOB_DISMISSED,
};

/* Hex of 16 random bytes. */
#define JOB_ID_LEN 32

/* Defaults of struct jobs_options. */
#define JOBS_TTL_DEFAULT_S 3600.0
#define JOBS_MAX_DEFAULT   256

struct jobs;

/* A copy of a job's state, for rendering (result not included). */
struct job_info {
    char id[JOB_ID_LEN + 1];
    char process[32];
    enum job_status status;
    int progress;                       /* percent */
    int64_t created, started, finished; /* Unix seconds, 0 when not yet */
    char message[256];
    enum gis_status error; /* why a failed job failed (GIS_OK otherwise) */
    int read_role;         /* the role its results need (enum auth_role) */
};

const char *job_status_name(enum job_status s);

struct jobs_options {
    const char *db_path; /* copied */
    unsigned workers;    /* workers that run any job; 0: one per CPU */
    double ttl_s;        /* a finished job is forgotten this long after it ends; <= 0: default */
    size_t max_jobs;     /* jobs held at once (queued, running, finished); 0: default */
};

/* Starts the workers. out: the table, freed by jobs_stop. */
enum gis_status
jobs_start(const struct jobs_options *opt, struct jobs **out, struct gis_error *err);
/* Dismisses every queued and running job, waits for the workers to end and calls every
 * pending watcher; later submissions are refused. The table stays readable until
 * jobs_stop. Idempotent; NULL is a no-op. */
void jobs_shutdown(struct jobs *j);
/* jobs_shutdown, then frees everything. NULL is a no-op. */
void jobs_stop(struct jobs *j);

/* Passed to a running job: report progress, learn whether to stop. */
struct job_progress;

/* Records progress (0..1); returns true once the job was dismissed (stop then). */
bool jobs_progress(struct job_progress *pr, double fraction);

/* A job's work: writes its result to f. ctx is the job's own (freed by ctx_free). */
typedef enum gis_status (*job_run_fn)(
    void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err);

struct job_spec {
    const char *process; /* e.g. "coverage" */
    job_run_fn run;
    void *ctx; /* owned by the table once submitted, even on failure */
    void (*ctx_free)(void *ctx);
    bool is_geojson;       /* the result's media type */
    bool needs_write;      /* opens the store read-write (saving a scenario) */
    bool is_long;          /* may run for long (site selection): not on the short-job worker */
    bool is_hidden;        /* a synchronous run: never listed or found by id; see
                              jobs_result_take */
    const char *owner;     /* the user it belongs to (copied); NULL: anonymous */
    const char *queue_key; /* whose turn it is in the queue: the user or the client's
                              address (copied); NULL: owner */
    int read_role;         /* copied to job_info.read_role */
    bool has_error_body;   /* what a failing run wrote is its failure's details (JSON) */
};

/* Queues a job. out_id: the new job's id. GIS_ERR_TIMEOUT when the table is full, the
 * caller's queue key has too many jobs waiting, or the pool is shutting down. */
enum gis_status
jobs_submit(struct jobs *j, const struct job_spec *spec, char *out_id, struct gis_error *err);

/* A job of owner (NULL: anonymous), or an anonymous job, by id: lookups below answer
 * GIS_ERR_NOT_FOUND for an unknown, expired, hidden or someone else's job. */

/* The job's state. */
enum gis_status jobs_info(struct jobs *j, const char *id, const char *owner, struct job_info *out);

/* The jobs owned by owner, newest first; returns how many. Anonymous jobs have no owner
 * and are never listed: owner NULL gives 0. */
size_t jobs_list(struct jobs *j, const char *owner, struct job_info *out, size_t max);

/* The result of a successful job: out is a malloc'd copy (caller frees), out_is_geojson
 * its media type. GIS_ERR_INVALID_ARG: not successful. */
enum gis_status jobs_result(struct jobs *j,
                            const char *id,
                            const char *owner,
                            char **out,
                            size_t *out_len,
                            bool *out_is_geojson,
                            struct gis_error *err);

/* What a failed job's run wrote as its failure's details (has_error_body: every reason
 * of a refusal, as JSON), so an asynchronous caller learns what a synchronous one is
 * answered: out is a malloc'd copy (caller frees). GIS_ERR_NOT_FOUND as jobs_result;
 * GIS_ERR_INVALID_ARG when the job has not failed or left no details. */
enum gis_status jobs_failure(struct jobs *j,
                             const char *id,
                             const char *owner,
                             char **out,
                             size_t *out_len,
                             struct gis_error *err);

/* Dismisses a job: a queued one never runs, a running one's result is dropped. */
enum gis_status
jobs_dismiss(struct jobs *j, const char *id, const char *owner, struct job_info *out);

/* Called once when a job ends (any way, including shutdown). */
typedef void (*job_done_fn)(void *cls);

/* Calls done(cls) once job id has ended: at once, on this thread, when it has already;
 * else on the thread that ends it, without the table's lock held. One watcher per job,
 * hidden jobs included. GIS_ERR_NOT_FOUND (and no call) for an unknown id. */
enum gis_status jobs_watch(struct jobs *j, const char *id, job_done_fn done, void *cls);

/* Takes an ended job out of the table (hidden ones included): its final state, and for
 * a successful one its result, for a failed one with has_error_body what its run wrote (the
 * failure's details, e.g. every reason of a refusal), if anything (out: malloc'd, caller
 * frees; else NULL). GIS_ERR_NOT_FOUND
 * for an unknown id, GIS_ERR_INVALID_ARG (nothing taken) while it is still queued or
 * running. */
enum gis_status jobs_result_take(struct jobs *j,
                                 const char *id,
                                 struct job_info *out_info,
                                 char **out,
                                 size_t *out_len,
                                 bool *out_is_geojson);

#endif
