/*
 * render.c — the template sets and the layout; see render.h.
 *
 * Templates are written with Chinese punctuation between their tags (a
 * label, a full-width colon, a value).  The English pages use a second set
 * parsed from the same sources with that punctuation in English (": ",
 * ", ", " (" ...), so that neither the templates nor the catalogs need a key
 * for every colon.  Only the templates' own text changes: catalogs and data
 * print as they are.
 *
 * The layout a visitor who is not signed in sees differs from page to page
 * only by the page's title, the other language's URL and the content.  So
 * it is rendered once per language with markers in those places and kept in
 * pieces, and such a page is put together from them: the same bytes as
 * walking the template, at the cost of copies.
 */
#include "render.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "view/template.h"

#define TEMPLATE_DIR "templates/"

static struct tpl_set *sets[LANG__MAX];

/* What a visitor's layout is cut at: a page's title, the other language's URL, the content. */
enum hole { HOLE_TITLE, HOLE_URL, HOLE_CONTENT, HOLE__MAX };
static const char *const marks[HOLE__MAX] = {
    "LaurelLayoutHoleTitle", "LaurelLayoutHoleUrl", "LaurelLayoutHoleContent"};
#define PIECES_MAX 8

/* A language's visitor layout: text[i], then hole[i] (none after the last text). */
struct pieces {
    json_t *site; /* the visitor's site it was rendered for, without title and URL */
    char *html;
    size_t n, at[PIECES_MAX + 1], len[PIECES_MAX + 1];
    enum hole hole[PIECES_MAX];
};
static _Atomic(struct pieces *) cut[LANG__MAX];
static pthread_mutex_t cut_lock = PTHREAD_MUTEX_INITIALIZER;

/* Chinese punctuation and its English form, for the English set's text. */
static const char *const punct[][2] = {
    {"\xef\xbc\x9a", ": "}, /* ： */
    {"\xef\xbc\x8c", ", "}, /* ， */
    {"\xe3\x80\x82", ". "}, /* 。 */
    {"\xe3\x80\x81", ", "}, /* 、 */
    {"\xef\xbc\x9b", "; "}, /* ； */
    {"\xef\xbc\x88", " ("}, /* （ */
    {"\xef\xbc\x89", ")"},  /* ） */
};

/* src[0..len) with punct's Chinese forms in English, malloc'd in *out; its length, or -1. */
static long english_punct(const char *src, size_t len, char **out)
{
    char *o = malloc(len * 2 + 1); /* each 3-byte mark becomes at most 2 bytes */
    if (!(*out = o))
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 0;
        while (k < sizeof punct / sizeof punct[0] &&
               (len - i < 3 || memcmp(src + i, punct[k][0], 3) != 0))
            k++;
        if (k < sizeof punct / sizeof punct[0]) {
            size_t m = strlen(punct[k][1]);
            memcpy(o + n, punct[k][1], m);
            n += m;
            i += 3;
        } else {
            o[n++] = src[i++];
        }
    }
    return (long)n;
}

int render_init(char *err, size_t errlen)
{
    for (int l = 0; l < LANG__MAX; l++)
        if (!(sets[l] = tpl_set_new())) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    size_t plen = strlen(TEMPLATE_DIR);
    for (unsigned i = 0; i < embed_count; i++) {
        const struct embed_file *f = &embed_files[i];
        size_t n = strlen(f->name);
        if (strncmp(f->name, TEMPLATE_DIR, plen) != 0 || n < plen + 6 ||
            strcmp(f->name + n - 5, ".html") != 0)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(n - plen - 5), f->name + plen);
        if (tpl_set_add(sets[LANG_ZH], name, (const char *)f->data, f->len, err, errlen) != 0)
            return -1;
        char *en = NULL;
        long m = english_punct((const char *)f->data, f->len, &en);
        int rc = m < 0 ? -1 : tpl_set_add(sets[LANG_EN], name, en, (size_t)m, err, errlen);
        free(en);
        if (rc != 0)
            return -1;
    }
    for (int l = 0; l < LANG__MAX; l++)
        if (tpl_set_link(sets[l], err, errlen) != 0)
            return -1;
    return 0;
}

/* The set of a language (Chinese for anything unknown). */
static struct tpl_set *set_of(enum lang lang)
{
    return lang == LANG_EN ? sets[LANG_EN] : sets[LANG_ZH];
}

static void pieces_free(struct pieces *pc)
{
    if (!pc)
        return;
    json_decref(pc->site);
    free(pc->html);
    free(pc);
}

void render_free(void)
{
    for (int l = 0; l < LANG__MAX; l++) {
        tpl_set_free(sets[l]);
        sets[l] = NULL;
        pieces_free(atomic_exchange(&cut[l], NULL));
    }
}

int render_fragment(const char *name, json_t *model, enum lang lang, json_t *site,
                    struct buf *out)
{
    json_t *ctx = json_is_object(model) ? json_copy(model) : json_object();
    if (!ctx)
        return -1;
    json_object_set(ctx, "t", i18n_catalog(lang));
    json_object_set_new(ctx, "site", site ? json_incref(site) : json_object());
    int rc = tpl_render(set_of(lang), name, ctx, out);
    json_decref(ctx);
    return rc == 0 && !out->oom ? 0 : -1;
}

