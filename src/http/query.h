/*
 * query.h — the application/x-www-form-urlencoded parser (query strings and
 * form bodies) and percent-decoding of URL paths.
 *
 * Everything decoded is checked to be valid UTF-8 without NUL bytes, so a
 * handler never sees bytes it cannot print.  Results live in the request's
 * arena.
 */
#ifndef LAUREL_QUERY_H
#define LAUREL_QUERY_H

#include <stddef.h>

#include "core/arena.h"

#define QUERY_MAX_PARAMS 256 /* a bulk form ticks many boxes */

enum query_rc {
    QUERY_OK = 0,
    QUERY_EESCAPE,  /* a '%' not followed by two hex digits */
    QUERY_EUTF8,    /* decoded bytes are not UTF-8, or hold a NUL */
    QUERY_ETOOMANY, /* more than QUERY_MAX_PARAMS pairs */
    QUERY_ENOMEM,   /* the arena is exhausted */
};

struct query_param {
    const char *key;
    const char *val; /* "" for a bare key */
    size_t vlen;
};

/*
 * The pairs in order, in the arena they were parsed into (an array grown as
 * pairs come, so a request without a query string clears no room for 256).
 * A query with n = 0 holds nothing: its next pair starts a new array.
 */
struct query {
    struct query_param *v;
    size_t n, cap;
};

/* Append a pair (key and val already decoded, in a): QUERY_OK, QUERY_ETOOMANY or QUERY_ENOMEM. */
enum query_rc query_add(struct arena *a, struct query *q, const char *key, const char *val,
                        size_t vlen);

/*
 * Percent-decode s[0..n) into a NUL-terminated arena string; with plus set,
 * '+' decodes to a space (forms), else it stays (paths).
 */
enum query_rc query_decode(struct arena *a, const char *s, size_t n, int plus, char **out,
                           size_t *outlen);

/* Parse "a=1&b=%E4%B8%8A" into q.  Empty pairs ("a=1&&b=2") are skipped. */
enum query_rc query_parse(struct arena *a, const char *s, size_t n, struct query *q);

/* The value of the first pair named key, or NULL. */
const char *query_get(const struct query *q, const char *key);

#endif
