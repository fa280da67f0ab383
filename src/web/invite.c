/*
 * invite.c — bringing people in: the organiser's list of users and its
 * invitation form, the set-password pages behind the links that invitations
 * and password resets send, the reset request, and the organiser's view of
 * the outbox.
 *
 * An invitation creates the user without a password, a one-time token and
 * the outbox message carrying its link, in one transaction: the mail is
 * queued if and only if the account exists.  Links carry 256 random bits;
 * the store keeps their SHA-256 (accounts.h), so the database alone cannot
 * forge one.  Following a link shows the set-password form while the token
 * is unused and unexpired, and a plain 404 otherwise.  Setting the password
 * hashes it on the worker pool, then in one write uses up the token, ends
 * every session of the user and opens a fresh one.
 *
 * A reset request answers the same words, after the same kind of write,
 * whether or not the address belongs to an account, so the form cannot be
 * used to learn who is registered; requests are throttled per address and
 * per client in memory (auth.h), silently for the address.  Mail texts are
 * Chinese with the English below, whatever the language of the page.
 *
 * Pages are model handlers, forms are declared actions (action.h); a
 * refused form shows its page again with what was typed, never a password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/auth.h"
#include "mail/sender.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/outbox.h"
#include "store/user_admin.h"
#include "web/admin_list.h"
#include "web/invite.h"
#include "web/session.h"
#include "web/campaign_roles.h"

#define NAME_MAX_CHARS 64
#define RESET_MAX_PER_ACCOUNT 3 /* reset mails per address per throttle window */
#define RESET_MAX_PER_CLIENT 20 /* reset requests per client address per window */
#define OUTBOX_PAGE 100 /* messages on a page of the outbox */
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* ---------------------------------------------------------------- helpers */

/* tpl with each {key} of vars (key, value, ..., NULL) replaced; an arena string or NULL. */
static char *fill(struct req *r, const char *tpl, const char *const *vars)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 64u << 10);
    for (const char *p = tpl; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        int done = 0;
        for (size_t i = 0; end && vars[i] && !done; i += 2) {
            size_t k = strlen(vars[i]);
            if ((size_t)(end - p - 1) == k && strncmp(p + 1, vars[i], k) == 0) {
                buf_puts(&b, vars[i + 1]);
                p = end + 1;
                done = 1;
            }
        }
        if (!done)
            buf_putc(&b, *p++);
    }
    char *s = b.oom ? NULL : arena_strndup(&r->arena, b.p ? b.p : "", b.len);
    buf_release(&b);
    return s;
}

static const char *role_label(enum lang l, unsigned role)
{
    char key[48];
    snprintf(key, sizeof key, "users_role_%s", store_role_name(role));
    return i18n_get(l, key);
}

/* The message for a token of kind ("invite" or "reset"); 0, or -1 out of memory. */
static int compose(struct req *r, const char *kind, const char *name, unsigned role,
                   const char *token, const char **subject, const char **body)
{
    const char *link = arena_printf(&r->arena, "%s/%s/%s", web.base_url, kind, token);
    char skey[48], bkey[48];
    snprintf(skey, sizeof skey, "%s_mail_subject", kind);
    snprintf(bkey, sizeof bkey, "%s_mail_body", kind);
    const char *zh_vars[] = {"name", name, "role", role_label(LANG_ZH, role), "link", link, NULL};
    const char *en_vars[] = {"name", name, "role", role_label(LANG_EN, role), "link", link, NULL};
    const char *zh = fill(r, i18n_get(LANG_ZH, bkey), zh_vars);
    const char *en = fill(r, i18n_get(LANG_EN, bkey), en_vars);
    *subject = i18n_get(LANG_ZH, skey);
    *body = zh && en && link ? arena_printf(&r->arena, "%s\n\n%s\n", zh, en) : NULL;
    return *body ? 0 : -1;
}

int invite_mail(struct req *r, const char *name, unsigned role, const char *token,
                const char **subject, const char **body)
{
    return compose(r, "invite", name, role, token, subject, body);
}

