/*
 * stages.c — the organiser's pages of review rounds: the stages of the
 * campaign under review, each stage's settings and criteria, its pool of
 * cases, the reviewer pool with drop-outs, conflicts (回避), the proposal of
 * assignments (solved on the worker pool), their inspection and manual
 * edits, release, progress and reminders.
 *
 * Every page answers for one stage of the campaign under review (404 for
 * any other).  Reads go to the store on the serving thread; the solver and
 * the checks of manual edits load the whole stage, so they run on the
 * worker pool (web_work), which then waits for the writer.  Refusals say
 * why: 409 when the state or a count forbids it, 422 for a rule of 回避 or
 * a form that does not validate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/assign_run.h"
#include "store/accounts.h"
#include "store/ranking.h"
#include "store/review.h"
#include "view/i18n.h"
#include "web/stages.h"
#include "web/web.h"

#define STAGES_PER_PAGE 100 /* cases per page of the assignments */

/* Stage id of the campaign under review into s; 0 if it is none of them. */
static int stage_get(int64_t id, struct review_stage *s)
{
    int64_t campaign = store_review_campaign_id(web.store);
    if (!id || !campaign || store_review_stage(web.store, id, s) != RC_OK)
        return 0;
    return s->campaign_id == campaign;
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
    json_object_set_new(o, "editable", json_boolean(can.edit));
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

/* A page of one stage: its model gets "stage"; notice/error keys are optional. */
static void stage_page(struct req *r, struct resp *w, int status, const char *tpl,
                       const char *title_key, const struct review_stage *s, json_t *m,
                       const char *notice, const char *error)
{
    json_object_set_new(m, "stage", stage_json(r, s));
    if (notice)
        json_object_set_new(m, "notice", json_string(notice));
    if (error) {
        json_object_set_new(m, "error", json_string(i18n_get(r->lang, error)));
        json_object_set_new(m, "error_key", json_string(error));
    }
    const char *title = arena_printf(&r->arena, "%s · %s", s->name, i18n_get(r->lang, title_key));
    web_render(r, w, status, tpl, title ? title : s->name, m);
}

/* Stage id (as stage_get) into s, or 404 answered (returns 0). */
static int stage_or_404(struct req *r, struct resp *w, int64_t id, struct review_stage *s)
{
    if (!stage_get(id, s)) {
        web_error(r, w, WEB_NOT_FOUND);
        return 0;
    }
    return 1;
}

/* The stage of the route's first parameter, or an error answered (returns 0). */
static int route_stage(struct req *r, struct resp *w, struct review_stage *s)
{
    return stage_or_404(r, w, web_path_id(r->params[0]), s);
}

/*
 * In the `then` of a web_work job on stage id: 503 if the job did not run
 * (rc), else the stage into s or 404; returns 1 when s is set.
 */
static int work_stage(struct req *r, struct resp *w, int rc, int64_t id, struct review_stage *s)
{
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return 0;
    }
    return stage_or_404(r, w, id, s);
}

/* The status of a refusal by review/assign_run.h (a result code). */
static int refusal_status(int result)
{
    switch (result) {
    case RC_NOTFOUND:
        return 404;
    case RC_INVALID:
        return 422;
    case RC_STATE:
    case RC_STALE:
    case RC_QUOTA:
    case RC_EXISTS:
    case RC_CLOSED:
    case RC_GONE:
        return 409;
    default:
        return 500;
    }
}

/* A zeroed job of n bytes from the request's arena, or NULL with 500 answered. */
static void *job_new(struct req *r, struct resp *w, size_t n)
{
    void *j = arena_alloc(&r->arena, n);
    if (!j) {
        web_error(r, w, WEB_INTERNAL);
        return NULL;
    }
    memset(j, 0, n);
    return j;
}

/* The notice "<word> <n>" after a redirect with ?param=n (a short value), or NULL. */
static const char *count_notice(struct req *r, const char *param, const char *word_key)
{
    const char *n = query_get(&r->query, param);
    if (!n || strlen(n) >= 12)
        return NULL;
    return arena_printf(&r->arena, "%s %s", i18n_get(r->lang, word_key), n);
}

