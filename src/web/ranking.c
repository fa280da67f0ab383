/*
 * ranking.c — the results of a review stage, for the organiser: the ranking
 * table (raw mean, the stage's rule on the raw scores with the scores it
 * dropped, the same on per-reviewer normalised scores with the shift, the
 * votes scaled so that the top case has 100, the blend, the rank, who
 * advances and who is borderline), one case's explanation, the actions that
 * close, rank and advance a stage, the near-duplicate pairs of the campaign
 * and the stage's spreadsheets; and the commands `laurel rank` and
 * `laurel dedupe`.
 *
 * All arithmetic is domain/rank.h's.  A ranking runs it twice on the same
 * reviews: once on the raw totals (the "trimmed" column: what the rule
 * makes of the scores as given) and once with per-reviewer normalisation
 * (the "normalised" column); the pass the stage's setting names decides
 * the blend and the rank, and only it is bootstrapped (200 rounds, seeded
 * with the stage id, so a ranking is reproducible).  Each case's numbers
 * are stored as JSON in stage_case.explanation; the pages read them back
 * rather than computing on a server thread.
 *
 * Ranking is allowed when the stage is closed (or ranked: ranking again),
 * and also while it is released if the organiser ticks "rank now with the
 * reviews in hand": that closes the stage in the same transaction, since
 * results that later reviews could change must not decide advancement.
 * Ranking stores the ranks and who *would* advance (explanation.proposed)
 * but marks nobody advanced; advancing recomputes the same ranking (the
 * reviews are frozen, the computation deterministic) with the stage's
 * current rule, marks the advanced cases, makes them the next stage's pool
 * (which must not have started: state setup) and moves the stage to
 * advanced.  The computations run on the worker pool, which then waits for
 * the writer; no server thread waits.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/log.h"
#include "domain/dedupe.h"
#include "domain/rank.h"
#include "store/ranking.h"
#include "store/review.h"
#include "web/ranking.h"
#include "web/stages.h"
#include "web/xlsx_reply.h"

#define BOOT_ROUNDS 200
#define DEDUPE_DEFAULT 0.5
#define DEDUPE_MAX_PAIRS 1000 /* listed; a low threshold on templated texts finds many more */

/* ------------------------------------------------------------ computing */

static enum rank_rule rule_of(const char *aggregation)
{
    if (strcmp(aggregation, "mean") == 0)
        return RANK_MEAN;
    if (strcmp(aggregation, "median") == 0)
        return RANK_MEDIAN;
    return RANK_TRIMMED;
}

/* The stage's settings as rank options (normalise as asked). */
static struct rank_options options_of(const struct ranking_stage *s, int normalise)
{
    struct rank_options o = {0};
    o.rule = rule_of(s->base.aggregation);
    o.trim = s->base.trim_k > 0 ? s->base.trim_k : 1;
    o.trim_min = s->base.trim_min;
    o.normalise = normalise;
    /* No earlier review stage: its weight has nothing to weigh. */
    o.w_earlier = s->prev_id ? s->base.previous_weight : 0;
    o.w_votes = s->base.vote_weight;
    o.w_expert = 1 - o.w_earlier - o.w_votes;
    if (o.w_expert < 0)
        o.w_expert = 0;
    o.quorum = s->base.quorum > 0 ? s->base.quorum : 1;
    if (strcmp(s->base.advance_rule, "threshold") == 0) {
        o.advance = RANK_ADVANCE_THRESHOLD;
        o.threshold = s->base.advance_threshold;
    } else if (strncmp(s->base.advance_rule, "top_per_", 8) == 0) {
        o.advance = RANK_ADVANCE_TOP_GROUP;
        o.top_n = s->base.advance_n > 0 ? s->base.advance_n : 0;
    } else {
        o.advance = RANK_ADVANCE_TOP;
        o.top_n = s->base.advance_n > 0 ? s->base.advance_n : 0;
    }
    return o;
}

static void rows_free(struct ranking_row *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        free(rows[i].explanation);
    free(rows);
}

