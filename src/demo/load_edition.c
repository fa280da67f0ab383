/*
 * load_edition.c — loading the demo's later edition, in review (see
 * load_edition.h).
 *
 * edition.c makes the edition up; this file writes it, inside one store
 * write (one job of the writer thread), through SQLite statements of its
 * own (store/sqlite_tx.h; not yet bulk.h's typed rows): the campaign
 * (status 'review', the 2019 call's text, tracks and tiers copied), its four
 * stages with their rules and criteria, generous regional quotas, the cases
 * with sections, tags, contacts, their path (case_event: submitted →
 * recommended → passed or rejected, the demo accounts as actors),
 * recommendations and screening decisions; the 200 experts (users with the
 * reviewer role and reviewer rows, one password hash for all); round 1's
 * pool, released assignments, submitted reviews with their scores and its
 * ranking; the exhibition's pool and votes; round 2's pool, assignments and
 * reviews as far as they have got.  Round 2 runs now: its dates and the
 * times of its reviews are relative to today, like the open edition's.
 */
#include "demo/load_edition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo/edition.h"
#include "demo/words.h"
#include "store/accounts.h"
#include "store/sqlite_tx.h"
#include "store/ranking.h"
#include "store/review.h"

#define CAMPAIGN_SLUG "2020"
#define CAMPAIGN_NAME "2020年全国城市基层党建创新案例征集评选"
#define R1_ASSIGNED_AT "2020-08-10T01:00:00Z"
#define R3_STARTED_DAYS 12 /* round 2 opened this many days ago ... */
#define R3_ENDS_DAYS 21    /* ... and closes this many days from today */

/* The stages: seq, name, kind, state, summary. */
static const struct {
    const char *name, *kind, *state, *summary;
} stages[4] = {
    {"初评", "review", "advanced",
     "通过形式审查的案例由专家网上盲评，每个案例由5位非本地区专家评审，去掉一个最高分和一个最低"
     "分后取平均分，前400名进入网上展示。"},
    {"网上展示", "exhibition", "advanced",
     "进入网上展示的400个案例在网上公开展示，接受公众浏览和投票。"},
    {"复评", "review", "released",
     "专家对400个案例进行复评，专家评分经标准化处理，与初评结果（30%）、网络投票（30%）加权，"
     "前130名进入终评。"},
    {"终评", "ballot", "setup", "评审委员会会议评审，投票产生最佳案例和优秀案例。"},
};

struct job {
    uint64_t seed;
    int ncases;
    const char *hash;
    struct demo_edition ed;
    int gen_rc;
    char err[256];

    struct store_tx *tx;
    int64_t finished, campaign;
    int64_t organiser, shanghai, expert;
    int64_t stage[4];
    int64_t crit[2][DEMO_ED_CRITERIA]; /* round 1 and round 2 */
    int64_t *expert_uid;               /* DEMO_ED_EXPERTS + 1 */
    int64_t track_ids[16];
    struct seen_titles {
        uint64_t *slot;
        size_t cap;
    } titles;
};

/* ---- Helpers ---------------------------------------------------------- */

static void bt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bid(sqlite3_stmt *s, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

/* Prepare a cached statement; NULL with the message kept. */
static sqlite3_stmt *prep(struct job *j, const char *sql)
{
    sqlite3_stmt *s = tx_prepare(j->tx, sql);
    if (!s)
        snprintf(j->err, sizeof j->err, "prepare: %s", sqlite3_errmsg(tx_db(j->tx)));
    return s;
}

/* Step a write; 0 or -1 with the message kept. */
static int run(struct job *j, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        snprintf(j->err, sizeof j->err, "%s", sqlite3_errmsg(tx_db(j->tx)));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The first column of a one-row query with one optional text parameter; 0 if none. */
static int64_t one(struct job *j, const char *sql, const char *arg)
{
    sqlite3_stmt *s = prep(j, sql);
    if (!s)
        return 0;
    if (arg)
        bt(s, 1, arg);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return v;
}

/* A day relative to today in China (UTC+8), "2025-01-31". */
static void day_from_now(int days, char out[16])
{
    time_t t = time(NULL) + 8 * 3600 + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* An instant `minutes` before now, "2025-01-31T08:15:00Z". */
static void minutes_ago(int minutes, char out[DEMO_ED_STAMP])
{
    time_t t = time(NULL) - (time_t)minutes * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, DEMO_ED_STAMP, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;
}

static void titles_add(struct seen_titles *t, uint64_t h)
{
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slot[i] && t->slot[i] != h)
        i = (i + 1) & (t->cap - 1);
    t->slot[i] = h;
}

/* demo_edition_generate's `taken`: a title of the 2019 demo. */
static int title_taken(void *ctx, const char *title)
{
    struct seen_titles *t = ctx;
    uint64_t h = fnv(title);
    for (size_t i = (size_t)h & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i] == h)
            return 1;
    }
    return 0;
}

