/*
 * test_bulk.c — the store's bulk-load session (src/store/bulk.c).
 *
 * Each test opens a store in a temporary data folder of its own.  The
 * session test loads a few rows through store_bulk_row and checks, from
 * inside the fill, that the named table's indexes and page-marking trigger
 * are gone and the others kept, that each kind of value binds as itself (integer, real, text, NULL
 * for STORE_NULL and for a NULL text), that *id is a query's first column,
 * a RETURNING column or the inserted rowid; and after the session, with a
 * connection of its own, that the indexes and the trigger are back (every
 * page marked to render instead), the rows and a user
 * written through store_bulk_tx are there, the journal is WAL again and the
 * planner has statistics.  The failure tests check that a row the database
 * refuses, or a fill that stops, makes store_bulk_load fail with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "domain/markdown.h"
#include "store/accounts.h"
#include "store/bulk.h"
#include "store/sqlite_int.h"

struct folder {
    char dir[64];
    struct store *st;
};

static int setup(void **state)
{
    struct folder *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/laurel-bulk-XXXXXX");
    char err[256] = "";
    if (!mkdtemp(f->dir) || !(f->st = store_open(f->dir, 1, err, sizeof err))) {
        fprintf(stderr, "store: %s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct folder *f = *state;
    store_close(f->st);
    const char *files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm", "laurel.lock",
                           "signing.key", "signing.pub"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The first column of a one-row query on a connection of the test's own (with
 * case_short's tokenizer). */
