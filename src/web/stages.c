/*
 * stages.c — the organiser's pages of review rounds: the stages of the
 * campaign under review, each stage's settings and criteria, its pool of
 * cases, the reviewer pool with drop-outs, conflicts (回避), the proposal of
 * assignments (solved on the worker pool), their inspection and manual
 * edits, release, progress and reminders.
 *
 * A stage of any campaign has its pages, each kind only its own: a review
 * stage its settings, criteria, pool, reviewers, conflicts, assignment,
 * progress and ranking; an exhibition its overview and the voting settings
 * (votes.c); a ballot its overview and the jury's page.  What may be done
 * follows the stage's state; the work of review (fill, assign, release)
 * is for the campaign under review, settings may be prepared in any
 * campaign not yet published or archived.  Reads go to the store on the serving thread; the solver and
 * the checks of manual edits load the whole stage, so they run on the
 * worker pool (web_work), which then waits for the writer.  Refusals say
 * why: 409 when the state or a count forbids it, 422 for a rule of 回避 or
 * a form that does not validate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/sender.h"
#include "review/assign_run.h"
#include "store/accounts.h"
#include "store/ranking.h"
#include "store/review.h"
#include "store/campaign.h"
#include "store/campaigns.h"
#include "core/jstr.h"
#include "view/i18n.h"
#include "web/admin_list.h"
#include "web/campaigns.h"
#include "web/stages.h"
#include "web/web.h"


/* Stage id (of any campaign) into s; 0 if there is none. */
static int stage_get(int64_t id, struct review_stage *s)
{
    return id && store_review_stage(web.store, id, s) == RC_OK;
}

/* 1 if the stage's campaign may still be changed (not published or archived). */
static int campaign_changeable(int64_t campaign_id)
{
    char status[16];
    return store_campaign_status(web.store, campaign_id, status) == RC_OK &&
           strcmp(status, "published") != 0 && strcmp(status, "archived") != 0;
}

json_t *stages_stage_json(struct req *r, const struct review_stage *s, int next_state)
{
    json_t *o = json_pack(
        "{s:I,s:I,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:i,s:b,s:s,s:i,s:i,s:b,s:f,s:f,s:i,"
        "s:s,s:i,s:f}",
        "id", (json_int_t)s->id, "campaign_id", (json_int_t)s->campaign_id, "seq", s->seq, "name",
        s->name, "kind", stage_kind_name(s->kind), "starts_at", s->starts_at, "ends_at",
        s->ends_at, "state", stage_state_name(s->state), "state_word",
        i18n_get(r->lang, stage_state_key(s->state)), "reviewers_per_case",
        s->reviewers_per_case, "blind", s->blind, "max_same_region", s->max_same_region,
        "exclude_previous", s->exclude_previous, "aggregation", s->aggregation, "trim_k", s->trim_k,
        "trim_min", s->trim_min, "normalise", s->normalise, "previous_weight", s->previous_weight,
        "vote_weight", s->vote_weight, "quorum", s->quorum, "advance_rule", s->advance_rule,
        "advance_n", s->advance_n, "advance_threshold", s->advance_threshold);
    struct stage_can can;
    stage_can(s->state, s->kind, s->campaign_id == store_review_campaign_id(web.store), next_state,
              &can);
    if (!can.edit && campaign_changeable(s->campaign_id)) /* prepared ahead of its round */
        can.edit = stage_allows(s->state, STAGE_EDIT);
    json_object_set_new(o, "editable", json_boolean(can.edit));
    json_object_set_new(o, "kind_word", json_string(i18n_get(r->lang, stage_kind_key(s->kind))));
    json_object_set_new(o, "is_review", json_boolean(s->kind == STAGE_KIND_REVIEW));
    json_object_set_new(o, "is_exhibition", json_boolean(s->kind == STAGE_KIND_EXHIBITION));
    json_object_set_new(o, "is_ballot", json_boolean(s->kind == STAGE_KIND_BALLOT));
    json_t *campaign = store_campaign_settings(web.store, s->campaign_id);
    json_object_set_new(o, "campaign_name", json_string(campaign ? jstr(campaign, "name") : ""));
    json_decref(campaign);
    json_object_set_new(o, "can_fill", json_boolean(can.fill));
    json_object_set_new(o, "can_propose", json_boolean(can.propose));
    json_object_set_new(o, "can_edit", json_boolean(can.assign));
    json_object_set_new(o, "can_release", json_boolean(can.release));
    json_object_set_new(o, "can_remind", json_boolean(can.remind));
    json_object_set_new(o, "can_close", json_boolean(can.close));
    json_object_set_new(o, "can_rank", json_boolean(can.rank));
    json_object_set_new(o, "needs_confirm", json_boolean(can.rank_closes));
    json_object_set_new(o, "can_advance", json_boolean(can.advance));
    json_object_set_new(o, "next_started", json_boolean(can.next_started));
    json_object_set_new(o, "ranked", json_boolean(can.has_results));
    json_object_set_new(o, "assignable", json_boolean(stage_kind_assignable(s->kind)));
    json_object_set_new(o, "released", json_boolean(s->state == STAGE_RELEASED));
    return o;
}

/* The stage as the pages show it, with its next stage's state read from the store. */
static json_t *stage_json(struct req *r, const struct review_stage *s)
{
    struct ranking_stage rs;
    int next = store_ranking_stage(web.store, s->id, &rs) == RC_OK && rs.next_id
                   ? (int)rs.next_state
                   : -1;
    return stages_stage_json(r, s, next);
}

/*
 * The stage of the route's first parameter (of the campaign under review)
 * into s: WEB_OK, or WEB_NOT_FOUND for any other.
 */
