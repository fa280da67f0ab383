/*
 * notice.c — 公示: publishing a campaign's award proposal for a notice
 * period of working days, the public page, and closing.
 *
 * The organiser gives the number of working days (5 by default), the day
 * it starts (today by default, in China's time), how to object, and any
 * days off or worked of their own; the period's first and last days come
 * from domain/workdays.h (China's official calendar 2019–2026 under the
 * organiser's lines) and are stored as published.  While it is open anyone
 * may object to a proposed case in their own name, with an e-mail address
 * or a mobile number verified by a one-time code (domain/voter.h's codes,
 * sent through the outbox: a number's as "sms:<number>", by the SMS
 * gateway); objections are the organiser's alone, who upholds one (the
 * case out of the awards or in another tier, within quotas and caps) or
 * rejects it with a written answer, and the objector is told by e-mail or
 * SMS as they gave.  Publishing drafts the 公示 announcement in the news
 * desk, linked from the organiser's page.  Closing refuses while an
 * objection is open and publishes the campaign (store/notice.h); after it
 * the page corrects the list (web/correction.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/voter.h"
#include "domain/workdays.h"
#include "store/award.h"
#include "store/ballot.h"
#include "store/correction.h"
#include "store/notice.h"
#include "web/notice.h"
#include "web/notice_upload.h"
#include "web/stages.h"

#define NOTICE_MAX_DAYS 60
#define NOTICE_CONTACT_MAX 500
#define NOTICE_CALENDAR_MAX 20000

static struct ballot_stage *stage_of(struct req *r, const char *param)
{
    int64_t id = web_path_id(param);
    struct ballot_stage *b = arena_alloc(&r->arena, sizeof *b);
    if (!id || !b || store_ballot_stage(web.store, id, b) != RC_OK)
        return NULL;
    return b;
}

/* Today in China (UTC+8), as 2020-02-04. */
static void today(char out[11])
{
    workdays_format((int)((time(NULL) + 8 * 3600) / 86400), out);
}

