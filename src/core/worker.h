/*
 * worker.h — a small pool of threads for slow, CPU-heavy work (password
 * hashing), so that it never runs on the threads that serve pages.  Jobs
 * queue in order; the queue is bounded, and a full queue refuses a job
 * rather than growing without limit.
 */
#ifndef LAUREL_WORKER_H
#define LAUREL_WORKER_H

#define WORKER_QUEUE_MAX 1024

/* Start n threads (once per process).  0 or -1. */
int worker_start(unsigned n);
/* Finish the queued jobs and stop the threads. */
void worker_stop(void);
/* Queue fn(arg); returns 0, or -1 when the queue is full or the pool is not running. */
int worker_submit(void (*fn)(void *arg), void *arg);

#endif
