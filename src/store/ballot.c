/*
 * ballot.c — a ballot stage's jury, sittings, ballots and tally in the
 * store; see ballot.h and 007_ballot.sql.  Written over the driver (db.h):
 * it runs on SQLite and on PostgreSQL.
 *
 * No statement here joins ballot_cast with ballot or ballot_approval: who
 * has cast and what was cast are read apart, and the tally counts
 * approvals by case only.
 */
#include <stdlib.h>
#include <string.h>

#include "store/ballot.h"
#include "store/store_int.h"

/* Juror (user id expression) in 回避 for case c: same region, same unit, or a conflict row. */
#define CONFLICTED(uid)                                                                        \
    "(EXISTS (SELECT 1 FROM reviewer r WHERE r.user_id = " uid                                 \
    " AND (r.region_code = c.region_code OR r.unit_id = c.unit_id)) OR EXISTS (SELECT 1 FROM " \
    "conflict k WHERE k.case_id = c.id AND k.user_id = " uid "))"

/* A tallied case's share of approvals among the jurors who could judge it (NULL before). */
#define SHARE "sc.approvals * 1.0 / CASE WHEN sc.eligible < 1 THEN 1 ELSE sc.eligible END"

/* The stage before the sitting's stage t.stage_id: its results are the ballot's references. */
#define PREVIOUS_STAGE                                                                         \
    "(SELECT q.id FROM stage s JOIN stage q ON q.campaign_id = s.campaign_id AND q.seq < s.seq " \
    "WHERE s.id = t.stage_id ORDER BY q.seq DESC LIMIT 1)"

static const char *const sitting_states[] = {"", "open", "voting", "tallied"};

static enum sitting_state sitting_parse(const char *s)
{
    for (int i = 1; i < 4; i++)
        if (strcmp(s, sitting_states[i]) == 0)
            return (enum sitting_state)i;
    return SITTING_NONE;
}

/* ------------------------------------------------------------ reads */

static const char SQL_STAGE[] =
    "SELECT s.ballot_places, s.jury_quorum, "
    "(SELECT count(*) FROM stage_case WHERE stage_id = s.id), "
    "(SELECT count(*) FROM juror WHERE stage_id = s.id), "
    "(SELECT count(*) FROM juror WHERE stage_id = s.id AND present <> 0) "
    "FROM stage s WHERE s.id = ?1";
static const char SQL_SITTING[] =
    "SELECT t.id, t.round, t.places, t.state, "
    "(SELECT count(*) FROM ballot_cast WHERE sitting_id = t.id), "
    "(SELECT count(*) FROM sitting_case WHERE sitting_id = t.id AND runoff <> 0) "
    "FROM sitting t WHERE t.stage_id = ?1 ORDER BY t.round DESC LIMIT 1";

static int read_stage(struct db_stmt *a, struct db_stmt *b, int64_t stage_id,
                      struct ballot_stage *out)
{
    db_bind_int64(a, 1, stage_id);
    if (db_step(a) == DB_ROW) {
        out->places = (int)db_column_int64(a, 0);
        out->quorum = (int)db_column_int64(a, 1);
        out->pool = (int)db_column_int64(a, 2);
        out->jurors = (int)db_column_int64(a, 3);
        out->present = (int)db_column_int64(a, 4);
    }
    db_reset(a);
    db_bind_int64(b, 1, stage_id);
    if (db_step(b) == DB_ROW) {
        out->sitting_id = db_column_int64(b, 0);
        out->round = (int)db_column_int64(b, 1);
        out->sitting_places = (int)db_column_int64(b, 2);
        out->sitting_state = sitting_parse(db_text(b, 3));
        out->cast = (int)db_column_int64(b, 4);
        int runoff = (int)db_column_int64(b, 5);
        out->runoff_proposed = out->sitting_state == SITTING_TALLIED && runoff > 0;
        out->final = out->sitting_state == SITTING_TALLIED && runoff == 0;
    }
    db_reset(b);
    return RC_OK;
}

