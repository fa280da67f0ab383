/*
 * test_voter.c — voters' contacts (src/domain/voter.c) and JSON bodies as
 * form fields (src/http/jsonform.c): normalisation, masks, keyed hashes,
 * network prefixes, codes and tokens; which bodies give which pairs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "domain/voter.h"
#include "http/jsonform.h"

static void test_phone(void **state)
{
    (void)state;
    char out[16];
    const char *same[] = {"13800138000", "+86 138 0013 8000", "0086-138-0013-8000",
                          "86 13800138000", " 138-0013-8000"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(voter_phone(same[i], out, sizeof out), 0);
        assert_string_equal(out, "13800138000");
    }
    const char *bad[] = {"", "1380013800", "138001380000", "23800138000", "1380013800x",
                         "+1 415 555 0100", "138 0013 8000 9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(voter_phone(bad[i], out, sizeof out), -1);
}

static void test_email(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(voter_email("  Voter.One@Example.ORG ", out, sizeof out), 0);
    assert_string_equal(out, "voter.one@example.org");
    const char *bad[] = {"", "a@b", "@example.org", "a@@example.org", "a b@example.org",
                         "a@example.org>", "a@ex\x01.org", "中文@example.org"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(voter_email(bad[i], out, sizeof out), -1);
}

static void test_mask(void **state)
{
    (void)state;
    char m[64];
    voter_mask(VOTER_PHONE, "13800138000", m, sizeof m);
    assert_string_equal(m, "138****8000");
    voter_mask(VOTER_EMAIL, "voter.one@example.org", m, sizeof m);
    assert_string_equal(m, "v***@example.org");
}

static void test_hmac(void **state)
{
    (void)state;
    unsigned char k1[VOTER_SECRET_BYTES], k2[VOTER_SECRET_BYTES];
    memset(k1, 1, sizeof k1);
    memset(k2, 2, sizeof k2);
    char a[VOTER_HEX], b[VOTER_HEX], c[VOTER_HEX], d[VOTER_HEX];
    voter_hmac(k1, VOTER_PHONE, "13800138000", a);
    voter_hmac(k1, VOTER_PHONE, "13800138000", b);
    voter_hmac(k2, VOTER_PHONE, "13800138000", c);
    voter_hmac(k1, VOTER_EMAIL, "13800138000", d);
    assert_int_equal(strlen(a), 64);
    assert_string_equal(a, b);        /* the same voter every time */
    assert_string_not_equal(a, c);    /* another installation's secret: another hash */
    assert_string_not_equal(a, d);    /* the kind is part of what is hashed */
    assert_null(strstr(a, "13800138000"));
    /* RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?"). */
    unsigned char h[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)"Jefe", 4);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"what do ya want for nothing?", 28);
    crypto_auth_hmacsha256_final(&st, h);
    char hx[65];
    sodium_bin2hex(hx, sizeof hx, h, sizeof h);
    assert_string_equal(hx, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_net(void **state)
{
    (void)state;
    char n[VOTER_NET_MAX];
    assert_int_equal(voter_net("203.0.113.77", n, sizeof n), 0);
    assert_string_equal(n, "203.0.113.0/24");
    assert_int_equal(voter_net("2001:db8:1:2:3:4:5:6", n, sizeof n), 0);
    assert_string_equal(n, "2001:db8:1:2::/64");
    assert_int_equal(voter_net("not an address", n, sizeof n), -1);
    /* Every width of each number, as "%u.%u.%u.0/24" writes it (the digits are by hand). */
    static const unsigned parts[] = {0, 7, 10, 99, 100, 255};
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++) {
            char ip[32], want[32];
            snprintf(ip, sizeof ip, "%u.%u.%u.9", parts[i], parts[j], parts[5 - i]);
            snprintf(want, sizeof want, "%u.%u.%u.0/24", parts[i], parts[j], parts[5 - i]);
            assert_int_equal(voter_net(ip, n, sizeof n), 0);
            assert_string_equal(n, want);
        }
    assert_int_equal(voter_net("255.255.255.1", n, 16), -1); /* too short for it */
    assert_int_equal(voter_net("255.255.255.1", n, 17), 0);
    assert_string_equal(n, "255.255.255.0/24");
}

