/*
 * user_admin.h — the organiser's changes to one person's account, on the
 * person's page (/admin/users/{id}, campaign_roles.c): the name and address
 * corrected, the account disabled or enabled, a new invitation sent.
 */
#ifndef LAUREL_WEB_USER_ADMIN_H
#define LAUREL_WEB_USER_ADMIN_H

#include "web/action.h"
#include "web/web.h"

/* POST /admin/users/{id}/edit, /status, /reinvite: ROLE_ORGANISER. */
extern const struct web_action act_user_edit, act_user_status, act_user_reinvite;

/* What the person's page shows of the account: disabled, pending, self, and the notice. */
void user_admin_model(struct req *r, const struct store_user *u, json_t *m);

#endif
