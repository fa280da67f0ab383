/*
 * fuzz_multipart.c — libFuzzer target for the streaming multipart parser.
 *
 * The first input byte chooses how to split the rest, the body (boundary
 * "BND"): it is parsed once in a single feed and once in pieces — a first
 * piece cut at a point proportional to the first byte, then pieces of 1 to 7
 * bytes.  Both runs record their callbacks in a log (part data concatenated,
 * so it does not depend on how the parser chunked it) and the final result;
 * if the two differ, the target aborts.  The callbacks also check their
 * contract (nesting, non-empty data, name and filename valid text), and a
 * part named "stop" stops the parser, which must then make no more calls.
 * The whole input is also tried as a Content-Type for multipart_boundary.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "http/multipart.h"

#define BOUNDARY "BND"
#define MARK '\xff' /* cannot occur in valid UTF-8; doubled in data */

struct run {
    struct buf log;
    int in_part, stopped;
};

static void check_text(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
    if (!utf8_valid(s, n))
        abort();
}

static int on_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    struct run *r = ctx;
    if (r->in_part || r->stopped || !name || !*name || !ctype)
        abort();
    check_text(name);
    check_text(ctype);
    if (filename)
        check_text(filename);
    r->in_part = 1;
    buf_putc(&r->log, MARK);
    buf_putc(&r->log, 'B');
    buf_append(&r->log, name, strlen(name) + 1);
    if (filename) {
        buf_putc(&r->log, 'F');
        buf_append(&r->log, filename, strlen(filename) + 1);
    } else {
        buf_putc(&r->log, 'N');
    }
    buf_append(&r->log, ctype, strlen(ctype) + 1);
    if (strcmp(name, "stop") == 0)
        r->stopped = 1;
    return r->stopped;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct run *r = ctx;
    if (!r->in_part || r->stopped || len == 0)
        abort();
    for (size_t i = 0; i < len; i++) {
        buf_putc(&r->log, data[i]);
        if (data[i] == MARK)
            buf_putc(&r->log, MARK);
    }
    return 0;
}

static int on_end(void *ctx)
{
    struct run *r = ctx;
    if (!r->in_part || r->stopped)
        abort();
    r->in_part = 0;
    buf_putc(&r->log, MARK);
    buf_putc(&r->log, 'E');
    return 0;
}

/* Parse body in pieces: first up to cut, then `step` bytes at a time (0: the rest at once). */
static int parse(const char *body, size_t len, size_t cut, size_t step, struct run *r)
{
    struct multipart_cb cb = {r, on_begin, on_data, on_end};
    struct multipart *m = multipart_new(BOUNDARY, &cb);
    int first = MULTIPART_OK, rc;
    size_t at = 0;

    if (!m)
        abort();
    while (at < len) {
        size_t n = at < cut ? cut - at : step ? step : len - at;
        if (n > len - at)
            n = len - at;
        rc = multipart_feed(m, body + at, n);
        if (first == MULTIPART_OK)
            first = rc;
        else if (rc != first)
            abort();
        at += n;
    }
    rc = multipart_finish(m);
    if (first != MULTIPART_OK && rc != first)
        abort();
    if (rc == MULTIPART_ESTOPPED && !r->stopped)
        abort();
    if (rc == MULTIPART_OK && r->in_part)
        abort();
    multipart_free(m);
    if (r->log.oom)
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    char *ct = malloc(size + 1);

    if (!ct)
        abort();
    memcpy(ct, data, size);
    ct[size] = 0;
    if (multipart_boundary(ct, b, sizeof b) == 0 && (strlen(b) < 1 || strlen(b) > 70))
        abort();
    free(ct);
    if (size < 1)
        return 0;

    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    size_t cut = (size_t)data[0] * len / 255;
    struct run whole = {BUF_INIT, 0, 0}, split = {BUF_INIT, 0, 0};
    int rc1 = parse(body, len, 0, 0, &whole);
    int rc2 = parse(body, len, cut, (size_t)(data[0] % 7) + 1, &split);

    if (rc1 != rc2 || whole.log.len != split.log.len ||
        (whole.log.len && memcmp(whole.log.p, split.log.p, whole.log.len) != 0))
        abort();
    buf_release(&whole.log);
    buf_release(&split.log);
    return 0;
}
