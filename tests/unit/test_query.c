/*
 * test_query.c — unit tests for urlencoded parsing and percent-decoding
 * (src/http/query.c).
 *
 * Every case compares the exact decoded bytes and lengths, or the exact
 * error code.  Each test owns a fresh arena (no cap unless the test is about
 * exhaustion) and releases it at the end, so leaks show under valgrind or
 * ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "http/query.h"

/* Parse the NUL-terminated s into q with arena a. */
static enum query_rc parse(struct arena *a, const char *s, struct query *q)
{
    return query_parse(a, s, strlen(s), q);
}

/* Decode s (NUL-terminated) and return the result, or NULL on any error. */
static char *decode(struct arena *a, const char *s, int plus, size_t *len)
{
    char *out = NULL;
    if (query_decode(a, s, strlen(s), plus, &out, len) != QUERY_OK)
        return NULL;
    return out;
}

static enum query_rc decode_rc(const char *s, int plus)
{
    struct arena a;
    char *out = NULL;
    size_t len = 12345;
    arena_init(&a, 0);
    enum query_rc rc = query_decode(&a, s, strlen(s), plus, &out, &len);
    if (rc != QUERY_OK) {
        /* A failed decode leaves the outputs alone. */
        assert_null(out);
        assert_int_equal(len, 12345);
    }
    arena_release(&a);
    return rc;
}

static enum query_rc parse_rc(const char *s)
{
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    enum query_rc rc = parse(&a, s, &q);
    arena_release(&a);
    return rc;
}

static void test_plain_pairs(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "a=1&bb=22&page=3", &q), QUERY_OK);
    assert_int_equal(q.n, 3);
    assert_string_equal(q.v[0].key, "a");
    assert_string_equal(q.v[0].val, "1");
    assert_int_equal(q.v[0].vlen, 1);
    assert_string_equal(q.v[1].key, "bb");
    assert_string_equal(q.v[1].val, "22");
    assert_int_equal(q.v[1].vlen, 2);
    assert_string_equal(q.v[2].key, "page");
    assert_string_equal(q.v[2].val, "3");
    assert_int_equal(q.v[2].vlen, 1);
    /* Only '&' separates pairs; the first '=' splits key from value. */
    assert_int_equal(parse(&a, "x=a=b;c", &q), QUERY_OK);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.v[0].key, "x");
    assert_string_equal(q.v[0].val, "a=b;c");
    assert_int_equal(q.v[0].vlen, 5);
    /* The length bounds the input: nothing past n is read. */
    assert_int_equal(query_parse(&a, "k=vv&z=9", 3, &q), QUERY_OK);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.v[0].key, "k");
    assert_string_equal(q.v[0].val, "v");
    assert_int_equal(q.v[0].vlen, 1);
    arena_release(&a);
}

static void test_empty_input(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    q.n = 99;
    assert_int_equal(parse(&a, "", &q), QUERY_OK);
    assert_int_equal(q.n, 0);
    q.n = 99;
    assert_int_equal(parse(&a, "&&&", &q), QUERY_OK);
    assert_int_equal(q.n, 0);
    arena_release(&a);
}

static void test_plus(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    size_t len = 0;
    arena_init(&a, 0);
    /* Forms: '+' is a space, "%2B" a literal plus. */
    assert_int_equal(parse(&a, "q=a+b+%2B&k+1=x", &q), QUERY_OK);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.v[0].val, "a b +");
    assert_int_equal(q.v[0].vlen, 5);
    assert_string_equal(q.v[1].key, "k 1");
    /* Paths: '+' stays. */
    assert_string_equal(decode(&a, "/tags/c++/a+b", 0, &len), "/tags/c++/a+b");
    assert_int_equal(len, 13);
    assert_string_equal(decode(&a, "/tags/c++/a+b", 1, &len), "/tags/c  /a b");
    assert_int_equal(len, 13);
    assert_string_equal(decode(&a, "a%20b", 0, &len), "a b");
    assert_int_equal(len, 3);
    arena_release(&a);
}

