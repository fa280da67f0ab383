/*
 * export_site.c — `laurel export-site DIR [--data D] [--live-url URL]
 * [--base-url URL] [--lang zh-CN|en]`: the public site of the published
 * campaign written as static files, for a CDN or any web server.
 *
 * Nothing here renders a page: each URL goes through the live server's own
 * dispatcher (web_begin, web_dispatch) as a request without a session, so
 * a page is its route's model handler and template, as the server answers
 * it.  With web.static_export set, pages count no views and their layout
 * knows it is an export (templates leave counters and filter forms out and
 * say so in the footer).
 *
 * Two passes.  The first starts from the home page, the channels, the
 * sitemap, the feed and the static assets, renders every public URL it
 * finds (pages: GET routes that are cached and need no account; files:
 * assets, published attachments and news images, the results statement,
 * the public key, the spreadsheet (made on the worker pool, waited for
 * here as the server would), sitemaps and the feed), writes each to
 * its file (export_links.h) and collects the pages' links.  The second
 * rewrites every page's links relative to its file: a link to what was not
 * exported (sign-in, voting, a personal page, another language) goes to the
 * live site with --live-url, else its element is left out.  Then
 * search-index.json (export_index.c) for static/export_search.js.  Both
 * passes run on one thread per core, as the server's threads would: the
 * first shares its queue and its map of URLs to files under a lock, the
 * second only reads that map.
 *
 * The export only reads: it runs with the server stopped or beside a running
 * one (SQLite's readers see one committed state per page) and takes no lock
 * on the data folder, so `laurel serve` keeps its own.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/embed.h"
#include "core/worker.h"
#include "store/store.h"
#include "view/i18n.h"
#include "view/render.h"
#include "web/export_site.h"
#include "web/pagecache.h"
#include "web/web.h"

/* Threads rendering and writing pages: one per core, at most this many. */
#define EXPORT_MAX_THREADS 8

/* What a URL of the site is in the export. */
enum export_kind { EXPORT_NONE, EXPORT_PAGE, EXPORT_FILE };

struct export {
    const char *dir;      /* the export's root */
    const char *live_url; /* links to what is not exported go there; NULL: left out */
    enum lang lang;
    json_t *files; /* local URL -> its file under dir (string), or null: not exported */
    json_t *queue; /* URLs in the order found */
    json_t *pages; /* the exported pages' URLs, for the second pass, one per file */
    json_t *written; /* the files written (two spellings of a URL make one file) */
    size_t away;
    /* The threads' share: the fields above, the next URL of the queue, who is at work. */
    pthread_mutex_t lock;
    pthread_cond_t more;
    size_t next;
    unsigned busy, nthreads;
    int failed;
};

/* Raw routes whose answers are public files. */
static const char *const file_routes[] = {
    "/sitemap.xml", "/sitemap-{n}",   "/feed.xml",      "/robots.txt",
    "/static/{*}",  "/favicon.ico",   "/files/{sha256}", "/news/images/{sha256}",
    "/results/statements/{file}", "/signing.pub", "/results.xlsx",
};
/* Public pages that are not cached (they may set a cookie) but hold nothing personal. */
static const char *const uncached_pages[] = {"/call"};
/* The query parameters of a page that an export keeps (each value its own file). */
static const char *const page_params[] = {"region", "tier", "track", "tag", "page"};

static int listed(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}
#define LISTED(s, list) listed(s, list, sizeof list / sizeof list[0])

/* What the route found for r is in an export. */
static enum export_kind kind_of(struct req *r)
{
    const struct web_state *ws = r->app;
    if (!ws || ws->early != WEB_OK || !ws->handler)
        return EXPORT_NONE;
    const struct web_handler *h = ws->handler;
    if (LISTED(ws->pattern, file_routes))
        return r->query.n ? EXPORT_NONE : EXPORT_FILE;
    int page = h->model && !h->roles &&
               (!(h->flags & WEB_NOCACHE) || LISTED(ws->pattern, uncached_pages));
    if (!page)
        return EXPORT_NONE;
    /* Search has no server here: its page is the static search (export_search.js). */
    if (strcmp(ws->pattern, "/search") == 0 && r->query.n)
        return EXPORT_NONE;
    for (size_t i = 0; i < r->query.n; i++)
        if (!LISTED(r->query.v[i].key, page_params))
            return EXPORT_NONE;
    return EXPORT_PAGE;
}

