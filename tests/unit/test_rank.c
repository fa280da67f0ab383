/*
 * test_rank.c — unit tests of stage aggregation and ranking (domain/rank)
 * against hand-computed examples: trimmed mean with its dropped scores,
 * median, every tie-break, normalisation, the vote blend, quorum, the three
 * advancement rules and the bootstrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/rank.h"

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Case ids in rank order, as "id id id". */
static const char *order_ids(const struct rank_result *res)
{
    static char out[256];
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < res->ncases; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%d", i ? " " : "",
                                res->entries[res->order[i]].id);
    return out;
}

static void test_trimmed_and_quorum(void **state)
{
    const struct rank_case cases[] = {{10, 0, 0, 0}, {11, 0, 0, 0}, {12, 0, 0, 0}};
    const struct rank_score scores[] = {
        {0, 0, 90}, {0, 1, 80}, {0, 2, 70}, {0, 3, 60}, {0, 4, 100}, /* 60, 100 dropped: 80 */
        {1, 0, 85}, {1, 1, 85}, {1, 2, 85}, /* 3 < 5 scores: plain mean 85 */
        {2, 0, 99}, {2, 1, 98},             /* below the quorum of 3 */
    };
    struct rank_options o = {.rule = RANK_TRIMMED,
                             .trim = 1,
                             .trim_min = 5,
                             .quorum = 3,
                             .advance = RANK_ADVANCE_TOP,
                             .top_n = 1};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 3, scores, 10, 5, &o, &res), RANK_OK);
    assert_string_equal(order_ids(&res), "11 10 12");
    const struct rank_entry *a = &res.entries[0], *b = &res.entries[1], *c = &res.entries[2];
    assert_near(a->expert, 80);
    assert_near(a->raw_mean, 80);
    assert_int_equal(a->rank, 2);
    assert_int_equal(a->nscores, 5);
    /* The explanation: lowest first, the extremes dropped. */
    const int expect_rev[] = {3, 2, 1, 0, 4};
    const int expect_drop[] = {1, 0, 0, 0, 1};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(a->items[i].reviewer, expect_rev[i]);
        assert_int_equal(a->items[i].dropped, expect_drop[i]);
        assert_near(a->items[i].raw, a->items[i].normalised);
    }
    assert_near(b->expert, 85);
    for (int i = 0; i < 3; i++)
        assert_int_equal(b->items[i].dropped, 0);
    assert_int_equal(b->rank, 1);
    assert_int_equal(b->advanced, 1);
    /* Too few scores: the highest mean, yet last, flagged and not advancing. */
    assert_near(c->expert, 98.5);
    assert_int_equal(c->below_quorum, 1);
    assert_int_equal(c->rank, 3);
    assert_int_equal(c->advanced, 0);
    assert_int_equal(res.nadvanced, 1);
    assert_near(a->p_advance, -1);
    rank_result_free(&res);

    /* trim_min defaults to 2·trim + 1: with trim 2, five scores drop two each side. */
    o.trim = 2;
    o.trim_min = 0;
    assert_int_equal(rank_stage(cases, 3, scores, 10, 5, &o, &res), RANK_OK);
    assert_near(res.entries[0].expert, 80);
    assert_int_equal(res.entries[0].items[1].dropped, 1);
    assert_int_equal(res.entries[0].items[2].dropped, 0);
    assert_int_equal(res.entries[0].items[3].dropped, 1);
    rank_result_free(&res);
}

static void test_median_and_mean(void **state)
{
    const struct rank_case cases[] = {{1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}};
    const struct rank_score scores[] = {
        {0, 0, 60}, {0, 1, 100}, {0, 2, 70}, {0, 3, 95}, {0, 4, 80}, /* median 80, mean 81 */
        {1, 0, 70}, {1, 1, 90},                                      /* median 80, mean 80 */
    };
    struct rank_options o = {.rule = RANK_MEDIAN};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 3, scores, 7, 5, &o, &res), RANK_OK);
    assert_near(res.entries[0].expert, 80);
    assert_near(res.entries[1].expert, 80);
    assert_near(res.entries[2].expert, 0);
    /* Equal medians: the higher raw mean (81) first; no scores at all: last. */
    assert_string_equal(order_ids(&res), "1 2 3");
    assert_int_equal(res.entries[2].below_quorum, 1); /* default quorum 1 */
    rank_result_free(&res);
    o.rule = RANK_MEAN;
    assert_int_equal(rank_stage(cases, 3, scores, 7, 5, &o, &res), RANK_OK);
    assert_near(res.entries[0].expert, 81);
    rank_result_free(&res);
}

