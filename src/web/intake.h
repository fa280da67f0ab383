/*
 * intake.h — the web layer's pages between submission and review: the
 * regional recommender's list and actions (recommend.c) and the signed-in
 * user's workspace home (me.c), which routes.c lists; and the helpers they
 * share with the organiser's pages (admin.c, declared in admin.h).
 */
#ifndef LAUREL_WEB_INTAKE_H
#define LAUREL_WEB_INTAKE_H

#include "domain/submission.h"
#include "web/web.h"

/* Recommender (recommend.c); every case outside the user's region is 404. */
enum web_err page_recommend(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_recommend_case(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_recommend_endorse, act_recommend_return;


/*
 * Shared by recommend.c and admin.c: a case as a model for the read-only
 * case partial (sections as HTML, status words), or NULL.  With a region, a
 * case of the campaign being run in that region and never a draft; without
 * (the organiser), a case of any campaign.
 */
json_t *intake_case_model(struct req *r, int64_t id, const char *region);
/* The section lengths of such a model (characters), by section. */
void intake_case_lengths(json_t *c, int len[SUBMISSION_SECTIONS]);
/* 1 if they keep the call's rules: required sections present, lengths within limits. */
int intake_case_sections_ok(json_t *c);
/* A positive id from a path segment, or 0. */
int64_t intake_path_id(const char *s);
/* The status word of a status name in the request's language. */
const char *intake_status_word(struct req *r, const char *status);
/* The subject and body (Chinese) of the message for a case's new status; arena strings. */
void intake_mail_text(struct req *r, int64_t case_id, const char *title, const char *to_status,
                      const char *reason, const char *due, const char **subject,
                      const char **body);

#endif
