/*
 * router.c — segment-wise pattern matching over a route table; see router.h.
 */
#include "router.h"

#include <string.h>

int router_match(const char *pattern, const char *path, struct req *r)
{
    const char *p = pattern, *s = path;
    size_t ncap = 0;
    const char *caps[REQ_MAX_PARAMS];
    size_t caplen[REQ_MAX_PARAMS];

    while (*p) {
        if (p[0] == '{' && p[1] == '*') {
            if (ncap == REQ_MAX_PARAMS || *s == 0)
                return 0;
            caps[ncap] = s;
            caplen[ncap++] = strlen(s);
            s += strlen(s);
            p = strchr(p, '}');
            if (!p)
                return 0;
            p++;
            continue;
        }
        if (*p == '{') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || ncap == REQ_MAX_PARAMS)
                return 0;
            caps[ncap] = s;
            caplen[ncap++] = len;
            s += len;
            p = strchr(p, '}');
            if (!p)
                return 0;
            p++;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*s)
        return 0;
    if (r) {
        for (size_t i = 0; i < ncap; i++) {
            r->params[i] = arena_strndup(&r->arena, caps[i], caplen[i]);
            if (!r->params[i])
                return 0;
        }
        r->nparams = ncap;
    }
    return 1;
}

enum router_rc router_find(const struct route *table, size_t n, struct req *r, size_t *found)
{
    int path_seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!router_match(table[i].pattern, r->path, NULL))
            continue;
        path_seen = 1;
        int ok = strcmp(table[i].method, r->method_name) == 0 ||
                 (r->method == HTTP_HEAD && strcmp(table[i].method, "GET") == 0);
        if (!ok)
            continue;
        if (!router_match(table[i].pattern, r->path, r))
            return ROUTER_NOT_FOUND; /* the captures did not fit in the arena */
        *found = i;
        return ROUTER_FOUND;
    }
    return path_seen ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}
