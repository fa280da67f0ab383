/*
 * test_prerender.c — pages rendered in the write that changes them
 * (migration 016, src/store/prerender.c), on a real store in a temporary
 * folder with a renderer of its own that prints what store_case reads: a
 * renderer registered renders every published case and the results; a write
 * renders the pages it touched in its own transaction, from the data it is
 * writing; a case withdrawn loses its rows; a renderer that fails leaves no
 * row and the write still commits; marks left by another program wait for
 * the next write; another version renders everything again after its start.
 * Every case page is rendered again aside, a slice a write batch: a row is
 * served only once the pass has reached it, a pass a stop interrupted goes
 * on from where it was, and the rows of cases no longer shown go.  In a
 * bulk load (store/bulk.h) the case pages are rendered on threads of their
 * own, not the writer's, into the same rows (store/bulk_pages.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "store/bulk.h"
#include "store/prerender.h"
#include "store/sqlite_int.h"

static const char seed_sql[] =
    "INSERT INTO campaign (id, slug, name, status, opens_at, closes_at, published_at) VALUES "
    "  (1, '2019', 'A', 'published', '2018-07-01', '2018-10-31', '2019-12-27');"
    "INSERT OR IGNORE INTO region (code, name) VALUES ('310000', '上海市');"
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', 'U', 1);"
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 't', 'T');"
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
    "  published_at) VALUES (1, 1, 1, '310000', 1, 'one', 'published', '2019-03-01'),"
    "  (2, 1, 1, '310000', 1, 'two', 'published', '2019-03-02'),"
    "  (3, 1, 1, '310000', 1, 'draft', 'draft', NULL);"
    "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 1, '**a**'), (2, 1, 'b');";

static struct store *the_store;
static int failing;
static _Atomic int renders;
/* The threads that rendered the case pages, and the results (the writer), since reset. */
#define THREADS_KEPT 16
static pthread_t case_threads[THREADS_KEPT], results_thread;
static _Atomic int ncase_threads;

/* How many case pages were rendered on the thread that rendered the results. */
static int cases_on_results_thread(void)
{
    int n = 0;
    for (int i = 0; i < ncase_threads && i < THREADS_KEPT; i++)
        n += pthread_equal(case_threads[i], results_thread) != 0;
    return n;
}

/* "lang:title:first section's HTML:next's title|" — what a visit's model would show. */
static int case_page(int64_t id, struct buf html[LANG__MAX], size_t vote_at[LANG__MAX],
                     struct buf *title, int64_t refs[STORE_RELATED], size_t *nrefs)
{
    (void)refs;
    if (failing)
        return -1;
    json_t *c = store_case(the_store, id);
    if (!c)
        return -1;
    renders++;
    int k = ncase_threads++;
    if (k < THREADS_KEPT)
        case_threads[k] = pthread_self();
    json_t *next = json_object_get(c, "next");
    const char *section = json_string_value(
        json_object_get(json_array_get(json_object_get(c, "sections"), 0), "body_html"));
    for (int l = 0; l < LANG__MAX; l++) {
        buf_printf(&html[l], "%d:%s:%s:%s|", l, json_string_value(json_object_get(c, "title")),
                   section ? section : "-",
                   json_is_object(next) ? json_string_value(json_object_get(next, "title"))
                                        : "-");
        vote_at[l] = 2;
    }
    buf_puts(title, json_string_value(json_object_get(c, "title")));
    *nrefs = 0;
    json_decref(c);
    return 0;
}

static int results_page(enum lang lang, struct buf *html)
{
    buf_printf(html, "results %d", (int)lang);
    results_thread = pthread_self();
    return failing ? -1 : 0;
}

static struct store_renderer renderer = {case_page, results_page, "v1"};

static int run_sql(struct store_tx *tx, void *arg)
{
    return sqlite3_exec(tx->db, arg, NULL, NULL, NULL) == SQLITE_OK ? RC_OK : RC_ERROR;
}

static void write_sql(struct store *st, const char *sql)
{
    int rc = store_write_sync(st, run_sql, (void *)sql);
    if (rc != RC_OK)
        fail_msg("%s: expected RC_OK, saw %d", sql, rc);
}

/*
 * Let the pass of every case page end: each write waits for a batch, and
 * the pass renders a slice a batch (a bound, in case it never ends).
 */
static void pass_end(struct store *st)
{
    for (int i = 0; prerender_pass_at(st) != -1; i++) {
        if (i == 10000)
            fail_msg("expected the pass to end, it is at case %lld",
                     (long long)prerender_pass_at(st));
        write_sql(st, "SELECT 1");
    }
}

/* The kept page in lang as a visit reads it, or NULL when there is none. */
static char *page(struct store *st, int64_t id, enum lang lang, struct arena *a)
{
    struct store_page p;
    int rc = store_page_html(st, id, lang, a, &p);
    if (rc == RC_NOTFOUND)
        return NULL;
    assert_int_equal(rc, RC_OK);
    assert_true(p.vote_at <= p.len);
    return (char *)p.html;
}

