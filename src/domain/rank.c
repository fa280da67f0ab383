/*
 * rank.c — aggregation, blending, ranking, advancement and bootstrap of a
 * stage; see rank.h.
 *
 * Scores are bucketed by case and by reviewer with counting sorts (O(S) for
 * S scores); every sum is taken over values sorted ascending, so that the
 * result is the same number whatever order the scores came in (floating
 * point addition is not associative); the reviewer statistics take two
 * passes (means, then squared deviations scaled by the largest, so that a
 * tiny spread neither underflows to 0 nor divides by it); each case's few
 * scores are sorted by insertion and the ranking is one qsort of the cases
 * on integer keys (scores rounded to RANK_DECIMALS): O(S log S + n log n)
 * in all.  A bootstrap round costs O(S + n log n), without the statistics.
 */
#include "rank.h"

#include "core/check.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x rounded to RANK_DECIMALS decimals, as an integer (x is bounded by the input checks). */
static int64_t quant(double x)
{
    double scale = 1;
    for (int i = 0; i < RANK_DECIMALS; i++)
        scale *= 10;
    return (int64_t)llround(x * scale);
}

/* What the ranking looks at, for the stage and for each bootstrap round. */
struct key {
    int64_t blended; /* quant() of the scores */
    int64_t raw_mean;
    int nscores;
    int id;
    int below_quorum;
    int group;
    int idx;
};

/* Best first: quorum, blended, raw mean, more scores, lower id. */
static int key_cmp(const void *pa, const void *pb)
{
    const struct key *a = pa, *b = pb;

    if (a->below_quorum != b->below_quorum)
        return a->below_quorum - b->below_quorum;
    if (a->blended != b->blended)
        return a->blended > b->blended ? -1 : 1;
    if (a->raw_mean != b->raw_mean)
        return a->raw_mean > b->raw_mean ? -1 : 1;
    if (a->nscores != b->nscores)
        return b->nscores - a->nscores;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return a->idx - b->idx;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Sort v[0..n) ascending: insertion for a handful of scores, qsort beyond. */
static void sort_small(double *v, int n)
{
    if (n > 32) {
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        return;
    }
    for (int i = 1; i < n; i++) {
        double x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Sum of v[0..n), which must be sorted ascending. */
static double sum_sorted(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        CHECK(i == 0 || v[i - 1] <= v[i]);
        s += v[i];
    }
    return s;
}

/*
 * The spread of v[0..n), sorted ascending: its least value v0, the mean of
 * the differences from it (so the mean is v0 + *shift) and the population
 * standard deviation.  Differences from the least value are exact for close
 * values, so a spread of one unit in the last place is measured as such.
 * All equal: shift and σ are 0 exactly.  Otherwise σ > 0: the deviations
 * are scaled by the largest before squaring, so nothing underflows.
 */
struct spread {
    double v0, shift, sd;
};

static struct spread spread_of(const double *v, int n)
{
    struct spread s = {n ? v[0] : 0, 0, 0};
    double big = 0, ss = 0;

    if (n == 0 || v[0] == v[n - 1])
        return s;
    for (int i = 0; i < n; i++)
        s.shift += v[i] - s.v0; /* ascending, like v */
    s.shift /= n;
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - s.v0 - s.shift) > big)
            big = fabs(v[i] - s.v0 - s.shift);
    for (int i = 0; i < n; i++) {
        double d = (v[i] - s.v0 - s.shift) / big;
        ss += d * d;
    }
    s.sd = big * sqrt(ss / n);
    return s;
}

/* (x − μ) / σ for a spread with σ > 0. */
static double z_of(const struct spread *s, double x)
{
    return (x - s->v0 - s->shift) / s->sd;
}

/* Item order within a case: normalised score, raw score, reviewer. */
static int item_after(const struct rank_item *a, const struct rank_item *b)
{
    if (a->normalised != b->normalised)
        return a->normalised > b->normalised;
    if (a->raw != b->raw)
        return a->raw > b->raw;
    return a->reviewer > b->reviewer;
}

/* The rule on sorted values v[0..n); *lo_drop set to how many were dropped at each end. */
static double aggregate(const struct rank_options *o, const double *v, int n, int *drop)
{
    double sum = 0;
    int d = 0;

    *drop = 0;
    if (n == 0)
        return 0;
    if (o->rule == RANK_MEDIAN)
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    if (o->rule == RANK_TRIMMED && n >= o->trim_min)
        d = o->trim;
    CHECK(d == 0 || n >= 2 * d + 1); /* trim_min is never below 2·trim + 1 */
    for (int i = d; i < n - d; i++)
        sum += v[i];
    *drop = d;
    return sum / (n - 2 * d);
}

