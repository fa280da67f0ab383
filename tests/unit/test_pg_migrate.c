/*
 * test_pg_migrate.c — PostgreSQL's schema versions and migrations
 * (src/store/migrate_pg.c), and the order of names on both databases.
 *
 * Without a server: schema.sql records the newest version the binary
 * knows, and every SQLite migration after 022 that changes a table has its
 * PostgreSQL counterpart of the same number.  With one (with_pg.sh), on
 * databases made with ICU's zh-CN locale, whose own order is pinyin's and
 * not the bytes': a new database is made at the newest version with every
 * text column COLLATE "C", and lists names in SQLite's order; a database
 * at version 22 (tests/unit/pg_schema_022.sql, schema.sql as it stood
 * then, given as argv[1]) lists them in the locale's order until opened,
 * then is migrated once (023), keeps its rows and its triggers, lists in
 * SQLite's order, and has the very columns, indexes, constraints and
 * triggers of a new one; opened again it applies nothing; the server's
 * store_open_pg migrates it too; a version above the binary's is refused
 * with the reason; two nodes opening an old or an empty database at
 * once, both held at the write lock until a third lets go, apply it once
 * and both open (the old one's server defaulting to repeatable read); a
 * migration that fails (on a view of the DBA's) leaves the database as it
 * was, at 22 with its rows and triggers; and laurel migrate-db's copy
 * into an empty database made at 22 leaves it at the newest version.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/embed.h"
#include "store/db.h"
#include "store/migrate_db.h"
#include "store/store.h"
#include "store/store_int.h"

static const char *schema_022_path;
/* PostgreSQL's migration files after 22 (023, 024, 027; the numbers between are SQLite's). */
#define PG_FILES_AFTER_22 3

/* The URI of database name on the test's PostgreSQL server. */
static void pg_uri(char *out, size_t n, const char *name)
{
    snprintf(out, n, "postgresql:///%s?host=%s&port=%s&user=postgres", name,
             getenv("LAUREL_TEST_PG_HOST"), getenv("LAUREL_TEST_PG_PORT"));
}

/* A new empty database called name whose own order is ICU zh-CN's (pinyin); its URI in uri. */
static void pg_fresh_zh(const char *name, char *uri, size_t n)
{
    char admin[512], err[256], sql[256];
    pg_uri(admin, sizeof admin, "postgres");
    struct db_conn *c = db_open(admin, err, sizeof err);
    assert_non_null(c);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    assert_int_equal(db_exec(c, sql), 0);
    snprintf(sql, sizeof sql,
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu "
             "ICU_LOCALE 'zh-CN' LOCALE 'C.UTF-8'",
             name);
    assert_int_equal(db_exec(c, sql), 0);
    db_close(c);
    pg_uri(uri, n, name);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* A database called name at version 22: the schema as it was, with no version recorded. */
static struct db_conn *pg_old(const char *name, char *uri, size_t n)
{
    char err[256];
    pg_fresh_zh(name, uri, n);
    struct db_conn *c = db_open(uri, err, sizeof err);
    assert_non_null(c);
    char *sql = read_file(schema_022_path);
    assert_int_equal(db_exec(c, sql), 0);
    free(sql);
    return c;
}

/* The rows of a query of one column, joined by '|', in out. */
static void rows_of(struct db_conn *c, const char *sql, char *out, size_t cap)
{
    struct db_stmt *s = db_prepare(c, sql);
    assert_non_null(s);
    size_t len = 0;
    out[0] = '\0';
    int step;
    while ((step = db_step(s)) == DB_ROW && len < cap)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "|" : "",
                                db_column_text(s, 0) ? db_column_text(s, 0) : "NULL");
    assert_int_equal(step, DB_DONE);
    db_finalize(s);
}

static int64_t int_of(struct db_conn *c, const char *sql)
{
    struct db_stmt *s = db_prepare(c, sql);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t v = db_column_int64(s, 0);
    db_finalize(s);
    return v;
}

/* Names whose orders differ: bytes (SQLite), and pinyin with case and punctuation set aside. */
static const char names_sql[] =
    "INSERT INTO region (code, name) VALUES ('a1', '上海市'), ('B2', '北京市'), ('b3', '安徽省'), "
    "('_4', 'beta'), ('Z5', 'Alpha'), ('z6', '_x'), ('77', 'alpha-2');"
    "INSERT INTO tag (name) VALUES ('乡村振兴'), ('城市更新'), ('Zero'), ('apple'), ('#1');";

/* The lists ordered by name, as the store's queries order them. */
static const char *const order_sql[] = {
    "SELECT name FROM region ORDER BY name",
    "SELECT code FROM region ORDER BY code",
    "SELECT t.name FROM tag t ORDER BY t.name",
    "SELECT r.name FROM region r WHERE r.name > 'B' ORDER BY lower(r.name), r.code",
};
#define N_ORDERS (sizeof order_sql / sizeof order_sql[0])

