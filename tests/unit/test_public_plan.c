/*
 * test_public_plan.c — the query plans of the public read paths
 * (src/store/public.c), proved on a demo database.
 *
 * A demo of 1,000 cases is loaded into a temporary data folder (which
 * builds the public read tables and analyses the database, as
 * `laurel demo` does); then the list query (a range of pub_rank), the
 * reads that build the orders kept in memory (pub_views.c), and every
 * per-request query of the case page, the drop-downs, the counts and the
 * sitemap are explained.  A plan fails when it scans the case table (or pub_rank)
 * without an index that gives the list its order, or sorts in a temporary
 * B-tree for ORDER BY: both cost the whole campaign on every request.
 * Every list (filters × sorts × pages) and the sitemap's parts are
 * compared with plain queries over the case table.
 *
 * With LAUREL_PLAN_DATA=DIR the plans are checked on the database of an
 * existing demo folder instead (read-only; the comparisons, which scan the
 * case table on purpose, are skipped): the planner's choices depend on the
 * statistics, so a 1,000,000-case demo is where they must hold.
 * LAUREL_PLAN_SHOW=1 prints every plan checked.  The tables are also
 * checked against what they summarise: pub_count and
 * pub_rank against counts of the case table, the pools of related cases
 * against the tags, and a case's related cases sharing a tag with it.
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

#include "demo/demo.h"
#include "store/pub_views.h"
#include "store/sqlite_int.h"

#define NCASES 1000

static char dir[64];
static sqlite3 *db;
static struct store *st;

static int remove_tree(void)
{
    const char *files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm", "signing.key",
                           "signing.pub"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static int open_db(const char *folder)
{
    char path[160];
    snprintf(path, sizeof path, "%s/laurel.db", folder);
    return sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
                   search_register(db) == 0
               ? 0
               : -1;
}

/* Plans only, on an existing demo folder's database (LAUREL_PLAN_DATA). */
static int setup_existing(void **state)
{
    (void)state;
    return open_db(getenv("LAUREL_PLAN_DATA"));
}

static int teardown_existing(void **state)
{
    (void)state;
    sqlite3_close(db);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/laurel-plan-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char err[256] = "";
    st = store_open(dir, 1, err, sizeof err);
    if (!st || demo_load(st, 2019, NCASES, err, sizeof err) != 0) {
        fprintf(stderr, "demo: %s\n", err);
        store_close(st);
        return -1;
    }
    return open_db(dir);
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    store_close(st);
    remove_tree();
    return 0;
}

/* 1 if the plan line d scans table (or alias) t. */
static int scans(const char *d, const char *t)
{
    size_t n = strlen(t);
    return strncmp(d, "SCAN ", 5) == 0 && strncmp(d + 5, t, n) == 0 &&
           (d[5 + n] == '\0' || d[5 + n] == ' ');
}

/*
 * Fail unless the plan of sql walks indexes only: no "SCAN" of a table
 * that grows with the cases (the case table, case_tag, the pub_* tables)
 * other than along an index named in `ordered` (NULL: none allowed), and
 * no temporary B-tree for ORDER BY unless sort_ok.
 */
static void check_plan(const char *what, const char *sql, const char *ordered, int sort_ok)
{
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, eqp, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: cannot prepare: %s\n%s", what, sqlite3_errmsg(db), sql);
    sqlite3_free(eqp);
    char plan[4096] = "";
    size_t used = 0;
    int bad = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s, 3);
        used +=
            (size_t)snprintf(plan + used, used < sizeof plan ? sizeof plan - used : 0, "  %s\n", d);
        if (used >= sizeof plan)
            used = sizeof plan - 1;
        /* A scan is of a reference table (regions, tracks, tiers, tags: their size is
         * the campaign's design, not its number of cases), of the JSON array of
         * search hits, or of a full-text index (a MATCH); any other scan (the
         * cases, their tags, the pub_* tables) costs the campaign. */
        int scan_big = strncmp(d, "SCAN ", 5) == 0 && !strstr(d, "VIRTUAL TABLE") &&
                       !scans(d, "r") && !scans(d, "tr") && !scans(d, "t") && !scans(d, "ti") &&
                       !scans(d, "h") && !scans(d, "CONSTANT");
        if (scan_big && !(ordered && strstr(d, ordered)))
            bad = 1;
        if (!sort_ok && strstr(d, "USE TEMP B-TREE FOR ORDER BY"))
            bad = 1;
    }
    sqlite3_finalize(s);
    if (getenv("LAUREL_PLAN_SHOW"))
        printf("%s\n%s", what, plan);
    if (bad)
        fail_msg("%s: expected index seeks in list order, saw the plan\n%sfor\n%s", what, plan,
                 sql);
}

