/*
 * bulk_pages.c — a bulk load's case pages rendered on two threads of their
 * own, then copied in by the writer (sqlite_int.h, prerender.c).
 *
 * Rendering every published case's pages is most of a demo load's time
 * (about 300 µs of CPU a case, twice what the rest of its load costs), and
 * prerender.c renders them on the writer alone, one case after another.  At
 * the end of a bulk load nothing else writes the database (the writer is
 * idle until the renderer is registered), so the pages can be read and
 * rendered anywhere: two threads take half the published cases each (in id
 * order, one read transaction a chunk), read them through their own read
 * connections (the store's, as a visit does) with the very renderer the
 * writer would call, and write the rows into a side database each (no
 * journal; page_html made from its own CREATE text); then the writer,
 * outside any transaction, attaches the side files and copies the rows into
 * page_html (whole records, appended in id order) and page_ref in one
 * transaction, replaces the marks by the results page's alone, ends any
 * pass (prerender.c) and records the renderer's version, so that the
 * ordinary registration (store_set_renderer) finds the case pages rendered
 * and renders the results page only.  What a visitor sees is the same: the
 * same model from the same committed data, through the same callbacks.
 * Since nothing is written meanwhile, each thread's read connection has a
 * large cache while it renders, and keeps what every page reads again (the
 * related cases: the few of the tags' pools, by id and by track and tags;
 * store_summary_memo).
 *
 * Any failure (a side file, a thread, the copy) is only logged: the writer
 * then renders every page itself, as before, so the load never fails for
 * it.  A case the renderer fails on is left without a row, as on the writer.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "store/bulk.h"
#include "store/prerender.h"
#include "store/sqlite_int.h"
#include "store/store_int.h"

#define PAGES_THREADS 2
#define PAGES_CHUNK 256 /* cases a thread takes at a time, in one read transaction */
#define PAGE_KEY(page, lang) ((page)*8 + (int64_t)(lang))
/* The threads' read connections' cache while they render, and after (store_open's). */
#define PAGES_CACHE_SQL "PRAGMA cache_size=-65536"
#define READ_CACHE_SQL "PRAGMA cache_size=-2048"

static const char published_sql[] =
    "SELECT id FROM \"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL ORDER BY id";
static const char all_marked_sql[] =
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM page_dirty WHERE page = -1) OR NOT EXISTS "
    "(SELECT 1 FROM page_html_version WHERE version = ?1)";
/* page_html's own CREATE text in the side files: its rows are copied whole (SELECT *). */
static const char create_sql[] = "SELECT sql FROM sqlite_schema WHERE type = 'table' "
                                 "AND name = 'page_html'";
static const char side_schema_sql[] =
    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; %s;"
    "CREATE TABLE page_ref (case_id INTEGER NOT NULL, ref_id INTEGER NOT NULL);"
    "BEGIN;";
static const char cache_on_sql[] = PAGES_CACHE_SQL, cache_off_sql[] = READ_CACHE_SQL;
static const char side_put_sql[] =
    "INSERT INTO page_html (id, campaign_id, title, html, vote_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char side_ref_sql[] = "INSERT INTO page_ref (case_id, ref_id) VALUES (?1, ?2)";

struct pages_side {
    struct store *st;
    const struct store_renderer *r;
    const char *create; /* page_html's CREATE text */
    const int64_t *ids;
    size_t n;
    int t; /* this thread's share, ids[0..n): the t-th of the cases in id order */
    char *path;
    pthread_t thread;
    int started, rc;
};

