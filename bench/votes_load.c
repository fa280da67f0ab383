/*
 * votes_load.c — a small closed-loop HTTP load for bench/votes.py where wrk
 * is not installed: the same requests and the same RESULT line as
 * bench/votes.lua.
 *
 *   votes_load HOST PORT CONNECTIONS SECONDS TOKENS_FILE CASES_FILE
 *
 * One thread, CONNECTIONS keep-alive connections over epoll; each sends
 * POST /api/v1/votes {"case": C} with a random voter's Bearer token and a
 * random case, waits for the whole answer (Content-Length), records its
 * latency and sends the next, until SECONDS have passed.  Prints
 *
 *   RESULT created=… other=… errors=… p50_ms=… p99_ms=… requests=…
 *
 * created: answers 201; other: any other status; errors: connections that
 * failed or closed.  Like wrk, requests still unanswered at the end are
 * not counted (bench/votes.py allows one per connection in flight).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXLAT 4000000

struct conn {
    int fd;
    char out[512];
    size_t outlen, sent;
    char in[8192];
    size_t inlen;
    double start;
};

static char **tokens, **cases;
static size_t ntokens, ncases;
static double *lat;
static size_t nlat;
static long created, other, errors, requests;
static struct sockaddr_in addr;
static int ep;
static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static char **lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char **v = NULL, buf[512];
    size_t cap = 0;
    *n = 0;
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!buf[0])
            continue;
        if (*n == cap)
            v = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof *v);
        v[(*n)++] = strdup(buf);
    }
    fclose(f);
    return v;
}

static void compose(struct conn *c)
{
    char body[64];
    int blen = snprintf(body, sizeof body, "{\"case\":%s}", cases[next() % ncases]);
    c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                 "POST /api/v1/votes HTTP/1.1\r\nHost: %s\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
                                 "127.0.0.1", tokens[next() % ntokens], blen, body);
    c->sent = 0;
    c->start = now_ms();
}

static int open_conn(struct conn *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS)
        return -1;
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    c->inlen = 0;
    compose(c);
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
}

static void reopen(struct conn *c)
{
    errors++;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (open_conn(c) != 0) {
        perror("connect");
        exit(1);
    }
}

static int flush(struct conn *c)
{
    while (c->sent < c->outlen) {
        ssize_t k = write(c->fd, c->out + c->sent, c->outlen - c->sent);
        if (k < 0)
            return errno == EAGAIN ? 0 : -1;
        c->sent += (size_t)k;
    }
    return 0;
}

/* One whole answer at the buffer's start: its length, 0 if not all here yet. */
static size_t answer(struct conn *c, int *status)
{
    c->in[c->inlen < sizeof c->in ? c->inlen : sizeof c->in - 1] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->in) + 4, body = 0;
    *status = atoi(c->in + 9);
    for (char *p = c->in; p < end; p = strstr(p, "\r\n") + 2)
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            body = (size_t)strtoul(p + 15, NULL, 10);
    return c->inlen >= head + body ? head + body : 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SECONDS TOKENS_FILE CASES_FILE\n", argv[0]);
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &addr.sin_addr);
    int nconn = atoi(argv[3]);
    double seconds = atof(argv[4]);
    tokens = lines(argv[5], &ntokens);
    cases = lines(argv[6], &ncases);
    if (!ntokens || !ncases || nconn < 1)
        return 2;
    rng ^= (uint64_t)time(NULL) * 2654435761u;
    lat = malloc(MAXLAT * sizeof *lat);
    struct conn *cs = calloc((size_t)nconn, sizeof *cs);
    ep = epoll_create1(0);
    for (int i = 0; i < nconn; i++)
        if (open_conn(&cs[i]) != 0) {
            perror("connect");
            return 1;
        }
    double stop = now_ms() + seconds * 1e3;
    struct epoll_event ev[256];
    while (now_ms() < stop) {
        int n = epoll_wait(ep, ev, 256, 50);
        for (int i = 0; i < n; i++) {
            struct conn *c = ev[i].data.ptr;
            if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
                reopen(c);
                continue;
            }
            if (flush(c) != 0) {
                reopen(c);
                continue;
            }
            for (;;) {
                ssize_t k = read(c->fd, c->in + c->inlen, sizeof c->in - 1 - c->inlen);
                if (k == 0 || (k < 0 && errno != EAGAIN)) {
                    reopen(c);
                    break;
                }
                if (k < 0)
                    break;
                c->inlen += (size_t)k;
                int status = 0;
                size_t len;
                while ((len = answer(c, &status)) > 0) {
                    double t = now_ms();
                    if (t > stop)
                        break;
                    requests++;
                    if (nlat < MAXLAT)
                        lat[nlat++] = t - c->start;
                    if (status == 201)
                        created++;
                    else
                        other++;
                    memmove(c->in, c->in + len, c->inlen - len);
                    c->inlen -= len;
                    compose(c);
                    if (flush(c) != 0)
                        break;
                }
            }
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp);
    printf("RESULT created=%ld other=%ld errors=%ld p50_ms=%.2f p99_ms=%.2f requests=%ld\n",
           created, other, errors, nlat ? lat[nlat / 2] : 0.0,
           nlat ? lat[(size_t)((double)nlat * 0.99)] : 0.0, requests);
    return 0;
}
