/*
 * server.h — the HTTP/1.1 front: libmicrohttpd glue.
 *
 * server_start() listens on one address with a pool of threads (poll, one
 * per core by default) and turns each request into a struct req for the
 * dispatcher, then the filled struct resp back into a response.  It enforces
 * the transport limits: header and body size, connection timeouts, a cap on
 * connections per address, and it refuses ambiguous framing with 400 and a
 * close before routing (RFC 9112: both Transfer-Encoding and Content-Length,
 * two differing Content-Length, two Transfer-Encoding, a header name with a
 * space or control character, a CR or LF in a value, a missing or second
 * Host), and a transfer coding other than chunked with 501, so that no proxy
 * in front can be desynchronised.  The port is never shared (no
 * SO_REUSEPORT).  server_stop() stops accepting, lets requests in
 * flight finish (up to a grace period) and then stops the threads.
 */
#ifndef LAUREL_SERVER_H
#define LAUREL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http/req.h"

/*
 * The Content-Security-Policy of every HTML page that sets none of its own:
 * scripts, styles, images and fonts from this site only (no inline script
 * or style), forms post here only, never framed.
 */
#define SERVER_CSP                                                                                \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "             \
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "                   \
    "form-action 'self'; frame-ancestors 'none'"

struct server_config {
    const char *listen;      /* "127.0.0.1:8080" or "[::1]:8080" */
    unsigned threads;        /* 0: one per core */
    size_t max_body;         /* bytes; larger bodies get 413 */
    size_t max_header;       /* bytes for the request line and headers; 12 KiB at most */
    unsigned timeout_s;      /* idle connection timeout */
    unsigned max_conns;      /* in all */
    unsigned max_conns_per_ip;
    /*
     * Comma-separated CIDRs of reverse proxies whose X-Forwarded-For names
     * the client (for throttles and per-address limits); NULL: none, the
     * peer's address is the client's.
     */
    const char *trusted_proxies;
    unsigned header_timeout_s; /* request line to end of headers; 0: 10 s */
    unsigned lane_from_us;     /* reads costing more on average go to the lane; 0: 1000 */
};

/* Below this rate (bytes/s, after header_timeout_s) a body's connection is cut. */
#define SERVER_MIN_BODY_RATE 512
/* Near the limit (the last 1/SERVER_HEADROOM of it) idle connections are closed. */
#define SERVER_HEADROOM 8

/*
 * The application: `begin` runs when the headers are in (it may install
 * r->sink for the body, or return an HTTP status to refuse the request at
 * once, before its body is read); `dispatch` fills w once the body is in.
 * `answer_cached` (may be NULL) is asked first for a read that would go to
 * the read lane: it fills w and returns 1 when the answer is in memory
 * already (a page-cache hit), else it leaves w untouched and returns 0.
 * All run on a server thread; `dispatch` may run on a lane thread instead.
 */
struct server_app {
    int (*begin)(struct req *r);
    void (*dispatch)(struct req *r, struct resp *w);
    int (*answer_cached)(struct req *r, struct resp *w);
    /*
     * GET /healthz answered at the door (frontdoor.h), ahead of queued
     * requests: its status, its body appended to out.  Memory only, no
     * lock a request holds.  NULL: the route answers it.
     */
    int (*health)(struct buf *out);
};

/* Counters for /metrics; updated atomically by the server threads. */
struct server_stats {
    uint64_t requests;
    uint64_t by_class[6]; /* index status/100: 1xx..5xx */
    uint64_t bytes_out;
    uint64_t connections_open;
    uint64_t rejected_framing;
    uint64_t cut_slow; /* connections cut for slow headers or body */
    uint64_t cut_idle; /* idle connections closed near the limit */
    uint64_t lane_reads; /* reads dispatched on the read lane */
    uint64_t lane_full;  /* reads answered 503 because the lane's queue was full */
    uint64_t early_hits; /* reads the lane would have taken, answered from memory at once */
    uint64_t door_health; /* health checks answered at the door (frontdoor.h) */
};

struct server;

/* Start serving.  Returns NULL with a message in err on failure.  Owned by the caller. */
struct server *server_start(const struct server_config *cfg, const struct server_app *app,
                            char *err, size_t errlen);
/* Stop gracefully (see above) and free the server. */
void server_stop(struct server *s, unsigned grace_ms);
/* A snapshot of the counters. */
void server_stats_get(struct server_stats *out);

/* The port actually bound (useful with port 0). */
unsigned server_port(const struct server *s);

#endif
