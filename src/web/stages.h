/*
 * stages.h — the organiser's pages of review rounds (stages.c): stages,
 * settings and criteria, pool, reviewers, conflicts, assignment, release,
 * progress and reminders.  All for ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_STAGES_H
#define LAUREL_WEB_STAGES_H

#include "web/web.h"

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
