/*
 * ranking.c — the results of a review stage, for the organiser: the ranking
 * table (raw mean, the stage's rule on the raw scores with the scores it
 * dropped, the same on per-reviewer normalised scores with the shift, the
 * votes scaled so that the top case has 100, the blend, the rank, who
 * advances and who is borderline), one case's explanation, the actions that
 * close, rank and advance a stage, and the near-duplicate pairs of the
 * campaign.  The computing is review/rank_run.c's and review/dedupe_run.c's;
 * the spreadsheets are ranking_export.c's.
 *
 * Ranking is allowed when the stage is closed (or ranked: ranking again),
 * and also while it is released if the organiser ticks "rank now with the
 * reviews in hand": that closes the stage in the same transaction, since
 * results that later reviews could change must not decide advancement.
 * Advancing makes the advancing cases the next stage's pool (which must not
 * have started: state setup).  The computations run on the worker pool,
 * which then waits for the writer; no server thread waits.  A state that
 * changed meanwhile (RC_STATE) shows the page again at 409.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/dedupe_run.h"
#include "review/rank_run.h"
#include "store/intake.h"
#include "store/ranking.h"
#include "store/review.h"
#include "web/action.h"
#include "web/admin_list.h"
#include "web/ranking.h"
#include "web/stages.h"

#define DEDUPE_MAX_PAIRS 1000 /* listed; a low threshold on templated texts finds many more */

/* ------------------------------------------------------------ models */

static const char *fmt2(struct req *r, json_t *v)
{
    if (!json_is_number(v))
        return "—";
    return arena_printf(&r->arena, "%.2f", json_number_value(v));
}

static const char *word(struct req *r, const char *prefix, const char *value)
{
    char key[64];
    snprintf(key, sizeof key, "%s%s", prefix, value);
    const char *s = i18n_get(r->lang, key);
    return strcmp(s, key) == 0 ? value : s;
}

struct ranking_stage *ranking_stage_of(struct req *r, const char *param, enum web_err *e)
{
    int64_t id = web_path_id(param);
    struct ranking_stage *s = arena_alloc(&r->arena, sizeof *s);
    *e = WEB_NOT_FOUND;
    if (!s) {
        *e = WEB_INTERNAL;
        return NULL;
    }
    if (!id || store_ranking_stage(web.store, id, s) != RC_OK || s->base.kind != STAGE_KIND_REVIEW)
        return NULL;
    return s;
}

/*
 * The stage as the ranking pages show it: the one view-model of a stage
 * (stages_stage_json: settings, state, what may be done now) with the
 * ranking's settings in words.
 */
static json_t *stage_model(struct req *r, const struct ranking_stage *s)
{
    json_t *m = stages_stage_json(r, &s->base, s->next_id ? (int)s->next_state : -1);
    json_object_set_new(m, "rule_word", json_string(word(r, "ranking_rule_", s->base.aggregation)));
    json_object_set_new(m, "trimmed_rule",
                        json_boolean(strcmp(s->base.aggregation, "trimmed") == 0));
    json_object_set_new(m, "trim_k", json_integer(s->base.trim_k > 0 ? s->base.trim_k : 1));
    json_object_set_new(m, "quorum", json_integer(s->base.quorum > 0 ? s->base.quorum : 1));
    struct rank_options o = rank_run_options(s, s->base.normalise);
    json_object_set_new(m, "w_expert",
                        json_string(arena_printf(&r->arena, "%.0f%%", o.w_expert * 100)));
    json_object_set_new(m, "w_earlier",
                        json_string(arena_printf(&r->arena, "%.0f%%", o.w_earlier * 100)));
    json_object_set_new(m, "w_votes",
                        json_string(arena_printf(&r->arena, "%.0f%%", o.w_votes * 100)));
    json_object_set_new(m, "advance_word",
                        json_string(word(r, "ranking_advance_", s->base.advance_rule)));
    json_object_set_new(m, "advance_threshold",
                        json_string(arena_printf(&r->arena, "%.2f", s->base.advance_threshold)));
    json_object_set_new(m, "by_threshold",
                        json_boolean(strcmp(s->base.advance_rule, "threshold") == 0));
    json_object_set_new(m, "next_name", json_string(s->next_name));
    json_object_set_new(m, "has_next", json_boolean(s->next_id != 0));
    return m;
}

