/*
 * web.h — what the web layer's files share: the application context, the
 * validated input of a request, the page a model handler produces, and the
 * one table of errors.
 *
 * A route's handler is either a model handler (it fills a struct page; the
 * dispatcher turns the model into HTML through its template or into JSON,
 * caches it and counts the view) or a raw handler (it writes the response
 * itself: feeds, static files, health).  Handlers get typed, validated
 * input (struct web_input): a malformed value never reaches them.
 */
#ifndef LAUREL_WEB_H
#define LAUREL_WEB_H

#include <jansson.h>
#include <stdint.h>

#include "http/req.h"
#include "store/store.h"

struct web_config {
    struct store *store;
    const char *base_url; /* absolute URLs in feeds and sitemaps, no trailing slash */
};

extern struct web_config web;

enum web_err {
    WEB_OK,
    WEB_BAD_REQUEST,
    WEB_BAD_ENCODING,
    WEB_BAD_PARAM,
    WEB_PAGE_RANGE,
    WEB_NOT_FOUND,
    WEB_BAD_METHOD,
    WEB_INTERNAL,
    WEB__MAX
};

/* The query parameters the public pages understand, validated. */
struct web_input {
    const char *region; /* six digits */
    const char *tier;   /* a slug */
    const char *track;  /* a slug */
    const char *tag;    /* up to 32 characters */
    const char *q;      /* up to SEARCH_MAX_QUERY bytes, trimmed */
    int sort_views;     /* sort=views (else sort=date, the default) */
    int page;           /* 1..10000, default 1 */
};

struct page {
    json_t *model;          /* owned; the dispatcher releases it */
    const char *template;   /* without .html */
    const char *title;      /* for <title>: a literal or from the arena/model */
    int counted;            /* a store_counted kind, or -1 */
    int64_t counted_id;
};

typedef enum web_err (*web_model_fn)(struct req *r, const struct web_input *in, struct page *p);
typedef void (*web_raw_fn)(struct req *r, struct resp *w);

struct web_handler {
    web_model_fn model;
    web_raw_fn raw;
};

/*
 * The dispatcher (routes.c): web_begin runs when the headers are in (it
 * decodes the URI, finds the route, loads the session and checks the role,
 * and may install a body sink for uploads); web_dispatch runs the handler.
 */
int web_begin(struct req *r);
void web_dispatch(struct req *r, struct resp *w);
/* Answer with the error page (or JSON error) for e, in the request's language. */
void web_error(struct req *r, struct resp *w, enum web_err e);

/* Model handlers (public.c). */
enum web_err page_home(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_cases(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_case(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_results(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_regions(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_region(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_tags(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_tag(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_news(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_article(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_search(struct req *r, const struct web_input *in, struct page *p);

/* Raw handlers (feeds.c, statics.c). */
void raw_sitemap(struct req *r, struct resp *w);
void raw_feed(struct req *r, struct resp *w);
void raw_robots(struct req *r, struct resp *w);
void raw_healthz(struct req *r, struct resp *w);
void raw_metrics(struct req *r, struct resp *w);
void raw_static(struct req *r, struct resp *w);

/* Compute static files' validators once at start (statics.c). */
void statics_init(void);

/* The SVG bar chart of awards by region (chart.c); a new string. */
json_t *chart_awards_svg(json_t *regions, json_t *tiers, enum lang lang);

#endif