/*
 * Rank stage s from the store: *rows (malloc'd, n of them, explanation
 * strings malloc'd; rows_free) in rank order; advanced set from the rule
 * when `advance`, else 0.  0, or -1 (logged).
 */
static int compute(struct store *st, const struct ranking_stage *s, int advance,
                   struct ranking_row **rows_out, int *n_out)
{
    struct ranking_input in;
    struct rank_result raw, nor;
    struct ranking_row *rows = NULL;
    int rc = -1;

    *rows_out = NULL;
    *n_out = 0;
    if (store_ranking_input(st, s, &in) != RC_OK) {
        log_error("ranking: cannot read stage %lld", (long long)s->base.id);
        return -1;
    }
    struct rank_options oraw = options_of(s, 0), onor = options_of(s, 1);
    if (rank_stage(in.cases, in.ncases, in.scores, in.nscores, in.nreviewers, &oraw, &raw) !=
        RANK_OK) {
        log_error("ranking: rank_stage failed for stage %lld", (long long)s->base.id);
        ranking_input_free(&in);
        return -1;
    }
    if (rank_stage(in.cases, in.ncases, in.scores, in.nscores, in.nreviewers, &onor, &nor) !=
        RANK_OK) {
        log_error("ranking: rank_stage (normalised) failed for stage %lld", (long long)s->base.id);
        rank_result_free(&raw);
        ranking_input_free(&in);
        return -1;
    }
    struct rank_result *used = s->base.normalise ? &nor : &raw;
    if (rank_bootstrap(used, BOOT_ROUNDS, (uint64_t)s->base.id) != RANK_OK)
        goto out;
    rows = calloc((size_t)in.ncases + 1, sizeof *rows);
    if (!rows)
        goto out;
    struct ranking_explain x = {.rule = s->base.aggregation,
                                .raw = &raw,
                                .nor = &nor,
                                .used = used,
                                .cases = in.cases,
                                .has_earlier = in.has_earlier,
                                .reviewer_ids = in.reviewer_ids};
    for (int k = 0; k < in.ncases; k++) {
        int c = used->order[k];
        const struct rank_entry *e = &used->entries[c];
        rows[k].case_id = in.case_ids[c];
        rows[k].score = e->blended;
        rows[k].rank = e->rank;
        rows[k].advanced = advance ? e->advanced : 0;
        rows[k].borderline = e->borderline;
        rows[k].explanation = ranking_explain(&x, c);
        if (!rows[k].explanation) {
            rows_free(rows, in.ncases);
            rows = NULL;
            goto out;
        }
    }
    *rows_out = rows;
    *n_out = in.ncases;
    rc = 0;
out:
    rank_result_free(&raw);
    rank_result_free(&nor);
    ranking_input_free(&in);
    return rc;
}

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

/* Stage `id` of kind review, or NULL (then *e says why). */
static struct ranking_stage *stage_of(struct req *r, const char *param, enum web_err *e)
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
    struct rank_options o = options_of(s, s->base.normalise);
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

