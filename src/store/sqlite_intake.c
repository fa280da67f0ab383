/*
 * sqlite_intake.c — recommendation, screening, campaign settings and the
 * organiser's counts in SQLite; see intake.h.
 *
 * Lengths are SQLite's length() of TEXT, which counts characters, as the
 * call states its limits.  The quota is the trigger recommendation_quota's
 * business: its RAISE(ABORT, 'quota exceeded') surfaces here as
 * SQLITE_CONSTRAINT_TRIGGER and is reported as RC_QUOTA.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/accounts.h"
#include "store/intake.h"
#include "store/sqlite_int.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"
/* A stored UTC time as the date, or date and minute, in China Standard Time. */
#define CST_DATE(col) "date(" col ", '+8 hours')"
#define CST_TIME(col) "strftime('%Y-%m-%d %H:%M', " col ", '+8 hours')"

static const char SQL_REGION_CASES[] =
    "SELECT c.id, c.title, u.name, coalesce(t.name, ''), c.status, "
    "coalesce(" CST_DATE("c.submitted_at") ", ''), "
    "(SELECT coalesce(sum(length(body_md)), 0) FROM case_section WHERE case_id = c.id), "
    "EXISTS (SELECT 1 FROM recommendation WHERE case_id = c.id) "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id LEFT JOIN track t ON t.id = c.track_id "
    "WHERE c.campaign_id = ?1 AND c.region_code = ?2 AND c.status <> 'draft' "
    "ORDER BY c.submitted_at DESC, c.id DESC";

json_t *store_intake_region_cases(struct store *st, int64_t campaign_id, const char *region)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_REGION_CASES);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_text(s, 2, region, -1, SQLITE_TRANSIENT);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:b}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "title", sq_jtext(s, 1), "unit",
                         sq_jtext(s, 2), "track", sq_jtext(s, 3), "status", sq_jtext(s, 4),
                         "submitted_at", sq_jtext(s, 5), "chars", sqlite3_column_int(s, 6),
                         "recommended", sqlite3_column_int(s, 7)));
    sq_done(s);
    return a;
}

static const char SQL_QUOTA_USED[] =
    "SELECT (SELECT count(*) FROM recommendation WHERE campaign_id = ?1 AND region_code = ?2), "
    "coalesce((SELECT quota FROM region_quota WHERE campaign_id = ?1 AND region_code = ?2), 0)";

void store_intake_quota(struct store *st, int64_t campaign_id, const char *region, int *used,
                        int *allowed)
{
    *used = *allowed = 0;
    sqlite3_stmt *s = sq_prepare(st, SQL_QUOTA_USED);
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_text(s, 2, region, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *used = sqlite3_column_int(s, 0);
        *allowed = sqlite3_column_int(s, 1);
    }
    sq_done(s);
}

/* What 符合申报条件 can check: the unit is of the case's region, the track is
 * the campaign's, the contact is given, and it came in by the deadline. */
#define ELIGIBLE                                                                               \
    "(u.region_code = c.region_code AND t.campaign_id IS c.campaign_id "                     \
    " AND c.contact_name <> '' AND c.contact_phone <> '' "                                    \
    " AND coalesce(date(c.submitted_at, '+8 hours') <= k.closes_at, 0))"

/* The unit's other cases of the campaign that are recommended or further on. */
#define UNIT_OTHERS                                                                            \
    "(SELECT count(*) FROM \"case\" o WHERE o.campaign_id = c.campaign_id "                    \
    " AND o.unit_id = c.unit_id AND o.id <> c.id "                                             \
    " AND o.status IN ('recommended','passed','correction','published'))"

