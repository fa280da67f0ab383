/*
 * campaign_roles.h — roles per campaign on the organiser's user pages
 * (campaign_roles.c): which campaign an invitation binds a reviewer or a
 * recommender to, one person's page with the campaigns they serve in, and
 * the actions that invite an existing person to another campaign or take
 * the role in one campaign away.
 */
#ifndef LAUREL_WEB_CAMPAIGN_ROLES_H
#define LAUREL_WEB_CAMPAIGN_ROLES_H

#include <jansson.h>

#include "web/action.h"
#include "web/web.h"

/*
 * The campaign a form's "campaign" field names (else the page's ?campaign=,
 * else the campaign being run), if it is still running; 0 if none is.
 */
int64_t campaign_roles_field(struct web_act *x);
/* Adds to the users page's model: campaigns:[{id, name, selected}] for the invitation. */
void campaign_roles_users_model(struct req *r, json_t *m);

/* GET /admin/users/{id}: one person, their roles and the campaigns they serve in. */
enum web_err page_user_roles(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/users/{id}/roles and /admin/users/{id}/roles/drop. */
extern const struct web_action act_user_role_grant, act_user_role_drop;

#endif
