/*
 * cookie.c — Cookie header parsing and Set-Cookie writing; see cookie.h.
 */
#include "cookie.h"

#include <string.h>

#include "http/token.h"

/* RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
static int is_octet(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

static int all(const char *s, size_t n, int (*ok)(unsigned char))
{
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

const char *cookie_get(struct arena *a, const char *header, const char *name)
{
    size_t want = strlen(name);
    const char *p = header;

    if (!p)
        return NULL;
    while (*p) {
        const char *end = strchr(p, ';');
        const char *eq, *ne, *v, *ve;
        if (!end)
            end = p + strlen(p);
        while (p < end && is_ows(*p))
            p++;
        eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            ne = eq;
            while (ne > p && is_ows(ne[-1]))
                ne--;
            v = eq + 1;
            while (v < end && is_ows(*v))
                v++;
            ve = end;
            while (ve > v && is_ows(ve[-1]))
                ve--;
            if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
                v++, ve--;
            if ((size_t)(ne - p) == want && memcmp(p, name, want) == 0 && want > 0 &&
                all(p, want, http_tchar) && all(v, (size_t)(ve - v), is_octet))
                return arena_strndup(a, v, (size_t)(ve - v));
        }
        p = *end ? end + 1 : end;
    }
    return NULL;
}

void cookie_set(struct buf *out, const char *name, const char *value, const char *path,
                long max_age, int secure)
{
    size_t nlen = strlen(name), vlen = strlen(value);

    if (nlen == 0 || !all(name, nlen, http_tchar) || !all(value, vlen, is_octet)) {
        out->oom = 1;
        return;
    }
    if (path) {
        for (const char *c = path; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == ';') {
                out->oom = 1;
                return;
            }
    }
    buf_append(out, name, nlen);
    buf_putc(out, '=');
    buf_append(out, value, vlen);
    if (path)
        buf_printf(out, "; Path=%s", path);
    if (max_age >= 0)
        buf_printf(out, "; Max-Age=%ld", max_age);
    if (secure)
        buf_puts(out, "; Secure");
    buf_puts(out, "; HttpOnly; SameSite=Lax");
}
