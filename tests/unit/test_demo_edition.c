/*
 * test_demo_edition.c — unit tests of the demo's later edition, in review
 * (demo/edition.c) and of the unit table it shares with the 2019 demo
 * (demo_units_* in demo/generate.c).
 *
 * The 2019 demo is generated once through a recording sink (its units and
 * titles); the edition is then checked against it: same units, no 2019
 * title, no 陆家嘴, dates in 2020; counts of cases, experts, reviews; the
 * assignment rules of both rounds (5 distinct experts, none of the case's
 * region or unit, at most 2 of one region, balanced loads); round 1's
 * ranking (400 advanced, round 2's pool exactly those); round 2's progress;
 * and determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo/generate.h"
#include "demo/edition.h"
#include "demo/words.h"

#define SEED 2019
#define NCASES 4000
#define FIRST_ID 4001
#define MAX_UNITS 20000

/* What the 2019 demo emitted: its units and its titles. */
struct demo2019 {
    int nunits;
    int parent[MAX_UNITS + 1];
    char region[MAX_UNITS + 1][8];
    char *name[MAX_UNITS + 1];
    char **titles;
    int ntitles, cap;
};

static struct demo2019 *d19;

static int on_unit(void *ctx, const struct demo_unit *u)
{
    struct demo2019 *d = ctx;
    if (u->id < 1 || u->id > MAX_UNITS)
        return -1;
    d->nunits = u->id > d->nunits ? u->id : d->nunits;
    d->parent[u->id] = u->parent_id;
    snprintf(d->region[u->id], sizeof d->region[u->id], "%s", u->region_code);
    d->name[u->id] = strdup(u->name);
    return 0;
}

static int on_case(void *ctx, const struct demo_case *c)
{
    struct demo2019 *d = ctx;
    if (d->ntitles == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->titles = realloc(d->titles, (size_t)d->cap * sizeof *d->titles);
    }
    d->titles[d->ntitles++] = strdup(c->title);
    return 0;
}

static int taken(void *ctx, const char *title)
{
    struct demo2019 *d = ctx;
    for (int i = 0; i < d->ntitles; i++) {
        if (strcmp(d->titles[i], title) == 0)
            return 1;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    d19 = calloc(1, sizeof *d19);
    struct demo_sink sink = {.ctx = d19, .unit = on_unit, .kase = on_case};
    return d19 && demo_generate(SEED, NCASES, &sink) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 1; i <= d19->nunits; i++)
        free(d19->name[i]);
    for (int i = 0; i < d19->ntitles; i++)
        free(d19->titles[i]);
    free(d19->titles);
    free(d19);
    return 0;
}

/* ---- Units ------------------------------------------------------------ */

static void test_units_match(void **state)
{
    (void)state;
    struct demo_units *du = demo_units_open(SEED, NCASES);
    assert_non_null(du);
    assert_int_equal(demo_units_count(du), d19->nunits);
    for (int i = 0; i < d19->nunits; i++) {
        struct demo_unit u;
        demo_units_get(du, i, &u);
        assert_int_equal(u.id, i + 1);
        assert_int_equal(u.parent_id, d19->parent[i + 1]);
        assert_string_equal(u.region_code, d19->region[i + 1]);
        assert_string_equal(u.name, d19->name[i + 1]);
        assert_string_equal(dw_regions[demo_units_region(du, i)].code, u.region_code);
    }
    /* A case drawn for a region is of that region, and the same stream gives the same case. */
    struct demo_case a, b;
    assert_int_equal(demo_units_case(du, 77, DW_SHANGHAI, &a), 0);
    assert_string_equal(a.region_code, "310000");
    char *title = strdup(a.title);
    assert_int_equal(demo_units_case(du, 77, DW_SHANGHAI, &b), 0);
    assert_string_equal(title, b.title);
    free(title);
    assert_int_equal(demo_units_case(du, 77, DW_NREGIONS, &b), -1);
    demo_units_close(du);
    assert_null(demo_units_open(SEED, 10));
}

