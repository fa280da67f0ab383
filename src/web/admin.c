/*
 * admin.c — the organiser's pages for the campaign being run: the
 * dashboard (counts by status, each region against its quota, recent
 * activity), formal screening (形式审查) of the recommended cases one by one
 * or many at once, and the campaign's settings (timeline, track names,
 * regional quotas).
 *
 * Screening moves a case out of `recommended` to passed, correction (补正,
 * with a reason and a due date in the future) or rejected (with a reason);
 * the checklist the organiser ticked is kept with the decision, and the
 * case's people get a message through the outbox in the same transaction.
 * Every move is a compare-and-set on `recommended`, so of two organisers
 * deciding one case at once only the first wins; the bulk action reports
 * the cases it skipped for that reason.  Settings validate as a whole
 * before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/submission.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/campaigns.h"
#include "store/intake.h"
#include "store/submissions.h"
#include "web/action.h"
#include "web/admin.h"
#include "web/admin_list.h"
#include "web/campaigns.h"
#include "web/intake.h"
#include "web/intake_remind.h"

#define ACTIVITY_ROWS 20

/* The checklist: item keys, as stored in screening.checklist and named in forms. */
static const char *const check_keys[] = {"complete", "length", "files", "unit", "eligible"};
#define NCHECKS (sizeof check_keys / sizeof check_keys[0])
/* The items that are the call's rules: a case failing one of them cannot pass. */
#define NRULES 4

/*
 * The computed checks of a case model (the store's, with sections and
 * rules): required sections, lengths, the attachments the call requires,
 * the unit's limit, eligibility; each 1 or 0 in value.  The total length and
 * the number of attachments are the facts shown beside them.
 */
static void case_checks(json_t *c, int value[NCHECKS], int *total, int *files)
{
    int len[SUBMISSION_SECTIONS];
    json_t *sections = json_object_get(c, "sections");
    if (json_array_size(sections) && json_is_integer(json_array_get(sections, 0)))
        for (int k = 0; k < SUBMISSION_SECTIONS; k++) /* the queue's: lengths in order */
            len[k] = (int)json_integer_value(json_array_get(sections, (size_t)k));
    else
        intake_case_lengths(c, len);
    json_t *rules = json_object_get(c, "rules");
    json_t *att = json_object_get(c, "attachments");
    *files = json_is_array(att) ? (int)json_array_size(att) : (int)json_integer_value(att);
    *total = 0;
    for (int k = 0; k < SUBMISSION_SECTIONS; k++)
        *total += len[k];
    int per_unit = (int)json_integer_value(json_object_get(rules, "cases_per_unit"));
    value[0] = submission_sections_complete(len);
    value[1] = submission_lengths_ok(len);
    value[2] = *files >= (int)json_integer_value(json_object_get(rules, "attachments_min"));
    value[3] = per_unit <= 0 ||
               json_integer_value(json_object_get(rules, "unit_others")) < per_unit;
    value[4] = json_is_true(json_object_get(c, "eligible"));
}

/* 1 if the case keeps every rule of the call the checklist computes. */
static int case_keeps_rules(json_t *c)
{
    int value[NCHECKS], total, files;
    case_checks(c, value, &total, &files);
    for (size_t i = 0; i < NRULES; i++)
        if (!value[i])
            return 0;
    return 1;
}

/* The checklist of a case model: [{key, label, auto, checked, fact}]. */
static json_t *checklist(struct req *r, json_t *c, json_t *ticked)
{
    int value[NCHECKS], total, files;
    case_checks(c, value, &total, &files);
    const char *fact[NCHECKS] = {NULL, arena_printf(&r->arena, "%d", total),
                                 arena_printf(&r->arena, "%d", files), NULL, NULL};
    json_t *a = json_array();
    for (size_t i = 0; i < NCHECKS; i++) {
        char key[48];
        snprintf(key, sizeof key, "intake_check_%s", check_keys[i]);
        json_t *t = ticked ? json_object_get(ticked, check_keys[i]) : NULL;
        json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:b,s:s}", "key", check_keys[i], "label",
                                           i18n_get(r->lang, key), "auto", value[i], "checked",
                                           t ? json_is_true(t) : value[i], "fact",
                                           fact[i] ? fact[i] : ""));
    }
    return a;
}

/* ------------------------------------------------------------ dashboard */