static int load_titles(struct job *j)
{
    static const char sql[] = "SELECT title FROM \"case\"";
    static const char count[] = "SELECT count(*) FROM \"case\"";
    int64_t n = one(j, count, NULL);
    size_t cap = 1024;
    while (cap < (size_t)n * 2 + 16)
        cap *= 2;
    j->titles.slot = calloc(cap, sizeof *j->titles.slot);
    j->titles.cap = cap;
    sqlite3_stmt *s = prep(j, sql);
    if (!s || !j->titles.slot)
        return -1;
    while (sqlite3_step(s) == SQLITE_ROW)
        titles_add(&j->titles, fnv((const char *)sqlite3_column_text(s, 0)));
    sqlite3_reset(s);
    return 0;
}

/* ---- The campaign and its stages --------------------------------------- */

static int add_campaign(struct job *j)
{
    static const char ins[] =
        "INSERT INTO campaign (slug, name, theme, organisers, call_md, opens_at, closes_at, "
        "status) SELECT '" CAMPAIGN_SLUG "', '" CAMPAIGN_NAME "', theme, organisers, call_md, "
        "'2020-03-01', '2020-06-30', 'review' FROM campaign WHERE id = ?1";
    static const char tracks[] = "INSERT INTO track (campaign_id, slug, name) "
                                 "SELECT ?2, slug, name FROM track WHERE campaign_id = ?1 "
                                 "ORDER BY id";
    static const char tiers[] = "INSERT INTO tier (campaign_id, slug, name, quota, rank) "
                                "SELECT ?2, slug, name, quota, rank FROM tier "
                                "WHERE campaign_id = ?1 ORDER BY id";
    sqlite3_stmt *s = prep(j, ins);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, j->finished);
    if (run(j, s))
        return -1;
    j->campaign = sqlite3_last_insert_rowid(tx_db(j->tx));
    const char *copy[2] = {tracks, tiers};
    for (int i = 0; i < 2; i++) {
        if (!(s = prep(j, copy[i])))
            return -1;
        sqlite3_bind_int64(s, 1, j->finished);
        sqlite3_bind_int64(s, 2, j->campaign);
        if (run(j, s))
            return -1;
    }
    static const char track_id[] = "SELECT id FROM track WHERE campaign_id = ?1 AND slug = ?2";
    for (int i = 0; i < dw_ntracks && i < 16; i++) {
        if (!(s = prep(j, track_id)))
            return -1;
        sqlite3_bind_int64(s, 1, j->campaign);
        bt(s, 2, dw_tracks[i].slug);
        j->track_ids[i] = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (!j->track_ids[i])
            return -1;
    }
    /* Quotas: what each region recommended, and some room to spare. */
    static const char quota[] =
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (?1, ?2, ?3)";
    int per[DW_NREGIONS] = {0};
    for (int i = 0; i < j->ed.ncases; i++)
        per[j->ed.cases[i].region]++;
    for (int r = 0; r < DW_NREGIONS; r++) {
        if (!(s = prep(j, quota)))
            return -1;
        sqlite3_bind_int64(s, 1, j->campaign);
        bt(s, 2, dw_regions[r].code);
        sqlite3_bind_int(s, 3, per[r] + 5);
        if (run(j, s))
            return -1;
    }
    return 0;
}

static int64_t track_of(const struct job *j, const char *slug)
{
    for (int i = 0; i < dw_ntracks && i < 16; i++) {
        if (strcmp(dw_tracks[i].slug, slug) == 0)
            return j->track_ids[i];
    }
    return j->track_ids[0];
}

