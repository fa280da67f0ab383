/*
 * defer.c — answering after slow work without holding a server thread.
 *
 * web_write queues a store write and suspends the connection until the
 * writer has committed it (so an acknowledged write is durable); web_work
 * runs a function on the worker pool (password hashing) the same way.  In
 * both, `then` runs afterwards on a server thread to fill the response.
 */
#include "web/web.h"

#include "core/worker.h"

struct deferred {
    store_write_fn run;           /* web_write */
    void (*fn)(void *arg);        /* web_work */
    void *arg;
    web_then_fn then;
    int rc;
    resp_wake_fn wake;
    void *token;
};

static void write_done(void *arg, int rc)
{
    struct deferred *d = arg;
    d->rc = rc;
    d->wake(d->token);
}

/* On the writer thread: the store passes the deferred; run the caller's write with its arg. */
static int write_run(struct store_tx *tx, void *arg)
{
    struct deferred *d = arg;
    return d->run(tx, d->arg);
}

static void start_write(struct req *r, struct resp *w, resp_wake_fn wake, void *token)
{
    (void)r;
    struct deferred *d = w->deferred;
    d->wake = wake;
    d->token = token;
    if (store_write(web.store, write_run, write_done, d) != RC_OK) {
        d->rc = RC_ERROR;
        wake(token);
    }
}

static void work_run(void *arg)
{
    struct deferred *d = arg;
    d->fn(d->arg);
    d->rc = RC_OK;
    d->wake(d->token);
}

static void start_work(struct req *r, struct resp *w, resp_wake_fn wake, void *token)
{
    (void)r;
    struct deferred *d = w->deferred;
    d->wake = wake;
    d->token = token;
    if (worker_submit(work_run, d) != 0) {
        d->rc = RC_ERROR; /* the queue is full: refuse rather than pile up */
        wake(token);
    }
}

static void finish(struct req *r, struct resp *w)
{
    struct deferred *d = w->deferred;
    w->deferred = NULL;
    d->then(r, w, d->rc, d->arg);
}

static struct deferred *deferred_new(struct req *r, struct resp *w, void *arg, web_then_fn then)
{
    struct deferred *d = arena_alloc(&r->arena, sizeof *d);
    if (!d)
        return NULL;
    *d = (struct deferred){0};
    d->arg = arg;
    d->then = then;
    w->deferred = d;
    w->finish = finish;
    return d;
}

void web_write(struct req *r, struct resp *w, store_write_fn run, void *arg, web_then_fn then)
{
    struct deferred *d = deferred_new(r, w, arg, then);
    if (!d) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    d->run = run;
    w->start = start_write;
}

void web_work(struct req *r, struct resp *w, void (*fn)(void *arg), void *arg, web_then_fn then)
{
    struct deferred *d = deferred_new(r, w, arg, then);
    if (!d) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    d->fn = fn;
    w->start = start_work;
}