/* 1 if a line of sql's plan contains text. */
static int plan_has(const char *sql, const char *text)
{
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s;
    int found = 0;
    if (sqlite3_prepare_v2(db, eqp, -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW)
            found |= strstr((const char *)sqlite3_column_text(s, 3), text) != NULL;
        sqlite3_finalize(s);
    }
    sqlite3_free(eqp);
    return found;
}

/*
 * The lists read from memory (most viewed first, and newest first with
 * several filters) are built by the refresher outside any request; its
 * reads take the campaign in the views index's order and pub_rank's
 * dimensions by id, newest first and by tag, each a range of one index,
 * never sorted.
 */
static void test_kept_order_plans(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        char what[64];
        snprintf(what, sizeof what, "the kept orders' build, query %d", i);
        check_plan(what, pub_views_sql(i), NULL, 0);
        if (i == 1 && !plan_has(pub_views_sql(i), "COVERING INDEX case_pub_views"))
            fail_msg("%s: expected the views index alone", what);
    }
    assert_null(pub_views_sql(4));
}

static void test_page_plans(void **state)
{
    (void)state;
    const enum public_q keyed[] = {
        Q_TIERS,         Q_TRACKS,        Q_FIGURES,   Q_COUNT,    Q_CASE,          Q_CASE_SUMMARY,
        Q_CASE_RELATED,  Q_CASE_PREV,     Q_CASE_NEXT, Q_REGIONS,  Q_REGION_AWARDS, Q_TAGS,
        Q_SITEMAP_CASES, Q_TIER_ID,       Q_TRACK_ID,  Q_TAG_ID,   Q_CAMPAIGN,      Q_STAGES,
        Q_CASE_ID_SPAN,  Q_ARTICLE_COUNT, Q_LIST_PAGE, Q_CASE_TAGS};
    for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "query %d", (int)keyed[i]);
        /* Q_TAGS and Q_TIERS order a campaign's few tag counts and tiers, and
         * Q_CASE_RELATED the pools of a case's few tags: never the campaign. */
        check_plan(what, public_sql[keyed[i]], NULL,
                   keyed[i] == Q_TAGS || keyed[i] == Q_TIERS || keyed[i] == Q_CASE_RELATED);
    }
    /* Search reads at most SEARCH_CAP hits of the index, then sorts those only. */
    check_plan("search hits (trigram)", public_sql[Q_SEARCH_HITS_TRI], NULL, 0);
    check_plan("search hits (bigram)", public_sql[Q_SEARCH_HITS_BI], NULL, 0);
    check_plan("search", public_sql[Q_SEARCH], NULL, 1);
    if (!plan_has(public_sql[Q_SEARCH], "COVERING INDEX case_search"))
        fail_msg("search: expected its hits read from the index case_search alone");
}

