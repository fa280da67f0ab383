/*
 * pagecache.h — rendered pages kept in memory, with holes for live numbers.
 *
 * A public page changes only when its content changes, but its view counter
 * changes on every visit.  So a page is rendered once with its counter set
 * to PAGECACHE_HOLE, the places where that number landed are remembered,
 * and every later visit copies the bytes and writes the current count into
 * the holes.  Entries are keyed by a string (language, format, URI), carry
 * the store's generation for that page (store_page_generation: a write
 * that changed what the page shows makes it stale, other writes do not) and expire
 * after PAGECACHE_TTL_S, so lists ordered by views catch up.  The cache is
 * an LRU bounded by bytes, shared by all server threads under one lock.
 */
#ifndef LAUREL_PAGECACHE_H
#define LAUREL_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define PAGECACHE_HOLE 7777777777777LL
#define PAGECACHE_TTL_S 5
#define PAGECACHE_MAX_BYTES (8u << 20)

/* 0, or -1 when out of memory. */
int pagecache_init(void);
/*
 * Turn the cache off (0) or on (1, the default).  Off, every page is
 * rendered (for measuring the real cost: `laurel serve --no-page-cache`).
 */
void pagecache_set_enabled(int on);
void pagecache_free(void);

/*
 * On a fresh entry for key at generation gen: append its bytes to out with
 * `fill` written into the holes, set *ctype (a static string) and return 1.
 * Else return 0.
 */
int pagecache_get(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype);
/* Remember body (len bytes, holes marked by PAGECACHE_HOLE) under key. */
void pagecache_put(const char *key, uint64_t gen, const char *body, size_t len,
                   const char *ctype);
/* Copy body to out with holes filled, as pagecache_get does for a hit. */
void pagecache_fill(const char *body, size_t len, int64_t fill, struct buf *out);

/* Hits and misses so far, for /metrics. */
void pagecache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes);

#endif
