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
#include "store/intake.h"
#include "web/intake.h"

#define ACTIVITY_ROWS 20

/* The checklist: item keys, as stored in screening.checklist and named in forms. */
static const char *const check_keys[] = {"complete", "length", "files", "eligible"};
#define NCHECKS (sizeof check_keys / sizeof check_keys[0])

/*
 * The computed checklist from a case's facts: section lengths (5), total
 * characters, attachments, eligibility.  [{key, label, auto, fact}].
 */
static json_t *checklist(struct req *r, const int len[SUBMISSION_SECTIONS], int attachments,
                         int eligible, json_t *ticked)
{
    int complete = 1, length = 1, total = 0;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        total += len[i];
        if (submission_section_required[i] && len[i] == 0)
            complete = 0;
        if (len[i] > submission_section_max[i])
            length = 0;
    }
    if (total < SUBMISSION_TOTAL_MIN || total > SUBMISSION_TOTAL_MAX)
        length = 0;
    int value[NCHECKS] = {complete, length, attachments > 0, eligible};
    const char *fact[NCHECKS] = {
        NULL, arena_printf(&r->arena, "%d", total), arena_printf(&r->arena, "%d", attachments),
        NULL};
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
    (void)in;
    int64_t campaign = store_current_campaign_id(web.store);
    json_t *m = json_object();
    json_t *cur = campaign ? store_current_campaign(web.store) : NULL;
    if (cur)
        json_object_set_new(m, "campaign", cur);
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
    p->model = m;
    p->template = "admin";
    p->title = i18n_get(r->lang, "admin_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ screening */

/* The queue page's model for region (NULL: all), with an optional notice. */
static json_t *queue_model(struct req *r, const char *region)
{
    int64_t campaign = store_current_campaign_id(web.store);
    json_t *items = campaign ? store_intake_queue(web.store, campaign, region) : NULL;
    if (!items)
        items = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        int len[SUBMISSION_SECTIONS] = {0};
        for (int k = 0; k < SUBMISSION_SECTIONS; k++)
            len[k] = (int)json_integer_value(json_array_get(json_object_get(it, "sections"), k));
        json_object_set_new(
            it, "checks",
            checklist(r, len, (int)json_integer_value(json_object_get(it, "attachments")),
                      json_is_true(json_object_get(it, "eligible")), NULL));
    }
    json_t *regions = campaign ? store_intake_quotas(web.store, campaign) : NULL;
    if (!regions)
        regions = json_array();
    json_array_foreach(regions, i, it)
    {
        const char *code = json_string_value(json_object_get(it, "code"));
        json_object_set_new(it, "selected", json_boolean(region && code && !strcmp(code, region)));
    }
    return json_pack("{s:o,s:i,s:o,s:s}", "items", items, "count", (int)json_array_size(items),
                     "regions", regions, "region", region ? region : "");
}

enum web_err page_admin_screening(struct req *r, const struct web_input *in, struct page *p)
{
    p->model = queue_model(r, in->region);
    if (query_get(&r->query, "done"))
        json_object_set_new(p->model, "notice", json_string(i18n_get(r->lang, "intake_done")));
    p->template = "admin_screening";
    p->title = i18n_get(r->lang, "admin_screening_title");
    return WEB_OK;
}

/* The decision form as typed, to show again after an error. */
struct decision {
    int64_t campaign, case_id, user_id;
    const char *action;   /* pass / correction / reject */
    const char *to;       /* the status it leads to */
    const char *decision; /* as the screening table names it */
    const char *reason, *due;
    const char *checklist_json;
    const char *subject, *body;
};

