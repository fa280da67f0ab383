/*
 * test_db.c — the store's driver (src/store/db.h) and the store modules
 * written over it, the same tests on SQLite and on PostgreSQL.
 *
 * The driver's tests: every type bound and read back (64-bit integers,
 * doubles to the last bit, UTF-8 text with quotes and question marks,
 * blobs with NUL bytes, NULL); ?NNN, bare ? and a ? inside a literal or a
 * comment; rows stepped, reset and run again, two statements stepped in
 * turn; RETURNING for a new id; rows changed; upserts; a taken key as
 * RC_EXISTS; bad SQL; transactions and savepoints, with a failed statement
 * rolled back to its savepoint as the writer does; a lock held elsewhere
 * as busy; a parameter's type changing between runs; a claim's FOR
 * UPDATE SKIP LOCKED (a second connection passing over the row held);
 * db_run_id.  Then the store functions of the modules over the driver
 * (the certificate layout, the campaign being run, the outbox with two
 * nodes claiming at once, results statements, corrections, certificates,
 * imports and the export, campaigns, news, the award proposal, accounts,
 * the 公示, submissions, the final ballot with a runoff, the audit chain
 * (rows hashed apart verify, its refusals to change a row, a change made
 * behind them found), a reviewer's scoring, the intake's recommendation
 * and screening, the public vote (its settings, codes and their
 * throttle, verification, votes with every limit, and what its pages
 * read), a public vote's fraud flags (each rule's planted group flagged
 * alike with its evidence, honest votes left alone, a void and its
 * record), the public site's reads (a case page's model, lists with a
 * filter and their next pages, a region's counts, the results), the
 * orders the public lists keep (most viewed first, several filters, pages
 * across the pages of their build's reads), sections rendered to HTML in
 * the write of their Markdown, and the
 * review rounds (a stage's settings and criteria, the expert pool, 回避 by
 * region, unit or row, the pool, proposals, assignments, release,
 * drop-outs and reminders, the solver's problem), and the ranking of a
 * review stage (the same order, blended scores and tie on both, its
 * counts, exports and refusals)) over a store on each driver: the SQLite
 * store
 * as the server opens it, and a store over one PostgreSQL connection with
 * its schema from src/store/pg/schema.sql.  What a module calls of a
 * module not yet over the driver (award.h's room) is tested on SQLite
 * only.  Per driver,
 * one fault: a file that is no database is corrupt (SQLite), a server
 * that drops the connection inside a transaction is an I/O fault, and
 * outside one a read that connects again (PostgreSQL).  Last, on
 * PostgreSQL, laurel migrate-db's copy: a SQLite store copied into a fresh
 * database reads back the same case pages and lists through either store.
 *
 * The PostgreSQL half runs when tests/unit/with_pg.sh started a server
 * (LAUREL_TEST_PG_HOST); without one it says that it is skipped.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fault.h"
#include "review/rank_run.h"
#include "store/accounts.h"
#include "store/award.h"
#include "store/audit.h"
#include "store/ballot.h"
#include "store/campaign.h"
#include "store/campaigns.h"
#include "store/cert_layout.h"
#include "store/certs.h"
#include "store/correction.h"
#include "store/db.h"
#include "store/imports.h"
#include "store/intake.h"
#include "store/migrate_db.h"
#include "store/news.h"
#include "store/notice.h"
#include "store/outbox.h"
#include "store/ranking.h"
#include "store/review.h"
#include "store/scoring.h"
#include "store/statement.h"
#include "store/submissions.h"
#include "store/votes.h"
#include "store/store_int.h"
#include "store/search.h"
#include "store/sqlite_int.h"

struct fixture {
    enum db_kind kind;
    char dir[64];      /* SQLite: the temporary folder */
    char uri[512];     /* PostgreSQL: the test database */
    struct db_conn *c; /* the driver tests' connection */
    struct store *st;  /* the store tests' store */
};

static struct fixture sqlite_fx = {.kind = DB_SQLITE};
static struct fixture pg_fx = {.kind = DB_PG};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The URI of database name on the test's PostgreSQL server. */
static void pg_uri(char *out, size_t n, const char *name)
{
    snprintf(out, n, "postgresql:///%s?host=%s&port=%s&user=postgres", name,
             getenv("LAUREL_TEST_PG_HOST"), getenv("LAUREL_TEST_PG_PORT"));
}

/* A new empty database called name on the test server; its URI in uri. */
static int pg_fresh(const char *name, char *uri, size_t n)
{
    char admin[512], err[256], sql[128];
    pg_uri(admin, sizeof admin, "postgres");
    struct db_conn *c = db_open(admin, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    int rc = db_exec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    rc |= db_exec(c, sql);
    db_close(c);
    pg_uri(uri, n, name);
    return rc;
}

/* The driver tests' table, in each driver's types: the one place they differ. */
static const char *const table_sql[DB_KIND__MAX] = {
    [DB_SQLITE] = "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, i INTEGER, d REAL, "
                  "s TEXT, b BLOB)",
    [DB_PG] = "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
              "k TEXT UNIQUE, i BIGINT, d DOUBLE PRECISION, s TEXT, b BYTEA)",
};

static int open_driver(struct fixture *fx)
{
    char err[256];
    if (fx->kind == DB_SQLITE) {
        snprintf(fx->dir, sizeof fx->dir, "/tmp/laurel-db-XXXXXX");
        if (!mkdtemp(fx->dir))
            return -1;
        char path[128];
        snprintf(path, sizeof path, "%s/driver.db", fx->dir);
        fx->c = db_open(path, err, sizeof err);
    } else {
        if (pg_fresh("laurel_driver", fx->uri, sizeof fx->uri) != 0)
            return -1;
        fx->c = db_open(fx->uri, err, sizeof err);
    }
    if (!fx->c)
        fprintf(stderr, "%s\n", err);
    return fx->c ? 0 : -1;
}

/* The fixture of the group running (cmocka gives a group's setup no state of ours). */
static struct fixture *group_fx;

static int group_setup(void **state)
{
    (void)state;
    return open_driver(group_fx);
}

static int group_teardown(void **state)
{
    (void)state;
    struct fixture *fx = group_fx;
    db_close(fx->c);
    fx->c = NULL;
    if (fx->kind == DB_SQLITE)
        rm_tree(fx->dir);
    return 0;
}

/* Each driver test starts from an empty table t. */
static int table_setup(void **state)
{
    struct fixture *fx = *state;
    if (db_exec(fx->c, "DROP TABLE IF EXISTS t") != 0 || db_exec(fx->c, table_sql[fx->kind]) != 0)
        return -1;
    return 0;
}

/* Insert (k, i) into t: the new row's id through RETURNING. */
static int64_t insert(struct db_conn *c, const char *k, int64_t i)
{
    static const char sql[] = "INSERT INTO t (k, i) VALUES (?1, ?2) RETURNING id";
    struct db_stmt *s = db_stmt(c, sql);
    assert_non_null(s);
    db_bind_text(s, 1, k, -1);
    db_bind_int64(s, 2, i);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t id = db_column_int64(s, 0);
    assert_int_equal(db_step(s), DB_DONE);
    assert_int_equal(db_changes(s), 1);
    db_reset(s);
    return id;
}

/* The number of rows of t whose k is k (0 or 1: k is unique). */
static int64_t count_k(struct db_conn *c, const char *k)
{
    struct db_stmt *s = db_stmt(c, "SELECT count(*) FROM t WHERE k = ?1");
    assert_non_null(s);
    db_bind_text(s, 1, k, -1);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t n = db_column_int64(s, 0);
    db_reset(s);
    return n;
}

static void test_types(void **state)
{
    struct fixture *fx = *state;
    static const char ins[] = "INSERT INTO t (k, i, d, s, b) VALUES (?1, ?2, ?3, ?4, ?5) "
                              "RETURNING id";
    static const char sel[] = "SELECT i, d, s, b, k FROM t WHERE id = ?1";
    static const unsigned char blob[] = {0, 1, 0xff, '\\', 'x', 0, '\'', 0x80};
    const char *text = "案例 'quoted' \"double\" ? ?1 -- not a comment";
    const int64_t big = -((int64_t)1 << 62) - 7;
    const double d = 0.1 + 0.2;

    struct db_stmt *s = db_stmt(fx->c, ins);
    assert_non_null(s);
    assert_ptr_equal(db_stmt(fx->c, ins), s); /* cached by its text's address */
    db_bind_text(s, 1, "row", 3);
    db_bind_int64(s, 2, big);
    db_bind_double(s, 3, d);
    db_bind_text(s, 4, text, -1);
    db_bind_blob(s, 5, blob, sizeof blob);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t id = db_column_int64(s, 0);
    assert_true(id > 0);
    db_reset(s);

    s = db_stmt(fx->c, sel);
    db_bind_int64(s, 1, id);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_type(s, 0), DB_INT);
    assert_true(db_column_int64(s, 0) == big);
    assert_int_equal(db_column_type(s, 1), DB_DOUBLE);
    assert_true(db_column_double(s, 1) == d); /* every bit */
    assert_int_equal(db_column_type(s, 2), DB_TEXT);
    assert_string_equal(db_column_text(s, 2), text);
    assert_int_equal(db_column_bytes(s, 2), strlen(text));
    assert_int_equal(db_column_type(s, 3), DB_BLOB);
    assert_int_equal(db_column_bytes(s, 3), sizeof blob);
    assert_memory_equal(db_column_blob(s, 3), blob, sizeof blob);
    assert_string_equal(db_column_text(s, 4), "row");
    assert_int_equal(db_step(s), DB_DONE);
    db_reset(s);

    /* NULL in every type, and an empty blob that is not NULL. */
    s = db_stmt(fx->c, ins);
    db_bind_text(s, 1, NULL, 0);
    db_bind_null(s, 2);
    db_bind_null(s, 3);
    db_bind_text(s, 4, NULL, -1);
    db_bind_blob(s, 5, "", 0);
    assert_int_equal(db_step(s), DB_ROW);
    id = db_column_int64(s, 0);
    db_reset(s);
    s = db_stmt(fx->c, sel);
    db_bind_int64(s, 1, id);
    assert_int_equal(db_step(s), DB_ROW);
    for (int col = 0; col < 3; col++) {
        assert_int_equal(db_column_type(s, col), DB_NULL);
        assert_null(db_column_text(s, col));
        assert_int_equal(db_column_int64(s, col), 0);
    }
    assert_int_equal(db_column_type(s, 3), DB_BLOB);
    assert_int_equal(db_column_bytes(s, 3), 0);
    assert_int_equal(db_column_type(s, 4), DB_NULL);
    db_reset(s);
}

static void test_placeholders(void **state)
{
    struct fixture *fx = *state;
    /* Numbered, used twice, out of order; bare ones count on from the largest before. */
    struct db_stmt *s = db_stmt(fx->c, "SELECT ?2, ?1, ?2 + 1, ?, ?");
    assert_non_null(s);
    for (int i = 1; i <= 4; i++)
        db_bind_int64(s, i, 10 * i);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 20);
    assert_int_equal(db_column_int64(s, 1), 10);
    assert_int_equal(db_column_int64(s, 2), 21);
    assert_int_equal(db_column_int64(s, 3), 30);
    assert_int_equal(db_column_int64(s, 4), 40);
    db_reset(s);
    /* A ? inside quotes or a comment is no parameter. */
    s = db_stmt(fx->c, "SELECT '?' || ?1 || '''?2' /* ?3 */ AS \"a?\" -- ?4\n, ?2");
    assert_non_null(s);
    db_bind_text(s, 1, "x", -1);
    db_bind_text(s, 2, "y", -1);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "?x'?2");
    assert_string_equal(db_column_text(s, 1), "y");
    db_reset(s);
    /* A comparison read as a column is 0 or 1; a bound flag is compared. */
    s = db_stmt(fx->c, "SELECT ?1 = 'a', CASE WHEN ?2 <> 0 THEN 'yes' ELSE 'no' END");
    db_bind_text(s, 1, "a", -1);
    db_bind_int64(s, 2, 1);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_type(s, 0), DB_INT);
    assert_int_equal(db_column_int64(s, 0), 1);
    assert_string_equal(db_column_text(s, 1), "yes");
    db_reset(s);
}

static void test_rows_and_reset(void **state)
{
    struct fixture *fx = *state;
    for (int i = 1; i <= 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        insert(fx->c, k, i);
    }
    static const char sql[] = "SELECT i FROM t WHERE i >= ?1 ORDER BY i";
    struct db_stmt *s = db_stmt(fx->c, sql);
    db_bind_int64(s, 1, 3);
    int64_t seen[8], n = 0;
    while (db_step(s) == DB_ROW)
        seen[n++] = db_column_int64(s, 0);
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[2], 5);
    db_reset(s);
    /* Run again with another value, and step a second statement between its rows. */
    db_bind_int64(s, 1, 4);
    struct db_stmt *other = db_stmt(fx->c, "SELECT count(*) FROM t");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 4);
    assert_int_equal(db_step(other), DB_ROW);
    assert_int_equal(db_column_int64(other, 0), 5);
    db_reset(other);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 5);
    assert_int_equal(db_step(s), DB_DONE);
    db_reset(s);
    /* Rows changed; none by a read. */
    struct db_stmt *u = db_stmt(fx->c, "UPDATE t SET i = i + 100 WHERE i <= ?1");
    db_bind_int64(u, 1, 2);
    assert_int_equal(db_step(u), DB_DONE);
    assert_int_equal(db_changes(u), 2);
    db_reset(u);
    assert_int_equal(db_run(u), RC_OK); /* no parameter: i <= NULL, no row */
    assert_int_equal(db_changes(u), 0);
    assert_int_equal(db_step(other), DB_ROW);
    assert_int_equal(db_step(other), DB_DONE);
    assert_int_equal(db_changes(other), 0);
    db_reset(other);
    /* A statement of the caller's own, built at run time. */
    char sql2[64];
    snprintf(sql2, sizeof sql2, "SELECT max(i) FROM t WHERE i < %d", 100);
    struct db_stmt *own = db_prepare(fx->c, sql2);
    assert_non_null(own);
    assert_int_equal(db_step(own), DB_ROW);
    assert_int_equal(db_column_int64(own, 0), 5);
    db_finalize(own);
}

static void test_upsert_and_unique(void **state)
{
    struct fixture *fx = *state;
    static const char up[] = "INSERT INTO t (k, i) VALUES (?1, ?2) "
                             "ON CONFLICT (k) DO UPDATE SET i = excluded.i + t.i";
    static const char skip[] = "INSERT INTO t (k, i) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
    insert(fx->c, "a", 1);
    struct db_stmt *s = db_stmt(fx->c, up);
    db_bind_text(s, 1, "a", -1);
    db_bind_int64(s, 2, 10);
    assert_int_equal(db_run(s), RC_OK);
    s = db_stmt(fx->c, skip);
    db_bind_text(s, 1, "a", -1);
    db_bind_int64(s, 2, 99);
    assert_int_equal(db_step(s), DB_DONE);
    assert_int_equal(db_changes(s), 0);
    db_reset(s);
    s = db_stmt(fx->c, "SELECT i FROM t WHERE k = 'a'");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 11);
    db_reset(s);
    /* A plain insert of a taken key: RC_EXISTS, not a fault, and the connection goes on. */
    s = db_stmt(fx->c, "INSERT INTO t (k, i) VALUES (?1, ?2)");
    db_bind_text(s, 1, "a", -1);
    db_bind_int64(s, 2, 5);
    assert_int_equal(db_run(s), RC_EXISTS);
    assert_int_equal(db_errcode(fx->c), DB_E_UNIQUE);
    assert_int_equal(fault_take(), FAULT_NONE);
    assert_int_equal(count_k(fx->c, "a"), 1);
    db_bind_text(s, 1, "b", -1);
    db_bind_int64(s, 2, 5);
    assert_int_equal(db_run(s), RC_OK);
    assert_int_equal(count_k(fx->c, "b"), 1);
}

static void test_bad_sql(void **state)
{
    struct fixture *fx = *state;
    /* SQLite finds the mistake at prepare, PostgreSQL at the first run: both say DB_E_SQL. */
    struct db_stmt *s = db_prepare(fx->c, "SELEKT 1");
    if (s) {
        assert_int_equal(db_step(s), DB_ERROR);
        db_finalize(s);
    }
    assert_int_equal(db_errcode(fx->c), DB_E_SQL);
    assert_true(strlen(db_errmsg(fx->c)) > 0);
    assert_int_equal(db_run(db_stmt(fx->c, "SELECT nosuchcolumn FROM t")), RC_ERROR);
    assert_int_equal(db_errcode(fx->c), DB_E_SQL);
    /* A parameter past the statement's: the run fails rather than run without it. */
    s = db_stmt(fx->c, "SELECT ?1");
    db_bind_int64(s, 2, 1);
    assert_int_equal(db_step(s), DB_ERROR);
    db_reset(s);
    db_bind_int64(s, 1, 7);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 7);
    db_reset(s);
    assert_int_equal(fault_take(), FAULT_NONE);
}

static void test_transactions(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(db_begin(fx->c), 0);
    insert(fx->c, "gone", 1);
    assert_int_equal(db_rollback(fx->c), 0);
    assert_int_equal(count_k(fx->c, "gone"), 0);

    /* The writer's shape: a batch, each job under a savepoint; a failed job rolled back alone. */
    assert_int_equal(db_begin(fx->c), 0);
    assert_int_equal(db_savepoint(fx->c, "job"), 0);
    insert(fx->c, "kept", 1);
    assert_int_equal(db_release(fx->c, "job"), 0);
    assert_int_equal(db_savepoint(fx->c, "job"), 0);
    insert(fx->c, "undone", 2);
    struct db_stmt *s = db_stmt(fx->c, "INSERT INTO t (k, i) VALUES (?1, ?2)");
    db_bind_text(s, 1, "kept", -1);
    db_bind_int64(s, 2, 3);
    assert_int_equal(db_run(s), RC_EXISTS); /* on PostgreSQL this aborts the job... */
    assert_int_equal(db_rollback_to(fx->c, "job"), 0);
    assert_int_equal(db_release(fx->c, "job"), 0);
    assert_int_equal(db_savepoint(fx->c, "job"), 0); /* ...and the batch goes on */
    insert(fx->c, "later", 4);
    assert_int_equal(db_release(fx->c, "job"), 0);
    assert_int_equal(db_commit(fx->c), 0);
    assert_int_equal(count_k(fx->c, "kept"), 1);
    assert_int_equal(count_k(fx->c, "undone"), 0);
    assert_int_equal(count_k(fx->c, "later"), 1);
    assert_int_equal(db_savepoint(fx->c, "Not-plain"), -1);
    assert_int_equal(db_errcode(fx->c), DB_E_SQL);
}

static void test_busy(void **state)
{
    struct fixture *fx = *state;
    insert(fx->c, "locked", 1);
    char err[256], path[128];
    const char *target = fx->uri;
    if (fx->kind == DB_SQLITE) {
        snprintf(path, sizeof path, "%s/driver.db", fx->dir);
        target = path;
    }
    struct db_conn *other = db_open(target, err, sizeof err);
    assert_non_null(other);
    /* The other connection waits for no lock: the lock held is met at once, not timed. */
    assert_int_equal(db_exec(other, fx->kind == DB_SQLITE ? "PRAGMA busy_timeout = 0"
                                                          : "SET lock_timeout = '1ms'"),
                     0);
    assert_int_equal(db_begin(fx->c), 0);
    assert_int_equal(db_exec(fx->c, "UPDATE t SET i = 2 WHERE k = 'locked'"), 0);
    int rc = db_begin(other);
    if (rc == 0) /* PostgreSQL locks rows, not the database */
        rc = db_exec(other, "UPDATE t SET i = 3 WHERE k = 'locked'");
    assert_int_equal(rc, -1);
    assert_int_equal(db_errcode(other), DB_E_BUSY);
    assert_int_equal(db_err_result(DB_E_BUSY), RC_ERROR);
    if (fx->kind == DB_PG)
        assert_int_equal(db_rollback(other), 0);
    assert_int_equal(db_commit(fx->c), 0);
    db_close(other);
    assert_int_equal(fault_take(), FAULT_NONE);
}

static void test_types_change(void **state)
{
    struct fixture *fx = *state;
    /* One statement run with an integer, then text, then NULL, then a blob. */
    struct db_stmt *s = db_stmt(fx->c, "SELECT ?1");
    db_bind_int64(s, 1, 5000000000LL);
    assert_int_equal(db_step(s), DB_ROW);
    assert_true(db_column_int64(s, 0) == 5000000000LL);
    db_reset(s);
    db_bind_text(s, 1, "文字", -1);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "文字");
    db_reset(s);
    db_bind_null(s, 1);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_type(s, 0), DB_NULL);
    db_reset(s);
    db_bind_blob(s, 1, "a\0b", 3);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_bytes(s, 0), 3);
    assert_memory_equal(db_column_blob(s, 0), "a\0b", 3);
    db_reset(s);
}

static void test_skip_locked(void **state)
{
    struct fixture *fx = *state;
    static const char claim[] =
        "SELECT k FROM t WHERE i > ?1 ORDER BY i LIMIT 1 FOR UPDATE SKIP LOCKED";
    insert(fx->c, "a", 1);
    insert(fx->c, "b", 2);
    assert_int_equal(db_begin(fx->c), 0);
    struct db_stmt *s = db_stmt(fx->c, claim);
    assert_non_null(s);
    db_bind_int64(s, 1, 0);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "a");
    assert_int_equal(db_step(s), DB_DONE);
    db_reset(s);
    if (fx->kind == DB_PG) {
        /*
         * Another transaction's claim meanwhile passes over the row held (and waits on
         * none).  Plain BEGIN: db_begin would wait for the database's write lock, which
         * this write holds (nodes' writes take turns), so only a transaction that is no
         * node's write can meet the row locked.
         */
        char err[256];
        struct db_conn *other = db_open(fx->uri, err, sizeof err);
        assert_non_null(other);
        assert_int_equal(db_exec(other, "SET lock_timeout = '10s'"), 0);
        assert_int_equal(db_exec(other, "BEGIN"), 0);
        struct db_stmt *o = db_stmt(other, claim);
        db_bind_int64(o, 1, 0);
        assert_int_equal(db_step(o), DB_ROW);
        assert_string_equal(db_column_text(o, 0), "b");
        db_reset(o);
        assert_int_equal(db_rollback(other), 0);
        db_close(other);
    }
    assert_int_equal(db_commit(fx->c), 0);
}

static void test_run_id(void **state)
{
    struct fixture *fx = *state;
    static const char ins[] = "INSERT INTO t (k, i) VALUES (?1, ?2) RETURNING id";
    static const char copy[] = "INSERT INTO t (k, i) SELECT ?1, i FROM t WHERE k = ?2 RETURNING id";
    int64_t a = insert(fx->c, "a", 1), id = -1;
    struct db_stmt *s = db_stmt(fx->c, ins);
    db_bind_text(s, 1, "b", -1);
    db_bind_int64(s, 2, 2);
    assert_int_equal(db_run_id(s, &id), RC_OK);
    assert_true(id > a);
    /* An INSERT ... SELECT that found nothing: no row, id 0. */
    s = db_stmt(fx->c, copy);
    db_bind_text(s, 1, "c", -1);
    db_bind_text(s, 2, "none", -1);
    assert_int_equal(db_run_id(s, &id), RC_OK);
    assert_int_equal(id, 0);
    db_bind_text(s, 1, "c", -1);
    db_bind_text(s, 2, "a", -1);
    assert_int_equal(db_run_id(s, &id), RC_OK);
    assert_true(id > a);
    /* A taken key: RC_EXISTS and no id. */
    db_bind_text(s, 1, "c", -1);
    db_bind_text(s, 2, "a", -1);
    assert_int_equal(db_run_id(s, &id), RC_EXISTS);
    assert_int_equal(id, 0);
    assert_int_equal(db_run_id(NULL, &id), RC_ERROR);
}

static void test_err_maps(void **state)
{
    (void)state;
    assert_int_equal(db_err_result(DB_E_NONE), RC_OK);
    assert_int_equal(db_err_result(DB_E_UNIQUE), RC_EXISTS);
    for (int e = DB_E_CONSTRAINT; e < DB_E__MAX; e++)
        assert_int_equal(db_err_result((enum db_err)e), RC_ERROR);
    assert_int_equal(db_err_fault(DB_E_CORRUPT), FAULT_CORRUPT);
    assert_int_equal(db_err_fault(DB_E_IO), FAULT_IO);
    assert_int_equal(db_err_fault(DB_E_FULL), FAULT_IO);
    assert_int_equal(db_err_fault(DB_E_BUSY), FAULT_NONE);
    assert_int_equal(db_err_fault(DB_E_UNIQUE), FAULT_NONE);
    assert_string_equal(db_err_name(DB_E_BUSY), "busy");
}

/* SQLite: a file that is no database is corrupt, and the fault is noted. */
static void test_fault_corrupt(void **state)
{
    struct fixture *fx = *state;
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/garbage.db", fx->dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc("not a database"[i % 14], f);
    fclose(f);
    fault_take();
    struct db_conn *c = db_open(path, err, sizeof err);
    if (c) { /* SQLite reads the header at the first statement */
        assert_null(db_prepare(c, "SELECT 1 FROM sqlite_schema"));
        assert_int_equal(db_errcode(c), DB_E_CORRUPT);
        db_close(c);
    }
    assert_int_equal(fault_take(), FAULT_CORRUPT);
}

/* PostgreSQL: the server ends the session; the next run is an I/O fault, noted. */
/* The server process of c's session. */
static int64_t backend_of(struct db_conn *c)
{
    struct db_stmt *s = db_stmt(c, "SELECT pg_backend_pid()");
    int64_t pid = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    return pid;
}

/* End the session of server process pid from fx's connection, and wait (bounded) until it has gone. */
static void terminate(struct fixture *fx, int64_t pid)
{
    struct db_stmt *kill = db_stmt(fx->c, "SELECT pg_terminate_backend(?1::int)");
    db_bind_int64(kill, 1, pid);
    assert_int_equal(db_step(kill), DB_ROW);
    assert_int_equal(db_column_int64(kill, 0), 1);
    db_reset(kill);
    struct db_stmt *s = db_stmt(fx->c, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?1");
    int64_t left = 1;
    for (int i = 0; i < 100000 && left; i++) {
        db_bind_int64(s, 1, pid);
        assert_int_equal(db_step(s), DB_ROW);
        left = db_column_int64(s, 0);
        db_reset(s);
    }
    assert_int_equal(left, 0);
}

static void test_fault_lost(void **state)
{
    struct fixture *fx = *state;
    char err[256];
    struct db_conn *victim = db_open(fx->uri, err, sizeof err);
    assert_non_null(victim);
    int64_t pid = backend_of(victim);
    assert_true(pid > 0);
    /* Outside a transaction: the read meets its server gone, connects again and runs anew. */
    terminate(fx, pid);
    fault_take();
    int64_t again = backend_of(victim);
    assert_true(again > 0 && again != pid);
    assert_int_equal(fault_take(), FAULT_NONE);
    /* Inside one: the loss fails the statement, an I/O fault; the next BEGIN connects again. */
    assert_int_equal(db_begin(victim), 0);
    terminate(fx, again);
    struct db_stmt *s = db_stmt(victim, "SELECT pg_backend_pid()");
    assert_int_equal(db_step(s), DB_ERROR);
    db_reset(s);
    assert_int_equal(db_errcode(victim), DB_E_IO);
    assert_int_equal(fault_take(), FAULT_IO);
    db_rollback(victim); /* fails too: the session is gone */
    fault_take();
    assert_int_equal(db_begin(victim), 0);
    int64_t third = backend_of(victim);
    assert_true(third > 0 && third != again);
    assert_int_equal(db_commit(victim), 0);
    db_close(victim);
}

/* The store over each driver: the SQLite store as the server opens it, or one PostgreSQL link. */
static int store_setup(void **state)
{
    struct fixture *fx = *state;
    char err[256];
    if (fx->kind == DB_SQLITE) {
        snprintf(fx->dir, sizeof fx->dir, "/tmp/laurel-store-XXXXXX");
        if (!mkdtemp(fx->dir))
            return -1;
        fx->st = store_open(fx->dir, 1, err, sizeof err);
    } else {
        if (pg_fresh("laurel_store", fx->uri, sizeof fx->uri) != 0)
            return -1;
        struct db_conn *c = db_open(fx->uri, err, sizeof err);
        if (c && store_pg_migrate(c, NULL, err, sizeof err) != 0) {
            db_close(c);
            c = NULL;
        }
        fx->st = c ? store_over(c) : NULL;
    }
    if (!fx->st)
        fprintf(stderr, "%s\n", err);
    return fx->st ? 0 : -1;
}

static int store_teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->st);
    fx->st = NULL;
    if (fx->kind == DB_SQLITE)
        rm_tree(fx->dir); /* the database and signing.key / signing.pub */
    return 0;
}

/*
 * Campaign 1 published with one awarded case and its certificate (serial
 * 7), campaign 2 archived, campaign 3 a draft without cases: the same
 * statements on both drivers.
 */
static int fixture_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('310000', '上海市') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, organisers, opens_at, closes_at, published_at, "
        "status) VALUES (1, 'c2019', '第一届', '主办单位', '2019-05-01', '2019-09-30', "
        "'2019-12-30', 'published')",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(2, 'old', '旧届', '2018-05-01', '2018-09-30', 'archived')",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at) VALUES "
        "(3, 'next', '第二届', '2020-05-01', '2020-09-30')",
        "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
        "(1, 1, 'best', '最佳案例', 10, 1)",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', '某街道', 3)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, tier_id, title, "
        "status, published_at) VALUES (1, 1, 1, '310000', 1, 1, '《标题》', 'published', "
        "'2019-12-30')",
        "INSERT INTO certificate (case_id, campaign_id, serial, code, tier_id) VALUES "
        "(1, 1, 7, 'ABCD-EFGH-JKMN', 1)",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int rc = db_run(tx_stmt(tx, rows[i]));
        if (rc != RC_OK)
            return rc;
    }
    return RC_OK;
}

struct save_args {
    int64_t campaign_id;
    const struct cert_layout *l;
    int drop_background, drop_seal;
    int image; /* 0: save the layout, 1: the background, 2: the seal */
    const unsigned char *p;
    size_t n;
};

static int save_write(struct store_tx *tx, void *arg)
{
    const struct save_args *a = arg;
    if (a->image)
        return tx_cert_layout_image(tx, a->campaign_id, a->image == 2, a->p, a->n,
                                    a->image == 1 ? "image/png" : NULL);
    return tx_cert_layout_save(tx, a->campaign_id, a->l, a->drop_background, a->drop_seal);
}

