/*
 * Unit tests of app/jobs.h with real worker threads on a real (empty) store: owners
 * and anonymous capabilities, hidden synchronous jobs and their watchers, the fair
 * queue (fewest running per key first, a worker for short jobs only), per-key limits,
 * expiry, random ids and shutdown. Jobs here are gates the test opens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "store.h"

static char dir[64], db[128];

/* A job that reports it started and ends once opened (or dismissed). */
struct gate {
    pthread_mutex_t m;
    pthread_cond_t c;
    bool is_open, is_started;
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->m, NULL);
    pthread_cond_init(&g->c, NULL);
    g->is_open = g->is_started = false;
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->m);
    g->is_open = true;
    pthread_cond_broadcast(&g->c);
    pthread_mutex_unlock(&g->m);
}

static void gate_destroy(struct gate *g)
{
    pthread_mutex_destroy(&g->m);
    pthread_cond_destroy(&g->c);
}

static enum gis_status
gate_run(void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    struct gate *g = ctx;
    bool is_dismissed = false;

    (void)st;
    (void)err;
    pthread_mutex_lock(&g->m);
    g->is_started = true;
    pthread_cond_broadcast(&g->c);
    while (!g->is_open && !is_dismissed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->c, &g->m, &ts);
        pthread_mutex_unlock(&g->m);
        is_dismissed = jobs_progress(pr, 0.5);
        pthread_mutex_lock(&g->m);
    }
    pthread_mutex_unlock(&g->m);
    fputs("{\"ok\":true}", f);
    return GIS_OK;
}

static enum gis_status
instant_run(void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    (void)ctx;
    (void)st;
    (void)pr;
    (void)err;
    fputs("{\"n\":1}", f);
    return GIS_OK;
}

/* Refuses, writing every reason as its failure's details. */
static enum gis_status
refuse_run(void *ctx, struct store *st, FILE *f, struct job_progress *pr, struct gis_error *err)
{
    (void)ctx;
    (void)st;
    (void)pr;
    fputs("{\"errors\":[\"one\",\"two\"]}", f);
    return gis_fail(err, GIS_ERR_REJECTED, "one");
}

static struct jobs *start(unsigned workers, double ttl_s, size_t max_jobs)
{
    struct jobs *j = NULL;
    struct gis_error err = {0};

    assert_int_equal(jobs_start(&(struct jobs_options){db, workers, ttl_s, max_jobs}, &j, &err),
                     GIS_OK);
    return j;
}

static void submit(struct jobs *j, struct job_spec spec, char *id)
{
    struct gis_error err = {0};

    assert_int_equal(jobs_submit(j, &spec, id, &err), GIS_OK);
}

static struct job_spec gate_spec(struct gate *g, const char *key, bool is_long)
{
    return (struct job_spec){
        .process = "test", .run = gate_run, .ctx = g, .is_long = is_long, .queue_key = key};
}

static const struct job_spec INSTANT = {.process = "test", .run = instant_run};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (up to 10 s) until the job has the status. */
static void wait_status(struct jobs *j, const char *id, const char *owner, enum job_status s)
{
    struct job_info info;
    int i;

    for (i = 0; i < 10000; i++) {
        if (jobs_info(j, id, owner, &info) == GIS_OK && info.status == s)
            return;
        sleep_ms(1);
    }
    fail_msg("job %s never became %s", id, job_status_name(s));
}

static enum job_status status_of(struct jobs *j, const char *id)
{
    struct job_info info;

    assert_int_equal(jobs_info(j, id, NULL, &info), GIS_OK);
    return info.status;
}

