/*
 * test_pagecache.c — unit tests for the page cache (src/web/pagecache.c).
 *
 * The cache is process-wide, so every test starts from pagecache_free() and
 * compares statistics as differences.  Bodies hold the hole marker written
 * the way a template prints a number (decimal), and each test compares the
 * exact filled bytes.  Expiry after a lifetime (lists: PAGECACHE_TTL_S
 * seconds) is not tested: it would need a sleep or a clock hook.  Entries
 * put without a lifetime (case pages) live until their generation changes
 * or the LRU of their shard evicts them.
 *
 * The second half tests the generations the cache is keyed by
 * (store_page_generation, src/store/changes.c) on a real store in a
 * temporary folder: which writes change which page's generation.
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
#include "web/pagecache.h"

/* The hole marker as a view prints it. */
static char hole[24];

static int setup(void **state)
{
    (void)state;
    snprintf(hole, sizeof hole, "%lld", (long long)PAGECACHE_HOLE);
    pagecache_free();
    return pagecache_init();
}

static int teardown(void **state)
{
    (void)state;
    pagecache_free();
    return 0;
}

/* Build a body from fmt, where each "#" stands for the hole marker. */
static char *body_of(const char *fmt)
{
    size_t n = 1;
    for (const char *p = fmt; *p; p++)
        n += *p == '#' ? strlen(hole) : 1;
    char *s = malloc(n);
    assert_non_null(s);
    char *d = s;
    for (const char *p = fmt; *p; p++) {
        if (*p == '#') {
            memcpy(d, hole, strlen(hole));
            d += strlen(hole);
        } else {
            *d++ = *p;
        }
    }
    *d = 0;
    return s;
}

static void put(const char *key, uint64_t gen, const char *fmt, const char *ctype)
{
    char *b = body_of(fmt);
    pagecache_put(key, gen, b, strlen(b), ctype, 0);
    free(b);
}

/*
 * pagecache_get into a fresh buffer; returns the bytes (malloc'd) on a hit,
 * NULL on a miss.  *ctype is set on a hit.
 */
static char *get(const char *key, uint64_t gen, int64_t fill, const char **ctype)
{
    struct buf out;
    const char *ct = "unset";
    buf_init(&out, 0);
    int hit = pagecache_get(key, gen, fill, &out, &ct);
    if (!hit) {
        assert_int_equal(out.len, 0);
        assert_string_equal(ct, "unset");
        buf_release(&out);
        return NULL;
    }
    assert_int_equal(out.oom, 0);
    if (ctype)
        *ctype = ct;
    char *s = buf_detach(&out, NULL);
    return s ? s : strdup("");
}

#define assert_get(expect, key, gen, fill)                                                         \
    do {                                                                                           \
        char *got_ = get((key), (gen), (fill), NULL);                                              \
        assert_non_null(got_);                                                                     \
        assert_string_equal(got_, (expect));                                                       \
        free(got_);                                                                                \
    } while (0)

#define assert_miss(key, gen)                                                                      \
    do {                                                                                           \
        char *got_ = get((key), (gen), 0, NULL);                                                   \
        assert_null(got_);                                                                         \
    } while (0)

static void test_round_trip(void **state)
{
    (void)state;
    const char *ct = NULL;
    assert_miss("zh|html|/", 1);
    pagecache_put("zh|html|/", 1, "<p>上海</p>", strlen("<p>上海</p>"), "text/html", 0);
    char *got = get("zh|html|/", 1, 0, &ct);
    assert_non_null(got);
    assert_string_equal(got, "<p>上海</p>");
    assert_string_equal(ct, "text/html");
    free(got);
    /* Another key is another entry. */
    assert_miss("en|html|/", 1);
    pagecache_put("en|json|/", 1, "{}", 2, "application/json", 0);
    got = get("en|json|/", 1, 0, &ct);
    assert_string_equal(got, "{}");
    assert_string_equal(ct, "application/json");
    free(got);
    /* A second put under the same key replaces the first. */
    pagecache_put("zh|html|/", 1, "new", 3, "text/plain", 0);
    got = get("zh|html|/", 1, 0, &ct);
    assert_string_equal(got, "new");
    assert_string_equal(ct, "text/plain");
    free(got);
    /* An empty body is a hit with no bytes. */
    pagecache_put("empty", 1, "", 0, "text/plain", 0);
    assert_get("", "empty", 1, 0);
    /* A hit appends to what the buffer holds. */
    struct buf out;
    buf_init(&out, 0);
    buf_puts(&out, "pre:");
    assert_int_equal(pagecache_get("en|json|/", 1, 0, &out, &ct), 1);
    assert_string_equal(out.p, "pre:{}");
    buf_release(&out);
}

