/*
 * public.c — the model handlers of the public pages: home, the case
 * exhibition and its article pages, results, regions, tags, news and
 * search.  Each asks the store for data, adds what the views need (rendered
 * Markdown, breadcrumbs, pagers, filter choices) and leaves the rendering to
 * the dispatcher.  Nothing here knows whether the answer will be HTML or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/markdown.h"
#include "store/news.h"
#include "store/notice.h"
#include "store/votes.h"
#include "view/chart.h"
#include "web/web.h"
#include "web/correction.h"
#include "web/prerender.h"
#include "web/votes.h"

#define HOME_NEWS 5
#define HOME_FEATURED 8

int64_t web_path_id(const char *s)
{
    if (!s || !*s || strlen(s) > 12 || strspn(s, "0123456789") != strlen(s) || *s == '0')
        return 0;
    return strtoll(s, NULL, 10);
}

/* A breadcrumb: [{name, url}], the last without url. */
static json_t *crumbs(enum lang l, const char *channel_key, const char *channel_url,
                      const char *middle, const char *middle_url, int leaf)
{
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s,s:s}", "name", i18n_get(l, "nav_home"), "url", "/"));
    if (channel_key)
        json_array_append_new(a, json_pack("{s:s,s:s?}", "name", i18n_get(l, channel_key), "url",
                                           (middle || leaf) ? channel_url : NULL));
    if (middle)
        json_array_append_new(a,
                              json_pack("{s:s,s:s?}", "name", middle, "url", leaf ? middle_url : NULL));
    if (leaf)
        json_array_append_new(a, json_pack("{s:s,s:n}", "name", i18n_get(l, "crumb_article"),
                                           "url"));
    return a;
}

/* [{name, url}] for an array of tag names, the URLs percent-encoded. */
static json_t *tag_links(json_t *tags)
{
    json_t *links = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        struct buf b = BUF_INIT;
        buf_init(&b, 1024);
        buf_puts(&b, "/tags/");
        buf_url(&b, json_string_value(t), json_string_length(t));
        json_array_append_new(links, json_pack("{s:O,s:s}", "name", t, "url", b.p ? b.p : "/"));
        buf_release(&b);
    }
    return links;
}

/* Append "key=value" pairs of the list filters (not page) to b. */
static void filter_query(struct buf *b, const struct web_input *in, char *sep)
{
    const char *keys[] = {"region", "tier", "track", "tag", "q"};
    const char *vals[] = {in->region, in->tier, in->track, in->tag, in->q};
    for (int i = 0; i < 5; i++) {
        if (!vals[i])
            continue;
        buf_putc(b, *sep);
        *sep = '&';
        buf_puts(b, keys[i]);
        buf_putc(b, '=');
        buf_url(b, vals[i], strlen(vals[i]));
    }
    if (in->sort_views) {
        buf_putc(b, *sep);
        *sep = '&';
        buf_puts(b, "sort=views");
    }
}

static json_t *page_url(const char *base, const struct web_input *in, int page)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_puts(&b, base);
    char sep = '?';
    filter_query(&b, in, &sep);
    if (page > 1)
        buf_printf(&b, "%cpage=%d", sep, page);
    json_t *s = json_string(b.p ? b.p : base);
    buf_release(&b);
    return s;
}

/* Add a pager to a list model, or say the page is out of range. */
static enum web_err add_pager(json_t *list, const char *base, const struct web_input *in)
{
    int page = (int)json_integer_value(json_object_get(list, "page"));
    int pages = (int)json_integer_value(json_object_get(list, "pages"));
    if (page > 1 && page > pages)
        return WEB_PAGE_RANGE;
    json_t *pager = json_pack("{s:i,s:i}", "page", page, "pages", pages);
    if (page > 1)
        json_object_set_new(pager, "prev_url", page_url(base, in, page - 1));
    if (page < pages)
        json_object_set_new(pager, "next_url", page_url(base, in, page + 1));
    json_t *nums = json_array();
    for (int n = page - 3 < 1 ? 1 : page - 3; n <= pages && n <= page + 3; n++)
        json_array_append_new(nums, json_pack("{s:i,s:o,s:b}", "n", n, "url",
                                              page_url(base, in, n), "current", n == page));
    json_object_set_new(pager, "numbers", nums);
    json_object_set_new(pager, "show", json_boolean(pages > 1));
    json_object_set_new(list, "pager", pager);
    return WEB_OK;
}

