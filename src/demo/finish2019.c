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
 *     cases in the pool (a load test's filler past DEMO_FULL_CASES aside),
 *     assignments proposed and released, three experts of another region
 *     a case, scores that follow the merit with noise; the system's ranking
 *     and advancement (rank_run_rank, rank_run_advance: the top 400);
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
 * reviewers' and jurors' choices are deterministic.  The review rounds are
 * in finish_rounds.c, the ballot and the notice in finish_ballot.c.
 */
#include "demo/finish2019.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "demo/finish_int.h"
#include "store/accounts.h"
#include "store/audit.h"
#include "store/votes.h"

/* ------------------------------------------------------------ steps */

struct step {
    struct fin *f;
    int (*fn)(struct fin *f);
    struct audit_entry e;
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

int finish_step(struct fin *f, int (*fn)(struct fin *), const char *what, const char *object,
                int64_t who, const char *form)
{
    struct step s = {.f = f, .fn = fn, .audited = what != NULL};
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

char *finish_path(const char *fmt, int64_t id)
{
    static char buf[4][96];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 96, fmt, (long long)id);
    return b;
}

int finish_run(struct fin *f, sqlite3_stmt *s)
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

/* The experts served the 2019 campaign: their reviewer role bound to it (roles are per campaign).
 */
static int bind_experts(struct fin *f)
{
    for (int i = 0; i < f->nrev; i++) {
        int rc = tx_campaign_role(f->tx, f->campaign, f->rev[i].id, ROLE_REVIEWER, NULL);
        if (rc != RC_OK && rc != RC_EXISTS)
            return rc;
    }
    return RC_OK;
}

/* The impostor: the first case of no merit outside Shanghai. */
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

int finish_conflicted(const struct fin *f, const struct person *p, int64_t id)
{
    return strcmp(p->region, f->region[id]) == 0 || (p->unit && p->unit == f->unit[id]);
}

/* ------------------------------------------------------------ the run */

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
        if (store_vote_secret(st, f.key) == 0 &&
            finish_step(&f, read_all, NULL, NULL, 0, NULL) == RC_OK &&
            finish_step(&f, bind_experts, NULL, NULL, 0, NULL) == RC_OK) {
            pick_impostor(&f);
            double t0 = clock_ms();
            if (f.impostor && finish_reviews(&f) == 0 && finish_ballot(&f) == 0 &&
                finish_notice(&f) == 0) {
                rc = 0;
                printf("laurel: campaign 2019 run to its results in %.2f s: reviews, %lld votes, "
                       "a ballot of %d jurors, tiers proposed, 公示 with 3 objections (1 upheld), "
                       "closed\n",
                       (clock_ms() - t0) / 1000, (long long)f.votes, PRESENT);
            }
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
