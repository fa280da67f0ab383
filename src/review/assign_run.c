/*
 * assign_run.c — the glue between the store and the assignment solver: a
 * stage's proposal, manual edits checked against the solver's own rules
 * (assign_pair_cost plus the per-case and per-reviewer counts), the
 * replacement of a reviewer who drops out, and `laurel assign`.
 *
 * A drop-out is solved as a small problem of its own: the cases the
 * reviewer leaves open, one reviewer each, with every current reviewer of
 * the case forbidden (and those whose region is already at the case's cap),
 * each reviewer's capacity reduced by their current load.  A first attempt
 * caps everyone at the current highest load so that loads stay even; if
 * that cannot work, their own maximum loads are the only bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "review/assign_run.h"

#include "core/clock.h"

static int fail(struct review_outcome *out, int result, const char *key)
{
    out->rc = -1;
    out->result = result;
    out->error = key;
    return -1;
}

/* The live reviewers of case c (indices; -1 for an inactive one), and how many. */
static const int *current_of(const struct review_problem *rp, int c, int *n)
{
    *n = rp->current_n ? rp->current_n[c] : 0;
    return rp->current ? rp->current + (size_t)c * (size_t)rp->current_k : NULL;
}

/* Each reviewer's live load in the stage (m ints, malloc'd). */
static int *current_loads(const struct review_problem *rp)
{
    int *load = calloc((size_t)rp->p.nreviewers + 1, sizeof *load);
    if (!load)
        return NULL;
    for (int c = 0; c < rp->p.ncases; c++) {
        int n;
        const int *cur = current_of(rp, c, &n);
        for (int j = 0; j < n; j++)
            if (cur[j] >= 0)
                load[cur[j]]++;
    }
    return load;
}

/* Rules broken by a solution of p: disallowed pairs, repeats, region caps, loads. */
static int count_violations(const struct assign_problem *p, const struct assign_result *res)
{
    int v = 0, k = p->k;
    int *load = calloc((size_t)p->nreviewers + 1, sizeof *load);
    if (!load)
        return -1;
    for (int c = 0; c < p->ncases; c++) {
        const int *rs = res->reviewers + (size_t)c * (size_t)k;
        for (int j = 0; j < k; j++) {
            int r = rs[j];
            if (r < 0 || r >= p->nreviewers || assign_pair_cost(p, c, r) < 0) {
                v++;
                continue;
            }
            load[r]++;
            int same = 0;
            for (int i = 0; i < k; i++) {
                if (i != j && rs[i] == r)
                    v++;
                if (rs[i] >= 0 && rs[i] < p->nreviewers && p->reviewers[r].region >= 0 &&
                    p->reviewers[rs[i]].region == p->reviewers[r].region)
                    same++;
            }
            if (p->max_same_region > 0 && same > p->max_same_region)
                v++;
        }
    }
    for (int r = 0; r < p->nreviewers; r++)
        if (load[r] > p->reviewers[r].max_load)
            v++;
    free(load);
    return v;
}

/* Loads min/max over the reviewers with a case or allowed one. */
static void load_range(const struct assign_problem *p, const int *load, int *lo, int *hi)
{
    *lo = *hi = 0;
    int first = 1;
    for (int r = 0; r < p->nreviewers; r++) {
        if (p->reviewers[r].max_load <= 0 && load[r] == 0)
            continue;
        if (first || load[r] < *lo)
            *lo = load[r];
        if (first || load[r] > *hi)
            *hi = load[r];
        first = 0;
    }
}

struct propose_write {
    int64_t stage_id;
    const struct review_pair *pairs;
    int n;
};

static int propose_write(struct store_tx *tx, void *arg)
{
    struct propose_write *w = arg;
    return tx_review_propose(tx, w->stage_id, w->pairs, w->n);
}

