/*
 * server.c — libmicrohttpd glue; see server.h.
 *
 * Life of a request: the URI-log callback allocates the struct req (so the
 * raw URI, query string included, is ours to parse); the first call of the
 * access handler checks framing and headers; body bytes, if any, are
 * refused past max_body; the final call (upload_data_size == 0) runs the
 * dispatcher and queues the response.  Queueing on the first call instead
 * would make libmicrohttpd close every keep-alive connection.  The
 * completion callback writes the access-log line and frees the request.
 * Before libmicrohttpd parses a connection's bytes, rawguard.h has read
 * them: a head the library would mangle or answer badly is refused there.
 * Before that, the door (frontdoor.h) has accepted the connection on the
 * server's socket and answered it if it was a plain health check; every
 * connection reaches libmicrohttpd through MHD_add_connection, whose own
 * listening socket (its thread pool needs one) nothing connects to.
 *
 * Deadlines the idle timeout cannot give (it restarts with every byte): a
 * watchdog thread cuts a connection (shutdown(2) of its socket; libmicrohttpd
 * then closes it as if the client had gone) whose request line and headers
 * take longer than header_timeout_s from their first byte, or whose body
 * arrives slower than SERVER_MIN_BODY_RATE bytes/s after that grace.  Near
 * the connection limit (SERVER_HEADROOM of it) it closes connections that
 * carry no request, oldest first (in the order the door passed them on),
 * so that new clients are still accepted: never one on which a byte of a
 * request has arrived, and never one whose request is being answered.
 *
 * The read lane: while reads are expensive (their dispatch takes more than
 * LANE_SLOW_US on average, or what the configuration says), GET and HEAD requests other than /healthz,
 * /metrics and static files are dispatched on a small pool of lane threads
 * (the connection suspended meanwhile), so that the server's own threads
 * stay free for health checks and writes (which go on to the writer
 * thread).  The lane's queue is bounded: a read that finds it full is
 * answered 503 with Retry-After at once.  Cheap reads stay on the server's
 * threads, where they cost least: while the lane runs, the application is
 * asked first whether it holds the answer in memory (a page-cache hit), so
 * that a hit never queues behind the pages being rendered.  The lane
 * threads run at a lower priority than the server's own (SCHED_BATCH and
 * LANE_NICE more niceness, per thread; named "laurel-lane"): a /healthz,
 * a cache hit or a write that arrives while every core renders pages
 * preempts the renders at once instead of waiting for its time slice.
 *
 * A storage fault met while the request ran (core/fault.h: a corrupt
 * database, an I/O error) replaces whatever the handler made of it: 500 for
 * corruption, 503 with Retry-After for I/O, in the client's language, never
 * a 404 or an empty list built from rows that could not be read.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/utf8.h"
#include "http/framing.h"
#include "http/frontdoor.h"
#include "http/rawguard.h"

#define MAX_TRUSTED 16

/* A trusted proxy's network: family, address bytes, prefix length. */
struct cidr {
    int family;
    unsigned char addr[16];
    unsigned bits;
};

static struct cidr trusted[MAX_TRUSTED];
static size_t ntrusted;

/* A connection as the watchdog sees it (the socket context). */
enum watch_phase { W_IDLE, W_HEADERS, W_BODY, W_BUSY, W_CUT };

struct watch {
    int fd;
    enum watch_phase phase;
    double since_ms;  /* start of the phase */
    double passed_ms; /* when the door passed it on: the list is in this order */
    size_t body_bytes;
    struct rawguard_conn guard; /* its raw bytes, checked before libmicrohttpd's parser */
    char ip[INET6_ADDRSTRLEN];  /* the peer's address, formatted once per connection */
    struct watch *prev, *next;
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watch watch_list = {.fd = -1, .prev = &watch_list, .next = &watch_list};
static pthread_t watchdog;
static _Atomic int watchdog_stop;
static int watchdog_running;
static unsigned header_timeout_ms = 10000, conn_limit = 4096;
static _Atomic uint64_t st_cut_slow, st_cut_idle;

/*
 * When the door passed each connection on, by descriptor (clock_ms()).
 * libmicrohttpd's threads register a passed connection each in its own
 * time (on a busy machine one thread may be late by far), so a connection's
 * age counts from here and the watch list is kept in this order, not in
 * theirs: "oldest first" is the order in which clients came.
 */
static _Atomic double *passed_ms;
static size_t passed_len;

/*
 * libmicrohttpd's memory per connection.  It holds a head of max_header
 * bytes (12 KiB) and the library's copy of its cookies, so the library
 * never answers a head of its own (its error answers are malformed):
 * rawguard refuses larger heads first.  At most 32 KiB: a larger pool is a
 * memory mapping of its own per connection, and with one new connections
 * stalled for seconds under a read storm (bench/healthz.sh).
 */
#define SERVER_POOL (32u << 10)

/* The read lane (see the top of this file). */
#define LANE_QUEUE_MAX 256
#define LANE_SLOW_US 1000
#define LANE_MAX_THREADS 16
#define LANE_NICE 10 /* added to the process's niceness on the lane threads */

struct conn_req;
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct conn_req *queue[LANE_QUEUE_MAX];
    size_t head, len, reserved;
    int stopping;
    pthread_t threads[LANE_MAX_THREADS];
    unsigned nthreads;
    struct server *server;
} lane = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
static _Atomic int64_t read_cost_us; /* moving average of a read's dispatch */
static _Atomic uint64_t st_lane_reads, st_lane_full, st_early_hits;