static void test_hex_case(void **state)
{
    (void)state;
    struct arena a;
    size_t len = 0;
    arena_init(&a, 0);
    assert_string_equal(decode(&a, "%2f%2F%3a%3A%7e%7E", 1, &len), "//::~~");
    assert_int_equal(len, 6);
    assert_string_equal(decode(&a, "%41%62%5a", 0, &len), "AbZ");
    assert_int_equal(len, 3);
    /* Mixed case within one escape. */
    assert_string_equal(decode(&a, "%e4%B8%8a", 0, &len), "\xE4\xB8\x8A");
    assert_int_equal(len, 3);
    /* The output length may be NULL. */
    assert_string_equal(decode(&a, "%25", 0, NULL), "%");
    assert_string_equal(decode(&a, "", 0, &len), "");
    assert_int_equal(len, 0);
    arena_release(&a);
}

static void test_chinese(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    assert_int_equal(parse(&a,
                           "q=%E4%B8%8A%E6%B5%B7"
                           "&%e5%9c%b0%e5%8c%ba=%E6%B5%A6%E4%B8%9C+%E6%96%B0%E5%8C%BA",
                           &q),
                     QUERY_OK);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.v[0].key, "q");
    assert_string_equal(q.v[0].val, "上海");
    assert_int_equal(q.v[0].vlen, 6);
    assert_string_equal(q.v[1].key, "地区");
    assert_string_equal(q.v[1].val, "浦东 新区");
    assert_int_equal(q.v[1].vlen, 13);
    /* Raw (unescaped) UTF-8 passes through unchanged. */
    assert_int_equal(parse(&a, "q=上海", &q), QUERY_OK);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.v[0].val, "上海");
    assert_int_equal(q.v[0].vlen, 6);
    arena_release(&a);
}

static void test_bare_keys(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "json&a=&b=2&flag", &q), QUERY_OK);
    assert_int_equal(q.n, 4);
    assert_string_equal(q.v[0].key, "json");
    assert_string_equal(q.v[0].val, "");
    assert_int_equal(q.v[0].vlen, 0);
    assert_string_equal(q.v[1].key, "a");
    assert_string_equal(q.v[1].val, "");
    assert_int_equal(q.v[1].vlen, 0);
    assert_string_equal(q.v[2].key, "b");
    assert_string_equal(q.v[2].val, "2");
    assert_string_equal(q.v[3].key, "flag");
    assert_string_equal(q.v[3].val, "");
    assert_int_equal(q.v[3].vlen, 0);
    assert_string_equal(query_get(&q, "json"), "");
    assert_string_equal(query_get(&q, "flag"), "");
    arena_release(&a);
}

static void test_empty_pairs_skipped(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "&a=1&&&b=2&", &q), QUERY_OK);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.v[0].key, "a");
    assert_string_equal(q.v[0].val, "1");
    assert_string_equal(q.v[1].key, "b");
    assert_string_equal(q.v[1].val, "2");
    arena_release(&a);
}