static enum web_err path_stage(struct req *r, struct review_stage *s)
{
    return stage_get(web_path_id(r->params[0]), s) ? WEB_OK : WEB_NOT_FOUND;
}

/*
 * The same for an action's load: RC_OK, RC_NOTFOUND, or RC_STATE (409) for
 * a stage outside the campaign under review, whose work is not begun.
 */
static enum result act_stage(struct web_act *x, struct review_stage *s)
{
    if (path_stage(x->r, s) != WEB_OK)
        return RC_NOTFOUND;
    if (s->campaign_id != store_review_campaign_id(web.store)) {
        x->error = "stages_err_not_under_review";
        return RC_STATE;
    }
    return RC_OK;
}

/* Fill p with a page of stage s: model m (owned) gets "stage"; WEB_INTERNAL without m. */
static enum web_err stage_page(struct req *r, struct page *p, const struct review_stage *s,
                               const char *tpl, const char *title_key, json_t *m)
{
    if (!m)
        return WEB_INTERNAL;
    json_object_set_new(m, "stage", stage_json(r, s));
    p->model = m;
    p->template = tpl;
    const char *title = arena_printf(&r->arena, "%s · %s", s->name, i18n_get(r->lang, title_key));
    p->title = title ? title : s->name;
    return WEB_OK;
}

/* Put "<word> <n>" into m's notice after a redirect with ?param=n (a short value). */
static void count_notice(struct req *r, json_t *m, const char *param, const char *word_key)
{
    const char *n = query_get(&r->query, param);
    if (m && n && strlen(n) < 12)
        json_object_set_new(m, "notice", json_string(arena_printf(
                                              &r->arena, "%s %s", i18n_get(r->lang, word_key), n)));
}

/* A write refused because the stage is no longer in the state it needs: 409, and why. */
static const struct web_refusal state_refusals[] = {
    {RC_STATE, 409, "stages_err_state", NULL},
    {RC_OK},
};

/* ------------------------------------------------------------ the list */

enum web_err page_stages(struct req *r, const struct web_input *in, struct page *p)
{
    int64_t campaign = in->campaign ? campaigns_chosen(in) : store_review_campaign_id(web.store);
    if (!campaign)
        campaign = campaigns_chosen(in);
    if (in->campaign && !campaign)
        return WEB_NOT_FOUND;
    json_t *stages = campaign ? store_review_stages(web.store, campaign) : json_array();
    if (!stages)
        return WEB_INTERNAL;
    size_t i;
    json_t *e;
    json_array_foreach(stages, i, e)
    {
        int st = stage_state_parse(json_string_value(json_object_get(e, "state")));
        int kind = stage_kind_parse(json_string_value(json_object_get(e, "kind")));
        json_object_set_new(e, "state_word",
                            json_string(i18n_get(r->lang, stage_state_key((enum stage_state)st))));
        json_object_set_new(e, "kind_word",
                            json_string(i18n_get(r->lang, stage_kind_key((enum stage_kind)kind))));
        json_object_set_new(e, "is_review", json_boolean(kind == STAGE_KIND_REVIEW));
    }
    p->model = json_pack("{s:I,s:o,s:o}", "campaign_id", (json_int_t)campaign, "stages", stages,
                         "bar", campaigns_bar(r, campaign, "/admin/stages"));
    p->template = "stages";
    p->title = i18n_get(r->lang, "stages_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ settings */

static const char *const aggregations[] = {"mean", "median", "trimmed", NULL};
static const char *const advance_rules[] = {"top", "top_per_region", "top_per_track",
                                            "threshold", NULL};

#define REQ WEB_F_REQUIRED
static const struct web_field settings_fields[] = {
    {"reviewers_per_case", WEB_F_INT, REQ, 1, 20, NULL, "stages_bad_k"},
    {"max_same_region", WEB_F_INT, REQ, 0, 20, NULL, "stages_bad_cap"},
    {"blind", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"exclude_previous", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"normalise", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"aggregation", WEB_F_CHOICE, REQ, 0, 0, aggregations, "stages_bad_aggregation"},
    {"trim_k", WEB_F_INT, REQ, 0, 5, NULL, "stages_bad_trim"},
    {"trim_min", WEB_F_INT, REQ, 1, 50, NULL, "stages_bad_trim"},
    {"previous_weight", WEB_F_NUMBER, REQ, 0, 1, NULL, "stages_bad_weights"},
    {"vote_weight", WEB_F_NUMBER, REQ, 0, 1, NULL, "stages_bad_weights"},
    {"quorum", WEB_F_INT, REQ, 1, 20, NULL, "stages_bad_quorum"},
    {"advance_rule", WEB_F_CHOICE, REQ, 0, 0, advance_rules, "stages_bad_rule"},
    {"advance_n", WEB_F_INT, REQ, 0, 100000, NULL, "stages_bad_advance_n"},
    {"advance_threshold", WEB_F_NUMBER, REQ, 0, 100, NULL, "stages_bad_threshold"},
    {NULL},
};

/* The settings as typed: the stage's values where a field was refused. */
struct settings_job {
    struct review_stage s;
    struct review_criterion c[REVIEW_MAX_CRITERIA];
    int n;
    int typed; /* s, c and n hold the form */
    double weights;
};

/* A choice made on the page: {value, label, selected} for each of values. */
static json_t *choices(struct req *r, const char *prefix, const char *const *values,
                       const char *selected)
{
    json_t *a = json_array();
    for (size_t k = 0; values[k]; k++) {
        char key[48];
        snprintf(key, sizeof key, "%s%s", prefix, values[k]);
        json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value", values[k], "label",
                                           i18n_get(r->lang, key), "selected",
                                           strcmp(selected, values[k]) == 0));
    }
    return a;
}

