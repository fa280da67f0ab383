/*
 * session.c — who is asking, and the pages that change it: sign in, sign
 * out, change password.
 *
 * A session is a random 256-bit token in the HttpOnly, SameSite=Lax cookie
 * laurel_session (Secure behind TLS); the database keeps its SHA-256 and
 * the session's CSRF token.  Forms of signed-in users carry that CSRF
 * token; forms before sign-in carry the value of a random laurel_csrf
 * cookie (double submit).  Signing in verifies the argon2id hash on the
 * worker pool, never on a serving thread, then creates a new session (the
 * token rotates at every sign-in) and ends the old one.  The message never
 * says whether the account exists.  The pages are model handlers and the
 * forms declared actions (action.h): what they take is in their field
 * tables, the argon2id work is each action's `work`.
 *
 * Throttling slows guessing down without letting anyone lock an account
 * (OWASP): failures count per account and address together (5 per window),
 * per address (20, however many accounts it tries) and per account.  An
 * account's own count only stops addresses that have already failed on it:
 * the right password from an address with no failures always gets through,
 * so five wrong passwords from elsewhere cannot shut the organiser out.
 * Every failure is logged and kept in a small ring (login_failures) that
 * the organiser can read.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "domain/auth.h"
#include "http/cookie.h"
#include "store/accounts.h"
#include "web/session.h"

#define SESSION_COOKIE "laurel_session"
#define CSRF_COOKIE "laurel_csrf"

void web_session_load(struct req *r)
{
    struct web_state *ws = r->app;
    ws->anon_csrf = cookie_get(&r->arena, r->cookie, CSRF_COOKIE);
    const char *token = cookie_get(&r->arena, r->cookie, SESSION_COOKIE);
    if (!token || strlen(token) != AUTH_TOKEN_CHARS)
        return;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(token, digest);
    struct store_user *u = arena_alloc(&r->arena, sizeof *u);
    if (u && store_user_by_session(web.store, digest, u) == RC_OK) {
        ws->user = u;
        ws->session_digest = arena_strdup(&r->arena, digest);
    }
}

const struct store_user *web_user(struct req *r)
{
    struct web_state *ws = r->app;
    return ws ? ws->user : NULL;
}

static void set_cookie(struct req *r, struct resp *w, const char *name, const char *value,
                       long max_age)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 1024);
    cookie_set(&b, name, value, "/", max_age, r->tls);
    if (!b.oom && b.p)
        resp_header(w, "Set-Cookie", arena_strdup(&r->arena, b.p));
    buf_release(&b);
}

void web_session_cookie(struct req *r, struct resp *w, const char *token)
{
    set_cookie(r, w, SESSION_COOKIE, token, *token ? SESSION_TTL_S : 0);
}

const char *web_csrf_token(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    if (ws->user)
        return ws->user->csrf;
    if (!ws->anon_csrf || strlen(ws->anon_csrf) != AUTH_TOKEN_CHARS) {
        char *t = arena_alloc(&r->arena, AUTH_TOKEN_CHARS + 1);
        if (!t)
            return "";
        auth_token(t);
        ws->anon_csrf = t;
        set_cookie(r, w, CSRF_COOKIE, t, -1);
    }
    return ws->anon_csrf;
}

int web_csrf_ok(struct req *r, const char *token)
{
    struct web_state *ws = r->app;
    if (!token || !*token)
        return 0;
    const char *want = ws->user ? ws->user->csrf : ws->anon_csrf;
    return want && *want && auth_equal(want, token);
}

/* The sign-in form; shown again after a refusal with the e-mail and next typed. */
enum web_err page_login(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int again = r->method == HTTP_POST;
    if (web_user(r) && !again) {
        p->redirect = "/me";
        return WEB_OK;
    }
    const struct query *q = again ? web_form(r) : &r->query;
    const char *email = again ? web_trimmed(r, query_get(q, "email")) : NULL;
    p->model = json_pack("{s:s,s:s}", "email", email ? email : "", "next",
                         web_safe_next(query_get(q, "next")));
    p->template = "login";
    p->title = i18n_get(r->lang, "login_title");
    return WEB_OK;
}

/* A sign-in in progress: filled on the server thread, checked on the worker pool. */
struct login {
    struct store_user user;
    int known;
    char password[AUTH_MAX_PASSWORD + 1];
    char old_digest[AUTH_DIGEST_CHARS + 1];
    char token[AUTH_TOKEN_CHARS + 1];
    char csrf[AUTH_TOKEN_CHARS + 1];
    const char *email;
    char account_key[300], pair_key[360], address_key[64];
};

/* The last failed sign-ins, for the organiser: a ring under a lock. */
#define FAILURE_RING 50
static struct {
    time_t at;
    char email[64];
    char ip[48];
} failures[FAILURE_RING];
static size_t failures_next;
static unsigned long long failures_total;
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;

/* Copy s into dst[n] with control characters (and quotes) made visible as '?'. */
static void printable(char *dst, size_t n, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < n; s++, i++)
        dst[i] = (unsigned char)*s < 32 || *s == 127 || *s == '"' ? '?' : *s;
    dst[i] = 0;
}

