/*
 * votes.c — the demo's public vote: the 2020 edition's exhibition opened
 * for voting from twenty days ago to ten days ahead, and its votes cast
 * through the same store calls as a real voter's (a code asked, the code
 * verified, each vote checked against every limit by tx_vote_cast), with
 * their own times spread over the days so far.
 *
 * Each case gets a quarter of the votes edition.c made up for it (kept in
 * the stage's pool explanation as {"votes": N}, which then says the count
 * cast) from generated voters: most vote for
 * two to ten cases on one day, from their own network prefix, with a
 * random phone number or e-mail address.  On top, planted fraud that the
 * flags must find: a bought burst (three cases, 350 voters each within
 * minutes at night, each voting for that case alone) and a code-farming
 * run (60 consecutive numbers asked within forty minutes from six
 * prefixes, 50 of them verified, each voting for one target case and
 * three others).  The fraud rules then run once, so that the organiser's
 * review page lists the groups the flags found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "demo/votes.h"
#include "domain/fraud.h"
#include "domain/voter.h"
#include "store/sqlite_tx.h"
#include "store/votes.h"

/* The edition's made-up votes per case, divided by this, are cast one by one (the demo stays quick). */
#define VOTE_SHARE 4
#define DAYS_BEFORE 20
#define DAYS_AFTER 10
#define BURST_CASES 3
#define BURST_VOTERS 350
#define RUN_NUMBERS 60
#define RUN_VERIFIED 50

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

struct target {
    int64_t case_id;
    int votes;
};

struct job {
    struct rng rng;
    unsigned char key[VOTER_SECRET_BYTES];
    int64_t stage_id, now, opens_at; /* opens_at: 00:00 Beijing of the first day */
    struct target *targets;
    int ntargets;
    int64_t cast, refused, voters;
    struct store_tx *tx;
    char err[160];
};

/* Busy hours of a day (Beijing): evenings most, nights least. */
static int hour_of_day(struct rng *r)
{
    static const unsigned char weight[24] = {2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7,
                                             8, 7, 6, 6, 6, 7, 8, 10, 12, 12, 9, 5};
    int total = 0, pick;
    for (int h = 0; h < 24; h++)
        total += weight[h];
    pick = rnd(r, total);
    for (int h = 0; h < 24; h++)
        if ((pick -= weight[h]) < 0)
            return h;
    return 20;
}

/* A prefix of a mainland access network, as voter_net writes it. */
static void random_net(struct rng *r, char *out, size_t n)
{
    static const unsigned char first[] = {36,  39,  42,  58,  59,  60,  61,  101, 106, 110, 111,
                                          112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
                                          123, 124, 125, 180, 182, 183, 202, 210, 218, 220, 221,
                                          222, 223};
    snprintf(out, n, "%d.%d.%d.0/24", first[rnd(r, (int)sizeof first)], rnd(r, 256), rnd(r, 256));
}

/*
 * One voter's way through the store, as the web takes it: a code asked
 * at `at` from net, verified a minute later.  RC_OK with *voter_id.
 */
static int verify(struct job *j, enum voter_kind kind, const char *contact, const char *net,
                  int64_t at, int64_t *voter_id)
{
    char masked[VOTER_CONTACT_MAX + 8], hmac[VOTER_HEX], code[7], code_hash[VOTER_HEX];
    char block[VOTER_HEX], token[44], token_hash[VOTER_HEX];
    voter_mask(kind, contact, masked, sizeof masked);
    voter_hmac(j->key, kind, contact, hmac);
    voter_code(code);
    voter_digest(j->key, hmac, code, code_hash);
    struct vote_code_req q = {.stage_id = j->stage_id, .kind = kind, .masked = masked,
                              .hmac = hmac, .code_hash = code_hash, .net = net, .at = at};
    if (kind == VOTER_PHONE) {
        q.tail = voter_block(j->key, contact, block);
        q.block = block;
    }
    int rc = tx_vote_code(j->tx, &q);
    if (rc != RC_OK)
        return rc;
    voter_token(token);
    voter_sha256(token, token_hash);
    struct vote_verify v = {.stage_id = j->stage_id, .kind = kind, .hmac = hmac,
                            .masked = masked, .code_hash = code_hash, .token_hash = token_hash,
                            .outcome = RC_ERROR, .at = at + 60};
    if ((rc = tx_vote_verify(j->tx, &v)) != RC_OK)
        return rc;
    if (v.outcome != RC_OK)
        return RC_STATE;
    j->voters++;
    *voter_id = v.voter_id;
    return RC_OK;
}

