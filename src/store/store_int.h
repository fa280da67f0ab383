/*
 * store_int.h — what a store module written over the driver (db.h) needs
 * from the store: its statements on the calling thread's connection for
 * reads, on the write's connection inside a write, the time of a write as
 * text, the column and binding helpers the modules share, and the few
 * parts of the store's own state they use (its key, the public lists'
 * refresh, the campaign being run).  A module that includes only this
 * header and db.h runs on SQLite and on PostgreSQL alike
 * (docs/ARCHITECTURE.md, "A store call over the driver").
 */
#ifndef LAUREL_STORE_INT_H
#define LAUREL_STORE_INT_H

#include "store/db.h"
#include "store/store.h"

/*
 * The campaign being run (the open call first, then one under way, then a
 * draft): store_current_campaign() and the session's recommender role agree
 * on it through this one SQL text (a subquery both databases take).
 */
#define CURRENT_CAMPAIGN                                                                           \
    "(SELECT id FROM campaign WHERE status NOT IN ('published','archived') "                       \
    "ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'draft' THEN 2 ELSE 1 END, opens_at DESC, "      \
    "id DESC LIMIT 1)"

/*
 * The campaign under review: the newest with status 'review'.  One SQL text
 * for store_review_campaign_id() and for the scoring queries that must see
 * the same campaign, as a subquery (both databases take it).
 */
#define REVIEW_CAMPAIGN                                                                            \
    "(SELECT id FROM campaign WHERE status = 'review' ORDER BY opens_at DESC, id DESC LIMIT 1)"

/* Over a user id expression and a campaign id expression: the user reviews in it. */
#define REVIEWS_IN(uid, campaign)                                                                  \
    "EXISTS (SELECT 1 FROM campaign_role cr WHERE cr.user_id = " uid " AND cr.role = 'reviewer' " \
    "AND cr.campaign_id = " campaign ")"

/* The calling thread's read connection of st, opened at its first use; NULL (logged). */
struct db_conn *store_db(struct store *st);
/* The connection of the write tx is part of. */
struct db_conn *tx_conn(struct store_tx *tx);
/*
 * The statement for the constant SQL text sql on those connections
 * (prepared once per connection), or NULL (logged).  The caller binds,
 * steps and calls db_reset, or runs it with db_run.
 */
struct db_stmt *store_stmt(struct store *st, const char *sql);
struct db_stmt *tx_stmt(struct store_tx *tx, const char *sql);

/* The time now in UTC as the store writes it: 2020-02-04T08:00:00Z. */
#define STORE_NOW_LEN 24
void store_now(char out[STORE_NOW_LEN]);
/* The time t (seconds since 1970) as store_now writes it. */
void store_time(char out[STORE_NOW_LEN], int64_t t);

/* Column col's text, "" when NULL; as a JSON string, JSON null when NULL. */
const char *db_text(struct db_stmt *s, int col);
json_t *db_jtext(struct db_stmt *s, int col);
/* Column col as a JSON integer or real, JSON null when NULL. */
json_t *db_jint(struct db_stmt *s, int col);
json_t *db_jreal(struct db_stmt *s, int col);
/* Column col's text, or "" when NULL, into dst[n] (truncated). */
void db_copy_text(char *dst, size_t n, struct db_stmt *s, int col);
/* Bind parameter i to text v, or to NULL when v is NULL or empty. */
void db_bind_opt(struct db_stmt *s, int i, const char *v);
/* Run s (NULL: RC_ERROR): its result, or `none` when it changed no row. */
int db_run_changed(struct db_stmt *s, int none);
/* Run the write's statement for the constant SQL text sql with ?1 bound to id. */
int tx_run_id(struct store_tx *tx, const char *sql, int64_t id);
/*
 * Column col's UTC time (2020-02-04T18:00:00Z; a date alone is its
 * midnight) in China Standard Time (UTC+8): the day, 2020-02-05, or ""
 * for NULL or no time; the day and minute, "2020-02-05 02:00", or JSON
 * null.  The store keeps UTC and reckons these in C, on both databases.
 */
json_t *db_cst_day(struct db_stmt *s, int col);
json_t *db_cst_minute(struct db_stmt *s, int col);

/* The store a write runs on (for the store's own state: its key, its campaign). */
struct store *tx_store(struct store_tx *tx);
/*
 * After a write changed the tiers of campaign's cases: the public lists'
 * counts read afresh when it is the public campaign (public.c).
 */
int tx_public_refresh(struct store_tx *tx, int64_t campaign);
/*
 * The public campaign taken afresh inside a write (the newest published or
 * archived one, as the SQLite store takes it at its open and after a
 * publication) and its public read tables rebuilt: what a store over one
 * driver connection (store_over), which has no open of its own yet, runs
 * once a campaign is published.  RC_OK or RC_ERROR.
 */
int tx_public_reload(struct store_tx *tx);
/* The public campaign taken afresh inside a write, its read tables as they are (a publication's). */
void tx_public_take(struct store_tx *tx);
/* The installation's signing key (signkey.h) of st: zero on a store over a connection. */
struct signkey;
const struct signkey *store_signkey(struct store *st);

/*
 * A store over the one driver connection c, which it takes over (closed
 * by store_close), used by one thread at a time: reads run on c, and
 * store_write_sync runs the write at once on the calling thread in its own
 * transaction.  Only the store functions written over the driver work on
 * it (the others find no SQLite connection and fail).  The tests' store;
 * a server on PostgreSQL opens its own (store_open_pg, store.h).  NULL
 * when out of memory.
 */
struct store *store_over(struct db_conn *c);

/*
 * c's PostgreSQL database at this binary's schema (migrate_pg.c): made
 * from src/store/pg/schema.sql when empty, brought up to date by the
 * PostgreSQL migrations when older, each in its own transaction under the
 * write lock (nodes starting at once take turns, each migration runs
 * once), refused when newer.  *applied (NULL allowed) counts what it
 * wrote: the schema or each migration.  0, or -1 with the reason in err.
 */
int store_pg_migrate(struct db_conn *c, int *applied, char *err, size_t errlen);
/* The newest schema version this binary knows on PostgreSQL (schema.sql's). */
int store_pg_newest(void);
/* store_pg_migrate, then the search index opened: 0, or -1 with err. */
int store_pg_ready(struct db_conn *c, char *err, size_t errlen);

/*
 * Whether each thread's reads of st run on a connection of its own (the
 * readers of a served store, on either database), so that a read may be
 * shared out to threads: not on a store over one connection (store_over).
 */
int store_reads_per_thread(struct store *st);

/* Where st keeps its public lists' kept orders (pub_views.c): NULL until a list asks. */
struct pub_views;
struct pub_views **store_pub_views(struct store *st);

/*
 * On (1), the case summaries the calling thread reads (the related cases of
 * a case page) are kept by id, and the related cases by track and tags, and
 * given again, until off (0) drops them: for a thread rendering every case
 * page of a bulk load, in which nothing is written (bulk_pages.c), where the
 * related cases are the few of the tags' pools, read for every page
 * (public.c).
 */
void store_summary_memo(int on);

/* PostgreSQL: page_change's triggers on every table that lacks them (pg/schema.sql). */
int changes_install_pg(struct db_conn *c);
/*
 * PostgreSQL: the writer's own bookkeeping, or a copy, leaves page_change
 * alone (1) until 0 or the transaction's end (changes.c).
 */
int changes_quiet(struct db_conn *c, int quiet);

#endif
