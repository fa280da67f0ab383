/*
 * generate_aside.c — demo_generate_aside (generate.h): the generator on a
 * thread of its own, its records handed to the caller's sink on the
 * caller's thread, in the generator's order.
 *
 * A bulk load's writer inserts the cases while the generator makes up the
 * next ones on the second core (their words are about half of the load's
 * CPU before the sections; the second core is otherwise idle then).  The
 * cases, nearly all of the records, are copied whole (the record and its
 * strings in one block) into batches of BATCH; every other record (the
 * fixed head, a few thousand units, the articles) is handed over as it is
 * and the generator waits until the sink has taken it, so that its
 * pointers stay valid without a copy.  At most DEPTH batches wait, so the
 * generator runs at most that far ahead.  A sink that stops (-1) stops the
 * generator at its next record; the caller gets -1, as from demo_generate.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "demo/generate.h"

#define BATCH 64
#define DEPTH 8

struct batch {
    struct batch *next;
    int n;
    struct demo_case *c[BATCH];
};

enum kind { K_NONE, K_CAMPAIGN, K_STAGE, K_TIER, K_TRACK, K_REGION, K_UNIT, K_ARTICLE };

struct aside {
    const struct demo_sink *sink; /* the caller's */
    uint64_t seed;
    int ncases;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch *head, *tail; /* batches waiting for the sink */
    int queued;
    struct batch *filling; /* the generator's, not yet queued */
    enum kind kind;        /* a record handed over, K_NONE when taken */
    const void *rec;
    int stop; /* the sink stopped, or a copy failed */
    int done, rc; /* the generator ended, and its result */
};