static int add_stages(struct job *j)
{
    static const char ins[] =
        "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at, summary, "
        "reviewers_per_case, blind, max_same_region, exclude_previous, aggregation, trim_k, "
        "trim_min, normalise, previous_weight, vote_weight, quorum, advance_rule, advance_n, "
        "state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 5, 1, 2, 0, 'trimmed', 1, 5, ?8, ?9, ?10, "
        "3, 'top', ?11, ?12)";
    static const char crit[] = "INSERT INTO criterion (stage_id, seq, name, description, "
                               "max_score, weight) VALUES (?1, ?2, ?3, ?4, ?5, 1)";
    char d[4][2][16];
    snprintf(d[0][0], 16, "2020-08-10");
    snprintf(d[0][1], 16, "2020-09-10");
    snprintf(d[1][0], 16, "2020-09-20");
    snprintf(d[1][1], 16, "2020-10-20");
    day_from_now(-R3_STARTED_DAYS, d[2][0]);
    day_from_now(R3_ENDS_DAYS, d[2][1]);
    day_from_now(R3_ENDS_DAYS + 20, d[3][0]);
    day_from_now(R3_ENDS_DAYS + 21, d[3][1]);
    static const int advance[4] = {DEMO_ED_ADVANCE1, DEMO_ED_ADVANCE1, DEMO_ED_ADVANCE3, 0};
    for (int i = 0; i < 4; i++) {
        sqlite3_stmt *s = prep(j, ins);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, j->campaign);
        sqlite3_bind_int(s, 2, i + 1);
        bt(s, 3, stages[i].name);
        bt(s, 4, stages[i].kind);
        bt(s, 5, d[i][0]);
        bt(s, 6, d[i][1]);
        bt(s, 7, stages[i].summary);
        sqlite3_bind_int(s, 8, i == 2);
        sqlite3_bind_double(s, 9, i == 2 ? 0.3 : 0);
        sqlite3_bind_double(s, 10, i == 2 ? 0.3 : 0);
        sqlite3_bind_int(s, 11, advance[i]);
        bt(s, 12, stages[i].state);
        if (run(j, s))
            return -1;
        j->stage[i] = sqlite3_last_insert_rowid(tx_db(j->tx));
    }
    for (int r = 0; r < 2; r++) {
        for (int k = 0; k < DEMO_ED_CRITERIA; k++) {
            sqlite3_stmt *s = prep(j, crit);
            if (!s)
                return -1;
            sqlite3_bind_int64(s, 1, j->stage[r ? 2 : 0]);
            sqlite3_bind_int(s, 2, k + 1);
            bt(s, 3, demo_ed_criteria[k][0]);
            bt(s, 4, demo_ed_criteria[k][1]);
            sqlite3_bind_double(s, 5, DEMO_ED_CRITERION_MAX);
            if (run(j, s))
                return -1;
            j->crit[r][k] = sqlite3_last_insert_rowid(tx_db(j->tx));
        }
    }
    return 0;
}

/* ---- Cases ------------------------------------------------------------ */

static int add_event(struct job *j, int64_t case_id, const char *at, int64_t user, const char *from,
                     const char *to, const char *reason)
{
    static const char sql[] = "INSERT INTO case_event (case_id, at, user_id, from_status, "
                              "to_status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *s = prep(j, sql);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, case_id);
    bt(s, 2, at);
    bid(s, 3, user);
    bt(s, 4, from);
    bt(s, 5, to);
    bt(s, 6, reason);
    return run(j, s);
}

