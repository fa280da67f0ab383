/*
 * rawguard.h — each HTTP connection's bytes pass rawscan.h before
 * libmicrohttpd reads them, and a request it refuses is answered here.
 *
 * libmicrohttpd 0.9.75 reads its connections with recv(2) and offers no
 * hook over the raw bytes, so this module defines recv(): for a socket the
 * server has registered it reads as the system call would, feeds the bytes
 * to the connection's scanner and, when a request is refused, hands the
 * library only the bytes before it.  The refusal (400, 414, 431 or 505,
 * "Connection: close", in Chinese and English as the head's language is
 * not known yet) is written here once every earlier request on the
 * connection has been answered; then the library reads end of file and
 * closes.  Every other socket and file is read exactly as without it.
 */
#ifndef LAUREL_RAWGUARD_H
#define LAUREL_RAWGUARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "http/rawscan.h"

struct rawguard_conn {
    int fd;
    struct rawscan scan;
    _Atomic unsigned done;   /* requests on this connection answered by the server */
    _Atomic int refused;     /* the refusal's status, once the scanner has refused */
    _Atomic int answered;    /* the refusal has been written */
    _Atomic double head_began_ms; /* clock_ms() of a request head's first byte; 0: none begun */
};

/* Before serving: heads larger than max_head bytes are refused. */
void rawguard_start(size_t max_head);

/* How many descriptors its table covers (0, 1, …, n - 1; from RLIMIT_NOFILE). */
size_t rawguard_fds(void);

/* A new connection on fd (g zeroed by the caller), and its end (before close). */
void rawguard_open(struct rawguard_conn *g, int fd);
void rawguard_close(struct rawguard_conn *g);

/* The server has answered one more request on g's connection. */
void rawguard_done(struct rawguard_conn *g);

/*
 * For the server's watchdog: a refusal that waited for earlier requests is
 * written now if they have all been answered, and the socket shut down so
 * that the library closes it.  1 when written.
 */
int rawguard_flush(struct rawguard_conn *g);

/* Requests refused here since the start. */
uint64_t rawguard_refused_total(void);

#endif