/* The layout walked: the template with the site and the content. */
static int walk_layout(const char *content, size_t len, enum lang lang, json_t *site,
                       struct buf *out)
{
    /* The content came out of our templates: valid UTF-8, so not checked again. */
    json_t *ctx = json_pack("{s:O,s:O,s:o}", "t", i18n_catalog(lang), "site", site,
                            "content_html",
                            json_stringn_nocheck(content ? content : "", content ? len : 0));
    if (!ctx)
        return -1;
    int rc = tpl_render(set_of(lang), "layout", ctx, out);
    json_decref(ctx);
    return rc == 0 && !out->oom ? 0 : -1;
}

/* The site without the two values that differ from page to page. */
static json_t *site_fixed(json_t *site)
{
    json_t *f = json_copy(site);
    if (f) {
        json_object_del(f, "title");
        json_object_del(f, "other_lang_url");
    }
    return f;
}

/* The layout for site rendered with markers and cut at them; NULL if it cannot be. */
static struct pieces *pieces_cut(enum lang lang, json_t *site)
{
    struct pieces *pc = calloc(1, sizeof *pc);
    json_t *marked = json_copy(site);
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    if (!pc || !marked || !(pc->site = site_fixed(site)) ||
        json_object_set_new(marked, "title", json_string(marks[HOLE_TITLE])) != 0 ||
        json_object_set_new(marked, "other_lang_url", json_string(marks[HOLE_URL])) != 0 ||
        walk_layout(marks[HOLE_CONTENT], strlen(marks[HOLE_CONTENT]), lang, marked, &b) != 0)
        goto fail;
    pc->html = buf_detach(&b, NULL);
    const char *p = pc->html;
    int contents = 0;
    for (;;) {
        const char *next = NULL;
        enum hole h = HOLE_TITLE;
        for (int k = 0; k < HOLE__MAX; k++) {
            const char *q = strstr(p, marks[k]);
            if (q && (!next || q < next))
                next = q, h = (enum hole)k;
        }
        pc->at[pc->n] = (size_t)(p - pc->html);
        pc->len[pc->n] = next ? (size_t)(next - p) : strlen(p);
        if (!next)
            break;
        if (pc->n == PIECES_MAX)
            goto fail;
        pc->hole[pc->n++] = h;
        contents += h == HOLE_CONTENT;
        p = next + strlen(marks[h]);
    }
    if (contents != 1)
        goto fail;
    json_decref(marked);
    return pc;
fail:
    json_decref(marked);
    buf_release(&b);
    pieces_free(pc);
    return NULL;
}

/* The pieces for a visitor's site in lang, cut at the first such page; NULL for another site. */
static struct pieces *pieces_for(enum lang lang, json_t *site)
{
    if (json_object_get(site, "user") || json_object_get(site, "csrf") ||
        json_object_get(site, "export"))
        return NULL;
    int l = lang == LANG_EN ? LANG_EN : LANG_ZH;
    struct pieces *pc = atomic_load(&cut[l]);
    if (!pc) {
        pthread_mutex_lock(&cut_lock);
        if (!(pc = atomic_load(&cut[l])) && (pc = pieces_cut(lang, site)))
            atomic_store(&cut[l], pc);
        pthread_mutex_unlock(&cut_lock);
        if (!pc)
            return NULL;
    }
    /* A site with anything else than the one cut for (a key added later) walks the template. */
    size_t same = 0;
    const char *key;
    json_t *v;
    json_object_foreach(site, key, v)
    {
        if (strcmp(key, "title") == 0 || strcmp(key, "other_lang_url") == 0)
            continue;
        if (!json_equal(v, json_object_get(pc->site, key)))
            return NULL;
        same++;
    }
    return same == json_object_size(pc->site) ? pc : NULL;
}

int render_layout(const char *content, size_t len, enum lang lang, json_t *site, struct buf *out)
{
    struct pieces *pc = pieces_for(lang, site);
    if (!pc || !json_is_string(json_object_get(site, "title")) ||
        !json_is_string(json_object_get(site, "other_lang_url")))
        return walk_layout(content, len, lang, site, out);
    json_t *title = json_object_get(site, "title"), *url = json_object_get(site, "other_lang_url");
    for (size_t i = 0; i <= pc->n; i++) {
        buf_append(out, pc->html + pc->at[i], pc->len[i]);
        if (i == pc->n)
            break;
        if (pc->hole[i] == HOLE_CONTENT)
            buf_append(out, content ? content : "", content ? len : 0);
        else if (pc->hole[i] == HOLE_TITLE)
            buf_html(out, json_string_value(title), json_string_length(title));
        else
            buf_html(out, json_string_value(url), json_string_length(url));
    }
    return out->oom ? -1 : 0;
}

size_t render_layout_pieces(enum lang lang)
{
    struct pieces *pc = atomic_load(&cut[lang == LANG_EN ? LANG_EN : LANG_ZH]);
    return pc ? pc->n + 1 : 0;
}

int render_page(const char *name, json_t *model, enum lang lang, json_t *site, struct buf *out)
{
    json_t *ctx = json_is_object(model) ? json_copy(model) : json_object();
    if (!ctx)
        return -1;
    json_object_set(ctx, "t", i18n_catalog(lang));
    json_object_set(ctx, "site", site);
    struct buf content = BUF_INIT;
    buf_init(&content, 0);
    int rc = tpl_render(set_of(lang), name, ctx, &content);
    json_decref(ctx);
    if (rc == 0 && !content.oom)
        rc = render_layout(content.p, content.len, lang, site, out);
    buf_release(&content);
    return rc == 0 && !out->oom ? 0 : -1;
}