int review_assign_propose(struct store *st, int64_t stage_id, int dry_run,
                          struct review_outcome *out)
{
    memset(out, 0, sizeof *out);
    double t0 = clock_ms();
    struct review_problem rp;
    int rc = store_review_problem_load(st, stage_id, &rp);
    if (rc == RC_NOTFOUND)
        return fail(out, RC_NOTFOUND, "stages_err_no_stage");
    if (rc != RC_OK)
        return fail(out, RC_ERROR, "stages_err_store");
    out->ncases = rp.p.ncases;
    out->nreviewers = rp.p.nreviewers;
    out->k = rp.p.k;
    if (!stage_kind_assignable(rp.stage.kind)) {
        store_review_problem_free(&rp);
        return fail(out, RC_STATE, "stages_err_kind");
    }
    if (!stage_allows(rp.stage.state, STAGE_PROPOSE)) {
        store_review_problem_free(&rp);
        return fail(out, RC_STATE, "stages_err_state");
    }
    if (rp.p.ncases == 0) {
        store_review_problem_free(&rp);
        return fail(out, RC_STATE, "stages_err_empty_pool");
    }
    /* Reviewers who dropped out of this stage take nothing in a new proposal. */
    for (int r = 0; r < rp.p.nreviewers; r++)
        if (rp.dropped[r])
            rp.reviewers[r].max_load = 0;
    struct assign_result res;
    rp.p.case_ids = rp.case_ids; /* messages name cases and reviewers by id */
    rp.p.reviewer_ids = rp.user_ids;
    double t1 = clock_ms();
    int arc = assign_solve(&rp.p, &res);
    out->solve_ms = clock_ms() - t1;
    if (arc != ASSIGN_OK) {
        out->rc = arc;
        out->result = arc == ASSIGN_ENOMEM ? RC_ERROR : RC_INVALID;
        snprintf(out->message, sizeof out->message, "%s", res.message);
        store_review_problem_free(&rp);
        out->total_ms = clock_ms() - t0;
        return out->rc;
    }
    out->total_cost = (long long)res.total_cost;
    load_range(&rp.p, res.load, &out->load_min, &out->load_max);
    out->violations = count_violations(&rp.p, &res);
    int n = rp.p.ncases * rp.p.k;
    struct review_pair *pairs = malloc((size_t)n * sizeof *pairs + 1);
    if (!pairs || out->violations != 0) {
        free(pairs);
        assign_result_free(&res);
        store_review_problem_free(&rp);
        return fail(out, RC_ERROR, "stages_err_store");
    }
    for (int i = 0; i < n; i++)
        pairs[i] = (struct review_pair){rp.case_ids[i / rp.p.k], rp.user_ids[res.reviewers[i]]};
    out->pairs = n;
    assign_result_free(&res);
    store_review_problem_free(&rp);
    if (!dry_run) {
        struct propose_write w = {stage_id, pairs, n};
        rc = store_write_sync(st, propose_write, &w);
        if (rc != RC_OK) {
            free(pairs);
            return fail(out, rc == RC_STATE ? RC_STATE : RC_ERROR,
                        rc == RC_STATE ? "stages_err_state" : "stages_err_store");
        }
    }
    free(pairs);
    out->total_ms = clock_ms() - t0;
    return 0;
}

/* The reason key for a disallowed pair (c, r) of rp. */
static const char *pair_reason(const struct review_problem *rp, int c, int r)
{
    const struct assign_case *kc = &rp->cases[c];
    const struct assign_reviewer *kr = &rp->reviewers[r];
    if (kr->region >= 0 && kr->region == kc->region)
        return "stages_err_own_region";
    if (kr->unit != 0 && kr->unit == kc->unit)
        return "stages_err_same_unit";
    for (int i = 0; i < rp->p.nconflicts; i++)
        if (rp->conflicts[i].kase == c && rp->conflicts[i].reviewer == r)
            return "stages_err_conflict";
    for (int i = 0; i < kc->nseen; i++)
        if (kc->seen[i] == r)
            return "stages_err_earlier";
    return "stages_err_unavailable";
}

/*
 * Load the problem and find the case and reviewer (*r = -1 for a user who is
 * no active reviewer: an error unless any_user); RC_OK or a refusal (why
 * set, rp released).
 */
static int edit_begin(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id,
                      int any_user, struct review_problem *rp, int *c, int *r, const char **why)
{
    int rc = store_review_problem_load(st, stage_id, rp);
    if (rc != RC_OK) {
        *why = rc == RC_NOTFOUND ? "stages_err_no_stage" : "stages_err_store";
        return rc == RC_NOTFOUND ? RC_NOTFOUND : RC_ERROR;
    }
    *c = *r = -1;
    for (int i = 0; i < rp->p.ncases; i++)
        if (rp->case_ids[i] == case_id)
            *c = i;
    for (int i = 0; i < rp->p.nreviewers; i++)
        if (rp->user_ids[i] == user_id)
            *r = i;
    int res = RC_OK;
    if (!stage_allows(rp->stage.state, STAGE_ASSIGN)) {
        *why = "stages_err_state";
        res = RC_STATE;
    } else if (*c < 0) {
        *why = "stages_err_not_in_pool";
        res = RC_INVALID;
    } else if (*r < 0 && !any_user) {
        *why = "stages_err_not_reviewer";
        res = RC_INVALID;
    }
    if (res != RC_OK)
        store_review_problem_free(rp);
    return res;
}

