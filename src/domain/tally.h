/*
 * tally.h — counting a jury's ballot and proposing award tiers, as rules
 * without I/O.
 *
 * A ballot approves up to `places` candidates.  A candidate passes when more
 * than half of the jurors who may judge it approve: the present jurors less
 * those in 回避 for it (approvals * 2 > eligible).  When no more pass than
 * there are places, every pass is elected.  When more pass, the places go
 * by share of approvals (approvals / eligible, compared exactly); if the
 * last place is shared by cases tied at the same share, those above the tie
 * are elected and exactly the tied cases go to a runoff for the places left.
 *
 * Tiers: the elected cases, best first, fill the first tier up to its
 * quota, then the next; a tier may cap the cases of one region, and a case
 * whose region has reached a tier's cap goes to the next tier with room.
 * Each placement says why (enum tally_why), for the organiser's page.
 */
#ifndef LAUREL_TALLY_H
#define LAUREL_TALLY_H

#include <stdint.h>

struct tally_case {
    int64_t case_id;
    int approvals;  /* ballots approving it */
    int eligible;   /* present jurors not in 回避 for it */
    int prior_rank; /* its rank in the stage before (1 is best; 0: none), orders equal shares */
    /* Filled by tally_run. */
    int passed;  /* approvals * 2 > eligible */
    int elected; /* within the places */
    int runoff;  /* in the proposed runoff */
    int order;   /* 1.. by share of approvals, then prior rank; 0 for a case that did not pass */
};

struct tally_outcome {
    int passed, elected;
    int runoff;        /* cases in the proposed runoff (0: none) */
    int runoff_places; /* the places it decides */
};

/*
 * Count cases c[0..n) for `places` places.  Reorders c: passes first by
 * share, then the rest by share.  Needs n ≤ TALLY_MAX.
 */
#define TALLY_MAX 100000
void tally_run(struct tally_case *c, int n, int places, struct tally_outcome *out);

/* 1 if a's share of approvals is above b's (exact: a.approvals * b.eligible > ...). */
int tally_share_above(const struct tally_case *a, const struct tally_case *b);

enum tally_why {
    TALLY_IN_ORDER,   /* placed in the first tier with room, by order */
    TALLY_REGION_CAP, /* a higher tier's cap for its region was reached */
    TALLY_NO_ROOM,    /* every tier full, or capped for its region: no award */
};

struct tally_tier {
    int64_t tier_id;
    int quota;
    int region_cap; /* at most this many cases of one region; 0: no cap */
};

struct tally_place {
    int64_t case_id;
    int region;    /* an index of the caller's regions, 0 ≤ region < nregions */
    /* Filled by tally_tiers. */
    int tier;      /* an index into the tiers, or -1 */
    int position;  /* 1.. within its tier */
    enum tally_why why;
    int capped_tier; /* TALLY_REGION_CAP: the tier whose cap sent it lower */
};

/*
 * Place cases p[0..n), best first, into tiers t[0..ntiers) (highest first).
 * counts: a scratch array of ntiers * nregions ints.  Returns the number
 * placed.
 */
int tally_tiers(struct tally_place *p, int n, const struct tally_tier *t, int ntiers, int nregions,
                int *counts);

#endif