static void test_holes(void **state)
{
    (void)state;
    put("one", 1, "<b>#</b> views", "text/html");
    assert_get("<b>42</b> views", "one", 1, 42);
    /* The fill is per hit. */
    assert_get("<b>0</b> views", "one", 1, 0);
    assert_get("<b>1234567890123</b> views", "one", 1, 1234567890123LL);
    assert_get("<b>-1</b> views", "one", 1, -1);
    /* Several holes, at the very start and end too. */
    put("many", 1, "#<i>#</i>##, 浏览#", "text/html");
    assert_get("7<i>7</i>77, 浏览7", "many", 1, 7);
    assert_get("105<i>105</i>105105, 浏览105", "many", 1, 105);
    /* Only the whole marker is a hole: a shorter run of sevens is text. */
    put("sevens", 1, "777777777777 #", "text/html");
    assert_get("777777777777 9", "sevens", 1, 9);
    /* No holes: the fill is not used. */
    put("none", 1, "plain 123", "text/html");
    assert_get("plain 123", "none", 1, 5);
}

static void test_fill(void **state)
{
    (void)state;
    struct buf out;
    char *b = body_of("a#b#c");
    buf_init(&out, 0);
    pagecache_fill(b, strlen(b), 31, &out);
    assert_int_equal(out.oom, 0);
    assert_string_equal(out.p, "a31b31c");
    assert_int_equal(out.len, 7);
    /* The length bounds the body: "a" and a marker cut one digit short is text. */
    buf_reset(&out);
    pagecache_fill(b, strlen(hole), 31, &out);
    assert_int_equal(out.len, strlen(hole));
    assert_memory_equal(out.p, b, strlen(hole));
    free(b);
    buf_reset(&out);
    pagecache_fill("", 0, 31, &out);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    /* pagecache_fill does not cache anything. */
    assert_miss("a#b#c", 0);
}

static void test_generation(void **state)
{
    (void)state;
    pagecache_put("k", 5, "v5", 2, "text/plain", 0);
    assert_get("v5", "k", 5, 0);
    /* A newer generation misses; the stale entry is dropped. */
    assert_miss("k", 6);
    assert_miss("k", 5);
    pagecache_put("k", 6, "v6", 2, "text/plain", 0);
    assert_miss("k", 5);
    assert_miss("k", 7);
}

static void test_disabled(void **state)
{
    (void)state;
    pagecache_put("k", 1, "v1", 2, "text/plain", 0);
    assert_get("v1", "k", 1, 0);
    pagecache_set_enabled(0);
    /* Off: nothing is served, nothing is kept. */
    assert_miss("k", 1);
    pagecache_put("j", 1, "w1", 2, "text/plain", 0);
    pagecache_set_enabled(1);
    assert_miss("j", 1);
    pagecache_put("j", 1, "w1", 2, "text/plain", 0);
    assert_get("w1", "j", 1, 0);
}

static void test_stats(void **state)
{
    (void)state;
    uint64_t h0, m0, b0, h, m, b;
    pagecache_stats(&h0, &m0, &b0);
    assert_int_equal(b0, 0);
    assert_miss("s1", 1);
    put("s1", 1, "ab#cd", "text/html");
    assert_get("ab1cd", "s1", 1, 1);
    assert_get("ab2cd", "s1", 1, 2);
    assert_miss("s2", 1);
    assert_miss("s1", 2);
    pagecache_stats(&h, &m, &b);
    assert_int_equal(h - h0, 2);
    assert_int_equal(m - m0, 3);
    /* The s1 entry went with the generation miss. */
    assert_int_equal(b, 0);
    /* Bytes count the body without markers, and the key. */
    put("key4", 1, "12#45", "text/html");
    pagecache_stats(&h, &m, &b);
    assert_int_equal(b, 4 + 4);
    pagecache_put("key4", 1, "123456789", 9, "text/html", 0);
    pagecache_stats(&h, &m, &b);
    assert_int_equal(b, 9 + 4);
    pagecache_free();
    pagecache_stats(&h, &m, &b);
    assert_int_equal(b, 0);
}

/* A body of n bytes of c. */
static char *filled(size_t n, char c)
{
    char *s = malloc(n);
    assert_non_null(s);
    memset(s, c, n);
    return s;
}

/* The bytes one shard may hold under a bound of mb megabytes. */
static size_t shard_bytes(unsigned mb)
{
    return ((size_t)mb << 20) / PAGECACHE_SHARDS;
}

/* n keys "k..." that live in one shard, into keys[i] (8 bytes each). */
static void same_shard_keys(char (*keys)[8], int n)
{
    unsigned want = pagecache_shard_of("k0");
    int got = 0;
    for (int i = 0; got < n && i < 100000; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        if (pagecache_shard_of(k) == want)
            snprintf(keys[got++], 8, "%s", k);
    }
    assert_int_equal(got, n);
}