/* ---------------------------------------------------------------- users and invitations */

/* What the invitation form shows: empty, or as typed when shown again after a refusal. */
struct invite_form {
    const char *email, *name, *role, *region, *unit_q;
    int64_t unit;
};

static struct invite_form typed_invitation(struct req *r)
{
    struct invite_form f = {NULL, NULL, NULL, NULL, NULL, 0};
    if (r->method != HTTP_POST)
        return f;
    const struct query *q = web_form(r);
    f.email = web_trimmed(r, query_get(q, "email"));
    f.name = web_trimmed(r, query_get(q, "name"));
    f.role = query_get(q, "role");
    f.region = query_get(q, "region");
    f.unit = web_path_id(query_get(q, "unit"));
    f.unit_q = web_trimmed(r, query_get(q, "unit_q"));
    return f;
}

#define UNIT_CHOICES_MAX 30

/*
 * The unit picker: the units (of region, when one is chosen) whose name
 * holds q.  Their count; the first one's id in *first; up to
 * UNIT_CHOICES_MAX of them appended to out ({id, name, selected}; a
 * unit's name is its full name, city and district included), when out is
 * not NULL.
 */
static size_t units_named(json_t *regions, const char *region, const char *q, int64_t selected,
                          int64_t *first, json_t *out)
{
    size_t i, j, n = 0;
    json_t *g, *u;
    *first = 0;
    json_array_foreach(regions, i, g)
    {
        const char *code = json_string_value(json_object_get(g, "code"));
        if (region && *region && (!code || strcmp(code, region) != 0))
            continue;
        json_array_foreach(json_object_get(g, "units"), j, u)
        {
            const char *name = json_string_value(json_object_get(u, "name"));
            if (!name || !strstr(name, q))
                continue;
            json_int_t id = json_integer_value(json_object_get(u, "id"));
            if (!n)
                *first = id;
            if (out && n < UNIT_CHOICES_MAX)
                json_array_append_new(out, json_pack("{s:I,s:s,s:b}", "id", id, "name", name,
                                                     "selected", selected == id));
            n++;
        }
    }
    return n;
}

/* Region code (a recommender's) or unit id (a submitter's) checked against the database. */
static int place_ok(json_t *regions, unsigned role, const char *region, int64_t unit)
{
    size_t i, j;
    json_t *g, *u;
    json_array_foreach(regions, i, g)
    {
        if (role == ROLE_RECOMMENDER && region &&
            strcmp(json_string_value(json_object_get(g, "code")), region) == 0)
            return 1;
        if (role != ROLE_SUBMITTER)
            continue;
        json_array_foreach(json_object_get(g, "units"), j, u)
        {
            if (json_integer_value(json_object_get(u, "id")) == unit)
                return 1;
        }
    }
    return role != ROLE_RECOMMENDER && role != ROLE_SUBMITTER;
}

/*
 * The page of users the list shows: those with the role ?role= (a role's
 * name) and matching the search box (name or e-mail), ADMIN_LIST_PER_PAGE
 * at a time; all is released.  NULL with *e set for a role that is none
 * (400) or a page beyond the last (404); else *pager and *role are set.
 */