static double blend(const struct rank_options *o, double expert, double earlier, double votes)
{
    return o->w_expert * expert + o->w_earlier * earlier + o->w_votes * votes;
}

/* Mark who advances on keys sorted best first; returns how many. */
static int advance(const struct rank_options *o, const struct key *keys, int n, int *adv,
                   int *group_count, int ngroups)
{
    int count = 0;

    if (o->advance == RANK_ADVANCE_TOP_GROUP)
        memset(group_count, 0, (size_t)ngroups * sizeof *group_count);
    for (int i = 0; i < n; i++) {
        const struct key *k = &keys[i];
        int yes = 0;
        if (!k->below_quorum) {
            switch (o->advance) {
            case RANK_ADVANCE_TOP:
                yes = count < o->top_n;
                break;
            case RANK_ADVANCE_TOP_GROUP:
                yes = group_count[k->group] < o->top_n;
                group_count[k->group] += yes;
                break;
            case RANK_ADVANCE_THRESHOLD:
                yes = k->blended >= quant(o->threshold);
                break;
            default:
                break;
            }
        }
        adv[k->idx] = yes;
        count += yes;
    }
    return count;
}

static int options(const struct rank_options *in, struct rank_options *o)
{
    *o = in ? *in : (struct rank_options){0};
    if ((unsigned)o->rule >= RANK_RULE__MAX || (unsigned)o->advance >= RANK_ADVANCE__MAX)
        return -1;
    if (o->trim < 0 || o->trim_min < 0 || o->quorum < 0 || o->top_n < 0)
        return -1;
    if (o->trim == 0)
        o->trim = 1;
    if (o->trim_min < 2 * o->trim + 1)
        o->trim_min = 2 * o->trim + 1;
    if (o->quorum == 0)
        o->quorum = 1;
    /* Written so that NaN fails every test. */
    if (!(o->w_expert >= 0 && o->w_expert <= 1) || !(o->w_earlier >= 0 && o->w_earlier <= 1) ||
        !(o->w_votes >= 0 && o->w_votes <= 1) || !(fabs(o->threshold) <= RANK_VALUE_MAX))
        return -1;
    if (o->score_max == 0)
        o->score_max = RANK_SCORE_MAX;
    if (!(o->score_max > 0 && o->score_max <= RANK_VALUE_MAX))
        return -1;
    if (o->w_expert == 0 && o->w_earlier == 0 && o->w_votes == 0)
        o->w_expert = 1;
    return 0;
}

void rank_result_free(struct rank_result *res)
{
    if (!res)
        return;
    free(res->entries);
    free(res->order);
    free(res->items);
    res->entries = NULL;
    res->order = NULL;
    res->items = NULL;
}

/* Per-reviewer z-score normalisation of res->items onto the scale of all scores. */
static int normalise(struct rank_result *res, const struct rank_score *scores, int nscores,
                     int nreviewers)
{
    struct spread *sp = calloc((size_t)nreviewers + 1, sizeof *sp);
    int *cnt = calloc((size_t)nreviewers + 1, sizeof *cnt);
    int *at = calloc((size_t)nreviewers + 1, sizeof *at);
    double *byrev = malloc(((size_t)nscores + 1) * sizeof *byrev);

    if (!sp || !cnt || !at || !byrev) {
        free(sp), free(cnt), free(at), free(byrev);
        return -1;
    }
    /* Each reviewer's scores together, sorted: his statistics do not depend on their order. */
    for (int i = 0; i < nscores; i++)
        cnt[scores[i].reviewer]++;
    for (int r = 1; r < nreviewers; r++)
        at[r] = at[r - 1] + cnt[r - 1];
    for (int i = 0; i < nscores; i++)
        byrev[at[scores[i].reviewer]++] = scores[i].score;
    for (int r = 0, from = 0; r < nreviewers; from += cnt[r], r++) {
        sort_small(byrev + from, cnt[r]);
        sp[r] = spread_of(byrev + from, cnt[r]);
    }
    for (int i = 0; i < res->nscores; i++) {
        struct rank_item *it = &res->items[i];
        int r = it->reviewer;
        it->normalised = it->raw;
        if (cnt[r] >= 2 && sp[r].sd > 0 && res->sigma_all > 0)
            it->normalised = res->mu_all + z_of(&sp[r], it->raw) * res->sigma_all;
    }
    free(sp), free(cnt), free(at), free(byrev);
    return 0;
}

