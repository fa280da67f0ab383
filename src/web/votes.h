/*
 * votes.h — public voting in an exhibition stage (votes.c): the voter's
 * API (code, verify, vote, the stages open now) and the organiser's
 * settings page of a stage's vote.
 */
#ifndef LAUREL_WEB_VOTES_H
#define LAUREL_WEB_VOTES_H

#include "web/action.h"

/* The cookie that carries a verified voter's token for the web pages. */
#define VOTER_COOKIE "laurel_voter"

/* The stages open for voting now, with their limits and case ids (public). */
enum web_err page_votes(struct req *r, const struct web_input *in, struct page *p);
/* The organiser's settings of stage {id}'s vote. */
enum web_err page_stage_voting(struct req *r, const struct web_input *in, struct page *p);

/* A stage's exhibition: its cases, filtered by region and track (vote_pages.c). */
enum web_err page_exhibit(struct req *r, const struct web_input *in, struct page *p);
/* A case's vote page: the count, the voter's votes left today, the code and vote forms. */
enum web_err page_case_vote(struct req *r, const struct web_input *in, struct page *p);
/* The case page's vote block (model key "vote") for case id, or JSON null when it has none. */
json_t *vote_case_block(struct req *r, int64_t case_id);
/* 1 when the case's vote page is shown by one of its forms (*sent: a code was just sent); 0 on a GET. */
int vote_form_state(struct req *r, int *sent);

/* POST /votes/code, /votes/verify, /votes (JSON or form); /admin/stages/{id}/voting. */
extern const struct web_action act_vote_code, act_vote_verify, act_vote_cast, act_stage_voting;
/* The organiser's fraud review (vote_flags.c): the flagged groups of stage {id}, one group. */
enum web_err page_stage_flags(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_stage_flag(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/flags (check again, recount), /admin/stages/{id}/flags/{flag}/void. */
extern const struct web_action act_stage_flags_scan, act_stage_flag_void;

/* POST /cases/{id}/vote/code, /cases/{id}/vote/verify, /cases/{id}/vote: the vote page's forms. */
extern const struct web_action act_case_vote_code, act_case_vote_verify, act_case_vote_cast;

#endif
