/*
 * export_links.c — local URLs to exported files, and a page's links made
 * relative; see export_links.h.
 *
 * The pages are Laurel's own templates' output (and the Markdown renderer's):
 * every attribute is name="value" or name='value', values HTML-escaped, no
 * inline script, so a scan from tag to tag finds every link without a full
 * HTML parser.
 */
#include "web/export_links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "http/query.h"

/*
 * Append s[0..n) to b with every byte but letters, digits, '-', '_', '~' (and '.' and '/' if
 * keep_slash) as %XX.
 */
static void put_escaped(struct buf *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '~' || (c == '.' && keep_slash) ||
            (c == '/' && keep_slash)) {
            buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

/* Append the decoded path segment s[0..n) to b: 0, or -1 if it cannot be a file's name. */
static int put_segment(struct arena *a, struct buf *b, const char *s, size_t n)
{
    char *d;
    size_t dn;
    if (n == 0 || query_decode(a, s, n, 0, &d, &dn) != QUERY_OK || dn == 0 ||
        memchr(d, '/', dn) || memchr(d, '\\', dn) || d[0] == '.')
        return -1;
    buf_append(b, d, dn);
    return 0;
}

char *export_file_of(const char *url, int page)
{
    if (!url || url[0] != '/' || url[1] == '/')
        return NULL;
    const char *qm = strchr(url, '?');
    size_t plen = qm ? (size_t)(qm - url) : strlen(url);
    if (qm && !page)
        return NULL;
    struct arena a;
    arena_init(&a, 1u << 20);
    struct buf b = BUF_INIT;
    buf_init(&b, 1u << 16);
    int bad = 0;
    const char *p = url + 1, *end = url + plen;
    while (p < end && !bad) { /* "/" alone has no segment */
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
        bad = put_segment(&a, &b, p, n) != 0;
        p += n;
        if (slash) {
            buf_putc(&b, '/');
            p++;
            bad |= p == end; /* a trailing slash */
        }
    }
    if (page) {
        buf_puts(&b, b.len ? "/index" : "index");
        struct query q = {0};
        if (qm && query_parse(&a, qm + 1, strlen(qm + 1), &q) != QUERY_OK)
            bad = 1;
        for (size_t i = 0; i < q.n && !bad; i++) {
            const char *k = q.v[i].key;
            bad = !*k || strspn(k, "abcdefghijklmnopqrstuvwxyz") != strlen(k);
            buf_printf(&b, ".%s-", k);
            put_escaped(&b, q.v[i].val, q.v[i].vlen, 0);
        }
        buf_puts(&b, ".html");
    }
    arena_release(&a);
    if (bad || b.oom || !b.len) {
        buf_release(&b);
        return NULL;
    }
    char *s = buf_detach(&b, NULL);
    return s;
}

/* The value of an attribute as the browser reads it: the template's five escapes undone. */
static char *unescape(const char *s, size_t n)
{
    static const struct {
        const char *e;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
    char *out = malloc(n + 1);
    size_t k = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t j = 0, len = 0;
        if (s[i] == '&')
            for (j = 0; j < sizeof ents / sizeof ents[0]; j++)
                if (n - i >= (len = strlen(ents[j].e)) && memcmp(s + i, ents[j].e, len) == 0)
                    break;
        if (s[i] == '&' && j < sizeof ents / sizeof ents[0]) {
            out[k++] = ents[j].c;
            i += len;
        } else {
            out[k++] = s[i++];
        }
    }
    out[k] = 0;
    return out;
}

/* 1 for the attributes that name a URL. */
static int is_link_attr(const char *name, size_t n)
{
    static const char *const names[] = {"href", "src", "action", "data-index"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
            return 1;
    return 0;
}

/* Where the element that starts at tag (named name[0..n)) ends when it is left out. */
static const char *element_end(const char *tag_end, const char *end, const char *name, size_t n)
{
    static const char *const paired[] = {"a", "form", "script"};
    for (size_t i = 0; i < sizeof paired / sizeof paired[0]; i++) {
        if (strlen(paired[i]) != n || strncasecmp(name, paired[i], n) != 0)
            continue;
        char close[16];
        snprintf(close, sizeof close, "</%s>", paired[i]);
        const char *c = memmem(tag_end, (size_t)(end - tag_end), close, strlen(close));
        return c ? c + strlen(close) : end;
    }
    return tag_end;
}

/* Append "../" once per folder of from, then the file's name as a URL. */
static void put_relative(struct buf *b, const char *from, const char *file)
{
    for (const char *p = from; (p = strchr(p, '/')); p++)
        buf_puts(b, "../");
    put_escaped(b, file, strlen(file), 1);
}

/*
 * Copy the tag s[0..n) (from '<' to '>') into out with its links rewritten;
 * returns 0, or -1 if a link goes nowhere and the element is to be left out.
 */
static int rewrite_tag(const char *s, size_t n, const char *from, const char *live_url,
                       export_resolve_fn resolve, void *ctx, struct buf *out, size_t *away)
{
    const char *p = s, *end = s + n;
    int drop = 0;
    while (p < end) {
        /* Find the next attribute value: name="...". */
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || eq + 1 >= end || (eq[1] != '"' && eq[1] != '\'')) {
            if (out)
                buf_append(out, p, (size_t)(end - p));
            break;
        }
        const char *name_end = eq, *name = eq;
        while (name > p && name[-1] != ' ' && name[-1] != '\n' && name[-1] != '\t')
            name--;
        char quote = eq[1];
        const char *v = eq + 2;
        const char *v_end = memchr(v, quote, (size_t)(end - v));
        if (!v_end) {
            if (out)
                buf_append(out, p, (size_t)(end - p));
            break;
        }
        if (out)
            buf_append(out, p, (size_t)(v - p));
        int local = v_end - v >= 1 && v[0] == '/' && (v_end - v == 1 || v[1] != '/');
        if (!is_link_attr(name, (size_t)(name_end - name)) || !local) {
            if (out)
                buf_append(out, v, (size_t)(v_end - v) + 1);
            p = v_end + 1;
            continue;
        }
        char *url = unescape(v, (size_t)(v_end - v));
        char *hash = url ? strchr(url, '#') : NULL;
        if (hash)
            *hash = 0;
        const char *file = url ? resolve(ctx, url) : NULL;
        if (file && out) {
            put_relative(out, from, file);
            if (hash) {
                *hash = '#';
                buf_html(out, hash, strlen(hash));
            }
        } else if (!file && live_url) {
            if (out) {
                buf_html(out, live_url, strlen(live_url));
                buf_append(out, v, (size_t)(v_end - v));
            }
            (*away)++;
        } else if (!file) {
            drop = 1;
            (*away)++;
        }
        free(url);
        if (out)
            buf_putc(out, quote);
        p = v_end + 1;
    }
    return drop ? -1 : 0;
}

size_t export_rewrite(const char *html, size_t len, const char *from, const char *live_url,
                      export_resolve_fn resolve, void *ctx, struct buf *out)
{
    const char *p = html, *end = html + len;
    size_t away = 0;
    struct buf tag = BUF_INIT;
    buf_init(&tag, 0);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) {
            if (out)
                buf_append(out, p, (size_t)(end - p));
            break;
        }
        if (out)
            buf_append(out, p, (size_t)(lt - p));
        if (end - lt >= 4 && memcmp(lt, "<!--", 4) == 0) { /* a comment, as it is */
            const char *c = memmem(lt, (size_t)(end - lt), "-->", 3);
            const char *stop = c ? c + 3 : end;
            if (out)
                buf_append(out, lt, (size_t)(stop - lt));
            p = stop;
            continue;
        }
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        const char *tag_end = gt ? gt + 1 : end;
        const char *name = lt + 1, *name_end = name;
        while (name_end < tag_end && strchr(" \t\n/>", *name_end) == NULL)
            name_end++;
        buf_reset(&tag);
        if (rewrite_tag(lt, (size_t)(tag_end - lt), from, live_url, resolve, ctx,
                        out ? &tag : NULL, &away) == 0) {
            if (out)
                buf_append(out, tag.p, tag.len);
            p = tag_end;
        } else {
            p = element_end(tag_end, end, name, (size_t)(name_end - name));
        }
    }
    buf_release(&tag);
    return away;
}
