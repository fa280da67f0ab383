/*
 * ballot.h — the store's interface for a ballot stage (终评): its jury, its
 * sittings (the ballot and any runoff), each juror's ballot, the secret
 * record of what was cast, and the tally.
 *
 * A sitting is open (the organiser records who is present), then voting
 * (each present juror saves and casts one ballot), then tallied.  Jurors are
 * accounts of the reviewer pool (their region and unit decide 回避, as for
 * reviewers: same region, same unit, or a conflict row); a juror approves
 * no case they are in 回避 for, and the tally leaves them out of that case's
 * count.  Casting writes who has cast apart from what was cast, the latter
 * under the digest of a random receipt only the juror is shown; nothing
 * here reads one against the other.
 *
 * Writes check the sitting's state themselves: RC_STATE when it forbids the
 * change, RC_EXISTS for a second cast, RC_QUOTA for more approvals than
 * places, RC_INVALID for a case that is no candidate or is in 回避.
 */
#ifndef LAUREL_BALLOT_H
#define LAUREL_BALLOT_H

#include <jansson.h>
#include <stdint.h>

#include "domain/tally.h"
#include "store/review.h"
#include "store/store.h"

#define BALLOT_RECEIPT_CHARS 24 /* random base64url characters (144 bits) */

enum sitting_state { SITTING_NONE, SITTING_OPEN, SITTING_VOTING, SITTING_TALLIED };

struct ballot_stage {
    struct review_stage base;
    int places; /* approvals per ballot in the first round */
    int quorum; /* jurors present to vote and tally */
    int pool;   /* candidates of the first round */
    int jurors;
    /* The current (latest) sitting, if any. */
    int64_t sitting_id;
    int round;
    int sitting_places;
    enum sitting_state sitting_state;
    int present; /* jurors marked present now */
    int cast;    /* ballots cast in the current sitting */
    int runoff_proposed; /* the latest tally proposes a runoff */
    int final;           /* tallied with no runoff proposed: the result stands */
};

/* Stage id as a ballot stage: RC_OK, RC_NOTFOUND (none, or not a ballot), RC_ERROR. */
int store_ballot_stage(struct store *st, int64_t stage_id, struct ballot_stage *out);

/*
 * The jury: [{user_id, name, email, region_name, unit_name, present, cast
 * (has cast in the current sitting)}] by name.
 */
json_t *store_ballot_jurors(struct store *st, int64_t stage_id, int64_t sitting_id);
/* Reviewers of the pool not on the jury: [{user_id, name, region_name}]. */
json_t *store_ballot_juror_candidates(struct store *st, int64_t stage_id);

/* The ballot stages where user_id is a juror: [{stage_id, name, campaign}]. */
json_t *store_ballot_stages_of(struct store *st, int64_t user_id);
/* 1 if user_id is on stage_id's jury (present: 1 if marked present), 0 if not, -1 on error. */
int store_ballot_is_juror(struct store *st, int64_t stage_id, int64_t user_id, int *present);
/* 1 if user_id has cast in sitting_id, 0 if not, -1 on error. */
int store_ballot_has_cast(struct store *st, int64_t sitting_id, int64_t user_id);

/*
 * A juror's ballot of sitting_id in the order of the stage before:
 * [{case_id, title, region_name, unit_name, score, rank, reviews, conflict,
 *   approved (in the juror's saved, uncast choice)}].
 */
json_t *store_ballot_paper(struct store *st, int64_t sitting_id, int64_t user_id);

/*
 * A sitting's results in the tally's order: [{case_id, title, region_name,
 * unit_name, prior_rank, approvals, eligible, passed, elected, runoff, ord}].
 */
json_t *store_ballot_results(struct store *st, int64_t sitting_id);
/* The sittings of a stage: [{id, round, places, state, present, ballots, elected, runoff}]. */
json_t *store_ballot_sittings(struct store *st, int64_t stage_id);

/*
 * The ballot cast under receipt digest: {stage, round, state, counted,
 * approvals:[{case_id, title}]}, or NULL when there is none.
 */
json_t *store_ballot_receipt(struct store *st, const char *digest);

/*
 * The tally's input for sitting_id: its candidates with approvals and
 * eligible jurors (present, not in 回避).  *out malloc'd (free it).
 */
int store_ballot_tally_input(struct store *st, int64_t sitting_id, struct tally_case **out,
                             int *n);

/* Writes (inside a store write). */
int tx_ballot_settings(struct store_tx *tx, int64_t stage_id, int places, int quorum);
/* RC_INVALID if the user is not in the reviewer pool; RC_EXISTS if on the jury. */
int tx_juror_add(struct store_tx *tx, int64_t stage_id, int64_t user_id);
int tx_juror_remove(struct store_tx *tx, int64_t stage_id, int64_t user_id);
/*
 * Open the first sitting (candidates: the stage's pool) or, with runoff, the
 * runoff the latest tally proposed (candidates: exactly its tied cases,
 * places: the places left).  Presence starts empty.
 */
int tx_sitting_open(struct store_tx *tx, int64_t stage_id, int runoff);
/* Mark exactly these jurors present (the sitting must be open). */
int tx_sitting_presence(struct store_tx *tx, int64_t stage_id, const int64_t *user_ids, int n);
/* open → voting; RC_QUOTA below quorum. */
int tx_sitting_start(struct store_tx *tx, int64_t stage_id);
/* Save a juror's choice (replacing the saved one), or cast it under receipt digest. */
int tx_ballot_save(struct store_tx *tx, int64_t sitting_id, int64_t user_id,
                   const int64_t *case_ids, int n);
int tx_ballot_cast(struct store_tx *tx, int64_t sitting_id, int64_t user_id,
                   const int64_t *case_ids, int n, const char *receipt_digest);
/*
 * Tally the voting sitting of stage_id: RC_QUOTA below quorum, RC_STATE
 * while a present juror has not cast.  Stores each candidate's result;
 * when no runoff is proposed, the stage's result: stage_case.advanced and
 * rank for the elected cases of every round, state ranked.
 */
int tx_ballot_tally(struct store_tx *tx, int64_t stage_id, struct tally_outcome *out);

#endif