/* One vote at `at` through the writer's checks; refusals (a limit) are counted, not errors. */
static int cast(struct job *j, int64_t voter_id, int64_t case_id, const char *net, int64_t at)
{
    static const char ua[] = "demo"; /* every demo vote's user-agent hash: SHA-256 of "demo" */
    static char ua_hash[VOTER_HEX];
    if (!ua_hash[0])
        voter_sha256(ua, ua_hash);
    struct vote_cast c = {.stage_id = j->stage_id, .case_id = case_id, .voter_id = voter_id,
                          .net = net, .ua_hash = ua_hash, .at = at};
    int rc = tx_vote_cast(j->tx, &c);
    if (rc == RC_OK)
        j->cast++;
    else if (rc != RC_ERROR)
        j->refused++;
    return rc == RC_ERROR ? RC_ERROR : RC_OK;
}

static void random_phone(struct rng *r, char out[12])
{
    static const char *const heads[] = {"133", "135", "136", "138", "139", "150", "151", "152",
                                        "158", "159", "177", "180", "186", "187", "188", "189"};
    snprintf(out, 12, "%s%08d", heads[rnd(r, 16)], rnd(r, 100000000));
}

static void random_email(struct rng *r, char *out, size_t n)
{
    static const char *const domains[] = {"qq.com", "163.com", "126.com", "sina.com",
                                          "foxmail.com"};
    snprintf(out, n, "v%08x@%s", (unsigned)next(r), domains[rnd(r, 5)]);
}

/* ------------------------------------------------------------ honest voters */

/* The bought burst's b-th case, and when its first voter verifies (see bought_burst). */
static int64_t burst_case(const struct job *j, int b)
{
    return j->targets[(b + 1) * j->ntargets / (BURST_CASES + 1)].case_id;
}

static int64_t burst_start(const struct job *j, int b)
{
    return j->opens_at + (int64_t)(5 + 4 * b) * 86400 + 2 * 3600 + 600;
}

/*
 * Whether an honest voter who verifies at `at` could have a vote counted in
 * a burst's window: the burst's own ten minutes, a window's length either
 * side and the voter's own few minutes of voting.  The demo keeps its honest
 * voters out of these hours, so that the flags hold the planted votes alone.
 */
static int near_burst(const struct job *j, int64_t at)
{
    const int64_t margin = 3600;
    for (int b = 0; b < BURST_CASES; b++)
        if (at > burst_start(j, b) - margin && at < burst_start(j, b) + 600 + margin)
            return 1;
    return 0;
}

static int honest(struct job *j)
{
    int64_t total = 0;
    for (int i = 0; i < j->ntargets; i++)
        total += j->targets[i].votes;
    int64_t *slot = malloc((size_t)(total ? total : 1) * sizeof *slot);
    if (!slot)
        return RC_ERROR;
    int64_t n = 0;
    for (int i = 0; i < j->ntargets; i++)
        for (int k = 0; k < j->targets[i].votes; k++)
            slot[n++] = j->targets[i].case_id;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t k = (int64_t)(next(&j->rng) % (uint64_t)(i + 1)), t = slot[i];
        slot[i] = slot[k], slot[k] = t;
    }
    int64_t days = (j->now - j->opens_at) / 86400 + 1;
    int rc = RC_OK;
    for (int64_t at_slot = 0; at_slot < n && rc == RC_OK;) {
        /* Most voters vote for two to ten cases; a few for one. */
        int k = rnd(&j->rng, 100) < 8 ? 1 : 2 + rnd(&j->rng, 9);
        char contact[64], net[VOTER_NET_MAX];
        enum voter_kind kind = rnd(&j->rng, 10) < 7 ? VOTER_PHONE : VOTER_EMAIL;
        if (kind == VOTER_PHONE)
            random_phone(&j->rng, contact);
        else
            random_email(&j->rng, contact, sizeof contact);
        random_net(&j->rng, net, sizeof net);
        int64_t at = j->opens_at + rnd(&j->rng, (int)days) * 86400 +
                     hour_of_day(&j->rng) * 3600 + rnd(&j->rng, 3600);
        if (at > j->now - 3600)
            at = j->now - 3600 - rnd(&j->rng, 86400);
        if (near_burst(j, at))
            at -= 3 * 3600;
        int64_t voter = 0;
        rc = verify(j, kind, contact, net, at, &voter);
        if (rc == RC_QUOTA || rc == RC_STATE || rc == RC_CLOSED) {
            j->refused++;
            rc = RC_OK;
            continue;
        }
        at += 90;
        for (int v = 0; v < k && at_slot < n && rc == RC_OK; v++, at_slot++) {
            at += 5 + rnd(&j->rng, 40);
            rc = cast(j, voter, slot[at_slot], net, at);
        }
    }
    free(slot);
    return rc;
}