static int add_case(struct job *j, const struct demo_ed_case *c)
{
    static const char ins[] =
        "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title, summary, "
        "status, submitted_at, contact_name, contact_phone, contact_email, tags_text, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    static const char section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, ?3)";
    static const char tag[] = "INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) "
                              "DO UPDATE SET name = name RETURNING id";
    static const char case_tag[] =
        "INSERT OR IGNORE INTO case_tag (case_id, tag_id) VALUES (?1, ?2)";
    static const char reco[] = "INSERT INTO recommendation (case_id, campaign_id, region_code, "
                               "user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)";
    static const char screen[] = "INSERT INTO screening (case_id, decision, checklist, reason, "
                                 "user_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    const char *status = c->passed ? "passed" : "rejected";
    sqlite3_stmt *s = prep(j, ins);
    if (!s)
        return -1;
    sqlite3_bind_int(s, 1, c->id);
    sqlite3_bind_int64(s, 2, j->campaign);
    sqlite3_bind_int(s, 3, c->unit_id);
    bt(s, 4, c->region_code);
    sqlite3_bind_int64(s, 5, track_of(j, c->track_slug));
    bt(s, 6, c->title);
    bt(s, 7, c->summary);
    bt(s, 8, status);
    bt(s, 9, c->submitted_at);
    bt(s, 10, c->contact_name);
    bt(s, 11, c->contact_phone);
    bt(s, 12, c->contact_email);
    bt(s, 13, c->tags_text);
    bt(s, 14, c->screened_at);
    if (run(j, s))
        return -1;
    for (int k = 0; k < DEMO_SECTIONS; k++) {
        if (!(s = prep(j, section)))
            return -1;
        sqlite3_bind_int(s, 1, c->id);
        sqlite3_bind_int(s, 2, k + 1);
        bt(s, 3, c->sections[k]);
        if (run(j, s))
            return -1;
    }
    for (int k = 0; k < c->ntags; k++) {
        if (!(s = prep(j, tag)))
            return -1;
        bt(s, 1, c->tags[k]);
        int64_t tid = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (!tid || !(s = prep(j, case_tag)))
            return -1;
        sqlite3_bind_int(s, 1, c->id);
        sqlite3_bind_int64(s, 2, tid);
        if (run(j, s))
            return -1;
    }
    /* Shanghai's cases are recommended by the demo recommender; the others by the organiser. */
    int64_t recommender = strcmp(c->region_code, "310000") == 0 ? j->shanghai : j->organiser;
    if (add_event(j, c->id, c->submitted_at, 0, "draft", "submitted", "") ||
        add_event(j, c->id, c->recommended_at, recommender, "submitted", "recommended", "") ||
        add_event(j, c->id, c->screened_at, j->organiser, "recommended", status, c->reason))
        return -1;
    if (!(s = prep(j, reco)))
        return -1;
    sqlite3_bind_int(s, 1, c->id);
    sqlite3_bind_int64(s, 2, j->campaign);
    bt(s, 3, c->region_code);
    sqlite3_bind_int64(s, 4, recommender);
    bt(s, 5, c->recommended_at);
    if (run(j, s))
        return -1;
    if (!(s = prep(j, screen)))
        return -1;
    sqlite3_bind_int(s, 1, c->id);
    bt(s, 2, status);
    bt(s, 3, c->checklist);
    bt(s, 4, c->reason);
    sqlite3_bind_int64(s, 5, j->organiser);
    bt(s, 6, c->screened_at);
    return run(j, s);
}

/* ---- Experts ---------------------------------------------------------- */

static int add_reviewer(struct job *j, int64_t uid, const char *region, int unit,
                        const char *expertise, int max_load)
{
    static const char sql[] = "INSERT OR REPLACE INTO reviewer (user_id, region_code, unit_id, "
                              "expertise, max_load) VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s = prep(j, sql);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, uid);
    bt(s, 2, region);
    bid(s, 3, unit);
    bt(s, 4, expertise);
    sqlite3_bind_int(s, 5, max_load);
    return run(j, s);
}

static int add_experts(struct job *j)
{
    j->expert_uid = calloc(DEMO_ED_EXPERTS + 1, sizeof *j->expert_uid);
    if (!j->expert_uid)
        return -1;
    for (int e = 0; e < j->ed.nexperts; e++) {
        const struct demo_ed_expert *x = &j->ed.experts[e];
        int64_t uid;
        if (tx_user_add(j->tx, x->email, x->name, j->hash, &uid) != RC_OK ||
            tx_user_role(j->tx, uid, ROLE_REVIEWER, NULL, 0, 0) != RC_OK) {
            snprintf(j->err, sizeof j->err, "expert %s: %s", x->email,
                     sqlite3_errmsg(tx_db(j->tx)));
            return -1;
        }
        if (add_reviewer(j, uid, dw_regions[x->region].code, x->unit_id, x->expertise_text,
                         x->max_load))
            return -1;
        j->expert_uid[e] = uid;
    }
    j->expert_uid[DEMO_ED_DEMO_EXPERT] = j->expert;
    return add_reviewer(j, j->expert, NULL, 0, "党建引领|社区治理|城市更新", 20);
}

/* ---- Rounds ----------------------------------------------------------- */