static const char SQL_CASE[] =
    "SELECT c.id, c.campaign_id, c.title, c.status, c.region_code, g.name, c.unit_id, u.name, "
    "coalesce(t.name, ''), coalesce(" CST_DATE("c.submitted_at") ", ''), "
    "coalesce(" CST_DATE("c.updated_at") ", ''), "
    "coalesce(c.correction_due, ''), c.contact_name, c.contact_phone, c.contact_email, "
    "c.tags_text, coalesce(t.slug, ''), " ELIGIBLE ", " UNIT_OTHERS ", k.cases_per_unit, "
    "k.attachments_min "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id JOIN region g ON g.code = c.region_code "
    "JOIN campaign k ON k.id = c.campaign_id LEFT JOIN track t ON t.id = c.track_id "
    "WHERE c.id = ?1 AND c.campaign_id = ?2";
static const char SQL_CASE_SECTIONS[] =
    "SELECT seq, body_md, length(body_md) FROM case_section WHERE case_id = ?1 ORDER BY seq";
static const char SQL_CASE_FILES[] =
    "SELECT id, name, mime, size, sha256 FROM attachment WHERE case_id = ?1 ORDER BY id";
static const char SQL_CASE_EVENTS[] =
    "SELECT " CST_TIME("e.at") ", coalesce(u.name, ''), coalesce(e.from_status, ''), "
    "e.to_status, e.reason "
    "FROM case_event e LEFT JOIN user u ON u.id = e.user_id WHERE e.case_id = ?1 ORDER BY e.id";
static const char SQL_CASE_SCREENING[] =
    "SELECT s.decision, s.reason, coalesce(s.due, ''), s.checklist, " CST_TIME("s.at") ", "
    "coalesce(u.name, '') "
    "FROM screening s LEFT JOIN user u ON u.id = s.user_id WHERE s.case_id = ?1";

json_t *store_intake_case(struct store *st, int64_t campaign_id, int64_t id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_CASE);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, campaign_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *c = json_pack(
        "{s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
        (json_int_t)sqlite3_column_int64(s, 0), "campaign_id",
        (json_int_t)sqlite3_column_int64(s, 1), "title", sq_jtext(s, 2), "status", sq_jtext(s, 3),
        "region_code", sq_jtext(s, 4), "region", sq_jtext(s, 5), "unit_id",
        (json_int_t)sqlite3_column_int64(s, 6), "unit", sq_jtext(s, 7), "track", sq_jtext(s, 8),
        "submitted_at", sq_jtext(s, 9), "updated_at", sq_jtext(s, 10), "correction_due",
        sq_jtext(s, 11), "contact_name", sq_jtext(s, 12), "contact_phone", sq_jtext(s, 13),
        "contact_email", sq_jtext(s, 14), "tags", sq_jtext(s, 15), "track_slug",
        sq_jtext(s, 16));
    json_object_set_new(c, "eligible", json_boolean(sqlite3_column_int(s, 17)));
    json_object_set_new(c, "rules", json_pack("{s:i,s:i,s:i}", "unit_others",
                                              sqlite3_column_int(s, 18), "cases_per_unit",
                                              sqlite3_column_int(s, 19), "attachments_min",
                                              sqlite3_column_int(s, 20)));
    sq_done(s);

    json_t *sections = json_array();
    int total = 0;
    if ((s = sq_prepare(st, SQL_CASE_SECTIONS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            total += sqlite3_column_int(s, 2);
            json_array_append_new(sections,
                                  json_pack("{s:i,s:o,s:i}", "seq", sqlite3_column_int(s, 0),
                                            "body_md", sq_jtext(s, 1), "chars",
                                            sqlite3_column_int(s, 2)));
        }
        sq_done(s);
    }
    json_object_set_new(c, "sections", sections);
    json_object_set_new(c, "chars", json_integer(total));

    json_t *files = json_array();
    if ((s = sq_prepare(st, SQL_CASE_FILES))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(files, json_pack("{s:I,s:o,s:o,s:I,s:o}", "id",
                                                   (json_int_t)sqlite3_column_int64(s, 0), "name",
                                                   sq_jtext(s, 1), "mime", sq_jtext(s, 2), "size",
                                                   (json_int_t)sqlite3_column_int64(s, 3), "sha256",
                                                   sq_jtext(s, 4)));
        sq_done(s);
    }
    json_object_set_new(c, "attachments", files);

    json_t *events = json_array();
    if ((s = sq_prepare(st, SQL_CASE_EVENTS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(events, json_pack("{s:o,s:o,s:o,s:o,s:o}", "at", sq_jtext(s, 0),
                                                    "user", sq_jtext(s, 1), "from",
                                                    sq_jtext(s, 2), "to", sq_jtext(s, 3),
                                                    "reason", sq_jtext(s, 4)));
        sq_done(s);
    }
    json_object_set_new(c, "events", events);

    if ((s = sq_prepare(st, SQL_CASE_SCREENING))) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            json_t *list = json_loads(sq_text(s, 3), 0, NULL);
            json_object_set_new(c, "screening",
                                json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "decision", sq_jtext(s, 0),
                                          "reason", sq_jtext(s, 1), "due", sq_jtext(s, 2),
                                          "checklist", list ? list : json_object(), "at",
                                          sq_jtext(s, 4), "user", sq_jtext(s, 5)));
        }
        sq_done(s);
    }
    return c;
}