enum web_err page_notice_admin(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct ballot_stage *b = stage_of(r, r->params[0]);
    if (!b)
        return WEB_NOT_FOUND;
    json_t *n = store_notice(web.store, b->base.id);
    json_t *tiers = store_award_tiers(web.store, b->base.campaign_id);
    int awarded = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tiers, i, t)
    {
        awarded += (int)json_integer_value(json_object_get(t, "awarded"));
    }
    int on = b->base.campaign_id == store_review_campaign_id(web.store);
    json_t *m = json_object();
    json_object_set_new(m, "stage", stages_stage_json(r, &b->base, -1));
    json_object_set_new(m, "tiers", tiers ? tiers : json_array());
    json_object_set_new(m, "awarded", json_integer(awarded));
    json_object_set_new(m, "can_publish", json_boolean(on && !n && b->final && awarded > 0));
    json_object_set_new(m, "not_ready", json_boolean(!n && (!b->final || awarded == 0)));
    if (n) {
        json_t *objs = store_objections(web.store, b->base.id);
        size_t k;
        json_t *o;
        json_array_foreach(objs, k, o)
        {
            json_object_set_new(o, "open", json_boolean(strcmp(json_string_value(json_object_get(
                                                                   o, "state")),
                                                               "open") == 0));
            json_object_set_new(o, "upheld", json_boolean(strcmp(json_string_value(json_object_get(
                                                                     o, "state")),
                                                                 "upheld") == 0));
            const char *contact = json_string_value(json_object_get(o, "contact"));
            if (contact && strncmp(contact, "sms:", 4) == 0) /* the outbox's address of a phone */
                json_object_set_new(o, "contact", json_string(contact + 4));
        }
        json_object_set_new(m, "objections", objs ? objs : json_array());
        int open = strcmp(json_string_value(json_object_get(n, "state")), "open") == 0;
        json_object_set_new(n, "open", json_boolean(open));
        json_object_set_new(m, "can_close", json_boolean(on && open));
        json_int_t article = json_integer_value(json_object_get(n, "article_id"));
        if (article)
            json_object_set_new(n, "article_url",
                                json_string(arena_printf(&r->arena, "/admin/news/%lld",
                                                         (long long)article)));
        if (!open) {
            /* Published: the list is frozen; corrections of the awarded cases. */
            json_t *rows = store_award_rows(web.store, b->base.id), *held = json_array();
            size_t at;
            json_t *row;
            json_array_foreach(rows, at, row)
            {
                if (json_integer_value(json_object_get(row, "tier_id")))
                    json_array_append(held, row);
            }
            json_decref(rows);
            json_object_set_new(m, "awarded_cases", held);
            json_object_set_new(m, "can_correct", json_boolean(json_array_size(held) > 0));
            json_t *cs = store_corrections(web.store, b->base.campaign_id, 0, NULL);
            json_object_set_new(m, "corrections", cs ? cs : json_array());
        }
        json_object_set_new(m, "current", n); /* "notice" is the page's message */
    }
    /* The form as typed after a refusal, else its defaults. */
    struct web_act *x = web_act_state(r, &act_notice_publish) ? web_act_of(r) : NULL;
    char d[11];
    today(d);
    const char *days = x ? query_get(web_form(r), "days") : NULL;
    const char *starts = x ? query_get(web_form(r), "starts_on") : NULL;
    json_object_set_new(m, "form",
                        json_pack("{s:s,s:s,s:s,s:s}", "days", days ? days : "5", "starts_on",
                                  starts ? starts : d, "contact",
                                  x && web_text(x, "contact") ? web_text(x, "contact") : "",
                                  "calendar",
                                  x && web_text(x, "calendar") ? web_text(x, "calendar") : ""));
    const char *done = query_get(&r->query, "done");
    if (done && (!strcmp(done, "publish") || !strcmp(done, "close") || !strcmp(done, "answer")))
        p->notice = arena_printf(&r->arena, "notice_done_%s", done);
    else if (done && !strcmp(done, "correction"))
        p->notice = "correction_done";
    p->model = m;
    p->template = "notice_admin";
    p->title = arena_printf(&r->arena, "%s · %s", b->base.name,
                            i18n_get(r->lang, "notice_admin_title"));
    return WEB_OK;
}

enum web_err page_notice(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *notices = store_notices_public(web.store);
    if (!notices)
        return WEB_INTERNAL;
    size_t i;
    json_t *n;
    json_array_foreach(notices, i, n)
    {
        json_object_set_new(n, "open", json_boolean(strcmp(json_string_value(json_object_get(
                                                               n, "state")),
                                                           "open") == 0));
    }
    p->model = json_pack("{s:o,s:b}", "notices", notices, "has_notices",
                         json_array_size(notices) > 0);
    if (query_get(&r->query, "code"))
        p->notice = "notice_code_sent";
    else if (query_get(&r->query, "objected"))
        p->notice = "notice_objected";
    p->template = "notice";
    p->title = i18n_get(r->lang, "notice_public_title");
    return WEB_OK;
}

struct notice_job {
    int64_t stage_id;
    int days;
    char starts_on[11], ends_on[11];
    const char *contact, *calendar;
};

static enum result notice_load(struct web_act *x)
{
    struct notice_job *j = x->state;
    struct ballot_stage *b = stage_of(x->r, x->r->params[0]);
    if (!b)
        return RC_NOTFOUND;
    if (b->base.campaign_id != store_review_campaign_id(web.store)) {
        x->error = "ballot_err_campaign";
        return RC_STATE;
    }
    j->stage_id = b->base.id;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/notice?done=%s",
                           (long long)b->base.id, x->a == &act_notice_close ? "close" : "publish");
    return RC_OK;
}

