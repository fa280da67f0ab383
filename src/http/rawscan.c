/*
 * rawscan.c — a byte-at-a-time scanner of HTTP/1.1 request heads and the
 * bodies between them; see rawscan.h.
 */
#include "http/rawscan.h"

#include <string.h>

enum {
    S_START,   /* before a request line (empty lines allowed) */
    S_METHOD,
    S_TARGET,
    S_VERSION,
    S_LINE,    /* the start of a header line, or the empty line ending the head */
    S_NAME,
    S_VALUE,
    S_BODY,    /* Content-Length bytes */
    S_CHUNK_SIZE,
    S_CHUNK_EXT,
    S_CHUNK_DATA,
    S_CHUNK_END, /* the CRLF after a chunk's data */
    S_TRAILER,
    S_BLIND,   /* a framing we do not follow: the server refuses it and closes */
    S_BAD,
};

enum { F_OTHER, F_CL, F_TE };

static int tchar(unsigned char ch)
{
    return ch > 32 && ch < 127 && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

static int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int refuse(struct rawscan *s, int status, const char *why)
{
    s->state = S_BAD;
    s->status = status;
    s->why = why;
    return status;
}

/* A new request line begins: forget the last request's framing. */
static void begin_request(struct rawscan *s)
{
    s->has_cl = s->chunked = s->te_other = 0;
    s->cl = 0;
    s->target_len = 0;
    s->version_len = 0;
}

/* The empty line after the headers: where does this message's body end? */
static void end_head(struct rawscan *s)
{
    s->heads++;
    s->head_len = 0;
    s->remaining = 0;
    s->digits = 0;
    if (s->te_other || (s->chunked && s->has_cl))
        s->state = S_BLIND;
    else if (s->chunked)
        s->state = S_CHUNK_SIZE;
    else if (s->cl > 0) {
        s->remaining = s->cl;
        s->state = S_BODY;
    } else
        s->state = S_START;
}

/* The end of a header line (name and value read). */
static int end_field(struct rawscan *s)
{
    if (s->field == F_CL) {
        if (!s->digits)
            return refuse(s, 400, "a Content-Length that is not a number");
        if (s->has_cl && s->cl != s->line_cl)
            return refuse(s, 400, "two different Content-Length headers");
        s->has_cl = 1;
        s->cl = s->line_cl;
    } else if (s->field == F_TE) {
        if (!s->chunked && s->te_len == 7 && memcmp(s->te, "chunked", 7) == 0)
            s->chunked = 1;
        else
            s->te_other = 1;
    }
    s->state = S_LINE;
    return 0;
}

/* A line ends (LF, or CRLF) in state s->state. */
static int end_line(struct rawscan *s)
{
    switch (s->state) {
    case S_START:
        return 0; /* an empty line before a request */
    case S_VERSION:
        if (s->version_len != 8 || memcmp(s->version, "HTTP/", 5) != 0 ||
            s->version[5] < '0' || s->version[5] > '9' || s->version[6] != '.' ||
            s->version[7] < '0' || s->version[7] > '9')
            return refuse(s, 400, "a request line without a valid HTTP version");
        if (s->version[5] != '1' || (s->version[7] != '0' && s->version[7] != '1'))
            return refuse(s, 505, "an HTTP version other than 1.0 and 1.1");
        s->state = S_LINE;
        return 0;
    case S_LINE:
        end_head(s);
        return 0;
    case S_VALUE:
        return end_field(s);
    case S_NAME:
        return refuse(s, 400, "a header line without a colon");
    case S_CHUNK_SIZE:
    case S_CHUNK_EXT:
        if (!s->digits) {
            s->state = S_BLIND;
            return 0;
        }
        s->state = s->remaining ? S_CHUNK_DATA : S_TRAILER;
        s->target_len = 0;
        return 0;
    case S_CHUNK_END:
        s->state = S_CHUNK_SIZE;
        s->remaining = 0;
        s->digits = 0;
        return 0;
    case S_TRAILER:
        if (s->target_len == 0)
            s->state = S_START; /* the empty line ending the chunked message */
        s->target_len = 0;
        return 0;
    default:
        return refuse(s, 400, "a malformed request line");
    }
}

/* One byte of a header value. */
static int value_byte(struct rawscan *s, unsigned char ch)
{
    if (ch == 0)
        return refuse(s, 400, "a NUL in a header value");
    if ((ch < 32 && ch != '\t') || ch == 127)
        return refuse(s, 400, "a control character in a header value");
    int ows = ch == ' ' || ch == '\t';
    if (s->field == F_CL) {
        if (ows) {
            s->ows_tail = s->digits > 0;
            return 0;
        }
        if (ch < '0' || ch > '9' || s->ows_tail || s->digits >= 18)
            return refuse(s, 400, "a Content-Length that is not a number");
        s->line_cl = s->line_cl * 10 + (uint64_t)(ch - '0');
        s->digits++;
    } else if (s->field == F_TE && !ows) {
        if (s->te_len < sizeof s->te)
            s->te[s->te_len] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        s->te_len++;
    }
    return 0;
}

/* The header name just read decides which value, if any, is parsed. */
static void start_value(struct rawscan *s)
{
    s->field = F_OTHER;
    if (s->name_len == 14 && memcmp(s->name, "content-length", 14) == 0)
        s->field = F_CL;
    else if (s->name_len == 17 && memcmp(s->name, "transfer-encoding", 17) == 0)
        s->field = F_TE;
    s->digits = 0;
    s->ows_tail = 0;
    s->line_cl = 0;
    s->te_len = 0;
    s->state = S_VALUE;
}

/* One byte in state s->state, which is neither a body's data nor blind. */
static int step(struct rawscan *s, unsigned char ch, size_t max_head)
{
    if (s->state <= S_VALUE && ++s->head_len > max_head)
        return refuse(s, s->state <= S_VERSION ? 414 : 431,
                      s->state <= S_VERSION ? "a request line too long"
                                            : "request headers too large");
    if (s->cr) {
        s->cr = 0;
        if (ch != '\n') {
            if (s->state >= S_BODY) {
                s->state = S_BLIND;
                return 0;
            }
            return refuse(s, 400, "a bare CR");
        }
        return end_line(s);
    }
    if (ch == '\r' && s->state != S_METHOD && s->state != S_TARGET && s->state != S_NAME) {
        s->cr = 1;
        return 0;
    }
    if (ch == '\n')
        return end_line(s);
    switch (s->state) {
    case S_START:
        if (!tchar(ch))
            return refuse(s, 400, "a request line that does not begin with a method");
        begin_request(s);
        s->state = S_METHOD;
        return 0;
    case S_METHOD:
        if (ch == ' ') {
            s->state = S_TARGET;
            return 0;
        }
        return tchar(ch) ? 0 : refuse(s, 400, "a malformed request line");
    case S_TARGET:
        if (ch == ' ' && s->target_len) {
            s->state = S_VERSION;
            return 0;
        }
        if (ch <= 32 || ch == 127)
            return refuse(s, 400, "a malformed request line");
        s->target_len++;
        return 0;
    case S_VERSION:
        if (s->version_len >= 8)
            return refuse(s, 400, "a request line without a valid HTTP version");
        s->version[s->version_len++] = (char)ch;
        return 0;
    case S_LINE:
        if (ch == ' ' || ch == '\t')
            return refuse(s, 400, "a folded header line");
        if (!tchar(ch))
            return refuse(s, 400, ch == ':' ? "an empty header name"
                                            : "a header name with a space or a control "
                                              "character");
        s->name_len = 0;
        s->state = S_NAME;
        /* fall through */
    case S_NAME:
        if (ch == ':') {
            start_value(s);
            return 0;
        }
        if (!tchar(ch))
            return refuse(s, 400, "a header name with a space or a control character");
        if (s->name_len < sizeof s->name)
            s->name[s->name_len] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        s->name_len++;
        return 0;
    case S_VALUE:
        return value_byte(s, ch);
    case S_CHUNK_SIZE: {
        int v = hexval(ch);
        if (v >= 0 && s->digits < 15) {
            s->remaining = s->remaining * 16 + (uint64_t)v;
            s->digits++;
        } else if ((ch == ';' || ch == ' ' || ch == '\t') && s->digits)
            s->state = S_CHUNK_EXT;
        else
            s->state = S_BLIND;
        return 0;
    }
    case S_CHUNK_EXT:
        return 0;
    case S_CHUNK_END:
        s->state = S_BLIND;
        return 0;
    case S_TRAILER:
        s->target_len++;
        return 0;
    default:
        return 0;
    }
}

int rawscan_feed(struct rawscan *s, const char *p, size_t n, size_t max_head, size_t *start,
                 const char **why)
{
    *start = 0;
    for (size_t i = 0; i < n && s->state != S_BAD && s->state != S_BLIND;) {
        if (s->state == S_BODY || s->state == S_CHUNK_DATA) {
            size_t take = s->remaining < n - i ? (size_t)s->remaining : n - i;
            s->remaining -= take;
            i += take;
            if (!s->remaining)
                s->state = s->state == S_BODY ? S_START : S_CHUNK_END;
            continue;
        }
        if (s->state == S_START && s->head_len == 0)
            *start = i; /* the first byte after the last message */
        if (step(s, (unsigned char)p[i], max_head))
            break;
        i++;
    }
    *why = s->why;
    return s->state == S_BAD ? s->status : 0;
}

int rawscan_in_head(const struct rawscan *s)
{
    return s->state <= S_VALUE && s->head_len > 0;
}