/* The same names in a SQLite store's schema: what each list reads there. */
static void sqlite_orders(char out[N_ORDERS][512])
{
    char dir[] = "/tmp/laurel-pgmig-XXXXXX", path[64], err[256];
    assert_non_null(mkdtemp(dir));
    struct store *st = store_open(dir, 1, err, sizeof err); /* its migrations, run */
    if (!st)
        fail_msg("store_open: %s", err);
    store_close(st);
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    struct db_conn *c = db_open(path, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(db_exec(c, "DELETE FROM region"), 0);
    assert_int_equal(db_exec(c, names_sql), 0);
    for (size_t i = 0; i < N_ORDERS; i++)
        rows_of(c, order_sql[i], out[i], 512);
    db_close(c);
    static const char *const files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm",
                                        "signing.key", "signing.pub"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    if (rmdir(dir) != 0)
        fail_msg("%s is left with files", dir);
}

/* Whether every list of c reads as SQLite's (the lists in out when not). */
static int orders_match(struct db_conn *c, char sqlite[N_ORDERS][512])
{
    int same = 1;
    for (size_t i = 0; i < N_ORDERS; i++) {
        char pg[512];
        rows_of(c, order_sql[i], pg, sizeof pg);
        if (strcmp(pg, sqlite[i]) != 0) {
            printf("  %s\n    sqlite:     %s\n    postgresql: %s\n", order_sql[i], sqlite[i], pg);
            same = 0;
        }
    }
    return same;
}

static const char text_not_c_sql[] =
    "SELECT count(*) FROM information_schema.columns c JOIN information_schema.tables b "
    "ON b.table_schema = c.table_schema AND b.table_name = c.table_name "
    "WHERE c.table_schema = current_schema() AND b.table_type = 'BASE TABLE' "
    "AND c.data_type = 'text' AND coalesce(c.collation_name, '') <> 'C'";

/* Everything of the schema a migration may change, as text: two databases alike read alike. */
static void shape_of(struct db_conn *c, char *out, size_t cap)
{
    static const char sql[] =
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
        "SELECT format('%s.%s %s collate %s null %s storage %s default %s', k.relname, a.attname, "
        "format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation, NOT a.attnotnull, "
        "a.attstorage, pg_get_expr(d.adbin, d.adrelid)) AS x "
        "FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE k.relnamespace = current_schema()::regnamespace AND k.relkind = 'r' "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
        "UNION ALL SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal) s";
    struct db_stmt *s = db_prepare(c, sql);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    snprintf(out, cap, "%s", db_text(s, 0));
    db_finalize(s);
}

static void test_numbers(void **state)
{
    (void)state;
    /* schema.sql records the newest version, which is 23 or above. */
    const struct embed_file *f = embed_find("src/store/pg/schema.sql");
    assert_non_null(f);
    const char *at = strstr((const char *)f->data, "INSERT INTO schema_version (version) VALUES (");
    assert_non_null(at);
    assert_int_equal(atoi(at + strlen("INSERT INTO schema_version (version) VALUES (")),
                     store_pg_newest());
    assert_true(store_pg_newest() >= 23);
    /*
     * A SQLite migration after 022 that makes or changes a table has its
     * PostgreSQL one, unless it says why PostgreSQL has no such table (a
     * line "-- SQLite only: ...", as 026's: PostgreSQL keeps no rendered pages).
     */
    const char *lite = "src/store/migrations/", *pg = "src/store/pg/migrations/";
    for (unsigned i = 0; i < embed_count; i++) {
        const struct embed_file *m = &embed_files[i];
        if (strncmp(m->name, lite, strlen(lite)) != 0)
            continue;
        int num = atoi(m->name + strlen(lite));
        const char *sql = (const char *)m->data;
        if (num <= 22 || (!strstr(sql, "CREATE TABLE") && !strstr(sql, "ALTER TABLE")) ||
            strstr(sql, "\n-- SQLite only: "))
            continue;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s%03d_", pg, num);
        int found = 0;
        for (unsigned j = 0; j < embed_count; j++)
            found |= strncmp(embed_files[j].name, prefix, strlen(prefix)) == 0;
        if (!found)
            fail_msg("%s changes a table and has no %s*.sql", m->name, prefix);
    }
}

static void test_fresh(void **state)
{
    (void)state;
    char uri[512], err[256], sqlite[N_ORDERS][512];
    sqlite_orders(sqlite);
    pg_fresh_zh("laurel_mig_fresh", uri, sizeof uri);
    struct db_conn *c = db_open(uri, err, sizeof err);
    assert_non_null(c);
    int applied = -1;
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), 0);
    assert_int_equal(applied, 1); /* schema.sql, whole */
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());
    assert_int_equal(int_of(c, text_not_c_sql), 0);
    assert_int_equal(db_exec(c, names_sql), 0);
    assert_true(orders_match(c, sqlite));
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), 0);
    assert_int_equal(applied, 0);
    db_close(c);
}