/* The ranking page's model for stage s (a new reference), with notice/error if any. */
static json_t *ranking_model(struct req *r, const struct ranking_stage *s, const char *error)
{
    json_t *m = json_object();
    json_t *stage = stage_model(r, s);
    json_object_set_new(m, "stage", stage);
    json_t *results = store_ranking_results(web.store, s->base.id);
    json_t *rows = json_array(), *quorum = json_array();
    int pool = 0, advanced = 0, proposed = 0, borderline = 0, unranked = 0;
    int by_rank =
        strcmp(s->base.advance_rule, "top") == 0 || strcmp(s->base.advance_rule, "threshold") == 0;
    json_t *last_in = NULL;
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        pool++;
        if (json_is_null(json_object_get(res, "rank")) ||
            !json_is_object(json_object_get(res, "explanation"))) {
            unranked++;
            continue;
        }
        json_t *row = row_model(r, res);
        advanced += json_is_true(json_object_get(row, "advanced"));
        proposed += json_is_true(json_object_get(row, "proposed"));
        borderline += json_is_true(json_object_get(row, "borderline"));
        if (json_is_true(json_object_get(row, "below_quorum"))) {
            json_array_append_new(quorum, row);
            continue;
        }
        if (by_rank && (json_is_true(json_object_get(row, "proposed")) ||
                        json_is_true(json_object_get(row, "advanced"))))
            last_in = row;
        json_array_append_new(rows, row);
    }
    json_decref(results);
    /* The cut line: under the last advancing case, when the advancing cases are the top ones. */
    if (last_in && json_array_size(rows) > 0 &&
        last_in != json_array_get(rows, json_array_size(rows) - 1))
        json_object_set_new(last_in, "cut_after", json_true());
    json_object_set_new(m, "rows", rows);
    json_object_set_new(m, "quorum_failures", quorum);
    json_object_set_new(m, "pool", json_integer(pool));
    json_object_set_new(m, "unranked", json_integer(unranked));
    json_object_set_new(m, "advanced_count", json_integer(advanced));
    json_object_set_new(m, "proposed_count", json_integer(proposed));
    json_object_set_new(m, "borderline_count", json_integer(borderline));
    json_object_set_new(m, "has_quorum_failures", json_boolean(json_array_size(quorum) > 0));
    json_object_set_new(m, "has_rows", json_boolean(json_array_size(rows) > 0));
    json_object_set_new(m, "per_group", json_boolean(!by_rank));
    const char *done = query_get(&r->query, "done");
    if (done && (!strcmp(done, "rank") || !strcmp(done, "advance") || !strcmp(done, "close")))
        json_object_set_new(m, "notice", json_string(word(r, "ranking_done_", done)));
    if (error)
        json_object_set_new(m, "error", json_string(error));
    return m;
}

enum web_err page_ranking(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    enum web_err e;
    struct ranking_stage *s = stage_of(r, r->params[0], &e);
    if (!s)
        return e;
    p->model = ranking_model(r, s, NULL);
    p->template = "ranking";
    p->title = arena_printf(&r->arena, "%s · %s", s->base.name, i18n_get(r->lang, "ranking_title"));
    return WEB_OK;
}

enum web_err page_ranking_case(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    enum web_err e;
    struct ranking_stage *s = stage_of(r, r->params[0], &e);
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

struct action {
    struct ranking_stage *stage;
    int close_first; /* rank: the stage was released and the organiser confirmed */
    int advance;     /* 1: advance, 0: rank */
    int rc;          /* RC_OK, RC_STATE (the state changed), RC_ERROR */
    struct ranking_row *rows;
    int n;
};

static int save_run(struct store_tx *tx, void *arg)
{
    struct action *a = arg;
    if (a->advance)
        return tx_ranking_advance(tx, a->stage->base.id, a->rows, a->n, a->stage->next_id);
    return tx_ranking_save(tx, a->stage->base.id, a->rows, a->n, a->close_first);
}

/* On the worker pool: compute, then wait for the writer to store it. */
static void action_run(void *arg)
{
    struct action *a = arg;
    if (compute(web.store, a->stage, a->advance, &a->rows, &a->n) != 0) {
        a->rc = RC_ERROR;
        return;
    }
    a->rc = store_write_sync(web.store, save_run, a);
    rows_free(a->rows, a->n);
    a->rows = NULL;
}

static void conflict_page(struct req *r, struct resp *w, const struct ranking_stage *s,
                          const char *key)
{
    web_render(r, w, 409, "ranking", s->base.name, ranking_model(r, s, i18n_get(r->lang, key)));
}

static void action_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct action *a = arg;
    if (rc != RC_OK || a->rc == RC_ERROR) {
        web_error(r, w, rc != RC_OK ? WEB_UNAVAILABLE : WEB_INTERNAL);
        return;
    }
    if (a->rc == RC_STATE) {
        /* Re-read: the page shows the state as it is now. */
        store_ranking_stage(web.store, a->stage->base.id, a->stage);
        conflict_page(r, w, a->stage, "ranking_err_state");
        return;
    }
    web_redirect(r, w,
                 arena_printf(&r->arena, "/admin/stages/%lld/ranking?done=%s",
                              (long long)a->stage->base.id, a->advance ? "advance" : "rank"));
}

