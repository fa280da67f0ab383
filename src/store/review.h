/*
 * review.h — the store's interface for review rounds as the organiser runs
 * them: the review campaign and its stages (settings, criteria, state), the
 * reviewer pool, conflicts (回避), the pool of cases of each stage and the
 * assignments of reviewers to cases.
 *
 * Reads run on the calling thread; writes are tx_* functions called inside
 * a store write (store.h).  A conflict between a reviewer and a case is
 * automatic when the reviewer's home region is the case's region or the
 * reviewer's unit is the case's unit (derived, never stored), or a row of
 * `conflict` (declared by the reviewer or added by the organiser); every
 * function here that answers "may this reviewer see / take this case"
 * counts all three.
 *
 * Stage states (domain/stage.h): setup → proposed → released → closed →
 * ranked → advanced; each write below checks that the stage's state allows
 * it (stage_allows) and answers RC_STATE when not.  Assignments
 * are proposed (invisible to reviewers), released (visible) or dropped (the
 * reviewer dropped out; not counted anywhere as a live assignment).
 *
 * Results (core/result.h): writes refused by a rule answer RC_STATE,
 * RC_INVALID or RC_EXISTS and are rolled back.
 */
#ifndef LAUREL_REVIEW_H
#define LAUREL_REVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "domain/assign.h"
#include "domain/stage.h"
#include "store/store.h"

#define REVIEW_MAX_CRITERIA 12
#define REVIEW_MAX_TAGS 64 /* the expertise vocabulary of one solve (bits of a uint64_t) */

/* A stage's settings (003_review.sql). */
struct review_stage {
    int64_t id, campaign_id;
    int seq;
    char name[128];
    enum stage_kind kind;
    char starts_at[32], ends_at[32];
    enum stage_state state; /* domain/stage.h */
    int reviewers_per_case;
    int blind;
    int max_same_region; /* 0: no cap */
    int exclude_previous;
    char aggregation[16]; /* mean / median / trimmed */
    int trim_k, trim_min;
    int normalise;
    double previous_weight, vote_weight;
    int quorum;
    char advance_rule[16]; /* top / top_per_region / top_per_track / threshold */
    int advance_n;
    double advance_threshold;
};

struct review_criterion {
    int64_t id; /* 0 for a new one */
    char name[128];
    char description[512];
    double max_score; /* > 0 */
    double weight;    /* >= 0 */
};

/* The newest campaign with status 'review', or 0 when there is none (or on error). */
int64_t store_review_campaign_id(struct store *st);

/* Stage id's settings into out: RC_OK / RC_NOTFOUND / RC_ERROR. */
int store_review_stage(struct store *st, int64_t stage_id, struct review_stage *out);

/*
 * The stage of campaign campaign_id before stage_id in seq order (any
 * kind), or 0.  Used to fill a later stage's pool from its advanced cases.
 */
int64_t store_review_previous_stage(struct store *st, int64_t stage_id);

/*
 * The stages of a campaign in seq order, with counts:
 * [{id, seq, name, kind, state, starts_at, ends_at, reviewers_per_case, blind,
 *   pool, advanced, assigned (live assignments), released, reviews_submitted,
 *   reviews_draft}]
 */
json_t *store_review_stages(struct store *st, int64_t campaign_id);

/* The criteria of a stage in seq order: [{id, seq, name, description, max, weight}]. */
json_t *store_review_criteria(struct store *st, int64_t stage_id);

/*
 * The reviewer pool with its use in stage stage_id (0: no stage counts):
 * [{user_id, name, email, region, region_name, unit_id, unit_name, expertise,
 *   max_load, active, assigned (live in the stage), released, submitted, draft,
 *   dropped (1 if the reviewer has dropped assignments in the stage)}]
 */
/* The reviewer profiles of stage_id's campaign's pool (0: every profile), with the stage's counts. */
json_t *store_review_reviewers(struct store *st, int64_t stage_id);

/*
 * Users with the reviewer role but no reviewer row yet, or not yet in the
 * pool of stage_id's campaign (for the add form): [{user_id, name, email}]
 */
json_t *store_review_reviewer_candidates(struct store *st, int64_t stage_id);

/*
 * 1 if reviewer user_id is in conflict with case case_id (same region, same
 * unit, or a conflict row), 0 if not, -1 on error.  A user without a reviewer
 * row has no region or unit: only rows count.
 */
int store_review_conflicted(struct store *st, int64_t case_id, int64_t user_id);

/*
 * The stored conflicts (declared and organiser-added) of the cases of a
 * campaign: [{case_id, case_title, user_id, user_name, source, reason, at}].
 */
json_t *store_review_conflicts(struct store *st, int64_t campaign_id);

/*
 * The pool of a stage: [{case_id, title, region, region_name, unit_name,
 * reviewers (live assignments), score, rank, advanced}] in case id order.
 */
json_t *store_review_pool(struct store *st, int64_t stage_id);

/*
 * The assignments of a stage, by case:
 * [{case_id, title, region_name, unit_name, reviewers:[{user_id, name, region_name, state,
 *   review (none / draft / submitted)}]}] in case id order; dropped ones included
 * with state "dropped".
 */
json_t *store_review_assignments(struct store *st, int64_t stage_id);

/*
 * Progress of a stage: {reviewers:[{user_id, name, email, assigned, submitted,
 * draft}], regions:[{code, name, cases, assigned, submitted, draft}],
 * totals:{assigned, submitted, draft}} counting released assignments only.
 */
json_t *store_review_progress(struct store *st, int64_t stage_id);

/*
 * 1 if user_id holds a live (proposed or released) assignment of case_id in
 * stage_id, 2 if it is released and the stage is in state released, 0 if
 * none, -1 on error.
 */
