/*
 * finish_rounds.c — the demo's 2019 review rounds and exhibition, run as
 * the organiser and the experts would (see finish2019.c): settings and a
 * criterion, pools, assignments proposed and released, the experts'
 * reviews, the system's ranking and advancement, the voting days and the
 * public's votes through the voter's path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/finish_int.h"
#include "demo/generate.h"
#include "domain/fraud.h"
#include "review/rank_run.h"
#include "store/audit.h"
#include "store/ranking.h"
#include "store/review.h"
#include "store/votes.h"

#define VOTE_OPENS "2019-03-01"
#define VOTE_CLOSES "2019-05-31"
#define VOTE_OPENS_AT 1551369600LL /* 2019-03-01 00:00 in Beijing */
#define VOTE_DAYS 92

static int round_settings(struct fin *f)
{
    struct review_stage s;
    memset(&s, 0, sizeof s);
    s.reviewers_per_case = f->round ? R2_REVIEWERS : R1_REVIEWERS;
    s.blind = 1;
    snprintf(s.aggregation, sizeof s.aggregation, "%s", f->round ? "trimmed" : "mean");
    s.trim_k = 1;
    s.trim_min = R2_REVIEWERS;
    s.quorum = R1_REVIEWERS;
    snprintf(s.advance_rule, sizeof s.advance_rule, "top");
    s.advance_n = f->round ? R2_ADVANCE : R1_ADVANCE;
    s.vote_weight = f->round ? 0.3 : 0; /* 网络投票得分按30%计入复评成绩 */
    struct review_criterion c;
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "综合评价");
    snprintf(c.description, sizeof c.description, "真实性、创新性、实效性、典型性");
    c.max_score = 100;
    c.weight = 1;
    return tx_review_stage_update(f->tx, f->stage[f->round ? 2 : 0], &s, &c, 1);
}

/*
 * Round 1's pool: every case of the campaign (its cases were all accepted)
 * up to DEMO_FULL_CASES; past it, of a load test's many cases only those of
 * merit (the rest are filler that no expert reads: ranking a million cases
 * twice would take the demo minutes).
 */
static int round1_pool(struct fin *f)
{
    static const char sql[] = "INSERT OR IGNORE INTO stage_case (stage_id, case_id) "
                              "VALUES (?1, ?2)";
    int rc = RC_OK;
    for (int id = 1; id <= f->ncases && rc == RC_OK; id++) {
        if (id > DEMO_FULL_CASES && f->merit[id] == FINISH_MERIT_NONE)
            continue;
        sqlite3_stmt *s = tx_prepare(f->tx, sql);
        if (!s)
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, f->stage[0]);
        sqlite3_bind_int64(s, 2, id);
        rc = finish_run(f, s);
    }
    return rc;
}

static int round2_pool(struct fin *f)
{
    int added = 0;
    return tx_review_pool_fill(f->tx, f->stage[2], &added);
}

/* A reviewer's total for a case of this merit. */
static double score_of(struct fin *f, int merit)
{
    switch (merit) {
    case FINISH_MERIT_BEST:
        return 90 + finish_rnd(&f->rng, 6);
    case FINISH_MERIT_EXCELLENT:
        return 80 + finish_rnd(&f->rng, 7);
    case MERIT_IMPOSTOR:
        return 84 + finish_rnd(&f->rng, 3);
    default:
        return 45 + finish_rnd(&f->rng, 33);
    }
}

static const char *const comments[] = {
    "案例做法具体，成效有数据支撑，可复制性较强。",
    "问题导向明确，机制设计完整，建议进一步提炼经验。",
    "创新点突出，群众参与度高，典型意义明显。",
    "材料翔实，但成效评估略显单薄。",
    "做法较为常规，创新性有待加强。",
    "党建引领作用体现充分，基层治理效果明显。",
};

/* The round's pool, by case id: *ids malloc'd. */
static int round_pool(struct fin *f, int64_t stage, int64_t **ids, int *n)
{
    static const char pool[] =
        "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY case_id";
    sqlite3_stmt *s = tx_prepare(f->tx, pool);
    *n = 0;
    *ids = malloc((size_t)(f->ncases + 1) * sizeof **ids);
    if (!s || !*ids)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage);
    while (*n < f->ncases && sqlite3_step(s) == SQLITE_ROW)
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return RC_OK;
}

