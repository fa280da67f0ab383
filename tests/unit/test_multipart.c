/*
 * test_multipart.c — unit tests of the streaming multipart/form-data parser.
 *
 * A recorder turns the callbacks into one text log: "<name|filename|type>"
 * at the start of a part (filename "(null)" when absent), the part's bytes
 * as they are, and "</>" at its end.  Data pieces are simply concatenated,
 * so the log is the same however the body was split if and only if the
 * parser's observable behaviour is.  The central test feeds one body whole,
 * byte by byte, and cut in two at every offset.
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
#include "http/multipart.h"

#define BOUNDARY "----WebKitFormBoundaryX3b9"

struct recorder {
    struct buf log;
    const char *stop_begin; /* stop at part_begin of this name */
    size_t stop_data;       /* stop once this many data bytes were seen (0: never) */
    size_t data_seen;
    int in_part;
};

static int on_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    struct recorder *r = ctx;
    assert_false(r->in_part);
    assert_non_null(name);
    assert_non_null(ctype);
    r->in_part = 1;
    buf_printf(&r->log, "<%s|%s|%s>", name, filename ? filename : "(null)", ctype);
    return r->stop_begin && strcmp(name, r->stop_begin) == 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct recorder *r = ctx;
    assert_true(r->in_part);
    assert_true(len > 0);
    buf_append(&r->log, data, len);
    r->data_seen += len;
    return r->stop_data && r->data_seen >= r->stop_data;
}

static int on_end(void *ctx)
{
    struct recorder *r = ctx;
    assert_true(r->in_part);
    r->in_part = 0;
    buf_puts(&r->log, "</>");
    return 0;
}

/*
 * Parse body[0..len) fed in pieces cut at cuts[0..ncuts) (ascending), with
 * boundary BOUNDARY.  Returns the log (caller frees) and the final result:
 * the first error of a feed, else that of finish.  Checks that errors stick.
 */
static char *parse_cuts(const char *body, size_t len, const size_t *cuts, size_t ncuts,
                        size_t *loglen, int *rc, struct recorder *r)
{
    struct multipart_cb cb = {r, on_begin, on_data, on_end};
    struct multipart *m = multipart_new(BOUNDARY, &cb);
    size_t at = 0;
    int first = MULTIPART_OK;

    assert_non_null(m);
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        int frc = multipart_feed(m, body + at, end - at);
        if (first != MULTIPART_OK)
            assert_int_equal(frc, first);
        else
            first = frc;
        at = end;
    }
    int frc = multipart_finish(m);
    if (first != MULTIPART_OK)
        assert_int_equal(frc, first);
    *rc = frc;
    multipart_free(m);
    assert_false(r->log.oom);
    return buf_detach(&r->log, loglen);
}

static char *parse_whole(const char *body, size_t len, size_t *loglen, int *rc)
{
    struct recorder r = {BUF_INIT, NULL, 0, 0, 0};
    return parse_cuts(body, len, NULL, 0, loglen, rc, &r);
}

#define assert_parse(body, expect_rc, expect_log)                                                  \
    do {                                                                                           \
        size_t ll_;                                                                                \
        int rc_;                                                                                   \
        char *log_ = parse_whole((body), strlen(body), &ll_, &rc_);                                \
        assert_int_equal(rc_, (expect_rc));                                                        \
        assert_string_equal(log_ ? log_ : "", (expect_log));                                       \
        free(log_);                                                                                \
    } while (0)

#define D "--" BOUNDARY
#define CD "Content-Disposition: form-data; "

/* ------------------------------------------------------------------------ */

