/*
 * sqlite_scoring.c — the reviewer's side of a review round in SQLite; see
 * scoring.h.
 *
 * What a reviewer may open is one SQL condition, CAN_OPEN, used by every
 * read and re-checked inside every write, so a conflict declared or added
 * a moment ago, a role taken away for the campaign or an assignment
 * dropped takes effect on the next request.  A stage closed, ranked or
 * advanced stays readable; only a released stage before its end takes
 * writes (OPEN).  Labels are row numbers over the stage's pool (its
 * stage_case rows and every case ever assigned in it) ordered by a
 * multiplicative scrambling of (case, stage).
 */
#include <stdio.h>
#include <string.h>

#include "store/scoring.h"
#include "store/sqlite_int.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* Over assignment a, stage s, case c: the assignment's reviewer may open the case. */
#define CAN_OPEN                                                                                   \
    "a.state = 'released' AND s.state IN ('released','closed','ranked','advanced') "               \
    "AND s.kind = 'review' AND s.campaign_id = " REVIEW_CAMPAIGN " "                               \
    "AND " REVIEWS_IN("a.user_id", "s.campaign_id") " "                                            \
    "AND NOT EXISTS (SELECT 1 FROM conflict f WHERE f.case_id = a.case_id "                        \
    "                AND f.user_id = a.user_id) "                                                  \
    "AND NOT EXISTS (SELECT 1 FROM reviewer v WHERE v.user_id = a.user_id "                        \
    "                AND (v.region_code = c.region_code OR v.unit_id = c.unit_id))"

/* Over stage s: scores are taken now (a date-only ends_at is the last day, in CST). */
#define OPEN                                                                                       \
    "(s.state = 'released' AND CASE WHEN length(s.ends_at) <= 10 "                                 \
    " THEN date('now', '+8 hours') <= s.ends_at "                                                  \
    " ELSE datetime('now') < coalesce(datetime(s.ends_at), '') END)"

/* The pool of the stages picked by `cond` (over stage_id), numbered. */
#define POOL(cond)                                                                                 \
    "SELECT stage_id, case_id, row_number() OVER (PARTITION BY stage_id "                          \
    " ORDER BY (case_id * 2654435761 + stage_id * 40503) % 1000003, case_id) AS no "               \
    "FROM (SELECT stage_id, case_id FROM stage_case WHERE " cond " "                               \
    "      UNION SELECT stage_id, case_id FROM assignment WHERE " cond ")"

static json_t *jreal_or_null(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? json_null()
                                                      : json_real(sqlite3_column_double(s, col));
}

static const char SQL_ASSIGNMENTS[] =
    "WITH mine AS (SELECT a.stage_id, a.case_id FROM assignment a "
    "  JOIN stage s ON s.id = a.stage_id JOIN \"case\" c ON c.id = a.case_id "
    "  WHERE a.user_id = ?1 AND " CAN_OPEN "), "
    "pool AS (" POOL(
        "stage_id IN (SELECT stage_id FROM mine)") ") "
                                                   "SELECT s.id, s.seq, s.name, s.blind, "
                                                   "s.ends_at, " OPEN ", c.id, p.no, c.title, "
                                                   "coalesce(r.status, ''), r.total "
                                                   "FROM mine m JOIN stage s ON s.id = m.stage_id "
                                                   "JOIN \"case\" c ON c.id = m.case_id "
                                                   "JOIN pool p ON p.stage_id = m.stage_id AND "
                                                   "p.case_id = m.case_id "
                                                   "LEFT JOIN review r ON r.stage_id = m.stage_id "
                                                   "AND r.case_id = m.case_id AND r.user_id = ?1 "
                                                   "ORDER BY s.seq, p.no";

json_t *store_scoring_assignments(struct store *st, int64_t user_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_ASSIGNMENTS);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, user_id);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(a,
                              json_pack("{s:I,s:i,s:o,s:b,s:o,s:b,s:I,s:i,s:o,s:o,s:o}", "stage_id",
                                        (json_int_t)sqlite3_column_int64(s, 0), "stage_seq",
                                        sqlite3_column_int(s, 1), "stage_name", sq_jtext(s, 2),
                                        "blind", sqlite3_column_int(s, 3), "ends_at",
                                        sq_jtext(s, 4), "open", sqlite3_column_int(s, 5), "case_id",
                                        (json_int_t)sqlite3_column_int64(s, 6), "label_no",
                                        sqlite3_column_int(s, 7), "title", sq_jtext(s, 8), "status",
                                        sq_jtext(s, 9), "total", jreal_or_null(s, 10)));
    sq_done(s);
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static const char SQL_FIND[] =
    "WITH st AS (SELECT id FROM stage WHERE campaign_id = " REVIEW_CAMPAIGN " AND seq = ?2), "
    "pool AS (" POOL(
        "stage_id IN (SELECT id FROM st)") ") "
                                           "SELECT s.id, c.id, s.seq, p.no, s.blind, " OPEN
                                           ", s.name, s.ends_at, s.state "
                                           "FROM pool p JOIN stage s ON s.id = p.stage_id "
                                           "JOIN assignment a ON a.stage_id = p.stage_id AND "
                                           "a.case_id = p.case_id AND a.user_id = ?1 "
                                           "JOIN \"case\" c ON c.id = p.case_id "
                                           "WHERE p.no = ?3 AND " CAN_OPEN;

