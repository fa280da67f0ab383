/*
 * fuzz_csv.c — libFuzzer target for CSV import reading.
 *
 * The input is a file as uploaded: csv_to_utf8 converts it, and the result
 * must be valid UTF-8 without NUL bytes, NUL-terminated.  csv_parse then
 * reads it under small limits taken from the first input byte, checking each
 * record against the limits and that records start on increasing lines.  A
 * file that parses completely is written back out (every field quoted,
 * quotes doubled, LF between records) and parsed again: the records must
 * hash the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "domain/csv.h"

struct walk {
    struct csv_limits lim;
    uint64_t hash;
    size_t records, last_line;
    struct buf out; /* the records written back, if writing */
    int write;
};

static void mix(uint64_t *h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    *h = (*h ^ 0x1ff) * 0x100000001b3ull; /* a separator no byte can imitate */
}

static int on_row(void *ctx, size_t line, char **fields, size_t nfields)
{
    struct walk *w = ctx;
    if (line <= w->last_line || nfields == 0 || nfields > w->lim.max_fields)
        abort();
    w->last_line = line;
    if (++w->records > w->lim.max_records)
        abort();
    for (size_t f = 0; f < nfields; f++) {
        size_t n = strlen(fields[f]);
        if (n > w->lim.max_field_bytes)
            abort();
        mix(&w->hash, fields[f], n);
        if (w->write) {
            buf_puts(&w->out, f ? ",\"" : "\"");
            for (size_t i = 0; i < n; i++) {
                if (fields[f][i] == '"')
                    buf_putc(&w->out, '"');
                buf_putc(&w->out, fields[f][i]);
            }
            buf_putc(&w->out, '"');
        }
    }
    mix(&w->hash, "\n", 1);
    if (w->write)
        buf_putc(&w->out, '\n');
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    size_t n;
    const char *enc = NULL;
    struct csv_error err;

    if (csv_to_utf8((const char *)data, size, &s, &n, &enc) != CSV_OK)
        return 0;
    if (!enc || s[n] != 0 || memchr(s, 0, n) || !utf8_valid(s, n))
        abort();

    unsigned b = size ? data[0] : 0;
    struct csv_limits lim = {(b & 7) * 4 + 1, ((b >> 3) & 7) * 32 + 1, (b >> 6) * 50 + 2};
    struct walk w1 = {lim, 14695981039346656037ull, 0, 0, BUF_INIT, 1};
    int rc = csv_parse(s, n, &w1.lim, on_row, &w1, &err);
    if (err.code != rc || (rc == CSV_OK) != (err.line == 0))
        abort();
    if (rc == CSV_OK && !w1.out.oom) {
        struct walk w2 = {w1.lim, 14695981039346656037ull, 0, 0, BUF_INIT, 0};
        if (csv_parse(w1.out.p ? w1.out.p : "", w1.out.len, &w2.lim, on_row, &w2, &err) != CSV_OK)
            abort();
        if (w2.hash != w1.hash || w2.records != w1.records)
            abort();
    }
    /* Defaults, on the same text. */
    csv_parse(s, n, NULL, NULL, NULL, &err);
    buf_release(&w1.out);
    free(s);
    return 0;
}