static void test_cert_layout_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);

    struct cert_layout l, def;
    cert_layout_default(&def);
    assert_int_equal(store_cert_layout(st, 1, &l), RC_OK); /* no row: the defaults */
    assert_string_equal(l.text[CERT_TEXT_HEADING], def.text[CERT_TEXT_HEADING]);
    assert_null(l.background);
    cert_layout_release(&l);

    /* Wording and a box saved, read back. */
    cert_layout_default(&l);
    snprintf(l.text[CERT_TEXT_HEADING], sizeof l.text[0], "荣誉证书 'x' ?1");
    l.box[CERT_BOX_QR] = (struct cert_rect){250.5, 160.25, 30, 30};
    struct save_args a = {1, &l, 0, 0, 0, NULL, 0};
    assert_int_equal(store_write_sync(st, save_write, &a), RC_OK);
    struct cert_layout got;
    assert_int_equal(store_cert_layout(st, 1, &got), RC_OK);
    assert_string_equal(got.text[CERT_TEXT_HEADING], "荣誉证书 'x' ?1");
    assert_string_equal(got.text[CERT_TEXT_SENTENCE], def.text[CERT_TEXT_SENTENCE]);
    assert_true(got.box[CERT_BOX_QR].x == 250.5 && got.box[CERT_BOX_QR].y == 160.25);
    cert_layout_release(&got);

    /* The images: bytes with NULs, kept through a save, dropped when asked. */
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 0, 0xff, 0x0d, 0x0a};
    static const unsigned char seal[] = {0x89, 'P', 'N', 'G', 1, 0, 2};
    struct save_args bg = {1, NULL, 0, 0, 1, png, sizeof png};
    struct save_args sl = {1, NULL, 0, 0, 2, seal, sizeof seal};
    assert_int_equal(store_write_sync(st, save_write, &bg), RC_OK);
    assert_int_equal(store_write_sync(st, save_write, &sl), RC_OK);
    assert_int_equal(store_write_sync(st, save_write, &a), RC_OK);
    assert_int_equal(store_cert_layout(st, 1, &got), RC_OK);
    assert_int_equal(got.background_len, sizeof png);
    assert_memory_equal(got.background, png, sizeof png);
    assert_string_equal(got.background_mime, "image/png");
    assert_int_equal(got.seal_len, sizeof seal);
    assert_memory_equal(got.seal, seal, sizeof seal);
    cert_layout_release(&got);
    struct save_args drop = {1, &l, 1, 0, 0, NULL, 0};
    assert_int_equal(store_write_sync(st, save_write, &drop), RC_OK);
    assert_int_equal(store_cert_layout(st, 1, &got), RC_OK);
    assert_null(got.background);
    assert_string_equal(got.background_mime, "");
    assert_int_equal(got.seal_len, sizeof seal);
    cert_layout_release(&got);
    drop.drop_background = 0;
    drop.drop_seal = 1;
    assert_int_equal(store_write_sync(st, save_write, &drop), RC_OK);
    assert_int_equal(store_cert_layout(st, 1, &got), RC_OK);
    assert_null(got.seal);
    cert_layout_release(&got);

    /* An archived campaign is not changed, an unknown one is not found; neither gets a row. */
    struct save_args old = {2, &l, 0, 0, 0, NULL, 0}, none = {99, &l, 0, 0, 0, NULL, 0};
    assert_int_equal(store_write_sync(st, save_write, &old), RC_STALE);
    assert_int_equal(store_write_sync(st, save_write, &none), RC_NOTFOUND);
    assert_int_equal(store_cert_layout(st, 2, &got), RC_OK);
    assert_string_equal(got.text[CERT_TEXT_HEADING], def.text[CERT_TEXT_HEADING]);
    cert_layout_release(&got);
    cert_layout_release(&l);

    /* The preview's award: the same object on both drivers. */
    json_t *o = store_cert_sample(st, 1);
    assert_non_null(o);
    char *dump = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(dump, "{\"campaign\":\"第一届\",\"code\":\"ABCD-EFGH-JKMN\","
                              "\"organisers\":\"主办单位\",\"published_at\":\"2019-12-30\","
                              "\"serial\":7,\"slug\":\"c2019\",\"tier\":\"最佳案例\","
                              "\"title\":\"《标题》\",\"unit\":\"某街道\"}");
    free(dump);
    json_decref(o);
    assert_null(store_cert_sample(st, 3));
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The statements of a NULL-ended list in one write (rows of a test's own). */
static int rows_write(struct store_tx *tx, void *arg)
{
    const char *const *rows = arg;
    for (; *rows; rows++) {
        int rc = db_run(tx_stmt(tx, *rows));
        if (rc != RC_OK)
            return rc;
    }
    return RC_OK;
}

/* v as compact JSON with sorted keys, compared with want; v is released. */
static void assert_json(json_t *v, const char *want)
{
    assert_non_null(v);
    char *dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (strcmp(dump, want) != 0)
        fprintf(stderr, "got  %s\nwant %s\n", dump, want);
    assert_string_equal(dump, want);
    free(dump);
    json_decref(v);
}

static void test_campaign_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    /* The draft (3) is the one being run: published and archived ones never are. */
    assert_int_equal(store_current_campaign_id(st), 3);
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('110000', '北京市') ON CONFLICT DO NOTHING",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (3, 3, 'town', '乡镇')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (2, 3, 'city', '城市')",
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (3, '310000', 4)",
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (1, '110000', 9)",
        "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(3, 2, '终评', 'ballot', '2020-11-01', '2020-11-30')",
        "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(3, 1, '初评', 'review', '2020-10-01', '2020-10-31')",
        "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES "
        "(2, 1, '310000', '某社区', 4)",
        "INSERT INTO unit (id, region_code, name, level) VALUES (3, '110000', '某区', 2)",
        "UPDATE campaign SET theme = '主题', cases_per_unit = 2, attachments_min = 1 WHERE id = 3",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    assert_json(store_current_campaign(st),
                "{\"call_md\":\"\",\"closes_at\":\"2020-09-30\",\"id\":3,\"name\":\"第二届\","
                "\"opens_at\":\"2020-05-01\",\"organisers\":\"\",\"quotas\":{\"310000\":4},"
                "\"rules\":{\"attachments_min\":1,\"attachments_note\":\"\",\"cases_per_unit\":2},"
                "\"slug\":\"next\",\"stages\":[{\"ends_at\":\"2020-10-31\",\"kind\":\"review\","
                "\"name\":\"初评\",\"seq\":1,\"starts_at\":\"2020-10-01\"},{\"ends_at\":"
                "\"2020-11-30\",\"kind\":\"ballot\",\"name\":\"终评\",\"seq\":2,\"starts_at\":"
                "\"2020-11-01\"}],\"status\":\"draft\",\"theme\":\"主题\",\"tracks\":[{\"name\":"
                "\"城市\",\"slug\":\"city\"},{\"name\":\"乡镇\",\"slug\":\"town\"}]}");
    /* An open call comes before a draft. */
    static const char *const open[] = {
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(4, 'open', '开放', '2019-01-01', '2019-02-01', 'open')",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)open), RC_OK);
    assert_int_equal(store_current_campaign_id(st), 4);
    assert_json(store_region_units(st),
                "[{\"code\":\"110000\",\"name\":\"北京市\",\"units\":[{\"id\":3,\"level\":2,"
                "\"name\":\"某区\",\"parent_id\":0}]},{\"code\":\"310000\",\"name\":\"上海市\","
                "\"units\":[{\"id\":1,\"level\":3,\"name\":\"某街道\",\"parent_id\":0},{\"id\":2,"
                "\"level\":4,\"name\":\"某社区\",\"parent_id\":1}]}]");
    assert_int_equal(fault_take(), FAULT_NONE);
}

struct claim_args {
    int limit;
    json_t *rows;
    struct store *other; /* a second node trying to claim inside this claim's write */
    struct claim_args *inner;
    int rc; /* of this claim's write, when it is the inner one */
};

static int claim_write(struct store_tx *tx, void *arg)
{
    struct claim_args *a = arg;
    int rc = tx_outbox_claim(tx, a->limit, 600, &a->rows);
    if (rc == RC_OK && a->other)
        a->inner->rc = store_write_sync(a->other, claim_write, a->inner);
    return rc;
}

/* The ids claimed now, as "1,3". */
static void claim_ids(struct store *st, int limit, char *out, size_t n)
{
    struct claim_args a = {limit, NULL, NULL, NULL, 0};
    assert_int_equal(store_write_sync(st, claim_write, &a), RC_OK);
    size_t i, len = 0;
    json_t *row;
    out[0] = 0;
    json_array_foreach(a.rows, i, row) len +=
        (size_t)snprintf(out + len, n - len, "%s%lld", i ? "," : "",
                         (long long)json_integer_value(json_object_get(row, "id")));
    json_decref(a.rows);
}

struct mark_args {
    int64_t id;
    const char *error; /* NULL: sent */
    int release;
};

static int mark_write(struct store_tx *tx, void *arg)
{
    const struct mark_args *m = arg;
    if (m->release)
        return tx_outbox_release(tx, m->id);
    return m->error ? tx_outbox_failed(tx, m->id, m->error, 0) : tx_outbox_sent(tx, m->id);
}

static void test_outbox_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    static const char *const rows[] = {
        "INSERT INTO outbox (id, to_addr, subject, body, created_at, next_attempt_at) VALUES "
        "(1, 'a@x.cn', '邀请', 'hello', '2020-02-04T08:00:00Z', '2020-02-04T08:00:00Z')",
        "INSERT INTO outbox (id, to_addr, subject, body, to_mask, created_at, next_attempt_at) "
        "VALUES (2, 'sms:13912345678', '验证码', '123456', 'sms:139****5678', "
        "'2020-02-04T17:30:00Z', '2020-02-04T17:30:00Z')",
        "INSERT INTO outbox (id, to_addr, subject, body, next_attempt_at) VALUES "
        "(3, 'later@x.cn', 's', 'b', '2999-01-01T00:00:00Z')",
        "INSERT INTO outbox (id, to_addr, subject, body, attempts, last_error, next_attempt_at) "
        "VALUES (4, 'dead@x.cn', 's', 'b', 8, 'refused', '2020-01-01T00:00:00Z')",
        "INSERT INTO outbox (id, to_addr, subject, body, next_attempt_at) VALUES "
        "(5, 'c@x.cn', 's', 'b', '2020-02-05T00:00:00Z')",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    char ids[64];
    /* Due, oldest first, up to the limit; not the future one nor the one out of attempts. */
    assert_int_equal(store_outbox_any_due(st), 1);
    claim_ids(st, 2, ids, sizeof ids);
    assert_string_equal(ids, "1,2");
    claim_ids(st, 10, ids, sizeof ids);
    assert_string_equal(ids, "5"); /* 1 and 2 are leased */
    claim_ids(st, 10, ids, sizeof ids);
    assert_string_equal(ids, "");
    assert_int_equal(store_outbox_any_due(st), 0);
    /* Sent: a masked message keeps only its mask; failed with no wait: due again; given back. */
    struct mark_args sent = {2, NULL, 0}, failed = {1, "连接被拒绝 refused", 0},
                     back = {5, NULL, 1};
    assert_int_equal(store_write_sync(st, mark_write, &sent), RC_OK);
    assert_int_equal(store_write_sync(st, mark_write, &failed), RC_OK);
    assert_int_equal(store_write_sync(st, mark_write, &back), RC_OK);
    claim_ids(st, 10, ids, sizeof ids);
    assert_string_equal(ids, "1,5");
    int counts[3];
    assert_int_equal(store_outbox_counts(st, counts), RC_OK);
    assert_int_equal(counts[OUTBOX_SENT], 1);
    assert_int_equal(counts[OUTBOX_PENDING], 3);
    assert_int_equal(counts[OUTBOX_FAILED], 1);
    json_t *page = store_outbox_page(st, OUTBOX_ALL, 2, 2);
    assert_int_equal(json_array_size(page), 2);
    json_t *two = json_array_get(page, 1);
    assert_int_equal(json_integer_value(json_object_get(two, "id")), 2);
    assert_string_equal(json_string_value(json_object_get(two, "to")), "sms:139****5678");
    assert_string_equal(json_string_value(json_object_get(two, "body")), "");
    assert_string_equal(json_string_value(json_object_get(two, "created")), "2020-02-05 01:30");
    assert_int_equal(strlen(json_string_value(json_object_get(two, "sent"))), 16);
    assert_int_equal(json_integer_value(json_object_get(two, "state")), OUTBOX_SENT);
    json_decref(page);
    page = store_outbox_page(st, OUTBOX_PENDING, 0, 10);
    assert_int_equal(json_array_size(page), 3);
    json_t *one = json_array_get(page, 2);
    assert_json(json_pack("[O,O,O,O,O]", json_object_get(one, "id"),
                          json_object_get(one, "created"), json_object_get(one, "attempts"),
                          json_object_get(one, "sent"), json_object_get(one, "last_error")),
                "[1,\"2020-02-04 16:00\",1,\"\",\"连接被拒绝 refused\"]");
    json_decref(page);
    page = store_outbox_page(st, OUTBOX_FAILED, 0, 10);
    assert_int_equal(json_array_size(page), 1);
    json_decref(page);

    if (fx->kind == DB_PG) {
        /*
         * Two nodes claim at once: the second's write waits for the database's write
         * lock, which the first holds to its commit (here it gives up after its
         * lock_timeout, busy, having claimed nothing); once the first committed, it
         * claims what the first left.
         */
        static const char *const more[] = {
            "INSERT INTO outbox (id, to_addr, subject, body, next_attempt_at) VALUES "
            "(6, 'd@x.cn', 's', 'b', '2020-01-01T00:00:00Z'), "
            "(7, 'e@x.cn', 's', 'b', '2020-01-01T00:00:00Z')",
            NULL,
        };
        assert_int_equal(store_write_sync(st, rows_write, (void *)more), RC_OK);
        char err[256];
        struct db_conn *c = db_open(fx->uri, err, sizeof err);
        assert_non_null(c);
        assert_int_equal(db_exec(c, "SET lock_timeout = '1s'"), 0);
        struct store *node2 = store_over(c);
        struct claim_args theirs = {10, NULL, NULL, NULL, 0}, mine = {1, NULL, node2, &theirs, 0};
        assert_int_equal(store_write_sync(st, claim_write, &mine), RC_OK);
        assert_int_equal(json_array_size(mine.rows), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(mine.rows, 0), "id")),
                         6);
        assert_int_equal(theirs.rc, RC_ERROR);
        assert_int_equal(db_errcode(c), DB_E_BUSY);
        assert_null(theirs.rows);
        theirs.rows = NULL;
        assert_int_equal(store_write_sync(node2, claim_write, &theirs), RC_OK);
        assert_int_equal(json_array_size(theirs.rows), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(theirs.rows, 0), "id")),
                         7);
        json_decref(mine.rows);
        json_decref(theirs.rows);
        store_close(node2);
        claim_ids(st, 10, ids, sizeof ids);
        assert_string_equal(ids, "");
    }
    assert_int_equal(fault_take(), FAULT_NONE);
}

struct issue_args {
    struct statement_issue q;
    int rc;
};

static int issue_write(struct store_tx *tx, void *arg)
{
    struct issue_args *a = arg;
    return tx_statement_issue(tx, &a->q);
}

static void test_statement_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    static const char *const rows[] = {
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(1, 1, 1, '网络投票', 'exhibition', '2019-10-01', '2019-10-31')",
        "INSERT INTO stage_case (stage_id, case_id, advanced) VALUES (1, 1, 1)",
        "INSERT INTO vote_total (stage_id, case_id, votes) VALUES (1, 1, 4000000000)",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    struct issue_args a = {{1, 0, 0}, 0}, draft = {{3, 0, 0}, 0}, none = {{99, 0, 0}, 0};
    assert_int_equal(store_write_sync(st, issue_write, &draft), RC_STATE);
    assert_int_equal(store_write_sync(st, issue_write, &none), RC_NOTFOUND);
    assert_int_equal(store_write_sync(st, issue_write, &a), RC_OK);
    assert_true(a.q.id > 0);

    char *body = NULL;
    size_t len = 0;
    int64_t campaign = 0;
    assert_int_equal(store_statement_body(st, a.q.id, &body, &len, &campaign), RC_OK);
    assert_int_equal(campaign, 1);
    assert_int_equal(strlen(body), len);
    assert_memory_equal(body, "{\"statement\":{\"kind\":\"laurel-results-statement\"", 47);
    assert_int_equal(body[len - 1], '\n');
    json_t *file = json_loadb(body, len, 0, NULL);
    json_t *p = json_object_get(file, "statement");
    assert_json(json_pack("[O,O,O]", json_object_get(p, "campaign"), json_object_get(p, "tiers"),
                          json_object_get(p, "tally")),
                "[{\"id\":1,\"name\":\"第一届\",\"organisers\":\"主办单位\",\"published_at\":"
                "\"2019-12-30\",\"slug\":\"c2019\"},[{\"awarded\":1,\"cases\":[{\"id\":1,"
                "\"region\":\"上海市\",\"title\":\"《标题》\",\"unit\":\"某街道\"}],\"name\":"
                "\"最佳案例\",\"quota\":10,\"rank\":1}],{\"awarded\":1,\"cases\":1,"
                "\"published\":1,\"stages\":[{\"advanced\":1,\"cases\":1,\"kind\":\"exhibition\","
                "\"name\":\"网络投票\",\"seq\":1}],\"votes\":4000000000}]");
    json_decref(file);
    assert_int_equal(store_statement_body(st, a.q.id + 1, &body, &len, &campaign), RC_NOTFOUND);

    json_t *list = store_statements(st, 1);
    assert_int_equal(json_array_size(list), 1);
    json_t *one = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(one, "id")), a.q.id);
    assert_int_equal(json_integer_value(json_object_get(one, "bytes")), len);
    assert_int_equal(strlen(json_string_value(json_object_get(one, "issued_at"))), 20);
    json_decref(list);

    if (fx->kind == DB_SQLITE) {
        /* Signed by the installation's key, and matching the data until it changes. */
        struct statement_check c;
        assert_int_equal(statement_check(body, len, NULL, &c), RC_OK);
        char why[256] = "";
        assert_int_equal(store_statement_matches(st, c.payload, why, sizeof why), RC_OK);
        static const char *const renamed[] = {"UPDATE \"case\" SET title = '别的标题' WHERE id = 1",
                                              NULL};
        assert_int_equal(store_write_sync(st, rows_write, (void *)renamed), RC_OK);
        assert_int_equal(store_statement_matches(st, c.payload, why, sizeof why), RC_INVALID);
        assert_string_equal(why, "the awards by tier differ from the data");
        json_decref(c.payload);
    }
    free(body);
    assert_int_equal(fault_take(), FAULT_NONE);
}

struct correct_args {
    int64_t stage_id, case_id, tier_id;
};

static int correct_write(struct store_tx *tx, void *arg)
{
    const struct correct_args *c = arg;
    return tx_correction_make(tx, c->stage_id, c->case_id, c->tier_id, "证据不实 'x' ?1");
}

/* The tier of case id, 0 for none, and whether it keeps an award row. */
static void case_tier(struct store *st, int64_t id, int64_t *tier, int *award)
{
    static const char sql[] = "SELECT coalesce(c.tier_id, 0), (SELECT count(*) FROM award a "
                              "WHERE a.case_id = c.id) FROM \"case\" c WHERE c.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    assert_non_null(s);
    db_bind_int64(s, 1, id);
    assert_int_equal(db_step(s), DB_ROW);
    *tier = db_column_int64(s, 0);
    *award = (int)db_column_int64(s, 1);
    db_reset(s);
}

static void test_correction_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    static const char *const rows[] = {
        "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
        "(2, 1, 'good', '优秀案例', 10, 2)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, tier_id, title, "
        "status, published_at) VALUES (2, 1, 1, '310000', 1, 2, '第二个', 'published', "
        "'2019-12-30')",
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why) VALUES (1, 1, 1, 1, "
        "'in_order'), (1, 2, 2, 2, 'in_order')",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(1, 1, 1, '终评', 'ballot', '2019-10-01', '2019-10-31'), "
        "(2, 3, 1, '终评', 'ballot', '2020-10-01', '2020-10-31')",
        "INSERT INTO notice (campaign_id, stage_id, days, starts_on, ends_on, contact, state) "
        "VALUES (1, 1, 5, '2019-11-01', '2019-11-07', '电话', 'closed'), "
        "(3, 2, 5, '2020-11-01', '2020-11-07', '电话', 'open')",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    /* Refused: a notice still open, a case of no award, the tier it has. */
    struct correct_args open = {2, 1, 0}, same = {1, 2, 2}, unknown = {1, 99, 0};
    assert_int_equal(store_write_sync(st, correct_write, &open), RC_STATE);
    assert_int_equal(store_write_sync(st, correct_write, &same), RC_INVALID);
    assert_int_equal(store_write_sync(st, correct_write, &unknown), RC_NOTFOUND);
    json_t *list = store_corrections(st, 1, 0, NULL);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    /* Withdrawn: the case has no tier nor award row, the row is dated, a statement follows. */
    struct correct_args withdraw = {1, 1, 0};
    assert_int_equal(store_write_sync(st, correct_write, &withdraw), RC_OK);
    int64_t tier;
    int award;
    case_tier(st, 1, &tier, &award);
    assert_int_equal(tier, 0);
    assert_int_equal(award, 0);
    assert_int_equal(store_write_sync(st, correct_write, &withdraw), RC_NOTFOUND);
    list = store_corrections(st, 1, 0, NULL);
    assert_int_equal(json_array_size(list), 1);
    json_t *x = json_array_get(list, 0);
    char today[STORE_NOW_LEN];
    store_now(today);
    today[10] = 0;
    assert_string_equal(json_string_value(json_object_get(x, "date")), today);
    json_object_del(x, "date");
    json_object_del(x, "id");
    assert_json(json_incref(x), "{\"case_id\":1,\"from_tier\":\"最佳案例\",\"reason\":"
                                "\"证据不实 'x' ?1\",\"region_code\":\"310000\",\"region_name\":"
                                "\"上海市\",\"title\":\"《标题》\",\"to_tier\":\"\",\"withdrawn\":"
                                "true}");
    json_decref(list);
    list = store_statements(st, 1);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* Filtered by case and by region. */
    list = store_corrections(st, 1, 2, NULL);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    list = store_corrections(st, 1, 1, "310000");
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    list = store_corrections(st, 1, 0, "110000");
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    if (fx->kind == DB_SQLITE) {
        /* Moved to another tier, within its room (award.h, not yet over the driver). */
        struct correct_args up = {1, 2, 1};
        assert_int_equal(store_write_sync(st, correct_write, &up), RC_OK);
        case_tier(st, 2, &tier, &award);
        assert_int_equal(tier, 1);
        assert_int_equal(award, 1);
        list = store_corrections(st, 1, 2, NULL);
        x = json_array_get(list, 0);
        assert_string_equal(json_string_value(json_object_get(x, "to_tier")), "最佳案例");
        assert_false(json_is_true(json_object_get(x, "withdrawn")));
        json_decref(list);
    }
    assert_int_equal(fault_take(), FAULT_NONE);
}

static int certs_write(struct store_tx *tx, void *arg)
{
    return tx_certs_assign(tx, 1, arg);
}

static void test_certs_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    static const char *const rows[] = {
        "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
        "(2, 1, 'good', '优秀案例', 10, 2)",
        "INSERT INTO unit (id, region_code, name, level) VALUES (2, '310000', '某镇', 3)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, tier_id, title, "
        "status, published_at) VALUES (2, 1, 1, '310000', 1, 2, '二', 'published', "
        "'2019-12-30'), (3, 1, 2, '310000', 1, 1, '三', 'published', '2019-12-30'), "
        "(4, 1, 2, '310000', 1, 1, '未公布', 'review', NULL)",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    /* The published awards without one get the next serials, best tier first. */
    int made = -1;
    assert_int_equal(store_write_sync(st, certs_write, &made), RC_OK);
    assert_int_equal(made, 2);
    assert_int_equal(store_write_sync(st, certs_write, &made), RC_OK);
    assert_int_equal(made, 0);
    json_t *all = store_certs(st, 1, 0);
    assert_int_equal(json_array_size(all), 3);
    int64_t want[][2] = {{1, 7}, {3, 8}, {2, 9}};
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_array_get(all, i);
        assert_int_equal(json_integer_value(json_object_get(c, "case_id")), want[i][0]);
        assert_int_equal(json_integer_value(json_object_get(c, "serial")), want[i][1]);
        assert_int_equal(strlen(json_string_value(json_object_get(c, "code"))), CERT_CODE_LEN);
    }
    char code[CERT_CODE_LEN + 1];
    snprintf(code, sizeof code, "%s",
             json_string_value(json_object_get(json_array_get(all, 1), "code")));
    json_decref(all);
    all = store_certs(st, 1, 2);
    assert_int_equal(json_array_size(all), 1);
    json_decref(all);
    /* Found by its code, with the award as made and as it stands now. */
    static const char *const withdrawn[] = {"UPDATE \"case\" SET tier_id = NULL WHERE id = 3",
                                            NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)withdrawn), RC_OK);
    json_t *c = store_cert_by_code(st, code);
    json_object_del(c, "code");
    assert_json(c, "{\"campaign\":\"第一届\",\"case_id\":3,\"organisers\":\"主办单位\","
                   "\"published\":true,\"published_at\":\"2019-12-30\",\"serial\":8,\"slug\":"
                   "\"c2019\",\"tier\":\"最佳案例\",\"tier_now\":null,\"title\":\"三\","
                   "\"unit\":\"某镇\"}");
    all = store_certs(st, 1, 0);
    assert_int_equal(json_array_size(all), 2);
    json_decref(all);
    assert_null(store_cert_by_code(st, "0000-0000-0000"));
    assert_int_equal(fault_take(), FAULT_NONE);
}

struct import_args {
    struct import_case c;
    int64_t unit_id, case_id;
};

static int import_write(struct store_tx *tx, void *arg)
{
    struct import_args *a = arg;
    int rc = tx_import_unit(tx, "310000", "新单位 'x'", 1, 4, &a->unit_id);
    if (rc == RC_OK && !a->c.unit_id)
        a->c.unit_id = a->unit_id;
    return rc == RC_OK ? tx_import_case(tx, &a->c, &a->case_id) : rc;
}

static void test_imports_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('110000', '北京市') ON CONFLICT DO NOTHING",
        "INSERT INTO unit (id, region_code, name, level) VALUES (2, '110000', '某街道', 3)",
        "INSERT INTO \"user\" (id, email, name) VALUES (1, 'Org@X.cn', '组织者')",
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (1, '310000', 5)",
        "INSERT INTO recommendation (case_id, campaign_id, region_code, user_id, at) VALUES "
        "(1, 1, '310000', 1, '2019-10-01T08:00:00Z')",
        "INSERT INTO screening (case_id, decision, user_id) VALUES (1, 'passed', 1)",
        NULL,
    };
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    if (fx->kind == DB_PG) {
        /* The ids given above do not move PostgreSQL's identities: the new rows' come after. */
        static const char *const ids[] = {
            "SELECT setval(pg_get_serial_sequence('unit', 'id'), 100)",
            "SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), 100)",
            NULL,
        };
        assert_int_equal(store_write_sync(st, rows_write, (void *)ids), RC_OK);
    }
    assert_int_equal(store_import_region_known(st, "310000"), 1);
    assert_int_equal(store_import_region_known(st, "999999"), 0);
    char *name = store_import_region_name(st, "310000");
    assert_string_equal(name, "上海市");
    free(name);
    assert_null(store_import_region_name(st, "999999"));
    /* A name two regions share is ambiguous unless the region is given. */
    assert_int_equal(store_import_unit_id(st, NULL, "某街道"), -1);
    assert_int_equal(store_import_unit_id(st, "", "某街道"), -1);
    assert_int_equal(store_import_unit_id(st, "310000", "某街道"), 1);
    assert_int_equal(store_import_unit_id(st, "310000", "无此单位"), 0);
    char region[8];
    assert_int_equal(store_import_unit_region(st, 2, region), RC_OK);
    assert_string_equal(region, "110000");
    assert_int_equal(store_import_unit_region(st, 99, region), RC_NOTFOUND);
    assert_int_equal(store_import_email_taken(st, "org@x.CN"), 1);
    assert_int_equal(store_import_email_taken(st, "other@x.cn"), 0);
    assert_int_equal(store_import_track_id(st, 1, "city"), 1);
    assert_int_equal(store_import_track_id(st, 1, "none"), 0);

    /* A unit and a case received on paper, submitted now, in the unit's region. */
    struct import_args a = {{1,
                             0,
                             1,
                             1,
                             "纸质案例",
                             "联系人",
                             "13900000000",
                             "c@x.cn",
                             "甲，乙",
                             {"一二三", "abcd", "", "五", "六七"}},
                            0,
                            0};
    assert_int_equal(store_write_sync(st, import_write, &a), RC_OK);
    assert_true(a.unit_id > 2);
    assert_true(a.case_id > 1);
    assert_int_equal(store_import_unit_id(st, "310000", "新单位 'x'"), a.unit_id);
    static const char sql[] = "SELECT c.region_code, c.status, c.created_by, "
                              "substr(c.submitted_at, 1, 2), (SELECT count(*) FROM case_section s "
                              "WHERE s.case_id = c.id), (SELECT count(*) FROM case_event e "
                              "WHERE e.case_id = c.id AND e.user_id = 1 AND e.to_status = "
                              "'submitted'), u.parent_id FROM \"case\" c JOIN unit u ON "
                              "u.id = c.unit_id WHERE c.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    db_bind_int64(s, 1, a.case_id);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "310000");
    assert_string_equal(db_column_text(s, 1), "submitted");
    assert_int_equal(db_column_int64(s, 2), 1);
    assert_string_equal(db_column_text(s, 3), "20");
    assert_int_equal(db_column_int64(s, 4), SUBMISSION_SECTIONS);
    assert_int_equal(db_column_int64(s, 5), 1);
    assert_int_equal(db_column_int64(s, 6), 1);
    db_reset(s);
    /* A unit gone: nothing inserted (the write is undone). */
    struct import_args gone = a;
    gone.c.unit_id = 999;
    gone.c.user_id = 0;
    assert_int_equal(store_write_sync(st, import_write, &gone), RC_NOTFOUND);

    json_t *cases = store_export_cases(st, 1, NULL);
    assert_int_equal(json_array_size(cases), 2);
    json_t *c = json_array_get(cases, 1);
    assert_int_equal(json_integer_value(json_object_get(c, "id")), a.case_id);
    assert_int_equal(json_integer_value(json_object_get(c, "chars")), 10);
    assert_int_equal(strlen(json_string_value(json_object_get(c, "submitted_at"))), 10);
    assert_string_equal(json_string_value(json_object_get(c, "unit")), "新单位 'x'");
    c = json_array_get(cases, 0);
    assert_string_equal(json_string_value(json_object_get(c, "screening")), "passed");
    assert_string_equal(json_string_value(json_object_get(c, "recommended_at")), "2019-10-01");
    json_decref(cases);
    cases = store_export_cases(st, 1, "110000");
    assert_int_equal(json_array_size(cases), 0);
    json_decref(cases);
    /* Every region in code order (SQLite's store has them all from its migrations). */
    json_t *regions = store_export_regions(st, 1, NULL), *sh = NULL;
    size_t i;
    json_t *r;
    const char *last = "";
    json_array_foreach(regions, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        assert_true(strcmp(last, code) < 0);
        last = code;
        if (strcmp(code, "310000") == 0)
            sh = json_incref(r);
    }
    assert_true(json_array_size(regions) >= 2);
    json_decref(regions);
    assert_json(sh, "{\"cases\":2,\"code\":\"310000\",\"name\":\"上海市\",\"passed\":1,"
                    "\"recommended\":1}");
    assert_json(store_export_regions(st, 1, "110000"),
                "[{\"cases\":0,\"code\":\"110000\",\"name\":\"北京市\",\"passed\":0,"
                "\"recommended\":0}]");
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The integer that the constant SQL text sql reads with ?1 = id (-1 without a row). */
static int64_t read_int(struct store *st, const char *sql, int64_t id)
{
    struct db_stmt *s = store_stmt(st, sql);
    assert_non_null(s);
    db_bind_int64(s, 1, id);
    int64_t v = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    return v;
}

/* The campaigns' writes, one op a write. */
struct campaign_op {
    enum { C_CREATE, C_SAVE, C_STAGE, C_TIER, C_TIER_SAVE, C_TRACK, C_STATUS } op;
    int64_t id, from, tier_id;
    const char *name, *a, *b, *kind;
    int quota;
};

static int campaign_write(struct store_tx *tx, void *arg)
{
    struct campaign_op *o = arg;
    struct campaign_fields f = {o->name, "主题", "主办", "# 征集", o->a, o->b};
    switch (o->op) {
    case C_CREATE:
        return tx_campaign_create(tx, o->from, o->name, o->a, o->b, &o->id);
    case C_SAVE:
        return tx_campaign_save(tx, o->id, &f);
    case C_STAGE:
        return tx_campaign_stage_add(tx, o->id, o->name, o->kind, o->a, o->b);
    case C_TIER:
        return tx_campaign_tier_add(tx, o->id, o->name, o->quota);
    case C_TIER_SAVE:
        return tx_campaign_tier_save(tx, o->id, o->tier_id, o->name, o->quota);
    case C_TRACK:
        return tx_campaign_track_add(tx, o->id, o->name);
    case C_STATUS:
        return tx_campaign_status(tx, o->id, o->a, o->b);
    }
    return RC_ERROR;
}

static void test_campaigns_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    static const char *const region[] = {
        "INSERT INTO region (code, name) VALUES ('310000', '上海市') ON CONFLICT DO NOTHING", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)region), RC_OK);

    /* An empty campaign, given a track, two tiers and two stages. */
    struct campaign_op c = {.op = C_CREATE, .name = "第一届", .a = "2019-05-01", .b = "2019-09-30"};
    assert_int_equal(store_write_sync(st, campaign_write, &c), RC_OK);
    int64_t first = c.id;
    assert_true(first > 0);
    struct campaign_op ops[] = {
        {.op = C_TRACK, .id = first, .name = "城市治理"},
        {.op = C_TIER, .id = first, .name = "优秀案例", .quota = 10},
        {.op = C_TIER, .id = first, .name = "提名案例", .quota = 20},
        {.op = C_STAGE,
         .id = first,
         .name = "初评",
         .kind = "review",
         .a = "2019-10-01",
         .b = "2019-10-20"},
        {.op = C_STAGE,
         .id = first,
         .name = "网上展示",
         .kind = "exhibition",
         .a = "2019-12-30",
         .b = "2020-01-02"},
        {.op = C_SAVE, .id = first, .name = "第一届 'x' ?1", .a = "2019-05-01", .b = "2019-09-30"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        assert_int_equal(store_write_sync(st, campaign_write, &ops[i]), RC_OK);
    static const char *const extra[] = {
        "INSERT INTO criterion (stage_id, seq, name, max_score, weight) SELECT id, 1, '创新性', "
        "10, 0.5 FROM stage WHERE seq = 1",
        "INSERT INTO region_quota (campaign_id, region_code, quota) SELECT id, '310000', 3 "
        "FROM campaign",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)extra), RC_OK);

    json_t *k = store_campaign_settings(st, first);
    assert_non_null(k);
    assert_string_equal(json_string_value(json_object_get(k, "name")), "第一届 'x' ?1");
    assert_string_equal(json_string_value(json_object_get(k, "call_md")), "# 征集");
    assert_int_equal(json_array_size(json_object_get(k, "tracks")), 1);
    json_t *tiers = json_object_get(k, "tiers");
    assert_int_equal(json_array_size(tiers), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tiers, 1), "quota")), 20);
    int64_t tier2 = json_integer_value(json_object_get(json_array_get(tiers, 1), "id"));
    json_t *stages = json_object_get(k, "stages");
    assert_int_equal(json_array_size(stages), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(stages, 1), "seq")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(stages, 0), "state")),
                        "setup");
    json_decref(k);
    struct campaign_op rename = {
        .op = C_TIER_SAVE, .id = first, .tier_id = tier2, .name = "入围案例", .quota = 30};
    assert_int_equal(store_write_sync(st, campaign_write, &rename), RC_OK);
    rename.id = first + 1000; /* another campaign's tier: none changed */
    assert_int_equal(store_write_sync(st, campaign_write, &rename), RC_STALE);

    /* A copy opening 376 days later: its settings, tiers, quotas, criteria; dates moved. */
    struct campaign_op copy = {
        .op = C_CREATE, .from = first, .name = "第二届", .a = "2020-05-11", .b = "2020-09-30"};
    assert_int_equal(store_write_sync(st, campaign_write, &copy), RC_OK);
    assert_true(copy.id > first);
    k = store_campaign_settings(st, copy.id);
    assert_non_null(k);
    assert_string_equal(json_string_value(json_object_get(k, "theme")), "主题");
    assert_string_equal(json_string_value(json_object_get(k, "status")), "draft");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(k, "tiers"), 1), "name")),
        "入围案例");
    stages = json_object_get(k, "stages");
    assert_int_equal(json_array_size(stages), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(stages, 0), "starts_at")),
                        "2020-10-11");
    assert_string_equal(json_string_value(json_object_get(json_array_get(stages, 1), "ends_at")),
                        "2021-01-12"); /* across a year's end */
    json_decref(k);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM criterion c JOIN stage s ON s.id = c.stage_id "
                              "WHERE s.campaign_id = ?1 AND c.weight = 0.5",
                              copy.id),
                     1);
    assert_int_equal(read_int(st, "SELECT quota FROM region_quota WHERE campaign_id = ?1", copy.id),
                     3);
    struct campaign_op none = {
        .op = C_CREATE, .from = copy.id + 1000, .name = "无", .a = "2021-05-01", .b = "2021-09-30"};
    assert_int_equal(store_write_sync(st, campaign_write, &none), RC_NOTFOUND);

    /* The list, newest first, with the number of stages. */
    json_t *all = store_campaigns(st);
    assert_int_equal(json_array_size(all), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 0), "id")), copy.id);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 1), "stages")), 2);
    json_decref(all);

    /* One open call at a time; a move from the wrong status is stale; archived is only read. */
    struct campaign_op open1 = {.op = C_STATUS, .id = first, .a = "draft", .b = "open"};
    struct campaign_op open2 = {.op = C_STATUS, .id = copy.id, .a = "draft", .b = "open"};
    assert_int_equal(store_write_sync(st, campaign_write, &open1), RC_OK);
    assert_int_equal(store_write_sync(st, campaign_write, &open2), RC_EXISTS);
    assert_int_equal(store_write_sync(st, campaign_write, &open1), RC_STALE);
    char status[16];
    assert_int_equal(store_campaign_status(st, first, status), RC_OK);
    assert_string_equal(status, "open");
    assert_int_equal(store_campaign_status(st, first + 1000, status), RC_NOTFOUND);
    static const char *const archive[] = {"UPDATE campaign SET status = 'archived'", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)archive), RC_OK);
    struct campaign_op late[] = {
        {.op = C_SAVE, .id = first, .name = "改", .a = "2019-05-01", .b = "2019-09-30"},
        {.op = C_STAGE,
         .id = first,
         .name = "终评",
         .kind = "ballot",
         .a = "2020-01-05",
         .b = "2020-01-06"},
        {.op = C_TIER, .id = first, .name = "特别奖", .quota = 1},
        {.op = C_TRACK, .id = first, .name = "乡村振兴"},
    };
    for (size_t i = 0; i < sizeof late / sizeof late[0]; i++)
        assert_int_equal(store_write_sync(st, campaign_write, &late[i]), RC_STALE);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The news desk's writes, one op a write. */
