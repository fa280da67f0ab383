/*
 * campaigns.c — the organiser's campaigns: the list and switcher, a new
 * campaign (empty, or copying an earlier one's settings), one campaign's
 * settings (title, organisers, theme, the call notice with its preview,
 * dates, tiers and their quotas, tracks), its ordered stages, and its life:
 * open the call, close it, archive it (each confirmed, saying what it does);
 * and the public page of the open call with the way in for a unit (申报).
 *
 * A campaign's rules and regional quotas stay on the settings page
 * (admin.c), which acts on the campaign this page names.  An archived or
 * published campaign is read, never changed: the store refuses (RC_STALE)
 * whatever the page showed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jstr.h"
#include "domain/markdown.h"
#include "domain/stage.h"
#include "domain/submission.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/campaigns.h"
#include "web/action.h"
#include "web/campaigns.h"

/* ------------------------------------------------------------ shared */

int64_t campaigns_chosen(const struct web_input *in)
{
    char status[16];
    if (in && in->campaign)
        return store_campaign_status(web.store, in->campaign, status) == RC_OK ? in->campaign : 0;
    return store_current_campaign_id(web.store);
}

int64_t campaigns_chosen_req(struct req *r)
{
    struct web_input in = {0};
    const char *v = query_get(&r->query, "campaign");
    if (v && *v) {
        if (strlen(v) > 15 || strspn(v, "0123456789") != strlen(v) || atoll(v) < 1)
            return 0;
        in.campaign = atoll(v);
    }
    return campaigns_chosen(&in);
}

static json_t *status_word(struct req *r, const char *status)
{
    char key[48];
    snprintf(key, sizeof key, "campaigns_status_%s", status ? status : "");
    return json_string(i18n_get(r->lang, key));
}

/* 1 if a campaign in this status may still be changed. */
static int changeable(const char *status)
{
    return strcmp(status, "archived") != 0 && strcmp(status, "published") != 0;
}

json_t *campaigns_bar(struct req *r, int64_t id, const char *path)
{
    json_t *all = store_campaigns(web.store);
    json_t *bar = json_pack("{s:I,s:s,s:o,s:b,s:[]}", "id", (json_int_t)id, "name", "",
                            "status_word", json_string(""), "archived", 0, "others");
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        int64_t cid = json_integer_value(json_object_get(c, "id"));
        const char *status = jstr(c, "status");
        if (cid == id) {
            json_object_set(bar, "name", json_object_get(c, "name"));
            json_object_set_new(bar, "status_word", status_word(r, status));
            json_object_set_new(bar, "archived", json_boolean(!changeable(status)));
            continue;
        }
        json_array_append_new(json_object_get(bar, "others"),
                              json_pack("{s:O,s:o,s:o}", "name", json_object_get(c, "name"),
                                        "status_word", status_word(r, status), "url",
                                        json_sprintf("%s?campaign=%lld", path, (long long)cid)));
    }
    json_decref(all);
    return bar;
}

static const char *const stage_kinds[] = {"review", "exhibition", "ballot", NULL};

/* ------------------------------------------------------------ the list */

enum web_err page_campaigns(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *all = store_campaigns(web.store);
    if (!all)
        return WEB_INTERNAL;
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        long long id = (long long)json_integer_value(json_object_get(c, "id"));
        json_object_set_new(c, "status_word", status_word(r, jstr(c, "status")));
        json_object_set_new(c, "url", json_sprintf("/admin/campaigns/%lld", id));
        json_object_set_new(c, "dashboard_url", json_sprintf("/admin?campaign=%lld", id));
        json_object_set_new(c, "stages_url", json_sprintf("/admin/stages?campaign=%lld", id));
    }
    char today[11];
    submission_today(today);
    const struct web_act *x = web_act_of(r);
    const struct query *f = x && x->a == &act_campaign_create ? web_form(r) : NULL;
    const char *name = f ? query_get(f, "name") : NULL;
    p->model = json_pack("{s:o,s:b,s:{s:s,s:s,s:s}}", "campaigns", all, "empty",
                         json_array_size(all) == 0, "form", "name", name ? name : "", "opens_at",
                         f && query_get(f, "opens_at") ? query_get(f, "opens_at") : today,
                         "closes_at",
                         f && query_get(f, "closes_at") ? query_get(f, "closes_at") : "");
    if (query_get(&r->query, "done"))
        p->notice = "campaigns_done";
    p->template = "campaigns";
    p->title = i18n_get(r->lang, "campaigns_title");
    return WEB_OK;
}