static void test_ties(void **state)
{
    /* Every trimmed mean is exactly 85; the tie-breaks decide. */
    const struct rank_case cases[] = {
        {5, 0, 0, 0}, /* X: 80 90           raw 85, 2 scores */
        {3, 0, 0, 0}, /* Y: 85 85           raw 85, 2 scores, lower id than X */
        {9, 0, 0, 0}, /* Z: 85 85 85        raw 85, 3 scores */
        {1, 0, 0, 0}, /* W: 50 85 85 85 100 raw 81 */
        {7, 0, 0, 0}, /* V: 60 85 85 85 130 raw 89 */
    };
    const struct rank_score scores[] = {
        {0, 0, 80}, {0, 1, 90}, {1, 0, 85}, {1, 1, 85}, {2, 0, 85},  {2, 1, 85},
        {2, 2, 85}, {3, 0, 50}, {3, 1, 85}, {3, 2, 85}, {3, 3, 85},  {3, 4, 100},
        {4, 0, 60}, {4, 1, 85}, {4, 2, 85}, {4, 3, 85}, {4, 4, 130},
    };
    struct rank_options o = {
        .rule = RANK_TRIMMED, .trim_min = 5, .advance = RANK_ADVANCE_TOP, .top_n = 3};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 5, scores, 17, 5, &o, &res), RANK_OK);
    for (int c = 0; c < 5; c++)
        assert_near(res.entries[c].blended, 85);
    assert_string_equal(order_ids(&res), "7 9 3 5 1");
    assert_int_equal(res.entries[4].advanced, 1);
    assert_int_equal(res.entries[2].advanced, 1);
    assert_int_equal(res.entries[1].advanced, 1);
    assert_int_equal(res.entries[0].advanced, 0);
    /* The input order does not matter. */
    struct rank_case rev[5];
    struct rank_score rs[17];
    for (int c = 0; c < 5; c++)
        rev[c] = cases[4 - c];
    for (int i = 0; i < 17; i++)
        rs[i] = scores[16 - i], rs[i].kase = 4 - rs[i].kase;
    struct rank_result res2;
    assert_int_equal(rank_stage(rev, 5, rs, 17, 5, &o, &res2), RANK_OK);
    assert_string_equal(order_ids(&res2), "7 9 3 5 1");
    rank_result_free(&res);
    rank_result_free(&res2);
}

static void test_normalisation(void **state)
{
    /*
     * r0 scores 90 (X) and 80 (Y): μ 85, σ 5.  r1 scores 60 (X), 70 (Y): μ 65, σ 5.
     * r3 scores 75 twice: σ 0, kept raw.  r2 scores once (Z, 50): kept raw.
     * X: r0 → μ_all + σ_all, r1 → μ_all − σ_all, r3 → 75; Y the mirror image.
     */
    const struct rank_case cases[] = {{1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}};
    const struct rank_score scores[] = {
        {0, 0, 90}, {0, 1, 60}, {0, 3, 75}, {1, 0, 80}, {1, 1, 70}, {1, 3, 75}, {2, 2, 50},
    };
    const double all[] = {90, 60, 75, 80, 70, 75, 50};
    double mu = 0, var = 0;
    for (int i = 0; i < 7; i++)
        mu += all[i] / 7;
    for (int i = 0; i < 7; i++)
        var += (all[i] - mu) * (all[i] - mu) / 7;
    double sd = sqrt(var);
    struct rank_options o = {.rule = RANK_MEAN, .normalise = 1};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 3, scores, 7, 4, &o, &res), RANK_OK);
    assert_near(res.mu_all, 500.0 / 7);
    assert_near(res.sigma_all, sd);
    const struct rank_entry *x = &res.entries[0], *y = &res.entries[1], *z = &res.entries[2];
    /* X, lowest first: r1 (μ − σ), r3 (75), r0 (μ + σ). */
    assert_int_equal(x->items[0].reviewer, 1);
    assert_near(x->items[0].normalised, mu - sd);
    assert_near(x->items[0].raw, 60);
    assert_int_equal(x->items[1].reviewer, 3);
    assert_near(x->items[1].normalised, 75);
    assert_int_equal(x->items[2].reviewer, 0);
    assert_near(x->items[2].normalised, mu + sd);
    assert_near(x->expert, (2 * mu + 75) / 3);
    assert_near(y->expert, (2 * mu + 75) / 3);
    assert_near(z->items[0].normalised, 50);
    /* X and Y tie on everything but the id. */
    assert_string_equal(order_ids(&res), "1 2 3");
    rank_result_free(&res);
}

