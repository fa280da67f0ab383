/*
 * test_assign.c — unit tests of the reviewer assignment (domain/assign).
 *
 * Random instances from a seeded generator are solved and every rule is
 * checked on the result; small instances are also solved by brute force
 * (every choice of k reviewers for every case) and the costs compared; the
 * pruned solve must cost exactly what the exhaustive one does; and
 * infeasible instances must fail with the right code and a message whose
 * figures equal those of a maximum flow computed here, independently, by
 * Edmonds–Karp on a network built from assign_pair_cost alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/assign.h"

static uint64_t seed_state;

static uint64_t rnd(void)
{
    uint64_t z = (seed_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* A random instance, kept in fixed arrays large enough for the tests. */
#define MAXC 300
#define MAXR 60
#define MAXX 40

struct instance {
    struct assign_case cases[MAXC];
    struct assign_reviewer revs[MAXR];
    struct assign_pair conflicts[MAXX];
    int forbidden[MAXC][2];
    int seen[MAXC][1];
    struct assign_problem p;
};

static void make_instance(struct instance *in, uint64_t seed, int n, int m, int nregions, int k)
{
    memset(in, 0, sizeof *in);
    seed_state = seed;
    for (int c = 0; c < n; c++) {
        struct assign_case *kc = &in->cases[c];
        kc->region = below(nregions);
        kc->unit = 1 + below(3 * n);
        kc->tags = rnd() & 0xff;
        if (below(4) == 0) {
            in->forbidden[c][0] = below(m);
            in->forbidden[c][1] = below(m);
            kc->forbidden = in->forbidden[c];
            kc->nforbidden = 2;
        }
        if (below(5) == 0) {
            in->seen[c][0] = below(m);
            kc->seen = in->seen[c];
            kc->nseen = 1;
        }
    }
    for (int r = 0; r < m; r++) {
        struct assign_reviewer *rv = &in->revs[r];
        rv->region = below(nregions);
        rv->unit = 1 + below(3 * n);
        rv->tags = rnd() & 0xff;
        rv->max_load = n * k; /* set by the caller as needed */
        rv->earlier = below(6) == 0;
    }
    int nx = n < MAXX ? n : MAXX;
    for (int i = 0; i < nx; i++)
        in->conflicts[i].kase = below(n), in->conflicts[i].reviewer = below(m);
    in->p.cases = in->cases;
    in->p.ncases = n;
    in->p.reviewers = in->revs;
    in->p.nreviewers = m;
    in->p.conflicts = in->conflicts;
    in->p.nconflicts = nx;
    in->p.k = k;
    in->p.nregions = nregions;
    in->p.earlier_penalty = 3;
}

/* Every rule on a solved instance: k distinct allowed reviewers, region cap, load bounds. */
static void check_rules(const struct assign_problem *p, const struct assign_result *res, int lo_bal,
                        int hi_bal)
{
    int n = p->ncases, m = p->nreviewers, k = p->k;
    int load[MAXR] = {0};
    int64_t cost = 0;

    for (int c = 0; c < n; c++) {
        int per[64] = {0};
        for (int i = 0; i < k; i++) {
            int r = res->reviewers[c * k + i];
            assert_in_range(r, 0, m - 1);
            int pc = assign_pair_cost(p, c, r);
            if (pc < 0)
                fail_msg("case %d got reviewer %d, who is not allowed", c, r);
            cost += pc;
            if (i > 0 && res->reviewers[c * k + i - 1] >= r)
                fail_msg("case %d: reviewers not distinct and ascending", c);
            if (!p->allow_own_region && p->cases[c].region >= 0)
                assert_int_not_equal(p->cases[c].region, p->reviewers[r].region);
            assert_false(p->cases[c].unit && p->cases[c].unit == p->reviewers[r].unit);
            if (p->reviewers[r].region >= 0)
                per[p->reviewers[r].region]++;
            load[r]++;
        }
        if (p->max_same_region)
            for (int g = 0; g < 64; g++)
                if (per[g] > p->max_same_region)
                    fail_msg("case %d has %d reviewers of region %d, cap %d", c, per[g], g,
                             p->max_same_region);
    }
    assert_int_equal(cost, res->total_cost);
    for (int r = 0; r < m; r++) {
        /* A reviewer allowed no case at all has no minimum. */
        int avail = 0;
        for (int c = 0; c < n; c++)
            avail |= assign_pair_cost(p, c, r) >= 0;
        assert_int_equal(load[r], res->load[r]);
        assert_true(load[r] <= p->reviewers[r].max_load);
        if (avail && load[r] < p->reviewers[r].min_load)
            fail_msg("reviewer %d has %d cases, minimum %d", r, load[r], p->reviewers[r].min_load);
        /* The band yields to his own bounds: below his maximum, above his minimum. */
        if (p->balanced && load[r] > hi_bal && load[r] > p->reviewers[r].min_load)
            fail_msg("reviewer %d has %d cases, balanced maximum %d", r, load[r], hi_bal);
        if (p->balanced && avail && load[r] < lo_bal && load[r] < p->reviewers[r].max_load)
            fail_msg("reviewer %d has %d cases, balanced minimum %d", r, load[r], lo_bal);
    }
}