/* A new campaign: its title, dates and the campaign it copies (0: none). */
struct create_job {
    int64_t from, id;
    unsigned carry; /* the roles a copy carries over: ROLE_REVIEWER, ROLE_RECOMMENDER */
    const char *name, *opens_at, *closes_at;
    char next[48];
};

static const struct web_field create_fields[] = {
    {"name", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, CAMPAIGNS_NAME_MAX, NULL,
     "campaigns_err_name"},
    {"opens_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"closes_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"from", WEB_F_INT, 0, 0, 1e15, NULL, "campaigns_err_from"},
    {"carry_reviewers", WEB_F_BOOL, 0, 0, 0, NULL, "err_bad_param"},
    {"carry_recommenders", WEB_F_BOOL, 0, 0, 0, NULL, "err_bad_param"},
    {NULL},
};

static enum result create_check(struct web_act *x)
{
    struct create_job *j = x->state;
    j->name = web_text(x, "name");
    j->opens_at = web_text(x, "opens_at");
    j->closes_at = web_text(x, "closes_at");
    j->from = web_int(x, "from");
    if (j->from > 0) {
        j->carry |= web_int(x, "carry_reviewers") ? ROLE_REVIEWER : 0;
        j->carry |= web_int(x, "carry_recommenders") ? ROLE_RECOMMENDER : 0;
    }
    if (strcmp(j->opens_at, j->closes_at) > 0)
        return web_refuse_field(x, "closes_at", "intake_dates_order");
    x->next = j->next;
    return RC_OK;
}

static int create_write(struct store_tx *tx, void *arg)
{
    struct create_job *j = arg;
    int rc = tx_campaign_create(tx, j->from, j->name, j->opens_at, j->closes_at, &j->id);
    if (rc == RC_OK && j->carry)
        rc = tx_campaign_roles_copy(tx, j->from, j->id, j->carry);
    if (rc == RC_OK)
        snprintf(j->next, sizeof j->next, "/admin/campaigns/%lld?created=1", (long long)j->id);
    return rc;
}

const struct web_action act_campaign_create = {
    .fields = create_fields,
    .state_size = sizeof(struct create_job),
    .check = create_check,
    .write = create_write,
    .page = page_campaigns,
    .refusals = (const struct web_refusal[]){{RC_NOTFOUND, 422, "campaigns_err_from", NULL},
                                             {RC_OK}},
};

/* ------------------------------------------------------------ one campaign */

/* The campaign of the path as a model, or NULL. */
static json_t *path_campaign(struct req *r)
{
    int64_t id = r->nparams ? web_path_id(r->params[0]) : 0;
    return id > 0 ? store_campaign_settings(web.store, id) : NULL;
}

/* What each status may move to, and the catalog keys that say what that does. */
static const struct {
    const char *from, *to;
} moves[] = {
    {"draft", "open"},
    {"open", "closed"},
    {"closed", "open"},
    {"draft", "archived"},
    {"closed", "archived"},
    {"published", "archived"},
};