/*
 * The round's assignments: each case to reviewers of another region and
 * unit, taken in turn from a random start (the solver's proposal stood for).
 */
static int round_assign(struct fin *f)
{
    static const char assign[] = "INSERT INTO assignment (stage_id, case_id, user_id, state, at) "
                                 "VALUES (?1, ?2, ?3, 'proposed', ?4)";
    static const char proposed[] = "UPDATE stage SET state = 'proposed' WHERE id = ?1";
    int64_t stage = f->stage[f->round ? 2 : 0];
    int per = f->round ? R2_REVIEWERS : R1_REVIEWERS;
    const char *at = f->round ? "2019-07-01T01:00:00Z" : "2018-11-01T01:00:00Z";
    int64_t *ids;
    int n;
    int rc = round_pool(f, stage, &ids, &n);
    for (int i = 0; i < n && rc == RC_OK; i++) {
        int start = finish_rnd(&f->rng, f->nrev), got = 0;
        for (int k = 0; k < f->nrev && got < per && rc == RC_OK; k++) {
            const struct person *p = &f->rev[(start + k) % f->nrev];
            if (finish_conflicted(f, p, ids[i]))
                continue;
            got++;
            sqlite3_stmt *a = tx_prepare(f->tx, assign);
            if (!a) {
                rc = RC_ERROR;
                break;
            }
            sqlite3_bind_int64(a, 1, stage);
            sqlite3_bind_int64(a, 2, ids[i]);
            sqlite3_bind_int64(a, 3, p->id);
            sqlite3_bind_text(a, 4, at, -1, SQLITE_STATIC);
            rc = finish_run(f, a);
        }
    }
    free(ids);
    sqlite3_stmt *s;
    if (rc == RC_OK && (s = tx_prepare(f->tx, proposed))) {
        sqlite3_bind_int64(s, 1, stage);
        rc = finish_run(f, s);
    }
    return rc;
}

/* Release the proposal to the reviewers (the 2019 notices went out by post: no mail queued). */
static int round_release(struct fin *f)
{
    static const char sql[] = "UPDATE assignment SET state = 'released' WHERE stage_id = ?1 AND "
                              "state = 'proposed'";
    static const char released[] = "UPDATE stage SET state = 'released' WHERE id = ?1";
    int64_t stage = f->stage[f->round ? 2 : 0];
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage);
    int rc = finish_run(f, s);
    if (rc == RC_OK && (s = tx_prepare(f->tx, released))) {
        sqlite3_bind_int64(s, 1, stage);
        rc = finish_run(f, s);
    }
    return rc == RC_OK ? tx_review_label_released(f->tx) : rc;
}