struct server {
    struct MHD_Daemon *daemon;
    int listen_fd;         /* the door's; libmicrohttpd's own socket is never connected to */
    int idle_fd;           /* that socket */
    struct frontdoor *door;
    struct server_app app;
    size_t max_body;
    unsigned port;
    unsigned lane_from_us; /* the read cost that sends reads to the lane */
};

/* Per-request state beyond struct req, private to this file. */
struct conn_req {
    struct req r;
    struct watch *watch;
    struct MHD_Connection *conn;
    int started;
    int refused;      /* a response was queued before the body was read */
    int late_refusal; /* a status to answer once the rest of the body is drained */
    size_t body_seen;
    struct buf body;
    struct resp w;       /* kept while a deferred handler waits */
    _Atomic int waiting; /* suspended until wake */
    int dispatched;
    enum fault_kind fault; /* the worst storage fault met by this request */
    int status;
    size_t bytes;
};

static _Atomic uint64_t st_requests, st_bytes, st_open, st_framing;
/*
 * "timeout=N" for the Keep-Alive header: a few seconds less than the idle
 * timeout, so that a client which honours it closes an idle connection
 * before the server does and never sends a request into a closing socket.
 */
static char keepalive_value[32] = "timeout=25";
static _Atomic int64_t st_inflight; /* requests begun and not yet completed */
static _Atomic int closing;          /* set by server_stop: new connections are refused */
static _Atomic uint64_t st_class[6];

void resp_header(struct resp *w, const char *name, const char *value)
{
    if (w->nheaders < RESP_MAX_HEADERS) {
        w->headers[w->nheaders][0] = name;
        w->headers[w->nheaders][1] = value;
        w->nheaders++;
    }
}

void server_stats_get(struct server_stats *out)
{
    out->requests = st_requests;
    for (int i = 0; i < 6; i++)
        out->by_class[i] = st_class[i];
    out->bytes_out = st_bytes;
    out->connections_open = st_open;
    out->rejected_framing = st_framing + rawguard_refused_total();
    out->cut_slow = st_cut_slow;
    out->lane_reads = st_lane_reads;
    out->lane_full = st_lane_full;
    out->early_hits = st_early_hits;
    out->cut_idle = st_cut_idle;
    out->door_health = frontdoor_answered_total();
}

/* Move the connection's watch to phase p (NULL-safe). */
static void watch_set(struct watch *w, enum watch_phase p)
{
    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    if (w->phase != W_CUT) {
        w->phase = p;
        w->since_ms = clock_ms();
        w->body_bytes = 0;
    }
    pthread_mutex_unlock(&watch_lock);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    while (!watchdog_stop) {
        usleep(250000);
        double now = clock_ms();
        unsigned open = (unsigned)st_open;
        unsigned high = conn_limit - conn_limit / SERVER_HEADROOM;
        unsigned to_free = open > high ? open - high + conn_limit / (2 * SERVER_HEADROOM) : 0;
        pthread_mutex_lock(&watch_lock);
        /* The list is oldest first: idle connections are closed in that order. */
        for (struct watch *w = watch_list.next; w != &watch_list; w = w->next) {
            if (w->guard.refused && rawguard_flush(&w->guard)) {
                w->phase = W_CUT;
                continue;
            }
            double age = now - w->since_ms;
            double began = w->guard.head_began_ms; /* a request's first byte, or 0 */
            int cut = 0;
            if (w->phase == W_HEADERS && (age > header_timeout_ms ||
                                          (began > 0 && now - began > header_timeout_ms)))
                cut = 1;
            else if (w->phase == W_BODY && age > header_timeout_ms &&
                     (double)w->body_bytes < SERVER_MIN_BODY_RATE * age / 1000.0)
                cut = 1;
            else if (w->phase == W_IDLE && began > 0)
                /* A request line under way: its deadline, and never the headroom cut. */
                cut = now - began > header_timeout_ms;
            else if (w->phase == W_IDLE && to_free > 0 && age > 1000.0)
                cut = 2;
            if (!cut)
                continue;
            shutdown(w->fd, SHUT_RDWR);
            w->phase = W_CUT;
            if (cut == 1)
                st_cut_slow++;
            else {
                st_cut_idle++;
                to_free--;
            }
        }
        pthread_mutex_unlock(&watch_lock);
    }
    return NULL;
}