int store_ballot_stage(struct store *st, int64_t stage_id, struct ballot_stage *out)
{
    memset(out, 0, sizeof *out);
    int rc = store_review_stage(st, stage_id, &out->base);
    if (rc != RC_OK)
        return rc;
    if (out->base.kind != STAGE_KIND_BALLOT)
        return RC_NOTFOUND;
    struct db_stmt *a = store_stmt(st, SQL_STAGE), *b = store_stmt(st, SQL_SITTING);
    if (!a || !b)
        return RC_ERROR;
    return read_stage(a, b, stage_id, out);
}

json_t *store_ballot_jurors(struct store *st, int64_t stage_id, int64_t sitting_id)
{
    static const char sql[] =
        "SELECT j.user_id, u.name, u.email, coalesce(g.name, ''), coalesce(n.name, ''), j.present, "
        "EXISTS (SELECT 1 FROM ballot_cast b WHERE b.sitting_id = ?2 AND b.user_id = j.user_id) "
        "FROM juror j JOIN \"user\" u ON u.id = j.user_id "
        "LEFT JOIN reviewer r ON r.user_id = j.user_id "
        "LEFT JOIN region g ON g.code = r.region_code LEFT JOIN unit n ON n.id = r.unit_id "
        "WHERE j.stage_id = ?1 ORDER BY u.name, j.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, sitting_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:b,s:b}", "user_id",
                                           (json_int_t)db_column_int64(s, 0), "name",
                                           db_jtext(s, 1), "email", db_jtext(s, 2), "region_name",
                                           db_jtext(s, 3), "unit_name", db_jtext(s, 4), "present",
                                           (int)db_column_int64(s, 5), "cast",
                                           (int)db_column_int64(s, 6)));
    db_reset(s);
    return a;
}

json_t *store_ballot_juror_candidates(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT r.user_id, u.name, coalesce(g.name, '') FROM reviewer r JOIN \"user\" u ON u.id = "
        "r.user_id LEFT JOIN region g ON g.code = r.region_code "
        "WHERE r.active <> 0 AND u.disabled = 0 "
        "AND " REVIEWS_IN("r.user_id", "(SELECT campaign_id FROM stage WHERE id = ?1)") " "
        "AND NOT EXISTS (SELECT 1 FROM juror j WHERE j.stage_id = ?1 AND j.user_id = r.user_id) "
        "ORDER BY u.name, r.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "user_id",
                                           (json_int_t)db_column_int64(s, 0), "name",
                                           db_jtext(s, 1), "region_name", db_jtext(s, 2)));
    db_reset(s);
    return a;
}

json_t *store_ballot_stages_of(struct store *st, int64_t user_id)
{
    static const char sql[] =
        "SELECT s.id, s.name, m.name FROM juror j JOIN stage s ON s.id = j.stage_id "
        "JOIN campaign m ON m.id = s.campaign_id WHERE j.user_id = ?1 "
        "AND " REVIEWS_IN("j.user_id", "s.campaign_id") " ORDER BY s.id DESC";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, user_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "stage_id",
                                           (json_int_t)db_column_int64(s, 0), "name",
                                           db_jtext(s, 1), "campaign", db_jtext(s, 2)));
    db_reset(s);
    return a;
}

int store_ballot_is_juror(struct store *st, int64_t stage_id, int64_t user_id, int *present)
{
    /* A juror of a campaign's stage who no longer reviews in that campaign is none. */
    static const char sql[] =
        "SELECT j.present FROM juror j JOIN stage s ON s.id = j.stage_id "
        "WHERE j.stage_id = ?1 AND j.user_id = ?2 AND " REVIEWS_IN("j.user_id", "s.campaign_id");
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    int rc = db_step(s), on = rc == DB_ROW;
    if (present)
        *present = on && (int)db_column_int64(s, 0);
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? on : -1;
}

