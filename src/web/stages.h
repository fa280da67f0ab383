/*
 * stages.h — the organiser's pages of review rounds (stages.c): stages,
 * settings and criteria, pool, reviewers, conflicts, assignment, release,
 * progress and reminders.  All for ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_STAGES_H
#define LAUREL_WEB_STAGES_H

#include "web/action.h"

/* Pages: each a model handler, each with its JSON twin. */
enum web_err page_stages(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_settings(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_pool(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_reviewers(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_conflicts(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_assignments(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_progress(struct req *r, const struct web_input *in, struct page *p);

/* Actions (action.h). */
extern const struct web_action act_stage_settings, act_stage_pool_fill, act_stage_reviewer_add,
    act_stage_reviewer_drop, act_stage_conflicts, act_stage_assign, act_stage_assignment_add,
    act_stage_assignment_remove, act_stage_release, act_stage_remind;

#endif