/* Rank (advance 0) or advance stage s on the worker pool, then answer in action_then. */
static void action_start(struct req *r, struct resp *w, struct ranking_stage *s, int close_first,
                         int advance)
{
    struct action *a = arena_alloc(&r->arena, sizeof *a);
    if (!a) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    *a = (struct action){s, close_first, advance, RC_OK, NULL, 0};
    web_work(r, w, action_run, a, action_then);
}

/* The stage of a POST, which must belong to the campaign under review. */
static struct ranking_stage *post_stage(struct req *r, struct resp *w)
{
    enum web_err e;
    struct ranking_stage *s = stage_of(r, r->params[0], &e);
    if (!s) {
        web_error(r, w, e);
        return NULL;
    }
    if (s->base.campaign_id != store_review_campaign_id(web.store)) {
        conflict_page(r, w, s, "ranking_err_campaign");
        return NULL;
    }
    return s;
}

void raw_ranking_rank(struct req *r, struct resp *w)
{
    struct ranking_stage *s = post_stage(r, w);
    if (!s)
        return;
    const char *confirm = query_get(web_form(r), "confirm");
    int released = s->base.state == STAGE_RELEASED;
    if (released && !(confirm && strcmp(confirm, "1") == 0)) {
        conflict_page(r, w, s, "ranking_err_confirm");
        return;
    }
    if (!stage_allows(s->base.state, STAGE_RANK)) {
        conflict_page(r, w, s, "ranking_err_state");
        return;
    }
    action_start(r, w, s, released, 0);
}

void raw_ranking_advance(struct req *r, struct resp *w)
{
    struct ranking_stage *s = post_stage(r, w);
    if (!s)
        return;
    if (!stage_allows(s->base.state, STAGE_ADVANCE)) {
        conflict_page(r, w, s, "ranking_err_not_ranked");
        return;
    }
    if (s->next_id && !stage_allows(s->next_state, STAGE_FILL)) {
        conflict_page(r, w, s, "ranking_err_next_started");
        return;
    }
    action_start(r, w, s, 0, 1);
}

static int close_run(struct store_tx *tx, void *arg)
{
    struct ranking_stage *s = arg;
    return tx_ranking_close(tx, s->base.id);
}

static void close_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct ranking_stage *s = arg;
    if (rc == RC_STATE) {
        store_ranking_stage(web.store, s->base.id, s);
        conflict_page(r, w, s, "ranking_err_state");
        return;
    }
    if (rc != RC_OK) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    web_redirect(
        r, w,
        arena_printf(&r->arena, "/admin/stages/%lld/ranking?done=close", (long long)s->base.id));
}

void raw_ranking_close(struct req *r, struct resp *w)
{
    struct ranking_stage *s = post_stage(r, w);
    if (!s)
        return;
    if (!stage_allows(s->base.state, STAGE_CLOSE)) {
        conflict_page(r, w, s, "ranking_err_state");
        return;
    }
    web_write(r, w, close_run, s, close_then);
}

/* ------------------------------------------------------------ exports */

struct export
{
    enum lang lang;
    struct ranking_stage *stage;
    const char *kind; /* assignments / scores / ranking */
    json_t *header;   /* the sheet's header and rows, while it is written */
    json_t *rows;
    char *data; /* the workbook (malloc'd) or NULL */
    size_t len;
};

