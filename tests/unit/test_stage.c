/*
 * test_stage.c — unit tests for a review stage's states (src/domain/stage.c):
 * the names the store keeps, the whole transitions table against the rules
 * the store and the pages apply (written out here once more, by hand), the
 * path a stage takes from setup to advanced, and the kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/stage.h"

/* The states in the order of 003_review.sql's CHECK. */
static const char *const names[] = {"setup",  "proposed", "released",
                                    "closed", "ranked",   "advanced"};

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(sizeof names / sizeof names[0], STAGE_STATE__MAX);
    for (int i = 0; i < STAGE_STATE__MAX; i++) {
        assert_string_equal(stage_state_name((enum stage_state)i), names[i]);
        assert_int_equal(stage_state_parse(names[i]), i);
        /* One catalog key per state, named after it. */
        const char *key = stage_state_key((enum stage_state)i);
        assert_true(strncmp(key, "stage_state_", 12) == 0);
        assert_string_equal(key + 12, names[i]);
    }
    assert_int_equal(stage_state_parse("Released"), -1);
    assert_int_equal(stage_state_parse(""), -1);
    assert_int_equal(stage_state_parse(NULL), -1);
    assert_string_equal(stage_state_name(STAGE_STATE__MAX), "");
    assert_string_equal(stage_state_name((enum stage_state) - 1), "");
}

static void test_table(void **state)
{
    (void)state;
    /* expected[from][action]: the state it leads to, or -1. */
    int expected[STAGE_STATE__MAX][STAGE_ACTION__MAX];
    for (int s = 0; s < STAGE_STATE__MAX; s++)
        for (int a = 0; a < STAGE_ACTION__MAX; a++)
            expected[s][a] = -1;
    /* Settings and criteria: setup or proposed. */
    expected[STAGE_SETUP][STAGE_EDIT] = STAGE_SETUP;
    expected[STAGE_PROPOSED][STAGE_EDIT] = STAGE_PROPOSED;
    /* The pool: setup only. */
    expected[STAGE_SETUP][STAGE_FILL] = STAGE_SETUP;
    /* A proposal: setup or proposed, then proposed. */
    expected[STAGE_SETUP][STAGE_PROPOSE] = STAGE_PROPOSED;
    expected[STAGE_PROPOSED][STAGE_PROPOSE] = STAGE_PROPOSED;
    /* One assignment, a drop-out: while assignments are live. */
    expected[STAGE_PROPOSED][STAGE_ASSIGN] = STAGE_PROPOSED;
    expected[STAGE_RELEASED][STAGE_ASSIGN] = STAGE_RELEASED;
    expected[STAGE_PROPOSED][STAGE_RELEASE] = STAGE_RELEASED;
    /* Reviewers score, and are reminded, while released. */
    expected[STAGE_RELEASED][STAGE_REMIND] = STAGE_RELEASED;
    expected[STAGE_RELEASED][STAGE_SCORE] = STAGE_RELEASED;
    expected[STAGE_RELEASED][STAGE_CLOSE] = STAGE_CLOSED;
    /* Ranking: closed, ranked again, or released (closing first). */
    expected[STAGE_RELEASED][STAGE_RANK] = STAGE_RANKED;
    expected[STAGE_CLOSED][STAGE_RANK] = STAGE_RANKED;
    expected[STAGE_RANKED][STAGE_RANK] = STAGE_RANKED;
    expected[STAGE_RANKED][STAGE_ADVANCE] = STAGE_ADVANCED;
    for (int s = 0; s < STAGE_STATE__MAX; s++)
        for (int a = 0; a < STAGE_ACTION__MAX; a++) {
            int got = stage_transition((enum stage_state)s, (enum stage_action)a);
            if (got != expected[s][a])
                fail_msg("from %s by action %d: expected %d, saw %d", names[s], a, expected[s][a],
                         got);
            assert_int_equal(stage_allows((enum stage_state)s, (enum stage_action)a),
                             expected[s][a] >= 0);
        }
    /* Out of range: nothing allowed. */
    assert_int_equal(stage_transition(STAGE_STATE__MAX, STAGE_EDIT), -1);
    assert_int_equal(stage_transition(STAGE_SETUP, STAGE_ACTION__MAX), -1);
    assert_int_equal(stage_allows((enum stage_state) - 1, STAGE_EDIT), 0);
}

