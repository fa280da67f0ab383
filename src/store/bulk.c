/*
 * bulk.c — the bulk-load session of bulk.h on SQLite.
 *
 * store_bulk_begin and store_bulk_end run outside any transaction
 * (writer_run_bare) because journal_mode and synchronous cannot change
 * inside one; the load itself is one writer job (writer_run_sync) and so
 * one transaction.  While it runs the writer's connection keeps the whole
 * transaction in memory (a cache of 512 MB, no journal) and writes each
 * page once.  The indexes dropped are those with SQL text (not the implicit
 * ones of primary keys and UNIQUE constraints), read from sqlite_schema and
 * created again from the same text; so are the tables' triggers that only
 * mark pages to render (migration 016), and every page is marked once
 * instead.  A case section the loader binds with STORE_HTML_OF_MD gets its
 * HTML as it is inserted (markdown.h, section_html.c's renderer: one write
 * a row); any other is rendered (section_html.c) before the indexes come
 * back.  The search indexes are built once the fill is done,
 * in one sorted pass each (FTS5 indexes a sorted bulk insert several times
 * faster than rows interleaved with other tables' inserts), with a large
 * in-memory buffer (fts_buffer), both on a thread of their own
 * (bulk_search.c) while the writer renders the sections and builds the
 * indexes, copied in by store_bulk_end.  The
 * last step's ANALYZE is bounded by analysis_limit (as PRAGMA optimize
 * does), so it takes about the same time at any size.
 */
#include "store/bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "domain/markdown.h"
#include "store/sqlite_int.h"
#include "store/sqlite_tx.h"

#define BULK_REFRESH_MAX 8
#define BULK_LAPS_MAX 24
#define BULK_FTS_BUFFER (64L << 20) /* see fts_buffer */
#define FTS_DEFAULT_BUFFER (1L << 20)

struct store_bulk {
    struct store_tx tx;
    const char *const *tables;
    store_bulk_fn fill;
    void *arg;
    int64_t refresh[BULK_REFRESH_MAX]; /* campaigns whose public read tables to rebuild */
    int nrefresh;
    char err[256];
};

/* Keep the first failure's message (what, and the database's words). */
static int fail(struct store_bulk *b, const char *what)
{
    if (!b->err[0])
        snprintf(b->err, sizeof b->err, "%s: %s", what, sqlite3_errmsg(b->tx.db));
    return -1;
}

