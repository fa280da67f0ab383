/*
 * test_search.c — unit tests for the search query compiler and the
 * laurel_bigram FTS5 tokenizer (src/store/search.c).
 *
 * search_compile is checked by its exact MATCH expression and index
 * choice.  The tokenizer is checked end to end: an in-memory database gets
 * the tokenizer registered, a small FTS5 table of Chinese (and some ASCII)
 * rows, and every query, compiled by search_compile, must find exactly the
 * expected rowids.  A trigram table checks that what search_compile sends to
 * the trigram index is answered there too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/search.h"
#include "store/sqlite_int.h"

/* search_compile(q) must give exactly expr and index which. */
static void check_compile(const char *q, const char *expr, enum search_index which)
{
    struct buf out;
    buf_init(&out, 0);
    enum search_index got = search_compile(q, &out);
    if (got != which)
        fail_msg("search_compile(\"%s\"): index %d, expected %d", q, (int)got, (int)which);
    assert_string_equal(out.p ? out.p : "", expr);
    buf_release(&out);
}

static void test_compile_words(void **state)
{
    (void)state;
    check_compile("上海", "\"上海\"", SEARCH_BIGRAM);
    check_compile("社区治理", "\"社区治理\"", SEARCH_TRIGRAM);
    check_compile("abc", "\"abc\"", SEARCH_TRIGRAM);
    check_compile("ab", "\"ab\"", SEARCH_BIGRAM);
    check_compile("浦东新区 abc", "\"浦东新区\" \"abc\"", SEARCH_TRIGRAM);
    check_compile("上海 社区治理", "\"上海\" \"社区治理\"", SEARCH_BIGRAM);
    check_compile("社区治理 上海", "\"社区治理\" \"上海\"", SEARCH_BIGRAM);
    /* Operators and punctuation are only text inside the phrases. */
    check_compile("a OR b", "\"a\"* \"OR\" \"b\"*", SEARCH_BIGRAM);
    check_compile("x:y* (z)", "\"x:y*\" \"(z)\"", SEARCH_TRIGRAM);
}

static void test_compile_quotes(void **state)
{
    (void)state;
    check_compile("a\"b\"c", "\"a\"\"b\"\"c\"", SEARCH_TRIGRAM);
    check_compile("\"", "\"\"\"\"*", SEARCH_BIGRAM);
    check_compile("“党建”", "\"“党建”\"", SEARCH_TRIGRAM);
    check_compile("\"\"\"", "\"\"\"\"\"\"\"\"", SEARCH_TRIGRAM);
}

static void test_compile_one_char(void **state)
{
    (void)state;
    check_compile("x", "\"x\"*", SEARCH_BIGRAM);
    check_compile("上", "\"上\"*", SEARCH_BIGRAM);
    check_compile("😀", "\"😀\"*", SEARCH_BIGRAM);
    check_compile("社 区域", "\"社\"* \"区域\"", SEARCH_BIGRAM);
    check_compile("社区治理 x", "\"社区治理\" \"x\"*", SEARCH_BIGRAM);
}

static void test_compile_spaces(void **state)
{
    (void)state;
    check_compile("上海\xE3\x80\x80治理", "\"上海\" \"治理\"", SEARCH_BIGRAM);
    check_compile("\xE3\x80\x80\xE3\x80\x80社区治理\xE3\x80\x80", "\"社区治理\"", SEARCH_TRIGRAM);
    check_compile("  a\t\tbcd   efg ", "\"a\"* \"bcd\" \"efg\"", SEARCH_BIGRAM);
    check_compile(" \t\xE3\x80\x80 abc", "\"abc\"", SEARCH_TRIGRAM);
    /* Other ideographic punctuation is not a word separator. */
    check_compile("上海，治理", "\"上海，治理\"", SEARCH_TRIGRAM);
}

static void test_compile_empty(void **state)
{
    (void)state;
    check_compile("", "", SEARCH_NONE);
    check_compile(" ", "", SEARCH_NONE);
    check_compile("\t \xE3\x80\x80 ", "", SEARCH_NONE);
    /* The expression is appended to what out holds. */
    struct buf out;
    buf_init(&out, 0);
    buf_puts(&out, "x MATCH ");
    assert_int_equal(search_compile("上海", &out), SEARCH_BIGRAM);
    assert_string_equal(out.p, "x MATCH \"上海\"");
    assert_int_equal(search_compile("  ", &out), SEARCH_NONE);
    assert_string_equal(out.p, "x MATCH \"上海\"");
    buf_release(&out);
}

