/*
 * submissions.h — the store's interface for a unit's own cases while they
 * are being written and followed: the unit's list, one case with its
 * sections, contact, attachments and history, the files behind attachment
 * digests, and the writes a submitter makes (create and save a draft, move
 * its status with an event, add and remove attachments).
 *
 * Status changes are compare-and-set: a write names the status it expects
 * the row to hold and returns RC_NOTFOUND when the row holds another one,
 * so of two concurrent actions on one case only the first can win.  The
 * rules themselves (who may do what, lengths, deadlines) are the domain's
 * (domain/submission.h) and the web layer's; the store only records.
 */
#ifndef LAUREL_SUBMISSIONS_H
#define LAUREL_SUBMISSIONS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/submission.h"
#include "store/store.h"

/* A write refused because the case already holds as many files or bytes as allowed. */
#define SUBMISSIONS_FULL RC_QUOTA

#define SUBMISSIONS_MAX_FILES 10
#define SUBMISSIONS_MAX_FILE_BYTES (20ll << 20)
#define SUBMISSIONS_MAX_CASE_BYTES (50ll << 20)

/*
 * The unit's cases in a campaign, newest first:
 * [{id, title, status, created_on, updated_on, submitted_on}] (dates as
 * YYYY-MM-DD in China Standard Time, "" when unset).
 */
json_t *store_unit_cases(struct store *st, int64_t campaign_id, int64_t unit_id);

/*
 * One case as its submitter sees it, or NULL: {id, campaign_id, unit_id,
 * unit_name, region_code, region_name, title, track, track_name, tags_text,
 * contact_name, contact_phone, contact_email, status, correction_due,
 * submitted_on, updated_on, sections:[5 Markdown strings, seq 1..5],
 * attachments:[{id, sha256, name, mime, size, created_on}], files, bytes,
 * campaign:{name, status, opens_at, closes_at}}.
 */
json_t *store_submission(struct store *st, int64_t case_id);

/* The case's history, oldest first: [{at, on, from, to, reason, user}]. */
json_t *store_case_events(struct store *st, int64_t case_id);

/* Number of attachments and their total size for a case. */
int store_attachment_usage(struct store *st, int64_t case_id, int *files, int64_t *bytes);

/*
 * Every attachment row holding the file with this SHA-256 (lower-case hex),
 * with what access to it depends on: [{name, mime, size, case_id, unit_id,
 * region_code, status, published}].  Empty when the file is unknown.
 */
json_t *store_file_rows(struct store *st, const char *sha256);

/* What a save writes: every field of the form, already validated. */
struct submission_fields {
    int64_t case_id;
    const char *expect_status; /* the status the case must still hold */
    const char *title;
    const char *track;         /* a track slug of the case's campaign, or "" to keep */
    const char *tags_text;
    const char *contact_name, *contact_phone, *contact_email;
    const char *sections[SUBMISSION_SECTIONS];
};

/*
 * Create an empty draft of unit_id (in region_code) for campaign_id, on the
 * campaign's first track, with five empty sections and its first event.
 * *id receives the new case's id.
 */
int tx_submission_create(struct store_tx *tx, int64_t campaign_id, int64_t unit_id,
                         const char *region_code, int64_t user_id, int64_t *id);

/* Save f into its case if the case still holds f->expect_status; else RC_NOTFOUND. */
int tx_submission_save(struct store_tx *tx, const struct submission_fields *f);

/*
 * Move a case from `from` to `to` and append the event (user, reason) in
 * the same transaction; RC_NOTFOUND if the case no longer holds `from`.
 * Reaching "submitted" stamps submitted_at.
 */
int tx_submission_status(struct store_tx *tx, int64_t case_id, const char *from, const char *to,
                         int64_t user_id, const char *reason);

/*
 * Record an attachment of an editable case (status draft, returned or
 * correction): RC_NOTFOUND if the case is not editable any more,
 * SUBMISSIONS_FULL if it would exceed the file count or the total size.
 */
int tx_attachment_add(struct store_tx *tx, int64_t case_id, const char *sha256, const char *name,
                      const char *mime, int64_t size, int64_t user_id);

/* Remove attachment id of an editable case; RC_NOTFOUND if none was removed. */
int tx_attachment_remove(struct store_tx *tx, int64_t case_id, int64_t attachment_id);

/*
 * The call's countable rules for a case, inside the write that moves it on:
 * RC_EXISTS when its unit already has the campaign's cases_per_unit other
 * cases counted at this step (submitted or later when `recommended` is 0,
 * recommended or later when 1), RC_INVALID when it carries fewer
 * attachments than the call requires, RC_NOTFOUND without such a case.
 */
int tx_submission_rules(struct store_tx *tx, int64_t case_id, int recommended);

#endif
