/*
 * award.h — the award tiers of a campaign on the web (award.c): the tiers'
 * quotas and region caps, the proposal from the final ballot with why each
 * case is where it is, and the organiser's changes.  All ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_AWARD_H
#define LAUREL_WEB_AWARD_H

#include "web/action.h"
#include "web/web.h"

/* GET /admin/stages/{id}/tiers (a ballot stage). */
enum web_err page_award_tiers(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/tiers/propose, /tiers/{tier} (quota, cap), /awards (one case). */
extern const struct web_action act_award_propose, act_award_tier, act_award_set;

#endif