/* One table row of a stored result (the organiser sees the title and region). */
static json_t *row_model(struct req *r, json_t *res)
{
    json_t *ex = json_object_get(res, "explanation");
    json_t *row =
        json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "case_id", json_object_get(res, "case_id"), "title",
                  json_object_get(res, "title"), "region", json_object_get(res, "region"), "unit",
                  json_object_get(res, "unit"), "rank", json_object_get(res, "rank"), "advanced",
                  json_object_get(res, "advanced"));
    if (!json_is_object(ex))
        return row;
    struct buf dropped = BUF_INIT;
    buf_init(&dropped, 1024);
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(ex, "scores"), i, sc)
    {
        if (json_is_true(json_object_get(sc, "dropped")))
            buf_printf(&dropped, "%s%.1f", dropped.len ? ", " : "",
                       json_number_value(json_object_get(sc, "raw")));
    }
    json_object_set_new(row, "dropped", json_string(dropped.p ? dropped.p : ""));
    buf_release(&dropped);
    static const char *const nums[] = {"raw_mean", "trimmed", "normalised", "votes_scaled",
                                       "blended"};
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        json_t *v = json_object_get(ex, nums[k]);
        json_object_set(row, nums[k], v ? v : json_null());
        json_object_set_new(row, arena_printf(&r->arena, "%s_s", nums[k]), json_string(fmt2(r, v)));
    }
    json_t *shift = json_object_get(ex, "shift");
    json_object_set_new(row, "shift_s",
                        json_string(json_is_number(shift)
                                        ? arena_printf(&r->arena, "%+.2f", json_number_value(shift))
                                        : ""));
    json_object_set_new(row, "votes",
                        json_integer((json_int_t)json_number_value(json_object_get(ex, "votes"))));
    json_object_set(row, "n", json_object_get(ex, "n"));
    json_object_set(row, "proposed", json_object_get(ex, "proposed"));
    json_object_set(row, "borderline", json_object_get(res, "borderline"));
    double p = json_number_value(json_object_get(ex, "p_advance"));
    json_object_set_new(row, "p_advance", json_real(p));
    json_object_set_new(row, "p_s", json_string(arena_printf(&r->arena, "%.0f%%", p * 100)));
    json_object_set(row, "below_quorum", json_object_get(ex, "below_quorum"));
    return row;
}

/* The region filter's choices: every region, the one chosen marked. */
static json_t *region_choices(const struct ranking_stage *s, const char *region)
{
    json_t *regions = store_intake_quotas(web.store, s->base.campaign_id);
    if (!regions)
        return json_array();
    size_t i;
    json_t *g;
    json_array_foreach(regions, i, g)
    {
        const char *code = json_string_value(json_object_get(g, "code"));
        json_object_del(g, "quota");
        json_object_set_new(g, "selected", json_boolean(region && code && !strcmp(code, region)));
    }
    return regions;
}

/*
 * The ranking page's model for stage s (a new reference): the counts over
 * the whole pool, then one page of the table (of a region, matching the
 * search box), its cases under the quorum (ranked last) apart.  NULL with
 * *e set when the page is beyond the last.
 */
