/*
 * framing.c — RFC 9112 framing rules over header lines; see framing.h.
 */
#include "http/framing.h"

#include <string.h>
#include <strings.h>

static int token_char(unsigned char ch)
{
    return ch > 32 && ch < 127 && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

/* key[0..n) equals the header name want, ignoring case. */
static int name_is(const char *key, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(key, want, n) == 0;
}

void framing_line(struct framing *f, const char *key, size_t key_size, const char *value,
                  size_t value_size)
{
    if (f->bad)
        return;
    if (key_size == 0) {
        f->bad = 1;
        f->why = "an empty header name";
        return;
    }
    for (size_t i = 0; i < key_size; i++)
        if (!token_char((unsigned char)key[i])) {
            f->bad = 1;
            f->why = "a header name with a space or a control character";
            return;
        }
    for (size_t i = 0; value && i < value_size; i++)
        if (value[i] == 0 || value[i] == '\r' || value[i] == '\n') {
            f->bad = 1;
            f->why = "a NUL, CR or LF in a header value";
            return;
        }
    const char *v = value ? value : "";
    size_t vn = value ? value_size : 0;
    if (name_is(key, key_size, "Content-Length")) {
        if (f->n_cl++ && (strlen(f->cl) != vn || strncmp(f->cl, v, vn) != 0)) {
            f->bad = 1;
            f->why = "two different Content-Length headers";
        }
        f->cl = v;
    } else if (name_is(key, key_size, "Transfer-Encoding")) {
        if (f->n_te++) {
            f->bad = 1;
            f->why = "two Transfer-Encoding headers";
        }
        f->te = v;
    } else if (name_is(key, key_size, "Host")) {
        if (f->n_host++) {
            f->bad = 1;
            f->why = "two Host headers";
        }
    }
}

int framing_verdict(const struct framing *f, const char *version, const char **why)
{
    *why = f->why;
    if (f->bad)
        return 400;
    int http11 = version && strcmp(version, "HTTP/1.0") != 0;
    if (http11 && f->n_host == 0) {
        *why = "no Host header";
        return 400;
    }
    if (f->te && f->n_cl) {
        *why = "both Transfer-Encoding and Content-Length";
        return 400;
    }
    if (f->te && strcasecmp(f->te, "chunked") != 0) {
        *why = "a transfer coding other than chunked";
        return 501;
    }
    if (f->cl) {
        const char *p = f->cl;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f->cl || *p || p - f->cl > 18) {
            *why = "a Content-Length that is not a number";
            return 400;
        }
    }
    *why = NULL;
    return 0;
}