struct news_op {
    enum { N_CREATE, N_SAVE, N_MOVE, N_IMAGE, N_RESULTS, N_NOTICE, N_ANNOUNCE } op;
    int64_t campaign_id, id;
    struct news_fields f;
    enum news_status to;
    const char *sha;
    struct news_pick pick;
};

static int news_write(struct store_tx *tx, void *arg)
{
    struct news_op *o = arg;
    switch (o->op) {
    case N_CREATE:
        return tx_news_create(tx, o->campaign_id, &o->f, &o->id);
    case N_SAVE:
        return tx_news_save(tx, o->campaign_id, o->id, &o->f);
    case N_MOVE:
        return tx_news_move(tx, o->campaign_id, o->id, o->to);
    case N_IMAGE:
        return tx_news_image_add(tx, o->campaign_id, o->id, o->sha, "图 1.png", "image/png", 1234,
                                 640, 480);
    case N_RESULTS:
        return tx_news_announce_results(tx, o->campaign_id, "2020-01-10", &o->id);
    case N_NOTICE:
        return tx_news_announce_notice(tx, o->campaign_id, "2020-01-02", "2020-01-08", &o->id);
    case N_ANNOUNCE:
        return tx_news_announce(tx, o->campaign_id, NEWS_KIND_RESULTS, &o->pick, 1, NULL, NULL,
                                "2020-01-10", &o->id);
    }
    return RC_ERROR;
}

/* Field key of article id's JSON (store_news_get) as a string: the caller frees. */
static char *news_field(struct store *st, int64_t id, const char *key)
{
    json_t *o = store_news_get(st, id);
    assert_non_null(o);
    const char *v = json_string_value(json_object_get(o, key));
    char *copy = strdup(v ? v : "(not a string)");
    json_decref(o);
    return copy;
}

static void test_news_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, fixture_write, NULL), RC_OK);
    /* No public campaign known to this store: the desk writes for the newest one. */
    assert_int_equal(store_news_campaign(st), 3);

    struct news_op a = {
        .op = N_CREATE,
        .campaign_id = 3,
        .f = {"Hello World 'x' ?1", "", "新华社", "记者", "2020-06-01", "正文", NULL}};
    assert_int_equal(store_write_sync(st, news_write, &a), RC_OK);
    struct news_op b = a;
    assert_int_equal(store_write_sync(st, news_write, &b), RC_OK);
    assert_true(a.id > 0 && b.id > a.id);
    struct news_op taken = a;
    taken.f.slug = "hello-world-x-1";
    assert_int_equal(store_write_sync(st, news_write, &taken), RC_EXISTS);
    char *slug = news_field(st, b.id, "slug");
    assert_string_equal(slug, "hello-world-x-1-2");
    free(slug);
    char *saved = news_field(st, a.id, "updated_at"); /* 2020-02-04 08:00:00 */
    assert_int_equal(strlen(saved), 19);
    assert_true(saved[4] == '-' && saved[10] == ' ' && saved[13] == ':');
    free(saved);

    /* An image, then the cover: one of the article's own images only. */
    static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    struct news_op img = {.op = N_IMAGE, .campaign_id = 3, .id = a.id, .sha = sha};
    assert_int_equal(store_write_sync(st, news_write, &img), RC_OK);
    assert_int_equal(store_write_sync(st, news_write, &img), RC_OK); /* again: one image */
    img.id = a.id + 1000;
    assert_int_equal(store_write_sync(st, news_write, &img), RC_NOTFOUND);
    struct news_op save = {.op = N_SAVE, .campaign_id = 3, .id = a.id, .f = a.f};
    save.f.title = "第二版";
    save.f.slug = "v2";
    save.f.cover = sha;
    assert_int_equal(store_write_sync(st, news_write, &save), RC_OK);
    save.id = b.id; /* b has no image of its own */
    save.f.slug = "v3";
    assert_int_equal(store_write_sync(st, news_write, &save), RC_INVALID);
    json_t *o = store_news_get(st, a.id);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "slug")), "v2");
    assert_string_equal(json_string_value(json_object_get(o, "cover")), sha);
    assert_string_equal(json_string_value(json_object_get(o, "source")), "新华社");
    json_t *images = json_object_get(o, "images");
    assert_int_equal(json_array_size(images), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(images, 0), "height")), 480);
    json_decref(o);
    o = store_news_image(st, sha);
    assert_string_equal(json_string_value(json_object_get(o, "mime")), "image/png");
    json_decref(o);
    assert_null(store_news_image(st, "ff"));

    /* Its state: published once, not twice; another campaign's article is not found. */
    struct news_op move = {.op = N_MOVE, .campaign_id = 3, .id = a.id, .to = NEWS_PUBLISHED};
    assert_int_equal(store_write_sync(st, news_write, &move), RC_OK);
    assert_int_equal(store_write_sync(st, news_write, &move), RC_STATE);
    move.campaign_id = 1;
    assert_int_equal(store_write_sync(st, news_write, &move), RC_NOTFOUND);
    json_t *list = store_news_list(st);
    assert_int_equal(json_array_size(list), 2);
    int published = 0;
    for (size_t i = 0; i < 2; i++)
        published += strcmp(json_string_value(json_object_get(json_array_get(list, i), "status")),
                            "published") == 0;
    assert_int_equal(published, 1);
    json_decref(list);
    assert_int_equal(store_news_public_id(st, "no such slug"), 0);

    /* The 结果公告 from the published cases; a 公示 from the proposed awards, kept with the
     * public campaign; a pick of another campaign's case refused. */
    struct news_op res = {.op = N_RESULTS, .campaign_id = 1};
    assert_int_equal(store_write_sync(st, news_write, &res), RC_OK);
    assert_int_equal(read_int(st, "SELECT campaign_id FROM article WHERE id = ?1", res.id), 1);
    struct db_stmt *s = store_stmt(st, "SELECT slug, kind, body_md FROM article WHERE id = ?1");
    db_bind_int64(s, 1, res.id);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "results-c2019");
    assert_string_equal(db_column_text(s, 1), "results");
    assert_non_null(strstr(db_column_text(s, 2), "某街道"));
    db_reset(s);
    static const char *const award[] = {
        "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
        "(2, 3, 'best', '优秀案例', 10, 1)",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (2, 3, 'city', '城市')",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) "
        "VALUES (2, 3, 1, '310000', 2, '《新案例》', 'review')",
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why) "
        "VALUES (3, 2, 2, 1, 'in_order')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)award), RC_OK);
    struct news_op notice = {.op = N_NOTICE, .campaign_id = 3};
    assert_int_equal(store_write_sync(st, news_write, &notice), RC_OK);
    assert_int_equal(read_int(st, "SELECT campaign_id FROM article WHERE id = ?1", notice.id), 1);
    db_bind_int64(s, 1, notice.id);
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "notice-next");
    assert_string_equal(db_column_text(s, 1), "notice");
    assert_non_null(strstr(db_column_text(s, 2), "《新案例》"));
    db_reset(s);
    struct news_op wrong = {.op = N_ANNOUNCE, .campaign_id = 3, .pick = {1, 1}};
    assert_int_equal(store_write_sync(st, news_write, &wrong), RC_INVALID);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/*
 * Campaign 1 with a final ballot (stage 1, ranked) that elected cases 1..4
 * in that order (regions 31, 31, 44, 31), not case 5; tier 1 takes 2 and
 * 1 a region, tier 2 takes 2.
 */
static const char *const award_fixture[] = {
    "INSERT INTO region (code, name) VALUES ('310000', '上海市'), ('440000', '广东省') "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
    "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30', 'review')",
    "INSERT INTO tier (id, campaign_id, slug, name, quota, rank, region_cap) VALUES "
    "(1, 1, 'best', '最佳案例', 2, 1, 1), (2, 1, 'good', '优秀案例', 2, 2, 0)",
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', '某街道', 3), "
    "(2, '440000', '某镇', 3)",
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) VALUES "
    "(1, 1, 1, '310000', 1, '案例一', 'review'), (2, 1, 1, '310000', 1, '案例二', 'review'), "
    "(3, 1, 2, '440000', 1, '案例三', 'review'), (4, 1, 1, '310000', 1, '案例四', 'review'), "
    "(5, 1, 2, '440000', 1, '案例五', 'review')",
    "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
    "(1, 1, 1, '终评', 'ballot', '2019-11-01', '2019-11-02', 'ranked')",
    "INSERT INTO stage_case (stage_id, case_id, rank, advanced) VALUES (1, 1, 1, 1), "
    "(1, 2, 2, 1), (1, 3, 3, 1), (1, 4, 4, 1), (1, 5, 5, 0)",
    NULL};

struct award_op {
    enum { A_PROPOSE, A_TIER, A_SET } op;
    int64_t id, case_id;
    int quota, cap, placed;
    enum award_refusal why;
};

static int award_write(struct store_tx *tx, void *arg)
{
    struct award_op *o = arg;
    switch (o->op) {
    case A_PROPOSE:
        return tx_award_propose(tx, 1, &o->placed);
    case A_TIER:
        return tx_award_tier(tx, 1, o->id, o->quota, o->cap);
    case A_SET:
        return tx_award_set(tx, 1, o->case_id, o->id, &o->why);
    }
    return RC_ERROR;
}

static void test_award_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, rows_write, (void *)award_fixture), RC_OK);

    /* The proposal: 1 → tier 1; 2 capped out of tier 1 into 2; 3 → tier 1; 4 → tier 2. */
    struct award_op p = {.op = A_PROPOSE};
    assert_int_equal(store_write_sync(st, award_write, &p), RC_OK);
    assert_int_equal(p.placed, 4);
    assert_int_equal(store_write_sync(st, award_write, &p), RC_OK); /* replaced, not added */
    json_t *rows = store_award_rows(st, 1);
    assert_int_equal(json_array_size(rows), 4);
    static const int64_t tier_of[] = {1, 2, 1, 2};
    static const char *const why_of[] = {"in_order", "region_cap", "in_order", "in_order"};
    for (size_t i = 0; i < 4; i++) {
        json_t *r = json_array_get(rows, i);
        assert_int_equal(json_integer_value(json_object_get(r, "case_id")), i + 1);
        assert_int_equal(json_integer_value(json_object_get(r, "tier_id")), tier_of[i]);
        assert_string_equal(json_string_value(json_object_get(r, "why")), why_of[i]);
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "capped_name")),
                        "最佳案例");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 2), "region_name")),
                        "广东省");
    json_decref(rows);
    json_t *tiers = store_award_tiers(st, 1);
    assert_int_equal(json_array_size(tiers), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tiers, 0), "awarded")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tiers, 1), "region_cap")),
                     0);
    json_decref(tiers);

    /* A tier's quota or cap below what it holds is refused; another campaign's tier is none. */
    struct award_op tier = {.op = A_TIER, .id = 1, .quota = 1, .cap = 1};
    assert_int_equal(store_write_sync(st, award_write, &tier), RC_QUOTA);
    tier = (struct award_op){.op = A_TIER, .id = 2, .quota = 2, .cap = 1};
    assert_int_equal(store_write_sync(st, award_write, &tier), RC_QUOTA);
    tier.quota = 3;
    tier.cap = 2;
    assert_int_equal(store_write_sync(st, award_write, &tier), RC_OK);
    tier.id = 99;
    assert_int_equal(store_write_sync(st, award_write, &tier), RC_NOTFOUND);

    /* By hand: 3 taken out; 4 into tier 1 finds its region's cap; 2 into tier 2 is manual. */
    struct award_op set = {.op = A_SET, .case_id = 3, .id = 0};
    assert_int_equal(store_write_sync(st, award_write, &set), RC_OK);
    set = (struct award_op){.op = A_SET, .case_id = 4, .id = 1};
    assert_int_equal(store_write_sync(st, award_write, &set), RC_QUOTA);
    assert_int_equal(set.why, AWARD_CAP);
    set = (struct award_op){.op = A_SET, .case_id = 2, .id = 2};
    assert_int_equal(store_write_sync(st, award_write, &set), RC_OK);
    assert_int_equal(set.why, AWARD_OK);
    set = (struct award_op){.op = A_SET, .case_id = 5, .id = 2}; /* not elected */
    assert_int_equal(store_write_sync(st, award_write, &set), RC_NOTFOUND);
    rows = store_award_rows(st, 1);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 2), "tier_id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "why")),
                        "manual");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "capped_name")),
                        "");
    json_decref(rows);
    static const char *const full[] = {
        "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
        "(3, 1, 'one', '提名', 1, 3)",
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why) VALUES "
        "(1, 3, 3, 3, 'manual')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)full), RC_OK);
    set = (struct award_op){.op = A_SET, .case_id = 4, .id = 3};
    assert_int_equal(store_write_sync(st, award_write, &set), RC_QUOTA);
    assert_int_equal(set.why, AWARD_QUOTA);

    /* Published for notice: frozen. */
    static const char *const notice[] = {
        "INSERT INTO notice (campaign_id, stage_id, days, starts_on, ends_on, contact) VALUES "
        "(1, 1, 5, '2020-01-02', '2020-01-08', '电话')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)notice), RC_OK);
    assert_int_equal(store_write_sync(st, award_write, &p), RC_STATE);
    assert_int_equal(store_write_sync(st, award_write, &tier), RC_STATE);
    set = (struct award_op){.op = A_SET, .case_id = 1, .id = 0};
    assert_int_equal(store_write_sync(st, award_write, &set), RC_STATE);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The accounts' writes, one op a write. */
struct account_op {
    enum {
        U_ADD,
        U_ROLE,
        U_CROLE_DROP,
        U_CROLES_COPY,
        U_PASSWORD,
        U_SESSION,
        U_SESSION_DROP,
        U_SESSIONS_END,
        U_TOKEN,
        U_TOKEN_USE,
        U_OUTBOX
    } op;
    const char *email, *text;
    int64_t id, campaign_id, unit_id;
    unsigned role;
};

static int account_write(struct store_tx *tx, void *arg)
{
    struct account_op *o = arg;
    switch (o->op) {
    case U_ADD:
        return tx_user_add(tx, o->email, "某人", o->text, &o->id);
    case U_ROLE:
        return tx_user_role(tx, o->id, o->role, o->text, o->unit_id, o->campaign_id);
    case U_CROLE_DROP:
        return tx_campaign_role_drop(tx, o->campaign_id, o->id, o->role);
    case U_CROLES_COPY:
        return tx_campaign_roles_copy(tx, o->campaign_id, o->id, o->role);
    case U_PASSWORD:
        return tx_user_password(tx, o->id, o->text);
    case U_SESSION:
        return tx_session_create(tx, o->text, o->id, "csrf-1");
    case U_SESSION_DROP:
        return tx_session_delete(tx, o->text);
    case U_SESSIONS_END:
        return tx_sessions_end(tx, o->id);
    case U_TOKEN:
        return tx_token_create(tx, o->text, o->id, "invite");
    case U_TOKEN_USE:
        return tx_token_use(tx, o->text);
    case U_OUTBOX:
        return tx_outbox_add(tx, o->email, "主题", o->text);
    }
    return RC_ERROR;
}

/* A new user with email and password hash (NULL: invited): its id. */
static int64_t add_user(struct store *st, const char *email, const char *hash)
{
    struct account_op o = {.op = U_ADD, .email = email, .text = hash};
    assert_int_equal(store_write_sync(st, account_write, &o), RC_OK);
    assert_true(o.id > 0);
    return o.id;
}

static int account_do(struct store *st, struct account_op o)
{
    return store_write_sync(st, account_write, &o);
}

static void test_accounts_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('310000', '上海市'), ('440000', '广东省') "
        "ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status, published_at) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'open', NULL), "
        "(2, 'old', '上届', '2019-05-01', '2019-09-30', 'published', '2019-12-30'), "
        "(3, 'next', '下届', '2021-05-01', '2021-09-30', 'draft', NULL)",
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '440000', '某镇', 3)", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);

    int64_t org = add_user(st, "Org@Example.org", "hash-1");
    int64_t rec = add_user(st, "rec@example.org", NULL);
    int64_t sub = add_user(st, "sub@example.org", "hash-3");
    int64_t rev = add_user(st, "rev@example.org", "hash-4");
    int64_t none = add_user(st, "none@example.org", NULL);
    struct account_op taken = {.op = U_ADD, .email = "org@EXAMPLE.org"}; /* case does not count */
    assert_int_equal(store_write_sync(st, account_write, &taken), RC_EXISTS);

    assert_int_equal(
        account_do(st, (struct account_op){.op = U_ROLE, .id = org, .role = ROLE_ORGANISER}),
        RC_OK);
    assert_int_equal(
        account_do(
            st,
            (struct account_op){.op = U_ROLE, .id = org, .role = ROLE_REVIEWER, .campaign_id = 1}),
        RC_OK);
    /* Campaign 0: every campaign not published (1 and 3); then the region changed. */
    assert_int_equal(account_do(st, (struct account_op){.op = U_ROLE,
                                                        .id = rec,
                                                        .role = ROLE_RECOMMENDER,
                                                        .text = "310000"}),
                     RC_OK);
    assert_int_equal(account_do(st, (struct account_op){.op = U_ROLE,
                                                        .id = rec,
                                                        .role = ROLE_RECOMMENDER,
                                                        .text = "440000"}),
                     RC_OK);
    assert_int_equal(
        account_do(
            st, (struct account_op){.op = U_ROLE, .id = sub, .role = ROLE_SUBMITTER, .unit_id = 1}),
        RC_OK);
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_ROLE, .id = rev, .role = ROLE_REVIEWER}), RC_OK);

    struct store_user u;
    assert_int_equal(store_user_by_email(st, "ORG@example.ORG", &u), RC_OK);
    assert_int_equal(u.id, org);
    assert_string_equal(u.email, "Org@Example.org");
    assert_string_equal(u.password_hash, "hash-1");
    assert_int_equal(u.roles, ROLE_ORGANISER | ROLE_REVIEWER);
    assert_int_equal(store_user_by_email(st, "nobody@example.org", &u), RC_NOTFOUND);
    assert_int_equal(store_user_by_id(st, rec, &u), RC_OK);
    assert_int_equal(u.roles, ROLE_RECOMMENDER); /* in the open campaign, for the new region */
    assert_string_equal(u.region_code, "440000");
    assert_string_equal(u.region_name, "广东省");
    assert_int_equal(store_user_by_id(st, sub, &u), RC_OK);
    assert_int_equal(u.unit_id, 1);
    assert_string_equal(u.unit_name, "某镇");
    assert_string_equal(u.unit_region, "440000");

    /* Campaign roles: held, dropped once, copied (twice: nothing doubled). */
    assert_int_equal(store_campaign_role_held(st, 3, rec, ROLE_RECOMMENDER), 1);
    assert_int_equal(store_campaign_role_held(st, 2, rec, ROLE_RECOMMENDER), 0);
    assert_int_equal(account_do(st, (struct account_op){.op = U_CROLE_DROP,
                                                        .id = rev,
                                                        .campaign_id = 1,
                                                        .role = ROLE_REVIEWER}),
                     RC_OK);
    assert_int_equal(account_do(st, (struct account_op){.op = U_CROLE_DROP,
                                                        .id = rev,
                                                        .campaign_id = 1,
                                                        .role = ROLE_REVIEWER}),
                     RC_NOTFOUND);
    struct account_op copy = {
        .op = U_CROLES_COPY, .campaign_id = 1, .id = 2, .role = ROLE_RECOMMENDER | ROLE_REVIEWER};
    assert_int_equal(store_write_sync(st, account_write, &copy), RC_OK);
    assert_int_equal(store_write_sync(st, account_write, &copy), RC_OK);
    assert_int_equal(read_int(st, "SELECT count(*) FROM campaign_role WHERE campaign_id = ?1", 2),
                     2); /* rec and org; rev's row was dropped */
    json_t *held = store_campaign_roles_of(st, rec);
    assert_int_equal(json_array_size(held), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(held, 0), "campaign")),
                        "下届");
    assert_string_equal(json_string_value(json_object_get(json_array_get(held, 1), "region")),
                        "广东省");
    json_decref(held);

    /* The list: roles as words in one order, none as null; active once a password is set. */
    json_t *users = store_users(st);
    assert_int_equal(json_array_size(users), 5);
    json_t *first = json_array_get(users, 0), *last = json_array_get(users, 4);
    assert_string_equal(json_string_value(json_object_get(first, "roles")), "organiser reviewer");
    assert_true(json_is_true(json_object_get(first, "active")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(users, 1), "region")),
                        "广东省");
    assert_string_equal(json_string_value(json_object_get(json_array_get(users, 2), "unit")),
                        "某镇");
    assert_true(json_is_null(json_object_get(last, "roles")));
    assert_true(json_is_false(json_object_get(last, "active")));
    json_decref(users);
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_PASSWORD, .id = none, .text = "hash-5"}), RC_OK);
    assert_int_equal(store_user_by_id(st, none, &u), RC_OK);
    assert_string_equal(u.password_hash, "hash-5");

    /* Sessions: found until deleted, ended, expired, or the user disabled. */
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_SESSION, .id = org, .text = "digest-1"}), RC_OK);
    assert_int_equal(store_user_by_session(st, "digest-1", &u), RC_OK);
    assert_int_equal(u.id, org);
    assert_string_equal(u.csrf, "csrf-1");
    assert_int_equal(account_do(st, (struct account_op){.op = U_SESSION_DROP, .text = "digest-1"}),
                     RC_OK);
    assert_int_equal(store_user_by_session(st, "digest-1", &u), RC_NOTFOUND);
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_SESSION, .id = sub, .text = "digest-2"}), RC_OK);
    assert_int_equal(account_do(st, (struct account_op){.op = U_SESSIONS_END, .id = sub}), RC_OK);
    assert_int_equal(store_user_by_session(st, "digest-2", &u), RC_NOTFOUND);
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_SESSION, .id = rev, .text = "digest-3"}), RC_OK);
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_SESSION, .id = rev, .text = "digest-4"}), RC_OK);
    static const char *const age[] = {
        "UPDATE session SET expires_at = '2000-01-01T00:00:00Z' WHERE token_hash = 'digest-3'",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)age), RC_OK);
    assert_int_equal(store_user_by_session(st, "digest-3", &u), RC_NOTFOUND);
    assert_int_equal(store_user_by_session(st, "digest-4", &u), RC_OK);
    static const char *const off[] = {"UPDATE \"user\" SET disabled = 1 WHERE email = "
                                      "'rev@example.org'",
                                      NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)off), RC_OK);
    assert_int_equal(store_user_by_session(st, "digest-4", &u), RC_NOTFOUND);

    /* Tokens: of their kind, used once. */
    assert_int_equal(
        account_do(st, (struct account_op){.op = U_TOKEN, .id = rec, .text = "token-1"}), RC_OK);
    assert_int_equal(store_user_by_token(st, "token-1", "reset", &u), RC_NOTFOUND);
    assert_int_equal(store_user_by_token(st, "token-1", "invite", &u), RC_OK);
    assert_int_equal(u.id, rec);
    assert_int_equal(account_do(st, (struct account_op){.op = U_TOKEN_USE, .text = "token-1"}),
                     RC_OK);
    assert_int_equal(account_do(st, (struct account_op){.op = U_TOKEN_USE, .text = "token-1"}),
                     RC_NOTFOUND);
    assert_int_equal(store_user_by_token(st, "token-1", "invite", &u), RC_NOTFOUND);

    /* A message queued, due now. */
    assert_int_equal(
        account_do(st,
                   (struct account_op){.op = U_OUTBOX, .email = "a@example.org", .text = "正文"}),
        RC_OK);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM outbox WHERE id >= ?1 AND "
                              "next_attempt_at = created_at AND created_at LIKE '2%Z'",
                              0),
                     1);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The 公示's writes, one op a write. */
struct notice_op {
    enum { O_PUBLISH, O_CODE, O_FILE, O_ANSWER, O_CLOSE } op;
    const char *contact, *code;
    int64_t case_id, id, tier_id;
    long now;
    int uphold;
    struct objection_filing f;
};

static int notice_write(struct store_tx *tx, void *arg)
{
    struct notice_op *o = arg;
    switch (o->op) {
    case O_PUBLISH:
        return tx_notice_publish(tx, 1, 5, "2020-01-02", "2020-01-08", "电话 010-1234", "");
    case O_CODE:
        return tx_objection_code(tx, 1, o->contact, o->code, "验证码", "正文", o->now);
    case O_FILE:
        return tx_objection_file(tx, &o->f);
    case O_ANSWER:
        return tx_objection_answer(tx, 1, o->id, o->uphold, o->tier_id, "答复", "主题", "正文");
    case O_CLOSE:
        return tx_notice_close(tx, 1);
    }
    return RC_ERROR;
}

/* An objection to case_id by contact with code at now: tx_objection_file's outcome. */
static int object(struct store *st, int64_t case_id, const char *contact, const char *code,
                  long now, const char *file)
{
    struct notice_op o = {.op = O_FILE,
                          .f = {.stage_id = 1,
                                .case_id = case_id,
                                .name = "某人",
                                .contact = contact,
                                .reason = "理由 'x' ?1",
                                .code_hash = code,
                                .file_sha256 = file,
                                .file_name = file ? "证据.pdf" : NULL,
                                .file_mime = file ? "application/pdf" : NULL,
                                .file_size = file ? 2048 : 0,
                                .now = now,
                                .outcome = -99}};
    int rc = store_write_sync(st, notice_write, &o);
    return rc == RC_OK ? o.f.outcome : 1000 + rc;
}

static int notice_do(struct store *st, struct notice_op o)
{
    return store_write_sync(st, notice_write, &o);
}

/* The tier of case_id's award in campaign 1, 0 without one. */
static int64_t award_tier(struct store *st, int64_t case_id)
{
    int64_t t =
        read_int(st, "SELECT tier_id FROM award WHERE campaign_id = 1 AND case_id = ?1", case_id);
    return t < 0 ? 0 : t;
}

static void test_notice_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, rows_write, (void *)award_fixture), RC_OK);
    assert_null(store_notice(st, 1));
    /* Nothing proposed yet: nothing to publish. */
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_PUBLISH}), RC_STATE);
    struct award_op p = {.op = A_PROPOSE}; /* 1, 3 in tier 1; 2 (capped), 4 in tier 2 */
    assert_int_equal(store_write_sync(st, award_write, &p), RC_OK);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_PUBLISH}), RC_OK);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_PUBLISH}), RC_EXISTS);

    json_t *n = store_notice(st, 1);
    assert_non_null(n);
    assert_int_equal(json_integer_value(json_object_get(n, "days")), 5);
    assert_string_equal(json_string_value(json_object_get(n, "state")), "open");
    assert_true(json_integer_value(json_object_get(n, "article_id")) > 0);
    json_decref(n);
    json_t *pub = store_notices_public(st);
    assert_int_equal(json_array_size(pub), 1);
    json_t *tiers = json_object_get(json_array_get(pub, 0), "tiers");
    json_t *items = json_object_get(json_array_get(tiers, 0), "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "case_id")), 3);
    json_t *regions = json_object_get(json_array_get(pub, 0), "regions");
    assert_int_equal(json_array_size(regions), 2);
    json_t *sh = json_array_get(regions, 0); /* 310000: 1 in tier 1, 2 in tier 2 */
    assert_string_equal(json_string_value(json_object_get(sh, "name")), "上海市");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(sh, "counts"), 1)), 2);
    assert_int_equal(json_integer_value(json_object_get(sh, "total")), 3);
    json_decref(pub);

    /* Codes: one a minute per address; the newer replaces the older. */
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CODE,
                                                      .contact = "a@example.org",
                                                      .code = "hash-1",
                                                      .now = 1000}),
                     RC_OK);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CODE,
                                                      .contact = "a@example.org",
                                                      .code = "hash-2",
                                                      .now = 1030}),
                     RC_QUOTA);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CODE,
                                                      .contact = "a@example.org",
                                                      .code = "hash-3",
                                                      .now = 1100}),
                     RC_OK);
    assert_int_equal(object(st, 5, "a@example.org", "hash-3", 1110, NULL), 1000 + RC_GONE);
    assert_int_equal(object(st, 1, "a@example.org", "hash-1", 1110, NULL), RC_INVALID);
    assert_int_equal(read_int(st, "SELECT tries FROM objection_code WHERE campaign_id = ?1", 1),
                     1); /* the try spent is kept */
    assert_int_equal(object(st, 1, "a@example.org", "hash-3", 1120, NULL), RC_OK);
    assert_int_equal(object(st, 1, "a@example.org", "hash-3", 1130, NULL), RC_NOTFOUND);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CODE,
                                                      .contact = "b@example.org",
                                                      .code = "hash-4",
                                                      .now = 2000}),
                     RC_OK);
    assert_int_equal(
        object(st, 3, "b@example.org", "hash-4", 2000 + OBJECTION_CODE_TTL_S + 1, NULL),
        RC_NOTFOUND); /* expired */
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CODE,
                                                      .contact = "b@example.org",
                                                      .code = "hash-5",
                                                      .now = 3000}),
                     RC_OK);
    static const char sha[] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    assert_int_equal(object(st, 3, "b@example.org", "hash-5", 3010, sha), RC_OK);

    json_t *list = store_objections(st, 1);
    assert_int_equal(json_array_size(list), 2);
    json_t *second = json_array_get(list, 0), *first = json_array_get(list, 1);
    int64_t on3 = json_integer_value(json_object_get(second, "id"));
    int64_t on1 = json_integer_value(json_object_get(first, "id"));
    assert_int_equal(json_integer_value(json_object_get(second, "case_id")), 3);
    assert_string_equal(json_string_value(json_object_get(second, "file_name")), "证据.pdf");
    assert_string_equal(json_string_value(json_object_get(first, "tier_name")), "最佳案例");
    assert_string_equal(json_string_value(json_object_get(first, "reason")), "理由 'x' ?1");
    assert_int_equal(strlen(json_string_value(json_object_get(first, "created_at"))), 10);
    json_decref(list);
    json_t *file = store_objection_file(st, 1, on3);
    assert_string_equal(json_string_value(json_object_get(file, "sha256")), sha);
    json_decref(file);
    assert_null(store_objection_file(st, 1, on1));
    n = store_notice(st, 1);
    assert_int_equal(json_integer_value(json_object_get(n, "objections_open")), 2);
    json_decref(n);

    /* Upheld out of the awards: case 2 (capped out of tier 1) moves up into the place. */
    int64_t mail = read_int(st, "SELECT count(*) FROM outbox WHERE id > ?1", 0);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_ANSWER, .id = on1, .uphold = 1}),
                     RC_OK);
    assert_int_equal(award_tier(st, 1), 0);
    assert_int_equal(award_tier(st, 2), 1);
    assert_int_equal(award_tier(st, 4), 2);
    assert_int_equal(read_int(st, "SELECT count(*) FROM outbox WHERE id > ?1", 0), mail + 1);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_ANSWER, .id = on1, .uphold = 0}),
                     RC_STATE); /* answered */
    /* Upheld into another tier, with room for it. */
    assert_int_equal(
        notice_do(st, (struct notice_op){.op = O_ANSWER, .id = on3, .uphold = 1, .tier_id = 2}),
        RC_OK);
    assert_int_equal(award_tier(st, 3), 2);
    list = store_objections(st, 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "state")),
                        "upheld");
    json_decref(list);

    /* Closed: the campaign published with its awarded cases in their tiers, and signed. */
    assert_int_equal(store_public_campaign(st), 0);
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CLOSE}), RC_OK);
    assert_int_equal(read_int(st, "SELECT count(*) FROM campaign WHERE id = ?1 AND "
                                  "status = 'published' AND published_at LIKE '____-__-__T%'",
                              1),
                     1);
    assert_int_equal(read_int(st, "SELECT count(*) FROM notice WHERE campaign_id = ?1 AND "
                                  "state = 'closed' AND closed_at IS NOT NULL",
                              1),
                     1);
    assert_int_equal(read_int(st, "SELECT count(*) FROM \"case\" c JOIN award a ON "
                                  "a.case_id = c.id WHERE c.campaign_id = ?1 AND "
                                  "c.status = 'published' AND c.tier_id = a.tier_id",
                              1),
                     read_int(st, "SELECT count(*) FROM award WHERE campaign_id = ?1 AND "
                                  "tier_id IS NOT NULL",
                              1));
    assert_int_equal(read_int(st, "SELECT tier_id FROM \"case\" WHERE id = ?1", 3), 2);
    assert_int_equal(read_int(st, "SELECT count(*) FROM \"case\" WHERE campaign_id = ?1 AND "
                                  "tier_id IS NULL AND status = 'published'",
                              1),
                     0);
    assert_int_equal(read_int(st, "SELECT count(*) FROM statement WHERE campaign_id = ?1", 1), 1);
    assert_int_equal(store_public_campaign(st), 1);
    /* And indexed its cases for the search, on either database's index. */
    static const char *const words[] = {"三", "案例三"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        struct store_filter sf = {.q = words[w], .page = 1, .per_page = 20};
        json_t *found = store_cases(st, &sf);
        assert_non_null(found);
        json_t *hits = json_object_get(found, "items");
        assert_int_equal(json_array_size(hits), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(hits, 0), "id")), 3);
        json_decref(found);
    }
    assert_int_equal(notice_do(st, (struct notice_op){.op = O_CLOSE}), RC_STATE); /* closed */
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* A unit's submissions' writes, one op a write. */
struct submission_op {
    enum { S_CREATE, S_SAVE, S_STATUS, S_FILE, S_UNFILE, S_RULES } op;
    int64_t campaign_id, id, user_id, file_id, size;
    const char *from, *to;
    struct submission_fields f;
};