static json_t *ranking_model(struct req *r, const struct web_input *in,
                             const struct ranking_stage *s, enum web_err *e)
{
    struct ranking_filter f = {in->region, in->q, admin_list_q_id(in->q),
                               admin_list_offset(in->page), ADMIN_LIST_PER_PAGE};
    struct ranking_page k;
    *e = WEB_UNAVAILABLE;
    if (store_ranking_page(web.store, s->base.id, &f, &k) != RC_OK)
        return NULL;
    const char *base = arena_printf(&r->arena, "/admin/stages/%lld/ranking", (long long)s->base.id);
    struct admin_filter keep[] = {{"region", in->region}};
    json_t *pager = admin_list_pager(r, base, keep, 1, in->page, k.total);
    if (!pager) {
        ranking_page_free(&k);
        *e = WEB_PAGE_RANGE;
        return NULL;
    }
    int by_rank =
        strcmp(s->base.advance_rule, "top") == 0 || strcmp(s->base.advance_rule, "threshold") == 0;
    json_t *rows = json_array(), *quorum = json_array();
    size_t i;
    json_t *res;
    json_array_foreach(k.rows, i, res)
    {
        json_t *row = row_model(r, res);
        /* The cut line: under the last advancing case, when those are the top ones. */
        if (by_rank && k.cut_case &&
            json_integer_value(json_object_get(row, "case_id")) == k.cut_case)
            json_object_set_new(row, "cut_after", json_true());
        /* The cases under the quorum, ranked last, have a table of their own. */
        json_array_append_new(json_is_true(json_object_get(row, "below_quorum")) ? quorum : rows,
                              row);
    }
    json_t *m = json_object();
    json_object_set_new(m, "stage", stage_model(r, s));
    json_object_set_new(m, "rows", rows);
    json_object_set_new(m, "pager", pager);
    json_object_set_new(m, "quorum_failures", quorum);
    json_object_set_new(m, "below_quorum_count", json_integer(k.below_quorum));
    json_object_set_new(m, "pool", json_integer(k.pool));
    json_object_set_new(m, "unranked", json_integer(k.unranked));
    json_object_set_new(m, "advanced_count", json_integer(k.advanced));
    json_object_set_new(m, "proposed_count", json_integer(k.proposed));
    json_object_set_new(m, "borderline_count", json_integer(k.borderline));
    json_object_set_new(m, "has_results", json_boolean(k.pool > k.unranked));
    json_object_set_new(m, "has_quorum_failures", json_boolean(json_array_size(quorum) > 0));
    json_object_set_new(m, "has_rows", json_boolean(json_array_size(rows) > 0));
    json_object_set_new(m, "has_any", json_boolean(k.total > 0));
    json_object_set_new(m, "per_group", json_boolean(!by_rank));
    json_object_set_new(m, "regions", region_choices(s, in->region));
    json_object_set_new(m, "filter",
                        json_pack("{s:s,s:s,s:b}", "q", in->q ? in->q : "", "region",
                                  in->region ? in->region : "", "any", in->q || in->region));
    ranking_page_free(&k);
    const char *done = query_get(&r->query, "done");
    if (done && (!strcmp(done, "rank") || !strcmp(done, "advance") || !strcmp(done, "close")))
        json_object_set_new(m, "notice", json_string(word(r, "ranking_done_", done)));
    *e = WEB_OK;
    return m;
}

enum web_err page_ranking(struct req *r, const struct web_input *in, struct page *p)
{
    enum web_err e;
    struct ranking_stage *s = ranking_stage_of(r, r->params[0], &e);
    if (!s)
        return e;
    p->model = ranking_model(r, in, s, &e);
    if (!p->model)
        return e;
    p->template = "ranking";
    p->title = arena_printf(&r->arena, "%s · %s", s->base.name, i18n_get(r->lang, "ranking_title"));
    return WEB_OK;
}