/* One sheet: the header row (bold, frozen, filtered) and rows of JSON values. */
static void write_sheet(lxw_workbook *wb, lxw_format *bold, const char *name, json_t *header,
                        json_t *rows)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return;
    size_t c, i;
    json_t *h, *row, *v;
    json_array_foreach(header, c, h)
    {
        const char *s = json_string_value(h);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
                             s && strlen(s) > 12 ? (double)strlen(s) : 12, NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, s ? s : "", bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    json_array_foreach(rows, i, row)
    {
        lxw_row_t y = (lxw_row_t)(i + 1);
        json_array_foreach(row, c, v)
        {
            if (json_is_number(v))
                worksheet_write_number(ws, y, (lxw_col_t)c, json_number_value(v), NULL);
            else if (json_is_string(v) && *json_string_value(v))
                worksheet_write_string(ws, y, (lxw_col_t)c, json_string_value(v), NULL);
            else if (json_is_boolean(v))
                worksheet_write_string(ws, y, (lxw_col_t)c, json_is_true(v) ? "✓" : "", NULL);
        }
    }
    if (json_array_size(header))
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(rows),
                             (lxw_col_t)(json_array_size(header) - 1));
}

/* Header of catalog keys. */
static json_t *header_of(enum lang lang, const char *const *keys, size_t n)
{
    json_t *h = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(h, json_string(i18n_get(lang, keys[i])));
    return h;
}

/* Append v (or null when missing) to the array row, keeping the columns in place. */
static void append_value(json_t *row, json_t *v)
{
    json_array_append_new(row, v ? json_incref(v) : json_null());
}

/* The ranking sheet's rows from the stored results. */
static json_t *ranking_rows(struct export *x)
{
    json_t *results = store_ranking_results(web.store, x->stage->base.id);
    if (!results)
        return NULL;
    json_t *rows = json_array();
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        json_t *ex = json_object_get(res, "explanation");
        json_t *row = json_array();
        static const char *const from_res[] = {"rank", "case_id", "title", "region", "unit"};
        static const char *const from_ex[] = {"n",          "raw_mean",     "trimmed",
                                              "normalised", "votes",        "votes_scaled",
                                              "blended",    "below_quorum", "proposed"};
        for (size_t k = 0; k < sizeof from_res / sizeof from_res[0]; k++)
            append_value(row, json_object_get(res, from_res[k]));
        for (size_t k = 0; k < sizeof from_ex / sizeof from_ex[0]; k++)
            append_value(row, json_object_get(ex, from_ex[k]));
        append_value(row, json_object_get(res, "advanced"));
        append_value(row, json_object_get(res, "borderline"));
        append_value(row, json_object_get(ex, "p_advance"));
        json_array_append_new(rows, row);
    }
    json_decref(results);
    return rows;
}

/* The export's one sheet, named by its kind. */
static void fill(lxw_workbook *wb, lxw_format *bold, void *ctx)
{
    struct export *x = ctx;
    char key[64];
    snprintf(key, sizeof key, "ranking_export_%s", x->kind);
    write_sheet(wb, bold, i18n_get(x->lang, key), x->header, x->rows);
}

static void export_run(void *arg)
{
    struct export *x = arg;
    static const char *const h_assign[] = {"ranking_col_case",
                                           "ranking_col_title",
                                           "ranking_col_region",
                                           "ranking_col_unit",
                                           "ranking_col_reviewer",
                                           "ranking_col_email",
                                           "ranking_col_reviewer_region",
                                           "ranking_col_assignment",
                                           "ranking_col_review",
                                           "ranking_col_total"};
    static const char *const h_scores[] = {
        "ranking_col_case",   "ranking_col_title", "ranking_col_region",    "ranking_col_reviewer",
        "ranking_col_review", "ranking_col_total", "ranking_col_submitted", "ranking_col_comment"};
    static const char *const h_rank[] = {"ranking_col_rank",
                                         "ranking_col_case",
                                         "ranking_col_title",
                                         "ranking_col_region",
                                         "ranking_col_unit",
                                         "ranking_col_n",
                                         "ranking_col_raw",
                                         "ranking_col_trimmed",
                                         "ranking_col_normalised",
                                         "ranking_col_votes",
                                         "ranking_col_votes_scaled",
                                         "ranking_col_blended",
                                         "ranking_col_below_quorum",
                                         "ranking_col_proposed",
                                         "ranking_col_advanced",
                                         "ranking_col_borderline",
                                         "ranking_col_p"};
    json_t *header = NULL, *rows = NULL;
    if (!strcmp(x->kind, "assignments")) {
        header = header_of(x->lang, h_assign, sizeof h_assign / sizeof h_assign[0]);
        rows = store_ranking_export_assignments(web.store, x->stage->base.id);
    } else if (!strcmp(x->kind, "scores")) {
        header = header_of(x->lang, h_scores, sizeof h_scores / sizeof h_scores[0]);
        json_t *sc = store_ranking_export_scores(web.store, x->stage->base.id);
        if (sc) {
            json_array_extend(header, json_object_get(sc, "criteria"));
            rows = json_incref(json_object_get(sc, "rows"));
            json_decref(sc);
        }
    } else {
        header = header_of(x->lang, h_rank, sizeof h_rank / sizeof h_rank[0]);
        rows = ranking_rows(x);
    }
    x->header = header;
    x->rows = rows;
    if (rows)
        x->data = xlsx_build("ranking export", "ranking", fill, x, &x->len);
    else
        log_error("ranking export: cannot query or make a temporary folder");
    json_decref(header);
    json_decref(rows);
}