/* Each of the page's rows into the side database; 0 or -1. */
static int side_put(sqlite3_stmt *put, sqlite3_stmt *ref, int64_t campaign, int64_t id,
                    const struct buf html[LANG__MAX], const size_t vote_at[LANG__MAX],
                    const struct buf *title, const int64_t *refs, size_t nrefs)
{
    for (int l = 0; l < LANG__MAX; l++) {
        sqlite3_bind_int64(put, 1, PAGE_KEY(id, l));
        sqlite3_bind_int64(put, 2, campaign);
        sqlite3_bind_text(put, 3, title->p ? title->p : "", (int)title->len, SQLITE_STATIC);
        sqlite3_bind_text(put, 4, html[l].p ? html[l].p : "", (int)html[l].len, SQLITE_STATIC);
        sqlite3_bind_int64(put, 5, (int64_t)vote_at[l]);
        int rc = sqlite3_step(put);
        sqlite3_reset(put);
        if (rc != SQLITE_DONE)
            return -1;
    }
    for (size_t i = 0; i < nrefs; i++) {
        sqlite3_bind_int64(ref, 1, id);
        sqlite3_bind_int64(ref, 2, refs[i]);
        int rc = sqlite3_step(ref);
        sqlite3_reset(ref);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/*
 * Render case id as prerender.c's render_case does (the same checks): 1
 * rendered, 0 not kept (logged; a visit assembles it).
 */
static int render_one(const struct store_renderer *r, int64_t id, struct buf html[LANG__MAX],
                      size_t vote_at[LANG__MAX], struct buf *title, int64_t *refs, size_t *nrefs)
{
    for (int l = 0; l < LANG__MAX; l++) {
        buf_reset(&html[l]);
        vote_at[l] = 0;
    }
    buf_reset(title);
    *nrefs = 0;
    int bad = r->case_page(id, html, vote_at, title, refs, nrefs) != 0 || title->oom ||
              *nrefs > STORE_RELATED;
    for (int l = 0; !bad && l < LANG__MAX; l++)
        bad = html[l].oom || vote_at[l] > html[l].len;
    if (bad)
        log_error("store: cannot render the page of case %lld", (long long)id);
    return !bad;
}

/* Run a PRAGMA on the calling thread's read connection: 0, or -1 without one. */
static int read_pragma(struct store *st, const char *sql)
{
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return -1;
    sqlite3_step(s);
    sq_done(s);
    return 0;
}

/* A thread: its chunks of the cases rendered into its side database. */
static void *side_render(void *arg)
{
    struct pages_side *s = arg;
    sqlite3 *db = NULL;
    sqlite3_stmt *put = NULL, *ref = NULL;
    struct buf html[LANG__MAX], title = BUF_INIT;
    for (int l = 0; l < LANG__MAX; l++) {
        html[l] = (struct buf)BUF_INIT;
        buf_init(&html[l], 0);
    }
    buf_init(&title, 0);
    s->rc = -1;
    char *schema = sqlite3_mprintf(side_schema_sql, s->create);
    if (!schema ||
        sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, side_put_sql, -1, &put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, side_ref_sql, -1, &ref, NULL) != SQLITE_OK) {
        log_error("store: cannot make the side file of the pages: %s",
                  db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    /* The cases' neighbours and pools are read again and again; no connection, no pages. */
    int rc = read_pragma(s->st, cache_on_sql);
    store_summary_memo(1); /* the related cases: the few of the pools */
    for (size_t from = 0; rc == 0 && from < s->n; from += PAGES_CHUNK) {
        size_t to = from + PAGES_CHUNK < s->n ? from + PAGES_CHUNK : s->n;
        /* One read transaction a chunk: a write waits for a chunk at most. */
        store_read_begin(s->st);
        for (size_t i = from; rc == 0 && i < to; i++) {
            size_t vote_at[LANG__MAX], nrefs;
            int64_t refs[STORE_RELATED];
            if (render_one(s->r, s->ids[i], html, vote_at, &title, refs, &nrefs))
                rc = side_put(put, ref, s->st->campaign_id, s->ids[i], html, vote_at, &title, refs,
                              nrefs);
        }
        store_read_end(s->st);
    }
    read_pragma(s->st, cache_off_sql);
    store_summary_memo(0);
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        s->rc = 0;
    else
        log_error("store: cannot write the side file of the pages: %s", sqlite3_errmsg(db));
out:
    sqlite3_free(schema);
    sqlite3_finalize(put);
    sqlite3_finalize(ref);
    sqlite3_close(db);
    for (int l = 0; l < LANG__MAX; l++)
        buf_release(&html[l]);
    buf_release(&title);
    return NULL;
}

struct pages_copy {
    struct pages_side *side;
    const char *version;
};

/* The side rows in place of every case page's, on the writer outside any transaction. */
static int side_copy(struct db_conn *conn, void *arg)
{
    sqlite3 *db = db_sqlite_handle(conn);
    static const char head_sql[] = "BEGIN; DELETE FROM page_html WHERE id >= 8; "
                                   "DELETE FROM page_ref;";
    static const char tail_sql[] = "DELETE FROM page_dirty; INSERT INTO page_dirty VALUES (0); "
                                   "DELETE FROM page_pass;";
    struct pages_copy *c = arg;
    int attached = 0, rc = 0;
    while (rc == 0 && attached < PAGES_THREADS) {
        char *sql = sqlite3_mprintf("ATTACH %Q AS pages_side%d", c->side[attached].path, attached);
        rc = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        attached += rc == 0;
        sqlite3_free(sql);
    }
    int began = rc == 0 && sqlite3_exec(db, head_sql, NULL, NULL, NULL) == SQLITE_OK;
    rc = began ? 0 : -1;
    for (int t = 0; rc == 0 && t < PAGES_THREADS; t++) {
        char *sql =
            sqlite3_mprintf("INSERT INTO main.page_html SELECT * FROM pages_side%d.page_html; "
                            "INSERT OR IGNORE INTO main.page_ref (case_id, ref_id) "
                            "SELECT case_id, ref_id FROM pages_side%d.page_ref;",
                            t, t);
        rc = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        sqlite3_free(sql);
    }
    sqlite3_stmt *v = NULL;
    if (rc == 0 && (sqlite3_exec(db, tail_sql, NULL, NULL, NULL) != SQLITE_OK ||
                    sqlite3_prepare_v2(db,
                                       "INSERT OR REPLACE INTO page_html_version (only, version) "
                                       "VALUES (1, ?1)",
                                       -1, &v, NULL) != SQLITE_OK ||
                    sqlite3_bind_text(v, 1, c->version, -1, SQLITE_STATIC) != SQLITE_OK ||
                    sqlite3_step(v) != SQLITE_DONE))
        rc = -1;
    sqlite3_finalize(v);
    if (rc != 0)
        log_error("store: cannot copy the side pages: %s", sqlite3_errmsg(db));
    if (began)
        sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    for (int t = 0; t < attached; t++) {
        char *sql = sqlite3_mprintf("DETACH pages_side%d", t);
        if (sql)
            sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
    }
    return rc;
}

/* The published cases of the public campaign, when every case page is to render; else n 0. */
static int64_t *ids_to_render(struct store *st, const char *version, size_t *n)
{
    *n = 0;
    sqlite3_stmt *s = st->campaign_id > 0 ? sq_prepare(st, all_marked_sql) : NULL;
    if (!s)
        return NULL;
    sqlite3_bind_text(s, 1, version, -1, SQLITE_STATIC);
    int all = sqlite3_step(s) == SQLITE_ROW;
    sq_done(s);
    if (!all || !(s = sq_prepare(st, published_sql)))
        return NULL;
    size_t cap = 1024;
    int64_t *ids = malloc(cap * sizeof *ids);
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (ids && sqlite3_step(s) == SQLITE_ROW) {
        if (*n == cap) {
            int64_t *more = realloc(ids, 2 * cap * sizeof *ids);
            if (!more) {
                free(ids);
                ids = NULL;
                break;
            }
            ids = more;
            cap *= 2;
        }
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sq_done(s);
    if (!ids)
        *n = 0;
    return ids;
}

int bulk_pages_render(struct store *st, const struct store_renderer *r)
{
    size_t n;
    int64_t *ids = ids_to_render(st, r->version, &n);
    if (!ids || n == 0) {
        free(ids);
        return 0;
    }
    struct pages_side side[PAGES_THREADS];
    memset(side, 0, sizeof side);
    sqlite3_stmt *q = sq_prepare(st, create_sql);
    char *create = q && sqlite3_step(q) == SQLITE_ROW
                       ? sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 0))
                       : NULL;
    sq_done(q);
    int rc = create ? 0 : -1;
    for (int t = 0; rc == 0 && t < PAGES_THREADS; t++) {
        size_t from = n * (size_t)t / PAGES_THREADS, to = n * (size_t)(t + 1) / PAGES_THREADS;
        side[t] = (struct pages_side){st, r, create, ids + from, to - from, t, NULL, 0, 0, -1};
        side[t].path = sqlite3_mprintf("%s-pages-%d", st->path, t);
        if (!side[t].path) {
            rc = -1;
            break;
        }
        unlink(side[t].path); /* a crashed load's */
        if (pthread_create(&side[t].thread, NULL, side_render, &side[t]) != 0) {
            rc = -1;
            break;
        }
        side[t].started = 1;
    }
    for (int t = 0; t < PAGES_THREADS; t++) {
        if (side[t].started)
            pthread_join(side[t].thread, NULL);
        if (!side[t].started || side[t].rc != 0)
            rc = -1;
    }
    store_bulk_lap("case pages");
    struct pages_copy copy = {side, r->version};
    if (rc == 0 && writer_run_bare(st->writer, side_copy, &copy) != 0)
        rc = -1;
    store_bulk_lap("case pages copied");
    if (rc != 0)
        log_error("store: the case pages are rendered on the writer (the side render failed)");
    for (int t = 0; t < PAGES_THREADS; t++) {
        if (side[t].path)
            unlink(side[t].path);
        sqlite3_free(side[t].path);
    }
    sqlite3_free(create);
    free(ids);
    return rc;
}
