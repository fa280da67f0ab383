/*
 * bench_rank.c — ranking a stage at the scale of the model campaign: 4,000
 * cases × 5 reviewers = 20,000 reviews from 200 reviewers of uneven
 * strictness, trimmed mean (drop highest and lowest of 5) on per-reviewer
 * z-scores, blended 70 % experts / 30 % public votes, top 130 advance.
 * Prints the median of 21 runs of rank_stage, then the bootstrap (200
 * rounds) separately, with the number of borderline cases, then whether a
 * run on the same reviews given in another order (cases, scores and
 * reviewer numbers shuffled) ranks every case the same, to the bit.
 *
 * Build and run (not part of the meson build):
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o /tmp/bench_rank \
 *       bench/bench_rank.c src/domain/rank.c -lm && /tmp/bench_rank
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "domain/rank.h"

#define NCASES 4000
#define PER 5
#define NREV 200
#define RUNS 21
#define ROUNDS 200

static uint64_t rng_state = 2019;

static double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return ((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static double normal(void)
{
    double u = uniform() + 1e-300, v = uniform();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    static struct rank_case cases[NCASES];
    static struct rank_score scores[NCASES * PER];
    double bias[NREV], spread[NREV], times[RUNS];

    for (int r = 0; r < NREV; r++)
        bias[r] = normal() * 6, spread[r] = 0.6 + uniform();
    for (int c = 0; c < NCASES; c++) {
        double quality = 75 + normal() * 8;
        cases[c] = (struct rank_case){c + 1, c % 32, 0, floor(uniform() * uniform() * 20000)};
        for (int i = 0; i < PER; i++) {
            int r = (c * PER + i * 41) % NREV;
            double s = quality + bias[r] + normal() * 5 * spread[r];
            scores[c * PER + i] = (struct rank_score){c, r, s < 0 ? 0 : s > 100 ? 100 : s};
        }
    }
    struct rank_options o = {.rule = RANK_TRIMMED,
                             .trim = 1,
                             .trim_min = 5,
                             .normalise = 1,
                             .w_expert = 0.7,
                             .w_votes = 0.3,
                             .quorum = 3,
                             .advance = RANK_ADVANCE_TOP,
                             .top_n = 130};
    struct rank_result res;
    for (int i = 0; i < RUNS; i++) {
        double t0 = now();
        if (rank_stage(cases, NCASES, scores, NCASES * PER, NREV, &o, &res) != RANK_OK)
            return 1;
        times[i] = now() - t0;
        if (i + 1 < RUNS)
            rank_result_free(&res);
    }
    qsort(times, RUNS, sizeof *times, cmp_double);
    printf("rank_stage: %d reviews (%d cases x %d), trimmed mean + z-score + 70/30 vote blend, "
           "top %d\n",
           NCASES * PER, NCASES, PER, o.top_n);
    printf("  median of %d runs %.2f ms (min %.2f, max %.2f); advanced %d; cut at blended %.2f\n",
           RUNS, times[RUNS / 2] * 1e3, times[0] * 1e3, times[RUNS - 1] * 1e3, res.nadvanced,
           res.entries[res.order[o.top_n - 1]].blended);
    double t0 = now();
    if (rank_bootstrap(&res, ROUNDS, 7) != RANK_OK)
        return 1;
    double t1 = now();
    int border = 0, certain = 0;
    for (int c = 0; c < NCASES; c++) {
        border += res.entries[c].borderline;
        certain += res.entries[c].p_advance > RANK_BORDER_HIGH;
    }
    printf("rank_bootstrap: %d rounds %.1f ms; %d cases borderline (p in [0.2, 0.8]), %d above "
           "0.8\n",
           ROUNDS, (t1 - t0) * 1e3, border, certain);

    /* The same reviews in another order: case c goes to perm[c], reviewer r to rperm[r]. */
    static struct rank_case sc[NCASES];
    static struct rank_score ss[NCASES * PER];
    static int perm[NCASES];
    int rperm[NREV];
    for (int c = 0; c < NCASES; c++)
        perm[c] = c;
    for (int r = 0; r < NREV; r++)
        rperm[r] = r;
    for (int c = NCASES - 1; c > 0; c--) {
        int j = (int)(uniform() * (c + 1)), t = perm[c];
        perm[c] = perm[j], perm[j] = t;
    }
    for (int r = NREV - 1; r > 0; r--) {
        int j = (int)(uniform() * (r + 1)), t = rperm[r];
        rperm[r] = rperm[j], rperm[j] = t;
    }
    for (int c = 0; c < NCASES; c++)
        sc[perm[c]] = cases[c];
    for (int i = 0; i < NCASES * PER; i++)
        ss[i] =
            (struct rank_score){perm[scores[i].kase], rperm[scores[i].reviewer], scores[i].score};
    for (int i = NCASES * PER - 1; i > 0; i--) {
        int j = (int)(uniform() * (i + 1));
        struct rank_score t = ss[i];
        ss[i] = ss[j], ss[j] = t;
    }
    struct rank_result shuf;
    if (rank_stage(sc, NCASES, ss, NCASES * PER, NREV, &o, &shuf) != RANK_OK ||
        rank_bootstrap(&shuf, ROUNDS, 7) != RANK_OK)
        return 1;
    int differ = 0;
    for (int k = 0; k < NCASES; k++) {
        const struct rank_entry *a = &res.entries[res.order[k]], *b = &shuf.entries[shuf.order[k]];
        differ += a->id != b->id || a->blended != b->blended || a->p_advance != b->p_advance;
    }
    printf("shuffled input (cases, scores, reviewer numbers): %d of %d ranks differ\n", differ,
           NCASES);
    rank_result_free(&shuf);
    rank_result_free(&res);
    return differ != 0;
}