static json_t *users_page(struct req *r, const struct web_input *in, json_t *all, json_t **pager,
                          const char **role, enum web_err *e)
{
    const char *choices[8];
    size_t n = 0;
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER && n < 7; bit <<= 1)
        choices[n++] = store_role_name(bit);
    choices[n] = NULL;
    *role = admin_list_choice(r, "role", choices);
    if (!*role) {
        json_decref(all);
        *e = WEB_BAD_PARAM;
        return NULL;
    }
    json_t *shown = json_array();
    int total = 0, from = admin_list_offset(in->page);
    size_t i;
    json_t *u;
    json_array_foreach(all, i, u)
    {
        const char *words[] = {json_string_value(json_object_get(u, "name")),
                               json_string_value(json_object_get(u, "email"))};
        const char *roles = json_string_value(json_object_get(u, "roles"));
        int has_role = !**role;
        char *copy = **role ? arena_strdup(&r->arena, roles ? roles : "") : NULL;
        char *save = NULL;
        for (char *t = copy ? strtok_r(copy, " ,", &save) : NULL; t && !has_role;
             t = strtok_r(NULL, " ,", &save))
            has_role = strcmp(t, *role) == 0;
        if (!has_role || !admin_list_match(in->q, 0, words, 2))
            continue;
        if (total >= from && total < from + ADMIN_LIST_PER_PAGE)
            json_array_append(shown, u);
        total++;
    }
    json_decref(all);
    struct admin_filter keep[] = {{"role", *role}};
    if (!(*pager = admin_list_pager(r, "/admin/users", keep, 1, in->page, total))) {
        json_decref(shown);
        *e = WEB_PAGE_RANGE;
        return NULL;
    }
    return shown;
}

/* The organiser's list of users (a page, by role and search) and the invitation form. */
enum web_err page_users(struct req *r, const struct web_input *in, struct page *p)
{
    struct invite_form f = typed_invitation(r);
    json_t *pager = NULL;
    const char *role_filter = NULL;
    enum web_err e = WEB_UNAVAILABLE;
    json_t *users = store_users(web.store);
    if (users && !(users = users_page(r, in, users, &pager, &role_filter, &e)))
        return e;
    json_t *regions = store_region_units(web.store);
    if (!users || !regions) {
        json_decref(users);
        json_decref(regions);
        json_decref(pager);
        return WEB_UNAVAILABLE;
    }
    json_t *disabled = store_users_disabled(web.store);
    if (!disabled)
        disabled = json_array();
    size_t i;
    json_t *u, *g;
    json_array_foreach(users, i, u)
    {
        struct buf b = BUF_INIT;
        buf_init(&b, 1024);
        const char *roles = json_string_value(json_object_get(u, "roles"));
        char *copy = arena_strdup(&r->arena, roles ? roles : "");
        char *save = NULL;
        for (char *t = copy ? strtok_r(copy, " ,", &save) : NULL; t;
             t = strtok_r(NULL, " ,", &save)) {
            if (b.len)
                buf_puts(&b, i18n_get(r->lang, "users_role_sep"));
            buf_puts(&b, role_label(r->lang, store_role_parse(t)));
        }
        json_object_set_new(u, "roles_label", json_string(b.p ? b.p : ""));
        buf_release(&b);
        int active = json_is_true(json_object_get(u, "active"));
        int off = 0;
        size_t k;
        json_t *d;
        json_array_foreach(disabled, k, d) off |= json_integer_value(d) ==
                                                  json_integer_value(json_object_get(u, "id"));
        json_object_set_new(u, "status",
                            json_string(i18n_get(r->lang, off      ? "users_disabled"
                                                          : active ? "users_active"
                                                                   : "users_pending")));
    }
    json_decref(disabled);
    /* The units the typed name found, to choose from; the form lists no unit otherwise. */
    json_t *choices = json_array();
    int64_t first;
    size_t found = f.unit_q && *f.unit_q
                       ? units_named(regions, f.region, f.unit_q, f.unit, &first, choices)
                       : 0;
    json_array_foreach(regions, i, g)
    {
        const char *code = json_string_value(json_object_get(g, "code"));
        json_object_set_new(g, "selected",
                            json_boolean(f.region && code && strcmp(f.region, code) == 0));
        json_object_del(g, "units");
    }
    json_t *roles = json_array();
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
        json_array_append_new(roles, json_pack("{s:s,s:s,s:b}", "value", store_role_name(bit),
                                               "label", role_label(r->lang, bit), "selected",
                                               f.role && store_role_parse(f.role) == bit));
    json_t *m = json_pack("{s:o,s:o,s:o,s:{s:s,s:s,s:s},s:b,s:o,s:b,s:b}", "users", users,
                          "regions", regions, "roles", roles, "form", "email",
                          f.email ? f.email : "", "name", f.name ? f.name : "", "unit_q",
                          f.unit_q ? f.unit_q : "", "mail_active", mail_active(), "unit_choices",
                          choices, "has_unit_choices", found > 1 || (found == 1 && f.unit),
                          "unit_more", found > UNIT_CHOICES_MAX);
    json_t *role_choices = json_array();
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
        json_array_append_new(role_choices,
                              json_pack("{s:s,s:s,s:b}", "value", store_role_name(bit), "label",
                                        role_label(r->lang, bit), "selected",
                                        !strcmp(role_filter, store_role_name(bit))));
    json_object_set_new(m, "role_choices", role_choices);
    json_object_set_new(m, "pager", pager);
    json_object_set_new(
        m, "filter", json_pack("{s:s,s:b}", "q", in->q ? in->q : "", "any", in->q || *role_filter));
    /* The notice names the address, so it is filled here rather than named by key. */
    const char *invited = r->method == HTTP_POST ? NULL : query_get(&r->query, "invited");
    if (invited && *invited) {
        const char *vars[] = {"email", invited, NULL};
        const char *notice = fill(r, i18n_get(r->lang, "users_invited"), vars);
        json_object_set_new(m, "notice", json_string(notice ? notice : ""));
    }
    campaign_roles_users_model(r, m);
    p->model = m;
    p->template = "invite_users";
    p->title = i18n_get(r->lang, "users_title");
    return WEB_OK;
}

