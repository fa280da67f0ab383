/*
 * admin.h — the organiser's pages for the campaign being run (admin.c): the
 * dashboard, formal screening (形式审查) one case at a time or many at once,
 * and the campaign's settings.  routes.c lists them under the organiser's
 * comment; every one needs ROLE_ORGANISER.
 */
#ifndef LAUREL_WEB_ADMIN_H
#define LAUREL_WEB_ADMIN_H

#include "web/web.h"

/* GET /admin: counts by status, each region against its quota, recent activity. */
enum web_err page_admin(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/screening[?status=&region=&q=&page=]: the queue; also the bulk action's report. */
enum web_err page_admin_screening(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/screening/{id}: one case, its checklist and the decision form. */
enum web_err page_admin_screening_case(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/settings: the timeline, track names and regional quotas. */
enum web_err page_admin_settings(struct req *r, const struct web_input *in, struct page *p);

/* POST /admin/screening/{id}: decision, reason, due, check_<item>. */
extern const struct web_action act_admin_screening_decide;
/* POST /admin/screening/bulk: decision (pass or reject), id... or ids, reason. */
extern const struct web_action act_admin_screening_bulk;
/* POST /admin/settings: opens_at, closes_at, track_<slug>, new_track, quota_<region>. */
extern const struct web_action act_admin_settings;

#endif
