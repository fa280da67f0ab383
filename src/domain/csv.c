/*
 * csv.c — CSV encoding detection and parsing; see csv.h.
 *
 * csv_parse unquotes each record into one growing buffer, fields stored one
 * after another with their NULs, and an array of their offsets; the pointer
 * array handed to the callback is built from the offsets once the record is
 * complete, since the buffer may move while it grows.
 */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

static const char *const rc_text[CSV__MAX] = {
    [CSV_OK] = "ok",
    [CSV_EENCODING] = "the file is neither UTF-8 nor GB18030 text",
    [CSV_EUNTERMINATED] = "a quoted field is not closed",
    [CSV_EQUOTE] = "a quote in the middle of a field",
    [CSV_EFIELDS] = "too many fields in a record",
    [CSV_EFIELDLEN] = "a field is too long",
    [CSV_ERECORDS] = "too many records",
    [CSV_ENUL] = "a NUL byte in the file",
    [CSV_ESTOPPED] = "stopped",
    [CSV_ENOMEM] = "out of memory",
};

const char *csv_strerror(int code)
{
    if (code < 0 || code >= CSV__MAX)
        return "unknown error";
    return rc_text[code];
}

/* ------------------------------------------------------------------------ */
/* Encoding */

static int from_gb18030(const char *in, size_t n, char **out, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    size_t cap = n + n / 2 + 16, used = 0;
    char *buf = NULL;
    char *ip = (char *)in;
    size_t ileft = n;
    int rc = CSV_OK;

    if (cd == (iconv_t)-1)
        return CSV_EENCODING;
    for (;;) {
        char *nb = realloc(buf, cap);
        if (!nb) {
            rc = CSV_ENOMEM;
            break;
        }
        buf = nb;
        char *op = buf + used;
        size_t oleft = cap - used - 1;
        size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
        used = (size_t)(op - buf);
        if (r != (size_t)-1)
            break;
        if (errno != E2BIG) {
            rc = CSV_EENCODING;
            break;
        }
        if (cap > ((size_t)-1) / 2) {
            rc = CSV_ENOMEM;
            break;
        }
        cap *= 2;
    }
    iconv_close(cd);
    if (rc != CSV_OK) {
        free(buf);
        return rc;
    }
    buf[used] = 0;
    *out = buf;
    *outlen = used;
    return CSV_OK;
}