static void export_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct export *x = arg;
    if (xlsx_body(r, w, rc, &x->data, x->len) != 0)
        return;
    char key[64];
    snprintf(key, sizeof key, "ranking_export_%s", x->kind);
    xlsx_attach(
        r, w, arena_printf(&r->arena, "stage-%lld-%s.xlsx", (long long)x->stage->base.id, x->kind),
        arena_printf(&r->arena, "%s-%s.xlsx", x->stage->base.name, i18n_get(r->lang, key)));
}

void raw_ranking_export(struct req *r, struct resp *w)
{
    enum web_err e;
    struct ranking_stage *s = stage_of(r, r->params[0], &e);
    if (!s) {
        web_error(r, w, e);
        return;
    }
    static const char *const kinds[] = {"assignments", "scores", "ranking"};
    const char *kind = NULL;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(r->params[1], kinds[i], n) == 0 && strcmp(r->params[1] + n, ".xlsx") == 0)
            kind = kinds[i];
    }
    if (!kind) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct export *x = arena_alloc(&r->arena, sizeof *x);
    if (!x) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    *x = (struct export){.lang = r->lang, .stage = s, .kind = kind};
    web_work(r, w, export_run, x, export_then);
}

/* ------------------------------------------------------------ near-duplicates */

/* The threshold of ?threshold= (0.05..1), default 0.5; -1 if malformed. */
static double threshold_of(const char *v)
{
    if (!v || !*v)
        return DEDUPE_DEFAULT;
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || *end || !(t >= 0.05 && t <= 1))
        return -1;
    return t;
}

/*
 * The near-duplicate pairs of a campaign, most similar first, at most max:
 * [{a, b, title_a, title_b, similarity}], or NULL on failure.  *ncases set
 * to the cases scanned, *npairs to the pairs found.
 */
static json_t *dedupe_pairs(struct store *st, int64_t campaign_id, double threshold, int max,
                            int *ncases, int *npairs)
{
    struct ranking_texts t;
    *ncases = *npairs = 0;
    if (store_ranking_texts(st, campaign_id, &t) != RC_OK)
        return NULL;
    struct dedupe_options o = {.threshold = threshold, .exact = 1};
    struct dedupe_result res;
    json_t *pairs = NULL;
    if (dedupe_find((const char *const *)t.texts, t.lens, t.n, &o, &res) == DEDUPE_OK) {
        pairs = json_array();
        *npairs = res.npairs;
        for (int i = 0; i < res.npairs && i < max; i++) {
            const struct dedupe_pair *p = &res.pairs[i];
            json_array_append_new(
                pairs, json_pack("{s:I,s:I,s:s,s:s,s:f}", "a", (json_int_t)t.ids[p->a], "b",
                                 (json_int_t)t.ids[p->b], "title_a", t.titles[p->a], "title_b",
                                 t.titles[p->b], "similarity", p->similarity));
        }
        dedupe_result_free(&res);
    }
    *ncases = t.n;
    ranking_texts_free(&t);
    return pairs;
}