int store_ballot_has_cast(struct store *st, int64_t sitting_id, int64_t user_id)
{
    static const char sql[] = "SELECT 1 FROM ballot_cast WHERE sitting_id = ?1 AND user_id = ?2";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, sitting_id);
    db_bind_int64(s, 2, user_id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

json_t *store_ballot_paper(struct store *st, int64_t sitting_id, int64_t user_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, g.name, n.name, p.score, p.rank, "
        "(SELECT count(*) FROM review v WHERE v.stage_id = p.stage_id AND v.case_id = c.id "
        " AND v.status = 'submitted'), " CONFLICTED("?2") ", "
        "EXISTS (SELECT 1 FROM ballot_draft d WHERE d.sitting_id = t.id AND d.user_id = ?2 "
        " AND d.case_id = c.id) "
        "FROM sitting t JOIN sitting_case sc ON sc.sitting_id = t.id "
        "JOIN \"case\" c ON c.id = sc.case_id JOIN region g ON g.code = c.region_code "
        "JOIN unit n ON n.id = c.unit_id "
        "LEFT JOIN stage_case p ON p.case_id = c.id AND p.stage_id = " PREVIOUS_STAGE " "
        "WHERE t.id = ?1 ORDER BY p.rank IS NULL, p.rank, c.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, sitting_id);
    db_bind_int64(s, 2, user_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:i,s:b,s:b}", "case_id",
                              (json_int_t)db_column_int64(s, 0), "title", db_jtext(s, 1),
                              "region_name", db_jtext(s, 2), "unit_name", db_jtext(s, 3),
                              "reviews", (int)db_column_int64(s, 6), "conflict",
                              (int)db_column_int64(s, 7), "approved", (int)db_column_int64(s, 8));
        json_object_set_new(o, "score", db_jreal(s, 4));
        json_object_set_new(o, "rank", db_jint(s, 5));
        json_array_append_new(a, o);
    }
    db_reset(s);
    return a;
}

json_t *store_ballot_results(struct store *st, int64_t sitting_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, g.name, n.name, p.rank, sc.approvals, sc.eligible, sc.passed, "
        "sc.elected, sc.runoff, sc.ord "
        "FROM sitting t JOIN sitting_case sc ON sc.sitting_id = t.id "
        "JOIN \"case\" c ON c.id = sc.case_id JOIN region g ON g.code = c.region_code "
        "JOIN unit n ON n.id = c.unit_id "
        "LEFT JOIN stage_case p ON p.case_id = c.id AND p.stage_id = " PREVIOUS_STAGE " "
        "WHERE t.id = ?1 ORDER BY sc.ord IS NULL, sc.ord = 0, sc.ord, (" SHARE ") IS NULL, "
        SHARE " DESC, p.rank IS NULL, p.rank, c.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, sitting_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *o = json_pack(
            "{s:I,s:o,s:o,s:o,s:b,s:b,s:b,s:i}", "case_id", (json_int_t)db_column_int64(s, 0),
            "title", db_jtext(s, 1), "region_name", db_jtext(s, 2), "unit_name", db_jtext(s, 3),
            "passed", (int)db_column_int64(s, 7), "elected", (int)db_column_int64(s, 8), "runoff",
            (int)db_column_int64(s, 9), "ord", (int)db_column_int64(s, 10));
        json_object_set_new(o, "prior_rank", db_jint(s, 4));
        json_object_set_new(o, "approvals", db_jint(s, 5));
        json_object_set_new(o, "eligible", db_jint(s, 6));
        json_array_append_new(a, o);
    }
    db_reset(s);
    return a;
}

json_t *store_ballot_sittings(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT t.id, t.round, t.places, t.state, t.present, "
        "(SELECT count(*) FROM ballot b WHERE b.sitting_id = t.id), "
        "(SELECT count(*) FROM sitting_case sc WHERE sc.sitting_id = t.id AND sc.elected <> 0), "
        "(SELECT count(*) FROM sitting_case sc WHERE sc.sitting_id = t.id AND sc.runoff <> 0), "
        "(SELECT count(*) FROM sitting_case sc WHERE sc.sitting_id = t.id) "
        "FROM sitting t WHERE t.stage_id = ?1 ORDER BY t.round";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:i,s:i,s:o,s:i,s:i,s:i,s:i,s:i}", "id",
                         (json_int_t)db_column_int64(s, 0), "round", (int)db_column_int64(s, 1),
                         "places", (int)db_column_int64(s, 2), "state", db_jtext(s, 3), "present",
                         (int)db_column_int64(s, 4), "ballots", (int)db_column_int64(s, 5),
                         "elected", (int)db_column_int64(s, 6), "runoff",
                         (int)db_column_int64(s, 7), "candidates", (int)db_column_int64(s, 8)));
    db_reset(s);
    return a;
}