/* The day of a time: the thread keeps the last, and a time on another day must not get it. */
static void test_day(void **state)
{
    (void)state;
    char d[11];
    voter_day(1583251199, d); /* 2020-03-03 15:59:59 UTC, 23:59:59 in Beijing */
    assert_string_equal(d, "2020-03-03");
    voter_day(1583251200, d); /* one second later */
    assert_string_equal(d, "2020-03-04");
    voter_day(1583251199, d);
    assert_string_equal(d, "2020-03-03");
    voter_day(1580745600, d); /* 2020-02-04 00:00 Beijing */
    assert_string_equal(d, "2020-02-04");
    char today[11], again[11];
    voter_today(today);
    voter_day(0, again);
    assert_int_equal(strlen(today), 10);
    assert_string_equal(today, again);
}

/* A user agent's hash is its SHA-256 whatever the thread kept: many strings, met twice, and long ones. */
static void test_ua_hash(void **state)
{
    (void)state;
    char ua[600], got[VOTER_HEX], want[VOTER_HEX];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 200; i++) {
            int len = i < 190 ? snprintf(ua, sizeof ua, "Mozilla/5.0 (test %d)", i * 7919 % 97)
                              : (int)(sizeof ua - 1 - (size_t)i);
            if (i >= 190) {
                memset(ua, 'a' + i % 26, (size_t)len);
                ua[len] = 0;
            }
            voter_ua_hash(ua, got);
            voter_sha256(ua, want);
            assert_string_equal(got, want);
        }
    voter_ua_hash("", got);
    voter_sha256("", want);
    assert_string_equal(got, want);
    assert_string_equal(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_code_and_token(void **state)
{
    (void)state;
    char code[7], tok[44], tok2[44];
    for (int i = 0; i < 100; i++) {
        voter_code(code);
        assert_int_equal(strlen(code), 6);
        assert_int_equal(strspn(code, "0123456789"), 6);
    }
    voter_token(tok);
    voter_token(tok2);
    assert_int_equal(strlen(tok), 43);
    assert_string_not_equal(tok, tok2);
}

static void test_jsonform(void **state)
{
    (void)state;
    struct arena a;
    static struct query q;
    arena_init(&a, 0);
    const char *body = "{\"stage\": 3, \"phone\": \"13800138000\", \"live\": true, \"off\": false, "
                       "\"x\": null, \"ids\": [1, 2], \"w\": 0.5}";
    q.n = 0;
    assert_int_equal(jsonform_parse(&a, body, strlen(body), &q), QUERY_OK);
    assert_string_equal(query_get(&q, "stage"), "3");
    assert_string_equal(query_get(&q, "phone"), "13800138000");
    assert_string_equal(query_get(&q, "live"), "true");
    assert_string_equal(query_get(&q, "off"), "");
    assert_null(query_get(&q, "x"));
    assert_string_equal(query_get(&q, "w"), "0.5");
    size_t ids = 0;
    for (size_t i = 0; i < q.n; i++)
        ids += strcmp(q.v[i].key, "ids") == 0;
    assert_int_equal(ids, 2);
    const char *bad[] = {"[1]", "3", "{\"a\": {\"b\": 1}}", "{\"a\": [[1]]}", "{\"a\": 1",
                         "{\"a\": 1, \"a\": 2}", "{\"a\": \"\\u0000\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        q.n = 0;
        assert_int_not_equal(jsonform_parse(&a, bad[i], strlen(bad[i]), &q), QUERY_OK);
        assert_int_equal(q.n, 0);
    }
    assert_true(jsonform_is_json("application/json"));
    assert_true(jsonform_is_json("Application/JSON; charset=utf-8"));
    assert_false(jsonform_is_json("application/jsonp"));
    assert_false(jsonform_is_json("application/x-www-form-urlencoded"));
    assert_false(jsonform_is_json(NULL));
    arena_release(&a);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone),       cmocka_unit_test(test_email),
        cmocka_unit_test(test_mask),        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_net),         cmocka_unit_test(test_code_and_token),
        cmocka_unit_test(test_jsonform),   cmocka_unit_test(test_day),
        cmocka_unit_test(test_ua_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