enum web_err page_campaign(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = path_campaign(r);
    if (!c)
        return WEB_NOT_FOUND;
    long long id = (long long)json_integer_value(json_object_get(c, "id"));
    const char *status = jstr(c, "status");
    int editable = changeable(status);
    const struct web_act *x = web_act_of(r);
    const struct query *f = x && x->a == &act_campaign_save ? web_form(r) : NULL;
    static const char *const typed[] = {"name", "theme", "organisers", "call_md", "opens_at",
                                        "closes_at"};
    for (size_t i = 0; f && i < sizeof typed / sizeof *typed; i++) {
        const char *v = query_get(f, typed[i]);
        if (v)
            json_object_set_new(c, typed[i], json_string(v));
    }
    const char *md = jstr(c, "call_md");
    char *html = markdown_to_html(md, strlen(md));
    json_object_set_new(c, "call_html", json_string(html ? html : ""));
    free(html);
    json_object_set_new(c, "status_word", status_word(r, status));
    json_object_set_new(c, "editable", json_boolean(editable));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "stages"), i, s)
    {
        int kind = stage_kind_parse(jstr(s, "kind"));
        int state = stage_state_parse(jstr(s, "state"));
        json_object_set_new(s, "kind_word",
                            json_string(i18n_get(r->lang, stage_kind_key((enum stage_kind)kind))));
        json_object_set_new(s, "state_word", json_string(i18n_get(
                                                 r->lang, stage_state_key((enum stage_state)state))));
        json_object_set_new(s, "url", json_sprintf("/admin/stages/%lld",
                                                   (long long)json_integer_value(
                                                       json_object_get(s, "id"))));
    }
    json_t *kinds = json_array();
    for (size_t k = 0; stage_kinds[k]; k++)
        json_array_append_new(kinds, json_pack("{s:s,s:s}", "value", stage_kinds[k], "label",
                                               i18n_get(r->lang, stage_kind_key(
                                                                     (enum stage_kind)k))));
    json_object_set_new(c, "kinds", kinds);
    json_t *next = json_array();
    for (size_t k = 0; k < sizeof moves / sizeof *moves; k++) {
        if (strcmp(moves[k].from, status) != 0)
            continue;
        char what[64], button[64];
        snprintf(what, sizeof what, "campaigns_move_%s_%s", moves[k].from, moves[k].to);
        snprintf(button, sizeof button, "campaigns_button_%s", moves[k].to);
        json_array_append_new(next, json_pack("{s:s,s:s,s:s}", "to", moves[k].to, "what",
                                              i18n_get(r->lang, what), "button",
                                              i18n_get(r->lang, button)));
    }
    json_object_set_new(c, "moves", next);
    json_object_set_new(c, "has_stages",
                        json_boolean(json_array_size(json_object_get(c, "stages")) > 0));
    json_object_set_new(c, "bar", campaigns_bar(r, id, "/admin"));
    json_object_set_new(c, "settings_url", json_sprintf("/admin/settings?campaign=%lld", id));
    json_object_set_new(c, "call_url", json_string(strcmp(status, "open") == 0 ? "/call" : ""));
    if (query_get(&r->query, "created"))
        p->notice = "campaigns_created";
    else if (query_get(&r->query, "saved"))
        p->notice = "campaigns_saved";
    p->model = c;
    p->template = "campaign";
    p->title = arena_strdup(&r->arena, jstr(c, "name"));
    return WEB_OK;
}

/* The campaign of an action's path, still changeable (404, or 409 when archived). */
struct campaign_job {
    int64_t id;
    struct campaign_fields f;
    const char *status;
    /* tiers: the existing ones sent, and a new one */
    size_t ntiers;
    int64_t tier_id[CAMPAIGNS_TIERS_MAX];
    const char *tier_name[CAMPAIGNS_TIERS_MAX];
    int tier_quota[CAMPAIGNS_TIERS_MAX];
    const char *new_tier, *new_track;
    int new_quota;
    /* a stage */
    const char *stage_name, *stage_kind, *starts_at, *ends_at;
    /* a move */
    const char *to;
};

static enum result campaign_load(struct web_act *x)
{
    struct campaign_job *j = x->state;
    json_t *c = path_campaign(x->r);
    if (!c)
        return RC_NOTFOUND;
    j->id = json_integer_value(json_object_get(c, "id"));
    j->status = arena_strdup(&x->r->arena, jstr(c, "status"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c, "tiers"), i, t)
    {
        if (j->ntiers >= CAMPAIGNS_TIERS_MAX)
            break;
        int64_t tid = json_integer_value(json_object_get(t, "id"));
        struct web_field fname = {arena_printf(&x->r->arena, "tier_%lld_name", (long long)tid),
                                  WEB_F_TEXT, WEB_F_NONEMPTY | WEB_F_ONELINE, 0, 40, NULL,
                                  "campaigns_err_tier"};
        struct web_field fquota = {arena_printf(&x->r->arena, "tier_%lld_quota", (long long)tid),
                                   WEB_F_INT, WEB_F_NONEMPTY, 0, CAMPAIGNS_TIER_QUOTA_MAX, NULL,
                                   "campaigns_err_tier"};
        struct web_value vn, vq;
        if (!fname.name || !fquota.name)
            break;
        if (web_read_field(x, &fname, &vn) == RC_OK && web_read_field(x, &fquota, &vq) == RC_OK &&
            vn.given && vq.given) {
            j->tier_id[j->ntiers] = tid;
            j->tier_name[j->ntiers] = vn.s;
            j->tier_quota[j->ntiers++] = (int)vq.i;
        }
    }
    json_decref(c);
    if (!changeable(j->status) && x->a != &act_campaign_status) {
        x->error = "campaigns_err_archived";
        return RC_STALE;
    }
    x->next = arena_printf(&x->r->arena, "/admin/campaigns/%lld?saved=1", (long long)j->id);
    return RC_OK;
}