/* The settings page; after a refused POST, the form as typed. */
enum web_err page_stage_settings(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    if (s.kind != STAGE_KIND_REVIEW) /* an exhibition or a ballot: its overview */
        return stage_page(r, p, &s, "stages_overview", "stages_overview_title", json_object());
    const struct settings_job *typed = web_act_state(r, &act_stage_settings);
    if (typed && !typed->typed)
        typed = NULL;
    json_t *crit = json_array();
    if (typed) {
        for (int i = 0; i < typed->n; i++)
            json_array_append_new(crit, json_pack("{s:s,s:s,s:f,s:f}", "name", typed->c[i].name,
                                                  "description", typed->c[i].description, "max",
                                                  typed->c[i].max_score, "weight",
                                                  typed->c[i].weight));
    } else {
        json_decref(crit);
        crit = store_review_criteria(web.store, s.id);
        if (!crit)
            crit = json_array();
    }
    /* Blank rows to add criteria, numbered after the filled ones. */
    size_t n = json_array_size(crit);
    for (size_t i = n; i < REVIEW_MAX_CRITERIA && i < n + 3; i++)
        json_array_append_new(crit, json_pack("{s:s,s:s,s:s,s:s}", "name", "", "description", "",
                                              "max", "", "weight", ""));
    size_t i;
    json_t *c;
    json_array_foreach(crit, i, c) json_object_set_new(c, "row", json_integer((json_int_t)i + 1));
    const struct review_stage *v = typed ? &typed->s : &s;
    json_t *m = json_pack("{s:o,s:o,s:o,s:o}", "criteria", crit, "aggregations",
                          choices(r, "stages_agg_", aggregations, v->aggregation), "rules",
                          choices(r, "stages_rule_", advance_rules, v->advance_rule), "form",
                          stage_json(r, v));
    if (query_get(&r->query, "saved"))
        p->notice = "stages_settings_saved";
    return stage_page(r, p, &s, "stages_settings", "stages_settings_title", m);
}

/* Criterion row i of the form into c; 0 for an empty row, -1 for a refused one. */
static int read_criterion(struct web_act *x, int i, struct review_criterion *c)
{
    char name[32], desc[32], max[32], weight[32];
    snprintf(name, sizeof name, "crit_name_%d", i);
    snprintf(desc, sizeof desc, "crit_desc_%d", i);
    snprintf(max, sizeof max, "crit_max_%d", i);
    snprintf(weight, sizeof weight, "crit_weight_%d", i);
    const struct web_field f[] = {
        {name, WEB_F_TEXT, 0, 0, 119, NULL, "stages_bad_criterion"},
        {desc, WEB_F_TEXT, 0, 0, 499, NULL, "stages_bad_criterion"},
        {max, WEB_F_NUMBER, REQ, 1, 1000, NULL, "stages_bad_criterion"},
        {weight, WEB_F_NUMBER, REQ, 0, 100, NULL, "stages_bad_criterion"},
    };
    struct web_value v[4];
    if (web_read_field(x, &f[0], &v[0]) != RC_OK)
        return -1;
    if (!v[0].given)
        return 0;
    int ok = web_read_field(x, &f[1], &v[1]) == RC_OK;
    ok &= web_read_field(x, &f[2], &v[2]) == RC_OK;
    ok &= web_read_field(x, &f[3], &v[3]) == RC_OK;
    if (!ok)
        return -1;
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", v[0].s);
    snprintf(c->description, sizeof c->description, "%s", v[1].given ? v[1].s : "");
    c->max_score = v[2].n;
    c->weight = v[3].n;
    return 1;
}

/* The stage, and the form over its values (a refused field keeps the stage's value). */
static enum result settings_load(struct web_act *x)
{
    struct settings_job *j = x->state;
    if (path_stage(x->r, &j->s) != WEB_OK)
        return RC_NOTFOUND;
    if (j->s.campaign_id != store_review_campaign_id(web.store) &&
        !campaign_changeable(j->s.campaign_id)) { /* settings are prepared ahead, not after */
        x->error = "campaigns_err_archived";
        return RC_STATE;
    }
    if (j->s.kind != STAGE_KIND_REVIEW) { /* no expert review, no review settings */
        x->error = "stages_err_not_review";
        return RC_STATE;
    }
    struct review_stage *s = &j->s;
#define TAKE_INT(field, member)                                                                    \
    if (x->v[field].valid)                                                                         \
        s->member = (int)x->v[field].i;
    TAKE_INT(0, reviewers_per_case)
    TAKE_INT(1, max_same_region)
    s->blind = (int)x->v[2].i;
    s->exclude_previous = (int)x->v[3].i;
    s->normalise = (int)x->v[4].i;
    if (x->v[5].valid)
        snprintf(s->aggregation, sizeof s->aggregation, "%s", x->v[5].s);
    TAKE_INT(6, trim_k)
    TAKE_INT(7, trim_min)
    if (x->v[8].valid)
        s->previous_weight = x->v[8].n;
    if (x->v[9].valid)
        s->vote_weight = x->v[9].n;
    TAKE_INT(10, quorum)
    if (x->v[11].valid)
        snprintf(s->advance_rule, sizeof s->advance_rule, "%s", x->v[11].s);
    TAKE_INT(12, advance_n)
    if (x->v[13].valid)
        s->advance_threshold = x->v[13].n;
#undef TAKE_INT
    j->typed = 1;
    for (int i = 1; i <= REVIEW_MAX_CRITERIA; i++) {
        int got = read_criterion(x, i, &j->c[j->n]);
        if (got > 0)
            j->weights += j->c[j->n++].weight;
    }
    if (x->errors)
        x->error = "stages_form_invalid";
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld?saved=1", (long long)s->id);
    return RC_OK;
}

