/*
 * campaigns.h — the store's interface for the organiser's campaigns as a
 * whole: every campaign with its state, one campaign's full settings (the
 * call notice, rules, tracks, tiers and their quotas, the ordered stages),
 * and the writes that create a campaign (empty, or copying an earlier one's
 * settings), save its settings, add a stage or a tier, and move it through
 * its life (draft → open → ... → archived).
 *
 * The campaign a unit submits to is campaign.h's (the open one); the pages
 * here act on any campaign the organiser chooses, and an archived one is
 * only read.
 */
#ifndef LAUREL_CAMPAIGNS_H
#define LAUREL_CAMPAIGNS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define CAMPAIGNS_NAME_MAX 80       /* characters of a title */
#define CAMPAIGNS_TEXT_MAX 200      /* characters of the theme or the organisers */
#define CAMPAIGNS_CALL_MAX 20000    /* characters of the call notice (Markdown) */
#define CAMPAIGNS_STAGES_MAX 8
#define CAMPAIGNS_TIERS_MAX 6
#define CAMPAIGNS_TIER_QUOTA_MAX 9999

/*
 * Every campaign, newest first: [{id, name, status, opens_at, closes_at,
 * cases, stages}] (cases: how many left the draft state).
 */
json_t *store_campaigns(struct store *st);

/*
 * One campaign: {id, name, theme, organisers, call_md, status, opens_at,
 * closes_at, rules:{cases_per_unit, attachments_min, attachments_note},
 * tracks:[{slug, name}], tiers:[{id, name, quota}], stages:[{id, seq,
 * name, kind, starts_at, ends_at, state}]}, or NULL when there is none.
 */
json_t *store_campaign_settings(struct store *st, int64_t id);

/* Its status ("draft" ... "archived") into out; RC_NOTFOUND without it. */
int store_campaign_status(struct store *st, int64_t id, char out[16]);

/*
 * A new draft campaign named `name`, open from opens_at to closes_at; with
 * from > 0 it copies that campaign's theme, organisers, call notice, rules,
 * tracks, tiers, regional quotas and stages (their settings and criteria,
 * their dates moved as far as the opening moved).  Its id into *id.
 * RC_NOTFOUND when `from` is no campaign.
 */
int tx_campaign_create(struct store_tx *tx, int64_t from, const char *name, const char *opens_at,
                       const char *closes_at, int64_t *id);

/* The settings every campaign has; RC_STALE when it is archived or published. */
struct campaign_fields {
    const char *name, *theme, *organisers, *call_md, *opens_at, *closes_at;
};
int tx_campaign_save(struct store_tx *tx, int64_t id, const struct campaign_fields *f);

/* Add a stage at the end (seq = last + 1); RC_STALE when the campaign is archived. */
int tx_campaign_stage_add(struct store_tx *tx, int64_t id, const char *name, const char *kind,
                          const char *starts_at, const char *ends_at);
/* Add a tier (ranked after the others), or set tier `tier_id`'s name and quota. */
int tx_campaign_tier_add(struct store_tx *tx, int64_t id, const char *name, int quota);
int tx_campaign_tier_save(struct store_tx *tx, int64_t id, int64_t tier_id, const char *name,
                          int quota);
/* A track of the campaign (a new one), for a campaign made empty. */
int tx_campaign_track_add(struct store_tx *tx, int64_t id, const char *name);

/*
 * Move the campaign from status `from` to `to` (compare-and-set): open a
 * draft's call, close it, archive it.  Opening a call closes no other, but
 * refuses (RC_EXISTS) while another campaign's call is open.  RC_STALE when
 * it was not in `from`.
 */
int tx_campaign_status(struct store_tx *tx, int64_t id, const char *from, const char *to);

#endif
