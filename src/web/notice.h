/*
 * notice.h — 公示 on the web (notice.c): the organiser publishes the award
 * proposal for N working days and closes the notice; the public page lists
 * the proposed awards by tier and region with the period and how to object.
 */
#ifndef LAUREL_WEB_NOTICE_H
#define LAUREL_WEB_NOTICE_H

#include "web/action.h"
#include "web/web.h"

/* GET /admin/stages/{id}/notice (ROLE_ORGANISER) and GET /notice (everyone). */
enum web_err page_notice_admin(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_notice(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/notice (publish) and /admin/stages/{id}/notice/close. */
extern const struct web_action act_notice_publish, act_notice_close;
/* POST /notice/{stage}/code and /notice/{stage}/objection (everyone): a code, an objection. */
extern const struct web_action act_objection_code, act_objection_file;
/* POST /admin/stages/{id}/objections/{oid}: uphold or reject, the objector told by e-mail. */
extern const struct web_action act_objection_answer;

#endif
