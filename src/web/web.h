/*
 * web.h — what the web layer's files share: the application context, the
 * validated input of a request, the page a model handler produces, and the
 * one table of errors.
 *
 * A route's handler is a model handler (a GET page: it fills a struct page;
 * the dispatcher turns the model into HTML through its template or into
 * JSON, caches public pages and counts views), a declared action (a POST:
 * action.h), or a raw handler that writes the response itself (feeds,
 * static files, health, downloads).  Handlers get typed, validated input
 * (struct web_input, an action's fields): a malformed value never reaches
 * them.
 */
#ifndef LAUREL_WEB_H
#define LAUREL_WEB_H

#include <jansson.h>
#include <stdint.h>

#include "http/req.h"
#include "store/store.h"
#include "view/i18n.h"

struct web_config {
    struct store *store;
    const char *base_url; /* absolute URLs in feeds and sitemaps, no trailing slash */
    const char *data_dir; /* the data folder: uploads go to <data>/tmp, then <data>/files */
    /*
     * `laurel export-site` (export_site.c): the export's date, NULL when serving.  Pages
     * then count no views and their layout says `site.export` (templates leave counters out).
     */
    const char *static_export;
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
    WEB_UNAUTHORIZED, /* sign in first */
    WEB_FORBIDDEN,    /* signed in, but not allowed */
    WEB_CSRF,         /* a state-changing request without a valid token */
    WEB_CONFLICT,     /* the state changed (deadline passed, quota full, ...) */
    WEB_INVALID,      /* a form that does not validate */
    WEB_TOO_LARGE,
    WEB_UNSUPPORTED,  /* content type */
    WEB_THROTTLED,
    WEB_UNAVAILABLE,  /* busy: try again */
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
    int64_t campaign;   /* ?campaign=: the organiser's chosen campaign, 0 when not given */
};

/*
 * What a model handler fills.  The dispatcher adds notice, error and errors
 * to the model (as "notice", "error" and "errors", in the request's
 * language) and answers at status.  A handler that returns an error may
 * name its message in error (a link that is no longer valid); one that sets
 * redirect is answered with a 303 there instead of the page.
 */
struct page {
    json_t *model;          /* owned; the dispatcher releases it */
    const char *template;   /* without .html */
    const char *title;      /* for <title>: a literal or from the arena/model */
    int status;             /* 0 is 200 */
    const char *notice;     /* a catalog key: what just happened, or NULL */
    const char *error;      /* a catalog key: why the form was refused, or NULL */
    json_t *errors;         /* owned, or NULL: {field: message} */
    const char *redirect;   /* a local URL: 303 there instead of the page, or NULL */
    int clock_bound;        /* 1: it shows what the clock changes (a vote open or closed),
                               so a cached copy of a counted page lives seconds, not until
                               its data changes */
    const char *html;       /* or the content already rendered (web/prerender.h), from the
                               arena: the layout goes around it, the template is not used */
    size_t html_len;
};

typedef enum web_err (*web_model_fn)(struct req *r, const struct web_input *in, struct page *p);
typedef void (*web_raw_fn)(struct req *r, struct resp *w);

/* Who may use a route: 0 is everyone; else any of these role bits (accounts.h). */
#define WEB_SIGNED_IN 0x100u /* any signed-in user */

struct web_action;
struct web_act;
struct web_handler {
    web_model_fn model; /* GET pages: a model rendered as HTML or JSON */
    web_raw_fn raw;     /* files, feeds, health, uploads: they write the response */
    const struct web_action *action; /* POST actions (action.h) */
    unsigned roles;
    unsigned flags;
    /*
     * Run by web_begin once the route is found and the user may use it
     * (uploads: check the target, raise r->max_body, install r->sink);
     * returns 0 or an HTTP status to refuse at once.  NULL for most routes.
     */
    int (*begin)(struct req *r);
};

enum web_flag {
    WEB_NOCACHE = 1 << 0,  /* a personal page: never in the page cache */
    WEB_NOCSRF = 1 << 1,   /* a POST that checks its token itself (uploads) */
    WEB_COUNTS_CASE = 1 << 2,    /* a visit counts a view of the case in the path */
    WEB_COUNTS_ARTICLE = 1 << 3, /* ... of the news article in the path */
    WEB_NOREFERRER = 1 << 4,     /* the path holds a secret (a link's token): no Referer */
};