static void note_failure(const char *email, const char *ip)
{
    pthread_mutex_lock(&failures_lock);
    size_t k = failures_next++ % FAILURE_RING;
    failures[k].at = time(NULL);
    printable(failures[k].email, sizeof failures[k].email, email);
    printable(failures[k].ip, sizeof failures[k].ip, ip);
    failures_total++;
    unsigned long long total = failures_total;
    pthread_mutex_unlock(&failures_lock);
    char e[64], a[48];
    printable(e, sizeof e, email);
    printable(a, sizeof a, ip);
    log_info("login: failed sign-in for \"%s\" from %s (%llu failures since start)", e, a, total);
}

/* The ring as a model: {total, has_items, items:[{at, email, ip}]}, newest first. */
static json_t *login_failures(void)
{
    json_t *items = json_array();
    pthread_mutex_lock(&failures_lock);
    size_t n = failures_next < FAILURE_RING ? failures_next : FAILURE_RING;
    for (size_t i = 0; i < n; i++) {
        size_t k = (failures_next - 1 - i) % FAILURE_RING;
        char when[32];
        struct tm tm;
        gmtime_r(&failures[k].at, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "at", when, "email",
                                               failures[k].email, "ip", failures[k].ip));
    }
    json_t *o = json_pack("{s:I,s:b,s:o}", "total", (json_int_t)failures_total, "has_items",
                          n > 0, "items", items);
    pthread_mutex_unlock(&failures_lock);
    return o;
}

enum web_err page_login_failures(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    p->model = login_failures();
    p->template = "login_failures";
    p->title = i18n_get(r->lang, "logins_title");
    return WEB_OK;
}

