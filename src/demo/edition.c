/*
 * edition.c — the demo's later edition, in review (see edition.h).
 *
 * The cases' words come from generate.c over the 2019 unit table (demo_units_*),
 * one random stream per case so that a title already taken can be drawn
 * afresh without disturbing the others.  Everything else — dates, contacts,
 * experts, their hidden strictness, the scores — comes from a splitmix64
 * stream of this file's own, seeded from the demo's seed.  Both rounds are
 * assigned by assign_solve with the stages' rules (k = 5, no reviewer of the
 * case's region or unit, at most 2 of one region, balanced loads); round 1
 * is ranked by rank_stage as the organiser's ranking would (trimmed mean,
 * top 400).
 */
#include "demo/edition.h"

#include "domain/assign.h"
#include "demo/words.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_OPEN "2020-03-01"  /* the call for cases opens */
#define DAY_CLOSE "2020-06-30" /* ... and closes */
#define DAY_SCREEN_FROM "2020-07-15"
#define DAY_R1_FROM "2020-08-11" /* round 1: reviews submitted from ... */
#define R1_DAYS 28
#define BASE_TOTAL 68.0 /* the mean total of an average case */
#define SD_QUALITY 9.0  /* spread of the cases' quality, points */
#define SD_STRICT 6.0   /* spread of the experts' strictness, points */
#define SD_NOISE 2.2    /* noise per criterion, points */
#define MIN_PER_REGION_EXPERTS 2
#define BOOTSTRAP_ROUNDS 200

const char *const demo_ed_criteria[DEMO_ED_CRITERIA][2] = {
    {"真实性", "案例事实准确、数据可靠，材料真实完整"},
    {"创新性", "做法有创新、有突破，体现基层首创精神"},
    {"实效性", "解决实际问题，群众认可，成效可衡量"},
    {"典型性", "具有示范意义，经验可复制、可推广"},
};

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴",   "周",   "徐", "孙", "马", "朱",
    "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢",   "宋",   "唐", "许", "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘",   "于",   "蒋", "蔡", "余", "杜",
    "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "欧阳", "司马", NULL,
};

static const char *const given[] = {
    "建国", "志强", "海燕", "晓东", "文静", "立新", "红梅", "国庆", "丽华", "卫东", "秀英",
    "明辉", "新民", "春华", "玉兰", "振华", "雪梅", "学军", "敏",   "静",   "伟",   "磊",
    "洁",   "勇",   "军",   "涛",   "芳",   "晨",   "颖",   "昊",   "宁",   "慧",   "思远",
    "嘉怡", "子涵", "浩然", "雨萱", "俊杰", "晓燕", "德胜", "少华", "永红", "建华", "桂芳",
    "鹏飞", "一鸣", "若溪", "书铭", "文博", "婉清", NULL,
};

static const char *const comments_high[] = {
    "案例做法扎实、成效突出，经验具有较强的示范推广价值。",
    "党建引领作用体现充分，机制创新清晰，数据翔实可信。",
    "问题导向鲜明，举措系统完整，群众获得感强，建议重点推荐。",
    "创新点突出，形成了可复制的制度成果，典型意义明显。",
    NULL,
};

static const char *const comments_mid[] = {
    "做法较为扎实，但创新性一般，建议进一步提炼特色。",
    "成效有一定体现，部分数据缺少佐证，可补充对比材料。",
    "案例结构完整，经验总结稍显笼统，推广价值有待论证。",
    "思路清楚，举措常规，亮点不够集中。",
    NULL,
};

static const char *const comments_low[] = {
    "案例以工作总结为主，创新点不够明确。",
    "成效描述偏概括，缺少可衡量的结果。",
    "做法与一般性工作区别不大，典型性不足。",
    NULL,
};

static const char *const reject_reasons[][2] = {
    {"案例内容与本次征集主题不符", "{\"complete\":true,\"length\":true,\"files\":true,"
                                   "\"eligible\":false}"},
    {"申报材料不完整，逾期未补正", "{\"complete\":false,\"length\":true,\"files\":false,"
                                   "\"eligible\":true}"},
    {"案例正文字数超出规定且未按要求修改", "{\"complete\":true,\"length\":false,"
                                           "\"files\":true,\"eligible\":true}"},
};

static const char passed_checklist[] =
    "{\"complete\":true,\"length\":true,\"files\":true,\"eligible\":true}";

/* ---- Randomness ------------------------------------------------------- */

struct rng {
    uint64_t state;
};