/* A page of one stage, with an optional notice and error key. */
typedef void stage_page_fn(struct req *r, struct resp *w, int status, const struct review_stage *s,
                           const char *notice, const char *error);

/*
 * The answer to a write on stage id that needs the stage in some state: a
 * redirect to `to` when it succeeded, page again (409, "stages_err_state")
 * on RC_STATE, 404 if the stage is gone, 503 on another failure.
 */
static void state_write_done(struct req *r, struct resp *w, int rc, int64_t id, stage_page_fn *page,
                             const char *to)
{
    struct review_stage s;
    if (!stage_or_404(r, w, id, &s))
        return;
    if (rc == RC_STATE) {
        page(r, w, 409, &s, NULL, "stages_err_state");
        return;
    }
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(r, w, to);
}

/* ------------------------------------------------------------ the list */

void raw_stages(struct req *r, struct resp *w)
{
    int64_t campaign = store_review_campaign_id(web.store);
    json_t *stages = campaign ? store_review_stages(web.store, campaign) : json_array();
    if (!stages) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
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
    }
    json_t *m = json_pack("{s:I,s:o}", "campaign_id", (json_int_t)campaign, "stages", stages);
    web_render(r, w, 200, "stages", i18n_get(r->lang, "stages_title"), m);
}

/* ------------------------------------------------------------ settings */

struct settings_form {
    struct review_stage s;
    struct review_criterion c[REVIEW_MAX_CRITERIA];
    int n;
};

static int parse_int(const char *v, int lo, int hi, int *out)
{
    if (!v || !*v)
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi)
        return 0;
    *out = (int)x;
    return 1;
}

