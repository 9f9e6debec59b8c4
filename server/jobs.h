/*
 * Asynchronous jobs of OGC API - Processes: a queue served by one worker thread, each
 * job with its own read-only store. Shared inside server/ only.
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

#define JOB_ID_LEN 32

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
};

const char *job_status_name(enum job_status s);

/* Starts the worker. db_path is copied. out: the table, freed by jobs_stop. */
enum gis_status jobs_start(const char *db_path, struct jobs **out, struct gis_error *err);
/* Stops the worker after the running job and frees everything. NULL is a no-op. */
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
    bool is_geojson;  /* the result's media type */
    bool needs_write; /* opens the store read-write (saving a scenario) */
};

/* Queues a job. out_id: the new job's id. */
enum gis_status
jobs_submit(struct jobs *j, const struct job_spec *spec, char *out_id, struct gis_error *err);

/* The job's state; GIS_ERR_NOT_FOUND for an unknown id. */
enum gis_status jobs_info(struct jobs *j, const char *id, struct job_info *out);

/* Copies of the ids of the most recent jobs, newest first; returns how many. */
size_t jobs_list(struct jobs *j, struct job_info *out, size_t max);

/* The result of a successful job: out is a malloc'd copy (caller frees), out_is_geojson
 * its media type. GIS_ERR_NOT_FOUND: no such job; GIS_ERR_INVALID_ARG: not successful. */
enum gis_status jobs_result(struct jobs *j,
                            const char *id,
                            char **out,
                            size_t *out_len,
                            bool *out_is_geojson,
                            struct gis_error *err);

/* Dismisses a job: a queued one never runs, a running one's result is dropped. */
enum gis_status jobs_dismiss(struct jobs *j, const char *id, struct job_info *out);

#endif
