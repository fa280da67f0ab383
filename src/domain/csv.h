/*
 * csv.h — reading CSV files for import: encoding detection and RFC 4180
 * parsing.
 *
 * csv_to_utf8 turns the uploaded bytes into UTF-8: a UTF-8 BOM is removed;
 * bytes that are valid UTF-8 are kept; anything else is taken to be GB18030
 * (a superset of GBK and GB2312, which is what Excel on Chinese Windows
 * writes as "CSV") and converted with iconv.  A file with a UTF-8 BOM that
 * is not valid UTF-8, one that is not valid GB18030 either, or one holding a
 * NUL byte (UTF-16, binary files) is rejected.
 *
 * csv_parse reads RFC 4180 records: comma-separated fields, fields in double
 * quotes with "" for a quote and embedded line breaks kept as they are.
 * Outside quotes CRLF, LF and a lone CR each end a line; empty lines are
 * skipped; the last line needs no line break.  Strict on quotes: a quote in
 * the middle of an unquoted field, or anything but a comma or a line break
 * after a closing quote, is an error (spaces are data, so ` "x"` is one).
 * Each record is passed to a callback with its fields as NUL-terminated
 * strings.  Limits bound the work an upload can cause.
 */
#ifndef LAUREL_CSV_H
#define LAUREL_CSV_H

#include <stddef.h>

#define CSV_DEFAULT_MAX_FIELDS 256
#define CSV_DEFAULT_MAX_FIELD_BYTES (64u * 1024u)
#define CSV_DEFAULT_MAX_RECORDS 100000

enum csv_rc {
    CSV_OK = 0,
    CSV_EENCODING,     /* neither UTF-8 nor GB18030, or holds a NUL byte */
    CSV_EUNTERMINATED, /* end of file inside a quoted field */
    CSV_EQUOTE,        /* a quote inside an unquoted field, or text after a closing quote */
    CSV_EFIELDS,       /* more than max_fields fields in a record */
    CSV_EFIELDLEN,     /* a field longer than max_field_bytes */
    CSV_ERECORDS,      /* more than max_records records */
    CSV_ENUL,          /* a NUL byte in the input */
    CSV_ESTOPPED,      /* the row callback returned non-zero */
    CSV_ENOMEM,        /* out of memory */
    CSV__MAX
};

/* Limits; a zero member means its CSV_DEFAULT_ value. */
struct csv_limits {
    size_t max_fields;      /* per record */
    size_t max_field_bytes; /* per field, after unquoting */
    size_t max_records;     /* per file, empty lines not counted */
};

/*
 * Where csv_parse failed: line is the 1-based line on which the offending
 * field starts (for CSV_EUNTERMINATED the line of the opening quote; for
 * CSV_ERECORDS and CSV_ESTOPPED the line on which the record starts).
 */
struct csv_error {
    size_t line;
    int code;
};

/*
 * Convert the file in[0..n) to UTF-8 in a malloc'd, NUL-terminated *out
 * (length *outlen, without the NUL; the caller frees it), and set *encoding
 * to "UTF-8", "UTF-8 with BOM" or "GB18030".  Returns CSV_OK, CSV_EENCODING
 * or CSV_ENOMEM; on error *out is NULL.
 */
int csv_to_utf8(const char *in, size_t n, char **out, size_t *outlen, const char **encoding);

/*
 * Parse s[0..n), calling row(ctx, line, fields, nfields) for each record,
 * line being the 1-based line on which it starts.  The fields and their
 * array belong to the parser and stay valid until row returns; row may
 * modify them in place.  lim may be NULL (all defaults).  Returns CSV_OK or
 * an error code, which is also stored with its line in *err (if err is not
 * NULL; on success err->line is 0).
 */
int csv_parse(const char *s, size_t n, const struct csv_limits *lim,
              int (*row)(void *ctx, size_t line, char **fields, size_t nfields), void *ctx,
              struct csv_error *err);

/* A short English reason for a csv_rc, for the caller to translate. */
const char *csv_strerror(int code);

#endif
