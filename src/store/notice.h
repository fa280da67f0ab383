/*
 * notice.h — the store's interface for 公示: publishing a campaign's award
 * proposal for a notice period, reading it for the public page, and
 * closing it, which writes each case's final tier.
 *
 * While a notice is open the proposal is frozen (store/award.h's writes
 * answer RC_STATE); a notice does not close while an objection is open
 * (RC_STATE); closing sets "case".tier_id from the proposal for every case
 * of the campaign (NULL for the rest).
 */
#ifndef LAUREL_NOTICE_H
#define LAUREL_NOTICE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/*
 * The notice of ballot stage stage_id's campaign: {days, starts_on, ends_on,
 * contact, calendar, state, published_at, closed_at, objections_open}, or
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

#endif
