/*
 * sqlite_submissions.c — a unit's cases, their history and attachments in
 * SQLite; see submissions.h.
 *
 * Dates shown to people are computed here in China Standard Time
 * (timestamps are stored in UTC, 'YYYY-MM-DDTHH:MM:SSZ').  Every status
 * change is an UPDATE guarded by the expected status, so the number of rows
 * it changed says whether this write won.
 */
#include <string.h>

#include "store/sqlite_int.h"
#include "store/submissions.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"
#define CST_DAY(col) "coalesce(date(" col ", '+8 hours'), '')"
#define EDITABLE "('draft','returned','correction')"

static const char SQL_UNIT_CASES[] =
    "SELECT id, title, status, " CST_DAY("(SELECT min(at) FROM case_event e WHERE e.case_id = c.id)")
    ", " CST_DAY("updated_at") ", " CST_DAY("submitted_at") " FROM \"case\" c "
    "WHERE campaign_id = ?1 AND unit_id = ?2 ORDER BY id DESC";

json_t *store_unit_cases(struct store *st, int64_t campaign_id, int64_t unit_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_UNIT_CASES);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, unit_id);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)sqlite3_column_int64(s, 0),
                         "title", sq_jtext(s, 1), "status", sq_jtext(s, 2), "created_on",
                         sq_jtext(s, 3), "updated_on", sq_jtext(s, 4), "submitted_on",
                         sq_jtext(s, 5)));
    sq_done(s);
    return a;
}

static const char SQL_SUBMISSION[] =
    "SELECT c.id, c.campaign_id, c.unit_id, u.name, c.region_code, r.name, c.title, t.slug, "
    "t.name, c.tags_text, c.contact_name, c.contact_phone, c.contact_email, c.status, "
    "coalesce(c.correction_due, ''), " CST_DAY("c.submitted_at") ", " CST_DAY("c.updated_at")
    ", k.name, k.status, k.opens_at, k.closes_at FROM \"case\" c "
    "JOIN unit u ON u.id = c.unit_id JOIN region r ON r.code = c.region_code "
    "JOIN track t ON t.id = c.track_id JOIN campaign k ON k.id = c.campaign_id WHERE c.id = ?1";
static const char SQL_SECTIONS[] =
    "SELECT seq, body_md FROM case_section WHERE case_id = ?1 AND seq BETWEEN 1 AND 5";
static const char SQL_ATTACHMENTS[] =
    "SELECT id, sha256, name, mime, size, " CST_DAY("created_at")
    " FROM attachment WHERE case_id = ?1 ORDER BY id";

json_t *store_submission(struct store *st, int64_t case_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_SUBMISSION);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, case_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    static const char *const keys[] = {
        "id",           "campaign_id",   "unit_id",        "unit_name",    "region_code",
        "region_name",  "title",         "track",          "track_name",   "tags_text",
        "contact_name", "contact_phone", "contact_email",  "status",       "correction_due",
        "submitted_on", "updated_on"};
    json_t *o = json_object();
    for (int i = 0; i < 17; i++)
        json_object_set_new(o, keys[i],
                            i < 3 ? json_integer(sqlite3_column_int64(s, i)) : sq_jtext(s, i));
    json_object_set_new(o, "campaign",
                        json_pack("{s:o,s:o,s:o,s:o}", "name", sq_jtext(s, 17), "status",
                                  sq_jtext(s, 18), "opens_at", sq_jtext(s, 19), "closes_at",
                                  sq_jtext(s, 20)));
    sq_done(s);

    json_t *sections = json_pack("[s,s,s,s,s]", "", "", "", "", "");
    if ((s = sq_prepare(st, SQL_SECTIONS))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_set_new(sections, (size_t)sqlite3_column_int(s, 0) - 1, sq_jtext(s, 1));
        sq_done(s);
    }
    json_object_set_new(o, "sections", sections);

    json_t *files = json_array();
    int64_t bytes = 0;
    if ((s = sq_prepare(st, SQL_ATTACHMENTS))) {
        sqlite3_bind_int64(s, 1, case_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            bytes += sqlite3_column_int64(s, 4);
            json_array_append_new(
                files, json_pack("{s:I,s:o,s:o,s:o,s:I,s:o}", "id",
                                 (json_int_t)sqlite3_column_int64(s, 0), "sha256", sq_jtext(s, 1),
                                 "name", sq_jtext(s, 2), "mime", sq_jtext(s, 3), "size",
                                 (json_int_t)sqlite3_column_int64(s, 4), "created_on",
                                 sq_jtext(s, 5)));
        }
        sq_done(s);
    }
    json_object_set_new(o, "files", json_integer((json_int_t)json_array_size(files)));
    json_object_set_new(o, "bytes", json_integer(bytes));
    json_object_set_new(o, "attachments", files);
    return o;
}