static void test_random_properties(void **state)
{
    static struct instance in;
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        int n = 60 + (int)(seed * 37 % 200), m = 30 + (int)(seed % 25), k = 2 + (int)(seed % 4);
        make_instance(&in, seed, n, m, 8, k);
        in.p.max_same_region = seed % 3 == 0 ? 0 : 1 + (int)(seed % 2);
        in.p.balanced = seed % 2;
        in.p.earlier_exclude = seed % 5 == 0;
        for (int r = 0; r < m; r++) {
            in.revs[r].max_load = (n * k) / m * 2 + 2;
            in.revs[r].min_load = seed % 4 == 1 ? 1 : 0;
        }
        struct assign_result res;
        int rc = assign_solve(&in.p, &res);
        if (rc != ASSIGN_OK)
            fail_msg("seed %llu: %s: %s", (unsigned long long)seed, assign_rc_name(rc),
                     res.message);
        assert_string_equal(res.message, "");
        if (in.p.balanced) {
            assert_true(res.lo <= res.hi);
            if (res.hi - res.lo <= 1) /* exact balance reached */
                assert_true(res.load_max - res.load_min <= 1 || in.p.earlier_exclude ||
                            res.load_min == 0);
        }
        check_rules(&in.p, &res, res.lo, res.hi);
        assign_result_free(&res);
    }
}

/* ---- brute force --------------------------------------------------------- */

struct brute {
    const struct assign_problem *p;
    int subsets[64][8]; /* k-subsets of the reviewers */
    int nsub;
    int choice[8];
    int64_t best[64]; /* per widening d: least cost, or -1 */
    int fl, ce, dmax;
    int avail[8];
};

static void subsets(struct brute *b, int start, int depth, int *cur)
{
    if (depth == b->p->k) {
        memcpy(b->subsets[b->nsub++], cur, sizeof(int) * (size_t)b->p->k);
        return;
    }
    for (int r = start; r < b->p->nreviewers; r++) {
        cur[depth] = r;
        subsets(b, r + 1, depth + 1, cur);
    }
}

/* The least d (balanced) at which these loads are within bounds, or -1 if never. */
static int needed_widening(struct brute *b, const int *load)
{
    const struct assign_problem *p = b->p;
    for (int r = 0; r < p->nreviewers; r++)
        if (load[r] > p->reviewers[r].max_load ||
            (b->avail[r] && load[r] < p->reviewers[r].min_load))
            return -1;
    if (!p->balanced)
        return 0;
    for (int d = 0; d <= b->dmax; d++) {
        int ok = 1;
        for (int r = 0; r < p->nreviewers && ok; r++) {
            if (!b->avail[r])
                continue;
            /* The band fl - d .. ce + d clamped into his own [min, max]. */
            int own_lo = p->reviewers[r].min_load, own_hi = p->reviewers[r].max_load;
            int lo = b->fl - d, hi = b->ce + d;
            lo = lo < own_lo ? own_lo : lo > own_hi ? own_hi : lo;
            hi = hi < own_lo ? own_lo : hi > own_hi ? own_hi : hi;
            ok = load[r] >= lo && load[r] <= hi;
        }
        if (ok)
            return d;
    }
    return -1;
}

static void enumerate(struct brute *b, int c)
{
    const struct assign_problem *p = b->p;
    if (c == p->ncases) {
        int load[8] = {0};
        int64_t cost = 0;
        for (int i = 0; i < p->ncases; i++)
            for (int j = 0; j < p->k; j++) {
                int r = b->subsets[b->choice[i]][j];
                load[r]++;
                cost += assign_pair_cost(p, i, r);
            }
        int d = needed_widening(b, load);
        if (d >= 0 && (b->best[d] < 0 || cost < b->best[d]))
            b->best[d] = cost;
        return;
    }
    for (int s = 0; s < b->nsub; s++) {
        int per[8] = {0}, ok = 1;
        for (int j = 0; j < p->k && ok; j++) {
            int r = b->subsets[s][j];
            ok = assign_pair_cost(p, c, r) >= 0;
            if (p->max_same_region && ++per[p->reviewers[r].region] > p->max_same_region)
                ok = 0;
        }
        if (!ok)
            continue;
        b->choice[c] = s;
        enumerate(b, c + 1);
    }
}

