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

/* The line buffer each thread keeps, released when the thread ends (its key's destructor). */
static _Thread_local struct buf line_buf = BUF_INIT;
static _Thread_local int line_kept;
static pthread_key_t line_key;
static pthread_once_t line_once = PTHREAD_ONCE_INIT;

static void line_release(void *unused)
{
    (void)unused;
    buf_release(&line_buf);
}

static void line_key_make(void)
{
    pthread_key_create(&line_key, line_release);
}

/*
 * One line per request, formatted in a buffer the thread keeps (no
 * allocation once it has grown), its timestamp's seconds formatted once
 * a second per thread.
 */
void log_access(const char *ip, const char *method, const char *uri, int status, size_t bytes,
                double ms)
{
    static _Thread_local time_t sec = -1;
    static _Thread_local char ts[32];
    if (access_discard)
        return;
    if (!line_kept) {
        pthread_once(&line_once, line_key_make);
        pthread_setspecific(line_key, &line_buf); /* non-NULL: the destructor runs at thread exit */
        line_kept = 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != sec) {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        sec = now.tv_sec;
    }
    if (!line_buf.cap)
        buf_init(&line_buf, 0);
    buf_reset(&line_buf);
    long milli = now.tv_nsec / 1000000;
    buf_puts(&line_buf, "{\"time\":\"");
    buf_puts(&line_buf, ts);
    char frac[6] = {'.', (char)('0' + milli / 100), (char)('0' + milli / 10 % 10),
                    (char)('0' + milli % 10), 'Z', '"'};
    buf_append(&line_buf, frac, sizeof frac);
    buf_puts(&line_buf, ",\"ip\":");
    json_str(&line_buf, ip ? ip : "");
    buf_puts(&line_buf, ",\"method\":");
    json_str(&line_buf, method ? method : "");
    buf_puts(&line_buf, ",\"uri\":");
    json_str(&line_buf, uri ? uri : "");
    buf_puts(&line_buf, ",\"status\":");
    if (status < 0) {
        buf_putc(&line_buf, '-');
        status = -status;
    }
    put_uint(&line_buf, (unsigned)status);
    buf_puts(&line_buf, ",\"bytes\":");
    put_uint(&line_buf, bytes);
    /* %.3f of ms, as microseconds rounded */
    if (ms >= 0 && ms < 1e12) {
        unsigned long long us = (unsigned long long)(ms * 1000.0 + 0.5);
        char t[4] = {'.', (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10),
                     (char)('0' + us % 10)};
        buf_puts(&line_buf, ",\"ms\":");
        put_uint(&line_buf, us / 1000);
        buf_append(&line_buf, t, sizeof t);
        buf_puts(&line_buf, "}\n");
    } else {
        buf_printf(&line_buf, ",\"ms\":%.3f}\n", ms);
    }
    if (line_buf.oom)
        return;
    pthread_mutex_lock(&access_lock);
    fwrite(line_buf.p, 1, line_buf.len, access_fp ? access_fp : stdout);
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