static const struct web_field save_fields[] = {
    {"name", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, CAMPAIGNS_NAME_MAX, NULL,
     "campaigns_err_name"},
    {"theme", WEB_F_TEXT, WEB_F_ONELINE, 0, CAMPAIGNS_TEXT_MAX, NULL, "campaigns_err_text"},
    {"organisers", WEB_F_TEXT, WEB_F_ONELINE, 0, CAMPAIGNS_TEXT_MAX, NULL, "campaigns_err_text"},
    {"call_md", WEB_F_TEXT, WEB_F_MULTILINE, 0, CAMPAIGNS_CALL_MAX, NULL, "campaigns_err_call"},
    {"opens_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"closes_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"new_tier", WEB_F_TEXT, WEB_F_ONELINE, 0, 40, NULL, "campaigns_err_tier"},
    {"new_tier_quota", WEB_F_INT, 0, 0, CAMPAIGNS_TIER_QUOTA_MAX, NULL, "campaigns_err_tier"},
    {"new_track", WEB_F_TEXT, WEB_F_ONELINE, 0, 40, NULL, "intake_track_invalid"},
    {"then", WEB_F_CHOICE, 0, 0, 0, (const char *const[]){"preview", NULL}, NULL},
    {NULL},
};

static const char *text_or_empty(const struct web_act *x, const char *name)
{
    const char *v = web_text(x, name);
    return v ? v : "";
}

static enum result save_check(struct web_act *x)
{
    struct campaign_job *j = x->state;
    j->f.name = web_text(x, "name");
    j->f.theme = text_or_empty(x, "theme");
    j->f.organisers = text_or_empty(x, "organisers");
    j->f.call_md = text_or_empty(x, "call_md");
    j->f.opens_at = web_text(x, "opens_at");
    j->f.closes_at = web_text(x, "closes_at");
    if (strcmp(j->f.opens_at, j->f.closes_at) > 0)
        web_refuse_field(x, "closes_at", "intake_dates_order");
    j->new_tier = web_text(x, "new_tier");
    j->new_quota = (int)web_int(x, "new_tier_quota");
    j->new_track = web_text(x, "new_track");
    if (web_text(x, "then")) /* saved, then the notice as the public will read it */
        x->next = arena_printf(&x->r->arena, "/admin/campaigns/%lld/notice", (long long)j->id);
    return x->errors ? RC_INVALID : RC_OK;
}

static int save_write(struct store_tx *tx, void *arg)
{
    struct campaign_job *j = arg;
    int rc = tx_campaign_save(tx, j->id, &j->f);
    for (size_t i = 0; rc == RC_OK && i < j->ntiers; i++)
        rc = tx_campaign_tier_save(tx, j->id, j->tier_id[i], j->tier_name[i], j->tier_quota[i]);
    if (rc == RC_OK && j->new_tier)
        rc = tx_campaign_tier_add(tx, j->id, j->new_tier, j->new_quota);
    if (rc == RC_OK && j->new_track)
        rc = tx_campaign_track_add(tx, j->id, j->new_track);
    return rc;
}

static const struct web_refusal stale_refusals[] = {
    {RC_STALE, 409, "campaigns_err_archived", NULL},
    {RC_EXISTS, 409, "campaigns_err_other_open", NULL},
    {RC_OK},
};

const struct web_action act_campaign_save = {
    .fields = save_fields,
    .state_size = sizeof(struct campaign_job),
    .load = campaign_load,
    .check = save_check,
    .write = save_write,
    .page = page_campaign,
    .refusals = stale_refusals,
};

/* The notice as saved, rendered as the public page shows it. */
enum web_err page_campaign_preview(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = path_campaign(r);
    if (!c)
        return WEB_NOT_FOUND;
    const char *md = jstr(c, "call_md");
    char *html = markdown_to_html(md, strlen(md));
    p->model = json_pack("{s:O,s:O,s:s}", "id", json_object_get(c, "id"), "name",
                         json_object_get(c, "name"), "call_html", html ? html : "");
    free(html);
    json_decref(c);
    p->template = "campaign_preview";
    p->title = i18n_get(r->lang, "campaigns_preview_title");
    return WEB_OK;
}

