/*
 * scoring.c — the reviewer's side of a review round in the store; see
 * scoring.h.  Written over the driver (db.h): it runs on SQLite and on
 * PostgreSQL.
 *
 * What a reviewer may open is one SQL condition, CAN_OPEN, used by every
 * read and re-checked inside every write, so a conflict declared or added
 * a moment ago, a role taken away for the campaign or an assignment
 * dropped takes effect on the next request.  A stage closed, ranked or
 * advanced stays readable; only a released stage before its end takes
 * writes (OPEN).  Labels are row numbers over the stage's pool (its
 * stage_case rows and every case ever assigned in it) ordered by a
 * multiplicative scrambling of (case, stage).
 *
 * Whether a stage takes scores now is reckoned against two texts made in
 * C and bound (bind_clock): the day in China Standard Time, for an end
 * given as a date, and the UTC time as 2020-02-04 08:00:00, for an end
 * given with its time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/scoring.h"
#include "store/store_int.h"

/* Over assignment a, stage s, case c: the assignment's reviewer may open the case. */
#define CAN_OPEN                                                                                   \
    "a.state = 'released' AND s.state IN ('released','closed','ranked','advanced') "               \
    "AND s.kind = 'review' AND s.campaign_id = " REVIEW_CAMPAIGN " "                               \
    "AND " REVIEWS_IN("a.user_id", "s.campaign_id") " "                                            \
    "AND NOT EXISTS (SELECT 1 FROM conflict f WHERE f.case_id = a.case_id "                        \
    "                AND f.user_id = a.user_id) "                                                  \
    "AND NOT EXISTS (SELECT 1 FROM reviewer v WHERE v.user_id = a.user_id "                        \
    "                AND (v.region_code = c.region_code OR v.unit_id = c.unit_id))"

/*
 * Over stage s, with parameters day and now bound by bind_clock: scores are
 * taken now (a date-only ends_at is the last day, in CST; a time is read
 * as UTC, 2020-02-04T08:00:00Z or 2020-02-04 08:00:00).
 */
#define OPEN(day, now)                                                                             \
    "(s.state = 'released' AND CASE WHEN length(s.ends_at) <= 10 "                                 \
    " THEN " day " <= s.ends_at "                                                                  \
    " ELSE " now " < replace(substr(s.ends_at, 1, 19), 'T', ' ') END)"

/*
 * Bind what OPEN compares at parameters i and i + 1: today in China
 * Standard Time (2020-02-04), and the UTC time now (2020-02-04 08:00:00).
 */
static void bind_clock(struct db_stmt *s, int i)
{
    char day[STORE_NOW_LEN], now[STORE_NOW_LEN];
    int64_t t = (int64_t)time(NULL);
    store_time(day, t + 8 * 3600);
    day[10] = 0;
    store_time(now, t);
    now[10] = ' ';
    now[19] = 0;
    db_bind_text(s, i, day, -1);
    db_bind_text(s, i + 1, now, -1);
}

/* A case's label is its number in stage_label, numbered at the release (review.c). */
static const char SQL_ASSIGNMENTS[] =
    "SELECT s.id, s.seq, s.name, s.blind, s.ends_at, " OPEN("?2", "?3") ", c.id, p.no, c.title, "
    "coalesce(r.status, ''), r.total "
    "FROM assignment a JOIN stage s ON s.id = a.stage_id "
    "JOIN \"case\" c ON c.id = a.case_id "
    "JOIN stage_label p ON p.stage_id = a.stage_id AND p.case_id = a.case_id "
    "LEFT JOIN review r ON r.stage_id = a.stage_id AND r.case_id = a.case_id AND r.user_id = ?1 "
    "WHERE a.user_id = ?1 AND " CAN_OPEN " "
    "ORDER BY s.seq, p.no";

