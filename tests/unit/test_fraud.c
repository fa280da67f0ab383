/*
 * test_fraud.c — the fraud rules (src/domain/fraud.c) on synthetic votes:
 * twenty days of honest voters (random prefixes and numbers, several cases
 * each, spread over the days) are left alone; each planted pattern alone is
 * found by its rule with the numbers that explain it, and only its votes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/fraud.h"

#define DAY 86400
#define CASES 200
#define MAXV 200000

struct world {
    struct fraud_vote votes[MAXV];
    struct fraud_voter voters[30000];
    struct fraud_code codes[30000];
    size_t nv, nw, nc;
    int32_t nets, blocks;
    uint64_t rng;
};

static uint64_t next(struct world *w)
{
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A voter verified at t from net, with a code for number (block, tail) or none (-1), voting for k cases. */
static void voter(struct world *w, int64_t t, int32_t net, int32_t block, int32_t tail,
                  const int64_t *cases, int k)
{
    int64_t id = (int64_t)w->nw + 1;
    w->voters[w->nw++] = (struct fraud_voter){id, t};
    if (block >= 0)
        w->codes[w->nc++] = (struct fraud_code){block, tail, t - 60, id};
    for (int i = 0; i < k; i++) {
        int64_t vote_id = (int64_t)w->nv + 1;
        w->votes[w->nv++] = (struct fraud_vote){vote_id, cases[i], id, t + 30 * (i + 1), net};
    }
}

static int by_time(const void *a, const void *b)
{
    const struct fraud_vote *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* 15,000 honest voters over 20 days, 2-10 cases each, each from its own prefix and number. */
static struct world *honest(void)
{
    struct world *w = calloc(1, sizeof *w);
    w->rng = 2019;
    w->nets = 1;     /* prefix 0: the planted patterns' */
    w->blocks = 1;   /* block 0: the run's */
    for (int v = 0; v < 15000; v++) {
        int64_t cases[10];
        int k = 2 + (int)(next(w) % 9);
        int first = (int)(next(w) % CASES);
        for (int i = 0; i < k; i++)
            cases[i] = 1 + (first + 17 * i) % CASES;
        voter(w, (int64_t)(next(w) % (20 * DAY)), w->nets++, w->blocks++,
              (int32_t)(next(w) % 10000), cases, k);
    }
    return w;
}

static struct fraud_result find(struct world *w, const struct fraud_limits *l)
{
    qsort(w->votes, w->nv, sizeof *w->votes, by_time);
    struct fraud_input in = {w->votes, w->nv, w->voters, w->nw, w->codes, w->nc, w->nets, w->blocks};
    struct fraud_result r;
    assert_int_equal(fraud_find(&in, l, &r), 0);
    return r;
}

static const struct fraud_limits defaults = FRAUD_LIMITS_DEFAULT;

static void test_honest_not_flagged(void **state)
{
    (void)state;
    struct world *w = honest();
    struct fraud_result r = find(w, &defaults);
    assert_int_equal(r.ngroups, 0);
    fraud_result_free(&r);
    free(w);
}

/* The votes of group g all have voter ids above first_planted. */
static void only_planted(const struct world *w, const struct fraud_result *r,
                         const struct fraud_group *g, int64_t first_planted)
{
    for (size_t i = 0; i < g->n; i++)
        assert_true(w->votes[r->members[g->first + i]].voter_id > first_planted);
}

static void test_burst(void **state)
{
    (void)state;
    struct world *w = honest();
    int64_t planted = (int64_t)w->nw, c = 42;
    for (int v = 0; v < 200; v++)
        voter(w, 5 * DAY + v, w->nets++, -1, 0, &c, 1);
    struct fraud_limits l = defaults;
    l.ring_min = 1000000; /* the burst alone */
    struct fraud_result r = find(w, &l);
    assert_int_equal(r.ngroups, 1);
    const struct fraud_group *g = &r.groups[0];
    assert_int_equal(g->rule, FRAUD_BURST);
    assert_int_equal(g->case_id, 42);
    assert_int_equal(g->n, 200);
    assert_int_equal((int)g->ev[1], 200);
    assert_true(g->ev[4] >= 10);
    only_planted(w, &r, g, planted);
    fraud_result_free(&r);
    free(w);
}

static void test_network(void **state)
{
    (void)state;
    struct world *w = honest();
    int64_t planted = (int64_t)w->nw;
    for (int v = 0; v < 25; v++) {
        int64_t cases[3] = {1 + v % CASES, 50 + v % 100, 150 + v % 50};
        voter(w, 7 * DAY + 100 * v, 0, w->blocks++, (int32_t)(next(w) % 10000), cases, 3);
    }
    struct fraud_result r = find(w, &defaults);
    assert_int_equal(r.ngroups, 1);
    const struct fraud_group *g = &r.groups[0];
    assert_int_equal(g->rule, FRAUD_NETWORK);
    assert_int_equal(g->key, 0);
    assert_int_equal(g->voters, 25);
    assert_int_equal(g->n, 75);
    only_planted(w, &r, g, planted);
    fraud_result_free(&r);
    free(w);
}

static void test_run_with_a_gap(void **state)
{
    (void)state;
    struct world *w = honest();
    int64_t planted = (int64_t)w->nw;
    /* Numbers 0100..0108 without 0104, from many prefixes over a day. */
    for (int v = 0; v < 9; v++) {
        if (v == 4)
            continue;
        int64_t cases[2] = {10 + v, 100 + v};
        voter(w, 9 * DAY + 3600 * v, w->nets++, 0, 100 + v, cases, 2);
    }
    struct fraud_result r = find(w, &defaults);
    assert_int_equal(r.ngroups, 1);
    const struct fraud_group *g = &r.groups[0];
    assert_int_equal(g->rule, FRAUD_RUN);
    assert_int_equal((int)g->ev[0], 8);
    assert_int_equal((int)g->ev[1], 100);
    assert_int_equal((int)g->ev[2], 108);
    assert_int_equal(g->n, 16);
    only_planted(w, &r, g, planted);
    fraud_result_free(&r);
    /* Four numbers are not a run of five. */
    free(w);
    w = honest();
    for (int v = 0; v < 4; v++) {
        int64_t c = 5;
        voter(w, 9 * DAY + v, w->nets++, 0, 100 + v, &c, 1);
    }
    r = find(w, &defaults);
    assert_int_equal(r.ngroups, 0);
    fraud_result_free(&r);
    free(w);
}

static void test_ring(void **state)
{
    (void)state;
    struct world *w = honest();
    int64_t planted = (int64_t)w->nw, c = 77;
    for (int v = 0; v < 12; v++)
        voter(w, 11 * DAY + 40 * v, w->nets++, w->blocks++, (int32_t)(next(w) % 10000), &c, 1);
    struct fraud_result r = find(w, &defaults);
    assert_int_equal(r.ngroups, 1);
    const struct fraud_group *g = &r.groups[0];
    assert_int_equal(g->rule, FRAUD_RING);
    assert_int_equal(g->case_id, 77);
    assert_int_equal((int)g->ev[1], 12);
    assert_int_equal((int)g->ev[2], 440);
    only_planted(w, &r, g, planted);
    fraud_result_free(&r);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_honest_not_flagged),
        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_run_with_a_gap),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
