/*
 * votes.h — the store's side of public voting in an exhibition stage:
 * its settings, one-time codes, voters and their tokens, and votes.
 *
 * Every write runs on the writer thread inside the batch transaction, so
 * each check below reads what every earlier vote of the same batch wrote:
 * the limits are exact, and the schema's unique keys (005_votes.sql) hold
 * them even against a mistake here.  A vote answers only after its batch
 * commit is durable.  Days are Beijing dates (UTC+8), as voters count them.
 */
#ifndef LAUREL_STORE_VOTES_H
#define LAUREL_STORE_VOTES_H

#include <jansson.h>
#include <stdint.h>

#include "domain/fraud.h"
#include "domain/voter.h"
#include "store/store.h"

/* Codes: valid 10 minutes, 5 tries; a contact gets one a minute and 5 an hour, a network 30 an hour. */
#define VOTE_CODE_TTL_S 600
#define VOTE_CODE_TRIES 5
#define VOTE_CODE_GAP_S 60
#define VOTE_CODE_PER_HOUR 5
#define VOTE_CODE_NET_PER_HOUR 30
/* A voter token lasts 30 days (the stage's close ends it sooner: votes are refused then). */
#define VOTE_TOKEN_TTL_S (30 * 86400)

struct vote_setting {
    int64_t stage_id;
    char opens_on[11], closes_on[11]; /* YYYY-MM-DD, Beijing time, inclusive */
    char verify[8];                   /* phone, email or both */
    int per_case, per_day, per_net;
    int live;                         /* counts shown while voting */
    struct fraud_limits flags;        /* the fraud rules' thresholds */
};

/* A stage and its settings: RC_OK, RC_NOTFOUND (no such stage) or RC_ERROR; *has 0 when none is set. */
int store_vote_setting(struct store *st, int64_t stage_id, char *name, size_t namelen,
                       char *kind, size_t kindlen, struct vote_setting *out, int *has);
int tx_vote_setting_put(struct store_tx *tx, const struct vote_setting *s);

/* The installation's secret for voter hashes (read once, kept): 0 or -1. */
int store_vote_secret(struct store *st, unsigned char out[VOTER_SECRET_BYTES]);

/* A code request, hashed already; plain contact only for the outbox row. */
struct vote_code_req {
    int64_t stage_id;
    enum voter_kind kind;
    const char *contact, *masked, *hmac, *code_hash, *net;
    const char *subject, *body; /* the message */
    const char *block;          /* a phone's: the keyed hash of its first 7 digits; else NULL */
    int tail;                   /* a phone's last 4 digits */
    int64_t at;                 /* unix seconds, 0: now (the demo's history gives its own) */
};
/*
 * RC_OK (queued), RC_CLOSED (stage not open or verification kind not
 * allowed), RC_QUOTA (throttled).  A request without a contact is recorded
 * without a message (the demo's history).
 */
int tx_vote_code(struct store_tx *tx, const struct vote_code_req *q);

/* Verify: fills outcome RC_OK with token stored, RC_INVALID wrong code (one try spent), RC_QUOTA no tries left, RC_NOTFOUND no live code. */
struct vote_verify {
    int64_t stage_id;
    enum voter_kind kind;
    const char *hmac, *masked, *code_hash, *token_hash;
    int outcome;
    int64_t at;       /* unix seconds, 0: now (the demo's history gives its own) */
    int64_t voter_id; /* out, with outcome RC_OK */
};
/*
 * The second half of a verification: the voter by its hash (made if new)
 * and a token for the stage from unix time at (0: now).  RC_OK or RC_ERROR;
 * *voter_id filled.
 */
int tx_vote_voter(struct store_tx *tx, int64_t stage_id, enum voter_kind kind, const char *hmac,
                  const char *masked, const char *token_hash, int64_t at, int64_t *voter_id);
/* Always RC_OK (so that a spent try is kept) unless a fault; the answer in v->outcome. */
int tx_vote_verify(struct store_tx *tx, struct vote_verify *v);

/* A voter token's stage and voter: RC_OK or RC_NOTFOUND (unknown or expired). */
int store_vote_token(struct store *st, const char *token_hash, int64_t *stage_id,
                     int64_t *voter_id);