static void test_path(void **state)
{
    (void)state;
    /* The way a stage goes, each step from the one before. */
    static const enum stage_action steps[] = {STAGE_PROPOSE, STAGE_RELEASE, STAGE_CLOSE, STAGE_RANK,
                                              STAGE_ADVANCE};
    static const enum stage_state after[] = {STAGE_PROPOSED, STAGE_RELEASED, STAGE_CLOSED,
                                             STAGE_RANKED, STAGE_ADVANCED};
    int s = STAGE_SETUP;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        s = stage_transition((enum stage_state)s, steps[i]);
        assert_int_equal(s, after[i]);
    }
    /* Advanced is final. */
    for (int a = 0; a < STAGE_ACTION__MAX; a++)
        assert_false(stage_allows(STAGE_ADVANCED, (enum stage_action)a));
    /* No move goes back: each leads to the same state or a later one. */
    for (int f = 0; f < STAGE_STATE__MAX; f++)
        for (int a = 0; a < STAGE_ACTION__MAX; a++) {
            int to = stage_transition((enum stage_state)f, (enum stage_action)a);
            if (to >= 0)
                assert_true(to >= f);
        }
    /* Results exist once ranked. */
    for (int i = 0; i < STAGE_STATE__MAX; i++)
        assert_int_equal(stage_has_results((enum stage_state)i),
                         i == STAGE_RANKED || i == STAGE_ADVANCED);
}

static void test_can(void **state)
{
    (void)state;
    struct stage_can c;
    /* Every flag follows the table for a review stage under review. */
    for (int st = 0; st < STAGE_STATE__MAX; st++) {
        enum stage_state s = (enum stage_state)st;
        stage_can(s, STAGE_KIND_REVIEW, 1, -1, &c);
        assert_int_equal(c.edit, stage_allows(s, STAGE_EDIT));
        assert_int_equal(c.fill, stage_allows(s, STAGE_FILL));
        assert_int_equal(c.propose, stage_allows(s, STAGE_PROPOSE));
        assert_int_equal(c.assign, stage_allows(s, STAGE_ASSIGN));
        assert_int_equal(c.release, stage_allows(s, STAGE_RELEASE));
        assert_int_equal(c.remind, stage_allows(s, STAGE_REMIND));
        assert_int_equal(c.close, stage_allows(s, STAGE_CLOSE));
        assert_int_equal(c.rank, stage_allows(s, STAGE_RANK));
        assert_int_equal(c.rank_closes, s == STAGE_RELEASED);
        assert_int_equal(c.advance, stage_allows(s, STAGE_ADVANCE));
        assert_int_equal(c.next_started, 0);
        assert_int_equal(c.has_results, stage_has_results(s));
        /* Another campaign's stage: nothing may be done. */
        stage_can(s, STAGE_KIND_REVIEW, 0, -1, &c);
        assert_false(c.edit || c.fill || c.propose || c.assign || c.release || c.remind ||
                     c.close || c.rank || c.advance);
        assert_int_equal(c.has_results, stage_has_results(s));
    }
    /* Advancing needs a next stage still in setup. */
    stage_can(STAGE_RANKED, STAGE_KIND_REVIEW, 1, STAGE_SETUP, &c);
    assert_true(c.advance);
    assert_false(c.next_started);
    stage_can(STAGE_RANKED, STAGE_KIND_REVIEW, 1, STAGE_PROPOSED, &c);
    assert_false(c.advance);
    assert_true(c.next_started);
    /* An exhibition has no reviewers and no ranking; a ballot has reviewers, no ranking. */
    stage_can(STAGE_SETUP, STAGE_KIND_EXHIBITION, 1, -1, &c);
    assert_false(c.propose);
    assert_true(c.edit && c.fill);
    stage_can(STAGE_RELEASED, STAGE_KIND_EXHIBITION, 1, -1, &c);
    assert_false(c.close || c.rank || c.rank_closes);
    stage_can(STAGE_SETUP, STAGE_KIND_BALLOT, 1, -1, &c);
    assert_true(c.propose);
    stage_can(STAGE_CLOSED, STAGE_KIND_BALLOT, 1, -1, &c);
    assert_false(c.rank);
}

static void test_kinds(void **state)
{
    (void)state;
    static const char *const kinds[] = {"review", "exhibition", "ballot"};
    assert_int_equal(sizeof kinds / sizeof kinds[0], STAGE_KIND__MAX);
    for (int i = 0; i < STAGE_KIND__MAX; i++) {
        assert_string_equal(stage_kind_name((enum stage_kind)i), kinds[i]);
        assert_int_equal(stage_kind_parse(kinds[i]), i);
        assert_string_equal(stage_kind_key((enum stage_kind)i) + strlen("stages_kind_"), kinds[i]);
    }
    assert_int_equal(stage_kind_parse("vote"), -1);
    assert_true(stage_kind_assignable(STAGE_KIND_REVIEW));
    assert_true(stage_kind_assignable(STAGE_KIND_BALLOT));
    assert_false(stage_kind_assignable(STAGE_KIND_EXHIBITION));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names), cmocka_unit_test(test_table), cmocka_unit_test(test_path),
        cmocka_unit_test(test_can),   cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
