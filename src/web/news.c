/*
 * news.c — the organiser's news desk: the list of articles in every state,
 * the editor, the preview, publishing and unpublishing, and the 结果公告
 * drafted from the published results.
 *
 * The editor is one form: title, slug (made from the title when left
 * empty; unique, and refused beside its field when another article has
 * it), source, author, date, cover (one of the article's images) and the
 * Markdown body, with a toolbar (static/news.js) that writes the syntax
 * for the clerk.  "Save and preview" saves, then shows the article as the
 * public will see it, rendered as every page renders Markdown (raw HTML
 * off).  A new article is a draft; publishing makes it public under
 * /news/{slug} (and /news/{id}), unpublishing takes it down again.  Images
 * are uploaded on the editor once the draft exists (news_image.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/markdown.h"
#include "domain/news.h"
#include "store/news.h"
#include "web/action.h"
#include "web/news.h"

/* Today's date in Beijing, 2020-02-04, into out[11]. */
static void today(char out[11])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The state's label and the organiser's words for it. */
static json_t *status_of(struct req *r, const char *status)
{
    char key[40];
    snprintf(key, sizeof key, "news_status_%s", status ? status : "draft");
    return json_pack("{s:s,s:s,s:b,s:b,s:b}", "code", status ? status : "draft", "label",
                     i18n_get(r->lang, key), "draft", status && !strcmp(status, "draft"),
                     "published", status && !strcmp(status, "published"), "unpublished",
                     status && !strcmp(status, "unpublished"));
}

static json_t *kind_label(struct req *r, const char *kind)
{
    char key[40];
    snprintf(key, sizeof key, "news_kind_%s", kind ? kind : "news");
    return json_string(i18n_get(r->lang, key));
}

enum web_err page_admin_news(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *items = store_news_list(web.store);
    if (!items)
        return WEB_INTERNAL;
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        json_object_set_new(a, "state",
                            status_of(r, json_string_value(json_object_get(a, "status"))));
        json_object_set_new(a, "kind_label",
                            kind_label(r, json_string_value(json_object_get(a, "kind"))));
        json_object_set_new(a, "edit_url",
                            json_sprintf("/admin/news/%lld",
                                         (long long)json_integer_value(json_object_get(a, "id"))));
    }
    json_t *c = store_campaign(web.store);
    int results = c && json_array_size(json_object_get(c, "tiers")) > 0;
    p->model = json_pack("{s:o,s:i,s:b}", "items", items, "count", (int)json_array_size(items),
                         "can_draft_results", results);
    json_decref(c);
    p->template = "admin_news";
    p->title = i18n_get(r->lang, "news_admin_title");
    return WEB_OK;
}

/* The editor's fields as typed, over the model's, after a refused save. */
static void as_typed(struct req *r, json_t *m)
{
    const struct web_act *x = web_act_of(r);
    if (!x || r->method != HTTP_POST)
        return;
    static const char *const names[] = {"title", "slug", "source", "author",
                                        "date",  "body", "cover"};
    static const char *const keys[] = {"title",        "slug",    "source", "author",
                                       "published_at", "body_md", "cover"};
    const struct query *f = web_form(r);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = query_get(f, names[i]);
        if (v)
            json_object_set_new(m, keys[i], json_string(v));
    }
    json_t *errs = x->errors;
    const char *field;
    json_t *msg;
    json_object_foreach(errs, field, msg)
    {
        char *key = arena_printf(&r->arena, "error_%s", field);
        if (key)
            json_object_set(m, key, msg);
    }
}

/* What both editors show beside the article's own fields. */
static void editor_model(struct req *r, json_t *m)
{
    json_object_set_new(m, "state", status_of(r, json_string_value(json_object_get(m, "status"))));
    const char *cover = json_string_value(json_object_get(m, "cover"));
    size_t i;
    json_t *img;
    json_array_foreach(json_object_get(m, "images"), i, img)
    {
        const char *sha = json_string_value(json_object_get(img, "sha256"));
        const char *name = json_string_value(json_object_get(img, "name"));
        json_object_set_new(img, "is_cover", json_boolean(cover && sha && !strcmp(cover, sha)));
        /* The Markdown that shows it: the name as the alternative text, brackets dropped. */
        char *alt = arena_strdup(&r->arena, name ? name : "");
        for (char *q = alt; q && *q; q++)
            if (*q == '[' || *q == ']' || *q == '\\')
                *q = ' ';
        json_object_set_new(img, "markdown",
                            json_sprintf("![%s](/news/images/%s)", alt ? alt : "", sha ? sha : ""));
    }
    json_object_set_new(m, "has_images",
                        json_boolean(json_array_size(json_object_get(m, "images")) > 0));
    json_object_set_new(m, "no_cover", json_boolean(!cover || !*cover));
    json_object_set_new(m, "title_max", json_integer(NEWS_TITLE_MAX));
    json_object_set_new(m, "slug_max", json_integer(NEWS_SLUG_MAX));
}