int store_bulk_row(struct store_bulk *b, const char *sql, const struct store_val *v, int n,
                   int64_t *id)
{
    sqlite3_stmt *s = tx_prepare(&b->tx, sql);
    if (!s)
        return fail(b, "prepare");
    for (int i = 0; i < n; i++) {
        switch (v[i].type) {
        case STORE_VAL_INT:
            sqlite3_bind_int64(s, i + 1, v[i].i);
            break;
        case STORE_VAL_REAL:
            sqlite3_bind_double(s, i + 1, v[i].d);
            break;
        case STORE_VAL_TEXT:
            if (v[i].s)
                sqlite3_bind_text(s, i + 1, v[i].s, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(s, i + 1);
            break;
        case STORE_VAL_HTML_OF_MD: {
            char *html = v[i].s ? markdown_to_html(v[i].s, strlen(v[i].s)) : NULL;
            if (html)
                sqlite3_bind_text(s, i + 1, html, -1, free);
            else
                sqlite3_bind_null(s, i + 1);
            break;
        }
        case STORE_VAL_NULL:
            sqlite3_bind_null(s, i + 1);
            break;
        }
    }
    int rc = sqlite3_step(s);
    if (id) {
        if (rc == SQLITE_ROW)
            *id = sqlite3_column_int64(s, 0);
        else
            *id = rc == SQLITE_DONE && !sqlite3_stmt_readonly(s)
                      ? sqlite3_last_insert_rowid(b->tx.db)
                      : 0;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        fail(b, "insert");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int store_bulk_refresh_public(struct store_bulk *b, int64_t campaign_id)
{
    for (int i = 0; i < b->nrefresh; i++) {
        if (b->refresh[i] == campaign_id)
            return 0;
    }
    if (b->nrefresh == BULK_REFRESH_MAX) {
        snprintf(b->err, sizeof b->err, "more than %d campaigns to refresh", BULK_REFRESH_MAX);
        return -1;
    }
    b->refresh[b->nrefresh++] = campaign_id;
    return 0;
}

struct store_tx *store_bulk_tx(struct store_bulk *b)
{
    return &b->tx;
}

/*
 * Drop the indexes of b->tables that have SQL text, and their triggers that
 * only mark pages to render (migration 016: page_*; marks that a bulk load
 * replaces by marking every page, see load_job); their CREATE statements,
 * joined by ";", into *out (malloc'd, "" for none).
 */
static int drop_indexes(struct store_bulk *b, char **out)
{
    static const char sql[] =
        "SELECT name, sql, type FROM sqlite_schema WHERE (type = 'index' AND sql IS NOT NULL "
        "OR type = 'trigger' AND name LIKE 'page\\_%' ESCAPE '\\') AND tbl_name = ?1 "
        "ORDER BY type, name";
    struct buf create = BUF_INIT, drop = BUF_INIT;
    buf_init(&create, 1 << 20);
    buf_init(&drop, 1 << 20);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(b->tx.db, sql, -1, &s, NULL) != SQLITE_OK)
        goto fail;
    for (int i = 0; b->tables && b->tables[i]; i++) {
        sqlite3_bind_text(s, 1, b->tables[i], -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            buf_printf(&drop, "DROP %s \"%s\";",
                       strcmp((const char *)sqlite3_column_text(s, 2), "index") == 0 ? "INDEX"
                                                                                     : "TRIGGER",
                       (const char *)sqlite3_column_text(s, 0));
            buf_printf(&create, "%s;", (const char *)sqlite3_column_text(s, 1));
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    s = NULL;
    buf_putc(&drop, 0);
    buf_putc(&create, 0);
    if (create.oom || drop.oom || sqlite3_exec(b->tx.db, drop.p, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    buf_release(&drop);
    *out = buf_detach(&create, NULL);
    buf_release(&create);
    return *out ? 0 : fail(b, "indexes");
fail:
    sqlite3_finalize(s);
    buf_release(&create);
    buf_release(&drop);
    return fail(b, "indexes");
}

/*
 * The full-text table's in-memory buffer (FTS5's hashsize) set to bytes:
 * BULK_FTS_BUFFER while it is built, so that FTS5 writes a few large
 * segments instead of one a megabyte merged over and over; its default
 * again after.
 */
static int fts_buffer(sqlite3 *db, const char *table, long bytes)
{
    char *q = sqlite3_mprintf("INSERT INTO \"%w\" (\"%w\", rank) VALUES ('hashsize', %ld)", table,
                              table, bytes);
    int rc = q && sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_free(q);
    return rc;
}

/*
 * Both search indexes (case_fts, trigram; case_short, bigram) on a thread
 * of their own, copied in at store_bulk_end (bulk_search.c), or here if
 * that cannot start.
 */
static int index_cases(struct store_bulk *b, sqlite3 *db)
{
    b->tx.st->bulk_side = bulk_side_start(db);
    if (b->tx.st->bulk_side)
        return 0;
    return fts_buffer(db, "case_fts", BULK_FTS_BUFFER) == 0 && store_index_case_fts(db) == 0 &&
                   fts_buffer(db, "case_fts", FTS_DEFAULT_BUFFER) == 0 &&
                   fts_buffer(db, "case_short", BULK_FTS_BUFFER) == 0 &&
                   store_index_case_short(db) == 0 &&
                   fts_buffer(db, "case_short", FTS_DEFAULT_BUFFER) == 0
               ? 0
               : -1;
}

/*
 * The steps' times (store_bulk_lap): one bulk session at a time in a
 * process, its laps taken by the loader's thread and the writer's in turn.
 */
static struct {
    double wall0, cpu0;
    int n;
    struct {
        const char *name;
        double wall_ms, cpu_ms;
    } step[BULK_LAPS_MAX];
} laps;

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void store_bulk_lap(const char *name)
{
    double w = clock_ms(), c = cpu_ms();
    if (laps.n < BULK_LAPS_MAX) {
        laps.step[laps.n].name = name;
        laps.step[laps.n].wall_ms = w - laps.wall0;
        laps.step[laps.n++].cpu_ms = c - laps.cpu0;
    }
    laps.wall0 = w;
    laps.cpu0 = c;
}

void store_bulk_laps(char *out, size_t n)
{
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < laps.n && len < n; i++)
        len +=
            (size_t)snprintf(out + len, n - len, "%s%s %.2f/%.2f", i ? ", " : "", laps.step[i].name,
                             laps.step[i].wall_ms / 1e3, laps.step[i].cpu_ms / 1e3);
}

static int load_job(struct db_conn *c, void *arg)
{
    sqlite3 *db = db_sqlite_handle(c);
    struct store_bulk *b = arg;
    b->tx.db = db;
    char *create = NULL;
    if (sqlite3_exec(db, "PRAGMA cache_size=-524288;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(b, "cache");
    if (drop_indexes(b, &create) != 0)
        return -1;
    int rc = b->fill(b, b->arg);
    store_bulk_lap("load");
    /* The search indexes' spool and side build first (it reads by primary keys only), so
     * that the second core indexes while this one renders the sections and builds the
     * indexes. */
    if (rc == 0 && index_cases(b, db) != 0)
        rc = fail(b, "search index");
    store_bulk_lap("search indexes");
    /* Before the indexes (the one of unrendered sections is then created empty): one pass
     * of the primary key. */
    if (rc == 0 && section_html_fill(c, 1) != 0)
        rc = fail(b, "case sections");
    store_bulk_lap("sections");
    /* Every page to render (prerender.c's marks), as the dropped triggers would have marked. */
    if (rc == 0 && (sqlite3_exec(db, create, NULL, NULL, NULL) != SQLITE_OK ||
                    (strstr(create, "CREATE TRIGGER") &&
                     sqlite3_exec(db, "INSERT INTO page_dirty VALUES (-1), (0)", NULL, NULL,
                                  NULL) != SQLITE_OK)))
        rc = fail(b, "indexes");
    store_bulk_lap("indexes");
    free(create);
    if (rc != 0) {
        if (!b->err[0])
            snprintf(b->err, sizeof b->err, "the loader stopped");
        return -1;
    }
    for (int i = 0; i < b->nrefresh; i++) {
        if (db_public_refresh(tx_conn(&b->tx), b->refresh[i]) != 0)
            return fail(b, "public read tables");
    }
    store_bulk_lap("public tables");
    return 0;
}

int store_bulk_load(struct store *st, const char *const *tables, store_bulk_fn fill, void *arg,
                    char *err, size_t errlen)
{
    struct store_bulk b;
    memset(&b, 0, sizeof b);
    b.tx.st = st;
    b.tables = tables;
    b.fill = fill;
    b.arg = arg;
    if (writer_run_sync(st->writer, load_job, &b) != 0) {
        snprintf(err, errlen, "%s", b.err[0] ? b.err : "write error");
        return -1;
    }
    return 0;
}

/*
 * Outside any transaction: no rollback journal and no fsync (arg non-NULL),
 * or back to store_open's WAL, synchronous=FULL and cache (arg NULL).
 * Checked by reading the journal mode back.
 */
static int bulk_mode(struct db_conn *c, void *arg)
{
    sqlite3 *db = db_sqlite_handle(c);
    const char *sql = arg ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                          : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA cache_size=-2048;";
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *s;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(s, 0), arg ? "off" : "wal") == 0;
    sqlite3_finalize(s);
    return ok ? 0 : -1;
}

int store_bulk_begin(struct store *st, char *err, size_t errlen)
{
    laps.n = 0;
    store_bulk_lap(NULL);
    laps.n = 0;
    st->bulk_load = 1;
    if (writer_run_bare(st->writer, bulk_mode, "on") != 0) {
        snprintf(err, errlen, "cannot turn the journal off for the bulk load");
        return -1;
    }
    return 0;
}

/* Statistics for the planner, bounded per index. */
static int analyse_job(struct db_conn *c, void *arg)
{
    (void)arg;
    return sqlite3_exec(db_sqlite_handle(c), "PRAGMA analysis_limit=1000; ANALYZE;", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}

int store_bulk_end(struct store *st, char *err, size_t errlen)
{
    st->bulk_load = 0;
    if (bulk_side_finish(st) != 0) {
        snprintf(err, errlen, "cannot build the search index");
        return -1;
    }
    store_bulk_lap("search indexes joined");
    if (writer_run_bare(st->writer, bulk_mode, NULL) != 0 ||
        writer_run_sync(st->writer, analyse_job, NULL) != 0) {
        snprintf(err, errlen, "cannot analyse the database");
        return -1;
    }
    if (store_reload(st) != 0) {
        snprintf(err, errlen, "cannot reload counters");
        return -1;
    }
    store_bulk_lap("end");
    return 0;
}

void store_bulk_cancel(struct store *st)
{
    st->bulk_load = 0;
    bulk_side_cancel(st);
}

/* sqlite_tx.h */
sqlite3 *tx_db(struct store_tx *tx)
{
    return tx->db;
}