static const char *const rows[] = {
    NULL,
    "上海市浦东新区社区治理",     /* 1 */
    "北京，社区。物业“党建”",     /* 2 */
    "Hello World 社区",           /* 3 */
    "海市蜃楼",                   /* 4 */
    "物业管理",                   /* 5 */
    "上海",                       /* 6 */
    "区",                         /* 7 */
    "HELLO, mixed-Case ABCdef",  /* 8 */
    "COVID-19 疫情防控",          /* 9 */
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static sqlite3 *open_db(const char *tokenize)
{
    sqlite3 *db = NULL;
    char sql[128];
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(search_register(db), 0);
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='%s')", tokenize);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO t (rowid, x) VALUES (?1, ?2)", -1, &s, NULL),
        SQLITE_OK);
    for (int i = 1; i < NROWS; i++) {
        sqlite3_bind_int(s, 1, i);
        sqlite3_bind_text(s, 2, rows[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return db;
}

/*
 * Compile q, check the index choice, run it as MATCH on t, and compare the
 * rowids found (ascending, as "1,2,3"; "" for none) with expect.
 */
static void check_match(sqlite3 *db, const char *q, enum search_index which, const char *expect)
{
    struct buf expr, got;
    buf_init(&expr, 0);
    buf_init(&got, 0);
    enum search_index idx = search_compile(q, &expr);
    if (idx != which)
        fail_msg("search_compile(\"%s\"): index %d, expected %d", q, (int)idx, (int)which);
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", -1, &s,
                           NULL),
        SQLITE_OK);
    sqlite3_bind_text(s, 1, expr.p, (int)expr.len, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        buf_printf(&got, "%s%d", got.len ? "," : "", sqlite3_column_int(s, 0));
    if (rc != SQLITE_DONE)
        fail_msg("MATCH %s: %s", expr.p, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    if (strcmp(got.p ? got.p : "", expect) != 0)
        fail_msg("query \"%s\" (MATCH %s): rows [%s], expected [%s]", q, expr.p,
                 got.p ? got.p : "", expect);
    buf_release(&expr);
    buf_release(&got);
}

static void test_bigram_one_char(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    check_match(db, "社", SEARCH_BIGRAM, "1,2,3");
    /* Mid-run, at a run's end, and a row of one character. */
    check_match(db, "区", SEARCH_BIGRAM, "1,2,3,7");
    check_match(db, "海", SEARCH_BIGRAM, "1,4,6");
    check_match(db, "理", SEARCH_BIGRAM, "1,5");
    check_match(db, "建", SEARCH_BIGRAM, "2");
    check_match(db, "京", SEARCH_BIGRAM, "2");
    check_match(db, "南", SEARCH_BIGRAM, "");
    sqlite3_close(db);
}

static void test_bigram_two_chars(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    check_match(db, "上海", SEARCH_BIGRAM, "1,6");
    check_match(db, "海市", SEARCH_BIGRAM, "1,4");
    check_match(db, "社区", SEARCH_BIGRAM, "1,2,3");
    check_match(db, "物业", SEARCH_BIGRAM, "2,5");
    check_match(db, "区社", SEARCH_BIGRAM, "1");
    check_match(db, "治理", SEARCH_BIGRAM, "1");
    check_match(db, "管理", SEARCH_BIGRAM, "5");
    check_match(db, "海上", SEARCH_BIGRAM, "");
    sqlite3_close(db);
}

static void test_bigram_longer(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    check_match(db, "浦东新", SEARCH_TRIGRAM, "1");
    check_match(db, "上海市", SEARCH_TRIGRAM, "1");
    check_match(db, "海市蜃", SEARCH_TRIGRAM, "4");
    check_match(db, "新区社", SEARCH_TRIGRAM, "1");
    check_match(db, "社区治理", SEARCH_TRIGRAM, "1");
    check_match(db, "东新区社", SEARCH_TRIGRAM, "1");
    check_match(db, "上海市浦东新区社区治理", SEARCH_TRIGRAM, "1");
    check_match(db, "物业管理", SEARCH_TRIGRAM, "5");
    /* The bigrams must be adjacent and in order. */
    check_match(db, "上海治理", SEARCH_TRIGRAM, "");
    check_match(db, "市海上", SEARCH_TRIGRAM, "");
    check_match(db, "上海市蜃", SEARCH_TRIGRAM, "");
    sqlite3_close(db);
}

static void test_bigram_punctuation(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    /* "北京，社区。物业“党建”": no term spans the punctuation. */
    check_match(db, "京社", SEARCH_BIGRAM, "");
    check_match(db, "区物", SEARCH_BIGRAM, "");
    check_match(db, "业党", SEARCH_BIGRAM, "");
    check_match(db, "北京社区", SEARCH_TRIGRAM, "");
    check_match(db, "北京", SEARCH_BIGRAM, "2");
    check_match(db, "党建", SEARCH_BIGRAM, "2");
    /* Punctuation typed in the query is a separator too. */
    check_match(db, "“党建”", SEARCH_TRIGRAM, "2");
    check_match(db, "党建。", SEARCH_TRIGRAM, "2");
    check_match(db, "，", SEARCH_BIGRAM, "");
    /* A space in the document separates as well. */
    check_match(db, "ld社", SEARCH_TRIGRAM, "");
    sqlite3_close(db);
}

static void test_bigram_words_and(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    check_match(db, "上海 治理", SEARCH_BIGRAM, "1");
    check_match(db, "社区 物业", SEARCH_BIGRAM, "2");
    check_match(db, "上海\xE3\x80\x80治理", SEARCH_BIGRAM, "1");
    check_match(db, "社区　hello", SEARCH_BIGRAM, "3");
    check_match(db, "社 海", SEARCH_BIGRAM, "1");
    check_match(db, "上海 物业", SEARCH_BIGRAM, "");
    sqlite3_close(db);
}

static void test_bigram_ascii_case(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    check_match(db, "hello", SEARCH_TRIGRAM, "3,8");
    check_match(db, "HELLO", SEARCH_TRIGRAM, "3,8");
    check_match(db, "HeLLo", SEARCH_TRIGRAM, "3,8");
    check_match(db, "World", SEARCH_TRIGRAM, "3");
    check_match(db, "wo", SEARCH_BIGRAM, "3");
    check_match(db, "W", SEARCH_BIGRAM, "3");
    check_match(db, "d", SEARCH_BIGRAM, "3,8,9");
    check_match(db, "abcDEF", SEARCH_TRIGRAM, "8");
    check_match(db, "case", SEARCH_TRIGRAM, "8");
    /* '-' separates: "mixed-case" is two runs. */
    check_match(db, "dc", SEARCH_BIGRAM, "");
    check_match(db, "mixed-case", SEARCH_TRIGRAM, "8");
    sqlite3_close(db);
}

static void test_bigram_separator_inside_word(void **state)
{
    (void)state;
    sqlite3 *db = open_db("laurel_bigram");
    /* A short word sends the whole query here; the long one holds a '-'. */
    check_match(db, "covid-19 防控", SEARCH_BIGRAM, "9");
    check_match(db, "疫情 COVID-19", SEARCH_BIGRAM, "9");
    check_match(db, "mixed-case 大", SEARCH_BIGRAM, "");
    check_match(db, "mixed-case ab", SEARCH_BIGRAM, "8");
    check_match(db, "-19 防控", SEARCH_BIGRAM, "9");
    check_match(db, "COVID-19疫情 防控", SEARCH_BIGRAM, "");
    check_match(db, "COVID-19 疫情 防", SEARCH_BIGRAM, "9");
    check_match(db, "北京，社区 物业", SEARCH_BIGRAM, "2");
    sqlite3_close(db);
}

static void test_trigram_index(void **state)
{
    (void)state;
    /* What search_compile sends to the trigram index is found there. */
    sqlite3 *db = open_db("trigram");
    check_match(db, "浦东新", SEARCH_TRIGRAM, "1");
    check_match(db, "社区治理", SEARCH_TRIGRAM, "1");
    check_match(db, "物业管理", SEARCH_TRIGRAM, "5");
    check_match(db, "HELLO", SEARCH_TRIGRAM, "3,8");
    check_match(db, "海市蜃 社区治理", SEARCH_TRIGRAM, "");
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_words),
        cmocka_unit_test(test_compile_quotes),
        cmocka_unit_test(test_compile_one_char),
        cmocka_unit_test(test_compile_spaces),
        cmocka_unit_test(test_compile_empty),
        cmocka_unit_test(test_bigram_one_char),
        cmocka_unit_test(test_bigram_two_chars),
        cmocka_unit_test(test_bigram_longer),
        cmocka_unit_test(test_bigram_punctuation),
        cmocka_unit_test(test_bigram_words_and),
        cmocka_unit_test(test_bigram_ascii_case),
        cmocka_unit_test(test_bigram_separator_inside_word),
        cmocka_unit_test(test_trigram_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
