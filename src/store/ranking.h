/*
 * ranking.h — the store's interface for the results of a review stage: what
 * a ranking reads (the stage's settings, its pool, the submitted reviews'
 * totals, the previous review stage's results and the public votes of the
 * exhibition between them), what it writes (each case's score, rank,
 * advanced and borderline flags and an explanation as JSON, and the stage's
 * state), the advancement into the next stage's pool, the spreadsheets of a
 * stage, and the texts the near-duplicate scan compares.
 *
 * The arithmetic is domain/rank.h's; this layer only moves numbers in and
 * out.  A review of a conflicted pair (a declared or organiser-added
 * conflict row, or the reviewer's home region or unit equal to the case's)
 * is never read: it counts for nothing and appears in no export.
 */
#ifndef LAUREL_RANKING_H
#define LAUREL_RANKING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/rank.h"
#include "store/review.h"
#include "store/store.h"

/*
 * A stage as the ranking sees it: its settings as the review store reads
 * them (store_review_stage) and its neighbours.
 */
struct ranking_stage {
    struct review_stage base;
    int64_t prev_id; /* the previous review stage of the campaign, or 0 */
    int prev_seq;    /* its seq, or 0 */
    int64_t next_id; /* the next stage by seq, or 0 */
    enum stage_state next_state; /* setup when there is none */
    char next_name[128];
};

/* Stage `id` (of any campaign) with its neighbours.  RC_OK / RC_NOTFOUND / RC_ERROR. */
int store_ranking_stage(struct store *st, int64_t id, struct ranking_stage *out);

/* The id of the stage with sequence number seq in campaign, or 0. */
int64_t store_ranking_stage_by_seq(struct store *st, int64_t campaign_id, int seq);

/*
 * What rank_stage needs for a stage, read in one go.  cases[i] has the
 * database id case_ids[i]; rank_case.id is the same id (cases are ordered
 * by id).  group is the index of the case's region (top_per_region) or
 * track (otherwise) among the pool's distinct ones.  scores[k].reviewer
 * indexes reviewer_ids.  Every array is malloc'd and owned by the input.
 */
struct ranking_input {
    int ncases, nscores, nreviewers;
    struct rank_case *cases;
    int64_t *case_ids;
    int *has_earlier; /* 1 if the previous review stage scored the case */
    struct rank_score *scores;
    int64_t *reviewer_ids;
};

/* Fill in (need not be initialised) for stage s.  RC_OK or RC_ERROR (then in is empty). */
int store_ranking_input(struct store *st, const struct ranking_stage *s, struct ranking_input *in);
void ranking_input_free(struct ranking_input *in);

/*
 * The stage's pool with its stored results, best first (unranked cases last
 * by id): [{case_id, title, region, region_code, unit, track, score|null,
 * rank|null, advanced, borderline, explanation (parsed JSON or null)}].
 */
json_t *store_ranking_results(struct store *st, int64_t stage_id);

/*
 * The organiser's ranking table, a page at a time: the ranked cases best
 * first (those under the quorum last, as ranked), of one region and
 * matching a search when given.
 */
struct ranking_filter {
    const char *region; /* a region code, or NULL */
    const char *q;      /* found in the title or the unit's name (ASCII without case), or NULL */
    int64_t q_id;       /* or this case id; 0: none */
    int offset, limit;
};

/*
 * A page of the table and the counts over the stage's whole pool, whatever
 * the filter: the pool, the unranked, and among the ranked the advanced,
 * the proposed (would advance by the rule), the borderline and those below
 * the quorum.  cut_case is the last case (by rank) that met the quorum and
 * is advanced or proposed, when another case that met it follows (the cut
 * line is drawn under it), else 0.  total counts the ranked cases that
 * match; rows (owned) are as store_ranking_results gives them.
 */
struct ranking_page {
    int pool, unranked, advanced, proposed, borderline, below_quorum;
    int64_t cut_case;
    int total;
    json_t *rows;
};

/* Fill *out (released with ranking_page_free).  RC_OK or RC_ERROR (then out is empty). */
int store_ranking_page(struct store *st, int64_t stage_id, const struct ranking_filter *f,
                       struct ranking_page *out);
void ranking_page_free(struct ranking_page *p);

