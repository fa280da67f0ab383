/*
 * test_counter.c — unit tests for the in-memory view counters
 * (src/store/counter.c).
 *
 * The drain callback records what it is given into a small table, so each
 * test compares the exact ids and deltas drained.  The last test hammers
 * one id from two threads while the main thread drains concurrently, and
 * checks that no hit is lost or counted twice.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/counter.h"

#define MAX_SEEN 16

/* What counter_drain handed to record(). */
struct seen {
    int64_t id[MAX_SEEN];
    int64_t delta[MAX_SEEN];
    int n;
    int fail_at; /* return non-zero on this call (0-based); -1 never */
    int64_t sum;
};

static int record(void *ctx, int64_t id, int64_t delta)
{
    struct seen *s = ctx;
    int call = s->n;
    if (s->n < MAX_SEEN) {
        s->id[s->n] = id;
        s->delta[s->n] = delta;
    }
    s->n++;
    if (call == s->fail_at)
        return 1;
    s->sum += delta;
    return 0;
}

static void seen_init(struct seen *s)
{
    memset(s, 0, sizeof *s);
    s->fail_at = -1;
}

static void test_unknown(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    assert_non_null(c);
    assert_int_equal(counter_hit(c, 1), -1);
    assert_int_equal(counter_total(c, 1), -1);
    /* Same chunk as a registered id, but not registered itself. */
    assert_int_equal(counter_register(c, 5, 0), 0);
    assert_int_equal(counter_hit(c, 6), -1);
    assert_int_equal(counter_total(c, 6), -1);
    assert_int_equal(counter_hit(c, 4), -1);
    /* Hits on unknown ids count nothing. */
    struct seen s;
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 0);
    assert_int_equal(s.n, 0);
    counter_free(c);
}

static void test_register_hit(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    assert_non_null(c);
    assert_int_equal(counter_register(c, 7, 0), 0);
    assert_int_equal(counter_total(c, 7), 0);
    assert_int_equal(counter_hit(c, 7), 1);
    assert_int_equal(counter_hit(c, 7), 2);
    assert_int_equal(counter_hit(c, 7), 3);
    assert_int_equal(counter_total(c, 7), 3);
    /* A starting total from the database. */
    assert_int_equal(counter_register(c, 8, 1000), 0);
    assert_int_equal(counter_hit(c, 8), 1001);
    assert_int_equal(counter_total(c, 8), 1001);
    assert_int_equal(counter_total(c, 7), 3);
    counter_free(c);
}

static void test_drain(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    struct seen s;
    assert_int_equal(counter_register(c, 3, 10), 0);
    assert_int_equal(counter_register(c, 9, 0), 0);
    assert_int_equal(counter_register(c, 11, 0), 0);
    for (int i = 0; i < 5; i++)
        counter_hit(c, 9);
    counter_hit(c, 3);
    counter_hit(c, 3);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 2);
    assert_int_equal(s.n, 2);
    /* In id order; id 11 had no hits and is not drained. */
    assert_int_equal(s.id[0], 3);
    assert_int_equal(s.delta[0], 2);
    assert_int_equal(s.id[1], 9);
    assert_int_equal(s.delta[1], 5);
    /* Totals are unaffected. */
    assert_int_equal(counter_total(c, 3), 12);
    assert_int_equal(counter_total(c, 9), 5);
    /* Deltas were reset: a second drain finds nothing. */
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 0);
    assert_int_equal(s.n, 0);
    /* New hits make new deltas. */
    counter_hit(c, 9);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 1);
    assert_int_equal(s.id[0], 9);
    assert_int_equal(s.delta[0], 1);
    counter_free(c);
}

static void test_drain_stops_and_restores(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    struct seen s;
    for (int64_t id = 1; id <= 3; id++) {
        assert_int_equal(counter_register(c, id, 0), 0);
        for (int64_t k = 0; k < id; k++)
            counter_hit(c, id);
    }
    /* The callback fails on the second id: the first is drained, the second kept. */
    seen_init(&s);
    s.fail_at = 1;
    assert_int_equal(counter_drain(c, record, &s), 1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.id[1], 2);
    assert_int_equal(s.delta[1], 2);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 2);
    assert_int_equal(s.id[0], 2);
    assert_int_equal(s.delta[0], 2);
    assert_int_equal(s.id[1], 3);
    assert_int_equal(s.delta[1], 3);
    counter_free(c);
}