json_t *store_ballot_receipt(struct store *st, const char *digest)
{
    static const char head[] =
        "SELECT s.name, t.round, t.state, t.id FROM ballot b JOIN sitting t ON t.id = b.sitting_id "
        "JOIN stage s ON s.id = t.stage_id WHERE b.receipt = ?1";
    static const char items[] =
        "SELECT c.id, c.title FROM ballot_approval a JOIN \"case\" c ON c.id = a.case_id "
        "WHERE a.sitting_id = ?1 AND a.receipt = ?2 ORDER BY c.id";
    struct db_stmt *s = store_stmt(st, head);
    if (!s)
        return NULL;
    db_bind_text(s, 1, digest, -1);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    int64_t sitting = db_column_int64(s, 3);
    json_t *o = json_pack("{s:o,s:i,s:o,s:b}", "stage", db_jtext(s, 0), "round",
                          (int)db_column_int64(s, 1), "state", db_jtext(s, 2), "counted",
                          strcmp(db_text(s, 2), "tallied") == 0);
    db_reset(s);
    json_t *a = json_array();
    struct db_stmt *q = store_stmt(st, items);
    if (q) {
        db_bind_int64(q, 1, sitting);
        db_bind_text(q, 2, digest, -1);
        while (db_step(q) == DB_ROW)
            json_array_append_new(a, json_pack("{s:I,s:o}", "case_id",
                                               (json_int_t)db_column_int64(q, 0), "title",
                                               db_jtext(q, 1)));
        db_reset(q);
    }
    json_object_set_new(o, "approvals", a);
    return o;
}

/*
 * Approvals by case (through ballot_approval_case) and the jurors who may
 * judge each: present, less those in 回避 for it (the present jurors' home
 * regions and units read once, then compared with each case).
 */
static const char SQL_TALLY_INPUT[] =
    "WITH t AS (SELECT id, stage_id, present FROM sitting WHERE id = ?1), "
    "jr AS MATERIALIZED (SELECT j.user_id, r.region_code, r.unit_id FROM t JOIN juror j ON "
    " j.stage_id = t.stage_id AND j.present <> 0 LEFT JOIN reviewer r ON r.user_id = j.user_id), "
    "prev AS (SELECT " PREVIOUS_STAGE " AS id FROM t) "
    "SELECT sc.case_id, "
    "(SELECT count(*) FROM ballot_approval a WHERE a.sitting_id = t.id AND a.case_id = c.id), "
    "t.present - (SELECT count(*) FROM jr WHERE jr.region_code = c.region_code OR jr.unit_id = "
    " c.unit_id OR EXISTS (SELECT 1 FROM conflict k WHERE k.case_id = c.id AND k.user_id = "
    " jr.user_id)), coalesce(p.rank, 0) "
    "FROM t JOIN sitting_case sc ON sc.sitting_id = t.id "
    "JOIN \"case\" c ON c.id = sc.case_id "
    "LEFT JOIN stage_case p ON p.case_id = c.id AND p.stage_id = (SELECT id FROM prev)";