/* The one-case page: the case, its checklist (ticked as typed), the form. */
static void case_page(struct req *r, struct resp *w, int status, int64_t id, const char *error,
                      const struct query *form)
{
    json_t *c = intake_case_model(r, id, NULL);
    if (!c) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    int len[SUBMISSION_SECTIONS] = {0};
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        int seq = (int)json_integer_value(json_object_get(s, "seq"));
        if (seq >= 1 && seq <= SUBMISSION_SECTIONS)
            len[seq - 1] = (int)json_integer_value(json_object_get(s, "chars"));
    }
    json_t *ticked = NULL;
    if (form) {
        ticked = json_object();
        for (size_t k = 0; k < NCHECKS; k++) {
            char name[32];
            snprintf(name, sizeof name, "check_%s", check_keys[k]);
            json_object_set_new(ticked, check_keys[k], json_boolean(query_get(form, name) != NULL));
        }
    } else {
        json_t *sc = json_object_get(c, "screening");
        if (sc && json_object_size(json_object_get(sc, "checklist")))
            ticked = json_incref(json_object_get(sc, "checklist"));
    }
    json_object_set_new(
        c, "checks",
        checklist(r, len, (int)json_array_size(json_object_get(c, "attachments")),
                  json_is_true(json_object_get(c, "eligible")), ticked));
    json_decref(ticked);
    const char *st = json_string_value(json_object_get(c, "status"));
    json_object_set_new(c, "actionable", json_boolean(st && strcmp(st, "recommended") == 0));
    const char *action = form ? query_get(form, "decision") : NULL;
    json_object_set_new(c, "form",
                        json_pack("{s:s,s:s,s:b,s:b,s:b}", "reason",
                                  form && query_get(form, "reason") ? query_get(form, "reason") : "",
                                  "due", form && query_get(form, "due") ? query_get(form, "due") : "",
                                  "pass", !action || !strcmp(action, "pass"), "correction",
                                  action && !strcmp(action, "correction"), "reject",
                                  action && !strcmp(action, "reject")));
    char today[11];
    submission_today(today);
    json_object_set_new(c, "today", json_string(today));
    if (error)
        json_object_set_new(c, "error", json_string(i18n_get(r->lang, error)));
    const char *title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "title")));
    web_render(r, w, status, "admin_screening_case", title, c);
}

void raw_admin_screening_case(struct req *r, struct resp *w)
{
    case_page(r, w, 200, intake_path_id(r->params[0]), NULL, NULL);
}

/* 1 if s is a real calendar date written YYYY-MM-DD. */
static int date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
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
    int rc = tx_intake_move(tx, d->campaign, d->case_id, NULL, "recommended", d->to, d->user_id,
                            d->reason ? d->reason : "", d->due);
    if (rc == RC_OK)
        rc = tx_intake_screening(tx, d->case_id, d->decision, d->checklist_json, d->reason,
                                 d->due, d->user_id);
    if (rc == RC_OK)
        rc = tx_intake_notify(tx, d->case_id, d->subject, d->body);
    return rc;
}

static void decide_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct decision *d = arg;
    if (rc == RC_STALE)
        case_page(r, w, 409, d->case_id, "intake_stale", NULL);
    else if (rc != RC_OK)
        web_error(r, w, WEB_UNAVAILABLE);
    else
        web_redirect(r, w, "/admin/screening?done=1");
}

void raw_admin_screening_decide(struct req *r, struct resp *w)
{
    int64_t id = intake_path_id(r->params[0]);
    const struct query *f = web_form(r);
    json_t *c = intake_case_model(r, id, NULL);
    if (!c) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    const char *st = json_string_value(json_object_get(c, "status"));
    int stale = !st || strcmp(st, "recommended") != 0;
    struct decision *d = arena_alloc(&r->arena, sizeof *d);
    if (!d) {
        json_decref(c);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(d, 0, sizeof *d);
    d->campaign = json_integer_value(json_object_get(c, "campaign_id"));
    d->case_id = id;
    d->user_id = web_user(r)->id;
    const char *title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "title")));
    json_decref(c);
    if (stale) {
        case_page(r, w, 409, id, "intake_stale", NULL);
        return;
    }
    const char *error = NULL;
    char today[11];
    submission_today(today);
    if (!decision_of(query_get(f, "decision"), d)) {
        error = "intake_decision_missing";
    } else if (strcmp(d->action, "pass") != 0) {
        d->reason = intake_reason(r, query_get(f, "reason"));
        if (!d->reason)
            error = "intake_reason_missing";
        if (!error && strcmp(d->action, "correction") == 0) {
            d->due = query_get(f, "due");
            if (!date_ok(d->due))
                error = "intake_due_invalid";
            else if (strcmp(d->due, today) <= 0)
                error = "intake_due_past";
        }
    }
    if (error) {
        case_page(r, w, 422, id, error, f);
        return;
    }
    json_t *list = json_object();
    for (size_t k = 0; k < NCHECKS; k++) {
        char name[32];
        snprintf(name, sizeof name, "check_%s", check_keys[k]);
        json_object_set_new(list, check_keys[k], json_boolean(query_get(f, name) != NULL));
    }
    char *js = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
    d->checklist_json = arena_strdup(&r->arena, js ? js : "{}");
    free(js);
    json_decref(list);
    intake_mail_text(r, id, title, d->to, d->reason, d->due, &d->subject, &d->body);
    web_write(r, w, decide_write, d, decide_then);
}