json_t *store_scoring_assignments(struct store *st, int64_t user_id)
{
    struct db_stmt *s = store_stmt(st, SQL_ASSIGNMENTS);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, user_id);
    bind_clock(s, 2);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:i,s:o,s:b,s:o,s:b,s:I,s:i,s:o,s:o,s:o}", "stage_id",
                         (json_int_t)db_column_int64(s, 0), "stage_seq",
                         (int)db_column_int64(s, 1), "stage_name", db_jtext(s, 2), "blind",
                         (int)db_column_int64(s, 3), "ends_at", db_jtext(s, 4), "open",
                         (int)db_column_int64(s, 5), "case_id", (json_int_t)db_column_int64(s, 6),
                         "label_no", (int)db_column_int64(s, 7), "title", db_jtext(s, 8),
                         "status", db_jtext(s, 9), "total", db_jreal(s, 10)));
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static const char SQL_FIND[] =
    "SELECT s.id, c.id, s.seq, p.no, s.blind, " OPEN("?4", "?5") ", s.name, s.ends_at, s.state "
    "FROM stage s JOIN stage_label p ON p.stage_id = s.id AND p.no = ?3 "
    "JOIN assignment a ON a.stage_id = p.stage_id AND a.case_id = p.case_id AND a.user_id = ?1 "
    "JOIN \"case\" c ON c.id = p.case_id "
    "WHERE s.seq = ?2 AND " CAN_OPEN;

int store_scoring_find(struct store *st, int64_t user_id, int stage_seq, int label_no,
                       struct store_scoring_ref *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *s = store_stmt(st, SQL_FIND);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_int64(s, 2, stage_seq);
    db_bind_int64(s, 3, label_no);
    bind_clock(s, 4);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    out->stage_id = db_column_int64(s, 0);
    out->case_id = db_column_int64(s, 1);
    out->stage_seq = (int)db_column_int64(s, 2);
    out->label_no = (int)db_column_int64(s, 3);
    out->blind = (int)db_column_int64(s, 4);
    out->open = (int)db_column_int64(s, 5);
    db_copy_text(out->stage_name, sizeof out->stage_name, s, 6);
    db_copy_text(out->ends_at, sizeof out->ends_at, s, 7);
    db_copy_text(out->stage_state, sizeof out->stage_state, s, 8);
    out->done = strcmp(out->stage_state, "released") != 0;
    db_reset(s);
    return RC_OK;
}

static const char SQL_CASE[] =
    "SELECT c.title, c.summary, coalesce(t.name, ''), c.tags_text FROM \"case\" c "
    "LEFT JOIN track t ON t.id = c.track_id WHERE c.id = ?1";
static const char SQL_SECTIONS[] =
    "SELECT seq, body_md FROM case_section WHERE case_id = ?1 ORDER BY seq";
static const char SQL_TAGS[] =
    "SELECT t.name FROM case_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.case_id = ?1 "
    "ORDER BY t.name";
static const char SQL_ATTACHMENTS[] =
    "SELECT mime, size FROM attachment WHERE case_id = ?1 ORDER BY id";

json_t *store_scoring_case(struct store *st, int64_t case_id)
{
    struct db_stmt *s = store_stmt(st, SQL_CASE);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *c = json_pack("{s:o,s:o,s:o,s:o}", "title", db_jtext(s, 0), "summary", db_jtext(s, 1),
                          "track", db_jtext(s, 2), "tags_text", db_jtext(s, 3));
    db_reset(s);

    json_t *a = json_array();
    if ((s = store_stmt(st, SQL_SECTIONS))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(a, json_pack("{s:i,s:o}", "seq", (int)db_column_int64(s, 0),
                                               "body_md", db_jtext(s, 1)));
        db_reset(s);
    }
    json_object_set_new(c, "sections", a);

    a = json_array();
    if ((s = store_stmt(st, SQL_TAGS))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(a, db_jtext(s, 0));
        db_reset(s);
    }
    json_object_set_new(c, "tags", a);

    a = json_array();
    if ((s = store_stmt(st, SQL_ATTACHMENTS))) {
        db_bind_int64(s, 1, case_id);
        int n = 0;
        while (db_step(s) == DB_ROW)
            json_array_append_new(a, json_pack("{s:i,s:o,s:I}", "n", ++n, "mime", db_jtext(s, 0),
                                               "size", (json_int_t)db_column_int64(s, 1)));
        db_reset(s);
    }
    json_object_set_new(c, "attachments", a);
    return c;
}

static const char SQL_IDENTITY[] =
    "SELECT u.name, coalesce(g.name, ''), coalesce(g.source, ''), c.contact_name, "
    "c.contact_phone, c.contact_email, coalesce(cu.name, ''), coalesce(cu.email, ''), "
    "coalesce(ru.name, ''), coalesce(ru.email, ''), coalesce(ug.name, ''), "
    "coalesce(ug.source, '') "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "LEFT JOIN region g ON g.code = c.region_code "
    "LEFT JOIN region ug ON ug.code = u.region_code "
    "LEFT JOIN \"user\" cu ON cu.id = c.created_by "
    "LEFT JOIN recommendation rc ON rc.case_id = c.id "
    "LEFT JOIN \"user\" ru ON ru.id = rc.user_id "
    "WHERE c.id = ?1";