/* The period from the official calendar under the organiser's own lines. */
static enum result publish_check(struct web_act *x)
{
    struct notice_job *j = x->state;
    struct workdays *cal = arena_alloc(&x->r->arena, sizeof *cal);
    if (!cal)
        return RC_ERROR;
    j->days = (int)web_int(x, "days");
    j->contact = web_text(x, "contact");
    j->calendar = web_text(x, "calendar");
    int start;
    if (workdays_parse(web_text(x, "starts_on"), &start) != 0)
        return web_refuse_field(x, "starts_on", "notice_bad_date");
    if (workdays_own(cal, j->calendar ? j->calendar : "") != 0)
        return web_refuse_field(x, "calendar", "notice_bad_calendar");
    workdays_format(workdays_first(cal, start), j->starts_on);
    workdays_format(workdays_end(cal, start, j->days), j->ends_on);
    return RC_OK;
}

static int publish_write(struct store_tx *tx, void *arg)
{
    struct notice_job *j = arg;
    return tx_notice_publish(tx, j->stage_id, j->days, j->starts_on, j->ends_on, j->contact,
                             j->calendar);
}

static int close_write(struct store_tx *tx, void *arg)
{
    struct notice_job *j = arg;
    return tx_notice_close(tx, j->stage_id);
}

static const struct web_field publish_fields[] = {
    {"days", WEB_F_INT, WEB_F_REQUIRED, 1, NOTICE_MAX_DAYS, NULL, "notice_bad_days"},
    {"starts_on", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "notice_bad_date"},
    {"contact", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_MULTILINE, 0, NOTICE_CONTACT_MAX, NULL,
     "notice_bad_contact"},
    {"calendar", WEB_F_TEXT, WEB_F_MULTILINE, 0, NOTICE_CALENDAR_MAX, NULL,
     "notice_bad_calendar"},
    {NULL},
};
static const struct web_refusal publish_refusals[] = {
    {RC_STATE, 409, "notice_err_state", NULL},
    {RC_EXISTS, 409, "notice_err_exists", NULL},
    {RC_OK},
};
static const struct web_refusal close_refusals[] = {
    {RC_STATE, 409, "notice_err_close", NULL},
    {RC_OK},
};

const struct web_action act_notice_publish = {
    .fields = publish_fields, .state_size = sizeof(struct notice_job), .load = notice_load,
    .check = publish_check, .write = publish_write, .page = page_notice_admin,
    .refusals = publish_refusals,
};
const struct web_action act_notice_close = {
    .state_size = sizeof(struct notice_job), .load = notice_load, .write = close_write,
    .page = page_notice_admin, .refusals = close_refusals,
};

/* ------------------------------------------------------------ objections */

struct objection_job {
    int64_t stage_id, id, tier_id;
    char contact[VOTER_CONTACT_MAX + 1];
    char code[7];
    char code_hash[VOTER_HEX];
    const char *subject, *body, *answer;
    int uphold;
    struct objection_filing f;
    struct objection_upload up; /* the filing's attachment, if any */
};

static enum result objection_load(struct web_act *x)
{
    struct objection_job *j = x->state;
    struct ballot_stage *b = stage_of(x->r, x->r->params[0]);
    if (!b)
        return RC_NOTFOUND;
    j->stage_id = b->base.id;
    return RC_OK;
}

static void code_digest(const char *contact, const char *code, char out[VOTER_HEX])
{
    char buf[VOTER_CONTACT_MAX + 16];
    snprintf(buf, sizeof buf, "%s|%s", contact, code);
    voter_sha256(buf, out);
}

/*
 * The objector's contact, e-mail address or mobile number (one of them),
 * normalised as the outbox addresses it: the address, or "sms:<number>"
 * (sent through the SMS gateway, serve --sms).
 */
