/*
 * submissions.c — a unit's cases, their history and attachments in the
 * store; see submissions.h.  Written over the driver (db.h): it runs on
 * SQLite and on PostgreSQL.
 *
 * Dates shown to people are computed in C, in China Standard Time
 * (db_cst_day; timestamps are stored in UTC, 'YYYY-MM-DDTHH:MM:SSZ', and
 * written with the time made in C).  Every status
 * change is an UPDATE guarded by the expected status, so the number of rows
 * it changed says whether this write won.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "store/submissions.h"

#define EDITABLE "('draft','returned','correction')"

static const char SQL_UNIT_CASES[] =
    "SELECT id, title, status, (SELECT min(at) FROM case_event e WHERE e.case_id = c.id), "
    "updated_at, submitted_at FROM \"case\" c "
    "WHERE campaign_id = ?1 AND unit_id = ?2 ORDER BY id DESC";

json_t *store_unit_cases(struct store *st, int64_t campaign_id, int64_t unit_id)
{
    struct db_stmt *s = store_stmt(st, SQL_UNIT_CASES);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, unit_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id",
                                           (json_int_t)db_column_int64(s, 0), "title",
                                           db_jtext(s, 1), "status", db_jtext(s, 2), "created_on",
                                           db_cst_day(s, 3), "updated_on", db_cst_day(s, 4),
                                           "submitted_on", db_cst_day(s, 5)));
    db_reset(s);
    return a;
}

static const char SQL_SUBMISSION[] =
    "SELECT c.id, c.campaign_id, c.unit_id, u.name, c.region_code, r.name, c.title, t.slug, "
    "t.name, c.tags_text, c.contact_name, c.contact_phone, c.contact_email, c.status, "
    "coalesce(c.correction_due, ''), c.submitted_at, c.updated_at, k.name, k.status, "
    "k.opens_at, k.closes_at FROM \"case\" c "
    "JOIN unit u ON u.id = c.unit_id JOIN region r ON r.code = c.region_code "
    "JOIN track t ON t.id = c.track_id JOIN campaign k ON k.id = c.campaign_id WHERE c.id = ?1";
static const char SQL_SECTIONS[] =
    "SELECT seq, body_md FROM case_section WHERE case_id = ?1 AND seq BETWEEN 1 AND 5";
static const char SQL_ATTACHMENTS[] =
    "SELECT id, sha256, name, mime, size, created_at FROM attachment WHERE case_id = ?1 "
    "ORDER BY id";

json_t *store_submission(struct store *st, int64_t case_id)
{
    struct db_stmt *s = store_stmt(st, SQL_SUBMISSION);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    static const char *const keys[] = {
        "id",           "campaign_id",   "unit_id",       "unit_name",  "region_code",
        "region_name",  "title",         "track",         "track_name", "tags_text",
        "contact_name", "contact_phone", "contact_email", "status",     "correction_due",
        "submitted_on", "updated_on"};
    json_t *o = json_object();
    for (int i = 0; i < 17; i++)
        json_object_set_new(o, keys[i],
                            i < 3    ? json_integer(db_column_int64(s, i))
                            : i < 15 ? db_jtext(s, i)
                                     : db_cst_day(s, i)); /* submitted_on, updated_on */
    json_object_set_new(o, "campaign",
                        json_pack("{s:o,s:o,s:o,s:o}", "name", db_jtext(s, 17), "status",
                                  db_jtext(s, 18), "opens_at", db_jtext(s, 19), "closes_at",
                                  db_jtext(s, 20)));
    db_reset(s);

    json_t *sections = json_pack("[s,s,s,s,s]", "", "", "", "", "");
    if ((s = store_stmt(st, SQL_SECTIONS))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW)
            json_array_set_new(sections, (size_t)(int)db_column_int64(s, 0) - 1, db_jtext(s, 1));
        db_reset(s);
    }
    json_object_set_new(o, "sections", sections);

    json_t *files = json_array();
    int64_t bytes = 0;
    if ((s = store_stmt(st, SQL_ATTACHMENTS))) {
        db_bind_int64(s, 1, case_id);
        while (db_step(s) == DB_ROW) {
            bytes += db_column_int64(s, 4);
            json_array_append_new(files, json_pack("{s:I,s:o,s:o,s:o,s:I,s:o}", "id",
                                                   (json_int_t)db_column_int64(s, 0), "sha256",
                                                   db_jtext(s, 1), "name", db_jtext(s, 2), "mime",
                                                   db_jtext(s, 3), "size",
                                                   (json_int_t)db_column_int64(s, 4), "created_on",
                                                   db_cst_day(s, 5)));
        }
        db_reset(s);
    }
    json_object_set_new(o, "files", json_integer((json_int_t)json_array_size(files)));
    json_object_set_new(o, "bytes", json_integer(bytes));
    json_object_set_new(o, "attachments", files);
    return o;
}

static const char SQL_EVENTS[] =
    "SELECT e.at, coalesce(e.from_status, ''), e.to_status, e.reason, coalesce(u.name, '') "
    "FROM case_event e LEFT JOIN \"user\" u ON u.id = e.user_id "
    "WHERE e.case_id = ?1 ORDER BY e.id";

