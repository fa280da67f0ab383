/*
 * query.c — urlencoded parsing and percent-decoding; see query.h.
 */
#include "query.h"

#include <string.h>

#include "core/utf8.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum query_rc query_decode(struct arena *a, const char *s, size_t n, int plus, char **out,
                           size_t *outlen)
{
    char *d = arena_alloc(a, n + 1);
    size_t j = 0;
    if (!d)
        return QUERY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
                (lo = hexval((unsigned char)s[i + 2])) < 0)
                return QUERY_EESCAPE;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0)
            return QUERY_EUTF8;
        d[j++] = (char)c;
    }
    d[j] = 0;
    if (!utf8_valid(d, j))
        return QUERY_EUTF8;
    *out = d;
    if (outlen)
        *outlen = j;
    return QUERY_OK;
}

enum query_rc query_add(struct arena *a, struct query *q, const char *key, const char *val,
                        size_t vlen)
{
    if (q->n == 0)
        q->cap = 0;
    if (q->n == QUERY_MAX_PARAMS)
        return QUERY_ETOOMANY;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        if (cap > QUERY_MAX_PARAMS)
            cap = QUERY_MAX_PARAMS;
        struct query_param *v = arena_alloc(a, cap * sizeof *v);
        if (!v)
            return QUERY_ENOMEM;
        if (q->n)
            memcpy(v, q->v, q->n * sizeof *v);
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (struct query_param){key, val, vlen};
    return QUERY_OK;
}

enum query_rc query_parse(struct arena *a, const char *s, size_t n, struct query *q)
{
    size_t i = 0;
    q->n = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            if (q->n == QUERY_MAX_PARAMS)
                return QUERY_ETOOMANY;
            char *key, *val;
            size_t vlen = 0;
            enum query_rc rc = query_decode(a, s + i, eq - i, 1, &key, NULL);
            if (rc != QUERY_OK)
                return rc;
            if (eq < end)
                rc = query_decode(a, s + eq + 1, end - eq - 1, 1, &val, &vlen);
            else
                rc = query_decode(a, "", 0, 1, &val, &vlen);
            if (rc != QUERY_OK)
                return rc;
            if ((rc = query_add(a, q, key, val, vlen)) != QUERY_OK)
                return rc;
        }
        i = end + 1;
    }
    return QUERY_OK;
}

const char *query_get(const struct query *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->v[i].key, key) == 0)
            return q->v[i].val;
    return NULL;
}