int store_scoring_find(struct store *st, int64_t user_id, int stage_seq, int label_no,
                       struct store_scoring_ref *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = sq_prepare(st, SQL_FIND);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int(s, 2, stage_seq);
    sqlite3_bind_int(s, 3, label_no);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sq_done(s);
        return rc == SQLITE_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    out->stage_id = sqlite3_column_int64(s, 0);
    out->case_id = sqlite3_column_int64(s, 1);
    out->stage_seq = sqlite3_column_int(s, 2);
    out->label_no = sqlite3_column_int(s, 3);
    out->blind = sqlite3_column_int(s, 4);
    out->open = sqlite3_column_int(s, 5);
    sq_copy(out->stage_name, sizeof out->stage_name, s, 6);
    sq_copy(out->ends_at, sizeof out->ends_at, s, 7);
    sq_copy(out->stage_state, sizeof out->stage_state, s, 8);
    out->done = strcmp(out->stage_state, "released") != 0;
    sq_done(s);
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
    sqlite3_stmt *s = sq_prepare(st, SQL_CASE);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, case_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *c = json_pack("{s:o,s:o,s:o,s:o}", "title", sq_jtext(s, 0), "summary", sq_jtext(s, 1),
                          "track", sq_jtext(s, 2), "tags_text", sq_jtext(s, 3));
    sq_done(s);

    json_t *a = json_array();
    if ((s = sq_prepare(st, SQL_SECTIONS))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(a, json_pack("{s:i,s:o}", "seq", sqlite3_column_int(s, 0),
                                               "body_md", sq_jtext(s, 1)));
        sq_done(s);
    }
    json_object_set_new(c, "sections", a);

    a = json_array();
    if ((s = sq_prepare(st, SQL_TAGS))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(a, sq_jtext(s, 0));
        sq_done(s);
    }
    json_object_set_new(c, "tags", a);

    a = json_array();
    if ((s = sq_prepare(st, SQL_ATTACHMENTS))) {
        sqlite3_bind_int64(s, 1, case_id);
        int n = 0;
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(a, json_pack("{s:i,s:o,s:I}", "n", ++n, "mime", sq_jtext(s, 0),
                                               "size", (json_int_t)sqlite3_column_int64(s, 1)));
        sq_done(s);
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
    "LEFT JOIN user cu ON cu.id = c.created_by "
    "LEFT JOIN recommendation rc ON rc.case_id = c.id "
    "LEFT JOIN user ru ON ru.id = rc.user_id "
    "WHERE c.id = ?1";
static const char SQL_ANCESTORS[] =
    "WITH RECURSIVE anc(id, parent, name, depth) AS ("
    " SELECT p.id, p.parent_id, p.name, 0 FROM unit p "
    "  WHERE p.id = (SELECT u.parent_id FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "                WHERE c.id = ?1) "
    " UNION ALL SELECT p.id, p.parent_id, p.name, depth + 1 FROM unit p "
    "  JOIN anc ON p.id = anc.parent WHERE depth < 16) "
    "SELECT name FROM anc";
/* The people behind the case's unit: its submitters' accounts. */
static const char SQL_UNIT_PEOPLE[] =
    "SELECT us.name, us.email FROM user_role r JOIN user us ON us.id = r.user_id "
    "WHERE r.role = 'submitter' AND r.unit_id = (SELECT unit_id FROM \"case\" WHERE id = ?1)";

json_t *store_scoring_identity(struct store *st, int64_t case_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_IDENTITY);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, case_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *people = json_array();
    for (int col = 6; col <= 9; col++)
        json_array_append_new(people, sq_jtext(s, col));
    json_t *o =
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "unit", sq_jtext(s, 0), "region", sq_jtext(s, 1),
                  "recommender", sq_jtext(s, 2), "contact_name", sq_jtext(s, 3), "contact_phone",
                  sq_jtext(s, 4), "contact_email", sq_jtext(s, 5));
    json_t *regions = json_pack("[o,o]", sq_jtext(s, 10), sq_jtext(s, 11));
    sq_done(s);

    json_t *anc = json_array();
    if ((s = sq_prepare(st, SQL_ANCESTORS))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(anc, sq_jtext(s, 0));
        sq_done(s);
    }
    /* The unit's own region, should it differ from the case's, names the case too. */
    json_array_extend(anc, regions);
    json_decref(regions);
    if ((s = sq_prepare(st, SQL_UNIT_PEOPLE))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_array_append_new(people, sq_jtext(s, 0));
            json_array_append_new(people, sq_jtext(s, 1));
        }
        sq_done(s);
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
    sqlite3_stmt *s = sq_prepare(st, SQL_ATTACHMENT_N);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int(s, 2, n - 1);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sq_done(s);
        return rc == SQLITE_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    sq_copy(sha256, 65, s, 0);
    sq_copy(mime, 128, s, 1);
    sq_done(s);
    return RC_OK;
}