/* The rules between fields, then the stage's state. */
static enum result settings_check(struct web_act *x)
{
    struct settings_job *j = x->state;
    const struct review_stage *s = &j->s;
    if (s->trim_min < 2 * s->trim_k + 1)
        web_refuse_field(x, "trim_min", "stages_bad_trim");
    if (s->previous_weight + s->vote_weight > 1 + 1e-9)
        web_refuse_field(x, "vote_weight", "stages_bad_weights");
    if (s->quorum > s->reviewers_per_case)
        web_refuse_field(x, "quorum", "stages_bad_quorum");
    if (s->kind == STAGE_KIND_REVIEW && (j->n == 0 || j->weights <= 0))
        web_refuse_field(x, "crit_name_1", "stages_no_criteria");
    if (x->errors) {
        x->error = "stages_form_invalid";
        return RC_INVALID;
    }
    if (!stage_allows(s->state, STAGE_EDIT)) {
        x->error = "stages_err_state";
        return RC_STATE;
    }
    return RC_OK;
}

static int settings_write(struct store_tx *tx, void *arg)
{
    struct settings_job *j = arg;
    return tx_review_stage_update(tx, j->s.id, &j->s, j->c, j->n);
}

const struct web_action act_stage_settings = {
    .fields = settings_fields,
    .state_size = sizeof(struct settings_job),
    .load = settings_load,
    .check = settings_check,
    .write = settings_write,
    .refusals = state_refusals,
    .page = page_stage_settings,
};

/* ------------------------------------------------------------ pool */

enum web_err page_stage_pool(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    json_t *pool = store_review_pool(web.store, s.id);
    if (!pool)
        return WEB_INTERNAL;
    int64_t prev = store_review_previous_stage(web.store, s.id);
    json_t *m = json_pack("{s:o,s:i,s:b}", "cases", pool, "count", (int)json_array_size(pool),
                          "from_previous", prev != 0);
    count_notice(r, m, "added", "stages_pool_added");
    return stage_page(r, p, &s, "stages_pool", "stages_pool_title", m);
}

struct fill_job {
    struct review_stage s;
    int added;
};

/* Only a stage in setup takes cases (the write checks again). */
static enum result fill_load(struct web_act *x)
{
    struct fill_job *j = x->state;
    enum result found = act_stage(x, &j->s);
    if (found != RC_OK)
        return found;
    if (!stage_allows(j->s.state, STAGE_FILL)) {
        x->error = "stages_err_state";
        return RC_STATE;
    }
    return RC_OK;
}

static int fill_write(struct store_tx *tx, void *arg)
{
    struct fill_job *j = arg;
    return tx_review_pool_fill(tx, j->s.id, &j->added);
}

static enum result fill_then(struct web_act *x, struct resp *w, enum result rc)
{
    struct fill_job *j = x->state;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/pool?added=%d", (long long)j->s.id,
                           j->added);
    (void)w;
    return rc;
}

const struct web_action act_stage_pool_fill = {
    .state_size = sizeof(struct fill_job),
    .load = fill_load,
    .write = fill_write,
    .then = fill_then,
    .refusals = state_refusals,
    .page = page_stage_pool,
};

/* ------------------------------------------------------------ reviewers */

struct drop_job {
    int64_t stage_id, user_id;
    struct review_mail m;
    struct review_outcome o;
};

enum web_err page_stage_reviewers(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    json_t *revs = store_review_reviewers(web.store, s.id);
    json_t *cands = store_review_reviewer_candidates(web.store, s.id);
    if (!revs || !cands) {
        json_decref(revs);
        json_decref(cands);
        return WEB_INTERNAL;
    }
    /* Fields of expertise as a reader writes a list (a、b、c), not as stored ('a|b|c'). */
    size_t i;
    json_t *v;
    json_array_foreach(revs, i, v)
    {
        const char *e = json_string_value(json_object_get(v, "expertise"));
        struct buf b = BUF_INIT;
        buf_init(&b, 256);
        for (const char *c = e ? e : ""; *c; c++)
            if (*c == '|')
                buf_puts(&b, i18n_get(r->lang, "users_role_sep"));
            else
                buf_putc(&b, *c);
        json_object_set_new(v, "expertise", json_stringn(b.p ? b.p : "", b.len));
        buf_release(&b);
    }
    /* The regions by name to choose from (a six-digit code is nobody's to type). */
    json_t *regions = store_region_units(web.store);
    json_array_foreach(regions, i, v) json_object_del(v, "units");
    json_t *m = json_pack("{s:o,s:b,s:o,s:i}", "reviewers", revs, "has_candidates",
                          json_array_size(cands) > 0, "candidates", cands, "count",
                          (int)json_array_size(revs));
    json_object_set_new(m, "regions", regions ? regions : json_array());
    /* A drop-out whose cases cannot all be given to others: the numbers why. */
    const struct drop_job *drop = web_act_state(r, &act_stage_reviewer_drop);
    if (drop && drop->o.rc > 0)
        json_object_set_new(m, "infeasible", json_string(drop->o.message));
    const char *dropped = query_get(&r->query, "dropped");
    const char *replaced = query_get(&r->query, "replaced");
    if (dropped && replaced && strlen(dropped) < 20 && strlen(replaced) < 12)
        json_object_set_new(
            m, "notice",
            json_string(arena_printf(&r->arena, "%s #%s · %s %s",
                                     i18n_get(r->lang, "stages_dropped"), dropped,
                                     i18n_get(r->lang, "stages_replaced"), replaced)));
    else if (query_get(&r->query, "added"))
        p->notice = "stages_reviewer_added";
    return stage_page(r, p, &s, "stages_reviewers", "stages_reviewers_title", m);
}

