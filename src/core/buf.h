/*
 * buf.h — growable byte buffers with a size cap, and escaping writers.
 *
 * A struct buf owns a malloc'd, always NUL-terminated byte array.  It grows
 * on demand up to `max` bytes (0 means the default cap, BUF_DEFAULT_MAX);
 * an append that would pass the cap, or an allocation that fails, sets
 * `oom` and drops the data, so a caller may append freely and check `oom`
 * once at the end.  Invariant: len < cap whenever p != NULL, and p[len] == 0.
 *
 * The escaping writers (HTML/XML text and attributes, URL components) are
 * here because every view needs them and none may forget them.
 */
#ifndef LAUREL_BUF_H
#define LAUREL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX (64u * 1024u * 1024u)

struct buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int oom;
};

#define BUF_INIT {NULL, 0, 0, 0, 0}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empty the buffer but keep its memory. */
void buf_reset(struct buf *b);
/* Make room for n more bytes; returns 0, or -1 (and sets oom). */
int buf_grow(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hand the bytes to the caller (who frees them); the buffer is left empty. */
char *buf_detach(struct buf *b, size_t *len);

/* Append s escaped for HTML/XML text and attribute values (& < > " '). */
void buf_html(struct buf *b, const char *s, size_t n);
/* Append s percent-encoded as a URL query component (RFC 3986 unreserved kept). */
void buf_url(struct buf *b, const char *s, size_t n);

#endif
