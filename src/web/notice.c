/*
 * notice.c — 公示: publishing a campaign's award proposal for a notice
 * period of working days, the public page, and closing.
 *
 * The organiser gives the number of working days (5 by default), the day
 * it starts (today by default, in China's time), how to object, and any
 * days off or worked of their own; the period's first and last days come
 * from domain/workdays.h (China's official calendar 2019–2026 under the
 * organiser's lines) and are stored as published.  Closing refuses while
 * an objection is open and writes each case's final tier (store/notice.h).
 */
#include <string.h>
#include <time.h>

#include "domain/workdays.h"
#include "store/award.h"
#include "store/ballot.h"
#include "store/notice.h"
#include "web/notice.h"
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
        int open = strcmp(json_string_value(json_object_get(n, "state")), "open") == 0;
        json_object_set_new(n, "open", json_boolean(open));
        json_object_set_new(m, "can_close", json_boolean(on && open));
        json_object_set_new(m, "notice", n);
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
    if (done && (!strcmp(done, "publish") || !strcmp(done, "close")))
        p->notice = arena_printf(&r->arena, "notice_done_%s", done);
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