static const char SQL_EVENTS[] =
    "SELECT e.at, " CST_DAY("e.at") ", coalesce(e.from_status, ''), e.to_status, e.reason, "
    "coalesce(u.name, '') FROM case_event e LEFT JOIN user u ON u.id = e.user_id "
    "WHERE e.case_id = ?1 ORDER BY e.id";

json_t *store_case_events(struct store *st, int64_t case_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_EVENTS);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, case_id);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "at", sq_jtext(s, 0), "on", sq_jtext(s, 1),
                         "from", sq_jtext(s, 2), "to", sq_jtext(s, 3), "reason", sq_jtext(s, 4),
                         "user", sq_jtext(s, 5)));
    sq_done(s);
    return a;
}

static const char SQL_USAGE[] =
    "SELECT count(*), coalesce(sum(size), 0) FROM attachment WHERE case_id = ?1";

int store_attachment_usage(struct store *st, int64_t case_id, int *files, int64_t *bytes)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_USAGE);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    int rc = RC_ERROR;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *files = sqlite3_column_int(s, 0);
        *bytes = sqlite3_column_int64(s, 1);
        rc = RC_OK;
    }
    sq_done(s);
    return rc;
}

static const char SQL_FILE_ROWS[] =
    "SELECT a.name, a.mime, a.size, c.id, c.unit_id, c.region_code, c.status, "
    "c.published_at IS NOT NULL FROM attachment a JOIN \"case\" c ON c.id = a.case_id "
    "WHERE a.sha256 = ?1 ORDER BY c.published_at IS NULL, a.id";

json_t *store_file_rows(struct store *st, const char *sha256)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_FILE_ROWS);
    if (!s)
        return NULL;
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:b}", "name", sq_jtext(s, 0), "mime",
                         sq_jtext(s, 1), "size", (json_int_t)sqlite3_column_int64(s, 2),
                         "case_id", (json_int_t)sqlite3_column_int64(s, 3), "unit_id",
                         (json_int_t)sqlite3_column_int64(s, 4), "region_code", sq_jtext(s, 5),
                         "status", sq_jtext(s, 6), "published", sqlite3_column_int(s, 7)));
    sq_done(s);
    return a;
}