/* ------------------------------------------------------------ planted fraud */

/* A bought burst: cases at 1/4, 2/4 and 3/4 of the list, 350 fresh voters each within minutes. */
static int bought_burst(struct job *j)
{
    int rc = RC_OK;
    for (int b = 0; b < BURST_CASES && rc == RC_OK; b++) {
        int64_t case_id = burst_case(j, b), start = burst_start(j, b);
        for (int v = 0; v < BURST_VOTERS && rc == RC_OK; v++) {
            char phone[12], net[VOTER_NET_MAX];
            random_phone(&j->rng, phone);
            /* Proxies: ten voters a prefix, so no one prefix stands out. */
            snprintf(net, sizeof net, "103.%d.%d.0/24", 40 + b, v / 10);
            int64_t at = start + v * 480 / BURST_VOTERS, voter = 0;
            rc = verify(j, VOTER_PHONE, phone, net, at, &voter);
            if (rc == RC_OK)
                rc = cast(j, voter, case_id, net, at + 70);
        }
    }
    return rc;
}

/* Code farming: 60 consecutive numbers, 50 verified, each voting for one target case and three others. */
static int code_farm(struct job *j)
{
    int64_t target = j->targets[j->ntargets / 3 + 7].case_id;
    int64_t start = j->opens_at + (int64_t)(DAYS_BEFORE - 3) * 86400 + 14 * 3600;
    int rc = RC_OK;
    for (int i = 0; i < RUN_NUMBERS && rc == RC_OK; i++) {
        char phone[12], net[VOTER_NET_MAX];
        snprintf(phone, sizeof phone, "1703456%04d", 2000 + i);
        snprintf(net, sizeof net, "175.9.%d.0/24", 12 + i % 6);
        int64_t at = start + i * 40, voter = 0;
        if (i % 6 == 5) {
            /* Asked, never verified: the code went nowhere the farm could read. */
            char masked[32], hmac[VOTER_HEX], code_hash[VOTER_HEX], block[VOTER_HEX];
            voter_mask(VOTER_PHONE, phone, masked, sizeof masked);
            voter_hmac(j->key, VOTER_PHONE, phone, hmac);
            voter_digest(j->key, hmac, "000000", code_hash);
            struct vote_code_req q = {.stage_id = j->stage_id, .kind = VOTER_PHONE,
                                      .masked = masked, .hmac = hmac, .code_hash = code_hash,
                                      .net = net, .at = at};
            q.tail = voter_block(j->key, phone, block);
            q.block = block;
            rc = tx_vote_code(j->tx, &q);
            continue;
        }
        if ((rc = verify(j, VOTER_PHONE, phone, net, at, &voter)) != RC_OK)
            break;
        rc = cast(j, voter, target, net, at + 80);
        for (int k = 0; k < 3 && rc == RC_OK; k++)
            rc = cast(j, voter, j->targets[rnd(&j->rng, j->ntargets)].case_id, net,
                      at + 100 + 20 * k);
    }
    return rc;
}

/* ------------------------------------------------------------ the job */

static int load_targets(struct job *j)
{
    static const char sql_stage[] =
        "SELECT s.id FROM stage s WHERE s.kind = 'exhibition' AND EXISTS "
        "(SELECT 1 FROM stage_case c WHERE c.stage_id = s.id) ORDER BY s.id DESC LIMIT 1";
    static const char sql_cases[] =
        "SELECT case_id, coalesce(json_extract(explanation, '$.votes'), 0) FROM stage_case "
        "WHERE stage_id = ?1 ORDER BY 2 DESC, case_id";
    sqlite3_stmt *s = tx_prepare(j->tx, sql_stage);
    if (!s || sqlite3_step(s) != SQLITE_ROW) {
        if (s)
            sqlite3_reset(s);
        snprintf(j->err, sizeof j->err, "no exhibition stage with cases");
        return RC_ERROR;
    }
    j->stage_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (!(s = tx_prepare(j->tx, sql_cases)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, j->stage_id);
    int cap = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (j->ntargets == cap) {
            cap = cap ? cap * 2 : 256;
            struct target *t = realloc(j->targets, (size_t)cap * sizeof *t);
            if (!t) {
                sqlite3_reset(s);
                return RC_ERROR;
            }
            j->targets = t;
        }
        j->targets[j->ntargets++] =
            (struct target){sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1) / VOTE_SHARE};
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return j->ntargets ? RC_OK : RC_ERROR;
}