/* The cases of campaign ?1 in status ?3, of region ?2, matching ?4 (title or unit) or id ?5. */
#define QUEUE_WHERE                                                                                \
    "WHERE c.campaign_id = ?1 AND c.status = ?3 AND (?2 IS NULL OR c.region_code = ?2) "         \
    "AND (?4 IS NULL OR instr(lower(c.title), lower(?4)) > 0 "                                     \
    "     OR instr(lower(u.name), lower(?4)) > 0 OR c.id = ?5) "

static const char SQL_QUEUE[] =
    "SELECT c.id, c.title, u.name, u.region_code, c.region_code, g.name, coalesce(t.name, ''), "
    "t.id IS NOT NULL AND t.campaign_id = c.campaign_id, "
    "coalesce(" CST_DATE("c.submitted_at") ", ''), "
    "c.contact_name <> '' AND c.contact_phone <> '', "
    "(SELECT group_concat(seq || ':' || length(body_md), ',') FROM case_section "
    " WHERE case_id = c.id AND length(trim(body_md)) > 0), "
    "(SELECT count(*) FROM attachment WHERE case_id = c.id), "
    "coalesce(date(c.submitted_at, '+8 hours') <= k.closes_at, 0), " ELIGIBLE ", " UNIT_OTHERS
    ", k.cases_per_unit, k.attachments_min "
    /* The page's ids first, so that the facts are computed for its rows only. */
    "FROM (SELECT c.id AS id, r.at AS at FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "      LEFT JOIN recommendation r ON r.case_id = c.id " QUEUE_WHERE
    "      ORDER BY r.at, c.id LIMIT ?6 OFFSET ?7) pg "
    "JOIN \"case\" c ON c.id = pg.id JOIN unit u ON u.id = c.unit_id "
    "JOIN region g ON g.code = c.region_code "
    "JOIN campaign k ON k.id = c.campaign_id LEFT JOIN track t ON t.id = c.track_id "
    "ORDER BY pg.at, pg.id";
static const char SQL_QUEUE_COUNT[] =
    "SELECT count(*) FROM \"case\" c JOIN unit u ON u.id = c.unit_id " QUEUE_WHERE;

static void bind_queue(sqlite3_stmt *s, int64_t campaign_id, const struct intake_queue_filter *f)
{
    sqlite3_bind_int64(s, 1, campaign_id);
    if (f->region)
        sqlite3_bind_text(s, 2, f->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, f->status ? f->status : "recommended", -1, SQLITE_TRANSIENT);
    if (f->q)
        sqlite3_bind_text(s, 4, f->q, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, f->q_id);
}