static int64_t one_int(const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("cannot prepare: %s\n%s", sqlite3_errmsg(db), sql);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void test_tables_agree(void **state)
{
    (void)state;
    /* Every pub_count row with one filter equals a count over the case table. */
    int64_t wrong =
        one_int("SELECT count(*) FROM pub_count pc WHERE pc.n <> (SELECT count(*) FROM \"case\" c "
                "WHERE c.campaign_id = pc.campaign_id AND c.published_at IS NOT NULL "
                "AND (pc.region = 0 OR CAST(c.region_code AS INTEGER) = pc.region) "
                "AND (pc.tier_id = 0 OR c.tier_id = pc.tier_id) "
                "AND (pc.track_id = 0 OR c.track_id = pc.track_id) "
                "AND (pc.tag_id = 0 OR EXISTS (SELECT 1 FROM case_tag ct WHERE ct.case_id = c.id "
                "AND ct.tag_id = pc.tag_id)))");
    assert_int_equal(wrong, 0);
    assert_int_equal(one_int("SELECT n FROM pub_count WHERE region = 0 AND tier_id = 0 "
                             "AND track_id = 0 AND tag_id = 0"),
                     NCASES);
    /* Rank 1..n without gaps in every dimension, newest first (dim 5: by id). */
    assert_int_equal(one_int("SELECT count(*) FROM (SELECT dim, key, max(pos) m, count(*) n "
                             "FROM pub_rank GROUP BY dim, key) WHERE m <> n"),
                     0);
    assert_int_equal(one_int("SELECT count(*) FROM pub_rank a JOIN pub_rank b "
                             "ON b.campaign_id = a.campaign_id AND b.dim = a.dim "
                             "AND b.key = a.key AND b.pos = a.pos + 1 "
                             "JOIN \"case\" ca ON ca.id = a.case_id "
                             "JOIN \"case\" cb ON cb.id = b.case_id "
                             "WHERE CASE WHEN a.dim = 5 THEN ca.id > cb.id "
                             "ELSE ca.published_at < cb.published_at "
                             "OR (ca.published_at = cb.published_at AND ca.id < cb.id) END"),
                     0);
    /* Each tag's pool: its leading published cases, each tagged with it, 12 or all. */
    assert_int_equal(one_int("SELECT count(*) FROM pub_pool p WHERE NOT EXISTS (SELECT 1 "
                             "FROM case_tag ct WHERE ct.case_id = p.case_id "
                             "AND ct.tag_id = p.tag_id)"),
                     0);
    assert_int_equal(one_int("SELECT count(*) FROM (SELECT tag_id, count(*) n FROM pub_pool "
                             "GROUP BY tag_id) p JOIN pub_count pc ON pc.tag_id = p.tag_id "
                             "AND pc.region = 0 AND pc.tier_id = 0 AND pc.track_id = 0 "
                             "WHERE p.n <> min(pc.n, 12)"),
                     0);
    /* The related cases of a case: up to six, each sharing a tag, never the case itself. */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, public_sql[Q_CASE_RELATED], -1, &s, NULL), SQLITE_OK);
    int64_t id = one_int("SELECT id FROM \"case\" WHERE published_at IS NOT NULL "
                         "AND id IN (SELECT case_id FROM case_tag) ORDER BY id LIMIT 1 OFFSET 500");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, one_int("SELECT campaign_id FROM \"case\" WHERE id = 1"));
    int related = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(s, 0);
        char *q = sqlite3_mprintf("SELECT count(*) FROM case_tag a JOIN case_tag b "
                                  "ON b.tag_id = a.tag_id WHERE a.case_id = %lld "
                                  "AND b.case_id = %lld",
                                  (long long)id, (long long)rid);
        assert_true(rid != id && one_int(q) > 0);
        sqlite3_free(q);
        related++;
    }
    sqlite3_finalize(s);
    assert_int_equal(related, 6);
    /* The planner has statistics. */
    assert_true(one_int("SELECT count(*) FROM sqlite_stat1") > 0);
}

/* The ids of sql's rows (bound with text ?1..?4 from v, NULL when v[i] is NULL). */
static json_t *naive_ids(const char *sql, const char *const v[4])
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("cannot prepare: %s\n%s", sqlite3_errmsg(db), sql);
    for (int i = 0; i < 4; i++)
        if (v[i])
            sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, json_integer(sqlite3_column_int64(s, 0)));
    sqlite3_finalize(s);
    return a;
}

/* The published cases of the public campaign matching ?1..?4 (NULL: any), unordered. */
static const char naive[] =
    "SELECT c.id FROM \"case\" c LEFT JOIN tier ti ON ti.id = c.tier_id "
    "JOIN track tr ON tr.id = c.track_id WHERE c.published_at IS NOT NULL "
    "AND c.campaign_id = (SELECT id FROM campaign WHERE status = 'published') "
    "AND (?1 IS NULL OR c.region_code = ?1) AND (?2 IS NULL OR ti.slug = ?2) "
    "AND (?3 IS NULL OR tr.slug = ?3) AND (?4 IS NULL OR c.id IN (SELECT ct.case_id "
    "FROM case_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name = ?4)) ";

/* Fail unless page `page` of store_cases(v, sort) lists all[(page-1)*20 ..] and total. */
static void check_page(const char *const v[4], int sort, int page, json_t *all, const char *what)
{
    int64_t total = (int64_t)json_array_size(all);
    struct store_filter f = {v[0], v[1], v[2], v[3], NULL, sort, page, 20};
    json_t *got = store_cases(st, &f);
    if (json_integer_value(json_object_get(got, "total")) != total)
        fail_msg("%s sort %d: expected total %lld, saw %lld", what, sort, (long long)total,
                 (long long)json_integer_value(json_object_get(got, "total")));
    json_t *items = json_object_get(got, "items");
    for (size_t i = 0; i < 20; i++) {
        json_t *want = json_array_get(all, (size_t)(page - 1) * 20 + i);
        json_t *it = json_array_get(items, i);
        if (!want && !it)
            break;
        if (!want || !it ||
            json_integer_value(want) != json_integer_value(json_object_get(it, "id")))
            fail_msg("%s sort %d page %d item %zu: expected id %lld, saw %lld", what, sort, page, i,
                     (long long)json_integer_value(want),
                     (long long)json_integer_value(json_object_get(it, "id")));
    }
    json_decref(got);
}

