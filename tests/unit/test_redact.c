/*
 * test_redact.c — unit tests for blind review's redaction
 * (src/domain/redact.c): the identity strings derived from a unit's name,
 * its ancestors, the region and the contact; replacement longest first;
 * UTF-8 safety; ASCII case; and what must not be redacted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "domain/redact.h"

/* 1 if set holds s exactly. */
static int has(const struct redact_set *set, const char *s)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->s[i], s) == 0)
            return 1;
    return 0;
}

static char *red(const struct redact_set *set, const char *text, size_t *count)
{
    char *out = redact_text(set, text, strlen(text), count);
    assert_non_null(out);
    assert_true(utf8_valid(out, strlen(out)));
    return out;
}

static void test_name_parts(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    assert_int_equal(redact_add_name(&set, "上海市浦东新区周家渡街道"), 0);
    const char *want[] = {
        "上海市浦东新区周家渡街道", "上海市", "上海", "浦东新区", "浦东", "周家渡街道", "周家渡"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(has(&set, want[i]));
    assert_int_equal(set.n, sizeof want / sizeof want[0]);
    /* Nothing of one character, no bare suffix. */
    assert_false(has(&set, "区"));
    assert_false(has(&set, "街道"));
    assert_false(has(&set, "市"));
    redact_set_release(&set);
}

static void test_name_suffixes(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    assert_int_equal(redact_add_name(&set, "新疆维吾尔自治区"), 0);
    assert_int_equal(redact_add_name(&set, "内蒙古自治区"), 0);
    assert_int_equal(redact_add_name(&set, "广西壮族自治区南宁市青秀区"), 0);
    assert_int_equal(redact_add_name(&set, "河北省"), 0);
    assert_int_equal(redact_add_name(&set, "北京市东城区红旗街道"), 0);
    assert_true(has(&set, "新疆"));
    assert_true(has(&set, "内蒙古"));
    assert_true(has(&set, "广西"));
    assert_true(has(&set, "南宁"));
    assert_true(has(&set, "青秀区"));
    assert_true(has(&set, "青秀"));
    assert_true(has(&set, "河北"));
    assert_true(has(&set, "东城"));
    assert_true(has(&set, "红旗"));
    /* The XPCC has no place suffix: what follows it is a part of its own. */
    assert_int_equal(redact_add_name(&set, "新疆生产建设兵团石河子市"), 0);
    assert_true(has(&set, "新疆生产建设兵团"));
    assert_true(has(&set, "石河子市"));
    assert_true(has(&set, "石河子"));
    /* A suffix character after one character does not end a part: 市中区 stays whole. */
    assert_int_equal(redact_add_name(&set, "济南市市中区"), 0);
    assert_true(has(&set, "市中区"));
    assert_true(has(&set, "市中"));
    assert_false(has(&set, "中区"));
    redact_set_release(&set);
}

static void test_sorted_and_distinct(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    assert_int_equal(redact_set_add(&set, "ab", 2), 0);
    assert_int_equal(redact_set_add(&set, "abcd", 4), 0);
    assert_int_equal(redact_set_add(&set, "ABCD", 4), 0); /* same without case */
    assert_int_equal(redact_set_add(&set, "  abc \n", 7), 0);
    assert_int_equal(redact_set_add(&set, "x", 1), 0);        /* too short */
    assert_int_equal(redact_set_add(&set, "中", 3), 0);       /* too short */
    assert_int_equal(redact_set_add(&set, "\xe4\xb8", 2), 0); /* invalid UTF-8 */
    assert_int_equal(set.n, 3);
    assert_string_equal(set.s[0], "abcd");
    assert_string_equal(set.s[1], "abc");
    assert_string_equal(set.s[2], "ab");
    redact_set_release(&set);
    assert_int_equal(set.n, 0);
}

static void test_longest_first(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    redact_add_name(&set, "上海市浦东新区周家渡街道");
    size_t n = 0;
    char *out = red(&set, "上海市浦东新区周家渡街道推行的做法，在浦东和上海广受好评。", &n);
    assert_string_equal(out, "■■推行的做法，在■■和■■广受好评。");
    assert_int_equal(n, 3);
    free(out);
    /* Parts joined differently than in the full name still go, each on its own. */
    out = red(&set, "浦东新区周家渡街道", &n);
    assert_string_equal(out, "■■■■");
    assert_int_equal(n, 2);
    free(out);
    redact_set_release(&set);
}

static void test_identities(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    const char *anc[] = {"上海市浦东新区"};
    struct redact_identity id = {
        .unit = "上海市浦东新区周家渡街道",
        .ancestors = anc,
        .nancestors = 1,
        .region = "上海市",
        .recommender = "中共上海市委组织部",
        .contact_name = "王晓明",
        .contact_phone = "021-5888 1234",
        .contact_email = "Wang.Xiaoming@example.org",
    };
    assert_int_equal(redact_identities(&id, &set), 0);
    assert_true(has(&set, "上海市浦东新区"));
    assert_true(has(&set, "中共上海市委组织部"));
    assert_true(has(&set, "王晓明"));
    assert_true(has(&set, "021-5888 1234"));
    assert_true(has(&set, "02158881234"));
    assert_true(has(&set, "Wang.Xiaoming@example.org"));
    assert_true(has(&set, "Wang.Xiaoming"));
    size_t n = 0;
    char *out = red(&set,
                    "联系人：王晓明，电话 02158881234 或 021-5888 1234，"
                    "邮箱 wang.xiaoming@EXAMPLE.org。中共上海市委组织部推荐。",
                    &n);
    assert_string_equal(out, "联系人：■■，电话 ■■ 或 ■■，邮箱 ■■。■■推荐。");
    assert_int_equal(n, 5);
    assert_int_equal(redact_contains(&set, out, strlen(out)), 0);
    assert_int_equal(redact_contains(&set, "在浦东", strlen("在浦东")), 1);
    free(out);
    /* NULL and empty fields are skipped. */
    struct redact_set empty;
    redact_set_init(&empty);
    struct redact_identity none = {.unit = NULL, .contact_name = "", .contact_phone = ""};
    assert_int_equal(redact_identities(&none, &empty), 0);
    assert_int_equal(empty.n, 0);
    out = red(&empty, "原样保留", &n);
    assert_string_equal(out, "原样保留");
    assert_int_equal(n, 0);
    free(out);
    redact_set_release(&empty);
    redact_set_release(&set);
}

static void test_utf8_safe(void **state)
{
    (void)state;
    struct redact_set set;
    redact_set_init(&set);
    /* "东城" must not match across the bytes of other characters. */
    redact_set_add(&set, "东城", strlen("东城"));
    size_t n = 0;
    char *out = red(&set, "东东城城东", &n);
    assert_string_equal(out, "东■■城东");
    assert_int_equal(n, 1);
    free(out);
    /* Growth: a text of nothing but short matches (the mark is longer than they are). */
    struct redact_set ab;
    redact_set_init(&ab);
    redact_set_add(&ab, "ab", 2);
    char text[201];
    for (int i = 0; i < 200; i++)
        text[i] = i % 2 ? 'b' : 'a';
    text[200] = 0;
    out = red(&ab, text, &n);
    assert_int_equal(n, 100);
    assert_int_equal(strlen(out), 100 * strlen(REDACT_MARK));
    free(out);
    out = red(&ab, "", &n);
    assert_string_equal(out, "");
    free(out);
    redact_set_release(&ab);
    redact_set_release(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_parts),          cmocka_unit_test(test_name_suffixes),
        cmocka_unit_test(test_sorted_and_distinct), cmocka_unit_test(test_longest_first),
        cmocka_unit_test(test_identities),          cmocka_unit_test(test_utf8_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