static enum result contact_of(struct web_act *x, struct objection_job *j)
{
    const char *email = web_text(x, "email"), *phone = web_text(x, "phone");
    int has_email = email && *email, has_phone = phone && *phone;
    if (has_email == has_phone)
        return web_refuse_field(x, has_email ? "phone" : "email", "notice_one_contact");
    if (has_email) {
        if (voter_email(email, j->contact, sizeof j->contact) != 0)
            return web_refuse_field(x, "email", "notice_bad_email");
        return RC_OK;
    }
    char number[32];
    if (voter_phone(phone, number, sizeof number) != 0)
        return web_refuse_field(x, "phone", "notice_bad_phone");
    snprintf(j->contact, sizeof j->contact, "sms:%s", number);
    return RC_OK;
}

static enum result code_check(struct web_act *x)
{
    struct objection_job *j = x->state;
    enum result rc = contact_of(x, j);
    if (rc != RC_OK)
        return rc;
    voter_code(j->code);
    code_digest(j->contact, j->code, j->code_hash);
    j->subject = i18n_get(LANG_ZH, "notice_code_subject");
    j->body = arena_printf(&x->r->arena, "%s %s\n%s", i18n_get(LANG_ZH, "notice_code_body"),
                           j->code, i18n_get(LANG_ZH, "notice_code_valid"));
    x->next = "/notice?code=1";
    return RC_OK;
}

static int code_write(struct store_tx *tx, void *arg)
{
    struct objection_job *j = arg;
    return tx_objection_code(tx, j->stage_id, j->contact, j->code_hash, j->subject, j->body,
                             (long)time(NULL));
}

static enum result file_check(struct web_act *x)
{
    struct objection_job *j = x->state;
    enum result rc = contact_of(x, j);
    if (rc != RC_OK)
        return rc;
    code_digest(j->contact, web_text(x, "code"), j->code_hash);
    j->f = (struct objection_filing){.stage_id = j->stage_id,
                                     .case_id = web_int(x, "case_id"),
                                     .name = web_text(x, "name"),
                                     .contact = j->contact,
                                     .reason = web_text(x, "reason"),
                                     .code_hash = j->code_hash,
                                     .now = (long)time(NULL)};
    if (j->up.f.len) {
        j->f.file_sha256 = j->up.hex;
        j->f.file_name = j->up.f.name;
        j->f.file_mime = j->up.mime;
        j->f.file_size = (int64_t)j->up.f.len;
    }
    x->next = "/notice?objected=1";
    return RC_OK;
}

static int file_write(struct store_tx *tx, void *arg)
{
    struct objection_job *j = arg;
    return tx_objection_file(tx, &j->f);
}

static int file_begin(struct web_act *x)
{
    struct objection_job *j = x->state;
    return objection_upload_begin(x, &j->up);
}

/* The stage, then what the stream made of the attachment (notice_upload.h). */
static enum result file_load(struct web_act *x)
{
    struct objection_job *j = x->state;
    enum result rc = objection_load(x);
    return rc != RC_OK ? rc : objection_upload_check(x, &j->up);
}

/* On the worker pool: the attachment stored (durable) before the row that names it. */
static enum result file_work(void *state)
{
    struct objection_job *j = state;
    if (j->up.f.len && objection_upload_store(&j->up) != 0)
        return RC_ERROR;
    return (enum result)store_write_sync(web.store, file_write, j);
}

/* The code's verdict: the write was kept (a spent try), the answer is in outcome. */
static enum result file_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct objection_job *j = x->state;
    if (rc == RC_STATE) {
        x->status = 409;
        x->error = "notice_err_not_open";
        return rc;
    }
    if (rc == RC_GONE) {
        x->status = 422;
        return web_refuse_field(x, "case_id", "notice_err_case");
    }
    if (rc != RC_OK || j->f.outcome == RC_OK)
        return rc;
    if (j->f.outcome == RC_QUOTA) {
        x->status = 429;
        x->error = "notice_err_code_tries";
        return RC_QUOTA;
    }
    return web_refuse_field(x, "code", j->f.outcome == RC_INVALID ? "notice_err_code_wrong"
                                                                   : "notice_err_code_none");
}

