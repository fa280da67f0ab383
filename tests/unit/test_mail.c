/*
 * test_mail.c — unit tests for building outgoing messages (src/mail/sender.c):
 * RFC 2047 encoded words for the subject, the RFC 5322 message as it goes
 * on the wire, address checks and the retry backoff.
 *
 * Encoded words are decoded back (libsodium's base64) and compared with the
 * original text; every word must hold whole UTF-8 characters and fit in 75
 * columns, every line of the message must end in CRLF and fit in 78.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/utf8.h"
#include "mail/sender.h"

/* Decode base64 s[0..n) into out (NUL-terminated); returns the length or -1. */
static long b64dec(const char *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    if (sodium_base642bin((unsigned char *)out, cap - 1, s, n, "\r\n", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    out[len] = 0;
    return (long)len;
}

/* Decode a header value made of encoded words joined by CRLF SP; checks each word. */
static void decode_words(const char *v, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    while (*v) {
        assert_memory_equal(v, "=?UTF-8?B?", 10);
        const char *end = strstr(v + 10, "?=");
        assert_non_null(end);
        size_t word = (size_t)(end + 2 - v);
        assert_true(word <= 75);
        char part[128];
        long n = b64dec(v + 10, (size_t)(end - v - 10), part, sizeof part);
        assert_true(n > 0);
        assert_true(utf8_valid(part, (size_t)n)); /* never a split character */
        assert_true(used + (size_t)n < cap);
        memcpy(out + used, part, (size_t)n + 1);
        used += (size_t)n;
        v = end + 2;
        if (*v) {
            assert_memory_equal(v, "\r\n ", 3);
            v += 3;
        }
    }
}

static char *encode(const char *text)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    mail_encode_words(&b, text);
    assert_false(b.oom);
    return buf_detach(&b, NULL);
}

static void test_words_ascii(void **state)
{
    (void)state;
    char *s = encode("Invitation to Laurel");
    assert_string_equal(s, "Invitation to Laurel");
    free(s);
    /* Text that looks like an encoded word is encoded itself. */
    s = encode("=?UTF-8?B?x?=");
    char out[64];
    decode_words(s, out, sizeof out);
    assert_string_equal(out, "=?UTF-8?B?x?=");
    free(s);
    /* A control character (a header injection attempt) is never written as is. */
    s = encode("Hi\r\nBcc: evil@example.org");
    assert_null(strstr(s, "\r\nBcc"));
    decode_words(s, out, sizeof out);
    assert_string_equal(out, "Hi\r\nBcc: evil@example.org");
    free(s);
}

static void test_words_chinese(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "【案例征集评选】邀请您加入",
        "重设密码",
        "é",
        /* 60 characters of 3 bytes: several words, split between characters. */
        "城市基层治理创新案例城市基层治理创新案例城市基层治理创新案例"
        "城市基层治理创新案例城市基层治理创新案例城市基层治理创新案例",
        "mixed 中文 and ASCII 😀 with an emoji of four bytes 😀😀😀😀😀😀😀😀😀😀😀😀",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *s = encode(texts[i]);
        char out[1024];
        decode_words(s, out, sizeof out);
        assert_string_equal(out, texts[i]);
        free(s);
    }
    char *s = encode(texts[3]);
    assert_non_null(strstr(s, "\r\n =?UTF-8?B?")); /* folded into several words */
    free(s);
}

/* The value of header name in msg (up to its CRLF, unfolded as is), in out. */
static int header(const char *msg, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = msg; p && *p && !(p[0] == '\r' && p[1] == '\n');) {
        const char *eol = strstr(p, "\r\n");
        while (eol && eol[2] == ' ')
            eol = strstr(eol + 2, "\r\n");
        if (!eol)
            return -1;
        if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
            size_t len = (size_t)(eol - p - n - 2);
            if (len >= cap)
                return -1;
            memcpy(out, p + n + 2, len);
            out[len] = 0;
            return 0;
        }
        p = eol + 2;
    }
    return -1;
}

