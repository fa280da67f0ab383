/*
 * test_rawscan.c — unit tests of the raw request scanner (src/http/rawscan.c):
 * the verdict on each kind of head, where a refused request begins, bodies
 * followed to the next request, and the same verdict however the bytes are
 * split between reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/rawscan.h"

#define MAX_HEAD 1024

/* The verdict on s fed whole; *start and the heads before a refusal through the pointers. */
static int scan_whole(const char *s, size_t n, size_t *start, unsigned *heads)
{
    struct rawscan sc = {0};
    const char *why;
    int status = rawscan_feed(&sc, s, n, MAX_HEAD, start, &why);
    assert_true((status != 0) == (why != NULL));
    if (heads)
        *heads = sc.heads;
    return status;
}

/* The verdict on s fed in pieces of `step` bytes. */
static int scan_split(const char *s, size_t n, size_t step)
{
    struct rawscan sc = {0};
    const char *why;
    size_t start;
    int status = 0;
    for (size_t i = 0; i < n && !status; i += step)
        status = rawscan_feed(&sc, s + i, n - i < step ? n - i : step, MAX_HEAD, &start, &why);
    return status;
}

static int verdict_n(const char *s, size_t n)
{
    size_t start;
    int whole = scan_whole(s, n, &start, NULL);
    for (size_t step = 1; step < 9; step++)
        assert_int_equal(scan_split(s, n, step), whole);
    return whole;
}

/* The verdict on a string literal (NULs included), or on a string built at run time. */
#define verdict(lit) verdict_n((lit), sizeof(lit) - 1)
#define verdict_str(s) verdict_n((s), strlen(s))

static void test_sound_requests(void **state)
{
    (void)state;
    assert_int_equal(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
    assert_int_equal(verdict("GET /cases?q=%E6 HTTP/1.0\n\n"), 0);
    assert_int_equal(verdict("\r\nGET / HTTP/1.1\r\nHost: a\r\nX-A: \t\xe4\xb8\xad \r\n\r\n"), 0);
    assert_int_equal(verdict("POST /login HTTP/1.1\r\nHost: a\r\nContent-Length:  5 \r\n\r\n"
                             "a\x00\r\nbGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                     0);
    assert_int_equal(verdict("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
                             "3;ext=1\r\n\x00\r\n\r\n0\r\nT: x\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
                     0);
}

static void test_refused_heads(void **state)
{
    (void)state;
    assert_int_equal(verdict("\x00\x01\x02 hello\r\n"), 400);
    assert_int_equal(verdict("GET /\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1 x\r\n"), 400);
    assert_int_equal(verdict("GET / FTP/1.1\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/2.0\r\n"), 505);
    assert_int_equal(verdict("GET / HTTP/1.2\r\n"), 505);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nX-A: a\x01\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\n: a\r\n"), 400);
    assert_int_equal(verdict("GET / HTTP/1.1\r\nno colon\r\n"), 400);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nContent-Length: 5x\r\n"), 400);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nContent-Length: 5 5\r\n"), 400);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nContent-Length:\r\n"), 400);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n"), 400);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n"),
                     400);
}

static void test_head_limits(void **state)
{
    (void)state;
    char buf[3 * MAX_HEAD];
    snprintf(buf, sizeof buf, "GET /%0*d HTTP/1.1\r\n", MAX_HEAD, 0);
    assert_int_equal(verdict_str(buf), 414);
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nCookie: %0*d\r\n\r\n", MAX_HEAD, 0);
    assert_int_equal(verdict_str(buf), 431);
    /* Just under the limit, counting every byte of the head. */
    const char *pre = "GET / HTTP/1.1\r\nCookie: ";
    size_t fill = MAX_HEAD - strlen(pre) - 4;
    snprintf(buf, sizeof buf, "%s%0*d\r\n\r\n", pre, (int)fill, 0);
    assert_int_equal(strlen(buf), MAX_HEAD);
    assert_int_equal(verdict_str(buf), 0);
}

static void test_where_the_refused_request_begins(void **state)
{
    (void)state;
    const char *good = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    char buf[256];
    snprintf(buf, sizeof buf, "%sGET /b HTTP/1.1\r\nX: \x01\r\n\r\n", good);
    size_t start;
    unsigned heads;
    assert_int_equal(scan_whole(buf, strlen(buf), &start, &heads), 400);
    assert_int_equal(start, strlen(good));
    assert_int_equal(heads, 1);
    /* A body's bytes are not a head: a NUL in them is fine, the next request is checked. */
    static const char post[] = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
                               "\x00\x01\x02" "BAD\x01 / HTTP/1.1\r\n";
    assert_int_equal(scan_whole(post, sizeof post - 1, &start, &heads), 400);
    assert_int_equal(start, sizeof post - 1 - strlen("BAD\x01 / HTTP/1.1\r\n"));
    assert_int_equal(heads, 1);
    /* Refused in the first bytes: it begins at 0, with no request before it. */
    assert_int_equal(scan_whole("\x00", 1, &start, &heads), 400);
    assert_int_equal(start, 0);
    assert_int_equal(heads, 0);
}

static void test_unknown_coding_stops_looking(void **state)
{
    (void)state;
    /* The server refuses the coding (501) and closes; what follows is not scanned. */
    assert_int_equal(verdict("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n\x00\x01"), 0);
    assert_int_equal(verdict("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                             "Content-Length: 3\r\n\r\n\x00"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound_requests),
        cmocka_unit_test(test_refused_heads),
        cmocka_unit_test(test_head_limits),
        cmocka_unit_test(test_where_the_refused_request_begins),
        cmocka_unit_test(test_unknown_coding_stops_looking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
