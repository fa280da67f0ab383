/*
 * stages.h — the organiser's pages of review rounds (stages.c): stages,
 * settings and criteria, pool, reviewers, conflicts, assignment, release,
 * progress and reminders.  All for ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_STAGES_H
#define LAUREL_WEB_STAGES_H

#include "store/review.h"
#include "web/web.h"

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

void raw_stages(struct req *r, struct resp *w);
void raw_stage_settings(struct req *r, struct resp *w);
void raw_stage_settings_post(struct req *r, struct resp *w);
void raw_stage_pool(struct req *r, struct resp *w);
void raw_stage_pool_fill(struct req *r, struct resp *w);
void raw_stage_reviewers(struct req *r, struct resp *w);
void raw_stage_reviewer_add(struct req *r, struct resp *w);
void raw_stage_reviewer_drop(struct req *r, struct resp *w);
void raw_stage_conflicts(struct req *r, struct resp *w);
void raw_stage_conflicts_post(struct req *r, struct resp *w);
void raw_stage_assign(struct req *r, struct resp *w);
void raw_stage_assignments(struct req *r, struct resp *w);
void raw_stage_assignment_add(struct req *r, struct resp *w);
void raw_stage_assignment_remove(struct req *r, struct resp *w);
void raw_stage_release(struct req *r, struct resp *w);
void raw_stage_progress(struct req *r, struct resp *w);
void raw_stage_remind(struct req *r, struct resp *w);

#endif
