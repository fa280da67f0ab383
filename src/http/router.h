/*
 * router.h — matching a method and a decoded path against a route table.
 *
 * A pattern is a path whose segments are literals, "{name}" (captures one
 * non-empty segment) or, last, "{*}" (captures the rest, slashes included).
 * The table is the application's (web/routes.c): an array of struct route,
 * searched in order.
 */
#ifndef LAUREL_ROUTER_H
#define LAUREL_ROUTER_H

#include <stddef.h>

#include "http/req.h"

enum router_rc { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_BAD_METHOD };

struct route {
    const char *method;  /* "GET" also answers HEAD */
    const char *pattern;
    const void *target;  /* the application's handler record */
};

/*
 * Find the first route matching method and path; on ROUTER_FOUND, *found is
 * its index and r->params / r->nparams hold the captures (pointers into the
 * arena).  ROUTER_BAD_METHOD: some route matched the path but none the method.
 */
enum router_rc router_find(const struct route *table, size_t n, struct req *r, size_t *found);

/* 1 if pattern matches path; captures go to r->params when r is not NULL. */
int router_match(const char *pattern, const char *path, struct req *r);

#endif