/* A stage added at the end of the order. */
static const struct web_field stage_fields[] = {
    {"name", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, 40, NULL, "campaigns_err_stage_name"},
    {"kind", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, stage_kinds, "campaigns_err_stage_kind"},
    {"starts_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {"ends_at", WEB_F_DATE, WEB_F_REQUIRED, 0, 0, NULL, "intake_date_invalid"},
    {NULL},
};

static enum result stage_check(struct web_act *x)
{
    struct campaign_job *j = x->state;
    j->stage_name = web_text(x, "name");
    j->stage_kind = web_text(x, "kind");
    j->starts_at = web_text(x, "starts_at");
    j->ends_at = web_text(x, "ends_at");
    if (strcmp(j->starts_at, j->ends_at) > 0)
        return web_refuse_field(x, "ends_at", "intake_dates_order");
    json_t *c = store_campaign_settings(web.store, j->id);
    size_t n = json_array_size(json_object_get(c, "stages"));
    json_decref(c);
    if (n >= CAMPAIGNS_STAGES_MAX) {
        x->error = "campaigns_err_stages_many";
        return RC_STATE;
    }
    x->next = arena_printf(&x->r->arena, "/admin/campaigns/%lld?saved=1#stages", (long long)j->id);
    return RC_OK;
}

static int stage_write(struct store_tx *tx, void *arg)
{
    struct campaign_job *j = arg;
    return tx_campaign_stage_add(tx, j->id, j->stage_name, j->stage_kind, j->starts_at,
                                 j->ends_at);
}

const struct web_action act_campaign_stage_add = {
    .fields = stage_fields,
    .state_size = sizeof(struct campaign_job),
    .load = campaign_load,
    .check = stage_check,
    .write = stage_write,
    .page = page_campaign,
    .refusals = stale_refusals,
};

/* A move in the campaign's life, confirmed: the box says what it does. */
static const char *const move_targets[] = {"open", "closed", "archived", NULL};

static const struct web_field status_fields[] = {
    {"to", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, move_targets, "campaigns_err_move"},
    {"confirm", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {NULL},
};

static enum result status_check(struct web_act *x)
{
    struct campaign_job *j = x->state;
    j->to = web_text(x, "to");
    size_t k = 0;
    while (k < sizeof moves / sizeof *moves &&
           (strcmp(moves[k].from, j->status) != 0 || strcmp(moves[k].to, j->to) != 0))
        k++;
    if (k == sizeof moves / sizeof *moves) {
        x->error = "campaigns_err_move";
        return RC_STATE;
    }
    if (!web_int(x, "confirm"))
        return web_refuse_field(x, "confirm", "campaigns_err_confirm");
    return RC_OK;
}

static int status_write(struct store_tx *tx, void *arg)
{
    struct campaign_job *j = arg;
    return tx_campaign_status(tx, j->id, j->status, j->to);
}

const struct web_action act_campaign_status = {
    .fields = status_fields,
    .state_size = sizeof(struct campaign_job),
    .load = campaign_load,
    .check = status_check,
    .write = status_write,
    .page = page_campaign,
    .refusals = stale_refusals,
};

/* ------------------------------------------------------------ the public call */

/*
 * The open call: its notice, dates, tracks, rules and how to apply; the 申报
 * entry leads a unit's clerk to sign in, or says how to get an account
 * (through the region's recommending office).  Without an open call, says so.
 */
enum web_err page_call(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *k = store_current_campaign(web.store);
    const char *status = k ? jstr(k, "status") : "";
    if (!k || strcmp(status, "open") != 0) {
        json_decref(k);
        p->model = json_pack("{s:b}", "open", 0);
        p->template = "call";
        p->title = i18n_get(r->lang, "call_title");
        return WEB_OK;
    }
    const char *md = jstr(k, "call_md");
    char *html = markdown_to_html(md, strlen(md));
    json_object_set_new(k, "call_html", json_string(html ? html : ""));
    free(html);
    json_object_del(k, "call_md");
    json_object_del(k, "quotas");
    json_object_set_new(k, "open", json_true());
    const struct store_user *u = web_user(r);
    json_object_set_new(k, "apply_url",
                        json_string(u && (u->roles & ROLE_SUBMITTER) ? "/submit"
                                                                     : "/login?next=/submit"));
    json_object_set_new(k, "signed_in_submitter", json_boolean(u && (u->roles & ROLE_SUBMITTER)));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(k, "stages"), i, s)
    {
        int kind = stage_kind_parse(jstr(s, "kind"));
        json_object_set_new(s, "kind_word",
                            json_string(i18n_get(r->lang, stage_kind_key((enum stage_kind)kind))));
    }
    json_object_set_new(k, "has_stages",
                        json_boolean(json_array_size(json_object_get(k, "stages")) > 0));
    json_object_set_new(k, "has_tracks",
                        json_boolean(json_array_size(json_object_get(k, "tracks")) > 0));
    p->model = k;
    p->template = "call";
    p->title = i18n_get(r->lang, "call_title");
    return WEB_OK;
}