/* An invitation on its way to the writer: everything in the request's arena. */
struct invite {
    const char *email, *name, *region;
    unsigned role;
    int64_t unit;
    int64_t campaign; /* a reviewer's or recommender's */
    const char *subject, *body;
    char token[AUTH_TOKEN_CHARS + 1];
};

/* The place the role needs exists, the address is free; then the token and the mail. */
static enum result invite_check(struct web_act *x)
{
    struct invite *iv = x->state;
    iv->email = web_text(x, "email");
    iv->name = web_text(x, "name");
    iv->role = store_role_parse(web_text(x, "role"));
    if (!mail_address_ok(iv->email))
        return web_refuse_field(x, "email", "users_bad_email");
    if (strpbrk(iv->name, "\r\n\t"))
        return web_refuse_field(x, "name", "users_bad_name");
    if (iv->role == ROLE_RECOMMENDER || iv->role == ROLE_SUBMITTER) {
        json_t *regions = store_region_units(web.store);
        if (!regions)
            return RC_ERROR;
        int rec = iv->role == ROLE_RECOMMENDER;
        iv->region = rec ? web_text(x, "region") : NULL;
        iv->unit = rec ? 0 : web_int(x, "unit");
        const char *q = rec || iv->unit ? NULL : web_text(x, "unit_q");
        size_t found = 0;
        if (q && *q && (found = units_named(regions, web_text(x, "region"), q, 0, &iv->unit,
                                            NULL)) > 1)
            iv->unit = 0; /* the page lists them to choose from */
        int ok = place_ok(regions, iv->role, iv->region, iv->unit);
        json_decref(regions);
        if (!ok)
            return web_refuse_field(x, rec ? "region" : "unit",
                                    rec            ? "users_bad_region"
                                    : found > 1    ? "users_unit_many"
                                    : q && *q      ? "users_unit_none"
                                                   : "users_bad_unit");
    }
    if (iv->role == ROLE_REVIEWER || iv->role == ROLE_RECOMMENDER) {
        iv->campaign = campaign_roles_field(x);
        if (!iv->campaign)
            return web_refuse_field(x, "campaign", "campaign_roles_bad_campaign");
    }
    struct store_user existing;
    if (store_user_by_email(web.store, iv->email, &existing) == RC_OK) {
        web_refuse_field(x, "email", "users_taken");
        return RC_EXISTS;
    }
    auth_token(iv->token);
    return compose(x->r, "invite", iv->name, iv->role, iv->token, &iv->subject, &iv->body) == 0
               ? RC_OK
               : RC_ERROR;
}

