/*
 * test_demo.c — unit tests of the deterministic demo campaign generator.
 *
 * A counting sink records everything demo_generate() emits: a running hash
 * of every field (for determinism), record counts, per-region awards, the
 * unit tree, title hashes (for duplicates) and the length and well-formedness
 * of every string.  The tests then check the campaign's fixed facts: 40 best
 * and 90 excellent cases, the 13 real Shanghai results with their tiers,
 * Shanghai strictly ahead of every other region, 陆家嘴 only where the
 * search tests expect it, and every unit a real place: its name and parent
 * chain found in the embedded division data (demo/divisions.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo/divisions.h"
#include "demo/generate.h"
#include "demo/words.h"

#define MAX_REGIONS 64
#define MAX_UNITS 20000
#define LUJIAZUI "陆家嘴"

static const char *const shanghai_best[] = {
    "上海市：城市发展新空间 基层党建新亮点——上海探索“滨江党建”的创新与实践",
    "上海市陆家嘴金融贸易区：凝心聚力，共商共治，陆家嘴金融城楼宇党建工作模式创新",
    "上海市金山区：“毗邻党建”引领沪浙跨界协同治理的探索与实践",
    "上海机场（集团）：党建引领，创新共赢，探索“空港社"
    "区”治理新路径——上海“空港党建”模式的创新与实践",
    "上海市宝山区：“社区通”构建互联网时代党建引领基层社会治理新模式",
};

static const char *const shanghai_excellent[] = {
    "上海市闵行区：“党建领航·红色物业”——党建引领下的业委会和物业服务行业建设的闵行经验",
    "上海市静安区临汾路街道：以组织体系建设为重点，构建“互联网+”时代党建“三三制”工作新体系",
    "上海市黄浦区半淞园路街道：以党建引领业委会规范化建设，破解社区治理难题",
    "上海市浦东新区周家渡街道：“家庭小党校”牵动社区治理大格局",
    "上海市闵行区古美路街道：党建引领社区共治共建共享“融乐家园”",
    "上海市杨浦区四平路街道：睦邻党建筑“共治”格局 多方联动促“美好”生活",
    "上海市嘉定区嘉定镇街道：睦邻党建——打造有温度的城市社区共同体",
    "上海市浦东高行镇：实施“红色引擎工程”提升组织力 探索党建引领社会治理新路径",
};

struct stats {
    uint64_t hash;
    int campaigns, stages, tiers, tracks, regions, units, cases, articles;
    int bad_utf8;
    char region_codes[MAX_REGIONS][8];
    int region_best[MAX_REGIONS], region_excellent[MAX_REGIONS];
    int best, excellent;
    unsigned char *unit_seen;   /* by id */
    int bad_units;
    int max_case_id;
    int bad_case_ids;
    uint64_t *titles;
    int ntitles, cap_titles;
    int shanghai_found[13];
    int shanghai_wrong_tier;
    int lujiazui_cases, lujiazui_wrong, lujiazui_articles, lujiazui_article_wrong;
    size_t min_sec[5], max_sec[5], min_total, max_total, min_summary, max_summary;
    int headings;
    int bad_tags;
    int bad_dates;
    char closes_at[11], show_from[11], show_to[11];
    int stop_after;             /* kase returns -1 after this many, 0 = never */
};

/* ---- Helpers ---------------------------------------------------------- */

static void mix(struct stats *st, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = st->hash;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    st->hash = h;
}

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static int valid_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        int n;
        uint32_t cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += n + 1;
    }
    return 1;
}

