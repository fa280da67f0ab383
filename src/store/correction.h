/*
 * correction.h — the store's interface for corrections (更正) after a
 * campaign's results are published.
 *
 * Once a campaign's notice is closed (notice.h) its list is frozen: the
 * proposal's writes (award.h) answer RC_STATE, and a case's tier changes
 * only by a correction of the organiser, with a written reason: the award
 * withdrawn or moved to another tier of the campaign, within its quota and
 * its cap for the case's region.  A correction is dated, public and never
 * changed; it rewrites the case's tier, the award row and, for the public
 * campaign, the public read tables, and issues a new signed results
 * statement of the list as corrected (statement.h) in the same write.
 */
#ifndef LAUREL_CORRECTION_H
#define LAUREL_CORRECTION_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Correct the award of case_id in ballot stage stage_id's campaign: to
 * tier_id, or withdrawn with 0.  RC_STATE when the campaign's notice is
 * not closed; RC_NOTFOUND when the case holds no award of the campaign or
 * the tier is not of it; RC_INVALID when the case already holds that tier;
 * RC_QUOTA when the tier is full or its cap for the case's region reached.
 */
int tx_correction_make(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t tier_id,
                       const char *reason);

/*
 * The corrections of campaign_id, newest first, of one case (case_id > 0)
 * or one region (region non-NULL) or all: [{id, date (2020-02-04), case_id,
 * title, region_code, region_name, from_tier, to_tier ("" when withdrawn),
 * withdrawn, reason}], or NULL on a fault.
 */
json_t *store_corrections(struct store *st, int64_t campaign_id, int64_t case_id,
                          const char *region);

#endif
