/*
 * pub_views.h — the public campaign's cases most viewed first and newest
 * first, kept in memory and rebuilt by a background thread (pub_views.c),
 * so that a most-viewed list page, or a newest-first one of several
 * filters, is read by key instead of walked in a request.
 */
#ifndef LAUREL_PUB_VIEWS_H
#define LAUREL_PUB_VIEWS_H

#include <stdint.h>

struct store;

/* The filters of a list, as public.c's masks: key[0] region code,
 * key[1] tier id, key[2] track id, key[3] tag id. */
enum { PV_REGION = 1, PV_TIER = 2, PV_TRACK = 4, PV_TAG = 8 };
/* The orders kept: most viewed first (views, publication, id, descending), and newest
 * first (pub_rank's: publication, id, descending). */
enum { PV_VIEWS, PV_NEWEST, PV__ORDERS };

/*
 * The most-viewed order lags the live view counts by at most this long (the
 * rebuild period, longer when a rebuild costs more than 1/PV_LOAD of it).
 */
#define PV_PERIOD_MS 60000.0
#define PV_LOAD 20

/*
 * The ids of the list of the filters (mask, key) in order k (PV_VIEWS,
 * PV_NEWEST), from its skip-th match on, at most n, into ids; the count
 * given.  total_all is the campaign's published cases now (pub_count): kept
 * orders of another size are stale, and the refresher is woken (the page is
 * read from them meanwhile).  The first call of a process waits for the
 * first build (60 s at most).
 */
size_t pub_views_page(struct store *st, int k, int mask, const int64_t key[4], int64_t total_all,
                      int64_t skip, int n, int64_t *ids);

/* Start st's refresher now, so that its first build runs before the first
 * list asks for it (`laurel serve` calls it at start). */
void pub_views_start(struct store *st);

/* Stop st's refresher and free its orders (store_close). */
void pub_views_stop(struct store *st);

/* The SQL texts (SQLite's) the kept orders' build reads, i < 4; else NULL (test_public_plan). */
const char *pub_views_sql(int i);

#endif
