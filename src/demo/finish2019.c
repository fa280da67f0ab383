/*
 * finish2019.c — the demo's 2019 campaign run to its results through the
 * pipeline, so that no tier is written by the demo (finish2019.h).
 *
 * The loader leaves every case without a tier and hands over each case's
 * hidden merit (generate.c).  This file then does what the organiser, the
 * experts and the jury would do, through the store calls the web's actions
 * make, each organiser step appending its audit row as the action runner
 * does (the demo organiser as actor):
 *
 *   初评 (review): settings and one criterion (tx_review_stage_update), all
 *     cases in the pool, three experts of another region each, scores that
 *     follow the merit with noise; the system's ranking and advancement
 *     (rank_run_rank, rank_run_advance: the top 400);
 *   网上展示 (exhibition): voting days as in 2019 and a few thousand
 *     votes cast through the voter's path (code, verification, tx_vote_cast
 *     with each vote's own time in 2019), more for the cases of merit; its
 *     400 cases go on with their votes;
 *   复评 (review): the pool filled (tx_review_pool_fill), five experts a
 *     case, ranked with the votes at 30 % and the top 140 advanced to the
 *     ballot;
 *   终评 (ballot): a jury of fifteen experts of distinct regions, thirteen
 *     present (quorum eleven); each casts a secret ballot (tx_ballot_cast
 *     with a receipt's digest), approving the cases their merit earns
 *     (best: every juror; excellent: most; the rest: a few), never one in
 *     their 回避; the tally, then the system's tier proposal
 *     (tx_award_propose: best 40, excellent 90 in the ballot's order);
 *   公示: published for five working days from 2019-11-25, three
 *     objections filed with verified codes: two rejected with a written
 *     answer, one upheld.  The upheld one is against a case of no merit
 *     that the reviewers over-scored (the "impostor"): it passed the jury
 *     and took an excellent place, pushing the last case of merit to the
 *     131st place; upheld, it leaves the awards and the proposal gives its
 *     place to that next elected case (store/notice.h).  Then the notice
 *     is closed (tx_notice_close), which writes the final tiers.
 *
 * The outcome is therefore the generator's: 40 best, 90 excellent,
 * Shanghai 5 + 8.  Randomness is a splitmix64 stream from the seed; the
 * reviewers' and jurors' choices are deterministic.
 */
#include "demo/finish2019.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "domain/auth.h"
#include "domain/fraud.h"
#include "domain/voter.h"
#include "domain/workdays.h"
#include "review/rank_run.h"
#include "store/audit.h"
#include "store/award.h"
#include "store/ballot.h"
#include "store/notice.h"
#include "store/ranking.h"
#include "store/review.h"
#include "store/sqlite_tx.h"
#include "store/votes.h"

