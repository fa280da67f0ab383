/*
 * framing.h — RFC 9112 message framing, checked before a request is routed.
 *
 * A request whose length two readers could disagree on (a proxy in front
 * and us) is refused, so that no body can be smuggled past the proxy: two
 * different Content-Lengths, Transfer-Encoding beside Content-Length, two
 * Transfer-Encodings, a Content-Length that is not a plain number, a
 * header name that is not a token, a NUL, CR or LF in a value, two Host
 * headers, or none in HTTP/1.1.  A transfer coding other than chunked is
 * 501.  The server feeds the header lines one by one (framing_line) and
 * asks for the verdict (framing_verdict); nothing here does I/O.
 */
#ifndef LAUREL_FRAMING_H
#define LAUREL_FRAMING_H

#include <stddef.h>

struct framing {
    unsigned n_cl, n_te, n_host;
    const char *cl, *te; /* the values, as given (they must outlive the verdict) */
    int bad;             /* a line already decided 400 */
    const char *why;
};

/* Take one header line: key[0..key_size) and value[0..value_size) (value may be NULL). */
void framing_line(struct framing *f, const char *key, size_t key_size, const char *value,
                  size_t value_size);

/*
 * The verdict once every line is in, for a request of version ("HTTP/1.1",
 * "HTTP/1.0"): 0 when sound, else 400 or 501 with *why a short English
 * reason for the log and the error body.
 */
int framing_verdict(const struct framing *f, const char *version, const char **why);

#endif
