/*
 * store.h — the one interface to Laurel's data.
 *
 * Everything above this layer (web handlers, commands) asks the store for
 * models — jansson objects shaped for the views — and never sees SQL.
 * Reads run on the calling thread with a connection of that thread's own
 * and prepared statements cached per connection; writes go to the single
 * writer thread (store_write), which commits queued jobs in groups (one
 * transaction and one fsync per batch).  The database is SQLite in the
 * data folder (store_open) or PostgreSQL (store_open_pg); the store's SQL
 * runs over a driver interface (db.h), and the few modules still SQLite's
 * own are listed in docs/ARCHITECTURE.md, "A store call over the driver".
 *
 * Models returned are new references owned by the caller (json_decref).
 * Functions returning int give 0 on success, RC_NOTFOUND, or RC_ERROR
 * (logged).
 */
#ifndef LAUREL_STORE_H
#define LAUREL_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/result.h"

/* The public campaign is the newest published one. */
#define STORE_PER_PAGE 20
/* The longest page of a case list, and the related cases of a case. */
#define STORE_MAX_PER_PAGE 100
#define STORE_RELATED 6

struct store;

/* Open (creating with `create`) the database under dir; runs migrations. */
struct store *store_open(const char *dir, int create, char *err, size_t errlen);
/*
 * Open the store on the PostgreSQL database uri (postgresql://...), with
 * dir as its data folder (the uploads and the signing key), creating the
 * schema in an empty database.  The store functions not yet over the
 * driver (docs/ARCHITECTURE.md) find nothing on it.
 */
struct store *store_open_pg(const char *dir, const char *uri, char *err, size_t errlen);
/* db, else LAUREL_DB from the environment, when either names a database; else NULL. */
const char *store_db_uri(const char *db);
/*
 * The store a command opens: on PostgreSQL when store_db_uri(db) names a
 * database (store_open_pg, the schema created in an empty one), else the
 * data folder's SQLite database (store_open, creating it with `create`).
 */
struct store *store_open_db(const char *dir, const char *db, int create, char *err,
                            size_t errlen);
/* Flush counters, stop the writer, close every connection. */
void store_close(struct store *st);

/* A case-list filter: NULL / 0 fields are "any". */
struct store_filter {
    const char *region; /* GB/T 2260 code */
    const char *tier;   /* tier slug */
    const char *track;  /* track slug */
    const char *tag;    /* tag name */
    const char *q;      /* search words */
    int sort_views;     /* most viewed first, else newest first */
    int page;           /* 1.. */
    int per_page;
};

/*
 * {total, page, pages, approx, estimate, items:[case summaries]}.  With
 * search words only the newest SEARCH_CAP hits of the index are listed
 * (total counts those); when it has more, approx is true and estimate the
 * number of matches extrapolated ("about N"), else estimate == total.
 */
json_t *store_cases(struct store *st, const struct store_filter *f);
/*
 * The whole case with sections (each body_html, or body_md while not rendered
 * yet), tags, attachments, related, prev/next; NULL if none.
 */
json_t *store_case(struct store *st, int64_t id);
/* The public campaign: name, call, stages, tiers, tracks, figures. */
json_t *store_campaign(struct store *st);
/* Of the public campaign, only what a list's filters offer: {tiers, tracks} as in store_campaign. */
json_t *store_campaign_filters(struct store *st);
/* [{code, name, source, cases, best, excellent}] in code order. */
json_t *store_regions(struct store *st);
/* [{code, name}] in code order: the regions' names alone, for a list's filter. */
json_t *store_region_names(struct store *st);
/* One region as above, or NULL. */
json_t *store_region(struct store *st, const char *code);
/*
 * {tiers:[{slug, name, quota, awarded, items:[{id, title, url, unit:{name},
 * region:{code, name}, track:{name}}]}], regions:[{..., awards}]}
 */
json_t *store_results(struct store *st);
/* [{name, count}] most used first. */
json_t *store_tags(struct store *st);
/* {total, page, pages, items:[article summaries]} */
json_t *store_articles(struct store *st, int page, int per_page);
/* One article with body HTML, tags, related, prev/next; NULL if none. */
json_t *store_article(struct store *st, int64_t id);
/*
 * Public URLs from..from+count-1 of the sequence "published cases by id,
 * then published articles": {ncases, narticles, cases:[[id,date]...],
 * articles:[[url,date]...]}.  Cost: the rows returned.
 */
#define STORE_SITEMAP_PARTS 1
json_t *store_sitemap(struct store *st, int64_t from, int64_t count);

/* Page views: count one (in memory) and return the new total, or -1 for an unknown id. */
enum store_counted { STORE_COUNT_CASE, STORE_COUNT_ARTICLE, STORE_COUNT__MAX };
int64_t store_view(struct store *st, enum store_counted kind, int64_t id);
/* Start counting an id not known yet (published since start) from `had`; count one; the total. */
int64_t store_view_start(struct store *st, enum store_counted kind, int64_t id, int64_t had);
/* Totals for /metrics. */
struct store_stats {
    uint64_t batches, jobs, views_flushed;
    double last_commit_ms;
    int64_t write_batch; /* PostgreSQL: the database's last batch this node caught up with */
    int64_t pages_pass_at; /* the case id kept pages are rendered again up to, or -1 (none) */
};
void store_stats_get(struct store *st, struct store_stats *out);
/* A number that changes whenever public content changes (for caches). */
uint64_t store_generation(struct store *st);
/*
 * Take the data folder dir for this process (an exclusive lock on
 * dir/laurel.lock, held until exit): its descriptor, or -1 with a message
 * naming the process that holds it.
 */
int store_lock(const char *dir, char *err, size_t errlen);
/* The public campaign's id, or 0: kept in memory, no query (for /healthz). */
int64_t store_public_campaign(struct store *st);
/*
 * PRAGMA quick_check, stopped after timeout_ms: 0 when the database is
 * sound, -1 when it is not (what is wrong in err, and the fault noted), 1
 * when time ran out (err says so).
 */
int store_check(struct store *st, unsigned timeout_ms, char *err, size_t errlen);
/*
 * Make the calling thread's reads until store_read_end one read transaction:
 * one snapshot for a whole page, and one shared lock of the database instead
 * of one per statement.  Not nested; every begin has its end on the same
 * thread before the thread serves another request.
 */
void store_read_begin(struct store *st);
void store_read_end(struct store *st);
/*
 * The generation of one public page (for the page cache): of case case_id's
 * page, or with case_id 0 of any other public page (the public campaign's
 * lists, results, search, news).  It changes when a write changes that case
 * (or its campaign's lists), or anything a page could show other than cases;
 * not when a write touches only private rows or cases of another campaign;
 * and after any storage fault (a page read over a fault is never served).
 * Read it before reading what the page shows.
 */
uint64_t store_page_generation(struct store *st, int64_t case_id);

/*
 * Writes.  A write is a function run on the writer thread inside a batch
 * transaction (under its own savepoint): it calls tx_* functions of the
 * store headers and returns RC_OK, or any other code to have its changes
 * rolled back.  store_write queues it and calls done(arg, rc) on the writer
 * thread after the batch commits (rc is the write's own code, or
 * RC_ERROR if the commit failed); store_write_sync waits for that.
 */
struct store_tx;
typedef int (*store_write_fn)(struct store_tx *tx, void *arg);
int store_write(struct store *st, store_write_fn run, void (*done)(void *arg, int rc), void *arg);
int store_write_sync(struct store *st, store_write_fn run, void *arg);

#endif
