/*
 * award.h — the award proposal of a campaign: its tiers (names, order,
 * quotas, per-region caps), the tiers the system proposes for the cases its
 * final ballot elected, and the organiser's changes, each checked against
 * the quotas and caps inside the writer's transaction (so that two changes
 * at once cannot both take a tier's last place).
 *
 * The proposal (domain/tally.h's tally_tiers) places the elected cases in
 * the ballot's order: the first tier up to its quota, then the next; a case
 * whose region has reached a tier's cap goes to the next tier with room.
 * Each row keeps why it is where it is: in_order, region_cap (the tier it
 * was capped out of in `capped`), or manual.  Once the proposal is
 * published for notice (notice.h) every write here answers RC_STATE.
 */
#ifndef LAUREL_AWARD_H
#define LAUREL_AWARD_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* The tiers of a campaign, highest first: [{id, slug, name, quota, region_cap, rank, awarded}]. */
json_t *store_award_tiers(struct store *st, int64_t campaign_id);

/*
 * The elected cases of ballot stage stage_id in the ballot's order, with
 * their proposed tier if any: [{case_id, title, region, region_name,
 * unit_name, ord, tier_id, tier_name, why, capped_name}].
 */
json_t *store_award_rows(struct store *st, int64_t stage_id);

/* Writes (inside a store write). */

/*
 * Change tier tier_id of campaign_id: quota and region cap.  RC_QUOTA if
 * the tier already holds more cases than the new quota, or a region more
 * than the new cap; RC_NOTFOUND for another campaign's tier.
 */
int tx_award_tier(struct store_tx *tx, int64_t campaign_id, int64_t tier_id, int quota,
                  int region_cap);
/*
 * Propose tiers for the elected cases of ballot stage stage_id (its result
 * must stand: RC_STATE otherwise), replacing the campaign's proposal.
 * *placed = cases given a tier.
 */
int tx_award_propose(struct store_tx *tx, int64_t stage_id, int *placed);

/* Why a manual change was refused. */
enum award_refusal { AWARD_OK, AWARD_QUOTA, AWARD_CAP };

/*
 * Put elected case case_id of ballot stage stage_id in tier tier_id (0:
 * no award).  RC_QUOTA (and *why) when the tier is full or its cap for the
 * case's region reached; RC_NOTFOUND when the case is not elected or the
 * tier is another campaign's.
 */
int tx_award_set(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t tier_id,
                 enum award_refusal *why);

/*
 * Room for case case_id, of region `region`, in tier tier_id of campaign
 * campaign_id: fewer awards than the tier's quota and, when the tier caps
 * regions, fewer than the cap in that region, the case's own award aside.
 * RC_OK; RC_QUOTA with *why; RC_NOTFOUND when the tier is another
 * campaign's.  The one check behind proposals changed by hand, upheld
 * objections and corrections.
 */
int tx_tier_room(struct store_tx *tx, int64_t campaign_id, int64_t tier_id, int64_t case_id,
                 const char *region, enum award_refusal *why);

#endif
