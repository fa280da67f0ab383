/*
 * test_news.c — news rules and announcements (src/domain/news.c), image
 * headers (src/domain/image.c), and the store's announcement draft
 * (tx_news_announce, src/store/sqlite_news.c) on a demo database: the
 * function the 公示 calls with a campaign, a list of (case, tier) and the
 * period's dates.
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
#include "domain/image.h"
#include "domain/news.h"
#include "store/news.h"

static void test_slug_valid(void **state)
{
    (void)state;
    const char *good[] = {"results-2019", "a", "news-2020-02-04", "x1", "2019-results"};
    const char *bad[] = {"",    "-a",   "a-",   "a--b", "Results", "a b",
                         "a_b", "2019", "中文", "a/b",  "a.b",     NULL};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(news_slug_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(news_slug_valid(bad[i]));
    char long_slug[NEWS_SLUG_MAX + 2];
    memset(long_slug, 'a', sizeof long_slug - 1);
    long_slug[NEWS_SLUG_MAX + 1] = 0;
    assert_false(news_slug_valid(long_slug));
    long_slug[NEWS_SLUG_MAX] = 0;
    assert_true(news_slug_valid(long_slug));
}

static void test_slug_from_title(void **state)
{
    (void)state;
    char out[32];
    news_slug_from_title("Laurel 2020: Opening Day!", out, sizeof out);
    assert_string_equal(out, "laurel-2020-opening-day");
    news_slug_from_title("全国城市基层党建创新案例揭晓", out, sizeof out);
    assert_string_equal(out, "");
    news_slug_from_title("上海13个案例入选", out, sizeof out);
    assert_string_equal(out, ""); /* digits alone would read as an id */
    news_slug_from_title("  --Hello--World--  ", out, sizeof out);
    assert_string_equal(out, "hello-world");
    char small[8];
    news_slug_from_title("abc defgh", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_true(news_slug_valid(small));
}

static void test_moves(void **state)
{
    (void)state;
    assert_true(news_can_move(NEWS_DRAFT, NEWS_PUBLISHED));
    assert_true(news_can_move(NEWS_UNPUBLISHED, NEWS_PUBLISHED));
    assert_true(news_can_move(NEWS_PUBLISHED, NEWS_UNPUBLISHED));
    assert_false(news_can_move(NEWS_PUBLISHED, NEWS_PUBLISHED));
    assert_false(news_can_move(NEWS_DRAFT, NEWS_UNPUBLISHED));
    assert_false(news_can_move(NEWS_UNPUBLISHED, NEWS_UNPUBLISHED));
    assert_false(news_can_move(NEWS_PUBLISHED, NEWS_DRAFT));
    for (int i = 0; i < NEWS__STATUSES; i++)
        assert_int_equal(news_status_of(news_status_names[i]), i);
    assert_int_equal(news_status_of("Published"), -1);
}

static const char *const tiers[] = {"最佳案例", "优秀案例"};