/* The pool's explanations say the votes now cast, as the ranking will read them. */
static int carried(struct job *j)
{
    static const char sql[] =
        "UPDATE stage_case SET explanation = json_set(coalesce(explanation, '{}'), '$.votes', "
        "coalesce((SELECT votes FROM vote_total t WHERE t.stage_id = stage_case.stage_id AND "
        "t.case_id = stage_case.case_id), 0)) WHERE stage_id = ?1";
    sqlite3_stmt *s = tx_prepare(j->tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, j->stage_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? RC_OK : RC_ERROR;
}

static int vote_job(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    j->tx = tx;
    if (load_targets(j) != RC_OK)
        return RC_ERROR;
    struct vote_setting set = {.stage_id = j->stage_id, .per_case = 1, .per_day = 10,
                               .per_net = 50, .live = 1,
                               .flags = (struct fraud_limits)FRAUD_LIMITS_DEFAULT};
    snprintf(set.verify, sizeof set.verify, "both");
    voter_day(j->opens_at, set.opens_on);
    voter_day(j->now + DAYS_AFTER * 86400, set.closes_on);
    int rc = tx_vote_setting_put(tx, &set);
    if (rc == RC_OK)
        rc = honest(j);
    if (rc == RC_OK)
        rc = bought_burst(j);
    if (rc == RC_OK)
        rc = code_farm(j);
    if (rc == RC_OK)
        rc = carried(j);
    if (rc != RC_OK && !j->err[0])
        snprintf(j->err, sizeof j->err, "casting the exhibition's votes failed");
    return rc;
}

int demo_votes(struct store *st, uint64_t seed, char *err, size_t errlen)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.rng.s = seed ^ 0x766f746573ULL; /* "votes" */
    j.now = (int64_t)time(NULL);
    /* 00:00 Beijing time, DAYS_BEFORE days ago. */
    j.opens_at = ((j.now + 8 * 3600) / 86400 - DAYS_BEFORE) * 86400 - 8 * 3600;
    if (store_vote_secret(st, j.key) != 0) {
        snprintf(err, errlen, "demo votes: no voter secret");
        return -1;
    }
    double t0 = clock_ms();
    int rc = store_write_sync(st, vote_job, &j);
    double t1 = clock_ms();
    free(j.targets);
    if (rc != RC_OK) {
        snprintf(err, errlen, "demo votes: %s", j.err[0] ? j.err : "write error");
        return -1;
    }
    /* The flags, as the organiser's "check again" finds them. */
    struct vote_scan scan;
    struct fraud_result found;
    struct fraud_limits limits = FRAUD_LIMITS_DEFAULT;
    if (store_vote_scan(st, j.stage_id, &scan) != RC_OK) {
        snprintf(err, errlen, "demo votes: cannot read the votes back");
        return -1;
    }
    rc = fraud_find(&scan.in, &limits, &found) == 0 ? RC_OK : RC_ERROR;
    struct vote_flags_put put = {j.stage_id, &scan, &found, 0};
    if (rc == RC_OK)
        rc = store_write_sync(st, tx_vote_flags_put, &put);
    if (rc == RC_OK)
        fraud_result_free(&found);
    vote_scan_free(&scan);
    if (rc != RC_OK) {
        snprintf(err, errlen, "demo votes: the fraud flags failed");
        return -1;
    }
    printf("laurel: exhibition (stage %lld) open for voting: %lld votes cast by %lld voters "
           "(%lld refused by the limits) in %.2f s; %lld groups flagged in %.2f s\n",
           (long long)j.stage_id, (long long)j.cast, (long long)j.voters, (long long)j.refused,
           (t1 - t0) / 1000, (long long)put.flags, (clock_ms() - t1) / 1000);
    return 0;
}
