/*
 * rank_run.c — ranking a review stage over the store (see rank_run.h), and
 * `laurel rank`.
 *
 * All arithmetic is domain/rank.h's.  A ranking runs it twice on the same
 * reviews: once on the raw totals (the "trimmed" column: what the rule
 * makes of the scores as given) and once with per-reviewer normalisation
 * (the "normalised" column); the pass the stage's setting names decides
 * the blend and the rank, and only it is bootstrapped (200 rounds, seeded
 * with the stage id, so a ranking is reproducible).  Each case's numbers
 * are stored as JSON in stage_case.explanation (ranking_explain); the pages
 * read them back rather than computing on a server thread.
 *
 * Ranking stores the ranks and who *would* advance (explanation.proposed)
 * but marks nobody advanced; advancing recomputes the same ranking with
 * the stage's current rule and marks the advanced cases.  Both writes are
 * compare-and-set on the stage's state in the store, so a state that
 * changed while the ranking was computed answers RC_STATE and stores
 * nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "review/rank_run.h"

#define BOOT_ROUNDS 200

static enum rank_rule rule_of(const char *aggregation)
{
    if (strcmp(aggregation, "mean") == 0)
        return RANK_MEAN;
    if (strcmp(aggregation, "median") == 0)
        return RANK_MEDIAN;
    return RANK_TRIMMED;
}

struct rank_options rank_run_options(const struct ranking_stage *s, int normalise)
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

void rank_run_rows_free(struct ranking_row *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        free(rows[i].explanation);
    free(rows);
}

int rank_run_compute(struct store *st, const struct ranking_stage *s, int advance,
                     struct ranking_row **rows_out, int *n_out)
{
    struct ranking_input in;
    struct rank_result raw, nor;
    struct ranking_row *rows = NULL;
    int rc = RC_ERROR;

    *rows_out = NULL;
    *n_out = 0;
    if (store_ranking_input(st, s, &in) != RC_OK) {
        log_error("ranking: cannot read stage %lld", (long long)s->base.id);
        return RC_ERROR;
    }
    struct rank_options oraw = rank_run_options(s, 0), onor = rank_run_options(s, 1);
    if (rank_stage(in.cases, in.ncases, in.scores, in.nscores, in.nreviewers, &oraw, &raw) !=
        RANK_OK) {
        log_error("ranking: rank_stage failed for stage %lld", (long long)s->base.id);
        ranking_input_free(&in);
        return RC_ERROR;
    }
    if (rank_stage(in.cases, in.ncases, in.scores, in.nscores, in.nreviewers, &onor, &nor) !=
        RANK_OK) {
        log_error("ranking: rank_stage (normalised) failed for stage %lld", (long long)s->base.id);
        rank_result_free(&raw);
        ranking_input_free(&in);
        return RC_ERROR;
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
        rows[k].proposed = e->advanced;
        rows[k].below_quorum = e->below_quorum;
        rows[k].explanation = ranking_explain(&x, c);
        if (!rows[k].explanation) {
            rank_run_rows_free(rows, in.ncases);
            rows = NULL;
            goto out;
        }
    }
    *rows_out = rows;
    *n_out = in.ncases;
    rc = RC_OK;
out:
    rank_result_free(&raw);
    rank_result_free(&nor);
    ranking_input_free(&in);
    return rc;
}

/* The ranking's write: the rows and the stage's new state. */
struct save {
    const struct ranking_stage *stage;
    int close_first;
    int advance;
    struct ranking_row *rows;
    int n;
};

static int save_write(struct store_tx *tx, void *arg)
{
    struct save *v = arg;
    if (v->advance)
        return tx_ranking_advance(tx, v->stage->base.id, v->rows, v->n, v->stage->next_id);
    return tx_ranking_save(tx, v->stage->base.id, v->rows, v->n, v->close_first);
}

/* Compute, then wait for the writer to store it. */
static int run(struct store *st, const struct ranking_stage *s, int close_first, int advance)
{
    struct save v = {s, close_first, advance, NULL, 0};
    if (rank_run_compute(st, s, advance, &v.rows, &v.n) != RC_OK)
        return RC_ERROR;
    int rc = store_write_sync(st, save_write, &v);
    rank_run_rows_free(v.rows, v.n);
    return rc;
}

int rank_run_rank(struct store *st, const struct ranking_stage *s, int close_first)
{
    return run(st, s, close_first, 0);
}

int rank_run_advance(struct store *st, const struct ranking_stage *s)
{
    return run(st, s, 0, 1);
}

/* ------------------------------------------------------------ laurel rank */

/* A whole decimal number in 1..INT_MAX into *out: 1, or 0 if v is not one. */
static int positive(const char *v, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < 1 || x > INT_MAX)
        return 0;
    *out = (int)x;
    return 1;
}

/* --data DIR, --db URI and --stage N; 0 or -1 (message printed). */
static int cli_options(int argc, char **argv, const char **data, const char **db,
                       int *stage)
{
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "laurel: option '%s' needs a value\n", a);
            return -1;
        }
        if (strcmp(a, "--data") == 0) {
            *data = v;
        } else if (strcmp(a, "--db") == 0) {
            *db = v;
        } else if (strcmp(a, "--stage") != 0 || !positive(v, stage)) {
            fprintf(stderr, "laurel: unknown or bad option '%s %s'\n", a, v);
            return -1;
        }
    }
    return 0;
}

/* The store of folder data (or db), opened for the command, or NULL (message printed). */
static struct store *cli_store(const char *data, const char *db)
{
    char err[512];
    struct store *st = store_open_db(data, db, 0, err, sizeof err);
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

int rank_run_main(int argc, char **argv)
{
    const char *data = "./data", *db = NULL;
    int seq = 0;
    if (cli_options(argc, argv, &data, &db, &seq) != 0 || seq <= 0) {
        fputs("usage: laurel rank --stage N [--data DIR] [--db URI]\n"
              "  N: the stage's number in the campaign under review (1 = the first stage)\n",
              stderr);
        return 2;
    }
    struct store *st = cli_store(data, db);
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
        if (rank_run_compute(st, &s, 0, &rows, &n) != RC_OK) {
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
        rank_run_rows_free(rows, n);
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
