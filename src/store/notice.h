/*
 * notice.h — the store's interface for 公示: publishing a campaign's award
 * proposal for a notice period, reading it for the public page, and
 * closing it, which writes each case's final tier.
 *
 * While a notice is open the proposal is frozen (store/award.h's writes
 * answer RC_STATE); a notice does not close while an objection is open
 * (RC_STATE); closing publishes the campaign: it sets "case".tier_id from
 * the proposal for every case of the campaign (NULL for the rest), shows
 * the cases that went through the review (status published), marks the
 * campaign published, fills its public read tables and makes it the public
 * campaign (the newest published), and issues the first signed results
 * statement of the list (statement.h).  This is the one place that publishes a
 * campaign's results; later changes are corrections (correction.h).
 * Publishing drafts the 公示 announcement (news.h), its id kept with the
 * notice.
 */
#ifndef LAUREL_NOTICE_H
#define LAUREL_NOTICE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/*
 * The notice of ballot stage stage_id's campaign: {days, starts_on, ends_on,
 * contact, calendar, state, published_at, closed_at, objections_open,
 * article_id (the draft 公示 announcement, 0 if none)}, or
 * NULL when none was published.
 */
json_t *store_notice(struct store *st, int64_t stage_id);

/*
 * The open or closed notices the public sees, newest first, each with its
 * awards by tier: [{stage_id, campaign, days, starts_on, ends_on, contact,
 * state, tiers:[{name, items:[{case_id, title, region_name, unit_name}]}],
 * regions:[{name, counts:[n per tier]}]}].
 */
json_t *store_notices_public(struct store *st);

/*
 * Publish the proposal of ballot stage stage_id (its result stands and the
 * proposal holds a case; RC_STATE otherwise, RC_EXISTS when published).
 */
int tx_notice_publish(struct store_tx *tx, int64_t stage_id, int days, const char *starts_on,
                      const char *ends_on, const char *contact, const char *calendar);
/* Close it: RC_STATE while an objection is open or when not open. */
int tx_notice_close(struct store_tx *tx, int64_t stage_id);

/*
 * Objections.  A code verifies the objector's contact (an e-mail address,
 * or "sms:<mobile number>", normalised: the outbox's address) for the notice of stage_id while it is open: RC_STATE when
 * it is not, RC_QUOTA when the address had a code less than a minute ago.
 * The message (subject, body with the code) goes to the outbox.
 */
#define OBJECTION_CODE_TTL_S 600
#define OBJECTION_CODE_TRIES 5
int tx_objection_code(struct store_tx *tx, int64_t stage_id, const char *contact,
                      const char *code_hash, const char *subject, const char *body, long now);
/*
 * File an objection to a proposed case with a code's digest: RC_INVALID
 * for a wrong code (a try spent: the write must be kept, so the answer is
 * in *outcome with RC_OK returned), RC_NOTFOUND for none or an expired
 * one, RC_QUOTA when its tries are spent; RC_STATE when the notice is not
 * open, RC_GONE when the case is not proposed.
 */
struct objection_filing {
    int64_t stage_id, case_id;
    const char *name, *contact, *reason, *code_hash;
    /* The attachment stored under files/ (notice_upload.h), or file_sha256 NULL. */
    const char *file_sha256, *file_name, *file_mime;
    int64_t file_size;
    long now;
    int outcome;
};
int tx_objection_file(struct store_tx *tx, struct objection_filing *f);
/*
 * The objections of stage_id's notice, newest first: [{id, case_id, title,
 * tier_name, name, contact, reason, state, answer, created_at (2020-02-04),
 * file_name ("" without an attachment), file_size}].
 */
json_t *store_objections(struct store *st, int64_t stage_id);
/* Objection id's attachment in stage_id's notice: {sha256, name, mime}, or NULL. */
json_t *store_objection_file(struct store *st, int64_t stage_id, int64_t id);
/*
 * Answer objection id of stage_id's open notice: upheld (the case moved to
 * tier_id, or out of the awards with 0, within quotas and caps: RC_QUOTA)
 * or rejected.  A case taken out leaves its place to the cases after it
 * in the ballot's order, as the proposal would have placed them: the first
 * elected case below the freed tier moves up into it (cap allowing), down
 * to one that had no award; cases placed by hand stay.  The answer goes
 * to the objector through the outbox (subject, body).  RC_STATE when it is answered or the notice closed.
 */
int tx_objection_answer(struct store_tx *tx, int64_t stage_id, int64_t id, int uphold,
                        int64_t tier_id, const char *answer, const char *subject,
                        const char *body);

#endif
