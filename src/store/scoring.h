/*
 * scoring.h — the store's interface for the reviewer's side of a review
 * round: the reviewer's released assignments in released stages, one
 * assigned case with its sections and attachments, the reviewer's own
 * review and scores (the stage's criteria are store_review_criteria's, in
 * review.h); and the writes: save a draft, submit or revise a review,
 * declare a conflict.
 *
 * Every read takes the reviewer's user id and answers only for what that
 * reviewer may open: an assignment in state 'released' of a stage released,
 * closed, ranked or advanced (read-only once past released) of the campaign
 * under review, in which the reviewer holds the reviewer role, with no conflict — neither a
 * stored one (declared, organiser) nor an automatic one (the reviewer's
 * home region or unit is the case's).  Anything else is RC_NOTFOUND,
 * exactly like a case that does not exist.
 *
 * A case is named to the reviewer by a per-stage number (label_no): its
 * position in the stage's pool ordered by a scrambling of (stage, case), so
 * it is stable while the pool is, and says nothing of the case id.
 *
 * Identities (unit, region, recommending body, contact) are read by one
 * function only, store_scoring_identity, which the web layer uses to
 * redact; no other model here carries them.
 */
#ifndef LAUREL_SCORING_H
#define LAUREL_SCORING_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define SCORING_COMMENT_MAX 2000 /* characters */
#define SCORING_REASON_MAX 500   /* characters, a declared conflict's reason */

/*
 * The reviewer's open assignments, by stage seq then label number:
 * [{stage_id, stage_seq, stage_name, blind, ends_at, open, case_id, label_no,
 *   title, status ("" | "draft" | "submitted"), total (or null)}].
 * case_id and title are for the web layer to turn into label and redacted
 * title; they must not reach a blind view as they are.  NULL on error.
 */
json_t *store_scoring_assignments(struct store *st, int64_t user_id);

/* One assignment the reviewer may open, found by stage seq and label number. */
struct store_scoring_ref {
    int64_t stage_id, case_id;
    int stage_seq, label_no;
    int blind;
    int open; /* the stage takes scores now: released and not past ends_at */
    int done; /* the stage is closed, ranked or advanced: read-only for good */
    char stage_name[128];
    char ends_at[32];
    char stage_state[16];
};

/* RC_OK (out filled) or RC_NOTFOUND. */
int store_scoring_find(struct store *st, int64_t user_id, int stage_seq, int label_no,
                       struct store_scoring_ref *out);

/*
 * The case's reading matter: {title, summary, track, sections:[{seq,
 * body_md}], tags:[names], attachments:[{n, mime, size}]} (attachments in
 * upload order, n from 1).  No unit, region, contact, dates or ids.  NULL if
 * there is no such case.
 */
json_t *store_scoring_case(struct store *st, int64_t case_id);

/*
 * What identifies the case: {unit, ancestors:[names of parent units],
 * region, recommender, contact_name, contact_phone, contact_email}, or NULL.
 */
json_t *store_scoring_identity(struct store *st, int64_t case_id);

/* Attachment n (from 1) of a case: its SHA-256 and type.  RC_OK / RC_NOTFOUND. */
int store_scoring_attachment(struct store *st, int64_t case_id, int n, char sha256[65],
                             char mime[128]);

/*
 * The reviewer's review of the case: {status, comment, total (or null),
 * updated_at, submitted_at, scores:{"<criterion id>": score}}, or NULL if
 * none was saved.
 */
json_t *store_scoring_review(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id);

/* A review to store; scores[i] is for criterion[i]. */
struct scoring_save {
    int64_t stage_id, case_id, user_id;
    int submit;          /* 1: status 'submitted' (all criteria scored), 0: a draft */
    const char *comment; /* <= SCORING_COMMENT_MAX characters */
    size_t n;
    const int64_t *criterion;
    const double *score;
    int has_total;
    double total; /* 0..100, when has_total */
};

/*
 * Save the review (replacing its scores) if the assignment is still the
 * reviewer's, without conflict, and the stage is open; a submitted review
 * keeps its first submitted_at.  RC_OK, RC_GONE, RC_CLOSED or
 * RC_ERROR.
 */
int tx_scoring_save(struct store_tx *tx, const struct scoring_save *s);

/*
 * Declare a conflict with a case: a `conflict` row (source 'declared', with
 * the reason; an organiser's row for the pair is kept as it is), the
 * reviewer's assignment of the case in this stage dropped, and the
 * reviewer's review of it in this stage deleted, so it never counts.
 * Allowed while the stage is released.  RC_OK, RC_GONE,
 * RC_CLOSED or RC_ERROR.
 */
int tx_scoring_conflict(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t user_id,
                        const char *reason);

#endif
