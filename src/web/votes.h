/*
 * votes.h — public voting in an exhibition stage (votes.c): the voter's
 * API (code, verify, vote, the stages open now) and the organiser's
 * settings page of a stage's vote.
 */
#ifndef LAUREL_WEB_VOTES_H
#define LAUREL_WEB_VOTES_H

#include "web/action.h"

/* The stages open for voting now, with their limits and case ids (public). */
enum web_err page_votes(struct req *r, const struct web_input *in, struct page *p);
/* The organiser's settings of stage {id}'s vote. */
enum web_err page_stage_voting(struct req *r, const struct web_input *in, struct page *p);

/* POST /votes/code, /votes/verify, /votes (JSON or form); /admin/stages/{id}/voting. */
extern const struct web_action act_vote_code, act_vote_verify, act_vote_cast, act_stage_voting;

#endif