/* A bulk decision: many cases, one decision, one transaction. */
struct bulk {
    struct decision d[INTAKE_BULK_MAX];
    size_t n;
    int skipped[INTAKE_BULK_MAX]; /* set by the write */
};

static int bulk_write(struct store_tx *tx, void *arg)
{
    struct bulk *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        b->skipped[i] = 0;
        int rc = decide_write(tx, &b->d[i]);
        if (rc == RC_STALE) {
            b->skipped[i] = 1;
            continue;
        }
        if (rc != RC_OK)
            return rc;
    }
    return RC_OK;
}

static void bulk_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct bulk *b = arg;
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    json_t *m = queue_model(r, NULL);
    json_t *done = json_array(), *skipped = json_array();
    for (size_t i = 0; i < b->n; i++)
        json_array_append_new(b->skipped[i] ? skipped : done, json_integer(b->d[i].case_id));
    const char *notice = arena_printf(&r->arena, "%s %d · %s %d", i18n_get(r->lang, "intake_bulk_done"),
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
    web_render(r, w, 200, "admin_screening", i18n_get(r->lang, "admin_screening_title"), m);
}

/* Add id (once) to the bulk; 0 if it is not a case id. */
static int bulk_add(struct bulk *b, const char *v)
{
    int64_t id = intake_path_id(v);
    if (!id)
        return 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->d[i].case_id == id)
            return 1;
    if (b->n >= INTAKE_BULK_MAX)
        return 0;
    b->d[b->n++].case_id = id;
    return 1;
}

void raw_admin_screening_bulk(struct req *r, struct resp *w)
{
    const struct query *f = web_form(r);
    struct bulk *b = arena_alloc(&r->arena, sizeof *b);
    if (!b) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(b, 0, sizeof *b);
    struct decision proto = {0};
    const char *error = NULL;
    const char *word = query_get(f, "decision");
    if (!decision_of(word, &proto) || strcmp(proto.action, "correction") == 0)
        error = "intake_bulk_decision";
    for (size_t i = 0; i < f->n && !error; i++) {
        if (strcmp(f->v[i].key, "id") == 0 && !bulk_add(b, f->v[i].val))
            error = "intake_bulk_ids";
        if (strcmp(f->v[i].key, "ids") == 0) {
            char *list = arena_strdup(&r->arena, f->v[i].val), *save = NULL;
            for (char *t = list ? strtok_r(list, ", ", &save) : NULL; t && !error;
                 t = strtok_r(NULL, ", ", &save))
                if (!bulk_add(b, t))
                    error = "intake_bulk_ids";
        }
    }
    if (!error && b->n == 0)
        error = "intake_bulk_none";
    if (!error && strcmp(proto.action, "reject") == 0 &&
        !(proto.reason = intake_reason(r, query_get(f, "reason"))))
        error = "intake_reason_missing";
    if (error) {
        json_t *m = queue_model(r, NULL);
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
        web_render(r, w, 422, "admin_screening", i18n_get(r->lang, "admin_screening_title"), m);
        return;
    }
    int64_t campaign = store_current_campaign_id(web.store);
    proto.campaign = campaign;
    proto.user_id = web_user(r)->id;
    proto.checklist_json = "{\"bulk\":true}";
    for (size_t i = 0; i < b->n; i++) {
        int64_t id = b->d[i].case_id;
        json_t *c = campaign ? store_intake_case(web.store, campaign, id) : NULL;
        const char *title = c ? json_string_value(json_object_get(c, "title")) : "";
        b->d[i] = proto;
        b->d[i].case_id = id;
        intake_mail_text(r, id, title, proto.to, proto.reason, NULL, &b->d[i].subject,
                         &b->d[i].body);
        json_decref(c);
    }
    web_write(r, w, bulk_write, b, bulk_then);
}