json_t *store_case_events(struct store *st, int64_t case_id)
{
    struct db_stmt *s = store_stmt(st, SQL_EVENTS);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "at", db_jtext(s, 0), "on",
                                           db_cst_day(s, 0), "from", db_jtext(s, 1), "to",
                                           db_jtext(s, 2), "reason", db_jtext(s, 3), "user",
                                           db_jtext(s, 4)));
    db_reset(s);
    return a;
}

static const char SQL_USAGE[] =
    "SELECT count(*), coalesce(sum(size), 0) FROM attachment WHERE case_id = ?1";

int store_attachment_usage(struct store *st, int64_t case_id, int *files, int64_t *bytes)
{
    struct db_stmt *s = store_stmt(st, SQL_USAGE);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    int rc = RC_ERROR;
    if (db_step(s) == DB_ROW) {
        *files = (int)db_column_int64(s, 0);
        *bytes = db_column_int64(s, 1);
        rc = RC_OK;
    }
    db_reset(s);
    return rc;
}

static const char SQL_FILE_ROWS[] =
    "SELECT a.name, a.mime, a.size, c.id, c.unit_id, c.region_code, c.status, "
    "c.published_at IS NOT NULL FROM attachment a JOIN \"case\" c ON c.id = a.case_id "
    "WHERE a.sha256 = ?1 ORDER BY c.published_at IS NULL, a.id";

json_t *store_file_rows(struct store *st, const char *sha256)
{
    struct db_stmt *s = store_stmt(st, SQL_FILE_ROWS);
    if (!s)
        return NULL;
    db_bind_text(s, 1, sha256, -1);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:b}", "name", db_jtext(s, 0), "mime",
                         db_jtext(s, 1), "size", (json_int_t)db_column_int64(s, 2), "case_id",
                         (json_int_t)db_column_int64(s, 3), "unit_id",
                         (json_int_t)db_column_int64(s, 4), "region_code", db_jtext(s, 5), "status",
                         db_jtext(s, 6), "published", (int)db_column_int64(s, 7)));
    db_reset(s);
    return a;
}

static int tx_event(struct store_tx *tx, int64_t case_id, const char *from, const char *to,
                    int64_t user_id, const char *reason)
{
    static const char sql[] =
        "INSERT INTO case_event (case_id, user_id, from_status, to_status, reason, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, case_id);
    if (user_id > 0)
        db_bind_int64(s, 2, user_id);
    else
        db_bind_null(s, 2);
    db_bind_text(s, 3, from, -1); /* NULL for the first */
    db_bind_text(s, 4, to, -1);
    db_bind_text(s, 5, reason ? reason : "", -1);
    db_bind_text(s, 6, now, -1);
    return db_run(s);
}

int tx_submission_create(struct store_tx *tx, int64_t campaign_id, int64_t unit_id,
                         const char *region_code, int64_t user_id, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO \"case\" (campaign_id, unit_id, region_code, track_id, title, status, "
        "created_by, updated_at) SELECT ?1, ?2, ?3, t.id, '', 'draft', ?4, ?5 "
        "FROM track t WHERE t.campaign_id = ?1 ORDER BY t.id LIMIT 1 RETURNING id";
    static const char sql_section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, '')";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, unit_id);
    db_bind_text(s, 3, region_code, -1);
    db_bind_int64(s, 4, user_id);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 5, now, -1);
    int step = db_step(s);
    int rc = step == DB_ROW    ? RC_OK
             : step == DB_DONE ? RC_NOTFOUND /* the campaign has no track */
                               : db_err_result(db_errcode(tx_conn(tx)));
    if (rc == RC_OK)
        *id = db_column_int64(s, 0);
    db_reset(s);
    if (rc != RC_OK)
        return rc;
    for (int seq = 1; seq <= SUBMISSION_SECTIONS; seq++) {
        if (!(s = tx_stmt(tx, sql_section)))
            return RC_ERROR;
        db_bind_int64(s, 1, *id);
        db_bind_int64(s, 2, seq);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return tx_event(tx, *id, NULL, "draft", user_id, "");
}

