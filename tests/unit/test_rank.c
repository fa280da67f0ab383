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
    struct rank_options o = {.rule = RANK_TRIMMED,
                             .trim_min = 5,
                             .advance = RANK_ADVANCE_TOP,
                             .top_n = 3,
                             .score_max = 150};
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

/* ---- independence of input order ----------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* The documented order, written out independently: keys rounded to 2 decimals. */
static int doc_before(const struct rank_entry *a, const struct rank_entry *b)
{
    long long ab = llround(a->blended * 100), bb = llround(b->blended * 100);
    long long ar = llround(a->raw_mean * 100), br = llround(b->raw_mean * 100);
    if (a->below_quorum != b->below_quorum)
        return a->below_quorum < b->below_quorum;
    if (ab != bb)
        return ab > bb;
    if (ar != br)
        return ar > br;
    if (a->nscores != b->nscores)
        return a->nscores > b->nscores;
    return a->id < b->id;
}

#define SH_CASES 120
#define SH_PER 5
#define SH_REV 30

/*
 * Shuffle cases, scores and reviewer numbers of one stage `rounds` times and
 * check that every run gives the same ranking, the same numbers to the bit,
 * the same bootstrap, and the documented order.
 */
static void shuffled_runs(const struct rank_case *cases, int ncases,
                          const struct rank_score *scores, int nscores, int nrev,
                          const struct rank_options *o, int rounds, const char *what)
{
    static struct rank_case sc[SH_CASES];
    static struct rank_score ss[SH_CASES * SH_PER];
    int cperm[SH_CASES], rperm[SH_REV], ref_ids[SH_CASES];
    double ref_blended[SH_CASES], ref_p[SH_CASES];

    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < ncases; i++)
            cperm[i] = i;
        for (int i = 0; i < nrev; i++)
            rperm[i] = i;
        if (round > 0) { /* the first run is in the given order */
            for (int i = ncases - 1; i > 0; i--) {
                int j = below(i + 1), t = cperm[i];
                cperm[i] = cperm[j], cperm[j] = t;
            }
            for (int i = nrev - 1; i > 0; i--) {
                int j = below(i + 1), t = rperm[i];
                rperm[i] = rperm[j], rperm[j] = t;
            }
        }
        /* Case i of the original goes to position cperm[i]. */
        for (int i = 0; i < ncases; i++)
            sc[cperm[i]] = cases[i];
        for (int i = 0; i < nscores; i++)
            ss[i] = (struct rank_score){cperm[scores[i].kase], rperm[scores[i].reviewer],
                                        scores[i].score};
        for (int i = nscores - 1; round > 0 && i > 0; i--) {
            int j = below(i + 1);
            struct rank_score t = ss[i];
            ss[i] = ss[j], ss[j] = t;
        }
        struct rank_result res;
        assert_int_equal(rank_stage(sc, ncases, ss, nscores, nrev, o, &res), RANK_OK);
        assert_int_equal(rank_bootstrap(&res, 50, 99), RANK_OK);
        for (int k = 0; k < ncases; k++) {
            const struct rank_entry *e = &res.entries[res.order[k]];
            assert_int_equal(e->rank, k + 1);
            if (k > 0 && !doc_before(&res.entries[res.order[k - 1]], e))
                fail_msg("%s, shuffle %d: case %d ranked after case %d against the documented "
                         "order",
                         what, round, e->id, res.entries[res.order[k - 1]].id);
            if (round == 0) {
                ref_ids[k] = e->id, ref_blended[k] = e->blended, ref_p[k] = e->p_advance;
                continue;
            }
            if (e->id != ref_ids[k])
                fail_msg("%s, shuffle %d: rank %d is case %d, in the given order case %d", what,
                         round, k + 1, e->id, ref_ids[k]);
            if (e->blended != ref_blended[k] || e->p_advance != ref_p[k])
                fail_msg("%s, shuffle %d: case %d blended %.17g p %.3f, in the given order "
                         "%.17g p %.3f",
                         what, round, e->id, e->blended, e->p_advance, ref_blended[k], ref_p[k]);
        }
        rank_result_free(&res);
    }
}