static const char *const dash_statuses[] = {"draft",  "submitted",  "returned", "recommended",
                                            "passed", "correction", "rejected"};

enum web_err page_admin(struct req *r, const struct web_input *in, struct page *p)
{
    int64_t campaign = campaigns_chosen(in);
    if (in->campaign && !campaign)
        return WEB_NOT_FOUND;
    json_t *m = json_object();
    json_t *cur = campaign ? store_campaign_settings(web.store, campaign) : NULL;
    if (cur) {
        json_object_set_new(m, "campaign", cur);
        json_object_set_new(m, "bar", campaigns_bar(r, campaign, "/admin"));
        json_object_set_new(m, "campaign_id", json_integer(campaign));
        json_object_set_new(m, "is_current",
                            json_boolean(campaign == store_current_campaign_id(web.store)));
    }
    json_t *d = campaign ? store_intake_dashboard(web.store, campaign) : NULL;
    json_t *statuses = json_array();
    json_t *counts = d ? json_object_get(d, "statuses") : NULL;
    for (size_t i = 0; i < sizeof dash_statuses / sizeof dash_statuses[0]; i++)
        json_array_append_new(
            statuses,
            json_pack("{s:s,s:s,s:I}", "status", dash_statuses[i], "status_word",
                      intake_status_word(r, dash_statuses[i]), "count",
                      (json_int_t)json_integer_value(json_object_get(counts, dash_statuses[i]))));
    json_object_set_new(m, "statuses", statuses);
    json_object_set_new(m, "counts", counts ? json_incref(counts) : json_object());
    json_object_set_new(m, "total", json_integer(json_integer_value(json_object_get(d, "total"))));
    json_t *regions = d ? json_incref(json_object_get(d, "regions")) : json_array();
    json_object_set_new(m, "regions", regions);
    json_decref(d);
    json_t *act = campaign ? store_intake_activity(web.store, campaign, ACTIVITY_ROWS) : NULL;
    if (!act)
        act = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(act, i, e)
    {
        const char *to = json_string_value(json_object_get(e, "to"));
        json_object_set_new(e, "to_word", json_string(intake_status_word(r, to)));
    }
    json_object_set_new(m, "activity", act);
    intake_remind_model(r, campaign, m);
    p->model = m;
    p->template = "admin";
    p->title = i18n_get(r->lang, "admin_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ screening */

/* The statuses the screening list shows, the first (waiting) by default. */
static const char *const queue_statuses[] = {"recommended", "passed", "correction", "rejected",
                                             NULL};

/*
 * The screening list's model: one page of the cases in a status (waiting
 * by default), of a region and matching the search box; NULL with *e set
 * for a status that is none of them (400) or a page beyond the last (404).
 */
static json_t *queue_model(struct req *r, const struct web_input *in, enum web_err *e)
{
    const char *status = admin_list_choice(r, "status", queue_statuses);
    if (!status) {
        *e = WEB_BAD_PARAM;
        return NULL;
    }
    int64_t campaign = campaigns_chosen(in);
    if (in->campaign && !campaign) {
        *e = WEB_NOT_FOUND;
        return NULL;
    }
    struct intake_queue_filter f = {in->region, *status ? status : NULL, in->q,
                                    admin_list_q_id(in->q), admin_list_offset(in->page),
                                    ADMIN_LIST_PER_PAGE};
    int total = 0;
    json_t *items = campaign ? store_intake_queue(web.store, campaign, &f, &total) : NULL;
    if (!items)
        items = json_array();
    const char *chosen = in->campaign ? arena_printf(&r->arena, "%lld", (long long)campaign) : NULL;
    struct admin_filter keep[] = {{"campaign", chosen}, {"status", status}, {"region", in->region}};
    json_t *pager = admin_list_pager(r, "/admin/screening", keep, 3, in->page, total);
    if (!pager) {
        json_decref(items);
        *e = WEB_PAGE_RANGE;
        return NULL;
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        json_object_set_new(it, "checks", checklist(r, it, NULL));
    json_t *regions = campaign ? store_intake_quotas(web.store, campaign) : NULL;
    if (!regions)
        regions = json_array();
    json_array_foreach(regions, i, it)
    {
        const char *code = json_string_value(json_object_get(it, "code"));
        json_object_set_new(it, "selected",
                            json_boolean(in->region && code && !strcmp(code, in->region)));
    }
    json_t *statuses = json_array();
    for (size_t k = 0; queue_statuses[k]; k++)
        json_array_append_new(
            statuses,
            json_pack("{s:s,s:s,s:b}", "value", queue_statuses[k], "label",
                      i18n_get(r->lang, arena_printf(&r->arena, "alist_screening_%s",
                                                     queue_statuses[k])),
                      "selected", (!*status && k == 0) || !strcmp(status, queue_statuses[k])));
    *e = WEB_OK;
    /* Decisions act on the campaign being run (as the bulk action does): its waiting list only. */
    int waiting = (!*status || !strcmp(status, "recommended")) &&
                  campaign == store_current_campaign_id(web.store);
    return json_pack("{s:o,s:i,s:o,s:s,s:o,s:o,s:o,s:b,s:{s:s,s:s,s:b}}", "items", items, "count",
                     total, "regions", regions, "region", in->region ? in->region : "", "bar",
                     campaigns_bar(r, campaign, "/admin/screening"), "pager", pager, "statuses",
                     statuses, "waiting", waiting, "filter", "q", in->q ? in->q : "", "campaign",
                     chosen ? chosen : "", "any", in->q || in->region || *status);
}

/* One decision on one case, from the server thread to the writer. */
struct decision {
    int64_t campaign, case_id, user_id;
    const char *action;   /* pass / correction / reject */
    const char *to;       /* the status it leads to */
    const char *decision; /* as the screening table names it */
    const char *reason, *due;
    const char *checklist_json;
    const char *title; /* the case's, for its message */
    const char *subject, *body;
    int broken; /* the case breaks a rule of the call: it may not pass */
};

/* A bulk decision: many cases, one decision, one transaction. */
struct bulk {
    struct decision d[INTAKE_BULK_MAX];
    size_t n;
    int skipped[INTAKE_BULK_MAX]; /* set by the write */
    int ran;                      /* the write committed: the page reports it */
};

/* The bulk action's report on the queue page: what was done, what was skipped and why. */
static void bulk_report(struct req *r, json_t *m, const struct bulk *b)
{
    json_t *done = json_array(), *skipped = json_array();
    for (size_t i = 0; i < b->n; i++)
        json_array_append_new(b->skipped[i] ? skipped : done, json_integer(b->d[i].case_id));
    const char *notice = arena_printf(&r->arena, "%s %d · %s %d",
                                      i18n_get(r->lang, "intake_bulk_done"),
                                      (int)json_array_size(done),
                                      i18n_get(r->lang, "intake_bulk_skipped"),
                                      (int)json_array_size(skipped));
    json_object_set_new(m, "notice", json_string(notice ? notice : ""));
    const char *list = "";
    for (size_t i = 0; i < json_array_size(skipped); i++)
        list = arena_printf(&r->arena, "%s #%lld", list,
                            (long long)json_integer_value(json_array_get(skipped, i)));
    json_object_set_new(m, "skipped_list", json_string(list ? list : ""));
    json_object_set_new(m, "bulk", json_pack("{s:o,s:o}", "done", done, "skipped", skipped));
}

enum web_err page_admin_screening(struct req *r, const struct web_input *in, struct page *p)
{
    enum web_err e;
    p->model = queue_model(r, in, &e);
    if (!p->model)
        return e;
    const struct web_act *x = web_act_of(r);
    if (x && x->a == &act_admin_screening_bulk && ((const struct bulk *)x->state)->ran)
        bulk_report(r, p->model, x->state);
    else if (query_get(&r->query, "done"))
        p->notice = "intake_done";
    p->template = "admin_screening";
    p->title = i18n_get(r->lang, "admin_screening_title");
    return WEB_OK;
}

/* The name of checklist item k's box in the decision form (arena). */
static const char *check_field(struct req *r, size_t k)
{
    return arena_printf(&r->arena, "check_%s", check_keys[k]);
}

/*
 * The one-case page: the case, its checklist and the decision form; shown
 * again after a refused decision, with the boxes, the decision, the reason
 * and the date as typed.
 */
enum web_err page_admin_screening_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = intake_case_model(r, intake_path_id(r->params[0]), NULL);
    if (!c)
        return WEB_NOT_FOUND;
    const struct web_act *x = web_act_of(r);
    const struct query *form = x && (x->errors || x->error) ? web_form(r) : NULL;
    json_t *ticked = NULL;
    if (form) {
        ticked = json_object();
        for (size_t k = 0; k < NCHECKS; k++)
            json_object_set_new(ticked, check_keys[k], json_boolean(web_int(x, check_field(r, k))));
    } else {
        json_t *sc = json_object_get(c, "screening");
        if (sc && json_object_size(json_object_get(sc, "checklist")))
            ticked = json_incref(json_object_get(sc, "checklist"));
    }
    json_object_set_new(c, "checks", checklist(r, c, ticked));
    /* The decision in words (passed / returned / rejected as the store keeps them). */
    json_t *done = json_object_get(c, "screening");
    const char *said = json_string_value(json_object_get(done, "decision"));
    if (said)
        json_object_set_new(done, "decision_word",
                            json_string(i18n_get(r->lang, !strcmp(said, "passed")     ? "intake_decision_pass"
                                                          : !strcmp(said, "returned") ? "intake_decision_correction"
                                                                                      : "intake_decision_reject")));
    int keeps = case_keeps_rules(c);
    json_object_set_new(c, "keeps_rules", json_boolean(keeps));
    json_decref(ticked);
    const char *st = json_string_value(json_object_get(c, "status"));
    json_object_set_new(c, "actionable", json_boolean(st && strcmp(st, "recommended") == 0));
    const char *action = form ? query_get(form, "decision") : NULL;
    const char *reason = form ? query_get(form, "reason") : NULL;
    const char *due = form ? query_get(form, "due") : NULL;
    /* A case that breaks a rule cannot pass: correction is the choice offered first. */
    json_object_set_new(c, "form",
                        json_pack("{s:s,s:s,s:b,s:b,s:b}", "reason", reason ? reason : "", "due",
                                  due ? due : "", "pass",
                                  action ? !strcmp(action, "pass") : keeps, "correction",
                                  action ? !strcmp(action, "correction") : !keeps, "reject",
                                  action && !strcmp(action, "reject")));
    char today[11];
    submission_today(today);
    json_object_set_new(c, "today", json_string(today));
    p->model = c;
    p->template = "admin_screening_case";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "title")));
    return WEB_OK;
}