static struct store_filter filter_of(const struct web_input *in)
{
    struct store_filter f = {in->region, in->tier, in->track, in->tag, in->q,
                             in->sort_views, in->page, STORE_PER_PAGE};
    return f;
}

/* The choices of the filter form (campaign: its tiers and tracks), with the current one marked. */
static json_t *filter_choices(const struct web_input *in, json_t *campaign, json_t *regions)
{
    json_t *o = json_object();
    json_t *a = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(regions, i, v)
    {
        const char *code = json_string_value(json_object_get(v, "code"));
        json_array_append_new(a, json_pack("{s:s,s:O,s:b}", "value", code, "name",
                                           json_object_get(v, "name"), "selected",
                                           in->region && strcmp(in->region, code) == 0));
    }
    json_object_set_new(o, "regions", a);
    const char *lists[] = {"tiers", "tracks"};
    const char *chosen[] = {in->tier, in->track};
    for (int k = 0; k < 2; k++) {
        a = json_array();
        json_array_foreach(json_object_get(campaign, lists[k]), i, v)
        {
            const char *slug = json_string_value(json_object_get(v, "slug"));
            json_array_append_new(a, json_pack("{s:s,s:O,s:b}", "value", slug, "name",
                                               json_object_get(v, "name"), "selected",
                                               chosen[k] && strcmp(chosen[k], slug) == 0));
        }
        json_object_set_new(o, lists[k], a);
    }
    json_object_set_new(o, "sort_views", json_boolean(in->sort_views));
    json_object_set_new(o, "q", json_string(in->q ? in->q : ""));
    json_object_set_new(o, "tag", json_string(in->tag ? in->tag : ""));
    return o;
}

/* A case list for `in`, with a pager based at `base`; NULL plus *e on failure. */
static json_t *case_list(const struct web_input *in, const char *base, enum web_err *e)
{
    struct store_filter f = filter_of(in);
    json_t *list = store_cases(web.store, &f);
    if (!list) {
        *e = WEB_INTERNAL;
        return NULL;
    }
    if ((*e = add_pager(list, base, in)) != WEB_OK) {
        json_decref(list);
        return NULL;
    }
    return list;
}

enum web_err page_home(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = store_campaign(web.store);
    if (!c) { /* nothing published yet: the front page is the open call's */
        p->redirect = "/call";
        return WEB_OK;
    }
    const char *call = json_string_value(json_object_get(c, "call_md"));
    char *call_html = markdown_to_html(call, strlen(call));
    json_object_set_new(c, "call_html", json_string(call_html ? call_html : ""));
    free(call_html);
    json_object_del(c, "call_md");

    json_t *news = store_articles(web.store, 1, HOME_NEWS);
    struct store_filter best = {0};
    best.tier = "best";
    best.sort_views = 1;
    best.page = 1;
    best.per_page = HOME_FEATURED;
    json_t *featured = store_cases(web.store, &best);
    json_t *regions = store_regions(web.store);
    /* Exhibitions open for voting today lead from the front page (no case lists here). */
    json_t *voting = store_votes_open(web.store);
    size_t i;
    json_t *v;
    json_array_foreach(voting, i, v)
        json_object_del(v, "cases");
    /* So does a 公示 open for objections (its campaign and last day, not its list). */
    json_t *notices = store_notices_public(web.store), *open = json_array();
    json_array_foreach(notices, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "state")), "open") != 0)
            continue;
        json_array_append_new(open, json_pack("{s:O,s:O}", "campaign",
                                              json_object_get(v, "campaign"), "ends_on",
                                              json_object_get(v, "ends_on")));
    }
    json_decref(notices);
    p->model = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "voting", voting ? voting : json_array(),
                         "notices", open, "campaign", c, "news",
                         news ? json_incref(json_object_get(news, "items")) : json_array(),
                         "featured",
                         featured ? json_incref(json_object_get(featured, "items")) : json_array(),
                         "regions", regions ? regions : json_array());
    json_decref(news);
    json_decref(featured);
    p->template = "home";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "name")));
    return WEB_OK;
}

enum web_err page_cases(struct req *r, const struct web_input *in, struct page *p)
{
    enum web_err e;
    json_t *list = case_list(in, "/cases", &e);
    if (!list)
        return e;
    json_t *offered = store_campaign_filters(web.store);
    json_t *regions = store_region_names(web.store);
    json_object_set_new(list, "filters", filter_choices(in, offered ? offered : json_object(),
                                                        regions ? regions : json_array()));
    json_object_set_new(list, "breadcrumb", crumbs(r->lang, "nav_cases", "/cases", NULL, NULL, 0));
    json_decref(offered);
    json_decref(regions);
    p->model = list;
    p->template = "cases";
    p->title = i18n_get(r->lang, "nav_cases");
    return WEB_OK;
}