/* ---- The edition ------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t fnvs(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint64_t digest(const struct demo_edition *ed)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < ed->ncases; i++) {
        const struct demo_ed_case *c = &ed->cases[i];
        h = fnv(h, &c->unit_id, sizeof c->unit_id);
        h = fnvs(h, c->title);
        h = fnvs(h, c->summary);
        for (int k = 0; k < DEMO_SECTIONS; k++)
            h = fnvs(h, c->sections[k]);
        h = fnvs(h, c->tags_text);
        h = fnvs(h, c->contact_name);
        h = fnvs(h, c->contact_phone);
        h = fnvs(h, c->submitted_at);
        h = fnvs(h, c->screened_at);
        h = fnv(h, &c->passed, sizeof c->passed);
    }
    for (int e = 0; e < ed->nexperts; e++) {
        h = fnvs(h, ed->experts[e].name);
        h = fnvs(h, ed->experts[e].expertise_text);
        h = fnv(h, &ed->experts[e].unit_id, sizeof(int));
    }
    const struct demo_ed_review *rounds[2] = {ed->r1, ed->r3};
    const int n[2] = {ed->nr1, ed->nr3};
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < n[r]; i++) {
            const struct demo_ed_review *v = &rounds[r][i];
            h = fnv(h, &v->kase, sizeof v->kase);
            h = fnv(h, &v->expert, sizeof v->expert);
            h = fnv(h, &v->status, sizeof v->status);
            h = fnv(h, v->scores, sizeof v->scores);
        }
    }
    for (int i = 0; i < ed->npool3; i++) {
        h = fnv(h, &ed->pool3[i], sizeof(int));
        h = fnv(h, &ed->votes[i], sizeof(int));
    }
    return h;
}

static void test_deterministic(void **state)
{
    (void)state;
    struct demo_edition a, b, c;
    assert_int_equal(demo_edition_generate(SEED, NCASES, FIRST_ID, taken, d19, &a), 0);
    assert_int_equal(demo_edition_generate(SEED, NCASES, FIRST_ID, taken, d19, &b), 0);
    assert_int_equal(demo_edition_generate(SEED + 1, NCASES, FIRST_ID, NULL, NULL, &c), 0);
    assert_true(digest(&a) == digest(&b));
    assert_true(digest(&a) != digest(&c));
    demo_edition_free(&a);
    demo_edition_free(&b);
    demo_edition_free(&c);
    assert_int_equal(demo_edition_generate(SEED, 10, FIRST_ID, NULL, NULL, &a), -2);
}

static void test_cases(void **state)
{
    (void)state;
    struct demo_edition ed;
    assert_int_equal(demo_edition_generate(SEED, NCASES, FIRST_ID, taken, d19, &ed), 0);
    assert_int_equal(ed.ncases, DEMO_ED_CASES);
    assert_int_equal(ed.npassed, DEMO_ED_CASES - DEMO_ED_REJECTED);
    int passed = 0;
    for (int i = 0; i < ed.ncases; i++) {
        const struct demo_ed_case *c = &ed.cases[i];
        assert_int_equal(c->id, FIRST_ID + i);
        /* one of the 2019 units, of the case's region, never 陆家嘴 */
        assert_true(c->unit_id >= 1 && c->unit_id <= d19->nunits);
        assert_string_equal(d19->region[c->unit_id], c->region_code);
        assert_null(strstr(d19->name[c->unit_id], "陆家嘴"));
        assert_null(strstr(c->title, "陆家嘴"));
        assert_false(taken(d19, c->title));
        for (int k = 0; k < i; k++)
            assert_true(strcmp(ed.cases[k].title, c->title) != 0);
        for (int k = 0; k < DEMO_SECTIONS; k++) /* 附录 is a short list */
            assert_true(strlen(c->sections[k]) > (k < DEMO_SECTIONS - 1 ? 300u : 20u));
        assert_true(c->ntags >= 1 && c->ntags <= 5);
        assert_true(c->contact_name[0] && strlen(c->contact_phone) == 11);
        assert_non_null(strstr(c->contact_email, "@demo.laurel"));
        assert_memory_equal(c->submitted_at, "2020-", 5);
        assert_memory_equal(c->recommended_at, "2020-", 5);
        assert_memory_equal(c->screened_at, "2020-", 5);
        assert_true(strcmp(c->submitted_at, c->recommended_at) <= 0);
        assert_true(strcmp(c->recommended_at, c->screened_at) < 0);
        passed += c->passed;
        assert_true(c->passed ? !c->reason[0] : c->reason[0] != 0);
    }
    assert_int_equal(passed, ed.npassed);
    demo_edition_free(&ed);
}

static void test_experts(void **state)
{
    (void)state;
    struct demo_edition ed;
    assert_int_equal(demo_edition_generate(SEED, NCASES, FIRST_ID, NULL, NULL, &ed), 0);
    assert_int_equal(ed.nexperts, DEMO_ED_EXPERTS);
    int per[DW_NREGIONS] = {0};
    double s = 0, ss = 0;
    for (int e = 0; e < ed.nexperts; e++) {
        const struct demo_ed_expert *x = &ed.experts[e];
        char want[32];
        snprintf(want, sizeof want, "expert%03d@demo.laurel", e + 1);
        assert_string_equal(x->email, want);
        assert_true(x->name[0]);
        assert_true(x->nexpertise >= 2 && x->nexpertise <= 4);
        assert_true(x->max_load > 0);
        if (x->unit_id)
            assert_string_equal(d19->region[x->unit_id], dw_regions[x->region].code);
        per[x->region]++;
        s += x->strictness;
        ss += x->strictness * x->strictness;
    }
    for (int r = 0; r < DW_NREGIONS; r++)
        assert_true(per[r] >= 2);
    assert_true(per[DW_SHANGHAI] > 2);
    /* strictness varies: an sd of a few points */
    double mean = s / ed.nexperts, sd = ss / ed.nexperts - mean * mean;
    assert_true(sd > 3 * 3 && sd < 9 * 9);
    demo_edition_free(&ed);
}

