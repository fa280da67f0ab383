/*
 * scoring.h — the reviewer's pages (review.c): the list of assignments, a
 * case to score, the score form's actions, a declared conflict and the
 * attachments served under neutral names.  routes.c lists them under the
 * review-scoring comment; every one needs ROLE_REVIEWER.
 */
#ifndef LAUREL_WEB_SCORING_H
#define LAUREL_WEB_SCORING_H

#include "web/web.h"

/* GET /review */
enum web_err page_review_list(struct req *r, const struct web_input *in, struct page *p);
/* GET /review/{stage}/{label} */
enum web_err page_review_case(struct req *r, const struct web_input *in, struct page *p);
/* POST /review/{stage}/{label} (action=save|submit) */
void raw_review_post(struct req *r, struct resp *w);
/* POST /review/{stage}/{label}/conflict */
void raw_review_conflict(struct req *r, struct resp *w);
/* GET /review/{stage}/{label}/files/{n} */
void raw_review_file(struct req *r, struct resp *w);

#endif