int rank_stage(const struct rank_case *cases, int ncases, const struct rank_score *scores,
               int nscores, int nreviewers, const struct rank_options *opt, struct rank_result *res)
{
    struct key *keys = NULL;
    int *fill = NULL, *adv = NULL, *gcount = NULL;
    int ngroups = 1, rc = RANK_ENOMEM;
    double maxvotes = 0, *all = NULL;

    if (!res)
        return RANK_EINVAL;
    memset(res, 0, sizeof *res);
    if (ncases < 0 || nscores < 0 || nreviewers < 0 || (ncases && !cases) || (nscores && !scores) ||
        options(opt, &res->opt))
        return RANK_EINVAL;
    /* Every range test is written so that NaN fails it. */
    for (int i = 0; i < nscores; i++)
        if (scores[i].kase < 0 || scores[i].kase >= ncases || scores[i].reviewer < 0 ||
            scores[i].reviewer >= nreviewers ||
            !(scores[i].score >= 0 && scores[i].score <= res->opt.score_max))
            return RANK_EINVAL;
    for (int c = 0; c < ncases; c++) {
        if (cases[c].group < 0 || !(fabs(cases[c].earlier) <= RANK_VALUE_MAX) ||
            !(cases[c].votes >= 0 && cases[c].votes <= DBL_MAX))
            return RANK_EINVAL;
        if (cases[c].group >= ngroups)
            ngroups = cases[c].group + 1;
        if (cases[c].votes > maxvotes)
            maxvotes = cases[c].votes;
    }
    const struct rank_options *o = &res->opt;
    res->ncases = ncases;
    res->nscores = nscores;
    res->entries = calloc((size_t)ncases + 1, sizeof *res->entries);
    res->order = malloc(((size_t)ncases + 1) * sizeof *res->order);
    res->items = malloc(((size_t)nscores + 1) * sizeof *res->items);
    fill = calloc((size_t)ncases + 1, sizeof *fill);
    keys = malloc(((size_t)ncases + 1) * sizeof *keys);
    adv = malloc(((size_t)ncases + 1) * sizeof *adv);
    gcount = malloc((size_t)ngroups * sizeof *gcount);
    all = malloc(((size_t)nscores + 1) * sizeof *all);
    if (!res->entries || !res->order || !res->items || !fill || !keys || !adv || !gcount || !all)
        goto out;

    /* Bucket the scores by case. */
    for (int i = 0; i < nscores; i++)
        res->entries[scores[i].kase].nscores++;
    for (int c = 0, at = 0; c < ncases; c++) {
        fill[c] = at;
        res->entries[c].items = res->items + at;
        at += res->entries[c].nscores;
    }
    for (int i = 0; i < nscores; i++) {
        struct rank_item *it = &res->items[fill[scores[i].kase]++];
        it->reviewer = scores[i].reviewer;
        it->raw = it->normalised = scores[i].score;
        it->dropped = 0;
        all[i] = scores[i].score;
    }
    sort_small(all, nscores);
    struct spread sa = spread_of(all, nscores);
    res->mu_all = sa.v0 + sa.shift;
    res->sigma_all = sa.sd;
    if (o->normalise && normalise(res, scores, nscores, nreviewers))
        goto out;

    for (int c = 0; c < ncases; c++) {
        struct rank_entry *e = &res->entries[c];
        struct rank_item *it = res->items + (fill[c] - e->nscores);
        double v[64], *vals = v;
        int n = e->nscores, drop;

        /* Items by normalised score, raw score, reviewer: insertion sort, n is small. */
        for (int i = 1; i < n; i++) {
            struct rank_item x = it[i];
            int j = i;
            for (; j > 0 && item_after(&it[j - 1], &x); j--)
                it[j] = it[j - 1];
            it[j] = x;
        }
        if (n > 64 && !(vals = malloc((size_t)n * sizeof *vals)))
            goto out;
        for (int i = 0; i < n; i++)
            vals[i] = it[i].raw;
        sort_small(vals, n);
        e->raw_mean = n ? sum_sorted(vals, n) / n : 0;
        for (int i = 0; i < n; i++)
            vals[i] = it[i].normalised;
        e->kase = c;
        e->id = cases[c].id;
        e->group = cases[c].group;
        e->expert = aggregate(o, vals, n, &drop);
        for (int i = 0; i < drop; i++)
            it[i].dropped = it[n - 1 - i].dropped = 1;
        if (vals != v)
            free(vals);
        e->earlier = cases[c].earlier;
        e->votes_scaled = maxvotes > 0 ? cases[c].votes / maxvotes * 100 : 0;
        e->blended = blend(o, e->expert, e->earlier, e->votes_scaled);
        e->below_quorum = n < o->quorum;
        e->p_advance = -1;
        if (!isfinite(e->blended) || !isfinite(e->raw_mean)) {
            rc = RANK_EINVAL; /* cannot happen with the input checked; never publish a NaN */
            goto out;
        }
        keys[c] = (struct key){quant(e->blended), quant(e->raw_mean), n, e->id,
                               e->below_quorum,   e->group,           c};
    }
    qsort(keys, (size_t)ncases, sizeof *keys, key_cmp);
    res->nadvanced = advance(o, keys, ncases, adv, gcount, ngroups);
    for (int i = 0; i < ncases; i++) {
        res->order[i] = keys[i].idx;
        res->entries[keys[i].idx].rank = i + 1;
        res->entries[keys[i].idx].advanced = adv[keys[i].idx];
        /* A case below quorum is ranked after every case that has it, and never advances. */
        CHECK(i == 0 || !keys[i - 1].below_quorum || keys[i].below_quorum);
        CHECK(!(keys[i].below_quorum && adv[keys[i].idx]));
    }
    rc = RANK_OK;
out:
    free(fill), free(keys), free(adv), free(gcount), free(all);
    if (rc != RANK_OK)
        rank_result_free(res);
    return rc;
}