static void test_brute_force(void **state)
{
    static struct instance in;
    int feasible = 0, infeasible = 0, widened = 0;
    (void)state;
    for (uint64_t seed = 100; seed < 400; seed++) {
        make_instance(&in, seed, 4, 5, 3, 2);
        in.p.max_same_region = seed % 3 == 0 ? 1 : 0;
        in.p.balanced = seed % 2;
        in.p.allow_own_region = seed % 7 == 0;
        in.p.earlier_exclude = seed % 11 == 0;
        in.p.nconflicts = (int)(seed % 3);
        for (int r = 0; r < 5; r++) {
            in.revs[r].max_load = 1 + below(4);
            /* Some minimums above the balanced band (8 reviews over 5: 1..2). */
            in.revs[r].min_load = below(3) == 0 ? below(4) + 1 : 0;
            if (in.revs[r].min_load > in.revs[r].max_load)
                in.revs[r].min_load = in.revs[r].max_load;
        }
        struct brute b = {.p = &in.p};
        int cur[8];
        subsets(&b, 0, 0, cur);
        int nav = 0, maxload = 0;
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 4; c++)
                b.avail[r] |= assign_pair_cost(&in.p, c, r) >= 0;
            nav += b.avail[r];
            if (b.avail[r] && in.revs[r].max_load > maxload)
                maxload = in.revs[r].max_load;
        }
        b.fl = nav ? 8 / nav : 0;
        b.ce = nav ? (8 + nav - 1) / nav : 0;
        b.dmax = maxload > b.fl ? maxload : b.fl;
        for (int d = 0; d < 64; d++)
            b.best[d] = -1;
        enumerate(&b, 0);
        int64_t best = -1;
        int bestd = -1;
        for (int d = 0; d <= b.dmax && best < 0; d++)
            if (b.best[d] >= 0)
                best = b.best[d], bestd = d;

        struct assign_result res;
        int rc = assign_solve(&in.p, &res);
        if (best < 0) {
            if (rc == ASSIGN_OK)
                fail_msg("seed %llu: brute force finds no assignment, solver cost %lld",
                         (unsigned long long)seed, (long long)res.total_cost);
            assert_true(rc == ASSIGN_ECAPACITY || rc == ASSIGN_ECASE || rc == ASSIGN_EBOTTLENECK ||
                        rc == ASSIGN_EMINLOAD);
            assert_true(strlen(res.message) > 0);
            infeasible++;
            continue;
        }
        if (rc != ASSIGN_OK)
            fail_msg("seed %llu: brute force cost %lld, solver %s: %s", (unsigned long long)seed,
                     (long long)best, assign_rc_name(rc), res.message);
        if (res.total_cost != best)
            fail_msg("seed %llu: brute force cost %lld, solver %lld", (unsigned long long)seed,
                     (long long)best, (long long)res.total_cost);
        if (in.p.balanced) {
            assert_int_equal(res.hi - b.ce, bestd);
            widened += bestd > 0;
        }
        check_rules(&in.p, &res, in.p.balanced ? res.lo : 0, in.p.balanced ? res.hi : 1 << 30);
        assign_result_free(&res);
        feasible++;
    }
    /* The generator must exercise both outcomes. */
    assert_true(feasible > 50);
    assert_true(infeasible > 10);
    assert_true(widened > 0);
}

/* ---- infeasible instances and their explanations ------------------------- */

static const char *const names[] = {"上海市", "北京市", "浙江省"};

/* n cases of region 0 and 2 of region 1; 3 reviewers in each region. */
static void small_problem(struct instance *in, int n, int k, int maxload)
{
    memset(in, 0, sizeof *in);
    for (int c = 0; c < n + 2; c++) {
        in->cases[c].region = c < n ? 0 : 1;
        in->cases[c].unit = 100 + c;
        in->cases[c].tags = 1;
    }
    for (int r = 0; r < 6; r++) {
        in->revs[r].region = r < 3 ? 0 : 1;
        in->revs[r].unit = 200 + r;
        in->revs[r].tags = 1;
        in->revs[r].max_load = maxload;
    }
    in->p.cases = in->cases;
    in->p.ncases = n + 2;
    in->p.reviewers = in->revs;
    in->p.nreviewers = 6;
    in->p.k = k;
    in->p.region_names = names;
    in->p.nregions = 3;
}

static void test_infeasible_capacity(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    small_problem(&in, 8, 2, 3); /* 20 reviews, 6 × 3 = 18 possible */
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_ECAPACITY);
    /* 6 × 3 = 18 in all; 回避 leaves 9 for the 8 cases of 上海市 and 4 for 北京市's 2. */
    assert_string_equal(res.message,
                        "20 reviews needed, 13 possible: 6 reviewers can take 18 cases in all; "
                        "the rules on who may review which case leave 13 of them");
    assert_null(res.reviewers);
    assert_null(res.load);
}