int store_review_assigned(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id);

/*
 * The problem of assigning a stage, built from the store: cases of its pool
 * (region, unit, tags as a mask over the reviewers' expertise vocabulary,
 * earlier-stage reviewers as `seen` when exclude_previous), active reviewers
 * (region, unit, expertise, max_load), stored conflicts.  Everything below is
 * owned by the struct (release with store_review_problem_free).
 */
struct review_problem {
    struct assign_problem p;
    struct review_stage stage;
    int64_t *case_ids;     /* ncases */
    int64_t *user_ids;     /* nreviewers */
    char (*region_codes)[8]; /* nregions */
    struct assign_case *cases;
    struct assign_reviewer *reviewers;
    struct assign_pair *conflicts;
    int *lists; /* storage of the forbidden / seen lists */
    char **region_names;
    int *current; /* ncases * k_cur: live assignments (reviewer indices, -1 pad); may be NULL */
    int *current_n; /* ncases: how many live assignments each case has */
    int current_k;  /* the row width of current */
    int *dropped;   /* nreviewers: 1 if the reviewer dropped out of this stage */
};

/* Load stage_id's problem (k, caps and flags from the stage; balanced = 1). */
int store_review_problem_load(struct store *st, int64_t stage_id, struct review_problem *out);
void store_review_problem_free(struct review_problem *rp);

/* One (case, reviewer) pair by id. */
struct review_pair {
    int64_t case_id, user_id;
};

/*
 * A message to reviewers, queued in the outbox by the writes below: in
 * subject and body "{n}" becomes the reviewer's number of cases and "{link}"
 * the link (the caller's text, from the message catalog).
 */
struct review_mail {
    const char *subject;
    const char *body;
    const char *link; /* e.g. https://site/review */
};

/*
 * The live assignments of user_id in stage_id without a submitted review
 * (what a drop-out leaves open): [case_id, ...] ascending.
 */
json_t *store_review_open_cases(struct store *st, int64_t stage_id, int64_t user_id);

/*
 * Writes (inside a store write).  Each checks the stage's state itself and
 * returns RC_STATE when it forbids the change.
 */

/*
 * Replace stage_id's settings (all fields of s except id, campaign_id, seq,
 * name, kind, dates and state) and its criteria (n of them, in order; ids
 * are ignored: criteria are rewritten).  Only in setup or proposed.
 */
int tx_review_stage_update(struct store_tx *tx, int64_t stage_id, const struct review_stage *s,
                           const struct review_criterion *c, int n);
/*
 * Fill the pool of stage_id: the first stage from the campaign's cases with
 * status 'passed', a later one from the previous stage's advanced cases.
 * Only in setup; existing rows stay.  *added = rows added.
 */
int tx_review_pool_fill(struct store_tx *tx, int64_t stage_id, int *added);
/* Add (or update) the reviewer row of a user who holds the reviewer role. */
int tx_reviewer_upsert(struct store_tx *tx, int64_t user_id, const char *region_code,
                       int64_t unit_id, const char *expertise, int max_load);
/* Add a conflict (source "declared" or "organiser"); RC_EXISTS if there is one. */
int tx_conflict_add(struct store_tx *tx, int64_t case_id, int64_t user_id, const char *source,
                    const char *reason);
/* Remove a stored conflict; RC_NOTFOUND if none. */
int tx_conflict_remove(struct store_tx *tx, int64_t case_id, int64_t user_id);
/*
 * Store a proposal: delete stage_id's proposed assignments, insert the n
 * pairs as proposed, stage state → proposed.  Only in setup or proposed.
 */
int tx_review_propose(struct store_tx *tx, int64_t stage_id, const struct review_pair *pairs,
                      int n);
/*
 * Add one assignment (proposed, or released when the stage is released,
 * with message m (may be NULL) to the reviewer then); remove one (a proposed
 * one is deleted, a released one without a submitted review is dropped;
 * RC_STATE if it has a submitted review).  Only in proposed or
 * released.  The rules are checked by the caller; RC_EXISTS if the
 * pair is already live.
 */
int tx_review_assignment_add(struct store_tx *tx, int64_t stage_id, int64_t case_id,
                             int64_t user_id, const struct review_mail *m);
int tx_review_assignment_remove(struct store_tx *tx, int64_t stage_id, int64_t case_id,
                                int64_t user_id);
/*
 * Release a proposed stage: assignments → released, state → released, one
 * message m per reviewer with {n} = their cases ("您有 N 个案例待评审").
 * *messages = messages queued.
 */
int tx_review_release(struct store_tx *tx, int64_t stage_id, const struct review_mail *m,
                      int *messages);
/*
 * Number the pool of every review stage that reviewers may open (released
 * or later) and has no labels yet: the labels they know its cases by
 * (stage_label, migration 027), in the pool's scrambled order.  The
 * release calls it; so does a loader that writes released stages itself.
 */
int tx_review_label_released(struct store_tx *tx);
/*
 * A reviewer drops out of stage_id: live assignments without a submitted
 * review → dropped; then the n replacement pairs are added (state as the
 * stage's: proposed or released; message m, {n} = new cases, to each new
 * reviewer when released).  Only in proposed or released.
 */
int tx_review_drop(struct store_tx *tx, int64_t stage_id, int64_t user_id,
                   const struct review_pair *replacements, int n, const struct review_mail *m);
/*
 * Queue reminder m ({n} = unfinished reviews) to each reviewer with released
 * assignments without a submitted review in stage_id (state released).
 * *messages = messages queued.
 */
int tx_review_remind(struct store_tx *tx, int64_t stage_id, const struct review_mail *m,
                     int *messages);

#endif
