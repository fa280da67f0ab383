/*
 * sqlite_int.h — what the SQLite backend's files share, and nothing above
 * the store sees.
 *
 * sq_prepare() returns the calling thread's prepared statement for a SQL
 * text, preparing it on first use on that thread's read-only connection;
 * the caller binds, steps and calls sq_done().
 */
#ifndef LAUREL_SQLITE_INT_H
#define LAUREL_SQLITE_INT_H

#include <sqlite3.h>
#include <stdatomic.h>

#include "store/counter.h"
#include "store/db.h"
#include "store/public.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/writer.h"
#include "store/signkey.h"
#include "store/store_int.h" /* CURRENT_CAMPAIGN */


struct rconn;
struct store_renderer;
struct pub_views;

/* What one write changed (changes.c): every public page, or these cases. */
#define STORE_CHANGES_MAX 32
#define STORE_CASE_SLOTS 16384
#define STORE_CASE_TABLES 8
struct store_changes {
    int global;
    int ncases;
    int64_t cases[STORE_CHANGES_MAX];
    int64_t campaigns[STORE_CHANGES_MAX]; /* -1 until known */
    char neighbour[STORE_CHANGES_MAX];    /* its case or tag rows: other case pages show them */
    int64_t rows, total0;                 /* rows the hook saw; total changes before */
    int sections;                         /* a case_section row changed: render (011) */
};

/* PostgreSQL: what a sealed batch and the batches before it changed (nodes.c). */
struct node_seal {
    int64_t batch;  /* this batch's number */
    int global;     /* every page */
    size_t n, cap;  /* rows of changed cases */
    int64_t *cases, *campaigns;
    char *neighbour;
};

struct store {
    char *path;
    char *db_uri; /* PostgreSQL's (store_open_pg), or NULL */
    _Atomic int64_t batch_seen; /* PostgreSQL: the last write batch this node knows of (nodes.c) */
    struct node_seal seal; /* PostgreSQL: the batch being sealed (nodes.c) */
    sqlite3 *wdb; /* the writer's connection, on SQLite */
    struct writer *writer;
    struct counter *views[STORE_COUNT__MAX];
    int64_t campaign_id; /* the public campaign */
    _Atomic uint64_t generation;
    _Atomic uint64_t views_flushed;
    pthread_mutex_t rlock; /* guards rconns */
    struct rconn *rconns;
    struct stmt_cache *wcache; /* the writer connection's statements */
    uint64_t flushes;          /* counter flushes run (writer thread only) */
    /* Page generations (changes.c): the public campaign's lists, and cases by slot. */
    _Atomic uint64_t list_gen;
    /* Of every public case page: a public case's title, status or tags (its neighbours'). */
    _Atomic uint64_t neighbour_gen;
    _Atomic uint64_t case_gen[STORE_CASE_SLOTS];
    struct store_changes *changes; /* the write being run, on the writer thread */
    int col_case_campaign, col_case_id[STORE_CASE_TABLES];
    struct signkey key; /* the installation's, for results statements (signkey.h) */
    struct db_conn *wconn; /* the writer's connection as a driver's (db.h, store_int.h) */
    const struct store_renderer *renderer; /* pages rendered at write (prerender.h), or NULL */
    /* Every case page rendered again aside, a slice a batch (prerender.c): writer thread only. */
    struct page_pass_job {
        struct writer_job job;
        int queued; /* job is in the writer's queue or running */
        int again;  /* a write asked for a pass while the job was queued */
        int more;   /* the last slice left pages to render */
    } pass;
    _Atomic int closing; /* store_close has begun: no slice is queued again */
    struct pub_views *pub_views; /* the most-viewed order and its refresher (pub_views.c) */
    struct bulk_side *bulk_side; /* a bulk load's search index built aside (bulk_search.c) */
    int bulk_load; /* between store_bulk_begin and its end: pages rendered aside (bulk_pages.c) */
};

/* Counter flushes (one a second) between two PRAGMA optimize: 4 hours. */
#define STORE_OPTIMIZE_FLUSHES (4 * 3600)

