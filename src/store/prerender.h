/*
 * prerender.h — public pages rendered when their data is written, read by key.
 *
 * A published case's page and the results page are rendered by the writer in
 * the transaction of the write that changed what they show (migration 016,
 * store/prerender.c), so a visit reads one row instead of assembling ten
 * queries and a template.  The store renders nothing itself (it may not call
 * templates): the web layer registers a renderer, whose callbacks run on the
 * writer thread inside the write, where every store_* read sees the write
 * being made.  Without a renderer (the commands other than serve and demo)
 * pages are only marked, and rendered when a renderer is registered next.
 */
#ifndef LAUREL_PRERENDER_H
#define LAUREL_PRERENDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/lang.h"
#include "store/store.h"

/* The results page's key; a case page's is its id. */
#define STORE_PAGE_RESULTS 0

struct store_renderer {
    /*
     * The content of the page of case id (published in the public campaign)
     * in each language l, appended to html[l], with vote_at[l] the byte
     * offset where a visit puts the vote block; its title appended to
     * title; the ids of the other cases it names as related in refs[0..
     * *nrefs), at most STORE_RELATED.  0, or -1 (the page is then not
     * kept: visits assemble it as before).
     */
    int (*case_page)(int64_t id, struct buf html[LANG__MAX], size_t vote_at[LANG__MAX],
                     struct buf *title, int64_t refs[STORE_RELATED], size_t *nrefs);
    /* The content of the results page of the public campaign in lang: 0 or -1. */
    int (*results_page)(enum lang lang, struct buf *html);
    /*
     * What the renderings depend on beside the data (a digest of the
     * templates and catalogs): rows of another version are rendered again
     * when the renderer is registered.
     */
    const char *version;
};

/*
 * Register r (static, borrowed) and, on the writer, render the marked
 * pages; every case page when they are of another version, or when a pass
 * a stop interrupted is under way, is rendered again aside, a slice a
 * write batch (prerender.c), and assembled at its visits meanwhile.  RC_OK
 * or RC_ERROR (logged).
 */
int store_set_renderer(struct store *st, const struct store_renderer *r);

/* A kept page: its content (with the view count as PAGECACHE_HOLE). */
struct store_page {
    const char *title; /* from the arena */
    const char *html;  /* from the arena, len bytes */
    size_t len;
    size_t vote_at; /* where the vote block goes, <= len */
    int64_t views;  /* a case's views as stored (the counter adds the unflushed) */
};

/*
 * The kept page `page` (a case id, or STORE_PAGE_RESULTS) of the public
 * campaign in lang, copied into a: RC_OK, or RC_NOTFOUND (not published,
 * not rendered, or not yet rendered again: the caller assembles the page).
 */
int store_page_html(struct store *st, int64_t page, enum lang lang, struct arena *a,
                    struct store_page *out);

#endif