/* One case of the stage's pool as above, or NULL. */
json_t *store_ranking_result(struct store *st, int64_t stage_id, int64_t case_id);

/*
 * Every review of the case in the stage (reviewer names included, for the
 * organiser): [{user_id, name, status, total|null, conflict (bool)}].
 */
json_t *store_ranking_case_reviews(struct store *st, int64_t stage_id, int64_t case_id);

/* Export rows (arrays of values, in the column order documented in ranking.c). */
json_t *store_ranking_export_assignments(struct store *st, int64_t stage_id);
/* {criteria:[names], rows:[[...]]}: one row per review with a column per criterion. */
json_t *store_ranking_export_scores(struct store *st, int64_t stage_id);

/* The texts the near-duplicate scan compares: title and sections of a campaign's cases. */
struct ranking_texts {
    int n;
    int64_t *ids;
    char **titles; /* each malloc'd */
    char **texts;  /* title and sections, joined with newlines; each malloc'd */
    size_t *lens;
};
/* The campaign's cases past the draft state.  RC_OK or RC_ERROR (then t is empty). */
int store_ranking_texts(struct store *st, int64_t campaign_id, struct ranking_texts *t);
void ranking_texts_free(struct ranking_texts *t);

/*
 * One case of a campaign for the side-by-side view: {id, title, region,
 * unit, status, sections:[{seq, body}]}, or NULL.
 */
json_t *store_ranking_case_text(struct store *st, int64_t campaign_id, int64_t case_id);

/* One case's stored result, as written by a ranking. */
struct ranking_row {
    int64_t case_id;
    double score;
    int rank;
    int advanced;
    int borderline;
    int proposed;      /* would advance by the rule (the explanation's proposed) */
    int below_quorum;  /* too few reviews counted (the explanation's below_quorum) */
    char *explanation; /* JSON text; the caller's */
};

/*
 * A ranking's explanation of one case, as stage_case.explanation holds it
 * (JSON): rule, n, quorum, below_quorum, raw_mean, trimmed (the rule on the
 * raw scores), normalised (on normalised scores), shift, normalise_used,
 * mu_all, sigma_all, expert, earlier (or null), votes, votes_scaled,
 * w_expert, w_earlier, w_votes, blended, rank, proposed (would advance by
 * the rule), p_advance, borderline and scores:[{reviewer (user id), raw, z
 * (or null when kept raw), normalised, dropped, dropped_normalised}].  The
 * one writer of that shape (ranking_explain.c).
 */
struct ranking_explain {
    const char *rule;              /* the stage's aggregation: mean / median / trimmed */
    const struct rank_result *raw; /* the rule on the raw scores */
    const struct rank_result *nor; /* the same with per-reviewer normalisation */
    const struct rank_result *used; /* raw or nor: the pass that decides */
    const struct rank_case *cases; /* the input (votes), or NULL: no votes */
    const int *has_earlier;        /* per case: 1 if an earlier stage scored it; or NULL */
    const int64_t *reviewer_ids;   /* rank_item.reviewer → user id */
};

/* Case c's explanation (c indexes the input) as JSON text, malloc'd; NULL if out of memory. */
char *ranking_explain(const struct ranking_explain *x, int c);

/* Stage state released → closed.  RC_STATE if the stage is not in state released. */
int tx_ranking_close(struct store_tx *tx, int64_t stage_id);

/*
 * Store the results of a ranking (advanced stored as 0) and move the stage
 * to 'ranked' from 'closed' or 'ranked' (a re-ranking), or with close_first
 * also from 'released' (scoring ends: the reviews in hand are final).
 * RC_STATE if the state did not allow it.
 */
int tx_ranking_save(struct store_tx *tx, int64_t stage_id, const struct ranking_row *rows, int n,
                    int close_first);

/*
 * Apply the advancement: store rows (advanced as given), replace the pool
 * of the next stage next_id (0: none; it must be in state 'setup') with the
 * advanced cases and move the stage from 'ranked' to 'advanced'.
 * RC_STATE if a state did not allow it.
 */
int tx_ranking_advance(struct store_tx *tx, int64_t stage_id, const struct ranking_row *rows, int n,
                       int64_t next_id);

#endif
