/*
 * test_json_flat.c — view/json_flat.h writes exactly json_dumps(o,
 * JSON_COMPACT)'s bytes for the objects it takes (integers at the edges of
 * their range, booleans, null, keys in insertion order, the empty object),
 * and leaves every other object to json_dumps with the buffer unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/json_flat.h"

static void same_as_dumps(json_t *o)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    buf_puts(&b, "x");
    assert_int_equal(json_flat_write(o, &b), 0);
    char *want = json_dumps(o, JSON_COMPACT);
    assert_non_null(want);
    assert_string_equal(b.p + 1, want);
    free(want);
    buf_release(&b);
    json_decref(o);
}

static void left_alone(json_t *o)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    buf_puts(&b, "x");
    assert_int_equal(json_flat_write(o, &b), -1);
    assert_string_equal(b.p, "x");
    buf_release(&b);
    json_decref(o);
}

static void test_taken(void **state)
{
    (void)state;
    same_as_dumps(json_pack("{s:I,s:I,s:I}", "case", (json_int_t)1234, "votes", (json_int_t)56,
                            "remaining_today", (json_int_t)9));
    same_as_dumps(json_pack("{s:I,s:n,s:I}", "case", (json_int_t)7, "votes", "remaining_today",
                            (json_int_t)0));
    same_as_dumps(json_pack("{s:I,s:I,s:I,s:I}", "max", (json_int_t)INT64_MAX, "min",
                            (json_int_t)INT64_MIN, "minus_one", (json_int_t)-1, "Z_9",
                            (json_int_t)-9876543210LL));
    same_as_dumps(json_pack("{s:b,s:b}", "sent", 1, "live", 0));
    same_as_dumps(json_object());
    /* Insertion order, not the keys' order. */
    json_t *o = json_object();
    for (int i = 40; i > 0; i--) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i * 7 % 41);
        json_object_set_new(o, k, json_integer(i * 1000003LL));
    }
    same_as_dumps(o);
}

static void test_left_to_dumps(void **state)
{
    (void)state;
    left_alone(json_pack("{s:s}", "code", "vote_closed"));
    left_alone(json_pack("{s:I,s:f}", "case", (json_int_t)1, "score", 1.5));
    left_alone(json_pack("{s:{s:I}}", "stage", "id", (json_int_t)1));
    left_alone(json_pack("{s:[]}", "cases"));
    left_alone(json_pack("{s:I}", "a-b", (json_int_t)1));
    left_alone(json_pack("{s:I}", "", (json_int_t)1));
    left_alone(json_pack("{s:I}", "\xe7\xa5\xa8", (json_int_t)1));
    left_alone(json_pack("[i]", 1));
    left_alone(json_integer(1));
    left_alone(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken),
        cmocka_unit_test(test_left_to_dumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
