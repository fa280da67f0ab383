/*
 * campaign.h — the store's interface for the campaign being run: the one
 * open for submissions or under way (not yet published), its timeline,
 * tracks and regional quotas.  The public exhibition shows the newest
 * published campaign instead (store.h).
 */
#ifndef LAUREL_CAMPAIGN_H
#define LAUREL_CAMPAIGN_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/*
 * The campaign being run, or 0 if none: the one whose call is open, else the
 * newest under way (closed, screening, review...), else the newest in
 * preparation; never a published or archived one.
 */
int64_t store_current_campaign_id(struct store *st);

/*
 * That campaign: {id, slug, name, status, opens_at, closes_at, theme,
 * organisers, call_md, rules:{cases_per_unit, attachments_min,
 * attachments_note}, stages:[...], tracks:[{slug, name}], quotas:{region_code:
 * n}}, or NULL.  cases_per_unit 0 means no limit.
 */
json_t *store_current_campaign(struct store *st);

/* The regions with their units: [{code, name, units:[{id, name, level, parent_id}]}]. */
json_t *store_region_units(struct store *st);

#endif