/* Fill the action, status and screening decision from the form's word; 0 if unknown. */
static int decision_of(const char *word, struct decision *d)
{
    static const struct {
        const char *word, *decision;
        enum case_action act;
    } table[] = {{"pass", "passed", ACT_PASS},
                 {"correction", "returned", ACT_CORRECT},
                 {"reject", "rejected", ACT_REJECT}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (word && strcmp(word, table[i].word) == 0) {
            int to = case_transition(CASE_RECOMMENDED, table[i].act);
            if (to < 0)
                return 0;
            d->action = table[i].word;
            d->decision = table[i].decision;
            d->to = case_status_name((enum case_status)to);
            return 1;
        }
    return 0;
}

static int decide_write(struct store_tx *tx, void *arg)
{
    struct decision *d = arg;
    if (strcmp(d->action, "pass") == 0) { /* the rules hold in the write that passes */
        if (d->broken)
            return RC_INVALID;
        int rc = tx_submission_rules(tx, d->case_id, 1);
        if (rc != RC_OK)
            return rc == RC_NOTFOUND ? RC_STALE : rc;
    }
    int rc = tx_intake_move(tx, d->campaign, d->case_id, NULL, "recommended", d->to, d->user_id,
                            d->reason ? d->reason : "", d->due);
    if (rc == RC_OK)
        rc = tx_intake_screening(tx, d->case_id, d->decision, d->checklist_json, d->reason,
                                 d->due, d->user_id);
    if (rc == RC_OK)
        rc = tx_intake_notify(tx, d->case_id, d->subject, d->body);
    return rc;
}

/* The case of the path, still waiting for screening (else 404, or 409 when decided). */
static enum result decide_load(struct web_act *x)
{
    struct decision *d = x->state;
    d->case_id = intake_path_id(x->r->params[0]);
    json_t *c = intake_case_model(x->r, d->case_id, NULL);
    if (!c)
        return RC_NOTFOUND;
    const char *st = json_string_value(json_object_get(c, "status"));
    int stale = !st || strcmp(st, "recommended") != 0;
    d->campaign = json_integer_value(json_object_get(c, "campaign_id"));
    d->user_id = x->user_id;
    d->title = arena_strdup(&x->r->arena, json_string_value(json_object_get(c, "title")));
    d->broken = !case_keeps_rules(c);
    json_decref(c);
    if (stale) {
        x->error = "intake_stale";
        return RC_STALE;
    }
    return RC_OK;
}

/* A correction needs a reason and a due date after today, a rejection a reason. */
static enum result decide_check(struct web_act *x)
{
    struct decision *d = x->state;
    struct req *r = x->r;
    if (!decision_of(web_text(x, "decision"), d))
        return web_refuse_field(x, "decision", "intake_decision_missing");
    if (d->broken && strcmp(d->action, "pass") == 0)
        return web_refuse_field(x, "decision", "intake_err_rules");
    d->reason = web_text(x, "reason");
    if (strcmp(d->action, "pass") != 0 && !d->reason)
        return web_refuse_field(x, "reason", "intake_reason_missing");
    if (strcmp(d->action, "correction") == 0) {
        char today[11];
        submission_today(today);
        d->due = web_text(x, "due");
        if (!d->due)
            return web_refuse_field(x, "due", "intake_due_invalid");
        if (strcmp(d->due, today) <= 0)
            return web_refuse_field(x, "due", "intake_due_past");
    }
    json_t *list = json_object();
    for (size_t k = 0; k < NCHECKS; k++)
        json_object_set_new(list, check_keys[k], json_boolean(web_int(x, check_field(r, k))));
    char *js = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
    d->checklist_json = arena_strdup(&r->arena, js ? js : "{}");
    free(js);
    json_decref(list);
    intake_mail_text(r, d->case_id, d->title, d->to, d->reason, d->due, &d->subject, &d->body);
    return d->checklist_json ? RC_OK : RC_ERROR;
}

static const char *const decisions[] = {"pass", "correction", "reject", NULL};

static const struct web_field decide_fields[] = {
    {"decision", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, decisions, "intake_decision_missing"},
    {"reason", WEB_F_TEXT, 0, 0, INTAKE_REASON_MAX, NULL, "intake_reason_missing"},
    {"due", WEB_F_DATE, 0, 0, 0, NULL, "intake_due_invalid"},
    {"check_complete", WEB_F_BOOL}, /* one box per item of check_keys */
    {"check_length", WEB_F_BOOL},
    {"check_files", WEB_F_BOOL},
    {"check_unit", WEB_F_BOOL},
    {"check_eligible", WEB_F_BOOL},
    {NULL},
};

const struct web_action act_admin_screening_decide = {
    .fields = decide_fields,
    .state_size = sizeof(struct decision),
    .load = decide_load,
    .check = decide_check,
    .write = decide_write,
    .next = "/admin/screening?done=1",
    .page = page_admin_screening_case,
    .refusals = (const struct web_refusal[]){{RC_STALE, 0, "intake_stale", NULL},
                                             {RC_EXISTS, 409, "intake_err_unit_limit", NULL},
                                             {RC_INVALID, 422, "intake_err_rules", NULL},
                                             {RC_OK}},
};

/*
 * A case decided meanwhile, or one the call's rules keep from passing, is
 * skipped, not a failure: the report names it.
 */
static int bulk_write(struct store_tx *tx, void *arg)
{
    struct bulk *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        b->skipped[i] = 0;
        int rc = decide_write(tx, &b->d[i]);
        if (rc == RC_STALE || rc == RC_EXISTS || rc == RC_INVALID) {
            b->skipped[i] = 1;
            continue;
        }
        if (rc != RC_OK)
            return rc;
    }
    b->ran = 1;
    return RC_OK;
}

