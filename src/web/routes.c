/*
 * routes.c — the route table and the dispatcher.
 *
 * Every URL Laurel answers is a row of `routes` below; /api/v1/<path>
 * answers the same as <path>, as JSON.  The dispatcher decodes and
 * validates the request (path, query, language), finds the route, and
 * either runs a raw handler or runs a model handler through the page cache,
 * counting views of counted pages, and renders the model as HTML or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/utf8.h"
#include "http/router.h"
#include "store/search.h"
#include "view/render.h"
#include "web/pagecache.h"
#include "web/web.h"

struct web_config web;

#define H_MODEL(fn) (&(const struct web_handler){fn, NULL})
#define H_RAW(fn) (&(const struct web_handler){NULL, fn})

static const struct route routes[] = {
    {"GET", "/", H_MODEL(page_home)},
    {"GET", "/cases", H_MODEL(page_cases)},
    {"GET", "/cases/{id}", H_MODEL(page_case)},
    {"GET", "/results", H_MODEL(page_results)},
    {"GET", "/regions", H_MODEL(page_regions)},
    {"GET", "/regions/{code}", H_MODEL(page_region)},
    {"GET", "/tags", H_MODEL(page_tags)},
    {"GET", "/tags/{tag}", H_MODEL(page_tag)},
    {"GET", "/news", H_MODEL(page_news)},
    {"GET", "/news/{id}", H_MODEL(page_article)},
    {"GET", "/search", H_MODEL(page_search)},
    {"GET", "/sitemap.xml", H_RAW(raw_sitemap)},
    {"GET", "/sitemap-{n}", H_RAW(raw_sitemap)},
    {"GET", "/feed.xml", H_RAW(raw_feed)},
    {"GET", "/robots.txt", H_RAW(raw_robots)},
    {"GET", "/healthz", H_RAW(raw_healthz)},
    {"GET", "/metrics", H_RAW(raw_metrics)},
    {"GET", "/static/{*}", H_RAW(raw_static)},
    {"GET", "/favicon.ico", H_RAW(raw_static)},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const struct {
    int status;
    const char *key; /* message catalog key */
} errors[WEB__MAX] = {
    [WEB_OK] = {200, ""},
    [WEB_BAD_REQUEST] = {400, "err_bad_request"},
    [WEB_BAD_ENCODING] = {400, "err_bad_encoding"},
    [WEB_BAD_PARAM] = {400, "err_bad_param"},
    [WEB_PAGE_RANGE] = {404, "err_page_range"},
    [WEB_NOT_FOUND] = {404, "err_not_found"},
    [WEB_BAD_METHOD] = {405, "err_bad_method"},
    [WEB_INTERNAL] = {500, "err_internal"},
};

/* The other language's URL for this request: the path plus ?lang=xx. */
static const char *other_lang_url(struct req *r)
{
    const char *code = r->lang == LANG_ZH ? "en" : "zh-CN";
    struct buf b = BUF_INIT;
    buf_init(&b, 8192);
    buf_puts(&b, r->api ? "/api/v1" : "");
    buf_url(&b, "", 0);
    /* The path is decoded; re-encode all but the slashes. */
    const char *p = r->path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        buf_url(&b, p, n);
        if (slash)
            buf_putc(&b, '/');
        p += n + (slash ? 1 : 0);
    }
    char sep = '?';
    for (size_t i = 0; i < r->query.n; i++) {
        if (strcmp(r->query.v[i].key, "lang") == 0)
            continue;
        buf_putc(&b, sep);
        sep = '&';
        buf_url(&b, r->query.v[i].key, strlen(r->query.v[i].key));
        buf_putc(&b, '=');
        buf_url(&b, r->query.v[i].val, r->query.v[i].vlen);
    }
    buf_printf(&b, "%clang=%s", sep, code);
    char *s = arena_strndup(&r->arena, b.p ? b.p : "/", b.len);
    buf_release(&b);
    return s ? s : "/";
}