#define R1_REVIEWERS 3
#define R2_REVIEWERS 5
#define R1_ADVANCE 400
#define R2_ADVANCE 140
#define JURORS 15
#define PRESENT 13
#define QUORUM 11
#define PLACES 140
#define NOTICE_DAYS 5
#define NOTICE_STARTS "2019-11-25"
#define MERIT_IMPOSTOR 9
#define VOTE_OPENS "2019-03-01"
#define VOTE_CLOSES "2019-05-31"
#define VOTE_OPENS_AT 1551369600LL /* 2019-03-01 00:00 in Beijing */
#define VOTE_DAYS 92

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rnd(struct rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

struct person {
    int64_t id;
    char region[8];
    int64_t unit;
};

struct fin {
    struct store *st;
    struct store_tx *tx;
    struct rng rng;
    int64_t campaign, stage[4], organiser, impostor;
    int ncases;
    unsigned char *merit;    /* per case id, MERIT_IMPOSTOR for the impostor */
    char (*region)[8];       /* per case id */
    int64_t *unit;           /* per case id */
    struct person *rev;
    int nrev;
    struct person jury[JURORS];
    int64_t sitting;
    int64_t *cands;
    int ncands;
    int64_t obj[3]; /* the objected cases: impostor, two rejected */
    int round;      /* 0 初评, 1 复评: the reviews being written */
    int juror;      /* the present juror casting */
    int k;          /* the objection being filed or answered */
    unsigned char key[VOTER_SECRET_BYTES]; /* the installation's voter secret */
    int64_t votes;  /* cast in the exhibition */
    char object[96]; /* an audit row's path that its step finds out */
    char err[256];
};

/* ------------------------------------------------------------ steps */

struct step {
    struct fin *f;
    int (*fn)(struct fin *f);
    struct audit_entry e;
    const char *form; /* what the organiser's form held, hashed into the row */
    int audited;
};

static int step_job(struct store_tx *tx, void *arg)
{
    struct step *s = arg;
    s->f->tx = tx;
    int rc = s->fn(s->f);
    if (rc == RC_OK && s->audited)
        rc = tx_audit_append(tx, &s->e);
    return rc;
}

/*
 * Run fn in one store write; with what, append the audit row the web's
 * action of route `what` on path `object` would (who: the actor).
 */
static int step(struct fin *f, int (*fn)(struct fin *), const char *what, const char *object,
                int64_t who, const char *form)
{
    struct step s = {.f = f, .fn = fn, .form = form, .audited = what != NULL};
    if (what) {
        s.e.who = who;
        s.e.what = what;
        s.e.object = object;
        voter_sha256(form ? form : "", s.e.digest);
    }
    int rc = store_write_sync(f->st, step_job, &s);
    if (rc != RC_OK && !f->err[0])
        snprintf(f->err, sizeof f->err, "%s failed (%d)", what ? what : "a step", rc);
    return rc;
}

static char *path(struct fin *f, const char *fmt, int64_t id)
{
    static char buf[4][96];
    static int k;
    (void)f;
    char *b = buf[k++ % 4];
    snprintf(b, 96, fmt, (long long)id);
    return b;
}

static int run(struct fin *f, sqlite3_stmt *s)
{
    if (!s)
        return RC_ERROR;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        snprintf(f->err, sizeof f->err, "%s", sqlite3_errmsg(tx_db(f->tx)));
        return RC_ERROR;
    }
    return RC_OK;
}

/* ------------------------------------------------------------ reading */