static void test_boundary(void **state)
{
    (void)state;
    char b[MULTIPART_BOUNDARY_MAX + 1];
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b), 0);
    assert_string_equal(b, "abc");
    assert_int_equal(
        multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\"", b, sizeof b), 0);
    assert_string_equal(b, "a b'()+_,-./:=?");
    assert_int_equal(
        multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"x\\\"y\"", b, sizeof b),
        -1); /* '"' is not a bchar */
    assert_int_equal(multipart_boundary(" multipart/form-data ; charset=\"a;b\" ;boundary = "
                                        "----WebKitFormBoundaryX3b9 ;",
                                        b, sizeof b),
                     0);
    assert_string_equal(b, "----WebKitFormBoundaryX3b9");
    /* 70 characters is the maximum. */
    const char *b70 = "multipart/form-data; boundary="
                      "0123456789012345678901234567890123456789012345678901234567890123456789";
    assert_int_equal(multipart_boundary(b70, b, sizeof b), 0);
    assert_int_equal(strlen(b), 70);
    assert_int_equal(multipart_boundary(b70, b, 70), -1); /* no room for the NUL */
    const char *b71 = "multipart/form-data; boundary="
                      "01234567890123456789012345678901234567890123456789012345678901234567890";
    assert_int_equal(multipart_boundary(b71, b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"\"", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"ab \"", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=a; boundary=a", b, sizeof b),
                     -1);
    assert_int_equal(multipart_boundary("multipart/mixed; boundary=abc", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-dataX; boundary=abc", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("text/plain; boundary=abc", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"abc", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data boundary=abc", b, sizeof b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=a\x01", b, sizeof b), -1);
    assert_null(multipart_new("", NULL));
    assert_null(multipart_new("a\rb", NULL));
    assert_null(multipart_new("ab ", NULL));
}

static void test_fields(void **state)
{
    (void)state;
    assert_parse(D "\r\n" CD "name=\"a\"\r\n\r\nhello\r\n" D "\r\n" CD
                   "name=b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n" D "--\r\n",
                 MULTIPART_OK, "<a|(null)|>hello</><b|(null)|text/plain; charset=utf-8></>");
    /* Preamble, transport padding, folded and oddly cased headers, epilogue. */
    assert_parse("This is a preamble.\r\n-- not it\r\n" D " \t\r\n"
                 "content-disposition:FORM-DATA;\r\n\tNAME=\"x\";  filename=\"f.txt\"\r\n"
                 "X-Other: ignored\r\nCONTENT-TYPE:  application/octet-stream  \r\n\r\n"
                 "line1\r\nline2\r\n" D "--  \r\nepilogue\r\n" D "\r\ngarbage",
                 MULTIPART_OK, "<x|f.txt|application/octet-stream>line1\r\nline2</>");
    /* No parts at all; junk after the closing dashes. */
    assert_parse(D "--", MULTIPART_OK, "");
    assert_parse(D "--junk\x01\xff", MULTIPART_OK, "");
    /* A bare LF inside a body is data; "\n--" boundary does not delimit. */
    assert_parse(D "\r\n" CD "name=a\r\n\r\nx\n" D "\ny\r\n" D "--", MULTIPART_OK,
                 "<a|(null)|>x\n" D "\ny</>");
    /* Empty filename (a file input left empty) and UTF-8 names. */
    assert_parse(D "\r\n" CD "name=\"上传\"; filename=\"\"\r\n\r\n\r\n" D "--", MULTIPART_OK,
                 "<上传||></>");
}

static void test_filename(void **state)
{
    (void)state;
    /* Escaped quotes and backslashes in a quoted string. */
    assert_parse(D "\r\n" CD "name=\"f\"; filename=\"a \\\"b\\\" \\\\c;d.txt\"\r\n\r\nx\r\n" D "--",
                 MULTIPART_OK, "<f|a \"b\" \\c;d.txt|>x</>");
    /* filename* wins, whichever comes first. */
    assert_parse(D "\r\n" CD "name=f; filename*=UTF-8''%E4%B8%8A%E6%B5%B7.csv; "
                   "filename=\"fallback.csv\"\r\n\r\nx\r\n" D "--",
                 MULTIPART_OK, "<f|上海.csv|>x</>");
    assert_parse(D "\r\n" CD "name=f; filename=\"fallback.csv\"; "
                   "FILENAME*=utf-8'zh-CN'a%20b%2fc.txt\r\n\r\nx\r\n" D "--",
                 MULTIPART_OK, "<f|a b/c.txt|>x</>");
    assert_parse(D "\r\n" CD "name=f; filename*=\"UTF-8''q.txt\"\r\n\r\nx\r\n" D "--", MULTIPART_OK,
                 "<f|q.txt|>x</>");
    /* Unsupported charset, bad escapes, NUL or invalid UTF-8: refused. */
    assert_parse(D "\r\n" CD "name=f; filename*=ISO-8859-1''%E9.txt\r\n\r\nx\r\n" D "--",
                 MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=f; filename*=UTF-8''%E9.txt\r\n\r\nx\r\n" D "--",
                 MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=f; filename*=UTF-8''%4\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER,
                 "");
    assert_parse(D "\r\n" CD "name=f; filename*=UTF-8''a%00b\r\n\r\nx\r\n" D "--",
                 MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=f; filename*=UTF-8'a.txt\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER,
                 "");
    assert_parse(D "\r\n" CD "name=f; filename=\"a\tb\"\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER,
                 "");
    assert_parse(D "\r\n" CD "name=f; filename=\"\xff.txt\"\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER,
                 "");
}

static void test_header_errors(void **state)
{
    (void)state;
    /* Missing, empty or repeated name; no or a wrong Content-Disposition. */
    assert_parse(D "\r\n" CD "filename=\"a.txt\"\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=\"\"\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=a; name=b\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\nContent-Type: text/plain\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n" D "--",
                 MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=a\r\n" CD "name=b\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    /* Malformed header lines and parameters. */
    assert_parse(D "\r\n" CD "name=a\r\nno colon here\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=a\r\nBad Name: v\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n folded: first\r\n" CD "name=a\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=\"a\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=a b\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER, "");
    assert_parse(D "\r\n" CD "name=a\r\nContent-Type: a\x01\r\n\r\nx\r\n" D "--", MULTIPART_EHEADER,
                 "");

    /* A header block over the cap. */
    struct buf b = BUF_INIT;
    buf_puts(&b, D "\r\n" CD "name=a\r\nX-Pad: ");
    for (size_t i = 0; i < MULTIPART_HEADER_MAX; i++)
        buf_putc(&b, 'p');
    buf_puts(&b, "\r\n\r\nx\r\n" D "--");
    assert_parse(b.p, MULTIPART_EHEADER, "");
    /* Just under the cap is fine. */
    buf_reset(&b);
    buf_puts(&b, D "\r\n" CD "name=a\r\nX-Pad: ");
    size_t used = strlen(CD "name=a\r\nX-Pad: ") + 4;
    for (size_t i = used; i < MULTIPART_HEADER_MAX; i++)
        buf_putc(&b, 'p');
    buf_puts(&b, "\r\n\r\nx\r\n" D "--");
    assert_parse(b.p, MULTIPART_OK, "<a|(null)|>x</>");
    buf_release(&b);
}

static void test_framing_errors(void **state)
{
    (void)state;
    /* Bare LF or CR in delimiter lines and headers. */
    assert_parse(D "\n" CD "name=a\r\n\r\nx\r\n" D "--", MULTIPART_ESYNTAX, "");
    assert_parse(D "\r\n" CD "name=a\n\r\nx\r\n" D "--", MULTIPART_ESYNTAX, "");
    assert_parse(D "\r\n" CD "name=a\r\n\nx\r\n" D "--", MULTIPART_ESYNTAX, "");
    assert_parse(D "\r\n" CD "name=a\rX\r\n\r\nx\r\n" D "--", MULTIPART_ESYNTAX, "");
    assert_parse(D " \rx", MULTIPART_ESYNTAX, "");
    /* The boundary as a prefix of a longer line; "-" then anything. */
    assert_parse(D "X\r\n", MULTIPART_ESYNTAX, "");
    assert_parse(D "\r\n" CD "name=a\r\n\r\nab\r\n" D "X\r\n", MULTIPART_ESYNTAX,
                 "<a|(null)|>ab</>");
    assert_parse(D "-x", MULTIPART_ESYNTAX, "");
    assert_parse(D " -", MULTIPART_ESYNTAX, "");
    /* Truncated bodies. */
    assert_parse("", MULTIPART_ETRUNCATED, "");
    assert_parse("preamble only", MULTIPART_ETRUNCATED, "");
    assert_parse(D, MULTIPART_ETRUNCATED, "");
    assert_parse(D "-", MULTIPART_ETRUNCATED, "");
    assert_parse(D "\r\n" CD "name=a", MULTIPART_ETRUNCATED, "");
    assert_parse(D "\r\n" CD "name=a\r\n\r\nabc", MULTIPART_ETRUNCATED, "<a|(null)|>abc");
    assert_parse(D "\r\n" CD "name=a\r\n\r\nabc\r\n--" BOUNDARY, MULTIPART_ETRUNCATED,
                 "<a|(null)|>abc</>");
    assert_parse(D "\r\n" CD "name=a\r\n\r\nabc\r\n" D "\r\n", MULTIPART_ETRUNCATED,
                 "<a|(null)|>abc</>");
}

/*
 * Two fields and a file holding near-delimiters (CRLF "--" and ever longer
 * prefixes of the boundary, the full boundary after a bare CR or LF) and
 * binary bytes, fed whole, byte by byte, and cut at every offset.
 */
static void test_split_everywhere(void **state)
{
    (void)state;
    static const char file[] = "\r\n--\r\n-\r\r\n--"
                               "----WebKitFormBoundaryX3b"
                               "\x00\xff\x80"
                               "\r\n--"
                               "----WebKitFormBoundaryX3"
                               "\r\r\n\r\n-"
                               "\x01\x02"
                               "--" BOUNDARY "\r\n"
                               "\n--" BOUNDARY "\r--" BOUNDARY "--"
                               "\r\n"
                               "\r\n-"
                               "\r";
    struct buf body = BUF_INIT;
    struct buf expect = BUF_INIT;

    buf_puts(&body, "ignored preamble\r\n-- \r\n--"
                    "----WebKitFormBoundaryX3"
                    "\r\n");
    buf_puts(&body, D "\r\n" CD "name=\"title\"\r\n\r\n陆家嘴\r\n");
    buf_puts(&body, D "\r\n" CD "name=\"count\"\r\n\r\n42\r\n");
    buf_puts(&body, D "\r\n" CD "name=\"upload\"; filename=\"data.bin\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n");
    buf_append(&body, file, sizeof file - 1);
    buf_puts(&body, "\r\n" D "--\r\nepilogue \r\n--");
    assert_false(body.oom);

    buf_puts(&expect, "<title|(null)|>陆家嘴</><count|(null)|>42</>"
                      "<upload|data.bin|application/octet-stream>");
    buf_append(&expect, file, sizeof file - 1);
    buf_puts(&expect, "</>");

    size_t wl;
    int wrc;
    char *whole = parse_whole(body.p, body.len, &wl, &wrc);
    assert_int_equal(wrc, MULTIPART_OK);
    assert_int_equal(wl, expect.len);
    assert_memory_equal(whole, expect.p, wl);

    /* Byte by byte. */
    size_t *cuts = malloc(body.len * sizeof *cuts);
    assert_non_null(cuts);
    for (size_t i = 0; i < body.len; i++)
        cuts[i] = i;
    struct recorder r = {BUF_INIT, NULL, 0, 0, 0};
    size_t ll;
    int rc;
    char *log = parse_cuts(body.p, body.len, cuts, body.len, &ll, &rc, &r);
    assert_int_equal(rc, MULTIPART_OK);
    assert_int_equal(ll, wl);
    assert_memory_equal(log, whole, wl);
    free(log);

    /* Cut in two at every offset, and in three around every offset. */
    for (size_t i = 0; i <= body.len; i++) {
        struct recorder r2 = {BUF_INIT, NULL, 0, 0, 0};
        size_t c3[2] = {i / 2, i};
        log = parse_cuts(body.p, body.len, &i, 1, &ll, &rc, &r2);
        assert_int_equal(rc, MULTIPART_OK);
        assert_int_equal(ll, wl);
        assert_memory_equal(log, whole, wl);
        free(log);
        struct recorder r3 = {BUF_INIT, NULL, 0, 0, 0};
        log = parse_cuts(body.p, body.len, c3, 2, &ll, &rc, &r3);
        assert_int_equal(rc, MULTIPART_OK);
        assert_int_equal(ll, wl);
        assert_memory_equal(log, whole, wl);
        free(log);
    }
    free(cuts);
    free(whole);
    buf_release(&body);
    buf_release(&expect);
}

static void test_streaming(void **state)
{
    (void)state;
    struct recorder r = {BUF_INIT, NULL, 0, 0, 0};
    struct multipart_cb cb = {&r, on_begin, on_data, on_end};
    struct multipart *m = multipart_new(BOUNDARY, &cb);
    char chunk[4096];
    const char *head = D "\r\n" CD "name=\"big\"; filename=\"big.bin\"\r\n\r\n";

    assert_non_null(m);
    assert_int_equal(multipart_feed(m, head, strlen(head)), MULTIPART_OK);
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 256; i++) {
        assert_int_equal(multipart_feed(m, chunk, sizeof chunk), MULTIPART_OK);
        /* Everything fed so far has been passed on: no CR, nothing held back. */
        assert_int_equal(r.data_seen, (size_t)(i + 1) * sizeof chunk);
    }
    /* A possible delimiter is held back, and only that. */
    assert_int_equal(multipart_feed(m,
                                    "ab\r\n--"
                                    "----WebKit",
                                    16),
                     MULTIPART_OK);
    assert_int_equal(r.data_seen, 256 * sizeof chunk + 2);
    assert_int_equal(multipart_feed(m, "X", 1), MULTIPART_OK);
    assert_int_equal(r.data_seen, 256 * sizeof chunk + 17);
    assert_int_equal(multipart_feed(m, "\r\n" D "--", strlen(D) + 4), MULTIPART_OK);
    assert_int_equal(multipart_finish(m), MULTIPART_OK);
    assert_int_equal(r.data_seen, 256 * sizeof chunk + 17);
    multipart_free(m);
    buf_release(&r.log);
}

static void test_stop(void **state)
{
    (void)state;
    const char *body =
        D "\r\n" CD "name=a\r\n\r\n0123456789\r\n" D "\r\n" CD "name=b\r\n\r\nxyz\r\n" D "--";
    struct recorder r = {BUF_INIT, "b", 0, 0, 0};
    size_t ll;
    int rc;
    char *log = parse_cuts(body, strlen(body), NULL, 0, &ll, &rc, &r);
    assert_int_equal(rc, MULTIPART_ESTOPPED);
    assert_string_equal(log, "<a|(null)|>0123456789</><b|(null)|>");
    free(log);

    /* An upload refused at once: no callback after the one that said stop. */
    struct recorder r2 = {BUF_INIT, NULL, 4, 0, 0};
    size_t cuts[] = {strlen(D) + 46, strlen(D) + 50}; /* data starts at D + 44 */
    log = parse_cuts(body, strlen(body), cuts, 2, &ll, &rc, &r2);
    assert_int_equal(rc, MULTIPART_ESTOPPED);
    assert_int_equal(r2.data_seen, 6);
    assert_string_equal(log, "<a|(null)|>012345");
    free(log);
    assert_string_equal(multipart_strerror(MULTIPART_ESTOPPED),
                        "multipart parsing stopped by the caller");
    assert_string_equal(multipart_strerror(99), "unknown multipart error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),       cmocka_unit_test(test_fields),
        cmocka_unit_test(test_filename),       cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_framing_errors), cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_streaming),      cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
