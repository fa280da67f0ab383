/*
 * votes.c — public voting in an exhibition stage, as declared actions.
 *
 *   POST /votes/code    {stage, phone | email}   202: a six-digit code is sent
 *   POST /votes/verify  {stage, phone | email, code}   200 {token} (+ cookie)
 *   POST /votes         {case} with Authorization: Bearer TOKEN (or the
 *                       cookie)   201 {case, votes, remaining_today}
 *   GET  /votes         the stages open now
 *
 * Each is an action of the one runner: fields parsed from a JSON object or
 * a form, the voter's token read in load, the rule checked and the row
 * written in one transaction on the writer thread, the answer given after
 * the commit is durable.  A refusal answers with {code, error} (the
 * message in the user's language) at its status: 401 bad token, 403 stage
 * not open, 404 case not in the stage, 409 already voted, 422 a bad value
 * or code, 429 over a limit.  A code request answers 202 the same whether
 * or not the contact has voted.  Contacts are never stored: the voter is
 * an HMAC of the normalised contact (domain/voter.h); the plain contact
 * goes only into the outbox row that delivers the code, and is erased when
 * it is sent.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "http/cookie.h"
#include "mail/sender.h"
#include "store/votes.h"
#include "web/votes.h"

static const char *const verify_kinds[] = {"phone", "email", "both", NULL};

/* What every voting action keeps: its answer is the page below. */
struct vote_job {
    int64_t stage_id, case_id, voter_id;
    enum voter_kind kind;
    char contact[VOTER_CONTACT_MAX + 1], masked[VOTER_CONTACT_MAX + 8];
    char hmac[VOTER_HEX], code_hash[VOTER_HEX], token_hash[VOTER_HEX], block[VOTER_HEX];
    char token[44], code[7], net[VOTER_NET_MAX], ua_hash[VOTER_HEX];
    char subject[64], body[256];
    int64_t form_case; /* the case of the vote page whose form this is, or 0 (the API) */
    const char *code_key; /* the refusal's code (a catalog key), or NULL */
    struct vote_code_req req;
    struct vote_verify verify;
    struct vote_cast cast;
};

/* ------------------------------------------------------------ the answer */

static struct vote_job *job_of(struct req *r)
{
    static const struct web_action *const acts[] = {&act_vote_cast, &act_vote_verify,
                                                     &act_vote_code, &act_case_vote_cast,
                                                     &act_case_vote_verify, &act_case_vote_code};
    struct vote_job *j = NULL;
    for (size_t i = 0; !j && i < sizeof acts / sizeof acts[0]; i++)
        j = web_act_state(r, acts[i]);
    return j;
}

int vote_form_state(struct req *r, int *sent)
{
    struct vote_job *j = job_of(r);
    if (!j || !j->form_case)
        return 0;
    *sent = !j->code_key && web_act_state(r, &act_case_vote_code) != NULL;
    return 1;
}

static enum web_err page_vote_reply(struct req *r, const struct web_input *in, struct page *p);

/* The page a refusal shows: the case's vote page for its forms, else the API's answer. */
static web_model_fn reply_page(const struct vote_job *j)
{
    return j->form_case ? page_case_vote : page_vote_reply;
}

/*
 * The answer of every voting action: after success its result, after a
 * refusal {code} (the dispatcher adds "error", the message, and "errors"
 * by field).
 */
static enum web_err page_vote_reply(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct vote_job *j = job_of(r);
    if (!j)
        return WEB_NOT_FOUND;
    json_t *m = json_object();
    if (j->code_key) {
        json_object_set_new(m, "code", json_string(j->code_key));
    } else if (web_act_state(r, &act_vote_cast)) {
        json_object_set_new(m, "case", json_integer(j->case_id));
        json_object_set_new(m, "votes", j->cast.live ? json_integer(j->cast.votes) : json_null());
        json_object_set_new(m, "remaining_today", json_integer(j->cast.remaining));
    } else if (web_act_state(r, &act_vote_verify)) {
        json_object_set_new(m, "token", json_string(j->token));
        json_object_set_new(m, "stage", json_integer(j->stage_id));
    } else {
        json_object_set_new(m, "sent", json_true());
        json_object_set_new(m, "expires_in", json_integer(VOTE_CODE_TTL_S));
    }
    p->model = m;
    p->template = "vote_reply";
    p->title = i18n_get(r->lang, "vote_title");
    return WEB_OK;
}

