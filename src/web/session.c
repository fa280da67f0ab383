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
 * says whether the account exists.
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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "domain/auth.h"
#include "http/cookie.h"
#include "store/accounts.h"
#include "web/web.h"

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

/* The sign-in form, with an error message key (or NULL) and the e-mail typed. */
static void login_page(struct req *r, struct resp *w, int status, const char *error,
                       const char *email, const char *next)
{
    json_t *m = json_pack("{s:s,s:s}", "email", email ? email : "", "next",
                          web_safe_next(next));
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    web_render(r, w, status, "login", i18n_get(r->lang, "login_title"), m);
}

void raw_login_form(struct req *r, struct resp *w)
{
    if (web_user(r)) {
        web_redirect(r, w, "/me");
        return;
    }
    login_page(r, w, 200, NULL, NULL, query_get(&r->query, "next"));
}

/* A sign-in in progress: filled on the server thread, checked on the worker pool. */
struct login {
    struct store_user user;
    int known;
    char password[AUTH_MAX_PASSWORD + 1];
    char old_digest[AUTH_DIGEST_CHARS + 1];
    char token[AUTH_TOKEN_CHARS + 1];
    char csrf[AUTH_TOKEN_CHARS + 1];
    const char *next;
    const char *email;
    char account_key[300], pair_key[360], address_key[64];
    int ok;
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

void raw_login_failures(struct req *r, struct resp *w)
{
    web_render(r, w, 200, "login_failures", i18n_get(r->lang, "logins_title"), login_failures());
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

/* On the worker pool: the slow hash, then the session's commit. */
static void login_check(void *arg)
{
    struct login *l = arg;
    l->ok = auth_verify_password(l->known ? l->user.password_hash : NULL, l->password) &&
            !l->user.disabled;
    explicit_bzero(l->password, sizeof l->password);
    if (!l->ok)
        return;
    auth_token(l->token);
    auth_token(l->csrf);
    if (store_write_sync(web.store, login_write, l) != RC_OK)
        l->ok = -1;
}

static void login_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct login *l = arg;
    if (rc != RC_OK || l->ok < 0) {
        web_error(r, w, rc == RC_OK ? WEB_INTERNAL : WEB_UNAVAILABLE);
        return;
    }
    if (!l->ok) {
        auth_throttle_fail(l->pair_key);
        auth_throttle_fail(l->account_key);
        auth_throttle_fail(l->address_key);
        note_failure(l->email, r->ip);
        login_page(r, w, 401, "login_failed", l->email, l->next);
        return;
    }
    auth_throttle_clear(l->pair_key);
    auth_throttle_clear(l->account_key);
    set_cookie(r, w, SESSION_COOKIE, l->token, SESSION_TTL_S);
    explicit_bzero(l->token, sizeof l->token);
    web_redirect(r, w, l->next && strcmp(l->next, "/") != 0 ? l->next : "/me");
}

void raw_login(struct req *r, struct resp *w)
{
    const struct query *f = web_form(r);
    const char *email = query_get(f, "email");
    const char *password = query_get(f, "password");
    const char *next = web_safe_next(query_get(f, "next"));
    if (!email || !*email || !password || !*password || strlen(email) > 254 ||
        strlen(password) > AUTH_MAX_PASSWORD) {
        login_page(r, w, 422, "login_missing", email, next);
        return;
    }
    struct login *l = arena_alloc(&r->arena, sizeof *l);
    if (!l) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(l, 0, sizeof *l);
    snprintf(l->account_key, sizeof l->account_key, "a:%.150s", email);
    for (char *p = l->account_key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(l->address_key, sizeof l->address_key, "ip:%s", r->ip);
    /* The throttle keeps keys of up to 159 bytes: the address first, then the account. */
    snprintf(l->pair_key, sizeof l->pair_key, "p:%s|%.100s", r->ip, l->account_key + 2);
    /* An address that never failed on this account is not stopped by the account's count. */
    int clean_pair = auth_throttle_allows(l->pair_key, 1);
    if (!auth_throttle_allows(l->pair_key, AUTH_MAX_FAILS_ACCOUNT) ||
        !auth_throttle_allows(l->address_key, AUTH_MAX_FAILS_ADDRESS) ||
        (!clean_pair && !auth_throttle_allows(l->account_key, AUTH_MAX_FAILS_ACCOUNT))) {
        login_page(r, w, 429, "login_throttled", email, next);
        return;
    }
    l->known = store_user_by_email(web.store, email, &l->user) == RC_OK;
    snprintf(l->password, sizeof l->password, "%s", password);
    struct web_state *ws = r->app;
    if (ws->session_digest)
        snprintf(l->old_digest, sizeof l->old_digest, "%s", ws->session_digest);
    l->next = next;
    l->email = email;
    web_work(r, w, login_check, l, login_then);
}

static int logout_write(struct store_tx *tx, void *arg)
{
    return tx_session_delete(tx, arg);
}

static void logout_then(struct req *r, struct resp *w, int rc, void *arg)
{
    (void)arg;
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    set_cookie(r, w, SESSION_COOKIE, "", 0);
    web_redirect(r, w, "/");
}

void raw_logout(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    web_write(r, w, logout_write, ws->session_digest, logout_then);
}

static void password_page(struct req *r, struct resp *w, int status, const char *error)
{
    json_t *m = json_object();
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    web_render(r, w, status, "password", i18n_get(r->lang, "password_title"), m);
}

void raw_password_form(struct req *r, struct resp *w)
{
    password_page(r, w, 200, NULL);
}

/* A password change: verify the old one, hash the new one, end every session, start a new one. */
struct password_change {
    struct store_user user;
    char old_pw[AUTH_MAX_PASSWORD + 1], new_pw[AUTH_MAX_PASSWORD + 1];
    char hash[AUTH_HASH_BYTES];
    char token[AUTH_TOKEN_CHARS + 1], csrf[AUTH_TOKEN_CHARS + 1];
    int ok;
};

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

static void password_check(void *arg)
{
    struct password_change *p = arg;
    struct store_user fresh;
    p->ok = store_user_by_email(web.store, p->user.email, &fresh) == RC_OK &&
            auth_verify_password(fresh.password_hash, p->old_pw) &&
            auth_hash_password(p->new_pw, p->hash) == 0;
    explicit_bzero(p->old_pw, sizeof p->old_pw);
    explicit_bzero(p->new_pw, sizeof p->new_pw);
    if (!p->ok)
        return;
    auth_token(p->token);
    auth_token(p->csrf);
    if (store_write_sync(web.store, password_write, p) != RC_OK)
        p->ok = -1;
}

static void password_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct password_change *p = arg;
    if (rc != RC_OK || p->ok < 0) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    if (!p->ok) {
        password_page(r, w, 422, "password_wrong");
        return;
    }
    set_cookie(r, w, SESSION_COOKIE, p->token, SESSION_TTL_S);
    web_redirect(r, w, "/me?changed=1");
}

void raw_password(struct req *r, struct resp *w)
{
    const struct query *f = web_form(r);
    const char *old_pw = query_get(f, "old_password");
    const char *new_pw = query_get(f, "new_password");
    const char *again = query_get(f, "new_password_again");
    if (!old_pw || !new_pw || !again || strlen(old_pw) > AUTH_MAX_PASSWORD ||
        strlen(new_pw) > AUTH_MAX_PASSWORD) {
        password_page(r, w, 422, "login_missing");
        return;
    }
    if (strcmp(new_pw, again) != 0) {
        password_page(r, w, 422, "password_mismatch");
        return;
    }
    if (strlen(new_pw) < AUTH_MIN_PASSWORD) {
        password_page(r, w, 422, "password_short");
        return;
    }
    struct password_change *p = arena_alloc(&r->arena, sizeof *p);
    if (!p) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(p, 0, sizeof *p);
    p->user = *web_user(r);
    snprintf(p->old_pw, sizeof p->old_pw, "%s", old_pw);
    snprintf(p->new_pw, sizeof p->new_pw, "%s", new_pw);
    web_work(r, w, password_check, p, password_then);
}