static const struct web_field reviewer_fields[] = {
    {"user_id", WEB_F_INT, REQ, 1, 1e15, NULL, "stages_bad_reviewer"},
    {"region", WEB_F_TEXT, 0, 6, 6, NULL, "stages_bad_reviewer"},
    {"unit_id", WEB_F_INT, 0, 1, 1e15, NULL, "stages_bad_reviewer"},
    {"expertise", WEB_F_TEXT, 0, 0, 500, NULL, "stages_bad_reviewer"},
    {"max_load", WEB_F_INT, REQ, 0, 10000, NULL, "stages_bad_reviewer"},
    {NULL},
};

struct reviewer_job {
    int64_t stage_id, campaign_id, user_id, unit_id;
    const char *region, *expertise;
    int max_load;
};

/* Expertise as typed ("a, b、c") in the canonical 'a|b|c' form (arena). */
static const char *expertise_canonical(struct req *r, const char *typed)
{
    char *e = arena_strdup(&r->arena, typed);
    if (!e)
        return typed;
    char *o = e;
    int sep = 1;
    for (const char *p = typed; *p;) {
        size_t k = (*p == '|' || *p == ',' || *p == ';' || *p == ' ')       ? 1
                   : (strncmp(p, "、", 3) == 0 || strncmp(p, "，", 3) == 0) ? 3
                                                                            : 0;
        if (k) {
            if (!sep)
                *o++ = '|';
            sep = 1;
            p += k;
        } else {
            *o++ = *p++;
            sep = 0;
        }
    }
    if (o > e && o[-1] == '|')
        o--;
    *o = 0;
    return e;
}

static enum result reviewer_load(struct web_act *x)
{
    struct reviewer_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    j->stage_id = s.id;
    j->campaign_id = s.campaign_id;
    j->user_id = web_int(x, "user_id");
    j->region = web_text(x, "region");
    j->unit_id = web_int(x, "unit_id");
    const char *exp = web_text(x, "expertise");
    j->expertise = expertise_canonical(x->r, exp ? exp : "");
    j->max_load = (int)web_int(x, "max_load");
    if (j->region && strspn(j->region, "0123456789") != 6)
        web_refuse_field(x, "region", "stages_bad_reviewer");
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/reviewers?added=1",
                           (long long)s.id);
    return RC_OK;
}

static int reviewer_write(struct store_tx *tx, void *arg)
{
    struct reviewer_job *j = arg;
    /* Added to a stage's pool: an expert of the stage's campaign from now on. */
    int rc = tx_reviewer_upsert(tx, j->user_id, j->region, j->unit_id, j->expertise, j->max_load);
    return rc == RC_OK ? tx_campaign_role(tx, j->campaign_id, j->user_id, ROLE_REVIEWER, NULL)
                       : rc;
}

static enum result reviewer_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    if (rc == RC_INVALID)
        x->error = "stages_bad_reviewer";
    return rc;
}

const struct web_action act_stage_reviewer_add = {
    .fields = reviewer_fields,
    .state_size = sizeof(struct reviewer_job),
    .load = reviewer_load,
    .write = reviewer_write,
    .then = reviewer_then,
    .page = page_stage_reviewers,
};

/* The messages to reviewers, in Chinese (the experts' language), with the link to /review. */
static void reviewer_mail(struct req *r, struct review_mail *m, const char *subject_key)
{
    m->subject = i18n_get(LANG_ZH, subject_key);
    m->body = i18n_get(LANG_ZH, "stages_mail_body");
    m->link = arena_printf(&r->arena, "%s/review", web.base_url ? web.base_url : "");
}

static enum result drop_load(struct web_act *x)
{
    struct drop_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    if (!(j->user_id = web_path_id(x->r->params[1])))
        return RC_NOTFOUND;
    j->stage_id = s.id;
    reviewer_mail(x->r, &j->m, "stages_mail_subject");
    return RC_OK;
}

/* On the worker pool: drop the reviewer and give their cases to others (the outcome says how). */
static enum result drop_work(void *arg)
{
    struct drop_job *j = arg;
    review_drop(web.store, j->stage_id, j->user_id, &j->m, &j->o);
    return RC_OK;
}

static enum result drop_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct drop_job *j = x->state;
    if (rc != RC_OK)
        return rc;
    if (j->o.rc != 0) {
        x->status = web_result_status(j->o.result);
        x->error = j->o.rc == -1 ? j->o.error : "stages_err_infeasible";
        return RC_STATE;
    }
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/reviewers?dropped=%lld&replaced=%d",
                           (long long)j->stage_id, (long long)j->user_id, j->o.pairs);
    return RC_OK;
}

const struct web_action act_stage_reviewer_drop = {
    .state_size = sizeof(struct drop_job),
    .load = drop_load,
    .work = drop_work,
    .then = drop_then,
    .page = page_stage_reviewers,
};

/* ------------------------------------------------------------ conflicts */

enum web_err page_stage_conflicts(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    json_t *list = store_review_conflicts(web.store, s.campaign_id);
    json_t *revs = store_review_reviewers(web.store, 0);
    if (!list || !revs) {
        json_decref(list);
        json_decref(revs);
        return WEB_INTERNAL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *src = json_string_value(json_object_get(e, "source"));
        char key[48];
        snprintf(key, sizeof key, "stages_source_%s", src ? src : "");
        json_object_set_new(e, "source_word", json_string(i18n_get(r->lang, key)));
    }
    json_t *m = json_pack("{s:o,s:o,s:i}", "conflicts", list, "reviewers", revs, "count",
                          (int)json_array_size(list));
    if (query_get(&r->query, "saved"))
        p->notice = "stages_conflict_saved";
    return stage_page(r, p, &s, "stages_conflicts", "stages_conflicts_title", m);
}