/* The ids of naive's rows for v in the list's order (sort 1: most viewed first). */
static json_t *naive_sorted(const char *const v[4], int sort)
{
    char sql[2048];
    snprintf(sql, sizeof sql, "%s ORDER BY %s", naive,
             sort ? "c.views DESC, c.published_at DESC, c.id DESC"
                  : "c.published_at DESC, c.id DESC");
    return naive_ids(sql, v);
}

/*
 * Every list (each set of filters, both sorts, first, middle and last
 * pages) lists exactly what the plain query over the case table lists,
 * and its total is the plain count.
 */
static void test_lists_agree(void **state)
{
    (void)state;
    json_t *tags = store_tags(st), *camp = store_campaign(st);
    const char *tag = json_string_value(json_object_get(json_array_get(tags, 2), "name"));
    const char *track = json_string_value(
        json_object_get(json_array_get(json_object_get(camp, "tracks"), 1), "slug"));
    int lists = 0;
    for (int mask = 0; mask < 16; mask++)
        for (int sort = 0; sort < 2; sort++) {
            const char *v[4] = {mask & 1 ? "310000" : NULL, mask & 2 ? "excellent" : NULL,
                                mask & 4 ? track : NULL, mask & 8 ? tag : NULL};
            json_t *all = naive_sorted(v, sort);
            int pages = (int)((json_array_size(all) + 19) / 20);
            int try_pages[] = {1, pages / 2, pages};
            char what[32];
            snprintf(what, sizeof what, "filters %d", mask);
            for (int k = 0; k < 3; k++) {
                check_page(v, sort, try_pages[k] > 0 ? try_pages[k] : 1, all, what);
                lists++;
            }
            json_decref(all);
        }
    assert_int_equal(lists, 16 * 2 * 3);
    json_decref(tags);
    json_decref(camp);
}

/*
 * The largest lists of two, three and four filters, every page in both orders:
 * their deep pages start from the positions kept in the walk of the orders
 * kept in memory (every page start), so
 * each anchor and the pages between are compared with the plain query.
 * Read twice: first the middle page, the last one (which walks on from the
 * middle's anchors), then every page in order; then every page again from
 * the last, from the kept anchors.
 */
static void test_combined_lists_agree(void **state)
{
    (void)state;
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT CASE WHEN pc.region > 0 THEN CAST(pc.region AS TEXT) END, "
                           "ti.slug, tr.slug, t.name, pc.n FROM pub_count pc "
                           "LEFT JOIN tier ti ON ti.id = pc.tier_id "
                           "LEFT JOIN track tr ON tr.id = pc.track_id "
                           "LEFT JOIN tag t ON t.id = pc.tag_id "
                           "WHERE (pc.region > 0) + (pc.tier_id > 0) + (pc.track_id > 0) "
                           "+ (pc.tag_id > 0) = ?1 ORDER BY pc.n DESC LIMIT 3",
                           -1, &s, NULL),
        SQLITE_OK);
    int deep = 0;
    /* Two filters, three and four: the walk leapfrogs over as many lists. */
    for (int arity = 2; arity <= 4; arity++) {
        sqlite3_bind_int(s, 1, arity);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *v[4];
            for (int i = 0; i < 4; i++)
                v[i] = (const char *)sqlite3_column_text(s, i);
            int64_t n = sqlite3_column_int64(s, 4);
            for (int sort = 0; sort < 2; sort++) {
                json_t *all = naive_sorted(v, sort);
                assert_int_equal((int64_t)json_array_size(all), n);
                int pages = (int)((n + 19) / 20);
                check_page(v, sort, (pages + 1) / 2, all, "combined filters, the middle first");
                check_page(v, sort, pages, all, "combined filters, then the last");
                for (int page = 1; page <= pages; page++)
                    check_page(v, sort, page, all, "combined filters");
                for (int page = pages; page >= 1; page--)
                    check_page(v, sort, page, all, "combined filters, kept anchors");
                json_decref(all);
            }
            deep += n > 5 * 20;
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    /* At least one list deep enough to start pages from an anchor newest first. */
    assert_true(deep > 0);
}