static int submission_write(struct store_tx *tx, void *arg)
{
    struct submission_op *o = arg;
    switch (o->op) {
    case S_CREATE:
        return tx_submission_create(tx, o->campaign_id, 1, "440000", o->user_id, &o->id);
    case S_SAVE:
        return tx_submission_save(tx, &o->f);
    case S_STATUS:
        return tx_submission_status(tx, o->id, o->from, o->to, o->user_id, "理由");
    case S_FILE:
        return tx_attachment_add(tx, o->id, o->from, "材料.pdf", "application/pdf", o->size,
                                 o->user_id);
    case S_UNFILE:
        return tx_attachment_remove(tx, o->id, o->file_id);
    case S_RULES:
        return tx_submission_rules(tx, o->id, o->file_id != 0);
    }
    return RC_ERROR;
}

static int submission_do(struct store *st, struct submission_op o)
{
    return store_write_sync(st, submission_write, &o);
}

static void test_submissions_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('440000', '广东省') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status, cases_per_unit, "
        "attachments_min) VALUES (1, 'now', '本届', '2020-05-01', '2020-09-30', 'open', 1, 1), "
        "(2, 'next', '下届', '2021-05-01', '2021-09-30', 'draft', 1, 0)",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市'), "
        "(2, 1, 'village', '乡村')",
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '440000', '某镇', 3)", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    int64_t user = add_user(st, "sub@example.org", "hash");

    struct submission_op c = {.op = S_CREATE, .campaign_id = 2, .user_id = user};
    assert_int_equal(store_write_sync(st, submission_write, &c), RC_NOTFOUND); /* no track */
    c.campaign_id = 1;
    assert_int_equal(store_write_sync(st, submission_write, &c), RC_OK);
    int64_t c1 = c.id;
    assert_int_equal(store_write_sync(st, submission_write, &c), RC_OK);
    int64_t c2 = c.id;
    assert_true(c1 > 0 && c2 > c1);
    json_t *list = store_unit_cases(st, 1, 1);
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), c2);
    assert_int_equal(
        strlen(json_string_value(json_object_get(json_array_get(list, 0), "created_on"))), 10);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "submitted_on")),
                        "");
    json_decref(list);

    /* Saved while a draft; a section's HTML goes with its old Markdown. */
    struct submission_op save = {.op = S_SAVE,
                                 .f = {c1,
                                       "draft",
                                       "题目 'x' ?1",
                                       "village",
                                       "标签",
                                       "联系人",
                                       "13800000000",
                                       "a@example.org",
                                       {"一", "二", "三", "四", "五"}}};
    assert_int_equal(store_write_sync(st, submission_write, &save), RC_OK);
    static const char *const html[] = {"UPDATE case_section SET body_html = '<p>old</p>'", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)html), RC_OK);
    save.f.sections[4] = "五（改）";
    save.f.track = "";
    assert_int_equal(store_write_sync(st, submission_write, &save), RC_OK);
    /* NULL, or rendered again where the store renders in the write (SQLite's writer). */
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM case_section WHERE case_id = ?1 AND "
                              "body_html = '<p>old</p>'",
                              c1),
                     0);
    save.f.expect_status = "submitted";
    assert_int_equal(store_write_sync(st, submission_write, &save), RC_NOTFOUND);
    json_t *o = store_submission(st, c1);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "title")), "题目 'x' ?1");
    assert_string_equal(json_string_value(json_object_get(o, "track")), "village");
    assert_string_equal(json_string_value(json_object_get(o, "region_name")), "广东省");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "sections"), 4)),
                        "五（改）");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "campaign"), "status")), "open");
    assert_int_equal(strlen(json_string_value(json_object_get(o, "updated_on"))), 10);
    json_decref(o);

    /* Attachments: the call wants one; a case's total is capped. */
    assert_int_equal(submission_do(st, (struct submission_op){.op = S_RULES, .id = c1}),
                     RC_INVALID);
    static const char sha[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    assert_int_equal(
        submission_do(st,
                      (struct submission_op){
                          .op = S_FILE, .id = c1, .from = sha, .size = 1000, .user_id = user}),
        RC_OK);
    assert_int_equal(submission_do(st, (struct submission_op){.op = S_FILE,
                                                              .id = c1,
                                                              .from = sha,
                                                              .size = SUBMISSIONS_MAX_CASE_BYTES}),
                     SUBMISSIONS_FULL);
    int files = 0;
    int64_t bytes = 0;
    assert_int_equal(store_attachment_usage(st, c1, &files, &bytes), RC_OK);
    assert_int_equal(files, 1);
    assert_int_equal(bytes, 1000);
    json_t *fr = store_file_rows(st, sha);
    assert_int_equal(json_array_size(fr), 1);
    assert_true(json_is_false(json_object_get(json_array_get(fr, 0), "published")));
    json_decref(fr);
    assert_int_equal(submission_do(st, (struct submission_op){.op = S_RULES, .id = c1}), RC_OK);

    /* Submitted once; then counted against the unit's second case, and no longer editable. */
    struct submission_op sub = {
        .op = S_STATUS, .id = c1, .from = "draft", .to = "submitted", .user_id = user};
    assert_int_equal(store_write_sync(st, submission_write, &sub), RC_OK);
    assert_int_equal(store_write_sync(st, submission_write, &sub), RC_NOTFOUND);
    o = store_submission(st, c1);
    assert_int_equal(strlen(json_string_value(json_object_get(o, "submitted_on"))), 10);
    json_decref(o);
    json_t *ev = store_case_events(st, c1);
    assert_int_equal(json_array_size(ev), 2);
    json_t *e1 = json_array_get(ev, 1);
    assert_string_equal(json_string_value(json_object_get(e1, "from")), "draft");
    assert_string_equal(json_string_value(json_object_get(e1, "to")), "submitted");
    assert_string_equal(json_string_value(json_object_get(e1, "user")), "某人");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "from")), "");
    json_decref(ev);
    assert_int_equal(submission_do(st, (struct submission_op){.op = S_RULES, .id = c2}), RC_EXISTS);
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_RULES, .id = c2, .file_id = 1}),
        RC_INVALID); /* recommended or later: c1 does not count yet */
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_FILE, .id = c1, .from = sha, .size = 1}),
        RC_NOTFOUND);
    int64_t f1 = read_int(st, "SELECT id FROM attachment WHERE case_id = ?1", c1);
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_UNFILE, .id = c1, .file_id = f1}),
        RC_NOTFOUND);
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_FILE, .id = c2, .from = sha, .size = 5}),
        RC_OK);
    int64_t f2 = read_int(st, "SELECT id FROM attachment WHERE case_id = ?1", c2);
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_UNFILE, .id = c2, .file_id = f2}), RC_OK);
    assert_int_equal(
        submission_do(st, (struct submission_op){.op = S_UNFILE, .id = c2, .file_id = f2}),
        RC_NOTFOUND);

    /* Days in China Standard Time: 18:00 UTC is the next day there, 15:59 the same. */
    static const char *const late[] = {
        "INSERT INTO case_event (case_id, at, to_status) SELECT max(id), "
        "'2020-02-04T15:59:59Z', 'draft' FROM \"case\"",
        "INSERT INTO case_event (case_id, at, to_status) SELECT max(id), "
        "'2020-02-04T18:00:00Z', 'draft' FROM \"case\"",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)late), RC_OK);
    ev = store_case_events(st, c2);
    assert_int_equal(json_array_size(ev), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "on")),
                        "2020-02-04");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 2), "on")),
                        "2020-02-05");
    json_decref(ev);
    assert_int_equal(fault_take(), FAULT_NONE);
}
/* The final ballot's writes, one op a write. */
struct ballot_op {
    enum { B_SETTINGS, B_ADD, B_REMOVE, B_OPEN, B_PRESENT, B_START, B_SAVE, B_CAST, B_TALLY } op;
    int64_t stage_id, id; /* id: a juror, or the sitting of a ballot */
    int a, b, n;          /* settings' places and quorum; runoff; ids[0..n) */
    int64_t ids[4];
    const char *receipt;
    struct tally_outcome out;
};

static int ballot_write(struct store_tx *tx, void *arg)
{
    struct ballot_op *o = arg;
    switch (o->op) {
    case B_SETTINGS:
        return tx_ballot_settings(tx, o->stage_id, o->a, o->b);
    case B_ADD:
        return tx_juror_add(tx, o->stage_id, o->id);
    case B_REMOVE:
        return tx_juror_remove(tx, o->stage_id, o->id);
    case B_OPEN:
        return tx_sitting_open(tx, o->stage_id, o->a);
    case B_PRESENT:
        return tx_sitting_presence(tx, o->stage_id, o->ids, o->n);
    case B_START:
        return tx_sitting_start(tx, o->stage_id);
    case B_SAVE:
        return tx_ballot_save(tx, o->stage_id, o->id, o->ids, o->n);
    case B_CAST:
        return tx_ballot_cast(tx, o->stage_id, o->id, o->ids, o->n, o->receipt);
    case B_TALLY:
        return tx_ballot_tally(tx, o->stage_id, &o->out);
    }
    return RC_ERROR;
}

static int ballot_do(struct store *st, struct ballot_op o)
{
    return store_write_sync(st, ballot_write, &o);
}

/* Field key of element i of the JSON array a, as an integer (JSON null: -1); a is kept. */
static int64_t jint_at(json_t *a, size_t i, const char *key)
{
    json_t *v = json_object_get(json_array_get(a, i), key);
    return json_is_null(v) ? -1 : json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
}

static void test_ballot_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /*
     * Campaign 1: a review stage (ranks 1..3) then a ballot stage of cases
     * 1..3.  Jurors 11, 12 (北京市), 13 (广东省: 回避 case 1), 12 also
     * declared a conflict with case 3; 14 is an expert of no campaign.
     */
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('110000', '北京市'), ('310000', '上海市'), "
        "('440000', '广东省') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'review')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '440000', '某镇', 3), "
        "(2, '310000', '某街道', 3)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) "
        "VALUES (1, 1, 1, '440000', 1, '一', 'review'), (2, 1, 2, '310000', 1, '二', 'review'), "
        "(3, 1, 2, '310000', 1, '三 ''x'' ?1', 'review')",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
        "(1, 1, 1, '初评', 'review', '2020-10-01', '2020-10-15', 'advanced'), "
        "(2, 1, 2, '终评', 'ballot', '2020-10-20', '2020-10-31', 'setup')",
        "INSERT INTO stage_case (stage_id, case_id, score, rank, advanced) VALUES "
        "(1, 1, 90.5, 1, 1), (1, 2, 80, 2, 1), (1, 3, 70, 3, 1), (2, 1, NULL, NULL, 0), "
        "(2, 2, NULL, NULL, 0), (2, 3, NULL, NULL, 0)",
        "INSERT INTO \"user\" (id, email, name) VALUES (11, 'j1@example.org', '甲'), "
        "(12, 'j2@example.org', '乙'), (13, 'j3@example.org', '丙'), (14, 'j4@example.org', '丁')",
        "INSERT INTO reviewer (user_id, region_code) VALUES (11, '110000'), (12, '110000'), "
        "(13, '440000'), (14, '110000')",
        "INSERT INTO campaign_role (campaign_id, user_id, role) VALUES (1, 11, 'reviewer'), "
        "(1, 12, 'reviewer'), (1, 13, 'reviewer')",
        "INSERT INTO conflict (case_id, user_id, source) VALUES (3, 12, 'declared')",
        "INSERT INTO review (stage_id, case_id, user_id, status) VALUES (1, 1, 11, 'submitted'), "
        "(1, 1, 12, 'submitted'), (1, 2, 11, 'draft')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);

    struct ballot_stage b;
    assert_int_equal(store_ballot_stage(st, 1, &b), RC_NOTFOUND); /* a review stage */
    assert_int_equal(store_ballot_stage(st, 9, &b), RC_NOTFOUND);
    assert_int_equal(store_ballot_stage(st, 2, &b), RC_OK);
    assert_string_equal(b.base.name, "终评");
    assert_int_equal(b.pool, 3);
    assert_int_equal(b.jurors, 0);
    assert_int_equal(b.sitting_id, 0);
    assert_int_equal(b.quorum, 5);

    /* The jury, from the campaign's experts, set before the ballot. */
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_SETTINGS, .stage_id = 1, .a = 2}),
                     RC_NOTFOUND);
    assert_int_equal(
        ballot_do(st, (struct ballot_op){.op = B_SETTINGS, .stage_id = 2, .a = 2, .b = 3}), RC_OK);
    json_t *a = store_ballot_juror_candidates(st, 2);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(jint_at(a, 0, "user_id"), 13); /* by name: 丙 乙 甲 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "region_name")),
                        "广东省");
    json_decref(a);
    for (int64_t u = 11; u <= 13; u++)
        assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_ADD, .stage_id = 2, .id = u}),
                         RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_ADD, .stage_id = 2, .id = 11}),
                     RC_EXISTS);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_ADD, .stage_id = 2, .id = 14}),
                     RC_INVALID);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_REMOVE, .stage_id = 2, .id = 14}),
                     RC_NOTFOUND);
    a = store_ballot_juror_candidates(st, 2);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    a = store_ballot_stages_of(st, 13);
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "campaign")),
                        "本届");
    json_decref(a);
    int present = -1;
    assert_int_equal(store_ballot_is_juror(st, 2, 12, &present), 1);
    assert_int_equal(present, 0);
    assert_int_equal(store_ballot_is_juror(st, 2, 14, &present), 0);

    /* The sitting: opened once, the stage's pool its candidates; voting needs the quorum. */
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 2, .a = 1}),
                     RC_STATE);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 2}), RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 2}), RC_STATE);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'released'",
                              2),
                     1);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_START, .stage_id = 2}), RC_QUOTA);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_PRESENT, .stage_id = 2, .n = 2,
                                                      .ids = {11, 14}}),
                     RC_INVALID);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_PRESENT, .stage_id = 2, .n = 3,
                                                      .ids = {11, 12, 13}}),
                     RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_START, .stage_id = 2}), RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_ADD, .stage_id = 2, .id = 14}),
                     RC_STATE);
    assert_int_equal(store_ballot_stage(st, 2, &b), RC_OK);
    assert_int_equal(b.sitting_state, SITTING_VOTING);
    assert_int_equal(b.round, 1);
    assert_int_equal(b.sitting_places, 2);
    assert_int_equal(b.present, 3);
    assert_int_equal(b.jurors, 3);
    int64_t sitting = b.sitting_id;
    assert_true(sitting > 0);

    /* The paper: the review stage's order, 回避 marked, a saved choice kept. */
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_SAVE, .stage_id = sitting, .id = 11,
                                                      .n = 1, .ids = {2}}),
                     RC_OK);
    a = store_ballot_paper(st, sitting, 13);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(jint_at(a, 0, "case_id"), 1);
    assert_int_equal(jint_at(a, 0, "rank"), 1);
    assert_int_equal(jint_at(a, 0, "reviews"), 2);
    assert_int_equal(jint_at(a, 0, "conflict"), 1);
    assert_int_equal(jint_at(a, 1, "conflict"), 0);
    assert_int_equal(jint_at(a, 1, "approved"), 0);
    assert_true(json_real_value(json_object_get(json_array_get(a, 0), "score")) == 90.5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 2), "title")),
                        "三 'x' ?1");
    json_decref(a);
    a = store_ballot_paper(st, sitting, 11);
    assert_int_equal(jint_at(a, 1, "approved"), 1);
    assert_int_equal(jint_at(a, 0, "approved"), 0);
    json_decref(a);
    a = store_ballot_paper(st, sitting, 12);
    assert_int_equal(jint_at(a, 2, "conflict"), 1); /* declared */
    json_decref(a);

    /* Ballots: within the places, no case twice, none in 回避, once each. */
    struct ballot_op cast = {.op = B_CAST, .stage_id = sitting, .id = 11, .n = 3, .ids = {1, 2, 3},
                             .receipt = "r1"};
    assert_int_equal(ballot_do(st, cast), RC_QUOTA);
    cast.n = 2;
    cast.ids[1] = 1;
    assert_int_equal(ballot_do(st, cast), RC_INVALID);
    cast.ids[1] = 2;
    assert_int_equal(ballot_do(st, cast), RC_OK);
    assert_int_equal(ballot_do(st, cast), RC_EXISTS);
    assert_int_equal(store_ballot_has_cast(st, sitting, 11), 1);
    assert_int_equal(store_ballot_has_cast(st, sitting, 12), 0);
    assert_int_equal(read_int(st, "SELECT count(*) FROM ballot_draft WHERE user_id = ?1", 11), 0);
    cast = (struct ballot_op){.op = B_CAST, .stage_id = sitting, .id = 13, .n = 1, .ids = {1},
                              .receipt = "r3"};
    assert_int_equal(ballot_do(st, cast), RC_INVALID); /* 回避 */
    cast.n = 2;
    cast.ids[0] = 2;
    cast.ids[1] = 3;
    assert_int_equal(ballot_do(st, cast), RC_OK);
    struct ballot_op tally = {.op = B_TALLY, .stage_id = 2};
    assert_int_equal(ballot_do(st, tally), RC_STATE); /* 12 has not cast */
    a = store_ballot_jurors(st, 2, sitting);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(jint_at(a, 1, "user_id"), 12);
    assert_int_equal(jint_at(a, 1, "present"), 1);
    assert_int_equal(jint_at(a, 1, "cast"), 0);
    assert_int_equal(jint_at(a, 2, "cast"), 1);
    json_decref(a);
    cast = (struct ballot_op){.op = B_CAST, .stage_id = sitting, .id = 12, .n = 2, .ids = {1, 2},
                              .receipt = "r2"};
    assert_int_equal(ballot_do(st, cast), RC_OK);

    /*
     * The tally: case 1 has 2 of 2 who may judge it (13 in 回避), case 2 3
     * of 3, case 3 1 of 2 (12's conflict), no pass.  Two places, two
     * elected, no runoff: the stage is ranked.
     */
    struct tally_case *in = NULL;
    int n = 0;
    assert_int_equal(store_ballot_tally_input(st, sitting, &in, &n), RC_OK);
    assert_int_equal(n, 3);
    int seen = 0;
    for (int i = 0; i < n; i++)
        if (in[i].case_id == 3) {
            assert_int_equal(in[i].approvals, 1);
            assert_int_equal(in[i].eligible, 2);
            assert_int_equal(in[i].prior_rank, 3);
            seen = 1;
        }
    assert_true(seen);
    free(in);
    assert_int_equal(store_write_sync(st, ballot_write, &tally), RC_OK);
    assert_int_equal(tally.out.elected, 2);
    assert_int_equal(tally.out.runoff, 0);
    assert_int_equal(ballot_do(st, tally), RC_STATE);
    a = store_ballot_results(st, sitting);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(jint_at(a, 0, "elected"), 1);
    assert_int_equal(jint_at(a, 1, "elected"), 1);
    assert_int_equal(jint_at(a, 2, "case_id"), 3);
    assert_int_equal(jint_at(a, 2, "passed"), 0);
    assert_int_equal(jint_at(a, 2, "approvals"), 1);
    assert_int_equal(jint_at(a, 2, "eligible"), 2);
    assert_int_equal(jint_at(a, 2, "prior_rank"), 3);
    json_decref(a);
    a = store_ballot_sittings(st, 2);
    assert_json(a, "[{\"ballots\":3,\"candidates\":3,\"elected\":2,\"id\":1,\"places\":2,"
                   "\"present\":3,\"round\":1,\"runoff\":0,\"state\":\"tallied\"}]");
    assert_int_equal(store_ballot_stage(st, 2, &b), RC_OK);
    assert_true(b.final);
    assert_false(b.runoff_proposed);
    assert_int_equal(b.cast, 3);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'ranked'",
                              2),
                     1);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM stage_case WHERE stage_id = ?1 AND "
                              "advanced = 1 AND rank IS NOT NULL AND score = 1",
                              2),
                     2);
    assert_int_equal(read_int(st, "SELECT length(tallied_at) FROM sitting WHERE id = ?1", sitting),
                     20);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 2, .a = 1}),
                     RC_STATE);

    /* A receipt shows what was cast, counted once tallied; an unknown one nothing. */
    json_t *r = store_ballot_receipt(st, "r3");
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "counted")));
    a = json_object_get(r, "approvals");
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(jint_at(a, 0, "case_id"), 2);
    assert_int_equal(jint_at(a, 1, "case_id"), 3);
    json_decref(r);
    assert_null(store_ballot_receipt(st, "none"));

    /*
     * A runoff: a second ballot stage for one place, jurors 12 and 13
     * present; 12 approves case 1 (13 in 回避 for it), 13 case 3 (12's
     * conflict): 1 of 1 each, a tie, both to a runoff for the place.
     */
    static const char *const more[] = {
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(3, 1, 3, '复议', 'ballot', '2020-11-01', '2020-11-10')",
        "INSERT INTO stage_case (stage_id, case_id) VALUES (3, 1), (3, 2), (3, 3)", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)more), RC_OK);
    assert_int_equal(
        ballot_do(st, (struct ballot_op){.op = B_SETTINGS, .stage_id = 3, .a = 1, .b = 2}), RC_OK);
    for (int64_t u = 12; u <= 13; u++)
        assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_ADD, .stage_id = 3, .id = u}),
                         RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 3}), RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_PRESENT, .stage_id = 3, .n = 2,
                                                      .ids = {12, 13}}),
                     RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_START, .stage_id = 3}), RC_OK);
    assert_int_equal(store_ballot_stage(st, 3, &b), RC_OK);
    sitting = b.sitting_id;
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_CAST, .stage_id = sitting, .id = 12,
                                                      .n = 1, .ids = {1}, .receipt = "s1"}),
                     RC_OK);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_CAST, .stage_id = sitting, .id = 13,
                                                      .n = 1, .ids = {3}, .receipt = "s2"}),
                     RC_OK);
    tally = (struct ballot_op){.op = B_TALLY, .stage_id = 3};
    assert_int_equal(store_write_sync(st, ballot_write, &tally), RC_OK);
    assert_int_equal(tally.out.runoff, 2);
    assert_int_equal(tally.out.elected, 0);
    assert_int_equal(store_ballot_stage(st, 3, &b), RC_OK);
    assert_true(b.runoff_proposed);
    assert_false(b.final);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'ranked'",
                              3),
                     0);
    assert_int_equal(ballot_do(st, (struct ballot_op){.op = B_OPEN, .stage_id = 3, .a = 1}),
                     RC_OK);
    a = store_ballot_sittings(st, 3);
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(jint_at(a, 1, "round"), 2);
    assert_int_equal(jint_at(a, 1, "places"), 1);
    assert_int_equal(jint_at(a, 1, "candidates"), 2);
    assert_int_equal(jint_at(a, 0, "runoff"), 2);
    json_decref(a);
    assert_int_equal(store_ballot_stage(st, 3, &b), RC_OK);
    assert_int_equal(b.sitting_state, SITTING_OPEN);
    assert_int_equal(b.present, 0);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* A reviewer's writes, one op a write. */
struct scoring_op {
    int conflict;
    struct scoring_save v;
};

static int scoring_write(struct store_tx *tx, void *arg)
{
    const struct scoring_op *o = arg;
    if (o->conflict)
        return tx_scoring_conflict(tx, o->v.stage_id, o->v.case_id, o->v.user_id, "同单位");
    return tx_scoring_save(tx, &o->v);
}

static int scoring_do(struct store *st, struct scoring_op o)
{
    return store_write_sync(st, scoring_write, &o);
}

static const char *review_text(struct store *st, int64_t stage_id, int64_t case_id, const char *key)
{
    static char out[64];
    json_t *r = store_scoring_review(st, stage_id, case_id, 1);
    snprintf(out, sizeof out, "%s", r ? json_string_value(json_object_get(r, key)) : "(none)");
    json_decref(r);
    return out;
}

/* Number the released stages' pools, as a loader that writes them released does. */
static int label_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    return tx_review_label_released(tx);
}

static void test_scoring_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /*
     * Reviewer 1 (home region 440000) has cases 1 and 2 in stage 1 (open
     * to a date), case 1 in stage 2 (past its end, a time) and in stage 3
     * (before its end, a time).  Case 1 comes from unit 2 under unit 1 in
     * 310000, made by user 3 (the unit's submitter), recommended by user 2.
     */
    static const char *const rows[] = {
        "INSERT INTO region (code, name, source) VALUES ('990000', '测试省', '测试推荐单位'), "
        "('440000', '广东省', '') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'review')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
        "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES "
        "(1, NULL, '990000', '某区', 2), (2, 1, '990000', '某街道', 3)",
        "INSERT INTO \"user\" (id, email, name) VALUES (1, 'rev@example.org', '评审'), "
        "(2, 'rec@example.org', '推荐人'), (3, 'sub@example.org', '填报人')",
        "INSERT INTO user_role (user_id, role, unit_id) VALUES (3, 'submitter', 2)",
        "INSERT INTO campaign_role (campaign_id, user_id, role) VALUES (1, 1, 'reviewer')",
        "INSERT INTO reviewer (user_id, region_code) VALUES (1, '440000')",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
        "status, contact_name, contact_phone, contact_email, tags_text, created_by) VALUES "
        "(1, 1, 2, '990000', 1, '案例一', '摘要', 'recommended', '联系人', '13800000000', "
        "'c@example.org', '社区', 3), "
        "(2, 1, 2, '990000', 1, '案例二', '', 'recommended', '', '', '', '', 3)",
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (1, '990000', 5)",
        "INSERT INTO recommendation (case_id, campaign_id, region_code, user_id) VALUES "
        "(1, 1, '990000', 2)",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
        "(1, 1, 1, '初评', 'review', '2020-01-01', '2999-12-31', 'released'), "
        "(2, 1, 2, '复评', 'review', '2020-01-01', '2000-01-01T00:00:00Z', 'released'), "
        "(3, 1, 3, '终评', 'review', '2020-01-01', '2999-01-01T00:00:00Z', 'released')",
        "INSERT INTO criterion (id, stage_id, seq, name, max_score) VALUES "
        "(1, 1, 1, '创新', 10), (2, 1, 2, '成效', 10), (3, 2, 1, '创新', 10)",
        "INSERT INTO assignment (stage_id, case_id, user_id, state) VALUES "
        "(1, 1, 1, 'released'), (1, 2, 1, 'released'), (2, 1, 1, 'released'), "
        "(3, 1, 1, 'released')",
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 2, '第二节'), "
        "(1, 1, '第一节')",
        "INSERT INTO tag (id, name) VALUES (1, 'b社区'), (2, 'a养老')",
        "INSERT INTO case_tag (case_id, tag_id) VALUES (1, 1), (1, 2)",
        "INSERT INTO attachment (case_id, sha256, name, mime, size) VALUES "
        "(1, 'aa', 'a.pdf', 'application/pdf', 100), (1, 'bb', 'b.png', 'image/png', 200)",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    /* The stages were written released: numbered as the release numbers them. */
    assert_int_equal(store_write_sync(st, label_write, NULL), RC_OK);

    /* Labels by the scrambling of (case, stage); open by the day, or by the time. */
    assert_json(store_scoring_assignments(st, 1),
                "[{\"blind\":true,\"case_id\":1,\"ends_at\":\"2999-12-31\",\"label_no\":1,"
                "\"open\":true,\"stage_id\":1,\"stage_name\":\"初评\",\"stage_seq\":1,"
                "\"status\":\"\",\"title\":\"案例一\",\"total\":null},"
                "{\"blind\":true,\"case_id\":2,\"ends_at\":\"2999-12-31\",\"label_no\":2,"
                "\"open\":true,\"stage_id\":1,\"stage_name\":\"初评\",\"stage_seq\":1,"
                "\"status\":\"\",\"title\":\"案例二\",\"total\":null},"
                "{\"blind\":true,\"case_id\":1,\"ends_at\":\"2000-01-01T00:00:00Z\","
                "\"label_no\":1,\"open\":false,\"stage_id\":2,\"stage_name\":\"复评\","
                "\"stage_seq\":2,\"status\":\"\",\"title\":\"案例一\",\"total\":null},"
                "{\"blind\":true,\"case_id\":1,\"ends_at\":\"2999-01-01T00:00:00Z\","
                "\"label_no\":1,\"open\":true,\"stage_id\":3,\"stage_name\":\"终评\","
                "\"stage_seq\":3,\"status\":\"\",\"title\":\"案例一\",\"total\":null}]");
    assert_json(store_scoring_assignments(st, 2), "[]");
    struct store_scoring_ref ref;
    assert_int_equal(store_scoring_find(st, 1, 1, 2, &ref), RC_OK);
    assert_int_equal(ref.stage_id, 1);
    assert_int_equal(ref.case_id, 2);
    assert_true(ref.open && ref.blind && !ref.done);
    assert_string_equal(ref.stage_state, "released");
    assert_int_equal(store_scoring_find(st, 1, 2, 1, &ref), RC_OK);
    assert_true(!ref.open && !ref.done);
    assert_string_equal(ref.ends_at, "2000-01-01T00:00:00Z");
    assert_int_equal(store_scoring_find(st, 1, 1, 3, &ref), RC_NOTFOUND);
    assert_int_equal(store_scoring_find(st, 2, 1, 1, &ref), RC_NOTFOUND);
    /*
     * Labels are numbered once: a case that joins a released stage later
     * (no page adds one from outside the pool) has none and renumbers none,
     * and numbering again adds nothing.
     */
    static const char *const joins[] = {
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
        "status, contact_name, contact_phone, contact_email, tags_text, created_by) VALUES "
        "(3, 1, 2, '990000', 1, '案例三', '', 'recommended', '', '', '', '', 3)",
        "INSERT INTO assignment (stage_id, case_id, user_id, state) VALUES (1, 3, 1, 'released')",
        NULL};
    static const char *const joins_gone[] = {"DELETE FROM assignment WHERE case_id = 3",
                                            "DELETE FROM \"case\" WHERE id = 3", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)joins), RC_OK);
    assert_int_equal(store_write_sync(st, label_write, NULL), RC_OK);
    assert_int_equal(store_scoring_find(st, 1, 1, 2, &ref), RC_OK);
    assert_int_equal(ref.case_id, 2);
    assert_int_equal(store_scoring_find(st, 1, 1, 3, &ref), RC_NOTFOUND);
    json_t *labelled = store_scoring_assignments(st, 1);
    assert_int_equal(json_array_size(labelled), 4);
    json_decref(labelled);
    assert_int_equal(store_write_sync(st, rows_write, (void *)joins_gone), RC_OK);

    /* The reading matter; and, for the redaction alone, who is behind the case. */
    assert_json(store_scoring_case(st, 1),
                "{\"attachments\":[{\"mime\":\"application/pdf\",\"n\":1,\"size\":100},"
                "{\"mime\":\"image/png\",\"n\":2,\"size\":200}],"
                "\"sections\":[{\"body_md\":\"第一节\",\"seq\":1},"
                "{\"body_md\":\"第二节\",\"seq\":2}],\"summary\":\"摘要\","
                "\"tags\":[\"a养老\",\"b社区\"],\"tags_text\":\"社区\",\"title\":\"案例一\","
                "\"track\":\"城市\"}");
    assert_null(store_scoring_case(st, 9));
    assert_json(store_scoring_identity(st, 1),
                "{\"ancestors\":[\"某区\",\"测试省\",\"测试推荐单位\"],"
                "\"contact_email\":\"c@example.org\",\"contact_name\":\"联系人\","
                "\"contact_phone\":\"13800000000\",\"people\":[\"填报人\",\"sub@example.org\","
                "\"推荐人\",\"rec@example.org\",\"填报人\",\"sub@example.org\"],"
                "\"recommender\":\"测试推荐单位\",\"region\":\"测试省\",\"unit\":\"某街道\"}");
    char sha[65], mime[128];
    assert_int_equal(store_scoring_attachment(st, 1, 2, sha, mime), RC_OK);
    assert_string_equal(sha, "bb");
    assert_string_equal(mime, "image/png");
    assert_int_equal(store_scoring_attachment(st, 1, 3, sha, mime), RC_NOTFOUND);
    assert_int_equal(store_scoring_attachment(st, 1, 0, sha, mime), RC_NOTFOUND);

    /* A draft, then submitted: a criterion of another stage is not kept. */
    const int64_t crit[] = {1, 2, 3};
    const double score[] = {7.5, 8, 9};
    struct scoring_op save = {.v = {1, 1, 1, 0, "好 'x' ?1", 3, crit, score, 1, 77.5}};
    assert_null(store_scoring_review(st, 1, 1, 1));
    assert_int_equal(scoring_do(st, save), RC_OK);
    json_t *r = store_scoring_review(st, 1, 1, 1);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "comment")), "好 'x' ?1");
    assert_true(json_real_value(json_object_get(r, "total")) == 77.5);
    assert_int_equal(strlen(json_string_value(json_object_get(r, "updated_at"))), 20);
    assert_json(json_incref(json_object_get(r, "scores")), "{\"1\":7.5,\"2\":8.0}");
    json_decref(r);
    assert_string_equal(review_text(st, 1, 1, "status"), "draft");
    assert_string_equal(review_text(st, 1, 1, "submitted_at"), "");
    save.v.submit = 1;
    save.v.n = 1;
    save.v.has_total = 0;
    assert_int_equal(scoring_do(st, save), RC_OK);
    assert_string_equal(review_text(st, 1, 1, "status"), "submitted");
    assert_int_equal(strlen(review_text(st, 1, 1, "submitted_at")), 20);
    static const char *const first[] = {"UPDATE review SET submitted_at = '2020-06-01T00:00:00Z'",
                                        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)first), RC_OK);
    assert_int_equal(scoring_do(st, save), RC_OK);
    assert_string_equal(review_text(st, 1, 1, "submitted_at"), "2020-06-01T00:00:00Z");
    r = store_scoring_review(st, 1, 1, 1);
    assert_json(json_incref(json_object_get(r, "scores")), "{\"1\":7.5}");
    assert_true(json_is_null(json_object_get(r, "total")));
    json_decref(r);
    json_t *mine = store_scoring_assignments(st, 1);
    assert_json(json_incref(json_object_get(json_array_get(mine, 0), "status")), "\"submitted\"");
    json_decref(mine);

    /* Past the end (a time) closed; before it (a time) open; not assigned gone. */
    struct scoring_op late = {.v = {2, 1, 1, 0, "", 0, NULL, NULL, 0, 0}};
    assert_int_equal(scoring_do(st, late), RC_CLOSED);
    late.v.stage_id = 3;
    assert_int_equal(scoring_do(st, late), RC_OK);
    late.v.user_id = 2;
    assert_int_equal(scoring_do(st, late), RC_GONE);

    /* A conflict: the pair dropped in every stage, its review gone, the case no longer opens. */
    struct scoring_op two = {.v = {1, 2, 1, 0, "草稿", 1, crit, score, 1, 75}};
    assert_int_equal(scoring_do(st, two), RC_OK);
    struct scoring_op conflict = {.conflict = 1, .v = {1, 2, 1}};
    assert_int_equal(scoring_do(st, conflict), RC_OK);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM conflict WHERE case_id = ?1 AND user_id = 1 "
                              "AND source = 'declared' AND reason = '同单位'",
                              2),
                     1);
    assert_int_equal(
        read_int(st, "SELECT count(*) FROM assignment WHERE case_id = ?1 AND state = 'dropped'", 2),
        1);
    assert_int_equal(read_int(st, "SELECT count(*) FROM review WHERE case_id = ?1", 2), 0);
    assert_int_equal(read_int(st, "SELECT count(*) FROM review_score WHERE case_id = ?1", 2), 0);
    assert_int_equal(store_scoring_find(st, 1, 1, 2, &ref), RC_NOTFOUND);
    assert_int_equal(scoring_do(st, conflict), RC_GONE);

    /* A stage closed is read-only for good, conflicts included. */
    static const char *const closed[] = {"UPDATE stage SET state = 'closed' WHERE id = 1", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)closed), RC_OK);
    assert_int_equal(store_scoring_find(st, 1, 1, 1, &ref), RC_OK);
    assert_true(ref.done && !ref.open);
    assert_int_equal(scoring_do(st, save), RC_CLOSED);
    conflict.v.case_id = 1;
    assert_int_equal(scoring_do(st, conflict), RC_CLOSED);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The intake's writes, one op a write. */