/* Add the ids of field name (once each) to the bulk; RC_INVALID past INTAKE_BULK_MAX. */
static enum result bulk_add(struct web_act *x, struct bulk *b, const char *name)
{
    size_t n;
    const int64_t *ids = web_ids(x, name, &n);
    for (size_t k = 0; k < n; k++) {
        size_t i = 0;
        while (i < b->n && b->d[i].case_id != ids[k])
            i++;
        if (i < b->n)
            continue;
        if (b->n >= INTAKE_BULK_MAX)
            return web_refuse_field(x, name, "intake_bulk_ids");
        b->d[b->n++].case_id = ids[k];
    }
    return RC_OK;
}

/* At least one case, a reason for a rejection; each case's message. */
static enum result bulk_check(struct web_act *x)
{
    struct bulk *b = x->state;
    struct decision proto = {0};
    if (!decision_of(web_text(x, "decision"), &proto))
        return web_refuse_field(x, "decision", "intake_bulk_decision");
    if (bulk_add(x, b, "id") != RC_OK || bulk_add(x, b, "ids") != RC_OK)
        return RC_INVALID;
    if (b->n == 0)
        return web_refuse_field(x, "id", "intake_bulk_none");
    proto.reason = web_text(x, "reason");
    if (strcmp(proto.action, "reject") == 0 && !proto.reason)
        return web_refuse_field(x, "reason", "intake_reason_missing");
    int64_t campaign = store_current_campaign_id(web.store);
    proto.campaign = campaign;
    proto.user_id = x->user_id;
    proto.checklist_json = "{\"bulk\":true}";
    for (size_t i = 0; i < b->n; i++) {
        int64_t id = b->d[i].case_id;
        json_t *c = campaign ? store_intake_case(web.store, campaign, id) : NULL;
        const char *title = c ? json_string_value(json_object_get(c, "title")) : "";
        b->d[i] = proto;
        b->d[i].case_id = id;
        b->d[i].broken = c && !case_keeps_rules(c);
        intake_mail_text(x->r, id, title, proto.to, proto.reason, NULL, &b->d[i].subject,
                         &b->d[i].body);
        json_decref(c);
    }
    return RC_OK;
}

