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

char *markdown_excerpt(const char *md, size_t len, size_t chars)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    int space = 0;
    size_t seen = 0; /* characters appended so far */
    for (size_t i = 0; i < len && seen <= chars; i++) {
        char c = md[i];
        if (c == '#' || c == '*' || c == '>' || c == '`' || c == '_' || c == '[' || c == ']')
            continue;
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = b.len > 0;
            continue;
        }
        if (space) {
            buf_putc(&b, ' ');
            space = 0;
            seen++;
        }
        buf_putc(&b, c);
        if (((unsigned char)c & 0xC0) != 0x80)
            seen++;
    }
    /* Never end inside a multi-byte character. */
    size_t keep = utf8_prefix(b.p ? b.p : "", b.len, chars);
    while (keep > 0 && !utf8_valid(b.p, keep))
        keep--;
    char *out = malloc(keep + 1);
    if (out) {
        memcpy(out, b.p ? b.p : "", keep);
        out[keep] = 0;
    }
    buf_release(&b);
    return out;
}
