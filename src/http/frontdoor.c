/*
 * frontdoor.c — the accept thread and its health checks; see frontdoor.h.
 *
 * One thread, one epoll set: the listening socket, an eventfd that stops
 * the thread, and the connections waiting for their first bytes (a small
 * table, oldest first).  A connection is decided on its first readable
 * bytes, peeked: a health check is read (its head only), answered with
 * one send and then passed on or closed; anything else is passed on with
 * its bytes unread, so rawguard and libmicrohttpd see it as if they had
 * accepted it themselves.  The check's head is taken only when it is
 * plain: exact request line, well-formed header lines, none that carries
 * a body, a cookie or a forwarded address (those go the full way).
 */
#include "http/frontdoor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/rawscan.h"


struct waiting {
    int fd; /* -1: free */
    double since_ms;
    struct sockaddr_storage sa;
    socklen_t salen;
};

struct frontdoor {
    struct frontdoor_app app;
    int listen_fd, ep, stop_fd;
    pthread_t thread;
    struct waiting wait[FRONTDOOR_PENDING];
    unsigned nwaiting;
};

static _Atomic unsigned long long answered_total;

unsigned long long frontdoor_answered_total(void)
{
    return answered_total;
}

/* Case-insensitive: is the header line [name, colon) called want? */
static int named(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int frontdoor_is_health(const char *p, size_t n, int *keep)
{
    static const char line[] = "GET /healthz HTTP/1.";
    size_t ll = sizeof line - 1;
    if (memcmp(p, line, n < ll ? n : ll) != 0)
        return 0;
    if (n < ll + 3)
        return -1;
    int minor = p[ll] == '1' ? 1 : p[ll] == '0' ? 0 : -1;
    if (minor < 0 || p[ll + 1] != '\r' || p[ll + 2] != '\n')
        return 0;
    int hosts = 0, close = minor == 0;
    for (size_t at = ll + 3;;) {
        if (at + 2 > n)
            return n < FRONTDOOR_PEEK ? -1 : 0;
        if (p[at] == '\r' && p[at + 1] == '\n') {
            if (at + 2 != n || hosts > 1 || (minor == 1 && hosts != 1))
                return 0; /* bytes after the head, or no single Host */
            /* And a head the raw guard lets through, as it would on the full way. */
            struct rawscan sc = {0};
            size_t start;
            const char *why;
            if (rawscan_feed(&sc, p, n, FRONTDOOR_PEEK, &start, &why) != 0 || sc.heads != 1)
                return 0;
            *keep = !close;
            return 1;
        }
        size_t name = at;
        while (at < n && (p[at] == '-' || (p[at] >= '0' && p[at] <= '9') ||
                          ((p[at] | 0x20) >= 'a' && (p[at] | 0x20) <= 'z')))
            at++;
        if (at == n)
            return n < FRONTDOOR_PEEK ? -1 : 0;
        if (at == name || p[at] != ':')
            return 0;
        size_t nlen = at - name, value = ++at;
        while (at < n && ((unsigned char)p[at] >= 0x20 && p[at] != 0x7f ? 1 : p[at] == '\t'))
            at++;
        if (at + 2 > n)
            return n < FRONTDOOR_PEEK ? -1 : 0;
        if (p[at] != '\r' || p[at + 1] != '\n')
            return 0;
        const char *h = p + name;
        if (named(h, nlen, "Content-Length") || named(h, nlen, "Transfer-Encoding") ||
            named(h, nlen, "Cookie") || named(h, nlen, "X-Forwarded-For") ||
            named(h, nlen, "Expect") || named(h, nlen, "Upgrade"))
            return 0;
        hosts += named(h, nlen, "Host");
        if (named(h, nlen, "Connection")) {
            for (size_t i = value; i + 5 <= at; i++)
                if (strncasecmp(p + i, "close", 5) == 0)
                    close = 1;
        }
        at += 2;
    }
}

static void peer(const struct waiting *w, char *ip, size_t len)
{
    ip[0] = 0;
    if (w->sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&w->sa)->sin_addr, ip, (socklen_t)len);
    else if (w->sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&w->sa)->sin6_addr, ip,
                  (socklen_t)len);
}

