/*
 * certs.h — the store's side of certificates (荣誉证书): a serial number and
 * a check code per awarded case, made once, and what a certificate shows.
 */
#ifndef LAUREL_STORE_CERTS_H
#define LAUREL_STORE_CERTS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define CERT_CODE_LEN 14 /* XXXX-XXXX-XXXX */

/* Give every awarded case of the campaign without one its serial and code (inside a write). */
int tx_certs_assign(struct store_tx *tx, int64_t campaign_id, int *made);

/*
 * The campaign's certificates, in serial order: [{case_id, serial, code, unit,
 * title, tier, campaign, organisers, published_at, slug}] of the cases
 * awarded now (a withdrawn award has none).  unit_id > 0: that unit's only.
 * NULL on a fault.
 */
json_t *store_certs(struct store *st, int64_t campaign_id, int64_t unit_id);

/*
 * A certificate by its code, with the award as it stands now: {serial, code,
 * unit, title, tier (as made), tier_now (or null: withdrawn), campaign,
 * published_at, case_id, published}.  NULL when no certificate has it.
 */
json_t *store_cert_by_code(struct store *st, const char *code);

#endif