struct intake_op {
    enum {
        I_RECOMMEND,
        I_MOVE,
        I_SCREEN,
        I_NOTIFY,
        I_TIMELINE,
        I_RULES,
        I_RENAME,
        I_ADD,
        I_QUOTA
    } op;
    int64_t campaign_id, id;
    const char *a, *b, *c;
    int n;
};

static int intake_write(struct store_tx *tx, void *arg)
{
    const struct intake_op *o = arg;
    switch (o->op) {
    case I_RECOMMEND:
        return tx_intake_recommend(tx, o->campaign_id, o->id, o->a, 2);
    case I_MOVE:
        return tx_intake_move(tx, o->campaign_id, o->id, o->a, o->b, o->c, 1, "理由", NULL);
    case I_SCREEN:
        return tx_intake_screening(tx, o->id, o->a, o->b, o->c, o->n ? "2020-10-10" : NULL, 1);
    case I_NOTIFY:
        return tx_intake_notify(tx, o->id, "主题", "正文");
    case I_TIMELINE:
        return tx_intake_timeline(tx, o->campaign_id, o->a, o->b);
    case I_RULES:
        return tx_intake_rules(tx, o->campaign_id, o->n, 2, "说明");
    case I_RENAME:
        return tx_intake_track_rename(tx, o->campaign_id, o->a, o->b);
    case I_ADD:
        return tx_intake_track_add(tx, o->campaign_id, o->a, o->b);
    case I_QUOTA:
        return tx_intake_quota(tx, o->campaign_id, o->a, o->n);
    }
    return RC_ERROR;
}

static int intake_do(struct store *st, struct intake_op o)
{
    return store_write_sync(st, intake_write, &o);
}

/* The queue's ids for filter f, as "1,2", and the count it matched. */
static int queue_ids(struct store *st, struct intake_queue_filter f, char *out, size_t n)
{
    int matched = -1;
    json_t *a = store_intake_queue(st, 1, &f, &matched);
    assert_non_null(a);
    out[0] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%lld", i ? "," : "",
                 (long long)json_integer_value(json_object_get(v, "id")));
    }
    json_decref(a);
    return matched;
}

/* The entry of code in an array of regions, or NULL. */
static json_t *region_entry(json_t *a, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (strcmp(json_string_value(json_object_get(v, "code")), code) ==
                                    0) return v;
    return NULL;
}

static void test_intake_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /*
     * Cases 1 and 2 submitted on the last day of the call in China Standard
     * Time (23:59) and on the next (00:00); case 3 a draft.  The region may
     * recommend one.
     */
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('990000', '测试省') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status, cases_per_unit) "
        "VALUES (1, 'now', '本届', '2020-05-01', '2020-09-30', 'open', 1)",
        "INSERT INTO track (campaign_id, slug, name) VALUES (1, 'city', '城市')", /* id 1 */
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '990000', '某镇', 3)",
        "INSERT INTO \"user\" (id, email, name) VALUES (1, 'org@example.org', '组织者'), "
        "(2, 'rec@example.org', '推荐人'), (3, 'sub@example.org', '填报人')",
        "INSERT INTO user_role (user_id, role, unit_id) VALUES (3, 'submitter', 1)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
        "submitted_at, contact_name, contact_phone, contact_email) VALUES "
        "(1, 1, 1, '990000', 1, 'Alpha 案例', 'submitted', '2020-09-30T15:59:59Z', '联系人', "
        "'13800000000', ''), "
        "(2, 1, 1, '990000', 1, '案例二', 'submitted', '2020-09-30T16:00:00Z', '联系人', "
        "'13800000000', 'c2@example.org'), "
        "(3, 1, 1, '990000', 1, '草稿', 'draft', NULL, '', '', '')",
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 1, '一二三'), (1, 2, '  '), "
        "(1, 3, '四五')",
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (1, '990000', 1)",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);

    /* The region's cases: the latest first, days in CST, characters counted. */
    json_t *a = store_intake_region_cases(st, 1, "990000");
    assert_int_equal(json_array_size(a), 2);
    json_t *c2 = json_array_get(a, 0), *c1 = json_array_get(a, 1);
    assert_int_equal(json_integer_value(json_object_get(c2, "id")), 2);
    assert_string_equal(json_string_value(json_object_get(c2, "submitted_at")), "2020-10-01");
    assert_string_equal(json_string_value(json_object_get(c1, "submitted_at")), "2020-09-30");
    assert_int_equal(json_integer_value(json_object_get(c1, "chars")), 7);
    assert_true(json_is_false(json_object_get(c1, "recommended")));
    json_decref(a);
    int used = -1, allowed = -1;
    store_intake_quota(st, 1, "990000", &used, &allowed);
    assert_int_equal(used, 0);
    assert_int_equal(allowed, 1);

    /* One case: eligible when in by the deadline's day in CST. */
    json_t *o = store_intake_case(st, 1, 1);
    assert_non_null(o);
    assert_true(json_is_true(json_object_get(o, "eligible")));
    assert_int_equal(json_integer_value(json_object_get(o, "chars")), 7);
    assert_string_equal(json_string_value(json_object_get(o, "region")), "测试省");
    json_decref(o);
    o = store_intake_case(st, 1, 2);
    assert_true(json_is_false(json_object_get(o, "eligible")));
    assert_string_equal(json_string_value(json_object_get(o, "submitted_at")), "2020-10-01");
    json_decref(o);
    assert_null(store_intake_case(st, 2, 1));

    /* The queue: filters, the sections' lengths, in time or not; % is no wildcard. */
    char ids[64];
    struct intake_queue_filter f = {.status = "submitted", .limit = 10};
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 2);
    assert_string_equal(ids, "1,2");
    int matched;
    a = store_intake_queue(st, 1, &f, &matched);
    assert_json(json_incref(json_object_get(json_array_get(a, 0), "sections")), "[3,0,2,0,0]");
    assert_true(json_is_true(json_object_get(json_array_get(a, 0), "in_time")));
    assert_true(json_is_true(json_object_get(json_array_get(a, 0), "eligible")));
    assert_true(json_is_false(json_object_get(json_array_get(a, 1), "in_time")));
    assert_true(json_is_true(json_object_get(json_array_get(a, 1), "track_ok")));
    json_decref(a);
    f.q = "ALPHA";
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 1);
    assert_string_equal(ids, "1");
    f.q = "镇";
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 2);
    f.q = "%";
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 0);
    f.q = "zzz";
    f.q_id = 2;
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 1);
    assert_string_equal(ids, "2");
    f = (struct intake_queue_filter){.status = "submitted", .region = "110000", .limit = 10};
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 0);
    f = (struct intake_queue_filter){.status = "submitted", .limit = 1, .offset = 1};
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 2);
    assert_string_equal(ids, "2");

    /* Recommended within the quota; past it nothing changes. */
    struct intake_op rec = {.op = I_RECOMMEND, .campaign_id = 1, .id = 1, .a = "990000"};
    assert_int_equal(intake_do(st, rec), RC_OK);
    assert_int_equal(intake_do(st, rec), RC_STALE);
    rec.id = 2;
    assert_int_equal(intake_do(st, rec), RC_QUOTA);
    assert_int_equal(
        read_int(st, "SELECT count(*) FROM \"case\" WHERE id = ?1 AND status = 'submitted'", 2), 1);
    assert_int_equal(read_int(st, "SELECT count(*) FROM recommendation WHERE user_id = ?1", 2), 1);
    struct intake_op move = {
        .op = I_MOVE, .campaign_id = 1, .id = 2, .a = "110000", .b = "submitted", .c = "returned"};
    assert_int_equal(intake_do(st, move), RC_STALE);
    f = (struct intake_queue_filter){.limit = 10};
    assert_int_equal(queue_ids(st, f, ids, sizeof ids), 1);
    assert_string_equal(ids, "1");

    /* Screening: the second decision replaces the first. */
    assert_int_equal(
        intake_do(st,
                  (struct intake_op){.op = I_SCREEN, .id = 1, .a = "passed", .b = "{\"a\":true}"}),
        RC_OK);
    assert_int_equal(intake_do(st, (struct intake_op){.op = I_SCREEN,
                                                      .id = 1,
                                                      .a = "returned",
                                                      .b = "{\"a\":false}",
                                                      .c = "缺材料",
                                                      .n = 1}),
                     RC_OK);
    o = store_intake_case(st, 1, 1);
    json_t *sc = json_object_get(o, "screening");
    assert_string_equal(json_string_value(json_object_get(sc, "decision")), "returned");
    assert_string_equal(json_string_value(json_object_get(sc, "reason")), "缺材料");
    assert_string_equal(json_string_value(json_object_get(sc, "due")), "2020-10-10");
    assert_string_equal(json_string_value(json_object_get(sc, "user")), "组织者");
    assert_int_equal(strlen(json_string_value(json_object_get(sc, "at"))), 16);
    assert_json(json_incref(json_object_get(sc, "checklist")), "{\"a\":false}");
    json_t *ev = json_object_get(o, "events");
    assert_int_equal(json_array_size(ev), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "user")),
                        "推荐人");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "to")),
                        "recommended");
    json_decref(o);

    /* The activity, the latest first, in CST to the minute. */
    static const char *const late[] = {
        "INSERT INTO case_event (case_id, at, to_status) VALUES (3, '2020-02-04T18:30:00Z', "
        "'draft')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)late), RC_OK);
    a = store_intake_activity(st, 1, 1);
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "at")),
                        "2020-02-05 02:30");
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "user")), "");
    json_decref(a);

    /* Notices: to the contact when it is an address, else to the unit's submitters. */
    assert_int_equal(intake_do(st, (struct intake_op){.op = I_NOTIFY, .id = 1}), RC_OK);
    assert_int_equal(intake_do(st, (struct intake_op){.op = I_NOTIFY, .id = 2}), RC_OK);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM outbox WHERE id > ?1 AND to_addr IN "
                              "('sub@example.org', 'c2@example.org')",
                              0),
                     2);

    /* The counts, and the settings. */
    o = store_intake_dashboard(st, 1);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 3);
    assert_json(json_incref(json_object_get(o, "statuses")),
                "{\"draft\":1,\"recommended\":1,\"submitted\":1}");
    json_t *g = region_entry(json_object_get(o, "regions"), "990000");
    assert_non_null(g);
    assert_int_equal(json_integer_value(json_object_get(g, "submitted")), 2);
    assert_int_equal(json_integer_value(json_object_get(g, "recommended")), 1);
    assert_true(json_is_true(json_object_get(g, "full")));
    json_decref(o);
    assert_int_equal(
        intake_do(st, (struct intake_op){.op = I_QUOTA, .campaign_id = 1, .a = "990000", .n = 3}),
        RC_OK);
    a = store_intake_quotas(st, 1);
    assert_int_equal(json_integer_value(json_object_get(region_entry(a, "990000"), "quota")), 3);
    json_decref(a);
    struct intake_op tl = {
        .op = I_TIMELINE, .campaign_id = 1, .a = "2020-05-02", .b = "2020-10-01"};
    assert_int_equal(intake_do(st, tl), RC_OK);
    o = store_intake_case(st, 1, 2);
    assert_true(json_is_true(json_object_get(o, "eligible")));
    json_decref(o);
    tl.campaign_id = 9;
    assert_int_equal(intake_do(st, tl), RC_STALE);
    assert_int_equal(intake_do(st, (struct intake_op){.op = I_RULES, .campaign_id = 1, .n = 2}),
                     RC_OK);
    assert_int_equal(read_int(st, "SELECT cases_per_unit FROM campaign WHERE id = ?1", 1), 2);
    assert_int_equal(intake_do(st, (struct intake_op){.op = I_RULES, .campaign_id = 9, .n = 2}),
                     RC_STALE);
    assert_int_equal(
        intake_do(st,
                  (struct intake_op){.op = I_RENAME, .campaign_id = 1, .a = "city", .b = "城镇"}),
        RC_OK);
    assert_int_equal(
        intake_do(st, (struct intake_op){.op = I_RENAME, .campaign_id = 1, .a = "nope", .b = "无"}),
        RC_NOTFOUND);
    struct intake_op add = {.op = I_ADD, .campaign_id = 1, .a = "village", .b = "乡村"};
    assert_int_equal(intake_do(st, add), RC_OK);
    assert_int_equal(intake_do(st, add), RC_ERROR);
    assert_int_equal(read_int(st, "SELECT count(*) FROM track WHERE campaign_id = ?1", 1), 2);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/*
 * The audit chain's first rows as 010_audit.sql keeps them, their hashes
 * reckoned apart from Laurel (bench/audit_verify.py's row_hash and
 * merkle_root): two actions and the batch of votes 1..3.  A store that
 * hashed a row otherwise would find this chain broken.
 */
static const char *const audit_fixture[] = {
    "INSERT INTO region (code, name) VALUES ('310000', '上海市') ON CONFLICT DO NOTHING",
    "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
    "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30', 'review')",
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', '某街道', 3)",
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) VALUES "
    "(1, 1, 1, '310000', 1, '案例一', 'review'), (2, 1, 1, '310000', 1, '案例二', 'review')",
    "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
    "(1, 1, 1, '网络投票', 'ballot', '2019-11-01', '2019-11-02', 'released')",
    "INSERT INTO voter (id, hmac, kind, masked) VALUES (1, 'h1', 'phone', '138****8000'), "
    "(2, 'h2', 'email', 'a***@example.org')",
    "INSERT INTO vote (id, stage_id, case_id, voter_id, ord, day, net, ua_hash) VALUES "
    "(1, 1, 1, 1, 1, '2019-11-01', '10.0.0.0/24', 'ua1'), "
    "(2, 1, 1, 2, 1, '2019-11-01', '10.0.1.0/24', 'ua2'), "
    "(3, 1, 2, 1, 1, '2019-11-02', '10.0.0.0/24', 'ua1')",
    "INSERT INTO audit (id, at, who, what, object, case_id, digest, prev, hash) VALUES "
    "(1, 1580774400, 0, 'publish', '/c/1', 1, "
    "'abababababababababababababababababababababababababababababababab', "
    "'0000000000000000000000000000000000000000000000000000000000000000', "
    "'0fff7a8ea39e207f03d8c2e529984d51eee72f5431ddaa32609f34e851c7ac93'), "
    "(2, 1580774460, 1, 'POST /organiser/x', '', NULL, "
    "'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', "
    "'0fff7a8ea39e207f03d8c2e529984d51eee72f5431ddaa32609f34e851c7ac93', "
    "'fa1dd31d34f8239997f2869a84050ce9124207b98db17b3c7d53f148ad41f8e0')",
    "INSERT INTO audit (id, at, who, what, object, digest, vote_first, vote_last, vote_count, "
    "prev, hash) VALUES (3, 1580774520, 0, 'votes', '', "
    "'2cc5cbe3434a6b3a985118e12405e45bcc91c14fc1618ae446aa9608decc6883', 1, 3, 3, "
    "'fa1dd31d34f8239997f2869a84050ce9124207b98db17b3c7d53f148ad41f8e0', "
    "'d26c0649f2a56f293bf6436bdc3432fed0918116e21d24d8b8479095bc34cb45')",
    NULL};

static int audit_append_write(struct store_tx *tx, void *arg)
{
    return tx_audit_append(tx, arg);
}

/* The rows (a NULL-ended list) written, then the votes not yet sealed sealed. */
static int audit_seal_write(struct store_tx *tx, void *arg)
{
    int rc = rows_write(tx, arg);
    return rc == RC_OK ? tx_audit_seal_votes(tx) : rc;
}

static void test_audit_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(add_user(st, "audit@example.org", "hash"), 1);
    assert_int_equal(store_write_sync(st, rows_write, (void *)audit_fixture), RC_OK);

    /* The rows hashed apart verify, and the head is the last one's hash. */
    char head[MERKLE_HEX];
    int64_t n = 0;
    assert_int_equal(store_audit_head(st, head, &n), RC_OK);
    assert_int_equal(n, 3);
    assert_string_equal(head, "d26c0649f2a56f293bf6436bdc3432fed0918116e21d24d8b8479095bc34cb45");
    struct audit_report r;
    assert_int_equal(store_audit_verify(st, &r), RC_OK);
    assert_int_equal(r.rows, 3);
    assert_int_equal(r.vote_rows, 1);
    assert_int_equal(r.votes, 3);
    assert_string_equal(r.head, head);

    /* Actions appended; 4,100 votes sealed in two rows (4,096 a row at most). */
    struct audit_entry e = {.who = 1, .what = "POST /organiser/x", .object = "/o/2", .case_id = 2};
    memset(e.digest, 'e', MERKLE_HEX - 1);
    e.digest[MERKLE_HEX - 1] = 0;
    assert_int_equal(store_write_sync(st, audit_append_write, &e), RC_OK);
    e = (struct audit_entry){.what = "publish", .object = NULL, .case_id = 1};
    memcpy(e.digest, head, MERKLE_HEX);
    assert_int_equal(store_write_sync(st, audit_append_write, &e), RC_OK);
    static const char *const many[] = {
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4100) "
        "INSERT INTO vote (id, stage_id, case_id, voter_id, ord, day, net, ua_hash) "
        "SELECT 3 + i, 1, 1 + i % 2, 2, 2 + i / 2, '2019-11-02', '10.0.2.0/24', 'ua2' FROM n",
        NULL};
    assert_int_equal(store_write_sync(st, audit_seal_write, (void *)many), RC_OK);
    assert_int_equal(store_write_sync(st, audit_seal_write, (void *)(const char *[]){NULL}), RC_OK);
    assert_int_equal(store_audit_verify(st, &r), RC_OK);
    assert_int_equal(r.rows, 7);
    assert_int_equal(r.vote_rows, 3);
    assert_int_equal(r.votes, 4103);
    assert_int_equal(store_audit_head(st, head, &n), RC_OK);
    assert_int_equal(n, 7);
    assert_string_equal(head, r.head);

    /* The log, newest first, by pages and filters. */
    json_t *l = store_audit_list(st, &(struct audit_filter){.limit = 3});
    assert_non_null(l);
    assert_int_equal(json_integer_value(json_object_get(l, "total")), 7);
    assert_int_equal(json_integer_value(json_object_get(l, "next_before")), 5);
    json_t *rows = json_object_get(l, "rows");
    assert_int_equal(json_array_size(rows), 3);
    json_t *row = json_array_get(rows, 0);
    assert_int_equal(json_integer_value(json_object_get(row, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(row, "what")), "votes");
    assert_int_equal(json_integer_value(json_object_get(row, "votes")), 4);
    assert_true(json_is_null(json_object_get(row, "case_id")));
    assert_string_equal(json_string_value(json_object_get(row, "hash")), head);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 1), "votes")), 4096);
    row = json_array_get(rows, 2);
    assert_string_equal(json_string_value(json_object_get(row, "object")), "");
    assert_int_equal(json_integer_value(json_object_get(row, "case_id")), 1);
    assert_null(json_object_get(row, "votes"));
    json_decref(l);
    l = store_audit_list(st, &(struct audit_filter){.before = 5, .limit = 10});
    rows = json_object_get(l, "rows");
    assert_int_equal(json_array_size(rows), 4);
    assert_null(json_object_get(l, "next_before"));
    row = json_array_get(rows, 2);
    assert_int_equal(json_integer_value(json_object_get(row, "who")), 1);
    assert_string_equal(json_string_value(json_object_get(row, "who_email")), "audit@example.org");
    assert_string_equal(json_string_value(json_object_get(row, "at")), "2020-02-04 08:01:00");
    row = json_array_get(rows, 3);
    assert_string_equal(json_string_value(json_object_get(row, "at")), "2020-02-04 08:00:00");
    assert_string_equal(json_string_value(json_object_get(row, "object")), "/c/1");
    assert_string_equal(json_string_value(json_object_get(row, "who_name")), "");
    assert_string_equal(json_string_value(json_object_get(row, "hash")),
                        "0fff7a8ea39e207f03d8c2e529984d51eee72f5431ddaa32609f34e851c7ac93");
    json_decref(l);
    static const struct {
        struct audit_filter f;
        int64_t total, first;
    } filters[] = {{{.what = "votes", .limit = 10}, 3, 7},
                   {{.case_id = 1, .limit = 10}, 2, 5},
                   {{.who = 1, .limit = 10}, 2, 4},
                   {{.who = 1, .what = "publish", .limit = 10}, 0, 0}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        l = store_audit_list(st, &filters[i].f);
        rows = json_object_get(l, "rows");
        assert_int_equal(json_integer_value(json_object_get(l, "total")), filters[i].total);
        assert_int_equal(json_array_size(rows), filters[i].total);
        if (filters[i].first)
            assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "id")),
                             filters[i].first);
        json_decref(l);
    }
    json_t *facets = store_audit_facets(st);
    json_t *whats = json_object_get(facets, "whats"), *whos = json_object_get(facets, "whos");
    assert_int_equal(json_array_size(whats), 3);
    static const char *const what_of[] = {"POST /organiser/x", "publish", "votes"};
    static const int64_t rows_of[] = {2, 2, 3};
    for (size_t i = 0; i < 3; i++) {
        json_t *w = json_array_get(whats, i);
        assert_string_equal(json_string_value(json_object_get(w, "what")), what_of[i]);
        assert_int_equal(json_integer_value(json_object_get(w, "rows")), rows_of[i]);
    }
    assert_int_equal(json_array_size(whos), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(whos, 0), "who")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(whos, 0), "email")),
                        "audit@example.org");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(whos, 0), "rows")), 2);
    json_decref(facets);

    /* A vote not sealed is in no batch (SQLite's writer seals every batch's votes itself). */
    static const char *const late[] = {
        "INSERT INTO vote (id, stage_id, case_id, voter_id, ord, day, net, ua_hash) VALUES "
        "(4104, 1, 2, 2, 1, '2019-11-02', '10.0.3.0/24', 'ua2')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)late), RC_OK);
    if (fx->kind == DB_PG) {
        assert_int_equal(store_audit_verify(st, &r), RC_INVALID);
        assert_int_equal(r.broken_id, 8);
        assert_non_null(strstr(r.why, "1 votes after the last sealed batch"));
        assert_int_equal(store_write_sync(st, audit_seal_write, (void *)(const char *[]){NULL}),
                         RC_OK);
    }
    assert_int_equal(store_audit_verify(st, &r), RC_OK);
    assert_int_equal(r.rows, 8);
    assert_int_equal(r.votes, 4104);

    /* A row is neither changed nor deleted: the database refuses, the chain stays whole. */
    static const char *const change[] = {"UPDATE audit SET what = 'x' WHERE id = 1", NULL};
    static const char *const drop[] = {"DELETE FROM audit WHERE id = 8", NULL};
    static const char *const restate[] = {"UPDATE statement SET head = ''", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)change), RC_ERROR);
    assert_int_equal(store_write_sync(st, rows_write, (void *)drop), RC_ERROR);
    static const char *const issued[] = {
        "INSERT INTO statement (id, campaign_id, issued_at, head, body) VALUES "
        "(1, 1, '2020-02-04T08:00:00Z', 'h', 'b')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)issued), RC_OK);
    assert_int_equal(store_write_sync(st, rows_write, (void *)restate), RC_ERROR);
    if (fx->kind == DB_PG) {
        static const char *const empty[] = {"TRUNCATE audit", NULL};
        assert_int_equal(store_write_sync(st, rows_write, (void *)empty), RC_ERROR);
    }
    assert_int_equal(store_audit_verify(st, &r), RC_OK);
    assert_int_equal(r.rows, 8);

    /* Behind the database's back (its triggers off), a change is found where it was made. */
    static const char *const off[DB_KIND__MAX][2] = {
        [DB_SQLITE] = {"DROP TRIGGER audit_no_update", NULL},
        [DB_PG] = {"ALTER TABLE audit DISABLE TRIGGER audit_no_update", NULL}};
    assert_int_equal(store_write_sync(st, rows_write, (void *)off[fx->kind]), RC_OK);
    static const char *const vote_changed[] = {
        "UPDATE vote SET net = '10.9.9.0/24' WHERE id = 4000", NULL};
    static const char *const vote_back[] = {
        "UPDATE vote SET net = '10.0.2.0/24' WHERE id = 4000", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)vote_changed), RC_OK);
    assert_int_equal(store_audit_verify(st, &r), RC_INVALID);
    assert_int_equal(r.broken_id, 6);
    assert_non_null(strstr(r.why, "Merkle root differs"));
    assert_int_equal(store_write_sync(st, rows_write, (void *)vote_back), RC_OK);
    assert_int_equal(store_audit_verify(st, &r), RC_OK);
    static const char *const row_changed[] = {"UPDATE audit SET object = '/o/3' WHERE id = 4",
                                              NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)row_changed), RC_OK);
    assert_int_equal(store_audit_verify(st, &r), RC_INVALID);
    assert_int_equal(r.broken_id, 4);
    assert_non_null(strstr(r.why, "does not match its hash"));
    static const char *const relinked[] = {
        "UPDATE audit SET prev = hash WHERE id = 2", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)relinked), RC_OK);
    assert_int_equal(store_audit_verify(st, &r), RC_INVALID);
    assert_int_equal(r.broken_id, 2);
    assert_non_null(strstr(r.why, "link to the previous row"));
    assert_int_equal(fault_take(), FAULT_NONE);
}


/* The public vote's writes, one a write: a setting, a code, a verification or a vote. */
struct votes_op {
    const struct vote_setting *setting;
    const struct vote_code_req *code;
    struct vote_verify *verify;
    struct vote_cast *cast;
};

static int votes_write(struct store_tx *tx, void *arg)
{
    struct votes_op *o = arg;
    if (o->setting)
        return tx_vote_setting_put(tx, o->setting);
    if (o->code)
        return tx_vote_code(tx, o->code);
    if (o->verify)
        return tx_vote_verify(tx, o->verify);
    return tx_vote_cast(tx, o->cast);
}

static int votes_do(struct store *st, struct votes_op o)
{
    return store_write_sync(st, votes_write, &o);
}

/* A vote of voter for case c of stage 1 from network net: its result, *total the case's count. */
static int cast(struct store *st, int64_t voter, int64_t c, const char *net, int64_t *total)
{
    struct vote_cast v = {.stage_id = 1, .case_id = c, .voter_id = voter, .net = net,
                          .ua_hash = "ua"};
    int rc = votes_do(st, (struct votes_op){.cast = &v});
    if (total)
        *total = v.votes;
    return rc;
}