/* Refuse with result rc at status (0: the result's), code key naming the refusal. */
static enum result refuse(struct web_act *x, enum result rc, int status, const char *key)
{
    struct vote_job *j = x->state;
    j->code_key = key;
    x->error = key;
    x->status = status;
    x->page = reply_page(j);
    return rc;
}

/* ------------------------------------------------------------ contacts */

static const struct web_field contact_fields[] = {
    {"stage", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "vote_bad_stage"},
    {"phone", WEB_F_TEXT, 0, 0, 32, NULL, "vote_bad_phone"},
    {"email", WEB_F_TEXT, 0, 0, 254, NULL, "vote_bad_email"},
    {"code", WEB_F_TEXT, 0, 0, 16, NULL, "vote_bad_code"},
    {NULL},
};

/* The stage (an exhibition) and the normalised contact with its hash. */
static enum result contact_load(struct web_act *x)
{
    struct vote_job *j = x->state;
    x->page = reply_page(j);
    if (x->errors)
        return refuse(x, RC_INVALID, 0, x->error ? x->error : "form_invalid");
    j->stage_id = web_int(x, "stage");
    char name[128], kind[16];
    struct vote_setting set;
    int has;
    int rc = store_vote_setting(web.store, j->stage_id, name, sizeof name, kind, sizeof kind, &set,
                                &has);
    if (rc == RC_ERROR)
        return RC_ERROR;
    if (rc != RC_OK || strcmp(kind, "exhibition") != 0)
        return refuse(x, RC_NOTFOUND, 404, "vote_no_stage");
    const char *phone = web_text(x, "phone"), *email = web_text(x, "email");
    if ((phone != NULL) == (email != NULL))
        return refuse(x, RC_INVALID, 0, "vote_one_contact");
    if (phone) {
        j->kind = VOTER_PHONE;
        if (voter_phone(phone, j->contact, sizeof j->contact) != 0)
            return refuse(x, RC_INVALID, 0, "vote_bad_phone");
    } else {
        j->kind = VOTER_EMAIL;
        if (voter_email(email, j->contact, sizeof j->contact) != 0)
            return refuse(x, RC_INVALID, 0, "vote_bad_email");
    }
    unsigned char key[VOTER_SECRET_BYTES];
    if (store_vote_secret(web.store, key) != 0)
        return RC_ERROR;
    voter_mask(j->kind, j->contact, j->masked, sizeof j->masked);
    voter_hmac(key, j->kind, j->contact, j->hmac);
    if (voter_net(x->r->ip, j->net, sizeof j->net) != 0)
        snprintf(j->net, sizeof j->net, "%s", x->r->ip);
    return RC_OK;
}

/* ------------------------------------------------------------ code */

static enum result code_check(struct web_act *x)
{
    struct vote_job *j = x->state;
    unsigned char key[VOTER_SECRET_BYTES];
    if (store_vote_secret(web.store, key) != 0)
        return RC_ERROR;
    voter_code(j->code);
    voter_digest(key, j->hmac, j->code, j->code_hash);
    snprintf(j->subject, sizeof j->subject, "%s", i18n_get(x->r->lang, "vote_code_subject"));
    snprintf(j->body, sizeof j->body, "%s%s%s", i18n_get(x->r->lang, "vote_code_text"), j->code,
             i18n_get(x->r->lang, "vote_code_text_end"));
    j->req = (struct vote_code_req){.stage_id = j->stage_id, .kind = j->kind,
                                    .contact = j->contact, .masked = j->masked, .hmac = j->hmac,
                                    .code_hash = j->code_hash, .net = j->net,
                                    .subject = j->subject, .body = j->body};
    if (j->kind == VOTER_PHONE) {
        /* For the rule on consecutive numbers: the number's block (keyed) and its place in it. */
        j->req.tail = voter_block(key, j->contact, j->block);
        j->req.block = j->block;
    }
    return RC_OK;
}

