/*
 * rawguard.c — recv(2) for the server's sockets through rawscan; see
 * rawguard.h.
 *
 * The table maps a socket to its connection; it is sized once, at start,
 * by the process's limit on open files (a socket beyond it is read
 * unchecked).  A connection is registered and removed by the thread that
 * serves it, before its first read and before its close, so a socket
 * number reused later by anything else is never mistaken for it.
 */
#include "http/rawguard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

#define MAX_TABLE (1u << 20)

static _Atomic(struct rawguard_conn *) *table;
static size_t table_len;
static size_t guard_max_head = 32u << 10;
static _Atomic uint64_t refused_total;

/* The system call itself (glibc's recv would be this very function). */
static ssize_t sys_recv(int fd, void *buf, size_t len, int flags)
{
    return (ssize_t)syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

void rawguard_start(size_t max_head)
{
    guard_max_head = max_head;
    if (table)
        return;
    struct rlimit rl;
    size_t n = 4096;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        n = rl.rlim_cur;
    if (n > MAX_TABLE)
        n = MAX_TABLE;
    table = calloc(n, sizeof *table);
    table_len = table ? n : 0;
}

size_t rawguard_fds(void)
{
    return table_len;
}

void rawguard_open(struct rawguard_conn *g, int fd)
{
    g->fd = fd;
    if (fd >= 0 && (size_t)fd < table_len)
        atomic_store(&table[fd], g);
}

void rawguard_close(struct rawguard_conn *g)
{
    if (g->fd >= 0 && (size_t)g->fd < table_len)
        atomic_store(&table[g->fd], NULL);
}

void rawguard_done(struct rawguard_conn *g)
{
    g->done++;
}

uint64_t rawguard_refused_total(void)
{
    return refused_total;
}

static const char *reason(int status, const char **zh)
{
    switch (status) {
    case 414:
        *zh = "请求地址过长";
        return "URI Too Long";
    case 431:
        *zh = "请求头过大";
        return "Request Header Fields Too Large";
    case 505:
        *zh = "不支持的 HTTP 版本";
        return "HTTP Version Not Supported";
    default:
        *zh = "请求无效";
        return "Bad Request";
    }
}

/* Write the refusal, read what the client sent after it, and log it. */
static void answer(struct rawguard_conn *g)
{
    int status = g->refused;
    const char *zh, *en = reason(status, &zh);
    char body[256], head[512], date[64];
    int blen = snprintf(body, sizeof body, "%d %s (%s): %s.\n", status, zh, en,
                        g->scan.why ? g->scan.why : "a malformed request");
    if (blen < 0 || (size_t)blen >= sizeof body)
        blen = (int)sizeof body - 1;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Length: %d\r\nCache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
                        status, en, date, blen);
    if (hlen > 0 && (size_t)hlen < sizeof head) {
        struct iovec iov[2] = {{head, (size_t)hlen}, {body, (size_t)blen}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
        (void)sendmsg(g->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    /*
     * Read what is already here, so that the close does not reset the
     * connection (a reset can discard the answer before the client reads it).
     */
    char sink[4096];
    for (int i = 0; i < 16 && sys_recv(g->fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
        ;
    shutdown(g->fd, SHUT_WR);
    refused_total++;
    char ip[INET6_ADDRSTRLEN] = "";
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    if (getpeername(g->fd, (struct sockaddr *)&sa, &salen) == 0) {
        if (sa.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, ip, sizeof ip);
        else if (sa.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, ip, sizeof ip);
    }
    log_access(ip, "-", "-", status, (size_t)blen, 0);
}

/* Answer if every request before the refused one has been answered; 1 if written (now). */
static int try_answer(struct rawguard_conn *g)
{
    if (g->done < g->scan.heads)
        return 0;
    int no = 0;
    if (!atomic_compare_exchange_strong(&g->answered, &no, 1))
        return 0;
    answer(g);
    return 1;
}

int rawguard_flush(struct rawguard_conn *g)
{
    if (!g->refused || g->answered || !try_answer(g))
        return 0;
    shutdown(g->fd, SHUT_RDWR); /* wakes the library, which reads end of file and closes */
    return 1;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    struct rawguard_conn *g =
        fd >= 0 && (size_t)fd < table_len ? atomic_load(&table[fd]) : NULL;
    if (!g || (flags & MSG_PEEK))
        return sys_recv(fd, buf, len, flags);
    if (g->refused) {
        if (try_answer(g) || g->answered)
            return 0;
        errno = EAGAIN; /* earlier requests are still being answered */
        return -1;
    }
    ssize_t n = sys_recv(fd, buf, len, flags);
    if (n <= 0)
        return n;
    size_t start;
    const char *why;
    int status = rawscan_feed(&g->scan, buf, (size_t)n, guard_max_head, &start, &why);
    if (!rawscan_in_head(&g->scan))
        g->head_began_ms = 0;
    else if (!g->head_began_ms)
        g->head_began_ms = clock_ms();
    if (!status)
        return n;
    g->refused = status;
    if (start > 0)
        return (ssize_t)start; /* the requests before it go on; the refusal waits for them */
    if (try_answer(g))
        return 0;
    errno = EAGAIN;
    return -1;
}