static void test_lru(void **state)
{
    (void)state;
    /* Eight entries just fit in a shard of a 16 MB cache. */
    pagecache_set_limit(16);
    const size_t size = shard_bytes(16) / 8 - 64;
    char *body = filled(size, 'x');
    char keys[10][8];
    same_shard_keys(keys, 10);
    uint64_t h, m, b, keybytes = 0;
    for (int i = 0; i < 8; i++) {
        body[0] = (char)('0' + i);
        pagecache_put(keys[i], 1, body, size, "text/html", 0);
        keybytes += strlen(keys[i]);
    }
    pagecache_stats(&h, &m, &b);
    assert_int_equal(b, 8 * size + keybytes);
    /* Use the second, so the third becomes the oldest after the first. */
    struct buf out;
    const char *ct;
    buf_init(&out, 0);
    assert_int_equal(pagecache_get(keys[1], 1, 0, &out, &ct), 1);
    assert_int_equal(out.len, size);
    assert_int_equal(out.p[0], '1');
    buf_release(&out);
    /* A ninth entry pushes out the least recently used one: the first. */
    body[0] = '8';
    pagecache_put(keys[8], 1, body, size, "text/html", 0);
    assert_miss(keys[0], 1);
    /* A tenth: the third, not the recently used second. */
    body[0] = '9';
    pagecache_put(keys[9], 1, body, size, "text/html", 0);
    assert_miss(keys[2], 1);
    for (int i = 1; i <= 9; i++) {
        if (i == 2)
            continue;
        buf_init(&out, 0);
        if (pagecache_get(keys[i], 1, 0, &out, &ct) != 1)
            fail_msg("%s was evicted", keys[i]);
        assert_int_equal(out.len, size);
        assert_int_equal(out.p[0], '0' + i);
        buf_release(&out);
    }
    /* Another shard is untouched by this one's evictions. */
    pagecache_stats(&h, &m, &b);
    assert_true(b <= shard_bytes(16));
    free(body);
    pagecache_set_limit(PAGECACHE_DEFAULT_MB);
}

static void test_too_big(void **state)
{
    (void)state;
    uint64_t h, m, b;
    /* An entry larger than a quarter of its shard is not kept. */
    pagecache_set_limit(16);
    size_t size = shard_bytes(16) / 4 + 1;
    char *body = filled(size, 'y');
    pagecache_put("big", 1, body, size, "text/html", 0);
    assert_miss("big", 1);
    /* Exactly a quarter is fine. */
    pagecache_put("big", 1, body, size - 1, "text/html", 0);
    pagecache_stats(&h, &m, &b);
    assert_int_equal(b, size - 1 + 3);
    char *got = get("big", 1, 0, NULL);
    assert_non_null(got);
    assert_int_equal(strlen(got), size - 1);
    free(got);
    free(body);
    pagecache_set_limit(PAGECACHE_DEFAULT_MB);
}

/* ---- Generations ------------------------------------------------------ */

/* Campaign 1 published (the public one), campaign 2 open; case 1 in each... */
static const char seed_sql[] =
    "INSERT INTO campaign (id, slug, name, status, opens_at, closes_at, published_at) VALUES "
    "  (1, '2019', 'A', 'published', '2018-07-01', '2018-10-31', '2019-12-27'),"
    "  (2, 'current', 'B', 'open', '2020-07-01', '2020-10-31', NULL);"
    "INSERT OR IGNORE INTO region (code, name) VALUES ('310000', '上海市');"
    "INSERT INTO unit (id, region_code, name, level) VALUES (1, '310000', 'U', 1);"
    "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 't', 'T'), (2, 2, 't', 'T');"
    "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, status) VALUES "
    "  (1, 1, 1, '310000', 1, 'public', 'published'), (2, 2, 1, '310000', 2, 'draft', 'draft');"
    "INSERT INTO case_section (case_id, seq, body_md) VALUES (1, 1, 'a'), (2, 1, 'b');"
    "INSERT INTO tag (id, name) VALUES (1, '社区');";

struct sql_write {
    const char *sql;
    int rc; /* what the write returns */
};

static int run_sql(struct store_tx *tx, void *arg)
{
    struct sql_write *w = arg;
    if (sqlite3_exec(tx->db, w->sql, NULL, NULL, NULL) != SQLITE_OK)
        return RC_ERROR;
    return w->rc;
}

static void write_sql(struct store *st, const char *sql, int rc)
{
    struct sql_write w = {sql, rc};
    int got = store_write_sync(st, run_sql, &w);
    if (got != rc)
        fail_msg("%s: expected %d, saw %d", sql, rc, got);
}

struct gens {
    uint64_t lists, c1, c2;
};

