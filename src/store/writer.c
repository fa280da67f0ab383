/*
 * writer.c — one thread, one driver connection, group commit; see writer.h.
 *
 * The batch's own statements (BEGIN, the savepoints around each job,
 * COMMIT) are the connection's cached statements (db_stmt), prepared once:
 * a vote batch runs two of them per job, and parsing them each time cost a
 * tenth of the writer's time.  The same words serve both databases (the
 * driver's BEGIN takes SQLite's write lock at once; PostgreSQL's rows lock
 * as they are written).
 */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/check.h"
#include "core/clock.h"
#include "core/log.h"

struct writer {
    struct db_conn *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct writer_job *head, **tail;
    int stopping;
    int (*tick)(struct db_conn *db, void *ctx);
    int (*seal)(struct db_conn *db, void *ctx);
    void (*sealed)(void *ctx, int committed);
    void *tick_ctx;
    /*
     * Written by the writer thread, read by writer_stats_get on any thread
     * (/metrics): both sides hold lock, so a reader never sees a torn double
     * or a count from the middle of an update.
     */
    struct writer_stats stats;
};

/* The savepoint around each job (and the tick), the connection's cached statements. */
static const char savepoint_sql[] = "SAVEPOINT job", release_sql[] = "RELEASE job",
                  rollback_to_sql[] = "ROLLBACK TO job";

/* Add a batch's figures to the statistics, under the lock their reader takes. */
static void stats_add(struct writer *w, uint64_t batches, uint64_t jobs, double commit_ms)
{
    pthread_mutex_lock(&w->lock);
    w->stats.batches += batches;
    w->stats.jobs += jobs;
    if (batches)
        w->stats.last_commit_ms = commit_ms;
    pthread_mutex_unlock(&w->lock);
}

/* Run sql, a statement of the batch's own: 0 or -1 (logged, its fault noted by the driver). */
static int control(struct writer *w, const char *sql)
{
    return db_run(db_stmt(w->db, sql)) == RC_OK ? 0 : -1;
}

/* Run one batch: the jobs in list, then the tick if asked.  Calls every done. */
static void run_batch(struct writer *w, struct writer_job *list, int with_tick)
{
    double t0 = clock_ms();
    int rc = db_begin(w->db);
    for (struct writer_job *j = list; j && rc == 0; j = j->next) {
        CHECK(!j->bare); /* bare jobs run on their own, never in a batch */
        control(w, savepoint_sql);
        j->rc = j->run(w->db, j->arg);
        if (j->rc != 0)
            control(w, rollback_to_sql);
        control(w, release_sql);
    }
    if (rc == 0 && with_tick && w->tick) {
        control(w, savepoint_sql);
        if (w->tick(w->db, w->tick_ctx) != 0)
            control(w, rollback_to_sql);
        control(w, release_sql);
    }
    if (rc == 0 && w->seal && w->seal(w->db, w->tick_ctx) != 0) {
        db_rollback(w->db);
        rc = -1;
    } else if (rc == 0 && db_commit(w->db) != 0) {
        db_rollback(w->db);
        rc = -1;
    }
    if (w->sealed)
        w->sealed(w->tick_ctx, rc == 0);
    uint64_t njobs = 0;
    for (struct writer_job *j = list; j; j = j->next)
        njobs++;
    stats_add(w, 1, njobs, clock_ms() - t0);
    while (list) {
        struct writer_job *next = list->next;
        if (list->done)
            list->done(list->arg, rc != 0 ? -1 : list->rc);
        list = next;
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    double last_tick = clock_ms();
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            if (pthread_cond_timedwait(&w->wake, &w->lock, &until) == ETIMEDOUT)
                break;
        }
        struct writer_job *list = w->head;
        w->head = NULL;
        w->tail = &w->head;
        int stopping = w->stopping;
        pthread_mutex_unlock(&w->lock);

        /* Bare jobs run on their own, between the batches of the others, in queue order. */
        while (list && list->bare) {
            struct writer_job *j = list;
            list = j->next;
            j->rc = j->run(w->db, j->arg);
            stats_add(w, 0, 1, 0);
            if (j->done)
                j->done(j->arg, j->rc);
        }
        struct writer_job *rest = NULL, **cut = &list;
        while (*cut && !(*cut)->bare)
            cut = &(*cut)->next;
        rest = *cut;
        *cut = NULL;
        if (rest) { /* back to the queue's head, for the next round */
            pthread_mutex_lock(&w->lock);
            struct writer_job **end = &rest;
            while (*end)
                end = &(*end)->next;
            *end = w->head;
            if (!w->head)
                w->tail = end;
            w->head = rest;
            pthread_mutex_unlock(&w->lock);
        }
        int tick = stopping || clock_ms() - last_tick >= 1000.0;
        if (list || tick)
            run_batch(w, list, tick);
        if (tick)
            last_tick = clock_ms();
        pthread_mutex_lock(&w->lock);
        if (stopping && !w->head)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct writer *writer_start(struct db_conn *db, int (*tick)(struct db_conn *db, void *ctx),
                            int (*seal)(struct db_conn *db, void *ctx),
                            void (*sealed)(void *ctx, int committed), void *tick_ctx)
{
    struct writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->db = db;
    w->tail = &w->head;
    w->tick = tick;
    w->seal = seal;
    w->sealed = sealed;
    w->tick_ctx = tick_ctx;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void writer_submit(struct writer *w, struct writer_job *job)
{
    CHECK(job->run != NULL);
    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    /* The queue's tail always points at the NULL link that ends it. */
    CHECK(*w->tail == NULL);
    *w->tail = job;
    w->tail = &job->next;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

/* A job run synchronously: the trampolines below share this one record. */
struct sync_job {
    int (*run)(struct db_conn *db, void *arg);
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished, rc;
};

static int sync_run(struct db_conn *db, void *arg)
{
    struct sync_job *sj = arg;
    return sj->run(db, sj->arg);
}

static void sync_done(void *arg, int rc)
{
    struct sync_job *sj = arg;
    pthread_mutex_lock(&sj->lock);
    sj->finished = 1;
    sj->rc = rc;
    pthread_cond_signal(&sj->cond);
    pthread_mutex_unlock(&sj->lock);
}

/* Queue run as a job (bare: outside any batch) and wait for its result. */
static int run_and_wait(struct writer *w, int (*run)(struct db_conn *db, void *arg), void *arg, int bare)
{
    struct sync_job sj = {run, arg, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct writer_job job = {sync_run, sync_done, &sj, 0, NULL, bare};
    writer_submit(w, &job);
    pthread_mutex_lock(&sj.lock);
    while (!sj.finished)
        pthread_cond_wait(&sj.cond, &sj.lock);
    pthread_mutex_unlock(&sj.lock);
    return sj.rc;
}

int writer_run_sync(struct writer *w, int (*run)(struct db_conn *db, void *arg), void *arg)
{
    return run_and_wait(w, run, arg, 0);
}

int writer_run_bare(struct writer *w, int (*run)(struct db_conn *db, void *arg), void *arg)
{
    return run_and_wait(w, run, arg, 1);
}

void writer_stop(struct writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

void writer_stats_get(struct writer *w, struct writer_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}