/* The peer's address of conn as text in ip, or "". */
static void peer_ip(struct MHD_Connection *conn, char *ip, size_t len)
{
    ip[0] = 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, (socklen_t)len);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    struct conn_req *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    const union MHD_ConnectionInfo *wi =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    c->watch = wi ? wi->socket_context : NULL;
    watch_set(c->watch, W_HEADERS);
    st_inflight++;
    arena_init(&c->r.arena, 4u << 20);
    c->r.started_ms = clock_ms();
    c->r.uri = arena_strdup(&c->r.arena, uri ? uri : "");
    if (c->watch)
        memcpy(c->r.ip, c->watch->ip, sizeof c->watch->ip);
    else
        peer_ip(conn, c->r.ip, sizeof c->r.ip);
    return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct conn_req *c = *con_cls;
    if (!c)
        return;
    log_access(c->r.ip, c->r.method_name, c->r.uri, c->status, c->bytes,
               clock_ms() - c->r.started_ms);
    watch_set(c->watch, W_IDLE);
    if (c->watch)
        rawguard_done(&c->watch->guard);
    if (c->r.cleanup)
        c->r.cleanup(&c->r);
    buf_release(&c->body);
    buf_release(&c->w.body);
    arena_release(&c->r.arena);
    free(c);
    st_inflight--;
    *con_cls = NULL;
}

/*
 * Once the server is stopping, a new connection is closed as soon as it is
 * accepted. This stands in for MHD_quiesce_daemon(), which races its own
 * epoll workers in libmicrohttpd 0.9.75 and can abort the process ("Failed
 * to remove listen FD from epoll set") when a worker removes the listening
 * socket first.
 */
/*
 * Every connection comes from the door, with its TCP peer's address: one of
 * another family was accepted on libmicrohttpd's own idle socket, which a
 * local process found and connected to, and is refused.
 */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)cls;
    (void)addrlen;
    if (!addr || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return MHD_NO;
    return closing ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        st_open++;
        struct watch *w = calloc(1, sizeof *w);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!w || !ci) {
            free(w);
            *socket_ctx = NULL;
            return;
        }
        w->fd = ci->connect_fd;
        peer_ip(conn, w->ip, sizeof w->ip);
        w->phase = W_IDLE;
        w->passed_ms = w->fd >= 0 && (size_t)w->fd < passed_len ? passed_ms[w->fd] : clock_ms();
        w->since_ms = w->passed_ms;
        rawguard_open(&w->guard, w->fd);
        pthread_mutex_lock(&watch_lock);
        struct watch *after = watch_list.prev; /* nearly always the last */
        while (after != &watch_list && after->passed_ms > w->passed_ms)
            after = after->prev;
        w->prev = after;
        w->next = after->next;
        after->next->prev = w;
        after->next = w;
        pthread_mutex_unlock(&watch_lock);
        *socket_ctx = w;
    } else {
        st_open--;
        struct watch *w = *socket_ctx;
        if (w) {
            /* Before libmicrohttpd closes the socket: the watchdog never sees a reused fd. */
            pthread_mutex_lock(&watch_lock);
            w->prev->next = w->next;
            w->next->prev = w->prev;
            pthread_mutex_unlock(&watch_lock);
            rawguard_close(&w->guard);
            free(w);
            *socket_ctx = NULL;
        }
    }
}

/*
 * Answer bodies kept per thread: a body handed to libmicrohttpd comes back
 * through body_done once sent, and the thread's next request writes its
 * answer into it (body_reuse), so that a page is not a fresh allocation of
 * its size, and a sweep of glibc's small free lists, at every request.
 * Bodies are freed on the thread that sent them, the one that serves the
 * connection's next request.
 */
#define BODY_KEEP 4
#define BODY_KEEP_MIN (4u << 10)
#define BODY_KEEP_MAX (256u << 10)

static _Thread_local struct {
    char *p[BODY_KEEP];
    unsigned n;
    int registered; /* with kept_key: freed when the thread ends */
} kept_bodies;
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void kept_free(void *unused)
{
    (void)unused;
    while (kept_bodies.n)
        free(kept_bodies.p[--kept_bodies.n]);
}

static void kept_key_make(void)
{
    pthread_key_create(&kept_key, kept_free);
}

