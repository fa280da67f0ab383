/*
 * render.c — the template sets and the layout; see render.h.
 *
 * Templates are written with Chinese punctuation between their tags (a
 * label, a full-width colon, a value).  The English pages use a second set
 * parsed from the same sources with that punctuation in English (": ",
 * ", ", " (" ...), so that neither the templates nor the catalogs need a key
 * for every colon.  Only the templates' own text changes: catalogs and data
 * print as they are.
 */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "view/template.h"

#define TEMPLATE_DIR "templates/"

static struct tpl_set *sets[LANG__MAX];

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

void render_free(void)
{
    for (int l = 0; l < LANG__MAX; l++) {
        tpl_set_free(sets[l]);
        sets[l] = NULL;
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

int render_layout(const char *content, size_t len, enum lang lang, json_t *site, struct buf *out)
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
    if (rc == 0 && !content.oom) {
        json_object_set_new(ctx, "content_html", json_stringn(content.p ? content.p : "",
                                                              content.len));
        rc = tpl_render(set_of(lang), "layout", ctx, out);
    }
    buf_release(&content);
    json_decref(ctx);
    return rc == 0 && !out->oom ? 0 : -1;
}
