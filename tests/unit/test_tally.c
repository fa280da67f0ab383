/*
 * test_tally.c — unit tests for counting a ballot and proposing tiers
 * (src/domain/tally.c): the majority of the eligible (回避 left out), the
 * places filled by share, a tie across the last place proposing a runoff
 * among exactly the tied cases, and tiers with quotas and region caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/tally.h"

static struct tally_case mk(int64_t id, int approvals, int eligible, int prior)
{
    struct tally_case c = {0};
    c.case_id = id;
    c.approvals = approvals;
    c.eligible = eligible;
    c.prior_rank = prior;
    return c;
}

static const struct tally_case *find(const struct tally_case *c, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (c[i].case_id == id)
            return &c[i];
    fail_msg("case %lld not in the tally", (long long)id);
    return NULL;
}

static void test_majority_of_the_eligible(void **state)
{
    (void)state;
    /* 3 of 6 is no majority; 3 of the 4 not in 回避 is; 4 of 7 is; nobody eligible never passes. */
    struct tally_case c[] = {mk(1, 3, 6, 1), mk(2, 3, 4, 2), mk(3, 4, 7, 3), mk(4, 0, 0, 4)};
    struct tally_outcome o;
    tally_run(c, 4, 10, &o);
    assert_false(find(c, 4, 1)->passed);
    assert_true(find(c, 4, 2)->passed);
    assert_true(find(c, 4, 3)->passed);
    assert_false(find(c, 4, 4)->passed);
    assert_int_equal(o.passed, 2);
    assert_int_equal(o.elected, 2);
    assert_int_equal(o.runoff, 0);
    /* Passes first, by share: 3/4 before 4/7. */
    assert_int_equal(c[0].case_id, 2);
    assert_int_equal(c[0].order, 1);
    assert_int_equal(c[1].case_id, 3);
}

static void test_more_passes_than_places(void **state)
{
    (void)state;
    /* No tie at the boundary: the places go by share. */
    struct tally_case c[] = {mk(1, 6, 6, 5), mk(2, 5, 6, 4), mk(3, 4, 6, 1), mk(4, 5, 6, 2)};
    struct tally_outcome o;
    tally_run(c, 4, 3, &o);
    assert_int_equal(o.passed, 4);
    assert_int_equal(o.elected, 3);
    assert_int_equal(o.runoff, 0);
    assert_true(find(c, 4, 1)->elected);
    assert_true(find(c, 4, 2)->elected);
    assert_true(find(c, 4, 4)->elected);
    assert_false(find(c, 4, 3)->elected);
    /* Equal shares keep the prior rank's order. */
    assert_int_equal(c[1].case_id, 4);
    assert_int_equal(c[2].case_id, 2);
}

static void test_tie_across_the_last_place(void **state)
{
    (void)state;
    /* A 6/6, X 3/4, B C D 4/6 for four places: A and X elected, B C D for the two left. */
    struct tally_case c[] = {mk(10, 6, 6, 1), mk(11, 3, 4, 2), mk(12, 4, 6, 3),
                             mk(13, 4, 6, 4), mk(14, 4, 6, 5), mk(15, 2, 6, 6)};
    struct tally_outcome o;
    tally_run(c, 6, 4, &o);
    assert_int_equal(o.passed, 5);
    assert_int_equal(o.elected, 2);
    assert_int_equal(o.runoff, 3);
    assert_int_equal(o.runoff_places, 2);
    assert_true(find(c, 6, 10)->elected && find(c, 6, 11)->elected);
    for (int64_t id = 12; id <= 14; id++)
        assert_true(find(c, 6, id)->runoff && !find(c, 6, id)->elected);
    assert_false(find(c, 6, 15)->runoff || find(c, 6, 15)->passed);
    /* Equal shares over different eligible counts tie too: 2/4 = 3/6 is no pass, 4/6 = 6/9. */
    struct tally_case d[] = {mk(1, 4, 6, 1), mk(2, 6, 9, 2), mk(3, 7, 7, 3)};
    tally_run(d, 3, 2, &o);
    assert_int_equal(o.elected, 1);
    assert_int_equal(o.runoff, 2);
    assert_int_equal(o.runoff_places, 1);
    /* A tie that fits inside the places needs no runoff. */
    struct tally_case e[] = {mk(1, 4, 6, 1), mk(2, 4, 6, 2), mk(3, 6, 6, 3), mk(4, 1, 6, 4)};
    tally_run(e, 4, 3, &o);
    assert_int_equal(o.elected, 3);
    assert_int_equal(o.runoff, 0);
    /* Nothing to count, no places. */
    tally_run(e, 0, 3, &o);
    assert_int_equal(o.passed, 0);
    tally_run(e, 4, 0, &o);
    assert_int_equal(o.elected, 0);
    assert_int_equal(o.runoff, 0);
}

static void test_tiers_quota_and_cap(void **state)
{
    (void)state;
    /* Two tiers: 2 best (at most 1 per region), 3 excellent; regions 0 0 1 0 1 2 0. */
    struct tally_tier t[] = {{1, 2, 1}, {2, 3, 0}};
    int regions[] = {0, 0, 1, 0, 1, 2, 0};
    struct tally_place p[7];
    for (int i = 0; i < 7; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].case_id = 100 + i;
        p[i].region = regions[i];
    }
    int counts[2 * 3];
    int placed = tally_tiers(p, 7, t, 2, 3, counts);
    assert_int_equal(placed, 5);
    assert_int_equal(p[0].tier, 0);
    assert_int_equal(p[0].why, TALLY_IN_ORDER);
    /* The second of region 0 is capped out of the best tier. */
    assert_int_equal(p[1].tier, 1);
    assert_int_equal(p[1].why, TALLY_REGION_CAP);
    assert_int_equal(p[1].capped_tier, 0);
    assert_int_equal(p[2].tier, 0);
    assert_int_equal(p[2].position, 2);
    assert_int_equal(p[3].tier, 1);
    assert_int_equal(p[4].tier, 1);
    assert_int_equal(p[4].why, TALLY_IN_ORDER);
    assert_int_equal(p[5].tier, -1);
    assert_int_equal(p[5].why, TALLY_NO_ROOM);
    assert_int_equal(p[6].tier, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_majority_of_the_eligible),
        cmocka_unit_test(test_more_passes_than_places),
        cmocka_unit_test(test_tie_across_the_last_place),
        cmocka_unit_test(test_tiers_quota_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