static void body_done(void *p)
{
    size_t cap = malloc_usable_size(p);
    if (kept_bodies.n < BODY_KEEP && cap >= BODY_KEEP_MIN && cap <= BODY_KEEP_MAX) {
        if (!kept_bodies.registered) {
            pthread_once(&kept_once, kept_key_make);
            pthread_setspecific(kept_key, &kept_bodies); /* non-NULL: kept_free at exit */
            kept_bodies.registered = 1;
        }
        kept_bodies.p[kept_bodies.n++] = p;
    } else {
        free(p);
    }
}

/* Start b (empty, initialised) on a body this thread kept, if any. */
static void body_reuse(struct buf *b)
{
    if (!kept_bodies.n)
        return;
    b->p = kept_bodies.p[--kept_bodies.n];
    b->cap = malloc_usable_size(b->p);
    b->len = 0;
    b->p[0] = 0;
}

/* Queue w on conn and account for it. */
static enum MHD_Result send_resp(struct MHD_Connection *conn, struct conn_req *c, struct resp *w,
                                 int close_after)
{
    size_t len;
    char *body = buf_detach(&w->body, &len);
    struct MHD_Response *mr =
        MHD_create_response_from_buffer_with_free_callback_cls(len, body, body_done, body);
    if (!mr) {
        free(body);
        return MHD_NO;
    }
    if (w->content_type)
        MHD_add_response_header(mr, "Content-Type", w->content_type);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    /* No page of ours is meant to be framed by another site (clickjacking on forms). */
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    int own_referrer_policy = 0, own_csp = 0;
    for (size_t i = 0; i < w->nheaders; i++) {
        MHD_add_response_header(mr, w->headers[i][0], w->headers[i][1]);
        own_referrer_policy |= strcasecmp(w->headers[i][0], "Referrer-Policy") == 0;
        own_csp |= strcasecmp(w->headers[i][0], "Content-Security-Policy") == 0;
    }
    if (!own_referrer_policy)
        MHD_add_response_header(mr, "Referrer-Policy", "same-origin");
    /* Pages load only our own files: no inline script or style, never framed. */
    if (!own_csp && w->content_type && strncmp(w->content_type, "text/html", 9) == 0)
        MHD_add_response_header(mr, "Content-Security-Policy", SERVER_CSP);
    if (close_after)
        MHD_add_response_header(mr, "Connection", "close");
    else
        MHD_add_response_header(mr, "Keep-Alive", keepalive_value);
    int status = w->status ? w->status : 200;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, mr);
    MHD_destroy_response(mr);
    c->status = status;
    c->bytes = len;
    st_requests++;
    st_bytes += len;
    if (status >= 100 && status < 600)
        st_class[status / 100]++;
    return ret;
}

/* A plain-text refusal for transport-level errors (before any routing). */
static enum MHD_Result refuse(struct MHD_Connection *conn, struct conn_req *c, int status,
                              const char *msg)
{
    struct resp w = {0};
    buf_init(&w.body, 0);
    w.status = status;
    w.content_type = "text/plain; charset=utf-8";
    buf_puts(&w.body, msg);
    c->refused = 1;
    watch_set(c->watch, W_BUSY);
    return send_resp(conn, c, &w, 1);
}

static const char *refusal_text(int status)
{
    switch (status) {
    case 411:
        return "411 请求缺少 Content-Length。\n";
    case 413:
        return "413 请求体过大。\n";
    case 415:
        return "415 不支持的内容类型。\n";
    default:
        return "400 请求无效。\n";
    }
}

/* The work behind a deferred response is done: let the connection go on. */
static void wake(void *token)
{
    struct conn_req *c = token;
    c->waiting = 0;
    MHD_resume_connection(c->conn);
}

/* Fold this thread's fault note into the request's. */
static void take_fault(struct conn_req *c)
{
    enum fault_kind k = fault_take();
    if (k > c->fault)
        c->fault = k;
}

/* Replace w by the answer to a storage fault of kind k. */
static void fault_resp(struct conn_req *c, struct resp *w, enum fault_kind k)
{
    int corrupt = k == FAULT_CORRUPT;
    int en = c->r.lang == LANG_EN;
    const char *msg =
        corrupt ? (en ? "The database is damaged: this data cannot be read. The operator has "
                        "been alerted."
                      : "数据库已损坏，无法读取这些数据。已通知管理员。")
                : (en ? "The data cannot be read or written just now. Please try again later."
                      : "暂时无法读写数据，请稍后再试。");
    buf_reset(&w->body);
    w->nheaders = 0;
    w->status = corrupt ? 500 : 503;
    resp_header(w, "Cache-Control", "no-store");
    if (!corrupt)
        resp_header(w, "Retry-After", "30");
    if (c->r.json || c->r.api) {
        w->content_type = "application/json; charset=utf-8";
        buf_printf(&w->body, "{\"error\":{\"status\":%d,\"message\":\"%s\"}}", w->status, msg);
    } else {
        w->content_type = "text/plain; charset=utf-8";
        buf_printf(&w->body, "%d %s\n", w->status, msg);
    }
}