static void test_announcement(void **state)
{
    (void)state;
    /* Given out of order: the text lists by tier, then region code, then as given. */
    const struct news_award awards[] = {
        {"乙街道*做法*", "乙街道", "浙江省", "330000", 1},
        {"甲案例", "甲单位", "上海市", "310000", 0},
        {"丙案例 [链接](javascript:x)", "丙单位", "北京市", "110000", 1},
        {"丁案例", "丁单位", "上海市", "310000", 1},
        {"戊案例", "", "上海市", "310000", 0},
    };
    struct news_announcement a = {NEWS_KIND_NOTICE, "2020 评选", tiers,        2,
                                  awards,           5,           "2020-12-01", "2020-12-07"};
    char *title = news_announcement_title(&a);
    assert_string_equal(title, "2020 评选拟入选案例公示");
    free(title);
    char *md = news_announcement_markdown(&a);
    assert_non_null(md);
    assert_non_null(strstr(md, "拟入选案例共 5 个，其中最佳案例 2 个，优秀案例 3 个"));
    assert_non_null(strstr(md, "公示期：2020\\-12\\-01 至 2020\\-12\\-07"));
    const char *best = strstr(md, "## 最佳案例（2 个）");
    const char *good = strstr(md, "## 优秀案例（3 个）");
    assert_non_null(best);
    assert_non_null(good);
    assert_true(best < good);
    /* Within 优秀案例: 北京市 (110000), 上海市 (310000), 浙江省 (330000). */
    const char *bj = strstr(good, "### 北京市"), *sh = strstr(good, "### 上海市"),
               *zj = strstr(good, "### 浙江省");
    assert_true(bj && sh && zj && bj < sh && sh < zj);
    /* 甲 before 戊, as given; a unit is named, an empty one is not. */
    const char *jia = strstr(best, "1. 甲案例（甲单位）"), *wu = strstr(best, "2. 戊案例\n");
    assert_true(jia && wu && jia < wu && wu < good);
    /* Markup a unit typed stays text. */
    assert_non_null(strstr(md, "乙街道\\*做法\\*"));
    assert_non_null(strstr(md, "丙案例 \\[链接\\]\\(javascript:x\\)"));
    free(md);

    a.kind = NEWS_KIND_RESULTS;
    title = news_announcement_title(&a);
    assert_string_equal(title, "2020 评选结果公告");
    free(title);
    md = news_announcement_markdown(&a);
    assert_null(strstr(md, "公示期"));
    assert_non_null(strstr(md, "现将获奖名单予以公布"));
    free(md);

    /* A tier out of range is refused; an empty list still says what it is. */
    struct news_award wrong = {"x", "y", "z", "110000", 2};
    a.awards = &wrong;
    a.nawards = 1;
    assert_null(news_announcement_markdown(&a));
    a.nawards = 0;
    md = news_announcement_markdown(&a);
    assert_non_null(strstr(md, "最佳案例：0 个"));
    assert_null(strstr(md, "## 最佳案例（"));
    free(md);
}

static void test_image_probe(void **state)
{
    (void)state;
    static const unsigned char png[] =
        "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\x80\0\0\x01\xe0\x08\x06";
    unsigned w = 0, h = 0;
    assert_string_equal(image_probe(png, sizeof png - 1, &w, &h), "image/png");
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    assert_null(image_probe(png, 20, &w, &h)); /* cut before the size */
    static const unsigned char gif[] = "GIF89a\x10\0\x20\0";
    assert_string_equal(image_probe(gif, sizeof gif - 1, &w, &h), "image/gif");
    assert_int_equal(w, 16);
    assert_int_equal(h, 32);
    /* JPEG: SOI, an APP0 segment, then SOF0 with height 100 and width 200. */
    static const unsigned char jpg[] =
        "\xff\xd8\xff\xe0\0\x04JF\xff\xc0\0\x0b\x08\0\x64\0\xc8\x03\x01\x22\0";
    assert_string_equal(image_probe(jpg, sizeof jpg - 1, &w, &h), "image/jpeg");
    assert_int_equal(w, 200);
    assert_int_equal(h, 100);
    /* A segment longer than the file, a scan before any frame, text, zero sides. */
    static const unsigned char jpg_long[] = "\xff\xd8\xff\xe0\x7f\xff\0\0";
    assert_null(image_probe(jpg_long, sizeof jpg_long - 1, &w, &h));
    static const unsigned char jpg_scan[] = "\xff\xd8\xff\xda\0\x04\0\0";
    assert_null(image_probe(jpg_scan, sizeof jpg_scan - 1, &w, &h));
    static const unsigned char text[] = "<svg onload=alert(1)>";
    assert_null(image_probe(text, sizeof text - 1, &w, &h));
    static const unsigned char gif0[] = "GIF87a\0\0\x01\0";
    assert_null(image_probe(gif0, sizeof gif0 - 1, &w, &h));
}

/* ------------------------------------------------------------ the store */

static char dir[64];
static struct store *st;
static int64_t campaign;

static int store_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/laurel-news-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char err[256] = "";
    st = store_open(dir, 1, err, sizeof err);
    if (!st || demo_load(st, 2019, 300, err, sizeof err) != 0) {
        fprintf(stderr, "demo: %s\n", err);
        return -1;
    }
    campaign = store_news_campaign(st);
    return campaign ? 0 : -1;
}

