/*
 * submission.h — the rules of a case before experts see it: the case
 * template's sections and their length limits, what a submission must hold,
 * and the statuses a case moves through with who may move it.
 *
 *   draft ──submit──▶ submitted ──recommend──▶ recommended ──pass──▶ passed
 *     ▲                 │   │                      │  │
 *     └────withdraw─────┘   └─return──▶ returned   │  └─reject──▶ rejected
 *                                 └─resubmit─▶ submitted
 *                          recommended ──return for correction──▶ correction
 *                          correction ──resubmit (before its due date)──▶ recommended
 *
 * Lengths are counted in characters (code points), as the call states them.
 * Pure: no HTTP, no SQL.
 */
#ifndef LAUREL_SUBMISSION_H
#define LAUREL_SUBMISSION_H

#include <stddef.h>

#define SUBMISSION_SECTIONS 5
#define SUBMISSION_TITLE_MAX 80
#define SUBMISSION_TOTAL_MAX 10000
#define SUBMISSION_TOTAL_MIN 300 /* to submit; drafts may be shorter */
#define SUBMISSION_TAGS_MAX 5

/* The template's sections: 背景与起因, 做法与经过, 成效与反响, 探讨与评论, 附录. */
extern const char *const submission_section_names[SUBMISSION_SECTIONS];
/* Each section's maximum length in characters. */
extern const int submission_section_max[SUBMISSION_SECTIONS];
/* Sections required to submit (附录 is optional). */
extern const int submission_section_required[SUBMISSION_SECTIONS];

enum case_status {
    CASE_DRAFT,
    CASE_SUBMITTED,
    CASE_RETURNED,    /* by the recommender, for correction */
    CASE_RECOMMENDED,
    CASE_PASSED,      /* formal screening passed */
    CASE_CORRECTION,  /* screening asked for correction (补正), with a due date */
    CASE_REJECTED,
    CASE_PUBLISHED,   /* shown in the exhibition */
    CASE_STATUS__MAX
};

enum case_action {
    ACT_SUBMIT,     /* submitter: draft/returned -> submitted, before the deadline */
    ACT_WITHDRAW,   /* submitter: submitted -> draft, before the deadline */
    ACT_RESUBMIT,   /* submitter: correction -> recommended, before the due date */
    ACT_RECOMMEND,  /* recommender of the region: submitted -> recommended, within quota */
    ACT_RETURN,     /* recommender: submitted -> returned, with a reason */
    ACT_PASS,       /* organiser: recommended -> passed */
    ACT_CORRECT,    /* organiser: recommended -> correction, with a reason and a due date */
    ACT_REJECT,     /* organiser: recommended -> rejected, with a reason */
    ACT__MAX
};

/* "draft" ... and back; -1 for an unknown name. */
const char *case_status_name(enum case_status s);
int case_status_parse(const char *name);
/* The status an action leads to from `from`, or -1 if the action is not allowed there. */
int case_transition(enum case_status from, enum case_action a);
/* 1 if the submitter may edit a case in this status. */
int case_editable(enum case_status s);
/* 1 if the action needs a reason. */
int case_action_needs_reason(enum case_action a);

/* What is wrong with a submission, as message-catalog keys (at most one per field). */
struct submission_check {
    const char *title;
    const char *track;
    const char *contact;
    const char *section[SUBMISSION_SECTIONS];
    const char *total;
    int ok;
};

/*
 * Check title, track slug, contact and sections.  `for_submit` also applies
 * the rules for submitting (required sections, minimum total length);
 * without it only the maxima apply (drafts).  Strings are valid UTF-8.
 */
void submission_check(const char *title, const char *track, const char *contact_name,
                      const char *contact_phone, const char *const sections[SUBMISSION_SECTIONS],
                      int for_submit, struct submission_check *out);

/*
 * The rules on a stored case's section lengths (characters), as the
 * screening checklist names them: every required section present (1/0),
 * and every section and the total within their limits (1/0).
 */
int submission_sections_complete(const int len[SUBMISSION_SECTIONS]);
int submission_lengths_ok(const int len[SUBMISSION_SECTIONS]);

/*
 * Whether `today` (YYYY-MM-DD, in the organiser's time zone) is on or before
 * the deadline `last_day` (YYYY-MM-DD): 1 or 0.
 */
int submission_before(const char *today, const char *last_day);
/* Today in China Standard Time (UTC+8), as YYYY-MM-DD. */
void submission_today(char out[11]);

#endif