/* The assignment rules of a round: 5 distinct experts, 回避, at most 2 of a region, loads. */
static void check_round(const struct demo_edition *ed, const struct demo_ed_review *rv, int n,
                        int demo_expert)
{
    int *load = calloc(DEMO_ED_EXPERTS + 1, sizeof *load);
    assert_int_equal(n % DEMO_ED_PER_CASE, 0);
    for (int i = 0; i < n; i += DEMO_ED_PER_CASE) {
        int region_n[DW_NREGIONS] = {0};
        const struct demo_ed_case *c = &ed->cases[rv[i].kase];
        for (int k = 0; k < DEMO_ED_PER_CASE; k++) {
            const struct demo_ed_review *v = &rv[i + k];
            assert_int_equal(v->kase, rv[i].kase);
            for (int m = 0; m < k; m++)
                assert_int_not_equal(rv[i + m].expert, v->expert);
            load[v->expert]++;
            if (v->expert == DEMO_ED_DEMO_EXPERT) {
                assert_true(demo_expert);
                continue;
            }
            const struct demo_ed_expert *x = &ed->experts[v->expert];
            assert_int_not_equal(x->region, c->region);
            assert_int_not_equal(x->unit_id, c->unit_id);
            assert_true(++region_n[x->region] <= 2);
            double sum = 0;
            for (int q = 0; q < DEMO_ED_CRITERIA; q++) {
                assert_true(v->scores[q] >= 0 && v->scores[q] <= DEMO_ED_CRITERION_MAX);
                sum += v->scores[q];
            }
            assert_true(v->total > sum - 1e-9 && v->total < sum + 1e-9);
        }
    }
    int lo = 1 << 30, hi = 0;
    for (int e = 0; e < DEMO_ED_EXPERTS; e++) {
        lo = load[e] < lo ? load[e] : lo;
        hi = load[e] > hi ? load[e] : hi;
        assert_true(load[e] <= ed->experts[e].max_load);
    }
    /* balanced; the demo reviewer's places came out of a few experts' share */
    assert_true(hi - lo <= (demo_expert ? 2 : 1));
    if (demo_expert)
        assert_int_equal(load[DEMO_ED_DEMO_EXPERT], DEMO_ED_DEMO_CASES);
    free(load);
}

static void test_rounds(void **state)
{
    (void)state;
    struct demo_edition ed;
    assert_int_equal(demo_edition_generate(SEED, NCASES, FIRST_ID, NULL, NULL, &ed), 0);

    /* Round 1: every passed case, 5 submitted reviews each, 400 advanced. */
    assert_int_equal(ed.npool1, ed.npassed);
    assert_int_equal(ed.nr1, ed.npassed * DEMO_ED_PER_CASE);
    for (int i = 0; i < ed.nr1; i++)
        assert_int_equal(ed.r1[i].status, DEMO_ED_SUBMITTED);
    check_round(&ed, ed.r1, ed.nr1, 0);
    assert_int_equal(ed.rank1.ncases, ed.npool1);
    assert_int_equal(ed.rank1.nadvanced, DEMO_ED_ADVANCE1);

    /* Round 2's pool: exactly the advanced, best first. */
    assert_int_equal(ed.npool3, DEMO_ED_ADVANCE1);
    for (int i = 0; i < ed.npool3; i++) {
        const struct rank_entry *e = &ed.rank1.entries[ed.rank1.order[i]];
        assert_true(e->advanced);
        assert_int_equal(e->rank, i + 1);
        assert_int_equal(ed.pool1[e->kase], ed.pool3[i]);
        assert_true(ed.votes[i] >= 0);
    }

    /* Round 2 under way: about 55 % submitted, 10 % drafts, the demo reviewer untouched. */
    assert_int_equal(ed.nr3, DEMO_ED_ADVANCE1 * DEMO_ED_PER_CASE);
    check_round(&ed, ed.r3, ed.nr3, 1);
    assert_true(ed.nr3_submitted > ed.nr3 * 45 / 100 && ed.nr3_submitted < ed.nr3 * 65 / 100);
    assert_true(ed.nr3_draft > ed.nr3 * 5 / 100 && ed.nr3_draft < ed.nr3 * 15 / 100);
    int quorum = 0;
    for (int i = 0; i < ed.nr3; i += DEMO_ED_PER_CASE) {
        int sub = 0;
        for (int k = 0; k < DEMO_ED_PER_CASE; k++) {
            const struct demo_ed_review *v = &ed.r3[i + k];
            sub += v->status == DEMO_ED_SUBMITTED;
            if (v->expert == DEMO_ED_DEMO_EXPERT)
                assert_int_equal(v->status, DEMO_ED_NONE);
        }
        quorum += sub >= 3;
    }
    /* enough cases reach the quorum (3) for round 2 to advance its 130 */
    assert_true(quorum > DEMO_ED_ADVANCE3);
    demo_edition_free(&ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_match), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_cases),       cmocka_unit_test(test_experts),
        cmocka_unit_test(test_rounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
