/*
 * prerender.c — public pages rendered in the write that changes them (see
 * prerender.h).
 *
 * Why this shape.  The store may not call templates (store → domain, core),
 * and a page must never be older than the data it shows, nor missing for a
 * published case.  So the web layer registers a renderer (two callbacks and
 * a version), and the writer calls it at the end of every write, inside that
 * write's transaction (changes_end, as section_html.c renders Markdown):
 * what commits is the data and its pages together, or neither.  Which pages
 * a write touched is not guessed from the C code that wrote: SQL triggers
 * (migration 016) note them in page_dirty whoever writes (a case row, a
 * section, a tag, a file, a correction, a renamed region or tier, the
 * derived pub_pool and pub_award that publication and corrections rebuild),
 * so a table written by a future function still marks its pages.  While the
 * renderer runs, the store's reads on the writer thread use the writer's own
 * connection (sqlite.c, sq_prepare), so the model it renders from is the
 * one the write is making, through the very store_* functions a visit uses.
 *
 * Marks: a case id (its page, each language), STORE_PAGE_RESULTS, or -1
 * (every case page of the public campaign: a pool of related cases rebuilt,
 * the public campaign changed, a start with another version).  A case no
 * longer published in the public campaign loses its rows.  A page the
 * renderer fails on is left without a row, and a visit then assembles it as
 * before; a failure never fails the write.
 *
 * The write that asks for every case page does not render them: at a
 * million cases that held every write (and, at a start, the listening
 * socket) for more than eleven minutes.  It records a pass instead
 * (page_pass, migration 026) and renders the results page; the writer then
 * renders the case pages in id order, a slice of about PASS_MS a batch,
 * between the other writes, and drops the rows of cases no longer shown.
 * A case page's row is served only when no pass is under way or the pass
 * has rendered it (store_page_html reads page_pass in the same snapshot),
 * so the others are assembled at their visit meanwhile: no page is older
 * than its data or its build.  A pass outlives a stop (its row): the next
 * start goes on with it.  In a bulk load (the demo) the case pages are
 * rendered on two threads before (bulk_pages.c), which ends any pass, and
 * the writer renders the results page alone.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/prerender.h"
#include "store/sqlite_int.h"

#define PAGE_KEY(page, lang) ((page) * 8 + (int64_t)(lang))
#define MARK_ALL (-1)
#define PASS_MS 25.0   /* the writer time a slice of a pass takes, about */
#define PASS_CASES 256 /* and the cases it renders at most */

static const char dirty_sql[] = "SELECT DISTINCT page FROM page_dirty ORDER BY page";
static const char undirty_sql[] = "DELETE FROM page_dirty";
static const char published_sql[] =
    "SELECT id FROM \"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL AND id > ?2 "
    "ORDER BY id LIMIT ?3";
static const char is_published_sql[] = "SELECT 1 FROM \"case\" WHERE id = ?1 AND campaign_id = ?2 "
                                       "AND published_at IS NOT NULL";
static const char put_sql[] = "INSERT OR REPLACE INTO page_html (id, campaign_id, title, html, "
                              "vote_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char drop_sql[] = "DELETE FROM page_html WHERE id BETWEEN ?1 * 8 AND ?1 * 8 + 7";
/* The rows and references of the cases after ?1 and before ?2 (none is shown). */
static const char drop_between_sql[] = "DELETE FROM page_html WHERE id > ?1 * 8 + 7 AND id < ?2 * 8";
static const char unref_between_sql[] = "DELETE FROM page_ref WHERE case_id > ?1 AND case_id < ?2";
static const char unref_sql[] = "DELETE FROM page_ref WHERE case_id = ?1";
static const char ref_sql[] = "INSERT OR IGNORE INTO page_ref (case_id, ref_id) VALUES (?1, ?2)";
static const char version_sql[] = "SELECT version FROM page_html_version";
static const char set_version_sql[] =
    "INSERT OR REPLACE INTO page_html_version (only, version) VALUES (1, ?1)";
static const char mark_all_sql[] = "INSERT INTO page_dirty VALUES (-1), (0)";
static const char pass_sql[] = "SELECT upto FROM page_pass";
static const char pass_set_sql[] = "INSERT OR REPLACE INTO page_pass (only, upto) VALUES (1, ?1)";
static const char pass_end_sql[] = "DELETE FROM page_pass";

