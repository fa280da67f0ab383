/*
 * markdown.c — the cmark wrapper; see markdown.h.
 */
#include "markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

char *markdown_to_html(const char *md, size_t len)
{
    /* CMARK_OPT_SAFE is the default in cmark 0.30; say it anyway, for older ones. */
    return cmark_markdown_to_html(md, len, CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8);
}

/* The excerpt being built: characters so far, and a space owed before the next one. */
struct excerpt {
    struct buf b;
    size_t seen, chars;
    int space;
};

/* Append text[0..n) with white space collapsed; 0 once the limit is reached. */
static int excerpt_text(struct excerpt *x, const char *text, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t at = i;
        int32_t c = utf8_next(text, n, &i);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            x->space = x->b.len > 0;
            continue;
        }
        if (c < 0)
            continue;
        /* A space is only written when the character after it fits too. */
        if (x->seen + (size_t)x->space >= x->chars)
            return 0;
        if (x->space) {
            buf_putc(&x->b, ' ');
            x->seen++;
            x->space = 0;
        }
        buf_append(&x->b, text + at, i - at);
        x->seen++;
    }
    return 1;
}

char *markdown_excerpt(const char *md, size_t len, size_t chars)
{
    /*
     * Only text is kept: the literal of text and code nodes (link texts and
     * image descriptions included), never URLs, raw HTML or markup.
     */
    struct excerpt x = {BUF_INIT, 0, chars, 0};
    buf_init(&x.b, 0);
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8);
    cmark_iter *it = doc ? cmark_iter_new(doc) : NULL;
    cmark_event_type ev;
    int more = it != NULL;
    while (more && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        switch (cmark_node_get_type(node)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_CODE_BLOCK: {
            const char *lit = cmark_node_get_literal(node);
            if (lit)
                more = excerpt_text(&x, lit, strlen(lit));
            if (cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK)
                x.space = x.b.len > 0;
            break;
        }
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            x.space = x.b.len > 0;
            break;
        default:
            /* Block boundaries separate words; inline ones (emphasis, links) do not. */
            if (ev == CMARK_EVENT_EXIT && cmark_node_get_type(node) <= CMARK_NODE_LAST_BLOCK)
                x.space = x.b.len > 0;
            break;
        }
    }
    if (it)
        cmark_iter_free(it);
    if (doc)
        cmark_node_free(doc);
    /* Never end inside a multi-byte character (cmark output is valid UTF-8). */
    size_t keep = utf8_prefix(x.b.p ? x.b.p : "", x.b.len, chars);
    while (keep > 0 && !utf8_valid(x.b.p, keep))
        keep--;
    char *out = x.b.oom ? NULL : malloc(keep + 1);
    if (out) {
        memcpy(out, x.b.p ? x.b.p : "", keep);
        out[keep] = 0;
    }
    buf_release(&x.b);
    return out;
}