static const char SQL_ANCESTORS[] =
    "WITH RECURSIVE anc(id, parent, name, depth) AS ("
    " SELECT p.id, p.parent_id, p.name, 0 FROM unit p "
    "  WHERE p.id = (SELECT u.parent_id FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "                WHERE c.id = ?1) "
    " UNION ALL SELECT p.id, p.parent_id, p.name, depth + 1 FROM unit p "
    "  JOIN anc ON p.id = anc.parent WHERE depth < 16) "
    "SELECT name FROM anc ORDER BY depth";
/* The people behind the case's unit: its submitters' accounts. */
static const char SQL_UNIT_PEOPLE[] =
    "SELECT us.name, us.email FROM user_role r JOIN \"user\" us ON us.id = r.user_id "
    "WHERE r.role = 'submitter' AND r.unit_id = (SELECT unit_id FROM \"case\" WHERE id = ?1)";

json_t *store_scoring_identity(struct store *st, int64_t case_id)
{
    struct db_stmt *s = store_stmt(st, SQL_IDENTITY);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *people = json_array();
    for (int col = 6; col <= 9; col++)
        json_array_append_new(people, db_jtext(s, col));
    json_t *o =
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "unit", db_jtext(s, 0), "region", db_jtext(s, 1),
                  "recommender", db_jtext(s, 2), "contact_name", db_jtext(s, 3), "contact_phone",
                  db_jtext(s, 4), "contact_email", db_jtext(s, 5));
    json_t *regions = json_pack("[o,o]", db_jtext(s, 10), db_jtext(s, 11));
    db_reset(s);

    json_t *anc = json_array();
    if ((s = store_stmt(st, SQL_ANCESTORS))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(anc, db_jtext(s, 0));
        db_reset(s);
    }
    /* The unit's own region, should it differ from the case's, names the case too. */
    json_array_extend(anc, regions);
    json_decref(regions);
    if ((s = store_stmt(st, SQL_UNIT_PEOPLE))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW) {
            json_array_append_new(people, db_jtext(s, 0));
            json_array_append_new(people, db_jtext(s, 1));
        }
        db_reset(s);
    }
    json_object_set_new(o, "ancestors", anc);
    json_object_set_new(o, "people", people);
    return o;
}

static const char SQL_ATTACHMENT_N[] =
    "SELECT sha256, mime FROM attachment WHERE case_id = ?1 ORDER BY id LIMIT 1 OFFSET ?2";

int store_scoring_attachment(struct store *st, int64_t case_id, int n, char sha256[65],
                             char mime[128])
{
    if (n < 1)
        return RC_NOTFOUND;
    struct db_stmt *s = store_stmt(st, SQL_ATTACHMENT_N);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, n - 1);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    db_copy_text(sha256, 65, s, 0);
    db_copy_text(mime, 128, s, 1);
    db_reset(s);
    return RC_OK;
}

static const char SQL_REVIEW[] =
    "SELECT status, comment, total, updated_at, coalesce(submitted_at, '') FROM review "
    "WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
static const char SQL_SCORES[] = "SELECT criterion_id, score FROM review_score "
                                 "WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";

static void bind_key(struct db_stmt *s, int64_t stage_id, int64_t case_id, int64_t user_id)
{
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, user_id);
}

json_t *store_scoring_review(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id)
{
    struct db_stmt *s = store_stmt(st, SQL_REVIEW);
    if (!s)
        return NULL;
    bind_key(s, stage_id, case_id, user_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o}", "status", db_jtext(s, 0), "comment",
                          db_jtext(s, 1), "total", db_jreal(s, 2), "updated_at",
                          db_jtext(s, 3), "submitted_at", db_jtext(s, 4));
    db_reset(s);
    json_t *scores = json_object();
    if ((s = store_stmt(st, SQL_SCORES))) {
        bind_key(s, stage_id, case_id, user_id);
        while (db_step(s) == DB_ROW) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)db_column_int64(s, 0));
            json_object_set_new(scores, key, json_real(db_column_double(s, 1)));
        }
        db_reset(s);
    }
    json_object_set_new(o, "scores", scores);
    return o;
}