static void test_shuffled_chain(void **state)
{
    /*
     * Ten cases whose blends form a chain 50, 50 + 3e-8, 50 + 6e-8, ...: each
     * within 1e-9 relative of the next, the whole chain wider.  All show 50.00,
     * so the tie-breaks decide: raw mean (equal too), number of scores, id.
     */
    struct rank_case cases[SH_CASES];
    struct rank_score scores[SH_CASES * SH_PER];
    struct rank_options o = {.rule = RANK_MEAN, .advance = RANK_ADVANCE_TOP, .top_n = 4};
    struct rank_result res;
    (void)state;
    rng_state = 16;
    for (int c = 0; c < 10; c++) {
        cases[c] = (struct rank_case){100 - 7 * c, 0, 0, 0}; /* ids not in chain order */
        scores[c] = (struct rank_score){c, c % 3, 50 + 3e-8 * c};
    }
    /* Case 9 gets a second score: more scores wins the tie. */
    scores[10] = (struct rank_score){9, 1, 50 + 3e-8 * 9};
    shuffled_runs(cases, 10, scores, 11, 3, &o, 40, "chain");
    assert_int_equal(rank_stage(cases, 10, scores, 11, 3, &o, &res), RANK_OK);
    assert_string_equal(order_ids(&res), "37 44 51 58 65 72 79 86 93 100");
    assert_int_equal(res.nadvanced, 4);
    rank_result_free(&res);
    /* A blend that shows 50.01 is above the chain; the threshold compares what is shown. */
    scores[0].score = 50.006;
    o = (struct rank_options){
        .rule = RANK_MEAN, .advance = RANK_ADVANCE_THRESHOLD, .threshold = 50.00000001};
    assert_int_equal(rank_stage(cases, 10, scores, 11, 3, &o, &res), RANK_OK);
    assert_int_equal(res.entries[0].rank, 1);
    assert_int_equal(res.nadvanced, 10); /* 50 + 2.7e-7 shows 50.00, as the threshold does */
    rank_result_free(&res);
}

static void test_shuffled_stage(void **state)
{
    /*
     * A realistic stage: 120 cases × 5 of 30 reviewers, totals to 4 decimals
     * (as stored), many of them equal or within a hundredth, trimmed mean on
     * normalised scores, 70/30 vote blend, top per group and a bootstrap.
     */
    static struct rank_case cases[SH_CASES];
    static struct rank_score scores[SH_CASES * SH_PER];
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        rng_state = 1000 + (uint64_t)variant;
        int n = 0;
        for (int c = 0; c < SH_CASES; c++) {
            cases[c] = (struct rank_case){c + 1, c % 4, 0, (double)below(5) * 100};
            int q = 70 + below(8);
            for (int i = 0; i < SH_PER; i++) {
                /* Coarse or fine steps: many exact and near ties. */
                double x = variant == 0 ? q + below(3) : q + below(30000) / 10000.0;
                scores[n++] = (struct rank_score){c, (c * 7 + i * 11) % SH_REV, x};
            }
        }
        struct rank_options o = {.rule = RANK_TRIMMED,
                                 .trim_min = 5,
                                 .normalise = variant != 1,
                                 .w_expert = 0.7,
                                 .w_votes = 0.3,
                                 .quorum = 3,
                                 .advance =
                                     variant == 2 ? RANK_ADVANCE_TOP_GROUP : RANK_ADVANCE_TOP,
                                 .top_n = 10};
        shuffled_runs(cases, SH_CASES, scores, n, SH_REV, &o, 60, "stage");
    }
}