static const char SQL_REVIEW[] =
    "SELECT status, comment, total, updated_at, coalesce(submitted_at, '') FROM review "
    "WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
static const char SQL_SCORES[] = "SELECT criterion_id, score FROM review_score "
                                 "WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";

json_t *store_scoring_review(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_REVIEW);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, stage_id);
    sqlite3_bind_int64(s, 2, case_id);
    sqlite3_bind_int64(s, 3, user_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o}", "status", sq_jtext(s, 0), "comment",
                          sq_jtext(s, 1), "total", jreal_or_null(s, 2), "updated_at",
                          sq_jtext(s, 3), "submitted_at", sq_jtext(s, 4));
    sq_done(s);
    json_t *scores = json_object();
    if ((s = sq_prepare(st, SQL_SCORES))) {
        sqlite3_bind_int64(s, 1, stage_id);
        sqlite3_bind_int64(s, 2, case_id);
        sqlite3_bind_int64(s, 3, user_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(s, 0));
            json_object_set_new(scores, key, json_real(sqlite3_column_double(s, 1)));
        }
        sq_done(s);
    }
    json_object_set_new(o, "scores", scores);
    return o;
}

/* Inside a write: RC_GONE, RC_CLOSED (past the stage's release, or past its end when need_open) or RC_OK. */
static int tx_check(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t user_id,
                    int need_open)
{
    static const char sql[] =
        "SELECT " OPEN ", s.state = 'released' FROM assignment a JOIN stage s ON s.id = a.stage_id "
        "JOIN \"case\" c ON c.id = a.case_id "
        "WHERE a.stage_id = ?1 AND a.case_id = ?2 AND a.user_id = ?3 AND " CAN_OPEN;
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage_id);
    sqlite3_bind_int64(s, 2, case_id);
    sqlite3_bind_int64(s, 3, user_id);
    int rc = sqlite3_step(s);
    int open = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    int released = rc == SQLITE_ROW ? sqlite3_column_int(s, 1) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE)
        return RC_GONE;
    if (rc != SQLITE_ROW)
        return RC_ERROR;
    /* A stage closed, ranked or advanced is read-only, whatever the write. */
    return !released || (need_open && !open) ? RC_CLOSED : RC_OK;
}

static void bind_key(sqlite3_stmt *s, int64_t stage_id, int64_t case_id, int64_t user_id)
{
    sqlite3_bind_int64(s, 1, stage_id);
    sqlite3_bind_int64(s, 2, case_id);
    sqlite3_bind_int64(s, 3, user_id);
}

int tx_scoring_save(struct store_tx *tx, const struct scoring_save *v)
{
    static const char upsert[] =
        "INSERT INTO review (stage_id, case_id, user_id, status, comment, total, updated_at, "
        "submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, " NOW ", "
        "CASE WHEN ?4 = 'submitted' THEN " NOW " END) "
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
    sqlite3_stmt *s = tx_prepare(tx, upsert);
    if (!s)
        return RC_ERROR;
    bind_key(s, v->stage_id, v->case_id, v->user_id);
    sqlite3_bind_text(s, 4, v->submit ? "submitted" : "draft", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, v->comment ? v->comment : "", -1, SQLITE_TRANSIENT);
    if (v->has_total)
        sqlite3_bind_double(s, 6, v->total);
    else
        sqlite3_bind_null(s, 6);
    if (tx_exec(tx, s) != RC_OK)
        return RC_ERROR;
    if (!(s = tx_prepare(tx, clear)))
        return RC_ERROR;
    bind_key(s, v->stage_id, v->case_id, v->user_id);
    if (tx_exec(tx, s) != RC_OK)
        return RC_ERROR;
    for (size_t i = 0; i < v->n; i++) {
        if (!(s = tx_prepare(tx, put)))
            return RC_ERROR;
        bind_key(s, v->stage_id, v->case_id, v->user_id);
        sqlite3_bind_int64(s, 4, v->criterion[i]);
        sqlite3_bind_double(s, 5, v->score[i]);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int tx_scoring_conflict(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t user_id,
                        const char *reason)
{
    static const char add[] =
        "INSERT INTO conflict (case_id, user_id, source, reason) VALUES (?2, ?3, 'declared', ?4) "
        "ON CONFLICT (case_id, user_id) DO NOTHING";
    /* The conflict holds for the pair in every stage: no stage may keep it assigned. */
    static const char drop[] = "UPDATE assignment SET state = 'dropped', at = " NOW " "
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
    const char *const steps[] = {add, drop, unscore, unreview};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *s = tx_prepare(tx, steps[i]);
        if (!s)
            return RC_ERROR;
        bind_key(s, stage_id, case_id, user_id);
        if (i == 0)
            sqlite3_bind_text(s, 4, reason, -1, SQLITE_TRANSIENT);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}