json_t *public_case_model(json_t *c, int64_t id, enum lang lang)
{
    if (!c)
        return NULL;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        char key[16];
        snprintf(key, sizeof key, "section_%d", (int)json_integer_value(json_object_get(s, "seq")));
        json_object_set_new(s, "heading", json_string(i18n_get(lang, key)));
        /* Rendered when written; a section written a moment ago may not be yet. */
        const char *md = json_string_value(json_object_get(s, "body_md"));
        if (!md)
            continue;
        char *html = markdown_to_html(md, strlen(md));
        json_object_set_new(s, "body_html", json_string(html ? html : ""));
        json_object_del(s, "body_md");
        free(html);
    }
    json_object_set_new(c, "tag_links", tag_links(json_object_get(c, "tags")));
    json_object_set_new(c, "has_attachments",
                        json_boolean(json_array_size(json_object_get(c, "attachments")) > 0));
    json_t *region = json_object_get(c, "region");
    const char *rname = json_string_value(json_object_get(region, "name"));
    char rurl[64];
    snprintf(rurl, sizeof rurl, "/regions/%s", json_string_value(json_object_get(region, "code")));
    json_object_set_new(c, "breadcrumb", crumbs(lang, "nav_cases", "/cases", rname, rurl, 1));
    correction_put(c, id, NULL);
    return c;
}

enum web_err page_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t id = web_path_id(r->params[0]);
    /* The page as the writer rendered it (prerender.c); else assembled here. */
    if (id && !r->json && !web.static_export && prerender_case(r, id, p))
        return WEB_OK;
    json_t *c = public_case_model(id ? store_case(web.store, id) : NULL, id, r->lang);
    if (!c)
        return WEB_NOT_FOUND;
    json_t *vote = vote_case_block(r, id);
    p->clock_bound = json_is_object(vote); /* the block says whether voting is open now */
    json_object_set_new(c, "vote", vote);
    p->model = c;
    p->template = "case";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "title")));
    return WEB_OK;
}

json_t *public_results_model(enum lang lang, int json)
{
    json_t *res = store_results(web.store);
    if (!res)
        return NULL;
    json_t *regions = json_object_get(res, "regions");
    json_t *tiers = json_object_get(res, "tiers");
    /* The leading region: most awards, then most of the highest tier. */
    json_t *leader = NULL;
    size_t i;
    json_t *g;
    const char *top = json_string_value(json_object_get(json_array_get(tiers, 0), "slug"));
    json_array_foreach(regions, i, g)
    {
        json_int_t a = json_integer_value(json_object_get(g, "awarded"));
        json_int_t b = top ? json_integer_value(json_object_get(json_object_get(g, "awards"), top))
                           : 0;
        json_int_t la = leader ? json_integer_value(json_object_get(leader, "awarded")) : -1;
        json_int_t lb = leader && top ? json_integer_value(
                                            json_object_get(json_object_get(leader, "awards"), top))
                                      : -1;
        if (a > la || (a == la && b > lb))
            leader = g;
    }
    /* Per region, counts in tier order for the table. */
    json_t *table = json_array();
    json_array_foreach(regions, i, g)
    {
        if (json_integer_value(json_object_get(g, "awarded")) == 0)
            continue;
        json_t *counts = json_array();
        size_t k;
        json_t *t;
        json_array_foreach(tiers, k, t)
        {
            json_t *n = json_object_get(json_object_get(g, "awards"),
                                        json_string_value(json_object_get(t, "slug")));
            json_array_append_new(counts, json_integer(n ? json_integer_value(n) : 0));
        }
        json_array_append_new(table, json_pack("{s:O,s:O,s:O,s:O,s:o,s:b}", "code",
                                               json_object_get(g, "code"), "name",
                                               json_object_get(g, "name"), "url",
                                               json_object_get(g, "url"), "awarded",
                                               json_object_get(g, "awarded"), "counts", counts,
                                               "leader", g == leader));
    }
    json_object_set_new(res, "table", table);
    if (leader)
        json_object_set_new(res, "leader", json_pack("{s:O,s:O,s:O,s:O}", "code",
                                                     json_object_get(leader, "code"), "name",
                                                     json_object_get(leader, "name"), "awarded",
                                                     json_object_get(leader, "awarded"), "awards",
                                                     json_object_get(leader, "awards")));
    if (!json)
        json_object_set_new(res, "chart_html", chart_awards_svg(regions, tiers, lang));
    json_int_t awarded = 0;
    json_array_foreach(tiers, i, g) awarded += json_integer_value(json_object_get(g, "awarded"));
    json_object_set_new(res, "awarded", json_integer(awarded));
    json_object_set_new(res, "published", json_boolean(awarded > 0));
    correction_put(res, 0, NULL);
    json_object_set_new(res, "breadcrumb", crumbs(lang, "nav_results", "/results", NULL, NULL, 0));
    return res;
}

