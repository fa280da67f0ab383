/*
 * recommend.c — the regional recommender's pages (推荐): the region's
 * submissions in the campaign being run with the quota used, one case read
 * only, and the two actions on a submitted case: endorse it (within the
 * quota, which the database enforces) or return it to its unit with a
 * reason.
 *
 * A recommender acts for one region (user_role.region_code); a case of any
 * other region answers 404, exactly as a case that does not exist, so the
 * pages reveal nothing beyond the region.  Also here: the helpers the
 * organiser's pages share (the read-only case model and the mail text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/markdown.h"
#include "domain/submission.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/intake.h"
#include "store/submissions.h"
#include "web/action.h"
#include "web/intake.h"

int64_t intake_path_id(const char *s)
{
    if (!s || !*s || strlen(s) > 15 || strspn(s, "0123456789") != strlen(s))
        return 0;
    return strtoll(s, NULL, 10);
}

const char *intake_status_word(struct req *r, const char *status)
{
    char key[48];
    snprintf(key, sizeof key, "status_%s", status ? status : "");
    return i18n_get(r->lang, key);
}

/* Add status_word to every object of array a that has a "status" (or from/to) member. */
static void add_status_words(struct req *r, json_t *a)
{
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o)
    {
        const char *st = json_string_value(json_object_get(o, "status"));
        if (st)
            json_object_set_new(o, "status_word", json_string(intake_status_word(r, st)));
        const char *from = json_string_value(json_object_get(o, "from"));
        if (from && *from)
            json_object_set_new(o, "from_word", json_string(intake_status_word(r, from)));
        const char *to = json_string_value(json_object_get(o, "to"));
        if (to)
            json_object_set_new(o, "to_word", json_string(intake_status_word(r, to)));
    }
}

json_t *intake_case_model(struct req *r, int64_t id, const char *region)
{
    /* A region sees the campaign being run; the organiser any campaign's case. */
    int64_t campaign = 0;
    if (region) {
        campaign = store_current_campaign_id(web.store);
    } else if (id > 0) {
        json_t *sub = store_submission(web.store, id);
        campaign = json_integer_value(json_object_get(sub, "campaign_id"));
        json_decref(sub);
    }
    json_t *c = id > 0 && campaign ? store_intake_case(web.store, campaign, id) : NULL;
    if (!c)
        return NULL;
    const char *code = json_string_value(json_object_get(c, "region_code"));
    const char *status = json_string_value(json_object_get(c, "status"));
    /* A region sees a case once submitted: drafts stay the unit's, as in the list. */
    if (region && (!code || strcmp(code, region) != 0 || !status ||
                   strcmp(status, "draft") == 0)) {
        json_decref(c);
        return NULL;
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        const char *md = json_string_value(json_object_get(s, "body_md"));
        char *html = md ? markdown_to_html(md, strlen(md)) : NULL;
        char key[16];
        snprintf(key, sizeof key, "section_%d", (int)json_integer_value(json_object_get(s, "seq")));
        json_object_set_new(s, "heading", json_string(i18n_get(r->lang, key)));
        json_object_set_new(s, "body_html", json_string(html ? html : ""));
        json_object_del(s, "body_md");
        free(html);
    }
    json_array_foreach(json_object_get(c, "attachments"), i, s)
    {
        json_int_t size = json_integer_value(json_object_get(s, "size"));
        json_object_set_new(s, "size_kb", json_integer((size + 1023) / 1024));
    }
    const char *st = json_string_value(json_object_get(c, "status"));
    json_object_set_new(c, "status_word", json_string(intake_status_word(r, st)));
    add_status_words(r, json_object_get(c, "events"));
    json_object_set_new(c, "has_attachments",
                        json_boolean(json_array_size(json_object_get(c, "attachments")) > 0));
    return c;
}

void intake_case_lengths(json_t *c, int len[SUBMISSION_SECTIONS])
{
    memset(len, 0, SUBMISSION_SECTIONS * sizeof *len);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        int seq = (int)json_integer_value(json_object_get(s, "seq"));
        if (seq >= 1 && seq <= SUBMISSION_SECTIONS)
            len[seq - 1] = (int)json_integer_value(json_object_get(s, "chars"));
    }
}