static int read_all(struct fin *f)
{
    static const char stages[] = "SELECT id FROM stage WHERE campaign_id = ?1 ORDER BY seq";
    static const char cases[] =
        "SELECT id, region_code, unit_id FROM \"case\" WHERE campaign_id = ?1 ORDER BY id";
    static const char org[] = "SELECT id FROM user WHERE email = 'organiser@demo.laurel'";
    static const char revs[] =
        "SELECT r.user_id, r.region_code, coalesce(r.unit_id, 0) FROM reviewer r "
        "JOIN user u ON u.id = r.user_id WHERE u.email GLOB 'expert[0-9]*@demo.laurel' "
        "AND r.region_code IS NOT NULL ORDER BY u.email";
    sqlite3_stmt *s = tx_prepare(f->tx, stages);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->campaign);
    int n = 0;
    while (n < 4 && sqlite3_step(s) == SQLITE_ROW)
        f->stage[n++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (n != 4)
        return RC_ERROR;
    if (!(s = tx_prepare(f->tx, cases)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->campaign);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (id < 1 || id > f->ncases)
            continue;
        snprintf(f->region[id], 8, "%s", (const char *)sqlite3_column_text(s, 1));
        f->unit[id] = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (!(s = tx_prepare(f->tx, org)))
        return RC_ERROR;
    f->organiser = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (!(s = tx_prepare(f->tx, revs)))
        return RC_ERROR;
    int cap = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (f->nrev == cap) {
            cap = cap ? 2 * cap : 256;
            struct person *p = realloc(f->rev, (size_t)cap * sizeof *p);
            if (!p) {
                sqlite3_reset(s);
                return RC_ERROR;
            }
            f->rev = p;
        }
        struct person *p = &f->rev[f->nrev++];
        p->id = sqlite3_column_int64(s, 0);
        snprintf(p->region, sizeof p->region, "%s", (const char *)sqlite3_column_text(s, 1));
        p->unit = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    return f->organiser && f->nrev >= 2 * R2_REVIEWERS ? RC_OK : RC_ERROR;
}

/* The impostor: the first case of no merit outside Shanghai with a full body. */
static void pick_impostor(struct fin *f)
{
    for (int id = 1; id <= f->ncases; id++) {
        if (f->merit[id] == FINISH_MERIT_NONE && strcmp(f->region[id], "310000") != 0) {
            f->impostor = id;
            f->merit[id] = MERIT_IMPOSTOR;
            return;
        }
    }
}

/* 回避: the person's region or unit is the case's. */
static int conflicted(const struct fin *f, const struct person *p, int64_t id)
{
    return strcmp(p->region, f->region[id]) == 0 || (p->unit && p->unit == f->unit[id]);
}

/* ------------------------------------------------------------ review rounds */

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

/* Round 1's pool: every case of the campaign (its cases were all accepted). */
static int round1_pool(struct fin *f)
{
    static const char sql[] = "INSERT OR IGNORE INTO stage_case (stage_id, case_id) "
                              "SELECT ?1, id FROM \"case\" WHERE campaign_id = ?2";
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->stage[0]);
    sqlite3_bind_int64(s, 2, f->campaign);
    return run(f, s);
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
        return 90 + rnd(&f->rng, 6);
    case FINISH_MERIT_EXCELLENT:
        return 80 + rnd(&f->rng, 7);
    case MERIT_IMPOSTOR:
        return 84 + rnd(&f->rng, 3);
    default:
        return 45 + rnd(&f->rng, 33);
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
    static const char pool[] = "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY case_id";
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
        int start = rnd(&f->rng, f->nrev), got = 0;
        for (int k = 0; k < f->nrev && got < per && rc == RC_OK; k++) {
            const struct person *p = &f->rev[(start + k) % f->nrev];
            if (conflicted(f, p, ids[i]))
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
            rc = run(f, a);
        }
    }
    free(ids);
    sqlite3_stmt *s;
    if (rc == RC_OK && (s = tx_prepare(f->tx, proposed))) {
        sqlite3_bind_int64(s, 1, stage);
        rc = run(f, s);
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
    int rc = run(f, s);
    if (rc == RC_OK && (s = tx_prepare(f->tx, released))) {
        sqlite3_bind_int64(s, 1, stage);
        rc = run(f, s);
    }
    return rc;
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
            sqlite3_bind_text(r, 4, comments[rnd(&f->rng, 6)], -1, SQLITE_STATIC);
            sqlite3_bind_double(r, 5, total);
            sqlite3_bind_text(r, 6, at, -1, SQLITE_STATIC);
            rc = run(f, r);
        }
        if (rc == RC_OK && !(c = tx_prepare(f->tx, score)))
            rc = RC_ERROR;
        if (rc == RC_OK) {
            sqlite3_bind_int64(c, 1, stage);
            sqlite3_bind_int64(c, 2, pairs[i][0]);
            sqlite3_bind_int64(c, 3, pairs[i][1]);
            sqlite3_bind_int64(c, 4, criterion);
            sqlite3_bind_double(c, 5, total);
            rc = run(f, c);
        }
    }
    free(pairs);
    return rc;
}

/* ------------------------------------------------------------ the exhibition */