json_t *store_intake_queue(struct store *st, int64_t campaign_id,
                           const struct intake_queue_filter *f, int *matched)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_QUEUE_COUNT);
    if (!s)
        return NULL;
    bind_queue(s, campaign_id, f);
    *matched = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sq_done(s);
    if (!(s = sq_prepare(st, SQL_QUEUE)))
        return NULL;
    bind_queue(s, campaign_id, f);
    sqlite3_bind_int(s, 6, f->limit);
    sqlite3_bind_int(s, 7, f->offset);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW) {
        int len[5] = {0}, total = 0;
        const char *p = sq_text(s, 10);
        while (*p) {
            int seq = 0, n = 0;
            if (sscanf(p, "%d:%d", &seq, &n) == 2 && seq >= 1 && seq <= 5) {
                len[seq - 1] = n;
                total += n;
            }
            p = strchr(p, ',');
            if (!p)
                break;
            p++;
        }
        json_t *lens = json_array();
        for (int i = 0; i < 5; i++)
            json_array_append_new(lens, json_integer(len[i]));
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:b,s:o,s:i,s:i,s:b}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "title", sq_jtext(s, 1), "unit",
                         sq_jtext(s, 2), "unit_region", sq_jtext(s, 3), "region_code",
                         sq_jtext(s, 4), "region", sq_jtext(s, 5), "track", sq_jtext(s, 6),
                         "track_ok", sqlite3_column_int(s, 7), "submitted_at", sq_jtext(s, 8),
                         "contact_ok", sqlite3_column_int(s, 9), "sections", lens, "chars",
                         total, "attachments", sqlite3_column_int(s, 11), "in_time",
                         sqlite3_column_int(s, 12)));
        json_t *it = json_array_get(a, json_array_size(a) - 1);
        json_object_set_new(it, "eligible", json_boolean(sqlite3_column_int(s, 13)));
        json_object_set_new(it, "rules", json_pack("{s:i,s:i,s:i}", "unit_others",
                                                   sqlite3_column_int(s, 14), "cases_per_unit",
                                                   sqlite3_column_int(s, 15), "attachments_min",
                                                   sqlite3_column_int(s, 16)));
    }
    sq_done(s);
    return a;
}

static const char SQL_STATUS_COUNTS[] =
    "SELECT status, count(*) FROM \"case\" WHERE campaign_id = ?1 GROUP BY status";
static const char SQL_REGION_COUNTS[] =
    "SELECT g.code, g.name, "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status <> 'draft'), "
    "(SELECT count(*) FROM recommendation r WHERE r.campaign_id = ?1 AND r.region_code = g.code), "
    "coalesce((SELECT quota FROM region_quota q WHERE q.campaign_id = ?1 "
    " AND q.region_code = g.code), 0), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'passed'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'correction'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'rejected'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'returned') "
    "FROM region g ORDER BY g.code";

json_t *store_intake_dashboard(struct store *st, int64_t campaign_id)
{
    json_t *statuses = json_object();
    int total = 0;
    sqlite3_stmt *s = sq_prepare(st, SQL_STATUS_COUNTS);
    if (s) {
        sqlite3_bind_int64(s, 1, campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_object_set_new(statuses, sq_text(s, 0), json_integer(sqlite3_column_int(s, 1)));
            total += sqlite3_column_int(s, 1);
        }
        sq_done(s);
    }
    json_t *regions = json_array();
    if ((s = sq_prepare(st, SQL_REGION_COUNTS))) {
        sqlite3_bind_int64(s, 1, campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                regions,
                json_pack("{s:o,s:o,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "code", sq_jtext(s, 0),
                          "name", sq_jtext(s, 1), "submitted", sqlite3_column_int(s, 2),
                          "recommended", sqlite3_column_int(s, 3), "quota",
                          sqlite3_column_int(s, 4), "passed", sqlite3_column_int(s, 5),
                          "correction", sqlite3_column_int(s, 6), "rejected",
                          sqlite3_column_int(s, 7), "returned", sqlite3_column_int(s, 8), "full",
                          sqlite3_column_int(s, 3) >= sqlite3_column_int(s, 4)));
        sq_done(s);
    }
    return json_pack("{s:o,s:i,s:o}", "statuses", statuses, "total", total, "regions", regions);
}