static const struct web_field code_fields[] = {
    {"email", WEB_F_TEXT, WEB_F_ONELINE, 0, 254, NULL, "notice_bad_email"},
    {"phone", WEB_F_TEXT, WEB_F_ONELINE, 0, 32, NULL, "notice_bad_phone"},
    {NULL},
};
static const struct web_field file_fields[] = {
    {"case_id", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "notice_err_case"},
    {"name", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, 64, NULL, "notice_bad_name"},
    {"email", WEB_F_TEXT, WEB_F_ONELINE, 0, 254, NULL, "notice_bad_email"},
    {"phone", WEB_F_TEXT, WEB_F_ONELINE, 0, 32, NULL, "notice_bad_phone"},
    {"code", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, 6, NULL, "notice_err_code_wrong"},
    {"reason", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_MULTILINE, 0, 2000, NULL, "notice_bad_reason"},
    {NULL},
};
static const struct web_refusal code_refusals[] = {
    {RC_STATE, 409, "notice_err_not_open", NULL},
    {RC_QUOTA, 429, "notice_err_code_wait", NULL},
    {RC_OK},
};

const struct web_action act_objection_code = {
    .fields = code_fields, .state_size = sizeof(struct objection_job), .load = objection_load,
    .check = code_check, .write = code_write, .page = page_notice, .refusals = code_refusals,
};
const struct web_action act_objection_file = {
    .fields = file_fields, .state_size = sizeof(struct objection_job), .begin = file_begin,
    .load = file_load, .check = file_check, .work = file_work, .then = file_then,
    .page = page_notice,
};

/* The organiser's answer. */
static enum result answer_load(struct web_act *x)
{
    struct objection_job *j = x->state;
    struct ballot_stage *b = stage_of(x->r, x->r->params[0]);
    if (!b || !(j->id = web_path_id(x->r->params[1])))
        return RC_NOTFOUND;
    j->stage_id = b->base.id;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/notice?done=answer",
                           (long long)b->base.id);
    return RC_OK;
}

static enum result answer_check(struct web_act *x)
{
    struct objection_job *j = x->state;
    j->uphold = strcmp(web_text(x, "decision"), "uphold") == 0;
    j->tier_id = web_int(x, "tier_id");
    const char *answer = web_text(x, "answer");
    j->answer = answer ? answer : "";
    if (!j->uphold && (!answer || !*answer))
        return web_refuse_field(x, "answer", "notice_bad_answer");
    j->subject = i18n_get(LANG_ZH, "notice_answer_subject");
    j->body = arena_printf(&x->r->arena, "%s\n%s", i18n_get(LANG_ZH, j->uphold
                                                                   ? "notice_answer_upheld"
                                                                   : "notice_answer_rejected"),
                           answer ? answer : "");
    return RC_OK;
}

static int answer_write(struct store_tx *tx, void *arg)
{
    struct objection_job *j = arg;
    return tx_objection_answer(tx, j->stage_id, j->id, j->uphold, j->tier_id, j->answer,
                               j->subject, j->body);
}

static const char *const decisions[] = {"uphold", "reject", NULL};
static const struct web_field answer_fields[] = {
    {"decision", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, decisions, "notice_bad_decision"},
    {"tier_id", WEB_F_INT, 0, 0, 1e15, NULL, "notice_bad_decision"},
    {"answer", WEB_F_TEXT, WEB_F_MULTILINE, 0, 2000, NULL, "notice_bad_answer"},
    {NULL},
};
static const struct web_refusal answer_refusals[] = {
    {RC_STATE, 409, "notice_err_answered", NULL},
    {RC_QUOTA, 409, "award_err_quota", NULL},
    {RC_NOTFOUND, 422, "award_err_case", NULL},
    {RC_OK},
};

const struct web_action act_objection_answer = {
    .fields = answer_fields, .state_size = sizeof(struct objection_job), .load = answer_load,
    .check = answer_check, .write = answer_write, .page = page_notice_admin,
    .refusals = answer_refusals,
};
