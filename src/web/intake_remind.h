/*
 * intake_remind.h — the organiser's deadline reminders to units
 * (intake_remind.c): POST /admin/remind, and what the dashboard shows of it.
 */
#ifndef LAUREL_WEB_INTAKE_REMIND_H
#define LAUREL_WEB_INTAKE_REMIND_H

#include "web/action.h"
#include "web/web.h"

/* POST /admin/remind (ROLE_ORGANISER): field campaign. */
extern const struct web_action act_admin_remind;

/* Into the dashboard's model m of campaign: remind_count, and the notice after a reminder. */
void intake_remind_model(struct req *r, int64_t campaign, json_t *m);

#endif
