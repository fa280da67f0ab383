/*
 * fraud.h — the four rules that flag groups of an exhibition's votes as
 * looking bought, each with the numbers that explain it.  Pure functions
 * over arrays the store loads (store/vote_flags.c); no I/O.
 *
 *   burst    one case gets, within a window, at least burst_min votes and
 *            burst_factor times both its own rate outside the burst and the
 *            median rate of its peers (the other cases of the stage);
 *   network  at least net_min new voters appear from one network prefix
 *            (/24, /64) within a window;
 *   run      codes were asked for at least run_min consecutive phone
 *            numbers (numbers of one block, last four digits one apart;
 *            one missing number is still a run);
 *   ring     at least ring_min voters verified within a window who each
 *            voted for one case only, the same one.
 *
 * A group is the votes it concerns: the burst's votes, the prefix's votes
 * of its new voters, all votes of the run's or the ring's voters.
 */
#ifndef LAUREL_FRAUD_H
#define LAUREL_FRAUD_H

#include <stddef.h>
#include <stdint.h>

enum fraud_rule { FRAUD_BURST, FRAUD_NETWORK, FRAUD_RUN, FRAUD_RING };

struct fraud_limits {
    int burst_window, burst_min;
    double burst_factor;
    int net_window, net_min;
    int run_min;
    int ring_window, ring_min;
};

/* The defaults of 006_vote_flags.sql. */
#define FRAUD_LIMITS_DEFAULT {600, 30, 10.0, 3600, 20, 5, 600, 10}

struct fraud_vote {
    int64_t id, case_id, voter_id;
    int64_t t;   /* unix seconds */
    int32_t net; /* the prefix, as a dense id 0..nnets-1 */
};

struct fraud_voter {
    int64_t id;
    int64_t verified_at; /* unix seconds: the first verification for the stage */
};

struct fraud_code {
    int32_t block;    /* the number's first seven digits, as a dense id */
    int32_t tail;     /* its last four digits */
    int64_t t;        /* asked at, unix seconds */
    int64_t voter_id; /* the voter it made, or 0 if never verified */
};

struct fraud_input {
    const struct fraud_vote *votes; /* in time order */
    size_t nvotes;
    const struct fraud_voter *voters;
    size_t nvoters;
    const struct fraud_code *codes;
    size_t ncodes;
    int32_t nnets, nblocks;
};

struct fraud_group {
    enum fraud_rule rule;
    int64_t key;     /* burst, ring: the case; network: the prefix; run: the block */
    int64_t key2;    /* ring: the first verification; run: the first number; else 0 */
    int64_t case_id; /* the case most of its votes went to */
    size_t first, n; /* its votes: indexes into fraud_result.members[first .. first+n) */
    int64_t voters, first_at, last_at;
    /*
     * The evidence, by rule.  burst: window (s), most votes in one window,
     * the case's own and its peers' median votes per window, the ratio.
     * network: window (s), most new voters in one window, new voters in all.
     * run: numbers in the run, first and last four digits, seconds from the
     * first request to the last, voters verified.  ring: window (s), voters.
     */
    double ev[5];
};

struct fraud_result {
    struct fraud_group *groups;
    size_t ngroups;
    size_t *members; /* indexes into fraud_input.votes */
    size_t nmembers;
};

/* Apply the four rules: 0, or -1 without memory (out is then empty). */
int fraud_find(const struct fraud_input *in, const struct fraud_limits *l, struct fraud_result *out);
void fraud_result_free(struct fraud_result *r);

#endif