static int invite_write(struct store_tx *tx, void *arg)
{
    struct invite *iv = arg;
    char digest[AUTH_DIGEST_CHARS + 1];
    int64_t id = 0;
    auth_digest(iv->token, digest);
    if (tx_user_add(tx, iv->email, iv->name, NULL, &id) != RC_OK ||
        tx_user_role(tx, id, iv->role, iv->region, iv->unit, iv->campaign) != RC_OK ||
        tx_token_create(tx, digest, id, "invite") != RC_OK ||
        tx_outbox_add(tx, iv->email, iv->subject, iv->body) != RC_OK)
        return RC_ERROR;
    return RC_OK;
}

/* Wake the sender and go back to the list naming the address; or say it is taken (409). */
static enum result invite_done(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct invite *iv = x->state;
    explicit_bzero(iv->token, sizeof iv->token);
    if (rc != RC_OK) {
        struct store_user u;
        /* Most likely someone invited the same address a moment ago. */
        if (store_user_by_email(web.store, iv->email, &u) != RC_OK)
            return rc;
        web_refuse_field(x, "email", "users_taken");
        return RC_EXISTS;
    }
    mail_wake();
    struct buf b = BUF_INIT;
    buf_init(&b, 2048);
    buf_puts(&b, "/admin/users?invited=");
    buf_url(&b, iv->email, strlen(iv->email));
    x->next = b.oom ? "/admin/users" : arena_strdup(&x->r->arena, b.p);
    buf_release(&b);
    return RC_OK;
}

static const char *const role_names[] = {"organiser", "recommender", "submitter", "reviewer", NULL};

static const struct web_field invite_fields[] = {
    {"email", WEB_F_EMAIL, WEB_F_REQUIRED, 0, 0, NULL, "users_bad_email"},
    {"name", WEB_F_TEXT, WEB_F_REQUIRED, 0, NAME_MAX_CHARS, NULL, "users_bad_name"},
    {"role", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, role_names, "users_bad_role"},
    {"region", WEB_F_TEXT, 0, 0, 6, NULL, "users_bad_region"}, /* a recommender's */
    {"unit", WEB_F_INT, 0, 1, 1e15, NULL, "users_bad_unit"},   /* a submitter's */
    {"unit_q", WEB_F_TEXT, 0, 0, 64, NULL, "users_bad_unit"},  /* its name, to find it by */
    {"campaign", WEB_F_INT, 0, 1, 1e15, NULL, "campaign_roles_bad_campaign"},
    {NULL},
};

const struct web_action act_users_invite = {
    .fields = invite_fields,
    .state_size = sizeof(struct invite),
    .check = invite_check,
    .write = invite_write,
    .then = invite_done,
    .page = page_users,
};

/* ---------------------------------------------------------------- the links */

/* The user the link's token names, its digest in digest; 0, or -1 if none. */
static int link_user(struct req *r, const char *kind, struct store_user *u,
                     char digest[AUTH_DIGEST_CHARS + 1])
{
    const char *token = r->nparams > 0 ? r->params[0] : NULL;
    if (!token || strlen(token) != AUTH_TOKEN_CHARS || strspn(token, B64URL) != AUTH_TOKEN_CHARS)
        return -1;
    auth_digest(token, digest);
    return store_user_by_token(web.store, digest, kind, u) == RC_OK ? 0 : -1;
}

/* The set-password form behind a link; 404 "invalid or expired", whatever the reason. */
static enum web_err link_page(struct req *r, struct page *p, int reset)
{
    const char *kind = reset ? "reset" : "invite";
    struct store_user u;
    char digest[AUTH_DIGEST_CHARS + 1];
    if (link_user(r, kind, &u, digest) != 0) {
        p->error = "invite_invalid";
        return WEB_NOT_FOUND;
    }
    const char *vars[] = {"name", u.name, NULL};
    char key[48];
    snprintf(key, sizeof key, "%s_set_intro", kind);
    const char *intro = fill(r, i18n_get(r->lang, key), vars);
    snprintf(key, sizeof key, "%s_set_title", kind);
    const char *title = i18n_get(r->lang, key);
    p->model = json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", title, "intro", intro ? intro : "",
                         "email", u.email, "name", u.name, "action",
                         arena_printf(&r->arena, "/%s/%s", kind, r->params[0]));
    p->template = "invite_password";
    p->title = title;
    return WEB_OK;
}

