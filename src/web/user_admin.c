/*
 * user_admin.c — the organiser's changes to one account (user_admin.h).
 *
 * Edit corrects the name and the address (a taken address is 409).  Status
 * disables an account, which ends its sessions at once and stops its
 * sign-in and its links (the store's reads skip disabled users), or enables
 * it again; an organiser cannot disable their own account.  Re-invite sends
 * a new invitation to someone who has not set a password yet, and ends the
 * links sent before it.  Each goes back to the person's page with a notice.
 */
#include <stdio.h>
#include <string.h>

#include "domain/auth.h"
#include "mail/sender.h"
#include "store/accounts.h"
#include "store/user_admin.h"
#include "web/campaign_roles.h"
#include "web/invite.h"
#include "web/user_admin.h"

struct user_job {
    struct store_user u;
    const char *name, *email;
    int disable;
    const char *subject, *body;
    char token[AUTH_TOKEN_CHARS + 1];
    char next[64];
};

/* The person the path names (404 otherwise); back to their page with a notice. */
static enum result user_load(struct web_act *x)
{
    struct user_job *j = x->state;
    int64_t id = x->r->nparams >= 1 ? web_path_id(x->r->params[0]) : 0;
    if (id <= 0 || store_user_by_id(web.store, id, &j->u) != RC_OK)
        return RC_NOTFOUND;
    const char *what = x->a == &act_user_edit     ? "edited"
                       : x->a == &act_user_status ? "status"
                                                  : "reinvited";
    snprintf(j->next, sizeof j->next, "/admin/users/%lld?changed=%s", (long long)id, what);
    x->next = j->next;
    return RC_OK;
}

/* ------------------------------------------------------------ edit */

static enum result edit_check(struct web_act *x)
{
    struct user_job *j = x->state;
    j->name = web_text(x, "name");
    j->email = web_text(x, "email");
    if (strpbrk(j->name, "\r\n\t"))
        return web_refuse_field(x, "name", "users_bad_name");
    if (!mail_address_ok(j->email))
        return web_refuse_field(x, "email", "users_bad_email");
    return RC_OK;
}

static int edit_write(struct store_tx *tx, void *arg)
{
    struct user_job *j = arg;
    return tx_user_edit(tx, j->u.id, j->name, j->email);
}

static const struct web_field edit_fields[] = {
    {"name", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, 64, NULL, "users_bad_name"},
    {"email", WEB_F_EMAIL, WEB_F_REQUIRED, 0, 0, NULL, "users_bad_email"},
    {NULL},
};

const struct web_action act_user_edit = {
    .fields = edit_fields,
    .state_size = sizeof(struct user_job),
    .load = user_load,
    .check = edit_check,
    .write = edit_write,
    .page = page_user_roles,
    .refusals = (const struct web_refusal[]){{RC_EXISTS, 409, "users_taken", NULL},
                                             {RC_NOTFOUND, 404, NULL, NULL},
                                             {RC_OK}},
};

/* ------------------------------------------------------------ disable, enable */

static const char *const status_words[] = {"disable", "enable", NULL};

static enum result status_check(struct web_act *x)
{
    struct user_job *j = x->state;
    j->disable = strcmp(web_text(x, "action"), "disable") == 0;
    if (j->disable && j->u.id == x->user_id) {
        x->error = "users_err_self";
        return RC_STATE;
    }
    return RC_OK;
}

/* A disabled account's sessions end in the same write: it is out at once. */
static int status_write(struct store_tx *tx, void *arg)
{
    struct user_job *j = arg;
    int rc = tx_user_disable(tx, j->u.id, j->disable);
    return rc == RC_OK && j->disable ? tx_sessions_end(tx, j->u.id) : rc;
}

static const struct web_field status_fields[] = {
    {"action", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, status_words, "users_bad_action"},
    {NULL},
};

const struct web_action act_user_status = {
    .fields = status_fields,
    .state_size = sizeof(struct user_job),
    .load = user_load,
    .check = status_check,
    .write = status_write,
    .page = page_user_roles,
    .refusals = (const struct web_refusal[]){{RC_STALE, 409, "users_err_status_stale", NULL},
                                             {RC_OK}},
};

/* ------------------------------------------------------------ a new invitation */

/* The lowest role the person holds, to name in the message. */
static unsigned first_role(unsigned roles)
{
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
        if (roles & bit)
            return bit;
    return ROLE_SUBMITTER;
}

/* Only someone who has not set a password yet, and is not disabled, is invited again. */
static enum result reinvite_check(struct web_act *x)
{
    struct user_job *j = x->state;
    if (j->u.password_hash[0] || j->u.disabled) {
        x->error = j->u.disabled ? "users_err_reinvite_disabled" : "users_err_reinvite_active";
        return RC_STATE;
    }
    auth_token(j->token);
    return invite_mail(x->r, j->u.name, first_role(j->u.roles), j->token, &j->subject,
                       &j->body) == 0
               ? RC_OK
               : RC_ERROR;
}

static int reinvite_write(struct store_tx *tx, void *arg)
{
    struct user_job *j = arg;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(j->token, digest);
    int rc = tx_user_invites_end(tx, j->u.id);
    if (rc == RC_OK)
        rc = tx_token_create(tx, digest, j->u.id, "invite");
    return rc == RC_OK ? tx_outbox_add(tx, j->u.email, j->subject, j->body) : rc;
}

static enum result reinvite_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct user_job *j = x->state;
    explicit_bzero(j->token, sizeof j->token);
    if (rc == RC_OK)
        mail_wake();
    return rc;
}

const struct web_action act_user_reinvite = {
    .state_size = sizeof(struct user_job),
    .load = user_load,
    .check = reinvite_check,
    .write = reinvite_write,
    .then = reinvite_then,
    .page = page_user_roles,
};

/* ------------------------------------------------------------ the person's page */

void user_admin_model(struct req *r, const struct store_user *u, json_t *m)
{
    const struct query *typed = r->method == HTTP_POST ? web_form(r) : NULL;
    const char *name = typed ? query_get(typed, "name") : NULL;
    const char *email = typed ? query_get(typed, "email") : NULL;
    json_object_set_new(m, "form", json_pack("{s:s,s:s}", "name", name ? name : u->name,
                                             "email", email ? email : u->email));
    json_object_set_new(m, "disabled", json_boolean(u->disabled));
    json_object_set_new(m, "pending", json_boolean(!u->password_hash[0]));
    json_object_set_new(m, "is_self", json_boolean(web_user(r) && web_user(r)->id == u->id));
    json_object_set_new(m, "state_text", json_string(i18n_get(
                                             r->lang, u->disabled          ? "users_disabled"
                                                      : u->password_hash[0] ? "users_active"
                                                                            : "users_pending")));
    const char *changed = r->method == HTTP_POST ? NULL : query_get(&r->query, "changed");
    static const char *const known[] = {"edited", "status", "reinvited", NULL};
    for (int i = 0; changed && known[i]; i++)
        if (strcmp(changed, known[i]) == 0) {
            char key[40];
            snprintf(key, sizeof key, "users_done_%s", changed);
            json_object_set_new(m, "notice", json_string(i18n_get(r->lang, key)));
        }
}