/* Watch the writer's connection for changed rows (once, at open). */
void changes_install(struct store *st);
/* Around one write, on the writer thread: collect its changes into c. */
void changes_begin(struct store *st, struct store_changes *c);
void changes_end(struct store *st, struct store_changes *c);
/* After its commit: bump the generations of what c changed. */
void changes_apply(struct store *st, const struct store_changes *c);
/* The same for n cases (campaign -1: not known, so every page), or every page. */
void changes_bump(struct store *st, const int64_t *cases, const int64_t *campaigns,
                  const char *neighbour, size_t n, int global);

/* Render the pages page_dirty marks, on the writer inside its write (prerender.c). */
void prerender_flush(struct store *st);
/* The case id a pass of every case page has reached, or -1 when none is under way. */
int64_t prerender_pass_at(struct store *st);
/*
 * While on (1), the store's reads on the calling thread (the writer's) use
 * the writer's connection and see the write in progress; off (0) again after.
 */
void sqlite_reads_on_writer(struct store *st, int on);

/*
 * The calling thread's prepared statement for the SQL text `sql`, which
 * must be a string constant (statements are cached by its address).
 */
sqlite3_stmt *sq_prepare(struct store *st, const char *sql);

/* A write transaction in progress on the writer thread (see store.h). */
struct store_tx {
    struct store *st;
    sqlite3 *db;
};
/* The writer's cached statement for the constant SQL text `sql`, or NULL. */
sqlite3_stmt *tx_prepare(struct store_tx *tx, const char *sql);
/* Step a write statement to completion and reset it: RC_OK or RC_ERROR (logged). */
int tx_exec(struct store_tx *tx, sqlite3_stmt *s);
/* Prepare the constant SQL text sql, bind ?1 to id and run it as tx_exec does. */
int tx_exec_id(struct store_tx *tx, const char *sql, int64_t id);
/* tx_exec, but `none` (a result code) when the statement changed no row. */
int tx_exec_changed(struct store_tx *tx, sqlite3_stmt *s, int none);
/* Reset and unbind a statement after use. */
void sq_done(sqlite3_stmt *s);

/* Column helpers: text as "" when NULL; sq_copy copies it into dst[n], truncating. */
const char *sq_text(sqlite3_stmt *s, int col);
void sq_copy(char *dst, size_t n, sqlite3_stmt *s, int col);
json_t *sq_jtext(sqlite3_stmt *s, int col);
/* Bind parameter i to text v (copied), or to NULL when v is NULL or empty. */
void sq_bind_opt(sqlite3_stmt *s, int i, const char *v);

/* store_write_sync on a store over one driver connection (store_over, db_store.c). */
int store_over_write(struct store *st, store_write_fn run, void *arg);

/* After a bulk load: re-read counters and the public campaign, bump the generation. */
int store_reload(struct store *st);

/* Apply the embedded migrations newer than the database's user_version. */
int migrate_run(sqlite3 *db, char *err, size_t errlen);
/* (Re)build both search indexes from the case tables; on the writer's db. */
int store_index_cases(sqlite3 *db);
/* Each of the two alone (search.c); and what case_fts indexes, in its pieces (bulk_search.c). */
int store_index_case_fts(sqlite3 *db);
int store_index_case_short(sqlite3 *db);
extern const char store_case_fts_rows_sql[], store_case_fts_begin_sql[],
    store_case_fts_end_sql[];
/*
 * A bulk load's two search indexes built on a thread of their own (bulk_search.c):
 * started on the writer inside the load, after the case tables are whole
 * (NULL if it cannot start: then the caller builds it); finished from the
 * loader's thread before the load ends (joined, copied in; built by the
 * writer if the side build failed: 0 or -1); or cancelled (a failed load).
 */
struct bulk_side *bulk_side_start(sqlite3 *db);
int bulk_side_finish(struct store *st);
void bulk_side_cancel(struct store *st);
/*
 * In a bulk load, before the renderer r is registered: every published
 * case's pages rendered on two threads and copied in by the writer, the
 * marks left for the results page alone (bulk_pages.c).  Nothing to do when
 * the case pages are neither marked nor of another version.  0, or -1
 * (logged): the writer then renders them all itself.
 */
int bulk_pages_render(struct store *st, const struct store_renderer *r);
/* Register the laurel_bigram FTS5 tokenizer on db. */
int search_register(sqlite3 *db);
/* Case sections rendered when written (section_html.c). */
#include "store/section_html.h"

#endif