/* What the dispatcher knows of a request (r->app). */
struct store_user;
struct web_state {
    enum web_err early;                /* an error to answer with, or WEB_OK */
    const struct web_handler *handler; /* the route's */
    struct store_user *user;           /* NULL when anonymous */
    char *session_digest;              /* the session cookie's digest, if any */
    const char *anon_csrf;             /* the laurel_csrf cookie's value, if any */
    struct query form;
    int form_parsed;
    struct web_act *act;               /* the action being run (action.c), or NULL */
    const char *pattern;               /* the route's pattern, or NULL before it is found */
    struct page_slot *slot;            /* a public page's cache slot (routes.c), once known */
};

/* The signed-in user of a request, or NULL. */
const struct store_user *web_user(struct req *r);
/* The CSRF token to put in forms (setting the anonymous cookie if needed). */
const char *web_csrf_token(struct req *r, struct resp *w);
/* 1 if token is this request's valid CSRF token. */
int web_csrf_ok(struct req *r, const char *token);

/* The urlencoded form of a POST (parsed once; empty when there is none). */
const struct query *web_form(struct req *r);
/* Form value v without leading and trailing white space (arena); NULL for NULL or no memory. */
const char *web_trimmed(struct req *r, const char *v);
/* 303 See Other to a local URL (JSON clients get {"ok":true,"location":...}). */
void web_redirect(struct req *r, struct resp *w, const char *url);
/* Render template with model (owned) at status; for JSON clients the model itself. */
void web_render(struct req *r, struct resp *w, int status, const char *template,
                const char *title, json_t *model);
/*
 * Show model handler fn's page at status (a refused form: error is a catalog
 * key, errors owned); its own status, notice and error when status is 0.
 */
void web_show(struct req *r, struct resp *w, web_model_fn fn, int status, const char *error,
              json_t *errors);
/* Answer with the error page (or JSON error) at status with message msg. */
void web_error_message(struct req *r, struct resp *w, int status, const char *msg);
/* A local URL safe to redirect to (one leading '/', no control characters), else "/". */
const char *web_safe_next(const char *next);

/* Deferred answers (defer.c): `then` fills w once the work is done; rc is its result. */
typedef void (*web_then_fn)(struct req *r, struct resp *w, int rc, void *arg);
void web_write(struct req *r, struct resp *w, store_write_fn run, void *arg, web_then_fn then);
void web_work(struct req *r, struct resp *w, void (*fn)(void *arg), void *arg, web_then_fn then);

/* Load the session named by the request's cookie (routes.c calls it from web_begin). */
void web_session_load(struct req *r);

/*
 * The dispatcher (routes.c): web_begin runs when the headers are in (it
 * decodes the URI, finds the route, loads the session and checks the role,
 * and may install a body sink for uploads); web_dispatch runs the handler.
 */
int web_begin(struct req *r);
/* The route table as JSON, for `laurel routes` and the role x route tests. */
json_t *web_routes(void);
void web_dispatch(struct req *r, struct resp *w);
/* A public page straight from the page cache: 1 when w was filled (server.h's answer_cached). */
int web_answer_cached(struct req *r, struct resp *w);
/* Answer with the error page (or JSON error) for e, in the request's language. */
void web_error(struct req *r, struct resp *w, enum web_err e);

/* A positive id from a path segment in canonical decimal ("18", not "018" or "18x"), or 0. */
int64_t web_path_id(const char *s);

/* Model handlers (public.c). */
enum web_err page_home(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_cases(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_case(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_results(struct req *r, const struct web_input *in, struct page *p);
/*
 * The models of the case page (without its vote block) and of the results
 * page in lang, as a visit and the writer's renderer (prerender.c) both
 * build them.  The case's: store_case(id) as c (taken over, NULL gives
 * NULL) with what the page adds in lang.  The results': json for the JSON
 * twin (no chart).  New references, or NULL.
 */
json_t *public_case_model(json_t *c, int64_t id, enum lang lang);
json_t *public_results_model(enum lang lang, int json);
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
/* /healthz's status, its body appended to out (server_app.health). */
int web_health(struct buf *out);
void raw_metrics(struct req *r, struct resp *w);
void raw_static(struct req *r, struct resp *w);

/*
 * Answer with stored file sha (<data>/files/<2 hex>/<sha>) as a download:
 * 200 with its bytes, the type mime (copied), Content-Disposition
 * disposition (which must outlive the response), a sandboxing CSP,
 * Cache-Control cache and Vary: Cookie; 404 if sha is not a SHA-256 in hex
 * or the file is missing, 500 if it cannot be read whole (files.c).
 */
void web_send_file(struct req *r, struct resp *w, const char *sha, const char *mime,
                   const char *disposition, const char *cache);

/* Compute static files' validators once at start (statics.c). */
void statics_init(void);

#endif