int review_check_add(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id,
                     const char **why)
{
    struct review_problem rp;
    int c = -1, r = -1;
    int res = edit_begin(st, stage_id, case_id, user_id, 0, &rp, &c, &r, why);
    if (res)
        return res;
    int n;
    const int *cur = current_of(&rp, c, &n);
    int same = 0;
    for (int j = 0; j < n; j++) {
        if (cur[j] == r) {
            *why = "stages_err_already";
            res = RC_EXISTS;
        }
        if (cur[j] >= 0 && rp.reviewers[r].region >= 0 &&
            rp.reviewers[cur[j]].region == rp.reviewers[r].region)
            same++;
    }
    int *load = res ? NULL : current_loads(&rp);
    if (res) {
    } else if (!load) {
        *why = "stages_err_store";
        res = RC_ERROR;
    } else if (rp.dropped[r]) {
        *why = "stages_err_dropped";
        res = RC_STATE;
    } else if (assign_pair_cost(&rp.p, c, r) < 0) {
        *why = pair_reason(&rp, c, r);
        res = RC_INVALID;
    } else if (n >= rp.p.k) {
        *why = "stages_err_case_full";
        res = RC_QUOTA;
    } else if (rp.p.max_same_region > 0 && same >= rp.p.max_same_region) {
        *why = "stages_err_region_cap";
        res = RC_QUOTA;
    } else if (load[r] >= rp.reviewers[r].max_load) {
        *why = "stages_err_load";
        res = RC_QUOTA;
    }
    free(load);
    store_review_problem_free(&rp);
    return res;
}

int review_check_remove(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id,
                        const char **why, const char **warn)
{
    struct review_problem rp;
    int c = -1, r = -1;
    *warn = NULL;
    int res = edit_begin(st, stage_id, case_id, user_id, 1, &rp, &c, &r, why);
    if (res)
        return res;
    int n, found = 0;
    const int *cur = current_of(&rp, c, &n);
    for (int j = 0; j < n; j++)
        if (r >= 0 && cur[j] == r)
            found = 1;
    if (r < 0) /* no longer an active reviewer: the row alone tells */
        found = store_review_assigned(st, stage_id, case_id, user_id) > 0;
    if (!found) {
        *why = "stages_err_no_assignment";
        res = RC_NOTFOUND;
    } else if (n - 1 < rp.p.k) {
        if (rp.stage.state == STAGE_RELEASED) {
            *why = "stages_err_below_k";
            res = RC_STATE;
        } else {
            *warn = "stages_warn_below_k";
        }
    }
    store_review_problem_free(&rp);
    return res;
}

struct drop_write {
    int64_t stage_id, user_id;
    const struct review_pair *pairs;
    int n;
    const struct review_mail *m;
};

static int drop_write(struct store_tx *tx, void *arg)
{
    struct drop_write *w = arg;
    return tx_review_drop(tx, w->stage_id, w->user_id, w->pairs, w->n, w->m);
}

/*
 * Solve the replacement problem: cases `open` (indices into rp), one more
 * reviewer each; cap: each reviewer's load bound (current load counted).
 * Fills pairs (nopen); returns the assign rc with message in out.
 */
