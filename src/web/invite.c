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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/auth.h"
#include "http/cookie.h"
#include "mail/sender.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/outbox.h"
#include "web/invite.h"

#define SESSION_COOKIE "laurel_session" /* the name session.c reads */
#define NAME_MAX_CHARS 64
#define RESET_MAX_PER_ACCOUNT 3 /* reset mails per address per throttle window */
#define RESET_MAX_PER_CLIENT 20 /* reset requests per client address per window */
#define OUTBOX_PAGE 200
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* ---------------------------------------------------------------- helpers */

/* s without leading and trailing spaces (an arena copy), or NULL for NULL. */
static const char *trimmed(struct req *r, const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return arena_strndup(&r->arena, s, n);
}

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

/* "2024-05-01T10:00:00Z" as "2024-05-01 10:00 UTC"; "" for "" or null. */
static json_t *when(struct req *r, json_t *iso)
{
    const char *s = json_string_value(iso);
    if (!s || strlen(s) < 16)
        return json_string("");
    return json_string(arena_printf(&r->arena, "%.10s %.5s UTC", s, s + 11));
}

static void set_session_cookie(struct req *r, struct resp *w, const char *token)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 1024);
    cookie_set(&b, SESSION_COOKIE, token, "/", SESSION_TTL_S, r->tls);
    if (!b.oom && b.p)
        resp_header(w, "Set-Cookie", arena_strdup(&r->arena, b.p));
    buf_release(&b);
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

/* ---------------------------------------------------------------- users and invitations */

struct invite_form {
    const char *email, *name, *role, *region;
    int64_t unit;
};

/* Region code and unit id checked against the database: 1 if the place exists. */
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

static void users_page(struct req *r, struct resp *w, int status, const char *error,
                       const struct invite_form *f)
{
    json_t *users = store_users(web.store);
    json_t *regions = store_region_units(web.store);
    if (!users || !regions) {
        json_decref(users);
        json_decref(regions);
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    size_t i, j;
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
        json_object_set_new(
            u, "status", json_string(i18n_get(r->lang, active ? "users_active" : "users_pending")));
    }
    json_array_foreach(regions, i, g)
    {
        const char *code = json_string_value(json_object_get(g, "code"));
        json_object_set_new(g, "selected",
                            json_boolean(f && f->region && code && strcmp(f->region, code) == 0));
        json_array_foreach(json_object_get(g, "units"), j, u)
        {
            int64_t id = json_integer_value(json_object_get(u, "id"));
            json_object_set_new(u, "selected", json_boolean(f && f->unit && id == f->unit));
        }
    }
    json_t *roles = json_array();
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
        json_array_append_new(roles, json_pack("{s:s,s:s,s:b}", "value", store_role_name(bit),
                                               "label", role_label(r->lang, bit), "selected",
                                               f && f->role && store_role_parse(f->role) == bit));
    json_t *m = json_pack("{s:o,s:o,s:o,s:{s:s,s:s},s:b}", "users", users, "regions", regions,
                          "roles", roles, "form", "email", f && f->email ? f->email : "", "name",
                          f && f->name ? f->name : "", "mail_active", mail_active());
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    const char *invited = query_get(&r->query, "invited");
    if (!error && invited && *invited) {
        const char *vars[] = {"email", invited, NULL};
        const char *notice = fill(r, i18n_get(r->lang, "users_invited"), vars);
        json_object_set_new(m, "notice", json_string(notice ? notice : ""));
    }
    web_render(r, w, status, "invite_users", i18n_get(r->lang, "users_title"), m);
}

void raw_users(struct req *r, struct resp *w)
{
    users_page(r, w, 200, NULL, NULL);
}

/* An invitation on its way to the writer: everything in the request's arena. */
struct invite {
    const char *email, *name, *region;
    unsigned role;
    int64_t unit;
    const char *subject, *body;
    char token[AUTH_TOKEN_CHARS + 1];
    struct invite_form form;
};