static void test_infeasible_region(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    /* 10 cases of 上海市 need 20 reviews; the 3 reviewers of 北京市 take at most 5 each. */
    small_problem(&in, 10, 2, 5);
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EBOTTLENECK);
    assert_string_equal(res.message,
                        "24 reviews needed, 19 possible: the 10 cases from 上海市 need 20 "
                        "reviews and the reviewers eligible for them can take 15; 3 reviewers "
                        "of 上海市 cannot take cases from 上海市 (回避)");
    /* Allowing the own region makes it feasible. */
    in.p.allow_own_region = 1;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    check_rules(&in.p, &res, 0, 1 << 30);
    assign_result_free(&res);
}

static void test_infeasible_case(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    small_problem(&in, 2, 3, 10);
    /* Case 0 (上海市) may use only 北京市's 3 reviewers; one is in a conflict. */
    struct assign_pair x = {0, 4};
    in.p.conflicts = &x;
    in.p.nconflicts = 1;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_ECASE);
    assert_string_equal(res.message, "12 reviews needed, 11 possible: case 0 (上海市) "
                                     "has 2 eligible reviewers, 3 needed");
    /* With the region cap the shortage shows up too. */
    in.p.nconflicts = 0;
    in.p.max_same_region = 2;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_ECASE);
    /* Every case is short under the cap: 2 each, 8 in all (not 11 from the first alone). */
    assert_string_equal(res.message,
                        "12 reviews needed, 8 possible: 4 cases have fewer than 3 eligible "
                        "reviewers: case 0 (上海市) has 2, case 1 (上海市) has 2, case 2 (北京市) "
                        "has 2, case 3 (北京市) has 2 (at most 2 from one region)");
    /* Two short cases: both named, and the maximum is not "need minus the first shortfall". */
    in.p.max_same_region = 0;
    struct assign_pair x2[2] = {{0, 4}, {1, 5}};
    in.p.conflicts = x2;
    in.p.nconflicts = 2;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_ECASE);
    assert_string_equal(res.message,
                        "12 reviews needed, 10 possible: 2 cases have fewer than 3 eligible "
                        "reviewers: case 0 (上海市) has 2, case 1 (上海市) has 2");
    /* With the caller's ids, messages name cases by id rather than by index. */
    const int64_t ids[] = {4001, 4002, 4003, 4004};
    in.p.case_ids = ids;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_ECASE);
    assert_non_null(strstr(res.message, "case 4001 (上海市) has 2, case 4002 (上海市) has 2"));
    in.p.case_ids = NULL;
}

static void test_infeasible_min_load(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    small_problem(&in, 4, 1, 10); /* 6 reviews */
    /* Reviewer 0 (上海市) can only take the 2 cases of 北京市 but wants 3. */
    in.revs[0].min_load = 3;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EMINLOAD);
    assert_string_equal(res.message, "the minimum loads cannot be met: 1 reviewer short by 1 "
                                     "case in all; e.g. reviewer 0 gets 2 of at least 3 and "
                                     "is eligible for 2 cases");
    in.revs[0].min_load = 2;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.load[0], 2);
    assign_result_free(&res);
    /* Minimum loads adding up to more than the reviews needed. */
    for (int r = 0; r < 6; r++)
        in.revs[r].min_load = 2;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EMINLOAD);
    assert_string_equal(res.message,
                        "the minimum loads add up to 12 cases but only 6 reviews are needed");
}

/* ---- costs, earlier stages, balance -------------------------------------- */

static void test_expertise_and_earlier(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    small_problem(&in, 1, 1, 10); /* case 0 of 上海市, cases 1, 2 of 北京市 */
    in.cases[0].tags = 0x6;
    in.revs[3].tags = 0x1; /* overlap 0 */
    in.revs[4].tags = 0x2; /* overlap 1 */
    in.revs[5].tags = 0x6; /* overlap 2: the best for case 0 */
    assert_int_equal(assign_pair_cost(&in.p, 0, 5), ASSIGN_COST_BASE - 2);
    assert_int_equal(assign_pair_cost(&in.p, 0, 0), -1); /* own region */
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.reviewers[0], 5);
    assign_result_free(&res);

    /* Reviewer 5 saw case 0 in an earlier stage: with a penalty of 3, reviewer 4 is best. */
    int seen = 5;
    in.cases[0].seen = &seen;
    in.cases[0].nseen = 1;
    in.p.earlier_penalty = 3;
    assert_int_equal(assign_pair_cost(&in.p, 0, 5), ASSIGN_COST_BASE - 2 + 3);
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.reviewers[0], 4);
    assign_result_free(&res);
    /* Excluded: reviewer 4 served in an earlier stage at all, 5 saw this case. */
    in.p.earlier_exclude = 1;
    in.revs[4].earlier = 1;
    assert_int_equal(assign_pair_cost(&in.p, 0, 5), -1);
    assert_int_equal(assign_pair_cost(&in.p, 0, 4), -1);
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.reviewers[0], 3);
    assert_int_equal(res.load[4], 0);
    assign_result_free(&res);
    /* Same unit and a forbidden list. */
    in.p.earlier_exclude = 0;
    in.revs[4].earlier = 0;
    in.cases[0].nseen = 0;
    in.revs[5].unit = in.cases[0].unit;
    int forbid = 4;
    in.cases[0].forbidden = &forbid;
    in.cases[0].nforbidden = 1;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.reviewers[0], 3);
    assign_result_free(&res);
}