/* Create the folders of dir/rel (rel's last segment is a file). */
static int make_parents(const char *dir, const char *rel)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

static int write_file(const char *dir, const char *rel, const char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (make_parents(dir, rel) != 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && put == len ? 0 : -1;
}

static char *read_file(const char *dir, const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    char chunk[65536];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, k);
    if (f)
        fclose(f);
    if (!f || b.oom) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, len);
}

/* First pass (under x->lock): note a local link (queued once), as if it were exported. */
static const char *collect(void *ctx, const char *url)
{
    struct export *x = ctx;
    if (!json_object_get(x->files, url)) {
        json_object_set_new(x->files, url, json_null());
        json_array_append_new(x->queue, json_string(url));
    }
    return "";
}

/* Second pass: where a local link was exported, or NULL. */
static const char *exported(void *ctx, const char *url)
{
    struct export *x = ctx;
    return json_string_value(json_object_get(x->files, url));
}

/* Queue the sitemap parts a sitemap index names (<loc>BASE/sitemap-N.xml</loc>). */
static void collect_sitemaps(struct export *x, const char *xml, size_t len)
{
    char needle[512];
    snprintf(needle, sizeof needle, "<loc>%s/sitemap-", web.base_url);
    size_t nlen = strlen(needle);
    const char *p = xml, *end = xml + len;
    while ((p = memmem(p, (size_t)(end - p), needle, nlen))) {
        p += nlen - strlen("/sitemap-");
        const char *close = memmem(p, (size_t)(end - p), "</loc>", 6);
        if (!close)
            break;
        char url[64];
        snprintf(url, sizeof url, "%.*s", (int)(close - p < 63 ? close - p : 63), p);
        collect(x, url);
        p = close;
    }
}

/* A response that waits for the worker pool (the results' spreadsheet): woken once. */
struct waiting {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int woken;
};

static void wake(void *token)
{
    struct waiting *wt = token;
    pthread_mutex_lock(&wt->lock);
    wt->woken = 1;
    pthread_cond_signal(&wt->done);
    pthread_mutex_unlock(&wt->lock);
}

/* Run a deferred response to its end, as the server does between start and finish. */
static void await(struct req *r, struct resp *w)
{
    while (w->start) {
        struct waiting wt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
        void (*start)(struct req *, struct resp *, resp_wake_fn, void *) = w->start;
        w->start = NULL;
        start(r, w, wake, &wt);
        pthread_mutex_lock(&wt.lock);
        while (!wt.woken)
            pthread_cond_wait(&wt.done, &wt.lock);
        pthread_mutex_unlock(&wt.lock);
        w->finish(r, w);
    }
}

/*
 * Answer url through the dispatcher; if it is exported and answered 200,
 * write it to its file and collect its links.  Returns 0 (exported or not)
 * or -1 when a file cannot be written.
 */
static int export_url(struct export *x, const char *url)
{
    struct req r;
    struct resp w;
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    arena_init(&r.arena, 64u << 20);
    buf_init(&w.body, 0);
    r.method = HTTP_GET;
    r.method_name = "GET";
    r.uri = url;
    r.lang = x->lang;
    snprintf(r.ip, sizeof r.ip, "127.0.0.1");
    r.started_ms = clock_ms();
    enum export_kind kind = web_begin(&r) == 0 ? kind_of(&r) : EXPORT_NONE;
    if (kind != EXPORT_NONE) {
        web_dispatch(&r, &w);
        await(&r, &w);
        if ((w.status != 0 && w.status != 200) || w.body.oom)
            kind = EXPORT_NONE;
    }
    int rc = 0;
    char *file = kind != EXPORT_NONE ? export_file_of(url, kind == EXPORT_PAGE) : NULL;
    if (file) {
        const char *body = w.body.p ? w.body.p : "";
        if (write_file(x->dir, file, body, w.body.len) != 0) {
            fprintf(stderr, "laurel: cannot write %s/%s: %s\n", x->dir, file, strerror(errno));
            rc = -1;
        }
        pthread_mutex_lock(&x->lock);
        json_object_set_new(x->files, url, json_string(file));
        int again = json_object_get(x->written, file) != NULL;
        json_object_set_new(x->written, file, json_true());
        if (kind == EXPORT_PAGE && !again) {
            json_array_append_new(x->pages, json_string(url));
            export_rewrite(body, w.body.len, file, NULL, collect, x, NULL);
        } else if (w.content_type && strstr(w.content_type, "xml")) {
            collect_sitemaps(x, body, w.body.len);
        }
        pthread_mutex_unlock(&x->lock);
        free(file);
    }
    if (r.cleanup)
        r.cleanup(&r);
    arena_release(&r.arena);
    buf_release(&w.body);
    return rc;
}