static int invite_write(struct store_tx *tx, void *arg)
{
    struct invite *iv = arg;
    char digest[AUTH_DIGEST_CHARS + 1];
    int64_t id = 0;
    auth_digest(iv->token, digest);
    if (tx_user_add(tx, iv->email, iv->name, NULL, &id) != RC_OK ||
        tx_user_role(tx, id, iv->role, iv->region, iv->unit) != RC_OK ||
        tx_token_create(tx, digest, id, "invite") != RC_OK ||
        tx_outbox_add(tx, iv->email, iv->subject, iv->body) != RC_OK)
        return RC_ERROR;
    return RC_OK;
}

static void invite_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct invite *iv = arg;
    explicit_bzero(iv->token, sizeof iv->token);
    if (rc != RC_OK) {
        struct store_user u;
        /* Most likely someone invited the same address a moment ago. */
        if (store_user_by_email(web.store, iv->email, &u) == RC_OK)
            users_page(r, w, 409, "users_taken", &iv->form);
        else
            web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    mail_wake();
    struct buf b = BUF_INIT;
    buf_init(&b, 2048);
    buf_puts(&b, "/admin/users?invited=");
    buf_url(&b, iv->email, strlen(iv->email));
    web_redirect(r, w, b.oom ? "/admin/users" : arena_strdup(&r->arena, b.p));
    buf_release(&b);
}

void raw_users_invite(struct req *r, struct resp *w)
{
    const struct query *q = web_form(r);
    struct invite_form f = {trimmed(r, query_get(q, "email")), trimmed(r, query_get(q, "name")),
                            query_get(q, "role"), query_get(q, "region"), 0};
    const char *unit = query_get(q, "unit");
    if (unit && *unit && strlen(unit) < 16 && strspn(unit, "0123456789") == strlen(unit))
        f.unit = strtoll(unit, NULL, 10);
    unsigned role = store_role_parse(f.role);
    const char *error = NULL;
    int status = 422;
    json_t *regions = NULL;
    if (!f.email || !mail_address_ok(f.email))
        error = "users_bad_email";
    else if (!f.name || !*f.name || utf8_count(f.name, strlen(f.name)) > NAME_MAX_CHARS ||
             strpbrk(f.name, "\r\n\t"))
        error = "users_bad_name";
    else if (!role)
        error = "users_bad_role";
    else if ((role == ROLE_RECOMMENDER || role == ROLE_SUBMITTER) &&
             !(regions = store_region_units(web.store)))
        error = "err_unavailable", status = 503;
    else if (role == ROLE_RECOMMENDER && !place_ok(regions, role, f.region, 0))
        error = "users_bad_region";
    else if (role == ROLE_SUBMITTER && !place_ok(regions, role, NULL, f.unit))
        error = "users_bad_unit";
    json_decref(regions);
    struct store_user existing;
    if (!error && store_user_by_email(web.store, f.email, &existing) == RC_OK)
        error = "users_taken", status = 409;
    if (error) {
        users_page(r, w, status, error, &f);
        return;
    }
    struct invite *iv = arena_alloc(&r->arena, sizeof *iv);
    if (!iv) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(iv, 0, sizeof *iv);
    iv->email = f.email;
    iv->name = f.name;
    iv->role = role;
    iv->region = role == ROLE_RECOMMENDER ? f.region : NULL;
    iv->unit = role == ROLE_SUBMITTER ? f.unit : 0;
    iv->form = f;
    auth_token(iv->token);
    if (compose(r, "invite", iv->name, role, iv->token, &iv->subject, &iv->body) != 0) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    web_write(r, w, invite_write, iv, invite_then);
}

/* ---------------------------------------------------------------- the links */

/* The "link invalid or expired" page: 404, whatever the reason. */
static void invalid_link(struct req *r, struct resp *w)
{
    const char *msg = i18n_get(r->lang, "invite_invalid");
    web_render(r, w, 404, "error", msg, json_pack("{s:i,s:s}", "status", 404, "message", msg));
    resp_header(w, "Referrer-Policy", "no-referrer");
}

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

static void set_password_page(struct req *r, struct resp *w, int reset, int status,
                              const struct store_user *u, const char *error)
{
    const char *kind = reset ? "reset" : "invite";
    const char *vars[] = {"name", u->name, NULL};
    char key[48];
    snprintf(key, sizeof key, "%s_set_intro", kind);
    const char *intro = fill(r, i18n_get(r->lang, key), vars);
    snprintf(key, sizeof key, "%s_set_title", kind);
    const char *title = i18n_get(r->lang, key);
    json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", title, "intro", intro ? intro : "",
                          "email", u->email, "name", u->name, "action",
                          arena_printf(&r->arena, "/%s/%s", kind, r->params[0]));
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    web_render(r, w, status, "invite_password", title, m);
    resp_header(w, "Referrer-Policy", "no-referrer");
}

