/*
 * test_utf8.c — unit tests for strict UTF-8 decoding (src/core/utf8.c).
 *
 * Validity follows RFC 3629: every boundary of the well-formed byte
 * sequences table (first and last code point of each length, the edges of
 * the surrogate gap, U+10FFFF) is checked on both sides.  The iteration
 * tests compare exact code points and byte offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

/* Byte strings with an explicit length, so NUL may be part of them. */
struct bytes {
    const char *s;
    size_t n;
};

#define B(lit) {(lit), sizeof(lit) - 1}

static void test_valid(void **state)
{
    (void)state;
    static const struct bytes good[] = {
        B(""),
        B("plain ASCII, with punctuation!"),
        B("\x7F"),
        B("a\0b"),              /* NUL is a valid code point */
        B("\xC2\x80"),          /* U+0080, first 2-byte */
        B("\xC3\xA9"),          /* é */
        B("\xDF\xBF"),          /* U+07FF, last 2-byte */
        B("\xE0\xA0\x80"),      /* U+0800, first 3-byte */
        B("上海，浦东。"),
        B("\xED\x9F\xBF"),      /* U+D7FF, before the surrogates */
        B("\xEE\x80\x80"),      /* U+E000, after them */
        B("\xEF\xBF\xBF"),      /* U+FFFF */
        B("\xF0\x90\x80\x80"),  /* U+10000, first 4-byte */
        B("\xF0\x9F\x98\x80"),  /* 😀 */
        B("\xF4\x8F\xBF\xBF"),  /* U+10FFFF, the last */
        B("a\xC3\xA9\xE4\xB8\x8A\xF0\x9F\x98\x80z"),
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!utf8_valid(good[i].s, good[i].n))
            fail_msg("case %zu should be valid", i);
}