/*
 * First pass, on each thread: take the next URL of the queue and export it,
 * until the queue is done and no thread is at work (one may still queue more).
 */
static void *crawl(void *arg)
{
    struct export *x = *(struct export **)arg;
    pthread_mutex_lock(&x->lock);
    for (;;) {
        while (x->next == json_array_size(x->queue) && x->busy && !x->failed)
            pthread_cond_wait(&x->more, &x->lock);
        if (x->failed || x->next == json_array_size(x->queue))
            break;
        char *url = strdup(json_string_value(json_array_get(x->queue, x->next++)));
        x->busy++;
        pthread_mutex_unlock(&x->lock);
        int rc = url ? export_url(x, url) : -1;
        free(url);
        pthread_mutex_lock(&x->lock);
        x->busy--;
        x->failed |= rc != 0;
        pthread_cond_broadcast(&x->more);
    }
    pthread_cond_broadcast(&x->more);
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

/* A thread's part of the second pass: pages first, first + nthreads, ... */
struct relink {
    struct export *x;
    size_t first, away;
    int rc;
};

/* Second pass: every page's links made relative (or live, or left out). */
static void *relink_pages(void *arg)
{
    struct relink *part = arg;
    struct export *x = part->x;
    struct buf out = BUF_INIT;
    buf_init(&out, 0);
    int rc = 0;
    for (size_t i = part->first; i < json_array_size(x->pages); i += x->nthreads) {
        const char *file = exported(x, json_string_value(json_array_get(x->pages, i)));
        size_t len;
        char *html = read_file(x->dir, file, &len);
        if (!html) {
            rc = -1;
            break;
        }
        buf_reset(&out);
        part->away += export_rewrite(html, len, file, x->live_url, exported, x, &out);
        free(html);
        if (out.oom || write_file(x->dir, file, out.p ? out.p : "", out.len) != 0) {
            rc = -1;
            break;
        }
    }
    buf_release(&out);
    part->rc = rc;
    return NULL;
}

/* Run fn(args[i]) on x->nthreads threads (args: size bytes each) and wait for them: 0 or -1. */
static int on_threads(struct export *x, void *(*fn)(void *), void *args, size_t size)
{
    pthread_t t[EXPORT_MAX_THREADS];
    unsigned started = 0;
    while (started < x->nthreads &&
           pthread_create(&t[started], NULL, fn, (char *)args + started * size) == 0)
        started++;
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return started == x->nthreads ? 0 : -1;
}

static int write_index(struct export *x)
{
    json_t *index = export_search_index(web.store, exported, x);
    if (!index)
        return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/search-index.json", x->dir);
    int rc = json_dump_file(index, path, JSON_COMPACT);
    json_decref(index);
    return rc;
}

/* 1 if dir holds anything. */
static int has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int any = 0;
    while (d && !any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return any;
}

static int usage(void)
{
    fputs("usage: laurel export-site DIR [--data DIR] [--db URI] [--live-url URL] [--base-url URL] "
          "[--lang zh-CN|en]\n",
          stderr);
    return 2;
}

/* The whole export into x->dir: 0, or -1 (said on stderr). */
static int export_all(struct export *x)
{
    static const char *const seeds[] = {
        "/", "/cases", "/results", "/regions", "/tags", "/news", "/search", "/sitemap",
        "/results/statement", "/signing.pub", "/sitemap.xml", "/feed.xml", "/robots.txt",
        "/favicon.ico",
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        collect(x, seeds[i]);
    for (unsigned i = 0; i < embed_count; i++) /* every asset, linked or not */
        if (strncmp(embed_files[i].name, "static/", 7) == 0) {
            char url[256];
            snprintf(url, sizeof url, "/%s", embed_files[i].name);
            collect(x, url);
        }
    struct export *crawlers[EXPORT_MAX_THREADS];
    for (unsigned i = 0; i < x->nthreads; i++)
        crawlers[i] = x;
    /* A thread that could not start leaves the work to the others, but the queue must end. */
    if (on_threads(x, crawl, crawlers, sizeof crawlers[0]) != 0 &&
        x->next < json_array_size(x->queue))
        x->failed = 1;
    if (x->failed)
        return -1;
    json_object_set_new(x->files, "/search-index.json", json_string("search-index.json"));
    struct relink parts[EXPORT_MAX_THREADS];
    for (unsigned i = 0; i < x->nthreads; i++)
        parts[i] = (struct relink){x, i, 0, 0};
    int rc = on_threads(x, relink_pages, parts, sizeof parts[0]);
    for (unsigned i = 0; i < x->nthreads; i++) {
        x->away += parts[i].away;
        rc |= parts[i].rc;
    }
    if (rc != 0) {
        fprintf(stderr, "laurel: cannot rewrite the pages in %s\n", x->dir);
        return -1;
    }
    if (write_index(x) != 0) {
        fprintf(stderr, "laurel: cannot write the search index in %s\n", x->dir);
        return -1;
    }
    return 0;
}

int export_site_main(int argc, char **argv)
{
    const char *data = "./data", *base = NULL, *db = NULL;
    struct export x = {.lang = LANG_ZH, .lock = PTHREAD_MUTEX_INITIALIZER,
                       .more = PTHREAD_COND_INITIALIZER};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    x.nthreads = cores < 1 ? 1 : cores > EXPORT_MAX_THREADS ? EXPORT_MAX_THREADS : (unsigned)cores;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--data") == 0 && v)
            data = v, i++;
        else if (strcmp(a, "--db") == 0 && v)
            db = v, i++;
        else if (strcmp(a, "--live-url") == 0 && v && strncmp(v, "http", 4) == 0)
            x.live_url = v, i++;
        else if (strcmp(a, "--base-url") == 0 && v && strncmp(v, "http", 4) == 0)
            base = v, i++;
        else if (strcmp(a, "--lang") == 0 && v && i18n_parse(v) >= 0)
            x.lang = (enum lang)i18n_parse(v), i++;
        else if (a[0] != '-' && !x.dir)
            x.dir = a;
        else
            return usage();
    }
    if (!x.dir)
        return usage();
    char err[512];
    if (has_entries(x.dir)) {
        fprintf(stderr, "laurel: %s is not empty; export into a new or empty folder\n", x.dir);
        return 1;
    }
    if (i18n_load(err, sizeof err) != 0 || render_init(err, sizeof err) != 0 ||
        pagecache_init() != 0) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    pagecache_set_enabled(0);
    statics_init();
    if (worker_start(1) != 0) {
        fputs("laurel: cannot start the worker thread\n", stderr);
        return 1;
    }
    struct store *st = store_open_db(data, db, 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        worker_stop();
        render_free();
        i18n_free();
        return 1;
    }
    if (mkdir(x.dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "laurel: cannot create %s: %s\n", x.dir, strerror(errno));
        store_close(st);
        worker_stop();
        render_free();
        i18n_free();
        return 1;
    }
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&now, &tm));
    web.store = st;
    web.data_dir = data;
    web.base_url = base ? base : x.live_url ? x.live_url : "http://localhost";
    web.static_export = today;
    x.files = json_object();
    x.queue = json_array();
    x.pages = json_array();
    x.written = json_object();
    double t0 = clock_ms();
    int rc = export_all(&x);
    if (rc == 0) {
        size_t pages = json_array_size(x.pages);
        printf("laurel: exported %zu pages and %zu files to %s in %.2f s\n", pages,
               json_object_size(x.written) - pages, x.dir, (clock_ms() - t0) / 1e3);
        if (x.away)
            printf("laurel: %zu links to what is not exported (signing in, voting, other "
                   "languages) %s\n",
                   x.away, x.live_url ? "go to the live site" : "were left out (see --live-url)");
    }
    json_decref(x.files);
    json_decref(x.queue);
    json_decref(x.pages);
    json_decref(x.written);
    worker_stop();
    store_close(st);
    pagecache_free();
    render_free();
    i18n_free();
    return rc == 0 ? 0 : 1;
}