int csv_to_utf8(const char *in, size_t n, char **out, size_t *outlen, const char **encoding)
{
    int bom = n >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (memchr(in, 0, n))
        return CSV_EENCODING;
    if (bom) {
        in += 3;
        n -= 3;
    }
    if (utf8_valid(in, n)) {
        char *copy = malloc(n + 1);
        if (!copy)
            return CSV_ENOMEM;
        memcpy(copy, in, n);
        copy[n] = 0;
        *out = copy;
        *outlen = n;
        *encoding = bom ? "UTF-8 with BOM" : "UTF-8";
        return CSV_OK;
    }
    if (bom)
        return CSV_EENCODING;
    rc = from_gb18030(in, n, out, outlen);
    if (rc == CSV_OK)
        *encoding = "GB18030";
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Parsing */

struct record {
    char *buf; /* the fields' bytes, each followed by a NUL */
    size_t len, cap;
    size_t *off; /* where each field starts in buf */
    char **fields;
    size_t nf, fcap;
};

static int rec_putc(struct record *r, char c)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *nb = cap > r->cap ? realloc(r->buf, cap) : NULL;
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static int rec_field(struct record *r)
{
    if (r->nf == r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 16;
        size_t *no = cap < ((size_t)-1) / sizeof *no ? realloc(r->off, cap * sizeof *no) : NULL;
        if (!no)
            return -1;
        r->off = no;
        char **nfp = realloc(r->fields, cap * sizeof *nfp);
        if (!nfp)
            return -1;
        r->fields = nfp;
        r->fcap = cap;
    }
    r->off[r->nf++] = r->len;
    return 0;
}

static int is_eol(char c)
{
    return c == '\n' || c == '\r';
}

/*
 * Read one record starting at s[*i] (not at a line break) into r; *line is
 * advanced past the line breaks inside quoted fields, *eline gets the line
 * of the offending field on error.
 */
static int read_record(const char *s, size_t n, size_t *i, size_t *line,
                       const struct csv_limits *lim, struct record *r, size_t *eline)
{
    size_t p = *i;

    r->len = 0;
    r->nf = 0;
    for (;;) {
        size_t flen = 0;
        *eline = *line;
        if (r->nf == lim->max_fields)
            return CSV_EFIELDS;
        if (rec_field(r) < 0)
            return CSV_ENOMEM;
        if (p < n && s[p] == '"') {
            for (p++;; p++) {
                char c;
                if (p == n)
                    return CSV_EUNTERMINATED;
                c = s[p];
                if (c == '"') {
                    if (p + 1 < n && s[p + 1] == '"')
                        p++;
                    else
                        break;
                } else if (c == 0) {
                    return CSV_ENUL;
                } else if (c == '\n' || (c == '\r' && !(p + 1 < n && s[p + 1] == '\n'))) {
                    (*line)++;
                }
                if (++flen > lim->max_field_bytes)
                    return CSV_EFIELDLEN;
                if (rec_putc(r, c) < 0)
                    return CSV_ENOMEM;
            }
            p++;
            if (p < n && s[p] != ',' && !is_eol(s[p]))
                return CSV_EQUOTE;
        } else {
            for (; p < n && s[p] != ',' && !is_eol(s[p]); p++) {
                if (s[p] == '"')
                    return CSV_EQUOTE;
                if (s[p] == 0)
                    return CSV_ENUL;
                if (++flen > lim->max_field_bytes)
                    return CSV_EFIELDLEN;
                if (rec_putc(r, s[p]) < 0)
                    return CSV_ENOMEM;
            }
        }
        if (rec_putc(r, 0) < 0)
            return CSV_ENOMEM;
        if (p < n && s[p] == ',') {
            p++;
            continue;
        }
        break;
    }
    *i = p;
    return CSV_OK;
}

int csv_parse(const char *s, size_t n, const struct csv_limits *lim,
              int (*row)(void *ctx, size_t line, char **fields, size_t nfields), void *ctx,
              struct csv_error *err)
{
    struct csv_limits l = {CSV_DEFAULT_MAX_FIELDS, CSV_DEFAULT_MAX_FIELD_BYTES,
                           CSV_DEFAULT_MAX_RECORDS};
    struct record r = {0};
    size_t i = 0, line = 1, records = 0, eline = 0;
    int rc = CSV_OK;

    if (lim) {
        if (lim->max_fields)
            l.max_fields = lim->max_fields;
        if (lim->max_field_bytes)
            l.max_field_bytes = lim->max_field_bytes;
        if (lim->max_records)
            l.max_records = lim->max_records;
    }
    while (i < n) {
        size_t start = line;
        if (s[i] == '\r' || s[i] == '\n') {
            /* An empty line. */
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
            line++;
            continue;
        }
        eline = start;
        if (records == l.max_records) {
            rc = CSV_ERECORDS;
            break;
        }
        rc = read_record(s, n, &i, &line, &l, &r, &eline);
        if (rc != CSV_OK)
            break;
        if (i < n) {
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
            line++;
        }
        records++;
        for (size_t f = 0; f < r.nf; f++)
            r.fields[f] = r.buf + r.off[f];
        eline = start;
        if (row && row(ctx, start, r.fields, r.nf)) {
            rc = CSV_ESTOPPED;
            break;
        }
    }
    free(r.buf);
    free(r.off);
    free(r.fields);
    if (err) {
        err->line = rc == CSV_OK ? 0 : eline;
        err->code = rc;
    }
    return rc;
}