static int drop_solve(struct review_problem *rp, const int *open, int nopen, int dropped_r,
                      const int *load, int cap, struct review_pair *pairs,
                      struct review_outcome *out)
{
    int m = rp->p.nreviewers;
    struct assign_case *cases = calloc((size_t)nopen + 1, sizeof *cases);
    struct assign_reviewer *revs = calloc((size_t)m + 1, sizeof *revs);
    int *forbid = calloc((size_t)nopen * (size_t)m + 1, sizeof *forbid);
    struct assign_pair *conf = calloc((size_t)rp->p.nconflicts + 1, sizeof *conf);
    int64_t *ids = calloc((size_t)nopen + 1, sizeof *ids);
    int rc = ASSIGN_ENOMEM;
    if (!cases || !revs || !forbid || !conf || !ids)
        goto done;
    for (int r = 0; r < m; r++) {
        revs[r] = rp->reviewers[r];
        int bound = revs[r].max_load;
        if (cap >= 0 && cap < bound)
            bound = cap;
        revs[r].max_load = bound - load[r] > 0 ? bound - load[r] : 0;
        revs[r].min_load = 0;
        if (rp->dropped[r] || r == dropped_r)
            revs[r].max_load = 0;
    }
    int nconf = 0;
    for (int i = 0; i < nopen; i++) {
        int c = open[i];
        cases[i] = rp->cases[c];
        ids[i] = rp->case_ids[c];
        int n;
        const int *cur = current_of(rp, c, &n);
        int *f = forbid + (size_t)i * (size_t)m, nf = 0;
        for (int r = 0; r < m; r++) {
            int same = 0, on = 0;
            for (int j = 0; j < n; j++) {
                if (cur[j] < 0 || cur[j] == dropped_r)
                    continue;
                if (cur[j] == r)
                    on = 1;
                if (revs[r].region >= 0 && rp->reviewers[cur[j]].region == revs[r].region)
                    same++;
            }
            if (on || r == dropped_r ||
                (rp->p.max_same_region > 0 && same >= rp->p.max_same_region))
                f[nf++] = r;
        }
        cases[i].forbidden = f;
        cases[i].nforbidden = nf;
        for (int j = 0; j < rp->p.nconflicts; j++)
            if (rp->conflicts[j].kase == c)
                conf[nconf++] = (struct assign_pair){i, rp->conflicts[j].reviewer};
    }
    struct assign_problem p = rp->p;
    p.cases = cases;
    p.ncases = nopen;
    p.reviewers = revs;
    p.conflicts = conf;
    p.nconflicts = nconf;
    p.k = 1;
    p.max_same_region = 0; /* the cap is in the forbidden lists */
    p.balanced = 1;
    p.case_ids = ids;
    p.reviewer_ids = rp->user_ids;
    struct assign_result res;
    rc = assign_solve(&p, &res);
    if (rc == ASSIGN_OK) {
        out->violations = count_violations(&p, &res);
        out->total_cost = (long long)res.total_cost;
        for (int i = 0; i < nopen; i++)
            pairs[i] = (struct review_pair){rp->case_ids[open[i]], rp->user_ids[res.reviewers[i]]};
        assign_result_free(&res);
    } else {
        snprintf(out->message, sizeof out->message, "%s", res.message);
    }
done:
    free(cases);
    free(revs);
    free(forbid);
    free(conf);
    free(ids);
    return rc;
}

int review_drop(struct store *st, int64_t stage_id, int64_t user_id, const struct review_mail *m,
                struct review_outcome *out)
{
    memset(out, 0, sizeof *out);
    double t0 = clock_ms();
    struct review_problem rp;
    int rc = store_review_problem_load(st, stage_id, &rp);
    if (rc != RC_OK)
        return fail(out, rc == RC_NOTFOUND ? RC_NOTFOUND : RC_ERROR,
                    rc == RC_NOTFOUND ? "stages_err_no_stage" : "stages_err_store");
    out->ncases = rp.p.ncases;
    out->nreviewers = rp.p.nreviewers;
    out->k = 1;
    if (!stage_allows(rp.stage.state, STAGE_ASSIGN)) {
        store_review_problem_free(&rp);
        return fail(out, RC_STATE, "stages_err_state");
    }
    int dr = -1;
    for (int i = 0; i < rp.p.nreviewers; i++)
        if (rp.user_ids[i] == user_id)
            dr = i;
    json_t *open_ids = store_review_open_cases(st, stage_id, user_id);
    int nopen = open_ids ? (int)json_array_size(open_ids) : 0;
    int *open = calloc((size_t)nopen + 1, sizeof *open);
    struct review_pair *pairs = calloc((size_t)nopen + 1, sizeof *pairs);
    int *load = current_loads(&rp);
    if (!open_ids || !open || !pairs || !load) {
        rc = fail(out, RC_ERROR, "stages_err_store");
        goto done;
    }
    if (nopen == 0 && dr < 0) {
        rc = fail(out, RC_NOTFOUND, "stages_err_not_reviewer");
        goto done;
    }
    for (int i = 0; i < nopen; i++)
        open[i] = -1;
    int kept = 0;
    for (int i = 0; i < nopen; i++) {
        int64_t cid = json_integer_value(json_array_get(open_ids, (size_t)i));
        for (int c = 0; c < rp.p.ncases; c++)
            if (rp.case_ids[c] == cid)
                open[kept++] = c;
    }
    nopen = kept;
    int arc = ASSIGN_OK;
    if (nopen > 0) {
        int maxload = 0;
        for (int r = 0; r < rp.p.nreviewers; r++)
            if (r != dr && load[r] > maxload)
                maxload = load[r];
        double t1 = clock_ms();
        arc = drop_solve(&rp, open, nopen, dr, load, maxload > 0 ? maxload : -1, pairs, out);
        if (arc != ASSIGN_OK && arc != ASSIGN_ENOMEM)
            arc = drop_solve(&rp, open, nopen, dr, load, -1, pairs, out);
        out->solve_ms = clock_ms() - t1;
    }
    if (arc != ASSIGN_OK) {
        out->rc = arc;
        out->result = arc == ASSIGN_ENOMEM ? RC_ERROR : RC_INVALID;
        rc = arc;
        goto done;
    }
    if (out->violations != 0) {
        rc = fail(out, RC_ERROR, "stages_err_store");
        goto done;
    }
    out->pairs = nopen;
    struct drop_write w = {stage_id, user_id, pairs, nopen, m};
    rc = store_write_sync(st, drop_write, &w);
    if (rc != RC_OK)
        rc = fail(out, rc == RC_STATE ? RC_STATE : RC_ERROR,
                  rc == RC_STATE ? "stages_err_state" : "stages_err_store");
done:
    json_decref(open_ids);
    free(open);
    free(pairs);
    free(load);
    store_review_problem_free(&rp);
    out->total_ms = clock_ms() - t0;
    return rc;
}