static int read_tally_input(struct db_stmt *s, int64_t sitting_id, struct tally_case **out, int *n)
{
    size_t cap = 64, k = 0;
    struct tally_case *c = malloc(cap * sizeof *c);
    if (!c)
        return RC_ERROR;
    db_bind_int64(s, 1, sitting_id);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (k == cap) {
            struct tally_case *g = realloc(c, 2 * cap * sizeof *c);
            if (!g) {
                free(c);
                db_reset(s);
                return RC_ERROR;
            }
            c = g;
            cap *= 2;
        }
        memset(&c[k], 0, sizeof c[k]);
        c[k].case_id = db_column_int64(s, 0);
        c[k].approvals = (int)db_column_int64(s, 1);
        c[k].eligible = (int)db_column_int64(s, 2);
        c[k].prior_rank = (int)db_column_int64(s, 3);
        k++;
    }
    db_reset(s);
    if (rc != DB_DONE || k > TALLY_MAX) {
        free(c);
        return RC_ERROR;
    }
    *out = c;
    *n = (int)k;
    return RC_OK;
}

int store_ballot_tally_input(struct store *st, int64_t sitting_id, struct tally_case **out, int *n)
{
    struct db_stmt *s = store_stmt(st, SQL_TALLY_INPUT);
    return s ? read_tally_input(s, sitting_id, out, n) : RC_ERROR;
}

/* ------------------------------------------------------------ writes */

/* The current sitting of a stage inside a write: its id, places and state. */
static int tx_current(struct store_tx *tx, int64_t stage_id, struct ballot_stage *b)
{
    memset(b, 0, sizeof *b);
    struct db_stmt *a = tx_stmt(tx, SQL_STAGE), *s = tx_stmt(tx, SQL_SITTING);
    static const char kind[] = "SELECT kind FROM stage WHERE id = ?1";
    struct db_stmt *k = tx_stmt(tx, kind);
    if (!a || !s || !k)
        return RC_ERROR;
    db_bind_int64(k, 1, stage_id);
    int ok = db_step(k) == DB_ROW && strcmp(db_text(k, 0), "ballot") == 0;
    db_reset(k);
    if (!ok)
        return RC_NOTFOUND;
    return read_stage(a, s, stage_id, b);
}

/* The jury and the settings change only before the first sitting votes. */
static int before_voting(const struct ballot_stage *b)
{
    return b->sitting_id == 0 || (b->round == 1 && b->sitting_state == SITTING_OPEN);
}

int tx_ballot_settings(struct store_tx *tx, int64_t stage_id, int places, int quorum)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (!before_voting(&b))
        return RC_STATE;
    static const char sql[] = "UPDATE stage SET ballot_places = ?2, jury_quorum = ?3 WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, places);
    db_bind_int64(s, 3, quorum);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    /* An open first sitting takes the new number of places. */
    static const char upd[] = "UPDATE sitting SET places = ?2 WHERE stage_id = ?1 AND round = 1";
    s = tx_stmt(tx, upd);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, places);
    return db_run(s);
}

int tx_juror_add(struct store_tx *tx, int64_t stage_id, int64_t user_id)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (!before_voting(&b))
        return RC_STATE;
    /* The jury is drawn from the campaign's own expert pool. */
    static const char pool[] =
        "SELECT 1 FROM reviewer WHERE user_id = ?1 AND active <> 0 AND "
        REVIEWS_IN("?1", "(SELECT campaign_id FROM stage WHERE id = ?2)");
    struct db_stmt *s = tx_stmt(tx, pool);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_int64(s, 2, stage_id);
    int found = db_step(s) == DB_ROW;
    db_reset(s);
    if (!found)
        return RC_INVALID;
    static const char sql[] = "INSERT INTO juror (stage_id, user_id) VALUES (?1, ?2) "
                              "ON CONFLICT (stage_id, user_id) DO NOTHING";
    s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    return db_run_changed(s, RC_EXISTS);
}

int tx_juror_remove(struct store_tx *tx, int64_t stage_id, int64_t user_id)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (!before_voting(&b))
        return RC_STATE;
    static const char sql[] = "DELETE FROM juror WHERE stage_id = ?1 AND user_id = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    return db_run_changed(s, RC_NOTFOUND);
}

