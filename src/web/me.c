/*
 * me.c — the workspace home (/me): where a signed-in person lands, with one
 * box per role they hold and the links that role uses, the link to change
 * the password and the sign-out form; after a password change (?changed=1)
 * it says so.
 */
#include "store/accounts.h"
#include "web/session.h"

enum web_err page_me(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct store_user *u = web_user(r);
    if (!u)
        return WEB_UNAUTHORIZED;
    json_t *m = json_pack("{s:s,s:s}", "name", u->name, "email", u->email);
    if (u->roles & ROLE_SUBMITTER)
        json_object_set_new(m, "submitter", json_pack("{s:s}", "unit", u->unit_name));
    if (u->roles & ROLE_RECOMMENDER)
        json_object_set_new(m, "recommender", json_pack("{s:s}", "region", u->region_name));
    if (u->roles & ROLE_ORGANISER)
        json_object_set_new(m, "organiser", json_true());
    if (u->roles & ROLE_REVIEWER)
        json_object_set_new(m, "reviewer", json_true());
    json_object_set_new(m, "no_roles", json_boolean(u->roles == 0));
    if (query_get(&r->query, "changed"))
        p->notice = "me_password_changed";
    p->model = m;
    p->template = "me";
    p->title = i18n_get(r->lang, "me_title");
    return WEB_OK;
}