static size_t count_cps(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Hash and check one string field. */
static void text(struct stats *st, const char *s)
{
    if (!s) {
        mix(st, "\xff", 1);
        return;
    }
    mix(st, s, strlen(s) + 1);
    if (!valid_utf8(s))
        st->bad_utf8++;
}

static void num(struct stats *st, int v)
{
    mix(st, &v, sizeof v);
}

static int region_index(struct stats *st, const char *code)
{
    for (int i = 0; i < st->regions; i++) {
        if (strcmp(st->region_codes[i], code) == 0)
            return i;
    }
    return -1;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int has_heading(const char *s)
{
    if (*s == '#')
        return 1;
    return strstr(s, "\n#") != NULL;
}

/* ---- The counting sink ------------------------------------------------ */

static int on_campaign(void *ctx, const struct demo_campaign *c)
{
    struct stats *st = ctx;
    st->campaigns++;
    text(st, c->slug);
    text(st, c->name);
    text(st, c->theme);
    text(st, c->organisers);
    text(st, c->call_md);
    text(st, c->opens_at);
    text(st, c->closes_at);
    text(st, c->published_at);
    snprintf(st->closes_at, sizeof st->closes_at, "%s", c->closes_at);
    return 0;
}

static int on_stage(void *ctx, const struct demo_stage *s)
{
    struct stats *st = ctx;
    st->stages++;
    num(st, s->seq);
    text(st, s->name);
    text(st, s->kind);
    text(st, s->starts_at);
    text(st, s->ends_at);
    text(st, s->summary);
    if (strcmp(s->kind, "exhibition") == 0) {
        snprintf(st->show_from, sizeof st->show_from, "%s", s->starts_at);
        snprintf(st->show_to, sizeof st->show_to, "%s", s->ends_at);
    }
    return 0;
}

static int on_tier(void *ctx, const struct demo_tier *t)
{
    struct stats *st = ctx;
    st->tiers++;
    text(st, t->slug);
    text(st, t->name);
    num(st, t->quota);
    num(st, t->rank);
    return 0;
}

static int on_track(void *ctx, const struct demo_track *t)
{
    struct stats *st = ctx;
    st->tracks++;
    text(st, t->slug);
    text(st, t->name);
    return 0;
}

static int on_region(void *ctx, const struct demo_region *r)
{
    struct stats *st = ctx;
    text(st, r->code);
    text(st, r->name);
    text(st, r->source);
    if (st->regions < MAX_REGIONS)
        snprintf(st->region_codes[st->regions++], 8, "%s", r->code);
    return 0;
}

static int on_unit(void *ctx, const struct demo_unit *u)
{
    struct stats *st = ctx;
    st->units++;
    num(st, u->id);
    num(st, u->parent_id);
    text(st, u->region_code);
    text(st, u->name);
    num(st, u->level);
    if (u->id <= 0 || u->id >= MAX_UNITS || st->unit_seen[u->id] ||
        (u->parent_id && (u->parent_id >= MAX_UNITS || !st->unit_seen[u->parent_id])) ||
        u->level < 1 || u->level > 3 || region_index(st, u->region_code) < 0) {
        st->bad_units++;
        return 0;
    }
    st->unit_seen[u->id] = 1;
    return 0;
}

static void check_shanghai(struct stats *st, const struct demo_case *c)
{
    for (int i = 0; i < 13; i++) {
        const char *t = i < 5 ? shanghai_best[i] : shanghai_excellent[i - 5];
        if (strcmp(c->title, t) != 0)
            continue;
        st->shanghai_found[i]++;
        const char *want = i < 5 ? "best" : "excellent";
        if (!c->merit || strcmp(c->merit, want) != 0 ||
            strcmp(c->region_code, "310000") != 0)
            st->shanghai_wrong_tier++;
    }
}

static int on_case(void *ctx, const struct demo_case *c)
{
    struct stats *st = ctx;
    st->cases++;
    num(st, c->id);
    num(st, c->unit_id);
    text(st, c->region_code);
    text(st, c->track_slug);
    text(st, c->title);
    text(st, c->summary);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        text(st, c->sections[i]);
    num(st, c->ntags);
    for (int i = 0; i < c->ntags && i < DEMO_MAX_TAGS; i++)
        text(st, c->tags[i]);
    text(st, c->merit);
    text(st, c->submitted_at);
    text(st, c->published_at);
    num(st, c->views);

    if (c->id != st->max_case_id + 1)
        st->bad_case_ids++;
    st->max_case_id = c->id;
    if (c->unit_id <= 0 || c->unit_id >= MAX_UNITS || !st->unit_seen[c->unit_id])
        st->bad_units++;

    int r = region_index(st, c->region_code);
    if (c->merit && strcmp(c->merit, "best") == 0) {
        st->best++;
        if (r >= 0)
            st->region_best[r]++;
    } else if (c->merit && strcmp(c->merit, "excellent") == 0) {
        st->excellent++;
        if (r >= 0)
            st->region_excellent[r]++;
    }
    check_shanghai(st, c);

    if (st->ntitles == st->cap_titles) {
        st->cap_titles = st->cap_titles ? st->cap_titles * 2 : 1024;
        st->titles = realloc(st->titles, (size_t)st->cap_titles * sizeof *st->titles);
        assert_non_null(st->titles);
    }
    st->titles[st->ntitles++] = fnv(c->title);

    size_t total = 0;
    for (int i = 0; i < DEMO_SECTIONS; i++) {
        size_t n = count_cps(c->sections[i]);
        total += n;
        if (n < st->min_sec[i])
            st->min_sec[i] = n;
        if (n > st->max_sec[i])
            st->max_sec[i] = n;
        st->headings += has_heading(c->sections[i]);
    }
    if (total < st->min_total)
        st->min_total = total;
    if (total > st->max_total)
        st->max_total = total;
    size_t ns = count_cps(c->summary);
    if (ns < st->min_summary)
        st->min_summary = ns;
    if (ns > st->max_summary)
        st->max_summary = ns;

    if (c->ntags < 2 || c->ntags > 5)
        st->bad_tags++;
    for (int i = 0; i < c->ntags; i++) {
        int known = 0;
        for (const char *const *t = dw_tags; *t; t++)
            known |= strcmp(*t, c->tags[i]) == 0;
        st->bad_tags += !known; /* every tag comes from the pool of ~30 */
    }
    for (int i = 0; i < c->ntags; i++) {
        for (int j = 0; j < i; j++) {
            if (strcmp(c->tags[i], c->tags[j]) == 0)
                st->bad_tags++;
        }
    }
    if (strcmp(c->submitted_at, "2018-07-01") < 0 ||
        strcmp(c->submitted_at, st->closes_at) > 0 ||
        strcmp(c->published_at, st->show_from) < 0 || strcmp(c->published_at, st->show_to) > 0)
        st->bad_dates++;

    int lj = strstr(c->title, LUJIAZUI) || strstr(c->summary, LUJIAZUI);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        lj |= strstr(c->sections[i], LUJIAZUI) != NULL;
    if (lj) {
        st->lujiazui_cases++;
        if (strcmp(c->region_code, "310000") != 0 || strcmp(c->title, shanghai_best[1]) != 0)
            st->lujiazui_wrong++;
    }
    if (st->stop_after && st->cases >= st->stop_after)
        return -1;
    return 0;
}

static int on_article(void *ctx, const struct demo_article *a)
{
    struct stats *st = ctx;
    st->articles++;
    num(st, a->id);
    text(st, a->title);
    text(st, a->source);
    text(st, a->author);
    text(st, a->published_at);
    text(st, a->body_md);
    num(st, a->ntags);
    for (int i = 0; i < a->ntags && i < DEMO_MAX_TAGS; i++)
        text(st, a->tags[i]);
    num(st, a->views);
    if (strstr(a->title, LUJIAZUI) || strstr(a->body_md, LUJIAZUI)) {
        st->lujiazui_articles++;
        /* only the results article, which lists the 13 Shanghai titles */
        if (strcmp(a->published_at, "2019-12-30") != 0)
            st->lujiazui_article_wrong++;
    }
    return 0;
}

typedef int (*generate_fn)(uint64_t seed, int ncases, const struct demo_sink *sink);

static int run_by(struct stats *st, uint64_t seed, int ncases, generate_fn generate)
{
    memset(st, 0, sizeof *st);
    st->hash = 0xcbf29ce484222325ULL;
    st->unit_seen = calloc(MAX_UNITS, 1);
    assert_non_null(st->unit_seen);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        st->min_sec[i] = SIZE_MAX;
    st->min_total = st->min_summary = SIZE_MAX;
    struct demo_sink sink = {
        .ctx = st,
        .campaign = on_campaign,
        .stage = on_stage,
        .tier = on_tier,
        .track = on_track,
        .region = on_region,
        .unit = on_unit,
        .kase = on_case,
        .article = on_article,
    };
    return generate(seed, ncases, &sink);
}

static int run(struct stats *st, uint64_t seed, int ncases)
{
    return run_by(st, seed, ncases, demo_generate);
}

static void done(struct stats *st)
{
    free(st->unit_seen);
    free(st->titles);
    st->unit_seen = NULL;
    st->titles = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Titles equal to an earlier one. */
static int duplicates(struct stats *st)
{
    qsort(st->titles, (size_t)st->ntitles, sizeof *st->titles, cmp_u64);
    int d = 0;
    for (int i = 1; i < st->ntitles; i++)
        d += st->titles[i] == st->titles[i - 1];
    return d;
}

/* ---- Tests ------------------------------------------------------------ */

static void test_deterministic(void **state)
{
    (void)state;
    struct stats a, b, c;
    assert_int_equal(run(&a, 20191227, 1000), 0);
    assert_int_equal(run(&b, 20191227, 1000), 0);
    assert_int_equal(run(&c, 20191228, 1000), 0);
    assert_true(a.hash == b.hash);
    assert_true(a.hash != c.hash);
    assert_int_equal(a.units, b.units);
    done(&a);
    done(&b);
    done(&c);
}

static void test_counts(void **state)
{
    (void)state;
    static const int sizes[] = {200, 4000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct stats st;
        assert_int_equal(run(&st, 7, sizes[k]), 0);
        assert_int_equal(st.campaigns, 1);
        assert_int_equal(st.stages, 4);
        assert_int_equal(st.tiers, 2);
        assert_in_range(st.tracks, 5, 6);
        assert_int_equal(st.regions, 32);
        assert_int_equal(st.cases, sizes[k]);
        assert_int_equal(st.max_case_id, sizes[k]);
        assert_int_equal(st.bad_case_ids, 0);
        assert_in_range(st.articles, 5, 8);
        assert_int_equal(st.best, 40);
        assert_int_equal(st.excellent, 90);
        assert_int_equal(st.bad_utf8, 0);
        done(&st);
    }
}

static void test_shanghai(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {1, 2, 99};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        struct stats st;
        assert_int_equal(run(&st, seeds[k], k == 0 ? 200 : 4000), 0);
        for (int i = 0; i < 13; i++)
            assert_int_equal(st.shanghai_found[i], 1);
        assert_int_equal(st.shanghai_wrong_tier, 0);
        int sh = region_index(&st, "310000");
        assert_true(sh >= 0);
        int sh_total = st.region_best[sh] + st.region_excellent[sh];
        assert_int_equal(st.region_best[sh], 5);
        assert_int_equal(sh_total, 13);
        for (int r = 0; r < st.regions; r++) {
            if (r == sh)
                continue;
            assert_true(st.region_best[r] + st.region_excellent[r] < sh_total);
            assert_true(st.region_best[r] < 5);
        }
        /* 郑州 and 杭州 are among the best cases */
        assert_true(st.region_best[region_index(&st, "410000")] >= 1);
        assert_true(st.region_best[region_index(&st, "330000")] >= 1);
        done(&st);
    }
}

static void test_units(void **state)
{
    (void)state;
    struct stats st;
    assert_int_equal(run(&st, 5, 300), 0);
    assert_true(st.units > 32 * 3);
    assert_int_equal(st.bad_units, 0);
    done(&st);
}

static void test_texts(void **state)
{
    (void)state;
    struct stats st;
    assert_int_equal(run(&st, 11, 4000), 0);
    print_message("case length %zu..%zu, summary %zu..%zu code points\n", st.min_total,
                  st.max_total, st.min_summary, st.max_summary);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        print_message("section %d: %zu..%zu\n", i + 1, st.min_sec[i], st.max_sec[i]);
    assert_int_equal(st.bad_utf8, 0);
    assert_int_equal(st.headings, 0);
    assert_int_equal(st.bad_tags, 0);
    assert_int_equal(st.bad_dates, 0);
    assert_true(st.min_total >= 2000);
    assert_true(st.max_total <= 4000);
    static const size_t lo[5] = {250, 500, 250, 250, 30}, hi[5] = {1000, 1600, 900, 900, 300};
    for (int i = 0; i < DEMO_SECTIONS; i++) {
        assert_true(st.min_sec[i] >= lo[i]);
        assert_true(st.max_sec[i] <= hi[i]);
    }
    assert_true(st.min_summary >= 90);
    assert_true(st.max_summary <= 160);
    done(&st);
}

static void test_lujiazui(void **state)
{
    (void)state;
    struct stats st;
    assert_int_equal(run(&st, 3, 4000), 0);
    assert_int_equal(st.lujiazui_cases, 1);
    assert_int_equal(st.lujiazui_wrong, 0);
    assert_int_equal(st.lujiazui_article_wrong, 0);
    done(&st);
}

static void test_duplicate_titles(void **state)
{
    (void)state;
    struct stats st;
    assert_int_equal(run(&st, 4000, 4000), 0);
    int d = duplicates(&st);
    print_message("duplicate titles at 4000: %d\n", d);
    assert_true(d * 100 < st.cases);
    done(&st);
}

static void test_out_of_range(void **state)
{
    (void)state;
    struct demo_sink sink = {0};
    assert_int_equal(demo_generate(1, 199, &sink), -2);
    assert_int_equal(demo_generate(1, 0, &sink), -2);
    assert_int_equal(demo_generate(1, -5, &sink), -2);
    assert_int_equal(demo_generate(1, DEMO_MAX_CASES + 1, &sink), -2);
}

static void test_sink_stops(void **state)
{
    (void)state;
    struct stats st;
    memset(&st, 0, sizeof st);
    st.hash = 0xcbf29ce484222325ULL;
    st.unit_seen = calloc(MAX_UNITS, 1);
    assert_non_null(st.unit_seen);
    st.stop_after = 10;
    for (int i = 0; i < DEMO_SECTIONS; i++)
        st.min_sec[i] = SIZE_MAX;
    st.min_total = st.min_summary = SIZE_MAX;
    struct demo_sink sink = {.ctx = &st, .region = on_region, .unit = on_unit, .kase = on_case};
    assert_int_equal(demo_generate(1, 500, &sink), -1);
    assert_int_equal(st.cases, 10);
    done(&st);
}

/* What the bodies look like on either side of DEMO_FULL_CASES. */
struct bodies {
    int full_early, compact_early;  /* ids up to DEMO_FULL_CASES */
    int full_late, compact_late;    /* later ids that won nothing */
    int awarded_late, awarded_late_full;
};

static int on_case_body(void *ctx, const struct demo_case *c)
{
    struct bodies *b = ctx;
    int paragraphs = 0;
    for (int i = 0; i < DEMO_SECTIONS - 1; i++)
        paragraphs += strstr(c->sections[i], "\n\n") != NULL;
    int full = paragraphs == DEMO_SECTIONS - 1;
    for (int i = 0; i < DEMO_SECTIONS; i++)
        assert_true(c->sections[i][0] != 0);
    if (c->id <= DEMO_FULL_CASES) {
        full ? b->full_early++ : b->compact_early++;
    } else if (c->merit) {
        b->awarded_late++;
        b->awarded_late_full += full;
    } else {
        full ? b->full_late++ : b->compact_late++;
    }
    return 0;
}

static void test_compact_past_full(void **state)
{
    (void)state;
    struct bodies small = {0}, big = {0};
    struct demo_sink sink = {.ctx = &small, .kase = on_case_body};
    assert_int_equal(demo_generate(11, DEMO_FULL_CASES, &sink), 0);
    sink.ctx = &big;
    assert_int_equal(demo_generate(11, 3 * DEMO_FULL_CASES, &sink), 0);
    /* Up to DEMO_FULL_CASES every case has its whole body, at any count. */
    assert_int_equal(small.full_early, DEMO_FULL_CASES);
    assert_int_equal(small.compact_early, 0);
    assert_int_equal(big.full_early, DEMO_FULL_CASES);
    assert_int_equal(big.compact_early, 0);
    /* Past it, the cases that won nothing are compact, the winners whole. */
    assert_int_equal(big.full_late, 0);
    assert_true(big.compact_late > DEMO_FULL_CASES);
    assert_int_equal(big.awarded_late_full, big.awarded_late);
}

/* ---- Real places ------------------------------------------------------ */

struct unit_copy {
    int parent, level;
    char region[8], code[8], name[256];
};

struct tree {
    struct unit_copy *u; /* by id */
    int n;               /* highest id */
};

static int on_unit_copy(void *ctx, const struct demo_unit *u)
{
    struct tree *t = ctx;
    assert_in_range(u->id, 1, MAX_UNITS - 1);
    struct unit_copy *c = &t->u[u->id];
    c->parent = u->parent_id;
    c->level = u->level;
    snprintf(c->region, sizeof c->region, "%s", u->region_code);
    snprintf(c->code, sizeof c->code, "%s", u->code);
    snprintf(c->name, sizeof c->name, "%s", u->name);
    if (u->id > t->n)
        t->n = u->id;
    return 0;
}

static const struct dw_fixed_unit *fixed_unit(const char *name)
{
    for (int i = 0; i < dw_nfixed_units; i++) {
        if (strcmp(dw_fixed_units[i].name, name) == 0)
            return &dw_fixed_units[i];
    }
    return NULL;
}

/* Is name exactly a + b + c? */
static int joined(const char *name, const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b);
    return strncmp(name, a, na) == 0 && strncmp(name + na, b, nb) == 0 &&
           strcmp(name + na + nb, c) == 0;
}

/* Is street (with its 街道) one of place p's? */
static int has_street(const struct dv_place *p, const char *prefix, const char *name)
{
    for (int k = 0; k < p->nstreets; k++) {
        if (joined(name, prefix, p->streets[k], "街道"))
            return 1;
    }
    return 0;
}

/*
 * The place of divisions.txt that unit u is, given the place of its parent
 * (or of its region): a level-1 unit is a C line of its region, a level-2 unit
 * a D line of its city, each with the code the data gives.  -1 if none is.
 */
static int place_of(const struct divisions *dv, int from, const struct unit_copy *u,
                    const char *prefix)
{
    int want = u->level == 1 ? DV_CITY : DV_DISTRICT;
    for (int i = from + 1; i < dv->nplaces && dv->places[i].kind > dv->places[from].kind; i++) {
        const struct dv_place *p = &dv->places[i];
        if (p->kind == want && joined(u->name, prefix, p->name, "") &&
            strcmp(u->code, p->code) == 0)
            return i;
    }
    return -1;
}

static void test_real_places(void **state)
{
    (void)state;
    struct tree t = {calloc(MAX_UNITS, sizeof *t.u), 0};
    int *place = calloc(MAX_UNITS, sizeof *place);
    assert_non_null(t.u);
    assert_non_null(place);
    struct demo_sink sink = {.ctx = &t, .unit = on_unit_copy};
    assert_int_equal(demo_generate(2019, 4000, &sink), 0);
    struct divisions *dv = divisions_open();
    assert_non_null(dv);
    /* The data's regions are the campaign's, in its order. */
    for (int i = 0, r = 0; i < dv->nplaces; i++) {
        if (dv->places[i].kind != DV_REGION)
            continue;
        assert_true(r < DW_NREGIONS);
        assert_string_equal(dv->places[i].code, dw_regions[r].code);
        assert_string_equal(dv->places[i].name, dw_regions[r].name);
        r++;
    }

    int by_level[4] = {0}, fixed = 0, coded = 0;
    for (int id = 1; id <= t.n; id++) {
        const struct unit_copy *u = &t.u[id];
        place[id] = -1;
        int reg = -1;
        for (int i = 0; i < dv->nplaces && reg < 0; i++) {
            if (dv->places[i].kind == DV_REGION && strcmp(dv->places[i].code, u->region) == 0)
                reg = i;
        }
        assert_true(reg >= 0);
        const struct unit_copy *up = u->parent ? &t.u[u->parent] : NULL;
        const struct dw_fixed_unit *f = fixed_unit(u->name);
        if (f) {
            /* A real result's unit, kept as the result names it; a 街道 among them
             * is one of the data's (under its own name or the one it gives). */
            fixed++;
            assert_string_equal(u->region, f->region_code);
            if (f->parent)
                assert_string_equal(up->name, f->parent);
            const char *street = f->same_as ? f->same_as : f->short_name;
            if (f->level == 3 && strstr(street, "街道")) {
                char want[256];
                snprintf(want, sizeof want, "%s%s", up->name, street);
                if (!has_street(&dv->places[place[u->parent]], up->name, want))
                    fail_msg("%s: no 街道 %s under %s in the division data", u->name, street,
                             up->name);
            }
            continue;
        }
        by_level[u->level]++;
        if (u->level == 3) {
            /* under a city of a municipality or XPCC, or under a district */
            if (!up || place[u->parent] < 0 || *u->code ||
                !has_street(&dv->places[place[u->parent]], up->name, u->name))
                fail_msg("unit %d %s: not a 街道 of %s in the division data", id, u->name,
                         up ? up->name : "its region");
            continue;
        }
        if (u->level == 1 && !up)
            place[id] = place_of(dv, reg, u, dv->places[reg].name);
        else if (u->level == 2 && up && up->level == 1 && place[u->parent] >= 0)
            place[id] = place_of(dv, place[u->parent], u, up->name);
        if (place[id] < 0)
            fail_msg("unit %d %s (level %d, code '%s'): not in the division data", id, u->name,
                     u->level, u->code);
        /* GB/T 2260 codes for all but XPCC's divisions (师), which have none */
        if (!*u->code && !(u->level == 1 && strcmp(u->region, "660000") == 0))
            fail_msg("unit %d %s: no code", id, u->name);
        coded += *u->code != 0;
    }
    print_message("units: %d cities, %d districts, %d streets, %d of the results, %d coded\n",
                  by_level[1], by_level[2], by_level[3], fixed, coded);
    assert_int_equal(fixed, dw_nfixed_units);
    assert_true(by_level[1] > 100 && by_level[2] > 300 && by_level[3] > 2000);
    assert_true(coded > 800);

    /* A unit is found by its name (the imports and the demo accounts do): names are unique. */
    for (int a = 1; a <= t.n; a++) {
        for (int b = a + 1; b <= t.n; b++) {
            if (strcmp(t.u[a].name, t.u[b].name) == 0)
                fail_msg("two units named %s (%d, %d)", t.u[a].name, a, b);
        }
    }
    divisions_close(dv);
    free(place);
    free(t.u);
}

/* The generator on its own thread hands the sink the same records in the same order. */
static void test_aside_same_records(void **state)
{
    (void)state;
    struct stats a, b;
    assert_int_equal(run(&a, 20191227, DEMO_FULL_CASES + 600), 0);
    assert_int_equal(run_by(&b, 20191227, DEMO_FULL_CASES + 600, demo_generate_aside), 0);
    assert_true(a.hash == b.hash);
    assert_int_equal(a.cases, b.cases);
    assert_int_equal(a.units, b.units);
    assert_int_equal(a.articles, b.articles);
    assert_int_equal(b.bad_utf8, 0);
    done(&a);
    done(&b);
}

/* A sink that stops stops it, no case handed after; a count out of range is refused. */
static void test_aside_stops(void **state)
{
    (void)state;
    struct stats st;
    memset(&st, 0, sizeof st);
    st.hash = 0xcbf29ce484222325ULL;
    st.unit_seen = calloc(MAX_UNITS, 1);
    assert_non_null(st.unit_seen);
    st.stop_after = 10;
    for (int i = 0; i < DEMO_SECTIONS; i++)
        st.min_sec[i] = SIZE_MAX;
    st.min_total = st.min_summary = SIZE_MAX;
    struct demo_sink sink = {.ctx = &st, .region = on_region, .unit = on_unit, .kase = on_case};
    assert_int_equal(demo_generate_aside(1, 5000, &sink), -1);
    assert_int_equal(st.cases, 10);
    done(&st);
    struct demo_sink none = {0};
    assert_int_equal(demo_generate_aside(1, 199, &none), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_shanghai),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_texts),
        cmocka_unit_test(test_lujiazui),
        cmocka_unit_test(test_duplicate_titles),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_sink_stops),
        cmocka_unit_test(test_compact_past_full),
        cmocka_unit_test(test_real_places),
        cmocka_unit_test(test_aside_same_records),
        cmocka_unit_test(test_aside_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
