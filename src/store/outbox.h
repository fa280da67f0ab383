/*
 * outbox.h — the store's interface for delivering the outbox (the sender
 * thread's side; messages are queued with tx_outbox_add in accounts.h and
 * listed for organisers with store_outbox).
 *
 * A message is due when it is unsent, has failed fewer than
 * OUTBOX_MAX_ATTEMPTS times and its next_attempt_at has come (a claim
 * moves it on by its lease).  After the last failed attempt the row stays
 * in the table, unsent, with its error: the organiser sees it as failed.
 */
#ifndef LAUREL_OUTBOX_H
#define LAUREL_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define OUTBOX_MAX_ATTEMPTS 8
#define OUTBOX_MAX_ERROR 500 /* bytes of last_error kept */

/* 1 when a message is due (a claim would find one), 0 when none is, -1 on error. */
int store_outbox_any_due(struct store *st);
/*
 * Claim up to limit due messages inside a write, oldest first, into *rows:
 * [{id, to, subject, body, attempts}].  Each is not due again for lease_s
 * seconds, by which time its sender has marked it sent or failed (or given
 * it back): of several nodes sending from one database, exactly one takes
 * each message (on PostgreSQL a claim passes over the rows another node's
 * claim holds until it commits).  RC_OK or RC_ERROR.
 */
int tx_outbox_claim(struct store_tx *tx, int limit, long lease_s, json_t **rows);
/* Give back a claimed message not tried (its sender stopping): due again now. */
int tx_outbox_release(struct store_tx *tx, int64_t id);

/* The organiser's view, each message's state: sent, pending (will be tried) or failed. */
enum outbox_state { OUTBOX_ALL = -1, OUTBOX_SENT, OUTBOX_PENDING, OUTBOX_FAILED };

/* How many messages are in each state, over the whole table: counts[OUTBOX_SENT...]. */
int store_outbox_counts(struct store *st, int counts[3]);

/*
 * One page of the messages in `state` (OUTBOX_ALL: every one), newest
 * first, times in China Standard Time: [{id, to (masked where the message
 * keeps a mask), subject, created, attempts, sent, last_error, state, body}],
 * or NULL on error.
 */
json_t *store_outbox_page(struct store *st, enum outbox_state state, int offset, int limit);

/* Mark message id delivered now. */
int tx_outbox_sent(struct store_tx *tx, int64_t id);
/*
 * Record a failed attempt at message id: one more attempt, error kept (cut
 * to OUTBOX_MAX_ERROR bytes), next attempt retry_in_s seconds from now.
 */
int tx_outbox_failed(struct store_tx *tx, int64_t id, const char *error, long retry_in_s);

#endif