enum web_err page_admin_news_new(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    char date[11];
    today(date);
    json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:b}", "title", "", "slug", "",
                          "source", "", "author", "", "published_at", date, "body_md", "", "status",
                          "draft", "images", "new", 1);
    as_typed(r, m);
    editor_model(r, m);
    json_object_set_new(m, "action", json_string("/admin/news/new"));
    p->model = m;
    p->template = "admin_news_edit";
    p->title = i18n_get(r->lang, "news_new_title");
    return WEB_OK;
}

/* The article of the path, any state; NULL if none. */
static json_t *path_article(struct req *r)
{
    int64_t id = web_path_id(r->params[0]);
    return id ? store_news_get(web.store, id) : NULL;
}

enum web_err page_admin_news_edit(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *m = path_article(r);
    if (!m)
        return WEB_NOT_FOUND;
    as_typed(r, m);
    editor_model(r, m);
    long long id = (long long)json_integer_value(json_object_get(m, "id"));
    json_object_set_new(m, "action", json_sprintf("/admin/news/%lld", id));
    const char *done = query_get(&r->query, "done");
    if (done && !strcmp(done, "saved"))
        p->notice = "news_saved";
    else if (done && !strcmp(done, "image"))
        p->notice = "news_image_added";
    else if (done && !strcmp(done, "published"))
        p->notice = "news_published";
    else if (done && !strcmp(done, "unpublished"))
        p->notice = "news_unpublished";
    else if (done && !strcmp(done, "drafted"))
        p->notice = "news_drafted";
    p->model = m;
    p->template = "admin_news_edit";
    p->title = i18n_get(r->lang, "news_edit_title");
    return WEB_OK;
}

