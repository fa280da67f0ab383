/*
 * test_submission.c — unit tests for the submission rules
 * (src/domain/submission.c): the deadline comparison the server applies to
 * submit, withdraw and edits of drafts, the length checks in characters,
 * and the status machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/submission.h"

static void test_before(void **state)
{
    (void)state;
    assert_int_equal(submission_before("2019-10-30", "2019-10-31"), 1);
    assert_int_equal(submission_before("2019-10-31", "2019-10-31"), 1); /* the last day counts */
    assert_int_equal(submission_before("2019-11-01", "2019-10-31"), 0);
    assert_int_equal(submission_before("2020-01-01", "2019-12-31"), 0);
    assert_int_equal(submission_before("2019-12-31", "2020-01-01"), 1);
    /* A timestamp as last day compares by its date. */
    assert_int_equal(submission_before("2019-10-31", "2019-10-31T23:59:59Z"), 1);
    assert_int_equal(submission_before("2019-11-01", "2019-10-31T23:59:59Z"), 0);
}

static void test_today(void **state)
{
    (void)state;
    char d[11];
    submission_today(d);
    assert_int_equal(strlen(d), 10);
    assert_true(d[4] == '-' && d[7] == '-');
    assert_int_equal(submission_before(d, d), 1);
}

static void test_check(void **state)
{
    (void)state;
    static char big[3 * 2001 + 1];
    for (int i = 0; i < 2001; i++)
        memcpy(big + 3 * i, "\xe5\xad\x97", 3); /* 字 */
    const char *empty[SUBMISSION_SECTIONS] = {"", "", "", "", ""};
    const char *over[SUBMISSION_SECTIONS] = {big, "", "", "", ""};
    struct submission_check c;
    submission_check("标题", "", "", "", empty, 0, &c);
    assert_true(c.ok); /* a draft may be empty */
    submission_check("标题", "", "", "", over, 0, &c);
    assert_false(c.ok);
    assert_string_equal(c.section[0], "check_section_long");
    big[3 * 2000] = 0; /* exactly 2000 characters (6000 bytes) */
    submission_check("标题", "", "", "", over, 0, &c);
    assert_true(c.ok);
    submission_check("标题", "t", "张三", "123", empty, 1, &c);
    assert_false(c.ok);
    assert_string_equal(c.section[0], "check_section_missing");
    assert_null(c.section[4]); /* 附录 is optional */
    assert_string_equal(c.total, "check_total_short");
}

static void test_transitions(void **state)
{
    (void)state;
    assert_int_equal(case_transition(CASE_DRAFT, ACT_SUBMIT), CASE_SUBMITTED);
    assert_int_equal(case_transition(CASE_SUBMITTED, ACT_WITHDRAW), CASE_DRAFT);
    assert_int_equal(case_transition(CASE_DRAFT, ACT_WITHDRAW), -1);
    assert_int_equal(case_transition(CASE_SUBMITTED, ACT_SUBMIT), -1);
    assert_int_equal(case_transition(CASE_CORRECTION, ACT_RESUBMIT), CASE_RECOMMENDED);
    assert_false(case_editable(CASE_SUBMITTED));
    assert_true(case_editable(CASE_RETURNED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before),
        cmocka_unit_test(test_today),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_transitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