/* Send w, or, if the handler deferred, suspend and start its work. */
static enum MHD_Result answer(struct MHD_Connection *conn, struct conn_req *c)
{
    struct resp *w = &c->w;
    if (!w->start) {
        if (c->fault != FAULT_NONE)
            fault_resp(c, w, c->fault);
        return send_resp(conn, c, w, 0);
    }
    void (*start)(struct req *, struct resp *, resp_wake_fn, void *) = w->start;
    w->start = NULL;
    c->waiting = 1;
    MHD_suspend_connection(conn);
    start(&c->r, w, wake, c);
    return MHD_YES;
}

/* Parse "10.0.0.0/8", "::1/128" or a bare address into c; 0 or -1. */
static int parse_cidr(const char *spec, size_t len, struct cidr *c)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, spec, len);
    buf[len] = 0;
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        char *end;
        *slash = 0;
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end)
            return -1;
    }
    memset(c, 0, sizeof *c);
    if (inet_pton(AF_INET, buf, c->addr) == 1) {
        c->family = AF_INET;
        c->bits = bits < 0 ? 32 : (unsigned)bits;
        return bits > 32 ? -1 : 0;
    }
    if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->family = AF_INET6;
        c->bits = bits < 0 ? 128 : (unsigned)bits;
        return bits > 128 ? -1 : 0;
    }
    return -1;
}

/* 1 if the textual address ip lies in a trusted proxy's network. */
static int is_trusted(const char *ip)
{
    unsigned char a[16];
    int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, ip, a) != 1)
        return 0;
    for (size_t i = 0; i < ntrusted; i++) {
        const struct cidr *c = &trusted[i];
        if (c->family != family)
            continue;
        unsigned full = c->bits / 8, rest = c->bits % 8;
        if (memcmp(a, c->addr, full) != 0)
            continue;
        if (rest && ((a[full] ^ c->addr[full]) & (0xffu << (8 - rest)) & 0xffu))
            continue;
        return 1;
    }
    return 0;
}

/*
 * Behind trusted proxies the client is the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy (each proxy appends
 * the address it saw; what a client wrote itself stands further left).
 * Anything unparsable leaves the peer's address.
 */
static void forwarded_client(struct MHD_Connection *conn, struct req *r)
{
    if (!ntrusted || !is_trusted(r->ip))
        return;
    const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff)
        return;
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        char ip[sizeof r->ip];
        unsigned char bin[16];
        size_t n = (size_t)(b - a);
        if (n == 0 || n >= sizeof ip)
            return;
        memcpy(ip, a, n);
        ip[n] = 0;
        if (inet_pton(strchr(ip, ':') ? AF_INET6 : AF_INET, ip, bin) != 1)
            return;
        memcpy(r->ip, ip, n + 1);
        if (!is_trusted(ip))
            return;
        end = start > xff ? start - 1 : xff;
    }
}

static enum http_method parse_method(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return HTTP_GET;
    if (strcmp(m, "HEAD") == 0)
        return HTTP_HEAD;
    if (strcmp(m, "POST") == 0)
        return HTTP_POST;
    return HTTP_OTHER;
}

static void read_headers(struct MHD_Connection *conn, struct req *r)
{
    r->if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    r->if_modified_since =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Modified-Since");
    r->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
    r->csrf_header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
    r->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    r->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    r->user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    r->tls = proto && strcmp(proto, "https") == 0;
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    const char *alang = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language");
    r->json = accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
    r->lang = LANG_ZH;
    if (alang && strncasecmp(alang, "en", 2) == 0)
        r->lang = LANG_EN;
}

static enum MHD_Result framing_each(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    framing_line(cls, key, key_size, value, value_size);
    return MHD_YES;
}

/*
 * RFC 9112 framing (framing.h), checked before routing: 0 when sound, else
 * the status to refuse with and *why.  libmicrohttpd lets these through; a
 * proxy in front might read them otherwise than we do (request smuggling).
 */
static int framing_check(struct MHD_Connection *conn, const char *version, const char **why)
{
    struct framing f = {0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, framing_each, &f);
    return framing_verdict(&f, version, why);
}

/* A read that the lane may take: GET or HEAD, not a health check or a static file. */
static int lane_candidate(const struct req *r)
{
    if (r->method != HTTP_GET && r->method != HTTP_HEAD)
        return 0;
    static const char *const fast[] = {"/healthz", "/metrics", "/static/", "/robots.txt",
                                       "/favicon"};
    for (size_t i = 0; i < sizeof fast / sizeof fast[0]; i++)
        if (strncmp(r->uri, fast[i], strlen(fast[i])) == 0)
            return 0;
    return 1;
}