void web_error(struct req *r, struct resp *w, enum web_err e)
{
    const char *msg = i18n_get(r->lang, errors[e].key);
    buf_reset(&w->body);
    w->status = errors[e].status;
    w->nheaders = 0;
    resp_header(w, "Cache-Control", "no-store");
    if (r->json) {
        json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", w->status, "message", msg);
        char *s = json_dumps(o, JSON_COMPACT);
        buf_puts(&w->body, s ? s : "{}");
        free(s);
        json_decref(o);
        w->content_type = "application/json; charset=utf-8";
        return;
    }
    json_t *m = json_pack("{s:i,s:s}", "status", w->status, "message", msg);
    if (render_page("error", m, r->lang, r->path ? "/" : "/", msg, &w->body) != 0) {
        buf_reset(&w->body);
        buf_printf(&w->body, "%d %s\n", w->status, msg);
        w->content_type = "text/plain; charset=utf-8";
    } else {
        w->content_type = "text/html; charset=utf-8";
    }
    json_decref(m);
}

/* Validate the known query parameters into in; unknown ones are ignored. */
static enum web_err read_input(struct req *r, struct web_input *in)
{
    memset(in, 0, sizeof *in);
    in->page = 1;
    const char *v;
    if ((v = query_get(&r->query, "region")) && *v) {
        if (strlen(v) != 6 || strspn(v, "0123456789") != 6)
            return WEB_BAD_PARAM;
        in->region = v;
    }
    if ((v = query_get(&r->query, "tier")) && *v) {
        if (strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz-") != strlen(v))
            return WEB_BAD_PARAM;
        in->tier = v;
    }
    if ((v = query_get(&r->query, "track")) && *v) {
        if (strlen(v) > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))
            return WEB_BAD_PARAM;
        in->track = v;
    }
    if ((v = query_get(&r->query, "tag")) && *v) {
        if (utf8_count(v, strlen(v)) > 32)
            return WEB_BAD_PARAM;
        in->tag = v;
    }
    if ((v = query_get(&r->query, "q"))) {
        while (*v == ' ')
            v++;
        if (strlen(v) > SEARCH_MAX_QUERY)
            return WEB_BAD_PARAM;
        if (*v)
            in->q = v;
    }
    if ((v = query_get(&r->query, "sort")) && *v) {
        if (strcmp(v, "views") == 0)
            in->sort_views = 1;
        else if (strcmp(v, "date") != 0)
            return WEB_BAD_PARAM;
    }
    if ((v = query_get(&r->query, "page")) && *v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 10000 || strspn(v, "0123456789") != strlen(v))
            return WEB_PAGE_RANGE;
        in->page = (int)n;
    }
    return WEB_OK;
}

/* Split the raw URI into the decoded path and the parsed query. */
static enum web_err read_uri(struct req *r)
{
    const char *uri = r->uri;
    const char *qm = strchr(uri, '?');
    size_t plen = qm ? (size_t)(qm - uri) : strlen(uri);
    if (plen == 0 || uri[0] != '/')
        return WEB_BAD_REQUEST;
    if (query_decode(&r->arena, uri, plen, 0, &r->path, NULL) != QUERY_OK)
        return WEB_BAD_ENCODING;
    if (qm) {
        enum query_rc rc = query_parse(&r->arena, qm + 1, strlen(qm + 1), &r->query);
        if (rc == QUERY_EUTF8 || rc == QUERY_EESCAPE)
            return WEB_BAD_ENCODING;
        if (rc != QUERY_OK)
            return WEB_BAD_REQUEST;
    }
    int l = i18n_parse(query_get(&r->query, "lang"));
    if (l >= 0)
        r->lang = (enum lang)l;
    if (strncmp(r->path, "/api/v1/", 8) == 0 || strcmp(r->path, "/api/v1") == 0) {
        r->api = 1;
        r->json = 1;
        r->path += 7;
        if (!*r->path)
            r->path = "/";
    }
    return WEB_OK;
}