static const char *const conflict_actions[] = {"add", "remove", NULL};

static const struct web_field conflict_fields[] = {
    {"case_id", WEB_F_INT, REQ, 1, 1e15, NULL, "stages_conflict_invalid"},
    {"user_id", WEB_F_INT, REQ, 1, 1e15, NULL, "stages_conflict_invalid"},
    {"action", WEB_F_CHOICE, 0, 0, 0, conflict_actions, "stages_conflict_invalid"},
    {"reason", WEB_F_TEXT, 0, 0, 500, NULL, "stages_conflict_invalid"},
    {NULL},
};

struct conflict_job {
    int64_t stage_id, case_id, user_id;
    const char *reason;
    int remove;
};

/* 1 if case_id is in the pool of stage_id. */
static int in_pool(int64_t stage_id, int64_t case_id)
{
    json_t *pool = store_review_pool(web.store, stage_id);
    size_t i;
    json_t *e;
    int found = 0;
    json_array_foreach(pool, i, e)
    {
        if (json_integer_value(json_object_get(e, "case_id")) == case_id)
            found = 1;
    }
    json_decref(pool);
    return found;
}

static enum result conflict_load(struct web_act *x)
{
    struct conflict_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    const char *action = web_text(x, "action");
    j->stage_id = s.id;
    j->case_id = web_int(x, "case_id");
    j->user_id = web_int(x, "user_id");
    j->remove = action && strcmp(action, "remove") == 0;
    j->reason = web_text(x, "reason");
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/conflicts?saved=1",
                           (long long)s.id);
    return RC_OK;
}

/* A new conflict needs its reason and a case of the stage's pool. */
static enum result conflict_check(struct web_act *x)
{
    struct conflict_job *j = x->state;
    if (j->remove)
        return RC_OK;
    if (!j->reason)
        return web_refuse_field(x, "reason", "stages_conflict_invalid");
    if (!in_pool(j->stage_id, j->case_id))
        return web_refuse_field(x, "case_id", "stages_err_not_in_pool");
    return RC_OK;
}

static int conflict_write(struct store_tx *tx, void *arg)
{
    struct conflict_job *j = arg;
    if (j->remove)
        return tx_conflict_remove(tx, j->case_id, j->user_id);
    return tx_conflict_add(tx, j->case_id, j->user_id, "organiser", j->reason);
}

/* A conflict already there (409), or none to remove (404): the page says which. */
static enum result conflict_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    if (rc == RC_EXISTS)
        x->error = "stages_conflict_exists";
    if (rc == RC_NOTFOUND) {
        x->error = "stages_conflict_none";
        x->page = page_stage_conflicts;
    }
    return rc;
}

const struct web_action act_stage_conflicts = {
    .fields = conflict_fields,
    .state_size = sizeof(struct conflict_job),
    .load = conflict_load,
    .check = conflict_check,
    .write = conflict_write,
    .then = conflict_then,
    .page = page_stage_conflicts,
};

/* ------------------------------------------------------------ assignment */

struct propose_job {
    int64_t stage_id;
    struct review_outcome o;
};

/* What a proposal did: the solver's figures, or why there is none (shown by the action). */
static enum web_err page_stage_proposal(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    const struct propose_job *j = web_act_state(r, &act_stage_assign);
    if (!j)
        return WEB_NOT_FOUND;
    const struct review_outcome *o = &j->o;
    json_t *m = json_pack("{s:b,s:i,s:i,s:i,s:I,s:i,s:i,s:i,s:i,s:s,s:s,s:s}", "ok", o->rc == 0,
                          "cases", o->ncases, "reviewers", o->nreviewers, "k", o->k, "total_cost",
                          (json_int_t)o->total_cost, "load_min", o->load_min, "load_max",
                          o->load_max, "violations", o->violations, "pairs", o->pairs, "solve_ms",
                          arena_printf(&r->arena, "%.1f", o->solve_ms), "total_ms",
                          arena_printf(&r->arena, "%.1f", o->total_ms), "message", o->message);
    json_object_set_new(m, "infeasible", json_boolean(o->rc > 0));
    if (o->rc > 0)
        json_object_set_new(m, "reason", json_string(assign_rc_name(o->rc)));
    return stage_page(r, p, &s, "stages_assign", "stages_assign_title", m);
}

static enum result propose_load(struct web_act *x)
{
    struct propose_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    j->stage_id = s.id;
    return RC_OK;
}

/* On the worker pool: solve and store the proposal (the outcome says how it went). */
static enum result propose_work(void *arg)
{
    struct propose_job *j = arg;
    review_assign_propose(web.store, j->stage_id, 0, &j->o);
    return RC_OK;
}

/* The figures are shown, not redirected to: they are not kept. */
static enum result propose_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct propose_job *j = x->state;
    if (rc != RC_OK)
        return rc;
    if (j->o.rc != 0) {
        x->status = web_result_status(j->o.result);
        x->error = j->o.rc == -1 ? j->o.error : "stages_err_infeasible";
        return RC_STATE;
    }
    return RC_OK;
}

const struct web_action act_stage_assign = {
    .state_size = sizeof(struct propose_job),
    .load = propose_load,
    .work = propose_work,
    .then = propose_then,
    .page = page_stage_proposal,
    .done = page_stage_proposal,
};