/* Inside a write: RC_GONE, RC_CLOSED (past the stage's release, or past its end when need_open) or RC_OK. */
static int tx_check(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t user_id,
                    int need_open)
{
    static const char sql[] =
        "SELECT " OPEN("?4", "?5") ", s.state = 'released' FROM assignment a "
        "JOIN stage s ON s.id = a.stage_id JOIN \"case\" c ON c.id = a.case_id "
        "WHERE a.stage_id = ?1 AND a.case_id = ?2 AND a.user_id = ?3 AND " CAN_OPEN;
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    bind_key(s, stage_id, case_id, user_id);
    bind_clock(s, 4);
    int rc = db_step(s);
    int open = rc == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    int released = rc == DB_ROW ? (int)db_column_int64(s, 1) : 0;
    db_reset(s);
    if (rc == DB_DONE)
        return RC_GONE;
    if (rc != DB_ROW)
        return RC_ERROR;
    /* A stage closed, ranked or advanced is read-only, whatever the write. */
    return !released || (need_open && !open) ? RC_CLOSED : RC_OK;
}

int tx_scoring_save(struct store_tx *tx, const struct scoring_save *v)
{
    static const char upsert[] =
        "INSERT INTO review (stage_id, case_id, user_id, status, comment, total, updated_at, "
        "submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "CASE WHEN ?4 = 'submitted' THEN ?7 END) "
        "ON CONFLICT (stage_id, case_id, user_id) DO UPDATE SET status = excluded.status, "
        "comment = excluded.comment, total = excluded.total, updated_at = excluded.updated_at, "
        "submitted_at = coalesce(review.submitted_at, excluded.submitted_at)";
    static const char clear[] =
        "DELETE FROM review_score WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
    static const char put[] =
        "INSERT INTO review_score (stage_id, case_id, user_id, criterion_id, score) "
        "SELECT ?1, ?2, ?3, id, ?5 FROM criterion WHERE id = ?4 AND stage_id = ?1";
    int rc = tx_check(tx, v->stage_id, v->case_id, v->user_id, 1);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, upsert);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    bind_key(s, v->stage_id, v->case_id, v->user_id);
    db_bind_text(s, 4, v->submit ? "submitted" : "draft", -1);
    db_bind_text(s, 5, v->comment ? v->comment : "", -1);
    if (v->has_total)
        db_bind_double(s, 6, v->total);
    else
        db_bind_null(s, 6);
    db_bind_text(s, 7, now, -1);
    if (db_run(s) != RC_OK)
        return RC_ERROR;
    if (!(s = tx_stmt(tx, clear)))
        return RC_ERROR;
    bind_key(s, v->stage_id, v->case_id, v->user_id);
    if (db_run(s) != RC_OK)
        return RC_ERROR;
    for (size_t i = 0; i < v->n; i++) {
        if (!(s = tx_stmt(tx, put)))
            return RC_ERROR;
        bind_key(s, v->stage_id, v->case_id, v->user_id);
        db_bind_int64(s, 4, v->criterion[i]);
        db_bind_double(s, 5, v->score[i]);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int tx_scoring_conflict(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t user_id,
                        const char *reason)
{
    static const char add[] =
        "INSERT INTO conflict (case_id, user_id, source, reason, at) "
        "VALUES (?1, ?2, 'declared', ?3, ?4) ON CONFLICT (case_id, user_id) DO NOTHING";
    /* The conflict holds for the pair in every stage: no stage may keep it assigned. */
    static const char drop[] = "UPDATE assignment SET state = 'dropped', at = ?4 "
                               "WHERE case_id = ?2 AND user_id = ?3 AND state <> 'dropped' "
                               "AND stage_id IN (SELECT id FROM stage WHERE campaign_id = "
                               "                 (SELECT campaign_id FROM stage WHERE id = ?1))";
    static const char unscore[] =
        "DELETE FROM review_score WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
    static const char unreview[] =
        "DELETE FROM review WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
    int rc = tx_check(tx, stage_id, case_id, user_id, 0);
    if (rc != RC_OK)
        return rc;
    char now[STORE_NOW_LEN];
    store_now(now);
    struct db_stmt *s = tx_stmt(tx, add);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, reason, -1);
    db_bind_text(s, 4, now, -1);
    if (db_run(s) != RC_OK)
        return RC_ERROR;
    const char *const steps[] = {drop, unscore, unreview};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (!(s = tx_stmt(tx, steps[i])))
            return RC_ERROR;
        bind_key(s, stage_id, case_id, user_id);
        if (i == 0)
            db_bind_text(s, 4, now, -1);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}
