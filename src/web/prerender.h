/*
 * prerender.h — the web side of the pages rendered at write time
 * (store/prerender.h): the renderer the store calls inside a write, and the
 * visit that reads the kept content and puts the per-request parts around it.
 */
#ifndef LAUREL_WEB_PRERENDER_H
#define LAUREL_WEB_PRERENDER_H

#include "web/web.h"

/*
 * Register the renderer with st, rendering at once every page missing or of
 * another version (templates, catalogs or binary).  0, or -1 (logged).
 */
int prerender_install(struct store *st);

/*
 * Fill p from the kept content of case id (HTML only, not for the export):
 * 1, or 0 when none is kept (the caller assembles the page).
 */
int prerender_case(struct req *r, int64_t id, struct page *p);
/* The same for the results page. */
int prerender_results(struct req *r, struct page *p);

#endif