static int code_write(struct store_tx *tx, void *arg)
{
    struct vote_job *j = arg;
    return tx_vote_code(tx, &j->req);
}

static enum result code_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    switch (rc) {
    case RC_OK:
        mail_wake();
        /* No sender (the demo, a trial): the code waits in the outbox; say it on the console. */
        if (!mail_active()) {
            struct vote_job *j = x->state;
            log_info("vote code for %s (stage %lld): %s — no sender runs (serve --smtp, --sms)",
                     j->masked, (long long)j->stage_id, j->code);
        }
        x->status = 202;
        return RC_OK;
    case RC_CLOSED:
        return refuse(x, rc, 403, "vote_closed");
    case RC_STATE:
        return refuse(x, rc, 422, "vote_kind_not_allowed");
    case RC_QUOTA:
        return refuse(x, rc, 429, "vote_code_throttled");
    default:
        return rc;
    }
}

const struct web_action act_vote_code = {
    .fields = contact_fields,
    .state_size = sizeof(struct vote_job),
    .load = contact_load,
    .check = code_check,
    .write = code_write,
    .then = code_then,
    .page = page_vote_reply,
    .done = page_vote_reply,
};

/* ------------------------------------------------------------ verify */

static enum result verify_check(struct web_act *x)
{
    struct vote_job *j = x->state;
    const char *code = web_text(x, "code");
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return refuse(x, RC_INVALID, 0, "vote_bad_code");
    unsigned char key[VOTER_SECRET_BYTES];
    if (store_vote_secret(web.store, key) != 0)
        return RC_ERROR;
    voter_digest(key, j->hmac, code, j->code_hash);
    voter_token(j->token);
    voter_sha256(j->token, j->token_hash);
    j->verify = (struct vote_verify){.stage_id = j->stage_id, .kind = j->kind, .hmac = j->hmac,
                                     .masked = j->masked, .code_hash = j->code_hash,
                                     .token_hash = j->token_hash, .outcome = RC_ERROR};
    return RC_OK;
}

static int verify_write(struct store_tx *tx, void *arg)
{
    struct vote_job *j = arg;
    return tx_vote_verify(tx, &j->verify);
}

static enum result verify_then(struct web_act *x, struct resp *w, enum result rc)
{
    struct vote_job *j = x->state;
    if (rc != RC_OK)
        return rc;
    switch ((enum result)j->verify.outcome) {
    case RC_OK: {
        struct buf b = BUF_INIT;
        buf_init(&b, 1024);
        cookie_set(&b, VOTER_COOKIE, j->token, "/", VOTE_TOKEN_TTL_S, x->r->tls);
        if (!b.oom && b.p)
            resp_header(w, "Set-Cookie", arena_strdup(&x->r->arena, b.p));
        buf_release(&b);
        return RC_OK;
    }
    case RC_QUOTA:
        return refuse(x, RC_QUOTA, 429, "vote_code_tries");
    case RC_NOTFOUND:
        return refuse(x, RC_INVALID, 422, "vote_code_expired");
    default:
        return refuse(x, RC_INVALID, 422, "vote_code_wrong");
    }
}

const struct web_action act_vote_verify = {
    .fields = contact_fields,
    .state_size = sizeof(struct vote_job),
    .load = contact_load,
    .check = verify_check,
    .write = verify_write,
    .then = verify_then,
    .page = page_vote_reply,
    .done = page_vote_reply,
};

/* ------------------------------------------------------------ vote */

static const struct web_field cast_fields[] = {
    {"case", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "vote_bad_case"},
    {"stage", WEB_F_INT, 0, 1, 1e15, NULL, "vote_bad_stage"},
    {NULL},
};

/* The voter's token: the Bearer one, else the cookie's; NULL without one. */
static const char *voter_token_of(struct req *r)
{
    const char *a = r->authorization;
    if (a && strncasecmp(a, "Bearer ", 7) == 0) {
        a += 7;
        while (*a == ' ')
            a++;
        return *a ? a : NULL;
    }
    return cookie_get(&r->arena, r->cookie, VOTER_COOKIE);
}