enum web_err page_invite_link(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    return link_page(r, p, 0);
}

enum web_err page_reset_link(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    return link_page(r, p, 1);
}

/* A password being set from a link: hashed on the worker pool, then one write. */
struct accept {
    int64_t user_id;
    char digest[AUTH_DIGEST_CHARS + 1];      /* the link token's */
    char old_session[AUTH_DIGEST_CHARS + 1]; /* the request's own session, if any */
    char password[AUTH_MAX_PASSWORD + 1];
    char hash[AUTH_HASH_BYTES];
    char token[AUTH_TOKEN_CHARS + 1], csrf[AUTH_TOKEN_CHARS + 1];
};

static enum result link_load(struct web_act *x, const char *kind)
{
    struct accept *a = x->state;
    struct store_user u;
    if (link_user(x->r, kind, &u, a->digest) != 0) {
        x->error = "invite_invalid";
        return RC_NOTFOUND;
    }
    a->user_id = u.id;
    return RC_OK;
}

static enum result invite_link_load(struct web_act *x)
{
    return link_load(x, "invite");
}

static enum result reset_link_load(struct web_act *x)
{
    return link_load(x, "reset");
}

/* Both passwords typed, the same, long enough. */
static enum result accept_check(struct web_act *x)
{
    struct accept *a = x->state;
    const char *pw = web_text(x, "password"), *again = web_text(x, "password_again");
    if (!pw || !again)
        return web_refuse_field(x, pw ? "password_again" : "password", "login_missing");
    if (strcmp(pw, again) != 0)
        return web_refuse_field(x, "password_again", "password_mismatch");
    if (utf8_count(pw, strlen(pw)) < AUTH_MIN_PASSWORD)
        return web_refuse_field(x, "password", "password_short");
    snprintf(a->password, sizeof a->password, "%s", pw);
    struct web_state *ws = x->r->app;
    if (ws->session_digest)
        snprintf(a->old_session, sizeof a->old_session, "%s", ws->session_digest);
    return RC_OK;
}

static int accept_write(struct store_tx *tx, void *arg)
{
    struct accept *a = arg;
    int rc = tx_token_use(tx, a->digest);
    if (rc != RC_OK)
        return rc; /* used or expired in the meantime */
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(a->token, digest);
    if (tx_user_password(tx, a->user_id, a->hash) != RC_OK ||
        tx_sessions_end(tx, a->user_id) != RC_OK ||
        (a->old_session[0] && tx_session_delete(tx, a->old_session) != RC_OK))
        return RC_ERROR;
    return tx_session_create(tx, digest, a->user_id, a->csrf);
}

/* On the worker pool: the hash, then the write (RC_NOTFOUND: the link was used meanwhile). */
static enum result accept_work(void *state)
{
    struct accept *a = state;
    int hashed = auth_hash_password(a->password, a->hash) == 0;
    explicit_bzero(a->password, sizeof a->password);
    if (!hashed)
        return RC_ERROR;
    auth_token(a->token);
    auth_token(a->csrf);
    return (enum result)store_write_sync(web.store, accept_write, a);
}

static enum result accept_done(struct web_act *x, struct resp *w, enum result rc)
{
    struct accept *a = x->state;
    if (rc == RC_OK)
        web_session_cookie(x->r, w, a->token);
    explicit_bzero(a->token, sizeof a->token);
    if (rc == RC_NOTFOUND)
        x->error = "invite_invalid";
    return rc;
}

