/*
 * pagecache.h — rendered pages kept in memory, with holes for live numbers.
 *
 * A public page changes only when its content changes, but its view counter
 * changes on every visit.  So a page is rendered once with its counter set
 * to PAGECACHE_HOLE, the places where that number landed are remembered,
 * and every later visit copies the bytes and writes the current count into
 * the holes.  Entries are keyed by a string (language, format, URI) and
 * carry the store's generation for that page (store_page_generation: a write
 * that changed what the page shows makes it stale, other writes do not).
 * A page whose content follows only its generation (a case page) lives
 * until that changes; one that also shows numbers moving without a write
 * to its rows (lists ordered by views) is given a lifetime in seconds.
 *
 * The cache is bounded by bytes (pagecache_set_limit) and split into
 * shards by key, each an LRU under its own lock, so that server threads
 * serving different pages do not wait for one another.
 */
#ifndef LAUREL_PAGECACHE_H
#define LAUREL_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define PAGECACHE_HOLE 7777777777777LL
/* The lifetime of a page showing numbers that move without a write (lists by views). */
#define PAGECACHE_TTL_S 5
/* Shards: each holds an equal share of the bound and keeps its own LRU order. */
#define PAGECACHE_SHARDS 16
/* The default bound: every case page of a 4,000-case campaign, in both languages. */
#define PAGECACHE_DEFAULT_MB 256

/* 0, or -1 when out of memory. */
int pagecache_init(void);
/*
 * Turn the cache off (0) or on (1, the default).  Off, every page is
 * rendered (for measuring the real cost: `laurel serve --no-page-cache`).
 */
void pagecache_set_enabled(int on);
/* Bound the bytes kept (pages and keys) to mb megabytes (at least 1). */
void pagecache_set_limit(unsigned mb);
void pagecache_free(void);

/*
 * On a fresh entry for key at generation gen: append its bytes to out with
 * `fill` written into the holes, set *ctype (a static string) and return 1.
 * Else return 0.  Every call counts a hit or a miss for /metrics, but
 * pagecache_try's misses go uncounted: it is the early look of a request
 * that, on a miss, comes to pagecache_get later.
 */
int pagecache_try(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype);
int pagecache_get(const char *key, uint64_t gen, int64_t fill, struct buf *out,
                  const char **ctype);
/*
 * Remember body (len bytes, holes marked by PAGECACHE_HOLE) under key, for
 * ttl_s seconds, or with ttl_s 0 until its generation changes.
 */
void pagecache_put(const char *key, uint64_t gen, const char *body, size_t len,
                   const char *ctype, int ttl_s);
/* Copy body to out with holes filled, as pagecache_get does for a hit. */
void pagecache_fill(const char *body, size_t len, int64_t fill, struct buf *out);

/* The shard that key lives in (0 to PAGECACHE_SHARDS - 1): eviction is per shard. */
unsigned pagecache_shard_of(const char *key);

/* Hits and misses so far, for /metrics. */
void pagecache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes);

#endif