static void note_read_cost(double ms)
{
    int64_t us = (int64_t)(ms * 1000.0), avg = read_cost_us;
    read_cost_us = avg + (us - avg) / 16;
}

/* On a lane thread: dispatch as on_request would, then let the connection go on. */
static void lane_dispatch(struct conn_req *c)
{
    double t0 = clock_ms();
    fault_take();
    lane.server->app.dispatch(&c->r, &c->w);
    take_fault(c);
    c->dispatched = 1;
    note_read_cost(clock_ms() - t0);
    wake(c);
}

/*
 * The calling lane thread at a lower priority: SCHED_BATCH (waking, it
 * does not preempt the thread running) and LANE_NICE above the process's
 * niceness (Linux keeps a niceness per thread).  Lowering a priority needs
 * no privilege; a failure leaves the thread as it was, logged.
 */
static void lane_lower_priority(void)
{
    pthread_setname_np(pthread_self(), "laurel-lane");
    id_t tid = (id_t)gettid();
    struct sched_param sp = {0};
    errno = 0;
    int niceness = getpriority(PRIO_PROCESS, tid) + LANE_NICE, e = errno;
    if (!e)
        e = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    if (!e && setpriority(PRIO_PROCESS, tid, niceness > 19 ? 19 : niceness) != 0)
        e = errno;
    if (e)
        log_info("the read lane keeps the server's priority: %s", strerror(e));
}

static void *lane_main(void *arg)
{
    (void)arg;
    lane_lower_priority();
    pthread_mutex_lock(&lane.lock);
    for (;;) {
        while (!lane.len && !lane.stopping)
            pthread_cond_wait(&lane.wake, &lane.lock);
        if (!lane.len)
            break; /* stopping, and the queue is drained */
        struct conn_req *c = lane.queue[lane.head];
        lane.head = (lane.head + 1) % LANE_QUEUE_MAX;
        lane.len--;
        pthread_mutex_unlock(&lane.lock);
        lane_dispatch(c);
        pthread_mutex_lock(&lane.lock);
    }
    pthread_mutex_unlock(&lane.lock);
    return NULL;
}

/* Hold a place in the lane's queue: 1, or 0 when it is full (or the lane is not running). */
static int lane_reserve(void)
{
    pthread_mutex_lock(&lane.lock);
    int ok = lane.nthreads > 0 && !lane.stopping && lane.len + lane.reserved < LANE_QUEUE_MAX;
    if (ok)
        lane.reserved++;
    pthread_mutex_unlock(&lane.lock);
    return ok;
}

