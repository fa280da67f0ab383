/*
 * test_frontdoor.c — unit tests of the door's health-check test
 * (src/http/frontdoor.c, frontdoor_is_health): which heads the door may
 * answer itself, which go the full way, and which it waits on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/frontdoor.h"

static int is(const char *s, int *keep)
{
    int k = -7;
    int r = frontdoor_is_health(s, strlen(s), &k);
    if (keep)
        *keep = k;
    return r;
}

static void test_plain_checks(void **state)
{
    (void)state;
    int keep;
    assert_int_equal(is("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &keep), 1);
    assert_int_equal(keep, 1);
    assert_int_equal(is("GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n", &keep),
                     1);
    assert_int_equal(keep, 0);
    assert_int_equal(is("GET /healthz HTTP/1.1\r\nhost: a\r\nConnection: Keep-Alive, Close\r\n"
                        "User-Agent: kube-probe/1.30\r\nAccept: */*\r\n\r\n",
                        &keep),
                     1);
    assert_int_equal(keep, 0);
    /* HTTP/1.0: answered, and the connection closed after. */
    assert_int_equal(is("GET /healthz HTTP/1.0\r\n\r\n", &keep), 1);
    assert_int_equal(keep, 0);
}

static void test_the_full_way(void **state)
{
    (void)state;
    static const char *const full[] = {
        "GET /healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",        /* a query */
        "GET /healthzz HTTP/1.1\r\nHost: x\r\n\r\n",           /* another path */
        "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n",           /* another method */
        "POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /cases/1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n\r\n",                       /* 1.1 without Host: a 400 */
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", /* two Hosts */
        "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\nHost: x\n\n",                  /* bare LF: the guard decides */
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: laurel_session=abc\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n",  /* obsolete folding */
        "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", /* a control byte */
        /* Two requests at once (pipelined): the server answers both, in order. */
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
        if (is(full[i], NULL) != 0)
            fail_msg("expected the full way for %s", full[i]);
}

static void test_waits_for_the_rest(void **state)
{
    (void)state;
    assert_int_equal(is("", NULL), -1);
    assert_int_equal(is("G", NULL), -1);
    assert_int_equal(is("GET /heal", NULL), -1);
    assert_int_equal(is("GET /healthz HTTP/1.1\r", NULL), -1);
    assert_int_equal(is("GET /healthz HTTP/1.1\r\nHost: x\r\n", NULL), -1);
    assert_int_equal(is("GET /healthz HTTP/1.1\r\nHost: x\r\nAcc", NULL), -1);
    /* Not a check from its first bytes on: no waiting. */
    assert_int_equal(is("GET /cases", NULL), 0);
    assert_int_equal(is("POST", NULL), 0);
}

static void test_a_head_too_long_goes_on(void **state)
{
    (void)state;
    static char head[FRONTDOOR_PEEK + 64];
    size_t n = (size_t)snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: x\r\nX: ");
    memset(head + n, 'y', FRONTDOOR_PEEK - n);
    int keep;
    assert_int_equal(frontdoor_is_health(head, FRONTDOOR_PEEK, &keep), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_checks),
        cmocka_unit_test(test_the_full_way),
        cmocka_unit_test(test_waits_for_the_rest),
        cmocka_unit_test(test_a_head_too_long_goes_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