int tx_sitting_open(struct store_tx *tx, int64_t stage_id, int runoff)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    int places;
    if (runoff) {
        if (!b.runoff_proposed)
            return RC_STATE;
        static const char left[] =
            "SELECT t.places - (SELECT count(*) FROM sitting_case WHERE sitting_id = t.id AND "
            "elected <> 0) FROM sitting t WHERE t.id = ?1";
        struct db_stmt *s = tx_stmt(tx, left);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, b.sitting_id);
        places = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : 0;
        db_reset(s);
    } else {
        if (b.sitting_id)
            return RC_STATE;
        if (b.places <= 0 || b.pool == 0)
            return RC_INVALID;
        places = b.places;
    }
    static const char ins[] = "INSERT INTO sitting (stage_id, round, places, opened_at) "
                              "VALUES (?1, ?2, ?3, ?4) RETURNING id";
    struct db_stmt *s = tx_stmt(tx, ins);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, b.round + 1);
    db_bind_int64(s, 3, places);
    db_bind_text(s, 4, now, -1);
    int64_t id;
    if ((rc = db_run_id(s, &id)) != RC_OK)
        return rc;
    static const char first[] =
        "INSERT INTO sitting_case (sitting_id, case_id) SELECT ?1, case_id FROM stage_case "
        "WHERE stage_id = ?2";
    static const char again[] =
        "INSERT INTO sitting_case (sitting_id, case_id) SELECT ?1, case_id FROM sitting_case "
        "WHERE sitting_id = ?2 AND runoff <> 0";
    s = tx_stmt(tx, runoff ? again : first);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, runoff ? b.sitting_id : stage_id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if ((rc = tx_run_id(tx, "UPDATE juror SET present = 0 WHERE stage_id = ?1", stage_id)) != RC_OK)
        return rc;
    /* The pool is fixed once the ballot has begun (stage.h: filled only in setup). */
    return tx_run_id(tx, "UPDATE stage SET state = 'released' WHERE id = ?1 AND state IN "
                          "('setup','proposed')", stage_id);
}

int tx_sitting_presence(struct store_tx *tx, int64_t stage_id, const int64_t *user_ids, int n)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (b.sitting_state != SITTING_OPEN)
        return RC_STATE;
    if ((rc = tx_run_id(tx, "UPDATE juror SET present = 0 WHERE stage_id = ?1", stage_id)) != RC_OK)
        return rc;
    static const char sql[] = "UPDATE juror SET present = 1 WHERE stage_id = ?1 AND user_id = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    for (int i = 0; i < n; i++) {
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, user_ids[i]);
        if ((rc = db_run_changed(s, RC_INVALID)) != RC_OK)
            return rc;
    }
    return RC_OK;
}

int tx_sitting_start(struct store_tx *tx, int64_t stage_id)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (b.sitting_state != SITTING_OPEN)
        return RC_STATE;
    if (b.present < b.quorum || b.present == 0)
        return RC_QUOTA;
    static const char sql[] =
        "UPDATE sitting SET state = 'voting', present = ?2 WHERE id = ?1 AND state = 'open'";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, b.sitting_id);
    db_bind_int64(s, 2, b.present);
    return db_run_changed(s, RC_STATE);
}

/* The rules of a ballot: the sitting votes, the juror is present and has not cast, the choice fits. */
static int check_ballot(struct store_tx *tx, int64_t sitting_id, int64_t user_id,
                        const int64_t *case_ids, int n)
{
    static const char sql[] =
        "SELECT t.state, t.places, j.present, EXISTS (SELECT 1 FROM ballot_cast b WHERE "
        "b.sitting_id = t.id AND b.user_id = ?2) FROM sitting t "
        "LEFT JOIN juror j ON j.stage_id = t.stage_id AND j.user_id = ?2 WHERE t.id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, sitting_id);
    db_bind_int64(s, 2, user_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_NOTFOUND;
    }
    int voting = strcmp(db_text(s, 0), "voting") == 0, places = (int)db_column_int64(s, 1);
    int present = (int)db_column_int64(s, 2), cast = (int)db_column_int64(s, 3);
    db_reset(s);
    if (cast)
        return RC_EXISTS;
    if (!voting || !present)
        return RC_STATE;
    if (n > places)
        return RC_QUOTA;
    static const char ok[] =
        "SELECT NOT " CONFLICTED("?3") " FROM sitting_case sc JOIN \"case\" c ON c.id = "
        "sc.case_id WHERE sc.sitting_id = ?1 AND sc.case_id = ?2";
    s = tx_stmt(tx, ok);
    if (!s)
        return RC_ERROR;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i; k++)
            if (case_ids[k] == case_ids[i])
                return RC_INVALID;
        db_bind_int64(s, 1, sitting_id);
        db_bind_int64(s, 2, case_ids[i]);
        db_bind_int64(s, 3, user_id);
        int fine = db_step(s) == DB_ROW && (int)db_column_int64(s, 0);
        db_reset(s);
        if (!fine)
            return RC_INVALID;
    }
    return RC_OK;
}