/* splitmix64: small, fast, and good enough to resample scores. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift (bias below 2^-32 · n). */
static int pick(uint64_t *s, int n)
{
    return (int)(((next(s) >> 32) * (uint64_t)n) >> 32);
}

int rank_bootstrap(struct rank_result *res, int rounds, uint64_t seed)
{
    const struct rank_options *o;
    int n, ngroups = 1, *adv = NULL, *gcount = NULL, *hits = NULL;
    uint64_t *stream = NULL;
    struct key *keys = NULL;
    double v[64], *vals = v;
    int rc = RANK_ENOMEM, maxn = 0;

    if (!res || rounds < 1 || (res->ncases && !res->entries))
        return RANK_EINVAL;
    o = &res->opt;
    n = res->ncases;
    for (int c = 0; c < n; c++) {
        if (res->entries[c].group >= ngroups)
            ngroups = res->entries[c].group + 1;
        if (res->entries[c].nscores > maxn)
            maxn = res->entries[c].nscores;
    }
    keys = malloc(((size_t)n + 1) * sizeof *keys);
    adv = malloc(((size_t)n + 1) * sizeof *adv);
    hits = calloc((size_t)n + 1, sizeof *hits);
    gcount = malloc((size_t)ngroups * sizeof *gcount);
    stream = malloc(((size_t)n + 1) * sizeof *stream);
    if (maxn > 64)
        vals = malloc((size_t)maxn * sizeof *vals);
    if (!keys || !adv || !hits || !gcount || !stream || !vals)
        goto out;
    /* Each case its own stream, from the seed and its id: the draws do not depend on case order. */
    for (int c = 0; c < n; c++) {
        uint64_t s = seed ^ ((uint64_t)(uint32_t)res->entries[c].id * 0xd1b54a32d192ed03ULL);
        stream[c] = next(&s);
    }
    for (int b = 0; b < rounds; b++) {
        for (int c = 0; c < n; c++) {
            const struct rank_entry *e = &res->entries[c];
            int m = e->nscores, drop;
            double raw, expert;
            int pick_at[64], *pk = pick_at;
            if (m > 64 && !(pk = malloc((size_t)m * sizeof *pk)))
                goto out;
            for (int i = 0; i < m; i++)
                pk[i] = pick(&stream[c], m);
            for (int i = 0; i < m; i++)
                vals[i] = e->items[pk[i]].raw;
            sort_small(vals, m);
            raw = m ? sum_sorted(vals, m) / m : 0;
            for (int i = 0; i < m; i++)
                vals[i] = e->items[pk[i]].normalised;
            if (pk != pick_at)
                free(pk);
            sort_small(vals, m);
            expert = aggregate(o, vals, m, &drop);
            keys[c] = (struct key){quant(blend(o, expert, e->earlier, e->votes_scaled)),
                                   quant(raw),
                                   m,
                                   e->id,
                                   e->below_quorum,
                                   e->group,
                                   c};
        }
        if (o->advance == RANK_ADVANCE_TOP || o->advance == RANK_ADVANCE_TOP_GROUP)
            qsort(keys, (size_t)n, sizeof *keys, key_cmp);
        advance(o, keys, n, adv, gcount, ngroups);
        for (int c = 0; c < n; c++)
            hits[c] += adv[c];
    }
    for (int c = 0; c < n; c++) {
        struct rank_entry *e = &res->entries[c];
        e->p_advance = (double)hits[c] / rounds;
        e->borderline = e->p_advance >= RANK_BORDER_LOW && e->p_advance <= RANK_BORDER_HIGH;
    }
    rc = RANK_OK;
out:
    free(keys), free(adv), free(hits), free(gcount), free(stream);
    if (vals != v)
        free(vals);
    return rc;
}
