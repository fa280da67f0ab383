/*
 * worker.c — a fixed thread pool over a bounded FIFO; see worker.h.
 */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>

#include "check.h"

struct job {
    void (*fn)(void *arg);
    void *arg;
};

static struct job queue[WORKER_QUEUE_MAX];
static unsigned head, count, nthreads;
static int stopping, running;
static pthread_t threads[16];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;

static void *worker_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (count == 0 && !stopping)
            pthread_cond_wait(&more, &lock);
        if (count == 0 && stopping)
            break;
        /* The queue is bounded: count never passes WORKER_QUEUE_MAX. */
        CHECK(count <= WORKER_QUEUE_MAX && head < WORKER_QUEUE_MAX);
        struct job j = queue[head];
        head = (head + 1) % WORKER_QUEUE_MAX;
        count--;
        pthread_mutex_unlock(&lock);
        j.fn(j.arg);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int worker_start(unsigned n)
{
    if (running)
        return 0;
    if (n == 0)
        n = 1;
    if (n > sizeof threads / sizeof threads[0])
        n = sizeof threads / sizeof threads[0];
    stopping = 0;
    for (nthreads = 0; nthreads < n; nthreads++)
        if (pthread_create(&threads[nthreads], NULL, worker_main, NULL) != 0)
            break;
    running = nthreads > 0;
    return running ? 0 : -1;
}

void worker_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&more);
    pthread_mutex_unlock(&lock);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    running = 0;
    nthreads = 0;
}

int worker_submit(void (*fn)(void *arg), void *arg)
{
    CHECK(fn != NULL);
    pthread_mutex_lock(&lock);
    if (!running || stopping || count == WORKER_QUEUE_MAX) {
        pthread_mutex_unlock(&lock);
        return -1;
    }
    queue[(head + count) % WORKER_QUEUE_MAX] = (struct job){fn, arg};
    count++;
    pthread_cond_signal(&more);
    pthread_mutex_unlock(&lock);
    return 0;
}