static void link_form(struct req *r, struct resp *w, int reset)
{
    struct store_user u;
    char digest[AUTH_DIGEST_CHARS + 1];
    if (link_user(r, reset ? "reset" : "invite", &u, digest) != 0) {
        invalid_link(r, w);
        return;
    }
    set_password_page(r, w, reset, 200, &u, NULL);
}

void raw_invite_form(struct req *r, struct resp *w)
{
    link_form(r, w, 0);
}

void raw_reset_form(struct req *r, struct resp *w)
{
    link_form(r, w, 1);
}

/* A password being set from a link: hashed on the worker pool, then one write. */
struct accept {
    int64_t user_id;
    char digest[AUTH_DIGEST_CHARS + 1];      /* the link token's */
    char old_session[AUTH_DIGEST_CHARS + 1]; /* the request's own session, if any */
    char password[AUTH_MAX_PASSWORD + 1];
    char hash[AUTH_HASH_BYTES];
    char token[AUTH_TOKEN_CHARS + 1], csrf[AUTH_TOKEN_CHARS + 1];
    int rc;
};

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

static void accept_run(void *arg)
{
    struct accept *a = arg;
    a->rc = auth_hash_password(a->password, a->hash) == 0 ? RC_OK : RC_ERROR;
    explicit_bzero(a->password, sizeof a->password);
    if (a->rc != RC_OK)
        return;
    auth_token(a->token);
    auth_token(a->csrf);
    a->rc = store_write_sync(web.store, accept_write, a);
}

static void accept_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct accept *a = arg;
    if (rc == RC_OK && a->rc == RC_NOTFOUND) {
        invalid_link(r, w);
    } else if (rc != RC_OK || a->rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
    } else {
        set_session_cookie(r, w, a->token);
        web_redirect(r, w, "/me");
        resp_header(w, "Referrer-Policy", "no-referrer");
    }
    explicit_bzero(a->token, sizeof a->token);
}

static void link_accept(struct req *r, struct resp *w, int reset)
{
    struct store_user u;
    struct accept *a = arena_alloc(&r->arena, sizeof *a);
    if (!a) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(a, 0, sizeof *a);
    if (link_user(r, reset ? "reset" : "invite", &u, a->digest) != 0) {
        invalid_link(r, w);
        return;
    }
    const struct query *f = web_form(r);
    const char *pw = query_get(f, "password");
    const char *again = query_get(f, "password_again");
    const char *error = NULL;
    if (!pw || !*pw || !again)
        error = "login_missing";
    else if (strlen(pw) > AUTH_MAX_PASSWORD)
        error = "invite_password_long";
    else if (strcmp(pw, again) != 0)
        error = "password_mismatch";
    else if (utf8_count(pw, strlen(pw)) < AUTH_MIN_PASSWORD)
        error = "password_short";
    if (error) {
        set_password_page(r, w, reset, 422, &u, error);
        return;
    }
    a->user_id = u.id;
    snprintf(a->password, sizeof a->password, "%s", pw);
    struct web_state *ws = r->app;
    if (ws->session_digest)
        snprintf(a->old_session, sizeof a->old_session, "%s", ws->session_digest);
    web_work(r, w, accept_run, a, accept_then);
}

void raw_invite_accept(struct req *r, struct resp *w)
{
    link_accept(r, w, 0);
}

void raw_reset_accept(struct req *r, struct resp *w)
{
    link_accept(r, w, 1);
}

/* ---------------------------------------------------------------- reset requests */

static void reset_request_page(struct req *r, struct resp *w, int status, const char *error,
                               const char *email)
{
    json_t *m = json_pack("{s:s}", "email", email ? email : "");
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    web_render(r, w, status, "invite_reset", i18n_get(r->lang, "reset_title"), m);
}

void raw_reset_request_form(struct req *r, struct resp *w)
{
    reset_request_page(r, w, 200, NULL, NULL);
}

