/*
 * render.c — the template set and the layout; see render.h.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "core/embed.h"
#include "view/template.h"

#define TEMPLATE_DIR "templates/"

static struct tpl_set *templates;

int render_init(char *err, size_t errlen)
{
    templates = tpl_set_new();
    if (!templates) {
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
        if (tpl_set_add(templates, name, (const char *)f->data, f->len, err, errlen) != 0)
            return -1;
    }
    return tpl_set_link(templates, err, errlen);
}

void render_free(void)
{
    tpl_set_free(templates);
    templates = NULL;
}

int render_fragment(const char *name, json_t *model, enum lang lang, json_t *site,
                    struct buf *out)
{
    json_t *ctx = json_is_object(model) ? json_copy(model) : json_object();
    if (!ctx)
        return -1;
    json_object_set(ctx, "t", i18n_catalog(lang));
    json_object_set_new(ctx, "site", site ? json_incref(site) : json_object());
    int rc = tpl_render(templates, name, ctx, out);
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
    int rc = tpl_render(templates, "layout", ctx, out);
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
    int rc = tpl_render(templates, name, ctx, &content);
    if (rc == 0 && !content.oom) {
        json_object_set_new(ctx, "content_html", json_stringn(content.p ? content.p : "",
                                                              content.len));
        rc = tpl_render(templates, "layout", ctx, out);
    }
    buf_release(&content);
    json_decref(ctx);
    return rc == 0 && !out->oom ? 0 : -1;
}