enum web_err page_ranking_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    enum web_err e;
    struct ranking_stage *s = ranking_stage_of(r, r->params[0], &e);
    int64_t case_id = web_path_id(r->params[1]);
    if (!s)
        return e;
    json_t *res = case_id ? store_ranking_result(web.store, s->base.id, case_id) : NULL;
    if (!res)
        return WEB_NOT_FOUND;
    json_t *reviews = store_ranking_case_reviews(web.store, s->base.id, case_id);
    json_t *ex = json_object_get(res, "explanation");
    json_t *m = json_object();
    json_object_set_new(m, "stage", stage_model(r, s));
    json_object_set_new(m, "case", row_model(r, res));
    json_t *scores = json_array(), *others = json_array();
    size_t i, k;
    json_t *sc, *rv;
    /* Every counted score, with its reviewer's name. */
    json_array_foreach(json_object_get(ex, "scores"), i, sc)
    {
        json_int_t uid = json_integer_value(json_object_get(sc, "reviewer"));
        const char *name = "";
        json_array_foreach(reviews, k, rv)
        {
            if (json_integer_value(json_object_get(rv, "user_id")) == uid)
                name = json_string_value(json_object_get(rv, "name"));
        }
        json_t *z = json_object_get(sc, "z");
        json_array_append_new(
            scores,
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "reviewer", uid, "name", name ? name : "",
                      "raw", fmt2(r, json_object_get(sc, "raw")), "z",
                      json_is_number(z) ? arena_printf(&r->arena, "%+.2f", json_number_value(z))
                                        : i18n_get(r->lang, "ranking_kept_raw"),
                      "normalised", fmt2(r, json_object_get(sc, "normalised")), "dropped",
                      json_is_true(json_object_get(sc, "dropped")), "dropped_normalised",
                      json_is_true(json_object_get(sc, "dropped_normalised"))));
    }
    /* Reviews that did not count: drafts, and any of a conflicted pair. */
    json_array_foreach(reviews, k, rv)
    {
        int counted = 0;
        json_int_t uid = json_integer_value(json_object_get(rv, "user_id"));
        json_array_foreach(json_object_get(ex, "scores"), i, sc)
        {
            if (json_integer_value(json_object_get(sc, "reviewer")) == uid)
                counted = 1;
        }
        if (counted)
            continue;
        const char *why =
            json_is_true(json_object_get(rv, "conflict"))
                ? i18n_get(r->lang, "ranking_not_counted_conflict")
                : word(r, "ranking_review_", json_string_value(json_object_get(rv, "status")));
        json_array_append_new(others, json_pack("{s:O,s:s,s:s}", "name",
                                                json_object_get(rv, "name"), "total",
                                                fmt2(r, json_object_get(rv, "total")), "why", why));
    }
    json_decref(reviews);
    json_object_set_new(m, "scores", scores);
    json_object_set_new(m, "others", others);
    json_object_set_new(m, "has_others", json_boolean(json_array_size(others) > 0));
    if (json_is_object(ex)) {
        json_t *b = json_object();
        static const char *const keys[] = {"expert",    "earlier",  "votes_scaled", "w_expert",
                                           "w_earlier", "w_votes",  "blended",      "mu_all",
                                           "sigma_all", "raw_mean", "trimmed",      "normalised"};
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
            json_object_set_new(b, keys[j], json_string(fmt2(r, json_object_get(ex, keys[j]))));
        json_object_set_new(
            b, "shift",
            json_string(
                arena_printf(&r->arena, "%+.2f", json_number_value(json_object_get(ex, "shift")))));
        json_object_set_new(b, "has_earlier",
                            json_boolean(json_is_number(json_object_get(ex, "earlier"))));
        json_object_set(b, "normalise_used", json_object_get(ex, "normalise_used"));
        json_object_set(b, "votes", json_object_get(ex, "votes"));
        json_object_set_new(m, "blend", b);
        json_object_set_new(m, "explained", json_true());
    }
    json_object_set_new(m, "raw", res);
    p->model = m;
    p->template = "ranking_case";
    p->title =
        arena_printf(&r->arena, "%s · %s", s->base.name, i18n_get(r->lang, "ranking_case_title"));
    return WEB_OK;
}