/* A reset request: known or not, it goes through the writer, so both answers take as long. */
struct reset_request {
    int known;
    int64_t user_id;
    const char *to, *subject, *body;
    char token[AUTH_TOKEN_CHARS + 1];
};

static int reset_request_write(struct store_tx *tx, void *arg)
{
    struct reset_request *x = arg;
    if (!x->known)
        return RC_OK;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(x->token, digest);
    if (tx_token_create(tx, digest, x->user_id, "reset") != RC_OK ||
        tx_outbox_add(tx, x->to, x->subject, x->body) != RC_OK)
        return RC_ERROR;
    return RC_OK;
}

static void reset_request_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct reset_request *x = arg;
    explicit_bzero(x->token, sizeof x->token);
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    if (x->known)
        mail_wake();
    const char *msg = i18n_get(r->lang, "reset_sent");
    web_render(r, w, 200, "invite_reset_sent", i18n_get(r->lang, "reset_title"),
               json_pack("{s:s}", "message", msg));
}

void raw_reset_request(struct req *r, struct resp *w)
{
    const char *email = trimmed(r, query_get(web_form(r), "email"));
    if (!email || !mail_address_ok(email)) {
        reset_request_page(r, w, 422, "reset_bad_email", email);
        return;
    }
    char client_key[80], account_key[300];
    snprintf(client_key, sizeof client_key, "reset-ip:%s", r->ip);
    if (!auth_throttle_allows(client_key, RESET_MAX_PER_CLIENT)) {
        reset_request_page(r, w, 429, "login_throttled", email);
        return;
    }
    auth_throttle_fail(client_key);
    snprintf(account_key, sizeof account_key, "reset:%s", email);
    for (char *p = account_key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    /* Counted for every address alike: being throttled says nothing of the account. */
    int allowed = auth_throttle_allows(account_key, RESET_MAX_PER_ACCOUNT);
    auth_throttle_fail(account_key);
    struct reset_request *x = arena_alloc(&r->arena, sizeof *x);
    if (!x) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(x, 0, sizeof *x);
    struct store_user u;
    if (allowed && store_user_by_email(web.store, email, &u) == RC_OK && !u.disabled) {
        unsigned role = ROLE_ORGANISER;
        while (role <= ROLE_REVIEWER && !(u.roles & role))
            role <<= 1;
        auth_token(x->token);
        x->known = 1;
        x->user_id = u.id;
        x->to = arena_strdup(&r->arena, u.email);
        if (!x->to || compose(r, "reset", u.name, role, x->token, &x->subject, &x->body) != 0) {
            web_error(r, w, WEB_INTERNAL);
            return;
        }
    }
    web_write(r, w, reset_request_write, x, reset_request_then);
}

/* ---------------------------------------------------------------- the outbox */

void raw_outbox(struct req *r, struct resp *w)
{
    json_t *rows = store_outbox(web.store, OUTBOX_PAGE);
    if (!rows) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    int counts[3] = {0, 0, 0};
    static const char *const states[3] = {"sent", "pending", "failed"};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *sent = json_string_value(json_object_get(row, "sent_at"));
        int attempts = (int)json_integer_value(json_object_get(row, "attempts"));
        int k = sent && *sent ? 0 : attempts >= OUTBOX_MAX_ATTEMPTS ? 2 : 1;
        counts[k]++;
        char key[32];
        snprintf(key, sizeof key, "outbox_status_%s", states[k]);
        json_object_set_new(row, "status", json_string(states[k]));
        json_object_set_new(row, "status_label", json_string(i18n_get(r->lang, key)));
        json_object_set_new(row, "created", when(r, json_object_get(row, "created_at")));
        json_object_set_new(row, "sent", when(r, json_object_get(row, "sent_at")));
    }
    json_t *m =
        json_pack("{s:b,s:o,s:i,s:i,s:i,s:b,s:i}", "has_items", json_array_size(rows) > 0, "items",
                  rows, "sent", counts[0], "pending", counts[1], "failed", counts[2], "mail_active",
                  mail_active(), "max_attempts", OUTBOX_MAX_ATTEMPTS);
    web_render(r, w, 200, "invite_outbox", i18n_get(r->lang, "outbox_title"), m);
}