/* The voter from the token and the case (the vote page's, else the field's); the rest is the write's. */
static enum result cast_load(struct web_act *x)
{
    struct vote_job *j = x->state;
    x->page = reply_page(j);
    const char *token = voter_token_of(x->r);
    if (!token || strlen(token) > 128)
        return refuse(x, RC_NOTFOUND, 401, "vote_bad_token");
    voter_sha256(token, j->token_hash);
    int rc = store_vote_token(web.store, j->token_hash, &j->stage_id, &j->voter_id);
    if (rc == RC_ERROR)
        return RC_ERROR;
    if (rc != RC_OK)
        return refuse(x, RC_NOTFOUND, 401, "vote_bad_token");
    if (x->errors)
        return refuse(x, RC_INVALID, 0, x->error ? x->error : "form_invalid");
    if (web_given(x, "stage") && web_int(x, "stage") != j->stage_id)
        return refuse(x, RC_NOTFOUND, 401, "vote_token_stage");
    j->case_id = j->form_case ? j->form_case : web_int(x, "case");
    if (voter_net(x->r->ip, j->net, sizeof j->net) != 0)
        snprintf(j->net, sizeof j->net, "%s", x->r->ip);
    voter_ua_hash(x->r->user_agent ? x->r->user_agent : "", j->ua_hash);
    j->cast = (struct vote_cast){.stage_id = j->stage_id, .case_id = j->case_id,
                                 .voter_id = j->voter_id, .net = j->net, .ua_hash = j->ua_hash};
    return RC_OK;
}

static int cast_write(struct store_tx *tx, void *arg)
{
    struct vote_job *j = arg;
    return tx_vote_cast(tx, &j->cast);
}

static enum result cast_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct vote_job *j = x->state;
    switch (rc) {
    case RC_OK:
        x->status = 201;
        return RC_OK;
    case RC_CLOSED:
        return refuse(x, rc, 403, "vote_closed");
    case RC_NOTFOUND:
        return refuse(x, rc, 404, "vote_case_not_in_stage");
    case RC_EXISTS:
        return refuse(x, rc, 409, "vote_already");
    case RC_QUOTA:
        return refuse(x, rc, 429,
                      j->cast.limit && strcmp(j->cast.limit, "net") == 0 ? "vote_limit_net"
                                                                         : "vote_limit_day");
    default:
        return rc;
    }
}

const struct web_action act_vote_cast = {
    .fields = cast_fields,
    .state_size = sizeof(struct vote_job),
    .load = cast_load,
    .write = cast_write,
    .then = cast_then,
    .page = page_vote_reply,
    .done = page_vote_reply,
};

/* ------------------------------------------------------------ open stages */

