/*
 * test_dedupe.c — unit tests of near-duplicate detection (domain/dedupe):
 * normalisation, identical and lightly edited texts, unrelated Chinese
 * texts, ordering, empty texts, options and determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/dedupe.h"

/* Two unrelated paragraphs on grassroots governance, sharing its vocabulary. */
static const char text_a[] =
    "浦东新区周家渡街道以党建引领物业治理，建立居民区党组织、业委会、物业公司三方联动机制，"
    "每月召开联席会议，协商解决停车难、加装电梯、垃圾分类等居民关心的问题。两年来，"
    "街道共化解物业矛盾三百余件，居民满意度从百分之六十二提升到百分之九十一，"
    "形成了可复制、可推广的红色物业经验。";
static const char text_b[] =
    "成都市武侯区针对老旧院落无人管理的困境，推动院落自治，由居民推选院落长，"
    "设立议事会和监事会，制定院落公约。区里拿出专项资金支持微更新，"
    "改造了排水管网、照明设施和休闲空间，让老院落焕发新活力，"
    "探索出一条党委领导、政府支持、居民主体的社区发展治理新路。";

/* Common characters to build long pseudo-random Chinese texts from. */
static const char pool[] = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对"
                           "成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进"
                           "着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去"
                           "把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重";

static uint64_t state_rng = 1;