static void test_blend(void **state)
{
    /* 0.7 · expert + 0.3 · votes scaled to top = 100. */
    const struct rank_case cases[] = {{1, 0, 0, 500}, {2, 0, 0, 1000}, {3, 0, 0, 250}};
    const struct rank_score scores[] = {{0, 0, 80}, {1, 0, 60}, {2, 0, 90}};
    struct rank_options o = {.w_expert = 0.7, .w_votes = 0.3};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 3, scores, 3, 1, &o, &res), RANK_OK);
    assert_near(res.entries[0].votes_scaled, 50);
    assert_near(res.entries[1].votes_scaled, 100);
    assert_near(res.entries[2].votes_scaled, 25);
    assert_near(res.entries[0].blended, 71);   /* 56 + 15 */
    assert_near(res.entries[1].blended, 72);   /* 42 + 30 */
    assert_near(res.entries[2].blended, 70.5); /* 63 + 7.5 */
    assert_string_equal(order_ids(&res), "2 1 3");
    rank_result_free(&res);
    /* An earlier stage carried forward at 50 %, the experts at 50 %, no votes. */
    const struct rank_case carry[] = {{1, 0, 90, 0}, {2, 0, 70, 0}};
    const struct rank_score s2[] = {{0, 0, 70}, {1, 0, 85}};
    o = (struct rank_options){.w_expert = 0.5, .w_earlier = 0.5};
    assert_int_equal(rank_stage(carry, 2, s2, 2, 1, &o, &res), RANK_OK);
    assert_near(res.entries[0].blended, 80);
    assert_near(res.entries[1].blended, 77.5);
    assert_near(res.entries[0].votes_scaled, 0); /* nobody voted */
    assert_string_equal(order_ids(&res), "1 2");
    rank_result_free(&res);
}

static void test_advancement(void **state)
{
    const struct rank_case cases[] = {
        {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {4, 1, 0, 0}, {5, 1, 0, 0},
    };
    const struct rank_score scores[] = {{0, 0, 90}, {1, 0, 80}, {2, 0, 70}, {3, 0, 85}, {4, 0, 60}};
    struct rank_options o = {.advance = RANK_ADVANCE_TOP_GROUP, .top_n = 1};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 5, scores, 5, 1, &o, &res), RANK_OK);
    assert_string_equal(order_ids(&res), "1 4 2 3 5");
    assert_int_equal(res.nadvanced, 2);
    assert_true(res.entries[0].advanced && res.entries[3].advanced);
    rank_result_free(&res);
    o = (struct rank_options){.advance = RANK_ADVANCE_THRESHOLD, .threshold = 80};
    assert_int_equal(rank_stage(cases, 5, scores, 5, 1, &o, &res), RANK_OK);
    assert_int_equal(res.nadvanced, 3); /* 90, 85 and exactly 80 */
    assert_int_equal(res.entries[1].advanced, 1);
    assert_int_equal(res.entries[2].advanced, 0);
    rank_result_free(&res);
    o = (struct rank_options){.advance = RANK_ADVANCE_TOP, .top_n = 10};
    assert_int_equal(rank_stage(cases, 5, scores, 5, 1, &o, &res), RANK_OK);
    assert_int_equal(res.nadvanced, 5);
    rank_result_free(&res);
    o = (struct rank_options){0};
    assert_int_equal(rank_stage(cases, 5, scores, 5, 1, &o, &res), RANK_OK);
    assert_int_equal(res.nadvanced, 0);
    rank_result_free(&res);
}