static const char SQL_ACTIVITY[] =
    "SELECT " CST_TIME("e.at") ", coalesce(u.name, ''), e.case_id, c.title, "
    "coalesce(e.from_status, ''), "
    "e.to_status, e.reason FROM case_event e JOIN \"case\" c ON c.id = e.case_id "
    "LEFT JOIN user u ON u.id = e.user_id WHERE c.campaign_id = ?1 ORDER BY e.id DESC LIMIT ?2";

json_t *store_intake_activity(struct store *st, int64_t campaign_id, int limit)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_ACTIVITY);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int(s, 2, limit);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "at", sq_jtext(s, 0), "user",
                         sq_jtext(s, 1), "case_id", (json_int_t)sqlite3_column_int64(s, 2),
                         "title", sq_jtext(s, 3), "from", sq_jtext(s, 4), "to", sq_jtext(s, 5),
                         "reason", sq_jtext(s, 6)));
    sq_done(s);
    return a;
}

static const char SQL_QUOTAS[] =
    "SELECT g.code, g.name, coalesce(q.quota, 0) FROM region g "
    "LEFT JOIN region_quota q ON q.region_code = g.code AND q.campaign_id = ?1 ORDER BY g.code";

json_t *store_intake_quotas(struct store *st, int64_t campaign_id)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_QUOTAS);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:o,s:o,s:i}", "code", sq_jtext(s, 0), "name",
                                           sq_jtext(s, 1), "quota", sqlite3_column_int(s, 2)));
    sq_done(s);
    return a;
}

/* ------------------------------------------------------------------ writes */

static int add_event(struct store_tx *tx, int64_t case_id, int64_t user_id, const char *from,
                     const char *to, const char *reason)
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
    sqlite3_bind_text(s, 3, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}

int tx_intake_move(struct store_tx *tx, int64_t campaign_id, int64_t case_id, const char *region,
                   const char *from, const char *to, int64_t user_id, const char *reason,
                   const char *due)
{
    static const char sql[] =
        "UPDATE \"case\" SET status = ?4, correction_due = ?5, updated_at = " NOW " "
        "WHERE id = ?1 AND campaign_id = ?2 AND status = ?3 AND (?6 IS NULL OR region_code = ?6)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int64(s, 2, campaign_id);
    sqlite3_bind_text(s, 3, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, to, -1, SQLITE_TRANSIENT);
    sq_bind_opt(s, 5, due);
    if (region)
        sqlite3_bind_text(s, 6, region, -1, SQLITE_TRANSIENT);
    int rc = tx_exec_changed(tx, s, RC_STALE);
    if (rc != RC_OK)
        return rc;
    return add_event(tx, case_id, user_id, from, to, reason);
}

int tx_intake_recommend(struct store_tx *tx, int64_t campaign_id, int64_t case_id,
                        const char *region, int64_t user_id)
{
    int rc = tx_intake_move(tx, campaign_id, case_id, region, "submitted", "recommended",
                            user_id, "", NULL);
    if (rc != RC_OK)
        return rc;
    static const char sql[] =
        "INSERT INTO recommendation (case_id, campaign_id, region_code, user_id) "
        "VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int64(s, 2, campaign_id);
    sqlite3_bind_text(s, 3, region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, user_id);
    int step = sqlite3_step(s);
    int ext = sqlite3_extended_errcode(tx->db);
    const char *msg = sqlite3_errmsg(tx->db);
    int full = step != SQLITE_DONE && ext == SQLITE_CONSTRAINT_TRIGGER && msg &&
               strstr(msg, "quota exceeded");
    if (step != SQLITE_DONE && !full)
        log_error("store: recommend: %s", msg);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (full)
        return RC_QUOTA;
    return step == SQLITE_DONE ? RC_OK : RC_ERROR;
}