/* Serialise or render the page's model into w. */
static int render_model(struct req *r, struct page *p, struct buf *out, const char **ctype)
{
    if (r->json) {
        char *s = json_dumps(p->model, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
        if (!s)
            return -1;
        buf_puts(out, s);
        free(s);
        *ctype = "application/json; charset=utf-8";
        return 0;
    }
    *ctype = "text/html; charset=utf-8";
    return render_page(p->template, p->model, r->lang, other_lang_url(r), p->title, out);
}

static void run_model(struct req *r, struct resp *w, web_model_fn fn)
{
    struct web_input in;
    enum web_err e = read_input(r, &in);
    if (e != WEB_OK) {
        web_error(r, w, e);
        return;
    }
    char *key = arena_printf(&r->arena, "%d|%d|%s", (int)r->lang, r->json, r->uri);
    uint64_t gen = store_generation(web.store);
    const char *ctype = NULL;
    resp_header(w, "Vary", "Accept, Accept-Language");
    resp_header(w, "Cache-Control", "no-cache");
    /* Counted pages hit the cache with the count still unknown: count after. */
    struct buf cached = BUF_INIT;
    buf_init(&cached, 0);
    struct page p = {NULL, NULL, NULL, -1, 0};
    if (key && pagecache_get(key, gen, PAGECACHE_HOLE, &cached, &ctype)) {
        /* The key names the route and id; recover them to count the view. */
        e = fn == page_case ? WEB_OK : WEB_OK;
        p.counted = fn == page_case ? STORE_COUNT_CASE : fn == page_article ? STORE_COUNT_ARTICLE
                                                                              : -1;
        if (p.counted >= 0)
            p.counted_id = strtoll(r->params[0], NULL, 10);
    } else {
        e = fn(r, &in, &p);
        if (e != WEB_OK) {
            json_decref(p.model);
            buf_release(&cached);
            web_error(r, w, e);
            return;
        }
        if (p.counted >= 0)
            json_object_set_new(p.model, "views", json_integer(PAGECACHE_HOLE));
        if (render_model(r, &p, &cached, &ctype) != 0 || cached.oom) {
            json_decref(p.model);
            buf_release(&cached);
            web_error(r, w, WEB_INTERNAL);
            return;
        }
        json_decref(p.model);
        if (key)
            pagecache_put(key, gen, cached.p, cached.len, ctype);
    }
    int64_t views = p.counted >= 0 ? store_view(web.store, p.counted, p.counted_id) : 0;
    pagecache_fill(cached.p ? cached.p : "", cached.len, views < 0 ? 0 : views, &w->body);
    buf_release(&cached);
    w->status = 200;
    w->content_type = ctype;
}

/* What web_begin learnt, for web_dispatch. */
struct web_state {
    enum web_err early; /* an error to answer with, or WEB_OK */
    size_t route;
};

int web_begin(struct req *r)
{
    struct web_state *ws = arena_alloc(&r->arena, sizeof *ws);
    if (!ws)
        return 413;
    memset(ws, 0, sizeof *ws);
    r->app = ws;
    ws->early = read_uri(r);
    if (ws->early != WEB_OK) {
        if (!r->path)
            r->path = "/";
        return 0;
    }
    switch (router_find(routes, NROUTES, r, &ws->route)) {
    case ROUTER_NOT_FOUND:
        ws->early = WEB_NOT_FOUND;
        break;
    case ROUTER_BAD_METHOD:
        ws->early = WEB_BAD_METHOD;
        break;
    case ROUTER_FOUND:
        break;
    }
    return 0;
}

void web_dispatch(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    if (ws->early != WEB_OK) {
        web_error(r, w, ws->early);
        if (ws->early == WEB_BAD_METHOD)
            resp_header(w, "Allow", "GET, HEAD");
        return;
    }
    const struct web_handler *h = routes[ws->route].target;
    if (h->raw)
        h->raw(r, w);
    else
        run_model(r, w, h->model);
}
