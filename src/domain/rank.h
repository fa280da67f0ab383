/*
 * rank.h — the result of a review stage: aggregate each case's scores, blend
 * in an earlier stage and the public vote, rank, decide who advances, and
 * say how sure that decision is.
 *
 * Input is one score per (case, reviewer), the criteria already weighted
 * into a total in [0, score_max] (100 unless the options say otherwise).
 * Per case:
 *
 *   1. optional normalisation: each score becomes z = (x − μ_r) / σ_r with
 *      the reviewer's mean and standard deviation over the whole stage, and
 *      is mapped back onto the raw scale as μ_all + z · σ_all (μ_all, σ_all
 *      over every score of the stage).  So a strict and a lenient reviewer
 *      count alike.  A reviewer with fewer than 2 scores, or whose scores
 *      are all equal (σ_r = 0, tested as "every score the same number", not
 *      against a tolerance), keeps his raw scores, as do all reviewers if
 *      every score of the stage is the same.  Any spread at all, however
 *      small, is normalised: the store keeps totals to 4 decimals, so equal
 *      totals are equal numbers.  Standard deviations are population ones
 *      (divide by n).
 *   2. the rule: mean; median (mean of the middle two for an even count); or
 *      trimmed mean, dropping the `trim` highest and `trim` lowest scores
 *      (去掉最高分和最低分) when the case has at least `trim_min` scores
 *      (never fewer than 2·trim + 1), the plain mean otherwise.
 *   3. the blend: w_expert · expert + w_earlier · earlier + w_votes · votes,
 *      votes scaled so that the most-voted case has 100 (作品分数 = 网络投票
 *      得分 × 30% + 专家评审打分 × 70% is w_votes 0.3, w_expert 0.7).
 *
 * Ranking is by, in turn: quorum (a case with fewer than `quorum` scores is
 * flagged and ranked after every case that has it, and never advances);
 * higher blended score; higher raw mean; more scores; lower case id.  The
 * two scores are compared rounded to RANK_DECIMALS decimals, the precision
 * the pages and exports show: two cases showing the same blended score are
 * ordered by the next key, never by digits nobody sees.  That is a total
 * order, and every sum is taken over sorted values, so the ranking (and the
 * bootstrap, whose random draws are seeded per case id) is a function of
 * the scores alone, not of the order they are given in.
 *
 * Bad input is refused with RANK_EINVAL, never turned into a NaN: a score
 * outside [0, score_max] or not finite, an earlier result or a threshold
 * beyond ±RANK_VALUE_MAX, negative or non-finite votes, weights outside
 * [0, 1].
 *
 * Advancement: the top N overall, the top N of each group (region or track),
 * or every case at or above a threshold.
 *
 * Stability: rank_bootstrap resamples each case's scores with replacement B
 * times (seeded, so reproducible), re-aggregates and re-applies the
 * advancement rule, and reports per case how often it advanced; a case
 * advancing in 20 % to 80 % of the rounds is flagged as borderline.  The
 * normalisation parameters are not re-estimated in the rounds.
 *
 * Pure: no HTTP, no SQL.
 */
#ifndef LAUREL_RANK_H
#define LAUREL_RANK_H

#include <stdint.h>

#define RANK_BORDER_LOW 0.2
#define RANK_BORDER_HIGH 0.8
#define RANK_DECIMALS 2      /* scores are compared rounded to this many decimals */
#define RANK_SCORE_MAX 100.0 /* the default upper bound of a score */
#define RANK_VALUE_MAX 1e9   /* bound of an earlier result and of a threshold */

enum rank_rc {
    RANK_OK = 0,
    RANK_EINVAL, /* bad options, an index out of range, a value out of range or not finite */
    RANK_ENOMEM,
    RANK_RC__MAX
};

enum rank_rule { RANK_MEAN, RANK_MEDIAN, RANK_TRIMMED, RANK_RULE__MAX };

enum rank_advance {
    RANK_ADVANCE_NONE,
    RANK_ADVANCE_TOP,       /* the first top_n of the ranking */
    RANK_ADVANCE_TOP_GROUP, /* the first top_n of each group */
    RANK_ADVANCE_THRESHOLD, /* blended >= threshold */
    RANK_ADVANCE__MAX
};

struct rank_case {
    int id;         /* the case's id: the last tie-break */
    int group;      /* >= 0: region or track, for RANK_ADVANCE_TOP_GROUP */
    double earlier; /* an earlier stage's result, on the score scale */
    double votes;   /* public votes (a count, >= 0) */
};

struct rank_score {
    int kase;     /* index into the cases, 0..ncases-1 */
    int reviewer; /* 0..nreviewers-1 */
    double score; /* the criteria, weighted into one total */
};

struct rank_options {
    enum rank_rule rule;
    int trim;      /* RANK_TRIMMED: drop this many highest and lowest; 0 means 1 */
    int trim_min;  /* ... if the case has at least this many scores */
    int normalise; /* 1: per-reviewer z-scores mapped back onto the raw scale */
    double w_expert, w_earlier, w_votes; /* all 0: expert only */
    int quorum; /* fewer scores than this: flagged, ranked last; 0 means 1 */
    enum rank_advance advance;
    int top_n;
    double threshold; /* compared at RANK_DECIMALS, like the scores */
    double score_max; /* scores lie in [0, score_max]; 0 means RANK_SCORE_MAX */
};

/* One score of a case, as the aggregation saw it. */
struct rank_item {
    int reviewer;
    double raw;
    double normalised; /* the raw score when not normalised */
    int dropped;       /* 1 if the trimmed mean left it out */
};

/* A case's result and how it came about. */
struct rank_entry {
    int kase; /* index of the case in the input */
    int id;
    int group;
    int nscores;
    const struct rank_item *items; /* its scores, lowest normalised first */
    double raw_mean;               /* mean of the raw scores, all of them */
    double expert;                 /* the rule applied to the (normalised) scores */
    double earlier;                /* the blend's pieces, before weighting */
    double votes_scaled;           /* votes × 100 / the most votes of any case */
    double blended;
    int below_quorum; /* 1: too few scores; ranked last, never advances */
    int rank;         /* 1.. */
    int advanced;
    double p_advance; /* bootstrap: share of rounds advanced; -1 if not run */
    int borderline;   /* bootstrap: p_advance within [0.2, 0.8] */
};

struct rank_result {
    struct rank_entry *entries; /* ncases, in input order */
    int *order;                 /* ncases: entry indices, best first */
    struct rank_item *items;    /* nscores, grouped by case */
    int ncases, nscores;
    int nadvanced;
    double mu_all, sigma_all; /* of all raw scores */
    struct rank_options opt;  /* as used, defaults filled in */
};

/*
 * Aggregate, blend, rank and apply the advancement rule.  res need not be
 * initialised; its arrays are malloc'd and owned by it (rank_result_free).
 * Returns RANK_OK, RANK_EINVAL (bad input, see above) or RANK_ENOMEM (then
 * res holds nothing).
 */
int rank_stage(const struct rank_case *cases, int ncases, const struct rank_score *scores,
               int nscores, int nreviewers, const struct rank_options *opt,
               struct rank_result *res);

/*
 * Estimate each case's probability of advancing by `rounds` bootstrap
 * rounds from `seed`, setting p_advance and borderline in res->entries.
 * Each case draws from its own stream, seeded by `seed` and its id.
 * Returns RANK_OK, RANK_EINVAL (rounds < 1) or RANK_ENOMEM.
 */
int rank_bootstrap(struct rank_result *res, int rounds, uint64_t seed);

void rank_result_free(struct rank_result *res);

#endif