static void assert_page(struct store *st, int64_t id, enum lang lang, const char *want)
{
    struct arena a;
    arena_init(&a, 0);
    char *got = page(st, id, lang, &a);
    if (!want && got)
        fail_msg("page %lld: expected none, saw %s", (long long)id, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("page %lld: expected %s, saw %s", (long long)id, want, got ? got : "none");
    arena_release(&a);
}

/* Another program (the sqlite3 shell, say) writing the database. */
static void outside_write(const char *dir, const char *sql)
{
    char path[512];
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A new store in dir (a mkdtemp template) with the seed written: the_store. */
static struct store *seeded_store(char *dir)
{
    char err[256];
    assert_non_null(mkdtemp(dir));
    struct store *st = the_store = store_open(dir, 1, err, sizeof err);
    assert_non_null(st);
    write_sql(st, seed_sql);
    return st;
}

static void test_rendered_in_the_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/laurel-test-prerender.XXXXXX", err[256];
    struct store *st = seeded_store(dir);
    assert_int_equal(store_reload(st), 0);
    /* No renderer yet: nothing kept, the marks wait. */
    assert_page(st, 1, LANG_ZH, NULL);
    /* Registered: every published case, in both languages, and the results, on the writer. */
    ncase_threads = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    pass_end(st);
    assert_int_equal(cases_on_results_thread(), 2);
    assert_page(st, 1, LANG_ZH, "0:one:<p><strong>a</strong></p>\n:two|");
    assert_page(st, 1, LANG_EN, "1:one:<p><strong>a</strong></p>\n:two|");
    assert_page(st, 2, LANG_ZH, "0:two:<p>b</p>\n:-|");
    assert_page(st, 3, LANG_ZH, NULL);
    assert_page(st, STORE_PAGE_RESULTS, LANG_EN, "results 1");
    /* A section written: its page in the same write, from the HTML that write rendered. */
    renders = 0;
    write_sql(st, "UPDATE case_section SET body_md = '*c*' WHERE case_id = 1");
    assert_page(st, 1, LANG_ZH, "0:one:<p><em>c</em></p>\n:two|");
    assert_int_equal(renders, 1);
    /* A title: its page and its neighbour's (case 1 names case 2 as next). */
    write_sql(st, "UPDATE \"case\" SET title = 'zwei' WHERE id = 2");
    assert_page(st, 2, LANG_EN, "1:zwei:<p>b</p>\n:-|");
    assert_page(st, 1, LANG_EN, "1:one:<p><em>c</em></p>\n:zwei|");
    /* A write no page shows renders nothing. */
    renders = 0;
    write_sql(st, "UPDATE \"case\" SET title = 'draft 2' WHERE id = 3");
    assert_int_equal(renders, 0);
    /* Published now: kept, and its neighbour names it. */
    write_sql(st, "UPDATE \"case\" SET published_at = '2019-03-03' WHERE id = 3");
    assert_page(st, 3, LANG_ZH, "0:draft 2:-:-|");
    assert_page(st, 2, LANG_ZH, "0:zwei:<p>b</p>\n:draft 2|");
    /* Withdrawn: its rows go, its neighbour forgets it. */
    write_sql(st, "UPDATE \"case\" SET published_at = NULL WHERE id = 3");
    assert_page(st, 3, LANG_ZH, NULL);
    assert_page(st, 2, LANG_ZH, "0:zwei:<p>b</p>\n:-|");
    /* A renderer that fails: the write commits, the page has no row (visits assemble it). */
    failing = 1;
    write_sql(st, "UPDATE \"case\" SET title = 'eins' WHERE id = 1");
    failing = 0;
    assert_page(st, 1, LANG_ZH, NULL);
    json_t *c = store_case(st, 1);
    assert_string_equal(json_string_value(json_object_get(c, "title")), "eins");
    json_decref(c);
    /* Another program's write: marked by the triggers, rendered by the next write. */
    outside_write(dir, "UPDATE \"case\" SET title = 'uno' WHERE id = 1");
    write_sql(st, "UPDATE \"case\" SET views = views WHERE id = 2");
    assert_page(st, 1, LANG_ZH, "0:uno:<p><em>c</em></p>\n:zwei|");
    /* Another version at the next start: everything again. */
    store_close(st);
    st = the_store = store_open(dir, 0, err, sizeof err);
    assert_non_null(st);
    renders = 0;
    renderer.version = "v2";
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    pass_end(st);
    assert_int_equal(renders, 2);
    renders = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    pass_end(st);
    assert_int_equal(renders, 0);
    store_close(st);

    char path[512];
    static const char *const files[] = {"laurel.db",   "laurel.db-wal", "laurel.db-shm",
                                        "laurel.lock", "signing.key",   "signing.pub"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void remove_store(const char *dir)
{
    char path[512];
    static const char *const files[] = {"laurel.db",   "laurel.db-wal", "laurel.db-shm",
                                        "laurel.lock", "signing.key",   "signing.pub"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_rendered_aside_in_a_bulk_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/laurel-test-prerender-bulk.XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    struct store *st = the_store = store_open(dir, 1, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_bulk_begin(st, err, sizeof err), 0);
    write_sql(st, seed_sql);
    assert_int_equal(store_reload(st), 0);
    /* The same rows as the writer renders, but not rendered by the writer. */
    renderer.version = "v1";
    renders = ncase_threads = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    assert_int_equal(prerender_pass_at(st), -1);
    assert_int_equal(renders, 2);
    assert_int_equal(ncase_threads, 2);
    assert_int_equal(cases_on_results_thread(), 0);
    assert_page(st, 1, LANG_ZH, "0:one:<p><strong>a</strong></p>\n:two|");
    assert_page(st, 1, LANG_EN, "1:one:<p><strong>a</strong></p>\n:two|");
    assert_page(st, 2, LANG_ZH, "0:two:<p>b</p>\n:-|");
    assert_page(st, 3, LANG_ZH, NULL);
    assert_page(st, STORE_PAGE_RESULTS, LANG_EN, "results 1");
    assert_int_equal(store_bulk_end(st, err, sizeof err), 0);
    /* Nothing left marked, and the version recorded: the next start renders nothing. */
    store_close(st);
    st = the_store = store_open(dir, 0, err, sizeof err);
    assert_non_null(st);
    renders = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    assert_int_equal(renders, 0);
    assert_page(st, 2, LANG_EN, "1:two:<p>b</p>\n:-|");
    store_close(st);
    remove_store(dir);
}

/* Published cases 10..609, every seventh a draft: a pass of several slices. */
static const char many_sql[] =
    "WITH RECURSIVE k(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM k WHERE i < 609) "
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
    "  published_at) SELECT i, 1, 1, '310000', 1, 'case ' || i, "
    "  CASE i % 7 WHEN 0 THEN 'draft' ELSE 'published' END, "
    "  CASE i % 7 WHEN 0 THEN NULL ELSE '2019-03-03' END FROM k";

static int kept_rows(const char *dir, const char *where)
{
    char path[512], *sql = sqlite3_mprintf("SELECT count(*) FROM page_html WHERE %s", where);
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    sqlite3_free(sql);
    return n;
}

static void test_rendered_again_aside(void **state)
{
    (void)state;
    char dir[] = "/tmp/laurel-test-prerender-pass.XXXXXX", err[256];
    struct store *st = seeded_store(dir);
    write_sql(st, many_sql);
    assert_int_equal(store_reload(st), 0);
    renderer.version = "v1";
    renders = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    pass_end(st);
    assert_int_equal(renders, 2 + 600 - 86); /* cases 1, 2 and 10..609 but the drafts */
    assert_page(st, 608, LANG_EN, "1:case 608:-:-|");
    assert_page(st, 14, LANG_ZH, NULL);
    store_close(st);

    /*
     * A pass a stop left at case 300: the rows past it (an older build's, or
     * older than their data) are never served, those before it are; rows of
     * cases not shown (a draft, a case gone) are there to be dropped.
     */
    outside_write(dir, "INSERT INTO page_pass (only, upto) VALUES (1, 300);"
                       "UPDATE page_html SET html = 'old' WHERE id >= 8;"
                       "INSERT INTO page_html SELECT 14 * 8, 1, 't', 'old', 0;"
                       "INSERT INTO page_html SELECT 5000 * 8 + 1, 1, 't', 'old', 0");
    st = the_store = store_open(dir, 0, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(prerender_pass_at(st), 300);
    assert_page(st, 300, LANG_ZH, "old");
    assert_page(st, 302, LANG_ZH, NULL);
    assert_page(st, 608, LANG_EN, NULL);
    /* The renderer registered: the pass goes on from case 301, in slices. */
    renders = 0;
    assert_int_equal(store_set_renderer(st, &renderer), RC_OK);
    pass_end(st);
    assert_int_equal(renders, 309 - 45); /* 301..609 but the drafts */
    assert_page(st, 300, LANG_ZH, "old");
    assert_page(st, 302, LANG_ZH, "0:case 302:-:case 303|");
    assert_page(st, 608, LANG_EN, "1:case 608:-:-|");
    assert_int_equal(kept_rows(dir, "id IN (14 * 8, 5000 * 8 + 1)"), 1); /* before 300: kept */
    /* A write that changes every case page (the public campaign's): a pass from the start. */
    renders = 0;
    write_sql(st, "UPDATE campaign SET published_at = '2019-12-28' WHERE id = 1");
    pass_end(st);
    assert_int_equal(renders, 2 + 600 - 86);
    assert_page(st, 300, LANG_ZH, "0:case 300:-:case 302|");
    assert_int_equal(kept_rows(dir, "html = 'old'"), 0);
    assert_int_equal(kept_rows(dir, "id >= 8"), 2 * (2 + 600 - 86));
    store_close(st);
    remove_store(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rendered_in_the_write),
        cmocka_unit_test(test_rendered_aside_in_a_bulk_load),
        cmocka_unit_test(test_rendered_again_aside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
