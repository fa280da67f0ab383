/*
 * stages.h — the organiser's pages of review rounds (stages.c): stages,
 * settings and criteria, pool, reviewers, conflicts, assignment, release,
 * progress and reminders.  All for ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_STAGES_H
#define LAUREL_WEB_STAGES_H

#include "store/review.h"
#include "web/action.h"

/* Pages: each a model handler, each with its JSON twin. */
enum web_err page_stages(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_settings(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_pool(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_reviewers(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_conflicts(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_assignments(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_progress(struct req *r, const struct web_input *in, struct page *p);
/* A ballot stage's page (the jury and sittings are set there). */
enum web_err page_stage_ballot(struct req *r, const struct web_input *in, struct page *p);

/* Actions (action.h). */
extern const struct web_action act_stage_settings, act_stage_pool_fill, act_stage_reviewer_add,
    act_stage_reviewer_drop, act_stage_conflicts, act_stage_assign, act_stage_assignment_add,
    act_stage_assignment_remove, act_stage_release, act_stage_remind;

/*
 * The one view-model of a stage, for the pages of stages and of ranking and
 * their JSON twins: its settings, its state and kind with their words, and
 * what may be done now (domain/stage.h's stage_can) as editable, can_fill,
 * can_propose, can_edit (one assignment), can_release, can_remind,
 * can_close, can_rank, needs_confirm (ranking closes it), can_advance,
 * next_started, ranked (results stored), assignable and released.
 * next_state: the next stage's state, or -1 when there is none.
 */
json_t *stages_stage_json(struct req *r, const struct review_stage *s, int next_state);

#endif
