/*
 * invite.h — the web layer's pages and actions for bringing people in
 * (invite.c): the organiser's list of users and invitation form, the
 * set-password pages behind invitation and reset links, the reset request,
 * and the organiser's view of the outbox.  routes.c lists them.
 */
#ifndef LAUREL_WEB_INVITE_H
#define LAUREL_WEB_INVITE_H

#include "web/action.h"
#include "web/web.h"

/* Organiser: GET /admin/users, POST /admin/users/invite, GET /admin/outbox. */
enum web_err page_users(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_users_invite;
enum web_err page_outbox(struct req *r, const struct web_input *in, struct page *p);

/* The invitation's subject and body (arena strings) for a token; 0, or -1 out of memory. */
int invite_mail(struct req *r, const char *name, unsigned role, const char *token,
                const char **subject, const char **body);

/* Anyone with the link: GET and POST /invite/{token}, /reset/{token}; 404 once used. */
enum web_err page_invite_link(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_invite_accept;
enum web_err page_reset_link(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_reset_accept;

/* Anyone: GET and POST /reset (ask for a link by e-mail; the same answer for every address). */
enum web_err page_reset_request(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_reset_request;

#endif