/* Queue c in the place lane_reserve held (its connection already suspended). */
static void lane_submit(struct conn_req *c)
{
    pthread_mutex_lock(&lane.lock);
    lane.reserved--;
    lane.queue[(lane.head + lane.len) % LANE_QUEUE_MAX] = c;
    lane.len++;
    pthread_cond_signal(&lane.wake);
    pthread_mutex_unlock(&lane.lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url, (void)upload_data;
    struct server *s = cls;
    struct conn_req *c = *con_cls;
    if (!c)
        return MHD_NO;
    struct req *r = &c->r;

    if (!c->started) {
        c->started = 1;
        c->conn = conn;
        buf_init(&c->body, s->max_body + 1);
        buf_init(&c->w.body, 0);
        body_reuse(&c->w.body);
        r->method_name = arena_strdup(&r->arena, method);
        r->method = parse_method(method);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        const char *why = NULL;
        int bad = framing_check(conn, version, &why);
        if (bad) {
            st_framing++;
            char *msg = arena_printf(&r->arena, "%d %s: %s.\n", bad,
                                     bad == 501 ? "不支持的传输编码 (Not Implemented)"
                                                : "请求无效 (Bad Request)",
                                     why);
            return refuse(conn, c, bad, msg ? msg : "400\n");
        }
        read_headers(conn, r);
        forwarded_client(conn, r);
        r->max_body = s->max_body;
        fault_take(); /* another request's, on this thread */
        int status = s->app.begin ? s->app.begin(r) : 0;
        take_fault(c);
        if (status)
            return refuse(conn, c, status, refusal_text(status));
        /* After begin, which may raise the limit for a route that streams its body. */
        if (cl && strtoull(cl, NULL, 10) > r->max_body)
            return refuse(conn, c, 413, refusal_text(413));
        watch_set(c->watch, W_BODY);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /*
         * libmicrohttpd takes no response while a body is arriving: a body
         * refused midway (a chunked one too large, an upload the sink
         * stops) is drained without being kept, then answered.
         */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->watch) {
            pthread_mutex_lock(&watch_lock);
            c->watch->body_bytes += n;
            pthread_mutex_unlock(&watch_lock);
        }
        if (c->refused || c->late_refusal)
            return MHD_YES;
        c->body_seen += n;
        if (c->body_seen > (r->sink ? r->max_body : s->max_body))
            c->late_refusal = 413;
        else if (r->sink)
            c->late_refusal = r->sink(r, upload_data, n);
        else
            buf_append(&c->body, upload_data, n);
        if (c->late_refusal)
            buf_release(&c->body);
        return MHD_YES;
    }
    if (c->refused || c->waiting)
        return MHD_YES;
    watch_set(c->watch, W_BUSY);
    if (c->late_refusal)
        return refuse(conn, c, c->late_refusal, refusal_text(c->late_refusal));
    if (c->dispatched) {
        /*
         * Woken after deferred work: let the handler finish its answer.  Woken
         * by the read lane instead, a handler that defers has not started its
         * work yet: answer() starts it.
         */
        if (!c->w.start) {
            void (*finish)(struct req *, struct resp *) = c->w.finish;
            c->w.finish = NULL;
            fault_take();
            if (finish)
                finish(r, &c->w);
            take_fault(c);
        }
        return answer(conn, c);
    }
    if (c->body.len || r->method == HTTP_POST) {
        r->body = c->body.p ? c->body.p : "";
        r->body_len = c->body.len;
    }
    int read = lane_candidate(r);
    int slow = read && read_cost_us > (int64_t)s->lane_from_us;
    if (slow && s->app.answer_cached &&
        s->app.answer_cached(r, &c->w)) {
        st_early_hits++;
        c->dispatched = 1;
        return answer(conn, c);
    }
    if (slow) {
        if (lane_reserve()) {
            st_lane_reads++;
            c->waiting = 1;
            MHD_suspend_connection(conn); /* before the lane can wake it */
            lane_submit(c);
            return MHD_YES;
        }
        st_lane_full++;
        c->dispatched = 1;
        struct resp *w = &c->w;
        w->status = 503;
        w->content_type = "text/plain; charset=utf-8";
        resp_header(w, "Retry-After", "1");
        resp_header(w, "Cache-Control", "no-store");
        buf_puts(&w->body, r->lang == LANG_EN ? "503 The server is busy; please try again.\n"
                                              : "503 服务器繁忙，请稍后再试。\n");
        return send_resp(conn, c, w, 0);
    }
    double t0 = clock_ms();
    fault_take();
    s->app.dispatch(r, &c->w);
    take_fault(c);
    c->dispatched = 1;
    if (read)
        note_read_cost(clock_ms() - t0);
    return answer(conn, c);
}

/* Parse "host:port" / "[v6]:port" into sa; returns its length or 0. */
static socklen_t parse_listen(const char *spec, struct sockaddr_storage *sa)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host)
        return 0;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return 0;
    memset(sa, 0, sizeof *sa);
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return 0;
        host[n - 1] = 0;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            return 0;
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return 0;
    return sizeof *s4;
}

/* The door's side of the server (frontdoor.h). */
static int door_open(void *cls)
{
    (void)cls;
    return !closing;
}

static void door_pass(void *cls, int fd, const struct sockaddr *sa, socklen_t len)
{
    struct server *s = cls;
    if (fd >= 0 && (size_t)fd < passed_len)
        passed_ms[fd] = clock_ms();
    MHD_add_connection(s->daemon, fd, sa, len); /* closes fd if it fails */
}

static int door_health(void *cls, struct buf *out)
{
    struct server *s = cls;
    return s->app.health(out);
}

static void door_answered(void *cls, const char *ip, int status, size_t bytes, double ms)
{
    (void)cls;
    log_access(ip, "GET", "/healthz", status, bytes, ms);
    st_requests++;
    st_bytes += bytes;
    if (status >= 100 && status < 600)
        st_class[status / 100]++;
}