int tx_submission_save(struct store_tx *tx, const struct submission_fields *f)
{
    static const char sql[] =
        "UPDATE \"case\" SET title = ?3, "
        "track_id = coalesce((SELECT t.id FROM track t WHERE t.campaign_id = \"case\".campaign_id "
        "  AND t.slug = ?4), track_id), "
        "tags_text = ?5, contact_name = ?6, contact_phone = ?7, contact_email = ?8, "
        "updated_at = ?9 WHERE id = ?1 AND status = ?2";
    static const char sql_section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (case_id, seq) DO UPDATE SET body_md = excluded.body_md";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, f->case_id);
    db_bind_text(s, 2, f->expect_status, -1);
    db_bind_text(s, 3, f->title, -1);
    db_bind_text(s, 4, f->track ? f->track : "", -1);
    db_bind_text(s, 5, f->tags_text, -1);
    db_bind_text(s, 6, f->contact_name, -1);
    db_bind_text(s, 7, f->contact_phone, -1);
    db_bind_text(s, 8, f->contact_email, -1);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 9, now, -1);
    int rc = db_run_changed(s, RC_NOTFOUND);
    if (rc != RC_OK)
        return rc;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        if (!(s = tx_stmt(tx, sql_section)))
            return RC_ERROR;
        db_bind_int64(s, 1, f->case_id);
        db_bind_int64(s, 2, i + 1);
        db_bind_text(s, 3, f->sections[i] ? f->sections[i] : "", -1);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int tx_submission_status(struct store_tx *tx, int64_t case_id, const char *from, const char *to,
                         int64_t user_id, const char *reason)
{
    static const char sql[] =
        "UPDATE \"case\" SET status = ?3, updated_at = ?4, "
        "submitted_at = CASE WHEN ?3 = 'submitted' THEN ?4 ELSE submitted_at END "
        "WHERE id = ?1 AND status = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_text(s, 2, from, -1);
    db_bind_text(s, 3, to, -1);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 4, now, -1);
    int rc = db_run_changed(s, RC_NOTFOUND);
    if (rc != RC_OK)
        return rc;
    return tx_event(tx, case_id, from, to, user_id, reason);
}

int tx_attachment_add(struct store_tx *tx, int64_t case_id, const char *sha256, const char *name,
                      const char *mime, int64_t size, int64_t user_id)
{
    static const char sql_state[] =
        "SELECT c.status IN " EDITABLE ", (SELECT count(*) FROM attachment WHERE case_id = c.id), "
        "(SELECT coalesce(sum(size), 0) FROM attachment WHERE case_id = c.id) "
        "FROM \"case\" c WHERE c.id = ?1";
    static const char sql[] =
        "INSERT INTO attachment (case_id, sha256, name, mime, size, uploaded_by, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    struct db_stmt *s = tx_stmt(tx, sql_state);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    int rc = db_step(s);
    int editable = rc == DB_ROW && (int)db_column_int64(s, 0);
    int files = rc == DB_ROW ? (int)db_column_int64(s, 1) : 0;
    int64_t bytes = rc == DB_ROW ? db_column_int64(s, 2) : 0;
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return RC_ERROR;
    if (!editable)
        return RC_NOTFOUND;
    if (files >= SUBMISSIONS_MAX_FILES || bytes + size > SUBMISSIONS_MAX_CASE_BYTES)
        return SUBMISSIONS_FULL;
    if (!(s = tx_stmt(tx, sql)))
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_text(s, 2, sha256, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_text(s, 4, mime, -1);
    db_bind_int64(s, 5, size);
    if (user_id > 0)
        db_bind_int64(s, 6, user_id);
    else
        db_bind_null(s, 6);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 7, now, -1);
    return db_run(s);
}

int tx_attachment_remove(struct store_tx *tx, int64_t case_id, int64_t attachment_id)
{
    static const char sql[] =
        "DELETE FROM attachment WHERE id = ?2 AND case_id = ?1 AND EXISTS "
        "(SELECT 1 FROM \"case\" c WHERE c.id = ?1 AND c.status IN " EDITABLE ")";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, attachment_id);
    return db_run_changed(s, RC_NOTFOUND);
}

/* The statuses a unit's case counts in towards cases_per_unit, at submission and after. */
#define COUNTED_SUBMITTED "('submitted','recommended','passed','correction','published')"
#define COUNTED_RECOMMENDED "('recommended','passed','correction','published')"

int tx_submission_rules(struct store_tx *tx, int64_t case_id, int recommended)
{
    static const char sql_submitted[] =
        "SELECT k.cases_per_unit, k.attachments_min, "
        "(SELECT count(*) FROM \"case\" o WHERE o.campaign_id = c.campaign_id "
        " AND o.unit_id = c.unit_id AND o.id <> c.id AND o.status IN " COUNTED_SUBMITTED "), "
        "(SELECT count(*) FROM attachment WHERE case_id = c.id) "
        "FROM \"case\" c JOIN campaign k ON k.id = c.campaign_id WHERE c.id = ?1";
    static const char sql_recommended[] =
        "SELECT k.cases_per_unit, k.attachments_min, "
        "(SELECT count(*) FROM \"case\" o WHERE o.campaign_id = c.campaign_id "
        " AND o.unit_id = c.unit_id AND o.id <> c.id AND o.status IN " COUNTED_RECOMMENDED "), "
        "(SELECT count(*) FROM attachment WHERE case_id = c.id) "
        "FROM \"case\" c JOIN campaign k ON k.id = c.campaign_id WHERE c.id = ?1";
    struct db_stmt *s = tx_stmt(tx, recommended ? sql_recommended : sql_submitted);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    int step = db_step(s);
    int per_unit = step == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    int files_min = step == DB_ROW ? (int)db_column_int64(s, 1) : 0;
    int others = step == DB_ROW ? (int)db_column_int64(s, 2) : 0;
    int files = step == DB_ROW ? (int)db_column_int64(s, 3) : 0;
    db_reset(s);
    if (step != DB_ROW)
        return step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (per_unit > 0 && others >= per_unit)
        return RC_EXISTS;
    return files < files_min ? RC_INVALID : RC_OK;
}