static void test_bootstrap(void **state)
{
    /*
     * Top 2.  A (90, 90) always advances, B (50, 50) never.  C draws two of
     * {95, 60}: mean 95, 77.5 or 60 with chances 1/4, 1/2, 1/4, so it beats
     * D's fixed 70 with chance 3/4.  E has too few scores for the quorum.
     */
    const struct rank_case cases[] = {
        {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {4, 0, 0, 0}, {5, 0, 0, 0}};
    const struct rank_score scores[] = {{0, 0, 90}, {0, 1, 90}, {1, 0, 50}, {1, 1, 50}, {2, 0, 95},
                                        {2, 1, 60}, {3, 0, 70}, {3, 1, 70}, {4, 0, 100}};
    struct rank_options o = {.quorum = 2, .advance = RANK_ADVANCE_TOP, .top_n = 2};
    struct rank_result res, again;
    (void)state;
    assert_int_equal(rank_stage(cases, 5, scores, 9, 2, &o, &res), RANK_OK);
    assert_int_equal(rank_bootstrap(&res, 4000, 42), RANK_OK);
    assert_near(res.entries[0].p_advance, 1);
    assert_near(res.entries[1].p_advance, 0);
    assert_true(fabs(res.entries[2].p_advance - 0.75) < 0.03);
    assert_true(fabs(res.entries[3].p_advance - 0.25) < 0.03);
    assert_near(res.entries[4].p_advance, 0);
    assert_int_equal(res.entries[0].borderline, 0);
    assert_int_equal(res.entries[1].borderline, 0);
    assert_int_equal(res.entries[2].borderline, 1);
    assert_int_equal(res.entries[3].borderline, 1);
    /* The same seed gives the same estimates. */
    assert_int_equal(rank_stage(cases, 5, scores, 9, 2, &o, &again), RANK_OK);
    assert_int_equal(rank_bootstrap(&again, 4000, 42), RANK_OK);
    for (int c = 0; c < 5; c++)
        assert_true(res.entries[c].p_advance == again.entries[c].p_advance);
    assert_int_equal(rank_bootstrap(&again, 0, 42), RANK_EINVAL);
    rank_result_free(&res);
    rank_result_free(&again);
}

static void test_invalid(void **state)
{
    const struct rank_case cases[] = {{1, 0, 0, 0}};
    struct rank_score scores[] = {{0, 0, 90}};
    struct rank_options o = {0};
    struct rank_result res;
    (void)state;
    scores[0].kase = 1;
    assert_int_equal(rank_stage(cases, 1, scores, 1, 1, &o, &res), RANK_EINVAL);
    scores[0].kase = 0;
    scores[0].reviewer = 1;
    assert_int_equal(rank_stage(cases, 1, scores, 1, 1, &o, &res), RANK_EINVAL);
    scores[0].reviewer = 0;
    scores[0].score = NAN;
    assert_int_equal(rank_stage(cases, 1, scores, 1, 1, &o, &res), RANK_EINVAL);
    scores[0].score = 1;
    o.rule = RANK_RULE__MAX;
    assert_int_equal(rank_stage(cases, 1, scores, 1, 1, &o, &res), RANK_EINVAL);
    o.rule = RANK_MEAN;
    o.trim = -1;
    assert_int_equal(rank_stage(cases, 1, scores, 1, 1, &o, &res), RANK_EINVAL);
    assert_null(res.entries);
    /* No cases at all is an empty ranking; NULL options are the defaults. */
    assert_int_equal(rank_stage(NULL, 0, NULL, 0, 0, NULL, &res), RANK_OK);
    assert_int_equal(res.ncases, 0);
    assert_int_equal(rank_bootstrap(&res, 10, 1), RANK_OK);
    rank_result_free(&res);
}

/* Many scores on one case (more than the on-stack buffer). */
static void test_many_scores(void **state)
{
    const struct rank_case cases[] = {{1, 0, 0, 0}};
    struct rank_score scores[101];
    struct rank_options o = {.rule = RANK_TRIMMED, .trim = 10};
    struct rank_result res;
    (void)state;
    for (int i = 0; i < 101; i++)
        scores[i] = (struct rank_score){0, i, (double)i};
    assert_int_equal(rank_stage(cases, 1, scores, 101, 101, &o, &res), RANK_OK);
    assert_near(res.entries[0].expert, 50);
    assert_int_equal(res.entries[0].items[9].dropped, 1);
    assert_int_equal(res.entries[0].items[10].dropped, 0);
    assert_int_equal(rank_bootstrap(&res, 10, 7), RANK_OK);
    rank_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trimmed_and_quorum),
        cmocka_unit_test(test_median_and_mean),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_blend),
        cmocka_unit_test(test_advancement),
        cmocka_unit_test(test_bootstrap),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_many_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