struct vote_cast {
    int64_t stage_id, case_id, voter_id;
    const char *net, *ua_hash;
    int64_t at; /* unix seconds, 0: now (the demo's history gives its own) */
    /* Out: the case's valid votes after this one, and the voter's votes left today. */
    int64_t votes;
    int remaining;
    int live; /* out: the stage shows counts while voting (its setting, read in the write) */
    const char *limit; /* with RC_QUOTA: "day" (the voter's) or "net" (the address's) */
};
/*
 * Cast one vote with every limit checked in the transaction: RC_OK, RC_CLOSED
 * (stage not open), RC_NOTFOUND (case not in the stage), RC_EXISTS (already
 * voted for it), RC_QUOTA (a daily limit: v->limit says which).
 */
int tx_vote_cast(struct store_tx *tx, struct vote_cast *v);

/* The voter's votes left today in stage (per_day minus used). */
int store_vote_remaining(struct store *st, int64_t stage_id, int64_t voter_id);
/* [{id, title, opens_on, closes_on, verify, limits:{...}, live, cases:[ids]}] open today; NULL on error. */
json_t *store_votes_open(struct store *st);
/* {stage..., setting or null, votes, voters} for the organiser; NULL on error. */
json_t *store_vote_summary(struct store *st, int64_t stage_id);

/* A case's exhibition vote: the stage it is shown in for voting (one open today, else the latest). */
struct vote_case {
    int64_t stage_id;
    char stage_name[128];
    struct vote_setting set;
    int open;      /* today is within the stage's voting days */
    int64_t votes; /* the case's valid votes */
    int64_t mine;  /* voter_id's votes for the case (0 without a voter) */
};
/* RC_OK, RC_NOTFOUND (the case is in no exhibition with voting set) or RC_ERROR. */
int store_vote_case(struct store *st, int64_t case_id, int64_t voter_id, struct vote_case *out);
/*
 * The cases of an exhibition stage, optionally of one region (code) and one
 * track (slug): [{id, title, votes, region:{code,name}, track:{slug,name}}],
 * most votes first (ties by id); NULL on error.
 */
json_t *store_vote_exhibit(struct store *st, int64_t stage_id, const char *region, const char *track);
/*
 * What the exhibition shows of one case, published or not: {id, title,
 * summary, published, region:{code,name}, track:{slug,name}}; NULL when
 * there is no such case or on error.
 */
json_t *store_vote_card(struct store *st, int64_t case_id);

/* ------------------------------------------------------------ fraud flags (vote_flags.c) */

/*
 * A stage's valid votes, voters and phone code requests as the fraud rules
 * read them (fraud.h), from a read connection; with the prefixes' and the
 * blocks' texts by dense id.  RC_OK or RC_ERROR.
 */
struct vote_scan {
    struct fraud_input in;
    struct fraud_vote *votes;
    struct fraud_voter *voters;
    struct fraud_code *codes;
    char **nets, **blocks; /* [nnets], [nblocks] */
    int64_t max_vote_id;   /* the newest vote (any stage's) when the read began: its pages are
                              read apart, so votes after it may be in or out */
    int64_t voids;         /* the stage's voided flags when read */
};
int store_vote_scan(struct store *st, int64_t stage_id, struct vote_scan *out);
void vote_scan_free(struct vote_scan *s);

/*
 * Replace the stage's flags not voided with the groups found (a group whose
 * key a voided flag has is left out), then recount its valid votes: those
 * read plus those cast since, or all again if a void came in between.
 */
struct vote_flags_put {
    int64_t stage_id;
    const struct vote_scan *scan;
    const struct fraud_result *found;
    int64_t flags; /* out: the flags stored */
};
int tx_vote_flags_put(struct store_tx *tx, void *arg);
/* vote_total of the stage from its valid votes: RC_OK or RC_ERROR. */
int tx_vote_recount(struct store_tx *tx, int64_t stage_id);

/* The stage's flags: [{id, rule, case:{id,title}, votes, voters, first_at, last_at, evidence, void}]; NULL on error. */
json_t *store_vote_flags(struct store *st, int64_t stage_id);
/* One flag with its votes (at most limit) and prefixes; NULL when not of the stage or on error. */
json_t *store_vote_flag(struct store *st, int64_t stage_id, int64_t flag_id, int limit);

/* Void flag's votes (valid = 0, kept) with who and why, and recount: RC_OK, RC_NOTFOUND, RC_STATE (voided already). */
struct vote_void {
    int64_t stage_id, flag_id, user_id;
    const char *reason;
    int64_t voided; /* out: votes made invalid */
};
int tx_vote_void(struct store_tx *tx, void *arg);

#endif
