/*
 * accounts.h — the store's interface for people: users and their roles,
 * sessions, one-time tokens (invitations, password resets) and the outbox.
 * Reads fill a struct store_user; writes are tx_* functions called inside a
 * store write (store.h).  Secrets never reach the store in clear: sessions
 * and tokens are kept as SHA-256 digests, passwords as argon2id hashes.
 */
#ifndef LAUREL_ACCOUNTS_H
#define LAUREL_ACCOUNTS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

enum store_role {
    ROLE_ORGANISER = 1 << 0,
    ROLE_RECOMMENDER = 1 << 1,
    ROLE_SUBMITTER = 1 << 2,
    ROLE_REVIEWER = 1 << 3,
};

#define SESSION_TTL_S (12 * 3600)
#define TOKEN_TTL_S (7 * 24 * 3600)

struct store_user {
    int64_t id;
    char email[256];
    char name[128];
    char password_hash[128];
    unsigned roles;          /* enum store_role bits */
    char region_code[8];     /* a recommender's region in the campaign being run */
    char region_name[64];
    int64_t unit_id;         /* a submitter's unit */
    char unit_name[256];
    char unit_region[8];     /* the region of the submitter's unit */
    char csrf[64];           /* the session's CSRF token (by session only) */
    int disabled;
};

/* "organiser" ... -> the bit, or 0. */
unsigned store_role_parse(const char *name);
const char *store_role_name(unsigned bit);

/* By e-mail (case-insensitive), with the password hash.  RC_OK / RC_NOTFOUND. */
int store_user_by_email(struct store *st, const char *email, struct store_user *out);
/* By id (an organiser's page of one person).  RC_OK / RC_NOTFOUND. */
int store_user_by_id(struct store *st, int64_t id, struct store_user *out);
/* By the digest of a live session's token. */
int store_user_by_session(struct store *st, const char *token_digest, struct store_user *out);
/* By the digest of an unused, unexpired token of kind "invite" or "reset". */
int store_user_by_token(struct store *st, const char *token_digest, const char *kind,
                        struct store_user *out);
/* [{id, email, name, roles:[...], region, unit}] */
json_t *store_users(struct store *st);

int tx_user_add(struct store_tx *tx, const char *email, const char *name,
                const char *password_hash, int64_t *id);
/*
 * Give a role.  A reviewer or recommender is bound to campaign_id (0: every
 * campaign still running, neither published nor archived); an organiser or
 * submitter holds the role everywhere and campaign_id is ignored.
 */
int tx_user_role(struct store_tx *tx, int64_t user_id, unsigned role, const char *region_code,
                 int64_t unit_id, int64_t campaign_id);
/* Bind a reviewer's or recommender's role to one more campaign (0: every running one). */
int tx_campaign_role(struct store_tx *tx, int64_t campaign_id, int64_t user_id, unsigned role,
                     const char *region_code);
/* Take the role in campaign_id away.  RC_NOTFOUND if it was not held. */
int tx_campaign_role_drop(struct store_tx *tx, int64_t campaign_id, int64_t user_id,
                          unsigned role);
/* Carry the reviewers and/or recommenders of campaign from over to campaign to. */
int tx_campaign_roles_copy(struct store_tx *tx, int64_t from, int64_t to, unsigned roles);
/* 1 if user_id holds role in campaign_id, 0 if not, -1 on error. */
int store_campaign_role_held(struct store *st, int64_t campaign_id, int64_t user_id,
                             unsigned role);
/* The campaign-bound roles of a user: [{campaign_id, campaign, role, region}]. */
json_t *store_campaign_roles_of(struct store *st, int64_t user_id);
int tx_user_password(struct store_tx *tx, int64_t user_id, const char *password_hash);
int tx_session_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                      const char *csrf);
int tx_session_delete(struct store_tx *tx, const char *token_digest);
/* End every session of a user (password change, reset). */
int tx_sessions_end(struct store_tx *tx, int64_t user_id);
int tx_token_create(struct store_tx *tx, const char *token_digest, int64_t user_id,
                    const char *kind);
/* Mark a token used; RC_NOTFOUND if it was used, expired or unknown. */
int tx_token_use(struct store_tx *tx, const char *token_digest);
int tx_outbox_add(struct store_tx *tx, const char *to, const char *subject, const char *body);

#endif
