/*
 * rank.c — aggregation, blending, ranking, advancement and bootstrap of a
 * stage; see rank.h.
 *
 * Scores are bucketed by case with a counting sort (O(S) for S scores), the
 * reviewer statistics take two passes over the scores (means, then squared
 * deviations, for accuracy), each case's few scores are sorted by insertion
 * and the ranking is one qsort of the cases: O(S + n log n) in all.  A
 * bootstrap round costs the same again, without the reviewer statistics.
 */
#include "rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

/* a == b up to EPS relative: -1, 0, 1 as a <, ==, > b. */
static int cmp_dbl(double a, double b)
{
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    if (scale < 1)
        scale = 1;
    if (fabs(a - b) <= EPS * scale)
        return 0;
    return a < b ? -1 : 1;
}

/* What the ranking looks at, for the stage and for each bootstrap round. */
struct key {
    double blended;
    double raw_mean;
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
    int c;

    if (a->below_quorum != b->below_quorum)
        return a->below_quorum - b->below_quorum;
    if ((c = cmp_dbl(b->blended, a->blended)) != 0)
        return c;
    if ((c = cmp_dbl(b->raw_mean, a->raw_mean)) != 0)
        return c;
    if (a->nscores != b->nscores)
        return b->nscores - a->nscores;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return a->idx - b->idx;
}