static void test_votes_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /* Stage 1, an exhibition of cases 1..3, open for years; stage 2 closed long ago. */
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('310000', '上海市'), ('440000', '广东省') "
        "ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'review')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市'), "
        "(2, 1, 'town', '乡镇')",
        "INSERT INTO unit (id, region_code, name, level) VALUES (1, '440000', '某镇', 3), "
        "(2, '310000', '某街道', 3)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
        "status) VALUES (1, 1, 1, '440000', 2, '一', '概要', 'review'), "
        "(2, 1, 2, '310000', 1, '二 ''x'' ?1', '', 'review'), "
        "(3, 1, 2, '310000', 1, '三', '', 'review'), (4, 1, 2, '310000', 1, '四', '', 'review')",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
        "(1, 1, 1, '网上展示', 'exhibition', '2020-10-01', '2999-10-15', 'released'), "
        "(2, 1, 2, '旧展示', 'exhibition', '2000-01-01', '2000-01-02', 'closed')",
        "INSERT INTO stage_case (stage_id, case_id) VALUES (1, 1), (1, 2), (1, 3), (2, 1)",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);

    /* Settings: defaults until set, then read back whole. */
    char name[64], kind[16];
    struct vote_setting set;
    int has = -1;
    assert_int_equal(store_vote_setting(st, 9, name, sizeof name, kind, sizeof kind, &set, &has),
                     RC_NOTFOUND);
    assert_int_equal(store_vote_setting(st, 1, name, sizeof name, kind, sizeof kind, &set, &has),
                     RC_OK);
    assert_int_equal(has, 0);
    assert_string_equal(name, "网上展示");
    assert_int_equal(set.per_day, 10);
    struct vote_setting open = {.stage_id = 1, .opens_on = "2000-01-01",
                                .closes_on = "2999-12-31", .verify = "phone", .per_case = 1,
                                .per_day = 2, .per_net = 3, .live = 1,
                                .flags = FRAUD_LIMITS_DEFAULT};
    open.flags.burst_factor = 2.5;
    struct vote_setting closed = open;
    closed.stage_id = 2;
    snprintf(closed.closes_on, sizeof closed.closes_on, "2000-01-02");
    assert_int_equal(votes_do(st, (struct votes_op){.setting = &open}), RC_OK);
    assert_int_equal(votes_do(st, (struct votes_op){.setting = &closed}), RC_OK);
    open.per_day = 3; /* an upsert: the second put wins */
    assert_int_equal(votes_do(st, (struct votes_op){.setting = &open}), RC_OK);
    assert_int_equal(store_vote_setting(st, 1, name, sizeof name, kind, sizeof kind, &set, &has),
                     RC_OK);
    assert_int_equal(has, 1);
    assert_string_equal(kind, "exhibition");
    assert_string_equal(set.closes_on, "2999-12-31");
    assert_string_equal(set.verify, "phone");
    assert_int_equal(set.per_day, 3);
    assert_int_equal(set.per_net, 3);
    assert_true(set.flags.burst_factor == 2.5);
    unsigned char secret[VOTER_SECRET_BYTES], again[VOTER_SECRET_BYTES];
    assert_int_equal(store_vote_secret(st, secret), 0);
    assert_int_equal(store_vote_secret(st, again), 0);
    assert_memory_equal(secret, again, sizeof secret);

    /* A code: to a phone only (the stage's verification), then throttled. */
    struct vote_code_req code = {.stage_id = 1, .kind = VOTER_EMAIL, .contact = "a@example.org",
                                 .masked = "a***@example.org", .hmac = "h-a", .code_hash = "c-a",
                                 .net = "10.0.0.0/24", .subject = "验证码", .body = "123456"};
    assert_int_equal(votes_do(st, (struct votes_op){.code = &code}), RC_STATE);
    code.kind = VOTER_PHONE;
    code.contact = "13800138000";
    code.masked = "138****8000";
    code.block = "b-1380013";
    code.tail = 8000;
    assert_int_equal(votes_do(st, (struct votes_op){.code = &code}), RC_OK);
    assert_int_equal(votes_do(st, (struct votes_op){.code = &code}), RC_QUOTA);
    code.stage_id = 2;
    assert_int_equal(votes_do(st, (struct votes_op){.code = &code}), RC_CLOSED);
    assert_int_equal(read_int(st, "SELECT count(*) FROM outbox WHERE id > ?1 AND "
                                  "to_addr = 'sms:13800138000' AND to_mask = '138****8000'",
                              0),
                     1);
    assert_int_equal(
        read_int(st, "SELECT count(*) FROM vote_code WHERE stage_id = ?1 AND tail = 8000", 1), 1);

    /* Verification: a wrong code spends a try; the right one makes the voter and a token. */
    char hex[VOTER_HEX];
    memset(hex, 'f', sizeof hex - 1);
    hex[sizeof hex - 1] = '\0';
    struct vote_verify ver = {.stage_id = 1, .kind = VOTER_PHONE, .hmac = "h-a",
                              .masked = "138****8000", .code_hash = hex, .token_hash = "tok-a"};
    assert_int_equal(votes_do(st, (struct votes_op){.verify = &ver}), RC_OK);
    assert_int_equal(ver.outcome, RC_INVALID);
    assert_int_equal(read_int(st, "SELECT attempts FROM vote_code WHERE stage_id = ?1", 1), 1);
    memset(hex, 'c', sizeof hex - 1);
    ver.code_hash = hex;
    /* The stored hash is "c-a", not a whole hex digest: refused as wrong, whatever its length. */
    assert_int_equal(votes_do(st, (struct votes_op){.verify = &ver}), RC_OK);
    assert_int_equal(ver.outcome, RC_INVALID);
    static const char *const fix[] = {"UPDATE vote_code SET code_hash = "
                                      "'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'",
                                      NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)fix), RC_OK);
    assert_int_equal(votes_do(st, (struct votes_op){.verify = &ver}), RC_OK);
    assert_int_equal(ver.outcome, RC_OK);
    int64_t a = ver.voter_id;
    assert_true(a > 0);
    assert_int_equal(votes_do(st, (struct votes_op){.verify = &ver}), RC_OK);
    assert_int_equal(ver.outcome, RC_NOTFOUND); /* the code is used */
    int64_t stage = 0, voter = 0;
    assert_int_equal(store_vote_token(st, "tok-a", &stage, &voter), RC_OK);
    assert_int_equal(stage, 1);
    assert_int_equal(voter, a);
    assert_int_equal(store_vote_token(st, "tok-x", &stage, &voter), RC_NOTFOUND);

    /* Votes: every limit, in the write. */
    int64_t total = 0;
    assert_int_equal(cast(st, a, 1, "10.0.0.0/24", &total), RC_OK);
    assert_int_equal(total, 1);
    assert_int_equal(cast(st, a, 1, "10.0.0.0/24", NULL), RC_EXISTS);
    assert_int_equal(cast(st, a, 4, "10.0.0.0/24", NULL), RC_NOTFOUND); /* not in the stage */
    assert_int_equal(cast(st, a, 2, "10.0.0.0/24", &total), RC_OK);
    assert_int_equal(store_vote_remaining(st, 1, a), 1);
    assert_int_equal(cast(st, a, 3, "10.0.0.0/24", NULL), RC_OK);
    assert_int_equal(store_vote_remaining(st, 1, a), 0);
    struct vote_cast over = {.stage_id = 1, .case_id = 3, .voter_id = a + 1, .net = "10.0.0.0/24",
                             .ua_hash = "ua"};
    static const char *const second[] = {
        "INSERT INTO voter (id, hmac, kind, masked) VALUES (90, 'h-b', 'phone', '139****0000')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)second), RC_OK);
    over.voter_id = 90;
    assert_int_equal(votes_do(st, (struct votes_op){.cast = &over}), RC_QUOTA);
    assert_string_equal(over.limit, "net"); /* three votes from the prefix today */
    assert_int_equal(cast(st, 90, 3, "10.0.1.0/24", &total), RC_OK);
    assert_int_equal(total, 2);
    assert_int_equal(cast(st, 90, 1, "10.0.1.0/24", NULL), RC_OK);
    assert_int_equal(cast(st, 90, 2, "10.0.1.0/24", NULL), RC_OK);
    over.net = "10.0.2.0/24";
    over.case_id = 1;
    assert_int_equal(votes_do(st, (struct votes_op){.cast = &over}), RC_EXISTS);
    struct vote_cast late = {.stage_id = 2, .case_id = 1, .voter_id = 90, .net = "10.0.3.0/24",
                             .ua_hash = "ua"};
    assert_int_equal(votes_do(st, (struct votes_op){.cast = &late}), RC_CLOSED);
    assert_int_equal(read_int(st, "SELECT count(*) FROM vote WHERE stage_id = ?1", 1), 6);
    assert_int_equal(read_int(st, "SELECT votes FROM vote_total WHERE stage_id = 1 AND case_id = ?1",
                              3),
                     2);
    assert_int_equal(
        read_int(st, "SELECT count(*) FROM vote WHERE stage_id = 1 AND at LIKE '____-__-__T__:__:__.___Z' "
                     "AND ord = ?1",
                 1),
        6);

    /* What the pages read. */
    struct vote_case vc;
    assert_int_equal(store_vote_case(st, 3, a, &vc), RC_OK);
    assert_int_equal(vc.stage_id, 1);
    assert_string_equal(vc.stage_name, "网上展示");
    assert_int_equal(vc.open, 1);
    assert_int_equal(vc.votes, 2);
    assert_int_equal(vc.mine, 1);
    assert_int_equal(store_vote_case(st, 1, 0, &vc), RC_OK);
    assert_int_equal(vc.stage_id, 1); /* the stage open today before the closed one */
    assert_int_equal(vc.mine, 0);
    assert_int_equal(store_vote_case(st, 4, a, &vc), RC_NOTFOUND);
    json_t *o = store_vote_summary(st, 1);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "votes")), 6);
    assert_int_equal(json_integer_value(json_object_get(o, "voters")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "cases")), 3);
    json_decref(o);
    o = store_votes_open(st);
    assert_int_equal(json_array_size(o), 1);
    assert_int_equal(jint_at(o, 0, "id"), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(o, 0), "cases")), 3);
    json_decref(o);
    o = store_vote_exhibit(st, 1, NULL, NULL);
    assert_int_equal(json_array_size(o), 3);
    assert_int_equal(jint_at(o, 0, "votes"), 2); /* 2, 2, 2: by id */
    assert_int_equal(jint_at(o, 0, "id"), 1);
    assert_int_equal(json_is_false(json_object_get(json_array_get(o, 0), "published")), 1);
    json_decref(o);
    o = store_vote_exhibit(st, 1, "310000", "city");
    assert_int_equal(json_array_size(o), 2);
    assert_int_equal(jint_at(o, 1, "id"), 3);
    json_decref(o);
    o = store_vote_exhibit(st, 1, "440000", "city");
    assert_int_equal(json_array_size(o), 0);
    json_decref(o);
    o = store_vote_card(st, 2);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "title")), "二 'x' ?1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "region"), "name")), "上海市");
    json_decref(o);
    assert_null(store_vote_card(st, 99));
    assert_int_equal(fault_take(), FAULT_NONE);
}

static const struct CMUnitTest driver_tests[] = {
    cmocka_unit_test_setup(test_types, table_setup),
    cmocka_unit_test_setup(test_placeholders, table_setup),
    cmocka_unit_test_setup(test_rows_and_reset, table_setup),
    cmocka_unit_test_setup(test_upsert_and_unique, table_setup),
    cmocka_unit_test_setup(test_bad_sql, table_setup),
    cmocka_unit_test_setup(test_transactions, table_setup),
    cmocka_unit_test_setup(test_busy, table_setup),
    cmocka_unit_test_setup(test_types_change, table_setup),
    cmocka_unit_test(test_err_maps),
    cmocka_unit_test_setup(test_skip_locked, table_setup),
    cmocka_unit_test_setup(test_run_id, table_setup),
};

static const struct CMUnitTest sqlite_fault_tests[] = {
    cmocka_unit_test(test_fault_corrupt),
};

static const struct CMUnitTest pg_fault_tests[] = {
    cmocka_unit_test(test_fault_lost),
};

/* The public campaign taken afresh and its read tables rebuilt, as after a publication. */
static int public_reload_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    return tx_public_reload(tx);
}

/* Case *arg withdrawn from the public campaign (1) and its read tables rebuilt. */
static int public_withdraw_write(struct store_tx *tx, void *arg)
{
    struct db_stmt *s = tx_stmt(tx, "UPDATE \"case\" SET published_at = NULL WHERE id = ?1");
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, *(const int64_t *)arg);
    int rc = db_run(s);
    return rc != RC_OK ? rc : tx_public_refresh(tx, 1);
}

/* The ids of the list page of filter f, as "4,2"; its total. */
static int64_t list_page(struct store *st, struct store_filter f, char *out, size_t n)
{
    json_t *o = store_cases(st, &f), *items = json_object_get(o, "items");
    assert_non_null(o);
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        used += (size_t)snprintf(
            out + used, n - used, i ? ",%lld" : "%lld",
            (long long)json_integer_value(json_object_get(json_array_get(items, i), "id")));
    int64_t total = json_integer_value(json_object_get(o, "total"));
    json_decref(o);
    return total;
}

/* The ids of a list's page (filters region, tier, track, tag; per page 2), as "4,2"; its total. */
static int64_t public_page(struct store *st, const char *region, const char *tier,
                           const char *track, const char *tag, int page, char *out, size_t n)
{
    return list_page(st, (struct store_filter){region, tier, track, tag, NULL, 0, page, 2}, out, n);
}

/* The public site's fixture: one published campaign, four published cases and a draft. */
static const char *const public_rows[] = {
    "INSERT INTO region (code, name, source) VALUES ('990000', '测试省', '测试推荐单位'), "
    "('980000', '另一省', '') ON CONFLICT DO NOTHING",
    "INSERT INTO campaign (id, slug, name, opens_at, closes_at, published_at, status) VALUES "
    "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30', '2019-12-30', 'published')",
    "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
    "(1, 1, '展示', 'exhibition', '2019-10-01', '2019-10-31')",
    "INSERT INTO tier (id, campaign_id, slug, name, quota, rank) VALUES "
    "(1, 1, 'best', '最佳案例', 10, 1), (2, 1, 'good', '优秀案例', 20, 2)",
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市'), "
    "(2, 1, 'village', '乡村')",
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '990000', '甲街道', 3), "
    "(2, '980000', '乙镇', 3)",
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, tier_id, title, "
    "status, published_at, views) VALUES "
    "(1, 1, 1, '990000', 1, 1, 'Alpha', 'published', '2019-12-01', 5), "
    "(2, 1, 1, '990000', 2, 2, 'Bravo', 'published', '2019-12-02', 50), "
    "(3, 1, 2, '980000', 1, NULL, 'Charlie', 'published', '2019-12-03', 7), "
    "(4, 1, 1, '990000', 1, NULL, 'Delta', 'published', '2019-12-04', 1), "
    "(5, 1, 2, '980000', 2, NULL, 'Echo', 'submitted', NULL, 0)",
    "INSERT INTO tag (id, name) VALUES (1, '党建'), (2, '物业'), (3, '社区')",
    "INSERT INTO case_tag (case_id, tag_id) VALUES (1, 1), (1, 3), (2, 1), (3, 1), (4, 2), "
    "(5, 1)",
    "INSERT INTO case_section (case_id, seq, body_md, body_html) VALUES "
    "(1, 1, '# 一', '<h1>一</h1>'), (1, 2, '二', NULL)",
    "INSERT INTO attachment (case_id, sha256, name, mime, size) VALUES "
    "(1, 'ab12', 'a.pdf', 'application/pdf', 123)",
    NULL};

/*
 * The public site's reads: a published campaign of four published cases
 * (two awarded) and one not published, in two regions, two tracks and
 * three tags.  A case page's model (its tags, sections as HTML or
 * Markdown, attachments, related cases by tags shared then track,
 * neighbours), a list with a filter and its next page, each filter alone
 * and one naming nothing, a region's counts and awards, the results, the
 * tags, the figures, the sitemap; then a case withdrawn leaves the lists
 * and the counts.  (Most viewed first and several filters: test_pub_views_store;
 * search: test_search_store.)
 */
static void test_public_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, rows_write, (void *)public_rows), RC_OK);
    assert_int_equal(store_write_sync(st, public_reload_write, NULL), RC_OK);
    assert_int_equal(store_public_campaign(st), 1);

    /* A case page's model. */
    json_t *c = store_case(st, 1);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "title")), "Alpha");
    assert_string_equal(json_string_value(json_object_get(c, "source")), "测试推荐单位");
    assert_json(json_incref(json_object_get(c, "region")), "{\"code\":\"990000\",\"name\":\"测试省\"}");
    assert_json(json_incref(json_object_get(c, "tier")), "{\"name\":\"最佳案例\",\"slug\":\"best\"}");
    assert_json(json_incref(json_object_get(c, "unit")), "{\"id\":1,\"name\":\"甲街道\"}");
    assert_json(json_incref(json_object_get(c, "tags")), "[\"党建\",\"社区\"]");
    /* A section written without its HTML is rendered by the write, on both (section_html.c). */
    assert_json(json_incref(json_object_get(c, "sections")),
                "[{\"body_html\":\"<h1>一</h1>\",\"seq\":1},"
                "{\"body_html\":\"<p>二</p>\\n\",\"seq\":2}]");
    assert_json(json_incref(json_object_get(c, "attachments")),
                "[{\"mime\":\"application/pdf\",\"name\":\"a.pdf\",\"sha256\":\"ab12\","
                "\"size\":123,\"url\":\"/files/ab12\"}]");
    /* Related: 3 and 2 share one tag each; 3 is of the same track. */
    json_t *rel = json_object_get(c, "related");
    assert_int_equal(json_array_size(rel), 2);
    assert_int_equal(jint_at(rel, 0, "id"), 3);
    assert_int_equal(jint_at(rel, 1, "id"), 2);
    assert_json(json_incref(json_object_get(json_array_get(rel, 1), "tags")), "[\"党建\"]");
    assert_true(json_is_null(json_object_get(c, "prev")));
    assert_json(json_incref(json_object_get(c, "next")),
                "{\"id\":2,\"title\":\"Bravo\",\"url\":\"/cases/2\"}");
    json_decref(c);
    c = store_case(st, 4);
    assert_json(json_incref(json_object_get(c, "tags")), "[\"物业\"]");
    assert_true(json_is_null(json_object_get(c, "tier")));
    assert_true(json_is_null(json_object_get(c, "next")));
    assert_int_equal(json_array_size(json_object_get(c, "sections")), 0);
    json_decref(c);
    assert_null(store_case(st, 5)); /* not published */

    /* Lists: newest first, two a page, a filter and its next page. */
    char ids[64];
    assert_int_equal(public_page(st, NULL, NULL, NULL, NULL, 1, ids, sizeof ids), 4);
    assert_string_equal(ids, "4,3");
    assert_int_equal(public_page(st, NULL, NULL, NULL, NULL, 2, ids, sizeof ids), 4);
    assert_string_equal(ids, "2,1");
    assert_int_equal(public_page(st, "990000", NULL, NULL, NULL, 1, ids, sizeof ids), 3);
    assert_string_equal(ids, "4,2");
    assert_int_equal(public_page(st, "990000", NULL, NULL, NULL, 2, ids, sizeof ids), 3);
    assert_string_equal(ids, "1");
    assert_int_equal(public_page(st, NULL, NULL, NULL, "党建", 1, ids, sizeof ids), 3);
    assert_string_equal(ids, "3,2");
    assert_int_equal(public_page(st, NULL, NULL, NULL, "党建", 2, ids, sizeof ids), 3);
    assert_string_equal(ids, "1");
    assert_int_equal(public_page(st, NULL, "best", NULL, NULL, 1, ids, sizeof ids), 1);
    assert_string_equal(ids, "1");
    assert_int_equal(public_page(st, NULL, NULL, "village", NULL, 1, ids, sizeof ids), 1);
    assert_string_equal(ids, "2");
    assert_int_equal(public_page(st, NULL, NULL, "nope", NULL, 1, ids, sizeof ids), 0);
    assert_string_equal(ids, "");
    assert_int_equal(public_page(st, NULL, NULL, NULL, NULL, 3, ids, sizeof ids), 4);
    assert_string_equal(ids, "");
    struct store_filter f = {NULL, NULL, NULL, NULL, NULL, 0, 1, 20};
    json_t *o = store_cases(st, &f);
    assert_int_equal(json_integer_value(json_object_get(o, "pages")), 1);
    json_t *first = json_array_get(json_object_get(o, "items"), 0);
    assert_json(json_incref(json_object_get(first, "tags")), "[\"物业\"]");
    assert_json(json_incref(json_object_get(first, "track")), "{\"name\":\"城市\",\"slug\":\"city\"}");
    assert_string_equal(json_string_value(json_object_get(first, "published_at")), "2019-12-04");
    json_decref(o);

    /* A region's counts and awards. */
    json_t *r = store_region(st, "990000");
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "cases")), 3);
    assert_int_equal(json_integer_value(json_object_get(r, "awarded")), 2);
    assert_json(json_incref(json_object_get(r, "awards")), "{\"best\":1,\"good\":1}");
    assert_string_equal(json_string_value(json_object_get(r, "url")), "/regions/990000");
    json_decref(r);
    r = store_region(st, "980000");
    assert_int_equal(json_integer_value(json_object_get(r, "cases")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "awarded")), 0);
    json_decref(r);

    /* The results: each tier's awarded cases. */
    json_t *res = store_results(st);
    assert_non_null(res);
    json_t *tiers = json_object_get(res, "tiers");
    assert_int_equal(json_array_size(tiers), 2);
    json_t *best = json_array_get(tiers, 0), *good = json_array_get(tiers, 1);
    assert_string_equal(json_string_value(json_object_get(best, "slug")), "best");
    assert_int_equal(json_integer_value(json_object_get(best, "awarded")), 1);
    assert_json(json_incref(json_object_get(best, "items")),
                "[{\"id\":1,\"region\":{\"code\":\"990000\",\"name\":\"测试省\"},"
                "\"title\":\"Alpha\",\"track\":{\"name\":\"城市\"},\"unit\":{\"name\":\"甲街道\"},"
                "\"url\":\"/cases/1\"}]");
    assert_int_equal(json_array_size(json_object_get(good, "items")), 1);
    assert_int_equal(jint_at(json_object_get(good, "items"), 0, "id"), 2);
    json_decref(res);

    /* The tags by count, the campaign's figures and tracks, the sitemap. */
    json_t *tags = store_tags(st);
    assert_int_equal(json_array_size(tags), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "name")), "党建");
    assert_int_equal(jint_at(tags, 0, "count"), 3);
    json_decref(tags);
    json_t *camp = store_campaign(st);
    assert_json(json_incref(json_object_get(camp, "figures")),
                "{\"cases\":4,\"regions\":2,\"units\":2,\"views\":63}");
    assert_int_equal(jint_at(json_object_get(camp, "tracks"), 0, "cases"), 3);
    assert_int_equal(jint_at(json_object_get(camp, "tracks"), 1, "cases"), 1);
    assert_int_equal(json_array_size(json_object_get(camp, "stages")), 1);
    json_decref(camp);
    json_t *map = store_sitemap(st, 1, 10);
    assert_json(json_incref(json_object_get(map, "cases")),
                "[[2,\"2019-12-02\"],[3,\"2019-12-03\"],[4,\"2019-12-04\"]]");
    assert_int_equal(json_integer_value(json_object_get(map, "ncases")), 4);
    json_decref(map);

    /* Withdrawn: out of the lists, the counts and the neighbours. */
    int64_t gone = 3;
    assert_int_equal(store_write_sync(st, public_withdraw_write, &gone), RC_OK);
    assert_int_equal(public_page(st, NULL, NULL, NULL, NULL, 1, ids, sizeof ids), 3);
    assert_string_equal(ids, "4,2");
    assert_int_equal(public_page(st, NULL, NULL, NULL, "党建", 1, ids, sizeof ids), 2);
    assert_string_equal(ids, "2,1");
    r = store_region(st, "980000");
    assert_int_equal(json_integer_value(json_object_get(r, "cases")), 0);
    json_decref(r);
    assert_null(store_case(st, 3));
    c = store_case(st, 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "prev"), "id")), 2);
    json_decref(c);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* Most viewed first (views, publication, id, descending), per page 2; its total. */
static int64_t views_page(struct store *st, const char *region, const char *tier, const char *track,
                          const char *tag, int page, char *out, size_t n)
{
    return list_page(st, (struct store_filter){region, tier, track, tag, NULL, 1, page, 2}, out, n);
}

/*
 * The orders kept in memory (pub_views.c) on the public fixture: most
 * viewed first with no filter, one, and several; newest first with
 * several, their pages, a combination that matches nothing; then a case
 * withdrawn leaves the kept orders when they are built again (at once
 * from its page, within a rebuild's delay from the orders).
 */
static void test_pub_views_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, rows_write, (void *)public_rows), RC_OK);
    assert_int_equal(store_write_sync(st, public_reload_write, NULL), RC_OK);
    char ids[64];
    /* Views: 2 has 50, 3 has 7, 1 has 5, 4 has 1. */
    assert_int_equal(views_page(st, NULL, NULL, NULL, NULL, 1, ids, sizeof ids), 4);
    assert_string_equal(ids, "2,3");
    assert_int_equal(views_page(st, NULL, NULL, NULL, NULL, 2, ids, sizeof ids), 4);
    assert_string_equal(ids, "1,4");
    assert_int_equal(views_page(st, "990000", NULL, NULL, NULL, 1, ids, sizeof ids), 3);
    assert_string_equal(ids, "2,1");
    assert_int_equal(views_page(st, "990000", NULL, NULL, NULL, 2, ids, sizeof ids), 3);
    assert_string_equal(ids, "4");
    assert_int_equal(views_page(st, NULL, NULL, NULL, "党建", 1, ids, sizeof ids), 3);
    assert_string_equal(ids, "2,3");
    assert_int_equal(views_page(st, NULL, NULL, "city", NULL, 2, ids, sizeof ids), 3);
    assert_string_equal(ids, "4");
    /* Several filters, most viewed and newest first. */
    assert_int_equal(views_page(st, "990000", NULL, "city", NULL, 1, ids, sizeof ids), 2);
    assert_string_equal(ids, "1,4");
    assert_int_equal(public_page(st, "990000", NULL, "city", NULL, 1, ids, sizeof ids), 2);
    assert_string_equal(ids, "4,1");
    assert_int_equal(public_page(st, NULL, NULL, "city", "党建", 1, ids, sizeof ids), 2);
    assert_string_equal(ids, "3,1");
    assert_int_equal(views_page(st, NULL, NULL, "city", "党建", 1, ids, sizeof ids), 2);
    assert_string_equal(ids, "3,1");
    assert_int_equal(public_page(st, "990000", "best", NULL, "社区", 1, ids, sizeof ids), 1);
    assert_string_equal(ids, "1");
    assert_int_equal(views_page(st, "990000", NULL, "city", "党建", 1, ids, sizeof ids), 1);
    assert_string_equal(ids, "1");
    assert_int_equal(list_page(st,
                               (struct store_filter){"990000", NULL, NULL, "党建", NULL, 0, 2, 1},
                               ids, sizeof ids),
                     2);
    assert_string_equal(ids, "1");
    assert_int_equal(public_page(st, "980000", NULL, NULL, "物业", 1, ids, sizeof ids), 0);
    assert_string_equal(ids, "");
    assert_int_equal(views_page(st, "980000", "good", NULL, NULL, 1, ids, sizeof ids), 0);
    assert_string_equal(ids, "");

    /* Withdrawn: gone from its page at once, and from the orders once built again. */
    int64_t gone = 3;
    assert_int_equal(store_write_sync(st, public_withdraw_write, &gone), RC_OK);
    assert_int_equal(views_page(st, NULL, NULL, NULL, NULL, 1, ids, sizeof ids), 3);
    assert_true(strcmp(ids, "2") == 0 || strcmp(ids, "2,1") == 0);
    for (int i = 0; i < 600 && strcmp(ids, "2,1") != 0; i++) {
        usleep(100 * 1000); /* a rebuild is due 1 s after the last at the soonest */
        views_page(st, NULL, NULL, NULL, NULL, 1, ids, sizeof ids);
    }
    assert_string_equal(ids, "2,1");
    assert_int_equal(views_page(st, NULL, NULL, NULL, NULL, 2, ids, sizeof ids), 3);
    assert_string_equal(ids, "4");
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* A case of the large fixture: its views, publication, track, region, tag 党建. */
struct pv_case {
    int64_t id, views;
    const char *at;
    int track, south, tagged;
};

static int pv_views_cmp(const void *x, const void *y)
{
    const struct pv_case *a = x, *b = y;
    if (a->views != b->views)
        return a->views > b->views ? -1 : 1;
    int c = strcmp(b->at, a->at);
    return c ? c : (a->id > b->id ? -1 : a->id < b->id);
}

static int pv_newest_cmp(const void *x, const void *y)
{
    const struct pv_case *a = x, *b = y;
    int c = strcmp(b->at, a->at);
    return c ? c : (a->id > b->id ? -1 : a->id < b->id);
}

/* The ids of page `page` (per page 20) of the cases in cs that pass the filters, as text. */
static void pv_expect(const struct pv_case *cs, size_t n, int track, int region, int tag, int page,
                      char *out, size_t len)
{
    size_t used = 0, match = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if ((track && cs[i].track != track) || (region && cs[i].south) || (tag && !cs[i].tagged))
            continue;
        if (match++ / 20 == (size_t)page - 1)
            used += (size_t)snprintf(out + used, len - used, used ? ",%lld" : "%lld",
                                     (long long)cs[i].id);
    }
}

#define PV_MANY 9000
static const char *const pv_many_rows[] = {
    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 9009) "
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
    "published_at, views) SELECT i, 1, 1, '990000', 1 + i % 2, 'T', 'published', "
    "CASE WHEN i % 2 = 0 THEN '2019-11-01' ELSE '2019-11-02' END, i % 3 FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 9009) "
    "INSERT INTO case_tag (case_id, tag_id) SELECT i, 1 FROM n",
    NULL};

/*
 * The kept orders of more cases than a page of their build's reads on
 * PostgreSQL (8,192 rows, pub_views.c), with views and publication times
 * shared by thousands of cases (the id decides): pages across the reads'
 * pages, most viewed first and newest first, alone and with two filters,
 * read the same as the order reckoned here, on both.
 */
static void test_pub_views_pages(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    assert_int_equal(store_write_sync(st, rows_write, (void *)public_rows), RC_OK);
    assert_int_equal(store_write_sync(st, rows_write, (void *)pv_many_rows), RC_OK);
    assert_int_equal(store_write_sync(st, public_reload_write, NULL), RC_OK);
    static struct pv_case cs[PV_MANY + 4] = {{1, 5, "2019-12-01", 1, 0, 1},
                                             {2, 50, "2019-12-02", 2, 0, 1},
                                             {3, 7, "2019-12-03", 1, 1, 1},
                                             {4, 1, "2019-12-04", 1, 0, 0}};
    for (int64_t i = 10; i < 10 + PV_MANY; i++)
        cs[i - 6] =
            (struct pv_case){i, i % 3, i % 2 ? "2019-11-02" : "2019-11-01", 1 + (int)(i % 2), 0, 1};
    size_t n = sizeof cs / sizeof cs[0];
    char want[512], got[512];
    struct {
        int views, track, region, tag, page;
    } pages[] = {
        {1, 0, 0, 0, 1},   {1, 0, 0, 0, 409}, {1, 0, 0, 0, 410}, {1, 0, 0, 0, 411},
        {1, 0, 0, 0, 451}, {1, 1, 1, 0, 200}, {1, 0, 1, 1, 410}, {1, 0, 1, 1, 411},
        {0, 2, 1, 0, 1},   {0, 2, 1, 0, 226}, {0, 1, 0, 1, 225}, {0, 1, 0, 1, 226},
    };
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        qsort(cs, n, sizeof cs[0], pages[p].views ? pv_views_cmp : pv_newest_cmp);
        pv_expect(cs, n, pages[p].track, pages[p].region, pages[p].tag, pages[p].page, want,
                  sizeof want);
        struct store_filter f = {pages[p].region ? "990000" : NULL,
                                 NULL,
                                 pages[p].track == 1   ? "city"
                                 : pages[p].track == 2 ? "village"
                                                       : NULL,
                                 pages[p].tag ? "党建" : NULL,
                                 NULL,
                                 pages[p].views,
                                 pages[p].page,
                                 20};
        list_page(st, f, got, sizeof got);
        if (strcmp(got, want) != 0)
            fail_msg("list %zu: page %d\nwant %s\ngot  %s", p, pages[p].page, want, got);
    }
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* Case 4's sections as the public page reads them. */
static void assert_sections(struct store *st, const char *want)
{
    json_t *c = store_case(st, 4);
    assert_non_null(c);
    assert_json(json_incref(json_object_get(c, "sections")), want);
    json_decref(c);
}

static const char *const section_rows[] = {
    "INSERT INTO case_section (case_id, seq, body_md) VALUES (4, 1, '**a**'), "
    "(4, 2, '<script>x</script>')",
    NULL};
static const char *const section_edit[] = {
    "UPDATE case_section SET body_md = '*c*' WHERE case_id = 4 AND seq = 1", NULL};
static const char *const section_many[] = {
    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 309) "
    "INSERT INTO case_section (case_id, seq, body_md) SELECT 4, i, '# h' FROM n",
    NULL};

/*
 * Case sections rendered when written (section_html.c), the same on both:
 * Markdown written becomes its HTML in the write (raw HTML omitted), a
 * later write of the Markdown renders it again, and more sections than a
 * page of the renderer's reads are all rendered.
 */
static void test_section_html_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    static const char unrendered[] =
        "SELECT count(*) FROM case_section WHERE body_html IS NULL AND case_id = ?1";
    static const char headings[] =
        "SELECT count(*) FROM case_section WHERE body_html LIKE '<h1>h</h1>_' AND case_id = ?1";
    assert_int_equal(store_write_sync(st, rows_write, (void *)public_rows), RC_OK);
    assert_int_equal(store_write_sync(st, public_reload_write, NULL), RC_OK);
    assert_int_equal(store_write_sync(st, rows_write, (void *)section_rows), RC_OK);
    assert_sections(st, "[{\"body_html\":\"<p><strong>a</strong></p>\\n\",\"seq\":1},"
                        "{\"body_html\":\"<!-- raw HTML omitted -->\\n\",\"seq\":2}]");
    assert_int_equal(store_write_sync(st, rows_write, (void *)section_edit), RC_OK);
    assert_sections(st, "[{\"body_html\":\"<p><em>c</em></p>\\n\",\"seq\":1},"
                        "{\"body_html\":\"<!-- raw HTML omitted -->\\n\",\"seq\":2}]");
    assert_int_equal(store_write_sync(st, rows_write, (void *)section_many), RC_OK);
    assert_int_equal(read_int(st, unrendered, 4), 0);
    assert_int_equal(read_int(st, headings, 4), 300);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The review rounds' writes, one op a write. */
struct review_op {
    enum {
        R_UPDATE,
        R_FILL,
        R_REVIEWER,
        R_CONFLICT,
        R_UNCONFLICT,
        R_PROPOSE,
        R_ADD,
        R_REMOVE,
        R_RELEASE,
        R_DROP,
        R_REMIND
    } op;
    int64_t stage_id, case_id, user_id;
    const char *text, *region;
    int64_t unit_id;
    int n;
    const struct review_pair *pairs;
    const struct review_stage *stage;
    const struct review_criterion *criteria;
    int *out;
};

static const struct review_mail review_msg = {"您有 {n} 个案例待评审", "请到 {link} 评审",
                                              "https://example.org/review"};

static int review_write(struct store_tx *tx, void *arg)
{
    const struct review_op *o = arg;
    switch (o->op) {
    case R_UPDATE:
        return tx_review_stage_update(tx, o->stage_id, o->stage, o->criteria, o->n);
    case R_FILL:
        return tx_review_pool_fill(tx, o->stage_id, o->out);
    case R_REVIEWER:
        return tx_reviewer_upsert(tx, o->user_id, o->region, o->unit_id, o->text, o->n);
    case R_CONFLICT:
        return tx_conflict_add(tx, o->case_id, o->user_id, o->region, o->text);
    case R_UNCONFLICT:
        return tx_conflict_remove(tx, o->case_id, o->user_id);
    case R_PROPOSE:
        return tx_review_propose(tx, o->stage_id, o->pairs, o->n);
    case R_ADD:
        return tx_review_assignment_add(tx, o->stage_id, o->case_id, o->user_id,
                                        o->text ? &review_msg : NULL);
    case R_REMOVE:
        return tx_review_assignment_remove(tx, o->stage_id, o->case_id, o->user_id);
    case R_RELEASE:
        return tx_review_release(tx, o->stage_id, &review_msg, o->out);
    case R_DROP:
        return tx_review_drop(tx, o->stage_id, o->user_id, o->pairs, o->n, &review_msg);
    case R_REMIND:
        return tx_review_remind(tx, o->stage_id, &review_msg, o->out);
    }
    return RC_ERROR;
}

static int review_do(struct store *st, struct review_op o)
{
    return store_write_sync(st, review_write, &o);
}

/* The state of assignment (stage 1, case, user), or "" when there is none. */
static const char *assignment_state(struct store *st, int64_t case_id, int64_t user_id)
{
    static char out[16];
    struct db_stmt *s = store_stmt(st, "SELECT state FROM assignment WHERE stage_id = 1 "
                                       "AND case_id = ?1 AND user_id = ?2");
    assert_non_null(s);
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, user_id);
    out[0] = 0;
    if (db_step(s) == DB_ROW)
        db_copy_text(out, sizeof out, s, 0);
    db_reset(s);
    return out;
}