static uint64_t rnd(void)
{
    uint64_t z = (state_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n random pool characters (3 bytes each) into out, NUL-terminated. */
static void random_text(char *out, int n)
{
    int npool = (int)(sizeof pool - 1) / 3;
    for (int i = 0; i < n; i++)
        memcpy(out + 3 * i, pool + 3 * (rnd() % (uint64_t)npool), 3);
    out[3 * n] = 0;
}

static void test_normalise(void **state)
{
    uint32_t cp[64];
    const char *s = "社区 治理，\t“ABC”１２ｘ\xff。〇";
    size_t n = dedupe_normalise(s, strlen(s), cp);
    const uint32_t expect[] = {0x793E, 0x533A, 0x6CBB, 0x7406, 'a',   'b',
                               'c',    '1',    '2',    'x',    0x3007};
    (void)state;
    assert_int_equal(n, sizeof expect / sizeof expect[0]);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cp[i], expect[i]);
    /* Texts that differ only in spacing, punctuation and case are identical. */
    const char *x = "Laurel 社区治理：共建、共治、共享！";
    const char *y = "laurel社区治理共建 共治 共享";
    assert_true(dedupe_jaccard(x, strlen(x), y, strlen(y), NULL) == 1.0);
}

static void test_identical(void **state)
{
    uint64_t sa[DEDUPE_HASHES], sb[DEDUPE_HASHES];
    const char *texts[] = {text_a, text_b, text_a};
    size_t lens[] = {strlen(text_a), strlen(text_b), strlen(text_a)};
    struct dedupe_result res;
    (void)state;
    assert_true(dedupe_signature(text_a, lens[0], NULL, sa) > 100);
    assert_true(dedupe_signature(text_a, lens[0], NULL, sb) > 100);
    assert_true(dedupe_estimate(sa, sb) == 1.0);
    assert_true(dedupe_jaccard(text_a, lens[0], text_a, lens[0], NULL) == 1.0);
    assert_int_equal(dedupe_find(texts, lens, 3, NULL, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 1);
    assert_int_equal(res.pairs[0].a, 0);
    assert_int_equal(res.pairs[0].b, 2);
    assert_true(res.pairs[0].similarity == 1.0);
    assert_true(res.pairs[0].jaccard == -1);
    dedupe_result_free(&res);
}

static void test_unrelated(void **state)
{
    static char r1[3 * 1500 + 1], r2[3 * 1500 + 1];
    uint64_t sa[DEDUPE_HASHES], sb[DEDUPE_HASHES];
    (void)state;
    state_rng = 7;
    random_text(r1, 1500);
    random_text(r2, 1500);
    const char *texts[] = {text_a, text_b, r1, r2};
    size_t lens[] = {strlen(text_a), strlen(text_b), strlen(r1), strlen(r2)};
    struct dedupe_result res;
    assert_int_equal(dedupe_find(texts, lens, 4, NULL, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 0);
    assert_int_equal(res.nempty, 0);
    dedupe_result_free(&res);
    dedupe_signature(text_a, lens[0], NULL, sa);
    dedupe_signature(text_b, lens[1], NULL, sb);
    assert_true(dedupe_estimate(sa, sb) < 0.1);
    assert_true(dedupe_jaccard(text_a, lens[0], text_b, lens[1], NULL) < 0.05);
    /* Even the exact Jaccard and a low threshold pair nothing. */
    struct dedupe_options o = {.exact = 1, .threshold = 0.2};
    assert_int_equal(dedupe_find(texts, lens, 4, &o, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 0);
    dedupe_result_free(&res);
}

/* Copy src (n pool characters) changing `run` characters every `every`, from position `at`. */
static void edit(const char *src, char *dst, int n, int every, int run, int at)
{
    memcpy(dst, src, 3 * (size_t)n + 1);
    for (int i = at; i < n; i += every)
        for (int j = 0; j < run && i + j < n; j++)
            memcpy(dst + 3 * (i + j), "鑫", 3); /* not in the pool */
}

static void test_ten_percent_changed(void **state)
{
    static char orig[3 * 1000 + 1], copy[3 * 1000 + 1], scattered[3 * 1000 + 1],
        other[3 * 1000 + 1];
    (void)state;
    state_rng = 42;
    random_text(orig, 1000);
    random_text(other, 1000);
    edit(orig, copy, 1000, 50, 5, 20);     /* 10 %: 5 characters in every 50 */
    edit(orig, scattered, 1000, 10, 1, 5); /* 10 %: every tenth character */
    const char *texts[] = {other, orig, text_a, copy, scattered};
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(texts[i]);

    /*
     * Runs: 20 runs destroy 20 × (5 + 4) of 996 shingles, leaving 816; the
     * copy has 20 × 8 new ones plus "鑫鑫鑫鑫鑫" once: Jaccard 816 / 1157 = 0.705.
     */
    double j = dedupe_jaccard(orig, lens[1], copy, lens[3], NULL);
    assert_true(fabs(j - 816.0 / 1157.0) < 0.01);
    /* Scattered: 100 edits leave 0.9^5 of the shingles or so, Jaccard near 0.42. */
    double js = dedupe_jaccard(orig, lens[1], scattered, lens[4], NULL);
    assert_true(js > 0.3 && js < 0.5);

    struct dedupe_result res;
    assert_int_equal(dedupe_find(texts, lens, 5, NULL, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 1); /* the scattered copy stays below 0.5 */
    assert_int_equal(res.pairs[0].a, 1);
    assert_int_equal(res.pairs[0].b, 3);
    assert_true(fabs(res.pairs[0].estimate - j) < 0.15);
    dedupe_result_free(&res);

    /* With 64 bands of 2 rows, 3-character shingles and a threshold of 0.35, both are found. */
    struct dedupe_options o = {.shingle = 3, .bands = 64, .threshold = 0.35, .exact = 1};
    assert_int_equal(dedupe_find(texts, lens, 5, &o, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 3); /* copy–orig, scattered–orig, scattered–copy */
    assert_int_equal(res.pairs[0].a, 1);
    assert_int_equal(res.pairs[0].b, 3);
    for (int i = 0; i < res.npairs; i++) {
        assert_true(res.pairs[i].jaccard >= 0.35);
        assert_true(res.pairs[i].similarity == res.pairs[i].jaccard);
        if (i)
            assert_true(res.pairs[i - 1].similarity >= res.pairs[i].similarity);
    }
    dedupe_result_free(&res);
}

static void test_deterministic(void **state)
{
    static char t[6][3 * 600 + 1];
    const char *texts[6];
    size_t lens[6];
    struct dedupe_result r1, r2;
    uint64_t s1[DEDUPE_HASHES], s2[DEDUPE_HASHES];
    (void)state;
    state_rng = 3;
    random_text(t[0], 600);
    random_text(t[1], 600);
    edit(t[0], t[2], 600, 40, 4, 3);
    edit(t[0], t[3], 600, 60, 6, 11);
    edit(t[1], t[4], 600, 30, 2, 0);
    random_text(t[5], 600);
    for (int i = 0; i < 6; i++)
        texts[i] = t[i], lens[i] = strlen(t[i]);
    assert_int_equal(dedupe_find(texts, lens, 6, NULL, &r1), DEDUPE_OK);
    assert_int_equal(dedupe_find(texts, lens, 6, NULL, &r2), DEDUPE_OK);
    assert_int_equal(r1.npairs, r2.npairs);
    assert_true(r1.npairs >= 3);
    for (int i = 0; i < r1.npairs; i++) {
        assert_int_equal(r1.pairs[i].a, r2.pairs[i].a);
        assert_int_equal(r1.pairs[i].b, r2.pairs[i].b);
        assert_true(r1.pairs[i].similarity == r2.pairs[i].similarity);
        if (i)
            assert_true(r1.pairs[i - 1].similarity >= r1.pairs[i].similarity);
    }
    dedupe_result_free(&r1);
    dedupe_result_free(&r2);
    /* Another seed gives other signatures but about the same estimates. */
    struct dedupe_options o = {.seed = 12345};
    uint64_t o1[DEDUPE_HASHES], o2[DEDUPE_HASHES];
    dedupe_signature(t[0], lens[0], NULL, s1);
    dedupe_signature(t[2], lens[2], NULL, s2);
    dedupe_signature(t[0], lens[0], &o, o1);
    dedupe_signature(t[2], lens[2], &o, o2);
    assert_memory_not_equal(s1, o1, sizeof s1);
    assert_true(fabs(dedupe_estimate(s1, s2) - dedupe_estimate(o1, o2)) < 0.2);
}

static void test_short_and_empty(void **state)
{
    uint64_t sig[DEDUPE_HASHES];
    const char *texts[] = {"", " ，。 ", "社区", "社区！", "党建"};
    size_t lens[5];
    struct dedupe_result res;
    (void)state;
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(texts[i]);
    assert_int_equal(dedupe_signature("", 0, NULL, sig), 0);
    assert_true(sig[0] == UINT64_MAX);
    assert_int_equal(dedupe_signature("社区", lens[2], NULL, sig), 1); /* one short shingle */
    for (int j = 0; j < DEDUPE_HASHES; j++)
        assert_true(sig[j] != UINT64_MAX); /* densified */
    assert_int_equal(dedupe_find(texts, lens, 5, NULL, &res), DEDUPE_OK);
    assert_int_equal(res.nempty, 2);
    assert_int_equal(res.npairs, 1);
    assert_int_equal(res.pairs[0].a, 2);
    assert_int_equal(res.pairs[0].b, 3);
    dedupe_result_free(&res);
    assert_true(dedupe_jaccard("", 0, "", 0, NULL) == 1.0);
    assert_true(dedupe_jaccard("", 0, "社区", lens[2], NULL) == 0.0);
    assert_int_equal(dedupe_find(NULL, NULL, 0, NULL, &res), DEDUPE_OK);
    assert_int_equal(res.npairs, 0);
    dedupe_result_free(&res);
}

static void test_options(void **state)
{
    const char *texts[] = {"社区治理"};
    size_t lens[] = {strlen(texts[0])};
    struct dedupe_result res;
    uint64_t sig[DEDUPE_HASHES];
    (void)state;
    struct dedupe_options bad[] = {
        {.bands = 3}, {.bands = 256}, {.threshold = 1.5}, {.threshold = -0.1}, {.shingle = -1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(dedupe_find(texts, lens, 1, &bad[i], &res), DEDUPE_EINVAL);
        assert_int_equal(dedupe_signature(texts[0], lens[0], &bad[i], sig), -1);
    }
    struct dedupe_options one_band = {.bands = 1}, all_bands = {.bands = 128};
    assert_int_equal(dedupe_find(texts, lens, 1, &one_band, &res), DEDUPE_OK);
    dedupe_result_free(&res);
    assert_int_equal(dedupe_find(texts, lens, 1, &all_bands, &res), DEDUPE_OK);
    dedupe_result_free(&res);
    assert_int_equal(dedupe_find(texts, lens, -1, NULL, &res), DEDUPE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),     cmocka_unit_test(test_identical),
        cmocka_unit_test(test_unrelated),     cmocka_unit_test(test_ten_percent_changed),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_short_and_empty),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
