/*
 * intake.h — the store's interface for what happens to a case between its
 * submission and the experts: a region's recommendation within its quota,
 * returns, the organiser's formal screening (形式审查) and the settings of
 * the campaign being run (timeline, tracks, regional quotas), plus the
 * counts and history the organiser's dashboard shows.
 *
 * Reads return jansson models owned by the caller.  Writes are tx_* functions
 * run inside a store write (store.h); every change of status is a
 * compare-and-set on the status the caller saw, so two concurrent actions on
 * one case cannot both win: the loser gets RC_STALE and changes nothing.
 * The regional quota is enforced inside the database (the trigger
 * recommendation_quota), so it holds however many endorsements race.
 */
#ifndef LAUREL_INTAKE_H
#define LAUREL_INTAKE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define INTAKE_REASON_MAX 500  /* characters */
#define INTAKE_TRACK_MAX 40    /* characters of a track name */
#define INTAKE_TRACKS_MAX 20
#define INTAKE_QUOTA_MAX 999
#define INTAKE_BULK_MAX 500
#define INTAKE_PER_UNIT_MAX 99  /* cases per unit a call may allow */
#define INTAKE_NOTE_MAX 200     /* characters of the required attachments' description */

/*
 * A region's cases of a campaign that have left the draft state, newest
 * first: [{id, title, unit, track, status, submitted_at, chars, recommended}].
 */
json_t *store_intake_region_cases(struct store *st, int64_t campaign_id, const char *region);

/* The region's quota: used (endorsements made) and allowed (0 without a quota row). */
void store_intake_quota(struct store *st, int64_t campaign_id, const char *region, int *used,
                        int *allowed);

/*
 * One case of a campaign with everything a recommender or organiser reads:
 * {id, campaign_id, title, status, region_code, region, unit_id, unit, track,
 *  submitted_at, updated_at, correction_due, contact_name, contact_phone,
 *  contact_email, tags, sections:[{seq, body_md, chars}], chars, attachments:
 *  [{id, name, mime, size}], events:[{at, user, from, to, reason}],
 *  screening:{decision, reason, due, checklist, at, user} or absent,
 *  rules:{unit_others, cases_per_unit, attachments_min}} (unit_others: the
 *  unit's other cases of the campaign recommended or further on),
 * or NULL when no such case is in the campaign.
 */
json_t *store_intake_case(struct store *st, int64_t campaign_id, int64_t id);

/*
 * The screening queue, a page at a time: the campaign's cases in status
 * `status` (NULL: `recommended`, those waiting), of one region and matching
 * a search when given, oldest endorsement first, each with its checklist
 * facts: [{id, title, unit, unit_region, region_code, region, track,
 * track_ok, submitted_at, contact_ok, sections:[chars x 5], chars,
 * attachments, eligible, rules:{as store_intake_case}}]; in *matched all the
 * cases that match.
 */
struct intake_queue_filter {
    const char *region; /* a region code, or NULL */
    const char *status; /* recommended / passed / correction / rejected; NULL: recommended */
    const char *q;      /* found in the title or the unit's name (ASCII without case), or NULL */
    int64_t q_id;       /* or this case id; 0: none */
    int offset, limit;
};
json_t *store_intake_queue(struct store *st, int64_t campaign_id,
                           const struct intake_queue_filter *f, int *matched);

/*
 * The dashboard: {statuses:{draft: n, ...}, total, regions:[{code, name,
 * submitted, recommended, quota, passed, correction, rejected, returned}]},
 * regions in code order.
 */
json_t *store_intake_dashboard(struct store *st, int64_t campaign_id);

/* The latest case_event rows: [{at, user, case_id, title, from, to, reason}]. */
json_t *store_intake_activity(struct store *st, int64_t campaign_id, int limit);

/* Every region with its quota for the campaign: [{code, name, quota}]. */
json_t *store_intake_quotas(struct store *st, int64_t campaign_id);

/*
 * Endorse a submitted case of `region` in the campaign: status submitted ->
 * recommended, a recommendation row, an event.  RC_STALE when the case
 * is not a submitted case of that region; RC_QUOTA when the region's
 * quota is used up.
 */
int tx_intake_recommend(struct store_tx *tx, int64_t campaign_id, int64_t case_id,
                        const char *region, int64_t user_id);

/*
 * Move a case from status `from` to `to` (names of submission.h) with an
 * event carrying reason; `region` (NULL: any) must be the case's region,
 * `due` (NULL: cleared) becomes its correction_due.  RC_STALE when the
 * case is not in `from`.
 */
int tx_intake_move(struct store_tx *tx, int64_t campaign_id, int64_t case_id, const char *region,
                   const char *from, const char *to, int64_t user_id, const char *reason,
                   const char *due);

/* Record the screening decision (passed / returned / rejected) of a case, replacing any. */
int tx_intake_screening(struct store_tx *tx, int64_t case_id, const char *decision,
                        const char *checklist_json, const char *reason, const char *due,
                        int64_t user_id);

/*
 * Queue a message to the people of a case: its contact e-mail, or else
 * every active submitter of its unit.  RC_OK also when there is nobody.
 */
int tx_intake_notify(struct store_tx *tx, int64_t case_id, const char *subject,
                     const char *body);

/* Set the campaign's timeline (YYYY-MM-DD each).  RC_STALE if it is published. */
int tx_intake_timeline(struct store_tx *tx, int64_t campaign_id, const char *opens_at,
                       const char *closes_at);
/*
 * Set the call's rules: cases per unit (0: no limit), the number of
 * attachments a case must carry and what they are.  RC_STALE if published.
 */
int tx_intake_rules(struct store_tx *tx, int64_t campaign_id, int cases_per_unit,
                    int attachments_min, const char *attachments_note);
/* Rename the track `slug` of the campaign; RC_NOTFOUND if there is none. */
int tx_intake_track_rename(struct store_tx *tx, int64_t campaign_id, const char *slug,
                           const char *name);
/* Add a track; RC_ERROR if the slug is taken. */
int tx_intake_track_add(struct store_tx *tx, int64_t campaign_id, const char *slug,
                        const char *name);
/* Set a region's quota (0..INTAKE_QUOTA_MAX). */
int tx_intake_quota(struct store_tx *tx, int64_t campaign_id, const char *region, int quota);

#endif