static int parse_num(const char *v, double lo, double hi, double *out)
{
    if (!v || !*v)
        return 0;
    char *end;
    double x = strtod(v, &end);
    if (*end || !isfinite(x) || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

static int one_of(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static void add_error(struct req *r, json_t *errors, const char *key)
{
    json_array_append_new(errors, json_string(i18n_get(r->lang, key)));
}

/* Read and validate the settings form into sf (starting from the stage's values). */
static json_t *settings_read(struct req *r, struct settings_form *sf)
{
    static const char *const aggs[] = {"mean", "median", "trimmed", NULL};
    static const char *const rules[] = {"top", "top_per_region", "top_per_track", "threshold",
                                        NULL};
    const struct query *f = web_form(r);
    struct review_stage *s = &sf->s;
    json_t *errors = json_array();
    if (!parse_int(query_get(f, "reviewers_per_case"), 1, 20, &s->reviewers_per_case))
        add_error(r, errors, "stages_bad_k");
    if (!parse_int(query_get(f, "max_same_region"), 0, 20, &s->max_same_region))
        add_error(r, errors, "stages_bad_cap");
    s->blind = query_get(f, "blind") != NULL;
    s->exclude_previous = query_get(f, "exclude_previous") != NULL;
    s->normalise = query_get(f, "normalise") != NULL;
    const char *agg = query_get(f, "aggregation");
    if (one_of(agg, aggs))
        snprintf(s->aggregation, sizeof s->aggregation, "%s", agg);
    else
        add_error(r, errors, "stages_bad_aggregation");
    if (!parse_int(query_get(f, "trim_k"), 0, 5, &s->trim_k) ||
        !parse_int(query_get(f, "trim_min"), 1, 50, &s->trim_min) ||
        s->trim_min < 2 * s->trim_k + 1)
        add_error(r, errors, "stages_bad_trim");
    if (!parse_num(query_get(f, "previous_weight"), 0, 1, &s->previous_weight) ||
        !parse_num(query_get(f, "vote_weight"), 0, 1, &s->vote_weight) ||
        s->previous_weight + s->vote_weight > 1 + 1e-9)
        add_error(r, errors, "stages_bad_weights");
    if (!parse_int(query_get(f, "quorum"), 1, 20, &s->quorum) || s->quorum > s->reviewers_per_case)
        add_error(r, errors, "stages_bad_quorum");
    const char *rule = query_get(f, "advance_rule");
    if (one_of(rule, rules))
        snprintf(s->advance_rule, sizeof s->advance_rule, "%s", rule);
    else
        add_error(r, errors, "stages_bad_rule");
    if (!parse_int(query_get(f, "advance_n"), 0, 100000, &s->advance_n))
        add_error(r, errors, "stages_bad_advance_n");
    if (!parse_num(query_get(f, "advance_threshold"), 0, 100, &s->advance_threshold))
        add_error(r, errors, "stages_bad_threshold");
    sf->n = 0;
    int bad_crit = 0;
    double weights = 0;
    for (int i = 1; i <= REVIEW_MAX_CRITERIA; i++) {
        char k[32];
        snprintf(k, sizeof k, "crit_name_%d", i);
        const char *name = query_get(f, k);
        if (!name || !*name)
            continue;
        struct review_criterion *c = &sf->c[sf->n];
        memset(c, 0, sizeof *c);
        snprintf(k, sizeof k, "crit_desc_%d", i);
        const char *desc = query_get(f, k);
        snprintf(k, sizeof k, "crit_max_%d", i);
        const char *mx = query_get(f, k);
        snprintf(k, sizeof k, "crit_weight_%d", i);
        const char *wt = query_get(f, k);
        if (strlen(name) >= 120 || (desc && strlen(desc) >= 500) ||
            !parse_num(mx, 1, 1000, &c->max_score) || !parse_num(wt, 0, 100, &c->weight)) {
            bad_crit = 1;
            continue;
        }
        snprintf(c->name, sizeof c->name, "%s", name);
        snprintf(c->description, sizeof c->description, "%s", desc ? desc : "");
        weights += c->weight;
        sf->n++;
    }
    if (bad_crit)
        add_error(r, errors, "stages_bad_criterion");
    else if (s->kind == STAGE_KIND_REVIEW && (sf->n == 0 || weights <= 0))
        add_error(r, errors, "stages_no_criteria");
    return errors;
}

/* The settings page; with f, the form as typed (after an error). */
static void settings_page(struct req *r, struct resp *w, int status, const struct review_stage *s,
                          const struct settings_form *sf, json_t *errors, const char *notice)
{
    json_t *m = json_object();
    json_t *crit = json_array();
    if (sf) {
        for (int i = 0; i < sf->n; i++)
            json_array_append_new(crit, json_pack("{s:s,s:s,s:f,s:f}", "name", sf->c[i].name,
                                                  "description", sf->c[i].description, "max",
                                                  sf->c[i].max_score, "weight", sf->c[i].weight));
    } else {
        json_decref(crit);
        crit = store_review_criteria(web.store, s->id);
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
    json_object_set_new(m, "criteria", crit);
    static const char *const aggs[] = {"mean", "median", "trimmed"};
    static const char *const rules[] = {"top", "top_per_region", "top_per_track", "threshold"};
    const struct review_stage *v = sf ? &sf->s : s;
    json_t *ag = json_array(), *ru = json_array();
    for (size_t k = 0; k < 3; k++) {
        char key[48];
        snprintf(key, sizeof key, "stages_agg_%s", aggs[k]);
        json_array_append_new(ag, json_pack("{s:s,s:s,s:b}", "value", aggs[k], "label",
                                            i18n_get(r->lang, key), "selected",
                                            strcmp(v->aggregation, aggs[k]) == 0));
    }
    for (size_t k = 0; k < 4; k++) {
        char key[48];
        snprintf(key, sizeof key, "stages_rule_%s", rules[k]);
        json_array_append_new(ru, json_pack("{s:s,s:s,s:b}", "value", rules[k], "label",
                                            i18n_get(r->lang, key), "selected",
                                            strcmp(v->advance_rule, rules[k]) == 0));
    }
    json_object_set_new(m, "aggregations", ag);
    json_object_set_new(m, "rules", ru);
    json_object_set_new(m, "form", stage_json(r, v));
    if (errors && json_array_size(errors)) {
        json_object_set_new(m, "errors", errors);
        json_object_set_new(m, "has_errors", json_true());
        stage_page(r, w, status, "stages_settings", "stages_settings_title", s, m, notice,
                   "stages_form_invalid");
        return;
    }
    json_decref(errors);
    stage_page(r, w, status, "stages_settings", "stages_settings_title", s, m, notice, NULL);
}

void raw_stage_settings(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const char *saved = query_get(&r->query, "saved");
    settings_page(r, w, 200, &s, NULL, NULL,
                  saved ? i18n_get(r->lang, "stages_settings_saved") : NULL);
}

struct settings_job {
    struct settings_form f;
    int64_t id;
};

static int settings_write(struct store_tx *tx, void *arg)
{
    struct settings_job *j = arg;
    return tx_review_stage_update(tx, j->id, &j->f.s, j->f.c, j->f.n);
}

static void settings_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct settings_job *j = arg;
    struct review_stage s;
    if (!stage_or_404(r, w, j->id, &s))
        return;
    if (rc == RC_STATE) {
        json_t *errors = json_array();
        add_error(r, errors, "stages_err_state");
        settings_page(r, w, 409, &s, &j->f, errors, NULL);
        return;
    }
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(r, w, arena_printf(&r->arena, "/admin/stages/%lld?saved=1", (long long)j->id));
}

void raw_stage_settings_post(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    struct settings_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->id = s.id;
    j->f.s = s;
    json_t *errors = settings_read(r, &j->f);
    if (json_array_size(errors)) {
        settings_page(r, w, 422, &s, &j->f, errors, NULL);
        return;
    }
    json_decref(errors);
    if (!stage_allows(s.state, STAGE_EDIT)) {
        errors = json_array();
        add_error(r, errors, "stages_err_state");
        settings_page(r, w, 409, &s, &j->f, errors, NULL);
        return;
    }
    web_write(r, w, settings_write, j, settings_then);
}

/* ------------------------------------------------------------ pool */

static void pool_page(struct req *r, struct resp *w, int status, const struct review_stage *s,
                      const char *notice, const char *error)
{
    json_t *pool = store_review_pool(web.store, s->id);
    if (!pool) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    int64_t prev = store_review_previous_stage(web.store, s->id);
    json_t *m = json_pack("{s:o,s:i,s:b}", "cases", pool, "count", (int)json_array_size(pool),
                          "from_previous", prev != 0);
    stage_page(r, w, status, "stages_pool", "stages_pool_title", s, m, notice, error);
}

void raw_stage_pool(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    pool_page(r, w, 200, &s, count_notice(r, "added", "stages_pool_added"), NULL);
}

struct fill_job {
    int64_t id;
    int added;
};

static int fill_write(struct store_tx *tx, void *arg)
{
    struct fill_job *j = arg;
    return tx_review_pool_fill(tx, j->id, &j->added);
}

static void fill_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct fill_job *j = arg;
    state_write_done(
        r, w, rc, j->id, pool_page,
        arena_printf(&r->arena, "/admin/stages/%lld/pool?added=%d", (long long)j->id, j->added));
}

void raw_stage_pool_fill(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    if (!stage_allows(s.state, STAGE_FILL)) {
        pool_page(r, w, 409, &s, NULL, "stages_err_state");
        return;
    }
    struct fill_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->id = s.id;
    web_write(r, w, fill_write, j, fill_then);
}

/* ------------------------------------------------------------ reviewers */

static void reviewers_page(struct req *r, struct resp *w, int status, const struct review_stage *s,
                           const char *notice, const char *error)
{
    json_t *revs = store_review_reviewers(web.store, s->id);
    json_t *cands = store_review_reviewer_candidates(web.store);
    if (!revs || !cands) {
        json_decref(revs);
        json_decref(cands);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    json_t *m = json_pack("{s:o,s:b,s:o,s:i}", "reviewers", revs, "has_candidates",
                          json_array_size(cands) > 0, "candidates", cands, "count",
                          (int)json_array_size(revs));
    stage_page(r, w, status, "stages_reviewers", "stages_reviewers_title", s, m, notice, error);
}

void raw_stage_reviewers(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const char *notice = NULL;
    const char *dropped = query_get(&r->query, "dropped");
    const char *replaced = query_get(&r->query, "replaced");
    if (dropped && replaced && strlen(dropped) < 20 && strlen(replaced) < 12)
        notice = arena_printf(&r->arena, "%s #%s · %s %s", i18n_get(r->lang, "stages_dropped"),
                              dropped, i18n_get(r->lang, "stages_replaced"), replaced);
    else if (query_get(&r->query, "added"))
        notice = i18n_get(r->lang, "stages_reviewer_added");
    reviewers_page(r, w, 200, &s, notice, NULL);
}

struct reviewer_job {
    int64_t stage_id, user_id, unit_id;
    const char *region, *expertise;
    int max_load;
};

static int reviewer_write(struct store_tx *tx, void *arg)
{
    struct reviewer_job *j = arg;
    return tx_reviewer_upsert(tx, j->user_id, j->region, j->unit_id, j->expertise, j->max_load);
}

static void reviewer_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct reviewer_job *j = arg;
    struct review_stage s;
    if (!stage_or_404(r, w, j->stage_id, &s))
        return;
    if (rc == RC_INVALID) {
        reviewers_page(r, w, 422, &s, NULL, "stages_bad_reviewer");
        return;
    }
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(
        r, w,
        arena_printf(&r->arena, "/admin/stages/%lld/reviewers?added=1", (long long)j->stage_id));
}

static int region_ok(const char *v)
{
    if (!v || strlen(v) != 6)
        return 0;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

void raw_stage_reviewer_add(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const struct query *f = web_form(r);
    struct reviewer_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    j->user_id = web_path_id(query_get(f, "user_id"));
    const char *region = query_get(f, "region");
    const char *unit = query_get(f, "unit_id");
    const char *exp = query_get(f, "expertise");
    j->region = region && *region ? region : NULL;
    j->unit_id = unit && *unit ? web_path_id(unit) : 0;
    j->expertise = exp ? exp : "";
    if (!j->user_id || (j->region && !region_ok(j->region)) || (unit && *unit && !j->unit_id) ||
        strlen(j->expertise) > 500 ||
        !parse_int(query_get(f, "max_load"), 0, 10000, &j->max_load)) {
        reviewers_page(r, w, 422, &s, NULL, "stages_bad_reviewer");
        return;
    }
    /* Expertise as typed ("a, b、c") is kept in the canonical 'a|b|c' form. */
    char *e = arena_strdup(&r->arena, j->expertise);
    if (e) {
        char *o = e;
        int sep = 1;
        for (const char *p = j->expertise; *p;) {
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
        j->expertise = e;
    }
    web_write(r, w, reviewer_write, j, reviewer_then);
}

/* The messages to reviewers, in Chinese (the experts' language), with the link to /review. */
static void reviewer_mail(struct req *r, struct review_mail *m, const char *subject_key)
{
    m->subject = i18n_get(LANG_ZH, subject_key);
    m->body = i18n_get(LANG_ZH, "stages_mail_body");
    m->link = arena_printf(&r->arena, "%s/review", web.base_url ? web.base_url : "");
}

struct drop_job {
    int64_t stage_id, user_id;
    struct review_mail m;
    struct review_outcome o;
};

static void drop_work(void *arg)
{
    struct drop_job *j = arg;
    review_drop(web.store, j->stage_id, j->user_id, &j->m, &j->o);
}

static void drop_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct drop_job *j = arg;
    struct review_stage s;
    if (!work_stage(r, w, rc, j->stage_id, &s))
        return;
    if (j->o.rc == -1) {
        reviewers_page(r, w, refusal_status(j->o.result), &s, NULL, j->o.error);
        return;
    }
    if (j->o.rc != 0) {
        json_t *revs = store_review_reviewers(web.store, s.id);
        json_t *cands = store_review_reviewer_candidates(web.store);
        json_t *m =
            json_pack("{s:o,s:o,s:s}", "reviewers", revs ? revs : json_array(), "candidates",
                      cands ? cands : json_array(), "infeasible", j->o.message);
        stage_page(r, w, refusal_status(j->o.result), "stages_reviewers", "stages_reviewers_title", &s, m, NULL,
                   "stages_err_infeasible");
        return;
    }
    web_redirect(r, w,
                 arena_printf(&r->arena, "/admin/stages/%lld/reviewers?dropped=%lld&replaced=%d",
                              (long long)j->stage_id, (long long)j->user_id, j->o.pairs));
}

void raw_stage_reviewer_drop(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    int64_t uid = web_path_id(r->params[1]);
    if (!uid) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct drop_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    j->user_id = uid;
    reviewer_mail(r, &j->m, "stages_mail_subject");
    web_work(r, w, drop_work, j, drop_then);
}

/* ------------------------------------------------------------ conflicts */

static void conflicts_page(struct req *r, struct resp *w, int status, const struct review_stage *s,
                           const char *notice, const char *error)
{
    json_t *list = store_review_conflicts(web.store, s->campaign_id);
    json_t *revs = store_review_reviewers(web.store, 0);
    if (!list || !revs) {
        json_decref(list);
        json_decref(revs);
        web_error(r, w, WEB_INTERNAL);
        return;
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
    stage_page(r, w, status, "stages_conflicts", "stages_conflicts_title", s, m, notice, error);
}

void raw_stage_conflicts(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    conflicts_page(
        r, w, 200, &s,
        query_get(&r->query, "saved") ? i18n_get(r->lang, "stages_conflict_saved") : NULL, NULL);
}

struct conflict_job {
    int64_t stage_id, case_id, user_id;
    const char *reason;
    int remove;
};

static int conflict_write(struct store_tx *tx, void *arg)
{
    struct conflict_job *j = arg;
    if (j->remove)
        return tx_conflict_remove(tx, j->case_id, j->user_id);
    return tx_conflict_add(tx, j->case_id, j->user_id, "organiser", j->reason);
}

static void conflict_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct conflict_job *j = arg;
    struct review_stage s;
    if (!stage_or_404(r, w, j->stage_id, &s))
        return;
    if (rc == RC_EXISTS || rc == RC_NOTFOUND) {
        conflicts_page(r, w, rc == RC_EXISTS ? 409 : 404, &s, NULL,
                       rc == RC_EXISTS ? "stages_conflict_exists" : "stages_conflict_none");
        return;
    }
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(
        r, w,
        arena_printf(&r->arena, "/admin/stages/%lld/conflicts?saved=1", (long long)j->stage_id));
}

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

void raw_stage_conflicts_post(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const struct query *f = web_form(r);
    struct conflict_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    j->case_id = web_path_id(query_get(f, "case_id"));
    j->user_id = web_path_id(query_get(f, "user_id"));
    const char *action = query_get(f, "action");
    j->remove = action && strcmp(action, "remove") == 0;
    const char *reason = query_get(f, "reason");
    j->reason = reason ? reason : "";
    if (!j->case_id || !j->user_id || strlen(j->reason) > 500 || (!j->remove && !*j->reason)) {
        conflicts_page(r, w, 422, &s, NULL, "stages_conflict_invalid");
        return;
    }
    if (!j->remove && !in_pool(s.id, j->case_id)) {
        conflicts_page(r, w, 422, &s, NULL, "stages_err_not_in_pool");
        return;
    }
    web_write(r, w, conflict_write, j, conflict_then);
}

/* ------------------------------------------------------------ assignment */

struct propose_job {
    int64_t stage_id;
    struct review_outcome o;
};

static void propose_work(void *arg)
{
    struct propose_job *j = arg;
    review_assign_propose(web.store, j->stage_id, 0, &j->o);
}

static void propose_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct propose_job *j = arg;
    struct review_stage s;
    if (!work_stage(r, w, rc, j->stage_id, &s))
        return;
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
    int status = o->rc == 0 ? 200 : refusal_status(o->result);
    const char *err = o->rc == -1 ? o->error : o->rc > 0 ? "stages_err_infeasible" : NULL;
    stage_page(r, w, status, "stages_assign", "stages_assign_title", &s, m, NULL, err);
}

void raw_stage_assign(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    struct propose_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    web_work(r, w, propose_work, j, propose_then);
}

static void assignments_page(struct req *r, struct resp *w, int status,
                             const struct review_stage *s, const char *notice, const char *error,
                             const char *warning)
{
    json_t *all = store_review_assignments(web.store, s->id);
    json_t *revs = store_review_reviewers(web.store, s->id);
    if (!all || !revs) {
        json_decref(all);
        json_decref(revs);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    const char *pg = query_get(&r->query, "page");
    int page = 1;
    if (pg && !parse_int(pg, 1, 10000, &page))
        page = 1;
    size_t n = json_array_size(all);
    int pages = (int)((n + STAGES_PER_PAGE - 1) / STAGES_PER_PAGE);
    if (pages < 1)
        pages = 1;
    if (page > pages)
        page = pages;
    json_t *items = json_array();
    int below = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(all, i);
        int live = 0;
        size_t k;
        json_t *v;
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
            live += !dropped;
        }
        json_object_set_new(c, "live", json_integer(live));
        json_object_set_new(c, "short", json_boolean(live < s->reviewers_per_case));
        below += live < s->reviewers_per_case;
        if (i >= (size_t)(page - 1) * STAGES_PER_PAGE && i < (size_t)page * STAGES_PER_PAGE)
            json_array_append(items, c);
    }
    json_decref(all);
    /* Loads: only reviewers with some assignment or capacity matter here. */
    int lo = -1, hi = 0;
    size_t i;
    json_t *v;
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
    json_t *m = json_pack("{s:o,s:o,s:i,s:i,s:i,s:i,s:i,s:b,s:b,s:i,s:i}", "cases", items,
                          "reviewers", revs, "count", (int)n, "page", page, "pages", pages,
                          "below_k", below, "load_min", lo < 0 ? 0 : lo, "has_prev", page > 1,
                          "has_next", page < pages, "prev", page - 1, "next", page + 1);
    json_object_set_new(m, "load_max", json_integer(hi));
    if (warning)
        json_object_set_new(m, "warning", json_string(i18n_get(r->lang, warning)));
    stage_page(r, w, status, "stages_assignments", "stages_assignments_title", s, m, notice, error);
}

/* The assignments page without a warning (a stage_page_fn). */
static void assignments_notice_page(struct req *r, struct resp *w, int status,
                                    const struct review_stage *s, const char *notice,
                                    const char *error)
{
    assignments_page(r, w, status, s, notice, error, NULL);
}

void raw_stage_assignments(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const char *done = query_get(&r->query, "done");
    const char *warn = query_get(&r->query, "warn");
    assignments_page(r, w, 200, &s,
                     done ? i18n_get(r->lang, strcmp(done, "release") == 0 ? "stages_released"
                                              : strcmp(done, "add") == 0   ? "stages_added"
                                                                           : "stages_removed")
                          : NULL,
                     NULL, warn ? "stages_warn_below_k" : NULL);
}

struct edit_job {
    int64_t stage_id, case_id, user_id;
    int remove;
    int check;        /* the check's refusal (a result code), or RC_OK */
    const char *why;  /* its reason key */
    const char *warn; /* a warning key (remove below k before release) */
    int rc;           /* the write's */
    struct review_mail m;
};

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

static void edit_work(void *arg)
{
    struct edit_job *j = arg;
    if (j->remove)
        j->check =
            review_check_remove(web.store, j->stage_id, j->case_id, j->user_id, &j->why, &j->warn);
    else
        j->check = review_check_add(web.store, j->stage_id, j->case_id, j->user_id, &j->why);
    if (j->check != RC_OK)
        return;
    j->rc = store_write_sync(web.store, j->remove ? remove_write : add_write, j);
}

static void edit_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct edit_job *j = arg;
    struct review_stage s;
    if (!work_stage(r, w, rc, j->stage_id, &s))
        return;
    if (j->check != RC_OK) {
        assignments_page(r, w, refusal_status(j->check), &s, NULL, j->why, NULL);
        return;
    }
    if (j->rc == RC_STATE || j->rc == RC_EXISTS || j->rc == RC_NOTFOUND) {
        assignments_page(r, w, j->rc == RC_NOTFOUND ? 404 : 409, &s, NULL,
                         j->rc == RC_EXISTS   ? "stages_err_already"
                         : j->rc == RC_NOTFOUND ? "stages_err_no_assignment"
                                                   : "stages_err_submitted",
                         NULL);
        return;
    }
    if (j->rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(r, w,
                 arena_printf(&r->arena, "/admin/stages/%lld/assignments?done=%s%s",
                              (long long)j->stage_id, j->remove ? "remove" : "add",
                              j->warn ? "&warn=1" : ""));
}

static void edit(struct req *r, struct resp *w, int remove)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    const struct query *f = web_form(r);
    struct edit_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    j->case_id = web_path_id(query_get(f, "case_id"));
    j->user_id = web_path_id(query_get(f, "user_id"));
    j->remove = remove;
    if (!j->case_id || !j->user_id) {
        assignments_page(r, w, 422, &s, NULL, "stages_edit_invalid", NULL);
        return;
    }
    reviewer_mail(r, &j->m, "stages_mail_subject");
    web_work(r, w, edit_work, j, edit_then);
}

