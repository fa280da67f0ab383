/*
 * test_workdays.c — unit tests for working days (src/domain/workdays.c):
 * dates and weekdays, weekends, the official holidays and adjusted working
 * days across year ends, the organiser's own lines, and notice periods of
 * five working days that run over a holiday or a year's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/workdays.h"

static int D(const char *s)
{
    int d = 0;
    assert_int_equal(workdays_parse(s, &d), 0);
    return d;
}

static const char *S(int day)
{
    static char out[4][11];
    static int k;
    k = (k + 1) % 4;
    workdays_format(day, out[k]);
    return out[k];
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(D("1970-01-01"), 0);
    assert_string_equal(S(D("2020-02-29")), "2020-02-29");
    assert_int_equal(D("2020-03-01") - D("2020-02-28"), 2);
    assert_int_equal(D("2019-03-01") - D("2019-02-28"), 1);
    assert_int_equal(D("2000-03-01") - D("2000-02-28"), 2);
    int d;
    assert_int_equal(workdays_parse("2019-02-29", &d), -1);
    assert_int_equal(workdays_parse("2019-13-01", &d), -1);
    assert_int_equal(workdays_parse("2019-1-01", &d), -1);
    assert_int_equal(workdays_parse("2019-01-01x", &d), -1);
    assert_int_equal(workdays_parse(NULL, &d), -1);
    assert_int_equal(workdays_weekday(D("2019-11-20")), 2); /* a Wednesday */
    assert_int_equal(workdays_weekday(D("2026-12-06")), 6); /* a Sunday */
}

static void test_official_calendar(void **state)
{
    (void)state;
    /* Weekends off, weekdays on. */
    assert_false(workdays_is_working(NULL, D("2019-11-23")));
    assert_true(workdays_is_working(NULL, D("2019-11-22")));
    /* Holidays on weekdays are off; adjusted weekend days are worked. */
    assert_false(workdays_is_working(NULL, D("2019-10-04")));
    assert_true(workdays_is_working(NULL, D("2019-10-12")));  /* a Saturday */
    assert_false(workdays_is_working(NULL, D("2020-01-31")));  /* the extended Spring Festival */
    assert_true(workdays_is_working(NULL, D("2020-02-03")));
    assert_true(workdays_is_working(NULL, D("2024-02-18")));  /* a Sunday */
    assert_false(workdays_is_working(NULL, D("2025-02-04")));
    assert_true(workdays_is_working(NULL, D("2026-02-28")));  /* a Saturday */
    /* Across year ends: 2018-12-29 (Sat) worked, 12-31 (Mon) off; 2022-12-31 .. 2023-01-02 off. */
    assert_true(workdays_is_working(NULL, D("2018-12-29")));
    assert_false(workdays_is_working(NULL, D("2018-12-31")));
    assert_false(workdays_is_working(NULL, D("2023-01-02")));
    assert_true(workdays_is_working(NULL, D("2023-01-03")));
    assert_true(workdays_is_working(NULL, D("2026-01-04")));  /* a Sunday */
    /* Outside 2019–2026: weekends only. */
    assert_true(workdays_is_working(NULL, D("2027-10-01")));
}

static void test_periods(void **state)
{
    (void)state;
    /* Five working days from a Monday: that Friday. */
    assert_string_equal(S(workdays_end(NULL, D("2019-11-25"), 5)), "2019-11-29");
    /* Published on a Saturday: from the Monday. */
    assert_string_equal(S(workdays_end(NULL, D("2019-11-23"), 5)), "2019-11-29");
    /* Over National Day 2019: 09-30 (Mon), then 10-08 .. 10-11. */
    assert_string_equal(S(workdays_end(NULL, D("2019-09-30"), 5)), "2019-10-11");
    /* Over the 2019 year end: 12-27 (Fri), 12-30, 12-31, 2020-01-02, 01-03 (01-01 off). */
    assert_string_equal(S(workdays_end(NULL, D("2019-12-27"), 5)), "2020-01-03");
    /* Over the 2018/2019 year end with its Saturday worked: 12-28 (Fri), 12-29 (Sat), 01-02 ... */
    assert_string_equal(S(workdays_end(NULL, D("2018-12-28"), 5)), "2019-01-04");
    /* Over the 2022/2023 year end: 12-30 (Fri), then 01-03 .. 01-06. */
    assert_string_equal(S(workdays_end(NULL, D("2022-12-30"), 5)), "2023-01-06");
    /* Over the 2025/2026 year end: 12-31, 2026-01-04 (Sun, worked), 01-05 .. 01-07. */
    assert_string_equal(S(workdays_end(NULL, D("2025-12-31"), 5)), "2026-01-07");
    /* Across the Spring Festival of 2026: 02-13 (Fri), 02-14 (Sat, worked), 02-24 .. 02-26. */
    assert_string_equal(S(workdays_end(NULL, D("2026-02-13"), 5)), "2026-02-26");
    assert_int_equal(workdays_between(NULL, D("2026-02-13"), D("2026-02-26")), 5);
    assert_int_equal(workdays_between(NULL, D("2026-02-26"), D("2026-02-13")), 0);
    assert_string_equal(S(workdays_first(NULL, D("2020-01-24"))), "2020-02-03");
}

static void test_own_lines(void **state)
{
    (void)state;
    struct workdays c;
    assert_int_equal(workdays_own(&c, "# 本地调整\n2019-11-25 休\n\n2019-11-30 班\r\n"), 0);
    assert_int_equal(c.nown, 2);
    assert_false(workdays_is_working(&c, D("2019-11-25")));
    assert_true(workdays_is_working(&c, D("2019-11-30")));
    /* 11-26 .. 11-29, 11-30 (worked): five. */
    assert_string_equal(S(workdays_end(&c, D("2019-11-25"), 5)), "2019-11-30");
    /* Own lines win over the official calendar. */
    assert_int_equal(workdays_own(&c, "2019-10-12 off\n2019-10-04 work"), 0);
    assert_false(workdays_is_working(&c, D("2019-10-12")));
    assert_true(workdays_is_working(&c, D("2019-10-04")));
    /* A bad line: its number, and nothing kept. */
    assert_int_equal(workdays_own(&c, "2019-10-12 休\n2019-10-32 休"), 2);
    assert_int_equal(c.nown, 0);
    assert_int_equal(workdays_own(&c, "2019-10-12"), 1);
    assert_int_equal(workdays_own(&c, "2019-10-12 holiday"), 1);
    assert_int_equal(workdays_own(&c, "2019-10-12休"), 1);
    assert_int_equal(workdays_own(&c, ""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_official_calendar),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_own_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