static void test_old_upgraded(void **state)
{
    (void)state;
    char uri[512], err[256], sqlite[N_ORDERS][512];
    sqlite_orders(sqlite);
    struct db_conn *c = pg_old("laurel_mig_old", uri, sizeof uri);
    assert_int_equal(db_exec(c, names_sql), 0);
    assert_int_equal(db_exec(c, "INSERT INTO campaign (id, slug, name, opens_at, closes_at) VALUES "
                                "(1, 'c2019', '第一届', '2019-05-01', '2019-09-30');"
                                "INSERT INTO article (id, campaign_id, title, published_at, "
                                "body_md) VALUES (1, 1, '旧闻', '2019-12-30', 'x')"),
                     0);
    /* At 22 the database orders by its locale: the lists are not SQLite's. */
    printf("  before 023 (the database's own zh-CN order):\n");
    assert_false(orders_match(c, sqlite));

    int applied = -1;
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), 0);
    assert_int_equal(applied, PG_FILES_AFTER_22);
    assert_int_equal(store_pg_newest(), 27);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());
    assert_int_equal(int_of(c, "SELECT count(*) FROM schema_version"), 1);
    assert_int_equal(int_of(c, text_not_c_sql), 0);
    assert_true(orders_match(c, sqlite));
    /* The rows kept, and the triggers made again still act. */
    assert_int_equal(int_of(c, "SELECT count(*) FROM region"), 7);
    assert_int_equal(int_of(c, "SELECT count(*) FROM tag"), 5);
    char slug[512];
    rows_of(c, "SELECT slug FROM article WHERE id = 1", slug, sizeof slug);
    assert_string_equal(slug, "news-1");
    assert_int_equal(
        db_exec(c, "INSERT INTO article (id, campaign_id, title, published_at, body_md) VALUES "
                   "(2, 1, '新闻', '2019-12-31', 'y')"),
        0);
    rows_of(c, "SELECT slug FROM article WHERE id = 2", slug, sizeof slug);
    assert_string_equal(slug, "news-2");

    /* The very schema a new database has. */
    char fresh_uri[512], *mine = malloc(1 << 20), *theirs = malloc(1 << 20);
    assert_true(mine && theirs);
    pg_fresh_zh("laurel_mig_shape", fresh_uri, sizeof fresh_uri);
    struct db_conn *f = db_open(fresh_uri, err, sizeof err);
    assert_non_null(f);
    assert_int_equal(store_pg_migrate(f, NULL, err, sizeof err), 0);
    shape_of(c, mine, 1 << 20);
    shape_of(f, theirs, 1 << 20);
    if (strcmp(mine, theirs) != 0) {
        const char *a = mine, *b = theirs;
        while (*a && *a == *b)
            a++, b++;
        fail_msg("migrated and new schemas differ at\n  migrated: %.200s\n  new: %.200s", a, b);
    }
    free(mine);
    free(theirs);
    db_close(f);

    /* Opened again, nothing to do. */
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), 0);
    assert_int_equal(applied, 0);
    db_close(c);
}

/* The server's open (store_open_pg) migrates an old database, and refuses a newer one. */
static void test_server_open(void **state)
{
    (void)state;
    char uri[512], err[256], dir[] = "/tmp/laurel-pgmig-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    struct db_conn *c = pg_old("laurel_mig_serve", uri, sizeof uri);
    struct store *st = store_open_pg(dir, uri, err, sizeof err);
    if (!st)
        fail_msg("store_open_pg: %s", err);
    store_close(st);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());

    assert_int_equal(db_exec(c, "UPDATE schema_version SET version = 99"), 0);
    err[0] = '\0';
    assert_null(store_open_pg(dir, uri, err, sizeof err));
    assert_non_null(strstr(err, "database schema 99 is newer than this binary's 27"));
    int applied = -1;
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), -1);
    assert_int_equal(applied, 0);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), 99);
    db_close(c);
    static const char *const files[] = {"signing.key", "signing.pub"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* laurel migrate-db into a database left empty at version 22: the copy lands at the newest. */
static void test_migrate_db_target(void **state)
{
    (void)state;
    char uri[512], err[256], dir[] = "/tmp/laurel-pgmig-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    struct store *st = store_open(dir, 1, err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    store_close(st);
    struct db_conn *c = pg_old("laurel_mig_copy", uri, sizeof uri);
    struct migrate_report r;
    if (store_migrate_db(dir, uri, NULL, NULL, &r, err, sizeof err) != 0)
        fail_msg("migrate-db: %s", err);
    assert_true(r.tables > 0);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());
    assert_int_equal(int_of(c, text_not_c_sql), 0);
    db_close(c);
    static const char *const files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm",
                                        "signing.key", "signing.pub"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    if (rmdir(dir) != 0)
        fail_msg("%s is left with files", dir);
}