/* The sitemap's parts: every published case once, by id, then every article. */
static void test_sitemap_parts(void **state)
{
    (void)state;
    json_t *all = naive_ids("SELECT id FROM \"case\" WHERE published_at IS NOT NULL "
                            "ORDER BY id",
                            (const char *const[4]){NULL, NULL, NULL, NULL});
    /* Published articles only: the notice's draft announcement waits for the organiser. */
    int64_t narts = one_int("SELECT count(*) FROM article WHERE status = 'published' AND "
                            "campaign_id = (SELECT id FROM campaign WHERE status = 'published')");
    size_t seen = 0;
    int64_t arts = 0;
    for (int64_t from = 0; from < (int64_t)json_array_size(all) + narts; from += 333) {
        json_t *part = store_sitemap(st, from, 333);
        json_t *cases = json_object_get(part, "cases");
        for (size_t i = 0; i < json_array_size(cases); i++, seen++)
            assert_int_equal(json_integer_value(json_array_get(json_array_get(cases, i), 0)),
                             json_integer_value(json_array_get(all, seen)));
        arts += (int64_t)json_array_size(json_object_get(part, "articles"));
        assert_int_equal(json_array_size(cases) +
                             json_array_size(json_object_get(part, "articles")),
                         from + 333 <= (int64_t)json_array_size(all) + narts
                             ? 333
                             : (int64_t)json_array_size(all) + narts - from);
        json_decref(part);
    }
    assert_int_equal(seen, json_array_size(all));
    assert_int_equal(arts, narts);
    json_decref(all);
}

static const char withdraw_sql[] = "UPDATE \"case\" SET published_at = NULL WHERE id = ?1";

/* Withdraw case *arg from the public campaign and rebuild its read tables, as a notice does. */
static int withdraw(struct store_tx *tx, void *arg)
{
    if (tx_exec_id(tx, withdraw_sql, *(int64_t *)arg) != RC_OK)
        return RC_ERROR;
    return db_public_refresh(tx_conn(tx), tx->st->campaign_id) == 0 ? RC_OK : RC_ERROR;
}

/* The ids of page 1 of store_cases(v, sort) equal want's first 20; 1 or 0. */
static int first_page_is(const char *const v[4], int sort, json_t *want)
{
    struct store_filter f = {v[0], v[1], v[2], v[3], NULL, sort, 1, 20};
    json_t *got = store_cases(st, &f), *items = json_object_get(got, "items");
    int same = json_array_size(items) == (json_array_size(want) < 20 ? json_array_size(want) : 20);
    for (size_t i = 0; same && i < json_array_size(items); i++)
        same = json_integer_value(json_object_get(json_array_get(items, i), "id")) ==
               json_integer_value(json_array_get(want, i));
    json_decref(got);
    return same;
}

/*
 * A case withdrawn after the kept orders were built leaves the most-viewed
 * list at once (the summary query reads published cases only), and the
 * refresher, woken by the campaign's new count, rebuilds the orders: page 1
 * is then full again, as the plain query lists it (polled for 30 s, half
 * the period after which the refresher would rebuild unwoken).
 */
static void test_withdrawn_case_leaves_lists(void **state)
{
    (void)state;
    const char *const none[4] = {NULL, NULL, NULL, NULL};
    json_t *before = naive_sorted(none, 1);
    int64_t id = json_integer_value(json_array_get(before, 5));
    assert_true(first_page_is(none, 1, before));
    assert_int_equal(store_write_sync(st, withdraw, &id), RC_OK);
    json_t *after = naive_sorted(none, 1);
    assert_int_equal(json_array_size(after), json_array_size(before) - 1);
    struct store_filter f = {NULL, NULL, NULL, NULL, NULL, 1, 1, 20};
    json_t *got = store_cases(st, &f);
    json_t *items = json_object_get(got, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_int_not_equal(json_integer_value(json_object_get(json_array_get(items, i), "id")),
                             id);
    json_decref(got);
    int rebuilt = 0;
    for (int tries = 0; tries < 600 && !rebuilt; tries++) {
        rebuilt = first_page_is(none, 1, after);
        if (!rebuilt)
            usleep(50000);
    }
    assert_true(rebuilt);
    json_decref(before);
    json_decref(after);
}

int main(void)
{
    if (getenv("LAUREL_PLAN_DATA")) {
        const struct CMUnitTest plans[] = {
            cmocka_unit_test(test_kept_order_plans),
            cmocka_unit_test(test_page_plans),
        };
        return cmocka_run_group_tests(plans, setup_existing, teardown_existing);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_order_plans),
        cmocka_unit_test(test_page_plans),
        cmocka_unit_test(test_tables_agree),
        cmocka_unit_test(test_lists_agree),
        cmocka_unit_test(test_sitemap_parts),
        cmocka_unit_test(test_combined_lists_agree),
        cmocka_unit_test(test_withdrawn_case_leaves_lists),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
