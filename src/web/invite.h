/*
 * invite.h — the web layer's pages for bringing people in (invite.c): the
 * organiser's list of users and invitation form, the set-password pages
 * behind invitation and reset links, the reset request, and the
 * organiser's view of the outbox.  routes.c lists them.
 */
#ifndef LAUREL_WEB_INVITE_H
#define LAUREL_WEB_INVITE_H

#include "web/web.h"

/* Organiser: GET /admin/users, POST /admin/users/invite, GET /admin/outbox. */
void raw_users(struct req *r, struct resp *w);
void raw_users_invite(struct req *r, struct resp *w);
void raw_outbox(struct req *r, struct resp *w);

/* Anyone with the link: GET and POST /invite/{token}, /reset/{token}. */
void raw_invite_form(struct req *r, struct resp *w);
void raw_invite_accept(struct req *r, struct resp *w);
void raw_reset_form(struct req *r, struct resp *w);
void raw_reset_accept(struct req *r, struct resp *w);

/* Anyone: GET and POST /reset (ask for a link by e-mail). */
void raw_reset_request_form(struct req *r, struct resp *w);
void raw_reset_request(struct req *r, struct resp *w);

#endif