/* A migration that fails (a view of the DBA's over a column it changes) leaves all as it was. */
static void test_failed_rolls_back(void **state)
{
    (void)state;
    char uri[512], err[256] = "";
    struct db_conn *c = pg_old("laurel_mig_fail", uri, sizeof uri);
    assert_int_equal(db_exec(c, names_sql), 0);
    assert_int_equal(db_exec(c, "CREATE VIEW dba_regions AS SELECT code, name FROM region"), 0);
    int applied = -1;
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), -1);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err, "023_collate_c.sql failed: cannot alter type of a column used by "
                                "a view or rule"));
    assert_int_equal(int_of(c, "SELECT to_regclass('schema_version') IS NULL"), 1);
    assert_int_equal(int_of(c, "SELECT count(*) FROM pg_trigger WHERE tgname = "
                               "'article_default_slug'"),
                     1);
    assert_int_equal(int_of(c, "SELECT count(*) FROM region"), 7);
    /* Without the view, it goes. */
    assert_int_equal(db_exec(c, "DROP VIEW dba_regions"), 0);
    assert_int_equal(store_pg_migrate(c, &applied, err, sizeof err), 0);
    assert_int_equal(applied, PG_FILES_AFTER_22);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());
    db_close(c);
}

struct node {
    const char *uri;
    int rc, applied;
    char err[256];
};

static void *node_open(void *arg)
{
    struct node *n = arg;
    struct db_conn *c = db_open(n->uri, n->err, sizeof n->err);
    n->rc = c ? store_pg_migrate(c, &n->applied, n->err, sizeof n->err) : -1;
    db_close(c);
    return NULL;
}

/*
 * Two nodes opening the database at uri at once, both made to wait at the
 * write lock that a third connection holds until both are waiting: what
 * the two applied, in all.
 */
static int two_nodes(const char *uri)
{
    char err[256];
    struct db_conn *holder = db_open(uri, err, sizeof err), *watch = db_open(uri, err, sizeof err);
    assert_true(holder && watch);
    assert_int_equal(db_begin(holder), 0);
    struct node a = {.uri = uri}, b = {.uri = uri};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, node_open, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, node_open, &b), 0);
    int64_t waiting = 0;
    for (int i = 0; i < 1200 && waiting < 2; i++) { /* up to 60 s on a loaded machine */
        waiting = int_of(watch, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND NOT granted");
        if (waiting < 2)
            usleep(50 * 1000);
    }
    assert_int_equal(waiting, 2);
    assert_int_equal(db_commit(holder), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    if (a.rc != 0 || b.rc != 0)
        fail_msg("a node failed to open: %s / %s", a.err, b.err);
    db_close(holder);
    db_close(watch);
    return a.applied + b.applied;
}

static void test_two_at_once(void **state)
{
    (void)state;
    char uri[512];
    struct db_conn *c = pg_old("laurel_mig_two", uri, sizeof uri);
    /* A server whose transactions default to a snapshot taken at their first statement. */
    assert_int_equal(db_exec(c, "ALTER DATABASE laurel_mig_two SET default_transaction_isolation = "
                                "'repeatable read'"),
                     0);
    assert_int_equal(two_nodes(uri), PG_FILES_AFTER_22);
    assert_int_equal(int_of(c, "SELECT version FROM schema_version"), store_pg_newest());
    db_close(c);
    /* An empty database: its schema made once. */
    pg_fresh_zh("laurel_mig_two_empty", uri, sizeof uri);
    assert_int_equal(two_nodes(uri), 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest plain[] = {cmocka_unit_test(test_numbers)};
    const struct CMUnitTest pg[] = {
        cmocka_unit_test(test_fresh),
        cmocka_unit_test(test_old_upgraded),
        cmocka_unit_test(test_server_open),
        cmocka_unit_test(test_two_at_once),
        cmocka_unit_test(test_migrate_db_target),
        cmocka_unit_test(test_failed_rolls_back),
    };
    int failed = cmocka_run_group_tests_name("migrations: numbers", plain, NULL, NULL);
    if (!getenv("LAUREL_TEST_PG_HOST")) {
        printf("SKIPPED: the PostgreSQL half: no server started (tests/unit/with_pg.sh starts "
               "one when Debian's postgresql package is installed)\n");
        return failed;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: test_pg_migrate PG_SCHEMA_022.sql\n");
        return 1;
    }
    schema_022_path = argv[1];
    return failed + cmocka_run_group_tests_name("migrations: postgresql", pg, NULL, NULL);
}