static void test_invalid(void **state)
{
    (void)state;
    static const struct bytes bad[] = {
        B("\x80"),                 /* lone continuation */
        B("a\xBF"),
        B("\xC0\x80"),             /* overlong NUL */
        B("\xC0\xAF"),             /* overlong '/' */
        B("\xC1\xBF"),             /* overlong U+007F */
        B("\xE0\x80\x80"),         /* overlong, 3 bytes */
        B("\xE0\x9F\xBF"),         /* overlong U+07FF */
        B("\xF0\x80\x80\x80"),     /* overlong, 4 bytes */
        B("\xF0\x8F\xBF\xBF"),     /* overlong U+FFFF */
        B("\xED\xA0\x80"),         /* U+D800 */
        B("\xED\xBF\xBF"),         /* U+DFFF */
        B("\xED\xA0\x80\xED\xB0\x80"), /* a CESU-8 surrogate pair */
        B("\xF4\x90\x80\x80"),     /* U+110000 */
        B("\xF5\x80\x80\x80"),
        B("\xF7\xBF\xBF\xBF"),
        B("\xF8\x88\x80\x80\x80"), /* 5-byte form */
        B("\xFC\x84\x80\x80\x80\x80"),
        B("\xFE"),
        B("\xFF"),
        B("\xC3"),                 /* truncated */
        B("\xE4\xB8"),
        B("\xF0\x9F\x98"),
        B("ok\xE4"),
        B("\xC3\x41"),             /* continuation missing */
        B("\xE4\x41\x8A"),
        B("\xE4\xB8\xC3\xA9"),
        B("\xF0\x9F\x98\x41"),
        B("\xC3\xA9\xA9"),         /* one continuation too many */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (utf8_valid(bad[i].s, bad[i].n))
            fail_msg("case %zu should be invalid", i);
    /* The length bounds the check: a valid prefix of an invalid string. */
    assert_int_equal(utf8_valid("ab\xFF", 2), 1);
    assert_int_equal(utf8_valid("\xE4\xB8\x8A", 2), 0);
}

static void test_next(void **state)
{
    (void)state;
    static const char s[] = "a\xC3\xA9\xE4\xB8\x8A\xF0\x9F\x98\x80\x7F\xF4\x8F\xBF\xBF";
    static const int32_t cps[] = {'a', 0xE9, 0x4E0A, 0x1F600, 0x7F, 0x10FFFF};
    static const size_t ends[] = {1, 3, 6, 10, 11, 15};
    size_t n = sizeof s - 1, i = 0;
    for (size_t k = 0; k < sizeof cps / sizeof cps[0]; k++) {
        assert_int_equal(utf8_next(s, n, &i), cps[k]);
        assert_int_equal(i, ends[k]);
    }
    assert_int_equal(i, n);
    /* NUL decodes like any ASCII byte. */
    i = 0;
    assert_int_equal(utf8_next("\0x", 2, &i), 0);
    assert_int_equal(i, 1);
}

/* utf8_next on s[0..n) at offset `at` must return -1 and advance one byte. */
static void assert_next_fails(const char *s, size_t n, size_t at)
{
    size_t i = at;
    assert_int_equal(utf8_next(s, n, &i), -1);
    assert_int_equal(i, at + 1);
}

static void test_next_invalid(void **state)
{
    (void)state;
    assert_next_fails("\x80", 1, 0);
    assert_next_fails("\xC0\xAF", 2, 0);
    assert_next_fails("\xC1\xBF", 2, 0);
    assert_next_fails("\xE0\x9F\xBF", 3, 0);
    assert_next_fails("\xF0\x8F\xBF\xBF", 4, 0);
    assert_next_fails("\xED\xA0\x80", 3, 0);
    assert_next_fails("\xF4\x90\x80\x80", 4, 0);
    assert_next_fails("\xF5\x80\x80\x80", 4, 0);
    assert_next_fails("\xFF", 1, 0);
    assert_next_fails("x\xE4\xB8", 3, 1);  /* truncated by the end */
    assert_next_fails("\xE4\xB8\x8A", 2, 0); /* truncated by n */
    assert_next_fails("\xE4\x41\x8A", 3, 0);
    /* After a bad byte, decoding resumes at the next one. */
    static const char s[] = "\xE4\x41\xC3\xA9";
    size_t i = 0;
    assert_int_equal(utf8_next(s, 4, &i), -1);
    assert_int_equal(utf8_next(s, 4, &i), 'A');
    assert_int_equal(i, 2);
    assert_int_equal(utf8_next(s, 4, &i), 0xE9);
    assert_int_equal(i, 4);
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("abc", 3), 3);
    assert_int_equal(utf8_count("上海", 6), 2);
    assert_int_equal(utf8_count("a\xC3\xA9\xE4\xB8\x8A\xF0\x9F\x98\x80z", 11), 5);
    assert_int_equal(utf8_count("上海，浦东。", strlen("上海，浦东。")), 6);
    assert_int_equal(utf8_count("a\0b", 3), 3);
    /* The length bounds the count. */
    assert_int_equal(utf8_count("上海", 3), 1);
}

static void test_prefix(void **state)
{
    (void)state;
    /* "a上😀é": bytes 1 + 3 + 4 + 2 = 10. */
    static const char s[] = "a\xE4\xB8\x8A\xF0\x9F\x98\x80\xC3\xA9";
    size_t n = sizeof s - 1;
    assert_int_equal(utf8_prefix(s, n, 0), 0);
    assert_int_equal(utf8_prefix(s, n, 1), 1);
    assert_int_equal(utf8_prefix(s, n, 2), 4);
    assert_int_equal(utf8_prefix(s, n, 3), 8);
    assert_int_equal(utf8_prefix(s, n, 4), 10);
    assert_int_equal(utf8_prefix(s, n, 5), 10);
    assert_int_equal(utf8_prefix(s, n, 1000), 10);
    assert_int_equal(utf8_prefix("", 0, 3), 0);
    /* Every prefix ends on a character boundary and is valid. */
    for (size_t c = 0; c <= 5; c++) {
        size_t k = utf8_prefix(s, n, c);
        assert_true(utf8_valid(s, k));
        assert_int_equal(utf8_count(s, k), c < 4 ? c : 4);
    }
    /* Chinese text cut at two characters. */
    assert_int_equal(utf8_prefix("上海市", 9, 2), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_next_invalid),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