/* A pool row; e (or NULL) is its ranking's entry, whose flags the organiser's table counts. */
static int add_pool_row(struct job *j, int64_t stage, int case_id, const double *score, int rank,
                        int advanced, int borderline, const char *explanation,
                        const struct rank_entry *e)
{
    static const char sql[] = "INSERT INTO stage_case (stage_id, case_id, score, rank, advanced, "
                              "borderline, explanation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    static const char sql_flag[] = "INSERT INTO stage_case_flag (stage_id, case_id, proposed, "
                                   "below_quorum) VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *s = prep(j, sql);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, stage);
    sqlite3_bind_int(s, 2, case_id);
    if (score)
        sqlite3_bind_double(s, 3, *score);
    if (rank > 0)
        sqlite3_bind_int(s, 4, rank);
    sqlite3_bind_int(s, 5, advanced);
    sqlite3_bind_int(s, 6, borderline);
    bt(s, 7, explanation);
    if (run(j, s))
        return -1;
    if (!e)
        return 0;
    if (!(s = prep(j, sql_flag)))
        return -1;
    sqlite3_bind_int64(s, 1, stage);
    sqlite3_bind_int(s, 2, case_id);
    sqlite3_bind_int(s, 3, e->advanced);
    sqlite3_bind_int(s, 4, e->below_quorum);
    return run(j, s);
}

/* The assignments (released) and reviews of a round: round 0 (初评) or 1 (复评). */
static int add_reviews(struct job *j, int round, const struct demo_ed_review *rv, int n)
{
    static const char assign[] = "INSERT INTO assignment (stage_id, case_id, user_id, state, at) "
                                 "VALUES (?1, ?2, ?3, 'released', ?4)";
    static const char review[] =
        "INSERT INTO review (stage_id, case_id, user_id, status, comment, total, updated_at, "
        "submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    static const char score[] = "INSERT INTO review_score (stage_id, case_id, user_id, "
                                "criterion_id, score) VALUES (?1, ?2, ?3, ?4, ?5)";
    int64_t stage = j->stage[round ? 2 : 0];
    char assigned_at[DEMO_ED_STAMP];
    if (round)
        minutes_ago(R3_STARTED_DAYS * 24 * 60, assigned_at);
    else
        snprintf(assigned_at, sizeof assigned_at, "%s", R1_ASSIGNED_AT);
    for (int i = 0; i < n; i++) {
        const struct demo_ed_review *v = &rv[i];
        int case_id = j->ed.cases[v->kase].id;
        int64_t uid = j->expert_uid[v->expert];
        sqlite3_stmt *s = prep(j, assign);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, stage);
        sqlite3_bind_int(s, 2, case_id);
        sqlite3_bind_int64(s, 3, uid);
        bt(s, 4, assigned_at);
        if (run(j, s))
            return -1;
        if (v->status == DEMO_ED_NONE)
            continue;
        char at[DEMO_ED_STAMP];
        if (round)
            minutes_ago(v->minutes_ago, at);
        else
            snprintf(at, sizeof at, "%s", v->at);
        int submitted = v->status == DEMO_ED_SUBMITTED;
        if (!(s = prep(j, review)))
            return -1;
        sqlite3_bind_int64(s, 1, stage);
        sqlite3_bind_int(s, 2, case_id);
        sqlite3_bind_int64(s, 3, uid);
        bt(s, 4, submitted ? "submitted" : "draft");
        bt(s, 5, submitted ? v->comment : "");
        sqlite3_bind_double(s, 6, v->total);
        bt(s, 7, at);
        bt(s, 8, submitted ? at : NULL);
        if (run(j, s))
            return -1;
        for (int k = 0; k < DEMO_ED_CRITERIA; k++) {
            if (!(s = prep(j, score)))
                return -1;
            sqlite3_bind_int64(s, 1, stage);
            sqlite3_bind_int(s, 2, case_id);
            sqlite3_bind_int64(s, 3, uid);
            sqlite3_bind_int64(s, 4, j->crit[round][k]);
            sqlite3_bind_double(s, 5, v->scores[k]);
            if (run(j, s))
                return -1;
        }
    }
    return 0;
}

static int add_rounds(struct job *j)
{
    const struct demo_edition *ed = &j->ed;
    /* Round 1: pool, results, assignments, reviews. */
    /* The explanations as a ranking writes them (store/ranking.h): round 1 has no earlier
     * stage and no votes, and ranks on raw scores. */
    struct ranking_explain ex = {.rule = "trimmed",
                                 .raw = &ed->rank1,
                                 .nor = &ed->rank1n,
                                 .used = &ed->rank1,
                                 .reviewer_ids = j->expert_uid};
    for (int i = 0; i < ed->npool1; i++) {
        const struct rank_entry *e = &ed->rank1.entries[i];
        char *x = ranking_explain(&ex, i);
        int rc = x ? add_pool_row(j, j->stage[0], e->id, &e->blended, e->rank, e->advanced,
                                  e->borderline, x, e)
                   : -1;
        free(x);
        if (rc)
            return -1;
    }
    if (add_reviews(j, 0, ed->r1, ed->nr1))
        return -1;
    /* The exhibition: round 1's advanced cases, their standing carried; the votes are cast
     * afterwards through the vote path (votes.c), to the numbers kept here. */
    for (int i = 0; i < ed->npool3; i++) {
        int id = ed->cases[ed->pool3[i]].id;
        const struct rank_entry *e = NULL;
        for (int k = 0; k < ed->npool1 && !e; k++) {
            if (ed->rank1.entries[k].id == id)
                e = &ed->rank1.entries[k];
        }
        char x[96];
        snprintf(x, sizeof x, "{\"votes\":%d,\"carried_from_stage\":1}", ed->votes[i]);
        if (add_pool_row(j, j->stage[1], id, e ? &e->blended : NULL, i + 1, 1, 0, x, NULL))
            return -1;
        /* Round 2's pool: the same cases, not yet scored. */
        if (add_pool_row(j, j->stage[2], id, NULL, 0, 0, 0, NULL, NULL))
            return -1;
    }
    return add_reviews(j, 1, ed->r3, ed->nr3);
}

/* ---- The job ---------------------------------------------------------- */

static int review_job(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    j->tx = tx;
    static const char finished[] =
        "SELECT id FROM campaign WHERE status = 'published' ORDER BY id LIMIT 1";
    static const char user[] = "SELECT id FROM user WHERE email = ?1";
    static const char max_id[] = "SELECT coalesce(max(id), 0) FROM \"case\"";
    j->finished = one(j, finished, NULL);
    j->organiser = one(j, user, "organiser@demo.laurel");
    j->shanghai = one(j, user, "shanghai@demo.laurel");
    j->expert = one(j, user, "expert@demo.laurel");
    if (!j->finished || !j->organiser || !j->shanghai || !j->expert) {
        snprintf(j->err, sizeof j->err, "the 2019 demo or its accounts are missing");
        return RC_ERROR;
    }
    int first_id = (int)one(j, max_id, NULL) + 1;
    if (load_titles(j))
        return RC_ERROR;
    j->gen_rc =
        demo_edition_generate(j->seed, j->ncases, first_id, title_taken, &j->titles, &j->ed);
    if (j->gen_rc) {
        snprintf(j->err, sizeof j->err, "cannot generate the edition (%d)", j->gen_rc);
        return RC_ERROR;
    }
    if (add_campaign(j) || add_stages(j))
        return RC_ERROR;
    for (int i = 0; i < j->ed.ncases; i++) {
        if (add_case(j, &j->ed.cases[i]))
            return RC_ERROR;
    }
    /* Its rounds are written released: their labels numbered as a release numbers them. */
    if (add_experts(j) || add_rounds(j) || tx_review_label_released(tx) != RC_OK)
        return RC_ERROR;
    /* The demo's own expert and Shanghai's recommender serve this edition too. */
    if (tx_campaign_role(j->tx, j->campaign, j->expert, ROLE_REVIEWER, NULL) != RC_OK ||
        tx_campaign_role(j->tx, j->campaign, j->shanghai, ROLE_RECOMMENDER, "310000") != RC_OK)
        return RC_ERROR;
    return RC_OK;
}

int demo_load_edition(struct store *st, uint64_t seed, int ncases, const char *hash, char *err,
                      size_t errlen)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.seed = seed;
    j.ncases = ncases;
    j.hash = hash;
    int rc = store_write_sync(st, review_job, &j);
    if (rc != RC_OK)
        snprintf(err, errlen, "demo review edition: %s", j.err[0] ? j.err : "write error");
    demo_edition_free(&j.ed);
    free(j.titles.slot);
    free(j.expert_uid);
    return rc == RC_OK ? 0 : -1;
}