enum web_err page_votes(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *stages = store_votes_open(web.store);
    if (!stages)
        return WEB_UNAVAILABLE;
    p->model = json_pack("{s:o}", "stages", stages);
    p->template = "votes";
    p->title = i18n_get(r->lang, "vote_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ the organiser */

struct voting_job {
    char name[128], kind[16];
    struct vote_setting set;
    int has;
};

/* The stage of the path if it is an exhibition: RC_OK, RC_NOTFOUND or RC_ERROR. */
static int voting_stage(struct req *r, struct voting_job *j)
{
    int64_t id = web_path_id(r->params[0]);
    if (id <= 0)
        return RC_NOTFOUND;
    int rc = store_vote_setting(web.store, id, j->name, sizeof j->name, j->kind, sizeof j->kind,
                                &j->set, &j->has);
    if (rc == RC_OK && strcmp(j->kind, "exhibition") != 0)
        rc = RC_NOTFOUND;
    return rc;
}

enum web_err page_stage_voting(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct voting_job own, *j = web_act_state(r, &act_stage_voting);
    if (!j) {
        memset(&own, 0, sizeof own);
        j = &own;
        int rc = voting_stage(r, j);
        if (rc != RC_OK)
            return rc == RC_NOTFOUND ? WEB_NOT_FOUND : WEB_UNAVAILABLE;
    }
    const struct vote_setting *s = &j->set;
    json_t *kinds = json_array();
    for (size_t i = 0; verify_kinds[i]; i++)
        json_array_append_new(
            kinds, json_pack("{s:s,s:s,s:b}", "value", verify_kinds[i], "label",
                             i18n_get(r->lang, arena_printf(&r->arena, "vote_verify_%s",
                                                            verify_kinds[i])),
                             "selected", strcmp(verify_kinds[i], s->verify) == 0));
    json_t *summary = store_vote_summary(web.store, s->stage_id);
    const struct fraud_limits *f = &s->flags;
    p->model = json_pack(
        "{s:{s:I,s:s},s:{s:s,s:s,s:s,s:i,s:i,s:i,s:b,s:i,s:i,s:s,s:i,s:i,s:i,s:i,s:i},s:b,s:o,s:o}",
        "stage", "id", (json_int_t)s->stage_id, "name", j->name, "voting", "opens_on",
        s->opens_on, "closes_on", s->closes_on, "verify", s->verify, "per_case", s->per_case,
        "per_day", s->per_day, "per_net", s->per_net, "live", s->live, "burst_window",
        f->burst_window, "burst_min", f->burst_min, "burst_factor",
        arena_printf(&r->arena, "%g", f->burst_factor), "net_window", f->net_window, "net_min",
        f->net_min, "run_min", f->run_min, "ring_window", f->ring_window, "ring_min", f->ring_min,
        "configured", j->has, "verify_kinds", kinds, "summary", summary ? summary : json_null());
    if (!p->model)
        return WEB_INTERNAL;
    if (query_get(&r->query, "saved"))
        p->notice = "vote_saved";
    p->template = "admin_voting";
    const char *title = arena_printf(&r->arena, "%s · %s", j->name, i18n_get(r->lang, "vote_settings"));
    p->title = title ? title : j->name;
    return WEB_OK;
}

#define REQ WEB_F_REQUIRED
static const struct web_field voting_fields[] = {
    {"opens_on", WEB_F_DATE, REQ, 0, 0, NULL, "vote_bad_date"},
    {"closes_on", WEB_F_DATE, REQ, 0, 0, NULL, "vote_bad_date"},
    {"verify", WEB_F_CHOICE, REQ, 0, 0, verify_kinds, NULL},
    {"per_case", WEB_F_INT, REQ, 1, 1000, NULL, "vote_bad_limit"},
    {"per_day", WEB_F_INT, REQ, 1, 100000, NULL, "vote_bad_limit"},
    {"per_net", WEB_F_INT, REQ, 1, 10000000, NULL, "vote_bad_limit"},
    {"live", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"burst_window", WEB_F_INT, 0, 60, 86400, NULL, "vote_bad_threshold"},
    {"burst_min", WEB_F_INT, 0, 2, 1000000, NULL, "vote_bad_threshold"},
    {"burst_factor", WEB_F_NUMBER, 0, 1, 1000, NULL, "vote_bad_threshold"},
    {"net_window", WEB_F_INT, 0, 60, 86400, NULL, "vote_bad_threshold"},
    {"net_min", WEB_F_INT, 0, 2, 1000000, NULL, "vote_bad_threshold"},
    {"run_min", WEB_F_INT, 0, 2, 10000, NULL, "vote_bad_threshold"},
    {"ring_window", WEB_F_INT, 0, 60, 86400, NULL, "vote_bad_threshold"},
    {"ring_min", WEB_F_INT, 0, 2, 1000000, NULL, "vote_bad_threshold"},
    {NULL},
};
#undef REQ

static enum result voting_load(struct web_act *x)
{
    struct voting_job *j = x->state;
    int rc = voting_stage(x->r, j);
    if (rc != RC_OK)
        return (enum result)rc;
    struct vote_setting *s = &j->set;
    if (x->v[0].valid)
        snprintf(s->opens_on, sizeof s->opens_on, "%s", x->v[0].s);
    if (x->v[1].valid)
        snprintf(s->closes_on, sizeof s->closes_on, "%s", x->v[1].s);
    if (x->v[2].valid)
        snprintf(s->verify, sizeof s->verify, "%s", x->v[2].s);
    if (x->v[3].valid)
        s->per_case = (int)x->v[3].i;
    if (x->v[4].valid)
        s->per_day = (int)x->v[4].i;
    if (x->v[5].valid)
        s->per_net = (int)x->v[5].i;
    s->live = (int)x->v[6].i;
    /* Thresholds not sent keep their values (the API may set limits alone). */
    struct fraud_limits *f = &s->flags;
    int *ints[] = {&f->burst_window, &f->burst_min, NULL, &f->net_window, &f->net_min,
                   &f->run_min, &f->ring_window, &f->ring_min};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (x->v[7 + i].valid && ints[i])
            *ints[i] = (int)x->v[7 + i].i;
    if (x->v[9].valid)
        f->burst_factor = x->v[9].n;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/voting?saved=1",
                           (long long)s->stage_id);
    return RC_OK;
}

static enum result voting_check(struct web_act *x)
{
    struct voting_job *j = x->state;
    if (strcmp(j->set.closes_on, j->set.opens_on) < 0)
        return web_refuse_field(x, "closes_on", "vote_bad_dates");
    return RC_OK;
}

static int voting_write(struct store_tx *tx, void *arg)
{
    struct voting_job *j = arg;
    return tx_vote_setting_put(tx, &j->set);
}

const struct web_action act_stage_voting = {
    .fields = voting_fields,
    .state_size = sizeof(struct voting_job),
    .load = voting_load,
    .check = voting_check,
    .write = voting_write,
    .page = page_stage_voting,
};

/* ------------------------------------------------------------ the case's vote page */

/*
 * The forms of a case's vote page (/cases/{id}/vote): the same steps and
 * store calls as the API, the case from the path; success and refusals
 * show that page again (a sent code: the page with the verify form, at
 * 200), a verified voter and a vote go back to it with a 303.
 */
static enum result form_case_load(struct web_act *x)
{
    struct vote_job *j = x->state;
    j->form_case = web_path_id(x->r->params[0]);
    if (j->form_case <= 0)
        return RC_NOTFOUND;
    x->next = arena_printf(&x->r->arena, "/cases/%lld/vote", (long long)j->form_case);
    return RC_OK;
}

static enum result case_contact_load(struct web_act *x)
{
    enum result rc = form_case_load(x);
    return rc != RC_OK ? rc : contact_load(x);
}

static enum result case_code_then(struct web_act *x, struct resp *w, enum result rc)
{
    rc = code_then(x, w, rc);
    if (rc == RC_OK)
        x->status = 200;
    return rc;
}

const struct web_action act_case_vote_code = {
    .fields = contact_fields,
    .state_size = sizeof(struct vote_job),
    .load = case_contact_load,
    .check = code_check,
    .write = code_write,
    .then = case_code_then,
    .page = page_case_vote,
    .done = page_case_vote,
};

const struct web_action act_case_vote_verify = {
    .fields = contact_fields,
    .state_size = sizeof(struct vote_job),
    .load = case_contact_load,
    .check = verify_check,
    .write = verify_write,
    .then = verify_then,
    .page = page_case_vote,
};

static const struct web_field case_cast_fields[] = {
    {"stage", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "vote_bad_stage"},
    {NULL},
};

static enum result case_cast_load(struct web_act *x)
{
    enum result rc = form_case_load(x);
    if (rc != RC_OK)
        return rc;
    struct vote_job *j = x->state;
    x->next = arena_printf(&x->r->arena, "/cases/%lld/vote?voted=1", (long long)j->form_case);
    return cast_load(x);
}

const struct web_action act_case_vote_cast = {
    .fields = case_cast_fields,
    .state_size = sizeof(struct vote_job),
    .load = case_cast_load,
    .write = cast_write,
    .then = cast_then,
    .page = page_case_vote,
};