static int64_t query(const char *dir, const char *sql)
{
    char path[128];
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    sqlite3 *db;
    sqlite3_stmt *s;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(search_register(db), 0);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("cannot prepare %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_type(s, 0) == SQLITE_TEXT
                ? (int64_t)strcmp((const char *)sqlite3_column_text(s, 0), "wal")
                : sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static const char count_indexes[] = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                    "AND sql IS NOT NULL AND tbl_name = ?1";
static const char add_region[] = "INSERT INTO region (code, name, source) VALUES (?1, ?2, ?3)";
static const char add_unit[] =
    "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char add_tag[] = "INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) "
                              "DO UPDATE SET name = name RETURNING id";
static const char typeof_sql[] = "SELECT (typeof(?1) = 'integer') + 2 * (typeof(?2) = 'real') "
                                 "+ 4 * (typeof(?3) = 'text') + 8 * (typeof(?4) = 'null') "
                                 "+ 16 * (typeof(?5) = 'null') + 32 * (?2 * 2 = 5.0)";

struct seen {
    int64_t unit_indexes, case_indexes, unit_triggers, types, tag1, tag2, tag1_again, unit_rowid, parent;
};

static int fill(struct store_bulk *b, void *arg)
{
    struct seen *w = arg;
    const struct store_val unit_t[] = {STORE_TEXT("unit")}, case_t[] = {STORE_TEXT("case")};
    static const char count_triggers[] = "SELECT count(*) FROM sqlite_schema "
                                         "WHERE type = 'trigger' AND tbl_name = ?1";
    if (store_bulk_row(b, count_triggers, unit_t, 1, &w->unit_triggers) ||
        store_bulk_row(b, count_indexes, unit_t, 1, &w->unit_indexes) ||
        store_bulk_row(b, count_indexes, case_t, 1, &w->case_indexes))
        return -1;
    const struct store_val types[] = {STORE_INT(7), STORE_REAL(2.5), STORE_TEXT("x"), STORE_NULL,
                                      STORE_TEXT(NULL)};
    if (store_bulk_row(b, typeof_sql, types, 5, &w->types))
        return -1;
    const struct store_val region[] = {STORE_TEXT("990000"), STORE_TEXT("上海市"),
                                       STORE_TEXT("中共上海市委组织部")};
    const struct store_val parent[] = {STORE_INT(1), STORE_NULL, STORE_TEXT("990000"),
                                       STORE_TEXT("上海市浦东新区"), STORE_INT(2)};
    const struct store_val child[] = {STORE_INT(2), STORE_INT(1), STORE_TEXT("990000"),
                                      STORE_TEXT("上海市浦东新区周家渡街道"), STORE_INT(3)};
    if (store_bulk_row(b, add_region, region, 3, NULL) ||
        store_bulk_row(b, add_unit, parent, 5, NULL) ||
        store_bulk_row(b, add_unit, child, 5, &w->unit_rowid))
        return -1;
    const struct store_val t1[] = {STORE_TEXT("党建引领")}, t2[] = {STORE_TEXT("社区治理")};
    if (store_bulk_row(b, add_tag, t1, 1, &w->tag1) ||
        store_bulk_row(b, add_tag, t2, 1, &w->tag2) ||
        store_bulk_row(b, add_tag, t1, 1, &w->tag1_again))
        return -1;
    static const char parent_of[] = "SELECT coalesce(parent_id, -1) FROM unit WHERE id = ?1";
    const struct store_val one[] = {STORE_INT(1)};
    if (store_bulk_row(b, parent_of, one, 1, &w->parent))
        return -1;
    int64_t uid;
    return tx_user_add(store_bulk_tx(b), "bulk@example.org", "批量", "x", &uid) == RC_OK ? 0 : -1;
}

static void test_session(void **state)
{
    struct folder *f = *state;
    int64_t unit_before = query(f->dir, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                        "AND sql IS NOT NULL AND tbl_name = 'unit'");
    int64_t case_before = query(f->dir, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                        "AND sql IS NOT NULL AND tbl_name = 'case'");
    assert_true(unit_before > 0 && case_before > 0);
    int64_t marks_before = query(f->dir, "SELECT count(*) FROM page_dirty WHERE page = -1");

    char err[256] = "";
    struct seen w;
    memset(&w, 0xff, sizeof w);
    static const char *const tables[] = {"unit", NULL};
    assert_int_equal(store_bulk_begin(f->st, err, sizeof err), 0);
    if (store_bulk_load(f->st, tables, fill, &w, err, sizeof err) != 0)
        fail_msg("expected the load to succeed, saw: %s", err);
    assert_int_equal(store_bulk_end(f->st, err, sizeof err), 0);

    /* Inside the fill: unit's indexes dropped, case's kept. */
    assert_int_equal(w.unit_indexes, 0);
    assert_int_equal(w.case_indexes, case_before);
    /* Every kind of value bound as itself (the six bits), real arithmetic exact. */
    assert_int_equal(w.types, 63);
    /* Ids: the inserted rowid, RETURNING (the same tag twice), a query's column (NULL parent). */
    assert_int_equal(w.unit_rowid, 2);
    assert_true(w.tag1 > 0 && w.tag2 > 0 && w.tag1 != w.tag2);
    assert_int_equal(w.tag1_again, w.tag1);
    assert_int_equal(w.parent, -1);

    /* After the session: indexes back, rows and the user there, WAL, statistics. */
    assert_int_equal(query(f->dir, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                   "AND sql IS NOT NULL AND tbl_name = 'unit'"),
                     unit_before);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM unit WHERE region_code = '990000'"), 2);
    assert_int_equal(query(f->dir, "SELECT parent_id FROM unit WHERE id = 2"), 1);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM user WHERE email = 'bulk@example.org'"),
                     1);
    /* unit's page-marking trigger dropped inside and back after; every page marked instead. */
    assert_int_equal(w.unit_triggers, 0);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                                   "AND name = 'page_unit_renamed' AND tbl_name = 'unit'"),
                     1);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM page_dirty WHERE page = -1"),
                     marks_before + 1);
    assert_int_equal(query(f->dir, "PRAGMA journal_mode"), 0); /* "wal" */
    assert_true(query(f->dir, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'unit'") > 0);
}

static int fill_refused(struct store_bulk *b, void *arg)
{
    (void)arg;
    const struct store_val region[] = {STORE_TEXT("990000"), STORE_TEXT("上海市"), STORE_TEXT("")};
    if (store_bulk_row(b, add_region, region, 3, NULL))
        return -1;
    return store_bulk_row(b, add_region, region, 3, NULL); /* the same code again */
}

static int fill_stops(struct store_bulk *b, void *arg)
{
    (void)b;
    (void)arg;
    return -1;
}

static void test_refused_row(void **state)
{
    struct folder *f = *state;
    char err[256] = "";
    assert_int_equal(store_bulk_begin(f->st, err, sizeof err), 0);
    assert_int_equal(store_bulk_load(f->st, NULL, fill_refused, NULL, err, sizeof err), -1);
    if (!strstr(err, "UNIQUE constraint failed: region.code"))
        fail_msg("expected the database's message in err, saw: %s", err);
}

static void test_fill_stops(void **state)
{
    struct folder *f = *state;
    char err[256] = "";
    assert_int_equal(store_bulk_begin(f->st, err, sizeof err), 0);
    assert_int_equal(store_bulk_load(f->st, NULL, fill_stops, NULL, err, sizeof err), -1);
    assert_string_equal(err, "the loader stopped");
}

/* Cases for the search index: 垃圾分类 in every third summary, 加装电梯 in every fifth section. */
#define SEARCH_CASES 300
static int fill_cases(struct store_bulk *b, void *arg)
{
    (void)arg;
    static const char campaign[] = "INSERT INTO campaign (id, slug, name, opens_at, closes_at) "
                                   "VALUES (1, 'bulk', '批量', '2019-01-01', '2019-02-01')";
    static const char track[] = "INSERT INTO track (id, campaign_id, slug, name) "
                                "VALUES (1, 1, 'street', '街道')";
    static const char kase[] = "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, "
                               "track_id, title, summary) VALUES (?1, 1, 1, '990000', 1, ?2, ?3)";
    static const char section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, 1, ?2)";
    const struct store_val region[] = {STORE_TEXT("990000"), STORE_TEXT("上海市"),
                                       STORE_TEXT("中共上海市委组织部")};
    const struct store_val unit[] = {STORE_INT(1), STORE_NULL, STORE_TEXT("990000"),
                                     STORE_TEXT("上海市浦东新区"), STORE_INT(2)};
    if (store_bulk_row(b, add_region, region, 3, NULL) || store_bulk_row(b, add_unit, unit, 5, NULL) ||
        store_bulk_row(b, campaign, NULL, 0, NULL) || store_bulk_row(b, track, NULL, 0, NULL))
        return -1;
    for (int i = 1; i <= SEARCH_CASES; i++) {
        char title[32], body[64];
        snprintf(title, sizeof title, "案例%d", i);
        snprintf(body, sizeof body, "第%d段%s", i, i % 5 == 0 ? "老旧小区加装电梯" : "");
        const struct store_val c[] = {STORE_INT(i), STORE_TEXT(title),
                                      STORE_TEXT(i % 3 == 0 ? "推进垃圾分类" : "社区议事")};
        const struct store_val sec[] = {STORE_INT(i), STORE_TEXT(body)};
        if (store_bulk_row(b, kase, c, 3, NULL) || store_bulk_row(b, section, sec, 2, NULL))
            return -1;
    }
    return 0;
}