static void test_restore(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    struct seen s;
    assert_int_equal(counter_register(c, 42, 0), 0);
    counter_hit(c, 42);
    counter_hit(c, 42);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 1);
    assert_int_equal(s.delta[0], 2);
    /* The flush failed: put it back, with a hit in between. */
    counter_hit(c, 42);
    counter_restore(c, 42, s.delta[0]);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 1);
    assert_int_equal(s.id[0], 42);
    assert_int_equal(s.delta[0], 3);
    /* Restoring does not change the total. */
    assert_int_equal(counter_total(c, 42), 3);
    /* Restoring onto unknown or bad ids is harmless. */
    counter_restore(c, 0, 5);
    counter_restore(c, -1, 5);
    counter_restore(c, COUNTER_MAX_ID, 5);
    counter_restore(c, 1 << 20, 5);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), 0);
    counter_free(c);
}

static void test_chunk_boundaries(void **state)
{
    (void)state;
    static const int64_t ids[] = {1, 4095, 4096, 4097, 8191, 1 << 20, COUNTER_MAX_ID - 1};
    const int nids = (int)(sizeof ids / sizeof ids[0]);
    struct counter *c = counter_new();
    struct seen s;
    for (int i = 0; i < nids; i++)
        assert_int_equal(counter_register(c, ids[i], 100 * (int64_t)i), 0);
    for (int i = 0; i < nids; i++)
        for (int k = 0; k <= i; k++)
            assert_int_equal(counter_hit(c, ids[i]), 100 * (int64_t)i + k + 1);
    /* Neighbours in the same chunks stay unknown. */
    assert_int_equal(counter_total(c, 4094), -1);
    assert_int_equal(counter_total(c, 4098), -1);
    assert_int_equal(counter_total(c, (1 << 20) - 1), -1);
    assert_int_equal(counter_total(c, (1 << 20) + 1), -1);
    assert_int_equal(counter_total(c, 12288), -1);
    seen_init(&s);
    assert_int_equal(counter_drain(c, record, &s), nids);
    for (int i = 0; i < nids; i++) {
        assert_int_equal(s.id[i], ids[i]);
        assert_int_equal(s.delta[i], i + 1);
        assert_int_equal(counter_total(c, ids[i]), 100 * (int64_t)i + i + 1);
    }
    counter_free(c);
}

static void test_out_of_range(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    assert_int_equal(counter_register(c, 0, 0), -1);
    assert_int_equal(counter_register(c, -1, 0), -1);
    assert_int_equal(counter_register(c, COUNTER_MAX_ID, 0), -1);
    assert_int_equal(counter_register(c, COUNTER_MAX_ID + 1, 0), -1);
    assert_int_equal(counter_register(c, INT64_MAX, 0), -1);
    assert_int_equal(counter_register(c, INT64_MIN, 0), -1);
    /* A negative starting total would read as "unknown". */
    assert_int_equal(counter_register(c, 1, -1), -1);
    assert_int_equal(counter_total(c, 1), -1);
    assert_int_equal(counter_hit(c, 0), -1);
    assert_int_equal(counter_hit(c, -5), -1);
    assert_int_equal(counter_hit(c, COUNTER_MAX_ID), -1);
    assert_int_equal(counter_hit(c, INT64_MAX), -1);
    assert_int_equal(counter_total(c, COUNTER_MAX_ID), -1);
    assert_int_equal(counter_total(c, INT64_MIN), -1);
    counter_free(c);
    counter_free(NULL);
}

#define HAMMER_ID 4096
#define HAMMER_HITS 200000
#define HAMMER_START 5

struct hammer {
    struct counter *c;
    int bad; /* a hit returned something impossible */
};

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    int64_t last = 0;
    for (int i = 0; i < HAMMER_HITS; i++) {
        int64_t t = counter_hit(h->c, HAMMER_ID);
        /* Totals seen by one thread only grow. */
        if (t <= last || t > HAMMER_START + 2 * HAMMER_HITS)
            h->bad = 1;
        last = t;
    }
    return NULL;
}

static int sum_only(void *ctx, int64_t id, int64_t delta)
{
    struct seen *s = ctx;
    if (id != HAMMER_ID || delta <= 0)
        s->fail_at = -2; /* remember the surprise; keep draining */
    s->sum += delta;
    return 0;
}

static void test_two_threads(void **state)
{
    (void)state;
    struct counter *c = counter_new();
    assert_int_equal(counter_register(c, HAMMER_ID, HAMMER_START), 0);
    struct hammer h[2] = {{c, 0}, {c, 0}};
    pthread_t t[2];
    struct seen s;
    seen_init(&s);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &h[i]), 0);
    /* Drain while they run, as the writer does. */
    for (int i = 0; i < 1000; i++)
        counter_drain(c, sum_only, &s);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    counter_drain(c, sum_only, &s);
    assert_int_equal(s.fail_at, -1);
    assert_int_equal(h[0].bad, 0);
    assert_int_equal(h[1].bad, 0);
    assert_int_equal(s.sum, 2 * HAMMER_HITS);
    assert_int_equal(counter_total(c, HAMMER_ID), HAMMER_START + 2 * HAMMER_HITS);
    counter_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_register_hit),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_drain_stops_and_restores),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
