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
#include "core/lang.h"
#include "http/query.h"

#define REQ_MAX_PARAMS 4
#define RESP_MAX_HEADERS 12

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
    const char *cookie;       /* the Cookie header */
    const char *csrf_header;  /* X-CSRF-Token, for API clients */
    const char *content_type; /* of the body */
    const char *authorization; /* the Authorization header (API voter tokens) */
    const char *user_agent;
    const char *body;         /* urlencoded bodies, NUL-terminated; NULL without one */
    size_t body_len;
    int tls;                  /* X-Forwarded-Proto: https from the proxy in front */
    char ip[48];
    double started_ms;
    /*
     * A body consumer the application may install in its begin hook (for
     * streamed uploads); it returns 0, or an HTTP status to refuse at once.
     * Without one, the server gathers the body into `body` (max_body bytes).
     */
    int (*sink)(struct req *r, const char *data, size_t len);
    void *sink_ctx;
    /*
     * The largest body accepted, checked against Content-Length after the
     * begin hook (which may raise it for a route that installs a sink) and
     * against the bytes a sink receives.  Bodies gathered in memory stay
     * within the server's own max_body whatever this says.
     */
    size_t max_body;
    /* Called once when the request ends, however it ends (temp files, parsers). */
    void (*cleanup)(struct req *r);
    void *app; /* the application's per-request state */
};

/*
 * A handler that must wait — for a commit of the writer thread, for a
 * password hash on the worker pool — sets `start` and `finish` instead of
 * answering.  The server then suspends the connection (its thread goes on
 * serving others) and calls start(r, w, wake, token); the work calls
 * wake(token) exactly once, from any thread, when it is done; the server
 * then calls finish(r, w) on a server thread to fill the response.  finish
 * may set start again to wait once more.  `deferred` is the handler's.
 */
struct resp;
typedef void (*resp_wake_fn)(void *token);

struct resp {
    int status;
    const char *content_type;
    struct buf body;
    const char *headers[RESP_MAX_HEADERS][2];
    size_t nheaders;
    void (*start)(struct req *r, struct resp *w, resp_wake_fn wake, void *token);
    void (*finish)(struct req *r, struct resp *w);
    void *deferred;
};

/* Add a header (name and value must outlive the response: literals or arena). */
void resp_header(struct resp *w, const char *name, const char *value);

#endif