enum web_err page_results(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    if (!store_public_campaign(web.store)) /* no results published yet */
        return WEB_NOT_FOUND;
    /* The page as the writer rendered it (prerender.c); else assembled here. */
    if (!r->json && !web.static_export && prerender_results(r, p))
        return WEB_OK;
    json_t *res = public_results_model(r->lang, r->json);
    if (!res)
        return WEB_INTERNAL;
    p->model = res;
    p->template = "results";
    p->title = i18n_get(r->lang, "nav_results");
    return WEB_OK;
}

enum web_err page_regions(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *regions = store_regions(web.store);
    if (!regions)
        return WEB_INTERNAL;
    p->model = json_pack("{s:o,s:o}", "regions", regions, "breadcrumb",
                         crumbs(r->lang, "nav_regions", "/regions", NULL, NULL, 0));
    p->template = "regions";
    p->title = i18n_get(r->lang, "nav_regions");
    return WEB_OK;
}

/* The region's awards: [{slug, name, count, items:[its awarded cases]}] in tier order. */
static json_t *region_results(const char *code)
{
    json_t *c = store_campaign(web.store);
    json_t *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(c ? json_object_get(c, "tiers") : NULL, i, t)
    {
        struct store_filter f = {0};
        f.region = code;
        f.tier = json_string_value(json_object_get(t, "slug"));
        f.page = 1;
        f.per_page = STORE_MAX_PER_PAGE;
        json_t *list = store_cases(web.store, &f);
        json_t *items = list ? json_incref(json_object_get(list, "items")) : json_array();
        json_array_append_new(out, json_pack("{s:O,s:O,s:I,s:o}", "slug", json_object_get(t, "slug"),
                                             "name", json_object_get(t, "name"), "count",
                                             list ? json_integer_value(json_object_get(list, "total")) : 0,
                                             "items", items));
        json_decref(list);
    }
    json_decref(c);
    return out;
}

enum web_err page_region(struct req *r, const struct web_input *in, struct page *p)
{
    const char *code = r->params[0];
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return WEB_NOT_FOUND;
    json_t *region = store_region(web.store, code);
    if (!region)
        return WEB_NOT_FOUND;
    struct web_input mine = *in;
    mine.region = code;
    enum web_err e;
    char *base = arena_printf(&r->arena, "/regions/%s", code);
    json_t *list = case_list(&mine, base, &e);
    if (!list) {
        json_decref(region);
        return e;
    }
    json_object_set_new(list, "results", region_results(code));
    json_object_set_new(list, "region", region);
    correction_put(list, 0, code);
    json_object_set_new(list, "breadcrumb",
                        crumbs(r->lang, "nav_regions", "/regions",
                               json_string_value(json_object_get(region, "name")), NULL, 0));
    p->model = list;
    p->template = "region";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(region, "name")));
    return WEB_OK;
}

enum web_err page_tags(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *tags = store_tags(web.store);
    if (!tags)
        return WEB_INTERNAL;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        struct buf b = BUF_INIT;
        buf_init(&b, 1024);
        buf_puts(&b, "/tags/");
        const char *name = json_string_value(json_object_get(t, "name"));
        buf_url(&b, name, strlen(name));
        json_object_set_new(t, "url", json_string(b.p));
        buf_release(&b);
    }
    p->model = json_pack("{s:o,s:o}", "tags", tags, "breadcrumb",
                         crumbs(r->lang, "nav_tags", "/tags", NULL, NULL, 0));
    p->template = "tags";
    p->title = i18n_get(r->lang, "nav_tags");
    return WEB_OK;
}

