/*
 * rawscan.h — the raw bytes of a connection, checked before the HTTP
 * library parses them.
 *
 * libmicrohttpd 0.9.75 cuts a header value at a NUL before we see it, waits
 * for a whole header block after a garbage request line, and answers some
 * errors of its own (a Content-Length that is not a number, a header block
 * too large for its memory, an HTTP version it does not speak) with a
 * response whose status line and headers are sent twice.  This scanner reads
 * the same bytes first, as they arrive, and finds those requests while the
 * library has not yet answered: a request line that is not
 * "METHOD SP TARGET SP HTTP/1.x" (400; another HTTP version 505), a head
 * larger than max_head (414 while still in the request line, else 431), a
 * header line that is not "token: value" (whitespace before the colon, a
 * folded line), a NUL, bare CR or other control character, a Content-Length
 * that is not a number.  It follows each message's body (Content-Length or
 * chunked) to find where the next request begins on a kept-alive
 * connection; after a transfer coding it does not know it stops looking
 * (the server refuses that request and closes).  The rules of framing.h
 * (duplicates, Host) stay there, on the parsed headers.  No I/O here.
 */
#ifndef LAUREL_RAWSCAN_H
#define LAUREL_RAWSCAN_H

#include <stddef.h>
#include <stdint.h>

struct rawscan {
    unsigned char state;
    unsigned char field;    /* the header being read: other, Content-Length, Transfer-Encoding */
    unsigned char cr;       /* a CR was just seen */
    unsigned char digits;   /* digits so far: of a Content-Length value, or of a chunk size */
    unsigned char ows_tail; /* OWS after the Content-Length digits */
    unsigned char has_cl, chunked, te_other;
    unsigned version_len;
    char version[9];
    char name[18]; /* the header's name, lower-cased, as far as it fits */
    char te[12];
    unsigned te_len;
    size_t head_len, name_len;
    size_t target_len; /* bytes of the request target, or of a chunked trailer line */
    uint64_t cl, line_cl, remaining;
    unsigned heads; /* request heads completed on this connection */
    int status;     /* once refused: the status; the scanner stays refused */
    const char *why;
};

/*
 * Take the next n bytes of the connection.  0: all sound so far.  Else the
 * status to refuse with (400, 414, 431, 505); *why names the reason in
 * English, *start is the offset in p where the refused request began (0
 * when it began in an earlier call) and s->heads counts the requests before
 * it.  Once refused, every later call answers the same.
 */
int rawscan_feed(struct rawscan *s, const char *p, size_t n, size_t max_head, size_t *start,
                 const char **why);

/* 1 while a request's head has begun (a byte of it has arrived) and not ended. */
int rawscan_in_head(const struct rawscan *s);

#endif
