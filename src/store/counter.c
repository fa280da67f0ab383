/*
 * counter.c — chunked arrays of atomic totals and deltas; see counter.h.
 */
#include "counter.h"

#include <stdatomic.h>
#include <stdlib.h>

#define CHUNK_BITS 12
#define CHUNK_SIZE (1 << CHUNK_BITS)
#define NCHUNKS (COUNTER_MAX_ID >> CHUNK_BITS)

struct chunk {
    _Atomic int64_t total[CHUNK_SIZE]; /* -1: unknown id */
    _Atomic int64_t delta[CHUNK_SIZE];
};

struct counter {
    _Atomic(struct chunk *) chunks[NCHUNKS];
};

struct counter *counter_new(void)
{
    return calloc(1, sizeof(struct counter));
}

void counter_free(struct counter *c)
{
    if (!c)
        return;
    for (int64_t i = 0; i < NCHUNKS; i++)
        free(atomic_load(&c->chunks[i]));
    free(c);
}

static struct chunk *chunk_get(const struct counter *c, int64_t id)
{
    if (id <= 0 || id >= COUNTER_MAX_ID)
        return NULL;
    return atomic_load(&((struct counter *)c)->chunks[id >> CHUNK_BITS]);
}

int counter_register(struct counter *c, int64_t id, int64_t total)
{
    if (id <= 0 || id >= COUNTER_MAX_ID || total < 0)
        return -1;
    struct chunk *ch = chunk_get(c, id);
    if (!ch) {
        struct chunk *fresh = malloc(sizeof *fresh);
        if (!fresh)
            return -1;
        for (int i = 0; i < CHUNK_SIZE; i++) {
            atomic_init(&fresh->total[i], -1);
            atomic_init(&fresh->delta[i], 0);
        }
        struct chunk *expected = NULL;
        if (atomic_compare_exchange_strong(&c->chunks[id >> CHUNK_BITS], &expected, fresh))
            ch = fresh;
        else {
            free(fresh);
            ch = expected;
        }
    }
    atomic_store(&ch->total[id & (CHUNK_SIZE - 1)], total);
    return 0;
}

int64_t counter_hit(struct counter *c, int64_t id)
{
    struct chunk *ch = chunk_get(c, id);
    if (!ch)
        return -1;
    int64_t i = id & (CHUNK_SIZE - 1);
    if (atomic_load(&ch->total[i]) < 0)
        return -1;
    atomic_fetch_add(&ch->delta[i], 1);
    return atomic_fetch_add(&ch->total[i], 1) + 1;
}

int64_t counter_total(const struct counter *c, int64_t id)
{
    struct chunk *ch = chunk_get(c, id);
    return ch ? atomic_load(&ch->total[id & (CHUNK_SIZE - 1)]) : -1;
}

int64_t counter_drain(struct counter *c, int (*fn)(void *ctx, int64_t id, int64_t delta),
                      void *ctx)
{
    int64_t drained = 0;
    for (int64_t k = 0; k < NCHUNKS; k++) {
        struct chunk *ch = atomic_load(&c->chunks[k]);
        if (!ch)
            continue;
        for (int i = 0; i < CHUNK_SIZE; i++) {
            if (atomic_load(&ch->delta[i]) == 0)
                continue;
            int64_t d = atomic_exchange(&ch->delta[i], 0);
            int64_t id = (k << CHUNK_BITS) | i;
            if (fn(ctx, id, d) != 0) {
                atomic_fetch_add(&ch->delta[i], d);
                return drained;
            }
            drained++;
        }
    }
    return drained;
}

void counter_restore(struct counter *c, int64_t id, int64_t delta)
{
    struct chunk *ch = chunk_get(c, id);
    if (ch)
        atomic_fetch_add(&ch->delta[id & (CHUNK_SIZE - 1)], delta);
}