/* 1 if the data folder holds a file of that name. */
static int file_in(const char *dir, const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/*
 * The trigram and the bigram index, built on a thread of their own and
 * copied in at the end (bulk_search.c), find what the cases hold (the
 * bigram one only in title, unit, tags and summary), pass FTS5's own check,
 * and leave no side file in the folder.
 */
static void test_search_index(void **state)
{
    struct folder *f = *state;
    char err[256] = "";
    static const char *const tables[] = {"case", "case_section", NULL};
    assert_int_equal(store_bulk_begin(f->st, err, sizeof err), 0);
    if (store_bulk_load(f->st, tables, fill_cases, NULL, err, sizeof err) != 0)
        fail_msg("expected the load to succeed, saw: %s", err);
    assert_int_equal(store_bulk_end(f->st, err, sizeof err), 0);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_fts_docsize"), SEARCH_CASES);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_fts WHERE case_fts MATCH '垃圾分类'"),
                     SEARCH_CASES / 3);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_fts WHERE case_fts MATCH '加装电梯'"),
                     SEARCH_CASES / 5);
    assert_int_equal(query(f->dir, "SELECT min(rowid) FROM case_fts WHERE case_fts MATCH "
                                   "'title:案例17'"),
                     17);
    assert_int_equal(query(f->dir, "SELECT v FROM case_fts_config WHERE k = 'automerge'"), 4);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_short_docsize"), SEARCH_CASES);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_short WHERE case_short MATCH '垃圾'"),
                     SEARCH_CASES / 3);
    assert_int_equal(query(f->dir, "SELECT count(*) FROM case_short WHERE case_short MATCH '电梯'"),
                     0);
    assert_int_equal(query(f->dir, "SELECT min(rowid) FROM case_short WHERE case_short MATCH "
                                   "'unit:浦东'"),
                     1);
    assert_int_equal(query(f->dir, "SELECT v FROM case_short_config WHERE k = 'hashsize'"),
                     1 << 20);
    char path[128], *msg = NULL;
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/laurel.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(search_register(db), 0);
    if (sqlite3_exec(db,
                     "INSERT INTO case_fts (case_fts) VALUES ('integrity-check');"
                     "INSERT INTO case_short (case_short) VALUES ('integrity-check');",
                     NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("integrity-check: %s", msg ? msg : "?");
    sqlite3_close(db);
    assert_false(file_in(f->dir, "laurel.db-fts-side"));
    assert_false(file_in(f->dir, "laurel.db-fts-spool"));
}

/* Three sections of case 1: HTML bound as inserted (seq 1), none (2), a NULL Markdown's (3). */
static const char sections_md[] = "# 加装电梯\n\n居民**议事**，见[说明](https://example.org)。\n";
static int fill_sections(struct store_bulk *b, void *arg)
{
    int64_t *html_at_insert = arg;
    static const char with_html[] =
        "INSERT INTO case_section (case_id, seq, body_md, body_html) VALUES (1, ?1, ?2, ?3)";
    static const char rendered[] = "SELECT count(*) FROM case_section WHERE body_html IS NOT NULL";
    if (fill_cases(b, NULL))
        return -1;
    const struct store_val s1[] = {STORE_INT(2), STORE_TEXT(sections_md),
                                   STORE_HTML_OF_MD(sections_md)};
    const struct store_val s2[] = {STORE_INT(3), STORE_TEXT(sections_md), STORE_NULL};
    const struct store_val s3[] = {STORE_INT(4), STORE_TEXT(sections_md), STORE_HTML_OF_MD(NULL)};
    return store_bulk_row(b, with_html, s1, 3, NULL) || store_bulk_row(b, with_html, s2, 3, NULL) ||
                   store_bulk_row(b, with_html, s3, 3, NULL) ||
                   store_bulk_row(b, rendered, NULL, 0, html_at_insert)
               ? -1
               : 0;
}

static void test_sections_html(void **state)
{
    struct folder *f = *state;
    char err[256] = "", path[128];
    int64_t html_at_insert = -1;
    static const char *const tables[] = {"case", "case_section", NULL};
    assert_int_equal(store_bulk_begin(f->st, err, sizeof err), 0);
    if (store_bulk_load(f->st, tables, fill_sections, &html_at_insert, err, sizeof err) != 0)
        fail_msg("expected the load to succeed, saw: %s", err);
    assert_int_equal(store_bulk_end(f->st, err, sizeof err), 0);
    assert_int_equal(html_at_insert, 1); /* seq 2 alone, before the sections step */
    char *want = markdown_to_html(sections_md, strlen(sections_md));
    assert_non_null(want);
    assert_non_null(strstr(want, "<strong>议事</strong>"));
    sqlite3 *db;
    sqlite3_stmt *s;
    snprintf(path, sizeof path, "%s/laurel.db", f->dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM case_section WHERE case_id = 1 "
                                        "AND seq > 1 AND body_html = ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, want, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(s, 0), 3);
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_html, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
