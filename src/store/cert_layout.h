/*
 * cert_layout.h — the store's side of a campaign's certificate layout
 * (domain/cert_layout.h): read it whole, save its wording and boxes, set or
 * drop its images, and the award a preview shows.
 */
#ifndef LAUREL_STORE_CERT_LAYOUT_H
#define LAUREL_STORE_CERT_LAYOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/cert_layout.h"
#include "store/store.h"

/*
 * The campaign's layout into l: the defaults, with what was saved over them
 * (the images malloc'd: cert_layout_release).  RC_OK, or RC_ERROR with l
 * the defaults.
 */
int store_cert_layout(struct store *st, int64_t campaign_id, struct cert_layout *l);

/*
 * Save l's wording and boxes (not its images) for the campaign, dropping
 * the background and the seal when asked.  RC_NOTFOUND without the
 * campaign, RC_STALE when it is archived.
 */
int tx_cert_layout_save(struct store_tx *tx, int64_t campaign_id, const struct cert_layout *l,
                        int drop_background, int drop_seal);

/* Set the background (seal = 0, mime image/png or image/jpeg) or the seal (seal = 1, PNG). */
int tx_cert_layout_image(struct store_tx *tx, int64_t campaign_id, int seal, const unsigned char *p,
                         size_t n, const char *mime);

/*
 * The campaign's first award for a preview: {unit, title, tier, campaign,
 * organisers, published_at, slug, serial, code} (serial 0 and code "" when
 * its certificate is not made yet), or NULL when it has none.
 */
json_t *store_cert_sample(struct store *st, int64_t campaign_id);

#endif