int intake_case_sections_ok(json_t *c)
{
    int len[SUBMISSION_SECTIONS];
    intake_case_lengths(c, len);
    return submission_sections_complete(len) && submission_lengths_ok(len);
}

void intake_mail_text(struct req *r, int64_t case_id, const char *title, const char *to_status,
                      const char *reason, const char *due, const char **subject,
                      const char **body)
{
    char key[48];
    snprintf(key, sizeof key, "intake_mail_subject_%s", to_status);
    const char *what = i18n_get(LANG_ZH, key);
    char skey[48];
    snprintf(skey, sizeof skey, "status_%s", to_status);
    if (!title)
        title = "";
    const char *base = web.base_url ? web.base_url : "";
    *subject = arena_printf(&r->arena, "%s：%s", what, title);
    char *b = arena_printf(&r->arena, "%s\n\n%s：%s\n%s：%s\n", i18n_get(LANG_ZH, "intake_mail_hello"),
                           i18n_get(LANG_ZH, "intake_mail_case"), title,
                           i18n_get(LANG_ZH, "intake_mail_status"),
                           i18n_get(LANG_ZH, skey));
    if (reason && *reason)
        b = arena_printf(&r->arena, "%s%s：%s\n", b, i18n_get(LANG_ZH, "intake_mail_reason"),
                         reason);
    if (due && *due)
        b = arena_printf(&r->arena, "%s%s：%s\n", b, i18n_get(LANG_ZH, "intake_mail_due"), due);
    b = arena_printf(&r->arena, "%s\n%s：%s/submit/%lld/status\n\n%s\n", b,
                     i18n_get(LANG_ZH, "intake_mail_link"), base, (long long)case_id,
                     i18n_get(LANG_ZH, "intake_mail_sign"));
    *body = b ? b : "";
    if (!*subject)
        *subject = what;
}

/* The recommender's region, or NULL when the user has none. */
static const char *user_region(struct req *r)
{
    const struct store_user *u = web_user(r);
    return u && u->region_code[0] ? u->region_code : NULL;
}

/* The list page's model: {region, campaign, quota:{used, allowed, full}, cases:[...]}. */
static json_t *list_model(struct req *r, const char *region)
{
    const struct store_user *u = web_user(r);
    int64_t campaign = store_current_campaign_id(web.store);
    int used = 0, allowed = 0;
    json_t *cases = campaign ? store_intake_region_cases(web.store, campaign, region) : NULL;
    if (campaign)
        store_intake_quota(web.store, campaign, region, &used, &allowed);
    if (!cases)
        cases = json_array();
    add_status_words(r, cases);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *st = json_string_value(json_object_get(c, "status"));
        json_object_set_new(c, "actionable", json_boolean(st && strcmp(st, "submitted") == 0));
    }
    json_t *cur = store_current_campaign(web.store);
    json_t *m = json_pack("{s:s,s:s,s:{s:i,s:i,s:b},s:o,s:i}", "region", region, "region_name",
                          u ? u->region_name : "", "quota", "used", used, "allowed", allowed,
                          "full", used >= allowed, "cases", cases, "count",
                          (int)json_array_size(cases));
    if (cur)
        json_object_set_new(m, "campaign", cur);
    return m;
}

enum web_err page_recommend(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const char *region = user_region(r);
    if (!region)
        return WEB_FORBIDDEN;
    p->model = list_model(r, region);
    if (query_get(&r->query, "done"))
        p->notice = "intake_done";
    p->template = "recommend";
    p->title = i18n_get(r->lang, "intake_recommend_title");
    return WEB_OK;
}

/* The case page's model with an optional error message and the reason typed. */
static json_t *case_page_model(struct req *r, int64_t id, const char *region)
{
    json_t *c = intake_case_model(r, id, region);
    if (!c)
        return NULL;
    const char *st = json_string_value(json_object_get(c, "status"));
    json_object_set_new(c, "actionable", json_boolean(st && strcmp(st, "submitted") == 0));
    return c;
}

