/*
 * assign.h — who reviews which case: an optimal assignment of reviewers to
 * the cases of a review stage.
 *
 * Every case needs exactly k distinct reviewers.  A reviewer may never take a
 * case of his own region (回避, unless the stage allows it), of his own unit,
 * one on the case's list of forbidden reviewers or one of the explicit
 * conflict pairs; optionally none that served in an earlier stage.  At
 * most `max_same_region` reviewers of one region sit on a case.  Each
 * reviewer takes between his minimum and maximum load (a reviewer allowed no
 * case at all takes none, whatever his minimum); with `balanced` the loads
 * are forced to floor(nk/m)..ceil(nk/m) over the m reviewers allowed some
 * case, so that no two differ by more than one, and if the other rules make
 * that impossible, widened to floor - d .. ceil + d for all reviewers alike,
 * with the least d that works.  Each reviewer's own bounds still apply: the
 * band is clamped into his [min_load, max_load], so a reviewer whose own
 * minimum lies above the band takes at least his minimum (and one whose
 * maximum lies below it at most his maximum); if that cannot be met the
 * result is ASSIGN_EMINLOAD, with the numbers.
 *
 * Among all assignments that keep these rules the one of least total cost is
 * chosen, the cost of a (case, reviewer) pair being ASSIGN_COST_BASE minus
 * the number of expertise tags they share, plus `earlier_penalty` for a
 * reviewer of an earlier stage (of any case, or of this case).  The problem
 * is solved as a min-cost flow
 *
 *   source ─k─▶ case ─max_same_region─▶ (case, region) ─1─▶ reviewer ─[lo,hi]─▶ sink
 *
 * on a pruned network of candidate pairs whose optimum is checked against
 * the full problem (see assign.c for the method, the check and the
 * complexity).  When no assignment exists the result's message says why, in
 * numbers: the reviews needed and the exact maximum possible (the maximum
 * flow without minimum loads), then total demand against total capacity,
 * the cases with too few eligible reviewers, or the group of cases whose
 * eligible reviewers cannot take all their reviews (the minimum cut of the
 * flow) with every region it spans.
 *
 * Reviewers and cases are indices 0..m-1 and 0..n-1; regions are indices
 * 0..nregions-1 (the caller maps region codes to them).  Pure: no HTTP, no
 * SQL.
 */
#ifndef LAUREL_ASSIGN_H
#define LAUREL_ASSIGN_H

#include <stdint.h>

#define ASSIGN_COST_BASE 64     /* cost of a pair sharing no expertise tag */
#define ASSIGN_MESSAGE_MAX 2048 /* room to name all 32 provincial units of a cut */

enum assign_rc {
    ASSIGN_OK = 0,
    ASSIGN_EINVAL,      /* bad input: k < 1, an index out of range, lo > hi ... */
    ASSIGN_ENOMEM,      /* out of memory */
    ASSIGN_ECAPACITY,   /* the reviewers' total maximum load is below n * k */
    ASSIGN_ECASE,       /* a case has fewer than k eligible reviewers */
    ASSIGN_EBOTTLENECK, /* a group of cases needs more than its reviewers can take */
    ASSIGN_EMINLOAD,    /* the minimum loads cannot all be met */
    ASSIGN_RC__MAX
};

struct assign_case {
    int region;           /* 0..nregions-1, or -1 for none */
    int unit;             /* submitting unit; 0 for none */
    uint64_t tags;        /* expertise tags, one bit each */
    const int *forbidden; /* reviewers who may not review this case; may be NULL */
    int nforbidden;
    const int *seen; /* reviewers who reviewed this case in an earlier stage; may be NULL */
    int nseen;
};

struct assign_reviewer {
    int region;    /* 0..nregions-1, or -1 for none */
    int unit;      /* the reviewer's unit; 0 for none */
    uint64_t tags; /* expertise tags */
    int min_load;  /* at least this many cases (0: no minimum) */
    int max_load;  /* at most this many cases (0: unavailable) */
    int earlier;   /* 1 if he was a reviewer in an earlier stage */
};

/* A declared conflict: this reviewer may not review this case. */
struct assign_pair {
    int kase;
    int reviewer;
};

struct assign_problem {
    const struct assign_case *cases;
    int ncases;
    const struct assign_reviewer *reviewers;
    int nreviewers;
    const struct assign_pair *conflicts; /* may be NULL */
    int nconflicts;
    int k;                /* reviewers per case, >= 1 */
    int max_same_region;  /* at most this many reviewers of one region on a case; 0: no cap */
    int allow_own_region; /* 1: reviewers may take cases of their own region */
    int balanced;         /* 1: loads within one of each other where the rules allow */
    /*
     * A pair is "earlier" if the reviewer has `earlier` set or is on the
     * case's `seen` list.  Such a pair costs `earlier_penalty` more, or is
     * not allowed at all with `earlier_exclude`.
     */
    int earlier_penalty;
    int earlier_exclude;
    const char *const *region_names; /* for messages; may be NULL (then "region 3") */
    const int64_t *case_ids;         /* for messages: "case <id>"; may be NULL (the index) */
    const int64_t *reviewer_ids;     /* for messages: "reviewer <id>"; may be NULL */
    int nregions;
    int exhaustive; /* 1: every eligible pair in the network, no pruning (a reference) */
};

struct assign_result {
    int *reviewers;     /* n * k: case i's reviewers at [i*k, i*k + k), ascending */
    int *load;          /* m: cases per reviewer */
    int64_t total_cost; /* sum of the chosen pairs' costs */
    int load_min, load_max;
    int lo, hi;                       /* balanced: the load bounds finally used; else 0, 0 */
    char message[ASSIGN_MESSAGE_MAX]; /* why it failed (UTF-8); "" on success */
    /* How it was solved: eligible pairs, pairs in the final network, networks solved. */
    int64_t pairs_eligible, pairs_network;
    int rounds;
};

/*
 * The cost of giving case c to reviewer r under the rules of p, or -1 if the
 * pair is not allowed (own region, same unit, forbidden, conflict, excluded
 * earlier-stage reviewer, unavailable reviewer).
 */
int assign_pair_cost(const struct assign_problem *p, int c, int r);

/*
 * Find a least-cost assignment.  On ASSIGN_OK res->reviewers and res->load
 * are malloc'd and owned by res (release with assign_result_free); on any
 * error they are NULL and res->message says why.  res need not be
 * initialised.
 */
int assign_solve(const struct assign_problem *p, struct assign_result *res);

/* Free what assign_solve allocated in res; res may be reused. */
void assign_result_free(struct assign_result *res);

/* "ok", "invalid input", ... for an enum assign_rc. */
const char *assign_rc_name(int rc);

#endif