static struct gens gens_of(struct store *st)
{
    struct gens g = {store_page_generation(st, 0), store_page_generation(st, 1),
                     store_page_generation(st, 2)};
    return g;
}

/* Which of the three generations changed between a and b: "lists", "c1", "c2". */
static void changed_at(int line, struct gens a, struct gens b, int lists, int c1, int c2)
{
    if ((a.lists != b.lists) != lists || (a.c1 != b.c1) != c1 || (a.c2 != b.c2) != c2)
        fail_msg("line %d: expected lists %d case1 %d case2 %d to change, saw %d %d %d", line,
                 lists, c1, c2, a.lists != b.lists, a.c1 != b.c1, a.c2 != b.c2);
}
#define assert_changed(...) changed_at(__LINE__, __VA_ARGS__)

static void test_page_generations(void **state)
{
    (void)state;
    char dir[] = "/tmp/laurel-test-gen.XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    struct store *st = store_open(dir, 1, err, sizeof err);
    assert_non_null(st);
    write_sql(st, seed_sql, RC_OK);
    assert_int_equal(store_reload(st), 0); /* campaign 1 becomes the public one */
    struct gens g0 = gens_of(st), g;

    /* A draft of the open call: its own page only, no public list. */
    write_sql(st, "UPDATE \"case\" SET title = 'draft 2' WHERE id = 2", RC_OK);
    assert_changed(g0, g = gens_of(st), 0, 0, 1);
    write_sql(st, "UPDATE case_section SET body_md = 'c' WHERE case_id = 2", RC_OK);
    assert_changed(g, g0 = gens_of(st), 0, 0, 1);
    /* A row of a table no public page reads: nothing. */
    write_sql(st, "INSERT INTO case_event (case_id, to_status) VALUES (1, 'published')", RC_OK);
    assert_changed(g0, g = gens_of(st), 0, 0, 0);
    /* A voter and the codes voters and objectors ask for: no page shows them. */
    write_sql(st, "INSERT INTO voter (hmac, kind, masked) VALUES ('ab', 'phone', '138****0000')",
              RC_OK);
    assert_changed(g, g0 = gens_of(st), 0, 0, 0);
    write_sql(st,
              "INSERT INTO objection_code (campaign_id, contact, code_hash, created_at) "
              "VALUES (1, 'cd', 'ef', 0)",
              RC_OK);
    assert_changed(g0, g = gens_of(st), 0, 0, 0);
    /* The published case's section: it and the lists, no other case page. */
    write_sql(st, "UPDATE case_section SET body_md = 'd' WHERE case_id = 1", RC_OK);
    assert_changed(g, g0 = gens_of(st), 1, 1, 0);
    /*
     * Its tags (a WITHOUT ROWID table) or its own row (title): every case
     * page too, as each names its previous, next and related cases.
     */
    write_sql(st, "INSERT INTO case_tag (case_id, tag_id) VALUES (1, 1)", RC_OK);
    assert_changed(g0, g = gens_of(st), 1, 1, 1);
    write_sql(st, "UPDATE \"case\" SET title = 'public 2' WHERE id = 1", RC_OK);
    assert_changed(g, g0 = gens_of(st), 1, 1, 1);
    /* A case moved out of the public campaign counts for the lists it left. */
    write_sql(st, "UPDATE \"case\" SET campaign_id = 2, track_id = 2 WHERE id = 1", RC_OK);
    assert_changed(g0, g = gens_of(st), 1, 1, 1);
    g0 = g;
    /* While out of it, its title is no public page's: its own page only. */
    write_sql(st, "UPDATE \"case\" SET title = 'public 3' WHERE id = 1", RC_OK);
    assert_changed(g0, g = gens_of(st), 0, 1, 0);
    write_sql(st, "UPDATE \"case\" SET campaign_id = 1, track_id = 1 WHERE id = 1", RC_OK);
    g0 = gens_of(st);
    /* A write that fails changes nothing, even after changing rows. */
    write_sql(st, "UPDATE \"case\" SET title = 'x' WHERE id = 1", RC_NOTFOUND);
    assert_changed(g0, g = gens_of(st), 0, 0, 0);
    /* Anything else (a tag's name, a region): every page. */
    write_sql(st, "UPDATE tag SET name = '党建' WHERE id = 1", RC_OK);
    assert_changed(g, g0 = gens_of(st), 1, 1, 1);
    write_sql(st, "UPDATE region SET name = '沪' WHERE code = '310000'", RC_OK);
    assert_changed(g0, g = gens_of(st), 1, 1, 1);

    store_close(st);
    char path[512];
    static const char *const files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm", "signing.key",
                                        "signing.pub"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
        cmocka_unit_test(test_page_generations),
        cmocka_unit_test_setup_teardown(test_lru, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