/* Queue the generator's batch (if any), waiting while DEPTH are queued; under no lock. */
static void push(struct aside *a)
{
    struct batch *b = a->filling;
    a->filling = NULL;
    if (!b)
        return;
    pthread_mutex_lock(&a->mu);
    while (a->queued >= DEPTH && !a->stop)
        pthread_cond_wait(&a->cv, &a->mu);
    if (a->tail)
        a->tail->next = b;
    else
        a->head = b;
    a->tail = b;
    a->queued++;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Hand one record to the caller's thread and wait until its sink took it: 0, or -1. */
static int hand(struct aside *a, enum kind kind, const void *rec)
{
    push(a);
    pthread_mutex_lock(&a->mu);
    a->kind = kind;
    a->rec = rec;
    pthread_cond_broadcast(&a->cv);
    while (a->kind != K_NONE && !a->stop)
        pthread_cond_wait(&a->cv, &a->mu);
    int rc = a->stop ? -1 : 0;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

static int h_campaign(void *ctx, const struct demo_campaign *c)
{
    return hand(ctx, K_CAMPAIGN, c);
}
static int h_stage(void *ctx, const struct demo_stage *s)
{
    return hand(ctx, K_STAGE, s);
}
static int h_tier(void *ctx, const struct demo_tier *t)
{
    return hand(ctx, K_TIER, t);
}
static int h_track(void *ctx, const struct demo_track *t)
{
    return hand(ctx, K_TRACK, t);
}
static int h_region(void *ctx, const struct demo_region *r)
{
    return hand(ctx, K_REGION, r);
}
static int h_unit(void *ctx, const struct demo_unit *u)
{
    return hand(ctx, K_UNIT, u);
}
static int h_article(void *ctx, const struct demo_article *x)
{
    return hand(ctx, K_ARTICLE, x);
}

/* The case and its strings in one block (free it whole); NULL if out of memory. */
static struct demo_case *case_copy(const struct demo_case *c)
{
    const char **f[7 + DEMO_SECTIONS + DEMO_MAX_TAGS];
    struct demo_case tmp = *c;
    int n = 0;
    f[n++] = &tmp.region_code;
    f[n++] = &tmp.track_slug;
    f[n++] = &tmp.title;
    f[n++] = &tmp.summary;
    f[n++] = &tmp.merit;
    f[n++] = &tmp.submitted_at;
    f[n++] = &tmp.published_at;
    for (int i = 0; i < DEMO_SECTIONS; i++)
        f[n++] = &tmp.sections[i];
    for (int i = 0; i < c->ntags && i < DEMO_MAX_TAGS; i++)
        f[n++] = &tmp.tags[i];
    size_t len[7 + DEMO_SECTIONS + DEMO_MAX_TAGS], total = sizeof tmp;
    for (int i = 0; i < n; i++)
        total += (len[i] = *f[i] ? strlen(*f[i]) + 1 : 0);
    struct demo_case *d = malloc(total);
    if (!d)
        return NULL;
    char *p = (char *)(d + 1);
    for (int i = 0; i < n; i++) {
        if (*f[i]) {
            memcpy(p, *f[i], len[i]);
            *f[i] = p;
            p += len[i];
        }
    }
    *d = tmp;
    return d;
}

static int h_case(void *ctx, const struct demo_case *c)
{
    struct aside *a = ctx;
    if (!a->filling && !(a->filling = calloc(1, sizeof *a->filling)))
        return -1;
    struct demo_case *d = case_copy(c);
    if (!d)
        return -1;
    a->filling->c[a->filling->n++] = d;
    if (a->filling->n == BATCH)
        push(a);
    pthread_mutex_lock(&a->mu);
    int rc = a->stop ? -1 : 0;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

static void *generator(void *arg)
{
    struct aside *a = arg;
    const struct demo_sink k = {a,       h_campaign, h_stage, h_tier,   h_track,
                                h_region, h_unit,    h_case,  h_article};
    int rc = demo_generate(a->seed, a->ncases, &k);
    push(a);
    pthread_mutex_lock(&a->mu);
    a->done = 1;
    a->rc = rc;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* The caller's sink on one record handed over: its answer. */
static int take(const struct demo_sink *k, enum kind kind, const void *rec)
{
    switch (kind) {
    case K_CAMPAIGN:
        return k->campaign ? k->campaign(k->ctx, rec) : 0;
    case K_STAGE:
        return k->stage ? k->stage(k->ctx, rec) : 0;
    case K_TIER:
        return k->tier ? k->tier(k->ctx, rec) : 0;
    case K_TRACK:
        return k->track ? k->track(k->ctx, rec) : 0;
    case K_REGION:
        return k->region ? k->region(k->ctx, rec) : 0;
    case K_UNIT:
        return k->unit ? k->unit(k->ctx, rec) : 0;
    case K_ARTICLE:
        return k->article ? k->article(k->ctx, rec) : 0;
    case K_NONE:
        break;
    }
    return 0;
}

int demo_generate_aside(uint64_t seed, int ncases, const struct demo_sink *sink)
{
    struct aside a = {.sink = sink, .seed = seed, .ncases = ncases};
    pthread_t thread;
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    if (pthread_create(&thread, NULL, generator, &a) != 0) {
        pthread_mutex_destroy(&a.mu);
        pthread_cond_destroy(&a.cv);
        return demo_generate(seed, ncases, sink);
    }
    int stopped = 0;
    pthread_mutex_lock(&a.mu);
    for (;;) {
        if (a.head) {
            struct batch *b = a.head;
            if (!(a.head = b->next))
                a.tail = NULL;
            a.queued--;
            pthread_cond_broadcast(&a.cv);
            pthread_mutex_unlock(&a.mu);
            for (int i = 0; i < b->n; i++) {
                if (!stopped && sink->kase && sink->kase(sink->ctx, b->c[i]))
                    stopped = 1;
                free(b->c[i]);
            }
            free(b);
            pthread_mutex_lock(&a.mu);
            a.stop |= stopped;
        } else if (a.kind != K_NONE) {
            enum kind kind = a.kind;
            const void *rec = a.rec;
            pthread_mutex_unlock(&a.mu);
            if (!stopped && take(sink, kind, rec))
                stopped = 1;
            pthread_mutex_lock(&a.mu);
            a.stop |= stopped;
            a.kind = K_NONE;
            pthread_cond_broadcast(&a.cv);
        } else if (a.done) {
            break;
        } else {
            pthread_cond_wait(&a.cv, &a.mu);
        }
    }
    pthread_mutex_unlock(&a.mu);
    pthread_join(thread, NULL);
    pthread_mutex_destroy(&a.mu);
    pthread_cond_destroy(&a.cv);
    return stopped ? -1 : a.rc;
}