/* Every assigned expert's submitted review: a total that follows the case's merit. */
static int round_reviews(struct fin *f)
{
    static const char crit[] = "SELECT id FROM criterion WHERE stage_id = ?1 ORDER BY seq LIMIT 1";
    static const char mine[] =
        "SELECT case_id, user_id FROM assignment WHERE stage_id = ?1 AND state = 'released' "
        "ORDER BY case_id, user_id";
    static const char review[] =
        "INSERT INTO review (stage_id, case_id, user_id, status, comment, total, updated_at, "
        "submitted_at) VALUES (?1, ?2, ?3, 'submitted', ?4, ?5, ?6, ?6)";
    static const char score[] = "INSERT INTO review_score (stage_id, case_id, user_id, "
                                "criterion_id, score) VALUES (?1, ?2, ?3, ?4, ?5)";
    int64_t stage = f->stage[f->round ? 2 : 0];
    const char *at = f->round ? "2019-09-10T08:00:00Z" : "2019-01-25T08:00:00Z";
    sqlite3_stmt *s = tx_prepare(f->tx, crit);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage);
    int64_t criterion = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    size_t cap = 1024, n = 0;
    int64_t(*pairs)[2] = malloc(cap * sizeof *pairs);
    if (!criterion || !pairs || !(s = tx_prepare(f->tx, mine))) {
        free(pairs);
        return RC_ERROR;
    }
    sqlite3_bind_int64(s, 1, stage);
    int rc = RC_OK;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            int64_t(*g)[2] = realloc(pairs, 2 * cap * sizeof *pairs);
            if (!g) {
                rc = RC_ERROR;
                break;
            }
            pairs = g;
            cap *= 2;
        }
        pairs[n][0] = sqlite3_column_int64(s, 0);
        pairs[n++][1] = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        double total = score_of(f, f->merit[pairs[i][0]]);
        sqlite3_stmt *r = tx_prepare(f->tx, review), *c;
        if (!r)
            rc = RC_ERROR;
        else {
            sqlite3_bind_int64(r, 1, stage);
            sqlite3_bind_int64(r, 2, pairs[i][0]);
            sqlite3_bind_int64(r, 3, pairs[i][1]);
            sqlite3_bind_text(r, 4, comments[finish_rnd(&f->rng, 6)], -1, SQLITE_STATIC);
            sqlite3_bind_double(r, 5, total);
            sqlite3_bind_text(r, 6, at, -1, SQLITE_STATIC);
            rc = finish_run(f, r);
        }
        if (rc == RC_OK && !(c = tx_prepare(f->tx, score)))
            rc = RC_ERROR;
        if (rc == RC_OK) {
            sqlite3_bind_int64(c, 1, stage);
            sqlite3_bind_int64(c, 2, pairs[i][0]);
            sqlite3_bind_int64(c, 3, pairs[i][1]);
            sqlite3_bind_int64(c, 4, criterion);
            sqlite3_bind_double(c, 5, total);
            rc = finish_run(f, c);
        }
    }
    free(pairs);
    return rc;
}

/* ------------------------------------------------------------ the exhibition */

/* The exhibition's voting days, as the 2019 call had them, and its limits. */
static int vote_settings(struct fin *f)
{
    struct vote_setting v = {.stage_id = f->stage[1],
                             .per_case = 1,
                             .per_day = 10,
                             .per_net = 50,
                             .live = 1,
                             .flags = (struct fraud_limits)FRAUD_LIMITS_DEFAULT};
    snprintf(v.opens_on, sizeof v.opens_on, "%s", VOTE_OPENS);
    snprintf(v.closes_on, sizeof v.closes_on, "%s", VOTE_CLOSES);
    snprintf(v.verify, sizeof v.verify, "both");
    return tx_vote_setting_put(f->tx, &v);
}

/* A case's votes for its merit: the public liked what the experts liked, roughly. */
static int votes_of(struct fin *f, int merit)
{
    switch (merit) {
    case FINISH_MERIT_BEST:
        return 30 + finish_rnd(&f->rng, 11);
    case FINISH_MERIT_EXCELLENT:
    case MERIT_IMPOSTOR:
        return 20 + finish_rnd(&f->rng, 11);
    default:
        return finish_rnd(&f->rng, 16);
    }
}

/*
 * The public's votes, through the voter's path: a code asked and verified
 * (tx_vote_code, tx_vote_verify), then each vote checked against every limit
 * (tx_vote_cast), at times spread over the voting days.  Each voter votes
 * for two to eight cases.
 */