/* The stage of seq `seq` in the review campaign, or 0. */
static int64_t stage_by_seq(struct store *st, int seq)
{
    int64_t campaign = store_review_campaign_id(st);
    json_t *stages = campaign ? store_review_stages(st, campaign) : NULL;
    int64_t id = 0;
    size_t i;
    json_t *s;
    json_array_foreach(stages, i, s)
        if (json_integer_value(json_object_get(s, "seq")) == seq)
            id = json_integer_value(json_object_get(s, "id"));
    json_decref(stages);
    return id;
}

int review_assign_main(int argc, char **argv)
{
    const char *data = "./data", *db = NULL;
    int seq = 0, dry_run = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
            seq = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dry-run") == 0)
            dry_run = 1;
        else {
            fprintf(stderr, "laurel assign: unknown or incomplete option '%s'\n"
                            "usage: laurel assign --data DIR [--db URI] --stage N [--dry-run]\n",
                    argv[i]);
            return 2;
        }
    }
    if (seq <= 0) {
        fprintf(stderr, "usage: laurel assign --data DIR [--db URI] --stage N [--dry-run]\n"
                        "  N: the stage's number in the campaign under review\n");
        return 2;
    }
    char err[512];
    struct store *st = store_open_db(data, db, 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    int status = 1;
    int64_t id = stage_by_seq(st, seq);
    struct review_stage sg;
    if (!id || store_review_stage(st, id, &sg) != RC_OK) {
        fprintf(stderr, "laurel assign: no stage %d in a campaign under review\n", seq);
        goto out;
    }
    struct review_outcome o;
    review_assign_propose(st, id, dry_run, &o);
    printf("stage %d %s (%s, %s): %d cases, %d reviewers, %d per case\n", sg.seq, sg.name,
           stage_kind_name(sg.kind), stage_state_name(sg.state), o.ncases, o.nreviewers, o.k);
    if (o.rc == -1) {
        fprintf(stderr, "laurel assign: %s\n",
                strcmp(o.error, "stages_err_state") == 0
                    ? "the stage is past its proposal (state must be setup or proposed)"
                : strcmp(o.error, "stages_err_empty_pool") == 0
                    ? "the stage's pool is empty (fill it first)"
                : strcmp(o.error, "stages_err_kind") == 0 ? "an exhibition stage has no reviewers"
                                                          : o.error);
        goto out;
    }
    if (o.rc != 0) {
        printf("infeasible (%s): %s\n", assign_rc_name(o.rc), o.message);
        printf("time %.1f ms\n", o.solve_ms);
        goto out;
    }
    printf("total cost %lld, loads %d..%d, violations %d, time %.1f ms (solve %.1f ms)\n",
           o.total_cost, o.load_min, o.load_max, o.violations, o.total_ms, o.solve_ms);
    if (dry_run)
        printf("dry run: nothing stored\n");
    else
        printf("stored %d proposed assignments; stage %d is now proposed\n", o.pairs, sg.seq);
    status = 0;
out:
    store_close(st);
    return status;
}
