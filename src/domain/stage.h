/*
 * stage.h — the states of a review stage, the moves between them and what
 * each state allows, as submission.h does for cases; and a stage's kinds.
 *
 *   setup ──propose──▶ proposed ──release──▶ released ──close──▶ closed
 *                      ⟲ propose again          │                     │
 *                                               │ rank (closes it)    │ rank
 *                                               ▼                     │
 *              advanced ◀──advance── ranked ◀───┴─────────────────────┘
 *                                    ⟲ rank again
 *
 * Besides those moves:  setup     edit settings, fill the pool
 *                       proposed  edit settings, edit assignments
 *                       released  edit assignments, score, remind
 *
 * Settings and criteria change only in setup or proposed; the pool is filled
 * only in setup (and a stage in setup is one that has not started: advancing
 * the stage before it fills its pool).  Assignments are edited one by one,
 * and a reviewer drops out, while they are live (proposed or released).
 * Reviewers score only while the stage is released.  Ranking a released
 * stage closes it first, which the organiser confirms; a ranked stage may be
 * ranked again until it advances.
 *
 * The store keeps a state as its name ("setup" ... "advanced",
 * 003_review.sql); C code compares the enum.  Pure: no HTTP, no SQL.
 */
#ifndef LAUREL_STAGE_H
#define LAUREL_STAGE_H

enum stage_state {
    STAGE_SETUP,
    STAGE_PROPOSED, /* assignments proposed, not yet visible to reviewers */
    STAGE_RELEASED, /* assignments visible: reviewers score */
    STAGE_CLOSED,   /* scoring ended */
    STAGE_RANKED,   /* results stored; nobody advanced yet */
    STAGE_ADVANCED, /* the advancing cases marked, the next stage's pool filled */
    STAGE_STATE__MAX
};

/* What an organiser (or a reviewer, for STAGE_SCORE) does to a stage. */
enum stage_action {
    STAGE_EDIT,    /* change settings and criteria */
    STAGE_FILL,    /* fill the pool (also: advancing the stage before fills it) */
    STAGE_PROPOSE, /* solve and store a proposal of assignments */
    STAGE_ASSIGN,  /* add or remove one assignment; a reviewer drops out */
    STAGE_RELEASE, /* make the proposal visible to reviewers */
    STAGE_REMIND,  /* remind reviewers of their open reviews */
    STAGE_SCORE,   /* a reviewer saves or submits a review */
    STAGE_CLOSE,   /* end scoring */
    STAGE_RANK,    /* compute and store the ranking */
    STAGE_ADVANCE, /* mark the advancing cases, fill the next stage's pool */
    STAGE_ACTION__MAX
};

enum stage_kind {
    STAGE_KIND_REVIEW,     /* experts score by criteria */
    STAGE_KIND_EXHIBITION, /* public pages and votes: no reviewers */
    STAGE_KIND_BALLOT,     /* jurors approve up to a quota */
    STAGE_KIND__MAX
};

/* "setup" ... and back; -1 for an unknown name. */
const char *stage_state_name(enum stage_state s);
int stage_state_parse(const char *name);
/* The message-catalog key of a state's word ("stage_state_released"). */
const char *stage_state_key(enum stage_state s);

/* The state action a leads to from `from`, or -1 if the state does not allow it. */
int stage_transition(enum stage_state from, enum stage_action a);
/* 1 if state s allows action a, else 0. */
int stage_allows(enum stage_state s, enum stage_action a);
/* 1 if a stage in state s has its results stored (ranked or advanced). */
int stage_has_results(enum stage_state s);

/*
 * What the organiser may do to a stage now, as the pages offer it: the
 * table above, the stage's kind (only review and ballot stages have
 * reviewers; only review stages are ranked), whether its campaign is the
 * one under review (nothing may be done to another) and the next stage's
 * state (advancing fills its pool, so it must still be in setup).
 */
struct stage_can {
    int edit;    /* settings and criteria */
    int fill;    /* the pool */
    int propose; /* a proposal of assignments */
    int assign;  /* one assignment; a drop-out */
    int release;
    int remind;
    int close;
    int rank;
    int rank_closes; /* ranking now closes the stage: the organiser confirms */
    int advance;
    int next_started; /* there is a next stage and it is past setup */
    int has_results;  /* ranked or advanced */
};

/* Fill *out for a stage (next_state: the next stage's state, or -1 when there is none). */
void stage_can(enum stage_state s, enum stage_kind k, int under_review, int next_state,
               struct stage_can *out);

/* "review" / "exhibition" / "ballot" and back; -1 for an unknown name. */
const char *stage_kind_name(enum stage_kind k);
int stage_kind_parse(const char *name);
/* The message-catalog key of a kind's word ("stages_kind_review"). */
const char *stage_kind_key(enum stage_kind k);
/* 1 if a stage of kind k has reviewers to assign (review, ballot). */
int stage_kind_assignable(enum stage_kind k);

#endif
