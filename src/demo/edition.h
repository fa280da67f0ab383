/*
 * edition.h — the demo's later edition, in review, made up from a seed.
 *
 * demo_edition_generate() makes up the 2020 edition of the demo campaign as
 * it stands in the middle of its review: about 1,200 cases submitted by the
 * units of the 2019 demo (the same unit table, demo_units_open), recommended
 * and screened (most passed, some rejected); 200 synthetic experts with a
 * home region, sometimes a unit, expertise tags and a maximum load, each with
 * a hidden strictness (a bias on the scores he gives) and spread (how widely
 * he uses the scale), so that per-reviewer normalisation visibly matters;
 * the first review round (初评) done — assignments by domain/assign.c with
 * 回避, every review submitted, ranked by domain/rank.c with the top 400
 * advancing; the public votes of the online exhibition (网上展示) for those
 * 400; and the second round (复评) under way: assignments released, about
 * 55 % of the reviews submitted, 10 % drafts, the rest not started.  The
 * demo reviewer account (expert@demo.laurel) holds a few untouched
 * assignments of the second round.
 *
 * Each case's score per criterion is its hidden quality plus the expert's
 * strictness plus noise, clipped to 0..max.  The same (seed, ncases of the
 * 2019 demo, first case id) and the same answers of `taken` give the same
 * edition.  Pure: no SQL; the loader is load_edition.c.
 */
#ifndef LAUREL_DEMO_EDITION_H
#define LAUREL_DEMO_EDITION_H

#include <stdint.h>

#include "demo/generate.h"
#include "domain/rank.h"

/* DEMO_ED_CASES, DEMO_ED_REJECTED and DEMO_ED_EXPERTS: demo.h. */
#define DEMO_ED_CRITERIA 4
#define DEMO_ED_CRITERION_MAX 25.0
#define DEMO_ED_PER_CASE 5                  /* reviewers per case in both rounds */
#define DEMO_ED_ADVANCE1 400                /* cases advancing from round 1 */
#define DEMO_ED_ADVANCE3 130                /* ... to be advanced from round 2 */
#define DEMO_ED_DEMO_CASES 6                /* round-2 assignments of expert@demo.laurel */
#define DEMO_ED_DEMO_EXPERT DEMO_ED_EXPERTS /* the demo reviewer's expert index */
#define DEMO_ED_STAMP 21                    /* "2020-08-14T09:30:00Z" and its NUL */

/* The criteria of both review rounds: name and description (maximum 25, weight 1). */
extern const char *const demo_ed_criteria[DEMO_ED_CRITERIA][2];

enum demo_ed_status { DEMO_ED_NONE, DEMO_ED_DRAFT, DEMO_ED_SUBMITTED };

struct demo_ed_case {
    int id;      /* first_id + index */
    int unit_id; /* a unit of the 2019 demo */
    int region;  /* index into dw_regions */
    const char *region_code;
    const char *track_slug;
    char *title, *summary, *sections[DEMO_SECTIONS]; /* owned */
    const char *tags[DEMO_MAX_TAGS];                 /* static pool strings */
    int ntags;
    char tags_text[128]; /* the tags joined with 、 */
    char contact_name[16], contact_phone[16], contact_email[48];
    char submitted_at[DEMO_ED_STAMP], recommended_at[DEMO_ED_STAMP];
    char screened_at[DEMO_ED_STAMP];
    int passed;            /* 1 passed, 0 rejected */
    const char *reason;    /* the rejection's reason, "" when passed */
    const char *checklist; /* screening checklist JSON */
    double quality;        /* hidden: the case's standing, in points out of 100 */
};

struct demo_ed_expert {
    char email[32]; /* expert001@demo.laurel */
    char name[16];
    int region;  /* index into dw_regions */
    int unit_id; /* 0 for none */
    const char *expertise[4];
    int nexpertise;
    char expertise_text[128]; /* joined with '|' */
    int max_load;
    double strictness; /* hidden: points added to every total he gives */
    double spread;     /* hidden: how widely he uses the scale */
    double diligence;  /* hidden: share of round 2 he has submitted */
};

/* One assignment of a round and what became of it. */
struct demo_ed_review {
    int kase;   /* index into cases */
    int expert; /* index into experts, or DEMO_ED_DEMO_EXPERT */
    int status; /* enum demo_ed_status */
    double scores[DEMO_ED_CRITERIA];
    double total; /* Σ score / max × weight / Σ weight × 100 */
    const char *comment;
    char at[DEMO_ED_STAMP]; /* round 1: when submitted */
    int minutes_ago;        /* round 2: when last saved, before now */
};

struct demo_edition {
    struct demo_ed_case *cases;
    int ncases, npassed;
    struct demo_ed_expert *experts;
    int nexperts;
    int *pool1; /* the passed cases (indices), round 1's pool */
    int npool1;
    struct demo_ed_review *r1; /* npool1 × 5, all submitted */
    int nr1;
    struct rank_result rank1; /* round 1 over pool1 (entry i is pool1[i]) */
    struct rank_result rank1n; /* the same on normalised scores (for the explanations) */
    int *pool3;               /* round 1's advanced cases, best first */
    int npool3;
    int *votes;                /* npool3: the exhibition's votes */
    struct demo_ed_review *r3; /* npool3 × 5, mixed states */
    int nr3;
    int nr3_submitted, nr3_draft;
};

/*
 * Build the edition for the demo made by demo_generate(seed, ncases), its
 * cases numbered from first_id.  taken(ctx, title), if not NULL, answers 1
 * for a title already used (by the 2019 demo): such a case is made up
 * afresh, as is one repeating a title of the edition.  Returns 0 (then release *ed with
 * demo_edition_free), -1 out of memory or a failed assignment, -2 for an
 * ncases out of range.
 */
int demo_edition_generate(uint64_t seed, int ncases, int first_id,
                          int (*taken)(void *ctx, const char *title), void *ctx,
                          struct demo_edition *ed);

void demo_edition_free(struct demo_edition *ed);

#endif
