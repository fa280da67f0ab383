/*
 * test_csv.c — unit tests of CSV encoding detection and parsing.
 *
 * A collector joins each record into one line of text, "line:f1|f2|...", so
 * a whole parse can be checked against one expected string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "domain/csv.h"

struct collect {
    struct buf out;
    size_t stop_after; /* stop at this record (1-based; 0: never) */
    size_t records;
};

static int on_row(void *ctx, size_t line, char **fields, size_t nfields)
{
    struct collect *c = ctx;
    buf_printf(&c->out, "%zu:", line);
    for (size_t i = 0; i < nfields; i++)
        buf_printf(&c->out, "%s%s", i ? "|" : "", fields[i]);
    buf_putc(&c->out, '\n');
    return ++c->records == c->stop_after;
}

/* Parse s with lim, check the result, error line and collected records. */
static void check(const char *s, size_t n, const struct csv_limits *lim, int expect_rc,
                  size_t expect_line, const char *expect_rows)
{
    struct collect c = {BUF_INIT, 0, 0};
    struct csv_error err = {99, 99};
    int rc = csv_parse(s, n, lim, on_row, &c, &err);
    assert_int_equal(rc, expect_rc);
    assert_int_equal(err.code, expect_rc);
    assert_int_equal(err.line, expect_line);
    assert_string_equal(c.out.p ? c.out.p : "", expect_rows);
    buf_release(&c.out);
}

#define assert_csv(s, rc, line, rows) check((s), strlen(s), NULL, (rc), (line), (rows))

/* ------------------------------------------------------------------------ */

static void test_basic(void **state)
{
    (void)state;
    assert_csv("name,region,score\r\n陆家嘴,上海市,95\r\n", CSV_OK, 0,
               "1:name|region|score\n2:陆家嘴|上海市|95\n");
    /* LF, a final line without newline, empty fields, empty lines skipped. */
    assert_csv("a,b\n\n,\n\r\nx,,z\n\n\ny", CSV_OK, 0, "1:a|b\n3:|\n5:x||z\n8:y\n");
    assert_csv("", CSV_OK, 0, "");
    assert_csv("\r\n\n\r", CSV_OK, 0, "");
    assert_csv("a,", CSV_OK, 0, "1:a|\n");
    assert_csv(" a , b ", CSV_OK, 0, "1: a | b \n");
    /* A lone CR ends a line too. */
    assert_csv("a\rb\r\rc", CSV_OK, 0, "1:a\n2:b\n4:c\n");
    /* Exactly the length given: no NUL needed, bytes after n ignored. */
    check("a,b\nc,d", 5, NULL, CSV_OK, 0, "1:a|b\n2:c\n");
}

static void test_quotes(void **state)
{
    (void)state;
    assert_csv("\"a,b\",\"say \"\"hi\"\"\",\"\"\n", CSV_OK, 0, "1:a,b|say \"hi\"|\n");
    /* Embedded line breaks are kept; line numbers count them. */
    assert_csv("id,text\n1,\"two\nlines\"\n2,\"crlf\r\nand\rcr\"\n3,x", CSV_OK, 0,
               "1:id|text\n2:1|two\nlines\n4:2|crlf\r\nand\rcr\n7:3|x\n");
    /* A line holding only "" is a record with one empty field. */
    assert_csv("\"\"\n\"\"\"\"", CSV_OK, 0, "1:\n2:\"\n");
    assert_csv("\"a\"\r\n\"b\"", CSV_OK, 0, "1:a\n2:b\n");
    /* Quote errors: mid-field, after a closing quote, unterminated. */
    assert_csv("ok,1\nab\"c,2\nnot,reached\n", CSV_EQUOTE, 2, "1:ok|1\n");
    assert_csv("ok,1\n\"ab\"c,2\n", CSV_EQUOTE, 2, "1:ok|1\n");
    assert_csv("ok,1\nx, \"y\"\n", CSV_EQUOTE, 2, "1:ok|1\n");
    assert_csv("ok,1\nx,\"multi\nline\" \n", CSV_EQUOTE, 2, "1:ok|1\n");
    assert_csv("ok,1\n\n\"open\nand\nnever closed\n", CSV_EUNTERMINATED, 3, "1:ok|1\n");
    assert_csv("\"", CSV_EUNTERMINATED, 1, "");
    assert_csv("a,\"\"\"", CSV_EUNTERMINATED, 1, "");
}