static void test_balanced(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    /* 8 cases × 2 over 6 reviewers: loads 2 or 3; all tags favour reviewer 0. */
    memset(&in, 0, sizeof in);
    for (int c = 0; c < 8; c++)
        in.cases[c].region = -1, in.cases[c].tags = 1;
    for (int r = 0; r < 6; r++)
        in.revs[r].region = -1, in.revs[r].max_load = 8, in.revs[r].tags = r == 0;
    in.p = (struct assign_problem){
        .cases = in.cases, .ncases = 8, .reviewers = in.revs, .nreviewers = 6, .k = 2};
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.load[0], 8); /* unbalanced: the expert takes everything */
    assign_result_free(&res);
    in.p.balanced = 1;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.lo, 2);
    assert_int_equal(res.hi, 3);
    assert_int_equal(res.load_min, 2);
    assert_int_equal(res.load_max, 3);
    assert_int_equal(res.load[0], 3); /* and still as much of him as balance allows */
    assign_result_free(&res);
    /* Reviewer 5 conflicts with all but one case: the others widen by as little as needed. */
    struct assign_pair x[7];
    for (int c = 0; c < 7; c++)
        x[c] = (struct assign_pair){c, 5};
    in.p.conflicts = x;
    in.p.nconflicts = 7;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.load[5], 1);
    assert_int_equal(res.lo, 1);
    assert_int_equal(res.hi, 4);
    check_rules(&in.p, &res, res.lo, res.hi);
    assign_result_free(&res);
}

static void test_invalid(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    small_problem(&in, 2, 1, 3);
    in.p.k = 0;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EINVAL);
    in.p.k = 1;
    in.revs[0].min_load = 5; /* above max_load */
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EINVAL);
    in.revs[0].min_load = 0;
    struct assign_pair x = {0, 6};
    in.p.conflicts = &x;
    in.p.nconflicts = 1;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EINVAL);
    assert_int_equal(assign_solve(NULL, &res), ASSIGN_EINVAL);
    assert_string_equal(assign_rc_name(ASSIGN_EBOTTLENECK),
                        "some cases have too few eligible reviewers");
    /* No cases at all is a valid, empty assignment. */
    in.p.nconflicts = 0;
    in.p.ncases = 0;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.total_cost, 0);
    assign_result_free(&res);
}

/* ---- an independent maximum flow (Edmonds–Karp) ------------------------- */

/*
 * The network of the problem without minimum loads, built from
 * assign_pair_cost alone: S → case (k), case → (case, region) (the cap) →
 * reviewer (1) for every allowed pair (directly from the case without a
 * cap), reviewer → T (his maximum load).  Breadth-first augmenting paths,
 * one unit each.  Returns the maximum flow; cut[c] = 1 for the cases S
 * reaches in the final residual network.
 */
#define EK_MAXV (2 + MAXC + MAXC * 8 + MAXR)
#define EK_MAXE (2 * (MAXC + MAXC * 8 + MAXC * MAXR + MAXR))

struct ek {
    int head[EK_MAXV], next[EK_MAXE], to[EK_MAXE], cap[EK_MAXE], ne;
    int prev[EK_MAXV], queue[EK_MAXV];
};

static void ek_arc(struct ek *g, int u, int v, int cap)
{
    g->to[g->ne] = v, g->cap[g->ne] = cap, g->next[g->ne] = g->head[u], g->head[u] = g->ne++;
    g->to[g->ne] = u, g->cap[g->ne] = 0, g->next[g->ne] = g->head[v], g->head[v] = g->ne++;
}

