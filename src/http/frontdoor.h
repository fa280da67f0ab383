/*
 * frontdoor.h — the server's accept thread: health checks answered at the door.
 *
 * The door owns the listening socket.  It accepts every connection, looks
 * (MSG_PEEK) at its first bytes and, when they are exactly one health check
 * (`GET /healthz`, no body, no cookie, nothing after the head), answers it
 * there and then, before any request queued on the server's threads; the
 * connection then goes on to the server (keep-alive) or is closed (the
 * client asked so).  Every other connection goes on untouched, its bytes
 * still unread, as soon as its first bytes arrive, or after
 * FRONTDOOR_WAIT_MS if none do (a client connected ahead of its request).
 * So a load balancer's probe never waits behind a storm of page requests,
 * and what it measures (the process accepts and answers, the storage is
 * sound) is still what the full route says.
 */
#ifndef LAUREL_FRONTDOOR_H
#define LAUREL_FRONTDOOR_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/buf.h"

/* How long a connection that has sent nothing waits at the door before it goes on. */
#define FRONTDOOR_WAIT_MS 20
/* Without real-time priority: less niceness for the door's thread, where the process may. */
#define FRONTDOOR_BOOST 5
/* A health check's head fits in this; a longer one goes the full way. */
#define FRONTDOOR_PEEK 4096
/* Connections waiting at the door at most; past it the oldest goes on at once. */
#define FRONTDOOR_PENDING 256

struct frontdoor_app {
    void *cls;
    /* 1 while new connections are taken; 0 once the server stops (they are closed). */
    int (*open)(void *cls);
    /* A connection for the server (it owns fd from then on, closes it on failure). */
    void (*pass)(void *cls, int fd, const struct sockaddr *sa, socklen_t len);
    /* The health check's status, its body appended to out; NULL: none answered at the door. */
    int (*health)(void *cls, struct buf *out);
    /* A check answered at the door: for the access log and the counters. */
    void (*answered)(void *cls, const char *ip, int status, size_t bytes, double ms);
};

struct frontdoor;

/* Start the door's thread on listen_fd (listening); NULL on failure (nothing started). */
struct frontdoor *frontdoor_start(int listen_fd, const struct frontdoor_app *app);
/* Stop the thread; connections still waiting are closed.  The listening socket is the caller's. */
void frontdoor_stop(struct frontdoor *d);
/* Health checks answered at the door so far (for /metrics and tests). */
unsigned long long frontdoor_answered_total(void);

/*
 * Whether the n bytes at p are exactly one health check: 1 (*keep: the
 * client keeps the connection), 0 not one (or more than one), -1 perhaps
 * one not yet complete.  Exposed for the unit test and the fuzz target.
 */
int frontdoor_is_health(const char *p, size_t n, int *keep);

#endif
