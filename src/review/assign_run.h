/*
 * assign_run.h — running the assignment of a review stage: load the stage
 * from the store, solve it with domain/assign, check the result and store
 * it; check manual edits against the same rules; replace a reviewer who
 * drops out; and the `laurel assign` command.
 *
 * The functions block (they read the store and wait for the writer): call
 * them from the worker pool (web_work) or a command, never on a server
 * thread.  Refusals are core/result.h's codes (the web layer maps them to
 * statuses): RC_NOTFOUND (no such stage, assignment or reviewer),
 * RC_STATE (the stage's state, or a reviewer who dropped out), RC_EXISTS
 * (already assigned), RC_QUOTA (a case full, a region's cap, a reviewer's
 * load), RC_INVALID (a rule of 回避, a case not in the pool, no solution),
 * RC_ERROR.
 */
#ifndef LAUREL_ASSIGN_RUN_H
#define LAUREL_ASSIGN_RUN_H

#include <stdint.h>

#include "core/result.h"
#include "domain/assign.h"
#include "store/review.h"
#include "store/store.h"

/* What a run did. */
struct review_outcome {
    int rc;            /* 0 done; ASSIGN_E* (infeasible: see message); or -1 (see error) */
    const char *error; /* a message key when rc == -1, e.g. "stages_err_state" */
    int result;        /* when rc != 0: why, as a result code (RC_STATE, RC_INVALID, ...) */
    int ncases, nreviewers, k;
    long long total_cost;
    int load_min, load_max; /* over the reviewers allowed some case */
    int violations;         /* rules broken by the stored result: always 0 */
    int pairs;              /* assignments stored (or that would be, dry run) */
    double solve_ms, total_ms;
    char message[ASSIGN_MESSAGE_MAX]; /* why it is infeasible, in numbers */
};

/*
 * Propose assignments for stage_id (state setup or proposed, kind review or
 * ballot, a non-empty pool): solve with balanced loads and, unless dry_run,
 * replace the stage's proposal (stage → proposed).  Returns out->rc.
 */
int review_assign_propose(struct store *st, int64_t stage_id, int dry_run,
                          struct review_outcome *out);

/*
 * Check adding (case_id, user_id) to stage_id against the rules: stage state,
 * pool, reviewer, 回避 (own region, same unit, conflict rows, earlier stage
 * when excluded), reviewers per case, region cap, load bound.  RC_OK if
 * allowed; else the refusal (see above) with *why a message key.
 */
int review_check_add(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id,
                     const char **why);

/*
 * Check removing (case_id, user_id): RC_OK if allowed (*warn set to a
 * message key when the case falls below k before release, else NULL); else
 * the refusal with *why.
 */
int review_check_remove(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id,
                        const char **why, const char **warn);

/*
 * Reviewer user_id drops out of stage_id (proposed or released): their live
 * assignments without a submitted review are dropped and each such case gets
 * a replacement by the same rules (the other reviewers' current loads count
 * as used capacity), stored with message m to new reviewers when released.
 * out->pairs = replacements; on infeasibility nothing is stored.
 */
int review_drop(struct store *st, int64_t stage_id, int64_t user_id, const struct review_mail *m,
                struct review_outcome *out);

/* `laurel assign --data DIR --stage N [--dry-run]`: argv as main's; the exit status. */
int review_assign_main(int argc, char **argv);

#endif