/* ------------------------------------------------------------ actions */

/* Rank, advance or close: one stage of the campaign under review. */
struct action {
    struct ranking_stage *stage;
    int close_first; /* rank: the stage was released and the organiser confirmed */
};

/* The stage of the path, of the campaign under review; where to go when it is done. */
static enum result action_load(struct web_act *x)
{
    struct action *a = x->state;
    enum web_err e;
    a->stage = ranking_stage_of(x->r, x->r->params[0], &e);
    if (!a->stage)
        return RC_NOTFOUND;
    if (a->stage->base.campaign_id != store_review_campaign_id(web.store)) {
        x->error = "ranking_err_campaign";
        return RC_STATE;
    }
    const char *done = x->a == &act_ranking_rank      ? "rank"
                       : x->a == &act_ranking_advance ? "advance"
                                                      : "close";
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/ranking?done=%s",
                           (long long)a->stage->base.id, done);
    return RC_OK;
}

/* A released stage is ranked only when the organiser confirms that ranking closes it. */
static enum result rank_check(struct web_act *x)
{
    struct action *a = x->state;
    int released = a->stage->base.state == STAGE_RELEASED;
    if (released && !web_int(x, "confirm")) {
        x->error = "ranking_err_confirm";
        return RC_STATE;
    }
    if (!stage_allows(a->stage->base.state, STAGE_RANK))
        return RC_STATE;
    a->close_first = released;
    return RC_OK;
}

/* Advancing needs a ranking, and a next stage that has not started. */
static enum result advance_check(struct web_act *x)
{
    struct action *a = x->state;
    const struct ranking_stage *s = a->stage;
    if (!stage_allows(s->base.state, STAGE_ADVANCE)) {
        x->error = "ranking_err_not_ranked";
        return RC_STATE;
    }
    if (s->next_id && !stage_allows(s->next_state, STAGE_FILL)) {
        x->error = "ranking_err_next_started";
        return RC_STATE;
    }
    return RC_OK;
}

static enum result close_check(struct web_act *x)
{
    struct action *a = x->state;
    return stage_allows(a->stage->base.state, STAGE_CLOSE) ? RC_OK : RC_STATE;
}

/* On the worker pool: compute, then wait for the writer to store it. */
static enum result rank_work(void *arg)
{
    struct action *a = arg;
    return rank_run_rank(web.store, a->stage, a->close_first);
}

static enum result advance_work(void *arg)
{
    struct action *a = arg;
    return rank_run_advance(web.store, a->stage);
}

static int close_write(struct store_tx *tx, void *arg)
{
    struct action *a = arg;
    return tx_ranking_close(tx, a->stage->base.id);
}

/* A state changed meanwhile: the page again, as the stage is now. */
static const struct web_refusal state_refusals[] = {
    {RC_STATE, 409, "ranking_err_state", NULL},
    {RC_OK},
};