static int tx_event(struct store_tx *tx, int64_t case_id, const char *from, const char *to,
                    int64_t user_id, const char *reason)
{
    static const char sql[] =
        "INSERT INTO case_event (case_id, user_id, from_status, to_status, reason) "
        "VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    if (user_id > 0)
        sqlite3_bind_int64(s, 2, user_id);
    if (from)
        sqlite3_bind_text(s, 3, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}

int tx_submission_create(struct store_tx *tx, int64_t campaign_id, int64_t unit_id,
                         const char *region_code, int64_t user_id, int64_t *id)
{
    static const char sql[] =
        "INSERT INTO \"case\" (campaign_id, unit_id, region_code, track_id, title, status, "
        "created_by, updated_at) SELECT ?1, ?2, ?3, t.id, '', 'draft', ?4, " NOW
        " FROM track t WHERE t.campaign_id = ?1 ORDER BY t.id LIMIT 1";
    static const char sql_section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, '')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, unit_id);
    sqlite3_bind_text(s, 3, region_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, user_id);
    int rc = tx_exec_changed(tx, s, RC_NOTFOUND); /* NOTFOUND: the campaign has no track */
    if (rc != RC_OK)
        return rc;
    *id = sqlite3_last_insert_rowid(tx->db);
    for (int seq = 1; seq <= SUBMISSION_SECTIONS; seq++) {
        if (!(s = tx_prepare(tx, sql_section)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, *id);
        sqlite3_bind_int(s, 2, seq);
        if (tx_exec(tx, s) != RC_OK)
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
        "updated_at = " NOW " WHERE id = ?1 AND status = ?2";
    static const char sql_section[] =
        "INSERT OR REPLACE INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, ?3)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, f->case_id);
    sqlite3_bind_text(s, 2, f->expect_status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, f->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, f->track ? f->track : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, f->tags_text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, f->contact_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, f->contact_phone, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, f->contact_email, -1, SQLITE_TRANSIENT);
    int rc = tx_exec_changed(tx, s, RC_NOTFOUND);
    if (rc != RC_OK)
        return rc;
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        if (!(s = tx_prepare(tx, sql_section)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, f->case_id);
        sqlite3_bind_int(s, 2, i + 1);
        sqlite3_bind_text(s, 3, f->sections[i] ? f->sections[i] : "", -1, SQLITE_TRANSIENT);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int tx_submission_status(struct store_tx *tx, int64_t case_id, const char *from, const char *to,
                         int64_t user_id, const char *reason)
{
    static const char sql[] =
        "UPDATE \"case\" SET status = ?3, updated_at = " NOW ", "
        "submitted_at = CASE WHEN ?3 = 'submitted' THEN " NOW " ELSE submitted_at END "
        "WHERE id = ?1 AND status = ?2";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, to, -1, SQLITE_TRANSIENT);
    int rc = tx_exec_changed(tx, s, RC_NOTFOUND);
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
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, " NOW ")";
    sqlite3_stmt *s = tx_prepare(tx, sql_state);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    int rc = sqlite3_step(s);
    int editable = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    int files = rc == SQLITE_ROW ? sqlite3_column_int(s, 1) : 0;
    int64_t bytes = rc == SQLITE_ROW ? sqlite3_column_int64(s, 2) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return RC_ERROR;
    if (!editable)
        return RC_NOTFOUND;
    if (files >= SUBMISSIONS_MAX_FILES || bytes + size > SUBMISSIONS_MAX_CASE_BYTES)
        return SUBMISSIONS_FULL;
    if (!(s = tx_prepare(tx, sql)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, mime, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, size);
    if (user_id > 0)
        sqlite3_bind_int64(s, 6, user_id);
    return tx_exec(tx, s);
}

int tx_attachment_remove(struct store_tx *tx, int64_t case_id, int64_t attachment_id)
{
    static const char sql[] =
        "DELETE FROM attachment WHERE id = ?2 AND case_id = ?1 AND EXISTS "
        "(SELECT 1 FROM \"case\" c WHERE c.id = ?1 AND c.status IN " EDITABLE ")";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int64(s, 2, attachment_id);
    return tx_exec_changed(tx, s, RC_NOTFOUND);
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
    sqlite3_stmt *s = tx_prepare(tx, recommended ? sql_recommended : sql_submitted);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    int step = sqlite3_step(s);
    int per_unit = step == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    int files_min = step == SQLITE_ROW ? sqlite3_column_int(s, 1) : 0;
    int others = step == SQLITE_ROW ? sqlite3_column_int(s, 2) : 0;
    int files = step == SQLITE_ROW ? sqlite3_column_int(s, 3) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? RC_NOTFOUND : RC_ERROR;
    if (per_unit > 0 && others >= per_unit)
        return RC_EXISTS;
    return files < files_min ? RC_INVALID : RC_OK;
}