static void test_review_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /*
     * Campaign 1 under review, stages 1 and 2 in setup.  Reviewers 1, 2
     * and 3 hold the role and serve the campaign (3 has no profile yet),
     * 4 holds no role.  Case 1 (unit 1, 990000) and case 2 (unit 2,
     * 440000) have passed screening, case 3 has not; case 1 has the tag
     * 养老 and the free text 社区.
     */
    static const char *const rows[] = {
        "INSERT INTO region (code, name) VALUES ('990000', '测试省'), ('440000', '广东省'), "
        "('310000', '上海市') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'review')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
        "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES "
        "(1, NULL, '990000', '某区', 2), (2, NULL, '440000', '某街道', 3)",
        "INSERT INTO \"user\" (id, email, name) VALUES (1, 'r1@example.org', '专家一'), "
        "(2, 'r2@example.org', '专家二'), (3, 'r3@example.org', '专家三'), "
        "(4, 'x@example.org', '无角色')",
        "INSERT INTO user_role (user_id, role) VALUES (1, 'reviewer'), (2, 'reviewer'), "
        "(3, 'reviewer')",
        "INSERT INTO campaign_role (campaign_id, user_id, role) VALUES (1, 1, 'reviewer'), "
        "(1, 2, 'reviewer'), (1, 3, 'reviewer')",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
        "tags_text) VALUES (1, 1, 1, '990000', 1, '案例一', 'passed', '社区'), "
        "(2, 1, 2, '440000', 1, '案例二', 'passed', ''), "
        "(3, 1, 1, '990000', 1, '案例三', 'recommended', '')",
        "INSERT INTO tag (id, name) VALUES (1, '养老')",
        "INSERT INTO case_tag (case_id, tag_id) VALUES (1, 1)",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(1, 1, 1, '初评', 'review', '2020-10-01', '2020-10-31'), "
        "(2, 1, 2, '复评', 'review', '2020-11-01', '2020-11-30')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);
    assert_int_equal(store_review_campaign_id(st), 1);
    assert_int_equal(store_review_previous_stage(st, 2), 1);
    assert_int_equal(store_review_previous_stage(st, 1), 0);

    /* The stage's settings and criteria, rewritten whole. */
    struct review_stage g;
    assert_int_equal(store_review_stage(st, 1, &g), RC_OK);
    g.reviewers_per_case = 2;
    g.max_same_region = 1;
    snprintf(g.aggregation, sizeof g.aggregation, "mean");
    g.vote_weight = 0.25;
    const struct review_criterion crit[] = {{0, "创新", "新在何处", 10, 1}, {0, "成效", "", 20, 2}};
    struct review_op upd = {.op = R_UPDATE, .stage_id = 1, .stage = &g, .criteria = crit, .n = 2};
    assert_int_equal(review_do(st, upd), RC_OK);
    assert_int_equal(review_do(st, upd), RC_OK);
    json_t *c = store_review_criteria(st, 1);
    assert_int_equal(json_array_size(c), 2);
    assert_int_equal(jint_at(c, 0, "seq"), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "name")), "创新");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(c, 0), "description")), "新在何处");
    assert_true(json_real_value(json_object_get(json_array_get(c, 1), "max")) == 20);
    assert_true(json_real_value(json_object_get(json_array_get(c, 1), "weight")) == 2);
    json_decref(c);
    assert_int_equal(store_review_stage(st, 1, &g), RC_OK);
    assert_int_equal(g.reviewers_per_case, 2);
    assert_string_equal(g.aggregation, "mean");
    assert_true(g.vote_weight == 0.25);

    /* The pool of experts: the role, the region and the unit are checked before writing. */
    struct review_op rev = {.op = R_REVIEWER, .user_id = 1, .region = "440000",
                            .text = "社区|养老", .n = 10};
    assert_int_equal(review_do(st, rev), RC_OK);
    rev = (struct review_op){.op = R_REVIEWER, .user_id = 2, .region = "310000", .unit_id = 1,
                             .text = "教育", .n = 5};
    assert_int_equal(review_do(st, rev), RC_OK);
    rev.n = 6;
    assert_int_equal(review_do(st, rev), RC_OK); /* updated in place */
    rev.user_id = 4;
    assert_int_equal(review_do(st, rev), RC_INVALID); /* no reviewer role */
    rev.user_id = 3;
    rev.region = "999999";
    assert_int_equal(review_do(st, rev), RC_INVALID); /* no such region */
    rev.region = NULL;
    rev.unit_id = 99;
    assert_int_equal(review_do(st, rev), RC_INVALID); /* no such unit */
    rev.unit_id = 1;
    rev.n = -1;
    assert_int_equal(review_do(st, rev), RC_INVALID);
    assert_int_equal(read_int(st, "SELECT count(*) FROM reviewer WHERE user_id <> ?1", 0), 2);
    assert_int_equal(read_int(st, "SELECT max_load FROM reviewer WHERE user_id = ?1", 2), 6);
    assert_json(store_review_reviewer_candidates(st, 1),
                "[{\"email\":\"r3@example.org\",\"name\":\"专家三\",\"user_id\":3}]");
    json_t *r = store_review_reviewers(st, 1);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(jint_at(r, 0, "user_id"), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "region_name")),
                        "广东省");
    assert_int_equal(jint_at(r, 0, "unit_id"), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "unit_name")),
                        "某区");
    assert_int_equal(jint_at(r, 1, "max_load"), 6);
    json_decref(r);
    static const char *const other[] = {
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at) VALUES "
        "(2, 'next', '下届', '2021-05-01', '2021-09-30')",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
        "(3, 2, 1, '初评', 'review', '2021-10-01', '2021-10-31')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)other), RC_OK);
    assert_json(store_review_reviewers(st, 3), "[]"); /* no expert serves campaign 2 yet */
    r = store_review_reviewers(st, 0);                 /* every profile */
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
    r = store_review_reviewer_candidates(st, 3); /* a past edition's experts come back */
    assert_int_equal(json_array_size(r), 3);
    assert_int_equal(jint_at(r, 0, "user_id"), 1);
    json_decref(r);

    /* The pool: the passed cases, once. */
    int added = -1;
    struct review_op fill = {.op = R_FILL, .stage_id = 1, .out = &added};
    assert_int_equal(review_do(st, fill), RC_OK);
    assert_int_equal(added, 2);
    assert_int_equal(review_do(st, fill), RC_OK);
    assert_int_equal(added, 0);
    json_t *pool = store_review_pool(st, 1);
    assert_int_equal(json_array_size(pool), 2);
    assert_int_equal(jint_at(pool, 0, "case_id"), 1);
    assert_int_equal(jint_at(pool, 1, "case_id"), 2);
    assert_int_equal(jint_at(pool, 1, "reviewers"), 0);
    assert_int_equal(jint_at(pool, 1, "rank"), -1);
    assert_true(json_is_null(json_object_get(json_array_get(pool, 1), "score")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(pool, 0), "unit_name")),
                        "某区");
    json_decref(pool);

    /* 回避: by home region, by unit, declared or added; a stored one once. */
    assert_int_equal(store_review_conflicted(st, 2, 1), 1); /* region 440000 */
    assert_int_equal(store_review_conflicted(st, 1, 2), 1); /* unit 1 */
    assert_int_equal(store_review_conflicted(st, 1, 1), 0);
    assert_int_equal(store_review_conflicted(st, 2, 2), 0);
    assert_int_equal(store_review_conflicted(st, 1, 3), 0); /* no profile: rows only */
    struct review_op k = {.op = R_CONFLICT, .case_id = 2, .user_id = 2, .region = "declared",
                          .text = "亲属"};
    assert_int_equal(review_do(st, k), RC_OK);
    assert_int_equal(review_do(st, k), RC_EXISTS);
    assert_int_equal(store_review_conflicted(st, 2, 2), 1);
    k = (struct review_op){.op = R_CONFLICT, .case_id = 1, .user_id = 3, .region = "organiser",
                           .text = "同事"};
    assert_int_equal(review_do(st, k), RC_OK);
    assert_int_equal(store_review_conflicted(st, 1, 3), 1);
    json_t *ks = store_review_conflicts(st, 1);
    assert_int_equal(json_array_size(ks), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(ks, i);
        int declared = json_integer_value(json_object_get(e, "case_id")) == 2;
        assert_string_equal(json_string_value(json_object_get(e, "source")),
                            declared ? "declared" : "organiser");
        assert_string_equal(json_string_value(json_object_get(e, "reason")),
                            declared ? "亲属" : "同事");
        assert_int_equal(strlen(json_string_value(json_object_get(e, "at"))), 20);
    }
    json_decref(ks);
    k.op = R_UNCONFLICT;
    assert_int_equal(review_do(st, k), RC_OK);
    assert_int_equal(review_do(st, k), RC_NOTFOUND);
    assert_int_equal(store_review_conflicted(st, 1, 3), 0);

    /* The solver's problem: tags as bits over the experts' vocabulary (养老 教育 社区). */
    struct review_problem rp;
    assert_int_equal(store_review_problem_load(st, 1, &rp), RC_OK);
    assert_int_equal(rp.p.ncases, 2);
    assert_int_equal(rp.p.nreviewers, 2);
    assert_int_equal(rp.p.k, 2);
    assert_int_equal(rp.case_ids[1], 2);
    assert_int_equal(rp.user_ids[1], 2);
    assert_int_equal(rp.cases[0].tags, 5); /* 社区 free, 养老 a tag row */
    assert_int_equal(rp.cases[1].tags, 0);
    assert_int_equal(rp.reviewers[0].tags, 5);
    assert_int_equal(rp.reviewers[1].tags, 2);
    assert_int_equal(rp.p.nregions, 3);
    assert_int_equal(rp.cases[1].region, rp.reviewers[0].region);
    assert_int_equal(rp.cases[0].unit, rp.reviewers[1].unit);
    assert_int_equal(rp.p.nconflicts, 1);
    assert_int_equal(rp.conflicts[0].kase, 1);
    assert_int_equal(rp.conflicts[0].reviewer, 1);
    assert_int_equal(rp.current_k, 0);
    store_review_problem_free(&rp);

    /* A proposal: pairs stored, the stage proposed; a pair twice refused, nothing kept. */
    const struct review_pair twice[] = {{1, 1}, {1, 1}};
    struct review_op prop = {.op = R_PROPOSE, .stage_id = 1, .pairs = twice, .n = 2};
    assert_int_equal(review_do(st, prop), RC_INVALID);
    assert_int_equal(read_int(st, "SELECT count(*) FROM assignment WHERE stage_id = ?1", 1), 0);
    const struct review_pair pairs[] = {{1, 1}, {2, 2}};
    prop.pairs = pairs;
    assert_int_equal(review_do(st, prop), RC_OK);
    assert_int_equal(store_review_stage(st, 1, &g), RC_OK);
    assert_int_equal(g.state, STAGE_PROPOSED);
    assert_int_equal(review_do(st, fill), RC_STATE); /* the pool is filled in setup only */
    assert_int_equal(store_review_assigned(st, 1, 1, 1), 1);
    assert_int_equal(store_review_assigned(st, 1, 2, 1), 0);

    /* One added and removed by hand: an expert of the campaign only, a live pair once. */
    struct review_op add = {.op = R_ADD, .stage_id = 1, .case_id = 2, .user_id = 1};
    assert_int_equal(review_do(st, add), RC_OK);
    assert_int_equal(review_do(st, add), RC_EXISTS);
    add.user_id = 4;
    assert_int_equal(review_do(st, add), RC_INVALID);
    struct review_op rm = {.op = R_REMOVE, .stage_id = 1, .case_id = 2, .user_id = 1};
    assert_int_equal(review_do(st, rm), RC_OK);
    assert_string_equal(assignment_state(st, 2, 1), ""); /* a proposed one is deleted */
    assert_int_equal(review_do(st, rm), RC_NOTFOUND);

    /* Released: one message per reviewer with their count; then no second release. */
    int messages = -1;
    struct review_op rel = {.op = R_RELEASE, .stage_id = 1, .out = &messages};
    assert_int_equal(review_do(st, rel), RC_OK);
    assert_int_equal(messages, 2);
    assert_int_equal(read_int(st,
                              "SELECT count(*) FROM outbox WHERE to_addr = 'r1@example.org' AND "
                              "subject = '您有 1 个案例待评审' AND "
                              "body = '请到 https://example.org/review 评审' AND "
                              "length(created_at) = ?1",
                              20),
                     1);
    assert_int_equal(review_do(st, rel), RC_STATE);
    assert_int_equal(review_do(st, prop), RC_STATE);
    assert_int_equal(review_do(st, upd), RC_STATE);
    assert_int_equal(store_review_assigned(st, 1, 1, 1), 2);
    assert_string_equal(assignment_state(st, 2, 2), "released");

    /* A submitted review counts, and holds its assignment. */
    static const char *const reviewed[] = {
        "INSERT INTO review (stage_id, case_id, user_id, status) VALUES (1, 1, 1, 'submitted')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)reviewed), RC_OK);
    rm.case_id = 1;
    assert_int_equal(review_do(st, rm), RC_STATE);
    add = (struct review_op){.op = R_ADD, .stage_id = 1, .case_id = 2, .user_id = 1, .text = "m"};
    assert_int_equal(review_do(st, add), RC_OK); /* released at once, with its message */
    assert_string_equal(assignment_state(st, 2, 1), "released");
    assert_int_equal(read_int(st, "SELECT count(*) FROM outbox WHERE id > ?1", 0), 3);
    assert_json(store_review_open_cases(st, 1, 1), "[2]");
    json_t *pg = store_review_progress(st, 1);
    assert_json(json_incref(json_object_get(pg, "totals")),
                "{\"assigned\":3,\"draft\":0,\"submitted\":1}");
    assert_json(json_incref(json_object_get(pg, "regions")),
                "[{\"assigned\":2,\"cases\":1,\"code\":\"440000\",\"draft\":0,\"name\":\"广东省\","
                "\"submitted\":0},{\"assigned\":1,\"cases\":1,\"code\":\"990000\",\"draft\":0,"
                "\"name\":\"测试省\",\"submitted\":1}]");
    json_t *pr = json_object_get(pg, "reviewers");
    assert_int_equal(jint_at(pr, 0, "assigned"), 2);
    assert_int_equal(jint_at(pr, 0, "submitted"), 1);
    assert_int_equal(jint_at(pr, 0, "done"), 0);
    assert_int_equal(jint_at(pr, 1, "user_id"), 2);
    json_decref(pg);

    /* A drop-out: a replacement already live refuses it whole; then one new reviewer. */
    const struct review_pair taken[] = {{2, 1}};
    struct review_op drop = {.op = R_DROP, .stage_id = 1, .user_id = 2, .pairs = taken, .n = 1};
    assert_int_equal(review_do(st, drop), RC_STATE);
    assert_string_equal(assignment_state(st, 2, 2), "released");
    const struct review_pair fresh[] = {{2, 3}};
    drop.pairs = fresh;
    assert_int_equal(review_do(st, drop), RC_OK);
    assert_string_equal(assignment_state(st, 2, 2), "dropped");
    assert_string_equal(assignment_state(st, 2, 3), "released");
    assert_int_equal(read_int(st, "SELECT count(*) FROM outbox WHERE to_addr = 'r3@example.org' "
                                  "AND subject = '您有 1 个案例待评审' AND id > ?1",
                              0),
                     1);
    assert_json(store_review_assignments(st, 1),
                "[{\"case_id\":1,\"region_name\":\"测试省\",\"reviewers\":[{\"name\":\"专家一\","
                "\"region_name\":\"广东省\",\"review\":\"submitted\",\"state\":\"released\","
                "\"user_id\":1}],\"title\":\"案例一\",\"unit_name\":\"某区\"},"
                "{\"case_id\":2,\"region_name\":\"广东省\",\"reviewers\":[{\"name\":\"专家一\","
                "\"region_name\":\"广东省\",\"review\":\"none\",\"state\":\"released\","
                "\"user_id\":1},{\"name\":\"专家三\",\"region_name\":\"\",\"review\":\"none\","
                "\"state\":\"released\",\"user_id\":3},{\"name\":\"专家二\",\"region_name\":"
                "\"上海市\",\"review\":\"none\",\"state\":\"dropped\",\"user_id\":2}],"
                "\"title\":\"案例二\",\"unit_name\":\"某街道\"}]");
    r = store_review_reviewers(st, 1);
    assert_int_equal(jint_at(r, 1, "dropped"), 1);
    assert_int_equal(jint_at(r, 1, "assigned"), 0);
    assert_int_equal(jint_at(r, 0, "assigned"), 2);
    assert_int_equal(jint_at(r, 0, "submitted"), 1);
    json_decref(r);
    json_t *stages = store_review_stages(st, 1);
    assert_int_equal(json_array_size(stages), 2);
    assert_int_equal(jint_at(stages, 0, "pool"), 2);
    assert_int_equal(jint_at(stages, 0, "assigned"), 3);
    assert_int_equal(jint_at(stages, 0, "released"), 3);
    assert_int_equal(jint_at(stages, 0, "reviews_submitted"), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(stages, 0), "state")),
                        "released");
    json_decref(stages);

    /* A dropped pair taken up again; the reminder to each with work left. */
    add = (struct review_op){.op = R_ADD, .stage_id = 1, .case_id = 2, .user_id = 2};
    assert_int_equal(review_do(st, add), RC_OK);
    assert_string_equal(assignment_state(st, 2, 2), "released");
    struct review_op remind = {.op = R_REMIND, .stage_id = 1, .out = &messages};
    assert_int_equal(review_do(st, remind), RC_OK);
    assert_int_equal(messages, 3);
    remind.stage_id = 2;
    assert_int_equal(review_do(st, remind), RC_STATE);
    assert_int_equal(store_review_problem_load(st, 1, &rp), RC_OK);
    assert_int_equal(rp.current_n[0], 1);
    assert_int_equal(rp.current_n[1], 3);
    assert_int_equal(rp.current_k, 3);
    assert_int_equal(rp.current[3], 0);
    assert_int_equal(rp.current[4], 1);
    assert_int_equal(rp.current[5], -1); /* 3 has no profile: not a reviewer of the problem */
    store_review_problem_free(&rp);

    /* The next stage's pool from the advanced cases; their earlier reviewers seen. */
    static const char *const advanced[] = {
        "UPDATE stage_case SET advanced = 1 WHERE stage_id = 1 AND case_id = 1", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)advanced), RC_OK);
    fill.stage_id = 2;
    assert_int_equal(review_do(st, fill), RC_OK);
    assert_int_equal(added, 1);
    assert_int_equal(store_review_stage(st, 2, &g), RC_OK);
    g.exclude_previous = 1;
    upd = (struct review_op){.op = R_UPDATE, .stage_id = 2, .stage = &g, .criteria = crit, .n = 1};
    assert_int_equal(review_do(st, upd), RC_OK);
    assert_int_equal(store_review_problem_load(st, 2, &rp), RC_OK);
    assert_int_equal(rp.p.ncases, 1);
    assert_int_equal(rp.cases[0].nseen, 1);
    assert_int_equal(rp.user_ids[rp.cases[0].seen[0]], 1);
    store_review_problem_free(&rp);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* JSON a and b equal, or both printed. */
static void assert_same_json(json_t *a, json_t *b, const char *what)
{
    if (!json_equal(a, b)) {
        char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);
        fprintf(stderr, "%s differs:\n  SQLite:     %s\n  PostgreSQL: %s\n", what, x, y);
        free(x);
        free(y);
        fail();
    }
    json_decref(a);
    json_decref(b);
}

/*
 * laurel migrate-db's copy (store/migrate_db.c): the public fixture written
 * on a SQLite store, copied into a fresh PostgreSQL database, and read back
 * through the store over each: every case page's model and every list page
 * with each filter the same JSON on both (the derived read tables rebuilt
 * on PostgreSQL, not copied).  A second copy into the same database is
 * refused.  On the PostgreSQL half only.
 */
static void test_migrate_store(void **state)
{
    (void)state;
    char dir[64], uri[512], err[512];
    snprintf(dir, sizeof dir, "/tmp/laurel-migrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct store *lite = store_open(dir, 1, err, sizeof err);
    assert_non_null(lite);
    assert_int_equal(store_write_sync(lite, rows_write, (void *)public_rows), RC_OK);
    assert_int_equal(store_write_sync(lite, public_reload_write, NULL), RC_OK);

    assert_int_equal(pg_fresh("laurel_migrate", uri, sizeof uri), 0);
    struct migrate_report r;
    assert_int_equal(store_migrate_db(dir, uri, NULL, NULL, &r, err, sizeof err), 0);
    assert_true(r.tables > 40);
    assert_true(r.rows > 20);
    assert_true(r.derived > 0);
    assert_int_equal(store_migrate_db(dir, uri, NULL, NULL, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not empty"));

    struct db_conn *c = db_open(uri, err, sizeof err);
    assert_non_null(c);
    struct store *pg = store_over(c);
    assert_non_null(pg);
    assert_int_equal(store_write_sync(pg, public_reload_write, NULL), RC_OK);
    assert_int_equal(store_public_campaign(pg), 1);
    for (int64_t id = 1; id <= 5; id++) {
        char what[32];
        snprintf(what, sizeof what, "case %lld", (long long)id);
        json_t *a = store_case(lite, id), *b = store_case(pg, id);
        if (id == 5) { /* not published: no page on either */
            assert_null(a);
            assert_null(b);
            continue;
        }
        assert_non_null(a);
        assert_same_json(a, b, what);
    }
    static const char *const filters[][4] = {
        {NULL, NULL, NULL, NULL},     {"990000", NULL, NULL, NULL}, {NULL, "best", NULL, NULL},
        {NULL, NULL, "village", NULL}, {NULL, NULL, NULL, "党建"},  {"980000", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        for (int page = 1; page <= 2; page++) {
            struct store_filter f = {filters[i][0], filters[i][1], filters[i][2], filters[i][3],
                                     NULL, 0, page, 2};
            char what[64];
            snprintf(what, sizeof what, "list %zu page %d", i, page);
            json_t *a = store_cases(lite, &f), *b = store_cases(pg, &f);
            assert_non_null(a);
            assert_same_json(a, b, what);
        }
    }
    store_close(pg);
    store_close(lite);
    rm_tree(dir);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/*
 * The public search on each database (search.h), the same cases written on
 * each store and its index built as each builds it (SQLite's FTS5 indexes
 * as after a bulk load, PostgreSQL's grams by search_pg_build): the same
 * ids in the same order for one- and two-character CJK words (the bigram
 * index: title, unit, tags, summary only), a four-character phrase and an
 * ASCII word in mixed case (the trigram index: the sections too; a case
 * without sections has no body there, as SQLite's rows give it), bigram
 * phrases over punctuation, two words, a word with no hit, punctuation
 * alone, and a character in more cases than SEARCH_CAP (the capped hits,
 * their count and the estimate).
 */
#define SEARCH_MANY 1100 /* cases holding 镇 in their title: more than SEARCH_CAP */

static const char *const search_rows[] = {
    "INSERT INTO region (code, name, source) VALUES ('990000', '测试省', '') "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO campaign (id, slug, name, opens_at, closes_at, published_at, status) VALUES "
    "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30', '2019-12-30', 'published'), "
    "(2, 'old', '旧届', '2018-05-01', '2018-09-30', NULL, 'archived')",
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市'), "
    "(2, 2, 'old', '旧')",
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '990000', '甲街道', 3)",
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
    "status, published_at) VALUES "
    "(1, 1, 1, '990000', 1, '社区治理的新路径', '党建引领', 'published', '2019-12-01'), "
    "(2, 1, 1, '990000', 1, 'Smart City 智慧社区', '物业服务', 'published', '2019-12-02'), "
    "(3, 1, 1, '990000', 1, '乡村振兴', '合作社，党建', 'published', '2019-12-03'), "
    "(4, 1, 1, '990000', 1, '物业管理改革', 'SMART 停车', 'published', '2019-12-04'), "
    "(5, 1, 1, '990000', 1, '社区未发布', '', 'submitted', NULL), "
    "(6, 2, 1, '990000', 2, '社区旧届', '', 'published', '2018-12-01')",
    "INSERT INTO tag (id, name) VALUES (1, '垃圾分类')",
    "INSERT INTO case_tag (case_id, tag_id) VALUES (4, 1)",
    "INSERT INTO case_section (case_id, seq, body_md) VALUES "
    "(1, 1, '疫情中的 COVID-19 防控'), (3, 1, '社区治理创新实践'), (3, 2, '二')",
    NULL};

/* Each query and the ids page 1 lists, newest first. */
static const char *const search_queries[][2] = {
    {"社", "3,2,1"},          /* bigram: 合作社 in a summary */
    {"社区", "2,1"},          /* not case 3's section, nor 5 (unpublished), 6 (campaign 2) */
    {"社区治理", "3,1"},      /* trigram: case 3's section */
    {"sMaRt", "2"},           /* folded; case 4 has no sections, so no body */
    {"Sm", "4,2"},            /* a two-letter token, folded */
    {"COVID-19", "1"},        /* the trigram index's body */
    {"乡 社，党建", "3"},     /* a bigram phrase: 社 ends a run */
    {"乡 作，党建", ""},      /* 作 ends none */
    {"社 区治理", "1"},       /* bigram: not case 3's section */
    {"党建 社区", "1"},       /* two words, both on case 1 */
    {"垃圾 物业", "4"},       /* a tag and a title */
    {"不存在的词", ""},       /* no hit */
    {"区 ，", "2,1"},         /* punctuation alone: left out */
};

/* SEARCH_MANY published cases after the fixture's, each with 镇 in its title. */
static int search_many_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    static const char sql[] =
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
        "published_at) VALUES (?1, 1, 1, '990000', 1, ?2, 'published', '2019-12-10')";
    for (int i = 0; i < SEARCH_MANY; i++) {
        char title[64];
        snprintf(title, sizeof title, "第%d镇", i);
        struct db_stmt *s = tx_stmt(tx, sql);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, 100 + i);
        db_bind_text(s, 2, title, -1);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

/* The search index built from the cases as each database builds it. */
static int search_index_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    if (db_kind(tx_conn(tx)) == DB_PG)
        return search_pg_build(tx_conn(tx)) == 0 ? RC_OK : RC_ERROR;
    return store_index_cases(tx->db) == 0 ? RC_OK : RC_ERROR;
}

/* The search fixture written on st, its index built (index non-zero), its campaign public. */
static void search_fixture(struct store *st, int index)
{
    assert_int_equal(store_write_sync(st, rows_write, (void *)search_rows), RC_OK);
    assert_int_equal(store_write_sync(st, search_many_write, NULL), RC_OK);
    if (index)
        assert_int_equal(store_write_sync(st, search_index_write, NULL), RC_OK);
    assert_int_equal(store_write_sync(st, public_reload_write, NULL), RC_OK);
}

/* The ids of a list's items, "3,2,1". */
static void item_ids(json_t *list, char *out, size_t n)
{
    size_t at = 0;
    out[0] = '\0';
    json_t *items = json_object_get(list, "items"), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        at += (size_t)snprintf(out + at, n - at, i ? ",%lld" : "%lld",
                               (long long)json_integer_value(json_object_get(it, "id")));
        if (at >= n)
            break;
    }
}

/* Page `page` of the search q on st (20 a page). */
static json_t *search_page(struct store *st, const char *q, int page)
{
    struct store_filter f = {NULL, NULL, NULL, NULL, q, 0, page, 20};
    json_t *o = store_cases(st, &f);
    assert_non_null(o);
    return o;
}

static void test_search_store(void **state)
{
    struct fixture *fx = *state;
    search_fixture(fx->st, 1);
    char ids[256];
    for (size_t i = 0; i < sizeof search_queries / sizeof search_queries[0]; i++) {
        json_t *o = search_page(fx->st, search_queries[i][0], 1);
        item_ids(o, ids, sizeof ids);
        if (strcmp(ids, search_queries[i][1]) != 0)
            fprintf(stderr, "the search for %s: %s, not %s\n", search_queries[i][0], ids,
                    search_queries[i][1]);
        assert_string_equal(ids, search_queries[i][1]);
        json_decref(o);
    }
    /* More hits than the cap: the newest SEARCH_CAP, counted, and the estimate. */
    json_t *o = search_page(fx->st, "镇", 2);
    assert_true(json_is_true(json_object_get(o, "approx")));
    assert_int_equal(json_integer_value(json_object_get(o, "total")), SEARCH_CAP);
    assert_true(json_integer_value(json_object_get(o, "estimate")) > SEARCH_CAP);
    item_ids(o, ids, sizeof ids);
    assert_int_equal(strncmp(ids, "1179,1178,", 10), 0);
    json_decref(o);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/*
 * The search after laurel migrate-db: the fixture on a SQLite store with
 * its FTS5 indexes, copied into PostgreSQL (which builds its grams from the
 * copy): every query of the fixture and the capped one the same JSON on
 * both (ids, counts, approx, estimate).  Then the index emptied on
 * PostgreSQL is built again when a store opens there.
 */
static void test_search_migrate(void **state)
{
    (void)state;
    char dir[64], uri[512], err[512];
    snprintf(dir, sizeof dir, "/tmp/laurel-search-XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct store *lite = store_open(dir, 1, err, sizeof err);
    assert_non_null(lite);
    search_fixture(lite, 1);
    assert_int_equal(pg_fresh("laurel_search", uri, sizeof uri), 0);
    struct migrate_report r;
    assert_int_equal(store_migrate_db(dir, uri, NULL, NULL, &r, err, sizeof err), 0);
    struct db_conn *c = db_open(uri, err, sizeof err);
    assert_non_null(c);
    struct store *pg = store_over(c);
    assert_non_null(pg);
    assert_int_equal(store_write_sync(pg, public_reload_write, NULL), RC_OK);
    for (size_t i = 0; i < sizeof search_queries / sizeof search_queries[0]; i++) {
        const char *q = search_queries[i][0];
        assert_same_json(search_page(lite, q, 1), search_page(pg, q, 1), q);
    }
    assert_same_json(search_page(lite, "镇", 2), search_page(pg, "镇", 2), "镇, page 2");

    /* The index emptied: a store opening on PostgreSQL builds it again. */
    store_close(pg);
    c = db_open(uri, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(db_exec(c, "TRUNCATE case_text, case_gram"), 0);
    pg = store_over(c);
    assert_non_null(pg);
    assert_int_equal(store_write_sync(pg, public_reload_write, NULL), RC_OK);
    char ids[256];
    json_t *o = search_page(pg, "社区", 1);
    item_ids(o, ids, sizeof ids);
    assert_string_equal(ids, "2,1");
    json_decref(o);
    store_close(pg);
    store_close(lite);
    rm_tree(dir);
    assert_int_equal(fault_take(), FAULT_NONE);
}

/*
 * The fraud flags (vote_flags.c) on one exhibition (stage 1): honest
 * voters, each voting for three cases from a prefix of their own, and
 * planted fraud: a burst of 8 votes on case 4 in three and a half minutes
 * (two of them in one second, by milliseconds against their ids), 5 new
 * voters from one /24 within the hour, codes asked for a run of numbers
 * of one block (one not verified), and a ring of 5 voters verified within
 * four minutes who each voted for case 3 alone.  The honest votes have
 * ids below 1000, the planted groups' 1000 to 1030; the votes added later
 * (2000, 3000 on) are honest voters' too.
 */
#define FLAG_T0 1572566400 /* 2019-11-01T00:00:00Z */

static const char *const flag_fixture[] = {
    "INSERT INTO region (code, name) VALUES ('310000', '上海市') ON CONFLICT DO NOTHING",
    "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
    "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30', 'review')",
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', '某街道', 3)",
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) VALUES "
    "(1, 1, 1, '310000', 1, '案例一', 'review'), (2, 1, 1, '310000', 1, '案例二', 'review'), "
    "(3, 1, 1, '310000', 1, '案例三', 'review'), (4, 1, 1, '310000', 1, '案例四', 'review')",
    "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state) VALUES "
    "(1, 1, 1, '网上展示', 'exhibition', '2019-11-01', '2019-11-03', 'released'), "
    "(2, 1, 2, '网络投票', 'ballot', '2019-11-04', '2019-11-05', 'released')",
    NULL};

/* A voter verified for stage 1 at unix second t (its token's expiry says when). */
static int plant_voter(struct store_tx *tx, int64_t id, int64_t t)
{
    static const char sql_voter[] =
        "INSERT INTO voter (id, hmac, kind, masked) VALUES (?1, ?2, 'phone', ?3)";
    static const char sql_token[] =
        "INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) VALUES (?1, 1, ?2, ?3)";
    char hmac[32], masked[32], token[32];
    snprintf(hmac, sizeof hmac, "h%lld", (long long)id);
    snprintf(masked, sizeof masked, "138****%04lld", (long long)id);
    snprintf(token, sizeof token, "t%lld", (long long)id);
    struct db_stmt *s = tx_stmt(tx, sql_voter);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, hmac, -1);
    db_bind_text(s, 3, masked, -1);
    int rc = db_run(s);
    if (rc != RC_OK || !(s = tx_stmt(tx, sql_token)))
        return RC_ERROR;
    db_bind_text(s, 1, token, -1);
    db_bind_int64(s, 2, id);
    db_bind_int64(s, 3, t + VOTE_TOKEN_TTL_S);
    return db_run(s);
}

/* Vote id, the ord-th of voter for case, at unix second t and millisecond ms, from prefix net. */
static int plant_vote_ord(struct store_tx *tx, int64_t id, int64_t case_id, int64_t voter,
                          int64_t ord, int64_t t, int ms, const char *net)
{
    static const char sql[] = "INSERT INTO vote (id, stage_id, case_id, voter_id, ord, day, at, net, "
                              "ua_hash) VALUES (?1, 1, ?2, ?3, ?7, ?4, ?5, ?6, 'ua')";
    char at[STORE_NOW_LEN + 4], day[11];
    store_time(at, t);
    snprintf(at + 19, sizeof at - 19, ".%03dZ", ms);
    snprintf(day, sizeof day, "%.10s", at);
    struct db_stmt *s = tx_stmt(tx, sql);
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, voter);
    db_bind_text(s, 4, day, -1);
    db_bind_text(s, 5, at, -1);
    db_bind_text(s, 6, net, -1);
    db_bind_int64(s, 7, ord);
    return db_run(s);
}

static int plant_vote(struct store_tx *tx, int64_t id, int64_t case_id, int64_t voter, int64_t t,
                      int ms, const char *net)
{
    return plant_vote_ord(tx, id, case_id, voter, 1, t, ms, net);
}

/* A phone code asked at t by the contact of voter (verified or not) in block with its last digits. */
static int plant_code(struct store_tx *tx, int64_t id, int64_t voter, const char *block, int tail,
                      int64_t t)
{
    static const char sql[] =
        "INSERT INTO vote_code (id, stage_id, hmac, code_hash, net, created_at, expires_at, block, "
        "tail) VALUES (?1, 1, ?2, 'code', '10.9.9.0/24', ?3, ?4, ?5, ?6)";
    char hmac[32];
    snprintf(hmac, sizeof hmac, "h%lld", (long long)voter);
    struct db_stmt *s = tx_stmt(tx, sql);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, hmac, -1);
    db_bind_int64(s, 3, t);
    db_bind_int64(s, 4, t + 600);
    db_bind_text(s, 5, block, -1);
    db_bind_int64(s, 6, tail);
    return db_run(s);
}

static int flags_plant_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    int rc = rows_write(tx, (void *)flag_fixture);
    char net[32];
    int64_t id = 1;
    /* Honest: 20 voters two hours apart, cases 1, 2, 3 ten minutes apart; three codes, no run. */
    for (int i = 1; rc == RC_OK && i <= 20; i++) {
        int64_t t = FLAG_T0 + i * 7200;
        snprintf(net, sizeof net, "10.0.%d.0/24", i);
        rc = plant_voter(tx, i, t - 60);
        for (int c = 0; rc == RC_OK && c < 3; c++)
            rc = plant_vote(tx, id++, 1 + c, i, t + c * 600, 0, net);
        if (rc == RC_OK && i <= 3)
            rc = plant_code(tx, i, i, "b-honest", 1000 * i, t - 90);
    }
    id = 1000;
    /* Burst: voters 101..108 (verified two hours apart) on case 4 within 210 s. */
    for (int k = 0; rc == RC_OK && k < 8; k++) {
        snprintf(net, sizeof net, "10.1.%d.0/24", k);
        rc = plant_voter(tx, 101 + k, FLAG_T0 + 3000 + k * 7200);
        int64_t t = FLAG_T0 + 50000 + (k == 4 ? 3 : k) * 30; /* 1003 and 1004 in one second */
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 4, 101 + k, t, k == 3 ? 900 : k == 4 ? 100 : 0, net);
    }
    /* Ring: voters 201..205 verified a minute apart, each voting for case 3 alone, hours apart. */
    for (int k = 0; rc == RC_OK && k < 5; k++) {
        snprintf(net, sizeof net, "10.2.%d.0/24", k);
        rc = plant_voter(tx, 201 + k, FLAG_T0 + 36000 + k * 60);
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 3, 201 + k, FLAG_T0 + 40000 + k * 3600, 0, net);
    }
    /* Network: voters 301..305 new from 192.168.7.0/24 ten minutes apart, cases 1 and 2. */
    for (int k = 0; rc == RC_OK && k < 5; k++) {
        int64_t t = FLAG_T0 + 100000 + k * 600;
        rc = plant_voter(tx, 301 + k, t - 30);
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 1, 301 + k, t, 0, "192.168.7.0/24");
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 2, 301 + k, t + 300, 0, "192.168.7.0/24");
    }
    /* Run: codes for numbers 1000, 1001, 1002, 1004 of one block (voters 401..404), 1005 never verified. */
    static const int tails[] = {1000, 1001, 1002, 1004, 1005};
    for (int k = 0; rc == RC_OK && k < 5; k++) {
        rc = plant_code(tx, 10 + k, 401 + k, "b-run", tails[k], FLAG_T0 + 70000 + k * 20);
        if (k == 4 || rc != RC_OK)
            continue;
        snprintf(net, sizeof net, "10.4.%d.0/24", k);
        int64_t t = FLAG_T0 + 72000 + k * 3600;
        rc = plant_voter(tx, 401 + k, FLAG_T0 + 70000 + k * 20 + 10);
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 2, 401 + k, t, 0, net);
        if (rc == RC_OK)
            rc = plant_vote(tx, id++, 3, 401 + k, t + 1800, 0, net);
    }
    return rc;
}