/* The exhibition's voting days, as the 2019 call had them, and its limits. */
static int vote_settings(struct fin *f)
{
    struct vote_setting v = {.stage_id = f->stage[1], .per_case = 1, .per_day = 10,
                             .per_net = 50, .live = 1,
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
        return 30 + rnd(&f->rng, 11);
    case FINISH_MERIT_EXCELLENT:
    case MERIT_IMPOSTOR:
        return 20 + rnd(&f->rng, 11);
    default:
        return rnd(&f->rng, 16);
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
    unsigned char key[VOTER_SECRET_BYTES];
    memcpy(key, f->key, sizeof key);
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
        size_t k = (size_t)(next(&f->rng) % i);
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
        enum voter_kind kind = rnd(&f->rng, 10) < 7 ? VOTER_PHONE : VOTER_EMAIL;
        if (kind == VOTER_PHONE)
            snprintf(contact, sizeof contact, "1%d%09d", 3 + rnd(&f->rng, 6),
                     rnd(&f->rng, 1000000000));
        else
            snprintf(contact, sizeof contact, "v%08x@163.com", (unsigned)next(&f->rng));
        snprintf(net, sizeof net, "%d.%d.%d.0/24", 58 + rnd(&f->rng, 150), rnd(&f->rng, 256),
                 rnd(&f->rng, 256));
        int64_t at = opens + rnd(&f->rng, (int)days) * 86400 + (8 + rnd(&f->rng, 14)) * 3600 +
                     rnd(&f->rng, 3600);
        voter_mask(kind, contact, masked, sizeof masked);
        voter_hmac(key, kind, contact, hmac);
        voter_code(code);
        voter_digest(key, hmac, code, code_hash);
        struct vote_code_req q = {.stage_id = f->stage[1], .kind = kind, .masked = masked,
                                  .hmac = hmac, .code_hash = code_hash, .net = net, .at = at};
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
        struct vote_verify v = {.stage_id = f->stage[1], .kind = kind, .hmac = hmac,
                                .masked = masked, .code_hash = code_hash,
                                .token_hash = token_hash, .outcome = RC_ERROR, .at = at + 60};
        if (rc == RC_OK)
            rc = tx_vote_verify(f->tx, &v);
        if (rc != RC_OK || v.outcome != RC_OK) {
            rc = rc == RC_OK ? RC_ERROR : rc;
            break;
        }
        at += 90;
        for (int k = 2 + rnd(&f->rng, 7); k > 0 && at_slot < n && rc == RC_OK; k--, at_slot++) {
            at += 5 + rnd(&f->rng, 40);
            struct vote_cast c = {.stage_id = f->stage[1], .case_id = slot[at_slot],
                                  .voter_id = v.voter_id, .net = net, .ua_hash = ua_hash,
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
    int rc = run(f, s);
    if (rc == RC_OK && (s = tx_prepare(f->tx, done))) {
        sqlite3_bind_int64(s, 1, f->stage[1]);
        rc = run(f, s);
    }
    return rc;
}

/* Rank the round (scoring ends now), then advance it, as the organiser's two buttons. */
static int rank_and_advance(struct fin *f, int64_t stage)
{
    struct ranking_stage rs;
    if (store_ranking_stage(f->st, stage, &rs) != RC_OK)
        return RC_ERROR;
    struct audit_entry e = {.who = f->organiser, .what = "/admin/stages/{id}/rank",
                            .object = path(f, "/admin/stages/%lld/rank", stage)};
    voter_sha256("confirm=1\n", e.digest);
    store_audit_scope(&e);
    int rc = rank_run_rank(f->st, &rs, 1);
    store_audit_scope(NULL);
    if (rc == RC_OK && store_ranking_stage(f->st, stage, &rs) != RC_OK)
        rc = RC_ERROR;
    if (rc == RC_OK) {
        e.what = "/admin/stages/{id}/advance";
        e.object = path(f, "/admin/stages/%lld/advance", stage);
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
    return step(f, round_assign, "/admin/stages/{id}/assign",
                path(f, "/admin/stages/%lld/assign", stage), f->organiser, "") ||
           step(f, round_release, "/admin/stages/{id}/release",
                path(f, "/admin/stages/%lld/release", stage), f->organiser, "") ||
           step(f, round_reviews, NULL, NULL, 0, NULL);
}

static int reviews(struct fin *f)
{
    /* 初评 */
    f->round = 0;
    int64_t s1 = f->stage[0];
    if (step(f, round_settings, "/admin/stages/{id}", path(f, "/admin/stages/%lld", s1),
             f->organiser, "reviewers_per_case=3\naggregation=mean\nadvance_n=400\n") ||
        step(f, round1_pool, "/admin/stages/{id}/pool", path(f, "/admin/stages/%lld/pool", s1),
             f->organiser, "") ||
        round_steps(f, s1) || rank_and_advance(f, s1))
        return -1;
    /* 网上展示, then 复评 */
    f->round = 1;
    int64_t s3 = f->stage[2];
    if (step(f, vote_settings, "/admin/stages/{id}/voting",
             path(f, "/admin/stages/%lld/voting", f->stage[1]), f->organiser,
             "opens_on=" VOTE_OPENS "\ncloses_on=" VOTE_CLOSES "\nverify=both\n") ||
        step(f, cast_votes, NULL, NULL, 0, NULL) || step(f, exhibition_done, NULL, NULL, 0, NULL) ||
        step(f, round_settings, "/admin/stages/{id}", path(f, "/admin/stages/%lld", s3),
             f->organiser, "reviewers_per_case=5\naggregation=trimmed\nadvance_n=140\n") ||
        step(f, round2_pool, "/admin/stages/{id}/pool", path(f, "/admin/stages/%lld/pool", s3),
             f->organiser, "") ||
        round_steps(f, s3) || rank_and_advance(f, s3))
        return -1;
    return 0;
}

/* ------------------------------------------------------------ the ballot */

static int jury_settings(struct fin *f)
{
    return tx_ballot_settings(f->tx, f->stage[3], PLACES, QUORUM);
}

static int jury_add(struct fin *f)
{
    return tx_juror_add(f->tx, f->stage[3], f->jury[f->juror].id);
}

static int sitting_open(struct fin *f)
{
    return tx_sitting_open(f->tx, f->stage[3], 0);
}

static int sitting_presence(struct fin *f)
{
    int64_t ids[PRESENT];
    for (int i = 0; i < PRESENT; i++)
        ids[i] = f->jury[i].id;
    return tx_sitting_presence(f->tx, f->stage[3], ids, PRESENT);
}

static int sitting_start(struct fin *f)
{
    return tx_sitting_start(f->tx, f->stage[3]);
}

static int read_candidates(struct fin *f)
{
    static const char sql[] =
        "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY rank, case_id";
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->stage[3]);
    f->cands = malloc(PLACES * 4 * sizeof *f->cands);
    while (f->cands && f->ncands < PLACES * 4 && sqlite3_step(s) == SQLITE_ROW)
        f->cands[f->ncands++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return f->cands && f->ncands ? RC_OK : RC_ERROR;
}

/*
 * Juror j's approvals: every best case, most excellent ones (each skipped
 * by about a quarter of the jury), the impostor (skipped by the first
 * juror who may judge it), and a few of the rest (by about a third, short
 * of a majority); never a case in their 回避.
 */
static int ballot_cast(struct fin *f)
{
    int j = f->juror;
    const struct person *p = &f->jury[j];
    int64_t ids[PLACES];
    int n = 0;
    for (int k = 0; k < f->ncands && n < PLACES; k++) {
        int64_t id = f->cands[k];
        if (conflicted(f, p, id))
            continue;
        int m = f->merit[id], yes;
        if (m == FINISH_MERIT_BEST)
            yes = 1;
        else if (m == FINISH_MERIT_EXCELLENT)
            yes = (k + j) % 4 != 0;
        else if (m == MERIT_IMPOSTOR) {
            int first = 0;
            while (first < PRESENT && conflicted(f, &f->jury[first], id))
                first++;
            yes = j != first;
        } else
            yes = (k + j) % 3 == 0;
        if (yes)
            ids[n++] = id;
    }
    char receipt[AUTH_TOKEN_CHARS + 1], digest[AUTH_DIGEST_CHARS + 1];
    auth_token(receipt);
    receipt[BALLOT_RECEIPT_CHARS] = 0;
    auth_digest(receipt, digest);
    return tx_ballot_cast(f->tx, f->sitting, p->id, ids, n, digest);
}

static int tally(struct fin *f)
{
    struct tally_outcome out;
    int rc = tx_ballot_tally(f->tx, f->stage[3], &out);
    if (rc == RC_OK && out.runoff) {
        snprintf(f->err, sizeof f->err, "the demo's ballot asked for a runoff");
        return RC_STATE;
    }
    return rc;
}

static int propose(struct fin *f)
{
    int placed = 0;
    return tx_award_propose(f->tx, f->stage[3], &placed);
}

/* Fifteen experts of distinct regions, none of Shanghai's. */
static int pick_jury(struct fin *f)
{
    int n = 0;
    for (int i = f->nrev - 1; i >= 0 && n < JURORS; i--) {
        const struct person *p = &f->rev[i];
        int taken = strcmp(p->region, "310000") == 0;
        for (int k = 0; k < n && !taken; k++)
            taken = strcmp(f->jury[k].region, p->region) == 0;
        if (!taken)
            f->jury[n++] = *p;
    }
    return n == JURORS ? 0 : -1;
}

/* The jurors added one by one, as on the jury page. */
static int jury(struct fin *f)
{
    for (f->juror = 0; f->juror < JURORS; f->juror++) {
        char form[48];
        snprintf(form, sizeof form, "user_id=%lld\n", (long long)f->jury[f->juror].id);
        if (step(f, jury_add, "/admin/stages/{id}/jury/add",
                 path(f, "/admin/stages/%lld/jury/add", f->stage[3]), f->organiser, form))
            return -1;
    }
    return 0;
}

static int ballot(struct fin *f)
{
    int64_t b = f->stage[3];
    if (pick_jury(f)) {
        snprintf(f->err, sizeof f->err, "not enough experts for the 2019 jury");
        return -1;
    }
    if (step(f, jury_settings, "/admin/stages/{id}/jury", path(f, "/admin/stages/%lld/jury", b),
             f->organiser, "places=140\nquorum=11\n") ||
        jury(f) ||
        step(f, sitting_open, "/admin/stages/{id}/sitting",
             path(f, "/admin/stages/%lld/sitting", b), f->organiser, "") ||
        step(f, sitting_presence, "/admin/stages/{id}/sitting/presence",
             path(f, "/admin/stages/%lld/sitting/presence", b), f->organiser, "present=13\n") ||
        step(f, sitting_start, "/admin/stages/{id}/sitting/start",
             path(f, "/admin/stages/%lld/sitting/start", b), f->organiser, "") ||
        step(f, read_candidates, NULL, NULL, 0, NULL))
        return -1;
    struct ballot_stage bs;
    if (store_ballot_stage(f->st, b, &bs) != RC_OK || !bs.sitting_id)
        return -1;
    f->sitting = bs.sitting_id;
    for (f->juror = 0; f->juror < PRESENT; f->juror++) {
        /* A juror's row records that they cast, never what (its digest covers no field). */
        if (step(f, ballot_cast, "/ballot/{stage}/cast", path(f, "/ballot/%lld/cast", b),
                 f->jury[f->juror].id, ""))
            return -1;
    }
    if (step(f, tally, "/admin/stages/{id}/tally", path(f, "/admin/stages/%lld/tally", b),
             f->organiser, "") ||
        step(f, propose, "/admin/stages/{id}/tiers/propose",
             path(f, "/admin/stages/%lld/tiers/propose", b), f->organiser, ""))
        return -1;
    return 0;
}

/* ------------------------------------------------------------ 公示 */

static const struct {
    const char *name, *contact, *reason, *answer;
} objections[3] = {
    {"刘建国", "liujianguo@example.com",
     "该案例的主要做法与本地区往届已获奖案例基本相同，不符合征集通知关于首次申报的要求。",
     "经组委会办公室核实，该案例主体内容与往届获奖案例重复，异议成立，撤销其获奖资格，"
     "按终评投票顺序递补。"},
    {"陈晓梅", "chenxiaomei@example.com", "该案例所列成效数据未注明来源，建议核实。",
     "经核实，案例所列数据均有区统计部门出具的证明材料，异议不成立。"},
    {"王志强", "wangzhiqiang@example.com", "案例申报单位名称与实际不一致。",
     "经核实，该单位于机构改革后更名，案例使用的是现名称，异议不成立。"},
};

static int notice_publish(struct fin *f)
{
    struct workdays cal;
    int start;
    if (workdays_own(&cal, "") != 0 || workdays_parse(NOTICE_STARTS, &start) != 0)
        return RC_ERROR;
    char from[11], to[11];
    workdays_format(workdays_first(&cal, start), from);
    workdays_format(workdays_end(&cal, start, NOTICE_DAYS), to);
    return tx_notice_publish(f->tx, f->stage[3], NOTICE_DAYS, from, to,
                             "对公示案例如有异议，请于公示期内在本页实名提出，并写明理由；"
                             "组委会办公室将逐一核实并答复。",
                             "");
}

/* The objected cases: the impostor, a best case of Shanghai, an excellent case elsewhere. */
static int pick_objected(struct fin *f)
{
    static const char sql[] =
        "SELECT a.case_id FROM award a JOIN tier t ON t.id = a.tier_id JOIN \"case\" c ON "
        "c.id = a.case_id WHERE a.campaign_id = ?1 AND t.slug = ?2 AND "
        "(c.region_code = '310000') = ?3 AND a.case_id <> ?4 ORDER BY a.ord LIMIT 1";
    f->obj[0] = f->impostor;
    for (int i = 1; i < 3; i++) {
        sqlite3_stmt *s = tx_prepare(f->tx, sql);
        if (!s)
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, f->campaign);
        sqlite3_bind_text(s, 2, i == 1 ? "best" : "excellent", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, i == 1);
        sqlite3_bind_int64(s, 4, f->impostor);
        f->obj[i] = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (!f->obj[i])
            return RC_ERROR;
    }
    return RC_OK;
}

/* Objection i: a code asked and verified, then filed, as on the public notice page. */
static int objection_file(struct fin *f, int i)
{
    char code[7], buf[128], hash[VOTER_HEX];
    voter_code(code);
    snprintf(buf, sizeof buf, "%s|%s", objections[i].contact, code);
    voter_sha256(buf, hash);
    char body[96];
    snprintf(body, sizeof body, "您的验证码是 %s，10分钟内有效。", code);
    long now = (long)time(NULL);
    int rc = tx_objection_code(f->tx, f->stage[3], objections[i].contact, hash,
                               "案例公示异议验证码", body, now);
    if (rc != RC_OK)
        return rc;
    struct objection_filing fl = {.stage_id = f->stage[3],
                                  .case_id = f->obj[i],
                                  .name = objections[i].name,
                                  .contact = objections[i].contact,
                                  .reason = objections[i].reason,
                                  .code_hash = hash,
                                  .now = now};
    rc = tx_objection_file(f->tx, &fl);
    return rc == RC_OK ? fl.outcome : rc;
}

static int file_k(struct fin *f)
{
    return objection_file(f, f->k);
}

/* The organiser's answer to objection i (upheld for the impostor, else rejected). */
static int objection_answer(struct fin *f, int i)
{
    static const char sql[] =
        "SELECT id FROM objection WHERE campaign_id = ?1 AND case_id = ?2 AND state = 'open'";
    sqlite3_stmt *s = tx_prepare(f->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->campaign);
    sqlite3_bind_int64(s, 2, f->obj[i]);
    int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (!id)
        return RC_NOTFOUND;
    snprintf(f->object, sizeof f->object, "/admin/stages/%lld/objections/%lld",
             (long long)f->stage[3], (long long)id);
    char body[512];
    snprintf(body, sizeof body, "%s\n%s", i == 0 ? "您提出的异议经核实成立。" : "您提出的异议经核实不成立。",
             objections[i].answer);
    return tx_objection_answer(f->tx, f->stage[3], id, i == 0, 0, objections[i].answer,
                               "案例公示异议答复", body);
}

static int answer_k(struct fin *f)
{
    return objection_answer(f, f->k);
}

static int notice_close(struct fin *f)
{
    return tx_notice_close(f->tx, f->stage[3]);
}

static int notice(struct fin *f)
{
    int64_t b = f->stage[3];
    static const int order[3] = {1, 0, 2}; /* as they came in */
    if (step(f, notice_publish, "/admin/stages/{id}/notice",
             path(f, "/admin/stages/%lld/notice", b), f->organiser,
             "days=5\nstarts_on=" NOTICE_STARTS "\n") ||
        step(f, pick_objected, NULL, NULL, 0, NULL))
        return -1;
    for (int i = 0; i < 3; i++) {
        f->k = order[i];
        if (step(f, file_k, "/notice/{stage}/objection", path(f, "/notice/%lld/objection", b), 0,
                 objections[f->k].reason))
            return -1;
    }
    for (int i = 0; i < 3; i++) {
        f->k = order[i];
        if (step(f, answer_k, "/admin/stages/{id}/objections/{oid}", f->object, f->organiser,
                 f->k == 0 ? "decision=uphold\ntier_id=0\n" : "decision=reject\n"))
            return -1;
    }
    return step(f, notice_close, "/admin/stages/{id}/notice/close",
                path(f, "/admin/stages/%lld/notice/close", b), f->organiser, "");
}

/* ------------------------------------------------------------ the run */

static int read_job(struct fin *f)
{
    return read_all(f);
}

int demo_finish2019(struct store *st, uint64_t seed, int64_t campaign_id,
                    const unsigned char *merit, int ncases, char *err, size_t errlen)
{
    struct fin f;
    memset(&f, 0, sizeof f);
    f.st = st;
    f.rng.s = seed ^ 0x32303139ULL; /* "2019" */
    f.campaign = campaign_id;
    f.ncases = ncases;
    f.merit = malloc((size_t)ncases + 1);
    f.region = calloc((size_t)ncases + 1, sizeof *f.region);
    f.unit = calloc((size_t)ncases + 1, sizeof *f.unit);
    int rc = -1;
    if (f.merit && f.region && f.unit) {
        memcpy(f.merit, merit, (size_t)ncases + 1);
        if (store_vote_secret(st, f.key) == 0 && step(&f, read_job, NULL, NULL, 0, NULL) == RC_OK) {
            pick_impostor(&f);
            double t0 = clock_ms();
            rc = f.impostor && reviews(&f) == 0 && ballot(&f) == 0 && notice(&f) == 0 ? 0 : -1;
            if (rc == 0)
                printf("laurel: campaign 2019 run to its results in %.2f s: reviews, %lld votes, "
                       "a ballot of %d jurors, tiers proposed, 公示 with 3 objections (1 upheld), "
                       "closed\n",
                       (clock_ms() - t0) / 1000, (long long)f.votes, PRESENT);
        }
    }
    if (rc != 0)
        snprintf(err, errlen, "demo 2019 results: %s", f.err[0] ? f.err : "failed");
    free(f.merit);
    free(f.region);
    free(f.unit);
    free(f.rev);
    free(f.cands);
    return rc;
}