static void test_bad_escapes(void **state)
{
    (void)state;
    assert_int_equal(decode_rc("%", 0), QUERY_EESCAPE);
    assert_int_equal(decode_rc("%4", 0), QUERY_EESCAPE);
    assert_int_equal(decode_rc("%GZ", 0), QUERY_EESCAPE);
    assert_int_equal(decode_rc("%4G", 1), QUERY_EESCAPE);
    assert_int_equal(decode_rc("%G4", 1), QUERY_EESCAPE);
    assert_int_equal(decode_rc("abc%", 1), QUERY_EESCAPE);
    assert_int_equal(decode_rc("abc%e", 1), QUERY_EESCAPE);
    assert_int_equal(decode_rc("% 41", 1), QUERY_EESCAPE);
    assert_int_equal(decode_rc("%%41", 1), QUERY_EESCAPE);
    /* In keys and values, and in a later pair. */
    assert_int_equal(parse_rc("a=%"), QUERY_EESCAPE);
    assert_int_equal(parse_rc("a=%4"), QUERY_EESCAPE);
    assert_int_equal(parse_rc("a=%GZ"), QUERY_EESCAPE);
    assert_int_equal(parse_rc("%=1"), QUERY_EESCAPE);
    assert_int_equal(parse_rc("a=1&b%zz=2"), QUERY_EESCAPE);
    /* An escape cut by the pair separator is incomplete. */
    assert_int_equal(parse_rc("a=%4&b=1"), QUERY_EESCAPE);
    assert_int_equal(parse_rc("a=%&b=1"), QUERY_EESCAPE);
    /* The length bounds the escape: "%41" cut to "%4". */
    struct arena a;
    char *out = NULL;
    arena_init(&a, 0);
    assert_int_equal(query_decode(&a, "%41", 2, 0, &out, NULL), QUERY_EESCAPE);
    arena_release(&a);
}

static void test_bad_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "%00",          /* NUL */
        "a%00b",        /* NUL inside */
        "%C0%AF",       /* overlong '/' */
        "%C1%BF",       /* overlong */
        "%E0%80%AF",    /* overlong, 3 bytes */
        "%F0%80%80%AF", /* overlong, 4 bytes */
        "%FF",          /* never valid */
        "%FE",
        "%F5%80%80%80", /* lead byte past U+10FFFF */
        "%F4%90%80%80", /* U+110000 */
        "%80",          /* lone continuation */
        "a%BFb",
        "%ED%A0%80",    /* surrogate U+D800 */
        "%ED%BF%BF",    /* surrogate U+DFFF */
        "%E4%B8",       /* truncated */
        "%E4%B8a",      /* bad continuation */
        "%C3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (decode_rc(bad[i], 0) != QUERY_EUTF8)
            fail_msg("decode(\"%s\") did not fail with QUERY_EUTF8", bad[i]);
        if (decode_rc(bad[i], 1) != QUERY_EUTF8)
            fail_msg("decode(\"%s\", plus) did not fail with QUERY_EUTF8", bad[i]);
        char pair[64];
        snprintf(pair, sizeof pair, "ok=1&k=%s", bad[i]);
        if (parse_rc(pair) != QUERY_EUTF8)
            fail_msg("parse(\"%s\") did not fail with QUERY_EUTF8", pair);
        snprintf(pair, sizeof pair, "%s=v", bad[i]);
        if (parse_rc(pair) != QUERY_EUTF8)
            fail_msg("parse(\"%s\") did not fail with QUERY_EUTF8", pair);
    }
    /* Raw bytes are checked as well as decoded ones. */
    assert_int_equal(decode_rc("\xC0\xAF", 0), QUERY_EUTF8);
    assert_int_equal(decode_rc("\xED\xA0\x80", 0), QUERY_EUTF8);
    assert_int_equal(parse_rc("q=\xFF"), QUERY_EUTF8);
    /* A raw NUL inside the given length is refused too. */
    struct arena a;
    char *out = NULL;
    arena_init(&a, 0);
    assert_int_equal(query_decode(&a, "a\0b", 3, 0, &out, NULL), QUERY_EUTF8);
    /* The boundaries themselves are fine. */
    size_t len = 0;
    assert_string_equal(decode(&a, "%F4%8F%BF%BF", 0, &len), "\xF4\x8F\xBF\xBF");
    assert_int_equal(len, 4);
    assert_string_equal(decode(&a, "%ED%9F%BF%EE%80%80", 0, &len), "\xED\x9F\xBF\xEE\x80\x80");
    assert_int_equal(len, 6);
    assert_string_equal(decode(&a, "%C2%80%01", 0, &len), "\xC2\x80\x01");
    assert_int_equal(len, 3);
    arena_release(&a);
}