/* Answer the health check whose head (hlen bytes) waits on w; 1 if the connection goes on. */
static int answer(struct frontdoor *d, struct waiting *w, size_t hlen, int keep)
{
    double t0 = clock_ms();
    char sink[FRONTDOOR_PEEK];
    if (recv(w->fd, sink, hlen, MSG_DONTWAIT) != (ssize_t)hlen)
        return 0;
    struct buf body = BUF_INIT;
    buf_init(&body, 0);
    int status = d->app.health(d->app.cls, &body);
    char date[64], head[768];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
                     "Cache-Control: no-store\r\nReferrer-Policy: same-origin\r\n%s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     status, status == 200 ? "OK" : "Service Unavailable", date,
                     keep ? "Keep-Alive: timeout=25" : "Connection: close", body.len);
    int sent = 0;
    if (n > 0 && (size_t)n < sizeof head && !body.oom) {
        struct iovec iov[2] = {{head, (size_t)n}, {body.p ? body.p : "", body.len}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
        sent = sendmsg(w->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n + (ssize_t)body.len;
    }
    answered_total++;
    char ip[INET6_ADDRSTRLEN];
    peer(w, ip, sizeof ip);
    d->app.answered(d->app.cls, ip, status, body.len, clock_ms() - t0);
    buf_release(&body);
    return sent && keep;
}

/* Take w out of the table; the connection is passed on, or closed when close_it. */
static void let_go(struct frontdoor *d, struct waiting *w, int close_it)
{
    epoll_ctl(d->ep, EPOLL_CTL_DEL, w->fd, NULL);
    if (close_it)
        close(w->fd);
    else
        d->app.pass(d->app.cls, w->fd, (struct sockaddr *)&w->sa, w->salen);
    w->fd = -1;
    d->nwaiting--;
}

/* Look at w's first bytes: decide, or leave it waiting (0: still waiting). */
static int decide(struct frontdoor *d, struct waiting *w)
{
    char p[FRONTDOOR_PEEK];
    ssize_t n = recv(w->fd, p, sizeof p, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    int keep = 0;
    int is = n > 0 && d->app.health ? frontdoor_is_health(p, (size_t)n, &keep) : 0;
    if (is < 0)
        return 0;
    if (is == 1 && !answer(d, w, (size_t)n, keep)) {
        shutdown(w->fd, SHUT_WR);
        let_go(d, w, 1);
        return 1;
    }
    let_go(d, w, 0);
    return 1;
}

static void take(struct frontdoor *d)
{
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        int fd = accept4(d->listen_fd, (struct sockaddr *)&sa, &salen,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or an error the next wake-up meets again */
        if (!d->app.open(d->app.cls)) {
            close(fd);
            continue;
        }
        if (d->nwaiting == FRONTDOOR_PENDING) {
            /* Full: the oldest goes on as it is. */
            struct waiting *old = NULL;
            for (unsigned i = 0; i < FRONTDOOR_PENDING; i++)
                if (d->wait[i].fd >= 0 && (!old || d->wait[i].since_ms < old->since_ms))
                    old = &d->wait[i];
            let_go(d, old, 0);
        }
        struct waiting *w = NULL;
        for (unsigned i = 0; !w && i < FRONTDOOR_PENDING; i++)
            if (d->wait[i].fd < 0)
                w = &d->wait[i];
        w->fd = fd;
        w->since_ms = clock_ms();
        w->sa = sa;
        w->salen = salen;
        d->nwaiting++;
        /* Edge-triggered: peeked bytes stay readable, and a head in parts must not spin. */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = w};
        if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            d->nwaiting--;
            w->fd = -1;
            d->app.pass(d->app.cls, fd, (struct sockaddr *)&sa, salen);
            continue;
        }
        decide(d, w);
    }
}

/*
 * The door above the server's threads.  Where the process may (CAP_SYS_NICE
 * or RLIMIT_RTPRIO), the lowest real-time priority, SCHED_FIFO 1: its work
 * is bounded (an accept, a peek, one small answer, a hand-over), so it takes
 * a core the moment a connection or a probe comes and gives it back at once,
 * and the kernel's real-time throttling bounds it even so.  Else
 * FRONTDOOR_BOOST less niceness, where that is allowed; else the threads'
 * own.  With niceness alone a probe on a machine busier than its cores
 * still waited milliseconds for one (docs/BENCHMARKS.md, "`/healthz` p99
 * under a storm: the door at real-time priority").
 */
static void door_priority(void)
{
    pthread_setname_np(pthread_self(), "laurel-door");
    struct sched_param fifo = {.sched_priority = 1};
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) == 0)
        return;
    id_t tid = (id_t)gettid();
    errno = 0;
    int niceness = getpriority(PRIO_PROCESS, tid) - FRONTDOOR_BOOST;
    if (!errno)
        (void)setpriority(PRIO_PROCESS, tid, niceness < -20 ? -20 : niceness);
}

static void *door_main(void *arg)
{
    struct frontdoor *d = arg;
    door_priority();
    for (;;) {
        struct epoll_event ev[64];
        int n = epoll_wait(d->ep, ev, 64, d->nwaiting ? FRONTDOOR_WAIT_MS : -1);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == &d->stop_fd)
                return NULL;
            if (ev[i].data.ptr == &d->listen_fd)
                take(d);
            else if (((struct waiting *)ev[i].data.ptr)->fd >= 0)
                decide(d, ev[i].data.ptr);
        }
        if (!d->nwaiting)
            continue;
        double now = clock_ms();
        for (unsigned i = 0; i < FRONTDOOR_PENDING; i++)
            if (d->wait[i].fd >= 0 && now - d->wait[i].since_ms >= FRONTDOOR_WAIT_MS)
                let_go(d, &d->wait[i], 0);
    }
}

struct frontdoor *frontdoor_start(int listen_fd, const struct frontdoor_app *app)
{
    struct frontdoor *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->app = *app;
    d->listen_fd = listen_fd;
    for (unsigned i = 0; i < FRONTDOOR_PENDING; i++)
        d->wait[i].fd = -1;
    d->ep = epoll_create1(EPOLL_CLOEXEC);
    d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event l = {.events = EPOLLIN, .data.ptr = &d->listen_fd};
    struct epoll_event s = {.events = EPOLLIN, .data.ptr = &d->stop_fd};
    if (d->ep < 0 || d->stop_fd < 0 || epoll_ctl(d->ep, EPOLL_CTL_ADD, listen_fd, &l) != 0 ||
        epoll_ctl(d->ep, EPOLL_CTL_ADD, d->stop_fd, &s) != 0 ||
        pthread_create(&d->thread, NULL, door_main, d) != 0) {
        if (d->ep >= 0)
            close(d->ep);
        if (d->stop_fd >= 0)
            close(d->stop_fd);
        free(d);
        return NULL;
    }
    return d;
}

void frontdoor_stop(struct frontdoor *d)
{
    if (!d)
        return;
    uint64_t one = 1;
    (void)!write(d->stop_fd, &one, sizeof one);
    pthread_join(d->thread, NULL);
    for (unsigned i = 0; i < FRONTDOOR_PENDING; i++)
        if (d->wait[i].fd >= 0)
            close(d->wait[i].fd);
    close(d->ep);
    close(d->stop_fd);
    free(d);
}