/* Sort v[0..n) ascending (n is a handful of scores). */
static void sort_small(double *v, int n)
{
    for (int i = 1; i < n; i++) {
        double x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
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
                yes = cmp_dbl(k->blended, o->threshold) >= 0;
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
    if (!isfinite(o->w_expert) || !isfinite(o->w_earlier) || !isfinite(o->w_votes) ||
        !isfinite(o->threshold))
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
    double *mu = calloc((size_t)nreviewers + 1, sizeof *mu);
    double *var = calloc((size_t)nreviewers + 1, sizeof *var);
    int *cnt = calloc((size_t)nreviewers + 1, sizeof *cnt);

    if (!mu || !var || !cnt) {
        free(mu), free(var), free(cnt);
        return -1;
    }
    for (int i = 0; i < nscores; i++)
        mu[scores[i].reviewer] += scores[i].score, cnt[scores[i].reviewer]++;
    for (int r = 0; r < nreviewers; r++)
        if (cnt[r])
            mu[r] /= cnt[r];
    for (int i = 0; i < nscores; i++) {
        double d = scores[i].score - mu[scores[i].reviewer];
        var[scores[i].reviewer] += d * d;
    }
    for (int i = 0; i < res->nscores; i++) {
        struct rank_item *it = &res->items[i];
        int r = it->reviewer;
        double sd = cnt[r] ? sqrt(var[r] / cnt[r]) : 0;
        it->normalised = it->raw;
        if (cnt[r] >= 2 && sd > EPS * (fabs(mu[r]) > 1 ? fabs(mu[r]) : 1) && res->sigma_all > 0)
            it->normalised = res->mu_all + (it->raw - mu[r]) / sd * res->sigma_all;
    }
    free(mu), free(var), free(cnt);
    return 0;
}

int rank_stage(const struct rank_case *cases, int ncases, const struct rank_score *scores,
               int nscores, int nreviewers, const struct rank_options *opt, struct rank_result *res)
{
    struct key *keys = NULL;
    int *fill = NULL, *adv = NULL, *gcount = NULL;
    int ngroups = 1, rc = RANK_ENOMEM;
    double maxvotes = 0, sum = 0, ss = 0;

    if (!res)
        return RANK_EINVAL;
    memset(res, 0, sizeof *res);
    if (ncases < 0 || nscores < 0 || nreviewers < 0 || (ncases && !cases) || (nscores && !scores) ||
        options(opt, &res->opt))
        return RANK_EINVAL;
    for (int i = 0; i < nscores; i++)
        if (scores[i].kase < 0 || scores[i].kase >= ncases || scores[i].reviewer < 0 ||
            scores[i].reviewer >= nreviewers || !isfinite(scores[i].score))
            return RANK_EINVAL;
    for (int c = 0; c < ncases; c++) {
        if (cases[c].group < 0 || !isfinite(cases[c].earlier) || !isfinite(cases[c].votes) ||
            cases[c].votes < 0)
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
    if (!res->entries || !res->order || !res->items || !fill || !keys || !adv || !gcount)
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
        sum += scores[i].score;
    }
    res->mu_all = nscores ? sum / nscores : 0;
    for (int i = 0; i < nscores; i++)
        ss += (scores[i].score - res->mu_all) * (scores[i].score - res->mu_all);
    res->sigma_all = nscores ? sqrt(ss / nscores) : 0;
    if (o->normalise && normalise(res, scores, nscores, nreviewers))
        goto out;

    for (int c = 0; c < ncases; c++) {
        struct rank_entry *e = &res->entries[c];
        struct rank_item *it = res->items + (fill[c] - e->nscores);
        double v[64], *vals = v, raw = 0;
        int n = e->nscores, drop;

        /* Items by normalised score (then reviewer): insertion sort, n is small. */
        for (int i = 1; i < n; i++) {
            struct rank_item x = it[i];
            int j = i;
            for (; j > 0 &&
                   (it[j - 1].normalised > x.normalised ||
                    (it[j - 1].normalised == x.normalised && it[j - 1].reviewer > x.reviewer));
                 j--)
                it[j] = it[j - 1];
            it[j] = x;
        }
        if (n > 64 && !(vals = malloc((size_t)n * sizeof *vals)))
            goto out;
        for (int i = 0; i < n; i++)
            vals[i] = it[i].normalised, raw += it[i].raw;
        e->kase = c;
        e->id = cases[c].id;
        e->group = cases[c].group;
        e->raw_mean = n ? raw / n : 0;
        e->expert = aggregate(o, vals, n, &drop);
        for (int i = 0; i < drop; i++)
            it[i].dropped = it[n - 1 - i].dropped = 1;
        if (vals != v)
            free(vals);
        e->earlier = cases[c].earlier;
        e->votes_scaled = maxvotes > 0 ? cases[c].votes * 100 / maxvotes : 0;
        e->blended = blend(o, e->expert, e->earlier, e->votes_scaled);
        e->below_quorum = n < o->quorum;
        e->p_advance = -1;
        keys[c] = (struct key){e->blended, e->raw_mean, n, e->id, e->below_quorum, e->group, c};
    }
    qsort(keys, (size_t)ncases, sizeof *keys, key_cmp);
    res->nadvanced = advance(o, keys, ncases, adv, gcount, ngroups);
    for (int i = 0; i < ncases; i++) {
        res->order[i] = keys[i].idx;
        res->entries[keys[i].idx].rank = i + 1;
        res->entries[keys[i].idx].advanced = adv[keys[i].idx];
    }
    rc = RANK_OK;
out:
    free(fill), free(keys), free(adv), free(gcount);
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
    if (maxn > 64)
        vals = malloc((size_t)maxn * sizeof *vals);
    if (!keys || !adv || !hits || !gcount || !vals)
        goto out;
    for (int b = 0; b < rounds; b++) {
        for (int c = 0; c < n; c++) {
            const struct rank_entry *e = &res->entries[c];
            int m = e->nscores, drop;
            double raw = 0, expert;
            for (int i = 0; i < m; i++) {
                const struct rank_item *it = &e->items[pick(&seed, m)];
                vals[i] = it->normalised;
                raw += it->raw;
            }
            sort_small(vals, m);
            expert = aggregate(o, vals, m, &drop);
            keys[c] = (struct key){blend(o, expert, e->earlier, e->votes_scaled),
                                   m ? raw / m : 0,
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
    free(keys), free(adv), free(hits), free(gcount);
    if (vals != v)
        free(vals);
    return rc;
}