static const struct web_field rank_fields[] = {
    {"confirm", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {NULL},
};

const struct web_action act_ranking_rank = {
    .fields = rank_fields,
    .state_size = sizeof(struct action),
    .load = action_load,
    .check = rank_check,
    .work = rank_work,
    .page = page_ranking,
    .refusals = state_refusals,
};

const struct web_action act_ranking_advance = {
    .state_size = sizeof(struct action),
    .load = action_load,
    .check = advance_check,
    .work = advance_work,
    .page = page_ranking,
    .refusals = state_refusals,
};

const struct web_action act_ranking_close = {
    .state_size = sizeof(struct action),
    .load = action_load,
    .check = close_check,
    .write = close_write,
    .page = page_ranking,
    .refusals = state_refusals,
};

/* ------------------------------------------------------------ near-duplicates */

struct dedupe_job {
    int64_t campaign_id;
    double threshold;
    json_t *pairs;
    int ncases, npairs;
};

static void dedupe_work(void *arg)
{
    struct dedupe_job *j = arg;
    j->pairs = dedupe_run_pairs(web.store, j->campaign_id, j->threshold, DEDUPE_MAX_PAIRS,
                                &j->ncases, &j->npairs);
}

static void dedupe_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct dedupe_job *j = arg;
    if (rc != RC_OK || !j->pairs) {
        json_decref(j->pairs);
        web_error(r, w, rc != RC_OK ? WEB_UNAVAILABLE : WEB_INTERNAL);
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(j->pairs, i, p)
    {
        double s = json_real_value(json_object_get(p, "similarity"));
        json_object_set_new(p, "similarity_s",
                            json_string(arena_printf(&r->arena, "%.1f%%", s * 100)));
    }
    json_t *m =
        json_pack("{s:o,s:i,s:i,s:b,s:i,s:f,s:s}", "pairs", j->pairs, "count", j->npairs, "shown",
                  (int)json_array_size(j->pairs), "truncated",
                  j->npairs > (int)json_array_size(j->pairs), "cases", j->ncases, "threshold",
                  j->threshold, "threshold_s", arena_printf(&r->arena, "%.2f", j->threshold));
    web_render(r, w, 200, "dedupe", i18n_get(r->lang, "dedupe_title"), m);
}

void raw_dedupe(struct req *r, struct resp *w)
{
    double t = dedupe_run_threshold(query_get(&r->query, "threshold"));
    if (t < 0) {
        web_error(r, w, WEB_BAD_PARAM);
        return;
    }
    int64_t campaign = store_review_campaign_id(web.store);
    if (!campaign) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct dedupe_job *j = arena_alloc(&r->arena, sizeof *j);
    if (!j) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    *j = (struct dedupe_job){campaign, t, NULL, 0, 0};
    web_work(r, w, dedupe_work, j, dedupe_then);
}

/* Section seq's body in a case text (store_ranking_case_text), or NULL; the last if several. */
static json_t *section_body(json_t *c, int seq)
{
    json_t *body = NULL, *s;
    size_t i;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        if (json_integer_value(json_object_get(s, "seq")) == seq)
            body = json_object_get(s, "body");
    }
    return body;
}

enum web_err page_dedupe_pair(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t campaign = store_review_campaign_id(web.store);
    int64_t a = web_path_id(r->params[0]), b = web_path_id(r->params[1]);
    if (!campaign || !a || !b || a == b)
        return WEB_NOT_FOUND;
    json_t *ca = store_ranking_case_text(web.store, campaign, a);
    json_t *cb = ca ? store_ranking_case_text(web.store, campaign, b) : NULL;
    if (!cb) {
        json_decref(ca);
        return WEB_NOT_FOUND;
    }
    double sim = dedupe_run_similarity(ca, cb);
    /* Pair the sections by number, so each row shows the same section of both. */
    json_t *rows = json_array();
    for (int seq = 1; seq <= 5; seq++) {
        json_t *sa = section_body(ca, seq), *sb = section_body(cb, seq);
        if (!sa && !sb)
            continue;
        char key[40];
        snprintf(key, sizeof key, "dedupe_section_%d", seq);
        json_t *row =
            json_pack("{s:s,s:s,s:s,s:b}", "name", i18n_get(r->lang, key), "a",
                      sa ? json_string_value(sa) : "", "b", sb ? json_string_value(sb) : "", "same",
                      sa && sb && json_equal(sa, sb));
        json_array_append_new(rows, row);
    }
    p->model = json_pack("{s:o,s:o,s:o,s:f,s:s}", "a", ca, "b", cb, "sections", rows, "similarity",
                         sim, "similarity_s", arena_printf(&r->arena, "%.1f%%", sim * 100));
    p->template = "dedupe_pair";
    p->title = i18n_get(r->lang, "dedupe_pair_title");
    return WEB_OK;
}
