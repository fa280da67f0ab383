/*
 * review.h — the reviewer's pages (review.c): the list of assignments, a
 * case to score, the score form's action, a declared conflict and the
 * attachments served under neutral names.  routes.c lists them under the
 * review-scoring comment; every one needs ROLE_REVIEWER.  (The store's side
 * of the same job is store/scoring.h.)
 */
#ifndef LAUREL_WEB_REVIEW_H
#define LAUREL_WEB_REVIEW_H

#include "web/web.h"

/* GET /review */
enum web_err page_review_list(struct req *r, const struct web_input *in, struct page *p);
/* GET /review/{stage}/{label}: also shown again, with what was typed, by a refused action. */
enum web_err page_review_case(struct req *r, const struct web_input *in, struct page *p);
/* POST /review/{stage}/{label}: action=save|submit, comment, score_<criterion id> each. */
extern const struct web_action act_review_score;
/* POST /review/{stage}/{label}/conflict: reason. */
extern const struct web_action act_review_conflict;
/* GET /review/{stage}/{label}/files/{n}: a download, written by the handler. */
void raw_review_file(struct req *r, struct resp *w);

#endif
