/*
 * multipart.c — streaming multipart/form-data parsing; see multipart.h.
 *
 * The parser is a byte-driven state machine, so its behaviour cannot depend
 * on where the input was split.  In the preamble and in a part's body it
 * looks for the delimiter "\r\n--" boundary; m->k counts the delimiter bytes
 * matched so far, which are the only bytes held back between feeds.  Since
 * a boundary holds no CR, a failed match can only restart at the current
 * byte, and the held bytes are exactly delim[0..k), so they need no copy.
 * The body starts as if just after a CRLF (k = 2), which lets the first
 * delimiter open the body without one.
 *
 * Body data is passed on before anything that can fail: a run is flushed
 * when a possible delimiter starts and at the end of each feed, and a part
 * ends (part_end) as soon as its delimiter is complete, before the rest of
 * the delimiter line is checked.
 */
#include "multipart.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "http/token.h"

enum mp_state {
    MP_PREAMBLE,    /* before the first delimiter: bytes are discarded */
    MP_AFTER_DELIM, /* just after "--boundary" */
    MP_PADDING,     /* in the spaces and tabs that may end a delimiter line */
    MP_CLOSE_DASH,  /* after "--boundary-" */
    MP_DELIM_LF,    /* after the CR that ends a delimiter line */
    MP_HEADERS,     /* in a part's header block */
    MP_BODY,        /* in a part's body */
    MP_EPILOGUE,    /* after the closing delimiter: bytes are discarded */
};

struct multipart {
    struct multipart_cb cb;
    enum mp_state state;
    int rc;
    char delim[4 + MULTIPART_BOUNDARY_MAX + 1]; /* "\r\n--" boundary */
    size_t dlen;
    size_t k;    /* delimiter bytes matched */
    size_t hlen; /* bytes in hbuf */
    char hbuf[MULTIPART_HEADER_MAX + 1];
    char sbuf[MULTIPART_HEADER_MAX + 1]; /* decoded parameter values */
};

static const char *const rc_text[MULTIPART__MAX] = {
    [MULTIPART_OK] = "ok",
    [MULTIPART_ESYNTAX] = "malformed multipart body",
    [MULTIPART_EHEADER] = "malformed or oversized part headers",
    [MULTIPART_ETRUNCATED] = "multipart body ends before its closing boundary",
    [MULTIPART_ESTOPPED] = "multipart parsing stopped by the caller",
    [MULTIPART_ENOMEM] = "out of memory",
};

const char *multipart_strerror(int rc)
{
    if (rc < 0 || rc >= MULTIPART__MAX)
        return "unknown multipart error";
    return rc_text[rc];
}

/* ------------------------------------------------------------------------ */
/* Header values: tokens, parameters, validation */

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/*
 * Parse the next parameter of a header value at *pp: OWS ";" OWS name OWS
 * "=" OWS value, where value is a token-like run or a quoted string with
 * backslash escapes.  Empty parameters (";;", a trailing ";") are skipped.
 * The name is returned as a span; the decoded value goes to val (truncated
 * to vcap - 1 bytes, NUL-terminated) and its full length to *vlen.  Returns
 * 1 for a parameter, 0 at the end of the value, -1 on a syntax error.
 */
static int param_next(const char **pp, const char **name, size_t *nlen, char *val, size_t vcap,
                      size_t *vlen)
{
    const char *p = *pp;
    size_t n = 0;

    for (;;) {
        p = skip_ows(p);
        if (*p == 0) {
            *pp = p;
            return 0;
        }
        if (*p != ';')
            return -1;
        p = skip_ows(p + 1);
        if (*p != 0 && *p != ';')
            break;
    }
    *name = p;
    while (http_tchar((unsigned char)*p))
        p++;
    *nlen = (size_t)(p - *name);
    if (*nlen == 0)
        return -1;
    p = skip_ows(p);
    if (*p != '=')
        return -1;
    p = skip_ows(p + 1);
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\\')
                p++;
            if (*p == 0)
                return -1;
            if (n + 1 < vcap)
                val[n] = *p;
            n++;
        }
        p++;
    } else {
        for (; (unsigned char)*p > 0x20 && *p != 0x7f && *p != ';' && *p != '"'; p++) {
            if (n + 1 < vcap)
                val[n] = *p;
            n++;
        }
    }
    if (vcap > 0)
        val[n < vcap ? n : vcap - 1] = 0;
    *vlen = n;
    *pp = p;
    return 1;
}

static int name_is(const char *name, size_t nlen, const char *want)
{
    return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

/* 1 if s is UTF-8 without control characters. */
static int clean_text(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return utf8_valid(s, n);
}

static int is_bchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return 1;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return 1;
    return c && strchr("'()+_,-./:=? ", c) != NULL;
}

static int boundary_valid(const char *b, size_t n)
{
    if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_bchar((unsigned char)b[i]))
            return 0;
    return 1;
}