struct dedupe_job {
    int64_t campaign_id;
    double threshold;
    json_t *pairs;
    int ncases, npairs;
};

static void dedupe_run(void *arg)
{
    struct dedupe_job *j = arg;
    j->pairs = dedupe_pairs(web.store, j->campaign_id, j->threshold, DEDUPE_MAX_PAIRS, &j->ncases,
                            &j->npairs);
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
    double t = threshold_of(query_get(&r->query, "threshold"));
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
    web_work(r, w, dedupe_run, j, dedupe_then);
}

/* The text the scan compares: the title and the sections, joined with newlines. */
static char *text_of(json_t *c)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 1u << 20);
    buf_puts(&b, json_string_value(json_object_get(c, "title")));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        buf_putc(&b, '\n');
        buf_puts(&b, json_string_value(json_object_get(s, "body")));
    }
    char *t = b.oom ? NULL : strndup(b.p ? b.p : "", b.len);
    buf_release(&b);
    return t;
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
    char *ta = text_of(ca), *tb = text_of(cb);
    struct dedupe_options o = {.exact = 1};
    double sim = ta && tb ? dedupe_jaccard(ta, strlen(ta), tb, strlen(tb), &o) : -1;
    free(ta);
    free(tb);
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

/* ------------------------------------------------------------ commands */

/* --data DIR and the command's own options; 0 or -1 (message printed). */
static int cli_options(int argc, char **argv, const char **data, int *stage, double *threshold)
{
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "laurel: option '%s' needs a value\n", a);
            return -1;
        }
        if (strcmp(a, "--data") == 0)
            *data = v;
        else if (stage && strcmp(a, "--stage") == 0 && atoi(v) > 0)
            *stage = atoi(v);
        else if (threshold && strcmp(a, "--threshold") == 0 && threshold_of(v) > 0)
            *threshold = threshold_of(v);
        else {
            fprintf(stderr, "laurel: unknown or bad option '%s %s'\n", a, v);
            return -1;
        }
    }
    return 0;
}

/* The store in folder data, opened for the command, or NULL (message printed). */
static struct store *cli_store(const char *data)
{
    char err[512];
    struct store *st = store_open(data, 0, err, sizeof err);
    if (!st)
        fprintf(stderr, "laurel: %s\n", err);
    return st;
}

static const char *cli_num(char *buf, size_t n, json_t *v)
{
    if (!json_is_number(v))
        return "-";
    snprintf(buf, n, "%.2f", json_number_value(v));
    return buf;
}