/* BFS from S over residual arcs; prev[] the arc into each node, -1 if not reached. */
static int ek_bfs(struct ek *g, int nv, int s, int t)
{
    int qh = 0, qt = 0;
    for (int v = 0; v < nv; v++)
        g->prev[v] = -1;
    g->prev[s] = -2;
    g->queue[qt++] = s;
    while (qh < qt) {
        int u = g->queue[qh++];
        for (int e = g->head[u]; e >= 0; e = g->next[e])
            if (g->cap[e] > 0 && g->prev[g->to[e]] == -1) {
                g->prev[g->to[e]] = e;
                g->queue[qt++] = g->to[e];
            }
    }
    return g->prev[t] != -1;
}

static long long ek_maxflow(const struct assign_problem *p, int *cut)
{
    static struct ek g;
    int n = p->ncases, m = p->nreviewers, nr = p->nregions;
    int cap = p->max_same_region > 0 && p->max_same_region < p->k ? p->max_same_region : 0;
    int S = 0, T = 1, C0 = 2, CR0 = 2 + n, R0 = 2 + n + (cap ? n * nr : 0), nv = R0 + m;
    long long flow = 0;

    assert_true((!cap || nr <= 8) && n <= MAXC && m <= MAXR);
    g.ne = 0;
    for (int v = 0; v < nv; v++)
        g.head[v] = -1;
    for (int c = 0; c < n; c++) {
        ek_arc(&g, S, C0 + c, p->k);
        for (int reg = 0; reg < nr && cap; reg++)
            ek_arc(&g, C0 + c, CR0 + c * nr + reg, cap);
        for (int r = 0; r < m; r++) {
            if (assign_pair_cost(p, c, r) < 0)
                continue;
            int reg = p->reviewers[r].region;
            ek_arc(&g, cap && reg >= 0 ? CR0 + c * nr + reg : C0 + c, R0 + r, 1);
        }
    }
    for (int r = 0; r < m; r++)
        ek_arc(&g, R0 + r, T, p->reviewers[r].max_load);
    while (ek_bfs(&g, nv, S, T)) {
        for (int v = T; v != S; v = g.to[g.prev[v] ^ 1]) {
            g.cap[g.prev[v]]--;
            g.cap[g.prev[v] ^ 1]++;
        }
        flow++;
    }
    for (int c = 0; c < n; c++)
        cut[c] = g.prev[C0 + c] != -1;
    return flow;
}

static const char *const rnames[] = {"甲区", "乙区", "丙区", "丁区",
                                     "戊区", "己区", "庚区", "辛区"};

/*
 * Infeasible instances of every kind: the figure "possible" must equal the
 * independent maximum flow, and a bottleneck must name exactly the cases
 * of the independent minimum cut, every region of them with its count.
 */
static void test_infeasible_figures(void **state)
{
    static struct instance in;
    int cut[MAXC];
    int kinds[ASSIGN_RC__MAX] = {0}, multi = 0;
    (void)state;
    for (uint64_t seed = 500; seed < 800; seed++) {
        int n = 20 + (int)(seed * 7 % 60), m = 8 + (int)(seed % 9), k = 2 + (int)(seed % 3);
        make_instance(&in, seed, n, m, 4 + (int)(seed % 5), k);
        in.p.region_names = rnames;
        in.p.max_same_region = seed % 3 == 0 ? 1 : 0;
        in.p.balanced = seed % 2;
        in.p.allow_own_region = seed % 5 == 0;
        for (int r = 0; r < m; r++) {
            in.revs[r].max_load = below(4) == 0 ? 0 : 1 + below(2 * n * k / m + 1);
            in.revs[r].min_load = 0;
        }
        /* Cases with (almost) every reviewer in conflict: too few eligible. */
        if (seed % 6 == 3) {
            for (int r = 0; r < m; r++)
                in.revs[r].max_load = n * k;
            in.p.nconflicts = 0;
            for (int r = 0; r < m && r < MAXX; r++)
                in.conflicts[in.p.nconflicts++] = (struct assign_pair){r % 3, r};
        }
        /* Some regions of cases crowd out their reviewers: bottlenecks. */
        if (seed % 4 == 1)
            for (int c = 0; c < n; c++)
                in.cases[c].region = below(2);
        struct assign_result res;
        int rc = assign_solve(&in.p, &res);
        if (rc == ASSIGN_OK) {
            check_rules(&in.p, &res, in.p.balanced ? res.lo : 0, in.p.balanced ? res.hi : 1 << 30);
            assign_result_free(&res);
            kinds[rc]++;
            continue;
        }
        long long flow = ek_maxflow(&in.p, cut), need = -1, possible = -1;
        if (sscanf(res.message, "%lld reviews needed, %lld possible", &need, &possible) != 2)
            fail_msg("seed %llu: %s: no figures in \"%s\"", (unsigned long long)seed,
                     assign_rc_name(rc), res.message);
        assert_int_equal(need, (long long)n * k);
        if (possible != flow)
            fail_msg("seed %llu: %s says %lld possible, the maximum flow is %lld: %s",
                     (unsigned long long)seed, assign_rc_name(rc), possible, flow, res.message);
        kinds[rc]++;
        if (rc != ASSIGN_EBOTTLENECK)
            continue;
        /* The cut: its size, and every region in it with its count. */
        int ncut = 0, per[8] = {0}, nreg = 0;
        for (int c = 0; c < n; c++)
            if (cut[c])
                ncut++, per[in.cases[c].region]++;
        for (int g = 0; g < 8; g++)
            nreg += per[g] > 0;
        char want[64];
        snprintf(want, sizeof want, ": the %d case%s from ", ncut, ncut == 1 ? "" : "s");
        if (!strstr(res.message, want))
            fail_msg("seed %llu: expected \"%s\" in \"%s\"", (unsigned long long)seed, want,
                     res.message);
        for (int g = 0; g < 8; g++) {
            if (nreg > 1)
                snprintf(want, sizeof want, "%s (%d)", rnames[g], per[g]);
            else
                snprintf(want, sizeof want, "from %s need", rnames[g]);
            if ((per[g] > 0) != (strstr(res.message, want) != NULL))
                fail_msg("seed %llu: region %s has %d cases in the cut; message \"%s\"",
                         (unsigned long long)seed, rnames[g], per[g], res.message);
        }
        snprintf(want, sizeof want, "can take %lld", (long long)ncut * k - (n * k - flow));
        assert_non_null(strstr(res.message, want));
        multi += nreg > 1;
    }
    /* The generator must reach every kind, and bottlenecks over several regions. */
    assert_true(kinds[ASSIGN_OK] > 10);
    assert_true(kinds[ASSIGN_ECAPACITY] > 5);
    assert_true(kinds[ASSIGN_ECASE] > 5);
    assert_true(kinds[ASSIGN_EBOTTLENECK] > 5);
    assert_true(multi > 0);
}