static const struct web_field accept_fields[] = {
    {"password", WEB_F_SECRET, 0, 0, AUTH_MAX_PASSWORD, NULL, "invite_password_long"},
    {"password_again", WEB_F_SECRET, 0, 0, AUTH_MAX_PASSWORD, NULL, "invite_password_long"},
    {NULL},
};

const struct web_action act_invite_accept = {
    .fields = accept_fields,
    .state_size = sizeof(struct accept),
    .load = invite_link_load,
    .check = accept_check,
    .work = accept_work,
    .then = accept_done,
    .next = "/me",
    .page = page_invite_link,
};

const struct web_action act_reset_accept = {
    .fields = accept_fields,
    .state_size = sizeof(struct accept),
    .load = reset_link_load,
    .check = accept_check,
    .work = accept_work,
    .then = accept_done,
    .next = "/me",
    .page = page_reset_link,
};

/* ---------------------------------------------------------------- reset requests */

/* The reset request form; the address typed when shown again. */
enum web_err page_reset_request(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const char *email =
        r->method == HTTP_POST ? web_trimmed(r, query_get(web_form(r), "email")) : NULL;
    p->model = json_pack("{s:s}", "email", email ? email : "");
    p->template = "invite_reset";
    p->title = i18n_get(r->lang, "reset_title");
    return WEB_OK;
}

/* The answer to every accepted request, whether or not the address is an account's. */
static enum web_err page_reset_sent(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    p->model = json_pack("{s:s}", "message", i18n_get(r->lang, "reset_sent"));
    p->template = "invite_reset_sent";
    p->title = i18n_get(r->lang, "reset_title");
    return WEB_OK;
}

/* A reset request: known or not, it goes through the writer, so both answers take as long. */
struct reset_request {
    int known;
    int64_t user_id;
    const char *to, *subject, *body;
    char token[AUTH_TOKEN_CHARS + 1];
};

/* The client's throttle (429), the address's (silent), then the account and its mail. */
static enum result reset_request_check(struct web_act *x)
{
    struct reset_request *rr = x->state;
    const char *email = web_text(x, "email"); /* lower-cased */
    if (!mail_address_ok(email))
        return web_refuse_field(x, "email", "reset_bad_email");
    char client_key[80], account_key[300];
    snprintf(client_key, sizeof client_key, "reset-ip:%s", x->r->ip);
    if (!auth_throttle_allows(client_key, RESET_MAX_PER_CLIENT)) {
        x->status = 429;
        x->error = "login_throttled";
        return RC_QUOTA;
    }
    auth_throttle_fail(client_key);
    snprintf(account_key, sizeof account_key, "reset:%s", email);
    /* Counted for every address alike: being throttled says nothing of the account. */
    int allowed = auth_throttle_allows(account_key, RESET_MAX_PER_ACCOUNT);
    auth_throttle_fail(account_key);
    struct store_user u;
    if (!allowed || store_user_by_email(web.store, email, &u) != RC_OK || u.disabled)
        return RC_OK;
    unsigned role = ROLE_ORGANISER;
    while (role <= ROLE_REVIEWER && !(u.roles & role))
        role <<= 1;
    auth_token(rr->token);
    rr->known = 1;
    rr->user_id = u.id;
    rr->to = arena_strdup(&x->r->arena, u.email);
    if (!rr->to || compose(x->r, "reset", u.name, role, rr->token, &rr->subject, &rr->body) != 0)
        return RC_ERROR;
    return RC_OK;
}

static int reset_request_write(struct store_tx *tx, void *arg)
{
    struct reset_request *rr = arg;
    if (!rr->known)
        return RC_OK;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(rr->token, digest);
    if (tx_token_create(tx, digest, rr->user_id, "reset") != RC_OK ||
        tx_outbox_add(tx, rr->to, rr->subject, rr->body) != RC_OK)
        return RC_ERROR;
    return RC_OK;
}

static enum result reset_request_done(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct reset_request *rr = x->state;
    explicit_bzero(rr->token, sizeof rr->token);
    if (rc == RC_OK && rr->known)
        mail_wake();
    return rc;
}

