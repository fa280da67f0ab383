/*
 * export_index.c — the search index of a static export (export_site.h).
 *
 * The exported site has no server to search, so search/index.html loads
 * search-index.json and static/export_search.js looks the words up there:
 *
 *   {"version": 1,
 *    "docs":  [[file, title, unit, region, track, tier, date, tags, tier_slug], ...],
 *    "grams": {"两字": [doc, ...], ...}}
 *
 * Every published case is a doc (file: its exported page, relative to the
 * root).  A gram is two neighbouring characters of a doc's title, unit,
 * region or tags (ASCII letters lower-cased, none across white space), so a
 * query of two characters or more is the intersection of its grams'
 * lists, checked against the text; one character is a scan of the docs.
 */
#include <string.h>

#include "core/jstr.h"
#include "core/utf8.h"
#include "store/store.h"
#include "web/export_site.h"

/* 1 for the characters no gram spans. */
static int is_space(int32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000;
}

/* Write code point c as UTF-8 at out; the bytes written. */
static size_t put_utf8(char *out, int32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Add doc to the list of every gram of text (each list once per doc, in doc order). */
static void add_grams(json_t *grams, const char *text, size_t doc)
{
    size_t n = strlen(text), i = 0;
    int32_t prev = ' ';
    while (i < n) {
        int32_t c = utf8_next(text, n, &i);
        if (c < 0)
            break;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (!is_space(prev) && !is_space(c)) {
            char g[9];
            size_t k = put_utf8(g, prev);
            k += put_utf8(g + k, c);
            g[k] = 0;
            json_t *list = json_object_get(grams, g);
            if (!list) {
                list = json_array();
                json_object_set_new(grams, g, list);
            }
            size_t len = json_array_size(list);
            if (!len || (size_t)json_integer_value(json_array_get(list, len - 1)) != doc)
                json_array_append_new(list, json_integer((json_int_t)doc));
        }
        prev = c;
    }
}

/* The names of a case's tags, separated by spaces. */
static void tag_text(json_t *tags, struct buf *b)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        if (i)
            buf_putc(b, ' ');
        buf_puts(b, json_string_value(t) ? json_string_value(t) : "");
    }
}

json_t *export_search_index(struct store *st, export_resolve_fn resolve, void *ctx)
{
    json_t *docs = json_array(), *grams = json_object();
    struct buf text = BUF_INIT, tags = BUF_INIT;
    buf_init(&text, 0);
    buf_init(&tags, 0);
    for (int page = 1;; page++) {
        struct store_filter f = {.page = page, .per_page = STORE_MAX_PER_PAGE};
        json_t *list = store_cases(st, &f);
        if (!list) {
            json_decref(docs);
            json_decref(grams);
            docs = NULL;
            break;
        }
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(list, "items"), i, c)
        {
            const char *file = resolve(ctx, jstr(c, "url"));
            if (!file)
                continue;
            json_t *tier = json_object_get(c, "tier");
            buf_reset(&tags);
            tag_text(json_object_get(c, "tags"), &tags);
            const char *title = jstr(c, "title");
            const char *unit = jstr(json_object_get(c, "unit"), "name");
            const char *region = jstr(json_object_get(c, "region"), "name");
            size_t doc = json_array_size(docs);
            json_array_append_new(
                docs, json_pack("[s,s,s,s,s,s,s,s#,s]", file, title, unit, region,
                                jstr(json_object_get(c, "track"), "name"),
                                tier ? jstr(tier, "name") : "", jstr(c, "published_at"),
                                tags.p ? tags.p : "", tags.len, tier ? jstr(tier, "slug") : ""));
            buf_reset(&text);
            buf_printf(&text, "%s\n%s\n%s\n%.*s", title, unit, region, (int)tags.len,
                       tags.p ? tags.p : "");
            add_grams(grams, text.p, doc);
        }
        json_int_t pages = json_integer_value(json_object_get(list, "pages"));
        json_decref(list);
        if (page >= pages)
            break;
    }
    buf_release(&text);
    buf_release(&tags);
    return docs ? json_pack("{s:i,s:o,s:o}", "version", 1, "docs", docs, "grams", grams) : NULL;
}