static const char *const bulk_decisions[] = {"pass", "reject", NULL};

static const struct web_field bulk_fields[] = {
    {"decision", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, bulk_decisions, "intake_bulk_decision"},
    {"id", WEB_F_IDS, 0, 0, INTAKE_BULK_MAX, NULL, "intake_bulk_ids"},  /* repeated: the boxes */
    {"ids", WEB_F_IDS, 0, 0, INTAKE_BULK_MAX, NULL, "intake_bulk_ids"}, /* or one list "3,5" */
    {"reason", WEB_F_TEXT, 0, 0, INTAKE_REASON_MAX, NULL, "intake_reason_missing"},
    {NULL},
};

const struct web_action act_admin_screening_bulk = {
    .fields = bulk_fields,
    .state_size = sizeof(struct bulk),
    .check = bulk_check,
    .write = bulk_write,
    .page = page_admin_screening,
    .done = page_admin_screening,
};

/* ------------------------------------------------------------- settings */

/*
 * The settings page: the campaign's timeline, track names and regional
 * quotas; shown again after a refused save with the values as typed, the
 * refused quotas marked and the list of what to correct.
 */
enum web_err page_admin_settings(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t campaign = campaigns_chosen_req(r);
    json_t *m = campaign ? store_campaign_settings(web.store, campaign) : NULL;
    if (!m)
        return WEB_NOT_FOUND;
    json_object_set_new(m, "bar", campaigns_bar(r, campaign, "/admin/settings"));
    json_t *regions = store_intake_quotas(web.store, json_integer_value(json_object_get(m, "id")));
    json_object_set_new(m, "regions", regions ? regions : json_array());
    json_object_del(m, "stages");
    json_object_del(m, "tiers");
    json_object_del(m, "call_md");
    const struct web_act *x = web_act_of(r);
    if (x && x->errors) {
        const struct query *f = web_form(r);
        const char *v;
        if ((v = query_get(f, "opens_at")))
            json_object_set_new(m, "opens_at", json_string(v));
        if ((v = query_get(f, "closes_at")))
            json_object_set_new(m, "closes_at", json_string(v));
        if ((v = query_get(f, "new_track")))
            json_object_set_new(m, "new_track", json_string(v));
        json_t *rules = json_object_get(m, "rules");
        static const char *const rule_fields[] = {"cases_per_unit", "attachments_min",
                                                  "attachments_note"};
        for (size_t k = 0; k < sizeof rule_fields / sizeof *rule_fields; k++)
            if ((v = query_get(f, rule_fields[k])))
                json_object_set_new(rules, rule_fields[k], json_string(v));
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(m, "tracks"), i, t)
        {
            const char *slug = json_string_value(json_object_get(t, "slug"));
            if ((v = query_get(f, arena_printf(&r->arena, "track_%s", slug ? slug : ""))))
                json_object_set_new(t, "name", json_string(v));
        }
        json_array_foreach(json_object_get(m, "regions"), i, t)
        {
            const char *code = json_string_value(json_object_get(t, "code"));
            const char *field = arena_printf(&r->arena, "quota_%s", code ? code : "");
            if ((v = query_get(f, field)))
                json_object_set_new(t, "quota", json_string(v));
            if (field && json_object_get(x->errors, field))
                json_object_set_new(t, "bad", json_true());
        }
    }
    size_t n;
    json_t *t;
    json_array_foreach(json_object_get(m, "tracks"), n, t)
        json_object_set_new(t, "label", json_sprintf("%s %zu", i18n_get(r->lang, "admin_track_n"),
                                                     n + 1));
    if (query_get(&r->query, "saved"))
        json_object_set_new(m, "saved", json_true());
    p->model = m;
    p->template = "admin_settings";
    p->title = i18n_get(r->lang, "admin_settings_title");
    return WEB_OK;
}