static const struct web_field reset_request_fields[] = {
    {"email", WEB_F_EMAIL, WEB_F_REQUIRED, 0, 0, NULL, "reset_bad_email"},
    {NULL},
};

const struct web_action act_reset_request = {
    .fields = reset_request_fields,
    .state_size = sizeof(struct reset_request),
    .check = reset_request_check,
    .write = reset_request_write,
    .then = reset_request_done,
    .page = page_reset_request,
    .done = page_reset_sent,
};

/* ---------------------------------------------------------------- the outbox */

enum web_err page_outbox(struct req *r, const struct web_input *in, struct page *p)
{
    static const char *const states[3] = {"sent", "pending", "failed"};
    const char *want = query_get(&r->query, "state");
    int state = OUTBOX_ALL;
    for (int k = 0; want && *want && k < 3; k++)
        if (strcmp(want, states[k]) == 0)
            state = k;
    if (want && *want && state == OUTBOX_ALL)
        return WEB_BAD_PARAM;
    int counts[3];
    if (store_outbox_counts(web.store, counts) != RC_OK)
        return WEB_UNAVAILABLE;
    int total = state == OUTBOX_ALL ? counts[0] + counts[1] + counts[2] : counts[state];
    int pages = total ? (total + OUTBOX_PAGE - 1) / OUTBOX_PAGE : 1;
    if (in->page > pages)
        return WEB_PAGE_RANGE;
    json_t *rows = store_outbox_page(web.store, (enum outbox_state)state,
                                     (in->page - 1) * OUTBOX_PAGE, OUTBOX_PAGE);
    if (!rows)
        return WEB_UNAVAILABLE;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int k = (int)json_integer_value(json_object_get(row, "state"));
        char key[32];
        snprintf(key, sizeof key, "outbox_status_%s", states[k]);
        json_object_set_new(row, "status", json_string(states[k]));
        json_object_set_new(row, "status_label", json_string(i18n_get(r->lang, key)));
        /*
         * With no sender running (the demo) a waiting message can only be delivered by
         * hand, so its text is shown (a voter's code among them); otherwise never.
         */
        if (mail_active() || strcmp(states[k], "pending") != 0)
            json_object_del(row, "body");
    }
    const char *filter = state == OUTBOX_ALL ? "" : arena_printf(&r->arena, "state=%s&",
                                                                 states[state]);
    json_t *tabs = json_array();
    for (int k = -1; k < 3; k++) {
        char key[32];
        snprintf(key, sizeof key, "outbox_status_%s", k < 0 ? "all" : states[k]);
        json_array_append_new(
            tabs, json_pack("{s:s,s:i,s:o,s:b}", "label", i18n_get(r->lang, key), "count",
                            k < 0 ? counts[0] + counts[1] + counts[2] : counts[k], "url",
                            k < 0 ? json_string("/admin/outbox")
                                  : json_sprintf("/admin/outbox?state=%s", states[k]),
                            "current", k == state));
    }
    p->model = json_pack("{s:b,s:o,s:i,s:i,s:i,s:b,s:i,s:o,s:i,s:i,s:i}", "has_items",
                         json_array_size(rows) > 0, "items", rows, "sent", counts[0], "pending",
                         counts[1], "failed", counts[2], "mail_active", mail_active(),
                         "max_attempts", OUTBOX_MAX_ATTEMPTS, "tabs", tabs, "page", in->page,
                         "pages", pages, "total", total);
    if (in->page > 1)
        json_object_set_new(p->model, "prev_url",
                            json_sprintf("/admin/outbox?%spage=%d", filter, in->page - 1));
    if (in->page < pages)
        json_object_set_new(p->model, "next_url",
                            json_sprintf("/admin/outbox?%spage=%d", filter, in->page + 1));
    p->template = "invite_outbox";
    p->title = i18n_get(r->lang, "outbox_title");
    return WEB_OK;
}