/* Every region of a bottleneck named, and a long message cut cleanly. */
static void test_bottleneck_regions(void **state)
{
    static struct instance in;
    static char names32[32][24];
    static const char *rn[32];
    struct assign_result res;
    (void)state;
    /*
     * 64 cases, two in each of 32 regions, may take only reviewers 0-3 (30
     * each, 120 in all) and need 128; case 64 and reviewer 4 (unit 7, like
     * the 64) keep the total capacity above the need.
     */
    memset(&in, 0, sizeof in);
    for (int g = 0; g < 32; g++) {
        snprintf(names32[g], sizeof names32[g], "第%d地区", g);
        rn[g] = names32[g];
    }
    for (int c = 0; c < 65; c++)
        in.cases[c] = (struct assign_case){.region = c < 64 ? c % 32 : -1, .unit = c < 64 ? 7 : 8};
    for (int r = 0; r < 5; r++)
        in.revs[r] = (struct assign_reviewer){
            .region = -1, .unit = r < 4 ? 100 + r : 7, .max_load = r < 4 ? 30 : 100};
    in.p = (struct assign_problem){.cases = in.cases,
                                   .ncases = 65,
                                   .reviewers = in.revs,
                                   .nreviewers = 5,
                                   .k = 2,
                                   .region_names = rn,
                                   .nregions = 32};
    int rc = assign_solve(&in.p, &res);
    assert_int_equal(rc, ASSIGN_EBOTTLENECK);
    int cut[MAXC];
    long long flow = ek_maxflow(&in.p, cut), possible = -1;
    assert_int_equal(sscanf(res.message, "%*d reviews needed, %lld possible", &possible), 1);
    assert_int_equal(possible, flow);
    assert_int_equal(flow, 121); /* reviewers 0-3 are used up; case 64 gets reviewer 4 only */
    /* All 32 regions of the 64 cases are named. */
    for (int g = 0; g < 32; g++) {
        char want[32];
        snprintf(want, sizeof want, "%s (2)", rn[g]);
        if (!strstr(res.message, want))
            fail_msg("%s missing from \"%s\"", want, res.message);
    }
    assert_true(strlen(res.message) < ASSIGN_MESSAGE_MAX);
}

