/*
 * statement.h — results statements: what a campaign's publication decided,
 * signed with the installation's Ed25519 key (signkey.h), so that anyone
 * can check the list offline and against the site's data.
 *
 * A statement file is one line of JSON and a newline, byte for byte:
 *   {"statement":PAYLOAD,"signature":"BASE64"}
 * where the signature covers exactly the bytes of PAYLOAD as they stand in
 * the file, so that a changed byte anywhere fails.  PAYLOAD holds the
 * campaign (id, slug, name, organisers, publication date), the awarded
 * cases by tier (id, title, unit, region), the tally (cases, published,
 * awarded, votes, each stage's pool and advanced), the audit chain's head
 * and row count when it was issued, the time, and the public key.
 * Statements are kept as issued (a table whose rows cannot change).
 */
#ifndef LAUREL_STORE_STATEMENT_H
#define LAUREL_STORE_STATEMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/signkey.h"
#include "store/store.h"

#define STATEMENT_MAX (8u << 20) /* bytes of a statement file */

struct statement_issue {
    int64_t campaign_id;
    int audit;  /* append the chain's 'publish-statement' row (commands; actions have theirs) */
    int64_t id; /* out: the new statement */
};
/* Issue a statement of the published campaign inside a write: RC_OK, RC_NOTFOUND, RC_STATE (not published). */
int tx_statement_issue(struct store_tx *tx, struct statement_issue *q);

/* Statement id's file (malloc'd, *len bytes) and campaign: RC_OK, RC_NOTFOUND or RC_ERROR. */
int store_statement_body(struct store *st, int64_t id, char **body, size_t *len, int64_t *campaign);
/* The campaign's statements, newest first: [{id, issued_at, head}]. */
json_t *store_statements(struct store *st, int64_t campaign_id);
/* The installation's public key in base64. */
void store_public_key(struct store *st, char out[SIGNKEY_PUBLIC_B64]);

/* What statement_check found. */
struct statement_check {
    json_t *payload; /* owned by the caller when set */
    char why[256];   /* the failure, in words */
};
/*
 * Check a statement file: its shape, and its signature under pk (NULL: the
 * key the statement names, which proves only that it was not changed since
 * that key signed it).  RC_OK, or RC_INVALID with c->why.
 */
int statement_check(const char *buf, size_t len, const unsigned char *pk, struct statement_check *c);

/*
 * Check a verified payload against the data: the installation's key, the
 * campaign, every tier's list and the tally as they are now, and the chain
 * head (a row of an intact chain).  RC_OK, RC_INVALID with why, RC_ERROR.
 */
int store_statement_matches(struct store *st, json_t *payload, char *why, size_t whylen);

#endif