enum web_err page_admin_news_preview(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *m = path_article(r);
    if (!m)
        return WEB_NOT_FOUND;
    const char *md = json_string_value(json_object_get(m, "body_md"));
    char *html = markdown_to_html(md ? md : "", md ? strlen(md) : 0);
    json_object_set_new(m, "body_html", json_string(html ? html : ""));
    free(html);
    json_object_del(m, "body_md");
    const char *cover = json_string_value(json_object_get(m, "cover"));
    if (cover && *cover)
        json_object_set_new(m, "cover_url", json_sprintf("/news/images/%s", cover));
    json_object_set_new(m, "state", status_of(r, json_string_value(json_object_get(m, "status"))));
    json_object_set_new(
        m, "edit_url",
        json_sprintf("/admin/news/%lld", (long long)json_integer_value(json_object_get(m, "id"))));
    p->model = m;
    p->template = "admin_news_preview";
    p->title = i18n_get(r->lang, "news_preview_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ saving */

struct news_edit {
    int64_t campaign, id;
    struct news_fields f;
    int preview;
};

static const char *const then_choices[] = {"save", "preview", NULL};

static const struct web_field edit_fields[] = {
    {"title", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, NEWS_TITLE_MAX, NULL,
     "news_title_invalid"},
    {"slug", WEB_F_TEXT, WEB_F_ONELINE, 0, NEWS_SLUG_MAX, NULL, "news_slug_invalid"},
    {"source", WEB_F_TEXT, WEB_F_ONELINE, 0, NEWS_SOURCE_MAX, NULL, "news_source_invalid"},
    {"author", WEB_F_TEXT, WEB_F_ONELINE, 0, NEWS_SOURCE_MAX, NULL, "news_source_invalid"},
    {"date", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "news_date_invalid"},
    {"body", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_MULTILINE, 0, NEWS_BODY_MAX, NULL,
     "news_body_invalid"},
    {"cover", WEB_F_TEXT, WEB_F_ONELINE, 0, 64, NULL, "news_cover_invalid"},
    {"then", WEB_F_CHOICE, 0, 0, 0, then_choices, NULL},
    {NULL},
};

static enum result edit_load_new(struct web_act *x)
{
    struct news_edit *e = x->state;
    e->campaign = store_news_campaign(web.store);
    return e->campaign ? RC_OK : RC_NOTFOUND;
}

static enum result edit_load(struct web_act *x)
{
    struct news_edit *e = x->state;
    json_t *a = path_article(x->r);
    if (!a)
        return RC_NOTFOUND;
    json_decref(a);
    e->id = web_path_id(x->r->params[0]);
    return edit_load_new(x);
}

static enum result edit_check(struct web_act *x)
{
    struct news_edit *e = x->state;
    e->f.title = web_text(x, "title");
    e->f.slug = web_text(x, "slug");
    e->f.source = web_text(x, "source");
    e->f.author = web_text(x, "author");
    e->f.date = web_text(x, "date");
    e->f.body_md = web_text(x, "body");
    e->f.cover = web_text(x, "cover");
    const char *then = web_text(x, "then");
    e->preview = then && !strcmp(then, "preview");
    if (e->f.slug && *e->f.slug && !news_slug_valid(e->f.slug))
        web_refuse_field(x, "slug", "news_slug_invalid");
    return x->errors ? RC_INVALID : RC_OK;
}

static int create_write(struct store_tx *tx, void *arg)
{
    struct news_edit *e = arg;
    return tx_news_create(tx, e->campaign, &e->f, &e->id);
}

static int save_write(struct store_tx *tx, void *arg)
{
    struct news_edit *e = arg;
    return tx_news_save(tx, e->campaign, e->id, &e->f);
}

/* A slug taken or a cover gone is said beside its field; success goes to the editor or preview. */
static enum result edit_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct news_edit *e = x->state;
    if (rc == RC_EXISTS) {
        x->status = 409;
        x->error = "news_slug_taken";
        web_refuse_field(x, "slug", "news_slug_taken");
        return RC_EXISTS;
    }
    if (rc == RC_INVALID) {
        web_refuse_field(x, "cover", "news_cover_invalid");
        return RC_INVALID;
    }
    if (rc == RC_OK)
        x->next = e->preview
                      ? arena_printf(&x->r->arena, "/admin/news/%lld/preview", (long long)e->id)
                      : arena_printf(&x->r->arena, "/admin/news/%lld?done=saved", (long long)e->id);
    return rc;
}

const struct web_action act_admin_news_create = {
    .fields = edit_fields,
    .state_size = sizeof(struct news_edit),
    .load = edit_load_new,
    .check = edit_check,
    .write = create_write,
    .then = edit_then,
    .page = page_admin_news_new,
};

const struct web_action act_admin_news_save = {
    .fields = edit_fields,
    .state_size = sizeof(struct news_edit),
    .load = edit_load,
    .check = edit_check,
    .write = save_write,
    .then = edit_then,
    .page = page_admin_news_edit,
};

/* ------------------------------------------------------------ publishing */

struct news_move {
    int64_t campaign, id;
    enum news_status to;
};

static enum result move_load(struct web_act *x, enum news_status to)
{
    struct news_move *m = x->state;
    m->campaign = store_news_campaign(web.store);
    m->id = web_path_id(x->r->params[0]);
    m->to = to;
    json_t *a = m->id && m->campaign ? store_news_get(web.store, m->id) : NULL;
    if (!a)
        return RC_NOTFOUND;
    json_decref(a);
    x->next = arena_printf(&x->r->arena, "/admin/news/%lld?done=%s", (long long)m->id,
                           news_status_names[to]);
    return RC_OK;
}

static enum result publish_load(struct web_act *x)
{
    return move_load(x, NEWS_PUBLISHED);
}

static enum result unpublish_load(struct web_act *x)
{
    return move_load(x, NEWS_UNPUBLISHED);
}

static int move_write(struct store_tx *tx, void *arg)
{
    struct news_move *m = arg;
    return tx_news_move(tx, m->campaign, m->id, m->to);
}

static const struct web_refusal move_refusals[] = {
    {RC_STATE, 409, "news_state_changed", NULL},
    {RC_OK},
};

const struct web_action act_admin_news_publish = {
    .state_size = sizeof(struct news_move),
    .load = publish_load,
    .write = move_write,
    .page = page_admin_news_edit,
    .refusals = move_refusals,
};

const struct web_action act_admin_news_unpublish = {
    .state_size = sizeof(struct news_move),
    .load = unpublish_load,
    .write = move_write,
    .page = page_admin_news_edit,
    .refusals = move_refusals,
};

/* ------------------------------------------------------------ announcements */

struct news_draft {
    int64_t campaign, id;
    char date[11];
};

/* The published campaign with tiers (the results exist), or 404. */
static enum result results_load(struct web_act *x)
{
    struct news_draft *d = x->state;
    json_t *c = store_campaign(web.store);
    int tiers = c && json_array_size(json_object_get(c, "tiers")) > 0;
    json_decref(c);
    d->campaign = store_public_campaign(web.store);
    today(d->date);
    return d->campaign && tiers ? RC_OK : RC_NOTFOUND;
}

static int results_write(struct store_tx *tx, void *arg)
{
    struct news_draft *d = arg;
    return tx_news_announce_results(tx, d->campaign, d->date, &d->id);
}

static enum result results_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct news_draft *d = x->state;
    if (rc == RC_OK)
        x->next = arena_printf(&x->r->arena, "/admin/news/%lld?done=drafted", (long long)d->id);
    return rc;
}

const struct web_action act_admin_news_results = {
    .state_size = sizeof(struct news_draft),
    .load = results_load,
    .write = results_write,
    .then = results_then,
    .page = page_admin_news,
};
