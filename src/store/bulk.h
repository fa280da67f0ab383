/*
 * bulk.h — filling a fresh database fast: the store's bulk-load session.
 *
 * For a loader that writes a whole data set into a database that nothing
 * else uses yet (a folder just made, no server on it), in far less time than
 * one store write per record would take.  A session has three steps, in
 * this order, from one thread:
 *
 *   store_bulk_begin  no rollback journal and no fsync from now on;
 *   store_bulk_load   one job of the writer thread, one transaction: the
 *                     secondary indexes of the tables named are dropped,
 *                     the loader's fill function appends its rows
 *                     (store_bulk_row), then the indexes are created again
 *                     (one sort each instead of a B-tree insert per row),
 *                     both search indexes are rebuilt in bulk and the
 *                     public read tables of the campaigns the fill named
 *                     (store_bulk_refresh_public) are rebuilt;
 *                     ordinary store writes (store_write_sync) may follow,
 *                     still without journal and fsync;
 *   store_bulk_end    WAL and synchronous=FULL again, the planner's
 *                     statistics (a sampled ANALYZE), counters and the
 *                     public campaign read again.
 *
 * Nothing is durable before store_bulk_end returns 0: after a crash or an
 * error the folder is to be removed, not used.  A store opened for a bulk
 * load serves nothing until then.
 *
 * The loader brings its own statements (INSERT, INSERT ... SELECT, or a
 * query for an id), as constant SQL texts; the store prepares each once and
 * binds typed values, so the loader needs no database library of its own.
 */
#ifndef LAUREL_BULK_H
#define LAUREL_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A value bound to a statement parameter. */
enum store_val_type {
    STORE_VAL_NULL,
    STORE_VAL_INT,
    STORE_VAL_REAL,
    STORE_VAL_TEXT,
    STORE_VAL_HTML_OF_MD
};
struct store_val {
    enum store_val_type type;
    int64_t i;
    double d;
    const char *s; /* UTF-8, NUL-terminated; read during the call only */
};
#define STORE_NULL ((struct store_val){STORE_VAL_NULL, 0, 0, NULL})
#define STORE_INT(v) ((struct store_val){STORE_VAL_INT, (int64_t)(v), 0, NULL})
#define STORE_REAL(v) ((struct store_val){STORE_VAL_REAL, 0, (double)(v), NULL})
/* Text; a NULL pointer binds SQL NULL. */
#define STORE_TEXT(v) ((struct store_val){STORE_VAL_TEXT, 0, 0, (v)})
/*
 * The HTML the store renders from the Markdown v (domain/markdown.h, as
 * section_html.c does for a section written): a section's body_html bound
 * as it is inserted, one write a row instead of an insert and the
 * sections step's update.  NULL, or HTML that cannot be rendered (out of
 * memory), binds SQL NULL, which the sections step then renders.
 */
#define STORE_HTML_OF_MD(v) ((struct store_val){STORE_VAL_HTML_OF_MD, 0, 0, (v)})

/* A load in progress, on the writer thread (store_bulk_load). */
struct store_bulk;
typedef int (*store_bulk_fn)(struct store_bulk *b, void *arg);

/* Turn the journal and the fsyncs off.  0, or -1 with err set. */
int store_bulk_begin(struct store *st, char *err, size_t errlen);

/*
 * Run fill(b, arg) on the writer thread inside one transaction, with the
 * secondary indexes of `tables` (a NULL-terminated list of table names, or
 * NULL for none) dropped before and created again after it; then rebuild
 * the search indexes and the public read tables asked for.  fill returns 0,
 * or -1 to roll everything back.  0, or -1 with err set (what failed and
 * the database's message).
 */
int store_bulk_load(struct store *st, const char *const *tables, store_bulk_fn fill, void *arg,
                    char *err, size_t errlen);

/*
 * Run the constant SQL text `sql` (its address identifies the prepared
 * statement) with v[0..n-1] bound to ?1..?n.  *id, if id is not NULL, gets
 * the first column of the first row the statement returns (a query, or
 * RETURNING), else for a statement that writes the rowid it inserted, else
 * 0.  0, or -1 (the database's message kept for store_bulk_load's err).
 */
int store_bulk_row(struct store_bulk *b, const char *sql, const struct store_val *v, int n,
                   int64_t *id);

/* Ask for campaign_id's public read tables to be rebuilt when the fill ends. */
int store_bulk_refresh_public(struct store_bulk *b, int64_t campaign_id);

/* The load's transaction, for the tx_* writes of the store headers (accounts.h ...). */
struct store_tx *store_bulk_tx(struct store_bulk *b);

/* Journal and fsyncs back on, statistics, counters re-read.  0, or -1 with err set. */
int store_bulk_end(struct store *st, char *err, size_t errlen);

/*
 * The session's steps timed, for the loader's report: store_bulk_lap closes
 * the step run since the last lap (or store_bulk_begin) under name (a
 * constant string); the session itself takes laps for its own steps (load:
 * the fill; sections; indexes; search indexes; public tables; trigram index
 * joined; end).  store_bulk_laps writes "name wall/CPU, ..." in seconds into
 * out (CPU of the whole process: the side build's thread counts in the step
 * it overlaps).  One session at a time in a process.
 */
void store_bulk_lap(const char *name);
void store_bulk_laps(char *out, size_t n);

/* After a failure between store_bulk_begin and store_bulk_end: what the load left running stopped. */
void store_bulk_cancel(struct store *st);

#endif