/* A reviewer's own minimum above the balanced band is honoured, or refused with numbers. */
static void test_own_min_balanced(void **state)
{
    static struct instance in;
    struct assign_result res;
    (void)state;
    /* 8 cases × 2 over 6 reviewers: band 2..3; reviewer 0 shares no tag (dearest), minimum 5. */
    memset(&in, 0, sizeof in);
    for (int c = 0; c < 8; c++)
        in.cases[c].region = -1, in.cases[c].tags = 1;
    for (int r = 0; r < 6; r++)
        in.revs[r].region = -1, in.revs[r].max_load = 8, in.revs[r].tags = r != 0;
    in.revs[0].min_load = 5;
    in.p = (struct assign_problem){.cases = in.cases,
                                   .ncases = 8,
                                   .reviewers = in.revs,
                                   .nreviewers = 6,
                                   .k = 2,
                                   .balanced = 1};
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_OK);
    assert_int_equal(res.load[0], 5);
    assert_int_equal(res.lo, 2);
    assert_int_equal(res.hi, 3);
    for (int r = 1; r < 6; r++)
        assert_in_range(res.load[r], 2, 3);
    /* He costs one more per case than the others: 16 × 63 + 5. */
    assert_int_equal(res.total_cost, 16 * (ASSIGN_COST_BASE - 1) + 5);
    check_rules(&in.p, &res, res.lo, res.hi);
    assign_result_free(&res);
    /* Eligible for only 6 cases but a minimum of 7: refused, with the numbers. */
    struct assign_pair x[2] = {{6, 0}, {7, 0}};
    in.p.conflicts = x;
    in.p.nconflicts = 2;
    in.revs[0].min_load = 7;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EMINLOAD);
    assert_string_equal(res.message, "the minimum loads cannot be met: 1 reviewer short by 1 "
                                     "case in all; e.g. reviewer 0 gets 6 of at least 7 and is "
                                     "eligible for 6 cases");
    const int64_t users[] = {71, 72, 73, 74, 75, 76};
    in.p.reviewer_ids = users;
    assert_int_equal(assign_solve(&in.p, &res), ASSIGN_EMINLOAD);
    assert_non_null(strstr(res.message, "e.g. reviewer 71 gets 6 of at least 7"));
    assert_null(res.reviewers);
}

/* The pruned network with its checks costs exactly what every eligible pair does. */
static void test_pruned_equals_exhaustive(void **state)
{
    static struct instance in;
    int pruned = 0, rounds = 0, infeasible = 0;
    (void)state;
    for (uint64_t seed = 900; seed < 960; seed++) {
        int n = 100 + (int)(seed * 13 % 200), m = 30 + (int)(seed % 31), k = 1 + (int)(seed % 4);
        make_instance(&in, seed, n, m, 6, k);
        in.p.max_same_region = seed % 3 == 0 ? 1 : 0;
        in.p.balanced = seed % 2;
        in.p.earlier_exclude = seed % 7 == 0;
        for (int r = 0; r < m; r++) {
            /* Tight loads: the cheapest candidates alone do not do. */
            in.revs[r].max_load = (n * k) / m + 1 + (int)(seed % 3 == 1 ? below(3) : 0);
            in.revs[r].min_load = seed % 5 == 2 ? below(2) : 0;
            in.revs[r].tags = r % 4 == 0 ? 0xff : rnd() & 0xff; /* popular experts */
        }
        struct assign_result a, b;
        in.p.exhaustive = 0;
        int rca = assign_solve(&in.p, &a);
        in.p.exhaustive = 1;
        int rcb = assign_solve(&in.p, &b);
        if (rca != rcb)
            fail_msg("seed %llu: pruned %s (%s), exhaustive %s (%s)", (unsigned long long)seed,
                     assign_rc_name(rca), a.message, assign_rc_name(rcb), b.message);
        assert_string_equal(a.message, b.message);
        if (rca != ASSIGN_OK) {
            infeasible++;
            continue;
        }
        if (a.total_cost != b.total_cost)
            fail_msg("seed %llu: pruned cost %lld, exhaustive %lld", (unsigned long long)seed,
                     (long long)a.total_cost, (long long)b.total_cost);
        assert_int_equal(a.lo, b.lo);
        assert_int_equal(a.hi, b.hi);
        assert_int_equal(b.pairs_network, b.pairs_eligible);
        pruned += a.pairs_network < a.pairs_eligible;
        rounds += a.rounds > 1 + 0 * b.rounds;
        check_rules(&in.p, &a, in.p.balanced ? a.lo : 0, in.p.balanced ? a.hi : 1 << 30);
        assign_result_free(&a);
        assign_result_free(&b);
    }
    /* Pruning happened, and pairs were added after a check at least sometimes. */
    assert_true(pruned > 20);
    assert_true(rounds > 0);
    assert_true(infeasible < 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_properties),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_infeasible_capacity),
        cmocka_unit_test(test_infeasible_region),
        cmocka_unit_test(test_infeasible_case),
        cmocka_unit_test(test_infeasible_min_load),
        cmocka_unit_test(test_expertise_and_earlier),
        cmocka_unit_test(test_balanced),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_infeasible_figures),
        cmocka_unit_test(test_bottleneck_regions),
        cmocka_unit_test(test_own_min_balanced),
        cmocka_unit_test(test_pruned_equals_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