static void test_build(void **state)
{
    (void)state;
    const char *body =
        "张三，您好：\n\n请打开以下链接设置密码：\nhttp://127.0.0.1:8080/invite/abc\n\n"
        "Hello, open the link to set your password.\n";
    struct mail_msg m = {
        .from = "laurel@example.org",
        .to = "zhang.san@example.org",
        .subject = "【案例征集评选】邀请您加入",
        .body = body,
        .date = 1580810400, /* 2020-02-04 10:00:00 UTC, a Tuesday */
        .message_id = "1580810400.7.abc@example.org",
    };
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    assert_int_equal(mail_build(&b, &m), 0);
    const char *msg = b.p;
    char v[512];
    assert_int_equal(header(msg, "Date", v, sizeof v), 0);
    assert_string_equal(v, "Tue, 04 Feb 2020 10:00:00 +0000");
    assert_int_equal(header(msg, "From", v, sizeof v), 0);
    assert_string_equal(v, "laurel@example.org");
    assert_int_equal(header(msg, "To", v, sizeof v), 0);
    assert_string_equal(v, "zhang.san@example.org");
    assert_int_equal(header(msg, "Message-ID", v, sizeof v), 0);
    assert_string_equal(v, "<1580810400.7.abc@example.org>");
    assert_int_equal(header(msg, "MIME-Version", v, sizeof v), 0);
    assert_string_equal(v, "1.0");
    assert_int_equal(header(msg, "Content-Type", v, sizeof v), 0);
    assert_string_equal(v, "text/plain; charset=UTF-8");
    assert_int_equal(header(msg, "Content-Transfer-Encoding", v, sizeof v), 0);
    assert_string_equal(v, "base64");
    assert_int_equal(header(msg, "Subject", v, sizeof v), 0);
    char subject[256];
    decode_words(v, subject, sizeof subject);
    assert_string_equal(subject, m.subject);

    /* Every line ends in CRLF and fits in 78 columns; the message is ASCII. */
    for (const char *p = msg; *p;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        assert_true(eol - p <= 78);
        for (const char *q = p; q < eol; q++)
            assert_true(*q >= 0x20 && *q < 0x7f);
        p = eol + 2;
    }
    /* The body decodes to the text with CRLF line ends. */
    const char *sep = strstr(msg, "\r\n\r\n");
    assert_non_null(sep);
    char text[1024];
    long n = b64dec(sep + 4, strlen(sep + 4), text, sizeof text);
    assert_true(n > 0);
    assert_null(strstr(text, "\n\n"));
    assert_non_null(strstr(text, "张三，您好：\r\n\r\n请打开"));
    assert_non_null(strstr(text, "/invite/abc\r\n"));
    buf_release(&b);
}

static void test_build_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "a@b\r\nBcc: x@y.org", "two@at@example.org", "@example.org",     "user@",
        "with space@x.org",    "<a@b.org>",          "张三@example.org", "",
        "a,b@x.org",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mail_msg m = {"laurel@example.org", bad[i], "s", "b", 0, "x@y"};
        struct buf b = BUF_INIT;
        buf_init(&b, 0);
        assert_int_equal(mail_build(&b, &m), -1);
        assert_false(mail_address_ok(bad[i]));
        buf_release(&b);
    }
    struct mail_msg m = {"laurel@example.org", "a@b.org", "s", "b", 0, "x>\r\nBcc: y@z"};
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    assert_int_equal(mail_build(&b, &m), -1);
    buf_release(&b);
    assert_true(mail_address_ok("first.last+tag@sub.example.org"));
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(mail_backoff_s(30, 1), 30);
    assert_int_equal(mail_backoff_s(30, 2), 60);
    assert_int_equal(mail_backoff_s(30, 3), 120);
    assert_int_equal(mail_backoff_s(30, 7), 1920);
    assert_int_equal(mail_backoff_s(30, 8), 3600);  /* capped at an hour */
    assert_int_equal(mail_backoff_s(30, 40), 3600); /* no overflow */
    assert_int_equal(mail_backoff_s(0, 1), 30);     /* the default base */
    assert_int_equal(mail_backoff_s(1, 4), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_ascii), cmocka_unit_test(test_words_chinese),
        cmocka_unit_test(test_build),       cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