/* ------------------------------------------------------------- settings */

/* The settings form's model from the database, or NULL when no campaign is under way. */
static json_t *settings_model(struct req *r)
{
    (void)r;
    json_t *cur = store_current_campaign(web.store);
    if (!cur)
        return NULL;
    int64_t id = json_integer_value(json_object_get(cur, "id"));
    json_t *regions = store_intake_quotas(web.store, id);
    json_object_set_new(cur, "regions", regions ? regions : json_array());
    json_object_del(cur, "quotas");
    json_object_del(cur, "stages");
    return cur;
}

static void settings_page(struct req *r, struct resp *w, int status, json_t *m, const char *error,
                          json_t *errors)
{
    if (error)
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
    if (errors)
        json_object_set_new(m, "errors", errors);
    if (query_get(&r->query, "saved"))
        json_object_set_new(m, "saved", json_true());
    web_render(r, w, status, "admin_settings", i18n_get(r->lang, "admin_settings_title"), m);
}

void raw_admin_settings_form(struct req *r, struct resp *w)
{
    json_t *m = settings_model(r);
    if (!m) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    settings_page(r, w, 200, m, NULL, NULL);
}

struct settings {
    int64_t campaign;
    const char *opens_at, *closes_at;
    size_t ntracks;
    const char *track_slug[INTAKE_TRACKS_MAX], *track_name[INTAKE_TRACKS_MAX];
    const char *new_slug, *new_name;
    size_t nquotas;
    const char *region[64];
    int quota[64];
};

static int settings_write(struct store_tx *tx, void *arg)
{
    struct settings *s = arg;
    int rc = tx_intake_timeline(tx, s->campaign, s->opens_at, s->closes_at);
    for (size_t i = 0; rc == RC_OK && i < s->ntracks; i++)
        rc = tx_intake_track_rename(tx, s->campaign, s->track_slug[i], s->track_name[i]);
    if (rc == RC_OK && s->new_name)
        rc = tx_intake_track_add(tx, s->campaign, s->new_slug, s->new_name);
    for (size_t i = 0; rc == RC_OK && i < s->nquotas; i++)
        rc = tx_intake_quota(tx, s->campaign, s->region[i], s->quota[i]);
    return rc;
}

static void settings_then(struct req *r, struct resp *w, int rc, void *arg)
{
    (void)arg;
    if (rc == RC_STALE || rc == RC_NOTFOUND) {
        json_t *m = settings_model(r);
        if (!m) {
            web_error(r, w, WEB_NOT_FOUND);
            return;
        }
        settings_page(r, w, 409, m, "intake_stale", NULL);
    } else if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
    } else {
        web_redirect(r, w, "/admin/settings?saved=1");
    }
}

/* A track name: trimmed, 1..INTAKE_TRACK_MAX characters; NULL if not. */
static const char *track_name_of(struct req *r, const char *v)
{
    if (!v)
        return NULL;
    while (*v == ' ')
        v++;
    size_t n = strlen(v);
    while (n && v[n - 1] == ' ')
        n--;
    if (!n || utf8_count(v, n) > INTAKE_TRACK_MAX || memchr(v, '\n', n) || memchr(v, '\r', n))
        return NULL;
    return arena_strndup(&r->arena, v, n);
}

/* A quota 0..INTAKE_QUOTA_MAX written in digits, or -1. */
static int quota_of(const char *v)
{
    if (!v || !*v || strlen(v) > 3 || strspn(v, "0123456789") != strlen(v))
        return -1;
    int q = atoi(v);
    return q <= INTAKE_QUOTA_MAX ? q : -1;
}