/* The settings to write: the timeline, renamed and new tracks, quotas. */
struct settings {
    int64_t campaign;
    const char *opens_at, *closes_at;
    int rules_given, cases_per_unit, attachments_min; /* the call's rules, when sent */
    const char *attachments_note;
    size_t nslugs, ncodes; /* the campaign's tracks and regions, as load found them */
    const char **slug, **code;
    size_t ntracks;
    const char **track_slug, **track_name;
    const char *new_slug, *new_name;
    size_t nquotas;
    const char **region;
    int *quota;
};

/* The campaign under way, its tracks and its regions (404 when none is). */
static enum result settings_load(struct web_act *x)
{
    struct settings *s = x->state;
    struct arena *a = &x->r->arena;
    int64_t campaign = campaigns_chosen_req(x->r);
    json_t *cur = campaign ? store_campaign_settings(web.store, campaign) : NULL;
    if (!cur)
        return RC_NOTFOUND;
    s->campaign = json_integer_value(json_object_get(cur, "id"));
    x->next = arena_printf(a, "/admin/settings?campaign=%lld&saved=1", (long long)s->campaign);
    json_t *tracks = json_object_get(cur, "tracks");
    json_t *regions = store_intake_quotas(web.store, s->campaign);
    size_t nt = json_array_size(tracks), nr = json_array_size(regions);
    s->slug = arena_alloc(a, (nt + 1) * sizeof *s->slug);
    s->track_slug = arena_alloc(a, (nt + 1) * sizeof *s->track_slug);
    s->track_name = arena_alloc(a, (nt + 1) * sizeof *s->track_name);
    s->code = arena_alloc(a, (nr + 1) * sizeof *s->code);
    s->region = arena_alloc(a, (nr + 1) * sizeof *s->region);
    s->quota = arena_alloc(a, (nr + 1) * sizeof *s->quota);
    enum result rc = regions && s->slug && s->track_slug && s->track_name && s->code &&
                             s->region && s->quota
                         ? RC_OK
                         : RC_ERROR;
    size_t i;
    json_t *t;
    json_array_foreach(rc == RC_OK ? tracks : NULL, i, t)
    {
        const char *slug = json_string_value(json_object_get(t, "slug"));
        s->slug[s->nslugs++] = arena_strdup(a, slug ? slug : "");
    }
    json_array_foreach(rc == RC_OK ? regions : NULL, i, t)
    {
        const char *code = json_string_value(json_object_get(t, "code"));
        s->code[s->ncodes++] = arena_strdup(a, code ? code : "");
    }
    json_decref(regions);
    json_decref(cur);
    return rc;
}

