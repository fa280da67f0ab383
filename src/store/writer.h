/*
 * writer.h — the single writer thread and its group commit.
 *
 * Every write to the database is a job queued here.  The writer takes all
 * queued jobs at once, runs them inside one transaction (each under its own
 * savepoint, so one failing job does not undo the others) and commits: one
 * fsync per batch (SQLite's synchronous=FULL, PostgreSQL's synchronous_commit).  Only after the commit does it call
 * each job's `done`, so a handler that waits for `done` (suspending its
 * connection meanwhile) acknowledges only durable writes.  Once a second,
 * and once more when stopping, the writer runs its `tick` inside a batch
 * (the view-counter flush).  Last in every batch, before the commit, it
 * runs its `seal` (the audit chain's row for the batch's votes); a seal
 * that fails rolls the whole batch back.  After the commit or the rollback,
 * before any `done`, it calls `sealed` (what the batch changed made known).
 */
#ifndef LAUREL_WRITER_H
#define LAUREL_WRITER_H

#include <stdint.h>

#include "store/db.h"

struct writer_job {
    /* Runs on the writer thread inside the batch transaction; returns 0 or -1. */
    int (*run)(struct db_conn *db, void *arg);
    /* Runs after the commit (rc 0) or the rollback (rc -1); may be NULL. */
    void (*done)(void *arg, int rc);
    void *arg;
    int rc;                  /* the writer's: run's result */
    struct writer_job *next; /* the writer's */
    int bare;                /* run outside any transaction (writer_run_bare) */
};

struct writer_stats {
    uint64_t batches, jobs;
    double last_commit_ms;
};

struct writer;

/*
 * Start the thread; it owns the connection db from now on.  tick and seal
 * (0 or -1) and sealed may be NULL; ctx is theirs.
 */
struct writer *writer_start(struct db_conn *db, int (*tick)(struct db_conn *db, void *ctx),
                            int (*seal)(struct db_conn *db, void *ctx),
                            void (*sealed)(void *ctx, int committed), void *ctx);
/* Queue a job (the caller keeps ownership of job, which must live until done). */
void writer_submit(struct writer *w, struct writer_job *job);
/* Run a job and wait for its commit; returns its rc. */
int writer_run_sync(struct writer *w, int (*run)(struct db_conn *db, void *arg), void *arg);
/*
 * Run a job outside any transaction and wait for it; returns its rc.  For
 * what a transaction forbids (journal_mode, synchronous) while nothing else
 * writes, as when a bulk load (bulk.h) fills a fresh database.
 */
int writer_run_bare(struct writer *w, int (*run)(struct db_conn *db, void *arg), void *arg);
/* Drain the queue, run the last tick, stop the thread.  Does not close db. */
void writer_stop(struct writer *w);
void writer_stats_get(struct writer *w, struct writer_stats *out);

#endif