int multipart_boundary(const char *content_type, char *out, size_t outlen)
{
    static const char type[] = "multipart/form-data";
    const char *p = skip_ows(content_type);
    const char *name;
    char val[MULTIPART_BOUNDARY_MAX + 1];
    size_t nlen, vlen;
    int found = 0, r;

    if (strncasecmp(p, type, sizeof type - 1) != 0)
        return -1;
    p += sizeof type - 1;
    if (*p != 0 && *p != ';' && *p != ' ' && *p != '\t')
        return -1;
    while ((r = param_next(&p, &name, &nlen, val, sizeof val, &vlen)) == 1) {
        if (!name_is(name, nlen, "boundary"))
            continue;
        if (found || !boundary_valid(val, vlen) || vlen >= outlen)
            return -1;
        memcpy(out, val, vlen + 1);
        found = 1;
    }
    return r == 0 && found ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Part headers */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Decode an RFC 5987 ext-value (UTF-8'lang'pct-encoded) in place; 0 or -1. */
static int decode_ext_value(char *s)
{
    char *q1 = strchr(s, '\'');
    char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    size_t j = 0;

    if (!q2 || q1 - s != 5 || strncasecmp(s, "UTF-8", 5) != 0)
        return -1;
    for (const char *p = q2 + 1; *p; p++) {
        if (*p == '%') {
            int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
            if (lo < 0)
                return -1;
            s[j++] = (char)(hi << 4 | lo);
            p += 2;
        } else {
            s[j++] = *p;
        }
    }
    s[j] = 0;
    return memchr(s, 0, j) ? -1 : 0;
}

/* Parse a Content-Disposition value into *name and *filename (in sbuf). */
static int parse_disposition(struct multipart *m, const char *v, const char **name,
                             const char **filename)
{
    static const char type[] = "form-data";
    const char *p = v, *pn, *plain = NULL, *ext = NULL;
    size_t spos = 0, pl, vlen;
    int r;

    while (http_tchar((unsigned char)*p))
        p++;
    if (!name_is(v, (size_t)(p - v), type))
        return MULTIPART_EHEADER;
    *name = NULL;
    for (;;) {
        char *val = m->sbuf + spos;
        r = param_next(&p, &pn, &pl, val, sizeof m->sbuf - spos, &vlen);
        if (r <= 0)
            break;
        if (vlen + 1 > sizeof m->sbuf - spos)
            return MULTIPART_EHEADER;
        const char **slot;
        if (name_is(pn, pl, "name"))
            slot = name;
        else if (name_is(pn, pl, "filename"))
            slot = &plain;
        else if (name_is(pn, pl, "filename*"))
            slot = &ext;
        else
            continue;
        if (*slot)
            return MULTIPART_EHEADER;
        if (slot == &ext && decode_ext_value(val) < 0)
            return MULTIPART_EHEADER;
        *slot = val;
        spos += strlen(val) + 1;
    }
    if (r < 0 || !*name || !**name || !clean_text(*name))
        return MULTIPART_EHEADER;
    *filename = ext ? ext : plain;
    if (*filename && !clean_text(*filename))
        return MULTIPART_EHEADER;
    return MULTIPART_OK;
}

/*
 * Parse the header block in hbuf (CRLF-terminated lines, then an empty line;
 * the append checks guarantee every CR is followed by LF and vice versa) and
 * call part_begin.
 */
static int parse_headers(struct multipart *m)
{
    char *h = m->hbuf;
    size_t n = m->hlen;
    const char *name = NULL, *filename = NULL, *ctype = NULL;
    int seen_disp = 0;

    if (h[0] == ' ' || h[0] == '\t')
        return MULTIPART_EHEADER;
    for (size_t j = 0; j + 2 < n; j++)
        if (h[j] == '\r' && (h[j + 2] == ' ' || h[j + 2] == '\t'))
            h[j] = h[j + 1] = ' ';
    h[n] = 0;
    for (char *line = h; *line != '\r';) {
        char *eol = strchr(line, '\r');
        char *colon, *v, *end;
        *eol = 0;
        colon = strchr(line, ':');
        if (!colon || colon == line)
            return MULTIPART_EHEADER;
        for (char *c = line; c < colon; c++)
            if (!http_tchar((unsigned char)*c))
                return MULTIPART_EHEADER;
        v = (char *)skip_ows(colon + 1);
        end = eol;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = 0;
        if (name_is(line, (size_t)(colon - line), "Content-Disposition")) {
            int rc;
            if (seen_disp)
                return MULTIPART_EHEADER;
            seen_disp = 1;
            rc = parse_disposition(m, v, &name, &filename);
            if (rc != MULTIPART_OK)
                return rc;
        } else if (name_is(line, (size_t)(colon - line), "Content-Type")) {
            if (ctype || !clean_text(v))
                return MULTIPART_EHEADER;
            ctype = v;
        }
        line = eol + 2;
    }
    if (!seen_disp)
        return MULTIPART_EHEADER;
    if (m->cb.part_begin && m->cb.part_begin(m->cb.ctx, name, filename, ctype ? ctype : ""))
        return MULTIPART_ESTOPPED;
    return MULTIPART_OK;
}

/* Append one byte to the header block; at its end, parse it and start the body. */
static void header_byte(struct multipart *m, char c)
{
    char prev = m->hlen ? m->hbuf[m->hlen - 1] : 0;

    if (c == 0 || m->hlen == MULTIPART_HEADER_MAX) {
        m->rc = MULTIPART_EHEADER;
        return;
    }
    if ((prev == '\r') != (c == '\n')) {
        m->rc = MULTIPART_ESYNTAX;
        return;
    }
    m->hbuf[m->hlen++] = c;
    if (c != '\n')
        return;
    if (m->hlen == 2 || (m->hlen >= 4 && memcmp(m->hbuf + m->hlen - 4, "\r\n\r\n", 4) == 0)) {
        m->rc = parse_headers(m);
        m->state = MP_BODY;
        m->k = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Delimiter scanning */

/* Pass body bytes on (in MP_BODY only); 0, or -1 if the callback stopped us. */
static int emit(struct multipart *m, const char *p, size_t n)
{
    if (m->state != MP_BODY || n == 0 || !m->cb.part_data)
        return 0;
    if (m->cb.part_data(m->cb.ctx, p, n)) {
        m->rc = MULTIPART_ESTOPPED;
        return -1;
    }
    return 0;
}

/* Scan d[i..len) in the preamble or a body for the delimiter; returns the new i. */
static size_t scan(struct multipart *m, const char *d, size_t len, size_t i)
{
    size_t run = i; /* start of bytes not yet passed on */

    while (i < len) {
        if (m->k == 0) {
            const char *cr = memchr(d + i, '\r', len - i);
            if (!cr)
                break;
            i = (size_t)(cr - d);
            if (emit(m, d + run, i - run) < 0)
                return len;
            m->k = 1;
            i++;
        } else if (d[i] == m->delim[m->k]) {
            i++;
            if (++m->k == m->dlen) {
                m->k = 0;
                if (m->state == MP_BODY && m->cb.part_end && m->cb.part_end(m->cb.ctx)) {
                    m->rc = MULTIPART_ESTOPPED;
                    return len;
                }
                m->state = MP_AFTER_DELIM;
                return i;
            }
        } else {
            /* Not a delimiter after all: the held bytes were data. */
            if (emit(m, m->delim, m->k) < 0)
                return len;
            m->k = 0;
            run = i;
        }
    }
    if (m->k == 0)
        emit(m, d + run, len - run);
    return len;
}

/* ------------------------------------------------------------------------ */

struct multipart *multipart_new(const char *boundary, const struct multipart_cb *cb)
{
    size_t blen = strlen(boundary);
    struct multipart *m;

    if (!boundary_valid(boundary, blen))
        return NULL;
    m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (cb)
        m->cb = *cb;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, blen);
    m->dlen = 4 + blen;
    m->state = MP_PREAMBLE;
    m->k = 2;
    return m;
}

int multipart_feed(struct multipart *m, const char *data, size_t len)
{
    size_t i = 0;

    while (i < len && m->rc == MULTIPART_OK) {
        char c = data[i];
        switch (m->state) {
        case MP_PREAMBLE:
        case MP_BODY:
            i = scan(m, data, len, i);
            continue;
        case MP_AFTER_DELIM:
            if (c == '-')
                m->state = MP_CLOSE_DASH;
            else if (c == ' ' || c == '\t')
                m->state = MP_PADDING;
            else if (c == '\r')
                m->state = MP_DELIM_LF;
            else
                m->rc = MULTIPART_ESYNTAX;
            break;
        case MP_PADDING:
            if (c == '\r')
                m->state = MP_DELIM_LF;
            else if (c != ' ' && c != '\t')
                m->rc = MULTIPART_ESYNTAX;
            break;
        case MP_CLOSE_DASH:
            if (c == '-')
                m->state = MP_EPILOGUE;
            else
                m->rc = MULTIPART_ESYNTAX;
            break;
        case MP_DELIM_LF:
            if (c == '\n') {
                m->state = MP_HEADERS;
                m->hlen = 0;
            } else {
                m->rc = MULTIPART_ESYNTAX;
            }
            break;
        case MP_HEADERS:
            header_byte(m, c);
            break;
        case MP_EPILOGUE:
            return MULTIPART_OK;
        }
        i++;
    }
    return m->rc;
}

int multipart_finish(struct multipart *m)
{
    if (m->rc == MULTIPART_OK && m->state != MP_EPILOGUE)
        m->rc = MULTIPART_ETRUNCATED;
    return m->rc;
}

void multipart_free(struct multipart *m)
{
    free(m);
}