/* One more vote (id 2000, a newer id than any scanned) for case 4, cast after a scan. */
static int flags_late_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    return plant_vote(tx, 2000, 4, 1, FLAG_T0 + 140000, 0, "10.0.1.0/24");
}

/*
 * 9,000 more votes of the honest voters (ids 3000..11999), three to a
 * second with their milliseconds against their ids, for the reads' pages.
 */
static int flags_many_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    int rc = RC_OK;
    for (int k = 0; rc == RC_OK && k < 9000; k++)
        rc = plant_vote_ord(tx, 3000 + k, 1 + k % 4, 1 + k % 20, 2 + k / 20,
                            FLAG_T0 + 7200 + k / 3, 999 - k % 1000, "10.0.1.0/24");
    return rc;
}

/* The stage's vote_total as "case:votes,..." in out. */
static void flag_totals(struct store *st, char *out, size_t n)
{
    static const char sql[] =
        "SELECT case_id, votes FROM vote_total WHERE stage_id = 1 ORDER BY case_id";
    struct db_stmt *s = store_stmt(st, sql);
    assert_non_null(s);
    size_t len = 0;
    out[0] = 0;
    while (db_step(s) == DB_ROW)
        len += (size_t)snprintf(out + len, n - len, "%s%lld:%lld", len ? "," : "",
                                (long long)db_column_int64(s, 0), (long long)db_column_int64(s, 1));
    db_reset(s);
}

/* Check the stage again: scan, rules, flags stored; the flags stored. */
static int64_t flags_check(struct store *st, int late)
{
    static const struct fraud_limits lim = {600, 6, 3.0, 3600, 5, 4, 600, 5};
    struct vote_scan sc;
    struct fraud_result found;
    assert_int_equal(store_vote_scan(st, 1, &sc), RC_OK);
    assert_int_equal(fraud_find(&sc.in, &lim, &found), 0);
    if (late)
        assert_int_equal(store_write_sync(st, flags_late_write, NULL), RC_OK);
    struct vote_flags_put put = {.stage_id = 1, .scan = &sc, .found = &found};
    assert_int_equal(store_write_sync(st, tx_vote_flags_put, &put), RC_OK);
    fraud_result_free(&found);
    vote_scan_free(&sc);
    return put.flags;
}

/* Flag f of store_vote_flags as "rule case votes voters first last evidence" (evidence's keys sorted). */
static void flag_line(json_t *f, char *out, size_t n)
{
    char *ev = json_dumps(json_object_get(f, "evidence"), JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(out, n, "%s %lld %lld %lld %s %s %s", json_string_value(json_object_get(f, "rule")),
             (long long)json_integer_value(json_object_get(json_object_get(f, "case"), "id")),
             (long long)json_integer_value(json_object_get(f, "votes")),
             (long long)json_integer_value(json_object_get(f, "voters")),
             json_string_value(json_object_get(f, "first_at")),
             json_string_value(json_object_get(f, "last_at")), ev);
    free(ev);
}

/* The ids of flag's votes (store_vote_flag's list, by time) as "id,id,...". */
static void flag_votes(struct store *st, int64_t flag, char *out, size_t n)
{
    json_t *f = store_vote_flag(st, 1, flag, 100);
    assert_non_null(f);
    json_t *list = json_object_get(f, "list");
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < json_array_size(list); i++)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "," : "",
                                (long long)json_integer_value(
                                    json_object_get(json_array_get(list, i), "id")));
    json_decref(f);
}

static int flags_recount_write(struct store_tx *tx, void *arg)
{
    return tx_vote_recount(tx, *(const int64_t *)arg);
}

static void test_vote_flags_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    int64_t user = add_user(st, "flags@example.org", "hash");
    assert_int_equal(store_write_sync(st, flags_plant_write, NULL), RC_OK);

    /* The scan: every vote in (second, id) order, the prefixes numbered by first vote. */
    struct vote_scan sc;
    assert_int_equal(store_vote_scan(st, 1, &sc), RC_OK);
    assert_int_equal(sc.in.nvotes, 60 + 8 + 5 + 10 + 8);
    assert_int_equal(sc.in.nvoters, 20 + 8 + 5 + 5 + 4);
    assert_int_equal(sc.in.ncodes, 3 + 5);
    assert_int_equal(sc.max_vote_id, 1030);
    for (size_t i = 1; i < sc.in.nvotes; i++)
        assert_true(sc.votes[i - 1].t < sc.votes[i].t ||
                    (sc.votes[i - 1].t == sc.votes[i].t && sc.votes[i - 1].id < sc.votes[i].id));
    for (size_t i = 0; i < sc.in.nvotes; i++)
        if (sc.votes[i].id == 1004) { /* its second's other vote, 1003, came later in milliseconds */
            assert_int_equal(sc.votes[i - 1].id, 1003);
            assert_int_equal(sc.votes[i].t, FLAG_T0 + 50090);
        }
    assert_string_equal(sc.nets[sc.votes[0].net], "10.0.1.0/24");
    assert_int_equal(sc.voters[0].id, 1);
    assert_int_equal(sc.voters[0].verified_at, FLAG_T0 + 7200 - 60);
    assert_string_equal(sc.blocks[sc.codes[0].block], "b-honest");
    assert_int_equal(sc.codes[3].tail, 1000);
    assert_int_equal(sc.codes[7].voter_id, 0); /* 1005 was never verified */
    vote_scan_free(&sc);

    /* Each rule flags its planted group with its numbers, and no honest vote. */
    assert_int_equal(flags_check(st, 1), 4);
    json_t *flags = store_vote_flags(st, 1);
    assert_int_equal(json_array_size(flags), 4);
    static const char *const want[] = {
        "network 1 10 5 2019-11-02T03:46:40Z 2019-11-02T04:31:40Z "
        "{\"max_new_voters\":5,\"new_voters\":5,\"prefix\":\"192.168.7.0/24\",\"window_s\":3600}",
        "burst 4 8 8 2019-11-01T13:53:20Z 2019-11-01T13:56:50Z "
        "{\"max_in_window\":8,\"own_per_window\":\"0.00\",\"peers_per_window\":\"0.12\","
        "\"ratio\":\"68\",\"window_s\":600}",
        "run 2 8 4 2019-11-01T20:00:00Z 2019-11-01T23:30:00Z "
        "{\"from\":\"1000\",\"numbers\":5,\"span_s\":80,\"to\":\"1005\",\"verified\":4}",
        "ring 3 5 5 2019-11-01T11:06:40Z 2019-11-01T15:06:40Z "
        "{\"span_s\":240,\"voters\":5,\"window_s\":600}",
    };
    static const char *const members[] = {
        "1013,1014,1015,1016,1017,1018,1019,1020,1021,1022",
        "1000,1001,1002,1004,1003,1005,1006,1007", /* the list by time to the millisecond */
        "1023,1024,1025,1026,1027,1028,1029,1030",
        "1008,1009,1010,1011,1012",
    };
    int64_t ring = 0;
    for (size_t i = 0; i < 4; i++) {
        json_t *f = json_array_get(flags, i);
        char line[512], ids[512];
        flag_line(f, line, sizeof line);
        assert_string_equal(line, want[i]);
        assert_null(json_object_get(f, "void"));
        int64_t id = json_integer_value(json_object_get(f, "id"));
        flag_votes(st, id, ids, sizeof ids);
        assert_string_equal(ids, members[i]);
        if (i == 3)
            ring = id;
    }
    json_decref(flags);
    json_t *one = store_vote_flag(st, 1, ring, 2); /* at most 2 votes listed, the prefixes all */
    assert_int_equal(json_array_size(json_object_get(one, "list")), 2);
    json_t *nets = json_object_get(one, "prefixes");
    assert_int_equal(json_array_size(nets), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(nets, 0), "net")),
                        "10.2.0.0/24");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(one, "case"), "title")), "案例三");
    json_decref(one);
    assert_null(store_vote_flag(st, 2, ring, 10)); /* not of that stage */
    /* The totals: the votes scanned and vote 2000, cast between the scan and the storing. */
    char totals[128];
    flag_totals(st, totals, sizeof totals);
    assert_string_equal(totals, "1:25,2:29,3:29,4:9");

    /* A void: the ring's votes invalid (kept), who, when and why on the flag, the totals less. */
    struct vote_void v = {.stage_id = 1, .flag_id = ring, .user_id = user,
                          .reason = "同一时段验证、只投一案的投票者"};
    assert_int_equal(store_write_sync(st, tx_vote_void, &v), RC_OK);
    assert_int_equal(v.voided, 5);
    flag_totals(st, totals, sizeof totals);
    assert_string_equal(totals, "1:25,2:29,3:24,4:9");
    assert_int_equal(store_write_sync(st, tx_vote_void, &v), RC_STATE);
    v.flag_id = ring + 100;
    assert_int_equal(store_write_sync(st, tx_vote_void, &v), RC_NOTFOUND);
    v.flag_id = ring, v.stage_id = 2;
    assert_int_equal(store_write_sync(st, tx_vote_void, &v), RC_NOTFOUND);
    flags = store_vote_flags(st, 1);
    json_t *f = json_array_get(flags, 3), *vd = json_object_get(f, "void");
    assert_int_equal(json_integer_value(json_object_get(f, "id")), ring);
    assert_non_null(vd);
    const char *at = json_string_value(json_object_get(vd, "at"));
    assert_non_null(at);
    assert_int_equal(strlen(at), 20);
    assert_int_equal(at[10], 'T');
    assert_string_equal(json_string_value(json_object_get(vd, "reason")),
                        "同一时段验证、只投一案的投票者");
    assert_int_equal(json_integer_value(json_object_get(vd, "votes")), 5);
    assert_string_equal(json_string_value(json_object_get(vd, "by")), "某人"); /* add_user's name */
    json_decref(flags);
    char ids[512];
    flag_votes(st, ring, ids, sizeof ids); /* the voided votes stay linked, shown invalid */
    assert_string_equal(ids, members[3]);
    one = store_vote_flag(st, 1, ring, 10);
    assert_false(json_is_true(json_object_get(json_array_get(json_object_get(one, "list"), 0),
                                              "valid")));
    json_decref(one);

    /* Checked again: the void stands, the three others found again, the totals the same. */
    assert_int_equal(flags_check(st, 0), 3);
    flags = store_vote_flags(st, 1);
    assert_int_equal(json_array_size(flags), 4);
    /* The burst's numbers now count vote 2000 and the peers' rate without the ring's votes. */
    static const char burst_again[] =
        "burst 4 8 8 2019-11-01T13:53:20Z 2019-11-01T13:56:50Z "
        "{\"max_in_window\":8,\"own_per_window\":\"0.00\",\"peers_per_window\":\"0.11\","
        "\"ratio\":\"75\",\"window_s\":600}";
    for (size_t i = 0; i < 3; i++) {
        char line[512];
        flag_line(json_array_get(flags, i), line, sizeof line);
        assert_string_equal(line, i == 1 ? burst_again : want[i]);
    }
    assert_int_equal(json_integer_value(json_object_get(json_array_get(flags, 3), "id")), ring);
    json_decref(flags);
    flag_totals(st, totals, sizeof totals);
    assert_string_equal(totals, "1:25,2:29,3:24,4:9");
    static const char *const wrong[] = {"UPDATE vote_total SET votes = 0", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)wrong), RC_OK);
    int64_t stage = 1;
    assert_int_equal(store_write_sync(st, flags_recount_write, &stage), RC_OK);
    flag_totals(st, totals, sizeof totals);
    assert_string_equal(totals, "1:25,2:29,3:24,4:9");

    /* Long reads go by pages (of 8,192 rows): 9,000 votes more, all read, in order, counted. */
    assert_int_equal(store_write_sync(st, flags_many_write, NULL), RC_OK);
    assert_int_equal(store_vote_scan(st, 1, &sc), RC_OK);
    assert_int_equal(sc.in.nvotes, 92 - 5 + 9000);
    assert_int_equal(sc.max_vote_id, 11999);
    for (size_t i = 1; i < sc.in.nvotes; i++)
        assert_true(sc.votes[i - 1].t < sc.votes[i].t ||
                    (sc.votes[i - 1].t == sc.votes[i].t && sc.votes[i - 1].id < sc.votes[i].id));
    vote_scan_free(&sc);
    assert_int_equal(store_write_sync(st, flags_recount_write, &stage), RC_OK);
    flag_totals(st, totals, sizeof totals);
    assert_string_equal(totals, "1:2275,2:2279,3:2274,4:2259");
    assert_int_equal(fault_take(), FAULT_NONE);
}

/* The ranking's writes, one op a write (the ranking itself runs through rank_run.h). */
struct ranking_op {
    enum { R_CLOSE, R_SAVE, R_ADVANCE } op;
    int64_t stage_id, next_id;
    int close_first;
    struct ranking_row row;
};

static int ranking_write(struct store_tx *tx, void *arg)
{
    struct ranking_op *o = arg;
    if (o->op == R_CLOSE)
        return tx_ranking_close(tx, o->stage_id);
    if (o->op == R_SAVE)
        return tx_ranking_save(tx, o->stage_id, &o->row, 1, o->close_first);
    return tx_ranking_advance(tx, o->stage_id, &o->row, 1, o->next_id);
}

static int ranking_do(struct store *st, struct ranking_op o)
{
    return store_write_sync(st, ranking_write, &o);
}

/* The case ids of a page's rows, "1,2,". */
static const char *page_ids(struct store *st, struct ranking_filter f, struct ranking_page *k)
{
    static char out[64];
    size_t i, n = 0;
    json_t *row;
    out[0] = 0;
    assert_int_equal(store_ranking_page(st, 3, &f, k), RC_OK);
    json_array_foreach(k->rows, i, row)
        n += (size_t)snprintf(out + n, sizeof out - n, "%lld,",
                              (long long)json_integer_value(json_object_get(row, "case_id")));
    return out;
}

static void test_ranking_store(void **state)
{
    struct fixture *fx = *state;
    struct store *st = fx->st;
    /*
     * Stage 3 (复评) of campaign 1 ranks cases 1-5 on the mean of
     * normalised scores, 20 % the earlier stage 1's score and 30 % the
     * votes of the exhibition (stage 2) between them, quorum 2, the top 2
     * advance into stage 4.  Cases 3 and 4 have the same reviews, earlier
     * score and votes: a tie, broken by id.  The blended scores below are
     * SQLite's; PostgreSQL must give the same to 1e-9.  Of case 1's reviews, user 4's is of a
     * declared conflict and user 5's of the case's own unit: neither
     * counts; user 3's review of case 5 is a draft, so case 5 has one
     * review, under the quorum.  Case 6 is a draft.
     */
    static const char *const rows[] = {
        "INSERT INTO region (code, name, source) VALUES ('990000', '测试省', ''), "
        "('440000', '广东省', '') ON CONFLICT DO NOTHING",
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
        "(1, 'now', '本届', '2020-05-01', '2020-09-30', 'review')",
        "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 'city', '城市')",
        "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES "
        "(1, NULL, '990000', '某区', 2), (2, NULL, '440000', 'Delta 街道', 3)",
        "INSERT INTO \"user\" (id, email, name) VALUES (1, 'r1@example.org', '评审甲'), "
        "(2, 'r2@example.org', '评审乙'), (3, 'r3@example.org', '评审丙'), "
        "(4, 'r4@example.org', '评审丁'), (5, 'r5@example.org', '评审戊')",
        "INSERT INTO reviewer (user_id, region_code, unit_id) VALUES (1, NULL, NULL), "
        "(2, NULL, NULL), (3, '440000', NULL), (4, NULL, NULL), (5, NULL, 1)",
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
        "status, contact_name, contact_phone, contact_email, tags_text) VALUES "
        "(1, 1, 1, '990000', 1, '案例一', '', 'recommended', '', '', '', ''), "
        "(2, 1, 1, '990000', 1, 'ALPHA 治理', '', 'recommended', '', '', '', ''), "
        "(3, 1, 1, '990000', 1, '案例三', '', 'recommended', '', '', '', ''), "
        "(4, 1, 2, '990000', 1, '案例四', '', 'recommended', '', '', '', ''), "
        "(5, 1, 2, '990000', 1, '案例五', '', 'recommended', '', '', '', ''), "
        "(6, 1, 1, '990000', 1, '草稿', '', 'draft', '', '', '', '')",
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 2, '第二节'), "
        "(1, 1, '第一节'), (2, 1, 'alpha'), (6, 1, '草稿')",
        "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at, state, "
        "aggregation, normalise, previous_weight, vote_weight, quorum, advance_rule, advance_n) "
        "VALUES (1, 1, 1, '初评', 'review', '2020-06-01', '2020-06-10', 'advanced', 'mean', 0, "
        "0, 0, 2, 'top', 5), "
        "(2, 1, 2, '展示', 'exhibition', '2020-06-11', '2020-06-20', 'advanced', 'mean', 0, 0, "
        "0, 2, 'top', 5), "
        "(3, 1, 3, '复评', 'review', '2020-06-21', '2020-06-30', 'closed', 'mean', 1, 0.2, 0.3, "
        "2, 'top', 2), "
        "(4, 1, 4, '终评', 'review', '2020-07-01', '2020-07-10', 'setup', 'mean', 0, 0, 0, 2, "
        "'top', 1)",
        "INSERT INTO stage_case (stage_id, case_id, score, rank) VALUES (1, 1, 80, 1), "
        "(1, 2, 70, 4), (1, 3, 75, 2), (1, 4, 75, 3), (1, 5, 60, 5), (3, 1, NULL, NULL), "
        "(3, 2, NULL, NULL), (3, 3, NULL, NULL), (3, 4, NULL, NULL), (3, 5, NULL, NULL)",
        "INSERT INTO vote_total (stage_id, case_id, votes) VALUES (2, 1, 100), (2, 2, 50), "
        "(2, 3, 20), (2, 4, 20)",
        "INSERT INTO criterion (id, stage_id, seq, name, max_score) VALUES (1, 3, 1, '创新', 100)",
        "INSERT INTO assignment (stage_id, case_id, user_id, state) VALUES "
        "(3, 1, 1, 'released'), (3, 1, 4, 'released'), (3, 2, 2, 'released')",
        "INSERT INTO review (stage_id, case_id, user_id, status, total, submitted_at) VALUES "
        "(3, 1, 1, 'submitted', 90, '2020-06-21T18:30:00Z'), (3, 2, 1, 'submitted', 70, NULL), "
        "(3, 3, 1, 'submitted', 80, NULL), (3, 4, 1, 'submitted', 80, NULL), "
        "(3, 5, 1, 'submitted', 60, NULL), "
        "(3, 1, 2, 'submitted', 85, NULL), (3, 2, 2, 'submitted', 75, NULL), "
        "(3, 3, 2, 'submitted', 70, NULL), (3, 4, 2, 'submitted', 70, NULL), "
        "(3, 1, 3, 'submitted', 95, NULL), (3, 2, 3, 'submitted', 60, NULL), "
        "(3, 3, 3, 'submitted', 75, NULL), (3, 4, 3, 'submitted', 75, NULL), "
        "(3, 5, 3, 'draft', 99, NULL), "
        "(3, 1, 4, 'submitted', 10, NULL), (3, 1, 5, 'submitted', 50, NULL)",
        "INSERT INTO review_score (stage_id, case_id, user_id, criterion_id, score) VALUES "
        "(3, 1, 1, 1, 90)",
        "INSERT INTO conflict (case_id, user_id, source) VALUES (1, 4, 'declared')",
        NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)rows), RC_OK);

    /* The stage and its neighbours; the ranking's input. */
    struct ranking_stage rs;
    assert_int_equal(store_ranking_stage(st, 3, &rs), RC_OK);
    assert_int_equal(rs.prev_id, 1);
    assert_int_equal(rs.prev_seq, 1);
    assert_int_equal(rs.next_id, 4);
    assert_int_equal(rs.next_state, STAGE_SETUP);
    assert_string_equal(rs.next_name, "终评");
    assert_int_equal(store_ranking_stage(st, 99, &rs), RC_NOTFOUND);
    assert_int_equal(store_ranking_stage_by_seq(st, 1, 4), 4);
    assert_int_equal(store_ranking_stage_by_seq(st, 1, 9), 0);
    assert_int_equal(store_ranking_stage(st, 3, &rs), RC_OK);
    struct ranking_input in;
    assert_int_equal(store_ranking_input(st, &rs, &in), RC_OK);
    assert_int_equal(in.ncases, 5);
    assert_int_equal(in.nscores, 13);
    assert_int_equal(in.nreviewers, 3);
    assert_true(in.cases[0].votes == 100 && in.cases[4].votes == 0);
    assert_true(in.cases[0].earlier == 80 && in.has_earlier[4]);
    ranking_input_free(&in);

    /* Refusals: a ranking marks none advanced; nothing to close, nothing to advance yet. */
    struct ranking_op save = {.op = R_SAVE, .stage_id = 3, .row = {.case_id = 1, .advanced = 1}};
    assert_int_equal(ranking_do(st, save), RC_ERROR);
    assert_int_equal(ranking_do(st, (struct ranking_op){.op = R_CLOSE, .stage_id = 3}), RC_STATE);
    assert_int_equal(rank_run_advance(st, &rs), RC_STATE);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage_case WHERE stage_id = ?1 "
                                  "AND rank IS NOT NULL", 3),
                     0);

    /* The ranking: order, blended scores, the tie broken by id, the quorum. */
    assert_int_equal(rank_run_rank(st, &rs, 0), RC_OK);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'ranked'",
                              3),
                     1);
    static const int64_t order[] = {1, 2, 3, 4, 5};
    static const double blended[] = {91.384598508634, 63.735810315272, 58.012593350718, 58.012593350718,
                                     42.063213423972};
    json_t *res = store_ranking_results(st, 3);
    assert_int_equal(json_array_size(res), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *r = json_array_get(res, i);
        assert_int_equal(json_integer_value(json_object_get(r, "case_id")), order[i]);
        assert_int_equal(json_integer_value(json_object_get(r, "rank")), (json_int_t)i + 1);
        assert_true(fabs(json_real_value(json_object_get(r, "score")) - blended[i]) < 1e-9);
        assert_false(json_is_true(json_object_get(r, "advanced")));
        json_t *ex = json_object_get(r, "explanation");
        assert_int_equal(json_is_true(json_object_get(ex, "proposed")), i < 2);
        assert_int_equal(json_is_true(json_object_get(ex, "below_quorum")), i == 4);
    }
    json_decref(res);
    json_t *two = store_ranking_result(st, 3, 2);
    assert_non_null(two);
    assert_string_equal(json_string_value(json_object_get(two, "title")), "ALPHA 治理");
    json_decref(two);
    assert_null(store_ranking_result(st, 3, 9));

    /* The organiser's table: counts over the pool, the cut, a region, a search without case. */
    struct ranking_page k;
    assert_string_equal(page_ids(st, (struct ranking_filter){NULL, NULL, 0, 0, 2}, &k), "1,2,");
    assert_true(k.pool == 5 && k.unranked == 0 && k.advanced == 0 && k.proposed == 2 &&
                k.below_quorum == 1 && k.total == 5 && k.cut_case == 2);
    ranking_page_free(&k);
    assert_string_equal(page_ids(st, (struct ranking_filter){NULL, "", 0, 3, 50}, &k), "4,5,");
    ranking_page_free(&k);
    assert_string_equal(page_ids(st, (struct ranking_filter){NULL, "alpha", 0, 0, 50}, &k), "2,");
    assert_true(k.total == 1 && k.pool == 5 && k.proposed == 2);
    ranking_page_free(&k);
    assert_string_equal(page_ids(st, (struct ranking_filter){NULL, "delta", 0, 0, 50}, &k),
                        "4,5,");
    ranking_page_free(&k);
    assert_string_equal(page_ids(st, (struct ranking_filter){"440000", NULL, 0, 0, 50}, &k), "");
    ranking_page_free(&k);
    assert_string_equal(page_ids(st, (struct ranking_filter){"990000", "3", 3, 0, 50}, &k), "3,");
    ranking_page_free(&k);

    /* A case's reviews (conflicted pairs flagged), the exports, the texts. */
    assert_json(store_ranking_case_reviews(st, 3, 1),
                "[{\"conflict\":false,\"name\":\"评审甲\",\"status\":\"submitted\",\"total\":90.0,"
                "\"user_id\":1},{\"conflict\":false,\"name\":\"评审乙\",\"status\":\"submitted\","
                "\"total\":85.0,\"user_id\":2},{\"conflict\":false,\"name\":\"评审丙\","
                "\"status\":\"submitted\",\"total\":95.0,\"user_id\":3},{\"conflict\":true,"
                "\"name\":\"评审丁\",\"status\":\"submitted\",\"total\":10.0,\"user_id\":4},"
                "{\"conflict\":true,\"name\":\"评审戊\",\"status\":\"submitted\",\"total\":50.0,"
                "\"user_id\":5}]");
    assert_json(store_ranking_export_assignments(st, 3),
                "[[1,\"案例一\",\"测试省\",\"某区\",\"评审甲\",\"r1@example.org\",\"\","
                "\"released\",\"submitted\",90.0],[2,\"ALPHA 治理\",\"测试省\",\"某区\","
                "\"评审乙\",\"r2@example.org\",\"\",\"released\",\"submitted\",75.0]]");
    json_t *sc = store_ranking_export_scores(st, 3);
    assert_non_null(sc);
    assert_int_equal(json_array_size(json_object_get(sc, "rows")), 14);
    assert_json(json_incref(json_object_get(sc, "criteria")), "[\"创新\"]");
    assert_json(json_incref(json_array_get(json_object_get(sc, "rows"), 0)),
                "[1,\"案例一\",\"测试省\",\"评审丙\",\"submitted\",95.0,\"\",\"\",null]");
    assert_json(json_incref(json_array_get(json_object_get(sc, "rows"), 1)),
                "[1,\"案例一\",\"测试省\",\"评审乙\",\"submitted\",85.0,\"\",\"\",null]");
    assert_json(json_incref(json_array_get(json_object_get(sc, "rows"), 2)),
                "[1,\"案例一\",\"测试省\",\"评审甲\",\"submitted\",90.0,\"2020-06-22 02:30\","
                "\"\",90.0]");
    json_decref(sc);
    struct ranking_texts t;
    assert_int_equal(store_ranking_texts(st, 1, &t), RC_OK);
    assert_int_equal(t.n, 5);
    assert_string_equal(t.texts[0], "案例一\n第一节\n第二节");
    assert_int_equal(t.lens[0], strlen(t.texts[0]));
    assert_string_equal(t.texts[1], "ALPHA 治理\nalpha");
    assert_string_equal(t.texts[2], "案例三\n");
    assert_string_equal(t.titles[4], "案例五");
    assert_int_equal(t.ids[4], 5);
    ranking_texts_free(&t);
    assert_json(store_ranking_case_text(st, 1, 1),
                "{\"id\":1,\"region\":\"测试省\",\"sections\":[{\"body\":\"第一节\",\"seq\":1},"
                "{\"body\":\"第二节\",\"seq\":2}],\"status\":\"recommended\",\"title\":\"案例一\","
                "\"unit\":\"某区\"}");
    assert_null(store_ranking_case_text(st, 1, 6));

    /* Advancing: refused while the next stage has started, then the top 2 fill it. */
    static const char *const started[] = {"UPDATE stage SET state = 'released' WHERE id = 4", NULL};
    static const char *const setup[] = {"UPDATE stage SET state = 'setup' WHERE id = 4", NULL};
    assert_int_equal(store_write_sync(st, rows_write, (void *)started), RC_OK);
    assert_int_equal(rank_run_advance(st, &rs), RC_STATE);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'ranked'",
                              3),
                     1);
    assert_int_equal(store_write_sync(st, rows_write, (void *)setup), RC_OK);
    assert_int_equal(rank_run_rank(st, &rs, 0), RC_OK); /* a re-ranking */
    assert_int_equal(rank_run_advance(st, &rs), RC_OK);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage WHERE id = ?1 AND state = 'advanced'",
                              3),
                     1);
    assert_int_equal(read_int(st, "SELECT sum(case_id) FROM stage_case WHERE stage_id = ?1", 4),
                     1 + 2);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage_case sc JOIN stage_case_flag f "
                                  "ON f.stage_id = sc.stage_id AND f.case_id = sc.case_id "
                                  "WHERE sc.stage_id = ?1 AND advanced = 1 AND proposed = 1", 3),
                     2);
    assert_int_equal(read_int(st, "SELECT count(*) FROM stage_case_flag WHERE stage_id = ?1", 4),
                     0);
    assert_int_equal(rank_run_advance(st, &rs), RC_STATE);
    assert_int_equal(rank_run_rank(st, &rs, 1), RC_STATE);
    assert_int_equal(fault_take(), FAULT_NONE);
}

static const struct CMUnitTest store_tests[] = {
    cmocka_unit_test_setup_teardown(test_cert_layout_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_campaign_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_outbox_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_statement_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_correction_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_certs_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_imports_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_campaigns_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_news_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_award_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_accounts_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_notice_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_submissions_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_ballot_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_audit_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_scoring_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_intake_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_votes_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_public_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_review_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_vote_flags_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_ranking_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_pub_views_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_pub_views_pages, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_section_html_store, store_setup, store_teardown),
    cmocka_unit_test_setup_teardown(test_search_store, store_setup, store_teardown),
};

static const struct CMUnitTest pg_migrate_tests[] = {
    cmocka_unit_test(test_migrate_store),
    cmocka_unit_test(test_search_migrate),
};

/* The tests of a list on one driver's fixture. */
static int run_on(const char *name, const struct CMUnitTest *tests, size_t n, struct fixture *fx,
                  int driver)
{
    struct CMUnitTest t[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        t[i] = tests[i];
        t[i].initial_state = fx;
    }
    group_fx = fx;
    return _cmocka_run_group_tests(name, t, n, driver ? group_setup : NULL,
                                   driver ? group_teardown : NULL);
}

#define RUN_ON(name, tests, fx, driver)                                                            \
    run_on(name, tests, sizeof tests / sizeof tests[0], fx, driver)

int main(void)
{
    int failed = 0;
    failed += RUN_ON("sqlite: driver", driver_tests, &sqlite_fx, 1);
    failed += RUN_ON("sqlite: faults", sqlite_fault_tests, &sqlite_fx, 1);
    failed += RUN_ON("sqlite: store", store_tests, &sqlite_fx, 0);
    if (!getenv("LAUREL_TEST_PG_HOST")) {
        printf("SKIPPED: the PostgreSQL half: no server started (tests/unit/with_pg.sh starts "
               "one when Debian's postgresql package is installed)\n");
        return failed;
    }
    failed += RUN_ON("postgresql: driver", driver_tests, &pg_fx, 1);
    failed += RUN_ON("postgresql: faults", pg_fault_tests, &pg_fx, 1);
    failed += RUN_ON("postgresql: store", store_tests, &pg_fx, 0);
    failed += RUN_ON("postgresql: migrate-db", pg_migrate_tests, &pg_fx, 0);
    return failed;
}