enum web_err page_tag(struct req *r, const struct web_input *in, struct page *p)
{
    const char *tag = r->params[0];
    if (utf8_count(tag, strlen(tag)) > 32)
        return WEB_NOT_FOUND;
    struct web_input mine = *in;
    mine.tag = tag;
    struct buf b = BUF_INIT;
    buf_init(&b, 1024);
    buf_puts(&b, "/tags/");
    buf_url(&b, tag, strlen(tag));
    char *base = arena_strdup(&r->arena, b.p);
    buf_release(&b);
    mine.tag = NULL; /* the tag is in the base URL already */
    struct store_filter f = filter_of(&mine);
    f.tag = tag;
    json_t *list = store_cases(web.store, &f);
    if (!list)
        return WEB_INTERNAL;
    if (json_integer_value(json_object_get(list, "total")) == 0) {
        json_decref(list);
        return WEB_NOT_FOUND;
    }
    enum web_err e = add_pager(list, base, &mine);
    if (e != WEB_OK) {
        json_decref(list);
        return e;
    }
    json_object_set_new(list, "tag", json_string(tag));
    json_object_set_new(list, "breadcrumb", crumbs(r->lang, "nav_tags", "/tags", tag, NULL, 0));
    p->model = list;
    p->template = "tag";
    p->title = arena_strdup(&r->arena, tag);
    return WEB_OK;
}

/* Replace each article's body_md by a short plain-text excerpt. */
static void excerpts(json_t *items)
{
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        const char *md = json_string_value(json_object_get(a, "body_md"));
        char *ex = markdown_excerpt(md ? md : "", md ? strlen(md) : 0, 110);
        json_object_set_new(a, "excerpt", json_string(ex ? ex : ""));
        json_object_del(a, "body_md");
        free(ex);
    }
}

enum web_err page_news(struct req *r, const struct web_input *in, struct page *p)
{
    json_t *list = store_articles(web.store, in->page, STORE_PER_PAGE);
    if (!list)
        return WEB_INTERNAL;
    struct web_input plain = {0};
    plain.page = in->page;
    enum web_err e = add_pager(list, "/news", &plain);
    if (e != WEB_OK) {
        json_decref(list);
        return e;
    }
    excerpts(json_object_get(list, "items"));
    json_object_set_new(list, "breadcrumb", crumbs(r->lang, "nav_news", "/news", NULL, NULL, 0));
    p->model = list;
    p->template = "news";
    p->title = i18n_get(r->lang, "nav_news");
    return WEB_OK;
}

enum web_err page_article(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t id = store_news_public_id(web.store, r->params[0]); /* its slug or its number */
    json_t *a = id ? store_article(web.store, id) : NULL;
    if (!a)
        return WEB_NOT_FOUND;
    const char *md = json_string_value(json_object_get(a, "body_md"));
    char *html = markdown_to_html(md, strlen(md));
    json_object_set_new(a, "body_html", json_string(html ? html : ""));
    free(html);
    json_object_del(a, "body_md");
    json_object_set_new(a, "tag_links", tag_links(json_object_get(a, "tags")));
    json_object_set_new(a, "has_tags", json_boolean(json_array_size(json_object_get(a, "tags")) > 0));
    json_object_set_new(a, "breadcrumb", crumbs(r->lang, "nav_news", "/news", NULL, NULL, 1));
    p->model = a;
    p->template = "article";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(a, "title")));
    return WEB_OK;
}

enum web_err page_search(struct req *r, const struct web_input *in, struct page *p)
{
    json_t *list;
    if (in->q) {
        enum web_err e;
        list = case_list(in, "/search", &e);
        if (!list)
            return e;
    } else {
        list = json_pack("{s:i,s:i,s:i,s:i,s:[],s:{s:i,s:i,s:b}}", "total", 0, "page", 1,
                         "pages", 0, "per_page", STORE_PER_PAGE, "items", "pager", "page", 1,
                         "pages", 0, "show", 0);
    }
    /* Echo what was typed, even when it held nothing to search for. */
    const char *typed = query_get(&r->query, "q");
    json_object_set_new(list, "q", json_string(typed ? typed : ""));
    /* Something typed that holds no word to search for (a lone ') finds nothing, and says so. */
    json_object_set_new(list, "searched",
                        json_boolean(in->q != NULL || (typed && strspn(typed, " ") < strlen(typed))));
    json_object_set_new(list, "breadcrumb", crumbs(r->lang, "nav_search", "/search", NULL, NULL, 0));
    p->model = list;
    p->template = "search";
    p->title = i18n_get(r->lang, "nav_search");
    return WEB_OK;
}