static int drop_draft(struct store_tx *tx, int64_t sitting_id, int64_t user_id)
{
    static const char sql[] = "DELETE FROM ballot_draft WHERE sitting_id = ?1 AND user_id = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, sitting_id);
    db_bind_int64(s, 2, user_id);
    return db_run(s);
}

int tx_ballot_save(struct store_tx *tx, int64_t sitting_id, int64_t user_id,
                   const int64_t *case_ids, int n)
{
    int rc = check_ballot(tx, sitting_id, user_id, case_ids, n);
    if (rc != RC_OK || (rc = drop_draft(tx, sitting_id, user_id)) != RC_OK)
        return rc;
    static const char sql[] =
        "INSERT INTO ballot_draft (sitting_id, user_id, case_id) VALUES (?1, ?2, ?3)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    for (int i = 0; i < n; i++) {
        db_bind_int64(s, 1, sitting_id);
        db_bind_int64(s, 2, user_id);
        db_bind_int64(s, 3, case_ids[i]);
        if ((rc = db_run(s)) != RC_OK)
            return rc;
    }
    return RC_OK;
}

int tx_ballot_cast(struct store_tx *tx, int64_t sitting_id, int64_t user_id,
                   const int64_t *case_ids, int n, const char *receipt_digest)
{
    int rc = check_ballot(tx, sitting_id, user_id, case_ids, n);
    if (rc != RC_OK || (rc = drop_draft(tx, sitting_id, user_id)) != RC_OK)
        return rc;
    static const char who[] = "INSERT INTO ballot_cast (sitting_id, user_id) VALUES (?1, ?2)";
    static const char what[] = "INSERT INTO ballot (sitting_id, receipt) VALUES (?1, ?2)";
    static const char item[] =
        "INSERT INTO ballot_approval (sitting_id, receipt, case_id) VALUES (?1, ?2, ?3)";
    struct db_stmt *s = tx_stmt(tx, who);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, sitting_id);
    db_bind_int64(s, 2, user_id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, what)))
        return RC_ERROR;
    db_bind_int64(s, 1, sitting_id);
    db_bind_text(s, 2, receipt_digest, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, item)))
        return RC_ERROR;
    for (int i = 0; i < n; i++) {
        db_bind_int64(s, 1, sitting_id);
        db_bind_text(s, 2, receipt_digest, -1);
        db_bind_int64(s, 3, case_ids[i]);
        if ((rc = db_run(s)) != RC_OK)
            return rc;
    }
    return RC_OK;
}

