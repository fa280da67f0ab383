/*
 * audit.h — the audit chain: an append-only log whose rows each carry a
 * hash over the previous row's hash and their own content, so that a row
 * changed, removed or inserted behind Laurel's back breaks the chain.
 *
 * A row's hash is SHA-256 over the text
 *   prev \n id \n at \n who \n what \n object \n case_id \n digest \n
 *   vote_first \n vote_last \n vote_count
 * (integers in decimal, an absent one empty; prev is the previous row's
 * hash in hex, 64 zeros for the first row).  The chain head is the last
 * row's hash: a results statement signs it.
 *
 * Actions append their row with tx_audit_append inside their own write.
 * Votes are sealed by batch: every writer batch that added votes appends
 * one row ('votes') whose digest is the Merkle root (domain/merkle.h) of
 * those votes, at most AUDIT_VOTES_PER_ROW a row; a vote's leaf is
 *   id|stage_id|case_id|voter_id|ord|day|net|ua_hash
 * (its validity is left out: a void is an audited action of its own).
 * store_audit_verify re-checks all of it and names the first broken link.
 */
#ifndef LAUREL_STORE_AUDIT_H
#define LAUREL_STORE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "domain/merkle.h"
#include "store/store.h"

#define AUDIT_VOTES_PER_ROW 4096
#define AUDIT_WHAT_MAX 128

/* One action's row, as the caller knows it (the store adds id, time and hashes). */
struct audit_entry {
    int64_t who;          /* the account; 0 for none */
    const char *what;     /* the action's name (its route) */
    const char *object;   /* what it acted on (its path) */
    int64_t case_id;      /* the case it acted on, or 0 */
    char digest[MERKLE_HEX]; /* SHA-256 (hex) of the change */
};

/* Append e's row to the chain inside the write tx: RC_OK or RC_ERROR. */
int tx_audit_append(struct store_tx *tx, const struct audit_entry *e);

/*
 * The row that the calling thread's store_write_sync calls append to their
 * transaction (an action's work on the worker pool writes that way); NULL
 * to stop.  e must live until it is cleared.
 */
void store_audit_scope(const struct audit_entry *e);
const struct audit_entry *store_audit_scoped(void);

/* Seal the votes added since the last sealed one (writer thread, inside a batch): RC_OK or RC_ERROR. */
int tx_audit_seal_votes(struct store_tx *tx);

/* The chain head (hex, "" when the chain is empty) and the number of rows: RC_OK or RC_ERROR. */
int store_audit_head(struct store *st, char head[MERKLE_HEX], int64_t *rows);

/* A page of the log, newest first, filtered (0 / NULL: any): {rows, total}. */
struct audit_filter {
    int64_t who, case_id;
    const char *what;
    int64_t before;  /* rows with id < before; 0: from the newest */
    int limit;
};
json_t *store_audit_list(struct store *st, const struct audit_filter *f);
/* The distinct actions and actors in the log, for the filters: {whats: [...], whos: [...]}. */
json_t *store_audit_facets(struct store *st);

/* What store_audit_verify found. */
struct audit_report {
    int64_t rows, vote_rows, votes;
    char head[MERKLE_HEX];
    int64_t broken_id;  /* the first broken row (0: none) */
    char why[256];      /* what is wrong there, in words */
};
/* Re-check every row and every vote batch: RC_OK (intact), RC_INVALID (broken, see r), RC_ERROR. */
int store_audit_verify(struct store *st, struct audit_report *r);

#endif