static void test_bad_line_in_middle(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 1; i <= 500; i++) {
        if (i == 321)
            buf_puts(&b, "321,\"broken\"quote,x\r\n");
        else
            buf_printf(&b, "%d,\"row \"\"%d\"\"\",x\r\n", i, i);
    }
    struct collect c = {BUF_INIT, 0, 0};
    struct csv_error err = {0, 0};
    assert_int_equal(csv_parse(b.p, b.len, NULL, on_row, &c, &err), CSV_EQUOTE);
    assert_int_equal(err.line, 321);
    assert_int_equal(err.code, CSV_EQUOTE);
    assert_int_equal(c.records, 320);
    assert_string_equal(csv_strerror(err.code), "a quote in the middle of a field");
    buf_release(&c.out);
    buf_release(&b);
}

static void test_limits(void **state)
{
    (void)state;
    struct csv_limits lim = {3, 8, 2};
    check("a,b,c\n", 6, &lim, CSV_OK, 0, "1:a|b|c\n");
    check("a,b,c\n\nd,e,f,g\n", 15, &lim, CSV_EFIELDS, 3, "1:a|b|c\n");
    check("a,b,c,\n", 7, &lim, CSV_EFIELDS, 1, "");
    /* 8 bytes fit, 9 do not; "" counts as one byte; quotes do not count. */
    check("12345678,\"1234\"\"678\"\n", 20, &lim, CSV_OK, 0, "1:12345678|1234\"678\n");
    check("ok\n123456789\n", 13, &lim, CSV_EFIELDLEN, 2, "1:ok\n");
    check("ok\n\"x\n12345678\"\n", 16, &lim, CSV_EFIELDLEN, 2, "1:ok\n");
    check("a\nb\n\n\n", 6, &lim, CSV_OK, 0, "1:a\n2:b\n");
    check("a\nb\n\nc\n", 7, &lim, CSV_ERECORDS, 4, "1:a\n2:b\n");

    /* A very long field against the default limit: one byte over, and far over. */
    size_t big = CSV_DEFAULT_MAX_FIELD_BYTES;
    char *s = malloc(big * 4 + 16);
    assert_non_null(s);
    memcpy(s, "h\n", 2);
    memset(s + 2, 'x', big);
    struct collect c = {BUF_INIT, 0, 0};
    struct csv_error err;
    assert_int_equal(csv_parse(s, 2 + big, NULL, on_row, &c, &err), CSV_OK);
    assert_int_equal(c.records, 2);
    s[2] = '"';
    memset(s + 3, 'x', big + 1);
    s[4 + big] = '"';
    assert_int_equal(csv_parse(s, 5 + big, NULL, on_row, &c, &err), CSV_EFIELDLEN);
    assert_int_equal(err.line, 2);
    memset(s + 2, 'y', big * 4);
    assert_int_equal(csv_parse(s, 2 + big * 4, NULL, on_row, &c, &err), CSV_EFIELDLEN);
    assert_int_equal(err.line, 2);
    free(s);
    buf_release(&c.out);

    /* Default field count. */
    struct buf b = BUF_INIT;
    for (int i = 0; i < CSV_DEFAULT_MAX_FIELDS; i++)
        buf_puts(&b, i ? ",f" : "f");
    assert_int_equal(csv_parse(b.p, b.len, NULL, NULL, NULL, &err), CSV_OK);
    buf_puts(&b, ",f");
    assert_int_equal(csv_parse(b.p, b.len, NULL, NULL, NULL, &err), CSV_EFIELDS);
    assert_int_equal(err.line, 1);
    buf_release(&b);
}

static void test_nul_and_stop(void **state)
{
    (void)state;
    check("a\nb\0c\n", 6, NULL, CSV_ENUL, 2, "1:a\n");
    check("\"a\0\"", 4, NULL, CSV_ENUL, 1, "");
    struct collect c = {BUF_INIT, 2, 0};
    struct csv_error err;
    assert_int_equal(csv_parse("a\n\nb\nc\n", 7, NULL, on_row, &c, &err), CSV_ESTOPPED);
    assert_int_equal(err.line, 3);
    assert_string_equal(c.out.p, "1:a\n3:b\n");
    buf_release(&c.out);
    assert_int_equal(csv_parse("\"", 1, NULL, NULL, NULL, NULL), CSV_EUNTERMINATED);
    assert_string_equal(csv_strerror(CSV_ERECORDS), "too many records");
    assert_string_equal(csv_strerror(-1), "unknown error");
    assert_string_equal(csv_strerror(CSV__MAX), "unknown error");
}

