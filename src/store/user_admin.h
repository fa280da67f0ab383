/*
 * user_admin.h — the organiser's changes to a person's account: name and
 * address corrected, the account disabled or enabled again, and the
 * invitations still waiting ended before a new one is sent; and which
 * accounts are disabled, for the list of users.
 */
#ifndef LAUREL_USER_ADMIN_H
#define LAUREL_USER_ADMIN_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* The ids of the disabled users, [id, ...]; NULL on error. */
json_t *store_users_disabled(struct store *st);

/* Set a user's name and e-mail.  RC_NOTFOUND for no such user, RC_EXISTS if the address is taken. */
int tx_user_edit(struct store_tx *tx, int64_t user_id, const char *name, const char *email);
/* Disable (1) or enable (0) a user.  RC_NOTFOUND for no such user, RC_STALE if already so. */
int tx_user_disable(struct store_tx *tx, int64_t user_id, int disabled);
/* Mark every unused invitation of a user used (a new one replaces them). */
int tx_user_invites_end(struct store_tx *tx, int64_t user_id);

#endif