/* The ids a one-integer-column statement returns (bound by the caller); n in *n. */
static int64_t *ids_of(sqlite3_stmt *s, size_t *n)
{
    size_t cap = 64;
    int64_t *ids = s ? malloc(cap * sizeof *ids) : NULL;
    *n = 0;
    if (!ids) {
        if (s)
            sq_done(s);
        return NULL;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (*n == cap) {
            int64_t *more = realloc(ids, 2 * cap * sizeof *ids);
            if (!more)
                break;
            ids = more;
            cap *= 2;
        }
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sq_done(s);
    return ids;
}

static void put_row(struct store_tx *tx, int64_t key, const struct buf *title,
                    const struct buf *html, size_t vote_at)
{
    sqlite3_stmt *s = tx_prepare(tx, put_sql);
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, tx->st->campaign_id);
    sqlite3_bind_text(s, 3, title->p ? title->p : "", (int)title->len, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, html->p ? html->p : "", (int)html->len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (int64_t)vote_at);
    tx_exec(tx, s);
}

/* Keep the other cases the page of id names. */
static void note_refs(struct store_tx *tx, int64_t id, const int64_t *refs, size_t n)
{
    tx_exec_id(tx, unref_sql, id);
    sqlite3_stmt *w = tx_prepare(tx, ref_sql);
    for (size_t i = 0; w && i < n; i++) {
        sqlite3_bind_int64(w, 1, id);
        sqlite3_bind_int64(w, 2, refs[i]);
        tx_exec(tx, w);
    }
}

/* Render the page of case id in every language, or drop it if it is not shown. */
static void render_case(struct store_tx *tx, const struct store_renderer *r, int64_t id,
                        struct buf html[LANG__MAX], struct buf *title)
{
    sqlite3_stmt *s = tx_prepare(tx, is_published_sql);
    int shown = 0;
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, tx->st->campaign_id);
        shown = tx->st->campaign_id > 0 && sqlite3_step(s) == SQLITE_ROW;
        sq_done(s);
    }
    tx_exec_id(tx, drop_sql, id);
    if (!shown) {
        tx_exec_id(tx, unref_sql, id);
        return;
    }
    size_t vote_at[LANG__MAX] = {0}, nrefs = 0;
    int64_t refs[STORE_RELATED];
    int bad = 0;
    for (int l = 0; l < LANG__MAX; l++)
        buf_reset(&html[l]);
    buf_reset(title);
    if (r->case_page(id, html, vote_at, title, refs, &nrefs) != 0 || title->oom ||
        nrefs > STORE_RELATED) {
        bad = 1;
    }
    for (int l = 0; !bad && l < LANG__MAX; l++)
        bad = html[l].oom || vote_at[l] > html[l].len;
    if (bad) {
        log_error("store: cannot render the page of case %lld", (long long)id);
        tx_exec_id(tx, unref_sql, id); /* visits assemble it, as before */
        return;
    }
    for (int l = 0; l < LANG__MAX; l++)
        put_row(tx, PAGE_KEY(id, l), title, &html[l], vote_at[l]);
    note_refs(tx, id, refs, nrefs);
}

static void render_results(struct store_tx *tx, const struct store_renderer *r,
                           struct buf *html, struct buf *title)
{
    /* One language at a time: the results page is one page, rendered rarely. */
    tx_exec_id(tx, drop_sql, STORE_PAGE_RESULTS);
    if (tx->st->campaign_id <= 0)
        return;
    buf_reset(title);
    for (int l = 0; l < LANG__MAX; l++) {
        buf_reset(html);
        if (r->results_page((enum lang)l, html) != 0 || html->oom) {
            log_error("store: cannot render the results page");
            tx_exec_id(tx, drop_sql, STORE_PAGE_RESULTS);
            return;
        }
        put_row(tx, PAGE_KEY(STORE_PAGE_RESULTS, l), title, html, 0);
    }
}

static void pass_schedule(struct store *st);

/* What a page is rendered into, reused from one page to the next. */
struct bufs {
    struct buf html[LANG__MAX], title;
};

static void bufs_init(struct bufs *b)
{
    for (int l = 0; l < LANG__MAX; l++) {
        b->html[l] = (struct buf)BUF_INIT;
        buf_init(&b->html[l], 0);
    }
    b->title = (struct buf)BUF_INIT;
    buf_init(&b->title, 0);
}