/* ------------------------------------------------------------------------ */

static void check_utf8(const char *in, size_t n, int expect_rc, const char *expect_enc,
                       const char *expect_out)
{
    char *out = (char *)1;
    size_t outlen = 99;
    const char *enc = "unset";
    int rc = csv_to_utf8(in, n, &out, &outlen, &enc);
    assert_int_equal(rc, expect_rc);
    if (rc != CSV_OK) {
        assert_null(out);
        assert_string_equal(enc, "unset");
        return;
    }
    assert_string_equal(enc, expect_enc);
    assert_int_equal(outlen, strlen(expect_out));
    assert_memory_equal(out, expect_out, outlen + 1);
    free(out);
}

static void test_encoding(void **state)
{
    (void)state;
    const char *u = "上海市,陆家嘴\r\n";
    check_utf8(u, strlen(u), CSV_OK, "UTF-8", u);
    check_utf8("\xEF\xBB\xBF"
               "上海市,陆家嘴\r\n",
               strlen(u) + 3, CSV_OK, "UTF-8 with BOM", u);
    check_utf8("", 0, CSV_OK, "UTF-8", "");
    check_utf8("\xEF\xBB\xBF", 3, CSV_OK, "UTF-8 with BOM", "");
    check_utf8("\xEF\xBB", 2, CSV_OK, "GB18030", "\xE9\x94\x98"); /* GB18030 0xEFBB is U+9518 */

    /* 上海市,陆家嘴 CRLF as Excel on Chinese Windows writes it. */
    static const char gb[] = {(char)0xC9, (char)0xCF, (char)0xBA, (char)0xA3, (char)0xCA,
                              (char)0xD0, ',',        (char)0xC2, (char)0xBD, (char)0xBC,
                              (char)0xD2, (char)0xD7, (char)0xEC, '\r',       '\n'};
    check_utf8(gb, sizeof gb, CSV_OK, "GB18030", u);

    char *out;
    size_t outlen;
    const char *enc;
    assert_int_equal(csv_to_utf8(gb, sizeof gb, &out, &outlen, &enc), CSV_OK);
    struct collect c = {BUF_INIT, 0, 0};
    struct csv_error err;
    assert_int_equal(csv_parse(out, outlen, NULL, on_row, &c, &err), CSV_OK);
    assert_string_equal(c.out.p, "1:上海市|陆家嘴\n");
    buf_release(&c.out);
    free(out);

    /* Four-byte GB18030 (U+20000 𠀀 is 0x95 0x32 0x82 0x36). */
    check_utf8("a,\x95\x32\x82\x36", 6, CSV_OK, "GB18030", "a,\xF0\xA0\x80\x80");

    /* Neither: bytes invalid in GB18030, a truncated sequence, UTF-16, NUL. */
    check_utf8("a,\xff\n", 4, CSV_EENCODING, NULL, NULL);
    check_utf8("a,\xC9", 3, CSV_EENCODING, NULL, NULL);
    check_utf8("\xFF\xFE"
               "a\0,\0",
               6, CSV_EENCODING, NULL, NULL);
    check_utf8("a\0b", 3, CSV_EENCODING, NULL, NULL);
    /* A UTF-8 BOM on bytes that are not UTF-8. */
    check_utf8("\xEF\xBB\xBF\xC9\xCF", 5, CSV_EENCODING, NULL, NULL);
    /* A large GB18030 file grows the output buffer. */
    size_t reps = 20000;
    char *big = malloc(sizeof gb * reps);
    assert_non_null(big);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * sizeof gb, gb, sizeof gb);
    assert_int_equal(csv_to_utf8(big, sizeof gb * reps, &out, &outlen, &enc), CSV_OK);
    assert_int_equal(outlen, strlen(u) * reps);
    assert_memory_equal(out + outlen - strlen(u), u, strlen(u));
    free(out);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_bad_line_in_middle),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_nul_and_stop),
        cmocka_unit_test(test_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
