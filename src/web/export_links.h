/*
 * export_links.h — where a local URL goes in a static export of the site,
 * and the rewriting of an exported page's links to relative ones.
 *
 * A page (/cases/12, /cases?tier=best&page=2) becomes a folder's
 * index.html (cases/12/index.html, cases/index.tier-best.page-2.html); a
 * file (/static/style.css, /files/<sha256>) keeps its path.  Links in a page
 * are rewritten relative to the page's own file, so the export works from
 * any folder of any web server, or opened from the disk.
 */
#ifndef LAUREL_EXPORT_LINKS_H
#define LAUREL_EXPORT_LINKS_H

#include <stddef.h>

#include "core/buf.h"

/*
 * The file under the export's root for local URL `url` (path and query, no
 * fragment): a page's (page=1) or a file's (page=0), malloc'd; NULL if no
 * file can stand for it (a query on a file, an empty, "." or ".." segment,
 * bad escapes).  Query values are percent-escaped in the name, so that
 * every query has its own file.
 */
char *export_file_of(const char *url, int page);

/* The file a local link (URL without fragment) was exported to, relative to the root, or NULL. */
typedef const char *(*export_resolve_fn)(void *ctx, const char *url);

/*
 * Copy html (the page exported to `from`, relative to the root) into out,
 * every href, src, action and data-index that names a local URL ("/...")
 * rewritten: relative to `from` when `resolve` says where it was exported;
 * else to live_url + URL when a live site is given; else the element is
 * left out (a link or form with its content, an image, a stylesheet).  With
 * out NULL, only calls resolve for every local link (to collect them).
 * Returns the number of links that went to the live site or were left out.
 */
size_t export_rewrite(const char *html, size_t len, const char *from, const char *live_url,
                      export_resolve_fn resolve, void *ctx, struct buf *out);

#endif