/* The stage's result once no runoff is left: the elected of every round, in order. */
static int store_final(struct store_tx *tx, int64_t stage_id)
{
    int rc = tx_run_id(tx, "UPDATE stage_case SET advanced = 0, rank = NULL WHERE stage_id = ?1",
                        stage_id);
    if (rc != RC_OK)
        return rc;
    static const char list[] =
        "SELECT sc.case_id, " SHARE " FROM sitting t "
        "JOIN sitting_case sc ON sc.sitting_id = t.id WHERE t.stage_id = ?1 AND sc.elected <> 0 "
        "ORDER BY t.round, sc.ord";
    static const char upd[] =
        "UPDATE stage_case SET advanced = 1, rank = ?3, score = ?4 WHERE stage_id = ?1 AND "
        "case_id = ?2";
    struct db_stmt *s = tx_stmt(tx, list);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int64_t *ids = NULL;
    double *shares = NULL;
    size_t n = 0, cap = 0;
    while (db_step(s) == DB_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *gi = realloc(ids, cap * sizeof *ids);
            double *gs = gi ? realloc(shares, cap * sizeof *shares) : NULL;
            if (gi)
                ids = gi;
            if (!gi || !gs) {
                db_reset(s);
                free(ids);
                return RC_ERROR;
            }
            shares = gs;
        }
        ids[n] = db_column_int64(s, 0);
        shares[n++] = db_column_double(s, 1);
    }
    db_reset(s);
    rc = RC_OK;
    struct db_stmt *u = tx_stmt(tx, upd);
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        if (!u) {
            rc = RC_ERROR;
            break;
        }
        db_bind_int64(u, 1, stage_id);
        db_bind_int64(u, 2, ids[i]);
        db_bind_int64(u, 3, (int)i + 1);
        db_bind_double(u, 4, shares[i]);
        rc = db_run(u);
    }
    free(ids);
    free(shares);
    if (rc != RC_OK)
        return rc;
    return tx_run_id(tx, "UPDATE stage SET state = 'ranked' WHERE id = ?1", stage_id);
}

int tx_ballot_tally(struct store_tx *tx, int64_t stage_id, struct tally_outcome *out)
{
    struct ballot_stage b;
    int rc = tx_current(tx, stage_id, &b);
    if (rc != RC_OK)
        return rc;
    if (b.sitting_state != SITTING_VOTING)
        return RC_STATE;
    if (b.present < b.quorum || b.present == 0)
        return RC_QUOTA;
    static const char waiting[] =
        "SELECT count(*) FROM juror j WHERE j.stage_id = ?1 AND j.present <> 0 AND NOT EXISTS "
        "(SELECT 1 FROM ballot_cast b WHERE b.sitting_id = ?2 AND b.user_id = j.user_id)";
    struct db_stmt *s = tx_stmt(tx, waiting);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, b.sitting_id);
    int left = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : -1;
    db_reset(s);
    if (left != 0)
        return left < 0 ? RC_ERROR : RC_STATE;
    struct tally_case *c;
    int n;
    if (!(s = tx_stmt(tx, SQL_TALLY_INPUT)) ||
        (rc = read_tally_input(s, b.sitting_id, &c, &n)) != RC_OK)
        return RC_ERROR;
    tally_run(c, n, b.sitting_places, out);
    static const char upd[] =
        "UPDATE sitting_case SET approvals = ?3, eligible = ?4, ord = ?5, passed = ?6, "
        "elected = ?7, runoff = ?8 WHERE sitting_id = ?1 AND case_id = ?2";
    s = tx_stmt(tx, upd);
    for (int i = 0; s && rc == RC_OK && i < n; i++) {
        db_bind_int64(s, 1, b.sitting_id);
        db_bind_int64(s, 2, c[i].case_id);
        db_bind_int64(s, 3, c[i].approvals);
        db_bind_int64(s, 4, c[i].eligible);
        db_bind_int64(s, 5, c[i].order);
        db_bind_int64(s, 6, c[i].passed);
        db_bind_int64(s, 7, c[i].elected);
        db_bind_int64(s, 8, c[i].runoff);
        rc = db_run(s);
    }
    free(c);
    if (!s || rc != RC_OK)
        return RC_ERROR;
    static const char done[] =
        "UPDATE sitting SET state = 'tallied', tallied_at = ?2 WHERE id = ?1";
    char now[STORE_NOW_LEN];
    store_now(now);
    if (!(s = tx_stmt(tx, done)))
        return RC_ERROR;
    db_bind_int64(s, 1, b.sitting_id);
    db_bind_text(s, 2, now, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    return out->runoff ? RC_OK : store_final(tx, stage_id);
}