/* The smallest track-N not taken, N from the number of tracks plus one. */
static const char *new_track_slug(struct web_act *x, const struct settings *s)
{
    for (size_t n = s->nslugs + 1;; n++) {
        const char *slug = arena_printf(&x->r->arena, "track-%zu", n);
        size_t i = 0;
        while (slug && i < s->nslugs && strcmp(s->slug[i], slug) != 0)
            i++;
        if (!slug || i == s->nslugs)
            return slug;
    }
}

/* The timeline in order; track_<slug> per track and quota_<code> per region, when sent. */
static enum result settings_check(struct web_act *x)
{
    struct settings *s = x->state;
    struct req *r = x->r;
    s->opens_at = web_text(x, "opens_at");
    s->closes_at = web_text(x, "closes_at");
    if (strcmp(s->opens_at, s->closes_at) > 0)
        web_refuse_field(x, "closes_at", "intake_dates_order");
    s->rules_given = web_given(x, "cases_per_unit") && web_given(x, "attachments_min");
    s->cases_per_unit = (int)web_int(x, "cases_per_unit");
    s->attachments_min = (int)web_int(x, "attachments_min");
    s->attachments_note = web_text(x, "attachments_note");
    if (!s->attachments_note)
        s->attachments_note = "";
    for (size_t i = 0; i < s->nslugs; i++) {
        struct web_field f = {arena_printf(&r->arena, "track_%s", s->slug[i]), WEB_F_TEXT,
                              WEB_F_NONEMPTY | WEB_F_ONELINE, 0, INTAKE_TRACK_MAX, NULL,
                              "intake_track_invalid"};
        struct web_value v;
        if (f.name && web_read_field(x, &f, &v) == RC_OK && v.given) {
            s->track_slug[s->ntracks] = s->slug[i];
            s->track_name[s->ntracks++] = v.s;
        }
    }
    s->new_name = web_text(x, "new_track");
    if (s->new_name && s->nslugs >= INTAKE_TRACKS_MAX)
        web_refuse_field(x, "new_track", "intake_tracks_many");
    else if (s->new_name && !(s->new_slug = new_track_slug(x, s)))
        return RC_ERROR;
    for (size_t i = 0; i < s->ncodes; i++) {
        struct web_field f = {arena_printf(&r->arena, "quota_%s", s->code[i]), WEB_F_INT,
                              WEB_F_NONEMPTY, 0, INTAKE_QUOTA_MAX, NULL, "intake_quota_invalid"};
        struct web_value v;
        if (f.name && web_read_field(x, &f, &v) == RC_OK && v.given) {
            s->region[s->nquotas] = s->code[i];
            s->quota[s->nquotas++] = (int)v.i;
        }
    }
    return x->errors ? RC_INVALID : RC_OK;
}