int tx_intake_screening(struct store_tx *tx, int64_t case_id, const char *decision,
                        const char *checklist_json, const char *reason, const char *due,
                        int64_t user_id)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO screening (case_id, decision, checklist, reason, due, user_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, decision, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, checklist_json ? checklist_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sq_bind_opt(s, 5, due);
    sqlite3_bind_int64(s, 6, user_id);
    return tx_exec(tx, s);
}

int tx_intake_notify(struct store_tx *tx, int64_t case_id, const char *subject,
                     const char *body)
{
    static const char sql[] =
        "SELECT contact_email FROM \"case\" WHERE id = ?1 AND contact_email LIKE '%_@_%' "
        "UNION SELECT u.email FROM \"case\" c JOIN user_role r ON r.unit_id = c.unit_id "
        "AND r.role = 'submitter' JOIN user u ON u.id = r.user_id "
        "WHERE c.id = ?1 AND u.disabled = 0 AND c.contact_email NOT LIKE '%_@_%'";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    /* Collect first: the outbox insert must not run while this statement is live. */
    char to[8][256];
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < 8)
        snprintf(to[n++], sizeof to[0], "%s", sq_text(s, 0));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("store: notify: %s", sqlite3_errmsg(tx->db));
        return RC_ERROR;
    }
    for (int i = 0; i < n; i++)
        if (tx_outbox_add(tx, to[i], subject, body) != RC_OK)
            return RC_ERROR;
    return RC_OK;
}

/* Prepare sql in tx with ?1 bound to id and ?2, ?3 to the texts t2, t3; NULL on failure. */
static sqlite3_stmt *prepare_id_texts(struct store_tx *tx, const char *sql, int64_t id,
                                      const char *t2, const char *t3)
{
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, t2, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, t3, -1, SQLITE_TRANSIENT);
    return s;
}

int tx_intake_timeline(struct store_tx *tx, int64_t campaign_id, const char *opens_at,
                       const char *closes_at)
{
    static const char sql[] =
        "UPDATE campaign SET opens_at = ?2, closes_at = ?3 WHERE id = ?1 "
        "AND status NOT IN ('published', 'archived')";
    sqlite3_stmt *s = prepare_id_texts(tx, sql, campaign_id, opens_at, closes_at);
    if (!s)
        return RC_ERROR;
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_intake_rules(struct store_tx *tx, int64_t campaign_id, int cases_per_unit,
                    int attachments_min, const char *attachments_note)
{
    static const char sql[] =
        "UPDATE campaign SET cases_per_unit = ?2, attachments_min = ?3, attachments_note = ?4 "
        "WHERE id = ?1 AND status NOT IN ('published', 'archived')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int(s, 2, cases_per_unit);
    sqlite3_bind_int(s, 3, attachments_min);
    sqlite3_bind_text(s, 4, attachments_note, -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_intake_track_rename(struct store_tx *tx, int64_t campaign_id, const char *slug,
                           const char *name)
{
    static const char sql[] = "UPDATE track SET name = ?3 WHERE campaign_id = ?1 AND slug = ?2";
    sqlite3_stmt *s = prepare_id_texts(tx, sql, campaign_id, slug, name);
    if (!s)
        return RC_ERROR;
    return tx_exec_changed(tx, s, RC_NOTFOUND);
}

int tx_intake_track_add(struct store_tx *tx, int64_t campaign_id, const char *slug,
                        const char *name)
{
    static const char sql[] = "INSERT INTO track (campaign_id, slug, name) VALUES (?1, ?2, ?3)";
    sqlite3_stmt *s = prepare_id_texts(tx, sql, campaign_id, slug, name);
    if (!s)
        return RC_ERROR;
    return tx_exec(tx, s);
}

int tx_intake_quota(struct store_tx *tx, int64_t campaign_id, const char *region, int quota)
{
    static const char sql[] =
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (campaign_id, region_code) DO UPDATE SET quota = excluded.quota";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_text(s, 2, region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, quota);
    return tx_exec(tx, s);
}
