/*
 * session.h — the account pages and actions (session.c, me.c): sign in,
 * sign out, change the password, the organiser's page of failed sign-ins
 * and the workspace home.  routes.c lists them.  What every page uses of
 * the session (web_user, the CSRF token, loading the session) is in web.h.
 */
#ifndef LAUREL_WEB_SESSION_H
#define LAUREL_WEB_SESSION_H

#include "web/action.h"
#include "web/web.h"

/* Anyone: GET and POST /login (a signed-in user's GET goes to /me). */
enum web_err page_login(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_login;

/* Signed in: POST /logout, GET and POST /password, GET /me (me.c). */
extern const struct web_action act_logout;
enum web_err page_password(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_password;
enum web_err page_me(struct req *r, const struct web_input *in, struct page *p);

/* Organiser: GET /admin/logins, the last failed sign-ins since start. */
enum web_err page_login_failures(struct req *r, const struct web_input *in, struct page *p);

/*
 * Set the session cookie to token (a new session: sign-in, a password set
 * from a link), or clear it with "" (sign-out).
 */
void web_session_cookie(struct req *r, struct resp *w, const char *token);

#endif
