/*
 * test_cookie.c — unit tests of Cookie header parsing and Set-Cookie writing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/cookie.h"

static struct arena arena;

static int setup(void **state)
{
    (void)state;
    arena_init(&arena, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_release(&arena);
    return 0;
}

#define assert_cookie(header, name, expect)                                                        \
    do {                                                                                           \
        const char *got_ = cookie_get(&arena, (header), (name));                                   \
        const char *want_ = (expect);                                                              \
        if (want_)                                                                                 \
            assert_string_equal(got_ ? got_ : "(null)", want_);                                    \
        else                                                                                       \
            assert_null(got_);                                                                     \
    } while (0)

static void test_get(void **state)
{
    (void)state;
    const char *h = "sid=0123abcd; theme=dark; lang=zh-CN";
    assert_cookie(h, "sid", "0123abcd");
    assert_cookie(h, "theme", "dark");
    assert_cookie(h, "lang", "zh-CN");
    assert_cookie(h, "Sid", NULL);
    assert_cookie(h, "the", NULL);
    assert_cookie(h, "", NULL);
    assert_cookie(NULL, "sid", NULL);
    assert_cookie("", "sid", NULL);
    /* Missing or extra spaces and tabs, empty pairs. */
    assert_cookie("a=1;b=2;;c=3", "b", "2");
    assert_cookie("a=1;b=2;;c=3", "c", "3");
    assert_cookie("  a = 1 ;\tb\t=\t2\t", "a", "1");
    assert_cookie("  a = 1 ;\tb\t=\t2\t", "b", "2");
    assert_cookie(";;; x=y ;", "x", "y");
    /* Quoted and empty values; '=' inside a value. */
    assert_cookie("q=\"quoted\"; e=; eq=\"\"", "q", "quoted");
    assert_cookie("q=\"quoted\"; e=; eq=\"\"", "e", "");
    assert_cookie("q=\"quoted\"; e=; eq=\"\"", "eq", "");
    assert_cookie("t=a=b==", "t", "a=b==");
    /* First match wins. */
    assert_cookie("sid=first; sid=second", "sid", "first");
    /* The returned value is a copy in the arena. */
    char hdr[] = "k=v";
    const char *v = cookie_get(&arena, hdr, "k");
    hdr[2] = 'w';
    assert_string_equal(v, "v");
}

static void test_get_invalid(void **state)
{
    (void)state;
    /* Values with invalid octets are absent; a later valid pair may match. */
    assert_cookie("a=x y", "a", NULL);
    assert_cookie("a=x\"y", "a", NULL);
    assert_cookie("a=\"xy", "a", NULL);
    assert_cookie("a=\"", "a", NULL);
    assert_cookie("a=x,y", "a", NULL);
    assert_cookie("a=x\\y", "a", NULL);
    assert_cookie("a=x\x01y", "a", NULL);
    assert_cookie("a=x\x7fy", "a", NULL);
    assert_cookie("a=x\ny", "a", NULL);
    assert_cookie("a=上海", "a", NULL);
    assert_cookie("a=\"x y\"", "a", NULL);
    assert_cookie("a=bad value; a=good", "a", "good");
    /* Invalid names never match; a pair without '=' is skipped. */
    assert_cookie("a b=1; c=2", "a b", NULL);
    assert_cookie("a b=1; c=2", "c", "2");
    assert_cookie("(a)=1", "(a)", NULL);
    assert_cookie("a\x01=1", "a\x01", NULL);
    assert_cookie("sid; sid=ok", "sid", "ok");
    assert_cookie("=v; x=1", "", NULL);
    assert_cookie("=v; x=1", "x", "1");
}

static void test_get_arena_full(void **state)
{
    (void)state;
    struct arena tiny;
    arena_init(&tiny, 16);
    assert_non_null(arena_alloc(&tiny, 16));
    assert_null(cookie_get(&tiny, "a=1", "a"));
    arena_release(&tiny);
}

static void assert_set(const char *name, const char *value, const char *path, long max_age,
                       int secure, const char *expect)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "[");
    cookie_set(&b, name, value, path, max_age, secure);
    if (expect) {
        assert_false(b.oom);
        assert_string_equal(b.p + 1, expect);
    } else {
        assert_true(b.oom);
        assert_string_equal(b.p, "[");
    }
    buf_release(&b);
}

static void test_set(void **state)
{
    (void)state;
    assert_set("sid", "0123abcd", "/", -1, 0, "sid=0123abcd; Path=/; HttpOnly; SameSite=Lax");
    assert_set("sid", "0123abcd", "/admin", 3600, 1,
               "sid=0123abcd; Path=/admin; Max-Age=3600; Secure; HttpOnly; SameSite=Lax");
    assert_set("sid", "", "/", 0, 1, "sid=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
    assert_set("t", "a=b", NULL, 31536000, 0, "t=a=b; Max-Age=31536000; HttpOnly; SameSite=Lax");
    assert_set("t", "x", NULL, -5, 0, "t=x; HttpOnly; SameSite=Lax");
    /* Nothing that could break out of the header. */
    assert_set("", "x", "/", -1, 0, NULL);
    assert_set("a b", "x", "/", -1, 0, NULL);
    assert_set("a", "x;y", "/", -1, 0, NULL);
    assert_set("a", "x\r\nSet-Cookie: evil=1", "/", -1, 0, NULL);
    assert_set("a", "x", "/; Domain=evil", -1, 0, NULL);
    assert_set("a", "x", "/\r\n", -1, 0, NULL);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    cookie_set(&b, "sid", "AbC-123_~.", "/", 60, 1);
    char *semi = strchr(b.p, ';');
    assert_non_null(semi);
    *semi = 0;
    char hdr[128];
    snprintf(hdr, sizeof hdr, "other=1; %s; sid=later", b.p);
    assert_cookie(hdr, "sid", "AbC-123_~.");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_get_invalid),
        cmocka_unit_test(test_get_arena_full),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