static int store_teardown(void **state)
{
    (void)state;
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* Rows of SQL text q with ?1 bound to id, on a connection of the test's own. */
static int64_t count_of(const char *q, int64_t id)
{
    char path[128];
    sqlite3 *db;
    sqlite3_stmt *s;
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, id);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

struct announce_job {
    const struct news_pick *picks;
    size_t n;
    int64_t id;
};

static int announce(struct store_tx *tx, void *arg)
{
    struct announce_job *j = arg;
    return tx_news_announce(tx, campaign, NEWS_KIND_NOTICE, j->picks, j->n, "2019-11-25",
                            "2019-11-29", "2019-11-25", &j->id);
}

static void test_store_announce(void **state)
{
    (void)state;
    int64_t best = count_of("SELECT id FROM tier WHERE campaign_id = ?1 ORDER BY rank", campaign);
    int64_t good =
        count_of("SELECT id FROM tier WHERE campaign_id = ?1 ORDER BY rank DESC", campaign);
    int64_t c1 = count_of("SELECT min(id) FROM \"case\" WHERE campaign_id = ?1", campaign);
    int64_t c2 = count_of("SELECT max(id) FROM \"case\" WHERE campaign_id = ?1", campaign);
    int64_t before = count_of("SELECT count(*) FROM article WHERE campaign_id = ?1", campaign);
    struct news_pick picks[] = {{c2, good}, {c1, best}};
    struct announce_job j = {picks, 2, 0};
    assert_int_equal(store_write_sync(st, announce, &j), RC_OK);
    json_t *a = store_news_get(st, j.id);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "draft");
    assert_string_equal(json_string_value(json_object_get(a, "kind")), "notice");
    assert_string_equal(json_string_value(json_object_get(a, "published_at")), "2019-11-25");
    assert_true(news_slug_valid(json_string_value(json_object_get(a, "slug"))));
    const char *md = json_string_value(json_object_get(a, "body_md"));
    assert_non_null(strstr(md, "拟入选案例共 2 个"));
    assert_non_null(strstr(md, "公示期：2019\\-11\\-25 至 2019\\-11\\-29"));
    /* A draft is not public, by its slug or its number. */
    assert_int_equal(store_news_public_id(st, json_string_value(json_object_get(a, "slug"))), 0);
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)j.id);
    assert_int_equal(store_news_public_id(st, num), 0);
    json_decref(a);

    /* Again: the same text under the next free slug. */
    struct announce_job again = {picks, 2, 0};
    assert_int_equal(store_write_sync(st, announce, &again), RC_OK);
    json_t *a1 = store_news_get(st, j.id), *a2 = store_news_get(st, again.id);
    assert_string_not_equal(json_string_value(json_object_get(a1, "slug")),
                            json_string_value(json_object_get(a2, "slug")));
    json_decref(a1);
    json_decref(a2);

    /* A case or a tier not of the campaign: refused, nothing written. */
    struct news_pick stranger[] = {{c1, best}, {c2 + 1000000, good}};
    struct announce_job bad = {stranger, 2, 0};
    assert_int_equal(store_write_sync(st, announce, &bad), RC_INVALID);
    struct news_pick wrong_tier[] = {{c1, best + good + 1000}};
    bad.picks = wrong_tier;
    bad.n = 1;
    assert_int_equal(store_write_sync(st, announce, &bad), RC_INVALID);
    assert_int_equal(count_of("SELECT count(*) FROM article WHERE campaign_id = ?1", campaign),
                     before + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slug_valid),  cmocka_unit_test(test_slug_from_title),
        cmocka_unit_test(test_moves),       cmocka_unit_test(test_announcement),
        cmocka_unit_test(test_image_probe),
    };
    const struct CMUnitTest store_tests[] = {
        cmocka_unit_test(test_store_announce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL) |
           cmocka_run_group_tests(store_tests, store_setup, store_teardown);
}