/* Too many failures from this address, on this account or at all: 429, before any hashing. */
static enum result login_check(struct web_act *x)
{
    struct login *l = x->state;
    l->email = web_text(x, "email");
    snprintf(l->account_key, sizeof l->account_key, "a:%.150s", l->email);
    for (char *p = l->account_key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(l->address_key, sizeof l->address_key, "ip:%s", x->r->ip);
    /* The throttle keeps keys of up to 159 bytes: the address first, then the account. */
    snprintf(l->pair_key, sizeof l->pair_key, "p:%s|%.100s", x->r->ip, l->account_key + 2);
    /* An address that never failed on this account is not stopped by the account's count. */
    int clean_pair = auth_throttle_allows(l->pair_key, 1);
    if (!auth_throttle_allows(l->pair_key, AUTH_MAX_FAILS_ACCOUNT) ||
        !auth_throttle_allows(l->address_key, AUTH_MAX_FAILS_ADDRESS) ||
        (!clean_pair && !auth_throttle_allows(l->account_key, AUTH_MAX_FAILS_ACCOUNT))) {
        x->status = 429;
        x->error = "login_throttled";
        return RC_QUOTA;
    }
    l->known = store_user_by_email(web.store, l->email, &l->user) == RC_OK;
    snprintf(l->password, sizeof l->password, "%s", web_text(x, "password"));
    struct web_state *ws = x->r->app;
    if (ws->session_digest)
        snprintf(l->old_digest, sizeof l->old_digest, "%s", ws->session_digest);
    return RC_OK;
}

static int login_write(struct store_tx *tx, void *arg)
{
    struct login *l = arg;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(l->token, digest);
    if (l->old_digest[0] && tx_session_delete(tx, l->old_digest) != RC_OK)
        return RC_ERROR;
    return tx_session_create(tx, digest, l->user.id, l->csrf);
}

/*
 * On the worker pool: the slow hash (of a dummy for an unknown account, so
 * both take as long), then the new session's commit.  RC_INVALID: refused.
 */
static enum result login_work(void *state)
{
    struct login *l = state;
    int ok = auth_verify_password(l->known ? l->user.password_hash : NULL, l->password) &&
             !l->user.disabled;
    explicit_bzero(l->password, sizeof l->password);
    if (!ok)
        return RC_INVALID;
    auth_token(l->token);
    auth_token(l->csrf);
    return store_write_sync(web.store, login_write, l) == RC_OK ? RC_OK : RC_ERROR;
}

/* Count a failure (401 and the form again), or set the cookie and go to next or /me. */
static enum result login_done(struct web_act *x, struct resp *w, enum result rc)
{
    struct login *l = x->state;
    if (rc == RC_INVALID) {
        auth_throttle_fail(l->pair_key);
        auth_throttle_fail(l->account_key);
        auth_throttle_fail(l->address_key);
        note_failure(l->email, x->r->ip);
        x->status = 401;
        x->error = "login_failed";
        return rc;
    }
    if (rc != RC_OK)
        return rc;
    auth_throttle_clear(l->pair_key);
    auth_throttle_clear(l->account_key);
    web_session_cookie(x->r, w, l->token);
    explicit_bzero(l->token, sizeof l->token);
    const char *next = web_text(x, "next");
    x->next = next && strcmp(next, "/") != 0 ? next : "/me";
    return RC_OK;
}

static const struct web_field login_fields[] = {
    /* Any text: an account added from the command line may have any address. */
    {"email", WEB_F_TEXT, WEB_F_REQUIRED, 0, 254, NULL, "login_missing"},
    {"password", WEB_F_SECRET, WEB_F_REQUIRED, 0, AUTH_MAX_PASSWORD, NULL, "login_missing"},
    {"next", WEB_F_NEXT, 0, 0, 0, NULL, NULL},
    {NULL},
};

const struct web_action act_login = {
    .fields = login_fields,
    .state_size = sizeof(struct login),
    .check = login_check,
    .work = login_work,
    .then = login_done,
    .page = page_login,
};

/* A sign-out: the digest of the session to end. */
struct logout {
    const char *digest;
};

/* The session to end is the request's own (the route needs one). */
static enum result logout_load(struct web_act *x)
{
    struct logout *o = x->state;
    struct web_state *ws = x->r->app;
    o->digest = ws->session_digest;
    return o->digest ? RC_OK : RC_NOTFOUND;
}

static int logout_write(struct store_tx *tx, void *arg)
{
    struct logout *o = arg;
    return tx_session_delete(tx, o->digest);
}

static enum result logout_done(struct web_act *x, struct resp *w, enum result rc)
{
    if (rc == RC_OK)
        web_session_cookie(x->r, w, "");
    return rc;
}

const struct web_action act_logout = {
    .state_size = sizeof(struct logout),
    .load = logout_load,
    .write = logout_write,
    .then = logout_done,
    .next = "/",
};

/* The password form (it never shows a password again, whatever was typed). */
enum web_err page_password(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    p->model = json_pack("{s:i}", "min_length", AUTH_MIN_PASSWORD);
    p->template = "password";
    p->title = i18n_get(r->lang, "password_title");
    return WEB_OK;
}

/* A password change: verify the old one, hash the new one, end every session, start a new one. */
struct password_change {
    struct store_user user;
    char old_pw[AUTH_MAX_PASSWORD + 1], new_pw[AUTH_MAX_PASSWORD + 1];
    char hash[AUTH_HASH_BYTES];
    char token[AUTH_TOKEN_CHARS + 1], csrf[AUTH_TOKEN_CHARS + 1];
};

static enum result password_check(struct web_act *x)
{
    struct password_change *p = x->state;
    const char *new_pw = web_text(x, "new_password");
    if (strcmp(new_pw, web_text(x, "new_password_again")) != 0)
        return web_refuse_field(x, "new_password_again", "password_mismatch");
    if (strlen(new_pw) < AUTH_MIN_PASSWORD)
        return web_refuse_field(x, "new_password", "password_short");
    p->user = *web_user(x->r);
    snprintf(p->old_pw, sizeof p->old_pw, "%s", web_text(x, "old_password"));
    snprintf(p->new_pw, sizeof p->new_pw, "%s", new_pw);
    return RC_OK;
}

static int password_write(struct store_tx *tx, void *arg)
{
    struct password_change *p = arg;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(p->token, digest);
    if (tx_user_password(tx, p->user.id, p->hash) != RC_OK ||
        tx_sessions_end(tx, p->user.id) != RC_OK)
        return RC_ERROR;
    return tx_session_create(tx, digest, p->user.id, p->csrf);
}

/* On the worker pool; RC_INVALID when the current password is not the account's. */
static enum result password_work(void *state)
{
    struct password_change *p = state;
    struct store_user fresh;
    int right = store_user_by_email(web.store, p->user.email, &fresh) == RC_OK &&
                auth_verify_password(fresh.password_hash, p->old_pw);
    int hashed = right && auth_hash_password(p->new_pw, p->hash) == 0;
    explicit_bzero(p->old_pw, sizeof p->old_pw);
    explicit_bzero(p->new_pw, sizeof p->new_pw);
    if (!right)
        return RC_INVALID;
    if (!hashed)
        return RC_ERROR;
    auth_token(p->token);
    auth_token(p->csrf);
    return store_write_sync(web.store, password_write, p) == RC_OK ? RC_OK : RC_ERROR;
}

static enum result password_done(struct web_act *x, struct resp *w, enum result rc)
{
    struct password_change *p = x->state;
    if (rc == RC_INVALID)
        return web_refuse_field(x, "old_password", "password_wrong");
    if (rc == RC_OK)
        web_session_cookie(x->r, w, p->token);
    explicit_bzero(p->token, sizeof p->token);
    return rc;
}

static const struct web_field password_fields[] = {
    {"old_password", WEB_F_SECRET, WEB_F_REQUIRED, 0, AUTH_MAX_PASSWORD, NULL, "login_missing"},
    {"new_password", WEB_F_SECRET, WEB_F_REQUIRED, 0, AUTH_MAX_PASSWORD, NULL, "login_missing"},
    {"new_password_again", WEB_F_SECRET, WEB_F_REQUIRED, 0, AUTH_MAX_PASSWORD, NULL,
     "login_missing"},
    {NULL},
};

const struct web_action act_password = {
    .fields = password_fields,
    .state_size = sizeof(struct password_change),
    .check = password_check,
    .work = password_work,
    .then = password_done,
    .next = "/me?changed=1",
    .page = page_password,
};