int ranking_cli_rank(int argc, char **argv)
{
    const char *data = "./data";
    int seq = 0;
    if (cli_options(argc, argv, &data, &seq, NULL) != 0 || seq <= 0) {
        fputs("usage: laurel rank --stage N [--data DIR]\n"
              "  N: the stage's number in the campaign under review (1 = the first stage)\n",
              stderr);
        return 2;
    }
    struct store *st = cli_store(data);
    if (!st)
        return 1;
    int rc = 1;
    struct ranking_stage s;
    int64_t campaign = store_review_campaign_id(st);
    int64_t id = campaign ? store_ranking_stage_by_seq(st, campaign, seq) : 0;
    if (!id || store_ranking_stage(st, id, &s) != RC_OK || s.base.kind != STAGE_KIND_REVIEW) {
        fprintf(stderr, "laurel: no review stage %d in a campaign under review\n", seq);
        goto out;
    }
    /* Stored results when the stage is ranked (what the page shows); else computed now. */
    int stored = stage_has_results(s.base.state);
    json_t *results = NULL;
    if (stored) {
        results = store_ranking_results(st, id);
    } else {
        struct ranking_row *rows;
        int n;
        if (compute(st, &s, 0, &rows, &n) != 0) {
            fputs("laurel: the ranking failed\n", stderr);
            goto out;
        }
        results = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(results, json_pack("{s:I,s:i,s:b,s:b,s:o}", "case_id",
                                                     (json_int_t)rows[i].case_id, "rank",
                                                     rows[i].rank, "advanced", 0, "borderline",
                                                     rows[i].borderline, "explanation",
                                                     json_loads(rows[i].explanation, 0, NULL)));
        rows_free(rows, n);
    }
    printf("stage %d (id %lld) %s: state %s, rule %s%s, %s\n", s.base.seq, (long long)s.base.id,
           s.base.name, stage_state_name(s.base.state), s.base.aggregation,
           s.base.normalise ? " on normalised scores" : "",
           stored ? "stored results" : "computed now, not stored");
    printf("%5s %7s %8s %8s %10s %8s %8s %8s %10s\n", "rank", "case", "raw", "trimmed",
           "normalised", "votes", "blended", "advanced", "borderline");
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        json_t *ex = json_object_get(res, "explanation");
        if (!json_is_object(ex) || json_is_null(json_object_get(res, "rank")))
            continue;
        char b1[32], b2[32], b3[32], b4[32], b5[32], adv[16], border[24];
        snprintf(adv, sizeof adv, "%s",
                 json_is_true(json_object_get(res, "advanced"))      ? "yes"
                 : json_is_true(json_object_get(ex, "proposed"))     ? "(yes)"
                 : json_is_true(json_object_get(ex, "below_quorum")) ? "quorum"
                                                                     : "");
        snprintf(border, sizeof border, "%s%.0f%%",
                 json_is_true(json_object_get(res, "borderline")) ? "! " : "",
                 json_number_value(json_object_get(ex, "p_advance")) * 100);
        printf("%5lld %7lld %8s %8s %10s %8s %8s %8s %10s\n",
               (long long)json_integer_value(json_object_get(res, "rank")),
               (long long)json_integer_value(json_object_get(res, "case_id")),
               cli_num(b1, sizeof b1, json_object_get(ex, "raw_mean")),
               cli_num(b2, sizeof b2, json_object_get(ex, "trimmed")),
               cli_num(b3, sizeof b3, json_object_get(ex, "normalised")),
               cli_num(b4, sizeof b4, json_object_get(ex, "votes_scaled")),
               cli_num(b5, sizeof b5, json_object_get(ex, "blended")), adv, border);
    }
    json_decref(results);
    rc = 0;
out:
    store_close(st);
    return rc;
}

int ranking_cli_dedupe(int argc, char **argv)
{
    const char *data = "./data";
    double threshold = DEDUPE_DEFAULT;
    if (cli_options(argc, argv, &data, NULL, &threshold) != 0) {
        fputs("usage: laurel dedupe [--threshold T] [--data DIR]  (T in 0.05..1, default 0.5)\n",
              stderr);
        return 2;
    }
    struct store *st = cli_store(data);
    if (!st)
        return 1;
    int rc = 1, n = 0, npairs = 0;
    int64_t campaign = store_review_campaign_id(st);
    json_t *pairs = campaign ? dedupe_pairs(st, campaign, threshold, INT32_MAX, &n, &npairs) : NULL;
    if (!campaign)
        fputs("laurel: no campaign under review\n", stderr);
    else if (!pairs)
        fputs("laurel: the scan failed\n", stderr);
    else {
        printf("%d cases scanned, %d pairs at similarity >= %.2f\n", n, npairs, threshold);
        size_t i;
        json_t *p;
        json_array_foreach(pairs, i, p)
        {
            printf("%.3f %lld %lld %s | %s\n", json_real_value(json_object_get(p, "similarity")),
                   (long long)json_integer_value(json_object_get(p, "a")),
                   (long long)json_integer_value(json_object_get(p, "b")),
                   json_string_value(json_object_get(p, "title_a")),
                   json_string_value(json_object_get(p, "title_b")));
        }
        rc = 0;
    }
    json_decref(pairs);
    store_close(st);
    return rc;
}
