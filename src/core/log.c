/*
 * log.c — stderr diagnostics and the JSON-lines access log; see log.h.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"

static FILE *access_fp;
static _Atomic int access_discard; /* the log is /dev/null */
static pthread_mutex_t access_lock = PTHREAD_MUTEX_INITIALIZER;

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    flockfile(stderr);
    fprintf(stderr, "%s laurel %s: ", ts, level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}

int log_access_open(const char *path)
{
    FILE *fp = fopen(path, "a");
    if (!fp)
        return -1;
    setvbuf(fp, NULL, _IOFBF, 1 << 16);
    /* A log sent to /dev/null is no log: its lines are not even formatted. */
    struct stat st, null;
    int discard = fstat(fileno(fp), &st) == 0 && S_ISCHR(st.st_mode) &&
                  stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev;
    pthread_mutex_lock(&access_lock);
    access_fp = fp;
    access_discard = discard;
    pthread_mutex_unlock(&access_lock);
    return 0;
}

/* Append s as a JSON string (quotes included); s is valid UTF-8 or raw bytes. */
static void json_str(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (;;) {
        const char *run = s;
        while ((unsigned char)*s >= 0x20 && *s != 0x7f && *s != '"' && *s != '\\')
            s++;
        buf_append(b, run, (size_t)(s - run));
        unsigned char c = (unsigned char)*s;
        if (!c)
            break;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else {
            buf_printf(b, "\\u%04x", c);
        }
        s++;
    }
    buf_putc(b, '"');
}

/* Decimal digits of v appended to b. */
static void put_uint(struct buf *b, unsigned long long v)
{
    char d[24];
    size_t n = sizeof d;
    do
        d[--n] = (char)('0' + v % 10);
    while ((v /= 10) && n);
    buf_append(b, d + n, sizeof d - n);
}

/*
 * One line per request, formatted in a buffer the thread keeps (no
 * allocation once it has grown), its timestamp's seconds formatted once
 * a second per thread.
 */
void log_access(const char *ip, const char *method, const char *uri, int status, size_t bytes,
                double ms)
{
    static _Thread_local struct buf b = BUF_INIT;
    static _Thread_local time_t sec = -1;
    static _Thread_local char ts[32];
    if (access_discard)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != sec) {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        sec = now.tv_sec;
    }
    if (!b.cap)
        buf_init(&b, 0);
    buf_reset(&b);
    long milli = now.tv_nsec / 1000000;
    buf_puts(&b, "{\"time\":\"");
    buf_puts(&b, ts);
    char frac[6] = {'.', (char)('0' + milli / 100), (char)('0' + milli / 10 % 10),
                    (char)('0' + milli % 10), 'Z', '"'};
    buf_append(&b, frac, sizeof frac);
    buf_puts(&b, ",\"ip\":");
    json_str(&b, ip ? ip : "");
    buf_puts(&b, ",\"method\":");
    json_str(&b, method ? method : "");
    buf_puts(&b, ",\"uri\":");
    json_str(&b, uri ? uri : "");
    buf_puts(&b, ",\"status\":");
    if (status < 0) {
        buf_putc(&b, '-');
        status = -status;
    }
    put_uint(&b, (unsigned)status);
    buf_puts(&b, ",\"bytes\":");
    put_uint(&b, bytes);
    /* %.3f of ms, as microseconds rounded */
    if (ms >= 0 && ms < 1e12) {
        unsigned long long us = (unsigned long long)(ms * 1000.0 + 0.5);
        char t[4] = {'.', (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10),
                     (char)('0' + us % 10)};
        buf_puts(&b, ",\"ms\":");
        put_uint(&b, us / 1000);
        buf_append(&b, t, sizeof t);
        buf_puts(&b, "}\n");
    } else {
        buf_printf(&b, ",\"ms\":%.3f}\n", ms);
    }
    if (b.oom)
        return;
    pthread_mutex_lock(&access_lock);
    fwrite(b.p, 1, b.len, access_fp ? access_fp : stdout);
    pthread_mutex_unlock(&access_lock);
}

void log_access_flush(void)
{
    pthread_mutex_lock(&access_lock);
    fflush(access_fp ? access_fp : stdout);
    pthread_mutex_unlock(&access_lock);
}

void log_access_close(void)
{
    pthread_mutex_lock(&access_lock);
    if (access_fp)
        fclose(access_fp);
    access_fp = NULL;
    pthread_mutex_unlock(&access_lock);
}