static void test_refused(void **state)
{
    const struct rank_case ok_case = {1, 0, 0, 0};
    struct rank_case cases[2] = {{1, 0, 0, 0}, {2, 0, 0, 0}};
    struct rank_score scores[2] = {{0, 0, 50}, {1, 0, 60}};
    struct rank_options o = {0};
    struct rank_result res;
    const double bad_scores[] = {NAN,   INFINITY, -INFINITY, 1e200, -1e200,
                                 1e308, -0.0001,  100.0001,  -1};
    (void)state;
    for (size_t i = 0; i < sizeof bad_scores / sizeof bad_scores[0]; i++) {
        scores[1].score = bad_scores[i];
        if (rank_stage(cases, 2, scores, 2, 1, &o, &res) != RANK_EINVAL)
            fail_msg("score %g was accepted", bad_scores[i]);
        assert_null(res.entries);
    }
    /* All scores at ±1e200 or 1e308 (the NaN and infinity of old). */
    scores[0].score = 1e200, scores[1].score = -1e200;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    scores[0].score = scores[1].score = 1e308;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    /* The bounds themselves are fine; a higher score_max admits more. */
    scores[0].score = 0, scores[1].score = 100;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_OK);
    rank_result_free(&res);
    scores[1].score = 150;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    o.score_max = 150;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_OK);
    assert_string_equal(order_ids(&res), "2 1");
    rank_result_free(&res);
    o.score_max = NAN;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    o.score_max = -5;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    o.score_max = 0;
    scores[1].score = 60;
    /* Earlier results, votes, weights and threshold. */
    const double bad_earlier[] = {NAN, INFINITY, 1e200, -1e200};
    for (size_t i = 0; i < 4; i++) {
        cases[1].earlier = bad_earlier[i];
        assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    }
    cases[1].earlier = 0;
    const double bad_votes[] = {NAN, INFINITY, -1};
    for (size_t i = 0; i < 3; i++) {
        cases[1].votes = bad_votes[i];
        assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    }
    /* Huge but finite vote counts scale without overflow. */
    cases[0].votes = 1e308, cases[1].votes = 1e300;
    o.w_expert = 0.7, o.w_votes = 0.3;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_OK);
    assert_near(res.entries[0].votes_scaled, 100);
    assert_true(isfinite(res.entries[1].blended));
    assert_near(res.entries[0].blended, 0.7 * 0 + 30);
    rank_result_free(&res);
    cases[0].votes = cases[1].votes = 0;
    const double bad_w[] = {NAN, -0.1, 1.5, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        o.w_votes = bad_w[i];
        assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    }
    o.w_votes = 0.3;
    o.threshold = NAN;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    o.threshold = 1e300;
    assert_int_equal(rank_stage(cases, 2, scores, 2, 1, &o, &res), RANK_EINVAL);
    o.threshold = 0;
    assert_int_equal(rank_stage(&ok_case, 1, scores, 1, 1, &o, &res), RANK_OK);
    assert_false(isnan(res.entries[0].blended));
    rank_result_free(&res);
}

static void test_sigma_edge(void **state)
{
    /*
     * The documented rule: a reviewer keeps raw scores only when σ = 0.
     *   r0: 80 and 80 on cases 0, 1        σ = 0: raw
     *   r1: 0.1 three times (cases 0-2)    σ = 0, although 0.1 + 0.1 + 0.1 ≠ 0.3
     *   r2: 80 and the next double up      σ > 0, however small: z = ∓1
     *   r3: 40 and 100                     σ = 30: z = ∓1
     */
    const double up = nextafter(80, 100);
    const struct rank_case cases[] = {{1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}};
    const struct rank_score scores[] = {
        {0, 0, 80}, {1, 0, 80}, {0, 1, 0.1}, {1, 1, 0.1}, {2, 1, 0.1},
        {0, 2, 80}, {1, 2, up}, {0, 3, 40},  {1, 3, 100},
    };
    const double all[] = {80, 80, 0.1, 0.1, 0.1, 80, up, 40, 100};
    double mu = 0, var = 0;
    for (int i = 0; i < 9; i++)
        mu += all[i] / 9;
    for (int i = 0; i < 9; i++)
        var += (all[i] - mu) * (all[i] - mu) / 9;
    struct rank_options o = {.rule = RANK_MEAN, .normalise = 1};
    struct rank_result res;
    (void)state;
    assert_int_equal(rank_stage(cases, 3, scores, 9, 4, &o, &res), RANK_OK);
    assert_near(res.sigma_all, sqrt(var));
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < res.entries[c].nscores; i++) {
            const struct rank_item *it = &res.entries[c].items[i];
            double want = it->raw;
            if (it->reviewer == 2 || it->reviewer == 3)
                want = c == 0 ? mu - sqrt(var) : mu + sqrt(var);
            if (fabs(it->normalised - want) > 1e-9)
                fail_msg("case %d, reviewer %d: raw %.17g normalised %.17g, expected %.17g", c,
                         it->reviewer, it->raw, it->normalised, want);
        }
    rank_result_free(&res);
    /* Every score the same: σ_all = 0 and all keep raw. */
    const struct rank_score same[] = {{0, 0, 0.1}, {1, 1, 0.1}, {2, 0, 0.1}, {2, 1, 0.1}};
    assert_int_equal(rank_stage(cases, 3, same, 4, 2, &o, &res), RANK_OK);
    assert_true(res.sigma_all == 0);
    assert_true(res.mu_all == 0.1);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < res.entries[c].nscores; i++)
            assert_true(res.entries[c].items[i].normalised == 0.1);
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
        cmocka_unit_test(test_shuffled_chain),
        cmocka_unit_test(test_shuffled_stage),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_sigma_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