static uint64_t next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int rnd(struct rng *r, int n)
{
    return (int)(((next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static double unif(struct rng *r)
{
    return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal (Box–Muller). */
static double gauss(struct rng *r)
{
    double u = unif(r), v = unif(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int count(const char *const *pool)
{
    int n = 0;
    while (pool[n])
        n++;
    return n;
}

static int weighted_region(struct rng *r)
{
    int total = 0;
    for (int i = 0; i < DW_NREGIONS; i++)
        total += dw_regions[i].weight;
    int k = rnd(r, total);
    for (int i = 0; i < DW_NREGIONS; i++) {
        k -= dw_regions[i].weight;
        if (k < 0)
            return i;
    }
    return DW_NREGIONS - 1;
}

/* ---- Dates ------------------------------------------------------------ */

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_day(const char *s)
{
    return days_from_civil(atoi(s), atoi(s + 5), atoi(s + 8));
}

/* "2020-05-14T09:30:00Z" for a day (since 1970-01-01) and a minute of it, in UTC. */
static void stamp(int z, int minute, char out[DEMO_ED_STAMP])
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    unsigned v[5] = {(unsigned)y, (unsigned)m, (unsigned)d, (unsigned)(minute / 60 % 24),
                     (unsigned)(minute % 60)};
    snprintf(out, DEMO_ED_STAMP, "%04u-%02u-%02uT%02u:%02u:00Z", v[0] % 10000, v[1] % 100,
             v[2] % 100, v[3], v[4]);
}

/* Office hours in China (UTC+8), as a minute of the UTC day: 00:30 .. 10:00 UTC. */
static int office_minute(struct rng *r)
{
    return 30 + rnd(r, 570);
}

/* ---- Titles ----------------------------------------------------------- */

/* A small open-addressing set of 64-bit title hashes. */
struct seen {
    uint64_t *slot;
    size_t cap;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;
}

/* 1 if h was there already, else adds it and returns 0. */
static int seen_add(struct seen *st, uint64_t h)
{
    size_t i = (size_t)h & (st->cap - 1);
    while (st->slot[i]) {
        if (st->slot[i] == h)
            return 1;
        i = (i + 1) & (st->cap - 1);
    }
    st->slot[i] = h;
    return 0;
}

/* ---- Cases ------------------------------------------------------------ */

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void person_name(struct rng *r, char *out, size_t n)
{
    snprintf(out, n, "%s%s", surnames[rnd(r, count(surnames))], given[rnd(r, count(given))]);
}

static int make_cases(struct demo_edition *ed, struct demo_units *du, struct rng *r, uint64_t seed,
                      int first_id, int (*taken)(void *ctx, const char *title), void *ctx)
{
    struct seen titles = {calloc(4096, sizeof(uint64_t)), 4096};
    ed->cases = calloc(DEMO_ED_CASES, sizeof *ed->cases);
    if (!titles.slot || !ed->cases) {
        free(titles.slot);
        return -1;
    }
    /* Submissions bunch up towards the deadline, as in 2019. */
    int open = parse_day(DAY_OPEN), close = parse_day(DAY_CLOSE);
    int span = close - open + 1;
    int *days = malloc(DEMO_ED_CASES * sizeof *days);
    if (!days) {
        free(titles.slot);
        return -1;
    }
    for (int i = 0; i < DEMO_ED_CASES; i++) {
        int d = rnd(r, span), e = rnd(r, span);
        days[i] = open + (d > e ? d : e);
    }
    for (int i = 1; i < DEMO_ED_CASES; i++) { /* insertion sort: cases numbered in order */
        int v = days[i], j = i - 1;
        while (j >= 0 && days[j] > v) {
            days[j + 1] = days[j];
            j--;
        }
        days[j + 1] = v;
    }
    /* The rejected ones: DEMO_ED_REJECTED distinct indices. */
    unsigned char *rejected = calloc(DEMO_ED_CASES, 1);
    if (!rejected) {
        free(days);
        free(titles.slot);
        return -1;
    }
    for (int k = 0; k < DEMO_ED_REJECTED;) {
        int i = rnd(r, DEMO_ED_CASES);
        if (!rejected[i]) {
            rejected[i] = 1;
            k++;
        }
    }
    /* The call allows one case per unit: a unit that has one is not drawn again. */
    int nunits = demo_units_count(du);
    unsigned char *unit_used = calloc((size_t)nunits + 1, 1);
    if (!unit_used) {
        free(rejected);
        free(days);
        free(titles.slot);
        return -1;
    }
    int screen_from = parse_day(DAY_SCREEN_FROM);
    int rc = 0;
    for (int i = 0; i < DEMO_ED_CASES && rc == 0; i++) {
        struct demo_ed_case *c = &ed->cases[i];
        int region = weighted_region(r);
        struct demo_case dc;
        for (uint64_t attempt = 0;; attempt++) {
            uint64_t stream =
                seed * 0x2545f4914f6cdd1dULL ^ ((uint64_t)i << 20) ^ attempt ^ 0x5eed2020ULL;
            if (attempt > 0 && attempt % 40 == 0) /* the region's units are all taken */
                region = weighted_region(r);
            if (attempt >= 4000 || demo_units_case(du, stream, region, &dc) < 0) {
                rc = -1;
                break;
            }
            if (dc.unit_id < 1 || dc.unit_id > nunits || unit_used[dc.unit_id])
                continue;
            if (attempt >= 50 ||
                (!(taken && taken(ctx, dc.title)) && !seen_add(&titles, fnv(dc.title))))
                break;
        }
        if (rc)
            break;
        unit_used[dc.unit_id] = 1;
        c->id = first_id + i;
        c->unit_id = dc.unit_id;
        c->region = region;
        c->region_code = dc.region_code;
        c->track_slug = dc.track_slug;
        c->title = dup(dc.title);
        c->summary = dup(dc.summary);
        if (!c->title || !c->summary)
            rc = -1;
        for (int k = 0; k < DEMO_SECTIONS; k++) {
            if (!(c->sections[k] = dup(dc.sections[k])))
                rc = -1;
        }
        c->ntags = dc.ntags;
        size_t len = 0;
        c->tags_text[0] = 0;
        for (int k = 0; k < dc.ntags; k++) {
            c->tags[k] = dc.tags[k];
            len += (size_t)snprintf(c->tags_text + len, sizeof c->tags_text - len, "%s%s",
                                    k ? "、" : "", dc.tags[k]);
            if (len >= sizeof c->tags_text)
                len = sizeof c->tags_text - 1;
        }
        person_name(r, c->contact_name, sizeof c->contact_name);
        static const char *const mobile[] = {"139", "138", "137", "136", "135",
                                             "158", "186", "189", NULL};
        snprintf(c->contact_phone, sizeof c->contact_phone, "%s%08d", mobile[rnd(r, count(mobile))],
                 rnd(r, 100000000));
        snprintf(c->contact_email, sizeof c->contact_email, "case%04d@demo.laurel", c->id);
        stamp(days[i], office_minute(r), c->submitted_at);
        int rec = days[i] + 1 + rnd(r, 12);
        if (rec >= screen_from)
            rec = screen_from - 1 - rnd(r, 3);
        if (rec < days[i])
            rec = days[i];
        stamp(rec, office_minute(r), c->recommended_at);
        stamp(screen_from + 1 + rnd(r, 14), office_minute(r), c->screened_at);
        c->passed = !rejected[i];
        if (c->passed) {
            c->reason = "";
            c->checklist = passed_checklist;
        } else {
            int k = rnd(r, 3);
            c->reason = reject_reasons[k][0];
            c->checklist = reject_reasons[k][1];
        }
        c->quality = BASE_TOTAL + SD_QUALITY * gauss(r);
        ed->ncases++;
    }
    free(unit_used);
    free(rejected);
    free(days);
    free(titles.slot);
    return rc;
}

/* ---- Experts ---------------------------------------------------------- */

static int make_experts(struct demo_edition *ed, struct demo_units *du, struct rng *r)
{
    ed->experts = calloc(DEMO_ED_EXPERTS, sizeof *ed->experts);
    if (!ed->experts)
        return -1;
    /* Home regions: two in every region, the rest by the regions' weight, in region order. */
    int per[DW_NREGIONS], n = 0;
    for (int i = 0; i < DW_NREGIONS; i++) {
        per[i] = MIN_PER_REGION_EXPERTS;
        n += per[i];
    }
    for (; n < DEMO_ED_EXPERTS; n++)
        per[weighted_region(r)]++;
    /* The units of each region at level 1 or 2, for the experts' units. */
    int nunits = demo_units_count(du);
    int ntags = count(dw_tags);
    struct seen names = {calloc(1024, sizeof(uint64_t)), 1024};
    if (!names.slot)
        return -1;
    int e = 0;
    for (int reg = 0; reg < DW_NREGIONS; reg++) {
        int first = -1, last = -1;
        for (int i = 0; i < nunits; i++) {
            if (demo_units_region(du, i) == reg) {
                if (first < 0)
                    first = i;
                last = i;
            }
        }
        for (int k = 0; k < per[reg]; k++, e++) {
            struct demo_ed_expert *x = &ed->experts[e];
            snprintf(x->email, sizeof x->email, "expert%03d@demo.laurel", e + 1);
            do
                person_name(r, x->name, sizeof x->name);
            while (seen_add(&names, fnv(x->name)));
            x->region = reg;
            x->unit_id = 0;
            if (first >= 0 && rnd(r, 10) < 6) {
                for (int tries = 0; tries < 50; tries++) {
                    int u = first + rnd(r, last - first + 1);
                    struct demo_unit du1;
                    demo_units_get(du, u, &du1);
                    if (demo_units_region(du, u) == reg && du1.level <= 2 &&
                        !strstr(du1.name, "陆家嘴")) {
                        x->unit_id = du1.id;
                        break;
                    }
                }
            }
            x->nexpertise = 2 + rnd(r, 3);
            uint64_t used = 0;
            size_t len = 0;
            for (int t = 0; t < x->nexpertise; t++) {
                int j;
                do
                    j = rnd(r, ntags);
                while (used >> j & 1);
                used |= 1ULL << j;
                x->expertise[t] = dw_tags[j];
                len += (size_t)snprintf(x->expertise_text + len, sizeof x->expertise_text - len,
                                        "%s%s", t ? "|" : "", dw_tags[j]);
                if (len >= sizeof x->expertise_text)
                    len = sizeof x->expertise_text - 1;
            }
            x->max_load = 40 + 5 * rnd(r, 5);
            x->strictness = SD_STRICT * gauss(r);
            x->spread = 0.6 + 0.8 * unif(r);
            x->diligence = 0.2 + 0.7 * unif(r);
        }
    }
    free(names.slot);
    ed->nexperts = DEMO_ED_EXPERTS;
    return 0;
}

/* ---- Assignment and scores -------------------------------------------- */

static int tag_bit(const char *tag)
{
    for (int i = 0; i < 64 && dw_tags[i]; i++) {
        if (strcmp(dw_tags[i], tag) == 0)
            return i;
    }
    return -1;
}

/* Assign k = 5 experts to each case of pool (indices into cases); rv gets npool × 5. */
static int assign(const struct demo_edition *ed, const int *pool, int npool,
                  struct demo_ed_review *rv)
{
    struct assign_case *ac = calloc((size_t)npool, sizeof *ac);
    struct assign_reviewer *ar = calloc(DEMO_ED_EXPERTS, sizeof *ar);
    int rc = -1;
    if (!ac || !ar)
        goto out;
    for (int i = 0; i < npool; i++) {
        const struct demo_ed_case *c = &ed->cases[pool[i]];
        ac[i].region = c->region;
        ac[i].unit = c->unit_id;
        for (int t = 0; t < c->ntags; t++) {
            int b = tag_bit(c->tags[t]);
            if (b >= 0)
                ac[i].tags |= 1ULL << b;
        }
    }
    for (int e = 0; e < DEMO_ED_EXPERTS; e++) {
        const struct demo_ed_expert *x = &ed->experts[e];
        ar[e].region = x->region;
        ar[e].unit = x->unit_id;
        for (int t = 0; t < x->nexpertise; t++) {
            int b = tag_bit(x->expertise[t]);
            if (b >= 0)
                ar[e].tags |= 1ULL << b;
        }
        ar[e].max_load = x->max_load;
    }
    struct assign_problem p = {
        .cases = ac,
        .ncases = npool,
        .reviewers = ar,
        .nreviewers = DEMO_ED_EXPERTS,
        .k = DEMO_ED_PER_CASE,
        .max_same_region = 2,
        .balanced = 1,
        .nregions = DW_NREGIONS,
    };
    struct assign_result res;
    if (assign_solve(&p, &res) != ASSIGN_OK)
        goto out;
    for (int i = 0; i < npool * DEMO_ED_PER_CASE; i++) {
        rv[i].kase = pool[i / DEMO_ED_PER_CASE];
        rv[i].expert = res.reviewers[i];
    }
    assign_result_free(&res);
    rc = 0;
out:
    free(ac);
    free(ar);
    return rc;
}

/* The scores an expert gives a case: quality + strictness + noise, clipped to 0..25. */
static void score(const struct demo_edition *ed, struct demo_ed_review *v, struct rng *r)
{
    const struct demo_ed_case *c = &ed->cases[v->kase];
    double strict = 0, spread = 1;
    if (v->expert < DEMO_ED_EXPERTS) {
        strict = ed->experts[v->expert].strictness;
        spread = ed->experts[v->expert].spread;
    }
    double per = (BASE_TOTAL + strict) / DEMO_ED_CRITERIA;
    double dev = (c->quality - BASE_TOTAL) / DEMO_ED_CRITERIA;
    double sum = 0;
    for (int k = 0; k < DEMO_ED_CRITERIA; k++) {
        double x = per + spread * (dev + SD_NOISE * gauss(r));
        x = floor(x + 0.5);
        if (x < 0)
            x = 0;
        if (x > DEMO_ED_CRITERION_MAX)
            x = DEMO_ED_CRITERION_MAX;
        v->scores[k] = x;
        sum += x;
    }
    /* Σ score / max × weight / Σ weight × 100: with every maximum 25 and weight 1, Σ score. */
    v->total = sum * 100.0 / (DEMO_ED_CRITERION_MAX * DEMO_ED_CRITERIA);
    const char *const *pool = v->total >= 75   ? comments_high
                              : v->total >= 60 ? comments_mid
                                               : comments_low;
    v->comment = pool[rnd(r, count(pool))];
}

static int round1(struct demo_edition *ed, struct rng *r)
{
    ed->pool1 = malloc((size_t)ed->ncases * sizeof *ed->pool1);
    if (!ed->pool1)
        return -1;
    for (int i = 0; i < ed->ncases; i++) {
        if (ed->cases[i].passed)
            ed->pool1[ed->npool1++] = i;
    }
    ed->npassed = ed->npool1;
    ed->nr1 = ed->npool1 * DEMO_ED_PER_CASE;
    ed->r1 = calloc((size_t)ed->nr1, sizeof *ed->r1);
    if (!ed->r1 || assign(ed, ed->pool1, ed->npool1, ed->r1) < 0)
        return -1;
    int from = parse_day(DAY_R1_FROM);
    for (int i = 0; i < ed->nr1; i++) {
        struct demo_ed_review *v = &ed->r1[i];
        v->status = DEMO_ED_SUBMITTED;
        score(ed, v, r);
        stamp(from + rnd(r, R1_DAYS), office_minute(r), v->at);
    }
    /* Rank as the stage is set: trimmed mean (k 1, m 5), quorum 3, top 400. */
    struct rank_case *rc = calloc((size_t)ed->npool1, sizeof *rc);
    struct rank_score *rs = calloc((size_t)ed->nr1, sizeof *rs);
    int *pos = malloc((size_t)ed->ncases * sizeof *pos);
    int ret = -1;
    if (!rc || !rs || !pos)
        goto out;
    for (int i = 0; i < ed->npool1; i++) {
        const struct demo_ed_case *c = &ed->cases[ed->pool1[i]];
        rc[i].id = c->id;
        rc[i].group = c->region;
        pos[ed->pool1[i]] = i;
    }
    for (int i = 0; i < ed->nr1; i++) {
        rs[i].kase = pos[ed->r1[i].kase];
        rs[i].reviewer = ed->r1[i].expert;
        rs[i].score = ed->r1[i].total;
    }
    struct rank_options opt = {
        .rule = RANK_TRIMMED,
        .trim = 1,
        .trim_min = 5,
        .quorum = 3,
        .advance = RANK_ADVANCE_TOP,
        .top_n = DEMO_ED_ADVANCE1,
    };
    if (rank_stage(rc, ed->npool1, rs, ed->nr1, DEMO_ED_EXPERTS, &opt, &ed->rank1) != RANK_OK)
        goto out;
    if (rank_bootstrap(&ed->rank1, BOOTSTRAP_ROUNDS, 2020) != RANK_OK)
        goto out;
    /* A ranking explains both passes, the raw and the normalised: so does the demo's. */
    struct rank_options nopt = opt;
    nopt.normalise = 1;
    if (rank_stage(rc, ed->npool1, rs, ed->nr1, DEMO_ED_EXPERTS, &nopt, &ed->rank1n) != RANK_OK)
        goto out;
    ed->pool3 = malloc(DEMO_ED_ADVANCE1 * sizeof *ed->pool3);
    if (!ed->pool3)
        goto out;
    for (int i = 0; i < ed->npool1 && ed->npool3 < DEMO_ED_ADVANCE1; i++) {
        const struct rank_entry *en = &ed->rank1.entries[ed->rank1.order[i]];
        if (en->advanced)
            ed->pool3[ed->npool3++] = ed->pool1[en->kase];
    }
    ret = 0;
out:
    free(rc);
    free(rs);
    free(pos);
    return ret;
}

/* Exhibition votes: heavy-tailed, a little swayed by quality. */
static int votes(struct demo_edition *ed, struct rng *r)
{
    ed->votes = malloc((size_t)(ed->npool3 ? ed->npool3 : 1) * sizeof *ed->votes);
    if (!ed->votes)
        return -1;
    for (int i = 0; i < ed->npool3; i++) {
        const struct demo_ed_case *c = &ed->cases[ed->pool3[i]];
        double v = 180.0 * exp(1.1 * gauss(r) + (c->quality - BASE_TOTAL) / 25.0);
        if (rnd(r, 40) == 0)
            v *= 8; /* a few cases a whole city turned out for */
        ed->votes[i] = (int)v + rnd(r, 30);
    }
    return 0;
}

static int round3(struct demo_edition *ed, struct rng *r)
{
    ed->nr3 = ed->npool3 * DEMO_ED_PER_CASE;
    ed->r3 = calloc((size_t)(ed->nr3 ? ed->nr3 : 1), sizeof *ed->r3);
    if (!ed->r3 || assign(ed, ed->pool3, ed->npool3, ed->r3) < 0)
        return -1;
    for (int i = 0; i < ed->nr3; i++) {
        struct demo_ed_review *v = &ed->r3[i];
        double u = unif(r), p = ed->experts[v->expert].diligence;
        v->status = u < p ? DEMO_ED_SUBMITTED : u < p + 0.1 ? DEMO_ED_DRAFT : DEMO_ED_NONE;
        score(ed, v, r);
        v->minutes_ago = 30 + rnd(r, 10 * 24 * 60);
    }
    /* The demo reviewer takes over an untouched place on a few cases, spread over the pool. */
    for (int k = 0; k < DEMO_ED_DEMO_CASES && ed->npool3 > 0; k++) {
        int c = (int)((long)(2 * k + 1) * ed->npool3 / (2 * DEMO_ED_DEMO_CASES));
        struct demo_ed_review *v = &ed->r3[c * DEMO_ED_PER_CASE];
        v->expert = DEMO_ED_DEMO_EXPERT;
        v->status = DEMO_ED_NONE;
    }
    for (int i = 0; i < ed->nr3; i++) {
        ed->nr3_submitted += ed->r3[i].status == DEMO_ED_SUBMITTED;
        ed->nr3_draft += ed->r3[i].status == DEMO_ED_DRAFT;
    }
    return 0;
}

int demo_edition_generate(uint64_t seed, int ncases, int first_id,
                          int (*taken)(void *ctx, const char *title), void *ctx,
                          struct demo_edition *ed)
{
    memset(ed, 0, sizeof *ed);
    struct demo_units *du = demo_units_open(seed, ncases);
    if (!du)
        return ncases < DEMO_MIN_CASES || ncases > DEMO_MAX_CASES ? -2 : -1;
    struct rng r = {seed ^ 0x2020202020202020ULL};
    next(&r);
    int rc = -1;
    if (make_cases(ed, du, &r, seed, first_id, taken, ctx) == 0 && make_experts(ed, du, &r) == 0 &&
        round1(ed, &r) == 0 && votes(ed, &r) == 0 && round3(ed, &r) == 0)
        rc = 0;
    demo_units_close(du);
    if (rc)
        demo_edition_free(ed);
    return rc;
}

void demo_edition_free(struct demo_edition *ed)
{
    if (ed->cases) {
        for (int i = 0; i < DEMO_ED_CASES; i++) {
            free(ed->cases[i].title);
            free(ed->cases[i].summary);
            for (int k = 0; k < DEMO_SECTIONS; k++)
                free(ed->cases[i].sections[k]);
        }
    }
    free(ed->cases);
    free(ed->experts);
    free(ed->pool1);
    free(ed->r1);
    if (ed->rank1.entries)
        rank_result_free(&ed->rank1);
    if (ed->rank1n.entries)
        rank_result_free(&ed->rank1n);
    free(ed->pool3);
    free(ed->votes);
    free(ed->r3);
    memset(ed, 0, sizeof *ed);
}
