/*
 * log.c — stderr diagnostics and the JSON-lines access log; see log.h.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"

static FILE *access_fp;
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
    pthread_mutex_lock(&access_lock);
    access_fp = fp;
    pthread_mutex_unlock(&access_lock);
    return 0;
}

/* Append s as a JSON string (quotes included); s is valid UTF-8 or raw bytes. */
static void json_str(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

void log_access(const char *ip, const char *method, const char *uri, int status, size_t bytes,
                double ms)
{
    char ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);

    struct buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_printf(&b, "{\"time\":\"%s.%03ldZ\",\"ip\":", ts, now.tv_nsec / 1000000);
    json_str(&b, ip ? ip : "");
    buf_puts(&b, ",\"method\":");
    json_str(&b, method ? method : "");
    buf_puts(&b, ",\"uri\":");
    json_str(&b, uri ? uri : "");
    buf_printf(&b, ",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f}\n", status, bytes, ms);
    pthread_mutex_lock(&access_lock);
    fwrite(b.p, 1, b.len, access_fp ? access_fp : stdout);
    pthread_mutex_unlock(&access_lock);
    buf_release(&b);
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