/* All or nothing; a track gone since the page was read is a stale page. */
static int settings_write(struct store_tx *tx, void *arg)
{
    struct settings *s = arg;
    int rc = tx_intake_timeline(tx, s->campaign, s->opens_at, s->closes_at);
    if (rc == RC_OK && s->rules_given)
        rc = tx_intake_rules(tx, s->campaign, s->cases_per_unit, s->attachments_min,
                             s->attachments_note);
    for (size_t i = 0; rc == RC_OK && i < s->ntracks; i++)
        rc = tx_intake_track_rename(tx, s->campaign, s->track_slug[i], s->track_name[i]);
    if (rc == RC_OK && s->new_name)
        rc = tx_intake_track_add(tx, s->campaign, s->new_slug, s->new_name);
    for (size_t i = 0; rc == RC_OK && i < s->nquotas; i++)
        rc = tx_intake_quota(tx, s->campaign, s->region[i], s->quota[i]);
    return rc == RC_NOTFOUND ? RC_STALE : rc;
}

static const struct web_field settings_fields[] = {
    {"opens_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"closes_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"new_track", WEB_F_TEXT, WEB_F_ONELINE, 0, INTAKE_TRACK_MAX, NULL, "intake_track_invalid"},
    {"cases_per_unit", WEB_F_INT, WEB_F_NONEMPTY, 0, INTAKE_PER_UNIT_MAX, NULL,
     "admin_rule_per_unit_invalid"},
    {"attachments_min", WEB_F_INT, WEB_F_NONEMPTY, 0, SUBMISSIONS_MAX_FILES, NULL,
     "admin_rule_files_invalid"},
    {"attachments_note", WEB_F_TEXT, WEB_F_ONELINE, 0, INTAKE_NOTE_MAX, NULL,
     "admin_rule_note_invalid"},
    {NULL},
};

const struct web_action act_admin_settings = {
    .fields = settings_fields,
    .state_size = sizeof(struct settings),
    .load = settings_load,
    .check = settings_check,
    .write = settings_write,
    .next = "/admin/settings?saved=1",
    .page = page_admin_settings,
    .refusals = (const struct web_refusal[]){{RC_STALE, 0, "intake_stale", NULL}, {RC_OK}},
};