void raw_admin_settings(struct req *r, struct resp *w)
{
    const struct query *f = web_form(r);
    json_t *m = settings_model(r);
    if (!m) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct settings *s = arena_alloc(&r->arena, sizeof *s);
    if (!s) {
        json_decref(m);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(s, 0, sizeof *s);
    s->campaign = json_integer_value(json_object_get(m, "id"));
    json_t *errors = json_array();
    /* The timeline. */
    s->opens_at = query_get(f, "opens_at");
    s->closes_at = query_get(f, "closes_at");
    if (!date_ok(s->opens_at) || !date_ok(s->closes_at))
        json_array_append_new(errors, json_string(i18n_get(r->lang, "intake_date_invalid")));
    else if (strcmp(s->opens_at, s->closes_at) > 0)
        json_array_append_new(errors, json_string(i18n_get(r->lang, "intake_dates_order")));
    if (s->opens_at)
        json_object_set_new(m, "opens_at", json_string(s->opens_at));
    if (s->closes_at)
        json_object_set_new(m, "closes_at", json_string(s->closes_at));
    /* Track names: track_<slug> for each existing track, new_track for one more. */
    size_t i;
    json_t *t;
    int bad_track = 0;
    json_array_foreach(json_object_get(m, "tracks"), i, t)
    {
        const char *slug = json_string_value(json_object_get(t, "slug"));
        char *field = arena_printf(&r->arena, "track_%s", slug);
        const char *v = field ? query_get(f, field) : NULL;
        if (!v)
            continue;
        json_object_set_new(t, "name", json_string(v));
        const char *name = track_name_of(r, v);
        if (!name) {
            bad_track = 1;
            continue;
        }
        if (s->ntracks < INTAKE_TRACKS_MAX) {
            s->track_slug[s->ntracks] = slug ? arena_strdup(&r->arena, slug) : "";
            s->track_name[s->ntracks++] = name;
        }
    }
    const char *nv = query_get(f, "new_track");
    if (nv && strspn(nv, " ") != strlen(nv)) {
        json_object_set_new(m, "new_track", json_string(nv));
        s->new_name = track_name_of(r, nv);
        size_t have = json_array_size(json_object_get(m, "tracks"));
        if (!s->new_name)
            bad_track = 1;
        else if (have >= INTAKE_TRACKS_MAX)
            json_array_append_new(errors, json_string(i18n_get(r->lang, "intake_tracks_many")));
        else {
            /* The smallest track-N not taken. */
            for (int n = (int)have + 1;; n++) {
                char *slug = arena_printf(&r->arena, "track-%d", n);
                int taken = 0;
                json_array_foreach(json_object_get(m, "tracks"), i, t)
                {
                    const char *ts = json_string_value(json_object_get(t, "slug"));
                    if (ts && slug && strcmp(ts, slug) == 0)
                        taken = 1;
                }
                if (!taken) {
                    s->new_slug = slug;
                    break;
                }
            }
        }
    }
    if (bad_track)
        json_array_append_new(errors, json_string(i18n_get(r->lang, "intake_track_invalid")));
    /* Quotas: quota_<code> for each region. */
    int bad_quota = 0;
    json_array_foreach(json_object_get(m, "regions"), i, t)
    {
        const char *code = json_string_value(json_object_get(t, "code"));
        char *field = arena_printf(&r->arena, "quota_%s", code);
        const char *v = field ? query_get(f, field) : NULL;
        if (!v)
            continue;
        int q = quota_of(v);
        if (q < 0) {
            bad_quota = 1;
            json_object_set_new(t, "quota", json_string(v));
            json_object_set_new(t, "bad", json_true());
            continue;
        }
        json_object_set_new(t, "quota", json_integer(q));
        if (s->nquotas < sizeof s->quota / sizeof s->quota[0]) {
            s->region[s->nquotas] = arena_strdup(&r->arena, code);
            s->quota[s->nquotas++] = q;
        }
    }
    if (bad_quota)
        json_array_append_new(errors, json_string(i18n_get(r->lang, "intake_quota_invalid")));
    if (json_array_size(errors)) {
        settings_page(r, w, 422, m, "intake_settings_invalid", errors);
        return;
    }
    json_decref(errors);
    json_decref(m);
    web_write(r, w, settings_write, s, settings_then);
}