/* The door's listening socket on sa, or -1 (errno set). */
static int listen_on(const struct sockaddr_storage *sa, socklen_t len)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (sa->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, (const struct sockaddr *)sa, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/*
 * libmicrohttpd's thread pool needs a listening socket of its own: one in
 * the abstract Unix namespace, named after the process, that nothing
 * connects to (every connection comes from the door).
 */
static int idle_socket(void)
{
    static _Atomic unsigned n;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    int len = snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "laurel-idle-%ld-%u",
                       (long)getpid(), n++);
    if (bind(fd, (struct sockaddr *)&un,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) != 0 ||
        listen(fd, 1) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct server *server_start(const struct server_config *cfg, const struct server_app *app,
                            char *err, size_t errlen)
{
    struct sockaddr_storage sa;
    if (!parse_listen(cfg->listen, &sa)) {
        snprintf(err, errlen, "cannot parse listen address '%s' (want HOST:PORT)", cfg->listen);
        return NULL;
    }
    ntrusted = 0;
    for (const char *p = cfg->trusted_proxies; p && *p;) {
        size_t n = strcspn(p, ",");
        if (ntrusted == MAX_TRUSTED || parse_cidr(p, n, &trusted[ntrusted]) != 0) {
            snprintf(err, errlen, "cannot use trusted proxy '%.*s' (want CIDR, at most %d)",
                     (int)n, p, MAX_TRUSTED);
            return NULL;
        }
        ntrusted++;
        p += n + (p[n] == ',');
    }
    rawguard_start(cfg->max_header);
    if (!passed_ms) {
        passed_ms = calloc(rawguard_fds(), sizeof *passed_ms);
        passed_len = passed_ms ? rawguard_fds() : 0;
    }
    struct server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->app = *app;
    s->max_body = cfg->max_body;
    s->lane_from_us = cfg->lane_from_us ? cfg->lane_from_us : LANE_SLOW_US;
    if (cfg->timeout_s > 0)
        snprintf(keepalive_value, sizeof keepalive_value, "timeout=%u",
                 cfg->timeout_s > 10 ? cfg->timeout_s - 5 : cfg->timeout_s);
    unsigned threads = cfg->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    /*
     * poll(2), level-triggered, not libmicrohttpd's edge-triggered epoll: under
     * 256 connections of votes (each suspended for its group commit, resumed from
     * the writer thread) a 0.9.75 worker could sleep in epoll_wait while its
     * connections held unread requests, and the votes stopped for seconds
     * (docs/BENCHMARKS.md, "Votes at 256 connections: a stall").
     */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    closing = 0;
    s->listen_fd = listen_on(&sa, sa.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                          : sizeof(struct sockaddr_in));
    s->idle_fd = s->listen_fd < 0 ? -1 : idle_socket();
    if (s->idle_fd < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen, strerror(errno));
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(
        flags, 0, on_accept, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, s->idle_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_POOL,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_conns_per_ip,
        /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: SO_REUSEADDR only, never SO_REUSEPORT. */
        MHD_OPTION_END);
    const struct frontdoor_app door = {s, door_open, door_pass, s->app.health ? door_health : NULL,
                                       door_answered};
    if (s->daemon)
        s->door = frontdoor_start(s->listen_fd, &door);
    if (!s->door) {
        snprintf(err, errlen, "cannot listen on %s", cfg->listen);
        if (s->daemon)
            MHD_stop_daemon(s->daemon);
        close(s->listen_fd);
        close(s->idle_fd);
        free(s);
        return NULL;
    }
    header_timeout_ms = (cfg->header_timeout_s ? cfg->header_timeout_s : 10) * 1000u;
    conn_limit = cfg->max_conns;
    watchdog_stop = 0;
    watchdog_running = pthread_create(&watchdog, NULL, watchdog_main, NULL) == 0;
    lane.server = s;
    lane.stopping = 0;
    lane.nthreads = 0;
    for (unsigned i = 0; i < threads && i < LANE_MAX_THREADS; i++)
        if (pthread_create(&lane.threads[lane.nthreads], NULL, lane_main, NULL) == 0)
            lane.nthreads++;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    s->port = 0;
    if (getsockname(s->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&bound)->sin6_port
                            : ((struct sockaddr_in *)&bound)->sin_port);
    return s;
}

unsigned server_port(const struct server *s)
{
    return s->port;
}

void server_stop(struct server *s, unsigned grace_ms)
{
    if (!s)
        return;
    closing = 1;
    /* Let requests in flight finish; idle keep-alive connections do not count. */
    for (unsigned waited = 0; waited < grace_ms && st_inflight > 0; waited += 10)
        usleep(10000);
    /* The lane drains its queue (those connections answer) before the threads stop. */
    pthread_mutex_lock(&lane.lock);
    lane.stopping = 1;
    pthread_cond_broadcast(&lane.wake);
    pthread_mutex_unlock(&lane.lock);
    for (unsigned i = 0; i < lane.nthreads; i++)
        pthread_join(lane.threads[i], NULL);
    lane.nthreads = 0;
    if (watchdog_running) {
        watchdog_stop = 1;
        pthread_join(watchdog, NULL);
        watchdog_running = 0;
    }
    frontdoor_stop(s->door); /* before the daemon: it passes connections to it */
    close(s->listen_fd);
    MHD_stop_daemon(s->daemon);
    close(s->idle_fd);
    free(s);
}
