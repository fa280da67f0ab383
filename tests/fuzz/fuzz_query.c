/*
 * fuzz_query.c — libFuzzer target for the urlencoded parser and
 * percent-decoder (src/http/query.c).
 *
 * The input is a query string.  It is parsed with a fresh arena capped at
 * 1 MiB, and on success every key and value must be valid UTF-8 without a
 * NUL byte, and each vlen must equal strlen(val); query_get must find each
 * key, giving the first pair of that name.  The input is also decoded
 * whole, as a form (plus = 1) and as a path (plus = 0): a successful decode
 * must give valid UTF-8 of the reported length without NUL, no longer than
 * the input, and with plus = 0 no '+' may turn into a space.  Any broken
 * guarantee aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "http/query.h"

#define ARENA_CAP (1u << 20)

/* s must be valid UTF-8 of exactly len bytes, with no NUL before the end. */
static void check_string(const char *s, size_t len)
{
    if (!s || strlen(s) != len || !utf8_valid(s, len))
        abort();
}

static void check_decode(const uint8_t *data, size_t size, int plus)
{
    struct arena a;
    char *out = NULL;
    size_t len = 0;
    arena_init(&a, ARENA_CAP);
    enum query_rc rc = query_decode(&a, (const char *)data, size, plus, &out, &len);
    if (rc == QUERY_OK) {
        check_string(out, len);
        if (len > size)
            abort();
        /* Without an escape or a plus (form), the bytes come back unchanged. */
        if (!memchr(data, '%', size) && (!plus || !memchr(data, '+', size)) &&
            (len != size || memcmp(out, data, size) != 0))
            abort();
        /* A path keeps every '+': the output has at least as many. */
        if (!plus) {
            size_t in_plus = 0, out_plus = 0;
            for (size_t i = 0; i < size; i++)
                in_plus += data[i] == '+';
            for (size_t i = 0; i < len; i++)
                out_plus += out[i] == '+';
            if (out_plus < in_plus)
                abort();
        }
    } else if (rc != QUERY_EESCAPE && rc != QUERY_EUTF8 && rc != QUERY_ENOMEM) {
        abort();
    }
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct query q;
    arena_init(&a, ARENA_CAP);
    enum query_rc rc = query_parse(&a, (const char *)data, size, &q);
    if (rc == QUERY_OK) {
        if (q.n > QUERY_MAX_PARAMS)
            abort();
        for (size_t i = 0; i < q.n; i++) {
            const struct query_param *p = &q.v[i];
            if (!p->key || !p->val)
                abort();
            check_string(p->key, strlen(p->key));
            check_string(p->val, p->vlen);
            /* First-match semantics: query_get returns the earliest pair with this key. */
            size_t first = 0;
            while (strcmp(q.v[first].key, p->key) != 0)
                first++;
            if (query_get(&q, p->key) != q.v[first].val)
                abort();
        }
    } else if (rc != QUERY_EESCAPE && rc != QUERY_EUTF8 && rc != QUERY_ETOOMANY &&
               rc != QUERY_ENOMEM) {
        abort();
    }
    arena_release(&a);

    check_decode(data, size, 0);
    check_decode(data, size, 1);
    return 0;
}
