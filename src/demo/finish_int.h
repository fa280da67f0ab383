/*
 * finish_int.h — what the three files of the demo's 2019 run share
 * (finish2019.c: the steps and the run; finish_rounds.c: the review rounds
 * and the exhibition; finish_ballot.c: the jury's ballot, the tiers and
 * 公示).  Seen by those files only.
 */
#ifndef LAUREL_DEMO_FINISH_INT_H
#define LAUREL_DEMO_FINISH_INT_H

#include <stdint.h>

#include "demo/finish2019.h"
#include "domain/voter.h"
#include "store/sqlite_tx.h"
#include "store/store.h"

#define R1_REVIEWERS 3
#define R2_REVIEWERS 5
#define R1_ADVANCE 400
#define R2_ADVANCE 140
#define JURORS 15
#define PRESENT 13
#define MERIT_IMPOSTOR 9 /* a case of no merit the experts over-scored (finish2019.c) */

struct rng {
    uint64_t s;
};

/* splitmix64: the next number of the stream, and one uniform in [0, n). */
static inline uint64_t finish_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline int finish_rnd(struct rng *r, int n)
{
    return (int)(finish_next(r) % (uint64_t)n);
}

struct person {
    int64_t id;
    char region[8];
    int64_t unit;
};

struct fin {
    struct store *st;
    struct store_tx *tx;
    struct rng rng;
    int64_t campaign, stage[4], organiser, impostor;
    int ncases;
    unsigned char *merit; /* per case id, MERIT_IMPOSTOR for the impostor */
    char (*region)[8];    /* per case id */
    int64_t *unit;        /* per case id */
    struct person *rev;
    int nrev;
    struct person jury[JURORS];
    int64_t sitting;
    int64_t *cands;
    int ncands;
    int64_t obj[3];                        /* the objected cases: impostor, two rejected */
    int round;                             /* 0 初评, 1 复评: the reviews being written */
    int juror;                             /* the present juror casting */
    int k;                                 /* the objection being filed or answered */
    unsigned char key[VOTER_SECRET_BYTES]; /* the installation's voter secret */
    int64_t votes;                         /* cast in the exhibition */
    char object[96];                       /* an audit row's path that its step finds out */
    char err[256];
};

/*
 * Run fn in one store write; with what, append the audit row the web's
 * action of route `what` on path `object` would (who: the actor; form:
 * the fields it was sent, hashed as the action runner hashes them).
 * RC_OK or the write's result (f->err set).
 */
int finish_step(struct fin *f, int (*fn)(struct fin *), const char *what, const char *object,
                int64_t who, const char *form);
/* A path with an id, in one of a few rotating buffers (a step uses it while it runs). */
char *finish_path(const char *fmt, int64_t id);
/* Step a statement of the step's write and reset it: RC_OK or RC_ERROR (f->err set). */
int finish_run(struct fin *f, sqlite3_stmt *s);
/* 回避: the person's region or unit is the case's. */
int finish_conflicted(const struct fin *f, const struct person *p, int64_t id);

/* 初评, 网上展示 and 复评 (finish_rounds.c): 0 or -1. */
int finish_reviews(struct fin *f);
/* 终评: the jury, its ballot, the tally and the proposal (finish_ballot.c): 0 or -1. */
int finish_ballot(struct fin *f);
/* 公示, its objections and its close (finish_ballot.c): 0 or -1. */
int finish_notice(struct fin *f);

#endif