enum web_err page_stage_assignments(struct req *r, const struct web_input *in, struct page *p)
{
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    json_t *all = store_review_assignments(web.store, s.id);
    json_t *revs = store_review_reviewers(web.store, s.id);
    if (!all || !revs) {
        json_decref(all);
        json_decref(revs);
        return WEB_INTERNAL;
    }
    /* The filters: a reviewer (one of the stage's), a state, the search box. */
    static const char *const states[] = {"short", "proposed", "released", "dropped", NULL};
    const char *state = admin_list_choice(r, "status", states);
    const char *who = query_get(&r->query, "reviewer");
    int64_t reviewer = who && *who ? web_path_id(who) : 0;
    int known = !reviewer;
    size_t i;
    json_t *v;
    json_array_foreach(revs, i, v)
    {
        int64_t uid = json_integer_value(json_object_get(v, "user_id"));
        json_object_set_new(v, "selected", json_boolean(reviewer && uid == reviewer));
        known |= uid == reviewer;
    }
    if (!state || (who && *who && !reviewer) || !known) {
        json_decref(all);
        json_decref(revs);
        return WEB_BAD_PARAM;
    }
    size_t n = json_array_size(all);
    int from = admin_list_offset(in->page), total = 0;
    json_t *items = json_array();
    int below = 0;
    for (i = 0; i < n; i++) {
        json_t *c = json_array_get(all, i);
        int live = 0, has_reviewer = !reviewer, has_state = 0;
        size_t k;
        json_array_foreach(json_object_get(c, "reviewers"), k, v)
        {
            const char *st = json_string_value(json_object_get(v, "state"));
            live += !(st && strcmp(st, "dropped") == 0);
            has_reviewer |= json_integer_value(json_object_get(v, "user_id")) == reviewer;
            has_state |= *state && st && strcmp(st, state) == 0;
        }
        int is_short = live < s.reviewers_per_case;
        below += is_short;
        const char *words[] = {json_string_value(json_object_get(c, "title")),
                               json_string_value(json_object_get(c, "unit_name"))};
        if (!has_reviewer || (*state && !(strcmp(state, "short") ? has_state : is_short)) ||
            !admin_list_match(in->q, json_integer_value(json_object_get(c, "case_id")), words, 2))
            continue;
        if (total >= from && total < from + ADMIN_LIST_PER_PAGE) {
            json_object_set_new(c, "live", json_integer(live));
            json_object_set_new(c, "short", json_boolean(is_short));
            json_array_append(items, c);
        }
        total++;
    }
    /* The rows shown: each reviewer's state in words. */
    json_t *c;
    json_array_foreach(items, i, c)
    {
        size_t k;
        json_array_foreach(json_object_get(c, "reviewers"), k, v)
        {
            const char *st = json_string_value(json_object_get(v, "state"));
            int dropped = st && strcmp(st, "dropped") == 0;
            json_object_set_new(v, "dropped", json_boolean(dropped));
            json_object_set_new(
                v, "state_word",
                json_string(i18n_get(r->lang, dropped ? "stages_a_dropped"
                                              : strcmp(st ? st : "", "released") == 0
                                                  ? "stages_a_released"
                                                  : "stages_a_proposed")));
        }
    }
    const char *base = arena_printf(&r->arena, "/admin/stages/%lld/assignments", (long long)s.id);
    struct admin_filter keep[] = {{"reviewer", reviewer ? who : NULL}, {"status", state}};
    json_t *pager = admin_list_pager(r, base, keep, 2, in->page, total);
    if (!pager) {
        json_decref(all);
        json_decref(revs);
        json_decref(items);
        return WEB_PAGE_RANGE;
    }
    json_decref(all);
    /* Loads: only reviewers with some assignment or capacity matter here. */
    int lo = -1, hi = 0;
    json_array_foreach(revs, i, v)
    {
        int a = (int)json_integer_value(json_object_get(v, "assigned"));
        if (!json_is_true(json_object_get(v, "dropped")) &&
            json_integer_value(json_object_get(v, "max_load")) > 0 &&
            json_is_true(json_object_get(v, "active"))) {
            if (lo < 0 || a < lo)
                lo = a;
            if (a > hi)
                hi = a;
        }
    }
    json_t *statuses = json_array();
    for (size_t k = 0; states[k]; k++)
        json_array_append_new(
            statuses,
            json_pack("{s:s,s:s,s:b}", "value", states[k], "label",
                      i18n_get(r->lang, arena_printf(&r->arena, "alist_assign_%s", states[k])),
                      "selected", !strcmp(state, states[k])));
    json_t *m = json_pack("{s:o,s:o,s:i,s:o,s:i,s:i,s:o,s:{s:s,s:b}}", "cases", items,
                          "reviewers", revs, "count", (int)n, "pager", pager, "below_k", below,
                          "load_min", lo < 0 ? 0 : lo, "statuses", statuses, "filter", "q",
                          in->q ? in->q : "", "any", in->q || reviewer || *state);
    json_object_set_new(m, "load_max", json_integer(hi));
    if (query_get(&r->query, "warn"))
        json_object_set_new(m, "warning", json_string(i18n_get(r->lang, "stages_warn_below_k")));
    const char *done = query_get(&r->query, "done");
    if (done)
        p->notice = strcmp(done, "release") == 0
                        ? (mail_active() ? "stages_released" : "stages_released_queued")
                    : strcmp(done, "add") == 0 ? "stages_added"
                                               : "stages_removed";
    return stage_page(r, p, &s, "stages_assignments", "stages_assignments_title", m);
}

static const struct web_field edit_fields[] = {
    {"case_id", WEB_F_INT, REQ, 1, 1e15, NULL, "stages_edit_invalid"},
    {"user_id", WEB_F_INT, REQ, 1, 1e15, NULL, "stages_edit_invalid"},
    {NULL},
};

struct edit_job {
    int64_t stage_id, case_id, user_id;
    int remove;
    int check;        /* the check's refusal (a result code), or RC_OK */
    const char *why;  /* its reason key */
    const char *warn; /* a warning key (remove below k before release) */
    enum result rc;   /* the write's */
    struct review_mail m;
};