static int cast_votes(struct fin *f)
{
    static const char sql[] = "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY case_id";
    const unsigned char *key = f->key;
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->stage[1]);
    size_t cap = 4096, n = 0;
    int64_t *slot = malloc(cap * sizeof *slot);
    int rc = slot ? RC_OK : RC_ERROR;
    while (rc == RC_OK && sqlite3_step(s) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        for (int k = votes_of(f, f->merit[id]); k > 0 && rc == RC_OK; k--) {
            if (n == cap) {
                int64_t *g = realloc(slot, 2 * cap * sizeof *slot);
                if (!g) {
                    rc = RC_ERROR;
                    break;
                }
                slot = g;
                cap *= 2;
            }
            slot[n++] = id;
        }
    }
    sqlite3_reset(s);
    for (size_t i = n; rc == RC_OK && i > 1; i--) {
        size_t k = (size_t)(finish_next(&f->rng) % i);
        int64_t t = slot[i - 1];
        slot[i - 1] = slot[k];
        slot[k] = t;
    }
    char ua_hash[VOTER_HEX];
    voter_sha256("demo", ua_hash);
    int64_t opens = VOTE_OPENS_AT, days = VOTE_DAYS;
    for (size_t at_slot = 0; rc == RC_OK && at_slot < n;) {
        char contact[32], net[VOTER_NET_MAX], masked[VOTER_CONTACT_MAX + 8], hmac[VOTER_HEX];
        char code[7], code_hash[VOTER_HEX], block[VOTER_HEX], token[44], token_hash[VOTER_HEX];
        enum voter_kind kind = finish_rnd(&f->rng, 10) < 7 ? VOTER_PHONE : VOTER_EMAIL;
        if (kind == VOTER_PHONE)
            snprintf(contact, sizeof contact, "1%d%09d", 3 + finish_rnd(&f->rng, 6),
                     finish_rnd(&f->rng, 1000000000));
        else
            snprintf(contact, sizeof contact, "v%08x@163.com", (unsigned)finish_next(&f->rng));
        snprintf(net, sizeof net, "%d.%d.%d.0/24", 58 + finish_rnd(&f->rng, 150),
                 finish_rnd(&f->rng, 256), finish_rnd(&f->rng, 256));
        int64_t at = opens + finish_rnd(&f->rng, (int)days) * 86400 +
                     (8 + finish_rnd(&f->rng, 14)) * 3600 + finish_rnd(&f->rng, 3600);
        voter_mask(kind, contact, masked, sizeof masked);
        voter_hmac(key, kind, contact, hmac);
        voter_code(code);
        voter_digest(key, hmac, code, code_hash);
        struct vote_code_req q = {.stage_id = f->stage[1],
                                  .kind = kind,
                                  .masked = masked,
                                  .hmac = hmac,
                                  .code_hash = code_hash,
                                  .net = net,
                                  .at = at};
        if (kind == VOTER_PHONE) {
            q.tail = voter_block(key, contact, block);
            q.block = block;
        }
        rc = tx_vote_code(f->tx, &q);
        if (rc == RC_QUOTA) { /* a limit: this voter gives up */
            rc = RC_OK;
            continue;
        }
        voter_token(token);
        voter_sha256(token, token_hash);
        struct vote_verify v = {.stage_id = f->stage[1],
                                .kind = kind,
                                .hmac = hmac,
                                .masked = masked,
                                .code_hash = code_hash,
                                .token_hash = token_hash,
                                .outcome = RC_ERROR,
                                .at = at + 60};
        if (rc == RC_OK)
            rc = tx_vote_verify(f->tx, &v);
        if (rc != RC_OK || v.outcome != RC_OK) {
            rc = rc == RC_OK ? RC_ERROR : rc;
            break;
        }
        at += 90;
        for (int k = 2 + finish_rnd(&f->rng, 7); k > 0 && at_slot < n && rc == RC_OK;
             k--, at_slot++) {
            at += 5 + finish_rnd(&f->rng, 40);
            struct vote_cast c = {.stage_id = f->stage[1],
                                  .case_id = slot[at_slot],
                                  .voter_id = v.voter_id,
                                  .net = net,
                                  .ua_hash = ua_hash,
                                  .at = at};
            rc = tx_vote_cast(f->tx, &c);
            if (rc == RC_OK)
                f->votes++;
            else if (rc != RC_ERROR) /* a limit (the same case twice): refused, as for anyone */
                rc = RC_OK;
        }
    }
    free(slot);
    return rc;
}

