/*
 * req.h — a request and its response as handlers see them.
 *
 * The server (server.c) fills a struct req from libmicrohttpd and hands it,
 * with an empty struct resp, to the application's dispatcher; handlers never
 * touch libmicrohttpd.  Everything a request allocates comes from r->arena
 * and dies when the request completes; the response body is a buffer whose
 * bytes the server hands to libmicrohttpd.
 */
#ifndef LAUREL_REQ_H
#define LAUREL_REQ_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "http/query.h"
#include "view/i18n.h"

#define REQ_MAX_PARAMS 4
#define RESP_MAX_HEADERS 8

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_OTHER };

struct req {
    struct arena arena;
    enum http_method method;
    const char *method_name;
    const char *uri;     /* as received: path and query, undecoded */
    char *path;          /* percent-decoded, valid UTF-8 */
    struct query query;  /* parsed query string */
    const char *params[REQ_MAX_PARAMS]; /* route captures, in pattern order */
    size_t nparams;
    enum lang lang;
    int json;            /* the client wants the model as JSON */
    int api;             /* the path began with /api/v1 */
    const char *if_none_match;
    const char *if_modified_since;
    char ip[48];
    double started_ms;
};

struct resp {
    int status;
    const char *content_type;
    struct buf body;
    const char *headers[RESP_MAX_HEADERS][2];
    size_t nheaders;
};

/* Add a header (name and value must outlive the response: literals or arena). */
void resp_header(struct resp *w, const char *name, const char *value);

#endif