static enum result edit_load(struct web_act *x)
{
    struct edit_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    j->stage_id = s.id;
    j->case_id = web_int(x, "case_id");
    j->user_id = web_int(x, "user_id");
    j->remove = x->a == &act_stage_assignment_remove;
    reviewer_mail(x->r, &j->m, "stages_mail_subject");
    return RC_OK;
}

static int add_write(struct store_tx *tx, void *arg)
{
    struct edit_job *j = arg;
    return tx_review_assignment_add(tx, j->stage_id, j->case_id, j->user_id, &j->m);
}

static int remove_write(struct store_tx *tx, void *arg)
{
    struct edit_job *j = arg;
    return tx_review_assignment_remove(tx, j->stage_id, j->case_id, j->user_id);
}

/* On the worker pool: the rules need the whole stage, then the write. */
static enum result edit_work(void *arg)
{
    struct edit_job *j = arg;
    if (j->remove)
        j->check =
            review_check_remove(web.store, j->stage_id, j->case_id, j->user_id, &j->why, &j->warn);
    else
        j->check = review_check_add(web.store, j->stage_id, j->case_id, j->user_id, &j->why);
    if (j->check != RC_OK)
        return RC_OK;
    j->rc = store_write_sync(web.store, j->remove ? remove_write : add_write, j);
    return RC_OK;
}

static enum result edit_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct edit_job *j = x->state;
    if (rc != RC_OK)
        return rc;
    if (j->check != RC_OK) {
        x->error = j->why;
        x->page = page_stage_assignments;
        return (enum result)j->check;
    }
    if (j->rc == RC_STATE || j->rc == RC_EXISTS || j->rc == RC_NOTFOUND) {
        x->error = j->rc == RC_EXISTS     ? "stages_err_already"
                   : j->rc == RC_NOTFOUND ? "stages_err_no_assignment"
                                          : "stages_err_submitted";
        x->page = page_stage_assignments;
        return j->rc;
    }
    if (j->rc != RC_OK)
        return j->rc;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/assignments?done=%s%s",
                           (long long)j->stage_id, j->remove ? "remove" : "add",
                           j->warn ? "&warn=1" : "");
    return RC_OK;
}

const struct web_action act_stage_assignment_add = {
    .fields = edit_fields,
    .state_size = sizeof(struct edit_job),
    .load = edit_load,
    .work = edit_work,
    .then = edit_then,
    .page = page_stage_assignments,
};

const struct web_action act_stage_assignment_remove = {
    .fields = edit_fields,
    .state_size = sizeof(struct edit_job),
    .load = edit_load,
    .work = edit_work,
    .then = edit_then,
    .page = page_stage_assignments,
};

/* Release and reminders: one write on the stage with a message to its reviewers. */
struct release_job {
    int64_t stage_id;
    struct review_mail m;
    int messages;
};

static enum result release_load(struct web_act *x)
{
    struct release_job *j = x->state;
    struct review_stage s;
    enum result found = act_stage(x, &s);
    if (found != RC_OK)
        return found;
    j->stage_id = s.id;
    if (x->a == &act_stage_remind) {
        reviewer_mail(x->r, &j->m, "stages_remind_subject");
        j->m.body = i18n_get(LANG_ZH, "stages_remind_body");
    } else {
        reviewer_mail(x->r, &j->m, "stages_mail_subject");
        x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/assignments?done=release",
                               (long long)s.id);
    }
    return RC_OK;
}

static int release_write(struct store_tx *tx, void *arg)
{
    struct release_job *j = arg;
    return tx_review_release(tx, j->stage_id, &j->m, &j->messages);
}

const struct web_action act_stage_release = {
    .state_size = sizeof(struct release_job),
    .load = release_load,
    .write = release_write,
    .refusals = state_refusals,
    .page = page_stage_assignments,
};

/* ------------------------------------------------------------ progress */

enum web_err page_stage_progress(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct review_stage s;
    if (path_stage(r, &s) != WEB_OK)
        return WEB_NOT_FOUND;
    json_t *m = store_review_progress(web.store, s.id);
    if (!m)
        return WEB_INTERNAL;
    json_t *t = json_object_get(m, "totals");
    json_int_t a = json_integer_value(json_object_get(t, "assigned"));
    json_int_t d = json_integer_value(json_object_get(t, "submitted"));
    json_object_set_new(m, "percent", json_integer(a ? (json_int_t)(d * 100 / a) : 0));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(m, "regions"), i, e)
    {
        json_int_t ra = json_integer_value(json_object_get(e, "assigned"));
        json_int_t rs = json_integer_value(json_object_get(e, "submitted"));
        json_object_set_new(e, "percent", json_integer(ra ? (json_int_t)(rs * 100 / ra) : 0));
    }
    /* Without a mail server the reminders wait in the outbox: say so, not "sent". */
    count_notice(r, m, "reminded", mail_active() ? "stages_reminded" : "stages_reminded_queued");
    return stage_page(r, p, &s, "stages_progress", "stages_progress_title", m);
}

static int remind_write(struct store_tx *tx, void *arg)
{
    struct release_job *j = arg;
    return tx_review_remind(tx, j->stage_id, &j->m, &j->messages);
}

static enum result remind_then(struct web_act *x, struct resp *w, enum result rc)
{
    struct release_job *j = x->state;
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/progress?reminded=%d",
                           (long long)j->stage_id, j->messages);
    (void)w;
    return rc;
}

const struct web_action act_stage_remind = {
    .state_size = sizeof(struct release_job),
    .load = release_load,
    .write = remind_write,
    .then = remind_then,
    .refusals = state_refusals,
    .page = page_stage_progress,
};
