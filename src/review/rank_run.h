/*
 * rank_run.h — running the ranking of a review stage over the store: read
 * the stage's pool and reviews, rank them with domain/rank, explain each
 * case (store/ranking.h's one writer of explanations) and store the
 * results; advance a ranked stage; and the command `laurel rank`.
 *
 * The functions block (they read the store and wait for the writer): call
 * them from the worker pool (web_work) or a command, never on a server
 * thread.  Results are core/result.h's.
 */
#ifndef LAUREL_RANK_RUN_H
#define LAUREL_RANK_RUN_H

#include "core/result.h"
#include "domain/rank.h"
#include "store/ranking.h"
#include "store/store.h"

/* Stage s's settings as rank options (per-reviewer normalisation as asked). */
struct rank_options rank_run_options(const struct ranking_stage *s, int normalise);

/*
 * Rank stage s from the store: *rows (malloc'd, n of them, explanation
 * strings malloc'd; release with rank_run_rows_free) in rank order;
 * advanced set from the rule when `advance`, else 0.  RC_OK or RC_ERROR
 * (logged).
 */
int rank_run_compute(struct store *st, const struct ranking_stage *s, int advance,
                     struct ranking_row **rows, int *n);
void rank_run_rows_free(struct ranking_row *rows, int n);

/*
 * Rank stage s and store the ranking (stage → ranked); close_first: the
 * stage is released and scoring ends now (the organiser confirmed).
 * RC_OK, RC_STATE (the stage's state changed meanwhile) or RC_ERROR.
 */
int rank_run_rank(struct store *st, const struct ranking_stage *s, int close_first);

/*
 * Advance ranked stage s: rank again with its current rule (the reviews are
 * frozen, the computation deterministic), mark the advancing cases, make
 * them the next stage's pool (which must be in setup) and move s to
 * advanced.  RC_OK, RC_STATE (a state changed meanwhile) or RC_ERROR.
 */
int rank_run_advance(struct store *st, const struct ranking_stage *s);

/*
 * `laurel rank --stage N [--data DIR]` (N: the stage's sequence number in
 * the campaign under review): argv as main received it; the exit status.
 */
int rank_run_main(int argc, char **argv);

#endif