enum web_err page_recommend_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const char *region = user_region(r);
    json_t *c = region ? case_page_model(r, intake_path_id(r->params[0]), region) : NULL;
    if (!c)
        return WEB_NOT_FOUND;
    p->model = c;
    p->template = "recommend_case";
    p->title = arena_strdup(&r->arena, json_string_value(json_object_get(c, "title")));
    return WEB_OK;
}

/* An action on one case, from the server thread to the writer. */
struct rec_action {
    int64_t campaign, case_id, user_id;
    const char *region;
    const char *reason;
    const char *subject, *body; /* the mail to the unit */
};

/* The case, in the recommender's region and still waiting for a decision. */
static enum result rec_load(struct web_act *x)
{
    struct rec_action *a = x->state;
    const char *region = user_region(x->r);
    int64_t id = intake_path_id(x->r->params[0]);
    json_t *c = region ? intake_case_model(x->r, id, region) : NULL;
    if (!c)
        return RC_NOTFOUND;
    const char *st = json_string_value(json_object_get(c, "status"));
    int stale = !st || strcmp(st, "submitted") != 0;
    a->campaign = json_integer_value(json_object_get(c, "campaign_id"));
    a->case_id = id;
    a->user_id = x->user_id;
    a->region = region;
    if (x->a->fields) /* a return: the reason and the unit's mail */
        a->reason = web_text(x, "reason");
    intake_mail_text(x->r, id, json_string_value(json_object_get(c, "title")),
                     x->a->fields ? "returned" : "recommended", a->reason, NULL, &a->subject,
                     &a->body);
    int complete = intake_case_sections_ok(c);
    json_decref(c);
    if (stale) {
        x->page = page_recommend;
        x->error = "intake_stale";
        return RC_STALE;
    }
    if (!x->a->fields && !complete) { /* an endorsement: the call's rules on the text */
        x->page = page_recommend;
        x->error = "intake_err_sections";
        return RC_INVALID;
    }
    return RC_OK;
}

/* The call's rules on units and attachments hold in the write, then the quota's trigger. */
static int endorse_write(struct store_tx *tx, void *arg)
{
    struct rec_action *a = arg;
    int rc = tx_submission_rules(tx, a->case_id, 1);
    if (rc != RC_OK)
        return rc == RC_NOTFOUND ? RC_STALE : rc;
    rc = tx_intake_recommend(tx, a->campaign, a->case_id, a->region, a->user_id);
    return rc == RC_OK ? tx_intake_notify(tx, a->case_id, a->subject, a->body) : rc;
}

static int return_write(struct store_tx *tx, void *arg)
{
    struct rec_action *a = arg;
    int rc = tx_intake_move(tx, a->campaign, a->case_id, a->region, "submitted", "returned",
                            a->user_id, a->reason, NULL);
    if (rc != RC_OK)
        return rc;
    return tx_intake_notify(tx, a->case_id, a->subject, a->body);
}

/* A refused write shows the list again with why (409 for a full quota or a stale case). */
static enum result rec_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    if (rc == RC_QUOTA || rc == RC_STALE || rc == RC_EXISTS || rc == RC_INVALID) {
        x->page = page_recommend;
        x->error = rc == RC_QUOTA    ? "intake_quota_full"
                   : rc == RC_STALE  ? "intake_stale"
                   : rc == RC_EXISTS ? "intake_err_unit_limit"
                                     : x->error ? x->error : "intake_err_files_missing";
    }
    return rc;
}

const struct web_action act_recommend_endorse = {
    .state_size = sizeof(struct rec_action),
    .load = rec_load,
    .write = endorse_write,
    .then = rec_then,
    .next = "/recommend?done=1",
    .page = page_recommend,
};

static const struct web_field return_fields[] = {
    {"reason", WEB_F_TEXT, WEB_F_REQUIRED, 0, INTAKE_REASON_MAX, NULL, "intake_reason_missing"},
    {NULL},
};

const struct web_action act_recommend_return = {
    .fields = return_fields,
    .state_size = sizeof(struct rec_action),
    .load = rec_load,
    .write = return_write,
    .then = rec_then,
    .next = "/recommend?done=1",
    .page = page_recommend_case,
};