/* The exhibition's cases go on as they came, with the votes they got. */
static int exhibition_done(struct fin *f)
{
    static const char carry[] =
        "UPDATE stage_case SET advanced = 1, rank = (SELECT p.rank FROM stage_case p WHERE "
        "p.stage_id = ?2 AND p.case_id = stage_case.case_id), score = (SELECT p.score FROM "
        "stage_case p WHERE p.stage_id = ?2 AND p.case_id = stage_case.case_id), "
        "explanation = json_object('votes', coalesce((SELECT t.votes FROM vote_total t WHERE "
        "t.stage_id = ?1 AND t.case_id = stage_case.case_id), 0), 'carried_from_stage', 1) "
        "WHERE stage_id = ?1";
    static const char done[] = "UPDATE stage SET state = 'advanced' WHERE id = ?1";
    sqlite3_stmt *s = tx_prepare(f->tx, carry);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->stage[1]);
    sqlite3_bind_int64(s, 2, f->stage[0]);
    int rc = finish_run(f, s);
    if (rc == RC_OK && (s = tx_prepare(f->tx, done))) {
        sqlite3_bind_int64(s, 1, f->stage[1]);
        rc = finish_run(f, s);
    }
    return rc;
}

/* Rank the round (scoring ends now), then advance it, as the organiser's two buttons. */
static int rank_and_advance(struct fin *f, int64_t stage)
{
    struct ranking_stage rs;
    if (store_ranking_stage(f->st, stage, &rs) != RC_OK)
        return RC_ERROR;
    struct audit_entry e = {.who = f->organiser,
                            .what = "/admin/stages/{id}/rank",
                            .object = finish_path("/admin/stages/%lld/rank", stage)};
    voter_sha256("confirm=1\n", e.digest);
    store_audit_scope(&e);
    int rc = rank_run_rank(f->st, &rs, 1);
    store_audit_scope(NULL);
    if (rc == RC_OK && store_ranking_stage(f->st, stage, &rs) != RC_OK)
        rc = RC_ERROR;
    if (rc == RC_OK) {
        e.what = "/admin/stages/{id}/advance";
        e.object = finish_path("/admin/stages/%lld/advance", stage);
        voter_sha256("", e.digest);
        store_audit_scope(&e);
        rc = rank_run_advance(f->st, &rs);
        store_audit_scope(NULL);
    }
    if (rc != RC_OK)
        snprintf(f->err, sizeof f->err, "ranking stage %lld failed (%d)", (long long)stage, rc);
    return rc;
}

/* The organiser proposes and releases the assignments; the experts review. */
static int round_steps(struct fin *f, int64_t stage)
{
    return finish_step(f, round_assign, "/admin/stages/{id}/assign",
                       finish_path("/admin/stages/%lld/assign", stage), f->organiser, "") ||
           finish_step(f, round_release, "/admin/stages/{id}/release",
                       finish_path("/admin/stages/%lld/release", stage), f->organiser, "") ||
           finish_step(f, round_reviews, NULL, NULL, 0, NULL);
}

int finish_reviews(struct fin *f)
{
    /* 初评 */
    f->round = 0;
    int64_t s1 = f->stage[0];
    if (finish_step(f, round_settings, "/admin/stages/{id}", finish_path("/admin/stages/%lld", s1),
                    f->organiser, "reviewers_per_case=3\naggregation=mean\nadvance_n=400\n") ||
        finish_step(f, round1_pool, "/admin/stages/{id}/pool",
                    finish_path("/admin/stages/%lld/pool", s1), f->organiser, "") ||
        round_steps(f, s1) || rank_and_advance(f, s1))
        return -1;
    /* 网上展示, then 复评 */
    f->round = 1;
    int64_t s3 = f->stage[2];
    if (finish_step(f, vote_settings, "/admin/stages/{id}/voting",
                    finish_path("/admin/stages/%lld/voting", f->stage[1]), f->organiser,
                    "opens_on=" VOTE_OPENS "\ncloses_on=" VOTE_CLOSES "\nverify=both\n") ||
        finish_step(f, cast_votes, NULL, NULL, 0, NULL) ||
        finish_step(f, exhibition_done, NULL, NULL, 0, NULL) ||
        finish_step(f, round_settings, "/admin/stages/{id}", finish_path("/admin/stages/%lld", s3),
                    f->organiser, "reviewers_per_case=5\naggregation=trimmed\nadvance_n=140\n") ||
        finish_step(f, round2_pool, "/admin/stages/{id}/pool",
                    finish_path("/admin/stages/%lld/pool", s3), f->organiser, "") ||
        round_steps(f, s3) || rank_and_advance(f, s3))
        return -1;
    return 0;
}
