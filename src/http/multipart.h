/*
 * multipart.h — a streaming multipart/form-data parser (RFC 7578, RFC 2046).
 *
 * The caller feeds the request body in pieces of any size; the parser calls
 * back at the start of each part (with its name, filename and content type),
 * for each run of body bytes, and at the end of each part.  Body bytes are
 * passed on as they arrive: the only bytes held back are those that might be
 * the start of the next delimiter ("\r\n--" boundary, at most 74 bytes).  The
 * header block of a part is buffered, up to MULTIPART_HEADER_MAX bytes.
 *
 * The sequence of callbacks, with the data of each part concatenated, is the
 * same however the body is split into multipart_feed() calls; so is the final
 * result (the first error, which every later call returns again).
 *
 * Framing is strict CRLF, as every browser and curl send it: a bare LF or a
 * bare CR in a delimiter line or a header block is MULTIPART_ESYNTAX, and
 * "\n--boundary" inside a part is data.  Tolerating bare LF in delimiters
 * would make such file content ambiguous, and tolerating it only in headers
 * would not help a client that sends it everywhere.
 *
 * Further rules: the body may open with the first delimiter or with a
 * preamble (ignored); a delimiter line may carry trailing spaces and tabs;
 * everything after the closing delimiter is ignored; a delimiter followed by
 * anything else (the boundary as a prefix of a longer line) is a syntax
 * error.  Each part needs a Content-Disposition of type form-data with a
 * non-empty name; filename* (RFC 5987, UTF-8 only) is preferred over
 * filename; parameter values may be tokens or quoted strings with backslash
 * escapes; header lines may be folded.  Name, filename and content type must
 * be UTF-8 without control characters.  Other part headers are ignored.
 */
#ifndef LAUREL_MULTIPART_H
#define LAUREL_MULTIPART_H

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70
#define MULTIPART_HEADER_MAX (8u * 1024u)

enum multipart_rc {
    MULTIPART_OK = 0,
    MULTIPART_ESYNTAX,    /* bad delimiter line, bare CR or LF */
    MULTIPART_EHEADER,    /* part headers too long, malformed, or without a name */
    MULTIPART_ETRUNCATED, /* the body ended before the closing delimiter */
    MULTIPART_ESTOPPED,   /* a callback returned non-zero */
    MULTIPART_ENOMEM,     /* out of memory */
    MULTIPART__MAX
};

/*
 * The callbacks; any of them may be NULL.  The strings passed to part_begin
 * live until it returns.  filename is NULL when the part has none ("" when
 * the form sent an empty file input); content_type is "" when absent, else
 * the whole header value, parameters included ("text/plain; charset=utf-8").
 * part_data is called zero or more times per part, with pieces of any size.
 * A callback returning non-zero stops the parser: no further callbacks are
 * made and every call returns MULTIPART_ESTOPPED.
 */
struct multipart_cb {
    void *ctx;
    int (*part_begin)(void *ctx, const char *name, const char *filename, const char *content_type);
    int (*part_data)(void *ctx, const char *data, size_t len);
    int (*part_end)(void *ctx);
};

struct multipart;

/*
 * Copy the boundary parameter of a Content-Type header value into out as a
 * NUL-terminated string.  The media type must be multipart/form-data; the
 * parameter name is matched case-insensitively; the value may be quoted.
 * Returns 0, or -1 if absent, invalid (1-70 RFC 2046 bchars, not ending in
 * a space), given twice, or longer than outlen - 1.
 */
int multipart_boundary(const char *content_type, char *out, size_t outlen);

/*
 * A parser for a body delimited by boundary (as from multipart_boundary),
 * calling back through a copy of *cb.  NULL if the boundary is invalid or
 * memory is short.
 */
struct multipart *multipart_new(const char *boundary, const struct multipart_cb *cb);

/*
 * Parse the next len bytes of the body.  Returns MULTIPART_OK or an error;
 * after an error, every call returns that error again without parsing.
 */
int multipart_feed(struct multipart *m, const char *data, size_t len);

/*
 * Declare the end of the body.  Returns MULTIPART_OK if the closing
 * delimiter was seen, MULTIPART_ETRUNCATED if not, or an earlier error.
 */
int multipart_finish(struct multipart *m);

void multipart_free(struct multipart *m);

/* A short English description of a multipart_rc, for logs. */
const char *multipart_strerror(int rc);

#endif