static int setup(void **state)
{
    struct store *st = NULL;

    (void)state;
    snprintf(dir, sizeof dir, "/tmp/civgis-jobs-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/j.sqlite", dir);
    if (store_open(db, STORE_CREATE, &st, NULL) != GIS_OK)
        return -1;
    store_close(st);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void test_owner_and_capability(void **state)
{
    struct jobs *j = start(1, 0, 0);
    struct job_spec mine = INSTANT;
    struct job_info info, list[8];
    struct gis_error err = {0};
    char alice_job[JOB_ID_LEN + 1], anon_job[JOB_ID_LEN + 1], *buf = NULL;
    size_t len;
    bool is_geojson;

    (void)state;
    mine.owner = "alice";
    submit(j, mine, alice_job);
    submit(j, INSTANT, anon_job);
    wait_status(j, alice_job, "alice", JOB_SUCCESSFUL);
    wait_status(j, anon_job, NULL, JOB_SUCCESSFUL);
    /* a user's job: hers alone */
    assert_int_equal(jobs_info(j, alice_job, "bob", &info), GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_info(j, alice_job, NULL, &info), GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_result(j, alice_job, "bob", &buf, &len, &is_geojson, &err),
                     GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_dismiss(j, alice_job, NULL, &info), GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_result(j, alice_job, "alice", &buf, &len, &is_geojson, &err), GIS_OK);
    assert_string_equal(buf, "{\"n\":1}");
    free(buf);
    assert_int_equal(jobs_list(j, "alice", list, 8), 1);
    assert_string_equal(list[0].id, alice_job);
    assert_int_equal(jobs_list(j, "bob", list, 8), 0);
    /* an anonymous job: whoever holds the id, and never listed */
    assert_int_equal(jobs_info(j, anon_job, "bob", &info), GIS_OK);
    assert_int_equal(jobs_info(j, anon_job, NULL, &info), GIS_OK);
    assert_int_equal(jobs_list(j, NULL, list, 8), 0);
    assert_int_equal(jobs_list(j, "", list, 8), 0);
    assert_int_equal(jobs_dismiss(j, anon_job, "bob", &info), GIS_OK);
    assert_int_equal(info.status, JOB_DISMISSED);
    jobs_stop(j);
}

/* A failed job keeps what its run wrote when the spec says it is the failure's details
 * (its owner reads them later), and only then; a successful job has no failure. */
static void test_failure_details(void **state)
{
    struct jobs *j = start(1, 0, 0);
    struct job_spec with = {.process = "test", .run = refuse_run, .has_error_body = true};
    struct job_spec without = {.process = "test", .run = refuse_run};
    struct job_spec fine = INSTANT;
    struct job_info info;
    struct gis_error err = {0};
    char a[JOB_ID_LEN + 1], b[JOB_ID_LEN + 1], c[JOB_ID_LEN + 1], *buf = NULL;
    size_t len = 0;
    bool is_geojson;

    (void)state;
    with.owner = without.owner = fine.owner = "alice";
    submit(j, with, a);
    submit(j, without, b);
    submit(j, fine, c);
    wait_status(j, a, "alice", JOB_FAILED);
    wait_status(j, b, "alice", JOB_FAILED);
    wait_status(j, c, "alice", JOB_SUCCESSFUL);
    assert_int_equal(jobs_info(j, a, "alice", &info), GIS_OK);
    assert_int_equal(info.error, GIS_ERR_REJECTED);
    assert_string_equal(info.message, "one");
    assert_int_equal(jobs_failure(j, a, "bob", &buf, &len, &err), GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_failure(j, a, "alice", &buf, &len, &err), GIS_OK);
    assert_string_equal(buf, "{\"errors\":[\"one\",\"two\"]}");
    assert_int_equal(len, strlen(buf));
    free(buf);
    assert_int_equal(jobs_result(j, a, "alice", &buf, &len, &is_geojson, &err),
                     GIS_ERR_INVALID_ARG);
    assert_int_equal(jobs_failure(j, b, "alice", &buf, &len, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(jobs_failure(j, c, "alice", &buf, &len, &err), GIS_ERR_INVALID_ARG);
    jobs_stop(j);
}

struct counter {
    pthread_mutex_t m;
    pthread_cond_t c;
    int n;
};

static void count(void *cls)
{
    struct counter *k = cls;

    pthread_mutex_lock(&k->m);
    k->n++;
    pthread_cond_broadcast(&k->c);
    pthread_mutex_unlock(&k->m);
}

static void wait_count(struct counter *k, int n)
{
    pthread_mutex_lock(&k->m);
    while (k->n < n)
        pthread_cond_wait(&k->c, &k->m);
    pthread_mutex_unlock(&k->m);
}

static void test_hidden_job_watch_and_take(void **state)
{
    struct jobs *j = start(1, 0, 0);
    struct counter k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    struct gate g;
    struct job_spec spec;
    struct job_info info;
    char id[JOB_ID_LEN + 1], *buf = NULL;
    size_t len = 0;
    bool is_geojson = true;

    (void)state;
    gate_init(&g);
    spec = gate_spec(&g, "k", true);
    spec.is_hidden = true;
    submit(j, spec, id);
    assert_int_equal(jobs_info(j, id, NULL, &info), GIS_ERR_NOT_FOUND); /* never announced */
    assert_int_equal(jobs_watch(j, id, count, &k), GIS_OK);
    assert_int_equal(jobs_result_take(j, id, &info, &buf, &len, &is_geojson),
                     GIS_ERR_INVALID_ARG); /* not ended yet: nothing taken */
    sleep_ms(20);
    assert_int_equal(k.n, 0);
    gate_open(&g);
    wait_count(&k, 1);
    assert_int_equal(jobs_result_take(j, id, &info, &buf, &len, &is_geojson), GIS_OK);
    assert_int_equal(info.status, JOB_SUCCESSFUL);
    assert_false(is_geojson);
    assert_string_equal(buf, "{\"ok\":true}");
    free(buf);
    assert_int_equal(jobs_result_take(j, id, &info, &buf, &len, &is_geojson), GIS_ERR_NOT_FOUND);
    assert_int_equal(jobs_watch(j, id, count, &k), GIS_ERR_NOT_FOUND);
    /* a watch on an ended job is called at once */
    submit(j, INSTANT, id);
    wait_status(j, id, NULL, JOB_SUCCESSFUL);
    assert_int_equal(jobs_watch(j, id, count, &k), GIS_OK);
    assert_int_equal(k.n, 2);
    jobs_stop(j);
    gate_destroy(&g);
}

static void test_fewest_running_key_goes_first(void **state)
{
    struct jobs *j = start(2, 0, 0);
    struct gate g[4];
    char id[4][JOB_ID_LEN + 1];
    int i;

    (void)state;
    for (i = 0; i < 4; i++)
        gate_init(&g[i]);
    submit(j, gate_spec(&g[0], "a", true), id[0]);
    submit(j, gate_spec(&g[1], "a", true), id[1]);
    wait_status(j, id[0], NULL, JOB_RUNNING);
    wait_status(j, id[1], NULL, JOB_RUNNING);
    submit(j, gate_spec(&g[2], "a", true), id[2]); /* older than b's */
    submit(j, gate_spec(&g[3], "b", true), id[3]);
    gate_open(&g[0]);
    wait_status(j, id[0], NULL, JOB_SUCCESSFUL);
    wait_status(j, id[3], NULL, JOB_RUNNING); /* b runs none: its turn */
    assert_int_equal(status_of(j, id[2]), JOB_ACCEPTED);
    gate_open(&g[3]);
    wait_status(j, id[2], NULL, JOB_RUNNING);
    gate_open(&g[1]);
    gate_open(&g[2]);
    wait_status(j, id[2], NULL, JOB_SUCCESSFUL);
    jobs_stop(j);
    for (i = 0; i < 4; i++)
        gate_destroy(&g[i]);
}

static void test_short_jobs_have_a_worker_of_their_own(void **state)
{
    struct jobs *j = start(1, 0, 0);
    struct gate g[3];
    char id[3][JOB_ID_LEN + 1], quick[JOB_ID_LEN + 1];
    int i;

    (void)state;
    for (i = 0; i < 3; i++)
        gate_init(&g[i]);
    for (i = 0; i < 3; i++)
        submit(j, gate_spec(&g[i], "a", true), id[i]);
    wait_status(j, id[0], NULL, JOB_RUNNING);
    submit(j, INSTANT, quick); /* short: not is_long */
    wait_status(j, quick, NULL, JOB_SUCCESSFUL);
    assert_int_equal(status_of(j, id[0]), JOB_RUNNING);
    assert_int_equal(status_of(j, id[1]), JOB_ACCEPTED); /* long ones never take that worker */
    assert_int_equal(status_of(j, id[2]), JOB_ACCEPTED);
    for (i = 0; i < 3; i++)
        gate_open(&g[i]);
    wait_status(j, id[2], NULL, JOB_SUCCESSFUL);
    jobs_stop(j);
    for (i = 0; i < 3; i++)
        gate_destroy(&g[i]);
}

static void test_per_key_limit_and_random_ids(void **state)
{
    struct jobs *j = start(1, 0, 16); /* 2 unfinished jobs per key */
    struct gate g;
    struct gis_error err = {0};
    struct job_spec spec;
    char id[3][JOB_ID_LEN + 1], seen[64][JOB_ID_LEN + 1];
    int i, k;

    (void)state;
    gate_init(&g);
    spec = gate_spec(&g, "a", true);
    submit(j, spec, id[0]);
    submit(j, spec, id[1]);
    assert_int_equal(jobs_submit(j, &spec, id[2], &err), GIS_ERR_TIMEOUT);
    assert_non_null(strstr(err.msg, "too many of your jobs"));
    spec.queue_key = "b";
    submit(j, spec, id[2]);
    gate_open(&g);
    for (i = 0; i < 3; i++)
        wait_status(j, id[i], NULL, JOB_SUCCESSFUL);
    for (i = 0; i < 64; i++) {
        submit(j, INSTANT, seen[i]);
        assert_int_equal(strspn(seen[i], "0123456789abcdef"), JOB_ID_LEN);
        for (k = 0; k < i; k++)
            assert_string_not_equal(seen[i], seen[k]);
        wait_status(j, seen[i], NULL, JOB_SUCCESSFUL); /* ended ones make room */
    }
    jobs_stop(j);
    gate_destroy(&g);
}

static void test_ended_jobs_expire(void **state)
{
    struct jobs *j = start(1, 0.2, 0);
    struct job_info info;
    char id[JOB_ID_LEN + 1];

    (void)state;
    submit(j, INSTANT, id);
    wait_status(j, id, NULL, JOB_SUCCESSFUL);
    sleep_ms(400);
    assert_int_equal(jobs_info(j, id, NULL, &info), GIS_ERR_NOT_FOUND);
    jobs_stop(j);
}

static void test_shutdown_dismisses_and_calls_watchers(void **state)
{
    struct jobs *j = start(1, 0, 0);
    struct counter k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    struct gate g[2];
    struct gis_error err = {0};
    struct job_info info;
    struct job_spec spec;
    char id[2][JOB_ID_LEN + 1], late[JOB_ID_LEN + 1];
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        gate_init(&g[i]);
        spec = gate_spec(&g[i], "a", true);
        spec.is_hidden = true;
        submit(j, spec, id[i]);
    }
    for (i = 0; i < 2; i++)
        assert_int_equal(jobs_watch(j, id[i], count, &k), GIS_OK);
    pthread_mutex_lock(&g[0].m);
    while (!g[0].is_started)
        pthread_cond_wait(&g[0].c, &g[0].m);
    pthread_mutex_unlock(&g[0].m);
    jobs_shutdown(j); /* the running one sees its dismissal, the queued one never runs */
    assert_int_equal(k.n, 2);
    assert_false(g[1].is_started);
    for (i = 0; i < 2; i++) {
        char *buf = NULL;
        size_t len;
        bool is_geojson;
        assert_int_equal(jobs_result_take(j, id[i], &info, &buf, &len, &is_geojson), GIS_OK);
        assert_int_equal(info.status, JOB_DISMISSED);
        assert_null(buf);
    }
    spec = INSTANT;
    assert_int_equal(jobs_submit(j, &spec, late, &err), GIS_ERR_TIMEOUT);
    jobs_shutdown(j); /* idempotent */
    jobs_stop(j);
    for (i = 0; i < 2; i++)
        gate_destroy(&g[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_and_capability),
        cmocka_unit_test(test_failure_details),
        cmocka_unit_test(test_hidden_job_watch_and_take),
        cmocka_unit_test(test_fewest_running_key_goes_first),
        cmocka_unit_test(test_short_jobs_have_a_worker_of_their_own),
        cmocka_unit_test(test_per_key_limit_and_random_ids),
        cmocka_unit_test(test_ended_jobs_expire),
        cmocka_unit_test(test_shutdown_dismisses_and_calls_watchers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