static void bufs_release(struct bufs *b)
{
    for (int l = 0; l < LANG__MAX; l++)
        buf_release(&b->html[l]);
    buf_release(&b->title);
}

/* The bound pair (?1, ?2) of a two-integer statement, run. */
static void exec_pair(struct store_tx *tx, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    tx_exec(tx, s);
}

/*
 * Render what page_dirty marks and empty it, on the writer inside the write
 * (changes_end, store_set_renderer).  Every case page (MARK_ALL) starts a
 * pass.  Nothing without a renderer: the marks wait for one.
 */
void prerender_flush(struct store *st)
{
    const struct store_renderer *r = st->renderer;
    if (!r)
        return;
    struct store_tx tx = {st, st->wdb};
    size_t n;
    int64_t *marks = ids_of(tx_prepare(&tx, dirty_sql), &n);
    if (!marks || n == 0) {
        free(marks);
        return;
    }
    struct bufs b;
    bufs_init(&b);
    sqlite_reads_on_writer(st, 1);
    int results = 0;
    int all = marks[0] == MARK_ALL; /* the pass renders the marked cases too */
    if (all) {
        log_info("store: every case page to render again, aside; visits assemble the others");
        tx_exec_id(&tx, pass_set_sql, 0);
        pass_schedule(st);
    }
    for (size_t i = 0; i < n; i++) {
        if (marks[i] == STORE_PAGE_RESULTS)
            results = 1;
        else if (marks[i] > 0 && !all)
            render_case(&tx, r, marks[i], b.html, &b.title);
    }
    if (results)
        render_results(&tx, r, &b.html[0], &b.title);
    sqlite_reads_on_writer(st, 0);
    tx_exec(&tx, tx_prepare(&tx, undirty_sql));
    bufs_release(&b);
    free(marks);
}

/*
 * One slice of the pass, in a batch: the published cases after page_pass's
 * upto, rendered in id order for about PASS_MS, the rows of the cases
 * between them dropped; the pass's row moved on, or deleted at its end.
 */
static int pass_slice(struct db_conn *c, void *arg)
{
    struct store *st = arg;
    struct store_tx tx = {st, db_sqlite_handle(c)};
    st->pass.again = 0;
    st->pass.more = 0;
    sqlite3_stmt *s = tx_prepare(&tx, pass_sql);
    if (!s)
        return -1;
    int under_way = sqlite3_step(s) == SQLITE_ROW;
    int64_t upto = under_way ? sqlite3_column_int64(s, 0) : 0;
    sq_done(s);
    if (!under_way || atomic_load(&st->closing)) /* none, or the next start goes on */
        return 0;
    size_t n = 0;
    int64_t *ids = NULL;
    if (st->campaign_id > 0) { /* else no case page is shown: the end drops them all */
        if (!(s = tx_prepare(&tx, published_sql)))
            return -1;
        sqlite3_bind_int64(s, 1, st->campaign_id);
        sqlite3_bind_int64(s, 2, upto);
        sqlite3_bind_int64(s, 3, PASS_CASES);
        if (!(ids = ids_of(s, &n)))
            return -1;
    }
    struct bufs b;
    bufs_init(&b);
    sqlite_reads_on_writer(st, 1);
    double t0 = clock_ms();
    size_t i = 0;
    for (; i < n && (i == 0 || clock_ms() - t0 < PASS_MS); i++) {
        exec_pair(&tx, drop_between_sql, upto, ids[i]);
        exec_pair(&tx, unref_between_sql, upto, ids[i]);
        render_case(&tx, st->renderer, ids[i], b.html, &b.title);
        upto = ids[i];
    }
    sqlite_reads_on_writer(st, 0);
    st->pass.more = i == PASS_CASES || i < n;
    if (st->pass.more) {
        tx_exec_id(&tx, pass_set_sql, upto);
    } else { /* the end: nothing is shown past the last case rendered */
        exec_pair(&tx, drop_between_sql, upto, INT64_MAX / 8);
        exec_pair(&tx, unref_between_sql, upto, INT64_MAX);
        tx_exec(&tx, tx_prepare(&tx, pass_end_sql));
        log_info("store: every case page rendered again (%zu in the last slice)", i);
    }
    bufs_release(&b);
    free(ids);
    return 0;
}