/* Write n pairs "k0=0&k1=1&..." into s. */
static void make_pairs(char *s, size_t size, int n)
{
    size_t at = 0;
    s[0] = 0;
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, size - at, "%sk%d=%d", i ? "&" : "", i, i);
}

static void test_too_many(void **state)
{
    (void)state;
    static char s[16384];
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    make_pairs(s, sizeof s, QUERY_MAX_PARAMS);
    assert_int_equal(parse(&a, s, &q), QUERY_OK);
    assert_int_equal(q.n, QUERY_MAX_PARAMS);
    assert_string_equal(q.v[QUERY_MAX_PARAMS - 1].key, "k255");
    assert_string_equal(q.v[QUERY_MAX_PARAMS - 1].val, "255");
    /* Empty pairs do not count. */
    strcat(s, "&&&");
    assert_int_equal(parse(&a, s, &q), QUERY_OK);
    assert_int_equal(q.n, QUERY_MAX_PARAMS);
    make_pairs(s, sizeof s, QUERY_MAX_PARAMS + 1);
    assert_int_equal(parse(&a, s, &q), QUERY_ETOOMANY);
    make_pairs(s, sizeof s, 400);
    assert_int_equal(parse(&a, s, &q), QUERY_ETOOMANY);
    arena_release(&a);
}

static void test_enomem(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    char *out = NULL;
    /* A 16-byte cap holds one small allocation. */
    arena_init(&a, 16);
    assert_int_equal(query_decode(&a, "abc", 3, 0, &out, NULL), QUERY_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(query_decode(&a, "abc", 3, 0, &out, NULL), QUERY_ENOMEM);
    arena_release(&a);

    arena_init(&a, 16);
    assert_int_equal(parse(&a, "key=value", &q), QUERY_ENOMEM);
    arena_release(&a);

    arena_init(&a, 8);
    assert_int_equal(parse(&a, "k", &q), QUERY_ENOMEM);
    arena_release(&a);

    /* Exhaustion part way through a long query. */
    static char s[4096];
    make_pairs(s, sizeof s, 40);
    arena_init(&a, 256);
    assert_int_equal(parse(&a, s, &q), QUERY_ENOMEM);
    arena_release(&a);
    /* The same query fits without the cap. */
    arena_init(&a, 0);
    assert_int_equal(parse(&a, s, &q), QUERY_OK);
    assert_int_equal(q.n, 40);
    arena_release(&a);
}

static void test_get_first_match(void **state)
{
    (void)state;
    struct arena a;
    struct query q;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "tag=a&page=2&tag=b&Tag=c&t=d", &q), QUERY_OK);
    assert_string_equal(query_get(&q, "tag"), "a");
    assert_string_equal(query_get(&q, "Tag"), "c");
    assert_string_equal(query_get(&q, "page"), "2");
    assert_string_equal(query_get(&q, "t"), "d");
    assert_null(query_get(&q, "ta"));
    assert_null(query_get(&q, "tags"));
    assert_null(query_get(&q, ""));
    /* Keys are compared decoded. */
    assert_int_equal(parse(&a, "%E5%9C%B0=1&a+b=2", &q), QUERY_OK);
    assert_string_equal(query_get(&q, "地"), "1");
    assert_string_equal(query_get(&q, "a b"), "2");
    assert_null(query_get(&q, "a+b"));
    /* Nothing parsed, nothing found. */
    assert_int_equal(parse(&a, "", &q), QUERY_OK);
    assert_null(query_get(&q, "tag"));
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_pairs),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_plus),
        cmocka_unit_test(test_hex_case),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_bare_keys),
        cmocka_unit_test(test_empty_pairs_skipped),
        cmocka_unit_test(test_bad_escapes),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_enomem),
        cmocka_unit_test(test_get_first_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