void raw_stage_assignment_add(struct req *r, struct resp *w)
{
    edit(r, w, 0);
}

void raw_stage_assignment_remove(struct req *r, struct resp *w)
{
    edit(r, w, 1);
}

struct release_job {
    int64_t stage_id;
    struct review_mail m;
    int messages;
};

static int release_write(struct store_tx *tx, void *arg)
{
    struct release_job *j = arg;
    return tx_review_release(tx, j->stage_id, &j->m, &j->messages);
}

static void release_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct release_job *j = arg;
    state_write_done(r, w, rc, j->stage_id, assignments_notice_page,
                     arena_printf(&r->arena, "/admin/stages/%lld/assignments?done=release",
                                  (long long)j->stage_id));
}

void raw_stage_release(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    struct release_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    reviewer_mail(r, &j->m, "stages_mail_subject");
    web_write(r, w, release_write, j, release_then);
}

/* ------------------------------------------------------------ progress */

static void progress_page(struct req *r, struct resp *w, int status, const struct review_stage *s,
                          const char *notice, const char *error)
{
    json_t *m = store_review_progress(web.store, s->id);
    if (!m) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
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
    stage_page(r, w, status, "stages_progress", "stages_progress_title", s, m, notice, error);
}

void raw_stage_progress(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    progress_page(r, w, 200, &s, count_notice(r, "reminded", "stages_reminded"), NULL);
}

static int remind_write(struct store_tx *tx, void *arg)
{
    struct release_job *j = arg;
    return tx_review_remind(tx, j->stage_id, &j->m, &j->messages);
}

static void remind_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct release_job *j = arg;
    state_write_done(r, w, rc, j->stage_id, progress_page,
                     arena_printf(&r->arena, "/admin/stages/%lld/progress?reminded=%d",
                                  (long long)j->stage_id, j->messages));
}

void raw_stage_remind(struct req *r, struct resp *w)
{
    struct review_stage s;
    if (!route_stage(r, w, &s))
        return;
    struct release_job *j = job_new(r, w, sizeof *j);
    if (!j)
        return;
    j->stage_id = s.id;
    reviewer_mail(r, &j->m, "stages_remind_subject");
    j->m.body = i18n_get(LANG_ZH, "stages_remind_body");
    web_write(r, w, remind_write, j, remind_then);
}