/* After the slice's batch: the next slice, unless the pass ended, failed or the store closes. */
static void pass_done(void *arg, int rc)
{
    struct store *st = arg;
    st->pass.queued = 0;
    if (rc != 0) {
        log_error("store: a slice of the pages' pass failed: the rest are assembled at visits "
                  "until the next start");
        return;
    }
    if ((st->pass.more || st->pass.again) && !atomic_load(&st->closing))
        pass_schedule(st);
}

/* Queue the pass's next slice (writer thread): once, and again if asked meanwhile. */
static void pass_schedule(struct store *st)
{
    st->pass.again = 1;
    if (st->pass.queued)
        return;
    st->pass.queued = 1;
    st->pass.job = (struct writer_job){.run = pass_slice, .done = pass_done, .arg = st};
    writer_submit(st->writer, &st->pass.job);
}

struct install {
    struct store *st;
    const struct store_renderer *r;
};

static int install_job(struct db_conn *c, void *arg)
{
    struct install *in = arg;
    struct store_tx tx = {in->st, db_sqlite_handle(c)};
    sqlite3_stmt *s = tx_prepare(&tx, version_sql);
    int same = 0;
    if (!s)
        return RC_ERROR;
    if (sqlite3_step(s) == SQLITE_ROW)
        same = strcmp(sq_text(s, 0), in->r->version) == 0;
    sq_done(s);
    if (!same) {
        if (tx_exec(&tx, tx_prepare(&tx, mark_all_sql)) != RC_OK ||
            !(s = tx_prepare(&tx, set_version_sql)))
            return RC_ERROR;
        sqlite3_bind_text(s, 1, in->r->version, -1, SQLITE_STATIC);
        if (tx_exec(&tx, s) != RC_OK)
            return RC_ERROR;
    }
    in->st->renderer = in->r;
    prerender_flush(in->st);
    pass_schedule(in->st); /* a pass a stop interrupted goes on; without one, a slice ends */
    return 0;
}

int store_set_renderer(struct store *st, const struct store_renderer *r)
{
    struct install in = {st, r};
    if (!st->wdb) /* PostgreSQL: pages are assembled from their model at each visit */
        return RC_OK;
    /* A bulk load's case pages on two threads first; on failure the writer renders them. */
    if (st->bulk_load)
        bulk_pages_render(st, r);
    return writer_run_sync(st->writer, install_job, &in) == 0 ? RC_OK : RC_ERROR;
}

int64_t prerender_pass_at(struct store *st)
{
    sqlite3_stmt *s = st->wdb ? sq_prepare(st, pass_sql) : NULL;
    int64_t at = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sq_done(s);
    return at;
}

int store_page_html(struct store *st, int64_t page, enum lang lang, struct arena *a,
                    struct store_page *out)
{
    /*
     * A case's row with its views, unless a pass has yet to render it again;
     * the results' alone.  Both of the public campaign.
     */
    static const char case_sql[] =
        "SELECT h.title, h.html, h.vote_at, c.views FROM page_html h "
        "JOIN \"case\" c ON c.id = ?3 WHERE h.id = ?1 AND h.campaign_id = ?2 "
        "AND NOT EXISTS (SELECT 1 FROM page_pass WHERE upto < ?3)";
    static const char results_sql[] =
        "SELECT title, html, vote_at, 0 FROM page_html WHERE id = ?1 AND campaign_id = ?2";
    if (page < 0 || st->campaign_id <= 0 || !st->wdb) /* none kept on PostgreSQL */
        return RC_NOTFOUND;
    sqlite3_stmt *s = sq_prepare(st, page == STORE_PAGE_RESULTS ? results_sql : case_sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, PAGE_KEY(page, lang));
    sqlite3_bind_int64(s, 2, st->campaign_id);
    if (page != STORE_PAGE_RESULTS)
        sqlite3_bind_int64(s, 3, page);
    int rc = RC_NOTFOUND;
    if (sqlite3_step(s) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        const char *html = (const char *)sqlite3_column_text(s, 1);
        int64_t vote_at = sqlite3_column_int64(s, 2);
        out->title = arena_strdup(a, sq_text(s, 0));
        out->html = html ? arena_strndup(a, html, len) : NULL;
        out->len = len;
        out->vote_at = vote_at >= 0 && (size_t)vote_at <= len ? (size_t)vote_at : len;
        out->views = sqlite3_column_int64(s, 3);
        rc = out->title && out->html ? RC_OK : RC_ERROR;
    }
    sq_done(s);
    return rc;
}
