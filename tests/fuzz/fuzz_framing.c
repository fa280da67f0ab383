/*
 * fuzz_framing.c — libFuzzer target for the RFC 9112 framing rules
 * (src/http/framing.c).
 *
 * The input is a version on its first line, then header lines "name:value"
 * (split at the first colon; values may hold any byte, NUL included, as
 * they are passed with their sizes).  The verdict must be 0, 400 or 501,
 * with a reason exactly when it refuses; and a request it accepts must,
 * checked again here the plain way, have token names, values without NUL,
 * CR or LF, one Content-Length value of digits at most, not both
 * Content-Length and Transfer-Encoding, only "chunked" as a coding, and one
 * Host in HTTP/1.1.  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/framing.h"

#define MAX_LINES 64

struct line {
    const char *key, *value;
    size_t key_size, value_size;
};

static int is_token(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c))
            return 0;
    }
    return 1;
}

static int named(const struct line *l, const char *name)
{
    return l->key_size == strlen(name) && strncasecmp(l->key, name, l->key_size) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy with a NUL after each value, so that values are also C strings where whole. */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    struct line lines[MAX_LINES];
    size_t n = 0;
    char *version = buf, *p = memchr(buf, '\n', size);
    char *end = buf + size;
    if (p)
        *p++ = 0;
    while (p && p < end && n < MAX_LINES) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        char *colon = memchr(p, ':', (size_t)(stop - p));
        if (colon) {
            *stop = 0;
            lines[n].key = p;
            lines[n].key_size = (size_t)(colon - p);
            lines[n].value = colon + 1;
            lines[n].value_size = (size_t)(stop - colon - 1);
            n++;
        }
        p = nl ? nl + 1 : NULL;
    }
    struct framing f = {0};
    for (size_t i = 0; i < n; i++)
        framing_line(&f, lines[i].key, lines[i].key_size, lines[i].value, lines[i].value_size);
    const char *why = "unset";
    int verdict = framing_verdict(&f, version, &why);
    if (verdict != 0 && verdict != 400 && verdict != 501)
        abort();
    if ((verdict != 0) != (why != NULL))
        abort();
    if (verdict == 0) {
        unsigned hosts = 0, te = 0, cl = 0;
        const struct line *first_cl = NULL;
        for (size_t i = 0; i < n; i++) {
            const struct line *l = &lines[i];
            if (!is_token(l->key, l->key_size))
                abort();
            for (size_t k = 0; k < l->value_size; k++)
                if (l->value[k] == 0 || l->value[k] == '\r' || l->value[k] == '\n')
                    abort();
            if (named(l, "Host"))
                hosts++;
            if (named(l, "Transfer-Encoding")) {
                te++;
                if (strcasecmp(l->value, "chunked") != 0)
                    abort();
            }
            if (named(l, "Content-Length")) {
                cl++;
                if (l->value_size == 0 || l->value_size > 18 ||
                    strspn(l->value, "0123456789") != l->value_size)
                    abort();
                if (first_cl && (first_cl->value_size != l->value_size ||
                                 memcmp(first_cl->value, l->value, l->value_size) != 0))
                    abort();
                first_cl = l;
            }
        }
        if (te > 1 || (te && cl) || hosts > 1 ||
            (hosts == 0 && strcmp(version, "HTTP/1.0") != 0))
            abort();
    }
    free(buf);
    return 0;
}
