/*
 * prerender.c — the renderer of the public pages kept by the store
 * (store/prerender.h), and their visits.
 *
 * The store calls case_page and results_page on its writer thread, inside
 * the write that changed what the page shows; they build the very models a
 * visit builds (public.c: public_case_model, public_results_model) through
 * the store's reads, which there see the write in progress, and render the
 * page's template without the layout.  What differs per visit is left out:
 * the view count is rendered as PAGECACHE_HOLE (filled as a cached page's
 * is), the vote block (clock-bound, per visit) is cut out at a marker whose
 * offset is kept, and the layout (language links, the signed-in user, the
 * CSRF token) goes around the content at the visit (render_layout).  So a
 * visit is one read by key, the vote block and the layout.
 *
 * The renderings carry a version: a digest of the running binary (its
 * templates, catalogs and model code are all in it), so a server started
 * with another build renders every page again, aside while it serves
 * (store/prerender.c: those not yet rendered again are assembled).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "store/prerender.h"
#include "view/render.h"
#include "web/pagecache.h"
#include "web/prerender.h"
#include "web/votes.h"

/* Where the vote block goes: put in by the template's vote_slot_html, cut out when kept. */
static const char vote_mark[] = "\x01laurel-vote\x01";

static char version[40];

/* Render the case model c in lang into html, cutting the vote mark out at *vote_at. */
static int case_lang(json_t *c, enum lang lang, struct buf *html, size_t *vote_at)
{
    json_object_set_new(c, "views", json_integer(PAGECACHE_HOLE));
    json_object_set_new(c, "vote_slot_html", json_string(vote_mark));
    size_t from = html->len;
    if (render_fragment("case", c, lang, NULL, html) != 0 || !html->p)
        return -1;
    /* The last mark: what users typed is escaped or checked before it reaches a page. */
    size_t m = sizeof vote_mark - 1;
    char *at = NULL;
    for (char *p = html->p + from; (p = memmem(p, html->len - (size_t)(p - html->p), vote_mark,
                                               m)) != NULL;
         p += m)
        at = p;
    if (!at)
        return -1;
    memmove(at, at + m, html->len - (size_t)(at - html->p) - m);
    html->len -= m;
    html->p[html->len] = '\0';
    *vote_at = (size_t)(at - html->p);
    return 0;
}

static int case_page(int64_t id, struct buf html[LANG__MAX], size_t vote_at[LANG__MAX],
                     struct buf *title, int64_t refs[STORE_RELATED], size_t *nrefs)
{
    /*
     * The store's model once, each language's parts put on it in turn: every
     * key public_case_model and case_lang set is set again, in its place, for
     * the next language (a deep copy a language cost a fifth of the page).
     */
    json_t *c0 = store_case(web.store, id);
    if (!c0)
        return -1;
    int rc = 0;
    for (int l = 0; rc == 0 && l < LANG__MAX; l++) {
        json_t *c = public_case_model(json_incref(c0), id, (enum lang)l);
        rc = c ? case_lang(c, (enum lang)l, &html[l], &vote_at[l]) : -1;
        json_decref(c);
    }
    buf_puts(title, json_string_value(json_object_get(c0, "title")));
    size_t i;
    json_t *rel;
    *nrefs = 0;
    json_array_foreach(json_object_get(c0, "related"), i, rel)
    {
        if (*nrefs < STORE_RELATED)
            refs[(*nrefs)++] = json_integer_value(json_object_get(rel, "id"));
    }
    json_decref(c0);
    return rc;
}

static int results_page(enum lang lang, struct buf *html)
{
    json_t *res = public_results_model(lang, 0);
    if (!res)
        return -1;
    int rc = render_fragment("results", res, lang, NULL, html);
    json_decref(res);
    return rc;
}

static const struct store_renderer renderer = {case_page, results_page, version};

/* FNV-1a over the running binary: another build, another version. */
static void make_version(void)
{
    uint64_t h = 14695981039346656037u;
    FILE *f = fopen("/proc/self/exe", "rb");
    unsigned char b[65536];
    size_t n;
    while (f && (n = fread(b, 1, sizeof b, f)) > 0)
        for (size_t i = 0; i < n; i++)
            h = (h ^ b[i]) * 1099511628211u;
    if (f)
        fclose(f);
    else
        log_error("prerender: cannot read /proc/self/exe: pages are rendered again at every start");
    if (f)
        snprintf(version, sizeof version, "exe-%016llx", (unsigned long long)h);
    else
        snprintf(version, sizeof version, "start-%ld-%ld", (long)getpid(), (long)time(NULL));
}

int prerender_install(struct store *st)
{
    if (!version[0])
        make_version();
    if (store_set_renderer(st, &renderer) != RC_OK) {
        log_error("prerender: cannot render the public pages");
        return -1;
    }
    return 0;
}

/* Point p at the content kept: the layout goes around it (routes.c). */
static void keep(struct page *p, const char *html, size_t len, const char *title)
{
    p->html = html;
    p->html_len = len;
    p->title = title;
}

int prerender_case(struct req *r, int64_t id, struct page *p)
{
    struct store_page pg;
    if (store_page_html(web.store, id, r->lang, &r->arena, &pg) != RC_OK)
        return 0;
    json_t *vote = vote_case_block(r, id);
    p->clock_bound = json_is_object(vote); /* the block says whether voting is open now */
    if (!json_is_object(vote)) {
        keep(p, pg.html, pg.len, pg.title);
    } else {
        /* The block rendered alone, then the page put together once in the arena. */
        struct buf b = BUF_INIT;
        buf_init(&b, 0);
        json_t *m = json_pack("{s:O}", "vote", vote);
        if (render_fragment("case_vote", m, r->lang, NULL, &b) != 0)
            b.oom = 1;
        json_decref(m);
        size_t len = pg.len + b.len;
        char *html = b.oom ? NULL : arena_alloc(&r->arena, len + 1);
        if (html) {
            memcpy(html, pg.html, pg.vote_at);
            memcpy(html + pg.vote_at, b.p ? b.p : "", b.len);
            memcpy(html + pg.vote_at + b.len, pg.html + pg.vote_at, pg.len - pg.vote_at);
            html[len] = 0;
        }
        buf_release(&b);
        if (!html) {
            json_decref(vote);
            return 0;
        }
        keep(p, html, len, pg.title);
    }
    json_decref(vote);
    p->model = json_pack("{s:I}", "views", (json_int_t)pg.views);
    p->template = "case";
    return 1;
}

int prerender_results(struct req *r, struct page *p)
{
    struct store_page pg;
    if (store_page_html(web.store, STORE_PAGE_RESULTS, r->lang, &r->arena, &pg) != RC_OK)
        return 0;
    keep(p, pg.html, pg.len, i18n_get(r->lang, "nav_results"));
    p->model = json_object();
    p->template = "results";
    return 1;
}
