/*
 * test_section_html.c — each case section's HTML kept beside its Markdown
 * (migration 011, src/store/section_html.c), on a real store in a temporary
 * folder: a write renders the sections it wrote in its own transaction, a
 * later write of the Markdown renders it again, a change made by another
 * program is never shown as the old HTML (the trigger), and the store
 * renders what is left when it opens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "store/sqlite_int.h"

static const char seed_sql[] =
    "INSERT INTO campaign (id, slug, name, status, opens_at, closes_at, published_at) VALUES "
    "  (1, '2019', 'A', 'published', '2018-07-01', '2018-10-31', '2019-12-27');"
    "INSERT OR IGNORE INTO region (code, name) VALUES ('310000', '上海市');"
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', 'U', 1);"
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 't', 'T');"
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status, "
    "  published_at) VALUES (1, 1, 1, '310000', 1, 'public', 'published', '2019-03-01');"
    "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 1, '**a**'), (1, 2, 'b');";

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

/* Section seq of case 1 as store_case gives it: which key it has, and its text. */
static void assert_section(struct store *st, int seq, const char *key, const char *text)
{
    json_t *c = store_case(st, 1);
    assert_non_null(c);
    json_t *s = json_array_get(json_object_get(c, "sections"), (size_t)seq - 1);
    const char *other = strcmp(key, "body_html") == 0 ? "body_md" : "body_html";
    if (!json_object_get(s, key) || json_object_get(s, other))
        fail_msg("section %d: expected only %s, saw %s", seq, key, json_dumps(s, 0));
    assert_string_equal(json_string_value(json_object_get(s, key)), text);
    json_decref(c);
}

/* Rows not rendered, counted on a connection of its own. */
static int unrendered(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM case_section "
                                            "WHERE body_html IS NULL", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* Another program (the sqlite3 shell, say) changing a section's Markdown. */
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

static void test_rendered_when_written(void **state)
{
    (void)state;
    char dir[] = "/tmp/laurel-test-html.XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    struct store *st = store_open(dir, 1, err, sizeof err);
    assert_non_null(st);
    write_sql(st, seed_sql);
    assert_int_equal(store_reload(st), 0);
    /* The write that inserted the sections rendered them. */
    assert_int_equal(unrendered(dir), 0);
    assert_section(st, 1, "body_html", "<p><strong>a</strong></p>\n");
    assert_section(st, 2, "body_html", "<p>b</p>\n");
    /* A later write of one section renders it again; the other keeps its HTML. */
    write_sql(st, "UPDATE case_section SET body_md = '*c*' WHERE case_id = 1 AND seq = 1");
    assert_int_equal(unrendered(dir), 0);
    assert_section(st, 1, "body_html", "<p><em>c</em></p>\n");
    assert_section(st, 2, "body_html", "<p>b</p>\n");
    /* A section replaced whole (INSERT OR REPLACE, as a draft save does). */
    write_sql(st, "INSERT OR REPLACE INTO case_section (case_id, seq, body_md) "
                  "VALUES (1, 2, '# d')");
    assert_section(st, 2, "body_html", "<h1>d</h1>\n");
    /* Raw HTML in Markdown is not passed through (cmark's safe mode). */
    write_sql(st, "UPDATE case_section SET body_md = '<script>x</script>' WHERE seq = 2");
    assert_section(st, 2, "body_html", "<!-- raw HTML omitted -->\n");
    /* Another program's change: never the old HTML, the Markdown until rendered. */
    outside_write(dir, "UPDATE case_section SET body_md = 'e' WHERE case_id = 1 AND seq = 1");
    assert_int_equal(unrendered(dir), 1);
    assert_section(st, 1, "body_md", "e");
    /* The store renders what is left when it opens. */
    store_close(st);
    st = store_open(dir, 0, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(unrendered(dir), 0);
    assert_section(st, 1, "body_html", "<p>e</p>\n");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rendered_when_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
